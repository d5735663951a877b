"""``ember.autograd.profiler``: what records the profiler's events, its traces, and the legacy ``profile`` context
manager (as ``torch.autograd.profiler``). ``ember.profiler`` (schedules, trace handlers) builds on it.

What is recorded, under which name (what a PyTorch user reads in the table):

* every ember op (``ember/_ops``) as ``aten::<op>``, the name derived from the PyTorch ``grad_fn`` the op
  records: ``AddmmBackward0`` -> ``aten::addmm``, ``TBackward0`` -> ``aten::t``,
  ``MaxPool2DWithIndicesBackward0`` -> ``aten::max_pool2d_with_indices``. An op that fuses several PyTorch
  ops into one NumPy computation is named after the PyTorch op that contains them (``cross_entropy``'s
  softmax + NLL: ``aten::cross_entropy_loss``); one with no PyTorch counterpart is ``ember::<op>``
  (``ember::lstm_layer``: one layer of ``nn.LSTM``);
* the public functions whose inference fast path skips the ops (``F.linear``, ``F.conv1d/2d/3d``,
  ``F.max_pool1d/2d/3d``, ``F.relu``) as ``aten::linear`` etc., with the ops they run nested inside, as in
  PyTorch (``aten::linear`` > ``aten::t``, ``aten::addmm``);
* each backward node as ``autograd::engine::evaluate_function: AddmmBackward0`` around ``AddmmBackward0``
  (the node's gradient formula; ember's engine bookkeeping for the node is not inside it), and gradients
  reaching leaves as ``ember::autograd::AccumulateGrad`` (the node's ``name()``);
* ``autograd.Function`` calls under the class name, ``record_function`` blocks, ``ProfilerStep#N`` (with a
  schedule), ``Optimizer.step#SGD.step``, ``Optimizer.zero_grad#SGD.zero_grad`` and
  ``enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__``.

No ``aten`` call tree is made up: what ember does in one NumPy computation is one event, so PyTorch's inner
events (``aten::empty``, ``aten::as_strided``...) have no ember row. Tensor creation (``ember.zeros``...)
and other work outside ops is not recorded. ``profile_memory`` counts the bytes of the arrays each op
allocates for its results (outputs that alias an input count 0); frees are not tracked, so the memory
columns never go negative as PyTorch's can. ``with_stack`` keeps each event's Python frames that are Python in
PyTorch too: the caller's and ember's ``nn``/``optim``/``utils`` ones (ops, tensor methods and autograd are C++
there). The event and table classes are in ``ember/autograd/profiler_util.py``.

Profiling costs nothing when off: starting a recording wraps ``Op.run``, each op class's ``backward`` and the
functions above, and stopping it puts the originals back.

Example::

    >>> with ember.autograd.profiler.profile(record_shapes=True) as prof:
    ...     model(x).sum().backward()
    >>> print(prof.key_averages(group_by_input_shape=True).table(sort_by="cpu_time_total", row_limit=10))
"""

import enum
import functools
import json
import os
import re
import sys
import threading
import time
import warnings
import weakref
from types import FunctionType as _FunctionType

from ember._dtype import C10_NAMES
from ember.autograd.profiler_util import DeviceType, EventList, FunctionEvent, FunctionEventAvg

__all__ = ["profile", "record_function", "emit_itt", "emit_nvtx", "EventList", "FunctionEvent",
           "FunctionEventAvg", "DeviceType", "kineto_available"]


class RecordScope(enum.Enum):
    """What kind of code an event times (``FunctionEvent.scope``), numbered as PyTorch's."""

    FUNCTION = 0
    BACKWARD_FUNCTION = 1
    USER_SCOPE = 7


_FUNCTION = 0
_BACKWARD = 1
_USER = 7
_EVALUATE = "autograd::engine::evaluate_function: "


def kineto_available():
    """Whether the trace-based profiler (``ember.profiler.profile``) is available: always True."""
    return True


# ----------------------------------------------------------------------------------------------------------
# Event names


