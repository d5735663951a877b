"""The ``ember.*`` functions (``torch.*`` counterparts); Tensor methods call these."""

import builtins
import collections
import math
import numbers

from ember import _dtype
from ember._backend import xp
from ember._ops import elementwise as E
from ember._ops import linalg as L
from ember._ops import reduction as R
from ember._ops import shape as S
from ember._random import rng
from ember._tensor import Size, Tensor, _check_device, _new, wrap
from ember.autograd.grad_mode import state as _grad_state


_bool = builtins.bool
_int = builtins.int
_float = builtins.float
_Number = (numbers.Number,)

# ============================================================================================ creation


def _np_dtype(dtype, default=None):
    if dtype is None:
        return default
    return _dtype.to_np(dtype)


def _infer_np_dtype(data):
    """The dtype PyTorch would give a tensor built from nested Python data."""
    kinds = set()

    def walk(d):
        if isinstance(d, Tensor):
            kinds.add(d._data.dtype)
        elif isinstance(d, (list, tuple)):
            for v in d:
                walk(v)
        elif isinstance(d, _bool) or (hasattr(d, "dtype") and getattr(d, "dtype", None) == xp.bool_):
            kinds.add("b")
        elif isinstance(d, _int) or (hasattr(d, "dtype") and getattr(d.dtype, "kind", "") in "iu"):
            kinds.add("i")
        elif isinstance(d, (_float, numbers.Real)):
            kinds.add("f")
        else:
            raise TypeError(f"Could not infer dtype of {type(d).__name__}")

    walk(data)
    arrays = [k for k in kinds if not isinstance(k, str)]
    if "f" in kinds or builtins.any(k.kind == "f" for k in arrays):
        fl = [k for k in arrays if k.kind == "f"]
        return fl[0] if len(fl) == 1 and "f" not in kinds else _dtype.get_default_dtype().np
    if "i" in kinds or builtins.any(k.kind in "iu" for k in arrays):
        return xp.dtype(xp.int64)
    if kinds:
        return xp.dtype(xp.bool_)
    return _dtype.get_default_dtype().np


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Make a tensor that copies ``data`` (nested lists, numbers, NumPy arrays or tensors).

    Python floats become float32, ints int64 and bools bool, as in PyTorch.

    Example::

        >>> ember.tensor([[1, 2], [3, 4]], dtype=ember.float32)
        tensor([[1., 2.],
                [3., 4.]])
    """
    _check_device(device)
    if isinstance(data, Tensor):
        import warnings
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning, stacklevel=2,
        )
        arr = data._data.astype(_np_dtype(dtype, data._data.dtype), copy=True)
    elif isinstance(data, xp.ndarray) or type(data).__module__ == "numpy":
        arr = xp.array(data, dtype=_np_dtype(dtype, None))
        if dtype is None:
            _dtype.from_np(arr.dtype)
    else:
        np_dtype = _np_dtype(dtype) if dtype is not None else _infer_np_dtype(data)
        if isinstance(data, (list, tuple)) and builtins.any(isinstance(d, Tensor) for d in _flatten_nested(data)):
            data = _nested_to_array(data)
        try:
            arr = xp.array(data, dtype=np_dtype)
        except ValueError as exc:
            raise ValueError(str(exc).replace("inhomogeneous", "inhomogeneous (ragged)")) from None
    return _finish(arr, requires_grad)


def _flatten_nested(data):
    for d in data:
        if isinstance(d, (list, tuple)):
            yield from _flatten_nested(d)
        else:
            yield d


def _nested_to_array(data):
    if isinstance(data, Tensor):
        if data._data.size != 1 and data._data.ndim:
            return data._data
        return data._data.reshape(()).item() if data._data.ndim == 0 else data._data
    if isinstance(data, (list, tuple)):
        return [_nested_to_array(d) for d in data]
    return data


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array or tensor when no conversion is needed."""
    _check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or dtype.np == data._data.dtype else data.to(dtype)
    if isinstance(data, xp.ndarray):
        _dtype.from_np(data.dtype)
        np_dtype = _np_dtype(dtype, data.dtype)
        return wrap(data if np_dtype == data.dtype else data.astype(np_dtype))
    return tensor(data, dtype=dtype)


def asarray(obj, dtype=None, device=None, copy=None, requires_grad=False):
    t = as_tensor(obj, dtype=dtype, device=device)
    if copy:
        t = t.clone()
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(ndarray, xp.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_np(ndarray.dtype)
    return wrap(ndarray)


def _size_args(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, _int) or isinstance(s, _bool):
            if hasattr(s, "__index__"):
                s = s.__index__()
            else:
                raise TypeError(f"{type(s).__name__} object cannot be interpreted as an integer")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(s)
    return tuple(out)


def _finish(arr, requires_grad):
    t = wrap(arr)
    if requires_grad:
        if arr.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


def _creator(fill):
    def make(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
        _check_device(device)
        return _finish(fill(_size_args(size), _np_dtype(dtype, _dtype.get_default_dtype().np)), requires_grad)
    return make


zeros = _creator(lambda s, d: xp.zeros(s, dtype=d))
ones = _creator(lambda s, d: xp.ones(s, dtype=d))
empty = _creator(lambda s, d: xp.empty(s, dtype=d))
zeros.__doc__ = "A tensor of zeros of the given size (float32 unless ``dtype``)."
ones.__doc__ = "A tensor of ones of the given size (float32 unless ``dtype``)."
empty.__doc__ = "An uninitialised tensor of the given size."


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, **unused):
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value like PyTorch)."""
    _check_device(device)
    if dtype is None:
        dtype = _dtype.scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    return _finish(xp.full(_size_args((size,)), fill_value, dtype=_dtype.to_np(dtype)), requires_grad)


def _like(fill):
    def make(input, dtype=None, device=None, requires_grad=False, **unused):
        _check_device(device)
        return _finish(fill(input._data.shape, _np_dtype(dtype, input._data.dtype)), requires_grad)
    return make


zeros_like = _like(lambda s, d: xp.zeros(s, dtype=d))
ones_like = _like(lambda s, d: xp.ones(s, dtype=d))
empty_like = _like(lambda s, d: xp.empty(s, dtype=d))


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, **unused):
    return _finish(xp.full(input._data.shape, fill_value, dtype=_np_dtype(dtype, input._data.dtype)),
                   requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, **unused):
    """A 2-D identity matrix (``n`` x ``m``)."""
    _check_device(device)
    return _finish(xp.eye(n, m, dtype=_np_dtype(dtype, _dtype.get_default_dtype().np)), requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, **unused):
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer arguments."""
    _check_device(device)
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        is_int = builtins.all(isinstance(v, _int) for v in vals)
        np_dt = xp.dtype(xp.int64) if is_int else _dtype.get_default_dtype().np
    else:
        np_dt = _dtype.to_np(dtype)
    n = _int(math.ceil((vals[1] - vals[0]) / vals[2]))
    if n < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    arr = (vals[0] + xp.arange(n, dtype=xp.float64 if np_dt.kind == "f" else xp.int64) * vals[2]).astype(np_dt)
    return _finish(arr, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, **unused):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    _check_device(device)
    return _finish(xp.linspace(start, end, steps).astype(_np_dtype(dtype, _dtype.get_default_dtype().np)),
                   requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, requires_grad=False, **unused):
    return _finish(xp.logspace(start, end, steps, base=base).astype(_np_dtype(dtype, _dtype.get_default_dtype().np)),
                   requires_grad)


# ---------------------------------------------------------------------------------------------- random


def _float_dtype(dtype):
    d = _np_dtype(dtype, _dtype.get_default_dtype().np)
    if d.kind != "f":
        raise RuntimeError(f"\"check_uniform_bounds\" not implemented for '{_dtype.from_np(d).name}'")
    return d


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **unused):
    """Uniform samples in [0, 1)."""
    d = _float_dtype(dtype)
    draw_dt = xp.float64 if d != xp.float32 else xp.float32
    return _finish(rng(generator).random(_size_args(size), dtype=draw_dt).astype(d, copy=False),
                   requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **unused):
    """Standard normal samples."""
    d = _float_dtype(dtype)
    draw_dt = xp.float64 if d != xp.float32 else xp.float32
    return _finish(rng(generator).standard_normal(_size_args(size), dtype=draw_dt).astype(d, copy=False),
                   requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False, **unused):
    """Random integers in [low, high) (int64 by default)."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    arr = rng(generator).integers(low, high, size=_size_args((size,)), dtype=xp.int64)
    return _finish(arr.astype(_np_dtype(dtype, xp.dtype(xp.int64)), copy=False), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, **unused):
    """A random permutation of 0..n-1 (int64)."""
    return _finish(rng(generator).permutation(n).astype(_np_dtype(dtype, xp.dtype(xp.int64))), requires_grad)


def rand_like(input, dtype=None, **kw):
    return rand(*input.shape, dtype=dtype or input.dtype, **kw)


def randn_like(input, dtype=None, **kw):
    return randn(*input.shape, dtype=dtype or input.dtype, **kw)


def randint_like(input, low=0, high=None, dtype=None, **kw):
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, **kw)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, **unused):
    """Normal samples with the given mean and std (tensors broadcast, or numbers with ``size``)."""
    g = rng(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = xp.broadcast_shapes(xp.shape(m), xp.shape(s))
        dt = (mean if isinstance(mean, Tensor) else std)._data.dtype
        return wrap((m + s * g.standard_normal(shape)).astype(dt))
    return wrap((mean + std * g.standard_normal(_size_args((size,)))).astype(_float_dtype(dtype)))


def bernoulli(input, p=None, *, generator=None):
    """0/1 samples with probabilities ``input`` (or ``p``)."""
    probs = input._data if p is None else p
    return wrap((rng(generator).random(input._data.shape) < probs).astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Sample category indices from rows of non-negative weights."""
    g = rng(generator)
    w = input._data.astype(xp.float64)
    rows = w.reshape(-1, w.shape[-1])
    out = []
    for row in rows:
        p = row / row.sum()
        out.append(g.choice(len(row), size=num_samples, replace=replacement, p=p))
    res = xp.array(out, dtype=xp.int64)
    return wrap(res.reshape(w.shape[:-1] + (num_samples,)))


# ============================================================================================ operands


_SCALARS = {}  # (type, value, dtype) -> constant 0-d tensor; operands are never written to, so they can be shared


def _scalar_tensor(value, np_dtype):
    if value == 0 and type(value) is _float and math.copysign(1.0, value) < 0:
        return wrap(xp.asarray(value, dtype=np_dtype))  # -0.0 equals 0.0 as a key: its sign must not be lost
    key = (type(value), value, np_dtype)
    t = _SCALARS.get(key)
    if t is not None:
        return t
    try:
        t = wrap(xp.asarray(value, dtype=np_dtype))
    except OverflowError:  # a Python int outside a small integer dtype wraps around, as in PyTorch
        t = wrap(xp.asarray(value, dtype=xp.int64).astype(np_dtype))
    if len(_SCALARS) > 1024:
        _SCALARS.clear()
    _SCALARS[key] = t
    return t


