"""Linear algebra on complex tensors, side by side with PyTorch: the products (matmul and its BLAS-style variants,
dot/vdot, einsum, linear...) and ember.linalg (inv, det, slogdet, solve, cholesky, eig/eigh, svd, qr, pinv, lstsq,
lu, matrix_exp, norms...). Forward values, and gradients under a random complex upstream gradient (PyTorch's
convention: ``z.grad = dL/dx + i dL/dy``); gradcheck of that convention on a few ops; errors."""

import warnings

import numpy as np
import pytest

import ember

_RNG = np.random.default_rng(0)


def _c(*shape):
    return _RNG.standard_normal(shape) + 1j * _RNG.standard_normal(shape)


_A, _B, _V, _W = _c(3, 3), _c(3, 3), _c(3), _c(3)
_BA, _BB = _c(2, 3, 3), _c(2, 3, 3)
_TALL, _WIDE = _c(4, 3), _c(3, 4)
_HERM = _A @ _A.conj().T + 3 * np.eye(3)  # Hermitian positive-definite
_LOW = np.linalg.cholesky(_HERM)


def _upstream(out, seed):
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(tuple(out.shape))
    if out.is_complex():
        g = g + 1j * rng.standard_normal(tuple(out.shape))
    return np.asarray(g).astype(str(out.dtype).split(".")[-1])


def _run(lib, fn, arrays, dtype):
    ts = [lib.from_numpy(a.astype(dtype) if a.dtype.kind == "c" else a.copy()).requires_grad_() for a in arrays]
    out = fn(lib, *ts)
    outs = out if isinstance(out, tuple) else (out,)
    live = [o for o in outs if o.requires_grad]
    grads = [lib.from_numpy(_upstream(o, 7 + k)) for k, o in enumerate(live)]
    lib.autograd.backward(live, grads)
    return [_np(o.detach()) for o in outs], [_np(t.grad) for t in ts]


def _np(t):
    return t.resolve_conj().numpy() if hasattr(t, "resolve_conj") else t.numpy()


def _compare(torch, fn, arrays, dtype="complex128", rtol=1e-7, atol=1e-9):
    t_out, t_grad = _run(torch, fn, arrays, dtype)
    e_out, e_grad = _run(ember, fn, arrays, dtype)
    for e, t in zip(e_out, t_out):
        assert e.dtype == t.dtype and e.shape == t.shape
        np.testing.assert_allclose(e, t, rtol=rtol, atol=atol)
    for e, t in zip(e_grad, t_grad):
        assert e.dtype == t.dtype
        np.testing.assert_allclose(e, t, rtol=rtol, atol=atol)


def _recon_svd(m, a, full=False):
    u, s, vh = m.linalg.svd(a, full_matrices=full)
    return (u[..., :, : s.shape[-1]] * s.to(u.dtype).unsqueeze(-2)) @ vh[..., : s.shape[-1], :]


