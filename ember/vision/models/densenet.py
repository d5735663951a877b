"""DenseNet-121/161/169/201 (mirrors ``torchvision.models.densenet``).

Example::

    >>> from ember.vision.models import densenet121
    >>> densenet121(num_classes=10)(ember.randn(1, 3, 64, 64)).shape
    ember.Size([1, 10])
"""

import re
from collections import OrderedDict

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import _PR, WeightsEnum, _builder, _imagenet, _ovewrite_named_param

__all__ = ["DenseNet", "DenseNet121_Weights", "DenseNet161_Weights", "DenseNet169_Weights", "DenseNet201_Weights",
           "densenet121", "densenet161", "densenet169", "densenet201"]


class _DenseLayer(nn.Module):
    """BN-ReLU-1x1 conv (to ``bn_size * growth_rate`` channels) then BN-ReLU-3x3 conv (to ``growth_rate``) over
    the concatenation of all earlier features of the block; optional dropout on the result.

    With ``memory_efficient``, the bottleneck is checkpointed (:func:`ember.utils.checkpoint.checkpoint`) while
    gradients are needed: its concatenation and activations are recomputed in backward instead of kept.
    """

    def __init__(self, num_input_features, growth_rate, bn_size, drop_rate, memory_efficient=False):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)
        self.drop_rate = float(drop_rate)
        self.memory_efficient = memory_efficient

    def bn_function(self, inputs):
        """The 1x1 bottleneck over the concatenated ``inputs``."""
        return self.conv1(self.relu1(self.norm1(ember.cat(inputs, 1))))

    def forward(self, input):
        prev = [input] if isinstance(input, ember.Tensor) else input
        if self.memory_efficient and ember.is_grad_enabled() and any(t.requires_grad for t in prev):
            from ember.utils.checkpoint import checkpoint
            bottleneck = checkpoint(lambda *features: self.bn_function(features), *prev, use_reentrant=False)
        else:
            bottleneck = self.bn_function(prev)
        new = self.conv2(self.relu2(self.norm2(bottleneck)))
        if self.drop_rate > 0:
            new = F.dropout(new, p=self.drop_rate, training=self.training)
        return new


class _DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers (``denselayer1`` ...), each seeing all earlier outputs; returns them all
    concatenated with the input."""

    _version = 2

    def __init__(self, num_layers, num_input_features, bn_size, growth_rate, drop_rate, memory_efficient=False):
        super().__init__()
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}", _DenseLayer(num_input_features + i * growth_rate, growth_rate,
                                                              bn_size, drop_rate, memory_efficient))

    def forward(self, init_features):
        features = [init_features]
        for _, layer in self.items():
            features.append(layer(features))
        return ember.cat(features, 1)


class _Transition(nn.Sequential):
    """BN-ReLU-1x1 conv then 2x2 average pooling between dense blocks."""

    def __init__(self, num_input_features, num_output_features):
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    """A densely connected network: a 7x7 stem, dense blocks joined by transitions that halve the channels and
    the resolution, a final batch norm, ReLU, global average pooling and a linear classifier.

    Args:
        growth_rate: channels each dense layer adds (default 32).
        block_config: number of layers in each dense block (default ``(6, 12, 24, 16)``).
        num_init_features: channels of the stem (default 64).
        bn_size: bottleneck width, as a multiple of ``growth_rate`` (default 4).
        drop_rate: dropout after each dense layer (default 0).
        num_classes: number of outputs (default 1000).
        memory_efficient: recompute each layer's bottleneck in backward instead of keeping it (less
            memory, more time; default False).

    Shape:
        - Input: ``(N, 3, H, W)`` with ``H, W >= 29``; Output: ``(N, num_classes)``.

    Example::

        >>> net = DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=16, num_classes=3)
        >>> net(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 3])
    """

    def __init__(self, growth_rate=32, block_config=(6, 12, 24, 16), num_init_features=64, bn_size=4, drop_rate=0,
                 num_classes=1000, memory_efficient=False):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
        ]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            self.features.add_module(f"denseblock{i + 1}", _DenseBlock(num_layers, num_features, bn_size,
                                                                       growth_rate, drop_rate, memory_efficient))
            num_features += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}", _Transition(num_features, num_features // 2))
                num_features //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        out = F.adaptive_avg_pool2d(F.relu(self.features(x), inplace=True), (1, 1))
        return self.classifier(ember.flatten(out, 1))


# checkpoints from before module names could not hold dots name the dense layers' modules "norm.1", "conv.2" ...
_OLD_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")


def _load_state_dict(model, weights, progress):
    state_dict = weights.get_state_dict(progress=progress, check_hash=True)
    for key in list(state_dict.keys()):
        res = _OLD_KEY.match(key)
        if res:
            state_dict[res.group(1) + res.group(2)] = state_dict.pop(key)
    model.load_state_dict(state_dict)


def _densenet(growth_rate, block_config, num_init_features, weights, progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = DenseNet(growth_rate, block_config, num_init_features, **kwargs)
    if weights is not None:
        _load_state_dict(model, weights, progress)
    return model


class DenseNet121_Weights(WeightsEnum):
    """Pre-trained weights of :func:`densenet121` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("densenet121-a639ec97.pth", {"crop_size": 224}, (74.434, 91.972), 2.834, 30.845,
                              _PR + "116", num_params=7978856, min_size=(29, 29))
    DEFAULT = IMAGENET1K_V1


