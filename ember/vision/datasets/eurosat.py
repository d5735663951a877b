"""``EuroSAT``: Sentinel-2 satellite image patches in 10 land-use classes (an :class:`ImageFolder`)."""

import os

from ember.vision.datasets.folder import ImageFolder, default_loader
from ember.vision.datasets.utils import download_and_extract_archive


class EuroSAT(ImageFolder):
    """EuroSAT (RGB): 27,000 64x64 images in 10 classes, read as an :class:`ImageFolder`.

    Files live in ``root/eurosat/2750/<class>/*.jpg``; ``classes`` are the sorted folder names.

    Args:
        root: the folder holding (or receiving) ``eurosat``.
        transform: applied to the image (a PIL RGB image from ``loader``).
        target_transform: applied to the int label.
        download: fetch and extract the archive (checking its MD5) unless it is already there.
        loader: reads one image file (default: pillow, converted to RGB).

    Example::

        >>> ds = EuroSAT("data", download=True)
        >>> ds.classes[ds[0][1]]
        'AnnualCrop'
    """

    _URL = ("https://huggingface.co/datasets/torchgeo/eurosat/resolve/c877bcd43f099cd0196738f714544e355477f3fd/"
            "EuroSAT.zip")
    _MD5 = "c8fa014336c82ac7804f0398fcb19387"

    def __init__(self, root, transform=None, target_transform=None, download=False, loader=default_loader):
        self.root = os.path.expanduser(root)
        self._base_folder = os.path.join(self.root, "eurosat")
        self._data_folder = os.path.join(self._base_folder, "2750")
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        super().__init__(self._data_folder, transform=transform, target_transform=target_transform, loader=loader)
        self.root = os.path.expanduser(root)

    def _check_exists(self):
        return os.path.exists(self._data_folder)

    def download(self):
        """Download and extract the archive into ``root/eurosat`` (checking its MD5) unless already there."""
        if self._check_exists():
            return
        os.makedirs(self._base_folder, exist_ok=True)
        download_and_extract_archive(self._URL, download_root=self._base_folder, md5=self._MD5)
