"""ResNet, ResNeXt and Wide ResNet image classifiers (mirrors ``torchvision.models.resnet``).

The module names and nesting follow torchvision's, so state_dicts are interchangeable.

Example::

    >>> from ember.vision.models import resnet18
    >>> net = resnet18(num_classes=10)
    >>> net(ember.randn(2, 3, 64, 64)).shape
    ember.Size([2, 10])
"""

import ember
import ember.nn as nn
from ember.vision.models._api import (_ISSUE_3995, _PR, _REFS, WeightsEnum, _builder, _imagenet, _load_weights,
                                      _ovewrite_named_param)

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights",
           "ResNet101_Weights", "ResNet152_Weights", "ResNeXt50_32X4D_Weights", "ResNeXt101_32X8D_Weights",
           "ResNeXt101_64X4D_Weights", "Wide_ResNet50_2_Weights", "Wide_ResNet101_2_Weights", "resnet18", "resnet34",
           "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
           "wide_resnet50_2", "wide_resnet101_2"]


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """A bias-free 3x3 ``Conv2d`` whose padding equals its dilation (spatial size kept at stride 1)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups,
                     bias=False, dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    """A bias-free 1x1 ``Conv2d``."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """The two-convolution residual block of ResNet-18/34: ``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut)``.

    Args:
        inplanes: input channels.
        planes: output channels (``expansion`` is 1).
        stride: stride of ``conv1`` (default 1).
        downsample: module applied to ``x`` for the shortcut when shapes change (default ``None``: identity).
        groups, base_width: must be 1 and 64 (they exist for a common signature with :class:`Bottleneck`).
        dilation: must be 1.
        norm_layer: normalisation class (default ``nn.BatchNorm2d``).

    Shape:
        - Input: ``(N, inplanes, H, W)``; Output: ``(N, planes, H / stride, W / stride)``.

    Example::

        >>> BasicBlock(8, 8)(ember.randn(1, 8, 6, 6)).shape
        ember.Size([1, 8, 6, 6])
    """

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)  # after the main path, as torchvision
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """The 1x1 -> 3x3 -> 1x1 residual block of ResNet-50 and deeper, with the stride on the 3x3 (ResNet v1.5).

    The inner width is ``int(planes * base_width / 64) * groups`` and the output has ``planes * 4`` channels.

    Args:
        inplanes: input channels.
        planes: base width; the block outputs ``planes * expansion`` (``expansion`` is 4).
        stride: stride of ``conv2`` (default 1).
        downsample: module applied to ``x`` for the shortcut when shapes change (default ``None``: identity).
        groups: groups of ``conv2`` (ResNeXt cardinality, default 1).
        base_width: width per group (default 64).
        dilation: dilation of ``conv2`` (default 1).
        norm_layer: normalisation class (default ``nn.BatchNorm2d``).

    Shape:
        - Input: ``(N, inplanes, H, W)``; Output: ``(N, 4 * planes, H / stride, W / stride)``.

    Example::

        >>> Bottleneck(32, 8)(ember.randn(1, 32, 6, 6)).shape
        ember.Size([1, 32, 6, 6])
    """

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)  # (hooks see torchvision's call order)
        return self.relu(out + identity)


class ResNet(nn.Module):
    """A residual network: a 7x7 stem, four stages of residual blocks, global average pooling and a linear head.

    Args:
        block: the block class (:class:`BasicBlock` or :class:`Bottleneck`).
        layers: number of blocks in each of the four stages.
        num_classes: outputs of the final ``fc`` layer (default 1000).
        zero_init_residual: start the last norm layer of every block at weight 0, so that each residual branch
            begins as the identity (default False).
        groups: groups of the 3x3 convolutions in bottlenecks (default 1).
        width_per_group: width of each group in bottlenecks (default 64).
        replace_stride_with_dilation: three booleans; True for a stage (2, 3 or 4) keeps the resolution there and
            dilates its convolutions instead of striding (default ``None``: all False).
        norm_layer: normalisation class (default ``nn.BatchNorm2d``).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: ``(N, num_classes)``.

    Example::

        >>> net = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=5)
        >>> net(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 5])
    """

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1, width_per_group=64,
                 replace_stride_with_dilation=None, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None or a 3-element tuple, "
                             f"got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:  # each block then starts as the identity
            for m in self.modules():
                last = m.bn3 if isinstance(m, Bottleneck) else m.bn2 if isinstance(m, BasicBlock) else None
                if last is not None and last.weight is not None:
                    nn.init.constant_(last.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation,
                        norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def _forward_impl(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(ember.flatten(self.avgpool(x), 1))

    def forward(self, x):
        return self._forward_impl(x)


def _resnet(block, layers, weights, progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return _load_weights(ResNet(block, layers, **kwargs), weights, progress)


class ResNet18_Weights(WeightsEnum):
    """Pre-trained weights of :func:`resnet18` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("resnet18-f37072fd.pth", {"crop_size": 224}, (69.758, 89.078), 1.814, 44.661,
                              _REFS + "#resnet", num_params=11689512)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    """Pre-trained weights of :func:`resnet34` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("resnet34-b627a593.pth", {"crop_size": 224}, (73.314, 91.42), 3.664, 83.275,
                              _REFS + "#resnet", num_params=21797672)
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    """Pre-trained weights of :func:`resnet50` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _imagenet("resnet50-0676ba61.pth", {"crop_size": 224}, (76.13, 92.862), 4.089, 97.781,
                              _REFS + "#resnet", num_params=25557032)
    IMAGENET1K_V2 = _imagenet("resnet50-11ad3fa6.pth", {"crop_size": 224, "resize_size": 232}, (80.858, 95.434), 4.089,
                              97.79, _ISSUE_3995 + "#issuecomment-1013906621", num_params=25557032)
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    """Pre-trained weights of :func:`resnet101` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _imagenet("resnet101-63fe2227.pth", {"crop_size": 224}, (77.374, 93.546), 7.801, 170.511,
                              _REFS + "#resnet", num_params=44549160)
    IMAGENET1K_V2 = _imagenet("resnet101-cd907fc2.pth", {"crop_size": 224, "resize_size": 232}, (81.886, 95.78), 7.801,
                              170.53, _ISSUE_3995 + "#new-recipe", num_params=44549160)
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):
    """Pre-trained weights of :func:`resnet152` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _imagenet("resnet152-394f9c45.pth", {"crop_size": 224}, (78.312, 94.046), 11.514, 230.434,
                              _REFS + "#resnet", num_params=60192808)
    IMAGENET1K_V2 = _imagenet("resnet152-f82ba261.pth", {"crop_size": 224, "resize_size": 232}, (82.284, 96.002),
                              11.514, 230.474, _ISSUE_3995 + "#new-recipe", num_params=60192808)
    DEFAULT = IMAGENET1K_V2


