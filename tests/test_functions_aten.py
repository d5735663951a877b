"""ember/_functions_aten.py against PyTorch: the ATen-level entry points (convolution, grid_sampler*,
affine_grid_generator, native_* norms and dropout, norm_except_dim, embedding_renorm_, lstm/gru/rnn_* on flat
parameters, segment_reduce, slice_inverse, view_as_*_copy) and the sym_* helpers: values, shapes, gradients
and errors."""

import numpy as np
import pytest

import ember


def _t(lib, a, grad=False):
    t = lib.tensor(np.asarray(a))
    return t.requires_grad_() if grad else t


def _close(e, t, atol=1e-5):
    if isinstance(t, (tuple, list)):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            _close(a, b, atol)
        return
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=atol)


def _error(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the type and message are compared
        return type(exc).__name__, str(exc).split("\n")[0].replace("ember", "torch")
    return None


def _same_error(torch, call):
    expected = _error(lambda: call(torch))
    assert expected is not None
    assert _error(lambda: call(ember)) == expected


RNG = np.random.default_rng(0)
X4 = RNG.standard_normal((2, 2, 5, 5)).astype(np.float32)
W4 = RNG.standard_normal((4, 2, 3, 3)).astype(np.float32)
B4 = RNG.standard_normal(4).astype(np.float32)


@pytest.mark.parametrize("args", [
    ([1, 1], [0, 0], [1, 1], False, [0, 0], 1), ([1], [1], [1], False, [0], 1), ((2, 1), (1, 0), (1, 2), False,
                                                                                  (0, 0), 1),
    ([2, 2], [1, 1], [1, 1], True, [1, 1], 1), ([1, 1], [0, 0], [1, 1], False, [0, 0], 2),
])
def test_convolution(torch, args):
    stride, padding, dilation, transposed, output_padding, groups = args
    out = {}
    for lib in (torch, ember):
        x, b = _t(lib, X4, True), _t(lib, B4, True)
        w = _t(lib, W4 if not transposed else W4.transpose(1, 0, 2, 3).copy(), True)
        if groups == 2:
            w = _t(lib, W4[:, :1].copy(), True)
        y = lib.convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)
        y.square().sum().backward()
        out[lib.__name__] = (y, x.grad, w.grad, b.grad)
    _close(out["ember"], out["torch"], atol=1e-4)


@pytest.mark.parametrize("call", [
    lambda L: L.convolution(L.ones(1, 2, 5, 5), L.ones(4, 2, 3, 3), None, 1, [0], [1], False, [0], 1),
    lambda L: L.convolution(L.ones(1, 2, 5, 5), L.ones(4, 2, 3, 3), None, [1], "same", [1], False, [0], 1),
    lambda L: L.convolution(L.ones(2, 5, 5), L.ones(4, 2, 3, 3), None, [1], [0], [1], False, [0], 1),
    lambda L: L.convolution(L.ones(1, 2, 5), L.ones(3, 2, 2), None, [1, 1], [0], [1], False, [0], 1),
])
def test_convolution_errors(torch, call):
    _same_error(torch, call)


def test_grid_sampler(torch):
    g = (RNG.random((2, 3, 3, 2)) * 2 - 1).astype(np.float32)
    g3 = (RNG.random((1, 2, 2, 2, 3)) * 2 - 1).astype(np.float32)
    x5 = RNG.standard_normal((1, 2, 3, 3, 3)).astype(np.float32)
    for mode in (0, 1, 2):
        for pad in (0, 1, 2):
            for align in (False, True):
                res = {}
                for lib in (torch, ember):
                    x, grid = _t(lib, X4, True), _t(lib, g, True)
                    y = lib.grid_sampler(x, grid, mode, pad, align)
                    y2 = lib.grid_sampler_2d(x, grid, mode, pad, align)
                    y.sum().backward()
                    res[lib.__name__] = (y, y2, x.grad)
                _close(res["ember"], res["torch"], atol=1e-4)
    _close(ember.grid_sampler_3d(_t(ember, x5), _t(ember, g3), 1, 2, True),
           torch.grid_sampler_3d(_t(torch, x5), _t(torch, g3), 1, 2, True))
    _same_error(torch, lambda L: L.grid_sampler_3d(_t(L, X4), _t(L, g), 0, 0, False))
    _same_error(torch, lambda L: L.grid_sampler_2d(_t(L, x5), _t(L, g3), 0, 0, False))
    _same_error(torch, lambda L: L.grid_sampler_3d(_t(L, x5), _t(L, g3), 2, 0, False))


