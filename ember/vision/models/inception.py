"""Inception v3 (mirrors ``torchvision.models.inception``).

The module names and nesting follow torchvision's, so state_dicts are interchangeable. In training mode with
``aux_logits`` the model returns an :class:`InceptionOutputs` named tuple (main and auxiliary logits); otherwise
the plain logits. Inputs must be at least 75x75 (299x299 in training with the auxiliary head).

Example::

    >>> from ember.vision.models import inception_v3
    >>> net = inception_v3(num_classes=10, init_weights=True).eval()
    >>> net(ember.randn(1, 3, 75, 75)).shape
    ember.Size([1, 10])
"""

import warnings
from collections import namedtuple

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import _REFS, WeightsEnum, _builder, _imagenet, _ovewrite_named_param
# (the package loads googlenet first, so this import leaves ``models.googlenet`` the builder)
from ember.vision.models.googlenet import BasicConv2d, _transform_input

# (as ember.vision.models._FAMILIES lists them; ``_InceptionOutputs`` is importable from here too)
__all__ = ["Inception3", "InceptionOutputs", "Inception_V3_Weights", "inception_v3"]

InceptionOutputs = namedtuple("InceptionOutputs", ["logits", "aux_logits"])
InceptionOutputs.__doc__ = """Training-mode result of :class:`Inception3` with the auxiliary classifier: the main
``logits`` and the auxiliary head's ``aux_logits``."""
InceptionOutputs.__annotations__ = {"logits": ember.Tensor, "aux_logits": ember.Tensor | None}
# the older name, kept as torchvision does
_InceptionOutputs = InceptionOutputs


def _conv_block(conv_block):
    return BasicConv2d if conv_block is None else conv_block


class InceptionA(nn.Module):
    """Inception v3's 35x35 block (``Mixed_5b..d``): 1x1, 1x1 -> 5x5, 1x1 -> 3x3 -> 3x3 and 3x3 average pool ->
    1x1 branches, concatenated.

    Args:
        in_channels: input channels.
        pool_features: outputs of the pooling branch.
        conv_block: the convolution block class (default :class:`BasicConv2d`).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, 224 + pool_features, H, W)``.

    Example::

        >>> InceptionA(8, pool_features=4)(ember.randn(1, 8, 5, 5)).shape
        ember.Size([1, 228, 5, 5])
    """

    def __init__(self, in_channels, pool_features, conv_block=None):
        super().__init__()
        conv_block = _conv_block(conv_block)
        self.branch1x1 = conv_block(in_channels, 64, kernel_size=1)
        self.branch5x5_1 = conv_block(in_channels, 48, kernel_size=1)
        self.branch5x5_2 = conv_block(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = conv_block(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = conv_block(96, 96, kernel_size=3, padding=1)
        self.branch_pool = conv_block(in_channels, pool_features, kernel_size=1)

    def _forward(self, x):
        return [self.branch1x1(x),
                self.branch5x5_2(self.branch5x5_1(x)),
                self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))]

    def forward(self, x):
        return ember.cat(self._forward(x), 1)


