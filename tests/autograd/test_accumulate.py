"""AccumulateGrad adopts a gradient array without copying only when nothing else can see its memory."""

import numpy as np
import pytest

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


def _layout_case(T, permuted_leaf):
    import warnings

    base = T.tensor(np.arange(24.0).reshape(4, 2, 3))
    w = (base.permute(1, 2, 0) if permuted_leaf else base.reshape(2, 3, 4)).detach().requires_grad_()
    k = T.tensor(np.linspace(-1, 1, 24).reshape(4, 2, 3), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (PyTorch's reference-cycle warning for backward(create_graph=True))
        (w.permute(2, 0, 1) * k).sum().backward(create_graph=True)
        first = (w.grad.stride(), type(w.grad.grad_fn).__name__)
        (w.permute(2, 0, 1) * k).sum().backward(create_graph=True)
    flat = w.grad.reshape(-1) if permuted_leaf else w.grad.view(-1)  # (view: the WGAN-GP / MAML idiom)
    return first, w.grad.stride(), flat.detach().numpy().copy()


@pytest.mark.parametrize("permuted_leaf", [False, True])
def test_create_graph_leaf_grad_follows_parameter_layout(torch, permuted_leaf):
    e, t = _layout_case(ember, permuted_leaf), _layout_case(torch, permuted_leaf)
    assert e[0] == t[0]  # the first gradient: a recorded copy (CopyBackwards) laid out as the parameter
    assert e[1] == t[1]
    np.testing.assert_array_equal(e[2], t[2])
