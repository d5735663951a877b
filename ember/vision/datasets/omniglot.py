"""``Omniglot``: 1,623 handwritten characters from 50 alphabets (``.png`` strokes, 20 drawings each)."""

import os

from ember.vision.datasets.utils import check_integrity, download_and_extract_archive, list_dir, list_files
from ember.vision.datasets.vision import VisionDataset


class Omniglot(VisionDataset):
    """Omniglot: images of handwritten characters; the target is the character's index.

    Files live in ``root/omniglot-py/images_background/`` (``background=True``, 964 characters) or
    ``images_evaluation/`` (659 characters), as ``<alphabet>/<character>/*.png``; the matching ``.zip`` next to
    the folder is MD5-checked. Characters are numbered in the folders' listing order (as
    ``os.listdir`` gives it); ``root`` becomes
    ``root/omniglot-py``.

    Args:
        root: the folder holding (or receiving) ``omniglot-py``.
        background: the background set (else the evaluation set).
        transform: applied to the image (a grayscale ``"L"`` PIL image by default).
        target_transform: applied to the int character index.
        download: fetch and extract the zip (checking its MD5) unless it is already valid.
        loader: reads one image file (default: pillow, converted to ``"L"``).

    Example::

        >>> ds = Omniglot("data", background=False, download=True, transform=transforms.ToTensor())
        >>> img, character_class = ds[0]
        >>> img.shape
        ember.Size([1, 105, 105])
    """

    folder = "omniglot-py"
    download_url_prefix = "https://raw.githubusercontent.com/brendenlake/omniglot/master/python"
    zips_md5 = {"images_background": "68d2efa1b9178cc56df9314c21c6e718",
                "images_evaluation": "6b91aef0f799c5bb55b94e3f2daec811"}

    def __init__(self, root, background=True, transform=None, target_transform=None, download=False,
                 loader=None):
        super().__init__(os.path.join(root, self.folder), transform=transform, target_transform=target_transform)
        self.background = background
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        self.target_folder = os.path.join(self.root, self._get_target_folder())
        self._alphabets = list_dir(self.target_folder)
        # alphabets, characters and drawings keep the file system's listing order (torchvision's numbering)
        self._characters = [os.path.join(a, c) for a in self._alphabets
                            for c in list_dir(os.path.join(self.target_folder, a))]
        self._character_images = [
            [(image, idx) for image in list_files(os.path.join(self.target_folder, character), ".png")]
            for idx, character in enumerate(self._characters)]
        self._flat_character_images = [item for images in self._character_images for item in images]
        self.loader = loader

    def __len__(self):
        return len(self._flat_character_images)

    def __getitem__(self, index):
        """(image, target): the drawing (an ``"L"`` PIL image by default) and the int character index."""
        image_name, character_class = self._flat_character_images[index]
        path = os.path.join(self.target_folder, self._characters[character_class], image_name)
        if self.loader is None:
            from PIL import Image
            image = Image.open(path, mode="r").convert("L")
        else:
            image = self.loader(path)
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            character_class = self.target_transform(character_class)
        return image, character_class

    def _check_integrity(self):
        name = self._get_target_folder()
        return check_integrity(os.path.join(self.root, name + ".zip"), self.zips_md5[name])

    def download(self):
        """Download and extract the set's zip into ``root`` (checking its MD5) unless it is already valid."""
        if self._check_integrity():
            return
        name = self._get_target_folder()
        download_and_extract_archive(f"{self.download_url_prefix}/{name}.zip", self.root, filename=name + ".zip",
                                     md5=self.zips_md5[name])

    def _get_target_folder(self):
        return "images_background" if self.background else "images_evaluation"