class InceptionB(nn.Module):
    """Inception v3's 35x35 -> 17x17 reduction (``Mixed_6a``): a strided 3x3, 1x1 -> 3x3 -> strided 3x3 and a
    strided 3x3 max pool, concatenated.

    Args:
        in_channels: input channels.
        conv_block: the convolution block class (default :class:`BasicConv2d`).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, 480 + in_channels, (H - 3) // 2 + 1, (W - 3) // 2 + 1)``.

    Example::

        >>> InceptionB(8)(ember.randn(1, 8, 7, 7)).shape
        ember.Size([1, 488, 3, 3])
    """

    def __init__(self, in_channels, conv_block=None):
        super().__init__()
        conv_block = _conv_block(conv_block)
        self.branch3x3 = conv_block(in_channels, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = conv_block(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = conv_block(96, 96, kernel_size=3, stride=2)

    def _forward(self, x):
        return [self.branch3x3(x),
                self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                F.max_pool2d(x, kernel_size=3, stride=2)]

    def forward(self, x):
        return ember.cat(self._forward(x), 1)


class InceptionC(nn.Module):
    """Inception v3's 17x17 block (``Mixed_6b..e``) with factorised 7x7 convolutions (1x7 and 7x1): 1x1,
    1x1 -> 1x7 -> 7x1, 1x1 -> (7x1 -> 1x7) x 2 and 3x3 average pool -> 1x1 branches, concatenated.

    Args:
        in_channels: input channels.
        channels_7x7: inner channels of the 7x7 branches.
        conv_block: the convolution block class (default :class:`BasicConv2d`).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, 768, H, W)``.

    Example::

        >>> InceptionC(8, channels_7x7=4)(ember.randn(1, 8, 5, 5)).shape
        ember.Size([1, 768, 5, 5])
    """

    def __init__(self, in_channels, channels_7x7, conv_block=None):
        super().__init__()
        conv_block = _conv_block(conv_block)
        c7 = channels_7x7
        row, col = {"kernel_size": (1, 7), "padding": (0, 3)}, {"kernel_size": (7, 1), "padding": (3, 0)}
        self.branch1x1 = conv_block(in_channels, 192, kernel_size=1)
        self.branch7x7_1 = conv_block(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = conv_block(c7, c7, **row)
        self.branch7x7_3 = conv_block(c7, 192, **col)
        self.branch7x7dbl_1 = conv_block(in_channels, c7, kernel_size=1)
        self.branch7x7dbl_2 = conv_block(c7, c7, **col)
        self.branch7x7dbl_3 = conv_block(c7, c7, **row)
        self.branch7x7dbl_4 = conv_block(c7, c7, **col)
        self.branch7x7dbl_5 = conv_block(c7, 192, **row)
        self.branch_pool = conv_block(in_channels, 192, kernel_size=1)

    def _forward(self, x):
        dbl = self.branch7x7dbl_1(x)
        for conv in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            dbl = conv(dbl)
        return [self.branch1x1(x),
                self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x))),
                dbl,
                self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))]

    def forward(self, x):
        return ember.cat(self._forward(x), 1)


