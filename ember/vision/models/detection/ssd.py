"""SSD (Liu et al. 2015, "SSD: Single Shot MultiBox Detector"; mirrors ``torchvision.models.detection.ssd``).

Default boxes on several feature maps of decreasing resolution, a 3x3 convolution per map predicting class
scores (softmax, background is class 0) and box offsets, trained with hard negative mining.

Example::

    >>> from ember.vision.models.detection.ssd import SSD
    >>> from ember.vision.models.detection.anchor_utils import DefaultBoxGenerator
    >>> backbone = ember.nn.Sequential(ember.nn.Conv2d(3, 8, 3, stride=4, padding=1))
    >>> backbone.out_channels = [8]
    >>> model = SSD(backbone, DefaultBoxGenerator([[2]]), (32, 32), num_classes=3).eval()
    >>> sorted(model([ember.rand(3, 40, 30)])[0])
    ['boxes', 'labels', 'scores']
"""

import warnings
from collections import OrderedDict

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import WeightsEnum
from ember.vision.models.detection import _utils as det_utils
from ember.vision.models.detection._utils import _DET_REFS, _coco_weights, _detection_builder
from ember.vision.models.detection.anchor_utils import DefaultBoxGenerator
from ember.vision.models.detection.backbone_utils import _validate_trainable_layers
from ember.vision.models.detection.retinanet import (_check_degenerate, _check_targets, _features_list,
                                                     _match_anchors, _original_sizes, _per_anchor, _resolve_classes)
from ember.vision.models.detection.transform import GeneralizedRCNNTransform
from ember.vision.models.vgg import VGG16_Weights, vgg16
from ember.vision.ops import batched_nms, clip_boxes_to_image

__all__ = ["SSD300_VGG16_Weights", "ssd300_vgg16"]


class SSD300_VGG16_Weights(WeightsEnum):
    """COCO weights of :func:`ssd300_vgg16` (``DEFAULT`` is ``COCO_V1``)."""

    COCO_V1 = _coco_weights("ssd300_vgg16_coco-b556d3b4.pth", 35641826, 25.1, 34.858, 135.988,
                            _DET_REFS + "#ssd300-vgg16")
    DEFAULT = COCO_V1


def _xavier_init(conv):
    for layer in conv.modules():
        if isinstance(layer, nn.Conv2d):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.constant_(layer.bias, 0.0)


class SSDHead(nn.Module):
    """SSD's classification and regression heads (one 3x3 convolution per feature map each).

    Args:
        in_channels: channels of each feature map.
        num_anchors: default boxes per location of each map.
        num_classes: classes, background (0) included.

    Shapes:
        ``forward(x)`` returns ``{"bbox_regression": (N, HWA, 4), "cls_logits": (N, HWA, num_classes)}``.

    Example::

        >>> head = SSDHead([8, 16], [4, 6], 3)
        >>> out = head([ember.randn(1, 8, 4, 4), ember.randn(1, 16, 2, 2)])
        >>> tuple(out["cls_logits"].shape)
        (1, 88, 3)
    """

    def __init__(self, in_channels, num_anchors, num_classes):
        super().__init__()
        self.classification_head = SSDClassificationHead(in_channels, num_anchors, num_classes)
        self.regression_head = SSDRegressionHead(in_channels, num_anchors)

    def forward(self, x):
        return {"bbox_regression": self.regression_head(x), "cls_logits": self.classification_head(x)}


class SSDScoringHead(nn.Module):
    """One module per feature map whose outputs are laid out per default box and concatenated.

    Args:
        module_list: the per-map modules, each returning ``(N, A_i * num_columns, H_i, W_i)``.
        num_columns: values per default box.
    """

    def __init__(self, module_list, num_columns):
        super().__init__()
        self.module_list = module_list
        self.num_columns = num_columns

    def _get_result_from_module_list(self, x, idx):
        return self.module_list[idx](x)

    def forward(self, x):
        return ember.cat([_per_anchor(self._get_result_from_module_list(f, i), self.num_columns)
                          for i, f in enumerate(x)], dim=1)


class SSDClassificationHead(SSDScoringHead):
    """Class logits per default box: a 3x3 convolution per feature map (Xavier-initialised)."""

    def __init__(self, in_channels, num_anchors, num_classes):
        cls_logits = nn.ModuleList()
        for channels, anchors in zip(in_channels, num_anchors):
            cls_logits.append(nn.Conv2d(channels, num_classes * anchors, kernel_size=3, padding=1))
        _xavier_init(cls_logits)
        super().__init__(cls_logits, num_classes)


