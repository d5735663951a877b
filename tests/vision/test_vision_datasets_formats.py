"""CIFAR10/100, EMNIST, QMNIST, SVHN, USPS, STL10, FakeData and datasets.utils, side by side with torchvision.

Tiny files in each format are written into tmp_path and read by both libraries (download=False; the MD5 lists are
pointed at the fake files' digests on both classes); downloads are served from ``file://`` URLs, never the web."""

import bz2
import gzip
import hashlib
import io
import lzma
import os
import pickle
import struct
import tarfile
import zipfile

import numpy as np
import pytest
from PIL import Image

import ember
from ember.utils.data import DataLoader, default_collate
from ember.vision import datasets, transforms as T
from ember.vision.datasets import utils as dsutils, vision as vision_mod

NOT_FOUND = "Dataset not found or corrupted. You can use download=True to download it"


def md5_of(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def walk(root):
    """{relative path: bytes} of every file under ``root``."""
    out = {}
    for base, _, files in os.walk(root):
        for f in files:
            p = os.path.join(base, f)
            out[os.path.relpath(p, root)] = open(p, "rb").read()
    return out


def assert_items_equal(ours, theirs):
    """(image, target) pairs: PIL images with the same mode and pixels (or equal tensors), equal targets."""
    (a, y), (b, z) = ours, theirs
    if isinstance(b, Image.Image):
        assert isinstance(a, Image.Image) and a.mode == b.mode and a.size == b.size
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    else:
        assert a.dtype.name == str(b.dtype).split(".")[-1] and tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    if hasattr(z, "numpy"):
        np.testing.assert_array_equal(y.numpy(), z.numpy())
    else:
        assert type(y) is type(z) and y == z


def same_error(fn_ours, fn_theirs, exc=RuntimeError):
    with pytest.raises(exc) as ours:
        fn_ours()
    with pytest.raises(exc) as theirs:
        fn_theirs()
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
    return str(ours.value)


def both(tv_cls, em_cls, monkeypatch, **attrs):
    """Set class attributes (e.g. MD5 lists) on the torchvision and the ember class alike."""
    for name, value in attrs.items():
        monkeypatch.setattr(tv_cls, name, value)
        monkeypatch.setattr(em_cls, name, value)


@pytest.fixture
def tv_file_urls(monkeypatch, torchvision):
    """torchvision's downloader reads ``response.length``, which ``file://`` responses lack: let it copy instead."""
    import shutil
    import urllib.parse
    import urllib.request

    def copy(url, filename, chunk_size=None):
        shutil.copyfile(urllib.request.url2pathname(urllib.parse.urlparse(url).path), filename)
    monkeypatch.setattr(torchvision.datasets.utils, "_urlretrieve", copy)
    return torchvision


def serve_tarball(tmp_path, folder, tv, em, monkeypatch):
    """Pack ``folder`` as both classes' ``filename`` archive and point their ``url``/``tgz_md5`` at it."""
    archive = tmp_path / em.filename
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=em.base_folder)
    both(tv, em, monkeypatch, url=archive.as_uri(), tgz_md5=md5_of(archive))


# ----------------------------------------------------------------------------- CIFAR

def write_cifar(root, folder, names, per_batch=5, n_classes=10, seed=0, label_key="labels", meta=("batches.meta",
                                                                                                    "label_names")):
    rng = np.random.default_rng(seed)
    d = os.path.join(root, folder)
    os.makedirs(d, exist_ok=True)
    for name in names:
        entry = {"batch_label": name, "data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 label_key: rng.integers(0, n_classes, per_batch).tolist(), "filenames": [f"{i}.png" for i in
                                                                                          range(per_batch)]}
        if label_key == "fine_labels":
            entry["coarse_labels"] = rng.integers(0, 20, per_batch).tolist()
        with open(os.path.join(d, name), "wb") as f:
            pickle.dump(entry, f, protocol=2)
    with open(os.path.join(d, meta[0]), "wb") as f:
        pickle.dump({meta[1]: [f"class{i}" for i in range(n_classes)], "num_vis": 3072}, f, protocol=2)
    return d


def cifar_setup(tmp_path, monkeypatch, torchvision, hundred=False):
    tv = torchvision.datasets.CIFAR100 if hundred else torchvision.datasets.CIFAR10
    em = datasets.CIFAR100 if hundred else datasets.CIFAR10
    if hundred:
        d = write_cifar(tmp_path, "cifar-100-python", ["train", "test"], per_batch=6, n_classes=100,
                        label_key="fine_labels", meta=("meta", "fine_label_names"))
        train, test = ["train"], ["test"]
    else:
        d = write_cifar(tmp_path, "cifar-10-batches-py", ["data_batch_1", "data_batch_2", "test_batch"])
        train, test = ["data_batch_1", "data_batch_2"], ["test_batch"]
    md5 = {n: md5_of(os.path.join(d, n)) for n in os.listdir(d)}
    both(tv, em, monkeypatch, train_list=[[n, md5[n]] for n in train], test_list=[[n, md5[n]] for n in test],
         meta={**em.meta, "md5": md5[em.meta["filename"]]})
    return tv, em, d


