"""Faster R-CNN (Ren et al. 2015, "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal
Networks"; mirrors ``torchvision.models.detection.faster_rcnn``).

A two-stage detector: a region proposal network suggests boxes on the backbone's feature pyramid, and RoI heads
classify each pooled proposal and refine its box.

Example::

    >>> from ember.vision.models.detection import fasterrcnn_resnet50_fpn
    >>> model = fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3, min_size=64,
    ...                                 max_size=96).eval()
    >>> out = model([ember.rand(3, 60, 80)])
    >>> sorted(out[0])
    ['boxes', 'labels', 'scores']
"""

import ember.nn as nn
from ember.vision.models._api import WeightsEnum
from ember.vision.models.detection import _utils as det_utils
from ember.vision.models.detection._utils import _DET_REFS, _assert, _coco_weights, _detection_builder
from ember.vision.models.detection.anchor_utils import AnchorGenerator
from ember.vision.models.detection.backbone_utils import (_mobilenet_extractor, _resnet_fpn_extractor,
                                                          _validate_trainable_layers)
from ember.vision.models.detection.generalized_rcnn import GeneralizedRCNN
from ember.vision.models.detection.retinanet import _resolve_classes
from ember.vision.models.detection.roi_heads import RoIHeads
from ember.vision.models.detection.rpn import RegionProposalNetwork, RPNHead
from ember.vision.models.detection.transform import GeneralizedRCNNTransform
from ember.vision.models.mobilenetv3 import MobileNet_V3_Large_Weights, mobilenet_v3_large
from ember.vision.models.resnet import ResNet50_Weights, resnet50
from ember.vision.ops import Conv2dNormActivation, FrozenBatchNorm2d, MultiScaleRoIAlign

__all__ = ["FasterRCNN", "FasterRCNN_ResNet50_FPN_Weights", "FasterRCNN_ResNet50_FPN_V2_Weights",
           "FasterRCNN_MobileNet_V3_Large_FPN_Weights", "FasterRCNN_MobileNet_V3_Large_320_FPN_Weights",
           "fasterrcnn_resnet50_fpn", "fasterrcnn_resnet50_fpn_v2", "fasterrcnn_mobilenet_v3_large_fpn",
           "fasterrcnn_mobilenet_v3_large_320_fpn"]


def _default_anchorgen():
    # one size per pyramid level (P2-P6), three aspect ratios
    sizes = ((32,), (64,), (128,), (256,), (512,))
    return AnchorGenerator(sizes, ((0.5, 1.0, 2.0),) * len(sizes))


