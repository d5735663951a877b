"""Recurrent layers (ember/nn/modules/rnn.py) against PyTorch: outputs and every gradient."""

import math

import numpy as np
import pytest

import ember


def _copy_weights(t_mod, e_mod):
    for name, p in t_mod.named_parameters():
        getattr(e_mod, name)._data[...] = p.detach().numpy()


def _pair(torch, cls_name, *args, dtype="float64", **kwargs):
    t_mod = getattr(torch.nn, cls_name)(*args, **kwargs)
    e_mod = getattr(ember.nn, cls_name)(*args, **kwargs)
    if dtype == "float64":
        t_mod = t_mod.double()
        e_mod = e_mod.double()
    _copy_weights(t_mod, e_mod)
    return t_mod, e_mod


def _leaf(lib, a):
    return lib.tensor(a, requires_grad=True)


def _flatten(result, is_lstm):
    out, state = result
    return [out, *state] if is_lstm else [out, state]


def _check_grads(torch, t_mod, e_mod, t_outs, e_outs, leaves, rng, atol=1e-8):
    t_loss = e_loss = 0
    for t_o, e_o in zip(t_outs, e_outs):
        assert tuple(e_o.shape) == tuple(t_o.shape)
        np.testing.assert_allclose(e_o.detach().numpy(), t_o.detach().numpy(), rtol=1e-6, atol=atol)
        g = rng.standard_normal(tuple(t_o.shape)).astype(str(t_o.dtype).split(".")[-1])
        t_loss = t_loss + (t_o * torch.from_numpy(g)).sum()
        e_loss = e_loss + (e_o * ember.from_numpy(g)).sum()
    t_loss.backward()
    e_loss.backward()
    for t_leaf, e_leaf in leaves:
        np.testing.assert_allclose(e_leaf.grad.numpy(), t_leaf.grad.numpy(), rtol=1e-6, atol=atol)
    for name, p in t_mod.named_parameters():
        e_p = getattr(e_mod, name)
        assert e_p.grad is not None, name
        np.testing.assert_allclose(e_p.grad.numpy(), p.grad.numpy(), rtol=1e-6, atol=atol, err_msg=name)


CONFIGS = [
    dict(),
    dict(num_layers=2),
    dict(bidirectional=True),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(bias=False, batch_first=True),
    dict(num_layers=3, bidirectional=True, bias=False),
]


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()) or "default")
@pytest.mark.parametrize("with_state", [False, True])
def test_module_parity(torch, kind, cfg, with_state):
    rng = np.random.default_rng(1)
    t_mod, e_mod = _pair(torch, kind, 3, 4, **cfg)
    T, B = 5, 2
    D = 2 if cfg.get("bidirectional") else 1
    L = cfg.get("num_layers", 1)
    x = rng.standard_normal((B, T, 3) if cfg.get("batch_first") else (T, B, 3))
    xt, xe = _leaf(torch, x), _leaf(ember, x)
    leaves = [(xt, xe)]
    t_args, e_args = [xt], [xe]
    if with_state:
        h = rng.standard_normal((L * D, B, 4))
        ht, he = _leaf(torch, h), _leaf(ember, h)
        leaves.append((ht, he))
        if kind == "LSTM":
            c = rng.standard_normal((L * D, B, 4))
            ct, ce = _leaf(torch, c), _leaf(ember, c)
            leaves.append((ct, ce))
            t_args.append((ht, ct))
            e_args.append((he, ce))
        else:
            t_args.append(ht)
            e_args.append(he)
    t_outs = _flatten(t_mod(*t_args), kind == "LSTM")
    e_outs = _flatten(e_mod(*e_args), kind == "LSTM")
    _check_grads(torch, t_mod, e_mod, t_outs, e_outs, leaves, rng)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("with_state", [False, True])
