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
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant")


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
    raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


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
    out = _normalize_array(arr, mean, std, tensor.dtype)
    if inplace:
        arr[...] = out
        return tensor
    return wrap(out)


def _normalize_array(arr, mean, std, dtype_name=None):
    m = np.asarray(mean._data if isinstance(mean, Tensor) else mean, dtype=arr.dtype)
    s = np.asarray(std._data if isinstance(std, Tensor) else std, dtype=arr.dtype)
    if (s == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {dtype_name}, leading to division by zero.")
    if m.ndim == 1:
        m = m.reshape(-1, 1, 1)
    if s.ndim == 1:
        s = s.reshape(-1, 1, 1)
    return (arr - m) / s


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


def _pad_array(arr, pad, fill, padding_mode):
    """Pad the last two axes of [..., H, W] (``pad`` = left, top, right, bottom; negative crops)."""
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
    _check_img(img)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    p = _parse_padding(padding)
    if fill is None:
        fill = 0
    arr, kind, extra = _to_chw(img)
    return _from_chw(_pad_array(arr, p, fill, padding_mode), kind, extra)


def crop(img, top, left, height, width):
    """The ``height`` x ``width`` region at (``top``, ``left``); outside the image is zero.

    Example::

        >>> crop(ember.zeros(1, 28, 28), 2, 2, 24, 24).shape
        ember.Size([1, 24, 24])
    """
    _check_img(img)
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
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
    _check_img(img)
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
    _check_img(img)
    if _is_pil(img):
        return img.transpose(_pil_image().Transpose.FLIP_LEFT_RIGHT)
    arr, kind, extra = _to_chw(img)
    return _from_chw(arr[..., ::-1], kind, extra)


def vflip(img):
    """Mirror top-bottom."""
    _check_img(img)
    if _is_pil(img):
        return img.transpose(_pil_image().Transpose.FLIP_TOP_BOTTOM)
    arr, kind, extra = _to_chw(img)
    return _from_chw(arr[..., ::-1, :], kind, extra)


# ----------------------------------------------------------------------------- resize


def _resized_size(h, w, size, max_size):
    if isinstance(size, numbers.Number) or (isinstance(size, (list, tuple)) and len(size) == 1):
        requested = size if isinstance(size, numbers.Number) else size[0]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                                 f"smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                         "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    return tuple(size)


def _filter_weights(in_size, out_size, mode, antialias):
    """Dense [out, in] weights that resample one axis (align_corners=False)."""
    scale = in_size / out_size
    W = np.zeros((out_size, in_size), dtype=np.float64)
    o = np.arange(out_size)
    if mode == InterpolationMode.NEAREST:
        W[o, np.minimum(np.floor(o * scale).astype(np.int64), in_size - 1)] = 1
        return W
    if mode == InterpolationMode.NEAREST_EXACT:
        W[o, np.minimum(np.floor((o + 0.5) * scale).astype(np.int64), in_size - 1)] = 1
        return W
    if mode == InterpolationMode.BILINEAR and not (antialias and scale > 1):
        src = np.maximum((o + 0.5) * scale - 0.5, 0)
        i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
        i1 = np.minimum(i0 + 1, in_size - 1)
        lam = src - i0
        np.add.at(W, (o, i0), 1 - lam)
        np.add.at(W, (o, i1), lam)
        return W
    if mode not in (InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        raise NotImplementedError(f"resize of tensors with interpolation={mode.value} is not supported")
    # PIL-style separable filter (what antialiased resizing computes); support widens when downsampling.
    if mode == InterpolationMode.BILINEAR:
        base, kernel = 1.0, lambda x: np.maximum(0.0, 1.0 - np.abs(x))
    else:
        a = -0.5 if antialias else -0.75

        def kernel(x):
            x = np.abs(x)
            return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                            np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0))
        base = 2.0
    fs = max(scale, 1.0) if antialias else 1.0
    support = base * fs
    for i in range(out_size):
        center = (i + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), in_size)
        j = np.arange(xmin, xmax)
        w = kernel((j - center + 0.5) / fs)
        total = w.sum()
        W[i, xmin:xmax] = w / total if total != 0 else w
    return W


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


