"""Helpers shared by the detection models (mirrors ``torchvision.models.detection._utils``): box encoders,
anchor-to-ground-truth matchers, a positive/negative sampler, and a few model utilities.

Example::

    >>> coder = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
    >>> anchors = ember.tensor([[0., 0., 10., 10.]])
    >>> codes = coder.encode_single(ember.tensor([[1., 1., 11., 11.]]), anchors)
    >>> coder.decode_single(codes, anchors)
    tensor([[ 1.,  1., 11., 11.]])
"""

import math
from collections import OrderedDict

import ember
import ember.nn.functional as F
from ember.vision.models._meta import _COCO_CATEGORIES
from ember.vision.models._presets import ObjectDetection
# the builder plumbing the segmentation models already have (torchvision keeps it in models._utils)
from ember.vision.models._api import _legacy_backbone, _ovewrite_value_param  # noqa: F401
from ember.vision.ops import (FrozenBatchNorm2d, complete_box_iou_loss, distance_box_iou_loss,
                              generalized_box_iou_loss)

__all__ = ["BalancedPositiveNegativeSampler", "BoxCoder", "BoxLinearCoder", "Matcher", "SSDMatcher",
           "encode_boxes", "overwrite_eps", "retrieve_out_channels"]


def _assert(condition, message):
    # torch._assert: a plain AssertionError with the message
    if not condition:
        raise AssertionError(message)


class BalancedPositiveNegativeSampler:
    """Draw a fixed-size batch of positive and negative examples per image, with at most a given fraction of
    positives (the two-stage detectors' sampling).

    Args:
        batch_size_per_image: examples drawn per image.
        positive_fraction: the largest share of positives in a batch; negatives fill the rest.

    Calling it with a list of ``[A]`` match tensors (``>= 1`` positive, ``0`` negative, ``-1`` ignored) returns
    two lists of ``[A]`` uint8 masks: the positives drawn and the negatives drawn.

    Example::

        >>> sampler = BalancedPositiveNegativeSampler(4, 0.5)
        >>> pos, neg = sampler([ember.tensor([1, 0, 0, 2, -1, 0])])
        >>> int(pos[0].sum()), int(neg[0].sum())
        (2, 2)
    """

    def __init__(self, batch_size_per_image, positive_fraction):
        self.batch_size_per_image = batch_size_per_image
        self.positive_fraction = positive_fraction

    def __call__(self, matched_idxs):
        pos_idx, neg_idx = [], []
        for matched in matched_idxs:
            positive = ember.where(matched >= 1)[0]
            negative = ember.where(matched == 0)[0]
            num_pos = min(positive.numel(), int(self.batch_size_per_image * self.positive_fraction))
            num_neg = min(negative.numel(), self.batch_size_per_image - num_pos)
            pos = positive[ember.randperm(positive.numel())[:num_pos]]
            neg = negative[ember.randperm(negative.numel())[:num_neg]]
            pos_mask = ember.zeros_like(matched, dtype=ember.uint8)
            neg_mask = ember.zeros_like(matched, dtype=ember.uint8)
            pos_mask[pos] = 1
            neg_mask[neg] = 1
            pos_idx.append(pos_mask)
            neg_idx.append(neg_mask)
        return pos_idx, neg_idx


def _corners(boxes):
    # columns x1, y1, x2, y2 as [N, 1] tensors
    return [boxes[:, i:i + 1] for i in range(4)]


def encode_boxes(reference_boxes, proposals, weights):
    """The ``(dx, dy, dw, dh)`` regression targets that move ``proposals`` onto ``reference_boxes``.

    ``dx = wx * (gt_cx - cx) / w``, ``dy`` alike, ``dw = ww * log(gt_w / w)``, ``dh`` alike.

    Args:
        reference_boxes: ``[N, 4]`` target boxes ``(x1, y1, x2, y2)``.
        proposals: ``[N, 4]`` boxes to encode against.
        weights: ``[4]`` tensor ``(wx, wy, ww, wh)``.

    Shape:
        Returns ``[N, 4]``.
    """
    wx, wy, ww, wh = weights[0], weights[1], weights[2], weights[3]
    px1, py1, px2, py2 = _corners(proposals)
    gx1, gy1, gx2, gy2 = _corners(reference_boxes)
    ex_w, ex_h = px2 - px1, py2 - py1
    ex_cx, ex_cy = px1 + 0.5 * ex_w, py1 + 0.5 * ex_h
    gt_w, gt_h = gx2 - gx1, gy2 - gy1
    gt_cx, gt_cy = gx1 + 0.5 * gt_w, gy1 + 0.5 * gt_h
    dx = wx * (gt_cx - ex_cx) / ex_w
    dy = wy * (gt_cy - ex_cy) / ex_h
    dw = ww * ember.log(gt_w / ex_w)
    dh = wh * ember.log(gt_h / ex_h)
    return ember.cat((dx, dy, dw, dh), dim=1)


