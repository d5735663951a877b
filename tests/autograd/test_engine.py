"""The backward engine: grad_fn names, graph walking, backward() arguments, accumulation, errors."""

import numpy as np
import pytest

import ember


def _both(torch, fn):
    """Run ``fn(lib)`` with torch and ember; return both results (exceptions are returned, not raised)."""
    out = []
    for lib in (torch, ember):
        try:
            out.append(fn(lib))
        except Exception as exc:  # noqa: BLE001 - compared below
            out.append(exc)
    return out


def _same_error(torch, fn, exc_type=RuntimeError):
    t, e = _both(torch, fn)
    assert isinstance(t, exc_type), t
    assert type(e) is type(t), e
    assert str(e) == str(t).replace("torch.", "ember."), (str(e), str(t))


GRAD_FN = [
    "a + b", "a - b", "a * b", "a / b", "a ** 2", "a ** b", "2 ** a", "1 - a", "-a", "a.exp()", "a.log()",
    "a.sin()", "a.cos()", "a.tanh()", "a.sigmoid()", "a.relu()", "a.abs()", "a.sqrt()", "a.sum()", "a.sum(0)",
    "a.mean()", "a.mean(1)", "a.max()", "a.min()", "a.max(0)[0]", "a.amax(0)", "a.view(4)", "a.reshape(4)",
    "a.t()", "a.T", "a.permute(1, 0)", "a.transpose(0, 1)", "a.unsqueeze(0)", "a.squeeze()", "a.flatten()",
    "a[0]", "a[:, 1]", "a[None]", "a[m.tensor([0])]", "a[a > 0]", "m.cat([a, b])", "m.stack([a, b])",
    "a.clone()", "a.double()", "a.clamp(0, 1)", "a.clamp(min=0)", "a.clamp_min(0)", "a.clamp_max(0)",
    "m.clamp(a, b)", "a.expand(3, 2, 2)", "a.softmax(0)", "a.log_softmax(0)", "a @ b", "a.mm(b)", "a.norm()",
    "a.var()", "a.std(0)", "a.prod()", "a.cumsum(0)", "a.cumprod(1)", "a.logsumexp(0)", "m.where(a > 0, a, b)",
    "a.masked_fill(a > 0, 0.)", "a.split(1)[0]", "a.split([1, 1])[0]", "a.unbind()[0]",
    "a.gather(0, m.tensor([[0, 1]]))", "a.index_select(0, m.tensor([0]))", "a.repeat(2, 1)", "a.flip(0)",
    "a.maximum(b)", "a.remainder(b)", "a.remainder(2.)", "a.lerp(b, 0.5)", "a.lerp(b, b)", "a.atan2(b)",
    "a.diagonal()", "m.diag(a[0])", "a.tril()", "a.roll(1, 0)", "a.mv(b[0])", "a[0].dot(b[0])",
    "m.bmm(a[None], b[None])", "m.addmm(a, a, b)", "a.to(m.float64)", "a.erf()", "a.sign()", "a.floor()",
    "a.scatter(0, m.tensor([[0, 1]]), b)", "a.scatter_add(0, m.tensor([[0, 1]]), b)", "a.narrow(0, 0, 1)",
    "a.select(0, 1)", "a.squeeze(0)", "a.exp2()", "a.rsqrt()", "a.reciprocal()", "a.unflatten(0, (2, 1))",
    "a.prod(0)", "a.prod(1, keepdim=True)", "a.fmod(b)", "a.fmod(2.)",
]


@pytest.mark.parametrize("expr", GRAD_FN)
def test_grad_fn_names_match_torch(torch, expr):
    def run(m):
        a = m.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True) * 1
        b = m.tensor([[0.5, 2.0], [1.0, -1.0]], requires_grad=True) * 1
        return eval(expr, {"m": m, "a": a, "b": b}).grad_fn.name()
    t, e = _both(torch, run)
    assert e == t


def test_grad_fn_repr_and_leaf_node():
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    assert repr(y.grad_fn).startswith("<MulBackward0 object at 0x")
    acc, nr = y.grad_fn.next_functions[0]
    assert nr == 0 and acc.name() == "ember::autograd::AccumulateGrad"
    assert repr(acc).startswith("<AccumulateGrad object at")
    assert acc.variable is x
    assert x.grad_fn is None and x.is_leaf and not y.is_leaf
    assert y.grad_fn.next_functions[0][0] is (x * 3).grad_fn.next_functions[0][0]  # one node per leaf


