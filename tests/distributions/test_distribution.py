"""The Distribution base class against PyTorch: argument validation and its messages, log_prob value checks,
validate_args defaults, repr, expand, abstract methods, perplexity."""

import warnings

import numpy as np
import pytest

import ember
from ember.distributions import Distribution, Normal


def _msg(exc):
    return str(exc).replace("torch.", "ember.")


def _same_error(torch, fn):
    """``fn(lib)`` raises the same exception type and message with both libraries."""
    out = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            fn(lib)
        out.append((type(info.value).__name__, _msg(info.value)))
    assert out[1] == out[0]


BAD_PARAMS = {
    "Normal-scale": lambda lib: lib.distributions.Normal(lib.tensor([0.0, 1.0]), lib.tensor([-1.0, 1.0])),
    "Normal-nan-loc": lambda lib: lib.distributions.Normal(lib.tensor([float("nan")]), 1.0),
    "Uniform-order": lambda lib: lib.distributions.Uniform(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 0.5])),
    "Uniform-scalar": lambda lib: lib.distributions.Uniform(1.0, 0.0),
    "Gamma": lambda lib: lib.distributions.Gamma(lib.tensor([-1.0]), 1.0),
    "Beta": lambda lib: lib.distributions.Beta(lib.tensor([-1.0]), lib.tensor([1.0])),
    "Dirichlet": lambda lib: lib.distributions.Dirichlet(lib.tensor([1.0, -1.0])),
    "Dirichlet-0d": lambda lib: lib.distributions.Dirichlet(lib.tensor(1.0)),
    "Bernoulli": lambda lib: lib.distributions.Bernoulli(lib.tensor([1.5])),
    "Categorical": lambda lib: lib.distributions.Categorical(lib.tensor([-1.0, 2.0])),
    "Poisson": lambda lib: lib.distributions.Poisson(lib.tensor([-1.0])),
    "Binomial": lambda lib: lib.distributions.Binomial(lib.tensor([2.5]), lib.tensor([0.5])),
    "Exponential": lambda lib: lib.distributions.Exponential(lib.tensor(0.0)),
    "Laplace": lambda lib: lib.distributions.Laplace(0.0, -1.0),
    "StudentT": lambda lib: lib.distributions.StudentT(lib.tensor([-1.0])),
    "Pareto": lambda lib: lib.distributions.Pareto(lib.tensor([1.0]), lib.tensor([0.0])),
    "LogNormal": lambda lib: lib.distributions.LogNormal(0.0, lib.tensor([0.0, 1.0])),
    "HalfNormal": lambda lib: lib.distributions.HalfNormal(lib.tensor([-2.0])),
    "Weibull": lambda lib: lib.distributions.Weibull(lib.tensor([1.0]), lib.tensor([-2.0])),
    "VonMises": lambda lib: lib.distributions.VonMises(lib.tensor([1.0]), lib.tensor([-2.0])),
    "MVN-cov": lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "broadcast": lambda lib: lib.distributions.Normal(lib.zeros(2), lib.ones(3)),
}


@pytest.mark.parametrize("name", list(BAD_PARAMS))
def test_invalid_parameters(torch, name):
    _same_error(torch, BAD_PARAMS[name])


