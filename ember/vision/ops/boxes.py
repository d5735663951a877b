"""Bounding-box operations (mirrors ``torchvision.ops.boxes``): areas, IoU variants, format conversion, clipping,
filtering, non-maximum suppression and boxes around masks.

Boxes are ``[..., 4]`` tensors, ``(x1, y1, x2, y2)`` unless a function takes a format. The IoU functions are
built from ember tensor ops, so gradients flow through them; ``nms``/``batched_nms``/``remove_small_boxes``/
``masks_to_boxes`` return indices or boxes without a graph, as torchvision's do.

Example::

    >>> from ember.vision.ops import box_iou, nms
    >>> boxes = ember.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 30., 30.]])
    >>> nms(boxes, ember.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
    tensor([0, 2])
"""

import ember
from ember._backend import xp
from ember._dtype import TYPE_WORDS
from ember._tensor import wrap

__all__ = ["nms", "batched_nms", "remove_small_boxes", "clip_boxes_to_image", "box_convert", "box_area", "box_iou",
           "generalized_box_iou", "complete_box_iou", "distance_box_iou", "masks_to_boxes"]

_AXIS_ALIGNED = ("xyxy", "xywh", "cxcywh")
_ROTATED = ("cxcywhr", "xywhr", "xyxyxyxy")


def _upcast(t):
    # Products of coordinates overflow small types: compute in float32/float64 or int32/int64.
    if t.is_floating_point():
        return t if t.dtype in (ember.float32, ember.float64) else t.float()
    return t if t.dtype in (ember.int32, ember.int64) else t.int()


# ----------------------------------------------------------------------------- non-maximum suppression

def _descending_order(scores):
    """Indices sorting ``scores`` from highest to lowest; equal scores keep their index order (NaN first)."""
    s = scores.astype(xp.float64) if scores.dtype.kind in "biu" else scores
    return xp.lexsort((xp.arange(s.shape[0]), -s, ~xp.isnan(s)))


def _greedy_nms(boxes, scores, iou_threshold):
    """Indices kept by greedy NMS: the best remaining box suppresses the others overlapping it by more than
    ``iou_threshold``; IoUs are computed in the boxes' dtype and compared with the threshold in float64."""
    order = _descending_order(scores)
    x1, y1, x2, y2 = (boxes[:, k] for k in range(4))
    areas = (x2 - x1) * (y2 - y1)
    zero = boxes.dtype.type(0)
    keep = []
    remaining = order
    while remaining.size:
        i, rest = remaining[0], remaining[1:]
        keep.append(i)
        w = xp.maximum(zero, xp.minimum(x2[i], x2[rest]) - xp.maximum(x1[i], x1[rest]))
        h = xp.maximum(zero, xp.minimum(y2[i], y2[rest]) - xp.maximum(y1[i], y1[rest]))
        inter = w * h
        with xp.errstate(invalid="ignore", divide="ignore"):
            iou = inter / (areas[i] + areas[rest] - inter)
        remaining = rest[~(iou.astype(xp.float64) > iou_threshold)]
    return xp.asarray(keep, dtype=xp.int64)


def _check_nms_args(boxes, scores):
    if boxes.dim() != 2:
        raise RuntimeError(f"boxes should be a 2d tensor, got {boxes.dim()}D")
    if boxes.size(1) != 4:
        raise RuntimeError(f"boxes should have 4 elements in dimension 1, got {boxes.size(1)}")
    if scores.dim() != 1:
        raise RuntimeError(f"scores should be a 1d tensor, got {scores.dim()}")
    if boxes.size(0) != scores.size(0):
        raise RuntimeError("boxes and scores should have same number of elements in dimension 0, got "
                           f"{boxes.size(0)} and {scores.size(0)}")
    if not boxes.is_floating_point():
        raise RuntimeError(f'"nms_kernel" not implemented for \'{TYPE_WORDS.get(boxes.dtype.name, boxes.dtype)}\'')
    if scores.dtype != boxes.dtype:
        raise RuntimeError("dets should have the same type as scores")


