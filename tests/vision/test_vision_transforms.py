"""Transforms against reference NumPy computations (and PIL / PyTorch where they define the result)."""

import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision import transforms as T
from ember.vision.transforms import functional as F


def _img(h=6, w=5, c=None, seed=0):
    rng = np.random.default_rng(seed)
    shape = (h, w) if c is None else (h, w, c)
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


def _chw(a):
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


# ----------------------------------------------------------------------------- conversions

@pytest.mark.parametrize("c", [None, 3, 4])
def test_to_tensor_pil_and_array(c):
    a = _img(c=c)
    expect = _chw(a).astype(np.float32) / np.float32(255)
    for src in (Image.fromarray(a), a):
        t = T.ToTensor()(src)
        assert isinstance(t, ember.Tensor) and t.dtype == ember.float32
        np.testing.assert_array_equal(t.numpy(), expect)


def test_to_tensor_matches_torch_arithmetic(torch):
    a = _img(28, 28)
    ref = torch.from_numpy(a)[None].to(torch.float32).div(255).numpy()
    np.testing.assert_array_equal(T.ToTensor()(Image.fromarray(a)).numpy(), ref)


def test_to_tensor_other_modes_and_errors():
    f = np.linspace(0, 3, 30, dtype=np.float32).reshape(5, 6)
    np.testing.assert_array_equal(T.ToTensor()(f).numpy(), f[None])  # non-uint8 arrays are not scaled
    b = Image.fromarray(np.array([[True, False]]))
    np.testing.assert_array_equal(T.ToTensor()(b).numpy(), [[[1.0, 0.0]]])
    i32 = Image.fromarray(np.array([[70000, 3]], dtype=np.int32))
    assert T.ToTensor()(i32).dtype == ember.int32
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray. Got <class 'list'>"):
        T.ToTensor()([1, 2])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 4 dimensions."):
        T.ToTensor()(np.zeros((1, 2, 3, 4), dtype=np.uint8))


def test_pil_to_tensor():
    a = _img(c=3)
    t = T.PILToTensor()(Image.fromarray(a))
    assert t.dtype == ember.uint8
    np.testing.assert_array_equal(t.numpy(), _chw(a))
    with pytest.raises(TypeError, match="pic should be PIL Image. Got <class 'numpy.ndarray'>"):
        T.PILToTensor()(a)


def test_to_pil_image():
    x = ember.rand(1, 4, 5)
    img = T.ToPILImage()(x)
    assert img.mode == "L" and img.size == (5, 4)
    np.testing.assert_array_equal(np.asarray(img), (x.numpy()[0] * 255).astype(np.uint8))
    rgb = T.ToPILImage()(ember.from_numpy(_chw(_img(c=3))))
    assert rgb.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(rgb), _img(c=3))
    assert T.ToPILImage()(_img()).mode == "L"
    with pytest.raises(ValueError, match=r"Incorrect mode \(RGB\) supplied for input type uint8. Should be L"):
        T.ToPILImage(mode="RGB")(_img())
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 4 dimensions."):
        T.ToPILImage()(ember.zeros(1, 1, 2, 2))


# ----------------------------------------------------------------------------- normalize

def test_normalize_reference(torch):
    x = ember.rand(3, 4, 5)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = T.Normalize(mean, std)(x)
    ref = torch.from_numpy(x.numpy().copy())
    ref = ref.sub_(torch.tensor(mean).view(-1, 1, 1)).div_(torch.tensor(std).view(-1, 1, 1))
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    assert out.dtype == ember.float32
    assert repr(T.Normalize((0.1307,), (0.3081,))) == "Normalize(mean=(0.1307,), std=(0.3081,))"
    y = x.clone()
    assert T.Normalize(mean, std, inplace=True)(y) is y
    np.testing.assert_array_equal(y.numpy(), out.numpy())


