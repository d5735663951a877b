"""ember.vision.transforms.v2 part B2 (rotate, affine, perspective, elastic, zoom-out, IoU crop, random rescaling,
temporal subsampling) against torchvision.transforms.v2: functionals per input type, box formats / dtypes /
clamping modes, transforms with the same seeds, reprs and errors."""

import numpy as np
import pytest
from PIL import Image as PILImage

import ember
from ember.vision import tv_tensors as T
from ember.vision.transforms import v2
from ember.vision.transforms.v2 import functional as F
from tests.vision._transform_checks import raises_same, u8
from tests.vision.test_transforms_v2 import _detection, _run, _same, _sample, ref  # noqa: F401

_DISP = np.random.default_rng(0).normal(size=(1, 12, 10, 2)).astype(np.float32) * 0.1
_CORNERS = [[0, 0], [9, 0], [9, 11], [0, 11]]

_OPS = {
    "rotate": lambda F, t, x: F.rotate(x, 30),
    "rotate_bilinear": lambda F, t, x: F.rotate(x, 30, interpolation="bilinear", fill=3),
    "rotate_expand": lambda F, t, x: F.rotate(x, 30, expand=True),
    "rotate_expand_center": lambda F, t, x: F.rotate(x, -70, expand=True, center=[2, 3], fill=[1.0]),
    "rotate_center": lambda F, t, x: F.rotate(x, 13, center=[7, 1]),
    "affine": lambda F, t, x: F.affine(x, 20, [1, 2], 1.2, [5, 3]),
    "affine_bilinear": lambda F, t, x: F.affine(x, -10, [0, -2], 0.8, 7.0, interpolation="bilinear", center=[3, 4],
                                                fill=2),
    "perspective": lambda F, t, x: F.perspective(x, _CORNERS, [[1, 1], [8, 0], [9, 10], [0, 11]]),
    "perspective_coeffs": lambda F, t, x: F.perspective(x, None, None, interpolation=0, fill=5,
                                                        coefficients=[1.1, 0.1, -0.5, 0.05, 0.9, 0.3, 0.01, -0.02]),
    "elastic": lambda F, t, x: F.elastic(x, t.tensor(_DISP)),
    "elastic_nearest": lambda F, t, x: F.elastic(x, t.tensor(_DISP), interpolation="nearest", fill=1),
}


@pytest.mark.parametrize("name", list(_OPS))
def test_functionals_per_type(ref, name):  # noqa: F811
    torch, tvt, tv2 = ref
    op = _OPS[name]
    got = [op(F, ember, x) for x in _sample(T, ember)]
    exp = [op(tv2.functional, torch, x) for x in _sample(tvt, torch)]
    for g, e, label in zip(got, exp, ["uint8 image", "float image", "boxes", "mask", "keypoints"]):
        _same(g, e, atol=1e-5, label=f"{name} {label}")
    # PIL, batched plain tensors, videos and 2-d masks
    pil = PILImage.fromarray(u8((12, 10, 3), 1))
    _same(op(F, ember, pil), op(tv2.functional, torch, pil), label=name)
    arr = u8((2, 3, 12, 10), 2).astype(np.float32)
    _same(op(F, ember, ember.tensor(arr)), op(tv2.functional, torch, torch.tensor(arr)), atol=1e-4, label=name)
    _same(op(F, ember, T.Video(ember.tensor(arr[None]))), op(tv2.functional, torch, tvt.Video(torch.tensor(arr[None]))),
          atol=1e-4, label=name)
    m = u8((12, 10), 3)
    _same(op(F, ember, T.Mask(ember.tensor(m))), op(tv2.functional, torch, tvt.Mask(torch.tensor(m))), label=name)


@pytest.mark.parametrize("name", list(_OPS))
def test_boxes_and_keypoints_edge_cases(ref, name):  # noqa: F811
    """Every non-rotated format, integer / float32 / float64 boxes, each clamping mode; boxes on the canvas edge
    and key points outside it."""
    torch, tvt, tv2 = ref
    op = _OPS[name]
    boxes = np.array([[0, 0, 10, 12], [3, 4, 5, 7], [-2, 1, 4, 13]], dtype=np.float32)
    for fmt in ["XYXY", "XYWH", "CXCYWH"]:
        for dt in [np.float32, np.int64, np.float64]:
            for cm in ["soft", "hard", None]:
                def mk(m, t, fmt=fmt, dt=dt, cm=cm):
                    return m.BoundingBoxes(t.tensor(boxes.astype(dt)), format=fmt, canvas_size=(12, 10),
                                           clamping_mode=cm)
                _same(op(F, ember, mk(T, ember)), op(tv2.functional, torch, mk(tvt, torch)), atol=1e-4,
                      label=f"{name} {fmt} {dt.__name__} {cm}")
    kps = np.array([[-1.5, 2], [9.9, 11.9], [0, 0], [12, -3]], dtype=np.float32)
    _same(op(F, ember, T.KeyPoints(ember.tensor(kps), canvas_size=(12, 10))),
          op(tv2.functional, torch, tvt.KeyPoints(torch.tensor(kps), canvas_size=(12, 10))), atol=1e-4, label=name)


