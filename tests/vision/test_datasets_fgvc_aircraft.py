"""FGVCAircraft side by side with torchvision on a tiny fake ``fgvc-aircraft-2013b`` folder."""

import pytest

from ember.vision import datasets
from tests.vision._dataset_checks import NOT_FOUND, assert_same_dataset, same_error, write_image


@pytest.fixture
def aircraft(tmp_path):
    data = tmp_path / "fgvc-aircraft-2013b" / "data"
    (data / "variants.txt").parent.mkdir(parents=True)
    (data / "variants.txt").write_text("707-320\nA300B4\nDHC-1\nF-16A/B\n")
    (data / "families.txt").write_text("Boeing 707\nA300\nDHC-1\nF-16\n")
    (data / "manufacturers.txt").write_text("Boeing\nAirbus\nde Havilland\nLockheed Martin\n")
    rows = [("1025794", "F-16A/B", "F-16", "Lockheed Martin"), ("0056978", "707-320", "Boeing 707", "Boeing"),
            ("2233445", "A300B4", "A300", "Airbus")]
    for i, (image, *_) in enumerate(rows):
        write_image(str(data / "images" / f"{image}.jpg"), i, fmt="PNG")
    for level, col in (("variant", 1), ("family", 2), ("manufacturer", 3)):
        for split, picked in (("train", rows[:2]), ("val", rows[2:]), ("trainval", rows), ("test", rows[1:])):
            (data / f"images_{level}_{split}.txt").write_text("".join(f"{r[0]} {r[col]}\n" for r in picked))
    return tmp_path


@pytest.mark.parametrize("split", ["train", "val", "trainval", "test"])
@pytest.mark.parametrize("level", ["variant", "family", "manufacturer"])
def test_fgvc_aircraft_matches_torchvision(aircraft, torchvision, split, level):
    ours = datasets.FGVCAircraft(str(aircraft), split=split, annotation_level=level)
    theirs = torchvision.datasets.FGVCAircraft(str(aircraft), split=split, annotation_level=level)
    assert_same_dataset(ours, theirs)


def test_fgvc_aircraft_errors(aircraft, tmp_path, torchvision):
    empty = str(tmp_path / "none")
    assert same_error(lambda: datasets.FGVCAircraft(empty), lambda: torchvision.datasets.FGVCAircraft(empty)) \
        == NOT_FOUND
    for kwargs in ({"split": "training"}, {"annotation_level": "model"}):
        same_error(lambda kw=kwargs: datasets.FGVCAircraft(str(aircraft), **kw),
                   lambda kw=kwargs: torchvision.datasets.FGVCAircraft(str(aircraft), **kw), ValueError)
