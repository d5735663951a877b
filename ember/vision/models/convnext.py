"""ConvNeXt Tiny, Small, Base and Large (mirrors ``torchvision.models.convnext``).

The module names and nesting follow torchvision's, so state_dicts are interchangeable.

Example::

    >>> from ember.vision.models import convnext_tiny
    >>> convnext_tiny(num_classes=10)(ember.randn(1, 3, 64, 64)).shape
    ember.Size([1, 10])
"""

from collections.abc import Sequence
from functools import partial

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import _REFS, WeightsEnum, _builder, _imagenet, _load_weights, _ovewrite_named_param
from ember.vision.ops.misc import Conv2dNormActivation, Permute, StochasticDepth

__all__ = ["ConvNeXt", "ConvNeXt_Tiny_Weights", "ConvNeXt_Small_Weights", "ConvNeXt_Base_Weights",
           "ConvNeXt_Large_Weights", "convnext_tiny", "convnext_small", "convnext_base", "convnext_large"]


class LayerNorm2d(nn.LayerNorm):
    """Layer normalisation over the channels of an ``(N, C, H, W)`` tensor (each position normalised on its own).

    Takes the arguments of ``nn.LayerNorm`` (``normalized_shape`` is the number of channels).

    Shape:
        - Input: ``(N, C, H, W)``; Output: the same.

    Example::

        >>> LayerNorm2d(8, eps=1e-6)(ember.randn(2, 8, 4, 4)).shape
        ember.Size([2, 8, 4, 4])
    """

    def forward(self, x):
        # channels last for layer_norm's trailing-dimension statistics, then back
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class CNBlock(nn.Module):
    """The ConvNeXt block: 7x7 depthwise convolution, layer norm and an inverted MLP (4x wider, GELU) applied
    channels-last, scaled per channel by the learnable ``layer_scale``, with stochastic depth on the residual
    branch.

    Args:
        dim: channels in and out.
        layer_scale: initial value of the per-channel scale of the branch.
        stochastic_depth_prob: probability of dropping the branch (training only).
        norm_layer: normalisation class of the channels-last features (default ``nn.LayerNorm`` with
            ``eps=1e-6``).

    Shape:
        - Input: ``(N, dim, H, W)``; Output: the same.

    Example::

        >>> CNBlock(8, 1e-6, 0.0)(ember.randn(1, 8, 5, 5)).shape
        ember.Size([1, 8, 5, 5])
    """

    def __init__(self, dim, layer_scale, stochastic_depth_prob, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = partial(nn.LayerNorm, eps=1e-6)
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
            Permute([0, 2, 3, 1]),
            norm_layer(dim),
            nn.Linear(in_features=dim, out_features=4 * dim, bias=True),
            nn.GELU(),
            nn.Linear(in_features=4 * dim, out_features=dim, bias=True),
            Permute([0, 3, 1, 2]),
        )
        self.layer_scale = nn.Parameter(ember.ones(dim, 1, 1) * layer_scale)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, input):
        result = self.stochastic_depth(self.layer_scale * self.block(input))
        return result + input


class CNBlockConfig:
    """One ConvNeXt stage: ``num_layers`` blocks of width ``input_channels``, followed (unless ``out_channels``
    is ``None``) by a downsampling layer to ``out_channels``.

    Args:
        input_channels: width of the stage's blocks.
        out_channels: width after the stage's downsampling layer, or ``None`` for the last stage.
        num_layers: number of blocks.

    Example::

        >>> CNBlockConfig(96, 192, 3)
        CNBlockConfig(input_channels=96, out_channels=192, num_layers=3)
    """

    def __init__(self, input_channels, out_channels, num_layers):
        self.input_channels = input_channels
        self.out_channels = out_channels
        self.num_layers = num_layers

    def __repr__(self):
        return (f"{type(self).__name__}(input_channels={self.input_channels}, out_channels={self.out_channels}, "
                f"num_layers={self.num_layers})")


class ConvNeXt(nn.Module):
    """ConvNeXt: a 4x4 patchify stem, stages of :class:`CNBlock` separated by 2x2 strided downsampling layers
    (stochastic depth growing linearly from 0 to ``stochastic_depth_prob`` over the blocks), global average
    pooling, layer norm and a linear classifier.

    Args:
        block_setting: the stages, as a list of :class:`CNBlockConfig`.
        stochastic_depth_prob: stochastic depth probability of the last block (default 0.0).
        layer_scale: initial value of the blocks' layer scales (default 1e-6).
        num_classes: number of outputs (default 1000).
        block: block class (default :class:`CNBlock`).
        norm_layer: normalisation class of the stem, downsampling layers and head (default
            :class:`LayerNorm2d` with ``eps=1e-6``).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: ``(N, num_classes)``.

    Example::

        >>> net = ConvNeXt([CNBlockConfig(8, 16, 1), CNBlockConfig(16, None, 1)], num_classes=3)
        >>> net(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 3])
    """

    def __init__(self, block_setting, stochastic_depth_prob=0.0, layer_scale=1e-6, num_classes=1000, block=None,
                 norm_layer=None, **kwargs):
        super().__init__()
        if not block_setting:
            raise ValueError("The block_setting should not be empty")
        if not (isinstance(block_setting, Sequence) and all(isinstance(s, CNBlockConfig) for s in block_setting)):
            raise TypeError("The block_setting should be List[CNBlockConfig]")
        if block is None:
            block = CNBlock
        if norm_layer is None:
            norm_layer = partial(LayerNorm2d, eps=1e-6)
        layers = [Conv2dNormActivation(3, block_setting[0].input_channels, kernel_size=4, stride=4, padding=0,
                                       norm_layer=norm_layer, activation_layer=None, bias=True)]
        total_blocks = sum(cnf.num_layers for cnf in block_setting)
        block_id = 0
        for cnf in block_setting:
            stage = []
            for _ in range(cnf.num_layers):
                sd_prob = stochastic_depth_prob * block_id / (total_blocks - 1.0)
                stage.append(block(cnf.input_channels, layer_scale, sd_prob))
                block_id += 1
            layers.append(nn.Sequential(*stage))
            if cnf.out_channels is not None:
                layers.append(nn.Sequential(norm_layer(cnf.input_channels),
                                            nn.Conv2d(cnf.input_channels, cnf.out_channels, kernel_size=2, stride=2)))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        last = block_setting[-1]
        last_channels = last.out_channels if last.out_channels is not None else last.input_channels
        self.classifier = nn.Sequential(norm_layer(last_channels), nn.Flatten(1), nn.Linear(last_channels, num_classes))
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def _forward_impl(self, x):
        return self.classifier(self.avgpool(self.features(x)))

    def forward(self, x):
        return self._forward_impl(x)


