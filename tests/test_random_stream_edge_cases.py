"""ember's random streams against PyTorch's where a sweep found them apart: float64 samplers to the last bit
(the C library's log/tan/exp, as PyTorch's double kernels use, for draws of up to 4096 values), keys and ``out=``
tensors drawn in memory order, ``random_`` bounds beyond a float type's exact integers, and normal's gradient nodes."""

import warnings

import numpy as np
import pytest

import ember


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _pair(torch, fn, seed=0):
    """``fn(lib)`` as NumPy arrays for ember and PyTorch, each right after ``manual_seed(seed)``."""
    out = []
    for lib in (ember, torch):
        lib.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn(lib)
        out.append(np.asarray(r.detach().double().numpy() if hasattr(r, "detach") else r))
    return out


def _exact(torch, fn, seed=0):
    e, t = _pair(torch, fn, seed)
    assert e.shape == t.shape
    np.testing.assert_array_equal(e, t)


@pytest.mark.parametrize("draw", [
    lambda L: L.randn(2000, dtype=L.float64),
    lambda L: L.cat([L.randn(8, dtype=L.float64) for _ in range(100)]),  # the scalar kernel
    lambda L: L.empty(2000, dtype=L.float64).exponential_(),
    lambda L: L.empty(2000, dtype=L.float64).cauchy_(),
    lambda L: L.empty(2000, dtype=L.float64).log_normal_(),
    lambda L: L._standard_gamma(L.full((3000,), 1000.0, dtype=L.float64)),  # the gamma sampler's blocks
], ids=["randn", "randn-scalar", "exponential", "cauchy", "log_normal", "gamma"])
def test_float64_samplers_bit_exact(torch, draw):
    _exact(torch, draw)


def test_float64_randn_known_value(torch):
    e, t = _pair(torch, lambda L: L.randn(1000, dtype=L.float64)[257:258])
    assert e[0] == t[0] == 0.11838756456837449


def test_log_normal_float64_overflow(torch):
    _exact(torch, lambda L: L.empty(50, dtype=L.float64).log_normal_(700.0, 20.0))


def test_multinomial_noncontiguous_keys_in_memory_order(torch):
    _exact(torch, lambda L: L.multinomial(L.rand(10, 3).t(), 2, False))
    _exact(torch, lambda L: L.multinomial(L.rand(10, 3).t(), 1))
    _exact(torch, lambda L: L.distributions.Categorical(probs=L.rand(6, 3).t()).sample())


@pytest.mark.parametrize("dtype,low,high", [
    ("float32", 0, 2**25), ("float32", 0, 2**26 - 1), ("float32", 0, 2**28), ("float32", -(2**26) + 1, 5),
    ("float16", 0, 3000), ("float16", -4103, 4103), ("bfloat16", 0, 1000), ("bfloat16", -1001, 300),
    ("float64", 0, 2**60), ("float32", 0, 2**25 + 1),
])
def test_random_bounds_beyond_exact_integers(torch, dtype, low, high):
    _exact(torch, lambda L: L.empty(32, dtype=getattr(L, dtype)).random_(low, high))
    _exact(torch, lambda L: L.randint(low, high, (32,), dtype=getattr(L, dtype)))


def test_random_bounds_adjusted_to_empty_range(torch):
    msg = "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got from=2999 >= to=2998"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lib in (torch, ember):
            with pytest.raises(RuntimeError) as info:
                lib.empty(4, dtype=lib.float16).random_(2999, 3000)
            assert str(info.value) == msg


@pytest.mark.parametrize("draw", [
    lambda L: L.rand(4, 5, out=L.empty(5, 4).t()),
    lambda L: L.randn(4, 5, out=L.empty(5, 4).t()),
    lambda L: L.randn(4, 5, out=L.empty(5, 4, dtype=L.float64).t()),
    lambda L: L.normal(0.0, 2.0, (4, 5), out=L.empty(5, 4).t()),
    lambda L: L.normal(L.zeros(4, 5), 1.0, out=L.empty(5, 4).t()),
    lambda L: L.normal(L.zeros(4, 5), L.ones(4, 5), out=L.empty(5, 4).t()),
    lambda L: L.randint(0, 10, (4, 5), out=L.empty(5, 4, dtype=L.int64).t()),
    lambda L: L.randint(0, 10, (6,), out=L.empty(6)),  # (out's dtype)
    lambda L: L.normal(1.0, 2.0, (6,), out=L.empty(6, dtype=L.float64)),
], ids=["rand", "randn", "randn64", "normal", "normal-mean", "normal-both", "randint", "randint-float", "normal-out"])
def test_out_drawn_as_in_place(torch, draw):
    _exact(torch, draw)


