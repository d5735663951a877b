"""``ember.multiprocessing`` (``torch.multiprocessing``): Python's :mod:`multiprocessing` under ember's name, plus
PyTorch's tensor-sharing strategy settings.

Tensors moved to shared memory with ``share_memory_()`` travel through queues and spawned processes' arguments
as references to the same memory; other tensors are copied. The sharing-strategy setting is recorded only.

Example::

    >>> import ember.multiprocessing as mp
    >>> mp.get_sharing_strategy()
    'file_descriptor'
"""

import multiprocessing
import sys
from multiprocessing import *  # noqa: F401,F403 - Process, Queue, Pool, get_context, set_start_method, ...

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies", *multiprocessing.__all__]

# (PyTorch's choices per platform: macOS shares through the file system only)
_all_sharing_strategies = {"file_system"} if sys.platform == "darwin" else {"file_system", "file_descriptor"}
_sharing_strategy = "file_system" if sys.platform == "darwin" else "file_descriptor"


def set_sharing_strategy(new_strategy):
    """Set how tensors would be shared between processes: one of :func:`get_all_sharing_strategies`."""
    global _sharing_strategy
    assert new_strategy in _all_sharing_strategies  # (PyTorch's check, an AssertionError)
    _sharing_strategy = new_strategy


def get_sharing_strategy():
    """The current sharing strategy (``'file_descriptor'`` by default on Linux)."""
    return _sharing_strategy


def get_all_sharing_strategies():
    """The set of sharing strategies this platform supports."""
    return _all_sharing_strategies


# ---------------------------------------------------------------------------------------------------------------
# Shared memory for tensors (``Tensor.share_memory_``, ``Module.share_memory``)
#
# A shared tensor's array lives in a file under /dev/shm mapped MAP_SHARED: a forked child inherits the mapping,
# and a spawned child (or a Queue reader) receives the file's name through :class:`ForkingPickler` and maps the
# same pages. The process that made the file unlinks it when the mapping is garbage collected or at exit, so a
# receiver must unpickle the tensor while the sender still holds it.

import itertools as _itertools
import mmap as _mmap
import os as _os
import weakref as _weakref
from multiprocessing.reduction import ForkingPickler as _ForkingPickler

# (spawn and its classes are attributes, not in ``__all__``, as in PyTorch)

_SHM_DIR = "/dev/shm" if _os.path.isdir("/dev/shm") else None
_shm_counter = _itertools.count()
_reducing_types = set()


class _SharedMap(_mmap.mmap):
    """A MAP_SHARED mapping of a named file: the memory behind shared tensors (``name`` is the file's path)."""

    name = None


def _unlink(path, pid):
    # (a forked child dropping its copy of the mapping must not remove the parent's file)
    if _os.getpid() == pid:
        try:
            _os.unlink(path)
        except OSError:
            pass


def _new_map(nbytes):
    """A fresh shared mapping of ``nbytes`` bytes (at least one) backed by a new file the caller's process owns."""
    import tempfile
    fd, path = tempfile.mkstemp(prefix=f"ember_shm_{_os.getpid()}_{next(_shm_counter)}_", dir=_SHM_DIR)
    try:
        _os.ftruncate(fd, max(nbytes, 1))
        mm = _SharedMap(fd, max(nbytes, 1))
    except BaseException:
        _os.close(fd)
        _os.unlink(path)
        raise
    _os.close(fd)
    mm.name = path
    _weakref.finalize(mm, _unlink, path, _os.getpid())
    return mm


def _open_map(path, nbytes):
    """Map the existing shared file ``path`` (made by another process) into this one."""
    fd = _os.open(path, _os.O_RDWR)
    try:
        mm = _SharedMap(fd, max(nbytes, 1))
    finally:
        _os.close(fd)
    mm.name = path
    return mm


def _map_of(a):
    """The :class:`_SharedMap` under array ``a``, or None when its memory is private."""
    b = a.base
    while b is not None and not isinstance(b, _SharedMap):
        b = getattr(b, "base", None)
    return b


def _offset(a, root):
    return a.__array_interface__["data"][0] - root.__array_interface__["data"][0]