class FasterRCNN(GeneralizedRCNN):
    """Faster R-CNN: backbone (+ FPN) features, a region proposal network and box RoI heads.

    In training mode ``forward(images, targets)`` takes ``(C, H, W)`` float images and target dicts
    (``"boxes"`` ``[K, 4]`` ``x1, y1, x2, y2`` pixels, ``"labels"`` ``[K]`` int64) and returns the losses
    ``{"loss_classifier", "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"}``; in eval mode
    ``forward(images)`` returns per image ``{"boxes", "labels", "scores"}`` in the original image's pixels.

    Args:
        backbone: returns the feature maps; must have ``out_channels``.
        num_classes: classes including background (give it unless ``box_predictor`` is given).
        min_size, max_size, image_mean, image_std: the transform's resizing and normalisation.
        rpn_anchor_generator: an :class:`AnchorGenerator` (default: sizes 32-512 on 5 levels, 3 ratios).
        rpn_head: the RPN head (default :class:`RPNHead`).
        rpn_pre_nms_top_n_train, rpn_pre_nms_top_n_test: proposals kept per level before NMS.
        rpn_post_nms_top_n_train, rpn_post_nms_top_n_test: proposals kept per image after NMS.
        rpn_nms_thresh: the RPN's NMS threshold (default 0.7).
        rpn_fg_iou_thresh, rpn_bg_iou_thresh: the RPN matcher's thresholds (default 0.7 and 0.3).
        rpn_batch_size_per_image, rpn_positive_fraction: anchors sampled for the RPN losses.
        rpn_score_thresh: minimum objectness probability of a proposal (default 0.0).
        box_roi_pool: pools the proposals' features (default ``MultiScaleRoIAlign(["0", "1", "2", "3"], 7, 2)``).
        box_head: pooled features -> representation (default :class:`TwoMLPHead` of size 1024).
        box_predictor: representation -> class logits and boxes (default :class:`FastRCNNPredictor`).
        box_score_thresh: detections must score more than this (default 0.05).
        box_nms_thresh: per-class NMS threshold (default 0.5).
        box_detections_per_img: detections per image (default 100).
        box_fg_iou_thresh, box_bg_iou_thresh: the RoI matcher's thresholds (default 0.5 and 0.5).
        box_batch_size_per_image, box_positive_fraction: proposals sampled for the box losses (512, 0.25).
        bbox_reg_weights: the box coder's weights (default ``(10, 10, 5, 5)``).
        **kwargs: further arguments of :class:`GeneralizedRCNNTransform`.

    Example::

        >>> from ember.vision.models.detection.backbone_utils import resnet_fpn_backbone
        >>> backbone = resnet_fpn_backbone(backbone_name="resnet18", weights=None, trainable_layers=5)
        >>> model = FasterRCNN(backbone, num_classes=3, min_size=64, max_size=64).eval()
        >>> sorted(model([ember.rand(3, 64, 64)])[0])
        ['boxes', 'labels', 'scores']
    """

    def __init__(self, backbone, num_classes=None, min_size=800, max_size=1333, image_mean=None, image_std=None,
                 rpn_anchor_generator=None, rpn_head=None, rpn_pre_nms_top_n_train=2000, rpn_pre_nms_top_n_test=1000,
                 rpn_post_nms_top_n_train=2000, rpn_post_nms_top_n_test=1000, rpn_nms_thresh=0.7,
                 rpn_fg_iou_thresh=0.7, rpn_bg_iou_thresh=0.3, rpn_batch_size_per_image=256,
                 rpn_positive_fraction=0.5, rpn_score_thresh=0.0, box_roi_pool=None, box_head=None,
                 box_predictor=None, box_score_thresh=0.05, box_nms_thresh=0.5, box_detections_per_img=100,
                 box_fg_iou_thresh=0.5, box_bg_iou_thresh=0.5, box_batch_size_per_image=512,
                 box_positive_fraction=0.25, bbox_reg_weights=None, **kwargs):
        if not hasattr(backbone, "out_channels"):
            raise ValueError("backbone should contain an attribute out_channels specifying the number of output "
                             "channels (assumed to be the same for all the levels)")
        if not isinstance(rpn_anchor_generator, (AnchorGenerator, type(None))):
            raise TypeError(f"rpn_anchor_generator should be of type AnchorGenerator or None instead of "
                            f"{type(rpn_anchor_generator)}")
        if not isinstance(box_roi_pool, (MultiScaleRoIAlign, type(None))):
            raise TypeError(f"box_roi_pool should be of type MultiScaleRoIAlign or None instead of "
                            f"{type(box_roi_pool)}")
        if num_classes is not None:
            if box_predictor is not None:
                raise ValueError("num_classes should be None when box_predictor is specified")
        elif box_predictor is None:
            raise ValueError("num_classes should not be None when box_predictor is not specified")
        out_channels = backbone.out_channels
        if rpn_anchor_generator is None:
            rpn_anchor_generator = _default_anchorgen()
        if rpn_head is None:
            rpn_head = RPNHead(out_channels, rpn_anchor_generator.num_anchors_per_location()[0])
        rpn = RegionProposalNetwork(
            rpn_anchor_generator, rpn_head, rpn_fg_iou_thresh, rpn_bg_iou_thresh, rpn_batch_size_per_image,
            rpn_positive_fraction, dict(training=rpn_pre_nms_top_n_train, testing=rpn_pre_nms_top_n_test),
            dict(training=rpn_post_nms_top_n_train, testing=rpn_post_nms_top_n_test), rpn_nms_thresh,
            score_thresh=rpn_score_thresh)
        if box_roi_pool is None:
            box_roi_pool = MultiScaleRoIAlign(featmap_names=["0", "1", "2", "3"], output_size=7, sampling_ratio=2)
        if box_head is None:
            resolution = box_roi_pool.output_size[0]
            box_head = TwoMLPHead(out_channels * resolution ** 2, 1024)
        if box_predictor is None:
            box_predictor = FastRCNNPredictor(1024, num_classes)
        roi_heads = RoIHeads(box_roi_pool, box_head, box_predictor, box_fg_iou_thresh, box_bg_iou_thresh,
                             box_batch_size_per_image, box_positive_fraction, bbox_reg_weights, box_score_thresh,
                             box_nms_thresh, box_detections_per_img)
        if image_mean is None:
            image_mean = [0.485, 0.456, 0.406]
        if image_std is None:
            image_std = [0.229, 0.224, 0.225]
        transform = GeneralizedRCNNTransform(min_size, max_size, image_mean, image_std, **kwargs)
        super().__init__(backbone, rpn, roi_heads, transform)


