"""``ember.vision.datasets``: image datasets (mirrors ``torchvision.datasets``).

Example::

    >>> from ember.vision import datasets, transforms
    >>> train = datasets.MiniMNIST(train=True, transform=transforms.ToTensor())
"""

from ember.vision.datasets.folder import DatasetFolder, ImageFolder
from ember.vision.datasets.mnist import KMNIST, MNIST, FashionMNIST, MiniMNIST
from ember.vision.datasets.vision import StandardTransform, VisionDataset

__all__ = ["DatasetFolder", "FashionMNIST", "ImageFolder", "KMNIST", "MNIST", "MiniMNIST", "StandardTransform",
           "VisionDataset"]
