"""FCOS (Tian et al. 2019, "FCOS: Fully Convolutional One-Stage Object Detection"; mirrors
``torchvision.models.detection.fcos``).

An anchor-free detector: every location of every pyramid level predicts class logits, the distances to the four
sides of its object and a centerness score; locations are assigned to objects by centre sampling and a size
range per level.

Example::

    >>> from ember.vision.models.detection import fcos_resnet50_fpn
    >>> model = fcos_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3, min_size=64, max_size=64)
    >>> sorted(model.eval()([ember.rand(3, 64, 64)])[0])
    ['boxes', 'labels', 'scores']
"""

import math
from functools import partial

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import WeightsEnum
from ember.vision.models.detection import _utils as det_utils
from ember.vision.models.detection._utils import _DET_REFS, _coco_weights, _detection_builder
from ember.vision.models.detection.anchor_utils import AnchorGenerator
from ember.vision.models.detection.backbone_utils import _resnet_fpn_extractor, _validate_trainable_layers
from ember.vision.models.detection.retinanet import (_check_degenerate, _check_targets, _features_list,
                                                     _init_tower, _original_sizes, _per_anchor, _resolve_classes,
                                                     _select_topk, _split_outputs)
from ember.vision.models.detection.transform import GeneralizedRCNNTransform
from ember.vision.models.resnet import ResNet50_Weights, resnet50
from ember.vision.ops import FrozenBatchNorm2d, batched_nms, clip_boxes_to_image, generalized_box_iou_loss
from ember.vision.ops import sigmoid_focal_loss
from ember.vision.ops.feature_pyramid_network import LastLevelP6P7

__all__ = ["FCOS", "FCOS_ResNet50_FPN_Weights", "fcos_resnet50_fpn"]


def _conv_tower(in_channels, num_convs, norm_layer, init=True):
    # num_convs x (3x3 conv, norm, ReLU), weights N(0, 0.01) and zero biases (init=False: the caller initialises
    # later with _init_tower, to keep torchvision's random draw order)
    if norm_layer is None:
        norm_layer = partial(nn.GroupNorm, 32)
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1), norm_layer(in_channels),
                   nn.ReLU()]
    conv = nn.Sequential(*layers)
    if init:
        _init_tower(conv)
    return conv


