"""Autograd through in-place ops: non-leaves, views of non-leaves, version counters, leaf errors."""

import numpy as np
import pytest

import ember

DATA = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
W = [[0.5, -1.0, 2.0], [1.5, 1.0, -2.0]]


def _grad_of(m, fn):
    x = m.tensor(DATA, requires_grad=True)
    y = fn(m, x)
    (y * m.tensor(W)).sum().backward()
    return y.detach().numpy(), x.grad.numpy(), y.grad_fn.name() if y.grad_fn is not None else None


CASES = {
    "mul_": lambda m, x: (x * 1).mul_(3),
    "add_-tensor": lambda m, x: (x * 2).add_(x),
    "add_-alpha": lambda m, x: (x * 2).add_(x, alpha=-0.5),
    "sub_-div_": lambda m, x: (x * 2).sub_(1).div_(x + 1),
    "chain": lambda m, x: (x + 0).mul_(2).add_(1).pow_(2),
    "iadd-imul": lambda m, x: _aug(m, x),
    "clamp_": lambda m, x: (x * 1).clamp_(2, 5),
    "add_-exp_": lambda m, x: (x * 0.1).add_(2).exp_(),
    "masked_fill_": lambda m, x: (x * 1).masked_fill_(x > 3, 0.0),
    "zero_": lambda m, x: (x * 1).zero_() + x,
    "fill_": lambda m, x: (x * 1).fill_(2.0) * x,
    "copy_": lambda m, x: (x * 1).copy_(x.flip(0) * 3),
    "copy_-broadcast": lambda m, x: m.zeros(2, 3).copy_(x[0]),
    "view-mul_": lambda m, x: _view(m, x, lambda v: v.mul_(5)),
    "view-of-view": lambda m, x: _view_of_view(m, x),
    "view-zero_": lambda m, x: _view(m, x, lambda v: v.zero_()),
    "view-copy_": lambda m, x: _view(m, x, lambda v: v.copy_(x[1] * 2)),
    "transposed-view": lambda m, x: _tview(m, x),
    "flat-view": lambda m, x: _flat(m, x),
    "setitem-then-inplace": lambda m, x: _set_then(m, x),
    "buffer-from-constant": lambda m, x: _buffer(m, x),
}


def _aug(m, x):
    y = x * 1
    y += 2
    y *= x
    y -= 1
    y /= 2
    return y


def _view(m, x, op):
    h = x * 1
    op(h[0])
    return h


def _view_of_view(m, x):
    h = x * 1
    h[0][1:].mul_(3)
    return h


def _tview(m, x):
    h = x * 1
    h.t()[0].mul_(x[0, :2].sum())
    return h


def _flat(m, x):
    h = x * 1
    h.view(-1)[::2].zero_()
    return h


def _set_then(m, x):
    h = x * 1
    h[:, 0] = x[:, 1] ** 2
    h[1].add_(h[0])
    return h


def _buffer(m, x):
    b = m.zeros(2, 3)
    b[0] = x[1]
    b[1].add_(x[0])
    return b


@pytest.mark.parametrize("name", list(CASES))
def test_inplace_autograd_matches_torch(torch, name):
    t = _grad_of(torch, CASES[name])
    e = _grad_of(ember, CASES[name])
    np.testing.assert_allclose(e[0], t[0], rtol=1e-5)
    np.testing.assert_allclose(e[1], t[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda m: m.ones(2, requires_grad=True).add_(1),
    lambda m: m.ones(2, requires_grad=True).zero_(),
    lambda m: m.ones(2, requires_grad=True).mul_(2),
    lambda m: m.ones(2, requires_grad=True).__iadd__(1),
    lambda m: m.ones(2, requires_grad=True).normal_(),
    lambda m: m.ones(2, requires_grad=True).copy_(m.zeros(2)),
    lambda m: m.ones(2, requires_grad=True).clamp_(0, 1),
    lambda m: m.ones(2, 2, requires_grad=True)[0].mul_(2),
], ids=["add_", "zero_", "mul_", "iadd", "normal_", "copy_", "clamp_", "view"])
def test_leaf_inplace_errors_match_torch(torch, fn):
    with pytest.raises(RuntimeError) as ti:
        fn(torch)
    with pytest.raises(RuntimeError) as ei:
        fn(ember)
    assert str(ei.value) == str(ti.value)


