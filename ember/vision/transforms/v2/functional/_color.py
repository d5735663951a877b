"""Colour functionals (grayscale, brightness / contrast / saturation / hue / gamma / sharpness, posterize,
solarize, autocontrast, equalize, invert, channel permutation) for images, videos and PIL images.

Tensor kernels work on plain tensors ``[..., C, H, W]`` (videos share them) and reuse the v1 array code of
:mod:`ember.vision.transforms.functional` where torchvision's v2 kernels compute the same thing; where v2 differs
(float posterize / equalize, autocontrast's rounding, the fused multiply-add of blends, grayscale of
one-channel images) the v2 behaviour is implemented here. Masks, boxes and key points have no kernel: transforms
pass them through, the functionals refuse them.
"""

from ember._backend import xp
from ember._tensor import wrap
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.v2.functional._utils import _get_kernel, _register_image, _register_kernel_internal


def _register_color(functional, image, pil=None, video=None):
    _register_image(functional, pil)(image)
    _register_kernel_internal(functional, tv_tensors.Video)(video or image)


def _check_channels(arr, msg="Input image tensor permitted channel values are 1 or 3, but found {}"):
    c = arr.shape[-3]
    if c not in (1, 3):
        raise TypeError(msg.format(c))


def _out(arr):
    return wrap(xp.ascontiguousarray(arr))


def _blend(a1, a2, ratio):
    """``ratio * a1 + (1 - ratio) * a2`` clamped to the value range, in ``a1``'s dtype (integers truncated).

    The second term is added as a fused multiply-add (as PyTorch's ``add_(b, alpha=...)`` does on CPU): the
    product is exact in float64 and the sum is rounded once to float32."""
    wd = F1._work_dtype(a1.dtype)
    if wd.itemsize < 4:
        # (half types as PyTorch's vectorised CPU kernels: the product by a float32 scalar rounded once; the add's
        # alpha is rounded to the half type and the (exact) product summed in float32, then rounded once)
        f32 = xp.float32
        x = (a1.astype(f32) * f32(ratio)).astype(wd)
        out = (x.astype(f32) + f32(wd.type(1.0 - ratio)) * xp.asarray(a2).astype(f32)).astype(wd)
        return xp.clip(out, wd.type(0), wd.type(1)).astype(wd, copy=False)
    x = a1.astype(wd, copy=False) * wd.type(ratio)
    if wd == xp.float32:
        out = (x.astype(xp.float64) + xp.float64(xp.float32(1.0 - ratio)) * xp.asarray(a2, xp.float64)).astype(wd)
    else:
        out = x + wd.type(1.0 - ratio) * xp.asarray(a2, wd)
    xp.clip(out, 0, F1._max_value(a1.dtype), out=out)
    return out.astype(a1.dtype, copy=False)


def _num_value_bits(np_dtype):
    np_dtype = xp.dtype(np_dtype)
    return np_dtype.itemsize * 8 - (1 if np_dtype.kind == "i" else 0)


# ----------------------------------------------------------------------------- grayscale
def rgb_to_grayscale(inpt, num_output_channels=1):
    """RGB to grayscale (luma ``0.2989 R + 0.587 G + 0.114 B``) with 1 or 3 equal channels.

    Args:
        inpt: tensor ``[..., 3 (or 1), H, W]``, ``Image`` or PIL image.
        num_output_channels: 1 or 3.

    Example::

        >>> rgb_to_grayscale(ember.rand(3, 4, 4), 3).shape
        ember.Size([3, 4, 4])
    """
    return _get_kernel(rgb_to_grayscale, type(inpt))(inpt, num_output_channels=num_output_channels)


to_grayscale = rgb_to_grayscale


