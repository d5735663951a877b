"""``ember.special``: PyTorch's ``torch.special`` functions (error and gamma functions, Bessel I0/I1, the normal
distribution's CDF and its inverse, entropy terms, softmax helpers).

Integer and bool inputs are computed in the default float dtype, as in PyTorch.
"""

import math

from ember import _functions as F
from ember._functions_math import _floating, _unary_fn
from ember._backend import xp
from ember._ops import _specfun
from ember._ops import elementwise as E
from ember._tensor import Tensor, wrap

__all__ = [
    "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "i0e", "i1",
    "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma",
    "psi", "round", "sinc", "softmax", "xlog1py", "xlogy", "zeta", "modified_bessel_i0", "modified_bessel_i1",
    "spherical_bessel_j0", "gammainc", "gammaincc",
]

# The same functions as at top level (torch.special.erfc is torch.erfc's computation).
erfc = F.erfc
erfinv = F.erfinv
digamma = psi = F.digamma
gammaln = F.lgamma
polygamma = F.polygamma
multigammaln = F.mvlgamma
i0 = F.i0
sinc = F.sinc


erf = _unary_fn(F.erf, "erf", "The error function.",
               ">>> ember.special.erf(ember.tensor([0.0, 1.0]))\n        tensor([0.0000, 0.8427])")
expit = _unary_fn(F.sigmoid, "expit", "The logistic sigmoid ``1 / (1 + exp(-x))``.",
                  ">>> ember.special.expit(ember.tensor([0.0]))\n        tensor([0.5000])")
exp2 = _unary_fn(F.exp2, "exp2", "``2 ** x``.", ">>> ember.special.exp2(ember.tensor([3.0]))\n        tensor([8.])")
expm1 = _unary_fn(F.expm1, "expm1", "``exp(x) - 1``, accurate near 0.",
                  ">>> ember.special.expm1(ember.tensor([1e-10]))\n        tensor([1.0000e-10])")
log1p = _unary_fn(F.log1p, "log1p", "``log(1 + x)``, accurate near 0.",
                  ">>> ember.special.log1p(ember.tensor([1e-10]))\n        tensor([1.0000e-10])")

erfcx = _unary_fn(E.Erfcx, "erfcx", "The scaled complementary error function ``exp(x^2) * erfc(x)``.",
                  ">>> ember.special.erfcx(ember.tensor([0.0, 10.0]))\n        tensor([1.0000, 0.0561])")
i0e = _unary_fn(E.I0e, "i0e", "The exponentially scaled modified Bessel function ``exp(-|x|) * i0(x)``.",
                ">>> ember.special.i0e(ember.tensor([0.0, 1.0]))\n        tensor([1.0000, 0.4658])")
i1 = _unary_fn(E.I1, "i1", "The modified Bessel function of the first kind, order 1.",
               ">>> ember.special.i1(ember.tensor([0.0, 1.0]))\n        tensor([0.0000, 0.5652])")
i1e = _unary_fn(E.I1e, "i1e", "The exponentially scaled modified Bessel function ``exp(-|x|) * i1(x)``.",
                ">>> ember.special.i1e(ember.tensor([0.0, 1.0]))\n        tensor([0.0000, 0.2079])")
ndtri = _unary_fn(E.Ndtri, "ndtri", "The inverse of the standard normal CDF (the quantile function).",
                  ">>> ember.special.ndtri(ember.tensor([0.5, 0.975]))\n        tensor([0.0000, 1.9600])")
log_ndtr = _unary_fn(E.LogNdtr, "log_ndtr", "Log of the standard normal CDF, accurate far into the left tail.",
                     ">>> ember.special.log_ndtr(ember.tensor([0.0, -10.0]))\n        tensor([ -0.6931, -53.2313])")
entr = _unary_fn(E.Entr, "entr", "Elementwise entropy term ``-x * log(x)`` (0 at 0, ``-inf`` for negative x).",
                 ">>> ember.special.entr(ember.tensor([0.0, 0.5]))\n        tensor([0.0000, 0.3466])")


def ndtr(input, *, out=None):
    """The standard normal CDF, ``(1 + erf(x / sqrt(2))) / 2`` (computed with erfc, so the left tail keeps its
    relative accuracy).

    Example::

        >>> ember.special.ndtr(ember.tensor([0.0, 1.96]))
        tensor([0.5000, 0.9750])
    """
    x = _floating(input)
    return F._out(F.mul(E.Erfc.apply(F.mul(x, -1.0 / math.sqrt(2.0))), 0.5), out)


def logit(input, eps=None, *, out=None):
    """``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given.

    Example::

        >>> ember.special.logit(ember.tensor([0.5, 0.75]))
        tensor([0.0000, 1.0986])
    """
    return F._out(F.logit(_floating(input), eps), out)


def _pair(input, other):
    """Two operands (one may be a number) promoted to a common floating dtype."""
    a, b = F._operands(input, other)
    if a._data.dtype.kind != "f":
        a, b = _floating(a), _floating(b)
    return a, b