def test_leaf_inplace_message_text():
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being used in an in-place "
                                           "operation.$"):
        ember.ones(2, requires_grad=True).add_(1)


def test_leaf_inplace_allowed_under_no_grad():
    w = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        w.mul_(3).add_(1)
        w.zero_()
        w.normal_()
        w.uniform_(-1, 1)
        w.fill_(2)
    assert w.tolist() == [2.0, 2.0] and w.is_leaf and w.requires_grad


def test_inplace_on_saved_tensor_errors(torch):
    msgs = []
    for m in (torch, ember):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        y = h.exp()
        y.mul_(2)  # exp saved its output
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        msgs.append(str(info.value).replace("torch.", "ember."))
    assert msgs[0] == msgs[1]


def test_inplace_on_view_bumps_base_version():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = h * h
    h[0].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_grad_fn_after_inplace(torch):
    for m in (torch, ember):
        x = m.ones(2, requires_grad=True)
        y = x * 1
        y.add_(1)
        assert y.grad_fn.name() == "AddBackward0"
        y.mul_(m.ones(2))
        assert y.grad_fn.name() == "MulBackward0"
        assert y._version == 2


def test_copy_slices_names_and_repr(torch):
    for m in (torch, ember):
        x = m.ones(2, requires_grad=True)
        h = x * 1
        h[0] = 5
        assert h.grad_fn.name().replace("torch", "ember") == "ember::autograd::CopySlices"
        assert repr(h) == "tensor([5., 1.], grad_fn=<CopySlices>)"
        v = x * 1
        v[0].mul_(2)
        assert v.grad_fn.name().replace("torch", "ember") == "ember::autograd::CopySlices"


