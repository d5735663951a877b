"""ember.vision.transforms.v2 against torchvision.transforms.v2: functionals per input type, transforms with the
same seeds, reprs, errors, and whole pipelines on detection samples."""

import numpy as np
import pytest
from PIL import Image as PILImage

import ember
from ember.vision import tv_tensors as T
from ember.vision.transforms import v2
from ember.vision.transforms.v2 import functional as F
from tests.vision._transform_checks import as_array, raises_same, u8


@pytest.fixture
def ref(torchvision):
    """(torch, torchvision.tv_tensors, torchvision.transforms.v2)."""
    import torch
    from torchvision import tv_tensors
    from torchvision.transforms import v2 as tv2
    return torch, tv_tensors, tv2


def _sample(m, t, seed=0, h=12, w=10):
    """An (Image uint8, float image, BoundingBoxes, Mask, KeyPoints) sample built with module ``m`` / tensor lib
    ``t`` from the same data."""
    rng = np.random.default_rng(seed)
    img = u8((3, h, w), seed)
    boxes = np.array([[1, 2, 6, 9], [0, 0, 3, 3], [4.5, 1.5, 9.5, 11]], dtype=np.float32)
    mask = (rng.random((2, h, w)) > 0.5).astype(np.uint8)
    pts = np.array([[1, 2], [8.5, 10]], dtype=np.float32)
    return (m.Image(t.tensor(img)), m.Image(t.tensor(img.astype(np.float32) / 255)),
            m.BoundingBoxes(t.tensor(boxes), format="XYXY", canvas_size=(h, w)), m.Mask(t.tensor(mask)),
            m.KeyPoints(t.tensor(pts), canvas_size=(h, w)))


def _same(got, exp, atol=0.0, label=""):
    """Same type name, metadata, dtype, shape and values (float images within atol)."""
    if isinstance(exp, (tuple, list)):
        assert type(got) is type(exp) and len(got) == len(exp), label
        for g, e in zip(got, exp):
            _same(g, e, atol, label)
        return
    if isinstance(exp, dict):
        assert list(got) == list(exp), label
        for k in exp:
            _same(got[k], exp[k], atol, f"{label}[{k}]")
        return
    assert type(got).__name__ == type(exp).__name__, (label, type(got), type(exp))
    if isinstance(exp, PILImage.Image):
        assert got.mode == exp.mode and got.size == exp.size, label
        np.testing.assert_array_equal(np.asarray(got), np.asarray(exp), err_msg=label)
        return
    if isinstance(exp, np.ndarray):
        np.testing.assert_array_equal(got, exp, err_msg=label)
        return
    if not hasattr(exp, "dtype"):
        assert got == exp, label
        return
    for name in ("format", "canvas_size", "clamping_mode"):
        if hasattr(exp, name):
            e = getattr(exp, name)
            assert (getattr(got, name).name if name == "format" else getattr(got, name)) == (
                e.name if name == "format" else e), (label, name)
    assert str(got.dtype).replace("ember.", "") == str(exp.dtype).replace("torch.", ""), label
    g, e = as_array(got), exp.detach().numpy()
    assert g.shape == e.shape, label
    if g.dtype.kind == "f":
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=max(atol, 1e-6), err_msg=label)
    else:
        np.testing.assert_array_equal(g, e, err_msg=label)


# ----------------------------------------------------------------------------- functionals
_GEOMETRY = {
    "hflip": lambda F, x: F.horizontal_flip(x),
    "vflip": lambda F, x: F.vertical_flip(x),
    "crop": lambda F, x: F.crop(x, 2, 3, 6, 5),
    "crop_out": lambda F, x: F.crop(x, -2, 4, 8, 9),
    "center_crop": lambda F, x: F.center_crop(x, [5]),
    "center_crop_big": lambda F, x: F.center_crop(x, [15, 13]),
    "pad": lambda F, x: F.pad(x, [1, 2]),
    "pad4": lambda F, x: F.pad(x, [1, 2, 0, 3], fill=7),
    "pad_neg": lambda F, x: F.pad(x, [-1, 2]),
    "resize": lambda F, x: F.resize(x, [7, 5]),
    "resize_short": lambda F, x: F.resize(x, 6, antialias=False),
    "resize_max": lambda F, x: F.resize(x, [5], max_size=7),
    "resize_up": lambda F, x: F.resize(x, [17, 23]),
    "resized_crop": lambda F, x: F.resized_crop(x, 1, 2, 8, 6, [5, 4]),
}


