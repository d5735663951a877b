"""The meta device (ember/_meta.py): tensors without data, side by side with PyTorch."""

import copy
import functools
import pickle
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

torch = pytest.importorskip("torch")


def _outcome(fn):
    try:
        return "ok", repr(fn())
    except Exception as exc:  # noqa: BLE001 - compared across libraries
        return type(exc).__name__, str(exc).split("\n")[0]


def _same_meta(e, t):
    """``e`` (ember) is the meta tensor PyTorch's ``t`` is: device, shape, dtype, and repr."""
    assert e.is_meta and t.is_meta and e.device == ember.device("meta")
    assert tuple(e.shape) == tuple(t.shape) and str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    assert repr(e).replace("ember.", "torch.") == repr(t)


@pytest.mark.parametrize("make", [
    lambda lib: lib.zeros(2, 3, device="meta"),
    lambda lib: lib.empty(8, 3, 32, 32, device="meta"),
    lambda lib: lib.ones((), device="meta"),
    lambda lib: lib.zeros(0, device="meta"),
    lambda lib: lib.zeros(2, 3, dtype=lib.int64, device="meta"),
    lambda lib: lib.zeros(2, 3, device="meta", requires_grad=True),
    lambda lib: lib.full((2,), 3.0, device="meta"),
    lambda lib: lib.rand(4, device="meta"),
    lambda lib: lib.randn(2, 5, device="meta"),
    lambda lib: lib.randint(0, 5, (3,), device="meta"),
    lambda lib: lib.randperm(4, device="meta"),
    lambda lib: lib.arange(5, device="meta"),
    lambda lib: lib.linspace(0, 1, 5, device="meta"),
    lambda lib: lib.eye(2, device="meta"),
    lambda lib: lib.tensor([1, 2], device="meta"),
    lambda lib: lib.ones(2, 3).to("meta"),
    lambda lib: lib.ones(2, 3).to(device="meta", dtype=lib.float64),
    lambda lib: lib.empty_like(lib.zeros(2, 3, device="meta")),
    lambda lib: lib.zeros_like(lib.ones(2), device="meta"),
    lambda lib: lib.rand_like(lib.zeros(2, 3, device="meta")),
    lambda lib: lib.zeros(2, 3, device="meta").new_zeros(4),
])
def test_factories(make):
    _same_meta(make(ember), make(torch))


def test_no_memory():
    t = ember.empty(1 << 20, 1 << 20, device="meta")  # 4 TiB of float32
    assert t.numel() == 1 << 40 and t.nbytes == 4 << 40 and t.stride() == (1 << 20, 1)
    assert t._data.base.nbytes <= 8  # (a zero-strided view of one element)
    v = t.t().reshape(1 << 40)  # (views need no memory either)
    assert v.is_meta and v.shape == (1 << 40,)
    n = 1 << 20  # (factories that lay out or compute their data must not make it for the meta device)
    for make in (lambda lib: lib.empty_strided((n, n), (1, n), device="meta"),
                 lambda lib: lib.empty_permuted((n, n), (1, 0), device="meta"),
                 lambda lib: lib.hann_window(n * n, device="meta"),
                 lambda lib: lib.kaiser_window(n * n, dtype=lib.float64, device="meta")):
        _same_meta(make(ember), make(torch))


@pytest.mark.parametrize("read", [
    lambda t: t.item(), lambda t: t[0, 0].item(), lambda t: float(t[0, 0]), lambda t: bool(t[0, 0]),
    lambda t: int(t[0, 0]), lambda t: t.tolist(), lambda t: t.numpy(), lambda t: t.cpu(), lambda t: t.to("cpu"),
    lambda t: np.asarray(t), lambda t: t.share_memory_(), lambda t: f"{t[0, 0]:.2f}",
])
def test_reading_data_raises(read):
    got = _outcome(lambda: read(ember.zeros(2, 3, device="meta")))
    want = _outcome(lambda: read(torch.zeros(2, 3, device="meta")))
    assert got[0] == want[0] != "ok" and got[1] == want[1].replace("torch", "ember")


def test_properties():
    for lib in (ember, torch):
        t = lib.zeros(2, 3, device="meta")
        assert t.is_meta and not t.is_cpu and t.device.type == "meta" and t.is_contiguous()
        assert t.stride() == (3, 1) and t.data_ptr() == 0 and not t.is_shared()
        assert t.detach().is_meta and t.data.is_meta and t.clone().is_meta and t.to("meta") is t
        assert not lib.zeros(2).is_meta and lib.zeros(2).is_cpu


