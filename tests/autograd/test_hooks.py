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


def _node_hook_log(lib):
    """Tensor hook, node pre-hook and node hook on one node: order, arguments and replacements."""
    log = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: log.append(("tensor", g.tolist())))
    y.grad_fn.register_prehook(lambda go: log.append(("pre", [None if g is None else g.tolist() for g in go])))
    y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    y.grad_fn.register_hook(lambda gi, go: log.append(("post", [None if g is None else g.tolist() for g in gi],
                                                       [g.tolist() for g in go])))
    y.grad_fn.register_hook(lambda gi, go: (gi[0] + 1,) + gi[1:])
    (y * y).sum().backward()
    return log, x.grad.tolist(), y.grad.tolist()


def test_grad_fn_hooks_match_torch(torch):
    assert _node_hook_log(ember) == _node_hook_log(torch)


def test_grad_fn_hooks_see_none_for_outputs_without_gradient_and_can_be_removed(torch):
    results = []
    for lib in (torch, ember):
        x = lib.tensor([1.0, 5.0, 2.0], requires_grad=True)
        a, _ = (x * 2).split(2)
        seen = []
        a.grad_fn.register_prehook(lambda go, seen=seen: seen.append([None if g is None else g.tolist() for g in go]))
        handle = a.grad_fn.register_hook(lambda gi, go: (gi[0] * 0,))
        handle.remove()
        a.sum().backward()
        results.append((seen, x.grad.tolist(), a.grad_fn.name()))
    assert results[0] == results[1]


def test_grad_fn_hooks_under_create_graph_and_bad_returns(torch):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x ** 2
    y.grad_fn.register_hook(lambda gi, go: (gi[0] * 2,) + gi[1:])
    (g,) = ember.autograd.grad(y.sum(), x, create_graph=True)  # 2 * 2x, still differentiable
    assert g.tolist() == [4.0, 8.0] and g.grad_fn is not None
    for lib in (torch, ember):
        c = lib.tensor([1.0], requires_grad=True) * 2
        c.grad_fn.register_prehook(lambda go: 5)
        with pytest.raises(TypeError, match="expected tuple, but hook returned 'int'"):
            c.sum().backward()
        c = lib.tensor([1.0], requires_grad=True) * 2
        c.grad_fn.register_hook(lambda gi, go: (1, 2, 3))
        with pytest.raises(RuntimeError, match=r"has returned an incorrect number of values \(got 3, but expected 2\)"):
            c.sum().backward()


def test_custom_function_node_hooks_match_torch(torch):
    def run(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 3 * x ** 2 * g

        x = lib.tensor([1.0, -2.0], requires_grad=True)
        y = Cube.apply(x)
        log = []
        y.grad_fn.register_prehook(lambda go: (go[0] * 2,))
        y.grad_fn.register_hook(lambda gi, go: log.append((gi[0].tolist(), go[0].tolist())))
        y.sum().backward()
        return log, x.grad.tolist()

    assert run(ember) == run(torch)


def _accumulate_grad_node_hooks(m):
    # Order: tensor hook, AccumulateGrad pre-hook (may replace), accumulation, post-hook (sees what was added).
    log = []
    x = m.ones(3, requires_grad=True)
    y = x * 2
    acc = y.grad_fn.next_functions[0][0]
    h_pre = acc.register_prehook(lambda go: (log.append(("pre", go[0].tolist())), (go[0] * 10,))[1])
    h_post = acc.register_hook(lambda gi, go: log.append(("post", gi, go[0].tolist())))
    x.register_hook(lambda g: log.append(("tensor", g.tolist())))
    y.sum().backward()
    log.append(("grad", x.grad.tolist()))
    m.autograd.grad((x * 2).sum(), x)  # autograd.grad does not run the leaf's node
    acc.metadata["k"] = 1
    log.append(dict(y.grad_fn.next_functions[0][0].metadata))
    h_pre.remove()
    (x * 3).sum().backward()
    log.append(("grad", x.grad.tolist()))
    h_post.remove()
    h = acc.register_hook(lambda gi, go: (go[0],))
    with pytest.raises(RuntimeError) as err:
        (x * 2).sum().backward()
    log.append(str(err.value))
    h.remove()
    acc.register_prehook(lambda go: go[0])
    with pytest.raises(TypeError) as err:
        (x * 2).sum().backward()
    log.append(str(err.value))
    z = m.ones(2, requires_grad=True)
    acc = (z * 1).grad_fn.next_functions[0][0]  # kept alive: PyTorch holds a leaf's node weakly
    acc.register_prehook(lambda go: (None,))
    acc.register_hook(lambda gi, go: log.append(("post", gi, go)))
    (z * 2).sum().backward()
    log.append(("dropped", z.grad))
    return log


def _op_node_prehook_drops_gradient(m):
    log = []
    z = m.ones(2, requires_grad=True)
    for y in (z * 2, z.sin()):
        y.grad_fn.register_prehook(lambda go: (None,))
        y.grad_fn.register_hook(lambda gi, go: log.append((gi, go)))
        (y * 3).sum().backward()
        log.append(z.grad)
    return log


def test_node_prehook_dropping_every_gradient_skips_the_node(torch):
    assert _op_node_prehook_drops_gradient(ember) == _op_node_prehook_drops_gradient(torch) == [
        ((None, None), (None,)), None, ((None,), (None,)), None]


def test_accumulate_grad_node_hooks_and_metadata(torch):
    expected = _accumulate_grad_node_hooks(torch)
    got = _accumulate_grad_node_hooks(ember)
    assert got == expected
    assert ("post", (), [20.0, 20.0, 20.0]) in got  # the hooks did run


def test_function_node_metadata(torch):
    def make(m):
        class Double(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        return Double

    for m in (torch, ember):
        y = make(m).apply(m.ones(2, requires_grad=True))
        assert y.grad_fn.metadata == {}
        y.grad_fn.metadata["a"] = 1
        assert y.grad_fn.metadata == {"a": 1}
