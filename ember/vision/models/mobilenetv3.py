"""MobileNetV3 large and small (mirrors ``torchvision.models.mobilenetv3``).

Example::

    >>> from ember.vision.models import mobilenet_v3_small
    >>> mobilenet_v3_small(num_classes=10)(ember.randn(1, 3, 64, 64)).shape
    ember.Size([1, 10])
"""

from collections.abc import Sequence
from functools import partial

import ember
import ember.nn as nn
from ember.vision.models._api import (_ISSUE_3995, _REFS, WeightsEnum, _builder, _imagenet, _load_weights,
                                      _make_divisible, _ovewrite_named_param)
from ember.vision.models.mobilenetv2 import _init_mobilenet
from ember.vision.ops.misc import Conv2dNormActivation
from ember.vision.ops.misc import SqueezeExcitation as SElayer

__all__ = ["MobileNetV3", "MobileNet_V3_Large_Weights", "MobileNet_V3_Small_Weights", "mobilenet_v3_large",
           "mobilenet_v3_small"]


class InvertedResidualConfig:
    """The settings of one MobileNetV3 block, with the channel counts scaled by ``width_mult`` (and rounded to
    multiples of 8).

    Args:
        input_channels, expanded_channels, out_channels: channel counts before scaling.
        kernel: depthwise kernel size.
        use_se: add squeeze-and-excitation after the depthwise convolution.
        activation: ``"HS"`` (hard swish) or ``"RE"`` (ReLU).
        stride: depthwise stride.
        dilation: depthwise dilation.
        width_mult: channel multiplier.

    Example::

        >>> InvertedResidualConfig(16, 3, 64, 24, False, "RE", 2, 1, 0.5).out_channels
        16
    """

    def __init__(self, input_channels, kernel, expanded_channels, out_channels, use_se, activation, stride,
                 dilation, width_mult):
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.kernel = kernel
        self.expanded_channels = self.adjust_channels(expanded_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.use_se = use_se
        self.use_hs = activation == "HS"
        self.stride = stride
        self.dilation = dilation

    @staticmethod
    def adjust_channels(channels, width_mult):
        """``channels * width_mult`` rounded to a multiple of 8."""
        return _make_divisible(channels * width_mult, 8)


class InvertedResidual(nn.Module):
    """MobileNetV3's block: optional 1x1 expansion, depthwise convolution, optional squeeze-and-excitation
    (hard-sigmoid gate), linear 1x1 projection; a residual connection when the shape is kept.

    Args:
        cnf: the block's :class:`InvertedResidualConfig`.
        norm_layer: normalisation class.
        se_layer: squeeze-and-excitation class (default :class:`~ember.vision.ops.SqueezeExcitation` with a
            hard-sigmoid gate).

    Shape:
        - Input: ``(N, cnf.input_channels, H, W)``; Output: ``(N, cnf.out_channels, H / stride, W / stride)``.

    Example::

        >>> cnf = InvertedResidualConfig(16, 3, 64, 16, True, "HS", 1, 1, 1.0)
        >>> InvertedResidual(cnf, nn.BatchNorm2d)(ember.randn(1, 16, 5, 5)).shape
        ember.Size([1, 16, 5, 5])
    """

    def __init__(self, cnf, norm_layer, se_layer=partial(SElayer, scale_activation=nn.Hardsigmoid)):
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        act = nn.Hardswish if cnf.use_hs else nn.ReLU
        layers = []
        if cnf.expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, cnf.expanded_channels, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=act))
        stride = 1 if cnf.dilation > 1 else cnf.stride
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.expanded_channels, kernel_size=cnf.kernel,
                                           stride=stride, dilation=cnf.dilation, groups=cnf.expanded_channels,
                                           norm_layer=norm_layer, activation_layer=act))
        if cnf.use_se:
            layers.append(se_layer(cnf.expanded_channels, _make_divisible(cnf.expanded_channels // 4, 8)))
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.out_channels = cnf.out_channels
        self._is_cn = cnf.stride > 1

    def forward(self, x):
        result = self.block(x)
        return result + x if self.use_res_connect else result


class MobileNetV3(nn.Module):
    """MobileNetV3: a hard-swish stem, inverted residual blocks, a 1x1 convolution to six times the last
    block's width, global average pooling and a two-layer classifier.

    Args:
        inverted_residual_setting: the blocks, as a list of :class:`InvertedResidualConfig`.
        last_channel: width of the classifier's hidden layer.
        num_classes: number of outputs (default 1000).
        block: the block class (default :class:`InvertedResidual`).
        norm_layer: normalisation class (default ``BatchNorm2d`` with ``eps=0.001, momentum=0.01``).
        dropout: dropout probability in the classifier (default 0.2).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: ``(N, num_classes)``.

    Example::

        >>> blocks = [InvertedResidualConfig(16, 3, 16, 16, True, "RE", 2, 1, 1.0)]
        >>> MobileNetV3(blocks, 32, num_classes=4)(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 4])
    """

    def __init__(self, inverted_residual_setting, last_channel, num_classes=1000, block=None, norm_layer=None,
                 dropout=0.2, **kwargs):
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not (isinstance(inverted_residual_setting, Sequence)
                and all(isinstance(s, InvertedResidualConfig) for s in inverted_residual_setting)):
            raise TypeError("The inverted_residual_setting should be List[InvertedResidualConfig]")
        if block is None:
            block = InvertedResidual
        if norm_layer is None:
            norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        first = inverted_residual_setting[0].input_channels
        layers = [Conv2dNormActivation(3, first, kernel_size=3, stride=2, norm_layer=norm_layer,
                                       activation_layer=nn.Hardswish)]
        layers += [block(cnf, norm_layer) for cnf in inverted_residual_setting]
        last_in = inverted_residual_setting[-1].out_channels
        last_out = 6 * last_in
        layers.append(Conv2dNormActivation(last_in, last_out, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(last_out, last_channel), nn.Hardswish(inplace=True),
                                        nn.Dropout(p=dropout, inplace=True), nn.Linear(last_channel, num_classes))
        _init_mobilenet(self)

    def _forward_impl(self, x):
        return self.classifier(ember.flatten(self.avgpool(self.features(x)), 1))

    def forward(self, x):
        return self._forward_impl(x)


_LARGE = [(16, 3, 16, 16, False, "RE", 1), (16, 3, 64, 24, False, "RE", 2), (24, 3, 72, 24, False, "RE", 1),
          (24, 5, 72, 40, True, "RE", 2), (40, 5, 120, 40, True, "RE", 1), (40, 5, 120, 40, True, "RE", 1),
          (40, 3, 240, 80, False, "HS", 2), (80, 3, 200, 80, False, "HS", 1), (80, 3, 184, 80, False, "HS", 1),
          (80, 3, 184, 80, False, "HS", 1), (80, 3, 480, 112, True, "HS", 1), (112, 3, 672, 112, True, "HS", 1)]
_SMALL = [(16, 3, 16, 16, True, "RE", 2), (16, 3, 72, 24, False, "RE", 2), (24, 3, 88, 24, False, "RE", 1),
          (24, 5, 96, 40, True, "HS", 2), (40, 5, 240, 40, True, "HS", 1), (40, 5, 240, 40, True, "HS", 1),
          (40, 5, 120, 48, True, "HS", 1), (48, 5, 144, 48, True, "HS", 1)]


def _mobilenet_v3_conf(arch, width_mult=1.0, reduced_tail=False, dilated=False, **kwargs):
    """``(block configs, last_channel)`` of ``"mobilenet_v3_large"`` or ``"mobilenet_v3_small"``.

    ``reduced_tail`` halves the channels of the last stage; ``dilated`` dilates it instead of striding.
    """
    div = 2 if reduced_tail else 1
    d = 2 if dilated else 1
    if arch == "mobilenet_v3_large":
        head = [(*row, 1) for row in _LARGE]
        tail = [(112, 5, 672, 160 // div, True, "HS", 2, d), (160 // div, 5, 960 // div, 160 // div, True, "HS", 1, d),
                (160 // div, 5, 960 // div, 160 // div, True, "HS", 1, d)]
        last = 1280 // div
    elif arch == "mobilenet_v3_small":
        head = [(*row, 1) for row in _SMALL]
        tail = [(48, 5, 288, 96 // div, True, "HS", 2, d), (96 // div, 5, 576 // div, 96 // div, True, "HS", 1, d),
                (96 // div, 5, 576 // div, 96 // div, True, "HS", 1, d)]
        last = 1024 // div
    else:
        raise ValueError(f"Unsupported model type {arch}")
    setting = [InvertedResidualConfig(*row, width_mult=width_mult) for row in head + tail]
    return setting, InvertedResidualConfig.adjust_channels(last, width_mult)


def _mobilenet_v3(inverted_residual_setting, last_channel, weights, progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return _load_weights(MobileNetV3(inverted_residual_setting, last_channel, **kwargs), weights, progress)


class MobileNet_V3_Large_Weights(WeightsEnum):
    """Pre-trained weights of :func:`mobilenet_v3_large` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _imagenet("mobilenet_v3_large-8738ca79.pth", {"crop_size": 224}, (74.042, 91.34), 0.217, 21.114,
                              _REFS + "#mobilenetv3-large--small", num_params=5483032)
    IMAGENET1K_V2 = _imagenet("mobilenet_v3_large-5c1a4163.pth", {"crop_size": 224, "resize_size": 232},
                              (75.274, 92.566), 0.217, 21.107, _ISSUE_3995 + "#new-recipe-with-reg-tuning",
                              num_params=5483032)
    DEFAULT = IMAGENET1K_V2


class MobileNet_V3_Small_Weights(WeightsEnum):
    """Pre-trained weights of :func:`mobilenet_v3_small` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("mobilenet_v3_small-047dcff4.pth", {"crop_size": 224}, (67.668, 87.402), 0.057, 9.829,
                              _REFS + "#mobilenetv3-large--small", num_params=2542856)
    DEFAULT = IMAGENET1K_V1


@_builder("MobileNetV3-Large (Howard et al. 2019); takes ``width_mult``, ``reduced_tail`` and ``dilated`` too.",
          MobileNet_V3_Large_Weights, "MobileNetV3")
def mobilenet_v3_large(*, weights: MobileNet_V3_Large_Weights | None = None, progress=True, **kwargs):
    weights = MobileNet_V3_Large_Weights.verify(weights)
    setting, last_channel = _mobilenet_v3_conf("mobilenet_v3_large", **kwargs)
    return _mobilenet_v3(setting, last_channel, weights, progress, **kwargs)


@_builder("MobileNetV3-Small; takes ``width_mult``, ``reduced_tail`` and ``dilated`` too.",
          MobileNet_V3_Small_Weights, "MobileNetV3")
def mobilenet_v3_small(*, weights: MobileNet_V3_Small_Weights | None = None, progress=True, **kwargs):
    weights = MobileNet_V3_Small_Weights.verify(weights)
    setting, last_channel = _mobilenet_v3_conf("mobilenet_v3_small", **kwargs)
    return _mobilenet_v3(setting, last_channel, weights, progress, **kwargs)
