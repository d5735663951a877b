"""DTD side by side with torchvision on a tiny fake ``dtd/dtd`` folder."""

import pytest

from ember.vision import datasets
from tests.vision._dataset_checks import NOT_FOUND, assert_same_dataset, same_error, write_image


@pytest.fixture
def dtd(tmp_path):
    data = tmp_path / "dtd" / "dtd"
    lists = {"train1": ["striped/s_1.jpg", "banded/b_2.jpg", "striped/s_3.jpg"], "val1": ["zigzagged/z_1.jpg"],
             "test2": ["banded/b_1.jpg", "striped/s_2.jpg"]}
    (data / "labels").mkdir(parents=True)
    for name, lines in lists.items():
        for i, rel in enumerate(lines):
            write_image(str(data / "images" / rel), len(rel) + i, fmt="PNG")
        (data / "labels" / f"{name}.txt").write_text("\n".join(lines) + "\n")
    return tmp_path


@pytest.mark.parametrize("split,partition", [("train", 1), ("val", 1), ("test", 2)])
def test_dtd_matches_torchvision(dtd, torchvision, split, partition):
    ours = datasets.DTD(str(dtd), split=split, partition=partition)
    theirs = torchvision.datasets.DTD(str(dtd), split=split, partition=partition)
    assert_same_dataset(ours, theirs)
    assert ours._labels == theirs._labels


def test_dtd_errors(dtd, tmp_path, torchvision):
    empty = str(tmp_path / "none")
    assert same_error(lambda: datasets.DTD(empty), lambda: torchvision.datasets.DTD(empty)) == NOT_FOUND
    same_error(lambda: datasets.DTD(str(dtd), split="trainval"),
               lambda: torchvision.datasets.DTD(str(dtd), split="trainval"), ValueError)
    # like torchvision, an out-of-range int partition is only caught when its label file is missing
    same_error(lambda: datasets.DTD(str(dtd), partition=11),
               lambda: torchvision.datasets.DTD(str(dtd), partition=11), FileNotFoundError)
    same_error(lambda: datasets.DTD(str(dtd), partition=0.5),
               lambda: torchvision.datasets.DTD(str(dtd), partition=0.5), ValueError)
