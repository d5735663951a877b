"""Second derivatives (``create_graph=True``) of the linalg decompositions and solvers, against PyTorch.

For each function ``f``: ``g = grad(f(A, ...), inputs, v, create_graph=True)`` with a random upstream ``v``, then
``grad(sum(g * w), inputs + v)`` with a random ``w``; both compared with torch. Eigen/singular vectors enter only
through functions that do not depend on their signs/phases (as torch's own tests do), so that the two libraries'
LAPACK conventions cannot matter. Plus ``gradgradcheck`` (finite differences) on small well-conditioned inputs.
"""

import warnings

import numpy as np
import pytest

import ember

_RNG = np.random.default_rng(1234)


def _eye(m, a):
    return m.eye(a.shape[-1], dtype=a.dtype)


def _wc(m, a):
    """Well-conditioned (diagonally dominated) square matrices."""
    return a + 4 * _eye(m, a)


def _spd(m, a):
    """Hermitian positive-definite matrices."""
    return a @ a.mH + a.shape[-1] * _eye(m, a)


def _herm(m, a):
    return a + a.mH


def _eigh_fn(m, a):
    w, v = m.linalg.eigh(_herm(m, a))
    return w, (v * w.exp()[..., None, :]) @ v.mH, v.abs()


def _svd_fn(m, a):
    u, s, vh = m.linalg.svd(a, full_matrices=False)
    return s, u @ vh, (u * s.sqrt()[..., None, :]) @ vh


def _eig_fn(m, a):
    w, v = m.linalg.eig(a)
    return w, (v * w.exp()[..., None, :]) @ m.linalg.inv(v), v.abs()


def _lu_pl(m, a):
    _, low, up = m.linalg.lu(a)
    return low, up


