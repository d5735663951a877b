"""ember.vision.transforms.functional side by side with torchvision.transforms.functional: colour, dtype, blur,
multi-crop and grid-sampled geometry functions on the same tensors (uint8 and float32, batched and unbatched) and
PIL images (RGB and L)."""

from functools import partial

import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision import transforms as T
from ember.vision.transforms import functional as F
from tests.vision._transform_checks import as_array, raises_same, same_up_to_ties, u8



_RGB = u8((3, 20, 24), 1)
_GRAY_BATCH = u8((2, 1, 20, 24), 2)
_RGB_BATCH = u8((2, 3, 20, 24), 3)


def _inputs(torch, pil=True, floats=True):
    """label -> (ember input, torchvision input): the same pixels in every form."""
    out = {}
    for label, a in (("rgb", _RGB), ("gray_batch", _GRAY_BATCH), ("rgb_batch", _RGB_BATCH)):
        out[label + "_u8"] = (ember.from_numpy(a.copy()), torch.from_numpy(a.copy()))
        if floats:
            f = a.astype(np.float32) / np.float32(255)
            out[label + "_f32"] = (ember.from_numpy(f.copy()), torch.from_numpy(f.copy()))
    if pil:
        out["pil_rgb"] = (Image.fromarray(_RGB.transpose(1, 2, 0)),) * 2
        out["pil_l"] = (Image.fromarray(_GRAY_BATCH[0, 0]),) * 2
    return out



def _same(out, ref, label=""):
    """Same kind, mode/dtype, shape and values (uint8 and PIL exactly, floats to rtol 1e-5)."""
    if isinstance(ref, Image.Image):
        assert isinstance(out, Image.Image) and out.mode == ref.mode, label
    else:
        assert isinstance(out, ember.Tensor), label
        assert str(out.dtype).split(".")[1] == str(ref.dtype).split(".")[1], label
    e, r = as_array(out), as_array(ref)
    assert e.shape == r.shape, label
    if r.dtype.kind in "fc":
        np.testing.assert_allclose(e, r, rtol=1e-5, atol=1e-6, err_msg=label)
    else:
        np.testing.assert_array_equal(e, r, err_msg=label)


def _side_by_side(torch, fn, ref_fn, **kw):
    for label, (e, t) in _inputs(torch, **kw).items():
        _same(fn(e), ref_fn(t), label)



# ----------------------------------------------------------------------------- colour


@pytest.mark.parametrize("name", ["adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_sharpness"])
@pytest.mark.parametrize("factor", [0.0, 0.3, 1.7])
def test_adjust_factor_ops(torchvision, torch, name, factor):
    TF = torchvision.transforms.functional
    _side_by_side(torch, lambda x: getattr(F, name)(x, factor), lambda x: getattr(TF, name)(x, factor))


@pytest.mark.parametrize("hue", [-0.5, -0.2, 0.1, 0.45])
def test_adjust_hue(torchvision, torch, hue):
    TF = torchvision.transforms.functional
    _side_by_side(torch, lambda x: F.adjust_hue(x, hue), lambda x: TF.adjust_hue(x, hue))


@pytest.mark.parametrize("gamma,gain", [(0.5, 1), (2.2, 1), (1.0, 0.8)])
def test_adjust_gamma(torchvision, torch, gamma, gain):
    TF = torchvision.transforms.functional
    _side_by_side(torch, lambda x: F.adjust_gamma(x, gamma, gain), lambda x: TF.adjust_gamma(x, gamma, gain))


@pytest.mark.parametrize("name", ["invert", "autocontrast"])
def test_invert_autocontrast(torchvision, torch, name):
    _side_by_side(torch, getattr(F, name), getattr(torchvision.transforms.functional, name))


def test_autocontrast_flat_channel(torchvision, torch):
    a = _RGB.copy()
    a[1] = 77  # a constant channel is left as it is
    _same(F.autocontrast(ember.from_numpy(a)), torchvision.transforms.functional.autocontrast(torch.from_numpy(a)))


def test_equalize(torchvision, torch):
    TF = torchvision.transforms.functional
    _side_by_side(torch, F.equalize, TF.equalize, floats=False)
    few = np.array([[[0, 10, 20, 30], [30, 30, 10, 0]]], np.uint8)  # few levels; and a single-level image
    for a in (few, np.full((1, 3, 3), 9, np.uint8)):
        _same(F.equalize(ember.from_numpy(a)), TF.equalize(torch.from_numpy(a)))


