"""Semantic segmentation models (``ember.vision.models.segmentation``, like ``torchvision.models.segmentation``).

FCN, DeepLabV3 and Lite R-ASPP on dilated ResNet / MobileNetV3 backbones, with torchvision's layer names (so
their state_dicts load either way) and weights enums. Each model returns a dict: ``"out"`` (and ``"aux"`` with
``aux_loss=True``), the per-class scores at the input's resolution.

Example::

    >>> from ember.vision.models.segmentation import fcn_resnet50
    >>> net = fcn_resnet50(weights_backbone=None, num_classes=5).eval()
    >>> net(ember.randn(1, 3, 64, 64))["out"].shape
    ember.Size([1, 5, 64, 64])
"""

from ember.vision.models.segmentation.deeplabv3 import (DeepLabV3, DeepLabV3_MobileNet_V3_Large_Weights,
                                                        DeepLabV3_ResNet50_Weights, DeepLabV3_ResNet101_Weights,
                                                        deeplabv3_mobilenet_v3_large, deeplabv3_resnet50,
                                                        deeplabv3_resnet101)
from ember.vision.models.segmentation.fcn import (FCN, FCN_ResNet50_Weights, FCN_ResNet101_Weights, fcn_resnet50,
                                                  fcn_resnet101)
from ember.vision.models.segmentation.lraspp import LRASPP, LRASPP_MobileNet_V3_Large_Weights, lraspp_mobilenet_v3_large

__all__ = ["FCN", "FCN_ResNet50_Weights", "FCN_ResNet101_Weights", "fcn_resnet50", "fcn_resnet101", "DeepLabV3",
           "DeepLabV3_ResNet50_Weights", "DeepLabV3_ResNet101_Weights", "DeepLabV3_MobileNet_V3_Large_Weights",
           "deeplabv3_mobilenet_v3_large", "deeplabv3_resnet50", "deeplabv3_resnet101", "LRASPP",
           "LRASPP_MobileNet_V3_Large_Weights", "lraspp_mobilenet_v3_large"]