def _cast(t, np_dtype):
    if t._data.dtype == np_dtype:
        return t
    if t._requires_grad and _grad_state.enabled and np_dtype.kind == "f":
        return E.Cast.apply(t, dtype=np_dtype)
    return wrap(t._data.astype(np_dtype))


def _operands(a, b):
    """Bring two operands (tensors or Python numbers) to PyTorch's common dtype as tensors."""
    # Fast path: a tensor with a Python float/int of a category that does not promote it.
    tb = type(b)
    if (tb is _float or tb is _int) and type(a) is not tb and isinstance(a, Tensor):
        kind = a._data.dtype.kind
        if kind == "f" or (tb is _int and kind in "iu"):
            return a, _scalar_tensor(b, a._data.dtype)
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        da, db = a._data.dtype, b._data.dtype
        if da == db:
            return a, b
        rt = _dtype.result_type(a, b).np
        return _cast(a, rt), _cast(b, rt)
    if ta:
        if not isinstance(b, _Number):
            if not isinstance(b, xp.generic):
                _bad_operand(b)
            b = b.item()  # a NumPy scalar: use the Python number
        rt = _dtype.result_type(a, b).np
        return _cast(a, rt), _scalar_tensor(b, rt)
    if tb:
        if not isinstance(a, _Number):
            if not isinstance(a, xp.generic):
                _bad_operand(a)
            a = a.item()
        rt = _dtype.result_type(a, b).np
        return _scalar_tensor(a, rt), _cast(b, rt)
    raise TypeError("expected at least one tensor operand")


def _bad_operand(v):
    raise TypeError(f"unsupported operand type: '{type(v).__name__}'")


def _check_broadcast(a, b):
    sa, sb = a._data.shape, b._data.shape
    if sa == sb:
        return
    for i in range(1, builtins.min(len(sa), len(sb)) + 1):
        x, y = sa[-i], sb[-i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                f"dimension {builtins.max(len(sa), len(sb)) - i}"
            )


def _binary(op, a, b, **params):
    a, b = _operands(a, b)
    sa, sb = a._data.shape, b._data.shape
    if sa != sb and sa and sb:  # a 0-d operand always broadcasts
        _check_broadcast(a, b)
    return op.apply(a, b, **params)


# ============================================================================================ arithmetic


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting and type promotion."""
    res = _binary(E.Add, input, other, alpha=alpha) if alpha != 1 else _binary(E.Add, input, other)
    return _out(res, out)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``."""
    a_bool = isinstance(input, Tensor) and input._data.dtype == xp.bool_
    b_bool = isinstance(other, Tensor) and other._data.dtype == xp.bool_
    if a_bool or b_bool:
        if a_bool and b_bool:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
                               "`^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    if not isinstance(input, Tensor):  # number - tensor
        res = _binary(E.Sub, input, other, grad_name="RsubBackward1")
    else:
        res = _binary(E.Sub, input, other, alpha=alpha) if alpha != 1 else _binary(E.Sub, input, other)
    return _out(res, out)


subtract = sub


def mul(input, other, *, out=None):
    """Elementwise product."""
    return _out(_binary(E.Mul, input, other), out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """Elementwise division; integers divide to float32 unless ``rounding_mode`` is 'trunc'/'floor'."""
    if rounding_mode is None:
        a, b = _operands(input, other)
        if a._data.dtype.kind != "f":
            fd = _dtype.get_default_dtype().np
            a, b = _cast(a, fd), _cast(b, fd)
        sa, sb = a._data.shape, b._data.shape
        if sa != sb and sa and sb:
            _check_broadcast(a, b)
        res = E.Div.apply(a, b)
        return res if out is None else _out(res, out)
    a, b = _operands(input, other)
    with xp.errstate(divide="ignore", invalid="ignore"):
        if a._data.dtype.kind in "iub" and (b._data == 0).any():
            raise RuntimeError("ZeroDivisionError")
        if rounding_mode == "floor":
            r = xp.floor_divide(a._data, b._data) if a._data.dtype.kind != "f" else xp.floor(a._data / b._data)
        elif rounding_mode == "trunc":
            r = xp.trunc(a._data / b._data)
            if a._data.dtype.kind != "f":
                r = r.astype(a._data.dtype)
        else:
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                               f"'{rounding_mode}'")
    return _out(wrap(r.astype(a._data.dtype, copy=False)), out)


divide = div
true_divide = div


def floor_divide(input, other):
    return div(input, other, rounding_mode="floor")


def _modulo(op, input, other):
    a, b = _operands(input, other)
    if a._data.dtype.kind != "f" and not (a._requires_grad or b._requires_grad):
        if (b._data == 0).any():
            raise RuntimeError("ZeroDivisionError")
        return wrap(op._mod(a._data, b._data))
    if isinstance(other, Tensor):  # PyTorch names the Tensor-Tensor overload's node ...Backward1
        return op.apply(a, b, grad_name=op.__name__ + "Backward1")
    return op.apply(a, b)


def remainder(input, other):
    """Python-style remainder ``input - floor(input / other) * other`` (the sign of ``other``); differentiable.

    Example::

        >>> ember.remainder(ember.tensor([-3.0, 3.0]), 2)
        tensor([1., 1.])
    """
    return _modulo(E.Remainder, input, other)


def fmod(input, other):
    """C-style remainder ``input - trunc(input / other) * other`` (the sign of ``input``); differentiable.

    Example::

        >>> ember.fmod(ember.tensor([-3.0, 3.0]), 2)
        tensor([-1.,  1.])
    """
    return _modulo(E.Fmod, input, other)


def pow(input, exponent, *, out=None):
    """``input ** exponent`` (either may be a number)."""
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        if not isinstance(exponent, _Number):
            _bad_operand(exponent)
        rt = _dtype.result_type(input, exponent).np
        x = _cast(input, rt)
        if rt.kind != "f":
            if exponent < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            return wrap(x._data ** exponent)
        return _out(E.Pow.apply(x, exponent=exponent), out)
    a, b = _operands(input, exponent)
    if a._data.dtype.kind != "f":
        return wrap(a._data ** b._data)
    _check_broadcast(a, b)
    if not isinstance(input, Tensor):  # number ** tensor
        return _out(E.PowTensor.apply(a, b, grad_name="PowBackward2"), out)
    return _out(E.PowTensor.apply(a, b), out)


def float_power(input, exponent):
    a = input.double() if isinstance(input, Tensor) else input
    e = exponent.double() if isinstance(exponent, Tensor) else exponent
    return pow(a, e)


def maximum(input, other):
    return _binary(E.Maximum, input, other)


def minimum(input, other):
    return _binary(E.Minimum, input, other)


def fmax(input, other):
    return maximum(input, other)


def fmin(input, other):
    return minimum(input, other)


def atan2(input, other):
    return _binary(E.Atan2, input, other)


arctan2 = atan2


def lerp(input, end, weight):
    if isinstance(weight, Tensor):
        return E.Lerp.apply(input, end, weight, grad_name="LerpBackward1")
    return E.Lerp.apply(input, end, _scalar_tensor(weight, input._data.dtype))


def _out(res, out):
    if out is None:
        return res
    out.resize_(res.shape) if out.shape != res.shape else None
    out._data[...] = res._data
    out._vc[0] += 1
    return out


def _unary(op):
    def fn(input, *, out=None):
        x = input if input._data.dtype.kind == "f" else _cast(input, _dtype.get_default_dtype().np)
        return _out(op.apply(x), out)
    fn.__name__ = op.__name__.lower()
    fn.__doc__ = f"Elementwise {op.__name__.lower()} (integers are computed in float32)."
    return fn


exp = _unary(E.Exp)
exp2 = _unary(E.Exp2)
expm1 = _unary(E.Expm1)
log = _unary(E.Log)
log2 = _unary(E.Log2)
log10 = _unary(E.Log10)
log1p = _unary(E.Log1p)
sqrt = _unary(E.Sqrt)
rsqrt = _unary(E.Rsqrt)
sin = _unary(E.Sin)
cos = _unary(E.Cos)
tan = _unary(E.Tan)
asin = arcsin = _unary(E.Asin)
acos = arccos = _unary(E.Acos)
atan = arctan = _unary(E.Atan)
sinh = _unary(E.Sinh)
cosh = _unary(E.Cosh)
tanh = _unary(E.Tanh)
sigmoid = _unary(E.Sigmoid)
erf = _unary(E.Erf)
reciprocal = _unary(E.Reciprocal)


def neg(input, *, out=None):
    if input._data.dtype == xp.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return _out(E.Neg.apply(input), out)


negative = neg


def abs(input, *, out=None):
    return _out(E.Abs.apply(input), out)


absolute = abs


def relu(input):
    return E.Relu.apply(input)


def square(input):
    return pow(input, 2)


def _rounding(op):
    def fn(input, **kw):
        if input._data.dtype.kind != "f":
            return input.clone()
        return op.apply(input, **kw)
    fn.__name__ = op.__name__.lower()
    return fn


floor = _rounding(E.Floor)
ceil = _rounding(E.Ceil)
trunc = fix = _rounding(E.Trunc)
_round = _rounding(E.Round)


def round(input, *, decimals=0):
    return _round(input, decimals=decimals) if decimals else _round(input)


def sign(input):
    if input._data.dtype == xp.bool_:
        return input.clone()
    return E.Sign.apply(input)


def sgn(input):
    return sign(input)


def clamp(input, min=None, max=None, *, out=None):
    """Limit values to [min, max] (either bound may be a number or a tensor)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        dt = input._data.dtype
        lo = min if isinstance(min, Tensor) else _scalar_tensor(0 if min is None else min, dt)
        hi = max if isinstance(max, Tensor) else _scalar_tensor(0 if max is None else max, dt)
        return _out(E.ClampTensor.apply(input, _cast(lo, dt), _cast(hi, dt), no_min=min is None,
                                        no_max=max is None), out)
    if input._data.dtype.kind != "f":
        if isinstance(min, _float) or isinstance(max, _float):
            input = _cast(input, _dtype.get_default_dtype().np)
        else:
            return wrap(xp.clip(input._data, min, max).astype(input._data.dtype))
    return _out(E.Clamp.apply(input, min=min, max=max), out)


clip = clamp


def clamp_min(input, min):
    if isinstance(min, Tensor) or input._data.dtype.kind != "f":
        return clamp(input, min=min)
    return E.Clamp.apply(input, min=min, grad_name="ClampMinBackward0")


def clamp_max(input, max):
    if isinstance(max, Tensor) or input._data.dtype.kind != "f":
        return clamp(input, max=max)
    return E.Clamp.apply(input, max=max, grad_name="ClampMaxBackward0")


def where(condition, input=None, other=None):
    """``input`` where ``condition`` is true, else ``other`` (numbers allowed); one argument: nonzero."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else xp.asarray(condition)
    if cond.dtype != xp.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{_dtype.TYPE_WORDS[cond.dtype.name]}")
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        a, b = _operands(input, other)
    else:  # two numbers: the dtype they would have together (where(mask, 1.0, 0.0) is float32)
        rt = _dtype.result_type(input, other).np
        a, b = _scalar_tensor(input, rt), _scalar_tensor(other, rt)
    return E.Where.apply(wrap(cond), a, b)


