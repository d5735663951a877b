"""The backward engine: walks the graph of ``Op`` nodes in dependency order.

The engine, not the ops, sums broadcast gradients back to each input's shape, casts them to the input's
dtype, runs tensor hooks, checks version counters and accumulates into leaves' ``.grad``.
"""

import sys
from heapq import heappop, heappush, heappushpop
from itertools import count as _count

from ember._backend import xp
from ember._functions_args import type_name as _type_name
from ember._ops import AccumulateGrad, Op
from ember._sparse import SparseGrad
from ember._tensor import Tensor, wrap
from ember.autograd.function import _FunctionNode
from ember.autograd.grad_mode import state as _grad_state

_SECOND_TIME = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


def sum_to_shape(grad, shape):
    """Sum a broadcast gradient back down to ``shape`` (raw arrays or Tensors)."""
    gshape = grad.shape
    if gshape == shape:
        return grad
    if isinstance(grad, Tensor):
        return grad.sum_to_size(shape) if len(gshape) >= len(shape) else grad.expand(shape)
    lead = len(gshape) - len(shape)
    if lead < 0:
        return xp.broadcast_to(grad, shape).copy()
    if lead:
        grad = xp.add.reduce(grad, axis=tuple(range(lead)))  # not .sum(): see ember/_ops/reduction.py _sum
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and grad.shape[i] != 1)
    if axes:
        grad = xp.add.reduce(grad, axis=axes, keepdims=True)
    if grad.shape != shape:  # a size-0 or a mismatch the op should have caught
        grad = xp.broadcast_to(grad, shape).copy()
    return grad


def _expandable(shape, target):
    """Whether ``shape`` broadcasts to ``target`` (a gradient of that shape sums back to ``shape``)."""
    lead = len(target) - len(shape)
    return lead >= 0 and all(s == 1 or s == t for s, t in zip(shape, target[lead:]))


def _cast_grad(g, dt):
    """A gradient in its input's dtype; a real input of a complex op gets the real part, as in PyTorch."""
    if isinstance(g, Tensor):
        if g.is_complex() and dt.kind != "c":
            g = g.real
        return g.to(_dtype_of(dt))
    if g.dtype.kind == "c" and dt.kind != "c":
        g = g.real
    return g.astype(dt) if g.dtype != dt else g


def _version_error(node, idx, vc, expected):
    if idx >= 0:
        t = node._inputs[idx]
        desc = f"[{t.type()} [{', '.join(map(str, t.shape))}]]"
        which = (f", which is output {t._output_nr} of {_forward_name(t.grad_fn.grad_name)},"
                 if t.grad_fn is not None else "")
    else:
        shape, dt = node._out_meta[-1 - idx]
        from ember._tensor import _TYPE_NAMES
        desc = f"[{_TYPE_NAMES[dt.name]} [{', '.join(map(str, shape))}]]"
        which = f", which is output {-1 - idx} of {_forward_name(node.grad_name)},"
    return RuntimeError(version_message(desc + which, vc[0], expected))


def _forward_name(grad_name):
    """``MulBackward0`` -> ``Mul``: PyTorch names the forward op in the version-counter error."""
    import re
    return re.sub(r"Backward\d*$", "", grad_name)


