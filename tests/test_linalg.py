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
])
def test_errors_match_torch(torch, call):
    messages = []
    for lib in (torch, ember):
        with pytest.raises(RuntimeError) as info:
            call(lib)
        messages.append(str(info.value).replace("torch.linalg.", "linalg."))
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
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated"):
        low = ember.cholesky(ember.tensor([[4.0, 2.0], [2.0, 3.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.cholesky(torch.tensor([[4.0, 2.0], [2.0, 3.0]]))
    np.testing.assert_allclose(low.numpy(), want.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ember.chain_matmul(ember.eye(2), ember.ones(2, 2)).numpy(), np.ones((2, 2)))


def test_det_gradient_at_a_singular_matrix_matches_torch(torch):
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    got = _grads(ember, lambda m, x: m.linalg.det(x), [a])
    want = _grads(torch, lambda m, x: m.linalg.det(x), [a])
    for g, t in zip(got, want):
        np.testing.assert_allclose(g, t, rtol=1e-7, atol=1e-9)
