"""``ember.vision.datasets``: image datasets (mirrors ``torchvision.datasets``).

Example::

    >>> from ember.vision import datasets, transforms
    >>> train = datasets.MiniMNIST(train=True, transform=transforms.ToTensor())
"""

from ember.vision.datasets.cifar import CIFAR10, CIFAR100
from ember.vision.datasets.fakedata import FakeData
from ember.vision.datasets.folder import DatasetFolder, ImageFolder
from ember.vision.datasets.mnist import EMNIST, KMNIST, MNIST, QMNIST, FashionMNIST, MiniMNIST
from ember.vision.datasets.stl10 import STL10
from ember.vision.datasets.svhn import SVHN
from ember.vision.datasets.usps import USPS
from ember.vision.datasets.vision import StandardTransform, VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "DatasetFolder", "EMNIST", "FakeData", "FashionMNIST", "ImageFolder", "KMNIST",
           "MNIST", "MiniMNIST", "QMNIST", "STL10", "SVHN", "StandardTransform", "USPS", "VisionDataset"]
