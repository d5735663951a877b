"""Backbones for the detection models (mirrors ``torchvision.models.detection.backbone_utils``): a classifier
cut after some stages, with a feature pyramid on top.

Example::

    >>> from ember.vision.models import resnet18
    >>> from ember.vision.models.detection.backbone_utils import _resnet_fpn_extractor
    >>> backbone = _resnet_fpn_extractor(resnet18(), trainable_layers=5)
    >>> [tuple(v.shape) for v in backbone(ember.randn(1, 3, 64, 64)).values()]
    [(1, 256, 16, 16), (1, 256, 8, 8), (1, 256, 4, 4), (1, 256, 2, 2), (1, 256, 1, 1)]
"""

import functools
import warnings

import ember.nn as nn
from ember.vision.models._api import WeightsEnum, get_model_weights
from ember.vision.models._utils import IntermediateLayerGetter
from ember.vision.models._utils import _stage_ends
from ember.vision.ops import FrozenBatchNorm2d
from ember.vision.ops.feature_pyramid_network import FeaturePyramidNetwork, LastLevelMaxPool

__all__ = ["BackboneWithFPN", "resnet_fpn_backbone", "mobilenet_backbone"]


class BackboneWithFPN(nn.Module):
    """A backbone's intermediate outputs (via ``IntermediateLayerGetter``) fed through a
    :class:`~ember.vision.ops.FeaturePyramidNetwork`.

    Args:
        backbone: the network to take features from (its children must run in registration order).
        return_layers: ``{child name: output name}`` of the features to use.
        in_channels_list: channels of those features.
        out_channels: channels of every pyramid level (also ``self.out_channels``).
        extra_blocks: extra pyramid levels (default ``None``: :class:`LastLevelMaxPool`).
        norm_layer: norm layer of the FPN (default ``None``).

    Shapes:
        ``forward(x)`` returns an ``OrderedDict`` of ``(N, out_channels, H_i, W_i)`` maps.

    Example::

        >>> from ember.vision.models import resnet18
        >>> m = BackboneWithFPN(resnet18(), {"layer3": "0", "layer4": "1"}, [256, 512], 32)
        >>> list(m(ember.randn(1, 3, 64, 64)))
        ['0', '1', 'pool']
    """

    def __init__(self, backbone, return_layers, in_channels_list, out_channels, extra_blocks=None, norm_layer=None):
        super().__init__()
        if extra_blocks is None:
            extra_blocks = LastLevelMaxPool()
        self.body = IntermediateLayerGetter(backbone, return_layers=return_layers)
        self.fpn = FeaturePyramidNetwork(in_channels_list=in_channels_list, out_channels=out_channels,
                                         extra_blocks=extra_blocks, norm_layer=norm_layer)
        self.out_channels = out_channels

    def forward(self, x):
        return self.fpn(self.body(x))


def _legacy_weights(fn):
    """Let a backbone builder take the pre-0.13 ``pretrained=True/False`` or a bool ``weights``, meaning the
    ``IMAGENET1K_V1`` weights of ``backbone_name`` (not ``DEFAULT``, as torchvision), with its warnings."""
    @functools.wraps(fn)
    def builder(**kwargs):
        weights = kwargs.get("weights")
        legacy = "weights" in kwargs and not (weights is None or isinstance(weights, (WeightsEnum, str)))
        if not (legacy or "pretrained" in kwargs):
            return fn(**kwargs)
        pretrained = kwargs.pop("weights") if legacy else kwargs.pop("pretrained")
        if not legacy:
            warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, "
                          "please use 'weights' instead.", stacklevel=2)
        default = get_model_weights(kwargs["backbone_name"])["IMAGENET1K_V1"] if pretrained else None
        msg = ("Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 and may be "
               f"removed in the future. The current behavior is equivalent to passing `weights={default}`.")
        if pretrained:
            msg += f" You can also use `weights={type(default).__name__}.DEFAULT` to get the most up-to-date weights."
        warnings.warn(msg, stacklevel=2)
        kwargs["weights"] = default
        return fn(**kwargs)

    return builder


@_legacy_weights
def resnet_fpn_backbone(*, backbone_name, weights, norm_layer=FrozenBatchNorm2d, trainable_layers=3,
                        returned_layers=None, extra_blocks=None, **kwargs):
    """A ResNet with an FPN on top of some of its stages.

    Args:
        backbone_name: ``"resnet18"`` ... ``"resnext101_32x8d"``, ``"wide_resnet50_2"`` ...
        weights: pre-trained weights of the ResNet (or ``None``).
        norm_layer: the ResNet's norm layer (default :class:`~ember.vision.ops.FrozenBatchNorm2d`).
        trainable_layers: how many stages, counting from ``layer4`` down to ``conv1``, keep trainable parameters
            (0 to 5, default 3).
        returned_layers: stages (1 to 4) feeding the FPN (default ``[1, 2, 3, 4]``).
        extra_blocks: extra pyramid levels (default :class:`LastLevelMaxPool`).

    Example::

        >>> m = resnet_fpn_backbone(backbone_name="resnet18", weights=None, trainable_layers=5)
        >>> m.out_channels
        256
    """
    from ember.vision.models import resnet
    backbone = getattr(resnet, backbone_name)(weights=weights, norm_layer=norm_layer)
    return _resnet_fpn_extractor(backbone, trainable_layers, returned_layers, extra_blocks)


