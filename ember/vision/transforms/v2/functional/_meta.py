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
    raise ValueError(f"{fmt} is a rotated format: use _rotated_corners")


def _from_xyxy(a, fmt):
    if fmt == BoundingBoxFormat.XYXY:
        return a
    if fmt == BoundingBoxFormat.XYWH:
        return xp.concatenate([a[..., :2], a[..., 2:4] - a[..., :2]], axis=-1)
    if fmt == BoundingBoxFormat.CXCYWH:
        return xp.concatenate([(a[..., :2] + a[..., 2:4]) / a.dtype.type(2), a[..., 2:4] - a[..., :2]], axis=-1)
    raise ValueError(f"{fmt} is a rotated format: use _from_corners")


# Rotated boxes: XYWHR (first corner, width, height, angle in degrees counter-clockwise), CXCYWHR (centre instead of
# the first corner) and XYXYXYXY (the four corners, in order: the width edge runs from corner 1 to corner 2 and the
# height edge from corner 2 to corner 3). Internally they go through their corners [..., 4, 2].
def _is_rotated(fmt):
    return tv_tensors.is_rotated_bounding_format(fmt)


def _cos_sin(r):
    rad = r * r.dtype.type(xp.pi / 180)
    return xp.cos(rad), xp.sin(rad)


def _rotated_corners(a, fmt):
    """The corners [..., 4, 2] of rotated boxes ``a`` [..., K] (float)."""
    if fmt == BoundingBoxFormat.XYXYXYXY:
        return a.reshape(*a.shape[:-1], 4, 2)
    if fmt == BoundingBoxFormat.CXCYWHR:
        a = _cxcywhr_to_xywhr(a)
    x1, y1, w, h, r = (a[..., i] for i in range(5))
    cos, sin = _cos_sin(r)
    x2, y2 = x1 + w * cos, y1 - w * sin
    x3, y3 = x2 + h * sin, y2 + h * cos
    return xp.stack([xp.stack([x1, y1], -1), xp.stack([x2, y2], -1), xp.stack([x3, y3], -1),
                     xp.stack([x1 + h * sin, y1 + h * cos], -1)], axis=-2)


def _cxcywhr_to_xywhr(a):
    cx, cy, w, h, r = (a[..., i] for i in range(5))
    cos, sin = _cos_sin(r)
    half = a.dtype.type(0.5)
    return xp.stack([cx - half * (w * cos + h * sin), cy - half * (h * cos - w * sin), w, h, r], axis=-1)


def _xywhr_to_cxcywhr(a):
    x1, y1, w, h, r = (a[..., i] for i in range(5))
    cos, sin = _cos_sin(r)
    half = a.dtype.type(0.5)
    return xp.stack([x1 + half * (w * cos + h * sin), y1 + half * (h * cos - w * sin), w, h, r], axis=-1)


def _from_corners(c, fmt):
    """Rotated boxes [..., K] of ``fmt`` from their corners [..., 4, 2] (width from corners 1-2, height 2-3)."""
    if fmt == BoundingBoxFormat.XYXYXYXY:
        return c.reshape(*c.shape[:-2], 8)
    d12, d23 = c[..., 1, :] - c[..., 0, :], c[..., 2, :] - c[..., 1, :]
    r = xp.arctan2(-d12[..., 1], d12[..., 0]) * c.dtype.type(180 / xp.pi)
    w, h = xp.sqrt((d12 ** 2).sum(-1)), xp.sqrt((d23 ** 2).sum(-1))
    out = xp.stack([c[..., 0, 0], c[..., 0, 1], w, h, r.astype(c.dtype, copy=False)], axis=-1)
    return _xywhr_to_cxcywhr(out) if fmt == BoundingBoxFormat.CXCYWHR else out


