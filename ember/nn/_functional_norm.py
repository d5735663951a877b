"""Normalization functions of ``ember.nn.functional``: batch, layer, group, instance, RMS and local response norm."""

from ember._backend import xp
from ember import _dtype
from ember import _functions_args as _args
from ember._dtype import TYPE_WORDS
from ember._ops.normalization import BatchNorm, GroupNorm, LayerNorm, RMSNorm
from ember._tensor import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm", "local_response_norm"]


def _affine(weight, bias):
    if weight is None and bias is not None:
        # The ops take (weight, bias) positionally; a bias alone needs a unit weight.
        from ember._tensor import wrap
        weight = wrap(xp.ones(bias.shape, dtype=bias._data.dtype))
    return tuple(t for t in (weight, bias) if t is not None)


def _as_ncl(x):
    n, c = x.shape[0], x.shape[1]
    return x.reshape(n, c, -1)


def _word(dt):
    return TYPE_WORDS.get(dt.name, dt.name)


def _check_dtypes(kernel, input, *params):
    """PyTorch's CPU dtype rules for the norms: a floating input, and parameters (weight, bias, running
    statistics, in that order; None skipped) of the input's dtype, rather than a silent promotion."""
    dt = input._data.dtype
    if dt.kind not in "fV" and kernel == "batch_norm":  # batch norm's kernel refuses the input before any mix
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_word(dt)}'")
    pdts = [p._data.dtype for p in params if p is not None]
    if pdts and pdts[0] != dt:
        if any(p != xp.float32 for p in pdts):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        if dt.itemsize != 2:  # a half input with float parameters is PyTorch's one allowed mix
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
        return
    if dt.kind not in "fV":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_word(dt)}'")
    for p in pdts:
        if p != dt:
            raise RuntimeError(f"expected scalar type {_word(dt)} but found {_word(p)}")


def _check_stat(name, t, c):
    if t is not None and t.numel() != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")


