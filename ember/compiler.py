"""``ember.compiler``: the ``torch.compiler`` controls PyTorch code calls, for an engine without a compiler.

:func:`ember.compile` compiles nothing (a module comes back wrapped as ``OptimizedModule`` and runs eagerly), so
these are no-ops with PyTorch's eager-mode answers:
``disable`` leaves a function as it is, ``is_compiling()`` is False, ``reset()`` does nothing. :func:`wrap_numpy`
does its eager-mode job: a NumPy function takes and returns tensors.

Example::

    >>> import ember
    >>> @ember.compiler.disable
    ... def step(x):
    ...     return x + 1
    >>> ember.compiler.is_compiling()
    False
"""

import collections
import dataclasses
import functools

__all__ = ["allow_in_graph", "assume_constant_result", "compile", "cudagraph_mark_step_begin", "disable",
           "get_default_backend", "is_compiling", "is_dynamo_compiling", "is_exporting", "keep_portable_guards_unsafe",
           "keep_tensor_guards_unsafe", "list_backends", "load_cache_artifacts", "load_compiled_function",
           "nested_compile_region", "reset", "save_cache_artifacts", "set_default_backend",
           "set_enable_guard_collectives", "set_stance", "skip_all_guards_unsafe",
           "skip_guard_on_all_nn_modules_unsafe", "skip_guard_on_globals_unsafe",
           "skip_guard_on_inbuilt_nn_modules_unsafe", "substitute_in_graph", "wrap_numpy"]


def compile(*args, **kwargs):  # noqa: A001 - torch.compiler.compile's name
    """As :func:`ember.compile`: returns the model (or a decorator) unchanged."""
    import ember
    return ember.compile(*args, **kwargs)


def disable(fn=None, recursive=True, *, reason=None):
    """Decorator (bare or called) leaving ``fn`` as it is: nothing is compiled in ember."""
    if fn is None:
        return lambda f: f
    return fn


def allow_in_graph(fn):
    """Return ``fn`` unchanged."""
    return fn


def assume_constant_result(fn):
    """Return ``fn`` unchanged."""
    return fn


def substitute_in_graph(original_fn, *, can_constant_fold_through=False, skip_signature_check=False):
    """Decorator factory whose decorator returns the substitute unchanged."""
    return lambda fn: fn


_stance = {"stance": "default", "skip_guard_eval_unsafe": False, "force_backend": None}


class set_stance:  # noqa: N801 - PyTorch's name (a function in its API)
    """Set how compiled code would run (``"default"``, ``"force_eager"``, ``"eager_on_recompile"``,
    ``"fail_on_recompile"``, ...): for the rest of the program, within a ``with`` block, or, as a decorator, while
    the decorated function runs. ember runs eagerly whatever the stance; it is only recorded.

    Args:
        stance: the stance's name.
        skip_guard_eval_unsafe: recorded with it.
        force_backend: only with ``"default"``: the backend to use (other stances raise RuntimeError).

    Example::

        >>> with ember.compiler.set_stance("force_eager"):
        ...     pass
        >>> @ember.compiler.set_stance("force_eager")
        ... def run(x):
        ...     return x
    """

    def __init__(self, stance="default", *, skip_guard_eval_unsafe=False, force_backend=None):
        if force_backend is not None and stance != "default":
            raise RuntimeError("non-default stance cannot have force_backend set")
        self._new = {"stance": stance, "skip_guard_eval_unsafe": skip_guard_eval_unsafe,
                     "force_backend": force_backend}
        self._prev = dict(_stance)
        _stance.update(self._new)  # (a plain call takes effect at once)

    def __enter__(self):
        return None

    def __exit__(self, *exc_info):
        _stance.update(self._prev)

    def __call__(self, fn):
        _stance.update(self._prev)  # (as a decorator, the stance holds only during calls)
        new = self._new

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = dict(_stance)
            _stance.update(new)
            try:
                return fn(*args, **kwargs)
            finally:
                _stance.update(prev)
        return wrapper


def list_backends(exclude_tags=("debug", "experimental")):
    """The backend names :func:`ember.compile` accepts (see :func:`ember._dynamo.list_backends`).

    Example::

        >>> ember.compiler.list_backends()
        ['cudagraphs', 'inductor', 'openxla', 'tvm']
    """
    from ember._dynamo import list_backends as _list
    return _list(exclude_tags)


def reset():
    """Nothing to reset (no compilation caches)."""


def cudagraph_mark_step_begin():
    """Nothing to mark (no CUDA graphs)."""


def is_compiling():
    """False: ember code never runs under a compiler."""
    return False


def is_dynamo_compiling():
    """False (see :func:`is_compiling`)."""
    return False


def is_exporting():
    """False: ember has no export."""
    return False