class InceptionD(nn.Module):
    """Inception v3's 17x17 -> 8x8 reduction (``Mixed_7a``): 1x1 -> strided 3x3, 1x1 -> 1x7 -> 7x1 -> strided 3x3
    and a strided 3x3 max pool, concatenated.

    Args:
        in_channels: input channels.
        conv_block: the convolution block class (default :class:`BasicConv2d`).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, 512 + in_channels, (H - 3) // 2 + 1, (W - 3) // 2 + 1)``.

    Example::

        >>> InceptionD(8)(ember.randn(1, 8, 7, 7)).shape
        ember.Size([1, 520, 3, 3])
    """

    def __init__(self, in_channels, conv_block=None):
        super().__init__()
        conv_block = _conv_block(conv_block)
        self.branch3x3_1 = conv_block(in_channels, 192, kernel_size=1)
        self.branch3x3_2 = conv_block(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = conv_block(in_channels, 192, kernel_size=1)
        self.branch7x7x3_2 = conv_block(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = conv_block(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = conv_block(192, 192, kernel_size=3, stride=2)

    def _forward(self, x):
        b7 = self.branch7x7x3_1(x)
        for conv in (self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            b7 = conv(b7)
        return [self.branch3x3_2(self.branch3x3_1(x)), b7, F.max_pool2d(x, kernel_size=3, stride=2)]

    def forward(self, x):
        return ember.cat(self._forward(x), 1)


class InceptionE(nn.Module):
    """Inception v3's 8x8 block (``Mixed_7b..c``) with expanded filter banks: 1x1, 1x1 -> (1x3 | 3x1),
    1x1 -> 3x3 -> (1x3 | 3x1) and 3x3 average pool -> 1x1 branches, concatenated.

    Args:
        in_channels: input channels.
        conv_block: the convolution block class (default :class:`BasicConv2d`).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, 2048, H, W)``.

    Example::

        >>> InceptionE(8)(ember.randn(1, 8, 3, 3)).shape
        ember.Size([1, 2048, 3, 3])
    """

    def __init__(self, in_channels, conv_block=None):
        super().__init__()
        conv_block = _conv_block(conv_block)
        row, col = {"kernel_size": (1, 3), "padding": (0, 1)}, {"kernel_size": (3, 1), "padding": (1, 0)}
        self.branch1x1 = conv_block(in_channels, 320, kernel_size=1)
        self.branch3x3_1 = conv_block(in_channels, 384, kernel_size=1)
        self.branch3x3_2a = conv_block(384, 384, **row)
        self.branch3x3_2b = conv_block(384, 384, **col)
        self.branch3x3dbl_1 = conv_block(in_channels, 448, kernel_size=1)
        self.branch3x3dbl_2 = conv_block(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = conv_block(384, 384, **row)
        self.branch3x3dbl_3b = conv_block(384, 384, **col)
        self.branch_pool = conv_block(in_channels, 192, kernel_size=1)

    def _forward(self, x):
        b3 = self.branch3x3_1(x)
        b3 = ember.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        dbl = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        dbl = ember.cat([self.branch3x3dbl_3a(dbl), self.branch3x3dbl_3b(dbl)], 1)
        return [self.branch1x1(x), b3, dbl, self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))]

    def forward(self, x):
        return ember.cat(self._forward(x), 1)


class InceptionAux(nn.Module):
    """Inception v3's auxiliary classifier (on the 17x17 maps): 5x5 average pool with stride 3, 1x1 convolution
    to 128 channels, 5x5 convolution to 768, global average pooling and ``Linear(768, num_classes)``.

    ``conv1`` and ``fc`` carry a ``stddev`` attribute (0.01 and 0.001) that :class:`Inception3`'s initialisation
    uses instead of its default 0.1.

    Args:
        in_channels: input channels.
        num_classes: number of outputs.
        conv_block: the convolution block class (default :class:`BasicConv2d`).

    Shape:
        - Input: ``(N, in_channels, H, W)`` with ``H, W >= 17``; Output: ``(N, num_classes)``.

    Example::

        >>> InceptionAux(16, 5)(ember.randn(2, 16, 17, 17)).shape
        ember.Size([2, 5])
    """

    def __init__(self, in_channels, num_classes, conv_block=None):
        super().__init__()
        conv_block = _conv_block(conv_block)
        self.conv0 = conv_block(in_channels, 128, kernel_size=1)
        self.conv1 = conv_block(128, 768, kernel_size=5)
        self.conv1.stddev = 0.01
        self.fc = nn.Linear(768, num_classes)
        self.fc.stddev = 0.001

    def forward(self, x):
        x = self.conv1(self.conv0(F.avg_pool2d(x, kernel_size=5, stride=3)))
        return self.fc(ember.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1))


class Inception3(nn.Module):
    """Inception v3 (Szegedy et al. 2015, "Rethinking the Inception Architecture for Computer Vision"): a
    convolutional stem, three 35x35 ``InceptionA``, a reduction, four 17x17 ``InceptionC``, a reduction, two 8x8
    ``InceptionE``, global average pooling, dropout and a linear classifier; an auxiliary classifier on the 17x17
    maps is used in training.

    Args:
        num_classes: number of outputs (default 1000).
        aux_logits: build the auxiliary classifier ``AuxLogits`` (default True); in training mode the forward then
            returns an :class:`InceptionOutputs`.
        transform_input: re-scale ImageNet-normalised inputs to the ``[-1, 1]`` range of the original weights.
        inception_blocks: the ``[conv block, InceptionA, B, C, D, E, InceptionAux]`` classes (default those of
            this module).
        init_weights: truncated-normal weights (std 0.1, or a module's ``stddev`` attribute) for the convolutions
            and linear layers, unit/zero batch norms; ``None`` (default) means True with torchvision's
            ``FutureWarning``. False keeps the layers' own default initialisation.
        dropout: dropout probability before the classifier (default 0.5).

    Shape:
        - Input: ``(N, 3, H, W)`` with ``H, W >= 75``, and ``>= 299`` in training mode with the auxiliary head
          (it needs 17x17 maps; 299 is also the pre-trained weights' crop); Output: ``(N, num_classes)``, or an
          :class:`InceptionOutputs` of two such tensors in training mode with ``aux_logits``.

    Example::

        >>> net = Inception3(num_classes=3, init_weights=True).eval()
        >>> net(ember.randn(2, 3, 75, 75)).shape
        ember.Size([2, 3])
        >>> InceptionOutputs._fields
        ('logits', 'aux_logits')
    """

    def __init__(self, num_classes=1000, aux_logits=True, transform_input=False, inception_blocks=None,
                 init_weights=None, dropout=0.5):
        super().__init__()
        if inception_blocks is None:
            inception_blocks = [BasicConv2d, InceptionA, InceptionB, InceptionC, InceptionD, InceptionE, InceptionAux]
        if init_weights is None:
            warnings.warn("The default weight initialization of inception_v3 will be changed in future releases of "
                          "torchvision. If you wish to keep the old behavior (which leads to long initialization "
                          "times due to scipy/scipy#11299), please set init_weights=True.", FutureWarning,
                          stacklevel=2)
            init_weights = True
        if len(inception_blocks) != 7:
            raise ValueError(f"length of inception_blocks should be 7 instead of {len(inception_blocks)}")
        conv_block, block_a, block_b, block_c, block_d, block_e, aux_block = inception_blocks
        self.aux_logits = aux_logits
        self.transform_input = transform_input

        self.Conv2d_1a_3x3 = conv_block(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = conv_block(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = conv_block(32, 64, kernel_size=3, padding=1)
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Conv2d_3b_1x1 = conv_block(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = conv_block(80, 192, kernel_size=3)
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Mixed_5b = block_a(192, pool_features=32)
        self.Mixed_5c = block_a(256, pool_features=64)
        self.Mixed_5d = block_a(288, pool_features=64)
        self.Mixed_6a = block_b(288)
        self.Mixed_6b = block_c(768, channels_7x7=128)
        self.Mixed_6c = block_c(768, channels_7x7=160)
        self.Mixed_6d = block_c(768, channels_7x7=160)
        self.Mixed_6e = block_c(768, channels_7x7=192)
        self.AuxLogits = aux_block(768, num_classes) if aux_logits else None
        self.Mixed_7a = block_d(768)
        self.Mixed_7b = block_e(1280)
        self.Mixed_7c = block_e(2048)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(2048, num_classes)

        if init_weights:
            for m in self.modules():
                # a module's own ``stddev`` (the auxiliary head's) wins; linear biases keep their default init
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    std = float(m.stddev) if hasattr(m, "stddev") else 0.1
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=std, a=-2, b=2)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)

    def _transform_input(self, x):
        return _transform_input(x) if self.transform_input else x

    def _forward(self, x):
        """``(logits, aux logits)``; the auxiliary ones are ``None`` outside training."""
        for name in ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1", "Conv2d_3b_1x1", "Conv2d_4a_3x3",
                     "maxpool2", "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d",
                     "Mixed_6e"):
            x = getattr(self, name)(x)
        aux = self.AuxLogits(x) if self.AuxLogits is not None and self.training else None
        x = self.Mixed_7c(self.Mixed_7b(self.Mixed_7a(x)))
        x = self.fc(ember.flatten(self.dropout(self.avgpool(x)), 1))
        return x, aux

    def eager_outputs(self, x, aux):
        """What :meth:`forward` returns: an :class:`InceptionOutputs` in training with ``aux_logits``, else ``x``."""
        if self.training and self.aux_logits:
            return InceptionOutputs(x, aux)
        return x

    def forward(self, x):
        return self.eager_outputs(*self._forward(self._transform_input(x)))


class Inception_V3_Weights(WeightsEnum):
    """Pre-trained weights of :func:`inception_v3` (``DEFAULT`` is ``IMAGENET1K_V1``, ported from the paper;
    299x299 crops of images resized to 342)."""

    IMAGENET1K_V1 = _imagenet("inception_v3_google-0cc3c7bd.pth", {"crop_size": 299, "resize_size": 342},
                              (77.294, 93.45), 5.713, 103.903, _REFS + "#inception-v3", num_params=27161264,
                              min_size=(75, 75))
    DEFAULT = IMAGENET1K_V1


@_builder("Inception v3 (Szegedy et al. 2015). With ``weights``, ``transform_input`` defaults to True and the "
          "auxiliary head is kept (``aux_logits`` must stay True).",
          Inception_V3_Weights, "Inception3")
def inception_v3(*, weights: Inception_V3_Weights | None = None, progress=True, **kwargs):
    weights = Inception_V3_Weights.verify(weights)
    keep_aux = kwargs.get("aux_logits", True)
    if weights is not None:
        if "transform_input" not in kwargs:
            _ovewrite_named_param(kwargs, "transform_input", True)
        _ovewrite_named_param(kwargs, "aux_logits", True)
        _ovewrite_named_param(kwargs, "init_weights", False)
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = Inception3(**kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
        if not keep_aux:  # (unreachable through the checks above, as in torchvision)
            model.aux_logits = False
            model.AuxLogits = None
    return model