@pytest.mark.parametrize("name", list(_GEOMETRY))
def test_geometry_functionals_per_type(ref, name):
    torch, tvt, tv2 = ref
    op = _GEOMETRY[name]
    got = [op(F, x) for x in _sample(T, ember)]
    exp = [op(tv2.functional, x) for x in _sample(tvt, torch)]
    labels = ["uint8 image", "float image", "boxes", "mask", "keypoints"]
    for g, e, label in zip(got, exp, labels):
        if label == "uint8 image" and name.startswith("resize"):
            # torch resizes uint8 natively; ember goes through float32: one level apart at most
            _same(g.float(), e.float(), atol=1.0, label=f"{name} {label}")
        else:
            _same(g, e, atol=2e-6, label=f"{name} {label}")


@pytest.mark.parametrize("name", ["hflip", "vflip", "crop", "center_crop", "pad", "pad_neg", "resize", "resize_short",
                                  "resized_crop"])
def test_geometry_functionals_pil_and_pure_tensor(ref, name):
    torch, tvt, tv2 = ref
    op = _GEOMETRY[name]
    pil = PILImage.fromarray(u8((12, 10, 3), 1))
    _same(op(F, pil), op(tv2.functional, pil), label=name)
    arr = u8((2, 3, 12, 10), 2).astype(np.float32)
    _same(op(F, ember.tensor(arr)), op(tv2.functional, torch.tensor(arr)), atol=1e-4, label=name)
    video = arr[None]
    _same(op(F, T.Video(ember.tensor(video))), op(tv2.functional, tvt.Video(torch.tensor(video))), atol=1e-4,
          label=name)


def test_multi_crops(ref):
    torch, tvt, tv2 = ref
    arr = u8((3, 9, 8), 3)
    for op in (lambda F, x: F.five_crop(x, [4, 3]), lambda F, x: F.ten_crop(x, 4),
               lambda F, x: F.ten_crop(x, [5, 2], vertical_flip=True)):
        _same(op(F, T.Image(ember.tensor(arr))), op(tv2.functional, tvt.Image(torch.tensor(arr))))
        _same(op(F, ember.tensor(arr)), op(tv2.functional, torch.tensor(arr)))
    pil = PILImage.fromarray(arr.transpose(1, 2, 0))
    _same(F.five_crop(pil, 3), tv2.functional.five_crop(pil, 3))


@pytest.mark.parametrize("fmt", ["XYWH", "CXCYWH", "XYXY"])
def test_box_format_and_clamp(ref, fmt):
    torch, tvt, tv2 = ref
    data = [[1, 2, 6, 9], [0, 0, 3, 3], [-2, 5, 14, 20]]
    for dtype in ("int64", "float32"):
        b = T.BoundingBoxes(ember.tensor(data, dtype=getattr(ember, dtype)), format="XYXY", canvas_size=(10, 12))
        rb = tvt.BoundingBoxes(torch.tensor(data, dtype=getattr(torch, dtype)), format="XYXY", canvas_size=(10, 12))
        c, rc = F.convert_bounding_box_format(b, new_format=fmt), tv2.functional.convert_bounding_box_format(
            rb, new_format=fmt)
        _same(c, rc, label=fmt)
        _same(F.convert_bounding_box_format(c, new_format="XYXY"),
              tv2.functional.convert_bounding_box_format(rc, new_format="XYXY"))
        _same(F.clamp_bounding_boxes(c), tv2.functional.clamp_bounding_boxes(rc), label=f"clamp {fmt}")
        for op in _GEOMETRY.values():  # geometry of boxes in every format
            _same(op(F, c), op(tv2.functional, rc), label=fmt)
        pure = F.convert_bounding_box_format(ember.tensor(data, dtype=getattr(ember, dtype)), old_format="XYXY",
                                             new_format=fmt)
        _same(pure, rc.as_subclass(torch.Tensor))
        _same(F.clamp_bounding_boxes(pure, format=fmt, canvas_size=(10, 12), clamping_mode="soft"),
              tv2.functional.clamp_bounding_boxes(rc.as_subclass(torch.Tensor), format=fmt, canvas_size=(10, 12),
                                                  clamping_mode="soft"))
    b = T.BoundingBoxes([[1, 2, 3, 4]], format="XYXY", canvas_size=(5, 5))
    rb = tvt.BoundingBoxes([[1, 2, 3, 4]], format="XYXY", canvas_size=(5, 5))
    Fr = tv2.functional
    raises_same(lambda: Fr.convert_bounding_box_format(rb, old_format="XYXY", new_format="XYWH"),
                lambda: F.convert_bounding_box_format(b, old_format="XYXY", new_format="XYWH"))
    raises_same(lambda: Fr.convert_bounding_box_format(torch.zeros(1, 4), new_format="XYWH"),
                lambda: F.convert_bounding_box_format(ember.zeros(1, 4), new_format="XYWH"))
    raises_same(lambda: Fr.convert_bounding_box_format(rb), lambda: F.convert_bounding_box_format(b))
    raises_same(lambda: Fr.clamp_bounding_boxes(torch.zeros(1, 4), format="XYXY", canvas_size=(2, 2)),
                lambda: F.clamp_bounding_boxes(ember.zeros(1, 4), format="XYXY", canvas_size=(2, 2)))
    raises_same(lambda: Fr.clamp_bounding_boxes(rb, format="XYXY"), lambda: F.clamp_bounding_boxes(b, format="XYXY"))
    raises_same(lambda: Fr.pad(rb, [1], padding_mode="edge"), lambda: F.pad(b, [1], padding_mode="edge"))
    assert F.clamp_bounding_boxes(T.BoundingBoxes([[-1, 0, 9, 9]], format="XYXY", canvas_size=(5, 5),
                                                  clamping_mode=None)).tolist() == [[-1, 0, 9, 9]]


