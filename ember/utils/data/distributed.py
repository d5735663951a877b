"""``DistributedSampler``: each of ``num_replicas`` processes visits its own share of a dataset."""

import math
from typing import TypeVar

import numpy as np

from ember import _random_kernels
from ember._random import Generator
from ember.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]

_T_co = TypeVar("_T_co", covariant=True)


class DistributedSampler(Sampler[_T_co]):
    """The indices of one replica (process) out of ``num_replicas``: every ``num_replicas``-th index of the
    (optionally shuffled) dataset, starting at ``rank``.

    Without ``drop_last`` the index list is padded by repeating it from the start so that every replica gets
    ``ceil(len(dataset) / num_replicas)`` indices; with it, the tail that does not divide evenly is dropped.
    The shuffle is seeded with ``seed + epoch``: every replica draws the same permutation, and
    :meth:`set_epoch` changes it from one epoch to the next. ``num_replicas`` and ``rank`` default to the
    process group's world size and rank (ember's groups have one process).

    Note: the permutation comes from ember's generator, so shuffled orders differ from PyTorch's (which
    draws from its own Mersenne Twister); unshuffled orders, padding and the split are the same.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: number of processes taking part.
        rank: this process's index in ``[0, num_replicas - 1]``.
        shuffle: shuffle the indices (default ``True``).
        seed: the shuffle's seed; must be the same on every replica.
        drop_last: drop the tail instead of padding.

    Example::

        >>> list(DistributedSampler(range(10), num_replicas=3, rank=1, shuffle=False))
        [1, 4, 7, 0]
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from ember import distributed as dist  # (PyTorch's ValueError before init_process_group)
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = Generator().manual_seed(self.seed + self.epoch)
            indices = _random_kernels.randperm(n, g)
        else:
            indices = np.arange(n)
        # Padding repeats the list cyclically (np.resize), so every replica gets num_samples indices.
        indices = indices[: self.total_size] if self.drop_last else np.resize(indices, self.total_size)
        return iter(indices[self.rank: self.total_size: self.num_replicas].tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Set the epoch, which seeds the next shuffle (call it before each epoch when shuffling)."""
        self.epoch = epoch
