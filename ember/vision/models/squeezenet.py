"""SqueezeNet 1.0 and 1.1 (mirrors ``torchvision.models.squeezenet``).

Example::

    >>> from ember.vision.models import squeezenet1_1
    >>> squeezenet1_1(num_classes=10)(ember.randn(1, 3, 64, 64)).shape
    ember.Size([1, 10])
"""

import ember
import ember.nn as nn
from ember.vision.models._api import _PR, WeightsEnum, _builder, _imagenet, _load_weights, _ovewrite_named_param

__all__ = ["SqueezeNet", "SqueezeNet1_0_Weights", "SqueezeNet1_1_Weights", "squeezenet1_0", "squeezenet1_1"]


class Fire(nn.Module):
    """A fire module: a 1x1 squeeze convolution, then parallel 1x1 and 3x3 expand convolutions whose outputs
    are concatenated along the channels (each convolution followed by ReLU).

    Args:
        inplanes: input channels.
        squeeze_planes: channels after the squeeze convolution.
        expand1x1_planes: output channels of the 1x1 expand branch.
        expand3x3_planes: output channels of the 3x3 expand branch.

    Shape:
        - Input: ``(N, inplanes, H, W)``; Output: ``(N, expand1x1_planes + expand3x3_planes, H, W)``.

    Example::

        >>> Fire(8, 2, 4, 4)(ember.randn(1, 8, 5, 5)).shape
        ember.Size([1, 8, 5, 5])
    """

    def __init__(self, inplanes, squeeze_planes, expand1x1_planes, expand3x3_planes):
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = nn.Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return ember.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


def _pool():
    return nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)


class SqueezeNet(nn.Module):
    """SqueezeNet: a stem convolution, fire modules with max-pooling, then a 1x1 convolution to the classes
    and global average pooling.

    Args:
        version: ``"1_0"`` (the paper's) or ``"1_1"`` (about 2.4x cheaper, same accuracy).
        num_classes: number of outputs (default 1000).
        dropout: dropout probability before the final convolution (default 0.5).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: ``(N, num_classes)``.

    Example::

        >>> SqueezeNet("1_1", num_classes=3)(ember.randn(1, 3, 48, 48)).shape
        ember.Size([1, 3])
    """

    def __init__(self, version="1_0", num_classes=1000, dropout=0.5):
        super().__init__()
        self.num_classes = num_classes
        if version == "1_0":
            self.features = nn.Sequential(
                nn.Conv2d(3, 96, kernel_size=7, stride=2), nn.ReLU(inplace=True), _pool(),
                Fire(96, 16, 64, 64), Fire(128, 16, 64, 64), Fire(128, 32, 128, 128), _pool(),
                Fire(256, 32, 128, 128), Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256),
                _pool(), Fire(512, 64, 256, 256),
            )
        elif version == "1_1":
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, kernel_size=3, stride=2), nn.ReLU(inplace=True), _pool(),
                Fire(64, 16, 64, 64), Fire(128, 16, 64, 64), _pool(),
                Fire(128, 32, 128, 128), Fire(256, 32, 128, 128), _pool(),
                Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256), Fire(512, 64, 256, 256),
            )
        else:
            raise ValueError(f"Unsupported SqueezeNet version {version}: 1_0 or 1_1 expected")
        final_conv = nn.Conv2d(512, self.num_classes, kernel_size=1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), final_conv, nn.ReLU(inplace=True),
                                        nn.AdaptiveAvgPool2d((1, 1)))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                if m is final_conv:
                    nn.init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    nn.init.kaiming_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        return ember.flatten(self.classifier(self.features(x)), 1)


def _squeezenet(version, weights, progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return _load_weights(SqueezeNet(version, **kwargs), weights, progress)


class SqueezeNet1_0_Weights(WeightsEnum):
    """Pre-trained weights of :func:`squeezenet1_0` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("squeezenet1_0-b66bff10.pth", {"crop_size": 224}, (58.092, 80.42), 0.819, 4.778,
                              _PR + "49#issuecomment-277560717", num_params=1248424, min_size=(21, 21))
    DEFAULT = IMAGENET1K_V1


class SqueezeNet1_1_Weights(WeightsEnum):
    """Pre-trained weights of :func:`squeezenet1_1` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("squeezenet1_1-b8a52dc0.pth", {"crop_size": 224}, (58.178, 80.624), 0.349, 4.729,
                              _PR + "49#issuecomment-277560717", num_params=1235496, min_size=(17, 17))
    DEFAULT = IMAGENET1K_V1


@_builder("SqueezeNet 1.0 (Iandola et al. 2016).", SqueezeNet1_0_Weights, "SqueezeNet")
def squeezenet1_0(*, weights: SqueezeNet1_0_Weights | None = None, progress=True, **kwargs):
    weights = SqueezeNet1_0_Weights.verify(weights)
    return _squeezenet("1_0", weights, progress, **kwargs)


@_builder("SqueezeNet 1.1: a cheaper stem and earlier pooling, with SqueezeNet 1.0's accuracy.",
          SqueezeNet1_1_Weights, "SqueezeNet")
def squeezenet1_1(*, weights: SqueezeNet1_1_Weights | None = None, progress=True, **kwargs):
    weights = SqueezeNet1_1_Weights.verify(weights)
    return _squeezenet("1_1", weights, progress, **kwargs)