class TwoMLPHead(nn.Module):
    """Two fully connected ReLU layers on the flattened pooled features (the FPN box head).

    Args:
        in_channels: size of the flattened input.
        representation_size: size of both layers.

    Shapes:
        ``(N, C, H, W)`` (``C * H * W == in_channels``) -> ``(N, representation_size)``.

    Example::

        >>> TwoMLPHead(8 * 7 * 7, 32)(ember.randn(5, 8, 7, 7)).shape
        ember.Size([5, 32])
    """

    def __init__(self, in_channels, representation_size):
        super().__init__()
        self.fc6 = nn.Linear(in_channels, representation_size)
        self.fc7 = nn.Linear(representation_size, representation_size)

    def forward(self, x):
        x = x.flatten(start_dim=1)
        return nn.functional.relu(self.fc7(nn.functional.relu(self.fc6(x))))


class FastRCNNConvFCHead(nn.Sequential):
    """A box head of 3x3 conv(-norm)-ReLU blocks, then fully connected ReLU layers (Faster R-CNN v2).

    Args:
        input_size: ``(C, H, W)`` of the pooled features.
        conv_layers: output channels of each convolution.
        fc_layers: sizes of the fully connected layers.
        norm_layer: norm layer of the convolutions (default ``None``).

    Shapes:
        ``(N, C, H, W)`` -> ``(N, fc_layers[-1])``.

    Example::

        >>> FastRCNNConvFCHead((8, 7, 7), [16, 16], [32])(ember.randn(2, 8, 7, 7)).shape
        ember.Size([2, 32])
    """

    def __init__(self, input_size, conv_layers, fc_layers, norm_layer=None):
        in_channels, in_height, in_width = input_size
        blocks = []
        previous = in_channels
        for channels in conv_layers:
            blocks.append(Conv2dNormActivation(previous, channels, norm_layer=norm_layer))
            previous = channels
        blocks.append(nn.Flatten())
        previous = previous * in_height * in_width
        for size in fc_layers:
            blocks.append(nn.Linear(previous, size))
            blocks.append(nn.ReLU(inplace=True))
            previous = size
        super().__init__(*blocks)
        for layer in self.modules():
            if isinstance(layer, nn.Conv2d):
                nn.init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu")
                if layer.bias is not None:
                    nn.init.zeros_(layer.bias)


class FastRCNNPredictor(nn.Module):
    """Class logits and per-class box offsets from the box head's representation.

    Args:
        in_channels: size of the representation.
        num_classes: classes including background.

    Shapes:
        ``(N, in_channels)`` (or ``(N, in_channels, 1, 1)``) -> ``((N, num_classes), (N, num_classes * 4))``.

    Example::

        >>> scores, deltas = FastRCNNPredictor(32, 3)(ember.randn(4, 32))
        >>> tuple(scores.shape), tuple(deltas.shape)
        ((4, 3), (4, 12))
    """

    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.cls_score = nn.Linear(in_channels, num_classes)
        self.bbox_pred = nn.Linear(in_channels, num_classes * 4)

    def forward(self, x):
        if x.dim() == 4:
            _assert(list(x.shape[2:]) == [1, 1], f"x has the wrong shape, expecting the last two dimensions to be "
                                                 f"[1,1] instead of {list(x.shape[2:])}")
        x = x.flatten(start_dim=1)
        return self.cls_score(x), self.bbox_pred(x)


