"""GoogLeNet, i.e. Inception v1 (mirrors ``torchvision.models.googlenet``).

The module names and nesting follow torchvision's, so state_dicts are interchangeable. In training mode with
``aux_logits`` the model returns a :class:`GoogLeNetOutputs` named tuple (main and two auxiliary logits); otherwise
the plain logits.

Example::

    >>> from ember.vision import models
    >>> net = models.googlenet(num_classes=10, init_weights=True).eval()
    >>> net(ember.randn(2, 3, 64, 64)).shape
    ember.Size([2, 10])
"""

import warnings
from collections import namedtuple

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import _REFS, WeightsEnum, _builder, _imagenet, _ovewrite_named_param

# (as ember.vision.models._FAMILIES lists them; ``_GoogLeNetOutputs`` is importable from here too)
__all__ = ["GoogLeNet", "GoogLeNetOutputs", "GoogLeNet_Weights", "googlenet"]

GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])
GoogLeNetOutputs.__doc__ = """Training-mode result of :class:`GoogLeNet` with auxiliary classifiers: the main
``logits`` and those of the auxiliary heads after ``inception4d`` (``aux_logits2``) and ``inception4a``
(``aux_logits1``)."""
GoogLeNetOutputs.__annotations__ = {"logits": ember.Tensor, "aux_logits2": ember.Tensor | None,
                                    "aux_logits1": ember.Tensor | None}
# the older name, kept as torchvision does
_GoogLeNetOutputs = GoogLeNetOutputs


def _transform_input(x):
    """Re-normalise an ImageNet-normalised batch to the ``[-1, 1]`` scaling the original weights were trained on
    (per channel ``x * std / 0.5 + (mean - 0.5) / 0.5``)."""
    chans = [x[:, c].unsqueeze(1) * (s / 0.5) + (m - 0.5) / 0.5
             for c, (m, s) in enumerate(zip((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)))]
    return ember.cat(chans, 1)


class BasicConv2d(nn.Module):
    """A bias-free ``Conv2d`` (``kwargs`` go to it), batch norm with ``eps=0.001``, then ReLU.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        **kwargs: ``kernel_size``, ``stride``, ``padding`` ... of the convolution.

    Example::

        >>> BasicConv2d(3, 8, kernel_size=3, padding=1)(ember.randn(1, 3, 5, 5)).shape
        ember.Size([1, 8, 5, 5])
    """

    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)), inplace=True)


