"""Erasing (the functional behind ``RandomErasing``) for images, videos and PIL images."""

from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.v2.functional._utils import _get_kernel, _register_image, _register_kernel_internal


def erase(inpt, i, j, h, w, v, inplace=False):
    """Set the ``h`` x ``w`` box at row ``i``, column ``j`` of an image or video to ``v``.

    Args:
        inpt: tensor ``[..., C, H, W]``, ``Image``, ``Video`` or PIL image.
        i, j: top and left of the box.
        h, w: its size.
        v: the value(s): a tensor broadcastable to ``[..., C, h, w]`` (or a number).
        inplace: modify the input tensor itself.

    Example::

        >>> erase(ember.ones(1, 4, 4), 1, 1, 2, 2, ember.tensor(0.0)).sum()
        tensor(12.)
    """
    return _get_kernel(erase, type(inpt))(inpt, i=i, j=j, h=h, w=w, v=v, inplace=inplace)


def erase_image(image, i, j, h, w, v, inplace=False):
    """The kernel of :func:`erase` for tensor images ``[..., C, H, W]``."""
    out = image if inplace else image.clone()
    out[..., i:i + h, j:j + w] = v
    return out


erase_video = erase_image


def _erase_pil(image, i, j, h, w, v, inplace=False):
    t = F1.pil_to_tensor(image)
    return F1.to_pil_image(erase_image(t, i, j, h, w, v, inplace=inplace), mode=image.mode)


_register_image(erase, _erase_pil)(erase_image)
_register_kernel_internal(erase, tv_tensors.Video)(erase_video)
