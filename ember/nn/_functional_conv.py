"""Functional convolution, pooling, padding, interpolation and fold/unfold (``torch.nn.functional`` names)."""

import itertools
import math
import numbers

from ember._ops.conv import Col2Im, Convolution, ConvolutionTranspose, Im2Col, Pad, conv_nograd
from ember._ops.pooling import (AdaptiveAvgPool, AdaptiveMaxPool, AvgPool, MaxPool, MaxUnpool, Upsample,
                                UpsampleAntialias, max_pool_nograd, pool_out_size)
from ember._ops.shape import ChannelShuffle, PixelShuffle, PixelUnshuffle
from ember import _functions_args as _args
from ember import _ops
from ember._backend import xp
from ember._dtype import C10_NAMES, TYPE_WORDS
from ember._tensor import Tensor, wrap
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


# dtypes as PyTorch's C++ kernels name them in the bias check's message


def _check_dtypes(input, weight, bias, transposed=False):
    a, b = input._data.dtype, weight._data.dtype
    # PyTorch checks the bias against the input first (a transposed convolution casts its bias instead)
    if not transposed and bias is not None and bias._data.dtype != a:
        c = bias._data.dtype
        raise RuntimeError(f"Input type ({C10_NAMES.get(a.name, a.name)}) and bias type "
                           f"({C10_NAMES.get(c.name, c.name)}) should be the same")
    if a != b:
        if transposed and a.name == "bfloat16":  # (PyTorch's bfloat16 transposed convolution goes to mkldnn)
            raise RuntimeError(f"Input type (CPUBFloat16Type) and weight type ({weight.type()}) should be the same "
                               "or input should be a MKLDNN tensor and weight is a dense tensor")
        raise RuntimeError(f"expected scalar type {TYPE_WORDS.get(a.name, a.name)} but found "
                           f"{TYPE_WORDS.get(b.name, b.name)}")


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
    if _ops._hooks:  # half types in use, or CPU autocast: casts (PyTorch's lower-precision list)
        input, weight, bias = _ops.autocast_args(input, weight, bias)
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
                                     or (bias is not None and bias._requires_grad))) and x.dtype.itemsize > 2 \
            and not (_ops._hooks and (input.is_meta or weight.is_meta)):
        # Nothing to record: run the forward on the raw arrays (no graph node, per-geometry layout cache; half
        # types take the op, which computes them in float32).
        out = conv_nograd(token, x[None] if unbatched else x, w, b, stride, pads, dilation, groups, padded)
        return wrap(out[0] if unbatched else out)
    if unbatched:
        input = input.unsqueeze(0)
    args = (input, weight) if bias is None else (input, weight, bias)
    out = Convolution.apply(*args, stride=stride, pads=pads, dilation=dilation, groups=groups,
                            padded=padded)
    return out.squeeze(0) if unbatched else out


def _warn_uneven_same():
    # PyTorch's warning (once per process, as TORCH_WARN_ONCE) where padding='same' pads one side more
    from ember import _functions_extra as _fx  # (only here: a plan with uneven 'same' padding)
    if _fx._settings["warn_always"] or "conv_same_uneven" not in _fx._warned:
        _fx._warned.add("conv_same_uneven")
        _args.warn("Using padding='same' with even kernel lengths and odd dilation may require a zero-padded copy "
                   "of the input be created")


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
            if any(lo != hi for lo, hi in pads):
                _warn_uneven_same()
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


@_args.checks_args
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
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)):
        _args.reject("nn.functional", "conv1d", conv1d, (input, weight, bias, stride, padding, dilation, groups))
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


@_args.checks_args
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
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)):
        _args.reject("nn.functional", "conv2d", conv2d, (input, weight, bias, stride, padding, dilation, groups))
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


@_args.checks_args
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over ``(N, C_in, D, H, W)``; arguments as :func:`conv2d` with triples.

    Example:
        >>> ember.nn.functional.conv3d(ember.randn(1, 2, 4, 5, 6), ember.randn(3, 2, 2, 2, 2)).shape
        ember.Size([1, 3, 3, 4, 5])
    """
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)):
        _args.reject("nn.functional", "conv3d", conv3d, (input, weight, bias, stride, padding, dilation, groups))
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def _output_padding_error(output_padding, stride, dilation):
    # PyTorch's text names every spatial dim, running a 1-D op as 2-D (a unit height: padding 0, stride 1)
    if len(stride) == 1:
        output_padding, stride, dilation = (0, *output_padding), (1, *stride), (1, *dilation)
    dims = ("depth", "height", "width")[-len(stride):]
    parts = [f"{what}_{dim}: {v}" for what, vals in (("output_padding", output_padding), ("stride", stride),
                                                     ("dilation", dilation)) for dim, v in zip(dims, vals)]
    return "output padding must be smaller than either stride or dilation, but got " + " ".join(parts)


def _conv_transpose(nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    name = f"conv_transpose{nd}d"
    if _ops._hooks:  # CPU autocast: casts (PyTorch's lower-precision list)
        input, weight, bias = _ops.autocast_args(input, weight, bias)
    _check_dtypes(input, weight, bias, transposed=True)
    if bias is not None and bias._data.dtype != input._data.dtype:
        bias = bias.to(input.dtype)
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
            raise RuntimeError(_output_padding_error(output_padding, stride, dilation))
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


def _int_list(v, fn, arg, pos):
    """``v`` (an int or a sequence of ints) as a tuple, with PyTorch's TypeError for anything else."""
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return (int(v),)
    if isinstance(v, (tuple, list)):
        for i, a in enumerate(v):
            if not isinstance(a, numbers.Integral) or (i == 0 and isinstance(a, bool)):
                raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be tuple of ints, but found element "
                                f"of type {type(a).__name__} at pos {i}")
        return tuple(int(a) for a in v)
    raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be tuple of ints, not {type(v).__name__}")


