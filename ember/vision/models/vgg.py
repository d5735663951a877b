"""VGG 11/13/16/19, with and without batch normalisation (mirrors ``torchvision.models.vgg``).

Example::

    >>> from ember.vision.models import vgg11
    >>> vgg11(num_classes=10)(ember.randn(1, 3, 32, 32)).shape
    ember.Size([1, 10])
"""

import ember
import ember.nn as nn
from ember.vision.models._api import _REFS, WeightsEnum, _builder, _imagenet, _load_weights, _ovewrite_named_param

__all__ = ["VGG", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights",
           "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn",
           "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]


class VGG(nn.Module):
    """A VGG network: the convolutional ``features``, a 7x7 adaptive average pool and a three-layer classifier.

    Args:
        features: the convolutional part (see :func:`make_layers`); it must end with 512 channels.
        num_classes: outputs of the last layer (default 1000).
        init_weights: initialise as torchvision does (Kaiming-normal convolutions, N(0, 0.01) linear layers,
            zero biases); otherwise keep the layers' defaults (default True).
        dropout: dropout probability in the classifier (default 0.5).

    Shape:
        - Input: ``(N, 3, H, W)`` with ``H, W >= 32``; Output: ``(N, num_classes)``.

    Example::

        >>> net = VGG(make_layers([8, "M", 512, "M"]), num_classes=3)
        >>> net(ember.randn(1, 3, 16, 16)).shape
        ember.Size([1, 3])
    """

    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        return self.classifier(ember.flatten(self.avgpool(self.features(x)), 1))


def make_layers(cfg, batch_norm=False):
    """The ``features`` of a VGG: 3x3 convolutions (padding 1) with ReLU, and 2x2 max-pools.

    Args:
        cfg: a list of output channel counts, with ``"M"`` where a max-pool goes.
        batch_norm: put a ``BatchNorm2d`` between each convolution and its ReLU (default False).

    Example::

        >>> [type(m).__name__ for m in make_layers([4, "M"], batch_norm=True)]
        ['Conv2d', 'BatchNorm2d', 'ReLU', 'MaxPool2d']
    """
    layers = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        in_channels = v
    return nn.Sequential(*layers)


cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def _vgg(cfg, batch_norm, weights, progress, **kwargs):
    if weights is not None:
        kwargs["init_weights"] = False  # the loaded weights replace them anyway
        if weights.meta["categories"] is not None:
            _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return _load_weights(VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs), weights, progress)


class VGG11_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vgg11` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("vgg11-8a719046.pth", {"crop_size": 224}, (69.02, 88.628), 7.609, 506.84,
                              _REFS + "#alexnet-and-vgg", num_params=132863336, min_size=(32, 32))
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vgg11_bn` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("vgg11_bn-6002323d.pth", {"crop_size": 224}, (70.37, 89.81), 7.609, 506.881,
                              _REFS + "#alexnet-and-vgg", num_params=132868840, min_size=(32, 32))
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vgg13` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("vgg13-19584684.pth", {"crop_size": 224}, (69.928, 89.246), 11.308, 507.545,
                              _REFS + "#alexnet-and-vgg", num_params=133047848, min_size=(32, 32))
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vgg13_bn` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("vgg13_bn-abd245e5.pth", {"crop_size": 224}, (71.586, 90.374), 11.308, 507.59,
                              _REFS + "#alexnet-and-vgg", num_params=133053736, min_size=(32, 32))
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vgg16` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("vgg16-397923af.pth", {"crop_size": 224}, (71.592, 90.382), 15.47, 527.796,
                              _REFS + "#alexnet-and-vgg", num_params=138357544, min_size=(32, 32))
    # the convolutional features only (for SSD); the classifier is not trained, hence no categories or accuracy
    IMAGENET1K_FEATURES = _imagenet("vgg16_features-amdegroot-88682ab5.pth",
                                    {"crop_size": 224, "mean": (0.48235, 0.45882, 0.40784),
                                     "std": (1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0)}, (float("nan"), float("nan")),
                                    15.47, 527.802, "https://github.com/amdegroot/ssd.pytorch#training-ssd",
                                    num_params=138357544, min_size=(32, 32), categories=None)
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vgg16_bn` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("vgg16_bn-6c64b313.pth", {"crop_size": 224}, (73.36, 91.516), 15.47, 527.866,
                              _REFS + "#alexnet-and-vgg", num_params=138365992, min_size=(32, 32))
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vgg19` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("vgg19-dcbb9e9d.pth", {"crop_size": 224}, (72.376, 90.876), 19.632, 548.051,
                              _REFS + "#alexnet-and-vgg", num_params=143667240, min_size=(32, 32))
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vgg19_bn` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("vgg19_bn-c79401a0.pth", {"crop_size": 224}, (74.218, 91.842), 19.632, 548.143,
                              _REFS + "#alexnet-and-vgg", num_params=143678248, min_size=(32, 32))
    DEFAULT = IMAGENET1K_V1


@_builder('VGG-11 (configuration "A" of Simonyan & Zisserman 2014).', VGG11_Weights, "VGG")
def vgg11(*, weights: VGG11_Weights | None = None, progress=True, **kwargs):
    weights = VGG11_Weights.verify(weights)
    return _vgg("A", False, weights, progress, **kwargs)


@_builder("VGG-11 with batch normalisation.", VGG11_BN_Weights, "VGG")
def vgg11_bn(*, weights: VGG11_BN_Weights | None = None, progress=True, **kwargs):
    weights = VGG11_BN_Weights.verify(weights)
    return _vgg("A", True, weights, progress, **kwargs)


@_builder('VGG-13 (configuration "B").', VGG13_Weights, "VGG")
def vgg13(*, weights: VGG13_Weights | None = None, progress=True, **kwargs):
    weights = VGG13_Weights.verify(weights)
    return _vgg("B", False, weights, progress, **kwargs)


@_builder("VGG-13 with batch normalisation.", VGG13_BN_Weights, "VGG")
def vgg13_bn(*, weights: VGG13_BN_Weights | None = None, progress=True, **kwargs):
    weights = VGG13_BN_Weights.verify(weights)
    return _vgg("B", True, weights, progress, **kwargs)


@_builder('VGG-16 (configuration "D").', VGG16_Weights, "VGG")
def vgg16(*, weights: VGG16_Weights | None = None, progress=True, **kwargs):
    weights = VGG16_Weights.verify(weights)
    return _vgg("D", False, weights, progress, **kwargs)


@_builder("VGG-16 with batch normalisation.", VGG16_BN_Weights, "VGG")
def vgg16_bn(*, weights: VGG16_BN_Weights | None = None, progress=True, **kwargs):
    weights = VGG16_BN_Weights.verify(weights)
    return _vgg("D", True, weights, progress, **kwargs)


@_builder('VGG-19 (configuration "E").', VGG19_Weights, "VGG")
def vgg19(*, weights: VGG19_Weights | None = None, progress=True, **kwargs):
    weights = VGG19_Weights.verify(weights)
    return _vgg("E", False, weights, progress, **kwargs)


@_builder("VGG-19 with batch normalisation.", VGG19_BN_Weights, "VGG")
def vgg19_bn(*, weights: VGG19_BN_Weights | None = None, progress=True, **kwargs):
    weights = VGG19_BN_Weights.verify(weights)
    return _vgg("E", True, weights, progress, **kwargs)
