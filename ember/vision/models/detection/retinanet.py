"""RetinaNet (Lin et al. 2017, "Focal Loss for Dense Object Detection"; mirrors
``torchvision.models.detection.retinanet``).

A one-stage detector: a backbone with a feature pyramid, anchors on every level, and two shared convolutional
heads predicting per-anchor class logits (trained with the focal loss) and box offsets.

Example::

    >>> from ember.vision.models.detection import retinanet_resnet50_fpn
    >>> model = retinanet_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3, min_size=64,
    ...                                max_size=96).eval()
    >>> out = model([ember.rand(3, 60, 80)])
    >>> sorted(out[0])
    ['boxes', 'labels', 'scores']
"""

import math
from collections import OrderedDict
from functools import partial

import ember
import ember.nn as nn
from ember.vision.models._api import WeightsEnum
from ember.vision.models.detection import _utils as det_utils
from ember.vision.models.detection._utils import (_DET_REFS, _assert, _coco_weights, _detection_builder,
                                                  _ovewrite_value_param, _sum)
from ember.vision.models.detection.anchor_utils import AnchorGenerator
from ember.vision.models.detection.backbone_utils import _resnet_fpn_extractor, _validate_trainable_layers
from ember.vision.models.detection.transform import GeneralizedRCNNTransform
from ember.vision.models.resnet import ResNet50_Weights, resnet50
from ember.vision.ops import Conv2dNormActivation, FrozenBatchNorm2d, batched_nms, box_iou, clip_boxes_to_image
from ember.vision.ops import sigmoid_focal_loss
from ember.vision.ops.feature_pyramid_network import LastLevelP6P7

__all__ = ["RetinaNet", "RetinaNet_ResNet50_FPN_Weights", "RetinaNet_ResNet50_FPN_V2_Weights",
           "retinanet_resnet50_fpn", "retinanet_resnet50_fpn_v2"]


def _v1_to_v2_weights(state_dict, prefix):
    # version 1 heads held bare convolutions: "conv.0.weight" is now "conv.0.0.weight"
    for i in range(4):
        for kind in ("weight", "bias"):
            old = f"{prefix}conv.{i}.{kind}"
            if old in state_dict:
                state_dict[f"{prefix}conv.{i}.0.{kind}"] = state_dict.pop(old)


def _default_anchorgen():
    # three sizes per octave on P3-P7, three aspect ratios
    sizes = tuple((x, int(x * 2 ** (1.0 / 3)), int(x * 2 ** (2.0 / 3))) for x in [32, 64, 128, 256, 512])
    return AnchorGenerator(sizes, ((0.5, 1.0, 2.0),) * len(sizes))


def _head_tower(in_channels, norm_layer, init=True):
    # four 3x3 conv(-norm)-ReLU blocks, weights N(0, 0.01) and zero biases (init=False: the caller initialises
    # later with _init_tower, to keep torchvision's random draw order)
    conv = nn.Sequential(*[Conv2dNormActivation(in_channels, in_channels, norm_layer=norm_layer) for _ in range(4)])
    if init:
        _init_tower(conv)
    return conv


def _init_tower(conv):
    for layer in conv.modules():
        if isinstance(layer, nn.Conv2d):
            nn.init.normal_(layer.weight, std=0.01)
            if layer.bias is not None:
                nn.init.constant_(layer.bias, 0)
    return conv


def _per_anchor(out, columns):
    # (N, A * columns, H, W) -> (N, H * W * A, columns): cell-major, then anchor
    n, _, h, w = out.shape
    return out.view(n, -1, columns, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, columns)


