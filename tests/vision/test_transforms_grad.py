"""ember.vision.transforms on float tensors that require grad, side by side with torchvision: the outputs and the
gradients (under a random upstream gradient) of each transform match, v1 functions, classes and v2 kernels."""

import numpy as np
import pytest

import ember
from ember.vision.transforms import functional as F
from ember.vision.transforms.v2 import functional as F2

torch = pytest.importorskip("torch")

_IMG = np.random.default_rng(0).random((2, 3, 10, 12), dtype=np.float32)
_UP = np.random.default_rng(1).standard_normal


def _cases():
    """name -> callable(F-module) for every grad-aware function."""
    return {
        "normalize": lambda M, x: M.normalize(x, [0.4, 0.5, 0.6], [0.2, 0.25, 0.3]),
        "hflip": lambda M, x: M.hflip(x),
        "vflip": lambda M, x: M.vflip(x),
        "crop": lambda M, x: M.crop(x, 1, 2, 6, 7),
        "crop_out": lambda M, x: M.crop(x, -2, 3, 8, 12),
        "center_crop": lambda M, x: M.center_crop(x, [14, 6]),
        "pad_const": lambda M, x: M.pad(x, [1, 2, 3, 1], fill=0.5),
        "pad_reflect": lambda M, x: M.pad(x, [2, 1], padding_mode="reflect"),
        "pad_edge": lambda M, x: M.pad(x, [2, 3, 1, 0], padding_mode="edge"),
        "pad_symmetric": lambda M, x: M.pad(x, [3, 1, 0, 2], padding_mode="symmetric"),
        "pad_negative": lambda M, x: M.pad(x, [-1, 2, 1, -2]),
        "brightness": lambda M, x: M.adjust_brightness(x, 1.4),
        "contrast": lambda M, x: M.adjust_contrast(x, 0.6),
        "saturation": lambda M, x: M.adjust_saturation(x, 1.7),
        "gamma": lambda M, x: M.adjust_gamma(x, 0.8, 1.1),
        "gray": lambda M, x: M.rgb_to_grayscale(x, 3),
        "hue": lambda M, x: M.adjust_hue(x, 0.2),
        "hue_neg": lambda M, x: M.adjust_hue(x, -0.45),
        "sharpness": lambda M, x: M.adjust_sharpness(x, 1.7),
        "blur": lambda M, x: M.gaussian_blur(x, [3, 5], [0.8, 1.3]),
        "rotate": lambda M, x: M.rotate(x, 30.0, interpolation=M.InterpolationMode.BILINEAR),
        "rotate_fill": lambda M, x: M.rotate(x, 20.0, interpolation=M.InterpolationMode.BILINEAR, expand=True,
                                             fill=[0.1, 0.2, 0.3]),
        "rotate_nearest_fill": lambda M, x: M.rotate(x, 25.0, fill=0.5),
        "affine": lambda M, x: M.affine(x, 15.0, [1, -2], 1.1, [5.0, 3.0],
                                        interpolation=M.InterpolationMode.BILINEAR),
        "perspective": lambda M, x: M.perspective(x, [[0, 0], [11, 0], [11, 9], [0, 9]],
                                                  [[1, 1], [10, 0], [11, 8], [0, 9]],
                                                  interpolation=M.InterpolationMode.BILINEAR, fill=0.3),
        "resized_crop": lambda M, x: M.resized_crop(x, 1, 1, 7, 8, [5, 6]),
    }


_NAMES = list(_cases())


def _run(fn, module, lib, x_np, up):
    x = lib.tensor(x_np.copy(), requires_grad=True)
    out = fn(module, x)
    out.backward(lib.tensor(up))
    return out.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("name", _NAMES)
def test_v1_functional_grad(torchvision, name):
    fn = _cases()[name]
    xt = torch.tensor(_IMG.copy(), requires_grad=True)
    ref = fn(torchvision.transforms.functional, xt)
    up = _UP(ref.shape).astype(np.float32)
    ref.backward(torch.tensor(up))
    out, grad = _run(fn, F, ember, _IMG, up)
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["normalize", "hflip", "vflip", "crop_out", "pad_reflect", "pad_const", "brightness",
                                  "contrast", "saturation", "blur", "rotate", "affine", "resized_crop", "gamma",
                                  "gray"])
def test_v2_functional_grad(torchvision, name):
    # (no fill cases: torchvision's v2 fill blending is in place and raises under autograd)
    from torchvision.transforms.v2 import functional as tvF2  # (after the fixture made torchvision importable)
    fn = _cases()[name]
    xt = torch.tensor(_IMG.copy(), requires_grad=True)
    ref = fn(tvF2, xt)
    up = _UP(ref.shape).astype(np.float32)
    ref.backward(torch.tensor(up))
    out, grad = _run(fn, F2, ember, _IMG, up)
    np.testing.assert_allclose(out, ref.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["hue", "hue_neg", "sharpness"])