PRODUCTS = {
    "matmul": (lambda m, a, b: m.matmul(a, b), [_A, _B]),
    "matmul-batch-2d": (lambda m, a, b: a @ b, [_BA, _B]),
    "mv": (lambda m, a, b: m.mv(a, b), [_A, _V]),
    "vec-mat": (lambda m, a, b: a @ b, [_V, _A]),
    "dot-no-conj": (lambda m, a, b: m.dot(a, b), [_V, _W]),
    "vdot-conj-first": (lambda m, a, b: m.vdot(a, b), [_V, _W]),
    "bmm": (lambda m, a, b: m.bmm(a, b), [_BA, _BB]),
    "inner": (lambda m, a, b: m.inner(a, b), [_A, _B]),
    "outer": (lambda m, a, b: m.outer(a, b), [_V, _W]),
    "ger": (lambda m, a, b: m.ger(a, b), [_V, _W]),
    "tensordot": (lambda m, a, b: m.tensordot(a, b, dims=1), [_A, _B]),
    "einsum": (lambda m, a, b: m.einsum("bij,bkj->bik", a, b), [_BA, _BB]),
    "kron": (lambda m, a, b: m.kron(a, b), [_A, _B]),
    "addmm": (lambda m, x, a, b: m.addmm(x, a, b, beta=0.5, alpha=2), [_B, _A, _B]),
    "addmm-complex-scales": (lambda m, x, a, b: m.addmm(x, a, b, beta=0.5 - 1j, alpha=2 + 1j), [_B, _A, _B]),
    "addmv": (lambda m, x, a, b: m.addmv(x, a, b, alpha=1 + 2j), [_V, _A, _W]),
    "addbmm": (lambda m, x, a, b: m.addbmm(x, a, b, beta=2j), [_A, _BA, _BB]),
    "baddbmm": (lambda m, x, a, b: m.baddbmm(x, a, b, alpha=1j), [_BA, _BA, _BB]),
    "addr": (lambda m, x, a, b: m.addr(x, a, b, alpha=1 - 1j), [_A, _V, _W]),
    "linear": (lambda m, x, w: m.nn.functional.linear(x, w), [_A, _B]),
    "linear-bias-3d": (lambda m, x, w, b: m.nn.functional.linear(x, w, b), [_BA, _B, _V]),
    "multi_dot": (lambda m, a, b: m.linalg.multi_dot([a, b, a]), [_A, _B]),
    "chain_matmul": (lambda m, a, b: m.chain_matmul(a, b), [_A, _B]),
    "cross": (lambda m, a, b: m.linalg.cross(a, b), [_A, _B]),
    "trace": (lambda m, a: m.trace(a), [_A]),
    "diag": (lambda m, a: m.diag(a), [_A]),
    "vecdot-conj-first": (lambda m, a, b: m.linalg.vecdot(a, b), [_A, _B]),
    "real-times-complex": (lambda m, a, b: a.to(b.dtype) @ b, [_A.real.copy(), _B]),
}

