"""MultivariateNormal (covariance / precision / scale_tril) and LowRankMultivariateNormal against PyTorch."""

import numpy as np
import pytest

import ember
from ember.distributions import LowRankMultivariateNormal, MultivariateNormal
from tests.distributions._helpers import check_moments, check_samples, compare

R = np.random.default_rng(4)
LOC = R.standard_normal((2, 3))
A = R.standard_normal((2, 3, 3))
COV = A @ np.swapaxes(A, -1, -2) + 0.5 * np.eye(3)
PREC = np.linalg.inv(COV)
TRIL = np.linalg.cholesky(COV)
VAL = R.standard_normal((4, 2, 3))
W = R.standard_normal((2, 3, 2))
D = R.uniform(0.5, 2.0, (2, 3))

CASES = {
    "covariance": (lambda m, mu, c: m.distributions.MultivariateNormal(mu, covariance_matrix=c), [LOC, COV]),
    "precision": (lambda m, mu, p: m.distributions.MultivariateNormal(mu, precision_matrix=p), [LOC, PREC]),
    "scale_tril": (lambda m, mu, s: m.distributions.MultivariateNormal(mu, scale_tril=s), [LOC, TRIL]),
    "broadcast-loc": (lambda m, mu, c: m.distributions.MultivariateNormal(mu, covariance_matrix=c), [LOC[0], COV]),
    "broadcast-cov": (lambda m, mu, c: m.distributions.MultivariateNormal(mu, covariance_matrix=c), [LOC, COV[0]]),
    "lowrank": (lambda m, mu, w, d: m.distributions.LowRankMultivariateNormal(mu, w, d), [LOC, W, D]),
    "lowrank-broadcast": (lambda m, mu, w, d: m.distributions.LowRankMultivariateNormal(mu, w, d),
                          [LOC, W[0], D[0]]),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_against_torch(torch, name, dtype):
    make, params = CASES[name]
    tol = dict(rtol=1e-4, atol=1e-4, grad_rtol=2e-3) if dtype == "float32" else {}
    td, ed = compare(torch, make, params, value=VAL, dtype=dtype, **tol)
    for attr in ("scale_tril", "covariance_matrix", "precision_matrix"):
        t, e = getattr(td, attr), getattr(ed, attr)
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-4 if dtype == "float32" else 1e-8,
                                   atol=1e-4 if dtype == "float32" else 1e-9, err_msg=attr)


@pytest.mark.parametrize("attr", ["scale_tril", "covariance_matrix", "precision_matrix"])
def test_derived_matrix_gradients(torch, attr):
    grads = []
    for lib in (torch, ember):
        c = lib.tensor(COV, requires_grad=True)
        d = lib.distributions.MultivariateNormal(lib.tensor(LOC), covariance_matrix=c)
        (getattr(d, attr) * lib.tensor(A)).sum().backward()
        grads.append(c.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-7, atol=1e-9)


def test_samples_and_moments():
    cov = ember.tensor([[2.0, 0.6], [0.6, 1.0]])
    d = MultivariateNormal(ember.tensor([1.0, -1.0]), covariance_matrix=cov)
    check_samples(d, (3, 2), dtype=ember.float32)
    check_samples(d.expand((4,)), (3,), dtype=ember.float32)
    check_moments(d)
    s = d.sample((200_000,)).double().numpy()
    np.testing.assert_allclose(np.cov(s.T), cov.numpy(), atol=0.03)
    lr = LowRankMultivariateNormal(ember.zeros(3), ember.tensor([[1.0], [0.5], [0.0]]), ember.tensor([0.5, 1.0, 2.0]))
    check_samples(lr, (3,), dtype=ember.float32)
    s = lr.sample((200_000,)).double().numpy()
    np.testing.assert_allclose(np.cov(s.T), lr.covariance_matrix.numpy(), atol=0.03)


def test_rsample_gradient():
    loc = ember.tensor([1.0, 2.0], requires_grad=True)
    tril = ember.tensor([[1.0, 0.0], [0.5, 2.0]], requires_grad=True)
    x = MultivariateNormal(loc, scale_tril=tril).rsample((5,))
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [5.0, 5.0])
    eps = ember.linalg.solve_triangular(tril.detach(), (x.detach() - loc.detach()).T, upper=False)  # (2, 5)
    # d sum(L eps) / d L[i, j] = sum of eps[j] over the draws (for every entry of the leaf, as in PyTorch)
    np.testing.assert_allclose(tril.grad.numpy(), np.ones((2, 1)) @ eps.sum(1).numpy()[None, :], rtol=1e-5,
                               atol=1e-5)


def test_parameter_errors(torch):
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="loc must be at least one-dimensional."):
            lib.distributions.MultivariateNormal(lib.tensor(0.0), lib.eye(1))
        with pytest.raises(ValueError, match="Exactly one of covariance_matrix or precision_matrix or scale_tril"):
            lib.distributions.MultivariateNormal(lib.zeros(2))
        with pytest.raises(ValueError, match="Exactly one of covariance_matrix or precision_matrix or scale_tril"):
            lib.distributions.MultivariateNormal(lib.zeros(2), lib.eye(2), scale_tril=lib.eye(2))
        for kw in ("covariance_matrix", "precision_matrix", "scale_tril"):
            with pytest.raises(ValueError, match=f"{kw}.* must be at least two-dimensional, with optional leading"):
                lib.distributions.MultivariateNormal(lib.zeros(2), **{kw: lib.ones(2)})
        with pytest.raises(ValueError, match="covariance_matrix .*PositiveDefinite"):
            lib.distributions.MultivariateNormal(lib.zeros(2), lib.tensor([[1.0, 2.0], [2.0, 1.0]]))
        with pytest.raises(ValueError, match="scale_tril .*LowerCholesky"):
            lib.distributions.MultivariateNormal(lib.zeros(2), scale_tril=lib.tensor([[1.0, 1.0], [0.0, 1.0]]))
        with pytest.raises(ValueError, match="cov_factor must be at least two-dimensional"):
            lib.distributions.LowRankMultivariateNormal(lib.zeros(2), lib.ones(2), lib.ones(2))
        with pytest.raises(ValueError, match="cov_factor must be a batch of matrices with shape 2 x m"):
            lib.distributions.LowRankMultivariateNormal(lib.zeros(2), lib.ones(3, 1), lib.ones(2))
        with pytest.raises(ValueError, match="cov_diag must be a batch of vectors with shape"):
            lib.distributions.LowRankMultivariateNormal(lib.zeros(2), lib.ones(2, 1), lib.ones(3))
        with pytest.raises(ValueError, match="Incompatible batch shapes: loc"):
            lib.distributions.LowRankMultivariateNormal(lib.zeros(3, 2), lib.ones(4, 2, 1), lib.ones(2))


def test_log_prob_value_shape_errors(torch):
    msgs = []
    for lib in (torch, ember):
        d = lib.distributions.MultivariateNormal(lib.zeros(3), lib.eye(3))
        with pytest.raises(ValueError) as info:
            d.log_prob(lib.zeros(2))
        msgs.append(str(info.value).replace("torch.", "ember."))
    assert msgs[0] == msgs[1]
