"""``default_collate`` and ``default_convert``: turn a list of samples into a batch; ``collate`` with a
``collate_fn_map`` (type -> function) is the extension point (``torch.utils.data._utils.collate``)."""

import collections.abc
import re

import numpy as np

from ember._tensor import Tensor, wrap

np_str_obj_array_pattern = re.compile(r"[SaUO]")  # NumPy dtypes of strings and objects: not collated
default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}")
_np_str_obj = np_str_obj_array_pattern


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def default_convert(data):
    """Convert NumPy arrays and numbers inside ``data`` to tensors, keeping its structure (no batching).

    Example::

        >>> default_convert(np.array([1, 2]))
        tensor([1, 2])
    """
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "bytes_"):
        if isinstance(data, np.ndarray) and _np_str_obj.search(data.dtype.str) is not None:
            return data
        import ember
        return ember.as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = _copy(data)
                clone.update({k: default_convert(data[k]) for k in data})
                return clone
            return elem_type({k: default_convert(data[k]) for k in data})
        except TypeError:
            return {k: default_convert(data[k]) for k in data}
    if _is_namedtuple(data):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = _copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def _copy(x):
    import copy
    return copy.copy(x)


def _stack(batch):
    datas = [b._data for b in batch]
    shape, dtype = datas[0].shape, datas[0].dtype
    same = True
    for b, d in zip(batch, datas):
        if d.shape != shape or d.dtype != dtype or b._requires_grad:
            same = False
            break
    if same:
        return wrap(np.array(datas, dtype=dtype))
    import ember
    return ember.stack(batch, 0)  # type promotion, autograd and PyTorch's errors for mismatched shapes


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Stack tensors along a new first dimension."""
    return _stack(batch)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    """Collate NumPy arrays as tensors (string and object arrays are refused)."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    if elem.dtype.kind not in "biufc":
        import ember
        ember.as_tensor(elem)  # (raises PyTorch's error for dtypes a tensor cannot hold, e.g. datetime64)
    return collate([wrap(np.asarray(b)) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    """Collate NumPy scalars into a 1-d tensor."""
    import ember
    return ember.as_tensor(np.asarray(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    """Collate Python floats into a float64 tensor."""
    try:
        return wrap(np.asarray(batch, dtype=np.float64))
    except (TypeError, ValueError):  # (not all numbers: the tensor constructor's error)
        import ember
        return ember.tensor(batch, dtype=ember.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    """Collate Python ints (or bools) as ``tensor(batch)``: int64, bool, or float32 when floats are mixed in."""
    try:
        arr = np.asarray(batch)
    except (TypeError, ValueError):
        arr = None
    if arr is not None and arr.ndim == 1 and (arr.dtype == np.int64 or arr.dtype == np.bool_):
        return wrap(arr)
    import ember
    return ember.tensor(batch)  # (mixtures with floats, overflow and invalid elements: the constructor's rules)


def collate_str_fn(batch, *, collate_fn_map=None):
    """Strings and bytes stay a list."""
    return batch


default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def collate(batch, *, collate_fn_map=None):
    """Collate a list of samples with the functions of ``collate_fn_map``, recursing into containers.

    The function for the first sample's type (or else the first key it is an instance of; keys may be tuples
    of types) collates the batch; mappings, namedtuples and sequences are collated field by field.

    Args:
        batch: a list of samples.
        collate_fn_map: ``{type or tuple of types: fn(batch, *, collate_fn_map)}``.

    Example::

        >>> def collate_str(batch, *, collate_fn_map=None): return "|".join(batch)
        >>> collate([("a", 1), ("b", 2)], collate_fn_map={**default_collate_fn_map, str: collate_str})
        ['a|b', tensor([1, 2])]
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        fn = collate_fn_map.get(elem_type)
        if fn is not None:
            return fn(batch, collate_fn_map=collate_fn_map)
        for key, fn in collate_fn_map.items():
            if isinstance(elem, key):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = _copy(elem)
                clone.update({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem})
                return clone
            return elem_type({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem})
        except TypeError:
            return {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
    if _is_namedtuple(elem):
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = _copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map) for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def default_collate(batch):
    """Stack a list of samples into a batch, recursing into tuples, lists, dicts and namedtuples.

    Tensors and NumPy arrays are stacked along a new first dimension; Python ints become an int64
    tensor (``tensor(batch)``: bools give bool, a mixture with floats float32), floats a float64 tensor;
    strings and bytes stay a list; tuples become lists. The types are looked up in
    ``default_collate_fn_map``, which may be extended.

    Example::

        >>> default_collate([(1, 0.5), (2, 1.5)])
        [tensor([1, 2]), tensor([0.5000, 1.5000], dtype=ember.float64)]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
