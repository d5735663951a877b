"""Top-level aliases of nn functions (ember/_functions_nn.py: ember.conv2d, ember.batch_norm, ...) vs PyTorch's
top-level functions, called with PyTorch's top-level signatures."""

import subprocess
import sys

import numpy as np
import pytest

import ember
from ember import _functions_nn


def _r(*shape, seed=0, positive=False):
    a = np.random.default_rng(seed).standard_normal(shape).astype("float32")
    return np.abs(a) + 0.1 if positive else a


def _both(torch, *arrays, grad=True):
    e = [ember.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    t = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    return e, t


def _check(e_out, t_out, e_in, t_in, rtol=1e-5, atol=1e-6):
    if isinstance(t_out, tuple):
        assert isinstance(e_out, tuple) and len(e_out) == len(t_out)
        for eo, to in zip(e_out, t_out):
            assert tuple(eo.shape) == tuple(to.shape)
            np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
        e_out, t_out = e_out[0], t_out[0]
    assert tuple(e_out.shape) == tuple(t_out.shape)
    assert str(e_out.dtype).split(".")[-1] == str(t_out.dtype).split(".")[-1]
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=rtol, atol=atol)
    if t_out.requires_grad:
        g = np.random.default_rng(9).standard_normal(tuple(t_out.shape)).astype("float32")
        e_out.backward(ember.tensor(g))
        t_out.backward(torch_tensor(t_out, g))
        for e, t in zip(e_in, t_in):
            if t.requires_grad and t.grad is not None:
                np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5)


def torch_tensor(like, array):
    return like.new_tensor(array)


def test_names_resolve_lazily_and_match_lazy_table():
    assert set(_functions_nn.__all__) == {k for k, v in ember._LAZY_ATTRS.items() if v == "ember._functions_nn"}
    for name in _functions_nn.__all__:
        assert getattr(ember, name) is not None
    code = "import sys, ember; assert 'ember.nn' not in sys.modules; ember.conv2d; assert 'ember.nn' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_all_torch_toplevel_nn_names_exist(torch):
    missing = [n for n in dir(torch) if not n.startswith("_") and hasattr(torch.nn.functional, n)
               and n not in ("torch", "warnings", "importlib", "TYPE_CHECKING") and not hasattr(ember, n)]
    assert missing == []


