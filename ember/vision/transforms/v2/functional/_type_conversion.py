"""Conversions between PIL images, NumPy arrays, plain tensors and ``Image``."""

import warnings

from ember._backend import xp
from ember._tensor import wrap
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1


def to_image(inpt):
    """A pure tensor ``[..., C, H, W]``, a NumPy array ``[H, W(, C)]`` or a PIL image as an
    :class:`~ember.vision.tv_tensors.Image` (tensors and arrays are not copied).

    Example::

        >>> to_image(np.zeros((4, 6, 3), dtype=np.uint8)).shape
        ember.Size([3, 4, 6])
    """
    from ember.vision.transforms.v2.functional._utils import is_pure_tensor
    if isinstance(inpt, xp.ndarray):
        arr = inpt[None] if inpt.ndim == 2 else xp.moveaxis(inpt, -1, -3)
        return tv_tensors.Image(wrap(xp.ascontiguousarray(arr)))
    if F1._is_pil(inpt):
        return tv_tensors.Image(F1.pil_to_tensor(inpt))
    if is_pure_tensor(inpt):
        return tv_tensors.Image(inpt)
    raise TypeError(f"Input can either be a pure Tensor, a numpy array, or a PIL image, but got {type(inpt)} "
                    "instead.")


def pil_to_tensor(pic):
    """A PIL image as a ``[C, H, W]`` tensor of its own dtype (no scaling)."""
    return F1.pil_to_tensor(pic)


def to_pil_image(pic, mode=None):
    """A ``[C, H, W]`` tensor (or ``Image``) or ``[H, W(, C)]`` array as a PIL image; float data is scaled by 255."""
    if isinstance(pic, tv_tensors.TVTensor):
        pic = tv_tensors._alias(pic)
    return F1.to_pil_image(pic, mode)


def to_tensor(pic):
    """Deprecated: a PIL image or array as a float ``[C, H, W]`` tensor scaled to [0, 1]; use :func:`to_image`
    then :func:`to_dtype` with ``scale=True``."""
    warnings.warn("The function `to_tensor(...)` is deprecated and will be removed in a future release. Instead, "
                  "please use `to_image(...)` followed by `to_dtype(..., dtype=ember.float32, scale=True)`.",
                  stacklevel=2)
    return F1.to_tensor(pic)

