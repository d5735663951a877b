"""Indexing and index assignment, compared with torch (values, gradients, errors)."""

import numpy as np
import pytest

import ember

GET = [
    ("int", lambda m, x: x[1]),
    ("neg-int", lambda m, x: x[-1, -2]),
    ("slice", lambda m, x: x[1:3]),
    ("slice-step", lambda m, x: x[::2, 1::2]),
    ("slice-empty", lambda m, x: x[3:1]),
    ("none", lambda m, x: x[None]),
    ("none-mid", lambda m, x: x[:, None, 1]),
    ("ellipsis", lambda m, x: x[..., 0]),
    ("ellipsis-none", lambda m, x: x[None, ..., None]),
    ("int-tensor", lambda m, x: x[m.tensor([2, 0, 2])]),
    ("int-tensor-2d", lambda m, x: x[m.tensor([[0, 1], [2, 3]])]),
    ("0d-int-tensor", lambda m, x: x[m.tensor(1)]),
    ("list", lambda m, x: x[[0, 3]]),
    ("two-lists", lambda m, x: x[[0, 1, 2], [2, 1, 0]]),
    ("range-target", lambda m, x: x[range(3), m.tensor([1, 0, 2])]),
    ("bool-mask", lambda m, x: x[x > 0]),
    ("bool-row-mask", lambda m, x: x[m.tensor([True, False, True, False])]),
    ("slice-and-tensor", lambda m, x: x[1:, m.tensor([0, 0, 2])]),
    ("tensor-slice-tensor", lambda m, x: x[m.tensor([0, 1]), :, ] if False else x[m.tensor([0, 1]), 1:]),
    ("separated-advanced", lambda m, x: x.reshape(2, 2, 3)[m.tensor([0, 1]), :, m.tensor([1, 2])]),
    ("uint8-mask", lambda m, x: x[m.tensor([1, 0, 1, 1], dtype=m.uint8)]),
]


def _data():
    return np.arange(12, dtype=np.float32).reshape(4, 3) - 5.5


@pytest.mark.parametrize("name,fn", GET, ids=[n for n, _ in GET])
def test_getitem_values_and_grads(torch, name, fn):
    te = torch.tensor(_data(), requires_grad=True)
    ee = ember.tensor(_data(), requires_grad=True)
    rt, re = fn(torch, te), fn(ember, ee)
    assert tuple(re.shape) == tuple(rt.shape)
    np.testing.assert_allclose(re.detach().numpy(), rt.detach().numpy())
    g = np.random.default_rng(0).standard_normal(tuple(rt.shape)).astype("float32")
    (rt * torch.tensor(g)).sum().backward()
    (re * ember.tensor(g)).sum().backward()
    np.testing.assert_allclose(ee.grad.numpy(), te.grad.numpy(), rtol=1e-6)


def test_basic_indexing_is_a_view():
    x = ember.zeros(3, 4)
    v = x[1, 1:3]
    v.fill_(2)
    assert x.sum().item() == 4
    y = x[::2]
    y += 1
    assert x[2, 0].item() == 1
    assert x[1].grad_fn is None


def test_grad_fn_names(torch):
    for fn in (lambda m, x: x[1], lambda m, x: x[1:], lambda m, x: x[None], lambda m, x: x[m.tensor([0])]):
        t = fn(torch, torch.ones(3, 2, requires_grad=True) * 1)
        e = fn(ember, ember.ones(3, 2, requires_grad=True) * 1)
        assert e.grad_fn.name() == t.grad_fn.name()


