"""Detection losses (mirrors ``torchvision.ops``' focal and box-IoU losses), built from ember tensor ops so that
gradients flow through them.

Example::

    >>> from ember.vision.ops import generalized_box_iou_loss
    >>> pred = ember.tensor([[0., 0., 2., 2.]], requires_grad=True)
    >>> generalized_box_iou_loss(pred, ember.tensor([[1., 0., 3., 2.]]), reduction="mean").backward()
"""

import ember
import ember.nn.functional as F
from ember.vision.ops.boxes import _aspect_term

__all__ = ["sigmoid_focal_loss", "generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss"]


def _reduce(loss, reduction, empty_mean_is_zero=True):
    if reduction == "none":
        return loss
    if reduction == "mean":
        if empty_mean_is_zero and loss.numel() == 0:
            return 0.0 * loss.sum()  # keeps the graph, unlike a NaN mean
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"Invalid Value for arg 'reduction': '{reduction} \n Supported reduction modes: 'none', 'mean', "
                     "'sum'")


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    """Focal loss of RetinaNet (Lin et al., 2017): binary cross-entropy scaled down on well-classified elements.

    ``loss = alpha_t * (1 - p_t) ** gamma * BCE(inputs, targets)`` with ``p = sigmoid(inputs)``,
    ``p_t = p`` for positives and ``1 - p`` for negatives.

    Args:
        inputs: logits of any shape.
        targets: same shape, 1 for positives and 0 for negatives (soft labels allowed).
        alpha: weight of the positives in [0, 1] (negatives get ``1 - alpha``), or -1 for no weighting.
        gamma: focusing exponent.
        reduction: ``"none"``, ``"mean"`` or ``"sum"``.

    Shape:
        ``inputs``, ``targets``: ``[*]``; returns ``[*]`` or a scalar.

    Example::

        >>> sigmoid_focal_loss(ember.randn(4, 10), (ember.rand(4, 10) > 0.9).float(), reduction="mean")
    """
    if not (0 <= alpha <= 1) and alpha != -1:
        raise ValueError(f"Invalid alpha value: {alpha}. alpha must be in the range [0,1] or -1 for ignore.")
    p = ember.sigmoid(inputs)
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return _reduce(loss, reduction, empty_mean_is_zero=False)


def _float_boxes(t):
    return t if t.dtype in (ember.float32, ember.float64) else t.float()


def _paired_inter_union(boxes1, boxes2):
    # element-wise (not pairwise) intersection and union of [..., 4] boxes
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    left, top = ember.max(x1, x1g), ember.max(y1, y1g)
    right, bottom = ember.min(x2, x2g), ember.min(y2, y2g)
    overlap = (bottom > top) & (right > left)
    inter = ember.where(overlap, (right - left) * (bottom - top), ember.zeros_like(x1))
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    return inter, union


def _enclosing_corners(boxes1, boxes2):
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    return ember.min(x1, x1g), ember.min(y1, y1g), ember.max(x2, x2g), ember.max(y2, y2g)


def generalized_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """``1 - GIoU`` of matching box pairs (Rezatofighi et al., 2019): non-zero even for disjoint boxes.

    Args:
        boxes1: ``[..., 4]`` boxes ``(x1, y1, x2, y2)`` (e.g. predictions).
        boxes2: ``[..., 4]`` boxes of the same shape (e.g. targets); the loss is symmetric.
        reduction: ``"none"``, ``"mean"`` (0 for no boxes) or ``"sum"``.
        eps: guards the divisions.

    Shape:
        Returns ``[...]`` or a scalar.

    Example::

        >>> generalized_box_iou_loss(ember.tensor([[0., 0., 1., 1.]]), ember.tensor([[2., 0., 3., 1.]]))
        tensor([1.3333])
    """
    boxes1, boxes2 = _float_boxes(boxes1), _float_boxes(boxes2)
    inter, union = _paired_inter_union(boxes1, boxes2)
    iou = inter / (union + eps)
    xc1, yc1, xc2, yc2 = _enclosing_corners(boxes1, boxes2)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    return _reduce(1 - (iou - (area_c - union) / (area_c + eps)), reduction)


def _diou_loss_and_iou(boxes1, boxes2, eps):
    inter, union = _paired_inter_union(boxes1, boxes2)
    iou = inter / (union + eps)
    xc1, yc1, xc2, yc2 = _enclosing_corners(boxes1, boxes2)
    diagonal_sq = (xc2 - xc1) ** 2 + (yc2 - yc1) ** 2 + eps
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    centre_sq = ((x2 + x1) / 2 - (x1g + x2g) / 2) ** 2 + ((y2 + y1) / 2 - (y1g + y2g) / 2) ** 2
    return 1 - iou + centre_sq / diagonal_sq, iou


def distance_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """``1 - DIoU`` of matching box pairs (Zheng et al., 2019): IoU loss plus the normalised centre distance.

    Args:
        boxes1: ``[..., 4]`` boxes ``(x1, y1, x2, y2)``.
        boxes2: ``[..., 4]`` boxes of the same shape; the loss is symmetric.
        reduction: ``"none"``, ``"mean"`` (0 for no boxes) or ``"sum"``.
        eps: guards the divisions.

    Shape:
        Returns ``[...]`` or a scalar.

    Example::

        >>> distance_box_iou_loss(ember.tensor([[0., 0., 2., 2.]]), ember.tensor([[1., 0., 3., 2.]]))
        tensor([0.7436])
    """
    boxes1, boxes2 = _float_boxes(boxes1), _float_boxes(boxes2)
    return _reduce(_diou_loss_and_iou(boxes1, boxes2, eps)[0], reduction)


def complete_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    """``1 - CIoU`` of matching box pairs (Zheng et al., 2019): DIoU loss plus an aspect-ratio penalty.

    The penalty's weight ``alpha`` is treated as a constant (no gradient), as in torchvision.

    Args:
        boxes1: ``[..., 4]`` boxes ``(x1, y1, x2, y2)``.
        boxes2: ``[..., 4]`` boxes of the same shape; the loss is symmetric.
        reduction: ``"none"``, ``"mean"`` (0 for no boxes) or ``"sum"``.
        eps: guards the weight's division (the DIoU part always uses 1e-7, as torchvision does).

    Shape:
        Returns ``[...]`` or a scalar.

    Example::

        >>> complete_box_iou_loss(ember.tensor([[0., 0., 2., 2.]]), ember.tensor([[1., 0., 3., 3.]]))
        tensor([0.8198])
    """
    boxes1, boxes2 = _float_boxes(boxes1), _float_boxes(boxes2)
    diou_loss, iou = _diou_loss_and_iou(boxes1, boxes2, 1e-7)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    v = _aspect_term(x2g - x1g, y2g - y1g, x2 - x1, y2 - y1)
    with ember.no_grad():
        alpha = v / (1 - iou + v + eps)
    return _reduce(diou_loss + alpha * v, reduction)