def test_meta_functionals(ref):
    torch, tvt, tv2 = ref
    Fr = tv2.functional
    pil = PILImage.new("RGB", (5, 3))
    img, fimg, boxes, mask, kp = _sample(T, ember)
    rimg, rfimg, rboxes, rmask, rkp = _sample(tvt, torch)
    for fn in ("get_dimensions", "get_num_channels", "get_size", "get_image_size", "get_image_num_channels"):
        for x, rx in ((img, rimg), (pil, pil), (img[0], rimg[0]), (T.Video(ember.zeros(2, 3, 4, 5)),
                                                                   tvt.Video(torch.zeros(2, 3, 4, 5)))):
            assert getattr(F, fn)(x) == getattr(Fr, fn)(rx), fn
    for x, rx in ((boxes, rboxes), (mask, rmask), (kp, rkp)):
        assert F.get_size(x) == Fr.get_size(rx)
    assert F.get_num_frames(T.Video(ember.zeros(2, 3, 1, 4, 5))) == 3
    with pytest.raises(TypeError, match="supports inputs of type"):
        F.get_dimensions(boxes)
    with pytest.raises(TypeError, match="supports inputs of type"):
        F.resize(np.zeros((2, 2)), [3])
    with pytest.raises(TypeError, match="supports inputs of type"):
        F.normalize(T.Mask(ember.zeros(1, 2, 2)), [0.5], [0.5])


