"""``Caltech101`` and ``Caltech256``: object category photos (JPEG; Caltech101 outlines in ``.mat`` files)."""

import os

from ember.vision.datasets.utils import download_and_extract_archive, verify_str_arg
from ember.vision.datasets.vision import VisionDataset

_NOT_FOUND = "Dataset not found or corrupted. You can use download=True to download it"


def _open_image(path):
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Caltech datasets need pillow to decode images: pip install pillow") from None
    return Image.open(path)


class _CaltechBase(VisionDataset):
    """Shared parts of the Caltech datasets: images under ``root/<_IMAGES>/<category>/``, indexed by category
    (``y``) and 1-based file number (``index``)."""

    _IMAGES = None

    def _index_categories(self, keep=None):
        # ``keep``: which file names of a category folder count as its images (None: all of them)
        self.index, self.y = [], []
        for i, c in enumerate(self.categories):
            names = os.listdir(os.path.join(self.root, self._IMAGES, c))
            n = len(names) if keep is None else sum(1 for f in names if keep(f))
            self.index.extend(range(1, n + 1))
            self.y.extend(n * [i])

    def _transformed(self, img, target):
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def _check_integrity(self):
        return os.path.exists(os.path.join(self.root, self._IMAGES))

    def __len__(self):
        return len(self.index)


class Caltech101(_CaltechBase):
    """Caltech 101: about 9,000 images of 101 object categories (no background class).

    Files live in ``root/caltech101/``: images in ``101_ObjectCategories/<category>/image_XXXX.jpg`` and the object
    outlines in ``Annotations/<category>/annotation_XXXX.mat``. Images keep their stored mode (some are grayscale);
    ``root`` becomes ``root/caltech101``.

    Args:
        root: the folder holding (or receiving) ``caltech101``.
        target_type: ``"category"`` (the int index), ``"annotation"`` (the outline, a float array ``[2, K]``; needs
            scipy), or a list of them (the target is then a tuple in that order).
        transform: applied to the PIL image.
        target_transform: applied to the target.
        download: fetch and extract the archives unless the images are already there.

    Example::

        >>> ds = Caltech101("data", target_type=["category", "annotation"], download=True)
        >>> img, (label, outline) = ds[0]
    """

    _IMAGES = "101_ObjectCategories"

    def __init__(self, root, target_type="category", transform=None, target_transform=None, download=False):
        super().__init__(os.path.join(root, "caltech101"), transform=transform, target_transform=target_transform)
        os.makedirs(self.root, exist_ok=True)
        if isinstance(target_type, str):
            target_type = [target_type]
        self.target_type = [verify_str_arg(t, "target_type", ("category", "annotation")) for t in target_type]
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(_NOT_FOUND)
        self.categories = sorted(os.listdir(os.path.join(self.root, "101_ObjectCategories")))
        self.categories.remove("BACKGROUND_Google")  # the clutter class is not an object category
        # the annotation folders spell four categories differently
        renamed = {"Faces": "Faces_2", "Faces_easy": "Faces_3", "Motorbikes": "Motorbikes_16",
                   "airplanes": "Airplanes_Side_2"}
        self.annotation_categories = [renamed.get(c, c) for c in self.categories]
        self._index_categories()

    def __getitem__(self, index):
        """(image, target): a PIL image and the target(s) chosen by ``target_type``."""
        category, number = self.y[index], self.index[index]
        img = _open_image(os.path.join(self.root, "101_ObjectCategories", self.categories[category],
                                       f"image_{number:04d}.jpg"))
        target = []
        for t in self.target_type:
            if t == "category":
                target.append(category)
            else:
                try:
                    import scipy.io
                except ImportError:
                    raise ImportError("Caltech101 needs scipy to read its annotation .mat files: "
                                      "pip install scipy") from None
                data = scipy.io.loadmat(os.path.join(self.root, "Annotations", self.annotation_categories[category],
                                                     f"annotation_{number:04d}.mat"))
                target.append(data["obj_contour"])
        return self._transformed(img, tuple(target) if len(target) > 1 else target[0])

    def download(self):
        """Download and extract the images and annotations (from Caltech's data repository) unless present."""
        if self._check_integrity():
            return
        download_and_extract_archive("https://data.caltech.edu/records/mzrjq-6wc02/files/caltech-101.zip",
                                     self.root, filename="caltech-101.zip", md5="3138e1922a9193bfa496528edbbc45d0")
        caltech = os.path.join(self.root, "caltech-101")
        from ember.vision.datasets.utils import extract_archive
        extract_archive(os.path.join(caltech, "101_ObjectCategories.tar.gz"), self.root)
        extract_archive(os.path.join(caltech, "Annotations.tar"), self.root)

    def extra_repr(self):
        return "Target type: {target_type}".format(**self.__dict__)


class Caltech256(_CaltechBase):
    """Caltech 256: about 30,600 images of 256 object categories plus a clutter class (257 folders).

    Files live in ``root/caltech256/256_ObjectCategories/<NNN.name>/NNN_XXXX.jpg``; the target is the folder's
    position in sorted order. ``root`` becomes ``root/caltech256``.

    Args:
        root: the folder holding (or receiving) ``caltech256``.
        transform: applied to the PIL image.
        target_transform: applied to the int label.
        download: fetch and extract the archive unless the images are already there.

    Example::

        >>> ds = Caltech256("data", download=True)
        >>> img, label = ds[0]
    """

    _IMAGES = "256_ObjectCategories"

    def __init__(self, root, transform=None, target_transform=None, download=False):
        super().__init__(os.path.join(root, "caltech256"), transform=transform, target_transform=target_transform)
        os.makedirs(self.root, exist_ok=True)
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(_NOT_FOUND)
        self.categories = sorted(os.listdir(os.path.join(self.root, "256_ObjectCategories")))
        self._index_categories(keep=lambda name: name.endswith(".jpg"))

    def __getitem__(self, index):
        """(image, target): a PIL image and the int label."""
        category, number = self.y[index], self.index[index]
        img = _open_image(os.path.join(self.root, "256_ObjectCategories", self.categories[category],
                                       f"{category + 1:03d}_{number:04d}.jpg"))
        return self._transformed(img, category)

    def download(self):
        """Download and extract the archive (from Caltech's data repository) unless the images are present."""
        if self._check_integrity():
            return
        download_and_extract_archive("https://data.caltech.edu/records/nyy15-4j048/files/256_ObjectCategories.tar",
                                     self.root, filename="256_ObjectCategories.tar",
                                     md5="67b4f42ca05d46448c6bb8ecd2220f6d")