@pytest.mark.parametrize("hundred", [False, True])
def test_cifar_matches_torchvision(tmp_path, monkeypatch, torchvision, hundred):
    tv, em, _ = cifar_setup(tmp_path, monkeypatch, torchvision, hundred)
    for train in (True, False):
        ours, theirs = em(str(tmp_path), train=train), tv(str(tmp_path), train=train)
        assert len(ours) == len(theirs) == (6 if hundred else (10 if train else 5))
        assert isinstance(ours.data, np.ndarray) and ours.data.dtype == np.uint8
        assert ours.data.shape == theirs.data.shape
        np.testing.assert_array_equal(ours.data, theirs.data)
        assert ours.targets == theirs.targets and type(ours.targets) is list
        assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
        assert repr(ours) == repr(theirs)
        for i in range(len(ours)):
            assert_items_equal(ours[i], theirs[i])
    tf = lambda m: m.Compose([m.ToTensor(), m.Normalize((0.5, 0.4, 0.3), (0.2, 0.3, 0.4))])  # noqa: E731
    ours = em(tmp_path, transform=tf(T), target_transform=double)
    theirs = tv(tmp_path, transform=tf(torchvision.transforms), target_transform=double)
    assert_items_equal(ours[3], theirs[3])
    assert repr(ours) == repr(theirs)


def double(y):
    return y * 2


def test_cifar_errors_match_torchvision(tmp_path, monkeypatch, torchvision):
    tv, em, d = cifar_setup(tmp_path, monkeypatch, torchvision)
    assert same_error(lambda: em(tmp_path / "nowhere"), lambda: tv(tmp_path / "nowhere")) == NOT_FOUND
    with open(os.path.join(d, "batches.meta"), "ab") as f:  # corrupt meta file: the MD5 check refuses it
        f.write(b"x")
    assert same_error(lambda: em(tmp_path), lambda: tv(tmp_path)).startswith("Dataset metadata file not found")
    with open(os.path.join(d, "data_batch_2"), "ab") as f:
        f.write(b"x")
    assert same_error(lambda: em(tmp_path, train=False), lambda: tv(tmp_path, train=False)) == NOT_FOUND


def test_cifar_download_from_file_url(tmp_path, monkeypatch, tv_file_urls):
    torchvision = tv_file_urls
    tv, em, d = cifar_setup(tmp_path / "src", monkeypatch, torchvision)
    serve_tarball(tmp_path, d, tv, em, monkeypatch)
    ours, theirs = em(tmp_path / "a", download=True), tv(tmp_path / "b", download=True)
    np.testing.assert_array_equal(ours.data, theirs.data)
    assert walk(tmp_path / "a") == walk(tmp_path / "b")  # same files: archive + extracted folder
    assert sorted(walk(tmp_path / "a")) == sorted(["cifar-10-python.tar.gz"] + [
        os.path.join("cifar-10-batches-py", n) for n in ("data_batch_1", "data_batch_2", "test_batch", "batches.meta")])
    monkeypatch.setattr(em, "tgz_md5", "0" * 32)  # a corrupted download: refused, nothing left behind
    with pytest.raises(RuntimeError, match="File not found or corrupted"):
        em(tmp_path / "c", download=True)
    assert os.listdir(tmp_path / "c") == []
    monkeypatch.setattr(em, "url", (tmp_path / "missing.tar.gz").as_uri())
    ours = em(tmp_path / "a", download=True)  # already valid: nothing fetched
    assert len(ours) == 10


def test_cifar_fast_batches_equal_per_sample(tmp_path, monkeypatch, torchvision):
    cifar_setup(tmp_path, monkeypatch, torchvision)
    tf = T.Compose([T.ToTensor(), T.Normalize((0.5, 0.4, 0.3), (0.2, 0.3, 0.4))])
    ds = datasets.CIFAR10(tmp_path, transform=tf)
    fast = next(iter(DataLoader(ds, batch_size=7, shuffle=True, generator=ember.Generator().manual_seed(1))))
    slow = next(iter(DataLoader(ds, batch_size=7, shuffle=True, generator=ember.Generator().manual_seed(1),
                                collate_fn=lambda b: default_collate(b))))
    assert isinstance(ds._ember_batch([0, 1]), list)
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert tuple(fast[0].shape) == (7, 3, 32, 32) and fast[1].dtype == ember.int64
    ds.targets[0] = 1.5  # a non-int target collates differently: per-sample path
    assert ds._ember_batch([0, 1]) is NotImplemented
    assert datasets.CIFAR10(tmp_path, transform=T.Compose([T.RandomHorizontalFlip(), T.ToTensor()]))._ember_batch(
        [0]) is NotImplemented


