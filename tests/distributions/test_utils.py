"""ember.distributions.utils against torch.distributions.utils."""

import numpy as np
import pytest

import ember
from ember.distributions import utils as U


def test_broadcast_all(torch):
    for t, e in [(torch.distributions.utils.broadcast_all(1, 2.5), U.broadcast_all(1, 2.5)),
                 (torch.distributions.utils.broadcast_all(torch.ones(2, dtype=torch.float64), 3),
                  U.broadcast_all(ember.ones(2, dtype=ember.float64), 3)),
                 (torch.distributions.utils.broadcast_all(torch.ones(2, 1), torch.zeros(3)),
                  U.broadcast_all(ember.ones(2, 1), ember.zeros(3)))]:
        for a, b in zip(e, t):
            assert tuple(a.shape) == tuple(b.shape) and str(a.dtype)[6:] == str(b.dtype)[6:]
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="Input arguments must all be instances of Number, torch.Tensor or objects"):
        U.broadcast_all(ember.ones(2), "a")
    for lib, fn in ((torch, torch.distributions.utils.broadcast_all), (ember, U.broadcast_all)):
        with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size of tensor b \(3\) at "
                                               "non-singleton dimension 0"):
            fn(lib.ones(2), lib.ones(3))


def test_broadcast_all_keeps_the_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    a, b = U.broadcast_all(x, ember.zeros(3, 1))
    a.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_probs_logits(torch):
    p = np.array([[0.0, 0.2, 0.8], [1.0, 0.5, 1e-9]])
    for binary in (False, True):
        t = torch.distributions.utils.probs_to_logits(torch.tensor(p), is_binary=binary)
        e = U.probs_to_logits(ember.tensor(p), is_binary=binary)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-12)
        z = np.array([[-3.0, 0.0, 2.0]])
        np.testing.assert_allclose(U.logits_to_probs(ember.tensor(z), is_binary=binary).numpy(),
                                   torch.distributions.utils.logits_to_probs(torch.tensor(z), binary).numpy(),
                                   rtol=1e-12)
    np.testing.assert_allclose(U.clamp_probs(ember.tensor([0.0, 1.0])).numpy(),
                               torch.distributions.utils.clamp_probs(torch.tensor([0.0, 1.0])).numpy())


def test_tril_vec(torch):
    TU = torch.distributions.utils
    for diag in (0, -1, 1):
        m = np.arange(16.0).reshape(4, 4)
        t = TU.tril_matrix_to_vec(torch.tensor(m), diag=diag)
        e = U.tril_matrix_to_vec(ember.tensor(m), diag=diag)
        np.testing.assert_array_equal(e.numpy(), t.numpy())
        v = np.arange(float(t.shape[-1]) * 2).reshape(2, -1)
        np.testing.assert_array_equal(U.vec_to_tril_matrix(ember.tensor(v), diag=diag).numpy(),
                                      TU.vec_to_tril_matrix(torch.tensor(v), diag=diag).numpy())
    with pytest.raises(ValueError, match="The size of last dimension is 5 which cannot be expressed as the lower"):
        U.vec_to_tril_matrix(ember.arange(5.0))
    x = ember.arange(3.0, requires_grad=True)
    (U.vec_to_tril_matrix(x) * ember.tensor([[1.0, 9.0], [2.0, 3.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0, 3.0])


def test_lazy_property():
    calls = []

    class Thing:
        @U.lazy_property
        def value(self):
            calls.append(1)
            return ember.ones(1) * 2

    t = Thing()
    assert float(t.value) == 2.0 and float(t.value) == 2.0 and len(calls) == 1
    assert "value" in t.__dict__
    assert isinstance(Thing.value, U.lazy_property) and isinstance(Thing.value, property)
    assert U.euler_constant == pytest.approx(0.5772156649015329)


def test_broadcast_all_and_parameters_keep_the_given_tensors(torch):
    # tensors already of the broadcast shape are the parameters themselves (leaves an optimiser can update)
    def run(lib):
        D = lib.distributions
        mu, sig = lib.zeros(3, requires_grad=True), lib.ones(3, requires_grad=True)
        a, b = D.utils.broadcast_all(mu, 2.0)
        q = D.Normal(mu, sig)
        q.log_prob(lib.ones(3)).sum().backward()
        g = lib.tensor([1.0, 2.0], requires_grad=True)
        cf, cd = lib.ones(2, 1, requires_grad=True), lib.ones(2, requires_grad=True)
        low = D.LowRankMultivariateNormal(lib.zeros(2), cf, cd)
        return (a is mu, q.loc is mu, q.scale is sig, q.loc.is_leaf, mu.grad.tolist(),
                D.Gamma(g, 1.0).concentration is g, D.Uniform(lib.zeros(2), g).high is g,
                D.StudentT(g).df is g, low.cov_factor is cf, low.cov_diag is cd,
                D.Normal(lib.zeros(2, 1), sig).scale is sig)

    assert run(ember) == run(torch)
    assert run(ember)[:4] == (True, True, True, True)


def test_is_tensor_like(torch):
    class Like:
        __torch_function__ = None

    for lib in (torch, ember):
        f = lib.distributions.utils.is_tensor_like
        assert [f(lib.ones(1)), f(lib.nn.Parameter(lib.ones(1))), f(Like()), f(Like), f(1.0), f([1.0])] == \
            [True, True, True, True, False, False]