def test_next_functions_walk_matches_torch(torch):
    def walk(m):
        x = m.ones(3, 2, requires_grad=True)
        w = m.ones(2, 4, requires_grad=True)
        b = m.ones(4, requires_grad=True)
        y = (m.addmm(b, x, w).relu() * 2).sum()
        names, stack, seen = [], [y.grad_fn], set()
        while stack:
            fn = stack.pop()
            if fn is None or id(fn) in seen:
                continue
            seen.add(id(fn))
            names.append(fn.name().replace("torch::", "").replace("ember::", ""))
            stack.extend(n for n, _ in fn.next_functions)
        return names
    t, e = _both(torch, walk)
    assert e == t
    assert "AddmmBackward0" in e


def test_constant_inputs_have_none_edges(torch):
    t, e = _both(torch, lambda m: [n is None for n, _ in (m.ones(2, requires_grad=True) * m.ones(2)).grad_fn
                                   .next_functions])
    assert e == t == [False, True]


def test_backward_accumulates_and_retain_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    assert x.grad.tolist() == [2.0, 4.0]
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad.zero_()
    (x * 5).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_backward_with_gradient_argument(torch):
    def run(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x * x).backward(m.tensor([1.0, 0.5, -1.0]))
        return x.grad.tolist()
    t, e = _both(torch, run)
    assert e == t


def test_backward_inputs_argument(torch):
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        h = x * w
        (h * h).sum().backward(inputs=[x, h])
        return x.grad.tolist(), w.grad, h.grad.tolist()
    t, e = _both(torch, run)
    assert e == t


def test_non_leaf_grad_is_none_unless_retained(torch):
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        k = x * 3
        k.retain_grad()
        (h * k).sum().backward()
        return h.grad, k.grad.tolist(), k.retains_grad, h.retains_grad
    t, e = _both(torch, run)
    assert e == t


def test_gradient_dtype_and_broadcast_reduction():
    x = ember.ones(3, 1, requires_grad=True)
    y = ember.ones(1, 4, dtype=ember.float64, requires_grad=True)
    (x * y).sum().backward()
    assert x.grad.shape == (3, 1) and x.grad.dtype is ember.float32 and x.grad.tolist() == [[4.0]] * 3
    assert y.grad.shape == (1, 4) and y.grad.dtype is ember.float64


def test_same_tensor_used_twice():
    x = ember.tensor([3.0], requires_grad=True)
    (x * x + x).backward()
    assert x.grad.tolist() == [7.0]


def test_diamond_graph(torch):
    def run(m):
        x = m.tensor([0.5, -1.0], requires_grad=True)
        a = x.exp()
        b = a * 2
        c = a.sin()
        (b * c).sum().backward()
        return x.grad.numpy().round(5).tolist()
    t, e = _both(torch, run)
    assert e == t


