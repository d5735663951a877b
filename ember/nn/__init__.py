"""``ember.nn``: modules, layers, losses and the functional API (mirrors ``torch.nn``)."""

from ember.nn.parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401
from ember.nn.modules import *  # noqa: F401,F403
from ember.nn import functional, init, utils  # noqa: F401,E402

# Loaded on first use: ``nn.parallel`` (``DataParallel``, ``DistributedDataParallel``), ``nn.grad`` and
# ``LinearCrossEntropyOptions`` (a dataclass: building it costs more than the rare use is worth at import).
_LAZY = {"parallel": "ember.nn.parallel", "grad": "ember.nn.grad"}
_LAZY_ATTRS = {"DataParallel": "ember.nn.parallel",
               "LinearCrossEntropyOptions": "ember.nn.modules.linear_cross_entropy_options"}


def __getattr__(name):
    import importlib
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        globals()[name] = module
        return module
    if name in _LAZY_ATTRS:
        value = getattr(importlib.import_module(_LAZY_ATTRS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ember.nn' has no attribute '{name}'")
