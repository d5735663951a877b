"""Shared helpers of the ember.vision.transforms tests that compare with torchvision."""

import numpy as np
import pytest
from PIL import Image


def u8(shape, seed=0):
    """Random uint8 pixels of ``shape``."""
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def as_array(x):
    """A PIL image, tensor (ember or torch) or tuple of them as one NumPy array."""
    if isinstance(x, Image.Image):
        return np.asarray(x)
    if isinstance(x, (tuple, list)):
        return np.stack([as_array(v) for v in x])
    return x.numpy()


def raises_same(ref_call, call):
    """Both calls raise the same exception type with the same message (``torch.`` spelled ``ember.``)."""
    with pytest.raises(Exception) as ref:
        ref_call()
    with pytest.raises(type(ref.value)) as got:
        call()
    assert str(got.value) == str(ref.value).replace("torch.", "ember.")


def same_up_to_ties(out, ref, ref_float, label=""):
    """Integer images resized through float32 agree, except that a pixel may be one level apart where the reference's
    float value (before rounding) lies within 1e-3 of a tie (k + 0.5): ember's float32 interpolation is a few ulp
    from PyTorch's, so such exact ties may round the other way."""
    e, r, f = as_array(out).astype(np.int64), as_array(ref).astype(np.int64), as_array(ref_float).astype(np.float64)
    assert e.shape == r.shape, label
    off = e != r
    assert (np.abs(e - r)[off] == 1).all(), label
    assert (np.abs(f[off] - np.floor(f[off]) - 0.5) < 1e-3).all(), label
