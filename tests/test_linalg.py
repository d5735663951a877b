"""ember.linalg (and the torch.* aliases inverse/det/logdet/slogdet/matrix_power/chain_matmul) against PyTorch.

Forward values and first gradients of the ops are in the parity table (tests/parity/cases_linalg.py); this file
covers the composed functions, errors, second derivatives and the norms."""

import warnings

import numpy as np
import pytest

import ember

_RNG = np.random.default_rng(0)
_A = _RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
_M = _RNG.standard_normal((3, 3))
_V = _RNG.standard_normal(3)


def _grads(lib, fn, arrays, create_graph=False):
    ts = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(lib, *ts)
    outs = out if isinstance(out, tuple) else (out,)
    total = sum((o * (k + 1.5)).sum() for k, o in enumerate(outs) if o.requires_grad)
    if not create_graph:
        total.backward()
        return [o.detach().numpy() for o in outs] + [t.grad.numpy() for t in ts]
    first = lib.autograd.grad(total, ts, create_graph=True)
    sum((g ** 2).sum() for g in first).backward()
    return [g.detach().numpy() for g in first] + [t.grad.numpy() for t in ts]


COMPOSED = {
    "matrix_power-3": (lambda m, a: m.linalg.matrix_power(a, 3), [_A]),
    "matrix_power-neg": (lambda m, a: a.matrix_power(-2), [_A]),
    "matrix_power-0": (lambda m, a: m.matrix_power(a, 0).add_(1.0) + a, [_A]),  # fresh and writable
    "multi_dot-vectors": (lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [_V, _M, _V]),
    "multi_dot-matrices": (lambda m, a, b: m.linalg.multi_dot([a, b, a]), [_M, _M.T.copy()]),
    "vecdot": (lambda m, a, b: m.linalg.vecdot(a, b), [_M, _M[::-1].copy()]),
    "cross": (lambda m, a, b: m.linalg.cross(a, b), [_M, _M.T.copy()]),
    "logdet-negative": (lambda m, a: m.logdet(a), [np.array([[0.0, 1.0], [1.0, 0.0]]) + 0.1]),
    "slogdet-torch": (lambda m, a: m.slogdet(a).logabsdet, [_A]),
}


@pytest.mark.parametrize("name", list(COMPOSED))
def test_composed_functions_match_torch(torch, name):
    fn, arrays = COMPOSED[name]
    for g, t in zip(_grads(ember, fn, arrays), _grads(torch, fn, arrays)):
        np.testing.assert_allclose(g, t, rtol=1e-8, atol=1e-10, equal_nan=True)


DOUBLE = {
    "inv": (lambda m, a: m.linalg.inv(a), [_A]),
    "det": (lambda m, a: m.linalg.det(a), [_A]),
    "slogdet": (lambda m, a: m.linalg.slogdet(a).logabsdet, [_A]),
    "solve": (lambda m, a, b: m.linalg.solve(a, b), [_A, _RNG.standard_normal((2, 3, 2))]),
}


@pytest.mark.parametrize("name", list(DOUBLE))
def test_second_derivatives_match_torch(torch, name):
    fn, arrays = DOUBLE[name]
    for g, t in zip(_grads(ember, fn, arrays, create_graph=True), _grads(torch, fn, arrays, create_graph=True)):
        np.testing.assert_allclose(g, t, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.inv(m.zeros(2, 2)),
    lambda m: m.linalg.inv(m.tensor([[1.0, 2.0], [2.0, 4.0]])),
    lambda m: m.linalg.inv(m.ones(3)),
    lambda m: m.linalg.det(m.ones(2, 3)),
    lambda m: m.linalg.solve(m.zeros(2, 2), m.ones(2)),
    lambda m: m.linalg.solve(m.eye(3), m.ones(4, 3)),
    lambda m: m.linalg.cholesky(m.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda m: m.linalg.inv(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.solve(m.eye(3), m.ones(3, dtype=m.float64)),
    lambda m: m.linalg.solve(m.eye(3), m.ones(3, 2, dtype=m.float64), left=False),
    lambda m: m.linalg.solve(m.ones(3, 3, dtype=m.int64), m.ones(3)),
    lambda m: m.linalg.solve_ex(m.eye(3), m.ones(3, dtype=m.float64)),
    lambda m: m.linalg.solve(m.zeros(2, 2, 2), m.ones(2, 2)),
    lambda m: m.linalg.matrix_power(m.ones(3), 2),
    lambda m: m.linalg.matrix_power(m.ones(3, 2), 2),
    lambda m: m.linalg.multi_dot([m.ones(2, 3, 3), m.ones(3)]),
    lambda m: m.linalg.multi_dot([m.ones(3), m.ones(2, 3, 3)]),
    lambda m: m.linalg.multi_dot([m.ones(3), m.ones(2, 3, 3), m.ones(3)]),
    lambda m: m.linalg.multi_dot([m.ones(3, 2), m.ones(3, 2)]),
    lambda m: m.linalg.multi_dot([m.ones(3), m.ones(2)]),
    lambda m: m.linalg.vecdot(m.ones(3, dtype=m.int64), m.ones(3, dtype=m.int64)),
    lambda m: m.linalg.vecdot(m.ones(3), m.ones(3, dtype=m.float64)),
    lambda m: m.linalg.cross(m.ones(3, 3), m.ones(3)),
    lambda m: m.linalg.cross(m.ones(3, 2), m.ones(3, 2)),
    lambda m: m.linalg.norm(m.ones(3), "fro"),
    lambda m: m.linalg.norm(m.ones(3, 3), "fro", dim=0),
    lambda m: m.linalg.norm(m.ones(2, 2, 2), dim=(0, 1, 2)),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2, 2), dim=(0, 1, 2)),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2, 2), dim=(0, -3)),
    lambda m: m.linalg.matrix_rank(m.ones(3)),
    lambda m: m.linalg.matrix_rank(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.lu(m.ones(3)),
    lambda m: m.linalg.lu_factor(m.zeros(2, 2)),
    lambda m: m.linalg.lu_factor_ex(m.zeros(2, 2), check_errors=True),
    lambda m: m.linalg.solve_ex(m.zeros(3, 2, 2), m.ones(2), check_errors=True),
    lambda m: m.linalg.svdvals(m.ones(3)),
    lambda m: m.linalg.eigvalsh(m.ones(3, 2)),
    lambda m: m.linalg.inv_ex(m.ones(2, 2, dtype=m.int64)),
])
def test_errors_match_torch(torch, call):
    _same_message(torch, call, RuntimeError)


def _same_message(torch, call, error, first_line=False):
    """call(lib) raises ``error`` in torch and in ember, with the same message (or its first line)."""
    messages = []
    for lib in (torch, ember):
        with pytest.raises(error) as info:
            call(lib)
        messages.append(str(info.value).split("\n")[0] if first_line else str(info.value))
    assert messages[1] == messages[0]


