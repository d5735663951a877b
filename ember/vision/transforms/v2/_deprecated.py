"""Deprecated v2 transforms kept for compatibility."""

import warnings

from ember._backend import xp
from ember.vision.transforms import functional as F1
from ember.vision.transforms.v2._transform import Transform


class ToTensor(Transform):
    """Deprecated: a PIL image or ``[H, W(, C)]`` array as a float ``[C, H, W]`` tensor scaled to [0, 1]; use
    ``Compose([ToImage(), ToDtype(ember.float32, scale=True)])``.

    Example::

        >>> ToTensor()(np.zeros((4, 4, 3), np.uint8)).shape
        ember.Size([3, 4, 4])
    """

    _transformed_types = (*(() if F1._pil_image() is None else (F1._pil_image().Image,)), xp.ndarray)

    def __init__(self):
        warnings.warn("The transform `ToTensor()` is deprecated and will be removed in a future release. Instead, "
                      "please use `v2.Compose([v2.ToImage(), v2.ToDtype(ember.float32, scale=True)])`.Output is "
                      "equivalent up to float precision.", stacklevel=2)
        super().__init__()

    def transform(self, inpt, params):
        return F1.to_tensor(inpt)