def nms(boxes, scores, iou_threshold):
    """Non-maximum suppression: the indices of the boxes kept, by decreasing score.

    Visits boxes from the highest score down (equal scores in index order) and drops every later box whose IoU
    with a kept one is greater than ``iou_threshold``.

    Args:
        boxes: ``[N, 4]`` float boxes ``(x1, y1, x2, y2)`` with ``x1 < x2``, ``y1 < y2``.
        scores: ``[N]`` scores of the same dtype.
        iou_threshold: boxes overlapping a kept box by more than this are discarded.

    Shape:
        Returns an int64 ``[K]`` tensor, ``K <= N``.

    Example::

        >>> nms(ember.tensor([[0., 0., 2., 2.], [0., 0., 2., 1.9]]), ember.tensor([0.5, 0.6]), 0.5)
        tensor([1])
    """
    _check_nms_args(boxes, scores)
    if boxes.size(0) == 0:
        return wrap(xp.zeros(0, dtype=xp.int64))
    return wrap(_greedy_nms(boxes.detach()._data, scores.detach()._data, float(iou_threshold)))


def batched_nms(boxes, scores, idxs, iou_threshold):
    """Non-maximum suppression within each category: boxes of different ``idxs`` never suppress each other.

    Args:
        boxes: ``[N, 4]`` float boxes ``(x1, y1, x2, y2)``.
        scores: ``[N]`` scores.
        idxs: ``[N]`` integer category of each box.
        iou_threshold: boxes overlapping a kept box of their category by more than this are discarded.

    Shape:
        Returns an int64 ``[K]`` tensor of kept indices, by decreasing score.

    Example::

        >>> boxes = ember.tensor([[0., 0., 2., 2.], [0., 0., 2., 2.]])
        >>> batched_nms(boxes, ember.tensor([0.9, 0.8]), ember.tensor([0, 1]), 0.5)
        tensor([0, 1])
    """
    if boxes.numel() > 4000:
        # many boxes: one NMS per category
        _check_nms_args(boxes, scores)
        b, s, ids = boxes.detach()._data, scores.detach()._data, idxs.detach()._data
        keep_mask = xp.zeros(s.shape[0], dtype=bool)
        for category in xp.unique(ids):
            members = xp.nonzero(ids == category)[0]
            keep_mask[members[_greedy_nms(b[members], s[members], float(iou_threshold))]] = True
        kept = xp.nonzero(keep_mask)[0]
        return wrap(kept[_descending_order(s[kept])].astype(xp.int64))
    if boxes.numel() == 0:
        return wrap(xp.zeros(0, dtype=xp.int64))
    # few boxes: shift each category to its own region of the plane (by more than the largest coordinate) and
    # run a single NMS
    b = boxes.detach()._data
    offsets = idxs.detach()._data.astype(b.dtype) * (b.max() + b.dtype.type(1))
    return nms(wrap(b + offsets[:, None]), scores, iou_threshold)


# ----------------------------------------------------------------------------- filtering, clipping, formats

def remove_small_boxes(boxes, min_size):
    """Indices of the boxes whose width and height are both at least ``min_size``.

    Args:
        boxes: ``[..., 4]`` boxes ``(x1, y1, x2, y2)``.
        min_size: the smallest side length kept.

    Shape:
        Returns an int64 ``[K]`` tensor (indices along the first dimension of the boxes' nonzero positions).

    Example::

        >>> remove_small_boxes(ember.tensor([[0., 0., 1., 5.], [0., 0., 4., 4.]]), 2.0)
        tensor([1])
    """
    b = boxes.detach()._data
    keep = (b[..., 2] - b[..., 0] >= min_size) & (b[..., 3] - b[..., 1] >= min_size)
    return wrap(xp.nonzero(keep)[0].astype(xp.int64))


def clip_boxes_to_image(boxes, size):
    """Clip ``(x1, y1, x2, y2)`` boxes to an image of ``size = (height, width)``: x to [0, width], y to [0, height].

    Args:
        boxes: ``[..., 4]`` boxes.
        size: ``(height, width)`` of the image.

    Shape:
        Returns ``[..., 4]`` boxes of the input's dtype (differentiable where not clipped).

    Example::

        >>> clip_boxes_to_image(ember.tensor([[-3., 2., 50., 40.]]), (32, 48))
        tensor([[ 0.,  2., 48., 32.]])
    """
    height, width = size
    xs = boxes[..., 0::2].clamp(min=0, max=width)
    ys = boxes[..., 1::2].clamp(min=0, max=height)
    return ember.stack((xs, ys), dim=boxes.dim()).reshape(boxes.shape)


def _cast_back(out, dtype, need_cast):
    # rotated-box conversions on integer boxes are computed in floating point, then rounded back
    return out.round().to(dtype) if need_cast else out


def _xyxy_from_cxcywh(boxes):
    cx, cy, w, h = boxes.unbind(-1)
    return ember.stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), dim=-1)


def _cxcywh_from_xyxy(boxes):
    x1, y1, x2, y2 = boxes.unbind(-1)
    return ember.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)


