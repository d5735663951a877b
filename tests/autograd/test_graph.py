"""ember.autograd.graph (Node, saved-tensor hooks, multi-grad hooks, increment_version) and
ember.autograd.Variable, compared with torch."""

import warnings

import numpy as np
import pytest

import ember


def _g(m):
    return m.autograd.graph


# ----------------------------------------------------------------------------------------------- module / Node
def test_graph_module_is_reachable():
    assert hasattr(ember.autograd, "graph")
    import ember.autograd.graph as graph_mod
    assert graph_mod is ember.autograd.graph
    for name in ("Node", "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks",
                 "register_multi_grad_hook", "increment_version"):
        assert name in graph_mod.__all__ and hasattr(graph_mod, name)


def _node_kinds(m):
    class Twice(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    node_cls = _g(m).Node
    x = m.ones(3, requires_grad=True)
    y = (x * 2).sum()
    acc = y.grad_fn.next_functions[0][0].next_functions[0][0]
    z = Twice.apply(x)
    return [isinstance(y.grad_fn, node_cls), isinstance(acc, node_cls), isinstance(z.grad_fn, node_cls),
            issubclass(type(y.grad_fn), node_cls), isinstance(x, node_cls), isinstance(3, node_cls),
            isinstance(object(), node_cls), x.grad_fn is None]


def test_node_isinstance(torch):
    assert _node_kinds(ember) == _node_kinds(torch) == [True, True, True, True, False, False, False, True]


def test_node_isinstance_for_double_backward_nodes():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ember.autograd.grad((x.exp() * x).sum(), x, create_graph=True)
    assert isinstance(g.grad_fn, ember.autograd.graph.Node)


def test_node_is_abstract(torch):
    with pytest.raises(TypeError, match="abstract"):
        torch.autograd.graph.Node()
    with pytest.raises(TypeError, match="abstract"):
        ember.autograd.graph.Node()


def test_node_subclass_must_implement_interface():
    class Partial(ember.autograd.graph.Node):
        def name(self):
            return "Partial"

    with pytest.raises(TypeError):
        Partial()


# ----------------------------------------------------------------------------------------------- saved hooks
def _mul_with_hooks(m, unpack_scale):
    a = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = m.tensor([0.5, 4.0, -1.0], requires_grad=True)
    packed = []

    def pack(t):
        packed.append(t)
        return t

    with _g(m).saved_tensors_hooks(pack, lambda t: t * unpack_scale):
        y = (a * b).sum()
    y.backward()
    return a.grad.tolist(), b.grad.tolist(), any(p is a for p in packed), any(p is b for p in packed)


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_unpacked_values_are_used_by_backward(torch, scale):
    assert _mul_with_hooks(ember, scale) == _mul_with_hooks(torch, scale)


def _saved_output(m):
    a = m.tensor([0.0, 1.0, 2.0], requires_grad=True)
    packed = []
    unpacked = []

    def pack(t):
        packed.append(t)
        return t.detach().clone()

    def unpack(t):
        unpacked.append(m.is_grad_enabled())
        return t + 1

    with _g(m).saved_tensors_hooks(pack, unpack):
        y = a.exp()
    y.sum().backward()
    # exp saves its output: pack sees the output tensor itself.
    return len(packed), packed[0] is y, np.round(a.grad.tolist(), 5).tolist(), unpacked


def test_pack_receives_the_saved_output(torch):
    assert _saved_output(ember) == _saved_output(torch)


def test_pack_runs_without_grad_and_unpack_per_backward(torch):
    def run(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        modes, calls = [], []

        def pack(t):
            modes.append(m.is_grad_enabled())
            return t * t  # not recorded: no recursion into the hooks

        def unpack(t):
            calls.append(1)
            return t.sqrt()

        with _g(m).saved_tensors_hooks(pack, unpack):
            y = a.exp()
        y.sum().backward(retain_graph=True)
        y.sum().backward()
        return modes, len(calls), np.round(a.grad.tolist(), 4).tolist()

    assert run(ember) == run(torch)


def test_innermost_hooks_apply(torch):
    def run(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0], requires_grad=True)
        with _g(m).saved_tensors_hooks(lambda t: t, lambda t: t * 5):
            with _g(m).saved_tensors_hooks(lambda t: t, lambda t: t):
                y = (a * b).sum()
            z = (a * b).sum()
        y.backward()
        first = a.grad.tolist()
        a.grad = None
        z.backward()
        return first, a.grad.tolist()

    assert run(ember) == run(torch) == ([3.0, 4.0], [15.0, 20.0])


def test_hooks_do_not_outlive_the_context(torch):
    def run(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        with _g(m).saved_tensors_hooks(lambda t: t, lambda t: t * 0):
            pass
        (a * a).sum().backward()
        return a.grad.tolist()

    assert run(ember) == run(torch) == [2.0, 4.0]


def test_custom_function_saved_tensors_go_through_hooks(torch):
    def run(m):
        class Square(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, None)
                return x * x

            @staticmethod
            def backward(ctx, go):
                x, none = ctx.saved_tensors
                assert none is None
                return 2 * x * go

        a = m.tensor([1.0, -3.0], requires_grad=True)
        packed = []
        with _g(m).saved_tensors_hooks(lambda t: packed.append(t) or t, lambda t: t * 3):
            y = Square.apply(a).sum()
        y.backward()
        return a.grad.tolist(), len(packed), packed[0] is a

    assert run(ember) == run(torch) == ([6.0, -18.0], 1, True)


def test_unpack_must_return_a_tensor(torch):
    msgs = []
    for m in (torch, ember):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        with _g(m).saved_tensors_hooks(lambda t: "packed", lambda t: t):
            y = (a * a).sum()
        with pytest.raises(TypeError) as err:
            y.backward()
        msgs.append(str(err.value))
    assert msgs[0] == msgs[1]


def test_hooks_can_offload_to_numpy(torch):
    # A realistic use: keep saved activations outside the framework and restore them in backward.
    def run(m, to_np, from_np):
        rng = np.random.default_rng(0)
        w = m.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
        x = m.tensor(rng.standard_normal((5, 4)).astype(np.float32))
        with _g(m).saved_tensors_hooks(to_np, from_np):
            loss = (m.tanh(x @ w) ** 2).mean()
        loss.backward()
        return w.grad.detach().numpy() if hasattr(w.grad, "detach") else w.grad.numpy()

    e = run(ember, lambda t: t.detach().numpy().copy(), lambda a: ember.from_numpy(a))
    t = run(torch, lambda t: t.detach().numpy().copy(), lambda a: torch.from_numpy(a))
    np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-6)


def test_disable_saved_tensors_hooks(torch):
    for m in (torch, ember):
        g = _g(m)
        with g.disable_saved_tensors_hooks("hooks are off here"):
            with pytest.raises(RuntimeError, match="hooks are off here"):
                with g.saved_tensors_hooks(lambda t: t, lambda t: t):
                    pass
        with g.saved_tensors_hooks(lambda t: t, lambda t: t):
            with pytest.raises(RuntimeError, match="cannot disable"):
                with g.disable_saved_tensors_hooks("cannot disable"):
                    pass
        # After leaving the disabling context hooks work again.
        with g.saved_tensors_hooks(lambda t: t, lambda t: t):
            pass


def test_disable_saved_tensors_hooks_as_decorator():
    g = ember.autograd.graph

    @g.disable_saved_tensors_hooks("no hooks in f")
    def f():
        with g.saved_tensors_hooks(lambda t: t, lambda t: t):
            pass

    with pytest.raises(RuntimeError, match="no hooks in f"):
        f()
    with g.saved_tensors_hooks(lambda t: t, lambda t: t):
        pass


def test_save_on_cpu(torch):
    def run(m):
        a = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with _g(m).save_on_cpu():
            y = (a.sin() * a).sum()
        y.backward()
        return np.round(a.grad.tolist(), 5).tolist()

    assert run(ember) == run(torch)


# ----------------------------------------------------------------------------------------------- multi grad hook
def _multi_all(m):
    g = _g(m)
    a = m.tensor([1.0, 2.0], requires_grad=True)
    b = m.tensor([3.0, 4.0], requires_grad=True)
    c = m.tensor([5.0, 6.0], requires_grad=True)
    calls = []
    h = g.register_multi_grad_hook((a, b, c), lambda gs: calls.append(
        (type(gs).__name__, [None if x is None else x.tolist() for x in gs])))
    (a * 2 + b).sum().backward()
    y = (c * 3).sum()
    y.backward(retain_graph=True)
    y.backward()
    x = a * 1  # a non-leaf among the tensors
    h2 = g.register_multi_grad_hook((x, b), lambda gs: calls.append(
        ("nonleaf", [None if v is None else v.tolist() for v in gs])))
    (x * b).sum().backward()
    h.remove()
    h2.remove()
    (a * b).sum().backward()
    return calls


def test_multi_grad_hook_all(torch):
    e, t = _multi_all(ember), _multi_all(torch)
    assert e == t
    assert len(e) == 5


def test_multi_grad_hook_any(torch):
    def run(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0], requires_grad=True)
        got = []
        h = _g(m).register_multi_grad_hook((a, b), lambda gr: got.append(gr.tolist()) or gr * 0, mode="any")
        (a * 2 + b * 2).sum().backward()
        (a * 5).sum().backward()
        h.remove()
        (a * 7).sum().backward()
        # The hook cannot change gradients.
        return got, a.grad.tolist(), b.grad.tolist()

    assert run(ember) == run(torch)


