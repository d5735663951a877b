"""Pooling layers against PyTorch: values, indices, gradients, reprs, errors, grad_fn names."""

import math

import numpy as np
import pytest

import ember
import ember.nn as nn


def _distinct(shape, seed=0):
    """Tie-free values, so that the argmax (and hence the max-pool gradient) is unambiguous."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return (rng.permutation(n).astype("float32") * 0.37 - n * 0.1).reshape(shape)


def _compare(torch, tm, em, x, *extra):
    tx = torch.from_numpy(x.copy()).requires_grad_()
    ex = ember.from_numpy(x.copy()).requires_grad_()
    to, eo = tm(tx, *[torch.from_numpy(e) for e in extra]), em(ex, *[ember.from_numpy(e) for e in extra])
    touts = to if isinstance(to, tuple) else (to,)
    eouts = eo if isinstance(eo, tuple) else (eo,)
    assert len(touts) == len(eouts)
    for t, e in zip(touts, eouts):
        assert tuple(e.shape) == tuple(t.shape)
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(1).standard_normal(tuple(touts[0].shape)).astype("float32")
    (touts[0] * torch.from_numpy(g)).sum().backward()
    (eouts[0] * ember.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    return eouts


MAX_CASES = [
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (2,), {}, (2, 3, 7, 9)),  # odd sizes drop the remainder
    ("MaxPool2d", (3,), dict(stride=2, padding=1), (1, 2, 9, 8)),
    ("MaxPool2d", ((2, 3),), dict(stride=(1, 2), dilation=(2, 1), return_indices=True), (2, 2, 7, 8)),
    ("MaxPool2d", (3,), dict(stride=2, ceil_mode=True, return_indices=True), (1, 2, 8, 7)),
    ("MaxPool2d", (2,), dict(padding=1, ceil_mode=True), (1, 1, 5, 5)),
    ("MaxPool2d", (2,), dict(return_indices=True), (3, 6, 4)),  # unbatched
    ("MaxPool1d", (3,), dict(stride=2, padding=1, return_indices=True), (2, 3, 10)),
    ("MaxPool1d", (2,), dict(dilation=2, ceil_mode=True), (2, 9)),
    ("MaxPool3d", (2,), dict(return_indices=True), (1, 2, 4, 4, 6)),
    ("MaxPool3d", ((2, 3, 2),), dict(stride=(1, 2, 2), padding=(1, 1, 0)), (1, 1, 3, 5, 4)),
]


@pytest.mark.parametrize("name,args,kw,shape", MAX_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(MAX_CASES)])
def test_max_pool_matches_torch(torch, name, args, kw, shape):
    outs = _compare(torch, getattr(torch.nn, name)(*args, **kw), getattr(nn, name)(*args, **kw), _distinct(shape))
    if kw.get("return_indices"):
        assert outs[1].dtype == ember.int64


def test_max_pool_ties_take_first_index(torch):
    x = np.zeros((1, 1, 4, 4), "float32")
    to, ti = torch.nn.functional.max_pool2d(torch.from_numpy(x), 2, return_indices=True)
    eo, ei = ember.nn.functional.max_pool2d(ember.from_numpy(x), 2, return_indices=True)
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())


AVG_CASES = [
    ("AvgPool2d", (2,), {}, (2, 3, 8, 8)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1), (1, 2, 7, 8)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False, ceil_mode=True), (1, 2, 8, 7)),
    ("AvgPool2d", ((3, 2),), dict(stride=(2, 1), padding=(1, 1), ceil_mode=True), (1, 2, 6, 5)),
    ("AvgPool2d", (2,), dict(divisor_override=3), (1, 2, 5, 4)),
    ("AvgPool2d", (2,), {}, (3, 5, 5)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 2, 9)),
    ("AvgPool3d", (2,), dict(padding=1, ceil_mode=True), (1, 2, 3, 4, 5)),
]


@pytest.mark.parametrize("name,args,kw,shape", AVG_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(AVG_CASES)])
def test_avg_pool_matches_torch(torch, name, args, kw, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    _compare(torch, getattr(torch.nn, name)(*args, **kw), getattr(nn, name)(*args, **kw), x)


ADAPTIVE_CASES = [
    ("AdaptiveAvgPool2d", ((1, 1),), (2, 3, 7, 7)),
    ("AdaptiveAvgPool2d", ((3, 4),), (2, 3, 7, 9)),
    ("AdaptiveAvgPool2d", ((None, 2),), (1, 2, 5, 5)),
    ("AdaptiveAvgPool2d", (6,), (1, 2, 4, 5)),  # output larger than input
    ("AdaptiveAvgPool1d", (3,), (2, 2, 8)),
    ("AdaptiveAvgPool3d", (2,), (1, 2, 3, 5, 4)),
    ("AdaptiveMaxPool2d", ((3, 2),), (2, 2, 7, 5)),
    ("AdaptiveMaxPool1d", (3,), (2, 2, 7)),
]


@pytest.mark.parametrize("name,args,shape", ADAPTIVE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(ADAPTIVE_CASES)])
def test_adaptive_pool_matches_torch(torch, name, args, shape):
    _compare(torch, getattr(torch.nn, name)(*args), getattr(nn, name)(*args), _distinct(shape))


def test_adaptive_max_pool_indices(torch):
    x = _distinct((2, 2, 7, 5))
    _compare(torch, torch.nn.AdaptiveMaxPool2d((3, 2), return_indices=True), nn.AdaptiveMaxPool2d((3, 2), True), x)


def test_max_unpool2d_matches_torch(torch):
    x = _distinct((2, 2, 5, 7))
    tp, ep = torch.nn.MaxPool2d(2, return_indices=True), nn.MaxPool2d(2, return_indices=True)
    ty, ti = tp(torch.from_numpy(x))
    ey, ei = ep(ember.from_numpy(x))
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    y = ey.detach().numpy()
    tu, eu = torch.nn.MaxUnpool2d(2), nn.MaxUnpool2d(2)
    ty_ = torch.from_numpy(y.copy()).requires_grad_()
    ey_ = ember.from_numpy(y.copy()).requires_grad_()
    to = tu(ty_, ti, output_size=(5, 7))
    eo = eu(ey_, ei, output_size=(5, 7))
    np.testing.assert_array_equal(eo.detach().numpy(), to.detach().numpy())
    g = np.random.default_rng(3).standard_normal((2, 2, 5, 7)).astype("float32")
    (to * torch.from_numpy(g)).sum().backward()
    (eo * ember.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(ey_.grad.numpy(), ty_.grad.numpy())
    with pytest.raises(RuntimeError, match=r"^Found an invalid max index: 26 \(output volumes are of size 4x6\)$"):
        eu(ey_, ei)


def test_lp_pool2d_matches_torch(torch):
    x = np.random.default_rng(0).uniform(0.5, 2.0, (1, 2, 6, 7)).astype("float32")
    _compare(torch, torch.nn.LPPool2d(2, 3, stride=2), nn.LPPool2d(2, 3, stride=2), x)


@pytest.mark.parametrize("norm_type", [math.inf, -math.inf])
@pytest.mark.parametrize("name,args,shape", [("LPPool1d", (3, 2, True), (2, 3, 9)),
                                             ("LPPool2d", (2,), (1, 2, 6, 7)),
                                             ("LPPool2d", ((2, 3), 2, True), (1, 2, 7, 8)),
                                             ("LPPool3d", (2, 1, True), (1, 2, 3, 4, 3))])
def test_lp_pool_infinite_norm_matches_torch(torch, norm_type, name, args, shape):
    # p = +-inf is the limit: max / min of |x| over the window (was ones with NaN gradients)
    x = np.random.default_rng(0).uniform(-2.0, 2.0, shape).astype("float32")
    _compare(torch, getattr(torch.nn, name)(norm_type, *args), getattr(nn, name)(norm_type, *args), x)


def test_reprs():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.MaxPool2d((2, 3), ceil_mode=True)) == (
        "MaxPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0, dilation=1, ceil_mode=True)")
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AvgPool1d(3)) == "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"
    assert repr(nn.AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"
    assert repr(nn.AdaptiveMaxPool2d(2)) == "AdaptiveMaxPool2d(output_size=2)"
    assert repr(nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(nn.LPPool2d(2, 3)) == "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"


def test_grad_fn_names():
    x = ember.randn(1, 2, 4, 4, requires_grad=True)
    F = ember.nn.functional
    assert F.max_pool2d(x, 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert F.avg_pool2d(x, 2).grad_fn.name() == "AvgPool2DBackward0"
    assert F.adaptive_avg_pool2d(x, 3).grad_fn.name() == "AdaptiveAvgPool2DBackward0"
    assert F.adaptive_max_pool2d(x, 3).grad_fn.name() == "AdaptiveMaxPool2DBackward0"
    assert F.max_pool3d(x[None], 2).grad_fn.name() == "MaxPool3DWithIndicesBackward0"


def test_float32_preserved_and_no_grad_path():
    x = ember.randn(2, 3, 8, 8)
    with ember.no_grad():
        y = ember.nn.functional.max_pool2d(x, 2)
    assert y.dtype == ember.float32 and y.grad_fn is None
    np.testing.assert_array_equal(y.numpy(), x.numpy().reshape(2, 3, 4, 2, 4, 2).max(axis=(3, 5)))


def _raises(torch, exc, fn):
    with pytest.raises(exc) as te:
        fn(torch)
    with pytest.raises(exc) as ee:
        fn(ember)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("fn", [
    lambda m: m.nn.functional.max_pool2d(m.zeros(1, 1, 4, 4), 5),
    lambda m: m.nn.functional.max_pool2d(m.zeros(1, 1, 4, 4), 2, padding=2),
    lambda m: m.nn.functional.avg_pool2d(m.zeros(1, 1, 4, 4), 5),
    lambda m: m.nn.functional.avg_pool2d(m.zeros(1, 1, 4, 4), 2, padding=2),
    lambda m: m.nn.functional.max_pool2d(m.zeros(4), 2),
    lambda m: m.nn.functional.max_pool1d(m.zeros(2), 2),
    lambda m: m.nn.functional.max_pool1d(m.zeros(1, 1, 3), 5),
    lambda m: m.nn.functional.avg_pool1d(m.zeros(1, 1, 3), 5),
    lambda m: m.nn.functional.max_pool3d(m.zeros(1, 1, 1, 4, 4), 2),
    lambda m: m.nn.functional.avg_pool3d(m.zeros(2), 2),
])
def test_errors_match_torch(torch, fn):
    _raises(torch, RuntimeError, fn)


def test_integer_pooling_matches_torch(torch):
    x = np.arange(-20, 16).reshape(1, 1, 6, 6).astype("int64")
    for name in ("max_pool2d", "avg_pool2d"):
        t = getattr(torch.nn.functional, name)(torch.from_numpy(x), 3, 2, 1)
        e = getattr(ember.nn.functional, name)(ember.from_numpy(x), 3, 2, 1)
        assert e.dtype == ember.int64
        np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize("shape,kw", [
    ((1, 6, 28, 28), {"kernel_size": 2}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 3, 9, 7), {"kernel_size": 2, "ceil_mode": True}),
    ((3, 10, 9), {"kernel_size": (2, 3), "dilation": (2, 1)}),
    ((2, 4, 11), {"kernel_size": 3, "stride": 2}),
])
def test_max_pool_no_graph_path_matches_recorded_path(shape, kw):
    import ember.nn.functional as F
    x = ember.from_numpy(_distinct(shape))
    pool = F.max_pool1d if len(shape) == 3 and "dilation" not in kw and kw["kernel_size"] == 3 else F.max_pool2d
    recorded = pool(x.detach().requires_grad_(), **kw)
    assert recorded.grad_fn is not None
    with ember.no_grad():
        fast = pool(x, **kw)
    assert fast.grad_fn is None
    np.testing.assert_array_equal(fast.numpy(), recorded.detach().numpy())
    first = fast.numpy().copy()
    with ember.no_grad():
        pool(ember.from_numpy(_distinct(shape, seed=3)), **kw)
    np.testing.assert_array_equal(fast.numpy(), first)


def test_max_pool_2x2_no_graph_path_unbatched_and_strided_inputs(torch):
    import ember.nn.functional as F
    for x in (_distinct((5, 8, 6)), _distinct((2, 3, 8, 12)).transpose(0, 1, 3, 2)):
        with ember.no_grad():
            got = F.max_pool2d(ember.from_numpy(np.ascontiguousarray(x)), 2)
            got_view = F.max_pool2d(ember.from_numpy(x.copy()).transpose(-1, -2).transpose(-1, -2), 2)
        want = torch.nn.functional.max_pool2d(torch.from_numpy(np.ascontiguousarray(x)), 2).numpy()
        np.testing.assert_array_equal(got.numpy(), want)
        np.testing.assert_array_equal(got_view.numpy(), want)


@pytest.mark.parametrize("shape", [(2, 3, 8, 6), (3, 4, 4), (1, 6, 28, 28)])
def test_max_pool2d_2x2_no_grad_matches_graph_path(shape):
    x = ember.tensor(_distinct(shape), requires_grad=True)
    with ember.no_grad():
        fast = ember.nn.functional.max_pool2d(x, 2)
    slow = ember.nn.functional.max_pool2d(x, 2)
    assert fast.shape == slow.shape and fast.grad_fn is None and slow.grad_fn is not None
    assert np.array_equal(fast.numpy(), slow.detach().numpy())
    assert fast.is_contiguous()
    again = ember.nn.functional.max_pool2d(x.detach(), [2, 2])  # unhashable arguments: uncached path
    assert np.array_equal(again.numpy(), fast.numpy())


def _pool_double_backward(lib, fn, shape=(2, 3, 8, 7)):
    """Second derivatives through a pooling op: the gradient of a non-linear loss, then a loss of that
    gradient differentiated w.r.t. the input and the upstream weights."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(shape), dtype=lib.float64, requires_grad=True)
    y = fn(lib.nn.functional, x * x)
    r = lib.tensor(rng.standard_normal(tuple(y.shape)), dtype=lib.float64, requires_grad=True)
    (gx,) = lib.autograd.grad((y * y * r).sum(), (x,), create_graph=True)
    (gx ** 2).sum().backward()
    return [gx.detach().numpy(), x.grad.numpy(), r.grad.numpy()]