def _gray(arr, cast=True):
    c = arr.shape[-3]
    if c != 3:  # (the message of unpacking the channels into r, g, b)
        raise ValueError(f"not enough values to unpack (expected 3, got {c})" if c < 3
                         else "too many values to unpack (expected 3)")
    wd = F1._work_dtype(arr.dtype)
    if wd.itemsize < 4:  # (half types: r * 0.2989 rounded once, then two adds with half-rounded alphas, as _blend)
        f32 = xp.float32
        r, g, b = (arr[..., i:i + 1, :, :].astype(f32) for i in range(3))
        gray = (r * f32(0.2989)).astype(wd)
        gray = (gray.astype(f32) + f32(wd.type(0.587)) * g).astype(wd)
        gray = (gray.astype(f32) + f32(wd.type(0.114)) * b).astype(wd)
        return gray
    r, g, b = (arr[..., i:i + 1, :, :].astype(wd, copy=False) for i in range(3))
    gray = wd.type(0.2989) * r + wd.type(0.587) * g + wd.type(0.114) * b
    return gray.astype(arr.dtype, copy=False) if cast else gray


def rgb_to_grayscale_image(image, num_output_channels=1):
    """The kernel of :func:`rgb_to_grayscale` for tensor images ``[..., C, H, W]``."""
    if num_output_channels not in (1, 3):
        raise ValueError(f"num_output_channels must be 1 or 3, got {num_output_channels}.")
    arr = image._data
    if F1._needs_grad(image):
        if arr.shape[-3] not in (1, 3):
            _gray(arr[..., :0, :0])  # (the channel-count error)
        gray = image.clone() if arr.shape[-3] == 1 else F1._gray_grad(image)
        return gray.expand(tuple(gray.shape[:-3]) + (3,) + tuple(gray.shape[-2:])) if num_output_channels == 3 else gray
    gray = arr.copy() if arr.shape[-3] == 1 else _gray(arr)
    if num_output_channels == 3:
        gray = xp.broadcast_to(gray, gray.shape[:-3] + (3,) + gray.shape[-2:])
    return _out(gray)


def _rgb_to_grayscale_pil(image, num_output_channels=1):
    if num_output_channels not in (1, 3):
        raise ValueError(f"num_output_channels must be 1 or 3, got {num_output_channels}.")
    return F1.to_grayscale(image, num_output_channels)


def grayscale_to_rgb(inpt):
    """Repeat a one-channel image into 3 channels (images with 3 or more channels are returned as they are).

    Example::

        >>> grayscale_to_rgb(ember.rand(1, 4, 4)).shape
        ember.Size([3, 4, 4])
    """
    return _get_kernel(grayscale_to_rgb, type(inpt))(inpt)


def grayscale_to_rgb_image(image):
    """The kernel of :func:`grayscale_to_rgb` for tensor images ``[..., C, H, W]``."""
    arr = image._data
    if arr.shape[-3] >= 3:
        return image
    return _out(xp.broadcast_to(arr, arr.shape[:-3] + (3,) + arr.shape[-2:]))


def _grayscale_to_rgb_pil(image):
    return image.convert(mode="RGB")


# ----------------------------------------------------------------------------- adjust_*
def _check_factor(value, name):
    if value < 0:
        raise ValueError(f"{name} ({value}) is not non-negative.")


def adjust_brightness(inpt, brightness_factor):
    """Scale the brightness (0: black, 1: unchanged), clamped to the value range.

    Example::

        >>> adjust_brightness(ember.full((3, 2, 2), 0.25), 2.0)[0, 0, 0]
        tensor(0.5000)
    """
    return _get_kernel(adjust_brightness, type(inpt))(inpt, brightness_factor=brightness_factor)


def adjust_brightness_image(image, brightness_factor):
    """The kernel of :func:`adjust_brightness` for tensor images ``[..., 1 or 3, H, W]``."""
    _check_factor(brightness_factor, "brightness_factor")
    arr = image._data
    _check_channels(arr)
    if F1._needs_grad(image):
        return F1._blend_grad(image, 0, brightness_factor)
    return _out(F1._blend_array(arr, 0, brightness_factor))


def adjust_saturation(inpt, saturation_factor):
    """Blend with the grayscale image (0: grayscale, 1: unchanged, 2: doubled saturation).

    Example::

        >>> adjust_saturation(ember.rand(3, 4, 4), 0.5).shape
        ember.Size([3, 4, 4])
    """
    return _get_kernel(adjust_saturation, type(inpt))(inpt, saturation_factor=saturation_factor)


