"""Gradients of gradients through the recurrent layers (ember/_ops/rnn.py), against PyTorch.

Each case takes a first gradient with ``create_graph=True`` under a random upstream gradient, then
differentiates a random weighting of it with respect to the input, the initial state and every parameter.
"""

import numpy as np
import pytest

import ember

from .test_rnn import _pair


def _second_order(lib, mod, x, state, rng_seed, packed_lengths=None):
    rng = np.random.default_rng(rng_seed)
    x = lib.tensor(x, requires_grad=True)
    state = tuple(lib.tensor(s, requires_grad=True) for s in state)
    inp = x
    if packed_lengths is not None:
        inp = lib.nn.utils.rnn.pack_padded_sequence(x, packed_lengths, enforce_sorted=False)
    out, hn = mod(inp, (state if len(state) > 1 else state[0]) if state else None)
    if packed_lengths is not None:
        out = lib.nn.utils.rnn.pad_packed_sequence(out)[0]
    outs = [out, *(hn if isinstance(hn, tuple) else (hn,))]
    leaves = [x, *state, *mod.parameters()]
    ups = [lib.tensor(rng.standard_normal(tuple(o.shape))) for o in outs]
    firsts = lib.autograd.grad(outs, leaves, ups, create_graph=True, allow_unused=True)
    total = 0
    for g in firsts:
        if g is not None and g.requires_grad:
            total = total + (g * lib.tensor(rng.standard_normal(tuple(g.shape)))).sum()
    seconds = lib.autograd.grad(total, leaves, allow_unused=True)
    as_np = lambda ts: [None if t is None else t.detach().numpy() for t in ts]  # noqa: E731
    return as_np(firsts), as_np(seconds)


CASES = [
    ("LSTM", dict()),
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(proj_size=2)),
    ("LSTM", dict(bias=False)),
    ("GRU", dict()),
    ("GRU", dict(num_layers=2, bidirectional=True, bias=False)),
    ("RNN", dict()),
    ("RNN", dict(nonlinearity="relu", bidirectional=True)),
]


@pytest.mark.parametrize("kind,cfg", CASES, ids=lambda c: c if isinstance(c, str) else
                         "-".join(f"{k}={v}" for k, v in c.items()) or "default")
@pytest.mark.parametrize("with_state", [False, True])
def test_second_derivatives_match_torch(torch, kind, cfg, with_state):
    t_mod, e_mod = _pair(torch, kind, 3, 4, **cfg)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 2, 3))
    layers = cfg.get("num_layers", 1) * (2 if cfg.get("bidirectional") else 1)
    hsize = cfg.get("proj_size") or 4
    state = ()
    if with_state:
        state = (rng.standard_normal((layers, 2, hsize)),)
        if kind == "LSTM":
            state += (rng.standard_normal((layers, 2, 4)),)
    t_first, t_second = _second_order(torch, t_mod, x, state, 1)
    e_first, e_second = _second_order(ember, e_mod, x, state, 1)
    for t, e in zip(t_first + t_second, e_first + e_second):
        assert (t is None) == (e is None)
        if t is not None:
            np.testing.assert_allclose(e, t, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_second_derivatives_of_packed_sequences_match_torch(torch, kind):
    t_mod, e_mod = _pair(torch, kind, 3, 4, bidirectional=True)
    x = np.random.default_rng(2).standard_normal((5, 3, 3))
    lengths = [5, 2, 4]
    t_res = _second_order(torch, t_mod, x, (), 3, packed_lengths=lengths)
    e_res = _second_order(ember, e_mod, x, (), 3, packed_lengths=lengths)
    for t, e in zip(t_res[0] + t_res[1], e_res[0] + e_res[1]):
        assert (t is None) == (e is None)
        if t is not None:
            np.testing.assert_allclose(e, t, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cell_gradient_penalty_matches_torch(torch, kind):
    t_mod, e_mod = _pair(torch, kind, 3, 4, dtype="float32")
    x = np.random.default_rng(4).standard_normal((2, 3)).astype("float32")
    res = []
    for lib, mod in ((torch, t_mod), (ember, e_mod)):
        xt = lib.tensor(x, requires_grad=True)
        out = mod(xt)
        h = out[0] if isinstance(out, tuple) else out
        (gx,) = lib.autograd.grad(h.tanh().sum(), xt, create_graph=True)
        ((gx.norm(dim=1) - 1) ** 2).mean().backward()
        res.append([p.grad.numpy() for p in mod.parameters()])
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-4, atol=1e-6)


def test_gradgradcheck_lstm_float64():
    ember.manual_seed(0)
    lstm = ember.nn.LSTM(2, 3).double()
    x = ember.randn(3, 2, 2, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a: lstm(a)[0], (x,))