SET = [
    ("int", lambda m, x: x.__setitem__(1, 5.0)),
    ("slice", lambda m, x: x.__setitem__((slice(None), 0), -1.0)),
    ("step", lambda m, x: x.__setitem__(slice(None, None, 2), 0.0)),
    ("tensor-value", lambda m, x: x.__setitem__(0, m.tensor([1.0, 2.0, 3.0]))),
    ("broadcast-value", lambda m, x: x.__setitem__(slice(1, 3), m.tensor([7.0, 8.0, 9.0]))),
    ("mask", lambda m, x: x.__setitem__(x > 0, 0.0)),
    ("mask-tensor-value", lambda m, x: x.__setitem__(x < 0, m.tensor(3.0))),
    ("int-tensor", lambda m, x: x.__setitem__(m.tensor([0, 3]), 1.0)),
    ("list-list", lambda m, x: x.__setitem__(([0, 1], [2, 0]), m.tensor([4.0, 5.0]))),
    ("ellipsis", lambda m, x: x.__setitem__((Ellipsis, 1), 2.0)),
    ("int-into-float", lambda m, x: x.__setitem__(0, 3)),
]


@pytest.mark.parametrize("name,fn", SET, ids=[n for n, _ in SET])
def test_setitem_values(torch, name, fn):
    te, ee = torch.tensor(_data()), ember.tensor(_data())
    fn(torch, te)
    fn(ember, ee)
    np.testing.assert_allclose(ee.numpy(), te.numpy())


@pytest.mark.parametrize("name,fn", SET, ids=[n for n, _ in SET])
def test_setitem_grads_on_non_leaf(torch, name, fn):
    grads = []
    for lib in (torch, ember):
        x = lib.tensor(_data(), requires_grad=True)
        y = x * 2
        fn(lib, y)
        (y * lib.tensor(_data())).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0])


def test_setitem_value_gets_grad(torch):
    grads = []
    for lib in (torch, ember):
        v = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = lib.zeros(4, 3)
        y[1:3] = v * 2
        y[lib.tensor([0])] = v
        (y * lib.tensor(_data())).sum().backward()
        grads.append(v.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0])


@pytest.mark.parametrize("fn", [
    lambda m: m.zeros(3)[5],
    lambda m: m.zeros(3, 2)[1, 4],
    lambda m: m.zeros(3)[-4],
    lambda m: m.zeros(3)[m.tensor([0, 5])],
    lambda m: m.zeros(3)[0, 0],
    lambda m: m.zeros(2, 2)[m.tensor([True, False, True])],
    lambda m: m.zeros(3)[m.tensor([0.5])],
], ids=["int-oob", "second-dim-oob", "neg-oob", "tensor-oob", "too-many", "mask-shape", "float-index"])
def test_index_errors_match_torch(torch, fn):
    with pytest.raises(IndexError) as ti:
        fn(torch)
    with pytest.raises(IndexError) as ei:
        fn(ember)
    assert str(ei.value) == str(ti.value)


def test_index_error_text():
    with pytest.raises(IndexError, match="^index 5 is out of bounds for dimension 0 with size 3$"):
        ember.zeros(3)[5]


def test_setitem_errors_match_torch(torch):
    for fn, exc in ((lambda m: m.zeros(3).__setitem__(5, 1.0), IndexError),
                    (lambda m: m.zeros(3, 2).__setitem__(0, m.ones(3)), RuntimeError)):
        with pytest.raises(exc) as ti:
            fn(torch)
        with pytest.raises(exc) as ei:
            fn(ember)
        assert str(ei.value) == str(ti.value)


def test_setitem_on_leaf_requiring_grad_errors():
    x = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        x[0] = 1.0
    with ember.no_grad():
        x[0] = 1.0
    assert x[0].item() == 1.0


def test_index_with_tensor_of_slice_results():
    x = ember.arange(10)
    assert x[ember.tensor([1, 2])].tolist() == [1, 2]
    assert x[x % 2 == 0].tolist() == [0, 2, 4, 6, 8]
    assert x[np.array([3, 4])].tolist() == [3, 4]