@pytest.mark.parametrize("bits", [0, 3, 8])
def test_posterize(torchvision, torch, bits):
    TF = torchvision.transforms.functional
    # (pillow refuses bits=0 for PIL images, so torchvision does too)
    _side_by_side(torch, lambda x: F.posterize(x, bits), lambda x: TF.posterize(x, bits), floats=False, pil=bits > 0)


@pytest.mark.parametrize("threshold", [100, 128.5])
def test_solarize(torchvision, torch, threshold):
    TF = torchvision.transforms.functional
    _side_by_side(torch, lambda x: F.solarize(x, threshold), lambda x: TF.solarize(x, threshold), floats=False)
    f = _RGB.astype(np.float32) / 255
    _same(F.solarize(ember.from_numpy(f), 0.4), TF.solarize(torch.from_numpy(f), 0.4))


@pytest.mark.parametrize("channels", [1, 3])
def test_rgb_to_grayscale(torchvision, torch, channels):
    TF = torchvision.transforms.functional
    _side_by_side(torch, lambda x: F.rgb_to_grayscale(x, channels), lambda x: TF.rgb_to_grayscale(x, channels))
    pil = Image.fromarray(_RGB.transpose(1, 2, 0))
    _same(F.to_grayscale(pil, channels), TF.to_grayscale(pil, channels))


def test_color_ops_on_arrays_follow_the_tensor_path():
    # PIL-like [H, W, C] arrays go through the same arithmetic as the equivalent [C, H, W] tensor
    hwc = _RGB.transpose(1, 2, 0).copy()
    t = ember.from_numpy(_RGB.copy())
    for fn in (lambda x: F.adjust_hue(x, 0.2), lambda x: F.adjust_contrast(x, 1.5), F.equalize,
               lambda x: F.rgb_to_grayscale(x, 3), lambda x: F.gaussian_blur(x, 3, 1.0)):
        out = fn(hwc)
        assert isinstance(out, np.ndarray) and out.dtype == np.uint8
        np.testing.assert_array_equal(out, fn(t).numpy().transpose(1, 2, 0))


def test_color_errors(torchvision, torch):
    TF = torchvision.transforms.functional
    two_ch, flat, vec = torch.rand(2, 4, 5), torch.rand(4, 5), torch.rand(5)
    for name in ("adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_sharpness", "adjust_hue",
                 "adjust_gamma"):
        for x in (two_ch, vec, [1]):
            e = ember.from_numpy(x.numpy()) if isinstance(x, torch.Tensor) else x
            raises_same(partial(getattr(TF, name), x, 0.3), partial(getattr(F, name), e, 0.3))
    for name in ("adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_sharpness"):
        raises_same(partial(getattr(TF, name), flat, -0.5), partial(getattr(F, name), ember.rand(4, 5), -0.5))
    raises_same(lambda: TF.adjust_hue(flat, 0.7), lambda: F.adjust_hue(ember.rand(4, 5), 0.7))
    raises_same(lambda: TF.adjust_gamma(flat, -1.0), lambda: F.adjust_gamma(ember.rand(4, 5), -1.0))
    for name in ("invert", "autocontrast", "equalize"):
        for x in (two_ch, flat, vec):
            raises_same(partial(getattr(TF, name), x), partial(getattr(F, name), ember.from_numpy(x.numpy())))
    raises_same(lambda: TF.equalize(torch.rand(3, 4, 4)), lambda: F.equalize(ember.rand(3, 4, 4)))
    raises_same(lambda: TF.posterize(torch.rand(3, 4, 4), 2), lambda: F.posterize(ember.rand(3, 4, 4), 2))
    raises_same(lambda: TF.posterize(torch.zeros(3, 4, 4), 9), lambda: F.posterize(ember.zeros(3, 4, 4), 9))
    raises_same(lambda: TF.solarize(torch.zeros(3, 4, 4, dtype=torch.uint8), 300),
                 lambda: F.solarize(ember.zeros(3, 4, 4, dtype=ember.uint8), 300))
    raises_same(lambda: TF.rgb_to_grayscale(flat), lambda: F.rgb_to_grayscale(ember.rand(4, 5)))
    raises_same(lambda: TF.rgb_to_grayscale(two_ch), lambda: F.rgb_to_grayscale(ember.rand(2, 4, 5)))
    raises_same(lambda: TF.rgb_to_grayscale(torch.rand(3, 4, 4), 2),
                 lambda: F.rgb_to_grayscale(ember.rand(3, 4, 4), 2))
    raises_same(lambda: TF.to_grayscale(torch.rand(3, 4, 4)), lambda: F.to_grayscale(ember.rand(3, 4, 4)))