class ResNeXt50_32X4D_Weights(WeightsEnum):
    """Pre-trained weights of :func:`resnext50_32x4d` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _imagenet("resnext50_32x4d-7cdf4587.pth", {"crop_size": 224}, (77.618, 93.698), 4.23, 95.789,
                              _REFS + "#resnext", num_params=25028904)
    IMAGENET1K_V2 = _imagenet("resnext50_32x4d-1a0047aa.pth", {"crop_size": 224, "resize_size": 232}, (81.198, 95.34),
                              4.23, 95.833, _ISSUE_3995 + "#new-recipe", num_params=25028904)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_32X8D_Weights(WeightsEnum):
    """Pre-trained weights of :func:`resnext101_32x8d` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _imagenet("resnext101_32x8d-8ba56ff5.pth", {"crop_size": 224}, (79.312, 94.526), 16.414, 339.586,
                              _REFS + "#resnext", num_params=88791336)
    IMAGENET1K_V2 = _imagenet("resnext101_32x8d-110c445d.pth", {"crop_size": 224, "resize_size": 232},
                              (82.834, 96.228), 16.414, 339.673, _ISSUE_3995 + "#new-recipe-with-fixres",
                              num_params=88791336)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_64X4D_Weights(WeightsEnum):
    """Pre-trained weights of :func:`resnext101_64x4d` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("resnext101_64x4d-173b62eb.pth", {"crop_size": 224, "resize_size": 232},
                              (83.246, 96.454), 15.46, 319.318, _PR + "5935", num_params=83455272)
    DEFAULT = IMAGENET1K_V1


class Wide_ResNet50_2_Weights(WeightsEnum):
    """Pre-trained weights of :func:`wide_resnet50_2` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _imagenet("wide_resnet50_2-95faca4d.pth", {"crop_size": 224}, (78.468, 94.086), 11.398, 131.82,
                              _PR + "912#issue-445437439", num_params=68883240)
    IMAGENET1K_V2 = _imagenet("wide_resnet50_2-9ba9bcbe.pth", {"crop_size": 224, "resize_size": 232}, (81.602, 95.758),
                              11.398, 263.124, _ISSUE_3995 + "#new-recipe-with-fixres", num_params=68883240)
    DEFAULT = IMAGENET1K_V2