class FCOSHead(nn.Module):
    """The FCOS classification and regression (+ centerness) heads, shared over the pyramid levels.

    Args:
        in_channels: channels of the feature maps.
        num_anchors: locations' "anchors" per cell (1 for FCOS).
        num_classes: classes.
        num_convs: conv blocks in each head's tower (default 4).

    Shapes:
        ``forward(x)`` returns ``{"cls_logits": (N, HWA, num_classes), "bbox_regression": (N, HWA, 4),
        "bbox_ctrness": (N, HWA, 1)}``.

    Example::

        >>> head = FCOSHead(32, 1, 3, num_convs=1)
        >>> {k: tuple(v.shape) for k, v in head([ember.randn(1, 32, 4, 4)]).items()}
        {'cls_logits': (1, 16, 3), 'bbox_regression': (1, 16, 4), 'bbox_ctrness': (1, 16, 1)}
    """

    __annotations__ = {"box_coder": det_utils.BoxLinearCoder}

    def __init__(self, in_channels, num_anchors, num_classes, num_convs=4):
        super().__init__()
        self.box_coder = det_utils.BoxLinearCoder(normalize_by_size=True)
        self.classification_head = FCOSClassificationHead(in_channels, num_anchors, num_classes, num_convs)
        self.regression_head = FCOSRegressionHead(in_channels, num_anchors, num_convs)

    def compute_loss(self, targets, head_outputs, anchors, matched_idxs):
        """``{"classification": focal loss, "bbox_regression": GIoU loss, "bbox_ctrness": BCE}``, each summed
        over the batch and divided by the number of foreground locations."""
        cls_logits = head_outputs["cls_logits"]
        gt_classes, gt_boxes = [], []
        for target, matched in zip(targets, matched_idxs):
            if len(target["labels"]) == 0:
                classes = target["labels"].new_zeros((len(matched),))
                boxes = target["boxes"].new_zeros((len(matched), 4))
            else:
                classes = target["labels"][matched.clip(min=0)]
                boxes = target["boxes"][matched.clip(min=0)]
            classes[matched < 0] = -1  # background
            gt_classes.append(classes)
            gt_boxes.append(boxes)
        gt_boxes, gt_classes, anchors = ember.stack(gt_boxes), ember.stack(gt_classes), ember.stack(anchors)
        foreground = gt_classes >= 0
        num_foreground = max(1, int(foreground.sum().item()))

        cls_target = ember.zeros_like(cls_logits)
        cls_target[foreground, gt_classes[foreground]] = 1.0
        loss_cls = sigmoid_focal_loss(cls_logits, cls_target, reduction="sum")

        pred_boxes = self.box_coder.decode(head_outputs["bbox_regression"], anchors)
        loss_reg = generalized_box_iou_loss(pred_boxes[foreground], gt_boxes[foreground], reduction="sum")

        reg_targets = self.box_coder.encode(anchors, gt_boxes)
        if len(reg_targets) == 0:
            ctr_target = reg_targets.new_zeros(reg_targets.size()[:-1])
        else:
            lr, tb = reg_targets[:, :, [0, 2]], reg_targets[:, :, [1, 3]]
            ctr_target = ember.sqrt((lr.min(dim=-1)[0] / lr.max(dim=-1)[0]) * (tb.min(dim=-1)[0] / tb.max(dim=-1)[0]))
        pred_ctr = head_outputs["bbox_ctrness"].squeeze(dim=2)
        loss_ctr = F.binary_cross_entropy_with_logits(pred_ctr[foreground], ctr_target[foreground], reduction="sum")
        return {"classification": loss_cls / num_foreground, "bbox_regression": loss_reg / num_foreground,
                "bbox_ctrness": loss_ctr / num_foreground}

    def forward(self, x):
        regression, ctrness = self.regression_head(x)
        return {"cls_logits": self.classification_head(x), "bbox_regression": regression, "bbox_ctrness": ctrness}


class FCOSClassificationHead(nn.Module):
    """Per-location class logits: a tower of conv-GroupNorm-ReLU blocks and a 3x3 convolution whose bias starts
    at ``-log((1 - prior_probability) / prior_probability)``.

    Args:
        in_channels: channels of the feature maps.
        num_anchors: anchors per cell.
        num_classes: classes.
        num_convs: tower blocks (default 4).
        prior_probability: initial foreground probability (default 0.01).
        norm_layer: the tower's norm layer (default ``GroupNorm(32, C)``).

    Shapes:
        ``forward(x)`` returns ``(N, HWA, num_classes)``.
    """

    def __init__(self, in_channels, num_anchors, num_classes, num_convs=4, prior_probability=0.01,
                 norm_layer=None):
        super().__init__()
        self.num_classes = num_classes
        self.num_anchors = num_anchors
        self.conv = _conv_tower(in_channels, num_convs, norm_layer)
        self.cls_logits = nn.Conv2d(in_channels, num_anchors * num_classes, kernel_size=3, stride=1, padding=1)
        nn.init.normal_(self.cls_logits.weight, std=0.01)
        nn.init.constant_(self.cls_logits.bias, -math.log((1 - prior_probability) / prior_probability))

    def forward(self, x):
        return ember.cat([_per_anchor(self.cls_logits(self.conv(f)), self.num_classes) for f in x], dim=1)


