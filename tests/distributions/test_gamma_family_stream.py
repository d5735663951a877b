"""The gamma-family samplers draw PyTorch's numbers: ``_standard_gamma``, ``_sample_dirichlet``, ``binomial``
and the distributions built on them (Gamma, Chi2, Beta, Dirichlet, StudentT, FisherSnedecor, Binomial,
NegativeBinomial, InverseGamma, VonMises, ...) give the same values as PyTorch after the same seed and leave
the generator in the same state; their reparameterisation gradients agree with PyTorch's to its
approximation's accuracy (ember's are exact to float64 rounding)."""

import math

import numpy as np
import pytest

import ember

SEEDS = (0, 7)


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _same(e, t, atol=0.0):
    e, t = _np(e), _np(t)
    assert e.shape == t.shape and e.dtype == t.dtype, (e.shape, t.shape, e.dtype, t.dtype)
    if atol:
        np.testing.assert_allclose(e, t, rtol=0, atol=atol)
    elif e.dtype == np.float64 and not np.array_equal(e, t, equal_nan=True):
        # the float64 normals under the samplers come from libm's log/sin/cos in PyTorch, whose last bit varies
        # between CPUs (AMD Zen 4 with AVX-512): the same draws, to a few ulps of the largest value
        np.testing.assert_allclose(e, t, rtol=1e-14, atol=1e-14 * np.abs(t).max())
    else:
        np.testing.assert_array_equal(e, t)


def _both(torch, seed, fn, prefix=None):
    """``fn(lib)`` for ember and PyTorch after ``manual_seed(seed)`` (and ``prefix``), then checks that the
    generators ended in the same state (the cached normal included)."""
    out = []
    for lib in (ember, torch):
        lib.manual_seed(seed)
        if prefix:
            prefix(lib)
        out.append(fn(lib))
    _same(ember.get_rng_state(), torch.get_rng_state())
    return out


def _avx2(torch):
    return torch.backends.cpu.get_cpu_capability() == "AVX2"


ALPHAS = np.concatenate([
    np.random.default_rng(0).gamma(0.8, 2.0, 200),  # mostly below and around 1: the boosted branch
    [0.0, 1e-3, 1e-30, 1.0, 2.5, 1e4, np.inf, np.nan, -0.5, -1.0, 0.5],
])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("prefix", [None, "randn1"])
def test_standard_gamma(torch, dtype, prefix):
    pre = (lambda L: L.randn(1)) if prefix else None  # leaves a cached normal, which the sampler uses first
    for seed in SEEDS:
        e, t = _both(torch, seed, lambda L: L._standard_gamma(L.tensor(ALPHAS, dtype=getattr(L, dtype))), pre)
        _same(e, t)
        # many elements with rare rejections take ember's vectorised blocks; shapes and later draws
        e, t = _both(torch, seed, lambda L: (L._standard_gamma(L.full((40, 50), 300.0, dtype=getattr(L, dtype))),
                                             L.randn(3)), pre)
        _same(e[0], t[0])
        _same(e[1], t[1])


