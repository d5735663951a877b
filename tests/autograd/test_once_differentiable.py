"""``@once_differentiable`` as in PyTorch: the backward runs without recording, and a double backward through it
raises instead of giving a silently wrong (or missing) second derivative."""

import importlib

import pytest

import ember


def _square(L, seen):
    once = importlib.import_module(L.__name__ + ".autograd.function").once_differentiable

    class Square(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @once
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            r = 2 * x * g
            seen.append((g.requires_grad, g.grad_fn is None, L.is_grad_enabled(), r.requires_grad, r.grad_fn is None))
            return r

    return Square


def _errors(*calls):
    out = []
    for call in calls:
        try:
            call()
            out.append("ok")
        except RuntimeError as exc:
            out.append(str(exc))
    return out


def _run(L):
    seen = []
    Square = _square(L, seen)
    out = [Square.backward.__name__]
    x = L.tensor([1.0, 2.0], requires_grad=True)
    Square.apply(x).sum().backward()
    out.append((x.grad.tolist(), seen[-1]))
    # create_graph with an upstream gradient that needs no grad: a plain result
    g, = L.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    out.append((g.tolist(), g.requires_grad, g.grad_fn is None, seen[-1]))
    out += _errors(lambda: g.sum().backward())
    # an upstream gradient that requires grad: the result is marked, differentiating it raises
    v = L.ones(2, requires_grad=True)
    g, = L.autograd.grad(Square.apply(x), x, v, create_graph=True)
    fn = g.grad_fn
    out.append((g.tolist(), g.requires_grad, type(fn).__name__, fn.name().split("::")[-1], len(fn.next_functions),
                seen[-1]))
    out += _errors(lambda: g.sum().backward(retain_graph=True), lambda: L.autograd.grad(g.sum(), v),
                   lambda: L.autograd.grad(g.sum(), x))
    return out


def test_once_differentiable_matches_torch(torch):
    assert _run(ember) == _run(torch)


def test_once_differentiable_raises_on_double_backward():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    v = ember.ones(2, requires_grad=True)
    g, = ember.autograd.grad(_square(ember, []).apply(x), x, v, create_graph=True)
    assert g.grad_fn.name() == "ember::autograd::Error"
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked with @once_differentiable"):
        (g * g).sum().backward()


def test_once_differentiable_passes_tuples_and_nones(torch):
    def run(L):
        once = importlib.import_module(L.__name__ + ".autograd.function").once_differentiable

        class Mix(L.autograd.Function):
            @staticmethod
            def forward(ctx, x, y, k):
                return x * k + y

            @staticmethod
            @once
            def backward(ctx, g):
                return g * 3, None, None

        x = L.tensor([1.0], requires_grad=True)
        v = L.ones(1, requires_grad=True)
        g, = L.autograd.grad(Mix.apply(x, L.ones(1), 3.0), x, v, create_graph=True)
        return g.tolist(), g.requires_grad, g.grad_fn.name().split("::")[-1]

    assert run(ember) == run(torch)
