"""Univariate continuous distributions against PyTorch: Normal, Laplace, Cauchy, Uniform, Exponential, Gumbel,
HalfNormal, HalfCauchy, LogNormal, Weibull, Pareto, StudentT, VonMises."""

import math

import numpy as np
import pytest

import ember
from ember.distributions import (
    Cauchy, Exponential, Gumbel, HalfCauchy, HalfNormal, Laplace, LogNormal, Normal, Pareto, StudentT, Uniform,
    VonMises, Weibull,
)
from tests.distributions._helpers import check_moments, check_samples, compare

R = np.random.default_rng(1)
REAL = R.standard_normal((2, 3))
POS = R.uniform(0.5, 2.0, (2, 3))
POS2 = R.uniform(0.5, 2.0, (2, 3))
VAL = R.standard_normal((4, 2, 3))
VAL_POS = R.uniform(0.1, 3.0, (4, 2, 3))
Q = R.uniform(0.05, 0.95, (4, 2, 3))
VAL_U = REAL + Q * (POS + 3)  # inside Uniform(REAL, REAL + POS + 3)

# name: (make, params, value, cdf, icdf)
CASES = {
    "Normal": (lambda m, a, b: m.distributions.Normal(a, b), [REAL, POS], VAL, True, Q),
    "Normal-scalar": (lambda m: m.distributions.Normal(0.5, 2.0), [], VAL, True, Q),
    "Normal-broadcast": (lambda m, a, b: m.distributions.Normal(a, b), [REAL[0], POS[:, :1]], VAL, True, Q),
    "Laplace": (lambda m, a, b: m.distributions.Laplace(a, b), [REAL, POS], VAL, True, Q),
    "Cauchy": (lambda m, a, b: m.distributions.Cauchy(a, b), [REAL, POS], VAL, True, Q),
    "Uniform": (lambda m, a, b: m.distributions.Uniform(a, a + b), [REAL, POS + 3], VAL_U, True, Q),
    "Exponential": (lambda m, r: m.distributions.Exponential(r), [POS], VAL_POS, True, Q),
    "Gumbel": (lambda m, a, b: m.distributions.Gumbel(a, b), [REAL, POS], VAL, True, Q),
    "HalfNormal": (lambda m, s: m.distributions.HalfNormal(s), [POS], VAL_POS, True, Q),
    "HalfCauchy": (lambda m, s: m.distributions.HalfCauchy(s), [POS], VAL_POS, True, Q),
    "LogNormal": (lambda m, a, b: m.distributions.LogNormal(a, b), [REAL, POS], VAL_POS, True, Q),
    "Weibull": (lambda m, s, c: m.distributions.Weibull(s, c), [POS, POS2], VAL_POS, True, Q),
    "Weibull-small-k": (lambda m, s, c: m.distributions.Weibull(s, c * 0.3), [POS, POS2], VAL_POS, True, Q),
    "Pareto": (lambda m, s, a: m.distributions.Pareto(s * 0.1, a), [POS, POS2], VAL_POS + 0.2, True, Q),
    "Pareto-heavy": (lambda m, s, a: m.distributions.Pareto(s * 0.1, a * 0.6), [POS, POS2], VAL_POS + 0.2, True,
                     Q),
    "StudentT": (lambda m, d, a, b: m.distributions.StudentT(d, a, b), [POS * 2, REAL, POS2], VAL, False, None),
    "StudentT-small-df": (lambda m, d: m.distributions.StudentT(d * 1.2), [np.array([0.5, 1.5, 2.5, 4.0])],
                          VAL.reshape(6, 4), False, None),
    "VonMises": (lambda m, a, k: m.distributions.VonMises(a, k), [REAL, POS], VAL, False, None),
    "VonMises-large-k": (lambda m, a, k: m.distributions.VonMises(a, k * 100), [REAL, POS], VAL, False, None),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_against_torch(torch, name, dtype):
    make, params, value, cdf, icdf = CASES[name]
    tol = {}
    if name.startswith("VonMises"):
        # PyTorch's log-Bessel approximation is good to ~3e-4 relative at large concentrations; ember uses
        # i0e/i1e, exact to rounding (test_von_mises_bessel_terms_are_exact)
        tol = dict(rtol=1e-3 if dtype == "float64" else 5e-3, atol=1e-6, grad_rtol=1e-3)
    compare(torch, make, params, value=value, dtype=dtype, cdf=cdf, icdf=icdf,
            entropy=not name.startswith("VonMises"), **tol)


def test_von_mises_bessel_terms_are_exact():
    mpmath = pytest.importorskip("mpmath")
    kappa = np.array([0.01, 0.7, 5.0, 70.0, 190.0, 2000.0])
    d = VonMises(ember.zeros(6, dtype=ember.float64), ember.tensor(kappa, dtype=ember.float64))
    exact_var = [float(1 - mpmath.besseli(1, k) / mpmath.besseli(0, k)) for k in kappa]
    np.testing.assert_allclose(d.variance.numpy(), exact_var, rtol=1e-11)
    exact_lp = [float(k - mpmath.log(2 * mpmath.pi * mpmath.besseli(0, k))) for k in kappa]
    np.testing.assert_allclose(d.log_prob(ember.zeros(6, dtype=ember.float64)).numpy(), exact_lp, rtol=1e-11)


SAMPLERS = {
    "Normal": lambda: Normal(ember.tensor([0.0, 3.0]), ember.tensor([1.0, 0.5])),
    "Laplace": lambda: Laplace(ember.tensor([0.0, 3.0]), ember.tensor([1.0, 0.5])),
    "Uniform": lambda: Uniform(ember.tensor([0.0, -2.0]), ember.tensor([1.0, 3.0])),
    "Exponential": lambda: Exponential(ember.tensor([0.5, 3.0])),
    "Gumbel": lambda: Gumbel(ember.tensor([0.0, 3.0]), ember.tensor([1.0, 0.5])),
    "HalfNormal": lambda: HalfNormal(ember.tensor([1.0, 0.5])),
    "LogNormal": lambda: LogNormal(ember.tensor([0.0, 0.5]), ember.tensor([0.5, 0.25])),
    "Weibull": lambda: Weibull(ember.tensor([1.0, 2.0]), ember.tensor([1.5, 3.0])),
    "Pareto": lambda: Pareto(ember.tensor([1.0, 2.0]), ember.tensor([5.0, 6.0])),
    "StudentT": lambda: StudentT(ember.tensor([5.0, 9.0]), ember.tensor([0.0, 1.0]), ember.tensor([1.0, 2.0])),
    "VonMises": lambda: VonMises(ember.tensor([0.5, -1.0]), ember.tensor([4.0, 10.0])),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_sample_shapes_dtypes_and_moments(name):
    d = SAMPLERS[name]()
    check_samples(d, (5, 2), dtype=ember.float32)
    check_samples(d.expand((3, 2)), (4,), dtype=ember.float32)
    if name == "VonMises":  # the circular mean and variance are not the moments of the angle
        s = d.sample((100_000,)).double()
        np.testing.assert_allclose(ember.atan2(s.sin().mean(0), s.cos().mean(0)).numpy(), d.loc.numpy(), atol=0.02)
        resultant = (s.sin().mean(0) ** 2 + s.cos().mean(0) ** 2).sqrt()
        np.testing.assert_allclose(1 - resultant.numpy(), d.variance.numpy(), rtol=0.05, atol=2e-3)
        return
    check_moments(d)


def test_cauchy_and_half_cauchy_samples():
    # no finite moments: compare quantiles instead
    s = Cauchy(ember.tensor([1.0]), ember.tensor([2.0])).sample((100_000,))[:, 0].numpy()
    np.testing.assert_allclose(np.quantile(s, [0.25, 0.5, 0.75]), [-1.0, 1.0, 3.0], atol=0.06)
    h = HalfCauchy(ember.tensor([2.0])).sample((100_000,))
    assert h.dtype == ember.float32 and bool((h >= 0).all())
    np.testing.assert_allclose(np.median(h.numpy()), 2.0, atol=0.06)


def test_cauchy_draws_match_torch_at_the_same_seed():
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "float64"):
        torch.manual_seed(11)
        want = (torch.distributions.Cauchy(torch.zeros(3, dtype=getattr(torch, dtype)), 2.0).sample((4,)),
                torch.distributions.HalfCauchy(torch.ones(2, dtype=getattr(torch, dtype))).rsample())
        ember.manual_seed(11)
        got = (Cauchy(ember.zeros(3, dtype=getattr(ember, dtype)), 2.0).sample((4,)),
               HalfCauchy(ember.ones(2, dtype=getattr(ember, dtype))).rsample())
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6)


