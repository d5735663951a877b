"""ember.vision.ops RoI pooling (roi_align, roi_pool, ps_roi_align, ps_roi_pool, their modules and
MultiScaleRoIAlign) side by side with torchvision.

torchvision's compiled RoI kernels do not load here. roi_align is compared with torchvision's pure-Python
``_roi_align`` (values and gradients through torch autograd) on boxes whose samples lie inside ``[-1, H] x [-1, W]``:
outside that band the compiled kernels read 0 while the Python fallback clamps, and ember follows the kernels
(checked against the loop reference below). roi_pool and the position-sensitive ops are checked against small
torch loop references written from the kernels' documented semantics (geometry in the input's dtype, as the
kernels compute), and every op with float64 finite differences."""

import importlib
import math

import numpy as np
import pytest

import ember
from ember.vision import ops

roi_align_module = importlib.import_module("ember.vision.ops.roi_align")  # (the package exports the function)

FLT_MAX = float(np.finfo(np.float32).max)


# ----------------------------------------------------------------------------- torch loop references

def _ref_bilinear(img, y, x):
    """The kernels' bilinear_interpolate of (C, H, W) ``img`` at (y, x): 0 outside [-1, H] x [-1, W]."""
    _, h, w = img.shape
    if y < -1.0 or y > h or x < -1.0 or x > w:
        return img[:, 0, 0] * 0
    y, x = max(y, 0), max(x, 0)
    yl, xl = int(y), int(x)
    if yl >= h - 1:
        yl = yh = h - 1
        y = type(y)(yl)
    else:
        yh = yl + 1
    if xl >= w - 1:
        xl = xh = w - 1
        x = type(x)(xl)
    else:
        xh = xl + 1
    ly, lx = float(y - yl), float(x - xl)
    hy, hx = 1 - ly, 1 - lx
    return hy * hx * img[:, yl, xl] + hy * lx * img[:, yl, xh] + ly * hx * img[:, yh, xl] + ly * lx * img[:, yh, xh]


def _ref_align(torch, x, rois, ph, pw, scale, sr, aligned, ps):
    """RoI Align (``ps=False``) or PS RoI Align (``ps=True``) with loops; sample positions in the input's dtype."""
    dt = np.float32 if x.dtype == torch.float32 else np.float64
    k, c = rois.shape[0], x.shape[1]
    c_out = c // (ph * pw) if ps else c
    outs = []
    for r in rois.tolist():
        img = x[int(r[0])]
        off = dt(0.5) if aligned or ps else dt(0)
        sx, sy, ex, ey = [dt(v) * dt(scale) - off for v in r[1:]]
        rw, rh = ex - sx, ey - sy
        if not aligned and not ps:
            rw, rh = max(rw, dt(1)), max(rh, dt(1))
        bh, bw = rh / dt(ph), rw / dt(pw)
        gh = sr if sr > 0 else int(math.ceil(rh / dt(ph)))
        gw = sr if sr > 0 else int(math.ceil(rw / dt(pw)))
        count = gh * gw if ps else max(gh * gw, 1)
        bins = []
        for p in range(ph):
            for q in range(pw):
                chans = [(co * ph + p) * pw + q for co in range(c_out)] if ps else list(range(c))
                sub = img[chans]
                acc = sub[:, 0, 0] * 0
                for iy in range(gh):
                    y = sy + dt(p) * bh + dt(iy + 0.5) * bh / dt(gh)
                    for ix in range(gw):
                        acc = acc + _ref_bilinear(sub, y, sx + dt(q) * bw + dt(ix + 0.5) * bw / dt(gw))
                # no samples (PS: a zero grid): the kernels' 0 / 0, with no gradient
                bins.append(acc / count if count else acc * 0 + math.nan)
        outs.append(torch.stack(bins, 1).reshape(c_out, ph, pw))
    return torch.stack(outs) if k else x.new_zeros((0, c_out, ph, pw))


def _round_half_away(v):
    return float(np.sign(v) * np.floor(np.abs(v) + 0.5))


