"""``ember._dynamo``: the parts of ``torch._dynamo`` that training scripts touch, for an engine that runs eagerly.

``ember.compile(model)`` wraps a module in :class:`OptimizedModule`, as PyTorch does, so that code written for a
compiled model keeps working: ``model._orig_mod``, state_dict keys prefixed ``_orig_mod.``, attribute access falling
through to the wrapped module. Nothing is compiled: calls run the wrapped module as it is. ``config`` accepts the
settings scripts write (``ember._dynamo.config.suppress_errors = True``) and refuses unknown names.
"""

import collections
import contextlib
import functools
import sys
import types

from ember.nn.modules.module import Module

__all__ = ["OptimizedModule", "allow_in_graph", "config", "disable", "exc", "explain", "graph_break", "is_compiling",
           "list_backends", "mark_dynamic", "mark_static", "mark_static_address", "maybe_mark_dynamic", "optimize",
           "reset", "utils"]


def _submodule(name, doc, **attrs):
    """A small submodule of this one (``ember._dynamo.<name>``), importable as such: ``from ember._dynamo.utils
    import counters`` finds it in ``sys.modules``."""
    mod = types.ModuleType(f"{__name__}.{name}", doc)
    mod.__dict__.update(attrs)
    sys.modules[mod.__name__] = mod
    return mod


class TorchDynamoException(RuntimeError):
    """Base class of the errors :mod:`ember._dynamo` raises (PyTorch's ``torch._dynamo.exc`` name)."""


class InvalidBackend(TorchDynamoException):
    """Raised by :func:`ember.compile` for a backend name that :func:`list_backends` does not know."""

    def __init__(self, name):
        super().__init__(f"Invalid backend: {name!r}, see `torch._dynamo.list_backends()` for available backends.")


for _cls in (TorchDynamoException, InvalidBackend):
    _cls.__module__ = f"{__name__}.exc"
exc = _submodule("exc", "Errors of ember._dynamo.", TorchDynamoException=TorchDynamoException,
                 InvalidBackend=InvalidBackend)
# torch._dynamo.utils.counters: scripts read graph-break / recompile counts from it; nothing compiles, so it stays
# empty (its counters are still writable, as PyTorch's are).
utils = _submodule("utils", "Helpers of ember._dynamo: ``counters``.",
                   counters=collections.defaultdict(collections.Counter))

# The backend names PyTorch's registry knows, with its tags; every one of them runs eagerly here. list_backends()
# shows the untagged ones unless asked for more, as PyTorch does.
_DEBUG = ("aot_eager", "aot_eager_decomp_partition", "aot_eager_decomp_partition_crossref",
          "aot_eager_decomp_partition_with_mode", "aot_eager_default_partitioner", "aot_ts",
          "dynamo_accuracy_minifier_backend", "dynamo_minifier_backend", "eager", "eager_debug", "eager_noexcept",
          "invoke_subgraph", "non_leaf_compile_error_TESTING_ONLY", "pre_dispatch_eager",
          "relu_accuracy_error_TESTING_ONLY", "relu_compile_error_TESTING_ONLY", "relu_runtime_error_TESTING_ONLY",
          "ts")
_EXPERIMENTAL = ("openxla_eval",)
_BACKENDS = {**dict.fromkeys(("cudagraphs", "inductor", "openxla", "tvm"), ()), **dict.fromkeys(_DEBUG, ("debug",)),
             **dict.fromkeys(_EXPERIMENTAL, ("experimental",))}


def _check_backend(backend):
    """Raise :class:`InvalidBackend` for a backend name that is not registered (a callable is taken as it is)."""
    if isinstance(backend, str) and backend not in _BACKENDS:
        raise InvalidBackend(backend)


class OptimizedModule(Module):
    """What ``ember.compile(module)`` returns: ``module`` under the name ``_orig_mod``, called as it is.

    Attribute reads and writes that the wrapper does not hold itself go to the wrapped module, and its
    parameters appear as ``_orig_mod.<name>`` (the keys a compiled PyTorch model saves).

    Example::

        >>> net = ember.compile(ember.nn.Linear(2, 3))
        >>> net._orig_mod.out_features, list(net.state_dict())
        (3, ['_orig_mod.weight', '_orig_mod.bias'])
    """

    _torchdynamo_orig_callable = None

    def __init__(self, mod, dynamo_ctx=None, *, backend="inductor"):
        super().__init__()
        self._orig_mod = mod
        self.dynamo_ctx = dynamo_ctx
        self.__dict__["_torchdynamo_orig_callable"] = mod.forward
        self.__dict__["_backend"] = backend

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)

    @property
    def training(self):  # the wrapped module's mode, however it was set
        mod = self.__dict__["_modules"].get("_orig_mod")
        return self.__dict__["training"] if mod is None else mod.training

    @training.setter
    def training(self, mode):
        self.__dict__["training"] = mode
        mod = self.__dict__["_modules"].get("_orig_mod") if "_modules" in self.__dict__ else None
        if mod is not None:
            mod.training = mode

    def __getattr__(self, name):
        if name == "_orig_mod":
            return self._modules["_orig_mod"]
        try:
            return Module.__getattr__(self, name)
        except AttributeError:
            return getattr(self._modules["_orig_mod"], name)

    def __setattr__(self, name, value):
        if name in ("_orig_mod", "dynamo_ctx", "training") or "_orig_mod" not in self.__dict__.get("_modules", {}):
            return Module.__setattr__(self, name, value)
        setattr(self._orig_mod, name, value)  # as PyTorch: settings land on the wrapped module

    def __delattr__(self, name):
        if name in ("_orig_mod", "dynamo_ctx") or name in self.__dict__ or "_orig_mod" not in self._modules:
            return Module.__delattr__(self, name)
        delattr(self._orig_mod, name)  # (what a write sets on the wrapped module, a delete removes there)

    def __len__(self):  # (a compiled Sequential / ModuleList keeps its length, as in PyTorch)
        return len(self._orig_mod)

    def __dir__(self):
        return sorted(set(Module.__dir__(self)) | set(dir(self._orig_mod)))

    def get_compiler_config(self):
        """The settings of the backend's compiler: a copy of ``ember._inductor.config`` for ``"inductor"`` (the
        default), None for other backends, as PyTorch reports them (nothing is compiled here)."""
        if self.__dict__["_backend"] != "inductor":
            return None
        from ember._inductor import config as inductor_config
        return inductor_config.get_config_copy()


