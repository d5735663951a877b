"""``ember.vision.ops.giou_loss``: torchvision's import path for :func:`~ember.vision.ops.generalized_box_iou_loss`."""

from ember.vision.ops.losses import generalized_box_iou_loss

__all__ = ["generalized_box_iou_loss"]
