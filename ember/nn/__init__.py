"""``ember.nn``: modules, layers, losses and the functional API (mirrors ``torch.nn``)."""

import types as _types

from ember.nn.parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401
from ember.nn.modules import *  # noqa: F401,F403

# The star import also binds the family submodules (``modules.conv``, ``modules.utils`` ...) under their short
# names; torch.nn has none of them, and a stale ``utils`` (_pair, _ntuple) would stop the next line from loading
# the ``ember.nn.utils`` package (clip_grad_norm_, rnn, parametrize ...).
# (``nn.attention`` is the ``ember.nn.attention`` package, loaded lazily below, not ``modules.attention``.)
for _name, _value in list(globals().items()):
    if isinstance(_value, _types.ModuleType) and _value.__name__.startswith("ember.nn.modules."):
        del globals()[_name]
del _name, _value
from ember.nn import functional, init, utils  # noqa: F401,E402
from ember._lazy import lazy_getattr as _lazy_getattr

# Loaded on first use: ``nn.parallel`` (``DataParallel``, ``DistributedDataParallel``), ``nn.grad`` and
# ``LinearCrossEntropyOptions`` (a dataclass: building it costs more than the rare use is worth at import).
_LAZY = {"parallel": "ember.nn.parallel", "grad": "ember.nn.grad", "attention": "ember.nn.attention"}
_LAZY_ATTRS = {"DataParallel": "ember.nn.parallel",
               "LinearCrossEntropyOptions": "ember.nn.modules.linear_cross_entropy_options"}
__getattr__ = _lazy_getattr(globals(), _LAZY, _LAZY_ATTRS)


def __dir__():
    # the loaded names and those __getattr__ loads on first use (DataParallel, parallel, ...)
    return sorted({*globals(), *_LAZY, *_LAZY_ATTRS})


def factory_kwargs(kwargs):
    """``kwargs`` as the keyword arguments of a factory function (``ember.empty(..., **factory_kwargs(kwargs))``).

    Only ``device``, ``dtype``, ``memory_format`` and ``factory_kwargs`` (a dict passed on as it is, for names
    that clash with a module's own arguments) are accepted, each given once; ``None`` gives ``{}``.

    Example::

        >>> ember.nn.factory_kwargs({"dtype": ember.float64, "factory_kwargs": {"device": "cpu"}})
        {'device': 'cpu', 'dtype': ember.float64}
    """
    if kwargs is None:
        return {}
    simple = ("dtype", "device", "memory_format")
    unexpected = kwargs.keys() - {*simple, "factory_kwargs"}
    if unexpected:
        raise TypeError(f"unexpected kwargs {unexpected}")
    out = dict(kwargs.get("factory_kwargs", {}))
    for k in simple:
        if k in kwargs:
            if k in out:
                raise TypeError(f"{k} specified twice, in **kwargs and in factory_kwargs")
            out[k] = kwargs[k]
    return out
