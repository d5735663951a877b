"""Discrete distributions against PyTorch: Bernoulli, Categorical, OneHotCategorical(StraightThrough),
Binomial, Geometric, Poisson, Multinomial."""

import numpy as np
import pytest

import ember
from ember.distributions import (
    Bernoulli, Binomial, Categorical, Geometric, Multinomial, OneHotCategorical, OneHotCategoricalStraightThrough,
    Poisson,
)
from tests.distributions._helpers import check_moments, check_samples, compare

R = np.random.default_rng(3)
PROBS = R.uniform(0.05, 0.95, (2, 3))
LOGITS = R.standard_normal((2, 3))
BITS = (R.random((4, 2, 3)) < 0.5).astype("float64")
WEIGHTS = R.uniform(0.1, 2.0, (2, 4))
CAT_LOGITS = R.standard_normal((2, 4))
IDX = R.integers(0, 4, (5, 2))
ONE_HOT = np.eye(4)[R.integers(0, 4, (5, 2))]
COUNTS = R.integers(0, 6, (4, 2, 3)).astype("float64")
RATE = R.uniform(0.5, 5.0, (2, 3))
MULTI = np.stack([R.multinomial(6, [0.25] * 4, size=2) for _ in range(3)]).astype("float64")

CASES = {
    "Bernoulli-probs": (lambda m, p: m.distributions.Bernoulli(probs=p), [PROBS], BITS),
    "Bernoulli-logits": (lambda m, z: m.distributions.Bernoulli(logits=z), [LOGITS], BITS),
    "Bernoulli-scalar": (lambda m: m.distributions.Bernoulli(0.3), [], BITS),
    "Bernoulli-edges": (lambda m, p: m.distributions.Bernoulli(probs=p), [np.array([0.0, 0.5, 1.0])],
                        np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]])),
    "Categorical-probs": (lambda m, p: m.distributions.Categorical(probs=p), [WEIGHTS], IDX),
    "Categorical-logits": (lambda m, z: m.distributions.Categorical(logits=z), [CAT_LOGITS], IDX),
    "Categorical-1d": (lambda m, p: m.distributions.Categorical(probs=p), [WEIGHTS[0]], IDX[:, 0]),
    "Categorical-zero-prob": (lambda m, p: m.distributions.Categorical(probs=p),
                              [np.array([[0.0, 1.0, 3.0], [2.0, 2.0, 0.0]])], np.array([[1, 0], [2, 1]])),
    "OneHotCategorical": (lambda m, p: m.distributions.OneHotCategorical(probs=p), [WEIGHTS], ONE_HOT),
    "OneHotCategorical-logits": (lambda m, z: m.distributions.OneHotCategorical(logits=z), [CAT_LOGITS], ONE_HOT),
    "OneHotCategoricalStraightThrough": (lambda m, p: m.distributions.OneHotCategoricalStraightThrough(probs=p),
                                         [WEIGHTS], ONE_HOT),
    "Binomial-probs": (lambda m, p: m.distributions.Binomial(6, probs=p), [PROBS], COUNTS),
    "Binomial-logits": (lambda m, z: m.distributions.Binomial(6, logits=z), [LOGITS], COUNTS),
    "Binomial-tensor-count": (lambda m, n, p: m.distributions.Binomial(n, probs=p),
                              [np.array([[6.0, 7.0, 8.0], [9.0, 6.0, 5.0]]), PROBS], COUNTS),
    "Binomial-edges": (lambda m, p: m.distributions.Binomial(4, probs=p), [np.array([0.0, 0.3, 1.0])],
                       np.array([[0.0, 2.0, 4.0], [1.0, 0.0, 3.0]])),
    "Geometric-probs": (lambda m, p: m.distributions.Geometric(probs=p), [PROBS], COUNTS),
    "Geometric-logits": (lambda m, z: m.distributions.Geometric(logits=z), [LOGITS], COUNTS),
    "Geometric-one": (lambda m, p: m.distributions.Geometric(probs=p), [np.array([1.0, 0.5])],
                      np.array([[0.0, 1.0], [0.0, 0.0]])),
    "Poisson": (lambda m, r: m.distributions.Poisson(r), [RATE], COUNTS),
    "Poisson-zero-rate": (lambda m, r: m.distributions.Poisson(r), [np.array([0.0, 1.5])],
                          np.array([[0.0, 2.0], [1.0, 0.0]])),
    "Multinomial-probs": (lambda m, p: m.distributions.Multinomial(6, probs=p), [WEIGHTS], MULTI),
    "Multinomial-logits": (lambda m, z: m.distributions.Multinomial(6, logits=z), [CAT_LOGITS], MULTI),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_against_torch(torch, name, dtype):
    make, params, value = CASES[name]
    tol = {}
    if "scalar" in name:  # float32 parameters: float32 accuracy even for float64 values
        tol = dict(rtol=2e-5, atol=2e-6)
    if name.startswith("Multinomial") and dtype == "float64":
        tol = dict(rtol=1e-7)  # PyTorch's entropy is off by ~2e-8 (test_multinomial_entropy_is_exact)
    compare(torch, make, params, value=value, dtype=dtype,
            entropy=name not in ("Poisson", "Poisson-zero-rate"), expand=None if "edges" in name else (3,), **tol)


