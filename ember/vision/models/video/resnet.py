"""Video ResNets: R3D, MC3 and R(2+1)D (mirrors ``torchvision.models.video.resnet``).

3D-convolutional residual networks for clips of shape ``(N, C, T, H, W)`` (Tran et al. 2018). The variants differ in
the convolution of each block: full 3D (R3D), 3D in the first stage and spatial-only afterwards (MC3), or a spatial
convolution followed by a temporal one (R(2+1)D). Module names follow torchvision's, so state_dicts load either way.

Example::

    >>> from ember.vision.models.video import r3d_18
    >>> net = r3d_18(num_classes=5)
    >>> net(ember.randn(1, 3, 4, 32, 32)).shape
    ember.Size([1, 5])
"""

import functools

import ember.nn as nn
from ember.vision.models._api import _BASE_URL, Weights, WeightsEnum, _builder, _load_weights, _ovewrite_named_param
from ember.vision.models._meta import _KINETICS400_CATEGORIES
from ember.vision.models._presets import VideoClassification

__all__ = ["VideoResNet", "R3D_18_Weights", "MC3_18_Weights", "R2Plus1D_18_Weights", "r3d_18", "mc3_18",
           "r2plus1d_18"]


_VIDEO_REFS = "https://github.com/pytorch/vision/tree/main/references/video_classification"


def _kinetics(file, transforms, accuracy, ops, file_size, recipe, *, num_params, min_size=(1, 1), **meta):
    """The :class:`Weights` of a Kinetics-400 video classifier.

    Args:
        file: the file name under ``download.pytorch.org/models/``.
        transforms: keywords of :class:`VideoClassification` (``crop_size``, ``resize_size`` ...).
        accuracy: ``(top-1, top-5)`` Kinetics-400 accuracy in percent.
        ops: GFLOPS of one forward pass.
        file_size: size of the file in MB.
        recipe: where the training recipe (or the original weights) is described.
        num_params: number of parameters.
        min_size: smallest ``(H, W)`` input the model accepts.
        **meta: further facts (``min_temporal_size`` ...).
    """
    meta = {"categories": _KINETICS400_CATEGORIES, "min_size": min_size, **meta, "num_params": num_params,
            "recipe": recipe, "_metrics": {"Kinetics-400": {"acc@1": accuracy[0], "acc@5": accuracy[1]}},
            "_ops": ops, "_file_size": file_size}
    return Weights(url=_BASE_URL + file,
                   transforms=functools.partial(VideoClassification, **transforms), meta=meta)


class Conv3DSimple(nn.Conv3d):
    """A bias-free full 3x3x3 ``Conv3d`` (the R3D convolution); ``midplanes`` is unused.

    Args:
        in_planes, out_planes: channels.
        midplanes: ignored (kept for a common signature with :class:`Conv2Plus1D`).
        stride: stride along time, height and width (default 1).
        padding: padding along time, height and width (default 1).

    Shape:
        - Input: ``(N, in_planes, T, H, W)``; Output: ``(N, out_planes, T / stride, H / stride, W / stride)``.

    Example::

        >>> Conv3DSimple(3, 4)(ember.randn(1, 3, 2, 5, 5)).shape
        ember.Size([1, 4, 2, 5, 5])
    """

    def __init__(self, in_planes, out_planes, midplanes=None, stride=1, padding=1):
        super().__init__(in_channels=in_planes, out_channels=out_planes, kernel_size=(3, 3, 3), stride=stride,
                         padding=padding, bias=False)

    @staticmethod
    def get_downsample_stride(stride):
        """The stride of the shortcut's 1x1x1 convolution matching this convolution's output size."""
        return stride, stride, stride