class SSDRegressionHead(SSDScoringHead):
    """Box offsets per default box: a 3x3 convolution per feature map (Xavier-initialised)."""

    def __init__(self, in_channels, num_anchors):
        bbox_reg = nn.ModuleList()
        for channels, anchors in zip(in_channels, num_anchors):
            bbox_reg.append(nn.Conv2d(channels, 4 * anchors, kernel_size=3, padding=1))
        _xavier_init(bbox_reg)
        super().__init__(bbox_reg, 4)


class SSD(nn.Module):
    """The Single Shot MultiBox Detector.

    In training mode ``forward(images, targets)`` returns ``{"bbox_regression", "classification"}`` losses
    (smooth L1 on the matched boxes; cross-entropy on the positives and the hardest negatives, ``(1 -
    positive_fraction) / positive_fraction`` of them per positive); in eval mode a list of ``{"boxes", "scores",
    "labels"}`` dicts, one per image, in the original image's pixels. Images are resized to ``size``.

    Args:
        backbone: returns the feature maps (a tensor or an ordered dict).
        anchor_generator: the :class:`DefaultBoxGenerator`.
        size: the ``(w, h)`` every image is resized to.
        num_classes: classes, background (0) included.
        image_mean, image_std: the transform's normalisation (default ImageNet's).
        head: the head (default :class:`SSDHead` over the backbone's channels, read from ``out_channels`` or
            found by running the backbone once).
        score_thresh: detections must score more than this (default 0.01).
        nms_thresh: the per-class NMS IoU threshold (default 0.45).
        detections_per_img: at most this many detections per image (default 200).
        iou_thresh: IoU from which a default box matches an object (default 0.5).
        topk_candidates: candidates kept per class before NMS (default 400).
        positive_fraction: the share of positives among the classification loss's examples (default 0.25).
        **kwargs: further arguments of :class:`GeneralizedRCNNTransform`.
    """

    __annotations__ = {"box_coder": det_utils.BoxCoder, "proposal_matcher": det_utils.Matcher}

    def __init__(self, backbone, anchor_generator, size, num_classes, image_mean=None, image_std=None, head=None,
                 score_thresh=0.01, nms_thresh=0.45, detections_per_img=200, iou_thresh=0.5, topk_candidates=400,
                 positive_fraction=0.25, **kwargs):
        super().__init__()
        self.backbone = backbone
        self.anchor_generator = anchor_generator
        self.box_coder = det_utils.BoxCoder(weights=(10.0, 10.0, 5.0, 5.0))
        if head is None:
            if hasattr(backbone, "out_channels"):
                out_channels = backbone.out_channels
            else:
                out_channels = det_utils.retrieve_out_channels(backbone, size)
            if len(out_channels) != len(anchor_generator.aspect_ratios):
                raise ValueError(f"The length of the output channels from the backbone ({len(out_channels)}) do not "
                                 f"match the length of the anchor generator aspect ratios "
                                 f"({len(anchor_generator.aspect_ratios)})")
            head = SSDHead(out_channels, self.anchor_generator.num_anchors_per_location(), num_classes)
        self.head = head
        self.proposal_matcher = det_utils.SSDMatcher(iou_thresh)
        if image_mean is None:
            image_mean = [0.485, 0.456, 0.406]
        if image_std is None:
            image_std = [0.229, 0.224, 0.225]
        self.transform = GeneralizedRCNNTransform(min(size), max(size), image_mean, image_std, size_divisible=1,
                                                  fixed_size=size, **kwargs)
        self.score_thresh = score_thresh
        self.nms_thresh = nms_thresh
        self.detections_per_img = detections_per_img
        self.topk_candidates = topk_candidates
        self.neg_to_pos_ratio = (1.0 - positive_fraction) / positive_fraction
        self._has_warned = False

    def eager_outputs(self, losses, detections):
        """The losses in training mode, the detections in eval mode."""
        return losses if self.training else detections

    def compute_loss(self, targets, head_outputs, anchors, matched_idxs):
        """Smooth-L1 box loss of the matched default boxes and cross-entropy over the positives plus the
        hardest negatives, both divided by the number of positives."""
        cls_logits = head_outputs["cls_logits"]
        num_foreground = 0
        box_losses, cls_targets = [], []
        for target, regression, logits, anchors_i, matched in zip(targets, head_outputs["bbox_regression"],
                                                                  cls_logits, anchors, matched_idxs):
            fg = ember.where(matched >= 0)[0]
            fg_matched = matched[fg]
            num_foreground += fg_matched.numel()
            target_regression = self.box_coder.encode_single(target["boxes"][fg_matched], anchors_i[fg, :])
            box_losses.append(F.smooth_l1_loss(regression[fg, :], target_regression, reduction="sum"))
            classes = ember.zeros((logits.size(0),), dtype=target["labels"].dtype, device=logits.device)
            classes[fg] = target["labels"][fg_matched]
            cls_targets.append(classes)
        box_loss = ember.stack(box_losses)
        cls_targets = ember.stack(cls_targets)

        num_classes = cls_logits.size(-1)
        cls_loss = F.cross_entropy(cls_logits.view(-1, num_classes), cls_targets.view(-1),
                                   reduction="none").view(cls_targets.size())
        # hard negative mining: per image, the negatives with the largest losses, neg_to_pos_ratio per positive
        foreground = cls_targets > 0
        num_negative = self.neg_to_pos_ratio * foreground.sum(1, keepdim=True)
        negative_loss = cls_loss.clone()
        negative_loss[foreground] = -float("inf")  # positives sort last
        _, order = negative_loss.sort(1, descending=True)
        background = order.sort(1)[1] < num_negative
        n = max(1, num_foreground)
        return {"bbox_regression": box_loss.sum() / n,
                "classification": (cls_loss[foreground].sum() + cls_loss[background].sum()) / n}

    def forward(self, images, targets=None):
        if self.training:
            _check_targets(targets)
        original_image_sizes = _original_sizes(images)
        images, targets = self.transform(images, targets)
        _check_degenerate(targets)
        features = _features_list(self.backbone(images.tensors))
        head_outputs = self.head(features)
        anchors = self.anchor_generator(images, features)
        losses, detections = {}, []
        if self.training:
            matched_idxs = _match_anchors(self.proposal_matcher, anchors, targets)
            losses = self.compute_loss(targets, head_outputs, anchors, matched_idxs)
        else:
            detections = self.postprocess_detections(head_outputs, anchors, images.image_sizes)
            detections = self.transform.postprocess(detections, images.image_sizes, original_image_sizes)
        return self.eager_outputs(losses, detections)

    def postprocess_detections(self, head_outputs, image_anchors, image_shapes):
        """Per image and class (background aside): the best ``topk_candidates`` boxes scoring above
        ``score_thresh`` (softmax), then per-class NMS."""
        pred_scores = F.softmax(head_outputs["cls_logits"], dim=-1)
        num_classes = pred_scores.size(-1)
        detections = []
        for regression, scores, anchors, image_shape in zip(head_outputs["bbox_regression"], pred_scores,
                                                            image_anchors, image_shapes):
            boxes = clip_boxes_to_image(self.box_coder.decode_single(regression, anchors), image_shape)
            boxes_all, scores_all, labels_all = [], [], []
            for label in range(1, num_classes):
                score = scores[:, label]
                keep = score > self.score_thresh
                score, box = score[keep], boxes[keep]
                score, idxs = score.topk(det_utils._topk_min(score, self.topk_candidates, 0))
                boxes_all.append(box[idxs])
                scores_all.append(score)
                labels_all.append(ember.full_like(score, fill_value=label, dtype=ember.int64))
            boxes_i, scores_i, labels_i = ember.cat(boxes_all), ember.cat(scores_all), ember.cat(labels_all)
            keep = batched_nms(boxes_i, scores_i, labels_i, self.nms_thresh)[:self.detections_per_img]
            detections.append({"boxes": boxes_i[keep], "scores": scores_i[keep], "labels": labels_i[keep]})
        return detections


