"""BatchNorm1d/2d/3d (ember/nn/modules/batchnorm.py) against PyTorch."""

import numpy as np
import pytest

import ember


def _pair(torch, cls, *args, **kwargs):
    return getattr(torch.nn, cls)(*args, **kwargs), getattr(ember.nn, cls)(*args, **kwargs)


def _set_affine(torch, rng, t_mod, e_mod):
    for name in ("weight", "bias"):
        if getattr(t_mod, name) is not None:
            v = rng.standard_normal(tuple(getattr(t_mod, name).shape)).astype("float32")
            getattr(t_mod, name).data.copy_(torch.from_numpy(v))
            getattr(e_mod, name)._data[...] = v


def _assert_state_equal(t_mod, e_mod):
    t_sd, e_sd = t_mod.state_dict(), e_mod.state_dict()
    assert list(e_sd) == list(t_sd)
    for k in t_sd:
        assert str(e_sd[k].dtype).split(".")[-1] == str(t_sd[k].dtype).split(".")[-1], k
        np.testing.assert_allclose(e_sd[k].numpy(), t_sd[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


CONFIGS = [
    ("BatchNorm1d", (6, 3), dict()),
    ("BatchNorm1d", (4, 3, 5), dict(momentum=None)),
    ("BatchNorm2d", (4, 3, 3, 2), dict()),
    ("BatchNorm2d", (2, 3, 2, 2), dict(momentum=0.3, eps=1e-3, affine=False)),
    ("BatchNorm2d", (2, 3, 2, 2), dict(bias=False)),
    ("BatchNorm3d", (2, 3, 2, 2, 2), dict()),
]


@pytest.mark.parametrize("cls,shape,kwargs", CONFIGS)
def test_training_steps_running_stats_and_eval(torch, cls, shape, kwargs):
    rng = np.random.default_rng(0)
    t_mod, e_mod = _pair(torch, cls, 3, **kwargs)
    _set_affine(torch, rng, t_mod, e_mod)
    for _ in range(4):
        x = (rng.standard_normal(shape) * 2 + 1).astype("float32")
        xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
        t_out, e_out = t_mod(xt), e_mod(xe)
        np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-5)
        g = rng.standard_normal(shape).astype("float32")
        (t_out * torch.from_numpy(g)).sum().backward()
        (e_out * ember.from_numpy(g)).sum().backward()
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
        _assert_state_equal(t_mod, e_mod)
    for name in ("weight", "bias"):
        if getattr(t_mod, name) is not None:
            np.testing.assert_allclose(getattr(e_mod, name).grad.numpy(), getattr(t_mod, name).grad.numpy(),
                                       rtol=1e-4, atol=1e-4)
    assert e_mod.num_batches_tracked.item() == 4
    t_mod.eval()
    e_mod.eval()
    x = rng.standard_normal(shape).astype("float32")
    xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    t_out, e_out = t_mod(xt), e_mod(xe)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-5)
    t_out.sum().backward()
    e_out.sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)
    _assert_state_equal(t_mod, e_mod)  # eval leaves the running statistics alone


def test_no_running_stats_uses_batch_stats_in_eval(torch):
    t_mod, e_mod = _pair(torch, "BatchNorm1d", 3, track_running_stats=False)
    assert e_mod.running_mean is None and e_mod.num_batches_tracked is None
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    x = np.random.default_rng(1).standard_normal((5, 3)).astype("float32")
    t_mod.eval()
    e_mod.eval()
    np.testing.assert_allclose(e_mod(ember.from_numpy(x)).detach().numpy(),
                               t_mod(torch.from_numpy(x)).detach().numpy(), atol=1e-5)


def test_float64(torch):
    t_mod, e_mod = _pair(torch, "BatchNorm1d", 3)
    t_mod.double()
    e_mod.double()
    x = np.random.default_rng(2).standard_normal((4, 3))
    out = e_mod(ember.from_numpy(x))
    assert out.dtype == ember.float64
    np.testing.assert_allclose(out.detach().numpy(), t_mod(torch.from_numpy(x)).detach().numpy(), atol=1e-12)
    assert e_mod.running_mean.dtype == ember.float64
    assert e_mod.num_batches_tracked.dtype == ember.int64


