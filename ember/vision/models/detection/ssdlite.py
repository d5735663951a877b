"""SSDlite (Sandler et al. 2018, Howard et al. 2019; mirrors ``torchvision.models.detection.ssdlite``): SSD
with depthwise-separable heads and extra blocks on a MobileNetV3 backbone.

Example::

    >>> from ember.vision.models.detection import ssdlite320_mobilenet_v3_large
    >>> model = ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=3)
"""

import warnings
from collections import OrderedDict
from functools import partial

import ember.nn as nn
from ember.vision.models._api import WeightsEnum
from ember.vision.models.detection import _utils as det_utils
from ember.vision.models.detection._utils import _DET_REFS, _coco_weights, _detection_builder
from ember.vision.models.detection.anchor_utils import DefaultBoxGenerator
from ember.vision.models.detection.backbone_utils import _validate_trainable_layers
from ember.vision.models.detection.retinanet import _resolve_classes
from ember.vision.models.detection.ssd import SSD, SSDScoringHead
from ember.vision.models._utils import _stage_ends
from ember.vision.models.mobilenetv3 import MobileNet_V3_Large_Weights, mobilenet_v3_large
from ember.vision.ops import Conv2dNormActivation

__all__ = ["SSDLite320_MobileNet_V3_Large_Weights", "ssdlite320_mobilenet_v3_large"]


def _prediction_block(in_channels, out_channels, kernel_size, norm_layer):
    # depthwise conv-norm-ReLU6, then a 1x1 projection to the outputs
    return nn.Sequential(
        Conv2dNormActivation(in_channels, in_channels, kernel_size=kernel_size, groups=in_channels,
                             norm_layer=norm_layer, activation_layer=nn.ReLU6),
        nn.Conv2d(in_channels, out_channels, 1),
    )


def _extra_block(in_channels, out_channels, norm_layer):
    # 1x1 to half the outputs, 3x3 depthwise of stride 2, 1x1 to the outputs (all with norm and ReLU6)
    mid = out_channels // 2
    return nn.Sequential(
        Conv2dNormActivation(in_channels, mid, kernel_size=1, norm_layer=norm_layer, activation_layer=nn.ReLU6),
        Conv2dNormActivation(mid, mid, kernel_size=3, stride=2, groups=mid, norm_layer=norm_layer,
                             activation_layer=nn.ReLU6),
        Conv2dNormActivation(mid, out_channels, kernel_size=1, norm_layer=norm_layer, activation_layer=nn.ReLU6),
    )


def _normal_init(conv):
    for layer in conv.modules():
        if isinstance(layer, nn.Conv2d):
            nn.init.normal_(layer.weight, mean=0.0, std=0.03)
            if layer.bias is not None:
                nn.init.constant_(layer.bias, 0.0)


class SSDLiteHead(nn.Module):
    """SSDlite's classification and regression heads (a depthwise-separable block per feature map each).

    Args:
        in_channels: channels of each feature map.
        num_anchors: default boxes per location of each map.
        num_classes: classes, background included.
        norm_layer: norm layer of the depthwise convolutions.

    Shapes:
        ``forward(x)`` returns ``{"bbox_regression": (N, HWA, 4), "cls_logits": (N, HWA, num_classes)}``.
    """

    def __init__(self, in_channels, num_anchors, num_classes, norm_layer):
        super().__init__()
        self.classification_head = SSDLiteClassificationHead(in_channels, num_anchors, num_classes, norm_layer)
        self.regression_head = SSDLiteRegressionHead(in_channels, num_anchors, norm_layer)

    def forward(self, x):
        return {"bbox_regression": self.regression_head(x), "cls_logits": self.classification_head(x)}


class SSDLiteClassificationHead(SSDScoringHead):
    """Class logits per default box from a depthwise-separable block per feature map."""

    def __init__(self, in_channels, num_anchors, num_classes, norm_layer):
        cls_logits = nn.ModuleList()
        for channels, anchors in zip(in_channels, num_anchors):
            cls_logits.append(_prediction_block(channels, num_classes * anchors, 3, norm_layer))
        _normal_init(cls_logits)
        super().__init__(cls_logits, num_classes)


class SSDLiteRegressionHead(SSDScoringHead):
    """Box offsets per default box from a depthwise-separable block per feature map."""

    def __init__(self, in_channels, num_anchors, norm_layer):
        bbox_reg = nn.ModuleList()
        for channels, anchors in zip(in_channels, num_anchors):
            bbox_reg.append(_prediction_block(channels, 4 * anchors, 3, norm_layer))
        _normal_init(bbox_reg)
        super().__init__(bbox_reg, 4)


