"""``FER2013``: 48x48 grayscale faces labelled with one of seven expressions (CSV files of pixel strings)."""

import csv
import os

import numpy as np

from ember.vision.datasets.utils import check_integrity, verify_str_arg
from ember.vision.datasets.vision import VisionDataset, _image_item

_KAGGLE = "https://www.kaggle.com/c/challenges-in-representation-learning-facial-expression-recognition-challenge"


class FER2013(VisionDataset):
    """FER2013: 48x48 grayscale face images; targets are expressions 0-6 (angry, disgust, fear, happy, sad,
    surprise, neutral).

    Files (downloaded by hand from Kaggle) live in ``root/fer2013/``. ``fer2013.csv`` is used when present, else
    ``icml_face_data.csv`` (both hold every split, a ``Usage`` column telling ``Training`` from ``PublicTest`` and
    ``PrivateTest``, which together make the test split), else ``train.csv``/``test.csv`` (Kaggle's test file has
    no labels: its targets are None). Each file is MD5-checked.

    Args:
        root: the folder holding ``fer2013``.
        split: ``"train"`` or ``"test"``.
        transform: applied to the image (an ``"L"`` PIL image, or a uint8 [48, 48] array without pillow).
        target_transform: applied to the target.

    Example::

        >>> ds = FER2013("data", split="train", transform=transforms.ToTensor())
        >>> img, expression = ds[0]
        >>> img.shape
        ember.Size([1, 48, 48])
    """

    _RESOURCES = {
        "train": ("train.csv", "3f0dfb3d3fd99c811a1299cb947e3131"),
        "test": ("test.csv", "b02c2298636a634e8c2faabbf3ea9a23"),
        # the full releases, with every split in one file
        "fer": ("fer2013.csv", "f8428a1edbd21e88f42c73edd2a14f95"),
        "icml": ("icml_face_data.csv", "b114b9e04e6949e5fe8b6a98b3892b1d"),
    }

    def __init__(self, root, split="train", transform=None, target_transform=None):
        self._split = verify_str_arg(split, "split", ("train", "test"))
        super().__init__(root, transform=transform, target_transform=target_transform)
        base_folder = os.path.join(self.root, "fer2013")
        key = next((k for k in ("fer", "icml") if os.path.exists(os.path.join(base_folder, self._RESOURCES[k][0]))),
                   self._split)
        file_name, md5 = self._RESOURCES[key]
        path = os.path.join(base_folder, file_name)
        if not check_integrity(path, md5=md5):
            raise RuntimeError(f"{file_name} not found in {base_folder} or corrupted. You can download it from "
                               f"{_KAGGLE}")
        usages = {"train": ("Training",), "test": ("PublicTest", "PrivateTest")}[self._split]
        with open(path, newline="") as f:
            rows = [{k.strip(): v for k, v in row.items()} for row in csv.DictReader(f)]
        if key in ("fer", "icml"):
            rows = [row for row in rows if row["Usage"].strip() in usages]
        self._samples = [(np.array(row["pixels"].split(), dtype=np.uint8).reshape(48, 48),
                          int(row["emotion"]) if "emotion" in row else None) for row in rows]

    def __len__(self):
        return len(self._samples)

    def __getitem__(self, idx):
        """(image, target): an ``"L"`` PIL image (a uint8 [48, 48] array without pillow) and the int (or None)."""
        image, target = self._samples[idx]
        return _image_item(self, image, target)

    def extra_repr(self):
        return f"split={self._split}"