class Wide_ResNet101_2_Weights(WeightsEnum):
    """Pre-trained weights of :func:`wide_resnet101_2` (``DEFAULT`` is ``IMAGENET1K_V2``)."""

    IMAGENET1K_V1 = _imagenet("wide_resnet101_2-32ee1156.pth", {"crop_size": 224}, (78.848, 94.284), 22.753, 242.896,
                              _PR + "912#issue-445437439", num_params=126886696)
    IMAGENET1K_V2 = _imagenet("wide_resnet101_2-d733dc28.pth", {"crop_size": 224, "resize_size": 232}, (82.51, 96.02),
                              22.753, 484.747, _ISSUE_3995 + "#new-recipe", num_params=126886696)
    DEFAULT = IMAGENET1K_V2


@_builder("ResNet-18 (He et al. 2015): basic blocks ``[2, 2, 2, 2]``.", ResNet18_Weights, "ResNet")
def resnet18(*, weights: ResNet18_Weights | None = None, progress=True, **kwargs):
    weights = ResNet18_Weights.verify(weights)
    return _resnet(BasicBlock, [2, 2, 2, 2], weights, progress, **kwargs)


@_builder("ResNet-34: basic blocks ``[3, 4, 6, 3]``.", ResNet34_Weights, "ResNet")
def resnet34(*, weights: ResNet34_Weights | None = None, progress=True, **kwargs):
    weights = ResNet34_Weights.verify(weights)
    return _resnet(BasicBlock, [3, 4, 6, 3], weights, progress, **kwargs)


@_builder("ResNet-50: bottlenecks ``[3, 4, 6, 3]``.", ResNet50_Weights, "ResNet")
def resnet50(*, weights: ResNet50_Weights | None = None, progress=True, **kwargs):
    weights = ResNet50_Weights.verify(weights)
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, progress, **kwargs)


@_builder("ResNet-101: bottlenecks ``[3, 4, 23, 3]``.", ResNet101_Weights, "ResNet")
def resnet101(*, weights: ResNet101_Weights | None = None, progress=True, **kwargs):
    weights = ResNet101_Weights.verify(weights)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)


@_builder("ResNet-152: bottlenecks ``[3, 8, 36, 3]``.", ResNet152_Weights, "ResNet")
def resnet152(*, weights: ResNet152_Weights | None = None, progress=True, **kwargs):
    weights = ResNet152_Weights.verify(weights)
    return _resnet(Bottleneck, [3, 8, 36, 3], weights, progress, **kwargs)


@_builder("ResNeXt-50 32x4d (Xie et al. 2016): ResNet-50 with 32 groups of width 4.", ResNeXt50_32X4D_Weights, "ResNet")
def resnext50_32x4d(*, weights: ResNeXt50_32X4D_Weights | None = None, progress=True, **kwargs):
    weights = ResNeXt50_32X4D_Weights.verify(weights)
    _ovewrite_named_param(kwargs, "groups", 32)
    _ovewrite_named_param(kwargs, "width_per_group", 4)
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, progress, **kwargs)


@_builder("ResNeXt-101 32x8d: ResNet-101 with 32 groups of width 8.", ResNeXt101_32X8D_Weights, "ResNet")
def resnext101_32x8d(*, weights: ResNeXt101_32X8D_Weights | None = None, progress=True, **kwargs):
    weights = ResNeXt101_32X8D_Weights.verify(weights)
    _ovewrite_named_param(kwargs, "groups", 32)
    _ovewrite_named_param(kwargs, "width_per_group", 8)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)


@_builder("ResNeXt-101 64x4d: ResNet-101 with 64 groups of width 4.", ResNeXt101_64X4D_Weights, "ResNet")
def resnext101_64x4d(*, weights: ResNeXt101_64X4D_Weights | None = None, progress=True, **kwargs):
    weights = ResNeXt101_64X4D_Weights.verify(weights)
    _ovewrite_named_param(kwargs, "groups", 64)
    _ovewrite_named_param(kwargs, "width_per_group", 4)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)


@_builder("Wide ResNet-50-2 (Zagoruyko & Komodakis 2016): ResNet-50 with bottlenecks twice as wide.",
             Wide_ResNet50_2_Weights, "ResNet")
def wide_resnet50_2(*, weights: Wide_ResNet50_2_Weights | None = None, progress=True, **kwargs):
    weights = Wide_ResNet50_2_Weights.verify(weights)
    _ovewrite_named_param(kwargs, "width_per_group", 64 * 2)
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, progress, **kwargs)


@_builder("Wide ResNet-101-2: ResNet-101 with bottlenecks twice as wide.", Wide_ResNet101_2_Weights, "ResNet")
def wide_resnet101_2(*, weights: Wide_ResNet101_2_Weights | None = None, progress=True, **kwargs):
    weights = Wide_ResNet101_2_Weights.verify(weights)
    _ovewrite_named_param(kwargs, "width_per_group", 64 * 2)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)