def _ref_pool(torch, x, rois, ph, pw, scale, ps):
    """RoI Pool (max, ``ps=False``) or PS RoI Pool (average, ``ps=True``) with loops."""
    dt = np.float32 if x.dtype == torch.float32 else np.float64
    k, c = rois.shape[0], x.shape[1]
    h, w = x.shape[2:]
    c_out = c // (ph * pw) if ps else c
    extra, hi_h, hi_w = (0, h - 1, w - 1) if ps else (1, h, w)
    outs = []
    for r in rois.tolist():
        img = x[int(r[0])]
        sx, sy, ex, ey = [int(_round_half_away(dt(v) * dt(scale))) for v in r[1:]]
        bh = dt(max(ey - sy + extra, 1)) / dt(ph)
        bw = dt(max(ex - sx + extra, 1)) / dt(pw)
        bins = []
        for p in range(ph):
            hs = min(max(int(np.floor(dt(p) * bh)) + sy, 0), hi_h)
            he = min(max(int(np.ceil(dt(p + 1) * bh)) + sy, 0), hi_h)
            for q in range(pw):
                ws = min(max(int(np.floor(dt(q) * bw)) + sx, 0), hi_w)
                we = min(max(int(np.ceil(dt(q + 1) * bw)) + sx, 0), hi_w)
                chans = [(co * ph + p) * pw + q for co in range(c_out)] if ps else list(range(c))
                if he <= hs or we <= ws:
                    bins.append(img[chans, 0, 0] * 0)
                    continue
                win = img[chans, hs:he, ws:we].reshape(len(chans), -1)
                if ps:
                    bins.append(win.sum(1) / ((he - hs) * (we - ws)))
                else:  # the first maximum gets the gradient
                    bins.append(win.gather(1, win.argmax(1, keepdim=True))[:, 0])
        outs.append(torch.stack(bins, 1).reshape(c_out, ph, pw))
    return torch.stack(outs) if k else x.new_zeros((0, c_out, ph, pw))


# ----------------------------------------------------------------------------- helpers

def rand_rois(rng, k, n_img, extent, lo=-0.5, min_size=0.0, quantum=None):
    """``(k, 5)`` float64 rois with corners in ``[lo, extent]`` (optionally multiples of ``quantum``)."""
    xy = rng.uniform(lo, extent * 0.7, (k, 2))
    wh = rng.uniform(min_size, extent * 0.45, (k, 2))
    b = np.concatenate([xy, np.minimum(xy + wh, extent)], 1)
    if quantum:
        b = np.round(b / quantum) * quantum
    return np.concatenate([rng.integers(0, n_img, (k, 1)), b], 1)


def run_both(torch, ours, theirs, x, seed=0):
    """(ember output, torch output, ember grad, torch grad) under the same random upstream gradient."""
    xe = ember.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    oe, ot = ours(xe), theirs(xt)
    up = np.random.default_rng(seed).standard_normal(tuple(ot.shape)).astype(x.dtype)
    oe.backward(ember.tensor(up))
    ot.backward(torch.tensor(up))
    return oe, ot, xe.grad, xt.grad


def assert_close(e, t, dtype, equal_nan=False):
    t, e = t.detach().numpy(), e.detach().numpy()
    assert e.dtype == t.dtype and e.shape == t.shape
    tol = 2e-5 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(e, t, rtol=tol, atol=tol, equal_nan=equal_nan)


def torch_roi_align(torchvision):
    from torchvision.ops.roi_align import _roi_align

    def fn(x, rois, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
        ph, pw = (output_size, output_size) if isinstance(output_size, int) else output_size
        return _roi_align(x, rois, spatial_scale, ph, pw, sampling_ratio, aligned)
    return fn


# ----------------------------------------------------------------------------- roi_align

@pytest.mark.parametrize("dtype,sampling_ratio,aligned,scale", [
    (np.float32, -1, False, 1.0), (np.float64, 2, False, 0.5), (np.float32, 0, True, 0.5), (np.float64, 3, True, 1.0),
])
def test_roi_align_matches_torchvision(torch, torchvision, dtype, sampling_ratio, aligned, scale):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 9, 11)).astype(dtype)
    rois = rand_rois(rng, 12, 2, 9 / scale).astype(dtype)
    ref = torch_roi_align(torchvision)
    out_e, out_t, g_e, g_t = run_both(
        torch, lambda t: ops.roi_align(t, ember.tensor(rois), (3, 4), scale, sampling_ratio, aligned),
        lambda t: ref(t, torch.tensor(rois), (3, 4), scale, sampling_ratio, aligned), x)
    assert_close(out_e, out_t, dtype)
    assert_close(g_e, g_t, dtype)


