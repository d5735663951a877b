"""Functional convolution, pooling, padding, interpolation and fold/unfold (``torch.nn.functional`` names)."""

import itertools
import math
import numbers

from ember._ops.conv import Col2Im, Convolution, ConvolutionTranspose, Im2Col, Pad, conv_nograd
from ember._ops.pooling import (AdaptiveAvgPool, AdaptiveMaxPool, AvgPool, MaxPool, MaxUnpool, Upsample,
                                max_pool_nograd, pool_out_size)
from ember._backend import xp
from ember._dtype import TYPE_WORDS
from ember._tensor import wrap
from ember.autograd.grad_mode import state as _grad_state

_maximum = xp.maximum

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
    "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d",
    "lp_pool1d", "lp_pool2d", "pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
    "unfold", "fold", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle",
]


def _tuple(v, n, name="argument"):
    if isinstance(v, numbers.Integral):
        return (int(v),) * n
    v = tuple(int(a) for a in v)
    if len(v) == 1 and n > 1:
        return v * n
    if len(v) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                           f"convolution dimensions, but got {name}={list(v)}")
    return v


def _size_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


# ---------------------------------------------------------------------------------------------- convolution
_PLANS = {}  # (op, shapes, arguments) -> validated, normalised arguments; the checks run once per geometry
_TOKENS = itertools.count()  # geometry ids for the conv no-graph path (see _conv)


def _check_dtypes(input, weight, bias):
    a, b = input._data.dtype, weight._data.dtype
    if a != b:
        raise RuntimeError(f"expected scalar type {TYPE_WORDS.get(a.name, a.name)} but found "
                           f"{TYPE_WORDS.get(b.name, b.name)}")
    if bias is not None and bias._data.dtype != a:
        c = bias._data.dtype
        raise RuntimeError(f"Input type ({TYPE_WORDS.get(a.name, a.name).lower()}) and bias type "
                           f"({TYPE_WORDS.get(c.name, c.name).lower()}) should be the same")