CASES = [
    # name, argument arrays, extra positional args (torch's top-level order)
    ("conv1d", [_r(2, 3, 7), _r(4, 3, 3, seed=1), _r(4, seed=2)], (2, 1, 1, 1)),
    ("conv2d", [_r(2, 3, 6, 6), _r(4, 3, 3, 3, seed=1), _r(4, seed=2)], (1, "same")),
    ("conv3d", [_r(1, 2, 4, 4, 4), _r(3, 2, 2, 2, 2, seed=1)], ()),
    ("conv_transpose1d", [_r(2, 3, 5), _r(3, 2, 3, seed=1), _r(2, seed=2)], (2, 1, 1)),
    ("conv_transpose2d", [_r(1, 2, 4, 4), _r(2, 3, 3, 3, seed=1)], ()),
    ("conv_transpose3d", [_r(1, 2, 3, 3, 3), _r(2, 2, 2, 2, 2, seed=1)], ()),
    ("conv_tbc", [_r(7, 2, 3), _r(3, 3, 4, seed=1), _r(4, seed=2)], (1,)),
    ("layer_norm", [_r(2, 3, 4), _r(4, seed=1), _r(4, seed=2)], None),
    ("group_norm", [_r(2, 4, 3), _r(4, seed=1), _r(4, seed=2)], None),
    ("rms_norm", [_r(2, 3, 4), _r(4, seed=1)], None),
    ("pixel_shuffle", [_r(1, 8, 2, 3)], (2,)),
    ("pixel_unshuffle", [_r(1, 2, 4, 6)], (2,)),
    ("channel_shuffle", [_r(1, 6, 2, 2)], (3,)),
    ("native_channel_shuffle", [_r(1, 6, 2, 2)], (2,)),
    ("constant_pad_nd", [_r(2, 3)], ([1, 2, 0, 1], 0.5)),
    ("prelu", [_r(2, 3, 4), np.array([0.1, 0.2, 0.3], "float32")], ()),
    ("selu", [_r(3, 4)], ()),
    ("celu", [_r(3, 4)], (0.7,)),
    ("threshold", [_r(3, 4)], (0.1, -2.0)),
    ("hardshrink", [_r(3, 4)], (0.3,)),
    ("rrelu", [_r(3, 4)], (0.1, 0.3, False)),
    ("bilinear", [_r(3, 2), _r(3, 4, seed=1), _r(5, 2, 4, seed=2), _r(5, seed=3)], ()),
    ("kl_div", [_r(3, 4), _r(3, 4, seed=1, positive=True)], (0,)),
    ("kl_div", [_r(3, 4), _r(3, 4, seed=1)], (2,), {"log_target": True}),
    ("margin_ranking_loss", [_r(5), _r(5, seed=1), np.sign(_r(5, seed=2))], (0.2, 2)),
    ("triplet_margin_loss", [_r(4, 3), _r(4, 3, seed=1), _r(4, 3, seed=2)], (0.5, 1.0, 1e-6, True, 0)),
    ("hinge_embedding_loss", [_r(5), np.sign(_r(5, seed=2))], (0.5, 1)),
    ("cosine_embedding_loss", [_r(4, 3), _r(4, 3, seed=1), np.sign(_r(4, seed=2))], (0.1, 1)),
    ("poisson_nll_loss", [_r(4, 3), _r(4, 3, seed=1, positive=True)], (True, True, 1e-8, 2)),
    ("poisson_nll_loss", [_r(4, 3, positive=True), _r(4, 3, seed=1, positive=True)], (False, False, 1e-8, 0)),
    ("binary_cross_entropy_with_logits", [_r(4, 3), _r(4, 3, seed=1, positive=True) / 3, _r(3, seed=2),
                                          _r(3, seed=3, positive=True)], (1,)),
    ("pairwise_distance", [_r(4, 3), _r(4, 3, seed=1)], (3.0, 1e-6, True)),
    ("pdist", [_r(5, 3)], (1.5,)),
    ("max_pool1d", [_r(2, 3, 9)], (3,)),
    ("max_pool1d", [_r(2, 3, 9)], (3, 2, 1, 1, True)),
    ("max_pool1d_with_indices", [_r(2, 3, 9)], (2,)),
    ("max_pool2d", [_r(1, 2, 6, 6)], ((2, 3), ())),
    ("max_pool3d", [_r(1, 2, 4, 4, 4)], (2,)),
    ("avg_pool1d", [_r(2, 3, 9)], (3, 2, 1, True, False)),
    ("adaptive_avg_pool1d", [_r(2, 3, 9)], (4,)),
    ("adaptive_max_pool1d", [_r(2, 3, 9)], (4,)),
    ("dropout", [_r(3, 4)], (0.5, False)),
    ("alpha_dropout", [_r(3, 4)], (0.5, False)),
    ("feature_alpha_dropout", [_r(3, 4, 2)], (0.5, False)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_alias_matches_torch(torch, case):
    name, arrays, extra = case[:3]
    kwargs = case[3] if len(case) > 3 else {}
    e_in, t_in = _both(torch, *arrays, grad=name != "native_channel_shuffle")  # torch: no derivative there
    if name == "binary_cross_entropy_with_logits":  # torch refuses gradients for weight / pos_weight
        for x in e_in[1:] + t_in[1:]:
            x.requires_grad_(False)
    if name in ("layer_norm", "rms_norm"):
        e_args, t_args = (e_in[0], [4], *e_in[1:]), (t_in[0], [4], *t_in[1:])
    elif name == "group_norm":
        e_args, t_args = (e_in[0], 2, *e_in[1:]), (t_in[0], 2, *t_in[1:])
    else:
        e_args, t_args = (*e_in, *extra), (*t_in, *extra)
    _check(getattr(ember, name)(*e_args, **kwargs), getattr(torch, name)(*t_args, **kwargs), e_in, t_in)


@pytest.mark.parametrize("training", [True, False])
def test_batch_and_instance_norm_toplevel_order(torch, training):
    x = _r(4, 3, 5)
    w, b, rm, rv = _r(3, seed=1), _r(3, seed=2), _r(3, seed=3), _r(3, seed=4, positive=True)
    e_in, t_in = _both(torch, x, w, b)
    e_rm, e_rv, t_rm, t_rv = ember.tensor(rm), ember.tensor(rv), torch.tensor(rm), torch.tensor(rv)
    eo = ember.batch_norm(e_in[0], e_in[1], e_in[2], e_rm, e_rv, training, 0.3, 1e-3, True)
    to = torch.batch_norm(t_in[0], t_in[1], t_in[2], t_rm, t_rv, training, 0.3, 1e-3, True)
    _check(eo, to, e_in, t_in)
    np.testing.assert_allclose(e_rm.numpy(), t_rm.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e_rv.numpy(), t_rv.numpy(), rtol=1e-5, atol=1e-6)
    e_in, t_in = _both(torch, x, w, b)
    eo = ember.instance_norm(e_in[0], e_in[1], e_in[2], e_rm, e_rv, True, 0.3, 1e-3, True)
    to = torch.instance_norm(t_in[0], t_in[1], t_in[2], t_rm, t_rv, True, 0.3, 1e-3, True)
    _check(eo, to, e_in, t_in)
    np.testing.assert_allclose(e_rm.numpy(), t_rm.numpy(), rtol=1e-5, atol=1e-6)


def test_embedding_toplevel(torch):
    w = _r(10, 3)
    idx = np.array([[1, 2, 2], [4, 0, 9]])
    for pad in (-1, 2):
        e_in, t_in = _both(torch, w)
        eo = ember.embedding(e_in[0], ember.tensor(idx), pad)
        to = torch.embedding(t_in[0], torch.tensor(idx), pad)
        _check(eo, to, e_in, t_in)


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("include_last_offset", [False, True])
def test_embedding_bag_toplevel_tuple(torch, mode, include_last_offset):
    w = _r(10, 3)
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    off = np.array([0, 3, 3, 8] if include_last_offset else [0, 3, 5])
    e_in, t_in = _both(torch, w)
    eo = ember.embedding_bag(e_in[0], ember.tensor(idx), ember.tensor(off), False, mode, False, None,
                             include_last_offset)
    to = torch.embedding_bag(t_in[0], torch.tensor(idx), torch.tensor(off), False, mode, False, None,
                             include_last_offset)
    assert [str(x.dtype) for x in eo[1:]] == ["ember.int64"] * 3
    _check(eo, to, e_in, t_in)


def test_threshold_out_and_inplace(torch):
    x = _r(3, 4)
    out = ember.empty(3, 4)
    res = ember.threshold(ember.tensor(x), 0.0, 5.0, out=out)
    assert res is out
    np.testing.assert_allclose(out.numpy(), torch.threshold(torch.tensor(x), 0.0, 5.0).numpy())
    for name, args in (("relu_", ()), ("selu_", ()), ("celu_", (0.5,)), ("threshold_", (0.2, 1.0))):
        e, t = ember.tensor(x), torch.tensor(x)
        assert getattr(ember, name)(e, *args) is e
        getattr(torch, name)(t, *args)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, atol=1e-7)


def test_signature_errors(torch):
    x = ember.randn(3)
    with pytest.raises(TypeError):
        ember.dropout(x, 0.5)  # train is required, as in torch.dropout
    with pytest.raises(TypeError):
        torch.dropout(torch.randn(3), 0.5)
    with pytest.raises(TypeError, match="argument 'reduction' .* must be int, not str"):
        ember.kl_div(x, x, "mean")
    with pytest.raises(TypeError, match="must be int, not str"):
        torch.kl_div(torch.randn(3), torch.randn(3), "mean")
    with pytest.raises(TypeError):
        ember.poisson_nll_loss(x, x)  # every argument is required
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors"):
        ember.pdist(x)


@pytest.mark.parametrize("reduction", [0, 1, 2])
@pytest.mark.parametrize("as_tensors", [False, True])
def test_ctc_loss_toplevel(torch, reduction, as_tensors):
    x = _r(6, 3, 5)
    targets = np.array([[1, 1, 2], [3, 0, 0], [4, 2, 0]])
    il, tl = (6, 4, 5), (3, 1, 2)
    out = []
    for lib in (torch, ember):
        logits = lib.tensor(x, requires_grad=True)
        lengths = (lib.tensor(il), lib.tensor(tl)) if as_tensors else (il, tl)
        loss = lib.ctc_loss(logits.log_softmax(2), lib.tensor(targets), *lengths, 0, reduction, False)
        loss.sum().backward()
        out.append((loss.detach().numpy(), logits.grad.numpy()))
    (tv, tg), (ev, eg) = out
    assert ev.shape == tv.shape
    np.testing.assert_allclose(ev, tv, rtol=1e-5)
    np.testing.assert_allclose(eg, tg, rtol=1e-4, atol=1e-6)
    with pytest.raises(TypeError, match="argument 'reduction'"):
        ember.ctc_loss(ember.randn(6, 3, 5), ember.tensor(targets), il, tl, 0, "mean")


_DROPOUTS = ["dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_dropout", "feature_dropout_",
             "feature_alpha_dropout", "feature_alpha_dropout_"]
_DROPOUT_CALLS = {  # (positional args, keyword args)
    "not-training": lambda m: ((m.ones(2, 3, 4), 0.5, False), {}),
    "p0": lambda m: ((m.ones(2, 3, 4), 0.0, True), {}),
    "p1": lambda m: ((m.ones(2, 3, 4), 1.0, True), {}),
    "p1-int": lambda m: ((m.ones(2, 3, dtype=m.int64), 1, True), {}),
    "p-too-big": lambda m: ((m.ones(2, 3), 1.5, True), {}),
    "p-negative-not-training": lambda m: ((m.ones(2, 3), -0.1, False), {}),
    "p-str": lambda m: ((m.ones(2, 3), "a", True), {}),
    "p-none": lambda m: ((m.ones(2, 3), None, True), {}),
    "p-tensor": lambda m: ((m.ones(2, 3), m.tensor(0.0), True), {}),
    "train-int": lambda m: ((m.ones(2, 3), 0.5, 1), {}),
    "train-none": lambda m: ((m.ones(2, 3), 0.5, None), {}),
    "1d": lambda m: ((m.ones(5), 0.5, True), {}),
    "1d-not-training": lambda m: ((m.ones(5), 0.5, False), {}),
    "1d-p1": lambda m: ((m.ones(5), 1.0, True), {}),
    "0d": lambda m: ((m.ones(()), 0.5, True), {}),
    "empty": lambda m: ((m.ones(0, 3), 0.5, True), {}),
    "int": lambda m: ((m.ones(2, 3, dtype=m.int64), 0.5, True), {}),
    "bool": lambda m: ((m.ones(2, 3, dtype=m.bool), 0.5, True), {}),
    "int-not-training": lambda m: ((m.ones(2, 3, dtype=m.int32), 0.5, False), {}),
    "graph": lambda m: ((m.ones(2, 3, requires_grad=True) * 1, 0.5, True), {}),
    "leaf": lambda m: ((m.ones(2, 3, requires_grad=True), 0.5, True), {}),
    "keywords": lambda m: ((), {"input": m.ones(2, 3), "p": 0.5, "train": True}),
}


@pytest.mark.parametrize("call", list(_DROPOUT_CALLS))
@pytest.mark.parametrize("name", _DROPOUTS)
def test_toplevel_dropouts_match_torch(torch, name, call):
    # identity (the input itself) where nothing is dropped, zeros for p=1, in place for the `_` variants,
    # RuntimeError for a bad p (nn.functional's is a ValueError), at least 2-D for the feature variants
    def outcome(lib):
        args, kwargs = _DROPOUT_CALLS[call](lib)
        x = kwargs["input"] if "input" in kwargs else args[0]
        try:
            out = getattr(lib, name)(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
            return type(exc).__name__, str(exc)
        return (tuple(out.shape), str(out.dtype).split(".")[-1], out is x, bool((x == 1).all()),
                out.grad_fn.name() if out.grad_fn is not None else None,
                bool((out == 0).all()) if "p1" in call else None)
    assert outcome(ember) == outcome(torch)


def test_feature_dropout_drops_whole_channels_in_place_or_not():
    ember.manual_seed(0)
    x = ember.ones(8, 50, 3, 2)
    out = ember.feature_dropout(x, 0.3, True)
    a = out.numpy()
    assert (x.numpy() == 1).all()
    assert (a == a[:, :, :1, :1]).all()  # one draw per (batch, channel)
    kept = a[:, :, 0, 0] != 0
    np.testing.assert_allclose(a[:, :, 0, 0][kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 4 * np.sqrt(0.21 / kept.size)
    y = ember.ones(8, 50)
    assert ember.feature_dropout_(y, 0.3, True) is y and set(np.unique(y.numpy())) <= {0.0, np.float32(1 / 0.7)}
    z = ember.ones(4, 20, 5)
    assert ember.feature_alpha_dropout_(z, 0.5, True) is z
    assert len(np.unique(z.numpy())) == 2 and (z.numpy() == z.numpy()[:, :, :1]).all()


def test_inplace_dropout_gradient_is_the_mask():
    x = ember.randn(30, 40, requires_grad=True)
    h = x * 1
    out = ember.dropout_(h, 0.4, True)
    assert out is h and out.grad_fn.name() == "MulBackward0"
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(out.detach().numpy() != 0, 1 / 0.6, 0.0), rtol=1e-6)


_TOPLEVEL_LOSSES = {
    "kl_div": lambda m, a, b: m.kl_div(a, b),
    "binary_cross_entropy_with_logits": lambda m, a, b: m.binary_cross_entropy_with_logits(a, b),
    "hinge_embedding_loss": lambda m, a, b: m.hinge_embedding_loss(a, m.ones(3, 4)),
    "cosine_embedding_loss": lambda m, a, b: m.cosine_embedding_loss(a, b, m.ones(3)),
    "margin_ranking_loss": lambda m, a, b: m.margin_ranking_loss(a[0], b[0], m.ones(4)),
    "triplet_margin_loss": lambda m, a, b: m.triplet_margin_loss(a, b, a.flip(0)),
    "ctc_loss": lambda m, a, b: m.ctc_loss(m.cat([a, b]).reshape(3, 2, 4).log_softmax(2),
                                           m.tensor([[1, 2], [1, 1]]), (3, 3), (2, 1)),
}


@pytest.mark.parametrize("name", list(_TOPLEVEL_LOSSES))
def test_toplevel_losses_default_to_no_reduction(torch, name):
    # torch.kl_div(a, b) and the other top-level losses return the unreduced losses when `reduction` is left
    # out (unlike their nn.functional counterparts); ember reduced them to the mean.
    a, b = _r(3, 4), np.abs(_r(3, 4)) / 4
    e = _TOPLEVEL_LOSSES[name](ember, ember.tensor(a), ember.tensor(b))
    t = _TOPLEVEL_LOSSES[name](torch, torch.tensor(a), torch.tensor(b))
    assert tuple(e.shape) == tuple(t.shape) != ()
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)


def test_native_channel_shuffle_names_itself_in_errors(torch):
    # ember.native_channel_shuffle forwarded to channel_shuffle, whose errors name that function.
    with pytest.raises(TypeError) as expected:
        torch.native_channel_shuffle(torch.ones(1, 4, 2), 1.5)
    with pytest.raises(TypeError) as got:
        ember.native_channel_shuffle(ember.ones(1, 4, 2), 1.5)
    assert str(got.value) == str(expected.value)


# ------------------------------------------------------------------------------------------ recurrent cells
_CELLS = {"rnn_tanh_cell": 1, "rnn_relu_cell": 1, "gru_cell": 3, "lstm_cell": 4}


def _cell_arrays(gates, seed=0, dtype="float64"):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (3, 5), (3, 5), (5 * gates, 4), (5 * gates, 5), (5 * gates,), (5 * gates,)]
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _call_cell(lib, name, arrays, biases):
    x, h, c, w_ih, w_hh, b_ih, b_hh = arrays
    hx = (h, c) if name == "lstm_cell" else h
    b = {"both": (b_ih, b_hh), "none": (), "ih": (b_ih, None), "hh": (None, b_hh)}[biases]
    return getattr(lib, name)(x, hx, w_ih, w_hh, *b)


@pytest.mark.parametrize("name", list(_CELLS))
@pytest.mark.parametrize("biases", ["both", "none", "ih", "hh"])
def test_cells_match_torch(torch, name, biases):
    arrays = _cell_arrays(_CELLS[name])
    e_in = [ember.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    e_out, t_out = _call_cell(ember, name, e_in, biases), _call_cell(torch, name, t_in, biases)
    if name == "lstm_cell":
        assert isinstance(e_out, tuple) and len(e_out) == 2
    else:
        assert e_out.grad_fn.name() == t_out.grad_fn.name()  # TanhBackward0 / ReluBackward0 / AddBackward0
        e_out, t_out = (e_out,), (t_out,)
    rng = np.random.default_rng(1)
    gs = [rng.standard_normal((3, 5)) for _ in e_out]
    for eo, to in zip(e_out, t_out):
        np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-12, atol=1e-12)
    ember.autograd.backward(list(e_out), [ember.tensor(g) for g in gs])
    torch.autograd.backward(list(t_out), [torch.tensor(g) for g in gs])
    for e, t in zip(e_in, t_in):
        if t.grad is None:
            assert e.grad is None
        else:
            np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(_CELLS))
