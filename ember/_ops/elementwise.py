"""Elementwise ops: arithmetic, unary math, activations used by the core, where/masked_fill, casts."""

import math
import sys

from ember import _dtype
from ember._backend import xp
from ember._ops import Op
from ember._ops import _specfun as _sf
from ember._tensor import wrap

_getrefcount = sys.getrefcount
_F32, _F64 = xp.dtype(xp.float32), xp.dtype(xp.float64)

# ---------------------------------------------------------------------------------------------- binary


class Add(Op):
    family = "elementwise"
    holomorphic = True
    alpha = 1

    def forward(self, a, b):
        if self.alpha != 1:
            return a + b * self.alpha
        return a + b

    def backward(self, g):
        n = self.needs_input_grad
        return (g if n[0] else None, (g if self.alpha == 1 else g * self.alpha) if n[1] else None)

    def backward_graph(self, g):
        return self.backward(g)


class Sub(Op):
    family = "elementwise"
    holomorphic = True
    alpha = 1

    def forward(self, a, b):
        if self.alpha != 1:
            return a - b * self.alpha
        return a - b

    def backward(self, g):
        n = self.needs_input_grad
        return (g if n[0] else None, (-g if self.alpha == 1 else g * -self.alpha) if n[1] else None)

    backward_graph = backward


class Mul(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, a, b):
        if self.requires_grad:
            n = self.needs_input_grad
            self.save(b if n[0] else None, a if n[1] else None)
        return a * b

    def backward(self, g):
        b, a = self.saved
        return (g * b if b is not None else None, g * a if a is not None else None)

    def backward_graph(self, g):
        a, b = self._inputs
        n = self.needs_input_grad
        return (g * b if n[0] else None, g * a if n[1] else None)


class Div(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, a, b):
        out = a / b
        if self.requires_grad:
            self.save(b, out if self.needs_input_grad[1] else None)
        return out

    def backward(self, g):
        b, out = self.saved
        n = self.needs_input_grad
        ga = g / b if n[0] else None
        gb = -g * out / b if n[1] else None
        return ga, gb

    def backward_graph(self, g):
        a, b = self._inputs
        n = self.needs_input_grad
        return (g / b if n[0] else None, -g * a / (b * b) if n[1] else None)


def _complex_pow(x, e):
    """``x ** e`` for complex ``x``: NumPy's power, but exp(e * log(x)) (PyTorch's) where NumPy's gives a NaN from
    finite inputs (1e30j ** -2 is -0-0j, 0j ** -2 inf+nanj, 1e30j ** 200 -inf+infj)."""
    with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = x ** e
        bad = xp.isnan(out)
        if bad.any():
            bad &= ~(xp.isnan(x) | xp.isnan(e))
            xb, eb = xp.broadcast_arrays(x, e)
            out = xp.array(out, copy=True) if out.ndim else out[()]
            if out.ndim:
                out[bad] = xp.exp(eb[bad] * xp.log(xb[bad]))
            elif bad:
                out = xp.exp(e * xp.log(x))
    return out


class Pow(Op):
    """``x ** exponent`` for a Python-number exponent (PowBackward0)."""

    family = "elementwise"
    holomorphic = True
    grad_name = "PowBackward0"

    def forward(self, x):
        e = self.exponent
        if self.requires_grad:
            self.save(x)
        if e == 2:
            return x * x
        if e == 0.5:
            return xp.sqrt(x)
        kind = x.dtype.kind
        if kind in "fV":  # PyTorch's special exponents, in the tensor's dtype (x*x*x rounds as PyTorch's)
            if e == 3:
                return x * x * x
            if e == -2:
                return 1 / (x * x)
            if e == -0.5:  # (rsqrt: (-0.0) ** -0.5 is -inf)
                with xp.errstate(divide="ignore", invalid="ignore"):
                    return 1 / xp.sqrt(x)
        elif kind == "c":
            return _complex_pow(x, x.dtype.type(e))
        return x ** e

    def backward(self, g):
        (x,) = self.saved
        e = self.exponent
        if e == 0:
            return (xp.zeros_like(g),)
        if e == 2:
            return (g * (2 * x),)
        return (g * (e * x ** (e - 1)).astype(x.dtype, copy=False),)

    def backward_graph(self, g):
        (x,) = self._inputs
        e = self.exponent
        if e == 0:
            return (g * 0,)
        return (g * e * x ** (e - 1),)


class PowTensor(Op):
    """``base ** exponent`` with a tensor exponent (PowBackward1)."""

    family = "elementwise"
    holomorphic = True
    grad_name = "PowBackward1"

    def forward(self, a, b):
        if a.dtype.kind == "c":  # exp(b * log(a)), as PyTorch (NumPy's power gives nan for 1e30j ** -5)
            with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
                out = xp.exp(b.astype(a.dtype, copy=False) * xp.log(a))
        else:
            out = a ** b
        if self.requires_grad:
            self.save(a, b, out)
        return out

    def backward(self, g):
        a, b, out = self.saved
        n = self.needs_input_grad
        if n[0]:
            with xp.errstate(divide="ignore", invalid="ignore"):
                ga = g * b * a ** (b - 1)
            ga = xp.where(b == 0, 0, ga).astype(ga.dtype, copy=False)  # PyTorch: zero for a zero exponent (0 ** 0)
        else:
            ga = None
        if n[1] and a.dtype.kind == "c":  # every base has a log; 0 ** b (Re b >= 0) is flat in b
            with xp.errstate(divide="ignore", invalid="ignore"):
                gb = xp.where((a == 0) & (b.real >= 0), 0, g * out * xp.log(a)).astype(out.dtype, copy=False)
        elif n[1]:
            # g * out * log(a), zero only where a == 0 and b >= 0 (0 ** -1 gives inf * -inf, as PyTorch)
            with xp.errstate(divide="ignore", invalid="ignore"):
                gb = g * out * xp.log(a)
            gb = xp.where((a == 0) & (b >= 0), 0, gb).astype(out.dtype, copy=False)
        else:
            gb = None
        return ga, gb

    def backward_graph(self, g):
        a, b = self._inputs
        n = self.needs_input_grad
        return (g * b * a ** (b - 1) if n[0] else None, g * (a ** b) * a.log() if n[1] else None)


def _minmax_weights(a, b, dt):
    """Gradient shares of ``maximum(a, b)``: all to the larger, half each on a tie, and (as PyTorch) all to both
    where either is NaN. For ``minimum`` the two come swapped."""
    half = 0.5 * (a == b)
    return (1 - (a < b) - half).astype(dt, copy=False), (1 - (a > b) - half).astype(dt, copy=False)


class Maximum(Op):
    family = "elementwise"

    def forward(self, a, b):
        if self.requires_grad:
            self.save(a, b)
        return xp.maximum(a, b)

    def backward(self, g):
        a, b = self.saved
        wa, wb = _minmax_weights(a, b, g.dtype)
        n = self.needs_input_grad
        return (g * wa if n[0] else None, g * wb if n[1] else None)

    def backward_graph(self, g):
        a, b = self._inputs[0]._data, self._inputs[1]._data
        wa, wb = _minmax_weights(a, b, g._data.dtype)
        n = self.needs_input_grad
        return (g * wrap(wa) if n[0] else None, g * wrap(wb) if n[1] else None)


class Minimum(Op):
    family = "elementwise"

    def forward(self, a, b):
        if self.requires_grad:
            self.save(a, b)
        return xp.minimum(a, b)

    def backward(self, g):
        a, b = self.saved
        wb, wa = _minmax_weights(a, b, g.dtype)
        n = self.needs_input_grad
        return (g * wa if n[0] else None, g * wb if n[1] else None)

    def backward_graph(self, g):
        a, b = self._inputs[0]._data, self._inputs[1]._data
        wb, wa = _minmax_weights(a, b, g._data.dtype)
        n = self.needs_input_grad
        return (g * wrap(wa) if n[0] else None, g * wrap(wb) if n[1] else None)


class Fmax(Op):
    """``fmax``: the larger operand, the non-NaN one where one is NaN. The gradient goes whole to ``a`` where
    ``a >= b`` or ``b`` is NaN (ties too: no split, as PyTorch), to ``b`` elsewhere."""

    family = "elementwise"
    _pick = staticmethod(xp.fmax)
    _ge = staticmethod(xp.greater_equal)

    def forward(self, a, b):
        if self.requires_grad:
            self.save(a, b)
        out = self._pick(a, b)
        if a.dtype.kind not in "biu":
            # equal operands (0.0 and -0.0): PyTorch returns the first; NumPy's SIMD loops may return either
            out = xp.where(a == b, a, out)
        return out

    def _to_a(self, a, b):
        to_a = self._ge(a, b)
        if b.dtype.kind in "fc":
            to_a |= b != b
        return to_a

    def backward(self, g):
        to_a = self._to_a(*self.saved)
        n = self.needs_input_grad
        zero = xp.zeros((), g.dtype)
        return (xp.where(to_a, g, zero) if n[0] else None, xp.where(to_a, zero, g) if n[1] else None)

    def backward_graph(self, g):
        wa = wrap(self._to_a(self._inputs[0]._data, self._inputs[1]._data).astype(g._data.dtype))
        n = self.needs_input_grad
        return (g * wa if n[0] else None, g * (1 - wa) if n[1] else None)


