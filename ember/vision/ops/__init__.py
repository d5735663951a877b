"""``ember.vision.ops``: box operations, RoI pooling, detection losses and building-block layers (mirrors
``torchvision.ops``)."""

from ember.vision.ops.boxes import *  # noqa: F403
from ember.vision.ops.boxes import __all__ as _boxes_all
from ember.vision.ops.deform_conv import *  # noqa: F403
from ember.vision.ops.deform_conv import __all__ as _deform_conv_all
from ember.vision.ops.drop_block import *  # noqa: F403
from ember.vision.ops.drop_block import __all__ as _drop_block_all
from ember.vision.ops.feature_pyramid_network import *  # noqa: F403
from ember.vision.ops.feature_pyramid_network import __all__ as _fpn_all
from ember.vision.ops.losses import *  # noqa: F403
from ember.vision.ops.losses import __all__ as _losses_all
from ember.vision.ops.misc import *  # noqa: F403
from ember.vision.ops.misc import __all__ as _misc_all
from ember.vision.ops.poolers import *  # noqa: F403
from ember.vision.ops.poolers import __all__ as _poolers_all
from ember.vision.ops.ps_roi_align import *  # noqa: F403
from ember.vision.ops.ps_roi_align import __all__ as _ps_roi_align_all
from ember.vision.ops.ps_roi_pool import *  # noqa: F403
from ember.vision.ops.ps_roi_pool import __all__ as _ps_roi_pool_all
from ember.vision.ops.roi_align import *  # noqa: F403
from ember.vision.ops.roi_align import __all__ as _roi_align_all
from ember.vision.ops.roi_pool import *  # noqa: F403
from ember.vision.ops.roi_pool import __all__ as _roi_pool_all

__all__ = [*_boxes_all, *_deform_conv_all, *_drop_block_all, *_fpn_all, *_losses_all, *_misc_all, *_poolers_all,
           *_ps_roi_align_all, *_ps_roi_pool_all, *_roi_align_all, *_roi_pool_all]
