"""``ember.vision``: datasets, transforms, image utilities and models (mirrors torchvision).

Example::

    >>> from ember.vision import datasets, transforms
    >>> ds = datasets.MiniMNIST(transform=transforms.ToTensor())
"""

from ember.vision import datasets, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]


def __getattr__(name):
    # models is heavier (it imports ember.nn): load it on first use.
    if name == "models":
        import importlib
        module = importlib.import_module("ember.vision.models")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'ember.vision' has no attribute '{name}'")
