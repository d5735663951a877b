"""GTSRB side by side with torchvision on a tiny fake ``gtsrb`` folder (.ppm images, the test CSV)."""

import numpy as np
import pytest

from ember.vision import datasets, transforms as T
from tests.vision._dataset_checks import NOT_FOUND, assert_same_dataset, same_error, write_image


@pytest.fixture
def gtsrb(tmp_path):
    base = tmp_path / "gtsrb"
    # class folders 00000, 00002, 00005: labels are the folders' positions in sorted order
    for c, n in ((0, 2), (2, 1), (5, 3)):
        for i in range(n):
            write_image(str(base / "GTSRB" / "Training" / f"{c:05d}" / f"00000_{i:05d}.ppm"), 10 * c + i)
        (base / "GTSRB" / "Training" / f"{c:05d}" / f"GT-{c:05d}.csv").write_text("Filename;ClassId\n")
    rows = ["Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId"]
    for i, cls in enumerate([12, 0, 42]):
        write_image(str(base / "GTSRB" / "Final_Test" / "Images" / f"{i:05d}.ppm"), 100 + i, size=(7, 4))
        rows.append(f"{i:05d}.ppm;7;4;0;0;6;3;{cls}")
    (base / "GT-final_test.csv").write_text("\n".join(rows) + "\n")
    return tmp_path


@pytest.mark.parametrize("split", ["train", "test"])
def test_gtsrb_matches_torchvision(gtsrb, torchvision, split):
    ours, theirs = datasets.GTSRB(str(gtsrb), split=split), torchvision.datasets.GTSRB(str(gtsrb), split=split)
    assert_same_dataset(ours, theirs)
    assert [t for _, t in ours._samples] == [t for _, t in theirs._samples]


def test_gtsrb_transform(gtsrb, torchvision):
    ours = datasets.GTSRB(str(gtsrb), split="test", transform=T.ToTensor(), target_transform=str)
    theirs = torchvision.datasets.GTSRB(str(gtsrb), split="test", transform=torchvision.transforms.ToTensor(),
                                        target_transform=str)
    (a, y), (b, z) = ours[2], theirs[2]
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert y == z == "42"


def test_gtsrb_errors(gtsrb, tmp_path, torchvision):
    empty = str(tmp_path / "none")
    assert same_error(lambda: datasets.GTSRB(empty), lambda: torchvision.datasets.GTSRB(empty)) == NOT_FOUND
    same_error(lambda: datasets.GTSRB(empty, split="test"), lambda: torchvision.datasets.GTSRB(empty, split="test"))
    same_error(lambda: datasets.GTSRB(str(gtsrb), split="val"),
               lambda: torchvision.datasets.GTSRB(str(gtsrb), split="val"), ValueError)
