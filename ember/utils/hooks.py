"""``torch.utils.hooks``: the handle every ``register_*_hook`` returns."""

import itertools
import weakref
from collections import OrderedDict

__all__ = ["RemovableHandle"]


class _HookDict(OrderedDict):
    """An OrderedDict that can be weakly referenced (hook handles must not keep modules or tensors alive)."""

    def __repr__(self):
        # shown as the plain OrderedDict PyTorch uses for its hook dicts
        return repr(OrderedDict(self))


def _ref(d):
    try:
        return weakref.ref(d)
    except TypeError:  # a plain dict: hold it
        return lambda: d


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook.

    Args:
        hooks_dict: the dict the hook was stored in under ``handle.id`` (held weakly where possible).
        *extra: more dicts keyed by ``handle.id`` to clean up (flags such as ``with_kwargs``).
        extra_dict: a dict, or a list of them, cleaned up too (PyTorch's keyword).

    Example::

        >>> handle = model.register_forward_hook(lambda m, args, out: print(out.shape))
        >>> handle.remove()  # or use the handle as a context manager
    """

    next_id = 0
    _counter = itertools.count()

    def __init__(self, hooks_dict, *extra, extra_dict=None):
        self.id = next(RemovableHandle._counter)
        RemovableHandle.next_id = self.id + 1
        if extra_dict is not None:
            extra += tuple(extra_dict) if isinstance(extra_dict, (list, tuple)) else (extra_dict,)
        self.hooks_dict_ref = _ref(hooks_dict)
        self._dicts = [self.hooks_dict_ref] + [_ref(d) for d in extra]

    def remove(self):
        """Unregister the hook (no-op if already removed or its owner is gone)."""
        for ref in self._dicts:
            d = ref()
            if d is not None and self.id in d:
                del d[self.id]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
