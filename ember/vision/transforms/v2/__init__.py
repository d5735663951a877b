"""``ember.vision.transforms.v2``: transforms for images, videos, masks, boxes and key points (mirrors
``torchvision.transforms.v2``).

A v2 transform takes a whole sample: any nesting of tuples, lists and dicts whose leaves are plain tensors,
:mod:`ember.vision.tv_tensors` (``Image``, ``Video``, ``Mask``, ``BoundingBoxes``, ``KeyPoints``), PIL images or
anything else. Leaves it does not handle pass through unchanged, and outputs keep each leaf's type.

Writing a transform: subclass :class:`Transform` and override

* ``transform(self, inpt, params)``: transform one leaf, usually ``return self._call_kernel(F.some_functional,
  inpt, ...)``, which dispatches on ``type(inpt)`` to the kernel registered for it (and passes through types
  with no kernel);
* ``make_params(self, flat_inputs)`` (optional): draw the random parameters once per call, from the leaves that
  will be transformed (e.g. ``query_size(flat_inputs)`` for the common (H, W)); the dict it returns is passed to
  every ``transform`` call. Draw random numbers with ember's generator in the same calls and order as
  torchvision does, so that seeded runs agree with it;
* ``check_inputs(self, flat_inputs)`` (optional): raise for samples that cannot be handled;
* ``_transformed_types`` (class attribute): the leaf types (or predicates such as ``is_pure_tensor``) the
  transform applies to; the default is plain tensors (with tv_tensors) and PIL images.

Random-apply transforms subclass ``_RandomApplyTransform`` (``p``; one ``rand(1)`` draw per call). Only the first
plain tensor of a sample is transformed, and only if the sample holds no ``Image``, ``Video`` or PIL image: it is
taken to be the image, other plain tensors (labels...) pass through.

Writing a functional: define the dispatcher ``def f(inpt, ...): return _get_kernel(f, type(inpt))(inpt, ...)``
in ``functional/`` and register kernels with ``_register_kernel_internal(f, InputType)`` (kernels for tv_tensors
receive and return plain tensors and are rewrapped, unless registered with ``tv_tensor_wrapper=False``).

Example::

    >>> from ember.vision import tv_tensors
    >>> from ember.vision.transforms import v2
    >>> t = v2.Compose([v2.RandomResizedCrop(16), v2.RandomHorizontalFlip(), v2.ToDtype(ember.float32, scale=True)])
    >>> img = tv_tensors.Image(ember.randint(0, 256, (3, 32, 32), dtype=ember.uint8))
    >>> boxes = tv_tensors.BoundingBoxes([[4, 4, 20, 20]], format="XYXY", canvas_size=(32, 32))
    >>> img, boxes = t(img, boxes)
"""

from ember.vision.transforms.functional import InterpolationMode
from ember.vision.transforms.v2 import functional
from ember.vision.transforms.v2._augment import CutMix, MixUp, RandomErasing
from ember.vision.transforms.v2._auto_augment import AugMix, AutoAugment, AutoAugmentPolicy, RandAugment, \
    TrivialAugmentWide
from ember.vision.transforms.v2._color import (
    RGB, ColorJitter, Grayscale, RandomAdjustSharpness, RandomAutocontrast, RandomChannelPermutation, RandomEqualize,
    RandomGrayscale, RandomInvert, RandomPhotometricDistort, RandomPosterize, RandomSolarize,
)
from ember.vision.transforms.v2._container import Compose, RandomApply, RandomChoice, RandomOrder
from ember.vision.transforms.v2._deprecated import ToTensor
from ember.vision.transforms.v2._geometry import (
    CenterCrop, FiveCrop, Pad, RandomCrop, RandomHorizontalFlip, RandomResizedCrop, RandomVerticalFlip, Resize,
    TenCrop,
)
from ember.vision.transforms.v2._geometry_b import (
    ElasticTransform, RandomAffine, RandomIoUCrop, RandomPerspective, RandomResize, RandomRotation,
    RandomShortestSize, RandomZoomOut, ScaleJitter, SetClampingMode, UniformTemporalSubsample,
)
from ember.vision.transforms.v2._meta import ClampBoundingBoxes, ClampKeyPoints, ConvertBoundingBoxFormat
from ember.vision.transforms.v2._misc import (
    JPEG, ConvertImageDtype, Identity, Lambda, Normalize, SanitizeBoundingBoxes, SanitizeKeyPoints, ToDtype,
)
from ember.vision.transforms.v2._misc_b import GaussianBlur, GaussianNoise, LinearTransformation
from ember.vision.transforms.v2._transform import Transform
from ember.vision.transforms.v2._type_conversion import PILToTensor, ToImage, ToPILImage, ToPureTensor
from ember.vision.transforms.v2._utils import check_type, get_bounding_boxes, get_keypoints, has_all, has_any, \
    query_chw, query_size

__all__ = [
    "CenterCrop", "ClampBoundingBoxes", "ClampKeyPoints", "Compose", "ConvertBoundingBoxFormat",
    "ConvertImageDtype", "FiveCrop", "Identity", "InterpolationMode", "Lambda", "Normalize", "PILToTensor", "Pad",
    "RandomApply", "RandomChoice", "RandomCrop", "RandomHorizontalFlip", "RandomOrder", "RandomResizedCrop",
    "RandomVerticalFlip", "Resize", "SanitizeBoundingBoxes", "TenCrop", "ToDtype", "ToImage", "ToPILImage",
    "ToPureTensor", "ToTensor", "Transform", "check_type", "functional", "get_bounding_boxes", "get_keypoints",
    "has_all", "has_any", "query_chw", "query_size",
]
__all__ += [  # part B2: geometry
    "ElasticTransform", "RandomAffine", "RandomIoUCrop", "RandomPerspective", "RandomResize", "RandomRotation",
    "RandomShortestSize", "RandomZoomOut", "ScaleJitter", "SetClampingMode", "UniformTemporalSubsample",
]
__all__ += [  # part B1: colour, augmentation, auto-augmentation
    "AugMix", "AutoAugment", "AutoAugmentPolicy", "ColorJitter", "CutMix", "GaussianBlur", "GaussianNoise",
    "Grayscale", "LinearTransformation", "MixUp", "RGB", "RandAugment", "RandomAdjustSharpness",
    "RandomAutocontrast", "RandomChannelPermutation", "RandomEqualize", "RandomErasing", "RandomGrayscale",
    "RandomInvert", "RandomPhotometricDistort", "RandomPosterize", "RandomSolarize", "TrivialAugmentWide",
]
__all__ += ["JPEG", "SanitizeKeyPoints"]  # JPEG round trip, key point sanitising
