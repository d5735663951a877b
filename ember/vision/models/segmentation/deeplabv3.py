"""DeepLabV3 semantic segmentation (mirrors ``torchvision.models.segmentation.deeplabv3``).

Atrous Spatial Pyramid Pooling on a dilated ResNet or MobileNetV3-Large backbone; module names follow
torchvision's, so state_dicts are interchangeable.

Example::

    >>> from ember.vision.models.segmentation import deeplabv3_mobilenet_v3_large
    >>> net = deeplabv3_mobilenet_v3_large(weights_backbone=None, num_classes=3).eval()
    >>> net(ember.randn(1, 3, 64, 64))["out"].shape
    ember.Size([1, 3, 64, 64])
"""

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import WeightsEnum, _load_weights
from ember.vision.models._utils import IntermediateLayerGetter
from ember.vision.models.mobilenetv3 import MobileNet_V3_Large_Weights, mobilenet_v3_large
from ember.vision.models.resnet import ResNet50_Weights, ResNet101_Weights, resnet50, resnet101
from ember.vision.models._utils import _stage_ends
from ember.vision.models.segmentation._utils import _resolve_args, _seg_builder, _SimpleSegmentationModel, _voc_weights
from ember.vision.models.segmentation.fcn import FCNHead

__all__ = ["DeepLabV3", "DeepLabV3_ResNet50_Weights", "DeepLabV3_ResNet101_Weights",
           "DeepLabV3_MobileNet_V3_Large_Weights", "deeplabv3_mobilenet_v3_large", "deeplabv3_resnet50",
           "deeplabv3_resnet101"]


class DeepLabV3(_SimpleSegmentationModel):
    """DeepLabV3 (Chen et al. 2017, "Rethinking Atrous Convolution for Semantic Image Segmentation"): a backbone,
    an ASPP classifier (:class:`DeepLabHead`) and an optional auxiliary head, whose predictions are upsampled
    bilinearly to the input size.

    Args:
        backbone: module returning ``{"out": ...}`` (and ``"aux"`` when ``aux_classifier`` is given).
        classifier: head on the ``"out"`` features.
        aux_classifier: head on the ``"aux"`` features, used for an auxiliary training loss (default ``None``).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: dict with ``"out"`` (and ``"aux"``) of shape ``(N, num_classes, H, W)``.

    Example::

        >>> net = deeplabv3_resnet50(weights_backbone=None, num_classes=2).eval()
        >>> net(ember.randn(1, 3, 32, 32))["out"].shape
        ember.Size([1, 2, 32, 32])
    """


class DeepLabHead(nn.Sequential):
    """The DeepLabV3 classifier: :class:`ASPP` (256 channels), a 3x3 convolution, batch norm, ReLU and a 1x1
    convolution to ``num_classes`` outputs.

    Args:
        in_channels: input channels.
        num_classes: output channels.
        atrous_rates: dilations of ASPP's three 3x3 branches (default ``(12, 24, 36)``).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, num_classes, H, W)``.

    Example::

        >>> DeepLabHead(32, 3, atrous_rates=(1, 2, 3)).eval()(ember.randn(1, 32, 7, 7)).shape
        ember.Size([1, 3, 7, 7])
    """

    def __init__(self, in_channels, num_classes, atrous_rates=(12, 24, 36)):
        super().__init__(ASPP(in_channels, atrous_rates), nn.Conv2d(256, 256, 3, padding=1, bias=False),
                         nn.BatchNorm2d(256), nn.ReLU(), nn.Conv2d(256, num_classes, 1))


