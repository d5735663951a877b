"""Activations and losses of ``ember.nn.functional`` (mirrors ``torch.nn.functional``)."""

import math
import numbers

import ember
from ember import _dtype
from ember import _ops
from ember import _functions as _F
from ember import _functions_args as _args
from ember import _random
from ember import _random_kernels as _rk
from ember._backend import xp
from ember._functions_math import _word
from ember._ops import activation as _A
from ember._ops import elementwise as _E
from ember._ops import loss as _L
from ember._tensor import Tensor, wrap
from ember._tensor_methods import _inplace
from ember.autograd.grad_mode import state as _grad_state

__all__ = [
    # activations
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "elu", "elu_", "selu",
    "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid", "tanh", "hardtanh", "hardtanh_",
    "hardsigmoid", "hardswish", "softplus", "softsign", "softmax", "log_softmax", "softmin", "logsigmoid",
    "tanhshrink", "threshold", "threshold_", "glu", "hardshrink", "softshrink", "gumbel_softmax",
    # losses
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss", "margin_ranking_loss",
    "triplet_margin_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "poisson_nll_loss",
    "gaussian_nll_loss", "hinge_embedding_loss",
]

_maximum = xp.maximum
_F32 = xp.dtype(xp.float32)
_ZERO_F32 = xp.zeros((), dtype=xp.float32)  # same result as the int 0 for float32 input, a cheaper ufunc call

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _float_input(input, op=None):
    # Activations compute in floating point; integer tensors go to the default dtype rather than float64.
    kind = input._data.dtype.kind
    if kind in "fV":
        return input
    if kind in "iub" and op in _INT_KERNELS:  # PyTorch's float-only kernels refuse integer and bool inputs
        raise NotImplementedError(f"\"{_INT_KERNELS[op]}\" not implemented for '{_word(input)}'")
    if kind == "c":  # real-only kernels in PyTorch (NumPy would compare complex numbers)
        word = _word(input)
        kernel = _COMPLEX_KERNELS.get(op)
        if kernel is None:
            raise NotImplementedError(f"{getattr(op, '__name__', 'this activation')} of {word} is not supported "
                                      "in ember yet")
        raise NotImplementedError(kernel if " " in kernel else f"\"{kernel}\" not implemented for '{word}'")
    return _F._cast(input, _dtype.get_default_dtype().np)


def _act(op, input, inplace=False, **params):
    """Apply an elementwise activation op, in place (rebasing the graph as torch does) when asked."""
    if inplace:
        if op in _RESULT_BASED:
            # torch's in-place variants of these differentiate from the result: their nodes are "...Backward1"
            params["grad_name"] = params.get("grad_name", op.grad_name).replace("Backward0", "Backward1")
        return _inplace(input, lambda s: op.apply(s, **params))
    return op.apply(_float_input(input, op), **params)


def _int_act(op, input, inplace, **params):
    # Integer kernels (hardtanh, threshold): the op on the integer array itself, no cast to floating point.
    return _act(op, input, True, **params) if inplace else op.apply(input, **params)


def _int_scalar(dt, value):
    """``value`` converted to the integer NumPy dtype ``dt`` PyTorch's way: truncated toward zero, an error when out
    of range (an unsigned type also takes the integers ``-max..-1``, wrapping around, but no negative float)."""
    info = xp.iinfo(dt)
    unsigned = dt.kind == "u"
    lo = (-info.max if isinstance(value, numbers.Integral) else 0) if unsigned else info.min
    if not lo <= value <= info.max:  # (NaN fails too)
        raise RuntimeError(f"value cannot be converted to type {_C_INT_NAMES.get(dt.name, dt.name + '_t')} "
                           "without overflow")
    return int(value) % (info.max + 1) if unsigned else int(value)


_C_INT_NAMES = {"int32": "int"}  # (the C type names PyTorch's overflow message uses; others are "<name>_t")


_RESULT_BASED = (_A.LeakyRelu, _A.Elu, _A.Threshold)
# PyTorch's error for a complex input, per activation op (a message with a space is used as is)
_COMPLEX_KERNELS = {_A.LeakyRelu: "leaky_relu_cpu", _A.RreluWithNoise: "leaky_relu_cpu", _A.Elu: "elu_cpu",
                    _A.Mish: "mish_cpu", _A.Hardtanh: "clamp is not supported for complex types",
                    _A.Hardsigmoid: "hardsigmoid_cpu", _A.Hardswish: "hardswish_cpu", _A.Threshold: "threshold_cpu",
                    _A.Gelu: "GeluKernelImpl", _A.Softplus: "softplus_cpu", _A.LogSigmoid: "log_sigmoid_cpu",
                    _A.Hardshrink: "hardshrink_cpu", _A.Softshrink: "softshrink_check", _A.Glu: "glu_cpu"}
# ... and for an integer or bool input (Hardtanh and Threshold accept integers)
_INT_KERNELS = {op: k for op, k in _COMPLEX_KERNELS.items() if op not in (_A.Hardtanh, _A.Threshold)}
_INT_KERNELS[_A.Silu] = "silu_cpu"


# ================================================================================================ activations


