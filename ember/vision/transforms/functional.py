"""Image functions behind ``ember.vision.transforms`` (mirrors ``torchvision.transforms.functional``).

Images are PIL images (when pillow is installed), ember tensors ``[..., C, H, W]``, or NumPy arrays laid out
like PIL images (``[H, W]`` or ``[H, W, C]``), which is what datasets return without pillow.
"""

import functools
import math
import numbers
from collections.abc import Sequence
from enum import Enum

import numpy as np

from ember._ops.sampling import grid_sample_array
from ember.autograd.grad_mode import is_grad_enabled
from ember._tensor import Tensor, wrap


class InterpolationMode(Enum):
    """Interpolation methods for resizing and geometric transforms."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _pil_image():
    """PIL.Image, or None when pillow is not installed (pillow is optional)."""
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def _is_pil(img):
    Image = _pil_image()
    return Image is not None and isinstance(img, Image.Image)


def _pil_resample(mode):
    Image = _pil_image()
    return {
        InterpolationMode.NEAREST: Image.NEAREST, InterpolationMode.NEAREST_EXACT: Image.NEAREST,
        InterpolationMode.BILINEAR: Image.BILINEAR, InterpolationMode.BICUBIC: Image.BICUBIC,
        InterpolationMode.BOX: Image.BOX, InterpolationMode.HAMMING: Image.HAMMING,
        InterpolationMode.LANCZOS: Image.LANCZOS,
    }[mode]


def _interp(mode):
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, str):
        return InterpolationMode(mode)
    if isinstance(mode, int):  # PIL's integer constants, still accepted by torchvision
        return {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
                4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}[mode]
    raise TypeError(_INTERP_TYPE_MSG)


_INTERP_TYPE_MSG = "Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant"


def _interp_arg(interpolation):
    """An ``interpolation`` argument as an :class:`InterpolationMode` (PIL's integer constants accepted, strings
    not, as torchvision's functions take it); TypeError for anything else."""
    if not isinstance(interpolation, (InterpolationMode, int)):
        raise TypeError(_INTERP_TYPE_MSG)
    return _interp(interpolation)


def _check_geom_img(img, pil_message=True):
    """torchvision's refusal (and wording) of anything but a tensor or PIL image in geometric ops; NumPy arrays are
    kept as ember's PIL-like images (what the datasets return without pillow)."""
    if not (isinstance(img, (Tensor, np.ndarray)) or _is_pil(img)):
        raise TypeError(f"img should be PIL Image. Got {type(img)}" if pil_message else f"Unexpected type {type(img)}")


def _check_img(img):
    if not (isinstance(img, (Tensor, np.ndarray)) or _is_pil(img)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


# ----------------------------------------------------------------------------- array views
# Internally images are arrays laid out [..., C, H, W]; these convert to and from the caller's kind.

def _to_chw(img):
    """(array [..., C, H, W], kind, extra) for any supported image."""
    if isinstance(img, Tensor):
        if img._data.ndim == 2:
            return img._data[None], "tensor2d", None
        return img._data, "tensor", None
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            return img[None], "hw", None
        return np.moveaxis(img, -1, -3), "hwc", None
    if _is_pil(img):
        arr = np.asarray(img)
        extra = (img.mode, img.getpalette() if img.mode == "P" else None)
        if arr.ndim == 2:
            return arr[None], "pil", extra
        return np.moveaxis(arr, -1, -3), "pil", extra
    raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def _from_chw(arr, kind, extra):
    if kind == "tensor":
        return wrap(np.ascontiguousarray(arr))
    if kind == "tensor2d":
        return wrap(np.ascontiguousarray(arr[0]))
    if kind == "hw":
        return np.ascontiguousarray(arr[0])
    hwc = np.ascontiguousarray(np.moveaxis(arr, -3, -1))
    if kind == "hwc":
        return hwc
    Image = _pil_image()
    mode, palette = extra
    if hwc.shape[-1] == 1:
        hwc = hwc[..., 0]
    if mode == "P":
        out = Image.frombuffer("P", (hwc.shape[1], hwc.shape[0]), hwc.astype(np.uint8).tobytes(), "raw", "P", 0, 1)
        if palette is not None:
            out.putpalette(palette)
        return out
    if mode == "1":
        return Image.fromarray(hwc.astype(bool))
    out = Image.fromarray(hwc)
    if out.mode != mode:
        try:
            out = out.convert(mode)
        except ValueError:
            pass
    return out


def get_dimensions(img):
    """[channels, height, width] of an image."""
    if isinstance(img, Tensor):
        shape = img._data.shape
        return [int(shape[-3]) if len(shape) > 2 else 1, int(shape[-2]), int(shape[-1])]
    if isinstance(img, np.ndarray):
        return [int(img.shape[2]) if img.ndim > 2 else 1, int(img.shape[0]), int(img.shape[1])]
    if _is_pil(img):
        w, h = img.size
        return [len(img.getbands()), h, w]
    raise TypeError(f"Unexpected type {type(img)}")


def get_image_size(img):
    """[width, height] of an image."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img):
    """Number of channels of an image."""
    return get_dimensions(img)[0]


# ----------------------------------------------------------------------------- conversions

_PIL_NP_TYPES = {"I": np.int32, "I;16": np.int16, "F": np.float32}


def to_tensor(pic):
    """A PIL image or ``[H, W(, C)]`` array as a ``[C, H, W]`` tensor; uint8 data is scaled to float32 [0, 1].

    Example::

        >>> to_tensor(np.zeros((28, 28), dtype=np.uint8)).shape
        ember.Size([1, 28, 28])
    """
    if not (_is_pil(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
        arr = np.ascontiguousarray(arr.transpose(2, 0, 1))
    else:
        arr = np.array(pic, _PIL_NP_TYPES.get(pic.mode, np.uint8), copy=True)
        if pic.mode == "1":
            arr = arr.astype(np.uint8) * np.uint8(255)
        arr = arr.reshape(pic.size[1], pic.size[0], -1).transpose(2, 0, 1)
        arr = np.ascontiguousarray(arr)
    if arr.dtype == np.uint8:
        return wrap(_uint8_to_float(arr))
    return wrap(arr)


def _uint8_to_float(arr):
    # Shared by the per-sample and the batched path so both give identical bits.
    return arr.astype(np.float32) / np.float32(255)


def pil_to_tensor(pic):
    """A PIL image as a ``[C, H, W]`` tensor of its own dtype (no scaling).

    Example::

        >>> pil_to_tensor(img).dtype
        ember.uint8
    """
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.dtype == bool:
        arr = arr.astype(np.uint8)
    return wrap(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def to_pil_image(pic, mode=None):
    """A ``[C, H, W]`` tensor or ``[H, W(, C)]`` array as a PIL image (float tensors are scaled by 255).

    Example::

        >>> to_pil_image(ember.rand(1, 8, 8)).mode
        'L'
    """
    Image = _pil_image()
    if Image is None:
        raise ImportError("to_pil_image requires pillow: pip install pillow")
    if isinstance(pic, Tensor):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic._data
        if arr.ndim == 2:
            arr = arr[None]
        if arr.shape[-3] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {arr.shape[-3]} channels.")
        if arr.dtype.kind in "fV" and mode != "F":
            arr = (arr * 255).astype(np.uint8)
        npimg = np.transpose(arr, (1, 2, 0))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = pic[:, :, None] if pic.ndim == 2 else pic
        if npimg.shape[-1] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {npimg.shape[-1]} channels.")
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")

    if npimg.shape[2] == 1:
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                    np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and expected is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. Should be {expected}")
        if expected is None:
            raise TypeError(f"Input type {npimg.dtype} is not supported")
        mode = expected
        npimg = npimg[:, :, 0]
    else:
        permitted = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}[npimg.shape[2]]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {npimg.shape[2]}D inputs")
        if mode is None:
            mode = permitted[0]
        if npimg.dtype != np.uint8:
            raise TypeError(f"Input type {npimg.dtype} is not supported")
    npimg = np.ascontiguousarray(npimg)
    return Image.frombuffer(mode, (npimg.shape[1], npimg.shape[0]), npimg.tobytes(), "raw", mode, 0, 1)


# ----------------------------------------------------------------------------- autograd-aware paths
# The array paths above are what DataLoader pipelines hit (uint8 / float tensors without grad). A float tensor that
# requires grad (GAN augmentation, adversarial inputs, ...) is instead computed with ember ops so gradients flow.

def _needs_grad(img):
    # (``_requires_grad`` first: the common no-grad path pays one attribute read)
    return isinstance(img, Tensor) and img._requires_grad and is_grad_enabled()


def _const(values, like):
    """A constant tensor in ``like``'s dtype (no grad)."""
    return wrap(np.asarray(values, dtype=like._data.dtype))


def _pad_grad(img, pad, fill, padding_mode):
    """``_pad_array`` on a tensor with ember ops: slicing for negative padding, ``F.pad`` for constant fill and
    gathers along H and W (index arrays padded as the image would be) for the other modes."""
    left, top, right, bottom = pad
    if min(pad) < 0:
        h, w = img.shape[-2:]
        img = img[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
        left, top, right, bottom = (max(v, 0) for v in pad)
    if padding_mode == "constant":
        from ember.nn.functional import pad as _fpad
        if isinstance(fill, (tuple, list)) and len(fill) > 1 and img.ndim >= 3 and len(fill) == img.shape[-3]:
            out = _fpad(img, [left, right, top, bottom], value=0.0)
            mask = np.ones(out.shape[-2:], dtype=img._data.dtype)
            mask[top:top + img.shape[-2], left:left + img.shape[-1]] = 0
            return out + _const(np.asarray(fill).reshape(-1, 1, 1) * mask, img)
        value = fill[0] if isinstance(fill, (tuple, list)) else fill
        return _fpad(img, [left, right, top, bottom], value=float(value))
    _check_reflect_pad(img.shape, (left, top, right, bottom), padding_mode)
    mode = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}[padding_mode]
    ih = np.pad(np.arange(img.shape[-2]), (top, bottom), mode=mode)
    iw = np.pad(np.arange(img.shape[-1]), (left, right), mode=mode)
    return img[..., ih[:, None], iw[None, :]]


def _check_reflect_pad(shape, pad, padding_mode):
    """PyTorch's errors for reflect padding at least as large as the image and symmetric padding larger than it."""
    left, top, right, bottom = pad
    h, w = shape[-2:]
    if padding_mode == "symmetric" and max(pad) > min(h, w):
        # torchvision gathers with index lists [top-1..0, 0..h-1, -1..-bottom] (same along W) broadcast to (H', W'),
        # checked row by row: row 0's H index first, then all the W ones, then the remaining H ones
        iy = list(range(top - 1, -1, -1)) + list(range(-1, -bottom - 1, -1))
        ix = list(range(left - 1, -1, -1)) + list(range(-1, -right - 1, -1))
        bad_y = [i for i in iy if not -h <= i < h]
        bad_x = [i for i in ix if not -w <= i < w]
        if top > h:
            raise IndexError(f"index {top - 1} is out of bounds for dimension 0 with size {h}")
        if bad_x:
            raise IndexError(f"index {bad_x[0]} is out of bounds for dimension 1 with size {w}")
        if bad_y:
            raise IndexError(f"index {bad_y[0]} is out of bounds for dimension 0 with size {h}")
    if padding_mode == "reflect":
        full = [1] * (4 - len(shape)) + list(shape) if len(shape) < 4 else list(shape)  # (padded as 4-D)
        for arg, (a, b), size in ((4, (left, right), w), (6, (top, bottom), h)):
            if a >= size or b >= size:
                dim = len(full) - (1 if arg == 4 else 2)
                raise RuntimeError(f"Argument #{arg}: Padding size should be less than the corresponding input "
                                   f"dimension, but got: padding ({a}, {b}) at dimension {dim} of input {full}")


def _blend_grad(a1, a2, ratio):
    """``_blend_array`` for a float tensor with ember ops."""
    ratio = float(ratio)
    out = a1 * ratio + (a2 * (1.0 - ratio) if isinstance(a2, Tensor) else float(a2) * (1.0 - ratio))
    return out.clamp(0.0, 1.0)


def _gray_grad(img):
    return img[..., 0:1, :, :] * 0.2989 + img[..., 1:2, :, :] * 0.587 + img[..., 2:3, :, :] * 0.114


def _apply_grid_grad(img, grid, mode, fill):
    """``_apply_grid`` for a float tensor with ``grid_sample`` (the images' channels stacked, sharing the grid)."""
    from ember.nn.functional import grid_sample
    c, h, w = img.shape[-3:]
    lead = tuple(img.shape[:-3])
    x = img.reshape(1, -1, h, w)
    if x._data.dtype != grid.dtype:
        x = x.to(wrap(grid[:0]).dtype)
    if fill is not None:
        x = _cat_ones(x)
    mname = "nearest" if mode == InterpolationMode.NEAREST else "bilinear"
    out = grid_sample(x, wrap(grid), mode=mname, padding_mode="zeros", align_corners=False)
    ho, wo = out.shape[-2:]
    if fill is not None:
        mask = out[:, -1:]._data  # (the mask does not depend on the image: a constant)
        n = int(np.prod(lead, dtype=np.int64)) if lead else 1
        out = out[:, :-1].reshape(n, c, ho, wo)
        values = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = np.asarray(values, dtype=mask.dtype).reshape(1, -1, 1, 1)
        if mode == InterpolationMode.NEAREST:
            keep = mask >= 0.5
            out = out * wrap(keep.astype(mask.dtype)) + wrap(np.where(keep, 0, fill_img).astype(mask.dtype))
        else:
            out = out * wrap(mask) + wrap((mask.dtype.type(1.0) - mask) * fill_img)
    out = out.reshape(lead + (c, ho, wo))
    if out._data.dtype != img._data.dtype:
        out = out.to(img.dtype)
    return out


def _hue_grad(img, hue_factor):
    """``_adjust_hue_array`` on a float tensor with ember ops (HSV round trip; the max/min and sector picks route the
    gradient as PyTorch's ``max(dim)`` and masked sums do)."""
    import ember
    r, g, b = img.unbind(dim=-3)
    maxc = ember.max(img, dim=-3).values
    minc = ember.min(img, dim=-3).values
    flat = maxc == minc
    ones = ember.ones_like(maxc)
    cr = maxc - minc
    s = cr / ember.where(flat, ones, maxc)
    div = ember.where(flat, ones, cr)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    is_r, not_r = maxc == r, maxc != r
    h = is_r * (bc - gc) + ((maxc == g) & not_r) * (2.0 + rc - bc) + ((maxc != g) & not_r) * (4.0 + gc - rc)
    h = ember.fmod(h / 6.0 + 1.0, 1.0)
    h = (h + float(hue_factor)) % 1.0
    i = ember.floor(h * 6.0)
    f = h * 6.0 - i
    sector = i.to(ember.int32) % 6
    p = (maxc * (1.0 - s)).clamp(0.0, 1.0)
    q = (maxc * (1.0 - s * f)).clamp(0.0, 1.0)
    t = (maxc * (1.0 - s * (1.0 - f))).clamp(0.0, 1.0)
    v = maxc
    mask = (sector.unsqueeze(-3) == ember.arange(6).view(-1, 1, 1)).to(img.dtype).unsqueeze(-4)  # [..., 1, 6, H, W]
    table = ember.stack([ember.stack(c, dim=-3) for c in ((v, q, p, p, t, v), (t, v, v, q, p, p), (p, p, t, v, v, q))],
                        dim=-4)  # [..., 3, 6, H, W]
    return (table * mask).sum(-3)


def _smooth_grad(img):
    """``_smooth_array`` on a float tensor: a depthwise 3x3 convolution of the interior, the border kept."""
    from ember.nn.functional import conv2d
    from ember.nn.functional import pad as _fpad
    h, w = img.shape[-2:]
    k = np.ones((3, 3), img._data.dtype)
    k[1, 1] = 5.0
    k /= k.sum()
    inner = conv2d(img.reshape(-1, 1, h, w), _const(k[None, None], img)).reshape(tuple(img.shape[:-2]) + (h - 2, w - 2))
    border = np.ones((h, w), img._data.dtype)
    border[1:-1, 1:-1] = 0
    return img * _const(border, img) + _fpad(inner, [1, 1, 1, 1])


def _cat_ones(x):
    from ember import cat, ones
    return cat([x, ones((1, 1) + tuple(x.shape[-2:]), dtype=x.dtype)], dim=1)


def _blur_grad(img, k2, px, py):
    from ember.nn.functional import conv2d
    from ember.nn.functional import pad as _fpad
    h, w = img.shape[-2:]
    x = img.reshape(-1, 1, h, w)
    x = _fpad(x, [px, px, py, py], mode="reflect")
    out = conv2d(x, _const(k2[None, None], img))
    return out.reshape(tuple(img.shape))


# ----------------------------------------------------------------------------- normalize


def normalize(tensor, mean, std, inplace=False):
    """``(tensor - mean) / std`` per channel of a float ``[..., C, H, W]`` tensor.

    Example::

        >>> normalize(ember.rand(1, 28, 28), (0.1307,), (0.3081,))
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    arr = tensor._data
    if arr.dtype.kind not in "fV":
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if arr.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    m, sd = _normalize_consts(arr, mean, std, tensor.dtype)
    if tensor._requires_grad and is_grad_enabled():  # (_needs_grad, inlined: a per-sample path)
        if inplace:
            return tensor.sub_(wrap(m)).div_(wrap(sd))
        return (tensor - wrap(m)) / wrap(sd)
    out = (arr - m) / sd
    if inplace:
        arr[...] = out
        return tensor
    return wrap(out)


def _normalize_array(arr, mean, std, dtype_name=None):
    m, s = _normalize_consts(arr, mean, std, dtype_name)
    return (arr - m) / s


def _normalize_consts(arr, mean, std, dtype_name=None):
    m = np.asarray(mean._data if isinstance(mean, Tensor) else mean, dtype=arr.dtype)
    s = np.asarray(std._data if isinstance(std, Tensor) else std, dtype=arr.dtype)
    if (s == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {dtype_name}, leading to division by zero.")
    if m.ndim == 1:
        if m.size != 1 and m.size != arr.shape[-3]:
            _norm_len_error(arr, m)
        m = m.reshape(-1, 1, 1)
    if s.ndim == 1:
        if s.size != 1 and s.size != arr.shape[-3]:
            _norm_len_error(arr, s)
        s = s.reshape(-1, 1, 1)
    return m, s


def _norm_len_error(arr, v):
    # torch's error of the in-place sub_/div_ by a per-channel mean / std of the wrong length
    if arr.shape[-3] == 1:  # (it broadcasts, but not into the single-channel output)
        want = [*arr.shape[:-3], v.size, *arr.shape[-2:]]
        raise RuntimeError(f"output with shape {list(arr.shape)} doesn't match the broadcast shape {want}")
    raise RuntimeError(f"The size of tensor a ({arr.shape[-3]}) must match the size of tensor b ({v.size}) at "
                       f"non-singleton dimension {arr.ndim - 3}")


# ----------------------------------------------------------------------------- pad / crop / flip


def _parse_padding(padding):
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, numbers.Number):
        p = [int(padding)] * 4
    else:
        padding = list(padding)
        if len(padding) == 1:
            p = [int(padding[0])] * 4
        elif len(padding) == 2:
            p = [int(padding[0]), int(padding[1])] * 2
        elif len(padding) == 4:
            p = [int(v) for v in padding]
        else:
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} "
                             "element tuple")
    return p  # left, top, right, bottom


def _pad_array(arr, pad, fill, padding_mode, tensor=False):
    """Pad the last two axes of [..., H, W] (``pad`` = left, top, right, bottom; negative crops); ``tensor``: with
    PyTorch's errors for reflect padding too large for the image (PIL images pad it anyway)."""
    left, top, right, bottom = pad
    h, w = arr.shape[-2:]
    if min(pad) < 0:  # negative padding crops, as in torchvision's tensor path
        arr = arr[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
        left, top, right, bottom = (max(v, 0) for v in pad)
    width = [(0, 0)] * (arr.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        out = np.empty(arr.shape[:-2] + (arr.shape[-2] + top + bottom, arr.shape[-1] + left + right), arr.dtype)
        if isinstance(fill, (tuple, list)):
            if len(fill) > 1 and arr.ndim >= 3 and len(fill) == arr.shape[-3]:
                out[...] = np.asarray(fill).astype(arr.dtype).reshape(-1, 1, 1)
            else:
                out[...] = np.asarray(fill[0]).astype(arr.dtype)
        else:
            out[...] = np.asarray(fill).astype(arr.dtype)
        out[..., top:top + arr.shape[-2], left:left + arr.shape[-1]] = arr
        return out
    if tensor:
        _check_reflect_pad(arr.shape, (left, top, right, bottom), padding_mode)
    mode = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}[padding_mode]
    return np.pad(arr, width, mode=mode)


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad an image on its sides.

    Args:
        img: PIL image, tensor or array.
        padding: int (all sides), (left/right, top/bottom) or (left, top, right, bottom).
        fill: value for ``padding_mode="constant"``.
        padding_mode: ``"constant"``, ``"edge"``, ``"reflect"`` or ``"symmetric"``.

    Example::

        >>> pad(ember.zeros(1, 28, 28), 2).shape
        ember.Size([1, 32, 32])
    """
    _check_geom_img(img)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    p = _parse_padding(padding)
    if fill is None:
        fill = 0
    if isinstance(img, Tensor) and padding_mode != "constant" and img.ndim not in (3, 4):
        if padding_mode == "symmetric":
            raise RuntimeError("Symmetric padding of N-D tensors are not supported yet")
        if img.ndim == 5:  # (torch's F.pad refusal of a 4-number non-constant padding of a 5-D input)
            raise NotImplementedError(
                "Padding size 4 is not supported for 5D input tensor.\nSupported combinations for non-constant "
                "padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: padding "
                "size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if _needs_grad(img):
        return _pad_grad(img, p, fill, padding_mode)
    arr, kind, extra = _to_chw(img)
    return _from_chw(_pad_array(arr, p, fill, padding_mode, isinstance(img, Tensor)), kind, extra)


def crop(img, top, left, height, width):
    """The ``height`` x ``width`` region at (``top``, ``left``); outside the image is zero.

    Example::

        >>> crop(ember.zeros(1, 28, 28), 2, 2, 24, 24).shape
        ember.Size([1, 24, 24])
    """
    _check_geom_img(img)
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    if _needs_grad(img):
        h, w = img.shape[-2:]
        right, bottom = left + width, top + height
        out = img[..., max(top, 0):max(min(bottom, h), 0), max(left, 0):max(min(right, w), 0)]
        pads = [max(-left, 0), max(-top, 0), max(right - w, 0), max(bottom - h, 0)]
        return _pad_grad(out, pads, 0, "constant") if any(pads) else out
    arr, kind, extra = _to_chw(img)
    return _from_chw(_crop_array(arr, top, left, height, width), kind, extra)


def _crop_array(arr, top, left, height, width):
    h, w = arr.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        pads = [max(-left, 0), max(-top, 0), max(right - w, 0), max(bottom - h, 0)]
        arr = _pad_array(arr[..., max(top, 0):min(bottom, h), max(left, 0):min(right, w)], pads, 0, "constant")
        return arr
    return arr[..., top:bottom, left:right]


def _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size."):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return size


def _center_crop_box(h, w, th, tw):
    return int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))


def center_crop(img, output_size):
    """The central ``output_size`` region (padded with zeros when the image is smaller).

    Example::

        >>> center_crop(ember.zeros(1, 32, 32), 28).shape
        ember.Size([1, 28, 28])
    """
    _check_geom_img(img, False)
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, h, w = get_dimensions(img)
    th, tw = output_size
    if tw > w or th > h:
        pads = [(tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0]
        img = pad(img, pads, fill=0)
        _, h, w = get_dimensions(img)
        if tw == w and th == h:
            return img
    top, left = _center_crop_box(h, w, th, tw)
    return crop(img, top, left, th, tw)


def hflip(img):
    """Mirror left-right.

    Example::

        >>> hflip(ember.arange(3.0).reshape(1, 1, 3))
        tensor([[[2., 1., 0.]]])
    """
    _check_geom_img(img)
    if _is_pil(img):
        return img.transpose(_pil_image().Transpose.FLIP_LEFT_RIGHT)
    if _needs_grad(img):
        return img.flip(-1)
    arr, kind, extra = _to_chw(img)
    return _from_chw(arr[..., ::-1], kind, extra)


def vflip(img):
    """Mirror top-bottom."""
    _check_geom_img(img)
    if _is_pil(img):
        return img.transpose(_pil_image().Transpose.FLIP_TOP_BOTTOM)
    if _needs_grad(img):
        return img.flip(-2)
    arr, kind, extra = _to_chw(img)
    return _from_chw(arr[..., ::-1, :], kind, extra)


# ----------------------------------------------------------------------------- resize


def _resized_size(h, w, size, max_size):
    if not isinstance(size, int) and max_size is not None and len(size) != 1:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                         "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    if isinstance(size, int) or len(size) == 1:
        requested = size if isinstance(size, int) else size[0]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                                 f"smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    return tuple(size)


def _pil_bicubic(x):
    x = np.abs(x)
    a = -0.5
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1, np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0))


_PIL_FILTERS = {
    InterpolationMode.BILINEAR: (1.0, lambda x: np.maximum(0.0, 1.0 - np.abs(x))),
    InterpolationMode.BICUBIC: (2.0, _pil_bicubic),
}
_PRECISION_BITS = 32 - 8 - 2


@functools.lru_cache(maxsize=64)
def _pil_coeffs(in_size, out_size, mode):
    """PIL's fixed-point resampling weights as a dense [out, in] float64 matrix holding integers."""
    base, kernel = _PIL_FILTERS[mode]
    scale = in_size / out_size
    fs = max(scale, 1.0)
    support = base * fs
    W = np.zeros((out_size, in_size), dtype=np.float64)
    for i in range(out_size):
        center = (i + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), in_size)
        w = kernel((np.arange(xmin, xmax) - center + 0.5) / fs)
        total = w.sum()
        if total != 0:
            w = w / total
        w = w * (1 << _PRECISION_BITS)
        W[i, xmin:xmax] = np.trunc(np.where(w < 0, w - 0.5, w + 0.5))
    W.flags.writeable = False  # cached and shared
    return W


def _pil_round(acc):
    # PIL's (acc + half) >> bits clipped to [0, 255], in place on int32 sums.
    acc += 1 << (_PRECISION_BITS - 1)
    acc >>= _PRECISION_BITS
    return np.clip(acc, 0, 255, out=acc)


def _pil_resize_uint8(arr, out_h, out_w, mode):
    """Resize uint8 [..., H, W] exactly as PIL does for 8-bit images (integer weights, two rounded passes)."""
    h, w = arr.shape[-2:]
    out = arr.astype(np.int32)  # |sum| <= 255 * 2**22 * 1.3 for these filters: fits in int32
    # PIL runs the vertical pass first when the height shrinks and that is cheaper (exact for the mixed
    # shrink/grow cases; when both shrink its choice is approximated by the size of the intermediate image).
    vertical_first = out_h < h and (out_w >= w or out_h * w < h * out_w)
    for axis in ("v", "h") if vertical_first else ("h", "v"):
        if axis == "h" and out_w != w:
            idx, coef = _pil_taps(w, out_w, mode)
            acc = out[..., idx[:, 0]] * coef[:, 0]
            for k in range(1, idx.shape[1]):
                acc += out[..., idx[:, k]] * coef[:, k]
            out = _pil_round(acc)
        elif axis == "v" and out_h != h:
            idx, coef = _pil_taps(h, out_h, mode)
            acc = out[..., idx[:, 0], :] * coef[:, 0, None]
            for k in range(1, idx.shape[1]):
                acc += out[..., idx[:, k], :] * coef[:, k, None]
            out = _pil_round(acc)
    return out.astype(np.uint8)


def _pil_resize_is_exact(h, w, out_h, out_w):
    """Whether :func:`_pil_resize_uint8` is known to reproduce PIL bit for bit for these sizes."""
    return not (out_h < h and out_w < w)


@functools.lru_cache(maxsize=64)
def _pil_taps(in_size, out_size, mode):
    # The few non-zero weights per output pixel as (index, weight) columns: gathers and multiply-adds are
    # cheaper than a dense product and need no BLAS threads (integer sums: exact in any order).
    W = _pil_coeffs(in_size, out_size, mode)
    nz = W != 0
    k = max(int(nz.sum(1).max()), 1)
    idx = np.zeros((out_size, k), dtype=np.intp)
    coef = np.zeros((out_size, k), dtype=np.int32)
    for i in range(out_size):
        cols = np.flatnonzero(nz[i])
        idx[i, :len(cols)] = cols
        coef[i, :len(cols)] = W[i, cols]
    idx.flags.writeable = coef.flags.writeable = False
    return idx, coef


_INT_IMAGE_DTYPES = ("uint8", "int8", "int16", "int32", "int64")  # rounded (not truncated) after resizing


def _resize_tensor(img, out_h, out_w, interpolation, antialias):
    """Resize a ``[..., C, H, W]`` tensor as torchvision's tensor path does: ``interpolate`` in float32 (float64
    images in float64; other dtypes are converted to float32 and back, integers rounded, bicubic uint8 clamped)."""
    from ember import _dtype
    from ember.nn.functional import interpolate
    if antialias is None or interpolation not in (InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        antialias = False  # (an antialias flag is meaningless for the other modes)
    squeeze = img.ndim < 4
    x = img.unsqueeze(0) if squeeze else img
    out_dtype = x.dtype
    cast = out_dtype not in (_dtype.float32, _dtype.float64)
    if cast:
        x = x.to(_dtype.float32)
    mode = interpolation.value
    out = interpolate(x, size=[out_h, out_w], mode=mode, align_corners=False if mode in ("bilinear", "bicubic")
                      else None, antialias=antialias)
    if interpolation == InterpolationMode.BICUBIC and out_dtype == _dtype.uint8:
        out = out.clamp(min=0, max=255)
    if squeeze:
        out = out.squeeze(0)
    if cast:
        if out_dtype.name in _INT_IMAGE_DTYPES:
            out = out.round()
        out = out.to(out_dtype)
    return out


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size`` = (h, w), or an int for the smaller edge (aspect ratio kept).

    Tensors are resized with :func:`ember.nn.functional.interpolate` in float32 (float64 stays float64), then
    converted back to their own dtype (integer images rounded); PIL images and uint8 arrays with PIL's filters.

    Args:
        img: PIL image, tensor ``[C, H, W]`` or ``[N, C, H, W]``, or array.
        size: (h, w) or int.
        interpolation: an :class:`InterpolationMode` (default bilinear); tensors take nearest, nearest-exact,
            bilinear and bicubic.
        max_size: cap on the longer edge when ``size`` is an int.
        antialias: antialias bilinear / bicubic tensor resizing (PIL always does; None means False).

    Example::

        >>> resize(ember.rand(1, 28, 28), (32, 32)).shape
        ember.Size([1, 32, 32])
    """
    interpolation = _interp_arg(interpolation)
    if isinstance(size, (list, tuple)) and len(size) not in (1, 2):
        raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element tuple/list")
    if isinstance(img, Tensor) and img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")
    _, h, w = get_dimensions(img)
    out_h, out_w = _resized_size(h, w, [size] if isinstance(size, int) else size, max_size)
    if (out_h, out_w) == (h, w):
        return img
    if _is_pil(img):
        if antialias is False:
            import warnings
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.",
                          stacklevel=2)
        return img.resize((out_w, out_h), _pil_resample(interpolation))
    if isinstance(img, Tensor):
        return _resize_tensor(img, out_h, out_w, interpolation, antialias)
    arr, kind, extra = _to_chw(img)
    if arr.dtype == np.uint8 and interpolation in _PIL_FILTERS:
        # PIL-like arrays resize exactly as PIL would, with or without pillow installed.
        return _from_chw(_pil_resize_uint8(arr, out_h, out_w, interpolation), kind, extra)
    return _from_chw(_resize_tensor(wrap(arr), out_h, out_w, interpolation, antialias)._data, kind, extra)


# ----------------------------------------------------------------------------- rotate / affine


def _rotation_shear(angle, shear):
    """(a, b, c, d): the 2x2 rotate . shear part of the affine map (degrees; also used by transforms.v2)."""
    rot = math.radians(angle)
    sx, sy = (math.radians(s) for s in shear)
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    return a, b, c, d


def _get_inverse_affine_matrix(center, angle, translate, scale, shear):
    # Output coords -> input coords for: translate . (center) . rotate . scale . shear . (-center).
    cx, cy = center
    tx, ty = translate
    a, b, c, d = _rotation_shear(angle, shear)
    m = [d, -b, 0.0, -c, a, 0.0]
    m = [x / scale for x in m]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


def _pil_fill_arg(img, fill):
    """``fill`` as PIL's ``fillcolor`` for ``img``: one value per band, ints unless the mode is ``"F"``."""
    bands = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and bands > 1:
        fill = tuple([fill] * bands)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * bands
        elif len(fill) != bands:
            raise ValueError("The number of elements in 'fill' does not match the number of channels of the image "
                             f"({len(fill)} != {bands})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return fill


def _check_geometry_args(interpolation, angle):
    """The checks rotate and affine start with; returns ``interpolation`` as an :class:`InterpolationMode`."""
    interpolation = _interp_arg(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    return interpolation


def _check_center(center):
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: the image centre).

    Args:
        img: PIL image, tensor ``[..., H, W]`` or array.
        angle: degrees, counter-clockwise.
        interpolation: nearest (default) or bilinear for tensors; any PIL filter for PIL images.
        expand: grow the output to hold the whole rotated image.
        center: (x, y) centre of rotation, origin at the top-left corner.
        fill: value(s) for pixels that come from outside the input (default 0).

    Example::

        >>> rotate(ember.rand(1, 28, 28), 15.0).shape
        ember.Size([1, 28, 28])
    """
    interpolation = _check_geometry_args(interpolation, angle)
    _check_center(center)
    _check_geom_img(img)
    if _is_pil(img):
        return img.rotate(angle, _pil_resample(interpolation), expand, center, fillcolor=_pil_fill_arg(img, fill))
    arr, kind, extra = _to_chw(img)
    h, w = arr.shape[-2:]
    center_f = [0.0, 0.0] if center is None else [1.0 * (c - s * 0.5) for c, s in zip(center, (w, h))]
    m = _get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    _check_grid_args(arr, interpolation, fill)
    ow, oh = _affine_output_size(m, w, h) if expand else (w, h)
    grid = _affine_grid(m, w, h, ow, oh, _grid_dtype(arr))
    if _needs_grad(img):
        return _apply_grid_grad(img, grid, interpolation, fill)
    return _from_chw(_apply_grid(arr, grid, interpolation, fill), kind, extra)


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None, center=None):
    """Rotate (clockwise, degrees), translate (pixels), scale and shear (degrees) about the centre.

    Args:
        img: PIL image, tensor ``[..., H, W]`` or array.
        angle: rotation in degrees, clockwise.
        translate: (dx, dy) in pixels, applied after the rotation.
        scale: overall scale factor (> 0).
        shear: degrees; a number (x shear) or (x, y).
        interpolation: nearest (default) or bilinear for tensors; any PIL filter for PIL images.
        fill: value(s) for pixels that come from outside the input.
        center: (x, y) centre, origin at the top-left corner; default the image centre.

    Example::

        >>> affine(ember.rand(1, 28, 28), angle=10, translate=[2, 0], scale=1.0, shear=[0.0]).shape
        ember.Size([1, 28, 28])
    """
    interpolation = _check_geometry_args(interpolation, angle)
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    _check_center(center)
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    _check_geom_img(img, False)
    _, h, w = get_dimensions(img)
    if _is_pil(img):
        center_f = [w * 0.5, h * 0.5] if center is None else list(center)
        m = _get_inverse_affine_matrix(center_f, float(angle), list(translate), scale, shear)
        Image = _pil_image()
        return img.transform((w, h), Image.AFFINE, m, _pil_resample(interpolation),
                             fillcolor=_pil_fill_arg(img, fill))
    arr, kind, extra = _to_chw(img)
    center_f = [0.0, 0.0] if center is None else [1.0 * (c - s * 0.5) for c, s in zip(center, (w, h))]
    m = _get_inverse_affine_matrix(center_f, float(angle), [1.0 * t for t in translate], scale, shear)
    _check_grid_args(arr, interpolation, fill)
    grid = _affine_grid(m, w, h, w, h, _grid_dtype(arr))
    if _needs_grad(img):
        return _apply_grid_grad(img, grid, interpolation, fill)
    return _from_chw(_apply_grid(arr, grid, interpolation, fill), kind, extra)


# ----------------------------------------------------------------------------- dtype conversion


def _max_value(np_dtype):
    """The value of a saturated pixel: the integer type's maximum, 1 for floating point."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind in "iu":
        return int(np.iinfo(np_dtype).max)
    return 1


def _work_dtype(np_dtype):
    """The float type image arithmetic runs in: the image's own float type, float32 for integer images."""
    np_dtype = np.dtype(np_dtype)
    return np_dtype if np_dtype.kind in "fV" else np.dtype(np.float32)


def _convert_dtype_array(arr, target, verb="cast"):
    """``arr`` in NumPy dtype ``target``, rescaled from its own value range to the target's (``verb``: the wording of
    the unsafe-cast error, "cast" in v1, "conversion" in v2)."""
    target = np.dtype(target)
    if arr.dtype == target:
        return arr
    src_float, dst_float = arr.dtype.kind in "fV", target.kind in "fV"
    if src_float and dst_float:
        return arr.astype(target)
    if src_float:
        if (arr.dtype == np.float32 and target in (np.int32, np.int64)) or \
                (arr.dtype == np.float64 and target == np.int64):
            from ember._dtype import from_np
            raise RuntimeError(f"The {verb} from {from_np(arr.dtype)} to {from_np(target)} cannot be performed safely.")
        # (max + 1 - eps) spreads [0, 1] evenly over the integer levels; only 1.0 itself maps to the maximum.
        scaled = arr * arr.dtype.type(_max_value(target) + 1.0 - 1e-3)
        return scaled.astype(target)
    in_max = _max_value(arr.dtype)
    if dst_float:
        return arr.astype(target) / target.type(in_max)
    out_max = _max_value(target)
    if in_max > out_max:
        return (arr // ((in_max + 1) // (out_max + 1))).astype(target)
    return arr.astype(target) * target.type((out_max + 1) // (in_max + 1))


def convert_image_dtype(image, dtype=None):
    """Convert a tensor image to ``dtype``, rescaling its values (ints span their range, floats [0, 1]).

    Args:
        image: tensor image ``[..., C, H, W]``.
        dtype: the target ember dtype (default ``ember.float32``).

    Example::

        >>> convert_image_dtype(ember.tensor([[[0, 255]]], dtype=ember.uint8))
        tensor([[[0., 1.]]])
    """
    from ember import _dtype
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    target = _dtype.to_np(dtype if dtype is not None else _dtype.float32)
    out = _convert_dtype_array(image._data, target)
    return image if out is image._data else wrap(np.ascontiguousarray(out))


# ----------------------------------------------------------------------------- multi-crops


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    """Crop the box at (``top``, ``left``) of ``height`` x ``width`` and resize it to ``size``.

    Args:
        img: PIL image, tensor ``[..., H, W]`` or array.
        top, left, height, width: the crop box.
        size: output size, as for :func:`resize`.
        interpolation: an :class:`InterpolationMode` (default bilinear).
        antialias: antialias tensors when downsampling (PIL always does).

    Example::

        >>> resized_crop(ember.rand(3, 64, 64), 8, 8, 32, 48, [16, 16]).shape
        ember.Size([3, 16, 16])
    """
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def _crop_size_arg(size):
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return size


def five_crop(img, size):
    """The four corner crops and the centre crop of ``size``: (top-left, top-right, bottom-left, bottom-right,
    centre).

    Args:
        img: PIL image, tensor ``[..., H, W]`` or array.
        size: (h, w) of the crops, or an int for squares.

    Example::

        >>> [tuple(c.shape) for c in five_crop(ember.rand(1, 8, 8), 4)][0]
        (1, 4, 4)
    """
    size = _crop_size_arg(size)
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = size
    if crop_width > image_width or crop_height > image_height:
        raise ValueError(f"Requested crop size {size} is bigger than input size {(image_height, image_width)}")
    bottom, right = image_height - crop_height, image_width - crop_width
    return (crop(img, 0, 0, crop_height, crop_width), crop(img, 0, right, crop_height, crop_width),
            crop(img, bottom, 0, crop_height, crop_width), crop(img, bottom, right, crop_height, crop_width),
            center_crop(img, [crop_height, crop_width]))


def ten_crop(img, size, vertical_flip=False):
    """:func:`five_crop` of the image followed by :func:`five_crop` of its mirror image (left-right, or
    top-bottom with ``vertical_flip``).

    Args:
        img: PIL image, tensor ``[..., H, W]`` or array.
        size: (h, w) of the crops, or an int for squares.
        vertical_flip: mirror top-bottom instead of left-right.

    Example::

        >>> len(ten_crop(ember.rand(1, 8, 8), 4))
        10
    """
    size = _crop_size_arg(size)
    return five_crop(img, size) + five_crop(vflip(img) if vertical_flip else hflip(img), size)


# ----------------------------------------------------------------------------- colour
# Tensors and NumPy arrays share one implementation (in the image's own float type, float32 for integer
# images, rounding each step like PyTorch's float kernels); PIL images use pillow's own enhancers.


def _pil_only(img):
    if not _is_pil(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def _image_array(img, min_ndim=None):
    """(array [..., C, H, W], kind, extra) of a tensor or array image; TypeError for anything else.

    ``min_ndim`` is the dimensionality a tensor must have (as in torchvision's checks)."""
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise TypeError("Tensor is not a torch image.")
        if min_ndim is not None and img.ndim < min_ndim:
            raise TypeError(f"Input image tensor should have at least {min_ndim} dimensions, but found {img.ndim}")
    elif not isinstance(img, np.ndarray):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")
    return _to_chw(img)


def _check_channels(arr, permitted):
    c = arr.shape[-3]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def _blend_array(a1, a2, ratio):
    """``ratio * a1 + (1 - ratio) * a2`` clamped to the value range, in ``a1``'s dtype (integers truncated)."""
    wd = _work_dtype(a1.dtype)
    ratio = float(ratio)
    if wd.itemsize < 4:  # (half types: each product by a float32 scalar rounded once, then their sum)
        f32 = np.float32
        out = (a1.astype(f32) * f32(ratio)).astype(wd)
        if not (np.isscalar(a2) and a2 == 0):
            out = (out.astype(f32) + (np.asarray(a2, f32) * f32(1.0 - ratio)).astype(wd).astype(f32)).astype(wd)
        return np.clip(out, wd.type(0), wd.type(1)).astype(wd, copy=False)
    out = wd.type(ratio) * a1.astype(wd, copy=False) + wd.type(1.0 - ratio) * np.asarray(a2).astype(wd, copy=False)
    np.clip(out, 0, _max_value(a1.dtype), out=out)
    return out.astype(a1.dtype, copy=False)


def _gray_array(arr):
    """Luma of RGB [..., 3, H, W] as [..., 1, H, W] in ``arr``'s dtype (integers truncated)."""
    wd = _work_dtype(arr.dtype)
    r, g, b = (arr[..., i:i + 1, :, :].astype(wd, copy=False) for i in range(3))
    gray = wd.type(0.2989) * r + wd.type(0.587) * g + wd.type(0.114) * b
    return gray.astype(arr.dtype, copy=False)


def rgb_to_grayscale(img, num_output_channels=1):
    """An RGB image as grayscale (luma ``0.2989 R + 0.587 G + 0.114 B``), with 1 or 3 equal channels.

    Args:
        img: PIL image, tensor ``[..., 3 (or 1), H, W]`` or array.
        num_output_channels: 1 or 3.

    Example::

        >>> rgb_to_grayscale(ember.rand(3, 8, 8)).shape
        ember.Size([1, 8, 8])
    """
    if _is_pil(img):
        return to_grayscale(img, num_output_channels)
    arr, kind, extra = _image_array(img, min_ndim=3)
    _check_channels(arr, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if _needs_grad(img):
        gray = _gray_grad(img) if arr.shape[-3] == 3 else img.clone()
        return gray.expand(tuple(img.shape)) if num_output_channels == 3 else gray
    gray = _gray_array(arr) if arr.shape[-3] == 3 else arr.copy()
    if num_output_channels == 3:
        gray = np.broadcast_to(gray, arr.shape)  # (a single-channel input stays single-channel)
    return _from_chw(gray, kind, extra)


def to_grayscale(img, num_output_channels=1):
    """A PIL image of any mode as grayscale (mode ``"L"``, or ``"RGB"`` with 3 equal channels).

    Args:
        img: PIL image.
        num_output_channels: 1 or 3.

    Example::

        >>> to_grayscale(Image.new("RGB", (4, 4))).mode
        'L'
    """
    if not _is_pil(img):
        raise TypeError("Input should be PIL Image")
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    gray = img.convert("L")
    if num_output_channels == 3:
        Image = _pil_image()
        gray = Image.merge("RGB", (gray, gray, gray))
    return gray


def _pil_enhance(img, name, factor):
    from PIL import ImageEnhance
    return getattr(ImageEnhance, name)(img).enhance(factor)


def _color_op(img, factor, name, pil_name, fn, channels=(1, 3), grad_fn=None):
    """Shared driver of the ``adjust_*`` functions: factor check, PIL enhancer or the array function (``grad_fn``
    on the tensor itself when it requires grad)."""
    if _is_pil(img):
        return _pil_enhance(img, pil_name, factor)
    if factor < 0:
        raise ValueError(f"{name} ({factor}) is not non-negative.")
    arr, kind, extra = _image_array(img)
    _check_channels(arr, list(channels))
    if grad_fn is not None and _needs_grad(img):
        return grad_fn(img, factor)
    return _from_chw(fn(arr, factor), kind, extra)


def adjust_brightness(img, brightness_factor):
    """Scale the brightness: 0 gives black, 1 the original image, 2 twice as bright (clamped).

    Args:
        img: PIL image, tensor ``[..., 1 or 3, H, W]`` or array.
        brightness_factor: a non-negative number.

    Example::

        >>> adjust_brightness(ember.full((1, 2, 2), 0.25), 2.0)
        tensor([[[0.5000, 0.5000],
                 [0.5000, 0.5000]]])
    """
    return _color_op(img, brightness_factor, "brightness_factor", "Brightness",
                     lambda arr, f: _blend_array(arr, 0, f), grad_fn=lambda x, f: _blend_grad(x, 0, f))


def _mean_gray(arr):
    """Mean luma of each image of [..., C, H, W] as [..., 1, 1, 1] in the working float type."""
    wd = _work_dtype(arr.dtype)
    gray = _gray_array(arr) if arr.shape[-3] == 3 else arr
    return gray.astype(wd).mean(axis=(-3, -2, -1), keepdims=True, dtype=np.float64).astype(wd)


def adjust_contrast(img, contrast_factor):
    """Blend with the mean gray level: 0 gives a flat gray image, 1 the original, 2 doubled contrast.

    Args:
        img: PIL image, tensor ``[..., 1 or 3, H, W]`` or array.
        contrast_factor: a non-negative number.

    Example::

        >>> adjust_contrast(ember.tensor([[[0.0, 1.0]]]), 0.0)
        tensor([[[0.5000, 0.5000]]])
    """
    return _color_op(img, contrast_factor, "contrast_factor", "Contrast",
                     lambda arr, f: _blend_array(arr, _mean_gray(arr), f), channels=[3, 1],
                     grad_fn=lambda x, f: _blend_grad(
                         x, (_gray_grad(x) if x.shape[-3] == 3 else x).mean((-3, -2, -1), keepdim=True), f))


def adjust_saturation(img, saturation_factor):
    """Blend with the grayscale image: 0 gives grayscale, 1 the original, 2 doubled saturation.

    Args:
        img: PIL image, tensor ``[..., 1 or 3, H, W]`` (single-channel images are returned as they are) or array.
        saturation_factor: a non-negative number.

    Example::

        >>> adjust_saturation(ember.rand(3, 4, 4), 0.5).shape
        ember.Size([3, 4, 4])
    """
    return _color_op(img, saturation_factor, "saturation_factor", "Color",
                     lambda arr, f: arr if arr.shape[-3] == 1 else _blend_array(arr, _gray_array(arr), f),
                     grad_fn=lambda x, f: x if x.shape[-3] == 1 else _blend_grad(x, _gray_grad(x), f))


def _rgb_to_hsv_array(rgb):
    """HSV (each in [0, 1]) of float RGB [..., 3, H, W]; hue and saturation are 0 where R = G = B."""
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc, minc = rgb.max(axis=-3), rgb.min(axis=-3)
    flat = maxc == minc
    one = rgb.dtype.type(1)
    cr = maxc - minc
    s = cr / np.where(flat, one, maxc)
    div = np.where(flat, one, cr)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    is_r = maxc == r
    is_g = (maxc == g) & ~is_r
    is_b = ~is_r & (maxc != g)
    h = is_r * (bc - gc) + is_g * (rgb.dtype.type(2.0) + rc - bc) + is_b * (rgb.dtype.type(4.0) + gc - rc)
    h = np.fmod(h / rgb.dtype.type(6.0) + one, one)
    return h, s, maxc


def _hsv_to_rgb_array(h, s, v):
    dt = h.dtype.type
    i = np.floor(h * dt(6.0))
    f = h * dt(6.0) - i
    i = i.astype(np.int32) % 6
    one = dt(1.0)
    p = np.clip(v * (one - s), 0, 1)
    q = np.clip(v * (one - s * f), 0, 1)
    t = np.clip(v * (one - s * (one - f)), 0, 1)
    # sector i takes (R, G, B) from these rows
    table = np.stack([np.stack(c, axis=0) for c in ((v, q, p, p, t, v), (t, v, v, q, p, p), (p, p, t, v, v, q))])
    pick = np.broadcast_to(i[None, None], (3, 1) + i.shape)
    out = np.take_along_axis(table, pick, axis=1)[:, 0]
    return np.moveaxis(out, 0, -3)


def _adjust_hue_array(arr, hue_factor, verb="cast"):
    if arr.shape[-3] == 1:
        return arr
    rgb = _convert_dtype_array(arr, np.float32)
    h, s, v = _rgb_to_hsv_array(rgb)
    h = np.remainder(h + np.float32(hue_factor), np.float32(1.0))
    return _convert_dtype_array(_hsv_to_rgb_array(h, s, v), arr.dtype, verb)


def adjust_hue(img, hue_factor):
    """Rotate the hue by ``hue_factor`` turns (in [-0.5, 0.5]) in HSV space.

    Args:
        img: PIL image, tensor ``[..., 1 or 3, H, W]`` with non-negative values, or array. Single-channel images
            (and PIL modes ``"L"``, ``"1"``, ``"I"``, ``"F"``) are returned as they are.
        hue_factor: the shift; +-0.5 gives the complementary colours.

    Example::

        >>> adjust_hue(ember.tensor([[[1.0]], [[0.0]], [[0.0]]]), 1 / 3).flatten()
        tensor([0., 1., 0.])
    """
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if _is_pil(img):
        if img.mode in {"L", "1", "I", "F"}:
            return img
        Image = _pil_image()
        h, s, v = img.convert("HSV").split()
        shifted = np.array(h, dtype=np.uint8) + np.int32(hue_factor * 255).astype(np.uint8)  # wraps around
        h = Image.fromarray(shifted.astype(np.uint8), "L")
        return Image.merge("HSV", (h, s, v)).convert(img.mode)
    arr, kind, extra = _image_array(img)
    _check_channels(arr, [1, 3])
    if _needs_grad(img):
        return img if arr.shape[-3] == 1 else _hue_grad(img, hue_factor)
    return _from_chw(_adjust_hue_array(arr, hue_factor), kind, extra)


def adjust_gamma(img, gamma, gain=1):
    """Gamma correction: ``gain * x ** gamma`` on values scaled to [0, 1] (clamped).

    Args:
        img: PIL image, tensor ``[..., 1 or 3, H, W]`` or array.
        gamma: a non-negative exponent (< 1 brightens dark regions).
        gain: the multiplier.

    Example::

        >>> adjust_gamma(ember.tensor([[[0.25]]]), 0.5)
        tensor([[[0.5000]]])
    """
    if _is_pil(img):
        if gamma < 0:
            raise ValueError("Gamma should be a non-negative real number")
        mode = img.mode
        lut = [int((255 + 1 - 1e-3) * gain * pow(v / 255.0, gamma)) for v in range(256)] * 3
        return img.convert("RGB").point(lut).convert(mode)
    arr, kind, extra = _image_array(img)
    _check_channels(arr, [1, 3])
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    if _needs_grad(img):
        return ((img ** float(gamma)) * float(gain)).clamp(0.0, 1.0)
    x = arr if arr.dtype.kind in "fV" else _convert_dtype_array(arr, np.float32)
    out = np.clip(x.dtype.type(gain) * np.power(x, x.dtype.type(gamma)), 0, 1)
    return _from_chw(_convert_dtype_array(out, arr.dtype), kind, extra)


def _smooth_array(arr):
    """PIL's SMOOTH filter (3x3, centre weight 5 of 13) on the interior pixels; the border is kept."""
    wd = _work_dtype(arr.dtype)
    x = arr.astype(wd, copy=False)
    h, w = x.shape[-2:]
    k = np.ones((3, 3), wd)
    k[1, 1] = 5.0
    k /= k.sum()
    acc = None
    for dy in range(3):
        for dx in range(3):
            term = k[dy, dx] * x[..., dy:h - 2 + dy, dx:w - 2 + dx]
            acc = term if acc is None else acc + term
    if arr.dtype.kind not in "fV":
        acc = np.round(acc)
    out = arr.copy()
    out[..., 1:-1, 1:-1] = acc.astype(arr.dtype)
    return out


def adjust_sharpness(img, sharpness_factor):
    """Blend with a smoothed image: 0 gives the smoothed image, 1 the original, 2 sharpened.

    Args:
        img: PIL image, tensor ``[..., 1 or 3, H, W]`` or array.
        sharpness_factor: a non-negative number.

    Example::

        >>> adjust_sharpness(ember.rand(3, 8, 8), 2.0).shape
        ember.Size([3, 8, 8])
    """
    def sharpen(arr, f):
        if arr.shape[-1] <= 2 or arr.shape[-2] <= 2:
            return arr
        return _blend_array(arr, _smooth_array(arr), f)
    def sharpen_grad(x, f):
        if x.shape[-1] <= 2 or x.shape[-2] <= 2:
            return x
        return _blend_grad(x, _smooth_grad(x), f)
    return _color_op(img, sharpness_factor, "sharpness_factor", "Sharpness", sharpen, grad_fn=sharpen_grad)


def _pil_ops():
    from PIL import ImageOps
    return ImageOps


def invert(img):
    """Invert the colours: ``max - x`` (255 for uint8, 1 for float images).

    Args:
        img: PIL image (mode ``"L"`` or ``"RGB"``), tensor ``[..., 1 or 3, H, W]`` or array.

    Example::

        >>> invert(ember.tensor([[[0.25]]]))
        tensor([[[0.7500]]])
    """
    if _is_pil(img):
        return _pil_ops().invert(img)
    arr, kind, extra = _image_array(img, min_ndim=3)
    _check_channels(arr, [1, 3])
    return _from_chw(_invert_array(arr), kind, extra)


def _invert_array(arr):
    return (arr.dtype.type(_max_value(arr.dtype)) - arr).astype(arr.dtype, copy=False)


def posterize(img, bits):
    """Keep the ``bits`` highest bits (0-8) of each channel of a uint8 image.

    Args:
        img: PIL image, uint8 tensor ``[..., 1 or 3, H, W]`` or uint8 array.
        bits: bits kept per channel (0-8).

    Example::

        >>> posterize(ember.tensor([[[255]]], dtype=ember.uint8), 2)
        tensor([[[192]]], dtype=ember.uint8)
    """
    if not (0 <= bits <= 8):
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    if _is_pil(img):
        return _pil_ops().posterize(img, bits)
    arr, kind, extra = _image_array(img, min_ndim=3)
    if arr.dtype != np.uint8:
        from ember._dtype import from_np
        raise TypeError(f"Only ember.uint8 image tensors are supported, but found {from_np(arr.dtype)}")
    _check_channels(arr, [1, 3])
    return _from_chw(arr & np.uint8((-int(2 ** (8 - bits))) & 0xFF), kind, extra)


def solarize(img, threshold):
    """Invert the pixels at or above ``threshold``.

    Args:
        img: PIL image, tensor ``[..., 1 or 3, H, W]`` or array.
        threshold: pixels at or above it are inverted.

    Example::

        >>> solarize(ember.tensor([[[0.25, 0.75]]]), 0.5)
        tensor([[[0.2500, 0.2500]]])
    """
    if _is_pil(img):
        return _pil_ops().solarize(img, threshold)
    arr, kind, extra = _image_array(img, min_ndim=3)
    _check_channels(arr, [1, 3])
    if threshold > _max_value(arr.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    wd = _work_dtype(arr.dtype)
    above = arr.astype(wd, copy=False) >= wd.type(threshold)
    return _from_chw(np.where(above, _invert_array(arr), arr), kind, extra)


def autocontrast(img):
    """Stretch each channel so its darkest pixel becomes black and its lightest white.

    Args:
        img: PIL image (mode ``"L"`` or ``"RGB"``), tensor ``[..., 1 or 3, H, W]`` or array.

    Example::

        >>> autocontrast(ember.tensor([[[0.25, 0.5]]]))
        tensor([[[0., 1.]]])
    """
    if _is_pil(img):
        return _pil_ops().autocontrast(img)
    arr, kind, extra = _image_array(img, min_ndim=3)
    _check_channels(arr, [1, 3])
    bound = _max_value(arr.dtype)
    wd = _work_dtype(arr.dtype)
    lo = arr.min(axis=(-2, -1), keepdims=True).astype(wd)
    hi = arr.max(axis=(-2, -1), keepdims=True).astype(wd)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = (wd.type(1) / (hi - lo)) * wd.type(bound)  # (PyTorch divides a number by a tensor this way)
    flat = ~np.isfinite(scale)
    lo[flat] = 0
    scale[flat] = 1
    out = np.clip((arr.astype(wd, copy=False) - lo) * scale, 0, bound)
    return _from_chw(out.astype(arr.dtype), kind, extra)


def _equalize_array(arr):
    """Histogram equalisation of each channel of uint8 [..., C, H, W] (PIL's algorithm)."""
    planes = arr.reshape(-1, arr.shape[-2] * arr.shape[-1])
    n = planes.shape[0]
    offsets = (np.arange(n, dtype=np.int64) * 256)[:, None]
    hist = np.bincount((planes + offsets).ravel(), minlength=n * 256).reshape(n, 256)
    # the count of the last non-empty bin is left out of the step
    last = 255 - np.argmax(hist[:, ::-1] > 0, axis=1)
    step = (hist.sum(1) - hist[np.arange(n), last]) // 255
    safe = np.maximum(step, 1)[:, None]
    lut = (np.cumsum(hist, axis=1) + (step // 2)[:, None]) // safe
    lut = np.clip(np.concatenate([np.zeros((n, 1), lut.dtype), lut[:, :-1]], axis=1), 0, 255)
    lut = np.where((step == 0)[:, None], np.arange(256), lut)  # channels with a single level stay as they are
    return np.take_along_axis(lut, planes.astype(np.intp), axis=1).astype(np.uint8).reshape(arr.shape)


def equalize(img):
    """Equalise the histogram of each channel of a uint8 image.

    Args:
        img: PIL image, uint8 tensor ``[1 or 3, H, W]`` or ``[N, 1 or 3, H, W]``, or uint8 array.

    Example::

        >>> equalize(ember.randint(0, 256, (3, 8, 8), dtype=ember.uint8)).shape
        ember.Size([3, 8, 8])
    """
    if _is_pil(img):
        return _pil_ops().equalize(img)
    if isinstance(img, Tensor) and img.ndim >= 2 and not 3 <= img.ndim <= 4:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.ndim}")
    arr, kind, extra = _image_array(img)
    if arr.dtype != np.uint8:
        from ember._dtype import from_np
        raise TypeError(f"Only ember.uint8 image tensors are supported, but found {from_np(arr.dtype)}")
    _check_channels(arr, [1, 3])
    return _from_chw(_equalize_array(arr), kind, extra)


# ----------------------------------------------------------------------------- erase / blur


def erase(img, i, j, h, w, v, inplace=False):
    """Set the ``h`` x ``w`` box at (``i``, ``j``) of a tensor image to ``v``.

    Args:
        img: tensor ``[..., C, H, W]``.
        i, j: top and left of the box.
        h, w: its size.
        v: the value(s): a number or a tensor broadcastable to ``[..., C, h, w]``.
        inplace: modify ``img`` itself.

    Example::

        >>> erase(ember.ones(1, 4, 4), 1, 1, 2, 2, ember.tensor(0.0)).sum()
        tensor(12.)
    """
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")
    out = img if inplace else img.clone()
    out[..., i:i + h, j:j + w] = v
    return out


def _gaussian_kernel1d(size, sigma, dt):
    from ember._functions_indexing import _linspace_like
    half = (size - 1) * 0.5
    x = _linspace_like(-half, half, size, np.dtype(dt))
    # (exp in float64, then rounded: closer to PyTorch's float32 exp than NumPy's float32 one)
    pdf = np.exp((dt.type(-0.5) * np.square(x / dt.type(sigma))).astype(np.float64)).astype(dt)
    return pdf / pdf.sum(dtype=dt)


def _gaussian_blur_array(arr, kernel_size, sigma, grad_img=None):
    """Gaussian blur of [..., C, H, W] with reflected borders (integer images are rounded back)."""
    wd = _work_dtype(arr.dtype)
    kx = _gaussian_kernel1d(kernel_size[0], sigma[0], wd)
    ky = _gaussian_kernel1d(kernel_size[1], sigma[1], wd)
    k2 = ky[:, None] * kx[None, :]  # the 2-D kernel, rounded as PyTorch's outer product rounds it
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    h, w = arr.shape[-2:]
    if px >= w or py >= h:
        shape = [1] * (4 - arr.ndim) + list(arr.shape)  # (as the batched 4-D input PyTorch pads)
        dim, p = (len(shape) - 1, px) if px >= w else (len(shape) - 2, py)
        raise RuntimeError(f"Argument #{4 if px >= w else 6}: Padding size should be less than the corresponding "
                           f"input dimension, but got: padding ({p}, {p}) at dimension {dim} of input {shape}")
    if grad_img is not None:
        return _blur_grad(grad_img, k2, px, py)
    x = np.pad(arr.astype(wd, copy=False), [(0, 0)] * (arr.ndim - 2) + [(py, py), (px, px)], mode="reflect")
    out = np.zeros(arr.shape, wd)
    if k2.size <= 121:  # the 2-D kernel term by term (closest to PyTorch's convolution)
        for dy in range(k2.shape[0]):
            rows = x[..., dy:dy + h, :]
            for dx in range(k2.shape[1]):
                out += k2[dy, dx] * rows[..., dx:dx + w]
    else:  # large kernels (ElasticTransform's): rows then columns, kx + ky passes instead of kx * ky
        tmp = np.zeros(x.shape[:-1] + (w,), wd)
        for dx in range(kx.size):
            tmp += kx[dx] * x[..., dx:dx + w]
        for dy in range(ky.size):
            out += ky[dy] * tmp[..., dy:dy + h, :]
    if arr.dtype.kind not in "fV":
        out = np.round(out)
    return out.astype(arr.dtype, copy=False)


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a Gaussian kernel (borders reflected, so the size is kept).

    Args:
        img: PIL image, tensor ``[..., C, H, W]`` or array.
        kernel_size: odd positive int, or (kx, ky).
        sigma: float or (sigma_x, sigma_y); default ``0.3 * ((k - 1) * 0.5 - 1) + 0.8`` per axis.

    Example::

        >>> gaussian_blur(ember.rand(3, 16, 16), 5, 1.5).shape
        ember.Size([3, 16, 16])
    """
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    for ksize in kernel_size:
        if ksize % 2 == 0 or ksize < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [ksize * 0.15 + 0.35 for ksize in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    if not (isinstance(img, (Tensor, np.ndarray)) or _is_pil(img)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
    if isinstance(img, Tensor) and img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")
    arr, kind, extra = _to_chw(img)
    if _needs_grad(img):
        return _gaussian_blur_array(arr, kernel_size, sigma, grad_img=img)
    return _from_chw(_gaussian_blur_array(arr, kernel_size, sigma), kind, extra)


# ----------------------------------------------------------------------------- grid-sampled transforms
# Tensors and arrays are resampled like torchvision's tensor path: a float32 (float64 for float64 images) grid of
# normalised source coordinates, ``grid_sample`` without align_corners, and an extra all-ones channel whose
# resampled value says how much of each output pixel came from inside the image (for ``fill``).


def _check_grid_args(arr, interpolation, fill):
    c = arr.shape[-3]
    if fill is not None and isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != c:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number of channels of the "
                         f"image ({len(fill)} != {c})")
    if interpolation not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise ValueError(f"Interpolation mode '{interpolation.value}' is unsupported with Tensor input")


def _grid_dtype(arr):
    return arr.dtype if arr.dtype.kind == "f" and arr.dtype.itemsize >= 4 else np.dtype(np.float32)


def _grid_sample_array(x, grid, mode):
    """``grid_sample`` of (N, C, H, W) at ``grid`` (1, Ho, Wo, 2) with zero padding and align_corners=False (the
    images' channels stacked as channels of one image, since they share the grid)."""
    n, c, h, w = x.shape
    mode = "nearest" if mode == InterpolationMode.NEAREST else "bilinear"
    out = grid_sample_array(x.reshape(1, n * c, h, w), grid, mode)
    return out.reshape(n, c, grid.shape[1], grid.shape[2])


def _apply_grid(arr, grid, mode, fill):
    """Resample [..., C, H, W] at ``grid`` (1, Ho, Wo, 2); ``fill`` (number or per-channel list) or None."""
    c, h, w = arr.shape[-3:]
    x = arr.reshape((-1, c, h, w))
    out_dtype = x.dtype
    x = x.astype(grid.dtype, copy=False)
    n = x.shape[0]
    if fill is not None:
        x = np.concatenate([x, np.ones((n, 1, h, w), x.dtype)], axis=1)
    out = _grid_sample_array(x, grid, mode)
    if fill is not None:
        mask, out = out[:, -1:], out[:, :-1]
        values = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = np.asarray(values, dtype=out.dtype).reshape(1, -1, 1, 1)
        if mode == InterpolationMode.NEAREST:
            out = np.where(mask < 0.5, fill_img, out)
        else:
            out = out * mask + (out.dtype.type(1.0) - mask) * fill_img
    out = out.reshape(arr.shape[:-3] + out.shape[1:])
    if out_dtype != out.dtype:
        if out_dtype.kind in "iub":
            out = np.round(out)
        out = out.astype(out_dtype)
    return out


def _base_grid(ow, oh, x0, y0, dt):
    """Pixel coordinates (x [1, Wo], y [Ho, 1]) from ``x0`` and ``y0`` in unit steps (float32 steps, rounded as
    PyTorch's linspace rounds them)."""
    from ember._functions_indexing import _linspace_like
    f32 = np.dtype(np.float32)
    xs = _linspace_like(x0, x0 + ow - 1.0, ow, f32).astype(dt)
    ys = _linspace_like(y0, y0 + oh - 1.0, oh, f32).astype(dt)
    return xs[None, :], ys[:, None]


def _project(xy, theta):
    """``x * t0 + y * t1 + t2`` for each row (t0, t1, t2) of ``theta`` (K, 3), stacked on a last axis of size K:
    the products summed in order with one rounding each, as PyTorch's batched product of (x, y, 1) rows does."""
    x, y = xy
    return np.stack([(x * t[0] + y * t[1]) + t[2] for t in theta], axis=-1)


def _affine_grid(matrix, w, h, ow, oh, dt):
    """Sampling grid (1, oh, ow, 2) of the inverse affine ``matrix`` (6 numbers, centre-origin pixels)."""
    theta = np.asarray(matrix, dtype=dt).reshape(2, 3)
    scaled = theta / np.asarray([0.5 * w, 0.5 * h], dtype=dt)[:, None]
    return _project(_base_grid(ow, oh, -ow * 0.5 + 0.5, -oh * 0.5 + 0.5, dt), scaled)[None]


def _affine_output_size(matrix, w, h):
    """(width, height) of the box holding the whole image after ``matrix`` (as PIL's rotate(expand=True))."""
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, -0.5 * h, 1.0]], dtype=np.float32)
    theta = np.asarray(matrix, dtype=np.float32).reshape(2, 3)
    new = pts @ theta.T
    half = np.array([w * 0.5, h * 0.5], dtype=np.float32)
    lo, hi = new.min(0) + half, new.max(0) + half
    tol = np.float32(1e-4)  # ignore rounding noise before the ceil / floor
    size = np.ceil(np.trunc(hi / tol) * tol) - np.floor(np.trunc(lo / tol) * tol)
    return int(size[0]), int(size[1])


def _perspective_coeffs(startpoints, endpoints):
    """The 8 coefficients mapping output pixels to input pixels:
    ``x_in = (a x + b y + c) / (g x + h y + 1)``, ``y_in = (d x + e y + f) / (g x + h y + 1)``."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} startpoints and "
                         f"{len(endpoints)} endpoints.")
    a = np.zeros((8, 8), dtype=np.float64)
    for i, ((x, y), (u, v)) in enumerate(zip(endpoints, startpoints)):
        a[2 * i] = [x, y, 1, 0, 0, 0, -u * x, -u * y]
        a[2 * i + 1] = [0, 0, 0, x, y, 1, -v * x, -v * y]
    b = np.asarray(startpoints, dtype=np.float64).reshape(8)
    sol = np.linalg.lstsq(a, b, rcond=None)[0]
    return sol.astype(np.float32).tolist()


def _perspective_grid(coeffs, ow, oh, dt):
    xy = _base_grid(ow, oh, 0.5, 0.5, dt)
    theta1 = np.asarray([coeffs[0:3], coeffs[3:6]], dtype=dt) / np.asarray([0.5 * ow, 0.5 * oh], dtype=dt)[:, None]
    theta2 = np.asarray([[coeffs[6], coeffs[7], 1.0]] * 2, dtype=dt)
    return (_project(xy, theta1) / _project(xy, theta2) - dt.type(1.0))[None]


def perspective(img, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Warp the image so that the four ``startpoints`` corners land on ``endpoints``.

    Args:
        img: PIL image, tensor ``[..., H, W]`` or array.
        startpoints: [top-left, top-right, bottom-right, bottom-left] (x, y) corners in the input.
        endpoints: where those corners go in the output.
        interpolation: nearest or bilinear (default) for tensors; any PIL filter for PIL images.
        fill: value(s) for output pixels that come from outside the input.

    Example::

        >>> corners = [[0, 0], [7, 0], [7, 7], [0, 7]]
        >>> perspective(ember.rand(1, 8, 8), corners, [[1, 1], [6, 0], [7, 7], [0, 6]]).shape
        ember.Size([1, 8, 8])
    """
    coeffs = _perspective_coeffs(startpoints, endpoints)
    interpolation = _interp_arg(interpolation)
    _check_geom_img(img)
    if _is_pil(img):
        Image = _pil_image()
        return img.transform(img.size, Image.PERSPECTIVE, coeffs, _pil_resample(interpolation),
                             fillcolor=_pil_fill_arg(img, fill))
    if isinstance(img, Tensor) and img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")
    arr, kind, extra = _to_chw(img)
    _check_grid_args(arr, interpolation, fill)
    h, w = arr.shape[-2:]
    grid = _perspective_grid(coeffs, w, h, _grid_dtype(arr))
    if _needs_grad(img):
        return _apply_grid_grad(img, grid, interpolation, fill)
    return _from_chw(_apply_grid(arr, grid, interpolation, fill), kind, extra)


def elastic_transform(img, displacement, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Move each pixel by a displacement field (in normalised [-1, 1] coordinates) and resample.

    Args:
        img: PIL image, tensor ``[..., C, H, W]`` or array.
        displacement: tensor ``[1, H, W, 2]`` of (dx, dy) offsets.
        interpolation: nearest or bilinear (default).
        fill: value(s) for pixels that come from outside the image.

    Example::

        >>> elastic_transform(ember.rand(1, 8, 8), ember.zeros(1, 8, 8, 2)).shape
        ember.Size([1, 8, 8])
    """
    if isinstance(interpolation, int):
        import warnings
        warnings.warn("Argument interpolation should be of type InterpolationMode instead of int. "
                      "Please, use InterpolationMode enum.", stacklevel=2)
    interpolation = _interp(interpolation)
    if not isinstance(displacement, Tensor):
        raise TypeError("Argument displacement should be a Tensor")
    if not (isinstance(img, (Tensor, np.ndarray)) or _is_pil(img)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
    arr, kind, extra = _to_chw(img)
    from ember import Size
    shape = Size((1,) + tuple(arr.shape[-2:]) + (2,))
    if shape != tuple(displacement.shape):
        raise ValueError(f"Argument displacement shape should be {shape}, but given {displacement.shape}")
    _check_grid_args(arr, interpolation, fill)
    from ember._functions_indexing import _linspace_like
    f32 = np.dtype(np.float32)
    ys, xs = (_linspace_like((-s + 1) / s, (s - 1) / s, s, f32) for s in arr.shape[-2:])
    identity = np.stack(np.meshgrid(xs, ys, indexing="xy"), axis=-1)[None]
    grid = identity + displacement._data
    if _needs_grad(img):
        return _apply_grid_grad(img, grid, interpolation, fill)
    return _from_chw(_apply_grid(arr, grid, interpolation, fill), kind, extra)
