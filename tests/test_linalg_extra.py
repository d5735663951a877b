"""ember.linalg.ldl_factor / ldl_factor_ex / ldl_solve, ember.geqrf / ormqr, ember.svd_lowrank / pca_lowrank and the
linalg functions PyTorch removed in 1.9 (eig, solve, symeig, matrix_rank, lstsq), side by side with PyTorch.

Single-configuration forward values and gradients are also in the parity table (tests/parity/cases_linalg.py)."""

import numpy as np
import pytest

import ember
from tests._helpers import both, same_error

_RNG = np.random.default_rng(0)


def _sym(a):
    return a + np.swapaxes(a, -1, -2)


def _cplx(shape, rng=_RNG):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _zero_diagonal(a):
    """``a`` with a zero diagonal: Bunch-Kaufman must use 2x2 pivots."""
    a = a.copy()
    n = a.shape[-1]
    a[..., np.arange(n), np.arange(n)] = 0
    return a


# ---------------------------------------------------------------------------------------------------- LDL

_LDL_INPUTS = {
    "real-symmetric": (_sym(_RNG.standard_normal((3, 5, 5))), False),
    "real-nonsymmetric-reads-lower": (_RNG.standard_normal((2, 6, 6)), False),
    "real-2x2-pivots": (_zero_diagonal(_sym(_RNG.standard_normal((4, 7, 7)))), False),
    "real-hermitian-flag": (_sym(_RNG.standard_normal((5, 5))), True),
    "complex-symmetric": (_cplx((2, 6, 6)), False),
    "complex-hermitian": (_cplx((3, 6, 6)), True),
    "complex-hermitian-2x2": (_zero_diagonal(_cplx((2, 7, 7))), True),
    "complex-symmetric-2x2": (_zero_diagonal(_cplx((7, 7))), False),
    "one-by-one": (np.array([[-2.5]]), False),
    "integers-ties": (_sym(np.round(_RNG.standard_normal((3, 6, 6)) * 2)) + 9 * np.eye(6), False),
    "large-blocked": (_sym(_RNG.standard_normal((80, 80))), False),
}


@pytest.mark.parametrize("name", list(_LDL_INPUTS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_ldl_factor_matches_torch_exactly(torch, name, dtype):
    a, hermitian = _LDL_INPUTS[name]
    if dtype == "float32":
        a = a.astype(np.complex64 if a.dtype.kind == "c" else np.float32)
    t = torch.linalg.ldl_factor_ex(torch.from_numpy(a), hermitian=hermitian)
    e = ember.linalg.ldl_factor_ex(ember.from_numpy(a), hermitian=hermitian)
    assert type(e).__name__ == type(t).__name__ == "linalg_ldl_factor_ex" and e._fields == ("LD", "pivots", "info")
    np.testing.assert_array_equal(e.pivots.numpy(), t.pivots.numpy())  # the same pivoting decisions
    assert e.pivots.dtype == ember.int32 and e.info.dtype == ember.int32
    np.testing.assert_array_equal(e.info.numpy(), t.info.numpy())
    assert e.LD.dtype == getattr(ember, dtype if a.dtype.kind == "f" else str(a.dtype))
    tol = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(e.LD.numpy(), t.LD.numpy(), rtol=tol, atol=tol)
    plain = ember.linalg.ldl_factor(ember.from_numpy(a), hermitian=hermitian)
    assert type(plain).__name__ == "linalg_ldl_factor" and plain._fields == ("LD", "pivots")
    np.testing.assert_array_equal(plain.LD.numpy(), e.LD.numpy())


def _full(a, hermitian):
    """The matrix LAPACK factors: the lower triangle of ``a`` mirrored (conjugated if Hermitian)."""
    low = np.tril(a, -1)
    up = np.swapaxes(low.conj() if hermitian else low, -1, -2)
    d = np.diagonal(a, axis1=-2, axis2=-1)
    full = low + up + d[..., None] * np.eye(a.shape[-1])
    if hermitian and a.dtype.kind == "c":
        full = low + up + d.real[..., None] * np.eye(a.shape[-1])
    return full


@pytest.mark.parametrize("name", [n for n in _LDL_INPUTS if n != "one-by-one"])
def test_ldl_solve_solves_and_matches_torch(torch, name):
    a, hermitian = _LDL_INPUTS[name]
    b = _RNG.standard_normal(a.shape[:-1] + (3,)).astype(a.dtype)
    ld, piv = ember.linalg.ldl_factor(ember.from_numpy(a), hermitian=hermitian)
    x = ember.linalg.ldl_solve(ld, piv, ember.from_numpy(b), hermitian=hermitian)
    np.testing.assert_allclose(_full(a, hermitian) @ x.numpy(), b, atol=1e-8)
    t_ld, t_piv = torch.linalg.ldl_factor(torch.from_numpy(a), hermitian=hermitian)
    want = torch.linalg.ldl_solve(t_ld, t_piv, torch.from_numpy(b), hermitian=hermitian).numpy()
    np.testing.assert_allclose(x.numpy(), want, rtol=1e-8, atol=1e-9)
    # PyTorch's factorization, solved by ember
    got = ember.linalg.ldl_solve(ember.from_numpy(t_ld.numpy()), ember.from_numpy(t_piv.numpy()),
                                 ember.from_numpy(b), hermitian=hermitian)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("ld_batch, b_shape", [((), (2, 5, 2)), ((2,), (1, 5, 3)), ((), (5, 0)), ((2,), (5, 4))])
def test_ldl_solve_broadcasts_batches_as_torch(torch, ld_batch, b_shape):
    a = _zero_diagonal(_sym(_RNG.standard_normal(ld_batch + (5, 5)))) + np.eye(5)
    b = _RNG.standard_normal(b_shape)
    e, t = both(torch, lambda m: m.linalg.ldl_solve(*m.linalg.ldl_factor(m.from_numpy(a)), m.from_numpy(b)))
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-8, atol=1e-10)


def test_ldl_solve_broadcasts_a_size_one_factor_batch():
    # (PyTorch 2.13 crashes here: it expands LD but not the pivots)
    a = _zero_diagonal(_sym(_RNG.standard_normal((3, 1, 5, 5)))) + np.eye(5)
    b = _RNG.standard_normal((2, 5, 1))
    x = ember.linalg.ldl_solve(*ember.linalg.ldl_factor(ember.from_numpy(a)), ember.from_numpy(b))
    assert tuple(x.shape) == (3, 2, 5, 1)
    np.testing.assert_allclose(a @ x.numpy(), np.broadcast_to(b, (3, 2, 5, 1)), atol=1e-9)


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3, 3)])
def test_ldl_of_empty_matrices(torch, shape):
    e, t = both(torch, lambda m: m.linalg.ldl_factor_ex(m.zeros(shape)))
    for te, ee in zip(t, e):
        assert tuple(ee.shape) == tuple(te.shape) and str(ee.dtype)[6:] == str(te.dtype)[6:]
    e, t = both(torch, lambda m: m.linalg.ldl_solve(*m.linalg.ldl_factor(m.zeros(shape)), m.ones(*shape[:-1], 2)))
    assert tuple(e.shape) == tuple(t.shape)


