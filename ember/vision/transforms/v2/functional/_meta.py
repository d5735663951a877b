"""Sizes of images, videos, masks, boxes and key points; box format conversion and clamping."""

from ember._backend import xp
from ember._tensor import Tensor, wrap
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.v2.functional._utils import (
    _get_kernel, _register_image, _register_kernel_internal, is_pure_tensor,
)
from ember.vision.tv_tensors import BoundingBoxFormat


def _chw(shape):
    if len(shape) < 2:
        raise TypeError(f"Input tensor should have at least two dimensions, but got {len(shape)}")
    return [int(shape[-3]) if len(shape) > 2 else 1, int(shape[-2]), int(shape[-1])]


# ----------------------------------------------------------------------------- dimensions
def get_dimensions(inpt):
    """[channels, height, width] of an image or video (tensor, ``Image``, ``Video`` or PIL image).

    Example::

        >>> get_dimensions(ember.zeros(3, 8, 6))
        [3, 8, 6]
    """
    return _get_kernel(get_dimensions, type(inpt))(inpt)


def get_dimensions_image(image):
    """[channels, height, width] of a tensor image ``[..., C, H, W]`` (a 2-d tensor has one channel)."""
    return _chw(image.shape)


get_dimensions_video = get_dimensions_image


def _get_dimensions_pil(image):
    return F1.get_dimensions(image)


def get_num_channels(inpt):
    """The number of channels of an image or video.

    Example::

        >>> get_num_channels(ember.zeros(3, 8, 6))
        3
    """
    return _get_kernel(get_num_channels, type(inpt))(inpt)


def get_num_channels_image(image):
    """The number of channels of a tensor image ``[..., C, H, W]``."""
    return _chw(image.shape)[0]


get_num_channels_video = get_num_channels_image


def _get_num_channels_pil(image):
    return F1.get_dimensions(image)[0]


def get_size(inpt):
    """[height, width] of an image, video or mask, or the canvas size of boxes and key points.

    Example::

        >>> get_size(ember.zeros(3, 8, 6))
        [8, 6]
    """
    return _get_kernel(get_size, type(inpt))(inpt)


def get_size_image(image):
    """[height, width] of a tensor image ``[..., H, W]``."""
    return _chw(image.shape)[1:]


get_size_video = get_size_mask = get_size_image


def _get_size_pil(image):
    return F1.get_dimensions(image)[1:]


def get_size_bounding_boxes(bounding_box):
    """The canvas size of ``BoundingBoxes``, as a list."""
    return list(bounding_box.canvas_size)


def get_size_keypoints(keypoints):
    """The canvas size of ``KeyPoints``, as a list."""
    return list(keypoints.canvas_size)


def get_num_frames(inpt):
    """The number of frames ``T`` of a video ``[..., T, C, H, W]``."""
    return _get_kernel(get_num_frames, type(inpt))(inpt)


def get_num_frames_video(video):
    """The number of frames ``T`` of a video tensor ``[..., T, C, H, W]``."""
    return video.shape[-4]


def get_image_size(inpt):
    """[width, height] of an image (torchvision's legacy order; prefer :func:`get_size`)."""
    _, h, w = get_dimensions(inpt)
    return [w, h]


def get_image_num_channels(inpt):
    """Alias of :func:`get_num_channels`."""
    return get_num_channels(inpt)


_register_image(get_dimensions, _get_dimensions_pil)(get_dimensions_image)
_register_kernel_internal(get_dimensions, tv_tensors.Video, tv_tensor_wrapper=False)(get_dimensions_video)
_register_image(get_num_channels, _get_num_channels_pil)(get_num_channels_image)
_register_kernel_internal(get_num_channels, tv_tensors.Video, tv_tensor_wrapper=False)(get_num_channels_video)
_register_image(get_size, _get_size_pil)(get_size_image)
for _cls, _k in ((tv_tensors.Video, get_size_video), (tv_tensors.Mask, get_size_mask),
                 (tv_tensors.BoundingBoxes, get_size_bounding_boxes), (tv_tensors.KeyPoints, get_size_keypoints)):
    _register_kernel_internal(get_size, _cls, tv_tensor_wrapper=False)(_k)