def test_cifar_without_pillow_gives_arrays(tmp_path, monkeypatch, torchvision):
    cifar_setup(tmp_path, monkeypatch, torchvision)
    with_pil = datasets.CIFAR10(tmp_path, transform=T.ToTensor())
    monkeypatch.setattr(vision_mod, "_pil_module", lambda: None)
    ds = datasets.CIFAR10(tmp_path)
    img, y = ds[2]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8 and img.shape == (32, 32, 3)
    np.testing.assert_array_equal(img, ds.data[2])
    np.testing.assert_array_equal(datasets.CIFAR10(tmp_path, transform=T.ToTensor())[2][0].numpy(),
                                  with_pil[2][0].numpy())
    x, t = next(iter(DataLoader(ds, batch_size=4)))
    assert x.dtype == ember.uint8 and tuple(x.shape) == (4, 32, 32, 3)
    np.testing.assert_array_equal(t.numpy(), ds.targets[:4])


# ----------------------------------------------------------------------------- EMNIST / QMNIST

def idx_bytes(arr, type_code=0x08):
    arr = np.asarray(arr)
    head = bytes([0, 0, type_code, arr.ndim]) + b"".join(struct.pack(">i", d) for d in arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def emnist_files(seed=0):
    rng = np.random.default_rng(seed)
    files = {}
    for split in ("letters", "digits"):
        for part, n in (("train", 6), ("test", 3)):
            files[f"emnist-{split}-{part}-images-idx3-ubyte"] = idx_bytes(rng.integers(0, 256, (n, 28, 28),
                                                                                       dtype=np.uint8))
            files[f"emnist-{split}-{part}-labels-idx1-ubyte"] = idx_bytes(rng.integers(1, 27, n, dtype=np.uint8))
    return files


def test_emnist_matches_torchvision(tmp_path, torchvision):
    raw = tmp_path / "EMNIST" / "raw"
    os.makedirs(raw)
    for name, data in emnist_files().items():
        (raw / name).write_bytes(data)
    for split in ("letters", "digits"):
        for train in (True, False):
            ours = datasets.EMNIST(tmp_path, split=split, train=train)
            theirs = torchvision.datasets.EMNIST(tmp_path, split=split, train=train)
            assert len(ours) == len(theirs) and repr(ours) == repr(theirs)
            np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
            np.testing.assert_array_equal(ours.targets.numpy(), theirs.targets.numpy())
            assert ours.targets.dtype == ember.int64
            assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
            assert (ours.images_file, ours.labels_file) == (theirs.images_file, theirs.labels_file)
            assert (ours.training_file, ours.test_file) == (theirs.training_file, theirs.test_file)
            for i in range(len(ours)):
                assert_items_equal(ours[i], theirs[i])
    for split in datasets.EMNIST.splits:
        assert datasets.EMNIST.classes_split_dict[split] == torchvision.datasets.EMNIST.classes_split_dict[split]
    assert datasets.EMNIST.splits == torchvision.datasets.EMNIST.splits
    assert (datasets.EMNIST.url, datasets.EMNIST.md5) == (torchvision.datasets.EMNIST.url,
                                                         torchvision.datasets.EMNIST.md5)
    same_error(lambda: datasets.EMNIST(tmp_path, split="bogus"),
               lambda: torchvision.datasets.EMNIST(tmp_path, split="bogus"), ValueError)
    same_error(lambda: datasets.EMNIST(tmp_path, split="balanced"),
               lambda: torchvision.datasets.EMNIST(tmp_path, split="balanced"))


def test_emnist_download_zip_from_file_url(tmp_path, monkeypatch, tv_file_urls):
    torchvision = tv_file_urls
    archive = tmp_path / "gzip.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name, data in emnist_files().items():
            z.writestr(f"gzip/{name}.gz", gzip.compress(data))
        z.writestr("gzip/readme.txt", "not a split")
    both(torchvision.datasets.EMNIST, datasets.EMNIST, monkeypatch, url=archive.as_uri(), md5=md5_of(archive))
    ours = datasets.EMNIST(tmp_path / "a", split="letters", download=True)
    theirs = torchvision.datasets.EMNIST(tmp_path / "b", split="letters", download=True)
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    assert walk(tmp_path / "a") == walk(tmp_path / "b")  # zip kept, gzip/ folder removed, all splits decompressed
    assert "gzip.zip" in os.listdir(tmp_path / "a" / "EMNIST" / "raw")


def qmnist_arrays(n_test=10003, seed=0):
    # images may be any size for the reader; 2x2 keeps a >10,000-image test file tiny
    rng = np.random.default_rng(seed)
    return {"qmnist-train-images-idx3-ubyte": (rng.integers(0, 256, (7, 28, 28), dtype=np.uint8), 0x08),
            "qmnist-train-labels-idx2-int": (rng.integers(0, 70000, (7, 8)).astype(np.int32), 0x0C),
            "qmnist-test-images-idx3-ubyte": (rng.integers(0, 256, (n_test, 2, 2), dtype=np.uint8), 0x08),
            "qmnist-test-labels-idx2-int": (rng.integers(0, 70000, (n_test, 8)).astype(np.int32), 0x0C)}


def test_qmnist_matches_torchvision(tmp_path, torchvision):
    raw = tmp_path / "QMNIST" / "raw"
    os.makedirs(raw)
    for name, (arr, code) in qmnist_arrays().items():
        (raw / name).write_bytes(idx_bytes(arr, code))
    for kwargs in ({}, {"train": False}, {"what": "test10k"}, {"what": "test50k", "compat": False},
                   {"what": "train", "compat": False}):
        ours, theirs = datasets.QMNIST(tmp_path, **kwargs), torchvision.datasets.QMNIST(tmp_path, **kwargs)
        assert len(ours) == len(theirs) and repr(ours) == repr(theirs)
        assert ours.targets.dtype == ember.int64 and tuple(ours.targets.shape) == tuple(theirs.targets.shape)
        np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
        np.testing.assert_array_equal(ours.targets.numpy(), theirs.targets.numpy())
        assert (ours.images_file, ours.labels_file, ours.data_file) == (theirs.images_file, theirs.labels_file,
                                                                        theirs.data_file)
        for i in (0, len(ours) - 1):
            assert_items_equal(ours[i], theirs[i])
    assert len(datasets.QMNIST(tmp_path, what="test50k")) == 3
    assert datasets.QMNIST.resources == torchvision.datasets.QMNIST.resources
    assert datasets.QMNIST.classes == torchvision.datasets.QMNIST.classes
    same_error(lambda: datasets.QMNIST(tmp_path, what="nope"), lambda: torchvision.datasets.QMNIST(tmp_path,
                                                                                                  what="nope"),
               ValueError)
    same_error(lambda: datasets.QMNIST(tmp_path, what="nist"), lambda: torchvision.datasets.QMNIST(tmp_path,
                                                                                                  what="nist"))


def test_qmnist_download_xz_and_gz(tmp_path, monkeypatch, tv_file_urls):
    torchvision = tv_file_urls
    arrays = qmnist_arrays(n_test=4)
    web = tmp_path / "web"
    os.makedirs(web)
    resources = {}
    for subset, names, ext, compress in (("test", ["qmnist-test-images-idx3-ubyte", "qmnist-test-labels-idx2-int"],
                                          ".gz", gzip.compress),
                                         ("nist", ["qmnist-train-images-idx3-ubyte", "qmnist-train-labels-idx2-int"],
                                          ".xz", lzma.compress)):
        resources[subset] = []
        for name in names:
            target = web / ("x" + name[1:] + ext if subset == "nist" else name + ext)
            target.write_bytes(compress(idx_bytes(*arrays[name])))
            resources[subset].append((target.as_uri(), md5_of(target)))
    both(torchvision.datasets.QMNIST, datasets.QMNIST, monkeypatch, resources=resources)
    for what in ("test", "nist"):
        ours = datasets.QMNIST(tmp_path / "a", what=what, download=True)
        theirs = torchvision.datasets.QMNIST(tmp_path / "b", what=what, download=True)
        np.testing.assert_array_equal(ours.targets.numpy(), theirs.targets.numpy())
    assert walk(tmp_path / "a") == walk(tmp_path / "b")


# ----------------------------------------------------------------------------- SVHN

def test_svhn_matches_torchvision(tmp_path, monkeypatch, torchvision):
    scipy_io = pytest.importorskip("scipy.io")
    rng = np.random.default_rng(0)
    split_list = {}
    for split, n in (("train", 5), ("test", 3), ("extra", 2)):
        x = rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
        y = rng.integers(1, 11, (n, 1)).astype(np.uint8)
        y[0] = 10
        scipy_io.savemat(tmp_path / f"{split}_32x32.mat", {"X": x, "y": y})
        url, name, _ = datasets.SVHN.split_list[split]
        split_list[split] = [url, name, md5_of(tmp_path / name)]
    both(torchvision.datasets.SVHN, datasets.SVHN, monkeypatch, split_list=split_list)
    for split in ("train", "test", "extra"):
        ours, theirs = datasets.SVHN(tmp_path, split=split), torchvision.datasets.SVHN(tmp_path, split=split)
        assert len(ours) == len(theirs) and repr(ours) == repr(theirs)
        assert ours.data.shape == theirs.data.shape and ours.labels.dtype == theirs.labels.dtype == np.int64
        np.testing.assert_array_equal(ours.data, theirs.data)
        np.testing.assert_array_equal(ours.labels, theirs.labels)
        assert ours.labels[0] == 0
        for i in range(len(ours)):
            assert_items_equal(ours[i], theirs[i])
    same_error(lambda: datasets.SVHN(tmp_path, split="valid"), lambda: torchvision.datasets.SVHN(tmp_path,
                                                                                                split="valid"),
               ValueError)
    same_error(lambda: datasets.SVHN(tmp_path / "x"), lambda: torchvision.datasets.SVHN(tmp_path / "x"))
    ds = datasets.SVHN(tmp_path, transform=T.ToTensor())
    fast = next(iter(DataLoader(ds, batch_size=5)))
    slow = next(iter(DataLoader(ds, batch_size=5, collate_fn=lambda b: default_collate(b))))
    assert isinstance(ds._ember_batch([0]), list)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# ----------------------------------------------------------------------------- USPS

def usps_text(n, seed):
    rng = np.random.default_rng(seed)
    values = rng.uniform(-1, 1, (n, 256))
    values[:, :3] = [-1, 1, 0]
    labels = rng.integers(1, 11, n)
    lines = [f"{lab} " + " ".join(f"{j + 1}:{v:.6f}" for j, v in enumerate(row)) + " " for lab, row in
             zip(labels, values)]
    return ("\n".join(lines) + "\n").encode()


def test_usps_matches_torchvision(tmp_path, torchvision):
    (tmp_path / "usps.bz2").write_bytes(bz2.compress(usps_text(6, 0)))
    (tmp_path / "usps.t.bz2").write_bytes(bz2.compress(usps_text(3, 1)))
    for train in (True, False):
        ours, theirs = datasets.USPS(tmp_path, train=train), torchvision.datasets.USPS(tmp_path, train=train)
        assert len(ours) == len(theirs) == (6 if train else 3) and repr(ours) == repr(theirs)
        assert ours.data.dtype == np.uint8 and ours.data.shape == theirs.data.shape
        np.testing.assert_array_equal(ours.data, theirs.data)
        assert ours.targets == theirs.targets and type(ours.targets) is list
        for i in range(len(ours)):
            assert_items_equal(ours[i], theirs[i])
    same_error(lambda: datasets.USPS(tmp_path / "none"), lambda: torchvision.datasets.USPS(tmp_path / "none"),
               FileNotFoundError)
    ds = datasets.USPS(tmp_path, transform=T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.25,))]))
    fast = next(iter(DataLoader(ds, batch_size=6)))
    slow = next(iter(DataLoader(ds, batch_size=6, collate_fn=lambda b: default_collate(b))))
    assert isinstance(ds._ember_batch([0]), list)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    (tmp_path / "usps.t.bz2").write_bytes(bz2.compress(b"1 1:0.5 2:0.25\n"))
    with pytest.raises(RuntimeError, match="usps.t.bz2: expected a label and 256 values"):
        datasets.USPS(tmp_path, train=False)