class Conv2Plus1D(nn.Sequential):
    """A (2+1)D convolution: a bias-free 1x3x3 spatial ``Conv3d`` to ``midplanes`` channels, batch norm, ReLU, then a
    bias-free 3x1x1 temporal ``Conv3d``.

    Args:
        in_planes, out_planes: channels.
        midplanes: channels between the two convolutions.
        stride: stride of the spatial convolution in ``H, W`` and of the temporal one in ``T`` (default 1).
        padding: padding, likewise (default 1).

    Shape:
        - Input: ``(N, in_planes, T, H, W)``; Output: ``(N, out_planes, T / stride, H / stride, W / stride)``.

    Example::

        >>> Conv2Plus1D(3, 4, 6, stride=2)(ember.randn(1, 3, 4, 6, 6)).shape
        ember.Size([1, 4, 2, 3, 3])
    """

    def __init__(self, in_planes, out_planes, midplanes, stride=1, padding=1):
        super().__init__(
            nn.Conv3d(in_planes, midplanes, kernel_size=(1, 3, 3), stride=(1, stride, stride),
                      padding=(0, padding, padding), bias=False),
            nn.BatchNorm3d(midplanes),
            nn.ReLU(inplace=True),
            nn.Conv3d(midplanes, out_planes, kernel_size=(3, 1, 1), stride=(stride, 1, 1), padding=(padding, 0, 0),
                      bias=False))

    @staticmethod
    def get_downsample_stride(stride):
        """The stride of the shortcut's 1x1x1 convolution matching this convolution's output size."""
        return stride, stride, stride


class Conv3DNoTemporal(nn.Conv3d):
    """A bias-free 1x3x3 ``Conv3d``: spatial only, the time axis untouched (the MC3 convolution after its first
    stage); ``midplanes`` is unused.

    Args:
        in_planes, out_planes: channels.
        midplanes: ignored (kept for a common signature with :class:`Conv2Plus1D`).
        stride: spatial stride (default 1).
        padding: spatial padding (default 1).

    Shape:
        - Input: ``(N, in_planes, T, H, W)``; Output: ``(N, out_planes, T, H / stride, W / stride)``.

    Example::

        >>> Conv3DNoTemporal(3, 4, stride=2)(ember.randn(1, 3, 2, 6, 6)).shape
        ember.Size([1, 4, 2, 3, 3])
    """

    def __init__(self, in_planes, out_planes, midplanes=None, stride=1, padding=1):
        super().__init__(in_channels=in_planes, out_channels=out_planes, kernel_size=(1, 3, 3),
                         stride=(1, stride, stride), padding=(0, padding, padding), bias=False)

    @staticmethod
    def get_downsample_stride(stride):
        """The stride of the shortcut's 1x1x1 convolution matching this convolution's output size."""
        return 1, stride, stride


def _midplanes(inplanes, planes):
    # (2+1)D width: the two factorised convolutions hold as many weights as one 3x3x3 convolution would
    return (inplanes * planes * 3 * 3 * 3) // (inplanes * 3 * 3 + 3 * planes)


class BasicBlock(nn.Module):
    """The two-convolution residual block of the 18-layer video ResNets:
    ``relu(conv2(conv1(x)) + shortcut(x))``, each ``conv`` a ``(conv_builder, BatchNorm3d[, ReLU])`` sequence.

    Args:
        inplanes: input channels.
        planes: output channels (``expansion`` is 1).
        conv_builder: the convolution class (:class:`Conv3DSimple`, :class:`Conv3DNoTemporal` or
            :class:`Conv2Plus1D`), called as ``conv_builder(in, out, midplanes, stride)``.
        stride: stride of the first convolution (default 1).
        downsample: module applied to ``x`` for the shortcut when shapes change (default ``None``: identity).

    Shape:
        - Input: ``(N, inplanes, T, H, W)``; Output: ``(N, planes, T', H / stride, W / stride)``.

    Example::

        >>> BasicBlock(4, 4, Conv3DSimple)(ember.randn(1, 4, 2, 5, 5)).shape
        ember.Size([1, 4, 2, 5, 5])
    """

    expansion = 1

    def __init__(self, inplanes, planes, conv_builder, stride=1, downsample=None):
        super().__init__()
        midplanes = _midplanes(inplanes, planes)
        self.conv1 = nn.Sequential(conv_builder(inplanes, planes, midplanes, stride), nn.BatchNorm3d(planes),
                                   nn.ReLU(inplace=True))
        self.conv2 = nn.Sequential(conv_builder(planes, planes, midplanes), nn.BatchNorm3d(planes))
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        residual = x if self.downsample is None else self.downsample(x)
        return self.relu(self.conv2(self.conv1(x)) + residual)


