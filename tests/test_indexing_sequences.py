"""A list index holding sequences, tensors, slices, None or Ellipsis (read as a tuple, with PyTorch's deprecation
warning), the contiguity of advanced-indexing results, and indexing errors, compared with torch."""

import warnings

import numpy as np
import pytest

import ember
from tests._helpers import error_of

LIST_KEYS = [
    ("nested-list", lambda m: [[0, 1]]),
    ("two-lists", lambda m: [[0, 1], [2, 1]]),
    ("0d-tensor-and-int", lambda m: [m.tensor(0), 1]),
    ("two-tensors", lambda m: [m.tensor([0, 1]), m.tensor([1, 2])]),
    ("two-arrays", lambda m: [np.array([0, 1]), np.array([1, 2])]),
    ("none", lambda m: [None, 0]),
    ("ellipsis", lambda m: [Ellipsis, 0]),
    ("slice", lambda m: [slice(0, 1)]),
    ("list-and-slice", lambda m: [[0, 1], slice(None)]),
    ("int-and-list", lambda m: [0, [0, 1]]),
    ("tuple-item", lambda m: [(0, 1)]),
    ("bool-tensor", lambda m: [m.tensor([True, False])]),
]
PLAIN_KEYS = [  # one index: no warning
    ("ints", lambda m: [0, 1]),
    ("one-int", lambda m: [1]),
    ("numpy-ints", lambda m: [np.int64(0), 1]),
]


def _get(m, key):
    y = m.arange(24).reshape(2, 3, 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = y[key(m)]
    return out, [str(w.message) for w in caught if "non-tuple sequence" in str(w.message)]


@pytest.mark.parametrize("name,key", LIST_KEYS + PLAIN_KEYS, ids=[k[0] for k in LIST_KEYS + PLAIN_KEYS])
def test_list_index_as_tuple(torch, name, key):
    rt, wt = _get(torch, key)
    re, we = _get(ember, key)
    assert tuple(re.shape) == tuple(rt.shape)
    np.testing.assert_array_equal(re.numpy(), rt.numpy())
    assert len(we) == len(wt)
    for a, b in zip(we, wt):
        assert b.startswith(a)  # (torch adds where in its C++ sources it warned)


def test_list_index_warning_category_and_line():
    x = ember.arange(9).reshape(3, 3)
    with pytest.warns(UserWarning, match="Using a non-tuple sequence for multidimensional indexing") as rec:
        out = x[[[0, 1, 2], [2, 1, 0]]]
    assert rec[0].filename == __file__
    assert out.tolist() == [2, 4, 6]


@pytest.mark.parametrize("name,key", LIST_KEYS[:9], ids=[k[0] for k in LIST_KEYS[:9]])
def test_list_index_assignment(torch, name, key):
    outs = []
    for m in (torch, ember):
        y = m.arange(24).reshape(2, 3, 4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y[key(m)] = -1
        outs.append(y.numpy())
    np.testing.assert_array_equal(outs[1], outs[0])


CONTIG = [
    ("slice-then-list", lambda x: x[:, [0, 1]]),
    ("ellipsis-then-list", lambda x: x[..., [0, 2]]),
    ("slice-then-mask", lambda x: x[:, x.new_tensor([True, False, True]).bool()]),
    ("slice-then-2d", lambda x: x[:, :, [[0, 1], [1, 2]]]),
    ("int-slice-list", lambda x: x[0, :, [1, 2]]),
    ("leading-list", lambda x: x[[0, 1]]),
    ("transposed-slice-then-list", lambda x: x.transpose(1, 2)[:, [0, 1]]),
    ("transposed-leading-list", lambda x: x.transpose(1, 2)[[1, 0]]),
]


@pytest.mark.parametrize("name,fn", CONTIG, ids=[c[0] for c in CONTIG])
def test_advanced_index_layout(torch, name, fn):
    rt = fn(torch.arange(24.).reshape(2, 3, 4))
    re = fn(ember.arange(24.).reshape(2, 3, 4))
    assert re.is_contiguous() == rt.is_contiguous()
    assert re.stride() == rt.stride()
    np.testing.assert_array_equal(re.numpy(), rt.numpy())
    if rt.is_contiguous():
        re.view(-1)


ERRORS = [
    ("broadcast", lambda m, x: x[m.tensor([0, 1]), m.tensor([0, 1, 2])]),
    ("broadcast-lists", lambda m, x: x[[0, 1], [0, 1, 2]]),
    ("str", lambda m, x: x["a"]),
    ("str-in-tuple", lambda m, x: x[0, "a"]),
    ("numpy-float", lambda m, x: x[np.float64(1.0)]),
    ("float", lambda m, x: x[1.5]),
    ("object", lambda m, x: x[object()]),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_index_errors(torch, name, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = error_of(lambda: fn(torch, torch.zeros(2, 3)))
        got = error_of(lambda: fn(ember, ember.zeros(2, 3)))
    assert want is not None
    assert got == want


def _set_error(m, stmt):
    z = m.zeros(3)
    y = m.zeros(3, requires_grad=True)
    return error_of(lambda: stmt(m, z, y))


def _mask_write(m, z, y):
    z[m.tensor([True, False])] = 1.0


SET_ERRORS = [
    ("mask-length", _mask_write),
    ("leaf-select", lambda m, z, y: y.__setitem__(0, 1.0)),
    ("leaf-slice", lambda m, z, y: y.__setitem__(slice(1, None), 1.0)),
    ("leaf-none", lambda m, z, y: y.__setitem__(None, 1.0)),
    ("leaf-whole", lambda m, z, y: y.__setitem__(slice(None), 1.0)),
    ("leaf-ellipsis", lambda m, z, y: y.__setitem__(Ellipsis, 1.0)),
    ("leaf-list", lambda m, z, y: y.__setitem__([0], 1.0)),
]


@pytest.mark.parametrize("name,stmt", SET_ERRORS, ids=[e[0] for e in SET_ERRORS])
def test_setitem_errors(torch, name, stmt):
    want = _set_error(torch, stmt)
    assert want is not None
    assert _set_error(ember, stmt) == want


def test_leaf_write_without_grad_mode(torch):
    for m in (torch, ember):
        y = m.zeros(3, requires_grad=True)
        with m.no_grad():
            y[0] = 1.0
        assert y.tolist() == [1.0, 0.0, 0.0]
