"""``ember.vision.ops.focal_loss``: torchvision's import path for :func:`~ember.vision.ops.sigmoid_focal_loss`."""

from ember.vision.ops.losses import sigmoid_focal_loss

__all__ = ["sigmoid_focal_loss"]