def _parse_pool(fn, kernel_size, stride, padding, dilation=1):
    """The four window arguments as tuples (stride ``()`` when omitted), type-checked like PyTorch's parser."""
    return (_int_list(kernel_size, fn, "kernel_size", 2), () if stride is None else _int_list(stride, fn, "stride", 3),
            _int_list(padding, fn, "padding", 4), _int_list(dilation, fn, "dilation", 5))


def _check_divisor(fn, divisor_override):
    if divisor_override is not None and (isinstance(divisor_override, bool)
                                         or not isinstance(divisor_override, numbers.Integral)):
        raise TypeError(f"{fn}(): argument 'divisor_override' must be int, not {type(divisor_override).__name__}")


def _one_int(fn, k, s, p, d):
    """1-D poolings that run as 2-D ones take exactly one int per argument (an omitted stride is the kernel)."""
    for arg, v in (("kernel_size", k), ("stride", s), ("padding", p), ("dilation", d)):
        if len(v) != 1 and not (arg == "stride" and not v):
            raise RuntimeError(f"{fn}() argument '{arg}' should contain one int (got {len(v)})")
    return k, s or k, p, d


def _nd_sizes(fn, nd, k, s, p, d):
    """Expand the 2-D/3-D window arguments to ``nd`` entries, rejecting other lengths with PyTorch's words."""
    w = {2: "two", 3: "three"}[nd]
    either = "" if fn == "avg_pool3d" else "either "
    if len(k) not in (1, nd):
        raise RuntimeError(f"{fn}: kernel_size must {either}be a single int, or a tuple of {w} ints")
    if len(s) not in (0, 1, nd):
        raise RuntimeError(f"{fn}: stride must {either}be omitted, a single int, or a tuple of {w} ints")
    if len(p) not in (1, nd):
        raise RuntimeError(f"{fn}: padding must {either}be a single int, or a tuple of {w} ints")
    if len(d) not in (1, nd):
        raise RuntimeError(f"{fn}: dilation must be either a single int, or a tuple of {w} ints")
    k, p, d = (v * nd if len(v) == 1 else v for v in (k, p, d))
    return k, (k if not s else s * nd if len(s) == 1 else s), p, d


def _c_half(n):
    return n // 2 if n >= 0 else -(-n // 2)  # C++ division: truncates toward zero


def _check_pool_nd(fn, shape, k, s, p, d, ceil_mode, avg=False):
    """PyTorch's 2-D/3-D pooling checks, in its order: each dim's output size (stride, padding), then kernel,
    stride and dilation signs, the input's shape, the half-kernel padding rule and a positive output."""
    nd = len(k)
    sp = shape[-nd:]
    for kk, ss, pp, dd in zip(k, s, p, d):
        if ss == 0:
            raise RuntimeError("stride should not be zero")
        if pp < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {pp}")
        if pp > _c_half((kk - 1) * dd + 1):
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    out = tuple(pool_out_size(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip(sp, k, s, p, d))
    axes = "THW"[-nd:]

    def named(prefix, values):
        return " ".join(f"{prefix}{a}: {v}" for a, v in zip(axes, values))
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got {named('k', k)}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got {named('d', s)}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got {named('dilation', d)}")
    if nd == 2:
        if not ((len(shape) == 3 and all(shape)) or (len(shape) == 4 and all(shape[1:]))):
            raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                               f"got:{_size_str(shape)}")
        if any(pp > kk // 2 for kk, pp in zip(k, p)):
            raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = {p[1]}, "
                               f"padH = {p[0]}, kW = {k[1]}, kH = {k[0]}")
    else:
        if not all(shape[len(shape) - 4:]):  # the batch dim may be empty, nothing else
            # PyTorch prints the offending size (always 0) where it means to print the dim
            raise RuntimeError(f"{'avg_pool3d' if avg else 'max_pool3d_with_indices_out_cpu_template'}(): Expected "
                               f"input's non-batch dimensions to have positive length, but input has a shape of "
                               f"{_size_str(shape)} and non-batch dimension 0 has length zero!")
        if avg and any(n < kk for n, kk in zip(sp, k)):
            raise RuntimeError(f"input image (T: {sp[0]} H: {sp[1]} W: {sp[2]}) smaller than kernel size "
                               f"(kT: {k[0]} kH: {k[1]} kW: {k[2]})")
        if any(pp > kk // 2 for kk, pp in zip(k, p)):
            raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got kT: {k[0]} kW: "
                               f"{k[2]} kH: {k[1]} padT: {p[0]} padW: {p[2]} padH: {p[1]}")
    if min(out) < 1:
        c = (shape[-nd - 1],)
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, c + sp))}). Calculated output size: "
                           f"({'x'.join(map(str, c + out))}). Output size is too small")


def _check_max_pool1d(x, k, s, p, d, ceil_mode):
    """``max_pool1d`` without indices has checks (and words) of its own."""
    shape = tuple(x.shape)
    if not ((len(shape) == 2 and all(shape)) or (len(shape) == 3 and all(shape[1:]))):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{_size_str(shape)}")
    if len(k) != 1:
        raise RuntimeError(f"max_pool1d() kernel_size must be an int, list of ints or tuple of ints of size 1 but got "
                           f"size {len(k)}")
    if len(s) > 1:
        raise RuntimeError(f"max_pool1d() stride must be None, an int, list of ints, or tuple of ints of size 1 but "
                           f"got size {len(s)}")
    if len(p) != 1:
        raise RuntimeError(f"max_pool1d() padding must be an int, list of ints, or tuple of ints of size 1 but got "
                           f"size {len(p)}")
    if len(d) != 1:
        raise RuntimeError(f"max_pool1d() dilation must be an int, list of ints or tuple of ints of size 1 but got "
                           f"size {len(d)}")
    s = s or k
    (kk,), (ss,), (pp,), (dd,) = k, s, p, d
    if kk <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {kk}")
    if ss <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {ss}")
    if pp < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {pp}")
    if pp > kk // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={pp} and "
                           f"kernel_size={kk}")
    if dd <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {dd}")
    out = pool_out_size(shape[-1], kk, ss, pp, dd, ceil_mode)
    if out <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    return k, s, p, d


