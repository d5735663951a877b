"""Lazy layers: convolutions and batch / instance norms whose input size is read from the first input.

Each ``LazyX`` is an ``X`` holding ``UninitializedParameter``s; its first forward gives them their shapes,
initialises them as ``X`` would and turns the module into a plain ``X`` (``cls_to_become``).
"""

from ember._backend import xp
from ember._tensor import wrap
from ember.nn.modules.batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from ember.nn.modules.conv import (
    Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, _ConvNd, _ConvTransposeNd,
)
from ember.nn.modules.normalization import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from ember.nn.modules.batchnorm import _NormBase
from ember.nn.parameter import UninitializedBuffer, UninitializedParameter, is_lazy

__all__ = ["LazyModuleMixin", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
           "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d"]

_LAZY = (UninitializedParameter, UninitializedBuffer)


def _materialize_from(module, state_dict, prefix):
    """Shape ``module``'s uninitialized parameters and buffers as their entries in ``state_dict``."""
    for store in (module._parameters, module._buffers):
        for name, t in store.items():
            key = prefix + name
            if isinstance(t, _LAZY) and key in state_dict and not isinstance(state_dict[key], _LAZY):
                t.materialize(state_dict[key].shape)


class LazyModuleMixin:
    """Base of the lazy modules: parameters (``UninitializedParameter``) shaped by the first input.

    A subclass lists it before its module class and defines ``initialize_parameters(*inputs)``, which
    materializes the placeholders from the first call's arguments; after that call the module turns into
    ``cls_to_become`` (when set).

    Example::

        >>> isinstance(ember.nn.LazyLinear(3), ember.nn.modules.lazy.LazyModuleMixin)
        True
        >>> class LazyScale(LazyModuleMixin, ember.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.scale = ember.nn.UninitializedParameter()
        ...     def initialize_parameters(self, x):
        ...         if self.has_uninitialized_params():
        ...             self.scale.materialize(x.shape[-1:])
        ...             ember.nn.init.ones_(self.scale)
        ...     def forward(self, x):
        ...         return x * self.scale
    """

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (ember's own lazy layers shape themselves in ``__call__`` and skip this hook)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters, with_kwargs=True)

    def has_uninitialized_params(self):
        """Whether some parameter or buffer still waits for its shape."""
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs):
        """Shape (materialize) the uninitialized parameters from the first call's arguments."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {self.__class__.__name__}")


def _infer_parameters(module, args, kwargs=None):
    # the first call of a user-defined lazy module: shape it, then drop the hook and become the target class
    module.initialize_parameters(*args, **(kwargs or {}))
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._initialize_hook.remove()
    del module._initialize_hook
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


class _LazyMixin(LazyModuleMixin):
    def has_uninitialized_params(self):
        """Whether some parameter or buffer still waits for its shape."""
        return any(isinstance(t, _LAZY) for t in (*self._parameters.values(), *self._buffers.values()))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        _materialize_from(self, state_dict, prefix)  # a checkpoint gives the shapes
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self._lazy_size() != 0:
            super().reset_parameters()

    def __call__(self, *args, **kwargs):
        if self.has_uninitialized_params():
            self.initialize_parameters(*args, **kwargs)
        if not self.has_uninitialized_params():
            self.__class__ = self.cls_to_become
        return self.__class__.__call__(self, *args, **kwargs)


# ---------------------------------------------------------------------------------------------------- convolution
class _LazyConvXdMixin(_LazyMixin):
    def _lazy_init(self, out_channels, bias, dtype):
        self.out_channels = out_channels
        self.weight = UninitializedParameter(dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def _lazy_size(self):
        return self.in_channels

    def _in_channels(self, input):
        nd = self._nd
        if input.dim() not in (nd + 1, nd + 2):
            raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: {input.shape}")
        return input.shape[1] if input.dim() == nd + 2 else input.shape[0]

    def initialize_parameters(self, input, *args, **kwargs):
        """Give weight (and bias) their shapes from ``input``'s channels and initialise them."""
        if not self.has_uninitialized_params():
            return
        self.in_channels = self._in_channels(input)
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + tuple(self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + tuple(self.kernel_size)
        self.weight.materialize(shape)
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()


def _lazy_conv(name, base, nd, doc):
    transposed = issubclass(base, _ConvTransposeNd)

    if transposed:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                     dilation=1, padding_mode="zeros", device=None, dtype=None):
            # in_channels=0 until the first input; out_channels=0 keeps the placeholder weight empty.
            _ConvTransposeNd.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, 1, bias, dilation,
                                      padding_mode, device, dtype)
            self.groups = groups
            self._lazy_init(out_channels, bias, dtype)
    else:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                     padding_mode="zeros", device=None, dtype=None):
            _ConvNd.__init__(self, 0, 0, kernel_size, stride, padding, dilation, False, 0, 1, bias, padding_mode,
                             device, dtype)
            self.groups = groups
            self._lazy_init(out_channels, bias, dtype)

    __init__.__qualname__ = f"{name}.__init__"  # (named in argument errors, as PyTorch's)
    return type(name, (_LazyConvXdMixin, base), {"__init__": __init__, "cls_to_become": base, "__doc__": doc,
                                                "__module__": __name__})


