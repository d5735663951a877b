"""``ember.nn.modules.instancenorm``: where old code imports the instance norms from (as ``torch.nn.modules``).

ember defines them in :mod:`ember.nn.modules.normalization` and :mod:`ember.nn.modules.lazy`; this re-exports them.
"""

from ember.nn.modules.lazy import LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d
from ember.nn.modules.normalization import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, _InstanceNorm

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
           "LazyInstanceNorm3d", "_InstanceNorm"]
