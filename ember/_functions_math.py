"""``torch.*`` elementwise math and special functions (erfc, erfinv, lgamma, digamma, polygamma, i0, sinc, the
inverse hyperbolic functions, heaviside, gcd/lcm, ldexp, frexp, nextafter, ...) and the top-level in-place
variants (``torch.abs_``, ``torch.sqrt_``, ...).

Re-exported by :mod:`ember._functions`; the Tensor methods are attached in :mod:`ember._tensor_methods`.
"""

import builtins
import math

from ember import _dtype
from ember import _functions as F
from ember import _functions_args as _args
from ember._backend import xp
from ember._ops import elementwise as E
from ember._tensor import Tensor, wrap

_int = builtins.int
_bool = builtins.bool
def _word(t):
    return _dtype.TYPE_WORDS.get(t._data.dtype.name, t._data.dtype.name)


def _floating(input, kernel="this op"):
    """``input`` itself when floating point, else cast to the default dtype (PyTorch's int -> float promotion).
    A complex input passes when ``kernel`` is None, else raises PyTorch's NotImplementedError naming ``kernel``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"expected Tensor as input, got {type(input).__name__}")
    kind = input._data.dtype.kind
    if kind in "fV":
        return input
    if kind == "c":
        if kernel is None:
            return input
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_word(input)}'")
    return F._cast(input, _dtype.get_default_dtype().np)


_need_tensor = _args.need_tensor  # (fn_name, arg_name, position, value)


def _unary_fn(op, name, summary, example, kernel="this op"):
    """A one-input function computing ``op`` (an Op class, or a function of a tensor) on ``_floating(input)``
    (``kernel``: see :func:`_floating`; None when the op takes complex inputs)."""
    compute = op.apply if isinstance(op, type) else op
    kernel = f"{name}_cpu" if kernel == "this op" else kernel

    def fn(input, *, out=None):
        return F._out(compute(_floating(input, kernel)), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"{summary}\n\n    Integer and bool inputs are computed in the default float dtype; the result has "
                  f"the input's shape.\n\n    Args:\n        input: a tensor.\n        out: optional output tensor."
                  f"\n\n    Example::\n\n        {example}\n    ")
    return fn


erfc = _unary_fn(E.Erfc, "erfc", "Complementary error function ``1 - erf(x)``, accurate in the tails.",
                 ">>> ember.erfc(ember.tensor([0.0, 5.0]))\n        tensor([1.0000e+00, 1.5375e-12])",
                 kernel="erfc_vml_cpu")
erfinv = _unary_fn(E.Erfinv, "erfinv", "Inverse error function on ``[-1, 1]`` (``+-inf`` at ``+-1``, NaN outside).",
                   ">>> ember.erfinv(ember.tensor([0.0, 0.5]))\n        tensor([0.0000, 0.4769])",
                   kernel="erfinv_vml_cpu")
lgamma = _unary_fn(E.Lgamma, "lgamma", "``log(|Gamma(x)|)``; ``inf`` at 0 and the negative integers.",
                   ">>> ember.lgamma(ember.tensor([0.5, 3.0]))\n        tensor([0.5724, 0.6931])",
                   kernel="lgamma_vml_cpu")
digamma = _unary_fn(E.Digamma, "digamma", "The digamma function ``d/dx log(Gamma(x))`` (``-inf`` at 0, NaN at "
                    "the negative integers).",
                    ">>> ember.digamma(ember.tensor([1.0, 0.5]))\n        tensor([-0.5772, -1.9635])", kernel="digamma")
i0 = _unary_fn(E.I0, "i0", "The modified Bessel function of the first kind, order 0.",
               ">>> ember.i0(ember.tensor([0.0, 1.0]))\n        tensor([1.0000, 1.2661])", kernel="i0_vml_cpu")
sinc = _unary_fn(E.Sinc, "sinc", "The normalised sinc function ``sin(pi x) / (pi x)``, 1 at 0.",
                 ">>> ember.sinc(ember.tensor([0.0, 0.5]))\n        tensor([1.0000, 0.6366])", kernel=None)
asinh = arcsinh = _unary_fn(E.Asinh, "asinh", "Inverse hyperbolic sine.",
                            ">>> ember.asinh(ember.tensor([0.0, 1.0]))\n        tensor([0.0000, 0.8814])", kernel=None)
acosh = arccosh = _unary_fn(E.Acosh, "acosh", "Inverse hyperbolic cosine (NaN below 1).",
                            ">>> ember.acosh(ember.tensor([1.0, 2.0]))\n        tensor([0.0000, 1.3170])", kernel=None)
atanh = arctanh = _unary_fn(E.Atanh, "atanh", "Inverse hyperbolic tangent (``+-inf`` at ``+-1``, NaN outside).",
                            ">>> ember.atanh(ember.tensor([0.0, 0.5]))\n        tensor([0.0000, 0.5493])", kernel=None)


def polygamma(n, input, *, out=None):
    """The ``n``-th derivative of the digamma function (``polygamma(0, x) == digamma(x)``).

    Args:
        n: the order, a non-negative int.
        input: a tensor (integers are computed in the default float dtype).

    Example::

        >>> ember.polygamma(1, ember.tensor([1.0, 2.0]))
        tensor([1.6449, 0.6449])
    """
    if not isinstance(n, _int) or isinstance(n, _bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {_args.type_name(n)}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    x = _floating(input)
    res = E.Digamma.apply(x, grad_name="PolygammaBackward0") if n == 0 else E.Polygamma.apply(x, n=n)
    return F._out(res, out)


def mvlgamma(input, p, *, out=None):
    """The multivariate log-gamma function of dimension ``p``:
    ``sum_{i<p} lgamma(x - i/2) + p (p - 1) / 4 * log(pi)``.

    Args:
        input: a tensor (integers are computed in the default float dtype).
        p: the dimension, an int >= 1.

    Example::

        >>> ember.mvlgamma(ember.tensor([2.5, 3.0]), 2)
        tensor([0.8570, 1.5502])
    """
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = _floating(input)
    total = E.Lgamma.apply(x)
    for i in range(1, p):
        total = F.add(total, E.Lgamma.apply(F.sub(x, i / 2.0)))
    return F._out(F.add(total, p * (p - 1) / 4.0 * math.log(math.pi)), out)


def heaviside(input, values, *, out=None):
    """The Heaviside step: 0 where ``input < 0``, ``values`` where ``input == 0``, 1 where ``input > 0``.

    ``input`` and ``values`` (broadcastable) must have the same dtype. Not differentiable (as in PyTorch,
    backward through it raises).

    Example::

        >>> ember.heaviside(ember.tensor([-1.0, 0.0, 2.0]), ember.tensor([0.5]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    _need_tensor("heaviside", "values", 2, values)
    if input._data.dtype.kind == "c" or values._data.dtype.kind == "c":
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    F._check_broadcast(input, values)
    return F._out(E.Heaviside.apply(input, values), out)


def _integer_binary(ufunc, name):
    def fn(input, other, *, out=None):
        _need_tensor(name, "other", 2, other)
        a, b = F._operands(input, other)
        if a._data.dtype.kind not in "iu":  # the promoted type decides: bool with an integer tensor is fine
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_word(a)}'")
        F._check_broadcast(a, b)
        return F._out(wrap(ufunc(a._data, b._data)), out)
    fn.__name__ = fn.__qualname__ = name
    return fn


gcd = _integer_binary(xp.gcd, "gcd")
gcd.__doc__ = """Elementwise greatest common divisor of two integer tensors (non-negative; ``gcd(0, 0) == 0``).

    Example::

        >>> ember.gcd(ember.tensor([12, -18]), ember.tensor([8, 12]))
        tensor([4, 6])
    """
lcm = _integer_binary(xp.lcm, "lcm")
lcm.__doc__ = """Elementwise least common multiple of two integer tensors (non-negative).

    Example::

        >>> ember.lcm(ember.tensor([4, 6]), ember.tensor([6, 4]))
        tensor([12, 12])
    """


def ldexp(input, other, *, out=None):
    """``input * 2 ** other`` (a floating-point result; differentiable in both).

    Example::

        >>> ember.ldexp(ember.tensor([1.0, 3.0]), ember.tensor([2, 3]))
        tensor([ 4., 24.])
    """
    _need_tensor("ldexp", "other", 2, other)
    if other._data.dtype == xp.bool_:
        raise NotImplementedError("\"ldexp_cpu_exp\" not implemented for 'Bool'")
    rt = _dtype.result_type(input, other).np  # a float ``other`` of a wider type widens the result
    x = F._cast(input, rt) if rt.kind in "fVc" else _floating(input)
    if isinstance(other, Tensor) and other._data.dtype.kind in "iu" and x._data.dtype.kind in "fV":
        # an integer exponent scales exactly (no 2 ** other that overflows: ldexp(0, 200) is 0, not nan),
        # the exponent taken as int32 as PyTorch does (2 ** 40 wraps to 0)
        F._check_broadcast(x, other)
        return F._out(E.Ldexp.apply(x, other), out)
    return F._out(F.mul(x, F.pow(2.0, other)), out)


def frexp(input, *, out=None):
    """Split ``input`` into ``(mantissa, exponent)`` with ``input == mantissa * 2 ** exponent`` and
    ``0.5 <= |mantissa| < 1`` (0 for 0); ``exponent`` is int32. A named tuple, as ``torch.return_types.frexp``.

    Example::

        >>> ember.frexp(ember.tensor([1.0, -3.5]))
        ember.return_types.frexp(
        mantissa=tensor([ 0.5000, -0.8750]),
        exponent=tensor([1, 2], dtype=ember.int32))
    """
    if input._data.dtype.kind not in "fV":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mant, expo = E.Frexp.apply(input)
    if out is not None:
        F._out(mant, out[0])
        F._out(expo, out[1])
        mant, expo = out
    return F._named("frexp", ("mantissa", "exponent"))(mant, expo)


def nextafter(input, other, *, out=None):
    """The next floating-point value after ``input`` in the direction of ``other``.

    Example::

        >>> ember.nextafter(ember.tensor([1.0]), ember.tensor([2.0])) - 1
        tensor([1.1921e-07])
    """
    _need_tensor("nextafter", "other", 2, other)
    a, b = F._operands(input, other)
    if a._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"nextafter_cpu\" not implemented for '{_word(a)}'")
    F._check_broadcast(a, b)
    return F._out(E.Nextafter.apply(a, b), out)