# ----------------------------------------------------------------------------- dtype / erase / blur


@pytest.mark.parametrize("dtype", ["float32", "float64", "uint8", "int16", "int32", "int64"])
def test_convert_image_dtype(torchvision, torch, dtype):
    TF = torchvision.transforms.functional
    for label, (e, t) in _inputs(torch, pil=False).items():
        try:
            ref = TF.convert_image_dtype(t, getattr(torch, dtype))
        except RuntimeError:  # unsafe float -> int casts
            raises_same(partial(TF.convert_image_dtype, t, getattr(torch, dtype)),
                         partial(F.convert_image_dtype, e, getattr(ember, dtype)))
            continue
        _same(F.convert_image_dtype(e, getattr(ember, dtype)), ref, label)
    i16 = np.array([[[-32768, -1, 0, 5, 32767]]], np.int16)
    for dtype2 in ("uint8", "int32", "float32"):
        _same(F.convert_image_dtype(ember.from_numpy(i16), getattr(ember, dtype2)),
              TF.convert_image_dtype(torch.from_numpy(i16), getattr(torch, dtype2)))
    x = ember.rand(1, 2, 2)
    assert F.convert_image_dtype(x) is x
    raises_same(lambda: TF.convert_image_dtype(np.zeros(3)), lambda: F.convert_image_dtype(np.zeros(3)))


def test_erase(torchvision, torch):
    TF = torchvision.transforms.functional
    a = np.random.default_rng(0).random((2, 3, 8, 9), dtype=np.float32)
    for v_np in (np.float32(0.5), np.arange(3, dtype=np.float32)[:, None, None],
                 np.random.default_rng(1).random((3, 4, 5), dtype=np.float32)):
        e, t = ember.from_numpy(a.copy()), torch.from_numpy(a.copy())
        _same(F.erase(e, 2, 3, 4, 5, ember.tensor(v_np)), TF.erase(t, 2, 3, 4, 5, torch.tensor(v_np)))
        np.testing.assert_array_equal(e.numpy(), a)  # not in place
    e = ember.from_numpy(a.copy())
    assert F.erase(e, 0, 0, 2, 2, ember.tensor(0.0), inplace=True) is e and float(e[0, 0, 0, 0]) == 0.0
    raises_same(lambda: TF.erase(np.zeros((3, 4, 4)), 0, 0, 1, 1, 0),
                 lambda: F.erase(np.zeros((3, 4, 4)), 0, 0, 1, 1, 0))


@pytest.mark.parametrize("kernel_size,sigma", [(3, None), ((5, 3), (1.2, 0.7)), (7, 2.0), (3, [0.5])])
def test_gaussian_blur(torchvision, torch, kernel_size, sigma):
    TF = torchvision.transforms.functional
    _side_by_side(torch, lambda x: F.gaussian_blur(x, kernel_size, sigma),
                  lambda x: TF.gaussian_blur(x, kernel_size, sigma))


def test_gaussian_blur_errors(torchvision, torch):
    TF = torchvision.transforms.functional
    for ks, s in [(4, None), ([3, 3, 3], None), ("a", None), (3, -1.0), (3, "x"), (3, [1.0, 2.0, 3.0]), (-3, None)]:
        raises_same(partial(TF.gaussian_blur, torch.rand(3, 8, 8), ks, s),
                     partial(F.gaussian_blur, ember.rand(3, 8, 8), ks, s))
    raises_same(lambda: TF.gaussian_blur(torch.rand(1, 3, 3), 9), lambda: F.gaussian_blur(ember.rand(1, 3, 3), 9))
    raises_same(lambda: TF.gaussian_blur([1], 3), lambda: F.gaussian_blur([1], 3))


# ----------------------------------------------------------------------------- crops