def _share_array(a):
    """A copy of array ``a`` in shared memory with the same shape, dtype and strides.

    When ``a`` views a larger array, that whole array is copied (as PyTorch moves the whole storage) and the
    result views the copy at the same offset; other arrays viewing the old memory keep it.
    """
    from ember._backend import xp
    root = a
    while isinstance(root.base, xp.ndarray):
        root = root.base
    if root.base is not None or not (root.flags.c_contiguous or root.flags.f_contiguous):
        root = a if a.flags.c_contiguous or a.flags.f_contiguous else xp.ascontiguousarray(a)
    mm = _new_map(root.nbytes)
    copy = xp.ndarray(root.shape, root.dtype, buffer=mm, order="F" if not root.flags.c_contiguous else "C")
    copy[...] = root
    if root is a or a.size == 0 or not xp.may_share_memory(a, root):
        return copy if copy.shape == a.shape else copy.reshape(a.shape)
    return xp.ndarray(a.shape, a.dtype, buffer=mm, offset=_offset(a, root), strides=a.strides)


def _rebuild_shared(path, nbytes, shape, dtype, offset, strides, requires_grad, cls):
    from ember._backend import xp
    from ember._tensor import _rebuild
    mm = _open_map(path, nbytes)
    return _rebuild(xp.ndarray(shape, dtype, buffer=mm, offset=offset, strides=strides), requires_grad, cls)


def _reduce_tensor(t):
    """How :class:`ForkingPickler` (``multiprocessing`` queues, pipes and spawned processes' arguments) sends a
    tensor: a shared one as the name of its memory, any other by value (the usual pickle)."""
    a = t._data
    mm = _map_of(a)
    if mm is None:
        return t.__reduce_ex__(2)
    if t._requires_grad and t.grad_fn is not None:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does "
                           "not support crossing process boundaries.  If you just want to transfer the data, call "
                           "detach() on the tensor before serializing (e.g., putting it on the queue).")
    from ember._backend import xp
    root = xp.ndarray(len(mm), xp.uint8, buffer=mm)
    return (_rebuild_shared, (mm.name, len(mm), a.shape, a.dtype, _offset(a, root), a.strides, t._requires_grad,
                              type(t)))


def _register_reducer(cls):
    # (ForkingPickler looks reducers up by exact type: every shared tensor class gets one)
    if cls not in _reducing_types:
        _reducing_types.add(cls)
        _ForkingPickler.register(cls, _reduce_tensor)


def init_reductions():
    """Register how tensors travel through :mod:`multiprocessing` (done on import and by ``share_memory_``)."""
    from ember._tensor import Tensor
    from ember.nn.parameter import Parameter
    _register_reducer(Tensor)
    _register_reducer(Parameter)


init_reductions()


# ---------------------------------------------------------------------------------------------------------------
# spawn / start_processes


