"""linalg edge cases side by side with PyTorch: p-norm gradients at zeros, gradients at singular
matrices, batch-shape mismatch errors, small argument and error-message differences."""

import warnings

import numpy as np
import pytest

import ember
from tests._helpers import raised_messages

torch = pytest.importorskip("torch")


def _close(e, t, **kw):
    np.testing.assert_allclose(np.asarray(e.detach().numpy()), t.detach().numpy(), equal_nan=True, **kw)


_NORMS = {
    "vector_norm": lambda m, x, p: m.linalg.vector_norm(x, p),
    "vector_norm dim": lambda m, x, p: m.linalg.vector_norm(x.reshape(3, 2), p, dim=1).sum(),
    "linalg.norm": lambda m, x, p: m.linalg.norm(x, p),
    "norm": lambda m, x, p: m.norm(x, p),
    "Tensor.norm": lambda m, x, p: x.norm(p),
    "dist": lambda m, x, p: m.dist(x, m.zeros(6), p),
}


@pytest.mark.parametrize("p", [1.5, 0.5, 3.0, -1.0])
@pytest.mark.parametrize("name", list(_NORMS))
def test_p_norm_gradient_at_zeros(name, p):
    vals = [0.0, 2.0, -1.0, 0.0, 0.5, 0.0]
    grads = []
    for m in (ember, torch):
        x = m.tensor(vals, requires_grad=True)
        _NORMS[name](m, x, p).backward()
        (g,) = m.autograd.grad(_NORMS[name](m, x, p), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        grads.append((x.grad, g, gg))
    for e, t in zip(*grads):
        _close(e, t, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("p", [1.5, 0.5])
def test_p_norm_gradient_complex_zeros(p):
    out = []
    for m in (ember, torch):
        x = m.tensor([0j, 2 + 1j, -1.0], requires_grad=True)
        m.linalg.vector_norm(x, p).backward()
        out.append(x.grad)
    _close(*out, rtol=1e-5)


def test_zero_norm_has_no_gradient():
    for m in (ember, torch):
        x = m.tensor([0.0, 2.0, -1.0], requires_grad=True)
        assert m.autograd.grad(m.linalg.vector_norm(x, 0), x, allow_unused=True) == (None,)
        m.linalg.vector_norm(x, 0).backward()
        assert x.grad is None


_SINGULAR = {
    "rank n-1 2x2": [[1.0, 2.0], [2.0, 4.0]],
    "rank n-1 3x3": [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]],
    "zero row": [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [1.0, 0.0, 1.0]],
    "diagonal": [[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 3.0]],
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(_SINGULAR))
def test_det_double_backward_at_singular_matrices(name, dtype):
    # under create_graph both give the cofactor matrix (first-order PyTorch depends on the BLAS: not compared)
    out = []
    for m in (ember, torch):
        a = m.tensor(_SINGULAR[name], dtype=getattr(m, dtype), requires_grad=True)
        (g,) = m.autograd.grad(m.linalg.det(a), a, create_graph=True)
        (gg,) = m.autograd.grad((g * m.arange(g.numel(), dtype=g.dtype).reshape(g.shape)).sum(), a)
        out.append((g, gg))
    for e, t in zip(*out):
        _close(e, t, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn", ["slogdet", "logdet"])
@pytest.mark.parametrize("name", list(_SINGULAR) + [("zero", [[0.0, 0.0], [0.0, 0.0]])])
def test_slogdet_backward_at_singular_matrices(name, fn):
    value = _SINGULAR[name] if isinstance(name, str) else name[1]
    grads = []
    for m in (ember, torch):
        a = m.tensor(value, dtype=m.float64, requires_grad=True)
        (m.linalg.slogdet(a)[1] if fn == "slogdet" else m.logdet(a)).backward()
        grads.append(a.grad)
    _close(*grads, rtol=1e-12)


def test_slogdet_double_backward_at_a_singular_matrix_raises():
    for m in (ember, torch):
        a = m.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
        with pytest.raises(RuntimeError, match="torch.linalg.solve: The solver failed because the input matrix is "
                                               "singular."):
            m.autograd.grad(m.linalg.slogdet(a)[1], a, create_graph=True)


_MISMATCHED_BATCH = {
    "solve": lambda m: m.linalg.solve(m.ones(2, 3, 3), m.ones(3, 3, 1)),
    "solve left=False": lambda m: m.linalg.solve(m.ones(2, 3, 3), m.ones(3, 1, 3), left=False),
    "solve_ex": lambda m: m.linalg.solve_ex(m.ones(2, 3, 3), m.ones(3, 3, 1)),
    "lstsq": lambda m: m.linalg.lstsq(m.ones(2, 4, 3), m.ones(3, 4, 2)),
    "solve_triangular": lambda m: m.linalg.solve_triangular(m.eye(3).expand(2, 3, 3), m.ones(3, 3, 2), upper=True),
    "solve_triangular right": lambda m: m.linalg.solve_triangular(m.eye(3).expand(2, 3, 3), m.ones(3, 2, 3),
                                                                  upper=True, left=False),
    "lu_solve": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3).expand(2, 3, 3)), m.ones(3, 3, 2)),
    "cholesky_solve": lambda m: m.cholesky_solve(m.ones(3, 3, 2), m.eye(3).expand(2, 3, 3)),
}