@pytest.mark.parametrize("fn", [
    lambda F, t: F.max_pool2d(t, 2),
    lambda F, t: F.max_pool2d(t, 3, stride=2, padding=1),
    lambda F, t: F.max_pool2d(t, 2, stride=1, dilation=2, ceil_mode=True),  # overlapping windows
    lambda F, t: F.max_pool1d(t.flatten(2), 3, stride=2),
    lambda F, t: F.max_pool3d(t.unsqueeze(1), 2),
    lambda F, t: F.adaptive_max_pool2d(t, (3, 2)),
    lambda F, t: F.avg_pool2d(t, 2),
    lambda F, t: F.avg_pool2d(t, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda F, t: F.avg_pool1d(t.flatten(2), 4),
    lambda F, t: F.adaptive_avg_pool2d(t, (3, 2)),
], ids=["max2", "max3-s2-p1", "max-overlap-dilated", "max1d", "max3d", "adaptive-max", "avg2", "avg3-ceil",
        "avg1d", "adaptive-avg"])
def test_pooling_double_backward_matches_torch(torch, fn):
    got, want = _pool_double_backward(ember, fn), _pool_double_backward(torch, fn)
    for g, t in zip(got, want):
        np.testing.assert_allclose(g, t, rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------------------ AdaptiveMaxPool3d, LPPool3d
@pytest.mark.parametrize("output_size", [2, (2, 3, 1), (None, 2, 3)])
@pytest.mark.parametrize("batched", [True, False])
def test_adaptive_max_pool3d_matches_torch(torch, output_size, batched):
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6, 7) if batched else (3, 5, 6, 7)).astype("float32")
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    em, tm = nn.AdaptiveMaxPool3d(output_size, return_indices=True), torch.nn.AdaptiveMaxPool3d(output_size, True)
    (eo, ei), (to, ti) = em(ex), tm(tx)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy())
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    assert ei.dtype == ember.int64
    g = np.random.default_rng(1).standard_normal(tuple(to.shape)).astype("float32")
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy())
    assert repr(em) == repr(tm)
    np.testing.assert_allclose(ember.nn.functional.adaptive_max_pool3d(ex, output_size).detach().numpy(),
                               to.detach().numpy())