@_args.checks_args
def relu(input, inplace=False):
    """Rectified linear unit, ``max(0, x)``, elementwise.

    Args:
        input: any shape.
        inplace: overwrite ``input`` with the result.

    Example::

        >>> F.relu(ember.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    if not isinstance(input, Tensor):
        _args.reject("nn.functional", "relu", relu, (input, inplace))
    if not inplace and not (_grad_state.enabled and input._requires_grad):
        # Nothing to record: the op's forward on the raw array, no graph node (same result as Relu.apply).
        x = input._data
        if x.dtype == _F32 and not (_ops._hooks and input.is_meta):  # (a meta input: the op gives a meta result)
            return wrap(_maximum(x, _ZERO_F32))
    if inplace:
        return input.relu_()
    return _E.Relu.apply(input)


def relu_(input):
    """In-place :func:`relu`."""
    return input.relu_()


def relu6(input, inplace=False):
    """``min(max(0, x), 6)`` elementwise (a :func:`hardtanh` with bounds 0 and 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x if x > 0 else negative_slope * x`` elementwise.

    Example::

        >>> F.leaky_relu(ember.tensor([-1.0, 2.0]), 0.1)
        tensor([-0.1000,  2.0000])
    """
    return _act(_A.LeakyRelu, input, inplace, negative_slope=negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    """In-place :func:`leaky_relu`."""
    return leaky_relu(input, negative_slope, True)


def prelu(input, weight):
    """Parametric ReLU: ``x if x > 0 else weight[c] * x``, with channel ``c`` along dim 1.

    Args:
        input: ``(N, C, *)``, ``(C,)`` or a scalar.
        weight: one element (shared) or ``C`` elements.
    """
    n = weight.numel()
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else (input.shape[0] if input.ndim == 1 else 1)
        if channels != n:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} and "
                f"channel size = {channels}."
            )
    if _ops._hooks:  # CPU autocast: casts (PyTorch's lower-precision list)
        input, weight = _ops.autocast_args(input, weight)
    if weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_word(input)} and {_word(weight)}")
    if input._data.dtype.kind not in "fV" or weight._data.dtype.kind == "c":  # (NumPy would order complex numbers)
        raise NotImplementedError(f"\"prelu_cpu\" not implemented for '{_word(input)}'")
    return _A.Prelu.apply(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: ``x`` where ``x > 0``, else ``x`` times a slope drawn uniformly from
    ``[lower, upper]`` per element when training, ``(lower + upper) / 2`` otherwise.

    Example::

        >>> F.rrelu(ember.tensor([-1.0, 2.0]), 0.1, 0.3)
        tensor([-0.2000,  2.0000])
    """
    return _rrelu(input, lower, upper, training, inplace)


def _rrelu_noise(a, lower, upper, generator):
    """PyTorch's rrelu slopes for array ``a``: 1 where ``a > 0``; elsewhere one double-precision uniform draw
    each, ``u * (upper - lower) + lower`` (two roundings; bounds in ``a``'s dtype), in memory order."""
    noise = xp.ones(a.shape, dtype=a.dtype)
    view = _rk.memory_order(noise)
    neg = _rk.memory_order(a) <= 0
    lo, hi = (float((xp.float32 if a.dtype.itemsize <= 2 else a.dtype.type)(v)) for v in (lower, upper))
    r = _rk.f53(_random.get_generator(generator), int(neg.sum()))
    r *= hi - lo
    r += lo
    view[neg] = r.astype(a.dtype)
    return noise


def _rrelu(input, lower, upper, training, inplace, generator=None):
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if input._data.dtype.kind not in "fV" or training and input._data.dtype == xp.float16:
        kernel = "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_word(input)}'")
    noise = _rrelu_noise(input._data, lower, upper, generator) if training else None
    params = dict(lower=float(lower), upper=float(upper), noise=noise)
    if inplace:  # as PyTorch, the in-place node is RreluWithNoiseBackward1
        params["grad_name"] = "RreluWithNoiseBackward1"
    return _act(_A.RreluWithNoise, input, inplace, **params)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, True)


def elu(input, alpha=1.0, inplace=False):
    """Exponential linear unit: ``x if x > 0 else alpha * (exp(x) - 1)``."""
    return _act(_A.Elu, input, inplace, alpha=alpha)


def elu_(input, alpha=1.0):
    """In-place :func:`elu`."""
    return elu(input, alpha, True)