def test_usps_download_checks_md5(tmp_path, monkeypatch, tv_file_urls):
    torchvision = tv_file_urls
    src = tmp_path / "src.bz2"
    src.write_bytes(bz2.compress(usps_text(4, 2)))
    split_list = {**datasets.USPS.split_list, "train": [src.as_uri(), "usps.bz2", md5_of(src)]}
    both(torchvision.datasets.USPS, datasets.USPS, monkeypatch, split_list=split_list)
    ours = datasets.USPS(tmp_path / "a", download=True)
    theirs = torchvision.datasets.USPS(tmp_path / "b", download=True)
    np.testing.assert_array_equal(ours.data, theirs.data)
    assert walk(tmp_path / "a") == walk(tmp_path / "b")
    split_list["train"] = [src.as_uri(), "usps.bz2", "f" * 32]
    with pytest.raises(RuntimeError, match="File not found or corrupted"):
        datasets.USPS(tmp_path / "c", download=True)
    assert os.listdir(tmp_path / "c") == []


# ----------------------------------------------------------------------------- STL10

def stl10_setup(root, monkeypatch, torchvision, seed=0):
    rng = np.random.default_rng(seed)
    d = root / "stl10_binary"
    os.makedirs(d)
    counts = {"train_X.bin": 4, "unlabeled_X.bin": 2, "test_X.bin": 3}
    for name, n in counts.items():
        (d / name).write_bytes(rng.integers(0, 256, n * 3 * 96 * 96, dtype=np.uint8).tobytes())
    (d / "train_y.bin").write_bytes(np.array([1, 10, 3, 4], dtype=np.uint8).tobytes())
    (d / "test_y.bin").write_bytes(np.array([2, 2, 7], dtype=np.uint8).tobytes())
    (d / "class_names.txt").write_text("\n".join(f"c{i}" for i in range(10)) + "\n")
    (d / "fold_indices.txt").write_text("\n".join(" ".join(str((i + k) % 4) for k in range(2)) for i in range(10)))
    md5 = {n: md5_of(d / n) for n in os.listdir(d)}
    tv, em = torchvision.datasets.STL10, datasets.STL10
    both(tv, em, monkeypatch, train_list=[[n, md5[n]] for n, _ in em.train_list],
         test_list=[[n, md5[n]] for n, _ in em.test_list])
    return tv, em, d