def test_adaptive_max_pool3d_errors(torch):
    with pytest.raises(RuntimeError, match="Expected 4D or 5D tensor"):
        ember.nn.functional.adaptive_max_pool3d(ember.randn(2, 3, 4), 2)
    with pytest.raises(RuntimeError):
        torch.nn.functional.adaptive_max_pool3d(torch.randn(2, 3, 4), 2)


@pytest.mark.parametrize("norm_type,kernel,stride,ceil", [(2, 2, None, False), (1.5, (2, 3, 2), 1, False),
                                                          (3, 3, 2, True)])
def test_lp_pool3d_matches_torch(torch, norm_type, kernel, stride, ceil):
    x = np.abs(np.random.default_rng(0).standard_normal((2, 2, 5, 6, 5))).astype("float32") + 0.1
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    em = nn.LPPool3d(norm_type, kernel, stride, ceil)
    tm = torch.nn.LPPool3d(norm_type, kernel, stride, ceil)
    eo, to = em(ex), tm(tx)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    eo.sum().backward()
    to.sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert repr(em) == repr(tm)


def _pool_outcome(lib, fn):
    """``fn(lib)``'s (error type, message) or (shape, dtype, values), comparable across libraries."""
    try:
        out = fn(lib)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return type(exc).__name__, str(exc).replace("ember", "torch")
    out = out[0] if isinstance(out, tuple) else out
    return tuple(out.shape), str(out.dtype).split(".")[-1], out.detach().double().numpy()


