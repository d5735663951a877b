"""``ember.vision.transforms``: image transforms (mirrors ``torchvision.transforms``).

Example::

    >>> from ember.vision import transforms
    >>> t = transforms.Compose([transforms.Pad(2), transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
"""

from ember.vision.transforms import functional
from ember.vision.transforms.functional import InterpolationMode
from ember.vision.transforms.transforms import (
    CenterCrop, Compose, Lambda, Normalize, Pad, PILToTensor, RandomAffine, RandomCrop, RandomHorizontalFlip,
    RandomRotation, RandomVerticalFlip, Resize, ToPILImage, ToTensor,
)

__all__ = [
    "CenterCrop", "Compose", "InterpolationMode", "Lambda", "Normalize", "PILToTensor", "Pad", "RandomAffine",
    "RandomCrop", "RandomHorizontalFlip", "RandomRotation", "RandomVerticalFlip", "Resize", "ToPILImage", "ToTensor",
    "functional",
]