def _check_conv_params(padding, stride, dilation, groups, output_padding=()):
    """PyTorch's checks (and order) on the convolution hyper-parameters: flat tuples of ints."""
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if any(d == 0 for d in dilation):
        # (PyTorch runs 1-D as 2-D with a unit height; its oneDNN path words this one differently)
        shown = [1, *dilation] if len(dilation) == 1 else list(dilation)
        raise RuntimeError(f"dilation should be greater than zero, but got {shown}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _conv(nd, input, weight, bias, stride, padding, dilation, groups):
    x, w = input._data, weight._data
    # The dtypes are part of the key, so a cached plan means the dtype checks passed for this combination.
    if bias is None:
        b = None
        key = ("conv", nd, x.shape, w.shape, True, stride, padding, dilation, groups, x.dtype, w.dtype)
    else:
        b = bias._data
        key = ("conv", nd, x.shape, w.shape, b.shape, stride, padding, dilation, groups, x.dtype, w.dtype, b.dtype)
    try:
        plan = _PLANS.get(key)
    except TypeError:  # unhashable arguments (lists): no caching
        plan = key = None
    if plan is None:
        _check_dtypes(input, weight, bias)
        plan = _conv_plan(nd, input, weight, bias, stride, padding, dilation, groups)
        if key is None:
            plan += (("conv", nd, x.shape, w.shape, b is None or b.shape, groups) + plan[1:],)
        else:
            # conv_nograd keys its per-geometry state by this token: a small int hashes and compares far
            # faster than the full key, and is never reused for another geometry.
            plan += (next(_TOKENS),)
            if len(_PLANS) < 4096:
                _PLANS[key] = plan
    unbatched, stride, pads, dilation, padded, token = plan
    if not (_grad_state.enabled and (input._requires_grad or weight._requires_grad
                                     or (bias is not None and bias._requires_grad))):
        # Nothing to record: run the forward on the raw arrays (no graph node, per-geometry layout cache).
        out = conv_nograd(token, x[None] if unbatched else x, w, b, stride, pads, dilation, groups, padded)
        return wrap(out[0] if unbatched else out)
    if unbatched:
        input = input.unsqueeze(0)
    args = (input, weight) if bias is None else (input, weight, bias)
    out = Convolution.apply(*args, stride=stride, pads=pads, dilation=dilation, groups=groups,
                            padded=padded)
    return out.squeeze(0) if unbatched else out


def _conv_plan(nd, input, weight, bias, stride, padding, dilation, groups):
    name = f"conv{nd}d"
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input "
                           f"of size: {_size_str(input.shape)}")
    if weight.dim() != nd + 2:
        raise RuntimeError("weight should have at least three dimensions" if nd == 1 and weight.dim() < 3 else
                           f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input "
                           f"{_size_str(input.shape)}, but got {weight.dim()}-dimensional weight of size "
                           f"{_size_str(weight.shape)} instead")
    unbatched = input.dim() == nd + 1
    ishape = ((1,) if unbatched else ()) + tuple(input.shape)
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            pads = tuple(pads)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pads = tuple((p, p) for p in _tuple(padding, nd, "padding"))
    _check_conv_params([p for lo_hi in pads for p in lo_hi], stride, dilation, groups)
    c = ishape[1]
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size {_size_str(weight.shape)} instead")
    if c != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {_size_str(weight.shape)}, expected "
                           f"input{_size_str(ishape)} to have {weight.shape[1] * groups} channels, but got "
                           f"{c} channels instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(f"Given weight of size {_size_str(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{weight.shape[0]} elements, but got bias of size {_size_str(bias.shape)} instead")
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(ishape[2:], pads))
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
                           f"size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than actual input size")
    return unbatched, stride, pads, dilation, any(lo or hi for lo, hi in pads)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over ``(N, C_in, L)`` (or unbatched ``(C_in, L)``).

    Args:
        input: ``(N, C_in, L)``. weight: ``(C_out, C_in / groups, k)``. bias: ``(C_out,)`` or None.
        stride, padding, dilation: int or 1-tuple; padding may also be ``'same'`` or ``'valid'``.
        groups: split the channels into this many independent convolutions.

    Returns ``(N, C_out, L_out)``, ``L_out = (L + 2p - d(k-1) - 1) // stride + 1``.

    Example:
        >>> ember.nn.functional.conv1d(ember.randn(2, 3, 10), ember.randn(4, 3, 3)).shape
        ember.Size([2, 4, 8])
    """
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) over ``(N, C_in, H, W)`` (or unbatched ``(C_in, H, W)``).

    Args:
        input: ``(N, C_in, H, W)``. weight: ``(C_out, C_in / groups, kH, kW)``. bias: ``(C_out,)`` or None.
        stride, padding, dilation: int or pair; padding may also be ``'same'`` or ``'valid'``.
        groups: split the channels into this many independent convolutions.

    Returns ``(N, C_out, H_out, W_out)``.

    Example:
        >>> ember.nn.functional.conv2d(ember.randn(1, 1, 32, 32), ember.randn(6, 1, 5, 5)).shape
        ember.Size([1, 6, 28, 28])
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over ``(N, C_in, D, H, W)``; arguments as :func:`conv2d` with triples.

    Example:
        >>> ember.nn.functional.conv3d(ember.randn(1, 2, 4, 5, 6), ember.randn(3, 2, 2, 2, 2)).shape
        ember.Size([1, 3, 3, 4, 5])
    """
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    name = f"conv_transpose{nd}d"
    _check_dtypes(input, weight, bias)
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input "
                           f"of size: {_size_str(input.shape)}")
    unbatched = input.dim() == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    stride = _tuple(stride, nd, "stride")
    padding = _tuple(padding, nd, "padding")
    output_padding = _tuple(output_padding, nd, "output_padding")
    dilation = _tuple(dilation, nd, "dilation")
    _check_conv_params(padding, stride, dilation, groups, output_padding)
    c = input.shape[1]
    if c != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {_size_str(weight.shape)}, expected "
                           f"input{_size_str(input.shape)} to have {weight.shape[0]} channels, but got {c} "
                           f"channels instead")
    if c % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size {_size_str(weight.shape)} instead")
    cout = weight.shape[1] * groups
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != cout):
        raise RuntimeError(f"Given transposed=1, weight of size {_size_str(weight.shape)}, expected bias to be "
                           f"1-dimensional with {cout} elements, but got bias of size {_size_str(bias.shape)} "
                           f"instead")
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= s and op >= d:
            raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                               f"output_padding_height: {output_padding[0]} output_padding_width: "
                               f"{output_padding[-1]} stride_height: {stride[0]} stride_width: {stride[-1]} "
                               f"dilation_height: {dilation[0]} dilation_width: {dilation[-1]}")
    in_sp = tuple(input.shape[2:])
    out_sp = tuple((i - 1) * st - 2 * p + d * (k - 1) + op + 1 for i, st, p, d, k, op in
                   zip(in_sp, stride, padding, dilation, weight.shape[2:], output_padding))
    if any(o <= 0 for o in out_sp):
        if nd == 1:  # PyTorch runs 1-D as 2-D with a unit height
            in_sp, out_sp = (1,) + in_sp, (1,) + out_sp
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, in_sp))}). Calculated output size "
                           f"per channel: ({' x '.join(map(str, out_sp))}). Output size is too small")
    args = (input, weight) if bias is None else (input, weight, bias)
    out = ConvolutionTranspose.apply(*args, stride=stride, padding=padding, output_padding=output_padding,
                                     dilation=dilation, groups=groups)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution ("deconvolution") over ``(N, C_in, L)``.

    Args:
        weight: ``(C_in, C_out / groups, k)``. Output length
        ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Example:
        >>> ember.nn.functional.conv_transpose1d(ember.randn(1, 2, 5), ember.randn(2, 3, 3), stride=2).shape
        ember.Size([1, 3, 11])
    """
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution over ``(N, C_in, H, W)``; weight ``(C_in, C_out / groups, kH, kW)``.

    Example:
        >>> ember.nn.functional.conv_transpose2d(ember.randn(1, 2, 4, 4), ember.randn(2, 3, 3, 3), stride=2).shape
        ember.Size([1, 3, 9, 9])
    """
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution over ``(N, C_in, D, H, W)``; weight ``(C_in, C_out / groups, kD, kH, kW)``."""
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


# -------------------------------------------------------------------------------------------------- pooling
def _pool_tuple(v, nd):
    if isinstance(v, numbers.Integral):
        return (int(v),) * nd
    v = tuple(int(a) for a in v)
    return v * nd if len(v) == 1 else v


def _check_pool(name, x, nd, k, s, p, d, ceil_mode):
    if x.dim() not in (nd + 1, nd + 2) or 0 in tuple(x.shape[1:]):
        if name == "max_pool1d":
            raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size "
                               f"for input, but got:{_size_str(x.shape)}")
        if name == "avg_pool1d":
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x.dim()}-dimensional tensor for argument #1 "
                               f"'self' (while checking arguments for avg_pool1d)")
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    if any(kk <= 0 for kk in k):
        raise RuntimeError(f"{name}(): kernel_size must be greater than zero, but got {list(k)}")
    if any(ss <= 0 for ss in s):
        raise RuntimeError(f"{name}(): stride must be greater than zero, but got {list(s)}")
    for kk, pp, dd in zip(k, p, d):
        if pp > ((kk - 1) * dd + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    sp = tuple(x.shape[-nd:])
    out = tuple(pool_out_size(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip(sp, k, s, p, d))
    if any(o <= 0 for o in out):
        if name == "max_pool1d":
            raise RuntimeError(f"max_pool1d() Invalid computed output size: {out[0]}")
        c = (x.shape[-nd - 1],) + ((1,) if name == "avg_pool1d" else ())  # torch runs avg_pool1d as 2-D
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, c + sp))}). Calculated output size: "
                           f"({'x'.join(map(str, c + out))}). Output size is too small")


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x = input._data
    key = ("max_pool", nd, x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    try:
        plan = _PLANS.get(key)
    except TypeError:  # unhashable arguments (lists): no caching
        plan = None
        key = None
    if plan is None:
        plan = _max_pool_plan(nd, input, kernel_size, stride, padding, dilation, ceil_mode)
        if key is not None and len(_PLANS) < 4096:
            _PLANS[key] = plan
    k, s, p, d, grad_name, pairs = plan
    if not return_indices and not (_grad_state.enabled and input._requires_grad):
        if pairs is not None:  # 2x2 windows tiling the plane: row pairs, then column pairs
            rows = x.reshape(pairs[0])
            m = _maximum(rows[:, 0], rows[:, 1]).reshape(pairs[1])
            return wrap(_maximum(m[:, 0], m[:, 1]).reshape(pairs[2]))
        return wrap(max_pool_nograd(x, k, s, p, d, bool(ceil_mode)))
    return MaxPool.apply(input, kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=bool(ceil_mode),
                         return_indices=bool(return_indices), grad_name=grad_name)


def _max_pool_plan(nd, input, kernel_size, stride, padding, dilation, ceil_mode):
    k = _pool_tuple(kernel_size, nd)
    s = k if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) \
        else _pool_tuple(stride, nd)
    p = _pool_tuple(padding, nd)
    d = _pool_tuple(dilation, nd)
    _check_pool(f"max_pool{nd}d", input, nd, k, s, p, d, ceil_mode)
    grad_name = {1: "SqueezeBackward1", 2: "MaxPool2DWithIndicesBackward0",
                 3: "MaxPool3DWithIndicesBackward0"}[nd]
    pairs = None
    shape = tuple(input._data.shape)
    if nd == 2 and k == (2, 2) and s == k and p == (0, 0) and d == (1, 1) and not (shape[-1] & 1 or shape[-2] & 1):
        lead, h, w = shape[:-2], shape[-2], shape[-1]
        rows = math.prod(lead) * (h // 2)
        # (rows, 2, W) row pairs -> (rows * W/2, 2) column pairs -> the output shape
        pairs = ((rows, 2, w), (rows * (w // 2), 2), lead + (h // 2, w // 2))
    return k, s, p, d, grad_name, pairs


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling over ``(N, C, L)``; ``stride`` defaults to ``kernel_size``.

    Returns the pooled tensor, and the flat input indices of the maxima when ``return_indices``.

    Example:
        >>> ember.nn.functional.max_pool1d(ember.randn(1, 2, 8), 2).shape
        ember.Size([1, 2, 4])
    """
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling over ``(N, C, H, W)`` (or ``(C, H, W)``).

    Args:
        kernel_size, stride (default ``kernel_size``), padding (implicit ``-inf``), dilation: int or pair.
        ceil_mode: round the output size up instead of down.
        return_indices: also return the argmax positions (flat ``h * W + w``), for :func:`max_unpool2d`.

    Example:
        >>> ember.nn.functional.max_pool2d(ember.randn(1, 6, 28, 28), 2).shape
        ember.Size([1, 6, 14, 14])
    """
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """3-D max pooling over ``(N, C, D, H, W)``; arguments as :func:`max_pool2d` with triples."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """:func:`max_pool1d` returning ``(values, indices)``."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """:func:`max_pool2d` returning ``(values, indices)``."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """:func:`max_pool3d` returning ``(values, indices)``."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    k = _pool_tuple(kernel_size, nd)
    s = k if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) \
        else _pool_tuple(stride, nd)
    p = _pool_tuple(padding, nd)
    _check_pool(f"avg_pool{nd}d", input, nd, k, s, p, (1,) * nd, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    grad_name = {1: "SqueezeBackward1", 2: "AvgPool2DBackward0", 3: "AvgPool3DBackward0"}[nd]
    return AvgPool.apply(input, kernel_size=k, stride=s, padding=p, ceil_mode=bool(ceil_mode),
                         count_include_pad=bool(count_include_pad), divisor_override=divisor_override,
                         grad_name=grad_name)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over ``(N, C, L)``.

    Example:
        >>> ember.nn.functional.avg_pool1d(ember.ones(1, 1, 6), 3).tolist()
        [[[1.0, 1.0]]]
    """
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling over ``(N, C, H, W)``.

    Args:
        kernel_size, stride (default ``kernel_size``), padding (zeros): int or pair.
        ceil_mode: round the output size up. count_include_pad: count padded zeros in the divisor.
        divisor_override: divide every window sum by this instead.

    Example:
        >>> ember.nn.functional.avg_pool2d(ember.randn(1, 6, 28, 28), 2).shape
        ember.Size([1, 6, 14, 14])
    """
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """3-D average pooling over ``(N, C, D, H, W)``; arguments as :func:`avg_pool2d`."""
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def _adaptive_size(nd, x, output_size, name):
    if x.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {_size_str(x.shape)}")
    if isinstance(output_size, numbers.Integral):
        out = (int(output_size),) * nd
    else:
        out = tuple(output_size)
        if len(out) != nd:
            raise ValueError(f"{name}: output_size must be {nd}")
    sp = tuple(x.shape[-nd:])
    return tuple(s if o is None else int(o) for o, s in zip(out, sp))


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed output length: window ``i`` covers ``[floor(iL/o), ceil((i+1)L/o))``.

    Example:
        >>> ember.nn.functional.adaptive_avg_pool1d(ember.randn(1, 2, 10), 3).shape
        ember.Size([1, 2, 3])
    """
    out = _adaptive_size(1, input, output_size, "adaptive_avg_pool1d")
    return AdaptiveAvgPool.apply(input, output_size=out, grad_name="SqueezeBackward1")


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed ``(H_out, W_out)`` (int, pair, or None entries to keep a size).

    Example:
        >>> ember.nn.functional.adaptive_avg_pool2d(ember.randn(1, 8, 7, 7), 1).shape
        ember.Size([1, 8, 1, 1])
    """
    out = _adaptive_size(2, input, output_size, "adaptive_avg_pool2d")
    return AdaptiveAvgPool.apply(input, output_size=out)


def adaptive_avg_pool3d(input, output_size):
    """Average pooling to a fixed ``(D_out, H_out, W_out)``."""
    out = _adaptive_size(3, input, output_size, "adaptive_avg_pool3d")
    return AdaptiveAvgPool.apply(input, output_size=out, grad_name="AdaptiveAvgPool3DBackward0")


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling to a fixed output length; ``return_indices`` also returns the argmax positions."""
    out = _adaptive_size(1, input, output_size, "adaptive_max_pool1d")
    vals, idx = AdaptiveMaxPool.apply(input, output_size=out, grad_name="SqueezeBackward1")
    return (vals, idx) if return_indices else vals


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed ``(H_out, W_out)``; ``return_indices`` also returns flat argmax positions.

    Example:
        >>> ember.nn.functional.adaptive_max_pool2d(ember.randn(1, 3, 9, 9), 2).shape
        ember.Size([1, 3, 2, 2])
    """
    out = _adaptive_size(2, input, output_size, "adaptive_max_pool2d")
    vals, idx = AdaptiveMaxPool.apply(input, output_size=out)
    return (vals, idx) if return_indices else vals


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """:func:`adaptive_max_pool1d` returning ``(values, indices)``."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """:func:`adaptive_max_pool2d` returning ``(values, indices)``."""
    return adaptive_max_pool2d(input, output_size, True)


def _max_unpool(nd, input, indices, kernel_size, stride, padding, output_size):
    k = _pool_tuple(kernel_size, nd)
    s = k if stride is None else _pool_tuple(stride, nd)
    p = _pool_tuple(padding, nd)
    sp = tuple(input.shape[-nd:])
    default = tuple((i - 1) * ss - 2 * pp + kk for i, ss, pp, kk in zip(sp, s, p, k))
    if output_size is None:
        out = default
    else:
        out = tuple(output_size)[-nd:]
        for o, dflt, ss in zip(out, default, s):
            if not (dflt - ss < o < dflt + ss):
                raise ValueError(f"invalid output_size \"{list(output_size)}\" (dim 0 must be between "
                                 f"{default[0] - s[0]} and {default[0] + s[0]})")
    grad_name = {1: "SqueezeBackward1", 2: "MaxUnpool2DBackward0", 3: "MaxUnpool3DBackward0"}[nd]
    return MaxUnpool.apply(input, indices, output_size=out, grad_name=grad_name)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Inverse of :func:`max_pool1d`: put values back at ``indices``, zeros elsewhere."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Inverse of :func:`max_pool2d` (with ``return_indices=True``): scatter values, zeros elsewhere.

    Example:
        >>> F = ember.nn.functional
        >>> y, i = F.max_pool2d(ember.randn(1, 1, 4, 4), 2, return_indices=True)
        >>> F.max_unpool2d(y, i, 2).shape
        ember.Size([1, 1, 4, 4])
    """
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Inverse of :func:`max_pool3d`."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    k = _pool_tuple(kernel_size, nd)
    avg = _avg_pool(nd, input.pow(norm_type), k, stride, 0, ceil_mode, True, None)
    return (avg.sign() * avg.abs().relu()).mul(math.prod(k)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: ``(sum over window of x^p)^(1/p)`` over ``(N, C, L)``."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over ``(N, C, H, W)``: ``(sum over window of x^p)^(1/p)``."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


# -------------------------------------------------------------------------------------------------- padding
_NON_CONSTANT_HELP = ("Supported combinations for non-constant padding:\n"
                      "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                      "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                      "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims; ``pad`` lists (left, right) pairs starting from the LAST dim.

    Args:
        pad: ``(left, right)`` pads the last dim, ``(left, right, top, bottom)`` the last two, ...
            Negative values crop (constant mode).
        mode: ``'constant'`` (fill with ``value``, default 0), ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Example:
        >>> ember.nn.functional.pad(ember.ones(1, 2, 3), (1, 2)).shape
        ember.Size([1, 2, 6])
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = len(pad) // 2
    if nd > input.dim():
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.dim()}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    # (lo, hi) per padded dim, in natural (first-to-last) order.
    pairs = tuple((pad[2 * i], pad[2 * i + 1]) for i in range(nd))[::-1]
    if mode == "constant":
        sp = tuple(input.shape[input.dim() - nd:])
        for (lo, hi), s in zip(pairs, sp):
            if s + lo + hi < 0:
                raise RuntimeError(f"The input size {s}, plus negative padding {lo} and {hi} resulted in a negative "
                                   f"output size, which is invalid. Check dimension {input.dim() - nd} of your "
                                   f"input.")
        return Pad.apply(input, pads=pairs, mode="constant", value=0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if not (input.dim() - 1 <= nd + 1 <= input.dim() and 1 <= nd <= 3):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
                                  + _NON_CONSTANT_HELP)
    sp = tuple(input.shape[input.dim() - nd:])
    for ax, ((lo, hi), s) in enumerate(zip(pairs, sp)):
        dim = input.dim() - nd + ax
        if mode == "reflect" and (lo >= s or hi >= s):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {dim} of input {_size_str(input.shape)}")
        if mode == "circular" and (lo > s or hi > s):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    names = {"reflect": "ReflectionPad{}DBackward0", "replicate": "ReplicationPad{}DBackward0"}
    grad_name = names[mode].format(nd) if mode in names else "CopySlices"
    return Pad.apply(input, pads=pairs, mode=mode, grad_name=grad_name)


# ---------------------------------------------------------------------------------------------- interpolate
_INTERP_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of ``(N, C, *S)`` to ``size`` or by ``scale_factor``.

    Args:
        size: output spatial size (int or tuple). scale_factor: multiplier (float or tuple). Give exactly one.
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'`` (3-D input), ``'bilinear'`` / ``'bicubic'``
            (4-D), ``'trilinear'`` (5-D), ``'area'``.
        align_corners: for the linear modes, map corner pixel centres onto each other (default False).

    Example:
        >>> ember.nn.functional.interpolate(ember.randn(1, 3, 4, 4), scale_factor=2, mode="bilinear").shape
        ember.Size([1, 3, 8, 8])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    nd = input.dim() - 2
    if nd < 1:
        raise ValueError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for the "
                         f"modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got "
                         f"{mode})")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    sp = tuple(input.shape[2:])
    scales = None
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(sp)} and output size of {list(size)}. Please "
                                 f"provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, "
                                 f"o2, ...,oK) format.")
            out = tuple(int(s) for s in size)
        else:
            out = (int(size),) * nd
    else:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != nd:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(sp)} and scale_factor of shape "
                                 f"{list(scale_factor)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                                 f"and scale_factor in (s1, s2, ...,sK) format.")
            sf = tuple(float(f) for f in scale_factor)
        else:
            sf = (float(scale_factor),) * nd
        out = tuple(int(math.floor(s * f)) for s, f in zip(sp, sf))
        if not recompute_scale_factor:
            scales = tuple(1.0 / f for f in sf)
    if mode in _INTERP_DIMS and _INTERP_DIMS[mode] != nd:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_INTERP_DIMS[mode] + 2}D input")
    if antialias:
        raise NotImplementedError("interpolate(antialias=True) is not supported by ember yet")
    if mode == "area":
        return _adaptive_area(input, out)
    if mode not in ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic"):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  f"for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    if mode in ("nearest", "nearest-exact"):
        base = "UpsampleNearestExact" if mode == "nearest-exact" else "UpsampleNearest"
        grad_name = f"{base}{nd}DBackward0"
    else:
        grad_name = {"linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
                     "trilinear": "UpsampleTrilinear3DBackward0", "bicubic": "UpsampleBicubic2DBackward0"}[mode]
    if align_corners:
        scales = None
    return Upsample.apply(input, output_size=out, mode=mode, align_corners=bool(align_corners), scales=scales,
                          grad_name=grad_name)