def version_message(what, version, expected):
    """PyTorch's text for a saved tensor modified in place (``what``: the tensor's description)."""
    if _grad_state.anomaly:
        hint = ("Hint: the backtrace further above shows the operation that failed to compute its gradient. "
                "The variable in question was changed in there or anywhere later. Good luck!")
    else:
        hint = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
                "with ember.autograd.set_detect_anomaly(True, check_nan=False).")
    return ("one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"{what} is at version {version}; expected version {expected} instead. {hint}")


def _run_hooks(hooks, grad, create_graph):
    for hook in list(hooks.values()):
        g_t = grad if isinstance(grad, Tensor) else wrap(grad)
        result = hook(g_t)
        if result is not None:
            if not isinstance(result, Tensor):
                raise TypeError(f"expected Variable, but hook returned '{_type_name(result)}'")
            old, new = g_t._data, result._data
            if new.dtype != old.dtype or new.shape != old.shape:
                name = getattr(hook, "__name__", "<unknown>")
                if new.dtype != old.dtype:
                    raise RuntimeError(f"hook '{name}' has changed the type of value (was {g_t.type()} got "
                                       f"{result.type()})")
                raise RuntimeError(f"hook '{name}' has changed the size of value")
            grad = result if create_graph else new
    return grad


def _run_post_accumulate_hooks(var):
    """Run ``register_post_accumulate_grad_hook`` hooks. As PyTorch: a non-tensor result fails at once, a tensor
    result only after every hook has run."""
    returned = False
    for hook in list(var._post_accumulate_grad_hooks.values()):
        result = hook(var)
        if result is not None:
            if not isinstance(result, Tensor):
                raise TypeError(f"expected Variable, but hook returned '{_type_name(result)}'")
            returned = True
    if returned:
        raise RuntimeError("Tensor post accumulate grad hooks should return None.")


def _run_node_hooks(hooks, args, expected, create_graph):
    """Run ``grad_fn.register_prehook`` / ``register_hook`` hooks: each gets tuples of tensors (None where no
    gradient) and may return a replacement for the first one. Returns it as the engine's list of grads."""
    args = [tuple(None if g is None else (g if isinstance(g, Tensor) else wrap(g)) for g in a) for a in args]
    for hook in list(hooks.values()):
        result = hook(*args)
        if result is None:
            continue
        if not isinstance(result, tuple):
            raise TypeError(f"expected tuple, but hook returned '{_type_name(result)}'")
        if len(result) != expected:
            raise RuntimeError(f"hook '{getattr(hook, '__name__', hook)}' has returned an incorrect number of values "
                               f"(got {len(result)}, but expected {expected})")
        args[0] = result
    return [None if g is None else (g if create_graph else g._data) for g in args[0]]


_getrefcount = sys.getrefcount


def _accumulate_leaf(node, grad, create_graph):
    """Add ``grad`` into the leaf's ``.grad``.

    The first gradient is adopted without a copy when nothing else can see its memory: the caller holds
    the only other reference (CPython reference counts, as PyTorch's AccumulateGrad checks use counts),
    a view's base is referenced by that view alone, and its layout matches the parameter's.
    Returns the gradient accumulated (after the hooks), or None when a pre-hook dropped it.
    """
    var = node.variable
    if type(grad) is SparseGrad:
        return _accumulate_sparse(var, grad)
    hooked = False
    if var._hooks:
        grad = _run_hooks(var._hooks, grad, create_graph)
        hooked = True
    if node._node_pre:  # AccumulateGrad.register_prehook: runs after the tensor's hooks
        grad = _run_node_hooks(node._node_pre, ((grad,),), 1, create_graph)[0]
        hooked = True
        if grad is None:
            return None
    if var._grad_cast is not None:  # a grad_dtype set to another dtype than the leaf's
        grad = _cast_grad(grad, var._grad_cast)
    if create_graph:
        g = grad if isinstance(grad, Tensor) else wrap(grad)
        # PyTorch's AccumulateGrad under grad mode: a first gradient is a recorded copy in the parameter's layout
        var._grad = _LeafGradCopy.apply(g, like=var._data) if var._grad is None else var._grad + g
        return grad
    if isinstance(grad, Tensor):
        grad = grad._data
        hooked = True
    if var._grad is None:
        data = var._data
        # 3 references: the engine's local, this parameter, getrefcount's argument (2 for a view's base).
        exclusive = (not hooked and _getrefcount(grad) <= 3
                     and (grad.base is None or _getrefcount(grad.base) <= 2))
        if not (exclusive and grad.flags.writeable and grad.flags.c_contiguous == data.flags.c_contiguous):
            copy = xp.empty_like(data)  # the parameter's layout, as PyTorch's layout contract
            copy[...] = grad
            grad = copy
        var._grad = wrap(grad)
    else:
        existing = var._grad
        if existing.is_sparse:  # sparse .grad + dense gradient: a dense .grad, as PyTorch
            var._grad = wrap(grad) + existing
        elif existing.grad_fn is None and existing._data.shape == grad.shape and existing._data.flags.writeable:
            xp.add(existing._data, grad, out=existing._data)
            existing._vc[0] += 1
        else:
            var._grad = existing + wrap(grad)
    return grad


class _LeafGradCopy(Op):
    """A leaf's first ``create_graph`` gradient copied into ``like``'s layout, staying in the graph."""

    complex_grad = True  # moves values: right for complex as is (no family: the engine's own, as _CopySlices)
    grad_name = "CopyBackwards"
    like = None

    def forward(self, x):
        out = xp.empty_like(self.like, dtype=x.dtype)  # (keeps like's stride order, as the plain path)
        out[...] = x
        return out

    def backward(self, g):
        return (g,)

    backward_graph = backward


def _accumulate_sparse(var, grad):
    """Accumulate a :class:`SparseGrad` (``sparse=True`` embeddings): PyTorch's rules. A first gradient becomes a
    sparse ``.grad`` (uncoalesced), sparse + sparse concatenates the entries, a dense ``.grad`` takes it in."""
    new = grad.to_tensor()
    for hook in list(var._hooks.values()) if var._hooks else ():  # (they see the sparse tensor, may replace it)
        result = hook(new)
        if result is not None:
            new = result
    existing = var._grad
    if existing is None:
        var._grad = new
    elif existing.is_sparse:
        var._grad = existing + new if new.is_sparse else new + existing
    else:
        data = existing._data
        if existing.grad_fn is None and data.flags.writeable and data.flags.c_contiguous:
            if new.is_sparse:
                xp.add.at(data, tuple(new._indices()._data), new._values()._data)
            else:
                data += new._data
            existing._vc[0] += 1
        else:
            var._grad = existing + (new.to_dense() if new.is_sparse else new)
    return new


def run_backward(roots, root_grads, retain_graph, create_graph, inputs=None, accumulate=True):
    """Backpropagate ``root_grads`` from the ``roots`` tensors.

    With ``accumulate`` (``.backward()``), gradients go into leaves' ``.grad`` (only those in ``inputs`` if
    given). Otherwise (``autograd.grad``) the gradients reaching ``inputs`` are returned, in order.
    """
    # Dependency counts over the reachable graph.
    deps = {}
    root_nodes = []
    for t in roots:
        node = t._edge()[0]  # (not t.grad_fn: a view whose base was modified in place gets its history rebuilt)
        root_nodes.append(node)
    stack = list(dict.fromkeys(n for n in root_nodes if n is not None))  # two outputs of one node: one entry
    seen = set(id(n) for n in stack)
    order_nodes = list(stack)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            deps[child] = deps.get(child, 0) + 1
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
                order_nodes.append(child)

    # Where gradients are captured instead of (or as well as) accumulated.
    capture = {}  # (node, output_nr) -> index into results
    leaf_filter = None
    if inputs is not None:
        for i, t in enumerate(inputs):
            if not t._requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            capture.setdefault(t._edge(), []).append(i)
        if accumulate:
            leaf_filter = {id(t._edge()[0]) for t in inputs}
    results = [None] * (len(inputs) if inputs is not None else 0)

    # With targets (autograd.grad, backward(inputs=...)), only the nodes from which a target can be reached are
    # reached at all (their hooks fire), and of those only the ones with such a node below them run their
    # backward: in autograd.grad a target's own node hands over its gradient without running; .backward(inputs=)
    # runs it (its gradients then stop at children that lead to no target). Both as PyTorch.
    needed = runs = None
    if inputs is not None:
        targets = {id(n) for (n, _) in capture}
        needed, runs = _prune(root_nodes, deps, targets)
        if accumulate:
            runs |= targets

    buffers = {}
    for node, t, g in zip(root_nodes, roots, root_grads):
        if node is None:
            continue
        nr = t._output_nr if t.grad_fn is not None else 0
        buf = buffers.get(node)
        if buf is None:
            n_out = len(getattr(node, "_out_meta", ((None, None),)))
            buf = buffers[node] = [None] * max(n_out, 1)
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    # Ready nodes run as in PyTorch's engine: leaves' AccumulateGrad first (first in, first out: ``leaves``), then
    # the most recently recorded node (highest sequence number: the ``ready`` heap; ``_tick`` keeps equal keys first
    # in, first out). ``direct``: the node made ready last, run next without the heap when it comes first (chains).
    ready = []
    leaves = []
    for n in dict.fromkeys(n for n in root_nodes if n is not None and deps.get(n, 0) == 0):
        if type(n) is AccumulateGrad:
            leaves.append(n)
        else:
            heappush(ready, (-n._seq, _tick(), n))
    anomaly = _grad_state.anomaly and _grad_state.anomaly_check_nan
    prev_enabled = _grad_state.enabled
    _grad_state.enabled = bool(create_graph)
    task = _GraphTask(seen, needed, capture if not accumulate else None, leaf_filter)
    _TASKS.append(task)
    # NumPy's floating-point checks off for the whole run (one errstate, not one per node): PyTorch's backward is
    # silent about IEEE special values (d log(x) at 0 = inf), even under a user's warnings.simplefilter("error").
    quiet = xp.errstate(all="ignore")
    quiet.__enter__()
    node = direct = None
    try:
        while True:
            if leaves:
                node = leaves.pop(0)
            elif direct is not None:
                node, direct = direct, None
                if ready and ready[0][0] <= -node._seq:  # (equal keys: the earlier ready node first)
                    node = heappushpop(ready, (-node._seq, _tick(), node))[2]
            elif ready:
                node = heappop(ready)[2]
            else:
                break
            buf = buffers.pop(node, None)
            if buf is None:
                buf = [None]
            if type(node) is AccumulateGrad:
                if capture and not accumulate:  # backward(inputs=leaves): _accumulate_leaf runs the hooks once
                    key = (node, 0)
                    if key in capture:
                        g = buf[0]
                        if node.variable._hooks:
                            g = _run_hooks(node.variable._hooks, g, create_graph)
                        if g is not None and node.variable._grad_cast is not None:  # (the leaf's grad_dtype)
                            g = _cast_grad(g, node.variable._grad_cast)
                        for i in capture[key]:
                            results[i] = g
                g = buf[0]
                buf = None  # the list must not hold a second reference (see _accumulate_leaf)
                if accumulate and (leaf_filter is None or id(node) in leaf_filter):
                    arrived = g is not None
                    if arrived:
                        g = _accumulate_leaf(node, g, create_graph)
                    if node.variable._post_accumulate_grad_hooks:  # as PyTorch, even when no gradient arrived
                        _run_post_accumulate_hooks(node.variable)
                    if arrived and node._node_post:  # AccumulateGrad.register_hook: sees the gradient accumulated
                        _run_node_hooks(node._node_post, ((), (g,)), 0, create_graph)
                g = None
                continue
            if needed is not None and id(node) not in needed:
                _release_children(node, deps, ready, leaves)
                continue
            if node._pre_hooks:
                for nr, hooks in node._pre_hooks.items():
                    if buf[nr] is not None:
                        buf[nr] = _run_hooks(hooks, buf[nr], create_graph)
            if capture:
                for nr in range(len(buf)):
                    key = (node, nr)
                    if key in capture:
                        for i in capture[key]:
                            results[i] = buf[nr]
            if runs is not None and id(node) not in runs:
                _release_children(node, deps, ready, leaves)
                continue
            if len(buf) == 1:
                if buf[0] is None:
                    _release_children(node, deps, ready, leaves)
                    continue
            elif all(g is None for g in buf):
                _release_children(node, deps, ready, leaves)
                continue
            if node._node_pre:  # grad_fn.register_prehook: sees None for outputs that got no gradient
                buf = _run_node_hooks(node._node_pre, (buf,), len(buf), create_graph)
                if all(g is None for g in buf):  # the hooks dropped every gradient: nothing flows on
                    if node._node_post:
                        _run_node_hooks(node._node_post, ((None,) * len(node.next_functions), buf),
                                        len(node.next_functions), create_graph)
                    _release_children(node, deps, ready, leaves)
                    continue
            if len(buf) > 1 and any(g is None for g in buf) and getattr(node, "_materialize", True):
                buf = [g if g is not None else _zeros(meta, create_graph) for g, meta in zip(buf, node._out_meta)]
            freed = node._freed
            if freed:
                raise RuntimeError(_SECOND_TIME)
            if node._checked_versions:
                for idx, vc, expected in node._checked_versions:
                    if vc[0] != expected:
                        raise _version_error(node, idx, vc, expected)
            if freed is None:
                # A custom Function's node (its _freed is None): the node is the user's ctx, so names like
                # ``saved`` or ``backward`` there are the user's. Its methods are called through the class and its
                # saved tensors are its own (FunctionCtx.saved_tensors checks and frees them).
                packed = None
                if create_graph:
                    grads_in = _FunctionNode.backward_graph(node, *buf)
                else:
                    grads_in = _FunctionNode.backward(node, *buf)
                if not retain_graph:
                    _FunctionNode._free_saved(node)
            else:
                packed = node.saved
                if type(packed) is not tuple:  # packed by autograd.graph.saved_tensors_hooks: unpack for this run
                    node.saved = packed.unpack()
                if create_graph:
                    grads_in = _backward_with_graph(node, buf)
                else:
                    grads_in = node.backward(*buf)
                if type(packed) is not tuple:
                    node.saved = packed  # retain_graph: a later backward unpacks again
                if not retain_graph:
                    if node.saved:
                        node._freed = True
                    node.saved = ()
            in_meta = node._in_meta
            emap = getattr(node, "_edge_map", None)
            if emap is not None:  # PyTorch's edges are not one per input here (see ember._ops._EDGE_RULES)
                grads_in = [grads_in[j] if j >= 0 else None for j in emap]
                in_meta = [in_meta[j] for j in emap]  # (-1: an absent input's edge, (None, 0): never read)
            if node._node_post:
                grads_in = _run_node_hooks(node._node_post, (grads_in, buf), len(node.next_functions), create_graph)
            if anomaly:
                _check_nan(node, grads_in)
            i = -1
            for (child, nr), g in zip(node.next_functions, grads_in):
                i += 1
                if child is None:
                    continue
                if g is not None:
                    shape, dt = in_meta[i]
                    if g.shape != shape:
                        if freed is None and not _expandable(shape, g.shape):  # (a custom Function's)
                            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} - "
                                               f"got {list(g.shape)} but expected shape compatible with "
                                               f"{list(shape)}")
                        g = sum_to_shape(g, shape)
                    if g.dtype != dt:
                        g = _cast_grad(g, dt)
                    cbuf = buffers.get(child)
                    if cbuf is None:
                        meta = getattr(child, "_out_meta", None)
                        cbuf = buffers[child] = [None] * (len(meta) if meta else 1)
                    prev = cbuf[nr]
                    cbuf[nr] = g if prev is None else prev + g
                d = deps[child] - 1
                deps[child] = d
                if d == 0:
                    if type(child) is AccumulateGrad:
                        leaves.append(child)
                    else:
                        if direct is not None:  # several made ready: the heap orders them
                            heappush(ready, (-direct._seq, _tick(), direct))
                        direct = child
            # Drop this node's references so a leaf can tell it holds a gradient alone (reference counts).
            buf = grads_in = g = cbuf = prev = packed = None
        node = None
        for callback in task.callbacks:  # queued by hooks (autograd.graph.register_multi_grad_hook)
            callback()
    except Exception:
        if _grad_state.anomaly and node is not None:  # (a try costs nothing until something raises)
            _warn_anomaly(node)
        raise
    finally:
        quiet.__exit__(None, None, None)
        _grad_state.enabled = prev_enabled
        _TASKS.pop()
    if accumulate and inputs is not None:
        # backward(inputs=[non_leaf]) accumulates into the non-leaf's .grad, as PyTorch does
        for t, g in zip(inputs, results):
            # (a tensor that retains its grad already got it from its retain hook: once is all, as PyTorch)
            if t.grad_fn is not None and g is not None and not t._retains_grad:
                if create_graph:
                    g = g if isinstance(g, Tensor) else wrap(g)
                else:
                    g = wrap((g._data if isinstance(g, Tensor) else g).copy())
                t._grad = g if t._grad is None else t._grad + g
    return results