def test_stl10_matches_torchvision(tmp_path, monkeypatch, torchvision):
    tv, em, d = stl10_setup(tmp_path, monkeypatch, torchvision)
    for kwargs in ({}, {"folds": 3}, {"split": "train+unlabeled"}, {"split": "train+unlabeled", "folds": 0},
                   {"split": "unlabeled"}, {"split": "test"}):
        ours, theirs = em(tmp_path, **kwargs), tv(tmp_path, **kwargs)
        assert len(ours) == len(theirs) and repr(ours) == repr(theirs)
        assert ours.data.shape == theirs.data.shape and ours.labels.dtype == theirs.labels.dtype
        np.testing.assert_array_equal(ours.data, theirs.data)
        np.testing.assert_array_equal(ours.labels, theirs.labels)
        assert ours.classes == theirs.classes
        for i in range(len(ours)):
            assert_items_equal(ours[i], theirs[i])
    for bad in ({"folds": 10}, {"folds": "1"}, {"split": "val"}):
        same_error(lambda bad=bad: em(tmp_path, **bad), lambda bad=bad: tv(tmp_path, **bad), ValueError)
    os.remove(d / "class_names.txt")
    assert not hasattr(em(tmp_path), "classes") and not hasattr(tv(tmp_path), "classes")
    with open(d / "test_y.bin", "ab") as f:
        f.write(b"\x01")
    assert same_error(lambda: em(tmp_path), lambda: tv(tmp_path)) == NOT_FOUND


