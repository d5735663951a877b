"""OxfordIIITPet side by side with torchvision on a tiny fake ``oxford-iiit-pet`` folder."""

from functools import partial

import numpy as np
import pytest
from PIL import Image

from ember.vision import datasets, transforms as T

from tests.vision._dataset_checks import NOT_FOUND, assert_same_dataset, same_error, write_image

# (image id, class 1..37, species 1 = cat / 2 = dog, breed id)
SPLITS = {
    "trainval": [("Abyssinian_1", 1, 1, 1), ("great_pyrenees_12", 17, 2, 8), ("Abyssinian_7", 1, 1, 1),
                 ("american_pit_bull_terrier_3", 3, 2, 2)],
    "test": [("Bombay_4", 8, 1, 3), ("yorkshire_terrier_9", 37, 2, 25), ("Bombay_2", 8, 1, 3)],
}


@pytest.fixture
def pets(tmp_path):
    base = tmp_path / "oxford-iiit-pet"
    (base / "annotations").mkdir(parents=True)
    seed = 0
    for split, rows in SPLITS.items():
        (base / "annotations" / f"{split}.txt").write_text("".join(" ".join(map(str, r)) + "\n" for r in rows))
        for image_id, *_ in rows:
            seed += 1
            write_image(str(base / "images" / f"{image_id}.jpg"), seed, size=(6, 4), fmt="PNG")
            trimap = np.random.default_rng(seed).integers(1, 4, (4, 6), dtype=np.uint8)
            (base / "annotations" / "trimaps").mkdir(exist_ok=True)
            Image.fromarray(trimap, "L").save(base / "annotations" / "trimaps" / f"{image_id}.png")
    return str(tmp_path)


def _same(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    elif isinstance(theirs, Image.Image):
        assert type(ours) is type(theirs) and ours.mode == theirs.mode and ours.size == theirs.size
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    else:
        assert type(ours) is type(theirs) and ours == theirs


@pytest.mark.parametrize("split", ["trainval", "test"])
@pytest.mark.parametrize("target_types", ["category", "binary-category", "segmentation",
                                          ["segmentation", "category", "binary-category"], []])
def test_pet_matches_torchvision(pets, torchvision, split, target_types):
    ours = datasets.OxfordIIITPet(pets, split=split, target_types=target_types)
    theirs = torchvision.datasets.OxfordIIITPet(pets, split=split, target_types=target_types)
    assert len(ours) == len(theirs) == len(SPLITS[split])
    for i in range(len(theirs)):
        _same(ours[i], theirs[i])
    for name in ("classes", "class_to_idx", "bin_classes", "bin_class_to_idx", "_labels", "_bin_labels"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert repr(ours) == repr(theirs)


def test_pet_classes_and_transforms(pets, torchvision):
    ours = datasets.OxfordIIITPet(pets, transform=T.ToTensor())
    assert ours.classes == ["Abyssinian", "American Pit Bull Terrier", "Great Pyrenees"]
    theirs = torchvision.datasets.OxfordIIITPet(pets, transform=torchvision.transforms.ToTensor())
    np.testing.assert_array_equal(ours[1][0].numpy(), theirs[1][0].numpy())
    assert ours[1][1] == theirs[1][1] == 16
    assert_same_dataset(datasets.OxfordIIITPet(pets, split="test"),
                        torchvision.datasets.OxfordIIITPet(pets, split="test"))

    def both(img, target):
        return img.size, target
    ours = datasets.OxfordIIITPet(pets, split="test", target_types="binary-category", transforms=both)
    theirs = torchvision.datasets.OxfordIIITPet(pets, split="test", target_types="binary-category", transforms=both)
    assert ours[1] == theirs[1] == ((6, 4), 1)
    assert repr(ours) == repr(theirs)


def test_pet_errors(pets, tmp_path, torchvision):
    empty = str(tmp_path / "nothing")
    assert NOT_FOUND in same_error(lambda: datasets.OxfordIIITPet(empty),
                                   lambda: torchvision.datasets.OxfordIIITPet(empty))
    for kw in (dict(split="train"), dict(target_types="species"), dict(target_types=["category", "bbox"])):
        same_error(partial(datasets.OxfordIIITPet, pets, **kw), partial(torchvision.datasets.OxfordIIITPet, pets, **kw),
                   ValueError)
    same_error(lambda: datasets.OxfordIIITPet(pets, transforms=abs, transform=abs),
               lambda: torchvision.datasets.OxfordIIITPet(pets, transforms=abs, transform=abs), ValueError)
