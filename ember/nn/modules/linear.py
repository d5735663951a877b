"""Linear layers: ``Identity``, ``Linear``, ``Bilinear``, ``LazyLinear``."""

import math

from ember import _dtype
from ember._backend import xp
from ember._functions import _size_args
from ember._tensor import wrap
from ember.nn import _functional_core as F
from ember.nn import init
from ember.nn.modules.lazy import LazyModuleMixin
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter, UninitializedParameter

__all__ = ["Identity", "Linear", "Bilinear", "LazyLinear"]


def _empty(shape, dtype):
    # (the sizes checked as ``empty`` does: PyTorch's TypeError for a float feature count, its RuntimeError for
    # a negative one)
    dt = (dtype or _dtype.get_default_dtype()).np
    return wrap(xp.empty(_size_args((shape,), "empty"), dtype=dt))


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored).

    Example::

        >>> ember.nn.Identity(54, unused='x')(ember.randn(2, 3)).shape
        ember.Size([2, 3])
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """``y = x W^T + b``.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias. Default: ``True``.

    Shape:
        input ``(*, in_features)`` -> output ``(*, out_features)``.

    Attributes:
        weight: ``(out_features, in_features)``, initialised from U(-k, k) with ``k = 1/sqrt(in_features)``.
        bias: ``(out_features,)``, from the same distribution.

    Example::

        >>> m = ember.nn.Linear(20, 30)
        >>> m(ember.randn(128, 20)).shape
        ember.Size([128, 30])
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_empty((out_features, in_features), dtype))
        if bias:
            self.bias = Parameter(_empty((out_features,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw weight and bias from their default distributions."""
        # kaiming_uniform_ with a=sqrt(5) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = init._calculate_fan_in_and_fan_out(self.weight)[0]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """``y = x1^T A x2 + b``.

    Args:
        in1_features, in2_features: sizes of the two inputs.
        out_features: size of the output.
        bias: learn an additive bias. Default: ``True``.

    Shape:
        input1 ``(*, in1_features)``, input2 ``(*, in2_features)`` -> ``(*, out_features)``.

    Example::

        >>> m = ember.nn.Bilinear(20, 30, 40)
        >>> m(ember.randn(128, 20), ember.randn(128, 30)).shape
        ember.Size([128, 40])
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(_empty((out_features, in1_features, in2_features), dtype))
        if bias:
            self.bias = Parameter(_empty((out_features,), dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw weight and bias from U(-k, k), ``k = 1/sqrt(in1_features)``."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is taken from the first input it sees; it then becomes a ``Linear``.

    Example::

        >>> m = ember.nn.LazyLinear(10)
        >>> m(ember.randn(2, 7)).shape
        ember.Size([2, 10])
        >>> m
        Linear(in_features=7, out_features=10, bias=True)
    """

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        self.weight = UninitializedParameter(dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()  # (a no-op until materialized; as PyTorch, a subclass's override still runs)

    def reset_parameters(self):
        if not isinstance(self.weight, UninitializedParameter) and self.in_features != 0:
            super().reset_parameters()

    def has_uninitialized_params(self):
        return any(isinstance(p, UninitializedParameter) for p in self._parameters.values())

    def initialize_parameters(self, input):
        """Give the parameters their shapes from ``input`` and initialise them."""
        if self.has_uninitialized_params():
            self.in_features = input.shape[-1]
            self.weight.materialize((self.out_features, self.in_features))
            if self.bias is not None:
                self.bias.materialize((self.out_features,))
            self.reset_parameters()

    def _load_from_state_dict(self, state_dict, prefix, *args):
        from ember.nn.modules.lazy import _materialize_from
        _materialize_from(self, state_dict, prefix)  # a checkpoint gives the shapes
        super()._load_from_state_dict(state_dict, prefix, *args)

    def _become_linear(self):
        self.in_features = self.weight.shape[1]  # (also after load_state_dict shaped the weight)
        self.__class__ = self.cls_to_become

    def __call__(self, *args, **kwargs):
        # PyTorch shapes the parameters in a forward pre-hook: a call's argument errors name initialize_parameters
        if self.has_uninitialized_params():
            self.initialize_parameters(*args, **kwargs)
        self._become_linear()
        return Module.__call__(self, *args, **kwargs)

    def forward(self, input):
        self.initialize_parameters(input)
        self._become_linear()
        return F.linear(input, self.weight, self.bias)
