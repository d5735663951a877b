"""Region Proposal Network of the two-stage detectors (mirrors ``torchvision.models.detection.rpn``).

A small convolutional head scores every anchor for "objectness" and regresses a box offset from it; the best
proposals of every pyramid level, clipped and de-duplicated by NMS, go on to the RoI heads.

Example::

    >>> from ember.vision.models.detection.anchor_utils import AnchorGenerator
    >>> from ember.vision.models.detection.image_list import ImageList
    >>> gen = AnchorGenerator(((16,),), ((0.5, 1.0, 2.0),))
    >>> rpn = RegionProposalNetwork(gen, RPNHead(8, 3), 0.7, 0.3, 256, 0.5, {"training": 50, "testing": 20},
    ...                             {"training": 50, "testing": 20}, 0.7).eval()
    >>> boxes, losses = rpn(ImageList(ember.zeros(1, 3, 32, 32), [(32, 32)]), {"0": ember.randn(1, 8, 8, 8)})
    >>> boxes[0].shape[1], losses
    (4, {})
"""

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models.detection import _utils as det_utils
from ember.vision.models.detection.anchor_utils import AnchorGenerator  # noqa: F401 (torchvision's namespace)
from ember.vision.models.detection.image_list import ImageList  # noqa: F401
from ember.vision.models.detection.retinanet import _init_tower, _per_anchor
from ember.vision.ops import Conv2dNormActivation, batched_nms, box_iou, clip_boxes_to_image, remove_small_boxes


class RPNHead(nn.Module):
    """The RPN head: ``conv_depth`` 3x3 conv-ReLU blocks, then two 1x1 convolutions giving each anchor an
    objectness logit and four box offsets.

    Args:
        in_channels: channels of the feature maps.
        num_anchors: anchors per location.
        conv_depth: 3x3 conv-ReLU blocks before the predictions (default 1).

    Shapes:
        ``forward(x)`` takes a list of ``(N, in_channels, H_i, W_i)`` maps and returns two lists: logits
        ``(N, num_anchors, H_i, W_i)`` and offsets ``(N, 4 * num_anchors, H_i, W_i)``.

    Example::

        >>> logits, deltas = RPNHead(8, 3)([ember.randn(1, 8, 5, 5)])
        >>> tuple(logits[0].shape), tuple(deltas[0].shape)
        ((1, 3, 5, 5), (1, 12, 5, 5))
    """

    _version = 2

    def __init__(self, in_channels, num_anchors, conv_depth=1):
        super().__init__()
        self.conv = nn.Sequential(*[Conv2dNormActivation(in_channels, in_channels, kernel_size=3, norm_layer=None)
                                    for _ in range(conv_depth)])
        self.cls_logits = nn.Conv2d(in_channels, num_anchors, kernel_size=1, stride=1)
        self.bbox_pred = nn.Conv2d(in_channels, num_anchors * 4, kernel_size=1, stride=1)
        _init_tower(self)  # N(0, 0.01) weights, zero biases, as RetinaNet's heads

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        # version 1 had one bare convolution "conv": it is now "conv.0.0"
        if local_metadata.get("version") is None or local_metadata.get("version") < 2:
            for kind in ("weight", "bias"):
                old = f"{prefix}conv.{kind}"
                if old in state_dict:
                    state_dict[f"{prefix}conv.0.0.{kind}"] = state_dict.pop(old)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def forward(self, x):
        logits, bbox_reg = [], []
        for feature in x:
            t = self.conv(feature)
            logits.append(self.cls_logits(t))
            bbox_reg.append(self.bbox_pred(t))
        return logits, bbox_reg


def permute_and_flatten(layer, N, A, C, H, W):  # noqa: N803 (torchvision's argument names)
    """``(N, A * C, H, W)`` -> ``(N, H * W * A, C)``: location-major, then anchor."""
    return _per_anchor(layer, C)


def concat_box_prediction_layers(box_cls, box_regression):
    """Flatten the per-level predictions and concatenate them: returns the class logits
    ``(N * sum_i H_i W_i A, C)`` and the box offsets ``(N * sum_i H_i W_i A, 4)``, image-major.

    Example::

        >>> cls, reg = concat_box_prediction_layers([ember.zeros(2, 3, 4, 4)], [ember.zeros(2, 12, 4, 4)])
        >>> tuple(cls.shape), tuple(reg.shape)
        ((96, 1), (96, 4))
    """
    flat_cls, flat_reg = [], []
    for cls_level, reg_level in zip(box_cls, box_regression):
        n, axc, h, w = cls_level.shape
        a = reg_level.shape[1] // 4
        c = axc // a
        flat_cls.append(permute_and_flatten(cls_level, n, a, c, h, w))
        flat_reg.append(permute_and_flatten(reg_level, n, a, 4, h, w))
    return ember.cat(flat_cls, dim=1).flatten(0, -2), ember.cat(flat_reg, dim=1).reshape(-1, 4)