BAD_VALUES = {
    "Normal-nan": lambda lib: lib.distributions.Normal(0.0, 1.0).log_prob(lib.tensor([float("nan")])),
    "Exponential-negative": lambda lib: lib.distributions.Exponential(lib.tensor([1.0])).log_prob(lib.tensor([-1.0])),
    "Categorical-range": lambda lib: lib.distributions.Categorical(lib.ones(3)).log_prob(lib.tensor([3])),
    "Dirichlet-simplex": lambda lib: lib.distributions.Dirichlet(lib.ones(2)).log_prob(lib.tensor([0.5, 0.6])),
    "Beta-0d": lambda lib: lib.distributions.Beta(1.0, 1.0).log_prob(lib.tensor(1.5)),
    "Poisson-fraction": lambda lib: lib.distributions.Poisson(lib.tensor(1.0)).log_prob(lib.tensor(0.5)),
    "Bernoulli": lambda lib: lib.distributions.Bernoulli(0.5).log_prob(lib.tensor([0.5])),
    "not-a-tensor": lambda lib: lib.distributions.Normal(lib.zeros(2), 1.0).log_prob(1.0),
    "event-shape": lambda lib: lib.distributions.Dirichlet(lib.ones(3)).log_prob(lib.ones(2) / 2),
    "batch-shape": lambda lib: lib.distributions.Normal(lib.zeros(2), 1.0).log_prob(lib.ones(3)),
    "batch-shape-3d": lambda lib: lib.distributions.Normal(lib.zeros(2), 1.0).log_prob(lib.ones(2, 1, 3)),
    "cdf": lambda lib: lib.distributions.Exponential(lib.tensor([1.0])).cdf(lib.tensor([-1.0])),
    "Uniform-outside": lambda lib: lib.distributions.Uniform(0.0, 1.0).log_prob(lib.tensor(2.0)),
    "Binomial-above": lambda lib: lib.distributions.Binomial(3, lib.tensor(0.5)).log_prob(lib.tensor(4.0)),
    "MVN-shape": lambda lib: lib.distributions.MultivariateNormal(lib.zeros(3), lib.eye(3)).log_prob(lib.zeros(2)),
}


@pytest.mark.parametrize("name", list(BAD_VALUES))
def test_invalid_values(torch, name):
    _same_error(torch, BAD_VALUES[name])


def test_validate_args_false_skips_checks(torch):
    for lib in (torch, ember):
        d = lib.distributions.Normal(lib.tensor([0.0]), lib.tensor([-1.0]), validate_args=False)
        assert not d._validate_args
        assert bool(lib.isnan(d.log_prob(lib.tensor([0.0]))).all())
        assert lib.distributions.Exponential(lib.tensor([1.0]), validate_args=False).log_prob(
            lib.tensor([-1.0])).item() == pytest.approx(1.0)


def test_set_default_validate_args(torch):
    for lib in (torch, ember):
        Dist = lib.distributions.Distribution
        assert Dist._validate_args is True
        try:
            Dist.set_default_validate_args(False)
            d = lib.distributions.Normal(0.0, -1.0)  # accepted
            assert not d._validate_args
            assert lib.distributions.Normal(0.0, 1.0, validate_args=True)._validate_args
            with pytest.raises(ValueError):
                lib.distributions.Normal(0.0, -1.0, validate_args=True)
        finally:
            Dist.set_default_validate_args(True)
        with pytest.raises(ValueError):
            Dist.set_default_validate_args(3)
        assert Dist._validate_args is True


def test_repr(torch):
    pairs = [
        lambda lib: lib.distributions.Normal(lib.zeros(2), lib.ones(2)),
        lambda lib: lib.distributions.Normal(0.0, 1.0),
        lambda lib: lib.distributions.Normal(lib.tensor([0.5]), 1.0),
        lambda lib: lib.distributions.Bernoulli(logits=lib.zeros(3)),
        lambda lib: lib.distributions.Gamma(lib.tensor([2.0]), lib.tensor([1.0])),
        lambda lib: lib.distributions.Beta(2.0, 1.0),
        lambda lib: lib.distributions.Uniform(0.0, 2.0),
        lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.eye(2)),
        lambda lib: lib.distributions.Categorical(logits=lib.zeros(2, 3)),
        lambda lib: lib.distributions.LogNormal(0.0, 1.0),
        lambda lib: lib.distributions.Binomial(3, lib.tensor([0.2, 0.4])),
    ]
    for make in pairs:
        assert repr(make(ember)) == repr(make(torch)).replace("torch.", "ember.")


def test_base_class_abstract_members(torch):
    for lib in (torch, ember):
        d = lib.distributions.Distribution(validate_args=False)
        assert tuple(d.batch_shape) == () and tuple(d.event_shape) == ()
        for attr in ("mean", "variance", "stddev", "support", "arg_constraints", "mode"):
            with pytest.raises(NotImplementedError):
                getattr(d, attr)
        for call in (d.entropy, d.perplexity, d.sample, d.rsample, d.enumerate_support):
            with pytest.raises(NotImplementedError):
                call()
        for call in (d.log_prob, d.cdf, d.icdf):
            with pytest.raises(NotImplementedError):
                call(lib.ones(1))
        with pytest.raises(NotImplementedError):
            d.expand((2,))
    with pytest.raises(NotImplementedError, match="does not implement mode"):
        Distribution(validate_args=False).mode