def selu(input, inplace=False):
    """Scaled ELU with the self-normalising constants (alpha ~1.6733, scale ~1.0507)."""
    return _act(_A.Elu, input, inplace, alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def selu_(input):
    """In-place :func:`selu`."""
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _act(_A.Elu, input, inplace, alpha=alpha, input_scale=1.0 / alpha, grad_name="CeluBackward0")


def celu_(input, alpha=1.0):
    """In-place :func:`celu`."""
    return celu(input, alpha, True)


@_args.checks_args
def gelu(input, approximate="none"):
    """Gaussian error linear unit, ``x * Phi(x)``; ``approximate='tanh'`` uses the tanh approximation.

    Example::

        >>> F.gelu(ember.tensor([1.0]))
        tensor([0.8413])
    """
    if not isinstance(input, Tensor):
        _args.reject("nn.functional", "gelu", gelu, (input, approximate))
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _A.Gelu.apply(_float_input(input, _A.Gelu), approximate=approximate)


@_args.checks_args
def silu(input, inplace=False):
    """Sigmoid linear unit (swish): ``x * sigmoid(x)``."""
    if not isinstance(input, Tensor):
        _args.reject("nn.functional", "silu", silu, (input, inplace))
    if input._data.dtype.kind == "c":
        if input._requires_grad and _grad_state.enabled:  # PyTorch has no complex derivative for silu
            raise RuntimeError("silu does not support automatic differentiation for outputs with complex dtype.")
        return _inplace(input, _A.SiluComplex.apply) if inplace else _A.SiluComplex.apply(input)
    return _act(_A.Silu, input, inplace)


def mish(input, inplace=False):
    """Mish: ``x * tanh(softplus(x))``."""
    return _act(_A.Mish, input, inplace)


def sigmoid(input):
    """Logistic sigmoid ``1 / (1 + exp(-x))``, computed without overflow."""
    return ember.sigmoid(input)


def tanh(input):
    """Hyperbolic tangent, elementwise."""
    return ember.tanh(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to ``[min_val, max_val]`` (gradient 1 strictly inside, 0 outside).

    Integer inputs keep their dtype (the limits are converted to it, as in PyTorch); bool inputs are refused.

    Example::

        >>> F.hardtanh(ember.tensor([-3, 0, 2]))
        tensor([-1,  0,  1])
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input._data.dtype.kind in "iub":  # PyTorch's integer kernel: the dtype stays, the limits are converted to it
        dt = input._data.dtype
        if dt.kind == "b":
            raise RuntimeError("Bool inputs not supported for hardtanh")
        if dt.kind == "u":
            if dt.itemsize > 1:
                raise NotImplementedError(f"\"clamp_scalar_cpu\" not implemented for '{_word(input)}'")
            if min_val <= -1 or max_val <= -1:  # (limits in (-1, 0) truncate to 0)
                raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
            min_val, max_val = max(min_val, 0), max(max_val, 0)
        return _int_act(_A.Hardtanh, input, inplace, min_val=_int_scalar(dt, min_val),
                        max_val=_int_scalar(dt, max_val))
    return _act(_A.Hardtanh, input, inplace, min_val=min_val, max_val=max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, True)


def hardsigmoid(input, inplace=False):
    """Piecewise-linear sigmoid: ``clamp(x / 6 + 1 / 2, 0, 1)``."""
    return _act(_A.Hardsigmoid, input, inplace)


def hardswish(input, inplace=False):
    """``x * relu6(x + 3) / 6``."""
    return _act(_A.Hardswish, input, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``; linear where ``beta * x > threshold`` (for stability)."""
    return _A.Softplus.apply(_float_input(input, _A.Softplus), beta=beta, threshold=threshold)


def softsign(input):
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1)


def _softmax_dim(name, ndim, stacklevel):
    _args.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an "
        "argument.", UserWarning)
    return 0 if ndim in (0, 1, 3) else 1


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Sample from the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with Gumbel(0, 1) noise ``g``.

    With ``hard=True`` the result is the one-hot of the sample's argmax, with the soft sample's gradient
    (straight-through). The noise comes from ember's generator, as PyTorch's from its: the same seed gives the
    same Gumbel draws.

    Args:
        logits: ``(*, num_features)`` unnormalised log-probabilities. tau: temperature (> 0).
        hard: return one-hot samples. dim: the category dimension. eps: unused (as in PyTorch).
    """
    import ember

    if eps != 1e-10:
        _args.warn("`eps` parameter is deprecated and has no effect.", UserWarning)
    u = ember.empty_like(logits).exponential_()  # Exponential(1); -log of it is Gumbel(0, 1)
    y_soft = softmax((logits - u.log()) / tau, dim=dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = ember.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


@_args.checks_args
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax along ``dim``: ``exp(x) / exp(x).sum(dim)``, computed stably.

    Args:
        input: any shape.
        dim: the dimension that sums to 1 (omitting it is deprecated and warns, as in PyTorch).
        dtype: cast the input to this dtype first.

    Example::

        >>> F.softmax(ember.tensor([[1.0, 1.0]]), dim=1)
        tensor([[0.5000, 0.5000]])
    """
    if not isinstance(input, Tensor):
        # PyTorch's Python code reads input.dim() to find a missing dim, else calls input.softmax(dim)
        raise _args.attribute_error(input, "dim" if dim is None else "softmax")
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return ember.softmax(input, dim, dtype=dtype)


@_args.checks_args
def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log(softmax(x, dim))`` computed stably (log-sum-exp)."""
    if not isinstance(input, Tensor):
        raise _args.attribute_error(input, "dim" if dim is None else "log_softmax")  # (see softmax)
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return ember.log_softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-x, dim)``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return ember.softmax(-input, dim)


def logsigmoid(input):
    """``log(sigmoid(x))`` without overflow for large ``|x|``."""
    return _A.LogSigmoid.apply(_float_input(input, _A.LogSigmoid))


def tanhshrink(input):
    """``x - tanh(x)``."""
    return input - input.tanh()


def threshold(input, threshold, value, inplace=False):
    """``x if x > threshold else value`` elementwise.

    Integer inputs keep their dtype (``threshold`` and ``value`` are converted to it, as in PyTorch).

    Example::

        >>> F.threshold(ember.tensor([-1.0, 0.5, 2.0]), 1.0, 0.0)
        tensor([0., 0., 2.])
    """
    return _threshold(input, threshold, value, inplace)


def threshold_(input, threshold, value):
    """In-place :func:`threshold`."""
    return _threshold(input, threshold, value, True)


def _threshold(input, thresh, value, inplace):
    dt = input._data.dtype
    if dt.kind in "iub":
        if dt.kind == "b" or (dt.kind == "u" and dt.itemsize > 1):
            raise NotImplementedError(f"\"threshold_cpu\" not implemented for '{_word(input)}'")
        return _int_act(_A.Threshold, input, inplace, threshold=_int_scalar(dt, thresh), value=_int_scalar(dt, value))
    return _act(_A.Threshold, input, inplace, threshold=thresh, value=value)


def glu(input, dim=-1):
    """Gated linear unit: split ``input`` in halves ``a, b`` along ``dim``; return ``a * sigmoid(b)``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = input._wrap_dim(dim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    if input._data.dtype.kind in "ciub":
        _float_input(input, _A.Glu)  # raises PyTorch's error
    return _A.Glu.apply(input, dim=d)


def hardshrink(input, lambd=0.5):
    """``x if |x| > lambd else 0``."""
    if input._data.dtype.kind in "ciub":
        _float_input(input, _A.Hardshrink)  # raises PyTorch's error
    return _A.Hardshrink.apply(input, lambd=lambd)


def softshrink(input, lambd=0.5):
    """Shrink toward 0 by ``lambd``: ``x - lambd``, ``x + lambd`` or 0."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    if input._data.dtype.kind in "ciub":
        _float_input(input, _A.Softshrink)  # raises PyTorch's error
    return _A.Softshrink.apply(input, lambd=lambd)


# ===================================================================================================== losses

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average, reduce, reduction, emit_warning=True):
    """Map the deprecated ``size_average``/``reduce`` pair to a ``reduction`` string (warning like torch)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        _args.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                   UserWarning)
    return ret


def _check_reduction(reduction, allowed=_REDUCTIONS):
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")


_COMPLEX_LOSS_KERNELS = {"mse_loss": "mse_cpu", "huber_loss": "huber_cpu", "smooth_l1_loss": "smooth_l1_cpu"}


def _pair(input, target, name, weighted=False):
    """Common float dtype for (input, target), warning on a broadcast like torch's pointwise losses (``weighted``:
    PyTorch computes the loss with a weight from pointwise ops, not the loss kernel)."""
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{name}(): argument 'input' and 'target' must be Tensor")
    if target.shape != input.shape:
        _args.warn(
            f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). This "
            "will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning)
        _F._check_broadcast(input, target)
    a, b = _F._operands(input, target)
    if a._data.dtype.kind not in "fV":
        if a._data.dtype.kind == "c":
            if name in _COMPLEX_LOSS_KERNELS:
                raise NotImplementedError(f"\"{_COMPLEX_LOSS_KERNELS[name]}\" not implemented for '{_word(a)}'")
            if name == "l1_loss":  # |input - target| is real (PyTorch)
                return a, b
        elif name == "l1_loss":  # (integers: |input - target| in their dtype, whose mean PyTorch refuses)
            return a, b
        elif name in _COMPLEX_LOSS_KERNELS and not weighted:  # (PyTorch's kernels are for floats only)
            raise NotImplementedError(f"\"{_COMPLEX_LOSS_KERNELS[name]}\" not implemented for '{_word(a)}'")
        d = _dtype.get_default_dtype().np
        a, b = _F._cast(a, d), _F._cast(b, d)
    return a, b


def _weighted(elem, weight, reduction, normalise):
    """Reduce ``weight * elem``; ``normalise`` divides the mean by ``weight.sum()`` (mse/l1) not the count."""
    if weight.shape != elem.shape:
        raise ValueError("Weights and input must have the same size.")
    elem = elem * weight
    if reduction == "none":
        return elem
    if reduction == "sum":
        return elem.sum()
    return elem.sum() / weight.sum() if normalise else elem.mean()


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target) ** 2``, reduced by ``reduction``.

    Args:
        input, target: same shape (broadcasting warns, as in PyTorch).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        weight: optional per-element weights (the weighted mean divides by ``weight.sum()``).

    Example::

        >>> F.mse_loss(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 4.0]))
        tensor(2.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    a, b = _pair(input, target, "mse_loss", weight is not None)
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        return _weighted(_L.MseLoss.apply(a, b, reduction="none"), weight, reduction, True)
    return _L.MseLoss.apply(a, b, reduction=reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``, reduced by ``reduction`` (optional per-element weight)."""
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input, target = _ops.autocast_fp32_args(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if isinstance(target, Tensor) and isinstance(input, Tensor) and \
            (target._data.dtype.kind == "b") != (input._data.dtype.kind == "b"):  # (both bool: the xor message)
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    a, b = _pair(input, target, "l1_loss")
    elem = (a - b).abs()
    if weight is not None:
        return _weighted(elem, weight, reduction, True)
    if reduction == "none":
        return elem
    return elem.sum() if reduction == "sum" else elem.mean()


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 * d ** 2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta`` (``d = input - target``)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)  # as torch: beta 0 is exactly L1
    a, b = _pair(input, target, "smooth_l1_loss")
    return _L.SmoothL1Loss.apply(a, b, reduction=reduction, beta=float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 * d ** 2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``."""
    _check_reduction(reduction)
    a, b = _pair(input, target, "huber_loss", weight is not None)
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is None and isinstance(input, Tensor) and isinstance(target, Tensor) and \
            input._data.dtype != target._data.dtype:
        return _huber_mixed(input, target, reduction, float(delta))
    if weight is not None:
        return _weighted(_L.HuberLoss.apply(a, b, reduction="none", delta=float(delta)), weight, reduction, False)
    return _L.HuberLoss.apply(a, b, reduction=reduction, delta=float(delta))


def _huber_mixed(input, target, reduction, delta):
    """PyTorch's huber kernel on operands of two dtypes: the loss in the input's dtype (an integer input is
    refused), and no backward (its kernel wants one dtype: 'Found dtype X but expected Y')."""
    ki = input._data.dtype.kind
    if ki in "iub":
        if target._data.dtype.kind in "iub":
            raise NotImplementedError(f"\"huber_cpu\" not implemented for '{_word(input)}'")
        word = _dtype.TYPE_WORDS[_dtype.result_type(input, target).np.name]
        raise RuntimeError(f"result type {word} can't be cast to the desired output type {_word(input)}")
    if ki == "c" or target._data.dtype.kind == "c":
        return huber_loss(*_F._operands(input, target), reduction, delta)
    _F._check_broadcast(input, target)
    b = wrap(target._data.astype(input._data.dtype))  # (a differentiable target is linked below)
    words = _dtype.TYPE_WORDS
    if input.requires_grad:  # (PyTorch's backward for the input first, then the one for the target)
        msg = f"Found dtype {words[target._data.dtype.name]} but expected {words[input._data.dtype.name]}"
    else:
        msg = f"Found dtype {words[input._data.dtype.name]} but expected {words[target._data.dtype.name]}"
    if target.requires_grad and _grad_state.enabled:
        b = _F._cast(target, input._data.dtype)
    return _L.HuberLoss.apply(input, b, reduction=reduction, delta=delta, mismatch=msg)


_TARGET_TYPE = _dtype.TYPE_WORDS  # PyTorch's type words ("Long", "Float") in messages


def _weight_array(weight, input, n_classes):
    if weight is None:
        return None
    if weight.numel() != n_classes or weight.ndim != 1:
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes but got weight "
            f"tensor of shape: [{', '.join(map(str, weight.shape))}]"
        )
    if weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {_TARGET_TYPE[input._data.dtype.name]} but found "
                           f"{_TARGET_TYPE[weight._data.dtype.name]}")
    return weight._data


def _check_class_target(input, target):
    """PyTorch's shape and dtype checks for class-index targets."""
    _check_shapes(input, target)
    dt = target._data.dtype
    if not ((dt.kind == "i" and dt.itemsize == 8) or (dt.kind == "u" and dt.itemsize == 1)):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_TARGET_TYPE.get(dt.name, dt.name)}")


def _check_shapes(input, target):
    if input.ndim == 0:
        raise RuntimeError("input tensor should be 1D or 2D")
    if input.ndim == 1:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.ndim == 1 and target.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
        return
    target_batch = target.shape[0] if target.ndim else 0
    if input.shape[0] != target_batch:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target_batch})."
        )
    if input.ndim == 2:
        if target.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        return
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        if input.ndim == 4:
            if target.ndim != 3:
                raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                                   f"dimension: {target.ndim}")
            raise RuntimeError(f"size mismatch (got input: [{', '.join(map(str, input.shape))}] , target: "
                               f"[{', '.join(map(str, target.shape))}]")
        raise RuntimeError(f"Expected target size [{', '.join(map(str, expected))}], got "
                           f"[{', '.join(map(str, target.shape))}]")


