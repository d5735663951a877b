"""Python numbers as operands of tensors, side by side with PyTorch: how a number goes into the operation's dtype
(wrapped into an integer dtype as C converts it, checked where PyTorch stores it, or PyTorch's error) for the
operators, their reflected and in-place forms, and the functions that take a number. Values, dtypes, whether an
in-place form kept the tensor, and error types and messages must all agree."""

import itertools
import math
import operator as op
import warnings

import pytest

import ember

VALUES = {"uint8": [0, 3, 255, 128], "int8": [0, 3, -128, 127], "int32": [0, 3, -2 ** 31, 2 ** 31 - 1],
          "int64": [0, 3, -2 ** 63, 2 ** 63 - 1],
          "bool": [True, False, True, False], "float16": [0.0, 3.0, -1.5, 60000.0],
          "bfloat16": [0.0, 3.0, -1.5, 1e30], "float32": [0.0, 3.0, -1.5, 1e30], "complex64": [0, 3, 1j, -1]}
INTEGRAL = ("uint8", "int8", "int32", "int64", "bool")
# in range, negative, past a small dtype's bounds, the int64/uint64 edges (PyTorch's Scalar holds an int64, or a
# uint64 from 2**63) and beyond them, bools, floats (finite, past float32/float16, inf, nan) and a complex number
SCALARS = [0, 3, -1, -16, 128, 255, 300, -129, -256, 70000, 2 ** 31, 2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, -2 ** 63,
           -2 ** 63 - 1, 2 ** 64, True, 0.5, -1.5, 1e40, math.inf, math.nan, 1 + 2j]
MASK = [True, False, True, False]

BINARY = {"add": op.add, "sub": op.sub, "mul": op.mul, "truediv": op.truediv, "floordiv": op.floordiv,
          "mod": op.mod, "pow": op.pow, "and": op.and_, "or": op.or_, "xor": op.xor, "lshift": op.lshift,
          "rshift": op.rshift, "eq": op.eq, "ne": op.ne, "lt": op.lt, "le": op.le, "gt": op.gt, "ge": op.ge}
INPLACE = {"iadd": op.iadd, "isub": op.isub, "imul": op.imul, "itruediv": op.itruediv, "ifloordiv": op.ifloordiv,
           "imod": op.imod, "ipow": op.ipow, "iand": op.iand, "ior": op.ior, "ixor": op.ixor,
           "ilshift": op.ilshift, "irshift": op.irshift}
FUNCTIONS = {
    "add": lambda m, x, s: m.add(x, s), "sub": lambda m, x, s: m.sub(x, s), "rsub": lambda m, x, s: m.rsub(x, s),
    "mul": lambda m, x, s: m.mul(x, s), "div": lambda m, x, s: m.div(x, s),
    "floor_divide": lambda m, x, s: m.floor_divide(x, s), "remainder": lambda m, x, s: m.remainder(x, s),
    "fmod": lambda m, x, s: m.fmod(x, s), "pow": lambda m, x, s: m.pow(x, s), "rpow": lambda m, x, s: m.pow(s, x),
    "bitwise_and": lambda m, x, s: m.bitwise_and(x, s), "bitwise_or": lambda m, x, s: m.bitwise_or(x, s),
    "bitwise_xor": lambda m, x, s: m.bitwise_xor(x, s),
    "bitwise_left_shift": lambda m, x, s: m.bitwise_left_shift(x, s),
    "bitwise_right_shift": lambda m, x, s: m.bitwise_right_shift(x, s),
    "eq": lambda m, x, s: m.eq(x, s), "ne": lambda m, x, s: m.ne(x, s), "lt": lambda m, x, s: m.lt(x, s),
    "le": lambda m, x, s: m.le(x, s), "gt": lambda m, x, s: m.gt(x, s), "ge": lambda m, x, s: m.ge(x, s),
    "add_alpha": lambda m, x, s: m.add(x, x, alpha=s), "sub_alpha": lambda m, x, s: m.sub(x, x, alpha=s),
    "clamp_min": lambda m, x, s: m.clamp(x, min=s), "clamp_max": lambda m, x, s: m.clamp(x, max=s),
    "clamp": lambda m, x, s: m.clamp(x, -1, s),
    "where": lambda m, x, s: m.where(m.tensor(MASK), x, s), "rwhere": lambda m, x, s: m.where(m.tensor(MASK), s, x),
    "full_like": lambda m, x, s: m.full_like(x, s), "full": lambda m, x, s: m.full((2,), s, dtype=x.dtype),
    "new_full": lambda m, x, s: x.new_full((2,), s), "fill_": lambda m, x, s: x.fill_(s),
    "masked_fill": lambda m, x, s: x.masked_fill(m.tensor(MASK), s),
    "masked_fill_": lambda m, x, s: x.masked_fill_(m.tensor(MASK), s),
    "index_fill": lambda m, x, s: x.index_fill(0, m.tensor([1, 2]), s),
    "setitem": lambda m, x, s: x.__setitem__(0, s) or x, "setitem_mask": lambda m, x, s: x.__setitem__(
        m.tensor(MASK), s) or x,
    "add_": lambda m, x, s: x.add_(s), "sub_": lambda m, x, s: x.sub_(s), "mul_": lambda m, x, s: x.mul_(s),
    "div_": lambda m, x, s: x.div_(s), "eq_": lambda m, x, s: x.eq_(s), "lt_": lambda m, x, s: x.lt_(s),
    "bitwise_and_": lambda m, x, s: x.bitwise_and_(s), "bitwise_or_": lambda m, x, s: x.bitwise_or_(s),
}
# Results of the floating kernels themselves, not of the number's conversion (complex pow's rounding): compared only
# with integral tensors and numbers.
FLOAT_KERNEL = {"pow", "rpow", "ipow", "F.pow", "F.rpow"}