def test_linalg_error_is_a_runtime_error_and_exported():
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    with pytest.raises(ember.linalg.LinAlgError):
        ember.inverse(ember.zeros(3, 3))


def test_slogdet_repr_and_deprecated_aliases(torch):
    e, t = ember.linalg.slogdet(ember.tensor([[1.0, 2.0], [3.0, 4.0]])), torch.linalg.slogdet(
        torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert repr(e) == repr(t).replace("torch.", "ember.")
    assert type(ember.slogdet(ember.eye(2))).__name__ == type(torch.slogdet(torch.eye(2))).__name__ == "slogdet"
    from ember._ops.linalg import CholeskyLegacy

    CholeskyLegacy.warned[0] = False  # (it warns once per process, as PyTorch: earlier tests may have used it)
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated"):
        low = ember.cholesky(ember.tensor([[4.0, 2.0], [2.0, 3.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.cholesky(torch.tensor([[4.0, 2.0], [2.0, 3.0]]))
    np.testing.assert_allclose(low.numpy(), want.numpy(), rtol=1e-6)
    ember._functions_args._warned_once.discard("torch.chain_matmul")  # (warned once per process)
    with pytest.warns(UserWarning, match="torch.chain_matmul is deprecated"):
        np.testing.assert_allclose(ember.chain_matmul(ember.eye(2), ember.ones(2, 2)).numpy(), np.ones((2, 2)))


def test_det_gradient_at_a_singular_matrix_is_the_adjugate(torch):
    # d det(A) / dA is the cofactor matrix, nonzero for a rank-2 3x3 matrix. PyTorch's answer here depends on the
    # CPU (MKL's code path): the cofactors on Intel CPUs, zeros on AMD EPYC; ember gives the cofactors everywhere.
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    cof = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) for j in range(3)]
                    for i in range(3)])
    det, grad = _grads(ember, lambda m, x: m.linalg.det(x), [a])
    assert det == 0.0
    np.testing.assert_allclose(grad, 1.5 * cof, rtol=1e-7, atol=1e-9)
    t_det, t_grad = _grads(torch, lambda m, x: m.linalg.det(x), [a])
    assert t_det == 0.0
    if np.any(t_grad):
        np.testing.assert_allclose(grad, t_grad, rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------------------- decompositions and solvers

_T = _RNG.standard_normal((2, 4, 3))  # tall batch
_W = _RNG.standard_normal((2, 3, 5))  # wide batch


def _pair(torch, fn, *arrays, dtype="float64"):
    """Run ``fn`` on torch and ember with the same inputs; returns the two results."""
    out = []
    for lib in (torch, ember):
        out.append(fn(lib, *[lib.tensor(np.asarray(a, dtype=dtype)) for a in arrays]))
    return out


@pytest.mark.parametrize("name, fn, arrays, fields", [
    ("linalg_svd", lambda m, a: m.linalg.svd(a), [_T], ("U", "S", "Vh")),
    ("linalg_qr", lambda m, a: m.linalg.qr(a), [_T], ("Q", "R")),
    ("linalg_eigh", lambda m, a: m.linalg.eigh(a), [_A], ("eigenvalues", "eigenvectors")),
    ("linalg_lstsq", lambda m, a, b: m.linalg.lstsq(a, b), [_T, _T], ("solution", "residuals", "rank",
                                                                       "singular_values")),
    ("linalg_lu_factor", lambda m, a: m.linalg.lu_factor(a), [_A], ("LU", "pivots")),
    ("linalg_lu_factor_ex", lambda m, a: m.linalg.lu_factor_ex(a), [_A], ("LU", "pivots", "info")),
    ("linalg_lu", lambda m, a: m.linalg.lu(a), [_A], ("P", "L", "U")),
    ("linalg_inv_ex", lambda m, a: m.linalg.inv_ex(a), [_A], ("inverse", "info")),
    ("linalg_solve_ex", lambda m, a: m.linalg.solve_ex(a, a), [_A], ("result", "info")),
    ("linalg_cholesky_ex", lambda m, a: m.linalg.cholesky_ex(a @ a.mT), [_A], ("L", "info")),
    ("svd", lambda m, a: m.svd(a), [_T], ("U", "S", "V")),
    ("lu_unpack", lambda m, a: m.lu_unpack(*m.linalg.lu_factor(a)), [_A], ("P", "L", "U")),
    ("triangular_solve", lambda m, a: m.triangular_solve(a, a), [_A], ("solution", "cloned_coefficient")),
])
def test_named_tuples_match_torch(torch, name, fn, arrays, fields):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, e = _pair(torch, fn, *arrays)
    assert type(e).__name__ == type(t).__name__ == name
    assert e._fields == fields
    for f in fields:
        te, ee = getattr(t, f), getattr(e, f)
        assert tuple(ee.shape) == tuple(te.shape), f
        assert str(ee.dtype).split(".")[-1] == str(te.dtype).split(".")[-1], f


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 4, 2), (3, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr_modes_shapes_and_values(torch, shape, mode):
    a = _RNG.standard_normal(shape)
    t, e = _pair(torch, lambda m, x: m.linalg.qr(x, mode=mode), a, dtype="float32")
    for te, ee in zip(t, e):
        assert tuple(ee.shape) == tuple(te.shape) and ee.dtype == ember.float32
        np.testing.assert_allclose(ee.numpy(), te.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 4, 2)])
@pytest.mark.parametrize("full", [True, False])
def test_svd_shapes_and_reconstruction(torch, shape, full):
    a = _RNG.standard_normal(shape).astype("float32")
    t, e = _pair(torch, lambda m, x: m.linalg.svd(x, full_matrices=full), a, dtype="float32")
    for te, ee in zip(t, e):
        assert tuple(ee.shape) == tuple(te.shape) and ee.dtype == ember.float32
    np.testing.assert_allclose(e.S.numpy(), t.S.numpy(), rtol=1e-5)
    k = e.S.shape[-1]
    rebuilt = (e.U[..., :k] * e.S.unsqueeze(-2)) @ e.Vh[..., :k, :]
    np.testing.assert_allclose(rebuilt.numpy(), a, atol=1e-5)
    np.testing.assert_allclose(ember.linalg.svdvals(ember.tensor(a)).numpy(), e.S.numpy(), rtol=1e-6)


def test_torch_svd_returns_v_and_zero_factors_without_uv(torch):
    t, e = _pair(torch, lambda m, x: m.svd(x, compute_uv=False), _T)
    for f in ("U", "S", "V"):
        np.testing.assert_allclose(getattr(e, f).numpy(), getattr(t, f).numpy(), rtol=1e-10, atol=1e-12)
    e = ember.svd(ember.tensor(_T), some=False)
    assert tuple(e.U.shape) == (2, 4, 4) and tuple(e.V.shape) == (2, 3, 3)
    np.testing.assert_allclose((e.U[..., :3] * e.S.unsqueeze(-2) @ e.V.mT).numpy(), _T, atol=1e-12)