def test_stl10_fast_batches_and_download(tmp_path, monkeypatch, tv_file_urls):
    torchvision = tv_file_urls
    tv, em, d = stl10_setup(tmp_path / "src", monkeypatch, torchvision)
    serve_tarball(tmp_path, d, tv, em, monkeypatch)
    ours = em(tmp_path / "a", split="test", download=True, transform=T.Compose([T.CenterCrop(64), T.ToTensor()]))
    theirs = tv(tmp_path / "b", split="test", download=True)
    assert walk(tmp_path / "a") == walk(tmp_path / "b")
    np.testing.assert_array_equal(ours.data, theirs.data)
    fast = next(iter(DataLoader(ours, batch_size=3)))
    slow = next(iter(DataLoader(ours, batch_size=3, collate_fn=lambda b: default_collate(b))))
    assert isinstance(ours._ember_batch([0]), list) and tuple(fast[0].shape) == (3, 3, 64, 64)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# ----------------------------------------------------------------------------- FakeData

def test_fakedata_against_torchvision(torchvision, torch):
    kwargs = dict(size=5, image_size=(3, 8, 6), num_classes=4)
    ours, theirs = datasets.FakeData(**kwargs), torchvision.datasets.FakeData(**kwargs)
    assert len(ours) == len(theirs) == 5 and repr(ours) == repr(theirs)
    ember.manual_seed(123)
    before = ember.rand(3).numpy()
    ember.manual_seed(123)
    for i in range(5):
        (a, y), (b, z) = ours[i], theirs[i]
        assert isinstance(a, Image.Image) and a.mode == b.mode == "RGB" and a.size == b.size == (6, 8)
        assert type(y) is type(z) is int and 0 <= y < 4 and y == z  # (ember's generator repeats torch's stream)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        np.testing.assert_array_equal(np.asarray(ours[i][0]), np.asarray(a))  # the same item every time
    np.testing.assert_array_equal(ember.rand(3).numpy(), before)  # the global generator is untouched
    # the float -> PIL conversion agrees with torchvision's on the same random tensor (negative values included)
    ember.manual_seed(2 + 7)
    noise = ember.randn(3, 8, 6).numpy()
    ref = torchvision.transforms.ToPILImage()(torch.from_numpy(noise.copy()))
    np.testing.assert_array_equal(np.asarray(datasets.FakeData(**kwargs, random_offset=7)[2][0]), np.asarray(ref))
    grey, _ = datasets.FakeData(size=2, image_size=(1, 5, 5))[1]
    assert grey.mode == torchvision.datasets.FakeData(size=2, image_size=(1, 5, 5))[1][0].mode == "L"
    same_error(lambda: ours[5], lambda: theirs[5], IndexError)
    seen = []
    ds = datasets.FakeData(size=2, transform=T.ToTensor(), target_transform=lambda t: seen.append(t) or t + 100)
    x, y = ds[0]
    assert tuple(x.shape) == (3, 224, 224) and isinstance(seen[0], ember.Tensor) and seen[0].dtype == ember.int64
    assert y == seen[0].item() + 100
    batch = next(iter(DataLoader(datasets.FakeData(size=4, image_size=(3, 4, 4), transform=T.ToTensor()),
                                 batch_size=4)))
    assert tuple(batch[0].shape) == (4, 3, 4, 4) and batch[1].dtype == ember.int64


