"""Conversions between PIL images, arrays, plain tensors and tv_tensors."""

from ember._backend import xp
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.v2 import functional as F
from ember.vision.transforms.v2._transform import Transform
from ember.vision.transforms.v2.functional._utils import is_pure_tensor


def _pil_types():
    Image = F1._pil_image()
    return () if Image is None else (Image.Image,)


class PILToTensor(Transform):
    """A PIL image as a ``[C, H, W]`` plain tensor of its own dtype (no scaling).

    Example::

        >>> PILToTensor()(PIL.Image.new("RGB", (4, 2))).shape
        ember.Size([3, 2, 4])
    """

    _transformed_types = _pil_types()

    def transform(self, inpt, params):
        return F.pil_to_tensor(inpt)


class ToImage(Transform):
    """Plain tensors, NumPy arrays ``[H, W(, C)]`` and PIL images as :class:`~ember.vision.tv_tensors.Image`.

    Example::

        >>> type(ToImage()(np.zeros((4, 4, 3), np.uint8))).__name__
        'Image'
    """

    _transformed_types = (is_pure_tensor, *_pil_types(), xp.ndarray)

    def transform(self, inpt, params):
        return F.to_image(inpt)


class ToPILImage(Transform):
    """A tensor, ``Image`` or array as a PIL image (float data scaled by 255).

    Args:
        mode: the PIL mode (inferred from the channels and dtype by default).

    Example::

        >>> ToPILImage()(ember.rand(3, 4, 4)).mode
        'RGB'
    """

    _transformed_types = (is_pure_tensor, tv_tensors.Image, xp.ndarray)

    def __init__(self, mode=None):
        super().__init__()
        self.mode = mode

    def transform(self, inpt, params):
        return F.to_pil_image(inpt, mode=self.mode)


class ToPureTensor(Transform):
    """Every tv_tensor of the sample as a plain tensor (sharing its data).

    Example::

        >>> type(ToPureTensor()(tv_tensors.Image(ember.zeros(1, 2, 2)))).__name__
        'Tensor'
    """

    _transformed_types = (tv_tensors.TVTensor,)

    def transform(self, inpt, params):
        return tv_tensors._alias(inpt)
