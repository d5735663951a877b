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

import typing
import warnings
from collections import namedtuple

__all__ = ["Attribute", "Final", "ScriptFunction", "ScriptModule", "annotate", "export", "fork", "freeze", "ignore",
           "interface", "is_scripting", "is_tracing", "load", "optimize_for_inference", "save", "script",
           "script_if_tracing", "trace", "unused", "wait"]

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
    """Return ``mod`` unchanged (nothing to freeze without TorchScript)."""
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


class _Future:
    """The result of :func:`fork`: already computed (ember runs forked calls at once, in order)."""

    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value

    def value(self):
        return self._value

    def done(self):
        return True


def fork(func, *args, **kwargs):
    """Run ``func(*args, **kwargs)`` now and return a future holding its result (see :func:`wait`)."""
    return _Future(func(*args, **kwargs))


def wait(future):
    """The result of a :func:`fork`."""
    return future.wait()
