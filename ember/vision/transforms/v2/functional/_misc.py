"""Normalisation, dtype conversion and box sanitising."""

from ember._backend import xp
from ember._tensor import Tensor, wrap
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.v2.functional._meta import _parse_format, _to_xyxy, _work
from ember.vision.transforms.v2.functional._utils import (
    _get_kernel, _register_image, _register_kernel_internal, is_pure_tensor,
)


def normalize(inpt, mean, std, inplace=False):
    """``(inpt - mean) / std`` per channel of a float image or video ``[..., C, H, W]``.

    Example::

        >>> normalize(ember.ones(3, 2, 2), [0.5] * 3, [0.25] * 3)[0, 0, 0]
        tensor(2.)
    """
    return _get_kernel(normalize, type(inpt))(inpt, mean=mean, std=std, inplace=inplace)


def normalize_image(image, mean, std, inplace=False):
    """The kernel of :func:`normalize` for tensor images ``[..., C, H, W]``."""
    if not image.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {image.dtype}.")
    if image.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got {image.shape}.")
    arr = image._data
    m = xp.asarray(mean._data if isinstance(mean, Tensor) else mean, dtype=arr.dtype).reshape(-1, 1, 1)
    s = xp.asarray(std._data if isinstance(std, Tensor) else std, dtype=arr.dtype).reshape(-1, 1, 1)
    if (s == 0).any():
        raise ValueError("std evaluated to zero, leading to division by zero.")
    for v in (m.shape[0], s.shape[0]):
        if v != arr.shape[-3] and v != 1 and arr.shape[-3] != 1:
            raise RuntimeError(f"The size of tensor a ({arr.shape[-3]}) must match the size of tensor b ({v}) at "
                               "non-singleton dimension 0")
    out = (arr - m) / s
    if inplace:
        arr[...] = out
        return image
    return wrap(out)


normalize_video = normalize_image


def to_dtype(inpt, dtype=None, scale=False):
    """Convert to ``dtype``; with ``scale=True`` images and videos are also rescaled between value ranges
    (integers span their type's range, floats [0, 1]). Masks and boxes are only cast.

    Args:
        inpt: tensor, ``Image``, ``Video``, ``Mask``, ``BoundingBoxes`` or ``KeyPoints``.
        dtype: the target dtype (default ``ember.float32``).
        scale: rescale the values of images and videos.

    Example::

        >>> to_dtype(ember.tensor([[[0, 255]]], dtype=ember.uint8), ember.float32, scale=True)
        tensor([[[0., 1.]]])
    """
    from ember import float32
    return _get_kernel(to_dtype, type(inpt))(inpt, dtype=float32 if dtype is None else dtype, scale=scale)


def to_dtype_image(image, dtype=None, scale=False):
    """The kernel of :func:`to_dtype` for tensor images and videos."""
    from ember import _dtype
    dtype = _dtype.float32 if dtype is None else dtype
    if image.dtype == dtype:
        return image
    if not scale:
        return image.to(dtype)
    try:
        out = F1._convert_dtype_array(image._data, _dtype.to_np(dtype))
    except RuntimeError as e:  # torchvision words the v2 error differently from the v1 one
        raise RuntimeError(str(e).replace("The cast from", "The conversion from")) from None
    return wrap(xp.ascontiguousarray(out))


to_dtype_video = to_dtype_image


def _to_dtype_tensor_dispatch(inpt, dtype, scale=False):
    # Masks, boxes and key points: a plain cast, whatever ``scale`` says.
    return inpt.to(dtype)


def convert_image_dtype(image, dtype=None):
    """Convert an image to ``dtype`` rescaling its values: :func:`to_dtype` with ``scale=True``."""
    from ember import float32
    return to_dtype(image, dtype=float32 if dtype is None else dtype, scale=True)


def _sanitize_valid(boxes, fmt, canvas_size, min_size, min_area):
    a = _to_xyxy(_work(boxes._data), _parse_format(fmt))
    w, h = a[..., 2] - a[..., 0], a[..., 3] - a[..., 1]
    valid = (w >= min_size) & (h >= min_size) & (w * h >= min_area)
    ch, cw = canvas_size
    valid &= (a[..., 0] >= 0) & (a[..., 1] >= 0) & (a[..., 2] <= cw) & (a[..., 3] <= ch)
    return wrap(valid)


def sanitize_bounding_boxes(bounding_boxes, format=None, canvas_size=None, min_size=1.0, min_area=1.0):  # noqa: A002
    """Keep the boxes that are at least ``min_size`` wide and high, of area at least ``min_area``, and lie inside
    the canvas.

    Args:
        bounding_boxes: ``BoundingBoxes`` or a plain tensor ``[N, K]``.
        format, canvas_size: required for plain tensors, not allowed for ``BoundingBoxes``.
        min_size, min_area: the smallest side and area kept.

    Returns:
        (the kept boxes, the boolean mask ``[N]`` of kept boxes).

    Example::

        >>> boxes = tv_tensors.BoundingBoxes([[0, 0, 4, 4], [1, 1, 1, 3]], format="XYXY", canvas_size=(8, 8))
        >>> sanitize_bounding_boxes(boxes)[1]
        tensor([ True, False])
    """
    if is_pure_tensor(bounding_boxes):
        if format is None or canvas_size is None:
            raise ValueError(f"format and canvas_size cannot be None if bounding_boxes is a pure tensor. Got "
                             f"format={format} and canvas_size={canvas_size}.Set those to appropriate values or "
                             "pass bounding_boxes as a tv_tensors.BoundingBoxes object.")
        valid = _sanitize_valid(bounding_boxes, format, canvas_size, min_size, min_area)
        return bounding_boxes[valid], valid
    if not isinstance(bounding_boxes, tv_tensors.BoundingBoxes):
        raise ValueError("bounding_boxes must be a tv_tensors.BoundingBoxes instance or a pure tensor.")
    if format is not None or canvas_size is not None:
        fmt = format.name if isinstance(format, tv_tensors.BoundingBoxFormat) else format
        raise ValueError(f"format and canvas_size must be None when bounding_boxes is a tv_tensors.BoundingBoxes "
                         f"instance. Got format={fmt} and canvas_size={canvas_size}. Leave those to None or pass "
                         "bounding_boxes as a pure tensor.")
    valid = _sanitize_valid(bounding_boxes, bounding_boxes.format, bounding_boxes.canvas_size, min_size, min_area)
    kept = wrap(bounding_boxes._data[valid._data])
    return tv_tensors.wrap(kept, like=bounding_boxes), valid


_register_image(normalize)(normalize_image)
_register_kernel_internal(normalize, tv_tensors.Video)(normalize_video)
_register_image(to_dtype)(to_dtype_image)
_register_kernel_internal(to_dtype, tv_tensors.Video)(to_dtype_video)
for _cls in (tv_tensors.Mask, tv_tensors.BoundingBoxes, tv_tensors.KeyPoints):
    _register_kernel_internal(to_dtype, _cls, tv_tensor_wrapper=False)(_to_dtype_tensor_dispatch)
