"""kl_divergence and register_kl against PyTorch: values and gradients for every registered pair."""

import warnings

import numpy as np
import pytest

import ember
from ember.distributions import Distribution, Normal, kl_divergence, register_kl
from ember.distributions.kl import _KL_REGISTRY

R = np.random.default_rng(6)


def _p(*shape, lo=0.5, hi=2.0):
    return R.uniform(lo, hi, shape)


def _r(*shape):
    return R.standard_normal(shape)


def _cov(n):
    a = R.standard_normal((2, n, n))
    return a @ np.swapaxes(a, -1, -2) + 0.5 * np.eye(n)


# name: (make_p, make_q, params_p, params_q); make(lib, *params)
N = lambda m, a, b: m.distributions.Normal(a, b)  # noqa: E731
U = lambda m, a, b: m.distributions.Uniform(a, a + b)  # noqa: E731
E = lambda m, r: m.distributions.Exponential(r)  # noqa: E731
G = lambda m, c, r: m.distributions.Gamma(c, r)  # noqa: E731
B = lambda m, a, b: m.distributions.Beta(a, b)  # noqa: E731
GU = lambda m, a, b: m.distributions.Gumbel(a, b)  # noqa: E731
L = lambda m, a, b: m.distributions.Laplace(a, b)  # noqa: E731
P = lambda m, s, a: m.distributions.Pareto(s, a)  # noqa: E731
CB = lambda m, p: m.distributions.ContinuousBernoulli(p)  # noqa: E731

