"""ember's generator reproduces PyTorch's CPU random streams: the same seed gives bit-identical numbers.

Each test seeds both libraries the same way, runs the same calls through each and compares the results
exactly (values, dtypes, shapes), so ``import ember as torch`` repeats a script's initial weights, dropout
masks, shuffles and random transforms.
"""

import math
import warnings

import numpy as np
import pytest

import ember

SEEDS = (0, 7, 2**33 + 5)


def _np(x):
    """A result as a NumPy array (bfloat16 widened to float32), or a tuple of them."""
    if isinstance(x, (tuple, list)):
        return tuple(_np(v) for v in x)
    if x.dtype.is_complex or x.dtype.is_floating_point:
        name = str(x.dtype).split(".")[-1]
        if name == "bfloat16":
            x = x.float()
    return x.detach().numpy()


def _same(e, t):
    e, t = _np(e), _np(t)
    if isinstance(e, tuple):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            _same_array(a, b)
    else:
        _same_array(e, t)


def _same_array(e, t):
    assert e.shape == t.shape and e.dtype == t.dtype, (e.shape, t.shape, e.dtype, t.dtype)
    if e.dtype in (np.float64, np.complex128) and not np.array_equal(e, t, equal_nan=True):
        # PyTorch's double normals go through libm's log/sin/cos, whose last bit varies between CPUs (AMD Zen 4
        # with AVX-512): the same draws, within a few ulps
        np.testing.assert_allclose(e, t, rtol=1e-14, atol=1e-14 * np.abs(t).max())
        return
    np.testing.assert_array_equal(e, t)


def _both(torch, seed, fn):
    """``fn(lib)`` for ember and PyTorch, each right after ``manual_seed(seed)``."""
    ember.manual_seed(seed)
    torch.manual_seed(seed)
    return fn(ember), fn(torch)


def _avx2(torch):
    """Whether PyTorch runs its AVX2 kernels (the float32 normal ember reproduces bit for bit)."""
    return torch.backends.cpu.get_cpu_capability() == "AVX2"


# ------------------------------------------------------------------------------------------ generator


def test_default_seed_and_fresh_state_match(torch):
    assert ember.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
    _same(ember.Generator().get_state(), torch.Generator().get_state())
    e, t = ember.Generator(), torch.Generator()
    _same(ember.rand(5, generator=e), torch.rand(5, generator=t))


@pytest.mark.parametrize("seed", [0, 1, 2**32 + 5, 2**63 + 1, -1, -(2**63), 2**64 - 1, 1.5])
def test_manual_seed_values(torch, seed):
    e, t = _both(torch, seed, lambda L: (L.rand(3), L.initial_seed()))
    _same(e[0], t[0])
    assert e[1] == t[1]


def test_manual_seed_overflow(torch):
    for seed in (2**64, -(2**63) - 1):
        with pytest.raises(ValueError) as te:
            torch.manual_seed(seed)
        with pytest.raises(ValueError) as ee:
            ember.manual_seed(seed)
        assert str(ee.value) == str(te.value)


def test_generator_device_and_seed_types(torch):
    assert repr(ember.Generator().device) == repr(torch.Generator().device) == "device(type='cpu')"
    assert repr(ember.Generator(ember.device("cpu")).device) == repr(torch.Generator(torch.device("cpu")).device)
    for seed in ("3", 1.5, True, None):  # the method wants an integer; the module function converts with int()
        with pytest.raises(RuntimeError) as te:
            torch.Generator().manual_seed(seed)
        with pytest.raises(RuntimeError) as ee:
            ember.Generator().manual_seed(seed)
        assert str(ee.value) == str(te.value)
    e, t = _both(torch, "12", lambda L: (L.rand(2), L.initial_seed()))
    _same(e[0], t[0])
    assert e[1] == t[1] == 12


PREFIXES = {
    "none": lambda L: None,
    "rand3": lambda L: L.rand(3),
    "randn3": lambda L: L.randn(3),  # leaves a cached normal in the state
    "624": lambda L: L.rand(624),  # exactly one regeneration's worth
    "700": lambda L: L.rand(700),
    "f64": lambda L: L.rand(312, dtype=L.float64),
}