@pytest.mark.parametrize("kwargs", [dict(), dict(affine=False), dict(momentum=None), dict(bias=False),
                                    dict(track_running_stats=False, eps=1e-3)])
def test_repr_and_state_dict_keys(torch, kwargs):
    for cls in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d"):
        t_mod, e_mod = _pair(torch, cls, 6, **kwargs)
        assert repr(e_mod) == repr(t_mod)
        assert list(e_mod.state_dict()) == list(t_mod.state_dict())
        assert [n for n, _ in e_mod.named_parameters()] == [n for n, _ in t_mod.named_parameters()]


def test_initial_values():
    bn = ember.nn.BatchNorm2d(4)
    assert bn.weight.tolist() == [1.0] * 4 and bn.bias.tolist() == [0.0] * 4
    assert bn.running_mean.tolist() == [0.0] * 4 and bn.running_var.tolist() == [1.0] * 4
    assert bn.num_batches_tracked.item() == 0 and bn.num_batches_tracked.dtype == ember.int64
    assert not bn.running_mean.requires_grad


def test_load_state_dict_from_torch(torch):
    t_mod = torch.nn.BatchNorm1d(3)
    t_mod(torch.randn(8, 3) * 3 + 2)
    e_mod = ember.nn.BatchNorm1d(3)
    e_mod.load_state_dict({k: ember.from_numpy(v.numpy().copy()) for k, v in t_mod.state_dict().items()})
    _assert_state_equal(t_mod, e_mod)
    t_mod.eval()
    e_mod.eval()
    x = np.random.default_rng(3).standard_normal((2, 3)).astype("float32")
    np.testing.assert_allclose(e_mod(ember.from_numpy(x)).detach().numpy(),
                               t_mod(torch.from_numpy(x)).detach().numpy(), atol=1e-6)


def test_reset_running_stats():
    bn = ember.nn.BatchNorm1d(2)
    bn(ember.randn(4, 2) + 3)
    assert bn.running_mean.abs().sum().item() > 0
    bn.reset_running_stats()
    assert bn.running_mean.tolist() == [0.0, 0.0] and bn.running_var.tolist() == [1.0, 1.0]
    assert bn.num_batches_tracked.item() == 0


@pytest.mark.parametrize("case", [
    lambda m: m.nn.BatchNorm1d(6)(m.zeros(1, 6)),
    lambda m: m.nn.BatchNorm2d(6)(m.zeros(1, 6, 1, 1)),
    lambda m: m.nn.BatchNorm2d(3)(m.zeros(2, 3, 4)),
    lambda m: m.nn.BatchNorm1d(3)(m.zeros(2, 3, 4, 4)),
    lambda m: m.nn.BatchNorm3d(3)(m.zeros(2, 3, 4, 4)),
    lambda m: m.nn.BatchNorm1d(3)(m.zeros(2, 4)),
    lambda m: m.nn.functional.batch_norm(m.zeros(1, 4), m.zeros(4), m.ones(4), training=True),
    # an integer input is refused before the parameters' dtypes are compared
    lambda m: m.nn.BatchNorm1d(3)(m.zeros(2, 3, dtype=m.int64)),
    lambda m: m.nn.BatchNorm1d(3).double()(m.zeros(2, 3, dtype=m.int64)),
    lambda m: m.nn.InstanceNorm1d(3, affine=True)(m.zeros(2, 3, 4, dtype=m.int64)),
    # SyncBatchNorm: its own input checks (at least 2-D, some channels, more than one value per channel in training)
    lambda m: m.nn.SyncBatchNorm(3)(m.zeros(3)),
    lambda m: m.nn.SyncBatchNorm(3).eval()(m.zeros(3)),
    lambda m: m.nn.SyncBatchNorm(0)(m.zeros(2, 0)),
    lambda m: m.nn.SyncBatchNorm(3)(m.zeros(1, 3)),
])
def test_errors_match_torch(torch, case):
    with pytest.raises(Exception) as t_info:
        case(torch)
    with pytest.raises(type(t_info.value)) as e_info:
        case(ember)
    assert str(e_info.value) == str(t_info.value).replace("torch", "ember")