def _check_1d_dims(fn, x):
    if x.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x.dim()}-dimensional tensor for argument #1 'self' "
                           f"(while checking arguments for {fn})")


def _not_implemented(kernel, x):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{TYPE_WORDS[x._data.dtype.name]}'")


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x = input._data
    key = ("max_pool", nd, x.shape, x.dtype, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    try:
        plan = _PLANS.get(key)
    except TypeError:  # unhashable arguments (lists): no caching
        plan = None
        key = None
    if plan is None:
        plan = _max_pool_plan(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
        if key is not None and len(_PLANS) < 4096:
            _PLANS[key] = plan
    k, s, p, d, grad_name, pairs = plan
    if not return_indices and not (_grad_state.enabled and input._requires_grad) \
            and not (_ops._hooks and input.is_meta):
        if pairs is not None and x.flags.c_contiguous:  # 2x2 windows tiling the plane: row pairs, then column pairs
            rows = x.reshape(pairs[0])
            m = _maximum(rows[:, 0], rows[:, 1]).reshape(pairs[1])
            return wrap(_maximum(m[:, 0], m[:, 1]).reshape(pairs[2]))
        return wrap(max_pool_nograd(x, k, s, p, d, bool(ceil_mode)))
    return MaxPool.apply(input, kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=bool(ceil_mode),
                         return_indices=bool(return_indices), grad_name=grad_name)


def _max_pool_plan(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    fn = f"max_pool{nd}d" + ("_with_indices" if return_indices else "")
    k, s, p, d = _parse_pool(fn, kernel_size, stride, padding, dilation)
    shape = tuple(input._data.shape)
    kind = input._data.dtype.kind
    if nd == 1 and not return_indices:
        k, s, p, d = _check_max_pool1d(input, k, s, p, d, ceil_mode)
        if kind not in "fV":
            raise _not_implemented("max_pool1d_impl", input)
    elif nd == 1:  # runs as a 2-D pooling of (..., 1, L)
        _check_1d_dims("max_pool1d", input)
        k, s, p, d = _one_int("max_pool1d", k, s, p, d)
        _check_pool_nd("max_pool2d", shape[:-1] + (1,) + shape[-1:], (1,) + k, (1,) + s, (0,) + p, (1,) + d,
                       ceil_mode)
    else:
        k, s, p, d = _nd_sizes(f"max_pool{nd}d", nd, k, s, p, d)
        if input.dim() not in (nd + 1, nd + 2):
            raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
        _check_pool_nd(f"max_pool{nd}d", shape, k, s, p, d, ceil_mode)
    if kind == "b":
        raise _not_implemented(f"max_pool{max(nd, 2)}d", input)
    grad_name = {1: "SqueezeBackward1", 2: "MaxPool2DWithIndicesBackward0",
                 3: "MaxPool3DWithIndicesBackward0"}[nd]
    pairs = None
    if nd == 2 and k == (2, 2) and s == k and p == (0, 0) and d == (1, 1) and not (shape[-1] & 1 or shape[-2] & 1):
        lead, h, w = shape[:-2], shape[-2], shape[-1]
        rows = math.prod(lead) * (h // 2)
        # (rows, 2, W) row pairs -> (rows * W/2, 2) column pairs -> the output shape
        pairs = ((rows, 2, w), (rows * (w // 2), 2), lead + (h // 2, w // 2))
    return k, s, p, d, grad_name, pairs


@_args.checks_args
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling over ``(N, C, L)``; ``stride`` defaults to ``kernel_size``.

    Returns the pooled tensor, and the flat input indices of the maxima when ``return_indices``.

    Example:
        >>> ember.nn.functional.max_pool1d(ember.randn(1, 2, 8), 2).shape
        ember.Size([1, 2, 4])
    """
    if not isinstance(input, Tensor):
        _args.reject("nn.functional", "max_pool1d", max_pool1d,
                     (input, kernel_size, stride, padding, dilation, ceil_mode, return_indices))
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


@_args.checks_args
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
    if not isinstance(input, Tensor):
        _args.reject("nn.functional", "max_pool2d", max_pool2d,
                     (input, kernel_size, stride, padding, dilation, ceil_mode, return_indices))
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


@_args.checks_args
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """3-D max pooling over ``(N, C, D, H, W)``; arguments as :func:`max_pool2d` with triples."""
    if not isinstance(input, Tensor):
        _args.reject("nn.functional", "max_pool3d", max_pool3d,
                     (input, kernel_size, stride, padding, dilation, ceil_mode, return_indices))
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input, = _ops.autocast_fp32_args(input)
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
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input, = _ops.autocast_fp32_args(input)
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    fn = f"avg_pool{nd}d"
    k, s, p, _ = _parse_pool(fn, kernel_size, stride, padding)
    _check_divisor(fn, divisor_override)
    shape = tuple(input._data.shape)
    if nd == 1:  # runs as a 2-D pooling of (..., 1, L)
        _check_1d_dims(fn, input)
        k, s, p, _ = _one_int(fn, k, s, p, (1,))
        _check_pool_nd(fn, shape[:-1] + (1,) + shape[-1:], (1,) + k, (1,) + s, (0,) + p, (1, 1), ceil_mode)
    else:
        k, s, p, d = _nd_sizes(fn, nd, k, s, p, (1,))
        if nd == 3 and input.dim() not in (4, 5):
            raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
        if divisor_override is not None and divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        if input.dim() < 3:  # PyTorch reads the channel count at dim -3 first
            raise IndexError("Dimension specified as -3 but tensor has no dimensions" if input.dim() == 0 else
                             f"Dimension out of range (expected to be in range of [{-input.dim()}, {input.dim() - 1}], "
                             f"but got -3)")
        _check_pool_nd(fn, shape, k, s, p, d, ceil_mode, avg=True)
    dt = input._data.dtype
    # CPU kernels exist for floats and int64 only (no half precision in 3-D)
    if not (dt.kind in "fV" or dt.name == "int64") or (nd == 3 and dt.name in ("float16", "bfloat16")):
        raise _not_implemented("avg_pool3d_out_frame" if nd == 3 else "avg_pool2d", input)
    grad_name = {1: "SqueezeBackward1", 2: "AvgPool2DBackward0", 3: "AvgPool3DBackward0"}[nd]
    return AvgPool.apply(input, kernel_size=k, stride=s, padding=p, ceil_mode=bool(ceil_mode),
                         count_include_pad=bool(count_include_pad), divisor_override=divisor_override,
                         grad_name=grad_name)


@_args.checks_args
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over ``(N, C, L)``.

    Example:
        >>> ember.nn.functional.avg_pool1d(ember.ones(1, 1, 6), 3).tolist()
        [[[1.0, 1.0]]]
    """
    if not isinstance(input, Tensor):
        _args.reject("nn.functional", "avg_pool1d", avg_pool1d,
                     (input, kernel_size, stride, padding, ceil_mode, count_include_pad))
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


@_args.checks_args
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
    if not isinstance(input, Tensor):
        _args.reject("nn.functional", "avg_pool2d", avg_pool2d,
                     (input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override))
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


@_args.checks_args
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """3-D average pooling over ``(N, C, D, H, W)``; arguments as :func:`avg_pool2d`."""
    if not isinstance(input, Tensor):
        _args.reject("nn.functional", "avg_pool3d", avg_pool3d,
                     (input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override))
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input, = _ops.autocast_fp32_args(input)
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def _list_with_default(output_size, x):
    """``F.adaptive_*_pool{2,3}d``'s Python layer: ``None`` entries of ``output_size`` keep the input's size."""
    if isinstance(output_size, numbers.Integral):
        return output_size
    if x.dim() <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    return [d if v is None else v for v, d in zip(output_size, x.shape[x.dim() - len(output_size):])]


def _adaptive_out(name, nd, output_size):
    if isinstance(output_size, numbers.Integral) and not isinstance(output_size, bool):
        return (int(output_size),) * nd
    return _int_list(output_size, name, "output_size", 2)


def _check_adaptive_input(name, nd, x, all_dims, colon=""):
    """Rank, then empty dims: the batch dim may be empty, and for adaptive average 2-D pooling the channel
    dim too (PyTorch only looks at the spatial dims there)."""
    shape = tuple(x.shape)
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got{colon} {_size_str(shape)}")
    for i in range(1, len(shape)) if all_dims else range(len(shape) - nd, len(shape)):
        if shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {_size_str(shape)} with dimension {i} being empty")


def _adaptive_avg(nd, input, output_size, grad_name=None):
    name = f"adaptive_avg_pool{nd}d"
    out = _adaptive_out(name, nd, output_size)
    if len(out) != nd:
        raise RuntimeError(f"{name}: output_size must be {nd}")
    if min(out) < 0:
        sizes = ", ".join(map(str, out[:2])) + "".join(f",{o}" for o in out[2:])  # sic: PyTorch's 3-D spacing
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{sizes}}}")
    if out == (1,) * nd:  # a global average: PyTorch takes the mean (its dtype rule and grad_fn included)
        return input.mean(tuple(range(-nd, 0)), keepdim=True)
    _check_adaptive_input(name, nd, input, all_dims=nd == 3)
    if input._data.dtype.kind not in "fV":
        raise _not_implemented("adaptive_avg_pool3d_cpu" if nd == 3 else name, input)
    if grad_name is None:
        return AdaptiveAvgPool.apply(input, output_size=out)
    return AdaptiveAvgPool.apply(input, output_size=out, grad_name=grad_name)


def _adaptive_max(nd, input, output_size, grad_name=None):
    name = f"adaptive_max_pool{nd}d"
    if nd == 3 and _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input, = _ops.autocast_fp32_args(input)
    out = _adaptive_out(name, nd, output_size)
    _check_adaptive_input(name, nd, input, all_dims=True, colon=":")
    if len(out) != nd:
        raise RuntimeError(f"{name}(): internal error: output_size.size() must be {nd}")
    if min(out) < 0:
        shape = list(input.shape[:input.dim() - nd]) + list(out)
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: {shape}")
    if input._data.dtype.kind not in "fV":
        raise _not_implemented("adaptive_max_pool3d_cpu" if nd == 3 else name, input)
    if grad_name is None:
        return AdaptiveMaxPool.apply(input, output_size=out)
    return AdaptiveMaxPool.apply(input, output_size=out, grad_name=grad_name)


def _adaptive_1d(name, input, output_size):
    """The 1-D adaptive poolings' own checks; they then run as 2-D poolings of ``(..., 1, L)``."""
    out = _int_list(output_size, name, "output_size", 2)
    _check_1d_dims(name, input)
    if len(out) != 1:
        raise RuntimeError(f"{name}() argument 'output_size' should contain one int (got {len(out)})")
    return (1,) + out


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed output length: window ``i`` covers ``[floor(iL/o), ceil((i+1)L/o))``.

    Example:
        >>> ember.nn.functional.adaptive_avg_pool1d(ember.randn(1, 2, 10), 3).shape
        ember.Size([1, 2, 3])
    """
    out = _adaptive_1d("adaptive_avg_pool1d", input, output_size)
    if out[1] == 1 or min(out) < 0:  # PyTorch's 2-D rules, in its words (a global mean, negative sizes)
        return _adaptive_avg(2, input.unsqueeze(-2), out).squeeze(-2)
    _check_adaptive_input("adaptive_avg_pool2d", 2, input.unsqueeze(-2), all_dims=False)
    if input._data.dtype.kind not in "fV":
        raise _not_implemented("adaptive_avg_pool2d", input)
    return AdaptiveAvgPool.apply(input, output_size=out[1:], grad_name="SqueezeBackward1")


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed ``(H_out, W_out)`` (int, pair, or None entries to keep a size).

    Example:
        >>> ember.nn.functional.adaptive_avg_pool2d(ember.randn(1, 8, 7, 7), 1).shape
        ember.Size([1, 8, 1, 1])
    """
    return _adaptive_avg(2, input, _list_with_default(output_size, input))


def adaptive_avg_pool3d(input, output_size):
    """Average pooling to a fixed ``(D_out, H_out, W_out)``."""
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input, = _ops.autocast_fp32_args(input)
    return _adaptive_avg(3, input, _list_with_default(output_size, input), "AdaptiveAvgPool3DBackward0")


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling to a fixed output length; ``return_indices`` also returns the argmax positions."""
    out = _adaptive_1d("adaptive_max_pool1d", input, output_size)
    _check_adaptive_input("adaptive_max_pool1d", 1, input, all_dims=True)
    if out[1] < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {out[1]}: "
                           f"{list(input.shape[:-1]) + [1, out[1]]}")
    if input._data.dtype.kind not in "fV":
        raise _not_implemented("adaptive_max_pool2d", input)
    vals, idx = AdaptiveMaxPool.apply(input, output_size=out[1:], grad_name="SqueezeBackward1")
    return (vals, idx) if return_indices else vals


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed ``(H_out, W_out)``; ``return_indices`` also returns flat argmax positions.

    Example:
        >>> ember.nn.functional.adaptive_max_pool2d(ember.randn(1, 3, 9, 9), 2).shape
        ember.Size([1, 3, 2, 2])
    """
    vals, idx = _adaptive_max(2, input, _list_with_default(output_size, input))
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
        for d, (o, dflt, ss) in enumerate(zip(out, default, s)):
            if not (dflt - ss < o < dflt + ss):  # (the message echoes the spatial part as given: tuple, list...)
                raise ValueError(f"invalid output_size \"{output_size[-nd:]}\" (dim {d} must be between "
                                 f"{dflt - ss} and {dflt + ss})")
    if indices._data.dtype != xp.int64:  # (PyTorch's kernel checks it first; its 3-D message names no type)
        raise RuntimeError("elements in indices should be type int64" + (
            f" but got: {TYPE_WORDS[indices._data.dtype.name]}" if nd < 3 else ""))
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
    if norm_type == math.inf:  # the p -> inf limit is the window max of |x| (x^inf would overflow to inf/NaN)
        return _max_pool(nd, input.abs(), k, stride, 0, 1, ceil_mode, False)
    if norm_type == -math.inf:  # ... and the p -> -inf limit its window min
        return -_max_pool(nd, -input.abs(), k, stride, 0, 1, ceil_mode, False)
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


def _pad_ints(pad):
    """``pad`` as a tuple of ints, with the TypeErrors of PyTorch's argument parser."""
    if type(pad) is tuple or type(pad) is list:
        if all(type(p) is int for p in pad):  # (the usual case: one pass)
            return tuple(pad)
        for i, p in enumerate(pad):
            if isinstance(p, Tensor) and not p.is_floating_point() and p.dim() == 0 and not p.is_complex():
                continue
            if not isinstance(p, numbers.Integral) or (i == 0 and isinstance(p, bool)):
                if i == 0:
                    raise TypeError("pad(): argument 'pad' (position 2) must be tuple of ints, but found element "
                                    f"of type {type(p).__name__} at pos 0")
                raise TypeError(f"pad(): argument 'pad' failed to unpack the object at pos 2 with error \"type must "
                                f"be tuple of ints,but got {type(p).__name__}\"")
        return tuple(int(p) for p in pad)
    if isinstance(pad, Tensor) or not hasattr(pad, "__iter__"):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    if isinstance(pad, str):
        raise TypeError("pad(): argument 'pad' (position 2) must be tuple of ints, not str")
    return _pad_ints(list(pad))  # (ember.Size, ranges, ...)


def _check_pad_value(value, dt):
    """PyTorch reads ``value`` as a float and refuses one that overflows the input's dtype."""
    if isinstance(value, Tensor):
        return
    if not isinstance(value, numbers.Real):
        raise TypeError(f"pad(): argument 'value' (position 4) must be float, not {type(value).__name__}")
    v = float(value)
    kind = dt.kind
    if kind in "fc" and dt != xp.float64 and dt != xp.complex128:
        bad = math.isfinite(v) and abs(v) > float(xp.finfo(dt).max)
    elif dt.name == "bfloat16":
        kind = "f"
        bad = math.isfinite(v) and abs(v) > 3.3895313892515355e38  # (bfloat16's largest finite value)
    elif kind in "iu":
        info = xp.iinfo(dt)
        bad = not (float(info.min) <= v <= float(info.max))  # (NaN too)
    else:
        return
    if bad:
        name = dt.name
        c_type = C10_NAMES[name] if kind in "fc" else "int" if name == "int32" else f"{name}_t"
        raise RuntimeError(f"value cannot be converted to type {c_type} without overflow")


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
    pad = _pad_ints(pad)
    if value is not None:
        _check_pad_value(value, input._data.dtype)
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
            # (PyTorch crops negative pads with narrow(), the low side first)
            if s + min(lo, 0) < 0 or s + min(lo, 0) + min(hi, 0) < 0:
                raise RuntimeError("narrow(): length must be non-negative.")
        return Pad.apply(input, pads=pairs, mode="constant", value=0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if not (input.dim() - 1 <= nd + 1 <= input.dim() and 1 <= nd <= 3):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
                                  + _NON_CONSTANT_HELP)
    shape = tuple(input.shape)
    if mode != "circular" and 0 in shape[1:]:  # (the reflection and replication kernels' check)
        raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {_size_str(shape)}")
    sp = shape[input.dim() - nd:]
    # Checked from the last dim, which PyTorch's kernels report as argument #4 (#6 the one before, ...).
    for ax in reversed(range(nd)):
        (lo, hi), s = pairs[ax], sp[ax]
        dim = input.dim() - nd + ax
        if mode == "reflect" and (lo >= s or hi >= s):
            raise RuntimeError(f"Argument #{4 + 2 * (nd - 1 - ax)}: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({lo}, {hi}) at dimension {dim} "
                               f"of input {_size_str(input.shape)}")
        if mode == "circular" and (lo > s or hi > s):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    outs = [s + lo + hi for (lo, hi), s in zip(pairs, sp)]
    if min(outs) < (1 if nd == 1 and mode != "circular" else 0):  # (PyTorch's kernels' checks of the output size)
        if mode == "circular":
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
        if nd == 1:
            raise RuntimeError(f"input (W: {sp[0]}) is too small. Calculated output W: {outs[0]}")
        shape = ", ".join(map(str, [*input.shape[:input.dim() - nd], *outs]))
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(outs)}: [{shape}]")
    names = {"reflect": "ReflectionPad{}DBackward0", "replicate": "ReplicationPad{}DBackward0"}
    grad_name = names[mode].format(nd) if mode in names else "CopySlices"
    return Pad.apply(input, pads=pairs, mode=mode, grad_name=grad_name)


# ---------------------------------------------------------------------------------------------- interpolate
_INTERP_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}
_AA_GRAD_NAMES = {"bilinear": "UpsampleBilinear2DAaBackward0", "bicubic": "UpsampleBicubic2DAaBackward0",
                  "lanczos": "UpsampleLanczos2DAaBackward0"}


def _is_integer(v):
    """PyTorch's test for a size entry: an integer, or a tensor of a non-floating dtype."""
    return isinstance(v, numbers.Integral) or (isinstance(v, Tensor) and not v.is_floating_point())


def _check_interp_sizes(input, sp, out):
    """The resampling kernels' checks: positive sizes, and a non-empty input unless only the batch is empty."""
    names = "DHW"[3 - len(sp):]
    if min(sp + out) <= 0:
        shown = [", ".join(f"{a}: {n}" for a, n in zip(names, sizes)) for sizes in (sp, out)]
        sep = " and " if len(sp) == 1 else " "
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({shown[0]}){sep}"
                           f"output ({shown[1]})")
    if input.numel() == 0 and math.prod(input.shape[1:]) == 0:
        raise RuntimeError(f"Non-empty {input.dim()}D data tensor expected but got a tensor with sizes "
                           f"{_size_str(input.shape)}")


def _interp_kernel(mode, nd, antialias):
    name = {"nearest": f"upsample_nearest{nd}d", "nearest-exact": f"_upsample_nearest_exact{nd}d"}.get(
        mode, f"upsample_{mode}{nd}d")
    return f"_{name}_aa" if antialias else name


def _parser_error(mode, nd, antialias, size_arg, sf_arg):
    """PyTorch's resampling kernels reject ``output_size`` / ``scale_factors`` whose first entry has a wrong type
    with this listing of their overloads (only the first entry is type-checked up front)."""
    ac = mode not in ("nearest", "nearest-exact")
    scales = ", ".join(f"float scales{'_' + c if nd > 1 else ''} = None" for c in "dhw"[3 - nd:])
    kinds = ", ".join(("NoneType" if a is None else type(a).__name__) for a in (size_arg, sf_arg))
    got = f"(Tensor, {kinds.replace(', ', ', bool, ', 1) if ac else kinds})"
    sig = "Tensor input, tuple of ints output_size, " + ("bool align_corners, " if ac else "")
    desc = _args.combination_type_name
    bad = f"(Tensor, !{desc(size_arg)}!, " + ("bool, " if ac else "") + f"!{desc(sf_arg)}!)"
    return TypeError(f"{_interp_kernel(mode, nd, antialias)}() received an invalid combination of arguments - got "
                     f"{got}, but expected one of:\n"
                     f" * ({sig}tuple of floats scale_factors)\n"
                     f"      didn't match because some of the arguments have invalid types: {bad}\n"
                     f" * ({sig}{scales}, *, Tensor out = None)\n")


def _first_int_ok(v):
    # the parser's up-front test of an int list's first entry: a non-bool integer, or a one-element integer tensor
    if isinstance(v, Tensor):
        return not v.is_floating_point() and v.numel() == 1
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _scale_ok(v, first):
    # a float list's entries: real numbers (later entries may also be one-element tensors)
    return isinstance(v, numbers.Real) or (not first and isinstance(v, Tensor) and v.numel() == 1)


_INT64_OVERFLOW = "value cannot be converted to type int64_t without overflow"


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of ``(N, C, *S)`` to ``size`` or by ``scale_factor``.

    Args:
        size: output spatial size (int or tuple). scale_factor: multiplier (float or tuple). Give exactly one.
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'`` (3-D input), ``'bilinear'`` / ``'bicubic'``
            (4-D), ``'trilinear'`` (5-D), ``'area'``, ``'lanczos'`` (4-D, with ``antialias=True`` only).
        align_corners: for the linear modes, map corner pixel centres onto each other (default False).
        recompute_scale_factor: with ``scale_factor``, derive the sampling positions from the (integer) output
            size instead of the factor itself.
        antialias: for bilinear / bicubic / lanczos on 4-D input: when shrinking, widen the filter by the
            shrink ratio so that every input pixel contributes (as PIL resizes), instead of sampling a few.
            uint8 images are resized with PyTorch's fixed-point weights (identical values).

    Shape:
        ``(N, C, *S)`` -> ``(N, C, *S_out)``; a channels-last input gives a channels-last output.

    Example:
        >>> ember.nn.functional.interpolate(ember.randn(1, 3, 4, 4), scale_factor=2, mode="bilinear").shape
        ember.Size([1, 3, 8, 8])
        >>> ember.nn.functional.interpolate(ember.randn(1, 3, 32, 32), size=8, mode="bicubic", antialias=True).shape
        ember.Size([1, 3, 8, 8])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    nd = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    sp = tuple(input.shape[2:])
    sf = None
    deferred = None  # what PyTorch's kernel call (after the mode checks below) would raise
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(sp)} and output size of {size}. Please "
                                 f"provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, "
                                 f"o2, ...,oK) format.")
            if not all(_is_integer(s) for s in size):
                raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, "
                                f"int, int], but got size with types {[type(s) for s in size]}")
            size_arg = size
        else:
            size_arg = [size] * nd
        if size_arg and not _first_int_ok(size_arg[0]):
            if mode == "area" and 1 <= nd <= 3:
                raise TypeError(f"adaptive_avg_pool{nd}d(): argument 'output_size' (position 2) must be tuple of "
                                f"ints, but found element of type {_args.type_name(size_arg[0])} at pos 0")
            deferred = _parser_error(mode, nd, antialias, size_arg, None)
            out = (1,) * nd
        else:
            for i, s in enumerate(size_arg):
                if isinstance(s, Tensor) and s.numel() != 1:
                    deferred = TypeError(f"{_interp_kernel(mode, nd, antialias)}(): argument 'output_size' failed to "
                                         f"unpack the object at pos {i + 1} with error \"type must be tuple of "
                                         f"ints,but got Tensor\"")
            out = (1,) * nd if deferred else tuple(int(s) for s in size_arg)
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    else:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != nd:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(sp)} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                                 f"and scale_factor in (s1, s2, ...,sK) format.")
            sf_arg = scale_factor
        else:
            sf_arg = [scale_factor] * nd
        if mode == "area" or recompute_scale_factor:
            # PyTorch works the output size out in Python here (and lets Python's own errors through)
            out = tuple(int(s * f) for s, f in zip(sp, sf_arg))
            sf = None if recompute_scale_factor else tuple(float(f) for f in sf_arg)
        else:
            bad = next((i for i, f in enumerate(sf_arg) if not _scale_ok(f, i == 0)), None)
            if bad == 0:
                deferred = _parser_error(mode, nd, antialias, None, sf_arg)
            elif bad is not None:
                deferred = TypeError(f"{_interp_kernel(mode, nd, antialias)}(): argument 'scale_factors' must be "
                                     "tuple of floats, but found element of type "
                                     f"{_args.type_name(sf_arg[bad])} at pos {bad + 1}")
            if deferred is None:
                sf = tuple(float(f) for f in sf_arg)
                prods = [s * f for s, f in zip(sp, sf)]
                if not all(-9.223372036854776e18 <= v < 9.223372036854776e18 for v in prods):  # False for NaN
                    deferred = RuntimeError(_INT64_OVERFLOW)
                else:
                    out = tuple(int(v) for v in prods)  # truncated, as PyTorch
            if deferred is not None:
                sf, out = None, (1,) * nd
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    if mode in _INTERP_DIMS and 1 <= nd <= 3 and _INTERP_DIMS[mode] != nd and mode != "bicubic":
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_INTERP_DIMS[mode] + 2}D input")
    if mode == "lanczos" and nd == 2:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if not 1 <= nd <= 3 or _INTERP_DIMS.get(mode, 2 if mode == "lanczos" else nd) != nd or mode not in (
            "nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic", "area", "lanczos"):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  f"for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area "
                                  f"| nearest-exact (got {mode})")
    if deferred is not None:
        raise deferred
    if mode == "area":
        return _adaptive_area(input, out)
    _check_interp_sizes(input, sp, out)
    # the ratios PyTorch samples at when given a scale factor (align_corners maps the corners instead)
    scales = None if sf is None or align_corners else tuple(1.0 / f for f in sf)
    dt = input._data.dtype
    if antialias:
        if out != sp and dt.name not in ("float32", "float64", "uint8"):
            raise _not_implemented("compute_index_ranges_weights", input)
        return UpsampleAntialias.apply(input, output_size=out, mode=mode, align_corners=bool(align_corners),
                                       scales=scales, grad_name=_AA_GRAD_NAMES[mode])
    # CPU kernels: floats everywhere, and uint8 (images) for nearest, bilinear and bicubic
    if dt.kind not in "fV" and not (dt.name == "uint8" and mode in ("nearest", "nearest-exact", "bilinear", "bicubic")):
        kernel = {"linear": "compute_indices_weights_linear", "trilinear": "compute_indices_weights_linear",
                  "bilinear": "upsample_bilinear2d_channels_last", "bicubic": "compute_indices_weights_cubic"}.get(
            mode, "upsample_nearest2d_channels_last" if nd == 2 else "compute_indices_weights_nearest")
        raise _not_implemented(kernel, input)
    if mode in ("nearest", "nearest-exact"):
        base = "UpsampleNearestExact" if mode == "nearest-exact" else "UpsampleNearest"
        grad_name = f"{base}{nd}DBackward0"
    else:
        grad_name = {"linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
                     "trilinear": "UpsampleTrilinear3DBackward0", "bicubic": "UpsampleBicubic2DBackward0"}[mode]
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
    _args.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated alias of ``interpolate(..., mode='nearest')``."""
    _args.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated alias of ``interpolate(..., mode='bilinear', align_corners=True)``."""
    _args.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ------------------------------------------------------------------------------------------------ fold/unfold