@pytest.mark.parametrize("prefix", list(PREFIXES))
@pytest.mark.parametrize("seed", [5, 67280421310721])
def test_state_bytes_and_cross_loading(torch, prefix, seed):
    _both(torch, seed, PREFIXES[prefix])
    ts, es = torch.get_rng_state(), ember.get_rng_state()
    assert es.shape == ts.shape == (5056,) and es.dtype is ember.uint8
    _same(es, ts)  # PyTorch's layout, byte for byte
    # a state from either library continues the stream in the other
    ember.manual_seed(123)
    torch.manual_seed(123)
    ember.set_rng_state(ember.tensor(ts.numpy()))
    torch.set_rng_state(torch.from_numpy(es.numpy().copy()))
    _same(ember.randn(3), torch.randn(3))
    assert ember.initial_seed() == torch.initial_seed() == seed
    g, tg = ember.Generator(), torch.Generator()
    g.set_state(ember.tensor(ts.numpy()))
    tg.set_state(ts)
    _same(ember.rand(5, generator=g), torch.rand(5, generator=tg))
    _same(g.get_state(), tg.get_state())


def test_state_round_trip_and_fork_rng(torch):
    ember.manual_seed(3)
    ember.randn(3)
    s = ember.get_rng_state()
    a = (ember.randn(1), ember.rand(2), ember.randint(0, 9, (4,)))
    ember.set_rng_state(s)
    for x, y in zip(a, (ember.randn(1), ember.rand(2), ember.randint(0, 9, (4,)))):
        assert ember.equal(x, y)
    with ember.random.fork_rng():
        ember.randn(5)
    assert ember.equal(ember.get_rng_state(), ember.get_rng_state())
    e, t = _both(torch, 4, lambda L: L.randn(1))
    with ember.random.fork_rng():
        ember.randn(1)  # consumes the cached normal inside the block only
    with torch.random.fork_rng():
        torch.randn(1)
    _same(ember.randn(2), torch.randn(2))


def _state_error(lib, bad):
    try:
        lib.set_rng_state(bad)
    except Exception as exc:  # noqa: BLE001 - the type is compared
        return type(exc), str(exc)
    return None


def test_set_state_errors(torch):
    torch.manual_seed(3)
    good = torch.get_rng_state().numpy()

    def edited(offset, value, dtype):
        s = good.copy()
        raw = np.array([value], dtype).view(np.uint8)
        s[offset:offset + raw.size] = raw
        return s

    cases = [np.zeros(10, np.uint8), np.zeros(5048, np.uint8), np.zeros(5056, np.uint8), edited(8, 0, "<i4"),
             edited(8, 625, "<i4"), edited(16, 625, "<u8"), edited(12, 0, "<i4")]
    for raw in cases:
        t = _state_error(torch, torch.from_numpy(raw.copy()))
        e = _state_error(ember, ember.tensor(raw))
        assert t is not None and e == t, (e, t)
    assert _state_error(ember, ember.zeros(5056)) == _state_error(torch, torch.zeros(5056))
    assert _state_error(ember, [1, 2]) == _state_error(torch, [1, 2])


def test_explicit_generators_are_independent(torch):
    e, t = ember.Generator().manual_seed(11), torch.Generator().manual_seed(11)
    ember.manual_seed(0)
    torch.manual_seed(0)
    _same(ember.randn(20, generator=e), torch.randn(20, generator=t))
    _same(ember.rand(3), torch.rand(3))  # the global streams were not touched
    _same(ember.randperm(9, generator=e), torch.randperm(9, generator=t))
    _same(ember.empty(4).normal_(generator=e), torch.empty(4).normal_(generator=t))
    _same(ember.multinomial(ember.ones(5), 3, generator=e), torch.multinomial(torch.ones(5), 3, generator=t))


# --------------------------------------------------------------------------------------------- uniform

FLOATS = ("float32", "float64", "float16", "bfloat16")
SHAPES = ((1,), (5,), (16,), (17,), (3, 11), (2, 4, 9))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS + ("complex64", "complex128"))
def test_rand(torch, seed, dtype):
    for shape in SHAPES:
        e, t = _both(torch, seed, lambda L, shape=shape: (L.rand(*shape, dtype=getattr(L, dtype)),
                                             L.rand_like(L.zeros(shape, dtype=getattr(L, dtype)))))
        _same(e, t)


@pytest.mark.parametrize("dtype", FLOATS + ("complex64",))
def test_uniform_bounds(torch, dtype):
    # (a result that rounds up to ``to`` becomes ``from``: frequent in half precision)
    for lo, hi in ((-0.123456789, 3.3333333333), (-2.5, -2.49), (2.0, 2.01), (1e-3, 1.0000001), (0.0, 1.0)):
        e, t = _both(torch, 1, lambda L, lo=lo, hi=hi: L.empty(4000, dtype=getattr(L, dtype)).uniform_(lo, hi))
        _same(e, t)