def test_affine_grid_generator(torch):
    th = RNG.standard_normal((2, 2, 3)).astype(np.float32)
    th3 = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    for align in (False, True):
        _close(ember.affine_grid_generator(_t(ember, th), [2, 3, 4, 5], align),
               torch.affine_grid_generator(_t(torch, th), [2, 3, 4, 5], align))
        _close(ember.affine_grid_generator(_t(ember, th3), (2, 3, 4, 5, 6), align),
               torch.affine_grid_generator(_t(torch, th3), (2, 3, 4, 5, 6), align))
    for size in ([2, 3, 4], [3, 3, 4, 5], [2, 3, 4, 5, 6]):
        _same_error(torch, lambda L, size=size: L.affine_grid_generator(_t(L, th), size, True))


def test_native_layer_norm(torch):
    x = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    w = RNG.standard_normal((4, 5)).astype(np.float32)
    res = {}
    for lib in (torch, ember):
        xt, wt = _t(lib, x, True), _t(lib, w, True)
        out, mean, rstd = lib.native_layer_norm(xt, [4, 5], wt, None, 1e-5)
        assert out.requires_grad and not mean.requires_grad and not rstd.requires_grad
        out.square().sum().backward()
        res[lib.__name__] = (out, mean, rstd, xt.grad, wt.grad)
    _close(res["ember"], res["torch"], atol=1e-4)
    _close(ember.native_layer_norm(_t(ember, x), (5,), None, None, 1e-5),
           torch.native_layer_norm(_t(torch, x), (5,), None, None, 1e-5))
    for shape in (5, [], [3, 5]):
        _same_error(torch, lambda L, shape=shape: L.native_layer_norm(_t(L, x), shape, None, None, 1e-5))


def test_native_batch_norm(torch):
    x = RNG.standard_normal((4, 3, 5)).astype(np.float32)
    res = {}
    for lib in (torch, ember):
        xt, wt = _t(lib, x, True), lib.ones(3, requires_grad=True)
        rm, rv = lib.zeros(3), lib.ones(3)
        out = lib.native_batch_norm(xt, wt, None, rm, rv, True, 0.1, 1e-5)
        out[0].square().sum().backward()
        ev = lib.native_batch_norm(xt, None, None, rm, rv, False, 0.1, 1e-5)
        res[lib.__name__] = (*out, rm, rv, xt.grad, wt.grad, *ev)
    _close(res["ember"], res["torch"], atol=1e-4)
    assert tuple(res["ember"][-1].shape) == (0,)


def test_native_group_norm(torch):
    x = RNG.standard_normal((2, 6, 5)).astype(np.float32)
    res = {}
    for lib in (torch, ember):
        xt = _t(lib, x, True)
        out, mean, rstd = lib.native_group_norm(xt, lib.ones(6), lib.zeros(6), 2, 6, 5, 3, 1e-5)
        assert mean.requires_grad and rstd.requires_grad
        (out.square().sum() + mean.sum() + rstd.sum()).backward()
        res[lib.__name__] = (out, mean, rstd, xt.grad)
    _close(res["ember"], res["torch"], atol=1e-4)
    _same_error(torch, lambda L: L.native_group_norm(_t(L, x), None, None, 2, 6, 4, 3, 1e-5))
    _same_error(torch, lambda L: L.native_group_norm(_t(L, x), None, None, 2, 6, 5, 4, 1e-5))