def adjust_saturation_image(image, saturation_factor):
    """The kernel of :func:`adjust_saturation` for tensor images ``[..., 1 or 3, H, W]``."""
    _check_factor(saturation_factor, "saturation_factor")
    arr = image._data
    _check_channels(arr)
    if arr.shape[-3] == 1:
        return image.clone()
    if F1._needs_grad(image):
        return F1._blend_grad(image, F1._gray_grad(image), saturation_factor)
    return _out(_blend(arr, _gray(arr), saturation_factor))


def adjust_contrast(inpt, contrast_factor):
    """Blend with the mean gray level (0: flat gray, 1: unchanged, 2: doubled contrast).

    Example::

        >>> adjust_contrast(ember.tensor([[[0.0, 1.0]]]), 0.0)
        tensor([[[0.5000, 0.5000]]])
    """
    return _get_kernel(adjust_contrast, type(inpt))(inpt, contrast_factor=contrast_factor)


def adjust_contrast_image(image, contrast_factor):
    """The kernel of :func:`adjust_contrast` for tensor images ``[..., 1 or 3, H, W]``."""
    _check_factor(contrast_factor, "contrast_factor")
    arr = image._data
    _check_channels(arr)
    if F1._needs_grad(image):
        return F1.adjust_contrast(image, contrast_factor)
    if arr.dtype.itemsize < 4 and arr.dtype.kind in "fV":  # (half types: v2's grayscale, mean in float32)
        gray = _gray(arr) if arr.shape[-3] == 3 else arr
        mean = gray.astype(xp.float32).mean(axis=(-3, -2, -1), keepdims=True).astype(arr.dtype)
        return _out(_blend(arr, mean, contrast_factor))
    return _out(_blend(arr, F1._mean_gray(arr), contrast_factor))


def adjust_sharpness(inpt, sharpness_factor):
    """Blend with a smoothed image (0: smoothed, 1: unchanged, 2: sharpened).

    Example::

        >>> adjust_sharpness(ember.rand(3, 8, 8), 2.0).shape
        ember.Size([3, 8, 8])
    """
    return _get_kernel(adjust_sharpness, type(inpt))(inpt, sharpness_factor=sharpness_factor)


def adjust_sharpness_image(image, sharpness_factor):
    """The kernel of :func:`adjust_sharpness` for tensor images ``[..., 1 or 3, H, W]``."""
    arr = image._data
    _check_channels(arr, "Input image tensor can have 1 or 3 channels, but found {}")
    _check_factor(sharpness_factor, "sharpness_factor")
    if arr.size == 0 or arr.shape[-1] <= 2 or arr.shape[-2] <= 2:
        return image
    # (v2 moves away from the smoothed image: degenerate + factor * (image - degenerate))
    if F1._needs_grad(image):
        deg = F1._smooth_grad(image)
        return (deg + (image - deg) * float(sharpness_factor)).clamp(0.0, 1.0)
    wd = F1._work_dtype(arr.dtype)
    deg = F1._smooth_array(arr).astype(wd, copy=False)
    out = deg + wd.type(sharpness_factor) * (arr.astype(wd, copy=False) - deg)
    return _out(xp.clip(out, 0, F1._max_value(arr.dtype)).astype(arr.dtype, copy=False))


def adjust_hue(inpt, hue_factor):
    """Rotate the hue by ``hue_factor`` turns (in [-0.5, 0.5]).

    Example::

        >>> adjust_hue(ember.tensor([[[1.0]], [[0.0]], [[0.0]]]), 1 / 3).flatten()
        tensor([0., 1., 0.])
    """
    return _get_kernel(adjust_hue, type(inpt))(inpt, hue_factor=hue_factor)


