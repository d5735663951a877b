"""``torch.nn.modules.utils``: tuple helpers for layer arguments and the ``DataParallel`` state-dict prefix fix."""

import collections.abc
import itertools

__all__ = ["consume_prefix_in_state_dict_if_present"]


def _ntuple(n, name="parse"):
    """A function turning a scalar into an ``n``-tuple of it and any iterable into a tuple.

    Example::

        >>> _ntuple(2)(3), _ntuple(2)([1, 2])
        ((3, 3), (1, 2))
    """
    def parse(x):
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(itertools.repeat(x, n))

    parse.__name__ = parse.__qualname__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t, n):
    """Reverse ``t`` and repeat each element ``n`` times: ``F.pad``'s order from a conv ``padding``.

    Example::

        >>> _reverse_repeat_tuple((1, 2), 2)
        (2, 2, 1, 1)
    """
    return tuple(x for x in reversed(t) for _ in range(n))


def _list_with_default(out_size, defaults):
    """Adaptive pooling's ``output_size`` with each ``None`` replaced by the matching trailing size of ``defaults``."""
    if isinstance(out_size, (int, float)) and not isinstance(out_size, bool) or out_size is None:
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    tail = list(defaults)[-len(out_size):]
    return [d if v is None else v for v, d in zip(out_size, tail)]


def consume_prefix_in_state_dict_if_present(state_dict, prefix):
    """Strip ``prefix`` from the keys of ``state_dict`` that start with it, in place (also its ``_metadata``).

    Typical use: load a checkpoint saved from ``nn.DataParallel`` / ``DistributedDataParallel`` (keys
    ``"module.xxx"``) into the bare model.

    Args:
        state_dict: the state dict (an ``OrderedDict`` from ``Module.state_dict()`` or a plain dict); modified.
        prefix: the prefix to remove, e.g. ``"module."``.

    Example::

        >>> sd = {"module.weight": w}
        >>> consume_prefix_in_state_dict_if_present(sd, "module.")
        >>> list(sd)
        ['weight']
    """
    for key in [k for k in state_dict if k.startswith(prefix)]:
        state_dict[key[len(prefix):]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is None:
        return
    # metadata keys are module paths without the trailing dot: "module" is the root once "module." is gone
    root = prefix[:-1] if prefix.endswith(".") else None
    for key in list(metadata):
        if key == root:
            metadata[""] = metadata.pop(key)
        elif key.startswith(prefix):
            metadata[key[len(prefix):]] = metadata.pop(key)