def test_multi_grad_hook_errors(torch):
    msgs = []
    for m in (torch, ember):
        a = m.ones(2, requires_grad=True)
        with pytest.raises(ValueError) as err:
            _g(m).register_multi_grad_hook((a,), lambda gs: None, mode="every")
        msgs.append(str(err.value))
        with pytest.raises(AssertionError):
            _g(m).register_multi_grad_hook((a, m.ones(2)), lambda gs: None)
    assert msgs[0] == msgs[1]


# ----------------------------------------------------------------------------------------------- increment_version
def test_increment_version(torch):
    for m in (torch, ember):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0])
        y = (a * b).sum()
        v0 = b._version
        _g(m).increment_version(b)
        assert b._version == v0 + 1
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()
        c, d = m.zeros(1), m.zeros(1)
        _g(m).increment_version([c, d])
        assert (c._version, d._version) == (1, 1)


# ----------------------------------------------------------------------------------------------- Variable
def _variable(m):
    V = m.autograd.Variable
    x = m.tensor([1.0, 2.0])
    v = V(x)
    out = [type(v) is m.Tensor, v is x, v.requires_grad]
    w = V(x, requires_grad=True)
    out += [w.requires_grad, x.requires_grad, w.is_leaf, w.grad_fn is None]
    w2 = V(x, True)
    out += [w2.requires_grad]
    y = m.tensor([1.0, 2.0], requires_grad=True) * 2
    out += [V(y).requires_grad, V(y).grad_fn is None]
    out += [isinstance(x, V), isinstance(m.nn.Parameter(x), V), isinstance(1.0, V)]
    out += [V().tolist(), V(None).shape == (0,)]
    out += [type(V(m.nn.Parameter(x))) is m.Tensor]
    return out


