"""``DistributedDataParallel``: needs an initialised process group, which ember never has."""

import warnings

from ember.nn.modules.module import Module

__all__ = ["DistributedDataParallel"]

_NO_PROCESS_GROUP = "Default process group has not been initialized, please make sure to call init_process_group."


class DistributedDataParallel(Module):
    """Data parallelism across processes, synchronising gradients through a process group.

    ember has no ``torch.distributed``, so there is never a default process group: constructing one raises the
    ``ValueError`` PyTorch raises when ``init_process_group`` has not been called. The class exists so that
    code naming it (``isinstance`` checks, ``model.module`` unwrapping) imports and runs.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=None, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params=False, bucket_cap_mb_list=None, batched_grad_copy=False,
                 forward_sync_buffers=None):
        raise ValueError(_NO_PROCESS_GROUP)


class DistributedDataParallelCPU(DistributedDataParallel):
    """Deprecated alias of :class:`DistributedDataParallel` (warns, then needs a process group as well)."""

    def __init__(self, *args, **kwargs):
        warnings.warn("`torch.nn.parallel.DistributedDataParallelCPU` is deprecated, please use "
                      "`torch.nn.parallel.DistributedDataParallel` instead.", FutureWarning, stacklevel=2)
        super().__init__(*args, **kwargs)
