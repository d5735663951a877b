"""``ember.viz.make_dot``: the autograd graph behind a tensor, as Graphviz DOT.

Example::

    >>> loss = F.cross_entropy(net(x), y)
    >>> dot = ember.viz.make_dot(loss, params=dict(net.named_parameters()))
    >>> print(dot.source)               # DOT text
    >>> dot.render("graph", format="svg")   # needs the Graphviz `dot` program
"""

import os
import shutil
import subprocess

__all__ = ["make_dot", "Digraph", "GraphvizNotFound"]


class GraphvizNotFound(RuntimeError):
    """The Graphviz ``dot`` program is needed to render a graph and was not found on ``PATH``."""


_HIDDEN_ATTRS = ("saved", "next_functions", "requires_grad", "needs_input_grad", "grad_name")


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _shape(t):
    return "(" + ", ".join(str(s) for s in t.shape) + ")"


class Digraph:
    """A DOT graph: ``.source`` is its text; :meth:`render` draws it with Graphviz when installed."""

    def __init__(self, name="autograd"):
        self.name = name
        self.node_attr = {"style": "filled", "shape": "box", "align": "left", "fontsize": "10",
                          "ranksep": "0.1", "height": "0.2", "fontname": "monospace"}
        self._nodes = []
        self._edges = []

    def node(self, name, label, **attrs):
        attrs["label"] = label
        self._nodes.append((name, attrs))

    def edge(self, tail, head, **attrs):
        self._edges.append((tail, head, attrs))

    @staticmethod
    def _attrs(attrs):
        if not attrs:
            return ""
        return " [" + " ".join(f"{k}={_quote(v)}" for k, v in attrs.items()) + "]"

    @property
    def source(self):
        """The graph in the DOT language."""
        lines = [f"digraph {self.name} {{", "\tgraph [size=\"12,12\"]", f"\tnode{self._attrs(self.node_attr)}"]
        lines += [f"\t{n}{self._attrs(a)}" for n, a in self._nodes]
        lines += [f"\t{t} -> {h}{self._attrs(a)}" for t, h, a in self._edges]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def __str__(self):
        return self.source

    def __repr__(self):
        return f"<ember.viz.Digraph with {len(self._nodes)} nodes, {len(self._edges)} edges>"

    def save(self, filename):
        """Write the DOT source to ``filename``; returns the path."""
        with open(filename, "w", encoding="utf-8") as fh:
            fh.write(self.source)
        return filename

    def pipe(self, format="svg"):  # noqa: A002 - graphviz's name
        """The graph rendered by Graphviz, as bytes (``format``: ``svg``, ``png``, ``pdf``, ...)."""
        exe = shutil.which("dot")
        if exe is None:
            raise GraphvizNotFound(
                "rendering needs the Graphviz 'dot' program (apt install graphviz / brew install graphviz); "
                "the DOT text is available as .source")
        proc = subprocess.run([exe, f"-T{format}"], input=self.source.encode(), capture_output=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"Graphviz failed: {proc.stderr.decode(errors='replace').strip()}")
        return proc.stdout

    def render(self, filename="autograd", format="svg", cleanup=False):  # noqa: A002
        """Write ``filename`` (the DOT source) and ``filename.<format>`` (the drawing); returns the drawing's path.

        Raises :class:`GraphvizNotFound` (after writing the DOT file) when Graphviz is not installed.
        """
        filename = os.fspath(filename)
        self.save(filename)
        out = f"{filename}.{format}"
        data = self.pipe(format)
        with open(out, "wb") as fh:
            fh.write(data)
        if cleanup:
            os.unlink(filename)
        return out

    def _repr_svg_(self):  # notebooks
        try:
            return self.pipe("svg").decode()
        except GraphvizNotFound:
            return None


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """The autograd graph that produced ``var`` as a :class:`Digraph` (Graphviz DOT).

    Nodes are the ``grad_fn`` operations (``AddmmBackward0`` ...); leaves are the parameters, labelled with
    their names from ``params`` and their shapes; the output tensors are shown with their shapes.

    Args:
        var: a tensor (or a tuple/list of tensors) that has a ``grad_fn``.
        params: ``dict(model.named_parameters())``, to name the leaves.
        show_attrs: also show each node's non-tensor attributes (stride, padding, ...).
        show_saved: also list the shapes of the arrays each node saved for backward.
        max_attr_chars: truncate attribute values to this length.

    Example::

        >>> dot = ember.viz.make_dot(loss, params=dict(net.named_parameters()))
        >>> dot.render("lenet", format="png")
    """
    from ember._tensor import Tensor
    names = {}
    if params is not None:
        if not isinstance(params, dict):
            raise TypeError("params must be a dict of name -> tensor, e.g. dict(model.named_parameters())")
        for k, v in params.items():
            if not isinstance(v, Tensor):
                raise TypeError(f"params[{k!r}] is a {type(v).__name__}, not a tensor")
            names[id(v)] = k
    outputs = list(var) if isinstance(var, (tuple, list)) else [var]
    for o in outputs:
        if not isinstance(o, Tensor):
            raise TypeError(f"make_dot expects tensors, got {type(o).__name__}")

    dot = Digraph()
    seen = {}

    def node_id(obj):
        return f"n{id(obj)}"

    def fmt_attr(value):
        s = repr(value)
        return s if len(s) <= max_attr_chars else s[: max_attr_chars - 3] + "..."

    def label_for(fn):
        label = fn.name() if hasattr(fn, "name") else type(fn).__name__
        if type(fn).__name__ == "AccumulateGrad":
            return label
        extra = []
        if show_attrs:
            for k, v in sorted(vars(fn).items()):
                if k.startswith("_") or k in _HIDDEN_ATTRS:
                    continue
                if isinstance(v, Tensor) or type(v).__module__.startswith("numpy"):
                    continue
                extra.append(f"{k}: {fmt_attr(v)}")
        if show_saved:
            for i, a in enumerate(getattr(fn, "saved", ()) or ()):
                if hasattr(a, "shape"):
                    extra.append(f"saved[{i}]: ({', '.join(str(s) for s in a.shape)})")
        return "\n".join([label] + extra)

    def add_fn(root):
        stack = [root]  # iterative: graphs of unrolled RNNs are deeper than Python's recursion limit
        while stack:
            fn = stack.pop()
            if id(fn) in seen:
                continue
            seen[id(fn)] = fn
            if type(fn).__name__ == "AccumulateGrad":
                leaf = fn.variable
                name = names.get(id(leaf), "")
                dot.node(node_id(fn), f"{name}\n{_shape(leaf)}" if name else _shape(leaf), fillcolor="lightblue")
            else:
                dot.node(node_id(fn), label_for(fn), fillcolor="lightgray")
            for nxt in getattr(fn, "next_functions", ()) or ():
                nf = nxt[0] if isinstance(nxt, tuple) else nxt
                if nf is None:
                    continue
                dot.edge(node_id(nf), node_id(fn))
                stack.append(nf)

    for i, o in enumerate(outputs):
        oid = f"out{i}_{id(o)}"
        name = names.get(id(o))
        label = f"{name}\n{_shape(o)}" if name else _shape(o)
        dot.node(oid, label, fillcolor="darkolivegreen1")
        fn = o.grad_fn
        if fn is None and o.requires_grad:
            fn = o._edge()[0]
        if fn is not None:
            add_fn(fn)
            dot.edge(node_id(fn), oid)
    return dot