@pytest.mark.parametrize("angle,center", [(45, None), (90, [0, 0]), (13, [7, 1]), (-70, [2, 3])])
def test_rotate_expand_canvas(ref, angle, center):  # noqa: F811
    """The grown canvas of boxes and key points is torchvision's (which may be a pixel off its image size)."""
    torch, tvt, tv2 = ref
    for h, w in [(12, 10), (7, 20)]:
        b = [[1.0, 2, 6, 9]]
        _same(F.rotate(T.BoundingBoxes(ember.tensor(b), format="XYXY", canvas_size=(h, w)), angle, expand=True,
                       center=center),
              tv2.functional.rotate(tvt.BoundingBoxes(torch.tensor(b), format="XYXY", canvas_size=(h, w)), angle,
                                    expand=True, center=center), atol=1e-5)
        _same(F.rotate(ember.zeros(1, h, w), angle, expand=True, center=center),
              tv2.functional.rotate(torch.zeros(1, h, w), angle, expand=True, center=center))


def test_uniform_temporal_subsample(ref):  # noqa: F811
    torch, tvt, tv2 = ref
    v = np.arange(7 * 2 * 3 * 3, dtype=np.float32).reshape(7, 2, 3, 3)
    for n in [1, 3, 7, 10]:
        _same(F.uniform_temporal_subsample(T.Video(ember.tensor(v)), n),
              tv2.functional.uniform_temporal_subsample(tvt.Video(torch.tensor(v)), n))
        _same(F.uniform_temporal_subsample(ember.tensor(v[None]), n),
              tv2.functional.uniform_temporal_subsample(torch.tensor(v[None]), n))
    _same(F.uniform_temporal_subsample(ember.tensor(v), 4), tv2.functional.uniform_temporal_subsample(
        torch.tensor(v), 4))
    _run(ref, lambda v, t, T: v.UniformTemporalSubsample(3),
         lambda m, t: (m.Video(t.tensor(v)), t.tensor(v), m.Image(t.tensor(v[0]))), seeds=[0])


def test_functional_errors(ref):  # noqa: F811
    torch, tvt, tv2 = ref
    x, rx = ember.rand(3, 4, 4), torch.rand(3, 4, 4)
    cases = [
        lambda F, x: F.perspective(x, None, None),
        lambda F, x: F.perspective(x, [[0, 0]] * 4, [[0, 0]] * 4, coefficients=[1] * 8),
        lambda F, x: F.perspective(x, None, None, coefficients=[1] * 7),
        lambda F, x: F.rotate(x, 3, interpolation="bicubic"),
        lambda F, x: F.affine(x, 3, [1], 1, [0]),
        lambda F, x: F.affine(x, 3, [1, 1], -1, [0]),
        lambda F, x: F.affine(x, 3, 1, 1, [0]),
        lambda F, x: F.affine(x, 3, [1, 1], 1, [0, 1, 2]),
        lambda F, x: F.affine(x, "a", [1, 1], 1, [0]),
        lambda F, x: F.elastic(x, x.new_zeros(1, 3, 4, 2)),
        lambda F, x: F.elastic(x, [0.0]),
    ]
    for case in cases:
        raises_same(lambda c=case: c(tv2.functional, rx), lambda c=case: c(F, x))


# ----------------------------------------------------------------------------- transforms
def _iou_sample(m, t):
    img, fimg, boxes, mask, kp = _sample(m, t, h=24, w=20)
    b = t.tensor([[1.0, 2, 12, 18], [0, 0, 6, 6], [9, 3, 19, 22], [14, 15, 18, 23]])
    return img, m.BoundingBoxes(b, format="XYXY", canvas_size=(24, 20)), mask, "label"


