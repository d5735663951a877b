"""Datasets: map-style and iterable, plus the wrappers that combine and split them."""

import bisect
import math
import warnings
from typing import Generic, Iterable, TypeVar  # noqa: UP035 - typing's Iterable gives PyTorch's MRO

import numpy as np

from ember import _random_kernels
from ember._tensor import Tensor, wrap

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset", "Subset",
    "random_split",
]

# typing parameters, as PyTorch's: ``Dataset[tuple[Tensor, int]]`` in annotations and as a base class
_T_co = TypeVar("_T_co", covariant=True)
_T_stack = TypeVar("_T_stack", tuple, dict)


class Dataset(Generic[_T_co]):
    """A map-style dataset: subclasses implement ``__getitem__`` (and usually ``__len__``).

    Example::

        >>> class Squares(Dataset):
        ...     def __len__(self): return 10
        ...     def __getitem__(self, i): return i * i
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset[_T_co], Iterable[_T_co]):
    """A dataset that is a stream: subclasses implement ``__iter__``.

    With worker processes each worker iterates its own copy; use
    :func:`ember.utils.data.get_worker_info` to split the stream.

    Example::

        >>> class Count(IterableDataset):
        ...     def __iter__(self): return iter(range(5))
    """

    # No __iter__ here: it stays abstract (from ``Iterable``), so a subclass without one cannot be
    # instantiated (TypeError "Can't instantiate abstract class ..."), as in PyTorch.

    def __add__(self, other):
        return ChainDataset([self, other])


def _fast_index(indices, n):
    """Indices as an int64 array when all are valid plain ints (else None: take the per-sample path)."""
    try:
        idx = np.asarray(indices)
    except Exception:
        return None
    if idx.ndim != 1 or idx.dtype.kind not in "iu":
        return None
    if idx.size and (idx.max() >= n or idx.min() < -n):
        return None
    return idx


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """A dataset of tensors indexed along their first dimension.

    Args:
        *tensors: tensors with the same size in dimension 0.

    Example::

        >>> ds = TensorDataset(ember.randn(100, 3), ember.arange(100))
        >>> x, y = ds[0]
    """

    def __init__(self, *tensors):
        assert all(tensors[0].size(0) == t.size(0) for t in tensors), "Size mismatch between tensors"
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)

    def _ember_batch(self, indices):
        # Whole batch by fancy indexing: what default_collate would build, without the per-sample stack.
        # (Not when a subclass fetches items its own way: the loader then calls its __getitems__/__getitem__.)
        cls = type(self)  # (the plain class first: the getattr miss costs more than the whole check)
        if cls is not TensorDataset and (cls.__getitem__ is not TensorDataset.__getitem__
                                         or getattr(cls, "__getitems__", None) is not None):
            return NotImplemented
        if not all(isinstance(t, Tensor) and not t.requires_grad for t in self.tensors):
            return NotImplemented
        idx = _fast_index(indices, len(self))
        if idx is None:
            return NotImplemented
        return [wrap(t._data[idx]) for t in self.tensors]


class StackDataset(Dataset[_T_stack]):
    """Zip datasets of equal length: items are tuples (positional) or dicts (keyword).

    Example::

        >>> StackDataset(images=ds_a, texts=ds_b)[0]  # {'images': ..., 'texts': ...}
    """

    def __init__(self, *args, **kwargs):
        if args:
            if kwargs:
                raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                                 "input/output, but both types are given.")
            self._length = len(args[0])
            if any(self._length != len(d) for d in args):
                raise ValueError("Size mismatch between datasets")
            self.datasets = args
        elif kwargs:
            tmp = list(kwargs.values())
            self._length = len(tmp[0])
            if any(self._length != len(d) for d in tmp):
                raise ValueError("Size mismatch between datasets")
            self.datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices):
        """The samples at ``indices`` as a list (each a tuple or dict), using each nested dataset's own
        ``__getitems__`` when it has one."""
        def fetch(d):
            getitems = getattr(d, "__getitems__", None)
            if not callable(getitems):
                return [d[i] for i in indices]
            items = getitems(indices)
            if len(items) != len(indices):
                raise ValueError(f"Nested dataset's output size mismatch. Expected {len(indices)}, got {len(items)}")
            return items

        if isinstance(self.datasets, dict):
            cols = {k: fetch(d) for k, d in self.datasets.items()}
            return [{k: col[j] for k, col in cols.items()} for j in range(len(indices))]
        cols = [fetch(d) for d in self.datasets]
        return [tuple(col[j] for col in cols) for j in range(len(indices))]

    def __len__(self):
        return self._length


class ConcatDataset(Dataset[_T_co]):
    """The concatenation of several map-style datasets.

    Example::

        >>> ds = ConcatDataset([range(3), range(2)])
        >>> len(ds), ds[3]
        (5, 0)
    """

    @staticmethod
    def cumsum(sequence):
        r, s = [], 0
        for e in sequence:
            s += len(e)
            r.append(s)
        return r

    def __init__(self, datasets):
        self.datasets = list(datasets)
        assert len(self.datasets) > 0, "datasets should not be an empty iterable"
        for d in self.datasets:
            assert not isinstance(d, IterableDataset), "ConcatDataset does not support IterableDataset"
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if d == 0 else idx - self.cumulative_sizes[d - 1]
        return self.datasets[d][sample_idx]


class ChainDataset(IterableDataset):
    """Chain iterable datasets one after another.

    Example::

        >>> list(ChainDataset([stream_a, stream_b]))
    """

    def __init__(self, datasets):
        super().__init__()
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            assert isinstance(d, IterableDataset), "ChainDataset only supports IterableDataset"
            yield from d

    def __len__(self):
        total = 0
        for d in self.datasets:
            assert isinstance(d, IterableDataset), "ChainDataset only supports IterableDataset"
            total += len(d)
        return total


class Subset(Dataset[_T_co]):
    """The items of ``dataset`` at ``indices``.

    Example::

        >>> Subset(range(10), [2, 4])[1]
        4
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)

    def _ember_batch(self, indices):
        inner = getattr(self.dataset, "_ember_batch", None)  # (which refuses when the inner class is overridden)
        cls = type(self)
        if inner is None or cls.__getitem__ is not Subset.__getitem__ or cls.__getitems__ is not Subset.__getitems__:
            return NotImplemented
        try:
            mapped = [self.indices[i] for i in indices]
        except Exception:
            return NotImplemented
        return inner(mapped)


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` at random into non-overlapping subsets of the given lengths or fractions.

    Args:
        dataset: the dataset to split.
        lengths: counts summing to ``len(dataset)``, or fractions summing to 1.
        generator: the ``ember.Generator`` that draws the permutation.

    Example::

        >>> train, val = random_split(range(10), [0.8, 0.2], generator=ember.Generator().manual_seed(42))
    """
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(int(math.floor(len(dataset) * frac)))
        remainder = len(dataset) - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = _random_kernels.randperm(sum(lengths), generator).tolist()
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[offset:offset + length]))
        offset += length
    return out