def _deprecated(fn):
    def call(m, *args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(m, *args)
    return call


# name: (function of (module, *tensors), input shapes, also complex)
CASES = {
    # solve_triangular: every variant, batched (B broadcasting over A's batch in two cases)
    **{f"solve_triangular-{'U' if up else 'L'}-{'left' if left else 'right'}{'-unit' if unit else ''}": (
        lambda m, a, b, up=up, left=left, unit=unit: m.linalg.solve_triangular(
            _wc(m, a), b, upper=up, left=left, unitriangular=unit),
        [(2, 3, 3), (2, 3, 3)], True)
       for up in (True, False) for left in (True, False) for unit in (False, True)},
    "solve_triangular-broadcast": (lambda m, a, b: m.linalg.solve_triangular(_wc(m, a), b, upper=False),
                                   [(3, 3), (2, 3, 2)], False),
    "triangular_solve-transpose": (_deprecated(lambda m, a, b: m.triangular_solve(b, _wc(m, a), transpose=True)[0]),
                                   [(2, 3, 3), (2, 3, 2)], False),
    # Cholesky
    "cholesky": (lambda m, a: m.linalg.cholesky(_spd(m, a)), [(2, 3, 3)], True),
    "cholesky-upper": (lambda m, a: m.linalg.cholesky(_spd(m, a), upper=True), [(2, 3, 3)], True),
    "cholesky-lower-triangle-read": (lambda m, a, b: m.linalg.cholesky(_spd(m, a) + b.triu(1)),
                                     [(3, 3), (3, 3)], True),
    "cholesky_ex": (lambda m, a: m.linalg.cholesky_ex(_spd(m, a)).L, [(2, 3, 3)], True),
    "cholesky_ex-upper": (lambda m, a: m.linalg.cholesky_ex(_spd(m, a), upper=True).L, [(3, 3)], False),
    "torch.cholesky": (_deprecated(lambda m, a: m.cholesky(_spd(m, a))), [(3, 3)], False),
    "cholesky_solve": (lambda m, b, f: m.cholesky_solve(b, _wc(m, f)), [(2, 3, 2), (2, 3, 3)], True),
    "cholesky_solve-upper": (lambda m, b, f: m.cholesky_solve(b, _wc(m, f), upper=True), [(2, 3, 2), (3, 3)], True),
    "cholesky_inverse": (lambda m, f: m.cholesky_inverse(_wc(m, f)), [(3, 3)], False),
    # inv_ex / solve_ex
    "inv_ex": (lambda m, a: m.linalg.inv_ex(_wc(m, a)).inverse, [(2, 3, 3)], True),
    "solve_ex": (lambda m, a, b: m.linalg.solve_ex(_wc(m, a), b).result, [(2, 3, 3), (2, 3, 2)], True),
    "solve_ex-vector": (lambda m, a, b: m.linalg.solve_ex(_wc(m, a), b).result, [(3, 3), (3,)], True),
    "solve_ex-right": (lambda m, a, b: m.linalg.solve_ex(_wc(m, a), b, left=False).result, [(3, 3), (2, 3)], True),
    # eigh / eigvalsh
    "eigh": (_eigh_fn, [(2, 4, 4)], True),
    "eigh-upper": (lambda m, a: m.linalg.eigh(a, UPLO="U").eigenvectors.abs(), [(4, 4)], True),
    "eigh-values-only": (lambda m, a: m.linalg.eigh(_herm(m, a)).eigenvalues, [(3, 3)], False),
    "eigvalsh": (lambda m, a: m.linalg.eigvalsh(_herm(m, a)), [(2, 4, 4)], True),
    # svd / svdvals
    "svd-tall": (_svd_fn, [(2, 4, 3)], True),
    "svd-wide": (_svd_fn, [(2, 3, 4)], True),
    "svd-square": (_svd_fn, [(3, 3)], True),
    "svd-full-matrices": (lambda m, a: tuple(t.abs() for t in m.linalg.svd(a)[::2]), [(4, 3)], True),
    "svdvals": (lambda m, a: m.linalg.svdvals(a), [(2, 4, 3)], True),
    "torch.svd": (lambda m, a: (lambda u, s, v: (s, u @ v.mH))(*m.svd(a)), [(3, 4)], False),
    # qr
    "qr-tall": (lambda m, a: tuple(m.linalg.qr(a)), [(2, 4, 3)], True),
    "qr-wide": (lambda m, a: tuple(m.linalg.qr(a)), [(2, 3, 4)], True),
    "qr-square-R-only": (lambda m, a: m.linalg.qr(a).R, [(3, 3)], False),
    "qr-complete": (lambda m, a: tuple(m.linalg.qr(a, mode="complete")), [(3, 4)], True),
    # pinv / lstsq
    "pinv-tall": (lambda m, a: m.linalg.pinv(a), [(2, 4, 3)], True),
    "pinv-wide": (lambda m, a: m.linalg.pinv(a), [(3, 4)], True),
    "pinv-hermitian": (lambda m, a: m.linalg.pinv(_herm(m, a), hermitian=True), [(3, 3)], True),
    "pinverse": (lambda m, a: m.pinverse(a), [(4, 3)], False),
    "lstsq": (lambda m, a, b: m.linalg.lstsq(a, b).solution, [(2, 5, 3), (2, 5, 2)], True),
    "lstsq-residuals": (lambda m, a, b: tuple(m.linalg.lstsq(a, b, driver="gelsd")[:2]), [(2, 5, 3), (2, 5, 2)],
                        True),
    "lstsq-vector": (lambda m, a, b: m.linalg.lstsq(a, b).solution, [(5, 3), (5,)], False),
    # LU
    **{f"lu-{kind}": (_lu_pl, [shape], True)
       for kind, shape in (("square", (2, 3, 3)), ("tall", (2, 4, 3)), ("wide", (2, 3, 4)))},
    **{f"lu_factor-{kind}": (lambda m, a: m.linalg.lu_factor(a).LU, [shape], True)
       for kind, shape in (("square", (2, 3, 3)), ("tall", (4, 3)), ("wide", (3, 4)))},
    **{f"lu_unpack-{kind}": (lambda m, a: tuple(m.lu_unpack(*m.linalg.lu_factor(a)))[1:], [shape], True)
       for kind, shape in (("square", (3, 3)), ("tall", (4, 3)), ("wide", (2, 3, 4)))},
    **{f"lu_solve-{'left' if left else 'right'}{'-adjoint' if adj else ''}": (
        lambda m, a, b, left=left, adj=adj: m.linalg.lu_solve(*m.linalg.lu_factor(a), b, left=left, adjoint=adj),
        [(2, 3, 3), (2, 3, 3)], True)
       for left in (True, False) for adj in (False, True)},
    # matrix_exp
    "matrix_exp": (lambda m, a: m.linalg.matrix_exp(a), [(2, 3, 3)], True),
    "matrix_exp-large-norm": (lambda m, a: m.linalg.matrix_exp(3 * a), [(3, 3)], False),
    # eig / eigvals
    "eig": (_eig_fn, [(2, 3, 3)], True),
    "eigvals": (lambda m, a: m.linalg.eigvals(a), [(2, 3, 3)], True),
}

_PARAMS = [(name, False) for name in CASES] + [(name, True) for name, case in CASES.items() if case[2]]


def _array(shape, cplx, dtype=np.float64):
    a = _RNG.standard_normal(shape)
    if cplx:
        return (a + 1j * _RNG.standard_normal(shape)).astype(np.complex128 if dtype == np.float64 else np.complex64)
    return a.astype(dtype)


def _second_order(lib, fn, arrays, vs, ws):
    """``(first gradients, second gradients w.r.t. the inputs and the upstream v)`` as arrays."""
    ts = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(lib, *ts)
    outs = list(out) if isinstance(out, tuple) else [out]
    vts = [lib.tensor(v, requires_grad=True) for v in vs]
    first = lib.autograd.grad(outs, ts, vts, create_graph=True)
    total = sum(((g * lib.tensor(w)).real if g.is_complex() else g * lib.tensor(w)).sum() for g, w in zip(first, ws))
    second = lib.autograd.grad(total, ts + vts, allow_unused=True)
    as_np = [g.detach().resolve_conj().numpy() if hasattr(g, "resolve_conj") else g.detach().numpy()
             for g in first]
    as_np += [np.zeros_like(x) if g is None else
              (g.resolve_conj().numpy() if hasattr(g, "resolve_conj") else g.numpy())
              for g, x in zip(second, list(arrays) + list(vs))]
    return as_np


def _compare(torch, fn, arrays, rtol, atol):
    # upstream gradients shaped (and typed) as the outputs, weights as the first gradients
    outs = fn(torch, *[torch.tensor(a) for a in arrays])
    outs = outs if isinstance(outs, tuple) else (outs,)
    dt = arrays[0].dtype
    vs = [_array(tuple(o.shape), o.is_complex(), np.float32 if dt in (np.float32, np.complex64) else np.float64)
          for o in outs]
    ws = [_array(a.shape, a.dtype.kind == "c", np.float32 if dt in (np.float32, np.complex64) else np.float64)
          for a in arrays]
    got = _second_order(ember, fn, arrays, vs, ws)
    want = _second_order(torch, fn, arrays, vs, ws)
    for k, (g, t) in enumerate(zip(got, want)):
        scale = max(1.0, float(np.abs(t).max(initial=0.0)))
        np.testing.assert_allclose(g, t, rtol=rtol, atol=atol * scale, err_msg=f"result {k}")


@pytest.mark.parametrize("name,cplx", _PARAMS, ids=[f"{n}{'-complex' if c else ''}" for n, c in _PARAMS])
def test_double_backward_matches_torch(torch, name, cplx):
    fn, shapes, _ = CASES[name]
    _compare(torch, fn, [_array(s, cplx) for s in shapes], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ["solve_triangular-U-left", "cholesky", "cholesky_solve", "eigh", "svd-tall",
                                  "qr-tall", "lu_solve-left", "matrix_exp"])
def test_double_backward_matches_torch_float32(torch, name):
    fn, shapes, _ = CASES[name]
    _compare(torch, fn, [_array(s, False, np.float32) for s in shapes], rtol=2e-3, atol=2e-4)


def test_third_derivative_matches_torch(torch):
    """The formulas are differentiable again: a third derivative (Cholesky through two triangular solves)."""
    a = _array((3, 3), False)

    def third(lib):
        x = lib.tensor(a, requires_grad=True)
        y = lib.linalg.cholesky(_spd(lib, x)).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), x, create_graph=True)
        (k,) = lib.autograd.grad(h.sin().sum(), x)
        return k.numpy()

    np.testing.assert_allclose(third(ember), third(torch), rtol=1e-7, atol=1e-9)


