"""``ember.vision``: datasets, transforms, image utilities and models (mirrors torchvision).

Example::

    >>> from ember.vision import datasets, transforms
    >>> ds = datasets.MiniMNIST(transform=transforms.ToTensor())
"""

from ember._lazy import lazy_getattr as _lazy_getattr
from ember.vision import datasets, transforms, utils

__all__ = ["datasets", "io", "models", "ops", "transforms", "tv_tensors", "utils"]

# models, ops, io and tv_tensors are heavier (ember.nn, the transforms v2, Pillow): load them on first use.
__getattr__ = _lazy_getattr(globals(), modules={"io": "ember.vision.io", "models": "ember.vision.models",
                                                "ops": "ember.vision.ops", "tv_tensors": "ember.vision.tv_tensors"})
