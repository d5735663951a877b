"""Random sampling, seeding and generators."""

import subprocess
import sys

import numpy as np
import pytest

import ember


def test_manual_seed_repeatable():
    ember.manual_seed(123)
    a = ember.randn(5)
    b = ember.rand(3)
    ember.manual_seed(123)
    assert ember.equal(a, ember.randn(5)) and ember.equal(b, ember.rand(3))
    ember.manual_seed(124)
    assert not ember.equal(a, ember.randn(5))


def test_shapes_dtypes_and_ranges():
    r = ember.rand(2, 3)
    assert r.shape == (2, 3) and r.dtype is ember.float32
    assert (r >= 0).all() and (r < 1).all()
    assert ember.randn((4, 2)).shape == (4, 2)
    assert ember.rand(3, dtype=ember.float64).dtype is ember.float64
    assert ember.rand(2, requires_grad=True).requires_grad
    i = ember.randint(3, 7, (100,))
    assert i.dtype is ember.int64 and i.min().item() >= 3 and i.max().item() <= 6
    assert ember.randint(5, (2, 2)).shape == (2, 2)
    assert ember.randint(0, 2, (3,), dtype=ember.int32).dtype is ember.int32
    p = ember.randperm(10)
    assert p.dtype is ember.int64 and sorted(p.tolist()) == list(range(10))
    assert ember.rand_like(ember.zeros(2, dtype=ember.float64)).dtype is ember.float64
    assert ember.randn_like(ember.zeros(2, 3)).shape == (2, 3)


def test_statistics():
    x = ember.randn(20000)
    assert abs(x.mean().item()) < 0.05 and abs(x.std().item() - 1) < 0.05
    u = ember.rand(20000)
    assert abs(u.mean().item() - 0.5) < 0.02


def test_normal_forms():
    n = ember.normal(3.0, 0.1, (1000,))
    assert n.shape == (1000,) and abs(n.mean().item() - 3.0) < 0.05
    m = ember.normal(ember.tensor([0.0, 100.0]), ember.tensor([1e-3, 1e-3]))
    assert m.dtype is ember.float32
    np.testing.assert_allclose(m.numpy(), [0.0, 100.0], atol=0.01)
    s = ember.normal(ember.zeros(2, 3), 1.0)
    assert s.shape == (2, 3)


def test_bernoulli():
    p = ember.full((2000,), 0.3)
    b = ember.bernoulli(p)
    assert b.dtype is ember.float32 and set(b.unique().tolist()) <= {0.0, 1.0}
    assert abs(b.mean().item() - 0.3) < 0.05
    assert ember.bernoulli(ember.zeros(5)).sum().item() == 0
    assert ember.bernoulli(ember.ones(5)).sum().item() == 5
    assert p.bernoulli().shape == (2000,)


def test_generator_independent_of_global():
    g = ember.Generator().manual_seed(7)
    a = ember.randn(4, generator=g)
    ember.randn(10)  # the global stream does not affect g
    g2 = ember.Generator().manual_seed(7)
    b = ember.randn(4, generator=g2)
    assert ember.equal(a, b)
    assert g.initial_seed() == 7
    assert isinstance(ember.manual_seed(0), ember.Generator)


def test_get_set_state_replays():
    g = ember.Generator().manual_seed(3)
    state = g.get_state()
    assert state.dtype is ember.uint8
    a = ember.rand(5, generator=g)
    g.set_state(state)
    assert ember.equal(a, ember.rand(5, generator=g))
    s = ember.get_rng_state()
    x = ember.randn(3)
    ember.set_rng_state(s)
    assert ember.equal(x, ember.randn(3))
    with pytest.raises(RuntimeError):
        g.set_state(ember.zeros(3, dtype=ember.uint8))


def test_inplace_random_fills_respect_seed():
    ember.manual_seed(5)
    a = ember.empty(4).normal_()
    b = ember.empty(4).uniform_(2, 3)
    ember.manual_seed(5)
    assert ember.equal(a, ember.empty(4).normal_()) and ember.equal(b, ember.empty(4).uniform_(2, 3))
    assert ((b >= 2) & (b < 3)).all()
    r = ember.empty(50, dtype=ember.int64).random_(0, 3)
    assert set(r.tolist()) <= {0, 1, 2}


def test_multinomial():
    w = ember.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    s = ember.multinomial(w, 2, replacement=True)
    assert s.tolist() == [[1, 1], [0, 0]]


# ------------------------------------------------------------------------------------------ ember.random
RANDOM_NAMES = ("manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng",
                "default_generator", "thread_safe_generator")