def test_cells_gradcheck(name):
    arrays = [ember.tensor(a[:2] if a.shape[0] == 3 else a, requires_grad=True) for a in _cell_arrays(_CELLS[name])]

    def fn(*args):
        out = _call_cell(ember, name, args, "both")
        return out if name != "lstm_cell" else out[0] * 2 + out[1]
    assert ember.autograd.gradcheck(fn, tuple(arrays))


def test_cells_match_the_cell_modules():
    for name, cls in (("rnn_tanh_cell", "RNNCell"), ("gru_cell", "GRUCell"), ("lstm_cell", "LSTMCell")):
        mod = getattr(ember.nn, cls)(4, 5)
        x, h = ember.randn(3, 4), ember.randn(3, 5)
        hx = (h, h) if name == "lstm_cell" else h
        got = getattr(ember, name)(x, hx, mod.weight_ih, mod.weight_hh, mod.bias_ih, mod.bias_hh)
        want = mod(x, hx)
        for a, b in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def _cell_case(name, gates=None, x=(3, 4), h=(3, 5), c=(3, 5), w_ih=None, w_hh=None, b=None, hx="ok", dt=None):
    g = _CELLS[name] if gates is None else gates

    def run(m):
        xs = m.zeros(*x, dtype=m.float64 if dt == "x" else m.float32)
        hs = m.zeros(*h, dtype=m.float64 if dt == "h" else m.float32)
        wi = m.zeros(*(w_ih or (5 * g, 4)))
        wh = m.zeros(*(w_hh or (5 * g, 5)), dtype=m.float64 if dt == "w_hh" else m.float32)
        bias = () if b is None else (m.zeros(b, dtype=m.float64), None)
        if hx == "tensor":
            hxv = hs
        elif hx == "none":
            hxv = None
        elif name == "lstm_cell":
            hxv = (hs, m.zeros(*c)) if hx == "ok" else (hs, hs, hs)
        else:
            hxv = hs
        return getattr(m, name)(xs, hxv, wi, wh, *bias)
    return run


