"""The blocked / packed update path (``_fused_update``) against whole-array updates.

With ``_CHUNK`` / ``_SMALL`` shrunk, parameters larger than a block are updated block by block and small ones
are packed together; with them disabled every parameter is updated as one whole array (the plain formula).
Both run the same ufuncs in the same order, so the results must be bitwise equal.
"""

import copy

import numpy as np
import pytest

import ember
import ember.optim.optimizer as O

SHAPES = [(50, 47), (37,), (3, 5, 7), (20, 20), (1,), (), (0, 3), (9, 130)]

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, maximize=True, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, maximize=True)),
]
IDS = [f"{n}-{k}" for n, k in CASES]


def _arrays(seed, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _set_mode(monkeypatch, blocked):
    if blocked:
        monkeypatch.setattr(O, "_CHUNK", 1000)
        monkeypatch.setattr(O, "_SMALL", 300)
    else:
        monkeypatch.setattr(O, "_CHUNK", 10 ** 12)
        monkeypatch.setattr(O, "_SMALL", -1)


def _train(monkeypatch, blocked, name, kwargs, steps=6, skip=None, make_params=None):
    _set_mode(monkeypatch, blocked)
    params = make_params() if make_params else [ember.tensor(a, requires_grad=True) for a in _arrays(0)]
    opt = getattr(ember.optim, name)(params, **kwargs)
    rng = np.random.default_rng(1)
    ids = [id(p._data) for p in params]
    for step in range(steps):
        for i, p in enumerate(params):
            g = rng.standard_normal(p.shape).astype(np.float32)
            p.grad = None if skip is not None and skip(step, i) else ember.tensor(g)
        versions = [p._version for p in params]
        opt.step()
        for i, p in enumerate(params):
            assert p._version == versions[i] + (p.grad is not None)
    assert [id(p._data) for p in params] == ids  # updated in place
    return params, opt


def _assert_same(a, b):
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x._data, y._data)


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_blocked_equals_whole_arrays(monkeypatch, name, kwargs):
    ref, ref_opt = _train(monkeypatch, False, name, kwargs)
    out, opt = _train(monkeypatch, True, name, kwargs)
    _assert_same(out, ref)
    for p, q in zip(out, ref):
        for key, value in ref_opt.state[q].items():
            np.testing.assert_array_equal(opt.state[p][key]._data, value._data)
            assert opt.state[p][key]._data.dtype == value._data.dtype


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_params_without_grad_are_skipped(monkeypatch, name, kwargs):
    # Parameters drop in and out of a step: the packs are rebuilt, and packed parameters may then have
    # different step counts.
    def skip(step, i):
        return (i + step) % 3 == 0

    ref, _ = _train(monkeypatch, False, name, kwargs, steps=7, skip=skip)
    out, _ = _train(monkeypatch, True, name, kwargs, steps=7, skip=skip)
    _assert_same(out, ref)


def _transposed_params():
    params = []
    for a in _arrays(0, [(47, 50), (7, 9), (130, 9)]):
        p = ember.tensor(np.zeros(a.shape[::-1], np.float32), requires_grad=True)
        p.data = ember.tensor(a).t()  # a non-contiguous view
        params.append(p)
    return params


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_non_contiguous_params(monkeypatch, name, kwargs):
    params = _transposed_params()
    assert not params[0]._data.flags.c_contiguous
    ref, _ = _train(monkeypatch, False, name, kwargs, make_params=_transposed_params)
    out, _ = _train(monkeypatch, True, name, kwargs, make_params=_transposed_params)
    _assert_same(out, ref)
    assert not out[0]._data.flags.c_contiguous


@pytest.mark.parametrize("name, kwargs", [c for c in CASES if c[0] != "SGD" or "momentum" in c[1]],
                         ids=[i for c, i in zip(CASES, IDS) if c[0] != "SGD" or "momentum" in c[1]])
