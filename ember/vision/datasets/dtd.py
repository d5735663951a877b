"""``DTD``: the Describable Textures Dataset (47 texture categories, ten train/val/test partitions)."""

import os

from ember.vision.datasets.folder import default_loader
from ember.vision.datasets.utils import download_and_extract_archive, verify_str_arg
from ember.vision.datasets.vision import VisionDataset, _LoadedImageItems


class DTD(_LoadedImageItems, VisionDataset):
    """DTD: 5,640 texture images in 47 categories, with ten official splits (``partition`` 1 to 10).

    Files live in ``root/dtd/dtd/``: images in ``images/<class>/<name>.jpg`` and the split lists in
    ``labels/<split><partition>.txt`` (one ``<class>/<name>.jpg`` per line). ``classes`` are the sorted category
    names found in the split's list.

    Args:
        root: the folder holding (or receiving) ``dtd``.
        split: ``"train"``, ``"val"`` or ``"test"``.
        partition: which of the ten splits (an int from 1 to 10).
        transform: applied to the image (a PIL RGB image from ``loader``).
        target_transform: applied to the int label.
        download: fetch and extract the archive (checking its MD5) unless it is already there.
        loader: reads one image file (default: pillow, converted to RGB).

    Example::

        >>> ds = DTD("data", split="test", partition=3, download=True)
        >>> ds.classes[ds[0][1]]
    """

    _URL = "https://www.robots.ox.ac.uk/~vgg/data/dtd/download/dtd-r1.0.1.tar.gz"
    _MD5 = "fff73e5086ae6bdbea199a49dfb8a4c1"

    def __init__(self, root, split="train", partition=1, transform=None, target_transform=None, download=False,
                 loader=default_loader):
        self._split = verify_str_arg(split, "split", ("train", "val", "test"))
        if not isinstance(partition, int) and not (1 <= partition < 10):
            raise ValueError(f"Parameter 'partition' should be an integer with `1 <= partition <= 10`, "
                             f"but got {partition} instead")
        self._partition = partition
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._base_folder = os.path.join(self.root, type(self).__name__.lower())
        self._data_folder = os.path.join(self._base_folder, "dtd")
        self._meta_folder = os.path.join(self._data_folder, "labels")
        self._images_folder = os.path.join(self._data_folder, "images")
        if download:
            self._download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self._image_files, classes = [], []
        with open(os.path.join(self._meta_folder, f"{self._split}{self._partition}.txt")) as f:
            for line in f:
                cls, name = line.strip().split("/")
                self._image_files.append(os.path.join(self._images_folder, cls, name))
                classes.append(cls)
        self.classes = sorted(set(classes))
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self._labels = [self.class_to_idx[cls] for cls in classes]
        self.loader = loader

    def extra_repr(self):
        return f"split={self._split}, partition={self._partition}"

    def _check_exists(self):
        return os.path.isdir(self._data_folder)

    def _download(self):
        if self._check_exists():
            return
        download_and_extract_archive(self._URL, download_root=self._base_folder, md5=self._MD5)