def masked_fill(input, mask, value):
    """Fill positions where ``mask`` is true with ``value``."""
    m = mask._data
    if m.dtype != xp.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_dtype.C10_NAMES[m.dtype.name]}")
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value._data.ndim} dimension(s).")
        if value._requires_grad:
            return E.MaskedFillTensor.apply(input, mask, value)
        value = value.item()
    return E.MaskedFill.apply(input, mask, value=value)


# ============================================================================================ comparison


def _compare(ufunc):
    def fn(input, other):
        if isinstance(other, Tensor):
            a, b = _operands(input, other)
            _check_broadcast(a, b)
            return wrap(ufunc(a._data, b._data))
        if isinstance(other, _Number):
            return wrap(ufunc(input._data, other))
        return NotImplemented
    return fn


eq = _compare(xp.equal)
ne = not_equal = _compare(xp.not_equal)
lt = less = _compare(xp.less)
le = less_equal = _compare(xp.less_equal)
gt = greater = _compare(xp.greater)
ge = greater_equal = _compare(xp.greater_equal)


def equal(input, other):
    """True if both tensors have the same shape and values."""
    return input._data.shape == other._data.shape and _bool((input._data == other._data).all())


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _bool(xp.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    o = other._data if isinstance(other, Tensor) else other
    return wrap(xp.isclose(input._data, o, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isnan(input):
    return wrap(xp.isnan(input._data))


def isinf(input):
    return wrap(xp.isinf(input._data))


def isfinite(input):
    return wrap(xp.isfinite(input._data))


def _logical(ufunc):
    def fn(input, other):
        o = other._data if isinstance(other, Tensor) else other
        return wrap(ufunc(input._data, o))
    return fn


logical_and = _logical(xp.logical_and)
logical_or = _logical(xp.logical_or)
logical_xor = _logical(xp.logical_xor)


def logical_not(input):
    return wrap(xp.logical_not(input._data))


def _bitwise(ufunc, name):
    def fn(input, other):
        o = other._data if isinstance(other, Tensor) else other
        o_dt = getattr(o, "dtype", xp.dtype(xp.float32 if isinstance(o, _float) else xp.int64))
        if input._data.dtype.kind == "f" or o_dt.kind == "f":
            bad = input._data.dtype if input._data.dtype.kind == "f" else o_dt
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dtype.TYPE_WORDS[bad.name]}'")
        return wrap(ufunc(input._data, o))
    return fn


bitwise_and = _bitwise(xp.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(xp.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(xp.bitwise_xor, "bitwise_xor")


def bitwise_not(input):
    if input._data.dtype.kind == "f":
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for "
                                  f"'{_dtype.TYPE_WORDS[input._data.dtype.name]}'")
    return wrap(~input._data)


# ============================================================================================ reductions


def _dims(input, dim):
    """Normalise ``dim`` (int, sequence or None) to a sorted tuple of non-negative axes, or None."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        axes = tuple(sorted(set(input._wrap_dim(d) for d in dim)))
        if len(axes) != len(dim):
            seen = set()
            for d in dim:
                w = input._wrap_dim(d)
                if w in seen:
                    raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
                seen.add(w)
        return axes
    return (input._wrap_dim(dim),)


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Sum of elements, over ``dim`` if given (integers and bools sum to int64)."""
    dim = axis if dim is None else dim
    d = _np_dtype(dtype)
    if d is None and input._data.dtype.kind in "iub":
        d = xp.dtype(xp.int64)
    if d is not None and d.kind == "f" and input._data.dtype != d:
        input = _cast(input, d)
        d = None
    return R.Sum.apply(input, dim=_dims(input, dim), keepdim=keepdim, dtype=d)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    return sum(where(isnan(input), 0.0, input), dim, keepdim, dtype=dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    """Mean of elements, over ``dim`` if given (floating-point tensors only)."""
    dim = axis if dim is None else dim
    if dtype is not None:
        input = _cast(input, _dtype.to_np(dtype))
    if input._data.dtype.kind != "f":
        name = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool"}[input._data.dtype.name]
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {name}"
        )
    return R.Mean.apply(input, dim=_dims(input, dim), keepdim=keepdim)


def nanmean(input, dim=None, keepdim=False):
    notnan = ~isnan(input)
    return nansum(input, dim, keepdim) / notnan.sum(dim, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = _cast(input, _dtype.to_np(dtype))
    if input._data.dtype.kind in "iub":
        arr = input._data.astype(xp.int64).prod(axis=None if dim is None else input._wrap_dim(dim), keepdims=keepdim)
        return wrap(arr)
    if dim is None:
        return R.Prod.apply(input, dim=None, keepdim=keepdim)
    return R.Prod.apply(input, dim=input._wrap_dim(dim), keepdim=keepdim, grad_name="ProdBackward1")


_RETURN_TYPES = {}


def _named(name, fields=("values", "indices")):
    """The ``ember.return_types.<name>`` named tuple (PyTorch's ``torch.return_types``), printed as PyTorch's."""
    key = (name, fields)
    cls = _RETURN_TYPES.get(key)
    if cls is None:
        cls = collections.namedtuple(name, fields)
        cls.__module__ = "ember.return_types"
        cls.__repr__ = lambda self: (f"ember.return_types.{name}(\n"
                                     + ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields) + ")")
        _RETURN_TYPES[key] = cls
    return cls


def _empty_reduce_check(input, dim, name):
    if input._data.size == 0:
        if dim is None:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        d = input._wrap_dim(dim)
        if input._data.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def max(input, dim=None, keepdim=False, *, out=None):
    """The maximum; with ``dim`` a ``(values, indices)`` named tuple; with a tensor, ``maximum``."""
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    _empty_reduce_check(input, dim, "max")
    if dim is None:
        return R.MaxAll.apply(input, largest=True)
    v, i = R.MaxDim.apply(input, dim=input._wrap_dim(dim), keepdim=keepdim, largest=True)
    return _named("max")(v, i)


def min(input, dim=None, keepdim=False, *, out=None):
    """The minimum; with ``dim`` a ``(values, indices)`` named tuple; with a tensor, ``minimum``."""
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    _empty_reduce_check(input, dim, "min")
    if dim is None:
        return R.MaxAll.apply(input, largest=False)
    v, i = R.MaxDim.apply(input, dim=input._wrap_dim(dim), keepdim=keepdim, largest=False)
    return _named("min")(v, i)


def _empty_dims_check(input, dim, name):
    """PyTorch's errors for amax/amin over no elements (they name ``dim`` as the caller wrote it)."""
    if input._data.size == 0:
        dims = () if dim is None else dim if isinstance(dim, (list, tuple)) else (dim,)
        if not dims:
            _empty_reduce_check(input, None, name)
        for d in dims:
            if input._data.shape[input._wrap_dim(d)] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def amax(input, dim=(), keepdim=False):
    _empty_dims_check(input, dim, "amax")
    return R.MaxAll.apply(input, largest=True, dim=_dims(input, dim), keepdim=keepdim, grad_name="AmaxBackward0")


def amin(input, dim=(), keepdim=False):
    _empty_dims_check(input, dim, "amin")
    return R.MaxAll.apply(input, largest=False, dim=_dims(input, dim), keepdim=keepdim, grad_name="AminBackward0")


def argmax(input, dim=None, keepdim=False):
    """Index of the maximum (of the flattened tensor when ``dim`` is None)."""
    _empty_reduce_check(input, dim, "argmax")
    if dim is None:
        r = xp.argmax(input._data)
        return wrap(xp.asarray(r, dtype=xp.int64).reshape((1,) * input.ndim if keepdim else ()))
    return wrap(xp.argmax(input._data, axis=input._wrap_dim(dim), keepdims=keepdim).astype(xp.int64))


def argmin(input, dim=None, keepdim=False):
    _empty_reduce_check(input, dim, "argmin")
    if dim is None:
        r = xp.argmin(input._data)
        return wrap(xp.asarray(r, dtype=xp.int64).reshape((1,) * input.ndim if keepdim else ()))
    return wrap(xp.argmin(input._data, axis=input._wrap_dim(dim), keepdims=keepdim).astype(xp.int64))


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` with Bessel's ``correction`` (default 1)."""
    if isinstance(dim, _bool):
        unbiased, dim = dim, None
    return R.Var.apply(input, dim=_dims(input, dim), keepdim=keepdim, correction=_correction(unbiased, correction))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over ``dim`` with Bessel's ``correction`` (default 1)."""
    if isinstance(dim, _bool):
        unbiased, dim = dim, None
    return R.Var.apply(input, dim=_dims(input, dim), keepdim=keepdim,
                       correction=_correction(unbiased, correction), take_sqrt=True)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(input), dim))`` computed stably."""
    return R.LogSumExp.apply(input, dim=_dims(input, dim), keepdim=keepdim)


def _softmax_dim(input, dim, name):
    """The wrapped ``dim``, after PyTorch's refusal of integer and bool inputs (no silent float result)."""
    d = input._wrap_dim(dim)
    if input._data.dtype.kind != "f":
        kernel = f"{name}_lastdim_kernel_impl" if d >= input.ndim - 1 else f"{name}_kernel_impl"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dtype.TYPE_WORDS[input._data.dtype.name]}'")
    return d


def softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    """Softmax over ``dim``."""
    if dtype is not None:
        input = _cast(input, _dtype.to_np(dtype))
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return R.Softmax.apply(input, dim=_softmax_dim(input, dim, "softmax"))


def log_softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    """Log of softmax over ``dim``, computed stably."""
    if dtype is not None:
        input = _cast(input, _dtype.to_np(dtype))
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return R.LogSoftmax.apply(input, dim=_softmax_dim(input, dim, "log_softmax"))


def cumsum(input, dim, *, dtype=None):
    d = _np_dtype(dtype)
    if d is None and input._data.dtype.kind in "iub":
        d = xp.dtype(xp.int64)
    return R.CumSum.apply(input, dim=input._wrap_dim(dim), dtype=d)


def cumprod(input, dim, *, dtype=None):
    if dtype is not None:
        input = _cast(input, _dtype.to_np(dtype))
    return R.CumProd.apply(input, dim=input._wrap_dim(dim), dtype=None if dtype is None else input._data.dtype)


def cummax(input, dim):
    """Running maximum along ``dim`` and the index where it was last attained, as a ``(values, indices)``
    named tuple.

    Example::

        >>> ember.cummax(ember.tensor([1.0, 3.0, 2.0, 3.0]), 0).indices
        tensor([0, 1, 1, 3])
    """
    v, i = R.CumMax.apply(input, dim=input._wrap_dim(dim), largest=True)
    return _named("cummax")(v, i)


def cummin(input, dim):
    """Running minimum along ``dim`` and the index where it was last attained, as :func:`cummax`."""
    v, i = R.CumMax.apply(input, dim=input._wrap_dim(dim), largest=False)
    return _named("cummin")(v, i)


def all(input, dim=None, keepdim=False):
    if dim is None:
        return wrap(xp.asarray(input._data.all()))
    return wrap(input._data.all(axis=_dims(input, dim), keepdims=keepdim))


def any(input, dim=None, keepdim=False):
    if dim is None:
        return wrap(xp.asarray(input._data.any()))
    return wrap(input._data.any(axis=_dims(input, dim), keepdims=keepdim))


def count_nonzero(input, dim=None):
    return wrap(xp.asarray(xp.count_nonzero(input._data, axis=_dims(input, dim)), dtype=xp.int64))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector/Frobenius norm (``p`` a number, 'fro', inf or -inf) over ``dim``."""
    if p == "fro" or p is None:
        p = 2.0
    if p == "nuc":
        from ember import linalg

        return linalg.matrix_norm(input, "nuc", tuple(range(input.ndim)) if dim is None else
                                  (dim,) if isinstance(dim, _int) else dim, keepdim, dtype=dtype)
    words = _dtype.TYPE_WORDS
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{words.get(input._data.dtype.name, input._data.dtype.name)}")
    if dtype is not None:
        d = _dtype.to_np(dtype)
        if d.kind != "f":
            raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or complex, but got "
                               f"{words.get(d.name, d.name)}")
        input = _cast(input, d)
    p, dims = _float(p), _dims(input, dim)
    if (p < 0 or p == math.inf) and input._data.size == 0:  # max/min/negative powers have no identity
        if dims is None:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on an empty tensor because the "
                               "operation does not have an identity")
        empty = [d for d in dims if input._data.shape[d] == 0]
        if empty:  # (PyTorch's message has no space before 'because')
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on the dimension {empty[0]}because "
                               "this dimension is empty and the operation does not have an identity")
    return R.Norm.apply(input, p=p, dim=dims, keepdim=keepdim)


def dist(input, other, p=2):
    return norm(input - other, p)


def median(input, dim=None, keepdim=False):
    """The lower median (of all elements, or along ``dim`` with the ``(values, indices)`` of it); NaN where a
    NaN is present, as in PyTorch. Without ``dim`` the gradient is shared by all elements equal to the median."""
    data = input._data
    floating = data.dtype.kind == "f"
    if dim is None:
        from ember._ops.indexing import NanMedianAll

        flat = data.reshape(-1)
        if flat.size == 0 or (floating and xp.isnan(flat).any()):
            value = float("nan")
        else:
            k = (flat.size - 1) // 2
            value = xp.partition(flat, k)[k]
        return NanMedianAll.apply(input, value=value, grad_name="MedianBackward0")
    d = input._wrap_dim(dim)
    if data.ndim == 0:  # a scalar is its own median (index 0), keepdim or not
        v, i = median(input.reshape(1), 0)
        return _named("median")(v.reshape(()), i.reshape(()))
    if data.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    vals, idx = sort(input, d)
    n = input.shape[d]
    k = (n - 1) // 2
    nans = xp.isnan(data).sum(axis=d, keepdims=True) if floating else None
    if nans is not None and nans.any():  # sorted NaNs come last: take the first of them
        pos = wrap(xp.where(nans > 0, n - nans, k).astype(xp.int64))
        v, i = vals.gather(d, pos), idx.gather(d, pos)
        if not keepdim:
            v, i = v.squeeze(d), i.squeeze(d)
        return _named("median")(v, i)
    v = vals.select(d, k)
    i = idx.select(d, k)
    if keepdim:
        v, i = v.unsqueeze(d), i.unsqueeze(d)
    return _named("median")(v, i)


def sort(input, dim=-1, descending=False, stable=False):
    d = input._wrap_dim(dim)
    data = input._data
    idx = xp.argsort(-data if descending and data.dtype.kind != "b" else data, axis=d, kind="stable")
    vals = gather(input, d, wrap(idx))
    return _named("sort")(vals, wrap(idx.astype(xp.int64)))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    d = input._wrap_dim(dim)
    if k > input.shape[d]:
        raise RuntimeError("selected index k out of range")
    data = input._data
    idx = xp.argsort(-data if largest else data, axis=d, kind="stable")
    idx = xp.take(idx, xp.arange(k), axis=d)
    vals = gather(input, d, wrap(idx))
    return _named("topk")(vals, wrap(idx.astype(xp.int64)))


def kthvalue(input, k, dim=-1, keepdim=False):
    d = input._wrap_dim(dim)
    vals, idx = sort(input, d)
    v, i = vals.select(d, k - 1), idx.select(d, k - 1)
    if keepdim:
        v, i = v.unsqueeze(d), i.unsqueeze(d)
    return _named("kthvalue")(v, i)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    res = xp.unique(input._data, return_inverse=return_inverse, return_counts=return_counts, axis=dim)
    if not (return_inverse or return_counts):
        return wrap(res)
    out = [wrap(res[0])]
    k = 1
    if return_inverse:
        out.append(wrap(res[k].reshape(input._data.shape).astype(xp.int64)))
        k += 1
    if return_counts:
        out.append(wrap(res[k].astype(xp.int64)))
    return tuple(out)


def bincount(input, weights=None, minlength=0):
    w = None if weights is None else weights._data
    return wrap(xp.bincount(input._data, w, minlength).astype(xp.int64 if w is None else w.dtype))


def histc(input, bins=100, min=0, max=0):
    """Histogram of ``bins`` equal-width bins over ``[min, max]`` (the data's range when both are 0)."""
    if input._data.dtype.kind != "f":
        word = _dtype.TYPE_WORDS.get(input._data.dtype.name)
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{word}'")
    lo, hi = (min, max) if min != max else (input._data.min(), input._data.max())
    h, _ = xp.histogram(input._data, bins=bins, range=(lo, hi))
    return wrap(h.astype(input._data.dtype))


def nonzero(input, *, as_tuple=False):
    nz = xp.nonzero(input._data)
    if as_tuple:
        return tuple(wrap(i.astype(xp.int64)) for i in nz)
    return wrap(xp.stack(nz, axis=1).astype(xp.int64) if nz else xp.zeros((0, 0), xp.int64))


def argwhere(input):
    return nonzero(input)


# ============================================================================================ linalg


def _mm_error(a, b):
    sa, sb = a._data.shape, b._data.shape
    return RuntimeError(
        f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and {sb[0]}x{sb[1]})"
    )


def matmul(input, other, *, out=None):
    """Matrix product with broadcasting (1-D, 2-D and batched operands), like ``torch.matmul``."""
    a, b = input, other
    na, nb = a._data.ndim, b._data.ndim
    if a._data.dtype != b._data.dtype:
        if na == 1 and nb == 1:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{_dtype.TYPE_WORDS[a._data.dtype.name]} and {_dtype.TYPE_WORDS[b._data.dtype.name]}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_dtype.SCALAR_NAMES[a._data.dtype.name]} != {_dtype.SCALAR_NAMES[b._data.dtype.name]}")
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    if na > 2 and nb > 2:
        try:
            xp.broadcast_shapes(a._data.shape[:-2], b._data.shape[:-2])
        except ValueError:
            raise RuntimeError(
                f"The size of tensor a ({a._data.shape[-3]}) must match the size of tensor b "
                f"({b._data.shape[-3]}) at non-singleton dimension {builtins.max(na, nb) - 3}") from None
    ka = a._data.shape[-1]
    kb = b._data.shape[0] if nb == 1 else b._data.shape[-2]
    if ka != kb:
        if na == 1 and nb == 1:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{ka}] and src [{kb}] to have the same number of "
                f"elements, but got {ka} and {kb} elements respectively")
        if na == 2 and nb == 2:
            raise _mm_error(a, b)
        if nb == 1:
            raise RuntimeError(f"size mismatch, got input ({a._data.shape[-2] if na > 1 else 1}), "
                               f"mat ({a._data.shape[-2] if na > 1 else 1}x{ka}), vec ({kb})")
        sa = "x".join(map(str, a._data.shape[-2:] if na > 1 else (1, ka)))
        sb = "x".join(map(str, b._data.shape[-2:]))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})" if na <= 2 and nb <= 2
                           else f"Expected size for first two dimensions of batch2 tensor to be: "
                                f"[{b._data.shape[0] if nb > 2 else 1}, {ka}] but got: "
                                f"[{b._data.shape[0] if nb > 2 else 1}, {kb}].")
    return _out(L.MatMul.apply(a, b), out)


def mm(input, mat2, *, out=None):
    """2-D matrix product."""
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2, out=out)


def bmm(input, mat2, *, out=None):
    """Batched matrix product of two 3-D tensors."""
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    b1, b2 = input._data.shape, mat2._data.shape
    if b2[0] != b1[0] or b2[1] != b1[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b1[0]}, {b1[2]}] "
                           f"but got: [{b2[0]}, {b2[1]}].")
    return _out(L.MatMul.apply(input, mat2, bmm=True), out)


def mv(input, vec):
    return matmul(input, vec)


def dot(input, other):
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    return matmul(input, other)


def inner(input, other, *, out=None):
    """Inner product over the last dimension: ``(*a, n), (*b, n) -> (*a, *b)``; a 0-d operand multiplies.

    Example:
        >>> ember.inner(ember.ones(2, 3), ember.ones(4, 3)).shape
        ember.Size([2, 4])
    """
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        return mul(input, other, out=out)
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError("inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(a.shape)} and {list(b.shape)}")
    if a.dtype != b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    n = a.shape[-1]
    prod = matmul(input.reshape(-1, n), other.reshape(-1, n).t())
    return _out(prod.reshape(a.shape[:-1] + b.shape[:-1]), out)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)``."""
    if mat1._data.ndim != 2 or mat2._data.ndim != 2:
        raise RuntimeError("mat1 must be a matrix, got " f"{mat1._data.ndim}-D tensor")
    if mat1._data.shape[1] != mat2._data.shape[0]:
        raise _mm_error(mat1, mat2)
    if not isinstance(input, Tensor):
        input = _scalar_tensor(input, mat1._data.dtype)
    for name, a in (("self", input), ("mat1", mat1)):  # PyTorch checks self against mat2 first
        if a._data.dtype != mat2._data.dtype:
            words = _dtype.TYPE_WORDS
            raise RuntimeError(f"{name} and mat2 must have the same dtype, but got "
                               f"{words[a._data.dtype.name]} and {words[mat2._data.dtype.name]}")
    return _out(L.Addmm.apply(input, mat1, mat2, beta=beta, alpha=alpha), out)


def outer(input, vec2):
    """Outer product of two vectors."""
    return mul(input.reshape(-1, 1), vec2.reshape(1, -1))


ger = outer


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    dt = _dtype.result_type(*operands).np
    operands = [_cast(o, dt) for o in operands]
    try:
        return L.Einsum.apply(*operands, equation=equation)
    except ValueError as exc:
        raise RuntimeError(f"einsum(): {exc}") from None


def tensordot(a, b, dims=2):
    if isinstance(dims, _int):
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, _int) else list(da)
        db = [db] if isinstance(db, _int) else list(db)
    letters = "abcdefghijklmnopqrstuvwxyz"
    sa = list(letters[: a.ndim])
    sb = list(letters[a.ndim: a.ndim + b.ndim])
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in da] + [c for j, c in enumerate(sb) if j not in db]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)


# ============================================================================================ shape


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    return tuple(s.__index__() if not isinstance(s, _int) else s for s in shape)


def _infer_shape(shape, numel, for_view=True):
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = list(shape)
        shape[neg[0]] = numel // known
        return tuple(shape)
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def reshape(input, *shape):
    """The same data with a new shape (a view when possible, else a copy)."""
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    if shape == input._data.shape and not input._requires_grad:
        return S.View.apply(input, shape=shape, copy_ok=True)
    return S.View.apply(input, shape=shape, copy_ok=True)


def view(input, *shape):
    """A view with a new shape (errors if the memory layout does not allow one)."""
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return wrap(input._data.view(shape[0].np))
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    try:
        return S.View.apply(input, shape=shape, copy_ok=False)
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans "
            "across two contiguous subspaces). Use .reshape(...) instead."
        ) from None


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim``..``end_dim`` into one."""
    shape = input._data.shape
    nd = len(shape)
    if type(start_dim) is int and type(end_dim) is int and 0 <= start_dim < nd and end_dim == -1:
        # The common call (flatten(x, 1) before a linear layer): dims already in range, no wrapping to do.
        if start_dim == nd - 1:
            return input
        n = 1
        for k in shape[start_dim:]:
            n *= k
        # Op.run directly: the generic apply's keyword plumbing is a third of this call at inference sizes.
        op = _new(S.View)
        op.shape = shape[:start_dim] + (n,)
        op.copy_ok = True
        return op.run(input)
    if input._data.ndim == 0:
        return reshape(input, 1)
    s = input._wrap_dim(start_dim)
    e = input._wrap_dim(end_dim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input._data.shape
    if s == e:
        return input
    n = 1
    for k in shape[s: e + 1]:
        n *= k
    return S.View.apply(input, shape=shape[:s] + (n,) + shape[e + 1:], copy_ok=True)


def unflatten(input, dim, sizes):
    d = input._wrap_dim(dim)
    shape = input._data.shape
    sizes = tuple(sizes)
    if -1 in sizes:
        known = 1
        for s in sizes:
            if s != -1:
                known *= s
        sizes = tuple(shape[d] // known if s == -1 else s for s in sizes)
    n = 1
    for s in sizes:
        n *= s
    if n != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                           f"{dim} ({shape[d]}) in the input tensor")
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


def squeeze(input, dim=None):
    """Remove size-1 dimensions (all, or those in ``dim``)."""
    shape = input._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
        name = "SqueezeBackward0"
    else:
        dims = _dims(input, dim) or ()
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
        name = "SqueezeBackward1" if isinstance(dim, _int) else "SqueezeBackward2"
    return S.View.apply(input, shape=new, copy_ok=True, grad_name=name)


def unsqueeze(input, dim):
    """Insert a size-1 dimension at ``dim``."""
    d = input._wrap_dim(dim, input._data.ndim + 1)
    shape = input._data.shape
    return S.View.apply(input, shape=shape[:d] + (1,) + shape[d:], copy_ok=True, grad_name="UnsqueezeBackward0")


def permute(input, *dims):
    """Reorder dimensions."""
    dims = _shape_arg(dims)
    if len(dims) != input._data.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {input._data.ndim} is not equal to "
            f"len(dims) = {len(dims)}")
    dims = tuple(input._wrap_dim(d) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return S.Permute.apply(input, dims=dims)


def transpose(input, dim0, dim1):
    """Swap two dimensions."""
    if input._data.ndim == 0:
        return input
    return S.Transpose.apply(input, dim0=input._wrap_dim(dim0), dim1=input._wrap_dim(dim1))


swapaxes = swapdims = transpose


def t(input):
    """Transpose a tensor of at most 2 dimensions."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    if input._data.ndim < 2:
        return input
    return S.Transpose.apply(input, dim0=0, dim1=1, grad_name="TBackward0")


def movedim(input, source, destination):
    src = [source] if isinstance(source, _int) else list(source)
    dst = [destination] if isinstance(destination, _int) else list(destination)
    n = input._data.ndim
    src = [input._wrap_dim(s) for s in src]
    dst = [input._wrap_dim(d) for d in dst]
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, *order)


moveaxis = movedim


def expand(input, *sizes):
    """Broadcast to a larger size without copying (-1 keeps a dimension)."""
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand({input.type().replace('ember.', 'torch.')}{{[{', '.join(map(str, shape))}]}}, "
            f"size=[{', '.join(map(str, sizes))}]): the number of sizes provided ({len(sizes)}) must be greater or "
            f"equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    new = [0] * len(sizes)
    for i in range(len(sizes) - 1, -1, -1):  # PyTorch checks from the last dimension
        s = sizes[i]
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            new[i] = s
            continue
        cur = shape[i - lead]
        if s == -1:
            new[i] = cur
        elif cur == 1 or cur == s:
            new[i] = s
        else:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at non-singleton "
                f"dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  Tensor sizes: "
                f"[{', '.join(map(str, shape))}]")
    return S.Expand.apply(input, shape=tuple(new))


def broadcast_to(input, shape):
    return expand(input, *shape)


def broadcast_tensors(*tensors):
    shape = xp.broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(expand(t, *shape) for t in tensors)


def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` broadcast to (``RuntimeError`` naming the first misfit otherwise)."""
    result = []
    for index, shape in enumerate(shapes):
        shape = (shape,) if isinstance(shape, _int) else tuple(shape)
        if len(shape) > len(result):
            result = [1] * (len(shape) - len(result)) + result
        for i in range(1, len(shape) + 1):
            size, have = shape[-i], result[-i]
            if size != 1 and have != 1 and size != have:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {size} at {-i}! Mismatching "
                                   f"argument at index {index} had {shape}; but expected shape should be "
                                   f"broadcastable to {result}")
            if size != 1:
                result[-i] = size
    return Size(tuple(result))


def repeat(input, *sizes):
    sizes = _shape_arg(sizes)
    if len(sizes) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           "of tensor")
    return S.Repeat.apply(input, repeats=sizes)


def tile(input, dims):
    """Repeat ``input`` along each dimension; ``dims`` shorter than ``input.dim()`` is padded with 1s in front.

    Example:
        >>> ember.tile(ember.tensor([1, 2]), (2,))
        tensor([1, 2, 1, 2])
    """
    if not isinstance(dims, (tuple, list, Size)):
        raise TypeError(f"tile(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    for d in dims:
        if not isinstance(d, numbers.Integral):
            raise TypeError("tile(): argument 'dims' failed to unpack the object at pos 2 with error \"type must be "
                            f"tuple of ints,but got {type(d).__name__}\"")
    dims = tuple(int(d) for d in dims)
    if len(dims) < input._data.ndim:
        dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, *dims)


def repeat_interleave(input, repeats, dim=None):
    if dim is None:
        input, dim = input.reshape(-1), 0
    d = input._wrap_dim(dim)
    r = repeats._data if isinstance(repeats, Tensor) else repeats
    idx = xp.repeat(xp.arange(input._data.shape[d]), r)
    return index_select(input, d, wrap(idx))


def _check_same_dim_cat(tensors, dim, name="cat"):
    if len(tensors) == 0:
        raise RuntimeError(f"torch.{name}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")


def cat(tensors, dim=0, *, out=None):
    """Concatenate tensors along an existing dimension."""
    tensors = list(tensors)
    _check_same_dim_cat(tensors, dim)
    tensors = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or tensors[:1]
    ref = tensors[0]
    d = ref._wrap_dim(dim)
    for i, t in enumerate(tensors):
        if t._data.ndim != ref._data.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref._data.ndim} and "
                               f"{t._data.ndim}")
        for k, (a, b) in enumerate(zip(ref._data.shape, t._data.shape)):
            if k != d and a != b:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size {a} but "
                                   f"got size {b} for tensor number {i} in the list.")
    dt = _dtype.result_type(*tensors).np
    tensors = [_cast(t, dt) for t in tensors]
    return _out(S.Cat.apply(*tensors, dim=d), out)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    """Join tensors of equal shape along a new dimension."""
    tensors = list(tensors)
    _check_same_dim_cat(tensors, dim, "stack")
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if t._data.shape != ref._data.shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"[{', '.join(map(str, ref._data.shape))}] at entry 0 and "
                               f"[{', '.join(map(str, t._data.shape))}] at entry {i}")
    d = ref._wrap_dim(dim, ref._data.ndim + 1)
    dt = _dtype.result_type(*tensors).np
    tensors = [_cast(t, dt) for t in tensors]
    return _out(S.Stack.apply(*tensors, dim=d), out)


def hstack(tensors):
    tensors = list(tensors)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([t.reshape(1, -1) if t.ndim == 1 else t for t in tensors], 0)


def dstack(tensors):
    return cat([t.reshape(1, -1, 1) if t.ndim == 1 else t.unsqueeze(-1) if t.ndim == 2 else t for t in tensors], 2)


def column_stack(tensors):
    return cat([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors], 1)


def split(tensor, split_size_or_sections, dim=0):
    """Split into chunks of ``split_size`` (int) or of the given sizes (list) along ``dim``."""
    d = tensor._wrap_dim(dim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, _int):
        size = split_size_or_sections
        if size <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sizes}")
    name = "SplitBackward0" if isinstance(split_size_or_sections, _int) else "SplitWithSizesBackward0"
    return S.Split.apply(tensor, sizes=sizes, dim=d, grad_name=name)


def chunk(input, chunks, dim=0):
    """Split into ``chunks`` nearly equal pieces along ``dim``."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = input._data.shape[input._wrap_dim(dim)]
    size = -(-n // chunks) if n else 1
    return split(input, size, dim)


def tensor_split(input, indices_or_sections, dim=0):
    d = input._wrap_dim(dim)
    n = input._data.shape[d]
    if isinstance(indices_or_sections, _int):
        k = indices_or_sections
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
    else:
        bounds = [0] + [builtins.min(builtins.max(int(i) + n if i < 0 else int(i), 0), n)
                        for i in indices_or_sections] + [n]
        if builtins.any(b < a for a, b in zip(bounds[:-1], bounds[1:])):
            # Out-of-order indices: piece i is input[bounds[i]:bounds[i+1]] (empty when decreasing), so pieces
            # overlap; slice each one (PyTorch does the same).
            index = (slice(None),) * d
            return tuple(S.Index.apply(input, index=index + (slice(a, builtins.max(a, b)),), grad_name="SliceBackward0",
                                       is_view=True) for a, b in zip(bounds[:-1], bounds[1:]))
        sizes = [b - a for a, b in zip(bounds[:-1], bounds[1:])]
    return S.Split.apply(input, sizes=sizes, dim=d, grad_name="SplitWithSizesBackward0")


def unbind(input, dim=0):
    """Remove a dimension, returning a tuple of the slices along it."""
    d = input._wrap_dim(dim)
    return S.Split.apply(input, sizes=[1] * input._data.shape[d], dim=d, squeeze=True)


def narrow(input, dim, start, length):
    d = input._wrap_dim(dim)
    if isinstance(start, Tensor):
        start = start.item()
    if start < 0:
        start += input._data.shape[d]
    if start + length > input._data.shape[d]:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({input._data.shape[d]}).")
    index = (slice(None),) * d + (slice(start, start + length),)
    return S.Index.apply(input, index=index, grad_name="SliceBackward0", is_view=True)


def select(input, dim, index):
    d = input._wrap_dim(dim)
    size = input._data.shape[d]
    if index < -size or index >= size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"[{', '.join(map(str, input._data.shape))}] at dimension {d}")
    return S.Index.apply(input, index=(slice(None),) * d + (index,), grad_name="SelectBackward0", is_view=True)


def flip(input, dims):
    """Reverse the order of elements along ``dims``."""
    dims = (dims,) if isinstance(dims, _int) else tuple(dims)
    return S.Flip.apply(input, dims=tuple(input._wrap_dim(d) for d in dims))


def fliplr(input):
    return flip(input, (1,))


def flipud(input):
    return flip(input, (0,))


def roll(input, shifts, dims=None):
    """Roll elements along ``dims`` (the flattened tensor when None)."""
    if dims is None:
        return S.Roll.apply(input.flatten(), shifts=shifts if isinstance(shifts, _int) else shifts[0],
                            dims=0).view(input.shape)
    if isinstance(shifts, _int):
        shifts = (shifts,)
    if isinstance(dims, _int):
        dims = (dims,)
    return S.Roll.apply(input, shifts=tuple(shifts), dims=tuple(input._wrap_dim(d) for d in dims))


def _index_tensor(index, name):
    if not isinstance(index, Tensor):
        index = tensor(index)
    if index._data.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    return index


def gather(input, dim, index, *, sparse_grad=False):
    """Values of ``input`` at ``index`` along ``dim`` (``out[i][j] = input[i][index[i][j]]`` for dim 1)."""
    index = _index_tensor(index, "gather")
    d = input._wrap_dim(dim)
    if index._data.ndim != input._data.ndim and not (index._data.ndim == 0 and input._data.ndim == 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k, (si, sx) in enumerate(zip(index._data.shape, input._data.shape)):
        if k != d and si > sx:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"[{', '.join(map(str, index._data.shape))}] to be smaller than self "
                               f"[{', '.join(map(str, input._data.shape))}] apart from dimension {d}")
    n = input._data.shape[d]
    idx = index._data
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    return S.Gather.apply(input, index, dim=d)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """Write ``src`` (a tensor or number) into a copy of ``input`` at ``index`` along ``dim``."""
    index = _index_tensor(index, "scatter")
    if index._data.ndim == 0 and input._data.ndim == 1:
        index = index.reshape(1)  # PyTorch takes a 0-d index as a 1-element one (the one-hot idiom)
    d = input._wrap_dim(dim)
    if src is None:
        src = value
    if isinstance(src, Tensor) and src._data.ndim == 0 and input._data.ndim == 1:
        src = src.reshape(1)
    if isinstance(src, Tensor):
        return S.Scatter.apply(input, index, _cast(src, input._data.dtype), dim=d, reduce=reduce)
    return S.ScatterValue.apply(input, index, dim=d, value=src)


def scatter_add(input, dim, index, src):
    index = _index_tensor(index, "scatter_add")
    if index._data.ndim == 0 and input._data.ndim == 1:
        index = index.reshape(1)
    return S.Scatter.apply(input, index, _cast(src, input._data.dtype), dim=input._wrap_dim(dim), reduce="add")


def index_select(input, dim, index):
    """Entries of ``input`` along ``dim`` at the positions in the 1-D ``index``."""
    index = _index_tensor(index, "index_select")
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = input._wrap_dim(dim)
    n = input._data.shape[d] if input._data.ndim else 1
    idx = index._data.reshape(-1)
    bad = (idx < 0) | (idx >= n)  # negative indices are out of range too, as in PyTorch
    if bad.any():
        if d == 1 and input._data.ndim > 1:  # PyTorch's CPU kernel for dim 1 words it differently
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={idx[bad][0]} axis_dim={n}")
        raise IndexError("index out of range in self")
    return S.IndexSelect.apply(input, wrap(idx), dim=d)


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    d = input._wrap_dim(dim)
    if indices._data.ndim != input._data.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input._data.ndim} dimensions for input, and {indices._data.ndim} dimensions for "
                           "indices")
    # broadcast all dimensions but ``dim``
    xs, ixs = list(input._data.shape), list(indices._data.shape)
    shape = [builtins.max(a, b) if k != d else None for k, (a, b) in enumerate(zip(xs, ixs))]
    x_shape = [xs[k] if s is None else s for k, s in enumerate(shape)]
    i_shape = [ixs[k] if s is None else s for k, s in enumerate(shape)]
    if tuple(x_shape) != tuple(xs):
        input = expand(input, *x_shape)
    if tuple(i_shape) != tuple(ixs):
        indices = expand(indices, *i_shape)
    return gather(input, d, indices)


def masked_select(input, mask):
    m = xp.broadcast_to(mask._data, xp.broadcast_shapes(mask._data.shape, input._data.shape))
    x = input if input._data.shape == m.shape else expand(input, *m.shape)
    return S.Index.apply(x, index=m, advanced=True, grad_name="MaskedSelectBackward0")


def tril(input, diagonal=0):
    return S.Tril.apply(input, diagonal=diagonal)


def triu(input, diagonal=0):
    return S.Triu.apply(input, diagonal=diagonal)


def diagonal(input, offset=0, dim1=0, dim2=1):
    return S.Diagonal.apply(input, offset=offset, dim1=input._wrap_dim(dim1), dim2=input._wrap_dim(dim2))


def diag(input, diagonal=0):
    if input._data.ndim == 1:
        return S.DiagEmbed.apply(input, diagonal=diagonal)
    return S.Diagonal.apply(input, offset=diagonal, dim1=0, dim2=1)


def trace(input):
    return diagonal(input).sum()


def clone(input, *, memory_format=None):
    """A copy that stays in the graph (gradients flow back to ``input``)."""
    return E.Clone.apply(input)


def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    return E.Clone.apply(input)


def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        import warnings
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    shape = [t.numel() for t in tensors]
    out = []
    for i, t in enumerate(tensors):
        view_shape = [1] * len(tensors)
        view_shape[i] = -1
        out.append(t.reshape(view_shape).expand(*shape))
    if indexing == "xy" and len(out) >= 2:
        out = [o.transpose(0, 1) for o in out]
    return tuple(out)


def numel(input):
    return input._data.size


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input._data.dtype.kind == "f"


def detach(input):
    return input.detach()


def result_type(tensor1, tensor2):
    return _dtype.result_type(tensor1, tensor2)


def can_cast(from_, to):
    """Whether ``from_`` can be cast to ``to`` without lowering its category (bool < integer < float)."""
    return from_.category <= to.category


def promote_types(type1, type2):
    return _dtype.promote_types(type1, type2)


def cdist(x1, x2, p=2.0):
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    if p == 2.0:
        return (diff * diff).sum(-1).sqrt()
    return norm(diff, p, dim=-1)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    dot_ = (x1 * x2).sum(dim)
    n1 = (x1 * x1).sum(dim)
    n2 = (x2 * x2).sum(dim)
    return dot_ / clamp(n1 * n2, min=eps * eps).sqrt()


# ============================================================================================ composites
# Differentiable through the ops they are built from.


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2``."""
    prod_ = mul(tensor1, tensor2)
    return add(input, prod_ if value == 1 else mul(prod_, value))


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2``."""
    q = div(tensor1, tensor2)
    return add(input, q if value == 1 else mul(q, value))


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    p = bmm(batch1, batch2)
    if alpha != 1:
        p = mul(p, alpha)
    if beta == 0:
        return p
    return add(p, input if beta == 1 else mul(input, beta))


def deg2rad(input):
    return mul(input, math.pi / 180.0)


def rad2deg(input):
    return mul(input, 180.0 / math.pi)


def frac(input):
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_dtype.TYPE_WORDS[input._data.dtype.name]}'")
    return sub(input, trunc(input))


