"""Parameter initialisation (mirrors ``torch.nn.init``).

Every function fills its tensor in place, outside autograd, and returns it. Random ones take ``generator=``
(default: the global generator that ``ember.manual_seed`` seeds). On a meta tensor (no data) they do nothing
and return it, as in PyTorch, so modules built on the meta device initialise for free.
"""

import math
import numbers
import warnings

from ember import _dtype
from ember._backend import xp
from ember._tensor import Tensor, _is_meta_data
from ember.autograd.grad_mode import no_grad
from ember.nn.parameter import _USE_MSG, is_lazy

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_",
    "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform",
    "kaiming_normal", "orthogonal", "sparse",
]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for an activation function (used to scale init standard deviations).

    ============ =========================
    linear/conv  1
    sigmoid      1
    tanh         5/3
    relu         sqrt(2)
    leaky_relu   sqrt(2 / (1 + slope^2)), slope = ``param`` (default 0.01)
    selu         3/4
    ============ =========================

    Example::

        >>> ember.nn.init.calculate_gain('leaky_relu', 0.2)
        1.3867504905630728
    """
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = math.prod(tensor.shape[2:]) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of {['fan_in', 'fan_out']}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _is_meta(tensor):
    """Whether ``tensor`` is on the meta device (nothing to initialise); it gets its meta class if it lacked it
    (a ``Parameter`` made from a meta tensor)."""
    a = tensor._data
    if a.base is None or not _is_meta_data(a):
        return False
    from ember._meta import fix_class
    fix_class(tensor)
    return True


def _fill(tensor, values):
    """Write an array into ``tensor`` in place (cast to its dtype), bumping its version."""
    if _is_meta(tensor):
        return tensor
    with no_grad():
        tensor._data[...] = values
        tensor._vc[0] += 1
    return tensor


# PyTorch names the init function itself (its ``__torch_function__`` dispatch) for an uninitialized tensor
_FN_USE_MSG = _USE_MSG.replace("{} of 'ember._C.TensorBase' objects>", "{}")


def _refuse_lazy(tensor, fn):
    if is_lazy(tensor):
        raise ValueError(_FN_USE_MSG.format(repr(fn), type(tensor).__name__))


def _check_float(fn_name, value, arg, pos):
    """PyTorch's argument error for a bound that is not a real number (or a 0-d tensor)."""
    if type(value) is float or type(value) is int:  # (the common case, first)
        return
    if isinstance(value, numbers.Real) or (isinstance(value, Tensor) and value.dim() == 0):
        return
    raise TypeError(f"{fn_name}(): argument '{arg}' (position {pos}) must be float, not {type(value).__name__}")


def _no_grad_uniform_(tensor, a, b, generator=None):
    """``tensor.uniform_(a, b)`` outside autograd (the helper behind :func:`uniform_`)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def _no_grad_normal_(tensor, mean, std, generator=None):
    """``tensor.normal_(mean, std)`` outside autograd (the helper behind :func:`normal_`)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def _no_grad_fill_(tensor, val):
    """``tensor.fill_(val)`` outside autograd."""
    with no_grad():
        return tensor.fill_(val)


