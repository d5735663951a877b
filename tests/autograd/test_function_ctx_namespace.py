"""A custom Function's ctx is its grad_fn: user attributes on it, its introspection and saved-tensor errors,
compared with torch."""

import sys

import numpy as np
import pytest

import ember


def _fn(m, name):
    """A Function that stores 7 as ``ctx.<name>`` in forward and multiplies by it in backward."""

    class C(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            setattr(ctx, name, 7)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * getattr(ctx, name)

    return C


@pytest.mark.parametrize("name", ["saved", "backward", "grad_name", "name", "input", "output", "shape", "trace"])
def test_user_attributes_on_ctx(torch, name):
    res = []
    for m in (torch, ember):
        x = m.ones(2, requires_grad=True)
        _fn(m, name).apply(x).sum().backward()
        res.append(x.grad.numpy())
    np.testing.assert_array_equal(res[1], res[0])


def _stash(m, as_list):
    class C(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.saved = [x, w] if as_list else x
            return x * w

        @staticmethod
        def backward(ctx, g):
            if as_list:
                x, w = ctx.saved
                return g * w, g * x
            return g * ctx.saved, None

    return C


@pytest.mark.parametrize("as_list", [True, False])
def test_ctx_saved_holds_user_values(torch, as_list):
    res = []
    for m in (torch, ember):
        x = m.ones(2, requires_grad=True)
        w = m.full((2,), 3.0, requires_grad=True)
        y = _stash(m, as_list).apply(x, w)
        y.sum().backward(retain_graph=True)
        y.sum().backward()  # (a second pass: the user's attribute is still there)
        public = sorted(k for k in vars(y.grad_fn) if not k.startswith("_"))
        res.append((x.grad.numpy(), None if w.grad is None else w.grad.numpy(), public))
    np.testing.assert_array_equal(res[1][0], res[0][0])
    assert (res[1][1] is None) == (res[0][1] is None)
    assert res[1][2] == res[0][2] == ["saved"]


def test_second_backward_without_saved_tensors(torch):
    # PyTorch frees only the saved tensors: a backward that reads none of them runs again without retain_graph
    res = []
    for m in (torch, ember):
        x = m.ones(2, requires_grad=True)
        y = _fn(m, "k").apply(x)
        y.sum().backward()
        y.sum().backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.grad_fn.saved_tensors
        res.append(x.grad.numpy())
    np.testing.assert_array_equal(res[1], res[0])


def _version_cases(m):
    class SaveOut(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * 2

    class Two(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            a, b = x * 2, x * 3
            ctx.save_for_backward(b)
            return a, b

        @staticmethod
        def backward(ctx, g, h):
            (b,) = ctx.saved_tensors
            return g * b

    class SaveIn(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x

    a = m.ones(3, requires_grad=True)
    y = SaveOut.apply(a * 1)
    y.add_(1)
    yield y
    _, b = Two.apply(a * 1)
    b.mul_(2)
    b.add_(1)
    yield b
    x = a * 2
    y = SaveIn.apply(x)
    x.add_(1)
    x.sub_(1)
    yield y


def test_modified_saved_tensor_names_its_node(torch):
    msgs = []
    for m in (torch, ember):
        row = []
        for y in _version_cases(m):
            with pytest.raises(RuntimeError) as info:
                y.sum().backward()
            row.append(str(info.value).split(" Hint:")[0].replace("torch.", "ember."))
        msgs.append(row)
    assert msgs[1] == msgs[0]
    assert "output 0 of SaveOut" in msgs[1][0] and "output 1 of Two" in msgs[1][1]


def _probe(m, log):
    class Probe(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            log.append(("before", ctx.saved_tensors, ctx.to_save, ctx.dirty_tensors, ctx.non_differentiable))
            ctx.save_for_backward(x)
            ctx.mark_non_differentiable()
            log.append(("after", ctx.saved_tensors, len(ctx.to_save), ctx.non_differentiable))
            return x * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x, None

    return Probe


def test_introspection(torch):
    res = []
    for m in (torch, ember):
        log = []
        probe = _probe(m, log)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = probe.apply(x, 3)
        fn = y.grad_fn
        out = fn.apply(m.ones(2))  # runs the user's backward, grad mode as it is
        with m.no_grad():
            out_ng = fn.apply(m.ones(2))
        res.append(dict(
            log=log, forward_cls=fn._forward_cls is probe, seq=type(fn._sequence_nr()),
            after=(fn.to_save, fn.dirty_tensors, fn.non_differentiable),
            apply=(out[0].detach().numpy().tolist(), out[0].requires_grad, out[1], out_ng[0].requires_grad),
            is_node=isinstance(fn, m.autograd.function.BackwardCFunction),
            public=sorted(k for k in vars(fn) if not k.startswith("_")),
            saved_attrs=[k for k in dir(fn) if k.startswith("_saved_")],
            needs=fn.needs_input_grad,
        ))
    assert res[1] == res[0]


def test_saved_attr_names_of_op_nodes(torch):
    # (ember's own version-check bookkeeping must not look like one of PyTorch's _saved_* values: torchviz)
    res = []
    for m in (torch, ember):
        x = m.ones(2, requires_grad=True)
        w = m.ones(2, requires_grad=True)
        nodes = [(x * w).grad_fn, x.exp().grad_fn, (x * w).grad_fn.next_functions[0][0]]
        res.append([[k for k in dir(n) if k.startswith("_saved_")] for n in nodes])
    assert res[1] == res[0]


def test_ctx_read_only_attributes(torch):
    for m in (torch, ember):
        x = m.ones(2, requires_grad=True)
        for name in ("requires_grad", "metadata"):
            with pytest.raises(AttributeError):
                _fn(m, name).apply(x)


def test_gradgradcheck_backward_outside_autograd(torch):
    # a backward computed in NumPy has no history: its gradient's function must then be constant
    msgs = []
    for m in (torch, ember):
        class NpSin(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.new_tensor(np.sin(x.detach().numpy()))

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return x.new_tensor(g.detach().numpy() * np.cos(x.detach().numpy()))

        x = m.tensor([0.3, 1.0], dtype=m.float64, requires_grad=True)
        with pytest.raises(sys.modules[m.__name__ + ".autograd.gradcheck"].GradcheckError) as info:
            m.autograd.gradgradcheck(NpSin.apply, (x,))
        msgs.append(str(info.value))
        flags = [m.autograd.gradcheck(f, (x,), raise_exception=False) for f in
                 (lambda t: t.detach() * 2, lambda t: t.detach() * 0, lambda t: (t * 2, t.detach() * 3))]
        msgs.append(flags)
    assert msgs[2:] == msgs[:2]
    assert msgs[0] == "Numerical gradient for function expected to be zero"


@pytest.mark.parametrize("shape,kw", [((3, 4), {}), ((3, 4), {"reduction": "none"}), ((2, 4, 5), {})])
def test_label_smoothed_cross_entropy_edges(torch, shape, kw):
    # PyTorch's AddBackward0 here has edges only into the input's history, none for the class target
    res = []
    for m in (torch, ember):
        x = m.zeros(shape, requires_grad=True)
        t = m.zeros((shape[0],) + shape[2:], dtype=m.int64)
        fn = m.nn.functional.cross_entropy(x, t, label_smoothing=0.1, **kw).grad_fn
        res.append((fn.name(), all(n is not None for n, _ in fn.next_functions)))
    assert res[1] == res[0]


def test_legacy_classes(torch):
    for m in (torch, ember):
        mod = m.autograd.function
        assert issubclass(mod.NestedIOFunction, m.autograd.Function)
        with pytest.raises(NotImplementedError):
            mod.NestedIOFunction.forward_extended(None, m.ones(1))
        with pytest.raises(NotImplementedError):
            mod.NestedIOFunction.backward_extended(None, m.ones(1))
        assert issubclass(mod.BackwardCFunction, m.autograd.function.FunctionCtx)


@pytest.mark.parametrize("make", [lambda g: 1.0, lambda g: g.numpy(), lambda g: [g]])
def test_backward_returning_a_non_tensor(torch, make):
    msgs = []
    for m in (torch, ember):
        class C(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return make(g)

        with pytest.raises(RuntimeError) as info:
            C.apply(m.ones(3, requires_grad=True)).sum().backward()
        msgs.append(str(info.value))
    assert msgs[1] == msgs[0]


def _node_attr_errors(m):
    """The errors of reading ``ctx.materialize_grads`` and of assigning the node's read-only attributes."""

    def err(f):
        try:
            f()
        except (AttributeError, TypeError) as e:
            return type(e).__name__, str(e).replace("ember", "torch")
        return None

    log = []

    class C(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            log.append(err(lambda: ctx.materialize_grads))
            for name in ("requires_grad", "metadata", "materialize_grads"):
                log.append(err(lambda name=name: setattr(ctx, name, 1)))
            log.append(err(lambda: delattr(ctx, "metadata")))
            ctx.materialize_grads = False  # a bool is accepted, as set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            log.append(g2)  # not materialized: None
            return g1 * 2

    x = m.ones(2, requires_grad=True)
    y = C.apply(x)
    y[0].sum().backward()
    log.append(err(lambda: y[0].grad_fn.materialize_grads))
    log.append(err(lambda: setattr(y[0].grad_fn, "metadata", {})))
    log.append(x.grad.tolist())
    return log


def test_node_attribute_errors(torch):
    assert _node_attr_errors(ember) == _node_attr_errors(torch)