class SSDLiteFeatureExtractorMobileNet(nn.Module):
    """Feature maps of SSDlite: MobileNet's C4 expansion output, its last layer's output, and four extra
    blocks halving the resolution each.

    Args:
        backbone: MobileNet's ``features``.
        c4_pos: index of the C4 block (its expansion layer's output is the first map).
        norm_layer: norm layer of the extra blocks.
        width_mult: channel multiplier of the extra blocks (default 1.0).
        min_depth: least channels of an extra block (default 16).

    Shapes:
        ``forward(x)`` returns an ``OrderedDict`` ``{"0": ..., "5": ...}`` of six maps.
    """

    def __init__(self, backbone, c4_pos, norm_layer, width_mult=1.0, min_depth=16):
        super().__init__()
        if backbone[c4_pos].use_res_connect:
            raise ValueError("backbone[c4_pos].use_res_connect should be False")
        # up to C4's expansion layer, then from C4's depthwise layer to the end (MobileNetV3 paper, 6.3); the
        # two parts are iterated, not chained
        self.features = nn.Sequential(
            nn.Sequential(*backbone[:c4_pos], backbone[c4_pos].block[0]),
            nn.Sequential(backbone[c4_pos].block[1:], *backbone[c4_pos + 1:]),
        )

        def depth(d):
            return max(min_depth, int(d * width_mult))

        extra = nn.ModuleList([
            _extra_block(backbone[-1].out_channels, depth(512), norm_layer),
            _extra_block(depth(512), depth(256), norm_layer),
            _extra_block(depth(256), depth(256), norm_layer),
            _extra_block(depth(256), depth(128), norm_layer),
        ])
        _normal_init(extra)
        self.extra = extra

    def forward(self, x):
        output = []
        for block in self.features:
            x = block(x)
            output.append(x)
        for block in self.extra:
            x = block(x)
            output.append(x)
        return OrderedDict([(str(i), v) for i, v in enumerate(output)])


def _mobilenet_extractor(backbone, trainable_layers, norm_layer):
    features = backbone.features
    stage_indices = _stage_ends(features)
    num_stages = len(stage_indices)
    if not 0 <= trainable_layers <= num_stages:
        raise ValueError(f"trainable_layers should be in the range [0, {num_stages}], instead got {trainable_layers}")
    freeze_before = len(features) if trainable_layers == 0 else stage_indices[num_stages - trainable_layers]
    for b in features[:freeze_before]:
        for parameter in b.parameters():
            parameter.requires_grad_(False)
    return SSDLiteFeatureExtractorMobileNet(features, stage_indices[-2], norm_layer)


class SSDLite320_MobileNet_V3_Large_Weights(WeightsEnum):
    """COCO weights of :func:`ssdlite320_mobilenet_v3_large` (``DEFAULT`` is ``COCO_V1``)."""

    COCO_V1 = _coco_weights("ssdlite320_mobilenet_v3_large_coco-a79551df.pth", 3440060, 21.3, 0.583, 13.418,
                            _DET_REFS + "#ssdlite320-mobilenetv3-large")
    DEFAULT = COCO_V1


@_detection_builder(MobileNet_V3_Large_Weights.IMAGENET1K_V1)
def ssdlite320_mobilenet_v3_large(*, weights: SSDLite320_MobileNet_V3_Large_Weights | None = None, progress=True,
                                  num_classes=None,
                                  weights_backbone: MobileNet_V3_Large_Weights | None =
                                  MobileNet_V3_Large_Weights.IMAGENET1K_V1,
                                  trainable_backbone_layers=None, norm_layer=None, **kwargs):
    """SSDlite with a MobileNetV3-Large backbone (inputs resized to 320x320).

    Args:
        weights: :class:`SSDLite320_MobileNet_V3_Large_Weights` to load (or ``None``, default).
        progress: show a download progress bar (default True).
        num_classes: classes including background (default 91, or the weights' count).
        weights_backbone: MobileNetV3-Large weights (default ``IMAGENET1K_V1``; ``None`` for random, which also
            halves the last stage's channels).
        trainable_backbone_layers: trainable stages, 0 to 6 (default 6).
        norm_layer: norm layer (default ``BatchNorm2d(eps=0.001, momentum=0.03)``).
        **kwargs: further arguments of :class:`~ember.vision.models.detection.ssd.SSD` (and of the backbone).

    Example::

        >>> model = ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=3)
    """
    weights = SSDLite320_MobileNet_V3_Large_Weights.verify(weights)
    weights_backbone = MobileNet_V3_Large_Weights.verify(weights_backbone)
    if "size" in kwargs:
        warnings.warn("The size of the model is already fixed; ignoring the parameter.", stacklevel=2)
        kwargs.pop("size")
    if weights is not None:
        weights_backbone = None
    num_classes = _resolve_classes(weights, num_classes)
    is_trained = weights is not None or weights_backbone is not None
    trainable_backbone_layers = _validate_trainable_layers(is_trained, trainable_backbone_layers, 6, 6)
    # without pre-trained backbone weights the last stage is slimmed (MobileNetV3 paper, Table 6)
    reduce_tail = weights_backbone is None
    if norm_layer is None:
        norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.03)
    backbone = mobilenet_v3_large(weights=weights_backbone, progress=progress, norm_layer=norm_layer,
                                  reduced_tail=reduce_tail, **kwargs)
    if weights_backbone is None:
        _normal_init(backbone)  # the initialisation used when training from scratch
    backbone = _mobilenet_extractor(backbone, trainable_backbone_layers, norm_layer)
    size = (320, 320)
    anchor_generator = DefaultBoxGenerator([[2, 3] for _ in range(6)], min_ratio=0.2, max_ratio=0.95)
    out_channels = det_utils.retrieve_out_channels(backbone, size)
    num_anchors = anchor_generator.num_anchors_per_location()
    if len(out_channels) != len(anchor_generator.aspect_ratios):
        raise ValueError(f"The length of the output channels from the backbone {len(out_channels)} do not match the "
                         f"length of the anchor generator aspect ratios {len(anchor_generator.aspect_ratios)}")
    defaults = {"score_thresh": 0.001, "nms_thresh": 0.55, "detections_per_img": 300, "topk_candidates": 300,
                # inputs scaled from [0, 1] to [-1, 1]
                "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
    model = SSD(backbone, anchor_generator, size, num_classes,
                head=SSDLiteHead(out_channels, num_anchors, num_classes, norm_layer), **{**defaults, **kwargs})
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model
