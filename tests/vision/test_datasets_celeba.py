"""CelebA side by side with torchvision on a tiny fake ``celeba`` folder (PNG bytes under the .jpg names)."""

import numpy as np
import pytest

from ember.vision import datasets, transforms as T

from tests.vision._dataset_checks import NOT_FOUND_CORRUPT, md5_of, same_error, write_image

NAMES = [f"{i:06d}.jpg" for i in range(1, 7)]
ATTRS = ["5_o_Clock_Shadow", "Bald", "Smiling"]


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))


@pytest.fixture
def celeba(tmp_path, monkeypatch, torchvision):
    base = tmp_path / "celeba"
    for i, name in enumerate(NAMES):
        write_image(str(base / "img_align_celeba" / name), i, size=(5, 7), fmt="PNG")
    rng = np.random.default_rng(0)
    _write(base / "list_eval_partition.txt", [f"{n} {s}" for n, s in zip(NAMES, [0, 1, 2, 0, 2, 1])])
    _write(base / "identity_CelebA.txt", [f"{n} {i}" for n, i in zip(NAMES, [7, 3, 7, 11, 2, 3])])
    # the real files: a count line, a header line, then rows aligned with runs of spaces
    _write(base / "list_attr_celeba.txt", [str(len(NAMES)), " ".join(ATTRS) + " "] + [
        n + "".join(f" {v:2d}" for v in rng.choice([-1, 1], len(ATTRS))) for n in NAMES])
    _write(base / "list_bbox_celeba.txt", [str(len(NAMES)), "image_id x_1 y_1 width height"] + [
        f"{n}   " + "  ".join(str(v) for v in rng.integers(0, 300, 4)) for n in NAMES])
    _write(base / "list_landmarks_align_celeba.txt", [str(len(NAMES)), "lefteye_x lefteye_y nose_x nose_y"] + [
        n + "".join(f" {v:4d}" for v in rng.integers(60, 160, 10)) for n in NAMES])
    files = [(fid, md5 if name.endswith(".zip") else md5_of(base / name), name)
             for fid, md5, name in datasets.CelebA.file_list]
    monkeypatch.setattr(torchvision.datasets.CelebA, "file_list", files)
    monkeypatch.setattr(datasets.CelebA, "file_list", files)
    return str(tmp_path)


def _same_target(y, z):
    if isinstance(z, tuple):
        assert isinstance(y, tuple) and len(y) == len(z)
        for u, v in zip(y, z):
            _same_target(u, v)
    elif z is None:
        assert y is None
    else:  # tensors: same dtype, shape and values
        assert str(y.dtype).split(".")[1] == str(z.dtype).split(".")[1] and tuple(y.shape) == tuple(z.shape)
        np.testing.assert_array_equal(y.numpy(), z.numpy())


@pytest.mark.parametrize("split, target_type", [
    ("train", "attr"), ("valid", "identity"), ("test", "bbox"), ("all", "landmarks"),
    ("all", ["attr", "identity", "bbox", "landmarks"]), ("TRAIN", ["identity"]), ("valid", [])])
def test_celeba_matches_torchvision(celeba, torchvision, split, target_type):
    ours = datasets.CelebA(celeba, split=split, target_type=target_type)
    theirs = torchvision.datasets.CelebA(celeba, split=split, target_type=target_type)
    assert len(ours) == len(theirs) > 0 and ours.filename == theirs.filename
    for i in range(len(theirs)):
        (a, y), (b, z) = ours[i], theirs[i]
        assert type(a) is type(b) and a.mode == b.mode and a.size == b.size
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        _same_target(y, z)
    assert ours.attr_names == theirs.attr_names
    for name in ("attr", "identity", "bbox", "landmarks_align"):
        _same_target(getattr(ours, name), getattr(theirs, name))
    assert set(np.unique(ours.attr.numpy())) <= {0, 1}
    assert repr(ours) == repr(theirs)


def _width_plus_identity(t):
    return t[0][2] + t[1]


def test_celeba_transforms(celeba, torchvision):
    kw = dict(split="all", target_type=["bbox", "identity"], target_transform=_width_plus_identity)
    ours = datasets.CelebA(celeba, transform=T.ToTensor(), **kw)
    theirs = torchvision.datasets.CelebA(celeba, transform=torchvision.transforms.ToTensor(), **kw)
    for i in (0, 5):
        (a, y), (b, z) = ours[i], theirs[i]
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert int(y) == int(z)
    assert repr(ours) == repr(theirs)


def test_celeba_errors(celeba, tmp_path, torchvision):
    empty = str(tmp_path / "nothing")
    assert NOT_FOUND_CORRUPT in same_error(lambda: datasets.CelebA(empty), lambda: torchvision.datasets.CelebA(empty))
    same_error(lambda: datasets.CelebA(celeba, split="val"), lambda: torchvision.datasets.CelebA(celeba, split="val"),
               ValueError)
    same_error(lambda: datasets.CelebA(celeba, target_type=[], target_transform=abs),
               lambda: torchvision.datasets.CelebA(celeba, target_type=[], target_transform=abs))
    same_error(lambda: datasets.CelebA(celeba, target_type="age")[0],
               lambda: torchvision.datasets.CelebA(celeba, target_type="age")[0], ValueError)
    # a corrupted annotation file (MD5 mismatch) is reported like a missing one
    with open(tmp_path / "celeba" / "list_bbox_celeba.txt", "a") as f:
        f.write("\n")
    same_error(lambda: datasets.CelebA(celeba), lambda: torchvision.datasets.CelebA(celeba))
