"""The elementwise functions of ember/_functions_math.py that are not special functions (heaviside, gcd, lcm,
ldexp, frexp, nextafter, positive, rsub, mvlgamma, the inverse hyperbolic functions) against PyTorch: values,
dtypes, shapes, gradients, grad_fn names and errors."""

import re

import numpy as np
import pytest

import ember
from tests._helpers import callconv_outcome


def _both(torch, fn):
    """fn(lib) for ember and torch, as numpy arrays (or the exception each raised)."""
    out = []
    for lib in (ember, torch):
        try:
            r = fn(lib)
        except Exception as exc:  # noqa: BLE001 - compared below
            out.append(exc)
            continue
        out.append(r)
    return out


def _same(e, t, rtol=1e-6, atol=0.0):
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)


_VALUE_CASES = {
    "heaviside": lambda m: m.heaviside(m.tensor([-1.0, 0.0, 2.0, 0.0]), m.tensor([0.5])),
    "heaviside-int": lambda m: m.heaviside(m.tensor([-1, 0, 2]), m.tensor([7])),
    "heaviside-broadcast": lambda m: m.heaviside(m.tensor([[-1.0], [0.0]]), m.tensor([0.25, 0.75])),
    "heaviside-nan": lambda m: m.heaviside(m.tensor([float("nan"), 0.0]), m.tensor(0.5)),
    "gcd": lambda m: m.gcd(m.tensor([12, -18, 0, 7]), m.tensor([8, 12, 0, -21])),
    "gcd-promote": lambda m: m.gcd(m.tensor([12], dtype=m.int32), m.tensor([8])),
    "gcd-broadcast": lambda m: m.gcd(m.tensor([[12], [9]]), m.tensor([8, 6, 3])),
    "gcd-method": lambda m: m.tensor([12, 15], dtype=m.int16).gcd(m.tensor([8, 10], dtype=m.int16)),
    "lcm": lambda m: m.lcm(m.tensor([12, -18, 0, 7]), m.tensor([8, 12, 5, -21])),
    "lcm-method": lambda m: m.tensor([4, 6]).lcm(m.tensor([6, 4])),
    "ldexp": lambda m: m.ldexp(m.tensor([1.0, 2.0, -0.75]), m.tensor([2, 3, -4])),
    "ldexp-int": lambda m: m.ldexp(m.tensor([1, 2]), m.tensor([2, 3])),
    "ldexp-f64": lambda m: m.ldexp(m.tensor([1.0, 2.0], dtype=m.float64), m.tensor([2, 3])),
    "ldexp-float-exp": lambda m: m.ldexp(m.tensor([1.0, 2.0]), m.tensor([0.5, 3.0])),
    "nextafter": lambda m: m.nextafter(m.tensor([1.0, 2.0, 0.0]), m.tensor([2.0, 1.0, -1.0])) - m.tensor(
        [1.0, 2.0, 0.0]),
    "nextafter-f64": lambda m: m.nextafter(m.tensor([1.0]), m.tensor([2.0], dtype=m.float64)),
    "positive": lambda m: m.positive(m.tensor([1, -2])),
    "rsub": lambda m: m.rsub(m.tensor([1.0, 2.0]), 2, alpha=3),
    "rsub-tensor": lambda m: m.rsub(m.tensor([1.0, 2.0]), m.tensor([[1.0], [5.0]]), alpha=0.5),
    "rsub-int-float": lambda m: m.rsub(m.tensor([1, 2]), 2.5),
    "mvlgamma": lambda m: m.mvlgamma(m.tensor([2.5, 3.0, 7.25]), 3),
    "mvlgamma-int": lambda m: m.mvlgamma(m.tensor([2, 3]), 2),
    "mvlgamma-method": lambda m: m.tensor([2.5, 3.0]).mvlgamma(p=1),
    "asinh": lambda m: m.asinh(m.tensor([-3.0, 0.0, 0.5, 1e3])),
    "arccosh": lambda m: m.arccosh(m.tensor([0.5, 1.0, 2.0, 1e3])),
    "atanh": lambda m: m.atanh(m.tensor([-1.0, -0.5, 0.0, 0.999, 1.0, 2.0])),
    "asinh-int": lambda m: m.asinh(m.tensor([1, 2])),
    "acosh-f64": lambda m: m.acosh(m.tensor([1.5, 2.0], dtype=m.float64)),
    "sinc-int": lambda m: m.sinc(m.tensor([0, 1, 2])),
}


