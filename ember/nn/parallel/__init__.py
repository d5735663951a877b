"""``ember.nn.parallel`` (mirrors ``torch.nn.parallel``): ``DataParallel`` and ``DistributedDataParallel``.

ember runs on the CPU only, where PyTorch's ``DataParallel`` simply calls the wrapped module and
``DistributedDataParallel`` needs a process group (which ember does not have).
"""

from ember.nn.parallel.data_parallel import DataParallel, data_parallel
from ember.nn.parallel.distributed import DistributedDataParallel, DistributedDataParallelCPU

__all__ = ["DataParallel", "DistributedDataParallel", "DistributedDataParallelCPU", "data_parallel"]
