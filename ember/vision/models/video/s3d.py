"""S3D, separable 3D Inception (mirrors ``torchvision.models.video.s3d``).

An Inception-v1 network whose 3D convolutions are split into a spatial and a temporal one (Xie et al. 2018).

Example::

    >>> from ember.vision.models.video import S3D
    >>> net = S3D(num_classes=5).eval()
    >>> net.avgpool = ember.nn.AdaptiveAvgPool3d(1)  # the default pooling needs clips of 14 x 224 x 224 or more
    >>> net(ember.randn(1, 3, 8, 32, 32)).shape
    ember.Size([1, 5])
"""

from functools import partial

import ember
import ember.nn as nn
from ember.vision.models._api import WeightsEnum, _builder, _load_weights, _ovewrite_named_param
from ember.vision.models.video.resnet import _VIDEO_REFS, _kinetics
from ember.vision.ops.misc import Conv3dNormActivation

__all__ = ["S3D", "S3D_Weights", "s3d"]


class TemporalSeparableConv(nn.Sequential):
    """A ``1 x k x k`` spatial then a ``k x 1 x 1`` temporal :class:`~ember.vision.ops.Conv3dNormActivation`
    (bias-free convolutions, each followed by the norm layer and ReLU).

    Args:
        in_planes, out_planes: channels.
        kernel_size: ``k``.
        stride: stride of the spatial convolution in ``H, W`` and of the temporal one in ``T``.
        padding: padding, likewise.
        norm_layer: normalisation class.

    Shape:
        - Input: ``(N, in_planes, T, H, W)``; Output: ``(N, out_planes, T', H', W')``.

    Example::

        >>> TemporalSeparableConv(3, 4, 3, 1, 1, nn.BatchNorm3d)(ember.randn(1, 3, 2, 5, 5)).shape
        ember.Size([1, 4, 2, 5, 5])
    """

    def __init__(self, in_planes, out_planes, kernel_size, stride, padding, norm_layer):
        super().__init__(
            Conv3dNormActivation(in_planes, out_planes, kernel_size=(1, kernel_size, kernel_size),
                                 stride=(1, stride, stride), padding=(0, padding, padding), bias=False,
                                 norm_layer=norm_layer),
            Conv3dNormActivation(out_planes, out_planes, kernel_size=(kernel_size, 1, 1), stride=(stride, 1, 1),
                                 padding=(padding, 0, 0), bias=False, norm_layer=norm_layer))


class SepInceptionBlock3D(nn.Module):
    """An Inception block with separable 3D convolutions: four branches (1x1x1; 1x1x1 then separable 3x3x3, twice;
    3x3x3 max pooling then 1x1x1) concatenated along the channels.

    Args:
        in_planes: input channels.
        b0_out: channels of the 1x1x1 branch.
        b1_mid, b1_out: reduced and output channels of the first separable branch.
        b2_mid, b2_out: likewise for the second.
        b3_out: channels of the pooling branch.
        norm_layer: normalisation class.

    Shape:
        - Input: ``(N, in_planes, T, H, W)``; Output: ``(N, b0_out + b1_out + b2_out + b3_out, T, H, W)``.

    Example::

        >>> SepInceptionBlock3D(8, 2, 2, 3, 2, 3, 4, nn.BatchNorm3d)(ember.randn(1, 8, 2, 4, 4)).shape
        ember.Size([1, 12, 2, 4, 4])
    """

    def __init__(self, in_planes, b0_out, b1_mid, b1_out, b2_mid, b2_out, b3_out, norm_layer):
        super().__init__()
        self.branch0 = Conv3dNormActivation(in_planes, b0_out, kernel_size=1, stride=1, norm_layer=norm_layer)
        self.branch1 = nn.Sequential(
            Conv3dNormActivation(in_planes, b1_mid, kernel_size=1, stride=1, norm_layer=norm_layer),
            TemporalSeparableConv(b1_mid, b1_out, kernel_size=3, stride=1, padding=1, norm_layer=norm_layer))
        self.branch2 = nn.Sequential(
            Conv3dNormActivation(in_planes, b2_mid, kernel_size=1, stride=1, norm_layer=norm_layer),
            TemporalSeparableConv(b2_mid, b2_out, kernel_size=3, stride=1, padding=1, norm_layer=norm_layer))
        self.branch3 = nn.Sequential(
            nn.MaxPool3d(kernel_size=(3, 3, 3), stride=1, padding=1),
            Conv3dNormActivation(in_planes, b3_out, kernel_size=1, stride=1, norm_layer=norm_layer))

    def forward(self, x):
        return ember.cat([self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)], 1)


