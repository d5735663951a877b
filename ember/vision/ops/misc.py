"""Building-block layers shared by the vision models (mirrors ``torchvision.ops.misc`` and
``torchvision.ops.stochastic_depth``): conv-norm-activation stacks, squeeze-and-excitation, frozen batch norm,
an MLP stack, a permutation layer and stochastic depth.

Example::

    >>> from ember.vision.ops import Conv2dNormActivation
    >>> block = Conv2dNormActivation(3, 16, kernel_size=3, stride=2)
    >>> block(ember.randn(1, 3, 32, 32)).shape
    ember.Size([1, 16, 16, 16])
"""

import warnings
from collections.abc import Sequence

import ember
import ember.nn as nn

__all__ = ["FrozenBatchNorm2d", "ConvNormActivation", "Conv2dNormActivation", "Conv3dNormActivation",
           "SqueezeExcitation", "MLP", "Permute", "StochasticDepth", "stochastic_depth"]


class FrozenBatchNorm2d(nn.Module):
    """Batch normalisation with fixed statistics and affine terms (all four are buffers, nothing is trained).

    Computes ``x * w / sqrt(running_var + eps) + (b - running_mean * w / sqrt(running_var + eps))`` per channel.
    A ``num_batches_tracked`` entry in a loaded state_dict (from an ``nn.BatchNorm2d``) is ignored.

    Args:
        num_features: number of channels ``C``.
        eps: added to the variance before the square root (default 1e-5).

    Shape:
        - Input: ``(N, C, H, W)``; Output: the same shape.

    Example::

        >>> bn = FrozenBatchNorm2d(8)
        >>> bn(ember.randn(2, 8, 4, 4)).shape
        ember.Size([2, 8, 4, 4])
    """

    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", ember.ones(num_features))
        self.register_buffer("bias", ember.zeros(num_features))
        self.register_buffer("running_mean", ember.zeros(num_features))
        self.register_buffer("running_var", ember.ones(num_features))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        state_dict.pop(prefix + "num_batches_tracked", None)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def forward(self, x):
        scale = self.weight.reshape(1, -1, 1, 1) * (self.running_var.reshape(1, -1, 1, 1) + self.eps).rsqrt()
        shift = self.bias.reshape(1, -1, 1, 1) - self.running_mean.reshape(1, -1, 1, 1) * scale
        return x * scale + shift

    def __repr__(self):
        return f"{type(self).__name__}({self.weight.shape[0]}, eps={self.eps})"


def _ntuple(value, n):
    return tuple(value) if isinstance(value, Sequence) else (value,) * n


class ConvNormActivation(nn.Sequential):
    """Convolution, then an optional norm layer, then an optional activation, as one ``nn.Sequential``.

    Use :class:`Conv2dNormActivation` or :class:`Conv3dNormActivation`; instantiating this base class warns.
    The arguments are those of :class:`Conv2dNormActivation` plus ``conv_layer`` (the convolution class).
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None, groups=1,
                 norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1, inplace=True, bias=None,
                 conv_layer=nn.Conv2d):
        if padding is None:  # "same"-style padding for odd kernels
            if isinstance(kernel_size, int) and isinstance(dilation, int):
                padding = (kernel_size - 1) // 2 * dilation
            else:
                n = len(kernel_size) if isinstance(kernel_size, Sequence) else len(dilation)
                kernel_size, dilation = _ntuple(kernel_size, n), _ntuple(dilation, n)
                padding = tuple((k - 1) // 2 * d for k, d in zip(kernel_size, dilation))
        if bias is None:
            bias = norm_layer is None
        layers = [conv_layer(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation,
                             groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(**({} if inplace is None else {"inplace": inplace})))
        super().__init__(*layers)
        self.out_channels = out_channels
        if type(self) is ConvNormActivation:
            warnings.warn("Don't use ConvNormActivation directly, please use Conv2dNormActivation and "
                          "Conv3dNormActivation instead.", stacklevel=2)


class Conv2dNormActivation(ConvNormActivation):
    """``Conv2d -> norm -> activation`` as an ``nn.Sequential`` (children ``0``, ``1``, ``2``).

    Args:
        in_channels: input channels.
        out_channels: output channels (also stored as ``self.out_channels``).
        kernel_size: convolution kernel size (default 3).
        stride: convolution stride (default 1).
        padding: convolution padding; ``None`` (default) pads ``(kernel_size - 1) // 2 * dilation``.
        groups: convolution groups (default 1).
        norm_layer: class called with ``out_channels``; ``None`` leaves it out (default ``nn.BatchNorm2d``).
        activation_layer: class called with ``inplace=inplace``; ``None`` leaves it out (default ``nn.ReLU``).
        dilation: convolution dilation (default 1).
        inplace: the activation's ``inplace`` argument; ``None`` uses the activation's default (default True).
        bias: convolution bias; ``None`` (default) means a bias only when there is no norm layer.

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, out_channels, H_out, W_out)``.

    Example::

        >>> block = Conv2dNormActivation(3, 8, activation_layer=nn.Hardswish)
        >>> [type(m).__name__ for m in block]
        ['Conv2d', 'BatchNorm2d', 'Hardswish']
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None, groups=1,
                 norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1, inplace=True, bias=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, groups, norm_layer,
                         activation_layer, dilation, inplace, bias, nn.Conv2d)