def _convert_format_array(arr, old_format, new_format):
    if old_format == new_format:
        return arr
    if _is_rotated(old_format) != _is_rotated(new_format):
        raise ValueError("Cannot convert between rotated and unrotated bounding boxes.")
    a = _work(arr)
    if not _is_rotated(old_format):
        out = _from_xyxy(_to_xyxy(a, old_format), new_format)
    elif {old_format, new_format} == {BoundingBoxFormat.XYWHR, BoundingBoxFormat.CXCYWHR}:
        out = _xywhr_to_cxcywhr(a) if old_format == BoundingBoxFormat.XYWHR else _cxcywhr_to_xywhr(a)
    else:
        out = _from_corners(_rotated_corners(a, old_format), new_format)
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
    if _is_rotated(fmt):
        corners = _clamp_rotated_corners(_rotated_corners(_work(arr), fmt), canvas_size, clamping_mode)
        return _from_corners(corners, fmt).astype(arr.dtype, copy=False)
    if fmt == BoundingBoxFormat.XYXY and arr.dtype.kind == "f":
        return _clamp_xyxy(arr, canvas_size)
    out = _from_xyxy(_clamp_xyxy(_to_xyxy(_work(arr), fmt), canvas_size), fmt)
    return out.astype(arr.dtype, copy=False)


def _clamp_rotated_corners(c, canvas_size, clamping_mode):
    """Soft clamping of rotated boxes (corners [..., 4, 2]): the smallest box of the same angle that encloses the
    part of the box inside the canvas (its corners may stay outside; its centre is inside). Boxes wholly outside
    collapse to the point (0, H), as torchvision's do."""
    if clamping_mode != "soft":
        raise NotImplementedError(f"ember clamps rotated bounding boxes only with clamping_mode='soft' or None, got "
                                  f"{clamping_mode!r}")
    h, w = canvas_size
    dt = c.dtype
    shape = c.shape
    c = c.reshape(-1, 4, 2)
    o = c[:, 0]
    u, v = c[:, 1] - o, c[:, 3] - o
    lu, lv = xp.sqrt((u ** 2).sum(-1)), xp.sqrt((v ** 2).sum(-1))
    with xp.errstate(divide="ignore", invalid="ignore"):
        u, v = u / lu[:, None], v / lv[:, None]
    eps = dt.type(1e-4) * max(h, w, 1)

    def local(pts):  # coordinates of pts [N, M, 2] along the box's width and height axes, from corner 1
        d = pts - o[:, None]
        return (d * u[:, None]).sum(-1), (d * v[:, None]).sum(-1)

    def in_canvas(pts):
        return (pts[..., 0] >= -eps) & (pts[..., 0] <= w + eps) & (pts[..., 1] >= -eps) & (pts[..., 1] <= h + eps)

    # The vertices of (box intersect canvas): box corners in the canvas, canvas corners in the box, and the
    # crossings of the box's edges with the canvas' border lines.
    frame = xp.broadcast_to(xp.asarray([[0, 0], [w, 0], [w, h], [0, h]], dtype=dt), c.shape)
    fu, fv = local(frame)
    start, end = c, xp.roll(c, -1, axis=1)
    cands, valid = [c, frame], [in_canvas(c), (fu >= -eps) & (fu <= lu[:, None] + eps) & (fv >= -eps)
                                & (fv <= lv[:, None] + eps)]
    for axis, value in ((0, 0), (0, w), (1, 0), (1, h)):
        den = end[..., axis] - start[..., axis]
        with xp.errstate(divide="ignore", invalid="ignore"):
            t = (value - start[..., axis]) / den
        ok = (den != 0) & (t >= 0) & (t <= 1)
        t = xp.where(ok, t, 0)
        pts = start + t[..., None] * (end - start)
        cands.append(pts)
        valid.append(ok & in_canvas(pts))
    pu, pv = local(xp.concatenate(cands, axis=1))
    ok = xp.concatenate(valid, axis=1)
    inf = dt.type(xp.inf)
    umin, umax = xp.where(ok, pu, inf).min(1), xp.where(ok, pu, -inf).max(1)
    vmin, vmax = xp.where(ok, pv, inf).min(1), xp.where(ok, pv, -inf).max(1)
    out = xp.stack([o + umin[:, None] * u + vmin[:, None] * v, o + umax[:, None] * u + vmin[:, None] * v,
                    o + umax[:, None] * u + vmax[:, None] * v, o + umin[:, None] * u + vmax[:, None] * v], axis=1)
    empty = ~ok.any(1)
    if empty.any():
        out[empty] = xp.asarray([0, h], dtype=dt)
    return out.reshape(shape)


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