def test_functional_running_stats_update_in_place(torch):
    x = np.random.default_rng(4).standard_normal((5, 3, 2)).astype("float32")
    trm, trv = torch.zeros(3), torch.ones(3)
    erm, erv = ember.zeros(3), ember.ones(3)
    for _ in range(3):
        torch.nn.functional.batch_norm(torch.from_numpy(x), trm, trv, training=True, momentum=0.2)
        ember.nn.functional.batch_norm(ember.from_numpy(x), erm, erv, training=True, momentum=0.2)
    np.testing.assert_allclose(erm.numpy(), trm.numpy(), rtol=1e-6)
    np.testing.assert_allclose(erv.numpy(), trv.numpy(), rtol=1e-6)


_RUNNING = (np.random.default_rng(1).standard_normal(6), np.random.default_rng(2).uniform(0.5, 2.0, 6))


@pytest.mark.parametrize("fn, params", [
    (lambda F, x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(6,), (6,)]),
    (lambda F, x: F.batch_norm(x, None, None, training=True), []),
    (lambda F, x, w, b: F.batch_norm(x, x.new_tensor(_RUNNING[0]),
                                     x.new_tensor(_RUNNING[1]), w, b, training=False), [(6,), (6,)]),
], ids=["train", "train-plain", "eval"])
def test_batch_norm_double_backward_matches_torch(torch, fn, params):
    from tests.nn.test_normalization import norm_double_backward

    got, want = norm_double_backward(ember, fn, params), norm_double_backward(torch, fn, params)
    assert len(got) == len(want)
    for g, t in zip(got, want):
        np.testing.assert_allclose(g, t, rtol=1e-8, atol=1e-8)