def test_unbatched_parity(torch, kind, with_state):
    rng = np.random.default_rng(2)
    t_mod, e_mod = _pair(torch, kind, 3, 4, num_layers=2, bidirectional=True)
    x = rng.standard_normal((6, 3))
    xt, xe = _leaf(torch, x), _leaf(ember, x)
    leaves = [(xt, xe)]
    t_args, e_args = [xt], [xe]
    if with_state:
        h = rng.standard_normal((4, 4))
        ht, he = _leaf(torch, h), _leaf(ember, h)
        leaves.append((ht, he))
        if kind == "LSTM":
            ct, ce = _leaf(torch, h * 0.5), _leaf(ember, h * 0.5)
            leaves.append((ct, ce))
            t_args.append((ht, ct))
            e_args.append((he, ce))
        else:
            t_args.append(ht)
            e_args.append(he)
    t_outs = _flatten(t_mod(*t_args), kind == "LSTM")
    e_outs = _flatten(e_mod(*e_args), kind == "LSTM")
    assert tuple(e_outs[0].shape) == (6, 8)
    _check_grads(torch, t_mod, e_mod, t_outs, e_outs, leaves, rng)


def test_relu_rnn_parity(torch):
    rng = np.random.default_rng(3)
    t_mod, e_mod = _pair(torch, "RNN", 3, 5, num_layers=2, nonlinearity="relu", bidirectional=True)
    x = rng.standard_normal((4, 3, 3))
    xt, xe = _leaf(torch, x), _leaf(ember, x)
    _check_grads(torch, t_mod, e_mod, _flatten(t_mod(xt), False), _flatten(e_mod(xe), False), [(xt, xe)], rng)


@pytest.mark.parametrize("cfg", [dict(), dict(num_layers=2, bidirectional=True, batch_first=True)])
def test_lstm_projection_parity(torch, cfg):
    rng = np.random.default_rng(4)
    t_mod, e_mod = _pair(torch, "LSTM", 3, 5, proj_size=2, **cfg)
    D = 2 if cfg.get("bidirectional") else 1
    L = cfg.get("num_layers", 1)
    x = rng.standard_normal((2, 4, 3))
    h, c = rng.standard_normal((L * D, 2 if cfg.get("batch_first") else 4, 2)), None
    B = h.shape[1]
    c = rng.standard_normal((L * D, B, 5))
    xt, xe = _leaf(torch, x), _leaf(ember, x)
    ht, he = _leaf(torch, h), _leaf(ember, h)
    ct, ce = _leaf(torch, c), _leaf(ember, c)
    t_outs = _flatten(t_mod(xt, (ht, ct)), True)
    e_outs = _flatten(e_mod(xe, (he, ce)), True)
    assert tuple(e_outs[1].shape) == (L * D, B, 2)
    _check_grads(torch, t_mod, e_mod, t_outs, e_outs, [(xt, xe), (ht, he), (ct, ce)], rng)


def _lstm_param_grads(mod):
    return {n: p.grad.numpy().copy() for n, p in mod.named_parameters()}


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_last_step_gradient_matches_dense_path(torch, bidirectional):
    # Only out[:, -1] reaches the loss (the MNIST-rows benchmark): the zero gradient of the other steps is
    # skipped; the result must equal the same loss through a dense (all-steps) upstream gradient, and torch.
    rng = np.random.default_rng(11)
    t_mod, e_mod = _pair(torch, "LSTM", 5, 6, num_layers=2, batch_first=True, bidirectional=bidirectional)
    x = rng.standard_normal((3, 7, 5))
    w = rng.standard_normal((12 if bidirectional else 6,))
    t_out, _ = t_mod(torch.from_numpy(x))
    (t_out[:, -1, :] * torch.from_numpy(w)).sum().backward()
    e_out, _ = e_mod(ember.from_numpy(x))
    (e_out[:, -1, :] * ember.from_numpy(w)).sum().backward()
    sparse = _lstm_param_grads(e_mod)
    for name, p in t_mod.named_parameters():
        np.testing.assert_allclose(sparse[name], p.grad.numpy(), rtol=1e-6, atol=1e-8, err_msg=name)
    e_mod.zero_grad()
    mask = np.zeros((3, 7, 12 if bidirectional else 6))
    mask[:, -1, :] = w
    mask[:, :-1, :] = 1e-300  # nonzero everywhere (dense path), numerically negligible
    e_out, _ = e_mod(ember.from_numpy(x))
    (e_out * ember.from_numpy(mask)).sum().backward()
    for name, g in _lstm_param_grads(e_mod).items():
        np.testing.assert_allclose(g, sparse[name], rtol=1e-12, atol=1e-14, err_msg=name)