_register_kernel_internal(get_num_frames, Tensor)(get_num_frames_video)
_register_kernel_internal(get_num_frames, tv_tensors.Video, tv_tensor_wrapper=False)(get_num_frames_video)


# ----------------------------------------------------------------------------- box formats
def _work(arr):
    """Box arithmetic runs in the boxes' float type, float32 for integer boxes (truncated back afterwards)."""
    return arr if arr.dtype.kind == "f" else arr.astype(xp.float32)


def _to_xyxy(a, fmt):
    if fmt == BoundingBoxFormat.XYXY:
        return a
    if fmt == BoundingBoxFormat.XYWH:
        return xp.concatenate([a[..., :2], a[..., :2] + a[..., 2:4]], axis=-1)
    if fmt == BoundingBoxFormat.CXCYWH:
        half = a[..., 2:4] / a.dtype.type(2)
        return xp.concatenate([a[..., :2] - half, a[..., :2] + half], axis=-1)
    raise NotImplementedError(f"ember does not convert rotated box format {fmt} yet")


def _from_xyxy(a, fmt):
    if fmt == BoundingBoxFormat.XYXY:
        return a
    if fmt == BoundingBoxFormat.XYWH:
        return xp.concatenate([a[..., :2], a[..., 2:4] - a[..., :2]], axis=-1)
    if fmt == BoundingBoxFormat.CXCYWH:
        return xp.concatenate([(a[..., :2] + a[..., 2:4]) / a.dtype.type(2), a[..., 2:4] - a[..., :2]], axis=-1)
    raise NotImplementedError(f"ember does not convert rotated box format {fmt} yet")


def _convert_format_array(arr, old_format, new_format):
    if old_format == new_format:
        return arr
    out = _from_xyxy(_to_xyxy(_work(arr), old_format), new_format)
    return out.astype(arr.dtype, copy=False)


def _parse_format(fmt):
    return BoundingBoxFormat[fmt.upper()] if isinstance(fmt, str) else fmt


def _convert_bounding_box_format(bounding_boxes, old_format, new_format, inplace=False):
    """The kernel of :func:`convert_bounding_box_format` for plain tensors ``[..., K]``."""
    old_format, new_format = _parse_format(old_format), _parse_format(new_format)
    out = _convert_format_array(bounding_boxes._data, old_format, new_format)
    if inplace:
        bounding_boxes._data[...] = out
        return bounding_boxes
    return wrap(out if out is not bounding_boxes._data else out.copy())


def convert_bounding_box_format(inpt, old_format=None, new_format=None, inplace=False):
    """Convert boxes from one :class:`~ember.vision.tv_tensors.BoundingBoxFormat` to another.

    Args:
        inpt: ``BoundingBoxes`` (their format is the old one) or a plain tensor ``[..., K]``.
        old_format: the format of a plain tensor (must not be given for ``BoundingBoxes``).
        new_format: the target format (an enum member or its name).
        inplace: overwrite the input's data.

    Example::

        >>> boxes = tv_tensors.BoundingBoxes([[1, 2, 5, 8]], format="XYXY", canvas_size=(10, 10))
        >>> convert_bounding_box_format(boxes, new_format="XYWH").tolist()
        [[1, 2, 4, 6]]
    """
    if new_format is None:
        raise TypeError("convert_bounding_box_format() missing 1 required argument: 'new_format'")
    if is_pure_tensor(inpt):
        if old_format is None:
            raise ValueError("For pure tensor inputs, `old_format` has to be passed.")
        return _convert_bounding_box_format(inpt, old_format, new_format, inplace)
    if isinstance(inpt, tv_tensors.BoundingBoxes):
        if old_format is not None:
            raise ValueError("For bounding box tv_tensor inputs, `old_format` must not be passed.")
        new_format = _parse_format(new_format)
        out = _convert_bounding_box_format(tv_tensors._alias(inpt), inpt.format, new_format, inplace)
        return inpt if inplace else tv_tensors.wrap(out, like=inpt, format=new_format)
    raise TypeError(f"Input can either be a plain tensor or a bounding box tv_tensor, but got {type(inpt)} instead.")