def test_inplace_on_view_of_constant_buffer_records_into_base(torch):
    res = []
    for m in (torch, ember):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.zeros(2, 2)
        b[1].copy_(x * 3)
        b[0].add_(x)
        (b * m.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        res.append((b.requires_grad, x.grad.tolist()))
    assert res[0] == res[1]


@pytest.mark.parametrize("leaf", [True, False])
def test_view_made_under_no_grad_then_modified_with_grad(torch, leaf):
    msgs = []
    for m in (torch, ember):
        x = m.ones(3, requires_grad=True)
        base = x if leaf else x * 1
        with m.no_grad():
            v = base[:2]
        with pytest.raises(RuntimeError) as info:
            v.mul_(2)
        msgs.append(str(info.value))
        with m.no_grad():
            v.mul_(2)  # fine when both happen without grad
    assert msgs[0] == msgs[1]


def test_view_of_a_constant_made_under_no_grad_then_modified_with_a_grad_operand(torch):
    """The in-place op needs a graph because of its other operand: PyTorch refuses it as for a base that
    requires grad (ember let it through before)."""
    msgs = []
    for m in (torch, ember):
        t = m.zeros(2, 3)
        w = m.ones(3, requires_grad=True)
        with m.no_grad():
            v = t[0]
        with pytest.raises(RuntimeError) as info:
            v.add_(w)
        msgs.append(str(info.value))
        t[1].add_(w)  # a view made with grad enabled records the op into t
        assert t.grad_fn is not None
    assert msgs[0] == msgs[1]


def test_is_view(torch):
    res = []
    for m in (torch, ember):
        x = m.ones(2, 3)
        y = m.ones(2, 3, requires_grad=True) * 1
        res.append([x._is_view(), x.detach()._is_view(), x.data._is_view(), x[0]._is_view(), x.view(6)._is_view(),
                    y[0]._is_view(), y.unbind()[1]._is_view(), y.split(1)[0]._is_view(), y.t()._is_view()])
    assert res[1] == res[0]


# ------------------------------------------------------------------------- multi-output views (split, unbind)
SPLITS = {
    "unbind": lambda m, t: t.unbind(1),
    "split": lambda m, t: t.split(2, 2),
    "split-list": lambda m, t: m.split(t, [1, 2], 1),
    "split_with_sizes": lambda m, t: t.split_with_sizes([2, 2], 2),
    "chunk": lambda m, t: t.chunk(2, -1),
    "chunk-one": lambda m, t: t.chunk(1),
    "tensor_split": lambda m, t: t.tensor_split([1, 2], 1),
    "hsplit": lambda m, t: t.hsplit(3),
    "vsplit": lambda m, t: t.vsplit(2),
    "dsplit": lambda m, t: m.dsplit(t, 2),
    "iter": lambda m, t: tuple(iter(t)),
    "unsafe_split": lambda m, t: m.unsafe_split(t, 1),
    "unsafe_chunk": lambda m, t: m.unsafe_chunk(t, 2),
    "unsafe_split_with_sizes": lambda m, t: m.unsafe_split_with_sizes(t, [1, 1]),
}


@pytest.mark.parametrize("name", list(SPLITS))
def test_split_outputs_are_views_of_the_input(torch, name):
    res = []
    for m in (torch, ember):
        t = m.arange(24.0).reshape(2, 3, 4).clone()
        parts = SPLITS[name](m, t)
        parts[-1].add_(1)  # writes through to t (unsafe_* pieces too: they share its memory)
        res.append(([p._is_view() for p in parts], [p._base is t for p in parts], t._version,
                    [p._version for p in parts], t.tolist(), [tuple(p.shape) for p in parts]))
    assert res[1] == res[0]


@pytest.mark.parametrize("name", list(SPLITS))
def test_inplace_on_split_output_in_a_graph(torch, name):
    """split/unbind/chunk outputs refuse in-place ops while they need a graph; slices (tensor_split) and the
    unsafe_* pieces take them."""
    res = []
    for m in (torch, ember):
        a = m.arange(24.0).reshape(2, 3, 4).requires_grad_()
        b = a * 1
        parts = SPLITS[name](m, b)
        names = [p.grad_fn.name() for p in parts]
        try:
            parts[-1].mul_(2)
            err = None
        except RuntimeError as exc:
            err = str(exc)
        res.append((names, [p.output_nr for p in parts], err, b.tolist()))
    assert res[1] == res[0]


def _multi_view_cases(m):
    a = m.ones(2, 3, requires_grad=True)
    w = m.ones(3, requires_grad=True)
    t = m.zeros(2, 3)
    b = a * 1
    with m.no_grad():
        made_without_grad = b.unbind()
        constant_without_grad = t.unbind()
    return {
        "of-a-leaf": lambda: a.unbind()[0].add_(1),
        "zero_": lambda: (a * 1).unbind()[1].zero_(),
        "fill_": lambda: (a * 1).split(1)[1].fill_(2),
        "copy_": lambda: (a * 1).split(1)[0].copy_(m.zeros(1, 3)),
        "copy_-grad-src": lambda: t.split(1)[1].copy_(w),
        "setitem-select": lambda: (a * 1).chunk(2)[1].__setitem__((0, 0), 3.0),
        "setitem-slice": lambda: (a * 1).unbind()[0].__setitem__(slice(1, None), 3.0),
        "setitem-full": lambda: (a * 1).unbind()[0].__setitem__(slice(None), 3.0),
        "setitem-mask": lambda: (a * 1).unbind()[0].__setitem__(m.tensor([True, False, True]), 3.0),
        "t_": lambda: (a * 1).unbind()[0].t_(),
        "unsqueeze_": lambda: (a * 1).unbind()[1].unsqueeze_(0),
        "view-of-output": lambda: (a * 1).unbind()[0].view(3).add_(1),
        "slice-of-output": lambda: (a * 1).unbind()[0][1:].add_(1),
        "constant-base-grad-other": lambda: t.unbind()[0].add_(w),
        "made-under-no_grad": lambda: made_without_grad[0].add_(1),
        "constant-made-under-no_grad": lambda: constant_without_grad[0].add_(w),
        "detached-output": lambda: (a * 1).unbind()[0].detach().add_(1),
        "constant-base": lambda: t.unbind()[1].add_(5),
        "requires_grad_-output": lambda: _rg_output(m),
    }


def _rg_output(m):
    v = m.zeros(2, 3).unbind()[0]
    v.requires_grad_()
    return v.add_(1)


@pytest.mark.parametrize("case", list(_multi_view_cases(ember)))
def test_multi_output_view_inplace_errors_match_torch(torch, case):
    res = []
    for m in (torch, ember):
        try:
            out = _multi_view_cases(m)[case]()
            res.append(("ok", out.tolist() if isinstance(out, (torch.Tensor, ember.Tensor)) else out))
        except RuntimeError as exc:
            res.append((type(exc).__name__, str(exc)))
    assert res[1] == res[0]


def test_split_outputs_modified_under_no_grad_write_through(torch):
    res = []
    for m in (torch, ember):
        a = m.ones(2, 3, requires_grad=True)
        b = a * 1
        parts = b.unbind()
        with m.no_grad():
            parts[0].add_(1)  # allowed without grad
        res.append((b.tolist(), b._version, parts[1]._version))
    assert res[1] == res[0]


def test_gradients_through_split_outputs_unchanged(torch):
    res = []
    for m in (torch, ember):
        a = m.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
        b = a * 2
        p, q, r = b.unbind()
        x, y = b.split([1, 3], 1)
        g = m.tensor(np.random.RandomState(0).randn(4))
        ((p * q + r.sin()) * g).sum().backward(retain_graph=True)
        (x.exp().sum() + (y ** 2).sum()).backward()
        res.append(a.grad.numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-12)


def test_base_modified_after_split_is_caught_in_backward(torch):
    """The pieces share the base's version counter, so backward sees that the saved piece changed (PyTorch
    reports it when the piece's history is read; both refuse)."""
    for m in (torch, ember):
        a = m.ones(2, 3, requires_grad=True)
        b = a * 1
        u = b.unbind()
        y = (u[0] ** 2).sum()
        b.add_(1)
        with pytest.raises(RuntimeError):
            y.backward()


def _leaf(lib, *shape):
    n = 1
    for s in shape:
        n *= s
    return lib.arange(1.0, 1.0 + n).reshape(*shape).requires_grad_()


# A view taken before its base (or another view of the base) was modified in place must not send gradients to
# the base's old value: its history is rebuilt from the base's current one (PyTorch's AsStridedBackward0).
_STALE_VIEW_CASES = {
    "base modified": lambda lib, a: _use(lib, a, lambda b: b[0], lambda b, v: b.mul_(2), lambda v: v * 2),
    "sibling view modified": lambda lib, a: _use(lib, a, lambda b: b[0:2], lambda b, v: b[0].mul_(3),
                                                 lambda v: v * v),
    "nested view": lambda lib, a: _use(lib, a, lambda b: b[1:][0], lambda b, v: b.mul_(2), lambda v: v * v),
    "transposed base": lambda lib, a: _use(lib, a, lambda b: b.t(), lambda b, v: b.exp_(), lambda v: v * 1,
                                           make=lambda a: a.t() * 1),
    "expanded view": lambda lib, a: _use(lib, a, lambda b: b.expand(2, 2), lambda b, v: b.mul_(2),
                                         lambda v: v * v, make=lambda a: a[:1] * 1),
    "reshaped view": lambda lib, a: _use(lib, a, lambda b: b.view(6)[2:5], lambda b, v: b.mul_(3), lambda v: v * v),
    "stale view modified": lambda lib, a: _use(lib, a, lambda b: b[:2], lambda b, v: (b.mul_(2), v.add_(1)),
                                               lambda v: v * v),
    "used before and after": lambda lib, a: _use(lib, a, lambda b: b[:2], lambda b, v: b.mul_(3), lambda v: v * 2,
                                                 before=True),
    "base required grad later": lambda lib, a: _use(lib, a, lambda b: b[1:], lambda b, v: b.mul_(a),
                                                    lambda v: v * v, make=lambda a: lib.ones(3, 2)),
    "transposed in place": lambda lib, a: _use(lib, a, lambda b: b[:2, :2], lambda b, v: (b.mul_(2), v.t_()),
                                               lambda v: v * lib.tensor([[1.0, 2.0], [3.0, 4.0]])),
}


def _use(lib, a, view, modify, use, make=None, before=False):
    b = make(a) if make is not None else a * 1
    v = view(b)
    total = use(v).sum() if before else 0
    modify(b, v)
    (total + use(v).sum()).backward()
    return a.grad


@pytest.mark.parametrize("case", list(_STALE_VIEW_CASES))
def test_stale_view_history_is_rebuilt_as_torch(torch, case):
    fn = _STALE_VIEW_CASES[case]
    got = fn(ember, _leaf(ember, 3, 2))
    want = fn(torch, _leaf(torch, 3, 2))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_stale_view_double_backward_matches_torch(torch):
    def run(lib):
        a = _leaf(lib, 3)
        b = a * 1
        v = b[:2]
        b.mul_(a)
        g, = lib.autograd.grad((v ** 2).sum(), [a], create_graph=True)
        g.sum().backward()
        return a.grad.detach().numpy()

    np.testing.assert_allclose(run(ember), run(torch), rtol=1e-6)


@pytest.mark.parametrize("make_view", ["unbind", "split", "no_grad"])
def test_stale_view_errors_match_torch(torch, make_view):
    def run(lib):
        a = _leaf(lib, 2, 2)
        b = a * 1
        if make_view == "unbind":
            v = b.unbind(0)[1]
        elif make_view == "split":
            v = b.split(1)[1]
        else:
            with lib.no_grad():
                v = b[1]
        b.mul_(2)
        with pytest.raises(RuntimeError) as info:
            v * 1
        with pytest.raises(RuntimeError):  # on every use
            v * 1
        return str(info.value)

    assert run(ember) == run(torch)


def test_detached_alias_of_modified_base_carries_no_gradient(torch):
    def run(lib):
        a = _leaf(lib, 3)
        b = a * 1
        v = b.detach()[0:2]
        b.mul_(2)
        (v * a[:2]).sum().backward()
        return a.grad.numpy()

    np.testing.assert_allclose(run(ember), run(torch))


# ------------------------------------------------- fills of a non-leaf in a graph: zero gradients, not a dropped graph

FILLS = [
    ("zero_", lambda m, h: h.zero_()),
    ("fill_", lambda m, h: h.fill_(2.0)),
    ("fill_-tensor", lambda m, h: h.fill_(m.tensor(2.0))),
    ("copy_", lambda m, h: h.copy_(m.zeros(3))),
    ("copy_-number", lambda m, h: h.copy_(m.tensor(1.0))),
    ("normal_", lambda m, h: h.normal_()),
    ("uniform_", lambda m, h: h.uniform_()),
    ("exponential_", lambda m, h: h.exponential_()),
    ("bernoulli_", lambda m, h: h.bernoulli_()),
    ("random_", lambda m, h: h.random_()),
    ("cauchy_", lambda m, h: h.cauchy_()),
    ("log_normal_", lambda m, h: h.log_normal_()),
    ("geometric_", lambda m, h: h.geometric_(0.5)),
]


@pytest.mark.parametrize("name,fn", FILLS, ids=[n for n, _ in FILLS])
def test_fill_of_non_leaf_keeps_graph(torch, name, fn):
    names = []
    for m in (torch, ember):
        a = m.ones(3, requires_grad=True)
        h = a * 2
        r = fn(m, h)
        assert r is h and h.requires_grad
        names.append(h.grad_fn.name().split("::")[-1])  # (torch::autograd::CopyBackwards)
        (h * m.tensor([1.0, 2.0, 3.0])).sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), np.zeros(3))
    assert names[1] == names[0]


def test_fill_of_non_leaf_then_saved_tensor_error(torch):
    for m in (torch, ember):
        a = m.ones(3, requires_grad=True)
        h = a * 2
        y = h * h
        h.zero_()
        with pytest.raises(RuntimeError, match="which is output 0 of Zero,"):
            y.sum().backward()


def test_fill_of_view_of_non_leaf_zeroes_its_part(torch):
    grads = []
    for m in (torch, ember):
        a = m.ones(3, requires_grad=True)
        v = a * 2
        v[:2].zero_()
        (v * m.tensor([1.0, 2.0, 3.0])).sum().backward()
        grads.append(a.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])


def test_fill_without_grad_stays_plain():
    a = ember.ones(3, requires_grad=True)
    with ember.no_grad():
        h = a * 2
    assert not h.zero_().requires_grad
    h = a * 2
    with ember.no_grad():
        h.fill_(1.0)
    assert h.requires_grad
