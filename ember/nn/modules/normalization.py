"""Normalization layers: ``LayerNorm``, ``GroupNorm``, ``RMSNorm``, ``LocalResponseNorm``, ``CrossMapLRN2d``,
``InstanceNorm1d/2d/3d``."""

import warnings

from ember import _dtype
from ember._backend import xp
from ember._tensor import wrap
from ember.nn._functional_norm import group_norm, instance_norm, layer_norm, local_response_norm, rms_norm
from ember.nn.modules.batchnorm import _init_affine, _NormBase
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm", "CrossMapLRN2d", "InstanceNorm1d",
           "InstanceNorm2d", "InstanceNorm3d"]


def _np_dtype(dtype):
    return _dtype.to_np(dtype if dtype is not None else _dtype.get_default_dtype())


def _shape_tuple(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def _reset_affine(self):
    """Weight to ones, bias to zeros."""
    from ember.nn import init  # (looked up per call, as PyTorch: a patched ``nn.init`` applies)
    if self.weight is not None:
        init.ones_(self.weight)
    if self.bias is not None:
        init.zeros_(self.bias)


class LayerNorm(Module):
    """Layer normalization over the trailing ``normalized_shape`` dimensions.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias``, statistics per sample over the normalized dims.

    Args:
        normalized_shape: int or tuple, the trailing shape of the input normalized over.
        eps: added to the variance. elementwise_affine: learnable ``weight`` (ones) and ``bias`` (zeros).
        bias: learn the bias (when ``elementwise_affine``).

    Shape: input (*, *normalized_shape); output the same.

    Example::

        >>> ln = nn.LayerNorm(10)
        >>> y = ln(ember.randn(4, 10))
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        d = _np_dtype(dtype)
        _init_affine(self, self.normalized_shape, elementwise_affine, bias, d)
        self.reset_parameters()  # (as PyTorch: a subclass's override runs at construction)

    reset_parameters = _reset_affine

    def forward(self, input):
        """Normalize ``input`` over its trailing dimensions."""
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalization: channels split into groups, each normalized per sample.

    Args:
        num_groups: number of groups (must divide ``num_channels``). num_channels: C.
        eps: added to the variance. affine: learnable per-channel ``weight``/``bias``. bias: learn the bias.

    Shape: input (N, C, *); output the same.

    Example::

        >>> gn = nn.GroupNorm(2, 6)
        >>> y = gn(ember.randn(4, 6, 5))
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        d = _np_dtype(dtype)
        _init_affine(self, num_channels, affine, bias, d)
        self.reset_parameters()

    reset_parameters = _reset_affine

    def forward(self, input):
        """Normalize ``input`` per sample and group."""
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalization: ``y = x / sqrt(mean(x**2) + eps) * weight``.

    Args:
        normalized_shape: int or tuple, the trailing dims normalized over.
        eps: added to the mean square; None means the dtype's machine epsilon.
        elementwise_affine: learnable ``weight`` (ones).

    Example::

        >>> norm = nn.RMSNorm(10)
        >>> y = norm(ember.randn(4, 10))
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(wrap(xp.ones(self.normalized_shape, dtype=_np_dtype(dtype))))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight to ones."""
        from ember.nn import init  # (looked up per call, as PyTorch)
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x):
        """Normalize ``x`` over its trailing dimensions."""
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Local response normalization across neighbouring channels.

    ``y_c = x_c / (k + alpha / size * sum_{c' near c} x_{c'}**2) ** beta``.

    Args:
        size: channels in the window. alpha, beta, k: as in the formula.

    Example::

        >>> lrn = nn.LocalResponseNorm(2)
        >>> y = lrn(ember.randn(2, 6, 5, 5))
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        """Normalize ``input`` across channels."""
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(Module):
    """Local response normalization across channels of ``(N, C, H, W)``, PyTorch's legacy variant.

    ``y_c = x_c / (k + alpha / size * S_c) ** beta`` with ``S_c`` the sum of ``x**2`` over nearby channels.
    Unlike :class:`LocalResponseNorm`, this reproduces PyTorch's ``CrossMapLRN2d`` kernel exactly, quirks
    included: ``S_c`` keeps ``x_0 ** 2`` for every channel from ``(size + 1) // 2`` on, and the gradient is
    PyTorch's (shifted-window) formula rather than the exact derivative.

    Args:
        size: channels in the window. alpha, beta, k: as in the formula.

    Example::

        >>> lrn = nn.CrossMapLRN2d(3)
        >>> lrn
        CrossMapLRN2d(3, alpha=0.0001, beta=0.75, k=1)
        >>> lrn(ember.randn(2, 6, 5, 5)).shape
        ember.Size([2, 6, 5, 5])
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        """Normalize ``input`` across channels."""
        from ember._ops.normalization import CrossMapLrn2d

        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        if input.shape[1] == 0:
            raise IndexError(f"select(): index 0 out of range for tensor of size {list(input.shape)} at dimension 1")
        _ = self.alpha / self.size  # size 0: ZeroDivisionError, as PyTorch's alpha / size
        if input._data.dtype.kind not in "fV":
            word = _dtype.TYPE_WORDS.get(input._data.dtype.name, input._data.dtype.name)
            raise RuntimeError(f"result type Float can't be cast to the desired output type {word}")
        return CrossMapLrn2d.apply(input, size=int(self.size), alpha=float(self.alpha), beta=float(self.beta),
                                   k=float(self.k))

    extra_repr = LocalResponseNorm.extra_repr


class _InstanceNorm(_NormBase):
    _ndim = 3

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _check_input_dim(self, input):
        n = self._ndim
        if input.dim() not in (n - 1, n):
            raise ValueError(f"expected {n - 1}D or {n}D input (got {input.dim()}D input)")

    def forward(self, input):
        """Normalize each channel of each sample over its spatial dimensions."""
        self._check_input_dim(input)
        feature_dim = input.dim() - self._ndim + 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                          "warning by not passing in num_features, which is not used because affine=False",
                          stacklevel=2)
        use_input_stats = self.training or not self.track_running_stats
        if self.running_mean is None or self.running_var is None:  # (stats set to None by hand: PyTorch's errors)
            if not use_input_stats:
                raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is "
                                   "false")
            if self.running_mean is not None or self.running_var is not None:
                raise ValueError("running_mean and running_var must either both be None or neither be None")
        if input.dim() == self._get_no_batch_dim():
            return self._handle_no_batch_input(input)
        return self._apply_instance_norm(input)

    # The three helpers below are PyTorch's private hooks (subclasses override or call them).
    def _get_no_batch_dim(self):
        return self._ndim - 1

    def _handle_no_batch_input(self, input):
        return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)

    def _apply_instance_norm(self, input):
        return instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                             self.training or not self.track_running_stats,
                             self.momentum if self.momentum is not None else 0.0, self.eps)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        # A checkpoint without metadata (saved before instance norms stopped tracking running stats by default)
        # holding running stats for a module that tracks none: PyTorch's error (strict or not), the keys dropped.
        if local_metadata.get("version", None) is None and not self.track_running_stats:
            found = [prefix + n for n in ("running_mean", "running_var") if prefix + n in state_dict]
            if found:
                name, keys = type(self).__name__, '" and "'.join(found)
                error_msgs.append(
                    f"Unexpected running stats buffer(s) \"{keys}\" for {name} with "
                    f"track_running_stats=False. If state_dict is a checkpoint saved before 0.4.0, this may be "
                    f"expected because {name} does not track running stats by default since 0.4.0. Please remove "
                    f"these keys from state_dict. If the running stats are actually needed, instead set "
                    f"track_running_stats=True in {name} to enable them. See the documentation of {name} for "
                    "details.")
                for key in found:
                    state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L) or unbatched (C, L) input: each channel of each sample is
    normalized over L. Arguments as ``BatchNorm1d`` (defaults ``affine=False``, ``track_running_stats=False``).

    Example::

        >>> y = nn.InstanceNorm1d(3)(ember.randn(2, 3, 5))
    """

    _ndim = 3


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W) or unbatched (C, H, W) input (see ``InstanceNorm1d``).

    Example::

        >>> y = nn.InstanceNorm2d(3)(ember.randn(2, 3, 4, 4))
    """

    _ndim = 4


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of (N, C, D, H, W) or unbatched (C, D, H, W) input (see ``InstanceNorm1d``).

    Example::

        >>> y = nn.InstanceNorm3d(3)(ember.randn(2, 3, 2, 4, 4))
    """

    _ndim = 5