class BoxCoder:
    """Encode boxes as ``(dx, dy, dw, dh)`` offsets from reference boxes (anchors, proposals) and back.

    Args:
        weights: ``(wx, wy, ww, wh)`` scales of the four offsets.
        bbox_xform_clip: ``dw``/``dh`` are clamped to this before ``exp`` when decoding (default
            ``log(1000 / 16)``).

    Example::

        >>> coder = BoxCoder((10.0, 10.0, 5.0, 5.0))
        >>> coder.encode_single(ember.tensor([[0., 0., 4., 4.]]), ember.tensor([[0., 0., 2., 2.]]))
        tensor([[5.0000, 5.0000, 3.4657, 3.4657]])
    """

    def __init__(self, weights, bbox_xform_clip=math.log(1000.0 / 16)):
        self.weights = weights
        self.bbox_xform_clip = bbox_xform_clip

    def encode(self, reference_boxes, proposals):
        """:meth:`encode_single` over lists of per-image boxes; returns a tuple of per-image ``[N_i, 4]``."""
        counts = [len(b) for b in reference_boxes]
        targets = self.encode_single(ember.cat(reference_boxes, dim=0), ember.cat(proposals, dim=0))
        return targets.split(counts, 0)

    def encode_single(self, reference_boxes, proposals):
        """Offsets ``[N, 4]`` taking each of ``proposals`` ``[N, 4]`` onto the matching ``reference_boxes``."""
        weights = ember.as_tensor(self.weights, dtype=reference_boxes.dtype, device=reference_boxes.device)
        return encode_boxes(reference_boxes, proposals, weights)

    def decode(self, rel_codes, boxes):
        """:meth:`decode_single` over a list of per-image boxes: ``rel_codes`` ``[sum N_i, K * 4]`` (or
        anything reshaping to it) gives ``[sum N_i, K, 4]`` boxes."""
        _assert(isinstance(boxes, (list, tuple)), "This function expects boxes of type list or tuple.")
        _assert(isinstance(rel_codes, ember.Tensor), "This function expects rel_codes of type torch.Tensor.")
        total = sum(int(b.size(0)) for b in boxes)
        if total > 0:
            rel_codes = rel_codes.reshape(total, -1)
        pred = self.decode_single(rel_codes, ember.cat(boxes, dim=0))
        return pred.reshape(total, -1, 4) if total > 0 else pred

    def decode_single(self, rel_codes, boxes):
        """Boxes ``[N, K * 4]`` from offsets ``rel_codes`` ``[N, K * 4]`` relative to ``boxes`` ``[N, 4]``."""
        boxes = boxes.to(rel_codes.dtype)
        widths = boxes[:, 2] - boxes[:, 0]
        heights = boxes[:, 3] - boxes[:, 1]
        ctr_x = boxes[:, 0] + 0.5 * widths
        ctr_y = boxes[:, 1] + 0.5 * heights
        wx, wy, ww, wh = self.weights
        dx = rel_codes[:, 0::4] / wx
        dy = rel_codes[:, 1::4] / wy
        # clamped so that exp() cannot overflow
        dw = ember.clamp(rel_codes[:, 2::4] / ww, max=self.bbox_xform_clip)
        dh = ember.clamp(rel_codes[:, 3::4] / wh, max=self.bbox_xform_clip)
        cx = dx * widths[:, None] + ctr_x[:, None]
        cy = dy * heights[:, None] + ctr_y[:, None]
        half_w = 0.5 * (ember.exp(dw) * widths[:, None])
        half_h = 0.5 * (ember.exp(dh) * heights[:, None])
        return ember.stack((cx - half_w, cy - half_h, cx + half_w, cy + half_h), dim=2).flatten(1)