def test_lstm_weight_grads_do_not_depend_on_input_requiring_grad():
    # The first layer skips dx when the data needs no gradient; the weight gradients must not change.
    rng = np.random.default_rng(12)
    mod = ember.nn.LSTM(4, 5, num_layers=2).double()
    x = rng.standard_normal((6, 3, 4))
    grads = []
    for requires_grad in (False, True):
        mod.zero_grad()
        xe = ember.tensor(x, requires_grad=requires_grad)
        out, (h, c) = mod(xe)
        (out.sum() + (h * h).sum() + c.sum()).backward()
        grads.append(_lstm_param_grads(mod))
        assert (xe.grad is not None) == requires_grad
    for name in grads[0]:
        np.testing.assert_allclose(grads[0][name], grads[1][name], rtol=1e-12, atol=1e-15, err_msg=name)


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("zero_h0", [False, True])
def test_lstm_cell_state_grad_without_hidden_grad(torch, packed, zero_h0):
    # c0 requires grad but h0 does not: the last backward step skips the dh GEMM but must still give dc_0.
    # A zero h0 also takes the forward shortcut that drops the recurrent rows from the first GEMM.
    rng = np.random.default_rng(13)
    t_mod, e_mod = _pair(torch, "LSTM", 3, 4, num_layers=2, bidirectional=True)
    x = rng.standard_normal((5, 3, 3))
    h = np.zeros((4, 3, 4)) if zero_h0 else rng.standard_normal((4, 3, 4))
    c = rng.standard_normal((4, 3, 4))
    xt, xe = _leaf(torch, x), _leaf(ember, x)
    ct, ce = _leaf(torch, c), _leaf(ember, c)
    ht, he = torch.from_numpy(h), ember.from_numpy(h)
    if packed:
        lengths = [5, 3, 2]
        t_in = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths)
        e_in = ember.nn.utils.rnn.pack_padded_sequence(xe, lengths)
        t_out, (t_h, t_c) = t_mod(t_in, (ht, ct))
        e_out, (e_h, e_c) = e_mod(e_in, (he, ce))
        t_outs, e_outs = [t_out.data, t_h, t_c], [e_out.data, e_h, e_c]
    else:
        t_outs = _flatten(t_mod(xt, (ht, ct)), True)
        e_outs = _flatten(e_mod(xe, (he, ce)), True)
    _check_grads(torch, t_mod, e_mod, t_outs, e_outs, [(xt, xe), (ct, ce)], rng)


def test_float32_parity_and_dtype(torch):
    rng = np.random.default_rng(5)
    t_mod, e_mod = _pair(torch, "LSTM", 28, 16, num_layers=2, batch_first=True, dtype="float32")
    x = rng.standard_normal((8, 7, 28)).astype("float32")
    xt, xe = _leaf(torch, x), _leaf(ember, x)
    t_outs = _flatten(t_mod(xt), True)
    e_outs = _flatten(e_mod(xe), True)
    for o in e_outs:
        assert o.dtype == ember.float32
    _check_grads(torch, t_mod, e_mod, t_outs, e_outs, [(xt, xe)], rng, atol=2e-5)
    for p in e_mod.parameters():
        assert p.grad.dtype == ember.float32


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_parity(torch, kind, bias):
    rng = np.random.default_rng(6)
    t_mod, e_mod = _pair(torch, kind, 3, 4, bias=bias)
    x = rng.standard_normal((2, 3))
    h = rng.standard_normal((2, 4))
    xt, xe = _leaf(torch, x), _leaf(ember, x)
    ht, he = _leaf(torch, h), _leaf(ember, h)
    leaves = [(xt, xe), (ht, he)]
    if kind == "LSTMCell":
        ct, ce = _leaf(torch, h * 2), _leaf(ember, h * 2)
        leaves.append((ct, ce))
        t_outs, e_outs = list(t_mod(xt, (ht, ct))), list(e_mod(xe, (he, ce)))
    else:
        t_outs, e_outs = [t_mod(xt, ht)], [e_mod(xe, he)]
    _check_grads(torch, t_mod, e_mod, t_outs, e_outs, leaves, rng)


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cell_unbatched_and_default_state(torch, kind):
    rng = np.random.default_rng(7)
    t_mod, e_mod = _pair(torch, kind, 3, 4)
    x = rng.standard_normal(3)
    t_out, e_out = t_mod(torch.tensor(x)), e_mod(ember.tensor(x))
    t_outs = list(t_out) if kind == "LSTMCell" else [t_out]
    e_outs = list(e_out) if kind == "LSTMCell" else [e_out]
    for t_o, e_o in zip(t_outs, e_outs):
        assert tuple(e_o.shape) == (4,)
        np.testing.assert_allclose(e_o.detach().numpy(), t_o.detach().numpy(), atol=1e-10)


