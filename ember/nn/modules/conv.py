"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``."""

import math

from ember import _dtype
from ember._backend import xp
from ember._tensor import wrap
from ember.nn import _functional_conv as F
from ember.nn._functional_conv import _conv
from ember.nn import init
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


def _ntuple(v, n):
    if isinstance(v, (tuple, list)):
        v = tuple(v)
        return v * n if len(v) == 1 and n > 1 else v
    return (v,) * n


def _empty(shape, dtype):
    dt = (dtype or _dtype.get_default_dtype()).np
    return wrap(xp.empty(shape, dtype=dt))


class _ConvNd(Module):
    """Shared constructor, init, repr and state of the convolution layers."""

    _nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, transposed,
                 output_padding, groups, bias, padding_mode, device=None, dtype=None):
        super().__init__()
        nd = self._nd
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        kernel_size = _ntuple(kernel_size, nd)
        stride = _ntuple(stride, nd)
        dilation = _ntuple(dilation, nd)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, nd)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, nd)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad wants (last-dim-left, last-dim-right, ...): per dim (lo, hi), last dim first.
        if isinstance(padding, str):
            pads = [0, 0] * nd
            if padding == "same":
                for d, k, i in zip(dilation, kernel_size, range(nd - 1, -1, -1)):
                    total = d * (k - 1)
                    left = total // 2
                    pads[2 * i] = left
                    pads[2 * i + 1] = total - left
            self._reversed_padding_repeated_twice = pads
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(padding) for _ in range(2)]
        if transposed:
            wshape = (in_channels, out_channels // groups) + kernel_size
        else:
            wshape = (out_channels, in_channels // groups) + kernel_size
        self.weight = Parameter(_empty(wshape, dtype))
        if bias:
            self.bias = Parameter(_empty((out_channels,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw weight and bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform with a=sqrt(5))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = init._calculate_fan_in_and_fan_out(self.weight)[0]
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode == "zeros":  # what F.conv{1,2,3}d run, one call shorter
            return _conv(self._nd, input, weight, bias, self.stride, self.padding, self.dilation, self.groups)
        fn = (F.conv1d, F.conv2d, F.conv3d)[self._nd - 1]
        return fn(F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode), weight, bias,
                  self.stride, 0, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_ConvNd):
    """1-D convolution over ``(N, C_in, L)`` (or unbatched ``(C_in, L)``).

    Args:
        in_channels, out_channels: channel counts. kernel_size: int or 1-tuple.
        stride, dilation: int or 1-tuple (default 1). padding: int, tuple, ``'valid'`` or ``'same'`` (default 0).
        groups: channel groups (default 1). bias: learn a bias (default True).
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Shape: ``(N, C_in, L)`` -> ``(N, C_out, (L + 2p - d(k-1) - 1) // stride + 1)``.

    Attributes: ``weight`` ``(C_out, C_in/groups, k)``, ``bias`` ``(C_out,)``.

    Example::

        >>> ember.nn.Conv1d(16, 33, 3, stride=2)(ember.randn(20, 16, 50)).shape
        ember.Size([20, 33, 24])
    """

    _nd = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups,
                         bias, padding_mode, device, dtype)

    def forward(self, input):  # (its own, for argument errors naming the class)
        return self._conv_forward(input, self.weight, self.bias)


class Conv2d(_ConvNd):
    """2-D convolution over ``(N, C_in, H, W)`` (or unbatched ``(C_in, H, W)``).

    Args:
        in_channels, out_channels: channel counts. kernel_size: int or pair.
        stride, dilation: int or pair (default 1). padding: int, pair, ``'valid'`` or ``'same'`` (default 0).
        groups: channel groups (default 1). bias: learn a bias (default True).
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Shape: ``(N, C_in, H, W)`` -> ``(N, C_out, H_out, W_out)``,
    ``H_out = (H + 2p - d(k-1) - 1) // stride + 1``.

    Attributes: ``weight`` ``(C_out, C_in/groups, kH, kW)``, ``bias`` ``(C_out,)``, both initialised
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    Example::

        >>> conv = ember.nn.Conv2d(1, 6, 5)
        >>> conv
        Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
        >>> conv(ember.randn(64, 1, 32, 32)).shape
        ember.Size([64, 6, 28, 28])
    """

    _nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups,
                         bias, padding_mode, device, dtype)

    def forward(self, input):  # (its own, for argument errors naming the class)
        return self._conv_forward(input, self.weight, self.bias)


class Conv3d(_ConvNd):
    """3-D convolution over ``(N, C_in, D, H, W)``; arguments as :class:`Conv2d` with triples.

    Example::

        >>> ember.nn.Conv3d(2, 4, 3)(ember.randn(1, 2, 5, 5, 5)).shape
        ember.Size([1, 4, 3, 3, 3])
    """

    _nd = 3

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups,
                         bias, padding_mode, device, dtype)

    def forward(self, input):  # (its own, for argument errors naming the class)
        return self._conv_forward(input, self.weight, self.bias)


