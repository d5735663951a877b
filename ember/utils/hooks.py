"""``torch.utils.hooks``: the handle every ``register_*_hook`` returns."""

import itertools
import warnings
import weakref
from collections import OrderedDict

__all__ = ["RemovableHandle", "unserializable_hook", "warn_if_has_hooks"]


class _HookDict(OrderedDict):
    """An OrderedDict that can be weakly referenced (hook handles must not keep modules or tensors alive)."""

    def __repr__(self):
        # shown as the plain OrderedDict PyTorch uses for its hook dicts
        return repr(OrderedDict(self))


def _ref(d):
    try:
        return weakref.ref(d)
    except TypeError:  # an unpickled plain dict: hold it
        return lambda: d


def _dead_ref():
    return None


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook.

    Args:
        hooks_dict: the dict the hook was stored in under ``handle.id`` (held weakly where possible).
        extra_dict: a dict, or a list of them, keyed by ``handle.id`` too and cleaned up alike (flags such as
            ``with_kwargs``); held weakly as well.

    Example::

        >>> handle = model.register_forward_hook(lambda m, args, out: print(out.shape))
        >>> handle.remove()  # or use the handle as a context manager
    """

    next_id = 0
    _counter = itertools.count()

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.id = next(RemovableHandle._counter)
        RemovableHandle.next_id = self.id + 1
        # as PyTorch, the dicts are held weakly: a plain dict (not weak-referenceable) is refused
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        if not isinstance(extra_dict, list):
            extra_dict = [] if extra_dict is None else [extra_dict]
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)

    def remove(self):
        """Unregister the hook (no-op if already removed or its owner is gone)."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            d = ref()
            if d is not None and self.id in d:
                del d[self.id]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

    def __getstate__(self):
        # (hooks dict, id, extra dicts): pickled with the handle, as PyTorch's
        extra = tuple(ref() for ref in self.extra_dict_ref)
        return (self.hooks_dict_ref(), self.id, extra)

    def __setstate__(self, state):
        self.hooks_dict_ref = _dead_ref if state[0] is None else _ref(state[0])
        self.id = state[1]
        if self.id >= RemovableHandle.next_id:  # later handles get larger ids than this one
            RemovableHandle.next_id = self.id + 1
            RemovableHandle._counter = itertools.count(self.id + 1)
        extra = state[2] if len(state) > 2 and state[2] is not None else ()
        self.extra_dict_ref = tuple(_dead_ref if d is None else _ref(d) for d in extra)


def unserializable_hook(f):
    """Mark tensor hook ``f`` as one that pickling a tensor drops without a warning.

    Example::

        >>> @ember.utils.hooks.unserializable_hook
        ... def hook(grad):
        ...     return grad
    """
    f.__torch_unserializable__ = True
    return f


def warn_if_has_hooks(tensor):
    """Warn for each hook of ``tensor`` (see ``Tensor.register_hook``) that pickling leaves behind."""
    hooks = tensor._backward_hooks
    if hooks:
        for hook in hooks.values():
            if not getattr(hook, "__torch_unserializable__", False):
                warnings.warn(f"backward hook {hook!r} on tensor will not be serialized.  If this is expected, you "
                              "can decorate the function with @torch.utils.hooks.unserializable_hook to suppress "
                              "this warning", stacklevel=3)
