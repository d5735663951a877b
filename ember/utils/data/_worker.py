"""Worker-process side of the DataLoader: fetchers, the worker loop, ``get_worker_info``."""

import os
import pickle
import queue
import random
import sys
import traceback

import numpy as np

# How often a blocked get wakes up to check that the other side is still alive (seconds).
STATUS_CHECK_INTERVAL = 1.0


class WorkerInfo:
    """What a worker process knows about itself: ``id``, ``num_workers``, ``seed``, ``dataset``."""

    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs.keys())
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        items = ", ".join(f"{k}={getattr(self, k)}" for k in self.__keys)
        return f"{self.__class__.__name__}({items})"


_worker_info = None


def get_worker_info():
    """In a DataLoader worker process, its :class:`WorkerInfo`; ``None`` in the main process.

    Example::

        >>> info = get_worker_info()
        >>> shard = range(info.id, n, info.num_workers) if info else range(n)
    """
    return _worker_info


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process with its formatted traceback."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where
        try:
            pickle.dumps(self.exc_type)
        except Exception:  # a class that cannot travel between processes
            self.exc_msg = f"{self.exc_type.__name__}: " + self.exc_msg
            self.exc_type = RuntimeError

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


class _KeyErrorMessage(str):
    # KeyError reprs its argument; keep the traceback readable.
    def __repr__(self):
        return self


class _IterableStop:
    def __init__(self, worker_id):
        self.worker_id = worker_id


class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        from ember.utils.data._collate import default_collate
        self.fast = getattr(dataset, "_ember_batch", None) if collate_fn is default_collate else None

    def fetch(self, index):
        if self.auto_collation:
            if self.fast is not None:
                batch = self.fast(index)
                if batch is not NotImplemented:
                    return batch
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset_iter = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


def make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last):
    cls = _IterableFetcher if is_iterable else _MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


def _numpy_seed(base_seed, worker_id):
    return np.random.SeedSequence([worker_id, base_seed & 0xFFFF_FFFF_FFFF_FFFF]).generate_state(4)


def worker_loop(is_iterable, dataset, index_queue, data_queue, auto_collation, collate_fn, drop_last,
                base_seed, init_fn, worker_id, num_workers):
    """Run in each worker: take (epoch, task id, indices), put back (epoch, task id, pickled batch)."""
    global _worker_info
    import ember
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    np.random.seed(_numpy_seed(base_seed, worker_id))
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    where = f"in DataLoader worker process {worker_id}"
    parent = os.getppid()
    init_error = None
    fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
    except Exception:
        init_error = ExceptionWrapper(where=where)
    epoch = 0
    ended = False
    data_queue.cancel_join_thread()  # never block exit on results the main process will not read
    try:
        while True:
            try:
                task = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent:  # main process gone: stop
                    return
                continue
            if task is None:
                return
            task_epoch, task_id, index = task
            if task_epoch != epoch:  # persistent workers: a new epoch restarts an iterable dataset
                epoch, ended = task_epoch, False
                if is_iterable and init_error is None:
                    try:
                        fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
                    except Exception:
                        init_error = ExceptionWrapper(where=where)
            if init_error is not None:
                data, init_error = init_error, None
                ended = is_iterable
            elif ended:
                data = _IterableStop(worker_id)
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if not is_iterable:
                        data = ExceptionWrapper(where=where)
                    else:
                        data, ended = _IterableStop(worker_id), True
                except Exception:
                    data = ExceptionWrapper(where=where)
            try:
                payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                payload = pickle.dumps(ExceptionWrapper(where=where))
            data_queue.put((task_epoch, task_id, payload))
    except KeyboardInterrupt:
        pass