@pytest.mark.parametrize("op", [
    lambda lib, m: m + 1, lambda lib, m: m * m, lambda lib, m: m.sum(), lambda lib, m: m.mean(dim=1),
    lambda lib, m: m.max(), lambda lib, m: m.view(3, 2), lambda lib, m: m.reshape(-1), lambda lib, m: m.t(),
    lambda lib, m: m[0], lambda lib, m: m[:, [0, 2]], lambda lib, m: m[lib.tensor([0, 1])],
    lambda lib, m: lib.cat([m, m]), lambda lib, m: lib.stack([m, m]), lambda lib, m: m.softmax(-1),
    lambda lib, m: m @ lib.zeros(3, 4, device="meta"), lambda lib, m: m.to(lib.float64), lambda lib, m: m.double(),
    lambda lib, m: m.unsqueeze(0).expand(4, 2, 3), lambda lib, m: lib.tensor(2.0) * m,
    lambda lib, m: lib.nn.functional.gelu(m), lambda lib, m: lib.nn.functional.layer_norm(m, (3,)),
    lambda lib, m: lib.nn.functional.cross_entropy(m, lib.zeros(2, dtype=lib.int64, device="meta")),
    lambda lib, m: lib.nn.functional.mse_loss(m, m),
    lambda lib, m: lib.nn.functional.avg_pool2d(m.reshape(1, 1, 2, 3), 2, ceil_mode=True),
    lambda lib, m: list(m),
])
def test_ops_give_meta(op):
    got, want = op(ember, ember.zeros(2, 3, device="meta")), op(torch, torch.zeros(2, 3, device="meta"))
    for g, w in zip(got, want) if isinstance(got, list) else [(got, want)]:
        _same_meta(g, w)


def test_meta_with_cpu_tensors():
    # 0-d CPU tensors and integer (index) tensors go along, as in PyTorch (ember also lets other CPU tensors)
    _same_meta(ember.zeros((), device="cpu") + ember.zeros(3, device="meta"),
               torch.zeros((), device="cpu") + torch.zeros(3, device="meta"))
    _same_meta(F.embedding(ember.tensor([0]), ember.zeros(3, 2, device="meta")),
               torch.nn.functional.embedding(torch.tensor([0]), torch.zeros(3, 2, device="meta")))


def test_inplace_methods_are_noops():
    m = ember.zeros(2, 3, device="meta")
    for fn in (lambda t: t.add_(1), lambda t: t.uniform_(), lambda t: t.normal_(), lambda t: t.zero_(),
               lambda t: t.fill_(2.0), lambda t: t.copy_(ember.ones(2, 3)), lambda t: t.mul_(t)):
        assert fn(m) is m and m.is_meta
    m[0] = 1.0
    assert m.is_meta


def test_graph_and_backward():
    x = ember.zeros(2, 3, device="meta", requires_grad=True)
    y = (x * 2).sum()
    tx = torch.zeros(2, 3, device="meta", requires_grad=True)
    _same_meta(y, (tx * 2).sum())
    assert type(y.grad_fn).__name__ == "SumBackward0"
    with pytest.raises(NotImplementedError, match="backward through meta tensors"):
        y.backward()


def test_module_on_meta_device():
    lin, tlin = nn.Linear(4, 5, device="meta"), torch.nn.Linear(4, 5, device="meta")
    for name in ("weight", "bias"):
        p, tp = getattr(lin, name), getattr(tlin, name)
        assert isinstance(p, nn.Parameter) and type(p).__name__ == "Parameter" and p.requires_grad
        assert repr(p) == repr(tp)
    assert repr(lin) == repr(tlin)
    assert all(t.is_meta for t in lin.state_dict().values())
    with ember.device("meta"):
        bn = nn.BatchNorm2d(3)
    assert repr(bn.running_mean) == "tensor(..., device='meta', size=(3,))" and bn.num_batches_tracked.is_meta
    assert nn.Linear(2, 3, True, "meta").weight.is_meta  # (device given by position)
    assert not nn.Linear(2, 3, device="cpu").weight.is_meta


def _lenet(lib):
    nn_ = lib.nn
    return nn_.Sequential(nn_.Conv2d(3, 6, 5), nn_.ReLU(), nn_.MaxPool2d(2), nn_.Conv2d(6, 16, 5), nn_.ReLU(),
                          nn_.AdaptiveAvgPool2d(5), nn_.Flatten(), nn_.Linear(16 * 25, 120), nn_.ReLU(),
                          nn_.Dropout(0.1), nn_.Linear(120, 10), nn_.LogSoftmax(dim=1))


def test_shape_inference_through_a_model():
    with ember.device("meta"):
        net = _lenet(ember)
    with torch.device("meta"):
        tnet = _lenet(torch)
    assert all(p.is_meta for p in net.parameters())
    x = ember.empty(8, 3, 32, 32, device="meta")
    _same_meta(net(x), tnet(torch.empty(8, 3, 32, 32, device="meta")))
    with ember.no_grad(), torch.no_grad():
        _same_meta(net.eval()(x), tnet.eval()(torch.empty(8, 3, 32, 32, device="meta")))