class Logaddexp(Op):
    """``log(exp(a) + exp(b))`` without overflow (NumPy's ufunc: equal infinities give themselves); gradients
    ``g / (1 + exp(b - a))`` and ``g / (1 + exp(a - b))``."""

    family = "elementwise"
    _fn = staticmethod(xp.logaddexp)
    _exp = staticmethod(xp.exp)

    def forward(self, a, b):
        if self.requires_grad:
            self.save(a, b)
        return self._fn(a, b)

    def backward(self, g):
        a, b = self.saved
        n = self.needs_input_grad
        d = b - a
        return (g / (1 + self._exp(d)) if n[0] else None, g / (1 + self._exp(-d)) if n[1] else None)

    def backward_graph(self, g):
        a, b = self._inputs
        d = b - a
        e = d.exp() if self._exp is xp.exp else d.exp2()
        e_neg = (-d).exp() if self._exp is xp.exp else (-d).exp2()
        n = self.needs_input_grad
        return (g / (1 + e) if n[0] else None, g / (1 + e_neg) if n[1] else None)


class Logaddexp2(Logaddexp):
    """``log2(2**a + 2**b)`` without overflow; gradients ``g / (1 + 2**(b - a))`` and ``g / (1 + 2**(a - b))``."""

    family = "elementwise"
    _fn = staticmethod(xp.logaddexp2)
    _exp = staticmethod(xp.exp2)


class Fmin(Fmax):
    """``fmin``: the smaller operand, the non-NaN one where one is NaN (gradient as :class:`Fmax`, with ``<=``)."""

    family = "elementwise"
    _pick = staticmethod(xp.fmin)
    _ge = staticmethod(xp.less_equal)


def floor_divide_float(a, b):
    """PyTorch's floor division of floating arrays: Python's, as NumPy's ``floor_divide`` (``x // 0`` is
    ``x / 0``, a zero quotient has the sign of ``a / b``, otherwise the floor of the exact quotient, computed from
    ``fmod``, which rounds for huge quotients), at a few times the cost of ``floor(a / b)`` (NumPy's is ~50x).
    ``floor(a / b)`` is the same wherever ``a / b`` rounds to a non-integer of magnitude below 2**22 (2**51 in
    float64): no integer lies between a quotient and its rounding then. Where some do not (exact or rounded-up
    integers, zeros, infinities, huge quotients): float32 takes the floor of the float64 quotient (exact below
    2**22 for finite quotients and divisors); float64 checks an integer quotient ``r`` against ``r * b``, which is
    exact where ``a`` and ``b`` hold integers below 2**53; ``floor_divide`` does the rest."""
    with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = a / b
        r = xp.asarray(xp.floor(q))  # (an array: a 0-d result is a NumPy scalar, which cannot be written)
        near = r == q
        lim = 2.0 ** (51 if q.dtype == _F64 else 22)
        if near.any():
            near |= xp.abs(q) >= lim
        elif q.size and (q.max() >= lim or q.min() <= -lim):  # (reads only; NaN compares False)
            near = xp.abs(q) >= lim
        else:
            return r
        a, b = xp.broadcast_to(a, q.shape), xp.broadcast_to(b, q.shape)
        sparse = xp.count_nonzero(near) * 32 < q.size  # (few: only those, through the mask; else all is cheaper)
        if q.dtype == _F32:
            if sparse:
                a, b = a[near], b[near]
            # (the cast inside the ufunc loop: astype's separate pass is several times slower here)
            f = xp.divide(a, b, out=xp.empty(a.shape, _F64), dtype=_F64)
            xp.floor(f, out=f)
            slow = ~(xp.abs(f) < lim)  # huge, infinite or NaN quotients
            inf_b = xp.isinf(b)
            if inf_b.any():  # x // inf: a zero quotient that is -1 for negative x
                slow |= inf_b
            if slow.any():
                f[slow] = xp.floor_divide(a[slow], b[slow])
            if not sparse:
                return f.astype(_F32)
            r[near] = f
            return r
        an, bn, rn = a[near], b[near], r[near]  # (a mask, not a flat view: that would copy a broadcast operand)
        exact = (xp.abs(rn) < lim) & (xp.floor(an) == an) & (xp.floor(bn) == bn) & (xp.abs(an) < 2.0 ** 53) \
            & (xp.abs(bn) < 2.0 ** 53) & (bn != 0)
        p = rn * bn  # exact for integers: |r * b| is about |a| < 2**53
        rn = rn - (exact & (p != an) & ((p > an) == (bn > 0)))  # the true quotient is below r: its floor is r - 1
        rest = ~exact
        if rest.any():
            rn[rest] = xp.floor_divide(an[rest], bn[rest])
        r[near] = rn
        return r


def remainder_float(a, b):
    """PyTorch's ``remainder``: Python's (the sign of ``b``; NumPy's ``mod``), but a zero result keeps the sign of
    ``a``, as ``fmod``'s does (NumPy gives it ``b``'s). Integer arrays: NumPy's ``mod``."""
    r = xp.mod(a, b)
    if r.dtype.kind in "fV" and not r.all():  # (one read-only pass when no remainder is zero)
        r = xp.where(r == 0, xp.copysign(r, a).astype(r.dtype, copy=False), r)
    return r


def _trunc_divide(a, b):
    return xp.trunc(a / b)


class Remainder(Op):
    """Python-style remainder (sign of the divisor), as ``torch.remainder``: ``a - floor(a / b) * b``."""

    family = "elementwise"
    _mod = staticmethod(remainder_float)
    _quotient = staticmethod(floor_divide_float)  # the multiple of b taken away: PyTorch's gradient for b

    def forward(self, a, b):
        if self.requires_grad:
            self.save(a, b)
        return self._mod(a, b)

    def backward(self, g):
        a, b = self.saved
        n = self.needs_input_grad
        return (g if n[0] else None, -g * self._quotient(a, b) if n[1] else None)

    def backward_graph(self, g):
        a, b = self._inputs[0]._data, self._inputs[1]._data
        n = self.needs_input_grad
        return (g if n[0] else None, -g * wrap(self._quotient(a, b)) if n[1] else None)


class Fmod(Remainder):
    """C-style remainder (sign of the dividend), as ``torch.fmod``: ``a - trunc(a / b) * b``."""

    family = "elementwise"
    _mod = staticmethod(xp.fmod)
    _quotient = staticmethod(_trunc_divide)


class Atan2(Op):
    family = "elementwise"

    def forward(self, a, b):
        if self.requires_grad:
            self.save(a, b)
        if a.dtype == xp.float32:
            # NumPy's SIMD float32 arctan2 is up to ~2.5 ulp off (atan2(1, 1) = 0.7853981); PyTorch's is within
            # ~1 ulp, so the float64 result rounded to float32 agrees with it far more often.
            return xp.arctan2(a, b, dtype=xp.float64).astype(xp.float32)
        return xp.arctan2(a, b)

    # The gradients use 1 / (a*a + b*b) taken as 0 where a*a + b*b is 0 (at a = b = 0, or when both squares
    # underflow), as PyTorch's: atan2(0, 0) has gradient 0.
    def backward(self, g):
        a, b = self.saved
        d = a * a + b * b
        zero = d == 0
        with xp.errstate(over="ignore"):
            r = 1 / xp.where(zero, d.dtype.type(1), d)
        r = xp.where(zero, r.dtype.type(0), r)
        n = self.needs_input_grad
        return (g * b * r if n[0] else None, -g * a * r if n[1] else None)

    def backward_graph(self, g):
        a, b = self._inputs
        d = a * a + b * b
        zero = d.detach() == 0
        r = (1 / d.masked_fill(zero, 1)).masked_fill(zero, 0)  # (a safe divisor: a finite double backward there)
        n = self.needs_input_grad
        return (g * b * r if n[0] else None, -g * a * r if n[1] else None)


class Hypot(Op):
    """``sqrt(a**2 + b**2)`` by the C library's hypot: no overflow/underflow of the squares, and an infinite
    operand wins over NaN (IEEE), as in PyTorch."""

    family = "elementwise"

    def forward(self, a, b):
        out = xp.hypot(a, b)
        if self.requires_grad:
            self.save(a, b, out)
        return out

    def backward(self, g):
        a, b, out = self.saved
        n = self.needs_input_grad
        return (g * a / out if n[0] else None, g * b / out if n[1] else None)

    def backward_graph(self, g):
        a, b = self._inputs
        out = Hypot.apply(a, b)
        n = self.needs_input_grad
        return (g * a / out if n[0] else None, g * b / out if n[1] else None)


class Where(Op):
    """``where(condition, a, b)``; the condition is a bool input with no gradient."""

    family = "elementwise"
    complex_grad = True  # moves values: right for complex as is

    def forward(self, cond, a, b):
        if self.requires_grad:
            self.save(cond)
        return xp.where(cond, a, b)

    def backward(self, g):
        (cond,) = self.saved
        n = self.needs_input_grad
        zero = xp.zeros((), dtype=g.dtype)
        return (None, xp.where(cond, g, zero) if n[1] else None, xp.where(cond, zero, g) if n[2] else None)

    def backward_graph(self, g):
        cond = self._inputs[0]
        zero = wrap(xp.zeros((), dtype=g._data.dtype))
        n = self.needs_input_grad
        return (None, Where.apply(cond, g, zero) if n[1] else None, Where.apply(cond, zero, g) if n[2] else None)


