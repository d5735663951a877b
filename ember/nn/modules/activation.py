"""Activation layers (mirror ``torch.nn`` activations); each wraps a function of ``ember.nn.functional``."""

import types
import warnings

import ember
from ember.nn import _functional_activation_loss as F
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = [
    "Threshold", "ReLU", "RReLU", "Hardtanh", "ReLU6", "Sigmoid", "Hardsigmoid", "Tanh", "SiLU", "Mish",
    "Hardswish", "ELU", "CELU", "SELU", "GLU", "GELU", "Hardshrink", "LeakyReLU", "LogSigmoid", "Softplus",
    "Softshrink", "PReLU", "Softsign", "Tanhshrink", "Softmin", "Softmax", "Softmax2d", "LogSoftmax",
]


def _inplace_repr(inplace):
    return "inplace=True" if inplace else ""


class _InplaceActivation(Module):
    """An elementwise activation with PyTorch's ``inplace`` flag; subclasses name their function."""

    __constants__ = ["inplace"]
    _function = None  # the functional form, e.g. ``staticmethod(F.relu)``
    _shows_inplace = True  # torch's Hardsigmoid/Hardswish print no ``inplace=True``

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return self._function(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace) if self._shows_inplace else ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "forward" not in cls.__dict__:
            # a copy named after the subclass, so a missing argument reads "ReLU.forward() missing ..." as in PyTorch
            f = _InplaceActivation.forward
            fwd = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
            fwd.__qualname__ = f"{cls.__name__}.forward"
            cls.forward = fwd


class Threshold(Module):
    """``x if x > threshold else value``.

    Args:
        threshold: the cut-off; value: the replacement; inplace: overwrite the input.

    Shape: any -> same.

    Example::

        >>> nn.Threshold(0.1, 20.0)(ember.tensor([0.0, 1.0]))
        tensor([20.,  1.])
    """

    __constants__ = ["threshold", "value", "inplace"]

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class ReLU(_InplaceActivation):
    """Rectified linear unit ``max(0, x)``.

    Args:
        inplace: overwrite the input.

    Shape: any -> same.

    Example::

        >>> m = nn.ReLU()
        >>> m(ember.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    _function = staticmethod(F.relu)


class RReLU(Module):
    """Randomized leaky ReLU: negative slope drawn from ``U(lower, upper)`` in training, their mean in eval.

    Shape: any -> same.

    Example::

        >>> nn.RReLU(0.1, 0.3).eval()(ember.tensor([-1.0]))
        tensor([-0.2000])
    """

    __constants__ = ["lower", "upper", "inplace"]

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class Hardtanh(Module):
    """Clamp to ``[min_val, max_val]``.

    Args:
        min_val, max_val: the bounds (``min_value``/``max_value`` are deprecated aliases); inplace.

    Shape: any -> same.

    Example::

        >>> nn.Hardtanh(-2, 2)(ember.tensor([-3.0, 1.0]))
        tensor([-2.,  1.])
    """

    __constants__ = ["min_val", "max_val", "inplace"]

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and rename to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and rename to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError(f"max_val ({self.max_val}) must be greater than min_val ({self.min_val})")

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """``min(max(0, x), 6)``.

    Shape: any -> same.

    Example::

        >>> nn.ReLU6()(ember.tensor([-1.0, 7.0]))
        tensor([0., 6.])
    """

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class Sigmoid(Module):
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    Shape: any -> same.

    Example::

        >>> nn.Sigmoid()(ember.tensor([0.0]))
        tensor([0.5000])
    """

    def forward(self, input):
        return ember.sigmoid(input)


class Hardsigmoid(_InplaceActivation):
    """``clamp(x / 6 + 1 / 2, 0, 1)``.

    Shape: any -> same.

    Example::

        >>> nn.Hardsigmoid()(ember.tensor([0.0]))
        tensor([0.5000])
    """

    _function = staticmethod(F.hardsigmoid)
    _shows_inplace = False


class Tanh(Module):
    """Hyperbolic tangent.

    Shape: any -> same.

    Example::

        >>> nn.Tanh()(ember.tensor([0.0]))
        tensor([0.])
    """

    def forward(self, input):
        return ember.tanh(input)


class SiLU(_InplaceActivation):
    """Sigmoid linear unit (swish) ``x * sigmoid(x)``.

    Shape: any -> same.

    Example::

        >>> nn.SiLU()(ember.tensor([0.0]))
        tensor([0.])
    """

    _function = staticmethod(F.silu)


class Mish(_InplaceActivation):
    """``x * tanh(softplus(x))``.

    Shape: any -> same.

    Example::

        >>> nn.Mish()(ember.tensor([0.0]))
        tensor([0.])
    """

    _function = staticmethod(F.mish)


class Hardswish(_InplaceActivation):
    """``x * relu6(x + 3) / 6``.

    Shape: any -> same.

    Example::

        >>> nn.Hardswish()(ember.tensor([3.0]))
        tensor([3.])
    """

    _function = staticmethod(F.hardswish)
    _shows_inplace = False