def test_ldl_singular_matrix_reports_info_and_raises(torch):
    a = np.zeros((2, 3, 3))
    a[0] = np.eye(3)
    a[1, 1:, 1:] = [[0.0, 1.0], [1.0, 0.0]]  # the first column of the second matrix is zero
    t = torch.linalg.ldl_factor_ex(torch.from_numpy(a))
    e = ember.linalg.ldl_factor_ex(ember.from_numpy(a))
    np.testing.assert_array_equal(e.info.numpy(), t.info.numpy())
    np.testing.assert_array_equal(e.pivots.numpy(), t.pivots.numpy())
    np.testing.assert_allclose(e.LD.numpy(), t.LD.numpy())
    for call in (lambda m: m.linalg.ldl_factor(m.from_numpy(a)),
                 lambda m: m.linalg.ldl_factor_ex(m.from_numpy(a), check_errors=True)):
        e, t = both(torch, call)
        # PyTorch raises through an internal assert whose message ends with ember's
        assert type(e) is type(t) is RuntimeError and str(t).endswith(str(e)), (e, t)


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.ldl_factor(m.ones(3)),
    lambda m: m.linalg.ldl_factor(m.ones(3, 2)),
    lambda m: m.linalg.ldl_factor_ex(m.ones(2, 3, 2)),
    lambda m: m.linalg.ldl_factor(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.ldl_factor(m.ones(3, 3, dtype=m.float16)),
    lambda m: m.linalg.ldl_factor(m.ones(3, 3, dtype=m.bfloat16)),
    lambda m: m.linalg.ldl_factor(m.eye(3), hermitian=1),
    lambda m: m.linalg.ldl_factor_ex(m.eye(3), hermitian=None),
    lambda m: m.linalg.ldl_factor_ex(m.eye(3), check_errors=0),
    lambda m: m.linalg.ldl_solve(*m.linalg.ldl_factor(m.eye(3)), m.ones(3)),
    lambda m: m.linalg.ldl_solve(*m.linalg.ldl_factor(m.eye(3)), m.ones(4, 2)),
    lambda m: m.linalg.ldl_solve(*m.linalg.ldl_factor(m.eye(3)), m.ones(3, 2), hermitian=None),
    lambda m: m.linalg.ldl_solve(m.eye(3).expand(2, 3, 3), m.ones(2, 3, dtype=m.int32), m.ones(5, 3, 2)),
    lambda m: m.linalg.ldl_solve(m.eye(3), m.ones(3, dtype=m.int32), m.ones(3, 2, dtype=m.float64)),
    lambda m: m.linalg.ldl_solve(m.eye(3, dtype=m.float64), m.ones(3, dtype=m.int32), m.ones(3, 2)),
    lambda m: m.linalg.ldl_solve(m.eye(3), m.ones(2, dtype=m.int32), m.ones(3, 2)),
    lambda m: m.linalg.ldl_solve(m.eye(3).expand(2, 3, 3), m.ones(3, dtype=m.int32), m.ones(3, 2)),
    lambda m: m.linalg.ldl_solve(m.eye(3), m.ones(3), m.ones(3, 2)),
    lambda m: m.linalg.ldl_solve(m.eye(3), m.ones(3, dtype=m.bool), m.ones(3, 2)),
    lambda m: m.linalg.ldl_solve(m.ones(2, 3), m.ones(2, dtype=m.int32), m.ones(3, 2)),
    lambda m: m.linalg.ldl_solve(m.ones(3), m.ones(3, dtype=m.int32), m.ones(3, 2)),
    lambda m: m.linalg.ldl_solve(m.eye(3, dtype=m.int64), m.ones(3, dtype=m.int32), m.ones(3, 2, dtype=m.int64)),
    lambda m: m.linalg.ldl_solve(m.eye(3, dtype=m.float16), m.ones(3, dtype=m.int32), m.ones(3, 2,
                                                                                               dtype=m.float16)),
    lambda m: m.linalg.ldl_solve(m.eye(3), m.zeros(3, dtype=m.int32), m.ones(3, 2)),
    lambda m: m.linalg.ldl_solve(m.eye(3), m.full((3,), 7, dtype=m.int32), m.ones(3, 2)),
])
def test_ldl_errors_match_torch(torch, call):
    e, t = both(torch, call)
    same_error(e, t)


@pytest.mark.parametrize("dtype", ["int64", "int16", "int8"])
def test_ldl_solve_takes_any_integer_pivots(torch, dtype):
    a = _zero_diagonal(_sym(_RNG.standard_normal((4, 4))))
    b = _RNG.standard_normal((4, 2))

    def solve(m):
        ld, piv = m.linalg.ldl_factor(m.from_numpy(a))
        return m.linalg.ldl_solve(ld, piv.to(getattr(m, dtype)), m.from_numpy(b))
    e, t = both(torch, solve)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10)


@pytest.mark.parametrize("complex_input", [False, True])
def test_ldl_records_a_node_whose_backward_raises_as_torch(torch, complex_input):
    a = _cplx((4, 4)) if complex_input else _sym(_RNG.standard_normal((4, 4)))
    b = _RNG.standard_normal((4, 2)).astype(a.dtype)
    for lib in (torch, ember):
        x = lib.tensor(a, requires_grad=True)
        ld, piv = lib.linalg.ldl_factor(x)
        assert ld.grad_fn.name().endswith("::autograd::NotImplemented") and not piv.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_factor_ex is not implemented"):
            ld.abs().sum().backward()
        y = lib.tensor(b, requires_grad=True)
        sol = lib.linalg.ldl_solve(ld.detach(), piv, y)
        assert sol.grad_fn.name().endswith("::autograd::NotImplemented")
        with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_solve is not implemented"):
            sol.abs().sum().backward()