def hypot(input, other, *, out=None):
    """Elementwise ``sqrt(input**2 + other**2)`` without overflow or underflow of the squares.

    An infinite operand gives ``inf`` even when the other is NaN (IEEE hypot). Both arguments must be tensors;
    they broadcast and promote as in arithmetic, and the result must be floating point.

    Args:
        input (Tensor): the first leg.
        other (Tensor): the second leg.

    Example::

        >>> ember.hypot(ember.tensor([3.0, float("inf")]), ember.tensor([4.0, float("nan")]))
        tensor([5., inf])
    """
    if not isinstance(other, Tensor):
        raise TypeError(f"hypot(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    if not isinstance(input, Tensor):
        raise TypeError(f"hypot(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    a, b = _operands(input, other)
    if a._data.dtype.kind != "f":  # PyTorch promotes first, so only an integer/bool *result* is refused
        raise NotImplementedError(f"\"hypot_cpu\" not implemented for '{_dtype.TYPE_WORDS[a._data.dtype.name]}'")
    return _out(_binary(E.Hypot, a, b), out)


def _finite_max(a, b):
    """The larger operand (out of the graph) as a shift that keeps exp from overflowing; 0 where it is infinite
    or NaN, so that equal infinities give that infinity (not inf - inf = NaN), as in PyTorch."""
    m = maximum(a, b).detach()
    return where(isfinite(m), m, 0.0)


def _float_operands(name, input, other):
    """The promoted operands of a function PyTorch computes for floating dtypes only."""
    a, b = _operands(input, other)
    if a._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dtype.TYPE_WORDS[a._data.dtype.name]}'")
    return a, b


def logaddexp(input, other):
    input, other = _float_operands("logaddexp", input, other)
    m = _finite_max(input, other)
    return add(log(add(exp(sub(input, m)), exp(sub(other, m)))), m)


def logit(input, eps=None):
    x = input if eps is None else clamp(input, eps, 1 - eps)
    return log(div(x, sub(1, x)))


def xlogy(input, other):
    """``input * log(other)``, 0 where ``input`` is 0."""
    if not isinstance(input, Tensor):
        input = _scalar_tensor(input, other._data.dtype)
    if not isinstance(other, Tensor):
        other = _scalar_tensor(other, input._data.dtype if input._data.dtype.kind == "f" else
                               _dtype.get_default_dtype().np)
    # 0 where input is 0, except that a NaN in other propagates (as in PyTorch)
    return where(logical_and(eq(input, 0), logical_not(isnan(other))), 0.0, mul(input, log(other)))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """Replace NaN, +inf and -inf with finite numbers (by default the dtype's extremes)."""
    if input._data.dtype.kind != "f":
        return input.clone()
    info = xp.finfo(input._data.dtype)
    out = where(isnan(input), _float(nan), input)
    out = where(eq(out, _float("inf")), _float(info.max if posinf is None else posinf), out)
    return where(eq(out, _float("-inf")), _float(info.min if neginf is None else neginf), out)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """``n``-th forward difference along ``dim``."""
    d = input._wrap_dim(dim)
    if prepend is not None or append is not None:
        parts = ([prepend] if prepend is not None else []) + [input] + ([append] if append is not None else [])
        input = cat(parts, d)
    for _ in range(n):
        size = input._data.shape[d]
        if input._data.dtype == xp.bool_:
            input = logical_xor(narrow(input, d, 1, size - 1), narrow(input, d, 0, size - 1))
        else:
            input = sub(narrow(input, d, 1, size - 1), narrow(input, d, 0, size - 1))
    return input


def cross(input, other, dim=None):
    """Cross product of 3-vectors along ``dim`` (the first dimension of size 3 when None)."""
    if dim is None:
        import warnings
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next(i for i, s in enumerate(xp.broadcast_shapes(input._data.shape, other._data.shape)) if s == 3)
    d = input._wrap_dim(dim)
    a = [select(input, d, i) for i in range(3)]
    b = [select(other, d, i) for i in range(3)]
    return stack([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], d)


def signbit(input):
    return wrap(xp.signbit(input._data))


def copysign(input, other):
    o = other._data if isinstance(other, Tensor) else xp.asarray(other)
    sign_ = wrap(xp.where(xp.signbit(o), -1.0, 1.0).astype(input._data.dtype if input._data.dtype.kind == "f"
                                                              else _dtype.get_default_dtype().np))
    return mul(abs(input), sign_)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first towards the second)."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input._data.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input._data.ndim}")
    d0, d1 = input._wrap_dim(dims[0]), input._wrap_dim(dims[1])
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    k %= 4
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(transpose(input, d0, d1), (d1,))
    return input.clone()


