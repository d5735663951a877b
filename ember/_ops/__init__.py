"""The registry of differentiable ops.

Every subclass of :class:`Op` that names a ``family`` registers itself in ``REGISTRY``; the families live in
the sibling modules (``elementwise``, ``reduction``, ``shape``, ``linalg``, ...). See docs/architecture.md.
"""

import traceback

from ember._tensor import _new, wrap
from ember.autograd.grad_mode import state as _grad_state

REGISTRY = {}


def _stale_view_grad(t):
    """Whether view ``t``, whose base was modified in place since its history was recorded, requires grad now
    (its history rebuilt, or PyTorch's error for views that cannot have one)."""
    t._edge()
    return t._requires_grad


class Op:
    """One differentiable operation; an instance is also the ``grad_fn`` node of its outputs.

    Subclasses implement ``forward(*arrays) -> array | tuple`` and ``backward(*grads) -> tuple`` on raw
    arrays. ``apply(*tensors, **params)`` runs it and, when any input requires grad, links the graph.
    """

    family = None
    grad_name = "Backward0"
    is_view = False  # output aliases the first input's memory (shares its version counter)
    differentiable_outputs = 1  # how many leading outputs carry gradients (the rest are indices etc.)
    # Whether backward follows PyTorch's complex convention (the gradient is dL/d(conj z): holomorphic factors
    # conjugated). Ops without it refuse to record complex inputs or outputs rather than return wrong gradients.
    complex_grad = False
    # With complex data, run backward as conj(backward(conj(grads))): right for ops whose backward is
    # ``grad * f'(z)`` with f' written in holomorphic arithmetic on the saved values (exp, mul, div, sin...),
    # and it leaves the real formulas untouched. Implies complex_grad.
    holomorphic = False

    # Defaults, so that a node with no gradient work has no per-instance state.
    requires_grad = False
    needs_input_grad = ()
    saved = ()
    next_functions = ()
    _saved_versions = ()
    _pre_hooks = None
    _node_pre = None  # hooks registered with register_prehook / register_hook: {handle id: fn}
    _node_post = None
    _trace = None
    _freed = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "grad_name" not in cls.__dict__:
            cls.grad_name = cls.__name__ + "Backward0"
        if cls.__dict__.get("holomorphic"):
            cls.complex_grad = True
        if cls.__dict__.get("family"):
            if cls.__name__ in REGISTRY:
                raise RuntimeError(f"op {cls.__name__} registered twice")
            REGISTRY[cls.__name__] = cls

    def __init__(self, **params):
        if params:
            self.__dict__.update(params)

    # -- the op author's side -------------------------------------------------------------------
    def forward(self, *arrays):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, *grads):  # pragma: no cover - abstract
        raise NotImplementedError

    def save(self, *arrays):
        """Keep arrays for backward; they are freed after backward unless ``retain_graph``."""
        self.saved = arrays

    # -- autograd's side --------------------------------------------------------------------------
    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on tensors and record it in the graph when a gradient will be needed."""
        if params:
            op = cls(**params)
        else:
            op = _new(cls)  # skip __init__: nothing to set
        return op.run(*inputs)

    def run(self, *inputs):
        if _grad_state.enabled:
            for t in inputs:
                if t._requires_grad or (t._base is not None and t._vc[0] != t._view_vc and _stale_view_grad(t)):
                    return self._run_recorded(inputs)
        out = self.forward(*[t._data for t in inputs])
        if type(out) is tuple:
            outs = tuple([wrap(o) for o in out])
            if self.is_view:
                self._views(inputs[0], outs)
                if not _grad_state.enabled:
                    self._view_no_grad = True
            return outs
        if self.is_view:
            t = wrap(out, vc=inputs[0]._vc, base=inputs[0])
            t._view = self  # lets a later in-place op on the view update its base's graph
            if t._vc[0]:
                t._view_vc = t._vc[0]  # the version its history is valid for (see Tensor._edge)
            if not _grad_state.enabled:
                self._view_no_grad = True
            return t
        return wrap(out)

    def _run_recorded(self, inputs):
        """Run forward and link this node into the graph (some input requires grad)."""
        arrays = [t._data for t in inputs]
        needs = tuple([t._requires_grad for t in inputs])
        self.requires_grad = True
        self.needs_input_grad = needs
        out = self.forward(*arrays)
        if not self.complex_grad:
            for a in arrays:
                if a.dtype.kind == "c":  # (the cheap scan first: real graphs pay only for it)
                    _refuse_complex_inputs(self, arrays, needs)
                    break
        self.next_functions = tuple([t._edge() for t in inputs])
        self._in_meta = tuple([(a.shape, a.dtype) for a in arrays])
        self._inputs = inputs
        if _grad_state.anomaly:
            self._trace = traceback.format_stack()[:-2]
        saved = self.saved
        if saved:
            # Remember the versions of the inputs whose arrays backward will read, to catch in-place changes.
            self._saved_versions = tuple(
                [(i, t._vc, t._vc[0]) for i, (t, a) in enumerate(zip(inputs, arrays))
                 if any(a is s for s in saved)]
            )
        if type(out) is tuple:
            outs = []
            for nr, o in enumerate(out):
                if nr < self.differentiable_outputs and o.dtype.kind in "fc":
                    if o.dtype.kind == "c" and not self.complex_grad:
                        raise _complex_grad_error(self, "outputs")
                    outs.append(wrap(o, requires_grad=True, grad_fn=self, output_nr=nr))
                else:
                    outs.append(wrap(o))
            if self.is_view:
                self._views(inputs[0], outs)
            self._out_meta = tuple([(o.shape, o.dtype) for o in out[: self.differentiable_outputs]])
            self._check_saved_outputs(out, outs)
            if _grad_state.saved_hooks is not None and self.saved:
                _pack_saved(self, inputs, outs)
            return tuple(outs)
        if out.dtype.kind != "f":
            if out.dtype.kind != "c":  # integer / bool results carry no gradient
                return wrap(out)
            if not self.complex_grad:
                raise _complex_grad_error(self, "outputs")
            if self.holomorphic:
                self.__class__ = _conj_variant(type(self))
        if self.is_view:
            result = wrap(out, requires_grad=True, grad_fn=self, vc=inputs[0]._vc, base=inputs[0])
            result._view = self
            if result._vc[0]:
                result._view_vc = result._vc[0]
        else:
            result = wrap(out, requires_grad=True, grad_fn=self)
        self._out_meta = ((out.shape, out.dtype),)
        if saved:
            self._check_saved_outputs((out,), (result,))
            if _grad_state.saved_hooks is not None:
                _pack_saved(self, inputs, (result,))
        return result

    def _views(self, base, outs):
        # Several views of one call (split/unbind): they share the base's version counter, and each remembers
        # the op, which marks them for the in-place check.
        vc = base._vc
        for t in outs:
            t._vc = vc
            t._base = base
            t._view = self
            if vc[0]:
                t._view_vc = vc[0]

    def _check_saved_outputs(self, out_arrays, out_tensors):
        saved = self.saved
        extra = tuple(
            [(-1 - nr, t._vc, t._vc[0]) for nr, (a, t) in enumerate(zip(out_arrays, out_tensors))
             if any(a is s for s in saved)]
        )
        if extra:
            self._saved_versions = self._saved_versions + extra

    # -- node interface (as torch.autograd.graph.Node) ---------------------------------------------
    def name(self):
        if self.grad_name in ("CopySlices", "NotImplemented"):  # C++ nodes in PyTorch, named with their namespace
            return "ember::autograd::" + self.grad_name
        return self.grad_name

    def __repr__(self):
        return f"<{self.grad_name} object at {hex(id(self))}>"

    def register_hook(self, fn):
        """Call ``fn(grad_inputs, grad_outputs)`` after this node's backward; it may return replacement
        ``grad_inputs`` (a tuple, one entry per ``next_functions`` edge). Returns a removable handle."""
        return _node_hook(self, "_node_post", fn)

    def register_prehook(self, fn):
        """Call ``fn(grad_outputs)`` before this node's backward (after tensor hooks and ``retain_grad``); it
        may return replacement ``grad_outputs`` (a tuple). Returns a removable handle."""
        return _node_hook(self, "_node_pre", fn)

    def _add_pre_hook(self, output_nr, fn):
        """Register tensor hook ``fn`` on output ``output_nr``; returns its removable handle. Each call adds an
        entry (the same function twice runs twice), keyed by the handle so ``remove()`` drops just that one."""
        from ember.nn.modules.module import RemovableHandle, _HookDict  # nn builds on the ops: import at call time

        if self._pre_hooks is None:
            self._pre_hooks = {}
        hooks = self._pre_hooks.get(output_nr)
        if hooks is None:
            hooks = self._pre_hooks[output_nr] = _HookDict()
        last = next(reversed(hooks), None)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = fn
        if last is not None and getattr(hooks[last], "_ember_retain", False):
            hooks.move_to_end(last)  # retain_grad sees the gradient after the other hooks
        return handle

    @property
    def metadata(self):
        if "_metadata" not in self.__dict__:
            self._metadata = {}
        return self._metadata


_CONJ_VARIANTS = {}


def _conj_variant(cls):
    """The subclass of holomorphic op ``cls`` whose backward conjugates the incoming and outgoing gradients
    (a node with complex data becomes one when recorded; real nodes never pay for it)."""
    sub = _CONJ_VARIANTS.get(cls)
    if sub is None:
        def backward(self, *grads):
            res = cls.backward(self, *[None if g is None else g.conj() for g in grads])
            return tuple([None if r is None else r.conj() for r in res])

        def backward_graph(self, *grads):
            res = cls.backward_graph(self, *[None if g is None else g.conj() for g in grads])
            return tuple([None if r is None else r.conj() for r in res])

        body = {"backward": backward, "grad_name": cls.grad_name, "holomorphic": False, "__module__": cls.__module__}
        if getattr(cls, "backward_graph", None) is not None:
            body["backward_graph"] = backward_graph
        sub = _CONJ_VARIANTS[cls] = type(cls.__name__, (cls,), body)
    return sub


def _refuse_complex_inputs(op, arrays, needs):
    for a, n in zip(arrays, needs):
        if n and a.dtype.kind == "c":
            raise _complex_grad_error(op, "inputs")


def _complex_grad_error(op, what):
    name = op.grad_name[:-9] if op.grad_name.endswith("Backward0") else op.grad_name
    return RuntimeError(f"{name} does not support automatic differentiation for {what} with complex dtype "
                        "in ember yet.")


def _pack_saved(node, inputs, outputs):
    # autograd.graph.saved_tensors_hooks is active: hand what backward will read to its pack hook now and
    # keep only the packed values (the engine unpacks them before running backward).
    from ember.autograd.graph import _pack_arrays

    node.saved = _pack_arrays(node.saved, inputs, outputs)


def _node_hook(node, attr, fn):
    from ember.nn.modules.module import RemovableHandle, _HookDict  # nn builds on the ops: import at call time

    hooks = getattr(node, attr)  # None (the class default) until the first hook
    if hooks is None:
        hooks = _HookDict()
        setattr(node, attr, hooks)
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


class AccumulateGrad:
    """The graph node of a leaf tensor: adds incoming gradients into ``variable.grad``."""

    __slots__ = ("variable", "_node_pre", "_node_post", "_metadata", "__weakref__")
    grad_name = "AccumulateGrad"
    next_functions = ()
    saved = ()
    _saved_versions = ()
    _pre_hooks = None
    _freed = False

    def __init__(self, variable):
        self.variable = variable
        self._node_pre = self._node_post = self._metadata = None

    def name(self):
        return "ember::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

    def register_hook(self, fn):
        """Call ``fn((), (grad,))`` after the gradient is accumulated into ``variable.grad`` (it must return
        None). Returns a removable handle."""
        return _node_hook(self, "_node_post", fn)

    def register_prehook(self, fn):
        """Call ``fn((grad,))`` before the gradient is accumulated (after the tensor's hooks); it may return a
        replacement ``(grad,)``. Returns a removable handle."""
        return _node_hook(self, "_node_pre", fn)

    @property
    def metadata(self):
        if self._metadata is None:
            self._metadata = {}
        return self._metadata


__all__ = ["Op", "AccumulateGrad", "REGISTRY"]