class FCOSRegressionHead(nn.Module):
    """Per-location side distances (through a ReLU) and centerness logits from a shared conv tower.

    Args:
        in_channels: channels of the feature maps.
        num_anchors: anchors per cell.
        num_convs: tower blocks (default 4).
        norm_layer: the tower's norm layer (default ``GroupNorm(32, C)``).

    Shapes:
        ``forward(x)`` returns ``((N, HWA, 4), (N, HWA, 1))``.
    """

    def __init__(self, in_channels, num_anchors, num_convs=4, norm_layer=None):
        super().__init__()
        # torchvision's draw order: tower built, output convs built and initialised, then the tower initialised
        self.conv = _conv_tower(in_channels, num_convs, norm_layer, init=False)
        self.bbox_reg = nn.Conv2d(in_channels, num_anchors * 4, kernel_size=3, stride=1, padding=1)
        self.bbox_ctrness = nn.Conv2d(in_channels, num_anchors * 1, kernel_size=3, stride=1, padding=1)
        for layer in (self.bbox_reg, self.bbox_ctrness):
            nn.init.normal_(layer.weight, std=0.01)
            nn.init.zeros_(layer.bias)
        _init_tower(self.conv)

    def forward(self, x):
        regressions, ctrness = [], []
        for features in x:
            feature = self.conv(features)
            regressions.append(_per_anchor(F.relu(self.bbox_reg(feature)), 4))
            ctrness.append(_per_anchor(self.bbox_ctrness(feature), 1))
        return ember.cat(regressions, dim=1), ember.cat(ctrness, dim=1)


