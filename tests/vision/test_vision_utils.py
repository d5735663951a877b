"""make_grid / save_image against reference NumPy computations."""

import math
import os

import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision.utils import make_grid, save_image


def ref_grid(batch, nrow=8, padding=2, pad_value=0.0):
    """Rows of padded tiles joined with np.block (a different construction from the implementation's)."""
    b, c, h, w = batch.shape
    if c == 1:
        batch = np.repeat(batch, 3, axis=1)
        c = 3
    if b == 1:
        return batch[0]
    cols = min(nrow, b)
    rows = math.ceil(b / cols)

    def tile(k):
        t = np.full((c, h + padding, w + padding), pad_value, dtype=batch.dtype)
        if k < b:
            t[:, padding:, padding:] = batch[k]
        return t

    body = np.concatenate([np.concatenate([tile(r * cols + j) for j in range(cols)], axis=2) for r in range(rows)],
                          axis=1)
    out = np.full((c, body.shape[1] + padding, body.shape[2] + padding), pad_value, dtype=batch.dtype)
    out[:, :body.shape[1], :body.shape[2]] = body
    return out


@pytest.mark.parametrize("b,c,nrow,padding,pad_value", [(16, 1, 4, 2, 0.0), (5, 3, 2, 1, 0.5), (7, 1, 8, 0, 1.0),
                                                        (3, 3, 3, 3, 0.25), (1, 1, 8, 2, 0.0)])
def test_make_grid_reference(b, c, nrow, padding, pad_value):
    x = ember.rand(b, c, 5, 4)
    out = make_grid(x, nrow=nrow, padding=padding, pad_value=pad_value)
    np.testing.assert_array_equal(out.numpy(), ref_grid(x.numpy(), nrow, padding, pad_value))


def test_make_grid_inputs_and_normalize():
    imgs = [ember.rand(1, 3, 3) for _ in range(3)]
    np.testing.assert_array_equal(make_grid(imgs).numpy(), ref_grid(np.stack([i.numpy() for i in imgs])))
    assert tuple(make_grid(ember.rand(4, 4)).shape) == (3, 4, 4)  # 2-D -> one 3-channel image
    x = ember.rand(2, 1, 3, 3) * 10 - 5
    norm = make_grid(x, normalize=True, padding=0).numpy()
    lo, hi = x.numpy().min(), x.numpy().max()
    expect = ref_grid(((x.numpy() - lo) / (hi - lo)).astype(np.float32), padding=0)
    np.testing.assert_allclose(norm, expect, rtol=1e-6)
    ranged = make_grid(x, normalize=True, value_range=(-1.0, 1.0), padding=0).numpy()
    np.testing.assert_allclose(ranged, ref_grid(((np.clip(x.numpy(), -1, 1) + 1) / 2), padding=0), rtol=1e-6)
    each = make_grid(x, normalize=True, scale_each=True, padding=0).numpy()
    assert each[:, :, :3].min() == 0 and each[:, :, :3].max() == 1 and each[:, :, 3:].max() == 1
    with pytest.raises(TypeError, match="tensor or list of tensors expected, got <class 'numpy.ndarray'>"):
        make_grid(np.zeros((2, 1, 3, 3)))
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(x, normalize=True, value_range=[0, 1])


def test_save_image(tmp_path):
    x = ember.rand(4, 1, 5, 5)
    path = str(tmp_path / "grid.png")
    save_image(x, path, nrow=2)
    saved = np.asarray(Image.open(path))
    grid = make_grid(x, nrow=2).numpy()
    np.testing.assert_array_equal(saved, np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0))
    assert os.listdir(tmp_path) == ["grid.png"]
    with open(tmp_path / "f.bin", "wb") as f:
        save_image(x[0], f, format="PNG")
    assert Image.open(tmp_path / "f.bin").size == (5, 5)
    with pytest.raises(ValueError, match="unknown file extension: .nope"):
        save_image(x, str(tmp_path / "bad.nope"))
    assert sorted(os.listdir(tmp_path)) == ["f.bin", "grid.png"]


def test_flow_to_image_matches_torchvision(torch, torchvision):
    from ember.vision.utils import flow_to_image
    from tests.vision._transform_checks import raises_same
    rng = np.random.default_rng(0)
    for shape in [(2, 30, 40), (3, 2, 17, 19), (2, 1, 1)]:
        for scale in (1.0, 20.0, 1e-3):
            a = (rng.standard_normal(shape) * scale).astype(np.float32)
            want = torchvision.utils.flow_to_image(torch.from_numpy(a))
            got = flow_to_image(ember.from_numpy(a))
            assert got.dtype == ember.uint8 and tuple(got.shape) == tuple(want.shape)
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    zero = np.zeros((2, 4, 5), np.float32)  # no motion: white, not NaN
    np.testing.assert_array_equal(flow_to_image(ember.from_numpy(zero)).numpy(),
                                  torchvision.utils.flow_to_image(torch.from_numpy(zero)).numpy())
    for bad in [np.zeros((2, 3, 3), np.float64), np.zeros((2, 3, 3), np.int32), np.zeros((3, 3, 3), np.float32),
                np.zeros((1, 3, 3, 3), np.float32), np.zeros((2, 3), np.float32)]:
        raises_same(lambda b=bad: torchvision.utils.flow_to_image(torch.from_numpy(b)),
                    lambda b=bad: flow_to_image(ember.from_numpy(b)))