def test_ldl_repr_matches_torch(torch):
    a = np.array([[0.0, 2.0, 1.0], [2.0, 0.0, 3.0], [1.0, 3.0, 1.0]])
    e, t = both(torch, lambda m: m.linalg.ldl_factor(m.tensor(a)))
    assert repr(e) == repr(t).replace("torch.", "ember.")


# ---------------------------------------------------------------------------------------------------- geqrf / ormqr

@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 6, 2), (2, 3, 2, 4), (0, 3), (3, 0), (2, 0, 0)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_geqrf_matches_torch(torch, shape, dtype):
    a = (_cplx(shape) if dtype.startswith("complex") else _RNG.standard_normal(shape)).astype(dtype)
    e, t = both(torch, lambda m: m.geqrf(m.from_numpy(a)))
    assert type(e).__name__ == type(t).__name__ == "geqrf" and e._fields == ("a", "tau")
    tol = 1e-5 if dtype in ("float32", "complex64") else 1e-12
    for te, ee in zip(t, e):
        assert tuple(ee.shape) == tuple(te.shape) and str(ee.dtype)[6:] == str(te.dtype)[6:]
        np.testing.assert_allclose(ee.numpy(), te.numpy(), rtol=tol, atol=tol)
    method = ember.from_numpy(a).geqrf()
    np.testing.assert_array_equal(method.a.numpy(), e.a.numpy())


@pytest.mark.parametrize("shape", [(6, 4), (4, 4), (3, 5), (2, 5, 3)])
@pytest.mark.parametrize("complex_input", [False, True])
def test_householder_product_and_ormqr_rebuild_qr(torch, shape, complex_input):
    a = _cplx(shape) if complex_input else _RNG.standard_normal(shape)
    h, tau = ember.geqrf(ember.from_numpy(a))
    k = min(shape[-2:])
    q = ember.linalg.householder_product(h[..., :, :k], tau)
    want_q = torch.linalg.qr(torch.from_numpy(a)).Q.numpy()
    np.testing.assert_allclose(q.numpy(), want_q, atol=1e-12)
    np.testing.assert_allclose((q @ h.triu()[..., :k, :]).numpy(), a, atol=1e-12)
    eye = ember.eye(shape[-2], k, dtype=h.dtype).expand(*shape[:-2], shape[-2], k)
    np.testing.assert_allclose(ember.ormqr(h, tau, eye).numpy(), want_q, atol=1e-12)
    full = ember.ormqr(h, tau, ember.eye(shape[-2], dtype=h.dtype).expand(*shape[:-2], shape[-2], shape[-2]))
    np.testing.assert_allclose((full.mH @ full).numpy(), np.broadcast_to(np.eye(shape[-2]), full.shape), atol=1e-12)


def _grad_pair(torch, fn, arrays, seed=1):
    """Forward values and the input gradients of ``fn`` under a random (complex if needed) upstream gradient."""
    out = []
    for lib in (torch, ember):
        rng = np.random.default_rng(seed)
        ts = [lib.tensor(x, requires_grad=x.dtype.kind in "fc") for x in arrays]
        y = fn(lib, *ts)
        g = rng.standard_normal(tuple(y.shape))
        if y.is_complex():
            g = g + 1j * rng.standard_normal(tuple(y.shape))
        (y * lib.tensor(g).conj()).sum().real.backward() if y.is_complex() else (y * lib.tensor(g)).sum().backward()
        out.append([y.detach().numpy()] + [t.grad.numpy() for t in ts if t.requires_grad])
    return out


_ORMQR = [  # (input shape, other shape, left)
    ((5, 3), (5, 2), True), ((5, 3), (2, 5), False), ((3, 5), (3, 4), True), ((4, 4), (3, 4), False),
    ((2, 6, 2), (2, 6, 3), True), ((2, 3, 4, 4), (2, 3, 2, 4), False),
]


@pytest.mark.parametrize("a_shape, c_shape, left", _ORMQR)
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("complex_input", [False, True])
def test_ormqr_values_and_gradients_match_torch(torch, a_shape, c_shape, left, transpose, complex_input):
    make = _cplx if complex_input else _RNG.standard_normal
    a, c = make(a_shape), make(c_shape)
    k = min(c_shape[-2] if left else c_shape[-1], a_shape[-1])
    tau = torch.geqrf(torch.from_numpy(a)).tau[..., :k].numpy()
    t, e = _grad_pair(torch, lambda m, x, y, z: m.ormqr(x, y, z, left=left, transpose=transpose), [a, tau, c])
    for te, ee in zip(t, e):
        np.testing.assert_allclose(ee, te, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("left, transpose", [(True, False), (True, True), (False, False), (False, True)])
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_ormqr_gradcheck_and_gradgradcheck(left, transpose, dtype):
    rng = np.random.default_rng(3)
    make = (lambda s: rng.standard_normal(s) + 1j * rng.standard_normal(s)) if dtype == "complex128" else \
        rng.standard_normal
    a = ember.tensor(make((2, 5, 3)) * 0.5, requires_grad=True)
    tau = ember.tensor(make((2, 3)) * 0.5, requires_grad=True)
    c = ember.tensor(make((2, 5, 2) if left else (2, 4, 5)), requires_grad=True)
    def fn(x, y, z):
        return ember.ormqr(x, y, z, left=left, transpose=transpose)
    assert ember.autograd.gradcheck(fn, (a, tau, c))
    assert ember.autograd.gradgradcheck(fn, (a, tau, c))


def test_ormqr_second_derivatives_match_torch(torch):
    a, c = _RNG.standard_normal((4, 3)), _RNG.standard_normal((2, 4))
    tau = _RNG.standard_normal(3)
    res = []
    for lib in (torch, ember):
        ts = [lib.tensor(x, requires_grad=True) for x in (a, tau, c)]
        out = lib.ormqr(*ts, left=False, transpose=True)
        first = lib.autograd.grad((out ** 3).sum(), ts, create_graph=True)
        sum((g ** 2).sum() for g in first).backward()
        res.append([g.detach().numpy() for g in first] + [t.grad.numpy() for t in ts])
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-9, atol=1e-10)


