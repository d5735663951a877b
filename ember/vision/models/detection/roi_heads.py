"""The second stage of Faster / Mask / Keypoint R-CNN (mirrors ``torchvision.models.detection.roi_heads``):
pool features for each proposal, classify it and refine its box, and optionally predict a mask and keypoints;
plus the losses and the post-processing of those predictions.

Example::

    >>> masks = paste_masks_in_image(ember.rand(2, 1, 28, 28), ember.tensor([[2., 2., 20., 30.], [0., 0., 9., 9.]]),
    ...                              (40, 32))
    >>> tuple(masks.shape)
    (2, 1, 40, 32)
"""

import ember
import ember.nn.functional as F
from ember import nn
from ember.vision.models.detection import _utils as det_utils
from ember.vision.ops import batched_nms, box_iou, clip_boxes_to_image, remove_small_boxes, roi_align


def fastrcnn_loss(class_logits, box_regression, labels, regression_targets):
    """The Fast R-CNN losses: cross-entropy of the class logits, and smooth L1 (``beta = 1/9``) of the
    foreground proposals' offsets for their class, summed and divided by the number of proposals.

    Args:
        class_logits: ``(N, num_classes)``.
        box_regression: ``(N, num_classes * 4)``.
        labels: list of per-image ``[N_i]`` int64 labels (0 background).
        regression_targets: list of per-image ``[N_i, 4]`` offsets.

    Returns:
        ``(classification_loss, box_loss)``.
    """
    labels = ember.cat(labels, dim=0)
    regression_targets = ember.cat(regression_targets, dim=0)
    classification_loss = F.cross_entropy(class_logits, labels)
    pos = ember.where(labels > 0)[0]
    n = class_logits.shape[0]
    box_regression = box_regression.reshape(n, box_regression.size(-1) // 4, 4)
    box_loss = F.smooth_l1_loss(box_regression[pos, labels[pos]], regression_targets[pos], beta=1 / 9,
                                reduction="sum")
    return classification_loss, box_loss / labels.numel()


def maskrcnn_inference(x, labels):
    """Per image, the sigmoid of each detection's mask logits for its predicted class: ``x`` ``(N, C, M, M)``
    and per-image labels give a tuple of ``(N_i, 1, M, M)`` probabilities."""
    mask_prob = x.sigmoid()
    boxes_per_image = [label.shape[0] for label in labels]
    labels = ember.cat(labels)
    mask_prob = mask_prob[ember.arange(x.shape[0], device=labels.device), labels][:, None]
    return mask_prob.split(boxes_per_image, dim=0)


def project_masks_on_boxes(gt_masks, boxes, matched_idxs, M):  # noqa: N803 (torchvision's argument name)
    """The ``(K, M, M)`` crops (RoI Align) of the matched ground-truth masks ``gt_masks`` ``(G, H, W)`` over
    ``boxes`` ``[K, 4]``."""
    matched_idxs = matched_idxs.to(boxes)
    rois = ember.cat([matched_idxs[:, None], boxes], dim=1)
    gt_masks = gt_masks[:, None].to(rois)
    return roi_align(gt_masks, rois, (M, M), 1.0)[:, 0]


def maskrcnn_loss(mask_logits, proposals, gt_masks, gt_labels, mask_matched_idxs):
    """Mask R-CNN's loss: binary cross-entropy of each positive proposal's mask logits for its ground-truth
    class against the ground-truth mask cropped to the proposal (0 times the logits when there is none).

    Args:
        mask_logits: ``(P, num_classes, M, M)``.
        proposals: per-image ``[P_i, 4]`` positive proposals.
        gt_masks: per-image ``(G_i, H, W)`` masks.
        gt_labels: per-image ``[G_i]`` labels.
        mask_matched_idxs: per-image ``[P_i]`` indices of the matched ground truths.
    """
    size = mask_logits.shape[-1]
    labels = [gt_label[idxs] for gt_label, idxs in zip(gt_labels, mask_matched_idxs)]
    mask_targets = [project_masks_on_boxes(m, p, i, size) for m, p, i in zip(gt_masks, proposals, mask_matched_idxs)]
    labels = ember.cat(labels, dim=0)
    mask_targets = ember.cat(mask_targets, dim=0)
    if mask_targets.numel() == 0:
        return mask_logits.sum() * 0
    return F.binary_cross_entropy_with_logits(
        mask_logits[ember.arange(labels.shape[0], device=labels.device), labels], mask_targets)


def keypoints_to_heatmap(keypoints, rois, heatmap_size):
    """The flat heatmap cell (``y * heatmap_size + x``) of each keypoint ``[K, P, 3]`` in its roi ``[K, 4]``,
    and whether it is visible and inside (int64 ``[K, P]`` each; invalid cells read 0)."""
    offset_x, offset_y = rois[:, 0][:, None], rois[:, 1][:, None]
    scale_x = heatmap_size / (rois[:, 2] - rois[:, 0])[:, None]
    scale_y = heatmap_size / (rois[:, 3] - rois[:, 1])[:, None]
    x, y = keypoints[..., 0], keypoints[..., 1]
    # a keypoint on the roi's right / bottom edge falls in the last cell
    x_boundary = x == rois[:, 2][:, None]
    y_boundary = y == rois[:, 3][:, None]
    x = ((x - offset_x) * scale_x).floor().long()
    y = ((y - offset_y) * scale_y).floor().long()
    x[x_boundary] = heatmap_size - 1
    y[y_boundary] = heatmap_size - 1
    valid_loc = (x >= 0) & (y >= 0) & (x < heatmap_size) & (y < heatmap_size)
    valid = (valid_loc & (keypoints[..., 2] > 0)).long()
    return (y * heatmap_size + x) * valid, valid


def heatmaps_to_keypoints(maps, rois):
    """Keypoints from heatmaps: each roi's ``(P, S, S)`` logits are resized (bicubic) to the roi's size in
    pixels and the arg-max of every map gives the keypoint.

    Args:
        maps: ``(K, P, S, S)`` heatmap logits.
        rois: ``[K, 4]`` boxes.

    Returns:
        ``(keypoints [K, P, 3] (x, y, 1), scores [K, P])`` (float32).
    """
    offset_x, offset_y = rois[:, 0], rois[:, 1]
    widths = (rois[:, 2] - rois[:, 0]).clamp(min=1)
    heights = (rois[:, 3] - rois[:, 1]).clamp(min=1)
    widths_ceil, heights_ceil = widths.ceil(), heights.ceil()
    num_keypoints = maps.shape[1]
    xy_preds = ember.zeros((len(rois), 3, num_keypoints), dtype=ember.float32, device=maps.device)
    end_scores = ember.zeros((len(rois), num_keypoints), dtype=ember.float32, device=maps.device)
    kp_range = ember.arange(num_keypoints, device=maps.device)
    # every roi is resized to its own size: one interpolation per roi
    for i in range(len(rois)):
        roi_w, roi_h = int(widths_ceil[i].item()), int(heights_ceil[i].item())
        roi_map = F.interpolate(maps[i][:, None], size=(roi_h, roi_w), mode="bicubic", align_corners=False)[:, 0]
        w = roi_map.shape[2]
        pos = roi_map.reshape(num_keypoints, -1).argmax(dim=1)
        x_int = pos % w
        y_int = ember.div(pos - x_int, w, rounding_mode="floor")
        x = (x_int.float() + 0.5) * (widths[i] / roi_w)
        y = (y_int.float() + 0.5) * (heights[i] / roi_h)
        xy_preds[i, 0, :] = x + offset_x[i]
        xy_preds[i, 1, :] = y + offset_y[i]
        xy_preds[i, 2, :] = 1
        end_scores[i, :] = roi_map[kp_range, y_int, x_int]
    return xy_preds.permute(0, 2, 1), end_scores


def keypointrcnn_loss(keypoint_logits, proposals, gt_keypoints, keypoint_matched_idxs):
    """Keypoint R-CNN's loss: cross-entropy over the ``H * W`` cells of each visible ground-truth keypoint's
    heatmap (0 times the logits when there is none).

    Args:
        keypoint_logits: ``(P, K, H, W)`` with ``H == W``.
        proposals: per-image ``[P_i, 4]`` positive proposals.
        gt_keypoints: per-image ``[G_i, K, 3]`` keypoints.
        keypoint_matched_idxs: per-image ``[P_i]`` indices of the matched ground truths.
    """
    n, k, h, w = keypoint_logits.shape
    if h != w:
        raise ValueError("keypoint_logits height and width (last two elements of shape) should be equal. Instead "
                         f"got H = {h} and W = {w}")
    heatmaps, valid = [], []
    for proposals_i, keypoints_i, idxs in zip(proposals, gt_keypoints, keypoint_matched_idxs):
        heat, val = keypoints_to_heatmap(keypoints_i[idxs], proposals_i, h)
        heatmaps.append(heat.view(-1))
        valid.append(val.view(-1))
    targets = ember.cat(heatmaps, dim=0)
    valid = ember.where(ember.cat(valid, dim=0).to(dtype=ember.uint8))[0]
    if targets.numel() == 0 or len(valid) == 0:
        return keypoint_logits.sum() * 0
    return F.cross_entropy(keypoint_logits.view(n * k, h * w)[valid], targets[valid])


def keypointrcnn_inference(x, boxes):
    """:func:`heatmaps_to_keypoints` per image: ``x`` ``(sum K_i, P, S, S)`` and per-image boxes give the lists
    of keypoints ``[K_i, P, 3]`` and scores ``[K_i, P]``."""
    kp_probs, kp_scores = [], []
    for maps, b in zip(x.split([box.size(0) for box in boxes], dim=0), boxes):
        prob, scores = heatmaps_to_keypoints(maps, b)
        kp_probs.append(prob)
        kp_scores.append(scores)
    return kp_probs, kp_scores


def expand_boxes(boxes, scale):
    """``[N, 4]`` boxes scaled by ``scale`` about their centres."""
    w_half = (boxes[:, 2] - boxes[:, 0]) * 0.5 * scale
    h_half = (boxes[:, 3] - boxes[:, 1]) * 0.5 * scale
    x_c = (boxes[:, 2] + boxes[:, 0]) * 0.5
    y_c = (boxes[:, 3] + boxes[:, 1]) * 0.5
    return ember.stack((x_c - w_half, y_c - h_half, x_c + w_half, y_c + h_half), dim=1)


def expand_masks(mask, padding):
    """``(N, 1, M, M)`` masks zero-padded by ``padding`` on each side, and the scale ``(M + 2 padding) / M``."""
    m = mask.shape[-1]
    return F.pad(mask, (padding,) * 4), float(m + 2 * padding) / m


def paste_mask_in_image(mask, box, im_h, im_w):
    """Resize one ``(M, M)`` mask (bilinear) to its integer box ``[4]`` (inclusive corners) and paste it into an
    ``(im_h, im_w)`` zero image, cropped to the image."""
    x0, y0, x1, y1 = (int(v) for v in box.tolist())
    w, h = max(x1 - x0 + 1, 1), max(y1 - y0 + 1, 1)
    resized = F.interpolate(mask.expand((1, 1, -1, -1)), size=(h, w), mode="bilinear", align_corners=False)[0][0]
    im_mask = ember.zeros((im_h, im_w), dtype=resized.dtype, device=resized.device)
    xa, xb = max(x0, 0), min(x1 + 1, im_w)
    ya, yb = max(y0, 0), min(y1 + 1, im_h)
    if xb > xa and yb > ya:
        im_mask[ya:yb, xa:xb] = resized[ya - y0:yb - y0, xa - x0:xb - x0]
    return im_mask


def paste_masks_in_image(masks, boxes, img_shape, padding=1):
    """Paste per-detection mask probabilities into full images: each ``(M, M)`` mask, padded by ``padding``
    (its box grown alike), is resized to its box and placed in a zero ``img_shape`` ``(H, W)`` image.

    Args:
        masks: ``(N, 1, M, M)``.
        boxes: ``[N, 4]`` in image pixels.
        img_shape: ``(H, W)``.
        padding: cells of padding around each mask (default 1), so that its border is interpolated too.

    Shape:
        Returns ``(N, 1, H, W)``.

    Example::

        >>> paste_masks_in_image(ember.ones(1, 1, 4, 4), ember.tensor([[1., 1., 3., 3.]]), (5, 5))[0, 0]
        tensor([[0.0625, 0.2500, 0.2500, 0.0625, 0.0000],
                [0.2500, 1.0000, 1.0000, 0.2500, 0.0000],
                [0.2500, 1.0000, 1.0000, 0.2500, 0.0000],
                [0.0625, 0.2500, 0.2500, 0.0625, 0.0000],
                [0.0000, 0.0000, 0.0000, 0.0000, 0.0000]])
    """
    masks, scale = expand_masks(masks, padding=padding)
    boxes = expand_boxes(boxes, scale).to(dtype=ember.int64)
    im_h, im_w = img_shape
    # one resize per detection (each to its own box size)
    res = [paste_mask_in_image(m[0], b, im_h, im_w) for m, b in zip(masks, boxes)]
    if len(res) > 0:
        return ember.stack(res, dim=0)[:, None]
    return masks.new_empty((0, 1, im_h, im_w))


class RoIHeads(nn.Module):
    """The R-CNN second stage: box classification and regression on pooled proposal features, and optionally
    masks (Mask R-CNN) and keypoints (Keypoint R-CNN).

    Args:
        box_roi_pool: pools each proposal's features (:class:`~ember.vision.ops.MultiScaleRoIAlign`).
        box_head: features -> representation (e.g. ``TwoMLPHead``).
        box_predictor: representation -> ``(class_logits, box_regression)``.
        fg_iou_thresh, bg_iou_thresh: IoU thresholds of the proposal matcher.
        batch_size_per_image, positive_fraction: proposals sampled per image for the losses.
        bbox_reg_weights: the box coder's weights (default ``(10, 10, 5, 5)``).
        score_thresh: detections must score more than this.
        nms_thresh: per-class NMS IoU threshold.
        detections_per_img: detections kept per image.
        mask_roi_pool, mask_head, mask_predictor: the mask branch (all three or none).
        keypoint_roi_pool, keypoint_head, keypoint_predictor: the keypoint branch (all three or none).

    Shapes:
        ``forward(features, proposals, image_shapes, targets=None)`` returns ``(result, losses)``: in eval one
        dict per image (``"boxes"``, ``"labels"``, ``"scores"``, and ``"masks"`` ``(K, 1, M, M)``,
        ``"keypoints"`` ``[K, P, 3]``, ``"keypoints_scores"``), in training the loss dict.
    """

    __annotations__ = {"box_coder": det_utils.BoxCoder, "proposal_matcher": det_utils.Matcher,
                       "fg_bg_sampler": det_utils.BalancedPositiveNegativeSampler}

    def __init__(self, box_roi_pool, box_head, box_predictor, fg_iou_thresh, bg_iou_thresh, batch_size_per_image,
                 positive_fraction, bbox_reg_weights, score_thresh, nms_thresh, detections_per_img,
                 mask_roi_pool=None, mask_head=None, mask_predictor=None, keypoint_roi_pool=None, keypoint_head=None,
                 keypoint_predictor=None):
        super().__init__()
        self.box_similarity = box_iou
        self.proposal_matcher = det_utils.Matcher(fg_iou_thresh, bg_iou_thresh, allow_low_quality_matches=False)
        self.fg_bg_sampler = det_utils.BalancedPositiveNegativeSampler(batch_size_per_image, positive_fraction)
        if bbox_reg_weights is None:
            bbox_reg_weights = (10.0, 10.0, 5.0, 5.0)
        self.box_coder = det_utils.BoxCoder(bbox_reg_weights)
        self.box_roi_pool = box_roi_pool
        self.box_head = box_head
        self.box_predictor = box_predictor
        self.score_thresh = score_thresh
        self.nms_thresh = nms_thresh
        self.detections_per_img = detections_per_img
        self.mask_roi_pool = mask_roi_pool
        self.mask_head = mask_head
        self.mask_predictor = mask_predictor
        self.keypoint_roi_pool = keypoint_roi_pool
        self.keypoint_head = keypoint_head
        self.keypoint_predictor = keypoint_predictor

    def has_mask(self):
        """Whether the mask branch is complete."""
        return not (self.mask_roi_pool is None or self.mask_head is None or self.mask_predictor is None)

    def has_keypoint(self):
        """Whether the keypoint branch is complete."""
        return not (self.keypoint_roi_pool is None or self.keypoint_head is None or self.keypoint_predictor is None)

    def assign_targets_to_proposals(self, proposals, gt_boxes, gt_labels):
        """Per image: each proposal's matched ground-truth index (clamped to 0 for the unmatched) and its label
        (the ground truth's, 0 for background, -1 for ignored)."""
        matched_idxs, labels = [], []
        for proposals_i, gt_boxes_i, gt_labels_i in zip(proposals, gt_boxes, gt_labels):
            if gt_boxes_i.numel() == 0:
                n = proposals_i.shape[0]
                clamped = ember.zeros((n,), dtype=ember.int64, device=proposals_i.device)
                labels_i = ember.zeros((n,), dtype=ember.int64, device=proposals_i.device)
            else:
                matched = self.proposal_matcher(self.box_similarity(gt_boxes_i, proposals_i))
                clamped = matched.clamp(min=0)
                labels_i = gt_labels_i[clamped].to(dtype=ember.int64)
                labels_i[matched == self.proposal_matcher.BELOW_LOW_THRESHOLD] = 0
                labels_i[matched == self.proposal_matcher.BETWEEN_THRESHOLDS] = -1
            matched_idxs.append(clamped)
            labels.append(labels_i)
        return matched_idxs, labels

    def subsample(self, labels):
        """Per image, the (sorted) indices of the proposals the sampler draws."""
        pos, neg = self.fg_bg_sampler(labels)
        return [ember.where(p | n)[0] for p, n in zip(pos, neg)]

    def add_gt_proposals(self, proposals, gt_boxes):
        """The ground-truth boxes appended to each image's proposals."""
        return [ember.cat((p, g)) for p, g in zip(proposals, gt_boxes)]

    def check_targets(self, targets):
        """Raise ``ValueError`` when the targets miss a key the heads need."""
        if targets is None:
            raise ValueError("targets should not be None")
        if not all("boxes" in t for t in targets):
            raise ValueError("Every element of targets should have a boxes key")
        if not all("labels" in t for t in targets):
            raise ValueError("Every element of targets should have a labels key")
        if self.has_mask() and not all("masks" in t for t in targets):
            raise ValueError("Every element of targets should have a masks key")

    def select_training_samples(self, proposals, targets):
        """Add the ground truths to the proposals, match and sample them; returns the sampled proposals, their
        matched ground-truth indices, labels and regression targets (lists per image)."""
        self.check_targets(targets)
        dtype = proposals[0].dtype
        gt_boxes = [t["boxes"].to(dtype) for t in targets]
        gt_labels = [t["labels"] for t in targets]
        proposals = self.add_gt_proposals(proposals, gt_boxes)
        matched_idxs, labels = self.assign_targets_to_proposals(proposals, gt_boxes, gt_labels)
        sampled = self.subsample(labels)
        matched_gt_boxes = []
        for i, idx in enumerate(sampled):
            proposals[i] = proposals[i][idx]
            labels[i] = labels[i][idx]
            matched_idxs[i] = matched_idxs[i][idx]
            gt = gt_boxes[i]
            if gt.numel() == 0:
                gt = ember.zeros((1, 4), dtype=dtype, device=gt.device)
            matched_gt_boxes.append(gt[matched_idxs[i]])
        regression_targets = self.box_coder.encode(matched_gt_boxes, proposals)
        return proposals, matched_idxs, labels, regression_targets

    def postprocess_detections(self, class_logits, box_regression, proposals, image_shapes):
        """Per image: every (proposal, foreground class) box decoded and clipped, kept if it scores more than
        ``score_thresh`` and is not tiny, then per-class NMS and the best ``detections_per_img``; returns the
        lists of boxes, scores and labels."""
        num_classes = class_logits.shape[-1]
        boxes_per_image = [p.shape[0] for p in proposals]
        pred_boxes = self.box_coder.decode(box_regression, proposals).split(boxes_per_image, 0)
        pred_scores = F.softmax(class_logits, -1).split(boxes_per_image, 0)
        all_boxes, all_scores, all_labels = [], [], []
        for boxes, scores, image_shape in zip(pred_boxes, pred_scores, image_shapes):
            boxes = clip_boxes_to_image(boxes, image_shape)
            labels = ember.arange(num_classes, device=boxes.device).view(1, -1).expand_as(scores)
            # one candidate per (proposal, class), background left out
            boxes = boxes[:, 1:].reshape(-1, 4)
            scores = scores[:, 1:].reshape(-1)
            labels = labels[:, 1:].reshape(-1)
            keep = ember.where(scores > self.score_thresh)[0]
            boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
            keep = remove_small_boxes(boxes, min_size=1e-2)
            boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
            keep = batched_nms(boxes, scores, labels, self.nms_thresh)[:self.detections_per_img]
            all_boxes.append(boxes[keep])
            all_scores.append(scores[keep])
            all_labels.append(labels[keep])
        return all_boxes, all_scores, all_labels

    def _check_target_types(self, targets):
        for t in targets:
            if t["boxes"].dtype not in (ember.float32, ember.float64, ember.float16):
                raise TypeError(f"target boxes must of float type, instead got {t['boxes'].dtype}")
            if t["labels"].dtype != ember.int64:
                raise TypeError(f"target labels must of int64 type, instead got {t['labels'].dtype}")
            if self.has_keypoint() and t["keypoints"].dtype != ember.float32:
                raise TypeError(f"target keypoints must of float type, instead got {t['keypoints'].dtype}")

    def _positives(self, proposals, labels, matched_idxs):
        # the foreground proposals of each image and their matched ground truths (training)
        pos = [ember.where(label > 0)[0] for label in labels]
        return [p[i] for p, i in zip(proposals, pos)], [m[i] for m, i in zip(matched_idxs, pos)]

    def forward(self, features, proposals, image_shapes, targets=None):
        if targets is not None:
            self._check_target_types(targets)
        if self.training:
            proposals, matched_idxs, labels, regression_targets = self.select_training_samples(proposals, targets)
        else:
            labels = regression_targets = matched_idxs = None
        box_features = self.box_head(self.box_roi_pool(features, proposals, image_shapes))
        class_logits, box_regression = self.box_predictor(box_features)
        result, losses = [], {}
        if self.training:
            if labels is None:
                raise ValueError("labels cannot be None")
            if regression_targets is None:
                raise ValueError("regression_targets cannot be None")
            loss_classifier, loss_box_reg = fastrcnn_loss(class_logits, box_regression, labels, regression_targets)
            losses = {"loss_classifier": loss_classifier, "loss_box_reg": loss_box_reg}
        else:
            boxes, scores, labels = self.postprocess_detections(class_logits, box_regression, proposals,
                                                                image_shapes)
            result = [{"boxes": b, "labels": lab, "scores": s} for b, s, lab in zip(boxes, scores, labels)]

        if self.has_mask():
            mask_proposals = [p["boxes"] for p in result]
            pos_matched_idxs = None
            if self.training:
                if matched_idxs is None:
                    raise ValueError("if in training, matched_idxs should not be None")
                mask_proposals, pos_matched_idxs = self._positives(proposals, labels, matched_idxs)
            mask_logits = self.mask_predictor(self.mask_head(self.mask_roi_pool(features, mask_proposals,
                                                                                image_shapes)))
            if self.training:
                if targets is None or pos_matched_idxs is None or mask_logits is None:
                    raise ValueError("targets, pos_matched_idxs, mask_logits cannot be None when training")
                losses["loss_mask"] = maskrcnn_loss(mask_logits, mask_proposals, [t["masks"] for t in targets],
                                                    [t["labels"] for t in targets], pos_matched_idxs)
            else:
                for prob, r in zip(maskrcnn_inference(mask_logits, [r["labels"] for r in result]), result):
                    r["masks"] = prob

        if self.keypoint_roi_pool is not None and self.keypoint_head is not None \
                and self.keypoint_predictor is not None:
            keypoint_proposals = [p["boxes"] for p in result]
            pos_matched_idxs = None
            if self.training:
                keypoint_proposals, pos_matched_idxs = self._positives(proposals, labels, matched_idxs)
            keypoint_logits = self.keypoint_predictor(self.keypoint_head(
                self.keypoint_roi_pool(features, keypoint_proposals, image_shapes)))
            if self.training:
                if targets is None or pos_matched_idxs is None:
                    raise ValueError("both targets and pos_matched_idxs should not be None when in training mode")
                losses["loss_keypoint"] = keypointrcnn_loss(keypoint_logits, keypoint_proposals,
                                                            [t["keypoints"] for t in targets], pos_matched_idxs)
            else:
                probs, scores = keypointrcnn_inference(keypoint_logits, keypoint_proposals)
                for prob, score, r in zip(probs, scores, result):
                    r["keypoints"] = prob
                    r["keypoints_scores"] = score
        return result, losses