def _freeze_all_but(backbone, layers_to_train):
    for name, parameter in backbone.named_parameters():
        if not any(name.startswith(layer) for layer in layers_to_train):
            parameter.requires_grad_(False)


def _resnet_fpn_extractor(backbone, trainable_layers, returned_layers=None, extra_blocks=None, norm_layer=None):
    # freeze the first stages, then put an FPN (256 channels) on the returned stages
    if trainable_layers < 0 or trainable_layers > 5:
        raise ValueError(f"Trainable layers should be in the range [0,5], got {trainable_layers}")
    layers_to_train = ["layer4", "layer3", "layer2", "layer1", "conv1"][:trainable_layers]
    if trainable_layers == 5:
        layers_to_train.append("bn1")
    _freeze_all_but(backbone, layers_to_train)
    if extra_blocks is None:
        extra_blocks = LastLevelMaxPool()
    if returned_layers is None:
        returned_layers = [1, 2, 3, 4]
    if min(returned_layers) <= 0 or max(returned_layers) >= 5:
        raise ValueError(f"Each returned layer should be in the range [1,4]. Got {returned_layers}")
    return_layers = {f"layer{k}": str(v) for v, k in enumerate(returned_layers)}
    in_channels_stage2 = backbone.inplanes // 8
    in_channels_list = [in_channels_stage2 * 2 ** (i - 1) for i in returned_layers]
    return BackboneWithFPN(backbone, return_layers, in_channels_list, 256, extra_blocks=extra_blocks,
                           norm_layer=norm_layer)


def _validate_trainable_layers(is_trained, trainable_backbone_layers, max_value, default_value):
    # without pre-trained weights every layer trains; otherwise the default, within [0, max_value]
    if not is_trained:
        if trainable_backbone_layers is not None:
            warnings.warn("Changing trainable_backbone_layers has no effect if neither pretrained nor "
                          f"pretrained_backbone have been set to True, falling back to "
                          f"trainable_backbone_layers={max_value} so that all layers are trainable", stacklevel=3)
        trainable_backbone_layers = max_value
    if trainable_backbone_layers is None:
        trainable_backbone_layers = default_value
    if trainable_backbone_layers < 0 or trainable_backbone_layers > max_value:
        raise ValueError(f"Trainable backbone layers should be in the range [0,{max_value}], got "
                         f"{trainable_backbone_layers} ")
    return trainable_backbone_layers


@_legacy_weights
def mobilenet_backbone(*, backbone_name, weights, fpn, norm_layer=FrozenBatchNorm2d, trainable_layers=2,
                       returned_layers=None, extra_blocks=None, **kwargs):
    """A MobileNet's feature layers, with an FPN on top of the last stages or a 1x1 convolution to 256
    channels.

    Args:
        backbone_name: ``"mobilenet_v2"``, ``"mobilenet_v3_large"`` or ``"mobilenet_v3_small"``.
        weights: pre-trained weights of the MobileNet (or ``None``).
        fpn: put an FPN on top (else one 1x1 convolution).
        norm_layer: the MobileNet's norm layer (default :class:`~ember.vision.ops.FrozenBatchNorm2d`).
        trainable_layers: how many of the last stages keep trainable parameters (default 2).
        returned_layers: stage indices feeding the FPN (default the last two).
        extra_blocks: extra pyramid levels (default :class:`LastLevelMaxPool`).

    Example::

        >>> m = mobilenet_backbone(backbone_name="mobilenet_v3_small", weights=None, fpn=False)
        >>> m.out_channels
        256
    """
    from ember.vision.models import mobilenetv2, mobilenetv3
    module = mobilenetv2 if backbone_name == "mobilenet_v2" else mobilenetv3
    backbone = getattr(module, backbone_name)(weights=weights, norm_layer=norm_layer)
    return _mobilenet_extractor(backbone, fpn, trainable_layers, returned_layers, extra_blocks)


def _mobilenet_extractor(backbone, fpn, trainable_layers, returned_layers=None, extra_blocks=None, norm_layer=None):
    features = backbone.features
    stage_indices = _stage_ends(features)
    num_stages = len(stage_indices)
    if trainable_layers < 0 or trainable_layers > num_stages:
        raise ValueError(f"Trainable layers should be in the range [0,{num_stages}], got {trainable_layers} ")
    freeze_before = len(features) if trainable_layers == 0 else stage_indices[num_stages - trainable_layers]
    for b in features[:freeze_before]:
        for parameter in b.parameters():
            parameter.requires_grad_(False)
    out_channels = 256
    if not fpn:
        m = nn.Sequential(features, nn.Conv2d(features[-1].out_channels, out_channels, 1))
        m.out_channels = out_channels
        return m
    if extra_blocks is None:
        extra_blocks = LastLevelMaxPool()
    if returned_layers is None:
        returned_layers = [num_stages - 2, num_stages - 1]
    if min(returned_layers) < 0 or max(returned_layers) >= num_stages:
        raise ValueError(f"Each returned layer should be in the range [0,{num_stages - 1}], got {returned_layers} ")
    return_layers = {f"{stage_indices[k]}": str(v) for v, k in enumerate(returned_layers)}
    in_channels_list = [features[stage_indices[i]].out_channels for i in returned_layers]
    return BackboneWithFPN(features, return_layers, in_channels_list, out_channels, extra_blocks=extra_blocks,
                           norm_layer=norm_layer)
