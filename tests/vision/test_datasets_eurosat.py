"""EuroSAT side by side with torchvision on a tiny fake ``eurosat/2750`` folder."""

import pytest

from ember.vision import datasets
from tests.vision._dataset_checks import NOT_FOUND, assert_same_dataset, same_error, write_image


@pytest.fixture
def eurosat(tmp_path):
    for c, n in (("Forest", 2), ("AnnualCrop", 1), ("River", 2)):
        for i in range(n):
            write_image(str(tmp_path / "eurosat" / "2750" / c / f"{c}_{i + 1}.jpg"), len(c) + i, fmt="PNG")
    return tmp_path


def test_eurosat_matches_torchvision(eurosat, torchvision):
    ours, theirs = datasets.EuroSAT(str(eurosat)), torchvision.datasets.EuroSAT(str(eurosat))
    assert_same_dataset(ours, theirs, attrs=("classes", "class_to_idx", "targets", "root"))
    assert isinstance(ours, datasets.ImageFolder)
    assert [(p, t) for p, t in ours.samples] == [(p, t) for p, t in theirs.samples]


def test_eurosat_errors(tmp_path, torchvision):
    empty = str(tmp_path / "none")
    assert same_error(lambda: datasets.EuroSAT(empty), lambda: torchvision.datasets.EuroSAT(empty)) == NOT_FOUND
