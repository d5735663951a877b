"""Mask R-CNN (He et al. 2017, "Mask R-CNN"; mirrors ``torchvision.models.detection.mask_rcnn``).

Faster R-CNN with a third branch: a small fully convolutional network predicts a mask for each detection, pasted
into the image at post-processing.

Example::

    >>> from ember.vision.models.detection import maskrcnn_resnet50_fpn
    >>> model = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3, min_size=64,
    ...                               max_size=96).eval()
    >>> out = model([ember.rand(3, 60, 80)])
    >>> sorted(out[0]), out[0]["masks"].shape[1:]
    (['boxes', 'labels', 'masks', 'scores'], ember.Size([1, 60, 80]))
"""

from collections import OrderedDict

import ember.nn as nn
from ember.vision.models._api import _BASE_URL, Weights, WeightsEnum
from ember.vision.models._meta import _COCO_CATEGORIES
from ember.vision.models._presets import ObjectDetection
from ember.vision.models.detection import _utils as det_utils
from ember.vision.models.detection._utils import _DET_REFS, _detection_builder
from ember.vision.models.detection.faster_rcnn import FasterRCNN, _load, _resnet50_fpn_backbone, _v2_heads
from ember.vision.models.detection.retinanet import _resolve_classes
from ember.vision.models.resnet import ResNet50_Weights
from ember.vision.ops import Conv2dNormActivation, MultiScaleRoIAlign

__all__ = ["MaskRCNN", "MaskRCNN_ResNet50_FPN_Weights", "MaskRCNN_ResNet50_FPN_V2_Weights", "maskrcnn_resnet50_fpn",
           "maskrcnn_resnet50_fpn_v2"]


class MaskRCNN(FasterRCNN):
    """Mask R-CNN: :class:`FasterRCNN` plus a mask branch in the RoI heads.

    Training targets also need ``"masks"`` ``(K, H, W)`` (uint8, one per box); the losses add ``"loss_mask"``. In
    eval mode each detection dict also has ``"masks"`` ``(K, 1, H, W)``: the mask probabilities pasted into the
    original image (threshold them, e.g. at 0.5, for binary masks).

    Args:
        backbone, num_classes, ...: as :class:`FasterRCNN` (every argument of it is accepted).
        mask_roi_pool: pools the detections' features (default ``MultiScaleRoIAlign(["0", "1", "2", "3"], 14,
            2)``).
        mask_head: pooled features -> mask features (default :class:`MaskRCNNHeads` of four 256-channel convs).
        mask_predictor: mask features -> per-class mask logits (default :class:`MaskRCNNPredictor`).

    Example::

        >>> from ember.vision.models.detection.backbone_utils import resnet_fpn_backbone
        >>> backbone = resnet_fpn_backbone(backbone_name="resnet18", weights=None, trainable_layers=5)
        >>> model = MaskRCNN(backbone, num_classes=3, min_size=64, max_size=64)
    """

    def __init__(self, backbone, num_classes=None, min_size=800, max_size=1333, image_mean=None, image_std=None,
                 rpn_anchor_generator=None, rpn_head=None, rpn_pre_nms_top_n_train=2000, rpn_pre_nms_top_n_test=1000,
                 rpn_post_nms_top_n_train=2000, rpn_post_nms_top_n_test=1000, rpn_nms_thresh=0.7,
                 rpn_fg_iou_thresh=0.7, rpn_bg_iou_thresh=0.3, rpn_batch_size_per_image=256,
                 rpn_positive_fraction=0.5, rpn_score_thresh=0.0, box_roi_pool=None, box_head=None,
                 box_predictor=None, box_score_thresh=0.05, box_nms_thresh=0.5, box_detections_per_img=100,
                 box_fg_iou_thresh=0.5, box_bg_iou_thresh=0.5, box_batch_size_per_image=512,
                 box_positive_fraction=0.25, bbox_reg_weights=None, mask_roi_pool=None, mask_head=None,
                 mask_predictor=None, **kwargs):
        if not isinstance(mask_roi_pool, (MultiScaleRoIAlign, type(None))):
            raise TypeError(f"mask_roi_pool should be of type MultiScaleRoIAlign or None instead of "
                            f"{type(mask_roi_pool)}")
        if num_classes is not None and mask_predictor is not None:
            raise ValueError("num_classes should be None when mask_predictor is specified")
        out_channels = backbone.out_channels
        if mask_roi_pool is None:
            mask_roi_pool = MultiScaleRoIAlign(featmap_names=["0", "1", "2", "3"], output_size=14, sampling_ratio=2)
        if mask_head is None:
            mask_head = MaskRCNNHeads(out_channels, (256, 256, 256, 256), 1)
        if mask_predictor is None:
            mask_predictor = MaskRCNNPredictor(256, 256, num_classes)
        super().__init__(
            backbone, num_classes, min_size, max_size, image_mean, image_std, rpn_anchor_generator, rpn_head,
            rpn_pre_nms_top_n_train, rpn_pre_nms_top_n_test, rpn_post_nms_top_n_train, rpn_post_nms_top_n_test,
            rpn_nms_thresh, rpn_fg_iou_thresh, rpn_bg_iou_thresh, rpn_batch_size_per_image, rpn_positive_fraction,
            rpn_score_thresh, box_roi_pool, box_head, box_predictor, box_score_thresh, box_nms_thresh,
            box_detections_per_img, box_fg_iou_thresh, box_bg_iou_thresh, box_batch_size_per_image,
            box_positive_fraction, bbox_reg_weights, **kwargs)
        self.roi_heads.mask_roi_pool = mask_roi_pool
        self.roi_heads.mask_head = mask_head
        self.roi_heads.mask_predictor = mask_predictor


