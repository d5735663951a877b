"""Activation ops for ``ember.nn``: leaky_relu, hardtanh, elu/selu/celu, gelu, silu, mish, softplus, ...

ReLU, sigmoid and tanh live in ``elementwise`` (they are ``ember.*`` functions too).
"""

import math

from ember._backend import xp
from ember._ops import Op, backward_by_recompute, zero_link
from ember._ops.elementwise import erf_array, sigmoid_array
from ember._tensor import wrap


def _where(cond, a, b):
    from ember._functions import where
    return where(cond, a, b)


def _erf(t):
    from ember._functions import erf
    return erf(t)


def softplus_array(x):
    """``log(1 + exp(x))`` without overflow, in x's dtype."""
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


class _PiecewiseLinear(Op):
    """An op whose derivative is a constant per input element; ``slope(x)`` gives it.

    The slope array is constant, so double backward is ``g * slope`` (used by gradient penalties).
    """

    family = None

    def backward(self, g):
        (x,) = self.saved
        return (g * self.slope(x),)

    def backward_graph(self, g):
        return (g * wrap(self.slope(self._inputs[0]._data)),)

    def _save(self, x):
        if self.requires_grad:
            self.save(x)


class LeakyRelu(_PiecewiseLinear):
    family = "activation"
    negative_slope = 0.01

    def forward(self, x):
        self._save(x)
        return xp.where(x > 0, x, x * self.negative_slope)

    def slope(self, x):
        return xp.where(x > 0, x.dtype.type(1), x.dtype.type(self.negative_slope))


class RreluWithNoise(_PiecewiseLinear):
    """``rrelu``: x where x > 0, else x times a slope: the per-element ``noise`` drawn from ``[lower, upper]``
    (training; the caller draws it) or, without noise, ``(lower + upper) / 2`` (evaluation)."""

    family = "activation"
    noise = None
    lower = 1.0 / 8
    upper = 1.0 / 3

    def forward(self, x):
        self._save(x)
        return x * self.slope(x)

    def slope(self, x):
        if self.noise is not None:
            return xp.where(x <= 0, self.noise, x.dtype.type(1)).astype(x.dtype, copy=False)
        return xp.where(x > 0, x.dtype.type(1), x.dtype.type((self.lower + self.upper) / 2))


class Hardtanh(_PiecewiseLinear):
    family = "activation"
    min_val = -1.0
    max_val = 1.0

    def forward(self, x):
        self._save(x)
        return xp.clip(x, self.min_val, self.max_val).astype(x.dtype, copy=False)

    def slope(self, x):
        return ((x > self.min_val) & (x < self.max_val)).astype(x.dtype)


class Threshold(_PiecewiseLinear):
    family = "activation"

    def forward(self, x):
        self._save(x)
        return xp.where(x > self.threshold, x, x.dtype.type(self.value))

    def slope(self, x):
        return (x > self.threshold).astype(x.dtype)


class Hardshrink(_PiecewiseLinear):
    family = "activation"
    lambd = 0.5

    def forward(self, x):
        self._save(x)
        return xp.where(xp.abs(x) <= self.lambd, x.dtype.type(0), x)  # (NaN fails the test: kept)

    def slope(self, x):
        return (xp.abs(x) > self.lambd).astype(x.dtype)


class Softshrink(_PiecewiseLinear):
    family = "activation"
    lambd = 0.5

    def forward(self, x):
        self._save(x)
        lam = self.lambd
        # NaN stays NaN; the dead zone keeps the sign of x (-0.2 -> -0.0), as PyTorch
        return xp.where(x > lam, x - lam, xp.where(x >= -lam, x * x.dtype.type(0), x + lam))

    def slope(self, x):
        return (xp.abs(x) > self.lambd).astype(x.dtype)


class Hardsigmoid(_PiecewiseLinear):
    family = "activation"

    def forward(self, x):
        self._save(x)
        return xp.clip(x / 6 + 0.5, 0, 1).astype(x.dtype, copy=False)

    def slope(self, x):
        return ((x > -3) & (x < 3)) / x.dtype.type(6)


