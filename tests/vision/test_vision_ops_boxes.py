"""ember.vision.ops box operations and detection losses, side by side with torchvision.ops (values, gradients under
a random upstream gradient, dtypes, empty inputs, error messages). torchvision's nms needs compiled kernels that do
not load here: nms/batched_nms are checked against a greedy O(n^2) reference written below."""

import numpy as np
import pytest

import ember
from ember.vision import ops

IOU_FNS = ["box_iou", "generalized_box_iou", "distance_box_iou", "complete_box_iou"]
LOSS_FNS = ["generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss"]


def rand_boxes(rng, n, lead=(), dtype=np.float32, scale=10.0):
    xy = rng.uniform(0, scale, (*lead, n, 2))
    wh = rng.uniform(0.5, scale / 2, (*lead, n, 2))
    return np.concatenate([xy, xy + wh], -1).astype(dtype)


def special_boxes(dtype=np.float32):
    """Identical, nested, touching, disjoint and shared-edge boxes: ties in every min/max."""
    return (np.array([[0, 0, 4, 4], [0, 0, 4, 4], [1, 1, 3, 3], [4, 0, 6, 4], [10, 10, 12, 15], [0, 0, 4, 2]],
                     dtype=dtype),
            np.array([[0, 0, 4, 4], [2, 2, 6, 6], [4, 4, 8, 8], [0, 0, 4, 2], [20, 0, 21, 1]], dtype=dtype))


def run_both(torch, tv_fn, em_fn, arrays, grad=True, seed=0, **kwargs):
    """(ember output, torch output, ember grads, torch grads) for the same inputs and upstream gradient."""
    ins_e = [ember.tensor(a, requires_grad=grad) for a in arrays]
    ins_t = [torch.tensor(a, requires_grad=grad) for a in arrays]
    out_e, out_t = em_fn(*ins_e, **kwargs), tv_fn(*ins_t, **kwargs)
    if not grad:
        return out_e, out_t, None, None
    up = np.random.default_rng(seed).standard_normal(tuple(out_t.shape)).astype(out_t.detach().numpy().dtype)
    out_e.backward(ember.tensor(up))
    out_t.backward(torch.tensor(up))
    return out_e, out_t, [t.grad for t in ins_e], [t.grad for t in ins_t]


def assert_same(e, t, rtol=1e-6, atol=1e-6):
    t = t.detach()
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.numpy(), rtol=rtol, atol=atol)


def same_error(fn_ours, fn_theirs, exc):
    with pytest.raises(exc) as ours:
        fn_ours()
    with pytest.raises(exc) as theirs:
        fn_theirs()
    assert str(ours.value) == str(theirs.value)


# ----------------------------------------------------------------------------- IoU family

@pytest.mark.parametrize("name", IOU_FNS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", ["random", "special", "batched"])
def test_iou_family_values_and_grads(torch, torchvision, name, dtype, case):
    rng = np.random.default_rng(1)
    if case == "random":
        arrays = (rand_boxes(rng, 5, dtype=dtype), rand_boxes(rng, 4, dtype=dtype))
    elif case == "special":
        arrays = special_boxes(dtype)
    else:
        arrays = (rand_boxes(rng, 3, (2,), dtype), rand_boxes(rng, 4, (2,), dtype))
    e, t, ge, gt = run_both(torch, getattr(torchvision.ops, name), getattr(ops, name), arrays)
    assert_same(e, t)
    for a, b in zip(ge, gt):
        assert_same(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", IOU_FNS + ["box_area"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint8", "float16"])
def test_iou_family_dtypes(torch, torchvision, name, dtype):
    a, b = special_boxes(np.float64)
    a, b = a.astype(dtype), b.astype(dtype)
    if name == "box_area":
        e, t = ops.box_area(ember.tensor(a)), torchvision.ops.box_area(torch.tensor(a))
    else:
        e, t, _, _ = run_both(torch, getattr(torchvision.ops, name), getattr(ops, name), (a, b), grad=False)
    assert_same(e, t)


@pytest.mark.parametrize("fmt", ["xyxy", "xywh", "cxcywh"])
def test_box_iou_and_area_formats(torch, torchvision, fmt):
    rng = np.random.default_rng(2)
    a, b = rand_boxes(rng, 4), rand_boxes(rng, 3)
    a[:, 2:] -= a[:, :2]  # read as xywh / cxcywh these are valid boxes too
    b[:, 2:] -= b[:, :2]
    e, t, ge, gt = run_both(torch, torchvision.ops.box_iou, ops.box_iou, (a, b), fmt=fmt)
    assert_same(e, t)
    for x, y in zip(ge, gt):
        assert_same(x, y, rtol=1e-5, atol=1e-5)
    assert_same(ops.box_area(ember.tensor(a), fmt=fmt), torchvision.ops.box_area(torch.tensor(a), fmt=fmt))