def test_native_norms_mixed_dtype_statistics(torch):
    # a bfloat16 input with float32 parameters keeps float32 statistics; evaluation's empties take the running
    # statistics' dtype
    x = RNG.standard_normal((4, 3, 5)).astype(np.float32)
    res = {}
    for lib in (torch, ember):
        xb, one, zero = _t(lib, x).to(lib.bfloat16), lib.ones(3), lib.zeros(3)
        res[lib.__name__] = (
            *lib.native_layer_norm(xb, [5], lib.ones(5), None, 1e-5)[1:],
            *lib.native_layer_norm(xb, [5], None, None, 1e-5)[1:],
            *lib.native_batch_norm(xb, one, None, None, None, True, 0.1, 1e-5)[1:],
            *lib.native_batch_norm(xb, None, None, zero.clone(), one.clone(), True, 0.1, 1e-5)[1:],
            *lib.native_batch_norm(xb, None, None, zero, one, False, 0.1, 1e-5)[1:],
            *lib.native_group_norm(xb, one, zero, 4, 3, 5, 3, 1e-5)[1:],
            *lib.native_group_norm(xb, None, None, 4, 3, 5, 3, 1e-5)[1:])
    for e, t in zip(res["ember"], res["torch"]):
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(e.float().numpy(), t.float().numpy(), rtol=1e-2, atol=1e-2)


def test_native_dropout(torch):
    x = RNG.standard_normal((4, 5)).astype(np.float32)
    res = {}
    for lib in (torch, ember):
        lib.manual_seed(3)
        xt = _t(lib, x, True)
        out, mask = lib.native_dropout(xt, 0.3, True)
        out.sum().backward()
        off, mask_off = lib.native_dropout(xt, 0.3, False)
        zero, mask_zero = lib.native_dropout(_t(lib, x), 1.0, True)
        res[lib.__name__] = (out, mask, xt.grad, off, mask_off, zero, mask_zero)
        assert [t.grad_fn.name() for t in (out, off)] == ["NativeDropoutBackward0"] * 2
        assert len(out.grad_fn.next_functions) == 1 and mask.grad_fn is None
    _close(res["ember"], res["torch"])
    _same_error(torch, lambda L: L.native_dropout(L.ones(3), 1.5, True))


def test_norm_except_dim(torch):
    v = RNG.standard_normal((3, 4, 5)).astype(np.float32)
    for pow_, dim in [(2, 0), (2, 1), (2, 2), (2, -1), (3, -2), (1, 0)]:
        res = {}
        for lib in (torch, ember):
            vt = _t(lib, v, True)
            y = lib.norm_except_dim(vt, pow_, dim)
            y.sum().backward()
            res[lib.__name__] = (y, vt.grad)
        _close(res["ember"], res["torch"])
    _same_error(torch, lambda L: L.norm_except_dim(_t(L, v), 1.5, 1))
    _same_error(torch, lambda L: L.norm_except_dim(_t(L, v), 2, 3))


def test_embedding_renorm_(torch):
    w = np.arange(12.0, dtype=np.float32).reshape(4, 3)
    for idx, max_norm, norm_type in [([0, 2, 2], 5.0, 2.0), ([[0, 3]], 5.0, 1.0), ([0, 3], 5.0, float("inf"))]:
        tw, ew = _t(torch, w), _t(ember, w)
        tr = torch.embedding_renorm_(tw, torch.tensor(idx), max_norm, norm_type)
        er = ember.embedding_renorm_(ew, ember.tensor(idx), max_norm, norm_type)
        assert er is ew and tr is tw
        _close(ew, tw)
    _same_error(torch, lambda L: L.embedding_renorm_(_t(L, w), L.tensor([0.0, 3.0]), 5.0, 2))
    _same_error(torch, lambda L: L.embedding_renorm_(_t(L, w), L.tensor([0, 5]), 5.0, 2))
    _same_error(torch, lambda L: L.embedding_renorm_(_t(L, w, True), L.tensor([0]), 5.0, 2))
    _same_error(torch, lambda L: L.embedding_renorm_(_t(L, w[0]), L.tensor([0]), 5.0, 2))