def _same_pool_outcome(torch, fn):
    got, want = _pool_outcome(ember, fn), _pool_outcome(torch, fn)
    assert got[:2] == want[:2]
    if len(want) == 3:  # float16 sums may differ in the last place (PyTorch accumulates in float32)
        np.testing.assert_allclose(got[2], want[2], rtol=1e-3 if want[1] == "float16" else 1e-6)


def _z(m, *shape, dtype=None):
    return m.arange(math.prod(shape), dtype=m.float32).reshape(shape).to(dtype or m.float32) % 7


# argument errors of max/avg pooling, in PyTorch's order of checks and words (they differ between the 1-D
# max pooling, the 2-D family (which runs avg_pool1d and max_pool1d(return_indices=True)) and the 3-D one)
POOL_ARG_CASES = {
    "max1-stride0": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2, stride=0),
    "max1-k0": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 0),
    "max1-padneg": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2, padding=-1),
    "max1-padbig": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2, padding=2),
    "max1-dil0": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2, dilation=0),
    "max1-dil-pad": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2, 1, 2, 3),
    "max1-kbig": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 7),
    "max1-ktuple": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), (2, 2)),
    "max1-stuple": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2, (1, 1)),
    "max1-ptuple": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2, 1, (0, 0)),
    "max1-dtuple": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2, 1, 0, (1, 1)),
    "max1-dims-first": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 2, 2, 2), (2, 2)),
    "max1-k0-before-stride": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 0, 0, -1, 0),
    "max1-kfloat": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2.0),
    "max1-kNone": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), None),
    "max1-ktuple-float": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), (2.0,)),
    "max1-sfloat": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2, stride=1.0),
    "max1-grad-stride0": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6).requires_grad_(), 2, 0),
    "max1-idx-stride0": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2, 0, return_indices=True),
    "max1-idx-kbig": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 7, return_indices=True),
    "max1-idx-k0": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 0, 1, return_indices=True),
    "max1-idx-dil-pad": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2, 1, 2, 3, return_indices=True),
    "max1-idx-ktuple": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), (2, 2), return_indices=True),
    "max1-idx-dims": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 2, 2, 6), (2, 2), return_indices=True),
    "max1-idx-kfloat": lambda m: m.nn.functional.max_pool1d(_z(m, 2, 3, 6), 2.0, return_indices=True),
    "avg1-stride0": lambda m: m.nn.functional.avg_pool1d(_z(m, 2, 3, 6), 2, stride=0),
    "avg1-strideneg": lambda m: m.nn.functional.avg_pool1d(_z(m, 2, 3, 6), 2, stride=-1),
    "avg1-k0": lambda m: m.nn.functional.avg_pool1d(_z(m, 2, 3, 6), 0, 1),
    "avg1-kneg": lambda m: m.nn.functional.avg_pool1d(_z(m, 2, 3, 6), -2),
    "avg1-padneg": lambda m: m.nn.functional.avg_pool1d(_z(m, 2, 3, 6), 2, padding=-1),
    "avg1-padbig": lambda m: m.nn.functional.avg_pool1d(_z(m, 2, 3, 6), 2, padding=2),
    "avg1-kbig": lambda m: m.nn.functional.avg_pool1d(_z(m, 2, 3, 6), 7),
    "avg1-ktuple": lambda m: m.nn.functional.avg_pool1d(_z(m, 2, 3, 6), (2, 2)),
    "avg1-kempty": lambda m: m.nn.functional.avg_pool1d(_z(m, 2, 3, 6), ()),
    "avg1-sempty": lambda m: m.nn.functional.avg_pool1d(_z(m, 2, 3, 6), 2, ()),
    "avg1-emptych": lambda m: m.nn.functional.avg_pool1d(_z(m, 2, 0, 6), 2),
    "avg1-dims-first": lambda m: m.nn.functional.avg_pool1d(_z(m, 2, 2, 2, 6), (2, 2)),
    "avg1-0d": lambda m: m.nn.functional.avg_pool1d(m.zeros(()), 2),
    "max2-stride0": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, stride=0),
    "max2-stride-1-0": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, (1, 0)),
    "max2-strideneg": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, stride=-1),
    "max2-k0": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 0),
    "max2-k-2-0": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), (2, 0), 1),
    "max2-kneg1": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), -1, 1),
    "max2-kneg3": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), -3, 1),
    "max2-padneg": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, padding=-1),
    "max2-padneg-w": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 3, padding=(1, -1)),
    "max2-padbig": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, padding=2),
    "max2-padhalf": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, padding=1),
    "max2-dil0": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, dilation=0),
    "max2-dil-pad": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, 1, 2, 3),
    "max2-dil-pad-ok": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, 1, 1, 3),
    "max2-kbig": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 7),
    "max2-kbig-h": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), (7, 2)),
    "max2-kbig-pad": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 8, padding=1),
    "max2-ktuple": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), (2, 2, 2)),
    "max2-stuple": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, (2, 2, 2)),
    "max2-ptuple": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, 2, (0, 0, 0)),
    "max2-dtuple": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, 2, 0, (1, 1, 1)),
    "max2-kempty": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), ()),
    "max2-kbool": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), True),
    "max2-kstr": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), "2"),
    "max2-dfloat": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2, 1, 0, 1.0),
    "max2-idx-kfloat": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 3, 6, 6), 2.0, return_indices=True),
    "max2-5d": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 2, 2, 2, 2), 0, 1),
    "max2-emptych": lambda m: m.nn.functional.max_pool2d(_z(m, 2, 0, 6, 6), 9),
    "max2-unbatched-emptyc": lambda m: m.nn.functional.max_pool2d(_z(m, 0, 6, 6), 2),
    "max2-empty-batch": lambda m: m.nn.functional.max_pool2d(_z(m, 0, 2, 4, 4), 2),
    "avg2-stride0": lambda m: m.nn.functional.avg_pool2d(_z(m, 2, 3, 6, 6), 2, stride=0),
    "avg2-k0": lambda m: m.nn.functional.avg_pool2d(_z(m, 2, 3, 6, 6), 0, 1),
    "avg2-padneg": lambda m: m.nn.functional.avg_pool2d(_z(m, 2, 3, 6, 6), 2, padding=-1),
    "avg2-padbig": lambda m: m.nn.functional.avg_pool2d(_z(m, 2, 3, 6, 6), 2, padding=2),
    "avg2-ktuple": lambda m: m.nn.functional.avg_pool2d(_z(m, 2, 3, 6, 6), (2, 2, 2)),
    "avg2-div0": lambda m: m.nn.functional.avg_pool2d(_z(m, 2, 3, 6, 6), 2, 0, divisor_override=0),
    "avg2-div-float": lambda m: m.nn.functional.avg_pool2d(_z(m, 2, 3, 6, 6), 2, divisor_override=2.0),
    "avg2-div0-2d": lambda m: m.nn.functional.avg_pool2d(_z(m, 6, 6), 2, divisor_override=0),
    "avg2-2d": lambda m: m.nn.functional.avg_pool2d(_z(m, 6, 6), 2, 0),
    "avg2-1d": lambda m: m.nn.functional.avg_pool2d(_z(m, 6), 2),
    "avg2-0d": lambda m: m.nn.functional.avg_pool2d(m.zeros(()), 2),
    "avg2-5d": lambda m: m.nn.functional.avg_pool2d(_z(m, 2, 2, 2, 6, 6), 9),
    "avg2-emptyh": lambda m: m.nn.functional.avg_pool2d(_z(m, 2, 2, 0, 6), 2),
    "max3-stride0": lambda m: m.nn.functional.max_pool3d(_z(m, 1, 2, 6, 6, 6), 2, stride=0),
    "max3-strideneg": lambda m: m.nn.functional.max_pool3d(_z(m, 1, 2, 6, 6, 6), 2, stride=-1),
    "max3-k-2-0-2": lambda m: m.nn.functional.max_pool3d(_z(m, 1, 2, 6, 6, 6), (2, 0, 2), 1),
    "max3-padneg": lambda m: m.nn.functional.max_pool3d(_z(m, 1, 2, 6, 6, 6), 2, padding=(1, 1, -1)),
    "max3-padbig": lambda m: m.nn.functional.max_pool3d(_z(m, 1, 2, 6, 6, 6), 2, padding=2),
    "max3-dil0": lambda m: m.nn.functional.max_pool3d(_z(m, 1, 2, 6, 6, 6), 2, dilation=0),
    "max3-dil-pad": lambda m: m.nn.functional.max_pool3d(_z(m, 1, 2, 6, 6, 6), 2, 1, 2, 3),
    "max3-kbig": lambda m: m.nn.functional.max_pool3d(_z(m, 1, 2, 6, 6, 6), (7, 2, 2)),
    "max3-ktuple": lambda m: m.nn.functional.max_pool3d(_z(m, 1, 2, 6, 6, 6), (2, 2)),
    "max3-stuple": lambda m: m.nn.functional.max_pool3d(_z(m, 1, 2, 6, 6, 6), 2, (2, 2)),
    "max3-dtuple": lambda m: m.nn.functional.max_pool3d(_z(m, 1, 2, 6, 6, 6), 2, 2, 0, (1, 1)),
    "max3-3d": lambda m: m.nn.functional.max_pool3d(_z(m, 6, 6, 6), 2, 0),
    "max3-emptyc": lambda m: m.nn.functional.max_pool3d(_z(m, 2, 0, 6, 6, 6), 2, 1, 2, 3),
    "max3-emptyw": lambda m: m.nn.functional.max_pool3d(_z(m, 2, 6, 6, 0), 2),
    "max3-stride-before-empty": lambda m: m.nn.functional.max_pool3d(_z(m, 2, 0, 6, 6, 6), 2, -1),
    "avg3-stride0": lambda m: m.nn.functional.avg_pool3d(_z(m, 1, 2, 6, 6, 6), 2, stride=0),
    "avg3-kneg": lambda m: m.nn.functional.avg_pool3d(_z(m, 1, 2, 6, 6, 6), -1, 1),
    "avg3-padneg": lambda m: m.nn.functional.avg_pool3d(_z(m, 1, 2, 6, 6, 6), 2, padding=-1),
    "avg3-padbig": lambda m: m.nn.functional.avg_pool3d(_z(m, 1, 2, 6, 6, 6), 2, padding=2),
    "avg3-kbig": lambda m: m.nn.functional.avg_pool3d(_z(m, 1, 2, 6, 6, 6), 7),
    "avg3-kbig-padded": lambda m: m.nn.functional.avg_pool3d(_z(m, 1, 2, 6, 6, 6), 8, padding=1),
    "avg3-kbig-ceil": lambda m: m.nn.functional.avg_pool3d(_z(m, 1, 2, 6, 6, 6), 7, ceil_mode=True),
    "avg3-ktuple": lambda m: m.nn.functional.avg_pool3d(_z(m, 1, 2, 6, 6, 6), (2, 2)),
    "avg3-ptuple": lambda m: m.nn.functional.avg_pool3d(_z(m, 1, 2, 6, 6, 6), 2, 2, (0, 0)),
    "avg3-div0": lambda m: m.nn.functional.avg_pool3d(_z(m, 1, 2, 6, 6, 6), 2, 0, divisor_override=0),
    "avg3-div0-3d": lambda m: m.nn.functional.avg_pool3d(_z(m, 2, 6, 6), 2, divisor_override=0),
    "avg3-emptyc": lambda m: m.nn.functional.avg_pool3d(_z(m, 2, 0, 3, 3, 3), 4),
    "avg3-unbatched-emptyc": lambda m: m.nn.functional.avg_pool3d(_z(m, 0, 2, 6, 6), 2),
    "MaxPool2d-stride0": lambda m: m.nn.MaxPool2d(2, 0)(_z(m, 2, 3, 6, 6)),
    "AvgPool1d-padbig": lambda m: m.nn.AvgPool1d(2, 1, 2)(_z(m, 2, 3, 6)),
    "MaxPool3d-padneg": lambda m: m.nn.MaxPool3d(2, 1, -1)(_z(m, 2, 3, 6, 6, 6)),
    "lp2-k0": lambda m: m.nn.functional.lp_pool2d(_z(m, 2, 3, 6, 6), 2, 0),
    "lp3-kbig": lambda m: m.nn.functional.lp_pool3d(_z(m, 2, 3, 6, 6, 6), 2, 9),
}


