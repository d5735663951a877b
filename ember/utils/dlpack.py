"""``ember.utils.dlpack``: exchange tensors with other libraries through DLPack (as ``torch.utils.dlpack``).

Example::

    >>> from ember.utils.dlpack import from_dlpack, to_dlpack
    >>> from_dlpack(to_dlpack(ember.arange(3)))
    tensor([0, 1, 2])
"""

import enum

from ember._functions_extra import from_dlpack, to_dlpack

__all__ = ["DLDeviceType", "from_dlpack", "to_dlpack"]


class DLDeviceType(enum.IntEnum):
    """DLPack's device type codes (the first item of ``Tensor.__dlpack_device__()``; ember's tensors are kDLCPU)."""

    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17
