"""Video classification models (``ember.vision.models.video``, like ``torchvision.models.video``).

Models for clips shaped ``(N, C, T, H, W)``: the video ResNets (R3D, MC3, R(2+1)D), S3D, the Video Swin
Transformer and MViT, with torchvision's layer names (state_dicts load either way) and Kinetics-400 weight enums.

Example::

    >>> from ember.vision.models.video import r2plus1d_18
    >>> net = r2plus1d_18(num_classes=10)
"""

from ember.vision.models.video.mvit import *  # noqa: F403
from ember.vision.models.video.resnet import *  # noqa: F403
from ember.vision.models.video.s3d import *  # noqa: F403
from ember.vision.models.video.swin_transformer import *  # noqa: F403
