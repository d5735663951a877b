"""EfficientNet B0 to B7 and EfficientNetV2 S/M/L (mirrors ``torchvision.models.efficientnet``).

Example::

    >>> from ember.vision.models import efficientnet_b0
    >>> efficientnet_b0(num_classes=10)(ember.randn(1, 3, 64, 64)).shape
    ember.Size([1, 10])
"""

import copy
import math
from collections.abc import Sequence
from functools import partial

import ember
import ember.nn as nn
from ember.vision.models._api import (_ISSUE_3995, _REFS, WeightsEnum, _builder, _imagenet, _load_weights,
                                      _make_divisible, _ovewrite_named_param)
from ember.vision.models.mobilenetv2 import _init_mobilenet
from ember.vision.ops.misc import Conv2dNormActivation, SqueezeExcitation, StochasticDepth
from ember.vision.transforms.functional import InterpolationMode

__all__ = ["EfficientNet", "EfficientNet_B0_Weights", "EfficientNet_B1_Weights", "EfficientNet_B2_Weights",
           "EfficientNet_B3_Weights", "EfficientNet_B4_Weights", "EfficientNet_B5_Weights", "EfficientNet_B6_Weights",
           "EfficientNet_B7_Weights", "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
           "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7", "EfficientNet_V2_S_Weights",
           "EfficientNet_V2_M_Weights", "EfficientNet_V2_L_Weights", "efficientnet_v2_s", "efficientnet_v2_m",
           "efficientnet_v2_l"]


class _MBConvConfig:
    """Settings shared by the block configurations: expansion, kernel, stride, channels, repeats, block class."""

    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers, block):
        self.expand_ratio = expand_ratio
        self.kernel = kernel
        self.stride = stride
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers
        self.block = block

    def __repr__(self):
        fields = ("expand_ratio", "kernel", "stride", "input_channels", "out_channels", "num_layers", "block")
        return f"{type(self).__name__}(" + ", ".join(f"{k}={getattr(self, k)}" for k in fields) + ")"

    @staticmethod
    def adjust_channels(channels, width_mult, min_value=None):
        """``channels * width_mult`` rounded to a multiple of 8 (at least ``min_value``)."""
        return _make_divisible(channels * width_mult, 8, min_value)


class MBConvConfig(_MBConvConfig):
    """One stage of an EfficientNet: ``num_layers`` MBConv blocks, widths scaled by ``width_mult`` and the
    number of blocks by ``depth_mult`` (rounded up).

    Args:
        expand_ratio: expansion of the inverted bottleneck.
        kernel: depthwise kernel size.
        stride: stride of the stage's first block.
        input_channels: channels into the stage (before scaling).
        out_channels: channels out of the stage (before scaling).
        num_layers: blocks in the stage (before scaling).
        width_mult: channel multiplier (default 1.0).
        depth_mult: depth multiplier (default 1.0).
        block: the block class (default :class:`MBConv`).

    Example::

        >>> MBConvConfig(6, 3, 2, 16, 24, 2, width_mult=1.1, depth_mult=1.2).num_layers
        3
    """

    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers, width_mult=1.0,
                 depth_mult=1.0, block=None):
        super().__init__(expand_ratio, kernel, stride, self.adjust_channels(input_channels, width_mult),
                         self.adjust_channels(out_channels, width_mult), self.adjust_depth(num_layers, depth_mult),
                         MBConv if block is None else block)

    @staticmethod
    def adjust_depth(num_layers, depth_mult):
        """``num_layers * depth_mult`` rounded up."""
        return int(math.ceil(num_layers * depth_mult))


class FusedMBConvConfig(_MBConvConfig):
    """One stage of an EfficientNetV2 made of :class:`FusedMBConv` blocks (no width or depth scaling).

    Args:
        expand_ratio: expansion of the fused bottleneck.
        kernel: kernel size of the fused (expanding) convolution.
        stride: stride of the stage's first block.
        input_channels: channels into the stage.
        out_channels: channels out of the stage.
        num_layers: blocks in the stage.
        block: the block class (default :class:`FusedMBConv`).

    Example::

        >>> FusedMBConvConfig(4, 3, 2, 24, 48, 4).out_channels
        48
    """

    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers, block=None):
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                         FusedMBConv if block is None else block)


