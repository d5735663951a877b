"""draw_bounding_boxes / draw_segmentation_masks / draw_keypoints side by side with torchvision.utils (same pillow
underneath, so the pixels must agree exactly)."""

import warnings

import numpy as np
import pytest

import ember
from ember.vision import utils as vutils


def pair(torch, arr):
    return ember.tensor(arr), torch.tensor(arr)


def assert_same_image(e, t):
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1] and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def same_error(fn_ours, fn_theirs, exc=ValueError):
    with pytest.raises(exc) as ours:
        fn_ours()
    with pytest.raises(exc) as theirs:
        fn_theirs()
    assert str(ours.value).replace("ember.", "torch.") == str(theirs.value)


def image(dtype, channels=3, seed=0, h=40, w=48):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (channels, h, w), dtype=np.uint8)
    return img if dtype == "uint8" else (img / 255).astype(dtype)


BOX_CASES = {
    "plain": dict(),
    "labels": dict(labels=["cat", "dog", "a long label"], colors=["red", (0, 255, 0), "#0000FF"], width=2),
    "fill": dict(fill=True, colors="yellow"),
    "fill-labels": dict(labels=["x", "y", "z"], fill_labels=True, label_background_colors="white"),
    "label-colors": dict(labels=["x", "y", "z"], label_colors=["red", "green", "blue"]),
}


@pytest.mark.parametrize("case", list(BOX_CASES))
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_draw_bounding_boxes(torch, torchvision, case, dtype):
    img_e, img_t = pair(torch, image(dtype))
    boxes = np.array([[2, 3, 20, 15], [10.7, 5.2, 40.9, 30.1], [0, 0, 47, 39]], dtype=np.float32)
    b_e, b_t = pair(torch, boxes)
    assert_same_image(vutils.draw_bounding_boxes(img_e, b_e, **BOX_CASES[case]),
                      torchvision.utils.draw_bounding_boxes(img_t, b_t, **BOX_CASES[case]))


def test_draw_bounding_boxes_grey_rotated_and_errors(torch, torchvision):
    img_e, img_t = pair(torch, image("uint8", channels=1))
    boxes = np.array([[5, 5, 30, 8, 27, 30, 2, 27], [20, 20, 40, 20, 40, 35, 20, 35]], dtype=np.float32)
    b_e, b_t = pair(torch, boxes)
    assert_same_image(vutils.draw_bounding_boxes(img_e, b_e, width=2, fill=True),
                      torchvision.utils.draw_bounding_boxes(img_t, b_t, width=2, fill=True))
    good = np.array([[1, 1, 5, 5]], dtype=np.float32)
    bad_boxes = np.array([[5, 1, 1, 5]], dtype=np.float32)
    u8 = image("uint8")
    cases = [(image("uint8").astype(np.int32), good, {}), (u8[None], good, {}), (image("uint8", 2), good, {}),
             (u8, bad_boxes, {}), (u8, good, {"labels": ["a", "b"]}), (u8, good, {"colors": (1, 2)}),
             (u8, good, {"colors": 5}), (u8, np.tile(good, (3, 1)), {"colors": ["red"]})]
    for arr, bx, kw in cases:
        ie, it = pair(torch, arr)
        be, bt = pair(torch, bx)
        with pytest.raises(ValueError) as ours:
            vutils.draw_bounding_boxes(ie, be, **kw)
        with pytest.raises(ValueError) as theirs:
            torchvision.utils.draw_bounding_boxes(it, bt, **kw)
        assert str(ours.value).replace("ember.vision.ops", "torchvision.ops").replace("ember.", "torch.") == \
            str(theirs.value)
    with pytest.raises(TypeError, match="Tensor expected"):
        vutils.draw_bounding_boxes(u8, ember.tensor(good))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ie = ember.tensor(u8)
        assert vutils.draw_bounding_boxes(ie, ember.zeros(0, 4)) is ie
        vutils.draw_bounding_boxes(ie, ember.tensor(good), font_size=12)
    assert [str(x.message) for x in w] == ["boxes doesn't contain any box. No box was drawn",
                                           "Argument 'font_size' will be ignored since 'font' is not set."]


@pytest.mark.parametrize("dtype", ["uint8", "float32", "float64"])
@pytest.mark.parametrize("alpha", [0.8, 0.35, 1.0])
def test_draw_segmentation_masks(torch, torchvision, dtype, alpha):
    img_e, img_t = pair(torch, image(dtype, h=12, w=10))
    masks = np.random.default_rng(1).random((3, 12, 10)) > 0.6  # overlaps included
    m_e, m_t = pair(torch, masks)
    for colors in (None, ["red", (10, 200, 30), "#123456"], "purple"):
        assert_same_image(vutils.draw_segmentation_masks(img_e, m_e, alpha=alpha, colors=colors),
                          torchvision.utils.draw_segmentation_masks(img_t, m_t, alpha=alpha, colors=colors))
    assert_same_image(vutils.draw_segmentation_masks(img_e, m_e[0], alpha=alpha),
                      torchvision.utils.draw_segmentation_masks(img_t, m_t[0], alpha=alpha))