# SepInceptionBlock3D arguments after in_planes (b0_out, b1_mid, b1_out, b2_mid, b2_out, b3_out), Inception-v1's
_MIXED = {"3b": (64, 96, 128, 16, 32, 32), "3c": (128, 128, 192, 32, 96, 64), "4b": (192, 96, 208, 16, 48, 64),
          "4c": (160, 112, 224, 24, 64, 64), "4d": (128, 128, 256, 24, 64, 64), "4e": (112, 144, 288, 32, 64, 64),
          "4f": (256, 160, 320, 32, 128, 128), "5b": (256, 160, 320, 32, 128, 128),
          "5c": (384, 192, 384, 48, 128, 128)}


class S3D(nn.Module):
    """S3D (Xie et al. 2018): a separable-convolution stem, nine separable Inception blocks with max pooling
    between the stages, ``(2, 7, 7)`` average pooling, dropout and a 1x1x1 convolution as classifier, whose
    outputs are averaged over the remaining positions.

    Args:
        num_classes: number of outputs (default 400).
        dropout: dropout probability before the classifier (default 0.2).
        norm_layer: normalisation class (default ``BatchNorm3d`` with ``eps=0.001, momentum=0.001``).

    Shape:
        - Input: ``(N, 3, T, H, W)`` with ``T >= 14`` and ``H, W >= 224`` (for the default pooling); Output:
          ``(N, num_classes)``.

    Example::

        >>> net = S3D(num_classes=5)
        >>> [type(m).__name__ for m in net.features[:3]]
        ['TemporalSeparableConv', 'MaxPool3d', 'Conv3dNormActivation']
    """

    def __init__(self, num_classes=400, dropout=0.2, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = partial(nn.BatchNorm3d, eps=0.001, momentum=0.001)

        def mixed(in_planes, name):
            return SepInceptionBlock3D(in_planes, *_MIXED[name], norm_layer)

        self.features = nn.Sequential(
            TemporalSeparableConv(3, 64, 7, 2, 3, norm_layer),
            nn.MaxPool3d(kernel_size=(1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1)),
            Conv3dNormActivation(64, 64, kernel_size=1, stride=1, norm_layer=norm_layer),
            TemporalSeparableConv(64, 192, 3, 1, 1, norm_layer),
            nn.MaxPool3d(kernel_size=(1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1)),
            mixed(192, "3b"), mixed(256, "3c"),
            nn.MaxPool3d(kernel_size=(3, 3, 3), stride=(2, 2, 2), padding=(1, 1, 1)),
            mixed(480, "4b"), mixed(512, "4c"), mixed(512, "4d"), mixed(512, "4e"), mixed(528, "4f"),
            nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, 0)),
            mixed(832, "5b"), mixed(832, "5c"))
        self.avgpool = nn.AvgPool3d(kernel_size=(2, 7, 7), stride=1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout),
                                        nn.Conv3d(1024, num_classes, kernel_size=1, stride=1, bias=True))

    def forward(self, x):
        x = self.classifier(self.avgpool(self.features(x)))
        return ember.mean(x, dim=(2, 3, 4))


class S3D_Weights(WeightsEnum):
    """Pre-trained weights of :func:`s3d` (``DEFAULT`` is ``KINETICS400_V1``)."""

    KINETICS400_V1 = _kinetics("s3d-d76dad2f.pth", {"crop_size": (224, 224), "resize_size": (256, 256)},
                               (68.368, 88.05), 17.979, 31.972, _VIDEO_REFS + "#s3d", num_params=8320048,
                               min_size=(224, 224), min_temporal_size=14)
    DEFAULT = KINETICS400_V1


@_builder("S3D: Inception with separable 3D convolutions (Xie et al. 2018).", S3D_Weights, "S3D")
def s3d(*, weights: S3D_Weights | None = None, progress=True, **kwargs):
    weights = S3D_Weights.verify(weights)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return _load_weights(S3D(**kwargs), weights, progress)
