"""VOCSegmentation and VOCDetection side by side with torchvision on a tiny fake ``VOCdevkit`` folder."""

from functools import partial

import numpy as np
import pytest
from PIL import Image

from ember.vision import datasets, transforms as T

from tests.vision._dataset_checks import NOT_FOUND_CORRUPT, same_error, write_image

NAMES = {"train": ["2008_000002", "2008_000007", "2008_000012"], "val": ["2009_000001", "2009_000005"]}
NAMES["trainval"] = NAMES["train"] + NAMES["val"]

OBJECT = """  <object>
    <name>{name}</name><pose>Left</pose><truncated>{t}</truncated><difficult>0</difficult>
    <bndbox><xmin>{x}</xmin><ymin>2</ymin><xmax>5</xmax><ymax>{y}</ymax></bndbox>{extra}
  </object>
"""


def _annotation(i, name):
    objects = "".join(OBJECT.format(name=cls, t=k % 2, x=k + 1, y=k + 3,
                                    extra="\n    <part><name>hand</name><bndbox><xmin>1</xmin></bndbox></part>" * k)
                      for k, cls in enumerate(["dog", "person", "chair"][:i]))
    # i = 0: no object at all; empty and blank leaves ("<segmented/>", "<occluded> </occluded>") are kept as torchvision
    return (f"<annotation>\n  <folder>VOC2012</folder>\n  <filename>{name}.jpg</filename>\n"
            "  <source><database>The VOC2008 Database</database><annotation>PASCAL VOC2008</annotation></source>\n"
            "  <size><width>6</width><height>5</height><depth>3</depth></size>\n  <segmented/>\n"
            f"  <occluded> </occluded>\n{objects}</annotation>\n")


def _make_devkit(root, year, base=("VOCdevkit",)):
    voc = root.joinpath(*base, f"VOC{year}")
    for sub in ("Segmentation", "Main"):
        (voc / "ImageSets" / sub).mkdir(parents=True)
        for split, names in NAMES.items():
            (voc / "ImageSets" / sub / f"{split}.txt").write_text("".join(n + "\n" for n in names))
    (voc / "SegmentationClass").mkdir()
    (voc / "Annotations").mkdir()
    for i, name in enumerate(NAMES["trainval"]):
        write_image(str(voc / "JPEGImages" / f"{name}.jpg"), i, size=(6, 5), fmt="PNG")
        mask = Image.fromarray(np.random.default_rng(i).choice([0, 1, 15, 255], (5, 6)).astype(np.uint8), "P")
        mask.putpalette([0, 0, 0, 128, 0, 0] * 128)
        mask.save(voc / "SegmentationClass" / f"{name}.png")
        (voc / "Annotations" / f"{name}.xml").write_text(_annotation(i % 4, name))


@pytest.fixture
def voc(tmp_path):
    _make_devkit(tmp_path, "2012")
    _make_devkit(tmp_path, "2011", ("TrainVal", "VOCdevkit"))
    return str(tmp_path)


def _same_image(a, b):
    assert type(a) is type(b) and a.mode == b.mode and a.size == b.size
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    if b.mode == "P":
        assert a.getpalette() == b.getpalette()


@pytest.mark.parametrize("year, image_set", [("2012", "train"), ("2012", "val"), ("2011", "trainval")])
def test_voc_segmentation_matches_torchvision(voc, torchvision, year, image_set):
    ours = datasets.VOCSegmentation(voc, year=year, image_set=image_set)
    theirs = torchvision.datasets.VOCSegmentation(voc, year=year, image_set=image_set)
    assert len(ours) == len(theirs) == len(NAMES[image_set])
    assert ours.images == theirs.images and ours.masks == theirs.masks and ours.targets == theirs.targets
    for i in range(len(theirs)):
        for a, b in zip(ours[i], theirs[i]):
            _same_image(a, b)
    assert (ours.year, ours.image_set, ours.url, ours.filename, ours.md5) == (
        theirs.year, theirs.image_set, theirs.url, theirs.filename, theirs.md5)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("image_set", ["train", "val", "trainval"])
def test_voc_detection_matches_torchvision(voc, torchvision, image_set):
    ours = datasets.VOCDetection(voc, image_set=image_set)
    theirs = torchvision.datasets.VOCDetection(voc, image_set=image_set)
    assert len(ours) == len(theirs) == len(NAMES[image_set])
    assert ours.annotations == theirs.annotations
    for i in range(len(theirs)):
        (a, y), (b, z) = ours[i], theirs[i]
        _same_image(a, b)
        assert y == z and list(y["annotation"]) == list(z["annotation"])  # same nesting, values and key order
        assert isinstance(y["annotation"]["object"], list)
    assert repr(ours) == repr(theirs)


def _image_and_names(img, target):
    return img.size, [obj["name"] for obj in target["annotation"]["object"]]


def test_voc_transforms(voc, torchvision):
    ours = datasets.VOCDetection(voc, transforms=_image_and_names)
    theirs = torchvision.datasets.VOCDetection(voc, transforms=_image_and_names)
    assert [ours[i] for i in range(3)] == [theirs[i] for i in range(3)]
    assert ours[2] == ((6, 5), ["dog", "person"])
    ours = datasets.VOCSegmentation(voc, transform=T.ToTensor(), target_transform=T.PILToTensor())
    theirs = torchvision.datasets.VOCSegmentation(voc, transform=torchvision.transforms.ToTensor(),
                                                  target_transform=torchvision.transforms.PILToTensor())
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("cls", ["VOCSegmentation", "VOCDetection"])
def test_voc_errors(voc, tmp_path, torchvision, cls):
    ours, theirs = getattr(datasets, cls), getattr(torchvision.datasets, cls)
    empty = str(tmp_path / "nothing")
    assert NOT_FOUND_CORRUPT in same_error(lambda: ours(empty), lambda: theirs(empty))
    same_error(lambda: ours(voc, year="2007", image_set="test"), lambda: theirs(voc, year="2007", image_set="test"))
    for kw in (dict(year="2013"), dict(year=2012), dict(year="2007-test"), dict(image_set="test"),
               dict(image_set="training")):
        same_error(partial(ours, voc, **kw), partial(theirs, voc, **kw), ValueError)
