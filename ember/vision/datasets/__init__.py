"""``ember.vision.datasets``: image datasets (mirrors ``torchvision.datasets``).

Example::

    >>> from ember.vision import datasets, transforms
    >>> train = datasets.MiniMNIST(train=True, transform=transforms.ToTensor())
"""

from ember.vision.datasets.caltech import Caltech101, Caltech256
from ember.vision.datasets.celeba import CelebA
from ember.vision.datasets.cifar import CIFAR10, CIFAR100
from ember.vision.datasets.coco import CocoCaptions, CocoDetection
from ember.vision.datasets.dtd import DTD
from ember.vision.datasets.eurosat import EuroSAT
from ember.vision.datasets.fakedata import FakeData
from ember.vision.datasets.fer2013 import FER2013
from ember.vision.datasets.fgvc_aircraft import FGVCAircraft
from ember.vision.datasets.flowers102 import Flowers102
from ember.vision.datasets.folder import DatasetFolder, ImageFolder
from ember.vision.datasets.food101 import Food101
from ember.vision.datasets.gtsrb import GTSRB
from ember.vision.datasets.lfw import LFWPairs, LFWPeople
from ember.vision.datasets.mnist import EMNIST, KMNIST, MNIST, QMNIST, FashionMNIST, MiniMNIST
from ember.vision.datasets.omniglot import Omniglot
from ember.vision.datasets.oxford_iiit_pet import OxfordIIITPet
from ember.vision.datasets.stl10 import STL10
from ember.vision.datasets.svhn import SVHN
from ember.vision.datasets.usps import USPS
from ember.vision.datasets.vision import StandardTransform, VisionDataset
from ember.vision.datasets.voc import VOCDetection, VOCSegmentation

__all__ = ["CIFAR10", "CIFAR100", "DatasetFolder", "EMNIST", "FakeData", "FashionMNIST", "ImageFolder", "KMNIST",
           "MNIST", "MiniMNIST", "QMNIST", "STL10", "SVHN", "StandardTransform", "USPS", "VisionDataset"]
__all__ += ["Caltech101", "Caltech256", "DTD", "EuroSAT", "FER2013", "FGVCAircraft", "Flowers102", "Food101",
            "GTSRB", "LFWPairs", "LFWPeople", "Omniglot"]
__all__ += ["CelebA", "CocoCaptions", "CocoDetection", "OxfordIIITPet", "VOCDetection", "VOCSegmentation"]
