"""ember.vision.tv_tensors against torchvision.tv_tensors: construction, reprs, type propagation, metadata."""

import copy
import pickle

import numpy as np
import pytest

import ember
from ember.vision import tv_tensors as T
from tests.vision._transform_checks import raises_same


@pytest.fixture
def tvt(torchvision):
    from torchvision import tv_tensors
    return tv_tensors


def _rep(x):
    return repr(x).replace("torch.", "ember.")


def _box_kwargs(**kw):
    return dict(format="XYXY", canvas_size=(32, 32), **kw)


def test_reprs_match(torch, tvt):
    data = np.arange(24).reshape(2, 3, 4)
    floats = np.random.default_rng(0).random((1, 1, 12))
    cases = [
        (lambda m, t: m.Image(t.tensor(data, dtype=t.uint8))),
        (lambda m, t: m.Image(t.tensor(floats, dtype=t.float32))),
        (lambda m, t: m.Image(t.tensor(floats, dtype=t.float64))),
        (lambda m, t: m.Image(t.zeros(2, 2))),
        (lambda m, t: m.Image(t.zeros(0, 2, 2))),
        (lambda m, t: m.Video(t.zeros(1, 1, 2, 2))),
        (lambda m, t: m.Mask(t.tensor(floats[0], dtype=t.float32))),
        (lambda m, t: m.Mask(t.zeros(2, 2, dtype=t.bool))),
        (lambda m, t: m.BoundingBoxes([[0, 1, 5, 6], [1, 2, 3, 4]], **_box_kwargs())),
        (lambda m, t: m.BoundingBoxes(t.tensor(floats[0], dtype=t.float64), **_box_kwargs(clamping_mode=None))),
        (lambda m, t: m.BoundingBoxes([1, 2, 3, 4], format="cxcywh", canvas_size=[4, 5], clamping_mode="hard")),
        (lambda m, t: m.BoundingBoxes(t.zeros(0, 4), **_box_kwargs())),
        (lambda m, t: m.KeyPoints([[1, 2], [3, 4]], canvas_size=(4, 4))),
        (lambda m, t: m.KeyPoints([1.5, 2], canvas_size=(4, 4))),
        (lambda m, t: m.TVTensor(t.zeros(1, 2))),
    ]
    for make in cases:
        assert repr(make(T, ember)) == _rep(make(tvt, torch))


def test_construction(torch, tvt):
    from PIL import Image as PILImage
    pil = PILImage.fromarray(np.arange(12, dtype=np.uint8).reshape(2, 2, 3))
    assert repr(T.Image(pil)) == _rep(tvt.Image(pil))
    assert repr(T.Mask(pil)) == _rep(tvt.Mask(pil))
    arr = np.zeros((1, 2, 2), dtype=np.uint8)
    assert repr(T.Image(arr)) == _rep(tvt.Image(arr))
    assert repr(T.Image([[1, 2.0]], dtype=ember.float64)) == _rep(tvt.Image([[1, 2.0]], dtype=torch.float64))
    # data is shared with a tensor argument, and the argument keeps its type
    x = ember.zeros(1, 2, 2)
    img = T.Image(x)
    img.add_(1)
    assert type(x) is ember.Tensor and x.sum().item() == 4
    # requires_grad: kept from the data by default, and gradients reach the data
    x = ember.zeros(1, 2, 2, requires_grad=True)
    img = T.Image(x)
    assert img.requires_grad
    (img * 3).sum().backward()
    assert np.allclose(x.grad.numpy(), 3)
    assert not T.Image(x, requires_grad=False).requires_grad
    assert T.Image([[1.0]], requires_grad=True).requires_grad


def test_construction_errors(torch, tvt):
    raises_same(lambda: tvt.Image(torch.zeros(3)), lambda: T.Image(ember.zeros(3)))
    raises_same(lambda: tvt.Video(torch.zeros(2, 2, 2)), lambda: T.Video(ember.zeros(2, 2, 2)))
    raises_same(lambda: tvt.BoundingBoxes(torch.zeros(2, 2, 4), **_box_kwargs()),
                lambda: T.BoundingBoxes(ember.zeros(2, 2, 4), **_box_kwargs()))
    raises_same(lambda: tvt.BoundingBoxes([[1, 2, 3, 4]], format=3, canvas_size=(2, 2)),
                lambda: T.BoundingBoxes([[1, 2, 3, 4]], format=3, canvas_size=(2, 2)))
    raises_same(lambda: tvt.BoundingBoxes(torch.zeros(1, 4), format="XYXYXY", canvas_size=(2, 2)),
                lambda: T.BoundingBoxes(ember.zeros(1, 4), format="XYXYXY", canvas_size=(2, 2)))
    raises_same(lambda: tvt.BoundingBoxes(torch.zeros(1, 4), **_box_kwargs(clamping_mode="x")),
                lambda: T.BoundingBoxes(ember.zeros(1, 4), **_box_kwargs(clamping_mode="x")))
    raises_same(lambda: tvt.KeyPoints(torch.zeros(2, 3), canvas_size=(2, 2)),
                lambda: T.KeyPoints(ember.zeros(2, 3), canvas_size=(2, 2)))
    raises_same(lambda: tvt.set_return_type("foo"), lambda: T.set_return_type("foo"))
    for fmt, n in (("XYWHR", 5), ("CXCYWHR", 5), ("XYXYXYXY", 8)):  # rotated boxes must be floating point
        raises_same(lambda fmt=fmt, n=n: tvt.BoundingBoxes([[1] * n], format=fmt, canvas_size=(9, 9)),
                    lambda fmt=fmt, n=n: T.BoundingBoxes([[1] * n], format=fmt, canvas_size=(9, 9)))