class BoxLinearCoder:
    """Encode boxes as the distances ``(left, top, right, bottom)`` from a reference box's centre to their
    sides (FCOS), optionally divided by the reference box's width and height.

    Args:
        normalize_by_size: divide the distances by the reference box's size (default True).

    Example::

        >>> coder = BoxLinearCoder(normalize_by_size=False)
        >>> coder.encode(ember.tensor([[0., 0., 4., 4.]]), ember.tensor([[1., 0., 3., 5.]]))
        tensor([[1., 2., 1., 3.]])
    """

    def __init__(self, normalize_by_size=True):
        self.normalize_by_size = normalize_by_size

    @staticmethod
    def _sizes(boxes):
        w = boxes[..., 2] - boxes[..., 0]
        h = boxes[..., 3] - boxes[..., 1]
        return ember.stack((w, h, w, h), dim=-1)

    def encode(self, reference_boxes, proposals):
        """Distances ``[..., 4]`` from the centres of ``reference_boxes`` to the sides of ``proposals``."""
        cx = 0.5 * (reference_boxes[..., 0] + reference_boxes[..., 2])
        cy = 0.5 * (reference_boxes[..., 1] + reference_boxes[..., 3])
        targets = ember.stack((cx - proposals[..., 0], cy - proposals[..., 1], proposals[..., 2] - cx,
                               proposals[..., 3] - cy), dim=-1)
        if self.normalize_by_size:
            targets = targets / self._sizes(reference_boxes)
        return targets

    def decode(self, rel_codes, boxes):
        """Boxes ``[..., 4]`` whose sides lie ``rel_codes`` ``[..., 4]`` away from the centres of ``boxes``."""
        boxes = boxes.to(dtype=rel_codes.dtype)
        cx = 0.5 * (boxes[..., 0] + boxes[..., 2])
        cy = 0.5 * (boxes[..., 1] + boxes[..., 3])
        if self.normalize_by_size:
            rel_codes = rel_codes * self._sizes(boxes)
        return ember.stack((cx - rel_codes[..., 0], cy - rel_codes[..., 1], cx + rel_codes[..., 2],
                            cy + rel_codes[..., 3]), dim=-1)


class Matcher:
    """Assign each prediction (column of an IoU matrix) the ground truth (row) it overlaps most, or a negative
    code when that overlap is too small.

    A prediction whose best IoU is below ``low_threshold`` gets ``BELOW_LOW_THRESHOLD`` (-1), one in
    ``[low_threshold, high_threshold)`` gets ``BETWEEN_THRESHOLDS`` (-2).

    Args:
        high_threshold: IoU from which a match counts.
        low_threshold: IoU below which a prediction is background.
        allow_low_quality_matches: also keep, for every ground truth, the predictions that overlap it best
            even under ``high_threshold`` (default False).

    Calling it with an ``[M, N]`` IoU matrix (ground truths by predictions) returns an int64 ``[N]`` tensor of
    matched row indices or negative codes.

    Example::

        >>> Matcher(0.5, 0.4)(ember.tensor([[0.9, 0.45, 0.1]]))
        tensor([ 0, -2, -1])
    """

    BELOW_LOW_THRESHOLD = -1
    BETWEEN_THRESHOLDS = -2
    __annotations__ = {"BELOW_LOW_THRESHOLD": int, "BETWEEN_THRESHOLDS": int}

    def __init__(self, high_threshold, low_threshold, allow_low_quality_matches=False):
        self.BELOW_LOW_THRESHOLD = -1
        self.BETWEEN_THRESHOLDS = -2
        _assert(low_threshold <= high_threshold, "low_threshold should be <= high_threshold")
        self.high_threshold = high_threshold
        self.low_threshold = low_threshold
        self.allow_low_quality_matches = allow_low_quality_matches

    def __call__(self, match_quality_matrix):
        if match_quality_matrix.numel() == 0:
            if match_quality_matrix.shape[0] == 0:
                raise ValueError("No ground-truth boxes available for one of the images during training")
            raise ValueError("No proposal boxes available for one of the images during training")
        matched_vals, matches = match_quality_matrix.max(dim=0)
        all_matches = matches.clone() if self.allow_low_quality_matches else None
        below = matched_vals < self.low_threshold
        between = (matched_vals >= self.low_threshold) & (matched_vals < self.high_threshold)
        matches[below] = self.BELOW_LOW_THRESHOLD
        matches[between] = self.BETWEEN_THRESHOLDS
        if self.allow_low_quality_matches:
            if all_matches is None:
                raise AssertionError("all_matches should not be None")
            self.set_low_quality_matches_(matches, all_matches, match_quality_matrix)
        return matches

    def set_low_quality_matches_(self, matches, all_matches, match_quality_matrix):
        """Give back their original match to the predictions that overlap some ground truth best (ties
        included), whatever the threshold says; changes ``matches`` in place."""
        best_per_gt = match_quality_matrix.max(dim=1)[0]
        preds = ember.where(match_quality_matrix == best_per_gt[:, None])[1]
        matches[preds] = all_matches[preds]


