"""The two-stage detector skeleton (mirrors ``torchvision.models.detection.generalized_rcnn``): transform,
backbone, region proposal network, RoI heads, and the transform's post-processing.

Example::

    >>> from ember.vision.models.detection import fasterrcnn_resnet50_fpn
    >>> model = fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3, min_size=64,
    ...                                 max_size=64)
    >>> isinstance(model, GeneralizedRCNN)
    True
"""

from collections import OrderedDict

import ember
from ember import nn
from ember.vision.models.detection._utils import _assert
# the checks the one-stage detectors already share
from ember.vision.models.detection.retinanet import _check_degenerate, _original_sizes

__all__ = ["GeneralizedRCNN"]


class GeneralizedRCNN(nn.Module):
    """Base class of Faster / Mask / Keypoint R-CNN.

    In training mode ``forward(images, targets)`` returns the dict of losses (the RoI heads', then the RPN's);
    in eval mode ``forward(images)`` returns one detection dict per image, in the original image's pixels.

    Args:
        backbone: images -> a feature map or an ordered dict of them.
        rpn: the :class:`~ember.vision.models.detection.rpn.RegionProposalNetwork`.
        roi_heads: the :class:`~ember.vision.models.detection.roi_heads.RoIHeads`.
        transform: the :class:`~ember.vision.models.detection.transform.GeneralizedRCNNTransform`.
    """

    def __init__(self, backbone, rpn, roi_heads, transform):
        super().__init__()
        self.transform = transform
        self.backbone = backbone
        self.rpn = rpn
        self.roi_heads = roi_heads
        self._has_warned = False

    def eager_outputs(self, losses, detections):
        """The losses in training mode, the detections in eval mode."""
        return losses if self.training else detections

    def forward(self, images, targets=None):
        if self.training:
            if targets is None:
                _assert(False, "targets should not be none when in training mode")
            for target in targets:
                boxes = target["boxes"]
                if isinstance(boxes, ember.Tensor):
                    _assert(len(boxes.shape) == 2 and boxes.shape[-1] == 4,
                            f"Expected target boxes to be a tensor of shape [N, 4], got {boxes.shape}.")
                else:
                    _assert(False, f"Expected target boxes to be of type Tensor, got {type(boxes)}.")
        original_image_sizes = _original_sizes(images)
        images, targets = self.transform(images, targets)
        _check_degenerate(targets)
        features = self.backbone(images.tensors)
        if isinstance(features, ember.Tensor):
            features = OrderedDict([("0", features)])
        proposals, proposal_losses = self.rpn(images, features, targets)
        detections, detector_losses = self.roi_heads(features, proposals, images.image_sizes, targets)
        detections = self.transform.postprocess(detections, images.image_sizes, original_image_sizes)
        losses = {}
        losses.update(detector_losses)
        losses.update(proposal_losses)
        return self.eager_outputs(losses, detections)