def test_second_backward_error(torch):
    def run(m):
        x = m.ones(2, requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()
    _same_error(torch, run)


def test_second_backward_error_text():
    x = ember.ones(2, requires_grad=True)
    y = x.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_second_backward_without_saved_tensors_is_fine(torch):
    def run(m):
        x = m.ones(2, requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        return x.grad.tolist()
    t, e = _both(torch, run)
    assert e == t == [2.0, 2.0]


@pytest.mark.parametrize("fn", [
    lambda m: (m.ones(2, requires_grad=True) * 2).backward(),
    lambda m: m.ones(2).sum().backward(),
    lambda m: (m.ones(2, requires_grad=True) * 3).backward(m.ones(3)),
    lambda m: m.autograd.grad(m.ones(2, requires_grad=True) * 2, m.ones(2, requires_grad=True)),
    lambda m: m.ones(2, requires_grad=True).sum().backward(inputs=[]),
    lambda m: m.autograd.grad((m.ones(2, requires_grad=True) * 2).sum(), []),
    lambda m: m.autograd.grad(m.ones(2).sum(), ()),  # checked before the outputs' requires_grad
], ids=["implicit-nonscalar", "no-grad", "gradient-shape", "grad-nonscalar", "empty-inputs", "grad-empty-inputs",
        "grad-empty-inputs-first"])
def test_backward_errors_match_torch(torch, fn):
    _same_error(torch, fn)


def test_implicit_grad_message():
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar outputs$"):
        (ember.ones(2, requires_grad=True) * 2).backward()


def test_requires_grad_errors_match_torch(torch):
    _same_error(torch, lambda m: m.tensor([1, 2]).requires_grad_())
    _same_error(torch, lambda m: (m.ones(2, requires_grad=True) * 2).requires_grad_(False))
    _same_error(torch, lambda m: m.ones(2).register_hook(lambda g: g))
    _same_error(torch, lambda m: m.ones(2).retain_grad())


def test_requires_grad_propagation(torch):
    def run(m):
        x = m.ones(2)
        y = x * 2
        x.requires_grad_()
        z = x * 2
        w = z.detach()
        return y.requires_grad, z.requires_grad, w.requires_grad, w.is_leaf, (w + 1).requires_grad
    t, e = _both(torch, run)
    assert e == t


def test_detach_and_detach_(torch):
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        d = h.detach()
        h.detach_()
        return d.requires_grad, d.grad_fn, h.requires_grad, h.is_leaf, h.grad_fn
    t, e = _both(torch, run)
    assert e == t


def test_data_aliasing_sgd_step():
    f = ember.tensor([1.0, 2.0], requires_grad=True)
    (f * f).sum().backward()
    f.data.sub_(f.grad.data * 0.5)
    assert f.tolist() == [0.0, 0.0] and f.requires_grad and f.is_leaf
    d = f.data
    assert not d.requires_grad
    f.data = ember.tensor([5.0, 6.0])
    assert f.tolist() == [5.0, 6.0] and f.requires_grad


def test_grad_assignment_checks(torch):
    _same_error(torch, lambda m: setattr(m.ones(2, requires_grad=True), "grad", m.ones(3)))
    _same_error(torch, lambda m: setattr(m.ones(2, requires_grad=True), "grad", m.ones(2, dtype=m.float64)))
    _same_error(torch, lambda m: setattr(m.ones(2, requires_grad=True), "grad", 5), TypeError)
    x = ember.ones(2, requires_grad=True)
    x.grad = ember.full((2,), 3.0)
    (x * 1).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]
    del x.grad
    assert x.grad is None


def test_autograd_grad_basics(torch):
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([3.0], requires_grad=True)
        (gx, gy) = m.autograd.grad((x * x).sum(), [x, y], allow_unused=True)
        (gx2,) = m.autograd.grad(x * x, x, grad_outputs=m.ones(2))
        h = x * 2
        (gh,) = m.autograd.grad((h * h).sum(), h)
        return gx.tolist(), gy, gx2.tolist(), gh.tolist(), x.grad
    t, e = _both(torch, run)
    assert e == t


def test_autograd_grad_materialize(torch):
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([3.0], requires_grad=True)
        return [g.tolist() for g in m.autograd.grad((x * x).sum(), [x, y], materialize_grads=True)]
    t, e = _both(torch, run)
    assert e == t


def test_autograd_grad_errors_match_torch(torch):
    def unused(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.grad((x * x).sum(), [x, m.tensor([3.0], requires_grad=True)])
    _same_error(torch, unused)
    _same_error(torch, lambda m: m.autograd.grad((m.ones(2) * 2).sum(), m.ones(2)))

    def no_req_input(m):
        x = m.ones(2, requires_grad=True)
        m.autograd.grad((x * 2).sum(), [x, m.ones(2)])
    _same_error(torch, no_req_input)


def test_autograd_backward_function():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    ember.autograd.backward([(x * x).sum(), (x * 3).sum()])
    assert x.grad.tolist() == [5.0, 7.0]


def test_integer_outputs_do_not_require_grad(torch):
    t, e = _both(torch, lambda m: [(m.ones(2, requires_grad=True) > 0).requires_grad,
                                   m.ones(2, 3, requires_grad=True).max(1).indices.requires_grad,
                                   m.ones(2, requires_grad=True).argmax().requires_grad])
    assert e == t


def test_multi_output_partial_use(torch):
    def run(m):
        x = m.arange(6.0).reshape(3, 2).requires_grad_()
        a, b, c = x.unbind(0)
        (b * 2).sum().backward()
        return x.grad.tolist()
    t, e = _both(torch, run)
    assert e == t


def test_deep_chain_does_not_recurse():
    x = ember.ones(1, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_version_counter_error_matches_torch(torch):
    def out_modified(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()

    def input_modified(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        y = h * h
        h.mul_(2)
        y.sum().backward()

    def leaf_modified_under_no_grad(m):
        w = m.ones(2, 2, requires_grad=True)
        y = m.ones(3, 2, requires_grad=True) @ w
        with m.no_grad():
            w.add_(1)
        y.sum().backward()

    for fn in (out_modified, input_modified, leaf_modified_under_no_grad):
        _same_error(torch, fn)


def test_version_counter_error_text():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="one of the variables needed for gradient computation has been "
                                           "modified by an inplace operation"):
        y.sum().backward()


def test_version_counter_not_triggered_when_not_saved(torch):
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        y = h + 1  # Add saves nothing
        h.mul_(3)
        y.sum().backward()
        return x.grad.tolist()
    t, e = _both(torch, run)
    assert e == t


def test_numpy_gradient_values(torch):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3)).astype("float32")
    b = rng.standard_normal((3, 5)).astype("float32")

    def run(m):
        x = m.tensor(a, requires_grad=True)
        w = m.tensor(b, requires_grad=True)
        loss = (x @ w).tanh().pow(2).mean() + x.softmax(1).log().sum() * 0.1
        loss.backward()
        return x.grad.numpy(), w.grad.numpy()
    t, e = _both(torch, run)
    np.testing.assert_allclose(e[0], t[0], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(e[1], t[1], rtol=1e-4, atol=1e-6)


def test_data_changes_are_invisible_to_autograd(torch):
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        x.data.mul_(10)  # unlike detach(), .data has its own version counter: no error
        y.sum().backward()
        d = x.detach()
        z = x * x
        d.add_(1)
        try:
            z.sum().backward()
        except RuntimeError:
            return x._version, x.grad.tolist(), "error"
        return x._version, x.grad.tolist()
    t, e = _both(torch, run)
    assert e == t


def test_non_leaf_grad_access_warns():
    x = ember.ones(2, requires_grad=True)
    h = x * 2
    with pytest.warns(UserWarning, match="The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"):
        assert h.grad is None
    h.retain_grad()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert h.grad is None and x.grad is None


def test_backward_create_graph_warns_about_cycle(monkeypatch):
    import warnings

    import ember.autograd as autograd

    # the warning comes once per process (as PyTorch's): start from a process that has not warned yet, whatever
    # ran before this test
    monkeypatch.setattr(autograd, "_CYCLE_WARNED", [False])
    x = ember.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="Using backward\\(\\) with create_graph=True will create a reference cycle"):
        (x * x).sum().backward(create_graph=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once only
        (x * x).sum().backward(create_graph=True)


def _pruning_graph(lib, calls):
    """Custom Functions and hooks on every branch, to see which parts of the graph a targeted backward runs."""
    def function(name):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                calls.append(name)
                return g * 2
        return Double.apply

    a = lib.ones(3, requires_grad=True)
    b = lib.full((3,), 2.0, requires_grad=True)
    h = function("G")(b)
    h.register_hook(lambda g: calls.append("hook_h"))
    u = function("F")(h)
    u.register_hook(lambda g: calls.append("hook_u"))
    v = a * 3
    v.register_hook(lambda g: calls.append("hook_v"))
    w = u * v
    w.register_hook(lambda g: calls.append("hook_w"))
    return a, b, h, u, v, w, (w * w).sum()


@pytest.mark.parametrize("case", ["grad_u", "grad_u_b", "grad_w", "grad_two_roots", "backward_a", "backward_u",
                                  "backward_w_a"])
def test_targeted_backward_runs_only_what_torch_runs(torch, case):
    # autograd.grad / backward(inputs=...) skip the branches that lead to no target: no hooks, no custom backward,
    # no .grad on other tensors; backward(inputs=[non_leaf]) runs that tensor's own node, autograd.grad does not.
    def run(lib):
        calls = []
        a, b, h, u, v, w, loss = _pruning_graph(lib, calls)
        u.retain_grad()
        if case == "grad_u":
            out = lib.autograd.grad(loss, [u])
        elif case == "grad_u_b":
            out = lib.autograd.grad(loss, [u, b])
        elif case == "grad_w":
            out = lib.autograd.grad(loss, [w])
        elif case == "grad_two_roots":
            out = lib.autograd.grad([loss, v.sum()], [v, a])
        else:
            loss.backward(inputs={"backward_a": [a], "backward_u": [u], "backward_w_a": [w, a]}[case])
            out = (a.grad, b.grad, u.grad, w.grad)
        return calls, [None if t is None else t.detach().numpy().tolist() for t in out]

    assert run(ember) == run(torch)


@pytest.mark.parametrize("how", ["grad", "backward"])
def test_several_outputs_of_one_node_as_roots(torch, how):
    # two roots that are outputs of the same node (split pieces, var_mean's pair): that node runs once, with both
    # gradients (it used to be counted twice as a parent and never run)
    def run(lib):
        x = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float64, requires_grad=True)
        roots = list(x.split([1, 2], 1)) + list(lib.var_mean(x * 1, 1))
        grads = [lib.ones(r.shape, dtype=lib.float64) * (k + 1) for k, r in enumerate(roots)]
        if how == "grad":
            return lib.autograd.grad(roots, x, grads)[0].numpy()
        lib.autograd.backward(roots, grads)
        return x.grad.numpy()
    t, e = _both(torch, run)
    np.testing.assert_allclose(e, t, rtol=1e-12)


# -- the order ready nodes run in: leaves' AccumulateGrad first, then the most recently recorded node --------------

def _hook_order(m, build):
    """The order the gradient hooks of ``build(m)``'s named tensors fire in during backward."""
    m.manual_seed(0)
    loss, named = build(m)
    order = []
    for name, t in named:
        t.register_hook(lambda g, name=name: order.append(name))
        if t.grad_fn is None:  # a leaf: also after its accumulation
            t.register_post_accumulate_grad_hook(lambda p, name=name: order.append(name + ".acc"))
    loss.backward()
    return order


def _leaves(m, n=3):
    return [m.ones(2, requires_grad=True) for _ in range(n)]


def _chain_product(m):
    a, b, c = _leaves(m)
    return ((a * b) * c).sum(), [("a", a), ("b", b), ("c", c)]


def _ring(m):
    a, b, c = _leaves(m)
    return (a * b + b * c + c * a).sum(), [("a", a), ("b", b), ("c", c)]


def _stack(m):
    a, b, c = _leaves(m)
    return m.stack([a, b, c]).sum(), [("a", a), ("b", b), ("c", c)]


def _later_operand_first(m):
    a, b = _leaves(m, 2)
    x, y = a.exp(), b.exp()
    return (y * x).sum(), [("a", a), ("b", b), ("x", x), ("y", y)]


def _mlp(m):
    net = m.nn.Sequential(m.nn.Linear(3, 4), m.nn.ReLU(), m.nn.Linear(4, 2))
    return net(m.ones(5, 3)).sum(), list(net.named_parameters())


def _conv_bn(m):
    net = m.nn.Sequential(m.nn.Conv2d(1, 2, 3), m.nn.BatchNorm2d(2), m.nn.ReLU(), m.nn.Flatten(), m.nn.Linear(8, 2))
    return net(m.ones(2, 1, 4, 4)).sum(), list(net.named_parameters())


@pytest.mark.parametrize("build", [_chain_product, _ring, _stack, _later_operand_first, _mlp, _conv_bn])
def test_hooks_fire_in_torchs_order(torch, build):
    assert _hook_order(ember, build) == _hook_order(torch, build)


def _wrong_shape_fn(m, grad_shape):
    class B(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return m.ones(grad_shape), None
    return B


@pytest.mark.parametrize("grad_shape", [(1,), (3,), (2, 3)])
def test_custom_function_gradient_shape_checked(torch, grad_shape):
    """A custom backward's gradient that cannot be summed to its input's shape is an error (no broadcast)."""
    _same_error(torch, lambda m: _wrong_shape_fn(m, grad_shape).apply(m.ones(2, requires_grad=True), 2.0)
                .sum().backward())


def test_custom_function_gradient_broadcast_is_summed(torch):
    grads = []
    for m in (torch, ember):
        x = m.ones(1, 2, requires_grad=True)
        _wrong_shape_fn(m, (4, 1, 2)).apply(x, 2.0).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


def test_custom_function_non_tensor_outputs_get_none(torch):
    seen = {}
    for m in (torch, ember):
        class Lin(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, name):
                return x * 2, name.upper(), 3

            @staticmethod
            def backward(ctx, g, gname, gint, m=m):
                seen[m.__name__] = (gname, gint)
                return g * 2, None

        Lin.apply(m.ones(2, requires_grad=True), "a")[0].sum().backward()
    assert seen["ember"] == seen["torch"] == (None, None)


@pytest.mark.parametrize("case", [
    lambda m, a: m.autograd.backward([a * 1, a * 2], grad_tensors=[m.ones(3)]),
    lambda m, a: m.autograd.backward([a * 1, a * 2], grad_tensors=m.ones(3)),
    lambda m, a: m.autograd.grad([a * 1, a * 2], a, grad_outputs=[m.ones(3)]),
    lambda m, a: (a * m.ones(3)).sum().backward(inputs=[a, m.ones(3)]),
    lambda m, a: m.autograd.backward([(a * 2).sum()], inputs=m.ones(3)),
], ids=["backward-few", "backward-one", "grad-few", "inputs-no-grad", "inputs-single"])
def test_backward_argument_errors(torch, case):
    _same_error(torch, lambda m: case(m, m.ones(3, requires_grad=True)))


def test_extra_gradients_ignored(torch):
    for m in (torch, ember):
        a = m.ones(3, requires_grad=True)
        m.autograd.backward([a * 2], grad_tensors=[m.ones(3), m.ones(3)])
        np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0, 2.0])