class Bottleneck(nn.Module):
    """The 1x1x1 -> ``conv_builder`` -> 1x1x1 residual block (``expansion`` 4), the stride on the middle
    convolution; each stage is a ``(conv, BatchNorm3d[, ReLU])`` sequence.

    Args:
        inplanes: input channels.
        planes: inner width; the block outputs ``planes * 4`` channels.
        conv_builder: the middle convolution's class, called as ``conv_builder(planes, planes, midplanes, stride)``.
        stride: stride of the middle convolution (default 1).
        downsample: module applied to ``x`` for the shortcut when shapes change (default ``None``: identity).

    Shape:
        - Input: ``(N, inplanes, T, H, W)``; Output: ``(N, 4 * planes, T', H / stride, W / stride)``.

    Example::

        >>> Bottleneck(16, 4, Conv3DSimple)(ember.randn(1, 16, 2, 5, 5)).shape
        ember.Size([1, 16, 2, 5, 5])
    """

    expansion = 4

    def __init__(self, inplanes, planes, conv_builder, stride=1, downsample=None):
        super().__init__()
        midplanes = _midplanes(inplanes, planes)
        self.conv1 = nn.Sequential(nn.Conv3d(inplanes, planes, kernel_size=1, bias=False), nn.BatchNorm3d(planes),
                                   nn.ReLU(inplace=True))
        self.conv2 = nn.Sequential(conv_builder(planes, planes, midplanes, stride), nn.BatchNorm3d(planes),
                                   nn.ReLU(inplace=True))
        self.conv3 = nn.Sequential(nn.Conv3d(planes, planes * self.expansion, kernel_size=1, bias=False),
                                   nn.BatchNorm3d(planes * self.expansion))
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        residual = x if self.downsample is None else self.downsample(x)
        return self.relu(self.conv3(self.conv2(self.conv1(x))) + residual)


class BasicStem(nn.Sequential):
    """The R3D/MC3 stem: a bias-free 3x7x7 ``Conv3d`` (3 -> 64 channels, spatial stride 2), batch norm, ReLU.

    Shape:
        - Input: ``(N, 3, T, H, W)``; Output: ``(N, 64, T, H / 2, W / 2)``.

    Example::

        >>> BasicStem()(ember.randn(1, 3, 2, 8, 8)).shape
        ember.Size([1, 64, 2, 4, 4])
    """

    def __init__(self):
        super().__init__(
            nn.Conv3d(3, 64, kernel_size=(3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3), bias=False),
            nn.BatchNorm3d(64),
            nn.ReLU(inplace=True))


class R2Plus1dStem(nn.Sequential):
    """The R(2+1)D stem: a 1x7x7 spatial ``Conv3d`` to 45 channels (stride 2), then a 3x1x1 temporal one to 64,
    each followed by batch norm and ReLU.

    Shape:
        - Input: ``(N, 3, T, H, W)``; Output: ``(N, 64, T, H / 2, W / 2)``.

    Example::

        >>> R2Plus1dStem()(ember.randn(1, 3, 2, 8, 8)).shape
        ember.Size([1, 64, 2, 4, 4])
    """

    def __init__(self):
        super().__init__(
            nn.Conv3d(3, 45, kernel_size=(1, 7, 7), stride=(1, 2, 2), padding=(0, 3, 3), bias=False),
            nn.BatchNorm3d(45),
            nn.ReLU(inplace=True),
            nn.Conv3d(45, 64, kernel_size=(3, 1, 1), stride=(1, 1, 1), padding=(1, 0, 0), bias=False),
            nn.BatchNorm3d(64),
            nn.ReLU(inplace=True))


