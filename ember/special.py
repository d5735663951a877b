"""``ember.special``: PyTorch's ``torch.special`` functions (error and gamma functions, the Bessel functions J, Y, I
and K of orders 0 and 1, the Airy function, the classical orthogonal polynomials, the normal distribution's CDF and
its inverse, entropy terms, softmax helpers).

Integer and bool inputs are computed in the default float dtype, as in PyTorch.
"""

import math

from ember import _dtype
from ember import _functions as F
from ember._functions_math import _floating, _need_tensor, _unary_fn
from ember._backend import xp
from ember._ops import _specfun
from ember._ops import elementwise as E
from ember._tensor import Tensor, wrap

__all__ = [
    "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "i0e", "i1",
    "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma",
    "psi", "round", "sinc", "softmax", "xlog1py", "xlogy", "zeta", "modified_bessel_i0", "modified_bessel_i1",
    "spherical_bessel_j0", "gammainc", "gammaincc", "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
    "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
    "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
    "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
    "legendre_polynomial_p",
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

def _no_half(x, name):
    """PyTorch has no float16/bfloat16 CPU kernel for ``name``: raise its NotImplementedError."""
    d = x._data.dtype
    if d.itemsize == 2 and d.kind in "fV":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dtype.TYPE_WORDS[d.name]}'")


def _full_only(fn):
    """``fn`` (a one-input special function) refusing float16/bfloat16 inputs, as PyTorch's CPU kernels do."""
    def wrapped(input, *, out=None):
        if isinstance(input, Tensor):
            _no_half(input, fn.__name__)
        return fn(input, out=out)
    wrapped.__name__ = wrapped.__qualname__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


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
erfcx, ndtri, log_ndtr = _full_only(erfcx), _full_only(ndtri), _full_only(log_ndtr)
entr = _unary_fn(E.Entr, "entr", "Elementwise entropy term ``-x * log(x)`` (0 at 0, ``-inf`` for negative x).",
                 ">>> ember.special.entr(ember.tensor([0.0, 0.5]))\n        tensor([0.0000, 0.3466])")


def ndtr(input, *, out=None):
    """The standard normal CDF, ``(1 + erf(x / sqrt(2))) / 2``, computed as written (as PyTorch does: the far
    left tail, below about -8 in float64, rounds to 0).

    Example::

        >>> ember.special.ndtr(ember.tensor([0.0, 1.96]))
        tensor([0.5000, 0.9750])
    """
    x = _floating(input)
    return F._out(F.mul(F.add(F.erf(F.mul(x, math.sqrt(0.5))), 1.0), 0.5), out)


def logit(input, eps=None, *, out=None):
    """``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given.

    Example::

        >>> ember.special.logit(ember.tensor([0.5, 0.75]))
        tensor([0.0000, 1.0986])
    """
    return F._out(F.logit(_floating(input), eps), out)


def _pair(input, other, kernel="this op"):
    """Two operands (one may be a number) promoted to a common floating dtype (complex refused, naming ``kernel``)."""
    # a Python int beside an integer tensor goes to float as it is (not wrapped into uint8 first: -3 stays -3)
    if type(other) is int and isinstance(input, Tensor) and input._data.dtype.kind in "biu":
        input = _floating(input, kernel)
    elif type(input) is int and isinstance(other, Tensor) and other._data.dtype.kind in "biu":
        other = _floating(other, kernel)
    a, b = F._operands(input, other)
    if a._data.dtype.kind not in "fV":
        a, b = _floating(a, kernel), _floating(b, kernel)
    return a, b


def xlogy(input, other, *, out=None):
    """``input * log(other)``, 0 where ``input == 0`` (NaN wherever ``other`` is NaN). Either may be a number.

    Example::

        >>> ember.special.xlogy(ember.tensor([0.0, 2.0]), ember.tensor([0.0, 3.0]))
        tensor([0.0000, 2.1972])
    """
    a, b = _pair(input, other, "xlogy_cpu")
    return F._out(F.xlogy(a, b), out)