def logcumsumexp(input, dim):
    d = input._wrap_dim(dim)
    m = amax(input, d, keepdim=True).detach()
    m = where(isfinite(m), m, 0.0)
    return add(log(cumsum(exp(sub(input, m)), d)), m)


def unfold(input, dimension, size, step):
    """``Tensor.unfold``: windows of ``size`` every ``step`` along ``dimension``, as a new last dimension."""
    d = input._wrap_dim(dimension)
    n = input._data.shape[d] if input._data.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    starts = xp.arange(0, n - size + 1, step)
    idx = (starts[:, None] + xp.arange(size)[None, :]).reshape(-1)
    picked = index_select(input, d, wrap(idx.astype(xp.int64)))
    shape = input._data.shape
    picked = reshape(picked, shape[:d] + (len(starts), size) + shape[d + 1:])
    return movedim(picked, d + 1, -1)


# ------------------------------------------------------------------ small functions composed of the ops above


def _as_t(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


def ravel(input):
    """``input`` flattened to 1-D (a view when possible)."""
    return reshape(input, -1)


def take(input, index):
    """Elements of ``input`` treated as 1-D, at ``index`` (any shape); differentiable in ``input``."""
    if not isinstance(index, Tensor):
        raise TypeError(f"take(): argument 'index' (position 2) must be Tensor, not {type(index).__name__}")
    if index._data.dtype != xp.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{_dtype.TYPE_WORDS[index._data.dtype.name]}")
    n = input._data.size
    idx = index._data
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {bad.flat[0]} on a tensor of {n} elements.")
    return reshape(input, -1)[index]


def msort(input):
    """``input`` sorted along dimension 0 (``sort(input, 0).values``)."""
    return sort(input, 0).values


def aminmax(input, *, dim=None, keepdim=False):
    """``(min, max)`` of ``input`` (over ``dim`` if given) as a named tuple; gradients as :func:`amin`/:func:`amax`."""
    if input._data.size == 0:
        if dim is None:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        d = input._wrap_dim(dim)
        if input._data.shape[d] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
    dims = () if dim is None else dim
    return _named("aminmax", ("min", "max"))(amin(input, dims, keepdim), amax(input, dims, keepdim))


def logaddexp2(input, other):
    """``log2(2**input + 2**other)``, computed without overflow."""
    a, b = _float_operands("logaddexp2", _as_t(input), _as_t(other))
    m = _finite_max(a, b)
    return add(log2(add(exp2(sub(a, m)), exp2(sub(b, m)))), m)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Boolean tensor: whether each of ``elements`` occurs in ``test_elements`` (either may be a scalar)."""
    e = elements._data if isinstance(elements, Tensor) else xp.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    return wrap(xp.isin(e, t, assume_unique=assume_unique, invert=invert))


def isposinf(input):
    return wrap(xp.isposinf(input._data) if input._data.dtype.kind == "f" else xp.zeros(input._data.shape, bool))


def isneginf(input):
    return wrap(xp.isneginf(input._data) if input._data.dtype.kind == "f" else xp.zeros(input._data.shape, bool))


def isreal(input):
    """All True: ember has no complex dtypes."""
    return wrap(xp.ones(input._data.shape, dtype=bool))


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None):
    """Insertion indices of ``values`` into the last dimension of ``sorted_sequence`` (rows searched
    independently when it is N-D; the leading dimensions must match those of ``values``)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left while "
                               "right was True")
        right = side == "right"
    seq = sorted_sequence._data
    scalar = not isinstance(values, Tensor)
    vals = xp.asarray(values) if scalar else values._data
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    if seq.ndim == 1:
        out = xp.searchsorted(seq, vals, side="right" if right else "left")
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               "dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}")
        out = _searchsorted_rows(seq, vals, right)
    return wrap(xp.asarray(out, dtype=xp.int32 if out_int32 else xp.int64))