@pytest.mark.parametrize("name", sorted(_VALUE_CASES))
def test_values_dtypes_shapes(torch, name):
    e, t = _both(torch, _VALUE_CASES[name])
    assert not isinstance(t, Exception) and not isinstance(e, Exception), (e, t)
    _same(e, t)


def test_frexp(torch):
    vals = [0.0, 1.0, -3.5, float("inf"), float("nan"), 1e-40, 6e4, -0.0]
    for dt in ("float32", "float64"):
        e = ember.frexp(ember.tensor(vals, dtype=getattr(ember, dt)))
        t = torch.frexp(torch.tensor(vals, dtype=getattr(torch, dt)))
        _same(e.mantissa, t.mantissa)
        _same(e.exponent, t.exponent)
        m, x = e  # a named tuple
        assert m is e.mantissa and x is e.exponent
    assert type(e).__name__ == "frexp"
    assert repr(ember.frexp(ember.tensor([1.0, -3.5]))) == repr(torch.frexp(torch.tensor([1.0, -3.5]))).replace(
        "torch", "ember")
    e, t = ember.tensor([1.0, 2.0]).frexp(), torch.tensor([1.0, 2.0]).frexp()
    _same(e.exponent, t.exponent)


def test_gradients_and_node_names(torch):
    x = np.array([0.7, -1.3, 2.5], dtype="float32")
    y = np.array([1.0, -2.0, 3.0], dtype="float32")
    g = np.array([0.5, 1.5, -1.0], dtype="float32")
    fns = {
        "ldexp": lambda m, a, b: m.ldexp(a, b),
        "nextafter": lambda m, a, b: m.nextafter(a, b),
        "rsub": lambda m, a, b: m.rsub(a, b, alpha=2.0),
        "rsub-scalar": lambda m, a, b: m.rsub(a, 3.0, alpha=2.0) * b,
        "frexp": lambda m, a, b: m.frexp(a * b).mantissa,
        "mvlgamma": lambda m, a, b: m.mvlgamma(a * a + b * b + 2.0, 2),
        "asinh": lambda m, a, b: m.asinh(a) * b,
        "acosh": lambda m, a, b: m.acosh(a * a + 1.5) * b,
        "atanh": lambda m, a, b: m.atanh(a / 3.0) * b,
        "sinc": lambda m, a, b: m.sinc(a * b),
    }
    for fn in fns.values():
        grads = []
        for lib in (ember, torch):
            a, b = lib.tensor(x, requires_grad=True), lib.tensor(y, requires_grad=True)
            out = fn(lib, a, b)
            (out * lib.tensor(g)).sum().backward()
            grads.append((out, a.grad, b.grad))
        (eo, ea, eb), (to, ta, tb) = grads
        _same(eo, to, rtol=1e-5)
        _same(ea, ta, rtol=1e-5, atol=1e-6)
        _same(eb, tb, rtol=1e-5, atol=1e-6)
    for name in ("asinh", "acosh", "atanh", "sinc", "nextafter"):
        a = ember.tensor([1.5], requires_grad=True)
        at = torch.tensor([1.5], requires_grad=True)
        args_e = (a, ember.tensor([2.0])) if name == "nextafter" else (a,)
        args_t = (at, torch.tensor([2.0])) if name == "nextafter" else (at,)
        assert getattr(ember, name)(*args_e).grad_fn.name() == getattr(torch, name)(*args_t).grad_fn.name()
    a, at = ember.tensor([1.5], requires_grad=True), torch.tensor([1.5], requires_grad=True)
    assert ember.frexp(a).mantissa.grad_fn.name() == torch.frexp(at).mantissa.grad_fn.name()
    assert ember.rsub(a, 2).grad_fn.name() == torch.rsub(at, 2).grad_fn.name()
    assert ember.rsub(a, ember.tensor(2.0)).grad_fn.name() == torch.rsub(at, torch.tensor(2.0)).grad_fn.name()
    assert ember.frexp(a).exponent.grad_fn is None


def test_heaviside_has_no_derivative(torch):
    for lib in (ember, torch):
        x = lib.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        out = lib.heaviside(x, lib.tensor([0.5]))
        assert out.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::heaviside is not implemented"):
            out.sum().backward()


def test_positive_returns_the_input():
    x = ember.tensor([1.0, -2.0], requires_grad=True)
    assert ember.positive(x) is x
    assert x.positive() is x