def test_multinomial_entropy_is_exact():
    import itertools
    import math
    p, n = [0.1, 0.2, 0.3, 0.4], 6
    want = 0.0
    for c in itertools.product(range(n + 1), repeat=4):
        if sum(c) == n:
            lp = math.lgamma(n + 1) + sum(ci * math.log(pi) - math.lgamma(ci + 1) for ci, pi in zip(c, p))
            want -= math.exp(lp) * lp
    got = Multinomial(n, ember.tensor(p, dtype=ember.float64)).entropy().item()
    assert abs(got - want) < 1e-13


def test_poisson_has_no_entropy(torch):
    for lib in (torch, ember):
        with pytest.raises(NotImplementedError):
            lib.distributions.Poisson(lib.tensor([1.0])).entropy()


@pytest.mark.parametrize("name", ["Bernoulli-probs", "Categorical-logits", "OneHotCategorical", "Binomial-probs"])
@pytest.mark.parametrize("expand", [True, False])
def test_enumerate_support(torch, name, expand):
    make, params, _ = CASES[name]
    t = make(torch, *[torch.tensor(p) for p in params]).enumerate_support(expand)
    e = make(ember, *[ember.tensor(p) for p in params]).enumerate_support(expand)
    assert tuple(e.shape) == tuple(t.shape) and str(e.dtype)[6:] == str(t.dtype)[6:]
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_binomial_inhomogeneous_count_errors(torch):
    for lib in (torch, ember):
        d = lib.distributions.Binomial(lib.tensor([2.0, 3.0]), probs=lib.tensor([0.5, 0.5]))
        with pytest.raises(NotImplementedError, match="Inhomogeneous total count not supported by `entropy`."):
            d.entropy()
        with pytest.raises(NotImplementedError, match="Inhomogeneous total count not supported by `enumerate_supp"):
            d.enumerate_support()


def test_multinomial_needs_int_count(torch):
    for lib in (torch, ember):
        with pytest.raises(NotImplementedError, match="inhomogeneous total_count is not supported"):
            lib.distributions.Multinomial(lib.tensor([3, 4]), probs=lib.tensor([0.5, 0.5]))


SAMPLERS = {
    "Bernoulli": lambda: Bernoulli(ember.tensor([0.1, 0.5, 0.9])),
    "Bernoulli-logits": lambda: Bernoulli(logits=ember.tensor([-2.0, 0.0, 3.0])),
    "Binomial": lambda: Binomial(10, ember.tensor([0.1, 0.5, 0.9])),
    "Binomial-tensor": lambda: Binomial(ember.tensor([3.0, 20.0]), ember.tensor([0.5, 0.25])),
    "Geometric": lambda: Geometric(ember.tensor([0.2, 0.5, 0.9])),
    "Poisson": lambda: Poisson(ember.tensor([0.5, 4.0, 30.0])),
    "Multinomial": lambda: Multinomial(12, ember.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])),
    "OneHotCategorical": lambda: OneHotCategorical(ember.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_samples(name):
    d = SAMPLERS[name]()
    check_samples(d, (5, 2), dtype=ember.float32)
    check_samples(d.expand((2,) + tuple(d.batch_shape)), (3,), dtype=ember.float32)
    check_moments(d)


def test_categorical_samples():
    probs = ember.tensor([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]])
    d = Categorical(probs)
    s = check_samples(d, (3,), dtype=ember.int64)
    assert s.dtype == ember.int64
    s = d.sample((200_000,))
    freq = np.stack([(s.numpy() == k).mean(0) for k in range(4)], -1)
    np.testing.assert_allclose(freq, probs.numpy(), atol=5e-3)
    assert not (s[:, 0] == 1).any()  # a zero-probability category is never drawn
    assert tuple(Categorical(ember.tensor([0.2, 0.8])).sample().shape) == ()
    # unnormalised weights and logits give the same frequencies
    s = Categorical(logits=ember.tensor([0.0, 1.0, 2.0])).sample((100_000,)).numpy()
    np.testing.assert_allclose(np.bincount(s, minlength=3) / 1e5, np.exp([0, 1, 2]) / np.exp([0, 1, 2]).sum(),
                               atol=5e-3)


