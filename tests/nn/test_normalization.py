"""LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm, InstanceNorm (ember/nn/modules/normalization.py) against
PyTorch."""

import numpy as np
import pytest

import ember
from tests._helpers import raised_messages


def _randomize(torch, rng, t_mod, e_mod):
    for name, p in t_mod.named_parameters():
        v = rng.standard_normal(tuple(p.shape)).astype("float32")
        p.data.copy_(torch.from_numpy(v))
        getattr(e_mod, name)._data[...] = v


def _parity(torch, t_mod, e_mod, shape, seed=0, steps=1):
    rng = np.random.default_rng(seed)
    _randomize(torch, rng, t_mod, e_mod)
    for _ in range(steps):
        x = (rng.standard_normal(shape) * 1.5 + 0.5).astype("float32")
        xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
        t_out, e_out = t_mod(xt), e_mod(xe)
        assert tuple(e_out.shape) == tuple(t_out.shape)
        assert e_out.dtype == ember.float32
        np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-5)
        g = rng.standard_normal(tuple(t_out.shape)).astype("float32")
        (t_out * torch.from_numpy(g)).sum().backward()
        (e_out * ember.from_numpy(g)).sum().backward()
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for name, p in t_mod.named_parameters():
        np.testing.assert_allclose(getattr(e_mod, name).grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=name)
    for name, b in t_mod.named_buffers():
        np.testing.assert_allclose(getattr(e_mod, name).numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("args,kwargs,shape", [
    ((4,), dict(), (3, 4)),
    ((5,), dict(eps=1e-3), (2, 3, 5)),
    (((3, 4),), dict(), (2, 3, 4)),
    ((4,), dict(elementwise_affine=False), (3, 4)),
    ((4,), dict(bias=False), (2, 2, 4)),
])
def test_layer_norm(torch, args, kwargs, shape):
    _parity(torch, torch.nn.LayerNorm(*args, **kwargs), ember.nn.LayerNorm(*args, **kwargs), shape)


@pytest.mark.parametrize("args,kwargs,shape", [
    ((2, 4), dict(), (3, 4, 5)),
    ((3, 6), dict(eps=1e-3), (2, 6, 2, 2)),
    ((1, 4), dict(affine=False), (2, 4, 3)),
    ((4, 4), dict(bias=False), (2, 4)),
])
def test_group_norm(torch, args, kwargs, shape):
    _parity(torch, torch.nn.GroupNorm(*args, **kwargs), ember.nn.GroupNorm(*args, **kwargs), shape)


@pytest.mark.parametrize("args,kwargs,shape", [
    ((4,), dict(), (3, 4)),
    (([2, 3],), dict(eps=1e-4), (2, 2, 3)),
    ((4,), dict(elementwise_affine=False), (3, 4)),
])
def test_rms_norm(torch, args, kwargs, shape):
    _parity(torch, torch.nn.RMSNorm(*args, **kwargs), ember.nn.RMSNorm(*args, **kwargs), shape)


@pytest.mark.parametrize("args,kwargs,shape", [
    ((2,), dict(), (2, 5, 3)),
    ((3,), dict(alpha=0.5, beta=0.6, k=2.0), (2, 4, 3, 3)),
    ((4,), dict(alpha=1.0), (1, 6, 2, 2, 2)),
])
def test_local_response_norm(torch, args, kwargs, shape):
    _parity(torch, torch.nn.LocalResponseNorm(*args, **kwargs), ember.nn.LocalResponseNorm(*args, **kwargs),
            shape)


@pytest.mark.parametrize("cls,kwargs,shape", [
    ("InstanceNorm1d", dict(), (2, 3, 5)),
    ("InstanceNorm1d", dict(affine=True), (3, 6)),
    ("InstanceNorm2d", dict(affine=True, track_running_stats=True), (2, 3, 4, 4)),
    ("InstanceNorm3d", dict(track_running_stats=True, momentum=0.3), (2, 3, 2, 2, 3)),
])
def test_instance_norm(torch, cls, kwargs, shape):
    t_mod, e_mod = getattr(torch.nn, cls)(3, **kwargs), getattr(ember.nn, cls)(3, **kwargs)
    _parity(torch, t_mod, e_mod, shape, steps=3)
    t_mod.eval()
    e_mod.eval()
    _parity(torch, t_mod, e_mod, shape, seed=1)


@pytest.mark.parametrize("cls,args,kwargs", [
    ("LayerNorm", (4,), dict()),
    ("LayerNorm", ((4, 5),), dict(elementwise_affine=False)),
    ("LayerNorm", (4,), dict(bias=False, eps=1e-6)),
    ("GroupNorm", (2, 4), dict()),
    ("GroupNorm", (2, 4), dict(affine=False)),
    ("RMSNorm", (4,), dict()),
    ("RMSNorm", ([4],), dict(eps=1e-3, elementwise_affine=False)),
    ("LocalResponseNorm", (2,), dict()),
    ("InstanceNorm2d", (3,), dict()),
    ("InstanceNorm1d", (3,), dict(affine=True, track_running_stats=True)),
])
def test_repr_and_state_dict(torch, cls, args, kwargs):
    t_mod, e_mod = getattr(torch.nn, cls)(*args, **kwargs), getattr(ember.nn, cls)(*args, **kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert [(k, tuple(v.shape)) for k, v in e_mod.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t_mod.state_dict().items()]


@pytest.mark.parametrize("case", [
    lambda m: m.nn.functional.layer_norm(m.zeros(3, 4), (5,)),
    lambda m: m.nn.LayerNorm((3, 4))(m.zeros(2, 4, 3)),
    lambda m: m.nn.functional.group_norm(m.zeros(3, 4), 3),
    lambda m: m.nn.GroupNorm(3, 4),
    lambda m: m.nn.functional.rms_norm(m.zeros(3, 4), (3,)),
    lambda m: m.nn.functional.local_response_norm(m.zeros(3, 4), 2),
    lambda m: m.nn.InstanceNorm1d(3)(m.zeros(2, 4, 5, 1)),
    lambda m: m.nn.InstanceNorm1d(3, affine=True)(m.zeros(2, 4, 5)),
    lambda m: m.nn.functional.instance_norm(m.zeros(2, 3, 1)),
])
def test_errors_match_torch(torch, case):
    with pytest.raises(Exception) as t_info:
        case(torch)
    with pytest.raises(type(t_info.value)) as e_info:
        case(ember)
    assert str(e_info.value) == str(t_info.value).replace("torch", "ember")


def _bn(m, xd, wd=None, rd=None, training=True):
    """batch_norm on a float (xd) input with weight of dtype wd and running statistics of dtype rd."""
    x = getattr(m.ones(2, 3, 4), xd)()
    rm, rv = (None, None) if rd is None else (getattr(m.zeros(3), rd)(), getattr(m.ones(3), rd)())
    w = None if wd is None else getattr(m.ones(3), wd)()
    return m.nn.functional.batch_norm(x, rm, rv, w, training=training)


@pytest.mark.parametrize("case", [
    # mixed float32/float64 inputs and parameters: PyTorch refuses them (no silent promotion)
    lambda m: _bn(m, "float", "double"),
    lambda m: _bn(m, "float", rd="double", training=False),
    lambda m: _bn(m, "double", rd="float"),
    lambda m: _bn(m, "double", "float", "double"),
    lambda m: _bn(m, "float", "float", "double"),
    lambda m: m.nn.functional.batch_norm(m.ones(2, 3), m.zeros(3), None),
    lambda m: m.nn.functional.layer_norm(m.ones(2, 4), (4,), m.ones(4).double()),
    lambda m: m.nn.functional.layer_norm(m.ones(2, 4).double(), (4,), None, m.ones(4)),
    lambda m: m.nn.functional.layer_norm(m.ones(2, 4), (4,), m.ones(4), m.ones(4).double()),
    lambda m: m.nn.LayerNorm(4).double()(m.ones(2, 4)),
    lambda m: m.nn.functional.group_norm(m.ones(2, 4), 2, m.ones(4).double()),
    lambda m: m.nn.functional.group_norm(m.ones(2, 4).double(), 2, m.ones(4).double(), m.ones(4)),
    lambda m: m.nn.functional.instance_norm(m.ones(2, 3, 4), weight=m.ones(3).double()),
    # integer / bool inputs: the kernels are floating only
    lambda m: m.nn.functional.batch_norm(m.ones(2, 3, dtype=m.int32), None, None, training=True),
    lambda m: m.nn.functional.instance_norm(m.ones(2, 3, 4, dtype=m.int64)),
    lambda m: m.nn.functional.layer_norm(m.ones(2, 4, dtype=m.int64), (4,)),
    lambda m: m.nn.functional.layer_norm(m.ones(2, 4, dtype=m.bool), (4,)),
    lambda m: m.nn.functional.layer_norm(m.ones(2, 4, dtype=m.int64), (4,), m.ones(4)),
    lambda m: m.nn.functional.group_norm(m.ones(2, 4, dtype=m.int32), 2),
    lambda m: m.nn.functional.rms_norm(m.ones(2, 4, dtype=m.int64), (4,), m.ones(4)),
    lambda m: m.nn.functional.local_response_norm(m.ones(2, 4, 3, dtype=m.int32), 2),
    lambda m: m.nn.functional.local_response_norm(m.ones(2, 4, 3, 3, dtype=m.int32), 2),
])
def test_dtype_errors_match_torch(torch, case):
    test_errors_match_torch(torch, case)


def test_rms_norm_mixed_weight_keeps_input_dtype(torch):
    # rms_norm accepts a weight of another float dtype and returns the input's dtype; gradients keep theirs
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(4)
    outs = []
    for m in (torch, ember):
        xt, wt = m.tensor(x, requires_grad=True), m.tensor(w, requires_grad=True)
        y = m.nn.functional.rms_norm(xt, (4,), wt)
        y.sum().backward()
        outs.append((str(y.dtype).split(".")[1], str(wt.grad.dtype).split(".")[1], y.detach().numpy(),
                     wt.grad.numpy()))
    assert outs[0][:2] == outs[1][:2] == ("float32", "float64")
    np.testing.assert_allclose(outs[1][2], outs[0][2], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outs[1][3], outs[0][3], rtol=1e-5, atol=1e-5)


def test_functional_float64_gradcheck():
    rng = np.random.default_rng(5)
    x = ember.tensor(rng.standard_normal((2, 4, 3)), requires_grad=True)
    w = ember.tensor(rng.standard_normal(4), requires_grad=True)
    b = ember.tensor(rng.standard_normal(4), requires_grad=True)
    F = ember.nn.functional
    assert ember.autograd.gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w, b))
    assert ember.autograd.gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b))
    assert ember.autograd.gradcheck(lambda x: F.rms_norm(x, (3,)), (x,))


