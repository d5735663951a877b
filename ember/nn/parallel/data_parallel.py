"""``DataParallel``: on a machine without accelerators (ember's case) it runs the wrapped module as is."""

from ember.nn.modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Split each batch across accelerators, run a replica of ``module`` on each and gather the outputs.

    Without accelerators (always, in ember) it calls ``module`` directly, as PyTorch does on a CPU-only
    machine: ``device_ids`` becomes ``[]`` and ``output_device``/``dim`` are ignored. The wrapped module is
    ``self.module``, so parameter and state-dict names gain a ``module.`` prefix.

    Args:
        module: the module to run.
        device_ids: accelerators to use (ignored without any).
        output_device: where to gather the outputs (ignored without accelerators).
        dim: the dimension to split inputs along (ignored without accelerators).

    Example::

        >>> net = nn.DataParallel(nn.Linear(3, 2))
        >>> list(net.state_dict())
        ['module.weight', 'module.bias']
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """Functional ``DataParallel``: run ``module(*inputs)`` split across accelerators.

    It needs an accelerator: without one (always, in ember) it raises ``RuntimeError``, as PyTorch does.
    """
    raise RuntimeError("device type could not be determined")
