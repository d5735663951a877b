"""Distributions built from others, against PyTorch: Independent, TransformedDistribution, MixtureSameFamily,
RelaxedBernoulli and RelaxedOneHotCategorical."""

import numpy as np
import pytest

import ember
from ember.distributions import (
    Categorical, Independent, MixtureSameFamily, MultivariateNormal, Normal, RelaxedBernoulli,
    RelaxedOneHotCategorical, TransformedDistribution,
)
from ember.distributions.transforms import AffineTransform, ExpTransform, SigmoidTransform, TanhTransform
from tests.distributions._helpers import check_moments, check_samples, compare

R = np.random.default_rng(5)
REAL = R.standard_normal((2, 3))
POS = R.uniform(0.5, 2.0, (2, 3))
VAL = R.standard_normal((4, 2, 3))
UNIT = R.uniform(0.05, 0.95, (4, 2, 3))
OPEN = R.uniform(-0.9, 0.9, (4, 2, 3))
MIX = R.uniform(0.2, 1.0, (2, 4))
TEMP = np.array([0.7])
SIMPLEX = R.dirichlet(np.ones(4), size=(3, 2))


def _tanh_normal(m, a, b):
    T = m.distributions.transforms
    return m.distributions.TransformedDistribution(m.distributions.Normal(a, b), [T.TanhTransform()])


def _affine_sigmoid(m, a, b):
    T = m.distributions.transforms
    return m.distributions.TransformedDistribution(m.distributions.Normal(a, b),
                                                   [T.SigmoidTransform(), T.AffineTransform(0.0, 1.0)])


def _decreasing(m, a, b):
    T = m.distributions.transforms
    return m.distributions.TransformedDistribution(m.distributions.Normal(a, b),
                                                   [T.AffineTransform(1.0, -2.0), T.ExpTransform()])


def _mixture(m, w, loc, scale):
    D = m.distributions
    return D.MixtureSameFamily(D.Categorical(probs=w), D.Normal(loc, scale))


def _mixture_mvn(m, w, loc):
    D = m.distributions
    return D.MixtureSameFamily(D.Categorical(probs=w), D.Independent(D.Normal(loc, m.ones_like(loc)), 1))


