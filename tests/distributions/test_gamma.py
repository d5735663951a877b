"""The gamma family against PyTorch: Gamma, Chi2, Beta, Dirichlet, and the reparameterised standard-gamma
sampler behind their ``rsample`` (``ember/_ops/distributions.py``)."""

import numpy as np
import pytest

import ember
from ember._ops.distributions import StandardGamma, standard_gamma_grad
from ember._ops import _specfun
from ember.distributions import Beta, Chi2, Dirichlet, Gamma
from tests.distributions._helpers import check_moments, check_samples, compare

R = np.random.default_rng(2)
POS = R.uniform(0.5, 3.0, (2, 3))
POS2 = R.uniform(0.5, 3.0, (2, 3))
SMALL = R.uniform(0.1, 0.9, (2, 3))
VAL_POS = R.uniform(0.1, 4.0, (4, 2, 3))
VAL_UNIT = R.uniform(0.02, 0.98, (4, 2, 3))
CONC = R.uniform(0.3, 3.0, (2, 4))
SIMPLEX = R.dirichlet(np.ones(4), size=(3, 2))

CASES = {
    "Gamma": (lambda m, c, r: m.distributions.Gamma(c, r), [POS, POS2], VAL_POS, True),
    "Gamma-small-concentration": (lambda m, c, r: m.distributions.Gamma(c, r), [SMALL, POS2], VAL_POS, True),
    "Gamma-scalar": (lambda m: m.distributions.Gamma(2.0, 3.0), [], VAL_POS, True),
    "Chi2": (lambda m, d: m.distributions.Chi2(d), [POS * 2], VAL_POS, True),
    "Beta": (lambda m, a, b: m.distributions.Beta(a, b), [POS, POS2], VAL_UNIT, False),
    "Beta-small": (lambda m, a, b: m.distributions.Beta(a, b), [SMALL, POS2], VAL_UNIT, False),
    "Beta-scalar": (lambda m: m.distributions.Beta(0.5, 2.0), [], VAL_UNIT, False),
    "Dirichlet": (lambda m, c: m.distributions.Dirichlet(c), [CONC], SIMPLEX, False),
    "Dirichlet-below-1": (lambda m, c: m.distributions.Dirichlet(c), [CONC * 0.2], SIMPLEX, False),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_against_torch(torch, name, dtype):
    make, params, value, cdf = CASES[name]
    # the incomplete gamma function has no derivative in its first argument (in PyTorch either)
    compare(torch, make, params, value=value, dtype=dtype, cdf=cdf, nograd=("cdf",))


def test_dirichlet_mode_all_below_one_matches_torch(torch):
    c = np.array([[0.5, 0.3], [0.3, 0.5], [2.0, 3.0]])
    np.testing.assert_allclose(Dirichlet(ember.tensor(c)).mode.numpy(),
                               torch.distributions.Dirichlet(torch.tensor(c)).mode.numpy())


@pytest.mark.parametrize("make", [
    lambda: Gamma(ember.tensor([0.3, 2.0, 50.0]), ember.tensor([1.0, 2.0, 0.5])),
    lambda: Chi2(ember.tensor([1.0, 4.0])),
    lambda: Beta(ember.tensor([0.5, 2.0]), ember.tensor([0.5, 5.0])),
    lambda: Dirichlet(ember.tensor([[0.5, 1.0, 2.0], [4.0, 4.0, 4.0]])),
])
def test_samples(make):
    d = make()
    check_samples(d, (5,), dtype=ember.float32)
    check_samples(d.expand((2,) + tuple(d.batch_shape)), (3,), dtype=ember.float32)
    check_moments(d)


def test_tiny_concentration_samples_stay_positive():
    # Gamma(0.001) draws underflow float32; they are raised to the smallest positive float (as in PyTorch)
    s = Gamma(ember.full((10_000,), 1e-3), 1.0).rsample()
    assert bool((s > 0).all()) and bool(ember.isfinite(s.log()).all())


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_standard_gamma_dtypes(torch, dtype):
    # PyTorch's CPU gamma sampler exists for float32 and float64 only; ember raises its error for the others
    def draw(L):
        return L.distributions.Gamma(L.full((4,), 2.0, dtype=getattr(L, dtype)), 1.0).rsample()
    if dtype in ("float32", "float64"):
        s = draw(ember)
        assert s.dtype == getattr(ember, dtype) and bool((s > 0).all())
        return
    with pytest.raises(NotImplementedError) as te:
        draw(torch)
    with pytest.raises(NotImplementedError) as ee:
        draw(ember)
    assert str(ee.value) == str(te.value)


def test_dtype_float64():
    c = ember.tensor([0.5, 2.0], dtype=ember.float64)
    assert Gamma(c, 1.0).rsample((3,)).dtype == ember.float64
    assert Dirichlet(c).rsample((3,)).dtype == ember.float64
    assert Beta(c, c).rsample((3,)).dtype == ember.float64


# ------------------------------------------------------------------ the implicit reparameterisation gradient
def _fd_dx_dalpha(a, x, h=1e-6):
    """dx/dalpha = -(dP/dalpha) / (dP/dx), dP/dalpha by central differences of P in float64."""
    da = a * h
    dp_da = (_specfun.gammainc(a + da, x) - _specfun.gammainc(a - da, x)) / (2 * da)
    return -dp_da / _specfun.gammainc_dx(a, x)


@pytest.mark.parametrize("alpha", [0.01, 0.3, 1.0, 4.0, 50.0, 3000.0])
def test_standard_gamma_grad_matches_finite_differences(alpha):
    rng = np.random.default_rng(0)
    a = np.full(500, alpha)
    x = np.maximum(rng.gamma(a), 1e-300)
    np.testing.assert_allclose(standard_gamma_grad(a, x), _fd_dx_dalpha(a, x), rtol=2e-6, atol=1e-300)


def test_standard_gamma_grad_in_the_tails():
    # far upper tails (P rounds to 1) use Q's continued fraction; large alpha the Wilson-Hilferty form
    a = np.array([1.0, 1.0, 100.0, 0.01, 50.0, 5.0, 2e4, 2e4, 1e6])
    x = np.array([40.0, 80.0, 250.0, 30.0, 400.0, 1e-10, 2e4, 2e4 + 400, 1e6 + 3e3])
    g = standard_gamma_grad(a, x)
    assert np.isfinite(g).all()
    # upper tail: dx/dalpha -> log(x) - digamma(alpha) (+ O(alpha / x)) as x grows
    assert abs(g[1] - (np.log(80.0) + 0.5772156649 + 1 / 80)) < 0.02
    np.testing.assert_allclose(g[5], _fd_dx_dalpha(a[5:6], x[5:6])[0], rtol=1e-6)
    np.testing.assert_allclose(g[6:8], _fd_dx_dalpha(a[6:8], x[6:8]), rtol=1e-5)
    assert standard_gamma_grad(np.array([2.0]), np.array([0.0]))[0] == 0.0


def test_standard_gamma_grad_close_to_torch(torch):
    rng = np.random.default_rng(1)
    a = rng.uniform(0.05, 20.0, 2000)
    x = np.maximum(rng.gamma(a), 1e-30)
    want = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(standard_gamma_grad(a, x), want, rtol=3e-3)  # PyTorch's is an approximation


def test_standard_gamma_op_backward():
    a = ember.tensor([[0.5, 2.0, 10.0]], dtype=ember.float64, requires_grad=True)
    x = ember.tensor([[0.2, 1.5, 12.0], [0.9, 3.0, 8.0]], dtype=ember.float64)
    out = StandardGamma.apply(a.expand(2, 3), x)
    assert out.grad_fn.name() == "StandardGammaBackward0"
    np.testing.assert_array_equal(out.detach().numpy(), x.numpy())
    g = ember.tensor([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]], dtype=ember.float64)
    out.backward(g)
    want = (g.numpy() * standard_gamma_grad(np.broadcast_to(a.detach().numpy(), (2, 3)), x.numpy())).sum(0)
    np.testing.assert_allclose(a.grad.numpy()[0], want, rtol=1e-12)


