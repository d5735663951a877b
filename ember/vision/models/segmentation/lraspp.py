"""Lite R-ASPP semantic segmentation (mirrors ``torchvision.models.segmentation.lraspp``).

The light head of "Searching for MobileNetV3" on a dilated MobileNetV3-Large; module names follow torchvision's,
so state_dicts are interchangeable.

Example::

    >>> from ember.vision.models.segmentation import lraspp_mobilenet_v3_large
    >>> net = lraspp_mobilenet_v3_large(weights_backbone=None, num_classes=3).eval()
    >>> net(ember.randn(1, 3, 64, 64))["out"].shape
    ember.Size([1, 3, 64, 64])
"""

from collections import OrderedDict

import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import WeightsEnum, _load_weights
from ember.vision.models._utils import IntermediateLayerGetter
from ember.vision.models.mobilenetv3 import MobileNet_V3_Large_Weights, mobilenet_v3_large
from ember.vision.models._utils import _stage_ends
from ember.vision.models.segmentation._utils import _resolve_args, _seg_builder, _voc_weights

__all__ = ["LRASPP", "LRASPP_MobileNet_V3_Large_Weights", "lraspp_mobilenet_v3_large"]


class LRASPP(nn.Module):
    """Lite R-ASPP (Howard et al. 2019): a backbone giving low- and high-level features and an
    :class:`LRASPPHead` combining them; the prediction is upsampled bilinearly to the input size.

    Args:
        backbone: module returning ``{"low": ..., "high": ...}`` feature maps.
        low_channels: channels of the ``"low"`` features.
        high_channels: channels of the ``"high"`` features.
        num_classes: number of output classes.
        inter_channels: width of the head's intermediate features (default 128).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: dict with ``"out"`` of shape ``(N, num_classes, H, W)``.

    Example::

        >>> net = lraspp_mobilenet_v3_large(weights_backbone=None, num_classes=2).eval()
        >>> net(ember.randn(1, 3, 32, 32))["out"].shape
        ember.Size([1, 2, 32, 32])
    """

    def __init__(self, backbone, low_channels, high_channels, num_classes, inter_channels=128):
        super().__init__()
        self.backbone = backbone
        self.classifier = LRASPPHead(low_channels, high_channels, num_classes, inter_channels)

    def forward(self, input):
        out = self.classifier(self.backbone(input))
        result = OrderedDict()
        result["out"] = F.interpolate(out, size=input.shape[-2:], mode="bilinear", align_corners=False)
        return result


class LRASPPHead(nn.Module):
    """The Lite R-ASPP head: the high-level features go through a 1x1 convolution, batch norm and ReLU, gated by
    a sigmoid of their globally pooled 1x1 projection, upsampled to the low-level features' size and classified;
    a 1x1 classifier on the low-level features is added.

    Args:
        low_channels: channels of ``input["low"]``.
        high_channels: channels of ``input["high"]``.
        num_classes: number of output classes.
        inter_channels: width of the gated branch.

    Shape:
        - Input: dict with ``"low"`` ``(N, low_channels, h, w)`` and ``"high"`` ``(N, high_channels, h', w')``;
          Output: ``(N, num_classes, h, w)``.

    Example::

        >>> head = LRASPPHead(4, 8, 3, 16).eval()
        >>> head({"low": ember.randn(1, 4, 8, 8), "high": ember.randn(1, 8, 4, 4)}).shape
        ember.Size([1, 3, 8, 8])
    """

    def __init__(self, low_channels, high_channels, num_classes, inter_channels):
        super().__init__()
        self.cbr = nn.Sequential(nn.Conv2d(high_channels, inter_channels, 1, bias=False),
                                 nn.BatchNorm2d(inter_channels), nn.ReLU(inplace=True))
        self.scale = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(high_channels, inter_channels, 1, bias=False),
                                   nn.Sigmoid())
        self.low_classifier = nn.Conv2d(low_channels, num_classes, 1)
        self.high_classifier = nn.Conv2d(inter_channels, num_classes, 1)

    def forward(self, input):
        low, high = input["low"], input["high"]
        x = self.cbr(high) * self.scale(high)
        x = F.interpolate(x, size=low.shape[-2:], mode="bilinear", align_corners=False)
        return self.low_classifier(low) + self.high_classifier(x)


class LRASPP_MobileNet_V3_Large_Weights(WeightsEnum):
    """Pre-trained weights of :func:`lraspp_mobilenet_v3_large` (COCO images, VOC labels)."""

    COCO_WITH_VOC_LABELS_V1 = _voc_weights("lraspp_mobilenet_v3_large-d234d4ea.pth", "lraspp_mobilenet_v3_large",
                                           57.9, 91.2, 2.086, 12.49, num_params=3221538, params_first=True)
    DEFAULT = COCO_WITH_VOC_LABELS_V1


def _lraspp_mobilenetv3(backbone, num_classes):
    """An :class:`LRASPP` on (dilated) MobileNetV3 features: the stride-8 stage's end gives the low-level
    features, the last layer the high-level ones."""
    features = backbone.features
    stages = _stage_ends(features)
    low_pos, high_pos = stages[-4], stages[-1]
    body = IntermediateLayerGetter(features, return_layers={str(low_pos): "low", str(high_pos): "high"})
    return LRASPP(body, features[low_pos].out_channels, features[high_pos].out_channels, num_classes)


@_seg_builder("Lite R-ASPP with a dilated MobileNetV3-Large backbone (no auxiliary head: ``aux_loss=True`` "
              "raises NotImplementedError).", LRASPP_MobileNet_V3_Large_Weights,
              MobileNet_V3_Large_Weights.IMAGENET1K_V1)
def lraspp_mobilenet_v3_large(*, weights: LRASPP_MobileNet_V3_Large_Weights | None = None, progress=True,
                              num_classes=None,
                              weights_backbone: MobileNet_V3_Large_Weights | None = (
                                  MobileNet_V3_Large_Weights.IMAGENET1K_V1),
                              **kwargs):
    if kwargs.pop("aux_loss", False):
        raise NotImplementedError("This model does not use auxiliary loss")
    weights, weights_backbone, num_classes, _ = _resolve_args(
        LRASPP_MobileNet_V3_Large_Weights, MobileNet_V3_Large_Weights, weights, weights_backbone, num_classes,
        has_aux=False)
    backbone = mobilenet_v3_large(weights=weights_backbone, dilated=True)
    return _load_weights(_lraspp_mobilenetv3(backbone, num_classes), weights, progress)