@pytest.mark.parametrize("name", list(POOL_ARG_CASES))
def test_pooling_argument_errors_match_torch(torch, name):
    _same_pool_outcome(torch, POOL_ARG_CASES[name])


_INT_POOLS = {
    "max_pool1d": lambda m, x: m.nn.functional.max_pool1d(x[..., 0, 0], 2),
    "max_pool1d-indices": lambda m, x: m.nn.functional.max_pool1d(x[..., 0, 0], 2, return_indices=True)[0],
    "max_pool2d": lambda m, x: m.nn.functional.max_pool2d(x[..., 0], 2),
    "max_pool3d": lambda m, x: m.nn.functional.max_pool3d(x, 2),
    "avg_pool1d": lambda m, x: m.nn.functional.avg_pool1d(x[..., 0, 0], 2),
    "avg_pool2d": lambda m, x: m.nn.functional.avg_pool2d(x[..., 0], 2, divisor_override=3),
    "avg_pool3d": lambda m, x: m.nn.functional.avg_pool3d(x, 2),
    "lp_pool2d": lambda m, x: m.nn.functional.lp_pool2d(x[..., 0], 2, 2),
    "adaptive_avg_pool1d": lambda m, x: m.nn.functional.adaptive_avg_pool1d(x[..., 0, 0], 3),
    "adaptive_avg_pool1d-global": lambda m, x: m.nn.functional.adaptive_avg_pool1d(x[..., 0, 0], 1),
    "adaptive_avg_pool2d": lambda m, x: m.nn.functional.adaptive_avg_pool2d(x[..., 0], 3),
    "adaptive_avg_pool2d-global": lambda m, x: m.nn.AdaptiveAvgPool2d(1)(x[..., 0]),
    "adaptive_avg_pool3d": lambda m, x: m.nn.functional.adaptive_avg_pool3d(x, (3, 2, 3)),
    "adaptive_avg_pool3d-global": lambda m, x: m.nn.functional.adaptive_avg_pool3d(x, 1),
    "adaptive_max_pool1d": lambda m, x: m.nn.functional.adaptive_max_pool1d(x[..., 0, 0], 3),
    "adaptive_max_pool2d": lambda m, x: m.nn.AdaptiveMaxPool2d(3, return_indices=True)(x[..., 0])[0],
    "adaptive_max_pool3d": lambda m, x: m.nn.functional.adaptive_max_pool3d(x, 2),
}


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool", "float16"])
@pytest.mark.parametrize("name", list(_INT_POOLS))
def test_pooling_of_integers_raises_or_computes_as_torch(torch, name, dtype):
    # PyTorch's CPU kernels: max pooling takes every dtype but bool (1-D without indices: floats only), average
    # pooling floats and int64 (3-D: no half), adaptive pooling floats only; global averages run as mean()
    def fn(m):
        return _INT_POOLS[name](m, _z(m, 2, 3, 6, 6, 6, dtype=getattr(m, dtype)))
    _same_pool_outcome(torch, fn)