def test_svd_gradient_with_repeated_singular_values_is_nan_as_torch(torch):
    for lib in (torch, ember):
        a = lib.eye(3, dtype=lib.float64).requires_grad_()
        u, s, vh = lib.linalg.svd(a)
        (u.sum() + s.sum()).backward()
        assert bool(lib.isnan(a.grad).all())
        b = lib.eye(3, dtype=lib.float64).requires_grad_()
        lib.linalg.svdvals(b).sum().backward()  # S alone: well-defined
        np.testing.assert_allclose(b.grad.numpy(), np.eye(3))


def test_eigh_reads_one_triangle_and_eigvalsh_matches(torch):
    a = _RNG.standard_normal((2, 3, 3))
    for uplo in ("L", "U"):
        t, e = _pair(torch, lambda m, x, uplo=uplo: m.linalg.eigh(x, UPLO=uplo), a)
        np.testing.assert_allclose(e.eigenvalues.numpy(), t.eigenvalues.numpy(), rtol=1e-10)
        np.testing.assert_allclose(np.abs(e.eigenvectors.numpy()), np.abs(t.eigenvectors.numpy()), rtol=1e-8)
        t, e = _pair(torch, lambda m, x, uplo=uplo: m.linalg.eigvalsh(x, UPLO=uplo), a)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10)


@pytest.mark.parametrize("kwargs", [{}, {"atol": 1.0}, {"rtol": 0.5}, {"atol": 0.1, "rtol": 0.9}, {"hermitian": True}])
def test_pinv_and_matrix_rank_tolerances(torch, kwargs):
    a = _RNG.standard_normal((3, 4, 4))
    a[0, 3] = a[0, 2]  # rank-deficient
    if kwargs.get("hermitian"):
        a = a + np.swapaxes(a, -1, -2)
    for fn in (lambda m, x: m.linalg.pinv(x, **kwargs), lambda m, x: m.linalg.matrix_rank(x, **kwargs)):
        t, e = _pair(torch, fn, a)
        assert e.dtype == (ember.int64 if t.dtype == torch.int64 else ember.float64)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-7, atol=1e-9)


def test_tensor_tolerances_broadcast_over_the_batch(torch):
    a = _RNG.standard_normal((3, 4, 4))
    tol = np.array([0.1, 1.0, 3.0])
    t, e = _pair(torch, lambda m, x, at: m.linalg.matrix_rank(x, atol=at), a, tol)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    t, e = _pair(torch, lambda m, x, at: m.linalg.pinv(x, atol=at), a, tol)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("a_shape, b_shape", [((5, 3), (5, 2)), ((2, 5, 3), (5,)), ((3, 5), (3, 2)),
                                              ((2, 5, 3), (2, 5, 1))])
def test_lstsq_fields_match_torch(torch, driver, a_shape, b_shape):
    a, b = _RNG.standard_normal(a_shape), _RNG.standard_normal(b_shape)
    if len(b_shape) == 1:
        b = _RNG.standard_normal(a_shape[:-1])
    t, e = _pair(torch, lambda m, x, y: m.linalg.lstsq(x, y, driver=driver), a, b)
    for f in e._fields:
        te, ee = getattr(t, f), getattr(e, f)
        assert tuple(ee.shape) == tuple(te.shape), f
        assert str(ee.dtype).split(".")[-1] == str(te.dtype).split(".")[-1], f
        np.testing.assert_allclose(ee.numpy(), te.numpy(), rtol=1e-8, atol=1e-10)


def test_lstsq_rank_deficient_gives_the_minimum_norm_solution(torch):
    a = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    b = np.array([[1.0], [2.0], [3.0]])
    t, e = _pair(torch, lambda m, x, y: m.linalg.lstsq(x, y), a, b)
    np.testing.assert_allclose(e.solution.numpy(), t.solution.numpy(), rtol=1e-10)
    assert int(e.rank) == int(t.rank) == 1


def test_triangular_solvers_batched_and_broadcast(torch):
    a = _RNG.standard_normal((2, 1, 3, 3)) + 4 * np.eye(3)
    b = _RNG.standard_normal((4, 3, 2))
    for kw in ({"upper": True}, {"upper": False, "unitriangular": True}):
        t, e = _pair(torch, lambda m, x, y, kw=kw: m.linalg.solve_triangular(x, y, **kw), a, b)
        assert tuple(e.shape) == tuple(t.shape) == (2, 4, 3, 2)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10)


def test_solve_triangular_with_a_zero_diagonal_gives_inf_not_an_error(torch):
    a = np.array([[1.0, 2.0], [0.0, 0.0]])
    t, e = _pair(torch, lambda m, x, y: m.linalg.solve_triangular(x, y, upper=True), a, np.ones((2, 1)))
    np.testing.assert_array_equal(np.isfinite(e.numpy()), np.isfinite(t.numpy()))


def test_lu_round_trip_and_pivots(torch):
    for shape in ((3, 3), (2, 5, 3), (3, 4)):
        a = _RNG.standard_normal(shape)
        t, e = _pair(torch, lambda m, x: m.linalg.lu_factor(x), a)
        np.testing.assert_array_equal(e.pivots.numpy(), t.pivots.numpy())
        assert e.pivots.dtype == ember.int32
        np.testing.assert_allclose(e.LU.numpy(), t.LU.numpy(), rtol=1e-10, atol=1e-12)
        p, low, up = ember.linalg.lu(ember.tensor(a))
        np.testing.assert_allclose((p @ low @ up).numpy(), a, atol=1e-12)


def test_lu_solve_variants_match_torch(torch):
    a = _RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = _RNG.standard_normal((2, 3, 3))
    for left in (True, False):
        for adjoint in (True, False):
            t, e = _pair(torch, lambda m, x, y, lf=left, adj=adjoint: m.linalg.lu_solve(*m.linalg.lu_factor(x), y,
                                                                                        left=lf, adjoint=adj), a, b)
            np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10)