def test_roi_align_box_list_and_module(torch, torchvision):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 2, 8, 8)).astype(np.float32)
    boxes = [rand_rois(rng, n, 1, 16)[:, 1:].astype(np.float32) for n in (2, 0, 3)]
    theirs = torch_roi_align(torchvision)(
        torch.tensor(x), torchvision.ops._utils.convert_boxes_to_roi_format([torch.tensor(b) for b in boxes]), 2,
        0.5, 2, True)
    ours = ops.roi_align(ember.tensor(x), [ember.tensor(b) for b in boxes], 2, 0.5, 2, True)
    assert_close(ours, theirs, np.float32)
    ours_tuple = ops.roi_align(ember.tensor(x), tuple(ember.tensor(b) for b in boxes), [2, 2], 0.5, 2, True)
    np.testing.assert_array_equal(ours_tuple.numpy(), ours.numpy())
    module = ops.RoIAlign(2, 0.5, 2, aligned=True)
    assert repr(module) == repr(torchvision.ops.RoIAlign(2, 0.5, 2, aligned=True))
    assert repr(ops.RoIAlign((3, 4), 1 / 16, -1)) == repr(torchvision.ops.RoIAlign((3, 4), 1 / 16, -1))
    np.testing.assert_array_equal(module(ember.tensor(x), [ember.tensor(b) for b in boxes]).numpy(), ours.numpy())


@pytest.mark.parametrize("aligned", [False, True])
def test_roi_align_outside_the_map_and_degenerate(torch, aligned):
    # samples beyond [-1, H] read 0 (the compiled kernels); zero-size aligned boxes give 0
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 6, 7))
    rois = np.concatenate([rand_rois(rng, 8, 1, 7, lo=-6, min_size=3) * [1, 1.5, 1.5, 1.5, 1.5],
                           [[0, 2, 2, 2, 2], [0, 3, 1, 2.5, 4], [0, -9, -9, -3, -2], [0, 8, 9, 12, 14]]])
    out_e, out_t, g_e, g_t = run_both(
        torch, lambda t: ops.roi_align(t, ember.tensor(rois), 3, 1.0, -1, aligned),
        lambda t: _ref_align(torch, t, torch.tensor(rois), 3, 3, 1.0, -1, aligned, False), x)
    assert_close(out_e, out_t, np.float64)
    assert_close(g_e, g_t, np.float64)
    assert np.abs(out_e.detach().numpy()[-2:]).max() == 0  # wholly outside the map