def test_to_empty_and_load_state_dict():
    ember.manual_seed(0)
    sd = _lenet(ember).state_dict()
    with ember.device("meta"):
        net = _lenet(ember)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert str(net.load_state_dict(sd)) == "<All keys matched successfully>"
    assert len(caught) == 8 and "copying from a non-meta parameter in the checkpoint to a meta parameter" in \
        str(caught[0].message) and all(p.is_meta for p in net.parameters())
    weight = net[0].weight
    assert net.to_empty(device="cpu") is net
    assert net[0].weight is weight and type(weight) is nn.Parameter and weight.requires_grad
    assert weight.device == ember.device("cpu") and not weight.is_meta
    net.load_state_dict(sd)
    x = ember.randn(2, 3, 32, 32)
    ref = _lenet(ember)
    ref.load_state_dict(sd)
    assert ember.equal(net.eval()(x), ref.eval()(x))
    # assign=True swaps in the state dict's tensors
    with ember.device("meta"):
        lin = nn.Linear(2, 3)
    src = nn.Linear(2, 3)
    lin.load_state_dict(src.state_dict(), assign=True)
    assert type(lin.weight) is nn.Parameter and lin.weight.requires_grad and ember.equal(lin.weight, src.weight)
    # to_empty keeps buffers' dtypes; to() cannot move a meta module
    with ember.device("meta"):
        bn = nn.BatchNorm1d(3)
    bn.to_empty(device="cpu")
    assert bn.num_batches_tracked.dtype == ember.int64 and bn.running_var.shape == (3,)
    got = _outcome(lambda: nn.Linear(2, 3, device="meta").to("cpu"))
    want = _outcome(lambda: torch.nn.Linear(2, 3, device="meta").to("cpu"))
    assert got == (want[0], want[1])
    assert nn.Linear(2, 3).to("meta").weight.is_meta


def test_copy_pickle_init():
    lin = nn.Linear(3, 4, device="meta")
    for other in (copy.deepcopy(lin), pickle.loads(pickle.dumps(lin))):
        assert repr(other.weight) == repr(lin.weight) and isinstance(other.weight, nn.Parameter)
    m = ember.zeros(2, 3, device="meta", dtype=ember.float64)
    assert repr(pickle.loads(pickle.dumps(m))) == repr(m)
    for init in (nn.init.kaiming_uniform_, nn.init.xavier_normal_, nn.init.zeros_, nn.init.orthogonal_,
                 nn.init.trunc_normal_):
        assert init(lin.weight) is lin.weight and lin.weight.is_meta


# ------------------------------------------------------------------ functions that compute outside ember's ops
def _meta_results(got, want):
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _meta_results(g, w)
    else:
        _same_meta(got, want)


_ARRAY_FUNCTIONS = [
    lambda lib, m: m > 0, lambda lib, m: m == 0, lambda lib, m: m != m, lambda lib, m: 0.5 <= m,
    lambda lib, m: lib.tensor(0.5) < m, lambda lib, m: m.eq(m), lambda lib, m: m.ge(1), lambda lib, m: lib.gt(m, 0),
    lambda lib, m: lib.le(m, m), lambda lib, m: m.isnan(), lambda lib, m: lib.isinf(m), lambda lib, m: lib.isfinite(m),
    lambda lib, m: lib.isposinf(m), lambda lib, m: lib.signbit(m), lambda lib, m: lib.isclose(m, m),
    lambda lib, m: m.isclose(m), lambda lib, m: ~(m > 0), lambda lib, m: (m > 0) & (m < 1),
    lambda lib, m: (m > 0) | (m < 1), lambda lib, m: (m > 0) ^ (m < 1), lambda lib, m: lib.logical_and(m, m),
    lambda lib, m: lib.logical_not(m), lambda lib, m: m.logical_xor(m), lambda lib, m: lib.bitwise_not(m.long()),
    lambda lib, m: m.long() << 1, lambda lib, m: m.long().bitwise_and(3), lambda lib, m: m.argmax(),
    lambda lib, m: m.argmin(dim=0, keepdim=True), lambda lib, m: lib.argmax(m, 1), lambda lib, m: lib.argmin(m),
    lambda lib, m: m.any(), lambda lib, m: m.all(dim=1), lambda lib, m: lib.count_nonzero(m),
    lambda lib, m: m.count_nonzero(dim=0), lambda lib, m: lib.histc(m, bins=4), lambda lib, m: m.histc(),
    lambda lib, m: lib.isin(m, m), lambda lib, m: lib.searchsorted(m, m), lambda lib, m: m.nonzero_static(size=4),
    lambda lib, m: lib.nonzero_static(m, size=4), lambda lib, m: m.long().exp(), lambda lib, m: m.long() + 0.5,
    lambda lib, m: (m > 0) + 1, lambda lib, m: m.int() * 1.5, lambda lib, m: lib.sigmoid(m.long()),
    lambda lib, m: m.long().float_power(2), lambda lib, m: lib.nn.functional.one_hot(m.long(), 4),
]


@pytest.mark.parametrize("fn", _ARRAY_FUNCTIONS)
def test_array_functions_give_meta(fn):
    # (grad mode on and off: some take the graph's path)
    for grad in (False, True):
        m = ember.zeros(2, 3, device="meta", requires_grad=grad)
        _meta_results(fn(ember, m), fn(torch, torch.zeros(2, 3, device="meta", requires_grad=grad)))
    assert not fn(ember, ember.zeros(2, 3)).is_meta  # (CPU tensors stay on the CPU)