@_args.checks_args
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Batch normalization over the channel dimension 1.

    Training normalizes with the batch statistics and updates ``running_mean``/``running_var`` in place
    (``running = (1 - momentum) * running + momentum * batch``, with the unbiased batch variance); eval
    normalizes with the running statistics.

    Args:
        input: (N, C) or (N, C, *).
        running_mean, running_var: (C,) tensors or None.
        weight, bias: optional (C,) affine parameters.
        training: use batch statistics. momentum: running-average factor. eps: added to the variance.

    Example::

        >>> y = F.batch_norm(x, rm, rv, training=True)
    """
    if not isinstance(input, Tensor):
        _args.reject("nn.functional", "batch_norm", batch_norm,
                     (input, running_mean, running_var, weight, bias, training, momentum, eps))
    if input.dim() < 2:
        raise ValueError(f"Expected 2D or higher input (got {input.dim()}D input)")
    c = input.shape[1]
    if training:
        size = 1
        for i, s in enumerate(input.shape):
            if i != 1:
                size *= s
        if size == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.size()!r}")
    elif running_mean is None or running_var is None:
        missing = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{missing} must be defined in evaluation mode")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    try:
        _check_stat("running_mean", running_mean, c)
        _check_stat("running_var", running_var, c)
        _check_stat("weight", weight, c)
        _check_stat("bias", bias, c)
    except AttributeError:  # one is not a tensor
        _args.reject("nn.functional", "batch_norm", batch_norm,
                     (input, running_mean, running_var, weight, bias, training, momentum, eps))
    _check_dtypes("batch_norm", input, weight, bias, running_mean, running_var)
    wb = _affine(weight, bias)
    rm = running_mean._data if running_mean is not None else None
    rv = running_var._data if running_var is not None else None
    out = BatchNorm.apply(input, *wb, training=bool(training), eps=float(eps),
                          momentum=float(momentum if momentum is not None else 0.0),
                          running_mean=rm, running_var=rv, affine=len(wb))
    if training:
        for t in (running_mean, running_var):
            if t is not None:
                t._vc[0] += 1
    return out


def _normalized_shape(normalized_shape):
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def _check_normalized(input, shape, sep=", "):
    k = len(shape)
    if k == 0 or input.dim() < k or tuple(input.shape[input.dim() - k:]) != shape:
        # PyTorch's rms_norm spells the expected shape without the comma after "*" (sep="").
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*{sep}{', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )


@_args.checks_args
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization over the trailing ``normalized_shape`` dimensions.

    Args:
        input: (*, *normalized_shape).
        normalized_shape: int or tuple, the trailing shape normalized over.
        weight, bias: optional tensors of ``normalized_shape``. eps: added to the variance.

    Example::

        >>> y = F.layer_norm(x, (x.shape[-1],))
    """
    if not isinstance(input, Tensor):
        _args.reject("nn.functional", "layer_norm", layer_norm, (input, normalized_shape, weight, bias, eps))
    shape = _normalized_shape(normalized_shape)
    _check_normalized(input, shape)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                               f"shape {list(t.shape)} and normalized_shape = {list(shape)}")
    _check_dtypes("LayerNormKernelImpl", input, weight, bias)
    return LayerNorm.apply(input, *_affine(weight, bias), k=len(shape), eps=float(eps))


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization: channels split into ``num_groups`` groups, each normalized per sample.

    Args:
        input: (N, C, *) with C divisible by ``num_groups``.
        weight, bias: optional (C,) per-channel affine parameters. eps: added to the variance.

    Example::

        >>> y = F.group_norm(x, 2)
    """
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    c = input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(input.shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    _check_dtypes("GroupNormKernelImpl", input, weight, bias)
    return GroupNorm.apply(input, *_affine(weight, bias), groups=int(num_groups), eps=float(eps))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Instance normalization: each channel of each sample normalized over its spatial dimensions.

    Args:
        input: (N, C, *) with at least one spatial dimension.
        running_mean, running_var: optional (C,) running statistics, updated in place when
            ``use_input_stats`` (averaged over the batch), used instead of the input's when not.
        weight, bias: optional (C,) affine parameters.

    Example::

        >>> y = F.instance_norm(x)
    """
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    if use_input_stats:
        size = 1
        for s in input.shape[2:]:
            size *= s
        if size == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.size()!r}")
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    _check_dtypes("batch_norm", input, weight, bias)
    c = input.shape[1]
    x3 = _as_ncl(input.contiguous())  # (PyTorch's instance norm output is row-major for any input layout)
    out = GroupNorm.apply(x3, *_affine(weight, bias), groups=int(c), eps=float(eps)).reshape(input.shape)
    if running_mean is not None or running_var is not None:
        a = x3._data
        m = a.dtype.type(momentum)
        if running_mean is not None:
            rm = running_mean._data
            rm *= 1 - m
            rm += (m * a.mean(axis=2).mean(axis=0)).astype(rm.dtype, copy=False)
            running_mean._vc[0] += 1
        if running_var is not None:
            rv = running_var._data
            rv *= 1 - m
            rv += (m * a.var(axis=2, ddof=1).mean(axis=0)).astype(rv.dtype, copy=False)
            running_var._vc[0] += 1
    return out


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalization over the trailing ``normalized_shape`` dimensions.

    ``y = x / sqrt(mean(x**2) + eps) * weight``; ``eps`` defaults to the dtype's machine epsilon.

    Example::

        >>> y = F.rms_norm(x, (x.shape[-1],))
    """
    shape = _normalized_shape(normalized_shape)
    _check_normalized(input, shape, sep="")
    dt = input._data.dtype
    if dt.kind not in "fV":
        raise NotImplementedError(f"\"rms_norm\" not implemented for '{_word(dt)}'")
    if eps is None:
        # float32's for float16/bfloat16 too: PyTorch computes those in float32 (NumPy's finfo knows no bfloat16)
        eps = _dtype.finfo(_dtype.from_np(dt if dt.itemsize > 2 else xp.dtype(xp.float32))).eps
    if weight is not None and weight._data.dtype != dt:
        weight = weight.to(input.dtype)  # PyTorch computes in, and returns, the input's dtype
    w = (weight,) if weight is not None else ()
    return RMSNorm.apply(input, *w, k=len(shape), eps=float(eps))


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Local response normalization across channels.

    ``y_c = x_c / (k + alpha / size * sum of x**2 over the ``size`` channels around c) ** beta``, the window
    zero-padded at the ends. Composed as in PyTorch (an average pooling of the squares over the channels, then
    ``x / (k + alpha * mean) ** beta``), so its graph ends in DivBackward0.

    Example::

        >>> y = F.local_response_norm(x, 2)
    """
    dim = input.dim()
    if dim < 3:
        # (the run of spaces is in PyTorch's message)
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} dimensions)")
    if input._data.dtype.kind not in "fV":
        kernel = "avg_pool2d" if dim == 3 else "avg_pool3d_out_frame"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_word(input._data.dtype)}'")
    if input.numel() == 0:
        return input
    from ember.nn._functional_conv import avg_pool2d, avg_pool3d, pad

    size = int(size)
    before, after = size // 2, (size - 1) // 2  # the window of channel c: [c - before, c + after]
    sq = input * input
    if dim == 3:  # channels as the height of a one-channel image: pool (size, 1)
        mean = avg_pool2d(pad(sq.unsqueeze(1), (0, 0, before, after)), (size, 1), stride=1).squeeze(1)
    else:  # (N, 1, C, H, rest flattened): pool (size, 1, 1)
        shape = input.shape
        vol = sq.reshape(shape[0], 1, shape[1], shape[2], -1)
        mean = avg_pool3d(pad(vol, (0, 0, 0, 0, before, after)), (size, 1, 1), stride=1).squeeze(1).reshape(shape)
    return input / (mean * alpha + k) ** beta