def test_normal_tensor_parameters_zero_gradients(torch):
    for lib in (ember, torch):
        m = lib.zeros(3, requires_grad=True)
        s = lib.ones(3, requires_grad=True)
        names = [lib.normal(m, 2.0).grad_fn.name(), lib.normal(0.0, s).grad_fn.name(),
                 lib.normal(m, s).grad_fn.name(), lib.normal(m, lib.ones(3)).grad_fn.name()]
        assert names == ["NormalBackward1", "NormalBackward2", "NormalBackward3", "NormalBackward3"]
        y = lib.normal(m, s)
        assert y.requires_grad
        y.sum().backward()
        assert m.grad.tolist() == [0.0] * 3 and s.grad.tolist() == [0.0] * 3
        assert not lib.normal(lib.zeros(3), 1.0).requires_grad


@pytest.mark.parametrize("call", [
    "L.bernoulli(L.tensor([1.5, -0.5]))", "L.bernoulli(L.ones(3, dtype=L.int64))",
    "L.bernoulli(L.ones(3, dtype=L.bool))",
    "L.bernoulli(L.tensor([float('nan')]))", "L.bernoulli(L.ones(3), 1.5)", "L.multinomial(L.rand(3), 0)",
    "L.multinomial(L.rand(3), 0, True)", "L.multinomial(L.rand(0), 1)", "L.multinomial(L.rand(0), 1, True)",
    "L.randperm(3000, dtype=L.float16)", "L.randperm(300, dtype=L.uint8)", "L.randperm(129, dtype=L.int8)",
    "L.randperm(32769, dtype=L.int16)", "L.randperm(3, dtype=L.bool)", "L.randperm(2**24 + 2, dtype=L.float32)",
    "L.empty(5).uniform_(a=-1, b=1)",
])
def test_sampler_argument_errors(torch, call):
    outcomes = []
    for lib in (ember, torch):
        with pytest.raises(Exception) as info:
            eval(call, {"L": lib})
        outcomes.append((type(info.value).__name__, str(info.value).replace("torch", "ember")))
    assert outcomes[0] == outcomes[1]


_INF, _NAN = float("inf"), float("nan")


@pytest.mark.parametrize("weights", [
    [_INF, 1.0], [-1.0, _INF], [_NAN, 1.0], [0.0, 0.0], [-1.0, 1.0], [], [1.0, _NAN, _INF], [1.0, _INF, _NAN],
    [[1.0, 1.0], [0.0, 0.0], [-1.0, 1.0]], [[0.0, 0.0], [-1.0, 1.0]], [[1.0, -1.0], [0.0, 0.0]],
    [[0.0, 0.0], [_INF, 1.0]],
])
def test_multinomial_invalid_weights(torch, weights):
    # with replacement and >= 2 draws PyTorch checks row by row with its own messages; without replacement the
    # sample count is checked before the weights
    for n in (1, 2, 3):
        for replacement in (True, False):
            outcomes = []
            for lib in (ember, torch):
                with pytest.raises(RuntimeError) as info:
                    lib.multinomial(lib.tensor(weights, dtype=lib.float64), n, replacement)
                outcomes.append(str(info.value))
            assert outcomes[0] == outcomes[1], (n, replacement)


@pytest.mark.parametrize("call", ["L.randperm(256, dtype=L.uint8)", "L.randperm(2049, dtype=L.float16)",
                                  "L.randperm(128, dtype=L.int8)"])
def test_randperm_at_the_dtype_limit(torch, call):
    _exact(torch, lambda L: eval(call, {"L": L}))