def test_ex_variants_report_failures_in_info(torch):
    sing = np.stack([np.eye(2), np.zeros((2, 2)), np.array([[1.0, 2.0], [2.0, 1.0]])])
    for fn in (lambda m, x: m.linalg.inv_ex(x).info, lambda m, x: m.linalg.cholesky_ex(x).info,
               lambda m, x: m.linalg.solve_ex(x, m.ones(3, 2, 1, dtype=x.dtype)).info,
               lambda m, x: m.linalg.lu_factor_ex(x).info):
        t, e = _pair(torch, fn, sing)
        assert e.dtype == ember.int32
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    t, e = _pair(torch, lambda m, x: m.linalg.cholesky_ex(x).L, np.array([[1.0, 2.0], [2.0, 1.0]]))
    np.testing.assert_allclose(e.numpy(), t.numpy())  # the partial factorization, as LAPACK leaves it
    t, e = _pair(torch, lambda m, x: m.linalg.inv_ex(x).inverse, sing[:2])
    np.testing.assert_array_equal(np.isfinite(e.numpy()), np.isfinite(t.numpy()))
    np.testing.assert_allclose(e.numpy()[0], t.numpy()[0])


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.svd(m.ones(3)),
    lambda m: m.linalg.svd(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.qr(m.ones(3, 2), mode="x"),
    lambda m: m.linalg.eigh(m.ones(4, 3)),
    lambda m: m.linalg.eigh(m.eye(2), UPLO="X"),
    lambda m: m.linalg.pinv(m.ones(3)),
    lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(2, 2)),
    lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(3, 2), driver="foo"),
    lambda m: m.linalg.solve_triangular(m.ones(4, 3), m.ones(4, 3), upper=True),
    lambda m: m.linalg.solve_triangular(m.eye(3), m.ones(3), upper=True),
    lambda m: m.linalg.solve_triangular(m.eye(3), m.ones(2, 2), upper=True),
    lambda m: m.linalg.lu_factor(m.zeros(3, 2, 2)),
    lambda m: m.linalg.lu_factor(m.eye(2), pivot=False),
    lambda m: m.linalg.lu_factor(m.ones(3)),
    lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3)), m.ones(2, 2)),
    lambda m: m.linalg.solve_triangular(m.ones(2, 3), m.ones(2), upper=True),
    lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(3, 1, dtype=m.float64), upper=True),
    lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(2)), m.ones(2, 1, dtype=m.float64)),
    lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(2)), m.ones(3, 1, dtype=m.float64)),
    lambda m: m.linalg.lu_solve(m.ones(2, 3, dtype=m.int64), m.ones(2, dtype=m.int32), m.ones(2, 1, dtype=m.int64)),
    lambda m: m.linalg.lu_solve(m.ones(3), m.ones(2, dtype=m.int32), m.ones(2, 1)),
    lambda m: m.linalg.lu_solve(m.eye(2), m.ones(2, dtype=m.int64), m.ones(2, 1)),
    lambda m: m.linalg.lu_solve(m.eye(2), m.ones(1, dtype=m.int32), m.ones(2, 1)),
    lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3)), m.ones(3)),
    lambda m: m.linalg.matrix_exp(m.ones(4, 3)),
    lambda m: m.linalg.inv_ex(m.zeros(2, 2), check_errors=True),
    lambda m: m.linalg.inv_ex(m.zeros(3, 2, 2), check_errors=True),
    lambda m: m.linalg.cholesky_ex(m.tensor([[1.0, 2.0], [2.0, 1.0]]), check_errors=True),
    lambda m: m.linalg.solve_ex(m.zeros(2, 2), m.ones(2), check_errors=True),
    lambda m: m.linalg.householder_product(m.ones(3, 4), m.ones(2)),
    lambda m: m.linalg.householder_product(m.ones(4, 3), m.ones(4)),
    lambda m: m.linalg.tensorinv(m.ones(2, 3, 4)),
    lambda m: m.linalg.vander(m.ones(3), N=1),
    lambda m: m.linalg.norm(m.ones(2, 2, 2), ord=2),
    lambda m: m.linalg.matrix_norm(m.ones(3), ord=2),
    lambda m: m.linalg.cond(m.ones(2, 3), p=1),
    lambda m: m.cholesky_solve(m.ones(3), m.eye(3)),
    lambda m: m.cholesky_inverse(m.ones(3)),
    lambda m: m.lstsq(m.ones(3, 2), m.ones(3, 2)),
])
def test_decomposition_errors_match_torch(torch, call):
    _same_message(torch, call, RuntimeError, first_line=True)


def test_failures_raise_linalg_error(torch):
    for lib in (ember, torch):  # lu_factor's zero pivot is a plain RuntimeError in torch, not a LinAlgError
        with pytest.raises(RuntimeError) as info:
            lib.linalg.lu_factor(lib.zeros(2, 2))
        assert not isinstance(info.value, lib.linalg.LinAlgError)
        with pytest.raises(lib.linalg.LinAlgError):
            lib.linalg.solve(lib.zeros(2, 2), lib.ones(2))
    with pytest.raises(ember.linalg.LinAlgError):
        ember.linalg.cholesky_ex(-ember.eye(2), check_errors=True)


def test_qr_backward_errors_as_torch(torch):
    for lib, mode, shape in [(lib, mode, (4, 3)) for lib in (torch, ember) for mode in ("r", "complete")]:
        a = lib.ones(*shape).add(lib.eye(4, 3)).requires_grad_()
        with pytest.raises(RuntimeError, match="derivative of linalg.qr|not differentiable when mode='complete'"):
            lib.linalg.qr(a, mode=mode).R.sum().backward()


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", float("inf"), float("-inf"), 1, -1])
def test_cond_and_matrix_norms_match_torch(torch, p):
    t, e = _pair(torch, lambda m, x: m.linalg.cond(x, p), _A)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10)
    if p is not None:
        t, e = _pair(torch, lambda m, x: m.linalg.matrix_norm(x, p, dim=(0, 2), keepdim=True), _T)
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10)
        t, e = _pair(torch, lambda m, x: m.linalg.norm(x, p), _M)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10)
    t, e = _pair(torch, lambda m, x: m.linalg.cond(x, p), np.zeros((2, 2)))
    np.testing.assert_array_equal(e.numpy(), t.numpy())  # singular: inf (nan for the 2-norm ratio 0/0)


