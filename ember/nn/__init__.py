"""``ember.nn``: modules, layers, losses and the functional API (mirrors ``torch.nn``)."""

from ember.nn.parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401
from ember.nn.modules import *  # noqa: F401,F403
from ember.nn import functional, init, utils  # noqa: F401,E402
from ember._lazy import lazy_getattr as _lazy_getattr

# Loaded on first use: ``nn.parallel`` (``DataParallel``, ``DistributedDataParallel``), ``nn.grad`` and
# ``LinearCrossEntropyOptions`` (a dataclass: building it costs more than the rare use is worth at import).
_LAZY = {"parallel": "ember.nn.parallel", "grad": "ember.nn.grad"}
_LAZY_ATTRS = {"DataParallel": "ember.nn.parallel",
               "LinearCrossEntropyOptions": "ember.nn.modules.linear_cross_entropy_options"}
__getattr__ = _lazy_getattr(globals(), _LAZY, _LAZY_ATTRS)
