"""CIFAR-10 and CIFAR-100 (the "python version" pickled batches)."""

import os
import pickle

import numpy as np

from ember.vision.datasets import vision
from ember.vision.datasets.utils import check_integrity
from ember.vision.datasets.vision import VisionDataset, _ArchiveFiles, _array_batch, _image_item


class CIFAR10(_ArchiveFiles, VisionDataset):
    """CIFAR-10: 60,000 32x32 colour images in 10 classes (50,000 train / 10,000 test).

    Files live in ``root/cifar-10-batches-py/`` (the extracted ``cifar-10-python.tar.gz``); every batch file is
    checked against its MD5. ``data`` is a uint8 NumPy array ``[N, 32, 32, 3]`` and ``targets`` a list of ints,
    as in torchvision.

    Args:
        root: the folder holding (or receiving) ``cifar-10-batches-py``.
        train: the five training batches (else the test batch).
        transform: applied to the image (a PIL RGB image, or a uint8 [32, 32, 3] array without pillow).
        target_transform: applied to the int label.
        download: fetch and extract the archive (checking its MD5) unless the files are already valid.

    Example::

        >>> ds = CIFAR10("data", train=False, download=True, transform=transforms.ToTensor())
        >>> img, label = ds[0]
        >>> img.shape, ds.classes[label]
        (ember.Size([3, 32, 32]), 'cat')
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        chunks, self.targets = [], []
        for name, _ in (self.train_list if self.train else self.test_list):
            entry = self._unpickle(name)
            chunks.append(np.asarray(entry["data"], dtype=np.uint8))
            self.targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        # stored as [N, 3 * 32 * 32] planes; items are [32, 32, 3] (HWC) like the PIL images they become
        self.data = np.ascontiguousarray(np.vstack(chunks).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        self._load_meta()

    def _unpickle(self, name):
        # The dataset's own format: Python pickles (written by Python 2, hence latin1 for the byte strings).
        with open(os.path.join(self.root, self.base_folder, name), "rb") as f:
            return pickle.load(f, encoding="latin1")

    def _load_meta(self):
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not check_integrity(path, self.meta["md5"]):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use download=True to download it")
        self.classes = self._unpickle(self.meta["filename"])[self.meta["key"]]
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index):
        """(image, target): a PIL RGB image (a uint8 [32, 32, 3] array without pillow) and the int label."""
        return _image_item(self, self.data[index], self.targets[index])

    def __len__(self):
        return len(self.data)

    def _ember_batch(self, indices):
        # Whole-batch loading for DataLoader's default collate: exact when every transform is batchable.
        return _array_batch(self, CIFAR10, self.data, self.targets, indices, vision._pil_module)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: 60,000 32x32 colour images in 100 fine classes; same interface as :class:`CIFAR10`.

    Files live in ``root/cifar-100-python/``; ``targets`` are the fine labels.

    Example::

        >>> ds = CIFAR100("data", train=True, download=True)
        >>> len(ds.classes)
        100
    """

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