COMPOSED_DECOMP = {
    "vander": (lambda m, x: m.linalg.vander(x), [np.array([0.0, 1.5, -2.0])]),
    "vander-N-batch": (lambda m, x: m.linalg.vander(x, N=4), [_M]),
    "tensorinv": (lambda m, x: m.linalg.tensorinv(x, ind=1), [np.eye(4).reshape(4, 2, 2) * 3 + 0.1 * _RNG.random(
        (4, 2, 2))]),
    "tensorsolve": (lambda m, x, y: m.linalg.tensorsolve(x, y), [np.eye(6).reshape(6, 2, 3) * 2 + 0.1 * _RNG.random(
        (6, 2, 3)), _RNG.standard_normal(6)]),
    "tensorsolve-dims": (lambda m, x, y: m.linalg.tensorsolve(x, y, dims=(0,)), [np.eye(6).reshape(6, 2, 3) * 2,
                                                                                 _RNG.standard_normal((2, 3))]),
    "householder_product": (lambda m, x, t: m.linalg.householder_product(x, t), [_T, _RNG.standard_normal((2, 2))]),
    "orgqr": (lambda m, x, t: x.orgqr(t), [_T[0], _RNG.standard_normal(3)]),
    "cond": (lambda m, x: m.linalg.cond(x), [_T]),
    "matrix_norm-nuc": (lambda m, x: m.linalg.matrix_norm(x, "nuc"), [_T]),
    "matrix_norm-2": (lambda m, x: m.linalg.matrix_norm(x, 2), [_T]),
    "matrix_norm-1": (lambda m, x: m.linalg.matrix_norm(x, 1), [_T]),
    "diagonal": (lambda m, x: m.linalg.diagonal(x, offset=1), [_T]),
    "matmul": (lambda m, x, y: m.linalg.matmul(x, y), [_T, _W]),
    "cholesky_solve-broadcast": (lambda m, x, y: m.cholesky_solve(y, x.tril()), [_A[0], _RNG.standard_normal((2, 3,
                                                                                                            2))]),
    "torch.lu_solve": (lambda m, x, y: m.lu_solve(y, *m.linalg.lu_factor(x)), [_A, _RNG.standard_normal((2, 3, 2))]),
    "Tensor.lu": (lambda m, x: x.lu()[0], [_A]),
    "Tensor.triangular_solve": (lambda m, x, y: y.triangular_solve(x, upper=False).solution, [_A, _A]),
    "Tensor.svd": (lambda m, x: x.svd().S, [_T]),
    "Tensor.pinverse": (lambda m, x: x.pinverse(), [_W]),
    "Tensor.matrix_exp": (lambda m, x: x.matrix_exp(), [_A / 3]),
    "Tensor.cholesky_inverse": (lambda m, x: x.tril().cholesky_inverse(), [_A]),
}