def test_missing_arg_constraints_warns():
    with pytest.warns(UserWarning, match="does not define `arg_constraints`"):
        Distribution()


def test_subclass_with_custom_init_needs_expand(torch):
    for lib in (torch, ember):
        class My(lib.distributions.Normal):
            def __init__(self, x):
                super().__init__(x, 1.0)

        with pytest.raises(NotImplementedError, match="Subclass My of Normal that defines a custom __init__ method "
                                                      "must also define a custom .expand\\(\\) method."):
            My(lib.zeros(2)).expand((3, 2))


def test_sample_n_warns():
    with pytest.warns(FutureWarning, match="`sample_n\\(n\\)` will be deprecated. Use `sample\\(\\(n,\\)\\)` inst"):
        s = Normal(0.0, 1.0).sample_n(3)
    assert tuple(s.shape) == (3,)


def test_perplexity_and_stddev(torch):
    t = torch.distributions.Gamma(torch.tensor([2.0, 3.0]), torch.tensor([1.0, 0.5]))
    e = ember.distributions.Gamma(ember.tensor([2.0, 3.0]), ember.tensor([1.0, 0.5]))
    np.testing.assert_allclose(e.perplexity().numpy(), t.perplexity().numpy(), rtol=1e-6)
    np.testing.assert_allclose(e.stddev.numpy(), t.stddev.numpy(), rtol=1e-6)


def test_expand_shares_parameters_and_keeps_validation():
    loc = ember.zeros(2, requires_grad=True)
    d = Normal(loc, 1.0, validate_args=False)
    e = d.expand((4, 2))
    assert tuple(e.batch_shape) == (4, 2) and e._validate_args is False
    e.log_prob(ember.ones(4, 2)).sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [4.0, 4.0])
    with pytest.raises(RuntimeError):
        d.expand((4, 3))


PROBS_OR_LOGITS = {
    "Bernoulli": lambda lib, **kw: lib.distributions.Bernoulli(**kw),
    "Geometric": lambda lib, **kw: lib.distributions.Geometric(**kw),
    "Binomial": lambda lib, **kw: lib.distributions.Binomial(4, **kw),
    "NegativeBinomial": lambda lib, **kw: lib.distributions.NegativeBinomial(lib.tensor(3.0), **kw),
    "ContinuousBernoulli": lambda lib, **kw: lib.distributions.ContinuousBernoulli(**kw),
    "Categorical": lambda lib, **kw: lib.distributions.Categorical(**kw),
    "OneHotCategorical": lambda lib, **kw: lib.distributions.OneHotCategorical(**kw),
}


@pytest.mark.parametrize("given", ["probs", "logits"])
@pytest.mark.parametrize("derive", [False, True])
@pytest.mark.parametrize("name", list(PROBS_OR_LOGITS))
def test_expand_probs_or_logits(torch, name, given, derive):
    # expand copies only the parameters given or derived so far; param_shape and the support follow them
    out = []
    for lib in (torch, ember):
        d = PROBS_OR_LOGITS[name](lib, **{given: lib.tensor([0.25, 0.75])})
        if derive:
            d.probs, d.logits
        e = d.expand((3,) + tuple(d.batch_shape))
        support = e.enumerate_support() if e.has_enumerate_support else lib.zeros(())
        out.append((repr(e).replace("torch.", "ember."), tuple(e.batch_shape), hasattr(e, "param_shape"),
                    tuple(getattr(e, "param_shape", ())), tuple(support.shape), str(support.dtype).split(".")[-1],
                    e.log_prob(e.sample()).shape == e.batch_shape))
    assert out[1] == out[0]


def test_sample_under_no_grad_and_rsample_in_graph():
    loc = ember.zeros(2, requires_grad=True)
    d = Normal(loc, 1.0)
    assert not d.sample().requires_grad
    assert d.rsample().requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d.sample(ember.Size([3]))
        d.sample([3])