def test_draw_segmentation_masks_errors(torch, torchvision):
    u8 = image("uint8", h=4, w=5)
    ok = np.ones((4, 5), dtype=bool)
    cases = [(u8.astype(np.int16), ok), (u8[None], ok), (u8[:1], ok), (u8, ok[None, None]), (u8, ok.astype(np.uint8)),
             (u8, np.ones((4, 4), dtype=bool))]
    for arr, m in cases:
        ie, it = pair(torch, arr)
        me, mt = pair(torch, m)
        same_error(lambda ie=ie, me=me: vutils.draw_segmentation_masks(ie, me),
                   lambda it=it, mt=mt: torchvision.utils.draw_segmentation_masks(it, mt))
    ie = ember.tensor(u8)
    with pytest.warns(UserWarning, match="masks doesn't contain any mask"):
        assert vutils.draw_segmentation_masks(ie, ember.zeros(0, 4, 5, dtype=ember.bool)) is ie


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_draw_keypoints(torch, torchvision, dtype):
    img_e, img_t = pair(torch, image(dtype, h=30, w=30))
    kpts = np.array([[[3, 4], [20.6, 10.2], [15, 25]], [[25, 3], [5, 20], [28, 28]]], dtype=np.float32)
    k_e, k_t = pair(torch, kpts)
    vis = np.array([[True, True, False], [True, True, True]])
    v_e, v_t = pair(torch, vis)
    for kw_e, kw_t in (({}, {}), ({"connectivity": [(0, 1), (1, 2)], "colors": "red", "radius": 3, "width": 2},) * 2,
                       ({"connectivity": [(0, 1), (1, 2)], "visibility": v_e, "colors": (0, 0, 255)},
                        {"connectivity": [(0, 1), (1, 2)], "visibility": v_t, "colors": (0, 0, 255)}),
                       ({"connectivity": [(0, 2)], "visibility": v_e[..., None]},
                        {"connectivity": [(0, 2)], "visibility": v_t[..., None]})):
        assert_same_image(vutils.draw_keypoints(img_e, k_e, **kw_e),
                          torchvision.utils.draw_keypoints(img_t, k_t, **kw_t))
    u8 = image("uint8", h=8, w=8)
    for arr, kp, v in ((u8, kpts[0], None), (u8, kpts, vis[0]), (u8, kpts, vis[:, :2]), (u8[:1], kpts, None)):
        ie, it = pair(torch, arr)
        ke, kt = pair(torch, kp)
        ve, vt = pair(torch, v) if v is not None else (None, None)
        with pytest.raises(ValueError) as ours:
            vutils.draw_keypoints(ie, ke, visibility=ve)
        with pytest.raises(ValueError) as theirs:
            torchvision.utils.draw_keypoints(it, kt, visibility=vt)
        assert str(ours.value).replace("ember.Size", "torch.Size") == str(theirs.value).replace(
            "torch.Size([2, 2])", "(2, 2)").replace("torch.Size([2, 3, 2])", "(2, 3, 2)")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_draw_functions_other_float_dtypes(torch, torchvision, dtype):
    # half-precision images: the uint8 round trip and the mask blend round like torch's (float32 arithmetic)
    img = image("float32", h=20, w=24)
    img[:, 0, 0] = 1.0  # 1.0 * (256 - 1e-3) rounds to 256 in half precision
    img_e, img_t = ember.tensor(img).to(getattr(ember, dtype)), torch.tensor(img).to(getattr(torch, dtype))

    def same(e, t):
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(e.float().numpy(), t.float().numpy())

    boxes = np.array([[1, 1, 10, 12], [3, 2, 20, 18]], dtype=np.float32)
    same(vutils.draw_bounding_boxes(img_e, ember.tensor(boxes), fill=True, colors="red"),
         torchvision.utils.draw_bounding_boxes(img_t, torch.tensor(boxes), fill=True, colors="red"))
    masks = np.random.default_rng(2).random((2, 20, 24)) > 0.5
    for colors in (None, "purple"):
        same(vutils.draw_segmentation_masks(img_e, ember.tensor(masks), alpha=0.3, colors=colors),
             torchvision.utils.draw_segmentation_masks(img_t, torch.tensor(masks), alpha=0.3, colors=colors))
    kpts = np.array([[[2, 3], [10, 15]]], dtype=np.float32)
    same(vutils.draw_keypoints(img_e, ember.tensor(kpts), connectivity=[(0, 1)], colors="blue"),
         torchvision.utils.draw_keypoints(img_t, torch.tensor(kpts), connectivity=[(0, 1)], colors="blue"))
