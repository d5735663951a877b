"""``ember.testing`` (``torch.testing``): ``assert_close``, ``make_tensor`` and the deprecated ``assert_allclose``."""

import cmath
import collections.abc
import math
import warnings

from ember import _dtype
from ember._backend import to_numpy, xp
from ember._tensor import Tensor, _check_device

__all__ = ["assert_allclose", "assert_close", "make_tensor"]

# Default tolerances (rtol, atol) by dtype, as PyTorch's; a pair compares with the loosest of its two dtypes.
_TOLS = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7),
         "complex32": (1e-3, 1e-5), "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}
_INTEGRAL = {"uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"}
_ALLCLOSE_TOLS = {"float16": (1e-3, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-5, 1e-8)}


def _tolerances(table, *names):
    rtols, atols = zip(*[table.get(name, (0.0, 0.0)) for name in names])
    return max(rtols), max(atols)


def _diff_line(lines, kind, diff, idx, tol, equality):
    line = f"{kind.title()} difference: {diff}" if idx is None else f"Greatest {kind} difference: {diff} at index {idx}"
    lines.append(line if equality else f"{line} (up to {tol} allowed)")


def _scalar_message(av, ev, rtol, atol):
    """PyTorch's description of two different scalars (Python numbers)."""
    equality = rtol == 0 and atol == 0
    abs_diff = abs(av - ev)
    lines = [f"Expected {ev} but got {av}."]
    _diff_line(lines, "absolute", abs_diff, None, atol, equality)
    _diff_line(lines, "relative", math.inf if ev == 0 else abs_diff / abs(ev), None, rtol, equality)
    return f"Scalars are not {'equal' if equality else 'close'}!\n\n" + "\n".join(lines)


def _mismatch_message(a, e, ok, rtol, atol):
    """PyTorch's description of where ``a`` and ``e`` (arrays of one dtype) differ (``ok``: where they match)."""
    if a.ndim == 0:
        return _scalar_message(a.item(), e.item(), rtol, atol)
    equality = rtol == 0 and atol == 0
    bad = int(ok.size - ok.sum())
    lines = [f"Mismatched elements: {bad} / {ok.size} ({bad / ok.size:.1%})"]
    if a.dtype.kind in "biu":  # (differences of integers, without wrapping around)
        a, e = a.astype(xp.int64), e.astype(xp.int64)
    abs_diff = abs(a - e).reshape(-1)
    real = _dtype.get_default_dtype().np if a.dtype.kind == "i" else abs_diff.dtype  # (int / int: a float)
    with xp.errstate(divide="ignore", invalid="ignore"):
        rel_diff = abs_diff.astype(real) / abs(e).reshape(-1).astype(real)
    for kind, d, tol in (("absolute", abs_diff, atol), ("relative", rel_diff, rtol)):
        d[ok.reshape(-1)] = 0
        i = int(d.argmax())
        _diff_line(lines, kind, d[i].item(), tuple(int(k) for k in xp.unravel_index(i, ok.shape)), tol, equality)
    return f"Tensor-likes are not {'equal' if equality else 'close'}!\n\n" + "\n".join(lines)


class _Mismatch(Exception):
    """A failed comparison: ``kind`` is the exception to raise; ``located`` says whether the message names the item
    (PyTorch leaves it out for booleans); ``structural`` failures (lengths, keys) ignore ``msg``."""

    def __init__(self, kind, text, located=True, structural=False):
        super().__init__(text)
        self.kind, self.text, self.located, self.structural = kind, text, located, structural
        self.path = ()  # the keys of the innermost item that failed


# Python number types and the dtype whose default tolerances they get
_NUMBER_DTYPES = {int: "int64", float: "float64", complex: "complex128"}


def _class(x):
    return "<class 'ember.Tensor'>" if type(x) is Tensor else repr(type(x))