class MaskRCNNHeads(nn.Sequential):
    """The mask head: 3x3 conv(-norm)-ReLU blocks.

    Args:
        in_channels: channels of the pooled features.
        layers: output channels of each block.
        dilation: dilation (and padding) of the convolutions.
        norm_layer: norm layer of the blocks (default ``None``).

    Shapes:
        ``(N, in_channels, H, W)`` -> ``(N, layers[-1], H, W)``.

    Example::

        >>> MaskRCNNHeads(8, [16, 16], 1)(ember.randn(2, 8, 14, 14)).shape
        ember.Size([2, 16, 14, 14])
    """

    _version = 2

    def __init__(self, in_channels, layers, dilation, norm_layer=None):
        blocks = []
        previous = in_channels
        for channels in layers:
            blocks.append(Conv2dNormActivation(previous, channels, kernel_size=3, stride=1, padding=dilation,
                                               dilation=dilation, norm_layer=norm_layer))
            previous = channels
        super().__init__(*blocks)
        for layer in self.modules():
            if isinstance(layer, nn.Conv2d):
                nn.init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu")
                if layer.bias is not None:
                    nn.init.zeros_(layer.bias)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        # version 1 named the convolutions "mask_fcn1" ...: they are now "0.0" ...
        if local_metadata.get("version") is None or local_metadata.get("version") < 2:
            for i in range(len(self)):
                for kind in ("weight", "bias"):
                    old = f"{prefix}mask_fcn{i + 1}.{kind}"
                    if old in state_dict:
                        state_dict[f"{prefix}{i}.0.{kind}"] = state_dict.pop(old)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class MaskRCNNPredictor(nn.Sequential):
    """Per-class mask logits: a stride-2 2x2 transposed convolution, ReLU and a 1x1 convolution.

    Args:
        in_channels: channels of the mask features.
        dim_reduced: channels of the upsampled features.
        num_classes: classes including background.

    Shapes:
        ``(N, in_channels, H, W)`` -> ``(N, num_classes, 2H, 2W)``.

    Example::

        >>> MaskRCNNPredictor(8, 4, 3)(ember.randn(2, 8, 14, 14)).shape
        ember.Size([2, 3, 28, 28])
    """

    def __init__(self, in_channels, dim_reduced, num_classes):
        super().__init__(OrderedDict([
            ("conv5_mask", nn.ConvTranspose2d(in_channels, dim_reduced, 2, 2, 0)),
            ("relu", nn.ReLU(inplace=True)),
            ("mask_fcn_logits", nn.Conv2d(dim_reduced, num_classes, 1, 1, 0)),
        ]))
        for name, param in self.named_parameters():
            if "weight" in name:
                nn.init.kaiming_normal_(param, mode="fan_out", nonlinearity="relu")


def _mask_weights(file, num_params, box_map, mask_map, ops, file_size, recipe):
    meta = {"categories": _COCO_CATEGORIES, "min_size": (1, 1), "num_params": num_params, "recipe": recipe,
            "_metrics": {"COCO-val2017": {"box_map": box_map, "mask_map": mask_map}}, "_ops": ops,
            "_file_size": file_size}
    return Weights(url=_BASE_URL + file, transforms=ObjectDetection, meta=meta)