def test_roi_align_chunks_and_groups(monkeypatch):
    # chunked gathers (a tiny budget) and adaptive grids give the same values as one batch
    rng = np.random.default_rng(4)
    x = ember.tensor(rng.standard_normal((2, 3, 12, 12)).astype(np.float32), requires_grad=True)
    rois = ember.tensor(rand_rois(rng, 20, 2, 24).astype(np.float32))
    full = ops.roi_align(x, rois, 3, 0.5, -1)
    (g_full,) = ember.autograd.grad(full.sum(), x)
    monkeypatch.setattr(roi_align_module, "_BUDGET", 1)
    small = ops.roi_align(x, rois, 3, 0.5, -1)
    (g_small,) = ember.autograd.grad(small.sum(), x)
    np.testing.assert_allclose(small.detach().numpy(), full.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(g_small.numpy(), g_full.numpy(), rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------- roi_pool and the PS ops

POOL_CASES = [("roi_pool", False), ("ps_roi_pool", True)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,ps", POOL_CASES)
@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_pool_ops_match_reference(torch, dtype, name, ps, scale):
    rng = np.random.default_rng(5)
    c = 8 if ps else 3
    x = rng.integers(-4, 5, (2, c, 9, 10)).astype(dtype)  # ties: the first maximum wins
    x += rng.uniform(0, 1e-3, x.shape).astype(dtype) * (rng.random(x.shape) < 0.5)
    # corners on a 0.25 grid: x.5 values after scaling test the rounding half away from zero
    rois = np.concatenate([rand_rois(rng, 10, 2, 10 / scale, lo=-2, quantum=0.25),
                           [[0, -1.0, -3.0, -1.0, 2.0], [1, 30, 30, 40, 40], [1, 4, 4, 3, 3]]]).astype(dtype)
    out_e, out_t, g_e, g_t = run_both(
        torch, lambda t: getattr(ops, name)(t, ember.tensor(rois), (2, 2), scale),
        lambda t: _ref_pool(torch, t, torch.tensor(rois), 2, 2, scale, ps), x)
    assert_close(out_e, out_t, dtype)
    assert_close(g_e, g_t, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sampling_ratio,scale", [(-1, 1.0), (2, 0.5)])
def test_ps_roi_align_matches_reference(torch, dtype, sampling_ratio, scale):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 12, 8, 9)).astype(dtype)
    rois = np.concatenate([rand_rois(rng, 8, 2, 9 / scale, lo=-3, min_size=0.2),
                           [[1, 2, 2, 2, 5], [0, 5, 5, 4, 4]]]).astype(dtype)
    out_e, out_t, g_e, g_t = run_both(
        torch, lambda t: ops.ps_roi_align(t, ember.tensor(rois), (2, 3), scale, sampling_ratio),
        lambda t: _ref_align(torch, t, torch.tensor(rois), 2, 3, scale, sampling_ratio, True, True), x)
    # (a zero-width box with an adaptive grid has no samples: 0 / 0, as the kernel)
    assert_close(out_e, out_t, dtype, equal_nan=True)
    assert np.isnan(out_e.detach().numpy()).any() == (sampling_ratio <= 0)
    assert_close(g_e, g_t, dtype)


def test_roi_pool_extremes():
    # NaN never wins; a bin of values <= -FLT_MAX gives -FLT_MAX and no gradient; an empty bin gives 0
    x = ember.tensor([[[[np.nan, 1.0, -np.inf], [2.0, np.nan, -np.inf]]]], requires_grad=True)
    out = ops.roi_pool(x, ember.tensor([[0.0, 0.0, 0.0, 2.0, 1.0]]), (1, 3))
    np.testing.assert_array_equal(out.detach().numpy().ravel(), [2.0, 1.0, -FLT_MAX])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0, 1, 0], [1, 0, 0]]]])
    empty = ops.roi_pool(x, ember.tensor([[0.0, 5.0, 5.0, 6.0, 6.0]]), 2)
    np.testing.assert_array_equal(empty.detach().numpy(), np.zeros((1, 1, 2, 2)))


@pytest.mark.parametrize("name,kwargs,c", [("roi_align", {"sampling_ratio": 2}, 2),
                                           ("roi_align", {"sampling_ratio": -1, "aligned": True}, 2),
                                           ("roi_pool", {}, 2), ("ps_roi_align", {"sampling_ratio": -1}, 8),
                                           ("ps_roi_pool", {}, 8)])
def test_gradcheck_float64(name, kwargs, c):
    rng = np.random.default_rng(7)
    x = ember.tensor(rng.standard_normal((2, c, 5, 6)), requires_grad=True)
    rois = ember.tensor([[0, 0.3, 0.6, 4.2, 3.9], [1, 1.2, -0.4, 5.1, 4.3], [1, 2.5, 2.5, 3.5, 3.5]],
                        dtype=ember.float64)
    fn = getattr(ops, name)
    assert ember.autograd.gradcheck(lambda t: fn(t, rois, 2, 1.0, **kwargs), (x,), eps=1e-6, atol=1e-6)


def test_double_backward_of_linear_ops():
    # roi_align / ps_roi_* are linear in the input: their gradient differentiates again (to zero curvature)
    x = ember.randn(1, 8, 6, 6, dtype=ember.float64, requires_grad=True)
    rois = ember.tensor([[0, 0.5, 0.5, 4.5, 5.0]], dtype=ember.float64)
    for fn in (lambda t: ops.roi_align(t, rois, 2, 1.0, 2), lambda t: ops.ps_roi_align(t, rois, 2, 1.0, 2),
               lambda t: ops.ps_roi_pool(t, rois, 2)):
        assert ember.autograd.gradgradcheck(fn, (x,))


