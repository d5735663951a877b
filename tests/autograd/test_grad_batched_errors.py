"""ember.autograd.grad's argument checks (is_grads_batched, materialize_grads, grad_outputs), side by side with
PyTorch."""

import pytest

import ember


def _same_error(torch, fn, exc_type):
    got = []
    for m in (torch, ember):
        with pytest.raises(Exception) as info:
            fn(m)
        got.append(info.value)
    t, e = got
    assert isinstance(t, exc_type), t
    assert type(e) is type(t), e
    assert str(e) == str(t).replace("torch.", "ember."), (str(e), str(t))


def _xy(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    return x, x * 2


def test_batched_grad_outputs_of_different_batch_sizes(torch):
    def fn(m):
        x, y = _xy(m)
        return m.autograd.grad((y, x * 3), x, (m.ones(2, 3), m.ones(4, 3)), is_grads_batched=True)
    _same_error(torch, fn, ValueError)


def test_batched_grad_outputs_of_batch_size_zero(torch):
    def fn(m):
        x, y = _xy(m)
        return m.autograd.grad(y, x, m.ones(0, 3), is_grads_batched=True)
    _same_error(torch, fn, IndexError)


def test_batched_without_grad_outputs_on_a_scalar(torch):
    def fn(m):
        x, y = _xy(m)
        return m.autograd.grad(y.sum(), x, None, is_grads_batched=True)
    _same_error(torch, fn, ValueError)


def test_materialize_grads_refuses_allow_unused_false(torch):
    def fn(m):
        x, y = _xy(m)
        return m.autograd.grad(y.sum(), (x, m.ones(2, requires_grad=True)), materialize_grads=True,
                               allow_unused=False)
    _same_error(torch, fn, ValueError)


def test_materialized_zeros_follow_create_graph(torch):
    res = []
    for m in (torch, ember):
        for create_graph in (False, True):
            x, y = _xy(m)
            z = m.ones(2, requires_grad=True)
            gx, gz = m.autograd.grad((y * x).sum(), (x, z), materialize_grads=True, create_graph=create_graph)
            res.append((gx.requires_grad, gz.requires_grad, gz.tolist()))
    assert res[2:] == res[:2]


def test_complex_grad_output_for_a_real_output(torch):
    def fn(m):
        x, y = _xy(m)
        return m.autograd.grad(y, x, m.ones(3, dtype=m.complex64))
    _same_error(torch, fn, RuntimeError)

    def batched(m):
        x, y = _xy(m)
        return m.autograd.grad(y, x, m.ones(2, 3, dtype=m.complex64), is_grads_batched=True)
    _same_error(torch, batched, RuntimeError)