def test_relu_cell_parity(torch):
    rng = np.random.default_rng(8)
    t_mod, e_mod = _pair(torch, "RNNCell", 3, 4, nonlinearity="relu")
    x = rng.standard_normal((5, 3))
    np.testing.assert_allclose(e_mod(ember.tensor(x)).detach().numpy(), t_mod(torch.tensor(x)).detach().numpy(),
                               atol=1e-10)


# ---------------------------------------------------------------------------------------------- structure

@pytest.mark.parametrize("args,kwargs", [
    ((28, 128), dict(num_layers=2, batch_first=True)),
    ((3, 4), dict(bias=False, dropout=0.5, num_layers=2, bidirectional=True)),
    ((3, 4), dict(proj_size=2)),
])
def test_lstm_repr_and_state_dict(torch, args, kwargs):
    t_mod = torch.nn.LSTM(*args, **kwargs)
    e_mod = ember.nn.LSTM(*args, **kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert [(k, tuple(v.shape)) for k, v in e_mod.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t_mod.state_dict().items()]


@pytest.mark.parametrize("cls,args,kwargs", [
    ("GRU", (3, 4), dict(bias=False, num_layers=2, dropout=0.5, bidirectional=True)),
    ("RNN", (3, 4), dict(nonlinearity="relu")),
    ("RNN", (3, 4), dict(batch_first=True, num_layers=3)),
    ("LSTMCell", (3, 4), dict()),
    ("GRUCell", (3, 4), dict(bias=False)),
    ("RNNCell", (3, 4), dict(nonlinearity="relu")),
])
def test_other_reprs_and_state_dicts(torch, cls, args, kwargs):
    t_mod = getattr(torch.nn, cls)(*args, **kwargs)
    e_mod = getattr(ember.nn, cls)(*args, **kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert [(k, tuple(v.shape)) for k, v in e_mod.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t_mod.state_dict().items()]


def test_load_state_dict_from_torch(torch):
    t_mod = torch.nn.GRU(3, 4, num_layers=2)
    e_mod = ember.nn.GRU(3, 4, num_layers=2)
    e_mod.load_state_dict({k: ember.from_numpy(v.numpy().copy()) for k, v in t_mod.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 2, 3)).astype("float32")
    np.testing.assert_allclose(e_mod(ember.from_numpy(x))[0].detach().numpy(),
                               t_mod(torch.from_numpy(x))[0].detach().numpy(), atol=1e-6)


def test_init_is_uniform_in_bound():
    mod = ember.nn.LSTM(5, 16, num_layers=2, bidirectional=True)
    bound = 1 / math.sqrt(16)
    values = np.concatenate([p.detach().numpy().ravel() for p in mod.parameters()])
    assert values.dtype == np.float32
    assert np.abs(values).max() <= bound
    assert values.min() < -0.8 * bound and values.max() > 0.8 * bound
    assert all(p.requires_grad for p in mod.parameters())
    assert len(list(mod.parameters())) == 16


def test_seeded_init_is_reproducible():
    ember.manual_seed(3)
    a = ember.nn.GRU(3, 4)
    ember.manual_seed(3)
    b = ember.nn.GRU(3, 4)
    for p, q in zip(a.parameters(), b.parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())


def test_all_weights_layout():
    mod = ember.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    names = [[n for n, _ in mod.named_parameters()][i:i + 4] for i in range(0, 16, 4)]
    assert names[1] == ["weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"]
    assert [tuple(w.shape) for w in mod.all_weights[2]] == [(16, 8), (16, 4), (16,), (16,)]


# ---------------------------------------------------------------------------------------------- dropout

def test_dropout_between_layers_only_in_training():
    mod = ember.nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = ember.randn(5, 2, 3)
    mod.eval()
    a = mod(x)[0]
    b = mod(x)[0]
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    mod.train()
    c = mod(x)[0]
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())
    ref = ember.nn.GRU(3, 4, num_layers=2)
    ref.load_state_dict(mod.state_dict())
    assert np.allclose(ref(x)[0].detach().numpy(), a.detach().numpy())


def test_dropout_one_zeroes_the_second_layer_input(torch):
    t_mod, e_mod = _pair(torch, "RNN", 3, 4, num_layers=2, dropout=1.0, dtype="float32")
    x = np.random.default_rng(0).standard_normal((4, 2, 3)).astype("float32")
    np.testing.assert_allclose(e_mod(ember.from_numpy(x))[0].detach().numpy(),
                               t_mod(torch.from_numpy(x))[0].detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("kind,cfg,lengths,enforce_sorted", [
    ("LSTM", dict(num_layers=2, batch_first=True), [5, 3, 2], True),
    ("GRU", dict(num_layers=3, bidirectional=True), [2, 5, 4], False),
    ("RNN", dict(num_layers=2, bidirectional=True, batch_first=True), [4, 4, 1], True),
])
def test_dropout_on_packed_input_draws_the_packed_mask(torch, kind, cfg, lengths, enforce_sorted):
    # PyTorch drops out the packed data (sum(lengths), H * D) between layers, not the padded (T, B, H * D)
    t_mod, e_mod = _pair(torch, kind, 4, 6, dropout=0.3, dtype="float32", **cfg)
    x = np.random.default_rng(0).standard_normal((3, 5, 4) if cfg.get("batch_first") else (5, 3, 4))
    x = x.astype("float32")
    outs = []
    for lib, mod in ((torch, t_mod), (ember, e_mod)):
        lib.manual_seed(5)
        xin = lib.tensor(x, requires_grad=True)
        packed = lib.nn.utils.rnn.pack_padded_sequence(xin, lib.tensor(lengths), batch_first=cfg.get("batch_first",
                                                       False), enforce_sorted=enforce_sorted)
        out, _ = mod(packed)
        out.data.pow(2).sum().backward()
        outs.append((out.data.detach().numpy(), xin.grad.numpy(), lib.rand(3).numpy()))  # (and the same draws)
    for t_arr, e_arr in zip(*outs):
        np.testing.assert_allclose(e_arr, t_arr, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------- errors

def _err(torch, fn_t, fn_e):
    with pytest.raises(Exception) as t_info:
        fn_t(torch)
    with pytest.raises(type(t_info.value)) as e_info:
        fn_e(ember)
    assert str(e_info.value) == str(t_info.value).replace("torch", "ember")


@pytest.mark.parametrize("case", [
    lambda m: m.nn.LSTM(28, 128)(m.zeros(3, 2, 10)),
    lambda m: m.nn.LSTM(3, 4)(m.zeros(3, 2, 3), (m.zeros(1, 3, 4), m.zeros(1, 2, 4))),
    lambda m: m.nn.LSTM(3, 4)(m.zeros(3, 2, 3), (m.zeros(1, 2, 4), m.zeros(1, 2, 5))),
    lambda m: m.nn.GRU(3, 4)(m.zeros(3, 2, 3), m.zeros(1, 3, 4)),
    lambda m: m.nn.RNN(3, 4, num_layers=2)(m.zeros(3, 2, 3), m.zeros(1, 2, 4)),
    lambda m: m.nn.LSTM(3, 4)(m.zeros(3, 2, 2, 3)),
    lambda m: m.nn.GRU(3, 4)(m.zeros(3, 2, 2, 3)),
    lambda m: m.nn.RNN(3, 4)(m.zeros(3)),
    lambda m: m.nn.GRU(3, 4)(m.zeros(2, 3), m.zeros(1, 1, 4)),
    lambda m: m.nn.GRU(3, 4)(m.zeros(2, 2, 3), m.zeros(1, 4)),
    lambda m: m.nn.LSTM(3, 4)(m.zeros(2, 3), (m.zeros(1, 1, 4), m.zeros(1, 1, 4))),
    lambda m: m.nn.LSTM(3, 4)(m.zeros(2, 2, 3), (m.zeros(1, 4), m.zeros(1, 4))),
    lambda m: m.nn.LSTM(3, 4)(m.zeros(2, 1, 3), m.zeros(1, 1, 4)),
    lambda m: m.nn.LSTM(3, 4)(m.zeros(2, 1, 3), (m.zeros(1, 1, 4),)),
    lambda m: m.nn.LSTM(3, 4)(m.zeros(2, 1, 3), (m.zeros(1, 1, 4),) * 3),
    lambda m: m.nn.LSTM(3, 4)(m.zeros(2, 1, 3, dtype=m.float64)),
    lambda m: m.nn.GRU(3, 4)(m.zeros(2, 1, 3, dtype=m.float64)),
    lambda m: m.nn.LSTMCell(3, 4)(m.zeros(2, 3, dtype=m.float64)),
    lambda m: m.nn.GRU(3, 4, proj_size=2),
    lambda m: m.nn.LSTM(3, 4, proj_size=4),
    lambda m: m.nn.LSTM(3, 4, proj_size=-1),
    lambda m: m.nn.LSTM(3, 4, dropout=1.5),
    lambda m: m.nn.LSTM(3, 0),
    lambda m: m.nn.LSTM(3, 4, num_layers=0),
    lambda m: m.nn.RNN(3, 4, nonlinearity="sigmoid"),
    lambda m: m.nn.LSTMCell(3, 4)(m.zeros(2, 5)),
    lambda m: m.nn.LSTMCell(3, 4)(m.zeros(2, 3), (m.zeros(3, 4), m.zeros(2, 4))),
    lambda m: m.nn.GRUCell(3, 4)(m.zeros(2, 2, 3)),
    lambda m: m.nn.RNNCell(3, 4)(m.zeros(2, 3), m.zeros(5, 4)),
])
def test_errors_match_torch(torch, case):
    _err(torch, case, case)


def test_dropout_warning_single_layer():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        ember.nn.LSTM(3, 4, dropout=0.2)


# ---------------------------------------------------------------------------------------------- misc

def test_no_grad_forward_builds_no_graph():
    mod = ember.nn.LSTM(3, 4)
    with ember.no_grad():
        out, (h, c) = mod(ember.randn(5, 2, 3))
    assert out.grad_fn is None and not out.requires_grad
    assert tuple(h.shape) == (1, 2, 4)


def test_training_reduces_loss():
    ember.manual_seed(0)
    mod = ember.nn.LSTM(2, 8, batch_first=True)
    w = ember.nn.Parameter(ember.randn(8, 1) * 0.1)
    x = ember.randn(16, 6, 2)
    y = x.sum(dim=(1, 2)).reshape(16, 1)
    params = list(mod.parameters()) + [w]
    first = None
    for _ in range(60):
        out, _ = mod(x)
        loss = ((out[:, -1] @ w - y) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with ember.no_grad():
            for p in params:
                p -= 0.05 * p.grad
        first = loss.item() if first is None else first
    assert loss.item() < 0.5 * first


@pytest.mark.parametrize("call", [
    "nn.LSTMCell(3, 4)(x, (lib.zeros(2, 4),))",
    "nn.LSTMCell(3, 4)(x, (lib.zeros(2, 4),) * 3)",
    "nn.RNNCell(3, 4, nonlinearity='x')",  # accepted at construction...
    "nn.RNNCell(3, 4, nonlinearity='x')(x)",  # ...refused at forward
    "nn.ZeroPad2d((1, 2, 3))",
    "nn.ZeroPad2d((1, 2, 3))(lib.ones(1, 1, 4, 4))",
    "nn.ConstantPad1d((1, 2, 3, 4), 0.)(lib.ones(1, 2, 4)).shape",
    "nn.EmbeddingBag(3, 2, padding_idx=5)",
    "nn.Embedding(3, 2, padding_idx=-5)",
])
def test_module_errors_match_torch(torch, call):
    def run(lib):
        try:
            out = eval(call, {"nn": lib.nn, "lib": lib, "x": lib.randn(2, 3)})
            return "ok", tuple(out) if hasattr(out, "__len__") and not hasattr(out, "dim") else None
        except Exception as e:  # noqa: BLE001 - the error itself is compared
            return type(e).__name__, str(e)

    assert run(ember) == run(torch)


def _outcome(f, *args):
    try:
        out = f(*args)
    except Exception as e:  # noqa: BLE001 - the type and message are what is compared
        return type(e).__name__, str(e).replace("torch.", "ember.")
    return out


def test_rnnbase_private_checks_match_torch(torch):
    # Subclasses (weight-drop wrappers, custom forwards) call these helpers of PyTorch's RNNBase / LSTM.
    def pair(name, *args, **kwargs):
        return getattr(torch.nn, name)(*args, **kwargs), getattr(ember.nn, name)(*args, **kwargs)

    cases = [
        ("LSTM", (4, 6, 2), {"proj_size": 3, "batch_first": True}, (2, 5, 4),
         [((4, 2, 3), (4, 2, 6)), ((4, 2, 3), (4, 2, 5)), ((4, 2, 2), (4, 2, 6)), ((2, 2, 3), (2, 2, 6))]),
        ("GRU", (4, 6), {"bidirectional": True}, (5, 2, 4), [(2, 2, 6), (2, 2, 5), (1, 2, 6)]),
        ("RNN", (4, 6, 3), {}, (5, 2, 4), [(3, 2, 6), (3, 3, 6)]),
    ]
    rng = np.random.default_rng(0)
    for name, args, kwargs, xshape, hiddens in cases:
        t_m, e_m = pair(name, *args, **kwargs)
        x = rng.standard_normal(xshape).astype(np.float32)
        tx, ex = torch.from_numpy(x), ember.from_numpy(x)
        assert e_m.get_expected_hidden_size(ex, None) == t_m.get_expected_hidden_size(tx, None)
        bs = np.array([2, 1], dtype=np.int64)
        assert (e_m.get_expected_hidden_size(ex, ember.from_numpy(bs))
                == t_m.get_expected_hidden_size(tx, torch.from_numpy(bs)))
        if name == "LSTM":
            assert e_m.get_expected_cell_size(ex, None) == t_m.get_expected_cell_size(tx, None)
        else:
            assert not hasattr(e_m, "get_expected_cell_size")
        for h in hiddens:
            if name == "LSTM":
                th = tuple(torch.zeros(s) for s in h)
                eh = tuple(ember.zeros(s) for s in h)
            else:
                th, eh = torch.zeros(h), ember.zeros(h)
            assert _outcome(e_m.check_forward_args, ex, eh, None) == \
                _outcome(t_m.check_forward_args, tx, th, None)
        for shape, dt in [((2, 5, 3), "float32"), ((2, 5, 4, 1), "float32"), ((5, 4), "float32"),
                          ((2, 5, 4), "float64")]:
            a = np.zeros(shape, dtype=dt)
            assert _outcome(e_m.check_input, ember.from_numpy(a), None) == \
                _outcome(t_m.check_input, torch.from_numpy(a), None)
        packed = np.zeros((3, 4), dtype=np.float32)
        for b in (bs, None):
            assert _outcome(e_m.check_input, ember.from_numpy(packed), None if b is None else ember.from_numpy(b)) == \
                _outcome(t_m.check_input, torch.from_numpy(packed), None if b is None else torch.from_numpy(b))
        for msg in ("Expected hidden size {}, got {}", "bad: {} vs {}"):
            assert _outcome(e_m.check_hidden_size, ember.zeros(1, 2, 5), (1, 2, 6), msg) == \
                _outcome(t_m.check_hidden_size, torch.zeros(1, 2, 5), (1, 2, 6), msg)
        perm = np.array([2, 0, 1], dtype=np.int64)
        h = np.arange(6, dtype=np.float32).reshape(1, 3, 2)
        for p in (perm, None):
            tp = None if p is None else torch.from_numpy(p)
            ep = None if p is None else ember.from_numpy(p)
            if name == "LSTM":
                t_out = t_m.permute_hidden((torch.from_numpy(h), torch.from_numpy(-h)), tp)
                e_out = e_m.permute_hidden((ember.from_numpy(h), ember.from_numpy(-h)), ep)
                assert isinstance(e_out, tuple) and len(e_out) == 2
                for t, e in zip(t_out, e_out):
                    np.testing.assert_array_equal(e.numpy(), t.numpy())
            else:
                np.testing.assert_array_equal(e_m.permute_hidden(ember.from_numpy(h), ep).numpy(),
                                              t_m.permute_hidden(torch.from_numpy(h), tp).numpy())


def test_rnnbase_flat_weight_bookkeeping_matches_torch(torch):
    t_m, e_m = torch.nn.GRU(4, 6), ember.nn.GRU(4, 6)
    for t_step, e_step in [
        (lambda: None, lambda: None),
        (lambda: t_m._update_flat_weights(), lambda: e_m._update_flat_weights()),
        (lambda: setattr(t_m, "weight_ih_l0", torch.nn.Parameter(torch.zeros(18, 4))),
         lambda: setattr(e_m, "weight_ih_l0", ember.nn.Parameter(ember.zeros(18, 4)))),
        (lambda: t_m.flatten_parameters(), lambda: e_m.flatten_parameters()),
        (lambda: t_m._init_flat_weights(), lambda: e_m._init_flat_weights()),
    ]:
        assert e_step() is None and t_step() is None
        assert e_m._weights_have_changed() == t_m._weights_have_changed()
        # the weights in use are the current attributes
        assert e_m._flat_weights[0] is e_m.weight_ih_l0
    y = e_m(ember.zeros(2, 1, 4))[0]
    assert y.shape == (2, 1, 6)


def test_cell_grad_fn_names_as_torch(torch):
    # nn.LSTMCell's h' is a MulBackward0 and nn.GRUCell's an AddBackward0, as PyTorch's composites end
    # (ember's fused LSTM step gives c' the same node as h'); the layers keep their own names
    names = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        x = lib.ones(3, 4, requires_grad=True)
        got = []
        for bias in (True, False):
            lstm, gru = lib.nn.LSTMCell(4, 5, bias=bias), lib.nn.GRUCell(4, 5, bias=bias)
            for h in (lstm(x)[0], lstm(x, (lib.zeros(3, 5), lib.zeros(3, 5)))[0], gru(x), gru(x, lib.zeros(3, 5)),
                      lib.lstm_cell(x, (lib.zeros(3, 5), lib.zeros(3, 5)), lstm.weight_ih, lstm.weight_hh)[0]):
                got.append((type(h.grad_fn).__name__, h.grad_fn.name()))
        names.append(got)
        for cls in (lib.nn.LSTM, lib.nn.GRU):  # (one step through a layer is no cell)
            names[-1].append(cls(4, 5)(lib.ones(1, 3, 4, requires_grad=True))[0].grad_fn.name())
    assert names[0] == names[1]


def test_rnn_cell_grad_fn_names_as_torch(torch):
    # nn.RNNCell / rnn_tanh_cell / rnn_relu_cell end in PyTorch's TanhBackward0 / ReluBackward0 (the unbatched
    # cell in a SqueezeBackward1); nn.RNN keeps its own name
    names = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        x = lib.ones(3, 4, requires_grad=True)
        got = []
        for nl in ("tanh", "relu"):
            cell = lib.nn.RNNCell(4, 5, nonlinearity=nl)
            fn = getattr(lib, f"rnn_{nl}_cell")
            for h in (cell(x), cell(x, lib.zeros(3, 5)), cell(x[0]), fn(x, lib.zeros(3, 5), cell.weight_ih,
                                                                         cell.weight_hh)):
                got.append(h.grad_fn.name())
            got.append(lib.nn.RNN(4, 5, nonlinearity=nl)(lib.ones(1, 3, 4, requires_grad=True))[0].grad_fn.name())
        names.append(got)
    assert names[0] == names[1]