def _prune(root_nodes, deps, targets):
    """``(needed, runs)``: ids of the nodes from which a target can be reached, and of those that have such a
    node among their children (the ones whose backward must run). One pass in reverse topological order."""
    indeg = dict(deps)
    frontier = list(dict.fromkeys(n for n in root_nodes if n is not None and indeg.get(n, 0) == 0))
    topo = []
    while frontier:
        node = frontier.pop()
        topo.append(node)
        for child, _ in node.next_functions:
            if child is not None:
                d = indeg[child] = indeg[child] - 1
                if d == 0:
                    frontier.append(child)
    needed, runs = set(), set()
    for node in reversed(topo):
        if any(c is not None and id(c) in needed for c, _ in node.next_functions):
            runs.add(id(node))
            needed.add(id(node))
        elif id(node) in targets:
            needed.add(id(node))
    return needed, runs


class _GraphTask:
    """One run of the engine: hooks find it as ``_TASKS[-1]`` and may queue ``callbacks`` run at its end."""

    __slots__ = ("callbacks", "data", "_seen", "_needed", "_capture", "_leaf_filter")

    def __init__(self, seen, needed, capture, leaf_filter):
        self.callbacks = []
        self.data = {}
        self._seen, self._needed, self._capture, self._leaf_filter = seen, needed, capture, leaf_filter

    def will_run(self, node):
        """Whether this run executes ``node`` (so hooks on its gradients may fire)."""
        if node is None or id(node) not in self._seen:
            return False
        if type(node) is AccumulateGrad:
            if self._capture is not None:  # autograd.grad: only the leaves asked for
                return (node, 0) in self._capture
            return self._leaf_filter is None or id(node) in self._leaf_filter
        return self._needed is None or id(node) in self._needed