_CONV_DOC = """A ``{base}`` whose ``in_channels`` is read from the first input; it then becomes a ``{base}``.

    Arguments are those of ``{base}`` without ``in_channels``.

    Example::

        >>> m = ember.nn.{name}(4, 3)
        >>> m(ember.randn({shape})).shape[1]
        4
    """

LazyConv1d = _lazy_conv("LazyConv1d", Conv1d, 1, _CONV_DOC.format(base="Conv1d", name="LazyConv1d", shape="2, 3, 8"))
LazyConv2d = _lazy_conv("LazyConv2d", Conv2d, 2,
                        _CONV_DOC.format(base="Conv2d", name="LazyConv2d", shape="2, 3, 8, 8"))
LazyConv3d = _lazy_conv("LazyConv3d", Conv3d, 3,
                        _CONV_DOC.format(base="Conv3d", name="LazyConv3d", shape="2, 3, 5, 5, 5"))
LazyConvTranspose1d = _lazy_conv("LazyConvTranspose1d", ConvTranspose1d, 1, _CONV_DOC.format(
    base="ConvTranspose1d", name="LazyConvTranspose1d", shape="2, 3, 8"))
LazyConvTranspose2d = _lazy_conv("LazyConvTranspose2d", ConvTranspose2d, 2, _CONV_DOC.format(
    base="ConvTranspose2d", name="LazyConvTranspose2d", shape="2, 3, 8, 8"))
LazyConvTranspose3d = _lazy_conv("LazyConvTranspose3d", ConvTranspose3d, 3, _CONV_DOC.format(
    base="ConvTranspose3d", name="LazyConvTranspose3d", shape="2, 3, 4, 4, 4"))


# ----------------------------------------------------------------------------------------------- normalization
class _LazyNormBase(_LazyMixin):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
                 bias=True):
        _NormBase.__init__(self, 0, eps, momentum, False, False, device, dtype)
        self._lazy_setup(affine, track_running_stats, dtype, bias)

    def _lazy_setup(self, affine, track_running_stats, dtype, bias):
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(dtype=dtype)
            self.running_var = UninitializedBuffer(dtype=dtype)
            self.num_batches_tracked = wrap(xp.array(0, dtype=xp.int64))

    def _lazy_size(self):
        return self.num_features

    def initialize_parameters(self, input):
        """Give weight, bias and the running statistics their shapes from ``input``'s channels."""
        if not self.has_uninitialized_params():
            return
        # dim 1, as PyTorch: an unbatched instance-norm input (channels first) then fails the channel check, and
        # a 1-D input fails here with the IndexError of the shape tuple
        self.num_features = input.shape[1]
        for t in (self.weight, self.bias, self.running_mean, self.running_var):
            if isinstance(t, _LAZY):
                t.materialize((self.num_features,))
        self.reset_parameters()


def _lazy_norm(name, base, doc):
    return type(name, (_LazyNormBase, base), {"cls_to_become": base, "__doc__": doc, "__module__": __name__})


_NORM_DOC = """A ``{base}`` whose ``num_features`` is read from the first input; it then becomes a ``{base}``.

    Arguments are those of ``{base}`` without ``num_features``{note}.

    Example::

        >>> m = ember.nn.{name}()
        >>> m(ember.randn({shape})).shape
        ember.Size([{shape}])
    """

LazyBatchNorm1d = _lazy_norm("LazyBatchNorm1d", BatchNorm1d, _NORM_DOC.format(
    base="BatchNorm1d", name="LazyBatchNorm1d", shape="4, 3", note=""))
LazyBatchNorm2d = _lazy_norm("LazyBatchNorm2d", BatchNorm2d, _NORM_DOC.format(
    base="BatchNorm2d", name="LazyBatchNorm2d", shape="4, 3, 2, 2", note=""))
LazyBatchNorm3d = _lazy_norm("LazyBatchNorm3d", BatchNorm3d, _NORM_DOC.format(
    base="BatchNorm3d", name="LazyBatchNorm3d", shape="2, 3, 2, 2, 2", note=""))
_IN_NOTE = " (note: ``affine`` and ``track_running_stats`` default to ``True`` here, as in PyTorch)"
LazyInstanceNorm1d = _lazy_norm("LazyInstanceNorm1d", InstanceNorm1d, _NORM_DOC.format(
    base="InstanceNorm1d", name="LazyInstanceNorm1d", shape="2, 3, 5", note=_IN_NOTE))
LazyInstanceNorm2d = _lazy_norm("LazyInstanceNorm2d", InstanceNorm2d, _NORM_DOC.format(
    base="InstanceNorm2d", name="LazyInstanceNorm2d", shape="2, 3, 4, 4", note=_IN_NOTE))
LazyInstanceNorm3d = _lazy_norm("LazyInstanceNorm3d", InstanceNorm3d, _NORM_DOC.format(
    base="InstanceNorm3d", name="LazyInstanceNorm3d", shape="2, 3, 2, 2, 2", note=_IN_NOTE))