# gradgradcheck: finite differences of the create_graph gradient, in float64 on small well-conditioned inputs
GRADGRAD = {
    "solve_triangular": (lambda a, b: ember.linalg.solve_triangular(_wc(ember, a), b, upper=True, left=False),
                         [(2, 2), (3, 2)]),
    "cholesky-upper": (lambda a: ember.linalg.cholesky(_spd(ember, a), upper=True), [(3, 3)]),
    "cholesky_ex": (lambda a: ember.linalg.cholesky_ex(_spd(ember, a)).L, [(2, 2)]),
    # (as PyTorch, the factor's gradient is that of the full product L L^H: the factor is made triangular first)
    "cholesky_solve": (lambda b, f: ember.cholesky_solve(b, _wc(ember, f).tril()), [(2, 1), (2, 2)]),
    "inv_ex": (lambda a: ember.linalg.inv_ex(_wc(ember, a)).inverse, [(2, 2)]),
    "solve_ex": (lambda a, b: ember.linalg.solve_ex(_wc(ember, a), b).result, [(2, 2), (2,)]),
    "eigh": (lambda a: _eigh_fn(ember, a)[1], [(3, 3)]),
    "svd": (lambda a: _svd_fn(ember, a)[1:], [(3, 2)]),
    "qr": (lambda a: tuple(ember.linalg.qr(a)), [(2, 3)]),
    "pinv": (lambda a: ember.linalg.pinv(a), [(3, 2)]),
    "lstsq": (lambda a, b: ember.linalg.lstsq(a, b).solution, [(3, 2), (3, 1)]),
    "lu": (lambda a: ember.linalg.lu(a)[1:], [(3, 2)]),
    "lu_solve": (lambda a, b: ember.linalg.lu_solve(*ember.linalg.lu_factor(_wc(ember, a)), b, adjoint=True),
                 [(2, 2), (2, 2)]),
    "matrix_exp": (lambda a: ember.linalg.matrix_exp(a), [(2, 2)]),
    "eig": (lambda a: _eig_fn(ember, a)[1], [(2, 2)]),
}