def test_dtype_and_normalize_functionals(ref):
    torch, tvt, tv2 = ref
    Fr = tv2.functional
    x = np.array([[[0.0, 0.5, 0.999, 0.9961, 1.0]]], dtype=np.float32)
    i8 = np.array([[[1, 127, -128]]], dtype=np.int8)
    u = np.array([[[0, 128, 255]]], dtype=np.uint8)
    cases = [(x, "uint8", True), (u, "int16", True), (u, "float64", True), (i8, "uint8", True), (u, "int8", True),
             (x, "int64", False), (u, "float32", False), (np.array([[[True]]]), "float32", True),
             (np.array([[[0.3, 0.0]]], dtype=np.float32), "bool", True)]
    for arr, dt, scale in cases:
        for m, rm in ((lambda t: t, lambda t: t), (T.Image, tvt.Image), (T.Video, tvt.Video)):
            a = arr[None] if m is T.Video else arr
            _same(F.to_dtype(m(ember.tensor(a)), getattr(ember, dt), scale=scale),
                  Fr.to_dtype(rm(torch.tensor(a)), getattr(torch, dt), scale=scale), label=(dt, scale))
    _same(F.convert_image_dtype(ember.tensor(u), ember.float32), Fr.convert_image_dtype(torch.tensor(u), torch.float32))
    _, _, boxes, mask, _ = _sample(T, ember)
    _, _, rboxes, rmask, _ = _sample(tvt, torch)
    _same(F.to_dtype(boxes, ember.int64, scale=True), Fr.to_dtype(rboxes, torch.int64, scale=True))
    _same(F.to_dtype(mask, ember.float32, scale=True), Fr.to_dtype(rmask, torch.float32, scale=True))
    raises_same(lambda: Fr.to_dtype(torch.tensor(x), torch.int32, scale=True),
                lambda: F.to_dtype(ember.tensor(x), ember.int32, scale=True))
    img = u8((3, 4, 5), 4).astype(np.float32) / 255
    _same(v2.Pad([1, 2, 3, 4], padding_mode="edge")(T.Image(ember.tensor(img)), T.Mask(ember.zeros(4, 5))),
          tv2.Pad([1, 2, 3, 4], padding_mode="edge")(tvt.Image(torch.tensor(img)), tvt.Mask(torch.zeros(4, 5))))
    for m, rm in ((lambda t: t, lambda t: t), (T.Image, tvt.Image)):
        _same(F.normalize(m(ember.tensor(img)), [0.5, 0.4, 0.3], [0.2, 0.3, 0.25]),
              Fr.normalize(rm(torch.tensor(img)), [0.5, 0.4, 0.3], [0.2, 0.3, 0.25]))
    raises_same(lambda: Fr.normalize(torch.zeros(2, 2), [0.5], [0.5]),
                lambda: F.normalize(ember.zeros(2, 2), [0.5], [0.5]))
    raises_same(lambda: Fr.normalize(torch.zeros(1, 2, 2, dtype=torch.uint8), [0.5], [0.5]),
                lambda: F.normalize(ember.zeros(1, 2, 2, dtype=ember.uint8), [0.5], [0.5]))
    raises_same(lambda: Fr.normalize(torch.zeros(1, 2, 2), [0.5], [0.0]),
                lambda: F.normalize(ember.zeros(1, 2, 2), [0.5], [0.0]))
    raises_same(lambda: Fr.normalize(torch.zeros(3, 2, 2), [0.5, 0.1], [0.5, 0.2]),
                lambda: F.normalize(ember.zeros(3, 2, 2), [0.5, 0.1], [0.5, 0.2]))


def test_type_conversion_functionals(ref):
    torch, tvt, tv2 = ref
    Fr = tv2.functional
    for arr in (u8((4, 5), 0), u8((4, 5, 3), 1)):
        _same(F.to_image(arr), Fr.to_image(arr))
        _same(F.to_image(PILImage.fromarray(arr)), Fr.to_image(PILImage.fromarray(arr)))
    _same(F.to_image(ember.zeros(2, 3)), Fr.to_image(torch.zeros(2, 3)))
    raises_same(lambda: Fr.to_image([1]), lambda: F.to_image([1]))
    _same(F.to_pil_image(T.Image(ember.tensor(u8((3, 2, 2))))), Fr.to_pil_image(tvt.Image(torch.tensor(u8((3, 2, 2))))))
    pil = PILImage.fromarray(u8((4, 5, 3), 2))
    _same(F.pil_to_tensor(pil), Fr.pil_to_tensor(pil))


def test_sanitize_functional(ref):
    torch, tvt, tv2 = ref
    data = [[5, 5, 10.5, 8], [-0.5, 0, 3, 3], [9.5, 9.5, 10, 10], [9, 9, 10, 10], [0, 0, 10, 10], [3, 3, 2, 5],
            [1, 1, 1.5, 3], [0, 0, 1, 1.2]]
    for fmt in ("XYXY", "CXCYWH"):
        b = F.convert_bounding_box_format(T.BoundingBoxes(data, format="XYXY", canvas_size=(10, 10)), new_format=fmt)
        rb = tv2.functional.convert_bounding_box_format(tvt.BoundingBoxes(data, format="XYXY", canvas_size=(10, 10)),
                                                        new_format=fmt)
        for kw in ({}, dict(min_size=2, min_area=5)):
            _same(F.sanitize_bounding_boxes(b, **kw), tv2.functional.sanitize_bounding_boxes(rb, **kw))
    raises_same(lambda: tv2.functional.sanitize_bounding_boxes(torch.zeros(1, 4)),
                lambda: F.sanitize_bounding_boxes(ember.zeros(1, 4)))


# ----------------------------------------------------------------------------- transforms
def _run(ref, make, sample_fn, seeds=range(6), atol=2e-6):
    """``make(v2)`` applied to ``sample_fn(m, t)`` after the same seeds in ember and torch."""
    torch, tvt, tv2 = ref
    t, rt = make(v2, ember, T), make(tv2, torch, tvt)
    assert repr(t) == repr(rt).replace("torch.", "ember.")
    for seed in seeds:
        ember.manual_seed(seed)
        torch.manual_seed(seed)
        _same(t(*sample_fn(T, ember)), rt(*sample_fn(tvt, torch)), atol=atol, label=f"{t} seed {seed}")