def test_geqrf_and_ormqr_graph_nodes_as_torch(torch):
    a = _RNG.standard_normal((4, 3))
    for lib in (torch, ember):
        x = lib.tensor(a, requires_grad=True)
        h, tau = lib.geqrf(x)
        assert h.grad_fn.name() == tau.grad_fn.name() == "GeqrfBackward0"
        with pytest.raises(NotImplementedError, match="the derivative for 'geqrf' is not implemented."):
            h.sum().backward()
        assert lib.ormqr(h, tau, x).grad_fn.name() == "OrmqrBackward0"
        assert x.ormqr(tau.detach(), x).grad_fn.name() == "OrmqrBackward0"
        with lib.no_grad():
            assert not lib.geqrf(lib.tensor(a.astype(complex), requires_grad=True)).a.requires_grad
    e, t = both(torch, lambda m: m.geqrf(m.tensor(a.astype(complex), requires_grad=True)))
    same_error(e, t)


_A53 = _RNG.standard_normal((5, 3))


@pytest.mark.parametrize("call", [
    lambda m: m.geqrf(m.ones(3)),
    lambda m: m.geqrf(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.geqrf(m.ones(3, 3, dtype=m.float16)),
    lambda m: m.ormqr(m.ones(5, 3), m.ones(3), m.ones(4, 2)),
    lambda m: m.ormqr(m.ones(5, 3), m.ones(3), m.ones(2, 4), left=False),
    lambda m: m.ormqr(m.ones(5, 3), m.ones(3), m.ones(5)),
    lambda m: m.ormqr(m.ones(5), m.ones(3), m.ones(5, 2)),
    lambda m: m.ormqr(m.ones(5, 3), m.ones(()), m.ones(5, 2)),
    lambda m: m.ormqr(m.ones(5, 3), m.ones(2), m.ones(5, 2)),
    lambda m: m.ormqr(m.ones(5, 3), m.ones(2), m.ones(2, 5), left=False),
    lambda m: m.ormqr(m.ones(5, 3), m.ones(4), m.ones(5, 7)),
    lambda m: m.ormqr(m.ones(5, 3), m.ones(2, 3), m.ones(5, 2)),
    lambda m: m.ormqr(m.ones(2, 5, 3), m.ones(2, 3), m.ones(5, 2)),
    lambda m: m.ormqr(m.ones(2, 5, 3), m.ones(3, 3), m.ones(3, 5, 2)),
    lambda m: m.ormqr(m.ones(2, 5, 3), m.ones(2, 3), m.ones(1, 5, 2)),
    lambda m: m.ormqr(m.ones(5, 3), m.ones(3, dtype=m.float64), m.ones(5, 2, dtype=m.float64)),
    lambda m: m.ormqr(m.ones(5, 3), m.ones(3), m.ones(5, 2, dtype=m.float64)),
    lambda m: m.ormqr(m.ones(5, 3, dtype=m.int64), m.ones(3), m.ones(5, 2)),
    lambda m: m.ormqr(m.ones(5, 3, dtype=m.int64), m.ones(3, dtype=m.int64), m.ones(5, 2, dtype=m.int64)),
    lambda m: m.ormqr(m.ones(5, 3, dtype=m.float16), m.ones(3, dtype=m.float16), m.ones(5, 2, dtype=m.float16)),
    lambda m: m.ormqr(m.ones(5, 3), m.ones(3), m.ones(5, 2), transpose=1),
    lambda m: m.ormqr(m.ones(5, 3), m.ones(3), m.ones(5, 2), left=None),
    # householder_product / orgqr share ormqr's checks of tau, and its refusal of non-LAPACK dtypes
    lambda m: m.linalg.householder_product(m.ones(3, 3, dtype=m.int64), m.ones(2, dtype=m.int64)),
    lambda m: m.orgqr(m.ones(3, 3, dtype=m.int64), m.ones(2, dtype=m.int64)),
    lambda m: m.linalg.householder_product(m.ones(3, 3, dtype=m.bool), m.ones(2, dtype=m.bool)),
    lambda m: m.linalg.householder_product(m.ones(3, 3, dtype=m.uint16), m.ones(2, dtype=m.uint16)),
    lambda m: m.linalg.householder_product(m.ones(3, 3, dtype=m.bfloat16), m.ones(2, dtype=m.bfloat16)),
    lambda m: m.linalg.householder_product(m.ones(3, 3, dtype=m.float8_e5m2), m.ones(2, dtype=m.float8_e5m2)),
    lambda m: m.linalg.householder_product(m.ones(3, 3), m.ones(2, dtype=m.float64)),
    lambda m: m.linalg.householder_product(m.ones(3, 3, dtype=m.int64), m.ones(2)),
    lambda m: m.linalg.householder_product(m.ones(2, 3, 3), m.ones(3, 2)),
    lambda m: m.linalg.householder_product(m.ones(2, 3, 3), m.ones(2)),
    lambda m: m.linalg.householder_product(m.ones(3, 3), m.ones(2, 2)),
    lambda m: m.linalg.householder_product(m.eye(3), m.tensor(0.5)),
    lambda m: m.orgqr(m.ones(2, 3, 3), m.ones(2)),
    lambda m: m.linalg.solve_triangular(m.ones(3, 3, dtype=m.float8_e5m2), m.ones(3, 1, dtype=m.float8_e5m2),
                                        upper=True),
])
def test_geqrf_and_ormqr_errors_match_torch(torch, call):
    e, t = both(torch, call)
    same_error(e, t)


def test_ormqr_of_wide_reflectors_and_out(torch):
    a, c = _RNG.standard_normal((3, 5)), _RNG.standard_normal((3, 2))
    tau = _RNG.standard_normal(3)
    e, t = both(torch, lambda m: m.ormqr(m.tensor(a), m.tensor(tau), m.tensor(c)))
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-12)
    out = ember.empty(0, dtype=ember.float64)
    assert ember.ormqr(ember.tensor(a), ember.tensor(tau), ember.tensor(c), out=out) is out
    np.testing.assert_allclose(out.numpy(), t.numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------------------------------- low rank

def _low_rank(shape, rank, rng=_RNG, dtype="float64"):
    m, n = shape[-2:]
    a = rng.standard_normal(shape[:-2] + (m, rank)) @ rng.standard_normal(shape[:-2] + (rank, n))
    return a.astype(dtype)


@pytest.mark.parametrize("shape, kwargs", [
    ((7, 5), {}), ((7, 5), {"q": 3}), ((7, 5), {"q": 10}), ((5, 7), {"q": 3}), ((2, 7, 5), {"q": 3}),
    ((2, 5, 7), {"q": 2, "niter": 0}), ((7, 5), {"q": None}), ((7, 5), {"q": 3, "niter": -1}),
])
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64"])
def test_svd_lowrank_shapes_and_dtypes_match_torch(torch, shape, kwargs, dtype):
    a = (_cplx(shape) if dtype.startswith("complex") else _RNG.standard_normal(shape)).astype(dtype)
    e, t = both(torch, lambda m: m.svd_lowrank(m.from_numpy(a), **kwargs))
    assert isinstance(e, tuple) and len(e) == 3
    for te, ee in zip(t, e):
        assert tuple(ee.shape) == tuple(te.shape) and str(ee.dtype)[6:] == str(te.dtype)[6:]


@pytest.mark.parametrize("shape, rank, q", [((30, 20), 3, 3), ((20, 30), 4, 6), ((3, 25, 15), 2, 5)])
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_svd_lowrank_reconstructs_low_rank_matrices(shape, rank, q, dtype):
    a = _low_rank(shape, rank).astype(dtype)
    if dtype == "complex128":
        a = a + 1j * _low_rank(shape, rank)  # rank <= 2 * rank
        q = max(q, 2 * rank)
    U, S, V = ember.svd_lowrank(ember.from_numpy(a), q=q)
    k = min(q, *shape[-2:])
    np.testing.assert_allclose((U * S[..., None, :] @ V.mH).numpy(), a, atol=1e-9)
    for f in (U, V):
        np.testing.assert_allclose((f.mH @ f).numpy(), np.broadcast_to(np.eye(k), f.shape[:-2] + (k, k)), atol=1e-10)
    np.testing.assert_allclose(S[..., :rank].numpy(), np.linalg.svd(a, compute_uv=False)[..., :rank], rtol=1e-9)
    assert (np.diff(S.numpy(), axis=-1) <= 1e-12).all()  # descending


def test_svd_lowrank_with_M_approximates_a_minus_M(torch):
    a = _low_rank((12, 9), 2) + 5.0
    M = ember.full((1, 9), 5.0, dtype=ember.float64)
    U, S, V = ember.svd_lowrank(ember.from_numpy(a), q=4, M=M)
    np.testing.assert_allclose((U * S @ V.mT).numpy(), a - 5.0, atol=1e-9)
    Ut, St, Vt = ember.svd_lowrank(ember.from_numpy(a).mT, q=4, M=M.mT)  # wide: M transposed with A
    np.testing.assert_allclose((Ut * St @ Vt.mT).numpy(), (a - 5.0).T, atol=1e-9)
    t = torch.svd_lowrank(torch.from_numpy(a), q=4, M=torch.full((1, 9), 5.0, dtype=torch.float64))
    np.testing.assert_allclose(S.numpy()[:2], t[1].numpy()[:2], rtol=1e-9)


def test_lowrank_draws_from_the_global_generator():
    a = ember.randn(20, 12, dtype=ember.float64)
    ember.manual_seed(7)
    first = ember.svd_lowrank(a, q=4, niter=0)
    second = ember.svd_lowrank(a, q=4, niter=0)  # the generator moved on: another sketch
    ember.manual_seed(7)
    again = ember.svd_lowrank(a, q=4, niter=0)
    for f, g in zip(first, again):
        np.testing.assert_array_equal(f.numpy(), g.numpy())
    assert not np.allclose(first[1].numpy(), second[1].numpy())
    ember.manual_seed(7)
    sketch = ember.randn(12, 4, dtype=ember.float64)  # the sketch is one (n, q) standard normal draw
    Q = ember.linalg.qr(a @ sketch).Q
    U, S, Vh = ember.linalg.svd(Q.mT @ a, full_matrices=False)
    np.testing.assert_allclose(first[1].numpy(), S.numpy(), rtol=1e-12)


def test_svd_lowrank_gradients_match_torch_when_the_sketch_spans_the_range(torch):
    # with q = min(m, n) the result is the exact SVD whatever the sketch: S and the reconstruction have torch's
    # gradients
    a = _RNG.standard_normal((6, 4))
    w = _RNG.standard_normal((6, 4))
    grads = []
    for lib in (torch, ember):
        x = lib.tensor(a, requires_grad=True)
        U, S, V = lib.svd_lowrank(x, q=4)
        assert [t.grad_fn.name() for t in (U, S, V)] == ["MmBackward0", "LinalgSvdBackward0", "TransposeBackward0"]
        ((S ** 2).sum() + ((U * S) @ V.mT * lib.tensor(w)).sum()).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-9, atol=1e-10)
    e, t = both(torch, lambda m: m.svd_lowrank(m.tensor(a.T, requires_grad=True), q=2))
    assert [x.grad_fn.name() for x in e] == [x.grad_fn.name() for x in t]


