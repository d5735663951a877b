"""``out=`` of the torch.* linear-algebra aliases (and histogram) and of more ember.linalg functions, side by
side with PyTorch."""

import warnings

import numpy as np
import pytest

import ember


def _inputs(lib):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3)).astype(np.float32)
    spd = a @ a.T + 3 * np.eye(3, dtype=np.float32)
    sym = a + a.T
    b = rng.standard_normal((3, 2)).astype(np.float32)
    t = lib.tensor
    chol = lib.linalg.cholesky(t(spd))
    lu, piv = lib.linalg.lu_factor(t(a))
    return {"a": t(a), "spd": t(spd), "sym": t(sym), "b": t(b), "L": chol, "LU": lu, "piv": piv}


# name -> (call(lib, inputs, out), number of outputs (0: one tensor))
_CASES = {
    "inverse": (lambda m, x, o: m.inverse(x["a"], out=o), 0),
    "matrix_power": (lambda m, x, o: m.matrix_power(x["a"], 3, out=o), 0),
    "chain_matmul": (lambda m, x, o: m.chain_matmul(x["a"], x["a"], x["b"], out=o), 0),
    "svd": (lambda m, x, o: m.svd(x["spd"], out=o), 3),
    "qr": (lambda m, x, o: m.qr(x["a"], out=o), 2),
    "cholesky_solve": (lambda m, x, o: m.cholesky_solve(x["b"], x["L"], out=o), 0),
    "cholesky_inverse": (lambda m, x, o: m.cholesky_inverse(x["L"], out=o), 0),
    "lu_solve": (lambda m, x, o: m.lu_solve(x["b"], x["LU"], x["piv"], out=o), 0),
    "lu_unpack": (lambda m, x, o: m.lu_unpack(x["LU"], x["piv"], out=o), 3),
    "triangular_solve": (lambda m, x, o: m.triangular_solve(x["b"], x["L"], upper=False, out=o), 2),
    "histogram": (lambda m, x, o: m.histogram(x["a"], 4, range=(-2.0, 2.0), out=o), 2),
    "linalg.eigvals": (lambda m, x, o: m.linalg.eigvals(x["spd"], out=o), 0),
    "linalg.inv_ex": (lambda m, x, o: m.linalg.inv_ex(x["a"], out=o), 2),
    "linalg.cholesky_ex": (lambda m, x, o: m.linalg.cholesky_ex(x["spd"], out=o), 2),
    "linalg.solve_ex": (lambda m, x, o: m.linalg.solve_ex(x["a"], x["b"], out=o), 2),
    "linalg.lu": (lambda m, x, o: m.linalg.lu(x["a"], out=o), 3),
    "linalg.lu_factor_ex": (lambda m, x, o: m.linalg.lu_factor_ex(x["a"], out=o), 3),
    "linalg.ldl_factor": (lambda m, x, o: m.linalg.ldl_factor(x["sym"], out=o), 2),
    "linalg.ldl_factor_ex": (lambda m, x, o: m.linalg.ldl_factor_ex(x["sym"], out=o), 3),
}


def _empty_like_result(lib, res):
    return tuple(lib.empty(0, dtype=r.dtype) for r in res) if isinstance(res, tuple) else lib.empty(0, dtype=res.dtype)


@pytest.mark.parametrize("name", list(_CASES))
def test_out_written_and_returned(torch, name):
    call, n = _CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the deprecated aliases warn)
        xt, xe = _inputs(torch), _inputs(ember)
        want_res = call(torch, xt, None)
        out_t = _empty_like_result(torch, want_res)
        out_e = _empty_like_result(ember, call(ember, xe, None))
        got = call(ember, xe, out_e)
        want = call(torch, xt, out_t)
    if n:
        assert isinstance(got, tuple) and len(got) == n
        assert type(got).__name__ == type(want).__name__
        assert all(g is o for g, o in zip(got, out_e))
        pairs = list(zip(out_e, out_t))
    else:
        assert got is out_e
        pairs = [(out_e, out_t)]
    for g, w in pairs:
        assert tuple(g.shape) == tuple(w.shape) and str(g.dtype)[6:] == str(w.dtype)[6:]
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-4, atol=1e-4)


def test_eig_and_ldl_solve_out(torch):
    xt, xe = _inputs(torch), _inputs(ember)
    # eig: complex outputs (eigenvector signs/phases may differ: compare A V = V diag(w))
    out = (ember.empty(0, dtype=ember.complex64), ember.empty(0, dtype=ember.complex64))
    w, v = ember.linalg.eig(xe["spd"], out=out)
    assert w is out[0] and v is out[1] and type(w).__name__ == "Tensor"
    np.testing.assert_allclose(np.sort(w.numpy().real), np.sort(torch.linalg.eigvals(xt["spd"]).numpy().real),
                               rtol=1e-4)
    ld, piv = ember.linalg.ldl_factor(xe["sym"])
    ldt, pivt = torch.linalg.ldl_factor(xt["sym"])
    o = ember.empty(0)
    assert ember.linalg.ldl_solve(ld, piv, xe["b"], out=o) is o
    np.testing.assert_allclose(o.numpy(), torch.linalg.ldl_solve(ldt, pivt, xt["b"]).numpy(), rtol=1e-4, atol=1e-4)


def test_svd_out_without_uv(torch):
    xt, xe = _inputs(torch), _inputs(ember)
    oe = tuple(ember.empty(0) for _ in range(3))
    ot = tuple(torch.empty(0) for _ in range(3))
    ember.svd(xe["a"], compute_uv=False, out=oe)
    torch.svd(xt["a"], compute_uv=False, out=ot)
    for g, w in zip(oe, ot):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-5, atol=1e-6)


def test_out_refuses_grad(torch):
    a = ember.eye(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="functions with out=... arguments don't support automatic"):
        ember.inverse(a, out=ember.empty(0))
