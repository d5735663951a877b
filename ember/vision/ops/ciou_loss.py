"""``ember.vision.ops.ciou_loss``: torchvision's import path for :func:`~ember.vision.ops.complete_box_iou_loss`."""

from ember.vision.ops.losses import complete_box_iou_loss

__all__ = ["complete_box_iou_loss"]