def norm_double_backward(lib, fn, param_shapes, x_shape=(4, 6, 5)):
    """Gradients of ``sum(y * y * r)`` w.r.t. the input and parameters with ``create_graph=True``, then the
    gradients of their squared norm w.r.t. the input, the upstream weights ``r`` and the parameters."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(x_shape), dtype=lib.float64, requires_grad=True)
    params = [lib.tensor(rng.standard_normal(s), dtype=lib.float64, requires_grad=True) for s in param_shapes]
    y = fn(lib.nn.functional, x, *params)
    r = lib.tensor(rng.standard_normal(tuple(y.shape)), dtype=lib.float64, requires_grad=True)
    grads = lib.autograd.grad((y * y * r).sum(), [x] + params, create_graph=True)
    sum((g ** 2).sum() for g in grads).backward()
    return [g.detach().numpy() for g in grads] + [x.grad.numpy(), r.grad.numpy()] + [p.grad.numpy() for p in params]


@pytest.mark.parametrize("fn, params", [
    (lambda F, x, w, b: F.layer_norm(x, (5,), w, b), [(5,), (5,)]),
    (lambda F, x: F.layer_norm(x, (6, 5)), []),
    (lambda F, x, w, b: F.group_norm(x, 3, w, b), [(6,), (6,)]),
    (lambda F, x: F.group_norm(x, 2), []),
    (lambda F, x, w, b: F.instance_norm(x, weight=w, bias=b), [(6,), (6,)]),
    (lambda F, x, w: F.rms_norm(x, (5,), w, eps=1e-6), [(5,)]),
    (lambda F, x: F.rms_norm(x, (6, 5), eps=1e-5), []),
], ids=["layer", "layer-2d-plain", "group", "group-plain", "instance", "rms", "rms-2d-plain"])
def test_normalization_double_backward_matches_torch(torch, fn, params):
    got, want = norm_double_backward(ember, fn, params), norm_double_backward(torch, fn, params)
    assert len(got) == len(want)
    for g, t in zip(got, want):
        np.testing.assert_allclose(g, t, rtol=1e-8, atol=1e-8)


# --------------------------------------------------------------------------- float16 inputs

_NORM_CALLS = {
    "layer_norm": (5, lambda F, x, w, b, rm, rv: F.layer_norm(x, (5,), w, b)),
    "batch_norm_train": (8, lambda F, x, w, b, rm, rv: F.batch_norm(x, rm, rv, w, b, training=True)),
    "batch_norm_eval": (8, lambda F, x, w, b, rm, rv: F.batch_norm(x, rm, rv, w, b, training=False)),
    "group_norm": (8, lambda F, x, w, b, rm, rv: F.group_norm(x, 2, w, b)),
    "rms_norm": (5, lambda F, x, w, b, rm, rv: F.rms_norm(x, (5,), w)),
}


@pytest.mark.parametrize("param_dtype", ["float16", "float32"])
@pytest.mark.parametrize("name", list(_NORM_CALLS))
def test_norms_of_half_inputs_compute_in_float32(torch, name, param_dtype):
    # Values near 1000: in float16 their sum of squares overflows, and statistics computed in half came out
    # inf, so batch/group norm returned zeros. PyTorch computes in float32 and returns float16, also when the
    # parameters are float32 (ember returned float32 there).
    n, call = _NORM_CALLS[name]
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((4, 8, 5)) * 100 + 1000).astype(np.float16)
    g = rng.standard_normal((4, 8, 5)).astype(np.float16)
    w = np.linspace(0.5, 1.5, n)
    b = np.linspace(-1, 1, n)

    def run(lib, dt, pdt):
        X = lib.from_numpy(x.astype(dt)).requires_grad_()
        W = lib.from_numpy(w.astype(pdt)).requires_grad_()
        B = lib.from_numpy(b.astype(pdt)).requires_grad_()
        rm, rv = lib.from_numpy(np.full(8, 1000, pdt)), lib.from_numpy(np.full(8, 9000, pdt))
        y = call(lib.nn.functional, X, W, B, rm, rv)
        y.backward(lib.from_numpy(g.astype(dt)))
        return y, X.grad, W.grad, rm

    y, gx, gw, rm = run(ember, "float16", param_dtype)
    ty, tgx, tgw, trm = run(torch, "float16", param_dtype)
    assert str(y.dtype) == str(ty.dtype).replace("torch", "ember") == "ember.float16"
    assert gx.dtype == ember.float16 and str(gw.dtype) == f"ember.{param_dtype}"
    # float64 reference, on the same float16 values
    ry, rgx, rgw, rrm = run(torch, "float64", "float64")
    tol = dict(rtol=2e-3, atol=2e-3)
    if name == "batch_norm_train" and param_dtype == "float16":
        # all-half batch norm normalises with the mean/invstd rounded to float16 (PyTorch's too, off the float64
        # reference by ~4e-3 here): bit-exact with PyTorch instead
        for got, want in zip((y, gx, gw, rm), (ty, tgx, tgw, trm)):
            np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
        return
    np.testing.assert_allclose(y.detach().numpy().astype(np.float64), ry.detach().numpy(), **tol)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=2e-3, atol=4e-3)
    np.testing.assert_allclose(gx.numpy().astype(np.float64), rgx.numpy(), rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(gw.numpy().astype(np.float64), rgw.numpy(), rtol=2e-3, atol=1e-2)
    np.testing.assert_allclose(rm.numpy().astype(np.float64), trm.numpy().astype(np.float64), rtol=1e-3)


# --------------------------------------------------------------------------------------------------- CrossMapLRN2d
def _lrn_both(torch, size, x, g, **kw):
    out = []
    for lib in (torch, ember):
        xx = lib.tensor(x, requires_grad=True)
        y = lib.nn.CrossMapLRN2d(size, **kw)(xx)
        try:
            y.backward(lib.tensor(g))
            grad = xx.grad.numpy()
        except RuntimeError as err:
            grad = err
        out.append((y.detach().numpy(), grad, y.grad_fn.name(), str(y.dtype).split(".")[-1]))
    return out


@pytest.mark.parametrize("size", [2, 3, 4, 5, 8])
@pytest.mark.parametrize("channels", [1, 2, 3, 6, 9])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_map_lrn2d_matches_torch(torch, size, channels, dtype):
    # PyTorch's legacy kernel: channel 0 stays in the window sum of every later channel, and its gradient is a
    # shifted-window formula; both are reproduced, so values and gradients agree for every size / channel count
    rng = np.random.default_rng(size * 10 + channels)
    x = (rng.standard_normal((2, channels, 3, 4)) * 2).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    (tv, tg, tname, tdt), (ev, eg, ename, edt) = _lrn_both(torch, size, x, g, alpha=0.7, beta=0.6, k=1.5)
    assert ename == tname == "CrossMapLRN2dBackward" and edt == tdt == dtype
    np.testing.assert_allclose(ev, tv, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(eg, tg, rtol=1e-5, atol=1e-6)


def test_cross_map_lrn2d_is_not_local_response_norm(torch):
    # with channels beyond (size + 1) // 2 the two differ (PyTorch's quirk), which a plain LRN would miss
    x = np.random.default_rng(0).standard_normal((1, 6, 2, 2)).astype("float32")
    x[:, 0] = 5
    cm = ember.nn.CrossMapLRN2d(3, alpha=1.0)(ember.tensor(x)).numpy()
    lrn = ember.nn.LocalResponseNorm(3, alpha=1.0)(ember.tensor(x)).numpy()
    np.testing.assert_allclose(cm[:, :2], lrn[:, :2], rtol=1e-6)
    assert not np.allclose(cm[:, 3:], lrn[:, 3:])
    np.testing.assert_allclose(cm, torch.nn.CrossMapLRN2d(3, alpha=1.0)(torch.tensor(x)).numpy(), rtol=1e-6)


def test_cross_map_lrn2d_size_one_backward_fails_like_torch(torch):
    x = np.ones((1, 3, 2, 2), dtype="float32")
    (tv, terr, *_), (ev, eerr, *_) = _lrn_both(torch, 1, x, x)
    np.testing.assert_allclose(ev, tv, rtol=1e-6)
    assert type(eerr) is type(terr) and str(eerr) == str(terr) == "start (1) + length (3) exceeds dimension size (3)."


def test_cross_map_lrn2d_half_computes_in_float32(torch):
    x = np.random.default_rng(1).standard_normal((2, 5, 3, 3)).astype("float16")
    g = np.random.default_rng(2).standard_normal(x.shape).astype("float16")
    (tv, tg, _, tdt), (ev, eg, _, edt) = _lrn_both(torch, 3, x, g, alpha=0.5)
    (rv, rg, *_), _ = _lrn_both(torch, 3, x.astype("float64"), g.astype("float64"), alpha=0.5)
    assert edt == tdt == "float16" and eg.dtype == np.float16
    np.testing.assert_allclose(ev.astype("float64"), rv, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(eg.astype("float64"), rg, rtol=1e-3, atol=2e-3)
    np.testing.assert_allclose(ev, tv, rtol=2e-3, atol=2e-3)


def test_cross_map_lrn2d_module_repr_errors_and_empty_batch(torch):
    for args in [(3,), (5, 2e-4, 0.5, 2.0), (4, 1, 1, 1)]:
        assert repr(ember.nn.CrossMapLRN2d(*args)) == repr(torch.nn.CrossMapLRN2d(*args))
    cases = [
        (lambda lib: lib.nn.CrossMapLRN2d(3)(lib.ones(3, 4, 4))),
        (lambda lib: lib.nn.CrossMapLRN2d(3)(lib.ones(1, 2, 3, 4, 4))),
        (lambda lib: lib.nn.CrossMapLRN2d(3)(lib.ones(1, 0, 2, 2))),
        (lambda lib: lib.nn.CrossMapLRN2d(0)(lib.ones(1, 3, 2, 2))),
        (lambda lib: lib.nn.CrossMapLRN2d(3)(lib.ones(1, 3, 2, 2, dtype=lib.long))),
    ]
    for case in cases:
        with pytest.raises(Exception) as t_err:
            case(torch)
        with pytest.raises(type(t_err.value)) as e_err:
            case(ember)
        assert str(e_err.value) == str(t_err.value)
    assert ember.nn.CrossMapLRN2d(3)(ember.ones(0, 3, 2, 2)).shape == (0, 3, 2, 2)
    x = ember.randn(2, 3, 2, 2)
    assert ember.nn.CrossMapLRN2d(3)(x).grad_fn is None


@pytest.mark.parametrize("make", [lambda nn: nn.InstanceNorm2d(4), lambda nn: nn.BatchNorm2d(4, affine=False),
                                  lambda nn: nn.GroupNorm(2, 4, affine=False),
                                  lambda nn: nn.LayerNorm([4, 5, 5], elementwise_affine=False)])
def test_inplace_op_on_output_without_affine(torch, make):
    """Without scale/bias the normalised output is what backward uses: an in-place ReLU on it must not change the
    input gradient (it did, silently, for instance/batch/group norm; layer norm raised)."""
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal((2, 4, 5, 5)), rng.standard_normal((2, 4, 5, 5))
    grads = []
    for lib in (torch, ember):
        t = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.relu(make(lib.nn).double()(t), inplace=True)
        (y * lib.tensor(g)).sum().backward()
        grads.append(t.grad.detach().numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10, atol=1e-12)


INSTANCE_NORM_STATS = {
    # a checkpoint without metadata (saved before instance norms stopped tracking running stats by default)
    "old-checkpoint": lambda m: m.nn.InstanceNorm1d(3).load_state_dict(
        dict(m.nn.InstanceNorm1d(3, track_running_stats=True).state_dict())),
    "old-checkpoint-nonstrict": lambda m: m.nn.InstanceNorm2d(3).load_state_dict(
        {"running_mean": m.zeros(3), "running_var": m.ones(3)}, strict=False),
    "old-checkpoint-mean": lambda m: m.nn.InstanceNorm3d(3).load_state_dict({"running_mean": m.zeros(3)}),
    "old-checkpoint-nested": lambda m: m.nn.Sequential(m.nn.InstanceNorm1d(3)).load_state_dict(
        {"0." + k: v for k, v in m.nn.InstanceNorm1d(3, track_running_stats=True).state_dict().items()}),
    "new-checkpoint": lambda m: m.nn.InstanceNorm1d(3).load_state_dict(
        m.nn.InstanceNorm1d(3, track_running_stats=True).state_dict()),
    "missing-stats": lambda m: m.nn.InstanceNorm1d(3, track_running_stats=True).load_state_dict(
        m.nn.InstanceNorm1d(3).state_dict()),
}


@pytest.mark.parametrize("name", list(INSTANCE_NORM_STATS))
def test_instance_norm_running_stats_in_state_dicts(torch, name):
    msgs = raised_messages(RuntimeError, INSTANCE_NORM_STATS[name], torch, ember)
    assert msgs[1] == msgs[0]


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("missing", ["running_mean", "running_var", "both"])
def test_instance_norm_forward_without_running_stats(torch, training, missing):
    got = []
    for m in (torch, ember):
        norm = m.nn.InstanceNorm1d(3, track_running_stats=True).train(training)
        for key in ("running_mean", "running_var") if missing == "both" else (missing,):
            setattr(norm, key, None)
        try:
            got.append(tuple(norm(m.ones(2, 3, 4)).shape))
        except (RuntimeError, ValueError) as exc:
            got.append((type(exc).__name__, str(exc)))
    assert got[1] == got[0]


def test_instance_norm_without_stats_in_eval_mode(torch):
    """F.instance_norm(use_input_stats=False) needs running statistics: PyTorch's error, not a crash later."""
    for mod in (ember, torch):
        x = mod.ones(2, 3, 4)
        with pytest.raises(RuntimeError, match="^Expected running_mean and running_var to be defined when "
                                               "use_input_stats is false$"):
            mod.nn.functional.instance_norm(x, use_input_stats=False)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_rms_norm_default_eps_half_is_float32_eps(torch, dtype):
    """eps=None on float16/bfloat16 uses float32's machine epsilon (torch computes in float32): bit-exact."""
    vals = [[0.8, -1.1, 0.3, 1.9], [1e-3, -2e-3, 5e-4, 0.0]]
    for lib in (ember, torch):
        x = lib.tensor(vals).to(getattr(lib, dtype))
        out = lib.nn.functional.rms_norm(x, (4,)).float().tolist()
        mod = lib.nn.RMSNorm(4).to(getattr(lib, dtype))(x).float().tolist()
        if lib is ember:
            oe, me = out, mod
    assert oe == out and me == mod


