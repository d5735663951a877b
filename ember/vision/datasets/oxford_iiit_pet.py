"""``OxfordIIITPet``: the Oxford-IIIT Pet dataset (37 cat and dog breeds, with trimap segmentations)."""

import os

from ember.vision.datasets.utils import download_and_extract_archive, verify_str_arg
from ember.vision.datasets.vision import VisionDataset


class OxfordIIITPet(VisionDataset):
    """Oxford-IIIT Pet: 7,349 images of 37 breeds (12 cats, 25 dogs), split trainval/test (3,680/3,669).

    Files live in ``root/oxford-iiit-pet/``: images in ``images/<id>.jpg``, the split lists in
    ``annotations/<split>.txt`` (lines ``<id> <class 1..37> <species 1=cat,2=dog> <breed id>``) and the trimaps
    in ``annotations/trimaps/<id>.png``.

    Args:
        root: the folder holding (or receiving) ``oxford-iiit-pet``.
        split: ``"trainval"`` or ``"test"``.
        target_types: one of ``"category"`` (int breed label, 0..36), ``"binary-category"`` (0 = cat, 1 = dog)
            and ``"segmentation"`` (the trimap as a PIL image), or a sequence of them (the target is then a tuple;
            an empty sequence gives the target None).
        transforms: a callable on (image, target) (exclusive with the two below).
        transform: applied to the image (a PIL RGB image).
        target_transform: applied to the target.
        download: fetch and extract the two archives (checking their MD5s) unless already there.

    Example::

        >>> ds = OxfordIIITPet("data", split="test", target_types=["category", "segmentation"], download=True)
        >>> img, (label, trimap) = ds[0]
        >>> ds.classes[label]
    """

    _RESOURCES = (
        ("https://www.robots.ox.ac.uk/~vgg/data/pets/data/images.tar.gz", "5c4f3ee8e5d25df40f4fd59a7f44e54c"),
        ("https://www.robots.ox.ac.uk/~vgg/data/pets/data/annotations.tar.gz", "95a8c909bbe2e81eed6a22bccdf3f68f"),
    )
    _VALID_TARGET_TYPES = ("category", "binary-category", "segmentation")

    def __init__(self, root, split="trainval", target_types="category", transforms=None, transform=None,
                 target_transform=None, download=False):
        self._split = verify_str_arg(split, "split", ("trainval", "test"))
        if isinstance(target_types, str):
            target_types = [target_types]
        self._target_types = [verify_str_arg(t, "target_types", self._VALID_TARGET_TYPES) for t in target_types]
        super().__init__(root, transforms=transforms, transform=transform, target_transform=target_transform)
        self._base_folder = os.path.join(self.root, "oxford-iiit-pet")
        self._images_folder = os.path.join(self._base_folder, "images")
        self._anns_folder = os.path.join(self._base_folder, "annotations")
        self._segs_folder = os.path.join(self._anns_folder, "trimaps")
        if download:
            self._download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        image_ids, self._labels, self._bin_labels = [], [], []
        with open(os.path.join(self._anns_folder, f"{self._split}.txt")) as f:
            for line in f:
                image_id, label, species, _ = line.strip().split()
                image_ids.append(image_id)
                self._labels.append(int(label) - 1)
                self._bin_labels.append(int(species) - 1)
        # class names come from the image ids ("great_pyrenees_12" -> "Great Pyrenees"), ordered by label
        breeds = sorted({(image_id.rsplit("_", 1)[0], label) for image_id, label in zip(image_ids, self._labels)},
                        key=lambda pair: pair[1])
        self.classes = [" ".join(word.title() for word in raw.split("_")) for raw, _ in breeds]
        self.bin_classes = ["Cat", "Dog"]
        self.class_to_idx = dict(zip(self.classes, range(len(self.classes))))
        self.bin_class_to_idx = dict(zip(self.bin_classes, range(len(self.bin_classes))))
        self._images = [os.path.join(self._images_folder, f"{i}.jpg") for i in image_ids]
        self._segs = [os.path.join(self._segs_folder, f"{i}.png") for i in image_ids]

    def __len__(self):
        return len(self._images)

    def __getitem__(self, idx):
        """(image, target): the PIL RGB image and the target(s) chosen by ``target_types``."""
        from PIL import Image
        image = Image.open(self._images[idx]).convert("RGB")
        target = []
        for kind in self._target_types:
            if kind == "category":
                target.append(self._labels[idx])
            elif kind == "binary-category":
                target.append(self._bin_labels[idx])
            else:
                target.append(Image.open(self._segs[idx]))
        target = None if not target else target[0] if len(target) == 1 else tuple(target)
        if self.transforms is not None:
            image, target = self.transforms(image, target)
        return image, target

    def _check_exists(self):
        return all(os.path.isdir(folder) for folder in (self._images_folder, self._anns_folder))

    def _download(self):
        if self._check_exists():
            return
        for url, md5 in self._RESOURCES:
            download_and_extract_archive(url, download_root=self._base_folder, md5=md5)