def test_fakedata_without_pillow(monkeypatch):
    want = np.asarray(datasets.FakeData(size=3, image_size=(3, 4, 5))[1][0])
    want_grey = np.asarray(datasets.FakeData(size=3, image_size=(1, 4, 5))[1][0])
    monkeypatch.setattr(vision_mod, "_pil_module", lambda: None)
    img, _ = datasets.FakeData(size=3, image_size=(3, 4, 5))[1]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8
    np.testing.assert_array_equal(img, want)
    np.testing.assert_array_equal(datasets.FakeData(size=3, image_size=(1, 4, 5))[1][0], want_grey)


# ----------------------------------------------------------------------------- datasets.utils

def make_archives(src, out):
    """The same two files as tar, tar.gz, tgz, tar.bz2, tbz2, tar.xz and zip archives."""
    os.makedirs(src / "inner")
    (src / "a.txt").write_text("alpha")
    (src / "inner" / "b.bin").write_bytes(bytes(range(256)))
    names = []
    for ext, mode in ((".tar", "w"), (".tar.gz", "w:gz"), (".tgz", "w:gz"), (".tar.bz2", "w:bz2"),
                      (".tbz2", "w:bz2"), (".tar.xz", "w:xz")):
        with tarfile.open(out / f"arch{ext}", mode) as tar:
            tar.add(src / "a.txt", arcname="a.txt")
            tar.add(src / "inner", arcname="inner")
        names.append(f"arch{ext}")
    with zipfile.ZipFile(out / "arch.zip", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.write(src / "a.txt", "a.txt")
        z.write(src / "inner" / "b.bin", "inner/b.bin")
    return names + ["arch.zip"]


def test_extract_archive_matches_torchvision(tmp_path, torchvision):
    tvu = torchvision.datasets.utils
    os.makedirs(tmp_path / "out")
    names = make_archives(tmp_path / "src", tmp_path / "out")
    for comp, fn in ((".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)):
        (tmp_path / "out" / f"single.txt{comp}").write_bytes(fn(b"payload " * 50))
        names.append(f"single.txt{comp}")
    for name in names:
        path = str(tmp_path / "out" / name)
        if name.startswith("single"):  # a single compressed file: decompressed into an existing folder
            os.makedirs(tmp_path / "x1" / name)
            os.makedirs(tmp_path / "x2" / name)
        r1 = dsutils.extract_archive(path, str(tmp_path / "x1" / name))
        r2 = tvu.extract_archive(path, str(tmp_path / "x2" / name))
        if name.startswith("single"):
            assert r1 == str(tmp_path / "x1" / name / "single.txt")
        assert type(r1) is type(r2) and r1.replace("x1", "x2") == r2
        assert walk(tmp_path / "x1" / name) == walk(tmp_path / "x2" / name)
    # pathlib in, pathlib out; default target folder is the archive's
    r = dsutils.extract_archive(tmp_path / "out" / "arch.zip")
    assert r == tvu.extract_archive(tmp_path / "out" / "arch.zip") == tmp_path / "out"
    for bad in ("noext", "file.rar"):
        same_error(lambda bad=bad: dsutils.extract_archive(str(tmp_path / bad)),
                   lambda bad=bad: tvu.extract_archive(str(tmp_path / bad)))
    (tmp_path / "broken.gz").write_bytes(b"not gzip at all")
    with pytest.raises(RuntimeError, match="Could not decompress"):
        dsutils.extract_archive(str(tmp_path / "broken.gz"))
    assert not os.path.exists(tmp_path / "broken")
    os.makedirs(tmp_path / "y")
    dsutils.extract_archive(str(tmp_path / "out" / "single.txt.gz"), str(tmp_path / "y"), remove_finished=True)
    assert not os.path.exists(tmp_path / "out" / "single.txt.gz") and (tmp_path / "y" / "single.txt").exists()


def test_extract_tar_refuses_paths_outside_target(tmp_path):
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(tarfile.TarError):
        dsutils.extract_archive(str(evil), str(tmp_path / "target"))
    assert not (tmp_path / "escaped.txt").exists()


def test_verify_str_arg_and_integrity_match_torchvision(tmp_path, torchvision):
    tvu = torchvision.datasets.utils
    assert dsutils.verify_str_arg("b", "x", ("a", "b")) == "b" and dsutils.verify_str_arg("z") == "z"
    for args in ((3, "split", ("a",)), (3, None, None), ("c", "split", ("a", "b")), ("c", "s", ["a"], "custom"),
                 (b"a", "s", None)):
        same_error(lambda args=args: dsutils.verify_str_arg(*args), lambda args=args: tvu.verify_str_arg(*args),
                   ValueError)
    assert dsutils.iterable_to_str(["a", 1]) == tvu.iterable_to_str(["a", 1])
    f = tmp_path / "f.bin"
    f.write_bytes(b"x" * 3000)
    assert dsutils.calculate_md5(f, chunk_size=7) == tvu.calculate_md5(f) == md5_of(f)
    for md5 in (None, md5_of(f), "0" * 32):
        assert dsutils.check_integrity(f, md5) == tvu.check_integrity(f, md5)
    assert dsutils.check_integrity(tmp_path / "missing") is tvu.check_integrity(tmp_path / "missing") is False
    assert dsutils.check_md5(f, md5_of(f)) is True
    os.makedirs(tmp_path / "d1")
    for name in ("a.png", "b.jpg", "c.txt"):
        (tmp_path / name).write_text("")
    assert sorted(dsutils.list_files(str(tmp_path), (".png", ".jpg"))) == sorted(
        tvu.list_files(str(tmp_path), (".png", ".jpg")))
    assert dsutils.list_files(str(tmp_path), ".png", prefix=True) == tvu.list_files(str(tmp_path), ".png", prefix=True)
    assert dsutils.list_dir(str(tmp_path), prefix=True) == tvu.list_dir(str(tmp_path), prefix=True)


def test_download_url_and_archive_from_file_url(tmp_path, tv_file_urls):
    torchvision = tv_file_urls
    tvu = torchvision.datasets.utils
    src = tmp_path / "payload.tar.gz"
    os.makedirs(tmp_path / "s")
    (tmp_path / "s" / "f.txt").write_text("hello")
    with tarfile.open(src, "w:gz") as tar:
        tar.add(tmp_path / "s" / "f.txt", arcname="f.txt")
    md5 = md5_of(src)
    dsutils.download_and_extract_archive(src.as_uri(), tmp_path / "a", md5=md5, remove_finished=True)
    tvu.download_and_extract_archive(src.as_uri(), tmp_path / "b", md5=md5, remove_finished=True)
    assert walk(tmp_path / "a") == walk(tmp_path / "b") == {"f.txt": b"hello"}
    path = dsutils.download_url(src.as_uri(), tmp_path / "c", filename="renamed.tgz", md5=md5)
    assert path == os.path.join(tmp_path / "c", "renamed.tgz") and md5_of(path) == md5
    with pytest.raises(RuntimeError, match="^File not found or corrupted"):
        dsutils.download_url(src.as_uri(), tmp_path / "d", md5="1" * 32)
    assert os.listdir(tmp_path / "d") == []  # (torchvision leaves the corrupt file; ember removes it)
    same_error(lambda: dsutils.download_file_from_google_drive("id", tmp_path),
               lambda: tvu.download_file_from_google_drive("id", tmp_path)) if _no_gdown() else None


def _no_gdown():
    try:
        import gdown  # noqa: F401
    except ImportError:
        return True
    return False


def test_download_url_shows_progress_and_retries_https_over_http(tmp_path, monkeypatch, capsys):
    import urllib.error
    import urllib.request
    payload = b"x" * 5000
    asked = []

    class Response(io.BytesIO):
        length = len(payload)

    def fake_urlopen(request, timeout=None):
        asked.append(request.full_url)
        if request.full_url.startswith("https:") or "g.bin" in request.full_url:
            raise urllib.error.URLError("unreachable")
        return Response(payload)
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    path = dsutils.download_url("https://example.org/f.bin", tmp_path, md5=hashlib.md5(payload).hexdigest())
    assert asked == ["https://example.org/f.bin", "http://example.org/f.bin"]  # as torchvision: once more over http
    assert open(path, "rb").read() == payload
    assert "5.00k/5.00k" in capsys.readouterr().err  # tqdm's bar, in bytes (unit_scale, as torchvision)
    asked.clear()
    with pytest.raises(urllib.error.URLError):
        dsutils.download_url("http://example.org/g.bin", tmp_path)
    assert asked == ["http://example.org/g.bin"] and not os.path.exists(tmp_path / "g.bin")


@pytest.mark.parametrize("name,kwargs,files", [
    ("MNIST", {"train": False}, ("training.pt", "test.pt")),
    ("FashionMNIST", {"train": True}, ("training.pt", "test.pt")),
    ("EMNIST", {"split": "letters", "train": False}, ("training_letters.pt", "test_letters.pt")),
])
def test_legacy_processed_files_are_read_as_torchvision(torch, torchvision, tmp_path, name, kwargs, files):
    # older torchvision versions cached MNIST as processed/training.pt and test.pt (torch.save of a tuple)
    folder = tmp_path / name / "processed"
    os.makedirs(folder)
    for i, f in enumerate(files):
        torch.save((torch.full((3, 28, 28), 7 * i, dtype=torch.uint8), torch.tensor([i, 4, 9])), folder / f)
    ours, theirs = getattr(datasets, name)(tmp_path, **kwargs), getattr(torchvision.datasets, name)(tmp_path, **kwargs)
    assert len(ours) == len(theirs) == 3
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    assert ours.targets.tolist() == theirs.targets.tolist() and ours.data.dtype == ember.uint8
    assert ours[1][1] == theirs[1][1] == 4