def test_instance_norm_private_hooks_match_torch(torch):
    # _get_no_batch_dim / _handle_no_batch_input / _apply_instance_norm: PyTorch's hooks that subclasses use
    rng = np.random.default_rng(0)
    for name, kwargs, shape in [("InstanceNorm1d", dict(affine=True), (2, 3, 5)),
                                ("InstanceNorm2d", dict(track_running_stats=True), (2, 3, 4, 4)),
                                ("InstanceNorm3d", dict(), (2, 3, 2, 2, 3))]:
        t_m, e_m = getattr(torch.nn, name)(3, **kwargs), getattr(ember.nn, name)(3, **kwargs)
        _randomize(torch, rng, t_m, e_m)
        assert e_m._get_no_batch_dim() == t_m._get_no_batch_dim()
        x = rng.standard_normal(shape).astype("float32")
        for mode in (True, False):
            t_m.train(mode)
            e_m.train(mode)
            np.testing.assert_allclose(e_m._apply_instance_norm(ember.from_numpy(x)).detach().numpy(),
                                       t_m._apply_instance_norm(torch.from_numpy(x)).detach().numpy(),
                                       rtol=1e-5, atol=1e-5)
            out = e_m._handle_no_batch_input(ember.from_numpy(x[0]))
            assert tuple(out.shape) == x.shape[1:]
            np.testing.assert_allclose(out.detach().numpy(),
                                       t_m._handle_no_batch_input(torch.from_numpy(x[0])).detach().numpy(),
                                       rtol=1e-5, atol=1e-5)
        if t_m.running_mean is not None:
            np.testing.assert_allclose(e_m.running_mean.numpy(), t_m.running_mean.numpy(), rtol=1e-5, atol=1e-6)


