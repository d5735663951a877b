"""``ember.vision.ops.diou_loss``: torchvision's import path for :func:`~ember.vision.ops.distance_box_iou_loss`."""

from ember.vision.ops.losses import distance_box_iou_loss

__all__ = ["distance_box_iou_loss"]