class Conv3dNormActivation(ConvNormActivation):
    """``Conv3d -> norm -> activation`` as an ``nn.Sequential``; see :class:`Conv2dNormActivation`.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, groups, dilation, inplace, bias: as
            :class:`Conv2dNormActivation`.
        norm_layer: default ``nn.BatchNorm3d``.
        activation_layer: default ``nn.ReLU``.

    Shape:
        - Input: ``(N, in_channels, D, H, W)``; Output: ``(N, out_channels, D_out, H_out, W_out)``.

    Example::

        >>> Conv3dNormActivation(2, 4)(ember.randn(1, 2, 4, 4, 4)).shape
        ember.Size([1, 4, 4, 4, 4])
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None, groups=1,
                 norm_layer=nn.BatchNorm3d, activation_layer=nn.ReLU, dilation=1, inplace=True, bias=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, groups, norm_layer,
                         activation_layer, dilation, inplace, bias, nn.Conv3d)


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation: rescale each channel by a gate computed from the globally pooled input.

    ``gate = scale_activation(fc2(activation(fc1(avgpool(x)))))`` with 1x1 convolutions ``fc1``/``fc2``;
    returns ``gate * x``.

    Args:
        input_channels: channels of the input.
        squeeze_channels: channels of the bottleneck between ``fc1`` and ``fc2``.
        activation: class of the bottleneck activation (default ``nn.ReLU``).
        scale_activation: class of the gate activation (default ``nn.Sigmoid``).

    Shape:
        - Input: ``(N, C, H, W)``; Output: the same shape.

    Example::

        >>> se = SqueezeExcitation(16, 4)
        >>> se(ember.randn(2, 16, 8, 8)).shape
        ember.Size([2, 16, 8, 8])
    """

    def __init__(self, input_channels, squeeze_channels, activation=nn.ReLU, scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, x):
        return self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))

    def forward(self, x):
        return self._scale(x) * x


class MLP(nn.Sequential):
    """A stack of ``Linear (-> norm) -> activation -> Dropout`` blocks ending in ``Linear -> Dropout``.

    Args:
        in_channels: input features.
        hidden_channels: output features of each ``Linear``; the last entry is the output size.
        norm_layer: class called with the width after each hidden ``Linear``; ``None`` (default) for none.
        activation_layer: activation class after each hidden block (default ``nn.ReLU``).
        inplace: ``inplace`` argument of the activations and dropouts; ``None`` (default) keeps their defaults.
        bias: whether the ``Linear`` layers have a bias (default True).
        dropout: dropout probability (default 0.0).

    Shape:
        - Input: ``(*, in_channels)``; Output: ``(*, hidden_channels[-1])``.

    Example::

        >>> mlp = MLP(8, [16, 4])
        >>> mlp(ember.randn(3, 8)).shape
        ember.Size([3, 4])
    """

    def __init__(self, in_channels, hidden_channels, norm_layer=None, activation_layer=nn.ReLU, inplace=None,
                 bias=True, dropout=0.0):
        params = {} if inplace is None else {"inplace": inplace}
        layers = []
        width = in_channels
        for hidden in hidden_channels[:-1]:
            layers.append(nn.Linear(width, hidden, bias=bias))
            if norm_layer is not None:
                layers.append(norm_layer(hidden))
            layers += [activation_layer(**params), nn.Dropout(dropout, **params)]
            width = hidden
        layers += [nn.Linear(width, hidden_channels[-1], bias=bias), nn.Dropout(dropout, **params)]
        super().__init__(*layers)


class Permute(nn.Module):
    """Return the input with its dimensions reordered (``ember.permute(x, dims)``).

    Args:
        dims: the new order of the dimensions.

    Shape:
        - Input: any; Output: the input's dimensions in the order ``dims``.

    Example::

        >>> Permute([0, 2, 3, 1])(ember.randn(2, 3, 4, 5)).shape
        ember.Size([2, 4, 5, 3])
    """

    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return ember.permute(x, self.dims)


def stochastic_depth(input, p, mode, training=True):
    """Randomly drop whole residual branches (stochastic depth), rescaling the kept ones by ``1 / (1 - p)``.

    Args:
        input: a tensor whose first dimension is the batch.
        p: probability of zeroing (in ``[0, 1]``).
        mode: ``"batch"`` zeroes the whole input at once, ``"row"`` zeroes each sample independently.
        training: apply the dropping only when True (default); otherwise return ``input`` unchanged.

    Shape:
        - Input: ``(N, *)``; Output: the same shape.

    Example::

        >>> y = stochastic_depth(ember.ones(4, 3), p=0.5, mode="row")
        >>> sorted(set(y[:, 0].tolist())) in ([0.0], [2.0], [0.0, 2.0])
        True
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ("batch", "row"):
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    keep = 1.0 - p
    size = [input.shape[0]] + [1] * (input.ndim - 1) if mode == "row" else [1] * input.ndim
    noise = ember.empty(size, dtype=input.dtype, device=input.device).bernoulli_(keep)
    if keep > 0.0:
        noise.div_(keep)
    return input * noise


class StochasticDepth(nn.Module):
    """Module form of :func:`stochastic_depth` (active in training mode only).

    Args:
        p: probability of dropping.
        mode: ``"batch"`` or ``"row"``.

    Shape:
        - Input: ``(N, *)``; Output: the same shape.

    Example::

        >>> sd = StochasticDepth(0.2, "row").eval()
        >>> x = ember.randn(4, 3)
        >>> bool((sd(x) == x).all())
        True
    """

    def __init__(self, p, mode):
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input):
        return stochastic_depth(input, self.p, self.mode, self.training)

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p}, mode={self.mode})"