def _crops_as_one(crops):
    return ember.stack(list(crops)) if isinstance(crops[0], ember.Tensor) else crops[-2]


def _ref_crops_as_one(torch, crops):
    return torch.stack(list(crops)) if isinstance(crops[0], torch.Tensor) else crops[-2]


@pytest.mark.parametrize("size", [(7, 9), [6], 5])
def test_five_and_ten_crop(torchvision, torch, size):
    TF = torchvision.transforms.functional
    _side_by_side(torch, lambda x: _crops_as_one(F.five_crop(x, size)),
                  lambda x: _ref_crops_as_one(torch, TF.five_crop(x, size)))
    for vertical in (False, True):
        _side_by_side(torch, lambda x, v=vertical: _crops_as_one(F.ten_crop(x, size, v)),
                      lambda x, v=vertical: _ref_crops_as_one(torch, TF.ten_crop(x, size, v)))
    pil = Image.fromarray(_RGB.transpose(1, 2, 0))
    for e, r in zip(F.ten_crop(pil, size), TF.ten_crop(pil, size)):
        _same(e, r)


def test_five_crop_errors(torchvision, torch):
    TF = torchvision.transforms.functional
    for size in [(9, 21), [21, 2], (1, 2, 3)]:
        raises_same(partial(TF.five_crop, torch.rand(3, 8, 20), size),
                     partial(F.five_crop, ember.rand(3, 8, 20), size))


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
def test_resized_crop(torchvision, torch, interpolation):
    TF = torchvision.transforms.functional
    mode_e, mode_t = F.InterpolationMode(interpolation), TF.InterpolationMode(interpolation)
    for label, (e, t) in _inputs(torch, pil=True).items():
        out, ref = F.resized_crop(e, 2, 3, 10, 12, [16, 16], mode_e), TF.resized_crop(t, 2, 3, 10, 12, [16, 16], mode_t)
        if isinstance(ref, Image.Image) or ref.dtype == torch.float32:
            _same(out, ref, label)
        else:  # uint8 tensors are resized in float32 and rounded
            assert out.dtype == ember.uint8
            ref_float = TF.resized_crop(t.float(), 2, 3, 10, 12, [16, 16], mode_t)
            same_up_to_ties(out, ref, ref_float.clamp(0, 255) if interpolation == "bicubic" else ref_float, label)


_RESIZE_DTYPES = ["uint8", "float32", "float64", "float16", "bfloat16", "int16"]