class Inception(nn.Module):
    """The GoogLeNet inception block: four parallel branches concatenated along channels, a 1x1 convolution,
    1x1 -> 3x3, 1x1 -> 3x3 (torchvision's "5x5" branch uses a 3x3 kernel, kept for weight compatibility) and a
    3x3 max pool -> 1x1 projection.

    Args:
        in_channels: input channels.
        ch1x1: outputs of the 1x1 branch.
        ch3x3red, ch3x3: reduction and output channels of the 3x3 branch.
        ch5x5red, ch5x5: reduction and output channels of the "5x5" branch.
        pool_proj: outputs of the pooling branch.
        conv_block: the convolution block class (default :class:`BasicConv2d`).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)``.

    Example::

        >>> Inception(8, 4, 4, 8, 2, 4, 4)(ember.randn(1, 8, 6, 6)).shape
        ember.Size([1, 20, 6, 6])
    """

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, conv_block=None):
        super().__init__()
        conv_block = BasicConv2d if conv_block is None else conv_block
        self.branch1 = conv_block(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(conv_block(in_channels, ch3x3red, kernel_size=1),
                                     conv_block(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(conv_block(in_channels, ch5x5red, kernel_size=1),
                                     conv_block(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                                     conv_block(in_channels, pool_proj, kernel_size=1))

    def _forward(self, x):
        return [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]

    def forward(self, x):
        return ember.cat(self._forward(x), 1)


class InceptionAux(nn.Module):
    """GoogLeNet's auxiliary classifier: pooled to 4x4, a 1x1 convolution to 128 channels, then
    ``Linear(2048, 1024)``, ReLU, dropout and ``Linear(1024, num_classes)``.

    Args:
        in_channels: input channels.
        num_classes: number of outputs.
        conv_block: the convolution block class (default :class:`BasicConv2d`).
        dropout: dropout probability before the last layer (default 0.7).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, num_classes)``.

    Example::

        >>> InceptionAux(16, 5)(ember.randn(2, 16, 7, 7)).shape
        ember.Size([2, 5])
    """

    def __init__(self, in_channels, num_classes, conv_block=None, dropout=0.7):
        super().__init__()
        conv_block = BasicConv2d if conv_block is None else conv_block
        self.conv = conv_block(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x):
        x = self.conv(F.adaptive_avg_pool2d(x, (4, 4)))
        x = F.relu(self.fc1(ember.flatten(x, 1)), inplace=True)
        return self.fc2(self.dropout(x))


# the inception blocks: (attribute, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)
_BLOCKS_3 = [("inception3a", 192, 64, 96, 128, 16, 32, 32), ("inception3b", 256, 128, 128, 192, 32, 96, 64)]
_BLOCKS_4 = [("inception4a", 480, 192, 96, 208, 16, 48, 64), ("inception4b", 512, 160, 112, 224, 24, 64, 64),
             ("inception4c", 512, 128, 128, 256, 24, 64, 64), ("inception4d", 512, 112, 144, 288, 32, 64, 64),
             ("inception4e", 528, 256, 160, 320, 32, 128, 128)]
_BLOCKS_5 = [("inception5a", 832, 256, 160, 320, 32, 128, 128), ("inception5b", 832, 384, 192, 384, 48, 128, 128)]


class GoogLeNet(nn.Module):
    """GoogLeNet (Szegedy et al. 2014, "Going Deeper with Convolutions"): a convolutional stem, nine inception
    blocks in three groups separated by max pools, global average pooling, dropout and a linear classifier, plus
    two auxiliary classifiers used in training.

    Args:
        num_classes: number of outputs (default 1000).
        aux_logits: build the auxiliary classifiers ``aux1`` and ``aux2`` (default True); in training mode the
            forward then returns a :class:`GoogLeNetOutputs`.
        transform_input: re-scale ImageNet-normalised inputs to the ``[-1, 1]`` range of the original weights.
        init_weights: truncated-normal (std 0.01) weights for the convolutions and linear layers, unit/zero batch
            norms; ``None`` (default) means True with torchvision's ``FutureWarning``. False keeps the layers'
            own default initialisation.
        blocks: the ``[conv block, inception block, auxiliary block]`` classes (default
            ``[BasicConv2d, Inception, InceptionAux]``).
        dropout: dropout probability before the classifier (default 0.2).
        dropout_aux: dropout probability of the auxiliary classifiers (default 0.7).

    Shape:
        - Input: ``(N, 3, H, W)`` with ``H, W >= 15``; Output: ``(N, num_classes)``, or a
          :class:`GoogLeNetOutputs` of three such tensors in training mode with ``aux_logits``.

    Example::

        >>> net = GoogLeNet(num_classes=3, init_weights=True)
        >>> out = net(ember.randn(2, 3, 64, 64))
        >>> out.logits.shape, out.aux_logits1.shape
        (ember.Size([2, 3]), ember.Size([2, 3]))
    """

    def __init__(self, num_classes=1000, aux_logits=True, transform_input=False, init_weights=None, blocks=None,
                 dropout=0.2, dropout_aux=0.7):
        super().__init__()
        if blocks is None:
            blocks = [BasicConv2d, Inception, InceptionAux]
        if init_weights is None:
            warnings.warn("The default weight initialization of GoogleNet will be changed in future releases of "
                          "torchvision. If you wish to keep the old behavior (which leads to long initialization "
                          "times due to scipy/scipy#11299), please set init_weights=True.", FutureWarning,
                          stacklevel=2)
            init_weights = True
        if len(blocks) != 3:
            raise ValueError(f"blocks length should be 3 instead of {len(blocks)}")
        conv_block, inception_block, aux_block = blocks
        self.aux_logits = aux_logits
        self.transform_input = transform_input

        self.conv1 = conv_block(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = conv_block(64, 64, kernel_size=1)
        self.conv3 = conv_block(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        for name, *channels in _BLOCKS_3:
            setattr(self, name, inception_block(*channels))
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        for name, *channels in _BLOCKS_4:
            setattr(self, name, inception_block(*channels))
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        for name, *channels in _BLOCKS_5:
            setattr(self, name, inception_block(*channels))
        if aux_logits:
            self.aux1 = aux_block(512, num_classes, dropout=dropout_aux)
            self.aux2 = aux_block(528, num_classes, dropout=dropout_aux)
        else:
            self.aux1 = None
            self.aux2 = None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(1024, num_classes)

        if init_weights:
            for m in self.modules():
                # linear biases keep their default initialisation, as in torchvision
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    nn.init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)

    def _transform_input(self, x):
        return _transform_input(x) if self.transform_input else x

    def _forward(self, x):
        """``(logits, aux2 logits, aux1 logits)``; the auxiliary ones are ``None`` outside training."""
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        x = self.fc(self.dropout(ember.flatten(self.avgpool(x), 1)))
        return x, aux2, aux1

    def eager_outputs(self, x, aux2, aux1):
        """What :meth:`forward` returns: a :class:`GoogLeNetOutputs` in training with ``aux_logits``, else ``x``."""
        if self.training and self.aux_logits:
            return GoogLeNetOutputs(x, aux2, aux1)
        return x

    def forward(self, x):
        return self.eager_outputs(*self._forward(self._transform_input(x)))


class GoogLeNet_Weights(WeightsEnum):
    """Pre-trained weights of :func:`googlenet` (``DEFAULT`` is ``IMAGENET1K_V1``, ported from the paper)."""

    IMAGENET1K_V1 = _imagenet("googlenet-1378be20.pth", {"crop_size": 224}, (69.778, 89.53), 1.498, 49.731,
                              _REFS + "#googlenet", num_params=6624904, min_size=(15, 15))
    DEFAULT = IMAGENET1K_V1


@_builder("GoogLeNet (Szegedy et al. 2014). With ``weights``, ``transform_input`` defaults to True and the "
          "auxiliary heads (not pre-trained) are dropped unless ``aux_logits=True``.", GoogLeNet_Weights,
          "GoogLeNet")
def googlenet(*, weights: GoogLeNet_Weights | None = None, progress=True, **kwargs):
    weights = GoogLeNet_Weights.verify(weights)
    keep_aux = kwargs.get("aux_logits", False)
    if weights is not None:
        if "transform_input" not in kwargs:
            _ovewrite_named_param(kwargs, "transform_input", True)
        # the file holds the auxiliary heads: build them to load it, drop them afterwards unless asked for
        _ovewrite_named_param(kwargs, "aux_logits", True)
        _ovewrite_named_param(kwargs, "init_weights", False)
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = GoogLeNet(**kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
        if keep_aux:
            warnings.warn("auxiliary heads in the pretrained googlenet model are NOT pretrained, so make sure to "
                          "train them", stacklevel=2)
        else:
            model.aux_logits = False
            model.aux1 = None
            model.aux2 = None
    return model