def test_float64_parameters_sample_float64():
    for d in (Normal(ember.zeros(2, dtype=ember.float64), 1.0), Exponential(ember.ones(2, dtype=ember.float64)),
              Uniform(ember.zeros(2, dtype=ember.float64), 2.0), Laplace(ember.zeros(2, dtype=ember.float64), 1.0),
              Gumbel(ember.zeros(2, dtype=ember.float64), 1.0), Cauchy(ember.zeros(2, dtype=ember.float64), 1.0),
              VonMises(ember.zeros(2, dtype=ember.float64), 1.0)):
        assert d.sample((3,)).dtype == ember.float64
        if d.has_rsample:
            assert d.rsample((3,)).dtype == ember.float64


def test_rsample_gradients():
    # d/dloc of a location-scale rsample is 1; d/dscale is the standard draw (x - loc) / scale
    for cls in (Normal, Laplace, Cauchy, Gumbel):
        loc = ember.tensor([0.5, -1.0], requires_grad=True)
        scale = ember.tensor([2.0, 0.5], requires_grad=True)
        x = cls(loc, scale).rsample((1000,))
        x.sum().backward()
        np.testing.assert_allclose(loc.grad.numpy(), [1000.0, 1000.0], rtol=1e-5)
        eps = ((x.detach() - loc.detach()) / scale.detach()).sum(0)
        np.testing.assert_allclose(scale.grad.numpy(), eps.numpy(), rtol=1e-3, atol=1e-2)
    rate = ember.tensor([2.0], requires_grad=True)
    x = Exponential(rate).rsample((10,))
    x.sum().backward()
    np.testing.assert_allclose(rate.grad.numpy(), -(x.detach() / rate.detach()).sum(0).numpy(), rtol=1e-5)
    low = ember.tensor([1.0], requires_grad=True)
    high = ember.tensor([3.0], requires_grad=True)
    x = Uniform(low, high).rsample((10,))
    x.sum().backward()
    u = ((x.detach() - 1.0) / 2.0).sum(0).numpy()
    np.testing.assert_allclose(high.grad.numpy(), u, rtol=1e-5)
    np.testing.assert_allclose(low.grad.numpy(), 10 - u, rtol=1e-5)