@pytest.mark.parametrize("fn", [
    lambda lib, m: m.nonzero(), lambda lib, m: lib.nonzero(m, as_tuple=True), lambda lib, m: lib.argwhere(m),
    lambda lib, m: lib.where(m > 0), lambda lib, m: m[m > 0], lambda lib, m: m.masked_select(m > 0),
    lambda lib, m: lib.masked_select(m, m > 0), lambda lib, m: lib.unique(m), lambda lib, m: m.unique(dim=0),
    lambda lib, m: m.unique_consecutive(), lambda lib, m: lib.equal(m, m), lambda lib, m: m.equal(m),
    lambda lib, m: lib.allclose(m, m), lambda lib, m: m.allclose(m), lambda lib, m: m.sum().is_nonzero(),
    lambda lib, m: m.is_nonzero(), lambda lib, m: lib.bincount(m[0].long()), lambda lib, m: m[0].long().bincount(),
    lambda lib, m: lib.nn.functional.one_hot(m.long()),
])
def test_data_dependent_functions_raise(fn):
    # the size (or value) of their result depends on the data: PyTorch's errors
    got = _outcome(lambda: fn(ember, ember.zeros(2, 3, device="meta")))
    want = _outcome(lambda: fn(torch, torch.zeros(2, 3, device="meta")))
    assert got[0] == want[0] != "ok" and got[1] and want[1].replace("torch", "ember").startswith(got[1])


def test_copying_out_of_meta_raises():
    for lib in (ember, torch):
        m = lib.zeros(2, 3, device="meta")
        for fn in (lambda lib, m: lib.zeros(2, 3).copy_(m), lambda lib, m: m.to("cpu", copy=True),
                   lambda lib, m: lib.zeros(2, 3).copy_(m[0]),
                   lambda lib, m: lib.UntypedStorage(24).copy_(m.untyped_storage())):
            with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor; no data!"):
                fn(lib, m)
        assert m.copy_(lib.ones(2, 3)) is m and m.is_meta  # (into a meta tensor: nothing to write)


def test_standalone_parameter_and_buffer():
    for make in (lambda lib: lib.nn.Parameter(lib.zeros(2, 3, device="meta")),
                 lambda lib: lib.nn.Parameter(lib.zeros(2, device="meta"), requires_grad=False),
                 lambda lib: lib.nn.Buffer(lib.zeros(2, 3, device="meta"))):
        p, tp = make(ember), make(torch)
        assert repr(p).replace("ember.", "torch.") == repr(tp) and p.is_meta and tp.is_meta
        assert _outcome(p.sum().item) == _outcome(tp.sum().item)
    assert type(nn.Parameter(ember.zeros(2, device="meta"))).__name__ == "Parameter"
    assert isinstance(nn.Buffer(ember.zeros(2, device="meta")), nn.Buffer)
    with ember.device("meta"), torch.device("meta"):
        for make in (lambda lib: lib.nn.Parameter(), lambda lib: lib.nn.Buffer()):
            assert repr(make(ember)).replace("ember.", "torch.") == repr(make(torch))


def _sequence_models(lib):
    nn_ = lib.nn
    return [(nn_.LSTM(4, 5, 2, bidirectional=True, batch_first=True), ((2, 3, 4),)),
            (nn_.LSTM(4, 5, proj_size=3), ((3, 4),)), (nn_.GRU(4, 5, 2, dropout=0.1), ((3, 2, 4),)),
            (nn_.RNN(4, 5, nonlinearity="relu"), ((3, 2, 4),)), (nn_.LSTMCell(4, 5), ((2, 4),)),
            (nn_.MultiheadAttention(8, 2, add_zero_attn=True, add_bias_kv=True), ((3, 2, 8),) * 3),
            (nn_.TransformerEncoderLayer(8, 2, 16, batch_first=True, norm_first=True), ((2, 3, 8),)),
            (nn_.Transformer(8, 2, 1, 1, 16), ((3, 2, 8), (4, 2, 8)))]


def _flat(out):
    return [t for x in (out if isinstance(out, tuple) else (out,)) for t in (x if isinstance(x, tuple) else (x,))]


def test_sequence_modules_on_meta():
    with ember.device("meta"), torch.device("meta"):
        models, tmodels = _sequence_models(ember), _sequence_models(torch)
    for (model, shapes), (tmodel, _) in zip(models, tmodels):
        assert all(p.is_meta for p in model.parameters())
        for grad in (False, True):
            with ember.set_grad_enabled(grad), torch.set_grad_enabled(grad):
                got = model(*[ember.empty(*s, device="meta") for s in shapes])
                want = tmodel(*[torch.empty(*s, device="meta") for s in shapes])
            flat, tflat = _flat(got), _flat(want)
            assert len(flat) == len(tflat)
            for g, w in zip(flat, tflat):  # (the graph's node names may differ: ember's layers are ops of their own)
                assert g.is_meta and w.is_meta and tuple(g.shape) == tuple(w.shape)
                assert g.requires_grad == w.requires_grad
    # the causal mask: on the device asked for (the default one when None)
    _same_meta(nn.Transformer.generate_square_subsequent_mask(3, device="meta"),
               torch.nn.Transformer.generate_square_subsequent_mask(3, device="meta"))
    with ember.device("meta"):
        assert nn.Transformer.generate_square_subsequent_mask(3).is_meta
    mask = ember.zeros(2, 3, dtype=ember.bool, device="meta")
    mha = nn.MultiheadAttention(8, 2, batch_first=True, device="meta")
    x = ember.empty(2, 3, 8, device="meta")
    assert mha(x, x, x, key_padding_mask=mask)[0].is_meta