@pytest.mark.parametrize("name", list(COMPOSED_DECOMP))
def test_composed_decomposition_functions_match_torch(torch, name):
    fn, arrays = COMPOSED_DECOMP[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got, want = _grads(ember, fn, arrays), _grads(torch, fn, arrays)
    for g, t in zip(got, want):
        np.testing.assert_allclose(g, t, rtol=1e-7, atol=1e-9)


def test_deprecated_torch_functions_warn_as_torch(torch):
    a = ember.tensor(_A)
    ember.set_warn_always(True)  # (PyTorch warns once per process: an earlier test may have had the warning)
    try:
        for call in (lambda m, x: m.qr(x), lambda m, x: m.lu(x), lambda m, x: m.triangular_solve(x, x),
                     lambda m, x: m.lu_solve(x, *m.linalg.lu_factor(x))):
            with pytest.warns(UserWarning, match="is deprecated in favor of"):
                call(ember, a)
    finally:
        ember.set_warn_always(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.svd(a)
        ember.pinverse(a)
        ember.matrix_exp(a)
        ember.cholesky_solve(a, a)


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.lu(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.lu_factor(m.ones(3, 3, dtype=m.int64)),
])
def test_integer_lu_is_not_implemented_as_torch(torch, call):
    _same_message(torch, call, NotImplementedError)


@pytest.mark.parametrize("call", [
    lambda m: m.linalg.solve_triangular(m.ones(2, 2, dtype=m.int64), m.ones(2, 1), upper=True),
    lambda m: m.linalg.solve_triangular(m.ones(2, 2, dtype=m.float16), m.ones(2, 1), upper=True),
    lambda m: m.linalg.lu_solve(m.eye(2, dtype=m.float16), m.ones(2, dtype=m.int32), m.ones(2, 1, dtype=m.float16)),
])
def test_triangular_and_lu_solve_dtypes_not_implemented_as_torch(torch, call):
    _same_message(torch, call, NotImplementedError)


@pytest.mark.parametrize("b_dtype", ["float64", "float16", "int64", "bool"])
@pytest.mark.parametrize("left", [True, False])
def test_solve_triangular_computes_b_in_the_dtype_of_a_as_torch(torch, b_dtype, left):
    a = np.triu(_RNG.standard_normal((3, 3))) + 3 * np.eye(3)
    b = _RNG.integers(0, 2, (3, 2) if left else (2, 3))
    g = _RNG.standard_normal(b.shape)
    res = []
    for lib in (torch, ember):
        at = lib.tensor(a, dtype=lib.float32, requires_grad=True)
        bt = lib.tensor(b, dtype=getattr(lib, b_dtype), requires_grad=b_dtype.startswith("float"))
        x = lib.linalg.solve_triangular(at, bt, upper=True, left=left)
        x.backward(lib.tensor(g, dtype=lib.float32))
        res.append((str(x.dtype).split(".")[1], x.grad_fn.name(), x.detach().numpy(), at.grad.numpy(),
                    None if bt.grad is None else (str(bt.grad.dtype).split(".")[1], bt.grad.numpy())))
    (tn, tg, tx, ta, tb), (en, eg, ex, ea, eb) = res
    assert (en, eg) == (tn, tg) == ("float32", "LinalgSolveTriangularBackward0")
    np.testing.assert_allclose(ex, tx, rtol=1e-6)
    np.testing.assert_allclose(ea, ta, rtol=1e-5, atol=1e-6)
    assert (eb is None) == (tb is None)
    if tb is not None:
        assert eb[0] == tb[0] == b_dtype
        rtol = 1e-3 if b_dtype == "float16" else 1e-6
        np.testing.assert_allclose(eb[1].astype(float), tb[1].astype(float), rtol=rtol)


def test_matrix_power_takes_an_int_exponent(torch):
    for lib in (torch, ember):
        with pytest.raises(TypeError, match="argument 'n' \\(position 2\\) must be int, not float"):
            lib.linalg.matrix_power(lib.eye(2), 1.5)


# ---------------------------------------------------------------------------- float16 inputs

_HALF_CALLS = {
    "inv": lambda L, A: L.linalg.inv(A),
    "inv_ex": lambda L, A: L.linalg.inv_ex(A),
    "inverse": lambda L, A: L.inverse(A),
    "tensorinv": lambda L, A: L.linalg.tensorinv(A, 1),
    "det": lambda L, A: L.linalg.det(A),
    "slogdet": lambda L, A: L.linalg.slogdet(A),
    "logdet": lambda L, A: L.logdet(A),
    "solve": lambda L, A: L.linalg.solve(A, A),
    "solve_ex": lambda L, A: L.linalg.solve_ex(A, A),
    "tensorsolve": lambda L, A: L.linalg.tensorsolve(A, A[0]),
    "cholesky": lambda L, A: L.linalg.cholesky(A),
    "cholesky_ex": lambda L, A: L.linalg.cholesky_ex(A),
    "cholesky_solve": lambda L, A: L.cholesky_solve(A, A),
    "cholesky_inverse": lambda L, A: L.cholesky_inverse(A),
    "qr": lambda L, A: L.linalg.qr(A),
    "svd": lambda L, A: L.linalg.svd(A),
    "svdvals": lambda L, A: L.linalg.svdvals(A),
    "cond": lambda L, A: L.linalg.cond(A),
    "eigh": lambda L, A: L.linalg.eigh(A),
    "eigvalsh": lambda L, A: L.linalg.eigvalsh(A),
    "pinv": lambda L, A: L.linalg.pinv(A),
    "lstsq": lambda L, A: L.linalg.lstsq(A, A),
    "matrix_rank": lambda L, A: L.linalg.matrix_rank(A),
    "lu_factor": lambda L, A: L.linalg.lu_factor(A),
    "lu": lambda L, A: L.linalg.lu(A),
    "solve_triangular": lambda L, A: L.linalg.solve_triangular(A, A, upper=True),
    "householder_product": lambda L, A: L.linalg.householder_product(A, A[:, 0]),
}


@pytest.mark.parametrize("name", list(_HALF_CALLS))
def test_float16_inputs_raise_as_pytorch(torch, name):
    # NumPy's LAPACK has no half precision: these leaked NumPy's TypeError ("array type float16 is unsupported
    # in linalg") or silently computed in half where PyTorch raises.
    call = _HALF_CALLS[name]
    a = np.eye(3, dtype=np.float16) * 2
    with pytest.raises(Exception) as expected:
        call(torch, torch.from_numpy(a))
    with pytest.raises(type(expected.value)) as got:
        call(ember, ember.from_numpy(a))
    assert str(got.value) == str(expected.value)


def test_matrix_exp_of_float16_computes_in_float32(torch):
    a = np.array([[0.5, 0.25], [-0.125, 0.75]], dtype=np.float16)
    x = ember.from_numpy(a).requires_grad_()
    y = ember.linalg.matrix_exp(x)
    assert y.dtype == ember.float16
    ref = torch.linalg.matrix_exp(torch.from_numpy(a.astype(np.float64)).requires_grad_())
    np.testing.assert_allclose(y.detach().numpy().astype(np.float64), ref.detach().numpy(), rtol=2e-3)
    g = np.array([[1.0, -0.5], [0.25, 2.0]])
    y.backward(ember.from_numpy(g.astype(np.float16)))
    t = torch.from_numpy(a.astype(np.float64)).requires_grad_()
    torch.linalg.matrix_exp(t).backward(torch.from_numpy(g))
    assert x.grad.dtype == ember.float16
    np.testing.assert_allclose(x.grad.numpy().astype(np.float64), t.grad.numpy(), rtol=3e-3, atol=1e-3)


def _eigh_outcome(lib, fn):
    try:
        out = fn(lib)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return type(exc).__name__, str(exc)
    return [(tuple(o.shape), str(o.dtype).split(".")[-1]) for o in (out if isinstance(out, tuple) else (out,))]


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8", "bool", "float16"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3), (0, 0), (2, 0, 0), (0, 3, 3), (2, 3), (3,)])
@pytest.mark.parametrize("name", ["eigh", "eigvalsh"])
def test_eigh_of_integers_raises_as_torch(torch, name, shape, dtype):
    # PyTorch's kernel has no integer/bool/half version (NotImplementedError, not the "Expected a floating
    # point" RuntimeError of other decompositions); shape errors come first, and empty inputs keep their dtype
    def fn(m):
        return getattr(m.linalg, name)(m.zeros(shape, dtype=getattr(m, dtype)), UPLO="U")
    assert _eigh_outcome(ember, fn) == _eigh_outcome(torch, fn)


CHAIN_CASES = {
    # chain_matmul takes 2-D matrices only (multi_dot allows 1-D ends), and one matrix alone
    "chain-1d-first": lambda m: m.chain_matmul(m.ones(3), m.ones(3, 4)),
    "chain-1d-last": lambda m: m.chain_matmul(m.ones(2, 3), m.ones(3)),
    "chain-1d-both": lambda m: m.chain_matmul(m.ones(3), m.ones(3)),
    "chain-3d-before-1d": lambda m: m.chain_matmul(m.ones(2, 2, 3), m.ones(3)),
    "chain-0d": lambda m: m.chain_matmul(m.ones(())),
    "chain-none": lambda m: m.chain_matmul(),
    "chain-one": lambda m: m.chain_matmul(m.arange(6.0).reshape(2, 3)),
    "chain-one-int": lambda m: m.chain_matmul(m.arange(6).reshape(2, 3)),
    "chain-list": lambda m: m.chain_matmul([m.ones(2, 3), m.ones(3, 4)]),
    "chain-mismatch": lambda m: m.chain_matmul(m.ones(2, 3), m.ones(4, 4)),
    "chain-dtypes": lambda m: m.chain_matmul(m.ones(2, 3), m.ones(3, 4, dtype=m.float64)),
    "chain-three": lambda m: m.chain_matmul(m.ones(2, 3), m.arange(12.0).reshape(3, 4), m.ones(4, 1)),
    "dot-1d-ends": lambda m: m.linalg.multi_dot([m.arange(3.0), m.ones(3, 2), m.arange(2.0)]),
    "dot-1d-first": lambda m: m.linalg.multi_dot([m.arange(3.0), m.ones(3, 4)]),
    "dot-one": lambda m: m.linalg.multi_dot([m.ones(2, 3)]),
    "dot-tensor-not-list": lambda m: m.linalg.multi_dot(m.ones(2, 2)),
    "dot-not-tensor": lambda m: m.linalg.multi_dot([m.ones(2, 3), 3]),
    "dot-dtypes": lambda m: m.linalg.multi_dot([m.ones(2, 3, dtype=m.int64), m.ones(3, 4)]),
    "dot-dtypes-later": lambda m: m.linalg.multi_dot([m.ones(2, 3, dtype=m.int8), m.ones(3, 4, dtype=m.int8),
                                                      m.ones(4, 2, dtype=m.uint8)]),
    "dot-ranks-before-dtypes": lambda m: m.linalg.multi_dot([m.ones(2, 3), m.ones(3, 4, dtype=m.float64),
                                                             m.ones(4, 5, 4), m.ones(5)]),
    "dot-last-rank-before-middle": lambda m: m.linalg.multi_dot([m.ones(2, 2), m.ones(2, 2, 2), m.ones(2, 2),
                                                                 m.ones(2, 2, 2)]),
    "dot-fit-before-later-dtype": lambda m: m.linalg.multi_dot([m.ones(2, 2), m.ones(2, 2), m.ones(3, 3),
                                                                m.ones(2, 2, dtype=m.float64)]),
}


@pytest.mark.parametrize("name", list(CHAIN_CASES))
def test_chain_matmul_and_multi_dot_edges_match_torch(torch, name):
    def outcome(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out = CHAIN_CASES[name](lib)
            except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
                return type(exc).__name__, str(exc)
        return tuple(out.shape), str(out.dtype).split(".")[-1], out.tolist()
    assert outcome(ember) == outcome(torch)


def test_chain_matmul_of_one_matrix_is_a_copy(torch):
    for lib in (ember, torch):
        a = lib.ones(2, 3, requires_grad=True)
        ember.set_warn_always(True)  # (ember, like PyTorch, warns once per process otherwise)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out = lib.chain_matmul(a)
        finally:
            ember.set_warn_always(False)
        assert lib is torch or "use torch.linalg.multi_dot instead" in str(caught[0].message).lower()
        assert out is not a and out.grad_fn.name() == "CloneBackward0"


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [(-2, -1), (2, 0)])
@pytest.mark.parametrize("p", ["nuc", 2, -2, 1, -1, float("inf"), float("-inf")])
def test_matrix_norm_records_torchs_last_node_and_gradient(torch, p, dim, keepdim):
    # the kept dims come back with one permute (svd orders) or stay from amax/amin (1 / inf orders), as in PyTorch
    got = {}
    for lib in (torch, ember):
        x = lib.tensor(_RNG.standard_normal((2, 3, 4)) if not got else got["torch"][3], requires_grad=True)
        out = lib.linalg.matrix_norm(x, p, dim, keepdim)
        up = np.random.default_rng(3).standard_normal(tuple(out.shape))
        out.backward(lib.tensor(up))
        got[lib.__name__] = (out.grad_fn.name(), out.detach().numpy(), x.grad.numpy(), x.detach().numpy())
    assert got["ember"][0] == got["torch"][0]
    for g, w in zip(got["ember"][1:3], got["torch"][1:3]):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "complex64"])