class Hardswish(Op):
    family = "activation"

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return x * xp.clip(x + 3, 0, 6) / 6

    def backward(self, g):
        (x,) = self.saved
        d = xp.where(x <= -3, x.dtype.type(0), xp.where(x >= 3, x.dtype.type(1), (2 * x + 3) / 6))
        return (g * d,)

    def backward_graph(self, g):
        x = self._inputs[0]
        a = x._data
        mid = wrap((a > -3) & (a < 3))
        return (g * _where(mid, (2 * x + 3) / 6, wrap((a >= 3).astype(a.dtype))),)


class Elu(Op):
    """ELU family: ``scale * (x if x > 0 else alpha * expm1(x * input_scale))`` (elu, selu, celu)."""

    family = "activation"
    alpha = 1.0
    scale = 1.0
    input_scale = 1.0

    def forward(self, x):
        # expm1 (not exp - 1: no cancellation near 0) only of the non-positive part, so large positive inputs
        # cannot overflow; minimum(0, x) keeps x when equal, so elu(-0.0) is -0.0 as in PyTorch.
        t = xp.minimum(x.dtype.type(0), x)
        e = xp.expm1(t * self.input_scale if self.input_scale != 1 else t)
        if self.requires_grad:
            self.save(x, t)
        neg = e * (self.alpha * self.scale)
        return xp.where(x > 0, x * self.scale if self.scale != 1 else x, neg)

    def backward(self, g):
        x, t = self.saved
        s = self.scale
        # exp itself (expm1 + 1 would lose the tail's digits: exp(-30) is below float32's epsilon of 1)
        e = xp.exp(t * self.input_scale if self.input_scale != 1 else t)
        d = xp.where(x > 0, x.dtype.type(s), e * (self.alpha * s * self.input_scale))
        return (g * d,)

    def backward_graph(self, g):
        x = self._inputs[0]
        s = self.scale
        # exp of the clamped input: the unused branch of where must not overflow (0 * inf is nan)
        neg = (x.clamp(max=0) * self.input_scale).exp() * (self.alpha * s * self.input_scale)
        return (g * _where(wrap(x._data > 0), wrap(x._data.dtype.type(s)), neg),)


class Gelu(Op):
    family = "activation"
    approximate = "none"

    _K = math.sqrt(2.0 / math.pi)
    _C = 0.044715

    def forward(self, x):
        if self.approximate == "tanh":
            inner = self._K * (x + self._C * x * x * x)
            t = xp.tanh(inner)
            if self.requires_grad:
                self.save(x, t)
            return 0.5 * x * (1 + t)
        cdf = 0.5 * (1 + erf_array(x * (1 / math.sqrt(2.0))))
        if self.requires_grad:
            self.save(x, cdf)
        return x * cdf

    def backward(self, g):
        x, aux = self.saved
        if self.approximate == "tanh":
            t = aux
            dinner = self._K * (1 + 3 * self._C * x * x)
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner
        else:
            pdf = xp.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
            d = aux + x * pdf
        return (g * d,)

    def backward_graph(self, g):
        x = self._inputs[0]
        if self.approximate == "tanh":
            t = (self._K * (x + self._C * x * x * x)).tanh()
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * (self._K * (1 + 3 * self._C * x * x))
        else:
            cdf = 0.5 * (1 + _erf(x * (1 / math.sqrt(2.0))))
            d = cdf + x * ((-0.5 * x * x).exp() * (1 / math.sqrt(2 * math.pi)))
        return (g * d,)


class Silu(Op):
    family = "activation"

    def forward(self, x):
        s = sigmoid_array(x)
        if self.requires_grad:
            self.save(x, s)
        return x * s

    def backward(self, g):
        x, s = self.saved
        return (g * (s * (1 + x * (1 - s))),)

    def backward_graph(self, g):
        x = self._inputs[0]
        s = x.sigmoid()
        return (g * (s * (1 + x * (1 - s))),)


class SiluComplex(Silu):
    """Silu of a complex input, ``z / (1 + exp(-z))`` (forward only: PyTorch gives it no derivative)."""

    grad_name = "SiluBackward0"

    def forward(self, x):
        with xp.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return x / (1 + xp.exp(-x))


class Mish(Op):
    family = "activation"

    def forward(self, x):
        t = xp.tanh(softplus_array(x))
        if self.requires_grad:
            self.save(x, t)
        return x * t

    def backward(self, g):
        x, t = self.saved
        return (g * (t + x * sigmoid_array(x) * (1 - t * t)),)

    def backward_graph(self, g):
        x = self._inputs[0]
        t = (x.clamp(min=0) + (-x.abs()).exp().log1p()).tanh()
        return (g * (t + x * x.sigmoid() * (1 - t * t)),)