def test_rms_norm_grad_fn_name_as_torch(torch):
    # PyTorch's rms_norm is a composite ending in a multiply: its grad_fn is MulBackward0 with or without weight
    names = []
    for lib in (ember, torch):
        x = lib.ones(3, 4, requires_grad=True)
        outs = [lib.nn.functional.rms_norm(x, (4,)), lib.nn.functional.rms_norm(x, (4,), lib.ones(4), eps=1e-5),
                lib.nn.RMSNorm(4)(x), lib.nn.RMSNorm(4, elementwise_affine=False)(x)]
        names.append([(type(o.grad_fn).__name__, o.grad_fn.name()) for o in outs])
    assert names[0] == names[1]


def _reset_calls(m):
    calls = []
    nn = m.nn
    out = []
    for base, args in [(nn.BatchNorm1d, (3,)), (nn.BatchNorm2d, (3,)), (nn.InstanceNorm1d, (3,)),
                       (nn.LayerNorm, (3,)), (nn.GroupNorm, (1, 2)), (nn.RMSNorm, (3,)), (nn.LazyLinear, (2,)),
                       (nn.LazyBatchNorm1d, ())]:
        class Sub(base):
            def reset_parameters(self, name=base.__name__):
                calls.append(name)
                super().reset_parameters()
                if getattr(self, "weight", None) is not None and not isinstance(
                        self.weight, nn.parameter.UninitializedParameter):
                    nn.init.zeros_(self.weight)  # (a zero-gamma init taking effect at construction)
        calls.clear()
        sub = Sub(*args)
        w = sub.weight
        lazy = w is None or isinstance(w, nn.parameter.UninitializedParameter)
        out.append((list(calls), None if lazy else w.tolist()))
    return out


def test_norm_layers_call_reset_parameters_at_construction(torch):
    assert _reset_calls(ember) == _reset_calls(torch)
