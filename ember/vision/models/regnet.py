"""RegNetX and RegNetY image classifiers (mirrors ``torchvision.models.regnet``).

The module names and nesting follow torchvision's, so state_dicts are interchangeable.

Example::

    >>> from ember.vision.models import regnet_y_400mf
    >>> regnet_y_400mf(num_classes=10)(ember.randn(1, 3, 64, 64)).shape
    ember.Size([1, 10])
"""

import math
from collections import OrderedDict
from functools import partial

import ember.nn as nn
from ember._backend import xp
from ember.vision.models._api import (_ISSUE_3995, _PR, _REFS, WeightsEnum, _builder, _imagenet, _load_weights,
                                      _make_divisible, _ovewrite_named_param)
from ember.vision.ops.misc import Conv2dNormActivation, SqueezeExcitation
from ember.vision.transforms.functional import InterpolationMode

__all__ = ["RegNet", "RegNet_Y_400MF_Weights", "RegNet_Y_800MF_Weights", "RegNet_Y_1_6GF_Weights",
           "RegNet_Y_3_2GF_Weights", "RegNet_Y_8GF_Weights", "RegNet_Y_16GF_Weights", "RegNet_Y_32GF_Weights",
           "RegNet_Y_128GF_Weights", "RegNet_X_400MF_Weights", "RegNet_X_800MF_Weights", "RegNet_X_1_6GF_Weights",
           "RegNet_X_3_2GF_Weights", "RegNet_X_8GF_Weights", "RegNet_X_16GF_Weights", "RegNet_X_32GF_Weights",
           "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf", "regnet_y_8gf", "regnet_y_16gf",
           "regnet_y_32gf", "regnet_y_128gf", "regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf",
           "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf"]


class SimpleStemIN(Conv2dNormActivation):
    """RegNet's stem: a stride-2 3x3 convolution, normalisation and activation.

    Args:
        width_in: input channels.
        width_out: output channels.
        norm_layer: normalisation class.
        activation_layer: activation class.

    Shape:
        - Input: ``(N, width_in, H, W)``; Output: ``(N, width_out, ceil(H / 2), ceil(W / 2))``.

    Example::

        >>> SimpleStemIN(3, 8, nn.BatchNorm2d, nn.ReLU)(ember.randn(1, 3, 9, 9)).shape
        ember.Size([1, 8, 5, 5])
    """

    def __init__(self, width_in, width_out, norm_layer, activation_layer):
        super().__init__(width_in, width_out, kernel_size=3, stride=2, norm_layer=norm_layer,
                         activation_layer=activation_layer)


class BottleneckTransform(nn.Sequential):
    """The residual branch of a RegNet block: 1x1 convolution ``a``, grouped 3x3 convolution ``b`` (carrying
    the stride), optional squeeze-and-excitation ``se`` and a linear 1x1 convolution ``c``.

    Args:
        width_in: input channels.
        width_out: output channels.
        stride: stride of ``b``.
        norm_layer: normalisation class.
        activation_layer: activation class.
        group_width: channels per group of ``b``.
        bottleneck_multiplier: width of ``a``/``b`` relative to ``width_out`` (rounded).
        se_ratio: squeeze channels relative to ``width_in`` (``None`` or 0: no ``se``).

    Shape:
        - Input: ``(N, width_in, H, W)``; Output: ``(N, width_out, H / stride, W / stride)``.

    Example::

        >>> f = BottleneckTransform(8, 16, 2, nn.BatchNorm2d, nn.ReLU, 8, 1.0, 0.25)
        >>> list(f._modules)
        ['a', 'b', 'se', 'c']
    """

    def __init__(self, width_in, width_out, stride, norm_layer, activation_layer, group_width,
                 bottleneck_multiplier, se_ratio):
        layers = OrderedDict()
        w_b = int(round(width_out * bottleneck_multiplier))
        g = w_b // group_width
        layers["a"] = Conv2dNormActivation(width_in, w_b, kernel_size=1, stride=1, norm_layer=norm_layer,
                                           activation_layer=activation_layer)
        layers["b"] = Conv2dNormActivation(w_b, w_b, kernel_size=3, stride=stride, groups=g, norm_layer=norm_layer,
                                           activation_layer=activation_layer)
        if se_ratio:
            # the squeeze width follows the block's input width, not the bottleneck's
            layers["se"] = SqueezeExcitation(input_channels=w_b, squeeze_channels=int(round(se_ratio * width_in)),
                                             activation=activation_layer)
        layers["c"] = Conv2dNormActivation(w_b, width_out, kernel_size=1, stride=1, norm_layer=norm_layer,
                                           activation_layer=None)
        super().__init__(layers)