def xlog1py(input, other, *, out=None):
    """``input * log1p(other)``, 0 where ``input == 0`` (NaN wherever ``other`` is NaN). Either may be a number.

    Example::

        >>> ember.special.xlog1py(ember.tensor([0.0, 1.0]), ember.tensor([-1.0, 2.0]))
        tensor([0.0000, 1.0986])
    """
    a, b = _pair(input, other, "xlog1py_cpu")
    zero = F.logical_and(F.eq(a, 0), F.logical_not(F.isnan(b)))
    # (the log masked too: its -inf at other == -1 would give input a NaN gradient where PyTorch's is 0)
    return F._out(F.where(zero, 0.0, F.mul(a, F.where(zero, 0.0, F.log1p(b)))), out)


def zeta(input, other, *, out=None):
    """The Hurwitz zeta function ``sum_{k>=0} (other + k) ** -input``; ``zeta(x, 1)`` is Riemann's zeta.

    Differentiable in ``other`` only (as in PyTorch). Either argument may be a number.

    Example::

        >>> ember.special.zeta(ember.tensor([2.0, 4.0]), 1.0)
        tensor([1.6449, 1.0823])
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("zeta(): expected at least one Tensor argument")
    a, b = _pair(input, other, "zeta_cpu")
    F._check_broadcast(a, b)
    _no_half(a, "zeta")
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
    """A function of ``input`` that PyTorch gives no derivative: computed on the values, the result never requires
    grad."""
    def fn(input, *, out=None):
        return _no_grad_kernel(kernel, name, "input", input, out)
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


def spherical_bessel_j0(x, *, out=None):
    """The spherical Bessel function of the first kind, order 0: ``sin(x) / x``. Not differentiable (as in
    PyTorch).

    Args:
        x: a tensor (integers are computed in the default float dtype).
        out: optional output tensor.

    Example::

        >>> ember.special.spherical_bessel_j0(ember.tensor([0.0, 1.0]))
        tensor([1.0000, 0.8415])
    """
    return _no_grad_kernel(_spherical_j0, "spherical_bessel_j0", "x", x, out)


def gammainc(input, other, *, out=None):
    """The regularized lower incomplete gamma function ``P(input, other)``; :func:`ember.igamma`.

    Example::

        >>> ember.special.gammainc(ember.tensor([1.0]), ember.tensor([1.0]))
        tensor([0.6321])
    """
    from ember._functions_extra import igamma
    _need_tensor("special_gammainc", "input", 1, input)
    _need_tensor("special_gammainc", "other", 2, other)
    return igamma(input, other, out=out)


def gammaincc(input, other, *, out=None):
    """The regularized upper incomplete gamma function ``Q(input, other) = 1 - P``; :func:`ember.igammac`.

    Example::

        >>> ember.special.gammaincc(ember.tensor([1.0]), ember.tensor([1.0]))
        tensor([0.3679])
    """
    from ember._functions_extra import igammac
    _need_tensor("special_gammaincc", "input", 1, input)
    _need_tensor("special_gammaincc", "other", 2, other)
    return igammac(input, other, out=out)


# ------------------------------------------------- Bessel J, Y, K and the Airy function (no derivatives in PyTorch)


def _no_grad_kernel(kernel, name, arg, input, out):
    """``kernel`` (raw float32/float64 array in, float64 array out) on ``input``, as ``torch.special.<name>``:
    int/bool inputs in the default float dtype, a result that never requires grad."""
    _need_tensor(f"special_{name}", arg, 1, input)
    x = _floating(input)._data
    if x.dtype.itemsize == 2:  # float16, bfloat16
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dtype.TYPE_WORDS[x.dtype.name]}'")
    res = kernel(x.reshape(-1)).reshape(x.shape)
    return F._out(wrap(res.astype(x.dtype, copy=False)), out)


def bessel_j0(input, *, out=None):
    """The Bessel function of the first kind of order 0, ``J0``. Not differentiable (as in PyTorch).

    Args:
        input: a tensor (integers are computed in the default float dtype).
        out: optional output tensor.

    Example::

        >>> ember.special.bessel_j0(ember.tensor([0.0, 1.0, 2.0]))
        tensor([1.0000, 0.7652, 0.2239])
    """
    return _no_grad_kernel(lambda x: _specfun.bessel_j(x, 0), "bessel_j0", "input", input, out)


def bessel_j1(input, *, out=None):
    """The Bessel function of the first kind of order 1, ``J1`` (odd). Not differentiable (as in PyTorch).

    Args:
        input: a tensor (integers are computed in the default float dtype).
        out: optional output tensor.

    Example::

        >>> ember.special.bessel_j1(ember.tensor([0.0, 1.0]))
        tensor([0.0000, 0.4401])
    """
    return _no_grad_kernel(lambda x: _specfun.bessel_j(x, 1), "bessel_j1", "input", input, out)


def bessel_y0(input, *, out=None):
    """The Bessel function of the second kind of order 0, ``Y0``: ``-inf`` at 0, NaN for negative inputs. Not
    differentiable (as in PyTorch).

    Args:
        input: a tensor (integers are computed in the default float dtype).
        out: optional output tensor.

    Example::

        >>> ember.special.bessel_y0(ember.tensor([1.0, 2.0]))
        tensor([0.0883, 0.5104])
    """
    return _no_grad_kernel(lambda x: _specfun.bessel_y(x, 0), "bessel_y0", "input", input, out)


def bessel_y1(input, *, out=None):
    """The Bessel function of the second kind of order 1, ``Y1``: ``-inf`` at 0, NaN for negative inputs. Not
    differentiable (as in PyTorch).

    Args:
        input: a tensor (integers are computed in the default float dtype).
        out: optional output tensor.

    Example::

        >>> ember.special.bessel_y1(ember.tensor([1.0, 2.0]))
        tensor([-0.7812, -0.1070])
    """
    return _no_grad_kernel(lambda x: _specfun.bessel_y(x, 1), "bessel_y1", "input", input, out)


def modified_bessel_k0(input, *, out=None):
    """The modified Bessel function of the second kind of order 0, ``K0``: ``inf`` at 0, NaN for negative inputs.
    Not differentiable (as in PyTorch).

    Args:
        input: a tensor (integers are computed in the default float dtype).
        out: optional output tensor.

    Example::

        >>> ember.special.modified_bessel_k0(ember.tensor([0.5, 2.0]))
        tensor([0.9244, 0.1139])
    """
    return _no_grad_kernel(lambda x: _specfun.bessel_k(x, 0), "modified_bessel_k0", "input", input, out)


def modified_bessel_k1(input, *, out=None):
    """The modified Bessel function of the second kind of order 1, ``K1``: ``inf`` at 0, NaN for negative inputs.
    Not differentiable (as in PyTorch).

    Args:
        input: a tensor (integers are computed in the default float dtype).
        out: optional output tensor.

    Example::

        >>> ember.special.modified_bessel_k1(ember.tensor([0.5, 2.0]))
        tensor([1.6564, 0.1399])
    """
    return _no_grad_kernel(lambda x: _specfun.bessel_k(x, 1), "modified_bessel_k1", "input", input, out)


def scaled_modified_bessel_k0(x, *, out=None):
    """``exp(x) * K0(x)``, which neither underflows nor loses accuracy for large ``x``. Not differentiable (as in
    PyTorch).

    Args:
        x: a tensor (integers are computed in the default float dtype).
        out: optional output tensor.

    Example::

        >>> ember.special.scaled_modified_bessel_k0(ember.tensor([0.5, 100.0]))
        tensor([1.5241, 0.1252])
    """
    return _no_grad_kernel(lambda v: _specfun.bessel_k(v, 0, scaled=True), "scaled_modified_bessel_k0", "x", x, out)


def scaled_modified_bessel_k1(x, *, out=None):
    """``exp(x) * K1(x)``, which neither underflows nor loses accuracy for large ``x``. Not differentiable (as in
    PyTorch).

    Args:
        x: a tensor (integers are computed in the default float dtype).
        out: optional output tensor.

    Example::

        >>> ember.special.scaled_modified_bessel_k1(ember.tensor([0.5, 100.0]))
        tensor([2.7310, 0.1258])
    """
    return _no_grad_kernel(lambda v: _specfun.bessel_k(v, 1, scaled=True), "scaled_modified_bessel_k1", "x", x, out)


def airy_ai(x, *, out=None):
    """The Airy function ``Ai``, the solution of ``y'' = x y`` that decays for ``x -> +inf``. As in PyTorch: NaN at
    ``+-inf``, exactly 0 above ``x = 103.892``, not differentiable.

    Args:
        x: a tensor (integers are computed in the default float dtype).
        out: optional output tensor.

    Example::

        >>> ember.special.airy_ai(ember.tensor([0.0, 1.0, -2.0]))
        tensor([0.3550, 0.1353, 0.2274])
    """
    return _no_grad_kernel(_specfun.airy_ai, "airy_ai", "x", x, out)


# ------------------------------------------------------- classical orthogonal polynomials (no derivatives either)


def _polynomial(kernel, name, x, n, out):
    """``kernel(x, n)`` on ``x`` and the degree ``n`` (tensors or numbers, not both numbers) promoted to a common
    floating dtype and broadcast, as ``torch.special.<name>``."""
    if not isinstance(x, Tensor) and not isinstance(n, Tensor):
        raise TypeError(
            f"special_{name}() received an invalid combination of arguments - got ({type(x).__name__}, "
            f"{type(n).__name__}), but expected one of:\n * (Tensor x, Tensor n, *, Tensor out = None)\n"
            f" * (Number x, Tensor n, *, Tensor out = None)\n * (Tensor x, Number n, *, Tensor out = None)\n")
    a, b = _pair(x, n, f"{name}_cpu")
    F._check_broadcast(a, b)
    if a._data.dtype.itemsize == 2 and a._data.dtype.kind in "fV":  # float16, bfloat16
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dtype.TYPE_WORDS[a._data.dtype.name]}'")
    return F._out(wrap(kernel(a._data, b._data)), out)


_DEGREE_NOTE = """The degree ``n`` is truncated to an integer; ``n < 0`` (also NaN or infinite ``n``) gives 0. Either
    argument may be a number; integer inputs are computed in the default float dtype. Not differentiable (as in
    PyTorch)."""


def _poly_doc(fn, summary, method, example):
    fn.__doc__ = (f"{summary}\n\n    {method}\n\n    {_DEGREE_NOTE}\n\n    Args:\n        x: a tensor or number.\n"
                  f"        n: the degree, a tensor or number.\n        out: optional output tensor.\n\n"
                  f"    Example::\n\n        {example}\n    ")
    return fn


def _chebyshev_fn(kind, shifted):
    name = ("shifted_" if shifted else "") + "chebyshev_polynomial_" + kind

    def fn(x, n, *, out=None):
        return _polynomial(lambda a, b: _specfun.chebyshev(kind, a, b, shifted), name, x, n, out)

    fn.__name__ = fn.__qualname__ = name
    return fn


chebyshev_polynomial_t = _poly_doc(
    _chebyshev_fn("t", False), "The Chebyshev polynomial of the first kind ``T_n(x)``.",
    "Computed by the recurrence ``T_{k+1} = 2x T_k - T_{k-1}``, or as ``cos(n acos(x))`` for ``|x| < 1`` and "
    "``n > 6``.",
    ">>> ember.special.chebyshev_polynomial_t(ember.tensor([0.25, 1.0]), 3)\n        tensor([-0.6875,  1.0000])")
chebyshev_polynomial_u = _poly_doc(
    _chebyshev_fn("u", False), "The Chebyshev polynomial of the second kind ``U_n(x)``.",
    "Computed by the recurrence ``U_{k+1} = 2x U_k - U_{k-1}``, or as ``sin((n+1) t) / sin(t)``, ``t = acos(x)``, "
    "for ``|x| < 1`` and ``n > 8``.",
    ">>> ember.special.chebyshev_polynomial_u(ember.tensor([0.25, 1.0]), 3)\n        tensor([-0.8750,  4.0000])")
chebyshev_polynomial_v = _poly_doc(
    _chebyshev_fn("v", False), "The Chebyshev polynomial of the third kind ``V_n(x)``.",
    "Computed by the recurrence ``V_{k+1} = 2x V_k - V_{k-1}``, or as ``cos((n+1/2) t) / cos(t/2)``, "
    "``t = acos(x)``, for ``|x| < 1`` and ``n > 8``.",
    ">>> ember.special.chebyshev_polynomial_v(ember.tensor([0.25, 1.0]), 3)\n        tensor([-0.1250,  1.0000])")
chebyshev_polynomial_w = _poly_doc(
    _chebyshev_fn("w", False), "The Chebyshev polynomial of the fourth kind ``W_n(x)``.",
    "Computed by the recurrence ``W_{k+1} = 2x W_k - W_{k-1}``, or as ``sin((n+1/2) t) / sin(t/2)``, "
    "``t = acos(x)``, for ``|x| < 1`` and ``n > 8``.",
    ">>> ember.special.chebyshev_polynomial_w(ember.tensor([0.25, 1.0]), 3)\n        tensor([-1.6250,  7.0000])")
shifted_chebyshev_polynomial_t = _poly_doc(
    _chebyshev_fn("t", True), "The shifted Chebyshev polynomial of the first kind ``T*_n(x) = T_n(2x - 1)``.",
    "Computed like :func:`chebyshev_polynomial_t` at ``2x - 1`` (closed form for ``n > 6``).",
    ">>> ember.special.shifted_chebyshev_polynomial_t(ember.tensor([0.25, 1.0]), 3)\n        tensor([1., 1.])")
shifted_chebyshev_polynomial_u = _poly_doc(
    _chebyshev_fn("u", True), "The shifted Chebyshev polynomial of the second kind ``U*_n(x) = U_n(2x - 1)``.",
    "Computed like :func:`chebyshev_polynomial_u` at ``2x - 1`` (closed form for ``n > 6``).",
    ">>> ember.special.shifted_chebyshev_polynomial_u(ember.tensor([0.25, 1.0]), 3)\n        tensor([1., 4.])")
shifted_chebyshev_polynomial_v = _poly_doc(
    _chebyshev_fn("v", True), "The shifted Chebyshev polynomial of the third kind ``V*_n(x) = V_n(2x - 1)``.",
    "Computed like :func:`chebyshev_polynomial_v` at ``2x - 1`` (closed form for ``n > 6``).",
    ">>> ember.special.shifted_chebyshev_polynomial_v(ember.tensor([0.25, 1.0]), 3)\n        tensor([1., 1.])")
shifted_chebyshev_polynomial_w = _poly_doc(
    _chebyshev_fn("w", True), "The shifted Chebyshev polynomial of the fourth kind ``W*_n(x) = W_n(2x - 1)``.",
    "Computed like :func:`chebyshev_polynomial_w` at ``2x - 1`` (closed form for ``n > 4``).",
    ">>> ember.special.shifted_chebyshev_polynomial_w(ember.tensor([0.25, 1.0]), 3)\n        tensor([1., 7.])")


def hermite_polynomial_h(x, n, *, out=None):
    return _polynomial(_specfun.hermite_h, "hermite_polynomial_h", x, n, out)


def hermite_polynomial_he(x, n, *, out=None):
    return _polynomial(_specfun.hermite_he, "hermite_polynomial_he", x, n, out)


def laguerre_polynomial_l(x, n, *, out=None):
    return _polynomial(_specfun.laguerre_l, "laguerre_polynomial_l", x, n, out)


def legendre_polynomial_p(x, n, *, out=None):
    return _polynomial(_specfun.legendre_p, "legendre_polynomial_p", x, n, out)


_poly_doc(hermite_polynomial_h, "The physicists' Hermite polynomial ``H_n(x)``.",
          "Computed by the recurrence ``H_{k+1} = 2x H_k - 2k H_{k-1}``.",
          ">>> ember.special.hermite_polynomial_h(ember.tensor([0.25, 1.0]), 3)\n"
          "        tensor([-2.8750, -4.0000])")
_poly_doc(hermite_polynomial_he, "The probabilists' Hermite polynomial ``He_n(x)``.",
          "Computed by the recurrence ``He_{k+1} = x He_k - k He_{k-1}``.",
          ">>> ember.special.hermite_polynomial_he(ember.tensor([0.25, 1.0]), 3)\n"
          "        tensor([-0.7344, -2.0000])")
_poly_doc(laguerre_polynomial_l, "The Laguerre polynomial ``L_n(x)``.",
          "Computed by the recurrence ``(k+1) L_{k+1} = (2k + 1 - x) L_k - k L_{k-1}`` (1 at ``x = 0``).",
          ">>> ember.special.laguerre_polynomial_l(ember.tensor([0.25, 1.0]), 3)\n"
          "        tensor([ 0.3411, -0.6667])")
_poly_doc(legendre_polynomial_p, "The Legendre polynomial ``P_n(x)``.",
          "Computed by the recurrence ``(k+1) P_{k+1} = (2k+1) x P_k - k P_{k-1}`` (``+-1`` at ``x = +-1``).",
          ">>> ember.special.legendre_polynomial_p(ember.tensor([0.25, 1.0]), 3)\n"
          "        tensor([-0.3359,  1.0000])")


# PyTorch's TypeError for a number, list, None, ... where a tensor is required (keep this after the functions)
from ember._functions_args import check_functions as _check_functions  # noqa: E402

_check_functions(globals(), "special")
