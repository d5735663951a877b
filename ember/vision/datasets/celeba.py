"""``CelebA``: the Large-scale CelebFaces Attributes dataset (aligned face JPEGs with attribute, identity, box and
landmark annotations in whitespace-separated text files)."""

import csv
import os
from collections import namedtuple

import numpy as np

from ember._tensor import wrap
from ember.vision.datasets.utils import download_file_from_google_drive, extract_archive, verify_str_arg
from ember.vision.datasets.vision import VisionDataset

_CSV = namedtuple("_CSV", ["header", "index", "data"])


class CelebA(VisionDataset):
    """CelebA: 202,599 aligned face images of 10,177 identities, each with 40 binary attributes, a bounding box and
    five landmarks; split train/valid/test (162,770/19,867/19,962).

    Files live in ``root/celeba/``: the images in ``img_align_celeba/<name>.jpg`` and the annotations in
    ``list_eval_partition.txt`` (0/1/2 = train/valid/test), ``list_attr_celeba.txt`` (values -1/1, returned as
    0/1), ``identity_CelebA.txt``, ``list_bbox_celeba.txt`` and ``list_landmarks_align_celeba.txt``.

    Args:
        root: the folder holding (or receiving) ``celeba``.
        split: ``"train"``, ``"valid"``, ``"test"`` or ``"all"``.
        target_type: one of ``"attr"`` (int64 ``[40]``), ``"identity"`` (int64 scalar), ``"bbox"`` (int64
            ``[4]``: x, y, width, height) and ``"landmarks"`` (int64 ``[10]``), or a list of them (the target is
            then a tuple in that order; an empty list gives the target None).
        transform: applied to the image (a PIL image).
        target_transform: applied to the target.
        download: fetch the files from Google Drive (needs ``gdown``; MD5-checked) and unpack the images.

    Attributes:
        attr, identity, bbox, landmarks_align: int64 tensors with one row per image of the split.
        attr_names: the 40 attribute names.
        filename: the split's image file names.

    Example::

        >>> ds = CelebA("data", split="valid", target_type=["attr", "bbox"], transform=transforms.ToTensor())
        >>> img, (attr, bbox) = ds[0]
        >>> ds.attr_names[int(attr.argmax())]
    """

    base_folder = "celeba"
    # (Google Drive file id, MD5, file name)
    file_list = [
        ("0B7EVK8r0v71pZjFTYXZWM3FlRnM", "00d2c5bc6d35e252742224ab0c1e8fcb", "img_align_celeba.zip"),
        ("0B7EVK8r0v71pblRyaVFSWGxPY0U", "75e246fa4810816ffd6ee81facbd244c", "list_attr_celeba.txt"),
        ("1_ee_0u7vcNLOfNLegJRHmolfH5ICW-XS", "32bd1bd63d3c78cd57e08160ec5ed1e2", "identity_CelebA.txt"),
        ("0B7EVK8r0v71pbThiMVRxWXZ4dU0", "00566efa6fedff7a56946cd1c10f1c16", "list_bbox_celeba.txt"),
        ("0B7EVK8r0v71pd0FJY3Blby1HUTQ", "cc24ecafdb5b50baae59b03474781f8c", "list_landmarks_align_celeba.txt"),
        ("0B7EVK8r0v71pY0NSMzRuSXJEVkk", "d32c9cbf5e040fd4025c592c306e6668", "list_eval_partition.txt"),
    ]

    def __init__(self, root, split="train", target_type="attr", transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = split
        self.target_type = list(target_type) if isinstance(target_type, list) else [target_type]
        if not self.target_type and self.target_transform is not None:
            raise RuntimeError("target_transform is specified but target_type is empty")
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        split_code = {"train": 0, "valid": 1, "test": 2, "all": None}[
            verify_str_arg(split.lower(), "split", ("train", "valid", "test", "all"))]
        splits = self._load_csv("list_eval_partition.txt")
        identity = self._load_csv("identity_CelebA.txt")
        bbox = self._load_csv("list_bbox_celeba.txt", header=1)
        landmarks_align = self._load_csv("list_landmarks_align_celeba.txt", header=1)
        attr = self._load_csv("list_attr_celeba.txt", header=1)
        if split_code is None:
            keep = slice(None)
            self.filename = splits.index
        else:
            keep = np.flatnonzero(splits.data.reshape(len(splits.index), -1)[:, 0] == split_code)
            self.filename = [splits.index[i] for i in keep.tolist()]
        self.identity = wrap(np.ascontiguousarray(identity.data[keep]))
        self.bbox = wrap(np.ascontiguousarray(bbox.data[keep]))
        self.landmarks_align = wrap(np.ascontiguousarray(landmarks_align.data[keep]))
        self.attr = wrap((attr.data[keep] + 1) // 2)  # {-1, 1} -> {0, 1}
        self.attr_names = attr.header

    def _load_csv(self, filename, header=None):
        """(header, first column, the other columns as an int64 array) of a space-separated annotation file;
        ``header`` is the line number of the column names (the lines above it are skipped)."""
        with open(os.path.join(self.root, self.base_folder, filename)) as f:
            rows = list(csv.reader(f, delimiter=" ", skipinitialspace=True))  # runs of spaces separate fields
        names = []
        if header is not None:
            names, rows = rows[header], rows[header + 1:]
        index = [row[0] for row in rows]
        data = np.array([row[1:] for row in rows], dtype=np.int64)
        return _CSV(names, index, data)

    def _check_integrity(self):
        from ember.vision.datasets.utils import check_integrity
        folder = os.path.join(self.root, self.base_folder)
        for _, md5, filename in self.file_list:
            # the image archive may be deleted once unpacked: only the text files are checked
            if os.path.splitext(filename)[1] not in (".zip", ".7z") and not check_integrity(
                    os.path.join(folder, filename), md5):
                return False
        return os.path.isdir(os.path.join(folder, "img_align_celeba"))

    def download(self):
        """Download every file from Google Drive (checking MD5s) and unpack the images, unless already present."""
        if self._check_integrity():
            return
        folder = os.path.join(self.root, self.base_folder)
        for file_id, md5, filename in self.file_list:
            download_file_from_google_drive(file_id, folder, filename, md5)
        extract_archive(os.path.join(folder, "img_align_celeba.zip"))

    def __getitem__(self, index):
        """(image, target): the PIL image and the target(s) chosen by ``target_type`` (None when it is empty)."""
        from PIL import Image
        X = Image.open(os.path.join(self.root, self.base_folder, "img_align_celeba", self.filename[index]))
        target = []
        for t in self.target_type:
            if t == "attr":
                target.append(self.attr[index, :])
            elif t == "identity":
                target.append(self.identity[index, 0])
            elif t == "bbox":
                target.append(self.bbox[index, :])
            elif t == "landmarks":
                target.append(self.landmarks_align[index, :])
            else:
                raise ValueError(f'Target type "{t}" is not recognized.')
        if self.transform is not None:
            X = self.transform(X)
        if target:
            target = tuple(target) if len(target) > 1 else target[0]
            if self.target_transform is not None:
                target = self.target_transform(target)
        else:
            target = None
        return X, target

    def __len__(self):
        return len(self.attr)

    def extra_repr(self):
        return f"Target type: {self.target_type}\nSplit: {self.split}"
