"""``scatter``/``gather`` of ``DataParallel`` (``torch.nn.parallel.scatter_gather``).

They move tensors between accelerators: ember has none, so a tensor among the data raises (as PyTorch's CPU build
does); containers of other objects are walked as PyTorch walks them (each target gets a copy of the structure).
"""

from ember._tensor import Tensor

__all__ = ["gather", "scatter", "scatter_kwargs"]


def _is_namedtuple(obj):
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def scatter(inputs, target_gpus, dim=0):
    """Split ``inputs`` into one piece per device of ``target_gpus`` along ``dim``.

    Tensors are chunked across the devices; tuples, lists and dicts are walked; other objects are repeated for each
    device. ember has no accelerator, so a tensor raises ``AttributeError`` (the exception of PyTorch's CPU build).

    Example::

        >>> scatter((1, "a"), [0, 1])
        [(1, 'a'), (1, 'a')]
    """
    def split(obj):
        if isinstance(obj, Tensor):
            raise AttributeError("ember was built without CUDA support: cannot scatter a tensor to CUDA devices "
                                 "(ember.cuda.is_available() is False)")
        if _is_namedtuple(obj):
            return [type(obj)(*parts) for parts in zip(*map(split, obj))]
        if isinstance(obj, tuple) and obj:
            return list(zip(*map(split, obj)))
        if isinstance(obj, list) and obj:
            return [list(parts) for parts in zip(*map(split, obj))]
        if isinstance(obj, dict) and obj:
            return [type(obj)(parts) for parts in zip(*map(split, obj.items()))]
        return [obj for _ in target_gpus]

    return split(inputs)


def scatter_kwargs(inputs, kwargs, target_gpus, dim=0):
    """:func:`scatter` of positional ``inputs`` and of ``kwargs``, padded to the same number of pieces.

    Returns:
        ``(tuple of input tuples, tuple of kwargs dicts)``.
    """
    pieces = scatter(inputs, target_gpus, dim) if inputs else []
    kw = scatter(kwargs, target_gpus, dim) if kwargs else []
    pieces = list(pieces) + [() for _ in range(len(kw) - len(pieces))]
    kw = list(kw) + [{} for _ in range(len(pieces) - len(kw))]
    return tuple(pieces), tuple(kw)


def gather(outputs, target_device, dim=0):
    """Collect the per-device ``outputs`` onto ``target_device``, concatenating tensors along ``dim``.

    Tensors need an accelerator: ember has none, so one raises ``AssertionError``, as PyTorch's CPU build does.
    """
    def join(outs):
        out = outs[0]
        if isinstance(out, Tensor):
            raise AssertionError("Gather function not implemented for CPU tensors")
        if out is None:
            return None
        if isinstance(out, dict):
            if any(len(out) != len(d) for d in outs):
                raise ValueError("All dicts must have the same number of keys")
            return type(out)((k, join([d[k] for d in outs])) for k in out)
        if _is_namedtuple(out):
            return type(out)._make(map(join, zip(*outs)))
        return type(out)(map(join, zip(*outs)))

    return join(outputs)
