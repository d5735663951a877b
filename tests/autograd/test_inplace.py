"""Autograd through in-place ops: non-leaves, views of non-leaves, version counters, leaf errors."""

import numpy as np
import pytest

import ember

DATA = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
W = [[0.5, -1.0, 2.0], [1.5, 1.0, -2.0]]


def _grad_of(m, fn):
    x = m.tensor(DATA, requires_grad=True)
    y = fn(m, x)
    (y * m.tensor(W)).sum().backward()
    return y.detach().numpy(), x.grad.numpy(), y.grad_fn.name() if y.grad_fn is not None else None


CASES = {
    "mul_": lambda m, x: (x * 1).mul_(3),
    "add_-tensor": lambda m, x: (x * 2).add_(x),
    "add_-alpha": lambda m, x: (x * 2).add_(x, alpha=-0.5),
    "sub_-div_": lambda m, x: (x * 2).sub_(1).div_(x + 1),
    "chain": lambda m, x: (x + 0).mul_(2).add_(1).pow_(2),
    "iadd-imul": lambda m, x: _aug(m, x),
    "clamp_": lambda m, x: (x * 1).clamp_(2, 5),
    "add_-exp_": lambda m, x: (x * 0.1).add_(2).exp_(),
    "masked_fill_": lambda m, x: (x * 1).masked_fill_(x > 3, 0.0),
    "zero_": lambda m, x: (x * 1).zero_() + x,
    "fill_": lambda m, x: (x * 1).fill_(2.0) * x,
    "copy_": lambda m, x: (x * 1).copy_(x.flip(0) * 3),
    "copy_-broadcast": lambda m, x: m.zeros(2, 3).copy_(x[0]),
    "view-mul_": lambda m, x: _view(m, x, lambda v: v.mul_(5)),
    "view-of-view": lambda m, x: _view_of_view(m, x),
    "view-zero_": lambda m, x: _view(m, x, lambda v: v.zero_()),
    "view-copy_": lambda m, x: _view(m, x, lambda v: v.copy_(x[1] * 2)),
    "transposed-view": lambda m, x: _tview(m, x),
    "flat-view": lambda m, x: _flat(m, x),
    "setitem-then-inplace": lambda m, x: _set_then(m, x),
    "buffer-from-constant": lambda m, x: _buffer(m, x),
}


def _aug(m, x):
    y = x * 1
    y += 2
    y *= x
    y -= 1
    y /= 2
    return y


def _view(m, x, op):
    h = x * 1
    op(h[0])
    return h


def _view_of_view(m, x):
    h = x * 1
    h[0][1:].mul_(3)
    return h


def _tview(m, x):
    h = x * 1
    h.t()[0].mul_(x[0, :2].sum())
    return h


def _flat(m, x):
    h = x * 1
    h.view(-1)[::2].zero_()
    return h


def _set_then(m, x):
    h = x * 1
    h[:, 0] = x[:, 1] ** 2
    h[1].add_(h[0])
    return h


def _buffer(m, x):
    b = m.zeros(2, 3)
    b[0] = x[1]
    b[1].add_(x[0])
    return b


@pytest.mark.parametrize("name", list(CASES))
def test_inplace_autograd_matches_torch(torch, name):
    t = _grad_of(torch, CASES[name])
    e = _grad_of(ember, CASES[name])
    np.testing.assert_allclose(e[0], t[0], rtol=1e-5)
    np.testing.assert_allclose(e[1], t[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda m: m.ones(2, requires_grad=True).add_(1),
    lambda m: m.ones(2, requires_grad=True).zero_(),
    lambda m: m.ones(2, requires_grad=True).mul_(2),
    lambda m: m.ones(2, requires_grad=True).__iadd__(1),
    lambda m: m.ones(2, requires_grad=True).normal_(),
    lambda m: m.ones(2, requires_grad=True).copy_(m.zeros(2)),
    lambda m: m.ones(2, requires_grad=True).clamp_(0, 1),
    lambda m: m.ones(2, 2, requires_grad=True)[0].mul_(2),
], ids=["add_", "zero_", "mul_", "iadd", "normal_", "copy_", "clamp_", "view"])
def test_leaf_inplace_errors_match_torch(torch, fn):
    with pytest.raises(RuntimeError) as ti:
        fn(torch)
    with pytest.raises(RuntimeError) as ei:
        fn(ember)
    assert str(ei.value) == str(ti.value)


def test_leaf_inplace_message_text():
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being used in an in-place "
                                           "operation.$"):
        ember.ones(2, requires_grad=True).add_(1)


def test_leaf_inplace_allowed_under_no_grad():
    w = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        w.mul_(3).add_(1)
        w.zero_()
        w.normal_()
        w.uniform_(-1, 1)
        w.fill_(2)
    assert w.tolist() == [2.0, 2.0] and w.is_leaf and w.requires_grad


def test_inplace_on_saved_tensor_errors(torch):
    msgs = []
    for m in (torch, ember):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        y = h.exp()
        y.mul_(2)  # exp saved its output
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        msgs.append(str(info.value).replace("torch.", "ember."))
    assert msgs[0] == msgs[1]


def test_inplace_on_view_bumps_base_version():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = h * h
    h[0].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_grad_fn_after_inplace(torch):
    for m in (torch, ember):
        x = m.ones(2, requires_grad=True)
        y = x * 1
        y.add_(1)
        assert y.grad_fn.name() == "AddBackward0"
        y.mul_(m.ones(2))
        assert y.grad_fn.name() == "MulBackward0"
        assert y._version == 2


def test_copy_slices_names_and_repr(torch):
    for m in (torch, ember):
        x = m.ones(2, requires_grad=True)
        h = x * 1
        h[0] = 5
        assert h.grad_fn.name().replace("torch", "ember") == "ember::autograd::CopySlices"
        assert repr(h) == "tensor([5., 1.], grad_fn=<CopySlices>)"
        v = x * 1
        v[0].mul_(2)
        assert v.grad_fn.name().replace("torch", "ember") == "ember::autograd::CopySlices"


def test_inplace_on_view_of_constant_buffer_records_into_base(torch):
    res = []
    for m in (torch, ember):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.zeros(2, 2)
        b[1].copy_(x * 3)
        b[0].add_(x)
        (b * m.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        res.append((b.requires_grad, x.grad.tolist()))
    assert res[0] == res[1]


@pytest.mark.parametrize("leaf", [True, False])
def test_view_made_under_no_grad_then_modified_with_grad(torch, leaf):
    msgs = []
    for m in (torch, ember):
        x = m.ones(3, requires_grad=True)
        base = x if leaf else x * 1
        with m.no_grad():
            v = base[:2]
        with pytest.raises(RuntimeError) as info:
            v.mul_(2)
        msgs.append(str(info.value))
        with m.no_grad():
            v.mul_(2)  # fine when both happen without grad
    assert msgs[0] == msgs[1]