class SSDMatcher(Matcher):
    """The SSD matching rule: a :class:`Matcher` with one threshold, where furthermore the best prediction of
    every ground truth is matched to it.

    Args:
        threshold: IoU from which a match counts.

    Example::

        >>> SSDMatcher(0.5)(ember.tensor([[0.3, 0.2], [0.1, 0.6]]))
        tensor([0, 1])
    """

    def __init__(self, threshold):
        super().__init__(threshold, threshold, allow_low_quality_matches=False)

    def __call__(self, match_quality_matrix):
        matches = super().__call__(match_quality_matrix)
        best_pred = match_quality_matrix.max(dim=1)[1]
        matches[best_pred] = ember.arange(best_pred.size(0), dtype=ember.int64, device=best_pred.device)
        return matches


def overwrite_eps(model, eps):
    """Set ``eps`` of every :class:`~ember.vision.ops.FrozenBatchNorm2d` in ``model`` (older pre-trained
    detection weights were trained with 0)."""
    for module in model.modules():
        if isinstance(module, FrozenBatchNorm2d):
            module.eps = eps


def retrieve_out_channels(model, size):
    """Channels of each feature map ``model`` returns for a zero image of ``size`` ``(W, H)`` (run once in eval
    mode without gradients; the mode is restored).

    Example::

        >>> retrieve_out_channels(nn.Conv2d(3, 5, 3), (8, 8))
        [5]
    """
    training = model.training
    model.eval()
    with ember.no_grad():
        device = next(model.parameters()).device
        features = model(ember.zeros((1, 3, size[1], size[0]), device=device))
        if isinstance(features, ember.Tensor):
            features = OrderedDict([("0", features)])
        out_channels = [x.size(1) for x in features.values()]
    if training:
        model.train()
    return out_channels


def _topk_min(input, orig_kval, axis):
    # how many of `input`'s entries along `axis` a top-k of at most `orig_kval` keeps
    return min(orig_kval, input.size(axis))


def _box_loss(type, box_coder, anchors_per_image, matched_gt_boxes_per_image, bbox_regression_per_image,
              cnf=None):
    # the summed box-regression loss of one image's foreground anchors
    _assert(type in ["l1", "smooth_l1", "ciou", "diou", "giou"], f"Unsupported loss: {type}")
    if type in ("l1", "smooth_l1"):
        target = box_coder.encode_single(matched_gt_boxes_per_image, anchors_per_image)
        if type == "l1":
            return F.l1_loss(bbox_regression_per_image, target, reduction="sum")
        beta = cnf["beta"] if cnf is not None and "beta" in cnf else 1.0
        return F.smooth_l1_loss(bbox_regression_per_image, target, reduction="sum", beta=beta)
    pred = box_coder.decode_single(bbox_regression_per_image, anchors_per_image)
    eps = cnf["eps"] if cnf is not None and "eps" in cnf else 1e-7
    loss = {"ciou": complete_box_iou_loss, "diou": distance_box_iou_loss, "giou": generalized_box_iou_loss}[type]
    return loss(pred, matched_gt_boxes_per_image, reduction="sum", eps=eps)


# ------------------------------------------------------------------------ weights' metadata and preprocessing
def _coco_weights(file, num_params, box_map, ops, file_size, recipe):
    """The :class:`~ember.vision.models.Weights` of a COCO-trained detector."""
    from ember.vision.models._api import _BASE_URL, Weights
    meta = {"categories": _COCO_CATEGORIES, "min_size": (1, 1), "num_params": num_params, "recipe": recipe,
            "_metrics": {"COCO-val2017": {"box_map": box_map}}, "_ops": ops, "_file_size": file_size}
    return Weights(url=_BASE_URL + file, transforms=ObjectDetection, meta=meta)


_DET_REFS = "https://github.com/pytorch/vision/tree/main/references/detection"


def _sum(tensors):
    # sum of a list of tensors (the first one as the start, so no int 0 is added)
    total = tensors[0]
    for t in tensors[1:]:
        total = total + t
    return total


def _detection_builder(backbone_default):
    """Decorator for a detection builder: accepts the legacy calling forms (positional arguments, ``pretrained``,
    and ``pretrained_backbone`` or a bool ``weights_backbone``, the latter two meaning ``backbone_default``)
    with torchvision's deprecation warnings, and registers the builder under its name."""
    from ember.vision.models._api import _legacy_builder, register_model

    def deco(fn):
        return register_model()(_legacy_builder(_legacy_backbone(fn, backbone_default)))
    return deco