class MaskedFill(Op):
    family = "elementwise"
    complex_grad = True  # moves values: right for complex as is

    def forward(self, x, mask):
        if self.requires_grad:
            self.save(mask)
        if mask.shape == x.shape:
            out = x.copy()
        else:
            # (order="C": the default keeps the stride-0 layout of the broadcast; PyTorch's result is contiguous)
            out = xp.array(xp.broadcast_to(x, xp.broadcast_shapes(x.shape, mask.shape)), order="C")
        out[xp.broadcast_to(mask, out.shape)] = self.value
        return out

    def backward(self, g):
        (mask,) = self.saved
        return (xp.where(mask, xp.zeros((), dtype=g.dtype), g), None)

    def backward_graph(self, g):
        return (MaskedFill.apply(g, self._inputs[1], value=0), None)


class MaskedFillTensor(Op):
    """``masked_fill`` with a 0-dim tensor value that may need a gradient."""

    family = "elementwise"
    complex_grad = True  # moves values: right for complex as is
    grad_name = "MaskedFillBackward1"

    def forward(self, x, mask, value):
        if self.requires_grad:
            self.save(mask)
        return xp.where(mask, value.astype(x.dtype), x)

    def backward(self, g):
        (mask,) = self.saved
        zero = xp.zeros((), dtype=g.dtype)
        n = self.needs_input_grad
        gv = xp.where(mask, g, zero).sum() if n[2] else None
        return (xp.where(mask, zero, g) if n[0] else None, None, gv)

    def backward_graph(self, g):
        mask = self._inputs[1]
        n = self.needs_input_grad
        gv = (g * wrap(mask._data.astype(g._data.dtype))).sum() if n[2] else None
        return (MaskedFill.apply(g, mask, value=0) if n[0] else None, None, gv)


def _lerp(a, b, w):
    """PyTorch's lerp rounding: ``fma(w, b - a, a)`` where ``|w| < 0.5``, else ``fma(w - 1, b - a, b)`` (exact at
    ``w`` = 1, finite for infinite ends); half dtypes in float32, complex without the fused rounding."""
    dt = a.dtype
    if dt.kind == "c":
        small = abs(w) < 0.5
        d = b - a
        if w.ndim == 0:
            return a + w * d if small else b + (w - 1) * d
        return xp.where(small, a, b) + xp.where(small, w, w - 1) * d
    from ember._random_kernels import fma64
    half = dt.itemsize == 2
    if half:
        a, b, w = a.astype(_F32), b.astype(_F32), w.astype(_F32, copy=False)
    d = b - a
    if w.ndim == 0:  # one branch for all
        coeff, base = (w, a) if abs(w) < 0.5 else (w - w.dtype.type(1), b)
    else:
        small = abs(w) < 0.5
        coeff = w - ~small  # w or w - 1
        if a.shape == b.shape == w.shape:  # a bitwise blend: np.where is slow on random masks
            it = xp.dtype(f"i{dt.itemsize if not half else 4}")
            m = small.astype(it)
            xp.negative(m, out=m)
            bi = b.view(it)
            base = xp.bitwise_xor(a.view(it), bi)
            base &= m
            base ^= bi
            base = base.view(a.dtype)
        else:
            base = xp.where(small, a, b)
    if d.dtype == _F64:
        out = fma64(coeff, d, base)
    else:
        # float32: the product is exact in float64 and the sum rounds once more only when it needs over 53 bits;
        # rounding that to float32 misses the fused result only when it lands exactly halfway (about 2**-29 of
        # such sums), so the exact midpoint repair of fma32 (5-10x the cost) is left out
        out = xp.multiply(coeff, d, dtype=_F64)
        out += base
        out = out.astype(_F32)
    return out.astype(dt) if half else out


class Lerp(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, a, b, w):
        if self.requires_grad:
            self.save(a, b, w)
        return _lerp(a, b, w)

    def backward(self, g):
        a, b, w = self.saved
        n = self.needs_input_grad
        return (g * (1 - w) if n[0] else None, g * w if n[1] else None, g * (b - a) if n[2] else None)

    def backward_graph(self, g):
        a, b, w = self._inputs
        n = self.needs_input_grad
        return (g * (1 - w) if n[0] else None, g * w if n[1] else None, g * (b - a) if n[2] else None)


class Addcmul(Op):
    """``input + value * tensor1 * tensor2`` (operands already promoted to one dtype; they broadcast)."""

    family = "elementwise"
    holomorphic = True
    value = 1

    def forward(self, x, t1, t2):
        if self.requires_grad:
            n = self.needs_input_grad
            self.save(t2 if n[1] else None, t1 if n[2] else None)
        if self.value != 1:
            t1 = t1 * xp.asarray(self.value, dtype=x.dtype)  # PyTorch casts value to the result dtype
        if x.dtype == xp.float32:  # PyTorch's kernel is a fused multiply-add: fma(value * t1, t2, input)
            from ember._random_kernels import fma32
            shape = xp.broadcast_shapes(x.shape, t1.shape, t2.shape)
            return fma32(t1 if t1.shape == shape else xp.broadcast_to(t1, shape), t2, x)
        return x + t1 * t2

    def backward(self, g):
        t2, t1 = self.saved
        v = None if self.value == 1 else g.dtype.type(self.value)
        # (PyTorch's rounding order: grad * (other * value))
        return (g if self.needs_input_grad[0] else None,
                None if t2 is None else g * (t2 if v is None else t2 * v),
                None if t1 is None else g * (t1 if v is None else t1 * v))

    def backward_graph(self, g):
        _, t1, t2 = self._inputs
        n = self.needs_input_grad
        gv = g if self.value == 1 else g * self.value
        return g if n[0] else None, gv * t2 if n[1] else None, gv * t1 if n[2] else None


class Addcdiv(Op):
    """``input + value * tensor1 / tensor2`` (floating operands of one dtype; they broadcast)."""

    family = "elementwise"
    holomorphic = True
    value = 1

    def forward(self, x, t1, t2):
        if self.requires_grad:
            self.save(t1, t2)
        # PyTorch's rounding order: input + (value * t1) / t2
        return x + (t1 if self.value == 1 else t1 * x.dtype.type(self.value)) / t2

    def backward(self, g):
        t1, t2 = self.saved
        n = self.needs_input_grad
        v = g.dtype.type(self.value)
        # (PyTorch's rounding order: grad * (value / t2) and -grad * ((value * t1) / (t2 * t2)))
        return (g if n[0] else None, g * (v / t2) if n[1] else None,
                -g * ((t1 if self.value == 1 else v * t1) / (t2 * t2)) if n[2] else None)

    def backward_graph(self, g):
        _, t1, t2 = self._inputs
        n = self.needs_input_grad
        gq = (g if self.value == 1 else g * self.value) / t2
        return g if n[0] else None, gq if n[1] else None, -gq * t1 / t2 if n[2] else None


class Xlogy(Op):
    """``input * log(other)``, 0 where ``input == 0`` unless ``other`` is NaN. With a Python number for ``input``
    (``self_value``) or ``other`` (``other_value``) the op has one tensor input and is XlogyBackward1 / 2."""

    family = "elementwise"
    self_value = None
    other_value = None

    def forward(self, *arrays):
        if self.self_value is not None:
            self.grad_name = "XlogyBackward1"
        elif self.other_value is not None:
            self.grad_name = "XlogyBackward2"
        if self.requires_grad:
            self.save(*arrays)
        return _xlogy(*self._pair(arrays, arrays[0].dtype))

    def _pair(self, arrays, dtype):
        """``(input, other)``: the saved or given arrays, a Python-number operand as a 0-d array of ``dtype``."""
        if self.self_value is not None:
            return xp.asarray(self.self_value, dtype=dtype), arrays[0]
        if self.other_value is not None:
            return arrays[0], xp.asarray(self.other_value, dtype=dtype)
        return arrays

    def _needs(self):
        n = self.needs_input_grad
        if self.self_value is not None:
            return False, n[0]
        if self.other_value is not None:
            return n[0], False
        return n

    def _pack(self, gx, gy):
        if self.self_value is not None:
            return (gy,)
        if self.other_value is not None:
            return (gx,)
        return gx, gy

    def backward(self, g):
        x, y = self._pair(self.saved, g.dtype)
        nx, ny = self._needs()
        # d/dx: xlogy(g, y), and 0 where x == 0 and y <= 0 (the product's limit there)
        gx = xp.where((x == 0) & (y <= 0), 0, _xlogy(g, y)).astype(g.dtype, copy=False) if nx else None
        return self._pack(gx, g * x / y if ny else None)

    def backward_graph(self, g):
        x, y = self._pair(self._inputs, g._data.dtype)
        nx, ny = self._needs()
        gx = gy = None
        if nx:
            yd = y._data if self.other_value is None else y
            gx = Xlogy.apply(g, y) if self.other_value is None else Xlogy.apply(g, other_value=self.other_value)
            gx = gx * wrap(~((x._data == 0) & (yd <= 0)))
        if ny:
            gy = g * x / y if self.self_value is None else g * self.self_value / y
        return self._pack(gx, gy)


