"""``ember.nn.utils``: gradient clipping, parameter/vector conversion, conv/linear + BatchNorm fusion,
parametrizations (``parametrize``, ``parametrizations``, hook-based ``weight_norm``/``spectral_norm``), pruning
(``prune``), (``rnn``) sequence packing and (``stateless``) ``functional_call``."""

from ember.nn.utils import clip_grad, convert_parameters, fusion  # noqa: F401
from ember.nn.utils.clip_grad import (  # noqa: F401
    clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm,
)
from ember.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from ember.nn.utils.fusion import (  # noqa: F401
    fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights,
)
from ember.nn.utils import memory_format  # noqa: F401
from ember.nn.utils.memory_format import (  # noqa: F401
    convert_conv2d_weight_memory_format, convert_conv3d_weight_memory_format,
)
from ember.nn.utils import parametrizations, parametrize, prune, stateless  # noqa: F401
# the modules ``weight_norm``/``spectral_norm`` (old code imports ``WeightNorm`` from them) load first: the functions
# of the same names imported next then take their place as attributes of this package, as in PyTorch
from ember.nn.utils import spectral_norm, weight_norm  # noqa: F401
from ember.nn.utils._hook_norms import (  # noqa: F401,F811
    remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm,
)

try:  # owned by the recurrent-layers work; absent until it lands
    from ember.nn.utils import rnn  # noqa: F401
except ImportError:
    pass


def skip_init(module_cls, *args, **kwargs):
    """Instantiate ``module_cls(*args, **kwargs)`` without initialising its parameters and buffers.

    The module is built on the meta device (no memory, no random draws) and then given uninitialised storage
    with ``to_empty``: the random number generator is left untouched and the values must be set afterwards
    (load a state dict, or call an init function).

    Args:
        module_cls: an ``nn.Module`` subclass whose ``__init__`` takes a ``device`` argument.
        *args, **kwargs: its constructor arguments; ``device`` (default ``"cpu"``) is where the module ends up.

    Returns:
        The module, with uninitialised values.

    Example::

        >>> m = ember.nn.utils.skip_init(ember.nn.Linear, 5, 1)
        >>> m.weight.shape  # values unspecified
        ember.Size([1, 5])
    """
    import inspect

    from ember.nn.modules.module import Module

    if not issubclass(module_cls, Module):  # a non-class raises issubclass()'s own TypeError, as in PyTorch
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    device = kwargs.pop("device", "cpu")
    kwargs["device"] = "meta"
    return module_cls(*args, **kwargs).to_empty(device=device)