LINALG = {
    "inv": (lambda m, a: m.linalg.inv(a), [_A]),
    "inv_ex": (lambda m, a: m.linalg.inv_ex(a).inverse, [_A]),
    "tensorinv": (lambda m, a: m.linalg.tensorinv(a, ind=1), [_A]),
    "det": (lambda m, a: m.linalg.det(a), [_A]),
    "det-singular": (lambda m, a: m.linalg.det(a), [np.outer(_V, _W)]),
    "slogdet-complex-sign": (lambda m, a: tuple(m.linalg.slogdet(a)), [_A]),
    "logdet": (lambda m, a: m.logdet(a), [_A]),
    "solve": (lambda m, a, b: m.linalg.solve(a, b), [_A, _B]),
    "solve-vector": (lambda m, a, b: m.linalg.solve(a, b), [_A, _V]),
    "solve-right": (lambda m, a, b: m.linalg.solve(a, b, left=False), [_A, _B]),
    "solve_ex": (lambda m, a, b: m.linalg.solve_ex(a, b).result, [_A, _B]),
    "tensorsolve": (lambda m, a, b: m.linalg.tensorsolve(a, b), [_A, _V]),
    "solve_triangular": (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True), [_A, _B]),
    "solve_triangular-right-unit": (
        lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False, left=False, unitriangular=True), [_A, _B]),
    "lstsq": (lambda m, a, b: m.linalg.lstsq(a, b).solution, [_TALL, _c(4, 2)]),
    "lstsq-gelsd-residuals": (lambda m, a, b: tuple(m.linalg.lstsq(a, b, driver="gelsd"))[:2], [_TALL, _c(4, 2)]),
    "cholesky": (lambda m, a: m.linalg.cholesky(a), [_HERM]),
    "cholesky-upper": (lambda m, a: m.linalg.cholesky(a, upper=True), [_HERM]),
    "cholesky_ex-upper": (lambda m, a: m.linalg.cholesky_ex(a, upper=True).L, [_HERM]),
    "cholesky_solve": (lambda m, b, f: m.cholesky_solve(b, f), [_B, _LOW]),
    "cholesky_solve-upper": (lambda m, b, f: m.cholesky_solve(b, f, upper=True), [_B, _LOW.conj().T.copy()]),
    "cholesky_inverse": (lambda m, f: m.cholesky_inverse(f), [_LOW]),
    "eigvalsh": (lambda m, a: m.linalg.eigvalsh(a), [_HERM]),
    "eigh-reconstruct": (lambda m, a: (lambda w, v: (v * w.to(v.dtype).unsqueeze(-2)) @ v.mT.conj())(
        *m.linalg.eigh(a)), [_HERM]),
    "eigh-vector-magnitudes": (lambda m, a: m.linalg.eigh(a, UPLO="U").eigenvectors.abs(), [_HERM]),
    "eigvals": (lambda m, a: m.linalg.eigvals(a), [_A]),
    "eig-vector-magnitudes": (lambda m, a: m.linalg.eig(a).eigenvectors.abs(), [_A]),
    "eig-real-input": (lambda m, a: m.linalg.eig(a).eigenvalues, [_A.real.copy()]),
    "eig-real-input-vectors": (lambda m, a: m.linalg.eig(a).eigenvectors.abs(), [_A.real.copy()]),
    "svdvals": (lambda m, a: m.linalg.svdvals(a), [_A]),
    "svd-reconstruct-tall": (_recon_svd, [_TALL]),
    "svd-reconstruct-wide": (_recon_svd, [_WIDE]),
    "svd-full-reconstruct": (lambda m, a: _recon_svd(m, a, True), [_TALL]),
    "svd-magnitudes": (lambda m, a: tuple(t.abs() for t in m.linalg.svd(a, full_matrices=False)), [_WIDE]),
    "qr-tall": (lambda m, a: tuple(m.linalg.qr(a)), [_TALL]),
    "qr-wide": (lambda m, a: tuple(m.linalg.qr(a)), [_WIDE]),
    "qr-complete-square": (lambda m, a: tuple(m.linalg.qr(a, mode="complete")), [_A]),
    "pinv": (lambda m, a: m.linalg.pinv(a), [_TALL]),
    "pinv-hermitian": (lambda m, a: m.linalg.pinv(a, hermitian=True), [_HERM]),
    "matrix_norm-fro": (lambda m, a: m.linalg.matrix_norm(a), [_A]),
    "matrix_norm-nuc": (lambda m, a: m.linalg.matrix_norm(a, "nuc"), [_A]),
    "matrix_norm-2": (lambda m, a: m.linalg.matrix_norm(a, 2), [_A]),
    "matrix_norm-1": (lambda m, a: m.linalg.matrix_norm(a, 1), [_A]),
    "matrix_norm-inf": (lambda m, a: m.linalg.matrix_norm(a, float("inf")), [_A]),
    "vector_norm": (lambda m, a: m.linalg.vector_norm(a), [_A]),
    "vector_norm-3": (lambda m, a: m.linalg.vector_norm(a, 3, dim=0), [_A]),
    "vector_norm-1": (lambda m, a: m.linalg.vector_norm(a, 1, dim=1), [_A]),
    "vector_norm-inf": (lambda m, a: m.linalg.vector_norm(a, float("inf"), dim=1), [_A]),
    "norm": (lambda m, a: m.linalg.norm(a), [_A]),
    "torch.norm-nuc": (lambda m, a: m.norm(a, "nuc"), [_A]),
    "dist": (lambda m, a, b: m.dist(a, b), [_A, _B]),
    "cond": (lambda m, a: m.linalg.cond(a), [_A]),
    "matrix_power": (lambda m, a: m.linalg.matrix_power(a, 3), [_A]),
    "matrix_power-negative": (lambda m, a: m.linalg.matrix_power(a, -2), [_A]),
    "matrix_exp": (lambda m, a: m.linalg.matrix_exp(a), [_A]),
    "lu": (lambda m, a: tuple(m.linalg.lu(a))[1:], [_A]),
    "lu-tall": (lambda m, a: tuple(m.linalg.lu(a))[1:], [_TALL]),
    "lu-wide": (lambda m, a: tuple(m.linalg.lu(a))[1:], [_WIDE]),
    "lu_factor": (lambda m, a: tuple(m.linalg.lu_factor(a)), [_A]),
    "lu_unpack": (lambda m, a: tuple(m.lu_unpack(*m.linalg.lu_factor(a)))[1:], [_A]),
    "lu_solve": (lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b), [_A, _B]),
    "lu_solve-adjoint": (lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b, adjoint=True), [_A, _B]),
    "lu_solve-right": (lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b, left=False), [_A, _B]),
    "lu_solve-right-adjoint": (
        lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b, left=False, adjoint=True), [_A, _B]),
    "householder_product": (lambda m, a, t: m.linalg.householder_product(a, t), [_TALL, _V]),
    "vander": (lambda m, a: m.linalg.vander(a), [_V]),
}