def _resize_array(arr, out_h, out_w, mode, antialias):
    """Resize the last two axes of [..., H, W] (float math; integer inputs are rounded back)."""
    h, w = arr.shape[-2:]
    work = arr if arr.dtype.kind in "fV" else arr.astype(np.float32)
    wh = _filter_weights(h, out_h, mode, antialias).astype(work.dtype)
    ww = _filter_weights(w, out_w, mode, antialias).astype(work.dtype)
    out = np.matmul(np.matmul(wh, work), ww.T)
    if arr.dtype.kind not in "fV":
        info = np.iinfo(arr.dtype)
        out = np.clip(np.round(out), info.min, info.max).astype(arr.dtype)
    return out


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size`` = (h, w), or an int for the smaller edge (aspect ratio kept).

    Args:
        img: PIL image, tensor ``[..., H, W]`` or array.
        size: (h, w) or int.
        interpolation: an :class:`InterpolationMode` (default bilinear).
        max_size: cap on the longer edge when ``size`` is an int.
        antialias: antialias when downsampling (PIL always does).

    Example::

        >>> resize(ember.rand(1, 28, 28), (32, 32)).shape
        ember.Size([1, 32, 32])
    """
    _check_img(img)
    interpolation = _interp(interpolation)
    _, h, w = get_dimensions(img)
    out_h, out_w = _resized_size(h, w, size, max_size)
    if (out_h, out_w) == (h, w):
        return img
    if _is_pil(img):
        return img.resize((out_w, out_h), _pil_resample(interpolation))
    arr, kind, extra = _to_chw(img)
    if kind in ("hw", "hwc") and arr.dtype == np.uint8 and interpolation in _PIL_FILTERS:
        # PIL-like arrays resize exactly as PIL would, with or without pillow installed.
        return _from_chw(_pil_resize_uint8(arr, out_h, out_w, interpolation), kind, extra)
    return _from_chw(_resize_array(arr, out_h, out_w, interpolation, antialias), kind, extra)


# ----------------------------------------------------------------------------- rotate / affine


def _get_inverse_affine_matrix(center, angle, translate, scale, shear):
    # Output coords -> input coords for: translate . (center) . rotate . scale . shear . (-center).
    rot = math.radians(angle)
    sx, sy = (math.radians(s) for s in shear)
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [d, -b, 0.0, -c, a, 0.0]
    m = [x / scale for x in m]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


def _sample(arr, m, out_h, out_w, mode, fill):
    """Apply an inverse affine ``m`` (in coordinates centred on the image) to [..., C, H, W]."""
    h, w = arr.shape[-2:]
    ys, xs = np.meshgrid(np.arange(out_h) + 0.5 - out_h * 0.5, np.arange(out_w) + 0.5 - out_w * 0.5,
                         indexing="ij")
    sx = m[0] * xs + m[1] * ys + m[2] + w * 0.5 - 0.5
    sy = m[3] * xs + m[4] * ys + m[5] + h * 0.5 - 0.5
    work = arr.astype(np.float64)
    fill_arr = np.zeros(arr.shape[-3], dtype=np.float64) if fill is None else \
        np.broadcast_to(np.asarray(fill, dtype=np.float64).reshape(-1), (arr.shape[-3],))
    fill_arr = fill_arr.reshape(-1, 1, 1)
    if mode in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT):
        ix, iy = np.rint(sx).astype(np.int64), np.rint(sy).astype(np.int64)
        valid = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        out = work[..., np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)]
        out = np.where(valid, out, fill_arr)
    elif mode == InterpolationMode.BILINEAR:
        x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
        fx, fy = sx - x0, sy - y0
        out = np.zeros(arr.shape[:-2] + (out_h, out_w))
        mask = np.zeros((out_h, out_w))
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                xx, yy = x0 + dx, y0 + dy
                ok = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
                wgt = wx * wy * ok
                out += work[..., np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)] * wgt
                mask += wgt
        out = out * mask + fill_arr * (1 - mask) if fill is not None else out
    else:
        raise NotImplementedError(f"interpolation={mode.value} is not supported for tensors")
    if arr.dtype.kind not in "fV":
        info = np.iinfo(arr.dtype)
        return np.clip(np.round(out), info.min, info.max).astype(arr.dtype)
    return out.astype(arr.dtype)


def _pil_fill(img, fill):
    if fill is None:
        return None
    bands = len(img.getbands())
    if isinstance(fill, (list, tuple)):
        fill = tuple(fill) if len(fill) > 1 else fill[0]
    if isinstance(fill, numbers.Number):
        fill = int(fill) if img.mode != "F" else float(fill)
        return tuple([fill] * bands) if bands > 1 else fill
    return fill


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: the image centre).

    Example::

        >>> rotate(ember.rand(1, 28, 28), 15.0).shape
        ember.Size([1, 28, 28])
    """
    _check_img(img)
    interpolation = _interp(interpolation)
    if _is_pil(img):
        return img.rotate(angle, _pil_resample(interpolation), expand, center, fillcolor=_pil_fill(img, fill))
    arr, kind, extra = _to_chw(img)
    h, w = arr.shape[-2:]
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, (w, h))]
    m = _get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    out_h, out_w = h, w
    if expand:
        # Forward-map the corners; the bounding box is the output size.
        inv = np.array([[m[0], m[1], m[2]], [m[3], m[4], m[5]], [0, 0, 1.0]])
        fwd = np.linalg.inv(inv)
        pts = np.array([[-0.5 * w, -0.5 * h, 1], [-0.5 * w, 0.5 * h, 1], [0.5 * w, 0.5 * h, 1],
                        [0.5 * w, -0.5 * h, 1]]).T
        new = fwd[:2] @ pts
        tol = 1e-4
        span = np.ceil(new.max(1) - tol) - np.floor(new.min(1) + tol)
        out_w, out_h = int(span[0]), int(span[1])
    return _from_chw(_sample(arr, m, out_h, out_w, interpolation, fill), kind, extra)


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None, center=None):
    """Rotate (clockwise, degrees), translate (pixels), scale and shear (degrees) about the centre.

    Example::

        >>> affine(ember.rand(1, 28, 28), angle=10, translate=[2, 0], scale=1.0, shear=[0.0]).shape
        ember.Size([1, 28, 28])
    """
    _check_img(img)
    interpolation = _interp(interpolation)
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if not isinstance(translate, (list, tuple)) or len(translate) != 2:
        raise ValueError(f"Argument translate should be a sequence of length 2. Got {translate}")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    _, h, w = get_dimensions(img)
    if _is_pil(img):
        center_f = [w * 0.5, h * 0.5] if center is None else list(center)
        m = _get_inverse_affine_matrix(center_f, angle, list(translate), scale, shear)
        Image = _pil_image()
        return img.transform((w, h), Image.AFFINE, m, _pil_resample(interpolation), fillcolor=_pil_fill(img, fill))
    arr, kind, extra = _to_chw(img)
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, (w, h))]
    m = _get_inverse_affine_matrix(center_f, angle, [float(t) for t in translate], scale, shear)
    return _from_chw(_sample(arr, m, h, w, interpolation, fill), kind, extra)