def _detection(m, t):
    img, fimg, boxes, mask, kp = _sample(m, t)
    return fimg, boxes, mask, kp, "label", 3


_RANDOM = {
    "hflip": lambda v, t, T: v.RandomHorizontalFlip(),
    "vflip": lambda v, t, T: v.RandomVerticalFlip(p=0.3),
    "crop": lambda v, t, T: v.RandomCrop(7),
    "crop_pad": lambda v, t, T: v.RandomCrop((13, 9), padding=[1, 2], fill={T.Image: 3, "others": 0}),
    "crop_pad_needed": lambda v, t, T: v.RandomCrop(14, pad_if_needed=True),
    "crop_full": lambda v, t, T: v.RandomCrop((12, 10)),
    "rrc": lambda v, t, T: v.RandomResizedCrop(8),
    "rrc_ratio": lambda v, t, T: v.RandomResizedCrop((6, 9), scale=(0.5, 0.9), ratio=(2.0, 3.0), antialias=False),
    "apply": lambda v, t, T: v.RandomApply([v.RandomHorizontalFlip(p=1.0), v.CenterCrop(6)], p=0.4),
    "choice": lambda v, t, T: v.RandomChoice([v.RandomVerticalFlip(p=1.0), v.CenterCrop(6), v.Pad(1)], p=[1, 2, 3]),
    "order": lambda v, t, T: v.RandomOrder([v.RandomHorizontalFlip(), v.RandomCrop(9), v.Pad([1, 0, 2, 0])]),
}


@pytest.mark.parametrize("name", list(_RANDOM))
def test_random_transforms_same_draws(ref, name):
    _run(ref, _RANDOM[name], _detection)


_FIXED = {
    "resize": lambda v, t, T: v.Resize(7),
    "resize2": lambda v, t, T: v.Resize((7, 13), antialias=False),
    "resize_none": lambda v, t, T: v.Resize(None, max_size=8),
    "center": lambda v, t, T: v.CenterCrop((6, 5)),
    "pad": lambda v, t, T: v.Pad(2),
    "pad_fill": lambda v, t, T: v.Pad((1, 2), fill={T.Image: 0.5, T.Mask: 1}, padding_mode="constant"),
    "identity": lambda v, t, T: v.Identity(),
    "normalize": lambda v, t, T: v.Normalize([0.5, 0.4, 0.3], [0.2, 0.2, 0.3]),
    "to_dtype": lambda v, t, T: v.ToDtype(t.float64),
    "to_dtype_dict": lambda v, t, T: v.ToDtype({T.Image: t.float64, T.Mask: t.int64, "others": None}),
    "convert_dtype": lambda v, t, T: v.ConvertImageDtype(t.float64),
    "to_pure": lambda v, t, T: v.ToPureTensor(),
    "convert_format": lambda v, t, T: v.ConvertBoundingBoxFormat("CXCYWH"),
    "clamp": lambda v, t, T: v.ClampBoundingBoxes(),
    "compose": lambda v, t, T: v.Compose([v.Resize(11), v.CenterCrop(9), v.ToDtype(t.float64)]),
}


@pytest.mark.parametrize("name", list(_FIXED))
def test_fixed_transforms(ref, name):
    _run(ref, _FIXED[name], _detection, seeds=[0])


def test_pure_tensor_heuristic(ref):
    """Only the first plain tensor is "the image", and only without an Image, Video or PIL image in the sample."""
    a = np.arange(8, dtype=np.float32).reshape(1, 2, 4)
    samples = [
        lambda m, t: (t.tensor(a), t.tensor(a), m.Mask(t.tensor(a))),
        lambda m, t: (t.tensor(a), m.Image(t.tensor(a))),
        lambda m, t: (PILImage.fromarray(u8((2, 4), 0)), t.tensor(a)),
        lambda m, t: (m.Video(t.tensor(a[None])), t.tensor(a)),
        lambda m, t: (m.BoundingBoxes([[1, 0, 2, 1]], format="XYXY", canvas_size=(2, 4)), t.tensor(a)),
        lambda m, t: ({"a": t.tensor(a), "b": [t.tensor(a), 3, "s"]},),
        lambda m, t: (t.tensor(a),),
        lambda m, t: (3,),
    ]
    for sample in samples:
        _run(ref, lambda v, t, T: v.RandomHorizontalFlip(p=1.0), sample, seeds=[0])
        _run(ref, lambda v, t, T: v.ToDtype(t.float64), sample, seeds=[0])


