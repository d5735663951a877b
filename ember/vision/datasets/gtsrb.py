"""``GTSRB``: the German Traffic Sign Recognition Benchmark (``.ppm`` images; a CSV of test labels)."""

import csv
import os

from ember.vision.datasets.folder import make_dataset, pil_loader
from ember.vision.datasets.utils import download_and_extract_archive, verify_str_arg
from ember.vision.datasets.vision import VisionDataset


class GTSRB(VisionDataset):
    """GTSRB: photos of 43 kinds of traffic sign (26,640 train / 12,630 test).

    Files live in ``root/gtsrb/``: training images in ``GTSRB/Training/<class>/*.ppm``, test images in
    ``GTSRB/Final_Test/Images/*.ppm`` with their labels in ``GT-final_test.csv`` (``;``-separated, columns
    ``Filename`` and ``ClassId``).

    Args:
        root: the folder holding (or receiving) ``gtsrb``.
        split: ``"train"`` or ``"test"``.
        transform: applied to the image (a PIL RGB image).
        target_transform: applied to the int label.
        download: fetch and extract the archives (checking their MD5s) unless the images are already there.

    Example::

        >>> ds = GTSRB("data", split="test", download=True, transform=transforms.ToTensor())
        >>> img, label = ds[0]
    """

    _URL_PREFIX = "https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370/"

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "test"))
        self._base_folder = os.path.join(self.root, "gtsrb")
        sub = ("Training",) if self._split == "train" else ("Final_Test", "Images")
        self._target_folder = os.path.join(self._base_folder, "GTSRB", *sub)
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        if self._split == "train":
            samples = make_dataset(self._target_folder, extensions=(".ppm",))
        else:
            with open(os.path.join(self._base_folder, "GT-final_test.csv")) as f:
                rows = list(csv.DictReader(f, delimiter=";", skipinitialspace=True))
            samples = [(os.path.join(self._target_folder, row["Filename"]), int(row["ClassId"])) for row in rows]
        self._samples = samples

    def __len__(self):
        return len(self._samples)

    def __getitem__(self, index):
        """(image, target): a PIL RGB image and the int label."""
        path, target = self._samples[index]
        sample = pil_loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def _check_exists(self):
        return os.path.isdir(self._target_folder)

    def download(self):
        """Download and extract the split's archives (checking MD5s) unless the images are already there."""
        if self._check_exists():
            return
        if self._split == "train":
            download_and_extract_archive(f"{self._URL_PREFIX}GTSRB-Training_fixed.zip",
                                         download_root=self._base_folder, md5="513f3c79a4c5141765e10e952eaa2478")
        else:
            download_and_extract_archive(f"{self._URL_PREFIX}GTSRB_Final_Test_Images.zip",
                                         download_root=self._base_folder, md5="c7e4e6327067d32654124b0fe9e82185")
            download_and_extract_archive(f"{self._URL_PREFIX}GTSRB_Final_Test_GT.zip",
                                         download_root=self._base_folder, md5="fe31e9c9270bbcd7b84b7f21a9d9d9e5")
