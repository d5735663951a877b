"""grad_fn.next_functions as PyTorch lays them out (no edge for index/mask arguments and Python scalars, (None, 0)
for absent optional weights), and Node.register_hook's grad_inputs following them, compared with torch."""

import pytest

import ember


def _cases(m):
    F = m.nn.functional
    x = m.tensor([[0.5, -1.0, 2.0, 0.1], [1.5, 0.3, -0.7, 0.2], [-0.4, 0.9, 1.1, -2.0]], requires_grad=True)
    e = m.tensor([[0.2, 0.4, -0.6, 1.0], [0.3, -0.1, 0.5, 0.7], [1.2, -0.8, 0.6, -0.3]], requires_grad=True)
    w = m.tensor([1.5, 0.5, -1.0, 2.0], requires_grad=True)
    cw = m.tensor([[[[0.3, -0.2], [0.5, 1.0]]], [[[-0.7, 0.4], [0.1, 0.9]]]], requires_grad=True)
    lw = m.tensor([[0.1, 0.2, 0.3, 0.4], [-0.5, 0.6, -0.7, 0.8]], requires_grad=True)
    i = m.tensor([[0, 1], [2, 3], [1, 1]])
    tgt = m.tensor([0, 3, 2])
    leaves = [x, e, w, cw, lw]
    return leaves, {
        "gather": lambda: x.gather(1, i) * 2,
        "scatter": lambda: x.scatter(1, i, e[:, :2]),
        "scatter_add": lambda: x.scatter_add(1, i, e[:, :2]),
        "scatter_value": lambda: x.scatter(1, i, 2.0),
        "index_select": lambda: x.index_select(0, m.tensor([0, 2])),
        "embedding": lambda: F.embedding(m.tensor([0, 2, 2]), x) * e,
        "nll_loss": lambda: F.nll_loss(x, tgt) * 3,
        "cross_entropy": lambda: F.cross_entropy(x, tgt) * 3,
        "masked_fill": lambda: x.masked_fill(x > 0, 0.0) * e,
        "where": lambda: m.where(x > 0, x, e),
        "lerp_tensor_weight": lambda: m.lerp(x, e, m.full((3, 4), 0.3)) * e,
        "lerp_scalar_weight": lambda: m.lerp(x, e, 0.3) * e,
        "rsub": lambda: m.rsub(x, 2) * e,
        "rsub_op": lambda: (2 - x) * e,
        "rpow": lambda: 2 ** x,
        "layer_norm": lambda: F.layer_norm(x, (4,)) * e,
        "layer_norm_weight": lambda: F.layer_norm(x, (4,), w) * e,
        "batch_norm": lambda: F.batch_norm(x, m.zeros(4), m.ones(4), training=True) * e,
        "batch_norm_affine": lambda: F.batch_norm(x, None, None, w, w * 0.5, training=True) * e,
        "group_norm": lambda: F.group_norm(x.reshape(3, 4, 1), 2).reshape(3, 4) * e,
        "conv2d": lambda: F.conv2d(x.reshape(1, 1, 3, 4), cw) ** 2,
        "linear": lambda: F.linear(x, lw) ** 2,
    }


def _edges(node):
    return [None if n is None else (n.name().split("::")[-1], nr) for n, nr in node.next_functions]


def _structure(m):
    _, cases = _cases(m)
    out = {}
    for name, make in cases.items():
        y = make()
        node = y.grad_fn
        while node.name() in ("MulBackward0", "PowBackward0", "ViewBackward0", "ReshapeAliasBackward0"):
            node = node.next_functions[0][0]  # down to the op under test
        out[name] = (node.name(), _edges(node))
    return out


def test_next_functions_like_torch(torch):
    got, want = _structure(ember), _structure(torch)
    if want["cross_entropy"][1] == [("LogSoftmaxBackward0", 0)]:  # ember fuses log_softmax into the loss node
        want["cross_entropy"] = (want["cross_entropy"][0], [("AccumulateGrad", 0)])
    assert got == want


def _hooked(m):
    """Node hooks that see grad_inputs (their length and which are None) and scale them; the leaves' grads."""
    leaves, cases = _cases(m)
    out = {}
    for name, make in cases.items():
        for t in leaves:
            t.grad = None
        y = make()
        node = y.grad_fn
        while node.name() in ("MulBackward0", "PowBackward0", "ViewBackward0"):
            node = node.next_functions[0][0]
        seen = []

        def hook(gi, go, seen=seen):
            seen.append([g is not None for g in gi])
            return tuple(None if g is None else g * 10 for g in gi)

        node.register_hook(hook)
        y.sum().backward()
        out[name] = (seen, [None if t.grad is None else t.grad.numpy().ravel().tolist() for t in leaves])
    return out


def test_node_hook_grad_inputs_like_torch(torch):
    got, want = _hooked(ember), _hooked(torch)
    assert got.keys() == want.keys()
    for name in want:
        assert got[name][0] == want[name][0], name
        for g, t in zip(got[name][1], want[name][1]):
            assert (g is None) == (t is None), name
            if g is not None:
                assert g == pytest.approx(t, rel=1e-4, abs=1e-3), name


def test_sweep_example_gather_hook(torch):
    # A hook written for PyTorch: one grad_input for gather (no edge for the index).
    def run(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x.gather(1, m.tensor([[1], [0]]))
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 10,))
        y.sum().backward()
        return x.grad.tolist()

    assert run(ember) == run(torch) == [[0.0, 10.0], [10.0, 0.0]]


def test_create_graph_through_remapped_edges(torch):
    def run(m):
        x = m.tensor([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]], requires_grad=True)
        w = m.tensor([1.5, 0.5, -1.0], requires_grad=True)
        (g,) = m.autograd.grad(m.nn.functional.layer_norm(x, (3,), w).pow(2).sum(), x, create_graph=True)
        g.pow(2).sum().backward()
        return x.grad.numpy(), w.grad.numpy()

    for a, b in zip(run(ember), run(torch)):
        assert a == pytest.approx(b, rel=1e-4, abs=1e-5)