_TASKS = []  # the engine runs in progress (a hook may start a nested backward)
_tick = _count().__next__  # the ready heap's tie-breaker: equal sequence numbers run first in, first out


def _release_children(node, deps, ready, leaves):
    for child, _ in node.next_functions:
        if child is None:
            continue
        deps[child] -= 1
        if deps[child] == 0:
            if type(child) is AccumulateGrad:
                leaves.append(child)
            else:
                heappush(ready, (-child._seq, _tick(), child))


def _zeros(meta, create_graph):
    shape, dt = meta
    if dt is None:  # a custom Function's non-tensor output: its backward gets None, as in PyTorch
        return None
    z = xp.zeros(shape, dtype=dt)
    return wrap(z) if create_graph else z


def _dtype_of(np_dtype):
    from ember._dtype import from_np
    return from_np(np_dtype)


def _check_nan(node, grads_in):
    for i, g in enumerate(grads_in):
        if g is None:
            continue
        arr = g._data if isinstance(g, Tensor) else g
        if arr.dtype.kind in "fV" and bool(xp.isnan(arr).any()):
            raise RuntimeError(f"Function '{node.grad_name}' returned nan values in its {i}th output.")


def _warn_anomaly(node):
    """Anomaly mode's warning for a node whose processing failed: the forward call that recorded it, as PyTorch
    warns before re-raising the error."""
    import warnings

    name = node.name() if hasattr(node, "name") else node.grad_name
    trace = getattr(node, "_trace", None)
    if trace:
        msg = f"Error detected in {name}. Traceback of forward call that caused the error:\n" + "".join(trace)
    else:
        msg = (f"Error detected in {name}. No forward pass information available. Enable detect anomaly during "
               "forward pass for more information.")
    warnings.warn(msg, UserWarning, stacklevel=4)


