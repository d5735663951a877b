"""``VOCSegmentation`` and ``VOCDetection``: the PASCAL Visual Object Classes datasets (2007-2012) in their
``VOCdevkit`` layout (JPEG images, PNG class masks, XML box annotations)."""

import os
from xml.etree.ElementTree import parse as _parse_xml

from ember.vision.datasets.utils import download_and_extract_archive, verify_str_arg
from ember.vision.datasets.vision import VisionDataset

_THOR = "https://thor.robots.ox.ac.uk/pascal/VOC/"
# year -> the trainval archive (url, file name, MD5) and the folder it unpacks to (under root)
DATASET_YEAR_DICT = {
    "2012": {"url": _THOR + "voc2012/VOCtrainval_11-May-2012.tar", "filename": "VOCtrainval_11-May-2012.tar",
             "md5": "6cd6e144f989b92b3379bac3b3de84fd", "base_dir": os.path.join("VOCdevkit", "VOC2012")},
    "2011": {"url": _THOR + "voc2011/VOCtrainval_25-May-2011.tar", "filename": "VOCtrainval_25-May-2011.tar",
             "md5": "6c3384ef61512963050cb5d687e5bf1e", "base_dir": os.path.join("TrainVal", "VOCdevkit", "VOC2011")},
    "2010": {"url": _THOR + "voc2010/VOCtrainval_03-May-2010.tar", "filename": "VOCtrainval_03-May-2010.tar",
             "md5": "da459979d0c395079b5c75ee67908abb", "base_dir": os.path.join("VOCdevkit", "VOC2010")},
    "2009": {"url": _THOR + "voc2009/VOCtrainval_11-May-2009.tar", "filename": "VOCtrainval_11-May-2009.tar",
             "md5": "a3e00b113cfcfebf17e343f59da3caa1", "base_dir": os.path.join("VOCdevkit", "VOC2009")},
    # (the 2008 archive is saved under the 2012 name, as torchvision does)
    "2008": {"url": _THOR + "voc2008/VOCtrainval_14-Jul-2008.tar", "filename": "VOCtrainval_11-May-2012.tar",
             "md5": "2629fa636546599198acfcfbfcf1904a", "base_dir": os.path.join("VOCdevkit", "VOC2008")},
    "2007": {"url": _THOR + "voc2007/VOCtrainval_06-Nov-2007.tar", "filename": "VOCtrainval_06-Nov-2007.tar",
             "md5": "c52e279531787c972589f7e41ab4ae64", "base_dir": os.path.join("VOCdevkit", "VOC2007")},
    "2007-test": {"url": _THOR + "voc2007/VOCtest_06-Nov-2007.tar", "filename": "VOCtest_06-Nov-2007.tar",
                  "md5": "b6e924de25625d8de591ea690078ad9f", "base_dir": os.path.join("VOCdevkit", "VOC2007")},
}


class _VOCBase(VisionDataset):
    """Shared loading of a ``VOCdevkit/VOC<year>`` folder: the split list in ``ImageSets/<_SPLITS_DIR>``, images in
    ``JPEGImages`` and one target file per image in ``<_TARGET_DIR>``."""

    _SPLITS_DIR = None
    _TARGET_DIR = None
    _TARGET_FILE_EXT = None

    def __init__(self, root, year="2012", image_set="train", download=False, transform=None, target_transform=None,
                 transforms=None):
        super().__init__(root, transforms, transform, target_transform)
        self.year = verify_str_arg(year, "year", valid_values=[str(y) for y in range(2007, 2013)])
        image_sets = ["train", "trainval", "val"] + (["test"] if year == "2007" else [])
        self.image_set = verify_str_arg(image_set, "image_set", image_sets)
        info = DATASET_YEAR_DICT["2007-test" if year == "2007" and image_set == "test" else year]
        self.url, self.filename, self.md5 = info["url"], info["filename"], info["md5"]
        voc_root = os.path.join(self.root, info["base_dir"])
        if download:
            download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.md5)
        if not os.path.isdir(voc_root):
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        with open(os.path.join(voc_root, "ImageSets", self._SPLITS_DIR, image_set.rstrip("\n") + ".txt")) as f:
            names = [line.strip() for line in f.readlines()]
        self.images = [os.path.join(voc_root, "JPEGImages", name + ".jpg") for name in names]
        self.targets = [os.path.join(voc_root, self._TARGET_DIR, name + self._TARGET_FILE_EXT) for name in names]

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        """(image, target): the PIL RGB image and its target (see ``_load_target``)."""
        from PIL import Image
        img = Image.open(self.images[index]).convert("RGB")
        target = self._load_target(index)
        if self.transforms is not None:
            img, target = self.transforms(img, target)
        return img, target

    def _load_target(self, index):
        raise NotImplementedError