_COMMON = _DET_REFS + "#faster-r-cnn-"


class FasterRCNN_ResNet50_FPN_Weights(WeightsEnum):
    """COCO weights of :func:`fasterrcnn_resnet50_fpn` (``DEFAULT`` is ``COCO_V1``)."""

    COCO_V1 = _coco_weights("fasterrcnn_resnet50_fpn_coco-258fb6c6.pth", 41755286, 37.0, 134.38, 159.743,
                            _COMMON + "resnet-50-fpn")
    DEFAULT = COCO_V1


class FasterRCNN_ResNet50_FPN_V2_Weights(WeightsEnum):
    """COCO weights of :func:`fasterrcnn_resnet50_fpn_v2` (``DEFAULT`` is ``COCO_V1``)."""

    COCO_V1 = _coco_weights("fasterrcnn_resnet50_fpn_v2_coco-dd69338a.pth", 43712278, 46.7, 280.371, 167.104,
                            "https://github.com/pytorch/vision/pull/5763")
    DEFAULT = COCO_V1


class FasterRCNN_MobileNet_V3_Large_FPN_Weights(WeightsEnum):
    """COCO weights of :func:`fasterrcnn_mobilenet_v3_large_fpn` (``DEFAULT`` is ``COCO_V1``)."""

    COCO_V1 = _coco_weights("fasterrcnn_mobilenet_v3_large_fpn-fb6a3cc7.pth", 19386354, 32.8, 4.494, 74.239,
                            _COMMON + "mobilenetv3-large-fpn")
    DEFAULT = COCO_V1


class FasterRCNN_MobileNet_V3_Large_320_FPN_Weights(WeightsEnum):
    """COCO weights of :func:`fasterrcnn_mobilenet_v3_large_320_fpn` (``DEFAULT`` is ``COCO_V1``)."""

    COCO_V1 = _coco_weights("fasterrcnn_mobilenet_v3_large_320_fpn-907ea3f9.pth", 19386354, 22.8, 0.719, 74.239,
                            _COMMON + "mobilenetv3-large-320-fpn")
    DEFAULT = COCO_V1


def _resnet50_fpn_backbone(weights, weights_backbone, progress, trainable_backbone_layers, v2):
    # the ResNet-50-FPN backbone of the R-CNN builders: frozen batch norm when pre-trained (v1), plain batch norm
    # in the FPN and everywhere (v2)
    is_trained = weights is not None or weights_backbone is not None
    trainable = _validate_trainable_layers(is_trained, trainable_backbone_layers, 5, 3)
    if v2:
        backbone = resnet50(weights=weights_backbone, progress=progress)
        return _resnet_fpn_extractor(backbone, trainable, norm_layer=nn.BatchNorm2d)
    norm_layer = FrozenBatchNorm2d if is_trained else nn.BatchNorm2d
    backbone = resnet50(weights=weights_backbone, progress=progress, norm_layer=norm_layer)
    return _resnet_fpn_extractor(backbone, trainable)


def _v2_heads(out_channels):
    # Faster R-CNN v2's RPN head (two convolutions) and conv-fc box head (batch norm)
    anchor_generator = _default_anchorgen()
    rpn_head = RPNHead(out_channels, anchor_generator.num_anchors_per_location()[0], conv_depth=2)
    box_head = FastRCNNConvFCHead((out_channels, 7, 7), [256, 256, 256, 256], [1024], norm_layer=nn.BatchNorm2d)
    return anchor_generator, rpn_head, box_head


def _load(model, weights, progress):
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