class ProcessException(Exception):
    """A process started by :func:`start_processes` failed (``error_index`` is its rank, ``pid`` its id)."""

    def __init__(self, msg, error_index, pid):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = self.error_pid = pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A started process raised: the message holds its traceback."""

    def __init__(self, msg, error_index, error_pid):
        super().__init__(msg, error_index, error_pid)


class ProcessExitedException(ProcessException):
    """A started process exited with a nonzero code or was killed by a signal (``signal_name``)."""

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def _wrap(fn, i, args, error_file):
    # runs in the child: fn(rank, *args); on an exception its traceback goes to error_file for the parent
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # (the parent sent SIGINT)
    except Exception:
        import pickle
        import traceback
        with open(error_file, "wb") as fh:
            pickle.dump(traceback.format_exc(), fh)
        sys.exit(1)


class ProcessContext:
    """The processes :func:`start_processes` started, for :meth:`join`.

    Args:
        processes: the started :class:`multiprocessing.Process` objects, by rank.
        error_files: per process, the file its traceback is written to if it raises.
    """

    def __init__(self, processes, error_files):
        self.error_files = error_files
        self.processes = processes
        self.sentinels = {process.sentinel: index for index, process in enumerate(processes)}

    def pids(self):
        """The processes' ids, by rank."""
        return [int(process.pid) for process in self.processes]

    def join(self, timeout=None, grace_period=None):
        """Wait up to ``timeout`` seconds for the processes; return True once all have exited successfully.

        When one fails, the others are terminated (after ``grace_period`` seconds, then killed) and the failure is
        raised: :class:`ProcessRaisedException` with the child's traceback, or :class:`ProcessExitedException`.
        Returns False while processes are still running.
        """
        import signal
        from multiprocessing.connection import wait
        if not self.sentinels:
            return True
        ready = wait(self.sentinels.keys(), timeout=timeout)
        error_index = None
        for sentinel in ready:
            index = self.sentinels.pop(sentinel)
            process = self.processes[index]
            process.join()
            if process.exitcode != 0:
                error_index = index
                break
        if error_index is None:
            return not self.sentinels
        for process in self.processes:  # stop the others
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(grace_period)
            if process.is_alive():
                process.kill()
                process.join()
        error_file = self.error_files[error_index]
        failed = self.processes[error_index]
        exitcode = failed.exitcode
        if not _os.path.exists(error_file) or _os.path.getsize(error_file) == 0:
            if exitcode < 0:
                name = signal.Signals(-exitcode).name
                raise ProcessExitedException(f"process {error_index:d} terminated with signal {name}",
                                             error_index=error_index, error_pid=failed.pid, exit_code=exitcode,
                                             signal_name=name)
            raise ProcessExitedException(f"process {error_index:d} terminated with exit code {exitcode:d}",
                                         error_index=error_index, error_pid=failed.pid, exit_code=exitcode)
        import pickle
        with open(error_file, "rb") as fh:
            original_trace = pickle.load(fh)
        msg = f"\n\n-- Process {error_index:d} terminated with the following error:\n" + original_trace
        raise ProcessRaisedException(msg, error_index, failed.pid)


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Run ``fn(rank, *args)`` in ``nprocs`` new processes started with ``start_method``.

    Args:
        fn: the function each process runs, called with its rank (0 to ``nprocs - 1``) first; with ``"spawn"`` it
            must be picklable (a module-level function).
        args: the further positional arguments of ``fn``.
        nprocs: how many processes.
        join: wait for them all (raising if one fails) and return None; False returns the :class:`ProcessContext`.
        daemon: start daemonic processes.
        start_method: ``"spawn"``, ``"fork"`` or ``"forkserver"``.

    Example::

        >>> def work(rank, scale):
        ...     print(rank * scale)
        >>> start_processes(work, args=(10,), nprocs=2, start_method="fork")
    """
    import tempfile
    ctx = multiprocessing.get_context(start_method)
    error_files, processes = [], []
    for i in range(nprocs):
        fd, error_file = tempfile.mkstemp(prefix="ember-errorfile-", suffix=".pickle")
        _os.close(fd)
        _os.unlink(error_file)  # (the child creates it only when it fails)
        process = ctx.Process(target=_wrap, args=(fn, i, args, error_file), daemon=daemon)
        process.start()
        error_files.append(error_file)
        processes.append(process)
    context = ProcessContext(processes, error_files)
    if not join:
        return context
    try:
        while not context.join():
            pass
    finally:
        for f in error_files:
            if _os.path.exists(f):
                _os.unlink(f)


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Run ``fn(rank, *args)`` in ``nprocs`` spawned processes: :func:`start_processes` with ``"spawn"``.

    A child's exception is raised in the parent as :class:`ProcessRaisedException` carrying its traceback.

    Example::

        >>> def work(rank, q):
        ...     q.put(rank)
        >>> q = get_context("spawn").SimpleQueue()
        >>> spawn(work, args=(q,), nprocs=2)
        >>> sorted([q.get(), q.get()])
        [0, 1]
    """
    if start_method != "spawn":
        import warnings
        warnings.warn(f"This method only supports start_method=spawn (got: {start_method}).\nTo use a different "
                      "start_method use:\n\t\t torch.multiprocessing.start_processes(...)", FutureWarning,
                      stacklevel=2)
    return start_processes(fn, args, nprocs, join, daemon, start_method="spawn")