_ERRORS = {
    "heaviside-dtypes": (lambda m: m.heaviside(m.tensor([1.0]), m.tensor([1])), RuntimeError,
                         "heaviside is not yet implemented for tensors with different dtypes"),
    "heaviside-number": (lambda m: m.heaviside(m.tensor([1.0]), 0.5), TypeError,
                         "argument 'values' (position 2) must be Tensor, not float"),
    "heaviside-shapes": (lambda m: m.heaviside(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0, 3.0])), RuntimeError,
                         "must match the size of tensor b"),
    "gcd-float": (lambda m: m.gcd(m.tensor([12.0]), m.tensor([8.0])), NotImplementedError,
                  "\"gcd_cpu\" not implemented for 'Float'"),
    "gcd-bool": (lambda m: m.gcd(m.tensor([True]), m.tensor([True])), NotImplementedError,
                 "\"gcd_cpu\" not implemented for 'Bool'"),
    "lcm-double": (lambda m: m.lcm(m.tensor([1], dtype=m.int64), m.tensor([2.0], dtype=m.float64)),
                   NotImplementedError, "not implemented for 'Double'"),
    "gcd-number": (lambda m: m.gcd(m.tensor([12]), 8), TypeError,
                   "argument 'other' (position 2) must be Tensor, not int"),
    "gcd-shapes": (lambda m: m.gcd(m.tensor([1, 2]), m.tensor([1, 2, 3])), RuntimeError,
                   "must match the size of tensor b"),
    "ldexp-number": (lambda m: m.ldexp(m.tensor([1.0]), 2), TypeError,
                     "argument 'other' (position 2) must be Tensor, not int"),
    "frexp-int": (lambda m: m.frexp(m.tensor([1, 2])), RuntimeError,
                  "frexp() only supports floating-point dtypes"),
    "nextafter-int": (lambda m: m.nextafter(m.tensor([1, 2]), m.tensor([2, 1])), NotImplementedError,
                      "\"nextafter_cpu\" not implemented for 'Long'"),
    "nextafter-number": (lambda m: m.nextafter(m.tensor([1.0]), 2.0), TypeError,
                         "argument 'other' (position 2) must be Tensor, not float"),
    "positive-bool": (lambda m: m.positive(m.tensor([True])), RuntimeError,
                      "The `+` operator, on a bool tensor is not supported"),
    "rsub-bool": (lambda m: m.rsub(m.tensor([True]), m.tensor([True])), RuntimeError,
                  "Subtraction, the `-` operator, with two bool tensors is not supported"),
    "rsub-bool-number": (lambda m: m.rsub(m.tensor([True]), 1), RuntimeError,
                         "Subtraction, the `-` operator, with a bool tensor is not supported"),
    "mvlgamma-p": (lambda m: m.mvlgamma(m.tensor([2.0]), 0), RuntimeError,
                   "p has to be greater than or equal to 1"),
    "polygamma-negative": (lambda m: m.polygamma(-1, m.tensor([1.0])), RuntimeError,
                           "polygamma(n, x) does not support negative n"),
    "polygamma-float-n": (lambda m: m.polygamma(1.5, m.tensor([1.0])), TypeError,
                          "argument 'n' (position 1) must be int, not float"),
}


@pytest.mark.parametrize("name", sorted(_ERRORS))
def test_errors_match_torch(torch, name):
    fn, exc, msg = _ERRORS[name]
    for lib in (torch, ember):
        with pytest.raises(exc, match=re.escape(msg)):
            fn(lib)


def test_out_arguments():
    out = ember.empty(2)
    assert ember.erfinv(ember.tensor([0.0, 0.5]), out=out) is out
    np.testing.assert_allclose(out.numpy(), [0.0, 0.4769362762044699], rtol=1e-6)
    out = ember.empty(2, dtype=ember.int64)
    assert ember.gcd(ember.tensor([12, 9]), ember.tensor([8, 6]), out=out) is out
    assert out.tolist() == [4, 3]
    m, e = ember.empty(2), ember.empty(2, dtype=ember.int32)
    res = ember.frexp(ember.tensor([1.0, 6.0]), out=(m, e))
    assert res.mantissa is m and res.exponent is e
    assert e.tolist() == [1, 3]