# ----------------------------------------------------------------------------- shapes, dtypes, errors

@pytest.mark.parametrize("name,c,c_out", [("roi_align", 3, 3), ("roi_pool", 3, 3), ("ps_roi_align", 12, 2),
                                          ("ps_roi_pool", 12, 2)])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_empty_boxes(name, c, c_out, dtype):
    x = ember.randn(2, c, 5, 5, dtype=dtype, requires_grad=True)
    fn = getattr(ops, name)
    for boxes in (ember.zeros(0, 5, dtype=dtype), [ember.zeros(0, 4, dtype=dtype)] * 2):
        out = fn(x, boxes, (2, 3))
        assert out.shape == (0, c_out, 2, 3) and out.dtype == dtype
        out.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), 0)


def test_box_shape_errors_match_torchvision(torch, torchvision):
    check = torchvision.ops._utils.check_roi_boxes_shape
    cases = [(ember.zeros(3, 4), torch.zeros(3, 4)), ([ember.zeros(2, 5)], [torch.zeros(2, 5)]), (3, 3),
             ([ember.zeros(4)], [torch.zeros(4)]), (ember.zeros(5), torch.zeros(5))]
    for ours_boxes, their_boxes in cases:
        with pytest.raises(Exception) as theirs:
            check(their_boxes)
        for name in ("roi_align", "roi_pool", "ps_roi_align", "ps_roi_pool"):
            with pytest.raises(type(theirs.value)) as ours:
                getattr(ops, name)(ember.zeros(1, 4, 4, 4), ours_boxes, 2)
            assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError) as theirs:
        torchvision.ops._utils.convert_boxes_to_roi_format([])
    with pytest.raises(ValueError) as ours:
        ops.roi_align(ember.zeros(1, 4, 4, 4), [], 2)
    assert str(ours.value) == str(theirs.value)


def test_dtype_and_channel_errors():
    # the compiled kernels' messages (torchvision's CPU kernels require one dtype for the input and the rois)
    x = ember.zeros(1, 4, 4, 4)
    rois = ember.tensor([[0, 0, 0, 2, 2]], dtype=ember.float64)
    for name in ("roi_align", "roi_pool", "ps_roi_align", "ps_roi_pool"):
        with pytest.raises(RuntimeError, match=(
                r"^Expected tensor for argument #1 'input' to have the same type as tensor for argument #2 'rois'; "
                rf"but type CPUFloatType does not equal CPUDoubleType \(while checking arguments for "
                rf"{name}_forward_kernel\)$")):
            getattr(ops, name)(x, rois, 2)
    for name in ("ps_roi_align", "ps_roi_pool"):
        with pytest.raises(RuntimeError, match="^input channels must be a multiple of pooling height \\* pooling "
                                               "width$"):
            getattr(ops, name)(ember.zeros(1, 6, 4, 4), ember.tensor([[0.0, 0, 0, 2, 2]]), 2)


def test_module_reprs_and_forward(torchvision):
    rois = ember.tensor([[0, 0.5, 0.5, 6.0, 5.0]])
    x = ember.randn(1, 8, 8, 8)
    pairs = [(ops.RoIPool(3, 0.25), torchvision.ops.RoIPool(3, 0.25), ops.roi_pool(x, rois, 3, 0.25)),
             (ops.PSRoIAlign(2, 0.5, 2), torchvision.ops.PSRoIAlign(2, 0.5, 2), ops.ps_roi_align(x, rois, 2, 0.5, 2)),
             (ops.PSRoIPool((2, 2), 1.0), torchvision.ops.PSRoIPool((2, 2), 1.0), ops.ps_roi_pool(x, rois, 2))]
    for ours, theirs, expected in pairs:
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours(x, rois).numpy(), expected.numpy())


# ----------------------------------------------------------------------------- MultiScaleRoIAlign