def test_multinomial_samples_sum_to_count():
    d = Multinomial(7, logits=ember.randn(3, 5))
    s = d.sample((4,))
    assert tuple(s.shape) == (4, 3, 5)
    np.testing.assert_array_equal(s.sum(-1).numpy(), np.full((4, 3), 7.0))


def test_straight_through_gradient(torch):
    p = ember.tensor([0.2, 0.3, 0.5], requires_grad=True)
    d = OneHotCategoricalStraightThrough(probs=p)
    s = d.rsample((4,))
    assert set(np.unique(s.detach().numpy())) <= {0.0, 1.0}
    (s * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    tp = torch.tensor([0.2, 0.3, 0.5], requires_grad=True)
    (torch.distributions.OneHotCategoricalStraightThrough(probs=tp).rsample((4,))
     * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-6)  # independent of the draw


def test_lazy_logits_and_probs_and_repr(torch):
    for lib in (torch, ember):
        d = lib.distributions.Bernoulli(probs=lib.tensor([0.25, 0.5]))
        assert "logits" not in d.__dict__
        np.testing.assert_allclose(d.logits.detach().numpy(), [np.log(1 / 3), 0.0], rtol=1e-6, atol=1e-7)
        assert "logits" in d.__dict__
    assert repr(Bernoulli(probs=ember.tensor([0.25, 0.5]))) == "Bernoulli(probs: ember.Size([2]))"
    assert repr(Bernoulli(0.3)) == repr(torch.distributions.Bernoulli(0.3))
    assert repr(Categorical(logits=ember.zeros(3))) == "Categorical(logits: ember.Size([3]))"


def test_categorical_parameter_errors(torch):
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both."):
            lib.distributions.Categorical()
        with pytest.raises(ValueError, match="`probs` parameter must be at least one-dimensional."):
            lib.distributions.Categorical(probs=lib.tensor(1.0))
        with pytest.raises(ValueError, match="`logits` parameter must be at least one-dimensional."):
            lib.distributions.Categorical(logits=lib.tensor(1.0))
        with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both."):
            lib.distributions.Bernoulli(probs=lib.tensor(0.5), logits=lib.tensor(0.0))


def test_geometric_zero_probability_message(torch):
    msgs = []
    for lib in (torch, ember):
        with pytest.raises(ValueError) as info:
            lib.distributions.Geometric(probs=lib.tensor([0.0, 0.5]))
        msgs.append(str(info.value).replace("torch.", "ember."))
    assert msgs[0] == msgs[1]
    assert "to be positive but found invalid values" in msgs[1]


def test_log_prob_gradient_for_policy_gradient(torch):
    # REINFORCE: the score function of a categorical policy
    logits = R.standard_normal((3, 5))
    actions = np.array([0, 4, 2])
    adv = np.array([1.0, -0.5, 2.0])
    grads = []
    for lib in (torch, ember):
        z = lib.tensor(logits, requires_grad=True)
        loss = -(lib.distributions.Categorical(logits=z).log_prob(lib.tensor(actions)) * lib.tensor(adv)).sum()
        loss.backward()
        grads.append(z.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10)


@pytest.mark.parametrize("probs", [[float("nan"), 0.5], [float("inf"), 1.0], [-0.1, 0.5], [0.0, 0.0],
                                   [[0.3, 0.7], [0.0, 0.0]]])
@pytest.mark.parametrize("shape", [(), (3,), (0,)])
def test_categorical_sampling_rejects_invalid_rows(torch, probs, shape):
    # without validation the rows reach ``multinomial``, which raises PyTorch's errors (one draw, several, none)
    def run(lib, logits):
        p = lib.tensor(probs)
        d = lib.distributions.Categorical(**{"logits" if logits else "probs": p}, validate_args=False)
        try:
            return tuple(d.sample(shape).shape)
        except RuntimeError as e:
            return str(e)

    for logits in (False, True):
        assert run(ember, logits) == run(torch, logits)
    assert isinstance(run(ember, False), str)


def test_multinomial_sampling_with_no_draws_raises(torch):
    for lib in (torch, ember):  # Multinomial counts draw through Categorical's sampler
        with pytest.raises(RuntimeError, match="cannot sample n_sample <= 0 samples"):
            lib.distributions.Multinomial(0, probs=lib.tensor([0.3, 0.7])).sample((2,))