class SSDFeatureExtractorVGG(nn.Module):
    """SSD300/512's feature maps from VGG's convolutions: conv4_3 (L2-normalised and rescaled by a learned
    per-channel weight), then fc6/fc7 as convolutions and the extra blocks conv8_2 ... conv11_2 (conv12_2 too
    when ``highres``).

    Args:
        backbone: VGG's ``features`` (an ``nn.Sequential`` with five max pools).
        highres: add the SSD512 block.

    Shapes:
        ``forward(x)`` returns an ``OrderedDict`` ``{"0": conv4_3, "1": fc7, "2": conv8_2, ...}``.
    """

    def __init__(self, backbone, highres):
        super().__init__()
        _, _, maxpool3_pos, maxpool4_pos, _ = (i for i, layer in enumerate(backbone) if isinstance(layer, nn.MaxPool2d))
        # the paper's map sizes (38x38 at conv4_3 for 300x300 inputs) need the third pool to round up
        backbone[maxpool3_pos].ceil_mode = True
        self.scale_weight = nn.Parameter(ember.ones(512) * 20)
        self.features = nn.Sequential(*backbone[:maxpool4_pos])  # up to conv4_3

        def block(cin, mid, cout, **last):
            return nn.Sequential(nn.Conv2d(cin, mid, kernel_size=1), nn.ReLU(inplace=True),
                                 nn.Conv2d(mid, cout, **last), nn.ReLU(inplace=True))

        extra = nn.ModuleList([
            block(1024, 256, 512, kernel_size=3, padding=1, stride=2),  # conv8_2
            block(512, 128, 256, kernel_size=3, padding=1, stride=2),  # conv9_2
            block(256, 128, 256, kernel_size=3),  # conv10_2
            block(256, 128, 256, kernel_size=3),  # conv11_2
        ])
        if highres:
            extra.append(block(256, 128, 256, kernel_size=4))  # conv12_2 (SSD512)
        _xavier_init(extra)
        fc = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=False),  # pool5, modified
            nn.Conv2d(in_channels=512, out_channels=1024, kernel_size=3, padding=6, dilation=6),  # fc6, atrous
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channels=1024, out_channels=1024, kernel_size=1),  # fc7
            nn.ReLU(inplace=True),
        )
        _xavier_init(fc)
        # conv5_x (VGG's last pool left out), then fc6/fc7
        extra.insert(0, nn.Sequential(*backbone[maxpool4_pos:-1], fc))
        self.extra = extra

    def forward(self, x):
        x = self.features(x)
        output = [self.scale_weight.view(1, -1, 1, 1) * F.normalize(x)]
        for block in self.extra:
            x = block(x)
            output.append(x)
        return OrderedDict([(str(i), v) for i, v in enumerate(output)])


