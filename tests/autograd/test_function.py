"""Custom ``ember.autograd.Function``s, compared with torch."""

import numpy as np
import pytest

import ember


def _cube(m):
    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x ** 3 * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2 * ctx.k, None
    return Cube


def test_save_for_backward_and_apply(torch):
    res = []
    for m in (torch, ember):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = _cube(m).apply(x, 2.0)
        y.sum().backward()
        res.append((y.detach().numpy(), x.grad.numpy(), y.grad_fn.name(), repr(y).replace("torch", "ember"),
                    type(y.grad_fn).__name__))
    np.testing.assert_allclose(res[1][0], res[0][0])
    np.testing.assert_allclose(res[1][1], res[0][1])
    assert res[1][2] == res[0][2] == "CubeBackward"
    assert res[1][3] == res[0][3]
    assert res[1][4] == res[0][4] == "CubeBackward"


def test_function_in_a_larger_graph():
    x = ember.tensor([1.0, -1.0], requires_grad=True)
    y = (_cube(ember).apply(x * 2, 1.0).exp() * x).sum()
    y.backward()
    expected = np.exp(8 * np.array([1.0, -1.0]) ** 3) * (1 + np.array([1.0, -1.0]) * 24 * np.array([1.0, 1.0]))
    np.testing.assert_allclose(x.grad.numpy(), expected.astype("float32"), rtol=1e-5)


def test_second_backward_through_function_errors(torch):
    msgs = []
    for m in (torch, ember):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = _cube(m).apply(x, 2.0).sum()
        y.backward()
        with pytest.raises(RuntimeError) as info:
            y.backward()
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


def _two_outputs(m):
    class Split(m.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            idx = a.argmax()
            ctx.mark_non_differentiable(idx)
            ctx.flags = ctx.needs_input_grad
            return a * b, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            return g * 2, None
    return Split


def test_mark_non_differentiable_and_needs_input_grad(torch):
    res = []
    for m in (torch, ember):
        a = m.tensor([1.0, -2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0])
        y, idx = _two_outputs(m).apply(a, b)
        y.sum().backward()
        res.append((y.requires_grad, idx.requires_grad, a.grad.tolist(), y.grad_fn.flags))
    assert res[0] == res[1] == (True, False, [2.0, 2.0], (True, False))


def test_no_record_without_grad(torch):
    for m in (torch, ember):
        x = m.tensor([1.0], requires_grad=True)
        with m.no_grad():
            assert not _cube(m).apply(x, 1.0).requires_grad
        assert not _cube(m).apply(m.ones(1), 1.0).requires_grad


def test_wrong_number_of_gradients(torch):
    msgs = []
    for m in (torch, ember):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return g, g
        with pytest.raises(RuntimeError) as info:
            F.apply(m.ones(2, requires_grad=True)).sum().backward()
        msgs.append(str(info.value))
    assert msgs[1] == msgs[0]


def test_saved_tensor_modified_in_place(torch):
    msgs = []
    for m in (torch, ember):
        class F(m.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a * 2

            @staticmethod
            def backward(ctx, g):
                (a,) = ctx.saved_tensors
                return g * a
        a = m.tensor([1.0, -2.0], requires_grad=True)
        h = a * 1
        y = F.apply(h)
        h.add_(1)
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        msgs.append(str(info.value).replace("torch.", "ember."))
    assert msgs[1] == msgs[0]


def test_setup_context_style(torch):
    grads = []
    for m in (torch, ember):
        class F(m.autograd.Function):
            @staticmethod
            def forward(x):
                return x * 2

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(inputs[0])

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * x
        a = m.tensor([1.0, -2.0], requires_grad=True)
        F.apply(a).sum().backward()
        grads.append(a.grad.tolist())
    assert grads[0] == grads[1]


def test_function_gradcheck():
    x = ember.tensor([0.5, -1.5], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: _cube(ember).apply(t, 1.5), (x,))


def _ctx_style(m):
    class Square(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x
    return Square


def test_ctx_style_function_refused_under_func_transforms(torch):
    # PyTorch's functorch transforms need setup_context; ember.func marks the code its transforms run with
    # grad_mode.func_transform, under which such a Function refuses, and outside of which it still works
    from ember.autograd.grad_mode import func_transform
    with pytest.raises(RuntimeError) as want:
        torch.func.grad(lambda t: _ctx_style(torch).apply(t))(torch.tensor(3.0))
    with func_transform(), pytest.raises(RuntimeError) as got:
        _ctx_style(ember).apply(ember.tensor(3.0, requires_grad=True))
    assert str(got.value) == str(want.value)
    assert ember.autograd.grad_mode.state.func_transforms == 0
    x = ember.tensor(3.0, requires_grad=True)
    _ctx_style(ember).apply(x).backward()
    assert x.grad.item() == 6.0


def test_gradient_for_a_non_tensor_input_is_refused(torch):
    def run(m):
        class Scale(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g, m.ones(1)

        x = m.ones(2, requires_grad=True)
        try:
            Scale.apply(x, 3).sum().backward()
        except RuntimeError as exc:
            return str(exc).replace("torch", "ember")
    assert run(ember) == run(torch) is not None