CASES = {
    "Normal-Normal": (N, N, [_r(3), _p(3)], [_r(3), _p(3)]),
    "Normal-Normal-broadcast": (N, N, [_r(2, 3), _p(2, 3)], [_r(3), _p(3)]),
    "Bernoulli-Bernoulli": (lambda m, p: m.distributions.Bernoulli(p), lambda m, p: m.distributions.Bernoulli(p),
                            [_p(4, lo=0.05, hi=0.95)], [_p(4, lo=0.05, hi=0.95)]),
    "Bernoulli-Bernoulli-edges": (lambda m, p: m.distributions.Bernoulli(p),
                                  lambda m, p: m.distributions.Bernoulli(p),
                                  [np.array([0.0, 1.0, 0.5, 0.0, 0.3])], [np.array([0.5, 0.5, 0.0, 0.0, 1.0])]),
    "Categorical-Categorical": (lambda m, p: m.distributions.Categorical(p),
                                lambda m, p: m.distributions.Categorical(p), [_p(2, 4)], [_p(2, 4)]),
    "Categorical-Categorical-zeros": (lambda m, p: m.distributions.Categorical(p),
                                      lambda m, p: m.distributions.Categorical(p),
                                      [np.array([[0.0, 1.0, 1.0], [1.0, 1.0, 0.0]])],
                                      [np.array([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0]])]),
    "OneHotCategorical": (lambda m, p: m.distributions.OneHotCategorical(p),
                          lambda m, p: m.distributions.OneHotCategorical(p), [_p(2, 4)], [_p(2, 4)]),
    "Uniform-Uniform": (U, U, [np.array([0.0, 0.0, 1.0]), np.array([1.0, 1.0, 1.0])],
                        [np.array([-1.0, 0.5, 0.5]), np.array([3.0, 3.0, 2.0])]),
    "Beta-Beta": (B, B, [_p(3), _p(3)], [_p(3), _p(3)]),
    "Gamma-Gamma": (G, G, [_p(3), _p(3)], [_p(3), _p(3)]),
    "Exponential-Exponential": (E, E, [_p(3)], [_p(3)]),
    "Laplace-Laplace": (L, L, [_r(3), _p(3)], [_r(3), _p(3)]),
    "Cauchy-Cauchy": (lambda m, a, b: m.distributions.Cauchy(a, b), lambda m, a, b: m.distributions.Cauchy(a, b),
                      [_r(3), _p(3)], [_r(3), _p(3)]),
    "Gumbel-Gumbel": (GU, GU, [_r(3), _p(3)], [_r(3), _p(3)]),
    "HalfNormal-HalfNormal": (lambda m, s: m.distributions.HalfNormal(s), lambda m, s: m.distributions.HalfNormal(s),
                              [_p(3)], [_p(3)]),
    "LogNormal-LogNormal": (lambda m, a, b: m.distributions.LogNormal(a, b),
                            lambda m, a, b: m.distributions.LogNormal(a, b), [_r(3), _p(3)], [_r(3), _p(3)]),
    "Pareto-Pareto": (P, P, [_p(3), _p(3)], [_p(3), _p(3)]),
    "Poisson-Poisson": (lambda m, r: m.distributions.Poisson(r), lambda m, r: m.distributions.Poisson(r),
                        [_p(3)], [_p(3)]),
    "Geometric-Geometric": (lambda m, p: m.distributions.Geometric(p), lambda m, p: m.distributions.Geometric(p),
                            [_p(3, lo=0.1, hi=0.9)], [_p(3, lo=0.1, hi=0.9)]),
    "Binomial-Binomial": (lambda m, p: m.distributions.Binomial(5, p), lambda m, p: m.distributions.Binomial(5, p),
                          [_p(3, lo=0.1, hi=0.9)], [_p(3, lo=0.1, hi=0.9)]),
    "Binomial-Binomial-inf": (lambda m, p: m.distributions.Binomial(m.tensor([5.0, 6.0]), p),
                              lambda m, p: m.distributions.Binomial(5, p), [_p(2, lo=0.1, hi=0.9)],
                              [_p(2, lo=0.1, hi=0.9)]),
    "Dirichlet-Dirichlet": (lambda m, c: m.distributions.Dirichlet(c), lambda m, c: m.distributions.Dirichlet(c),
                            [_p(2, 4)], [_p(2, 4)]),
    "MVN-MVN": (lambda m, a, c: m.distributions.MultivariateNormal(a, c),
                lambda m, a, c: m.distributions.MultivariateNormal(a, c), [_r(2, 3), _cov(3)], [_r(3), _cov(3)]),
    "MVN-MVN-scale_tril": (lambda m, a, c: m.distributions.MultivariateNormal(a, scale_tril=m.linalg.cholesky(c)),
                           lambda m, a, c: m.distributions.MultivariateNormal(a, precision_matrix=c),
                           [_r(2, 3), _cov(3)], [_r(2, 3), _cov(3)]),
    "LowRank-LowRank": (lambda m, a, w, d: m.distributions.LowRankMultivariateNormal(a, w, d),
                        lambda m, a, w, d: m.distributions.LowRankMultivariateNormal(a, w, d),
                        [_r(2, 3), _r(2, 3, 2), _p(2, 3)], [_r(3), _r(3, 1), _p(3)]),
    "LowRank-MVN": (lambda m, a, w, d: m.distributions.LowRankMultivariateNormal(a, w, d),
                    lambda m, a, c: m.distributions.MultivariateNormal(a, c),
                    [_r(2, 3), _r(2, 3, 2), _p(2, 3)], [_r(3), _cov(3)]),
    "MVN-LowRank": (lambda m, a, c: m.distributions.MultivariateNormal(a, c),
                    lambda m, a, w, d: m.distributions.LowRankMultivariateNormal(a, w, d),
                    [_r(2, 3), _cov(3)], [_r(3), _r(3, 2), _p(3)]),
    "Independent-Independent": (lambda m, a, b: m.distributions.Independent(m.distributions.Normal(a, b), 1),
                                lambda m, a, b: m.distributions.Independent(m.distributions.Normal(a, b), 1),
                                [_r(2, 3), _p(2, 3)], [_r(2, 3), _p(2, 3)]),
    # no closed form registered: the Bregman divergence of the log normalizer (ExponentialFamily pair)
    "ExpFamily-Bregman-Wishart": (lambda m, df, c: m.distributions.Wishart(df, covariance_matrix=c),
                                  lambda m, df, c: m.distributions.Wishart(df, covariance_matrix=c),
                                  [np.array([3.5, 5.0]), _cov(3)], [np.array([4.0, 6.0]), _cov(3)]),
    # different families
    "Bernoulli-Poisson": (lambda m, p: m.distributions.Bernoulli(p), lambda m, r: m.distributions.Poisson(r),
                          [_p(3, lo=0.1, hi=0.9)], [_p(3)]),
    "Beta-Exponential": (B, E, [_p(3), _p(3)], [_p(3)]),
    "Beta-Gamma": (B, G, [_p(3), _p(3)], [_p(3), _p(3)]),
    "Beta-Normal": (B, N, [_p(3), _p(3)], [_r(3), _p(3)]),
    "Beta-Uniform": (B, U, [_p(3), _p(3)], [np.array([-0.5, 0.0, 0.5]), np.array([2.0, 1.0, 1.0])]),
    "Exponential-Gamma": (E, G, [_p(3)], [_p(3), _p(3)]),
    "Exponential-Gumbel": (E, GU, [_p(3)], [_r(3), _p(3)]),
    "Exponential-Normal": (E, N, [_p(3)], [_r(3), _p(3)]),
    "Gamma-Exponential": (G, E, [_p(3), _p(3)], [_p(3)]),
    "Gamma-Gumbel": (G, GU, [_p(3), _p(3)], [_r(3), _p(3)]),
    "Gamma-Normal": (G, N, [_p(3), _p(3)], [_r(3), _p(3)]),
    "Gumbel-Normal": (GU, N, [_r(3), _p(3)], [_r(3), _p(3)]),
    "Laplace-Normal": (L, N, [_r(3), _p(3)], [_r(3), _p(3)]),
    "Normal-Gumbel": (N, GU, [_r(3), _p(3)], [_r(3), _p(3)]),
    "Normal-Laplace": (N, L, [_r(3), _p(3)], [_r(3), _p(3)]),
    "Uniform-Beta": (U, B, [np.array([0.1, -0.1, 0.3]), np.array([0.5, 0.5, 0.9])], [_p(3), _p(3)]),
    "Uniform-Exponential": (U, E, [np.array([0.1, -0.1, 0.3]), _p(3)], [_p(3)]),
    "Uniform-Gamma": (U, G, [np.array([0.1, -0.1, 0.3]), _p(3)], [_p(3), _p(3)]),
    "Uniform-Gumbel": (U, GU, [_r(3), _p(3)], [_r(3), _p(3)]),
    "Uniform-Normal": (U, N, [_r(3), _p(3)], [_r(3), _p(3)]),
    "Uniform-Pareto": (U, P, [np.array([1.0, 0.1, 2.0]), _p(3)], [_p(3), _p(3)]),
    "ContinuousBernoulli-ContinuousBernoulli": (CB, CB, [np.array([0.2, 0.4995, 0.9])], [np.array([0.7, 0.3, 0.5])]),
    "Beta-ContinuousBernoulli": (B, CB, [_p(3), _p(3)], [np.array([0.7, 0.3, 0.5])]),
    "Uniform-ContinuousBernoulli": (U, CB, [np.array([0.1, -0.1, 0.3]), np.array([0.5, 0.5, 0.9])],
                                    [np.array([0.7, 0.3, 0.5])]),
    "ContinuousBernoulli-Exponential": (CB, E, [np.array([0.2, 0.4995, 0.9])], [_p(3)]),
    "ContinuousBernoulli-Normal": (CB, N, [np.array([0.2, 0.4995, 0.9])], [_r(3), _p(3)]),
    "ContinuousBernoulli-Uniform": (CB, U, [np.array([0.2, 0.4995, 0.9])],
                                    [np.array([-0.5, -0.1, 0.5]), np.array([2.0, 1.2, 1.0])]),
    "Pareto-Exponential": (P, E, [_p(3), np.array([0.5, 1.5, 3.0])], [_p(3)]),
    "Pareto-Gamma": (P, G, [_p(3), np.array([0.5, 1.5, 3.0])], [_p(3), _p(3)]),
    "Pareto-Normal": (P, N, [_p(3), np.array([1.5, 2.5, 3.0])], [_r(3), _p(3)]),
}
INFINITE = [("Normal", "Beta"), ("Normal", "Exponential"), ("Normal", "Gamma"), ("Normal", "Pareto"),
            ("Normal", "Uniform"), ("Laplace", "Beta"), ("Laplace", "Exponential"), ("Laplace", "Gamma"),
            ("Laplace", "Pareto"), ("Laplace", "Uniform"), ("Gumbel", "Beta"), ("Gumbel", "Exponential"),
            ("Gumbel", "Gamma"), ("Gumbel", "Pareto"), ("Gumbel", "Uniform"), ("Exponential", "Beta"),
            ("Exponential", "Pareto"), ("Exponential", "Uniform"), ("Gamma", "Beta"), ("Gamma", "Pareto"),
            ("Gamma", "Uniform"), ("Beta", "Pareto"), ("Exponential", "ContinuousBernoulli"),
            ("Gamma", "ContinuousBernoulli"), ("Gumbel", "ContinuousBernoulli"), ("Laplace", "ContinuousBernoulli"),
            ("Normal", "ContinuousBernoulli"), ("Pareto", "ContinuousBernoulli"), ("Pareto", "Beta"),
            ("Pareto", "Uniform"), ("ContinuousBernoulli", "Pareto"), ("Poisson", "Bernoulli"),
            ("Poisson", "Binomial")]