def test_integer_index_of_every_dim_is_a_view(torch):
    # x[4] of a 1-D tensor (every dim taken by an integer) was a copy, so in-place changes to it were lost.
    res = {}
    for lib in (torch, ember):
        y = lib.arange(5.0)
        y[4].add_(1)
        w = lib.zeros(2, 3)
        w[1, 2].fill_(7)
        w[-1][0].sub_(2)
        res[lib.__name__] = (y.tolist(), w.tolist(), y[1].shape == ())
    assert res["ember"] == res["torch"]


NONE_INDEX = [
    lambda x: x[None], lambda x: x[:, None], lambda x: x[None, :, None], lambda x: x[None, ::2], lambda x: x[None, 0],
    lambda x: x[1:, None, 1:], lambda x: x[None, ..., None], lambda x: x[..., None, :], lambda x: x[None, None],
    lambda x: x.t()[None], lambda x: x.t()[:, :, None], lambda x: x[:, ::2][None, ..., 0, None], lambda x: x[1][None],
    lambda x: x[:, :1].expand(4, 5)[None, :, None],
]


@pytest.mark.parametrize("fn", NONE_INDEX)
def test_none_inserted_dims_have_torch_strides(torch, fn):
    # NumPy gives a dim inserted by None the stride 0; PyTorch that of an unsqueeze at that point of the index
    got, want = fn(ember.arange(12.0).reshape(4, 3)), fn(torch.arange(12.0).reshape(4, 3))
    assert (got.shape, got.stride(), got.is_contiguous()) == (want.shape, want.stride(), want.is_contiguous())
    assert got.tolist() == want.tolist()


_BYTE = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."
BYTE_INDEX = {
    "getitem": lambda m, t: t[m.tensor([1, 0, 1, 1], dtype=m.uint8)],
    "getitem-2": lambda m, t: m.ones(2, 2)[m.tensor([1, 0], dtype=m.uint8), m.tensor([1, 0], dtype=m.uint8)],
    "getitem-array": lambda m, t: t[np.array([1, 0, 1, 1], dtype=np.uint8)],
    "getitem-0d": lambda m, t: t[m.tensor(1, dtype=m.uint8)],
    "setitem-values": lambda m, t: t.__setitem__(m.tensor([1, 0, 1, 1], dtype=m.uint8), m.tensor([5.0, 6.0, 7.0])),
    "setitem-one-value": lambda m, t: t.__setitem__(m.tensor([1, 0, 1, 1], dtype=m.uint8), 1.0),
    "index_put": lambda m, t: t.index_put((m.tensor([1, 0, 1, 1], dtype=m.uint8),), m.tensor([1.0, 2.0, 3.0])),
    "index_put-one-value": lambda m, t: t.index_put((m.tensor([1, 0, 1, 1], dtype=m.uint8),), m.tensor(1.0)),
    "index_put_-one-value": lambda m, t: t.index_put_((m.tensor([1, 0, 1, 1], dtype=m.uint8),), m.tensor(1.0)),
    "index_put-accumulate": lambda m, t: t.index_put((m.tensor([1, 0, 1, 1], dtype=m.uint8),), m.tensor(2.0),
                                                     accumulate=True),
    "masked_select": lambda m, t: t.masked_select(m.tensor([1, 0, 1, 1], dtype=m.uint8)),
}


