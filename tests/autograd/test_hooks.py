"""Tensor.register_hook on leaves and non-leaves, removal, retain_grad, compared with torch."""

import pytest

import ember


def _leaf(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    h = x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    first = x.grad.tolist()
    x.grad = None
    h.remove()
    (x * x).sum().backward()
    return first, x.grad.tolist()


def test_leaf_hook_and_removal(torch):
    assert _leaf(ember) == _leaf(torch) == ([20.0, 40.0], [2.0, 4.0])


def _nonleaf(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    y.register_hook(lambda g: g + 1)
    y.register_hook(lambda g: seen.append(g.tolist()))
    (y * y).sum().backward()
    return x.grad.tolist(), seen


def test_nonleaf_hooks_chain_in_order(torch):
    assert _nonleaf(ember) == _nonleaf(torch)


def _removal_nonleaf(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    handle = y.register_hook(lambda g: g * 0)
    handle.remove()
    y.sum().backward()
    return x.grad.tolist()


def test_nonleaf_hook_removal(torch):
    assert _removal_nonleaf(ember) == _removal_nonleaf(torch) == [3.0, 3.0]


def _hook_with_retain(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    (y * 1).sum().backward()
    return x.grad.tolist(), y.grad.tolist()


def test_hook_and_retain_grad(torch):
    assert _hook_with_retain(ember) == _hook_with_retain(torch)


def _hook_on_autograd_grad(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 5)
    return m.autograd.grad((x * x).sum(), x)[0].tolist()


def test_leaf_hook_applies_to_autograd_grad(torch):
    assert _hook_on_autograd_grad(ember) == _hook_on_autograd_grad(torch)


def test_hook_on_tensor_without_grad_errors(torch):
    msgs = []
    for m in (torch, ember):
        with pytest.raises(RuntimeError) as info:
            m.ones(2).register_hook(lambda g: g)
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


def test_hook_sees_accumulated_gradient():
    x = ember.tensor([1.0], requires_grad=True)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.item()))
    (y * 3 + y * 4).sum().backward()
    assert seen == [7.0] and x.grad.tolist() == [14.0]


def test_handle_as_context_manager():
    x = ember.tensor([1.0], requires_grad=True)
    with x.register_hook(lambda g: g * 100):
        (x * 1).sum().backward()
    assert x.grad.item() == 100.0
    (x * 1).sum().backward()
    assert x.grad.item() == 101.0