def _backward_with_graph(node, buf):
    """Run a node's backward so that the backward pass itself is recorded (``create_graph=True``).

    Ops that define ``backward_graph(*grads)`` in terms of differentiable tensor operations get true
    higher-order gradients. For the others, the gradient is computed on arrays and attached to a node that
    refuses to be differentiated again, so a missing formula is an error, never a silent zero.
    """
    method = getattr(node, "backward_graph", None)
    if method is not None:
        return method(*buf)
    tensors = [g if isinstance(g, Tensor) else wrap(g) for g in buf]
    if getattr(node, "linear", False):
        grads = _LinearBackward(node=node).run(*tensors)
        return [g if need else None for g, need in zip(grads, node.needs_input_grad)]
    grads = node.backward(*[g._data for g in tensors])
    # No formula for the backward of the backward: link a node that errors if it is ever differentiated
    # (through the incoming gradients or through the op's inputs), so the result is never a silent zero.
    inputs = [t for t in tensors + list(getattr(node, "_inputs", ()) or ()) if t._requires_grad]
    out = []
    for g in grads:
        if g is None:
            out.append(None)
        elif inputs:
            stub = _NoDoubleBackward(node.grad_name, inputs)
            out.append(wrap(g, requires_grad=True, grad_fn=stub))
        else:
            out.append(wrap(g))
    return out


