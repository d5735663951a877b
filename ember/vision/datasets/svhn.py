"""``SVHN``: Street View House Numbers, cropped 32x32 digits (MATLAB ``.mat`` files, read with scipy)."""

import os

import numpy as np

from ember.vision.datasets import vision
from ember.vision.datasets.utils import check_integrity, download_url, verify_str_arg
from ember.vision.datasets.vision import VisionDataset, _array_batch, _image_item


class SVHN(VisionDataset):
    """SVHN's cropped digits (32x32 RGB); the digit 0, labelled 10 in the files, gets label 0.

    Needs scipy (``scipy.io.loadmat``), imported when a dataset is built. The file (``train_32x32.mat``,
    ``test_32x32.mat`` or ``extra_32x32.mat``) lives directly in ``root``. ``data`` is a uint8 NumPy array
    ``[N, 3, 32, 32]`` and ``labels`` an int64 array, as in torchvision.

    Args:
        root: the folder holding the ``.mat`` file.
        split: ``"train"``, ``"test"`` or ``"extra"``.
        transform: applied to the image (a PIL RGB image, or a uint8 [32, 32, 3] array without pillow).
        target_transform: applied to the int label.
        download: fetch the file (checking its MD5) unless it is already valid.

    Example::

        >>> ds = SVHN("data", split="test", download=True, transform=transforms.ToTensor())
        >>> img, label = ds[0]
    """

    split_list = {
        "train": ["http://ufldl.stanford.edu/housenumbers/train_32x32.mat", "train_32x32.mat",
                  "e26dedcc434d2e4c54c9b2d4a06d8373"],
        "test": ["http://ufldl.stanford.edu/housenumbers/test_32x32.mat", "test_32x32.mat",
                 "eb5a983be6a315427106f1b164d9cef3"],
        "extra": ["http://ufldl.stanford.edu/housenumbers/extra_32x32.mat", "extra_32x32.mat",
                  "a93ce644f1a588dc4d68dda5feec44a7"],
    }

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", tuple(self.split_list))
        self.url, self.filename, self.file_md5 = self.split_list[split]
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        try:
            import scipy.io
        except ImportError:
            raise ImportError("SVHN needs scipy to read its .mat files: pip install scipy") from None
        loaded = scipy.io.loadmat(os.path.join(self.root, self.filename))
        self.labels = loaded["y"].astype(np.int64).squeeze()
        self.labels[self.labels == 10] = 0
        # stored as [32, 32, 3, N]; kept as [N, 3, 32, 32] like torchvision
        self.data = np.transpose(loaded["X"], (3, 2, 0, 1))

    def __getitem__(self, index):
        """(image, target): a PIL RGB image (a uint8 [32, 32, 3] array without pillow) and the int label."""
        return _image_item(self, np.transpose(self.data[index], (1, 2, 0)), int(self.labels[index]))

    def __len__(self):
        return len(self.data)

    def _ember_batch(self, indices):
        # Whole-batch loading for DataLoader's default collate: exact when every transform is batchable.
        images = self.data.transpose(0, 2, 3, 1) if isinstance(self.data, np.ndarray) and self.data.ndim == 4 else None
        return _array_batch(self, SVHN, images, self.labels, indices, vision._pil_module)

    def _check_integrity(self):
        return check_integrity(os.path.join(self.root, self.filename), self.split_list[self.split][2])

    def download(self):
        """Download the split's ``.mat`` file into ``root`` (checking its MD5) unless it is already valid."""
        download_url(self.url, self.root, self.filename, self.split_list[self.split][2])

    def extra_repr(self):
        return f"Split: {self.split}"