@pytest.mark.parametrize("name", list(PRODUCTS))
def test_products(torch, name):
    fn, arrays = PRODUCTS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # chain_matmul's deprecation
        _compare(torch, fn, arrays)


@pytest.mark.parametrize("name", list(LINALG))
def test_linalg(torch, name):
    fn, arrays = LINALG[name]
    _compare(torch, fn, arrays)


@pytest.mark.parametrize("name", ["matmul", "addmm", "vdot-conj-first", "linear-bias-3d", "cross"])
def test_products_complex64(torch, name):
    fn, arrays = PRODUCTS[name]
    _compare(torch, fn, arrays, "complex64", rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["inv", "slogdet-complex-sign", "cholesky", "eigvals", "svd-reconstruct-tall",
                                  "qr-tall", "matrix_exp", "lu_solve", "eigh-reconstruct", "vector_norm"])
def test_linalg_complex64(torch, name):
    fn, arrays = LINALG[name]
    _compare(torch, fn, arrays, "complex64", rtol=2e-4, atol=2e-4)


GRADCHECK = {
    "inv": lambda m, a: m.linalg.inv(a),
    "det": lambda m, a: m.linalg.det(a),
    "slogdet": lambda m, a: tuple(m.linalg.slogdet(a)),
    "solve": lambda m, a: m.linalg.solve(a, a.mT),
    "eigvals": lambda m, a: m.linalg.eigvals(a),
    "svdvals": lambda m, a: m.linalg.svdvals(a),
    "qr": lambda m, a: tuple(m.linalg.qr(a)),
    "lu": lambda m, a: tuple(m.linalg.lu(a))[1:],
    "matrix_exp": lambda m, a: m.linalg.matrix_exp(a),
    "pinv": lambda m, a: m.linalg.pinv(a),
    "cholesky-of-hermitian-part": lambda m, a: m.linalg.cholesky(a @ a.mT.conj() + 3 * m.eye(3, dtype=a.dtype)),
    "addmm-complex-scales": lambda m, a: m.addmm(a, a, a.mT, beta=0.5 - 1j, alpha=2 + 1j),
    "vdot": lambda m, a: m.vdot(a[0], a[1]),
}


@pytest.mark.parametrize("name", list(GRADCHECK))
def test_gradient_convention_by_gradcheck(name):
    # PyTorch's convention independently of torch: finite differences along both axes of each complex element
    x = ember.from_numpy(_A.copy()).requires_grad_()
    assert ember.autograd.gradcheck(lambda a: GRADCHECK[name](ember, a), (x,))