_RANDOM = {
    "rotation": (lambda v, t, T: v.RandomRotation(30), _detection),
    "rotation_expand": (lambda v, t, T: v.RandomRotation((3, 40), expand=True, center=[3, 4],
                                                         fill={T.Image: 1, "others": 0}), _detection),
    "rotation_bilinear": (lambda v, t, T: v.RandomRotation(20, interpolation="bilinear", fill=0.5), _detection),
    "affine": (lambda v, t, T: v.RandomAffine(10, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=5), _detection),
    "affine_shear4": (lambda v, t, T: v.RandomAffine([-5, 5], shear=[1, 2, 3, 4], center=[2, 2]), _detection),
    "perspective": (lambda v, t, T: v.RandomPerspective(), _detection),
    "perspective_strong": (lambda v, t, T: v.RandomPerspective(0.9, p=0.8, interpolation="nearest", fill=2),
                           _detection),
    "elastic": (lambda v, t, T: v.ElasticTransform(alpha=20.0, sigma=1.0), _detection),
    "elastic_seq": (lambda v, t, T: v.ElasticTransform(alpha=[5.0, 30.0], sigma=[0.5, 0.8], interpolation="nearest"),
                    _detection),
    "zoom_out": (lambda v, t, T: v.RandomZoomOut(fill={T.Image: 0.3, "others": 0}, side_range=(1.0, 2.5)),
                 _detection),
    "iou_crop": (lambda v, t, T: v.RandomIoUCrop(), _iou_sample),
    "iou_crop_opts": (lambda v, t, T: v.RandomIoUCrop(min_scale=0.5, sampler_options=[0.3, 0.7], trials=5),
                      _iou_sample),
    "scale_jitter": (lambda v, t, T: v.ScaleJitter((16, 20), scale_range=(0.5, 1.5)), _detection),
    "shortest_size": (lambda v, t, T: v.RandomShortestSize([5, 6, 9], 14), _detection),
    "shortest_size_int": (lambda v, t, T: v.RandomShortestSize(7, antialias=False), _detection),
    "resize": (lambda v, t, T: v.RandomResize(4, 9), _detection),
    "set_clamping_mode": (lambda v, t, T: v.SetClampingMode("hard"), _detection),
}


@pytest.mark.parametrize("name", list(_RANDOM))
def test_random_transforms_same_draws(ref, name):  # noqa: F811
    make, sample = _RANDOM[name]
    _run(ref, make, sample, seeds=range(4), atol=1e-5)


def test_reprs(ref):  # noqa: F811
    torch, tvt, tv2 = ref
    makes = [
        lambda v, t, T: v.RandomRotation((3, 20), expand=True, center=[1, 2], fill={T.Image: 1}),
        lambda v, t, T: v.RandomAffine(10, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=5),
        lambda v, t, T: v.ElasticTransform(),
        lambda v, t, T: v.RandomZoomOut(),
        lambda v, t, T: v.RandomIoUCrop(),
        lambda v, t, T: v.ScaleJitter((10, 20)),
        lambda v, t, T: v.RandomShortestSize([5, 6], 20),
        lambda v, t, T: v.RandomResize(4, 9),
        lambda v, t, T: v.UniformTemporalSubsample(3),
        lambda v, t, T: v.SetClampingMode(None),
    ]
    for make in makes:
        assert repr(make(v2, ember, T)) == repr(make(tv2, torch, tvt))


def test_transform_errors(ref):  # noqa: F811
    torch, tvt, tv2 = ref
    cases = [
        lambda v: v.RandomRotation(-3), lambda v: v.RandomRotation([1, 2, 3]), lambda v: v.RandomRotation("a"),
        lambda v: v.RandomRotation(3, center=[1]), lambda v: v.RandomAffine(3, translate=[2, 0]),
        lambda v: v.RandomAffine(3, translate=[0.1]), lambda v: v.RandomAffine(3, scale=[0, 1]),
        lambda v: v.RandomAffine(3, shear=[1, 2, 3]), lambda v: v.RandomAffine(3, shear=-1),
        lambda v: v.RandomPerspective(2.0), lambda v: v.RandomZoomOut(side_range=(0.5, 2)),
        lambda v: v.RandomZoomOut(side_range=(3, 2)), lambda v: v.ElasticTransform(alpha=[1, 2, 3]),
        lambda v: v.ElasticTransform(alpha="x"), lambda v: v.ElasticTransform(sigma=None),
        lambda v: v.SetClampingMode("x"),
    ]
    for case in cases:
        raises_same(lambda c=case: c(tv2), lambda c=case: c(v2))
    raises_same(lambda: tv2.RandomIoUCrop()(torch.rand(3, 4, 4)), lambda: v2.RandomIoUCrop()(ember.rand(3, 4, 4)))


@pytest.mark.parametrize("mode", ["NEAREST", "NEAREST_EXACT", "BILINEAR", "BICUBIC"])
def test_resize_uint8_native_kernel(ref, mode):  # noqa: F811
    # v2 resizes uint8 with interpolate's native uint8 kernels, not v1's float round trip
    torch, _, tv2 = ref
    tf2 = tv2.functional
    rng = np.random.default_rng(1)
    for shape, size in [((3, 17, 23), (9, 31)), ((2, 3, 32, 40), (15, 11)), ((1, 8, 8), (20, 20))]:
        a = rng.integers(0, 256, shape, dtype=np.uint8)
        for aa in (True, False):
            want = tf2.resize(torch.from_numpy(a), list(size), interpolation=getattr(tf2.InterpolationMode, mode),
                              antialias=aa).numpy()
            got = F.resize(ember.from_numpy(a), list(size), interpolation=getattr(F.InterpolationMode, mode),
                           antialias=aa).numpy()
            assert got.dtype == want.dtype and got.shape == want.shape
            if aa or mode.startswith("NEAREST"):
                np.testing.assert_array_equal(got, want)
            else:  # ember's non-antialiased uint8 interpolate rounds differently from torch's by at most 1
                assert np.abs(got.astype(int) - want.astype(int)).max() <= 1