@pytest.mark.parametrize("make", [
    lambda lib, dev: lib.empty_strided((2, 3), (1, 2), device=dev), lambda lib, dev: lib.scalar_tensor(1, device=dev),
    lambda lib, dev: lib.hann_window(4, device=dev), lambda lib, dev: lib.kaiser_window(5, device=dev),
    lambda lib, dev: lib.bartlett_window(3, device=dev), lambda lib, dev: lib.tril_indices(3, 3, device=dev),
    lambda lib, dev: lib.triu_indices(3, 4, 1, device=dev), lambda lib, dev: lib.logspace(0, 1, 3, device=dev),
    lambda lib, dev: lib.empty_permuted((2, 3), (1, 0), device=dev),
    lambda lib, dev: lib.zeros(2).new_zeros(3, device=dev or "meta"),
    lambda lib, dev: lib.zeros(2).new_full((2,), 1.0, device=dev or "meta"),
    lambda lib, dev: lib.zeros(2).new_tensor([1.0], device=dev or "meta"),
    lambda lib, dev: lib.zeros(2).new_empty(size=(2, 3), device=dev or "meta"),
    lambda lib, dev: lib.zeros(2, device="meta").new_zeros(size=(2, 3)),
    lambda lib, dev: lib.zeros(2, device="meta").new(3),
    lambda lib, dev: lib.zeros(2, device="meta").new([1.0, 2.0]), lambda lib, dev: lib.zeros(2, device="meta").new(),
])
def test_more_factories(make):
    _same_meta(make(ember, "meta"), make(torch, "meta"))
    with ember.device("meta"), torch.device("meta"):  # (the default device)
        _same_meta(make(ember, None), make(torch, None))


def test_factories_device_rules():
    c = ember.zeros(2)
    with ember.device("meta"):  # (as PyTorch: new() and new_*() follow the tensor, not the default device)
        assert not c.new(2).is_meta and not c.new_zeros(2).is_meta and not c.new_tensor([1.0]).is_meta
        assert not c.new().is_meta and not ember.UntypedStorage(4).device.type == "meta"
        with pytest.warns(UserWarning):
            assert not ember.range(0, 2).is_meta
        assert not ember.frombuffer(bytearray(b"\x01\x02"), dtype=ember.uint8).is_meta  # (it shares the buffer)
    with torch.device("meta"):
        assert not torch.frombuffer(bytearray(b"\x01\x02"), dtype=torch.uint8).is_meta
    m = ember.zeros(2, device="meta")
    assert not m.new_zeros(2, device="cpu").is_meta and not m.new_tensor([1.0], device="cpu").is_meta
    for fn in (lambda lib: lib.zeros(2).new(2, device="meta"),
               lambda lib: lib.zeros(2, device="meta").new(2, device="cpu"),
               lambda lib: lib.zeros(2, device="meta").new(lib.ones(2))):
        got, want = _outcome(functools.partial(fn, ember)), _outcome(functools.partial(fn, torch))
        assert got[0] == want[0] != "ok" and got[1] == want[1]


def test_meta_storages():
    for lib in (ember, torch):
        s = lib.UntypedStorage(4, device="meta")
        assert s.device.type == "meta" and s.nbytes() == 4 and s.data_ptr() == 0
        assert repr(s) == f"...\n[{lib.__name__}.storage.UntypedStorage(device=meta) of size 4]"
        m = lib.zeros(2, 3, device="meta")
        assert m[1].untyped_storage().nbytes() == 24 and m.untyped_storage().device.type == "meta"
        assert _outcome(s.tolist) == ("NotImplementedError", "Not available for 'meta' device type")
        assert _outcome(lambda s=s: s[0])[0] == "NotImplementedError"
        assert tuple(lib.empty(0, device="meta").set_(m.untyped_storage()).shape) == (6,)
        assert tuple(m.new(m.untyped_storage()).shape) == (6,) and m.new(m.untyped_storage()).is_meta
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert repr(ember.zeros(2, device="meta").storage()) == \
            "...\n[ember.storage.TypedStorage(dtype=ember.float32, device=meta) of size 2]"


# --------------------------------------------------------------------- CPU and meta operands, layouts, more functions
def _cpu_meta_ops():
    return [
        lambda lib, c, m: c + m, lambda lib, c, m: m + c, lambda lib, c, m: m * c, lambda lib, c, m: c - m,
        lambda lib, c, m: lib.ones(1) + m, lambda lib, c, m: lib.cat([c, m]), lambda lib, c, m: lib.stack([m, c]),
        lambda lib, c, m: lib.where(m > 0, c, m), lambda lib, c, m: lib.maximum(m, c), lambda lib, c, m: m > c,
        lambda lib, c, m: lib.eq(m, c), lambda lib, c, m: lib.lerp(m, c, 0.5),
        lambda lib, c, m: lib.nn.functional.mse_loss(m, c),
        lambda lib, c, m: lib.nn.functional.mse_loss(c, m),
        lambda lib, c, m: lib.ones(2, requires_grad=True) + m,  # (the graph's path)
        lambda lib, c, m: lib.tensor(1.0, device="meta") + c,  # (a 0-d meta tensor is no CPU scalar)
    ]