def xlogy(input, other, *, out=None):
    """``input * log(other)``, 0 where ``input == 0`` (NaN wherever ``other`` is NaN). Either may be a number.

    Example::

        >>> ember.special.xlogy(ember.tensor([0.0, 2.0]), ember.tensor([0.0, 3.0]))
        tensor([0.0000, 2.1972])
    """
    a, b = _pair(input, other)
    return F._out(F.xlogy(a, b), out)


def xlog1py(input, other, *, out=None):
    """``input * log1p(other)``, 0 where ``input == 0`` (NaN wherever ``other`` is NaN). Either may be a number.

    Example::

        >>> ember.special.xlog1py(ember.tensor([0.0, 1.0]), ember.tensor([-1.0, 2.0]))
        tensor([0.0000, 1.0986])
    """
    a, b = _pair(input, other)
    zero = F.logical_and(F.eq(a, 0), F.logical_not(F.isnan(b)))
    return F._out(F.where(zero, 0.0, F.mul(a, F.log1p(b))), out)


def zeta(input, other, *, out=None):
    """The Hurwitz zeta function ``sum_{k>=0} (other + k) ** -input``; ``zeta(x, 1)`` is Riemann's zeta.

    Differentiable in ``other`` only (as in PyTorch). Either argument may be a number.

    Example::

        >>> ember.special.zeta(ember.tensor([2.0, 4.0]), 1.0)
        tensor([1.6449, 1.0823])
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("zeta(): expected at least one Tensor argument")
    a, b = _pair(input, other)
    F._check_broadcast(a, b)
    name = "SpecialZetaBackward0" if isinstance(input, Tensor) and isinstance(other, Tensor) else (
        "SpecialZetaBackward1" if isinstance(other, Tensor) else "SpecialZetaBackward2")
    return F._out(E.Zeta.apply(a, b, grad_name=name), out)


def round(input, *, decimals=0, out=None):  # noqa: A001 - torch.special.round
    """Round to ``decimals`` decimal places (halves to even).

    Example::

        >>> ember.special.round(ember.tensor([0.5, 1.26]), decimals=1)
        tensor([0.5000, 1.3000])
    """
    return F._out(F.round(input, decimals=decimals), out)


def softmax(input, dim, *, dtype=None):
    """Softmax over ``dim`` (computed in ``dtype`` when given).

    Example::

        >>> ember.special.softmax(ember.tensor([0.0, 0.0]), 0)
        tensor([0.5000, 0.5000])
    """
    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """Log-softmax over ``dim`` (computed in ``dtype`` when given).

    Example::

        >>> ember.special.log_softmax(ember.tensor([0.0, 0.0]), 0)
        tensor([-0.6931, -0.6931])
    """
    return F.log_softmax(input, dim, dtype=dtype)


def logsumexp(input, dim, keepdim=False, *, out=None):
    """``log(sum(exp(input), dim))``, computed stably.

    Example::

        >>> ember.special.logsumexp(ember.tensor([0.0, 0.0]), 0)
        tensor(0.6931)
    """
    return F._out(F.logsumexp(input, dim, keepdim), out)



def _no_grad_fn(kernel, name, summary, example):
    """A function PyTorch gives no derivative: computed on the values, the result never requires grad."""
    def fn(input, *, out=None):
        x = _floating(input)._data
        return F._out(wrap(kernel(x).astype(x.dtype, copy=False)), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{summary} Not differentiable (as in PyTorch).\n\n    Example::\n\n        {example}\n    "
    return fn


def _spherical_j0(x):
    with xp.errstate(invalid="ignore"):
        out = xp.sin(x) / xp.where(x == 0, 1, x)
    out = xp.where(x == 0, 1, out)
    return xp.where(xp.isinf(x), 0, out)


modified_bessel_i0 = _no_grad_fn(_specfun.i0, "modified_bessel_i0", "The modified Bessel function I0.",
                                 ">>> ember.special.modified_bessel_i0(ember.tensor([0.0, 1.0]))\n"
                                 "        tensor([1.0000, 1.2661])")
modified_bessel_i1 = _no_grad_fn(_specfun.i1, "modified_bessel_i1", "The modified Bessel function I1.",
                                 ">>> ember.special.modified_bessel_i1(ember.tensor([0.0, 1.0]))\n"
                                 "        tensor([0.0000, 0.5652])")
spherical_bessel_j0 = _no_grad_fn(_spherical_j0, "spherical_bessel_j0", "The spherical Bessel function of the "
                                  "first kind, order 0: ``sin(x) / x``.",
                                  ">>> ember.special.spherical_bessel_j0(ember.tensor([0.0, 1.0]))\n"
                                  "        tensor([1.0000, 0.8415])")


def gammainc(input, other, *, out=None):
    """The regularized lower incomplete gamma function ``P(input, other)``; :func:`ember.igamma`.

    Example::

        >>> ember.special.gammainc(ember.tensor([1.0]), ember.tensor([1.0]))
        tensor([0.6321])
    """
    from ember._functions_extra import igamma
    return igamma(input, other, out=out)


def gammaincc(input, other, *, out=None):
    """The regularized upper incomplete gamma function ``Q(input, other) = 1 - P``; :func:`ember.igammac`.

    Example::

        >>> ember.special.gammaincc(ember.tensor([1.0]), ember.tensor([1.0]))
        tensor([0.3679])
    """
    from ember._functions_extra import igammac
    return igammac(input, other, out=out)