ADAPTIVE_ERROR_CASES = {
    "avg2-global-2d": lambda m: m.nn.functional.adaptive_avg_pool2d(_z(m, 4, 4), 1),
    "avg2-global-5d": lambda m: m.nn.functional.adaptive_avg_pool2d(_z(m, 1, 2, 2, 4, 4), 1),
    "avg2-global-1d": lambda m: m.nn.functional.adaptive_avg_pool2d(_z(m, 4), 1),
    "avg2-global-none": lambda m: m.nn.functional.adaptive_avg_pool2d(_z(m, 2, 1, 4, dtype=m.int64), (None, 1)),
    "avg2-negative": lambda m: m.nn.functional.adaptive_avg_pool2d(_z(m, 2, 4, 4), (2, -1)),
    "avg2-len3": lambda m: m.nn.functional.adaptive_avg_pool2d(_z(m, 2, 4, 4), (1, 1, 1)),
    "avg2-len3-5d": lambda m: m.nn.functional.adaptive_avg_pool2d(_z(m, 2, 2, 4, 4, 4), (1, 1, 1)),
    "avg2-len1": lambda m: m.nn.functional.adaptive_avg_pool2d(_z(m, 2, 4, 4), (2,)),
    "avg2-float": lambda m: m.nn.functional.adaptive_avg_pool2d(_z(m, 2, 4, 4), 2.0),
    "avg2-emptyc-3d": lambda m: m.nn.functional.adaptive_avg_pool2d(_z(m, 2, 0, 4), 3),
    "avg2-emptyc-4d": lambda m: m.nn.functional.adaptive_avg_pool2d(_z(m, 2, 0, 4, 4), 3),
    "avg2-emptyh": lambda m: m.nn.functional.adaptive_avg_pool2d(_z(m, 2, 3, 0, 4), 3),
    "avg1-dims": lambda m: m.nn.functional.adaptive_avg_pool1d(_z(m, 4), 3),
    "avg1-len2": lambda m: m.nn.functional.adaptive_avg_pool1d(_z(m, 2, 4), (3, 3)),
    "avg1-negative": lambda m: m.nn.functional.adaptive_avg_pool1d(_z(m, 2, 4), -1),
    "avg1-none": lambda m: m.nn.functional.adaptive_avg_pool1d(_z(m, 2, 4), None),
    "avg1-emptyl": lambda m: m.nn.functional.adaptive_avg_pool1d(_z(m, 2, 3, 0), 2),
    "avg1-emptyc": lambda m: m.nn.functional.adaptive_avg_pool1d(_z(m, 2, 0, 4), 2),
    "avg3-negative": lambda m: m.nn.functional.adaptive_avg_pool3d(_z(m, 2, 4, 4, 4), -1),
    "avg3-len2": lambda m: m.nn.functional.adaptive_avg_pool3d(_z(m, 2, 4, 4, 4), (2, 2)),
    "avg3-emptyc": lambda m: m.nn.functional.adaptive_avg_pool3d(_z(m, 2, 0, 4, 4, 4), 2),
    "max2-dims": lambda m: m.nn.functional.adaptive_max_pool2d(_z(m, 4, 4), 3),
    "max2-emptyc": lambda m: m.nn.functional.adaptive_max_pool2d(_z(m, 2, 0, 4, 4), 3),
    "max2-empty-batch": lambda m: m.nn.functional.adaptive_max_pool2d(_z(m, 0, 2, 4, 4), 3),
    "max2-negative": lambda m: m.nn.functional.adaptive_max_pool2d(_z(m, 2, 4, 4), -1),
    "max2-len1": lambda m: m.nn.functional.adaptive_max_pool2d(_z(m, 2, 4, 4), (2,)),
    "max1-dims": lambda m: m.nn.functional.adaptive_max_pool1d(_z(m, 2, 2, 4, 4), 3),
    "max1-emptyc": lambda m: m.nn.functional.adaptive_max_pool1d(_z(m, 2, 0, 4), 2),
    "max1-negative": lambda m: m.nn.functional.adaptive_max_pool1d(_z(m, 2, 4), -1),
    "max3-dims": lambda m: m.nn.functional.adaptive_max_pool3d(_z(m, 4, 4, 4), 3),
    "max3-len2": lambda m: m.nn.functional.adaptive_max_pool3d(_z(m, 2, 4, 4, 4), (2, 2)),
    "max3-emptyw": lambda m: m.nn.functional.adaptive_max_pool3d(_z(m, 3, 4, 4, 0), 2),
}