# ---------------------------------------------------------------------------------------------- normal


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS + ("complex64", "complex128"))
def test_randn(torch, seed, dtype):
    if dtype in ("float32", "float16", "bfloat16", "complex64") and not _avx2(torch):
        pytest.skip("PyTorch's float32 normal kernel differs from its AVX2 one on this CPU")
    for shape in SHAPES + ((1000,), (37, 29)):
        e, t = _both(torch, seed, lambda L, shape=shape: (L.randn(*shape, dtype=getattr(L, dtype)),
                                             L.randn_like(L.zeros(shape, dtype=getattr(L, dtype)))))
        _same(e, t)


@pytest.mark.parametrize("dtype", FLOATS)
def test_normal_mean_std_and_layouts(torch, dtype):
    if dtype != "float64" and not _avx2(torch):
        pytest.skip("PyTorch's float32 normal kernel differs from its AVX2 one on this CPU")
    for mean, std in ((0.5, 2.0), (-3.3, 0.01), (1e-3, 1e3), (0.0, 0.0)):
        for n in (7, 16, 33, 4096):
            e, t = _both(torch, 2, lambda L, n=n, m=mean, s=std: L.empty(n, dtype=getattr(L, dtype)).normal_(m, s))
            _same(e, t)
    # a non-contiguous tensor takes the one-at-a-time path, in memory order
    e, t = _both(torch, 2, lambda L: L.empty(6, 9, dtype=getattr(L, dtype)).t().normal_().t())
    _same(e, t)
    e, t = _both(torch, 2, lambda L: L.empty(4, 3, 8, 8, dtype=getattr(L, dtype)).contiguous(
        memory_format=L.channels_last).normal_().contiguous())
    _same(e, t)


@pytest.mark.parametrize("dtype", ("complex64", "complex128"))
def test_complex_in_place(torch, dtype):
    if dtype == "complex64" and not _avx2(torch):
        pytest.skip("PyTorch's float32 normal kernel differs from its AVX2 one on this CPU")

    def calls(L):
        d = getattr(L, dtype)
        return (L.empty(3, dtype=d).normal_(0.5, 2.0), L.empty(20, dtype=d).normal_(0.5, 2.0),
                L.empty(20, dtype=d).uniform_(-1, 3), L.nn.init.normal_(L.empty(9, 2, dtype=d), 0.1, 0.3))
    for seed in SEEDS:
        e, t = _both(torch, seed, calls)
        _same(e, t)


def test_scalar_normal_cache_and_interleaving(torch):
    def calls(L):
        out = [L.randn(3), L.randn(1, dtype=L.float64), L.rand(2), L.randn(20), L.randn(1),
               L.randint(0, 10, (5,)), L.randn(2, dtype=L.float16), L.empty(3).log_normal_(), L.randn(5)]
        return tuple(out)
    for seed in SEEDS:
        e, t = _both(torch, seed, calls)
        _same(e, t)
        _same(ember.get_rng_state(), torch.get_rng_state())


def test_normal_overloads(torch):
    std = np.random.default_rng(3).uniform(0.1, 2.0, 20).astype(np.float32)

    def calls(L):
        m = L.arange(20.0)
        s = L.tensor(std)
        return (L.normal(m, s), L.normal(m, 0.7), L.normal(0.2, s), L.normal(0.2, 3.0, (4, 5)),
                L.normal(m[:5], s[:5]), L.normal(m[:5], 0.7), L.normal(0.2, s[:5]),
                L.normal(L.zeros(4, 1), L.ones(1, 5)), L.normal(2.0, 3.0, (7,), dtype=L.float64),
                L.normal(m.double(), s))
    if not _avx2(torch):
        pytest.skip("PyTorch's float32 normal kernel differs from its AVX2 one on this CPU")
    for seed in SEEDS:
        e, t = _both(torch, seed, calls)
        _same(e, t)


# -------------------------------------------------------------------------------------------- integers


@pytest.mark.parametrize("seed", SEEDS)
def test_randint(torch, seed):
    # 32-bit draws below a range of 2**28, 64-bit ones from there
    for low, high in ((0, 10), (-5, 7), (0, 2**28 - 1), (0, 2**28), (0, 2**32 + 1), (3, 2**40), (-(2**62), 2**62)):
        for dtype in ("int64", "float32"):
            if dtype == "float32" and high > 2**24:
                continue
            e, t = _both(torch, seed, lambda L, a=low, b=high, d=dtype: L.randint(a, b, (3, 7), dtype=getattr(L, d)))
            _same(e, t)
    e, t = _both(torch, seed, lambda L: (L.randint(5, (4,)), L.randint_like(L.zeros(2, 3), 9),
                                         L.randint_like(L.zeros(2, 3, dtype=L.int32), -3, 9)))
    _same(e, t)


RANDOM_DTYPES = ("int64", "int32", "int16", "int8", "uint8", "bool") + FLOATS


