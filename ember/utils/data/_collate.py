"""``default_collate`` and ``default_convert``: turn a list of samples into a batch."""

import collections.abc
import re

import numpy as np

from ember._tensor import Tensor, wrap

_np_str_obj = re.compile(r"[SaUO]")
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


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


def default_collate(batch):
    """Stack a list of samples into a batch, recursing into tuples, lists, dicts and namedtuples.

    Tensors and NumPy arrays are stacked along a new first dimension; Python ints become an int64
    tensor, floats a float64 tensor, bools a bool tensor; strings and bytes stay a list; tuples become lists.

    Example::

        >>> default_collate([(1, 0.5), (2, 1.5)])
        [tensor([1, 2]), tensor([0.5000, 1.5000], dtype=ember.float64)]
    """
    elem = batch[0]
    elem_type = type(elem)
    if isinstance(elem, Tensor):
        return _stack(batch)
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "bytes_"):
        if isinstance(elem, np.ndarray):
            if _np_str_obj.search(elem.dtype.str) is not None:
                raise TypeError(_ERR.format(elem.dtype))
            return _stack([wrap(np.asarray(b)) for b in batch])
        if elem.shape == ():  # NumPy scalar
            import ember
            return ember.as_tensor(np.asarray(batch))
    if isinstance(elem, bool):
        import ember
        return ember.tensor(batch)
    if isinstance(elem, int):
        return wrap(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, float):
        return wrap(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = _copy(elem)
                clone.update({key: default_collate([d[key] for d in batch]) for key in elem})
                return clone
            return elem_type({key: default_collate([d[key] for d in batch]) for key in elem})
        except TypeError:
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if _is_namedtuple(elem):
        return elem_type(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = _copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = default_collate(samples)
                return clone
            return elem_type([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_ERR.format(elem_type))