@pytest.mark.parametrize("contiguous", [True, False])
def test_matmul_batched_by_matrix_folds_like_torch(torch, dtype, contiguous):
    # (..., M, K) @ (K, N) runs as one 2-D product over all rows (as PyTorch folds it); values, the graph's name
    # and both gradients (b's as one product, not a stack summed by the engine) match
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3, 4, 5)).astype(dtype)
    b = rng.standard_normal((5, 6)).astype(dtype)
    if dtype.startswith("complex"):
        a = a + 1j * rng.standard_normal(a.shape).astype(np.float32)
        b = b + 1j * rng.standard_normal(b.shape).astype(np.float32)
    up = rng.standard_normal((2, 3, 4, 6)).astype(dtype)
    res = {}
    for lib in (torch, ember):
        at = lib.tensor(a if contiguous else np.ascontiguousarray(a.swapaxes(0, 1)), requires_grad=True)
        bt = lib.tensor(b, requires_grad=True)
        out = lib.matmul(at if contiguous else at.transpose(0, 1), bt)
        out.backward(lib.tensor(up))
        res[lib.__name__] = (out.detach().numpy(), at.grad.numpy(), bt.grad.numpy(), out.grad_fn.name())
    for e, t in zip(res["ember"][:3], res["torch"][:3], strict=True):
        assert e.dtype == t.dtype and e.shape == t.shape
        np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-5)
    assert res["ember"][3] == res["torch"][3]