def adjust_hue_image(image, hue_factor):
    """The kernel of :func:`adjust_hue` for tensor images ``[..., 1 or 3, H, W]``."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    arr = image._data
    _check_channels(arr)
    if arr.shape[-3] == 1 or arr.size == 0:
        return image
    if F1._needs_grad(image):
        return F1._hue_grad(image, hue_factor)
    return _out(F1._adjust_hue_array(arr, hue_factor, "conversion"))


def adjust_gamma(inpt, gamma, gain=1):
    """Gamma correction ``gain * x ** gamma`` on values scaled to [0, 1].

    Example::

        >>> adjust_gamma(ember.tensor([[[0.25]]]), 0.5)
        tensor([[[0.5000]]])
    """
    return _get_kernel(adjust_gamma, type(inpt))(inpt, gamma=gamma, gain=gain)


def adjust_gamma_image(image, gamma, gain=1):
    """The kernel of :func:`adjust_gamma` for tensor images ``[..., C, H, W]``."""
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    arr = image._data
    if F1._needs_grad(image):
        return (image ** float(gamma) * float(gain)).clamp(0.0, 1.0)
    x = arr if arr.dtype.kind == "f" else F1._convert_dtype_array(arr, xp.float32)
    out = xp.clip(x.dtype.type(gain) * xp.power(x, x.dtype.type(gamma)), 0, 1)
    return _out(F1._convert_dtype_array(out, arr.dtype, "conversion"))


# ----------------------------------------------------------------------------- point operations
def posterize(inpt, bits):
    """Keep the ``bits`` highest bits of each value (float images: ``2 ** bits`` levels).

    Example::

        >>> posterize(ember.tensor([[[255]]], dtype=ember.uint8), 2)
        tensor([[[192]]], dtype=ember.uint8)
    """
    return _get_kernel(posterize, type(inpt))(inpt, bits=bits)


def posterize_image(image, bits):
    """The kernel of :func:`posterize` for tensor images ``[..., C, H, W]``."""
    if not isinstance(bits, int) or not 0 <= bits <= 8:
        raise TypeError(f"bits must be a positive integer in the range [0, 8], got {bits} instead.")
    arr = image._data
    if arr.dtype.kind == "f":
        levels = 1 << bits
        out = xp.clip(xp.floor(arr * arr.dtype.type(levels)), 0, levels - 1) * arr.dtype.type(1.0 / levels)
        return _out(out.astype(arr.dtype, copy=False))
    nbits = _num_value_bits(arr.dtype)
    if bits >= nbits:
        return image
    mask = ((1 << bits) - 1) << (nbits - bits)
    return _out(arr & arr.dtype.type(mask))


def solarize(inpt, threshold):
    """Invert the values at or above ``threshold``.

    Example::

        >>> solarize(ember.tensor([[[0.25, 0.75]]]), 0.5)
        tensor([[[0.2500, 0.2500]]])
    """
    return _get_kernel(solarize, type(inpt))(inpt, threshold=threshold)


def solarize_image(image, threshold):
    """The kernel of :func:`solarize` for tensor images ``[..., C, H, W]``."""
    arr = image._data
    if threshold > F1._max_value(arr.dtype):
        raise TypeError(f"Threshold should be less or equal the maximum value of the dtype, but got {threshold}")
    wd = F1._work_dtype(arr.dtype) if isinstance(threshold, float) else arr.dtype
    above = arr.astype(wd, copy=False) >= wd.type(threshold)
    return _out(xp.where(above, _invert_array(arr), arr))


def autocontrast(inpt):
    """Stretch each channel so that its darkest value becomes black and its lightest white.

    Example::

        >>> autocontrast(ember.tensor([[[0.25, 0.5]]]))
        tensor([[[0., 1.]]])
    """
    return _get_kernel(autocontrast, type(inpt))(inpt)


def autocontrast_image(image):
    """The kernel of :func:`autocontrast` for tensor images ``[..., 1 or 3, H, W]``."""
    arr = image._data
    _check_channels(arr)
    if arr.size == 0:
        return image
    bound = F1._max_value(arr.dtype)
    x = arr if arr.dtype.kind == "f" else arr.astype(xp.float32)
    lo = x.min(axis=(-2, -1), keepdims=True)
    hi = x.max(axis=(-2, -1), keepdims=True)
    flat = hi == lo
    # (v2 divides by (max - min) / bound rather than multiplying by its inverse)
    inv_scale = (hi - lo) * x.dtype.type(1.0 / bound)
    lo = xp.where(flat, x.dtype.type(0), lo)
    inv_scale = xp.where(flat, x.dtype.type(1), inv_scale)
    out = xp.clip((x - lo) / inv_scale, 0, bound)
    return _out(out.astype(arr.dtype, copy=False))


def equalize(inpt):
    """Equalise the histogram of each channel (any dtype: values are binned on 256 uint8 levels).

    Example::

        >>> equalize(ember.randint(0, 256, (3, 8, 8), dtype=ember.uint8)).shape
        ember.Size([3, 8, 8])
    """
    return _get_kernel(equalize, type(inpt))(inpt)


def equalize_image(image):
    """The kernel of :func:`equalize` for tensor images ``[..., C, H, W]``."""
    arr = image._data
    if arr.size == 0:
        return image
    u8 = F1._convert_dtype_array(arr, xp.uint8)
    squeeze = u8.ndim < 3
    out = F1._equalize_array(u8[None] if squeeze else u8)
    out = out[0] if squeeze else out
    return _out(F1._convert_dtype_array(out, arr.dtype, "conversion"))


def _invert_array(arr):
    if arr.dtype.kind == "f":
        return (arr.dtype.type(1.0) - arr).astype(arr.dtype, copy=False)
    return arr ^ arr.dtype.type((1 << _num_value_bits(arr.dtype)) - 1)


def invert(inpt):
    """Invert the values: ``max - x`` (255 for uint8, 1 for float images).

    Example::

        >>> invert(ember.tensor([[[0.25]]]))
        tensor([[[0.7500]]])
    """
    return _get_kernel(invert, type(inpt))(inpt)


def invert_image(image):
    """The kernel of :func:`invert` for tensor images ``[..., C, H, W]``."""
    return _out(_invert_array(image._data))


def permute_channels(inpt, permutation):
    """Reorder the channels: output channel ``i`` is input channel ``permutation[i]``.

    Example::

        >>> permute_channels(ember.arange(3.0).reshape(3, 1, 1), [2, 0, 1]).flatten()
        tensor([2., 0., 1.])
    """
    return _get_kernel(permute_channels, type(inpt))(inpt, permutation=permutation)


def permute_channels_image(image, permutation):
    """The kernel of :func:`permute_channels` for tensor images ``[..., C, H, W]``."""
    arr = image._data
    perm = list(permutation.tolist() if hasattr(permutation, "tolist") else permutation)
    c = arr.shape[-3]
    if len(perm) != c:
        raise ValueError(f"Length of permutation does not match number of channels: {len(perm)} != {c}")
    return _out(arr[..., perm, :, :])


def _permute_channels_pil(image, permutation):
    arr, kind, extra = F1._to_chw(image)
    perm = list(permutation.tolist() if hasattr(permutation, "tolist") else permutation)
    c = arr.shape[-3]
    if len(perm) != c:
        raise ValueError(f"Length of permutation does not match number of channels: {len(perm)} != {c}")
    return F1._from_chw(arr[..., perm, :, :], kind, extra)


# ----------------------------------------------------------------------------- registration
_register_image(rgb_to_grayscale, _rgb_to_grayscale_pil)(rgb_to_grayscale_image)
_register_image(grayscale_to_rgb, _grayscale_to_rgb_pil)(grayscale_to_rgb_image)
_register_color(adjust_brightness, adjust_brightness_image, lambda img, brightness_factor: F1.adjust_brightness(
    img, brightness_factor))
_register_color(adjust_saturation, adjust_saturation_image, F1.adjust_saturation)
_register_color(adjust_contrast, adjust_contrast_image, F1.adjust_contrast)
_register_color(adjust_sharpness, adjust_sharpness_image, F1.adjust_sharpness)
_register_color(adjust_hue, adjust_hue_image, F1.adjust_hue)
_register_color(adjust_gamma, adjust_gamma_image, F1.adjust_gamma)
_register_color(posterize, posterize_image, F1.posterize)
_register_color(solarize, solarize_image, F1.solarize)
_register_color(autocontrast, autocontrast_image, F1.autocontrast)
_register_color(equalize, equalize_image, F1.equalize)
_register_color(invert, invert_image, F1.invert)
_register_color(permute_channels, permute_channels_image, _permute_channels_pil)

adjust_brightness_video = adjust_brightness_image
adjust_saturation_video = adjust_saturation_image
adjust_contrast_video = adjust_contrast_image
adjust_sharpness_video = adjust_sharpness_image
adjust_hue_video = adjust_hue_image
adjust_gamma_video = adjust_gamma_image
posterize_video = posterize_image
solarize_video = solarize_image
autocontrast_video = autocontrast_image
equalize_video = equalize_image
invert_video = invert_image
permute_channels_video = permute_channels_image