def test_normalize_errors():
    with pytest.raises(TypeError, match="img should be Tensor Image. Got <class 'numpy.ndarray'>"):
        T.Normalize((0.5,), (0.5,))(np.zeros((1, 2, 2), dtype=np.float32))
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got ember.uint8."):
        T.Normalize((0.5,), (0.5,))(ember.zeros(1, 2, 2, dtype=ember.uint8))
    with pytest.raises(ValueError, match=r"Expected tensor to be a tensor image of size \(..., C, H, W\)"):
        T.Normalize((0.5,), (0.5,))(ember.zeros(2, 2))
    with pytest.raises(ValueError, match="std evaluated to zero after conversion to ember.float32"):
        T.Normalize((0.5,), (0.0,))(ember.zeros(1, 2, 2))


# ----------------------------------------------------------------------------- pad / crop / flip

@pytest.mark.parametrize("padding,width", [(2, ((2, 2), (2, 2))), ((1, 3), ((3, 3), (1, 1))),
                                           ((1, 2, 3, 4), ((2, 4), (1, 3))), ([2], ((2, 2), (2, 2)))])
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_reference(padding, width, mode):
    a = _img()
    kw = {"constant_values": 7} if mode == "constant" else {}
    ref = np.pad(a, width, mode=mode, **kw)
    t = T.Pad(padding, fill=7, padding_mode=mode)
    np.testing.assert_array_equal(np.asarray(t(Image.fromarray(a))), ref)
    np.testing.assert_array_equal(t(a), ref)
    np.testing.assert_array_equal(t(ember.from_numpy(a[None].astype(np.float32))).numpy()[0], ref.astype(np.float32))


def test_pad_rgb_fill_and_errors():
    a = _img(c=3)
    out = np.asarray(T.Pad(1, fill=(1, 2, 3))(Image.fromarray(a)))
    assert out.shape == (8, 7, 3) and out[0, 0].tolist() == [1, 2, 3]
    np.testing.assert_array_equal(out[1:-1, 1:-1], a)
    with pytest.raises(TypeError, match="Got inappropriate padding arg"):
        T.Pad("2")
    with pytest.raises(TypeError, match="Got inappropriate fill arg"):
        T.Pad(2, fill="x")
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect or symmetric"):
        T.Pad(2, padding_mode="wrap")
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple, not a 3 element tuple"):
        T.Pad((1, 2, 3))


@pytest.mark.parametrize("size,shape", [(4, (4, 4)), ((3, 2), (3, 2)), ((5,), (5, 5)), ((6, 5), (6, 5))])
def test_center_crop_reference(size, shape):
    a = _img(6, 5)
    th, tw = shape
    top, left = int(round((6 - th) / 2.0)), int(round((5 - tw) / 2.0))
    ref = a[top:top + th, left:left + tw]
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(size)(Image.fromarray(a))), ref)
    np.testing.assert_array_equal(T.CenterCrop(size)(ember.from_numpy(a[None])).numpy()[0], ref)


def test_center_crop_larger_pads_with_zeros():
    a = _img(2, 2)
    out = T.CenterCrop(4)(ember.from_numpy(a[None])).numpy()[0]
    ref = np.zeros((4, 4), np.uint8)
    ref[1:3, 1:3] = a
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(4)(Image.fromarray(a))), ref)


def test_random_crop_windows_and_seeding():
    a = _img(8, 8)
    padded = np.pad(a, 2)
    t = T.RandomCrop(6, padding=2)
    ember.manual_seed(0)
    outs = [T.RandomCrop(6, padding=2)(ember.from_numpy(a[None])).numpy()[0] for _ in range(10)]
    ember.manual_seed(0)
    again = [t(ember.from_numpy(a[None])).numpy()[0] for _ in range(10)]
    assert all((x == y).all() for x, y in zip(outs, again))
    windows = {(i, j) for i in range(7) for j in range(7) if (padded[i:i + 6, j:j + 6] == outs[0]).all()}
    assert windows
    assert len({o.tobytes() for o in outs}) > 1
    pil_out = np.asarray(t(Image.fromarray(a)))
    assert any((padded[i:i + 6, j:j + 6] == pil_out).all() for i in range(7) for j in range(7))
    assert T.RandomCrop(10, pad_if_needed=True)(ember.from_numpy(a[None])).shape == (1, 10, 10)
    with pytest.raises(ValueError, match=r"Required crop size \(10, 10\) is larger than input image size \(8, 8\)"):
        T.RandomCrop(10)(ember.from_numpy(a[None]))


