"""What the segmentation models share (mirrors ``torchvision.models.segmentation._utils``): the backbone +
classifier wrapper, plus the builder plumbing of their weights."""

import functools
from collections import OrderedDict

import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import (_BASE_URL, Weights, _legacy_backbone, _legacy_builder,
                                      _ovewrite_value_param, register_model)
from ember.vision.models._meta import _VOC_CATEGORIES
from ember.vision.models._presets import SemanticSegmentation


class _SimpleSegmentationModel(nn.Module):
    """A backbone returning a dict of feature maps, a classifier on its ``"out"`` map and an optional auxiliary
    classifier on its ``"aux"`` map; both predictions are resized (bilinearly) back to the input's size.

    Args:
        backbone: module mapping an image batch to ``{"out": features[, "aux": features]}``.
        classifier: module mapping ``features["out"]`` to ``(N, num_classes, h, w)`` scores.
        aux_classifier: module for ``features["aux"]`` (default ``None``: no ``"aux"`` output).

    Shape:
        - Input: ``(N, C, H, W)``; Output: ``OrderedDict`` with ``"out"`` (and ``"aux"``) of shape
          ``(N, num_classes, H, W)``.

    Example::

        >>> from ember.vision.models._utils import IntermediateLayerGetter
        >>> body = IntermediateLayerGetter(nn.Sequential(nn.Conv2d(3, 4, 3, stride=2)), {"0": "out"})
        >>> net = _SimpleSegmentationModel(body, nn.Conv2d(4, 2, 1))
        >>> net(ember.randn(1, 3, 16, 16))["out"].shape
        ember.Size([1, 2, 16, 16])
    """

    __constants__ = ["aux_classifier"]

    def __init__(self, backbone, classifier, aux_classifier=None):
        super().__init__()
        self.backbone = backbone
        self.classifier = classifier
        self.aux_classifier = aux_classifier

    def forward(self, x):
        size = x.shape[-2:]
        features = self.backbone(x)
        result = OrderedDict()
        out = self.classifier(features["out"])
        result["out"] = F.interpolate(out, size=size, mode="bilinear", align_corners=False)
        if self.aux_classifier is not None:
            aux = self.aux_classifier(features["aux"])
            result["aux"] = F.interpolate(aux, size=size, mode="bilinear", align_corners=False)
        return result


# ------------------------------------------------------------------------------------------ weights plumbing
_SEG_REFS = "https://github.com/pytorch/vision/tree/main/references/segmentation"


def _voc_weights(file, recipe, miou, pixel_acc, ops, file_size, *, num_params, params_first=False):
    """The :class:`Weights` of a model trained on the COCO images of the VOC classes.

    Args:
        file: the file name under ``download.pytorch.org/models/``.
        recipe: anchor of the training recipe in the segmentation references.
        miou, pixel_acc: COCO val2017 (VOC labels) mean IoU and pixel accuracy in percent.
        ops: GFLOPS of one forward pass at 520 pixels.
        file_size: size of the file in MB.
        num_params: number of parameters.
        params_first: put ``num_params`` first in the meta (LR-ASPP's key order).
    """
    meta = {"categories": _VOC_CATEGORIES, "min_size": (1, 1), "num_params": num_params,
            "recipe": f"{_SEG_REFS}#{recipe}",
            "_metrics": {"COCO-val2017-VOC-labels": {"miou": miou, "pixel_acc": pixel_acc}}, "_ops": ops,
            "_file_size": file_size}
    if params_first:
        meta = {"num_params": meta.pop("num_params"), **meta}
    return Weights(url=_BASE_URL + file, transforms=functools.partial(SemanticSegmentation, resize_size=520),
                   meta=meta)


def _resolve_args(weights_enum, backbone_enum, weights, weights_backbone, num_classes, aux_loss=None, has_aux=True):
    """The builder arguments checked and completed: ``(weights, weights_backbone, num_classes, aux_loss)``.

    Pre-trained ``weights`` replace the backbone's and fix ``num_classes`` (and ``aux_loss=True`` for models with
    an auxiliary head, ``has_aux``); without them there are 21 classes by default.
    """
    weights = weights_enum.verify(weights)
    weights_backbone = backbone_enum.verify(weights_backbone)
    if weights is not None:
        weights_backbone = None
        num_classes = _ovewrite_value_param("num_classes", num_classes, len(weights.meta["categories"]))
        if has_aux:
            aux_loss = _ovewrite_value_param("aux_loss", aux_loss, True)
    elif num_classes is None:
        num_classes = 21
    return weights, weights_backbone, num_classes, aux_loss


_BUILDER_DOC = """

    Args:
        weights: a member of :class:`{enum}` (or its name) to load pre-trained weights, or
            ``None`` (default). With weights, ``num_classes`` must be 21 (or ``None``){aux_rule}.
        progress: show a download progress bar (default True).
        num_classes: number of output classes (default 21).{aux_doc}
        weights_backbone: ImageNet weights of the backbone, downloaded on first use (default
            ``{backbone!r}``); ignored when ``weights`` are given.
        **kwargs: accepted and ignored, as torchvision does.

    Example::

        >>> net = {name}(weights_backbone=None, num_classes=3)
    """


def _seg_builder(summary, enum, backbone_default, aux=None):
    """Decorator for a public segmentation builder: documents it (``summary``, ``aux`` names the layer feeding
    the auxiliary head, ``None`` for a model without one), accepts the legacy calling forms (positional
    arguments, ``pretrained`` and ``pretrained_backbone``, the latter meaning ``backbone_default``) and registers
    it."""
    aux_rule = "" if aux is None else " and ``aux_loss`` True (or ``None``)"
    aux_doc = "" if aux is None else (f"\n        aux_loss: add the auxiliary head (on {aux}); default ``None``: no,"
                                      "\n            unless ``weights`` are given.")

    def deco(fn):
        fn.__doc__ = summary + _BUILDER_DOC.format(enum=enum.__name__, aux_rule=aux_rule, aux_doc=aux_doc,
                                                   backbone=backbone_default, name=fn.__name__)
        return register_model()(_legacy_builder(_legacy_backbone(fn, backbone_default)))
    return deco
