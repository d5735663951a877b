"""Normalisation, dtype conversion and box sanitising."""

from ember._backend import xp
from ember._tensor import Tensor, wrap
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.v2.functional._meta import _is_rotated, _parse_format, _rotated_corners, _to_xyxy, _work
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
    # torch's broadcasting errors: the mean may widen a single channel (``sub``), the std may not (``div_``)
    c = arr.shape[-3]
    for v, widens in ((m.shape[0], True), (s.shape[0], False)):
        if v != c and v != 1:
            if c != 1:
                raise RuntimeError(f"The size of tensor a ({c}) must match the size of tensor b ({v}) at "
                                   f"non-singleton dimension {arr.ndim - 3}")
            if not widens:
                raise RuntimeError(f"output with shape {list(arr.shape[:-3]) + [c, *arr.shape[-2:]]} doesn't match "
                                   f"the broadcast shape {list(arr.shape[:-3]) + [v, *arr.shape[-2:]]}")
            c = v
    if F1._needs_grad(image):  # (autograd through ember ops)
        if inplace:
            return image.sub_(wrap(m)).div_(wrap(s))
        return (image - wrap(m)) / wrap(s)
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
    target = _dtype.to_np(dtype)
    if not image.is_floating_point() and target.kind in "fV":
        # v2 multiplies by the reciprocal of the integer maximum (v1 divides): the values differ by an ulp; half
        # types multiply by a float32 scalar in float32 and round once, as PyTorch's reduced-precision kernels do
        wd = target if target.itemsize >= 4 else xp.dtype(xp.float32)
        out = image._data.astype(wd) * wd.type(1.0 / F1._max_value(image._data.dtype))
        return wrap(out if wd == target else out.astype(target))
    try:
        out = F1._convert_dtype_array(image._data, target)
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
    fmt = _parse_format(fmt)
    ch, cw = canvas_size
    if _is_rotated(fmt):  # sides from the corners; every corner must lie in the canvas
        c = _rotated_corners(_work(boxes._data), fmt)
        w = xp.sqrt(((c[..., 1, :] - c[..., 0, :]) ** 2).sum(-1))
        h = xp.sqrt(((c[..., 2, :] - c[..., 1, :]) ** 2).sum(-1))
        valid = (w >= min_size) & (h >= min_size) & (w * h >= min_area)
        valid &= ((c[..., 0] >= 0) & (c[..., 1] >= 0) & (c[..., 0] <= cw) & (c[..., 1] <= ch)).all(-1)
        return wrap(valid)
    a = _to_xyxy(_work(boxes._data), fmt)
    w, h = a[..., 2] - a[..., 0], a[..., 3] - a[..., 1]
    valid = (w >= min_size) & (h >= min_size) & (w * h >= min_area)
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


# ----------------------------------------------------------------------------- key points
def sanitize_keypoints(key_points, canvas_size=None):
    """Keep the key points (or groups of key points) that lie in the canvas: ``0 <= x < W`` and ``0 <= y < H``.

    Args:
        key_points: ``KeyPoints`` or a plain tensor ``[..., 2]``; with 3 or more dimensions, the points are groups
            ``[N, ..., 2]`` and a group is dropped as a whole when any of its points is outside.
        canvas_size: (H, W); required for plain tensors, not allowed for ``KeyPoints``.

    Returns:
        (the kept points, the boolean mask ``[N]`` of kept points or groups).

    Example::

        >>> kp = tv_tensors.KeyPoints([[1, 1], [9, 2]], canvas_size=(4, 8))
        >>> sanitize_keypoints(kp)[1]
        tensor([ True, False])
    """
    if is_pure_tensor(key_points):
        if canvas_size is None:
            raise ValueError("canvas_size cannot be None if key_points is a pure tensor. Set it to an appropriate "
                             "value or pass key_points as a tv_tensors.KeyPoints object.")
    elif isinstance(key_points, tv_tensors.KeyPoints):
        if canvas_size is not None:
            raise ValueError(f"canvas_size must be None when key_points is a tv_tensors.KeyPoints instance. Got "
                             f"canvas_size={canvas_size}. Leave it to None or pass key_points as a pure tensor.")
        canvas_size = key_points.canvas_size
    else:
        raise ValueError("key_points must be a tv_tensors.KeyPoints instance or a pure tensor.")
    data = key_points._data
    h, w = canvas_size
    inside = (data[..., 0] >= 0) & (data[..., 0] < w) & (data[..., 1] >= 0) & (data[..., 1] < h)
    # one flag per point ([N]) or per group (all points of each group [N, ...])
    valid = inside.reshape(inside.shape[0], -1).all(-1) if inside.ndim > 1 else inside
    kept = wrap(data[valid])
    if isinstance(key_points, tv_tensors.KeyPoints):
        kept = tv_tensors.wrap(kept, like=key_points)
    return kept, wrap(xp.asarray(valid))


# ----------------------------------------------------------------------------- JPEG round trip
def jpeg(image, quality):
    """Compress and decompress images as JPEG at ``quality`` (1-100; lower is more compressed).

    Args:
        image: a ``uint8`` tensor image ``[..., 1 or 3, H, W]``, ``Image``, ``Video`` or PIL image.
        quality: the JPEG quality.

    Example::

        >>> jpeg(ember.zeros(3, 8, 8, dtype=ember.uint8), quality=50).shape
        ember.Size([3, 8, 8])
    """
    return _get_kernel(jpeg, type(image))(image, quality=quality)


def jpeg_image(image, quality):
    """The kernel of :func:`jpeg` for ``uint8`` tensor images ``[..., C, H, W]`` (C = 1 or 3)."""
    from ember.vision.io import decode_jpeg, encode_jpeg  # (imports Pillow)
    if image._data.dtype != xp.uint8:
        raise TypeError(f"Input tensor dtype should be uint8, got {image.dtype}.")
    shape = image.shape
    if len(shape) < 3:
        raise ValueError(f"Input image should have at least 3 dimensions [..., C, H, W], got {len(shape)}.")
    flat = image._data.reshape((-1,) + tuple(shape[-3:]))
    if flat.shape[0] == 0:
        return wrap(image._data.copy())
    encoded = encode_jpeg([wrap(xp.ascontiguousarray(x)) for x in flat], quality=quality)
    decoded = decode_jpeg(encoded)
    return wrap(xp.stack([d._data for d in decoded]).reshape(shape))


jpeg_video = jpeg_image


def _jpeg_pil(image, quality):
    import io

    from PIL import Image
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf)


_register_image(jpeg, _jpeg_pil)(jpeg_image)
_register_kernel_internal(jpeg, tv_tensors.Video)(jpeg_video)
