"""``ember.vision``: datasets, transforms, image utilities and models (mirrors torchvision).

Example::

    >>> from ember.vision import datasets, transforms
    >>> ds = datasets.MiniMNIST(transform=transforms.ToTensor())
"""

from ember._lazy import lazy_getattr as _lazy_getattr
from ember.vision import datasets, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]

# models is heavier (it imports ember.nn): load it on first use.
__getattr__ = _lazy_getattr(globals(), modules={"models": "ember.vision.models"})