def test_lazy_import():
    import subprocess
    import sys
    code = "import sys, ember; assert 'ember.distributions' not in sys.modules; ember.distributions.Normal(0., 1.)"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("make", [
    lambda: ember.distributions.Normal(ember.tensor([0.5, -1.0]), ember.tensor([2.0, 0.3])),
    lambda: ember.distributions.Exponential(ember.tensor([0.5, 3.0])),
    lambda: ember.distributions.Gamma(ember.tensor([0.5, 3.0]), ember.tensor([2.0, 0.7])),
    lambda: ember.distributions.Bernoulli(ember.tensor([0.2, 0.7])),
    lambda: ember.distributions.ContinuousBernoulli(ember.tensor([0.2, 0.7])),
    lambda: ember.distributions.Wishart(ember.tensor([3.5, 5.0]), covariance_matrix=ember.eye(3) * 2),
])
def test_exponential_family_entropy_from_the_log_normalizer(make):
    # the generic entropy (autograd of the log normalizer) agrees with each closed form
    d = make()
    generic = ember.distributions.ExponentialFamily.entropy(d)
    np.testing.assert_allclose(generic.detach().numpy(), d.entropy().detach().numpy(), rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["Normal", "Gamma", "Beta", "StudentT", "Dirichlet", "MultivariateNormal",
                                  "LowRankMultivariateNormal", "VonMises", "Binomial", "Weibull"])
def test_log_prob_gradcheck(name):
    # float64 finite differences of log_prob (and entropy where defined) in every parameter
    D = ember.distributions
    f64 = dict(dtype=ember.float64, requires_grad=True)
    x1 = ember.tensor([0.3, 1.7], dtype=ember.float64)
    cases = {
        "Normal": (lambda a, b: D.Normal(a, b), [ember.tensor([0.1, -0.4], **f64), ember.tensor([0.7, 2.0], **f64)],
                   x1),
        "Gamma": (lambda a, b: D.Gamma(a, b), [ember.tensor([0.6, 2.5], **f64), ember.tensor([1.5, 0.4], **f64)], x1),
        "Beta": (lambda a, b: D.Beta(a, b), [ember.tensor([0.6, 2.5], **f64), ember.tensor([1.5, 0.4], **f64)],
                 ember.tensor([0.3, 0.8], dtype=ember.float64)),
        "StudentT": (lambda d, a, b: D.StudentT(d, a, b), [ember.tensor([1.5, 6.0], **f64),
                                                           ember.tensor([0.1, -0.4], **f64),
                                                           ember.tensor([0.7, 2.0], **f64)], x1),
        "Dirichlet": (lambda c: D.Dirichlet(c), [ember.tensor([0.6, 2.5, 1.0], **f64)],
                      ember.tensor([0.2, 0.5, 0.3], dtype=ember.float64)),
        "MultivariateNormal": (lambda m, c: D.MultivariateNormal(m, c @ c.mT + ember.eye(2, dtype=ember.float64)),
                               [ember.tensor([0.1, -0.4], **f64), ember.tensor([[1.0, 0.3], [-0.2, 0.8]], **f64)],
                               x1),
        "LowRankMultivariateNormal": (lambda m, w, d: D.LowRankMultivariateNormal(m, w, d),
                                      [ember.tensor([0.1, -0.4], **f64), ember.tensor([[1.0], [0.5]], **f64),
                                       ember.tensor([0.7, 2.0], **f64)], x1),
        "VonMises": (lambda a, k: D.VonMises(a, k), [ember.tensor([0.1, -0.4], **f64),
                                                     ember.tensor([0.7, 20.0], **f64)], x1),
        "Binomial": (lambda p: D.Binomial(5, p), [ember.tensor([0.3, 0.6], **f64)],
                     ember.tensor([2.0, 5.0], dtype=ember.float64)),
        "Weibull": (lambda s, c: D.Weibull(s, c), [ember.tensor([0.6, 2.5], **f64), ember.tensor([1.5, 0.4], **f64)],
                    x1),
    }
    make, params, value = cases[name]

    def fn(*ps):
        d = make(*ps)
        try:
            return d.log_prob(value), d.entropy()
        except NotImplementedError:
            return (d.log_prob(value),)

    assert ember.autograd.gradcheck(fn, tuple(params), eps=1e-6, atol=1e-5, rtol=1e-4)