def test_standard_gamma_generator_grad_fn_and_errors(torch):
    e = ember._standard_gamma(ember.tensor([1.5, 0.3]), generator=ember.Generator().manual_seed(3))
    t = torch._standard_gamma(torch.tensor([1.5, 0.3]), generator=torch.Generator().manual_seed(3))
    _same(e, t)
    c = ember.tensor([2.0], requires_grad=True)
    assert ember._standard_gamma(c).grad_fn.name() == "StandardGammaBackward0"
    for name, arg in (("_standard_gamma", [1, 2]), ("_sample_dirichlet", [1, 2])):
        for dt in ("int64", "float16"):
            with pytest.raises(NotImplementedError) as te:
                getattr(torch, name)(torch.tensor(arg, dtype=getattr(torch, dt)))
            with pytest.raises(NotImplementedError) as ee:
                getattr(ember, name)(ember.tensor(arg, dtype=getattr(ember, dt)))
            assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sample_dirichlet(torch, dtype):
    rng = np.random.default_rng(1)
    for k in (1, 2, 3, 5, 17):
        conc = rng.uniform(0.05, 3.0, (6, k))
        for seed in SEEDS:
            e, t = _both(torch, seed, lambda L, c=conc: L._sample_dirichlet(L.tensor(c, dtype=getattr(L, dtype))))
            # float64 sums of 4+ values are added in PyTorch's AVX2 vector order (ember follows it)
            _same(e, t, atol=0 if dtype == "float32" or k < 4 or _avx2(torch) else 1e-15)
    # a 0-d concentration, an expanded one (AugMix's), a transposed one, and a following draw
    e, t = _both(torch, 2, lambda L: (L._sample_dirichlet(L.tensor(2.0)),
                                      L._sample_dirichlet(L.tensor([0.5, 0.5]).expand(4, -1)),
                                      L._sample_dirichlet(L.tensor(conc[:, :3]).t()), L.rand(2)))
    for a, b in zip(e, t):
        _same(a, b)
    e, t = (L._sample_dirichlet(L.tensor([1.0, 2.0], requires_grad=True)) for L in (ember, torch))
    assert e.grad_fn.name().split("::")[-1] == t.grad_fn.name().split("::")[-1] == "NotImplemented"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binomial(torch, dtype):
    rng = np.random.default_rng(3)
    count = np.floor(rng.uniform(0, 200, 300))
    prob = rng.uniform(0, 1, 300)
    # inversion and BTRS, p above 1/2 (the draw for 1 - p), and the edges: no trials, p = 0 or 1 (or beyond),
    # a NaN p, an infinite count
    count[:12] = [0, 1, 1000, 5, 1e6, -3, np.inf, 5, 7, 2.5, 100, 1e5]
    prob[:12] = [0.5, 0.99, 0.001, 0.5, 0.3, 0.5, 0.5, np.nan, 1.5, 0.3, 0.999, 0.0]
    for seed in SEEDS:
        e, t = _both(torch, seed, lambda L: L.binomial(L.tensor(count, dtype=getattr(L, dtype)),
                                                       L.tensor(prob, dtype=getattr(L, dtype))))
        _same(e, t)
    e, t = _both(torch, 1, lambda L: L.binomial(L.tensor([[5.0], [60.0]]), L.tensor([0.3, 0.7, 0.5]),
                                                generator=None))
    _same(e, t)


def _dists(L):
    """Each gamma-family distribution and a sample from it (a tuple of draws in order)."""
    D = L.distributions
    t = L.tensor
    conc = t([[0.4, 1.0, 3.5], [2.0, 0.2, 9.0]])
    return {
        "Gamma": lambda: (D.Gamma(conc, t([1.0, 2.0, 0.5])).rsample((3,)), D.Gamma(2.0, 3.0).sample((4,))),
        "Gamma-float64": lambda: D.Gamma(conc.double(), 1.5).rsample((2,)),
        "Chi2": lambda: D.Chi2(t([1.0, 3.0, 10.0])).sample((5,)),
        "Beta": lambda: (D.Beta(conc, conc.flip(0)).rsample((2,)), D.Beta(0.5, 2.0).sample((3,))),
        "Dirichlet": lambda: (D.Dirichlet(conc).rsample((3,)), D.Dirichlet(conc.double()).sample()),
        "FisherSnedecor": lambda: D.FisherSnedecor(t([1.0, 5.0]), t([3.0, 0.5])).rsample((4,)),
        "Binomial": lambda: (D.Binomial(t([10.0, 40.0]), probs=t([0.3, 0.6])).sample((6,)),
                             D.Binomial(100, logits=t([0.0, -2.0])).sample()),
        "NegativeBinomial": lambda: D.NegativeBinomial(t([3.0, 20.0]), probs=t([0.4, 0.7])).sample((5,)),
        "InverseGamma": lambda: D.InverseGamma(conc, 2.0).rsample((2,)),
        "VonMises": lambda: (D.VonMises(t([0.3, -2.0, 3.0]), t([0.5, 4.0, 1e-6])).sample((20,)),
                             D.VonMises(t([1.0]).double(), t([30.0]).double()).sample((5,))),
        # this one also draws normals (PyTorch's float32 block kernel is the AVX2 one ember reproduces)
        "StudentT": lambda: D.StudentT(t([1.0, 4.0, 30.0]), 1.0, 2.0).rsample((7,)),
    }


