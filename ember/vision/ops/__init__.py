"""``ember.vision.ops``: box operations, detection losses and building-block layers (mirrors ``torchvision.ops``)."""

from ember.vision.ops.boxes import *  # noqa: F403
from ember.vision.ops.boxes import __all__ as _boxes_all
from ember.vision.ops.losses import *  # noqa: F403
from ember.vision.ops.losses import __all__ as _losses_all
from ember.vision.ops.misc import *  # noqa: F403
from ember.vision.ops.misc import __all__ as _misc_all

__all__ = [*_boxes_all, *_losses_all, *_misc_all]
