"""Tensor.register_hook on leaves and non-leaves, removal, retain_grad, register_post_accumulate_grad_hook,
compared with torch."""

import warnings

import numpy as np
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


def _same_hook_twice(m, leaf):
    """One function registered twice, then each handle removed in turn: gradients after each backward."""
    x = m.tensor([1.0, 2.0], requires_grad=True)
    calls = []

    def double(g):
        calls.append(g.tolist())
        return g * 2

    def run(handles=None):
        x.grad = None
        y = x * 3
        t = x if leaf else y
        if handles is None:
            handles = [t.register_hook(double), t.register_hook(double)]
        (y * y).sum().backward()
        return handles, x.grad.tolist(), len(calls)

    handles, *first = run()
    out = [first]
    if not leaf:  # a non-leaf's hooks live on its grad_fn: register on a fresh graph each time
        return out, calls
    handles[0].remove()
    out.append(run(handles)[1:])
    handles[0].remove()  # removing twice is harmless and keeps the other registration
    out.append(run(handles)[1:])
    handles[1].remove()
    out.append(run(handles)[1:])
    return out, calls


@pytest.mark.parametrize("leaf", [True, False])
def test_same_hook_registered_twice_runs_twice(torch, leaf):
    got, want = _same_hook_twice(ember, leaf), _same_hook_twice(torch, leaf)
    assert got == want
    assert got[0][0][0] == [72.0, 144.0]  # 2 * 3 * 3x, doubled twice


def _same_function_removal_order(m, which, leaf):
    # f, g, f registered: removing one registration of f leaves the other where it was
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    t = x if leaf else y
    order = []

    def f(grad):
        order.append("f")

    def g(grad):
        order.append("g")

    handles = [t.register_hook(f), t.register_hook(g), t.register_hook(f)]
    handles[which].remove()
    y.sum().backward()
    return order


@pytest.mark.parametrize("leaf", [True, False])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_removing_one_of_two_registrations_keeps_the_other_in_place(torch, which, leaf):
    got = _same_function_removal_order(ember, which, leaf)
    assert got == _same_function_removal_order(torch, which, leaf)
    assert got == [["g", "f"], ["f", "f"], ["f", "g"]][which]


def test_hooks_registered_after_retain_grad_still_run_before_it(torch):
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 3)
        y.register_hook(lambda g: g + 1)
        y.sum().backward()
        return y.grad.tolist(), x.grad.tolist()

    assert run(ember) == run(torch) == ([4.0, 4.0], [8.0, 8.0])


def test_tensor_hook_handle_is_the_module_hook_handle_type():
    x = ember.ones(2, requires_grad=True)
    handle = x.register_hook(lambda g: None)
    module_handle = ember.nn.Linear(1, 1).register_forward_hook(lambda *a: None)
    assert type(handle) is type(module_handle) is type((x * 1).register_hook(lambda g: None))


@pytest.mark.parametrize("leaf", [True, False])
def test_tensor_hook_returning_a_non_tensor_errors_like_torch(torch, leaf):
    msgs = []
    for m in (torch, ember):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        (x if leaf else y).register_hook(lambda g: 3)
        with pytest.raises(TypeError) as info:
            y.sum().backward()
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1] == "expected Variable, but hook returned 'int'"


# --- Tensor.register_post_accumulate_grad_hook -------------------------------------------------------------


def test_post_accumulate_grad_hook_registration_errors(torch):
    for make in (lambda m: m.ones(2, requires_grad=True) * 2, lambda m: m.ones(2),
                 lambda m: m.ones(2, requires_grad=True)[0]):
        msgs = []
        for m in (torch, ember):
            with pytest.raises(RuntimeError) as info:
                make(m).register_post_accumulate_grad_hook(lambda t: None)
            msgs.append(str(info.value))
        assert msgs[0] == msgs[1]
    assert msgs[0] == "post accumulate grad hooks cannot be registered on non-leaf tensors"


def _post_accumulate_log(m):
    """Order against the other leaf hooks, what the hook sees, and when it runs at all."""
    log = []
    x = m.tensor([1.0, 2.0], requires_grad=True)
    x.register_post_accumulate_grad_hook(lambda t: log.append(("post-acc", t is x, t.grad.tolist(),
                                                               m.is_grad_enabled())))
    x.register_hook(lambda g: log.append(("tensor", g.tolist())))
    acc = (x * 1).grad_fn.next_functions[0][0]
    acc.register_prehook(lambda go: log.append(("node-pre", go[0].tolist())))
    acc.register_hook(lambda gi, go: log.append(("node-post", go[0].tolist())))
    (x * 3).sum().backward()
    (x * x).sum().backward()  # sees the accumulated .grad
    log.append("grad")
    m.autograd.grad((x * 3).sum(), x)  # autograd.grad accumulates nothing: no post-accumulate hook
    other = m.ones(2, requires_grad=True)
    other.register_post_accumulate_grad_hook(lambda t: log.append(("other", t.grad.tolist())))
    log.append("inputs=[x]")
    (x * other).sum().backward(inputs=[x])
    log.append("inputs=[other]")
    (x * other).sum().backward(inputs=[other])
    return log