@pytest.mark.parametrize("fn", _cpu_meta_ops())
def test_cpu_and_meta_operands_raise(fn):
    # a CPU operand with meta ones (a module used before to_empty...): PyTorch's error, not a meta result
    got = _outcome(lambda: fn(ember, ember.ones(2), ember.ones(2, device="meta")))
    want = _outcome(lambda: fn(torch, torch.ones(2), torch.ones(2, device="meta")))
    assert want[0] == "RuntimeError" and got == want


@pytest.mark.parametrize("fn", [
    lambda lib, m: lib.tensor(2.0) * m, lambda lib, m: m * lib.tensor(2), lambda lib, m: m[lib.tensor([0, 1])],
    lambda lib, m: m.index_select(0, lib.tensor([1])), lambda lib, m: m.gather(0, lib.tensor([[0, 1, 0]])),
    lambda lib, m: lib.nn.functional.embedding(lib.tensor([1, 0]), m),
    lambda lib, m: lib.nn.functional.dropout(m, 0.5, True),
])
def test_cpu_scalars_and_indices_with_meta(fn):
    # 0-d CPU tensors and CPU indices go along (as numbers do), ember's own CPU masks (dropout) too
    _same_meta(fn(ember, ember.ones(2, 3, device="meta")), fn(torch, torch.ones(2, 3, device="meta")))


_VIEWS = [
    lambda lib, m: m.t(), lambda lib, m: m.t().t(), lambda lib, m: m[:, 1:], lambda lib, m: m[1],
    lambda lib, m: m.narrow(1, 1, 2), lambda lib, m: m.unsqueeze(0).expand(4, 2, 3),
    lambda lib, m: m[:, :1].expand(2, 5), lambda lib, m: m.reshape(2, 3, 1).permute(2, 0, 1), lambda lib, m: m.mT,
    lambda lib, m: m.t().view(3, 2), lambda lib, m: m.t().unsqueeze(0), lambda lib, m: m.t()[0],
    lambda lib, m: m.t().reshape(6), lambda lib, m: m.t().contiguous(), lambda lib, m: m.unbind(1)[2],
    lambda lib, m: m.chunk(3, 1)[1], lambda lib, m: m.split(1)[1], lambda lib, m: m[1, 2], lambda lib, m: m.diagonal(),
    lambda lib, m: m.unfold(1, 2, 1), lambda lib, m: m[1:, ::2].t(), lambda lib, m: m.t().detach(),
    lambda lib, m: m.t().exp(), lambda lib, m: m.t() * 2, lambda lib, m: m.t().clone(), lambda lib, m: m.t().sum(0),
    lambda lib, m: m.t() @ lib.zeros(2, 2, device="meta"), lambda lib, m: m.t().relu(),
    lambda lib, m: lib.zeros(4, 6, device="meta")[1:].view(3, 2, 3)[1:, 1],
    lambda lib, m: lib.zeros(2, 3, requires_grad=True, device="meta").t()[1:],
    lambda lib, m: m[None], lambda lib, m: m.t()[None, ..., None], lambda lib, m: m[:, None, 1:],
]


@pytest.mark.parametrize("view", _VIEWS)
def test_view_strides_and_offsets(view):
    got, want = view(ember, ember.zeros(2, 3, device="meta")), view(torch, torch.zeros(2, 3, device="meta"))
    _same_meta(got, want)
    assert got.stride() == want.stride() and got.storage_offset() == want.storage_offset()
    assert got.is_contiguous() == want.is_contiguous()


def test_more_functions_give_meta():
    i = ember.zeros(2, 3, dtype=ember.int64, device="meta")
    ti = torch.zeros(2, 3, dtype=torch.int64, device="meta")
    for fn in (lambda lib, m, i: lib.eq(m, m), lambda lib, m, i: lib.ne(m, 0), lambda lib, m, i: lib.isnan(m),
               lambda lib, m, i: lib.bitwise_and(i, 3), lambda lib, m, i: lib.bitwise_or(i, i),
               lambda lib, m, i: lib.bitwise_xor(5, i), lambda lib, m, i: lib.nn.functional.relu(m),
               lambda lib, m, i: lib.repeat_interleave(m, 2, dim=1), lambda lib, m, i: lib.repeat_interleave(m, 2),
               lambda lib, m, i: lib.repeat_interleave(m, i[0], dim=1, output_size=7),
               lambda lib, m, i: lib.repeat_interleave(i[0], output_size=5),
               lambda lib, m, i: m.repeat_interleave(i.flatten(), output_size=9)):
        for grad in (False, True):
            m, tm = (lib.zeros(2, 3, device="meta", requires_grad=grad) for lib in (ember, torch))
            _same_meta(fn(ember, m, i), fn(torch, tm, ti))
    for fn in (lambda lib, m, i: lib.repeat_interleave(m, i[0], dim=1), lambda lib, m, i: lib.repeat_interleave(i[0]),
               lambda lib, m, i: lib.repeat_interleave(m.new_ones(3, device="cpu"), i[0])):
        got = _outcome(functools.partial(fn, ember, ember.zeros(2, 3, device="meta"), i))
        want = _outcome(functools.partial(fn, torch, torch.zeros(2, 3, device="meta"), ti))
        assert got[0] == want[0] != "ok" and want[1].replace("torch", "ember").startswith(got[1])