def test_variable(torch):
    assert _variable(ember) == _variable(torch)


def test_variable_shares_memory_and_trains(torch):
    x = ember.zeros(2)
    v = ember.autograd.Variable(x, requires_grad=True)
    (v * 3).sum().backward()
    assert v.grad.tolist() == [3.0, 3.0]
    with ember.no_grad():
        v += 1
    assert x.tolist() == [1.0, 1.0]


def test_variable_errors_and_volatile(torch):
    for m in (torch, ember):
        V = m.autograd.Variable
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            V([1.0, 2.0])
        with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype can require"):
            V(m.tensor([1, 2]), requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            V(m.ones(1), volatile=True)
        assert any("volatile was removed" in str(x.message) for x in w)


def test_variable_importable_as_torch():
    from ember.autograd import Variable
    from ember.autograd.variable import Variable as V2
    assert Variable is V2
    assert "Variable" in ember.autograd.__all__


def test_leaf_hook_runs_once_with_backward_inputs(torch):
    def run(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        calls = []
        a.register_hook(lambda g: calls.append(g.tolist()) or g * 10)
        (a * a).sum().backward(inputs=[a])
        return calls, a.grad.tolist()

    assert run(ember) == run(torch) == ([[2.0, 4.0]], [20.0, 40.0])
