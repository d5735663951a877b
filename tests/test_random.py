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
