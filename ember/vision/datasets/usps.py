"""``USPS``: 16x16 grey handwritten digits from the US Postal Service (bz2-compressed LIBSVM text)."""

import bz2
import os
import re

import numpy as np

from ember.vision.datasets import vision
from ember.vision.datasets.utils import download_url
from ember.vision.datasets.vision import VisionDataset, _array_batch, _image_item


def _read_libsvm_dense(path):
    """(uint8 images [N, 16, 16], 0-based int labels) from a dense LIBSVM file: ``label 1:v1 2:v2 ... 256:v256``
    per line, with values in [-1, 1] mapped to [0, 255] and labels 1-10 to 0-9."""
    with bz2.open(path) as f:
        text = f.read()
    # drop the "index:" prefixes, then parse every number of the file in one vectorised pass
    table = np.array(re.sub(rb"\s\d+:", b" ", text).split(), dtype=np.bytes_)
    lines = len(text.splitlines())
    if table.size != 257 * lines:
        raise RuntimeError(f"{os.fspath(path)}: expected a label and 256 values on each of its {lines} lines, got "
                           f"{table.size} numbers (corrupt file?)")
    table = table.reshape(-1, 257)
    labels = [int(v) - 1 for v in table[:, 0].tolist()]
    values = table[:, 1:].astype(np.float32)
    images = ((values.reshape(-1, 16, 16) + 1) / 2 * 255).astype(np.uint8)
    return images, labels


class USPS(VisionDataset):
    """USPS handwritten digits: 7,291 training and 2,007 test 16x16 grey images, labels 0-9.

    The file (``usps.bz2`` or ``usps.t.bz2``) lives directly in ``root``; pixel values in [-1, 1] are mapped to
    uint8 [0, 255]. ``data`` is a uint8 NumPy array ``[N, 16, 16]`` and ``targets`` a list of ints, as in
    torchvision.

    Args:
        root: the folder holding the ``.bz2`` file.
        train: ``usps.bz2`` (else ``usps.t.bz2``).
        transform: applied to the image (a PIL "L" image, or a uint8 [16, 16] array without pillow).
        target_transform: applied to the int label.
        download: fetch the file (checking its MD5) if it is missing.

    Example::

        >>> ds = USPS("data", train=False, download=True, transform=transforms.ToTensor())
        >>> ds[0][0].shape
        ember.Size([1, 16, 16])
    """

    split_list = {
        "train": ["https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/usps.bz2", "usps.bz2",
                  "ec16c51db3855ca6c91edd34d0e9b197"],
        "test": ["https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/usps.t.bz2", "usps.t.bz2",
                 "8ea070ee2aca1ac39742fdd1ef5ed118"],
    }

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        url, filename, checksum = self.split_list["train" if train else "test"]
        full_path = os.path.join(self.root, filename)
        if download and not os.path.exists(full_path):
            download_url(url, self.root, filename, md5=checksum)
        self.data, self.targets = _read_libsvm_dense(full_path)

    def __getitem__(self, index):
        """(image, target): a PIL "L" image (a uint8 [16, 16] array without pillow) and the int label."""
        return _image_item(self, self.data[index], int(self.targets[index]))

    def __len__(self):
        return len(self.data)

    def _ember_batch(self, indices):
        # Whole-batch loading for DataLoader's default collate: exact when every transform is batchable.
        return _array_batch(self, USPS, self.data, self.targets, indices, vision._pil_module)
