"""Caltech101 and Caltech256 side by side with torchvision on tiny fake folders (annotations need scipy)."""

import numpy as np
import pytest

from ember.vision import datasets
from tests.vision._dataset_checks import NOT_FOUND_CORRUPT, assert_same_dataset, same_error, write_image


@pytest.fixture
def caltech101(tmp_path):
    base = tmp_path / "caltech101"
    for c, n, mode in (("Faces", 2, "RGB"), ("BACKGROUND_Google", 1, "RGB"), ("ant", 1, "L"), ("airplanes", 2, "RGB")):
        for i in range(1, n + 1):
            write_image(str(base / "101_ObjectCategories" / c / f"image_{i:04d}.jpg"), len(c) + i, mode=mode,
                        fmt="PNG")
    return tmp_path


@pytest.fixture
def caltech256(tmp_path):
    base = tmp_path / "caltech256" / "256_ObjectCategories"
    for k, (c, n) in enumerate((("001.ak47", 2), ("002.american-flag", 1), ("003.backpack", 2))):
        for i in range(1, n + 1):
            write_image(str(base / c / f"{k + 1:03d}_{i:04d}.jpg"), 7 * k + i, fmt="PNG")
    (base / "002.american-flag" / "notes.txt").write_text("not an image")
    return tmp_path


def test_caltech101_matches_torchvision(caltech101, torchvision):
    ours, theirs = datasets.Caltech101(str(caltech101)), torchvision.datasets.Caltech101(str(caltech101))
    assert_same_dataset(ours, theirs, attrs=("root", "categories", "annotation_categories", "index", "y",
                                             "target_type"))
    assert ours[4][0].mode == "L"  # images keep their stored mode


def test_caltech101_annotation(caltech101, torchvision):
    scipy_io = pytest.importorskip("scipy.io")
    for c, i in (("Faces_2", 1), ("Faces_2", 2), ("ant", 1), ("Airplanes_Side_2", 1), ("Airplanes_Side_2", 2)):
        contour = np.arange(2 * (i + 3), dtype=np.float64).reshape(2, -1) + len(c)
        path = caltech101 / "caltech101" / "Annotations" / c
        path.mkdir(parents=True, exist_ok=True)
        scipy_io.savemat(path / f"annotation_{i:04d}.mat", {"obj_contour": contour, "box_coord": np.ones((1, 4))})
    kinds = ["annotation", "category"]
    ours = datasets.Caltech101(str(caltech101), target_type=kinds)
    theirs = torchvision.datasets.Caltech101(str(caltech101), target_type=kinds)
    assert_same_dataset(ours, theirs, attrs=("target_type",))
    single = datasets.Caltech101(str(caltech101), target_type="annotation")
    assert single[4][1].shape == (2, 4)


def test_caltech256_matches_torchvision(caltech256, torchvision):
    ours, theirs = datasets.Caltech256(str(caltech256)), torchvision.datasets.Caltech256(str(caltech256))
    assert_same_dataset(ours, theirs, attrs=("root", "categories", "index", "y"))


def test_caltech_errors(caltech101, tmp_path, torchvision):
    empty = str(tmp_path / "none")
    assert same_error(lambda: datasets.Caltech101(empty), lambda: torchvision.datasets.Caltech101(empty)) \
        == NOT_FOUND_CORRUPT
    same_error(lambda: datasets.Caltech256(empty), lambda: torchvision.datasets.Caltech256(empty))
    same_error(lambda: datasets.Caltech101(str(caltech101), target_type="bbox"),
               lambda: torchvision.datasets.Caltech101(str(caltech101), target_type="bbox"), ValueError)
