"""``CocoDetection`` and ``CocoCaptions``: MS COCO images with their annotations, read from the official annotation
JSON with the ``json`` module (torchvision uses pycocotools; the targets are the same)."""

import json
import os

from ember.vision.datasets.vision import VisionDataset


def _as_list(ids):
    # one id or name (a string included) -> [it]; a sequence or an array -> a list
    return list(ids) if hasattr(ids, "__iter__") and hasattr(ids, "__len__") and not isinstance(ids, str) else [ids]


class _COCOIndex:
    """The part of pycocotools' ``COCO`` index that the datasets (and common tutorial code) use.

    ``dataset`` is the parsed JSON; ``imgs``, ``anns`` and ``cats`` map ids to their dicts, ``imgToAnns`` lists each
    image's annotations and ``catToImgs`` each category's image ids, both in the file's annotation order."""

    def __init__(self, annotation_file=None):
        self.dataset, self.anns, self.cats, self.imgs = {}, {}, {}, {}
        self.imgToAnns, self.catToImgs = {}, {}
        if annotation_file is not None:
            with open(annotation_file) as f:
                dataset = json.load(f)
            if not isinstance(dataset, dict):
                raise AssertionError(f"annotation file format {type(dataset)} not supported")
            self.dataset = dataset
            self.createIndex()

    def createIndex(self):
        """Build the id maps from ``dataset``."""
        self.anns, self.cats, self.imgs, self.imgToAnns, self.catToImgs = {}, {}, {}, {}, {}
        for ann in self.dataset.get("annotations", []):
            self.imgToAnns.setdefault(ann["image_id"], []).append(ann)
            self.anns[ann["id"]] = ann
        for img in self.dataset.get("images", []):
            self.imgs[img["id"]] = img
        for cat in self.dataset.get("categories", []):
            self.cats[cat["id"]] = cat
        if "annotations" in self.dataset and "categories" in self.dataset:
            for ann in self.dataset["annotations"]:
                self.catToImgs.setdefault(ann["category_id"], []).append(ann["image_id"])

    def getAnnIds(self, imgIds=(), catIds=(), areaRng=(), iscrowd=None):
        """Ids of the annotations of the given images (all when empty), filtered by category, area and crowd."""
        imgIds, catIds = _as_list(imgIds), _as_list(catIds)
        if imgIds:
            anns = [ann for i in imgIds for ann in self.imgToAnns.get(i, [])]
        else:
            anns = self.dataset.get("annotations", [])
        if catIds:
            anns = [ann for ann in anns if ann["category_id"] in catIds]
        if areaRng:
            anns = [ann for ann in anns if areaRng[0] < ann["area"] < areaRng[1]]
        if iscrowd is not None:
            return [ann["id"] for ann in anns if ann["iscrowd"] == iscrowd]
        return [ann["id"] for ann in anns]

    def getCatIds(self, catNms=(), supNms=(), catIds=()):
        """Ids of the categories matching the given names, supercategories and ids (all when empty)."""
        catNms, supNms, catIds = _as_list(catNms), _as_list(supNms), _as_list(catIds)
        cats = self.dataset.get("categories", [])
        if catNms:
            cats = [c for c in cats if c["name"] in catNms]
        if supNms:
            cats = [c for c in cats if c["supercategory"] in supNms]
        if catIds:
            cats = [c for c in cats if c["id"] in catIds]
        return [c["id"] for c in cats]

    def getImgIds(self, imgIds=(), catIds=()):
        """Ids of the given images (all when empty) that hold every given category."""
        imgIds, catIds = _as_list(imgIds), _as_list(catIds)
        if not imgIds and not catIds:
            return list(self.imgs)
        ids = set(imgIds)
        for i, cat in enumerate(catIds):
            with_cat = set(self.catToImgs.get(cat, []))
            ids = with_cat if i == 0 and not imgIds else ids & with_cat
        return list(ids)

    def loadAnns(self, ids=()):
        """The annotation dicts of ``ids`` (a list, or one id)."""
        return [self.anns[i] for i in _as_list(ids)]

    def loadCats(self, ids=()):
        """The category dicts of ``ids`` (a list, or one id)."""
        return [self.cats[i] for i in _as_list(ids)]

    def loadImgs(self, ids=()):
        """The image dicts of ``ids`` (a list, or one id)."""
        return [self.imgs[i] for i in _as_list(ids)]


class CocoDetection(VisionDataset):
    """MS COCO detection (or keypoints, stuff, panoptic-style JSON): each image with its list of annotations.

    Args:
        root: the folder holding the images (``file_name`` in the JSON is relative to it).
        annFile: the annotation JSON (``images``, ``annotations``, ``categories``).
        transform: applied to the image (a PIL RGB image).
        target_transform: applied to the target.
        transforms: a callable on (image, target) (exclusive with the two above).

    Items come in ascending image id order; the target is the list of the image's annotation dicts (``bbox``
    ``[x, y, w, h]``, ``category_id``, ``segmentation``, ...) in the file's order. ``coco`` offers pycocotools'
    lookups (``getAnnIds``, ``getCatIds``, ``getImgIds``, ``loadAnns``, ``loadCats``, ``loadImgs``, ``cats``, ...).

    Example::

        >>> ds = CocoDetection("coco/val2017", "coco/annotations/instances_val2017.json")
        >>> img, anns = ds[0]
        >>> [ds.coco.cats[a["category_id"]]["name"] for a in anns]
    """

    def __init__(self, root, annFile, transform=None, target_transform=None, transforms=None):
        super().__init__(root, transforms, transform, target_transform)
        self.coco = _COCOIndex(annFile)
        self.ids = sorted(self.coco.imgs.keys())

    def _load_image(self, id):
        from PIL import Image
        path = self.coco.loadImgs(id)[0]["file_name"]
        return Image.open(os.path.join(self.root, path)).convert("RGB")

    def _load_target(self, id):
        return self.coco.loadAnns(self.coco.getAnnIds(id))

    def __getitem__(self, index):
        """(image, target): the PIL RGB image and its annotations."""
        if not isinstance(index, int):
            raise ValueError(f"Index must be of type integer, got {type(index)} instead.")
        id = self.ids[index]
        image, target = self._load_image(id), self._load_target(id)
        if self.transforms is not None:
            image, target = self.transforms(image, target)
        return image, target

    def __len__(self):
        return len(self.ids)


class CocoCaptions(CocoDetection):
    """MS COCO captions: each image with the list of its caption strings.

    Args:
        root: the folder holding the images.
        annFile: the captions JSON (e.g. ``captions_train2017.json``).
        transform: applied to the image (a PIL RGB image).
        target_transform: applied to the list of captions.
        transforms: a callable on (image, captions) (exclusive with the two above).

    Example::

        >>> ds = CocoCaptions("coco/val2017", "coco/annotations/captions_val2017.json")
        >>> img, captions = ds[0]
        >>> captions[0]
    """

    def _load_target(self, id):
        return [ann["caption"] for ann in super()._load_target(id)]