class RetinaNetHead(nn.Module):
    """The two RetinaNet heads (classification and box regression), shared over the pyramid levels.

    Args:
        in_channels: channels of the feature maps.
        num_anchors: anchors per location.
        num_classes: classes (background included when the dataset counts it).
        norm_layer: norm layer of the head convolutions (default ``None``: none).

    Shapes:
        ``forward(x)`` takes the list of ``(N, in_channels, H_i, W_i)`` maps and returns ``{"cls_logits":
        (N, HWA, num_classes), "bbox_regression": (N, HWA, 4)}`` with ``HWA = sum_i H_i * W_i * num_anchors``.

    Example::

        >>> head = RetinaNetHead(8, 9, 3)
        >>> out = head([ember.randn(1, 8, 4, 4), ember.randn(1, 8, 2, 2)])
        >>> tuple(out["cls_logits"].shape), tuple(out["bbox_regression"].shape)
        ((1, 180, 3), (1, 180, 4))
    """

    def __init__(self, in_channels, num_anchors, num_classes, norm_layer=None):
        super().__init__()
        self.classification_head = RetinaNetClassificationHead(in_channels, num_anchors, num_classes,
                                                                norm_layer=norm_layer)
        self.regression_head = RetinaNetRegressionHead(in_channels, num_anchors, norm_layer=norm_layer)

    def compute_loss(self, targets, head_outputs, anchors, matched_idxs):
        """``{"classification": focal loss, "bbox_regression": box loss}`` for the anchors' matches."""
        return {"classification": self.classification_head.compute_loss(targets, head_outputs, matched_idxs),
                "bbox_regression": self.regression_head.compute_loss(targets, head_outputs, anchors, matched_idxs)}

    def forward(self, x):
        return {"cls_logits": self.classification_head(x), "bbox_regression": self.regression_head(x)}


