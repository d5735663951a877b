"""Batch normalization layers: ``BatchNorm1d``, ``BatchNorm2d``, ``BatchNorm3d`` and ``SyncBatchNorm``."""

from ember import _dtype
from ember._backend import xp
from ember._tensor import wrap
from ember.nn._functional_norm import batch_norm
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm"]


def _init_affine(module, shape, affine, bias, dtype):
    """PyTorch's norm-layer parameters: ``weight`` ones and ``bias`` zeros of ``shape``, or None entries."""
    if affine:
        module.weight = Parameter(wrap(xp.ones(shape, dtype=dtype)))
        if bias:
            module.bias = Parameter(wrap(xp.zeros(shape, dtype=dtype)))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


class _NormBase(Module):
    """Parameters and running-statistics buffers shared by batch and instance norm."""

    _version = 2  # version 2 added num_batches_tracked (older state dicts load without it)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        np_dtype = _dtype.to_np(dtype if dtype is not None else _dtype.get_default_dtype())
        self._np_dtype = np_dtype
        _init_affine(self, num_features, affine, bias, np_dtype)
        if track_running_stats:
            self.register_buffer("running_mean", wrap(xp.zeros(num_features, dtype=np_dtype)))
            self.register_buffer("running_var", wrap(xp.ones(num_features, dtype=np_dtype)))
            self.register_buffer("num_batches_tracked", wrap(xp.array(0, dtype=xp.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()  # (as PyTorch: a subclass's override runs at construction)

    def reset_running_stats(self):
        """Zero the running mean and count, and set the running variance to one."""
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0
            for t in (self.running_mean, self.running_var, self.num_batches_tracked):
                t._vc[0] += 1

    def reset_parameters(self):
        """Reset the running statistics, the weight to ones and the bias to zeros."""
        from ember.nn import init  # (looked up per call, as PyTorch: a patched ``nn.init`` applies)
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        # State dicts older than version 2 (or without metadata) have no num_batches_tracked: the module keeps
        # its own count (zero when it has none) instead of reporting the key missing.
        version = local_metadata.get("version", None)
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and key not in state_dict:
            count = self.num_batches_tracked
            state_dict[key] = count if count is not None else wrap(xp.array(0, dtype=xp.int64))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class _BatchNorm(_NormBase):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        # (its own signature, so that argument errors name _BatchNorm as PyTorch's do)
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input):
        """Normalize ``input`` with batch statistics (training) or running statistics (eval)."""
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data += 1
            self.num_batches_tracked._vc[0] += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
            else:
                factor = self.momentum
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                          self.weight, self.bias, use_batch_stats, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalization over a 2-D (N, C) or 3-D (N, C, L) input.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with per-channel batch statistics in training
    (running statistics updated with ``momentum``; ``momentum=None`` is a cumulative average) and the
    running statistics in eval mode.

    Args:
        num_features: C. eps: added to the variance. momentum: running-average factor or None.
        affine: learnable ``weight``/``bias``. track_running_stats: keep ``running_mean``/``running_var``.
        bias: (keyword) learnable bias when affine.

    Example::

        >>> bn = nn.BatchNorm1d(6)
        >>> y = bn(ember.randn(4, 6))
    """

    def _check_input_dim(self, input):
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalization over a 4-D (N, C, H, W) input (see ``BatchNorm1d`` for the arguments).

    Example::

        >>> bn = nn.BatchNorm2d(6)
        >>> y = bn(ember.randn(4, 6, 8, 8))
    """

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalization over a 5-D (N, C, D, H, W) input (see ``BatchNorm1d`` for the arguments).

    Example::

        >>> bn = nn.BatchNorm3d(6)
        >>> y = bn(ember.randn(2, 6, 3, 4, 4))
    """

    def _check_input_dim(self, input):
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")


class SyncBatchNorm(_BatchNorm):
    """Batch normalization whose statistics are shared across the processes of a process group.

    ember has no process groups, so (as in PyTorch when none is initialised) it normalizes with the local
    batch's statistics: the result is that of ``BatchNorm1d/2d/3d`` for any input of at least 2 dimensions.
    :meth:`convert_sync_batchnorm` swaps the batch-norm layers of a model for this one.

    Args:
        num_features: C. eps, momentum, affine, track_running_stats, bias: as ``BatchNorm1d``.
        process_group: the group to synchronise within (kept; unused without ``torch.distributed``).

    Shape: ``(N, C, *)`` -> same.

    Example::

        >>> bn = nn.SyncBatchNorm(6)
        >>> y = bn(ember.randn(4, 6, 5, 5))
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """Return ``module`` with every ``BatchNorm*d`` in it replaced by a ``SyncBatchNorm`` that shares the
        original's parameters and running statistics (a batch-norm ``module`` itself is replaced; anything
        else is updated in place and returned).

        Example::

            >>> net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))
            >>> net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
            >>> type(net[1]).__name__
            'SyncBatchNorm'
        """
        out = module
        if isinstance(module, _BatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                      process_group, bias=module.bias is not None)
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
            if hasattr(module, "qconfig"):
                out.qconfig = module.qconfig
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