def _compare(a, e, path, opt):
    """Compare ``a`` with ``e`` as PyTorch pairs them up (None, booleans, numbers, tensors or NumPy arrays, then
    sequences and mappings item by item); raise :class:`_Mismatch` (``path``: the item's keys) on a difference."""
    if a is None or e is None:
        if a is not e:
            raise _Mismatch(AssertionError, f"None mismatch: {a} is not {e}")
        return
    booleans = [isinstance(x, (bool, xp.bool_)) for x in (a, e)]
    if all(booleans):
        if bool(a) != bool(e):
            raise _Mismatch(AssertionError, f"Booleans mismatch: {bool(a)} is not {bool(e)}", located=False)
        return
    numbers = [not b and isinstance(x, (int, float, complex, xp.number)) for x, b in zip((a, e), booleans)]
    if all(numbers):
        _compare_numbers(*(x.item() if isinstance(x, xp.generic) else x for x in (a, e)), opt)
        return
    arrays = [isinstance(x, (Tensor, xp.ndarray)) for x in (a, e)]
    if all(arrays) and isinstance(a, Tensor) == isinstance(e, Tensor) and (
            opt["allow_subclasses"] or type(a) is type(e)):
        _compare_arrays(a, e, opt)
        return
    seqs = [isinstance(x, collections.abc.Sequence) and not isinstance(x, (str, bytes)) for x in (a, e)]
    if all(seqs):
        if len(a) != len(e):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: {len(a)} != {len(e)}",
                            structural=True)
        for i, (x, y) in enumerate(zip(a, e)):
            _compare_item(x, y, path + (i,), opt)
        return
    if all(isinstance(x, collections.abc.Mapping) for x in (a, e)):
        keys = _sorted(a.keys())
        if a.keys() != e.keys():
            raise _Mismatch(AssertionError, f"The keys of the mappings do not match:\nMissing keys in the actual "
                            f"mapping: {_sorted(e.keys() - a.keys())}\nAdditional keys in the actual mapping: "
                            f"{_sorted(a.keys() - e.keys())}", structural=True)
        for k in keys:
            _compare_item(a[k], e[k], path + (k,), opt)
        return
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type {_class(a)} and {_class(e)}.")


def _compare_item(a, e, path, opt):
    try:
        _compare(a, e, path, opt)
    except _Mismatch as m:
        if m.located and not m.path:
            m.path = path
        raise


def _sorted(keys):
    try:
        return sorted(keys)
    except TypeError:
        return list(keys)


def _compare_numbers(a, e, opt):
    if opt["check_dtype"] and type(a) is not type(e):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.")
    rtol, atol = opt["rtol"], opt["atol"]
    if rtol is None:
        rtol, atol = _tolerances(_TOLS, *(_NUMBER_DTYPES.get(type(x), "complex128") for x in (a, e)))
    if a == e or opt["equal_nan"] and cmath.isnan(a) and cmath.isnan(e):
        return
    if not (cmath.isfinite(a) and cmath.isfinite(e) and abs(a - e) <= atol + rtol * abs(e)):
        raise _Mismatch(AssertionError, _scalar_message(a, e, rtol, atol))


