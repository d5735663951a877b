"""Food101 side by side with torchvision on a tiny fake ``food-101`` folder."""

import json

import numpy as np
import pytest

from ember.vision import datasets, transforms as T
from tests.vision._dataset_checks import NOT_FOUND, assert_same_dataset, same_error, write_image


@pytest.fixture
def food(tmp_path):
    base = tmp_path / "food-101"
    meta = {"train": {"ramen": ["ramen/11", "ramen/3"], "apple_pie": ["apple_pie/7"], "tacos": ["tacos/1"]},
            "test": {"tacos": ["tacos/2"], "ramen": ["ramen/5"]}}
    for split, classes in meta.items():
        for paths in classes.values():
            for i, p in enumerate(paths):
                write_image(str(base / "images" / f"{p}.jpg"), len(p) + i, fmt="PNG")
        (base / "meta").mkdir(parents=True, exist_ok=True)
        (base / "meta" / f"{split}.json").write_text(json.dumps(classes))
    return tmp_path


@pytest.mark.parametrize("split", ["train", "test"])
def test_food101_matches_torchvision(food, torchvision, split):
    ours, theirs = datasets.Food101(str(food), split=split), torchvision.datasets.Food101(str(food), split=split)
    assert_same_dataset(ours, theirs)
    assert ours._labels == theirs._labels


def test_food101_transform(food, torchvision):
    ours = datasets.Food101(str(food), transform=T.ToTensor())
    theirs = torchvision.datasets.Food101(str(food), transform=torchvision.transforms.ToTensor())
    np.testing.assert_array_equal(ours[2][0].numpy(), theirs[2][0].numpy())
    assert ours.classes == ["apple_pie", "ramen", "tacos"]


def test_food101_errors(food, tmp_path, torchvision):
    empty = str(tmp_path / "none")
    assert same_error(lambda: datasets.Food101(empty), lambda: torchvision.datasets.Food101(empty)) == NOT_FOUND
    same_error(lambda: datasets.Food101(str(food), split="val"),
               lambda: torchvision.datasets.Food101(str(food), split="val"), ValueError)