class MaskRCNN_ResNet50_FPN_Weights(WeightsEnum):
    """COCO weights of :func:`maskrcnn_resnet50_fpn` (``DEFAULT`` is ``COCO_V1``)."""

    COCO_V1 = _mask_weights("maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth", 44401393, 37.9, 34.6, 134.38, 169.84,
                            _DET_REFS + "#mask-r-cnn")
    DEFAULT = COCO_V1


class MaskRCNN_ResNet50_FPN_V2_Weights(WeightsEnum):
    """COCO weights of :func:`maskrcnn_resnet50_fpn_v2` (``DEFAULT`` is ``COCO_V1``)."""

    COCO_V1 = _mask_weights("maskrcnn_resnet50_fpn_v2_coco-73cbd019.pth", 46359409, 47.4, 41.8, 333.577, 177.219,
                            "https://github.com/pytorch/vision/pull/5773")
    DEFAULT = COCO_V1


@_detection_builder(ResNet50_Weights.IMAGENET1K_V1)
def maskrcnn_resnet50_fpn(*, weights: MaskRCNN_ResNet50_FPN_Weights | None = None, progress=True, num_classes=None,
                          weights_backbone: ResNet50_Weights | None = ResNet50_Weights.IMAGENET1K_V1,
                          trainable_backbone_layers=None, **kwargs):
    """Mask R-CNN with a ResNet-50-FPN backbone.

    Args:
        weights: :class:`MaskRCNN_ResNet50_FPN_Weights` to load (or ``None``, default).
        progress: show a download progress bar (default True).
        num_classes: classes including background (default 91, or the weights' count).
        weights_backbone: ImageNet weights of the ResNet-50 (default ``IMAGENET1K_V1``; ``None`` for random).
        trainable_backbone_layers: trainable ResNet stages, 0 to 5 (default 3 with pre-trained weights, else 5).
        **kwargs: further arguments of :class:`MaskRCNN`.

    Example::

        >>> model = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3)
    """
    weights = MaskRCNN_ResNet50_FPN_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    if weights is not None:
        weights_backbone = None
    num_classes = _resolve_classes(weights, num_classes)
    backbone = _resnet50_fpn_backbone(weights, weights_backbone, progress, trainable_backbone_layers, v2=False)
    model = _load(MaskRCNN(backbone, num_classes=num_classes, **kwargs), weights, progress)
    if weights == MaskRCNN_ResNet50_FPN_Weights.COCO_V1:
        det_utils.overwrite_eps(model, 0.0)
    return model


@_detection_builder(ResNet50_Weights.IMAGENET1K_V1)
def maskrcnn_resnet50_fpn_v2(*, weights: MaskRCNN_ResNet50_FPN_V2_Weights | None = None, progress=True,
                             num_classes=None, weights_backbone: ResNet50_Weights | None = None,
                             trainable_backbone_layers=None, **kwargs):
    """Mask R-CNN v2: the Faster R-CNN v2 recipe (batch norm throughout, two-convolution RPN head, conv-fc box
    head) with a batch-normalised mask head.

    Args:
        weights: :class:`MaskRCNN_ResNet50_FPN_V2_Weights` to load (or ``None``, default).
        progress: show a download progress bar (default True).
        num_classes: classes including background (default 91, or the weights' count).
        weights_backbone: ImageNet weights of the ResNet-50 (default ``None``).
        trainable_backbone_layers: trainable ResNet stages, 0 to 5 (default 3 with pre-trained weights, else 5).
        **kwargs: further arguments of :class:`MaskRCNN`.

    Example::

        >>> model = maskrcnn_resnet50_fpn_v2(num_classes=3)
    """
    weights = MaskRCNN_ResNet50_FPN_V2_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    if weights is not None:
        weights_backbone = None
    num_classes = _resolve_classes(weights, num_classes)
    backbone = _resnet50_fpn_backbone(weights, weights_backbone, progress, trainable_backbone_layers, v2=True)
    anchor_generator, rpn_head, box_head = _v2_heads(backbone.out_channels)
    mask_head = MaskRCNNHeads(backbone.out_channels, [256, 256, 256, 256], 1, norm_layer=nn.BatchNorm2d)
    model = MaskRCNN(backbone, num_classes=num_classes, rpn_anchor_generator=anchor_generator, rpn_head=rpn_head,
                     box_head=box_head, mask_head=mask_head, **kwargs)
    return _load(model, weights, progress)
