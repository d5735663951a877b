"""The registry of differentiable ops.

Every subclass of :class:`Op` that names a ``family`` registers itself in ``REGISTRY``; the families live in
the sibling modules (``elementwise``, ``reduction``, ``shape``, ``linalg``, ...). See docs/architecture.md.
"""

import itertools

from ember import _dtype
from ember._backend import xp
from ember._tensor import Tensor, _new, wrap
from ember.autograd.grad_mode import NO_VERSION as _NO_VERSION
from ember.autograd.grad_mode import InferenceCounter as _InferenceCounter
from ember.autograd.grad_mode import forward_trace as _forward_trace
from ember.autograd.grad_mode import RECORDS_INFERENCE as _RECORDS_INFERENCE
from ember.autograd.grad_mode import check_saved_inference as _check_saved_inference
from ember.autograd.grad_mode import state as _grad_state

REGISTRY = {}


def _copied(out, a):
    """Whether view op result ``out`` is a copy of its input ``a`` after all (NumPy's reshape of a non-contiguous
    array) rather than a view of its memory. Cheap for views: NumPy points them at their memory's owner."""
    b = out.base
    if b is a or out is a or (b is not None and b is a.base):
        return False
    return not xp.may_share_memory(out, a)


next_sequence_nr = itertools.count(1).__next__  # recorded nodes' order (as PyTorch's sequence_nr)


def _view_counter(vc):
    """The version counter a view shares: its base's, except that a view of an inference tensor that counts versions
    (``detach()``/``.data`` taken outside inference mode) is a plain inference tensor again, as in PyTorch."""
    return _NO_VERSION if type(vc) is _InferenceCounter else vc


def _stale_view_grad(t):
    """Whether view ``t``, whose base was modified in place since its history was recorded, requires grad now
    (its history rebuilt, or PyTorch's error for views that cannot have one)."""
    t._edge()
    return t._requires_grad


# PyTorch is silent about IEEE special values (log(0) = -inf, 0/0 = nan, exp(1000) = inf); NumPy warns. ember's
# module-scoped warning filter (ember/__init__.py) hides those warnings at no cost, but a user's own filter that
# turns them into errors (warnings.simplefilter("error"), pytest's filterwarnings = error) or np.seterr(all="raise")
# comes first and makes the ufunc raise. An errstate around every forward would cost about as much as a small op
# itself (0.8-2 us against ~2 us), so forward runs as it is and only a raised floating-point warning re-runs it
# with the checks off (a try costs nothing in CPython 3.11+). The backward engine turns them off once per run.
_FP_ERRORS = (RuntimeWarning, FloatingPointError)


def _forward_quietly(op, arrays):
    """``op.forward(*arrays)`` with NumPy's floating-point warnings and errors off: IEEE results, as PyTorch."""
    with xp.errstate(all="ignore"):
        return op.forward(*arrays)