class DenseNet161_Weights(WeightsEnum):
    """Pre-trained weights of :func:`densenet161` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("densenet161-8d451a50.pth", {"crop_size": 224}, (77.138, 93.56), 7.728, 110.369,
                              _PR + "116", num_params=28681000, min_size=(29, 29))
    DEFAULT = IMAGENET1K_V1


class DenseNet169_Weights(WeightsEnum):
    """Pre-trained weights of :func:`densenet169` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("densenet169-b2777c0a.pth", {"crop_size": 224}, (75.6, 92.806), 3.36, 54.708,
                              _PR + "116", num_params=14149480, min_size=(29, 29))
    DEFAULT = IMAGENET1K_V1


class DenseNet201_Weights(WeightsEnum):
    """Pre-trained weights of :func:`densenet201` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("densenet201-c1103571.pth", {"crop_size": 224}, (76.896, 93.37), 4.291, 77.373,
                              _PR + "116", num_params=20013928, min_size=(29, 29))
    DEFAULT = IMAGENET1K_V1


@_builder("DenseNet-121 (Huang et al. 2016).", DenseNet121_Weights, "DenseNet")
def densenet121(*, weights: DenseNet121_Weights | None = None, progress=True, **kwargs):
    weights = DenseNet121_Weights.verify(weights)
    return _densenet(32, (6, 12, 24, 16), 64, weights, progress, **kwargs)


@_builder("DenseNet-161: growth rate 48.", DenseNet161_Weights, "DenseNet")
def densenet161(*, weights: DenseNet161_Weights | None = None, progress=True, **kwargs):
    weights = DenseNet161_Weights.verify(weights)
    return _densenet(48, (6, 12, 36, 24), 96, weights, progress, **kwargs)


@_builder("DenseNet-169.", DenseNet169_Weights, "DenseNet")
def densenet169(*, weights: DenseNet169_Weights | None = None, progress=True, **kwargs):
    weights = DenseNet169_Weights.verify(weights)
    return _densenet(32, (6, 12, 32, 32), 64, weights, progress, **kwargs)


@_builder("DenseNet-201.", DenseNet201_Weights, "DenseNet")
def densenet201(*, weights: DenseNet201_Weights | None = None, progress=True, **kwargs):
    weights = DenseNet201_Weights.verify(weights)
    return _densenet(32, (6, 12, 48, 32), 64, weights, progress, **kwargs)