def _no_grad_zero_(tensor):
    """``tensor.zero_()`` outside autograd."""
    with no_grad():
        return tensor.zero_()


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with samples from U(a, b) (``tensor.uniform_(a, b)``: PyTorch's numbers for the same seed).

    Example::

        >>> ember.nn.init.uniform_(ember.empty(3, 5), -0.1, 0.1)
    """
    _refuse_lazy(tensor, uniform_)
    _check_float("uniform_", a, "from", 1)
    _check_float("uniform_", b, "to", 2)
    if not isinstance(tensor, Tensor):
        return tensor.uniform_(a, b, generator=generator)  # (PyTorch's AttributeError)
    if _is_meta(tensor):
        return tensor
    return _no_grad_uniform_(tensor, a, b, generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with samples from N(mean, std^2) (for a complex tensor: both parts from N(mean, std^2 / 2))."""
    _refuse_lazy(tensor, normal_)
    _check_float("normal_", mean, "mean", 1)
    _check_float("normal_", std, "std", 2)
    if not isinstance(tensor, Tensor):
        return tensor.normal_(mean, std, generator=generator)  # (PyTorch's AttributeError)
    if _is_meta(tensor):
        return tensor
    return _no_grad_normal_(tensor, mean, std, generator)


def _no_complex(tensor, message):
    if tensor._data.dtype.kind == "c":
        raise NotImplementedError(message)


def _norm_cdf(x):
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def _no_grad_trunc_normal_(tensor, mean, std, a, b, generator=None):
    """The work of :func:`trunc_normal_` (outside autograd)."""
    if not isinstance(tensor, Tensor):
        raise AttributeError(f"'{type(tensor).__name__}' object has no attribute 'is_meta'")
    if _is_meta(tensor):  # (before the warning, as PyTorch)
        return tensor
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
                      "may be incorrect.", stacklevel=2)
    redraw = _norm_cdf((b - mean) / std) - _norm_cdf((a - mean) / std) > 0.3
    if is_lazy(tensor):  # PyTorch's first use of the tensor on each path
        if redraw:
            tensor.new_tensor(0)
        raise ValueError(_USE_MSG.replace(" of 'ember._C.TensorBase' objects>", "").format(
            f"<built-in method empty_like of type object at {hex(id(Tensor))}>", type(tensor).__name__))
    _no_complex(tensor, f"\"{'lt' if redraw else 'gt'}_cpu\" not implemented for "
                f"'{_dtype.TYPE_WORDS.get(tensor._data.dtype.name)}'")  # PyTorch's error: complex has no order
    from ember._functions import empty_like
    with no_grad():
        arr = tensor._data
        dt = arr.dtype.type
        if redraw:
            tensor.normal_(mean, std, generator=generator)
            result = arr.copy()
            lo, hi = dt(a), dt(b)
            while True:
                mask = (result < lo) | (result > hi)
                if not mask.any():
                    break
                result = xp.where(mask, empty_like(tensor).normal_(mean, std, generator=generator)._data, result)
            return _fill(tensor, result)
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        f32 = xp.float32
        half = arr.dtype.itemsize == 2

        def log_density(c):  # PyTorch's in-place chain, in the tensor's dtype
            c = c - dt(mean)
            # a half / bfloat16 division runs in float32 with float32(std), then rounds (PyTorch's opmath)
            c = (c.astype(f32) / f32(std)).astype(arr.dtype) if half else c / dt(std)
            return (c * c) * dt(-0.5) - dt(log_peak)

        def log_uniform():
            u = empty_like(tensor).uniform_(generator=generator)._data
            with xp.errstate(divide="ignore"):  # log(0) = -inf is wanted (always accepted), silently
                return xp.log(u.astype(f32)).astype(arr.dtype) if half else xp.log(u)

        def rejected():
            return log_uniform() > log_density(candidates)

        tensor.uniform_(a, b, generator=generator)
        result = candidates = arr.copy()
        pending = rejected()
        while pending.any():
            candidates = empty_like(tensor).uniform_(a, b, generator=generator)._data
            result = xp.where(pending, candidates, result)
            pending = xp.where(pending, rejected(), pending)
        return _fill(tensor, result)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std^2) samples restricted to [a, b], by PyTorch's rejection schemes (so with its
    numbers): redrawn normals when [a, b] holds over 30% of the mass, else uniform proposals on [a, b]
    accepted by the density.

    Example::

        >>> ember.nn.init.trunc_normal_(ember.empty(3, 5), std=0.02)
    """
    return _no_grad_trunc_normal_(tensor, mean, std, a, b, generator=generator)


def constant_(tensor, val):
    """Fill with the value ``val``."""
    _refuse_lazy(tensor, constant_)
    if isinstance(tensor, Tensor) and _is_meta(tensor):
        return tensor
    return _no_grad_fill_(tensor, val)


def ones_(tensor):
    """Fill with ones."""
    if isinstance(tensor, Tensor) and _is_meta(tensor):
        return tensor
    return _no_grad_fill_(tensor, 1.0)


def zeros_(tensor):
    """Fill with zeros."""
    if isinstance(tensor, Tensor) and _is_meta(tensor):
        return tensor
    return _no_grad_zero_(tensor)


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    if _is_meta(tensor):
        return tensor
    if tensor._data.flags.writeable:
        return _fill(tensor, xp.eye(*tensor._data.shape))
    version = tensor._vc[0]
    with no_grad():  # a broadcast view: PyTorch's order, zeros then the diagonal (the last writes stay)
        tensor.zero_()
        tensor.diagonal().fill_(1)
    tensor._vc[0] = version + 1  # (one write, as PyTorch counts it)
    return tensor


def dirac_(tensor, groups=1):
    """Fill a 3/4/5-D conv weight so the convolution is the identity (per group) on its inputs."""
    nd = tensor.dim()
    if nd not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    shape = tensor._data.shape
    if shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = shape[0] // groups
    k = min(per_group, shape[1])
    vals = xp.zeros(shape)
    center = tuple(s // 2 for s in shape[2:])
    d = xp.arange(k)
    for grp in range(groups):
        vals[(grp * per_group + d, d) + center] = 1
    return _fill(tensor, vals)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-b, b) with ``b = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # (PyTorch's order of the products)
    return tensor if _is_meta(tensor) else _no_grad_uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return tensor if _is_meta(tensor) else _no_grad_normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(-b, b) with ``b = gain * sqrt(3 / fan)``.

    Args:
        a: negative slope of the following leaky ReLU (``nonlinearity='leaky_relu'``).
        mode: ``'fan_in'`` (preserve forward variance) or ``'fan_out'`` (backward).
        nonlinearity: name passed to :func:`calculate_gain`.

    Example::

        >>> w = ember.empty(3, 5)
        >>> ember.nn.init.kaiming_uniform_(w, mode='fan_in', nonlinearity='relu')
    """
    _refuse_lazy(tensor, kaiming_uniform_)
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    # (the helpers, not the public uniform_/normal_: patching those, as PyTorch, does not reach these draws)
    return tensor if _is_meta(tensor) else _no_grad_uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, std^2) with ``std = gain / sqrt(fan)``."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    return tensor if _is_meta(tensor) else _no_grad_normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor, gain=1, generator=None):
    """Fill with a (semi-)orthogonal matrix (trailing dims flattened), scaled by ``gain``."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0 or _is_meta(tensor):
        return tensor
    if tensor.dtype.itemsize == 2 and tensor.dtype.is_floating_point:  # (PyTorch's QR has no half kernels)
        raise NotImplementedError(f"\"geqrf_cpu\" not implemented for '{_dtype.TYPE_WORDS[tensor.dtype.name]}'")
    _no_complex(tensor, "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
                "torch.sgn instead.")  # PyTorch's error (its sign fix of Q)
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    from ember._functions import empty
    flat = empty((rows, cols), dtype=tensor.dtype).normal_(0, 1, generator=generator)._data
    if rows < cols:
        flat = flat.T
    q, r = xp.linalg.qr(flat)
    # Sign-fix with R's diagonal so the result is uniformly distributed (Haar measure).
    q *= xp.sign(xp.diagonal(r))
    if rows < cols:
        q = q.T
    with no_grad():
        _fill(tensor, q.reshape(tensor._data.shape))
        return tensor.mul_(gain)


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-D tensor with N(0, std^2) values, zeroing a ``sparsity`` fraction of each column (the rows of
    a ``randperm`` of the default generator per column, as PyTorch).

    Example::

        >>> ember.nn.init.sparse_(ember.empty(4, 3), sparsity=0.5).shape
        ember.Size([4, 3])
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    if _is_meta(tensor):
        return tensor
    n_zero = int(math.ceil(sparsity * rows))
    from ember import _random_kernels
    with no_grad():
        tensor.normal_(0, std, generator=generator)
        vals = tensor._data.copy()
        for col in range(cols):
            vals[_random_kernels.randperm(rows)[:n_zero], col] = 0
        return _fill(tensor, vals)


def _make_deprecate(meth):
    """The deprecated alias of the in-place init function ``meth`` (its name without the trailing underscore):
    warns with a FutureWarning, then calls ``meth``."""
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.",
                      FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)
    deprecated_init.__name__ = deprecated_init.__qualname__ = old_name
    deprecated_init.__doc__ = f"Deprecated alias of :func:`{new_name}`."
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