@pytest.mark.parametrize("name", list(ADAPTIVE_ERROR_CASES))
def test_adaptive_pooling_checks_match_torch(torch, name):
    _same_pool_outcome(torch, ADAPTIVE_ERROR_CASES[name])


def test_adaptive_avg_pool_global_is_a_mean_with_torchs_grad_fn(torch):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype("float32")
    g = np.random.default_rng(1).standard_normal((2, 3, 1, 1)).astype("float32")
    res = []
    for lib in (ember, torch):
        t = lib.tensor(x, requires_grad=True)
        out = lib.nn.functional.adaptive_avg_pool2d(t, 1)
        (out * lib.tensor(g)).sum().backward()
        res.append((out.detach().numpy(), t.grad.numpy(), out.grad_fn.name(),
                    lib.nn.functional.adaptive_avg_pool1d(t[0], 1).grad_fn.name()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-6)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-6)
    assert res[0][2:] == res[1][2:]


def test_adaptive_max_pool_empty_batch_backward(torch):
    for lib in (ember, torch):
        x = lib.zeros(0, 2, 4, 4, requires_grad=True)
        vals, idx = lib.nn.functional.adaptive_max_pool2d(x, 3, return_indices=True)
        vals.sum().backward()
        assert tuple(vals.shape) == tuple(idx.shape) == (0, 2, 3, 3) and tuple(x.grad.shape) == (0, 2, 4, 4)