def test_type_conversion_transforms(ref):
    torch, tvt, tv2 = ref
    arr = u8((4, 5, 3), 5)
    pil = PILImage.fromarray(arr)
    samples = [lambda m, t: (arr, t.zeros(1, 2, 2)), lambda m, t: (pil, m.Mask(t.zeros(1, 2, 2))),
               lambda m, t: (m.Image(t.tensor(arr.transpose(2, 0, 1))),), lambda m, t: (t.tensor(arr[..., 0]),)]
    for sample in samples:
        for make in (lambda v, t, T: v.ToImage(), lambda v, t, T: v.PILToTensor(), lambda v, t, T: v.ToPILImage()):
            try:
                _run(ref, make, sample, seeds=[0])
            except (TypeError, ValueError) as e:  # (e.g. ToPILImage of a plain 2-d tensor): must fail alike
                raises_same(lambda make=make, sample=sample: make(tv2, torch, tvt)(*sample(tvt, torch)),
                            lambda make=make, sample=sample: make(v2, ember, T)(*sample(T, ember)))
                assert "DID NOT RAISE" not in str(e)
    with pytest.warns(UserWarning) as got:
        t = v2.ToTensor()
    import warnings
    with warnings.catch_warnings(record=True) as exp:
        warnings.simplefilter("always")
        rt = tv2.ToTensor()
    assert str(got[0].message) == str(exp[0].message).replace("torch.", "ember.")
    _same(t(arr, pil), rt(arr, pil))


def test_sanitize_transform(ref):
    torch, tvt, tv2 = ref
    data = [[5, 5, 10.5, 8], [-0.5, 0, 3, 3], [9, 9, 10, 10], [0, 0, 10, 10], [1, 1, 1.5, 3], [0, 0, 1, 1.2]]

    def sample(m, t):
        return ({"image": m.Image(t.zeros(1, 10, 10)), "boxes": m.BoundingBoxes(data, format="XYXY",
                                                                                 canvas_size=(10, 10)),
                 "Labels": t.arange(6), "masks": m.Mask(t.arange(600).reshape(6, 10, 10)), "other": t.arange(6)},)
    _run(ref, lambda v, t, T: v.SanitizeBoundingBoxes(), sample, seeds=[0])
    _run(ref, lambda v, t, T: v.SanitizeBoundingBoxes(min_size=2, labels_getter=None), sample, seeds=[0])
    _run(ref, lambda v, t, T: v.SanitizeBoundingBoxes(labels_getter=lambda s: (s["Labels"], s["other"])), sample,
         seeds=[0])
    _run(ref, lambda v, t, T: v.SanitizeBoundingBoxes(), lambda m, t: (
        m.BoundingBoxes(data, format="XYXY", canvas_size=(10, 10)), t.arange(6)), seeds=[0])

    def bad(m, t, labels):
        return {"boxes": m.BoundingBoxes(data, format="XYXY", canvas_size=(10, 10)), "labels": labels(t)}
    for make, sample in [
            (lambda v: v.SanitizeBoundingBoxes(), lambda m, t: bad(m, t, lambda t: t.arange(5))),
            (lambda v: v.SanitizeBoundingBoxes(), lambda m, t: bad(m, t, lambda t: 3)),
            (lambda v: v.SanitizeBoundingBoxes(), lambda m, t: {"boxes": t.zeros(1, 4), "labels": t.arange(1)}),
            (lambda v: v.SanitizeBoundingBoxes(), lambda m, t: {"boxes": m.BoundingBoxes(
                data, format="XYXY", canvas_size=(10, 10))}),
            (lambda v: v.SanitizeBoundingBoxes(min_size=0), None),
            (lambda v: v.SanitizeBoundingBoxes(labels_getter="x"), None)]:
        if sample is None:
            raises_same(lambda make=make: make(tv2), lambda make=make: make(v2))
        else:
            raises_same(lambda make=make, sample=sample: make(tv2)(sample(tvt, torch)),
                        lambda make=make, sample=sample: make(v2)(sample(T, ember)))