_RUNTIME_ATTRS = frozenset({"requires_grad", "needs_input_grad", "saved", "next_functions", "_checked_versions",
                            "_pre_hooks", "_trace", "_freed", "_in_meta", "_out_meta", "_inputs", "_metadata"})


class _LinearBackward(Op):
    """The backward of a linear op (``linear = True``: its backward ignores the inputs' values).

    Its inputs are the op's output gradients and its outputs the op's input gradients. The backward of
    a linear map's backward is the map itself, so this node differentiates by re-running the op's
    ``forward``, and records that forward when a further derivative is needed.
    """

    differentiable_outputs = 1 << 30

    @property
    def complex_grad(self):
        return self.node.complex_grad  # the adjoint of a map that handles complex values handles them too

    def forward(self, *gs):
        grads = self.node.backward(*gs)
        return tuple([xp.zeros(shape, dtype) if g is None else g for g, (shape, dtype) in
                      zip(grads, self.node._in_meta)])

    def _fresh_op(self):
        node = self.node
        cls = type(node)
        op = object.__new__(cls.__dict__.get("_op_class", cls))  # the op itself, not its named node class
        op.__dict__.update({k: v for k, v in node.__dict__.items() if k not in _RUNTIME_ATTRS})
        return op

    def backward(self, *ggs):
        out = self._fresh_op().forward(*ggs)
        return out if type(out) is tuple else (out,)

    def backward_graph(self, *ggs):
        tensors = [g if isinstance(g, Tensor) else wrap(g) for g in ggs]
        out = self._fresh_op().run(*tensors)
        return out if type(out) is tuple else (out,)


# The start of the error a missing double backward raises; ember.func and autograd.functional fall back to
# building Jacobians row by row when they catch it.
_NO_DOUBLE = "double backward (create_graph=True) is not implemented"


class _NoDoubleBackward:
    """Stands for the backward of an op with no double-backward formula; differentiating it errors."""

    saved = ()
    _checked_versions = ()
    _pre_hooks = None
    _node_pre = _node_post = None
    _freed = False
    _seq = 0
    requires_grad = True

    def __init__(self, op_name, inputs):
        self.grad_name = op_name.replace("Backward0", "Backward1")
        self.op_name = op_name
        self.next_functions = tuple(t._edge() for t in inputs)
        self._in_meta = tuple((t._data.shape, t._data.dtype) for t in inputs)
        self.needs_input_grad = (True,) * len(inputs)

    _out_meta = ((None, None),)

    def name(self):
        return self.grad_name

    def backward(self, *grads):
        raise RuntimeError(f"{_NO_DOUBLE} for {self.op_name}")
