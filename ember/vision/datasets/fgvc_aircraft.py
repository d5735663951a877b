"""``FGVCAircraft``: aircraft photos labelled by model variant, family or manufacturer."""

import os

from ember.vision.datasets.folder import default_loader
from ember.vision.datasets.utils import download_and_extract_archive, verify_str_arg
from ember.vision.datasets.vision import VisionDataset, _LoadedImageItems


class FGVCAircraft(_LoadedImageItems, VisionDataset):
    """FGVC-Aircraft 2013b: 10,000 aircraft images; 100 variants, 70 families or 30 manufacturers.

    Files live in ``root/fgvc-aircraft-2013b/data/``: images in ``images/<id>.jpg``, the class names in
    ``variants.txt``/``families.txt``/``manufacturers.txt`` and the labels in
    ``images_<level>_<split>.txt`` (``<id> <class name>`` per line).

    Args:
        root: the folder holding (or receiving) ``fgvc-aircraft-2013b``.
        split: ``"train"``, ``"val"``, ``"trainval"`` or ``"test"``.
        annotation_level: ``"variant"``, ``"family"`` or ``"manufacturer"``.
        transform: applied to the image (a PIL RGB image from ``loader``).
        target_transform: applied to the int label.
        download: fetch and extract the archive unless it is already there.
        loader: reads one image file (default: pillow, converted to RGB).

    Example::

        >>> ds = FGVCAircraft("data", split="test", annotation_level="family", download=True)
        >>> ds.classes[ds[0][1]]
    """

    _URL = "https://www.robots.ox.ac.uk/~vgg/data/fgvc-aircraft/archives/fgvc-aircraft-2013b.tar.gz"

    def __init__(self, root, split="trainval", annotation_level="variant", transform=None, target_transform=None,
                 download=False, loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "val", "trainval", "test"))
        self._annotation_level = verify_str_arg(annotation_level, "annotation_level",
                                                ("variant", "family", "manufacturer"))
        self._data_path = os.path.join(self.root, "fgvc-aircraft-2013b")
        if download:
            self._download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        data = os.path.join(self._data_path, "data")
        names_file = {"variant": "variants.txt", "family": "families.txt",
                      "manufacturer": "manufacturers.txt"}[self._annotation_level]
        with open(os.path.join(data, names_file)) as f:
            self.classes = [line.strip() for line in f]
        self.class_to_idx = dict(zip(self.classes, range(len(self.classes))))
        self._image_files, self._labels = [], []
        with open(os.path.join(data, f"images_{self._annotation_level}_{self._split}.txt")) as f:
            for line in f:
                image_name, label_name = line.strip().split(" ", 1)
                self._image_files.append(os.path.join(data, "images", f"{image_name}.jpg"))
                self._labels.append(self.class_to_idx[label_name])
        self.loader = loader

    def _check_exists(self):
        return os.path.exists(self._data_path) and os.path.isdir(self._data_path)

    def _download(self):
        if self._check_exists():
            return
        download_and_extract_archive(self._URL, self.root)