class ResBottleneckBlock(nn.Module):
    """A RegNet block: ``activation(shortcut(x) + f(x))`` with a :class:`BottleneckTransform` ``f``; the shortcut
    ``proj`` (1x1 convolution and normalisation) exists only when the width or the resolution changes.

    Args:
        width_in: input channels.
        width_out: output channels.
        stride: stride of the block.
        norm_layer: normalisation class.
        activation_layer: activation class.
        group_width: channels per group of the 3x3 convolution (default 1).
        bottleneck_multiplier: bottleneck width relative to ``width_out`` (default 1.0).
        se_ratio: squeeze-and-excitation ratio (default ``None``: none).

    Shape:
        - Input: ``(N, width_in, H, W)``; Output: ``(N, width_out, H / stride, W / stride)``.

    Example::

        >>> ResBottleneckBlock(8, 16, 2, nn.BatchNorm2d, nn.ReLU, 8)(ember.randn(1, 8, 6, 6)).shape
        ember.Size([1, 16, 3, 3])
    """

    def __init__(self, width_in, width_out, stride, norm_layer, activation_layer, group_width=1,
                 bottleneck_multiplier=1.0, se_ratio=None):
        super().__init__()
        self.proj = None
        if width_in != width_out or stride != 1:
            self.proj = Conv2dNormActivation(width_in, width_out, kernel_size=1, stride=stride,
                                             norm_layer=norm_layer, activation_layer=None)
        self.f = BottleneckTransform(width_in, width_out, stride, norm_layer, activation_layer, group_width,
                                     bottleneck_multiplier, se_ratio)
        self.activation = activation_layer(inplace=True)

    def forward(self, x):
        shortcut = x if self.proj is None else self.proj(x)
        return self.activation(shortcut + self.f(x))


class AnyStage(nn.Sequential):
    """``depth`` blocks named ``block{stage_index}-{i}``; the first changes the width and carries the stride.

    Args:
        width_in: input channels.
        width_out: output channels.
        stride: stride of the first block.
        depth: number of blocks.
        block_constructor: the block class (called like :class:`ResBottleneckBlock`).
        norm_layer: normalisation class.
        activation_layer: activation class.
        group_width: channels per group of the blocks' grouped convolutions.
        bottleneck_multiplier: bottleneck width relative to ``width_out``.
        se_ratio: squeeze-and-excitation ratio (default ``None``: none).
        stage_index: number used in the block names (default 0).

    Shape:
        - Input: ``(N, width_in, H, W)``; Output: ``(N, width_out, H / stride, W / stride)``.

    Example::

        >>> stage = AnyStage(8, 16, 2, 2, ResBottleneckBlock, nn.BatchNorm2d, nn.ReLU, 8, 1.0, stage_index=1)
        >>> list(stage._modules)
        ['block1-0', 'block1-1']
    """

    def __init__(self, width_in, width_out, stride, depth, block_constructor, norm_layer, activation_layer,
                 group_width, bottleneck_multiplier, se_ratio=None, stage_index=0):
        super().__init__()
        for i in range(depth):
            block = block_constructor(width_in if i == 0 else width_out, width_out, stride if i == 0 else 1,
                                      norm_layer, activation_layer, group_width, bottleneck_multiplier, se_ratio)
            self.add_module(f"block{stage_index}-{i}", block)