def test_linear_without_graph_on_batched_rows_matches_torch(torch):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 7, 16)).astype(np.float32)
    w = rng.standard_normal((8, 16)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    for args in ((w, b), (w,)):
        with ember.no_grad():
            e = ember.nn.functional.linear(ember.tensor(x), *[ember.tensor(a) for a in args]).numpy()
            e_t = ember.nn.functional.linear(ember.tensor(x).transpose(0, 1), *[ember.tensor(a) for a in args])
        t = torch.nn.functional.linear(torch.tensor(x), *[torch.tensor(a) for a in args]).numpy()
        np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(e_t.numpy(), t.transpose(1, 0, 2), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("sa, sb", [((2, 3, 0), (0, 4)), ((2, 3, 4), (4, 0)), ((0, 3, 4), (4, 5))])
def test_matmul_and_linear_fold_empty_dims_like_torch(torch, sa, sb):
    # the folded (..., M, K) @ (K, N) path with a zero K or N (a reshape to (-1, 0) is ambiguous)
    rng = np.random.default_rng(5)
    a = rng.standard_normal(sa).astype(np.float32)
    b = rng.standard_normal(sb).astype(np.float32)
    res = {}
    for lib in (torch, ember):
        at, bt = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = at @ bt
        out.sum().backward()
        wt = lib.tensor(b).T.contiguous()
        with lib.no_grad():  # (the raw-array path)
            lin = lib.nn.functional.linear(lib.tensor(a), wt, lib.ones(sb[1]))
        lin_graph = lib.nn.functional.linear(lib.tensor(a), wt.requires_grad_(), lib.ones(sb[1]))
        res[lib.__name__] = (out.detach().numpy(), at.grad.numpy(), bt.grad.numpy(), lin.numpy(),
                             lin_graph.detach().numpy())
    for e, t in zip(res["ember"], res["torch"], strict=True):
        assert e.shape == t.shape and e.dtype == t.dtype
        np.testing.assert_allclose(e, t, rtol=1e-6, atol=1e-6)


_X4 = np.random.default_rng(5).standard_normal((2, 3, 4, 5))  # (own generator: _RNG feeds tests above)
_NORM_CALLS = {
    "fro-3-dims": lambda m, x: m.norm(x, p="fro", dim=[1, 2, 3]),
    "fro-4-dims": lambda m, x: m.norm(x, "fro", dim=(0, 1, 2, 3)),
    "fro-3-neg-dims": lambda m, x: x.norm(p="fro", dim=(-1, -2, -3)),
    "fro-3-dims-out-of-range": lambda m, x: m.norm(x, "fro", dim=(1, 2, 7)),
    "fro-3-dims-int": lambda m, x: m.norm(x.int(), "fro", dim=(1, 2, 3)),
    "fro-1-d-repeated": lambda m, x: m.norm(x[0, 0, 0], "fro", dim=(0, 0, 0)),
    "fro-2-dims": lambda m, x: m.norm(x, "fro", dim=(1, 2)),
    "fro-2-dims-keepdim": lambda m, x: m.norm(x, "fro", dim=(-1, -2), keepdim=True),
    "fro-1-dim": lambda m, x: m.norm(x, "fro", dim=[1]),
    "fro-0-dims": lambda m, x: m.norm(x, "fro", dim=[]),
    "fro-int-dim": lambda m, x: m.norm(x, "fro", dim=2),
    "fro-all": lambda m, x: m.norm(x, "fro"),
    "fro-repeated": lambda m, x: m.norm(x, "fro", dim=(1, 1)),
    "nuc-1-dim": lambda m, x: m.norm(x, "nuc", dim=1),
    "nuc-3-dims": lambda m, x: m.norm(x, "nuc", dim=[1, 2, 3]),
    "nuc-1-d": lambda m, x: m.norm(x[0, 0, 0], "nuc"),
    "unknown-string": lambda m, x: m.norm(x, "abc", dim=1),
    "unknown-string-1-d-int": lambda m, x: m.norm(x[0, 0, 0].int(), "abc"),
    "matrix_norm-order-first": lambda m, x: m.linalg.matrix_norm(x[0, 0, 0].int(), 3),
    "matrix_norm-order-float": lambda m, x: m.linalg.matrix_norm(x, 1e20),
    "matrix_norm-order-none": lambda m, x: m.linalg.matrix_norm(x, None),
    "matrix_norm-dim-out-of-range": lambda m, x: m.linalg.matrix_norm(x, "fro", dim=(1, 7)),
    "matrix_norm-tensor-order": lambda m, x: m.linalg.matrix_norm(x, m.tensor(2.0)),
    "linalg.norm-string-1-dim": lambda m, x: m.linalg.norm(x, "abc", dim=(1,)),
    "vector_norm-fro": lambda m, x: m.linalg.vector_norm(x, "fro", 1),
    "vector_norm-none": lambda m, x: m.linalg.vector_norm(x, None),
}


@pytest.mark.parametrize("case", list(_NORM_CALLS))
def test_norm_string_orders_and_dims_match_torch(torch, case):
    # 'fro' over more than two dims is matrix_norm's (an error), as PyTorch; matrix_norm checks its order first
    from tests._helpers import both, same_error

    e, t = both(torch, lambda m: _NORM_CALLS[case](m, m.tensor(_X4)))
    if isinstance(t, Exception):
        same_error(e, t)
    else:
        assert not isinstance(e, Exception), e
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10)


def _bool(m, *shape):
    return m.ones(*shape, dtype=m.bool)


BOOL_PRODUCTS = {
    "mm": lambda m: _bool(m, 2, 3).mm(_bool(m, 3, 2)), "matmul-2d": lambda m: _bool(m, 2, 2) @ _bool(m, 2, 2),
    "matmul-1d": lambda m: _bool(m, 2) @ _bool(m, 2), "matmul-2d-1d": lambda m: _bool(m, 2, 2).matmul(_bool(m, 2)),
    "matmul-1d-2d": lambda m: _bool(m, 2).matmul(_bool(m, 2, 2)),
    "matmul-3d": lambda m: _bool(m, 2, 2, 2) @ _bool(m, 2, 2, 2),
    "matmul-3d-2d": lambda m: _bool(m, 2, 2, 2) @ _bool(m, 2, 2),
    "matmul-2d-3d": lambda m: _bool(m, 2, 2) @ _bool(m, 3, 2, 2),
    "matmul-3d-1d": lambda m: _bool(m, 3, 2, 2) @ _bool(m, 2),
    "bmm": lambda m: _bool(m, 1, 2, 2).bmm(_bool(m, 1, 2, 2)),
    "mv": lambda m: _bool(m, 2, 2).mv(_bool(m, 2)), "dot": lambda m: _bool(m, 2).dot(_bool(m, 2)),
    "addmm": lambda m: m.addmm(_bool(m, 2, 2), _bool(m, 2, 2), _bool(m, 2, 2)),
    "inner": lambda m: m.inner(_bool(m, 2), _bool(m, 2)), "inner-2d": lambda m: m.inner(_bool(m, 2, 2), _bool(m, 2, 2)),
    "empty": lambda m: _bool(m, 0, 2) @ _bool(m, 2, 0), "outer": lambda m: m.outer(_bool(m, 2), _bool(m, 2)),
    "uint8": lambda m: m.ones(2, 2, dtype=m.uint8) @ m.ones(2, 2, dtype=m.uint8),
}


@pytest.mark.parametrize("name", list(BOOL_PRODUCTS))
def test_bool_matrix_products(torch, name):
    """PyTorch has no bool matrix-product kernels: each route names the kernel it reaches."""
    got = []
    for m in (torch, ember):
        try:
            out = BOOL_PRODUCTS[name](m)
            got.append((str(out.dtype).split(".")[-1], out.tolist()))
        except NotImplementedError as exc:
            got.append(str(exc))
    assert got[1] == got[0]


def test_solve_op_with_vector_right_hand_sides_as_torch(torch):
    # ember._ops.linalg.Solve(vector=True): a batch of vectors solved as columns in one node, as PyTorch's
    # LinalgSolveExBackward0 (values, gradients and gradients of gradients)
    from ember._ops import linalg as L

    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b, g = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    res = []
    for lib in (ember, torch):
        ta, tb = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        x = L.Solve.apply(ta, tb, vector=True) if lib is ember else torch.linalg.solve(ta, tb)
        ga, gb = lib.autograd.grad(x, (ta, tb), lib.tensor(g), create_graph=True)
        hh = lib.autograd.grad(ga.sum() + (gb * gb).sum(), (ta, tb))
        res.append([type(x.grad_fn).__name__] + [t.detach().numpy() for t in (x, ga, gb, *hh)])
    assert res[0][0] == res[1][0] == "LinalgSolveExBackward0"
    for e, t in zip(res[0][1:], res[1][1:]):
        np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-12)


def test_svd_driver_refused_on_cpu(torch):
    """PyTorch's CPU build refuses ``driver=`` for svd and svdvals, with one message."""
    for fn in ("svd", "svdvals"):
        for mod in (ember, torch):
            with pytest.raises(RuntimeError, match="^torch.linalg.svd: keyword argument `driver=` is only "
                                                   "supported on CUDA inputs with cuSOLVER backend.$"):
                getattr(mod.linalg, fn)(mod.eye(3), driver="gesvd")


@pytest.mark.parametrize("shapes", [((2, 2), (2,)), ((3, 2, 2), (2,)), ((2,), (2, 2))])
def test_matmul_dtype_mismatch_messages(torch, shapes):
    def message(mod):
        with pytest.raises(RuntimeError) as info:
            mod.matmul(mod.ones(shapes[0]), mod.ones(shapes[1], dtype=mod.float64))
        return str(info.value)

    assert message(ember) == message(torch)


def test_linalg_error_class_name_as_torch(torch):
    import pickle

    got = []
    for lib in (ember, torch):
        with pytest.raises(lib.linalg.LinAlgError) as info:
            lib.linalg.cholesky(-lib.eye(2))
        err = info.value
        assert isinstance(err, RuntimeError) and type(err) is lib.linalg.LinAlgError
        assert str(pickle.loads(pickle.dumps(err))) == str(err)
        got.append((type(err).__name__, lib.linalg.LinAlgError.__name__, repr(lib.linalg.LinAlgError("m"))))
    assert got[0] == got[1]