def _wrap(model, backend="inductor"):
    _check_backend(backend)
    if isinstance(model, Module):
        return OptimizedModule(model, backend=backend)
    if not callable(model):
        raise RuntimeError(f"Unsupported type {type(model).__name__} passed to compile: expected a callable")

    @functools.wraps(model)
    def compiled(*args, **kwargs):
        return model(*args, **kwargs)
    compiled._torchdynamo_orig_callable = model
    return compiled


class _Config:
    """``ember._dynamo.config``: PyTorch's commonly set dynamo options, stored and otherwise ignored."""

    _defaults = {
        "suppress_errors": False, "verbose": False, "cache_size_limit": 8, "recompile_limit": 8,
        "accumulated_cache_size_limit": 256, "accumulated_recompile_limit": 256, "capture_scalar_outputs": False,
        "capture_dynamic_output_shape_ops": False, "automatic_dynamic_shapes": True, "assume_static_by_default": True,
        "force_parameter_static_shapes": True, "specialize_int": False, "optimize_ddp": True,
        "inline_inbuilt_nn_modules": True, "guard_nn_modules": False, "error_on_recompile": False,
        "replay_record_enabled": False, "allow_unspec_int_on_nn_module": False, "skip_nnmodule_hook_guards": True,
        "raise_on_ctx_manager_usage": True, "cache_size_limit_warning": True, "use_graph_deduplication": False,
    }

    def __init__(self):
        object.__setattr__(self, "_values", dict(self._defaults))

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"torch._dynamo.config.{name} does not exist") from None

    def __setattr__(self, name, value):
        if name not in self._values:
            raise AttributeError(f"torch._dynamo.config.{name} does not exist")
        self._values[name] = value

    @contextlib.contextmanager
    def _patched(self, changes):
        old = {k: getattr(self, k) for k in changes}
        for k, v in changes.items():
            setattr(self, k, v)
        try:
            yield
        finally:
            self._values.update(old)

    def patch(self, arg=None, value=None, **kwargs):
        """Context manager (or decorator) setting options for its duration: ``patch("verbose", True)`` or
        ``patch(verbose=True)`` or ``patch({"verbose": True})``."""
        changes = dict(arg) if isinstance(arg, dict) else ({arg: value} if arg is not None else {})
        changes.update(kwargs)
        return self._patched(changes)

    def get_config_copy(self):
        return dict(self._values)


config = _Config()


def reset():
    """Nothing to reset: ember keeps no compiled code."""


def disable(fn=None, recursive=True, *, reason=None):
    """Decorator (bare or called) leaving ``fn`` as it is."""
    return (lambda f: f) if fn is None else fn


def allow_in_graph(fn):
    """Return ``fn`` unchanged."""
    return fn


def graph_break(msg=""):
    """No graph to break: does nothing."""


def is_compiling():
    """Always False: ember runs eagerly."""
    return False


def list_backends(exclude_tags=("debug", "experimental")):
    """The backend names :func:`ember.compile` accepts (all run eagerly), sorted; those tagged with one of
    ``exclude_tags`` (``"debug"``, ``"experimental"``) are left out, None or ``()`` lists them all.

    Example::

        >>> ember._dynamo.list_backends()
        ['cudagraphs', 'inductor', 'openxla', 'tvm']
    """
    excluded = set(exclude_tags or ())
    return sorted(name for name, tags in _BACKENDS.items() if not excluded.intersection(tags))


def mark_dynamic(t, index, *, min=None, max=None, specialize_on=None):  # noqa: A002 - PyTorch's names
    """Accepted for compatibility; shapes are always dynamic in eager code."""


def maybe_mark_dynamic(t, index):
    """Accepted for compatibility."""


def mark_static(t, index=None):
    """Accepted for compatibility."""


def mark_static_address(t, guard=True):
    """Accepted for compatibility."""


def optimize(backend="inductor", *, nopython=False, guard_export_fn=None, guard_fail_fn=None, disable=False,
             dynamic=None):
    """A decorator that returns what :func:`ember.compile` would."""
    _check_backend(backend)
    return functools.partial(_wrap, backend=backend)


def explain(fn, *extra_args, **extra_kwargs):
    """Not available: ember traces no graphs."""
    raise NotImplementedError("ember._dynamo.explain: ember has no graph capture (it runs eagerly)")