class Softplus(Op):
    family = "activation"
    beta = 1.0
    threshold = 20.0

    def forward(self, x):
        bx = x * self.beta if self.beta != 1 else x
        if self.requires_grad:
            self.save(bx)
        # log1p(exp(bx)) only evaluated where bx <= threshold; above it the identity is used (as torch).
        soft = softplus_array(bx)
        if self.beta != 1:
            soft = soft / self.beta
        return xp.where(bx > self.threshold, x, soft)

    def backward(self, g):
        (bx,) = self.saved
        return (g * xp.where(bx > self.threshold, bx.dtype.type(1), sigmoid_array(bx)),)

    def backward_graph(self, g):
        x = self._inputs[0]
        bx = x * self.beta
        return (g * _where(wrap(bx._data > self.threshold), wrap(x._data.dtype.type(1)), bx.sigmoid()),)


class LogSigmoid(Op):
    family = "activation"

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        # 0 - v, not -v: log(sigmoid(x)) rounds to +0.0 for large x, as PyTorch (same cost as negation)
        return 0 - softplus_array(-x)

    def backward(self, g):
        (x,) = self.saved
        return (g * sigmoid_array(-x),)

    def backward_graph(self, g):
        return (g * (-self._inputs[0]).sigmoid(),)


class Glu(Op):
    family = "activation"

    def forward(self, x):
        a, b = xp.split(x, 2, axis=self.dim)
        s = sigmoid_array(b)
        if self.requires_grad:
            self.save(a, s)
        return a * s

    def backward(self, g):
        a, s = self.saved
        ga = g * s
        gb = ga * a * (1 - s)
        return (xp.concatenate([ga, gb], axis=self.dim),)

    def backward_graph(self, g):
        return backward_by_recompute(self, (g,), self._composite)

    def _composite(self, x):
        a, b = x.chunk(2, self.dim)
        return a * b.sigmoid()


class Prelu(Op):
    """``x if x > 0 else weight[c] * x`` with one weight per channel (dim 1) or a single shared one."""

    family = "activation"
    grad_name = "PreluKernelBackward0"

    def _w(self, x, w):
        if w.size == 1 or x.ndim < 2:
            return w.reshape(()) if w.size == 1 else w
        return w.reshape((1, w.size) + (1,) * (x.ndim - 2))

    def forward(self, x, w):
        wb = self._w(x, w)
        if self.requires_grad:
            self.save(x, w)
        return xp.where(x > 0, x, wb * x).astype(x.dtype, copy=False)

    def backward(self, g):
        x, w = self.saved
        n = self.needs_input_grad
        pos = x > 0
        gx = xp.where(pos, g, g * self._w(x, w)) if n[0] else None
        gw = None
        if n[1]:
            gneg = xp.where(pos, x.dtype.type(0), g * x)
            if w.size == 1:
                gw = gneg.sum().reshape(w.shape)
            else:
                axes = tuple(i for i in range(x.ndim) if i != (1 if x.ndim >= 2 else 0))
                gw = gneg.sum(axis=axes).reshape(w.shape)
        return gx, gw

    def backward_graph(self, g):
        # The same formulas on tensors; the sign mask is constant (x's derivative is piecewise).
        x, w = self._inputs
        n = self.needs_input_grad
        pos = wrap(x._data > 0)
        gx = gw = None
        if n[0]:
            wshape = self._w(x._data, w._data).shape
            # (+ zeros linked to x: PyTorch's gradient stays x's function, with a zero derivative, as the mask's)
            gx = _where(pos, g, g * w.reshape(wshape)) + zero_link(x)
        if n[1]:
            gneg = _where(pos, 0.0, g * x)
            if w._data.size == 1:
                gw = gneg.sum().reshape(w.shape)
            else:
                axes = tuple(i for i in range(x.ndim) if i != (1 if x.ndim >= 2 else 0))
                gw = (gneg.sum(axes) if axes else gneg).reshape(w.shape)
            gw = gw + zero_link(w)  # (likewise w's: it requires grad even with x and g constants, as PyTorch's)
        return gx, gw
