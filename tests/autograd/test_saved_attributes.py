"""``grad_fn._saved_*``: the values PyTorch's nodes expose under its derivative formulas' names (torchviz's
``make_dot(show_saved=True)`` lists them through ``dir``), compared with PyTorch's: the same names, tensors by
value, ints/tuples/bools by value and type; and PyTorch's error for a saved tensor read after backward freed it."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _inputs(lib):
    def t(seed, shape):
        return lib.tensor(np.random.RandomState(seed).randn(*shape).astype("float32"), requires_grad=True)

    return {"x": t(0, (2, 3)), "w": t(1, (3, 4)), "xi": t(2, (1, 2, 5, 5)), "wi": t(3, (3, 2, 3, 3)),
            "t": lib.tensor([0, 2]), "lib": lib, "F": lib.nn.functional}


CASES = [
    "x * x", "x * 2.0", "x.detach() * x", "x / (x + 3)", "x / 2.0",
    "x ** 2.0", "x ** 2", "x ** (x.detach() + 2)", "2.0 ** x", "1 - x",
    "x.exp()", "x.tanh()", "x.sigmoid()", "x.relu()", "x.abs().log()", "x.abs().sqrt()", "x.sin()", "x.cos()",
    "x.abs()", "x.abs().log1p()", "x.abs().rsqrt()", "x + x", "lib.add(x, x, alpha=2)", "lib.sub(x, x, alpha=2.5)",
    "x - 1",
    "x.mm(w)", "x @ w", "x.t().mm(x)", "F.linear(x, w.t(), w[0])",
    "x.sum(1, keepdim=True)", "x.sum((0, 1))", "x.sum()", "x.mean(1)", "x.mean()",
    "x.softmax(1)", "x.log_softmax(1)", "lib.cat([x, x], 1)",
    "x.view(6)", "x.reshape(3, 2)", "x.t().reshape(6)", "x.transpose(0, 1)", "x.t()",
    "F.conv2d(xi, wi, None, stride=2, padding=1)", "F.conv2d(xi, wi, wi[:, 0, 0, 0], dilation=2)",
    "F.conv2d(xi, wi[:2, :1], None, groups=2, padding=(1, 0))",
    "F.batch_norm(xi, lib.zeros(2), lib.ones(2), x[0, :2], None, training=True)",
    "F.batch_norm(xi, lib.zeros(2), lib.ones(2), None, None, training=True, eps=0.1)",
    "F.batch_norm(xi, lib.zeros(2) + 0.5, lib.ones(2) * 2, x[0, :2], x[1, :2])",
    "F.max_pool2d(xi, 3, stride=2, padding=1)", "F.max_pool2d(xi, 2, 1, dilation=2, ceil_mode=True)",
    "F.cross_entropy(x, t)", "F.nll_loss(x.log_softmax(1), t, ignore_index=2, reduction='sum')",
    "F.nll_loss(x, t, weight=lib.tensor([1.0, 2.0, 3.0]))", "F.nll_loss(x, t, reduction='none')",
]


def _saved_names(node):
    return sorted(a for a in dir(node) if a.startswith("_saved_"))


@pytest.mark.parametrize("expr", CASES)
def test_saved_attributes_match_torch(expr):
    yt = eval(expr, {}, _inputs(torch))
    ye = eval(expr, {}, _inputs(ember))
    gt, ge = yt.grad_fn, ye.grad_fn
    assert type(ge).__name__ == type(gt).__name__
    names = _saved_names(gt)
    assert _saved_names(ge) == names
    for name in names:
        vt, ve = getattr(gt, name), getattr(ge, name)
        if isinstance(vt, torch.Tensor):
            assert isinstance(ve, ember.Tensor), name
            assert tuple(ve.shape) == tuple(vt.shape), name
            np.testing.assert_allclose(ve.detach().numpy(), vt.detach().numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=name)
        else:
            assert type(ve) is type(vt) and ve == vt, (name, vt, ve)


def test_saved_inputs_are_the_tensors_and_result_links_the_node():
    for lib in (torch, ember):
        x = lib.randn(2, 3, requires_grad=True)
        y = x * x
        assert y.grad_fn._saved_self is x and y.grad_fn._saved_other is x
        r = x.exp().grad_fn
        assert r._saved_result.requires_grad and r._saved_result.grad_fn is r


@pytest.mark.parametrize("lib", [torch, ember], ids=["torch", "ember"])
def test_saved_tensor_freed_after_backward(lib):
    x = lib.randn(2, 3, requires_grad=True)
    y = x.softmax(1)
    s = x.sum(1, keepdim=True)
    (y.sum() + s.sum()).backward()
    with pytest.raises(RuntimeError, match=r"Trying to backward through the graph a second time \(or directly "
                                           r"access saved tensors after they have already been freed\)"):
        y.grad_fn._saved_result
    assert y.grad_fn._saved_dim == 1  # plain values stay readable
    assert s.grad_fn._saved_dim == (1,) and s.grad_fn._saved_self_sym_sizes == (2, 3)
    z = x.exp()
    z.sum().backward(retain_graph=True)
    np.testing.assert_allclose(z.grad_fn._saved_result.detach().numpy(), z.detach().numpy())


@pytest.mark.parametrize("lib", [torch, ember], ids=["torch", "ember"])
def test_missing_saved_name_is_attribute_error(lib):
    y = lib.randn(2, 3, requires_grad=True).t()  # TBackward0 keeps nothing
    assert _saved_names(y.grad_fn) == []
    with pytest.raises(AttributeError):
        y.grad_fn._saved_dim0
    assert not hasattr(y.grad_fn, "_saved_self")
    leaf = (y * 2).grad_fn.next_functions[0][0].next_functions[0][0]  # AccumulateGrad
    assert type(leaf).__name__ == "AccumulateGrad" and _saved_names(leaf) == []


def test_saved_with_saved_tensors_hooks():
    x = ember.randn(2, 3, requires_grad=True)
    with ember.autograd.graph.saved_tensors_hooks(lambda a: a * 1, lambda a: a):
        y = x.tanh()
    np.testing.assert_allclose(y.grad_fn._saved_result.detach().numpy(), y.detach().numpy())