def test_random_horizontal_flip():
    a = _img(3, 4)
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(1.0)(Image.fromarray(a))), a[:, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(ember.from_numpy(a[None])).numpy()[0], a[:, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(0.0)(a), a)
    ember.manual_seed(1)
    flips = [bool((T.RandomHorizontalFlip()(a) != a).any()) for _ in range(20)]
    ember.manual_seed(1)
    assert flips == [bool((T.RandomHorizontalFlip()(a) != a).any()) for _ in range(20)]
    assert 0 < sum(flips) < 20
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(a), a[::-1])


# ----------------------------------------------------------------------------- resize

def test_resize_pil_is_pils_own():
    a = _img(28, 28)
    out = T.Resize((32, 32))(Image.fromarray(a))
    np.testing.assert_array_equal(np.asarray(out), np.asarray(Image.fromarray(a).resize((32, 32), Image.BILINEAR)))
    assert T.Resize(14)(Image.fromarray(_img(28, 56))).size == (28, 14)  # smaller edge -> 14, aspect kept
    assert repr(T.Resize((32, 32))) == "Resize(size=(32, 32), interpolation=bilinear, max_size=None, antialias=True)"


@pytest.mark.parametrize("size", [(32, 32), (14, 14), (10, 37), (28, 28)])
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_tensor_matches_torch_interpolate(torch, size, antialias):
    x = ember.rand(2, 3, 28, 28)
    out = T.Resize(size, antialias=antialias)(x)
    ref = torch.nn.functional.interpolate(torch.from_numpy(x.numpy().copy()), size=size, mode="bilinear",
                                          align_corners=False, antialias=antialias)
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)


def test_resize_tensor_nearest_matches_torch(torch):
    x = ember.rand(1, 1, 7, 9)
    out = T.Resize((5, 13), interpolation=T.InterpolationMode.NEAREST)(x)
    ref = torch.nn.functional.interpolate(torch.from_numpy(x.numpy().copy()), size=(5, 13), mode="nearest")
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_resize_errors():
    with pytest.raises(TypeError, match="Size should be int or sequence. Got <class 'float'>"):
        T.Resize(2.5)
    with pytest.raises(ValueError, match="If size is a sequence, it should have 1 or 2 values"):
        T.Resize((1, 2, 3))


# ----------------------------------------------------------------------------- rotation / affine

def test_rotation_90_is_rot90():
    a = _img(5, 5)
    rot = T.RandomRotation((90, 90))
    np.testing.assert_array_equal(rot(ember.from_numpy(a[None])).numpy()[0], np.rot90(a, 1))
    np.testing.assert_array_equal(np.asarray(rot(Image.fromarray(a))), np.rot90(a, 1))
    np.testing.assert_array_equal(rot(a), np.rot90(a, 1))
    f = ember.from_numpy(a[None].astype(np.float32))
    np.testing.assert_allclose(T.RandomRotation((90, 90), interpolation=T.InterpolationMode.BILINEAR)(f).numpy()[0],
                               np.rot90(a, 1).astype(np.float32), atol=1e-4)


def test_rotation_expand_fill_and_seeding():
    a = np.full((4, 6), 9, np.uint8)
    out = T.RandomRotation((90, 90), expand=True)(ember.from_numpy(a[None]))
    assert tuple(out.shape) == (1, 6, 4) and (out.numpy() == 9).all()
    corner = T.RandomRotation((45, 45), fill=3)(ember.from_numpy(a[None])).numpy()[0]
    assert corner[0, 0] == 3 and corner[2, 3] == 9
    x = ember.rand(1, 9, 9)
    ember.manual_seed(4)
    r1 = T.RandomRotation(30)(x)
    ember.manual_seed(4)
    np.testing.assert_array_equal(T.RandomRotation(30)(x).numpy(), r1.numpy())
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive."):
        T.RandomRotation(-3)
    with pytest.raises(ValueError, match="degrees should be a sequence of length 2."):
        T.RandomRotation((1, 2, 3))