CASES = {
    "Independent": (lambda m, a, b: m.distributions.Independent(m.distributions.Normal(a, b), 1), [REAL, POS],
                    VAL, {}),
    "Independent-2": (lambda m, a, b: m.distributions.Independent(m.distributions.Normal(a, b), 2), [REAL, POS],
                      VAL, {}),
    "Independent-0": (lambda m, a, b: m.distributions.Independent(m.distributions.Normal(a, b), 0), [REAL, POS],
                      VAL, {"cdf": False}),
    "Transformed-tanh": (_tanh_normal, [REAL, POS], OPEN, {"entropy": False, "methods": ()}),
    "Transformed-sigmoid-affine": (_affine_sigmoid, [REAL, POS], UNIT,
                                   {"entropy": False, "methods": (), "cdf": True, "icdf": UNIT}),
    "Transformed-decreasing": (_decreasing, [REAL, POS], UNIT * 3, {"entropy": False, "methods": (), "cdf": True,
                                                                    "icdf": UNIT}),
    "MixtureSameFamily": (_mixture, [MIX, R.standard_normal((2, 4)), R.uniform(0.5, 2, (2, 4))], VAL[:, :, 0],
                          {"entropy": False, "cdf": True, "methods": ("mean", "variance")}),
    "MixtureSameFamily-event": (_mixture_mvn, [MIX[0], R.standard_normal((4, 3))], VAL[:, 0],
                                {"entropy": False, "methods": ("mean", "variance")}),
    "RelaxedBernoulli": (lambda m, t, p: m.distributions.RelaxedBernoulli(t, probs=p), [TEMP, R.uniform(0.1, 0.9,
                                                                                                    (2, 3))],
                         UNIT, {"entropy": False, "methods": ()}),
    "RelaxedBernoulli-logits": (lambda m, t, z: m.distributions.RelaxedBernoulli(t, logits=z), [TEMP, REAL], UNIT,
                                {"entropy": False, "methods": ()}),
    "RelaxedOneHotCategorical": (lambda m, t, p: m.distributions.RelaxedOneHotCategorical(t, probs=p),
                                 [TEMP, MIX], SIMPLEX, {"entropy": False, "methods": ()}),
    "RelaxedOneHotCategorical-logits": (lambda m, t, z: m.distributions.RelaxedOneHotCategorical(t, logits=z),
                                        [TEMP, R.standard_normal((2, 4))], SIMPLEX,
                                        {"entropy": False, "methods": ()}),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_against_torch(torch, name, dtype):
    make, params, value, kw = CASES[name]
    kw = dict(kw)
    kw.setdefault("cdf", False)
    compare(torch, make, params, value=value, dtype=dtype, **kw)


def test_independent_properties(torch):
    for lib in (torch, ember):
        base = lib.distributions.Normal(lib.zeros(2, 3), lib.ones(2, 3))
        d = lib.distributions.Independent(base, 1)
        assert tuple(d.batch_shape) == (2,) and tuple(d.event_shape) == (3,)
        assert d.has_rsample and not d.has_enumerate_support
        assert repr(d.support) == "IndependentConstraint(Real(), 1)"
        with pytest.raises(ValueError, match=r"Expected reinterpreted_batch_ndims <= len\(base_distribution.batch_sh"):
            lib.distributions.Independent(base, 3)
        b = lib.distributions.Independent(lib.distributions.Bernoulli(lib.full((2,), 0.5)), 0)
        assert b.has_enumerate_support
        with pytest.raises(NotImplementedError, match="Enumeration over cartesian product is not implemented"):
            lib.distributions.Independent(lib.distributions.Bernoulli(lib.full((2,), 0.5)), 1).enumerate_support()
    assert repr(Independent(Normal(ember.zeros(3), 1.0), 1)) == \
        "Independent(Normal(loc: ember.Size([3]), scale: ember.Size([3])), 1)"


def test_transformed_shapes_support_and_errors(torch):
    for lib in (torch, ember):
        D, T = lib.distributions, lib.distributions.transforms
        d = D.TransformedDistribution(D.Normal(lib.zeros(2, 3), 1.0), [T.SoftmaxTransform()])
        assert tuple(d.batch_shape) == (2,) and tuple(d.event_shape) == (3,)
        assert repr(d.support) == "Simplex()"
        d = D.TransformedDistribution(D.Normal(lib.zeros(2, 3), 1.0), [T.StickBreakingTransform()])
        assert tuple(d.event_shape) == (4,)
        d = D.TransformedDistribution(D.Normal(0.0, 1.0), [T.AffineTransform(lib.zeros(3), 2.0)])
        assert tuple(d.batch_shape) == (3,)  # the transform broadcasts the base
        with pytest.raises(ValueError, match="transforms must be a Transform or list, but was"):
            D.TransformedDistribution(D.Normal(0.0, 1.0), T.ExpTransform)
        with pytest.raises(ValueError, match="transforms must be a Transform or a list of Transforms"):
            D.TransformedDistribution(D.Normal(0.0, 1.0), [1])
        with pytest.raises(ValueError, match="base_distribution needs to have shape with size at least 1"):
            D.TransformedDistribution(D.Normal(0.0, 1.0), [T.SoftmaxTransform()])


def test_transformed_log_prob_with_event_transform(torch):
    vals = []
    for lib in (torch, ember):
        D, T = lib.distributions, lib.distributions.transforms
        d = D.TransformedDistribution(D.Normal(lib.tensor(REAL), lib.tensor(POS)), [T.StickBreakingTransform()])
        x = d.sample((3,)) if lib is torch else lib.tensor(vals[0][1])
        vals.append((d.log_prob(x).numpy(), x.numpy()))
    np.testing.assert_allclose(vals[1][0], vals[0][0], rtol=1e-6, atol=1e-6)


def test_samples():
    d = TransformedDistribution(Normal(ember.zeros(2), ember.ones(2)), [TanhTransform()])
    s = check_samples(d, (4,), dtype=ember.float32)
    assert bool((s.abs() < 1).all())
    mix = MixtureSameFamily(Categorical(ember.tensor([0.3, 0.7])), Normal(ember.tensor([-2.0, 3.0]),
                                                                         ember.tensor([0.5, 1.0])))
    check_samples(mix, (4,), dtype=ember.float32)
    check_moments(mix)
    mvn_mix = MixtureSameFamily(Categorical(ember.ones(2, 3)),
                                MultivariateNormal(ember.randn(2, 3, 4), ember.eye(4)))
    check_samples(mvn_mix, (5,), dtype=ember.float32)
    rb = RelaxedBernoulli(ember.tensor(0.5), probs=ember.tensor([0.2, 0.9]))
    check_samples(rb, (4,), dtype=ember.float32)
    rc = RelaxedOneHotCategorical(ember.tensor(0.5), probs=ember.tensor([0.2, 0.3, 0.5]))
    s = check_samples(rc, (4,), dtype=ember.float32)
    np.testing.assert_allclose(s.sum(-1).numpy(), np.ones(4), rtol=1e-5)
    # low temperature: nearly one-hot, with the categorical frequencies
    s = RelaxedOneHotCategorical(ember.tensor(0.01), probs=ember.tensor([0.2, 0.3, 0.5])).sample((50_000,))
    np.testing.assert_allclose(np.bincount(s.argmax(-1).numpy(), minlength=3) / 5e4, [0.2, 0.3, 0.5], atol=0.01)
    s = RelaxedBernoulli(ember.tensor(0.01), probs=ember.tensor([0.3])).sample((50_000,))
    np.testing.assert_allclose(float((s > 0.5).double().mean()), 0.3, atol=0.01)


def test_relaxed_rsample_gradient_reaches_logits():
    z = ember.tensor([0.1, -0.3, 0.5], requires_grad=True)
    (RelaxedOneHotCategorical(ember.tensor(0.5), logits=z).rsample((10,)) * ember.tensor([1.0, 2.0, 3.0])).sum() \
        .backward()
    assert z.grad is not None and bool(ember.isfinite(z.grad).all()) and float(z.grad.abs().sum()) > 0
    p = ember.tensor([0.3], requires_grad=True)
    RelaxedBernoulli(ember.tensor(0.5), probs=p).rsample((10,)).sum().backward()
    assert float(p.grad) > 0


def test_mixture_errors_and_repr(torch):
    for lib in (torch, ember):
        D = lib.distributions
        with pytest.raises(ValueError, match="The Mixture distribution needs to be an  instance of torch.distrib"):
            D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(lib.zeros(2), 1.0))
        with pytest.raises(ValueError, match="The Component distribution needs to be an instance of torch.distribu"):
            D.MixtureSameFamily(D.Categorical(lib.ones(2)), 3)
        with pytest.raises(ValueError, match=r"`mixture_distribution component` \(3\) does not equal"):
            D.MixtureSameFamily(D.Categorical(lib.ones(3)), D.Normal(lib.zeros(2), 1.0))
        with pytest.raises(ValueError, match="is not compatible with `component_distribution.batch_shape`"):
            D.MixtureSameFamily(D.Categorical(lib.ones(4, 2)), D.Normal(lib.zeros(3, 2), 1.0))
    t = repr(torch.distributions.MixtureSameFamily(torch.distributions.Categorical(torch.ones(2)),
                                                   torch.distributions.Normal(torch.zeros(2), 1.0)))
    e = repr(MixtureSameFamily(Categorical(ember.ones(2)), Normal(ember.zeros(2), 1.0)))
    assert e == t.replace("torch.", "ember.")


def test_transformed_cdf_icdf_decreasing_round_trip():
    d = TransformedDistribution(Normal(ember.tensor([0.5]), ember.tensor([1.5])),
                                [AffineTransform(1.0, -2.0), ExpTransform(), SigmoidTransform()])
    x = d.sample((20,)).double()
    np.testing.assert_allclose(d.icdf(d.cdf(x)).numpy(), x.numpy(), rtol=1e-4, atol=1e-5)