class BlockParams:
    """The per-stage settings of a RegNet: ``depths``, ``widths``, ``group_widths``, ``bottleneck_multipliers``,
    ``strides`` (lists, one entry per stage) and ``se_ratio`` (shared).

    Example::

        >>> p = BlockParams.from_init_params(depth=16, w_0=48, w_a=27.89, w_m=2.09, group_width=8, se_ratio=0.25)
        >>> p.depths, p.widths
        ([1, 3, 6, 6], [48, 104, 208, 440])
    """

    def __init__(self, depths, widths, group_widths, bottleneck_multipliers, strides, se_ratio=None):
        self.depths = depths
        self.widths = widths
        self.group_widths = group_widths
        self.bottleneck_multipliers = bottleneck_multipliers
        self.strides = strides
        self.se_ratio = se_ratio

    @classmethod
    def from_init_params(cls, depth, w_0, w_a, w_m, group_width, bottleneck_multiplier=1.0, se_ratio=None,
                         **kwargs):
        """The stages of the quantised linear width rule of "Designing Network Design Spaces" (Radosavovic et
        al. 2020): block ``j`` has width ``w_0 + w_a * j`` snapped to ``w_0 * w_m ** k`` (integer ``k``, then to a
        multiple of 8); consecutive blocks of equal width form a stage.

        Args:
            depth: total number of blocks.
            w_0: initial width (a positive multiple of 8).
            w_a: slope of the width rule (non-negative).
            w_m: width multiplier between stages (above 1).
            group_width: channels per group.
            bottleneck_multiplier: bottleneck width ratio (default 1.0).
            se_ratio: squeeze-and-excitation ratio (default ``None``).
            **kwargs: ignored (the builders pass their extra arguments here too).

        Raises:
            ValueError: invalid settings.
        """
        quant, stride = 8, 2
        if w_a < 0 or w_0 <= 0 or w_m <= 1 or w_0 % 8 != 0:
            raise ValueError("Invalid RegNet settings")
        # float32 throughout, as torchvision computes it (the rounding decides the widths)
        f32 = xp.float32
        widths_cont = xp.arange(depth).astype(f32) * f32(w_a) + f32(w_0)
        block_capacity = xp.round(xp.log(widths_cont / f32(w_0)) / f32(math.log(w_m)))
        block_widths = (xp.round(f32(w_0) * xp.power(f32(w_m), block_capacity) / f32(quant)) * quant)
        block_widths = [int(w) for w in block_widths.astype(xp.int32).tolist()]
        num_stages = len(set(block_widths))
        # a stage starts wherever the width changes
        starts = [i for i in range(len(block_widths) + 1)
                  if i in (0, len(block_widths)) or block_widths[i] != block_widths[i - 1]]
        stage_widths = [block_widths[i] for i in starts[:-1]]
        stage_depths = [b - a for a, b in zip(starts[:-1], starts[1:])]
        strides = [stride] * num_stages
        bottleneck_multipliers = [bottleneck_multiplier] * num_stages
        group_widths = [group_width] * num_stages
        stage_widths, group_widths = cls._adjust_widths_groups_compatibilty(stage_widths, bottleneck_multipliers,
                                                                            group_widths)
        return cls(depths=stage_depths, widths=stage_widths, group_widths=group_widths,
                   bottleneck_multipliers=bottleneck_multipliers, strides=strides, se_ratio=se_ratio)

    def _get_expanded_params(self):
        return zip(self.widths, self.strides, self.depths, self.group_widths, self.bottleneck_multipliers)

    @staticmethod
    def _adjust_widths_groups_compatibilty(stage_widths, bottleneck_ratios, group_widths):
        """Widths and group widths adjusted so that each bottleneck width is a multiple of its group width."""
        widths = [int(w * b) for w, b in zip(stage_widths, bottleneck_ratios)]
        group_widths_min = [min(g, w_bot) for g, w_bot in zip(group_widths, widths)]
        ws_bot = [_make_divisible(w_bot, g) for w_bot, g in zip(widths, group_widths_min)]
        stage_widths = [int(w_bot / b) for w_bot, b in zip(ws_bot, bottleneck_ratios)]
        return stage_widths, group_widths_min