def test_state_dict_round_trip_and_live_state(monkeypatch, name, kwargs):
    ref, _ = _train(monkeypatch, True, name, kwargs, steps=6)
    params, opt = _train(monkeypatch, True, name, kwargs, steps=3)
    # State tensors held by the user stay live: the next step updates them in place.
    held = {k: v for k, v in opt.state[params[1]].items()}
    before = {k: v._data.copy() for k, v in held.items()}
    sd = opt.state_dict()
    fresh = [ember.tensor(p._data.copy(), requires_grad=True) for p in params]
    opt2 = getattr(ember.optim, name)(fresh, **kwargs)
    # Loading shares the state tensors as in PyTorch: give opt2 its own copy so both optimizers can step.
    opt2.load_state_dict(copy.deepcopy(sd))
    rng = np.random.default_rng(1)
    for _ in range(3):  # the gradients of steps 0-2, already used
        for p in params:
            rng.standard_normal(p.shape)
    for _ in range(3):
        for p, q in zip(params, fresh):
            g = rng.standard_normal(p.shape).astype(np.float32)
            p.grad = ember.tensor(g)
            q.grad = ember.tensor(g.copy())
        opt.step()
        opt2.step()
    _assert_same(params, ref)
    _assert_same(fresh, ref)
    for k, v in held.items():
        assert opt.state[params[1]][k] is v
        if k != "step" or name != "SGD":
            assert not np.array_equal(v._data, before[k])


def test_step_counts_are_float32_scalars(monkeypatch):
    params, opt = _train(monkeypatch, True, "Adam", dict(lr=0.01), steps=4)
    for p in params:
        step = opt.state[p]["step"]
        assert step.shape == () and step.dtype == ember.float32 and step.item() == 4.0


def test_state_is_aligned_and_float32(monkeypatch):
    params, opt = _train(monkeypatch, True, "Adam", dict(lr=0.01, amsgrad=True), steps=2)
    for p in params:
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            arr = opt.state[p][key]._data
            assert arr.dtype == np.float32 and arr.shape == p._data.shape


def test_float64_params(monkeypatch):
    def make():
        return [ember.tensor(a.astype(np.float64), requires_grad=True) for a in _arrays(0)]

    def train(blocked):
        _set_mode(monkeypatch, blocked)
        params = make()
        opt = ember.optim.Adam(params, lr=0.01)
        rng = np.random.default_rng(1)
        for _ in range(3):
            for p in params:
                p.grad = ember.tensor(rng.standard_normal(p.shape))
            opt.step()
        return params, opt

    ref, _ = train(False)
    out, opt = train(True)
    _assert_same(out, ref)
    assert all(opt.state[p]["exp_avg"]._data.dtype == np.float64 for p in out)


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Adadelta", "Adagrad", "SGD"])
def test_replaced_state_is_picked_up(monkeypatch, name):
    # Replacing a packed parameter's state tensor (or loading a state dict into the same optimizer) must be
    # seen by the next step.
    kwargs = dict(momentum=0.9) if name in ("SGD", "RMSprop") else {}
    results = []
    for blocked in (False, True):
        params, opt = _train(monkeypatch, blocked, name, kwargs, steps=2)
        p = params[1]
        key = next(k for k in opt.state[p] if k != "step")
        opt.state[p][key] = ember.tensor(np.full(p.shape, 0.25, np.float32))
        opt.load_state_dict(opt.state_dict())
        rng = np.random.default_rng(5)
        for _ in range(2):
            for q in params:
                q.grad = ember.tensor(rng.standard_normal(q.shape).astype(np.float32))
            opt.step()
        results.append(params)
    _assert_same(results[1], results[0])


@pytest.mark.parametrize("name, kwargs", [("Adam", dict(lr=0.01, amsgrad=True)), ("Adadelta", dict()),
                                          ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                                          ("RMSprop", dict(lr=0.01, centered=True)), ("Adagrad", dict(lr=0.1))])
def test_default_blocks_match_torch(torch, name, kwargs):
    # Default block sizes: one parameter spans several blocks, the others are packed.
    arrays = _arrays(3, [(300, 250), (250,), (7, 3, 3), (100, 700)])
    ep = [ember.tensor(a, requires_grad=True) for a in arrays]
    tp = [torch.tensor(a, requires_grad=True) for a in arrays]
    e_opt = getattr(ember.optim, name)(ep, **kwargs)
    t_opt = getattr(torch.optim, name)(tp, **kwargs)
    rng = np.random.default_rng(4)
    for _ in range(5):
        for e, t in zip(ep, tp):
            g = rng.standard_normal(e.shape).astype(np.float32)
            e.grad = ember.tensor(g)
            t.grad = torch.tensor(g.copy())
        e_opt.step()
        t_opt.step()
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(e._data, t.detach().numpy(), rtol=1e-5, atol=1e-6)