def test_affine_reference():
    a = _img(7, 7)
    t = ember.from_numpy(a[None])
    # Pure translation by (2, 1): out[y, x] = in[y - 1, x - 2], zero outside.
    ref = np.zeros_like(a)
    ref[1:, 2:] = a[:-1, :-2]
    np.testing.assert_array_equal(F.affine(t, 0.0, [2, 1], 1.0, [0.0]).numpy()[0], ref)
    np.testing.assert_array_equal(np.asarray(F.affine(Image.fromarray(a), 0.0, [2, 1], 1.0, [0.0])), ref)
    # affine's angle is clockwise.
    np.testing.assert_array_equal(F.affine(t, 90.0, [0, 0], 1.0, [0.0]).numpy()[0], np.rot90(a, -1))
    np.testing.assert_array_equal(np.asarray(F.affine(Image.fromarray(a), 90.0, [0, 0], 1.0, [0.0])), np.rot90(a, -1))


def test_random_affine_params_and_seeding():
    x = ember.rand(1, 10, 10)
    t = T.RandomAffine(10, translate=(0.1, 0.2), scale=(0.9, 1.1), shear=5)
    ember.manual_seed(2)
    o1 = t(x)
    ember.manual_seed(2)
    np.testing.assert_array_equal(t(x).numpy(), o1.numpy())
    ember.manual_seed(2)
    angle, (tx, ty), scale, (sx, sy) = T.RandomAffine.get_params(t.degrees, t.translate, t.scale, t.shear, [10, 10])
    assert -10 <= angle <= 10 and abs(tx) <= 1 and abs(ty) <= 2 and 0.9 <= scale <= 1.1 and -5 <= sx <= 5 and sy == 0
    assert tuple(T.RandomAffine(0)(Image.fromarray(_img())).size) == (5, 6)
    with pytest.raises(ValueError, match="translation values should be between 0 and 1"):
        T.RandomAffine(0, translate=(2, 0))
    with pytest.raises(ValueError, match="scale values should be positive"):
        T.RandomAffine(0, scale=(0, 1))


# ----------------------------------------------------------------------------- compose / lambda

def test_compose_lambda_and_repr():
    t = T.Compose([T.Pad(2), T.ToTensor(), T.Lambda(lambda x: x * 2)])
    out = t(_img(28, 28))
    assert tuple(out.shape) == (1, 32, 32)
    np.testing.assert_array_equal(out.numpy(), np.pad(_img(28, 28), 2)[None].astype(np.float32) / np.float32(255) * 2)
    assert repr(T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])) == \
        "Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)"
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)


def test_lenet_tutorial_pipeline():
    t = T.Compose([T.Resize((32, 32)), T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    a = _img(28, 28)
    out = t(Image.fromarray(a))
    resized = np.asarray(Image.fromarray(a).resize((32, 32), Image.BILINEAR)).astype(np.float32) / np.float32(255)
    ref = (resized - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_array_equal(out.numpy()[0], ref)


@pytest.mark.parametrize("mode", [T.InterpolationMode.BILINEAR, T.InterpolationMode.BICUBIC])
def test_resize_uint8_arrays_match_pil_exactly(mode):
    # Arrays are resized with PIL's own fixed-point algorithm (so results do not depend on pillow being installed).
    rng = np.random.default_rng(0)
    resample = {T.InterpolationMode.BILINEAR: Image.BILINEAR, T.InterpolationMode.BICUBIC: Image.BICUBIC}[mode]
    sizes = [((28, 28), (32, 32)), ((28, 28), (28, 40)), ((20, 31), (45, 17)), ((40, 12), (9, 30)), ((5, 3), (60, 2)),
             ((28, 28), (14, 28))]
    for (h, w), (oh, ow) in sizes:
        for c in (None, 3):
            a = _img(h, w, c, seed=int(rng.integers(1000)))
            ref = np.asarray(Image.fromarray(a).resize((ow, oh), resample))
            np.testing.assert_array_equal(T.Resize((oh, ow), interpolation=mode)(a), ref)