def test_lognormal_and_halfnormal_rsample_are_differentiable():
    loc = ember.tensor([0.5], requires_grad=True)
    x = LogNormal(loc, 0.5).rsample((5,))
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), x.detach().sum(0).numpy(), rtol=1e-5)  # d exp(y) / d loc
    scale = ember.tensor([2.0], requires_grad=True)
    y = HalfNormal(scale).rsample((5,))
    y.sum().backward()
    np.testing.assert_allclose(scale.grad.numpy(), (y.detach() / 2.0).sum(0).numpy(), rtol=1e-5)


def test_studentt_rsample_gradient_reaches_df():
    df = ember.tensor([3.0, 10.0], requires_grad=True)
    StudentT(df).rsample((50,)).pow(2).sum().backward()
    assert df.grad is not None and bool(ember.isfinite(df.grad).all())


def test_uniform_out_of_support_log_prob_without_validation(torch):
    for lib in (torch, ember):
        d = lib.distributions.Uniform(lib.tensor([0.0]), lib.tensor([1.0]), validate_args=False)
        lp = d.log_prob(lib.tensor([-0.5, 0.5, 1.0, 2.0]))
        assert list(np.isinf(lp.numpy())) == [True, False, True, True]


@pytest.mark.parametrize("name", ["Normal", "Laplace", "Cauchy", "Exponential", "Gumbel", "HalfNormal",
                                  "LogNormal", "Weibull", "Pareto", "Uniform"])
def test_icdf_inverts_cdf(name):
    d = SAMPLERS[name]() if name != "Cauchy" else Cauchy(ember.tensor([0.0, 3.0]), ember.tensor([1.0, 0.5]))
    x = d.sample((7,)).double()
    p = d.cdf(x)
    np.testing.assert_allclose(d.icdf(p).numpy(), x.numpy(), rtol=2e-4, atol=2e-4)


def test_float_value_for_normal_log_prob(torch):
    # a Python number as value (validation off) broadcasts as in PyTorch
    t = torch.distributions.Normal(torch.tensor([0.0, 1.0]), 2.0, validate_args=False).log_prob(0.5)
    e = Normal(ember.tensor([0.0, 1.0]), 2.0, validate_args=False).log_prob(0.5)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    assert math.isclose(float(Normal(0.0, 1.0).entropy()), 0.5 * math.log(2 * math.pi * math.e), rel_tol=1e-6)
