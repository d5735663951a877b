"""v2.functional.resize_keypoints / resize_mask signatures and values side by side with torchvision."""
import inspect

import numpy as np
import pytest

import ember
from ember.vision import tv_tensors as T
from ember.vision.transforms.v2 import functional as F
from tests.vision.test_transforms_v2 import ref  # noqa: F401


def test_resize_keypoints_argument_order(ref):  # noqa: F811
    torch, _, tv2 = ref
    tf2 = tv2.functional
    pts = np.array([[1.0, 2.0], [3.5, 0.5]], dtype=np.float32)
    assert list(inspect.signature(F.resize_keypoints).parameters) == \
        list(inspect.signature(tf2.resize_keypoints).parameters)
    for size, canvas, max_size in [([8, 6], (4, 5), None), ([3], (4, 10), None), ([5], (6, 4), 7)]:
        want, wc = tf2.resize_keypoints(torch.from_numpy(pts), size, canvas, max_size=max_size)
        got, gc = F.resize_keypoints(ember.from_numpy(pts), size, canvas, max_size=max_size)
        assert gc == wc
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
        # keyword call as torchvision's signature names them
        got, gc = F.resize_keypoints(ember.from_numpy(pts), size=size, canvas_size=canvas, max_size=max_size)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("mode", [None, "NEAREST", "NEAREST_EXACT", "BILINEAR", "BICUBIC", "nearest-exact", 0])
def test_resize_mask_interpolation(ref, mode):  # noqa: F811
    torch, tvt, tv2 = ref
    tf2 = tv2.functional
    assert list(inspect.signature(F.resize_mask).parameters) == list(inspect.signature(tf2.resize_mask).parameters)
    assert inspect.signature(F.resize_mask).parameters["interpolation"].default.name == "BILINEAR"
    a = np.arange(2 * 4 * 5, dtype=np.float32).reshape(2, 4, 5)

    def interp(m):
        return getattr(m.InterpolationMode, mode) if isinstance(mode, str) and mode.isupper() else mode

    kw_t = {} if mode is None else {"interpolation": interp(tf2)}
    kw_e = {} if mode is None else {"interpolation": interp(F)}
    for arr in (a, a[0], a.astype(np.uint8)):
        want = tf2.resize_mask(torch.from_numpy(arr), [7, 9], **kw_t).numpy()
        got = F.resize_mask(ember.from_numpy(arr), [7, 9], **kw_e).numpy()
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    # the dispatcher passes the mode on for masks
    want = tf2.resize(tvt.Mask(torch.from_numpy(a)), [7, 9], **kw_t)
    got = F.resize(T.Mask(ember.from_numpy(a)), [7, 9], **kw_e)
    assert type(got).__name__ == "Mask"
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_resize_mask_bad_interpolation(ref):  # noqa: F811
    torch, _, tv2 = ref
    with pytest.raises(ValueError) as want:
        tv2.functional.resize_mask(torch.zeros(1, 4, 4), [6, 6], interpolation="foo")
    with pytest.raises(ValueError) as got:
        F.resize_mask(ember.zeros(1, 4, 4), [6, 6], interpolation="foo")
    assert str(got.value) == str(want.value)