@pytest.mark.parametrize("n", [6, 70_000])  # one block, and several cache blocks of the bit-mask fast path
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_backward_matches_torch_at_nan_and_signed_zero(torch, n, dtype):
    """relu's gradient is g wherever the output is not <= 0 (a NaN of either sign passes g, as PyTorch's
    threshold_backward), 0 at +-0; the integer fast path once turned a negative NaN into a huge garbage value."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal(n).astype(dtype)
    a[:6] = [-np.nan, np.nan, -0.0, 0.0, 1.5, -2.0]
    g = (rng.standard_normal(n) + 0.1).astype(dtype)
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(a, requires_grad=True)
        lib.relu(x).backward(lib.tensor(g))
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    assert grads[0][0] == g[0] and grads[0][2] == 0


@pytest.mark.parametrize("fn", ["fmod", "remainder"])
def test_integer_fmod_remainder_by_zero_raise(torch, fn):
    # ember's fmod returned 0 for an integer division by zero (with NumPy's RuntimeWarning); PyTorch raises.
    for other in (0, [0, 2]):
        args = [(lib.tensor([5, -5]), other if isinstance(other, int) else lib.tensor(other)) for lib in (torch, ember)]
        with pytest.raises(RuntimeError) as expected:
            getattr(torch, fn)(*args[0])
        with pytest.raises(RuntimeError) as got:
            getattr(ember, fn)(*args[1])
        assert str(got.value) == str(expected.value) == "ZeroDivisionError"


def test_fmod_is_differentiable(torch):
    # fmod built no graph node: its result did not require grad, so gradients silently stopped there.
    x = np.array([1.5, -2.3, 4.0], dtype=np.float32)
    o = np.array([0.4, 0.5, -1.5], dtype=np.float32)
    g = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    res = {}
    for lib in (torch, ember):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(o, requires_grad=True)
        y = lib.fmod(a, b)
        y.backward(lib.tensor(g))
        res[lib.__name__] = (y.grad_fn.name(), lib.fmod(a, 0.3).grad_fn.name(), a.grad.numpy(), b.grad.numpy())
    t, e = res["torch"], res["ember"]
    assert e[:2] == t[:2] == ("FmodBackward1", "FmodBackward0")
    np.testing.assert_array_equal(e[2], t[2])
    np.testing.assert_array_equal(e[3], t[3])


# ----------------------------------------- calling conventions (keywords, out=, 0-d tensors, dtypes), vs torch

MATH_CALLS = {
    "ldexp-0d-double": lambda m: m.ldexp(m.tensor([1, 2]), m.tensor(0.5, dtype=m.float64)),
    "gcd-bool-int": lambda m: m.gcd(m.tensor([True, False]), m.tensor([4, 6])),
    "lcm-bool-int": lambda m: m.lcm(m.tensor([True, False]), m.tensor([4, 6])),
}


@pytest.mark.parametrize("name", list(MATH_CALLS))
def test_math_calling_conventions_match_torch(torch, name):
    assert callconv_outcome(ember, MATH_CALLS[name]) == callconv_outcome(torch, MATH_CALLS[name])


def _bits(a):
    return np.ascontiguousarray(a).view(f"u{a.dtype.itemsize}")


@pytest.mark.parametrize("dt", ["float64", "float32", "float16", "bfloat16"])
def test_ldexp_integer_exponent_is_exact(torch, dt):
    # x * 2 ** n with 2 ** n in float32 overflowed/underflowed (float64 results) and made 0 * inf = nan
    x = [1.0, 0.0, float("inf"), 3.0, 1e-30, -2.0, 0.75, -0.0]
    n = [1023, 200, -1000, -1074, -50, 2 ** 40, -140, 5]
    e = ember.ldexp(ember.tensor(x, dtype=getattr(ember, dt)), ember.tensor(n))
    t = torch.ldexp(torch.tensor(x, dtype=getattr(torch, dt)), torch.tensor(n))
    assert str(e.dtype) == str(t.dtype).replace("torch", "ember")
    assert (_bits(e.float().numpy() if dt == "bfloat16" else e.numpy())
            == _bits(t.float().numpy() if dt == "bfloat16" else t.numpy())).all()
    with pytest.raises(NotImplementedError, match="ldexp_cpu_exp"):
        ember.ldexp(ember.tensor([1.0]), ember.tensor([True]))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_nextafter_equal_operands_return_other_as_torch(torch, dtype):
    # nextafter(0.0, -0.0) is -0.0 (C's rule: y where x == y); NumPy's float16 loop returned x
    v = [0.0, -0.0, 1.0, -1.0, float("inf")]
    a = [x for x in v for _ in v]
    b = v * len(v)
    e = ember.nextafter(ember.tensor(a, dtype=getattr(ember, dtype)), ember.tensor(b, dtype=getattr(ember, dtype)))
    t = torch.nextafter(torch.tensor(a, dtype=getattr(torch, dtype)), torch.tensor(b, dtype=getattr(torch, dtype)))
    e, t = e.float().numpy(), t.float().numpy()
    np.testing.assert_array_equal(e, t)
    np.testing.assert_array_equal(np.signbit(e), np.signbit(t))
