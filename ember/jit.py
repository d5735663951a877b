"""``ember.jit``: the TorchScript names PyTorch code uses, for eager execution (mirrors ``torch.jit``).

ember has no TorchScript compiler. Model code written for PyTorch often carries TorchScript annotations
(``@torch.jit.unused``, ``torch.jit.is_scripting()``, ``torch.jit.annotate``, ``Final``): these behave as they
do in PyTorch's eager mode. :func:`script` and :func:`trace` return what they are given, which computes the
same results eagerly (warning once, since a ``ScriptModule``'s extras such as ``.save`` and ``.code`` are
absent); :func:`save` and :func:`load` raise, pointing to ``ember.save(model.state_dict(), f)``.

Example::

    >>> import ember
    >>> @ember.jit.unused
    ... def debug_only(x):
    ...     return x
    >>> ember.jit.is_scripting()
    False
"""

import builtins
import contextlib
import logging
import threading
import types
import typing
import warnings
from collections import namedtuple

__all__ = ["Attribute", "CompilationUnit", "Error", "Final", "Future", "ScriptFunction", "ScriptModule", "annotate",
           "enable_onednn_fusion", "export", "export_opnames", "fork", "freeze", "ignore", "interface", "is_scripting",
           "is_tracing", "isinstance", "load", "onednn_fusion_enabled", "optimize_for_inference", "save", "script",
           "script_if_tracing", "set_fusion_strategy", "strict_fusion", "trace", "trace_module", "unused", "wait"]

Final = typing.Final

# torch.jit.Attribute(value, type) is a plain named pair in eager mode.
Attribute = namedtuple("Attribute", ["value", "type"])


class ScriptModule:
    """Stands for TorchScript's module type so ``isinstance(m, ember.jit.ScriptModule)`` checks run (always False)."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(_NO_TORCHSCRIPT)


class ScriptFunction(ScriptModule):
    """Stands for TorchScript's compiled function type (never instantiated in ember)."""


_NO_TORCHSCRIPT = ("ember has no TorchScript: models run eagerly. To save a model, save its weights with "
                   "ember.save(model.state_dict(), f) and rebuild the model in Python before load_state_dict.")
_warned = set()