@pytest.mark.parametrize("case", [
    _cell_case("lstm_cell", w_ih=(21, 4)), _cell_case("lstm_cell", w_hh=(21, 5)), _cell_case("lstm_cell", w_hh=(20, 6)),
    _cell_case("lstm_cell", c=(3, 4)), _cell_case("lstm_cell", c=(2, 5)), _cell_case("lstm_cell", h=(3, 4)),
    _cell_case("lstm_cell", hx="three"), _cell_case("lstm_cell", hx="tensor"), _cell_case("gru_cell", w_ih=(16, 4)),
    _cell_case("gru_cell", w_hh=(16, 5)), _cell_case("rnn_tanh_cell", w_ih=(6, 4)),
    _cell_case("rnn_relu_cell", h=(3, 4)), _cell_case("rnn_relu_cell", x=(1, 3, 4)),
    _cell_case("rnn_relu_cell", h=(5,)), _cell_case("rnn_relu_cell", x=(4,)), _cell_case("rnn_relu_cell", hx="none"),
    _cell_case("gru_cell", hx="none"), _cell_case("rnn_tanh_cell", x=(3, 3), w_ih=(6, 4)),
    _cell_case("gru_cell", dt="h"), _cell_case("rnn_tanh_cell", dt="x"), _cell_case("rnn_tanh_cell", dt="w_hh"),
    _cell_case("rnn_tanh_cell", b=5),
])
def test_cell_errors_match_torch(torch, case):
    with pytest.raises(Exception) as t_info:
        case(torch)
    with pytest.raises(type(t_info.value)) as e_info:
        case(ember)
    assert str(e_info.value) == str(t_info.value)