@pytest.mark.parametrize("name", list(BYTE_INDEX))
def test_uint8_index_deprecation(torch, name):
    """A uint8 mask indexes as a bool one with PyTorch's deprecation warning (on the caller's line, once per mask),
    or PyTorch's error where its route refuses it (masked_fill_, masked_select)."""
    import warnings
    got = []
    for m in (torch, ember):
        t = m.arange(4.0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = BYTE_INDEX[name](m, t)
                result = (out if out is not None else t).tolist()
            except RuntimeError as exc:
                result = str(exc)
        msgs = [(str(w.message).split(" (Triggered internally")[0], w.filename) for w in caught]
        got.append((result, msgs))
    assert got[1] == got[0]
    assert all(text == _BYTE and path == __file__ for text, path in got[1][1])


@pytest.mark.parametrize("name,fn", [
    ("int", lambda x: x[0]), ("ints", lambda x: x[0, 1]), ("slice", lambda x: x[1:]),
    ("set-int", lambda x: x.__setitem__(0, 1.0)),
])
def test_zero_dim_index_errors(torch, name, fn):
    with pytest.raises(IndexError) as want:
        fn(torch.tensor(1.0))
    with pytest.raises(IndexError) as got:
        fn(ember.tensor(1.0))
    assert str(got.value) == str(want.value)


def _run_and_warnings(fn):
    """``fn()`` (its result as a list, or its error) and the texts of the warnings it raised."""
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn().tolist()
        except Exception as exc:  # noqa: BLE001 - the error itself is compared
            out = type(exc).__name__, str(exc)
    return out, [str(w.message).split(" (Triggered")[0] for w in caught]


_EXPANDED_WRITES = [
    lambda m, y: y.expand(3, 3).__setitem__(0, 1.0),
    lambda m, y: y.expand(3, 3)[1].fill_(2.0),
    lambda m, y: y.expand(3, 3)[1].add_(2.0),
    lambda m, y: y.expand(3, 3)[0:1].mul_(2.0),
    lambda m, y: y.expand(3, 3)[1].copy_(m.ones(3)),
    lambda m, y: y.expand(2, 3, 3).__setitem__((0, 1), m.ones(3)),
    lambda m, y: y.expand(3, 3).__setitem__(slice(0, 1), 5.0),
    lambda m, y: y.expand(3, 3).__setitem__([0], m.ones(3)),  # (advanced: allowed, with a deprecation warning)
    lambda m, y: y.expand(3, 3).__setitem__(m.tensor([True, False, False]), 1.0),
    lambda m, y: y.expand(3, 3).__setitem__((slice(None), 0), 1.0),  # (through the stride-0 dimension: refused)
    lambda m, y: y.expand(3, 3)[:, 1].fill_(3.0),
]


@pytest.mark.parametrize("write", _EXPANDED_WRITES)
def test_writes_into_a_piece_of_an_expanded_tensor(torch, write):
    # PyTorch checks only the region written for repeated memory locations
    def go(m):
        y = m.arange(3.0)
        write(m, y)
        return y
    assert _run_and_warnings(lambda: go(ember)) == _run_and_warnings(lambda: go(torch))


_SELF_COPIES = [
    lambda y: y.__setitem__(slice(1, None), y[:-1]),  # partial overlap: refused
    lambda y: y.__setitem__([1, 2, 3], y[:3]),
    lambda y: y.__setitem__(y.new_tensor([1, 2, 3]).long(), y[:3]),
    lambda y: y.__setitem__([0, 1], y[2:]),  # (the whole tensor is the destination of an index_put_)
    lambda y: y.__setitem__(y > 5, y[1:]),
    lambda y: y.__setitem__(slice(0, 3), y[1:]),
    lambda y: y[1:].copy_(y[:-1]),
    lambda y: y[1:].copy_(y[:-1].view(3, 1)[:, 0]),
    lambda y: y.view(2, 2).copy_(y.view(2, 2).t()),
    lambda y: y.__setitem__(slice(None), y),  # the same elements: allowed
    lambda y: y.copy_(y),
    lambda y: y[1:].copy_(y[1:]),
    lambda y: y.__setitem__(slice(0, 2), y[2:]),  # disjoint: allowed
    lambda y: y[:2].copy_(y[2:]),
    lambda y: y.__setitem__(slice(1, None), y[0]),
    lambda y: y.__setitem__(slice(None, None, 2), y[1::2]),  # not dense: PyTorch does not check
    lambda y: y.view(2, 2).__setitem__((slice(None), 0), y.view(2, 2)[:, 1]),
    lambda y: y.view(2, 2).t().__setitem__(0, y.view(2, 2)[1]),
    lambda y: y.__setitem__(slice(1, None), y[:-1].clone()),
    lambda y: y.__setitem__(slice(0, 3), y[1]),  # a 0-d value is a fill_: not checked
    lambda y: y.__setitem__(slice(0, 3), y[1:2]),  # a broadcast value is copied expanded: not checked
    lambda y: y.__setitem__(y > 1, y[0]),  # one mask, one value: masked_fill_, not checked
    lambda y: y.__setitem__(y > 1, y[0:1]),
    lambda y: y.__setitem__(y.new_tensor([0, 1]).long(), y[3]),  # index_put_ checks even a 0-d value
    lambda y: y[0:3].copy_(y[1]),  # copy_ checks its source before broadcasting it
]


@pytest.mark.parametrize("write", _SELF_COPIES)
def test_writes_from_an_overlapping_source(torch, write):
    def go(m):
        y = m.arange(4.0)
        write(y)
        return y
    assert _run_and_warnings(lambda: go(ember)) == _run_and_warnings(lambda: go(torch))


@pytest.mark.parametrize("fn", [
    lambda m: m.arange(4)[::0],
    lambda m: m.arange(4).__setitem__(slice(None, None, 0), 1),
    lambda m: m.arange(4)[::-1],
    lambda m: m.arange(60.0).view(3, 4, 5)[:, :, m.tensor([0, 7])],  # PyTorch numbers the indexed dimensions
    lambda m: m.arange(60.0).view(3, 4, 5)[:, m.tensor([0, 7])],
    lambda m: m.arange(60.0).view(3, 4, 5)[0, :, m.tensor([0, 7])],
    lambda m: m.arange(60.0).view(3, 4, 5)[:, m.tensor([0, 1]), m.tensor([0, -7])],
    lambda m: m.arange(60.0).view(3, 4, 5)[m.tensor([0]), :, m.tensor([7])],
    lambda m: m.arange(60.0).view(3, 4, 5)[m.tensor([9]), :, m.tensor([0])],
    lambda m: m.arange(60.0).view(3, 4, 5)[None, :, [1, 9, 11]],
    lambda m: m.arange(60.0).view(3, 4, 5).__setitem__((slice(None), slice(None), m.tensor([0, 7])), 1.0),
    lambda m: m.arange(60.0).view(3, 4, 5)[:, 9],
    lambda m: m.zeros(0)[[0]],
    lambda m: m.zeros(2, 0)[:, [0]],
    lambda m: m.zeros(0).__setitem__([0], 1.0),
])
def test_index_errors_as_torch(torch, fn):
    assert _run_and_warnings(lambda: fn(ember)) == _run_and_warnings(lambda: fn(torch))


def _one_element_writes(m):
    """``x[i, j] = v`` of one-element values (PyTorch drops their leading 1s), values, the value's grad, errors."""
    from tests._helpers import result_or_error
    out = []
    for idx in [(1, 2), ([1], [2]), (slice(0, 1), 2), (0,)]:
        for shape in [(1,), (1, 1), (1, 1, 1)]:
            x = m.arange(8.0).reshape(2, 4)
            err = result_or_error(lambda x=x, i=idx, s=shape: x.__setitem__(i, m.full(s, 9, dtype=m.int64)))
            v = m.full(shape, 7.0, requires_grad=True)
            y = m.arange(8.0).reshape(2, 4) * 1
            y[idx] = v * 2
            (y * m.arange(8.0).reshape(2, 4)).sum().backward()
            out.append((x.tolist(), err, y.tolist(), v.grad.tolist()))
    x = m.arange(8.0).reshape(2, 4)
    x[0, 1] = x[1, 2:3]  # (a view of the same tensor)
    out.append(x.tolist())
    for bad in [(2,), (1, 2), (0,)]:  # (more than one element, or none, into one: expand's error)
        out.append(result_or_error(lambda b=bad: m.zeros(2, 4).__setitem__((0, 1), m.ones(b))))
    return out


def test_setitem_one_element_value_into_one_element(torch):
    assert _one_element_writes(ember) == _one_element_writes(torch)
