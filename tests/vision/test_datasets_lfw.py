"""LFWPeople and LFWPairs side by side with torchvision on a tiny fake ``lfw-py`` folder."""

import numpy as np
import pytest

from ember.vision import datasets
from tests.vision._dataset_checks import NOT_FOUND_CORRUPT, assert_same_dataset, assert_same_item, md5_of, \
    same_error, write_image

# name -> number of photos; "Zed_Unused" is named but never listed (identities come from the names file)
_PEOPLE = {"Ann_Lee": 3, "Bob_Ray": 1, "Cy_Tan": 2, "Zed_Unused": 1, "Di_Ox": 2}
_LISTS = {
    # 10 fold files: the fold count, then per fold its line count and lines
    "people.txt": "2\n2\nAnn_Lee\t3\nBob_Ray\t1\n1\nCy_Tan\t2\n",
    "peopleDevTrain.txt": "2\nCy_Tan\t2\nAnn_Lee\t2\n",
    "peopleDevTest.txt": "1\nDi_Ox\t2\n",
    # pairs: per fold n matched then n mismatched lines
    "pairs.txt": ("2\t1\nAnn_Lee\t1\t3\nBob_Ray\t1\tCy_Tan\t2\n"
                  "Di_Ox\t1\t2\nAnn_Lee\t2\tDi_Ox\t1\n"),
    "pairsDevTrain.txt": "2\nAnn_Lee\t1\t2\nCy_Tan\t1\t2\nBob_Ray\t1\tAnn_Lee\t3\nDi_Ox\t2\tCy_Tan\t1\n",
    "pairsDevTest.txt": "1\nDi_Ox\t2\t1\nCy_Tan\t2\tBob_Ray\t1\n",
    "lfw-names.txt": "".join(f"{name}\t{n}\n" for name, n in sorted(_PEOPLE.items())),
}


@pytest.fixture
def lfw(tmp_path, monkeypatch, torchvision):
    base = tmp_path / "lfw-py"
    base.mkdir()
    file_dict = {}
    for k, (image_set, folder) in enumerate([("original", "lfw"), ("funneled", "lfw_funneled"),
                                             ("deepfunneled", "lfw-deepfunneled")]):
        archive = base / f"{folder}.tgz"
        archive.write_bytes(b"fake archive " + folder.encode())
        file_dict[image_set] = (folder, archive.name, md5_of(str(archive)))
        for i, (name, n) in enumerate(_PEOPLE.items()):
            for no in range(1, n + 1):
                write_image(str(base / folder / name / f"{name}_{no:04d}.jpg"), 100 * k + 10 * i + no, fmt="PNG")
    checksums = {}
    for name, text in _LISTS.items():
        (base / name).write_text(text)
        checksums[name] = md5_of(str(base / name))
    for cls in (datasets.LFWPeople, datasets.LFWPairs, torchvision.datasets.LFWPeople, torchvision.datasets.LFWPairs):
        monkeypatch.setattr(cls, "file_dict", file_dict)
        monkeypatch.setattr(cls, "checksums", checksums)
    return tmp_path


_ATTRS = ("class_to_idx", "data", "targets", "image_set", "split", "view", "labels_file", "images_dir", "filename",
          "md5", "pair_names")


@pytest.mark.parametrize("split,image_set", [("10fold", "funneled"), ("train", "original"),
                                             ("TEST", "DeepFunneled")])
def test_lfw_people_matches_torchvision(lfw, torchvision, split, image_set):
    ours = datasets.LFWPeople(str(lfw), split=split, image_set=image_set)
    theirs = torchvision.datasets.LFWPeople(str(lfw), split=split, image_set=image_set)
    assert_same_dataset(ours, theirs, _ATTRS)
    assert "Classes (identities): 5" in repr(ours)


@pytest.mark.parametrize("split,image_set", [("10fold", "funneled"), ("train", "deepfunneled"),
                                             ("test", "Original")])
def test_lfw_pairs_matches_torchvision(lfw, torchvision, split, image_set):
    ours = datasets.LFWPairs(str(lfw), split=split, image_set=image_set)
    theirs = torchvision.datasets.LFWPairs(str(lfw), split=split, image_set=image_set)
    assert len(ours) == len(theirs) > 0
    for i in range(len(theirs)):
        (a1, a2, y), (b1, b2, z) = ours[i], theirs[i]
        assert_same_item((a1, y), (b1, z))
        assert_same_item((a2, y), (b2, z))
    for name in _ATTRS:
        assert hasattr(ours, name) == hasattr(theirs, name), name
        if hasattr(theirs, name):
            assert getattr(ours, name) == getattr(theirs, name), name
    assert repr(ours) == repr(theirs)


def test_lfw_transforms_and_loader(lfw, torchvision):
    kw = dict(transform=lambda im: np.asarray(im)[:2].sum(), target_transform=lambda t: t + 10,
              loader=lambda path: __import__("PIL.Image").Image.open(path).convert("L"))
    for name in ("LFWPeople", "LFWPairs"):
        ours = getattr(datasets, name)(str(lfw), split="train", **kw)
        theirs = getattr(torchvision.datasets, name)(str(lfw), split="train", **kw)
        assert [ours[i] for i in range(len(ours))] == [theirs[i] for i in range(len(theirs))]
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["LFWPeople", "LFWPairs"])
def test_lfw_errors(lfw, tmp_path, torchvision, name):
    ours, theirs = getattr(datasets, name), getattr(torchvision.datasets, name)
    empty = str(tmp_path / "none")
    assert same_error(lambda: ours(empty), lambda: theirs(empty)) == NOT_FOUND_CORRUPT
    # downloading is refused even when the files are present
    for root in (empty, str(lfw)):
        msg = same_error(lambda r=root: ours(r, download=True), lambda r=root: theirs(r, download=True), ValueError)
        assert "no longer available" in msg
    for kw in (dict(split="val"), dict(image_set="aligned")):
        same_error(lambda kw=kw: ours(str(lfw), **kw), lambda kw=kw: theirs(str(lfw), **kw), ValueError)
    same_error(lambda: ours(str(lfw), split=1), lambda: theirs(str(lfw), split=1), AttributeError)
    # the names file is checked (and needed) by the people view only
    with open(lfw / "lfw-py" / "lfw-names.txt", "a") as f:
        f.write("\n")
    if name == "LFWPeople":
        assert same_error(lambda: ours(str(lfw)), lambda: theirs(str(lfw))) == NOT_FOUND_CORRUPT
    else:
        assert len(ours(str(lfw))) == len(theirs(str(lfw)))
    # a list file whose MD5 no longer matches counts as corrupted
    labels = "people.txt" if name == "LFWPeople" else "pairs.txt"
    with open(lfw / "lfw-py" / labels, "a") as f:
        f.write("\n")
    assert same_error(lambda: ours(str(lfw)), lambda: theirs(str(lfw))) == NOT_FOUND_CORRUPT