def test_post_accumulate_grad_hook_order_and_when_it_runs(torch):
    got = _post_accumulate_log(ember)
    assert got == _post_accumulate_log(torch)
    assert got[:4] == [("tensor", [3.0, 3.0]), ("node-pre", [3.0, 3.0]), ("post-acc", True, [3.0, 3.0], False),
                       ("node-post", [3.0, 3.0])]


def _post_accumulate_without_gradient(m):
    log = []

    class FirstOnly(m.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g, None

    a, b, z = (m.ones(2, requires_grad=True) for _ in range(3))
    for name, t in (("a", a), ("b", b), ("z", z)):
        t.register_post_accumulate_grad_hook(lambda t, name=name: log.append((name, t.grad)))
    FirstOnly.apply(a * 1, b).sum().backward()  # b's node runs with no gradient
    acc = (z * 1).grad_fn.next_functions[0][0]
    acc.register_prehook(lambda go: (None,))  # drops z's gradient before accumulation
    (z * 2).sum().backward()
    return [(n, None if g is None else g.tolist()) for n, g in log]


def test_post_accumulate_grad_hook_runs_when_no_gradient_arrived(torch):
    got = _post_accumulate_without_gradient(ember)
    assert got == _post_accumulate_without_gradient(torch) == [("b", None), ("a", [1.0, 1.0]), ("z", None)]


def _post_accumulate_twice_and_removal(m):
    x = m.ones(2, requires_grad=True)
    calls = []

    def hook(t):
        calls.append(t.grad.tolist())

    h1, h2 = x.register_post_accumulate_grad_hook(hook), x.register_post_accumulate_grad_hook(hook)
    out = []
    for handle in (None, h1, h1, h2):
        if handle is not None:
            handle.remove()
        calls.clear()
        x.grad = None
        (x * 2).sum().backward()
        out.append(len(calls))
    return out


def test_post_accumulate_grad_hook_twice_and_removal(torch):
    assert _post_accumulate_twice_and_removal(ember) == _post_accumulate_twice_and_removal(torch) == [2, 1, 1, 0]


def _post_accumulate_bad_return(m, bad):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    log = []
    x.register_post_accumulate_grad_hook(lambda t: log.append(1))
    x.register_post_accumulate_grad_hook(lambda t: (log.append(2), bad)[1])
    x.register_post_accumulate_grad_hook(lambda t: log.append(3))
    (x * 1).grad_fn.next_functions[0][0].register_hook(lambda gi, go: log.append("node-post"))
    try:
        (x * 3).sum().backward()
    except (RuntimeError, TypeError) as exc:
        log.append((type(exc).__name__, str(exc)))
    return log, x.grad.tolist()


def test_post_accumulate_grad_hook_must_return_none(torch):
    # A tensor result fails after every hook ran; any other result fails at once. .grad is already updated.
    got = [_post_accumulate_bad_return(ember, bad) for bad in (ember.zeros(2), 5)]
    assert got == [_post_accumulate_bad_return(torch, bad) for bad in (torch.zeros(2), 5)]
    assert got[0][0][-1] == ("RuntimeError", "Tensor post accumulate grad hooks should return None.")
    assert got[1][0][-1] == ("TypeError", "expected Variable, but hook returned 'int'")


def _post_accumulate_under_create_graph(m):
    w = m.tensor([1.0, 3.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(
        lambda t: seen.append((t.grad.detach().tolist(), t.grad.requires_grad, m.is_grad_enabled())))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reference-cycle warning (tested in test_higher_order.py)
        (w ** 3).sum().backward(create_graph=True)
    return seen


def test_post_accumulate_grad_hook_under_create_graph(torch):
    assert _post_accumulate_under_create_graph(ember) == _post_accumulate_under_create_graph(torch) == [
        ([3.0, 27.0], True, True)]


def _optimizer_step_in_backward(m, fused):
    """Train a small MLP for a few steps with SGD, either fused into backward through post-accumulate hooks
    (each parameter updated and its gradient freed as soon as it is ready) or as a plain ``opt.step()``."""
    rng = np.random.default_rng(0)
    x = m.tensor(rng.standard_normal((8, 4)).astype("float32"))
    y = m.tensor(rng.standard_normal((8, 2)).astype("float32"))
    model = m.nn.Sequential(m.nn.Linear(4, 5), m.nn.Tanh(), m.nn.Linear(5, 2))
    model.load_state_dict({k: m.tensor(rng.standard_normal(tuple(v.shape)).astype("float32") * 0.5)
                           for k, v in model.state_dict().items()})
    lr = 0.1
    opt = m.optim.SGD(model.parameters(), lr=lr)
    if fused:
        def step(p):
            p.add_(p.grad, alpha=-lr)
            p.grad = None

        for p in model.parameters():
            p.register_post_accumulate_grad_hook(step)
    losses = []
    for _ in range(4):
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        if not fused:
            opt.step()
            opt.zero_grad()
        losses.append(loss.item())
    return losses, [p.detach().numpy().copy() for p in model.parameters()], [p.grad for p in model.parameters()]


def test_optimizer_step_in_backward(torch):
    e_losses, e_params, e_grads = _optimizer_step_in_backward(ember, fused=True)
    t_losses, t_params, t_grads = _optimizer_step_in_backward(torch, fused=True)
    np.testing.assert_allclose(e_losses, t_losses, rtol=1e-5)
    for e, t in zip(e_params, t_params):
        np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-6)
    assert all(g is None for g in e_grads) and all(g is None for g in t_grads)
    p_losses, p_params, _ = _optimizer_step_in_backward(ember, fused=False)  # the same as a separate step
    np.testing.assert_allclose(e_losses, p_losses, rtol=1e-6)
    for e, p in zip(e_params, p_params):
        np.testing.assert_allclose(e, p, rtol=1e-6, atol=1e-7)


def _bad_hook_results(m):
    """What backward raises when a tensor hook returns something else than a same-typed, same-sized tensor."""
    def run(ret, leaf):
        x = m.ones(3, requires_grad=True)
        y = x if leaf else x * 2
        y.register_hook(lambda g: ret)
        try:
            (y * 2).sum().backward()
        except Exception as exc:  # noqa: BLE001 - the error itself is compared
            return type(exc).__name__, str(exc).replace("torch.", "ember.")
        return x.grad.tolist()

    def named(g):
        return m.ones(2)

    x = m.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(named)
    try:
        y.sum().backward()
    except RuntimeError as exc:
        by_name = str(exc)
    return [run(1.0, False), run(np.ones(3), False), run((m.ones(3),), False), run(m.ones(2), False),
            run(m.ones(2), True), run(m.ones(3, dtype=m.float64), False), run(m.ones(3, dtype=m.int64), True),
            by_name]


def test_hook_results_checked(torch):
    got = _bad_hook_results(ember)
    assert got == _bad_hook_results(torch)
    assert got[1] == ("TypeError", "expected Variable, but hook returned 'numpy.ndarray'")
    assert got[3] == ("RuntimeError", "hook '<lambda>' has changed the size of value")


def _retain_then_inplace(m):
    # .grad of a retained tensor is the gradient w.r.t. its latest version (the hook follows in-place ops)
    out = []
    for op in (lambda y: y.mul_(4), lambda y: y.__setitem__(0, 7.0), lambda y: y.copy_(m.full((3,), 2.0)),
               lambda y: y[1:].mul_(2)):
        x = m.ones(3, requires_grad=True)
        y = x * 2
        y.retain_grad()
        op(y)
        (y * 3).sum().backward()
        out.append((y.grad.tolist(), x.grad.tolist(), y.retains_grad))
    return out


def test_retain_grad_follows_inplace_ops(torch):
    assert _retain_then_inplace(ember) == _retain_then_inplace(torch)


def _clip(g):
    return g * 0


def _noop_post(p):
    return None


def _copies_drop_hooks(m):
    import copy
    import pickle

    lin = m.nn.Linear(2, 1)
    lin.weight.register_hook(_clip)
    lin.weight.register_post_accumulate_grad_hook(_noop_post)
    out = []
    for twin in (copy.deepcopy(lin), pickle.loads(pickle.dumps(lin))):
        twin(m.ones(1, 2)).sum().backward()  # the copies run no hook: the gradient is not zeroed
        out.append((twin.weight.grad.tolist(), bool(twin.weight._backward_hooks)))
    t = m.ones(2, requires_grad=True)
    t.register_hook(_clip)
    t.foo = 1
    c = copy.deepcopy(t)
    (c * 5).sum().backward()
    out.append((c.grad.tolist(), c.foo))
    p = m.nn.Parameter(m.ones(2))
    p.foo = 1
    out.append((hasattr(copy.deepcopy(p), "foo"), pickle.loads(pickle.dumps(p)).foo))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        pickle.dumps(t)
        pickle.dumps(lin)  # (a Parameter's hooks are dropped silently)
    out.append([str(x.message).split(" at 0x")[0] + str(x.message).split(">", 1)[1] for x in w])
    return out


def test_deepcopy_and_pickle_drop_tensor_hooks(torch):
    assert _copies_drop_hooks(ember) == _copies_drop_hooks(torch)