@pytest.mark.parametrize("dtype", _RESIZE_DTYPES)
@pytest.mark.parametrize("interpolation", ["nearest", "nearest-exact", "bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [True, False, None])
def test_resize_tensor(torchvision, torch, dtype, interpolation, antialias):
    # torchvision's tensor path: interpolate in float32 (float64 kept), back to the image's dtype (integers rounded,
    # bicubic uint8 clamped first); the same dtype out for every input dtype
    TF = torchvision.transforms.functional
    mode_e, mode_t = F.InterpolationMode(interpolation), TF.InterpolationMode(interpolation)
    for shape, size in (((3, 20, 24), [9, 31]), ((2, 1, 20, 24), [33, 11]), ((3, 20, 24), 12)):
        a = u8(shape, 5)
        t = torch.from_numpy(a).to(getattr(torch, dtype) if dtype != "uint8" else torch.uint8)
        if t.is_floating_point():
            t = t / 255
        e = ember.from_numpy(t.to(torch.float64).numpy()).to(getattr(ember, dtype))
        out, ref = F.resize(e, size, mode_e, antialias=antialias), TF.resize(t, size, mode_t, antialias=antialias)
        assert str(out.dtype).split(".")[1] == str(ref.dtype).split(".")[1] and tuple(out.shape) == tuple(ref.shape)
        if not t.is_floating_point():
            ref_float = TF.resize(t.float(), size, mode_t, antialias=antialias)
            same_up_to_ties(out, ref, ref_float.clamp(0, 255) if mode_t.value == "bicubic" else ref_float, dtype)
            continue
        tol = {"float16": 1e-3, "bfloat16": 8e-3}.get(dtype, 1e-5)  # (a float32 result rounded to half)
        np.testing.assert_allclose(out.to(ember.float64).numpy(), ref.to(torch.float64).numpy(), rtol=tol, atol=tol)


def test_resize_arrays_and_batches(torchvision, torch):
    TF = torchvision.transforms.functional
    f = u8((20, 24, 3), 6).astype(np.float32) / 255  # a float HWC array resizes as the CHW tensor would
    ref = TF.resize(torch.from_numpy(f.transpose(2, 0, 1).copy()), [9, 31]).numpy().transpose(1, 2, 0)
    np.testing.assert_allclose(F.resize(f, [9, 31]), ref, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="Input and output must have the same number of spatial dimensions"):
        F.resize(ember.rand(20, 24), [9, 31])  # (torchvision takes [C, H, W] and [N, C, H, W] tensors only)


def test_resize_errors_and_warning(torchvision, torch):
    TF, IM = torchvision.transforms.functional, F.InterpolationMode
    x, y = torch.rand(3, 10, 12), ember.rand(3, 10, 12)
    for kw in (dict(size=8, max_size=8), dict(size=[8], max_size=8), dict(size=[8, 9], max_size=20),
               dict(size=[8, 9, 3]), dict(size=8.5), dict(size=[8, 9], interpolation="bilinear")):
        raises_same(partial(TF.resize, x, **kw), partial(F.resize, y, **kw))
    for mode in ("BOX", "HAMMING", "LANCZOS"):
        raises_same(partial(TF.resize, x, [8, 9], TF.InterpolationMode[mode]), partial(F.resize, y, [8, 9], IM[mode]))
    raises_same(lambda: TF.resize([1], [8, 9]), lambda: F.resize([1], [8, 9]))
    pil = Image.fromarray(_RGB.transpose(1, 2, 0))
    with pytest.warns(UserWarning, match="Anti-alias option is always applied for PIL Image input"):
        out = F.resize(pil, [8, 9], antialias=False)
    _same(out, TF.resize(pil, [8, 9]))


# ----------------------------------------------------------------------------- geometry (grid-sampled)


@pytest.mark.parametrize("fill", [None, [7.0, 8.0, 9.0], [4.0]])
def test_rotate_and_affine_tensors(torchvision, torch, fill):
    TF = torchvision.transforms.functional
    a = _RGB_BATCH
    for interpolation, dt in [(i, d) for i in ("nearest", "bilinear") for d in (np.uint8, np.float32)]:
        mode_e, mode_t = F.InterpolationMode(interpolation), TF.InterpolationMode(interpolation)
        x = a.astype(dt)
        for angle in (-131.3, -20.0, 33.3, 90.0):
            _same(F.rotate(ember.from_numpy(x), angle, mode_e, expand=True, fill=fill),
                  TF.rotate(torch.from_numpy(x), angle, mode_t, expand=True, fill=fill))
            _same(F.rotate(ember.from_numpy(x[0]), angle, mode_e, center=[3, 5], fill=fill),
                  TF.rotate(torch.from_numpy(x[0]), angle, mode_t, center=[3, 5], fill=fill))
            _same(F.affine(ember.from_numpy(x), angle, [2, -3], 1.1, [5.0, 3.0], mode_e, fill),
                  TF.affine(torch.from_numpy(x), angle, [2, -3], 1.1, [5.0, 3.0], mode_t, fill))


def test_rotate_and_affine_larger_images(torchvision, torch):
    TF = torchvision.transforms.functional
    x = u8((3, 64, 80), 5)
    for angle in (17.0, -71.5):
        _same(F.rotate(ember.from_numpy(x), angle, F.InterpolationMode.BILINEAR, expand=True),
              TF.rotate(torch.from_numpy(x), angle, TF.InterpolationMode.BILINEAR, expand=True))
        _same(F.affine(ember.from_numpy(x), angle, [5, 1], 0.8, [10.0], center=[20, 30]),
              TF.affine(torch.from_numpy(x), angle, [5, 1], 0.8, [10.0], center=[20, 30]))


_START = [[0, 0], [23, 0], [23, 19], [0, 19]]
_END = [[3, 2], [21, 1], [23, 15], [1, 18]]


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill", [None, [7.0, 8.0, 9.0], 5])
def test_perspective(torchvision, torch, interpolation, fill):
    TF = torchvision.transforms.functional
    mode_e, mode_t = F.InterpolationMode(interpolation), TF.InterpolationMode(interpolation)
    for label, (e, t) in _inputs(torch).items():
        if isinstance(fill, list) and F.get_dimensions(e)[0] == 1:
            continue
        _same(F.perspective(e, _START, _END, mode_e, fill), TF.perspective(t, _START, _END, mode_t, fill), label)


def test_perspective_and_geometry_errors(torchvision, torch):
    TF = torchvision.transforms.functional
    x, y = torch.rand(3, 8, 8), ember.rand(3, 8, 8)
    sp = [[0, 0], [7, 0], [7, 7], [0, 7]]
    raises_same(lambda: TF.perspective(x, sp[:3], sp), lambda: F.perspective(y, sp[:3], sp))
    raises_same(lambda: TF.perspective(x, sp, sp, fill=[1.0, 2.0]), lambda: F.perspective(y, sp, sp, fill=[1.0, 2.0]))
    raises_same(lambda: TF.perspective(x, sp, sp, TF.InterpolationMode.BICUBIC),
                 lambda: F.perspective(y, sp, sp, F.InterpolationMode.BICUBIC))
    raises_same(lambda: TF.perspective(x, sp, sp, "bilinear"), lambda: F.perspective(y, sp, sp, "bilinear"))
    raises_same(lambda: TF.rotate(x, "a"), lambda: F.rotate(y, "a"))
    raises_same(lambda: TF.rotate(x, 3.0, center=3), lambda: F.rotate(y, 3.0, center=3))
    raises_same(lambda: TF.rotate(x, 3.0, TF.InterpolationMode.BICUBIC),
                 lambda: F.rotate(y, 3.0, F.InterpolationMode.BICUBIC))
    raises_same(lambda: TF.rotate(x, 3.0, fill=[1.0, 2.0]), lambda: F.rotate(y, 3.0, fill=[1.0, 2.0]))
    for args in [(3.0, (1,), 1.0, 0.0), (3.0, 3, 1.0, 0.0), (3.0, [0, 0], 1.0, "x"), (3.0, [0, 0], 1.0, [1, 2, 3]),
                 (3.0, [0, 0], 0.0, 0.0)]:
        raises_same(partial(TF.affine, x, *args), partial(F.affine, y, *args))
    for kw in (dict(interpolation="bilinear"), dict(angle="a"), dict(center=3), dict(angle="a", translate=3)):
        kw = {"angle": 3.0, "translate": [0, 0], "scale": 1.0, "shear": 0.0, **kw}
        raises_same(partial(TF.affine, x, **kw), partial(F.affine, y, **kw))
    raises_same(lambda: TF.rotate(x, 3.0, "bilinear"), lambda: F.rotate(y, 3.0, "bilinear"))
    pil = Image.fromarray(_RGB.transpose(1, 2, 0))
    raises_same(lambda: TF.rotate(pil, 3.0, fill=[1, 2]), lambda: F.rotate(pil, 3.0, fill=[1, 2]))


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill", [None, [3.0]])
def test_elastic_transform(torchvision, torch, interpolation, fill):
    TF = torchvision.transforms.functional
    mode_e, mode_t = F.InterpolationMode(interpolation), TF.InterpolationMode(interpolation)
    disp = (np.random.default_rng(7).random((1, 20, 24, 2), dtype=np.float32) * 0.3 - 0.15)
    for label, (e, t) in _inputs(torch).items():
        _same(F.elastic_transform(e, ember.from_numpy(disp.copy()), mode_e, fill),
              TF.elastic_transform(t, torch.from_numpy(disp.copy()), mode_t, fill), label)


def test_elastic_transform_errors(torchvision, torch):
    TF = torchvision.transforms.functional
    raises_same(lambda: TF.elastic_transform(torch.rand(3, 8, 8), torch.zeros(1, 8, 7, 2)),
                 lambda: F.elastic_transform(ember.rand(3, 8, 8), ember.zeros(1, 8, 7, 2)))
    raises_same(lambda: TF.elastic_transform(torch.rand(3, 8, 8), np.zeros((1, 8, 8, 2))),
                 lambda: F.elastic_transform(ember.rand(3, 8, 8), np.zeros((1, 8, 8, 2))))


# ----------------------------------------------------------------------------- half precision

_HALF_OPS = {  # name -> (call, whether torchvision computes it in float32 and rounds once to the half type)
    "normalize": (lambda M, x: M.normalize(x, [0.4, 0.5, 0.6], [0.2, 0.3, 0.25]), False),
    "resize": (lambda M, x: M.resize(x, [7, 9]), True),
    "resize_bicubic": (lambda M, x: M.resize(x, [17, 19], M.InterpolationMode.BICUBIC, antialias=False), True),
    "resized_crop": (lambda M, x: M.resized_crop(x, 1, 2, 8, 9, [5, 6]), True),
    "pad": (lambda M, x: M.pad(x, [1, 2], padding_mode="reflect"), True),
    "brightness": (lambda M, x: M.adjust_brightness(x, 1.3), False),
    "contrast": (lambda M, x: M.adjust_contrast(x, 0.7), False),
    "saturation": (lambda M, x: M.adjust_saturation(x, 1.7), False),
    "sharpness": (lambda M, x: M.adjust_sharpness(x, 1.7), False),
    "hue": (lambda M, x: M.adjust_hue(x, 0.2), True),
    "gamma": (lambda M, x: M.adjust_gamma(x, 0.7, 1.1), False),
    "grayscale": (lambda M, x: M.rgb_to_grayscale(x, 3), False),
    "invert": (lambda M, x: M.invert(x), True),
    "solarize": (lambda M, x: M.solarize(x, 0.5), True),
    "autocontrast": (lambda M, x: M.autocontrast(x), False),
    "gaussian_blur": (lambda M, x: M.gaussian_blur(x, [5, 3], [1.2, 0.8]), False),
    "rotate": (lambda M, x: M.rotate(x, 17.0, M.InterpolationMode.BILINEAR, fill=[0.2, 0.3, 0.4]), None),
    "affine": (lambda M, x: M.affine(x, 10.0, [1, 2], 1.1, [5.0, 3.0], M.InterpolationMode.BILINEAR), None),
    "perspective": (lambda M, x: M.perspective(x, [[0, 0], [13, 0], [13, 11], [0, 11]],
                                                [[1, 1], [12, 0], [13, 10], [0, 11]]), None),
    "convert_image_dtype": (lambda M, x: M.convert_image_dtype(x, x.float().dtype), True),
}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", list(_HALF_OPS))
def test_half_precision_images(torchvision, torch, dtype, name):
    # the result has torchvision's dtype; values agree to the half type's rounding where torchvision computes in
    # float32, and to a few of its ulps where it computes in the half type itself (each operation rounded); the
    # grid-sampled geometry builds its sampling grid in the half type there (positions a fraction of a pixel off)
    TF = torchvision.transforms.functional
    call, in_f32 = _HALF_OPS[name]
    a = u8((3, 12, 14), 7).astype(np.float32) / 255
    ref = call(TF, torch.from_numpy(a).to(getattr(torch, dtype)))
    out = call(F, ember.from_numpy(a).to(getattr(ember, dtype)))
    assert str(out.dtype).split(".")[1] == str(ref.dtype).split(".")[1] and tuple(out.shape) == tuple(ref.shape)
    ulp = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7}[dtype]
    tol = {True: ulp, False: 4 * ulp, None: 0.1}[in_f32]
    np.testing.assert_allclose(out.to(ember.float64).numpy(), ref.to(torch.float64).numpy(), rtol=tol, atol=tol)


def test_messages_naming_dtypes(torchvision, torch):
    # dtypes in messages are spelled as ember spells them everywhere else (``ember.float32`` for ``torch.float32``)
    TF, TT = torchvision.transforms.functional, torchvision.transforms
    a = u8((3, 4, 4))
    raises_same(lambda: TF.normalize(torch.from_numpy(a), [0.5], [0.5]), lambda: F.normalize(ember.from_numpy(a),
                                                                                                [0.5], [0.5]))
    raises_same(lambda: TF.normalize(torch.rand(3, 4, 4), [0.5], [0.0]), lambda: F.normalize(ember.rand(3, 4, 4),
                                                                                               [0.5], [0.0]))
    raises_same(lambda: TT.LinearTransformation(torch.eye(4), torch.zeros(4, dtype=torch.float64)),
                lambda: T.LinearTransformation(ember.eye(4), ember.zeros(4, dtype=ember.float64)))
    raises_same(lambda: TF.convert_image_dtype(torch.rand(3, 4, 4), torch.int32),
                lambda: F.convert_image_dtype(ember.rand(3, 4, 4), ember.int32))