_MAKE = {"Normal": (N, [_r(3), _p(3)]), "Laplace": (L, [_r(3), _p(3)]), "Gumbel": (GU, [_r(3), _p(3)]),
         "Exponential": (E, [_p(3)]), "Gamma": (G, [_p(3), _p(3)]), "Beta": (B, [_p(3), _p(3)]),
         "Pareto": (P, [_p(3), _p(3)]), "Uniform": (U, [_r(3), _p(3)]),
         "ContinuousBernoulli": (CB, [np.array([0.2, 0.4995, 0.9])]),
         "Poisson": (lambda m, r: m.distributions.Poisson(r), [_p(3)]),
         "Bernoulli": (lambda m, p: m.distributions.Bernoulli(p), [_p(3, lo=0.1, hi=0.9)]),
         "Binomial": (lambda m, p: m.distributions.Binomial(4, p), [_p(3, lo=0.1, hi=0.9)])}
for _a, _b in INFINITE:
    CASES[f"{_a}-{_b}-infinite"] = (_MAKE[_a][0], _MAKE[_b][0], _MAKE[_a][1], _MAKE[_b][1])


def _build(lib, make, params, dtype):
    leaves = [lib.tensor(np.asarray(p, dtype=dtype), requires_grad=True) for p in params]
    return make(lib, *leaves), leaves


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_kl_against_torch(torch, name, dtype):
    make_p, make_q, pp, pq = CASES[name]
    tp, tl = _build(torch, make_p, pp, dtype)
    tq, tl2 = _build(torch, make_q, pq, dtype)
    ep, el = _build(ember, make_p, pp, dtype)
    eq, el2 = _build(ember, make_q, pq, dtype)
    kl_t, kl_e = torch.distributions.kl_divergence(tp, tq), kl_divergence(ep, eq)
    t, e = kl_t, kl_e
    assert tuple(e.shape) == tuple(t.shape) and str(e.dtype)[6:] == str(t.dtype)[6:]
    rtol, atol = (1e-9, 1e-10) if dtype == "float64" else (3e-5, 3e-6)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
    finite = np.isfinite(t.detach().numpy())
    if not finite.any() or not t.requires_grad:
        return
    g = R.standard_normal(t.shape).astype(dtype) * finite
    tg = torch.autograd.grad((torch.where(torch.from_numpy(finite), kl_t, 0) * torch.from_numpy(g)).sum(),
                             tl + tl2, allow_unused=True)
    eg = ember.autograd.grad((ember.where(ember.from_numpy(finite), kl_e, 0) * ember.from_numpy(g)).sum(),
                             el + el2, allow_unused=True)
    for i, (a, b) in enumerate(zip(eg, tg)):
        if b is None:
            assert a is None or np.allclose(a.numpy(), 0)
            continue
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-7 if dtype == "float64" else 3e-4,
                                   atol=1e-9 if dtype == "float64" else 3e-5, err_msg=f"grad {i}")


