"""CocoDetection and CocoCaptions on a tiny COCO JSON: hand-written expected targets, and torchvision side by side
when pycocotools (which torchvision needs for COCO) is installed."""

import importlib.util
import json

import numpy as np
import pytest
from PIL import Image

from ember.vision import datasets, transforms as T

from tests.vision._dataset_checks import write_image

HAS_PYCOCOTOOLS = importlib.util.find_spec("pycocotools") is not None

IMAGES = [{"id": 42, "file_name": "b/000042.jpg", "width": 6, "height": 5},
          {"id": 7, "file_name": "000007.jpg", "width": 4, "height": 3},
          {"id": 13, "file_name": "000013.jpg", "width": 5, "height": 5}]  # 13: no annotation
ANNS = [  # interleaved images, ids not sorted: the targets keep the file's order
    {"id": 900, "image_id": 42, "category_id": 18, "bbox": [1.0, 2.0, 3.0, 2.5], "area": 7.5, "iscrowd": 0,
     "segmentation": [[1.0, 2.0, 4.0, 2.0, 4.0, 4.5]]},
    {"id": 5, "image_id": 7, "category_id": 1, "bbox": [0.0, 0.0, 2.0, 2.0], "area": 4.0, "iscrowd": 1,
     "segmentation": {"counts": [0, 6, 6], "size": [3, 4]}},
    {"id": 77, "image_id": 42, "category_id": 1, "bbox": [0.5, 0.5, 1.0, 1.0], "area": 1.0, "iscrowd": 0,
     "segmentation": [[0.5, 0.5, 1.5, 0.5, 1.5, 1.5]], "num_keypoints": 1, "keypoints": [1, 1, 2]},
]
CAPTIONS = [{"id": 3, "image_id": 13, "caption": "A cat on a mat."},
            {"id": 1, "image_id": 42, "caption": "Two things."},
            {"id": 2, "image_id": 13, "caption": "Some fur."}]
CATEGORIES = [{"id": 1, "name": "person", "supercategory": "person"},
              {"id": 18, "name": "dog", "supercategory": "animal"}]


@pytest.fixture
def coco(tmp_path):
    root = tmp_path / "images"
    for i, img in enumerate(IMAGES):
        write_image(str(root / img["file_name"]), i, size=(img["width"], img["height"]), fmt="PNG")
    (tmp_path / "instances.json").write_text(json.dumps(
        {"info": {}, "images": IMAGES, "annotations": ANNS, "categories": CATEGORIES}))
    (tmp_path / "captions.json").write_text(json.dumps({"images": IMAGES, "annotations": CAPTIONS}))
    return str(root), str(tmp_path / "instances.json"), str(tmp_path / "captions.json")


def _pixels(root, name):
    with Image.open(f"{root}/{name}") as im:
        return np.asarray(im.convert("RGB"))


def test_coco_detection(coco):
    root, instances, _ = coco
    ds = datasets.CocoDetection(root, instances)
    assert len(ds) == 3 and ds.ids == [7, 13, 42]
    expected = {7: [ANNS[1]], 13: [], 42: [ANNS[0], ANNS[2]]}
    for i, image_id in enumerate(ds.ids):
        img, target = ds[i]
        name = next(im["file_name"] for im in IMAGES if im["id"] == image_id)
        assert isinstance(img, Image.Image) and img.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(img), _pixels(root, name))
        assert target == expected[image_id]
    assert repr(ds) == f"Dataset CocoDetection\n    Number of datapoints: 3\n    Root location: {root}"
    # the pycocotools-style index that tutorials use
    assert ds.coco.cats[18]["name"] == "dog" and ds.coco.loadCats(ds.coco.getCatIds(supNms="animal")) == [
        CATEGORIES[1]]
    assert ds.coco.getAnnIds(imgIds=42, iscrowd=0) == [900, 77] and ds.coco.getAnnIds(catIds=[1]) == [5, 77]
    assert sorted(ds.coco.getImgIds(catIds=[1])) == [7, 42] and ds.coco.getImgIds() == [42, 7, 13]
    assert ds.coco.loadImgs(7) == [IMAGES[1]] and ds.coco.getAnnIds(areaRng=[2, 5]) == [5]


def test_coco_captions(coco):
    root, _, captions = coco
    ds = datasets.CocoCaptions(root, captions)
    assert [ds[i][1] for i in range(len(ds))] == [[], ["A cat on a mat.", "Some fur."], ["Two things."]]
    assert repr(ds).startswith("Dataset CocoCaptions\n    Number of datapoints: 3\n")


def _sizes(img, target):
    return img.size, len(target)


def test_coco_transforms_and_errors(coco):
    root, instances, captions = coco
    ds = datasets.CocoDetection(root, instances, transform=T.PILToTensor(), target_transform=len)
    img, n = ds[2]
    assert tuple(img.shape) == (3, 5, 6) and str(img.dtype) == "ember.uint8" and n == 2
    np.testing.assert_array_equal(img.numpy().transpose(1, 2, 0), _pixels(root, IMAGES[0]["file_name"]))
    assert "Transform: PILToTensor()" in repr(ds)
    assert datasets.CocoCaptions(root, captions, transforms=_sizes)[1] == ((5, 5), 2)
    with pytest.raises(ValueError, match="Index must be of type integer, got <class 'slice'> instead."):
        ds[0:2]
    with pytest.raises(FileNotFoundError):
        datasets.CocoDetection(root, instances + ".missing")
    with pytest.raises(ValueError, match="Only transforms or transform/target_transform"):
        datasets.CocoDetection(root, instances, transforms=_sizes, transform=T.PILToTensor())


@pytest.mark.skipif(not HAS_PYCOCOTOOLS, reason="torchvision's COCO datasets need pycocotools")
@pytest.mark.parametrize("cls, ann", [("CocoDetection", 1), ("CocoCaptions", 2)])
def test_coco_matches_torchvision(coco, torchvision, cls, ann):
    ours = getattr(datasets, cls)(coco[0], coco[ann])
    theirs = getattr(torchvision.datasets, cls)(coco[0], coco[ann])
    assert len(ours) == len(theirs) and ours.ids == theirs.ids
    for i in range(len(theirs)):
        (a, y), (b, z) = ours[i], theirs[i]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert y == z
    assert repr(ours) == repr(theirs)
