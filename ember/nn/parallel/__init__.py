"""``ember.nn.parallel`` (mirrors ``torch.nn.parallel``): ``DataParallel`` and ``DistributedDataParallel``.

ember runs on the CPU only, where PyTorch's ``DataParallel`` simply calls the wrapped module and
``DistributedDataParallel`` runs over :mod:`ember.distributed`'s single-process group.
"""

from ember.nn.parallel.data_parallel import DataParallel, data_parallel
# (each module loads before its function of the same name, which then takes its place here, as in PyTorch)
from ember.nn.parallel import scatter_gather  # noqa: F401
from ember.nn.parallel.parallel_apply import parallel_apply
from ember.nn.parallel.replicate import replicate
from ember.nn.parallel.scatter_gather import gather, scatter
from ember.nn.parallel.distributed import DistributedDataParallel, DistributedDataParallelCPU

__all__ = ["DataParallel", "DistributedDataParallel", "DistributedDataParallelCPU", "data_parallel", "gather",
           "parallel_apply", "replicate", "scatter"]