@pytest.mark.parametrize("mode", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
@pytest.mark.parametrize("config", [(1, False, True, False), (2, True, True, False), (1, False, False, True)])
def test_recurrent(torch, mode, config):
    num_layers, bidirectional, bias, batch_first = config
    D = 2 if bidirectional else 1
    module = {"lstm": "LSTM", "gru": "GRU", "rnn_tanh": "RNN", "rnn_relu": "RNN"}[mode]
    kw = {"nonlinearity": "relu"} if mode == "rnn_relu" else {}
    torch.manual_seed(0)
    tm = getattr(torch.nn, module)(3, 4, num_layers=num_layers, bidirectional=bidirectional, bias=bias, **kw)
    x = RNG.standard_normal((5, 2, 3) if not batch_first else (2, 5, 3)).astype(np.float32)
    h = RNG.standard_normal((num_layers * D, 2, 4)).astype(np.float32)
    res = {}
    for lib in (torch, ember):
        params = [_t(lib, p.detach().numpy(), True) for p in tm._flat_weights]
        xt, ht = _t(lib, x, True), _t(lib, h)
        hx = (ht, _t(lib, h * 0.5)) if mode == "lstm" else ht
        out = getattr(lib, mode)(xt, hx, params, bias, num_layers, 0.0, False, bidirectional, batch_first)
        sum(o.square().sum() for o in out).backward()
        res[lib.__name__] = (*out, xt.grad, *[p.grad for p in params])
    _close(res["ember"], res["torch"], atol=1e-4)


def test_recurrent_packed_and_errors(torch):
    x = RNG.standard_normal((5, 2, 3)).astype(np.float32)
    torch.manual_seed(0)
    tm = torch.nn.GRU(3, 4)
    res = {}
    for lib in (torch, ember):
        params = [_t(lib, p.detach().numpy(), True) for p in tm._flat_weights]
        pk = lib.nn.utils.rnn.pack_padded_sequence(_t(lib, x), [5, 3])
        res[lib.__name__] = lib.gru(pk.data, pk.batch_sizes, lib.zeros(1, 2, 4), params, True, 1, 0.0, False, False)
    _close(res["ember"], res["torch"], atol=1e-5)
    _same_error(torch, lambda L: L.lstm(L.ones(5, 2, 3), (L.zeros(1, 2, 4),), [], True, 1, 0.0, False, False, False))


_RNN_BAD = {  # (num_layers, bidirectional, batch_first, packed, input width, hidden layers, batch, size, params cut)
    "input-width": (1, False, False, False, 5, None, 2, 4, 0),
    "input-width-2-layers": (2, False, False, False, 5, None, 2, 4, 0),
    "input-width-batch-first": (1, False, True, False, 5, None, 2, 4, 0),
    "input-width-packed": (1, False, False, True, 5, None, 2, 4, 0),
    "hidden-batch": (1, False, False, False, 3, None, 3, 4, 0),
    "hidden-batch-batch-first": (1, False, True, False, 3, None, 3, 4, 0),
    "hidden-batch-packed": (1, False, False, True, 3, None, 3, 4, 0),
    "hidden-batch-1": (1, False, False, False, 3, None, 1, 4, 0),
    "hidden-size": (1, False, False, False, 3, None, 3, 5, 0),
    "width-before-size": (1, False, False, False, 5, None, 3, 5, 0),
    "too-many-hidden": (1, False, False, False, 3, 2, 2, 4, 0),
    "too-many-before-width": (1, False, False, False, 5, 2, 2, 4, 0),
    "too-few-hidden": (2, False, False, False, 3, 1, 2, 4, 0),
    "bidirectional-odd": (1, True, False, False, 3, 3, 2, 4, 0),
    "bidirectional-too-many": (1, True, False, False, 3, 4, 2, 4, 0),
    "params": (1, False, False, False, 3, None, 2, 4, 1),
    "params-before-hidden": (1, False, False, False, 3, 2, 2, 4, 1),
}


@pytest.mark.parametrize("mode", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
@pytest.mark.parametrize("case", list(_RNN_BAD))
def test_recurrent_shape_errors_as_torch(torch, mode, case):
    """Wrong input widths, hidden-state counts, batches and sizes: PyTorch's RuntimeErrors (its generic kernel's:
    PyTorch's oneDNN LSTM does not check, and is run with oneDNN off), not NumPy's."""
    layers, bidir, batch_first, packed, width, hidden_layers, batch, size, cut = _RNN_BAD[case]
    module = {"lstm": "LSTM", "gru": "GRU", "rnn_tanh": "RNN", "rnn_relu": "RNN"}[mode]
    torch.manual_seed(0)
    tm = getattr(torch.nn, module)(3, 4, num_layers=layers, bidirectional=bidir)
    weights = [p.detach().numpy() for p in tm._flat_weights][:len(tm._flat_weights) - cut]
    h = np.zeros((hidden_layers or layers * (2 if bidir else 1), batch, size), np.float32)

    def call(lib):
        params = [_t(lib, w) for w in weights]
        hx = (_t(lib, h), _t(lib, h)) if mode == "lstm" else _t(lib, h)
        if packed:
            return getattr(lib, mode)(lib.ones(5, width), lib.tensor([2, 2, 1]), hx, params, True, layers, 0.0,
                                      False, bidir)
        x = lib.ones((2, 5, width) if batch_first else (5, 2, width))
        return getattr(lib, mode)(x, hx, params, True, layers, 0.0, False, bidir, batch_first)

    with torch.backends.mkldnn.flags(enabled=False):
        _same_error(torch, call)


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_recurrent_one_sequence_broadcasts_to_the_hidden_batch(torch, mode):
    torch.manual_seed(0)
    tm = getattr(torch.nn, mode.upper())(3, 4)
    x = RNG.standard_normal((5, 1, 3)).astype(np.float32)
    h = RNG.standard_normal((1, 2, 4)).astype(np.float32)
    res = {}
    for lib in (torch, ember):
        params = [_t(lib, p.detach().numpy()) for p in tm._flat_weights]
        hx = (_t(lib, h), _t(lib, h)) if mode == "lstm" else _t(lib, h)
        with torch.backends.mkldnn.flags(enabled=False):  # (PyTorch's oneDNN LSTM keeps the input's batch)
            res[lib.__name__] = getattr(lib, mode)(_t(lib, x), hx, params, True, 1, 0.0, False, False, False)
    _close(res["ember"], res["torch"])


def test_segment_reduce(torch):
    d = np.arange(6.0, dtype=np.float32)
    d2 = np.arange(12.0, dtype=np.float32).reshape(2, 6)
    cases = [(d, {"lengths": [2, 0, 4]}), (d, {"offsets": [0, 2, 2, 6]}), (d2, {"lengths": [[2, 4], [3, 3]],
                                                                              "axis": 1}),
             (d2.T.copy(), {"lengths": [2, 4], "axis": 0}), (d, {"lengths": [2, 0, 4], "initial": 10.0})]
    for reduce in ("sum", "prod", "mean", "max", "min", "amax", "amin"):
        for data, kw in cases:
            res = {}
            for lib in (torch, ember):
                dt = _t(lib, data, True)
                kws = {k: (lib.tensor(v) if k in ("lengths", "offsets") else v) for k, v in kw.items()}
                y = lib.segment_reduce(dt, reduce, **kws)
                y.sum().backward()
                res[lib.__name__] = (y, dt.grad)
            _close(res["ember"], res["torch"])
    for call in [lambda L: L.segment_reduce(_t(L, d), "avg", lengths=L.tensor([6])),
                 lambda L: L.segment_reduce(_t(L, d), "sum"),
                 lambda L: L.segment_reduce(_t(L, d), "sum", indices=L.tensor([0] * 6)),
                 lambda L: L.segment_reduce(_t(L, d), "sum", lengths=L.tensor([2, 3])),
                 lambda L: L.segment_reduce(_t(L, d), "sum", lengths=L.tensor([2.0, 4.0])),
                 lambda L: L.segment_reduce(_t(L, d), "sum", lengths=L.tensor([8, -2])),
                 lambda L: L.segment_reduce(_t(L, d2), "sum", lengths=L.tensor([2, 4]), axis=1),
                 lambda L: L.segment_reduce(L.arange(6), "sum", lengths=L.tensor([2, 4]))]:
        _same_error(torch, call)


def test_slice_inverse_and_view_copies(torch):
    res = {}
    for lib in (torch, ember):
        a = lib.arange(20.0).view(4, 5)
        r = lib.slice_inverse(a[1:3], a, 0, 1, 3)
        r2 = lib.slice_inverse(a[1:3], lib.zeros(2, 5), 0, 1, 3)
        z = _t(lib, RNG.standard_normal((3, 2)).astype(np.float32) if lib is torch else res["torch"][2].numpy())
        c = lib.view_as_complex_copy(z).requires_grad_()
        real = lib.view_as_real_copy(c)
        real.square().sum().backward()
        res[lib.__name__] = (r, r2, z, real, c.grad)
    _close(res["ember"], res["torch"])
    _same_error(torch, lambda L: L.view_as_complex_copy(L.ones(3, 3)))
    _same_error(torch, lambda L: L.view_as_real_copy(L.ones(3, 2)))
    _same_error(torch, lambda L: L.view_as_complex_copy(L.ones(3, 2, requires_grad=True)))


@pytest.mark.parametrize("name,args", [
    ("sym_int", (3.7,)), ("sym_int", (-3.7,)), ("sym_int", (True,)), ("sym_int", ("3",)), ("sym_int", (None,)),
    ("sym_int", (float("inf"),)), ("sym_float", (3,)), ("sym_float", (True,)), ("sym_float", ("a",)),
    ("sym_max", (2, 3.0)), ("sym_max", (3, 2.0)), ("sym_max", (2, 3)), ("sym_max", (True, False)),
    ("sym_max", (float("nan"), 1)), ("sym_max", (1, float("nan"))), ("sym_max", (np.float32(2.5), 3)),
    ("sym_max", (1, "a")), ("sym_min", (2, 3.0)), ("sym_min", (True, 2)), ("sym_min", (float("nan"), 1)),
    ("sym_not", (True,)), ("sym_not", (0,)), ("sym_not", (None,)), ("sym_not", (2.5,)), ("sym_ite", (True, 1, 2)),
    ("sym_ite", (False, 1, 2.0)), ("sym_ite", (0, 1, 2)), ("sym_sqrt", (4,)), ("sym_sqrt", (2.0,)),
    ("sym_sqrt", (-1,)), ("sym_sqrt", ("a",)), ("sym_sum", ([1, 2, 3],)), ("sym_sum", ([1, 2.5],)),
    ("sym_sum", ((),)), ("sym_sum", (1, 2, 3)), ("sym_sum", (5,)), ("sym_sum", ([True, True],)),
    ("sym_sum", ([1, 2], [3])), ("sym_sum", (None,)),
])
def test_sym_numbers(torch, name, args):
    def run(lib):
        try:
            r = getattr(lib, name)(*args)
        except Exception as exc:  # noqa: BLE001 - the type and message are compared
            return type(exc).__name__, str(exc)
        return type(r).__name__, repr(r)
    assert run(ember) == run(torch)


def test_sym_tensors(torch):
    assert ember.sym_int(ember.tensor(2.5)) == torch.sym_int(torch.tensor(2.5)) == 2
    assert ember.sym_float(ember.tensor(2)) == 2.0
    assert ember.sym_sqrt(ember.tensor(4.0)) == torch.sym_sqrt(torch.tensor(4.0))
    assert ember.sym_not(ember.tensor(True)) is False
    total = ember.sym_sum([ember.tensor(1.0), 1.5])
    assert isinstance(total, ember.Tensor) and total.item() == 2.5
    assert ember.sym_ite(False, ember.ones(1), ember.zeros(1)).item() == 0
    _same_error(torch, lambda L: L.sym_not(L.tensor([True, False])))
    with pytest.raises(AssertionError, match="expected SymBool or bool"):
        ember.sym_ite(ember.tensor(True), 1, 2)
    with pytest.raises(AssertionError, match="got <class"):
        ember.sym_max(ember.tensor(1.0), 2)
