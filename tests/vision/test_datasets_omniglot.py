"""Omniglot side by side with torchvision on a tiny fake ``omniglot-py`` folder (the zip is MD5-checked)."""

import numpy as np
import pytest

from ember.vision import datasets, transforms as T
from tests.vision._dataset_checks import NOT_FOUND_CORRUPT, assert_same_dataset, md5_of, same_error, write_image


@pytest.fixture
def omniglot(tmp_path, monkeypatch, torchvision):
    base = tmp_path / "omniglot-py"
    sums = {}
    for folder, layout in (("images_background", {"Greek": ["beta", "alpha"], "Angelic": ["character01"]}),
                           ("images_evaluation", {"Tengwar": ["character02", "character01"]})):
        for alphabet, characters in layout.items():
            for c in characters:
                for i in range(2):
                    write_image(str(base / folder / alphabet / c / f"{len(c)}_{i:02d}.png"), len(alphabet) + i,
                                size=(5, 5), mode="L")
        (base / f"{folder}.zip").write_bytes(folder.encode())  # only its MD5 is checked
        sums[folder] = md5_of(base / f"{folder}.zip")
    monkeypatch.setattr(torchvision.datasets.Omniglot, "zips_md5", sums)
    monkeypatch.setattr(datasets.Omniglot, "zips_md5", sums)
    return tmp_path


@pytest.mark.parametrize("background", [True, False])
def test_omniglot_matches_torchvision(omniglot, torchvision, background):
    ours = datasets.Omniglot(str(omniglot), background=background)
    theirs = torchvision.datasets.Omniglot(str(omniglot), background=background)
    assert_same_dataset(ours, theirs, attrs=("root", "target_folder", "_characters", "_flat_character_images"))
    assert ours[0][0].mode == "L"


def test_omniglot_transform_and_loader(omniglot, torchvision):
    ours = datasets.Omniglot(str(omniglot), transform=T.ToTensor())
    theirs = torchvision.datasets.Omniglot(str(omniglot), transform=torchvision.transforms.ToTensor())
    np.testing.assert_array_equal(ours[3][0].numpy(), theirs[3][0].numpy())
    assert tuple(ours[3][0].shape) == (1, 5, 5)
    from PIL import Image
    rgb = datasets.Omniglot(str(omniglot), loader=lambda p: Image.open(p).convert("RGB"))
    assert rgb[0][0].mode == "RGB"


def test_omniglot_errors(omniglot, tmp_path, torchvision):
    empty = str(tmp_path / "none")
    assert same_error(lambda: datasets.Omniglot(empty), lambda: torchvision.datasets.Omniglot(empty)) \
        == NOT_FOUND_CORRUPT
    (omniglot / "omniglot-py" / "images_evaluation.zip").write_bytes(b"corrupt")
    same_error(lambda: datasets.Omniglot(str(omniglot), background=False),
               lambda: torchvision.datasets.Omniglot(str(omniglot), background=False))