class ASPPConv(nn.Sequential):
    """One atrous branch of :class:`ASPP`: a bias-free 3x3 convolution with ``dilation`` (padded to keep the
    size), batch norm and ReLU.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        dilation: the convolution's dilation (and padding).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, out_channels, H, W)``.

    Example::

        >>> ASPPConv(4, 8, 2)(ember.randn(2, 4, 5, 5)).shape
        ember.Size([2, 8, 5, 5])
    """

    def __init__(self, in_channels, out_channels, dilation):
        super().__init__(nn.Conv2d(in_channels, out_channels, 3, padding=dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU())


class ASPPPooling(nn.Sequential):
    """The image-level branch of :class:`ASPP`: global average pooling, a bias-free 1x1 convolution, batch norm
    and ReLU, then broadcast back to the input's size (bilinear upsampling of the 1x1 map).

    Args:
        in_channels: input channels.
        out_channels: output channels.

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, out_channels, H, W)``.

    Example::

        >>> ASPPPooling(4, 8)(ember.randn(2, 4, 5, 6)).shape
        ember.Size([2, 8, 5, 6])
    """

    def __init__(self, in_channels, out_channels):
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_channels, out_channels, 1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU())

    def forward(self, x):
        size = x.shape[-2:]
        for mod in self:
            x = mod(x)
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class ASPP(nn.Module):
    """Atrous Spatial Pyramid Pooling: a 1x1 branch, one :class:`ASPPConv` per rate and an :class:`ASPPPooling`
    branch, concatenated and projected by a 1x1 convolution, batch norm, ReLU and dropout 0.5.

    Args:
        in_channels: input channels.
        atrous_rates: one dilation per 3x3 branch.
        out_channels: channels of every branch and of the output (default 256).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, out_channels, H, W)``.

    Example::

        >>> ASPP(8, (1, 2), out_channels=16).eval()(ember.randn(1, 8, 6, 6)).shape
        ember.Size([1, 16, 6, 6])
    """

    def __init__(self, in_channels, atrous_rates, out_channels=256):
        super().__init__()
        modules = [nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels),
                                 nn.ReLU())]
        modules += [ASPPConv(in_channels, out_channels, rate) for rate in tuple(atrous_rates)]
        modules.append(ASPPPooling(in_channels, out_channels))
        self.convs = nn.ModuleList(modules)
        self.project = nn.Sequential(nn.Conv2d(len(self.convs) * out_channels, out_channels, 1, bias=False),
                                     nn.BatchNorm2d(out_channels), nn.ReLU(), nn.Dropout(0.5))

    def forward(self, x):
        return self.project(ember.cat([conv(x) for conv in self.convs], dim=1))


class DeepLabV3_ResNet50_Weights(WeightsEnum):
    """Pre-trained weights of :func:`deeplabv3_resnet50` (COCO images, VOC labels)."""

    COCO_WITH_VOC_LABELS_V1 = _voc_weights("deeplabv3_resnet50_coco-cd0a2569.pth", "deeplabv3_resnet50", 66.4, 92.4,
                                           178.722, 160.515, num_params=42004074)
    DEFAULT = COCO_WITH_VOC_LABELS_V1


class DeepLabV3_ResNet101_Weights(WeightsEnum):
    """Pre-trained weights of :func:`deeplabv3_resnet101` (COCO images, VOC labels)."""

    # torchvision's meta points this recipe at the fcn_resnet101 section; kept as published
    COCO_WITH_VOC_LABELS_V1 = _voc_weights("deeplabv3_resnet101_coco-586e9e4e.pth", "fcn_resnet101", 67.4, 92.4,
                                           258.743, 233.217, num_params=60996202)
    DEFAULT = COCO_WITH_VOC_LABELS_V1


class DeepLabV3_MobileNet_V3_Large_Weights(WeightsEnum):
    """Pre-trained weights of :func:`deeplabv3_mobilenet_v3_large` (COCO images, VOC labels)."""

    COCO_WITH_VOC_LABELS_V1 = _voc_weights("deeplabv3_mobilenet_v3_large-fc3c493d.pth",
                                           "deeplabv3_mobilenet_v3_large", 60.3, 91.2, 10.452, 42.301,
                                           num_params=11029328)
    DEFAULT = COCO_WITH_VOC_LABELS_V1