class VideoResNet(nn.Module):
    """A video residual network: a stem, four stages of residual blocks (64, 128, 256, 512 base channels; the
    last three downsample by 2), global 3D average pooling and a linear head.

    Args:
        block: the block class (:class:`BasicBlock` or :class:`Bottleneck`).
        conv_makers: four convolution classes, one per stage (:class:`Conv3DSimple`, :class:`Conv3DNoTemporal`
            or :class:`Conv2Plus1D`).
        layers: number of blocks in each stage.
        stem: the stem class (:class:`BasicStem` or :class:`R2Plus1dStem`).
        num_classes: outputs of the final ``fc`` layer (default 400).
        zero_init_residual: start the last norm layer of each residual branch at weight 0 (like torchvision, only
            :class:`Bottleneck` is handled, and it lacks the ``bn3`` attribute this needs, so it raises there;
            :class:`BasicBlock` is left as it is) (default False).

    Shape:
        - Input: ``(N, 3, T, H, W)``; Output: ``(N, num_classes)``.

    Example::

        >>> net = VideoResNet(BasicBlock, [Conv3DSimple] * 4, [1, 1, 1, 1], BasicStem, num_classes=5)
        >>> net(ember.randn(1, 3, 4, 32, 32)).shape
        ember.Size([1, 5])
    """

    def __init__(self, block, conv_makers, layers, stem, num_classes=400, zero_init_residual=False):
        super().__init__()
        self.inplanes = 64
        self.stem = stem()
        self.layer1 = self._make_layer(block, conv_makers[0], 64, layers[0], stride=1)
        self.layer2 = self._make_layer(block, conv_makers[1], 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, conv_makers[2], 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, conv_makers[3], 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.BatchNorm3d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    nn.init.constant_(m.bn3.weight, 0)  # raises AttributeError, as torchvision does

    def _make_layer(self, block, conv_builder, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            ds_stride = conv_builder.get_downsample_stride(stride)
            downsample = nn.Sequential(
                nn.Conv3d(self.inplanes, planes * block.expansion, kernel_size=1, stride=ds_stride, bias=False),
                nn.BatchNorm3d(planes * block.expansion))
        layers = [block(self.inplanes, planes, conv_builder, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes, conv_builder) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.stem(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


def _video_resnet(block, conv_makers, layers, stem, weights, progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return _load_weights(VideoResNet(block, conv_makers, layers, stem, **kwargs), weights, progress)


def _resnet_weights(file, accuracy, ops, file_size, num_params):
    return _kinetics(file, {"crop_size": (112, 112), "resize_size": (128, 171)}, accuracy, ops, file_size,
                     _VIDEO_REFS, num_params=num_params)


class R3D_18_Weights(WeightsEnum):
    """Pre-trained weights of :func:`r3d_18` (``DEFAULT`` is ``KINETICS400_V1``)."""

    KINETICS400_V1 = _resnet_weights("r3d_18-b3b3357e.pth", (63.2, 83.479), 40.697, 127.359, 33371472)
    DEFAULT = KINETICS400_V1


class MC3_18_Weights(WeightsEnum):
    """Pre-trained weights of :func:`mc3_18` (``DEFAULT`` is ``KINETICS400_V1``)."""

    KINETICS400_V1 = _resnet_weights("mc3_18-a90a0ba3.pth", (63.96, 84.13), 43.343, 44.672, 11695440)
    DEFAULT = KINETICS400_V1


class R2Plus1D_18_Weights(WeightsEnum):
    """Pre-trained weights of :func:`r2plus1d_18` (``DEFAULT`` is ``KINETICS400_V1``)."""

    KINETICS400_V1 = _resnet_weights("r2plus1d_18-91a641e6.pth", (67.463, 86.175), 40.519, 120.318, 31505325)
    DEFAULT = KINETICS400_V1


@_builder("R3D-18: an 18-layer ResNet of full 3D convolutions (Tran et al. 2018).", R3D_18_Weights, "VideoResNet")
def r3d_18(*, weights: R3D_18_Weights | None = None, progress=True, **kwargs):
    weights = R3D_18_Weights.verify(weights)
    return _video_resnet(BasicBlock, [Conv3DSimple] * 4, [2, 2, 2, 2], BasicStem, weights, progress, **kwargs)


@_builder("MC3-18: 3D convolutions in the first stage, spatial-only ones after it (Tran et al. 2018).",
          MC3_18_Weights, "VideoResNet")
def mc3_18(*, weights: MC3_18_Weights | None = None, progress=True, **kwargs):
    weights = MC3_18_Weights.verify(weights)
    return _video_resnet(BasicBlock, [Conv3DSimple] + [Conv3DNoTemporal] * 3, [2, 2, 2, 2], BasicStem, weights,
                         progress, **kwargs)


@_builder("R(2+1)D-18: each 3D convolution factorised into a spatial and a temporal one (Tran et al. 2018).",
          R2Plus1D_18_Weights, "VideoResNet")
def r2plus1d_18(*, weights: R2Plus1D_18_Weights | None = None, progress=True, **kwargs):
    weights = R2Plus1D_18_Weights.verify(weights)
    return _video_resnet(BasicBlock, [Conv2Plus1D] * 4, [2, 2, 2, 2], R2Plus1dStem, weights, progress, **kwargs)