@pytest.fixture
def tv_poolers(torchvision, monkeypatch):
    """torchvision.ops.poolers with its roi_align running torchvision's pure-Python version."""
    monkeypatch.setattr(torchvision.ops.poolers, "roi_align", torch_roi_align(torchvision))
    return torchvision.ops.poolers


@pytest.mark.parametrize("sampling_ratio,output_size", [(2, 3), (-1, [2, 3])])
def test_multiscale_roi_align(torch, tv_poolers, sampling_ratio, output_size):
    rng = np.random.default_rng(8)
    names = ["p2", "p3", "p4"]
    shapes = {"p2": (2, 3, 16, 20), "p3": (2, 3, 8, 10), "p4": (2, 3, 4, 5), "p5": (2, 3, 2, 3)}
    feats = {k: rng.standard_normal(s) for k, s in shapes.items()}
    image_shapes = [(60, 80), (64, 75)]
    boxes = []
    for n, (h, w) in zip((5, 4), image_shapes):  # sizes across the levels (canonical_scale 16 below), inside
        xy = rng.uniform(0, 0.5, (n, 2)) * (w, h)
        boxes.append(np.concatenate([xy, xy + rng.uniform(0.02, 0.5, (n, 2)) * (w, h)], 1))
    kw = {"canonical_scale": 16, "canonical_level": 3}
    ours = ops.MultiScaleRoIAlign(names, output_size, sampling_ratio, **kw)
    theirs = tv_poolers.MultiScaleRoIAlign(names, output_size, sampling_ratio, **kw)
    assert repr(ours) == repr(theirs)
    fe = {k: ember.tensor(v, requires_grad=True) for k, v in feats.items()}
    ft = {k: torch.tensor(v, requires_grad=True) for k, v in feats.items()}
    out_e = ours(fe, [ember.tensor(b) for b in boxes], image_shapes)
    out_t = theirs(ft, [torch.tensor(b) for b in boxes], image_shapes)
    assert ours.scales == theirs.scales
    assert vars(ours.map_levels) == vars(theirs.map_levels)
    levels = ours.map_levels([ember.tensor(b) for b in boxes])
    np.testing.assert_array_equal(levels.numpy(), theirs.map_levels([torch.tensor(b) for b in boxes]).numpy())
    assert len(set(levels.tolist())) == 3  # every level is used
    assert_close(out_e, out_t, np.float64)
    up = rng.standard_normal(tuple(out_t.shape))
    out_e.backward(ember.tensor(up))
    out_t.backward(torch.tensor(up))
    for k in names:
        assert_close(fe[k].grad, ft[k].grad, np.float64)
    assert fe["p5"].grad is None
    # the scales are kept from the first call
    again = ours(fe, [ember.tensor(b) for b in boxes], [(30, 40)])
    np.testing.assert_allclose(again.detach().numpy(), out_e.detach().numpy())


def test_multiscale_roi_align_single_level_and_errors(torch, tv_poolers):
    x = np.random.default_rng(9).standard_normal((1, 2, 10, 10)).astype(np.float32)
    boxes = np.array([[1, 2, 30, 25], [0, 0, 39, 39]], dtype=np.float32)
    ours = ops.MultiScaleRoIAlign(["0"], 2, 2)
    theirs = tv_poolers.MultiScaleRoIAlign(["0"], 2, 2)
    out_e = ours({"0": ember.tensor(x)}, [ember.tensor(boxes)], [(40, 40)])
    out_t = theirs({"0": torch.tensor(x)}, [torch.tensor(boxes)], [(40, 40)])
    assert ours.scales == theirs.scales == [0.25]
    assert_close(out_e, out_t, np.float32)
    fresh = ops.MultiScaleRoIAlign(["0"], 2, 2)
    with pytest.raises(ValueError, match="^images list should not be empty$"):
        fresh({"0": ember.tensor(x)}, [ember.tensor(boxes)], [])
    with pytest.raises(ValueError, match=r"^torch.cat\(\): expected a non-empty list of Tensors$"):
        ours({"0": ember.tensor(x)}, [], [(40, 40)])
    empty = ours({"0": ember.tensor(x)}, [ember.zeros(0, 4)], [(40, 40)])
    assert empty.shape == (0, 2, 2, 2)