_BACKWARD_NAME = re.compile(r"^(\w+?)Backward(\d*)(?:_copy)?$")
_WORD_BREAK = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# grad_fn names that do not spell their aten op: underscored ops and irregular word breaks.
_ATEN_FIXES = {
    "to_copy": "_to_copy", "unsafe_view": "_unsafe_view", "fft_c2c": "_fft_c2c", "fft_r2c": "_fft_r2c",
    "fft_c2r": "_fft_c2r", "standard_gamma": "_standard_gamma", "prelu_kernel": "_prelu_kernel",
    "pack_padded_sequence": "_pack_padded_sequence", "euclidean_dist": "_euclidean_dist",
    "smooth_l1loss": "smooth_l1_loss", "grid_sampler2d": "grid_sampler_2d", "grid_sampler3d": "grid_sampler_3d",
    "upsample_bilinear2d_aa": "_upsample_bilinear2d_aa", "upsample_bicubic2d_aa": "_upsample_bicubic2d_aa",
    "upsample_lanczos2d_aa": "_upsample_lanczos2d_aa", "unique2": "_unique2",
}
# Ops whose grad_fn name does not name their forward: fused ops, and ops with no PyTorch counterpart.
_OP_NAMES = {
    "CrossEntropy": "aten::cross_entropy_loss", "CrossEntropyProb": "aten::cross_entropy_loss",
    "PackedToPadded": "aten::_pad_packed_sequence", "PaddedToPacked": "aten::_pack_padded_sequence",
    "LSTMLayer": "ember::lstm_layer", "GRULayer": "ember::gru_layer", "RNNLayer": "ember::rnn_layer",
    "LinearCrossEntropy": "ember::linear_cross_entropy", "Constant": "ember::constant",
    "OverlapAdd": "ember::overlap_add", "Col2Im": "aten::col2im", "Im2Col": "aten::im2col",
}
_NAMES = {}


def _snake(name):
    return _WORD_BREAK.sub("_", name).lower()


def _derive_name(cls, grad_name):
    cls = cls.__dict__.get("_op_class", cls)  # a node class (named after its grad_fn): its op class
    for c in cls.__mro__:
        fixed = _OP_NAMES.get(c.__name__)
        if fixed is not None:
            return fixed
    cls_name = cls.__name__
    if grad_name == "NotImplemented" and not cls_name.startswith("_"):
        # An op PyTorch has no derivative for: its grad_fn says nothing of the forward.
        aten = getattr(cls, "aten_name", None)
        return "aten::" + (aten if isinstance(aten, str) else _snake(cls_name))
    m = _BACKWARD_NAME.match(grad_name)
    if m is None or grad_name.startswith("_") or cls_name.startswith("_"):
        return "ember::" + _snake(cls_name.lstrip("_"))
    if not m.group(2):  # ``XBackward``: a Python autograd.Function in PyTorch, recorded as ``X``
        return m.group(1)
    stem = _snake(m.group(1))
    return "aten::" + _ATEN_FIXES.get(stem, stem)


def _op_name(op):
    key = (type(op), op.grad_name)
    name = _NAMES.get(key)
    if name is None:
        name = _NAMES[key] = _derive_name(type(op), op.grad_name)
    return name


# ----------------------------------------------------------------------------------------------------------
# Recording


_perf = time.perf_counter_ns
_get_ident = threading.get_ident
_active = None  # the _Session recording now


class _Raw:
    """One event while recording (turned into a FunctionEvent when the results are read)."""

    __slots__ = ("name", "parent", "tid", "scope", "start", "end", "shapes", "dtypes", "mem", "seq", "fwd", "stack",
                 "node", "flops", "kids")

    def __init__(self, name, parent, tid, scope):
        self.name = name
        self.parent = parent
        self.tid = tid
        self.scope = scope
        self.end = None
        self.shapes = self.dtypes = self.stack = self.node = self.fwd = None
        self.mem = 0
        self.seq = -1
        self.flops = 0
        self.kids = False


class _Session:
    """What one recording collects: the events in start order and, per thread, the ones still open."""

    def __init__(self, record_shapes=False, profile_memory=False, with_stack=False, with_flops=False):
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.events = []
        self.open = {}  # thread ident -> stack of open _Raw
        self.seqs = weakref.WeakKeyDictionary()  # graph node -> (sequence number, forward thread)
        self.next_seq = 0
        self.cancelled = False
        self.t0 = _perf()
        self.wall0 = time.time_ns()
        self.t_end = None

    def begin(self, name, scope=_FUNCTION, inputs=None):
        tid = _get_ident()
        stack = self.open.get(tid)
        if stack is None:
            stack = self.open[tid] = []
        parent = stack[-1] if stack else None
        if parent is not None:
            parent.kids = True
        ev = _Raw(name, parent, tid, scope)
        if inputs is not None and self.record_shapes:
            ev.shapes, ev.dtypes = _shapes(inputs)
        if self.with_stack:
            ev.stack = _python_stack()
        self.events.append(ev)
        stack.append(ev)
        ev.start = _perf()
        return ev

    def end(self, ev):
        ev.end = _perf()
        stack = self.open.get(ev.tid)
        if stack:
            if stack[-1] is ev:
                stack.pop()
            elif ev in stack:  # blocks entered inside it and never exited: drop them from the open stack
                del stack[stack.index(ev):]

    def inside(self, node):
        """Whether an open event on this thread already times backward node ``node``."""
        for ev in self.open.get(_get_ident(), ()):
            if ev.node is node:
                return True
        return False

    def link(self, node, ev):
        """Number a graph node recorded by forward event ``ev`` (its backward events get the same number)."""
        seq = self.next_seq
        self.next_seq += 1
        self.seqs[node] = (seq, ev.tid)
        ev.seq = seq