def positive(input):
    """``input`` itself (``+input``); bool tensors are rejected as in PyTorch.

    Example::

        >>> ember.positive(ember.tensor([-1.0, 2.0]))
        tensor([-1.,  2.])
    """
    if input._data.dtype == xp.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (subtraction with the operands reversed).

    Example::

        >>> ember.rsub(ember.tensor([1.0, 2.0]), 10, alpha=2)
        tensor([8., 6.])
    """
    if input._data.dtype == xp.bool_ or type(other) is _bool or (isinstance(other, Tensor)
                                                                 and other._data.dtype == xp.bool_):
        F.sub(other, input)  # raises PyTorch's bool-subtraction error
    if isinstance(other, Tensor):
        return F._binary(E.Sub, other, input, alpha=alpha, grad_name="RsubBackward0")
    return F._binary(E.Sub, other, input, alpha=alpha, grad_name="RsubBackward1")


# ------------------------------------------------------------------ torch.X_ : the in-place forms at top level


def _top_inplace(name):
    # the parameters after ``input`` are named as PyTorch names them in its messages (ember._functions_args)
    method = _NAMED.get(name, lambda m: lambda input, *args, **kwargs: m(input)(*args, **kwargs))
    fn = method(lambda input: getattr(input, name))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"In-place ``input.{name}(...)``: writes the result into ``input`` and returns it."
    return fn


_NAMED = dict.fromkeys(("gcd_", "lcm_", "ldexp_", "xlogy_"), lambda m: lambda input, other: m(input)(other))
_NAMED.update(
    clamp_=lambda m: lambda input, min=None, max=None: m(input)(min, max),
    clip_=lambda m: lambda input, min=None, max=None: m(input)(min, max),
    clamp_max_=lambda m: lambda input, max: m(input)(max),
    clamp_min_=lambda m: lambda input, min: m(input)(min),
    resize_as_=lambda m: lambda input, the_template, *args, **kwargs: m(input)(the_template, *args, **kwargs),
    fill_=lambda m: lambda input, value: m(input)(value),
)


_TOP_INPLACE = """abs_ acos_ arccos_ arcsin_ arctan_ asin_ atan_ ceil_ clamp_ clamp_max_ clamp_min_ clip_ cos_ cosh_
deg2rad_ erf_ exp2_ exp_ expm1_ fix_ floor_ frac_ log10_ log1p_ log2_ log_ logit_ nan_to_num_ neg_ negative_ rad2deg_
reciprocal_ round_ rsqrt_ sigmoid_ sin_ sinh_ sqrt_ square_ tan_ tanh_ trunc_ xlogy_ acosh_ arccosh_ arcsinh_
arctanh_ asinh_ atanh_ erfc_ gcd_ i0_ lcm_ ldexp_ sinc_ fill_ zero_ detach_ resize_as_""".split()

for _name in _TOP_INPLACE:
    globals()[_name] = _top_inplace(_name)

__all__ = ["erfc", "erfinv", "lgamma", "digamma", "polygamma", "mvlgamma", "i0", "sinc", "asinh", "arcsinh",
           "acosh", "arccosh", "atanh", "arctanh", "heaviside", "gcd", "lcm", "ldexp", "frexp", "nextafter",
           "positive", "rsub", *_TOP_INPLACE]
