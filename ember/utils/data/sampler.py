"""Samplers: the order in which a DataLoader visits dataset indices."""

from typing import Generic, TypeVar

import numpy as np

from ember import _random_kernels
from ember._random import Generator
from ember._tensor import Tensor

__all__ = [
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
    "BatchSampler",
]

_T_co = TypeVar("_T_co", covariant=True)  # what the sampler yields: ``Sampler[int]``, ``Sampler[list[int]]``
_BLOCK = 1 << 16  # the most indices a sampler's ``_blocks`` draws or lists at once


def _draw_seed(generator=None):
    """A seed as PyTorch draws one: ``torch.empty((), dtype=torch.int64).random_(generator=generator)``."""
    return int(_random_kernels.random_full(1, np.dtype(np.int64), generator)[0])


class Sampler(Generic[_T_co]):
    """Base class: subclasses implement ``__iter__`` over indices (and ``__len__`` when known).

    Example::

        >>> class Reverse(Sampler):
        ...     def __init__(self, n): self.n = n
        ...     def __iter__(self): return iter(range(self.n - 1, -1, -1))
        ...     def __len__(self): return self.n
    """

    # No __init__: PyTorch's ``Sampler(data_source)`` is a TypeError ("Sampler() takes no arguments").

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler[int]):
    """Indices ``0 .. len(data_source) - 1`` in order.

    Example::

        >>> list(SequentialSampler(range(3)))
        [0, 1, 2]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def _blocks(self):
        # Lists of indices in __iter__'s order, for BatchSampler to slice (bounded: a huge dataset starts at once).
        n = len(self.data_source)
        for i in range(0, n, _BLOCK):
            yield list(range(i, min(i + _BLOCK, n)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Random indices: a permutation, or draws with replacement.

    Args:
        data_source: the dataset.
        replacement: draw with replacement.
        num_samples: how many indices per epoch (default ``len(data_source)``).
        generator: ``ember.Generator`` to draw from (default: a fresh seed from the global generator each epoch).

    Example::

        >>> list(RandomSampler(range(4), generator=ember.Generator().manual_seed(0)))
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        for block in self._blocks():
            yield from block

    def _blocks(self):
        # The epoch's indices as lists, drawn lazily (num_samples may be far too many to hold, e.g. 10**10).
        n = len(self.data_source)
        generator = self.generator
        if generator is None:  # (drawn at the first index, as PyTorch's generator-function __iter__)
            generator = Generator().manual_seed(_draw_seed())
        if self.replacement:
            # PyTorch draws randint in chunks of 32 (then the remainder); the bit stream is the same drawn
            # several chunks at a time, so blocks of whole chunks grow (first batch fast, then few calls).
            chunks, per = self.num_samples // 32, 1
            while chunks:
                k = min(per, chunks)
                yield _random_kernels.random_range(32 * k, 0, n, generator).tolist()
                chunks -= k
                per = min(2 * per, _BLOCK // 32)
            if self.num_samples % 32:
                yield _random_kernels.random_range(self.num_samples % 32, 0, n, generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield _random_kernels.randperm(n, generator).tolist()
            rest = self.num_samples % n
            if rest:
                yield _random_kernels.randperm(n, generator)[:rest].tolist()
            elif self.generator is not None:
                # PyTorch draws the last (here empty) slice's permutation anyway, at the end of the epoch: the
                # user's generator must advance as much for the next epoch's order (own generator: unobservable).
                _random_kernels.randperm(n, generator)

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in a random order.

    Example::

        >>> sorted(SubsetRandomSampler([5, 7, 9]))
        [5, 7, 9]
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in _random_kernels.randperm(len(self.indices), self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """Indices ``0 .. len(weights) - 1`` drawn with probabilities proportional to ``weights``.

    Args:
        weights: a 1-d sequence of non-negative weights.
        num_samples: how many indices to draw.
        replacement: draw with replacement (default ``True``).
        generator: ``ember.Generator`` to draw from.

    Example::

        >>> list(WeightedRandomSampler([0.1, 0.9], 5))
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        from ember._tensor import wrap
        self.weights = wrap(w)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        w = self.weights._data
        # PyTorch's multinomial checks, in its order: the size first (zero weights still count: they are drawn
        # last); for two or more draws with replacement, entry by entry (the first bad one names the error);
        # otherwise (one draw, or without replacement) all entries at once.
        if not self.replacement and self.num_samples > w.size:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        if self.replacement and self.num_samples > 1:
            bad = np.flatnonzero(~((w >= 0) & np.isfinite(w)))
            if bad.size:
                what = "< 0" if not w[bad[0]] >= 0 else "= infinity or NaN"
                raise RuntimeError(f"invalid multinomial distribution (encountering probability entry {what})")
        else:
            if not w.size:
                raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has "
                                   "no identity.")
            if not ((w >= 0) & np.isfinite(w)).all():
                raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if not w.sum() > 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        idx = _random_kernels.multinomial(w[None, :], self.num_samples, self.replacement, self.generator)
        yield from idx[0].tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    Args:
        sampler: any iterable of indices.
        batch_size: indices per batch.
        drop_last: drop the last batch when it is short.

    Example::

        >>> list(BatchSampler(range(5), 2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        if type(self.sampler) in (SequentialSampler, RandomSampler):
            # Known samplers: slice their blocks of indices (same order, less Python per index); lazily, block by
            # block, so a huge num_samples yields its first batch at once.
            bs, buf = self.batch_size, []
            for block in self.sampler._blocks():
                if buf:
                    buf.extend(block)
                else:
                    buf = block
                if len(buf) >= bs:
                    stop = len(buf) - len(buf) % bs
                    for i in range(0, stop, bs):
                        yield buf[i:i + bs]
                    buf = buf[stop:]
            if buf and not self.drop_last:
                yield buf
            return
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