def test_max_unpool_invalid_index_messages_match_torch():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    cases = [("max_unpool1d", (1, 1, 4), [0, 9, 2, 3]), ("max_unpool2d", (1, 1, 2, 2), [0, 1, 2, 99]),
             ("max_unpool3d", (1, 1, 1, 2, 2), [0, 1, 2, 99])]
    for name, shape, idx in cases:
        x = np.ones(shape, dtype=np.float32)
        i = np.array(idx).reshape(shape)
        msgs = []
        for lib, fn in ((torch, getattr(tF, name)), (ember, getattr(ember.nn.functional, name))):
            with pytest.raises(RuntimeError) as info:
                fn(lib.tensor(x), lib.tensor(i), 2)
            msgs.append(str(info.value))
        assert msgs[0] == msgs[1]


@pytest.mark.parametrize("mode,nd", [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 1),
                                     ("nearest-exact", 2), ("nearest-exact", 3), ("linear", 1), ("bilinear", 2),
                                     ("trilinear", 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_interpolate_scale_factor_keeping_a_size_matches_torch(torch, mode, nd, dtype):
    # int(6 * 1.15) == 6: torch still samples at 1 / 1.15 there (nearest 1-D / 3-D and nearest-exact), but copies
    # in its 2-D nearest and linear kernels
    shape = (1, 2, 6, 7, 5)[:nd + 2]
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    to = torch.nn.functional.interpolate(tx, scale_factor=1.15, mode=mode)
    eo = ember.nn.functional.interpolate(ex, scale_factor=1.15, mode=mode)
    assert tuple(eo.shape) == tuple(to.shape)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(1).standard_normal(tuple(to.shape)).astype(dtype)
    (to * torch.tensor(g)).sum().backward()
    (eo * ember.tensor(g)).sum().backward()
    if mode == "nearest" and nd != 2:
        # torch 2.13's nearest 1-D / 3-D backward kernels still copy the gradient of a kept size, which is not the
        # gradient of their own forward; ember's is: scatter g back to the source pixels the forward picked
        src = torch.nn.functional.interpolate(torch.arange(float(x.size), dtype=torch.float64).reshape(shape),
                                              scale_factor=1.15, mode=mode).numpy().astype(np.int64)
        want = np.zeros(x.size)
        np.add.at(want, src.reshape(-1), g.reshape(-1))
        np.testing.assert_allclose(ex.grad.numpy().reshape(-1), want, rtol=1e-5, atol=1e-5)
    else:
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_max_unpool_output_size_message_matches_torch(torch):
    # the message echoes output_size's spatial part as given (tuple / list) and names the failing dimension
    cases = [(2, {}, (1, 1, 2, 2), (9, 9)), (2, {}, (1, 1, 2, 2), [9, 9]), (2, {}, (1, 1, 2, 3), (4, 9)),
             (2, dict(stride=(2, 3)), (1, 1, 2, 3), (1, 1, 4, 19)), (1, {}, (1, 1, 2), (9,))]
    for nd, kw, shape, size in cases:
        msgs = []
        for lib in (torch, ember):
            unpool = getattr(lib.nn, f"MaxUnpool{nd}d")(2, **kw)
            with pytest.raises(ValueError) as info:
                unpool(lib.zeros(*shape), lib.zeros(*shape, dtype=lib.long), output_size=size)
            msgs.append(str(info.value))
        assert msgs[0] == msgs[1]