@pytest.mark.parametrize("name", list(_dists(ember)))
def test_distribution_samples(torch, name):
    if name == "StudentT" and not _avx2(torch):
        pytest.skip("PyTorch's float32 normal kernel differs from its AVX2 one on this CPU")
    for seed in SEEDS:
        e, t = _both(torch, seed, lambda L: _dists(L)[name]())
        e, t = (e, t) if isinstance(e, tuple) else ((e,), (t,))
        for a, b in zip(e, t):
            # VonMises: PyTorch's vectorised float64 cos/acos may differ from the C library's in the last bit
            _same(a, b, atol=1e-13 if name == "VonMises" and b.dtype == torch.float64 else 0.0)


# --------------------------------------------------------------------------- reparameterisation gradients


def _grads(torch, make):
    """The sample and the parameters' gradients under one random upstream gradient, for ember and PyTorch."""
    out = []
    for L in (ember, torch):
        L.manual_seed(5)
        params, sample = make(L)
        up = L.tensor(np.random.default_rng(4).standard_normal(tuple(sample.shape)).astype(np.float32))
        sample.backward(up.to(sample.dtype))
        out.append((sample, [p.grad for p in params]))
    return out


@pytest.mark.parametrize("name", ["Gamma", "Beta", "Dirichlet", "Chi2"])
def test_rsample_gradients(torch, name):
    conc = np.array([[0.3, 1.0, 4.0], [2.5, 0.7, 12.0]], np.float32)

    def make(L):
        D = L.distributions
        c = L.tensor(conc, requires_grad=True)
        r = L.tensor([1.0, 2.0, 0.5], requires_grad=True)
        if name == "Gamma":
            return (c, r), D.Gamma(c, r).rsample((4,))
        if name == "Chi2":
            return (c,), D.Chi2(c).rsample((4,))
        if name == "Beta":
            return (c, r), D.Beta(c, r).rsample((4,))
        return (c,), D.Dirichlet(c).rsample((4,))

    (es, eg), (ts, tg) = _grads(torch, make)
    _same(es, ts)
    for a, b in zip(eg, tg):
        # PyTorch's gradients are approximations good to ~1e-3 relative; ember's are exact
        np.testing.assert_allclose(_np(a), _np(b), rtol=5e-3, atol=1e-4)


def test_gradient_kernels(torch):
    rng = np.random.default_rng(6)
    a = np.exp(rng.uniform(-3, 4, 200))
    x = rng.gamma(a)
    e = ember._standard_gamma_grad(ember.tensor(a), ember.tensor(x))
    t = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x))
    assert e.dtype == ember.float64 and e.shape == t.shape
    np.testing.assert_allclose(_np(e), _np(t), rtol=3e-3)
    b = np.exp(rng.uniform(-3, 4, 200))
    y = np.clip(rng.beta(a, b), 1e-12, 1 - 1e-12)
    e = ember._dirichlet_grad(ember.tensor(y), ember.tensor(a), ember.tensor(a + b))
    t = torch._dirichlet_grad(torch.tensor(y), torch.tensor(a), torch.tensor(a + b))
    np.testing.assert_allclose(_np(e), _np(t), rtol=3e-3, atol=1e-12)
    # broadcasting, dtype, and exactness where the answer is closed-form: for Beta(a, 1), I_x = x^a, so the
    # scaled gradient is -x log(x) / (a (1 - x)) (both of ember's branches: x below and above (a + 1) / (a + 2))
    xs = np.linspace(0.01, 0.99, 99)
    got = ember._dirichlet_grad(ember.tensor(xs, dtype=ember.float64), ember.tensor([2.0], dtype=ember.float64),
                                ember.tensor(3.0, dtype=ember.float64))
    np.testing.assert_allclose(_np(got), -xs * np.log(xs) / (2.0 * (1 - xs)), rtol=1e-12)
    assert ember._dirichlet_grad(ember.tensor([0.5]), ember.tensor([1.0]), ember.tensor([2.0])).dtype == ember.float32
    assert math.isclose(ember._dirichlet_grad(ember.tensor([0.5]), ember.tensor([1.0]), ember.tensor([2.0])).item(),
                        math.log(2.0), rel_tol=1e-6)