def test_batchnorm2d_module_double_backward_keeps_running_stats_single_update(torch):
    """A gradient penalty through nn.BatchNorm2d: second derivatives match, and recording the backward
    does not update the running statistics a second time."""
    results = []
    for lib in (torch, ember):
        lib.manual_seed(0)
        bn = lib.nn.BatchNorm2d(3)
        x = lib.tensor(np.random.default_rng(0).standard_normal((4, 3, 5, 5)), dtype=lib.float32, requires_grad=True)
        (g,) = lib.autograd.grad((bn(x) ** 3).sum(), x, create_graph=True)
        (g ** 2).sum().backward()
        results.append([g.detach().numpy(), x.grad.numpy(), bn.weight.grad.numpy(), bn.running_mean.numpy().copy(),
                        bn.running_var.numpy().copy()])
    for t, e in zip(*results):
        np.testing.assert_allclose(e, t, rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------------------------------------ lazy norms
@pytest.mark.parametrize("name,shape,kwargs", [
    ("LazyBatchNorm1d", (4, 3), {}), ("LazyBatchNorm1d", (4, 3, 5), {"affine": False}),
    ("LazyBatchNorm2d", (2, 3, 4, 4), {"momentum": 0.3}), ("LazyBatchNorm3d", (2, 3, 2, 2, 2), {}),
    ("LazyInstanceNorm1d", (2, 3, 5), {}), ("LazyInstanceNorm1d", (2, 3, 5), {"track_running_stats": False}),
    ("LazyInstanceNorm2d", (2, 3, 4, 4), {"affine": False}), ("LazyInstanceNorm3d", (2, 3, 2, 3, 2), {}),
    ("LazyBatchNorm1d", (4, 3), {"bias": False}), ("LazyInstanceNorm2d", (2, 3, 4, 4), {"bias": False}),
])
def test_lazy_norm_matches_torch(torch, name, shape, kwargs):
    import ember.nn as nn
    em, tm = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(em) == repr(tm)
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    eo, to = em(ex), tm(tx)
    assert type(em).__name__ == type(tm).__name__ == name[4:]
    assert repr(em) == repr(tm)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-5)
    eo.sum().backward()
    to.sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)
    assert list(em.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(em.state_dict()[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6)


# (lazy norms on unbatched or 1-D input: tests/nn/test_lazy.py)


# ---------------------------------------------------------------------------------------------- SyncBatchNorm
@pytest.mark.parametrize("shape,kwargs", [
    ((6, 3), dict()), ((4, 3, 5), dict(momentum=None)), ((2, 3, 2, 2), dict(affine=False)),
    ((2, 3, 2, 2, 2), dict(bias=False)), ((2, 3, 4), dict(track_running_stats=False)),
])
def test_sync_batch_norm_without_process_group_is_batch_norm(torch, shape, kwargs):
    # PyTorch without an initialised process group (always the case in ember): local batch statistics
    rng = np.random.default_rng(0)
    t_mod, e_mod = _pair(torch, "SyncBatchNorm", 3, **kwargs)
    assert repr(e_mod) == repr(t_mod) and e_mod.process_group is None
    _set_affine(torch, rng, t_mod, e_mod)
    for train in (True, True, False):
        t_mod.train(train)
        e_mod.train(train)
        x = rng.standard_normal(shape).astype("float32")
        g = rng.standard_normal(shape).astype("float32")
        xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
        yt, ye = t_mod(xt), e_mod(xe)
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
        yt.backward(torch.tensor(g))
        ye.backward(ember.tensor(g))
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
        _assert_state_equal(t_mod, e_mod)


def _convertible(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4),
                         nn.Sequential(nn.BatchNorm1d(5, affine=False, momentum=None), nn.ReLU()),
                         nn.InstanceNorm1d(3), nn.BatchNorm3d(2, track_running_stats=False, bias=False),
                         nn.SyncBatchNorm(3))


def test_convert_sync_batchnorm_matches_torch(torch):
    t_net, e_net = _convertible(torch), _convertible(ember)
    t_net[1].eval()
    e_net[1].eval()
    t_net[1].running_mean.fill_(2.0)
    e_net.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_net.state_dict().items()})
    e_old, t_old = e_net[1], t_net[1]
    t_out = torch.nn.SyncBatchNorm.convert_sync_batchnorm(t_net, process_group="pg")
    e_out = ember.nn.SyncBatchNorm.convert_sync_batchnorm(e_net, process_group="pg")
    assert e_out is e_net and t_out is t_net
    assert repr(e_out) == repr(t_out)
    assert list(e_out.state_dict()) == list(t_out.state_dict())
    new = e_out[1]
    assert type(new) is ember.nn.SyncBatchNorm and new is not e_old and new.process_group == "pg"
    # the new layer shares the old one's parameters and buffers, and keeps its mode
    assert new.weight is e_old.weight and new.running_mean is e_old.running_mean and not new.training
    assert t_out[1].weight is t_old.weight and not t_out[1].training
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 6)).astype("float32")
    np.testing.assert_allclose(e_out[:2](ember.tensor(x)).detach().numpy(),
                               t_out[:2](torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    # a bare batch norm is replaced; anything else is returned as is
    bn = ember.nn.BatchNorm1d(3)
    conv = ember.nn.SyncBatchNorm.convert_sync_batchnorm(bn)
    assert type(conv) is ember.nn.SyncBatchNorm and conv.weight is bn.weight
    relu = ember.nn.ReLU()
    assert ember.nn.SyncBatchNorm.convert_sync_batchnorm(relu) is relu


def test_norm_layers_are_version_2_in_state_dict_metadata(torch):
    def meta(lib):
        nn = lib.nn
        net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2), nn.InstanceNorm1d(2, track_running_stats=True),
                            nn.SyncBatchNorm(2), nn.BatchNorm2d(2, track_running_stats=False))
        return dict(net.state_dict()._metadata), nn.BatchNorm3d._version

    assert meta(ember) == meta(torch)


