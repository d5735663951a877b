"""``Food101``: 101,000 food photos in 101 categories (JPEG images, JSON split lists)."""

import json
import os

from ember.vision.datasets.folder import default_loader
from ember.vision.datasets.utils import download_and_extract_archive, verify_str_arg
from ember.vision.datasets.vision import VisionDataset, _LoadedImageItems


class Food101(_LoadedImageItems, VisionDataset):
    """Food-101: 101 food categories, 750 training and 250 test images each.

    Files live in ``root/food-101/``: images in ``images/<class>/<id>.jpg`` and the splits in ``meta/train.json``
    and ``meta/test.json`` (``{class: ["<class>/<id>", ...]}``). ``classes`` are the sorted class names.

    Args:
        root: the folder holding (or receiving) ``food-101``.
        split: ``"train"`` or ``"test"``.
        transform: applied to the image (a PIL RGB image from ``loader``).
        target_transform: applied to the int label.
        download: fetch and extract the archive (checking its MD5) unless it is already there.
        loader: reads one image file (default: pillow, converted to RGB).

    Example::

        >>> ds = Food101("data", split="test", download=True)
        >>> img, label = ds[0]
        >>> ds.classes[label]
    """

    _URL = "http://data.vision.ee.ethz.ch/cvl/food-101.tar.gz"
    _MD5 = "85eeb15f3717b99a5da872d97d918f87"

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False,
                 loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "test"))
        self._base_folder = os.path.join(self.root, "food-101")
        self._meta_folder = os.path.join(self._base_folder, "meta")
        self._images_folder = os.path.join(self._base_folder, "images")
        if download:
            self._download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        with open(os.path.join(self._meta_folder, f"{split}.json")) as f:
            metadata = json.load(f)
        self.classes = sorted(metadata)
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self._labels, self._image_files = [], []
        for class_label, paths in metadata.items():
            self._labels += [self.class_to_idx[class_label]] * len(paths)
            self._image_files += [os.path.join(self._images_folder, *f"{p}.jpg".split("/")) for p in paths]
        self.loader = loader

    def extra_repr(self):
        return f"split={self._split}"

    def _check_exists(self):
        return all(os.path.isdir(folder) for folder in (self._meta_folder, self._images_folder))

    def _download(self):
        if self._check_exists():
            return
        download_and_extract_archive(self._URL, download_root=self.root, md5=self._MD5)