def test_no_grad_conv_and_pool_give_meta():
    # (their no-graph fast paths compute on the raw arrays: not on meta tensors)
    with ember.no_grad(), torch.no_grad():
        for fn in (lambda lib, x: lib.nn.functional.conv2d(x, lib.zeros(4, 3, 3, 3, device="meta")),
                   lambda lib, x: lib.nn.functional.max_pool2d(x, 2),
                   lambda lib, x: lib.nn.functional.conv1d(x[0, :, 0], lib.zeros(4, 3, 3, device="meta"))):
            _same_meta(fn(ember, ember.zeros(1, 3, 8, 8, device="meta")),
                       fn(torch, torch.zeros(1, 3, 8, 8, device="meta")))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.zeros(2, device="meta").set_(lib.zeros(3).untyped_storage()),
    lambda lib: lib.zeros(2).set_(lib.zeros(3, device="meta").untyped_storage()),
    lambda lib: lib.zeros(2, device="meta").set_(lib.zeros(3)),
    lambda lib: lib.zeros(2).set_(lib.zeros(3, device="meta")),
    lambda lib: lib.zeros(2, device="meta").set_(lib.zeros(3).untyped_storage(), 0, (2,), (1,)),
])
def test_set_from_another_device_raises(fn):
    got, want = _outcome(functools.partial(fn, ember)), _outcome(functools.partial(fn, torch))
    assert want[0] == "RuntimeError" and got == want


@pytest.mark.parametrize("args", [
    ((3, 3), (6, 1), 2), ((5, 6), (6, 1)), ((5, 6), (6, 1), 100), ((0, 3), (1, 1), 5), ((10 ** 6, 10 ** 6), (1, 1)),
    ((2, 2), (0, 1)), ((2,), (-1,)), ((2, 2), (1,)), ((2,), (1,), -1),
])
@pytest.mark.parametrize("sliced", [False, True])
def test_as_strided_meta(args, sliced):
    # no memory to bound the window: PyTorch checks only the arguments, the default offset is the input's
    def run(lib):
        x = lib.empty(4, 6, device="meta")
        y = lib.as_strided(x[1:] if sliced else x, *args)
        return y.is_meta, tuple(y.shape), y.stride(), y.storage_offset()
    got, want = _outcome(lambda: run(ember)), _outcome(lambda: run(torch))
    assert got == want


_DROPOUTS = [
    lambda F, m: F.dropout(m, 0.5), lambda F, m: F.dropout(m, 1.0),
    lambda F, m: F.dropout(m.detach(), 0.5, inplace=True),
    lambda F, m: F.dropout(m.transpose(0, 3), 0.2), lambda F, m: F.dropout1d(m[0], 0.5),
    lambda F, m: F.dropout2d(m, 0.5), lambda F, m: F.dropout3d(m, 0.5), lambda F, m: F.dropout3d(m[None], 0.5),
    lambda F, m: F.alpha_dropout(m, 0.5, True), lambda F, m: F.feature_alpha_dropout(m, 0.5, True),
    lambda F, m: F.dropout(m.half(), 0.5),
]


@pytest.mark.parametrize("fn", _DROPOUTS)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_dropout_meta_draws_nothing(fn, requires_grad):
    # PyTorch draws no mask for a meta input: the CPU generator is left as it was
    def run(lib):
        m = lib.empty(2, 3, 4, 5, device="meta", requires_grad=requires_grad)
        state = lib.get_rng_state()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = fn(lib.nn.functional, m)
        node = type(y.grad_fn).__name__ if y.grad_fn is not None else None
        return (y.is_meta, tuple(y.shape), str(y.dtype).split(".")[1], y.stride(), node,
                bool((lib.get_rng_state() == state).all()))
    assert _outcome(lambda: run(ember)) == _outcome(lambda: run(torch))


def test_dropout_module_meta():
    got = ember.nn.Dropout(0.3)(ember.empty(8, 3, device="meta", requires_grad=True))
    want = torch.nn.Dropout(0.3)(torch.empty(8, 3, device="meta", requires_grad=True))
    _same_meta(got, want)
    assert type(got.grad_fn).__name__ == type(want.grad_fn).__name__


