"""Shared checks for the file-based image dataset tests: tiny images on disk, ember vs torchvision side by side."""

import os

import numpy as np
import pytest
from PIL import Image

NOT_FOUND = "Dataset not found. You can use download=True to download it"
NOT_FOUND_CORRUPT = "Dataset not found or corrupted. You can use download=True to download it"


def write_image(path, seed, size=(6, 5), mode="RGB", fmt=None):
    """Write a small random image (PNG-like lossless formats keep the pixels exact) and return its path."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rng = np.random.default_rng(seed)
    shape = (size[1], size[0]) if mode == "L" else (size[1], size[0], 3)
    Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(path, format=fmt)
    return path


def assert_same_item(ours, theirs):
    """(image, target) pairs: the same type of image with the same mode and pixels, equal targets."""
    (a, y), (b, z) = ours, theirs
    if isinstance(b, Image.Image):
        assert isinstance(a, Image.Image) and a.mode == b.mode and a.size == b.size
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    else:
        np.testing.assert_array_equal(np.asarray(a.numpy()), b.numpy())
    assert_same_target(y, z)


def assert_same_target(y, z):
    if isinstance(z, tuple):
        assert isinstance(y, tuple) and len(y) == len(z)
        for u, v in zip(y, z):
            assert_same_target(u, v)
    elif isinstance(z, np.ndarray):
        assert isinstance(y, np.ndarray) and y.dtype == z.dtype
        np.testing.assert_array_equal(y, z)
    else:
        assert type(y) is type(z) and y == z


def assert_same_dataset(ours, theirs, attrs=("classes", "class_to_idx")):
    """Length, every item, the listed attributes (where torchvision has them) and the repr agree."""
    assert len(ours) == len(theirs) > 0
    for i in range(len(theirs)):
        assert_same_item(ours[i], theirs[i])
    for name in attrs:
        assert hasattr(ours, name) == hasattr(theirs, name), name
        if hasattr(theirs, name):
            assert getattr(ours, name) == getattr(theirs, name), name
    assert repr(ours) == repr(theirs)


def same_error(fn_ours, fn_theirs, exc=RuntimeError):
    """Both calls raise ``exc`` with the same type and message; returns the message."""
    with pytest.raises(exc) as ours:
        fn_ours()
    with pytest.raises(exc) as theirs:
        fn_theirs()
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
    return str(ours.value)


def md5_of(path):
    import hashlib
    return hashlib.md5(open(path, "rb").read()).hexdigest()
