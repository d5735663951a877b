"""``STL10``: 96x96 colour images in 10 classes plus 100,000 unlabelled ones (raw binary files)."""

import os

import numpy as np

from ember.vision.datasets import vision
from ember.vision.datasets.utils import verify_str_arg
from ember.vision.datasets.vision import VisionDataset, _ArchiveFiles, _array_batch, _image_item


class STL10(_ArchiveFiles, VisionDataset):
    """STL-10: 5,000 labelled training, 8,000 test and 100,000 unlabelled 96x96 RGB images (10 classes).

    Files live in ``root/stl10_binary/`` (the extracted ``stl10_binary.tar.gz``), each checked against its MD5.
    ``data`` is a uint8 NumPy array ``[N, 3, 96, 96]`` and ``labels`` a NumPy array (-1 for unlabelled images),
    as in torchvision; ``classes`` is read from ``class_names.txt`` when present.

    Args:
        root: the folder holding ``stl10_binary``.
        split: ``"train"``, ``"train+unlabeled"``, ``"unlabeled"`` or ``"test"``.
        folds: one of the ten predefined 1,000-image training folds (0-9), or None for all 5,000.
        transform: applied to the image (a PIL RGB image, or a uint8 [96, 96, 3] array without pillow).
        target_transform: applied to the int label.
        download: fetch and extract the archive (checking its MD5) unless the files are already valid.

    Example::

        >>> ds = STL10("data", split="train", folds=0, download=True)
        >>> len(ds)
        1000
    """

    base_folder = "stl10_binary"
    url = "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"
    filename = "stl10_binary.tar.gz"
    tgz_md5 = "91f7769df0f17e558f3565bffb0c7dfb"
    class_names_file = "class_names.txt"
    folds_list_file = "fold_indices.txt"
    train_list = [
        ["train_X.bin", "918c2871b30a85fa023e0c44e0bee87f"],
        ["train_y.bin", "5a34089d4802c674881badbb80307741"],
        ["unlabeled_X.bin", "5242ba1fed5e4be9e1e742405eb56ca4"],
    ]
    test_list = [["test_X.bin", "7f263ba9f9e0b06b93213547f721ac82"], ["test_y.bin", "36f9794fa4beb8a2c72628de14fa638e"]]
    splits = ("train", "train+unlabeled", "unlabeled", "test")

    def __init__(self, root, split="train", folds=None, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", self.splits)
        self.folds = self._verify_folds(folds)
        if download:
            self.download()
        elif not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        if self.split in ("train", "train+unlabeled"):
            self.data, self.labels = self._load_file(self.train_list[0][0], self.train_list[1][0])
            self._load_folds(folds)
            if self.split == "train+unlabeled":
                unlabeled, _ = self._load_file(self.train_list[2][0])
                self.data = np.concatenate((self.data, unlabeled))
                self.labels = np.concatenate((self.labels, np.full(len(unlabeled), -1, dtype=np.int64)))
        elif self.split == "unlabeled":
            self.data, _ = self._load_file(self.train_list[2][0])
            self.labels = np.full(len(self.data), -1, dtype=np.int64)
        else:
            self.data, self.labels = self._load_file(self.test_list[0][0], self.test_list[1][0])
        class_file = os.path.join(self.root, self.base_folder, self.class_names_file)
        if os.path.isfile(class_file):
            with open(class_file) as f:
                self.classes = f.read().splitlines()

    @staticmethod
    def _verify_folds(folds):
        if folds is None:
            return folds
        if isinstance(folds, int):
            if folds in range(10):
                return folds
            raise ValueError(f"Value for argument folds should be in the range [0, 10), but got {folds}.")
        raise ValueError(f"Expected type None or int for argument folds, but got type {type(folds)}.")

    def _load_file(self, data_file, labels_file=None):
        folder = os.path.join(self.root, self.base_folder)
        labels = None
        if labels_file:
            labels = np.fromfile(os.path.join(folder, labels_file), dtype=np.uint8) - 1  # 1-based on disk
        raw = np.fromfile(os.path.join(folder, data_file), dtype=np.uint8)
        if raw.size % (3 * 96 * 96):
            raise RuntimeError(f"{os.path.join(folder, data_file)}: {raw.size} bytes is not a whole number of "
                               "3x96x96 images (corrupt file?)")
        # each image is stored channel by channel, column-major: swap to [N, 3, H, W]
        return np.transpose(raw.reshape(-1, 3, 96, 96), (0, 1, 3, 2)), labels

    def _load_folds(self, folds):
        if folds is None:
            return
        with open(os.path.join(self.root, self.base_folder, self.folds_list_file)) as f:
            idx = np.array(f.read().splitlines()[folds].split(), dtype=np.int64)
        self.data = self.data[idx]
        if self.labels is not None:
            self.labels = self.labels[idx]

    def __getitem__(self, index):
        """(image, target): a PIL RGB image (a uint8 [96, 96, 3] array without pillow) and the int label."""
        target = int(self.labels[index]) if self.labels is not None else None
        return _image_item(self, np.transpose(self.data[index], (1, 2, 0)), target)

    def __len__(self):
        return self.data.shape[0]

    def _ember_batch(self, indices):
        # Whole-batch loading for DataLoader's default collate: exact when every transform is batchable.
        if self.labels is None or not isinstance(self.data, np.ndarray) or self.data.ndim != 4:
            return NotImplemented
        return _array_batch(self, STL10, self.data.transpose(0, 2, 3, 1), self.labels, indices, vision._pil_module)

    def extra_repr(self):
        return f"Split: {self.split}"
