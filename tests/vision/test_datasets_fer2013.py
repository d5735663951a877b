"""FER2013 side by side with torchvision on tiny fake CSV files (every layout it accepts)."""

import numpy as np
import pytest

from ember.vision import datasets, transforms as T
from tests.vision._dataset_checks import assert_same_dataset, md5_of, same_error


def pixels(seed):
    return " ".join(str(v) for v in np.random.default_rng(seed).integers(0, 256, 48 * 48))


@pytest.fixture
def fer(tmp_path, monkeypatch, torchvision):
    base = tmp_path / "fer2013"
    base.mkdir()

    def write(name, text):
        (base / name).write_text(text)
        files = dict(torchvision.datasets.FER2013._RESOURCES)
        for key, (fname, _) in files.items():
            if (base / fname).exists():
                files[key] = (fname, md5_of(base / fname))
        monkeypatch.setattr(torchvision.datasets.FER2013, "_RESOURCES", files)
        monkeypatch.setattr(datasets.FER2013, "_RESOURCES", files)
    return tmp_path, write


def compare(root, torchvision, split):
    ours = datasets.FER2013(str(root), split=split)
    theirs = torchvision.datasets.FER2013(str(root), split=split)
    assert_same_dataset(ours, theirs)
    assert ours[0][0].mode == "L" and ours[0][0].size == (48, 48)
    return [t for _, t in ours]


def test_fer2013_split_files(fer, torchvision):
    root, write = fer
    write("train.csv", f"emotion,pixels\n3,{pixels(1)}\n0,{pixels(2)}\n6,{pixels(3)}\n")
    write("test.csv", f"pixels\n{pixels(4)}\n")
    assert compare(root, torchvision, "train") == [3, 0, 6]
    assert compare(root, torchvision, "test") == [None]
    ours = datasets.FER2013(str(root), transform=T.ToTensor())
    theirs = torchvision.datasets.FER2013(str(root), transform=torchvision.transforms.ToTensor())
    np.testing.assert_array_equal(ours[1][0].numpy(), theirs[1][0].numpy())


@pytest.mark.parametrize("name,header", [("fer2013.csv", "emotion,pixels,Usage"),
                                         ("icml_face_data.csv", "emotion, Usage, pixels")])
def test_fer2013_full_files(fer, torchvision, name, header):
    root, write = fer
    rows = [(4, "Training"), (0, "PublicTest"), (5, "PrivateTest"), (2, "Training")]
    lines = [header] + [",".join({"emotion": str(e), "pixels": pixels(i), "Usage": u}[c.strip()]
                                 for c in header.split(",")) for i, (e, u) in enumerate(rows)]
    write(name, "\n".join(lines) + "\n")
    write("train.csv", f"emotion,pixels\n1,{pixels(9)}\n")  # the full file takes precedence
    assert compare(root, torchvision, "train") == [4, 2]
    assert compare(root, torchvision, "test") == [0, 5]


def test_fer2013_errors(fer, tmp_path, torchvision):
    root, write = fer
    same_error(lambda: datasets.FER2013(str(tmp_path / "none")),
               lambda: torchvision.datasets.FER2013(str(tmp_path / "none")))
    same_error(lambda: datasets.FER2013(str(root), split="val"),
               lambda: torchvision.datasets.FER2013(str(root), split="val"), ValueError)
    write("icml_face_data.csv", "emotion, Usage, pixels\n")
    (root / "fer2013" / "icml_face_data.csv").write_text("corrupted")
    msg = same_error(lambda: datasets.FER2013(str(root)), lambda: torchvision.datasets.FER2013(str(root)))
    assert msg.startswith("icml_face_data.csv not found in")