def _warn_once(name):
    if name not in _warned:
        _warned.add(name)
        warnings.warn(f"ember.jit.{name} returns its argument unchanged: ember has no TorchScript compiler, so it "
                      "runs eagerly with the same results (ScriptModule extras such as .save and .code are absent).",
                      UserWarning, stacklevel=3)


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Return ``obj`` (a module, function or class) unchanged, warning once: it runs eagerly."""
    _warn_once("script")
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-05,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None, example_kwarg_inputs=None,
          _store_inputs=True):
    """Return ``func`` (a module or function) unchanged, warning once: it runs eagerly."""
    _warn_once("trace")
    return func


def script_if_tracing(fn):
    """Return ``fn`` unchanged: it is only compiled under a tracer, which ember never runs."""
    return fn


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """Return ``mod`` unchanged (nothing to freeze without TorchScript); like PyTorch, a module in training mode
    is refused with RuntimeError (call ``.eval()`` first)."""
    if getattr(mod, "training", False):
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. Please call .eval() on "
                           "your module before freezing.")
    return mod


def optimize_for_inference(mod, other_methods=None):
    """Return ``mod`` unchanged (nothing to optimise without TorchScript)."""
    return mod


def save(m, f, _extra_files=None):
    """Not available: raises NotImplementedError saying how to save the weights instead."""
    raise NotImplementedError("ember.jit.save: " + _NO_TORCHSCRIPT)


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """Not available: raises NotImplementedError (a TorchScript archive holds compiled code ember cannot run)."""
    raise NotImplementedError("ember.jit.load: " + _NO_TORCHSCRIPT)


def is_scripting():
    """False: code never runs under the TorchScript compiler in ember."""
    return False


def is_tracing():
    """False: ember never traces."""
    return False


def annotate(the_type, the_value):
    """Return ``the_value`` (the type is for TorchScript only)."""
    return the_value


def ignore(drop=False, **kwargs):
    """Decorator leaving a function as it is (usable bare or as ``@ignore(drop=True)``)."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    """Decorator leaving ``fn`` as it is."""
    return fn


def export(fn):
    """Decorator leaving ``fn`` as it is."""
    return fn


def interface(obj):
    """Decorator leaving ``obj`` as it is."""
    return obj


_T = typing.TypeVar("_T")
_log = logging.getLogger(__name__)


class Future(typing.Generic[_T]):
    """A value that becomes available later: what :func:`fork` returns (as ``torch.futures.Future``).

    ember runs forked calls at once, so their futures are already complete; a future made directly is completed
    with :meth:`set_result` or :meth:`set_exception` (possibly from another thread, while :meth:`wait` blocks).

    Args:
        devices: accepted for compatibility (CUDA devices whose streams the value lives on).

    Example::

        >>> fut = ember.jit.Future()
        >>> doubled = fut.then(lambda f: f.wait() * 2)
        >>> fut.set_result(21)
        >>> doubled.wait()
        42
    """

    def __init__(self, *, devices=None):
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._result = None
        self._exception = None
        self._callbacks = []

    def done(self):
        """Whether the future holds a result or an exception."""
        return self._done.is_set()

    def wait(self):
        """Block until the future is complete; return its result or raise its exception."""
        self._done.wait()
        if self._exception is not None:
            raise self._exception
        return self._result

    def value(self):
        """The result of a completed future (raises its exception; RuntimeError while still pending)."""
        if not self.done():
            raise RuntimeError("Future.value() called on a Future that is not completed yet; use wait() to block.")
        return self.wait()

    def then(self, callback):
        """A new future completed with ``callback(self)`` once this one is complete.

        An exception from ``callback`` completes the new future with a RuntimeError naming it.
        """
        out = Future()

        def run(fut):
            try:
                out.set_result(callback(fut))
            except Exception as exc:  # noqa: BLE001 - passed on through the returned future
                err = RuntimeError(f"Got the following error when running the callback: {type(exc).__name__}: {exc}")
                err.__cause__ = exc
                out.set_exception(err)

        self._add_callback(run)
        return out

    def add_done_callback(self, callback):
        """Run ``callback(self)`` once the future is complete (now, if it is); its exceptions are logged."""
        def run(fut):
            try:
                callback(fut)
            except Exception as exc:  # noqa: BLE001 - logged and dropped, as PyTorch does
                _log.error("Got the following error when running the callback: %s: %s", type(exc).__name__, exc)

        self._add_callback(run)

    def set_result(self, result):
        """Complete the future with ``result`` (RuntimeError if it is already complete)."""
        self._complete(result, None)

    def set_exception(self, result):
        """Complete the future with the exception ``result``, raised by :meth:`wait` and :meth:`value`."""
        if not builtins.isinstance(result, Exception):
            raise AssertionError(f"{result} is of type {type(result)}, not an Exception.")
        self._complete(None, result)

    def _complete(self, result, exception):
        with self._lock:
            if self._done.is_set():
                raise RuntimeError("Attempting to mark a completed Future as complete again. Note that a Future "
                                   "can only be marked completed once.")
            self._result, self._exception = result, exception
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        for cb in callbacks:
            cb(self)

    def _add_callback(self, run):
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(run)
                return
        run(self)


def fork(func, *args, **kwargs):
    """Run ``func(*args, **kwargs)`` now and return a completed :class:`Future` holding its result.

    Exceptions propagate at once, as in PyTorch's eager mode. Example: ``ember.jit.wait(ember.jit.fork(f, x))``.
    """
    fut = Future()
    fut.set_result(func(*args, **kwargs))
    return fut


def wait(future):
    """The result of a :func:`fork` (blocks until the future is complete)."""
    return future.wait()


class Error(Exception):
    """The exception type of errors raised inside TorchScript code (never raised by ember's eager code)."""


class ScriptWarning(Warning):
    """Warning category of TorchScript's compiler."""


class TracerWarning(Warning):
    """Warning category of the tracer."""


class TracingCheckError(Exception):
    """Raised when a traced function's checks disagree with its eager results (never raised by ember)."""

    def __init__(self, graph_diff_error, tensor_compare_error, extra_msg=None):
        self.message = "Tracing failed sanity checks!\n"
        if extra_msg is not None:
            self.message += extra_msg + "\n"
        if graph_diff_error is not None:
            self.message += "ERROR: Graphs differed across invocations!\n"
            self.message += "\t" + graph_diff_error.replace("\n", "\n\t") + "\n"
        if tensor_compare_error is not None:
            self.message += ("ERROR: Tensor-valued Constant nodes differed in value across invocations. This often "
                             "indicates that the tracer has encountered untraceable code.\n")
            self.message += "\t" + tensor_compare_error.replace("\n", "\n\t") + "\n"
        super().__init__(self.message)


class RecursiveScriptModule(ScriptModule):
    """Stands for a scripted module's type (never instantiated in ember)."""


class RecursiveScriptClass:
    """Stands for a scripted class's type (never instantiated in ember)."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(_NO_TORCHSCRIPT)


class TracedModule(ScriptModule):
    """Stands for a traced module's type (never instantiated in ember)."""


class TopLevelTracedModule(TracedModule):
    """Stands for the outermost traced module's type (never instantiated in ember)."""


class CompilationUnit:
    """Stands for TorchScript's compilation unit: raises NotImplementedError (there is nothing to compile into)."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("ember.jit.CompilationUnit: " + _NO_TORCHSCRIPT)


def trace_module(mod, inputs, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-05, strict=True,
                 _force_outplace=False, _module_class=None, _compilation_unit=None, example_inputs_is_kwarg=False,
                 _store_inputs=True):
    """Return ``mod`` unchanged, warning once: its methods run eagerly (see :func:`trace`)."""
    _warn_once("trace_module")
    return mod


def script_method(fn):
    """Decorator leaving ``fn`` as it is (a ``ScriptModule`` method runs eagerly)."""
    return fn


def export_opnames(m):
    """Not available: raises NotImplementedError (the operator list comes from compiled TorchScript code)."""
    raise NotImplementedError("ember.jit.export_opnames: " + _NO_TORCHSCRIPT)


def run_frozen_optimizations(mod, optimize_numerics=True, preserved_methods=None):
    """Nothing to optimise without TorchScript: returns None, leaving ``mod`` as it is."""


def last_executed_optimized_graph():
    """None: no TorchScript graph has run."""
    return None


def set_module(obj, mod):
    """Set ``obj.__module__`` to ``mod`` (a string), as shown in reprs and docs."""
    if not builtins.isinstance(mod, str):
        raise TypeError("The mod argument should be a string")
    obj.__module__ = mod


_flags = {"onednn_fusion": False, "fusion_strategy": [("STATIC", 2), ("DYNAMIC", 10)]}


def enable_onednn_fusion(enabled):
    """Record whether oneDNN graph fusion is enabled (TorchScript's; nothing is fused in ember)."""
    _flags["onednn_fusion"] = bool(enabled)


def onednn_fusion_enabled():
    """Whether :func:`enable_onednn_fusion` turned fusion on (False by default)."""
    return _flags["onednn_fusion"]


def set_fusion_strategy(strategy):
    """Record TorchScript's fusion strategy, a list of ``("STATIC" | "DYNAMIC", depth)``; return the previous one.

    Example::

        >>> old = ember.jit.set_fusion_strategy([("DYNAMIC", 3)])
        >>> old
        [('STATIC', 2), ('DYNAMIC', 10)]
        >>> _ = ember.jit.set_fusion_strategy(old)
    """
    strategy = [(kind, int(depth)) for kind, depth in strategy]
    for kind, _ in strategy:
        if kind not in ("STATIC", "DYNAMIC"):
            raise ValueError(f"FusionBehavior only supported 'STATIC' or 'DYNAMIC', got: {kind}")
    old, _flags["fusion_strategy"] = _flags["fusion_strategy"], strategy
    return old


class strict_fusion:  # noqa: N801 - PyTorch's class name
    """Context manager asserting that TorchScript fuses its block; outside script mode it only warns."""

    def __init__(self):
        if not is_scripting():
            warnings.warn("Only works in script mode", stacklevel=2)

    def __enter__(self):
        pass

    def __exit__(self, type, value, tb):  # noqa: A002 - PyTorch's argument names
        pass


@contextlib.contextmanager
def optimized_execution(should_optimize):
    """Context manager accepted for compatibility: TorchScript's optimisation switch (ember runs eagerly)."""
    yield


_FUSERS = ("fuser0", "fuser1", "fuser2", "fuser3", "none")


@contextlib.contextmanager
def fuser(name):
    """Context manager choosing TorchScript's fuser (``"fuser0"`` ... ``"fuser3"``, ``"none"``); a no-op in ember."""
    if name not in _FUSERS:
        raise Exception(f"unrecognized fuser option (name: {name})")  # noqa: TRY002 - PyTorch raises Exception
    yield


# ---- isinstance: checks of refined container types, as TorchScript's isinstance does in eager mode ----

# Container types without element types, which TorchScript rejects, and the names its messages use.
_BARE = {list: "list", tuple: "tuple", dict: "dict", typing.Optional: "Optional",
         **{getattr(typing, n): n for n in ("List", "Tuple", "Dict")}}
_UNIONS = (typing.Union, types.UnionType)


def _warn_if_empty(obj):
    if builtins.isinstance(obj, (list, tuple, dict)) and not obj:
        warnings.warn("The inner type of a container is lost when calling torch.jit.isinstance in eager mode. For "
                      "example, List[int] would become list and therefore falsely return True for List[float] or "
                      "List[str].", stacklevel=4)


def _check(obj, target):
    if builtins.isinstance(target, str):
        raise RuntimeError("The second argument to `torch.jit.isinstance` must be a type or a tuple of types")
    if builtins.isinstance(target, tuple):
        return any(_check(obj, t) for t in target)
    try:
        bare = _BARE.get(target)
    except TypeError:  # an unhashable target: Python's isinstance gives the error
        bare = None
    if bare in ("dict", "Dict"):
        raise RuntimeError(f"Attempted to use {bare} without contained types. Please add contained type, "
                           f"e.g. {bare}[int, int]")
    if bare is not None:
        raise RuntimeError(f"Attempted to use {bare} without a contained type. Please add a contained type, "
                           f"e.g. {bare}[int]")
    origin = typing.get_origin(target)
    if origin is None:
        return builtins.isinstance(obj, target)
    args = typing.get_args(target)
    if origin in _UNIONS:
        if obj is None:
            return True
        # The first container type in the union decides; plain types before it are tried in order.
        for arg in args:
            if typing.get_origin(arg) is not None:
                return _check(obj, arg)
            if builtins.isinstance(obj, arg):
                return True
        return False
    if not builtins.isinstance(origin, type):
        raise TypeError("issubclass() arg 1 must be a class")
    if origin is list:
        _warn_if_empty(obj)
        return builtins.isinstance(obj, list) and all(_check(x, args[0]) for x in obj)
    if origin is dict:
        _warn_if_empty(obj)
        return (builtins.isinstance(obj, dict) and all(builtins.isinstance(k, args[0]) for k in obj)
                and all(_check(v, args[1]) for v in obj.values()))
    if origin is tuple:
        _warn_if_empty(obj)
        return (builtins.isinstance(obj, tuple) and len(obj) == len(args)
                and all(_check(x, a) for x, a in zip(obj, args)))
    return False  # other generics (Sequence[int], Set[int], Callable, ...) are not TorchScript types


def isinstance(obj, target_type):  # noqa: A001 - torch.jit.isinstance's name
    """Whether ``obj`` is of ``target_type``, which may be a refined container type.

    ``List[T]``, ``Dict[K, V]``, ``Tuple[...]``, ``Optional[T]`` and ``Union[...]`` (or their builtin spellings)
    are checked element by element, so ``isinstance([1, 2], List[int])`` is True and ``isinstance([1.0], List[int])``
    False. An empty container cannot show its element type: it matches any element type, with a warning.

    Args:
        obj: the object to check.
        target_type: a type, a refined container type, or a tuple of them (any may match).

    Raises:
        RuntimeError: for a container type without its element types (``List``, ``dict``, ``Optional``) or a
            string type name.

    Example::

        >>> from typing import Dict, List
        >>> ember.jit.isinstance({"w": ember.ones(2)}, Dict[str, ember.Tensor])
        True
        >>> ember.jit.isinstance([1, "a"], List[int])
        False
    """
    return _check(obj, target_type)