def _shapes(values):
    shapes, dtypes = [], []
    for v in values:
        data = getattr(v, "_data", v)
        shape = getattr(data, "shape", None)
        if shape is None:
            shapes.append([])
            dtypes.append("Scalar" if isinstance(v, (int, float, complex, bool)) else "")
        else:
            shapes.append(list(shape))
            dtypes.append(C10_NAMES.get(data.dtype.name, data.dtype.name))
    return shapes, dtypes


# The C++ type names PyTorch's traces give tensors ("Input type").
_EMBER = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# ember's Python layers that are Python in PyTorch too; the rest (ops, tensor methods, autograd) is C++ there.
_EMBER_SHOWN = tuple(_EMBER + d + os.sep for d in ("nn", "optim", "utils"))
_SKIP = {}


def _python_stack():
    """The caller's Python stack, innermost frame first, as ``file(line): function``: the user's frames and
    ember's ``nn``/``optim``/``utils`` ones (what is Python in PyTorch too)."""
    out = []
    f = sys._getframe(2)
    while f is not None:
        code = f.f_code
        name = code.co_filename
        skip = _SKIP.get(name)
        if skip is None:
            skip = _SKIP[name] = name.startswith(_EMBER) and not name.startswith(_EMBER_SHOWN)
        if not skip:
            out.append(f"{name}({f.f_lineno}): {code.co_name}")
        f = f.f_back
    return out


def _root(a):
    while True:
        base = getattr(a, "base", None)
        if base is None or not hasattr(base, "nbytes"):
            return a
        a = base


def _new_bytes(out, inputs):
    """Bytes of the result arrays that do not alias an input's memory."""
    outs = out if type(out) is tuple else (out,)
    roots = None
    total = 0
    for o in outs:
        data = getattr(o, "_data", o)
        if not hasattr(data, "nbytes"):
            continue
        if roots is None:
            roots = {id(_root(getattr(t, "_data", t))) for t in inputs}
        if id(_root(data)) not in roots:
            total += data.nbytes
    return total


def _flops(name, inputs, out):
    """Floating-point operations of the ops PyTorch counts them for (as PyTorch counts them)."""
    data = getattr(out[0] if type(out) is tuple else out, "_data", None)
    if data is None:
        return 0
    if name in ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::matmul"):
        last = getattr(inputs[-1], "_data", None)
        if last is None or not last.ndim:
            return 0
        return 2 * data.size * last.shape[-2 if last.ndim > 1 else 0]
    if name == "aten::linear":  # only when its fast path ran no op (else its addmm / mm counts them)
        w = getattr(inputs[1], "_data", None) if len(inputs) > 1 else None
        return 0 if w is None or not w.ndim else 2 * data.size * w.shape[-1]
    if name in ("aten::conv1d", "aten::conv2d", "aten::conv3d"):
        w = getattr(inputs[1], "_data", None) if len(inputs) > 1 else None
        if w is None:
            return 0
        per_out = 1
        for s in w.shape[1:]:
            per_out *= s
        return 2 * data.size * per_out
    if name in ("aten::mul", "aten::add"):
        return data.size
    return 0


# ----------------------------------------------------------------------------------------------------------
# The hooks: installed while a session records, removed after (nothing is left on the ops when off)