def test_reprs(ref):
    torch, tvt, tv2 = ref
    makes = [
        lambda v, t, T: v.Resize(10), lambda v, t, T: v.Resize((10, 12), antialias=False),
        lambda v, t, T: v.CenterCrop(5), lambda v, t, T: v.RandomCrop(5, padding=2),
        lambda v, t, T: v.RandomResizedCrop(8), lambda v, t, T: v.RandomHorizontalFlip(),
        lambda v, t, T: v.RandomVerticalFlip(0.3), lambda v, t, T: v.Pad(2, fill={T.Image: 1, "others": 0}),
        lambda v, t, T: v.Pad((2, 3)), lambda v, t, T: v.FiveCrop(3), lambda v, t, T: v.TenCrop(3),
        lambda v, t, T: v.Compose([v.Identity(), v.ToImage()]),
        lambda v, t, T: v.RandomApply([v.Identity()], p=0.3), lambda v, t, T: v.RandomApply([v.Identity()] * 2),
        lambda v, t, T: v.RandomChoice([v.Identity(), v.Identity()]), lambda v, t, T: v.RandomOrder([v.Identity()]),
        lambda v, t, T: v.Lambda(lambda x: x), lambda v, t, T: v.Lambda(abs, t.Tensor),
        lambda v, t, T: v.ToDtype(t.float32, scale=True), lambda v, t, T: v.ConvertImageDtype(),
        lambda v, t, T: v.Normalize((0.5,), [0.2]), lambda v, t, T: v.SanitizeBoundingBoxes(),
        lambda v, t, T: v.ClampBoundingBoxes(), lambda v, t, T: v.ConvertBoundingBoxFormat("XYWH"),
        lambda v, t, T: v.ToImage(), lambda v, t, T: v.PILToTensor(), lambda v, t, T: v.ToPILImage(),
        lambda v, t, T: v.ToPureTensor(),
        # enums show as their str; interpolation (default a string) and format strings are kept as given
        lambda v, t, T: v.Resize(8, interpolation=2), lambda v, t, T: v.TrivialAugmentWide(interpolation=3),
        lambda v, t, T: v.ConvertBoundingBoxFormat(T.BoundingBoxFormat.CXCYWH),
        lambda v, t, T: v.ConvertBoundingBoxFormat("cxcywh"),
        lambda v, t, T: v.AutoAugment(v.AutoAugmentPolicy.SVHN, interpolation=v.InterpolationMode.BILINEAR),
        lambda v, t, T: v.RandomRotation(10, interpolation=v.InterpolationMode.BICUBIC),
        # a size given as a list stays a list
        lambda v, t, T: v.RandomCrop([5, 6]), lambda v, t, T: v.FiveCrop([3, 4]),
        lambda v, t, T: v.GaussianBlur([3, 5]),
    ]
    for make in makes:
        assert repr(make(v2, ember, T)) == repr(make(tv2, torch, tvt)).replace("torch.", "ember.")


def test_errors(ref):
    torch, tvt, tv2 = ref
    I, rI = v2.Identity(), tv2.Identity()
    bad = [
        lambda v, t, T, I: v.Compose([]), lambda v, t, T, I: v.Compose(I), lambda v, t, T, I: v.RandomApply(I),
        lambda v, t, T, I: v.RandomApply([I], p=1.3), lambda v, t, T, I: v.RandomChoice(I),
        lambda v, t, T, I: v.RandomChoice([I], p=[1, 2]), lambda v, t, T, I: v.RandomOrder(I),
        lambda v, t, T, I: v.RandomHorizontalFlip(p=2), lambda v, t, T, I: v.ToDtype("x"),
        lambda v, t, T, I: v.Resize([1, 2, 3]), lambda v, t, T, I: v.Resize(None),
        lambda v, t, T, I: v.CenterCrop([1, 2, 3]), lambda v, t, T, I: v.Pad("x"), lambda v, t, T, I: v.Pad([1, 2, 3]),
        lambda v, t, T, I: v.Pad(1, padding_mode="x"), lambda v, t, T, I: v.Pad(1, fill="x"),
        lambda v, t, T, I: v.RandomCrop(20)(t.zeros(1, 4, 4)),
        lambda v, t, T, I: v.RandomCrop(2)(T.Image(t.zeros(1, 4, 4)), T.Mask(t.zeros(3, 3))),
        lambda v, t, T, I: v.Pad([1, 2, 3, 4], padding_mode="edge")(_sample(T, t)),
        lambda v, t, T, I: v.Pad(1, padding_mode="edge")(_sample(T, t)[-1]),
        lambda v, t, T, I: v.RandomCrop(2)("x"),
        lambda v, t, T, I: v.FiveCrop(2)(T.Image(t.zeros(1, 4, 4)), T.Mask(t.zeros(4, 4))),
        lambda v, t, T, I: v.Normalize([0.5], [0.5])(PILImage.new("L", (1, 1))),
        lambda v, t, T, I: v.Transform()(t.zeros(1)),
        lambda v, t, T, I: v.query_size([]), lambda v, t, T, I: v.query_chw([t.zeros(1, 2, 2), t.zeros(2, 2, 2)]),
    ]
    for make in bad:
        raises_same(lambda make=make: make(tv2, torch, tvt, rI), lambda make=make: make(v2, ember, T, I))
    with pytest.raises(ValueError, match="No dtype was specified for type <class 'ember.Tensor'>"):
        v2.ToDtype({T.Mask: ember.float32})(ember.zeros(1, dtype=ember.uint8), T.Mask(ember.zeros(1)))