def _clamp_xyxy(a, canvas_size):
    h, w = canvas_size
    out = a.copy()
    out[..., 0::2] = out[..., 0::2].clip(0, w)
    out[..., 1::2] = out[..., 1::2].clip(0, h)
    return out


def _clamp_array(arr, fmt, canvas_size, clamping_mode):
    if clamping_mode is None:
        return arr
    if fmt == BoundingBoxFormat.XYXY and arr.dtype.kind == "f":
        return _clamp_xyxy(arr, canvas_size)
    out = _from_xyxy(_clamp_xyxy(_to_xyxy(_work(arr), fmt), canvas_size), fmt)
    return out.astype(arr.dtype, copy=False)


def _clamp_bounding_boxes(bounding_boxes, format, canvas_size, clamping_mode="soft"):  # noqa: A002
    """The kernel of :func:`clamp_bounding_boxes` for plain tensors."""
    return wrap(_clamp_array(bounding_boxes._data, _parse_format(format), canvas_size, clamping_mode))


def clamp_bounding_boxes(inpt, format=None, canvas_size=None, clamping_mode="auto"):  # noqa: A002
    """Clamp boxes to their canvas (``[0, W] x [0, H]``).

    Args:
        inpt: ``BoundingBoxes`` or a plain tensor ``[..., K]``.
        format, canvas_size: required for plain tensors, not allowed for ``BoundingBoxes``.
        clamping_mode: ``"soft"``, ``"hard"``, None (no clamping) or ``"auto"`` (the boxes' own mode; plain
            tensors need an explicit one).

    Example::

        >>> boxes = tv_tensors.BoundingBoxes([[-2, 1, 12, 5]], format="XYXY", canvas_size=(8, 10))
        >>> clamp_bounding_boxes(boxes).tolist()
        [[0, 1, 10, 5]]
    """
    if is_pure_tensor(inpt):
        if format is None or canvas_size is None or clamping_mode == "auto":
            raise ValueError("For pure tensor inputs, `format`, `canvas_size` and `clamping_mode` have to be passed.")
        return _clamp_bounding_boxes(inpt, format, canvas_size, clamping_mode)
    if isinstance(inpt, tv_tensors.BoundingBoxes):
        if format is not None or canvas_size is not None:
            raise ValueError("For bounding box tv_tensor inputs, `format` and `canvas_size` must not be passed.")
        mode = inpt.clamping_mode if clamping_mode == "auto" else clamping_mode
        return tv_tensors.wrap(_clamp_bounding_boxes(inpt, inpt.format, inpt.canvas_size, mode), like=inpt)
    raise TypeError(f"Input can either be a plain tensor or a bounding box tv_tensor, but got {type(inpt)} instead.")


def _clamp_keypoints_array(arr, canvas_size):
    h, w = canvas_size
    out = _work(arr).copy()
    out[..., 0] = out[..., 0].clip(0, w - 1)
    out[..., 1] = out[..., 1].clip(0, h - 1)
    return out.astype(arr.dtype, copy=False)


def clamp_keypoints(inpt, canvas_size=None):
    """Clamp key points to their canvas (``[0, W - 1] x [0, H - 1]``).

    Args:
        inpt: ``KeyPoints`` or a plain tensor ``[..., 2]``.
        canvas_size: required for plain tensors, not allowed for ``KeyPoints``.
    """
    if is_pure_tensor(inpt):
        if canvas_size is None:
            raise ValueError("For pure tensor inputs, `canvas_size` has to be passed.")
        return wrap(_clamp_keypoints_array(inpt._data, canvas_size))
    if isinstance(inpt, tv_tensors.KeyPoints):
        if canvas_size is not None:
            raise ValueError("For keypoints tv_tensor inputs, `canvas_size` must not be passed.")
        return tv_tensors.wrap(wrap(_clamp_keypoints_array(inpt._data, inpt.canvas_size)), like=inpt)
    raise TypeError(f"Input can either be a plain tensor or a keypoints tv_tensor, but got {type(inpt)} instead.")