def test_iou_family_empty_and_errors(torch, torchvision):
    empty, three = np.zeros((0, 4), np.float32), rand_boxes(np.random.default_rng(3), 3)
    for name in IOU_FNS:
        for a, b in ((empty, three), (three, empty), (empty, empty)):
            e, t, _, _ = run_both(torch, getattr(torchvision.ops, name), getattr(ops, name), (a, b), grad=False)
            assert_same(e, t)
    x = ember.tensor(three)
    same_error(lambda: ops.box_iou(x, x, fmt="xxyy"), lambda: torchvision.ops.box_iou(torch.tensor(three),
                                                                                       torch.tensor(three),
                                                                                       fmt="xxyy"), ValueError)
    same_error(lambda: ops.box_area(x, fmt="cxcywhr"), lambda: torchvision.ops.box_area(torch.tensor(three),
                                                                                         fmt="cxcywhr"), ValueError)
    with pytest.raises(NotImplementedError, match="rotated"):
        ops.box_iou(ember.zeros(2, 5), ember.zeros(2, 5), fmt="cxcywhr")


@pytest.mark.parametrize("name", ["box_iou", "generalized_box_iou", "distance_box_iou"])
def test_iou_family_gradcheck(name):
    rng = np.random.default_rng(4)
    a = ember.tensor(rand_boxes(rng, 3, dtype=np.float64), requires_grad=True)
    b = ember.tensor(rand_boxes(rng, 2, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(getattr(ops, name), (a, b))


def test_complete_box_iou_alpha_is_constant(torch, torchvision):
    # CIoU's alpha is computed without a graph: its gradient is not the finite difference, but torchvision's
    rng = np.random.default_rng(5)
    arrays = (rand_boxes(rng, 3, dtype=np.float64), rand_boxes(rng, 2, dtype=np.float64))
    e, t, ge, gt = run_both(torch, torchvision.ops.complete_box_iou, ops.complete_box_iou, arrays, eps=1e-3)
    assert_same(e, t, rtol=1e-12, atol=1e-12)
    for x, y in zip(ge, gt):
        assert_same(x, y, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- conversions, clipping, filtering

AXIS, ROTATED = ["xyxy", "xywh", "cxcywh"], ["xywhr", "cxcywhr", "xyxyxyxy"]


def rotated_boxes(fmt, dtype, rng, torch=None, torchvision=None):
    base = np.concatenate([rng.uniform(5, 20, (4, 2)), rng.uniform(1, 8, (4, 2)), rng.uniform(-90, 90, (4, 1))], 1)
    if fmt == "xyxyxyxy":  # valid corner sets, built by the reference itself
        base = torchvision.ops.box_convert(torch.tensor(base), "xywhr", "xyxyxyxy").numpy()
    return base.astype(dtype)


@pytest.mark.parametrize("family", ["axis", "rotated"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_box_convert_all_pairs(torch, torchvision, family, dtype):
    rng = np.random.default_rng(6)
    fmts = AXIS if family == "axis" else ROTATED
    for src in fmts:
        boxes = (rand_boxes(rng, 4, dtype=np.float64, scale=40) if family == "axis"
                 else rotated_boxes(src, np.float64, rng, torch, torchvision)).astype(dtype)
        for dst in fmts:
            grad = dtype != "int64"
            e, t, ge, gt = run_both(torch, torchvision.ops.box_convert, ops.box_convert, (boxes,), grad=grad,
                                    in_fmt=src, out_fmt=dst)
            tol = 1e-4 if dtype == "float32" else 1e-9
            assert_same(e, t, rtol=tol, atol=tol)
            if grad:
                assert_same(ge[0], gt[0], rtol=tol, atol=tol)
    x = ember.tensor(rand_boxes(rng, 2))
    y = ops.box_convert(x, "xyxy", "xyxy")
    assert y is not x and np.array_equal(y.numpy(), x.numpy())


def test_box_convert_errors_and_gradcheck(torch, torchvision):
    x = ember.zeros(2, 4)
    t = torch.zeros(2, 4)
    same_error(lambda: ops.box_convert(x, "xyxy", "abc"), lambda: torchvision.ops.box_convert(t, "xyxy", "abc"),
               ValueError)
    same_error(lambda: ops.box_convert(x, "xyxy", "xywhr"), lambda: torchvision.ops.box_convert(t, "xyxy", "xywhr"),
               NotImplementedError)
    b = ember.tensor(rand_boxes(np.random.default_rng(7), 3, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(lambda z: ops.box_convert(z, "xywh", "cxcywh"), (b,))
    r = ember.tensor(rotated_boxes("cxcywhr", np.float64, np.random.default_rng(8)), requires_grad=True)
    assert ember.autograd.gradcheck(lambda z: ops.box_convert(z, "cxcywhr", "xyxyxyxy"), (r,))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_clip_boxes_to_image(torch, torchvision, dtype):
    boxes = np.array([[-3, 2, 50, 40], [0, 0, 48, 32], [10, -1, 20, 5], [5, 5, 6, 6]], dtype=dtype)
    for arr in (boxes, boxes.reshape(2, 2, 4)):
        e, t, ge, gt = run_both(torch, torchvision.ops.clip_boxes_to_image, ops.clip_boxes_to_image, (arr,),
                                grad=dtype != "int64", size=(32, 48))
        assert_same(e, t)
        if ge:
            assert_same(ge[0], gt[0])  # clamp's gradient passes at the bounds themselves


def test_remove_small_boxes(torch, torchvision):
    boxes = np.array([[0, 0, 1, 5], [0, 0, 4, 4], [1, 1, 3, 2.9], [0, 0, 2, 2]], dtype=np.float32)
    for arr, size in ((boxes, 2.0), (boxes, 0.5), (boxes.reshape(2, 2, 4), 2.0), (np.zeros((0, 4), np.float32), 1)):
        assert_same(ops.remove_small_boxes(ember.tensor(arr), size),
                    torchvision.ops.remove_small_boxes(torch.tensor(arr), size))


@pytest.mark.parametrize("dtype", ["bool", "uint8", "float32"])
def test_masks_to_boxes(torch, torchvision, dtype):
    rng = np.random.default_rng(9)
    masks = rng.random((5, 7, 9)) > 0.85
    masks[1] = False  # an empty mask gives [0, 0, 0, 0]
    masks[2] = False
    masks[2, 3, 4] = True  # a single pixel
    masks[3] = False
    masks[3, 6, :] = True  # a single row touching the border
    masks = masks.astype(dtype)
    assert_same(ops.masks_to_boxes(ember.tensor(masks)), torchvision.ops.masks_to_boxes(torch.tensor(masks)))
    assert_same(ops.masks_to_boxes(ember.zeros(0, 4, 4)), torchvision.ops.masks_to_boxes(torch.zeros(0, 4, 4)))


# ----------------------------------------------------------------------------- NMS (reference written here)

def reference_nms(boxes, scores, thr):
    """Plain greedy NMS: visit boxes by decreasing score (stable for ties), keep a box unless a kept box
    overlaps it with IoU > thr. IoU in the boxes' dtype, as torchvision's CPU kernel computes it."""
    boxes = np.asarray(boxes)
    order = sorted(range(len(scores)), key=lambda i: -float(scores[i]))
    keep = []
    for i in order:
        ok = True
        for j in keep:
            xx1, yy1 = max(boxes[i, 0], boxes[j, 0]), max(boxes[i, 1], boxes[j, 1])
            xx2, yy2 = min(boxes[i, 2], boxes[j, 2]), min(boxes[i, 3], boxes[j, 3])
            zero = boxes.dtype.type(0)
            inter = max(zero, xx2 - xx1) * max(zero, yy2 - yy1)
            area_i = (boxes[i, 2] - boxes[i, 0]) * (boxes[i, 3] - boxes[i, 1])
            area_j = (boxes[j, 2] - boxes[j, 0]) * (boxes[j, 3] - boxes[j, 1])
            if float(inter / (area_j + area_i - inter)) > thr:
                ok = False
                break
        if ok:
            keep.append(i)
    return np.array(keep, dtype=np.int64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("thr", [0.0, 0.3, 0.5, 0.8, 1.0])
def test_nms_matches_greedy_reference(dtype, thr):
    rng = np.random.default_rng(10)
    boxes = rand_boxes(rng, 60, dtype=dtype, scale=20)
    boxes[10:13] = boxes[3]  # exact duplicates
    scores = rng.random(60).astype(dtype)
    scores[20:30] = scores[5]  # ties: earlier index first
    keep = ops.nms(ember.tensor(boxes), ember.tensor(scores), thr)
    assert keep.dtype == ember.int64
    np.testing.assert_array_equal(keep.numpy(), reference_nms(boxes, scores, thr))
    s = scores[keep.numpy()]
    assert np.all(s[:-1] >= s[1:])  # by decreasing score


def test_nms_semantics_and_errors():
    b = ember.tensor([[0., 0., 10., 10.], [0., 0., 10., 10.], [0., 0., 10., 10.], [20., 20., 30., 30.]])
    assert ops.nms(b, ember.tensor([0.5, 0.9, 0.9, 0.1]), 0.5).tolist() == [1, 3]  # a tie goes to the lower index
    assert ops.nms(b, ember.tensor([0.5, 0.9, 0.9, 0.1]), 1.0).tolist() == [1, 2, 0, 3]  # IoU 1 is not > 1
    half = ember.tensor([[0., 0., 4., 1.], [0., 0., 2., 1.]])  # IoU exactly 0.5: not above 0.5
    assert ops.nms(half, ember.tensor([1., 0.5]), 0.5).tolist() == [0, 1]
    third = ember.tensor([[0., 0., 2., 2.], [1., 0., 3., 2.]])  # float32 IoU 0.33333334 is above the double 1/3
    assert ops.nms(third, ember.tensor([1., 0.5]), 1 / 3).tolist() == [0]
    assert ops.nms(third.double(), ember.tensor([1., 0.5]).double(), 1 / 3).tolist() == [0, 1]
    assert ops.nms(ember.zeros(0, 4), ember.zeros(0), 0.5).tolist() == []
    assert ops.nms(ember.zeros(0, 4), ember.zeros(0), 0.5).dtype == ember.int64
    cases = [((ember.zeros(4), ember.zeros(4)), "boxes should be a 2d tensor, got 1D"),
             ((ember.zeros(3, 5), ember.zeros(3)), "boxes should have 4 elements in dimension 1, got 5"),
             ((ember.zeros(3, 4), ember.zeros(3, 1)), "scores should be a 1d tensor, got 2"),
             ((ember.zeros(3, 4), ember.zeros(2)),
              "boxes and scores should have same number of elements in dimension 0, got 3 and 2")]
    for (boxes, scores), msg in cases:
        with pytest.raises(RuntimeError, match=f"^{msg}$"):
            ops.nms(boxes, scores, 0.5)
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        ops.nms(ember.zeros(2, 4, dtype=ember.int64), ember.zeros(2, dtype=ember.int64), 0.5)
    g = ember.tensor([[0., 0., 1., 1.]], requires_grad=True)
    assert ops.nms(g, ember.tensor([1.]), 0.5).requires_grad is False


def reference_batched_nms(boxes, scores, idxs, thr):
    keep = []
    for c in np.unique(idxs):
        members = np.nonzero(idxs == c)[0]
        keep.extend(members[reference_nms(boxes[members], scores[members], thr)])
    keep = np.array(keep, dtype=np.int64)
    return keep[np.argsort(-scores[keep], kind="stable")]


@pytest.mark.parametrize("n", [40, 1100])  # below and above torchvision's 4,000-coordinate switch of strategy
def test_batched_nms(torch, torchvision, monkeypatch, n):
    rng = np.random.default_rng(11)
    boxes = rand_boxes(rng, n, scale=30 if n < 100 else 200)
    scores = rng.random(n).astype(np.float32)
    idxs = rng.integers(0, 4, n)
    keep = ops.batched_nms(ember.tensor(boxes), ember.tensor(scores), ember.tensor(idxs), 0.4)
    assert keep.dtype == ember.int64
    if n < 100:
        np.testing.assert_array_equal(keep.numpy(), reference_batched_nms(boxes, scores, idxs, 0.4))
    # torchvision's own batching logic around an nms that runs here (its kernel does not): same indices
    monkeypatch.setattr(torchvision.ops.boxes, "nms",
                        lambda b, s, t: torch.from_numpy(ops.nms(ember.tensor(b.numpy()), ember.tensor(s.numpy()),
                                                                 t).numpy()))
    ref = torchvision.ops.batched_nms(torch.tensor(boxes), torch.tensor(scores), torch.tensor(idxs), 0.4)
    np.testing.assert_array_equal(keep.numpy(), ref.numpy())
    empty = ops.batched_nms(ember.zeros(0, 4), ember.zeros(0), ember.zeros(0, dtype=ember.int64), 0.5)
    assert empty.tolist() == [] and empty.dtype == ember.int64


# ----------------------------------------------------------------------------- losses

@pytest.mark.parametrize("name", LOSS_FNS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_box_losses(torch, torchvision, name, dtype, reduction):
    rng = np.random.default_rng(12)
    a, b = special_boxes(dtype)
    a = np.concatenate([a[:5], rand_boxes(rng, 3, dtype=dtype)])
    b = np.concatenate([b, rand_boxes(rng, 3, dtype=dtype)])
    e, t, ge, gt = run_both(torch, getattr(torchvision.ops, name), getattr(ops, name), (a, b), reduction=reduction)
    assert_same(e, t)
    for x, y in zip(ge, gt):
        assert_same(x, y, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", LOSS_FNS)
def test_box_losses_ints_empty_errors(torch, torchvision, name):
    a, b = special_boxes(np.float64)
    tv_fn, em_fn = getattr(torchvision.ops, name), getattr(ops, name)
    for dtype in ("int64", "int16", "float16"):
        e, t, _, _ = run_both(torch, tv_fn, em_fn, (a[:5].astype(dtype), b.astype(dtype)), grad=False)
        assert_same(e, t)
    e, t, ge, gt = run_both(torch, tv_fn, em_fn, (a[0], b[1]))  # a single pair of [4] boxes
    assert_same(e, t)
    assert_same(ge[0], gt[0], rtol=1e-5, atol=1e-5)
    empty = np.zeros((0, 4), np.float32)
    for reduction in ("none", "mean", "sum"):
        e, t, ge, gt = run_both(torch, tv_fn, em_fn, (empty, empty), grad=reduction != "none", reduction=reduction)
        assert_same(e, t)
    x = ember.tensor(a)
    same_error(lambda: em_fn(x, x, reduction="avg"), lambda: tv_fn(torch.tensor(a), torch.tensor(a),
                                                                   reduction="avg"), ValueError)


@pytest.mark.parametrize("name", ["generalized_box_iou_loss", "distance_box_iou_loss"])
def test_box_losses_gradcheck(name):
    rng = np.random.default_rng(13)
    a = ember.tensor(rand_boxes(rng, 4, dtype=np.float64), requires_grad=True)
    b = ember.tensor(rand_boxes(rng, 4, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(lambda x, y: getattr(ops, name)(x, y, reduction="sum"), (a, b))


@pytest.mark.parametrize("alpha,gamma", [(0.25, 2), (-1, 2), (0.5, 0), (1.0, 1.5)])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_focal_loss(torch, torchvision, alpha, gamma, reduction, dtype):
    rng = np.random.default_rng(14)
    logits = (rng.standard_normal((3, 7)) * 3).astype(dtype)
    targets = (rng.random((3, 7)) > 0.7).astype(dtype)
    targets[0, :3] = [0.3, 0.9, 0.5]  # soft labels
    e, t, ge, gt = run_both(torch, torchvision.ops.sigmoid_focal_loss, ops.sigmoid_focal_loss, (logits, targets),
                            alpha=alpha, gamma=gamma, reduction=reduction)
    assert_same(e, t, rtol=1e-5, atol=1e-6)
    for x, y in zip(ge, gt):
        assert_same(x, y, rtol=1e-4, atol=1e-6)


def test_sigmoid_focal_loss_errors_empty_gradcheck(torch, torchvision):
    x = ember.zeros(2, 3)
    z = torch.zeros(2, 3)
    for alpha in (1.5, -0.5):
        same_error(lambda a=alpha: ops.sigmoid_focal_loss(x, x, alpha=a),
                   lambda a=alpha: torchvision.ops.sigmoid_focal_loss(z, z, alpha=a),
                   ValueError)
    same_error(lambda: ops.sigmoid_focal_loss(x, x, reduction="max"),
               lambda: torchvision.ops.sigmoid_focal_loss(torch.zeros(2, 3), torch.zeros(2, 3), reduction="max"),
               ValueError)
    e = ops.sigmoid_focal_loss(ember.zeros(0), ember.zeros(0), reduction="mean")
    assert np.isnan(e.item()) and np.isnan(torchvision.ops.sigmoid_focal_loss(torch.zeros(0), torch.zeros(0),
                                                                               reduction="mean").item())
    rng = np.random.default_rng(15)
    logits = ember.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    targets = ember.tensor((rng.random((2, 4)) > 0.5).astype(np.float64))
    assert ember.autograd.gradcheck(lambda z: ops.sigmoid_focal_loss(z, targets, reduction="sum"), (logits,))


def test_exported_names(torchvision):
    for name in ["box_area", "box_iou", "generalized_box_iou", "distance_box_iou", "complete_box_iou", "box_convert",
                 "clip_boxes_to_image", "remove_small_boxes", "nms", "batched_nms", "masks_to_boxes",
                 "sigmoid_focal_loss", "generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss"]:
        assert name in ops.__all__ and callable(getattr(ops, name)) and hasattr(torchvision.ops, name)