class FCOS(nn.Module):
    """FCOS: backbone + FPN features, one point per cell, classification/regression/centerness heads.

    In training mode ``forward(images, targets)`` returns ``{"classification", "bbox_regression",
    "bbox_ctrness"}`` losses; in eval mode a list of ``{"boxes", "scores", "labels"}`` dicts, one per image,
    with boxes in the original image's pixels. The score of a detection is ``sqrt(sigmoid(class logit) *
    sigmoid(centerness))``.

    Args:
        backbone: returns the feature maps; must have ``out_channels``.
        num_classes: classes of the head.
        min_size, max_size: the transform's resizing (default 800 and 1333).
        image_mean, image_std: the transform's normalisation (default ImageNet's).
        anchor_generator: one anchor per cell per level (default sizes 8 to 128, the levels' strides).
        head: the head (default :class:`FCOSHead`).
        center_sampling_radius: a point matches an object only within this many strides of its centre
            (default 1.5).
        score_thresh: detections must score more than this (default 0.2).
        nms_thresh: the per-class NMS IoU threshold (default 0.6).
        detections_per_img: at most this many detections per image (default 100).
        topk_candidates: candidates kept per level before NMS (default 1000).
        **kwargs: further arguments of :class:`GeneralizedRCNNTransform`.

    Example::

        >>> from ember.vision.models.detection.backbone_utils import resnet_fpn_backbone
        >>> backbone = resnet_fpn_backbone(backbone_name="resnet18", weights=None, returned_layers=[2, 3, 4],
        ...                                extra_blocks=LastLevelP6P7(256, 256))
        >>> model = FCOS(backbone, num_classes=3, min_size=64, max_size=64)
    """

    __annotations__ = {"box_coder": det_utils.BoxLinearCoder}

    def __init__(self, backbone, num_classes, min_size=800, max_size=1333, image_mean=None, image_std=None,
                 anchor_generator=None, head=None, center_sampling_radius=1.5, score_thresh=0.2, nms_thresh=0.6,
                 detections_per_img=100, topk_candidates=1000, **kwargs):
        super().__init__()
        if not hasattr(backbone, "out_channels"):
            raise ValueError("backbone should contain an attribute out_channels specifying the number of output "
                             "channels (assumed to be the same for all the levels)")
        self.backbone = backbone
        if not isinstance(anchor_generator, (AnchorGenerator, type(None))):
            raise TypeError(f"anchor_generator should be of type AnchorGenerator or None, instead  got "
                            f"{type(anchor_generator)}")
        if anchor_generator is None:
            sizes = ((8,), (16,), (32,), (64,), (128,))  # the levels' strides
            anchor_generator = AnchorGenerator(sizes, ((1.0,),) * len(sizes))
        self.anchor_generator = anchor_generator
        if self.anchor_generator.num_anchors_per_location()[0] != 1:
            raise ValueError(f"anchor_generator.num_anchors_per_location()[0] should be 1 instead of "
                             f"{anchor_generator.num_anchors_per_location()[0]}")
        if head is None:
            head = FCOSHead(backbone.out_channels, anchor_generator.num_anchors_per_location()[0], num_classes)
        self.head = head
        self.box_coder = det_utils.BoxLinearCoder(normalize_by_size=True)
        if image_mean is None:
            image_mean = [0.485, 0.456, 0.406]
        if image_std is None:
            image_std = [0.229, 0.224, 0.225]
        self.transform = GeneralizedRCNNTransform(min_size, max_size, image_mean, image_std, **kwargs)
        self.center_sampling_radius = center_sampling_radius
        self.score_thresh = score_thresh
        self.nms_thresh = nms_thresh
        self.detections_per_img = detections_per_img
        self.topk_candidates = topk_candidates
        self._has_warned = False

    def eager_outputs(self, losses, detections):
        """The losses in training mode, the detections in eval mode."""
        return losses if self.training else detections

    def compute_loss(self, targets, head_outputs, anchors, num_anchors_per_level):
        """Assign every location to the smallest object that contains it, lies within the centre-sampling
        radius and fits the level's size range (else background, -1), then return the head's losses."""
        matched_idxs = []
        for anchors_i, target in zip(anchors, targets):
            if target["boxes"].numel() == 0:
                matched_idxs.append(ember.full((anchors_i.size(0),), -1, dtype=ember.int64, device=anchors_i.device))
                continue
            gt_boxes = target["boxes"]
            gt_centers = (gt_boxes[:, :2] + gt_boxes[:, 2:]) / 2
            centers = (anchors_i[:, :2] + anchors_i[:, 2:]) / 2
            sizes = anchors_i[:, 2] - anchors_i[:, 0]
            # centre sampling: the point lies near the object's centre
            match = (centers[:, None, :] - gt_centers[None, :, :]).abs().max(dim=2).values \
                < self.center_sampling_radius * sizes[:, None]
            # distances from each point (rows) to the sides of each object (columns)
            x, y = centers[:, 0:1], centers[:, 1:2]
            x0, y0, x1, y1 = (gt_boxes[None, :, i] for i in range(4))
            dist = ember.stack([x - x0, y - y0, x1 - x, y1 - y], dim=2)
            match = match & (dist.min(dim=2).values > 0)  # inside the object
            # each level handles objects of one size range
            lower = sizes * 4
            lower[:num_anchors_per_level[0]] = 0
            upper = sizes * 8
            upper[-num_anchors_per_level[-1]:] = float("inf")
            reach = dist.max(dim=2).values
            match = match & (reach > lower[:, None]) & (reach < upper[:, None])
            # among several candidates the smallest object wins
            areas = (gt_boxes[:, 2] - gt_boxes[:, 0]) * (gt_boxes[:, 3] - gt_boxes[:, 1])
            weighted = match.to(ember.float32) * (1e8 - areas[None, :])
            best, matched = weighted.max(dim=1)
            matched[best < 1e-5] = -1
            matched_idxs.append(matched)
        return self.head.compute_loss(targets, head_outputs, anchors, matched_idxs)

    def postprocess_detections(self, head_outputs, anchors, image_shapes):
        """Per image: the best (location, class) pairs of every level by ``sqrt(class prob * centerness)``,
        decoded, clipped and filtered by per-class NMS."""
        detections = []
        for index, image_shape in enumerate(image_shapes):
            boxes_all, scores_all, labels_all = [], [], []
            for regression, logits, ctrness, anchors_l in zip([r[index] for r in head_outputs["bbox_regression"]],
                                                              [c[index] for c in head_outputs["cls_logits"]],
                                                              [c[index] for c in head_outputs["bbox_ctrness"]],
                                                              anchors[index]):
                scores = ember.sqrt(ember.sigmoid(logits) * ember.sigmoid(ctrness)).flatten()
                scores, anchor_idxs, labels = _select_topk(scores, logits.shape[-1], self.score_thresh,
                                                           self.topk_candidates)
                boxes = self.box_coder.decode(regression[anchor_idxs], anchors_l[anchor_idxs])
                boxes_all.append(clip_boxes_to_image(boxes, image_shape))
                scores_all.append(scores)
                labels_all.append(labels)
            boxes, scores, labels = ember.cat(boxes_all), ember.cat(scores_all), ember.cat(labels_all)
            keep = batched_nms(boxes, scores, labels, self.nms_thresh)[:self.detections_per_img]
            detections.append({"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]})
        return detections

    def forward(self, images, targets=None):
        if self.training:
            _check_targets(targets)
        original_image_sizes = _original_sizes(images)
        images, targets = self.transform(images, targets)
        _check_degenerate(targets)
        features = _features_list(self.backbone(images.tensors))
        head_outputs = self.head(features)
        anchors = self.anchor_generator(images, features)
        num_anchors_per_level = [x.size(2) * x.size(3) for x in features]
        losses, detections = {}, []
        if self.training:
            losses = self.compute_loss(targets, head_outputs, anchors, num_anchors_per_level)
        else:
            split_outputs, split_anchors = _split_outputs(head_outputs, anchors, features)
            detections = self.postprocess_detections(split_outputs, split_anchors, images.image_sizes)
            detections = self.transform.postprocess(detections, images.image_sizes, original_image_sizes)
        return self.eager_outputs(losses, detections)


class FCOS_ResNet50_FPN_Weights(WeightsEnum):
    """COCO weights of :func:`fcos_resnet50_fpn` (``DEFAULT`` is ``COCO_V1``)."""

    COCO_V1 = _coco_weights("fcos_resnet50_fpn_coco-99b0c9b7.pth", 32269600, 39.2, 128.207, 123.608,
                            _DET_REFS + "#fcos-resnet-50-fpn")
    DEFAULT = COCO_V1


@_detection_builder(ResNet50_Weights.IMAGENET1K_V1)
def fcos_resnet50_fpn(*, weights: FCOS_ResNet50_FPN_Weights | None = None, progress=True, num_classes=None,
                      weights_backbone: ResNet50_Weights | None = ResNet50_Weights.IMAGENET1K_V1,
                      trainable_backbone_layers=None, **kwargs):
    """FCOS with a ResNet-50-FPN backbone (P3-P7).

    Args:
        weights: :class:`FCOS_ResNet50_FPN_Weights` to load (or ``None``, default).
        progress: show a download progress bar (default True).
        num_classes: classes including background (default 91, or the weights' count).
        weights_backbone: ImageNet weights of the ResNet-50 (default ``IMAGENET1K_V1``; ``None`` for random).
        trainable_backbone_layers: trainable ResNet stages, 0 to 5 (default 3 with pre-trained weights, else 5).
        **kwargs: further arguments of :class:`FCOS`.

    Example::

        >>> model = fcos_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3)
    """
    weights = FCOS_ResNet50_FPN_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    if weights is not None:
        weights_backbone = None
    num_classes = _resolve_classes(weights, num_classes)
    is_trained = weights is not None or weights_backbone is not None
    trainable_backbone_layers = _validate_trainable_layers(is_trained, trainable_backbone_layers, 5, 3)
    norm_layer = FrozenBatchNorm2d if is_trained else nn.BatchNorm2d
    backbone = resnet50(weights=weights_backbone, progress=progress, norm_layer=norm_layer)
    backbone = _resnet_fpn_extractor(backbone, trainable_backbone_layers, returned_layers=[2, 3, 4],
                                     extra_blocks=LastLevelP6P7(256, 256))
    model = FCOS(backbone, num_classes, **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model