def _no_grad_arg(arg, fn, name="weight"):
    """PyTorch's error for a (pos_)weight requiring grad where its kernel has no derivative for it."""
    if arg is not None and arg._requires_grad and _grad_state.enabled:
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument '{name}'. This input "
                           "cannot have requires_grad True.")


def _nll_name(input):
    return "NllLoss2DBackward0" if input.ndim >= 3 else "NllLossBackward0"


def _class_input(input, target):
    """An unbatched ``(C,)`` input takes a 0-d target (a 1-element one is accepted, as torch does)."""
    if input.ndim == 1 and target.ndim == 1:
        return input, wrap(target._data.reshape(()))
    return input, target


@_args.checks_args
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood: ``-weight[t] * input[n, t]``, for log-probabilities ``input``.

    Args:
        input: ``(N, C)``, ``(C,)`` or ``(N, C, d1, ..., dK)`` log-probabilities.
        target: class indices ``(N,)``, ``()`` or ``(N, d1, ..., dK)`` (int64), in ``[0, C)``.
        weight: ``(C,)`` class weights.
        ignore_index: target value that contributes neither loss nor gradient.
        reduction: ``'none'`` | ``'mean'`` (weighted mean over non-ignored targets) | ``'sum'``.

    Example::

        >>> F.nll_loss(ember.tensor([[-1.0, -2.0]]), ember.tensor([1]))
        tensor(2.)
    """
    if not (isinstance(input, Tensor) and isinstance(target, Tensor)):
        _args.reject("nn.functional", "nll_loss", nll_loss,
                     (input, target, weight, size_average, ignore_index, reduce, reduction))
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list (casts before the dtype checks)
        input, weight = _ops.autocast_fp32_args(input, weight)
    if input.ndim == 0:  # (checked by PyTorch's Python wrapper, before anything else)
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if weight is not None:
        _no_grad_arg(weight, "nll_loss2d_forward" if input.ndim >= 3 else "nll_loss_forward")
    _check_class_target(input, target)
    if input._data.dtype.kind in "ciub":  # (PyTorch's kernels are for real floats only)
        kernel = "nll_loss2d_forward_out_frame" if input.ndim >= 3 else "nll_loss_out_frame"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_word(input)}'")
    input, target = _class_input(input, target)
    w = _weight_array(weight, input, input.shape[1] if input.ndim >= 2 else input.shape[0])
    return _L.NllLoss.apply(input, target, weight=w, ignore_index=int(ignore_index), reduction=reduction,
                            grad_name=_nll_name(input))


def _no_complex_log_softmax(input):
    # PyTorch's log-softmax kernels (over the class dim 1, the last one for 1-D and 2-D inputs) refuse complex,
    # integer and bool logits
    if input._data.dtype.kind in "ciub":
        kernel = "log_softmax_lastdim_kernel_impl" if input.ndim <= 2 else "log_softmax_kernel_impl"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_word(input)}'")


@_args.checks_args
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross entropy between logits ``input`` and class indices or class probabilities ``target``.

    Class-index targets run as one fused op (log-softmax and NLL together); its ``grad_fn`` is named
    ``NllLossBackward0`` as in PyTorch.

    Args:
        input: logits ``(N, C)``, ``(C,)`` or ``(N, C, d1, ..., dK)``.
        target: class indices (int64, shape of ``input`` without dim 1) or probabilities (float, same shape
            as ``input``).
        weight: ``(C,)`` class weights.
        ignore_index: a class-index target value to skip (not allowed with probabilities).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        label_smoothing: in ``[0, 1]``; mixes the target with the uniform distribution.

    Example::

        >>> logits = ember.randn(4, 10, requires_grad=True)
        >>> loss = F.cross_entropy(logits, ember.tensor([1, 0, 9, 3]))
        >>> loss.backward()
    """
    if not (isinstance(input, Tensor) and isinstance(target, Tensor)):
        _args.reject("nn.functional", "cross_entropy", cross_entropy,
                     (input, target, weight, size_average, ignore_index, reduce, reduction, label_smoothing))
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list (casts before the dtype checks)
        input, target, weight = _ops.autocast_fp32_args(input, target, weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if label_smoothing < 0:  # PyTorch accepts a negative value and smooths nothing
        label_smoothing = 0.0
    if input.shape == target.shape:
        if target._data.dtype.kind not in "fV":
            raise RuntimeError("Expected floating point type for target with class probabilities, got "
                               f"{_TARGET_TYPE.get(target._data.dtype.name, target._data.dtype.name)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if input.ndim == 0:  # (log-softmax over the class dim 1)
            raise IndexError("Dimension specified as 1 but tensor has no dimensions")
        _no_complex_log_softmax(input)
        input, target = _F._operands(input, target)
        w = _weight_array(weight, input, input.shape[1] if input.ndim >= 2 else input.shape[0])
        if weight._requires_grad and _grad_state.enabled if weight is not None else False:
            return _prob_cross_entropy(input, target, weight, reduction, float(label_smoothing))
        return _L.CrossEntropyProb.apply(input, target, weight=w, reduction=reduction,
                                         label_smoothing=float(label_smoothing))
    if input.ndim == 0:  # log-softmax over the class dim 1 comes first
        raise IndexError("Dimension specified as 1 but tensor has no dimensions")
    _no_complex_log_softmax(input)  # (before the target checks: PyTorch runs log_softmax, then nll_loss)
    if weight is not None:
        _no_grad_arg(weight, "nll_loss2d_forward" if input.ndim >= 3 else "nll_loss_forward")
    _check_class_target(input, target)
    dt = input._data.dtype
    if dt.itemsize == 2 and dt.kind in "fV" and not label_smoothing:
        # half logits: PyTorch rounds log_softmax's result to the half type before nll_loss (the fused op would not)
        return nll_loss(input.log_softmax(1 if input.ndim >= 2 else 0), target, weight, ignore_index=ignore_index,
                        reduction=reduction)
    input, target = _class_input(input, target)
    w = _weight_array(weight, input, input.shape[1] if input.ndim >= 2 else input.shape[0])
    return _L.CrossEntropy.apply(input, target, weight=w, ignore_index=int(ignore_index), reduction=reduction,
                                 label_smoothing=float(label_smoothing), grad_name=_nll_name(input))


def _prob_cross_entropy(input, target, weight, reduction, eps):
    """Cross entropy against probabilities from differentiable ops, for a ``weight`` that requires grad (as in
    PyTorch, where this form is composite and the weight gets a gradient)."""
    ax = 0 if input.ndim == 1 else 1
    C = input.shape[ax]
    tw = target * (1 - eps) + eps / C if eps else target
    elem = -(input.log_softmax(ax) * tw * weight.reshape((C,) + (1,) * (input.ndim - 1 - ax))).sum(ax)
    return _reduce(elem, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross entropy between probabilities ``input`` (in [0, 1]) and ``target``.

    The logs are clamped at -100 (as in PyTorch), so saturated predictions give a finite loss.

    Args:
        input, target: same shape.
        weight: rescaling weight broadcastable to ``input``.

    Example::

        >>> F.binary_cross_entropy(ember.tensor([0.5]), ember.tensor([1.0]))
        tensor(0.6931)
    """
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list (casts before the dtype checks)
        input, target, weight = _ops.autocast_fp32_args(input, target, weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(f"Found dtype {_TARGET_TYPE.get(target._data.dtype.name)} but expected "
                           f"{_TARGET_TYPE.get(input._data.dtype.name)}")
    if input._data.dtype.kind in "ciub":  # (PyTorch's kernel is for real floats only)
        raise NotImplementedError(f"\"binary_cross_entropy\" not implemented for '{_word(input)}'")
    _no_grad_arg(weight, "binary_cross_entropy")
    w = _broadcast_weight(weight, input)
    return _L.BinaryCrossEntropy.apply(input, target, weight=w, reduction=reduction)


def _broadcast_weight(weight, input, name="weight", index=1):
    if weight is None:
        return None
    try:
        xp.broadcast_to(weight._data, input.shape)
    except ValueError:
        raise RuntimeError(
            f"Attempting to broadcast a dimension of length {weight.shape[-1] if weight.ndim else 1} at -1! "
            f"Mismatching argument at index {index} had {weight.size()}; but expected shape should be "
            f"broadcastable to [{', '.join(map(str, input.shape))}]"
        ) from None
    return weight._data.astype(input._data.dtype, copy=False)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid + binary cross entropy in one stable expression (no overflow for any logit).

    Args:
        input: logits, any shape; target: same shape, in [0, 1].
        weight: broadcastable rescaling weight.
        pos_weight: weight of positive examples, broadcast along the last (class) dimension.

    Example::

        >>> F.binary_cross_entropy_with_logits(ember.tensor([0.0]), ember.tensor([1.0]))
        tensor(0.6931)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    kind, t_kind = input._data.dtype.kind, target._data.dtype.kind
    if kind == "c":  # (a complex target alone gives PyTorch a complex loss)
        _float_input(input, _A.LogSigmoid)  # raises PyTorch's error
    if kind not in "fV":
        raise NotImplementedError(f"\"log_sigmoid_cpu\" not implemented for '{_word(input)}'")
    # PyTorch computes into a buffer of target's dtype ((1 - target) * input, ...): a bool or integer target fails
    # there, and the loss has target's floating dtype
    if t_kind == "b":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if t_kind in "iu":
        raise RuntimeError(f"result type {_word(input)} can't be cast to the desired output type {_word(target)}")
    if t_kind == "c" and pos_weight is not None:
        word = _dtype.TYPE_WORDS[_dtype.result_type(input, target).np.name]
        raise RuntimeError(f"result type {word} can't be cast to the desired output type {_word(input)}")
    if target._data.dtype != input._data.dtype:
        input = _F._cast(input, target._data.dtype)
    _no_grad_arg(weight, "binary_cross_entropy_with_logits")
    _no_grad_arg(pos_weight, "binary_cross_entropy_with_logits", "pos_weight")
    pw = _logits_weight(pos_weight, input, True)
    w = _logits_weight(weight, input, False)
    a, b = _F._operands(input, target)
    return _L.BinaryCrossEntropyWithLogits.apply(a, b, weight=w, pos_weight=pw, reduction=reduction)


def _logits_weight(weight, input, pos):
    """A (pos_)weight of binary_cross_entropy_with_logits with PyTorch's errors: it broadcasts against the target
    (``pos``, which comes first) or the loss, and may not make the result larger than ``input``."""
    if weight is None:
        return None
    _F._check_broadcast(*((weight, input) if pos else (input, weight)))
    shape = xp.broadcast_shapes(weight._data.shape, input._data.shape)
    if shape != input._data.shape:
        raise RuntimeError(f"output with shape [{', '.join(map(str, input.shape))}] doesn't match the broadcast shape "
                           f"[{', '.join(map(str, shape))}]")
    return weight._data.astype(input._data.dtype, copy=False)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence, pointwise ``target * (log(target) - input)`` for log-probabilities ``input``.

    Args:
        reduction: ``'batchmean'`` (the KL divergence; sum / batch size), ``'sum'``, ``'none'`` or ``'mean'``
            (divides by the element count too; warns, as in PyTorch).
        log_target: ``target`` holds log-probabilities.

    Example::

        >>> F.kl_div(ember.tensor([[-0.5, -1.0]]), ember.tensor([[0.6, 0.4]]), reduction='batchmean')
    """
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input, target = _ops.autocast_fp32_args(input, target)
    batchmean = reduction == "batchmean"  # (PyTorch: still divides by the batch size after a legacy reduction)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        _args.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning)
    _check_reduction(reduction, _REDUCTIONS + ("batchmean",))
    if input._data.dtype.kind in "iub" or target._data.dtype.kind in "iub":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    a, b = _F._operands(input, target)
    if a._data.dtype.kind == "c":
        raise RuntimeError("kl_div: Complex inputs not supported.")
    _F._check_broadcast(b, a)  # (PyTorch's message names the target first)
    # PyTorch's graph: the pointwise terms from xlogy / exp, mul and sub, then the reduction (batchmean: sum / N)
    loss = b.exp() * (b - a) if log_target else _F.xlogy(b, b) - b * a
    if reduction == "batchmean":
        return loss.sum() / a.shape[0] if a.ndim else loss.sum()
    loss = _reduce(loss, reduction)
    return loss / a.shape[0] if batchmean and a.ndim else loss


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where ``target == -1``."""
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input1, input2 = _ops.autocast_fp32_args(input1, input2)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    # PyTorch's checks: the target's rank decides the inputs' (0-D target: one pair of 1-D vectors; 1-D target:
    # a batch of rows); the inputs and the target then broadcast with its usual size errors
    if target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.ndim != target.ndim + 1 or input2.ndim != target.ndim + 1:
        raise RuntimeError(
            f"{target.ndim}D target tensor expects {target.ndim + 1}D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    prod = (input1 * input2).sum(-1)
    if target.ndim and target.shape[0] != prod.shape[0] and 1 not in (target.shape[0], prod.shape[0]):
        raise RuntimeError(f"The size of tensor a ({target.shape[0]}) must match the size of tensor b "
                           f"({prod.shape[0]}) at non-singleton dimension 0")
    m1 = (input1 * input1).sum(-1) + eps
    m2 = (input2 * input2).sum(-1) + eps
    cos = prod / (m1 * m2).sqrt()
    zeros = ember.zeros_like(cos)
    pos = 1 - cos
    neg = (cos - margin).clamp_min(0)
    loss = ember.where(target == 1, pos, zeros) + ember.where(target == -1, neg, zeros)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``."""
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input1, input2 = _ops.autocast_fp32_args(input1, input2)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} "
        )
    diff = input1 - input2  # (first, as PyTorch: its error for two bool inputs before the target's)
    loss = (-target * diff + float(margin)).clamp_min(0)  # (a double margin: integer inputs give floats)
    return _reduce(loss, reduction)


def _pairwise_distance(x1, x2, p, eps):
    d = x1 - x2 + eps
    if p == 2 and d._data.dtype.kind != "c":
        return (d * d).sum(-1).sqrt()
    return d.norm(p, dim=-1)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the p-norm pairwise distance ``d``."""
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        anchor, positive, negative = _ops.autocast_fp32_args(anchor, positive, negative)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
            f"got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative {negative.ndim}D inputs"
        )
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ember.minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    loss = (d_pos - d_neg + margin).clamp_min(0)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss ``log(1 + exp(-target * input))`` (targets are 1 or -1), computed stably."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.requires_grad and ember.is_grad_enabled():
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect to argument "
                           "'target'. This input cannot have requires_grad True.")
    if input._data.dtype.kind == "c" or target._data.dtype.kind == "c":
        return _soft_margin_complex(input, target, reduction)
    if input._data.dtype.kind in "iub":  # PyTorch computes in the input's dtype: -input, then exp_ in place
        if input._data.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                               "invert a mask, use the `~` or `logical_not()` operator instead.")
        raise RuntimeError(f"result type Float can't be cast to the desired output type {_word(input)}")
    # PyTorch computes into an input-shaped buffer of the input's dtype: the target broadcasts to it silently
    _F._check_broadcast(input, target)
    shape = xp.broadcast_shapes(input._data.shape, target._data.shape)
    if shape != input._data.shape:
        raise RuntimeError(f"output with shape {_size(input.shape)} doesn't match the broadcast shape {_size(shape)}")
    b = wrap(target._data.astype(input._data.dtype, copy=False))  # (the target never requires grad here)
    return _L.SoftMarginLoss.apply(input, b, reduction=reduction, bool_target=target._data.dtype.kind == "b")


def _size(shape):
    return f"[{', '.join(map(str, shape))}]"


def _soft_margin_complex(input, target, reduction):
    # PyTorch: a loss in the input's dtype (which must then be complex), no derivative, and the plain formula
    # (the stable real form needs max(0, z), which has no complex meaning)
    if input._data.dtype.kind != "c":
        raise RuntimeError(f"result type {_word(target)} can't be cast to the desired output type {_word(input)}")
    if input.requires_grad and _grad_state.enabled:
        raise RuntimeError("soft_margin_loss does not support automatic differentiation for outputs with complex "
                           "dtype.")
    z = _F.mul(_F._cast(target, input._data.dtype), input).neg_()
    return _reduce(z.exp_().log1p_(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Multi-label one-versus-all logistic loss, averaged over classes: input ``(N, C)``, target 0/1 ``(N, C)``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(dim=input.ndim - 1) / input.shape[-1]
    if reduction not in _REDUCTIONS:  # (checked last, with this message, as in PyTorch)
        raise ValueError(f"{reduction} is not valid")
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Poisson negative log-likelihood: ``exp(input) - target * input`` (``log_input``) or
    ``input - target * log(input + eps)``; ``full`` adds the Stirling term."""
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input, target = _ops.autocast_fp32_args(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        t = target  # the Stirling term is differentiable w.r.t. the target, as in torch
        stirling = t * t.log() - t + 0.5 * (2 * math.pi * t).log()
        loss = loss + ember.where(t > 1, stirling, ember.zeros_like(stirling))
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log-likelihood ``0.5 * (log(var) + (input - target) ** 2 / var)`` (+ const if full).

    ``var`` has the input's shape, or it without the last dim (one variance per vector), or differs from it in one
    dim of size 1 (homoscedastic along it); a float is one variance for all.
    """
    if not isinstance(var, (Tensor, float)):  # PyTorch tests torch.any(var < 0), refusing what this gives
        raise _args.combination_error("any", (var < 0,), {})
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = ember.full_like(input, float(var))
    elif var._data.dtype.kind in "iub":  # (PyTorch clamps var in place by the float eps)
        raise RuntimeError("result type Float can't be cast to the desired output type "
                           f"{_CPP_TYPES[var._data.dtype.name]}")
    elif var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif var.ndim != input.ndim or [b for a, b in zip(input.shape, var.shape) if a != b] != [1]:
            raise ValueError("var is of incorrect size")
    if bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    # The clamp is applied outside autograd (as torch does): the gradient flows to var unchanged.
    clamped = wrap(xp.maximum(var._data, var._data.dtype.type(eps)))
    v = var + (clamped - var).detach() if var.requires_grad else clamped
    loss = 0.5 * (v.log() + (input - target) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not valid")
    return _reduce(loss, reduction)


_CPP_TYPES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int", "int32": "int",
              "int64": "long int", "uint16": "unsigned short", "uint32": "unsigned int", "uint64": "unsigned long"}


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``."""
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input, = _ops.autocast_fp32_args(input)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    kind = input._data.dtype.kind
    if kind == "b":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if kind in "iu":  # (PyTorch computes in the input's integer dtype: the margin truncated)
        margin = math.trunc(margin)
    zeros = ember.zeros_like(input)
    margin_clamp = (margin - input).clamp_min(0)
    out_margin = ember.where(target != 1, margin_clamp, zeros)
    out_self = ember.where(target != -1, input, zeros)
    return _reduce(out_margin + out_self, reduction)