@pytest.mark.parametrize("name", list(_MISMATCHED_BATCH))
def test_mismatched_batch_shapes_raise_the_broadcast_error(name):
    messages = raised_messages(RuntimeError, _MISMATCHED_BATCH[name], ember, torch)
    assert messages[0] == messages[1]
    assert "must match the size of tensor b" in messages[0]


@pytest.mark.parametrize("uplo", ["u", "l"])
def test_eigh_takes_lowercase_uplo(uplo):
    vals = [[2.0, 1.0], [-5.0, 3.0]]  # not symmetric: the triangle read matters
    e = ember.linalg.eigh(ember.tensor(vals), UPLO=uplo).eigenvalues
    t = torch.linalg.eigh(torch.tensor(vals), UPLO=uplo).eigenvalues
    _close(e, t, rtol=1e-5)
    _close(ember.linalg.eigvalsh(ember.tensor(vals), uplo), torch.linalg.eigvalsh(torch.tensor(vals), uplo), rtol=1e-5)


# ----------------------------------------------------------------------------- out= on ember.linalg

_A = [[2.0, 1.0], [1.0, 3.0]]
_OUT_CALLS = {
    "inv": lambda m, A, o: m.linalg.inv(A, out=o),
    "det": lambda m, A, o: m.linalg.det(A, out=o),
    "solve": lambda m, A, o: m.linalg.solve(A, A, out=o),
    "norm": lambda m, A, o: m.linalg.norm(A, out=o),
    "vecdot": lambda m, A, o: m.linalg.vecdot(A, A, out=o),
    "matrix_power": lambda m, A, o: m.linalg.matrix_power(A, 3, out=o),
    "multi_dot": lambda m, A, o: m.linalg.multi_dot([A, A], out=o),
    "solve_triangular": lambda m, A, o: m.linalg.solve_triangular(A, A, upper=True, out=o),
    "matrix_rank": lambda m, A, o: m.linalg.matrix_rank(A, out=o),
    "cond": lambda m, A, o: m.linalg.cond(A, out=o),
    "pinv": lambda m, A, o: m.linalg.pinv(A, out=o),
    "matmul": lambda m, A, o: m.linalg.matmul(A, A, out=o),
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("name", list(_OUT_CALLS))
def test_out_tensor(name, dtype):
    results = []
    for m in (ember, torch):
        out = m.full((3,), 7, dtype=getattr(m, dtype))  # a wrong shape: resized, with a warning
        try:
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                res = _OUT_CALLS[name](m, m.tensor(_A), out)
        except RuntimeError as e:
            results.append(str(e).replace("torch.", "").replace("ember.", ""))
            continue
        assert res is out
        results.append((res.tolist(), [str(w.message).split(" (Triggered internally")[0] for w in rec]))
    if isinstance(results[0], tuple) and isinstance(results[1], tuple):
        np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
        assert results[0][1] == results[1][1]
    else:
        assert results[0] == results[1]


def test_out_tuple():
    for m in (ember, torch):
        A = m.tensor(_A)
        outs = (m.empty(0), m.empty(0))
        res = m.linalg.eigh(A, out=outs)
        assert type(res).__name__ == "linalg_eigh_out" and res[0] is outs[0] and res.eigenvectors is outs[1]
        ref = m.linalg.eigh(A)
        assert m.equal(res.eigenvalues, ref.eigenvalues)
        res = m.linalg.svd(A, out=(m.empty(0), m.empty(0), m.empty(0)))
        assert res.S.shape == (2,)
        lu = m.linalg.lu_factor(A, out=(m.empty(0), m.empty(0, dtype=m.int32)))
        assert lu.pivots.tolist() == [1, 2]
    errors = []
    for m in (ember, torch):
        A = m.tensor(_A)
        for out in (m.empty(0), (m.empty(0, dtype=m.float64), m.empty(0)), (m.empty(0), m.empty(0, dtype=m.int64))):
            with pytest.raises((TypeError, RuntimeError)) as info:
                (m.linalg.lu_factor if out[1:] and out[1].dtype == m.int64 else m.linalg.eigh)(A, out=out)
            errors.append((info.type, str(info.value)))
        with pytest.raises(TypeError) as info:
            m.linalg.inv(A, out=3)
        errors.append((info.type, str(info.value)))
    assert errors[:4] == errors[4:]


# ----------------------------------------------------------------------------- non-finite and singular inputs

def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error itself is compared
        return isinstance(e, RuntimeError), str(e).replace("torch.", "").replace("ember.", "")
    return None


_NAN = float("nan")
_ERROR_CASES = {
    "cholesky_inverse zeros": lambda m: m.cholesky_inverse(m.zeros(2, 2)),
    "cholesky_inverse batch": lambda m: m.cholesky_inverse(m.stack([m.eye(2), m.tensor([[1.0, 0.0], [1.0, 0.0]])])),
    "cholesky nan": lambda m: m.linalg.cholesky(m.full((2, 2), _NAN)),
    "cholesky nan batch": lambda m: m.linalg.cholesky(m.stack([m.eye(2), m.full((2, 2), _NAN)])),
    "svd nan": lambda m: m.linalg.svd(m.full((2, 2), _NAN)),
    "svdvals nan batch": lambda m: m.linalg.svdvals(m.stack([m.eye(2), m.full((2, 2), _NAN)])),
    "pinv nan": lambda m: m.linalg.pinv(m.full((2, 2), _NAN)),
    "eig nan": lambda m: m.linalg.eig(m.tensor([[1.0, _NAN], [0.0, 2.0]])),
    "vecdot long": lambda m: m.linalg.vecdot(m.tensor([1, 2]), m.tensor([1.0, 2.0])),
    "vander 0-d": lambda m: m.linalg.vander(m.tensor(2.0)),
    "matrix_rank tol atol": lambda m: m.linalg.matrix_rank(m.eye(2), tol=1.0, atol=1.0),
    "matrix_rank tol rtol": lambda m: m.linalg.matrix_rank(m.eye(2), tol=1.0, rtol=1.0),
}


@pytest.mark.parametrize("name", list(_ERROR_CASES))
def test_error_like_torch(name):
    want = _error(lambda: _ERROR_CASES[name](torch))
    assert want is not None
    assert _error(lambda: _ERROR_CASES[name](ember)) == want


def test_cholesky_ex_nan_info():
    for m in (ember, torch):
        assert m.linalg.cholesky_ex(m.full((2, 2), _NAN)).info.item() == 1


def test_eigvals_nan_matrix():
    # (float64: PyTorch's float32 kernel crashes on an all-NaN matrix on some machines)
    res = ember.linalg.eigvals(ember.stack([3 * ember.eye(2, dtype=ember.float64),
                                            ember.full((2, 2), _NAN, dtype=ember.float64)]))
    want = torch.linalg.eigvals(torch.full((2, 2), _NAN, dtype=torch.float64))
    assert res.dtype == ember.complex128
    assert res[0].tolist() == [3, 3]
    np.testing.assert_array_equal(np.isnan(res[1].numpy().real), np.isnan(want.numpy().real))


def test_cond_nuc_singular():
    for m in (ember, torch):
        zero, diag, near = m.zeros(2, 2), m.tensor([[1.0, 0.0], [0.0, 0.0]]), m.tensor([[1.0, 2.0], [2.0, 4.0]])
        res = m.linalg.cond(m.stack([zero, diag, near, m.eye(2)]), "nuc")
        assert np.isnan(res[0].item()) and res[1].item() == float("inf")
        # exactly singular in LU, not in the SVD: PyTorch's sum(s) * sum(1 / s) (its size is rounding)
        assert 1e6 < res[2].item() < float("inf") and res[3].item() == 4.0
        assert m.linalg.cond(near, "fro").item() == float("inf")


@pytest.mark.parametrize("name", ["chain_matmul", "lu", "lu_solve"])
def test_deprecation_warns_once(name):
    from ember import _functions_args

    calls = {"chain_matmul": lambda m, A: m.chain_matmul(A, A), "lu": lambda m, A: m.lu(A),
             "lu_solve": lambda m, A: m.lu_solve(A, *m.linalg.lu_factor(A))}
    _functions_args._warned_once.discard(f"torch.{name}")
    counts = []
    for always in (False, True):
        ember.set_warn_always(always)
        try:
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                for _ in range(3):
                    calls[name](ember, ember.eye(2))
        finally:
            ember.set_warn_always(False)
        counts.append(sum("deprecated" in str(w.message) for w in rec))
    assert counts == [1, 3]


def test_tensorsolve_of_one_element_and_bool_cross():
    # a 0-d solution (reshaped to an empty shape) and bool inputs of linalg.cross, as torch
    for lib in (torch, ember):
        assert lib.linalg.tensorsolve(lib.tensor([2.0]), lib.tensor([4.0])).item() == 2.0
    got = []
    for lib in (torch, ember):
        with pytest.raises(NotImplementedError) as info:
            lib.linalg.cross(lib.tensor([True, False, True]), lib.tensor([True, True, False]))
        got.append(str(info.value))
    assert got[0] == got[1]