def _deeplabv3_resnet(backbone, num_classes, aux):
    """A :class:`DeepLabV3` on a dilated ResNet: ``layer4`` feeds ASPP, ``layer3`` the auxiliary head."""
    return_layers = {"layer4": "out"}
    if aux:
        return_layers["layer3"] = "aux"
    backbone = IntermediateLayerGetter(backbone, return_layers=return_layers)
    aux_classifier = FCNHead(1024, num_classes) if aux else None
    return DeepLabV3(backbone, DeepLabHead(2048, num_classes), aux_classifier)


def _deeplabv3_mobilenetv3(backbone, num_classes, aux):
    """A :class:`DeepLabV3` on (dilated) MobileNetV3 features: the last layer feeds ASPP, the end of the
    stride-8 stage the auxiliary head."""
    features = backbone.features
    stages = _stage_ends(features)
    out_pos, aux_pos = stages[-1], stages[-4]
    return_layers = {str(out_pos): "out"}
    if aux:
        return_layers[str(aux_pos)] = "aux"
    aux_classifier = FCNHead(features[aux_pos].out_channels, num_classes) if aux else None
    classifier = DeepLabHead(features[out_pos].out_channels, num_classes)
    return DeepLabV3(IntermediateLayerGetter(features, return_layers=return_layers), classifier, aux_classifier)


@_seg_builder("DeepLabV3 with a dilated ResNet-50 backbone.", DeepLabV3_ResNet50_Weights,
              ResNet50_Weights.IMAGENET1K_V1, "``layer3``")
def deeplabv3_resnet50(*, weights: DeepLabV3_ResNet50_Weights | None = None, progress=True, num_classes=None,
                       aux_loss=None, weights_backbone: ResNet50_Weights | None = ResNet50_Weights.IMAGENET1K_V1,
                       **kwargs):
    weights, weights_backbone, num_classes, aux_loss = _resolve_args(
        DeepLabV3_ResNet50_Weights, ResNet50_Weights, weights, weights_backbone, num_classes, aux_loss)
    backbone = resnet50(weights=weights_backbone, replace_stride_with_dilation=[False, True, True])
    return _load_weights(_deeplabv3_resnet(backbone, num_classes, aux_loss), weights, progress)


@_seg_builder("DeepLabV3 with a dilated ResNet-101 backbone.", DeepLabV3_ResNet101_Weights,
              ResNet101_Weights.IMAGENET1K_V1, "``layer3``")
def deeplabv3_resnet101(*, weights: DeepLabV3_ResNet101_Weights | None = None, progress=True, num_classes=None,
                        aux_loss=None, weights_backbone: ResNet101_Weights | None = ResNet101_Weights.IMAGENET1K_V1,
                        **kwargs):
    weights, weights_backbone, num_classes, aux_loss = _resolve_args(
        DeepLabV3_ResNet101_Weights, ResNet101_Weights, weights, weights_backbone, num_classes, aux_loss)
    backbone = resnet101(weights=weights_backbone, replace_stride_with_dilation=[False, True, True])
    return _load_weights(_deeplabv3_resnet(backbone, num_classes, aux_loss), weights, progress)


@_seg_builder("DeepLabV3 with a dilated MobileNetV3-Large backbone.", DeepLabV3_MobileNet_V3_Large_Weights,
              MobileNet_V3_Large_Weights.IMAGENET1K_V1, "the last block at stride 8")
def deeplabv3_mobilenet_v3_large(*, weights: DeepLabV3_MobileNet_V3_Large_Weights | None = None, progress=True,
                                 num_classes=None, aux_loss=None,
                                 weights_backbone: MobileNet_V3_Large_Weights | None = (
                                     MobileNet_V3_Large_Weights.IMAGENET1K_V1),
                                 **kwargs):
    weights, weights_backbone, num_classes, aux_loss = _resolve_args(
        DeepLabV3_MobileNet_V3_Large_Weights, MobileNet_V3_Large_Weights, weights, weights_backbone, num_classes,
        aux_loss)
    backbone = mobilenet_v3_large(weights=weights_backbone, dilated=True)
    return _load_weights(_deeplabv3_mobilenetv3(backbone, num_classes, aux_loss), weights, progress)