def test_kl_errors(torch):
    for lib in (torch, ember):
        Dd = lib.distributions
        with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Cauchy and q "
                                                      "type Normal"):
            Dd.kl_divergence(Dd.Cauchy(0.0, 1.0), Dd.Normal(0.0, 1.0))
        with pytest.raises(NotImplementedError, match="KL between Binomials where q.total_count > p.total_count"):
            Dd.kl_divergence(Dd.Binomial(2, lib.tensor(0.5)), Dd.Binomial(3, lib.tensor(0.5)))
        with pytest.raises(NotImplementedError):
            Dd.kl_divergence(Dd.Independent(Dd.Normal(lib.zeros(2, 2), 1.0), 1),
                             Dd.Independent(Dd.Normal(lib.zeros(2, 2), 1.0), 2))
        with pytest.raises(NotImplementedError, match="The cross KL-divergence between different exponential "):
            Dd.kl._kl_expfamily_expfamily(Dd.Poisson(lib.tensor(1.0)), Dd.Bernoulli(lib.tensor(0.5)))


def test_kl_gaussian_event_shape_messages(torch):
    # PyTorch's messages (their runs of spaces collapsed)
    msgs = []
    for lib in (torch, ember):
        Dd = lib.distributions
        mvn = [Dd.MultivariateNormal(lib.zeros(n), lib.eye(n)) for n in (2, 3)]
        low = [Dd.LowRankMultivariateNormal(lib.zeros(n), lib.ones(n, 1), lib.ones(n)) for n in (2, 3)]
        for p, q in [mvn, low, (low[0], mvn[1]), (mvn[0], low[1])]:
            with pytest.raises(ValueError) as info:
                Dd.kl_divergence(p, q)
            msgs.append(" ".join(str(info.value).split()))
    assert msgs[:4] == msgs[4:]


