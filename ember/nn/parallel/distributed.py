"""``DistributedDataParallel`` over ember's single-process group (see :mod:`ember.distributed`)."""

import contextlib
import warnings

from ember.nn.modules.module import Module

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    """Data parallelism across the processes of a process group, averaging gradients after ``backward``.

    ember's process group has one process (``ember.distributed.init_process_group(..., world_size=1)``), where
    averaging over processes leaves every gradient as it is: the wrapper calls ``module`` and trains exactly as
    the module alone, with PyTorch's interface (``.module``, :meth:`no_sync`, ``"module."``-prefixed
    ``state_dict`` keys), so single-process DDP scripts and tutorials run unchanged.

    Args:
        module: the module to wrap (at least one parameter must require a gradient).
        device_ids, output_device, dim, broadcast_buffers, bucket_cap_mb, find_unused_parameters,
            gradient_as_bucket_view, static_graph, ...: PyTorch's options, kept as attributes (nothing to tune).
        process_group: the group to synchronise within (the default group when None).

    Raises:
        ValueError: before ``init_process_group`` (PyTorch's message).

    Example::

        >>> dist.init_process_group("gloo", init_method="file:///tmp/pg", rank=0, world_size=1)
        >>> ddp = DistributedDataParallel(nn.Linear(4, 2))
        >>> ddp(ember.randn(3, 4)).sum().backward()
        >>> list(ddp.state_dict())
        ['module.weight', 'module.bias']
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params=False, bucket_cap_mb_list=None, batched_grad_copy=False,
                 forward_sync_buffers=None):
        from ember import distributed as dist
        self_group = dist._group(process_group)  # (raises before init_process_group)
        super().__init__()
        if not any(p.requires_grad for p in module.parameters()):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        self.module = module
        self.process_group = self_group
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Skip gradient synchronisation inside the block (gradients accumulate locally; with one process there
        is nothing to synchronise either way)."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def register_comm_hook(self, state, hook):
        """Register how gradient buckets are communicated; with one process no bucket is ever sent."""
        if not callable(hook):
            raise TypeError("Communication hook must be callable.")
        self._comm_hook = (state, hook)

    @contextlib.contextmanager
    def join(self, divide_by_initial_world_size=True, enable=True, throw_on_early_termination=False):
        """Context manager for uneven inputs across processes: nothing to do with one process."""
        yield

    def _set_static_graph(self):
        self.static_graph = True


class DistributedDataParallelCPU(DistributedDataParallel):
    """Deprecated alias of :class:`DistributedDataParallel` (warns, then needs a process group as well)."""

    def __init__(self, *args, **kwargs):
        warnings.warn("`torch.nn.parallel.DistributedDataParallelCPU` is deprecated, please use "
                      "`torch.nn.parallel.DistributedDataParallel` instead.", FutureWarning, stacklevel=2)
        super().__init__(*args, **kwargs)