def test_gradcheck_catches_a_missing_conjugation(monkeypatch):
    # the check above can fail: the real formulas (transposes without the conjugate) give wrong complex gradients
    import ember._ops.linalg as ops
    monkeypatch.setattr(ops, "_cj", lambda a: a)
    monkeypatch.setattr(ops, "_H", ops._mT)
    for name in ("inv", "det", "eigvals", "qr", "matrix_exp", "addmm-complex-scales", "vdot"):
        x = ember.from_numpy(_A.copy()).requires_grad_()
        assert not ember.autograd.gradcheck(lambda a, n=name: GRADCHECK[n](ember, a), (x,), raise_exception=False)


@pytest.mark.parametrize("p", [1, -1, float("inf"), "fro", "nuc", -2])
def test_cond_orders(torch, p):
    # values only: torch's own backward of cond(A, 1) for complex A trips its in-place check
    e, t = ember.linalg.cond(ember.from_numpy(_A.copy()), p), torch.linalg.cond(torch.from_numpy(_A.copy()), p)
    assert e.dtype == ember.float64
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10)


def test_eig_of_real_matrix_is_complex(torch):
    # rotation-like: complex eigenvalues from a real float32 matrix give complex64, as torch (float64 -> complex128)
    a = np.array([[0.0, -2.0, 1.0], [1.0, 0.0, 0.5], [0.0, 0.3, 1.0]], dtype=np.float32)
    for dt in (np.float32, np.float64):
        e, t = ember.linalg.eig(ember.from_numpy(a.astype(dt))), torch.linalg.eig(torch.from_numpy(a.astype(dt)))
        assert str(e.eigenvalues.dtype).split(".")[-1] == str(t.eigenvalues.dtype).split(".")[-1]
        assert e.eigenvectors.dtype == e.eigenvalues.dtype
        np.testing.assert_allclose(e.eigenvalues.numpy(), t.eigenvalues.numpy(), rtol=1e-5)
        np.testing.assert_allclose(e.eigenvectors.numpy(), t.eigenvectors.numpy(), rtol=1e-4, atol=1e-5)
        ev = ember.linalg.eigvals(ember.from_numpy(np.eye(2, dtype=dt)))
        assert ev.is_complex() and ev.tolist() == [1, 1]


@pytest.mark.parametrize("fn", [
    lambda m, a: m.linalg.svd(a).U,
    lambda m, a: m.linalg.eigh(a @ a.mT.conj()).eigenvectors,
    lambda m, a: m.linalg.eig(a).eigenvectors,
], ids=["svd", "eigh", "eig"])
def test_phase_dependent_losses_raise(torch, fn):
    # complex singular/eigen vectors are defined up to a phase: a loss that depends on it has no gradient
    msgs = []
    for m in (torch, ember):
        a = m.from_numpy(_A.copy()).requires_grad_()
        out = fn(m, a)
        with pytest.raises(RuntimeError) as info:
            out.backward(m.from_numpy(_upstream(out, 1)))
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize("array", [_A, _A.real.copy()], ids=["complex", "real"])
def test_slogdet_sign_is_in_the_graph_as_torch(torch, array):
    # the sign has a grad_fn also for real A (its gradient is zero there, the complex phase's is not); logabsdet
    # is real
    res = []
    for m in (torch, ember):
        a = m.from_numpy(array.copy()).requires_grad_()
        r = m.linalg.slogdet(a)
        (r.sign * r.logabsdet).real.backward() if r.sign.is_complex() else (r.sign * r.logabsdet).backward()
        res.append((r.sign.requires_grad, r.sign.grad_fn.name(), str(r.logabsdet.dtype).split(".")[-1],
                    _np(a.grad)))
    assert res[1][:3] == res[0][:3] and res[0][1] == "LinalgSlogdetBackward0"
    np.testing.assert_allclose(res[1][3], res[0][3], rtol=1e-10, atol=1e-12)