class RegNet(nn.Module):
    """RegNet: a stem, the stages of ``block_params`` (``trunk_output.block1`` ...), global average pooling and
    a linear classifier.

    Args:
        block_params: the stages, a :class:`BlockParams`.
        num_classes: number of outputs (default 1000).
        stem_width: channels of the stem (default 32).
        stem_type: stem class (default :class:`SimpleStemIN`).
        block_type: block class (default :class:`ResBottleneckBlock`).
        norm_layer: normalisation class (default ``nn.BatchNorm2d``).
        activation: activation class (default ``nn.ReLU``).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: ``(N, num_classes)``.

    Example::

        >>> params = BlockParams([1, 1], [16, 32], [8, 8], [1.0, 1.0], [2, 2])
        >>> RegNet(params, num_classes=3)(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 3])
    """

    def __init__(self, block_params, num_classes=1000, stem_width=32, stem_type=None, block_type=None,
                 norm_layer=None, activation=None):
        super().__init__()
        if stem_type is None:
            stem_type = SimpleStemIN
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if block_type is None:
            block_type = ResBottleneckBlock
        if activation is None:
            activation = nn.ReLU
        self.stem = stem_type(3, stem_width, norm_layer, activation)
        width = stem_width
        stages = []
        for i, (width_out, stride, depth, group_width, multiplier) in enumerate(block_params._get_expanded_params()):
            stages.append((f"block{i + 1}", AnyStage(width, width_out, stride, depth, block_type, norm_layer,
                                                     activation, group_width, multiplier, block_params.se_ratio,
                                                     stage_index=i + 1)))
            width = width_out
        self.trunk_output = nn.Sequential(OrderedDict(stages))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(in_features=width, out_features=num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                # fan_out ignores the groups (as torchvision's); convolution biases keep their default init
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, mean=0.0, std=math.sqrt(2.0 / fan_out))
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, mean=0.0, std=0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.avgpool(self.trunk_output(self.stem(x)))
        return self.fc(x.flatten(start_dim=1))


