"""Fully-convolutional networks for semantic segmentation (mirrors ``torchvision.models.segmentation.fcn``).

A dilated ResNet backbone (output stride 8) with a small convolutional head; module names follow torchvision's,
so state_dicts are interchangeable.

Example::

    >>> from ember.vision.models.segmentation import fcn_resnet50
    >>> net = fcn_resnet50(weights_backbone=None, num_classes=3).eval()
    >>> net(ember.randn(1, 3, 64, 64))["out"].shape
    ember.Size([1, 3, 64, 64])
"""

import ember.nn as nn
from ember.vision.models._api import WeightsEnum, _load_weights
from ember.vision.models._utils import IntermediateLayerGetter
from ember.vision.models.resnet import ResNet50_Weights, ResNet101_Weights, resnet50, resnet101
from ember.vision.models.segmentation._utils import _resolve_args, _seg_builder, _SimpleSegmentationModel, _voc_weights

__all__ = ["FCN", "FCN_ResNet50_Weights", "FCN_ResNet101_Weights", "fcn_resnet50", "fcn_resnet101"]


class FCN(_SimpleSegmentationModel):
    """Fully-Convolutional Network (Long et al. 2015): a feature-extracting backbone, a classifier head and an
    optional auxiliary head, whose predictions are upsampled bilinearly to the input size.

    Args:
        backbone: module returning ``{"out": ...}`` (and ``"aux"`` when ``aux_classifier`` is given).
        classifier: head on the ``"out"`` features (e.g. :class:`FCNHead`).
        aux_classifier: head on the ``"aux"`` features, used for an auxiliary training loss (default ``None``).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: dict with ``"out"`` (and ``"aux"``) of shape ``(N, num_classes, H, W)``.

    Example::

        >>> net = fcn_resnet50(weights_backbone=None, num_classes=2, aux_loss=True)
        >>> sorted(net(ember.randn(1, 3, 32, 32)))
        ['aux', 'out']
    """


class FCNHead(nn.Sequential):
    """The FCN classifier: 3x3 convolution to a quarter of the channels, batch norm, ReLU, dropout 0.1 and a 1x1
    convolution to ``channels`` outputs.

    Args:
        in_channels: input channels.
        channels: output channels (the number of classes).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, channels, H, W)``.

    Example::

        >>> FCNHead(16, 3)(ember.randn(1, 16, 5, 5)).shape
        ember.Size([1, 3, 5, 5])
    """

    def __init__(self, in_channels, channels):
        inter_channels = in_channels // 4
        super().__init__(nn.Conv2d(in_channels, inter_channels, 3, padding=1, bias=False),
                         nn.BatchNorm2d(inter_channels), nn.ReLU(), nn.Dropout(0.1),
                         nn.Conv2d(inter_channels, channels, 1))


class FCN_ResNet50_Weights(WeightsEnum):
    """Pre-trained weights of :func:`fcn_resnet50` (COCO images, VOC labels; ``DEFAULT`` is the only member)."""

    COCO_WITH_VOC_LABELS_V1 = _voc_weights("fcn_resnet50_coco-1167a1af.pth", "fcn_resnet50", 60.5, 91.4, 152.717,
                                           135.009, num_params=35322218)
    DEFAULT = COCO_WITH_VOC_LABELS_V1


class FCN_ResNet101_Weights(WeightsEnum):
    """Pre-trained weights of :func:`fcn_resnet101` (COCO images, VOC labels; ``DEFAULT`` is the only member)."""

    # torchvision's meta points this recipe at the deeplabv3_resnet101 section; kept as published
    COCO_WITH_VOC_LABELS_V1 = _voc_weights("fcn_resnet101_coco-7ecb50ca.pth", "deeplabv3_resnet101", 63.7, 91.9,
                                           232.738, 207.711, num_params=54314346)
    DEFAULT = COCO_WITH_VOC_LABELS_V1


def _fcn_resnet(backbone, num_classes, aux):
    """An :class:`FCN` on a (dilated) ResNet: ``layer4`` feeds the classifier, ``layer3`` the auxiliary head."""
    return_layers = {"layer4": "out"}
    if aux:
        return_layers["layer3"] = "aux"
    backbone = IntermediateLayerGetter(backbone, return_layers=return_layers)
    aux_classifier = FCNHead(1024, num_classes) if aux else None
    return FCN(backbone, FCNHead(2048, num_classes), aux_classifier)


@_seg_builder("FCN with a dilated ResNet-50 backbone.", FCN_ResNet50_Weights, ResNet50_Weights.IMAGENET1K_V1,
              "``layer3``")
def fcn_resnet50(*, weights: FCN_ResNet50_Weights | None = None, progress=True, num_classes=None, aux_loss=None,
                 weights_backbone: ResNet50_Weights | None = ResNet50_Weights.IMAGENET1K_V1, **kwargs):
    weights, weights_backbone, num_classes, aux_loss = _resolve_args(
        FCN_ResNet50_Weights, ResNet50_Weights, weights, weights_backbone, num_classes, aux_loss)
    backbone = resnet50(weights=weights_backbone, replace_stride_with_dilation=[False, True, True])
    return _load_weights(_fcn_resnet(backbone, num_classes, aux_loss), weights, progress)


@_seg_builder("FCN with a dilated ResNet-101 backbone.", FCN_ResNet101_Weights, ResNet101_Weights.IMAGENET1K_V1,
              "``layer3``")
def fcn_resnet101(*, weights: FCN_ResNet101_Weights | None = None, progress=True, num_classes=None, aux_loss=None,
                  weights_backbone: ResNet101_Weights | None = ResNet101_Weights.IMAGENET1K_V1, **kwargs):
    weights, weights_backbone, num_classes, aux_loss = _resolve_args(
        FCN_ResNet101_Weights, ResNet101_Weights, weights, weights_backbone, num_classes, aux_loss)
    backbone = resnet101(weights=weights_backbone, replace_stride_with_dilation=[False, True, True])
    return _load_weights(_fcn_resnet(backbone, num_classes, aux_loss), weights, progress)