_saved = []  # (owner, attribute, original value) to put back
_originals = {}  # id(function wrapper) -> (wrapper, wrapped function), while installed
_modules_before = set()  # the modules imported when the wrappers were installed
# Functions whose inference fast path runs NumPy directly, skipping the ops: (module, name) -> event name ("{}":
# the function's first argument, its number of spatial dimensions; the other arguments are PyTorch's op's).
_FUNCTIONS = {
    ("ember.nn._functional_core", "linear"): "aten::linear",
    ("ember.nn._functional_activation_loss", "relu"): "aten::relu",
    ("ember.nn._functional_conv", "_conv"): "aten::conv{}d",
    ("ember.nn._functional_conv", "_max_pool"): "aten::max_pool{}d",
}


def _patch(owner, attr, value):
    """Set ``owner.attr`` (a class or module attribute) to ``value`` until ``_uninstall``."""
    _saved.append((owner, attr, owner.__dict__[attr]))
    setattr(owner, attr, value)


def _subclasses(cls):
    out = {}  # (a dict: ordered, and a class reached twice through multiple inheritance is listed once)
    todo = [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in out:
                out[sub] = None
                todo.append(sub)
    return list(out)


def _install():
    import importlib
    import pkgutil

    import ember.nn.functional  # noqa: F401 - the modules of _FUNCTIONS
    import ember.optim.optimizer as optim
    import ember.utils.data.dataloader as loader
    from ember import _ops
    from ember._ops import Op
    from ember.autograd import engine
    from ember.autograd.function import Function, _FunctionNode

    # Every op family, so that a family first imported while recording still gets its backward timed.
    for mod in pkgutil.iter_modules(_ops.__path__):
        if not mod.name.startswith("_"):
            importlib.import_module("ember._ops." + mod.name)
    _patch(Op, "run", _timed_run(Op.run))
    for cls in [*_subclasses(Op), _FunctionNode]:
        if "backward" in cls.__dict__:
            _patch(cls, "backward", _timed_backward(cls.__dict__["backward"]))
    # The engine calls these module functions by name: the create_graph backward and the leaves' accumulation.
    _patch(engine, "_backward_with_graph", _timed_backward(engine._backward_with_graph))
    _patch(engine, "_accumulate_leaf", _timed_accumulate(engine._accumulate_leaf))
    _patch(Function, "apply", classmethod(_timed_apply(Function.__dict__["apply"].__func__)))
    _wrap_functions()
    for cls in [optim.Optimizer, *_subclasses(optim.Optimizer)]:
        for method in ("step", "zero_grad"):
            if method in cls.__dict__:
                _patch(cls, method, _timed_method(cls.__dict__[method], f"Optimizer.{method}#{{}}.{method}"))
    _patch(loader._BaseIter, "__next__",
           _timed_method(loader._BaseIter.__dict__["__next__"], "enumerate(DataLoader)#{}.__next__"))


def _wrap_functions():
    """Wrap every binding of the _FUNCTIONS (module globals, star imports, ``staticmethod(F.relu)`` in nn
    classes, user imports) and of the argument-checking wrappers around them."""
    targets = {id(f): event for (mod, attr), event in _FUNCTIONS.items()
               for f in [getattr(sys.modules[mod], attr)]}
    wrappers = {}

    def wrapper_for(f):
        g = f
        for _ in range(4):  # follow functools.wraps chains
            event = targets.get(id(g))
            if event is not None:
                if id(f) not in wrappers:
                    w = wrappers[id(f)] = _timed_function(f, event)
                    _originals[id(w)] = (w, f)
                return wrappers[id(f)]
            g = getattr(g, "__wrapped__", None)
            if type(g) is not _FunctionType:
                return None
        return None

    _modules_before.update(sys.modules)
    _rebind(wrapper_for, lambda name: name.startswith("ember"), _patch)


def _rebind(replace, classes_of, assign):
    """``assign(owner, attr, new)`` for every module global, and every staticmethod of the classes defined in the
    modules whose name passes ``classes_of``, that is a plain function ``f`` with ``new = replace(f)`` not None."""
    for name, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        classes = classes_of(str(name))
        for attr, value in list(namespace.items()):
            if type(value) is _FunctionType:
                new = replace(value)
                if new is not None:
                    assign(module, attr, new)
            elif classes and isinstance(value, type) and value.__module__ == namespace.get("__name__"):
                for cattr, cvalue in list(value.__dict__.items()):
                    if type(cvalue) is staticmethod and type(cvalue.__func__) is _FunctionType:
                        new = replace(cvalue.__func__)
                        if new is not None:
                            assign(value, cattr, staticmethod(new))


def _unwrapped(f):
    entry = _originals.get(id(f))
    return entry[1] if entry is not None and entry[0] is f else None


def _uninstall():
    while _saved:
        owner, attr, original = _saved.pop()
        setattr(owner, attr, original)
    if _originals:
        # Wrappers bound while recording (a module imported then, ``f = F.linear``) are put back too, so that
        # nothing stays wrapped after the profile.
        _rebind(_unwrapped, lambda name: name not in _modules_before, setattr)
        _originals.clear()
        _modules_before.clear()


def _timed_run(run):
    def timed_run(op, *inputs):
        s = _active
        if s is None:
            return run(op, *inputs)
        ev = s.begin(_op_name(op), _FUNCTION, inputs)
        try:
            out = run(op, *inputs)
        finally:
            s.end(ev)
        if s.profile_memory:
            ev.mem = _new_bytes(out, inputs)
        if s.with_flops:
            ev.flops = _flops(ev.name, inputs, out)
        if op.requires_grad:
            s.link(op, ev)
        return out

    return timed_run


def _timed_backward(backward):
    # Wraps a node class's ``backward`` (and the engine's ``_backward_with_graph(node, grads)``).
    def timed_backward(node, *grads):
        s = _active
        if s is None or s.inside(node):  # a backward calling another one of the same node (super(), conj)
            return backward(node, *grads)
        name = node.name()
        seq = s.seqs.get(node)
        outer = s.begin(_EVALUATE + name)
        outer.node = node
        args = grads[0] if len(grads) == 1 and type(grads[0]) is list else grads
        inner = s.begin(name, _BACKWARD, args)
        if seq is not None:
            outer.seq = inner.seq = seq[0]
            outer.fwd = inner.fwd = seq[1]
        try:
            res = backward(node, *grads)
        finally:
            s.end(inner)
            s.end(outer)
        if s.profile_memory and res is not None and not inner.kids:  # (with kids: counted there)
            inner.mem = _new_bytes(tuple(g for g in res if g is not None), args)
        return res

    return timed_backward


def _timed_accumulate(accumulate):
    def timed_accumulate(node, grad, create_graph):
        s = _active
        if s is None:
            return accumulate(node, grad, create_graph)
        var = node.variable
        before = var._grad
        arr = getattr(grad, "_data", grad)
        new_id = id(arr)
        outer = s.begin(_EVALUATE + "ember::autograd::AccumulateGrad")
        inner = s.begin("ember::autograd::AccumulateGrad", _BACKWARD, (grad,))
        # The engine adopts the gradient without a copy when it holds the only references (counted): hand it
        # over without keeping one here.
        box = [grad]
        del grad, arr
        try:
            res = accumulate(node, box.pop(), create_graph)
        finally:
            s.end(inner)
            s.end(outer)
        after = var._grad
        if s.profile_memory and after is not None and after is not before and id(after._data) != new_id:
            inner.mem = after._data.nbytes
        return res

    return timed_accumulate


def _timed_apply(apply):
    def timed_apply(cls, *args, **kwargs):
        s = _active
        if s is None:
            return apply(cls, *args, **kwargs)
        ev = s.begin(cls.__name__, _FUNCTION, args)
        try:
            out = apply(cls, *args, **kwargs)
        finally:
            s.end(ev)
        first = out[0] if type(out) is tuple and out else out
        node = getattr(first, "grad_fn", None)
        if node is not None and getattr(node, "_fn", None) is cls:
            s.link(node, ev)
        if s.profile_memory and not ev.kids:
            ev.mem = _new_bytes(out, args)
        return out

    return timed_apply


def _timed_function(fn, name):
    per_dim = "{}" in name

    @functools.wraps(fn)
    def timed_function(*args, **kwargs):
        s = _active
        if s is None:
            return fn(*args, **kwargs)
        event, inputs = (name.format(args[0]), args[1:]) if per_dim else (name, args)
        ev = s.begin(event, _FUNCTION, inputs)
        try:
            out = fn(*args, **kwargs)
        finally:
            s.end(ev)
        if s.profile_memory and not ev.kids:  # (the ops it ran count what they allocated)
            ev.mem = _new_bytes(out, inputs)
        if s.with_flops and not (ev.kids and event == "aten::linear"):
            ev.flops = _flops(event, inputs, out)
        return out

    return timed_function


def _timed_method(method, pattern):
    @functools.wraps(method)
    def timed_method(self, *args, **kwargs):
        s = _active
        if s is None:
            return method(self, *args, **kwargs)
        ev = s.begin(pattern.format(type(self).__name__), _USER)
        try:
            return method(self, *args, **kwargs)
        finally:
            s.end(ev)

    return timed_method


def _start(session):
    """Make ``session`` the one recording. As PyTorch 2.13, a profiler started while another records takes over
    from it: the earlier one ends with no events."""
    global _active
    if _active is None:
        try:
            _install()
        except BaseException:
            _uninstall()
            raise
    else:
        _active.cancelled = True
    session.t0 = _perf()  # (installing took a while the first time)
    session.wall0 = time.time_ns()
    _active = session


def _stop(session):
    global _active
    session.t_end = _perf()
    if _active is not session:
        warnings.warn("disableProfiler called but no active profiling session found. This can happen if profiling "
                      "was cancelled during warmup.", UserWarning, stacklevel=3)
        session.cancelled = True
        return
    _active = None
    _uninstall()


# ----------------------------------------------------------------------------------------------------------
# Events


def _function_events(session, use_device=None):
    """The session's finished events as an EventList of FunctionEvent, parents linked, in start order."""
    ev_list = EventList(use_device=use_device, profile_memory=session.profile_memory,
                        with_flops=session.with_flops)
    if session.cancelled:
        ev_list._build_tree()
        return ev_list
    t0 = session.t0
    threads = {}
    made = {}
    t_end = session.t_end
    for raw in session.events:
        if raw.end is None or raw.end > t_end:  # still open when the recording stopped: dropped, as PyTorch
            continue
        thread = threads.setdefault(raw.tid, len(threads) + 1)
        fwd = 0 if raw.fwd is None else threads.setdefault(raw.fwd, len(threads) + 1)
        # Steps are one row in the tables ("ProfilerStep*"); the trace keeps their numbers.
        name = "ProfilerStep*" if raw.name.startswith("ProfilerStep#") else raw.name
        fe = FunctionEvent(id=len(made) + 1, name=name, trace_name=raw.name, thread=thread,
                           start_us=(raw.start - t0) / 1000, end_us=(raw.end - t0) / 1000, fwd_thread=fwd,
                           input_shapes=raw.shapes or [], input_dtypes=raw.dtypes or [], stack=raw.stack or [],
                           scope=raw.scope, cpu_memory_usage=raw.mem, sequence_nr=raw.seq,
                           is_user_annotation=raw.scope == _USER, flops=raw.flops if session.with_flops else None,
                           use_device=use_device, overload_name="")
        made[id(raw)] = fe
        parent = raw.parent
        while parent is not None and id(parent) not in made:  # an unfinished block: its parent adopts
            parent = parent.parent
        if parent is not None:
            p = made[id(parent)]
            p.append_cpu_child(fe)
            fe.set_cpu_parent(p)
        ev_list.append(fe)
    for fe in reversed(ev_list):  # children start after their parent: totals build up from the leaves
        if fe.cpu_children:
            fe.cpu_memory_usage += sum(c.cpu_memory_usage for c in fe.cpu_children)
    ev_list._build_tree()
    return ev_list


def _kineto_trace(session, events, path, metadata=None):
    """Write ``events`` (of ``session``) as PyTorch's trace-viewer JSON (what ``torch.profiler`` exports)."""
    import gzip
    import socket

    pid = os.getpid()
    base_ns = session.wall0 // 1_000_000_000 * 1_000_000_000
    offset_us = (session.wall0 - base_ns) / 1000  # event times are relative to the session start
    tids = sorted({e.thread for e in events})
    trace = [{"ph": "M", "name": "process_name", "ts": offset_us, "pid": pid, "tid": 0, "args": {"name": "python"}},
             {"ph": "M", "name": "process_labels", "ts": offset_us, "pid": pid, "tid": 0, "args": {"labels": "CPU"}}]
    for tid in tids:
        trace.append({"ph": "M", "name": "thread_name", "ts": offset_us, "pid": pid, "tid": tid,
                      "args": {"name": f"thread {tid} (python)"}})
    allocated = 0
    flows = {}
    for idx, e in enumerate(events):
        ts = round(offset_us + e.time_range.start, 3)
        args = {"External id": e.id, "Record function id": 0}
        if e.sequence_nr >= 0:
            args["Sequence number"] = e.sequence_nr
            args["Fwd thread id"] = e.fwd_thread or 0
        if e.input_shapes:
            args["Input Dims"] = e.input_shapes
            args["Input type"] = e.input_dtypes
        args["Ev Idx"] = idx
        trace.append({"ph": "X", "cat": "user_annotation" if e.is_user_annotation else "cpu_op", "name": e.trace_name,
                      "pid": pid, "tid": e.thread, "ts": ts, "dur": round(e.time_range.elapsed_us(), 3),
                      "args": args})
        if e.sequence_nr >= 0 and (e.scope == _FUNCTION and not e.name.startswith(_EVALUATE)):
            flows[e.sequence_nr] = ts
            trace.append({"ph": "s", "id": e.sequence_nr, "pid": pid, "tid": e.thread, "ts": ts, "cat": "fwdbwd",
                          "name": "fwdbwd"})
        elif e.sequence_nr in flows and e.scope == _BACKWARD:
            trace.append({"ph": "f", "id": e.sequence_nr, "pid": pid, "tid": e.thread, "ts": ts, "cat": "fwdbwd",
                          "name": "fwdbwd", "bp": "e"})
        own = e.self_cpu_memory_usage
        if session.profile_memory and own:
            allocated += own
            trace.append({"ph": "i", "cat": "cpu_instant_event", "s": "t", "name": "[memory]", "pid": pid,
                          "tid": e.thread, "ts": round(offset_us + e.time_range.end, 3),
                          "args": {"Total Reserved": 0, "Total Allocated": allocated, "Bytes": own, "Device Id": -1,
                                   "Device Type": 0, "Addr": 0}})
    doc = {"schemaVersion": 1, "deviceProperties": []}
    doc.update(metadata or {})
    doc.update({"host_name": socket.gethostname(), "displayTimeUnit": "ms", "baseTimeNanoseconds": base_ns,
                "traceEvents": trace, "traceName": path})
    text = json.dumps(doc)
    if path.endswith(".gz"):
        with gzip.open(path, "wt") as f:
            f.write(text)
    else:
        with open(path, "w") as f:
            f.write(text)


# ----------------------------------------------------------------------------------------------------------
# The legacy API


class profile:
    """Record the ops, backward nodes and ``record_function`` blocks run inside the ``with`` block.

    The older API of ``ember.profiler.profile`` (as ``torch.autograd.profiler.profile``); read the results after
    the block with ``key_averages()``, ``table()``, ``function_events``, ``export_chrome_trace()``.

    Args:
        enabled (bool): False makes the context manager a no-op (``with`` binds None).
        use_cpu (bool): record CPU ops (ember has nothing else to record).
        record_shapes (bool): keep each op's input shapes (``FunctionEvent.input_shapes``).
        profile_memory (bool): count the bytes each op allocates for its results.
        with_stack (bool): keep the Python stack of each event (``export_stacks``, ``group_by_stack_n``).
        with_flops (bool): estimate FLOPs of matrix products, convolutions, ``mul`` and ``add``.
        acc_events (bool): keep the events of earlier runs of this object.

    Example::

        >>> with ember.autograd.profiler.profile() as prof:
        ...     y = ember.randn(64, 64) @ ember.randn(64, 64)
        >>> print(prof.table(sort_by="self_cpu_time_total", row_limit=5))
    """

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None,
                 post_processing_timeout_s=None):
        self.enabled = enabled
        if not enabled:
            return
        if use_cuda:
            warnings.warn("The attribute `use_cuda` will be deprecated soon, please use ``use_device = 'cuda'`` "
                          "instead.", FutureWarning, stacklevel=2)
            use_device = "cuda"
        if use_device == "cuda":
            warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=2)
            use_device = None
        if use_device is not None:
            raise AssertionError(f"{use_device} is not a supported device type.")
        if not use_cpu and not use_kineto:
            raise AssertionError("Device-only events supported only with Kineto (use_kineto=True)")
        if post_processing_timeout_s is not None and post_processing_timeout_s < 0:
            raise ValueError("post_processing_timeout_s must be non-negative")
        self.use_cuda = use_cuda
        self.use_device = use_device
        self.use_cpu = use_cpu
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.use_kineto = use_kineto
        self.experimental_config = experimental_config
        self.acc_events = acc_events
        self.custom_trace_id_callback = custom_trace_id_callback
        self.entered = False
        self._session = None
        self._function_events = None
        self._old_function_events = None
        self._running = False

    def __enter__(self):
        if not self.enabled:
            return None
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self._prepare_trace()
        self._start_trace()
        return self

    def _prepare_trace(self):
        self.entered = True

    def _start_trace(self):
        self.entered = True
        if self._function_events is not None and self.acc_events:
            self._old_function_events = self._function_events
        self._function_events = None
        self._session = _Session(self.record_shapes, self.profile_memory, self.with_stack, self.with_flops)
        self._running = True
        _start(self._session)

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return False
        if self._running:
            self._running = False
            _stop(self._session)
            if self.acc_events:  # build the events now, so that the next run adds to them
                self.function_events  # noqa: B018
        return False

    def __repr__(self):
        if self._running:
            return "<unfinished ember.autograd.profile>"
        return repr(self.function_events)

    def __str__(self):
        if self._running:
            return "<unfinished ember.autograd.profile>"
        return str(self.function_events)

    @property
    def function_events(self):
        """The recorded events (an EventList of FunctionEvent, in start order); empty until the block ends."""
        if self._function_events is None:
            if self._session is None or self._running:
                return EventList(profile_memory=self.profile_memory, with_flops=self.with_flops)
            self._function_events = _function_events(self._session, self.use_device)
            if self._old_function_events:
                self._function_events.extend(self._old_function_events)
                self._old_function_events = None
        return self._function_events

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False):
        """``self.function_events.table(...)``: one row per event (see ``EventList.table``)."""
        return self.function_events.table(sort_by=sort_by, row_limit=row_limit,
                                          max_src_column_width=max_src_column_width,
                                          max_name_column_width=max_name_column_width,
                                          max_shapes_column_width=max_shapes_column_width, header=header,
                                          top_level_events_only=top_level_events_only)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """The events averaged per name (see ``EventList.key_averages``)."""
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def total_average(self):
        """One FunctionEventAvg summing every event."""
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self):
        """The total CPU time recorded (the sum of the events' self times), in microseconds."""
        return self.function_events.self_cpu_time_total

    def export_chrome_trace(self, path, metadata=None, use_python_export=False):
        """Write the recorded events to ``path`` as a Chrome/Perfetto trace (JSON; gzipped if ``path`` ends with
        ``.gz``), in the format ``torch.profiler`` writes."""
        if self._session is None or self._running:
            _kineto_trace(_Session(), EventList(), path, metadata)
        else:
            _kineto_trace(self._session, self.function_events, path, metadata)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        """Write the events' stacks with their ``metric`` (see ``EventList.export_stacks``); needs
        ``with_stack=True``."""
        if not self.with_stack:
            raise AssertionError("export_stacks() requires with_stack=True")
        return self.function_events.export_stacks(path, metric)