def _xlogy(x, y):
    return xp.where((x == 0) & ~xp.isnan(y), 0, x * xp.log(y)).astype(xp.result_type(x, y), copy=False)


class Logit(Op):
    """``log(x / (1 - x))``, with x first clamped to ``[eps, 1 - eps]`` when ``eps`` is given (not None, >= 0)."""

    family = "elementwise"
    eps = None
    # float16/bfloat16 as they are: PyTorch's kernel rounds the clamp bounds, 1 - x and the ratio to the half type
    # (only the log runs in float32), and its backward the denominator x (1 - x)
    half_native = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        if self.eps is not None:
            lo, hi = self._bounds(x)
            x = xp.where(x < lo, lo, xp.where(x > hi, hi, x))  # PyTorch's order: below eps wins when eps > 1/2
        ratio = x / (1 - x)
        if x.dtype.itemsize == 2:  # a half type
            return xp.log(ratio.astype(xp.float32)).astype(x.dtype)
        return xp.log(ratio)

    def _outside(self, x):
        """Where the gradient is not ``g / (x (1 - x))``: NaN outside [0, 1], or 0 in the clamped regions."""
        if self.eps is None:
            return (x < 0) | (x > 1), float("nan")
        lo, hi = self._bounds(x)
        return (x < lo) | (x > hi), 0.0

    def _bounds(self, x):
        # as PyTorch: eps rounded to x's type, then 1 - eps computed in that type
        lo = x.dtype.type(self.eps)
        return lo, (x.dtype.type(1) - lo).astype(x.dtype)

    def backward(self, g):
        (x,) = self.saved
        mask, fill = self._outside(x)
        grad = g / (x * (1 - x))
        return (xp.where(mask, g.dtype.type(fill), grad) if mask.any() else grad,)

    def backward_graph(self, g):
        x = self._inputs[0]
        mask, fill = self._outside(x._data)
        grad = g / (x * (1 - x))
        if not mask.any():
            return (grad,)
        return (grad.masked_fill(wrap(mask), fill),)


class Copysign(Op):
    """``|input|`` with the sign of ``other`` (CopysignBackward1 for a Python-number ``other``: ``value``)."""

    family = "elementwise"
    value = None

    def forward(self, x, *other):
        if self.value is not None:
            self.grad_name = "CopysignBackward1"
            other = (xp.asarray(self.value, dtype=x.dtype),)
        out = xp.copysign(x, other[0])
        if self.requires_grad:
            self.save(x, out)
        return out

    def _ratio(self, x, out):
        # d out / d x = out / x: +1 or -1; PyTorch gives 0 at x == 0
        with xp.errstate(divide="ignore", invalid="ignore"):
            return xp.where(x == 0, 0, out / x).astype(x.dtype, copy=False)

    def backward(self, g):
        x, out = self.saved
        gx = g * self._ratio(x, out) if self.needs_input_grad[0] else None
        if self.value is not None:
            return (gx,)
        return gx, (xp.zeros_like(g) if self.needs_input_grad[1] else None)  # the sign is flat in other

    def backward_graph(self, g):
        x, *other = self._inputs
        gx = g * wrap(self._ratio(x._data, xp.copysign(x._data, other[0]._data if other else self.value)))
        if self.value is not None:
            return (gx if self.needs_input_grad[0] else None,)
        return gx if self.needs_input_grad[0] else None, g * 0 if self.needs_input_grad[1] else None


class Frac(Op):
    """``x - trunc(x)``: the gradient passes through unchanged."""

    family = "elementwise"

    def forward(self, x):
        return x - xp.trunc(x)

    def backward(self, g):
        return (g,)

    backward_graph = backward


# ---------------------------------------------------------------------------------------------- unary