def _compare_arrays(actual, expected, opt):
    a = actual._data if isinstance(actual, Tensor) else actual
    e = expected._data if isinstance(expected, Tensor) else expected
    if a.shape != e.shape:
        raise _Mismatch(AssertionError, f"The values for attribute 'shape' do not match: {_size(a)} != {_size(e)}.")
    # the meta device (ember's only other one): a meta tensor has no values to compare
    ma, me = (isinstance(x, Tensor) and x.is_meta for x in (actual, expected))
    if opt["check_device"] and ma != me:
        da, de = ("meta" if m else "cpu" for m in (ma, me))
        raise _Mismatch(AssertionError, f"The values for attribute 'device' do not match: {da} != {de}.")
    if opt["check_stride"]:
        sa, se = (tuple(s // x.itemsize for s in x.strides) for x in (a, e))
        if sa != se:
            raise _Mismatch(AssertionError, f"The values for attribute 'stride()' do not match: {sa} != {se}.")
    da, de = _dtype.from_np(a.dtype), _dtype.from_np(e.dtype)
    if opt["check_dtype"] and da is not de:
        raise _Mismatch(AssertionError, f"The values for attribute 'dtype' do not match: {da} != {de}.")
    if ma or me:
        return
    rtol, atol = opt["rtol"], opt["atol"]
    if rtol is None:
        rtol, atol = _tolerances(_TOLS, da.name, de.name)
    if da is not de:
        common = _dtype.promote_types(da, de).np
        a, e = a.astype(common), e.astype(common)
    an, en = to_numpy(a), to_numpy(e)
    equal_nan = opt["equal_nan"]
    ok = an == en if an.dtype.kind == "b" else xp.isclose(an, en, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not ok.all():
        raise _Mismatch(AssertionError, _mismatch_message(an, en, ok, rtol, atol))


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise AssertionError unless ``actual`` and ``expected`` match in shape, dtype and values.

    Inputs pair up as PyTorch's: tensors with tensors (``allow_subclasses=False``: of the same class), NumPy
    arrays with arrays, Python numbers, booleans and None with their kind, and sequences and mappings item by
    item (the message then names the item). Values match when ``|actual - expected| <= atol + rtol * |expected|``.
    The tolerances (both or neither given) default to PyTorch's per-dtype values (float32: rtol 1.3e-6, atol
    1e-5; the looser of the two dtypes; 0 for integers, which must be equal). With ``check_dtype=False`` the
    values are compared in their common dtype; ``check_stride=True`` also compares strides. ``check_device`` tells
    the CPU from the meta device (whose tensors have no values: with ``check_device=False`` they match any values);
    ``check_layout`` has nothing to check in ember (strided tensors). The message says where they
    differ most, as PyTorch's, unless ``msg`` replaces it (a string) or rewrites it (a callable).

    Example::

        >>> ember.testing.assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.0 + 1e-7]))
        >>> ember.testing.assert_close({"w": ember.zeros(2)}, {"w": ember.zeros(2)})
    """
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'atol' if atol is None else 'rtol'}.")
    opt = {"allow_subclasses": allow_subclasses, "rtol": rtol, "atol": atol, "equal_nan": equal_nan,
           "check_dtype": check_dtype, "check_stride": check_stride, "check_device": check_device}
    try:
        _compare(actual, expected, (), opt)
    except _Mismatch as m:
        text = m.text
        if m.path:
            text += f"\n\nThe failure occurred for item {''.join(f'[{k!r}]' for k in m.path)}"
        if m.kind is AssertionError and not m.structural and msg is not None:
            text = msg(text) if callable(msg) else msg
        raise m.kind(text) from None


def _size(a):
    from ember._tensor import Size
    return repr(Size(a.shape))


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """Deprecated (warns, as PyTorch since 1.12): use :func:`assert_close`.

    ``assert_close`` without the dtype check, ``equal_nan=True`` and looser default tolerances (float32: rtol
    1e-4, atol 1e-5); a non-tensor ``actual`` becomes a tensor, a non-tensor ``expected`` one of ``actual``'s dtype.
    """
    warnings.warn("`ember.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
                  "release. Please use `ember.testing.assert_close()` instead. You can find detailed upgrade "
                  "instructions in https://github.com/pytorch/pytorch/issues/61844.", FutureWarning, stacklevel=2)
    from ember._functions import tensor

    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = _tolerances(_ALLCLOSE_TOLS, actual.dtype.name, expected.dtype.name)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False, msg=msg or None)


# ------------------------------------------------------------------------------------------------ make_tensor
def _bounds(low, high, dtype, lowest, highest, default_low, default_high, integral):
    """``low`` and ``high`` (defaults filled in) checked and clamped to ``[lowest, highest)`` as PyTorch's
    make_tensor does; integral types get them rounded up (randint's upper bound is exclusive)."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and not integral:
        warnings.warn("Passing `low==high` to `ember.testing.make_tensor` for floating or complex types is "
                      "deprecated since 2.1 and will be removed in 2.3. Use `ember.full(...)` instead.",
                      FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), but {dtype} only "
                         f"supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    return (math.ceil(low), math.ceil(high)) if integral else (low, high)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """A tensor of ``shape`` and ``dtype`` with values drawn uniformly from ``[low, high)`` (for tests).

    Default ranges: bool ``[0, 2)``, unsigned integers ``[0, 10)``, signed integers ``[-9, 10)``, floating and
    complex types ``[-9, 9)`` (real and imaginary parts alike). Bounds outside the dtype's finite range are
    clamped to it; integer dtypes round them up. ``noncontiguous=True`` returns a non-contiguous view (every
    other element of a tensor twice as long in the last dimension) when there are two elements or more;
    ``memory_format`` lays it out so instead (the two exclude each other). ``exclude_zero=True`` replaces zeros
    by 1 (bool, integers) or the dtype's smallest normal number. Values come from ember's default generator.

    Args:
        *shape: ints, or one sequence of ints.
        dtype: the element type (keyword-only, required).
        device: ``"cpu"`` (keyword-only, required).
        requires_grad: for floating and complex dtypes only (a ValueError otherwise).

    Example::

        >>> ember.testing.make_tensor(2, 3, dtype=ember.int64, device="cpu", low=0, high=2).shape
        ember.Size([2, 3])
    """
    from ember import _random_kernels
    from ember._functions import from_numpy

    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
                         f"noncontiguous={noncontiguous!r} and memory_format={memory_format!r}")
    kind = _kind(dtype)
    if requires_grad and kind in ("bool", "int"):
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, but got "
                         f"dtype={dtype}")
    _check_device(device)
    if noncontiguous:
        numel = 1
        for n in shape:
            numel *= n
        noncontiguous = numel > 1
    if noncontiguous:
        shape = (*shape[:-1], 2 * shape[-1])  # (every other element is kept: neighbours differ)
    if kind in ("bool", "int"):
        info = xp.iinfo(dtype.np) if kind == "int" else None
        lowest, highest = (0, 2) if kind == "bool" else (int(info.min), int(info.max) + (dtype.name != "int64"))
        default = (0, 2) if kind == "bool" else (-9, 10)
        lo, hi = _bounds(low, high, dtype, lowest, highest, *default, True)
    else:
        info = _dtype.finfo(dtype.to_real())
        lo, hi = _bounds(low, high, dtype, float(info.min), float(info.max), -9, 9, False)
    from ember._functions import empty
    empty(shape, dtype=dtype)  # PyTorch's errors for a bad shape or an unsupported dtype
    n = math.prod(shape)
    if kind in ("bool", "int"):  # PyTorch's randint(lo, hi) draws
        values = _random_kernels.random_range(n, lo, hi - lo).astype(dtype.np).reshape(shape)
    else:  # its uniform_ on the tensor (a complex one's real view; float8 through float32)
        part = xp.dtype(dtype.to_real().np)
        draw = part if part.itemsize > 1 else xp.dtype(xp.float32)
        count = 2 * n if kind == "complex" else n
        if hi - lo >= float(_dtype.finfo(dtype.to_real()).max):  # (halved bounds: the width overflows)
            values = _random_kernels.uniform(count, draw, lo / 2, hi / 2) * draw.type(2)
        else:
            values = _random_kernels.uniform(count, draw, lo, hi)
        values = values.astype(part, copy=False)
        values = (values.view(dtype.np) if kind == "complex" else values).reshape(shape)
    result = from_numpy(xp.asarray(values))  # (a 0-d draw is a NumPy scalar)
    if noncontiguous:
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = 1 if kind in ("bool", "int") else _dtype.finfo(dtype.to_real()).tiny
    if kind in ("float", "complex"):
        result.requires_grad = requires_grad
    return result


def _kind(dtype):
    """``'bool'``, ``'int'``, ``'float'`` or ``'complex'``; a TypeError for what make_tensor cannot make."""
    if isinstance(dtype, _dtype.dtype):
        if dtype.name == "bool":
            return "bool"
        if dtype.is_complex:
            return "complex"
        if dtype.is_floating_point:
            return "float"
        if dtype.name in _INTEGRAL:
            return "int"
    raise TypeError(f"The requested dtype '{dtype}' is not supported by ember.testing.make_tensor().")