def _xyxy_from_xywh(boxes):
    x, y, w, h = boxes.unbind(-1)
    return ember.stack((x, y, x + w, y + h), dim=-1)


def _xywh_from_xyxy(boxes):
    x1, y1, x2, y2 = boxes.unbind(-1)
    return ember.stack((x1, y1, x2 - x1, y2 - y1), dim=-1)


def _cos_sin_deg(r):
    rad = r * ember.pi / 180.0
    return ember.cos(rad), ember.sin(rad)


def _xywhr_from_cxcywhr(boxes):
    cx, cy, w, h, r = boxes.unbind(-1)
    cos, sin = _cos_sin_deg(r)
    out = ember.stack((cx - w / 2 * cos - h / 2 * sin, cy - h / 2 * cos + w / 2 * sin, w, h, r), dim=-1)
    return _cast_back(out, boxes.dtype, not boxes.is_floating_point())


def _cxcywhr_from_xywhr(boxes):
    x1, y1, w, h, r = boxes.unbind(-1)
    cos, sin = _cos_sin_deg(r)
    out = ember.stack((x1 + w / 2 * cos + h / 2 * sin, y1 - w / 2 * sin + h / 2 * cos, w, h, r), dim=-1)
    return _cast_back(out, boxes.dtype, not boxes.is_floating_point())


def _xyxyxyxy_from_xywhr(boxes):
    # corners in order: top-left, top-right, bottom-right, bottom-left of the rotated box
    x1, y1, w, h, r = boxes.unbind(-1)
    cos, sin = _cos_sin_deg(r)
    x2, y2 = x1 + w * cos, y1 - w * sin
    out = ember.stack((x1, y1, x2, y2, x2 + h * sin, y2 + h * cos, x1 + h * sin, y1 + h * cos), dim=-1)
    return _cast_back(out, boxes.dtype, not boxes.is_floating_point())


def _xywhr_from_xyxyxyxy(boxes):
    x1, y1, x2, y2, x3, y3, _, _ = boxes.unbind(-1)
    r = ember.atan2(y1 - y2, x2 - x1) * 180 / ember.pi
    w = ((x2 - x1) ** 2 + (y1 - y2) ** 2).sqrt()
    h = ((x3 - x2) ** 2 + (y3 - y2) ** 2).sqrt()
    return _cast_back(ember.stack((x1, y1, w, h, r), dim=-1), boxes.dtype, not boxes.is_floating_point())


_CONVERSIONS = {
    ("xywh", "xyxy"): (_xyxy_from_xywh,),
    ("cxcywh", "xyxy"): (_xyxy_from_cxcywh,),
    ("xyxy", "xywh"): (_xywh_from_xyxy,),
    ("xyxy", "cxcywh"): (_cxcywh_from_xyxy,),
    ("xywh", "cxcywh"): (_xyxy_from_xywh, _cxcywh_from_xyxy),
    ("cxcywh", "xywh"): (_xyxy_from_cxcywh, _xywh_from_xyxy),
    ("cxcywhr", "xywhr"): (_xywhr_from_cxcywhr,),
    ("xywhr", "cxcywhr"): (_cxcywhr_from_xywhr,),
    ("cxcywhr", "xyxyxyxy"): (_xywhr_from_cxcywhr, _xyxyxyxy_from_xywhr),
    ("xyxyxyxy", "cxcywhr"): (_xywhr_from_xyxyxyxy, _cxcywhr_from_xywhr),
    ("xywhr", "xyxyxyxy"): (_xyxyxyxy_from_xywhr,),
    ("xyxyxyxy", "xywhr"): (_xywhr_from_xyxyxyxy,),
}


