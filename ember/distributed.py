"""``ember.distributed`` (``torch.distributed``): a single-process group for scripts written for distributed training.

ember computes in one process, so its process group has exactly one member (``world_size=1``, ``rank=0``), the
setup tutorials use to run ``DistributedDataParallel`` on one CPU. Collectives are then what they are for one
process: ``all_reduce`` (with any :class:`ReduceOp`), ``broadcast``, ``reduce`` and ``barrier`` leave tensors as
they are; ``all_gather``, ``gather``, ``scatter``, ``reduce_scatter`` and ``all_to_all`` copy the one input to the
one output. ``init_process_group`` with ``world_size > 1`` raises ``NotImplementedError``.

Example::

    >>> import ember.distributed as dist
    >>> dist.init_process_group("gloo", init_method="file:///tmp/ember_pg", rank=0, world_size=1)
    >>> t = ember.ones(3)
    >>> dist.all_reduce(t, op=dist.ReduceOp.SUM)    # t is unchanged: one process
    >>> dist.get_rank(), dist.get_world_size()
    (0, 1)
    >>> dist.destroy_process_group()
"""

import enum
import os

__all__ = ["Backend", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "all_gather", "all_gather_into_tensor",
           "all_gather_object", "all_gather_single", "all_reduce", "all_to_all", "all_to_all_single", "barrier",
           "broadcast", "broadcast_object_list", "destroy_process_group", "gather", "gather_object", "get_backend",
           "get_global_rank", "get_process_group_ranks", "get_rank", "get_world_size", "group", "init_process_group",
           "irecv", "is_available", "is_gloo_available", "is_initialized", "is_mpi_available", "is_nccl_available",
           "is_torchelastic_launched", "is_ucc_available", "is_xccl_available", "isend", "monitored_barrier",
           "new_group", "recv", "reduce", "reduce_scatter", "reduce_scatter_tensor", "scatter", "scatter_object_list",
           "send"]

_NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."


class Backend(str):
    """A backend name, lower-cased: ``Backend("GLOO") == Backend.GLOO == "gloo"``.

    ember runs every backend name as its single-process group; NCCL, MPI, UCC and XCCL are refused at
    ``init_process_group`` as a CPU build of PyTorch refuses them.
    """

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    XCCL = "xccl"
    FAKE = "fake"

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")
        value = getattr(Backend, name.upper(), Backend.UNDEFINED)
        if value == Backend.UNDEFINED:
            value = name.lower()
        return str.__new__(cls, value)