# ------------------------------------------------------------------ shape rules: big meta ops cost no memory
_BIG_OPS = [  # (ember and torch alike: lib, a meta maker) -> a result
    lambda lib, z: z(64, 256) @ z(256, 512),
    lambda lib, z: lib.matmul(z(6, 1, 33, 40), z(5, 40, 7)),
    lambda lib, z: lib.matmul(z(40), z(3, 40, 9)),
    lambda lib, z: lib.matmul(z(3, 9, 40), z(40)),
    lambda lib, z: lib.nn.functional.linear(z(32, 64, requires_grad=True), z(20, 64), z(20)),
    lambda lib, z: lib.addmm(z(1, 7), z(9, 4), z(4, 7)),
    lambda lib, z: lib.nn.functional.conv2d(z(16, 3, 32, 32), z(8, 3, 3, 3), z(8), stride=2, padding=1),
    lambda lib, z: lib.nn.functional.conv2d(z(3, 32, 32), z(8, 3, 3, 3)),
    lambda lib, z: lib.nn.functional.conv_transpose2d(z(5, 4, 9, 9), z(4, 2, 3, 3), stride=2),
    lambda lib, z: lib.nn.functional.max_pool2d(z(9, 3, 16, 16), 3, 2, return_indices=True),
    lambda lib, z: lib.nn.functional.max_pool2d(z(3, 16, 16), 2),
    lambda lib, z: lib.nn.functional.avg_pool2d(z(9, 3, 15, 15), 2, ceil_mode=True),
    lambda lib, z: lib.nn.functional.adaptive_avg_pool2d(z(9, 3, 15, 15), (1, 1)),
    lambda lib, z: lib.nn.functional.batch_norm(z(9, 2, 5), z(2), z(2), z(2), z(2), training=True),
    lambda lib, z: lib.nn.functional.batch_norm(z(9, 4, 5, 5, requires_grad=True), z(4), z(4), training=False),
    lambda lib, z: z(9, 4, 5, 5).mean((2, 3)),
    lambda lib, z: z(9, 4, 5).sum(-1, keepdim=True),
    lambda lib, z: z(9, 4, 5).mean(0),
    lambda lib, z: z(9, 4, requires_grad=True).softmax(-1),
    lambda lib, z: z(9, 4).log_softmax(1),
    lambda lib, z: z(9, 4, 1) + z(4, 6),
    lambda lib, z: lib.relu(z(9, 4, 3, requires_grad=True)) * 2,
    lambda lib, z: lib.where(z(9, 1, dtype=lib.bool), z(9, 4), z(4)),
    lambda lib, z: z(9, 4, dtype=lib.int32) / z(4, dtype=lib.int64),
    lambda lib, z: z(9, 4).mT.exp(),
    lambda lib, z: lib.tensor(2.0) * z(0, 4),
]


def _shape_case(lib, op):
    def z(*size, **kw):
        return lib.zeros(*size, device="meta", dtype=kw.pop("dtype", lib.float32), **kw)
    out = op(lib, z)
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("op", _BIG_OPS)
def test_shape_rules_match_torch(op):
    """The ops computed by shape rules (on small stand-ins): shapes, dtypes, strides, grad_fn names as PyTorch's."""
    for e, t in zip(_shape_case(ember, op), _shape_case(torch, op), strict=True):
        _same_meta(e, t)
        assert e.stride() == t.stride()
        assert (e.grad_fn is None) == (t.grad_fn is None)
        if e.grad_fn is not None:
            assert e.grad_fn.name() == t.grad_fn.name()


@pytest.mark.parametrize("op", [
    lambda lib, z: z(64, 256) @ z(255, 512),
    lambda lib, z: lib.matmul(z(6, 2, 3, 4), z(5, 4, 7)),
    lambda lib, z: lib.nn.functional.linear(z(8, 64), z(20, 64), z(19)),
    lambda lib, z: lib.addmm(z(3, 7), z(9, 4), z(4, 7)),
    lambda lib, z: lib.nn.functional.conv2d(z(16, 4, 32, 32), z(8, 3, 3, 3)),
    lambda lib, z: lib.nn.functional.conv2d(z(16, 3, 2, 2), z(8, 3, 3, 3)),
    lambda lib, z: lib.nn.functional.max_pool2d(z(9, 3, 2, 2), 3),
    lambda lib, z: lib.nn.functional.batch_norm(z(1, 3), z(3), z(3), training=True),
    lambda lib, z: lib.nn.functional.batch_norm(z(9, 3, 4), z(4), z(4), training=False),
    lambda lib, z: z(9, 4) + z(3, 4),
    lambda lib, z: z(9, 4).softmax(2),
])
def test_shape_rules_errors_as_before(op):
    """Bad shapes raise the error of a CPU run (the small run's failure falls back to a full-size one)."""
    def cpu(*size, **kw):
        return ember.zeros(*size, dtype=kw.pop("dtype", ember.float32), **kw)
    want = _outcome(lambda: op(ember, cpu))
    assert want[0] != "ok"
    assert _outcome(lambda: _shape_case(ember, op)) == want


def test_big_meta_forwards_allocate_nothing():
    """A meta matmul, linear and conv net forward compute no full-size outputs (memory peak, not time)."""
    import tracemalloc
    with ember.device("meta"):
        a, w = ember.empty(2048, 4096), ember.empty(4096, 4096)
        net = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(16, 16, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
        x = ember.empty(256, 3, 64, 64)
    tracemalloc.start()
    try:
        y1, y2, y3 = a @ w, F.linear(a, w), net(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert y1.shape == y2.shape == (2048, 4096) and y3.shape == (256, 10) and y3.is_meta
    assert peak < 8 * 2**20  # (full-size stand-ins: hundreds of MB)