def _run_unrecorded(op, inputs):
    """``op`` run as under no_grad (its inputs are inference tensors outside inference mode)."""
    prev, _grad_state.enabled = _grad_state.enabled, False
    try:
        return op.run(*inputs)
    finally:
        _grad_state.enabled = prev


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

    # Whether the op runs on float16/bfloat16 arrays as they are (it moves data, or casts) rather than under the
    # half-precision policy (inputs upcast to float32, results rounded back: see _half_plan). View ops always do.
    half_native = False
    # Its class in PyTorch's CPU autocast lists ("lower": inputs cast to the autocast dtype; "fp32": half inputs
    # cast to float32; "fp32_3d", "fp32_pad": so for 5-D inputs, for reflect/replicate padding). See _AUTOCAST.
    autocast = None

    # Defaults, so that a node with no gradient work has no per-instance state.
    requires_grad = False
    needs_input_grad = ()
    saved = ()
    next_functions = ()
    _checked_versions = ()  # (input index or -1 - output nr, counter, version): not "_saved_*" (torchviz lists those)
    _pre_hooks = None
    _node_pre = None  # hooks registered with register_prehook / register_hook: {handle id: fn}
    _node_post = None
    _trace = None
    _freed = False
    _seq = 0  # the order it was recorded in (set when recorded): the engine runs the latest ready node first
    _is_node = False  # True on node classes (see _node_class) and their variants
    _node_cls = None
    _edge_rule = None  # (kept inputs, width) where PyTorch's edges are not one per input: see _EDGE_RULES
    _edge_map = None  # then, per next_functions entry: the input whose gradient it takes (-1: an absent one)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_op_class" in cls.__dict__:  # a node class (see _node_class): no registration, nothing to derive
            return
        cls._node_cls = None  # its node class for the class-level grad_name, made on first use
        if "grad_name" not in cls.__dict__:
            cls.grad_name = cls.__name__ + "Backward0"
        if cls.__dict__.get("holomorphic"):
            cls.complex_grad = True
        if cls.__name__ in _HALF_NATIVE:
            cls.half_native = True
        if cls.__name__ in _AUTOCAST:
            cls.autocast = _AUTOCAST[cls.__name__]
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
        # Made as its node class (named after its grad_fn: see _node_class) from the start, so that a recorded
        # op need not change class; one that was not recorded is never seen.
        node_cls = cls._node_cls or _default_node_class(cls)
        if params:
            if "grad_name" in params:  # a name of its own: the node class of that name
                node_cls = _node_class(cls, params["grad_name"])
            op = node_cls(**params)
        else:
            op = _new(node_cls)  # skip __init__: nothing to set
        return op.run(*inputs)

    def run(self, *inputs):
        if _grad_state.enabled:
            for t in inputs:
                if t._requires_grad or (t._parent is not None and t._vc[0] != t._view_vc and _stale_view_grad(t)):
                    return self._run_recorded(inputs)
        if _hooks:  # (False until a float16/bfloat16 tensor is first made or a CPU autocast region opens)
            if _meta is not None and (res := _meta(self, inputs, False)) is not None:
                return res  # a meta input (ember/_meta.py)
            if _autocast is not None and self.autocast is not None:
                inputs = _autocast_inputs(self, inputs)
            # (skipped when only the meta runner turned _hooks on)
            plan = _half_plan(self, [t._data for t in inputs]) if _half_active or _autocast is not None else None
            if plan is not None:
                try:
                    out = self.forward(*plan[0])
                except _FP_ERRORS:
                    out = _forward_quietly(self, plan[0])
                out = _round_half(out, plan[1])
                return tuple([wrap(o) for o in out]) if type(out) is tuple else wrap(out)
        arrays = [t._data for t in inputs]
        try:  # (free in CPython 3.11+ until something raises)
            out = self.forward(*arrays)
        except _FP_ERRORS:
            out = _forward_quietly(self, arrays)
        if type(out) is tuple:
            outs = tuple([wrap(o) for o in out])
            if self.is_view:
                self._views(inputs[0], outs)
                if not _grad_state.enabled:
                    self._view_no_grad = True
            return outs
        if self.is_view:
            if _copied(out, arrays[0]):  # (reshape of a non-contiguous tensor): no view
                return wrap(out)
            t = wrap(out, vc=_view_counter(inputs[0]._vc), base=inputs[0])
            t._view = self  # lets a later in-place op on the view update its base's graph
            if t._vc[0]:
                t._view_vc = t._vc[0]  # the version its history is valid for (see Tensor._edge)
            if not _grad_state.enabled:
                self._view_no_grad = True
            return t
        return wrap(out)

    def _run_recorded(self, inputs):
        """Run forward and link this node into the graph (some input requires grad)."""
        for t in inputs:
            if type(t._vc) is list:  # (a normal tensor: the usual case stops here)
                break
        else:  # only inference tensors: they have no autograd in PyTorch, which records nothing for them
            if op_class_name(self) not in _RECORDS_INFERENCE:
                return _run_unrecorded(self, inputs)
        plan = None
        if _hooks:  # (the one check of float32 graphs: as in run)
            if _meta is not None and (res := _meta(self, inputs, True)) is not None:
                return res
            if _autocast is not None and self.autocast is not None:
                inputs = _autocast_inputs(self, inputs)
            if _half_active or _autocast is not None:  # (not when only the meta runner turned _hooks on)
                plan = _half_plan(self, [t._data for t in inputs])
        arrays = [t._data for t in inputs]
        needs = tuple([t._requires_grad for t in inputs])
        self.requires_grad = True
        self.needs_input_grad = needs
        self._in_meta = tuple([(a.shape, a.dtype) for a in arrays])
        if plan is not None:
            arrays = plan[0]
            try:
                raw = self.forward(*arrays)
            except _FP_ERRORS:
                raw = _forward_quietly(self, arrays)
            out = _round_half(raw, plan[1])
            self.__class__ = _half_variant(type(self))
            if self.saved:
                _round_saved_outputs(self.saved, raw, out)
        else:
            try:
                raw = out = self.forward(*arrays)
            except _FP_ERRORS:
                raw = out = _forward_quietly(self, arrays)
        if not self.complex_grad:
            for a in arrays:
                if a.dtype.kind == "c":  # (the cheap scan first: real graphs pay only for it)
                    _refuse_complex_inputs(self, arrays, needs)
                    break
        self.next_functions = tuple([t._edge() for t in inputs])
        if self._edge_rule is not None:  # (a class attribute: None but for the few ops of _EDGE_RULES)
            self._pytorch_edges()
        self._inputs = inputs
        self._seq = next_sequence_nr()
        if _grad_state.anomaly:
            self._trace = _forward_trace()
        saved = self.saved
        if saved:
            # Remember the versions of the inputs whose arrays backward will read, to catch in-place changes.
            self._checked_versions = tuple(
                [(i, t._vc, t._vc[0]) for i, (t, a) in enumerate(zip(inputs, arrays))
                 if any(a is s for s in saved)]
            )
            # PyTorch refuses to save an inference tensor: see check_saved_inference for which inputs it saves.
            for t in inputs:
                if type(t._vc) is not list:  # (an inference tensor's counter: see ember/autograd/grad_mode.py)
                    _check_saved_inference(self, inputs, saved)
                    break
        if type(out) is tuple:
            outs = []
            for nr, o in enumerate(out):
                if nr < self.differentiable_outputs and o.dtype.kind in "fcV":  # (V: ml_dtypes' floats)
                    if o.dtype.kind == "c" and not self.complex_grad:
                        raise _complex_grad_error(self, "outputs")
                    outs.append(wrap(o, requires_grad=True, grad_fn=self, output_nr=nr))
                else:
                    outs.append(wrap(o))
            if self.is_view:
                self._views(inputs[0], outs)
            self._out_meta = tuple([(o.shape, o.dtype) for o in out[: self.differentiable_outputs]])
            self._check_saved_outputs(raw, outs)
            if not self._is_node:  # (made without apply, or a variant of an op class)
                self.__class__ = _node_class(type(self), self.grad_name)
            if _grad_state.saved_hooks is not None and self.saved:
                _pack_saved(self, inputs, outs)
            return tuple(outs)
        if out.dtype.kind != "f" and out.dtype.kind != "V":  # (V: ml_dtypes' floats)
            if out.dtype.kind != "c":  # integer / bool results carry no gradient
                return wrap(out)
            if not self.complex_grad:
                raise _complex_grad_error(self, "outputs")
            if self.holomorphic:
                self.__class__ = _conj_variant(type(self))
        if self.is_view and _copied(out, arrays[0]):  # no view after all: a copy, with PyTorch's nodes
            result = wrap(out, requires_grad=True, grad_fn=self)
            if getattr(self, "copy_ok", False):
                self._unsafe_view()
        elif self.is_view:
            result = wrap(out, requires_grad=True, grad_fn=self, vc=_view_counter(inputs[0]._vc), base=inputs[0])
            result._view = self
            if result._vc[0]:
                result._view_vc = result._vc[0]
        else:
            result = wrap(out, requires_grad=True, grad_fn=self)
        self._out_meta = ((out.shape, out.dtype),)
        if not self._is_node:  # (as above)
            self.__class__ = _node_class(type(self), self.grad_name)
        if saved:
            self._check_saved_outputs((raw,), (result,))
            if _grad_state.saved_hooks is not None:
                _pack_saved(self, inputs, (result,))
        return result

    def _unsafe_view(self):
        # reshape that copied: PyTorch records CloneBackward0 and an UnsafeViewBackward0 of the clone
        from ember._ops.elementwise import Clone

        clone = _new(_default_node_class(Clone))
        clone.requires_grad = True
        clone.needs_input_grad = self.needs_input_grad
        clone.next_functions = self.next_functions
        clone._in_meta = clone._out_meta = self._in_meta
        clone._inputs = self._inputs
        self.next_functions = ((clone, 0),)
        self.__class__ = _node_class(type(self), "UnsafeViewBackward0")

    def _views(self, base, outs):
        # Several views of one call (split/unbind): they share the base's version counter, and each remembers
        # the op, which marks them for the in-place check.
        vc = _view_counter(base._vc)
        for t in outs:
            t._vc = vc
            t._parent = base
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
            self._checked_versions = self._checked_versions + extra

    def _pytorch_edges(self):
        # PyTorch gives index/mask arguments and Python scalars no edge at all, and absent optional weights a
        # (None, 0) edge: next_functions (and the grad_inputs of node hooks) follow, the engine maps backward's
        # one gradient per input onto them with _edge_map.
        keep, width = self._edge_rule
        n = len(self.next_functions)
        emap = tuple([i for i in keep if i < n]) if keep is not None else tuple(range(n))
        if len(emap) < width:
            emap += (-1,) * (width - len(emap))
        nf = self.next_functions
        self.next_functions = tuple([nf[i] if i >= 0 else (None, 0) for i in emap])
        self._edge_map = emap

    # -- node interface (as torch.autograd.graph.Node) ---------------------------------------------
    def name(self):
        # PyTorch's C++ nodes: with their namespace
        if self.grad_name in ("CopySlices", "CopyBackwards", "NotImplemented", "Error"):
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

    def __getattr__(self, name):
        # Only for attributes not found normally: PyTorch's ``_saved_*`` names (see _saved.py), read on demand.
        if name.startswith("_saved_"):
            from ember._ops._saved import saved_attr

            return saved_attr(self, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __dir__(self):
        from ember._ops._saved import saved_names

        return sorted(set(super().__dir__()) | set(saved_names(self)))

    @property
    def metadata(self):
        if "_metadata" not in self.__dict__:
            self._metadata = {}
        return self._metadata


# -- node classes -------------------------------------------------------------------------------------------
# PyTorch's grad_fn objects are instances of classes named after the node (``type(y.grad_fn).__name__`` is
# ``MmBackward0``), which torchviz and user code read. A recorded op becomes an instance of a subclass of its op
# class named so (made once per op class and name): isinstance against the op class still holds, forward ran as
# the op class, and code that needs the op's own class name reads ``op_class_name``. Its ``grad_name`` is the class
# name, and assigning one moves the node to the class of the new name.
_NODE_CLASSES = {}


class _GradName:
    """The ``grad_name`` of a node class: its ``__name__``; setting it on a node renames the node's class."""

    def __get__(self, obj, cls=None):
        return (cls if obj is None else type(obj)).__name__

    def __set__(self, obj, value):
        obj.__class__ = _node_class(type(obj), value)


_GRAD_NAME = _GradName()


def _node_class(cls, name):
    """The subclass of op class ``cls`` (or of the op class of node class ``cls``) named ``name``."""
    base = cls.__dict__.get("_op_class", cls)
    sub = _NODE_CLASSES.get((base, name))
    if sub is None:
        body = {"grad_name": _GRAD_NAME, "_op_class": base, "_node_cls": None, "_is_node": True,
                "_edge_rule": _EDGE_RULES.get((base.__name__, name)), "__module__": base.__module__,
                "__qualname__": name}
        sub = _NODE_CLASSES[(base, name)] = type(name, (base,), body)
    return sub


# (op class, grad_fn name) -> (the inputs that get an edge, None: all; the number of edges, absent trailing ones
# padded with (None, 0)) for the nodes whose edges in PyTorch are not one per input: index and mask arguments and
# Python scalars get none, optional weights/biases left out get (None, 0).
_NORM_EDGES = (None, 3)  # (input, weight, bias)
_EDGE_RULES = {
    ("Gather", "GatherBackward0"): ((0,), 0),
    ("Scatter", "ScatterBackward0"): ((0, 2), 0),
    ("Scatter", "ScatterAddBackward0"): ((0, 2), 0),
    ("ScatterValue", "ScatterBackward1"): ((0,), 0),
    ("IndexSelect", "IndexSelectBackward0"): ((0,), 0),
    ("Embedding", "EmbeddingBackward0"): ((0,), 0),
    ("NllLoss", "NllLossBackward0"): ((0,), 0),
    ("NllLoss", "NllLoss2DBackward0"): ((0,), 0),
    ("CrossEntropy", "NllLossBackward0"): ((0,), 0),
    ("CrossEntropy", "NllLoss2DBackward0"): ((0,), 0),
    # label smoothing: PyTorch's AddBackward0 sums two branches of the input (the class target has no edge)
    ("CrossEntropy", "AddBackward0"): ((0,), 0),
    ("MaskedFill", "MaskedFillBackward0"): ((0,), 0),
    ("MaskedFillTensor", "MaskedFillBackward1"): ((0, 2), 0),
    ("Where", "WhereBackward0"): ((1, 2), 0),
    ("Lerp", "LerpBackward0"): ((0, 1), 0),  # (a scalar weight)
    ("Sub", "RsubBackward1"): ((1,), 0),  # number - tensor
    ("PowTensor", "PowBackward2"): ((1,), 0),  # number ** tensor
    ("LayerNorm", "NativeLayerNormBackward0"): _NORM_EDGES,
    ("BatchNorm", "NativeBatchNormBackward0"): _NORM_EDGES,
    ("GroupNorm", "NativeGroupNormBackward0"): _NORM_EDGES,
    ("Convolution", "ConvolutionBackward0"): _NORM_EDGES,
    ("ConvolutionTranspose", "ConvolutionBackward0"): _NORM_EDGES,
}


def _default_node_class(cls):
    """The node class of op class ``cls`` for its class-level ``grad_name`` (kept on the class once made)."""
    base = cls.__dict__.get("_op_class", cls)
    sub = base.__dict__.get("_node_cls")
    if sub is None:
        sub = base._node_cls = _node_class(base, base.grad_name)
    return sub


def op_class_name(op):
    """The name of ``op``'s op class (``MatMul``), for a node (``MmBackward0``) as for an op not yet recorded."""
    cls = type(op)
    return cls.__dict__.get("_op_class", cls).__name__


# -- the half-precision policy ---------------------------------------------------------------------------
# As PyTorch's CPU kernels, an op on float16/bfloat16 tensors computes in float32 (sums accumulate in float32,
# products are float32 GEMMs of the rounded inputs) and rounds each result once to the half type. It is done
# here for every op: the inputs are upcast, forward runs as for float32, float32 results are rounded, and a
# recorded node's backward gets float32 gradients (the engine rounds what it hands on to the inputs' dtypes).
# float8 tensors get the same policy in the few ops PyTorch runs on them (mul, abs, matmul; data movement), and
# PyTorch's NotImplementedError in the others; uint16/32/64 tensors get its errors in the ops it refuses on them.
# Off (one global check in run) until ember._dtype first makes such a type.
_half_active = False
_F32 = xp.dtype(xp.float32)
_BF16 = None  # ml_dtypes' bfloat16, once in use
_LOW = set()  # dtype numbers of the types computed in float32: float16, bfloat16, float8 (once in use)
_RESTRICTED = {}  # dtype number -> PyTorch's type word, for float8 and uint16/32/64 (once in use)
_MIXED = object()
# Ops that run on half arrays as they are: those that move or cast data (exact, and no float32 copies), prod and
# nextafter (PyTorch's products round at every step; the next value is the half type's), the LAPACK ones,
# whose forward refuses half types with PyTorch's errors, the norms, which compute half inputs (with float32
# parameters too) in float32 themselves, and the grid samplers (PyTorch's kernels compute in the half type itself,
# one rounding per operation, as NumPy's float16 and ml_dtypes' bfloat16 do).
_HALF_NATIVE = {"Cast", "Clone", "Prod", "Nextafter",
                "Inv", "Det", "SlogDet", "Solve", "Cholesky", "Svd", "Qr", "Eigh", "Eig", "Pinv", "Lstsq",
                "SolveTriangular", "LuFactor", "Lu", "InvEx", "CholeskyEx", "SolveEx", "CholeskySolve",
                "BatchNorm", "LayerNorm", "GroupNorm", "RMSNorm", "CrossMapLrn2d",
                "GridSampler2d", "GridSampler3d"}


def backward_by_recompute(op, grads, composite):
    """A fused op's ``backward_graph``: differentiate ``composite`` with ``create_graph=True``.

    ``composite(*inputs)`` recomputes the op's differentiable outputs (a tensor or a tuple) from its recorded
    input tensors with ordinary differentiable ember ops. Used only for double backward, so the fused forward
    and first-order backward keep their speed while higher derivatives come from the composite's own graph.
    Returns one gradient (or None) per input, as ``backward_graph`` does.
    """
    from ember.autograd import grad
    from ember.autograd.grad_mode import enable_grad

    inputs = op._inputs
    with enable_grad():
        outs = composite(*inputs)
    outs = outs if type(outs) is tuple else (outs,)
    pairs = [(o, g if isinstance(g, Tensor) else wrap(g)) for o, g in zip(outs, grads)
             if g is not None and o.requires_grad]
    wrt = [t for t, need in zip(inputs, op.needs_input_grad) if need]
    if not pairs or not wrt:
        return tuple([None] * len(inputs))
    res = iter(grad([o for o, _ in pairs], wrt, [g for _, g in pairs], create_graph=True, allow_unused=True))
    return tuple([next(res) if need else None for need in op.needs_input_grad])


def zero_link(t):
    """Zeros shaped like tensor ``t`` that depend on it with a zero derivative (never NaN, whatever ``t`` holds).

    For ``backward_graph`` results that PyTorch links to an input they do not depend on, so that they require
    grad (and differentiate to zeros, not None) as PyTorch's do."""
    from ember._functions import where

    return where(wrap(xp.zeros(t.shape, dtype=bool)), t, 0.0)


def _activate_type(np_dtype):
    """Told by ember._dtype that a half, float8 or uint16/32/64 type comes into use."""
    global _half_active, _BF16, _hooks
    _half_active = _hooks = True
    if np_dtype.kind != "u":
        _LOW.add(np_dtype.num)
    if np_dtype.name == "bfloat16":
        _BF16 = np_dtype
    elif np_dtype.itemsize != 2 or np_dtype.kind == "u":
        _RESTRICTED[np_dtype.num] = _dtype.TYPE_WORDS[np_dtype.name]


# The ops PyTorch runs on float8 tensors (views too); the others raise its NotImplementedError.
_FLOAT8_OK = {"Cast", "Clone", "Cat", "Index", "IndexSelect", "IndexPut", "Flip", "SliceScatter", "BlockDiag",
              "DiagEmbed", "Diagonal", "Expand", "Split", "Transpose", "View", "Abs", "Mul", "MatMul", "Fill",
              "Constant", "Where", "Stack"}
# The ops PyTorch refuses on uint16/32/64 tensors (the others run as on other integers).
_UINT_REFUSED = {"Add", "Sub", "Neg", "Abs", "Sign", "Maximum", "Minimum", "ClampTensor", "Tril", "Triu", "Trace",
                 "Heaviside", "LinalgCross", "Relu", "Hardshrink", "Aminmax", "MaxDim", "MaxAll", "Rot90",
                 "NanMedianAll", "Kthvalue", "CumMax", "Remainder", "Fmod", "Pow", "PowTensor"}
# PyTorch's kernel names in those errors (default: the op's name in lower case + "_cpu").
_KERNELS = {"Add": "add_stub", "Sub": "add_stub", "Dist": "add_stub", "Relu": "clamp_min_scalar_cpu",
            "MulScalar": "mul_cpu_reduced_float", "MatMul": "addmm_impl_cpu_",
            "Maximum": "maximum_cpu", "Minimum": "minimum_cpu", "Tril": "tril", "Triu": "triu", "Trace": "trace",
            "LinalgCross": "cross", "Gather": "scatter_gather_tensor_cpu", "Rot90": "flip_cpu",
            "NanMedianAll": "median_cpu", "Div": "div_cpu", "Sum": "sum_cpu", "Mean": "sum_cpu",
            "Prod": "prod_out_cpu", "CumSum": "cumsum_out_cpu", "Pow": "pow", "PowTensor": "pow",
            "Sigmoid": "sigmoid_cpu_reduced_float", "Digamma": "digamma", "Exp2": "exp2", "LuFactor": "lu_cpu",
            "Qr": "geqrf_cpu", "Svd": "linalg_svd_cpu", "VarMean": "std_cpu", "Kthvalue": "kthvalue_cpu",
            **{n: n.lower() + "_vml_cpu" for n in ("Ceil", "Cos", "Erf", "Erfc", "Erfinv", "Exp", "Expm1", "Floor",
                                                   "I0", "Lgamma", "Log", "Log10", "Log1p", "Log2", "Round", "Sin",
                                                   "Sqrt", "Tan", "Tanh", "Trunc", "Acos", "Asin", "Atan")}}


def refuse_restricted(kernel, *tensors, uint=True, allow=()):
    """PyTorch's NotImplementedError naming ``kernel`` when one of ``tensors`` is float8 (but the dtype names in
    ``allow``) or, with ``uint``, uint16/32/64: for the functions that compute on arrays without an op (comparisons,
    logical ops, argmax...)."""
    for t in tensors:
        d = getattr(getattr(t, "_data", None), "dtype", _F32)
        if d.num in _RESTRICTED and (uint or d.kind != "u") and d.name not in allow:
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{_RESTRICTED[d.num]}'")


def _refuse_restricted(op, d, arrays):
    """PyTorch's NotImplementedError for ``op`` on a float8 or uint16/32/64 array of dtype ``d`` (one of ``op``'s
    input ``arrays``), unless PyTorch runs it (float8 products: of tensors, not by a scalar)."""
    name = op_class_name(op)
    if d.kind == "u":
        if name not in _UINT_REFUSED:
            return
    elif op.is_view or (name in _FLOAT8_OK and not (name == "Mul" and 0 in [a.ndim for a in arrays])
                        and not (name in ("Abs", "MatMul", "IndexPut") and d.name == "float8_e8m0fnu")):
        return
    elif name == "Mul":
        name = "MulScalar"
    if name in ("MaxAll", "MaxDim"):  # max(), amax(), max(dim)
        kernel = ("max" if op.largest else "min") + ("_cpu" if name == "MaxDim" else "_values_cpu"
                                                      if op.grad_name.startswith("Am") else "_all")
    elif name == "ClampTensor":
        kernel = "minimum_cpu" if op.no_min else "maximum_cpu"
    elif name == "Var":  # (std/var; PyTorch's kernel for a reduction to one value checks the dtype itself)
        x = arrays[0]
        if not x.size:
            return
        if op.dim is None or x.size == xp.prod([x.shape[a] for a in op.dim]):
            raise RuntimeError(f"std_var_all: Unsupported dtype {_RESTRICTED[d.num]}")
        kernel = "std_cpu"
    else:
        kernel = _KERNELS.get(name) or name.lower() + "_cpu"
    raise NotImplementedError(f"\"{kernel}\" not implemented for '{_RESTRICTED[d.num]}'")


def _half_plan(op, arrays):
    """``None`` when no input is float16/bfloat16 (or ``op`` runs on them natively); else ``(arrays upcast to
    float32, the half dtype to round float32 results to, or None)``. The results are rounded when the result type
    PyTorch would give is a half type: dimensioned floating inputs decide, then 0-dim ones (so a float32 0-dim
    tensor or Python scalar keeps its precision inside the op, as in PyTorch's mul and div)."""
    low = None
    for a in arrays:
        n = a.dtype.num
        if n in _RESTRICTED:
            _refuse_restricted(op, a.dtype, arrays)
        if low is None and n in _LOW:
            low = a.dtype
    if low is None or op.half_native or op.is_view:
        return None
    dim_t = zero_t = None
    for a in arrays:
        d = a.dtype
        if d.kind in "fV":
            if a.ndim:
                dim_t = d if dim_t is None or dim_t is d else _MIXED
            else:
                zero_t = d if zero_t is None or zero_t is d else _MIXED
    t = dim_t if dim_t is not None else zero_t
    target = t if t is not None and t is not _MIXED and t.num in _LOW else None
    return [a.astype(_F32) if a.dtype.num in _LOW else a for a in arrays], target


def _round_half(out, target):
    """The float32 arrays of a forward result rounded to ``target`` (a half dtype; None: kept)."""
    if target is None:
        return out
    if type(out) is tuple:
        return tuple([o.astype(target) if o.dtype is _F32 else o for o in out])
    return out.astype(target) if out.dtype is _F32 else out


def _round_saved_outputs(saved, raw, out):
    # A result kept for backward (exp, tanh, sigmoid...) holds the rounded values, as PyTorch saves the half tensor.
    pairs = zip(raw, out) if type(raw) is tuple else ((raw, out),)
    for r, o in pairs:
        if r is not o and type(r) is xp.ndarray and any(r is s for s in saved):
            r[...] = o


_HALF_VARIANTS = {}


def _half_variant(cls):
    """The subclass of ``cls`` whose backward upcasts half gradients to float32 (a node recorded under the
    half-precision policy becomes one: its saved arrays are float32)."""
    sub = _HALF_VARIANTS.get(cls)
    if sub is None:
        def backward(self, *grads):
            return cls.backward(self, *[g.astype(_F32) if g is not None and g.dtype.num in _LOW else g
                                        for g in grads])

        body = {"backward": backward, "grad_name": cls.__dict__.get("grad_name", cls.grad_name),
                "__module__": cls.__module__}
        sub = _HALF_VARIANTS[cls] = type(cls.__name__, (cls,), body)
    return sub


# -- CPU autocast ----------------------------------------------------------------------------------------
# Inside an enabled ``ember.autocast("cpu")`` region the ops of PyTorch's CPU autocast lists cast their inputs
# first, as its Autocast dispatch key does: lower-precision ops (GEMMs, convolutions) run in the autocast dtype,
# float32 ops (losses, LAPACK, FFTs, 3-D pooling...) in float32; the others follow the inputs' dtypes. The casts are
# recorded (float32 leaves get float32 gradients), and a float32 leaf that requires grad (a weight) is cast once
# per region. ember.amp switches this on and off (set_autocast); functions that check dtypes before their op
# (F.linear, conv, matmul, addmm...) cast first with autocast_args.
_autocast = None  # the autocast NumPy dtype while an enabled CPU region is open
_autocast_cache = {}  # id(leaf) -> (leaf, its cast); cleared when the outermost region closes
_autocast_cache_enabled = True
_hooks = False  # _half_active or _autocast or _meta: the one check of Op.run's no-grad path
_meta = None  # ember._meta.run_op once a meta tensor exists: runs ops with a meta input


def set_meta_runner(runner):
    """Told by ember._meta when the first meta tensor is made: ops go through ``runner(op, inputs, recorded)``
    first (it returns None when no input is meta)."""
    global _meta, _hooks
    _meta = runner
    _hooks = True


_LOWER, _FP32 = "lower", "fp32"
_AUTOCAST = {
    **dict.fromkeys(["MatMul", "Addmm", "Baddbmm", "Addbmm", "Convolution", "ConvolutionTranspose", "Prelu"],
                    _LOWER),  # (and LSTM/RNN modules: ember/nn/modules/rnn.py; their layer ops serve the cells too)
    **dict.fromkeys(["Prod", "Trace", "Cdist", "GridSampler2d", "GridSampler3d", "Polar", "ViewAsComplex", "FftC2C",
                     "FftR2C", "FftC2R", "MseLoss", "CrossEntropy", "CrossEntropyProb", "NllLoss",
                     "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "HuberLoss", "SmoothL1Loss",
                     "SoftMarginLoss", "MultiMarginLoss", "CtcLoss", "MaxUnpool", "FractionalMaxPool", "Inv", "InvEx",
                     "Cholesky", "CholeskyEx", "CholeskySolve", "LuSolve", "Svd", "Qr", "Solve", "SolveEx",
                     "Lstsq", "Eig", "Eigh", "SolveTriangular"], _FP32),
    **dict.fromkeys(["MaxPool", "AvgPool", "AdaptiveAvgPool", "AdaptiveMaxPool"], "fp32_3d"),
    "Pad": "fp32_pad",
}


def set_autocast(np_dtype, cache_enabled=True):
    """Switch the CPU autocast casts on (``np_dtype``: the lower-precision NumPy dtype) or off (None)."""
    global _autocast, _autocast_cache_enabled, _hooks
    _autocast, _autocast_cache_enabled = np_dtype, cache_enabled
    _hooks = _half_active or np_dtype is not None or _meta is not None


class AutocastOff:
    """Context manager: no autocast casts inside (for functions PyTorch's autocast leaves alone but ember builds on
    ops of its lists, as mv and dot on MatMul)."""

    def __enter__(self):
        self._prev = _autocast
        set_autocast(None, _autocast_cache_enabled)

    def __exit__(self, *exc):
        set_autocast(self._prev, _autocast_cache_enabled)
        return False


def _autocast_inputs(op, inputs):
    kind = op.autocast
    if kind == "fp32_3d":
        kind = _FP32 if inputs[0]._data.ndim == 5 else None
    elif kind == "fp32_pad":
        kind = _FP32 if op.mode in ("reflect", "replicate") else None
    if kind is None:
        return inputs
    return _cast_eligible(inputs, _autocast if kind == _LOWER else _F32)


def autocast_args(*tensors):
    """``tensors`` cast as for an op of PyTorch's CPU autocast lower-precision list (None and non-tensors kept):
    unchanged outside an enabled CPU autocast region."""
    if _autocast is None:
        return tensors
    return _cast_eligible(tensors, _autocast)


def autocast_fp32_args(*tensors):
    """``tensors`` cast as for an op of PyTorch's CPU autocast float32 list (half tensors to float32)."""
    if _autocast is None:
        return tensors
    return _cast_eligible(tensors, _F32)


def _cast_eligible(tensors, target):
    from ember._ops.elementwise import Cast
    from ember._tensor import Tensor

    out = []
    for t in tensors:
        if isinstance(t, Tensor):
            d = t._data.dtype
            # PyTorch casts floating tensors other than float64 (half ones only, towards float32)
            if d is not target and d.kind in "fV" and d.itemsize < 8 and (target is not _F32 or d.itemsize == 2):
                cache = (_autocast_cache_enabled and target is _autocast and d is _F32 and t._requires_grad
                         and t.grad_fn is None and t._parent is None and not _grad_state.inference)
                hit = _autocast_cache.get(id(t)) if cache else None
                if hit is not None and hit[0] is t:
                    t = hit[1]
                else:
                    c = Cast.apply(t, dtype=target)
                    if cache:
                        _autocast_cache[id(t)] = (t, c)
                    t = c
        out.append(t)
    return tuple(out)


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

        body = {"backward": backward, "grad_name": cls.__dict__.get("grad_name", cls.grad_name), "holomorphic": False,
                "__module__": cls.__module__}
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

    __slots__ = ("variable", "_node_pre", "_node_post", "_metadata", "_trace", "__weakref__")
    grad_name = "AccumulateGrad"
    _seq = 1 << 62  # ready leaves accumulate before any other node runs, as in PyTorch's engine
    next_functions = ()
    saved = ()
    _checked_versions = ()
    _pre_hooks = None
    _freed = False

    def __init__(self, variable):
        self.variable = variable
        self._node_pre = self._node_post = self._metadata = None
        self._trace = _forward_trace() if _grad_state.anomaly else None  # (made once per leaf, on first use)

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


_dtype.policy_hooks.append(_activate_type)
for _t in _dtype.types_in_use:  # (used before ember._ops was imported)
    _activate_type(_t)

__all__ = ["Op", "AccumulateGrad", "REGISTRY"]