class Neg(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        return -x

    def backward(self, g):
        return (-g,)

    backward_graph = backward


class Abs(Op):
    family = "elementwise"

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.abs(x)

    def backward(self, g):
        (x,) = self.saved
        return (g * xp.sign(x),)

    def backward_graph(self, g):
        return (g * self._inputs[0].sign(),)


class Exp(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        out = xp.exp(x)
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * out,)

    def backward_graph(self, g):
        return (g * self._inputs[0].exp(),)


class Exp2(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        out = xp.exp2(x)
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * out * out.dtype.type(math.log(2.0)),)

    def backward_graph(self, g):
        return (g * self._inputs[0].exp2() * math.log(2.0),)


class Expm1(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        out = xp.expm1(x)
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * (out + 1),)

    def backward_graph(self, g):
        return (g * self._inputs[0].exp(),)


class Log(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.log(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / x,)

    def backward_graph(self, g):
        return (g / self._inputs[0],)


class Log2(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.log2(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / (x * x.dtype.type(math.log(2.0))),)

    def backward_graph(self, g):
        return (g / (self._inputs[0] * math.log(2.0)),)


class Log10(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.log10(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / (x * x.dtype.type(math.log(10.0))),)

    def backward_graph(self, g):
        return (g / (self._inputs[0] * math.log(10.0)),)


def _complex_log1p(z):
    """``log(1 + z)`` accurate for small ``|z|`` (NumPy's ``log1p`` forms ``1 + z`` first and loses it there):
    ``Re = log1p(x (2 + x) + y^2) / 2``, ``Im = atan2(y, 1 + x)``. A NaN part anywhere gives NaN + NaN j."""
    x, y = z.real, z.imag
    with xp.errstate(all="ignore"):
        w = xp.array(z, copy=True)
        w.real += 1  # (not 1 + z: that would turn a -0.0 imaginary part into +0.0)
        out = xp.log(w, out=w)  # (an array even when 0-d)
        small = x * x + y * y < 0.25  # (|z| < 1/2: 1 + z has no cancellation to the origin either)
        re = xp.where(y == 0, xp.log1p(x), 0.5 * xp.log1p(x * (2 + x) + y * y))  # (real axis: exact, signed 0)
        im = xp.arctan2(y, 1 + x)
    out.real = xp.where(small, re, out.real)
    out.imag = xp.where(small, im, out.imag)
    bad = xp.isnan(x) | xp.isnan(y)
    if bad.any():
        out[bad] = complex("nan+nanj")
    return out


class Log1p(Op):
    family = "elementwise"
    holomorphic = True
    grad_name = "Log1PBackward0"  # PyTorch's spelling

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        if x.dtype.kind == "c":
            return _complex_log1p(x)
        return xp.log1p(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / (1 + x),)

    def backward_graph(self, g):
        return (g / (self._inputs[0] + 1),)


class Sqrt(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        out = xp.sqrt(x)
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g / (2 * out),)

    def backward_graph(self, g):
        return (g / (2 * self._inputs[0].sqrt()),)


class Rsqrt(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        out = 1 / xp.sqrt(x)
        if self.requires_grad:
            self.save(out)
        return out.astype(x.dtype, copy=False)

    def backward(self, g):
        (out,) = self.saved
        return (g * (-0.5 * out * out * out).astype(out.dtype, copy=False),)

    def backward_graph(self, g):
        x = self._inputs[0]
        return (g * -0.5 * x.rsqrt() / x,)


class Reciprocal(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        out = (1 / x).astype(x.dtype, copy=False) if x.dtype.kind in "fV" else 1 / x
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (-g * out * out,)

    def backward_graph(self, g):
        x = self._inputs[0]
        return (-g / (x * x),)


class Sin(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.sin(x)

    def backward(self, g):
        (x,) = self.saved
        return (g * xp.cos(x),)

    def backward_graph(self, g):
        return (g * self._inputs[0].cos(),)


class Cos(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.cos(x)

    def backward(self, g):
        (x,) = self.saved
        return (-g * xp.sin(x),)

    def backward_graph(self, g):
        return (-g * self._inputs[0].sin(),)


class Tan(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        out = xp.tan(x)
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * (1 + out * out),)

    def backward_graph(self, g):
        t = self._inputs[0].tan()
        return (g * (1 + t * t),)


class Asin(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.arcsin(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / xp.sqrt(1 - x * x),)

    def backward_graph(self, g):
        x = self._inputs[0]
        return (g / (1 - x * x).sqrt(),)


class Acos(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.arccos(x)

    def backward(self, g):
        (x,) = self.saved
        return (-g / xp.sqrt(1 - x * x),)

    def backward_graph(self, g):
        x = self._inputs[0]
        return (-g / (1 - x * x).sqrt(),)


class Atan(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.arctan(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / (1 + x * x),)

    def backward_graph(self, g):
        x = self._inputs[0]
        return (g / (1 + x * x),)


class Sinh(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.sinh(x)

    def backward(self, g):
        (x,) = self.saved
        return (g * xp.cosh(x),)

    def backward_graph(self, g):
        return (g * self._inputs[0].cosh(),)


class Cosh(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.cosh(x)

    def backward(self, g):
        (x,) = self.saved
        return (g * xp.sinh(x),)

    def backward_graph(self, g):
        return (g * self._inputs[0].sinh(),)


class Tanh(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        out = xp.tanh(x)
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * (1 - out * out),)

    def backward_graph(self, g):
        t = self._inputs[0].tanh()
        return (g * (1 - t * t),)


def sigmoid_array(x):
    """Numerically stable logistic function on an array, in x's dtype."""
    # exp of a non-positive number never overflows: use exp(-|x|) on both branches.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class Sigmoid(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        out = sigmoid_array(x)
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * out * (1 - out),)

    def backward_graph(self, g):
        s = self._inputs[0].sigmoid()
        return (g * s * (1 - s),)


class SigmoidComplex(Sigmoid):
    """Sigmoid of a complex input, ``1 / (1 + exp(-z))`` (the real op's stable branches compare signs)."""

    grad_name = "SigmoidBackward0"

    def forward(self, x):
        with xp.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = 1 / (1 + xp.exp(-x))
        if self.requires_grad:
            self.save(out)
        return out


class Relu(Op):
    family = "elementwise"

    def forward(self, x):
        if x.dtype.kind in "bc":
            if x.dtype.kind == "c":
                raise NotImplementedError("clamp is not supported for complex types")
            raise RuntimeError("Boolean inputs not supported for relu")
        out = xp.maximum(x, 0)
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        int_type = _SAME_WIDTH_INT.get(out.dtype.char)
        if int_type is None or g.dtype != out.dtype or not (out.flags.c_contiguous and g.flags.c_contiguous):
            return (g * ~(out <= 0),)
        # g where not out <= 0 (so NaN passes its gradient, as PyTorch's threshold_backward), else 0, on the bit
        # patterns: out = maximum(x, 0) is never -0.0, so its bits read as an unsigned integer are 0 exactly for
        # 0.0 and nonzero otherwise (a NaN of either sign too): min(bits, 1) is a 0/1 mask in one pass, and an
        # integer multiply keeps g's bits exactly (float-times-bool goes through a slow casting loop). Passes run
        # block by block in cache, and when the engine holds the only other reference to g (a fresh upstream
        # gradient), g is overwritten instead of faulting in a new multi-MB array.
        if _getrefcount(g) <= 3 and g.base is None and g.flags.writeable:  # engine's list, param, argument
            res = g
        else:
            res = xp.empty_like(g)
        oi = out.reshape(-1).view(_UNSIGNED[int_type])
        gi = g.reshape(-1).view(int_type)
        ri = res.reshape(-1).view(int_type)
        n = oi.size
        if n <= _RELU_BLOCK:
            mask = xp.minimum(oi, 1).view(int_type)
            xp.multiply(gi, mask, out=ri)
            return (res,)
        scratch = xp.empty(_RELU_BLOCK, dtype=int_type)
        for start in range(0, n, _RELU_BLOCK):
            stop = min(start + _RELU_BLOCK, n)
            mask = scratch[: stop - start]
            xp.minimum(oi[start:stop], 1, out=mask.view(oi.dtype))
            xp.multiply(gi[start:stop], mask, out=ri[start:stop])
        return (res,)

    def backward_graph(self, g):
        return (g * (self._inputs[0] > 0),)


_SAME_WIDTH_INT = {"f": xp.int32, "d": xp.int64}
_UNSIGNED = {xp.int32: xp.uint32, xp.int64: xp.uint64}
_RELU_BLOCK = 1 << 16  # elements per cache block


class Clamp(Op):
    """``clamp(min, max)`` with number bounds; names its node like PyTorch (ClampMin/ClampMax/Clamp)."""

    family = "elementwise"
    grad_name = "ClampBackward1"  # clamp_min / clamp_max pass their own names
    min = None
    max = None

    def forward(self, x):
        lo, hi = self.min, self.max
        if self.requires_grad:
            self.save(x)
        if lo is None and hi is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        if lo is not None and hi is not None and lo > hi:
            if x.dtype.kind == "f":  # torch keeps NaN even when the bounds cross
                return xp.where(xp.isnan(x), x, xp.asarray(hi, dtype=x.dtype))
            return xp.full_like(x, hi)
        if (lo is None or hi is None) and x.dtype.kind == "f":
            # NumPy's one-sided clip turns -0.0 at a 0 bound into 0.0; its two-sided one keeps x, as PyTorch
            lo, hi = (-xp.inf, hi) if lo is None else (lo, xp.inf)
        return xp.clip(x, lo, hi).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved
        lo, hi = self.min, self.max
        mask = True
        if lo is not None:
            mask = x >= lo
        if hi is not None:
            mask = mask & (x <= hi) if lo is not None else x <= hi
        return (xp.where(mask, g, xp.zeros((), dtype=g.dtype)),)  # a NaN gradient stops at a clamped element

    def backward_graph(self, g):
        x = self._inputs[0]._data
        lo, hi = self.min, self.max
        mask = xp.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x >= lo
        if hi is not None:
            mask &= x <= hi
        return (Where.apply(wrap(mask), g, wrap(xp.zeros((), dtype=g._data.dtype))),)


class ClampTensor(Op):
    """``clamp`` with tensor bounds; a missing bound is passed as a dummy and flagged by ``no_min/no_max``."""

    family = "elementwise"
    grad_name = "ClampBackward0"
    no_min = False
    no_max = False

    def forward(self, x, lo, hi):
        if self.requires_grad:
            self.save(x, lo, hi)
        # a bound equal to the value leaves the value (its zero sign) as PyTorch's; NaN on either side propagates
        out = x if self.no_min else xp.where(x == lo, x, xp.maximum(x, lo))
        if not self.no_max:
            out = xp.where(out == hi, out, xp.minimum(out, hi))
        return out.astype(x.dtype, copy=False)

    def backward(self, g):
        x, lo, hi = self.saved
        n = self.needs_input_grad
        zero = xp.zeros((), dtype=g.dtype)
        from_lo = xp.zeros(x.shape, bool) if self.no_min else x < lo
        lifted = x if self.no_min else xp.maximum(x, lo)
        from_hi = xp.zeros(x.shape, bool) if self.no_max else lifted > hi
        from_lo = from_lo & ~from_hi
        inside = ~(from_lo | from_hi)
        return (
            xp.where(inside, g, zero) if n[0] else None,
            xp.where(from_lo, g, zero) if n[1] else None,
            xp.where(from_hi, g, zero) if n[2] else None,
        )

    def backward_graph(self, g):
        x, lo, hi = (t._data for t in self._inputs)
        from_lo = xp.zeros(x.shape, bool) if self.no_min else x < lo
        lifted = x if self.no_min else xp.maximum(x, lo)
        from_hi = xp.zeros(x.shape, bool) if self.no_max else lifted > hi
        from_lo = from_lo & ~from_hi
        inside = ~(from_lo | from_hi)
        dt = g._data.dtype
        n = self.needs_input_grad
        return (g * wrap(inside.astype(dt)) if n[0] else None, g * wrap(from_lo.astype(dt)) if n[1] else None,
                g * wrap(from_hi.astype(dt)) if n[2] else None)


class _ZeroGrad(Op):
    """Piecewise-constant functions: gradient zero everywhere."""

    fn = None

    def forward(self, x):
        return type(self).fn(x)

    def backward(self, g):
        return (xp.zeros_like(g),)

    def backward_graph(self, g):
        return (g * 0,)


def _sign(x):
    out = xp.sign(x)
    if out.dtype.kind == "f":  # PyTorch's sign(nan) is 0 (NumPy's is nan)
        nan = out != out
        if nan.any():
            out[nan] = 0
    return out


class Sign(_ZeroGrad):
    family = "elementwise"
    fn = staticmethod(_sign)


class Sgn(_ZeroGrad):
    """``sgn`` of a real tensor: ``sign``, with PyTorch's own node (SgnBackward0)."""

    family = "elementwise"
    fn = staticmethod(_sign)


class NanToNum(Op):
    """``nan_to_num``: NaN, +inf and -inf replaced by the numbers ``nan``, ``posinf``, ``neginf`` (the caller
    resolves the defaults for the input's dtype); the replaced elements get no gradient."""

    family = "elementwise"

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.nan_to_num(x, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, g):
        (x,) = self.saved
        return (xp.where(xp.isfinite(x), g, xp.zeros((), g.dtype)),)

    def backward_graph(self, g):
        return (g * wrap(xp.isfinite(self._inputs[0]._data).astype(g._data.dtype)),)


class Deg2Rad(Op):
    """``deg2rad``: ``x * (pi / 180)``, the factor rounded to the input's dtype (as PyTorch's kernel)."""

    family = "elementwise"
    factor = math.pi / 180.0

    def forward(self, x):
        return x * x.dtype.type(self.factor)

    def backward(self, g):
        return (g * g.dtype.type(self.factor),)

    def backward_graph(self, g):
        return (g * self.factor,)


class Rad2Deg(Deg2Rad):
    """``rad2deg``: ``x * (180 / pi)``."""

    family = "elementwise"
    factor = 180.0 / math.pi


class Floor(_ZeroGrad):
    family = "elementwise"
    fn = staticmethod(xp.floor)


class Ceil(_ZeroGrad):
    family = "elementwise"
    fn = staticmethod(xp.ceil)


class Trunc(_ZeroGrad):
    family = "elementwise"
    fn = staticmethod(xp.trunc)


class Round(_ZeroGrad):
    family = "elementwise"
    decimals = 0

    def forward(self, x):
        if self.decimals:
            self.grad_name = "RoundBackward1"  # round(decimals=)
        return xp.round(x, self.decimals)


# erf(x) / x as a polynomial in x^2 for |x| < 1 (relative error < 1e-12), and exp(x^2) erfc(x) as a polynomial in
# x - 2.5 for 1 <= x <= 4 (relative error < 6e-9, so erf's absolute error < 1e-9): weighted least-squares fits to
# high-precision values at Chebyshev nodes. Evaluated in float64, both round to the nearest float32 but for
# values within ~1e-9 (relative) of a rounding boundary. Beyond 4, float32's erf is 1.
_ERF_SMALL = (1.1283791670945775, -0.37612638888298594, 0.11283791280740778, -0.02686613103082192,
              0.0052237749086354816, -0.0008542456893070436, 0.00011954439387132048, -1.3896364599749914e-05,
              1.0557136060738858e-06)
_ERFCX_MID = (0.21080636368876926, -0.07434733824804184, 0.024938007361907606, -0.008001680091931583,
              0.0024669976470818923, -0.0007331880420593331, 0.00021105115033348716, -5.948695689217057e-05,
              1.5997198085015028e-05, -3.763555624887561e-06, 1.0234594616820977e-06, -4.238176950873043e-07,
              9.593363946356311e-08)


def _horner(coefs, v):
    acc = coefs[-1] * v
    for c in coefs[-2:0:-1]:
        acc += c
        acc *= v
    acc += coefs[0]
    return acc


def erf_array(x):
    """The error function on an array, to ~0.5 ulp in float32 (two polynomial fits evaluated in float64) and
    in full double precision for float64 (series and continued fraction). NumPy has no erf; ember has no SciPy.
    """
    if x.dtype == xp.float64:
        return _erf_f64(x)
    x64 = x.astype(xp.float64)
    z = xp.abs(x64)
    small = z < 1
    # the two branches on every element, each on its own range clipped (no overflow, NaN passes through)
    out = _horner(_ERF_SMALL, xp.minimum(z * z, 1.0))
    out *= x64
    c = xp.clip(z, 1.0, 4.0)
    tail = _horner(_ERFCX_MID, c - 2.5)
    tail *= xp.exp(-(c * c))
    tail = xp.copysign(1.0 - tail, x64)
    return xp.where(small, out, tail).astype(x.dtype, copy=False)


def _erf_f64(x):
    # within about half an ulp, so that 1 + erf (GELU, ndtr) keeps PyTorch's digits in the left tail
    return _sf.erf(x)


class Erf(Op):
    family = "elementwise"

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return erf_array(x)

    def backward(self, g):
        (x,) = self.saved
        return (g * (2.0 / math.sqrt(math.pi)) * xp.exp(-x * x),)

    def backward_graph(self, g):
        x = self._inputs[0]
        return (g * (2.0 / math.sqrt(math.pi)) * (-(x * x)).exp(),)


# ------------------------------------------------------------------------------------------ memory formats
# PyTorch's memory formats by name: "contiguous" (row-major), "channels_last" / "channels_last_3d" (an NCHW /
# NCDHW array whose memory is NHWC / NDHWC) and "preserve" (a copy keeps its input's layout). Strides are in
# elements. NumPy chooses the strides of the arrays it makes, so other layouts are strided views of a flat buffer.

# rank, and the dimensions from innermost to outermost in memory
_CHANNELS_LAST = {"channels_last": (4, (1, 3, 2, 0)), "channels_last_3d": (5, (1, 4, 3, 2, 0))}


def check_format_rank(ndim, memory_format):
    """Raise PyTorch's error when a channels-last format meets an array of another rank."""
    spec = _CHANNELS_LAST.get(memory_format)
    if spec is not None and ndim != spec[0]:
        raise RuntimeError(f"required rank {spec[0]} tensor to use {memory_format} format")


def format_strides(shape, memory_format):
    """The strides of a new tensor of ``shape`` in ``memory_format`` ("contiguous" or a channels-last one)."""
    check_format_rank(len(shape), memory_format)
    spec = _CHANNELS_LAST.get(memory_format)
    strides = [0] * len(shape)
    acc = 1
    if spec is None:
        for d in range(len(shape) - 1, -1, -1):
            strides[d] = acc
            acc *= max(shape[d], 1)  # a zero-size dimension does not zero the outer strides (PyTorch's rule)
    else:
        for d in spec[1]:
            strides[d] = acc
            acc *= shape[d]  # ... but does in the channels-last formats
    return tuple(strides)


def is_contiguous_as(shape, strides, memory_format):
    """Whether ``strides`` lay ``shape`` out densely in ``memory_format`` (size-1 dimensions may have any
    stride); False for a channels-last format of another rank."""
    spec = _CHANNELS_LAST.get(memory_format)
    if spec is None:
        order = range(len(shape) - 1, -1, -1)
    elif len(shape) != spec[0]:
        return False
    else:
        order = spec[1]
    expect = 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != expect:
                return False
            expect *= shape[d]
    return True


def suggest_format(shape, strides):
    """The memory format whose order the strides follow (PyTorch's ``suggest_memory_format``): channels-last
    when every dimension lies outside the previous one in its order, "contiguous" otherwise and when ambiguous."""
    spec = _CHANNELS_LAST.get({4: "channels_last", 5: "channels_last_3d"}.get(len(shape)))
    if spec is None or strides[1] == 0:
        return "contiguous"
    low = 0
    for d in spec[1]:
        if shape[d] == 0 or strides[d] < low:
            return "contiguous"
        if d == 0 and low == strides[1]:  # N111-like: as good as row-major, which wins the tie
            return "contiguous"
        low = strides[d] * shape[d] if shape[d] > 1 else strides[d]
    return "channels_last" if len(shape) == 4 else "channels_last_3d"


def preserved_strides(shape, strides):
    """The strides of a copy under ``preserve_format``: the input's own when they are dense and non-overlapping
    (as an empty array's always are), else dense strides in the input's dimension order."""
    n = len(shape)
    if 0 in shape:
        return tuple(strides)
    expect = 1
    for d in sorted((d for d in range(n) if shape[d] > 1), key=lambda d: strides[d]):
        if strides[d] != expect:
            break
        expect *= shape[d]
    else:
        return tuple(strides)
    # Order the dimensions innermost first, starting from row-major order, by an insertion sort in which a zero
    # stride orders against nothing (the search steps over it) and equal strides put the longer dimension outside.
    def outside(a, b):
        sa, sb = abs(strides[a]), abs(strides[b])
        if sa == 0 or sb == 0:
            return 0
        return 1 if sa > sb or (sa == sb and shape[a] > shape[b]) else -1 if sa < sb else 0

    order = list(range(n - 1, -1, -1))
    for i in range(1, n):
        cur = i
        for j in range(i - 1, -1, -1):
            c = outside(order[j], order[cur])
            if c > 0:
                order[j], order[cur] = order[cur], order[j]
                cur = j
            elif c < 0:
                break
    out = [0] * n
    acc = 1
    for d in order:
        out[d] = acc
        acc *= max(shape[d], 1)
    return tuple(out)


def empty_strided(shape, strides, dtype):
    """An uninitialised array with these (dense) element strides: a strided view of a fresh flat buffer."""
    buf = xp.empty(math.prod(shape), dtype)
    return xp.lib.stride_tricks.as_strided(buf, shape, tuple(s * buf.itemsize for s in strides))


def _element_strides(a):
    item = a.itemsize
    return tuple(s // item for s in a.strides)


def empty_format(shape, dtype, memory_format):
    """An uninitialised array of ``shape`` laid out in ``memory_format`` ("contiguous" or a channels-last one)."""
    spec = _CHANNELS_LAST.get(memory_format)
    if spec is not None:
        check_format_rank(len(shape), memory_format)
    if 0 in shape:  # NumPy zeroes every stride of an empty array; PyTorch does not
        return empty_strided(shape, format_strides(shape, memory_format), dtype)
    if spec is None:
        return xp.empty(shape, dtype)
    physical = spec[1][::-1]  # outermost first: N, H, W, C (N, D, H, W, C)
    return xp.empty([shape[d] for d in physical], dtype).transpose(xp.argsort(physical))


def empty_as(a, dtype=None, memory_format="preserve"):
    """An uninitialised array shaped as ``a``, laid out as PyTorch lays out ``empty_like(a, memory_format=...)``."""
    dtype = a.dtype if dtype is None else dtype
    if memory_format != "preserve":
        return empty_format(a.shape, dtype, memory_format)
    out = xp.empty_like(a, dtype=dtype)  # NumPy's "K" order: the input's strides when it is dense, usually
    strides = _element_strides(a)
    if _element_strides(out) == strides:
        return out
    want = preserved_strides(a.shape, strides)
    return out if _element_strides(out) == want else empty_strided(a.shape, want, dtype)


def copy_as(a, memory_format="preserve", dtype=None):
    """A copy of ``a`` (cast to ``dtype``) in ``memory_format``'s layout."""
    if memory_format == "preserve" and a.flags.c_contiguous and 0 not in a.shape and 1 not in a.shape:
        return a.copy() if dtype is None else a.astype(dtype)
    out = empty_as(a, dtype, memory_format)
    xp.copyto(out, a, casting="unsafe")
    return out


class Cast(Op):
    """``to(dtype)`` (and ``to(memory_format=...)``): its gradient is cast back to the input dtype by the engine."""

    family = "elementwise"
    complex_grad = True  # moves values: right for complex as is
    grad_name = "ToCopyBackward0"
    memory_format = "preserve"

    def forward(self, x):
        dt = self.dtype
        if dt is not None and dt.kind == "V":  # (a float8 target: PyTorch's conversion, see float8_source)
            x = _dtype.float8_source(x, dt)
        return copy_as(x, self.memory_format, dt)

    def backward(self, g):
        return (g,)

    backward_graph = backward


class Clone(Op):
    family = "elementwise"
    complex_grad = True  # moves values: right for complex as is
    memory_format = "preserve"

    def forward(self, x):
        return copy_as(x, self.memory_format)

    def backward(self, g):
        return (g,)

    backward_graph = backward


# ------------------------------------------------------------------------------- inverse hyperbolic functions


class Asinh(Op):
    family = "elementwise"
    holomorphic = True
    _fn = staticmethod(xp.arcsinh)
    _shift = 1  # the derivative is 1 / sqrt(x^2 + shift)

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return self._fn(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / xp.sqrt(x * x + self._shift),)

    def backward_graph(self, g):
        x = self._inputs[0]
        return (g * (x * x + self._shift).rsqrt(),)


class Acosh(Asinh):
    family = "elementwise"
    _fn = staticmethod(xp.arccosh)
    _shift = -1

    def backward(self, g):
        (x,) = self.saved
        if x.dtype.kind == "c":  # 1 / sqrt(z^2 - 1) takes the wrong branch off the real axis
            return (g / (xp.sqrt(x - 1) * xp.sqrt(x + 1)),)
        return (g / xp.sqrt(x * x - 1),)

    def backward_graph(self, g):
        x = self._inputs[0]
        if x.is_complex():
            return (g * (x - 1).rsqrt() * (x + 1).rsqrt(),)
        return (g * (x * x - 1).rsqrt(),)


class Atanh(Op):
    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.arctanh(x)

    def backward(self, g):
        (x,) = self.saved
        return (g / (1 - x * x),)

    def backward_graph(self, g):
        x = self._inputs[0]
        return (g / (1 - x * x),)


class Sinc(Op):
    """sin(pi x) / (pi x), 1 at 0; evaluated in the input's dtype (so sinc(1) is PyTorch's -2.78e-8 in float32)."""

    family = "elementwise"
    holomorphic = True

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        pix = x * x.dtype.type(math.pi)
        zero = x == 0
        with xp.errstate(invalid="ignore", divide="ignore"):
            out = xp.sin(pix) / xp.where(zero, 1, pix)
        return xp.where(zero, x.dtype.type(1), out)

    def backward(self, g):
        (x,) = self.saved
        pix = x * x.dtype.type(math.pi)
        zero = x == 0
        with xp.errstate(invalid="ignore", divide="ignore"):
            d = (pix * xp.cos(pix) - xp.sin(pix)) / xp.where(zero, 1, pix * x)
        return (g * xp.where(zero, x.dtype.type(0), d),)

    def backward_graph(self, g):
        x = self._inputs[0]
        zero = x == 0
        safe = Where.apply(zero, wrap(xp.ones((), dtype=x._data.dtype)), x)
        pix = safe * math.pi
        d = (pix * pix.cos() - pix.sin()) / (pix * safe)
        return (g * Where.apply(zero, wrap(xp.zeros((), dtype=x._data.dtype)), d),)


# ------------------------------------------------------------------------------------------ special functions
# The kernels (ember/_ops/_specfun.py) compute in float64; results are cast back to the input dtype.


def _in_dtype(values, like):
    return values.astype(like.dtype, copy=False)


class Erfc(Op):
    family = "elementwise"

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return _in_dtype(_sf.erfc(x), x)

    def backward(self, g):
        (x,) = self.saved
        return (g * (-2.0 / math.sqrt(math.pi)) * xp.exp(-x * x),)

    def backward_graph(self, g):
        x = self._inputs[0]
        return (g * (-2.0 / math.sqrt(math.pi)) * (-(x * x)).exp(),)


class Erfinv(Op):
    family = "elementwise"

    def forward(self, x):
        out = _in_dtype(_sf.erfinv(x), x)
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * (0.5 * math.sqrt(math.pi)) * xp.exp(out * out),)

    def backward_graph(self, g):
        y = Erfinv.apply(self._inputs[0])
        return (g * (0.5 * math.sqrt(math.pi)) * (y * y).exp(),)


class Erfcx(Op):
    """``special.erfcx``: exp(x^2) erfc(x)."""

    family = "elementwise"
    grad_name = "SpecialErfcxBackward0"

    def forward(self, x):
        out = _in_dtype(_sf.erfcx(x), x)
        if self.requires_grad:
            self.save(x, out)
        return out

    def backward(self, g):
        x, out = self.saved
        return (g * (2 * x * out - 2.0 / math.sqrt(math.pi)),)

    def backward_graph(self, g):
        x = self._inputs[0]
        return (g * (2 * x * Erfcx.apply(x) - 2.0 / math.sqrt(math.pi)),)


class _Kernel(Op):
    """A unary op computed by the float64 kernel ``value(x)`` and differentiated by the kernel ``slope(x)``;
    ``slope_op(x)`` is the op of the derivative, for differentiable (``create_graph=True``) backwards."""

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return _in_dtype(self.value(x), x)

    def backward(self, g):
        (x,) = self.saved
        return (g * _in_dtype(self.slope(x), x),)

    def backward_graph(self, g):
        return (g * self.slope_op(self._inputs[0]),)


class Lgamma(_Kernel):
    family = "elementwise"
    value, slope = staticmethod(_sf.lgamma), staticmethod(_sf.digamma)

    def slope_op(self, x):
        return Digamma.apply(x)


class Digamma(_Kernel):
    family = "elementwise"
    value, slope = staticmethod(_sf.digamma), staticmethod(_sf.trigamma)

    def slope_op(self, x):
        return Polygamma.apply(x, n=1)


class Polygamma(_Kernel):
    """The ``n``-th derivative of digamma (``n`` a non-negative int attribute)."""

    family = "elementwise"
    n = 1

    def value(self, x):
        return _sf.polygamma(self.n, x)

    def slope(self, x):
        return _sf.polygamma(self.n + 1, x)

    def slope_op(self, x):
        return Polygamma.apply(x, n=self.n + 1)


class I0(_Kernel):
    family = "elementwise"
    value, slope = staticmethod(_sf.i0), staticmethod(_sf.i1)

    def slope_op(self, x):
        return I1.apply(x)


class I0e(Op):
    """``special.i0e``: exp(-|x|) I0(x)."""

    family = "elementwise"
    grad_name = "SpecialI0EBackward0"

    def forward(self, x):
        out = _in_dtype(_sf.i0e(x), x)
        if self.requires_grad:
            self.save(x, out)
        return out

    def backward(self, g):
        x, out = self.saved
        return (g * (_in_dtype(_sf.i1e(x), x) - xp.sign(x) * out),)

    def backward_graph(self, g):
        x = self._inputs[0]
        return (g * (I1e.apply(x) - x.sign() * I0e.apply(x)),)


def _i1_slope(x, i0_like, i1_like, shift):
    """d/dx of I1 (shift 0) or of exp(-|x|) I1 (shift sign(x)): i0 - i1 (shift + 1/x), 1/2 at x = 0."""
    zero = x == 0
    safe = xp.where(zero, 1, x)
    d = i0_like - i1_like * (shift + 1 / safe)
    return xp.where(zero, x.dtype.type(0.5), d).astype(x.dtype, copy=False)


class I1(Op):
    """``special.i1``: the modified Bessel function of the first kind, order 1."""

    family = "elementwise"
    grad_name = "SpecialI1Backward0"

    def forward(self, x):
        out = _in_dtype(_sf.i1(x), x)
        if self.requires_grad:
            self.save(x, out)
        return out

    def backward(self, g):
        x, out = self.saved
        return (g * _i1_slope(x, _in_dtype(_sf.i0(x), x), out, 0),)

    def backward_graph(self, g):
        x = self._inputs[0]
        zero = x == 0
        safe = Where.apply(zero, wrap(xp.ones((), dtype=x._data.dtype)), x)
        d = I0.apply(x) - I1.apply(safe) / safe
        return (g * Where.apply(zero, wrap(xp.full((), 0.5, dtype=x._data.dtype)), d),)


class I1e(Op):
    """``special.i1e``: exp(-|x|) I1(x)."""

    family = "elementwise"
    grad_name = "SpecialI1EBackward0"

    def forward(self, x):
        out = _in_dtype(_sf.i1e(x), x)
        if self.requires_grad:
            self.save(x, out)
        return out

    def backward(self, g):
        x, out = self.saved
        return (g * _i1_slope(x, _in_dtype(_sf.i0e(x), x), out, xp.sign(x)),)

    def backward_graph(self, g):
        x = self._inputs[0]
        zero = x == 0
        safe = Where.apply(zero, wrap(xp.ones((), dtype=x._data.dtype)), x)
        d = I0e.apply(x) - I1e.apply(safe) * (x.sign() + 1 / safe)
        return (g * Where.apply(zero, wrap(xp.full((), 0.5, dtype=x._data.dtype)), d),)


class Ndtri(Op):
    """``special.ndtri``: the inverse of the standard normal CDF."""

    family = "elementwise"
    grad_name = "SpecialNdtriBackward0"

    def forward(self, p):
        out = _in_dtype(_sf.ndtri(p), p)
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * math.sqrt(2 * math.pi) * xp.exp(0.5 * out * out),)

    def backward_graph(self, g):
        y = Ndtri.apply(self._inputs[0])
        return (g * math.sqrt(2 * math.pi) * (0.5 * y * y).exp(),)


class LogNdtr(Op):
    """``special.log_ndtr``: log of the standard normal CDF."""

    family = "elementwise"
    grad_name = "SpecialLogNdtrBackward0"

    def forward(self, x):
        out = _in_dtype(_sf.log_ndtr(x), x)
        if self.requires_grad:
            self.save(x, out)
        return out

    def backward(self, g):
        x, out = self.saved
        # pdf / cdf, as exp(log pdf - log cdf) so that neither underflows in the left tail
        return (g * xp.exp(-0.5 * x * x - out - 0.5 * math.log(2 * math.pi)),)

    def backward_graph(self, g):
        x = self._inputs[0]
        return (g * (-0.5 * x * x - LogNdtr.apply(x) - 0.5 * math.log(2 * math.pi)).exp(),)


class Entr(Op):
    """``special.entr``: -x log x for x > 0, 0 at 0, -inf below."""

    family = "elementwise"
    grad_name = "SpecialEntrBackward0"

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        with xp.errstate(divide="ignore", invalid="ignore"):
            out = -x * xp.log(xp.where(x > 0, x, 1))
        out = xp.where(x < 0, x.dtype.type(-xp.inf), xp.where(x == 0, x.dtype.type(0), out))  # +0 at 0, not -0
        return xp.where(xp.isnan(x), x, out)

    def backward(self, g):
        (x,) = self.saved
        with xp.errstate(divide="ignore", invalid="ignore"):
            return (g * -(1 + xp.log(x)),)

    def backward_graph(self, g):
        return (g * -(1 + self._inputs[0].log()),)


class Zeta(Op):
    """``special.zeta(x, q)``: the Hurwitz zeta function; differentiable in ``q`` only, as PyTorch."""

    family = "elementwise"
    grad_name = "SpecialZetaBackward0"

    def forward(self, s, q):
        if self.requires_grad:
            self.save(s, q)
        return _sf.zeta(s, q).astype(xp.result_type(s, q), copy=False)

    def _check_s(self):
        # Only an error when this run of the engine actually wants the gradient of s (autograd.grad(out, q)
        # works while s requires grad, as in PyTorch).
        from ember.autograd.engine import _TASKS

        if self.needs_input_grad[0] and (not _TASKS or _TASKS[-1].will_run(self.next_functions[0][0])):
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")

    def backward(self, g):
        self._check_s()
        s, q = self.saved
        return (None, g * -s * _sf.zeta(s + 1, q).astype(g.dtype, copy=False))

    def backward_graph(self, g):
        self._check_s()
        s, q = self._inputs
        return (None, g * -s * Zeta.apply(s + 1, q))


class Heaviside(Op):
    """``heaviside(x, values)``: 0 below zero, ``values`` at zero, 1 above. PyTorch has no derivative for it:
    the node exists but backward raises."""

    family = "elementwise"
    grad_name = "NotImplemented"

    def forward(self, x, values):
        one = xp.ones((), dtype=x.dtype)
        return xp.where(x == 0, values, (x > 0).astype(x.dtype) * one).astype(x.dtype, copy=False)

    def backward(self, g):
        raise RuntimeError("derivative for aten::heaviside is not implemented")

    backward_graph = backward


class Nextafter(Op):
    """The next representable value after ``input`` towards ``other``; PyTorch passes the gradient straight
    through to ``input`` (none to ``other``)."""

    family = "elementwise"

    def forward(self, a, b):
        out = xp.nextafter(a, b)
        if a.dtype == xp.float16:
            # NumPy's half loop returns ``a`` where a == b (0.0 towards -0.0); PyTorch returns ``b``, as C does
            out = xp.where(a == b, b, out)
        return out

    def backward(self, g):
        n = self.needs_input_grad
        return (g if n[0] else None, xp.zeros_like(g) if n[1] else None)

    def backward_graph(self, g):
        n = self.needs_input_grad
        return (g if n[0] else None, g * 0 if n[1] else None)


class Frexp(Op):
    """``frexp``: (mantissa, int32 exponent) with input = mantissa * 2**exponent; differentiable in the
    mantissa output (gradient ``g / 2**exponent``)."""

    family = "elementwise"

    def forward(self, x):
        mant, expo = xp.frexp(x)
        if self.requires_grad:
            self.save(expo)
        return mant, expo.astype(xp.int32, copy=False)

    def backward(self, g, g_exp=None):
        (expo,) = self.saved
        return (xp.ldexp(g, -expo).astype(g.dtype, copy=False),)

    def backward_graph(self, g, g_exp=None):
        (expo,) = self.saved
        return (g * wrap(xp.ldexp(xp.ones((), dtype=g._data.dtype), -expo)),)


class Igamma(Op):
    """The regularized lower incomplete gamma function ``P(a, x)`` (``upper``: ``Q(a, x) = 1 - P``), computed in
    float64. As in PyTorch only ``x`` (the second input) has a derivative; asking for ``a``'s raises."""

    family = "elementwise"
    upper = False

    def forward(self, a, x):
        if self.requires_grad:
            self.save(a, x)
        return _sf.gammainc(a, x, self.upper).astype(xp.result_type(a, x), copy=False)

    def _check_a(self):
        from ember.autograd.engine import _TASKS

        if self.needs_input_grad[0] and (not _TASKS or _TASKS[-1].will_run(self.next_functions[0][0])):
            raise NotImplementedError(f"the derivative for '{'igammac' if self.upper else 'igamma'}: input' is not "
                                      "implemented.")

    def backward(self, g):
        self._check_a()
        a, x = self.saved
        d = _sf.gammainc_dx(a, x).astype(g.dtype, copy=False)
        return None, -(g * d) if self.upper else g * d

    def backward_graph(self, g):
        self._check_a()
        a, x = self._inputs
        a = a.detach()
        d = ((a - 1) * x.log() - x - a.lgamma()).exp()
        return None, -(g * d) if self.upper else g * d


class Angle(Op):
    """The argument of a real number: ``pi`` below zero, 0 otherwise (NaN stays NaN); its derivative is 0."""

    family = "elementwise"

    def forward(self, x):
        out = xp.where(x < 0, x.dtype.type(math.pi), x.dtype.type(0))
        return xp.where(xp.isnan(x), x, out)

    def backward(self, g):
        return (xp.zeros_like(g),)

    def backward_graph(self, g):
        return (g * 0,)


class Fill(Op):
    """``torch.fill``: a tensor of ``input``'s shape and dtype holding ``value`` (a Python number param, or a 0-d
    tensor as the second input, which then receives the sum of the gradient). ``input`` gets a zero gradient."""

    family = "elementwise"
    value = 0
    complex_grad = True  # moves values: right for complex as is

    def forward(self, x, v=None):
        if v is None:
            return xp.full(x.shape, self.value, dtype=x.dtype)
        return xp.broadcast_to(v.astype(x.dtype, copy=False), x.shape).copy()

    def backward(self, g):
        n = self.needs_input_grad
        gx = xp.zeros_like(g) if n[0] else None
        if len(n) == 1:
            return (gx,)
        return gx, xp.asarray(g.sum()) if n[1] else None

    def backward_graph(self, g):
        n = self.needs_input_grad
        gx = g * 0 if n[0] else None
        if len(n) == 1:
            return (gx,)
        return gx, g.sum() if n[1] else None


class Constant(Op):
    """A result computed outside autograd (a random sample, a detached copy) that PyTorch still links to its
    inputs: their gradient is zero, or, with ``error`` set, asking for it raises PyTorch's "derivative for
    aten::<error> is not implemented" (the node is then named ``NotImplemented``)."""

    family = "elementwise"
    error = None

    def forward(self, *arrays):
        return self.result

    def backward(self, *grads):
        if self.error:
            raise RuntimeError(f"derivative for aten::{self.error} is not implemented")
        return tuple(xp.zeros(shape, dtype) if need else None
                     for (shape, dtype), need in zip(self._in_meta, self.needs_input_grad))

    def backward_graph(self, *grads):
        return tuple(wrap(a) if a is not None else None for a in self.backward(grads[0]._data))


class Ldexp(Op):
    """``x * 2 ** n`` for an integer tensor ``n``, exactly in x's float dtype (bfloat16 through float64)."""

    family = "elementwise"
    grad_name = "LdexpBackward0"

    def forward(self, x, n):
        n = n.astype(xp.int32)
        if self.requires_grad:
            self.save(n)
        if x.dtype.kind == "V":  # bfloat16: exact in float64, one rounding on the way back
            return xp.ldexp(x.astype(xp.float64), n).astype(x.dtype)
        return xp.ldexp(x, n)

    def backward(self, g):
        (n,) = self.saved
        return (self.forward(g, n) if self.needs_input_grad[0] else None, None)