@_detection_builder(ResNet50_Weights.IMAGENET1K_V1)
def fasterrcnn_resnet50_fpn(*, weights: FasterRCNN_ResNet50_FPN_Weights | None = None, progress=True,
                            num_classes=None,
                            weights_backbone: ResNet50_Weights | None = ResNet50_Weights.IMAGENET1K_V1,
                            trainable_backbone_layers=None, **kwargs):
    """Faster R-CNN with a ResNet-50-FPN backbone.

    Args:
        weights: :class:`FasterRCNN_ResNet50_FPN_Weights` to load (or ``None``, default).
        progress: show a download progress bar (default True).
        num_classes: classes including background (default 91, or the weights' count).
        weights_backbone: ImageNet weights of the ResNet-50 (default ``IMAGENET1K_V1``; ``None`` for random).
        trainable_backbone_layers: trainable ResNet stages, 0 to 5 (default 3 with pre-trained weights, else 5).
        **kwargs: further arguments of :class:`FasterRCNN`.

    Example::

        >>> model = fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3)
    """
    weights = FasterRCNN_ResNet50_FPN_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    if weights is not None:
        weights_backbone = None
    num_classes = _resolve_classes(weights, num_classes)
    backbone = _resnet50_fpn_backbone(weights, weights_backbone, progress, trainable_backbone_layers, v2=False)
    model = _load(FasterRCNN(backbone, num_classes=num_classes, **kwargs), weights, progress)
    if weights == FasterRCNN_ResNet50_FPN_Weights.COCO_V1:
        det_utils.overwrite_eps(model, 0.0)
    return model


@_detection_builder(ResNet50_Weights.IMAGENET1K_V1)
def fasterrcnn_resnet50_fpn_v2(*, weights: FasterRCNN_ResNet50_FPN_V2_Weights | None = None, progress=True,
                               num_classes=None, weights_backbone: ResNet50_Weights | None = None,
                               trainable_backbone_layers=None, **kwargs):
    """Faster R-CNN v2 (Li et al. 2021, "Benchmarking Detection Transfer Learning with Vision Transformers"):
    ResNet-50-FPN with batch norm throughout, a two-convolution RPN head and a conv-fc box head.

    Args:
        weights: :class:`FasterRCNN_ResNet50_FPN_V2_Weights` to load (or ``None``, default).
        progress: show a download progress bar (default True).
        num_classes: classes including background (default 91, or the weights' count).
        weights_backbone: ImageNet weights of the ResNet-50 (default ``None``).
        trainable_backbone_layers: trainable ResNet stages, 0 to 5 (default 3 with pre-trained weights, else 5).
        **kwargs: further arguments of :class:`FasterRCNN`.

    Example::

        >>> model = fasterrcnn_resnet50_fpn_v2(num_classes=3)
    """
    weights = FasterRCNN_ResNet50_FPN_V2_Weights.verify(weights)
    weights_backbone = ResNet50_Weights.verify(weights_backbone)
    if weights is not None:
        weights_backbone = None
    num_classes = _resolve_classes(weights, num_classes)
    backbone = _resnet50_fpn_backbone(weights, weights_backbone, progress, trainable_backbone_layers, v2=True)
    anchor_generator, rpn_head, box_head = _v2_heads(backbone.out_channels)
    model = FasterRCNN(backbone, num_classes=num_classes, rpn_anchor_generator=anchor_generator, rpn_head=rpn_head,
                       box_head=box_head, **kwargs)
    return _load(model, weights, progress)


def _fasterrcnn_mobilenet_v3_large_fpn(weights, progress, num_classes, weights_backbone, trainable_backbone_layers,
                                       **kwargs):
    if weights is not None:
        weights_backbone = None
    num_classes = _resolve_classes(weights, num_classes)
    is_trained = weights is not None or weights_backbone is not None
    trainable = _validate_trainable_layers(is_trained, trainable_backbone_layers, 6, 3)
    norm_layer = FrozenBatchNorm2d if is_trained else nn.BatchNorm2d
    backbone = mobilenet_v3_large(weights=weights_backbone, progress=progress, norm_layer=norm_layer)
    backbone = _mobilenet_extractor(backbone, True, trainable)
    # all five sizes on each of the three maps
    sizes = ((32, 64, 128, 256, 512),) * 3
    anchor_generator = AnchorGenerator(sizes, ((0.5, 1.0, 2.0),) * len(sizes))
    model = FasterRCNN(backbone, num_classes, rpn_anchor_generator=anchor_generator, **kwargs)
    return _load(model, weights, progress)