def test_linear_module_complex(torch):
    # nn.Linear with complex weights: complex initial values (both parts drawn), forward and gradients as torch
    lin = ember.nn.Linear(3, 2, dtype=ember.complex64)
    assert lin.weight.dtype == ember.complex64 and lin.weight.requires_grad
    assert bool((lin.weight.imag != 0).any())
    w, b, x = (a.astype(np.complex64) for a in (_c(2, 3), _c(2), _c(4, 3)))
    g = _c(4, 2).astype(np.complex64)
    res = []
    for m in (torch, ember):
        layer = m.nn.Linear(3, 2, dtype=m.complex64)
        with m.no_grad():
            layer.weight.copy_(m.from_numpy(w))
            layer.bias.copy_(m.from_numpy(b))
            fast = layer(m.from_numpy(x)).numpy()
        xt = m.from_numpy(x).requires_grad_()
        y = layer(xt)
        y.backward(m.from_numpy(g))
        res.append((fast, y.detach().numpy(), layer.weight.grad.numpy(), layer.bias.grad.numpy(), xt.grad.numpy()))
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-5)


def test_double_backward_of_matmul(torch):
    res = []
    for m in (torch, ember):
        a, b = (m.from_numpy(z.copy()).requires_grad_() for z in (_A, _B))
        out = a @ b
        (ga,) = m.autograd.grad(out, a, m.from_numpy(_upstream(out, 2)), create_graph=True)
        ga.backward(m.from_numpy(_upstream(ga, 3)))
        res.append((_np(ga.detach()), _np(b.grad)))
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-12)


def _mixed(m, a, b):
    return a, b.to(m.complex64)


ERRORS = {
    "matmul-dtypes": lambda m, r, c: r @ c,
    "dot-dtypes": lambda m, r, c: m.dot(r[0], c[0]),
    "vdot-dtypes": lambda m, r, c: m.vdot(r[0], c[0]),
    "linear-dtypes": lambda m, r, c: m.nn.functional.linear(r, c),
    "linear-bias-dtype": lambda m, r, c: m.nn.functional.linear(c, c, r[0]),
    "addmm-dtypes": lambda m, r, c: m.addmm(r, r, c),
    "solve-dtypes": lambda m, r, c: m.linalg.solve(c, r),
    "lstsq-dtypes": lambda m, r, c: m.linalg.lstsq(c, r),
    "cross-dtypes": lambda m, r, c: m.linalg.cross(r, c),
    "multi_dot-dtypes": lambda m, r, c: m.linalg.multi_dot([c, r]),
    "inv-singular": lambda m, r, c: m.linalg.inv(c),
    "cholesky-not-pd": lambda m, r, c: m.linalg.cholesky(-m.eye(3, dtype=c.dtype)),
    "eig-int": lambda m, r, c: m.linalg.eig(r.long()),
    "eig-half": lambda m, r, c: m.linalg.eig(r.half()),
    "eig-not-square": lambda m, r, c: m.linalg.eig(c[:2]),
    "eigvals-1d": lambda m, r, c: m.linalg.eigvals(c[0]),
    "vector_norm-real-dtype-for-complex": lambda m, r, c: m.linalg.vector_norm(c, dtype=m.float64),
    "vector_norm-complex-dtype-for-real": lambda m, r, c: m.linalg.vector_norm(r, dtype=m.complex128),
    "cdist": lambda m, r, c: m.cdist(c, c),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors(torch, name):
    r = np.ones((3, 3), np.float32)
    c = (np.ones((3, 3)) * (1 + 1j)).astype(np.complex64)
    got = []
    for m in (torch, ember):
        with pytest.raises(Exception) as info:
            ERRORS[name](m, m.from_numpy(r.copy()), m.from_numpy(c.copy()))
        got.append((type(info.value).__name__.lstrip("_"), str(info.value)))
    assert got[1] == got[0]
