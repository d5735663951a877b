"""Type promotion and special values of div/atan2/bitwise/pow/clamp/where and ``out=``, side by side with torch."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _both(fn):
    """``fn(lib)`` run on torch and on ember: (result or exception) for each."""
    res = []
    for lib in (torch, ember):
        try:
            res.append(fn(lib))
        except Exception as exc:  # noqa: BLE001 (compared below)
            res.append(exc)
    return res


def _same(fn, tol=0):
    t, e = _both(fn)
    if isinstance(t, Exception):
        assert type(e) is type(t) and str(e) == str(t), (t, e)
        return
    assert not isinstance(e, Exception), (t, e)
    assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    en, tn = np.array(e.tolist()), np.array(t.tolist())
    if tol:
        np.testing.assert_allclose(en, tn, rtol=tol)
    else:
        np.testing.assert_array_equal(en, tn)
    np.testing.assert_array_equal(np.signbit(en.real), np.signbit(tn.real))


@pytest.mark.parametrize("case", [
    lambda L: L.tensor([1, 7, 200], dtype=L.uint8) / L.tensor(-2),
    lambda L: L.tensor(-2) / L.tensor([1, 7, 200], dtype=L.uint8),
    lambda L: L.atan2(L.tensor([1, 7, 200], dtype=L.uint8), L.tensor(-2)),
    lambda L: L.atan2(L.tensor(-3, dtype=L.int8), L.tensor([1, 7, 200], dtype=L.uint8)),
    lambda L: L.div(L.tensor([2**62, -2**63 + 1, 2**53 + 1, -7, 7, -6]), L.tensor([3, 3, 3, 2, -2, 3]),
                    rounding_mode="trunc"),
    lambda L: L.div(L.tensor([-7, 7, 0, 9], dtype=L.int8), 2, rounding_mode="trunc"),
    lambda L: L.div(L.tensor([200, 7], dtype=L.uint8), L.tensor(3, dtype=L.uint8), rounding_mode="trunc"),
])
def test_integer_division(case):
    t, _ = _both(case)
    # (atan2: torch's float32 atan2 is faithful, not correctly rounded: 1 ulp apart at times)
    _same(case, 1e-6 if t.dtype.is_floating_point else 0)


@pytest.mark.parametrize("case", [
    lambda L: L.tensor([1, 2], dtype=L.uint8) & L.tensor(3),
    lambda L: L.tensor([1], dtype=L.uint8) | L.tensor(-2, dtype=L.int8),
    lambda L: L.tensor([1], dtype=L.uint8) ^ L.tensor([-2], dtype=L.int8),
    lambda L: L.tensor([1.0], dtype=L.float16) & L.tensor([1.0]),
    lambda L: L.tensor([1]) & L.tensor([1.5]),
    lambda L: L.tensor([True]) | L.tensor(3),
])
def test_bitwise_promotion(case):
    _same(case)


def test_out_casting_and_autograd():
    _same(lambda L: L.add(L.tensor([1, 2]), L.tensor([300, -1]), out=L.zeros(2, dtype=L.uint8)))
    _same(lambda L: L.add(L.tensor([1.5]), 1, out=L.zeros(1, dtype=L.int64)))
    _same(lambda L: L.where(L.tensor([True]), L.tensor([1.5]), L.tensor([2.5]), out=L.zeros(1, dtype=L.float16)))
    _same(lambda L: L.where(L.tensor([True]), L.tensor([1.5]), L.tensor([2.5]), out=L.zeros(1)))

    def grad(fn):
        return lambda L: fn(L, L.ones(2, 2, requires_grad=True), L.empty(0))

    for fn in (lambda L, x, o: L.cat([x, x], out=o), lambda L, x, o: L.mm(x, x, out=o),
               lambda L, x, o: L.stack([x, x], out=o), lambda L, x, o: L.hstack([x, x], out=o),
               lambda L, x, o: L.atan2(x, x, out=o), lambda L, x, o: L.matmul(x, x, out=o),
               lambda L, x, o: L.add(x, x, out=o), lambda L, x, o: L.exp(x, out=o),
               lambda L, x, o: L.sum(x, 0, out=o), lambda L, x, o: L.kron(x, x, out=o),
               lambda L, x, o: L.outer(x[0], x[0], out=o), lambda L, x, o: L.linalg.multi_dot([x, x, x], out=o),
               lambda L, x, o: L.div(x, x, rounding_mode="trunc", out=o),
               lambda L, x, o: L.where(x > 0, x, x, out=o.double()),
               lambda L, x, o: L.sort(x, out=(o, L.empty(0, dtype=L.long))),
               lambda L, x, o: L.clamp(x, 0, 1, out=o), lambda L, x, o: L.square(x, out=o),
               lambda L, x, o: L.linalg.vector_norm(x, out=o), lambda L, x, o: L.linalg.inv(x + L.eye(2), out=o),
               lambda L, x, o: L.add(x.detach(), 1, out=L.empty(2, requires_grad=True))):
        t, e = _both(grad(fn))
        assert type(t) is RuntimeError and type(e) is RuntimeError and str(e) == str(t), (t, e)
    for fn in (lambda L, x, o: L.tensordot(x, x, out=o), lambda L, x, o: L.diag(x, out=o),
               lambda L, x, o: L.inner(x, x, out=o), lambda L, x, o: L.linalg.norm(x, out=o)):
        t, e = _both(grad(fn))
        assert not isinstance(t, Exception) and not isinstance(e, Exception), (t, e)
    with ember.no_grad():
        ember.add(ember.ones(2, requires_grad=True), 1, out=ember.empty(2))


@pytest.mark.parametrize("case", [
    lambda L: L.clamp(L.tensor([True, False]), L.tensor([False, False]), L.tensor([True, True])),
    lambda L: L.clamp(L.tensor([True, False]), min=L.tensor([True, False])),
    lambda L: L.clamp(L.tensor([True, False]), 0, 1),
    lambda L: L.clamp(L.tensor([True, False]), True, False),
])
def test_clamp_bool(case):
    _same(case)


def test_sub_bool_in_place():
    _same(lambda L: L.tensor([1.0]).sub_(L.tensor([True])))
    _same(lambda L: L.tensor([1.0]).add_(L.tensor([True])))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("e", [3, -2, -0.5, 2, -1])
def test_pow_special_exponents(dtype, e):
    vals = [3.1, 7.25, -0.0, 0.0, -2.5, 300.0, float("inf"), -float("inf")]
    if dtype == "bfloat16" and e == -0.5:
        # rsqrt's specials in bfloat16 ((-0.0) ** -0.5 is -inf, (-inf) ** -0.5 nan; float16 keeps pow's)
        _same(lambda L: L.tensor([3.1, -0.0, 0.0, -2.5, 300.0, float("inf"), -float("inf")], dtype=L.bfloat16) ** e)
        pytest.xfail("torch's bfloat16 x ** -0.5 misses the correctly rounded value for ~1e-4 of inputs (7.25)")
    if dtype in ("float32", "float64") or e != -0.5:  # (half types: -0.5 of -0.0 and -inf differ by type in torch)
        _same(lambda L: L.tensor(vals, dtype=getattr(L, dtype)) ** e)
    else:
        _same(lambda L: L.tensor(vals[:2], dtype=getattr(L, dtype)) ** e)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("case", [
    lambda L, d: L.tensor([1e30j, 0j, 1 + 2j], dtype=d) ** -2,
    lambda L, d: L.tensor([1e30j, 0j, 2.5 - 0.5j], dtype=d) ** L.tensor([-5]),
    lambda L, d: L.tensor([1e30j, 0j, 1 + 2j], dtype=d) ** L.tensor([-2.0, 2.0, 0.5]),
    lambda L, d: L.tensor([1e30j], dtype=d) ** L.tensor([200], dtype=L.uint8),
])
def test_complex_pow(dtype, case):
    t, e = _both(lambda L: case(L, getattr(L, dtype)))
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6 if dtype == "complex64" else 1e-14)
