"""``type(t.grad_fn).__name__`` is PyTorch's node name (``MmBackward0``), as torchviz and user code read it, while
the node stays an instance of ember's op class."""

import numpy as np
import pytest

import ember
from ember._ops import Op
from ember._ops.activation import Elu
from ember._ops.elementwise import Sub
from ember._ops.linalg import MatMul

GRAPHS = {
    "mm-add-sum": lambda L, x, w: (x @ w + 1).sum(),
    "linear-relu-nll": lambda L, x, w: L.nn.functional.nll_loss(  # (ember's cross_entropy is one fused node)
        L.log_softmax(L.relu(L.nn.functional.linear(x, w.t())), 1), L.tensor([0, 1, 1])),
    "views": lambda L, x, w: x.t().contiguous().reshape(-1)[1:5].view(2, 2).flatten().unsqueeze(0).expand(3, 4).sum(),
    "split-unbind-cat": lambda L, x, w: L.cat([*x.unbind(0), *w.split(2, 1)[:1][0].unbind(1)]).sum(),
    "reductions": lambda L, x, w: x.max(0)[0].sum() + x.amax(1).mean() + x.std() + x.logsumexp(0).sum(),
    "renamed-ops": lambda L, x, w: (1 - L.nn.functional.celu(x)).abs().pow(2).sum(),
    "casts-clone": lambda L, x, w: (x.double().clone() * 2).float().exp().sum(),
    "select-index": lambda L, x, w: x[0].sum() + x[:, [0, 2]].sum() + x[x > 0].sum(),
    "pool-conv": lambda L, x, w: L.nn.functional.max_pool2d(
        L.nn.functional.conv2d(x.view(1, 1, 3, 4), w.view(4, 1, 2, 1)[:2]), 2, ceil_mode=True).sum(),
    "softmax-norm": lambda L, x, w: L.nn.functional.layer_norm(x.softmax(1), (4,)).sum(),
}


def _types(root):
    out, seen, stack = [], set(), [root]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        out.append(type(fn).__name__)
        stack.extend(n for n, _ in fn.next_functions)
    return sorted(out)


@pytest.mark.parametrize("case", sorted(GRAPHS))
def test_node_class_names_match_torch(torch, case):
    rng = np.random.default_rng(0)
    xs, ws = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    got = {}
    for L in (torch, ember):
        x = L.tensor(xs, dtype=L.float32, requires_grad=True)
        w = L.tensor(ws, dtype=L.float32, requires_grad=True)
        got[L.__name__] = _types(GRAPHS[case](L, x, w).grad_fn)
    assert got["ember"] == got["torch"]


def test_node_class_is_a_subclass_of_the_op_class():
    a = ember.randn(2, 3, requires_grad=True)
    y = a @ ember.randn(3, 2)
    fn = y.grad_fn
    assert type(fn).__name__ == fn.__class__.__name__ == fn.name() == fn.grad_name == "MmBackward0"
    assert isinstance(fn, MatMul) and isinstance(fn, Op) and issubclass(type(fn), MatMul)
    assert type(fn).__qualname__ == "MmBackward0" and repr(fn).startswith("<MmBackward0 object at ")
    # one class per (op class, name): shared by the nodes of the same op
    assert type((a @ ember.randn(3, 2)).grad_fn) is type(fn)
    # a name given per call (celu runs Elu, rsub runs Sub) makes a class of that name
    c, r = ember.nn.functional.celu(a).grad_fn, (1 - a).grad_fn
    assert (type(c).__name__, type(r).__name__) == ("CeluBackward0", "RsubBackward1")
    assert isinstance(c, Elu) and isinstance(r, Sub)
    assert type(ember.nn.functional.elu(a).grad_fn).__name__ == "EluBackward0"


def test_renaming_a_node_renames_its_class():
    a = ember.randn(3, requires_grad=True)
    fn = (a * 2).grad_fn
    fn.grad_name = "MulBackward1"
    assert type(fn).__name__ == fn.name() == "MulBackward1"
    assert type((a * 2).grad_fn).__name__ == "MulBackward0"  # other nodes of the op keep theirs
    y = a.exp()
    y.sum().backward()  # a renamed node still runs its op's backward
    np.testing.assert_allclose(a.grad.numpy(), np.exp(a.detach().numpy()), rtol=1e-6)


def test_no_grad_ops_and_untouched_op_classes():
    # Ops that record nothing are never renamed, and op classes keep their names.
    with ember.no_grad():
        y = ember.randn(2, 2, requires_grad=True) @ ember.randn(2, 2)
    assert y.grad_fn is None
    assert MatMul.__name__ == "MatMul" and MatMul.grad_name == "MmBackward0"


def test_half_and_complex_variants_are_named(torch):
    got = {}
    for L in (torch, ember):
        a = L.ones(3, dtype=L.float16, requires_grad=True)
        z = L.ones(3, dtype=L.complex64, requires_grad=True)
        got[L.__name__] = [type(a.exp().grad_fn).__name__, type((z * z).grad_fn).__name__,
                           type(z.exp().grad_fn).__name__]
    assert got["ember"] == got["torch"]