@pytest.mark.parametrize("name", list(GRADGRAD))
def test_gradgradcheck(name):
    fn, shapes = GRADGRAD[name]
    rng = np.random.default_rng(7)
    inputs = [ember.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    assert ember.autograd.gradgradcheck(fn, inputs, atol=1e-5, rtol=1e-4)


def test_gradgradcheck_complex():
    rng = np.random.default_rng(8)
    a = ember.tensor(rng.standard_normal((2, 2)) + 1j * rng.standard_normal((2, 2)), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x: ember.linalg.cholesky(_spd(ember, x)), [a], atol=1e-5, rtol=1e-4)
    assert ember.autograd.gradgradcheck(lambda x: _eigh_fn(ember, x)[1], [a], atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("fn", [
    lambda m, a: m.linalg.eigh(_herm(m, a)).eigenvectors.sum().abs(),
    lambda m, a: m.linalg.svd(a).U.sum().abs(),
    lambda m, a: m.linalg.eig(a).eigenvectors.sum().abs(),
])
def test_phase_dependent_loss_raises_with_create_graph(torch, fn):
    """With create_graph=True too, a loss that depends on the phases of complex eigen/singular vectors raises."""
    a = _array((3, 3), True)
    messages = []
    for lib in (ember, torch):
        x = lib.tensor(a, requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            lib.autograd.grad(fn(lib, x), x, create_graph=True)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_qr_errors_with_create_graph(torch):
    for mode, shape in (("r", (3, 3)), ("complete", (4, 3))):
        messages = []
        for lib in (ember, torch):
            x = lib.tensor(_array(shape, False), requires_grad=True)
            with pytest.raises(RuntimeError) as info:
                lib.autograd.grad(lib.linalg.qr(x, mode=mode).R.sum(), x, create_graph=True)
            messages.append(str(info.value))
        assert messages[0] == messages[1]