_FOLD_WORDS = (("kernel size should be greater than zero", "kernel"),
               ("dilation should be greater than zero", "dilation"),
               ("padding should be non-negative", "pad"),
               ("stride should be greater than zero", "stride"))


def _fold_args(fn, first_pos, args):
    """``args`` (name, value) pairs as 2-tuples, checked in PyTorch's order: types, lengths, then values."""
    out = []
    for pos, (name, v) in enumerate(args, first_pos):
        # F.unfold/F.fold pair anything that is not iterable (even a float or None) before the C++ parser sees it
        v = tuple(v) if hasattr(v, "__iter__") and not isinstance(v, Tensor) else (v, v)
        out.append(_int_list(v, fn, name, pos))
    for (name, _), v in zip(args, out):
        if len(v) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(v)}")
    for (what, word), v, low in zip(_FOLD_WORDS, out[-4:], (1, 1, 0, 1)):
        if v[0] < low or v[1] < low:
            raise RuntimeError(f"{what}, but got {word}_height: {v[0]} {word}_width: {v[1]}")
    return out


def _fold_dtype(kernel, input):
    if input._data.dtype.kind in "iu":  # (bool, floating and complex inputs run)
        raise _not_implemented(kernel, input)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks (im2col): ``(N, C, H, W)`` -> ``(N, C * kH * kW, L)``.

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``.
        kernel_size, dilation, padding, stride: an int or a pair of ints ``(height, width)``.

    ``L`` is the number of block positions. Example:
        >>> ember.nn.functional.unfold(ember.randn(1, 2, 4, 4), 2).shape
        ember.Size([1, 8, 9])
    """
    k, d, p, s = _fold_args("im2col", 2, (("kernel_size", kernel_size), ("dilation", dilation),
                                          ("padding", padding), ("stride", stride)))
    if input.dim() < 3:  # (PyTorch fails reading the missing spatial dim)
        n = max(input.dim(), 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got "
                         f"{input.dim()})")
    shape = tuple(input.shape)
    if input.dim() > 4 or 0 in shape[-3:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {_size_str(shape)}")
    unbatched = input.dim() == 3
    sp = shape[-2:]
    blocks = tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, pp, dd, kk, ss in zip(sp, p, d, k, s))
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size ({sp[0]}, {sp[1]}), kernel_size=({k[0]}, {k[1]}), "
                           f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of "
                           f"sliding blocks as ({blocks[0]}, {blocks[1]}), but its components must be at least one.")
    _fold_dtype("im2col_out_cpu", input)
    if unbatched:
        input = input.unsqueeze(0)
    out = Im2Col.apply(input, kernel_size=k, dilation=d, padding=p, stride=s)
    return out.squeeze(0) if unbatched else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks back into an image (col2im): ``(N, C * kH * kW, L)`` -> ``(N, C, *output_size)``.

    Args:
        input: ``(N, C * kH * kW, L)`` or unbatched ``(C * kH * kW, L)``.
        output_size: the spatial size ``(H, W)`` of the image (an int for a square one).
        kernel_size, dilation, padding, stride: an int or a pair of ints ``(height, width)``.

    Example:
        >>> ember.nn.functional.fold(ember.ones(1, 4, 9), (4, 4), 2).shape
        ember.Size([1, 1, 4, 4])
    """
    o, k, d, p, s = _fold_args("col2im", 2, (("output_size", output_size), ("kernel_size", kernel_size),
                                             ("dilation", dilation), ("padding", padding), ("stride", stride)))
    shape = tuple(input.shape)
    if input.dim() not in (2, 3) or 0 in shape[-2:]:
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {_size_str(shape)}")
    unbatched = input.dim() == 2
    kk = k[0] * k[1]
    if shape[-2] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={shape[-2]} and kernel_size=({k[0]}, {k[1]}).")
    blocks = tuple((n + 2 * pp - dd * (kq - 1) - 1) // ss + 1 for n, pp, dd, kq, ss in zip(o, p, d, k, s))
    if blocks[0] * blocks[1] != shape[-1]:
        raise RuntimeError(f"Given output_size=({o[0]}, {o[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, "
                           f"{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input's "
                           f"dimension 2 to match the calculated number of sliding blocks {blocks[0]} * {blocks[1]} "
                           f"= {blocks[0] * blocks[1]}, but got input.size(2)={shape[-1]}.")
    _fold_dtype("col2im_out_cpu", input)
    if unbatched:
        input = input.unsqueeze(0)
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
    return PixelShuffle.apply(input, upscale_factor=r)


def channel_shuffle(input, groups):
    """Interleave the channels of ``(N, C, *)`` from ``groups`` groups (ShuffleNet): channel ``g * (C/groups) + i``
    moves to ``i * groups + g``.

    Example:
        >>> ember.nn.functional.channel_shuffle(ember.arange(4.).reshape(1, 4, 1, 1), 2).flatten().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """
    return _channel_shuffle("channel_shuffle", input, groups)


def native_channel_shuffle(input, groups):
    """Same as :func:`channel_shuffle`."""
    return _channel_shuffle("native_channel_shuffle", input, groups)


def _channel_shuffle(fn, input, groups):
    if isinstance(groups, bool) or not isinstance(groups, (numbers.Integral, Tensor)):
        raise TypeError(f"{fn}(): argument 'groups' (position 2) must be int, not {type(groups).__name__}")
    groups = int(groups)
    if input.ndim < 3:  # PyTorch checks the rank before the groups
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    return ChannelShuffle.apply(input, groups=groups)


def pixel_unshuffle(input, downscale_factor):
    """``(*, C, H * r, W * r)`` -> ``(*, C * r^2, H, W)`` (inverse of :func:`pixel_shuffle`)."""
    r = int(downscale_factor)
    _check_shuffle_args("pixel_unshuffle", input, "downscale_factor", r)
    *lead, c, h, w = input.shape
    for dim, size, i in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {dim} to be divisible by downscale_factor, but "
                               f"input.size({i})={size} is not divisible by {r}")
    return PixelUnshuffle.apply(input, downscale_factor=r)
