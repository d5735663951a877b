"""Keypoint R-CNN (the keypoint branch of He et al. 2017, "Mask R-CNN"; mirrors
``torchvision.models.detection.keypoint_rcnn``).

Faster R-CNN with a branch predicting, for each detection, one heatmap per keypoint (e.g. the 17 COCO body
joints); the arg-max of each heatmap, resized to the box, is the keypoint.

Example::

    >>> from ember.vision.models.detection import keypointrcnn_resnet50_fpn
    >>> model = keypointrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_keypoints=5, min_size=64,
    ...                                   max_size=96).eval()
    >>> out = model([ember.rand(3, 60, 80)])
    >>> sorted(out[0])
    ['boxes', 'keypoints', 'keypoints_scores', 'labels', 'scores']
"""

import functools
import inspect

import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import (_BASE_URL, Weights, WeightsEnum, _legacy_backbone, _legacy_weights_arg,
                                      _ovewrite_value_param, _warn_positional, register_model)
from ember.vision.models._presets import ObjectDetection
from ember.vision.models.detection import _utils as det_utils
from ember.vision.models.detection._utils import _DET_REFS
from ember.vision.models.detection.faster_rcnn import FasterRCNN, _load, _resnet50_fpn_backbone
from ember.vision.models.resnet import ResNet50_Weights
from ember.vision.ops import MultiScaleRoIAlign

__all__ = ["KeypointRCNN", "KeypointRCNN_ResNet50_FPN_Weights", "keypointrcnn_resnet50_fpn"]


class KeypointRCNN(FasterRCNN):
    """Keypoint R-CNN: :class:`FasterRCNN` plus a keypoint branch in the RoI heads.

    Training targets also need ``"keypoints"`` ``[K, num_keypoints, 3]`` (float32 ``x, y, visibility``; 0 means
    not visible); the losses add ``"loss_keypoint"``. In eval mode each detection dict also has ``"keypoints"``
    ``[K, num_keypoints, 3]`` and ``"keypoints_scores"`` ``[K, num_keypoints]``.

    Args:
        backbone, num_classes, ...: as :class:`FasterRCNN` (every argument of it is accepted); ``min_size``
            defaults to the multi-scale ``(640, 672, 704, 736, 768, 800)``.
        keypoint_roi_pool: pools the detections' features (default ``MultiScaleRoIAlign(["0", "1", "2", "3"],
            14, 2)``).
        keypoint_head: pooled features -> keypoint features (default :class:`KeypointRCNNHeads`, eight 512-channel
            convs).
        keypoint_predictor: features -> heatmaps (default :class:`KeypointRCNNPredictor`).
        num_keypoints: keypoints per object (default 17; give it only without ``keypoint_predictor``).

    Example::

        >>> from ember.vision.models.detection.backbone_utils import resnet_fpn_backbone
        >>> backbone = resnet_fpn_backbone(backbone_name="resnet18", weights=None, trainable_layers=5)
        >>> model = KeypointRCNN(backbone, num_classes=2, num_keypoints=4, min_size=64, max_size=64)
    """

    def __init__(self, backbone, num_classes=None, min_size=None, max_size=1333, image_mean=None, image_std=None,
                 rpn_anchor_generator=None, rpn_head=None, rpn_pre_nms_top_n_train=2000, rpn_pre_nms_top_n_test=1000,
                 rpn_post_nms_top_n_train=2000, rpn_post_nms_top_n_test=1000, rpn_nms_thresh=0.7,
                 rpn_fg_iou_thresh=0.7, rpn_bg_iou_thresh=0.3, rpn_batch_size_per_image=256,
                 rpn_positive_fraction=0.5, rpn_score_thresh=0.0, box_roi_pool=None, box_head=None,
                 box_predictor=None, box_score_thresh=0.05, box_nms_thresh=0.5, box_detections_per_img=100,
                 box_fg_iou_thresh=0.5, box_bg_iou_thresh=0.5, box_batch_size_per_image=512,
                 box_positive_fraction=0.25, bbox_reg_weights=None, keypoint_roi_pool=None, keypoint_head=None,
                 keypoint_predictor=None, num_keypoints=None, **kwargs):
        if not isinstance(keypoint_roi_pool, (MultiScaleRoIAlign, type(None))):
            raise TypeError(f"keypoint_roi_pool should be of type MultiScaleRoIAlign or None instead of "
                            f"{type(keypoint_roi_pool)}")
        if min_size is None:
            min_size = (640, 672, 704, 736, 768, 800)
        if num_keypoints is not None:
            if keypoint_predictor is not None:
                raise ValueError("num_keypoints should be None when keypoint_predictor is specified")
        else:
            num_keypoints = 17
        out_channels = backbone.out_channels
        if keypoint_roi_pool is None:
            keypoint_roi_pool = MultiScaleRoIAlign(featmap_names=["0", "1", "2", "3"], output_size=14,
                                                   sampling_ratio=2)
        if keypoint_head is None:
            keypoint_head = KeypointRCNNHeads(out_channels, tuple(512 for _ in range(8)))
        if keypoint_predictor is None:
            keypoint_predictor = KeypointRCNNPredictor(512, num_keypoints)
        super().__init__(
            backbone, num_classes, min_size, max_size, image_mean, image_std, rpn_anchor_generator, rpn_head,
            rpn_pre_nms_top_n_train, rpn_pre_nms_top_n_test, rpn_post_nms_top_n_train, rpn_post_nms_top_n_test,
            rpn_nms_thresh, rpn_fg_iou_thresh, rpn_bg_iou_thresh, rpn_batch_size_per_image, rpn_positive_fraction,
            rpn_score_thresh, box_roi_pool, box_head, box_predictor, box_score_thresh, box_nms_thresh,
            box_detections_per_img, box_fg_iou_thresh, box_bg_iou_thresh, box_batch_size_per_image,
            box_positive_fraction, bbox_reg_weights, **kwargs)
        self.roi_heads.keypoint_roi_pool = keypoint_roi_pool
        self.roi_heads.keypoint_head = keypoint_head
        self.roi_heads.keypoint_predictor = keypoint_predictor