def test_register_kl_dispatch_and_ambiguity():
    class A(Distribution):
        arg_constraints = {}

    class A2(A):
        pass

    class B_(Distribution):
        arg_constraints = {}

    class B2(B_):
        pass

    try:
        @register_kl(A, B_)
        def kl_a_b(p, q):
            return "a-b"

        assert kl_divergence(A2(validate_args=False), B2(validate_args=False)) == "a-b"

        @register_kl(A2, B_)
        def kl_a2_b(p, q):
            return "a2-b"

        @register_kl(A, B2)
        def kl_a_b2(p, q):
            return "a-b2"

        assert kl_divergence(A(validate_args=False), B2(validate_args=False)) == "a-b2"  # memo cleared on register
        with pytest.warns(RuntimeWarning, match="Ambiguous kl_divergence\\(A2, B2\\). Please register_kl\\(A2, B2\\)"):
            assert kl_divergence(A2(validate_args=False), B2(validate_args=False)) == "a2-b"
    finally:
        for key in [(A, B_), (A2, B_), (A, B2)]:
            _KL_REGISTRY.pop(key, None)
        ember.distributions.kl._KL_MEMOIZE.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kl_divergence(Normal(0.0, 1.0), Normal(1.0, 2.0))


def test_vae_style_kl_backward():
    # the usual VAE term: KL(N(mu, sigma) || N(0, 1)) summed, differentiable in mu and log-sigma
    mu = ember.tensor([[0.5, -1.0]], requires_grad=True)
    log_sigma = ember.tensor([[0.1, -0.2]], requires_grad=True)
    kl = kl_divergence(Normal(mu, log_sigma.exp()), Normal(0.0, 1.0)).sum()
    kl.backward()
    s2 = np.exp(2 * log_sigma.detach().numpy())
    np.testing.assert_allclose(float(kl), 0.5 * float((mu.detach().numpy() ** 2 + s2 - 1 - np.log(s2)).sum()),
                               rtol=1e-6)
    np.testing.assert_allclose(mu.grad.numpy(), mu.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(log_sigma.grad.numpy(), s2 - 1, rtol=1e-5)


def test_kl_continuous_bernoulli_uniform_on_the_unit_interval():
    # q = Uniform(0, 1) covers p's support [0, 1]: KL = -H(p) (PyTorch 2.13 returns inf at these exact bounds)
    p = ember.distributions.ContinuousBernoulli(ember.tensor([0.2, 0.8], dtype=ember.float64))
    q = ember.distributions.Uniform(ember.zeros(2, dtype=ember.float64), ember.ones(2, dtype=ember.float64))
    np.testing.assert_allclose(kl_divergence(p, q).numpy(), -p.entropy().numpy(), rtol=1e-12)