def test_svd_lowrank_gradcheck_with_a_fixed_sketch():
    a = ember.tensor(_RNG.standard_normal((2, 6, 5)), requires_grad=True)

    def fn(x):
        ember.manual_seed(3)
        U, S, V = ember.svd_lowrank(x, q=3, niter=1)
        return S, (U * S[..., None, :]) @ V.mT
    assert ember.autograd.gradcheck(fn, (a,))


@pytest.mark.parametrize("shape, kwargs", [
    ((7, 5), {}), ((7, 5), {"q": 5}), ((7, 5), {"center": False}), ((3, 4, 6), {}), ((4, 9), {"q": 2, "niter": 0}),
])
def test_pca_lowrank_shapes_match_torch(torch, shape, kwargs):
    a = _RNG.standard_normal(shape).astype("float32")
    e, t = both(torch, lambda m: m.pca_lowrank(m.from_numpy(a), **kwargs))
    for te, ee in zip(t, e):
        assert tuple(ee.shape) == tuple(te.shape) and ee.dtype == ember.float32


def test_pca_lowrank_finds_the_principal_directions(torch):
    rng = np.random.default_rng(4)
    scales = np.array([5.0, 2.0, 0.5, 0.01])
    rot = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    x = (rng.standard_normal((400, 4)) * scales) @ rot.T + 3.0
    U, S, V = ember.pca_lowrank(ember.from_numpy(x), q=3)
    t = torch.pca_lowrank(torch.from_numpy(x), q=3)
    np.testing.assert_allclose(S.numpy(), t[1].numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.abs(V.numpy().T @ t[2].numpy()), np.eye(3), atol=1e-6)  # the same up to sign
    centered = x - x.mean(0)
    np.testing.assert_allclose((U * S).numpy(), centered @ V.numpy(), atol=1e-8)
    grads = []
    for lib in (torch, ember):
        xt = lib.tensor(x, requires_grad=True)
        lib.pca_lowrank(xt, q=3)[1].sum().backward()
        grads.append(xt.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("call", [
    lambda m: m.pca_lowrank(m.ones(7, 5), q=6),
    lambda m: m.pca_lowrank(m.ones(7, 5), q=-1),
    lambda m: m.pca_lowrank(m.ones(7, 5), q=2, niter=-1),
    lambda m: m.pca_lowrank(m.ones(6)),
    lambda m: m.pca_lowrank(m.ones(7, 5, dtype=m.int64)),
    lambda m: m.svd_lowrank(m.ones(6)),
    lambda m: m.svd_lowrank(m.ones(7, 5), q=-1),
])
def test_lowrank_errors_match_torch(torch, call):
    e, t = both(torch, call)
    same_error(e, t)


def test_lowrank_of_bfloat16_raises_as_torch(torch):
    # the random sketch is float32 for anything but float16/32/64 (and complex), as PyTorch's
    e, t = both(torch, lambda m: m.svd_lowrank(m.ones(8, 6, dtype=m.bfloat16), q=2))
    same_error(e, t)


def test_lowrank_of_integers_raises_as_torch(torch):
    e, t = both(torch, lambda m: m.svd_lowrank(m.ones(7, 5, dtype=m.int64), q=2))
    same_error(e, t, message=False)  # (PyTorch's message names C++ types: "long int != float")


# ---------------------------------------------------------------------------------------------------- removed

@pytest.mark.parametrize("call", [
    lambda m: m.eig(m.ones(3, 3)),
    lambda m: m.eig(m.ones(3, 3), eigenvectors=True),
    lambda m: m.eig(m.ones(3, 3), True, e=None, v=None),
    lambda m: m.solve(m.ones(3, 2), m.eye(3)),
    lambda m: m.solve(m.ones(3, 2), m.eye(3), out=None),
    lambda m: m.symeig(m.eye(3)),
    lambda m: m.symeig(m.eye(3), eigenvectors=True, upper=False),
    lambda m: m.matrix_rank(m.eye(3)),
    lambda m: m.matrix_rank(m.eye(3), tol=0.5, symmetric=True),
    lambda m: m.lstsq(m.ones(3, 2), m.eye(3)),
    lambda m: m.lstsq(m.ones(3, 2), m.eye(3), out=None),
    lambda m: m.eye(3).eig(),
    lambda m: m.eye(3).eig(True),
    lambda m: m.eye(3).solve(m.eye(3)),
    lambda m: m.eye(3).symeig(eigenvectors=True),
    lambda m: m.eye(3).lstsq(m.eye(3)),
])
def test_removed_functions_raise_as_torch(torch, call):
    e, t = both(torch, call)
    same_error(e, t)


# ---------------------------------------------------------------------------------------------------- lobpcg

def _spd(shape, rng=_RNG):
    a = rng.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + np.eye(shape[-1])


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("shape, k", [((30, 30), 3), ((2, 24, 24), 2), ((12, 12), 1)])
def test_lobpcg_finds_the_extreme_eigenpairs(shape, k, largest):
    a = _spd(shape)
    E, X = ember.lobpcg(ember.from_numpy(a), k=k, largest=largest)
    w = np.linalg.eigvalsh(a)
    want = w[..., ::-1][..., :k] if largest else w[..., :k]
    assert tuple(E.shape) == shape[:-2] + (k,) and tuple(X.shape) == shape[:-1] + (k,)
    np.testing.assert_allclose(E.numpy(), want, rtol=1e-8)
    x = X.numpy()
    np.testing.assert_allclose(a @ x, x * E.numpy()[..., None, :], atol=1e-5 * np.abs(w).max())
    np.testing.assert_allclose(np.swapaxes(x, -1, -2) @ x, np.broadcast_to(np.eye(k), shape[:-2] + (k, k)),
                               atol=1e-10)


def test_lobpcg_generalized_preconditioned_and_float32():
    a = _spd((30, 30))
    b = np.diag(_RNG.uniform(1.0, 2.0, 30))
    E, X = ember.lobpcg(ember.from_numpy(a), k=2, B=ember.from_numpy(b))
    inv_sqrt = np.diag(1 / np.sqrt(np.diag(b)))
    w = np.linalg.eigvalsh(inv_sqrt @ a @ inv_sqrt)
    np.testing.assert_allclose(E.numpy(), w[::-1][:2], rtol=1e-8)
    np.testing.assert_allclose(X.numpy().T @ b @ X.numpy(), np.eye(2), atol=1e-10)  # B-orthonormal
    pre = ember.from_numpy(np.linalg.inv(a + 0.5 * np.eye(30)))
    E, _ = ember.lobpcg(ember.from_numpy(a), k=2, iK=pre, largest=False)
    np.testing.assert_allclose(E.numpy(), np.linalg.eigvalsh(a)[:2], rtol=1e-8)
    E, X = ember.lobpcg(ember.from_numpy(a.astype("float32")), k=2)
    assert E.dtype == X.dtype == ember.float32
    np.testing.assert_allclose(E.numpy(), np.linalg.eigvalsh(a)[::-1][:2], rtol=1e-4)


@pytest.mark.parametrize("kwargs", [{}, {"k": 3}, {"k": 2, "n": 3}, {"X": (3,)}, {"k": 2, "X": (3,)},
                                    {"k": 4, "X": (3,)}, {"k": 2, "largest": False, "method": "basic"},
                                    {"k": 2, "niter": 5, "tol": 1e-3}])
def test_lobpcg_shapes_and_defaults_match_torch(torch, kwargs):
    a = _spd((12, 12))
    x0 = _RNG.standard_normal((12, 3))

    def call(m):
        kw = dict(kwargs)
        if "X" in kw:
            kw["X"] = m.from_numpy(x0)
        return m.lobpcg(m.from_numpy(a), **kw)
    e, t = both(torch, call)
    for ee, te in zip(e, t):
        assert tuple(ee.shape) == tuple(te.shape) and str(ee.dtype)[6:] == str(te.dtype)[6:]
    if "niter" not in kwargs:
        np.testing.assert_allclose(e[0].numpy(), t[0].numpy(), rtol=1e-7)


def test_lobpcg_gradients_match_torch(torch):
    a = _spd((12, 12))
    w = _sym(_RNG.standard_normal((12, 12)))
    g_e, g_x = _RNG.standard_normal(3), _RNG.standard_normal((12, 3))
    grads, ref = [], None
    for lib in (torch, ember):
        x = lib.tensor(a, requires_grad=True)
        E, X = lib.lobpcg(x, k=3, largest=False, tol=1e-12, niter=-1)
        assert E.grad_fn.name() == X.grad_fn.name() == "LOBPCGAutogradFunctionBackward"
        if ref is None:  # eigenvectors are defined up to sign: ember's loss follows torch's
            ref = X.detach().numpy()
        signs = np.sign((X.detach().numpy() * ref).sum(0))
        loss = (E * lib.tensor(g_e)).sum() + ((X @ X.mT) * lib.tensor(w)).sum() + (X * lib.tensor(g_x * signs)).sum()
        loss.backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(grads[1], grads[1].T)  # symmetric: A is symmetrized first


def test_lobpcg_gradcheck():
    # a fixed matrix and starting block (tol=1e-13 is at the rounding floor: like PyTorch's, an iteration may then
    # stall just above it, and niter=-1 would never return)
    a = ember.tensor(_spd((10, 10), np.random.default_rng(11)), requires_grad=True)
    x0 = ember.tensor(np.random.default_rng(12).standard_normal((10, 2)))

    def fn(x):
        E, X = ember.lobpcg(x, k=2, X=x0, tol=1e-13, niter=-1)
        return E, X @ X.mT  # the projector: independent of the eigenvectors' signs
    assert ember.autograd.gradcheck(fn, (a,), atol=1e-6)


def test_lobpcg_tracker_sees_the_iterations_and_can_stop():
    seen = []

    def tracker(state):
        seen.append((state.ivars["istep"], tuple(state.X.shape), state.ivars["converged_count"]))
        if state.ivars["istep"] == 3:
            state.bvars["force_stop"] = True
    ember.lobpcg(ember.from_numpy(_spd((30, 30))), k=2, tracker=tracker, tol=1e-14)
    assert [s[0] for s in seen] == [1, 2, 3] and seen[0][1] == (30, 2)


@pytest.mark.parametrize("call, error", [
    (lambda m: m.lobpcg(m.eye(10), k=4), ValueError),
    (lambda m: m.lobpcg(m.eye(10), k=2, n=4), ValueError),
    (lambda m: m.lobpcg(m.eye(10), X=m.ones(10, 4)), ValueError),
    (lambda m: m.lobpcg(m.ones(10, 9), k=2), AssertionError),
    (lambda m: m.lobpcg(m.ones(10), k=2), IndexError),
])
def test_lobpcg_errors_match_torch(torch, call, error):
    e, t = both(torch, call)
    assert type(t) is error
    same_error(e, t)


@pytest.mark.parametrize("call", [
    lambda m: m.lobpcg(m.eye(9, dtype=m.bfloat16), k=1),
    lambda m: m.lobpcg(m.eye(9, dtype=m.bfloat16), X=m.ones(9, 1, dtype=m.bfloat16)),
    lambda m: m.lobpcg(m.eye(9, dtype=m.float16), X=m.ones(9, 1, dtype=m.float16), tol=1e-3),
    lambda m: m.lobpcg(m.eye(9, dtype=m.int64), X=m.ones(9, 1, dtype=m.int64), tol=1e-3),
])
def test_lobpcg_dtype_refusals_match_torch(torch, call):
    same_error(*both(torch, call))


@pytest.mark.parametrize("largest", [True, False])
def test_lobpcg_of_a_complex_hermitian_matrix(torch, largest):
    # inner products conjugate (PyTorch's own iteration breaks down here: its Cholesky fails)
    a = _cplx((20, 20))
    a = a + a.conj().T
    x0 = _cplx((20, 2))
    E, X = ember.lobpcg(ember.from_numpy(a), X=ember.from_numpy(x0), largest=largest)
    w = np.linalg.eigvalsh(a)
    np.testing.assert_allclose(E.numpy().real, w[::-1][:2] if largest else w[:2], rtol=1e-8)
    assert E.dtype == X.dtype == ember.complex128
    x = X.numpy()
    np.testing.assert_allclose(a @ x, x * E.numpy(), atol=1e-5 * np.abs(w).max())
    np.testing.assert_allclose(x.conj().T @ x, np.eye(2), atol=1e-10)


def test_lobpcg_refusals_as_torch(torch):
    for dtype in ("int64", "complex128"):
        e, t = both(torch, lambda m, d=dtype: m.lobpcg(m.eye(10, dtype=getattr(m, d)), k=2))
        same_error(e, t, message=False)  # (PyTorch names the C++ types in its message)
    for lib in (torch, ember):
        x = lib.tensor(_spd((10, 10)), requires_grad=True)
        E, _ = lib.lobpcg(x, k=2, B=lib.eye(10, dtype=lib.float64) * 2)
        with pytest.raises(ValueError, match=r"lobpcg.backward does not support backward with B != I yet."):
            E.sum().backward()


def _lobpcg_run(lib, a, x0, **kw):
    """``(istep of the last step, E, X, X after the call)`` of ``lib.lobpcg`` from the starting block ``x0``, or
    the error raised."""
    steps = []
    x = lib.from_numpy(x0.copy())
    kw = {k: lib.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    try:
        E, X = lib.lobpcg(lib.from_numpy(a), X=x, tracker=lambda s: steps.append(s.ivars["istep"]), **kw)
    except Exception as exc:  # noqa: BLE001 - compared with PyTorch's
        return exc
    return steps[-1], E.numpy(), X.numpy(), x.numpy()


def _same_lobpcg_runs(e, t, rtol=1e-9, atol=1e-6):
    if isinstance(t, Exception):  # (method "basic" breaks down at a Cholesky factorization now and then)
        assert isinstance(e, Exception) and type(e).__name__.strip("_") == type(t).__name__.strip("_"), (e, t)
        assert str(e).replace("ember", "torch") == str(t)
        return
    assert not isinstance(e, Exception), e
    assert e[0] == t[0]  # the same number of iterations
    np.testing.assert_allclose(e[1], t[1], rtol=rtol)
    for x_e, x_t in ((e[2], t[2]), (e[3], t[3])):  # eigenvectors up to sign; "basic" overwrites X with its block
        signs = np.sign((x_e * x_t).sum(-2, keepdims=True))
        np.testing.assert_allclose(x_e * signs, x_t, atol=atol)


@pytest.mark.parametrize("method, cases", [
    ("ortho", [(True, ""), (True, "B"), (True, "iK"), (False, ""), (False, "B"), (False, "iK")]),  # iK: unused
    # (slowly converging "basic" runs, 100+ steps, drift apart by a step with the LAPACK's rounding: left out)
    ("basic", [(True, ""), (True, "B"), (False, "iK")]),
])
def test_lobpcg_iterates_as_torch(torch, method, cases):
    # step for step as PyTorch (its convergence test, locking of converged pairs, orthogonalization): the same
    # number of iterations and results. tol=1e-10 is well above the rounding floor, so the counts are exact.
    for seed in range(6):
        rng = np.random.default_rng(seed)
        a = _spd((12, 12), rng)
        x0 = rng.standard_normal((12, 2))
        extra = {"": {}, "B": {"B": _spd((12, 12), rng) / 12 + np.eye(12)},
                 "iK": {"iK": np.linalg.inv(a + 0.5 * np.eye(12))}}
        for largest, name in cases:
            kw = dict(k=1 + seed % 2, tol=1e-10, niter=200, largest=largest, method=method, **extra[name])
            _same_lobpcg_runs(_lobpcg_run(ember, a, x0, **kw), _lobpcg_run(torch, a, x0, **kw))


def test_lobpcg_returns_where_it_used_to_stall(torch):
    # this starting block used to leave the second pair's residual stalled just above tol=1e-13 (niter=-1 never
    # returned): converged pairs are now locked as in PyTorch. At the rounding floor the counts may differ by a step.
    rng = np.random.default_rng(16)
    a = _spd((10, 10), rng)
    x0 = rng.standard_normal((10, 2))
    e, t = (_lobpcg_run(lib, a, x0, k=2, tol=1e-13, niter=200) for lib in (ember, torch))
    assert e[0] < 100 and abs(e[0] - t[0]) <= 2, (e[0], t[0])
    np.testing.assert_allclose(e[1], t[1], rtol=1e-12)


def test_lobpcg_tracker_state_as_torch(torch):
    a = _spd((2, 12, 12))
    x0 = _RNG.standard_normal((2, 12, 2))
    seen = {}
    for lib in (torch, ember):
        seen[lib] = []

        def tracker(s, out=seen[lib]):
            out.append((dict(s.ivars), sorted(s.fvars), dict(s.iparams), dict(s.fparams), dict(s.bparams), s.method,
                        tuple(s.X.shape), tuple(s.E.shape), tuple(s.R.shape), tuple(s.S.shape), s.E.numpy().copy()))
        lib.lobpcg(lib.from_numpy(a), k=2, X=lib.from_numpy(x0), tracker=tracker, niter=3)
    assert len(seen[ember]) == 6  # three steps for each matrix of the batch
    for e, t in zip(seen[ember], seen[torch]):
        assert e[:-1] == t[:-1]
        np.testing.assert_allclose(e[-1], t[-1], rtol=1e-10)


@pytest.mark.parametrize("method", ["ortho", "basic"])
def test_lobpcg_batches_as_torch(torch, method):
    # a Python loop over the batch as PyTorch's: random starting blocks drawn matrix by matrix from the generator
    a = _spd((2, 12, 12))
    b = _spd((2, 12, 12)) / 12 + np.eye(12)
    out = []
    for lib in (ember, torch):
        lib.manual_seed(3)
        E, X = lib.lobpcg(lib.from_numpy(a), k=2, B=lib.from_numpy(b), method=method, tol=1e-9)
        out.append((E.numpy(), X.numpy(), lib.randn(3).numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-9)
    signs = np.sign((out[0][1] * out[1][1]).sum(-2, keepdims=True))
    np.testing.assert_allclose(out[0][1] * signs, out[1][1], atol=1e-6)
    np.testing.assert_array_equal(out[0][2], out[1][2])  # the generator advanced alike


_A12 = np.diag(np.arange(1.0, 13.0))


@pytest.mark.parametrize("call", [
    lambda m: m.lobpcg(m.from_numpy(np.stack([_A12, _A12])), k=2, method="basic",
                       iK=m.eye(12, dtype=m.float64).expand(2, 12, 12)),  # iK is not split over the batch
    lambda m: m.lobpcg(m.from_numpy(np.stack([_A12, _A12])), k=4, X=m.from_numpy(_RNG.standard_normal((2, 12, 3))),
                       niter=3),
    lambda m: m.lobpcg(m.from_numpy(np.stack([_A12, _A12])), k=2, X=m.ones(12, 3, dtype=m.float64)),
    lambda m: m.lobpcg(m.from_numpy(np.stack([_A12, _A12])), k=2, B=m.eye(12, dtype=m.float64)),
    lambda m: m.lobpcg(m.from_numpy(_A12), k=2, X=m.ones(11, 2, dtype=m.float64)),
    lambda m: m.lobpcg(m.from_numpy(_A12), k=2, X=m.ones(2, 12, 2, dtype=m.float64)),
    lambda m: m.lobpcg(m.from_numpy(_A12), k=2, X=m.zeros(12, 2, dtype=m.float64)),
    lambda m: m.lobpcg(m.from_numpy(_A12).half(), k=2),
    lambda m: m.lobpcg(m.from_numpy(_A12), k=2, method="basic", iK=m.eye(12, dtype=m.float64)[:, :5]),
    lambda m: m.lobpcg(m.from_numpy(_A12), k=2, method="basic", iK=m.eye(12)),
    lambda m: m.lobpcg(m.from_numpy(_A12), k=2, B=m.eye(12)),
    lambda m: m.lobpcg(m.from_numpy(_A12), k=2, X=m.ones(12, 2, dtype=m.int64)),
])
def test_lobpcg_argument_errors_as_torch(torch, call):
    same_error(*both(torch, call))


@pytest.mark.parametrize("method", ["ortho", "basic"])
def test_lobpcg_rank_deficient_start_fails_as_torch(torch, method):
    e, t = both(torch, lambda m: m.lobpcg(m.from_numpy(_A12), k=2, X=m.ones(12, 2, dtype=m.float64), method=method))
    assert type(e).__name__.strip("_") == type(t).__name__.strip("_") == "LinAlgError"
    assert str(e) == str(t)