_OPS = {
    "clone": lambda x: x.clone(), "to": lambda x: x.to("cpu").double().to(x.dtype),
    "to_int": lambda x: x.to(x[0].int()),
    "detach": lambda x: x.detach(), "contiguous": lambda x: x.contiguous(), "add": lambda x: x + 1,
    "add_": lambda x: x.add_(0), "view": lambda x: x.view(-1), "getitem": lambda x: x[0], "float": lambda x: x.float(),
    "cpu": lambda x: x.cpu(), "sum": lambda x: x.sum(), "unbind": lambda x: x.unbind(0)[0],
    "iter": lambda x: next(iter(x)), "max": lambda x: x.max(0).values, "new_zeros": lambda x: x.new_zeros(2),
}


def test_which_ops_keep_the_type(torch, tvt):
    def samples(m, t):
        return [m.Image(t.zeros(1, 2, 2)), m.Mask(t.zeros(2, 2)), m.Video(t.zeros(1, 1, 2, 2)),
                m.BoundingBoxes(t.zeros(2, 4), **_box_kwargs()), m.KeyPoints(t.zeros(2, 2), canvas_size=(4, 4))]
    for name, op in _OPS.items():
        for return_type in ("Tensor", "TVTensor"):
            with T.set_return_type(return_type), tvt.set_return_type(return_type):
                got = [type(op(x)).__name__ for x in samples(T, ember)]
                ref = [type(op(x)).__name__ for x in samples(tvt, torch)]
            assert got == ref, (name, return_type)
    x = T.Image(ember.zeros(1, 2, 2))
    assert x.to(ember.float32) is x  # (as torch: nothing to convert)
    b = T.BoundingBoxes(ember.zeros(2, 4), **_box_kwargs(clamping_mode="hard"))
    with T.set_return_type("tvtensor"):
        out = b + 1
    assert (out.format, out.canvas_size, out.clamping_mode) == (b.format, b.canvas_size, "hard")
    assert type(b + 1) is ember.Tensor  # the context manager restored the default
    T.set_return_type("TVTensor")  # also a global switch
    try:
        assert type(b * 2) is T.BoundingBoxes
    finally:
        T.set_return_type("Tensor")


def test_metadata_survives_copies(torch, tvt):
    b = T.BoundingBoxes([[0, 1, 5, 6]], format="XYWH", canvas_size=(20, 30), clamping_mode=None)
    for out in (b.clone(), b.detach(), b.to(ember.float32), copy.deepcopy(b), copy.copy(b),
                pickle.loads(pickle.dumps(b))):
        assert type(out) is T.BoundingBoxes
        assert (out.format, out.canvas_size, out.clamping_mode) == (T.BoundingBoxFormat.XYWH, (20, 30), None)
        assert out.tolist() == [[0, 1, 5, 6]]
    k = pickle.loads(pickle.dumps(T.KeyPoints([[1, 2]], canvas_size=(3, 4))))
    assert type(k) is T.KeyPoints and k.canvas_size == (3, 4)


def test_wrap(torch, tvt):
    b_ref = tvt.BoundingBoxes([[0, 1, 5, 6]], **_box_kwargs())
    b = T.BoundingBoxes([[0, 1, 5, 6]], **_box_kwargs())
    assert repr(T.wrap(ember.zeros(3, 4), like=b)) == _rep(tvt.wrap(torch.zeros(3, 4), like=b_ref))
    kw = dict(format="XYWH", canvas_size=(3, 3), clamping_mode="hard")
    assert repr(T.wrap(ember.zeros(1, 4), like=b, **kw)) == _rep(tvt.wrap(torch.zeros(1, 4), like=b_ref, **kw))
    assert repr(T.wrap(ember.zeros(1, 2), like=T.Image(ember.zeros(1, 1)))) == _rep(
        tvt.wrap(torch.zeros(1, 2), like=tvt.Image(torch.zeros(1, 1))))
    assert [f.name for f in T.BoundingBoxFormat] == [f.name for f in tvt.BoundingBoxFormat]
    assert str(T.BoundingBoxFormat.XYXY) == str(tvt.BoundingBoxFormat.XYXY)
    assert [T.is_rotated_bounding_format(f) for f in T.BoundingBoxFormat] == [
        tvt.is_rotated_bounding_format(f) for f in tvt.BoundingBoxFormat]