@pytest.mark.parametrize("version", [None, 1, 2])
@pytest.mark.parametrize("strict", [True, False])
def test_old_state_dict_without_num_batches_tracked(torch, version, strict):
    from collections import OrderedDict

    def run(lib):
        net = lib.nn.Sequential(lib.nn.BatchNorm1d(2))
        net[0].num_batches_tracked.fill_(5)
        sd = OrderedDict((k, v.clone()) for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked"))
        if version is not None:
            sd._metadata = OrderedDict({"": {"version": 1}, "0": {"version": version}})
        try:
            res = net.load_state_dict(sd, strict=strict)
            res = (res.missing_keys, res.unexpected_keys)
        except RuntimeError as e:
            res = str(e)
        return res, net[0].num_batches_tracked.item(), list(sd)  # the caller's dict is left as it was

    assert run(ember) == run(torch)


def _half_bn_case(torch, dtype, shape, layout, seed):
    """Random half-precision batch-norm inputs for torch and ember (same values and memory layout)."""
    rng = np.random.default_rng(seed)
    c = shape[1]
    arrays = [rng.standard_normal(shape) * 4 + rng.standard_normal() * 3, rng.standard_normal(c),
              rng.standard_normal(c), rng.standard_normal(c), rng.uniform(0.5, 1.5, c), rng.standard_normal(shape)]
    t = [torch.from_numpy(a.astype("float32")).to(getattr(torch, dtype)) for a in arrays]
    e = [ember.from_numpy(a.astype("float32")).to(getattr(ember, dtype)) for a in arrays]
    if layout:
        t[0], t[5] = (a.contiguous(memory_format=getattr(torch, layout)) for a in (t[0], t[5]))
        e[0], e[5] = (a.contiguous(memory_format=getattr(ember, layout)) for a in (e[0], e[5]))
    return t, e


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("shape, layout", [((6, 5), None), ((3, 4, 1), None), ((4, 5, 7), None),
                                           ((3, 6, 5, 4), None), ((3, 6, 5, 4), "channels_last"),
                                           ((2, 3, 3, 2, 4), "channels_last_3d")])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
def test_half_batch_norm_rounds_statistics_as_torch(torch, dtype, shape, layout, affine, training):
    """Half input and half parameters: PyTorch rounds the saved mean/invstd (bfloat16 also the variance and the
    running-statistics steps) to the input's dtype and normalises with the rounded values: bit-exact outputs
    and running statistics, gradients within rounding noise."""
    for seed in range(3):
        t, e = _half_bn_case(torch, dtype, shape, layout, seed)
        outs, grads = [], []
        for lib, (x, w, b, rm, rv, g) in ((torch, t), (ember, e)):
            x = x.detach().requires_grad_()
            wb = [w.detach().requires_grad_(), b.detach().requires_grad_()] if affine else [None, None]
            y = lib.nn.functional.batch_norm(x, rm, rv, *wb, training=training, momentum=0.3, eps=1e-3)
            inputs = [x] + (wb if affine else [])
            grads.append([a.float().numpy() for a in lib.autograd.grad(y, inputs, g)])
            outs.append([a.detach().float().numpy() for a in (y, rm, rv)])
        for got, want in zip(outs[1], outs[0]):
            np.testing.assert_array_equal(got, want)
        for got, want in zip(grads[1], grads[0]):
            np.testing.assert_allclose(got, want, rtol=2e-2, atol=1e-2 * np.abs(want).max())


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_half_batch_norm_with_float_parameters_keeps_float_statistics(torch, dtype):
    """A half input with float32 parameters (PyTorch's one allowed mix) keeps float32 statistics."""
    x = np.random.default_rng(0).standard_normal((8, 3, 5)).astype("float32")
    res = []
    for lib in (torch, ember):
        rm, rv = lib.zeros(3), lib.ones(3)
        y = lib.nn.functional.batch_norm(lib.from_numpy(x).to(getattr(lib, dtype)), rm, rv, lib.ones(3),
                                         lib.zeros(3), training=True)
        res.append([y.float().numpy(), rm.numpy(), rv.numpy()])
    for got, want in zip(res[1], res[0]):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("call", [
    "nn.LazyBatchNorm1d()()", "nn.LazyInstanceNorm2d()()", "nn.LazyBatchNorm2d()(x, x)",
    "nn.LazyBatchNorm3d()(x=x)", "nn.LazyBatchNorm1d(foo=1)", "nn.LazyInstanceNorm1d(1, 2, 3, 4, 5, 6, 7)",
    "nn.BatchNorm2d()", "nn.BatchNorm1d(foo=2)", "nn.LazyConv2d(foo=1)", "nn.LazyConvTranspose2d()",
    "nn.LazyConv2d(4, 3)()",
])
def test_lazy_and_norm_argument_errors_name_torch_classes(torch, call):
    # ember named _LazyNormMixin, _NormBase, _LazyConvMixin and _lazy_conv.<locals> in these TypeErrors
    def run(lib):
        try:
            eval(call, {"nn": lib.nn, "x": lib.ones(2, 3, 4, 4)})
        except TypeError as exc:
            return str(exc)
    assert run(ember) == run(torch) is not None