def _tree_map(fn, tree, leaf):
    """Apply ``fn`` to the ``leaf`` instances of a nest of lists, tuples, named tuples and dicts."""
    if isinstance(tree, leaf):
        return fn(tree)
    kind = type(tree)
    if kind is list:
        return [_tree_map(fn, x, leaf) for x in tree]
    if kind is collections.deque:
        return kind((_tree_map(fn, x, leaf) for x in tree), maxlen=tree.maxlen)
    if kind is tuple:
        return tuple(_tree_map(fn, x, leaf) for x in tree)
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):  # a named tuple
        return kind(*(_tree_map(fn, x, leaf) for x in tree))
    if kind is dict or kind is collections.OrderedDict:
        return kind((k, _tree_map(fn, v, leaf)) for k, v in tree.items())
    if kind is collections.defaultdict:
        return kind(tree.default_factory, ((k, _tree_map(fn, v, leaf)) for k, v in tree.items()))
    return tree


def wrap_numpy(fn):
    """Decorator letting a function written for NumPy arrays take and return tensors.

    Tensors in the arguments (also inside lists, tuples and dicts) reach ``fn`` as ``Tensor.numpy()`` arrays,
    sharing memory; arrays in its result come back as tensors (``ember.as_tensor``), so a float64 NumPy result
    gives a float64 tensor. Tensors that require grad raise, as ``numpy()`` does.

    Example::

        >>> import numpy as np
        >>> @ember.compiler.wrap_numpy
        ... def colsum(x):
        ...     return np.sum(x, axis=0)
        >>> colsum(ember.ones(2, 3))
        tensor([2., 2., 2.])
    """
    import ember
    from ember._backend import xp

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        args, kwargs = _tree_map(lambda t: t.numpy(), (args, kwargs), ember.Tensor)
        return _tree_map(ember.as_tensor, fn(*args, **kwargs), xp.ndarray)

    return wrapper


@dataclasses.dataclass
class NestedCompileRegionOptions:
    """Compiler options of a :func:`nested_compile_region` (kept for compatibility; nothing is compiled)."""

    fw_compiler: object = None
    bw_compiler: object = None
    partitioner: object = None
    decompositions: object = None


def nested_compile_region(fn=None, *, options=None, max_reuse_entries=8, reuse_hash_fn=None):
    """Decorator (bare or called) marking a region a compiler would compile once and reuse: leaves ``fn`` as it is.

    Example::

        >>> @ember.compiler.nested_compile_region
        ... def block(x):
        ...     return x * 2
    """
    if fn is None:
        return lambda f: f
    return fn


_state = {"default_backend": "inductor", "guard_collectives": False}


def set_default_backend(backend):
    """Record the backend :func:`ember.compile` would use by default: a name or a callable (None restores
    ``"inductor"``); anything else raises TypeError."""
    if not (backend is None or isinstance(backend, str) or callable(backend)):
        raise TypeError(f"backend must be a string or callable, got {type(backend)}")
    _state["default_backend"] = "inductor" if backend is None else backend


def get_default_backend():
    """The backend named by :func:`set_default_backend` (``"inductor"`` by default; ember runs eagerly anyway)."""
    return _state["default_backend"]


def set_enable_guard_collectives(enabled):
    """Record the distributed guard-collectives switch; return its previous value (False at first)."""
    old, _state["guard_collectives"] = _state["guard_collectives"], bool(enabled)
    return old


def save_cache_artifacts():
    """None: ember has no compilation cache to save."""
    return None


def load_cache_artifacts(serialized_artifacts):
    """None: there is no compilation cache to load the artifacts into."""
    return None


def load_compiled_function(file, *, f_globals=None, external_data=None):
    """Not available: raises NotImplementedError (a saved compiled function holds compiled code)."""
    raise NotImplementedError("ember.compiler.load_compiled_function: ember has no compiler; keep the function's "
                              "Python source instead.")


def skip_all_guards_unsafe(guard_entries):
    """Guard filter (for ``compile(options={"guard_filter_fn": ...})``): keep no guard."""
    return [False] * len(guard_entries)


def skip_guard_on_globals_unsafe(guard_entries):
    """Guard filter: keep the guards that are not on global variables."""
    return [not entry.is_global for entry in guard_entries]


def skip_guard_on_all_nn_modules_unsafe(guard_entries):
    """Guard filter: keep the guards whose source is not an (unspecialised) ``nn.Module``."""
    return [not entry.orig_guard.source.is_unspecialized_nn_module() for entry in guard_entries]


def skip_guard_on_inbuilt_nn_modules_unsafe(guard_entries):
    """Guard filter: keep the guards whose source is not a built-in (``ember.nn``) module."""
    return [not entry.orig_guard.source.is_unspecialized_builtin_nn_module() for entry in guard_entries]


def keep_portable_guards_unsafe(guard_entries):
    """Guard filter: keep global-state and shape guards, and tensor guards on non-global tensors."""
    return [entry.guard_type in ("GLOBAL_STATE", "SHAPE_ENV")
            or (entry.guard_type == "TENSOR_MATCH" and not entry.is_global) for entry in guard_entries]


def keep_tensor_guards_unsafe(guard_entries, keep_parameters=False):
    """Guard filter: keep only tensor-match guards (on parameters too if ``keep_parameters``)."""
    import ember
    return [entry.guard_type == "TENSOR_MATCH"
            and (keep_parameters or not isinstance(entry.value, ember.nn.Parameter)) for entry in guard_entries]