class ReduceOp:
    """Reduction operations of collectives: ``ReduceOp.SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX``, ``BAND``,
    ``BOR``, ``BXOR``, ``PREMUL_SUM`` (each a ``ReduceOp.RedOpType``)."""

    class RedOpType(enum.Enum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7
        PREMUL_SUM = 8


for _op in ReduceOp.RedOpType:
    setattr(ReduceOp, _op.name, _op)
ReduceOp.RedOpType.__qualname__ = "RedOpType"  # (its repr: <RedOpType.SUM: 0>)


class ProcessGroup:
    """A group of processes for collectives; ember's groups have the one process (rank 0, size 1)."""

    def __init__(self, backend="undefined"):
        self._backend = backend

    def rank(self):
        """This process's rank in the group: 0."""
        return 0

    def size(self):
        """How many processes the group has: 1."""
        return 1

    def name(self):
        return self._backend


class Work:
    """The handle of an ``async_op=True`` collective; ember's collectives are done when they return."""

    def wait(self, timeout=None):
        """Wait for the collective (already done): True."""
        return True

    def is_completed(self):
        return True

    def is_success(self):
        return True

    def exception(self):
        return None

    def get_future(self):
        """A completed :class:`ember.futures.Future` holding None."""
        from ember.futures import Future
        fut = Future()
        fut.set_result(None)
        return fut

    def result(self):
        return []


class GroupMember:
    """Group sentinels: ``WORLD`` is the default group once initialised (None before); ``NON_GROUP_MEMBER``."""

    WORLD = None
    NON_GROUP_MEMBER = -100


group = GroupMember  # (``dist.group.WORLD``, as PyTorch's alias)


def is_available():
    """True: ember's single-process group is always available."""
    return True


def is_initialized():
    """Whether :func:`init_process_group` has made the default group (and it was not destroyed)."""
    return GroupMember.WORLD is not None


def is_gloo_available():
    """True: the ``"gloo"`` backend (what CPU scripts ask for) works, as a single-process group."""
    return True


def is_nccl_available():
    """False: NCCL needs CUDA."""
    return False


def is_mpi_available():
    """False: no MPI backend."""
    return False


def is_ucc_available():
    """False: no UCC backend."""
    return False


def is_xccl_available():
    """False: no XCCL backend."""
    return False


def is_torchelastic_launched():
    """Whether this process was started by torchelastic (``torchrun``): its ``TORCHELASTIC_RUN_ID`` is set."""
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def _env_int(name):
    value = os.environ.get(name)
    if value is None:
        raise ValueError(f"Error initializing torch.distributed using env:// rendezvous: environment variable {name} "
                         "expected, but not set")
    return int(value)


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Initialise the default process group: ember's group of one process.

    Args:
        backend: ``"gloo"`` (or None); ``"nccl"``, ``"mpi"``, ``"ucc"`` raise as on a CPU-only PyTorch.
        init_method: ``"env://"`` (default: ``RANK`` and ``WORLD_SIZE`` come from the environment when not given),
            ``"file://<path>"`` or ``"tcp://<host>:<port>"`` (nothing is opened: there is no other process).
            ``rank`` and ``world_size`` may also be given in the URL's query (``?rank=0&world_size=1``).
        timeout: accepted and unused.
        world_size: the number of processes: must be 1 (``NotImplementedError`` otherwise).
        rank: this process's rank: must be 0.
        store: a key-value store, accepted in place of ``init_method``.
    """
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if store is not None and init_method is not None:
        raise AssertionError("Cannot specify both init_method and store.")
    if backend is not None:
        name = Backend(backend)
        if name in (Backend.NCCL, Backend.MPI, Backend.UCC, Backend.XCCL):
            raise RuntimeError(f"Distributed package doesn't have {name.upper()} built in")
    if store is None:
        init_method = init_method or "env://"
        query = dict(kv.split("=", 1) for kv in init_method.partition("?")[2].split("&") if "=" in kv)
        rank = int(query.get("rank", rank))
        world_size = int(query.get("world_size", world_size))
        if init_method.startswith("env://"):
            if rank == -1:
                rank = _env_int("RANK")
            if world_size == -1:
                world_size = _env_int("WORLD_SIZE")
        elif not init_method.startswith(("file://", "tcp://")):
            raise RuntimeError(f"No rendezvous handler for {init_method.partition('://')[0]}://")
    if world_size == -1:
        world_size = 1
    if rank == -1:
        rank = 0
    if world_size != 1:
        raise NotImplementedError(f"ember.distributed supports a single process (world_size=1, rank=0) only; got "
                                  f"world_size={world_size}: ember has no inter-process communication backend")
    if rank != 0:
        raise ValueError(f"Invalid rank {rank}: with world_size=1 the only rank is 0")
    GroupMember.WORLD = ProcessGroup(Backend.UNDEFINED if backend is None else Backend(backend))


def _group(group):
    if GroupMember.WORLD is None:
        raise ValueError(_NOT_INITIALIZED)
    return GroupMember.WORLD if group is None else group


def destroy_process_group(group=None):
    """Destroy ``group``, or the default group and every group made from it (None)."""
    if GroupMember.WORLD is None:
        raise AssertionError("Process group cannot be None")
    if group is None or group is GroupMember.WORLD:
        GroupMember.WORLD = None


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None, sort_ranks=True):
    """A new group of ``ranks`` (all processes by default): with one process, the group of rank 0."""
    world = _group(None)
    if ranks is not None and any(r != 0 for r in ranks):
        raise ValueError(f"Invalid ranks {list(ranks)}: the world has the single rank 0")
    return ProcessGroup(world._backend if backend is None else Backend(backend))


def get_rank(group=None):
    """This process's rank in ``group`` (the default group when None): 0."""
    return _group(group).rank()


def get_world_size(group=None):
    """How many processes ``group`` has: 1."""
    return _group(group).size()


def get_backend(group=None):
    """The backend name ``group`` was made with (``"undefined"`` when ``init_process_group`` got no backend)."""
    return _group(group)._backend


def get_global_rank(group, group_rank):
    """The global rank of ``group_rank`` in ``group``."""
    _group(group)
    if group_rank != 0:
        raise ValueError(f"Group {group} does not contain rank {group_rank}")
    return 0


def get_process_group_ranks(group):
    """The global ranks of ``group``'s members: ``[0]``."""
    _group(group)
    return [0]


def _done(group, async_op):
    _group(group)
    return Work() if async_op else None


def _root(rank, what):
    if rank is not None and rank != 0:
        raise RuntimeError(f"ProcessGroupGloo::{what}: invalid root rank: {rank}")


def _copy(dst, src):
    from ember.autograd.grad_mode import no_grad
    with no_grad():
        dst.copy_(src)


def _one(tensors, what):
    if len(tensors) != 1:
        raise RuntimeError(f"ProcessGroupGloo::{what}: invalid tensor list at index 0 (expected length 1, got "
                           f"{len(tensors)})")
    return tensors[0]


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` across processes in place: over one process every op leaves it as it is."""
    return _done(group, async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce ``tensor`` onto rank ``dst`` in place: unchanged over one process."""
    _root(dst, "reduce")
    return _done(group, async_op)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Send rank ``src``'s ``tensor`` to every process: unchanged over one process."""
    _group(group)
    _root(src, "broadcast")
    return _done(group, async_op)


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Wait for every process of ``group``: returns at once with one process."""
    return _done(group, async_op)


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """:func:`barrier` that reports ranks that did not arrive: returns at once with one process."""
    _group(group)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Gather every process's ``tensor`` into ``tensor_list`` (one tensor per process: here the one copy)."""
    _group(group)
    if len(tensor_list) != 1:
        raise RuntimeError(f"ProcessGroupGloo::allgather: invalid output tensor list at index 0 (expected length 1, "
                           f"got {len(tensor_list)})")
    _copy(tensor_list[0], tensor)
    return _done(group, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Gather every process's ``input_tensor`` into ``output_tensor`` (concatenated along dim 0: here a copy).

    Deprecated in PyTorch 2.13 for :func:`all_gather_single` (the same function): warns ``FutureWarning``.
    """
    import warnings
    warnings.warn("`torch.distributed.all_gather_into_tensor` is deprecated. Please use "
                  "`torch.distributed.all_gather_single` instead.", FutureWarning, stacklevel=2)
    return all_gather_single(output_tensor, input_tensor, group, async_op)


def all_gather_single(output_tensor, input_tensor, group=None, async_op=False):
    """Gather every process's ``input_tensor`` into ``output_tensor`` (concatenated along dim 0: here a copy)."""
    _group(group)
    if tuple(output_tensor.shape) != tuple(input_tensor.shape):
        raise RuntimeError(f"ProcessGroupGloo::allgather: invalid tensor size at index 0 (expected "
                           f"({', '.join(map(str, input_tensor.shape))}), got "
                           f"({', '.join(map(str, output_tensor.shape))}))")
    _copy(output_tensor, input_tensor)
    return _done(group, async_op)


def all_gather_object(object_list, obj, group=None):
    """Gather every process's picklable ``obj`` into ``object_list``: ``object_list[0] = obj``."""
    _group(group)
    object_list[0] = obj


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Gather every process's ``tensor`` into rank ``dst``'s ``gather_list``: here the one copy."""
    _group(group)
    _root(dst, "gather")
    if gather_list is not None:
        _copy(_one(gather_list, "gather"), tensor)
    return _done(group, async_op)


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    """Gather picklable objects into rank ``dst``'s ``object_gather_list``: ``object_gather_list[0] = obj``."""
    _group(group)
    if object_gather_list is not None:
        object_gather_list[0] = obj


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Send ``scatter_list[i]`` to rank ``i``: here ``tensor`` becomes a copy of ``scatter_list[0]``."""
    _group(group)
    _root(src, "scatter")
    if scatter_list is not None:
        _copy(tensor, _one(scatter_list, "scatter"))
    return _done(group, async_op)


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None, group=None,
                        group_src=None):
    """Send picklable objects to each rank: ``output[0] = input[0]`` here."""
    _group(group)
    if scatter_object_input_list is not None:
        scatter_object_output_list[0] = scatter_object_input_list[0]


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Broadcast rank ``src``'s picklable objects: unchanged with one process."""
    _group(group)
    _root(src, "broadcast")


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list`` across processes and scatter: here ``output`` becomes a copy of ``input_list[0]``."""
    _group(group)
    _copy(output, _one(input_list, "reduce_scatter"))
    return _done(group, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002 - PyTorch's name
    """:func:`reduce_scatter` with one input tensor split along dim 0: here a copy."""
    _group(group)
    _copy(output, input.reshape(output.shape))
    return _done(group, async_op)


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """Send ``input_tensor_list[i]`` to rank ``i``: here a copy of the one tensor."""
    _group(group)
    _copy(_one(output_tensor_list, "alltoall"), _one(input_tensor_list, "alltoall"))
    return _done(group, async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None,  # noqa: A002
                      async_op=False):
    """:func:`all_to_all` on single tensors split along dim 0: here a copy."""
    _group(group)
    _copy(output, input)
    return _done(group, async_op)


def _no_peer(kind):
    name = "destination" if kind == "dst" else "source"
    return ValueError(f"Invalid {name} rank: {name} rank should not be the same as the rank of the current process.")


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Point-to-point send: impossible with one process (the only rank is this one)."""
    _group(group)
    raise _no_peer("dst")


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Point-to-point receive: impossible with one process."""
    _group(group)
    raise _no_peer("src")


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Asynchronous :func:`send`: impossible with one process."""
    return send(tensor, dst, group, tag)


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Asynchronous :func:`recv`: impossible with one process."""
    return recv(tensor, src, group, tag)
