"""ember.vision.transforms side by side with torchvision: the v2 default labels_getter, v2 LANCZOS resizing,
symmetric padding larger than the image, and error types / messages of the v1 and v2 functionals."""

import numpy as np
import pytest

import ember
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F
from ember.vision.transforms import v2
from ember.vision.transforms.v2 import functional as F2

torch = pytest.importorskip("torch")


def _ref(torchvision):
    """(tv_tensors, transforms.functional, transforms.v2, transforms.v2.functional) of the reference (after the
    ``torchvision`` fixture made it importable)."""
    from torchvision import tv_tensors as tvt
    from torchvision.transforms import functional as tvf
    from torchvision.transforms import v2 as tv2
    from torchvision.transforms.v2 import functional as tvf2
    return tvt, tvf, tv2, tvf2


def _outcome(fn):
    """("ok", shape) or (error type name, message with ember's module name spelled as torch's)."""
    try:
        out = fn()
    except Exception as e:  # noqa: BLE001 - the error itself is compared
        return type(e).__name__, str(e).replace("ember", "torch")
    return "ok", tuple(out.shape)


def _same_outcome(mine, ref):
    assert _outcome(mine) == _outcome(ref)


# ----------------------------------------------------------------------------- labels_getter

def _samples(lib, tvt):
    boxes = tvt.BoundingBoxes([[2, 3, 2, 12], [5, 5, 20, 18]], format="XYXY", canvas_size=(20, 24))
    img = tvt.Image(lib.zeros(3, 20, 24))
    lab = lib.tensor([1, 2])
    return [{"image": img, "boxes": boxes, "class_labels": lab},      # a key merely containing "label"
            (img, {"boxes": boxes, "label": lab}),
            [img, {"boxes": boxes, "labels": lab}],                   # a list sample
            (img, {"boxes": boxes, "labels": lab}, "meta")]           # any tuple: its second item


def test_sanitize_default_labels_getter(torchvision):
    for mine, ref in zip(_samples(ember, tv_tensors), _samples(torch, _ref(torchvision)[0])):
        out = v2.SanitizeBoundingBoxes()(mine)
        out_ref = _ref(torchvision)[2].SanitizeBoundingBoxes()(ref)
        d, d_ref = (out, out_ref) if isinstance(out, dict) else (out[1], out_ref[1])
        assert d.keys() == d_ref.keys()
        for k in d:
            if k != "image":
                np.testing.assert_array_equal(d[k].numpy(), d_ref[k].numpy())


def test_sanitize_image_boxes_pair_refused(torchvision):
    def call(lib, tvt, T):
        boxes = tvt.BoundingBoxes([[2, 3, 2, 12]], format="XYXY", canvas_size=(20, 24))
        return lambda: T.SanitizeBoundingBoxes()(tvt.Image(lib.zeros(3, 20, 24)), boxes)
    with pytest.raises(ValueError) as e:
        call(ember, tv_tensors, v2)()
    with pytest.raises(ValueError) as e_ref:
        call(torch, _ref(torchvision)[0], _ref(torchvision)[2])()
    head = "When using the default labels_getter, the input passed to forward must be a dictionary or a two-tuple"
    assert str(e.value).startswith(head) and str(e_ref.value).startswith(head)
    assert str(e.value).split("but got ")[1][:13] == str(e_ref.value).split("but got ")[1][:13] == "BoundingBoxes"


@pytest.mark.parametrize("name", ["CutMix", "MixUp"])
def test_mixup_cutmix_on_a_list(torchvision, name):
    x = np.random.default_rng(0).random((2, 3, 4, 4), dtype=np.float32)
    out = getattr(v2, name)(num_classes=3)([ember.tensor(x), ember.tensor([0, 1])])
    ref = getattr(_ref(torchvision)[2], name)(num_classes=3)([torch.tensor(x), torch.tensor([0, 1])])
    assert type(out) is type(ref) is list
    assert tuple(out[0].shape) == tuple(ref[0].shape) and tuple(out[1].shape) == tuple(ref[1].shape)


# ----------------------------------------------------------------------------- LANCZOS

_CHECKER = np.kron((np.indices((6, 7)).sum(0) % 2) * 255, np.ones((2, 2))).astype(np.uint8)[None].repeat(3, 0)