class MBConv(nn.Module):
    """The mobile inverted bottleneck: 1x1 expansion, depthwise convolution (SiLU after both),
    squeeze-and-excitation, linear 1x1 projection; with stochastic depth on the residual branch when the shape is
    kept.

    Args:
        cnf: the block's :class:`MBConvConfig`.
        stochastic_depth_prob: probability of dropping the residual branch (training only).
        norm_layer: normalisation class.
        se_layer: squeeze-and-excitation class (default :class:`~ember.vision.ops.SqueezeExcitation`).

    Shape:
        - Input: ``(N, cnf.input_channels, H, W)``; Output: ``(N, cnf.out_channels, H / stride, W / stride)``.

    Example::

        >>> MBConv(MBConvConfig(6, 3, 1, 16, 16, 1), 0.1, nn.BatchNorm2d)(ember.randn(1, 16, 5, 5)).shape
        ember.Size([1, 16, 5, 5])
    """

    def __init__(self, cnf, stochastic_depth_prob, norm_layer, se_layer=SqueezeExcitation):
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        layers = []
        if expanded != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=nn.SiLU))
        layers.append(Conv2dNormActivation(expanded, expanded, kernel_size=cnf.kernel, stride=cnf.stride,
                                           groups=expanded, norm_layer=norm_layer, activation_layer=nn.SiLU))
        layers.append(se_layer(expanded, max(1, cnf.input_channels // 4), activation=partial(nn.SiLU, inplace=True)))
        layers.append(Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + input
        return result


class FusedMBConv(nn.Module):
    """EfficientNetV2's fused block: one full ``kernel`` x ``kernel`` convolution (SiLU) that expands and strides,
    then a linear 1x1 projection (left out when there is no expansion, the convolution then mapping straight to
    the output channels); stochastic depth on the residual branch when the shape is kept.

    Args:
        cnf: the block's :class:`FusedMBConvConfig`.
        stochastic_depth_prob: probability of dropping the residual branch (training only).
        norm_layer: normalisation class.

    Shape:
        - Input: ``(N, cnf.input_channels, H, W)``; Output: ``(N, cnf.out_channels, H / stride, W / stride)``.

    Example::

        >>> FusedMBConv(FusedMBConvConfig(4, 3, 1, 8, 8, 1), 0.1, nn.BatchNorm2d)(ember.randn(1, 8, 5, 5)).shape
        ember.Size([1, 8, 5, 5])
    """

    def __init__(self, cnf, stochastic_depth_prob, norm_layer):
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded != cnf.input_channels:
            layers = [Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=cnf.kernel, stride=cnf.stride,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU),
                      Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None)]
        else:
            layers = [Conv2dNormActivation(cnf.input_channels, cnf.out_channels, kernel_size=cnf.kernel,
                                           stride=cnf.stride, norm_layer=norm_layer, activation_layer=nn.SiLU)]
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    forward = MBConv.forward  # the same residual with stochastic depth


class EfficientNet(nn.Module):
    """EfficientNet: a strided SiLU stem, stages of (fused) MBConv blocks (stochastic depth growing linearly with the
    block index), a 1x1 convolution, global average pooling, dropout and a linear classifier.

    Args:
        inverted_residual_setting: the stages, as a list of :class:`MBConvConfig` / :class:`FusedMBConvConfig`.
        dropout: dropout probability before the classifier.
        stochastic_depth_prob: stochastic depth probability of the last block (default 0.2).
        num_classes: number of outputs (default 1000).
        norm_layer: normalisation class (default ``nn.BatchNorm2d``).
        last_channel: channels of the last convolution (default four times the last stage's).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: ``(N, num_classes)``.

    Example::

        >>> net = EfficientNet([MBConvConfig(1, 3, 1, 32, 16, 1)], dropout=0.2, num_classes=3)
        >>> net(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 3])
    """

    def __init__(self, inverted_residual_setting, dropout, stochastic_depth_prob=0.2, num_classes=1000,
                 norm_layer=None, last_channel=None):
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not (isinstance(inverted_residual_setting, Sequence)
                and all(isinstance(s, _MBConvConfig) for s in inverted_residual_setting)):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        layers = [Conv2dNormActivation(3, inverted_residual_setting[0].input_channels, kernel_size=3, stride=2,
                                       norm_layer=norm_layer, activation_layer=nn.SiLU)]
        total_blocks = sum(cnf.num_layers for cnf in inverted_residual_setting)
        block_id = 0
        for cnf in inverted_residual_setting:
            stage = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:  # only a stage's first block changes width or strides
                    block_cnf.input_channels = block_cnf.out_channels
                    block_cnf.stride = 1
                sd_prob = stochastic_depth_prob * float(block_id) / total_blocks
                stage.append(block_cnf.block(block_cnf, sd_prob, norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
        last_in = inverted_residual_setting[-1].out_channels
        last_out = last_channel if last_channel is not None else 4 * last_in
        layers.append(Conv2dNormActivation(last_in, last_out, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(last_out, num_classes))
        _init_mobilenet(self, lambda m: nn.init.uniform_(m.weight, -1.0 / math.sqrt(m.out_features),
                                                         1.0 / math.sqrt(m.out_features)))

    def _forward_impl(self, x):
        return self.classifier(ember.flatten(self.avgpool(self.features(x)), 1))

    def forward(self, x):
        return self._forward_impl(x)


def _efficientnet(inverted_residual_setting, dropout, last_channel, weights, progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = EfficientNet(inverted_residual_setting, dropout, last_channel=last_channel, **kwargs)
    return _load_weights(model, weights, progress)


def _efficientnet_conf(arch, **kwargs):
    """``(stage configs, last_channel)`` of ``"efficientnet_b<k>"`` (``width_mult`` and ``depth_mult`` in
    ``kwargs``) or ``"efficientnet_v2_<s|m|l>"``."""
    if arch.startswith("efficientnet_b"):
        stage = partial(MBConvConfig, width_mult=kwargs.pop("width_mult"), depth_mult=kwargs.pop("depth_mult"))
        setting = [stage(1, 3, 1, 32, 16, 1), stage(6, 3, 2, 16, 24, 2), stage(6, 5, 2, 24, 40, 2),
                   stage(6, 3, 2, 40, 80, 3), stage(6, 5, 1, 80, 112, 3), stage(6, 5, 2, 112, 192, 4),
                   stage(6, 3, 1, 192, 320, 1)]
        return setting, None
    if arch in _V2_STAGES:
        # three fused stages, then MBConv ones; every V2 ends in a 1280-channel convolution
        return [(FusedMBConvConfig if i < 3 else MBConvConfig)(*row) for i, row in enumerate(_V2_STAGES[arch])], 1280
    raise ValueError(f"Unsupported model type {arch}")


# EfficientNetV2 stages: (expand_ratio, kernel, stride, input_channels, out_channels, num_layers)
_V2_STAGES = {
    "efficientnet_v2_s": [(1, 3, 1, 24, 24, 2), (4, 3, 2, 24, 48, 4), (4, 3, 2, 48, 64, 4), (4, 3, 2, 64, 128, 6),
                          (6, 3, 1, 128, 160, 9), (6, 3, 2, 160, 256, 15)],
    "efficientnet_v2_m": [(1, 3, 1, 24, 24, 3), (4, 3, 2, 24, 48, 5), (4, 3, 2, 48, 80, 5), (4, 3, 2, 80, 160, 7),
                          (6, 3, 1, 160, 176, 14), (6, 3, 2, 176, 304, 18), (6, 3, 1, 304, 512, 5)],
    "efficientnet_v2_l": [(1, 3, 1, 32, 32, 4), (4, 3, 2, 32, 64, 7), (4, 3, 2, 64, 96, 7), (4, 3, 2, 96, 192, 10),
                          (6, 3, 1, 192, 224, 19), (6, 3, 2, 224, 384, 25), (6, 3, 1, 384, 640, 7)],
}


# (width multiplier, depth multiplier, default dropout, whether the norm layers use eps 1e-3 / momentum 0.01)
_SCALING = {"b0": (1.0, 1.0, 0.2, False), "b1": (1.0, 1.1, 0.2, False), "b2": (1.1, 1.2, 0.3, False),
            "b3": (1.2, 1.4, 0.3, False), "b4": (1.4, 1.8, 0.4, False), "b5": (1.6, 2.2, 0.4, True),
            "b6": (1.8, 2.6, 0.5, True), "b7": (2.0, 3.1, 0.5, True)}


def _scaled(variant, weights, progress, kwargs):
    width, depth, dropout, tf_norm = _SCALING[variant]
    setting, last_channel = _efficientnet_conf(f"efficientnet_{variant}", width_mult=width, depth_mult=depth)
    dropout = kwargs.pop("dropout", dropout)
    if tf_norm:  # (a norm_layer of the caller's is refused, as two values for one argument)
        return _efficientnet(setting, dropout, last_channel, weights, progress,
                             norm_layer=partial(nn.BatchNorm2d, eps=0.001, momentum=0.01), **kwargs)
    return _efficientnet(setting, dropout, last_channel, weights, progress, **kwargs)


class EfficientNet_B0_Weights(WeightsEnum):
    """Pre-trained weights of :func:`efficientnet_b0` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("efficientnet_b0_rwightman-7f5810bc.pth",
                              {"crop_size": 224, "resize_size": 256, "interpolation": InterpolationMode.BICUBIC},
                              (77.692, 93.532), 0.386, 20.451, _REFS + "#efficientnet-v1", num_params=5288548)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B1_Weights(WeightsEnum):
    """Pre-trained weights of :func:`efficientnet_b1` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _imagenet("efficientnet_b1_rwightman-bac287d4.pth",
                              {"crop_size": 240, "resize_size": 256, "interpolation": InterpolationMode.BICUBIC},
                              (78.642, 94.186), 0.687, 30.134, _REFS + "#efficientnet-v1", num_params=7794184)
    IMAGENET1K_V2 = _imagenet("efficientnet_b1-c27df63c.pth",
                              {"crop_size": 240, "resize_size": 255, "interpolation": InterpolationMode.BILINEAR},
                              (79.838, 94.934), 0.687, 30.136, _ISSUE_3995 + "#new-recipe-with-lr-wd-crop-tuning",
                              num_params=7794184)
    DEFAULT = IMAGENET1K_V2


class EfficientNet_B2_Weights(WeightsEnum):
    """Pre-trained weights of :func:`efficientnet_b2` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("efficientnet_b2_rwightman-c35c1473.pth",
                              {"crop_size": 288, "resize_size": 288, "interpolation": InterpolationMode.BICUBIC},
                              (80.608, 95.31), 1.088, 35.174, _REFS + "#efficientnet-v1", num_params=9109994)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B3_Weights(WeightsEnum):
    """Pre-trained weights of :func:`efficientnet_b3` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("efficientnet_b3_rwightman-b3899882.pth",
                              {"crop_size": 300, "resize_size": 320, "interpolation": InterpolationMode.BICUBIC},
                              (82.008, 96.054), 1.827, 47.184, _REFS + "#efficientnet-v1", num_params=12233232)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B4_Weights(WeightsEnum):
    """Pre-trained weights of :func:`efficientnet_b4` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("efficientnet_b4_rwightman-23ab8bcd.pth",
                              {"crop_size": 380, "resize_size": 384, "interpolation": InterpolationMode.BICUBIC},
                              (83.384, 96.594), 4.394, 74.489, _REFS + "#efficientnet-v1", num_params=19341616)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B5_Weights(WeightsEnum):
    """Pre-trained weights of :func:`efficientnet_b5` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("efficientnet_b5_lukemelas-1a07897c.pth",
                              {"crop_size": 456, "resize_size": 456, "interpolation": InterpolationMode.BICUBIC},
                              (83.444, 96.628), 10.266, 116.864, _REFS + "#efficientnet-v1", num_params=30389784)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B6_Weights(WeightsEnum):
    """Pre-trained weights of :func:`efficientnet_b6` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("efficientnet_b6_lukemelas-24a108a5.pth",
                              {"crop_size": 528, "resize_size": 528, "interpolation": InterpolationMode.BICUBIC},
                              (84.008, 96.916), 19.068, 165.362, _REFS + "#efficientnet-v1", num_params=43040704)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B7_Weights(WeightsEnum):
    """Pre-trained weights of :func:`efficientnet_b7` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("efficientnet_b7_lukemelas-c5b4e57e.pth",
                              {"crop_size": 600, "resize_size": 600, "interpolation": InterpolationMode.BICUBIC},
                              (84.122, 96.908), 37.746, 254.675, _REFS + "#efficientnet-v1", num_params=66347960)
    DEFAULT = IMAGENET1K_V1


@_builder("EfficientNet-B0 (Tan & Le 2019).", EfficientNet_B0_Weights, "EfficientNet")
def efficientnet_b0(*, weights: EfficientNet_B0_Weights | None = None, progress=True, **kwargs):
    return _scaled("b0", EfficientNet_B0_Weights.verify(weights), progress, kwargs)


@_builder("EfficientNet-B1.", EfficientNet_B1_Weights, "EfficientNet")
def efficientnet_b1(*, weights: EfficientNet_B1_Weights | None = None, progress=True, **kwargs):
    return _scaled("b1", EfficientNet_B1_Weights.verify(weights), progress, kwargs)


@_builder("EfficientNet-B2.", EfficientNet_B2_Weights, "EfficientNet")
def efficientnet_b2(*, weights: EfficientNet_B2_Weights | None = None, progress=True, **kwargs):
    return _scaled("b2", EfficientNet_B2_Weights.verify(weights), progress, kwargs)


@_builder("EfficientNet-B3.", EfficientNet_B3_Weights, "EfficientNet")
def efficientnet_b3(*, weights: EfficientNet_B3_Weights | None = None, progress=True, **kwargs):
    return _scaled("b3", EfficientNet_B3_Weights.verify(weights), progress, kwargs)


@_builder("EfficientNet-B4.", EfficientNet_B4_Weights, "EfficientNet")
def efficientnet_b4(*, weights: EfficientNet_B4_Weights | None = None, progress=True, **kwargs):
    return _scaled("b4", EfficientNet_B4_Weights.verify(weights), progress, kwargs)


@_builder("EfficientNet-B5.", EfficientNet_B5_Weights, "EfficientNet")
def efficientnet_b5(*, weights: EfficientNet_B5_Weights | None = None, progress=True, **kwargs):
    return _scaled("b5", EfficientNet_B5_Weights.verify(weights), progress, kwargs)


@_builder("EfficientNet-B6.", EfficientNet_B6_Weights, "EfficientNet")
def efficientnet_b6(*, weights: EfficientNet_B6_Weights | None = None, progress=True, **kwargs):
    return _scaled("b6", EfficientNet_B6_Weights.verify(weights), progress, kwargs)


@_builder("EfficientNet-B7.", EfficientNet_B7_Weights, "EfficientNet")
def efficientnet_b7(*, weights: EfficientNet_B7_Weights | None = None, progress=True, **kwargs):
    return _scaled("b7", EfficientNet_B7_Weights.verify(weights), progress, kwargs)


def _v2(variant, default_dropout, weights, progress, kwargs):
    setting, last_channel = _efficientnet_conf(f"efficientnet_v2_{variant}")
    # (a norm_layer of the caller's is refused, as two values for one argument)
    return _efficientnet(setting, kwargs.pop("dropout", default_dropout), last_channel, weights, progress,
                         norm_layer=partial(nn.BatchNorm2d, eps=1e-03), **kwargs)


_V2_META = {"min_size": (33, 33), "recipe": _REFS + "#efficientnet-v2"}


class EfficientNet_V2_S_Weights(WeightsEnum):
    """Pre-trained weights of :func:`efficientnet_v2_s` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("efficientnet_v2_s-dd5fe13b.pth",
                              {"crop_size": 384, "resize_size": 384, "interpolation": InterpolationMode.BILINEAR},
                              (84.228, 96.878), 8.366, 82.704, num_params=21458488, **_V2_META)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_V2_M_Weights(WeightsEnum):
    """Pre-trained weights of :func:`efficientnet_v2_m` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("efficientnet_v2_m-dc08266a.pth",
                              {"crop_size": 480, "resize_size": 480, "interpolation": InterpolationMode.BILINEAR},
                              (85.112, 97.156), 24.582, 208.01, num_params=54139356, **_V2_META)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_V2_L_Weights(WeightsEnum):
    """Pre-trained weights of :func:`efficientnet_v2_l` (``DEFAULT`` is ``IMAGENET1K_V1``, ported from the paper;
    inputs normalised to ``[-1, 1]``)."""

    IMAGENET1K_V1 = _imagenet("efficientnet_v2_l-59c71312.pth",
                              {"crop_size": 480, "resize_size": 480, "interpolation": InterpolationMode.BICUBIC,
                               "mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5)},
                              (85.808, 97.788), 56.08, 454.573, num_params=118515272, **_V2_META)
    DEFAULT = IMAGENET1K_V1


@_builder("EfficientNetV2-S (Tan & Le 2021).", EfficientNet_V2_S_Weights, "EfficientNet")
def efficientnet_v2_s(*, weights: EfficientNet_V2_S_Weights | None = None, progress=True, **kwargs):
    return _v2("s", 0.2, EfficientNet_V2_S_Weights.verify(weights), progress, kwargs)


@_builder("EfficientNetV2-M.", EfficientNet_V2_M_Weights, "EfficientNet")
def efficientnet_v2_m(*, weights: EfficientNet_V2_M_Weights | None = None, progress=True, **kwargs):
    return _v2("m", 0.3, EfficientNet_V2_M_Weights.verify(weights), progress, kwargs)


@_builder("EfficientNetV2-L.", EfficientNet_V2_L_Weights, "EfficientNet")
def efficientnet_v2_l(*, weights: EfficientNet_V2_L_Weights | None = None, progress=True, **kwargs):
    return _v2("l", 0.4, EfficientNet_V2_L_Weights.verify(weights), progress, kwargs)