class ELU(Module):
    """Exponential linear unit ``x if x > 0 else alpha * (exp(x) - 1)``.

    Shape: any -> same.

    Example::

        >>> nn.ELU()(ember.tensor([1.0]))
        tensor([1.])
    """

    __constants__ = ["alpha", "inplace"]

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(Module):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Shape: any -> same.

    Example::

        >>> nn.CELU(2.0)(ember.tensor([1.0]))
        tensor([1.])
    """

    __constants__ = ["alpha", "inplace"]

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(_InplaceActivation):
    """Scaled ELU with the self-normalising constants.

    Shape: any -> same.

    Example::

        >>> nn.SELU()(ember.tensor([1.0]))
        tensor([1.0507])
    """

    _function = staticmethod(F.selu)


class GLU(Module):
    """Gated linear unit: halves ``a, b`` of ``dim``; returns ``a * sigmoid(b)``.

    Shape: ``(*, 2N, *)`` -> ``(*, N, *)``.

    Example::

        >>> nn.GLU()(ember.randn(4, 2)).shape
        ember.Size([4, 1])
    """

    __constants__ = ["dim"]

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class GELU(Module):
    """Gaussian error linear unit ``x * Phi(x)``.

    Args:
        approximate: ``'none'`` (exact, via erf) or ``'tanh'``.

    Shape: any -> same.

    Example::

        >>> nn.GELU()(ember.tensor([1.0]))
        tensor([0.8413])
    """

    __constants__ = ["approximate"]

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Hardshrink(Module):
    """``x if |x| > lambd else 0``.

    Shape: any -> same.

    Example::

        >>> nn.Hardshrink()(ember.tensor([0.2, 1.0]))
        tensor([0., 1.])
    """

    __constants__ = ["lambd"]

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.hardshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class LeakyReLU(Module):
    """``x if x > 0 else negative_slope * x``.

    Args:
        negative_slope: slope for negative inputs (default 0.01); inplace.

    Shape: any -> same.

    Example::

        >>> nn.LeakyReLU(0.1)(ember.tensor([-1.0, 1.0]))
        tensor([-0.1000,  1.0000])
    """

    __constants__ = ["inplace", "negative_slope"]

    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class LogSigmoid(Module):
    """``log(sigmoid(x))``, stable for large ``|x|``.

    Shape: any -> same.

    Example::

        >>> nn.LogSigmoid()(ember.tensor([0.0]))
        tensor([-0.6931])
    """

    def forward(self, input):
        return F.logsigmoid(input)


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold``.

    Shape: any -> same.

    Example::

        >>> nn.Softplus()(ember.tensor([0.0]))
        tensor([0.6931])
    """

    __constants__ = ["beta", "threshold"]

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softshrink(Module):
    """Shrink toward zero by ``lambd``.

    Shape: any -> same.

    Example::

        >>> nn.Softshrink()(ember.tensor([1.0]))
        tensor([0.5000])
    """

    __constants__ = ["lambd"]

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class PReLU(Module):
    """Parametric ReLU with a learnable negative slope (one shared, or one per channel of dim 1).

    Args:
        num_parameters: 1 or the number of channels; init: initial slope (0.25).

    Attributes:
        weight: ``(num_parameters,)`` learnable slopes.

    Shape: ``(N, C, *)`` -> same.

    Example::

        >>> m = nn.PReLU(3)
        >>> m(ember.randn(2, 3, 4)).shape
        ember.Size([2, 3, 4])
    """

    __constants__ = ["num_parameters"]

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(ember.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        """Refill ``weight`` with ``init``."""
        ember.nn.init.constant_(self.weight, self.init)  # (looked up per call, as PyTorch)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Softsign(Module):
    """``x / (1 + |x|)``.

    Shape: any -> same.

    Example::

        >>> nn.Softsign()(ember.tensor([1.0]))
        tensor([0.5000])
    """

    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(Module):
    """``x - tanh(x)``.

    Shape: any -> same.

    Example::

        >>> nn.Tanhshrink()(ember.tensor([0.0]))
        tensor([0.])
    """

    def forward(self, input):
        return F.tanhshrink(input)


class Softmin(Module):
    """``softmax(-x, dim)``.

    Shape: any -> same.

    Example::

        >>> nn.Softmin(dim=0)(ember.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
    """

    __constants__ = ["dim"]

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(Module):
    """Softmax over ``dim``: the slices along ``dim`` are non-negative and sum to 1.

    Args:
        dim: the dimension to normalise (``None`` picks one and warns, as in PyTorch).

    Shape: any -> same.

    Example::

        >>> nn.Softmax(dim=1)(ember.zeros(1, 4))
        tensor([[0.2500, 0.2500, 0.2500, 0.2500]])
    """

    __constants__ = ["dim"]

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over channels at each spatial location.

    Shape: ``(N, C, H, W)`` or ``(C, H, W)`` -> same.

    Example::

        >>> nn.Softmax2d()(ember.zeros(1, 2, 3, 3)).sum(1)
    """

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead")
        return F.softmax(input, -3, _stacklevel=5)


class LogSoftmax(Module):
    """``log(softmax(x, dim))``, computed stably.

    Shape: any -> same.

    Example::

        >>> nn.LogSoftmax(dim=1)(ember.zeros(1, 2))
        tensor([[-0.6931, -0.6931]])
    """

    __constants__ = ["dim"]

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


def __getattr__(name):
    # PyTorch defines MultiheadAttention among the activations and old code imports it from there; ember keeps it in
    # ember.nn.modules.attention (imported on first use here, so neither module needs the other to load)
    if name == "MultiheadAttention":
        from ember.nn.modules.attention import MultiheadAttention
        return MultiheadAttention
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