class VOCSegmentation(_VOCBase):
    """PASCAL VOC semantic segmentation: images with class-index masks (palette PNGs, 255 = boundary).

    Args:
        root: the folder holding (or receiving) ``VOCdevkit`` (``TrainVal/VOCdevkit`` for 2011).
        year: ``"2007"`` to ``"2012"`` (a string).
        image_set: ``"train"``, ``"trainval"`` or ``"val"`` (and ``"test"`` for 2007).
        download: fetch and extract the year's archive (checking its MD5).
        transform: applied to the image (a PIL RGB image).
        target_transform: applied to the mask (a PIL image).
        transforms: a callable on (image, mask) (exclusive with the two above).

    Example::

        >>> ds = VOCSegmentation("data", year="2012", image_set="val")
        >>> img, mask = ds[0]
    """

    _SPLITS_DIR = "Segmentation"
    _TARGET_DIR = "SegmentationClass"
    _TARGET_FILE_EXT = ".png"

    @property
    def masks(self):
        """The mask file of each image."""
        return self.targets

    def _load_target(self, index):
        # the mask as a PIL image (palette mode)
        from PIL import Image
        return Image.open(self.masks[index])


class VOCDetection(_VOCBase):
    """PASCAL VOC object detection: images with their XML annotation parsed into nested dicts.

    The target is ``{"annotation": {...}}``: each XML element becomes ``{tag: text}`` (leaves) or ``{tag: {...}}``,
    repeated child tags become lists, and ``annotation["object"]`` is always a list of object dicts (each with
    ``name``, ``bndbox`` of string coordinates, ``difficult``, ...).

    Args:
        root: the folder holding (or receiving) ``VOCdevkit`` (``TrainVal/VOCdevkit`` for 2011).
        year: ``"2007"`` to ``"2012"`` (a string).
        image_set: ``"train"``, ``"trainval"`` or ``"val"`` (and ``"test"`` for 2007).
        download: fetch and extract the year's archive (checking its MD5).
        transform: applied to the image (a PIL RGB image).
        target_transform: applied to the annotation dict.
        transforms: a callable on (image, annotation) (exclusive with the two above).

    Example::

        >>> ds = VOCDetection("data", year="2007", image_set="test")
        >>> img, target = ds[0]
        >>> [obj["name"] for obj in target["annotation"]["object"]]
    """

    _SPLITS_DIR = "Main"
    _TARGET_DIR = "Annotations"
    _TARGET_FILE_EXT = ".xml"

    @property
    def annotations(self):
        """The XML annotation file of each image."""
        return self.targets

    def _load_target(self, index):
        return self.parse_voc_xml(_parse_xml(self.annotations[index]).getroot())

    @staticmethod
    def parse_voc_xml(node):
        """An XML element as nested dicts: ``{tag: stripped text}`` for a leaf (``{}`` when it has no text),
        ``{tag: {child tag: value or list of values}}`` otherwise; ``annotation`` keeps ``object`` as a list."""
        children = list(node)
        if not children:
            return {node.tag: node.text.strip()} if node.text else {}
        grouped = {}
        for child in children:
            for key, value in VOCDetection.parse_voc_xml(child).items():
                grouped.setdefault(key, []).append(value)
        if node.tag == "annotation":  # one object would otherwise collapse to a dict: keep a list (maybe empty)
            grouped["object"] = [grouped.get("object", [])]
        return {node.tag: {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}}