class _ConvTransposeNd(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                 dilation, padding_mode, device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {self.__class__.__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True, output_padding,
                         groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        nd = self._nd
        if not isinstance(output_size, (list, tuple)):  # (a list, tuple or Size is kept: errors print it as given)
            output_size = list(output_size)
        if len(output_size) == nd + 2 or (len(output_size) == nd + 1 and input.dim() == nd + 1):
            output_size = output_size[-nd:]
        if len(output_size) != nd:
            raise ValueError(f"ConvTranspose{nd}D: for {input.dim()}D input, output_size must have {nd} or "
                             f"{nd + 2} elements (got {len(output_size)})")
        in_sp = tuple(input.shape[-nd:])
        mins = [(in_sp[d] - 1) * self.stride[d] - 2 * self.padding[d] + self.dilation[d] *
                (self.kernel_size[d] - 1) + 1 for d in range(nd)]
        maxs = [mins[d] + self.stride[d] - 1 for d in range(nd)]
        for d in range(nd):
            if not (mins[d] <= output_size[d] <= maxs[d]):
                # (PyTorch prints the sizes after the first two, one short for an unbatched input)
                raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {mins} to "
                                 f"{maxs} (for an input of {input.shape[2:]})")
        return tuple(output_size[d] - mins[d] for d in range(nd))

    def forward(self, input, output_size=None):
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[self._nd - 1]
        op = self._output_padding(input, output_size)
        return fn(input, self.weight, self.bias, self.stride, self.padding, op, self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over ``(N, C_in, L)``; the gradient of :class:`Conv1d` w.r.t. its input.

    Output length: ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.
    ``weight`` has shape ``(C_in, C_out/groups, k)``.

    Example::

        >>> ember.nn.ConvTranspose1d(2, 3, 3, stride=2)(ember.randn(1, 2, 5)).shape
        ember.Size([1, 3, 11])
    """

    _nd = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                         dilation, padding_mode, device, dtype)

    def forward(self, input, output_size=None):  # (its own, for argument errors naming the class)
        return _ConvTransposeNd.forward(self, input, output_size)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution ("deconvolution") over ``(N, C_in, H, W)``.

    ``forward(input, output_size=None)``: ``output_size`` picks ``output_padding`` to reach that size.
    ``weight`` has shape ``(C_in, C_out/groups, kH, kW)``.

    Example::

        >>> up = ember.nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1)
        >>> up(ember.randn(1, 16, 6, 6), output_size=[12, 12]).shape
        ember.Size([1, 8, 12, 12])
    """

    _nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                         dilation, padding_mode, device, dtype)

    def forward(self, input, output_size=None):  # (its own, for argument errors naming the class)
        return _ConvTransposeNd.forward(self, input, output_size)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution over ``(N, C_in, D, H, W)``."""

    _nd = 3

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                         dilation, padding_mode, device, dtype)

    def forward(self, input, output_size=None):  # (its own, for argument errors naming the class)
        return _ConvTransposeNd.forward(self, input, output_size)