def _convnext(block_setting, stochastic_depth_prob, weights, progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = ConvNeXt(block_setting, stochastic_depth_prob=stochastic_depth_prob, **kwargs)
    return _load_weights(model, weights, progress)


def _convnext_weights(file, resize_size, accuracy, ops, file_size, num_params):
    return _imagenet(file, {"crop_size": 224, "resize_size": resize_size}, accuracy, ops, file_size,
                     _REFS + "#convnext", num_params=num_params, min_size=(32, 32))


class ConvNeXt_Tiny_Weights(WeightsEnum):
    """Pre-trained weights of :func:`convnext_tiny` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _convnext_weights("convnext_tiny-983f1562.pth", 236, (82.52, 96.146), 4.456, 109.119, 28589128)
    DEFAULT = IMAGENET1K_V1


class ConvNeXt_Small_Weights(WeightsEnum):
    """Pre-trained weights of :func:`convnext_small` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _convnext_weights("convnext_small-0c510722.pth", 230, (83.616, 96.65), 8.684, 191.703, 50223688)
    DEFAULT = IMAGENET1K_V1


class ConvNeXt_Base_Weights(WeightsEnum):
    """Pre-trained weights of :func:`convnext_base` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _convnext_weights("convnext_base-6075fbad.pth", 232, (84.062, 96.87), 15.355, 338.064, 88591464)
    DEFAULT = IMAGENET1K_V1


class ConvNeXt_Large_Weights(WeightsEnum):
    """Pre-trained weights of :func:`convnext_large` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _convnext_weights("convnext_large-ea097f82.pth", 232, (84.414, 96.976), 34.361, 754.537,
                                      197767336)
    DEFAULT = IMAGENET1K_V1


def _stages(widths, depths):
    """The :class:`CNBlockConfig` list of four stages (each downsampling into the next one's width)."""
    outs = [*widths[1:], None]
    return [CNBlockConfig(w, o, d) for w, o, d in zip(widths, outs, depths)]


@_builder("ConvNeXt Tiny (Liu et al. 2022); stochastic depth 0.1 by default.", ConvNeXt_Tiny_Weights, "ConvNeXt")
def convnext_tiny(*, weights: ConvNeXt_Tiny_Weights | None = None, progress=True, **kwargs):
    weights = ConvNeXt_Tiny_Weights.verify(weights)
    setting = _stages([96, 192, 384, 768], [3, 3, 9, 3])
    return _convnext(setting, kwargs.pop("stochastic_depth_prob", 0.1), weights, progress, **kwargs)


@_builder("ConvNeXt Small; stochastic depth 0.4 by default.", ConvNeXt_Small_Weights, "ConvNeXt")
def convnext_small(*, weights: ConvNeXt_Small_Weights | None = None, progress=True, **kwargs):
    weights = ConvNeXt_Small_Weights.verify(weights)
    setting = _stages([96, 192, 384, 768], [3, 3, 27, 3])
    return _convnext(setting, kwargs.pop("stochastic_depth_prob", 0.4), weights, progress, **kwargs)


@_builder("ConvNeXt Base; stochastic depth 0.5 by default.", ConvNeXt_Base_Weights, "ConvNeXt")
def convnext_base(*, weights: ConvNeXt_Base_Weights | None = None, progress=True, **kwargs):
    weights = ConvNeXt_Base_Weights.verify(weights)
    setting = _stages([128, 256, 512, 1024], [3, 3, 27, 3])
    return _convnext(setting, kwargs.pop("stochastic_depth_prob", 0.5), weights, progress, **kwargs)


@_builder("ConvNeXt Large; stochastic depth 0.5 by default.", ConvNeXt_Large_Weights, "ConvNeXt")
def convnext_large(*, weights: ConvNeXt_Large_Weights | None = None, progress=True, **kwargs):
    weights = ConvNeXt_Large_Weights.verify(weights)
    setting = _stages([192, 384, 768, 1536], [3, 3, 27, 3])
    return _convnext(setting, kwargs.pop("stochastic_depth_prob", 0.5), weights, progress, **kwargs)
