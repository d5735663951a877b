"""``Flowers102``: the Oxford 102 Category Flower dataset (JPEG images, MATLAB ``.mat`` labels read with scipy)."""

import os

from ember.vision.datasets.folder import default_loader
from ember.vision.datasets.utils import check_integrity, download_and_extract_archive, download_url, verify_str_arg
from ember.vision.datasets.vision import VisionDataset, _LoadedImageItems

_CLASSES = [
    'pink primrose', 'hard-leaved pocket orchid', 'canterbury bells', 'sweet pea', 'english marigold', 'tiger lily',
    'moon orchid', 'bird of paradise', 'monkshood', 'globe thistle', 'snapdragon', "colt's foot", 'king protea',
    'spear thistle', 'yellow iris', 'globe-flower', 'purple coneflower', 'peruvian lily', 'balloon flower',
    'giant white arum lily', 'fire lily', 'pincushion flower', 'fritillary', 'red ginger', 'grape hyacinth',
    'corn poppy', 'prince of wales feathers', 'stemless gentian', 'artichoke', 'sweet william', 'carnation',
    'garden phlox', 'love in the mist', 'mexican aster', 'alpine sea holly', 'ruby-lipped cattleya', 'cape flower',
    'great masterwort', 'siam tulip', 'lenten rose', 'barbeton daisy', 'daffodil', 'sword lily', 'poinsettia',
    'bolero deep blue', 'wallflower', 'marigold', 'buttercup', 'oxeye daisy', 'common dandelion', 'petunia',
    'wild pansy', 'primula', 'sunflower', 'pelargonium', 'bishop of llandaff', 'gaura', 'geranium', 'orange dahlia',
    'pink-yellow dahlia?', 'cautleya spicata', 'japanese anemone', 'black-eyed susan', 'silverbush',
    'californian poppy', 'osteospermum', 'spring crocus', 'bearded iris', 'windflower', 'tree poppy', 'gazania',
    'azalea', 'water lily', 'rose', 'thorn apple', 'morning glory', 'passion flower', 'lotus', 'toad lily',
    'anthurium', 'frangipani', 'clematis', 'hibiscus', 'columbine', 'desert-rose', 'tree mallow', 'magnolia',
    'cyclamen', 'watercress', 'canna lily', 'hippeastrum', 'bee balm', 'ball moss', 'foxglove', 'bougainvillea',
    'camellia', 'mallow', 'mexican petunia', 'bromelia', 'blanket flower', 'trumpet creeper', 'blackberry lily',]


def _loadmat(path):
    try:
        import scipy.io
    except ImportError:
        raise ImportError("Flowers102 needs scipy to read its .mat files: pip install scipy") from None
    return scipy.io.loadmat(path, squeeze_me=True)


class Flowers102(_LoadedImageItems, VisionDataset):
    """Oxford 102 Flowers: 8,189 images of 102 flower categories, split train/val/test (1,020/1,020/6,149).

    Needs scipy (``scipy.io.loadmat``) for the label files. Files live in ``root/flowers-102/``: the images in
    ``jpg/image_XXXXX.jpg``, the labels (1-based in the file, 0-based here) in ``imagelabels.mat`` and the split
    ids in ``setid.mat``.

    Args:
        root: the folder holding (or receiving) ``flowers-102``.
        split: ``"train"``, ``"val"`` or ``"test"``.
        transform: applied to the image (a PIL RGB image from ``loader``).
        target_transform: applied to the int label.
        download: fetch and extract the files (checking their MD5s) unless they are already there.
        loader: reads one image file (default: pillow, converted to RGB).

    Example::

        >>> ds = Flowers102("data", split="val", download=True, transform=transforms.ToTensor())
        >>> img, label = ds[0]
        >>> ds.classes[label]
    """

    _download_url_prefix = "https://www.robots.ox.ac.uk/~vgg/data/flowers/102/"
    _file_dict = {
        "image": ("102flowers.tgz", "52808999861908f626f3c1f4e79d11fa"),
        "label": ("imagelabels.mat", "e0620be6f572b9609742df49c70aed4d"),
        "setid": ("setid.mat", "a5357ecc9cb78c4bef273ce3793fc85c"),
    }
    _splits_map = {"train": "trnid", "val": "valid", "test": "tstid"}
    classes = _CLASSES

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False,
                 loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "val", "test"))
        self._base_folder = os.path.join(self.root, "flowers-102")
        self._images_folder = os.path.join(self._base_folder, "jpg")
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        ids = _loadmat(os.path.join(self._base_folder, self._file_dict["setid"][0]))[self._splits_map[split]]
        labels = _loadmat(os.path.join(self._base_folder, self._file_dict["label"][0]))["labels"]
        ids = [int(i) for i in ids.reshape(-1)]
        labels = labels.reshape(-1)
        self._labels = [int(labels[i - 1]) - 1 for i in ids]
        self._image_files = [os.path.join(self._images_folder, f"image_{i:05d}.jpg") for i in ids]
        self.loader = loader

    def extra_repr(self):
        return f"split={self._split}"

    def _check_integrity(self):
        if not os.path.isdir(self._images_folder):
            return False
        return all(check_integrity(os.path.join(self._base_folder, name), md5)
                   for name, md5 in (self._file_dict["label"], self._file_dict["setid"]))

    def download(self):
        """Download the image archive and the two ``.mat`` files (checking MD5s) unless already present."""
        if self._check_integrity():
            return
        name, md5 = self._file_dict["image"]
        download_and_extract_archive(f"{self._download_url_prefix}{name}", self._base_folder, md5=md5)
        for key in ("label", "setid"):
            name, md5 = self._file_dict[key]
            download_url(self._download_url_prefix + name, self._base_folder, md5=md5)
