"""ShuffleNetV2 at widths 0.5x, 1.0x, 1.5x and 2.0x (mirrors ``torchvision.models.shufflenetv2``).

Example::

    >>> from ember.vision.models import shufflenet_v2_x0_5
    >>> shufflenet_v2_x0_5(num_classes=10)(ember.randn(1, 3, 64, 64)).shape
    ember.Size([1, 10])
"""

import ember
import ember.nn as nn
from ember.vision.models._api import _PR, WeightsEnum, _builder, _imagenet, _load_weights, _ovewrite_named_param

__all__ = ["ShuffleNetV2", "ShuffleNet_V2_X0_5_Weights", "ShuffleNet_V2_X1_0_Weights", "ShuffleNet_V2_X1_5_Weights",
           "ShuffleNet_V2_X2_0_Weights", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
           "shufflenet_v2_x2_0"]


def channel_shuffle(x, groups):
    """Interleave the channels of ``groups`` equal groups: ``(N, g * k, H, W)`` viewed as ``(N, g, k, H, W)``,
    transposed to ``(N, k, g, H, W)`` and flattened back.

    Example::

        >>> channel_shuffle(ember.arange(4.0).reshape(1, 4, 1, 1), 2).flatten().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """
    b, c, h, w = x.size()
    x = x.view(b, groups, c // groups, h, w).transpose(1, 2).contiguous()
    return x.view(b, -1, h, w)


def _depthwise_conv(i, o, kernel_size, stride=1, padding=0, bias=False):
    return nn.Conv2d(i, o, kernel_size, stride, padding, bias=bias, groups=i)


class InvertedResidual(nn.Module):
    """ShuffleNetV2's unit: at stride 1 half the channels pass through and the other half go through
    1x1 -> depthwise 3x3 -> 1x1; at stride > 1 both branches downsample; the halves are then shuffled together.

    Args:
        inp: input channels.
        oup: output channels.
        stride: 1, 2 or 3 (at stride 1 ``inp`` must equal ``oup``, rounded down to even).

    Shape:
        - Input: ``(N, inp, H, W)``; Output: ``(N, oup, H / stride, W / stride)``.

    Example::

        >>> InvertedResidual(8, 8, 1)(ember.randn(1, 8, 5, 5)).shape
        ember.Size([1, 8, 5, 5])
    """

    def __init__(self, inp, oup, stride):
        super().__init__()
        if not (1 <= stride <= 3):
            raise ValueError("illegal stride value")
        self.stride = stride
        branch_features = oup // 2
        if self.stride == 1 and inp != branch_features << 1:
            raise ValueError(f"Invalid combination of stride {stride}, inp {inp} and oup {oup} values. If stride == 1 "
                             "then inp should be equal to oup // 2 << 1.")
        if self.stride > 1:
            self.branch1 = nn.Sequential(
                _depthwise_conv(inp, inp, kernel_size=3, stride=self.stride, padding=1), nn.BatchNorm2d(inp),
                nn.Conv2d(inp, branch_features, kernel_size=1, stride=1, padding=0, bias=False),
                nn.BatchNorm2d(branch_features), nn.ReLU(inplace=True))
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if self.stride > 1 else branch_features, branch_features, kernel_size=1, stride=1,
                      padding=0, bias=False),
            nn.BatchNorm2d(branch_features), nn.ReLU(inplace=True),
            _depthwise_conv(branch_features, branch_features, kernel_size=3, stride=self.stride, padding=1),
            nn.BatchNorm2d(branch_features),
            nn.Conv2d(branch_features, branch_features, kernel_size=1, stride=1, padding=0, bias=False),
            nn.BatchNorm2d(branch_features), nn.ReLU(inplace=True))

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = ember.cat((x1, self.branch2(x2)), 1)
        else:
            out = ember.cat((self.branch1(x), self.branch2(x)), 1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    """ShuffleNetV2: a strided 3x3 stem with max-pooling, three stages of shuffle units, a 1x1 convolution,
    global average pooling and a linear classifier.

    Args:
        stages_repeats: units in stages 2, 3 and 4.
        stages_out_channels: channels of the stem, the three stages and the last convolution.
        num_classes: number of outputs (default 1000).
        inverted_residual: the unit class (default :class:`InvertedResidual`).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: ``(N, num_classes)``.

    Example::

        >>> ShuffleNetV2([1, 1, 1], [8, 16, 32, 64, 128], num_classes=3)(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 3])
    """

    def __init__(self, stages_repeats, stages_out_channels, num_classes=1000, inverted_residual=InvertedResidual):
        super().__init__()
        if len(stages_repeats) != 3:
            raise ValueError("expected stages_repeats as list of 3 positive ints")
        if len(stages_out_channels) != 5:
            raise ValueError("expected stages_out_channels as list of 5 positive ints")
        self._stage_out_channels = stages_out_channels
        input_channels, output_channels = 3, self._stage_out_channels[0]
        self.conv1 = nn.Sequential(nn.Conv2d(input_channels, output_channels, 3, 2, 1, bias=False),
                                   nn.BatchNorm2d(output_channels), nn.ReLU(inplace=True))
        input_channels = output_channels
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for name, repeats, output_channels in zip(("stage2", "stage3", "stage4"), stages_repeats,
                                                  self._stage_out_channels[1:]):
            seq = [inverted_residual(input_channels, output_channels, 2)]
            seq += [inverted_residual(output_channels, output_channels, 1) for _ in range(repeats - 1)]
            setattr(self, name, nn.Sequential(*seq))
            input_channels = output_channels
        output_channels = self._stage_out_channels[-1]
        self.conv5 = nn.Sequential(nn.Conv2d(input_channels, output_channels, 1, 1, 0, bias=False),
                                   nn.BatchNorm2d(output_channels), nn.ReLU(inplace=True))
        self.fc = nn.Linear(output_channels, num_classes)

    def _forward_impl(self, x):
        x = self.maxpool(self.conv1(x))
        x = self.conv5(self.stage4(self.stage3(self.stage2(x))))
        return self.fc(x.mean([2, 3]))

    def forward(self, x):
        return self._forward_impl(x)


def _shufflenetv2(weights, progress, *args, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return _load_weights(ShuffleNetV2(*args, **kwargs), weights, progress)


class ShuffleNet_V2_X0_5_Weights(WeightsEnum):
    """Pre-trained weights of :func:`shufflenet_v2_x0_5` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("shufflenetv2_x0.5-f707e7126e.pth", {"crop_size": 224}, (60.552, 81.746), 0.04, 5.282,
                              "https://github.com/ericsun99/Shufflenet-v2-Pytorch", num_params=1366792)
    DEFAULT = IMAGENET1K_V1


class ShuffleNet_V2_X1_0_Weights(WeightsEnum):
    """Pre-trained weights of :func:`shufflenet_v2_x1_0` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("shufflenetv2_x1-5666bf0f80.pth", {"crop_size": 224}, (69.362, 88.316), 0.145, 8.791,
                              "https://github.com/ericsun99/Shufflenet-v2-Pytorch", num_params=2278604)
    DEFAULT = IMAGENET1K_V1


class ShuffleNet_V2_X1_5_Weights(WeightsEnum):
    """Pre-trained weights of :func:`shufflenet_v2_x1_5` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("shufflenetv2_x1_5-3c479a10.pth", {"crop_size": 224, "resize_size": 232},
                              (72.996, 91.086), 0.296, 13.557, _PR + "5906", num_params=3503624)
    DEFAULT = IMAGENET1K_V1


class ShuffleNet_V2_X2_0_Weights(WeightsEnum):
    """Pre-trained weights of :func:`shufflenet_v2_x2_0` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("shufflenetv2_x2_0-8be3c8ee.pth", {"crop_size": 224, "resize_size": 232},
                              (76.23, 93.006), 0.583, 28.433, _PR + "5906", num_params=7393996)
    DEFAULT = IMAGENET1K_V1


@_builder("ShuffleNetV2 0.5x (Ma et al. 2018).", ShuffleNet_V2_X0_5_Weights, "ShuffleNetV2")
def shufflenet_v2_x0_5(*, weights: ShuffleNet_V2_X0_5_Weights | None = None, progress=True, **kwargs):
    weights = ShuffleNet_V2_X0_5_Weights.verify(weights)
    return _shufflenetv2(weights, progress, [4, 8, 4], [24, 48, 96, 192, 1024], **kwargs)


@_builder("ShuffleNetV2 1.0x.", ShuffleNet_V2_X1_0_Weights, "ShuffleNetV2")
def shufflenet_v2_x1_0(*, weights: ShuffleNet_V2_X1_0_Weights | None = None, progress=True, **kwargs):
    weights = ShuffleNet_V2_X1_0_Weights.verify(weights)
    return _shufflenetv2(weights, progress, [4, 8, 4], [24, 116, 232, 464, 1024], **kwargs)


@_builder("ShuffleNetV2 1.5x.", ShuffleNet_V2_X1_5_Weights, "ShuffleNetV2")
def shufflenet_v2_x1_5(*, weights: ShuffleNet_V2_X1_5_Weights | None = None, progress=True, **kwargs):
    weights = ShuffleNet_V2_X1_5_Weights.verify(weights)
    return _shufflenetv2(weights, progress, [4, 8, 4], [24, 176, 352, 704, 1024], **kwargs)


@_builder("ShuffleNetV2 2.0x.", ShuffleNet_V2_X2_0_Weights, "ShuffleNetV2")
def shufflenet_v2_x2_0(*, weights: ShuffleNet_V2_X2_0_Weights | None = None, progress=True, **kwargs):
    weights = ShuffleNet_V2_X2_0_Weights.verify(weights)
    return _shufflenetv2(weights, progress, [4, 8, 4], [24, 244, 488, 976, 2048], **kwargs)