def box_convert(boxes, in_fmt, out_fmt):
    """Convert boxes between formats.

    Axis-aligned formats (4 values): ``"xyxy"`` (corners), ``"xywh"`` (top-left corner, width, height),
    ``"cxcywh"`` (centre, width, height). Rotated formats: ``"xywhr"`` and ``"cxcywhr"`` (5 values, the last an
    angle in degrees, counter-clockwise) and ``"xyxyxyxy"`` (the four corners). Conversions stay within one
    family; integer rotated boxes are computed in floating point and rounded back.

    Args:
        boxes: ``[..., K]`` boxes.
        in_fmt: the input format.
        out_fmt: the output format.

    Shape:
        ``[..., K]`` -> ``[..., K']`` (differentiable).

    Example::

        >>> box_convert(ember.tensor([[1., 2., 4., 6.]]), "xyxy", "cxcywh")
        tensor([[2.5000, 4.0000, 3.0000, 4.0000]])
    """
    allowed = _AXIS_ALIGNED + _ROTATED
    if in_fmt not in allowed or out_fmt not in allowed:
        raise ValueError(f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt {out_fmt}")
    if in_fmt == out_fmt:
        return boxes.clone()
    steps = _CONVERSIONS.get((in_fmt, out_fmt))
    if steps is None:
        raise NotImplementedError(f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt "
                                  f"{out_fmt}")
    for step in steps:
        boxes = step(boxes)
    return boxes


# ----------------------------------------------------------------------------- areas and IoU variants

def box_area(boxes, fmt="xyxy"):
    """Areas of boxes.

    Args:
        boxes: ``[..., 4]`` boxes (small float types are computed in float32, small ints in int32).
        fmt: ``"xyxy"``, ``"xywh"`` or ``"cxcywh"``.

    Shape:
        ``[..., 4]`` -> ``[...]``.

    Example::

        >>> box_area(ember.tensor([[0., 0., 2., 3.]]))
        tensor([6.])
    """
    if fmt not in _AXIS_ALIGNED:
        raise ValueError(f"Unsupported Bounding Box area for given format {fmt}")
    boxes = _upcast(boxes)
    if fmt == "xyxy":
        return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    return boxes[..., 2] * boxes[..., 3]


def _corners(boxes, fmt, pairwise_axis):
    # (top-left, bottom-right) as [..., 1, 2] (first set) or [..., 1, M, 2] (second set) for broadcasting
    b = boxes[..., None, :] if pairwise_axis == 0 else boxes[..., None, :, :]
    if fmt == "xyxy":
        return b[..., :2], b[..., 2:]
    if fmt == "xywh":
        return b[..., :2], b[..., :2] + b[..., 2:]
    return b[..., :2] - b[..., 2:] / 2, b[..., :2] + b[..., 2:] / 2


def _inter_union(boxes1, boxes2, fmt="xyxy"):
    area1, area2 = box_area(boxes1, fmt=fmt), box_area(boxes2, fmt=fmt)
    if fmt not in _AXIS_ALIGNED:
        raise ValueError(f"Unsupported Box IoU Calculation for given fmt {fmt}.")
    lt1, rb1 = _corners(boxes1, fmt, 0)
    lt2, rb2 = _corners(boxes2, fmt, 1)
    wh = _upcast(ember.min(rb1, rb2) - ember.max(lt1, lt2)).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter, area1[..., None] + area2[..., None, :] - inter


def _enclosing_wh(boxes1, boxes2):
    # width and height of the smallest box enclosing each pair, [..., N, M, 2]
    lt = ember.min(boxes1[..., None, :2], boxes2[..., None, :, :2])
    rb = ember.max(boxes1[..., None, 2:], boxes2[..., None, :, 2:])
    return _upcast(rb - lt).clamp(min=0)


def box_iou(boxes1, boxes2, fmt="xyxy"):
    """Pairwise intersection-over-union of two sets of boxes.

    Args:
        boxes1: ``[..., N, 4]`` boxes.
        boxes2: ``[..., M, 4]`` boxes.
        fmt: ``"xyxy"``, ``"xywh"`` or ``"cxcywh"`` (rotated formats need compiled kernels: not supported).

    Shape:
        Returns ``[..., N, M]`` (float; differentiable).

    Example::

        >>> box_iou(ember.tensor([[0., 0., 2., 2.]]), ember.tensor([[1., 0., 3., 2.]]))
        tensor([[0.3333]])
    """
    if fmt in _AXIS_ALIGNED:
        inter, union = _inter_union(boxes1, boxes2, fmt=fmt)
        return inter / union
    if fmt in _ROTATED:
        raise NotImplementedError(f"box_iou for rotated boxes (fmt={fmt!r}) is not supported by ember")
    raise ValueError(f"Unsupported format '{fmt}'. Supported axis-aligned formats: {_AXIS_ALIGNED}. "
                     f"Supported rotated formats: {_ROTATED}.")


def generalized_box_iou(boxes1, boxes2):
    """Pairwise generalized IoU: IoU minus the share of the enclosing box covered by neither box.

    Args:
        boxes1: ``[..., N, 4]`` boxes ``(x1, y1, x2, y2)``.
        boxes2: ``[..., M, 4]`` boxes.

    Shape:
        Returns ``[..., N, M]`` in [-1, 1] (differentiable).

    Example::

        >>> generalized_box_iou(ember.tensor([[0., 0., 1., 1.]]), ember.tensor([[2., 0., 3., 1.]]))
        tensor([[-0.3333]])
    """
    inter, union = _inter_union(boxes1, boxes2)
    iou = inter / union
    wh = _enclosing_wh(boxes1, boxes2)
    enclosing = wh[..., 0] * wh[..., 1]
    return iou - (enclosing - union) / enclosing


def _diou_and_iou(boxes1, boxes2, eps):
    iou = box_iou(boxes1, boxes2)
    wh = _enclosing_wh(boxes1, boxes2)
    diagonal_sq = wh[..., 0] ** 2 + wh[..., 1] ** 2 + eps
    cx1, cy1 = (boxes1[..., 0] + boxes1[..., 2]) / 2, (boxes1[..., 1] + boxes1[..., 3]) / 2
    cx2, cy2 = (boxes2[..., 0] + boxes2[..., 2]) / 2, (boxes2[..., 1] + boxes2[..., 3]) / 2
    centre_sq = _upcast(cx1[..., None] - cx2[..., None, :]) ** 2 + _upcast(cy1[..., None] - cy2[..., None, :]) ** 2
    return iou - centre_sq / diagonal_sq, iou


def distance_box_iou(boxes1, boxes2, eps=1e-7):
    """Pairwise distance IoU: IoU minus the squared centre distance over the enclosing box's squared diagonal.

    Args:
        boxes1: ``[..., N, 4]`` boxes ``(x1, y1, x2, y2)``.
        boxes2: ``[..., M, 4]`` boxes.
        eps: added to the squared diagonal against division by zero.

    Shape:
        Returns ``[..., N, M]`` (differentiable).

    Example::

        >>> distance_box_iou(ember.tensor([[0., 0., 2., 2.]]), ember.tensor([[1., 0., 3., 2.]]))
        tensor([[0.2564]])
    """
    return _diou_and_iou(_upcast(boxes1), _upcast(boxes2), eps)[0]


def _aspect_term(w1, h1, w2, h2):
    # CIoU's aspect-ratio consistency term v
    return (4 / ember.pi ** 2) * ember.pow(ember.atan(w1 / h1) - ember.atan(w2 / h2), 2)


def complete_box_iou(boxes1, boxes2, eps=1e-7):
    """Pairwise complete IoU: distance IoU minus an aspect-ratio consistency penalty (its weight gets no gradient).

    Args:
        boxes1: ``[..., N, 4]`` boxes ``(x1, y1, x2, y2)``.
        boxes2: ``[..., M, 4]`` boxes.
        eps: guards the divisions.

    Shape:
        Returns ``[..., N, M]`` (differentiable).

    Example::

        >>> complete_box_iou(ember.tensor([[0., 0., 2., 2.]]), ember.tensor([[1., 0., 3., 3.]]))
        tensor([[0.1802]])
    """
    boxes1, boxes2 = _upcast(boxes1), _upcast(boxes2)
    diou, iou = _diou_and_iou(boxes1, boxes2, eps)
    w1 = boxes1[..., None, 2] - boxes1[..., None, 0]
    h1 = boxes1[..., None, 3] - boxes1[..., None, 1]
    w2 = boxes2[..., None, :, 2] - boxes2[..., None, :, 0]
    h2 = boxes2[..., None, :, 3] - boxes2[..., None, :, 1]
    v = _aspect_term(w1, h1, w2, h2)
    with ember.no_grad():
        alpha = v / (1 - iou + v + eps)
    return diou - alpha * v


def masks_to_boxes(masks):
    """The ``(x1, y1, x2, y2)`` box around each mask's nonzero pixels (inclusive pixel coordinates).

    Empty masks give ``[0, 0, 0, 0]``.

    Args:
        masks: ``[N, H, W]`` masks (any dtype; nonzero is foreground).

    Shape:
        Returns float32 ``[N, 4]``.

    Example::

        >>> m = ember.zeros(1, 4, 5)
        >>> m[0, 1:3, 2:4] = 1
        >>> masks_to_boxes(m)
        tensor([[2., 1., 3., 2.]])
    """
    if masks.numel() == 0:
        return wrap(xp.zeros((0, 4), dtype=xp.float32))
    n, h, w = masks.shape
    m = masks.detach()._data != 0
    rows, cols = m.any(axis=2), m.any(axis=1)
    y1, x1 = rows.argmax(axis=1), cols.argmax(axis=1)
    y2 = (h - 1) - rows[:, ::-1].argmax(axis=1)
    x2 = (w - 1) - cols[:, ::-1].argmax(axis=1)
    out = xp.stack([x1, y1, x2, y2], axis=1).astype(xp.float32)
    out[~rows.any(axis=1)] = 0
    return wrap(out)