def _searchsorted_rows(seq, vals, right):
    """Row-wise ``searchsorted`` of ``vals (*, m)`` in ``seq (*, n)`` in one sort, linear memory: merge each row's
    entries and queries (queries before equal entries for the left side, after them for the right), then a query's
    answer is the number of entries ahead of it in its row."""
    rows = int(math.prod(seq.shape[:-1]))
    n, m = seq.shape[-1], vals.shape[-1]
    keys = xp.concatenate([seq.reshape(rows, n), vals.reshape(rows, m).astype(seq.dtype, copy=False)], axis=1)
    is_query = xp.concatenate([xp.zeros(n, bool), xp.ones(m, bool)])
    tie = xp.broadcast_to(is_query if right else ~is_query, keys.shape)
    row_id = xp.broadcast_to(xp.arange(rows)[:, None], keys.shape)
    order = xp.lexsort((tie.ravel(), keys.ravel(), row_id.ravel())).reshape(rows, n + m) - \
        (xp.arange(rows) * (n + m))[:, None]  # per-row positions of the merged order
    entries_before = xp.cumsum(~is_query[order], axis=1) - ~is_query[order]
    out = xp.empty((rows, m), dtype=xp.int64)
    q = is_query[order]
    out[xp.nonzero(q)[0], order[q] - n] = entries_before[q]
    return out.reshape(vals.shape)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """Index of the bucket of each element: ``boundaries[i-1] < x <= boundaries[i]`` (``<=``/``<`` with
    ``right``), for 1-D ``boundaries``."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    vals = input._data if isinstance(input, Tensor) else xp.asarray(input)
    out = xp.searchsorted(boundaries._data, vals, side="right" if right else "left")
    return wrap(xp.asarray(out, dtype=xp.int32 if out_int32 else xp.int64))


def _tri_indices(row, col, offset, dtype, lower):
    rows, cols = (xp.tril_indices if lower else xp.triu_indices)(row, offset, col)
    return wrap(xp.stack([rows, cols]).astype(_dtype.to_np(dtype) if dtype is not None else xp.int64))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """``(2, N)`` row/column indices of the lower triangle of a ``row x col`` matrix (diagonal ``offset``)."""
    return _tri_indices(row, col, offset, dtype, True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """``(2, N)`` row/column indices of the upper triangle of a ``row x col`` matrix (diagonal ``offset``)."""
    return _tri_indices(row, col, offset, dtype, False)


def kron(input, other):
    """Kronecker product (differentiable): blocks ``input[i, j] * other``, for any numbers of dimensions."""
    nd = builtins.max(input.ndim, other.ndim)
    a = reshape(input, (1,) * (nd - input.ndim) + tuple(input.shape))
    b = reshape(other, (1,) * (nd - other.ndim) + tuple(other.shape))
    a_shape = [s for d in a.shape for s in (d, 1)]
    b_shape = [s for d in b.shape for s in (1, d)]
    out = mul(reshape(a, a_shape), reshape(b, b_shape))
    return reshape(out, tuple(x * y for x, y in zip(a.shape, b.shape)))


def block_diag(*tensors):
    """A block-diagonal matrix of the given 0-, 1- or 2-D tensors (differentiable)."""
    mats = []
    for t in tensors:
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {len(mats)} "
                               f"has {t.ndim} dimensions")
        mats.append(reshape(t, (1, 1)) if t.ndim == 0 else (unsqueeze(t, 0) if t.ndim == 1 else t))
    if not mats:
        return wrap(xp.zeros((1, 0), dtype=_dtype.get_default_dtype().np))  # PyTorch's shape for no blocks
    dt = _dtype.result_type(*tensors)  # PyTorch's promotion (int64 with float32 gives float32), not NumPy's
    width = builtins.sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        parts = []
        if left:
            parts.append(zeros(m.shape[0], left, dtype=dt))
        parts.append(m.to(dt))
        right = width - left - m.shape[1]
        if right:
            parts.append(zeros(m.shape[0], right, dtype=dt))
        rows.append(cat(parts, 1) if len(parts) > 1 else parts[0])
        left += m.shape[1]
    return cat(rows, 0)


def cartesian_prod(*tensors):
    """All combinations of the elements of the given 1-D tensors, one per row (a single tensor is returned as is)."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, -1) for g in grids], 1)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonal ``offset`` in the planes ``dim1``/``dim2`` holds the last dimension of ``input``;
    zero elsewhere (differentiable)."""
    n = input.shape[-1]
    k = builtins.abs(offset)
    size = n + k
    # row i of the (n, size) one-hot picks column i + offset (offset >= 0) or i; the |offset| zero rows then go
    # below (offset >= 0) or above (offset < 0) so that the value lands at (i, i + offset) or (i + |offset|, i)
    onehot = wrap(xp.eye(n, size, k=builtins.max(offset, 0), dtype=input._data.dtype))
    rows = mul(unsqueeze(input, -1), onehot)
    if k:
        pad_ = zeros(tuple(input.shape[:-1]) + (k, size), dtype=input.dtype)
        rows = cat([rows, pad_] if offset > 0 else [pad_, rows], -2)
    nd = rows.ndim
    d1, d2 = dim1 % nd, dim2 % nd
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return movedim(rows, (nd - 2, nd - 1), (d1, d2))


def _trapezoid_terms(y, x, dx, dim, name):
    """Per-interval areas times 2 along ``dim`` (``(y[i] + y[i+1]) * spacing``) and the dim; ``x`` is None when
    the spacing is uniform (``dx``, default 1, still to be applied)."""
    if (x is not None and not isinstance(x, Tensor)) or (x is not None and dx is not None):
        got = ", ".join(["Tensor", "Tensor" if isinstance(x, Tensor) else type(x).__name__]
                        + ([f"dx={type(dx).__name__}"] if dx is not None else []))
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                        " * (Tensor y, Tensor x, *, int dim = -1)\n * (Tensor y, *, Number dx = 1, int dim = -1)\n")
    d = y._wrap_dim(dim)
    n = y.shape[d]
    sums = add(narrow(y, d, 0, builtins.max(n - 1, 0)), narrow(y, d, builtins.min(1, n), builtins.max(n - 1, 0)))
    if x is None or (n == 0 and name == "trapezoid"):  # PyTorch's trapezoid ignores x for an empty dim
        return sums, d, None
    if x.ndim == 1 and x.shape[0] != n:
        raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
    spacing = diff(x, dim=-1 if x.ndim == 1 else d)
    if x.ndim == 1:
        spacing = reshape(spacing, (-1,) + (1,) * (y.ndim - 1 - d))
    return mul(sums, spacing), d, x


# The final scalings record PyTorch's nodes: a multiplication / division by a number (MulBackward1, DivBackward1).
def _mul_number(t, value):
    return _binary(E.Mul, t, value, grad_name="MulBackward1")


def _half(t):
    return _binary(E.Div, t if t._data.dtype.kind == "f" else _cast(t, _dtype.get_default_dtype().np), 2.0,
                   grad_name="DivBackward1")


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along ``dim``: spacing ``dx`` (default 1) or sample points ``x``."""
    terms, d, x = _trapezoid_terms(y, x, dx, dim, "trapezoid")
    if x is None:
        return _mul_number(sum(terms, d), (1.0 if dx is None else dx) / 2)
    return _half(sum(terms, d))


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running trapezoidal integrals along ``dim`` (one fewer element than ``y`` along it)."""
    terms, d, x = _trapezoid_terms(y, x, dx, dim, "cumulative_trapezoid")
    if x is None:
        return cumsum(_mul_number(terms, (1.0 if dx is None else dx) / 2), d)
    return _half(cumsum(terms, d))


# ------------------------------------------------------------------ torch.* aliases of ember.linalg


def inverse(input):
    """:func:`ember.linalg.inv`."""
    from ember import linalg

    return linalg.inv(input)


def det(input):
    """:func:`ember.linalg.det`."""
    from ember import linalg

    return linalg.det(input)


def slogdet(input):
    """``(sign, logabsdet)`` of the determinant, as :func:`ember.linalg.slogdet`."""
    from ember import linalg

    return _named("slogdet", ("sign", "logabsdet"))(*linalg.slogdet(input))


def logdet(input):
    """``log(det(input))``: NaN where the determinant is negative, -inf where it is zero."""
    from ember import linalg

    if input._data.dtype == xp.float16:
        raise RuntimeError("logdet: Low precision dtypes not supported. Got Half")
    sign, logabs = linalg.slogdet(input)
    return where(sign < 0, float("nan"), logabs)


def cholesky(input, upper=False):
    """Deprecated in PyTorch in favour of :func:`ember.linalg.cholesky`; the same factor."""
    import warnings

    from ember import linalg

    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    return linalg.cholesky(input, upper=upper)


def matrix_power(input, n):
    """:func:`ember.linalg.matrix_power`."""
    from ember import linalg

    return linalg.matrix_power(input, n)


def chain_matmul(*matrices):
    """Deprecated in PyTorch in favour of :func:`ember.linalg.multi_dot`; the product of one or more 2-D
    matrices (unlike ``multi_dot``, 1-D ends are refused; a single matrix comes back as a copy)."""
    import warnings

    from ember import linalg

    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
                  "parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(matrices):
        if not isinstance(m, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(m).__name__}")
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return matrices[0].clone()
    return linalg.multi_dot(matrices)


# ------------------------------------------------------------------ torch.* decompositions and solvers


def svd(input, some=True, compute_uv=True):
    """The SVD as ``(U, S, V)`` (note: ``V``, not ``V^T`` as :func:`ember.linalg.svd` returns).

    Args:
        some: thin factors (``k = min(m, n)`` columns) if True, else square ``U`` and ``V``.
        compute_uv: if False, ``U`` and ``V`` are zero-filled square matrices and only ``S`` is computed.

    Example::

        >>> U, S, V = ember.svd(ember.tensor([[3.0, 0.0], [0.0, 2.0]]))
        >>> S
        tensor([3., 2.])
    """
    from ember import linalg

    ret = _named("svd", ("U", "S", "V"))
    if not compute_uv:
        s = linalg.svdvals(input)
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        return ret(zeros(*batch, m, m, dtype=input.dtype), s, zeros(*batch, n, n, dtype=input.dtype))
    u, s, vh = linalg.svd(input, full_matrices=not some)
    return ret(u, s, vh.mT)


def qr(input, some=True):
    """Deprecated in PyTorch in favour of :func:`ember.linalg.qr`: ``(Q, R)``, reduced if ``some``, else complete."""
    import warnings

    from ember import linalg

    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch "
                  "release.\nThe boolean parameter 'some' has been replaced with a string parameter 'mode'.",
                  UserWarning, stacklevel=2)
    q, r = linalg.qr(input, "reduced" if some else "complete")
    return _named("qr", ("Q", "R"))(q, r)


def pinverse(input, rcond=1e-15):
    """The pseudo-inverse, dropping singular values ``<= rcond * largest`` (:func:`ember.linalg.pinv`)."""
    from ember import linalg

    return linalg.pinv(input, rtol=rcond)


def lu(A, pivot=True, get_infos=False, out=None):
    """Deprecated in PyTorch in favour of :func:`ember.linalg.lu_factor`: ``(LU, pivots)``, plus ``info`` if
    ``get_infos`` (otherwise a zero pivot raises)."""
    import warnings

    from ember import linalg

    warnings.warn("torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be "
                  "removed in a future PyTorch release.", UserWarning, stacklevel=2)
    if get_infos:
        return _named("_lu_with_info", ("LU", "pivots", "info"))(*linalg.lu_factor_ex(A, pivot=pivot))
    return tuple(linalg.lu_factor(A, pivot=pivot))


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """``(P, L, U)`` from a packed LU factorization (:func:`ember.linalg.lu_factor`); fields not asked for are empty.

    Example::

        >>> P, L, U = ember.lu_unpack(*ember.linalg.lu_factor(ember.tensor([[1.0, 2.0], [3.0, 4.0]])))
        >>> (P @ L @ U).round()
        tensor([[1., 2.],
                [3., 4.]])
    """
    p, low, up = L.LuUnpack.apply(LU_data, LU_pivots, unpack_data=unpack_data, unpack_pivots=unpack_pivots)
    return _named("lu_unpack", ("P", "L", "U"))(p.detach(), low, up)


def lu_solve(b, LU_data, LU_pivots):
    """Deprecated in PyTorch in favour of :func:`ember.linalg.lu_solve` (whose arguments are reversed)."""
    import warnings

    from ember import linalg

    warnings.warn("torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    return linalg.lu_solve(LU_data, LU_pivots, b)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """Deprecated in PyTorch in favour of :func:`ember.linalg.solve_triangular`: solves ``A X = b`` (``A^T X = b``
    if ``transpose``) and returns ``(solution, cloned_coefficient)`` (a copy of ``A``)."""
    import warnings

    from ember import linalg

    warnings.warn("torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be removed "
                  "in a future PyTorch release.", UserWarning, stacklevel=2)
    a = A.mT if transpose else A
    x = linalg.solve_triangular(a, b, upper=upper != transpose, unitriangular=unitriangular)
    return _named("triangular_solve", ("solution", "cloned_coefficient"))(x, A.clone())


def cholesky_solve(B, L, upper=False):
    """``X`` with ``A X = B`` for ``A = L L^T`` (``U^T U`` if ``upper``) given the Cholesky factor ``L``
    (``(*, n, n)``) and ``B`` (``(*, n, k)``); batches broadcast, differentiable in both.

    Example::

        >>> ember.cholesky_solve(ember.tensor([[4.0], [9.0]]), ember.tensor([[2.0, 0.0], [0.0, 3.0]]))
        tensor([[1.],
                [1.]])
    """
    from ember._ops import linalg as _L_ops  # the argument L shadows the module-level alias

    if B.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions instead")
    if L.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {L.ndim} dimensions instead")
    if B.dtype != L.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {B.dtype} and A of type "
                           f"{L.dtype} instead.")
    return _L_ops.CholeskySolve.apply(B, L, upper=upper)


def cholesky_inverse(L, upper=False):
    """``(L L^T)^-1`` (``(U^T U)^-1`` if ``upper``) from a Cholesky factor (``(*, n, n)``)."""
    if L.ndim < 2:
        raise RuntimeError("cholesky_inverse: The input tensor A must have at least 2 dimensions.")
    if L._data.dtype == xp.float16:
        raise NotImplementedError("\"cholesky_inverse_out_cpu\" not implemented for 'Half'")
    ident = eye(L.shape[-1], dtype=L.dtype).expand(*L.shape)
    return cholesky_solve(ident, L, upper)


def matrix_exp(A):
    """:func:`ember.linalg.matrix_exp`."""
    from ember import linalg

    return linalg.matrix_exp(A)


def orgqr(input, tau):
    """:func:`ember.linalg.householder_product`."""
    from ember import linalg

    return linalg.householder_product(input, tau)


def lstsq(input, A):
    """Removed from PyTorch (1.9): raises, pointing to :func:`ember.linalg.lstsq`."""
    raise RuntimeError("This function was deprecated since version 1.9 and is now removed. `torch.lstsq` is "
                       "deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` has reversed arguments and "
                       "does not return the QR decomposition in the returned tuple (although it returns other "
                       "information about the problem).")


# index/scatter functions, splitting helpers and statistics live in their own module (it imports this one)
from ember._functions_indexing import *  # noqa: E402,F401,F403

# elementwise math / special functions and the torch.X_ in-place forms (their own module; it imports this one)
from ember._functions_math import *  # noqa: E402,F401,F403
