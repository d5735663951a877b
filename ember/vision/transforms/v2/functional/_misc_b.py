"""Gaussian blur and Gaussian noise for images and videos (blur also for PIL images)."""

from ember._backend import xp
from ember._functions import randn
from ember._tensor import wrap
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.v2.functional._utils import _get_kernel, _register_image, _register_kernel_internal


def gaussian_blur(inpt, kernel_size, sigma=None):
    """Blur with a Gaussian kernel (borders reflected, so the size is kept).

    Args:
        inpt: tensor ``[..., C, H, W]``, ``Image``, ``Video`` or PIL image.
        kernel_size: odd positive int, or (kx, ky).
        sigma: float or (sigma_x, sigma_y); default ``0.3 * ((k - 1) * 0.5 - 1) + 0.8`` per axis.

    Example::

        >>> gaussian_blur(ember.rand(3, 16, 16), [5, 5], [1.5, 1.5]).shape
        ember.Size([3, 16, 16])
    """
    return _get_kernel(gaussian_blur, type(inpt))(inpt, kernel_size=kernel_size, sigma=sigma)


def gaussian_blur_image(image, kernel_size, sigma=None):
    """The kernel of :func:`gaussian_blur` for tensor images ``[..., C, H, W]``."""
    if image.numel() == 0:
        F1.gaussian_blur(image.new_zeros((1, 1, 1)), kernel_size, sigma)  # (the argument checks only)
        return image
    return F1.gaussian_blur(image, kernel_size, sigma)


gaussian_blur_video = gaussian_blur_image


def _gaussian_blur_pil(image, kernel_size, sigma=None):
    return F1.gaussian_blur(image, kernel_size, sigma)


def gaussian_noise(inpt, mean=0.0, sigma=0.1, clip=True):
    """Add Gaussian noise ``mean + sigma * N(0, 1)`` to float images in [0, 1] (uint8 images: scaled by 255 and
    truncated to integers).

    Args:
        inpt: float or uint8 tensor ``[..., C, H, W]``, ``Image`` or ``Video``.
        mean, sigma: of the noise, on the [0, 1] scale whatever the dtype.
        clip: clamp the result to the value range (uint8 without it wraps around).

    Example::

        >>> gaussian_noise(ember.zeros(1, 2, 2), sigma=0.0, mean=0.5)[0, 0, 0]
        tensor(0.5000)
    """
    return _get_kernel(gaussian_noise, type(inpt))(inpt, mean=mean, sigma=sigma, clip=clip)


def gaussian_noise_image(image, mean=0.0, sigma=0.1, clip=True):
    """The kernel of :func:`gaussian_noise` for tensor images ``[..., C, H, W]``."""
    from ember import _dtype
    arr = image._data
    if arr.dtype != xp.uint8 and arr.dtype.kind != "f":
        raise ValueError(f"Input tensor is expected to be in uint8 or float dtype, got dtype={image.dtype}")
    if sigma < 0:
        raise ValueError(f"sigma shouldn't be negative. Got {sigma}")
    noise_dtype = image.dtype if arr.dtype.kind == "f" else _dtype.float32
    z = randn(tuple(arr.shape), dtype=noise_dtype)._data
    noise = arr.dtype.type(mean) + z * z.dtype.type(sigma) if arr.dtype.kind == "f" else \
        (z.dtype.type(mean) + z * z.dtype.type(sigma)) * z.dtype.type(255)
    if arr.dtype.kind == "f":
        out = arr + noise
        return wrap(xp.clip(out, 0, 1) if clip else out)
    out = arr.astype(xp.int32) + xp.trunc(noise).astype(xp.int32)  # (uint8: the noise is truncated first)
    if clip:
        out = xp.clip(out, 0, 255)
    return wrap(out.astype(xp.uint8))


gaussian_noise_video = gaussian_noise_image


def _gaussian_noise_pil(image, mean=0.0, sigma=0.1, clip=True):
    raise ValueError("Gaussian Noise is not implemented for PIL images.")


_register_image(gaussian_blur, _gaussian_blur_pil)(gaussian_blur_image)
_register_kernel_internal(gaussian_blur, tv_tensors.Video)(gaussian_blur_video)
_register_image(gaussian_noise, _gaussian_noise_pil)(gaussian_noise_image)
_register_kernel_internal(gaussian_noise, tv_tensors.Video)(gaussian_noise_video)