@pytest.mark.parametrize("dtype", ["uint8", "int16", "float32", "float64", "float16"])
@pytest.mark.parametrize("size", [[7, 7], [17, 23]])
def test_v2_lanczos_resize(torchvision, dtype, size):
    # a checkerboard rings: integer results are rounded and clamped (uint8 through the native uint8 kernel)
    a = _CHECKER if dtype in ("uint8", "int16") else _CHECKER / 255.0
    x, xr = ember.tensor(a).to(getattr(ember, dtype)), torch.tensor(a).to(getattr(torch, dtype))
    out = F2.resize(x, size, interpolation=v2.InterpolationMode.LANCZOS)
    ref = _ref(torchvision)[3].resize(xr, size, interpolation=_ref(torchvision)[2].InterpolationMode.LANCZOS)
    assert str(out.dtype).split(".")[1] == str(ref.dtype).split(".")[1] and tuple(out.shape) == tuple(ref.shape)
    # (int16 and float16: ember's float32 lanczos weights can differ in the last ulp, a rounding step away)
    tol = {"uint8": 0, "int16": 1, "float32": 2e-6, "float64": 1e-12, "float16": 1e-3}[dtype]
    np.testing.assert_allclose(out.float().numpy(), ref.float().numpy(), rtol=0, atol=tol)


def test_v2_lanczos_errors_and_transform(torchvision):
    x = np.random.default_rng(0).random((1, 3, 12, 14), dtype=np.float32)
    out = v2.Resize(7, interpolation=v2.InterpolationMode.LANCZOS)(ember.tensor(x))
    ref = _ref(torchvision)[2].Resize(7, interpolation=_ref(torchvision)[2].InterpolationMode.LANCZOS)(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=2e-6)
    for aa in (False, None):
        _same_outcome(lambda aa=aa: F2.resize(ember.tensor(x), [7, 7], interpolation=v2.InterpolationMode.LANCZOS,
                                              antialias=aa),
                      lambda aa=aa: _ref(torchvision)[3].resize(
                          torch.tensor(x), [7, 7], interpolation=_ref(torchvision)[2].InterpolationMode.LANCZOS,
                          antialias=aa))
    # v1 keeps refusing it (interpolate's error)
    _same_outcome(lambda: F.resize(ember.tensor(x), [7, 7], interpolation=v2.InterpolationMode.LANCZOS),
                  lambda: _ref(torchvision)[1].resize(
                      torch.tensor(x), [7, 7], interpolation=_ref(torchvision)[2].InterpolationMode.LANCZOS))


# ----------------------------------------------------------------------------- symmetric padding

@pytest.mark.parametrize("shape", [(1, 3, 4), (1, 4, 3), (2, 5, 6)])
@pytest.mark.parametrize("padding", [5, [4], [1, 4], [0, 0, 0, 7], [7, 0, 0, 0], [0, 9, 0, 0], [2, 3, 4, 5],
                                     [3, 3, 3, 3], [6, 6, 6, 6], [-1, 5, 0, 0]])
def test_symmetric_pad_larger_than_image(torchvision, shape, padding):
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    for mine, ref in ((F.pad, _ref(torchvision)[1].pad),
                      (F2.pad, _ref(torchvision)[3].pad)):
        _same_outcome(lambda mine=mine: mine(ember.tensor(x), padding, padding_mode="symmetric"),
                      lambda ref=ref: ref(torch.tensor(x), padding, padding_mode="symmetric"))


@pytest.mark.parametrize("shape", [(3, 3), (2, 2, 1, 3, 3)])
@pytest.mark.parametrize("mode", ["symmetric", "reflect", "edge", "constant"])
def test_pad_tensor_rank_errors(torchvision, shape, mode):
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    tvf, tvf2 = _ref(torchvision)[1], _ref(torchvision)[3]
    _same_outcome(lambda: F.pad(ember.tensor(x), [1, 2], padding_mode=mode),
                  lambda: tvf.pad(torch.tensor(x), [1, 2], padding_mode=mode))
    _same_outcome(lambda: F2.pad(ember.tensor(x), [1, 2], padding_mode=mode),
                  lambda: tvf2.pad(torch.tensor(x), [1, 2], padding_mode=mode))
    _same_outcome(lambda: F2.pad(tv_tensors.Mask(ember.tensor(x)), [1, 2], padding_mode=mode),
                  lambda: tvf2.pad(_ref(torchvision)[0].Mask(torch.tensor(x)), [1, 2], padding_mode=mode))


# ----------------------------------------------------------------------------- messages