@pytest.mark.parametrize("dtype", RANDOM_DTYPES)
def test_random_(torch, dtype):
    def calls(L):
        d = getattr(L, dtype)
        out = [L.empty(50, dtype=d).random_()]
        if dtype != "bool":
            out += [L.empty(50, dtype=d).random_(3, 100), L.empty(50, dtype=d).random_(100),
                    L.empty(50, dtype=d).random_(3, None), L.empty(50, dtype=d).random_(to=9)]
        else:
            out += [L.empty(50, dtype=d).random_(0, 2), L.empty(50, dtype=d).random_(1)]
        return tuple(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in SEEDS:
            e, t = _both(torch, seed, calls)
            _same(e, t)
    e, t = _both(torch, 1, lambda L: L.empty(4, dtype=L.int64).random_(-(2**63), None))  # all 64 bits
    _same(e, t)


def _error(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
    except Exception as exc:  # noqa: BLE001 - the type is compared
        return type(exc), str(exc)
    return None


RANDOM_ERRORS = [
    lambda L: L.empty(3).random_(5, 5), lambda L: L.empty(3, dtype=L.uint8).random_(0, 300),
    lambda L: L.empty(3, dtype=L.uint8).random_(-1, 3), lambda L: L.empty(3, dtype=L.int8).random_(200),
    lambda L: L.empty(3).random_(2**30, None), lambda L: L.randint(5, 3, (2,)),
    lambda L: L.empty(2, dtype=L.bool).random_(0, 3), lambda L: L.empty(2, dtype=L.complex64).random_(),
    lambda L: L.randint(0, 2**70, (2,)), lambda L: L.empty(3, dtype=L.int32).random_(0, 2**40),
    lambda L: L.empty(3, dtype=L.uint16).random_(),
    lambda L: L.empty(3).exponential_(0), lambda L: L.empty(3).log_normal_(1, 0),
    lambda L: L.empty(3).normal_(0, -1), lambda L: L.empty(3).bernoulli_(1.5), lambda L: L.empty(3).geometric_(0),
    lambda L: L.empty(3).cauchy_(0, -1), lambda L: L.empty(3).uniform_(2, 1),
    lambda L: L.empty(3).bernoulli_(L.tensor([0.5, 2.0, 0.1])),
    lambda L: L.empty(3, dtype=L.int64).exponential_(), lambda L: L.empty(3, dtype=L.int64).cauchy_(),
    lambda L: L.empty(3, dtype=L.complex64).log_normal_(), lambda L: L.empty(3, dtype=L.bool).geometric_(0.5),
    lambda L: L.empty(3, dtype=L.complex64).bernoulli_(0.5), lambda L: L.empty(3, dtype=L.int64).normal_(),
    lambda L: L.empty(3, dtype=L.int64).uniform_(), lambda L: L.empty(3).uniform_(-3e38, 3e38),
    lambda L: L.empty(3).uniform_(-1e39, 0), lambda L: L.empty(3, dtype=L.float16).uniform_(-4e4, 4e4),
    lambda L: L.empty(3, dtype=L.complex64).uniform_(-3e38, 3e38), lambda L: L.empty(3).uniform_(0, float("inf")),
]


@pytest.mark.parametrize("call", range(len(RANDOM_ERRORS)))
def test_random_errors(torch, call):
    t = _error(lambda: RANDOM_ERRORS[call](torch))
    assert t is not None and _error(lambda: RANDOM_ERRORS[call](ember)) == t


def test_random_float_precision_warning(torch):
    for lib in (torch, ember):
        with pytest.warns(UserWarning, match=r"to - 1 is out of bounds \[-\(2\^24\), 2\^24\]"):
            lib.empty(3).random_(0, 2**25)


@pytest.mark.parametrize("seed", SEEDS)
def test_randperm(torch, seed):
    for n in (0, 1, 2, 10, 100, 511, 512, 3000, 70000):  # (the swaps run vectorised from 512 on)
        e, t = _both(torch, seed, lambda L, n=n: (L.randperm(n), L.randperm(n, dtype=L.float32), L.rand(2)))
        _same(e, t)


def _swaps(js):
    """The forward Fisher-Yates swaps ``r[i] <-> r[js[i]]`` done one by one (the reference)."""
    r = list(range(len(js) + 1))
    for i, j in enumerate(js):
        r[i], r[j] = r[j], r[i]
    return r


def test_fisher_yates_swaps_vectorised():
    # the vectorised swaps against the sequential ones, on random draws and on the worst chains
    from ember._random_kernels import fisher_yates
    rng = np.random.default_rng(0)
    for n in (2, 3, 600, 1000, 4097):
        cases = [np.full(n - 1, n - 1), np.arange(n - 1), np.minimum(np.arange(1, n), n - 1),
                 np.arange(n - 1) + (np.arange(n - 1) % 2) * (np.arange(n - 1) < n - 2)]
        cases += [np.arange(n - 1) + rng.integers(0, 1 << 32, n - 1) % np.arange(n, 1, -1) for _ in range(5)]
        for js in cases:
            assert fisher_yates(js.astype(np.int64)).tolist() == _swaps(js.tolist())


# --------------------------------------------------------------------------------------- other draws


@pytest.mark.parametrize("dtype", ("float32", "float64", "float16", "bfloat16"))
def test_continuous_samplers(torch, dtype):
    def calls(L):
        d = getattr(L, dtype)
        return (L.empty(300, dtype=d).exponential_(2.5), L.empty(300, dtype=d).geometric_(0.3),
                L.empty(300, dtype=d).cauchy_(0.5, 1.5), L.empty(300, dtype=d).log_normal_(0.2, 0.6),
                L.empty(17, dtype=d).log_normal_(), L.empty(30, dtype=L.int64).geometric_(0.05))
    for seed in SEEDS:
        e, t = _both(torch, seed, calls)
        _same(e, t)


@pytest.mark.parametrize("dtype", ("float32", "float64", "float16"))
def test_bernoulli(torch, dtype):
    def calls(L):
        d = getattr(L, dtype)
        p = L.rand(40, 30).to(d)
        return (L.bernoulli(p), p.bernoulli(), L.empty(40, 30, dtype=d).bernoulli_(0.37),
                L.empty(40, 30, dtype=L.int64).bernoulli_(p), L.empty(40, 30, dtype=d).bernoulli_(p.double()),
                L.empty(2, 30, dtype=L.bool).bernoulli_(p[0]), L.bernoulli(p, 0.25))
    for seed in SEEDS:
        e, t = _both(torch, seed, calls)
        _same(e, t)


@pytest.mark.parametrize("dtype", ("float32", "float64", "float16"))
def test_dropout_masks(torch, dtype):
    x = np.random.default_rng(0).standard_normal((4, 6, 5, 5)).astype(np.float32)

    def calls(L):
        F = L.nn.functional
        v = L.tensor(x).to(getattr(L, dtype))
        return (F.dropout(v, 0.3), F.dropout(v, 1 / 3), F.dropout2d(v, 0.4), F.dropout1d(v[:, :, 0], 0.5),
                F.dropout3d(v[None], 0.5), F.alpha_dropout(v, 0.2, True), F.feature_alpha_dropout(v, 0.2, True),
                L.nn.Dropout(0.25)(v), F.dropout(v.clone(), 0.5, inplace=True))
    for seed in SEEDS:
        e, t = _both(torch, seed, calls)
        _same(e, t)


def test_rnn_inter_layer_dropout(torch):
    # the same initial weights and the same dropout masks between layers (outputs agree to matmul rounding)
    x = np.random.default_rng(0).standard_normal((5, 3, 4)).astype(np.float32)

    def calls(L):
        lstm, gru = L.nn.LSTM(4, 6, 3, dropout=0.4), L.nn.GRU(4, 5, 2, dropout=0.5, bidirectional=True)
        return lstm(L.tensor(x))[0].detach(), gru(L.tensor(x))[0].detach(), L.rand(3)
    for seed in SEEDS:
        e, t = _both(torch, seed, calls)
        for a, b in zip(e[:2], t[:2]):
            np.testing.assert_allclose(_np(a), _np(b), rtol=0, atol=1e-6)
        _same(e[2], t[2])  # the masks took the same draws


@pytest.mark.parametrize("dtype", ("float32", "float64", "float16", "bfloat16", "complex64", "int64", "int16",
                                   "uint8", "bool"))
def test_make_tensor(torch, dtype):
    def calls(L):
        d = getattr(L, dtype)
        make = L.testing.make_tensor
        out = [make(3, 4, dtype=d, device="cpu"), make(17, dtype=d, device="cpu", noncontiguous=True),
               make((), dtype=d, device="cpu")]
        if dtype != "bool":
            out.append(make(5, dtype=d, device="cpu", low=1, high=7))
        if d.is_floating_point:
            info = L.finfo(d)
            out.append(make(9, dtype=d, device="cpu", low=info.min, high=info.max))  # (halved bounds)
        return tuple(out)
    for seed in SEEDS:
        e, t = _both(torch, seed, calls)
        _same(e, t)


@pytest.mark.parametrize("dtype", ("float32", "float64"))
def test_rrelu_slopes(torch, dtype):
    x = np.random.default_rng(0).standard_normal((6, 50))

    def calls(L):
        v = L.tensor(x).to(getattr(L, dtype))
        return (L.nn.functional.rrelu(v, training=True), L.nn.RReLU(0.1, 0.3)(v),
                L.nn.functional.rrelu_(v.t().clone().t(), training=True),
                L.rrelu(v, 0.05, 0.4, training=True, generator=L.Generator().manual_seed(3)), L.rand(3))
    for seed in SEEDS:
        e, t = _both(torch, seed, calls)
        _same(e, t)


def test_multinomial(torch):
    w = np.random.default_rng(1).random((3, 40)).astype(np.float32)
    w[1, :5] = 0

    def calls(L):
        t = L.tensor(w)
        return (L.multinomial(t, 1), L.multinomial(t, 1, True), L.multinomial(t, 6), L.multinomial(t, 7, True),
                L.multinomial(t, 300, True), L.multinomial(t[0].double(), 9, True), L.multinomial(t[2], 40),
                L.multinomial(t.half(), 3))
    for seed in SEEDS:
        e, t = _both(torch, seed, calls)
        _same(e, t)


def test_poisson(torch):
    rates = np.concatenate([np.random.default_rng(2).uniform(0, 30, 300), [0.0, 1e-3, 10.0, 500.0]])
    for dtype in ("float32", "float64"):
        e, t = _both(torch, 4, lambda L, d=dtype: (L.poisson(L.tensor(rates).to(getattr(L, d))), L.rand(3)))
        _same(e, t)


# ------------------------------------------------------------------------------------------ consumers

MODULES = {
    "Linear": lambda L: L.nn.Linear(784, 10),
    "Conv2d": lambda L: L.nn.Conv2d(3, 8, 3),
    "ConvTranspose2d": lambda L: L.nn.ConvTranspose2d(3, 4, 2),
    "LSTM": lambda L: L.nn.LSTM(5, 7, 2),
    "GRU": lambda L: L.nn.GRU(4, 3, bidirectional=True),
    "RNNCell": lambda L: L.nn.RNNCell(3, 4),
    "Embedding": lambda L: L.nn.Embedding(10, 4),
    "Bilinear": lambda L: L.nn.Bilinear(3, 4, 5),
    "MultiheadAttention": lambda L: L.nn.MultiheadAttention(8, 2),
    "TransformerEncoderLayer": lambda L: L.nn.TransformerEncoderLayer(16, 2, 32),
}


@pytest.mark.parametrize("name", list(MODULES))
def test_module_initial_weights(torch, name):
    if name in ("Embedding", "TransformerEncoderLayer") and not _avx2(torch):
        pytest.skip("PyTorch's float32 normal kernel differs from its AVX2 one on this CPU")
    for seed in (0, 42):
        e, t = _both(torch, seed, MODULES[name])
        es, ts = e.state_dict(), t.state_dict()
        assert list(es) == list(ts)
        for k in es:
            _same(es[k], ts[k])


INITS = {
    "uniform_": lambda I, w: I.uniform_(w, -0.3, 0.8),
    "normal_": lambda I, w: I.normal_(w, 0.1, 0.02),
    "xavier_uniform_": lambda I, w: I.xavier_uniform_(w, gain=1.7),
    "xavier_normal_": lambda I, w: I.xavier_normal_(w, gain=0.3),
    "kaiming_uniform_": lambda I, w: I.kaiming_uniform_(w, a=0.1),
    "kaiming_normal_": lambda I, w: I.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"),
    "trunc_normal_": lambda I, w: I.trunc_normal_(w),
    "trunc_normal_ small std": lambda I, w: I.trunc_normal_(w, std=0.02),
    "trunc_normal_ rejecting": lambda I, w: I.trunc_normal_(w, std=1.0, a=-0.5, b=1.5),
    "trunc_normal_ uniform proposals": lambda I, w: I.trunc_normal_(w, mean=0.3, std=2.0, a=0.0, b=0.5),
    "sparse_": lambda I, w: I.sparse_(w, 0.3),
    "orthogonal_": lambda I, w: I.orthogonal_(w, gain=2.0),
}


@pytest.mark.parametrize("name", list(INITS))
def test_init_functions(torch, name):
    if "normal" in name and not _avx2(torch):
        pytest.skip("PyTorch's float32 normal kernel differs from its AVX2 one on this CPU")
    for shape in ((5, 7), (40, 30), (8, 3)):
        e, t = _both(torch, 3, lambda L, shape=shape: (INITS[name](L.nn.init, L.empty(*shape)), L.rand(2)))
        if name == "orthogonal_":  # the same normals; QR from different LAPACKs agrees to rounding
            _same(e[1], t[1])
            np.testing.assert_allclose(_np(e[0]), _np(t[0]), rtol=0, atol=1e-5)
        else:
            _same(e, t)


def test_dataloader_shuffles(torch):
    data = list(range(50))
    for seed in (0, 3):
        ember.manual_seed(seed)
        torch.manual_seed(seed)
        el = ember.utils.data.DataLoader(data, batch_size=7, shuffle=True)
        tl = torch.utils.data.DataLoader(data, batch_size=7, shuffle=True)
        for _ in range(2):
            assert [b.tolist() for b in el] == [b.tolist() for b in tl]
        _same(ember.rand(3), torch.rand(3))  # the loader consumed the same draws
    e, t = ember.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert ([b.tolist() for b in ember.utils.data.DataLoader(data, 8, shuffle=True, generator=e)]
            == [b.tolist() for b in torch.utils.data.DataLoader(data, 8, shuffle=True, generator=t)])


def test_samplers_and_random_split(torch):
    def calls(L):
        D = L.utils.data
        return (list(D.RandomSampler(range(20))), list(D.RandomSampler(range(20), num_samples=45)),
                list(D.RandomSampler(range(20), replacement=True, num_samples=70)),
                list(D.SubsetRandomSampler([3, 5, 9, 11, 20])),
                list(D.WeightedRandomSampler([0.1, 0.9, 0.5, 0.2], 12)),
                list(D.WeightedRandomSampler([0.1, 0.9, 0.5, 0.2], 3, replacement=False)),
                [list(s) for s in D.random_split(range(30), [0.5, 0.3, 0.2])],
                list(D.distributed.DistributedSampler(range(25), num_replicas=3, rank=1, seed=4)))
    for seed in SEEDS:
        e, t = _both(torch, seed, calls)
        assert e == t


def test_distributions(torch):
    if not _avx2(torch):
        pytest.skip("PyTorch's float32 normal kernel differs from its AVX2 one on this CPU")

    def calls(L):
        D = L.distributions
        p = L.tensor([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
        return (D.Exponential(L.tensor([0.5, 2.0])).sample((4,)), D.Categorical(p).sample((5,)),
                D.Categorical(p).sample(), D.Normal(L.zeros(20), L.ones(20)).sample(),
                D.Multinomial(10, p).sample(), D.Bernoulli(p).sample())
    for seed in SEEDS:
        e, t = _both(torch, seed, calls)
        _same(e, t)


def test_vision_random_transforms(torch, torchvision):
    import ember.vision.transforms as ET
    TT = torchvision.transforms

    def calls(L, T):
        img = L.arange(3 * 20 * 24, dtype=L.float32).reshape(3, 20, 24)
        return (T.RandomCrop.get_params(img, (8, 9)), T.RandomRotation.get_params([-30.0, 45.0]),
                T.RandomAffine.get_params([-10.0, 10.0], [0.1, 0.2], [0.9, 1.1], [-5.0, 5.0, -3.0, 3.0], [24, 20]),
                [T.RandomHorizontalFlip()(img)[0, 0, 0].item() for _ in range(8)],
                [T.RandomVerticalFlip(0.3)(img)[0, 0, 0].item() for _ in range(8)])
    for seed in SEEDS:
        ember.manual_seed(seed)
        torch.manual_seed(seed)
        assert calls(ember, ET) == calls(torch, TT)


def test_docstring_examples(torch):
    # the numbers quoted in ember.rand's and ember.randn's docstrings
    e, t = _both(torch, 0, lambda L: (L.rand(2), L.randn(2)))
    _same(e, t)
    np.testing.assert_allclose(_np(e[0]), [0.4963, 0.7682], atol=1e-4)
    ember.manual_seed(0)
    np.testing.assert_allclose(_np(ember.randn(2)), [1.5410, -0.2934], atol=1e-4)
    assert math.isclose(ember.Generator().manual_seed(0).initial_seed(), 0)


# ------------------------------------------------- the float32 normal kernel against its plain emulation
# (PyTorch's AVX2 Box-Muller is only there to compare with on AVX2 machines; everywhere, ember's fast kernel
# must give the bits of the step-by-step emulation below, built on the general fused multiply-add)


def _ref_horner(x, coeffs):
    from ember import _random_kernels as K
    y = np.full(x.shape, coeffs[0], np.float32)
    for c in coeffs[1:]:
        y = K.fma32(y, x, np.float32(c))
    return y


def _ref_log(x):
    from ember import _random_kernels as K
    bits = x.view(np.int32)
    m = ((bits & 0x007FFFFF) | 0x3F000000).view(np.float32)
    small = m < np.float32(0.707106781186547524)
    e = (((bits >> 23) & 0xFF) - 126 - small).astype(np.float32)
    t = (m - np.float32(1)) + np.where(small, m, np.float32(0))
    z = t * t
    y = _ref_horner(t, K._LOG_P) * t
    y = K.fma32(y, z, e * np.float32(K._LOG_Q1))
    y -= z * np.float32(0.5)
    return K.fma32(e, np.float32(K._LOG_Q2), t + y)


def _ref_sincos(x):
    from ember import _random_kernels as K
    j = (x * np.float32(K._FOUR_OVER_PI)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(np.float32)
    r = x
    for d in K._DP:
        r = K.fma32(y, np.float32(d), r)
    z = r * r
    yc = _ref_horner(z, K._COS_P) * z
    yc = K.fma32(yc, z, -(z * np.float32(0.5))) + np.float32(1)
    ys = K.fma32(_ref_horner(z, K._SIN_P) * z, r, r)
    first = (j & 2) == 0
    s, c = np.where(first, ys, yc), np.where(first, yc, ys)
    s.view(np.int32)[...] ^= (j & 4) << 29
    c.view(np.int32)[...] ^= (~(j - 2) & 4) << 29
    return s, c


def _ref_blocks(u, mean, std):
    from ember import _random_kernels as K
    b = u.reshape(-1, 2, 8)
    radius = np.sqrt(np.float32(-2) * _ref_log(np.float32(1) - b[:, 0]))
    s, c = _ref_sincos(np.float32(2 * math.pi) * b[:, 1])
    out = np.empty_like(b)
    out[:, 0] = K._axpb32(radius * c, std, mean)
    out[:, 1] = K._axpb32(radius * s, std, mean)
    return out.reshape(-1)


def _bits_equal(a, b):
    np.testing.assert_array_equal(a.view(np.int32), b.view(np.int32))


def test_normal_kernel_log_and_sincos_match_emulation():
    # the kernel's fused multiply-adds round the float64 sum once more (never halfway between two float32 for
    # these inputs: checked on all 2**24 uniforms); here a spread sample and the edges: each binade's ends, the
    # sqrt(1/2) mantissa split and the octant boundaries
    from ember import _random_kernels as K
    k = np.arange(0, 1 << 24, 97, dtype=np.int64)
    edges = [0, 1, 2, 3, (1 << 24) - 1, (1 << 24) - 2] + [(1 << p) + d for p in range(24) for d in (-1, 0, 1)]
    split = int(np.float32(0.707106781186547524).view(np.int32)) & 0x7FFFFF
    edges += [(1 << 23) - split + d for d in (-1, 0, 1)]  # 1 - u with the split mantissa, and beside it
    octants = (np.arange(1, 9) / 8.0 * (1 << 24)).astype(np.int64)
    edges += [int(v) + d for v in octants for d in (-2, -1, 0, 1, 2)]
    k = np.unique(np.clip(np.concatenate([k, edges]), 0, (1 << 24) - 1)).astype(np.uint32)
    u = k.astype(np.float32) * np.float32(2.0 ** -24)
    x = np.float32(1) - u
    _bits_equal(K._log_avx(x.copy()), _ref_log(x))
    a = np.float32(2 * math.pi) * u
    for got, want in zip(K._sincos_avx(a.copy()), _ref_sincos(a)):
        _bits_equal(got, want)


@pytest.mark.parametrize("chunk", [1, 3, None])
def test_normal_kernel_blocks_match_emulation(monkeypatch, chunk):
    # whole blocks in chunks (ragged last chunk, a single chunk), with and without the affine step, and the
    # ragged end of ``normal`` (its last 16 values from fresh uniforms)
    from ember import _random_kernels as K
    if chunk is not None:
        monkeypatch.setattr(K, "_BLOCK_CHUNK", chunk)
    u = K.f24(ember.Generator().manual_seed(3), 16 * 10)
    for mean, std in ((0.0, 1.0), (0.0, 2.5), (-1.5, 0.3)):
        for blocks in (1, 2, 3, 4, 7, 10):
            want = _ref_blocks(u[: 16 * blocks], np.float32(mean), np.float32(std))
            _bits_equal(K._blocks_f32(u[: 16 * blocks], np.float32(mean), np.float32(std)), want)
    for n in (16, 47, 160):
        g = ember.Generator().manual_seed(4)
        got = K.normal(n, np.dtype(np.float32), 0.5, 2.0, generator=g)
        g = ember.Generator().manual_seed(4)
        uu = K.f24(g, n)
        want = _ref_blocks(uu[: n - n % 16], np.float32(0.5), np.float32(2.0))
        if n % 16:
            want = np.concatenate([want[: n - 16], _ref_blocks(K.f24(g, 16), np.float32(0.5), np.float32(2.0))])
        _bits_equal(got, want)
