"""Object detection models (``ember.vision.models.detection``, like ``torchvision.models.detection``):
Faster / Mask / Keypoint R-CNN, RetinaNet, FCOS, SSD and SSDlite, with torchvision's module names so that
state_dicts load either way.

In training mode a model takes a list of ``(C, H, W)`` float images and a list of target dicts (``"boxes"``
``[K, 4]`` in ``x1, y1, x2, y2`` pixels, ``"labels"`` ``[K]`` int64) and returns a dict of losses; in eval mode it
takes the images alone and returns one dict per image with ``"boxes"``, ``"scores"`` and ``"labels"``.

Example::

    >>> from ember.vision.models.detection import fcos_resnet50_fpn
    >>> model = fcos_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3, min_size=64, max_size=64)
    >>> detections = model.eval()([ember.rand(3, 64, 64)])
"""

from ember.vision.models.detection.faster_rcnn import *  # noqa: F403
from ember.vision.models.detection.faster_rcnn import __all__ as _faster_rcnn_all
from ember.vision.models.detection.fcos import *  # noqa: F403
from ember.vision.models.detection.fcos import __all__ as _fcos_all
from ember.vision.models.detection.keypoint_rcnn import *  # noqa: F403
from ember.vision.models.detection.keypoint_rcnn import __all__ as _keypoint_rcnn_all
from ember.vision.models.detection.mask_rcnn import *  # noqa: F403
from ember.vision.models.detection.mask_rcnn import __all__ as _mask_rcnn_all
from ember.vision.models.detection.retinanet import *  # noqa: F403
from ember.vision.models.detection.retinanet import __all__ as _retinanet_all
from ember.vision.models.detection.ssd import *  # noqa: F403
from ember.vision.models.detection.ssd import __all__ as _ssd_all
from ember.vision.models.detection.ssdlite import *  # noqa: F403
from ember.vision.models.detection.ssdlite import __all__ as _ssdlite_all

__all__ = [*_faster_rcnn_all, *_fcos_all, *_keypoint_rcnn_all, *_mask_rcnn_all, *_retinanet_all, *_ssd_all,
           *_ssdlite_all]