class RetinaNetClassificationHead(nn.Module):
    """Per-anchor class logits: four 3x3 conv-ReLU blocks and a 3x3 convolution to ``num_anchors * num_classes``
    channels whose bias starts at ``-log((1 - prior_probability) / prior_probability)``.

    Args:
        in_channels: channels of the feature maps.
        num_anchors: anchors per location.
        num_classes: classes.
        prior_probability: initial foreground probability of every anchor (default 0.01).
        norm_layer: norm layer of the tower convolutions (default ``None``).

    Shapes:
        ``forward(x)`` returns ``(N, HWA, num_classes)`` logits for the list ``x`` of feature maps.
    """

    _version = 2

    def __init__(self, in_channels, num_anchors, num_classes, prior_probability=0.01, norm_layer=None):
        super().__init__()
        self.conv = _head_tower(in_channels, norm_layer)
        self.cls_logits = nn.Conv2d(in_channels, num_anchors * num_classes, kernel_size=3, stride=1, padding=1)
        nn.init.normal_(self.cls_logits.weight, std=0.01)
        nn.init.constant_(self.cls_logits.bias, -math.log((1 - prior_probability) / prior_probability))
        self.num_classes = num_classes
        self.num_anchors = num_anchors
        self.BETWEEN_THRESHOLDS = det_utils.Matcher.BETWEEN_THRESHOLDS

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        if local_metadata.get("version") is None or local_metadata.get("version") < 2:
            _v1_to_v2_weights(state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def compute_loss(self, targets, head_outputs, matched_idxs):
        """The sigmoid focal loss over the anchors not left between the thresholds, per image divided by its
        number of foreground anchors, averaged over the images."""
        losses = []
        for target, logits, matched in zip(targets, head_outputs["cls_logits"], matched_idxs):
            foreground = matched >= 0
            num_foreground = foreground.sum()
            gt = ember.zeros_like(logits)
            gt[foreground, target["labels"][matched[foreground]]] = 1.0
            valid = matched != self.BETWEEN_THRESHOLDS
            loss = sigmoid_focal_loss(logits[valid], gt[valid], reduction="sum")
            losses.append(loss / max(1, int(num_foreground)))
        return _sum(losses) / len(targets)

    def forward(self, x):
        return ember.cat([_per_anchor(self.cls_logits(self.conv(f)), self.num_classes) for f in x], dim=1)


class RetinaNetRegressionHead(nn.Module):
    """Per-anchor box offsets: four 3x3 conv-ReLU blocks and a 3x3 convolution to ``num_anchors * 4`` channels.

    Args:
        in_channels: channels of the feature maps.
        num_anchors: anchors per location.
        norm_layer: norm layer of the tower convolutions (default ``None``).

    Shapes:
        ``forward(x)`` returns ``(N, HWA, 4)`` offsets for the list ``x`` of feature maps.
    """

    _version = 2
    __annotations__ = {"box_coder": det_utils.BoxCoder}

    def __init__(self, in_channels, num_anchors, norm_layer=None):
        super().__init__()
        # torchvision's draw order: tower built, output conv built and initialised, then the tower initialised
        self.conv = _head_tower(in_channels, norm_layer, init=False)
        self.bbox_reg = nn.Conv2d(in_channels, num_anchors * 4, kernel_size=3, stride=1, padding=1)
        nn.init.normal_(self.bbox_reg.weight, std=0.01)
        nn.init.zeros_(self.bbox_reg.bias)
        _init_tower(self.conv)
        self.box_coder = det_utils.BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
        self._loss_type = "l1"

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        if local_metadata.get("version") is None or local_metadata.get("version") < 2:
            _v1_to_v2_weights(state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def compute_loss(self, targets, head_outputs, anchors, matched_idxs):
        """The box loss (``self._loss_type``: l1 by default) of the foreground anchors, per image divided by
        their number, averaged over the images."""
        losses = []
        for target, regression, anchors_i, matched in zip(targets, head_outputs["bbox_regression"], anchors,
                                                          matched_idxs):
            fg = ember.where(matched >= 0)[0]
            loss = det_utils._box_loss(self._loss_type, self.box_coder, anchors_i[fg, :],
                                       target["boxes"][matched[fg]], regression[fg, :])
            losses.append(loss / max(1, fg.numel()))
        return _sum(losses) / max(1, len(targets))

    def forward(self, x):
        return ember.cat([_per_anchor(self.bbox_reg(self.conv(f)), 4) for f in x], dim=1)


def _check_targets(targets, show_shape=True):
    # the training-mode checks on the targets' boxes (RetinaNet's message leaves the shape out)
    if targets is None:
        _assert(False, "targets should not be none when in training mode")
    for target in targets:
        boxes = target["boxes"]
        _assert(isinstance(boxes, ember.Tensor), "Expected target boxes to be of type Tensor.")
        _assert(len(boxes.shape) == 2 and boxes.shape[-1] == 4,
                f"Expected target boxes to be a tensor of shape [N, 4], got {boxes.shape}." if show_shape
                else "Expected target boxes to be a tensor of shape [N, 4].")


def _original_sizes(images):
    sizes = []
    for img in images:
        val = img.shape[-2:]
        _assert(len(val) == 2, f"expecting the last two dimensions of the Tensor to be H and W instead got "
                               f"{img.shape[-2:]}")
        sizes.append((int(val[0]), int(val[1])))
    return sizes


def _check_degenerate(targets):
    # boxes must have positive width and height (after the transform's resizing)
    if targets is None:
        return
    for target_idx, target in enumerate(targets):
        boxes = target["boxes"]
        degenerate = boxes[:, 2:] <= boxes[:, :2]
        if degenerate.any():
            bb_idx = ember.where(degenerate.any(dim=1))[0][0]
            degen_bb = boxes[bb_idx].tolist()
            _assert(False, "All bounding boxes should have positive height and width. Found invalid box "
                           f"{degen_bb} for target at index {target_idx}.")


def _features_list(features):
    if isinstance(features, ember.Tensor):
        features = OrderedDict([("0", features)])
    return list(features.values())


def _match_anchors(matcher, anchors, targets):
    # per image: each anchor's matched target index (or a negative code); no targets -> all background (-1)
    matched = []
    for anchors_i, target in zip(anchors, targets):
        if target["boxes"].numel() == 0:
            matched.append(ember.full((anchors_i.size(0),), -1, dtype=ember.int64, device=anchors_i.device))
        else:
            matched.append(matcher(box_iou(target["boxes"], anchors_i)))
    return matched


def _select_topk(scores, num_classes, score_thresh, topk_candidates):
    # flat (anchor, class) scores above the threshold, best `topk_candidates` of them: (scores, anchor, label)
    keep = scores > score_thresh
    scores = scores[keep]
    idxs = ember.where(keep)[0]
    scores, order = scores.topk(det_utils._topk_min(idxs, topk_candidates, 0))
    idxs = idxs[order]
    return scores, ember.div(idxs, num_classes, rounding_mode="floor"), idxs % num_classes


def _split_outputs(head_outputs, anchors, features):
    # cut the concatenated per-anchor outputs and anchors back into pyramid levels
    per_level = [x.size(2) * x.size(3) for x in features]
    a = head_outputs["cls_logits"].size(1) // sum(per_level)
    per_level = [hw * a for hw in per_level]
    split = {k: list(v.split(per_level, dim=1)) for k, v in head_outputs.items()}
    return split, [list(x.split(per_level)) for x in anchors]


class RetinaNet(nn.Module):
    """RetinaNet: backbone + FPN features, anchors, a classification and a regression head, focal loss.

    In training mode ``forward(images, targets)`` returns the loss dict ``{"classification",
    "bbox_regression"}``; in eval mode ``forward(images)`` returns one dict per image with ``"boxes"`` ``[K, 4]``
    (``x1, y1, x2, y2`` in the original image's pixels), ``"scores"`` ``[K]`` and ``"labels"`` ``[K]`` (int64).

    Args:
        backbone: returns the feature maps (a tensor or an ordered dict); must have ``out_channels``.
        num_classes: classes of the head (background included when the dataset counts it).
        min_size, max_size: the transform's resizing (default 800 and 1333).
        image_mean, image_std: the transform's normalisation (default ImageNet's).
        anchor_generator: an :class:`AnchorGenerator` (default: 3 sizes x 3 ratios on 5 levels).
        head: the head module (default :class:`RetinaNetHead`).
        proposal_matcher: matches anchors to targets (default ``Matcher(fg_iou_thresh, bg_iou_thresh,
            allow_low_quality_matches=True)``).
        score_thresh: detections must score more than this (default 0.05).
        nms_thresh: the per-class NMS IoU threshold (default 0.5).
        detections_per_img: at most this many detections per image (default 300).
        fg_iou_thresh, bg_iou_thresh: the matcher's thresholds (default 0.5 and 0.4).
        topk_candidates: candidates kept per level before NMS (default 1000).
        **kwargs: further arguments of :class:`GeneralizedRCNNTransform`.

    Example::

        >>> from ember.vision.models.detection.backbone_utils import resnet_fpn_backbone
        >>> backbone = resnet_fpn_backbone(backbone_name="resnet18", weights=None, returned_layers=[2, 3, 4],
        ...                                extra_blocks=LastLevelP6P7(256, 256))
        >>> model = RetinaNet(backbone, num_classes=4, min_size=64, max_size=64)
        >>> losses = model([ember.rand(3, 64, 64)], [{"boxes": ember.tensor([[4., 4., 30., 40.]]),
        ...                                           "labels": ember.tensor([1])}])
        >>> sorted(losses)
        ['bbox_regression', 'classification']
    """

    __annotations__ = {"box_coder": det_utils.BoxCoder, "proposal_matcher": det_utils.Matcher}

    def __init__(self, backbone, num_classes, min_size=800, max_size=1333, image_mean=None, image_std=None,
                 anchor_generator=None, head=None, proposal_matcher=None, score_thresh=0.05, nms_thresh=0.5,
                 detections_per_img=300, fg_iou_thresh=0.5, bg_iou_thresh=0.4, topk_candidates=1000, **kwargs):
        super().__init__()
        if not hasattr(backbone, "out_channels"):
            raise ValueError("backbone should contain an attribute out_channels specifying the number of output "
                             "channels (assumed to be the same for all the levels)")
        self.backbone = backbone
        if not isinstance(anchor_generator, (AnchorGenerator, type(None))):
            raise TypeError(f"anchor_generator should be of type AnchorGenerator or None instead of "
                            f"{type(anchor_generator)}")
        if anchor_generator is None:
            anchor_generator = _default_anchorgen()
        self.anchor_generator = anchor_generator
        if head is None:
            head = RetinaNetHead(backbone.out_channels, anchor_generator.num_anchors_per_location()[0], num_classes)
        self.head = head
        if proposal_matcher is None:
            proposal_matcher = det_utils.Matcher(fg_iou_thresh, bg_iou_thresh, allow_low_quality_matches=True)
        self.proposal_matcher = proposal_matcher
        self.box_coder = det_utils.BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
        if image_mean is None:
            image_mean = [0.485, 0.456, 0.406]
        if image_std is None:
            image_std = [0.229, 0.224, 0.225]
        self.transform = GeneralizedRCNNTransform(min_size, max_size, image_mean, image_std, **kwargs)
        self.score_thresh = score_thresh
        self.nms_thresh = nms_thresh
        self.detections_per_img = detections_per_img
        self.topk_candidates = topk_candidates
        self._has_warned = False

    def eager_outputs(self, losses, detections):
        """The losses in training mode, the detections in eval mode."""
        return losses if self.training else detections

    def compute_loss(self, targets, head_outputs, anchors):
        """Match the anchors to the targets and return the head's losses."""
        return self.head.compute_loss(targets, head_outputs, anchors,
                                      _match_anchors(self.proposal_matcher, anchors, targets))

    def postprocess_detections(self, head_outputs, anchors, image_shapes):
        """Per image: the best-scoring (anchor, class) pairs of every level, decoded, clipped to the image and
        filtered by per-class NMS (``head_outputs`` and ``anchors`` are split by level)."""
        detections = []
        for index, image_shape in enumerate(image_shapes):
            boxes_all, scores_all, labels_all = [], [], []
            for regression, logits, anchors_l in zip([br[index] for br in head_outputs["bbox_regression"]],
                                                     [cl[index] for cl in head_outputs["cls_logits"]],
                                                     anchors[index]):
                scores, anchor_idxs, labels = _select_topk(ember.sigmoid(logits).flatten(), logits.shape[-1],
                                                           self.score_thresh, self.topk_candidates)
                boxes = self.box_coder.decode_single(regression[anchor_idxs], anchors_l[anchor_idxs])
                boxes_all.append(clip_boxes_to_image(boxes, image_shape))
                scores_all.append(scores)
                labels_all.append(labels)
            boxes, scores, labels = ember.cat(boxes_all), ember.cat(scores_all), ember.cat(labels_all)
            keep = batched_nms(boxes, scores, labels, self.nms_thresh)[:self.detections_per_img]
            detections.append({"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]})
        return detections

    def forward(self, images, targets=None):
        if self.training:
            _check_targets(targets, show_shape=False)
        original_image_sizes = _original_sizes(images)
        images, targets = self.transform(images, targets)
        _check_degenerate(targets)
        features = _features_list(self.backbone(images.tensors))
        head_outputs = self.head(features)
        anchors = self.anchor_generator(images, features)
        losses, detections = {}, []
        if self.training:
            losses = self.compute_loss(targets, head_outputs, anchors)
        else:
            split_outputs, split_anchors = _split_outputs(head_outputs, anchors, features)
            detections = self.postprocess_detections(split_outputs, split_anchors, images.image_sizes)
            detections = self.transform.postprocess(detections, images.image_sizes, original_image_sizes)
        return self.eager_outputs(losses, detections)


class RetinaNet_ResNet50_FPN_Weights(WeightsEnum):
    """COCO weights of :func:`retinanet_resnet50_fpn` (``DEFAULT`` is ``COCO_V1``)."""

    COCO_V1 = _coco_weights("retinanet_resnet50_fpn_coco-eeacb38b.pth", 34014999, 36.4, 151.54, 130.267,
                            _DET_REFS + "#retinanet")
    DEFAULT = COCO_V1


class RetinaNet_ResNet50_FPN_V2_Weights(WeightsEnum):
    """COCO weights of :func:`retinanet_resnet50_fpn_v2` (``DEFAULT`` is ``COCO_V1``)."""

    COCO_V1 = _coco_weights("retinanet_resnet50_fpn_v2_coco-5905b1c5.pth", 38198935, 41.5, 152.238, 146.037,
                            "https://github.com/pytorch/vision/pull/5756")
    DEFAULT = COCO_V1


def _resolve_classes(weights, num_classes):
    # pre-trained weights fix the class count; otherwise COCO's 91
    if weights is not None:
        return _ovewrite_value_param("num_classes", num_classes, len(weights.meta["categories"]))
    return 91 if num_classes is None else num_classes


@_detection_builder(ResNet50_Weights.IMAGENET1K_V1)
def retinanet_resnet50_fpn(*, weights: RetinaNet_ResNet50_FPN_Weights | None = None, progress=True,
                           num_classes=None, weights_backbone: ResNet50_Weights | None = ResNet50_Weights.IMAGENET1K_V1,
                           trainable_backbone_layers=None, **kwargs):
    """RetinaNet with a ResNet-50-FPN backbone (P3-P7).

    Args:
        weights: :class:`RetinaNet_ResNet50_FPN_Weights` to load (or ``None``, default).
        progress: show a download progress bar (default True).
        num_classes: classes including background (default 91, or the weights' count).
        weights_backbone: ImageNet weights of the ResNet-50 (default ``IMAGENET1K_V1``; ``None`` for random).
        trainable_backbone_layers: trainable ResNet stages, 0 to 5 (default 3 with pre-trained weights, else 5).
        **kwargs: further arguments of :class:`RetinaNet`.

    Example::

        >>> model = retinanet_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3)
    """
    weights = RetinaNet_ResNet50_FPN_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    if weights is not None:
        weights_backbone = None
    num_classes = _resolve_classes(weights, num_classes)
    is_trained = weights is not None or weights_backbone is not None
    trainable_backbone_layers = _validate_trainable_layers(is_trained, trainable_backbone_layers, 5, 3)
    norm_layer = FrozenBatchNorm2d if is_trained else nn.BatchNorm2d
    backbone = resnet50(weights=weights_backbone, progress=progress, norm_layer=norm_layer)
    # P2 is left out: it would make too many anchors
    backbone = _resnet_fpn_extractor(backbone, trainable_backbone_layers, returned_layers=[2, 3, 4],
                                     extra_blocks=LastLevelP6P7(256, 256))
    model = RetinaNet(backbone, num_classes, **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
        if weights == RetinaNet_ResNet50_FPN_Weights.COCO_V1:
            det_utils.overwrite_eps(model, 0.0)
    return model


@_detection_builder(ResNet50_Weights.IMAGENET1K_V1)
def retinanet_resnet50_fpn_v2(*, weights: RetinaNet_ResNet50_FPN_V2_Weights | None = None, progress=True,
                              num_classes=None, weights_backbone: ResNet50_Weights | None = None,
                              trainable_backbone_layers=None, **kwargs):
    """RetinaNet v2 (improved recipe): ResNet-50-FPN with P6 from C5, group-norm heads and a GIoU box loss.

    Args:
        weights: :class:`RetinaNet_ResNet50_FPN_V2_Weights` to load (or ``None``, default).
        progress: show a download progress bar (default True).
        num_classes: classes including background (default 91, or the weights' count).
        weights_backbone: ImageNet weights of the ResNet-50 (default ``None``).
        trainable_backbone_layers: trainable ResNet stages, 0 to 5 (default 3 with pre-trained weights, else 5).
        **kwargs: further arguments of :class:`RetinaNet`.

    Example::

        >>> model = retinanet_resnet50_fpn_v2(num_classes=3)
    """
    weights = RetinaNet_ResNet50_FPN_V2_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    if weights is not None:
        weights_backbone = None
    num_classes = _resolve_classes(weights, num_classes)
    is_trained = weights is not None or weights_backbone is not None
    trainable_backbone_layers = _validate_trainable_layers(is_trained, trainable_backbone_layers, 5, 3)
    backbone = resnet50(weights=weights_backbone, progress=progress)
    backbone = _resnet_fpn_extractor(backbone, trainable_backbone_layers, returned_layers=[2, 3, 4],
                                     extra_blocks=LastLevelP6P7(2048, 256))
    anchor_generator = _default_anchorgen()
    head = RetinaNetHead(backbone.out_channels, anchor_generator.num_anchors_per_location()[0], num_classes,
                         norm_layer=partial(nn.GroupNorm, 32))
    head.regression_head._loss_type = "giou"
    model = RetinaNet(backbone, num_classes, anchor_generator=anchor_generator, head=head, **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model