def _pipeline(v, t, tv):
    return v.Compose([
        v.RandomResizedCrop(10, scale=(0.3, 1.0), antialias=True),
        v.RandomHorizontalFlip(),
        v.RandomApply([v.Pad(2, fill={tv.Image: 1, "others": 0})], p=0.5),
        v.RandomCrop(9, pad_if_needed=True),
        v.ToDtype(t.float32, scale=True),
        v.ClampBoundingBoxes(),
        v.SanitizeBoundingBoxes(min_size=1),
        v.Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]),
    ])


def test_end_to_end_detection_pipeline(ref):
    """A Compose pipeline on an (Image, BoundingBoxes, Mask) tuple and on a dict sample, several seeds."""
    torch, tvt, tv2 = ref

    def tuple_sample(m, t):
        img, _, boxes, mask, _ = _sample(m, t, h=16, w=14)
        return img, {"boxes": boxes, "masks": m.Mask(t.tensor(np.repeat(as_array(mask)[:1], 3, 0))),
                     "labels": t.tensor([1, 2, 3])}

    def dict_sample(m, t):
        img, _, boxes, mask, _ = _sample(m, t, h=16, w=14)
        return ({"image": img, "boxes": boxes, "labels": t.tensor([4, 5, 6]), "id": 7},)

    for sample in (tuple_sample, dict_sample):
        torch_t, ember_t = _pipeline(tv2, torch, tvt), _pipeline(v2, ember, T)
        for seed in range(8):
            ember.manual_seed(seed)
            torch.manual_seed(seed)
            got, exp = ember_t(*sample(T, ember)), torch_t(*sample(tvt, torch))
            _same(got, exp, atol=2e-2, label=f"seed {seed}")  # (uint8 resizing may be one level apart)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic", "BILINEAR", "bogus", 3.5])
def test_v2_interpolation_accepts_mode_names_as_torchvision(torchvision, mode):
    import torch

    from ember.vision.transforms import v2 as ev2
    tv2 = torchvision.transforms.v2
    img = np.random.default_rng(0).random((3, 16, 16)).astype("float32")
    for call in (lambda lib, v2: v2.Resize(8, interpolation=mode)(lib.tensor(img)),
                 lambda lib, v2: v2.functional.resize(lib.tensor(img), [8], interpolation=mode),
                 lambda lib, v2: v2.functional.rotate(lib.tensor(img), 30.0, interpolation=mode)):
        try:
            ref = call(torch, tv2)
        except Exception as exc:  # the same error, with the same message
            with pytest.raises(type(exc)) as got:
                call(ember, ev2)
            assert str(got.value) == str(exc)
            continue
        np.testing.assert_allclose(call(ember, ev2).numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)
    if isinstance(mode, str):
        assert repr(ev2.Resize(8, interpolation=mode)) == repr(tv2.Resize(8, interpolation=mode))


@pytest.mark.parametrize("dtype", ["uint8", "int16", "int32", "uint16"])
@pytest.mark.parametrize("out", ["float32", "float64"])
def test_to_dtype_scale_int_to_float_exact(ref, dtype, out):
    # v2 multiplies by 1 / max (v1 divides by max): the two differ by an ulp for about half the values
    torch, _, tv2 = ref
    a = np.random.default_rng(0).integers(0, 256 if dtype == "uint8" else 30000, (3, 16, 16)).astype(dtype)
    want = tv2.ToDtype(getattr(torch, out), scale=True)(torch.from_numpy(a.astype(np.int32)).to(getattr(torch, dtype)))
    got = v2.ToDtype(getattr(ember, out), scale=True)(ember.from_numpy(a))
    assert got.dtype == getattr(ember, out)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
