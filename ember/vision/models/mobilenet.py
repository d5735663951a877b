"""``ember.vision.models.mobilenet``: torchvision's import path for MobileNet V2 and V3."""

from ember.vision.models.mobilenetv2 import *  # noqa: F401,F403
from ember.vision.models.mobilenetv2 import __all__ as mv2_all
from ember.vision.models.mobilenetv3 import *  # noqa: F401,F403
from ember.vision.models.mobilenetv3 import __all__ as mv3_all

__all__ = mv2_all + mv3_all