def test_v2_color_kernels_grad(torchvision, name):
    """v2's hue and sharpness kernels keep the graph (torchvision's v2 kernels work in place and raise under
    autograd): values as torchvision's v2 kernel, gradients as its v1 function (the same function of the input)."""
    from torchvision.transforms.v2 import functional as tvF2
    fn = _cases()[name]
    ref = fn(tvF2, torch.tensor(_IMG.copy()))
    xt = torch.tensor(_IMG.copy(), requires_grad=True)
    up = _UP(ref.shape).astype(np.float32)
    fn(torchvision.transforms.functional, xt).backward(torch.tensor(up))
    out, grad = _run(fn, F2, ember, _IMG, up)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_hue_grad_ties(torchvision):
    """Channels tied at the maximum or minimum (grey pixels, two equal channels): values and gradients as
    torchvision's."""
    img = _IMG[:1].copy()
    img[0, :, 0, :] = 0.5
    img[0, 1, 1, :] = img[0, 0, 1, :]
    img[0, 2, 2, :] = img[0, 1, 2, :]
    up = _UP(img.shape).astype(np.float32)
    fn = _cases()["hue"]
    ref_out, ref_grad = _run(fn, torchvision.transforms.functional, torch, img, up)
    out, grad = _run(fn, F, ember, img, up)
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-4, atol=1e-5)


def test_classes_grad(torchvision):
    """RandomResizedCrop and ColorJitter (with hue) on a tensor requiring grad, seeded alike."""
    tv = torchvision.transforms
    up = _UP((2, 3, 6, 6)).astype(np.float32)
    grads = []
    for lib, mod in ((torch, tv), (ember, __import__("ember.vision.transforms", fromlist=["x"]))):
        lib.manual_seed(3)
        x = lib.tensor(_IMG.copy(), requires_grad=True)
        t = mod.Compose([mod.RandomResizedCrop(6), mod.ColorJitter(0.3, 0.3, 0.3, 0.2),
                         mod.Normalize([0.5] * 3, [0.2] * 3)])
        t(x).backward(lib.tensor(up))
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-4, atol=1e-5)


def test_v2_color_jitter_keeps_graph():
    """v2's ColorJitter with hue on a tensor requiring grad: the output is in the graph, same values as without."""
    from ember.vision.transforms import v2
    t = v2.ColorJitter(0.3, 0.3, 0.3, 0.2)
    ember.manual_seed(5)
    x = ember.tensor(_IMG.copy(), requires_grad=True)
    y = t(x)
    y.sum().backward()
    assert y.requires_grad and np.isfinite(x.grad.numpy()).all() and np.abs(x.grad.numpy()).sum() > 0
    ember.manual_seed(5)
    with ember.no_grad():
        ref = t(ember.tensor(_IMG.copy()))
    np.testing.assert_allclose(y.detach().numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)


def test_normalize_inplace_leaf(torchvision):
    """In-place normalisation of a leaf that requires grad: PyTorch's in-place RuntimeError; of a non-leaf: grads."""
    for lib, M in ((torch, torchvision.transforms.functional), (ember, F)):
        x = lib.tensor(_IMG.copy(), requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            M.normalize(x, [0.5] * 3, [0.2] * 3, inplace=True)
    res = []
    for lib, M in ((torch, torchvision.transforms.functional), (ember, F)):
        x = lib.tensor(_IMG.copy(), requires_grad=True)
        y = x * 2
        M.normalize(y, [0.5] * 3, [0.2] * 3, inplace=True).sum().backward()
        res.append(x.grad.numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-6)


def test_no_grad_mode_keeps_array_path():
    """Under no_grad the output does not require grad (the NumPy path)."""
    x = ember.tensor(_IMG.copy(), requires_grad=True)
    with ember.no_grad():
        assert not F.hflip(x).requires_grad


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("padding", [[5, 1], [1, 4], [2, 1, 5, 0]])
def test_reflect_padding_too_large(torchvision, shape, padding):
    """Reflect padding at least as large as the image: PyTorch's RuntimeError (argument #4 for W, #6 for H) from
    F.pad, v2's pad, Pad and RandomCrop on tensors, with or without grad; PIL images still pad."""
    from torchvision.transforms.v2 import functional as tvF2
    tv, tvF = torchvision.transforms, torchvision.transforms.functional
    import ember.vision.transforms as T
    calls = [lambda M, x: M.pad(x, padding, padding_mode="reflect")]
    a = np.zeros(shape, np.float32)
    for M, E in ((tvF, F), (tvF2, F2)):
        with pytest.raises(RuntimeError) as ref:
            calls[0](M, torch.tensor(a))
        for req in (False, True):
            with pytest.raises(RuntimeError) as got:
                calls[0](E, ember.tensor(a, requires_grad=req))
            assert str(got.value) == str(ref.value)
    with pytest.raises(RuntimeError) as ref:
        tv.Pad(padding, padding_mode="reflect")(torch.tensor(a))
    with pytest.raises(RuntimeError) as got:
        T.Pad(padding, padding_mode="reflect")(ember.tensor(a))
    assert str(got.value) == str(ref.value)
    with pytest.raises(RuntimeError) as ref:
        tv.RandomCrop(4, padding=padding, padding_mode="reflect")(torch.tensor(a))
    with pytest.raises(RuntimeError) as got:
        T.RandomCrop(4, padding=padding, padding_mode="reflect")(ember.tensor(a))
    assert str(got.value) == str(ref.value)
    from PIL import Image
    im = Image.fromarray(np.zeros((4, 5, 3), np.uint8))
    assert F.pad(im, padding, padding_mode="reflect").size == tvF.pad(im, padding, padding_mode="reflect").size