def _adaptive_area(input, out):
    nd = len(out)
    if nd == 1:
        return adaptive_avg_pool1d(input, out)
    if nd == 2:
        return adaptive_avg_pool2d(input, out)
    return adaptive_avg_pool3d(input, out)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of :func:`interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated alias of ``interpolate(..., mode='nearest')``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated alias of ``interpolate(..., mode='bilinear', align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ------------------------------------------------------------------------------------------------ fold/unfold
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks (im2col): ``(N, C, H, W)`` -> ``(N, C * kH * kW, L)``.

    ``L`` is the number of block positions. Example:
        >>> ember.nn.functional.unfold(ember.randn(1, 2, 4, 4), 2).shape
        ember.Size([1, 8, 9])
    """
    if input.dim() not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    unbatched = input.dim() == 3
    if unbatched:
        input = input.unsqueeze(0)
    k, d, p, s = (_pool_tuple(v, 2) for v in (kernel_size, dilation, padding, stride))
    sp = tuple(input.shape[2:])
    blocks = tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, pp, dd, kk, ss in zip(sp, p, d, k, s))
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size ({sp[0]}, {sp[1]}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of "
                           f"sliding blocks as ({blocks[0]}, {blocks[1]}), but its components must be at least one.")
    out = Im2Col.apply(input, kernel_size=k, dilation=d, padding=p, stride=s)
    return out.squeeze(0) if unbatched else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks back into an image (col2im): ``(N, C * kH * kW, L)`` -> ``(N, C, *output_size)``.

    Example:
        >>> ember.nn.functional.fold(ember.ones(1, 4, 9), (4, 4), 2).shape
        ember.Size([1, 1, 4, 4])
    """
    if input.dim() not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {input.dim()}D)")
    unbatched = input.dim() == 2
    if unbatched:
        input = input.unsqueeze(0)
    o, k, d, p, s = (_pool_tuple(v, 2) for v in (output_size, kernel_size, dilation, padding, stride))
    kk = k[0] * k[1]
    if input.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={input.shape[1]} and kernel_size=({k[0]}, {k[1]}).")
    blocks = tuple((n + 2 * pp - dd * (kq - 1) - 1) // ss + 1 for n, pp, dd, kq, ss in zip(o, p, d, k, s))
    if blocks[0] * blocks[1] != input.shape[2]:
        raise RuntimeError(f"Given output_size=({o[0]}, {o[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, "
                           f"{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input's "
                           f"dimension 2 to match the calculated number of sliding blocks {blocks[0]} * {blocks[1]} "
                           f"= {blocks[0] * blocks[1]}, but got input.size(2)={input.shape[2]}.")
    out = Col2Im.apply(input, output_size=o, kernel_size=k, dilation=d, padding=p, stride=s)
    return out.squeeze(0) if unbatched else out


def _check_shuffle_args(name, input, arg, r):
    if input.dim() < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input with {input.dim()} "
                           f"dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{name} expects a positive {arg}, but got {r}")


def pixel_shuffle(input, upscale_factor):
    """``(*, C * r^2, H, W)`` -> ``(*, C, H * r, W * r)``.

    Example:
        >>> ember.nn.functional.pixel_shuffle(ember.randn(1, 8, 3, 3), 2).shape
        ember.Size([1, 2, 6, 6])
    """
    r = int(upscale_factor)
    _check_shuffle_args("pixel_shuffle", input, "upscale_factor", r)
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    nl = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    perm = tuple(range(nl)) + tuple(nl + i for i in (0, 3, 1, 4, 2))
    return x.permute(*perm).reshape(*lead, c // (r * r), h * r, w * r)


def channel_shuffle(input, groups):
    """Interleave the channels of ``(N, C, *)`` from ``groups`` groups (ShuffleNet): channel ``g * (C/groups) + i``
    moves to ``i * groups + g``.

    Example:
        >>> ember.nn.functional.channel_shuffle(ember.arange(4.).reshape(1, 4, 1, 1), 2).flatten().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with sizes "
                           f"{list(input.shape)}")
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle


def pixel_unshuffle(input, downscale_factor):
    """``(*, C, H * r, W * r)`` -> ``(*, C * r^2, H, W)`` (inverse of :func:`pixel_shuffle`)."""
    r = int(downscale_factor)
    _check_shuffle_args("pixel_unshuffle", input, "downscale_factor", r)
    *lead, c, h, w = input.shape
    for dim, size, i in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {dim} to be divisible by downscale_factor, but "
                               f"input.size({i})={size} is not divisible by {r}")
    nl = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    perm = tuple(range(nl)) + tuple(nl + i for i in (0, 2, 4, 1, 3))
    return x.permute(*perm).reshape(*lead, c * r * r, h // r, w // r)
