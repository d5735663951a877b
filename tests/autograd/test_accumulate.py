"""AccumulateGrad adopts a gradient array without copying only when nothing else can see its memory."""

import numpy as np

import ember


def test_linear_weight_grad_is_contiguous_and_correct():
    lin = ember.nn.Linear(7, 5)
    x = ember.randn(4, 7)
    g = ember.randn(4, 5)
    lin(x).backward(g)
    assert lin.weight.grad._data.flags.c_contiguous
    np.testing.assert_allclose(lin.weight.grad.numpy(), g.numpy().T @ x.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lin.bias.grad.numpy(), g.numpy().sum(0), rtol=1e-5, atol=1e-6)


def test_gradient_shared_by_two_leaves_is_not_aliased():
    a = ember.randn(3, requires_grad=True)
    b = ember.randn(3, requires_grad=True)
    (a + b).backward(ember.ones(3))  # AddBackward0 hands the same array to both leaves
    a.grad.add_(10)
    assert b.grad.tolist() == [1.0, 1.0, 1.0]


def test_user_gradient_is_not_adopted():
    upstream = ember.ones(3)
    c = ember.randn(3, requires_grad=True)
    (c * 1).backward(upstream)
    c.grad.zero_()
    assert upstream.tolist() == [1.0, 1.0, 1.0]
    d = ember.randn(3, requires_grad=True)
    d.backward(upstream)  # the leaf itself is the root
    d.grad.fill_(5)
    assert upstream.tolist() == [1.0, 1.0, 1.0]


def test_gradient_kept_by_a_hook_is_not_adopted():
    kept = []
    x = ember.randn(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: kept.append(g))
    y.sum().backward()
    x.grad.add_(1)
    assert kept[0].tolist() == [1.0, 1.0, 1.0]


def test_transposed_leaf_gets_grad_in_its_own_layout():
    w = ember.randn(5, 3).t().detach().requires_grad_(True)  # a Fortran-ordered leaf
    (w * 3).sum().backward()
    assert w.grad._data.flags.f_contiguous and w.grad.shape == w.shape
    assert w.grad.tolist() == [[3.0] * 5] * 3


def test_second_backward_accumulates_in_place():
    x = ember.randn(3, requires_grad=True)
    (x * 2).sum().backward()
    first = x.grad
    (x * 3).sum().backward()
    assert x.grad is first and x.grad.tolist() == [5.0, 5.0, 5.0]