def _message_cases():
    return {
        "normalize_mean_len": lambda M, lib: M.normalize(lib.ones(3, 8, 8), [0.5, 0.5], [0.2] * 3),
        "normalize_std_len": lambda M, lib: M.normalize(lib.ones(3, 8, 8), [0.5] * 3, [0.2] * 4),
        "normalize_batched": lambda M, lib: M.normalize(lib.ones(2, 3, 8, 8), [0.5] * 2, [0.2] * 2),
        "resize_1d": lambda M, lib: M.resize(lib.ones(8), [4, 4]),
        "blur_h": lambda M, lib: M.gaussian_blur(lib.ones(3, 3, 10), [7, 7]),
        "blur_w": lambda M, lib: M.gaussian_blur(lib.ones(3, 10, 3), [7, 7]),
        "rotate_list": lambda M, lib: M.rotate([[1.0]], 10),
        "hflip_list": lambda M, lib: M.hflip([[1.0]]),
        "pad_list": lambda M, lib: M.pad([[1.0]], 1),
        "affine_list": lambda M, lib: M.affine([[1.0]], 10, [0, 0], 1.0, [0, 0]),
        "center_crop_list": lambda M, lib: M.center_crop([[1.0]], 4),
    }


@pytest.mark.parametrize("name", sorted(_message_cases()))
def test_v1_messages(torchvision, name):
    fn = _message_cases()[name]
    _same_outcome(lambda: fn(F, ember), lambda: fn(_ref(torchvision)[1], torch))


@pytest.mark.parametrize("name", ["adjust_hue", "adjust_gamma", "resize_1d", "resize_2d", "normalize_mean_len"])
def test_v2_messages(torchvision, name):
    cases = {
        "adjust_hue": lambda M, lib: M.adjust_hue((lib.ones(3, 4, 4) * 10).long(), 0.2),
        "adjust_gamma": lambda M, lib: M.adjust_gamma((lib.ones(3, 4, 4) * 10).long(), 1.2),
        "resize_1d": lambda M, lib: M.resize(lib.ones(8), [4, 4]),
        "resize_2d": lambda M, lib: M.resize(lib.ones(8, 8), [4, 4]),
        "normalize_mean_len": lambda M, lib: M.normalize(lib.ones(3, 8, 8), [0.5, 0.5], [0.2] * 3),
    }
    _same_outcome(lambda: cases[name](F2, ember), lambda: cases[name](_ref(torchvision)[3], torch))


@pytest.mark.parametrize("mean,std", [((0.5, 0.5), (0.2,)), ((0.5,), (0.1, 0.2, 0.3, 0.4)), ([0.5] * 3, [0.2] * 3),
                                      ((0.5,), (0.0,)), ((0.5, 0.5), (0.1, 0.2, 0.3, 0.4)), ((0.5, 0.5), (0.1,))])
@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5), (1, 4, 5), (2, 1, 4, 5)])
def test_normalize_mean_std_length_errors_as_torchvision(torchvision, mean, std, shape):
    _, tvf, _, tvf2 = _ref(torchvision)
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    _same_outcome(lambda: F.normalize(ember.tensor(x), mean, std), lambda: tvf.normalize(torch.tensor(x), mean, std))
    _same_outcome(lambda: F2.normalize(ember.tensor(x), mean, std),
                  lambda: tvf2.normalize(torch.tensor(x), mean, std))


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_half_scaling_and_blends_bit_exact(torchvision, dt):
    """Half-precision images: to_dtype(uint8, scale=True) and the v2 blends (brightness, saturation, contrast,
    grayscale) multiply by float32 scalars and round once as torchvision, bit for bit (16x16: whole CPU vectors)."""
    torch = pytest.importorskip("torch")
    from torchvision.transforms.v2 import functional as tvF2

    from ember.vision.transforms.v2 import functional as F2
    tdt, edt = getattr(torch, dt), getattr(ember, dt)
    u8 = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    ref = tvF2.to_dtype(torch.tensor(u8), tdt, scale=True)
    got = F2.to_dtype(ember.tensor(u8), edt, scale=True)
    assert got.dtype == edt
    np.testing.assert_array_equal(got.float().numpy(), ref.float().numpy())
    x = np.random.default_rng(0).random((2, 3, 16, 16), dtype=np.float32)
    for fn in (lambda M, t: M.adjust_brightness(t, 1.37), lambda M, t: M.adjust_saturation(t, 0.63),
               lambda M, t: M.adjust_contrast(t, 1.41), lambda M, t: M.rgb_to_grayscale(t)):
        ref = fn(tvF2, torch.tensor(x).to(tdt))
        got = fn(F2, ember.tensor(x).to(edt))
        assert got.dtype == edt
        np.testing.assert_array_equal(got.float().numpy(), ref.float().numpy())
