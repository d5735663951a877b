"""ember.viz.make_dot: Graphviz DOT of the autograd graph."""

import re
import shutil

import pytest

import ember
from ember import viz


def _node_labels(source):
    return re.findall(r'label="([^"]*)"', source)


def test_graph_names_parameters_and_shapes():
    w = ember.randn(3, 4, requires_grad=True)
    b = ember.zeros(3, requires_grad=True)
    x = ember.randn(2, 4)
    loss = (x.matmul(w.t()) + b).tanh().sum()
    dot = viz.make_dot(loss, params={"fc.weight": w, "fc.bias": b})
    src = dot.source
    assert src.startswith("digraph") and src.rstrip().endswith("}")
    labels = _node_labels(src)
    assert "fc.weight\\n(3, 4)" in labels and "fc.bias\\n(3)" in labels
    assert "()" in labels  # the output, a scalar
    for name in ("SumBackward0", "TanhBackward0", "AddBackward0", "TBackward0"):
        assert name in labels
    # every edge joins declared nodes, and the graph is connected to the output
    nodes = set(re.findall(r"^\t(\w+) \[", src, flags=re.M)) - {"graph", "node"}
    edges = re.findall(r"^\t(\w+) -> (\w+)", src, flags=re.M)
    assert edges and all(a in nodes and b2 in nodes for a, b2 in edges)
    assert len(nodes) == len(edges) + 1  # a tree here: each node but the output feeds one other
    assert str(dot) == src


def test_same_nodes_as_pytorch(torch):
    import numpy as np
    wn = np.random.rand(5).astype("float32")
    e_w = ember.tensor(wn, requires_grad=True)
    t_w = torch.tensor(wn, requires_grad=True)
    e_out = (e_w * 2).exp().sum()
    t_out = (t_w * 2).exp().sum()

    def torch_names(fn, acc):
        if fn is None:
            return
        acc.append(type(fn).__name__)
        for nxt, _ in fn.next_functions:
            torch_names(nxt, acc)
        return acc

    expected = sorted(torch_names(t_out.grad_fn, []))
    labels = _node_labels(viz.make_dot(e_out, params={"w": e_w}).source)
    ops = sorted(lbl for lbl in labels if lbl.endswith("Backward0")) + ["AccumulateGrad"]
    assert sorted(ops) == expected


def test_shared_parameter_appears_once_and_attrs():
    w = ember.randn(3, requires_grad=True)
    y = (w * w + w).sum()
    src = viz.make_dot(y, params={"w": w}, show_attrs=True, show_saved=True).source
    assert _node_labels(src).count("w\\n(3)") == 1
    assert src.count("-> ") == len(re.findall(r"^\t\w+ -> \w+", src, flags=re.M))
    assert "saved[" in src


def test_quotes_are_escaped_and_deep_graphs():
    w = ember.ones(2, requires_grad=True)
    y = w
    for _ in range(3000):  # deeper than Python's recursion limit
        y = y * 1.0
    src = viz.make_dot(y.sum(), params={'odd"name\\': w}).source
    assert 'odd\\"name\\\\' in src
    assert src.count("MulBackward0") == 3000


def test_bad_arguments():
    w = ember.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="tensor"):
        viz.make_dot([1, 2])
    with pytest.raises(TypeError, match="named_parameters"):
        viz.make_dot(w.sum(), params=[w])


def test_render_without_graphviz(tmp_path, monkeypatch):
    w = ember.ones(2, requires_grad=True)
    dot = viz.make_dot((w * 2).sum())
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(viz.GraphvizNotFound, match="graphviz"):
        dot.render(str(tmp_path / "g"), format="svg")
    assert (tmp_path / "g").read_text() == dot.source  # the DOT text is still written
    assert dot._repr_svg_() is None


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_render_with_graphviz(tmp_path):
    w = ember.ones(2, requires_grad=True)
    out = viz.make_dot((w * 2).sum(), params={"w": w}).render(str(tmp_path / "g"), format="svg")
    assert out.endswith(".svg") and "<svg" in open(out).read()


def test_lenet_graph_matches_pytorch(torch):
    import collections

    from ember.vision.models import LeNet5
    net = LeNet5()
    out = net(ember.randn(2, 1, 32, 32)).sum()
    src = viz.make_dot(out, params=dict(net.named_parameters())).source
    labels = _node_labels(src)
    for name, p in net.named_parameters():
        assert f"{name}\\n({', '.join(str(s) for s in p.shape)})" in labels
    ours = collections.Counter(lbl for lbl in labels if lbl.endswith("Backward0"))
    ours["AccumulateGrad"] = len(list(net.parameters()))

    tnn, tF = torch.nn, torch.nn.functional
    convs = [tnn.Conv2d(1, 6, 5), tnn.Conv2d(6, 16, 5)]
    fcs = [tnn.Linear(400, 120), tnn.Linear(120, 84), tnn.Linear(84, 10)]
    h = torch.randn(2, 1, 32, 32)
    for c in convs:
        h = tF.max_pool2d(tF.relu(c(h)), 2)
    h = h.flatten(1)
    h = fcs[2](tF.relu(fcs[1](tF.relu(fcs[0](h))))).sum()
    theirs, seen, stack = collections.Counter(), set(), [h.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        theirs[type(fn).__name__] += 1
        stack.extend(n for n, _ in fn.next_functions)
    assert ours == theirs