def test_random_module_mirrors_torch_random(torch):
    import ember.random

    for name in RANDOM_NAMES:
        assert hasattr(torch.random, name) and hasattr(ember.random, name), name
    for name in ("manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "default_generator"):
        assert getattr(ember.random, name) is getattr(ember, name)
    assert ember.random.thread_safe_generator() is None is torch.random.thread_safe_generator()
    assert ember.random.manual_seed(7) is ember.default_generator and ember.random.initial_seed() == 7
    loaded = subprocess.run([sys.executable, "-c", "import ember, sys; print(sorted(sys.modules))"],
                            capture_output=True, text=True, check=True).stdout
    assert "'ember.random'" not in loaded and "'ember.storage'" not in loaded  # loaded on first use only


def _fork_outcomes(lib):
    """For each way of using fork_rng: do the draws after the block continue the stream from before it?"""
    out = []
    for kwargs, fail in (({}, False), ({}, True), ({"enabled": False}, False), ({"devices": []}, False),
                         ({"device_type": "meta"}, False)):
        lib.manual_seed(0)
        expected = lib.rand(3)
        lib.manual_seed(0)
        try:
            with lib.random.fork_rng(**kwargs):
                inside = lib.rand(5)
                if fail:
                    raise ValueError
        except ValueError:
            pass
        out.append((bool((lib.rand(3) == expected).all()), tuple(inside.shape)))
    try:
        with lib.random.fork_rng(devices=[0]):
            pass
    except AssertionError as exc:
        out.append(str(exc))
    return out


def test_fork_rng_restores_the_cpu_state_as_torch(torch):
    import ember.random

    assert _fork_outcomes(ember) == _fork_outcomes(torch)
    assert _fork_outcomes(ember)[0] == (True, (5,)) and _fork_outcomes(ember)[2][0] is False


def _generator_outcome(module, call):
    """``call(module.Generator())``'s error (type, message with PyTorch's module name) or its result."""
    try:
        result = call(module, module.Generator())
    except Exception as exc:  # noqa: BLE001 - the errors are compared
        return type(exc).__name__, str(exc).replace("ember._C", "torch._C")
    return "ok", result


GENERATOR_CALLS = {
    "get_offset": lambda m, g: g.get_offset(),
    "set_offset(0)": lambda m, g: g.set_offset(0),
    "set_offset(-1)": lambda m, g: g.set_offset(-1),
    "set_offset(2**64 - 1)": lambda m, g: g.set_offset(2 ** 64 - 1),
    "set_offset(2**64)": lambda m, g: g.set_offset(2 ** 64),
    "set_offset(-2**63 - 1)": lambda m, g: g.set_offset(-2 ** 63 - 1),
    "set_offset(1.5)": lambda m, g: g.set_offset(1.5),
    "set_offset(True)": lambda m, g: g.set_offset(True),
    "set_offset(np.int64)": lambda m, g: g.set_offset(np.int64(3)),
    "set_offset(np.bool_)": lambda m, g: g.set_offset(np.bool_(True)),
    "set_offset(str)": lambda m, g: g.set_offset("3"),
    "set_offset(None)": lambda m, g: g.set_offset(None),
    "set_offset(Generator)": lambda m, g: g.set_offset(m.Generator()),
    "graphsafe_get_state": lambda m, g: g.graphsafe_get_state(),
    "graphsafe_set_state(Generator)": lambda m, g: g.graphsafe_set_state(m.Generator()),
    "graphsafe_set_state(itself)": lambda m, g: g.graphsafe_set_state(g),
    "graphsafe_set_state(int)": lambda m, g: g.graphsafe_set_state(1),
    "graphsafe_set_state(None)": lambda m, g: g.graphsafe_set_state(None),
    "graphsafe_set_state(np.int64)": lambda m, g: g.graphsafe_set_state(np.int64(1)),
    "graphsafe_set_state(state tensor)": lambda m, g: g.graphsafe_set_state(g.get_state()),
}


@pytest.mark.parametrize("name", list(GENERATOR_CALLS))
def test_generator_offset_and_graphsafe_methods_like_torch(torch, name):
    """A CPU generator has no Philox offset and no CUDA-graph state: PyTorch's errors, argument checks first."""
    call = GENERATOR_CALLS[name]
    assert _generator_outcome(ember, call) == _generator_outcome(torch, call)


def test_clone_state_copies_the_state_like_torch(torch):
    """clone_state gives a new generator whose draws (and state bytes, cached normal included) are the
    original's, as in PyTorch; the two then advance independently."""
    pairs = []
    for m in (ember, torch):
        g = m.Generator().manual_seed(3)
        m.rand(5, generator=g)
        m.randn(1, generator=g)  # (leaves a cached normal in the state)
        c = g.clone_state()
        assert c is not g and isinstance(c, m.Generator) and c.initial_seed() == 3 and str(c.device) == "cpu"
        assert np.array_equal(c.get_state().numpy(), g.get_state().numpy())
        a = m.randn(3, generator=g)
        assert m.equal(a, m.randn(3, generator=c))
        m.rand(2, generator=g)  # (only g advances)
        pairs.append((a.numpy(), g.get_state().numpy(), c.get_state().numpy()))
    (ea, eg, ec), (ta, tg, tc) = pairs
    np.testing.assert_array_equal(ea, ta)
    np.testing.assert_array_equal(eg, tg)
    np.testing.assert_array_equal(ec, tc)


SEEDS = [0, 1, -1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, -2 ** 63, -2 ** 63 - 1, 10 ** 30, True, False, np.int64(5),
         np.int32(-3), np.uint64(2 ** 64 - 1), np.bool_(True), 1.0, 1.5, np.float64(2.0), np.float32(3.7), "3", " 4 ",
         "a", "0x10", None, 3 + 0j, float("nan"), float("inf"), 1e30, b"3"]


@pytest.mark.parametrize("seed", SEEDS, ids=repr)
def test_manual_seed_arguments_like_torch(torch, seed):
    """Generator.manual_seed takes Python ints only (NumPy integers: TypeError; floats, bools, strings:
    RuntimeError naming the type); the module-level manual_seed converts with int() first. Same seeds, same
    errors as PyTorch."""
    def outcome(m, fn):
        try:
            return "ok", fn(m)
        except Exception as exc:  # noqa: BLE001 - the errors are compared
            return type(exc).__name__, str(exc)

    def module_level(m):
        m.manual_seed(seed)
        return m.initial_seed()

    try:
        for fn in (lambda m: m.Generator().manual_seed(seed).initial_seed(), module_level):
            assert outcome(ember, fn) == outcome(torch, fn)
    finally:
        ember.manual_seed(0)
        torch.manual_seed(0)


def test_manual_seed_tensor_argument_like_torch(torch):
    """A tensor seed: refused by the method (RuntimeError naming Tensor), int() of it for the function."""
    try:
        for m in (ember, torch):
            with pytest.raises(RuntimeError, match="^manual_seed expected a long, but got Tensor$"):
                m.Generator().manual_seed(m.tensor(7))
            m.manual_seed(m.tensor(7.5))
            assert m.initial_seed() == 7
    finally:
        ember.manual_seed(0)
        torch.manual_seed(0)


_NORMAL_CALLS = [
    "normal(0.0, 1.0, (2,), device='meta')", "normal(0.0, 1.0, (2,), requires_grad=True, dtype=m.float64)",
    "normal(0.0, 1.0, size=(2,), requires_grad=True, generator=None, layout=m.strided, pin_memory=False)",
    "normal(mean=0.0, std=1.0, size=(2,), requires_grad=True)", "normal(0.0, 1.0, (2,), dtype=m.float16)",
    "normal(0.0, 1.0, (2,), out=m.empty(2), requires_grad=True)", "normal(m.zeros(2), 1.0, generator=None, out=None)",
    "normal(0.0, 1.0, (2,), pin_memory=True, device='meta')", "normal(m.zeros(2, requires_grad=True), 1.0)",
    "normal(m.zeros(2))"]
_NORMAL_ERRORS = [
    "normal(0.0, 1.0, size=(2,), pin_memory=True)", "normal(0.0, 1.0, size=(2,), bogus=1)",
    "normal(0.0, 1.0, (2,), bogus=1)", "normal(m.zeros(2), m.ones(2), (2,))", "normal(m.zeros(2), 1.0, size=(3,))",
    "normal(m.zeros(2), 1.0, requires_grad=True)", "normal(m.zeros(2), 1.0, size=None)",
    "normal(0.0, 1.0, (2,), None)", "normal(0.0, 1.0, (2,), a=1, b=2)", "normal(0.0, 1.0)",
    "normal(mean=m.zeros(2), std=1.0, size=(2,))", "normal(m.zeros(2), 1.0, (2,), requires_grad=False, device=None)",
    "normal(0.0, 1.0, (2,), out=m.empty(2, dtype=m.float64), dtype=m.float32)",
    "normal(0.0, 1.0, (2,), out=m.empty(2), device='meta')", "normal(0.0, -1.0, (2,), device='meta')",
    "normal(0.0, 1.0, (2,), dtype=m.int64)"]


@pytest.mark.parametrize("call", _NORMAL_CALLS)
def test_normal_factory_options_as_torch(call):
    """d2l's ``normal(0, 0.01, size, requires_grad=True)``: the number overload takes the factory options."""
    torch = pytest.importorskip("torch")
    e, t = (eval("m." + call, {"m": m}) for m in (ember, torch))
    assert (e.device.type, tuple(e.shape), e.requires_grad, str(e.dtype).split(".")[-1]) == \
        (t.device.type, tuple(t.shape), t.requires_grad, str(t.dtype).split(".")[-1])


@pytest.mark.parametrize("call", _NORMAL_ERRORS)
def test_normal_refuses_as_torch(call):
    torch = pytest.importorskip("torch")
    got = []
    for m in (torch, ember):
        with pytest.raises(Exception) as info:
            eval("m." + call, {"m": m})
        got.append((type(info.value).__name__, str(info.value)))
    assert got[1] == got[0]


def test_normal_with_options_draws_the_same_stream():
    torch = pytest.importorskip("torch")
    vals = []
    for m in (torch, ember):
        m.manual_seed(3)
        vals.append(m.normal(0.5, 2.0, (6,), requires_grad=True, dtype=m.float64).detach().numpy())
    np.testing.assert_array_equal(vals[1], vals[0])
