"""Flowers102 side by side with torchvision on a tiny fake ``flowers-102`` folder (.mat labels need scipy)."""

import os

import numpy as np
import pytest

from ember.vision import datasets, transforms as T

from tests.vision._dataset_checks import NOT_FOUND_CORRUPT, assert_same_dataset, md5_of, same_error, write_image

scipy_io = pytest.importorskip("scipy.io")


@pytest.fixture
def flowers(tmp_path, monkeypatch, torchvision):
    base = tmp_path / "flowers-102"
    for i in range(1, 8):
        # PNG bytes under a .jpg name: pillow sniffs the format, and the pixels stay exact
        write_image(str(base / "jpg" / f"image_{i:05d}.jpg"), i, fmt="PNG")
    scipy_io.savemat(base / "imagelabels.mat", {"labels": np.array([[3, 1, 102, 7, 3, 2, 1]], dtype=np.uint8)})
    scipy_io.savemat(base / "setid.mat", {"trnid": np.array([[2, 5, 7]], dtype=np.uint16),
                                          "valid": np.array([[1, 3]], dtype=np.uint16),
                                          "tstid": np.array([[6, 4]], dtype=np.uint16)})
    files = dict(datasets.Flowers102._file_dict, label=("imagelabels.mat", md5_of(base / "imagelabels.mat")),
                 setid=("setid.mat", md5_of(base / "setid.mat")))
    monkeypatch.setattr(torchvision.datasets.Flowers102, "_file_dict", files)
    monkeypatch.setattr(datasets.Flowers102, "_file_dict", files)
    return tmp_path


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_flowers102_matches_torchvision(flowers, torchvision, split):
    ours = datasets.Flowers102(str(flowers), split=split)
    theirs = torchvision.datasets.Flowers102(str(flowers), split=split)
    assert_same_dataset(ours, theirs)
    assert ours._labels == theirs._labels and len(ours.classes) == 102


def test_flowers102_transforms_and_loader(flowers, torchvision):
    ours = datasets.Flowers102(str(flowers), split="val", transform=T.ToTensor(), target_transform=lambda y: y + 1)
    theirs = torchvision.datasets.Flowers102(str(flowers), split="val", transform=torchvision.transforms.ToTensor(),
                                             target_transform=lambda y: y + 1)
    (a, y), (b, z) = ours[1], theirs[1]
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert y == z == 102
    gray = datasets.Flowers102(str(flowers), split="test", loader=lambda p: os.path.basename(p))
    assert gray[0][0] == "image_00006.jpg"


def test_flowers102_errors(flowers, tmp_path, torchvision):
    empty = str(tmp_path / "nothing")
    same_error(lambda: datasets.Flowers102(empty), lambda: torchvision.datasets.Flowers102(empty))
    assert NOT_FOUND_CORRUPT in same_error(
        lambda: datasets.Flowers102(empty, split="val"), lambda: torchvision.datasets.Flowers102(empty, split="val"))
    same_error(lambda: datasets.Flowers102(str(flowers), split="valid"),
               lambda: torchvision.datasets.Flowers102(str(flowers), split="valid"), ValueError)
    # a corrupted label file (MD5 mismatch) is reported like a missing one
    with open(flowers / "flowers-102" / "setid.mat", "ab") as f:
        f.write(b"x")
    same_error(lambda: datasets.Flowers102(str(flowers)), lambda: torchvision.datasets.Flowers102(str(flowers)))
