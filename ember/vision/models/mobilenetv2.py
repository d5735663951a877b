"""MobileNetV2 (mirrors ``torchvision.models.mobilenetv2``).

Example::

    >>> from ember.vision.models import mobilenet_v2
    >>> mobilenet_v2(num_classes=10)(ember.randn(1, 3, 64, 64)).shape
    ember.Size([1, 10])
"""

import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import (_ISSUE_3995, _REFS, WeightsEnum, _builder, _imagenet, _load_weights,
                                      _make_divisible, _ovewrite_named_param)
from ember.vision.ops.misc import Conv2dNormActivation

__all__ = ["MobileNetV2", "MobileNet_V2_Weights", "mobilenet_v2"]


class InvertedResidual(nn.Module):
    """MobileNetV2's block: 1x1 expansion (unless ``expand_ratio`` is 1), 3x3 depthwise convolution (both with
    ReLU6), then a linear 1x1 projection; a residual connection when the shape is kept.

    Args:
        inp: input channels.
        oup: output channels.
        stride: stride of the depthwise convolution, 1 or 2.
        expand_ratio: width of the expanded representation relative to ``inp``.
        norm_layer: normalisation class (default ``nn.BatchNorm2d``).

    Shape:
        - Input: ``(N, inp, H, W)``; Output: ``(N, oup, H / stride, W / stride)``.

    Example::

        >>> InvertedResidual(8, 8, 1, expand_ratio=6)(ember.randn(1, 8, 5, 5)).shape
        ember.Size([1, 8, 5, 5])
    """

    def __init__(self, inp, oup, stride, expand_ratio, norm_layer=None):
        super().__init__()
        self.stride = stride
        if stride not in (1, 2):
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = self.stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=nn.ReLU6))
        layers += [Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim,
                                        norm_layer=norm_layer, activation_layer=nn.ReLU6),
                   nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
                   norm_layer(oup)]
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNetV2: a strided 3x3 stem, stages of inverted residual blocks, a 1x1 convolution to
    ``last_channel`` features, global average pooling, dropout and a linear classifier.

    Args:
        num_classes: number of outputs (default 1000).
        width_mult: multiplier of every stage's width (default 1.0).
        inverted_residual_setting: rows ``[t, c, n, s]`` (expansion, channels, repeats, first stride); default
            the paper's seven stages.
        round_nearest: channel counts are rounded to multiples of this (default 8).
        block: the block class (default :class:`InvertedResidual`).
        norm_layer: normalisation class (default ``nn.BatchNorm2d``).
        dropout: dropout probability before the classifier (default 0.2).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: ``(N, num_classes)``.

    Example::

        >>> MobileNetV2(num_classes=5, width_mult=0.5)(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 5])
    """

    def __init__(self, num_classes=1000, width_mult=1.0, inverted_residual_setting=None, round_nearest=8,
                 block=None, norm_layer=None, dropout=0.2):
        super().__init__()
        if block is None:
            block = InvertedResidual
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        input_channel = 32
        last_channel = 1280
        if inverted_residual_setting is None:
            inverted_residual_setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                                         [6, 160, 3, 2], [6, 320, 1, 1]]
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError("inverted_residual_setting should be non-empty or a 4-element list, "
                             f"got {inverted_residual_setting}")
        input_channel = _make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features = [Conv2dNormActivation(3, input_channel, stride=2, norm_layer=norm_layer,
                                         activation_layer=nn.ReLU6)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(block(input_channel, output_channel, s if i == 0 else 1, expand_ratio=t,
                                      norm_layer=norm_layer))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1, norm_layer=norm_layer,
                                             activation_layer=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(self.last_channel, num_classes))
        _init_mobilenet(self)

    def _forward_impl(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(x.flatten(1))

    def forward(self, x):
        return self._forward_impl(x)


def _init_mobilenet(model, linear_weight=lambda m: nn.init.normal_(m.weight, 0, 0.01)):
    """Initialise as torchvision's MobileNets and EfficientNets: Kaiming-normal (fan_out) convolutions, unit
    norm scales, zero biases, and ``linear_weight(module)`` for the linear layers (default N(0, 0.01))."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            linear_weight(m)
            nn.init.zeros_(m.bias)


class MobileNet_V2_Weights(WeightsEnum):
    """Pre-trained weights of :func:`mobilenet_v2` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _imagenet("mobilenet_v2-b0353104.pth", {"crop_size": 224}, (71.878, 90.286), 0.301, 13.555,
                              _REFS + "#mobilenetv2", num_params=3504872)
    IMAGENET1K_V2 = _imagenet("mobilenet_v2-7ebf99e0.pth", {"crop_size": 224, "resize_size": 232}, (72.154, 90.822),
                              0.301, 13.598, _ISSUE_3995 + "#new-recipe-with-reg-tuning", num_params=3504872)
    DEFAULT = IMAGENET1K_V2


@_builder("MobileNetV2 (Sandler et al. 2018).", MobileNet_V2_Weights, "MobileNetV2")
def mobilenet_v2(*, weights: MobileNet_V2_Weights | None = None, progress=True, **kwargs):
    weights = MobileNet_V2_Weights.verify(weights)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return _load_weights(MobileNetV2(**kwargs), weights, progress)