def test_gamma_rsample_gradients():
    # rate: x = g / rate, so d x / d rate = -x / rate; concentration: the implicit gradient, whose mean over
    # many draws is d E[x] / d concentration = 1 / rate
    conc = ember.tensor([0.7, 3.0], requires_grad=True)
    rate = ember.tensor([2.0, 0.5], requires_grad=True)
    x = Gamma(conc, rate).rsample((100_000,))
    x.mean(0).sum().backward()
    np.testing.assert_allclose(conc.grad.numpy(), 1 / rate.detach().numpy(), rtol=0.03)
    np.testing.assert_allclose(rate.grad.numpy(), -(x.detach() / rate.detach()).mean(0).numpy(), rtol=1e-4)


def test_beta_and_dirichlet_rsample_gradients_match_mean_derivative():
    a = ember.tensor([0.5, 2.0], dtype=ember.float64, requires_grad=True)
    b = ember.tensor([1.5, 3.0], dtype=ember.float64, requires_grad=True)
    Beta(a, b).rsample((100_000,)).mean(0).sum().backward()
    av, bv = a.detach().numpy(), b.detach().numpy()
    np.testing.assert_allclose(a.grad.numpy(), bv / (av + bv) ** 2, rtol=0.04)  # d/da of a / (a + b)
    np.testing.assert_allclose(b.grad.numpy(), -av / (av + bv) ** 2, rtol=0.04)
    c = ember.tensor([0.5, 1.0, 2.0], dtype=ember.float64, requires_grad=True)
    Dirichlet(c).rsample((100_000,))[:, 0].mean().backward()  # d/dc of c_0 / sum(c)
    cv = c.detach().numpy()
    np.testing.assert_allclose(c.grad.numpy(), [1 / cv.sum() - cv[0] / cv.sum() ** 2, -cv[0] / cv.sum() ** 2,
                                                -cv[0] / cv.sum() ** 2], rtol=0.05)


def test_gamma_cdf_gradient_in_value_only(torch):
    for lib in (torch, ember):
        x = lib.tensor([0.5, 2.0], requires_grad=True)
        lib.distributions.Gamma(lib.tensor([2.0, 3.0]), lib.tensor([1.0, 2.0])).cdf(x).sum().backward()
        if lib is torch:
            want = x.grad.numpy()
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-5)