class record_function:
    """Time a block of code under ``name``: a context manager or a function decorator.

    Ops run inside it are its children in the profile (its "CPU total" includes them, its "Self CPU" does not).
    Outside a profiler it does nothing.

    Args:
        name (str): the event's name.
        args (str, optional): a note kept on the object (as PyTorch).

    Example::

        >>> with ember.profiler.profile() as prof:
        ...     with ember.profiler.record_function("forward"):
        ...         y = model(x)
    """

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self.run_callbacks_on_exit = True
        self.record = None
        self._entered = False

    def __enter__(self):
        s = _active
        self.record = s.begin(self.name, _USER) if s is not None else None
        self._entered = True
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if not self.run_callbacks_on_exit:
            return None
        if not self._entered:
            raise AssertionError("Expected record to be set")
        self._entered = False
        rec = self.record
        self.record = None
        s = _active
        if rec is not None and s is not None and rec in s.open.get(rec.tid, ()):
            s.end(rec)
        return None

    def __call__(self, func):
        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            with record_function(self.name, self.args):  # a fresh block per call: recursion nests
                return func(*args, **kwargs)

        return wrapped


class _Annotations:
    """A context manager that would mark ranges for an external profiler (no-ops here)."""

    def __init__(self, enabled=True, record_shapes=False):
        self.enabled = enabled
        self.entered = False
        self.record_shapes = record_shapes

    def __exit__(self, exc_type, exc_val, exc_tb):
        if self.enabled:
            self.entered = False
        return False


class emit_itt(_Annotations):
    """Accepted for compatibility: ember emits no Intel ITT ranges (as PyTorch without VTune attached)."""

    def __enter__(self):
        if not self.enabled:
            return None
        if self.entered:
            raise RuntimeError("ITT annotation context manager is not reentrant")
        self.entered = True
        return self


class emit_nvtx(_Annotations):
    """NVTX ranges need CUDA: entering raises, as PyTorch's CPU build does."""

    def __enter__(self):
        if not self.enabled:
            return None
        raise AssertionError("Torch not compiled with CUDA enabled")