class RegionProposalNetwork(nn.Module):
    """Region Proposal Network (Faster R-CNN): scores the anchors, decodes the best ones into proposals and, in
    training, returns the objectness and box losses against the targets.

    Args:
        anchor_generator: an :class:`AnchorGenerator` for the feature maps.
        head: the prediction head (:class:`RPNHead`).
        fg_iou_thresh: IoU from which an anchor is foreground.
        bg_iou_thresh: IoU below which an anchor is background.
        batch_size_per_image: anchors sampled per image for the losses.
        positive_fraction: the largest share of foreground among them.
        pre_nms_top_n: ``{"training": k, "testing": k}``: proposals kept per level before NMS.
        post_nms_top_n: ``{"training": k, "testing": k}``: proposals kept per image after NMS.
        nms_thresh: the NMS IoU threshold.
        score_thresh: proposals must have at least this objectness probability (default 0.0).

    Shapes:
        ``forward(images, features, targets=None)`` takes an :class:`ImageList`, a dict of
        ``(N, C, H_i, W_i)`` maps and (in training) the target dicts; returns ``(boxes, losses)``: a list of
        ``[K_i, 4]`` proposals per image and ``{"loss_objectness", "loss_rpn_box_reg"}`` (empty in eval).
    """

    __annotations__ = {"box_coder": det_utils.BoxCoder, "proposal_matcher": det_utils.Matcher,
                       "fg_bg_sampler": det_utils.BalancedPositiveNegativeSampler}

    def __init__(self, anchor_generator, head, fg_iou_thresh, bg_iou_thresh, batch_size_per_image,
                 positive_fraction, pre_nms_top_n, post_nms_top_n, nms_thresh, score_thresh=0.0):
        super().__init__()
        self.anchor_generator = anchor_generator
        self.head = head
        self.box_coder = det_utils.BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
        self.box_similarity = box_iou
        self.proposal_matcher = det_utils.Matcher(fg_iou_thresh, bg_iou_thresh, allow_low_quality_matches=True)
        self.fg_bg_sampler = det_utils.BalancedPositiveNegativeSampler(batch_size_per_image, positive_fraction)
        self._pre_nms_top_n = pre_nms_top_n
        self._post_nms_top_n = post_nms_top_n
        self.nms_thresh = nms_thresh
        self.score_thresh = score_thresh
        self.min_size = 1e-3

    def pre_nms_top_n(self):
        """Proposals kept per level before NMS in the current mode."""
        return self._pre_nms_top_n["training" if self.training else "testing"]

    def post_nms_top_n(self):
        """Proposals kept per image after NMS in the current mode."""
        return self._post_nms_top_n["training" if self.training else "testing"]

    def assign_targets_to_anchors(self, anchors, targets):
        """Per image: anchor labels (1.0 foreground, 0.0 background, -1.0 ignored) and each anchor's matched
        ground-truth box ``[A, 4]``."""
        labels, matched_gt_boxes = [], []
        for anchors_i, target in zip(anchors, targets):
            gt_boxes = target["boxes"]
            if gt_boxes.numel() == 0:
                matched_gt_boxes.append(ember.zeros(anchors_i.shape, dtype=ember.float32, device=anchors_i.device))
                labels.append(ember.zeros((anchors_i.shape[0],), dtype=ember.float32, device=anchors_i.device))
                continue
            matched = self.proposal_matcher(self.box_similarity(gt_boxes, anchors_i))
            # negative codes index the first box: those anchors' boxes are not used
            matched_gt_boxes.append(gt_boxes[matched.clamp(min=0)])
            label = (matched >= 0).to(dtype=ember.float32)
            label[matched == self.proposal_matcher.BELOW_LOW_THRESHOLD] = 0.0
            label[matched == self.proposal_matcher.BETWEEN_THRESHOLDS] = -1.0
            labels.append(label)
        return labels, matched_gt_boxes

    def _get_top_n_idx(self, objectness, num_anchors_per_level):
        # indices (into the concatenated levels) of the best pre_nms_top_n anchors of every level, per image
        result, offset = [], 0
        for ob in objectness.split(num_anchors_per_level, 1):
            k = det_utils._topk_min(ob, self.pre_nms_top_n(), 1)
            _, top = ob.topk(k, dim=1)
            result.append(top + offset)
            offset += ob.shape[1]
        return ember.cat(result, dim=1)

    def filter_proposals(self, proposals, objectness, image_shapes, num_anchors_per_level):
        """Per image: the best proposals of every level, clipped, without tiny or low-scoring boxes, after a
        per-level NMS, at most ``post_nms_top_n``; returns the boxes and their objectness probabilities."""
        num_images = proposals.shape[0]
        # no gradient flows through the choice of proposals
        objectness = objectness.detach().reshape(num_images, -1)
        levels = ember.cat([ember.full((n,), idx, dtype=ember.int64, device=objectness.device)
                            for idx, n in enumerate(num_anchors_per_level)], 0)
        levels = levels.reshape(1, -1).expand_as(objectness)
        top_n_idx = self._get_top_n_idx(objectness, num_anchors_per_level)
        batch_idx = ember.arange(num_images, device=objectness.device)[:, None]
        objectness = objectness[batch_idx, top_n_idx]
        levels = levels[batch_idx, top_n_idx]
        proposals = proposals[batch_idx, top_n_idx]
        objectness_prob = ember.sigmoid(objectness)
        final_boxes, final_scores = [], []
        for boxes, scores, lvl, img_shape in zip(proposals, objectness_prob, levels, image_shapes):
            boxes = clip_boxes_to_image(boxes, img_shape)
            keep = remove_small_boxes(boxes, self.min_size)
            boxes, scores, lvl = boxes[keep], scores[keep], lvl[keep]
            keep = ember.where(scores >= self.score_thresh)[0]
            boxes, scores, lvl = boxes[keep], scores[keep], lvl[keep]
            keep = batched_nms(boxes, scores, lvl, self.nms_thresh)[:self.post_nms_top_n()]
            final_boxes.append(boxes[keep])
            final_scores.append(scores[keep])
        return final_boxes, final_scores

    def compute_loss(self, objectness, pred_bbox_deltas, labels, regression_targets):
        """``(objectness loss, box loss)``: binary cross-entropy over the sampled anchors and smooth L1
        (``beta = 1/9``) over the sampled foreground ones, divided by the number of sampled anchors."""
        pos, neg = self.fg_bg_sampler(labels)
        pos = ember.where(ember.cat(pos, dim=0))[0]
        neg = ember.where(ember.cat(neg, dim=0))[0]
        sampled = ember.cat([pos, neg], dim=0)
        objectness = objectness.flatten()
        labels = ember.cat(labels, dim=0)
        regression_targets = ember.cat(regression_targets, dim=0)
        box_loss = F.smooth_l1_loss(pred_bbox_deltas[pos], regression_targets[pos], beta=1 / 9,
                                    reduction="sum") / sampled.numel()
        objectness_loss = F.binary_cross_entropy_with_logits(objectness[sampled], labels[sampled])
        return objectness_loss, box_loss

    def forward(self, images, features, targets=None):
        features = list(features.values())
        objectness, pred_bbox_deltas = self.head(features)
        anchors = self.anchor_generator(images, features)
        num_images = len(anchors)
        num_anchors_per_level = [int(o.shape[1] * o.shape[2] * o.shape[3]) for o in objectness]
        objectness, pred_bbox_deltas = concat_box_prediction_layers(objectness, pred_bbox_deltas)
        # the proposals are not differentiated through (as in Faster R-CNN's approximate joint training)
        proposals = self.box_coder.decode(pred_bbox_deltas.detach(), anchors).view(num_images, -1, 4)
        boxes, _ = self.filter_proposals(proposals, objectness, images.image_sizes, num_anchors_per_level)
        losses = {}
        if self.training:
            if targets is None:
                raise ValueError("targets should not be None")
            labels, matched_gt_boxes = self.assign_targets_to_anchors(anchors, targets)
            regression_targets = self.box_coder.encode(matched_gt_boxes, anchors)
            loss_objectness, loss_rpn_box_reg = self.compute_loss(objectness, pred_bbox_deltas, labels,
                                                                  regression_targets)
            losses = {"loss_objectness": loss_objectness, "loss_rpn_box_reg": loss_rpn_box_reg}
        return boxes, losses