class KeypointRCNNHeads(nn.Sequential):
    """The keypoint head: 3x3 conv-ReLU pairs.

    Args:
        in_channels: channels of the pooled features.
        layers: output channels of each convolution.

    Shapes:
        ``(N, in_channels, H, W)`` -> ``(N, layers[-1], H, W)``.

    Example::

        >>> KeypointRCNNHeads(8, [16, 16])(ember.randn(2, 8, 14, 14)).shape
        ember.Size([2, 16, 14, 14])
    """

    _version = 2

    def __init__(self, in_channels, layers):
        blocks = []
        previous = in_channels
        for channels in layers:
            blocks.append(nn.Conv2d(previous, channels, 3, stride=1, padding=1))
            blocks.append(nn.ReLU(inplace=True))
            previous = channels
        super().__init__(*blocks)
        for layer in self.children():
            if isinstance(layer, nn.Conv2d):
                nn.init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu")
                nn.init.constant_(layer.bias, 0)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        # version 1 named the convolutions "conv_fcn1" ...: they are now "0", "2" ...
        if local_metadata.get("version") is None or local_metadata.get("version") < 2:
            for i in range(len(self)):
                for kind in ("weight", "bias"):
                    old = f"{prefix}conv_fcn{i + 1}.{kind}"
                    if old in state_dict:
                        state_dict[f"{prefix}{2 * i}.{kind}"] = state_dict.pop(old)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class KeypointRCNNPredictor(nn.Module):
    """Keypoint heatmap logits: a stride-2 4x4 transposed convolution, then a 2x bilinear upsampling.

    Args:
        in_channels: channels of the keypoint features.
        num_keypoints: heatmaps (keypoints) per detection.

    Shapes:
        ``(N, in_channels, H, W)`` -> ``(N, num_keypoints, 4H, 4W)``.

    Example::

        >>> KeypointRCNNPredictor(8, 5)(ember.randn(2, 8, 14, 14)).shape
        ember.Size([2, 5, 56, 56])
    """

    def __init__(self, in_channels, num_keypoints):
        super().__init__()
        kernel = 4
        self.kps_score_lowres = nn.ConvTranspose2d(in_channels, num_keypoints, kernel, stride=2,
                                                   padding=kernel // 2 - 1)
        nn.init.kaiming_normal_(self.kps_score_lowres.weight, mode="fan_out", nonlinearity="relu")
        nn.init.constant_(self.kps_score_lowres.bias, 0)
        self.up_scale = 2
        self.out_channels = num_keypoints

    def forward(self, x):
        x = self.kps_score_lowres(x)
        return F.interpolate(x, scale_factor=float(self.up_scale), mode="bilinear", align_corners=False,
                             recompute_scale_factor=False)


_COCO_PERSON_CATEGORIES = ["no person", "person"]
_COCO_PERSON_KEYPOINT_NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
                               "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
                               "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]


def _keypoint_weights(file, box_map, kp_map, ops, recipe):
    meta = {"categories": _COCO_PERSON_CATEGORIES, "keypoint_names": _COCO_PERSON_KEYPOINT_NAMES,
            "min_size": (1, 1), "num_params": 59137258, "recipe": recipe,
            "_metrics": {"COCO-val2017": {"box_map": box_map, "kp_map": kp_map}}, "_ops": ops, "_file_size": 226.054}
    return Weights(url=_BASE_URL + file, transforms=ObjectDetection, meta=meta)


class KeypointRCNN_ResNet50_FPN_Weights(WeightsEnum):
    """COCO person-keypoint weights of :func:`keypointrcnn_resnet50_fpn` (``DEFAULT`` is ``COCO_V1``;
    ``COCO_LEGACY`` is the older training run, what ``pretrained="legacy"`` loads)."""

    COCO_LEGACY = _keypoint_weights("keypointrcnn_resnet50_fpn_coco-9f466800.pth", 50.6, 61.1, 133.924,
                                    "https://github.com/pytorch/vision/issues/1606")
    COCO_V1 = _keypoint_weights("keypointrcnn_resnet50_fpn_coco-fc266e95.pth", 54.6, 65.0, 137.42,
                                _DET_REFS + "#keypoint-r-cnn")
    DEFAULT = COCO_V1


def _keypoint_builder(fn):
    """The legacy calling forms of :func:`keypointrcnn_resnet50_fpn` (as ``_detection_builder``, except that
    ``pretrained="legacy"`` means ``COCO_LEGACY``), and its registration."""
    inner = _legacy_backbone(fn, ResNet50_Weights.IMAGENET1K_V1)
    names = [p.name for p in inspect.signature(fn).parameters.values() if p.kind is p.KEYWORD_ONLY]

    @functools.wraps(fn)
    def builder(*args, **kwargs):
        if args:
            named = dict(zip(names, args))
            _warn_positional(named)
            kwargs.update(named)
        flag = kwargs["weights"] if "weights" in kwargs else kwargs.get("pretrained")
        enum = KeypointRCNN_ResNet50_FPN_Weights
        _legacy_weights_arg(kwargs, "weights", "pretrained",
                            lambda: enum.COCO_LEGACY if flag == "legacy" else enum.COCO_V1)
        return inner(**kwargs)

    return register_model()(builder)


@_keypoint_builder
def keypointrcnn_resnet50_fpn(*, weights: KeypointRCNN_ResNet50_FPN_Weights | None = None, progress=True,
                              num_classes=None, num_keypoints=None,
                              weights_backbone: ResNet50_Weights | None = ResNet50_Weights.IMAGENET1K_V1,
                              trainable_backbone_layers=None, **kwargs):
    """Keypoint R-CNN with a ResNet-50-FPN backbone.

    Args:
        weights: :class:`KeypointRCNN_ResNet50_FPN_Weights` to load (or ``None``, default).
        progress: show a download progress bar (default True).
        num_classes: classes including background (default 2, or the weights' count).
        num_keypoints: keypoints per object (default 17, or the weights' count).
        weights_backbone: ImageNet weights of the ResNet-50 (default ``IMAGENET1K_V1``; ``None`` for random).
        trainable_backbone_layers: trainable ResNet stages, 0 to 5 (default 3 with pre-trained weights, else 5).
        **kwargs: further arguments of :class:`KeypointRCNN`.

    Example::

        >>> model = keypointrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_keypoints=5)
    """
    weights = KeypointRCNN_ResNet50_FPN_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    if weights is not None:
        weights_backbone = None
        num_classes = _ovewrite_value_param("num_classes", num_classes, len(weights.meta["categories"]))
        num_keypoints = _ovewrite_value_param("num_keypoints", num_keypoints, len(weights.meta["keypoint_names"]))
    else:
        num_classes = 2 if num_classes is None else num_classes
        num_keypoints = 17 if num_keypoints is None else num_keypoints
    backbone = _resnet50_fpn_backbone(weights, weights_backbone, progress, trainable_backbone_layers, v2=False)
    model = _load(KeypointRCNN(backbone, num_classes, num_keypoints=num_keypoints, **kwargs), weights, progress)
    if weights == KeypointRCNN_ResNet50_FPN_Weights.COCO_V1:
        det_utils.overwrite_eps(model, 0.0)
    return model