def _vgg_extractor(backbone, highres, trainable_layers):
    features = backbone.features
    # stage boundaries: the start and every max pool but the last
    stage_indices = [0] + [i for i, b in enumerate(features) if isinstance(b, nn.MaxPool2d)][:-1]
    num_stages = len(stage_indices)
    if not 0 <= trainable_layers <= num_stages:
        raise AssertionError(f"trainable_layers should be in the range [0, {num_stages}]. Instead got "
                             f"{trainable_layers}")
    freeze_before = len(features) if trainable_layers == 0 else stage_indices[num_stages - trainable_layers]
    for b in features[:freeze_before]:
        for parameter in b.parameters():
            parameter.requires_grad_(False)
    return SSDFeatureExtractorVGG(features, highres)


@_detection_builder(VGG16_Weights.IMAGENET1K_FEATURES)
def ssd300_vgg16(*, weights: SSD300_VGG16_Weights | None = None, progress=True, num_classes=None,
                 weights_backbone: VGG16_Weights | None = VGG16_Weights.IMAGENET1K_FEATURES,
                 trainable_backbone_layers=None, **kwargs):
    """SSD300 with a VGG-16 backbone (inputs resized to 300x300).

    Args:
        weights: :class:`SSD300_VGG16_Weights` to load (or ``None``, default).
        progress: show a download progress bar (default True).
        num_classes: classes including background (default 91, or the weights' count).
        weights_backbone: VGG-16 weights (default ``IMAGENET1K_FEATURES``; ``None`` for random).
        trainable_backbone_layers: trainable VGG stages, 0 to 5 (default 4 with pre-trained weights, else 5).
        **kwargs: further arguments of :class:`SSD`.

    Example::

        >>> model = ssd300_vgg16(weights=None, weights_backbone=None, num_classes=3)
    """
    weights = SSD300_VGG16_Weights.verify(weights)
    weights_backbone = VGG16_Weights.verify(weights_backbone)
    if "size" in kwargs:
        warnings.warn("The size of the model is already fixed; ignoring the parameter.", stacklevel=2)
        kwargs.pop("size")
    if weights is not None:
        weights_backbone = None
    num_classes = _resolve_classes(weights, num_classes)
    is_trained = weights is not None or weights_backbone is not None
    trainable_backbone_layers = _validate_trainable_layers(is_trained, trainable_backbone_layers, 5, 4)
    backbone = _vgg_extractor(vgg16(weights=weights_backbone, progress=progress), False, trainable_backbone_layers)
    anchor_generator = DefaultBoxGenerator([[2], [2, 3], [2, 3], [2, 3], [2], [2]],
                                           scales=[0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05],
                                           steps=[8, 16, 32, 64, 100, 300])
    # VGG's Caffe-style inputs: mean-subtracted 0-255 values
    defaults = {"image_mean": [0.48235, 0.45882, 0.40784], "image_std": [1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0]}
    model = SSD(backbone, anchor_generator, (300, 300), num_classes, **{**defaults, **kwargs})
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model