def _gap(name, dtype, s):
    """Known differences left alone (see the module's docstring in the report): True skips the comparison."""
    if dtype == "float16" and type(s) is complex:
        return True  # float16 with a complex number is complex32 in PyTorch, which NumPy (so ember) lacks
    if name in FLOAT_KERNEL and not (dtype in INTEGRAL and type(s) in (int, bool)):
        return True
    if dtype == "complex64" and name in ("add", "radd", "sub", "rsub", "iadd", "isub", "F.add", "F.sub", "F.add_",
                                         "F.sub_") and type(s) is float and not abs(s) < 1e38:
        return True  # PyTorch's complex kernel multiplies by alpha: (inf + 0j) * 1 has a NaN imaginary part
    if name == "F.clamp" and s == 2 ** 63:
        return True  # PyTorch promotes the int64 -1 with the uint64 2**63 first, and refuses
    if name.startswith("F.rem") or name.startswith("F.fmod") or name in ("imod", "ifloordiv", "ipow"):
        return dtype in ("bool", "bfloat16", "float16")  # (kernels' own dtype checks and half in-place rounding)
    return False


def _outcome(module, fn, s, dtype, values=True):
    """What ``fn(module, x, s)`` gives for the dtype's test tensor ``x``: an error's type and message, or the
    result's dtype, values (unless ``values`` is False) and whether it is ``x`` itself."""
    x = module.tensor(VALUES[dtype], dtype=getattr(module, dtype))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (PyTorch's ComplexHalf and complex-cast warnings)
            r = fn(module, x, s)
    except Exception as exc:  # noqa: BLE001 - the errors are compared
        return "error", type(exc).__name__, str(exc).split("\n")[0]
    if isinstance(r, module.Tensor):
        return str(r.dtype).split(".")[-1], [str(v) for v in r.reshape(-1).tolist()] if values else None, r is x
    return "value", repr(r)


def _cases():
    for name, f in BINARY.items():
        yield name, lambda m, x, s, f=f: f(x, s)
        yield "r" + name, lambda m, x, s, f=f: f(s, x)
    for name, f in INPLACE.items():
        yield name, lambda m, x, s, f=f: f(x, s)
    for name, f in FUNCTIONS.items():
        yield "F." + name, f


CASES = dict(_cases())


@pytest.mark.parametrize("name", list(CASES))
def test_scalar_operand_sweep(torch, name):
    fn = CASES[name]
    bad = []
    for dtype, s in itertools.product(VALUES, SCALARS):
        if _gap(name, dtype, s):
            continue
        # (a float alpha's rounding is add's own arithmetic: there only the dtypes and errors are compared)
        values = not (name in ("F.add_alpha", "F.sub_alpha") and dtype not in INTEGRAL)
        expected = _outcome(torch, fn, s, dtype, values)
        got = _outcome(ember, fn, s, dtype, values)
        if got != expected:
            bad.append(f"{dtype} {name} {s!r}: ember {got} != torch {expected}")
    assert not bad, "\n".join(bad[:10]) + f"\n({len(bad)} in all)"


@pytest.mark.parametrize("dtype", INTEGRAL)
def test_numpy_and_zero_dim_scalars_wrap_like_numbers(torch, dtype):
    """A NumPy integer scalar converts as the Python number does (uint8 & np.int64(-16) is uint8 & 240)."""
    import numpy as np
    for s in (np.int64(-16), np.int64(300)):
        for f in (op.and_, op.lt, op.eq, op.add):
            expected = _outcome(torch, lambda m, x, s, f=f: f(x, int(s)), s, dtype)
            got = _outcome(ember, lambda m, x, s, f=f: f(x, s), s, dtype)
            assert got == expected, (dtype, f, s)


def test_examples_of_the_brief(torch):
    x = ember.tensor([255, 3], dtype=ember.uint8)
    assert (x & -16).tolist() == [240, 0] and (x & -16).dtype == ember.uint8
    assert (x < -1).tolist() == [False, True]
    y = ember.tensor([255, 3], dtype=ember.uint8)
    before = y
    y &= -16
    assert y is before and y.tolist() == [240, 0]
    with pytest.raises(OverflowError, match="int too big to convert"):
        ember.ones(2) + 2 ** 64
    with pytest.raises(RuntimeError, match="value cannot be converted to type uint8_t without overflow"):
        x.fill_(300)


def test_float_operands_keep_their_fast_path():
    """Float tensors with Python numbers keep the shared cached 0-d operand (the training hot path)."""
    from ember import _functions as F
    t = ember.ones(3)
    a1, b1 = F._operands(t, 0.5)
    a2, b2 = F._operands(t, 0.5)
    assert a1 is t and b1 is b2 and b1.dtype == ember.float32
    assert F._operands(t, 1)[1] is F._operands(t, 1)[1]


def _compare(torch, make, calls, values, dtypes):
    """Each ``calls[name](m, make(m, dtype), value)`` in ember and PyTorch: the mismatches, described."""
    bad = []
    for dtype, value, (name, fn) in itertools.product(dtypes, values, calls.items()):
        got, expected = (_outcome_of(m, fn, make, dtype, value) for m in (ember, torch))
        if got != expected:
            bad.append(f"{dtype} {name} {value!r}: ember {got} != torch {expected}")
    return bad


def _outcome_of(module, fn, make, dtype, value):
    """:func:`_outcome` for the tensor ``make(module, dtype)``; a value that is a function gets the module."""
    x = make(module, dtype)
    v = value(module) if callable(value) else value
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn(module, x, v)
    except Exception as exc:  # noqa: BLE001 - the errors are compared
        return "error", type(exc).__name__, str(exc).split("\n")[0]
    if r.dtype in (module.bfloat16, module.float16):
        return str(r.dtype).split(".")[-1], tuple(r.shape), [str(v) for v in r.float().reshape(-1).tolist()], r is x
    return str(r.dtype).split(".")[-1], tuple(r.shape), [str(v) for v in r.reshape(-1).tolist()], r is x


FILLS = {"full": lambda m, x, v: m.full(x.shape, v, dtype=x.dtype), "full_like": lambda m, x, v: m.full_like(x, v),
         "new_full": lambda m, x, v: x.new_full(x.shape, v), "fill_": lambda m, x, v: x.fill_(v),
         "fill": lambda m, x, v: m.fill(x, v)}


@pytest.mark.parametrize("shape", [(), (1,), (1, 1), (2,), (0,), (2, 0)])
def test_one_element_half_fill_overflows_to_inf_like_torch(torch, shape):
    """PyTorch fills one element of float16/bfloat16 without its range check (70000 is inf there; a complex
    number with an imaginary part is refused as a double) but checks any other count, zero included."""
    import numpy as np
    values = [70000.0, -70000.0, 1e39, 3.5e38, 70000, 2 ** 63, 2 ** 64 - 1, 2 ** 64, 70000 + 0j, 70000 + 1j,
              math.inf, math.nan, 1.5, True, np.float64(1e39), np.int64(70000)]
    bad = _compare(torch, lambda m, d: m.zeros(shape, dtype=getattr(m, d)), FILLS, values,
                   ["float16", "bfloat16", "float32"])
    assert not bad, "\n".join(bad[:10]) + f"\n({len(bad)} in all)"


def test_fill_takes_complex_and_numpy_numbers_like_torch(torch):
    """torch.fill takes any Number (complex ones too: into complex tensors, or checked into real ones), NumPy's
    as PyTorch's parser reads them (complex64 as its real part, uint64 from 2**63 refused)."""
    import numpy as np
    values = [1 + 2j, 3 + 0j, complex(1e39, 0), complex(0, 1e39), complex(math.inf, math.nan), 2.5, 3, True,
              np.complex64(1 + 1j), np.complex128(1 + 1j), np.float32(1.5), np.float64(1e39), np.int64(-1),
              np.int64(300), np.uint64(2 ** 64 - 1), np.uint64(5), np.bool_(True)]
    calls = {"fill": FILLS["fill"], "fill_": FILLS["fill_"], "full": FILLS["full"]}
    dtypes = ["complex64", "complex128", "float32", "float16", "int64", "uint8", "bool"]
    bad = _compare(torch, lambda m, d: m.zeros(2, dtype=getattr(m, d)), calls, values, dtypes)
    others = ["a", None, [1], lambda m: m.tensor(1 + 1j), lambda m: m.tensor(2.5)]  # (fill's own checks)
    bad += _compare(torch, lambda m, d: m.zeros(2, dtype=getattr(m, d)), {"fill": FILLS["fill"]}, others, dtypes)
    assert not bad, "\n".join(bad[:10]) + f"\n({len(bad)} in all)"


def test_fill_of_complex_tensors_has_torchs_gradients(torch):
    grads = []
    for m in (ember, torch):
        t = m.zeros(2, dtype=m.complex64, requires_grad=True)
        v = m.tensor(1 + 2j, requires_grad=True)
        a = m.fill(t, 1 + 2j)
        b = m.fill(t, v)
        assert a.grad_fn.name() == "FillBackward0" and b.grad_fn.name() == "FillBackward1"
        (a * b).abs().sum().backward()
        grads.append((t.grad.numpy(), v.grad.numpy()))
    for e, t in zip(*grads):
        assert e.dtype == t.dtype and abs(e - t).max() < 1e-6, (e, t)


CLAMPS = {
    "clamp": lambda m, x, b: x.clamp(*b), "clamp_": lambda m, x, b: x.clamp_(*b), "clip_": lambda m, x, b: x.clip_(*b),
    "clamp_kw_": lambda m, x, b: x.clamp_(min=b[0], max=b[1]),
    "clamp_min": lambda m, x, b: x.clamp_min(b[0] if b[0] is not None else b[1]),
    "clamp_min_": lambda m, x, b: x.clamp_min_(b[0] if b[0] is not None else b[1]),
    "clamp_max": lambda m, x, b: x.clamp_max(b[1] if b[1] is not None else b[0]),
    "clamp_max_": lambda m, x, b: x.clamp_max_(b[1] if b[1] is not None else b[0]),
}


def test_clamp_bounds_errors_like_torch(torch):
    """Integer tensors' clamp with out-of-range or invalid bounds: in-place forms check the result type first and
    name the tensor's dtype by its C type (``unsigned char``) for number bounds, PyTorch's dtype word for tensor
    bounds; uint16/32/64 have no clamp kernel; a complex bound of clamp_min/clamp_max is refused."""
    bounds = [(-1, None), (None, 256), (300, None), (None, -300), (0.5, None), (-0.5, None), (None, 1e39),
              (None, math.inf), (math.nan, None), (1 + 1j, None), (1 + 0j, None), (2 ** 63, None), (2 ** 64, None),
              (-2 ** 63 - 1, None), (True, None), (-1, 256), (1.5, 2),
              lambda m: (m.tensor(1 + 1j), None), lambda m: (m.tensor(0.5), m.tensor(1.5)),
              lambda m: (m.tensor([0.5, 1.0], dtype=m.float64), None), lambda m: (None, m.tensor(1)),
              lambda m: (m.tensor(0), m.tensor(1))]
    bad = _compare(torch, lambda m, d: m.tensor([0, 5], dtype=getattr(m, d)), CLAMPS, bounds,
                   ["uint8", "int8", "int16", "int32", "int64", "bool", "uint16", "uint32", "uint64", "float32"])
    assert not bad, "\n".join(bad[:10]) + f"\n({len(bad)} in all)"