def _regnet(block_params, weights, progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    norm_layer = kwargs.pop("norm_layer", partial(nn.BatchNorm2d, eps=1e-05, momentum=0.1))
    model = RegNet(block_params, norm_layer=norm_layer, **kwargs)
    return _load_weights(model, weights, progress)


# ------------------------------------------------------------------------------------------------ weights
_SWAG = "https://github.com/facebookresearch/SWAG"
_SWAG_LICENSE = _SWAG + "/blob/main/LICENSE"
_BICUBIC = InterpolationMode.BICUBIC


def _v1(file, accuracy, ops, file_size, size, num_params):
    """Weights of the original recipe (``size``: ``"small"``, ``"medium"`` or ``"large"`` models' section)."""
    return _imagenet(file, {"crop_size": 224}, accuracy, ops, file_size, f"{_REFS}#{size}-models",
                     num_params=num_params)


def _v2(file, accuracy, ops, file_size, num_params, fixres=False):
    """Weights of the improved recipe of torchvision issue 3995 (``fixres``: with FixRes mitigations)."""
    recipe = _ISSUE_3995 + ("#new-recipe-with-fixres" if fixres else "#new-recipe")
    return _imagenet(file, {"crop_size": 224, "resize_size": 232}, accuracy, ops, file_size, recipe,
                     num_params=num_params)


def _swag(file, accuracy, ops, file_size, num_params, linear):
    """SWAG weights: fine-tuned end to end at 384 pixels, or (``linear``) a linear classifier on the frozen
    trunk at 224 pixels."""
    size = 224 if linear else 384
    w = _imagenet(file, {"crop_size": size, "resize_size": size, "interpolation": _BICUBIC}, accuracy, ops,
                  file_size, _PR + "5793" if linear else _SWAG, num_params=num_params)
    w.meta["license"] = _SWAG_LICENSE
    return w


class RegNet_Y_400MF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_y_400mf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_y_400mf-c65dace8.pth", (74.046, 91.716), 0.402, 16.806, "small", 4344144)
    IMAGENET1K_V2 = _v2("regnet_y_400mf-e6988f5f.pth", (75.804, 92.742), 0.402, 16.806, 4344144)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_800MF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_y_800mf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_y_800mf-1b27b58c.pth", (76.42, 93.136), 0.834, 24.774, "small", 6432512)
    IMAGENET1K_V2 = _v2("regnet_y_800mf-58fc7688.pth", (78.828, 94.502), 0.834, 24.774, 6432512)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_1_6GF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_y_1_6gf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_y_1_6gf-b11a554e.pth", (77.95, 93.966), 1.612, 43.152, "small", 11202430)
    IMAGENET1K_V2 = _v2("regnet_y_1_6gf-0d7bc02a.pth", (80.876, 95.444), 1.612, 43.152, 11202430)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_3_2GF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_y_3_2gf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_y_3_2gf-b5a9779c.pth", (78.948, 94.576), 3.176, 74.567, "medium", 19436338)
    IMAGENET1K_V2 = _v2("regnet_y_3_2gf-9180c971.pth", (81.982, 95.972), 3.176, 74.567, 19436338)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_8GF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_y_8gf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_y_8gf-d0d0e4a8.pth", (80.032, 95.048), 8.473, 150.701, "medium", 39381472)
    IMAGENET1K_V2 = _v2("regnet_y_8gf-dc2b1b54.pth", (82.828, 96.33), 8.473, 150.701, 39381472)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_16GF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_y_16gf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_y_16gf-9e6ed7dd.pth", (80.424, 95.24), 15.912, 319.49, "large", 83590140)
    IMAGENET1K_V2 = _v2("regnet_y_16gf-3e4a00f9.pth", (82.886, 96.328), 15.912, 319.49, 83590140)
    IMAGENET1K_SWAG_E2E_V1 = _swag("regnet_y_16gf_swag-43afe44d.pth", (86.012, 98.054), 46.735, 319.49, 83590140,
                                   linear=False)
    IMAGENET1K_SWAG_LINEAR_V1 = _swag("regnet_y_16gf_lc_swag-f3ec0043.pth", (83.976, 97.244), 15.912, 319.49,
                                      83590140, linear=True)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_32GF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_y_32gf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_y_32gf-4dee3f7a.pth", (80.878, 95.34), 32.28, 554.076, "large", 145046770)
    IMAGENET1K_V2 = _v2("regnet_y_32gf-8db6d4b5.pth", (83.368, 96.498), 32.28, 554.076, 145046770)
    IMAGENET1K_SWAG_E2E_V1 = _swag("regnet_y_32gf_swag-04fdfa75.pth", (86.838, 98.362), 94.826, 554.076, 145046770,
                                   linear=False)
    IMAGENET1K_SWAG_LINEAR_V1 = _swag("regnet_y_32gf_lc_swag-e1583746.pth", (84.622, 97.48), 32.28, 554.076,
                                      145046770, linear=True)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_128GF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_y_128gf` (``DEFAULT`` is ``IMAGENET1K_SWAG_E2E_V1``)."""

    IMAGENET1K_SWAG_E2E_V1 = _swag("regnet_y_128gf_swag-c8ce3e52.pth", (88.228, 98.682), 374.57, 2461.564,
                                   644812894, linear=False)
    IMAGENET1K_SWAG_LINEAR_V1 = _swag("regnet_y_128gf_lc_swag-cbe8ce12.pth", (86.068, 97.844), 127.518, 2461.564,
                                      644812894, linear=True)
    DEFAULT = IMAGENET1K_SWAG_E2E_V1


class RegNet_X_400MF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_x_400mf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_x_400mf-adf1edd5.pth", (72.834, 90.95), 0.414, 21.258, "small", 5495976)
    IMAGENET1K_V2 = _v2("regnet_x_400mf-62229a5f.pth", (74.864, 92.322), 0.414, 21.257, 5495976, fixres=True)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_800MF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_x_800mf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_x_800mf-ad17e45c.pth", (75.212, 92.348), 0.8, 27.945, "small", 7259656)
    IMAGENET1K_V2 = _v2("regnet_x_800mf-94a99ebd.pth", (77.522, 93.826), 0.8, 27.945, 7259656, fixres=True)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_1_6GF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_x_1_6gf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_x_1_6gf-e3633e7f.pth", (77.04, 93.44), 1.603, 35.339, "small", 9190136)
    IMAGENET1K_V2 = _v2("regnet_x_1_6gf-a12f2b72.pth", (79.668, 94.922), 1.603, 35.339, 9190136, fixres=True)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_3_2GF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_x_3_2gf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_x_3_2gf-f342aeae.pth", (78.364, 93.992), 3.177, 58.756, "medium", 15296552)
    IMAGENET1K_V2 = _v2("regnet_x_3_2gf-7071aa85.pth", (81.196, 95.43), 3.177, 58.756, 15296552)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_8GF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_x_8gf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_x_8gf-03ceed89.pth", (79.344, 94.686), 7.995, 151.456, "medium", 39572648)
    IMAGENET1K_V2 = _v2("regnet_x_8gf-2b70d774.pth", (81.682, 95.678), 7.995, 151.456, 39572648)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_16GF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_x_16gf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_x_16gf-2007eb11.pth", (80.058, 94.944), 15.941, 207.627, "medium", 54278536)
    IMAGENET1K_V2 = _v2("regnet_x_16gf-ba3796d7.pth", (82.716, 96.196), 15.941, 207.627, 54278536)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_32GF_Weights(WeightsEnum):
    """Pre-trained weights of :func:`regnet_x_32gf` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _v1("regnet_x_32gf-9d47f8d0.pth", (80.622, 95.248), 31.736, 412.039, "large", 107811560)
    IMAGENET1K_V2 = _v2("regnet_x_32gf-6eb8fdc6.pth", (83.014, 96.288), 31.736, 412.039, 107811560)
    DEFAULT = IMAGENET1K_V2


# ------------------------------------------------------------------------------------------------ builders
def _built(weights, progress, kwargs, **init_params):
    # the caller's keywords go to both BlockParams.from_init_params and RegNet, as torchvision passes them
    return _regnet(BlockParams.from_init_params(**init_params, **kwargs), weights, progress, **kwargs)


@_builder("RegNetY-400MF (Radosavovic et al. 2020).", RegNet_Y_400MF_Weights, "RegNet")
def regnet_y_400mf(*, weights: RegNet_Y_400MF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_Y_400MF_Weights.verify(weights), progress, kwargs, depth=16, w_0=48, w_a=27.89, w_m=2.09,
                  group_width=8, se_ratio=0.25)


@_builder("RegNetY-800MF.", RegNet_Y_800MF_Weights, "RegNet")
def regnet_y_800mf(*, weights: RegNet_Y_800MF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_Y_800MF_Weights.verify(weights), progress, kwargs, depth=14, w_0=56, w_a=38.84, w_m=2.4,
                  group_width=16, se_ratio=0.25)


@_builder("RegNetY-1.6GF.", RegNet_Y_1_6GF_Weights, "RegNet")
def regnet_y_1_6gf(*, weights: RegNet_Y_1_6GF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_Y_1_6GF_Weights.verify(weights), progress, kwargs, depth=27, w_0=48, w_a=20.71, w_m=2.65,
                  group_width=24, se_ratio=0.25)


@_builder("RegNetY-3.2GF.", RegNet_Y_3_2GF_Weights, "RegNet")
def regnet_y_3_2gf(*, weights: RegNet_Y_3_2GF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_Y_3_2GF_Weights.verify(weights), progress, kwargs, depth=21, w_0=80, w_a=42.63, w_m=2.66,
                  group_width=24, se_ratio=0.25)


@_builder("RegNetY-8GF.", RegNet_Y_8GF_Weights, "RegNet")
def regnet_y_8gf(*, weights: RegNet_Y_8GF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_Y_8GF_Weights.verify(weights), progress, kwargs, depth=17, w_0=192, w_a=76.82, w_m=2.19,
                  group_width=56, se_ratio=0.25)


@_builder("RegNetY-16GF.", RegNet_Y_16GF_Weights, "RegNet")
def regnet_y_16gf(*, weights: RegNet_Y_16GF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_Y_16GF_Weights.verify(weights), progress, kwargs, depth=18, w_0=200, w_a=106.23, w_m=2.48,
                  group_width=112, se_ratio=0.25)


@_builder("RegNetY-32GF.", RegNet_Y_32GF_Weights, "RegNet")
def regnet_y_32gf(*, weights: RegNet_Y_32GF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_Y_32GF_Weights.verify(weights), progress, kwargs, depth=20, w_0=232, w_a=115.89, w_m=2.53,
                  group_width=232, se_ratio=0.25)


@_builder("RegNetY-128GF.", RegNet_Y_128GF_Weights, "RegNet")
def regnet_y_128gf(*, weights: RegNet_Y_128GF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_Y_128GF_Weights.verify(weights), progress, kwargs, depth=27, w_0=456, w_a=160.83,
                  w_m=2.52, group_width=264, se_ratio=0.25)


@_builder("RegNetX-400MF (Radosavovic et al. 2020).", RegNet_X_400MF_Weights, "RegNet")
def regnet_x_400mf(*, weights: RegNet_X_400MF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_X_400MF_Weights.verify(weights), progress, kwargs, depth=22, w_0=24, w_a=24.48, w_m=2.54,
                  group_width=16)


@_builder("RegNetX-800MF.", RegNet_X_800MF_Weights, "RegNet")
def regnet_x_800mf(*, weights: RegNet_X_800MF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_X_800MF_Weights.verify(weights), progress, kwargs, depth=16, w_0=56, w_a=35.73, w_m=2.28,
                  group_width=16)


@_builder("RegNetX-1.6GF.", RegNet_X_1_6GF_Weights, "RegNet")
def regnet_x_1_6gf(*, weights: RegNet_X_1_6GF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_X_1_6GF_Weights.verify(weights), progress, kwargs, depth=18, w_0=80, w_a=34.01, w_m=2.25,
                  group_width=24)


@_builder("RegNetX-3.2GF.", RegNet_X_3_2GF_Weights, "RegNet")
def regnet_x_3_2gf(*, weights: RegNet_X_3_2GF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_X_3_2GF_Weights.verify(weights), progress, kwargs, depth=25, w_0=88, w_a=26.31, w_m=2.25,
                  group_width=48)


@_builder("RegNetX-8GF.", RegNet_X_8GF_Weights, "RegNet")
def regnet_x_8gf(*, weights: RegNet_X_8GF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_X_8GF_Weights.verify(weights), progress, kwargs, depth=23, w_0=80, w_a=49.56, w_m=2.88,
                  group_width=120)


@_builder("RegNetX-16GF.", RegNet_X_16GF_Weights, "RegNet")
def regnet_x_16gf(*, weights: RegNet_X_16GF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_X_16GF_Weights.verify(weights), progress, kwargs, depth=22, w_0=216, w_a=55.59, w_m=2.1,
                  group_width=128)


@_builder("RegNetX-32GF.", RegNet_X_32GF_Weights, "RegNet")
def regnet_x_32gf(*, weights: RegNet_X_32GF_Weights | None = None, progress=True, **kwargs):
    return _built(RegNet_X_32GF_Weights.verify(weights), progress, kwargs, depth=23, w_0=320, w_a=69.86, w_m=2.0,
                  group_width=168)