@_detection_builder(MobileNet_V3_Large_Weights.IMAGENET1K_V1)
def fasterrcnn_mobilenet_v3_large_320_fpn(
        *, weights: FasterRCNN_MobileNet_V3_Large_320_FPN_Weights | None = None, progress=True, num_classes=None,
        weights_backbone: MobileNet_V3_Large_Weights | None = MobileNet_V3_Large_Weights.IMAGENET1K_V1,
        trainable_backbone_layers=None, **kwargs):
    """Faster R-CNN with a MobileNetV3-Large FPN backbone tuned for low resolution (320 pixels).

    Args:
        weights: :class:`FasterRCNN_MobileNet_V3_Large_320_FPN_Weights` to load (or ``None``, default).
        progress: show a download progress bar (default True).
        num_classes: classes including background (default 91, or the weights' count).
        weights_backbone: ImageNet weights of the MobileNetV3 (default ``IMAGENET1K_V1``; ``None`` for random).
        trainable_backbone_layers: trainable stages, 0 to 6 (default 3 with pre-trained weights, else 6).
        **kwargs: further arguments of :class:`FasterRCNN` (defaults here: ``min_size=320``, ``max_size=640``,
            ``rpn_pre_nms_top_n_test=150``, ``rpn_post_nms_top_n_test=150``, ``rpn_score_thresh=0.05``).

    Example::

        >>> model = fasterrcnn_mobilenet_v3_large_320_fpn(weights=None, weights_backbone=None, num_classes=3)
    """
    weights = FasterRCNN_MobileNet_V3_Large_320_FPN_Weights.verify(weights)
    weights_backbone = MobileNet_V3_Large_Weights.verify(weights_backbone)
    defaults = {"min_size": 320, "max_size": 640, "rpn_pre_nms_top_n_test": 150, "rpn_post_nms_top_n_test": 150,
                "rpn_score_thresh": 0.05}
    return _fasterrcnn_mobilenet_v3_large_fpn(weights, progress, num_classes, weights_backbone,
                                              trainable_backbone_layers, **{**defaults, **kwargs})


@_detection_builder(MobileNet_V3_Large_Weights.IMAGENET1K_V1)
def fasterrcnn_mobilenet_v3_large_fpn(
        *, weights: FasterRCNN_MobileNet_V3_Large_FPN_Weights | None = None, progress=True, num_classes=None,
        weights_backbone: MobileNet_V3_Large_Weights | None = MobileNet_V3_Large_Weights.IMAGENET1K_V1,
        trainable_backbone_layers=None, **kwargs):
    """Faster R-CNN with a MobileNetV3-Large FPN backbone.

    Args:
        weights: :class:`FasterRCNN_MobileNet_V3_Large_FPN_Weights` to load (or ``None``, default).
        progress: show a download progress bar (default True).
        num_classes: classes including background (default 91, or the weights' count).
        weights_backbone: ImageNet weights of the MobileNetV3 (default ``IMAGENET1K_V1``; ``None`` for random).
        trainable_backbone_layers: trainable stages, 0 to 6 (default 3 with pre-trained weights, else 6).
        **kwargs: further arguments of :class:`FasterRCNN` (default here: ``rpn_score_thresh=0.05``).

    Example::

        >>> model = fasterrcnn_mobilenet_v3_large_fpn(weights=None, weights_backbone=None, num_classes=3)
    """
    weights = FasterRCNN_MobileNet_V3_Large_FPN_Weights.verify(weights)
    weights_backbone = MobileNet_V3_Large_Weights.verify(weights_backbone)
    return _fasterrcnn_mobilenet_v3_large_fpn(weights, progress, num_classes, weights_backbone,
                                              trainable_backbone_layers, **{"rpn_score_thresh": 0.05, **kwargs})
