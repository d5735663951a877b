"""Array kernels for special functions: erfc/erfcx, erfinv, lgamma, digamma, trigamma, Hurwitz zeta, the
incomplete gamma function, the Bessel functions I0/I1 (plain and exponentially scaled), J0/J1, Y0/Y1 and K0/K1,
the Airy function Ai, and the classical orthogonal polynomials.

NumPy has none of these and ember may not use SciPy. The kernels return float64 arrays (callers cast back to the
input dtype), except the polynomials, which compute in their input's dtype as PyTorch does. All are vectorised:
loops run over series terms, quadrature nodes or recurrence steps, never over elements.
"""

import math

from ember._backend import xp

_SQRT_PI = math.sqrt(math.pi)
_EULER = 0.5772156649015329
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)

# zeta(k) - 1 for k = 2, 3, ...: coefficients of the Taylor series of lgamma / digamma around 2.
_ZETA_M1 = (
    0.6449340668482264, 0.2020569031595943, 0.08232323371113819, 0.03692775514336993, 0.01734306198444914,
    0.008349277381922827, 0.00407735619794434, 0.0020083928260822143, 0.0009945751278180853,
    0.0004941886041194645, 0.0002460865533080483, 0.00012271334757848915, 6.124813505870483e-05,
    3.058823630702049e-05, 1.528225940865187e-05, 7.637197637899763e-06, 3.81729326499984e-06,
    1.908212716553939e-06, 9.539620338727962e-07, 4.769329867878064e-07, 2.38450502727733e-07,
    1.1921992596531106e-07, 5.960818905125948e-08, 2.980350351465228e-08, 1.4901554828365043e-08,
    7.45071178983543e-09, 3.725334024788457e-09,
)
# Bernoulli numbers B2, B4, ..., B24 (Stirling / asymptotic / Euler-Maclaurin corrections).
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330,
        854513 / 138, -236364091 / 2730)


def _f64(x):
    return xp.asarray(x, dtype=xp.float64)


def _masked(fn, x, mask, out):
    """``out[mask] = fn(x[mask])``, skipping the call when nothing is selected."""
    if mask.any():
        out[mask] = fn(x[mask])


# ------------------------------------------------------------------------------------------- error function


def erf_taylor(z):
    """erf(z) by its Taylor series: full relative accuracy for |z| < 1.5."""
    z2 = z * z
    term = z.copy()
    total = z.copy()
    for n in range(1, 32):
        term = term * (-z2) / n
        total = total + term / (2 * n + 1)
    return total * (2.0 / _SQRT_PI)


def _exp_sq(z, sign):
    """exp(sign * z^2) without the rounding error of z * z (which, times z^2 ~ 700, would cost 13 digits'
    worth of relative accuracy): split z into a 26-bit head, whose square is exact, and a tail."""
    e = xp.frexp(z)[1]
    head = xp.ldexp(xp.round(xp.ldexp(z, 26 - e)), e - 26)
    rest = xp.where(xp.isfinite(z), (z - head) * (z + head), 0.0)  # z^2 - head^2
    return xp.exp(sign * head * head) * xp.exp(sign * rest)


def _erfcx_cf(z):
    """exp(z^2) erfc(z) by Lentz-style continued fraction, for z >= 1.5 (100 terms reach double precision)."""
    frac = z.copy()
    for k in range(100, 0, -1):
        frac = z + (k / 2.0) / frac
    return 1.0 / (_SQRT_PI * frac)


# erfc(c) and erfc'(c) = -2/sqrt(pi) exp(-c^2) (negated) at c = 17/32, 19/32, ..., 47/32: the centres of Taylor
# expansions covering [0.5, 1.5), where 1 - erf(z) would cancel up to 5 bits away.
_ERFC_C = (0.45247155460045535, 0.4010826134056492, 0.35336729199329187, 0.3094075312996732, 0.26922270758915273,
           0.23277433876765838, 0.19997210583576702, 0.17068084940668488, 0.14472818955708297, 0.12191242484819,
           0.10201039079298221, 0.08478499612826775, 0.06999220321388051, 0.05738727275572159,
           0.04673014897197699, 0.03778991580050882)
_ERFC_D = (0.8509139048933372, 0.7931389715344576, 0.7335336365391644, 0.673128302498506, 0.6128902939630436,
           0.553700238250772, 0.4963336857804945, 0.44144831841852694, 0.3895767736555282, 0.3411248209397411,
           0.29637438049741344, 0.2554906857827891, 0.21853276425487758, 0.18546634817174812, 0.1561783235545816,
           0.13049187367280632)
# 2/sqrt(pi) as a head and tail, and the Taylor coefficients of erf(z)/z - 2/sqrt(pi) in z^2.
_TWO_RSQRT_PI = (1.1283791670955126, 1.533545961316588e-17)
_ERF_TAYLOR = tuple((-1) ** n * _TWO_RSQRT_PI[0] / (math.factorial(n) * (2 * n + 1)) for n in range(1, 24))


def _erfc_mid(z):
    """erfc(z) for 0.5 <= z < 1.5: Taylor series about the nearest centre (2k + 1) / 32, whose derivatives are
    Hermite polynomials: erfc^(n)(c) = (-1)^n 2/sqrt(pi) H_{n-1}(c) exp(-c^2)."""
    k = xp.clip(xp.floor((z - 0.5) * 16.0), 0, 15).astype(xp.intp)
    c = (2 * k + 17) / 32.0
    h = z - c  # exact, |h| <= 1/32
    q = -h  # (-h)^n / n!
    h_prev, h_cur = xp.ones_like(c), 2.0 * c  # H_0, H_1
    total = q.copy()
    for n in range(2, 17):
        q = q * (-h) / n
        total = total + h_cur * q
        h_prev, h_cur = h_cur, 2.0 * c * h_cur - 2.0 * (n - 1) * h_prev
    return xp.asarray(_ERFC_C)[k] + xp.asarray(_ERFC_D)[k] * total


def _erf_small(z):
    """erf(z) for |z| < 1, within about half an ulp: the leading term z * 2/sqrt(pi) is formed exactly
    (Veltkamp/Dekker product) so only the final addition rounds."""
    z2 = z * z
    tail = _ERF_TAYLOR[-1]
    for c in _ERF_TAYLOR[-2::-1]:
        tail = tail * z2 + c
    a = _TWO_RSQRT_PI[0]
    p = z * a
    zs = z * 134217729.0
    zh = zs - (zs - z)
    zl = z - zh
    a_s = a * 134217729.0
    ah = a_s - (a_s - a)
    al = a - ah
    err = ((zh * ah - p) + zh * al + zl * ah) + zl * al  # z * a - p, exactly
    return p + (err + z * _TWO_RSQRT_PI[1] + z * z2 * tail)


def erf(x):
    """The error function in float64 to within about half an ulp (so it rounds as PyTorch's almost always)."""
    x = _f64(x)
    z = xp.abs(x)
    out = xp.empty_like(z)
    small = z < 1.0
    _masked(_erf_small, z, small, out)
    # 1 - erfc: erfc < 0.16 here, so its few-ulp error is well under half an ulp of the result
    _masked(lambda v: 1.0 - erfc(v), z, ~small, out)
    return xp.where(xp.isnan(x), x, xp.copysign(out, x))


def erfcx_pos(z):
    """exp(z^2) erfc(z) for z >= 0 (no overflow for large z)."""
    z = _f64(z)
    out = xp.empty_like(z)
    small = z < 1.5
    _masked(lambda v: _exp_sq(v, 1.0) * erfc(v), z, small, out)
    _masked(_erfcx_cf, z, ~small, out)
    return out


def erfc(x):
    """The complementary error function with full relative accuracy in both tails."""
    x = _f64(x)
    z = xp.abs(x)
    out = xp.empty_like(z)
    small = z < 0.5
    _masked(lambda v: 1.0 - _erf_small(v), z, small, out)
    _masked(_erfc_mid, z, (z >= 0.5) & (z < 1.5), out)
    small = z < 1.5
    with xp.errstate(under="ignore", over="ignore", invalid="ignore"):
        _masked(lambda v: _exp_sq(v, -1.0) * _erfcx_cf(v), z, ~small & (z < 27.5), out)
    out = xp.where(z >= 27.5, 0.0, out)  # below the smallest subnormal (and exp(-z^2) would be 0 * inf there)
    out = xp.where(x < 0, 2.0 - out, out)
    return xp.where(xp.isnan(x), x, out)


def erfcx(x):
    """exp(x^2) erfc(x); for negative x, 2 exp(x^2) - erfcx(-x)."""
    x = _f64(x)
    with xp.errstate(over="ignore", invalid="ignore"):
        pos = erfcx_pos(xp.abs(x))
        pos = xp.where(xp.isposinf(x), 0.0, pos)
        # exp(x^2) overflows from |x| = 26.7 on; beyond that _exp_sq's inf * 0 would be NaN
        neg = xp.where(x < -27.0, xp.inf, 2.0 * _exp_sq(x, 1.0) - pos)
        return xp.where(x < 0, neg, pos)


def _erfinv_abs(a, q):
    """y >= 0 with erf(y) = a, given a in [0, 1] and q = 1 - a computed without cancellation by the caller."""
    out = xp.full_like(a, xp.nan)
    with xp.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        ok = (a > 0) & (a <= 1) & (q > 0)
        # Winitzki's closed form (relative error < 2e-3) as the start; Halley steps on erf(y) - a then
        # converge cubically. Near a = 1 the residual is written with erfc so no digit is lost.
        ln = xp.log(q) + xp.log1p(a)  # log(1 - a^2)
        c = 2.0 / (math.pi * 0.147) + 0.5 * ln
        y = xp.sqrt(xp.sqrt(c * c - ln / 0.147) - c)
        small = ok & (a < 0.5)
        if small.any():
            ys, a_s = y[small], a[small]
            for _ in range(2):
                u = (erf_taylor(ys) - a_s) * (0.5 * _SQRT_PI) * xp.exp(ys * ys)  # (erf(y) - a) / erf'(y)
                ys = ys - u / (1.0 + ys * u)
            out[small] = ys
        large = ok & ~small
        if large.any():
            yl, logq = y[large], xp.log(q[large])
            for _ in range(3):  # the far tail starts further off
                u = (xp.exp(logq + yl * yl) - erfcx_pos(yl)) * (0.5 * _SQRT_PI)  # the same, via erfc
                yl = yl - u / (1.0 + yl * u)
            out[large] = yl
        out[a == 0] = 0.0
        out[(a == 1) & (q == 0)] = xp.inf
    return out


def erfinv(x):
    """Inverse error function on [-1, 1] (+-inf at +-1, NaN outside)."""
    x = _f64(x)
    a = xp.abs(x)
    y = _erfinv_abs(a, 1.0 - a)
    return xp.copysign(y, x)


def ndtri(p):
    """Inverse of the standard normal CDF: sqrt(2) * erfinv(2p - 1), accurate for tiny p and 1 - p."""
    p = _f64(p)
    lower = p < 0.5
    # erfinv(2p - 1) = -erfcinv(2p): pass 2p (exact) as q for the lower half, 2(1 - p) for the upper.
    q = xp.where(lower, 2.0 * p, 2.0 * (1.0 - p))
    y = _erfinv_abs(1.0 - q, q)
    y = xp.where((p < 0) | (p > 1) | xp.isnan(p), xp.nan, y)
    return math.sqrt(2.0) * xp.where(lower, -y, y)


def log_ndtr(x):
    """log of the standard normal CDF, accurate in both tails."""
    x = _f64(x)
    z = xp.abs(x) / math.sqrt(2.0)
    with xp.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        neg = xp.log(0.5 * erfcx_pos(z)) - z * z  # x < 0: log(erfc(|x|/sqrt2) / 2)
        pos = xp.log1p(-0.5 * erfc(z))
        out = xp.where(x < 0, neg, pos)
        return xp.where(xp.isneginf(x), -xp.inf, out)


# -------------------------------------------------------------------------------------------------- gamma


def _lgamma_series(z):
    """sum_{k>=2} (-1)^k (zeta(k) - 1) / k * z^k, by Horner (|z| <= 0.5: 27 terms reach double precision)."""
    acc = xp.zeros_like(z)
    for k in range(len(_ZETA_M1) + 1, 1, -1):
        acc = acc * z + (-1) ** k * _ZETA_M1[k - 2] / k
    return acc * z * z


def _lgamma_core(w):
    """lgamma on [0.5, 2.5) from the Taylor series of lgamma(2 + z) = z (1 - gamma) + sum c_k z^k."""
    upper = w >= 1.5
    z = xp.where(upper, w - 2.0, w - 1.0)
    base = z * (1.0 - _EULER) + _lgamma_series(z)  # lgamma(2 + z)
    return xp.where(upper, base, base - xp.log1p(z))  # lgamma(1 + z) = lgamma(2 + z) - log(1 + z)


def _lgamma_stirling(x):
    inv = 1.0 / x
    inv2 = inv * inv
    corr = xp.zeros_like(x)
    for k in range(8, 0, -1):
        corr = corr * inv2 + _B2K[k - 1] / (2 * k * (2 * k - 1))
    return (x - 0.5) * xp.log(x) - x + _HALF_LOG_2PI + corr * inv


def _lgamma_pos(x):
    """lgamma for x > 0."""
    out = xp.empty_like(x)
    tiny = x < 0.5
    # lgamma(x) = lgamma(1 + x) - log(x), with 1 + x in [1, 1.5)
    _masked(lambda v: _lgamma_core(v + 1.0) - xp.log(v), x, tiny, out)
    core = (x >= 0.5) & (x < 2.5)
    _masked(_lgamma_core, x, core, out)
    mid = (x >= 2.5) & (x < 10.0)

    def down(v):  # lgamma(v) = lgamma(w) + log(w (w+1) ... (v-1)), w = v - n in [1.5, 2.5)
        n = xp.floor(v - 1.5)
        w = v - n
        prod = xp.ones_like(v)
        for k in range(8):
            prod = prod * xp.where(k < n, w + k, 1.0)
        return _lgamma_core(w) + xp.log(prod)

    _masked(down, x, mid, out)
    with xp.errstate(over="ignore", invalid="ignore"):
        _masked(_lgamma_stirling, x, x >= 10.0, out)
    return out


def lgamma(x):
    """log|Gamma(x)|: +inf at the poles (0 and the negative integers), NaN for NaN."""
    x = _f64(x)
    out = xp.full_like(x, xp.inf)
    pos = x > 0
    _masked(_lgamma_pos, x, pos, out)

    def reflect(v):  # lgamma(v) = log(pi / |sin(pi v)|) - lgamma(1 - v)
        r = v - xp.round(v)  # exact; |sin(pi v)| = |sin(pi r)|
        with xp.errstate(divide="ignore"):
            return xp.log(math.pi / xp.abs(xp.sin(math.pi * r))) - _lgamma_pos(1.0 - v)

    neg = (x < 0) & (x != xp.floor(x)) & xp.isfinite(x)
    _masked(reflect, x, neg, out)
    out[xp.isposinf(x)] = xp.inf
    out[xp.isnan(x)] = xp.nan
    return out


_PSI_ASYM = tuple(_B2K[k - 1] / (2 * k) for k in range(1, 8))


def _shift_to_ten(x, term):
    """For x > 0: (the sum of term(v) over v = x, x + 1, ... below 10, the first of them >= 10), the recurrence
    that moves digamma and trigamma to where their asymptotic series converge."""
    acc = xp.zeros_like(x)
    v = x.copy()
    for _ in range(10):
        low = v < 10.0
        if not low.any():
            break
        acc = acc + xp.where(low, term(xp.where(low, v, 1.0)), 0.0)
        v = xp.where(low, v + 1.0, v)
    return acc, v


def _digamma_pos(x):
    """digamma for x > 0: recurrence up to x >= 10, then the asymptotic series."""
    acc, v = _shift_to_ten(x, lambda v: -1.0 / v)
    inv2 = 1.0 / (v * v)
    corr = xp.zeros_like(v)
    for c in reversed(_PSI_ASYM):
        corr = corr * inv2 + c
    return acc + xp.log(v) - 0.5 / v - corr * inv2


def digamma(x):
    """The logarithmic derivative of Gamma, with PyTorch's values at the poles (-inf at +0, +inf at -0, NaN at
    the negative integers and -inf)."""
    x = _f64(x)
    out = xp.empty_like(x)
    pos = x > 0
    with xp.errstate(over="ignore", invalid="ignore", divide="ignore"):
        _masked(_digamma_pos, x, pos & xp.isfinite(x), out)
        out[xp.isposinf(x)] = xp.inf
        zero = x == 0
        out[zero] = xp.copysign(xp.inf, -x[zero])

        def reflect(v):  # digamma(v) = digamma(1 - v) - pi / tan(pi frac(v))
            return _digamma_pos(1.0 - v) - math.pi / xp.tan(math.pi * (v - xp.trunc(v)))

        neg = x < 0
        out[neg] = xp.nan
        _masked(reflect, x, neg & (x != xp.trunc(x)) & xp.isfinite(x), out)
    out[xp.isnan(x)] = xp.nan
    return out


def _trigamma_pos(x):
    acc, v = _shift_to_ten(x, lambda v: 1.0 / (v * v))
    inv = 1.0 / v
    inv2 = inv * inv
    corr = xp.zeros_like(v)
    for k in range(7, 0, -1):
        corr = corr * inv2 + _B2K[k - 1]
    return acc + inv + 0.5 * inv2 + corr * inv2 * inv


def trigamma(x):
    """polygamma(1, x). Below 0.5 by reflection, pi^2 / sin^2(pi x) - trigamma(1 - x), with sin evaluated as
    PyTorch does (so the negative integers give huge finite values, as there)."""
    x = _f64(x)
    out = xp.empty_like(x)
    with xp.errstate(over="ignore", invalid="ignore", divide="ignore"):
        hi = x >= 0.5
        _masked(_trigamma_pos, x, hi, out)

        def reflect(v):
            s = xp.sin(math.pi * v)
            return math.pi ** 2 / (s * s) - _trigamma_pos(1.0 - v)

        _masked(reflect, x, (x < 0.5) & xp.isfinite(x), out)
        out[xp.isposinf(x)] = 0.0
        out[xp.isneginf(x) | xp.isnan(x)] = xp.nan
    return out


_ZETA_MIN_Q = -1e6  # below this (non-integer) q, the direct sum would take over a million steps: NaN instead


def zeta(s, q):
    """Hurwitz zeta sum_{k>=0} (q + k)^-s by direct summation up to q + N >= max(10, s + 5), then
    Euler-Maclaurin. PyTorch's special values: inf at s = 1 and at non-positive integer q, NaN for s < 1 and
    for negative q with non-integer s. (q < -1e6 gives NaN: see _ZETA_MIN_Q.)"""
    s, q = xp.broadcast_arrays(_f64(s), _f64(q))
    s = s.copy()
    q = q.copy()
    with xp.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        q_int = q == xp.floor(q)
        target = xp.maximum(10.0, s + 5.0)
        total = xp.zeros_like(q)
        a = q.copy()
        # direct sum, over the elements that still need it (the pole and out-of-domain cases need none)
        active = xp.flatnonzero(xp.isfinite(q) & xp.isfinite(s) & (q < target) & (q >= _ZETA_MIN_Q)
                                & ~((q <= 0) & q_int))
        a_act, s_act, t_act = a.reshape(-1)[active], s.reshape(-1)[active], target.reshape(-1)[active]
        acc = xp.zeros_like(a_act)
        # For large s the terms die off long before s + 5 (q + k)^-s (s = 1e30 would never get there): stop an
        # element once the rest of the sum, at most a^-s (1 + a / (s - 1)), is below its last bit, and drop
        # its Euler-Maclaurin tail (which needs a ~ s to converge).
        negligible = xp.zeros(q.shape, dtype=bool)
        while active.size:
            acc += xp.power(a_act, -s_act)
            a_act += 1.0
            rest = xp.power(a_act, -s_act) * (1.0 + a_act / (s_act - 1.0))
            small = (a_act > 0) & (rest <= 2.0 ** -60 * xp.abs(acc))
            done = (a_act >= t_act) | small
            if done.any():
                idx = active[done]
                total.reshape(-1)[idx] = acc[done]
                a.reshape(-1)[idx] = a_act[done]
                negligible.reshape(-1)[active[small]] = True
                keep = ~done
                active, a_act, s_act, t_act, acc = active[keep], a_act[keep], s_act[keep], t_act[keep], acc[keep]
        am = xp.power(a, -s)
        tail = a * am / (s - 1.0) + 0.5 * am
        fac = s.copy()  # s (s+1) ... (s + 2j - 2)
        t = am / a
        inv2 = 1.0 / (a * a)
        fact = 1.0
        for j in range(1, len(_B2K) + 1):
            fact *= (2 * j) * (2 * j - 1)
            tail = tail + _B2K[j - 1] / fact * fac * t
            fac = fac * (s + 2 * j - 1) * (s + 2 * j)
            t = t * inv2
        out = total + xp.where(negligible, 0.0, tail)
        # the special cases, later ones taking precedence (PyTorch's order: s = 1 first, so zeta(1, nan) = inf)
        out = xp.where(xp.isnan(s) | xp.isnan(q) | xp.isposinf(q), xp.nan, out)
        out = xp.where((q < _ZETA_MIN_Q) & ~q_int, xp.nan, out)
        # s = inf: sum (q + k)^-inf is 1 at q = 1 and inf once some |q + k| < 1; PyTorch's q > 1 gives NaN
        inf_s = xp.where(q == 1, 1.0, xp.where(q > 1, xp.nan, xp.inf))
        out = xp.where(xp.isposinf(s) & ~xp.isnan(q) & ~xp.isposinf(q), inf_s, out)
        out = xp.where((q < 0) & ~q_int & (s != xp.floor(s)), xp.nan, out)
        out = xp.where((q <= 0) & q_int, xp.inf, out)
        out = xp.where(s < 1, xp.nan, out)
        return xp.where(s == 1, xp.inf, out)


def polygamma(n, x):
    """The n-th derivative of digamma: (-1)^(n+1) n! zeta(n + 1, x) for n >= 2."""
    if n == 0:
        return digamma(x)
    if n == 1:
        return trigamma(x)
    with xp.errstate(over="ignore", invalid="ignore"):
        return ((-1.0) ** (n + 1) * math.factorial(n)) * zeta(float(n + 1), x)


# ------------------------------------------------------------------------------- modified Bessel I0 and I1

_BESSEL_SWITCH = 20.0  # power series below, asymptotic expansion above


def _bessel_series(z, order):
    """exp(-z) * I_order(z) for 0 <= z <= 20 by the power series sum (z/2)^(2k+order) / (k! (k+order)!)."""
    h = 0.5 * z
    q = h * h
    term = xp.ones_like(z) if order == 0 else h.copy()
    total = term.copy()
    for k in range(1, 70):
        term = term * q / (k * (k + order))
        total = total + term
    return total * xp.exp(-z)


def _bessel_asym(z, order):
    """exp(-z) * I_order(z) for z > 20: the large-argument expansion sum_k (-1)^k a_k(order) / z^k."""
    mu = 4.0 * order * order
    term = xp.ones_like(z)
    total = term.copy()
    for k in range(1, 40):
        term = term * -(mu - (2 * k - 1) ** 2) / (k * 8.0 * z)
        total = total + term
    return total / xp.sqrt(2.0 * math.pi * z)


def _bessel_e(x, order):
    x = _f64(x)
    z = xp.abs(x)
    out = xp.empty_like(z)
    small = z <= _BESSEL_SWITCH
    _masked(lambda v: _bessel_series(v, order), z, small, out)
    with xp.errstate(invalid="ignore", divide="ignore"):
        _masked(lambda v: _bessel_asym(v, order), z, ~small & ~xp.isnan(z), out)
    out = xp.where(xp.isinf(z), 0.0, out)
    out[xp.isnan(z)] = xp.nan
    return out if order == 0 else xp.copysign(out, x)


def i0e(x):
    """exp(-|x|) I0(x)."""
    return _bessel_e(x, 0)


def i1e(x):
    """exp(-|x|) I1(x) (+0.0 at -0.0, as PyTorch)."""
    return _bessel_e(x, 1) + 0.0


def i0(x):
    """The modified Bessel function of the first kind, order 0 (NaN at +-inf, as PyTorch)."""
    x = _f64(x)
    with xp.errstate(over="ignore", invalid="ignore"):
        return i0e(x) * xp.exp(xp.abs(x))


def i1(x):
    """The modified Bessel function of the first kind, order 1 (NaN at +-inf, as PyTorch)."""
    x = _f64(x)
    with xp.errstate(over="ignore", invalid="ignore"):
        return i1e(x) * xp.exp(xp.abs(x))


# ----------------------------------------------------------------------------------- incomplete gamma
_IGAM_EPS = 1e-16
_IGAM_MAXITER = 100000  # series and continued fraction need ~sqrt(75 a) terms when x is near a large a
_IGAM_TINY = 1e-300


def _converge(step, state, n_elem):
    """Run ``step(state, n, active) -> (state, done)`` until every element is done (or the cap); ``active``
    indexes the elements still iterating, so the work shrinks as they converge."""
    active = xp.arange(n_elem)
    for n in range(1, _IGAM_MAXITER + 1):
        if not active.size:
            break
        done = step(state, n, active)
        active = active[~done]
    return state


def _igam_log_factor(a, x, shift=0):
    """log(x^a e^-x / Gamma(a + shift)), shift 0 or 1. For a >= 10 Stirling's form cancels the large terms
    analytically: -a (t - log1p(t)) + log(a) / 2 - log(2 pi) / 2 - (Stirling correction), t = (x - a) / a."""
    out = xp.empty_like(x)
    big = a >= 10.0

    def stirling(av):
        t = (x[big] - av) / av
        inv = 1.0 / av
        corr = xp.zeros_like(av)
        for k in range(8, 0, -1):
            corr = corr * inv * inv + _B2K[k - 1] / (2 * k * (2 * k - 1))
        return -av * (t - xp.log1p(t)) + (0.5 - shift) * xp.log(av) - _HALF_LOG_2PI - corr * inv

    with xp.errstate(divide="ignore", over="ignore", invalid="ignore"):
        _masked(stirling, a, big, out)
        _masked(lambda av: av * xp.log(x[~big]) - x[~big] - lgamma(av + shift), a, ~big, out)
    return out


def _igam_series(a, x):
    """P(a, x) = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n)), for x below ~a."""
    term = xp.ones_like(x)
    total = xp.ones_like(x)

    def step(_, n, i):
        term[i] *= x[i] / (a[i] + n)
        total[i] += term[i]
        return xp.abs(term[i]) <= _IGAM_EPS * total[i]

    _converge(step, None, x.size)
    with xp.errstate(over="ignore", under="ignore"):
        return xp.exp(_igam_log_factor(a, x, 1)) * total


def _igamc_small_x(a, x):
    """Q(a, x) for x <= 1.1 and a not small against x: 1 - x^a / Gamma(a + 1) - x^a / Gamma(a) *
    sum_{n>=1} (-x)^n / (n! (a + n)), with expm1 keeping Q's digits when it is tiny (a -> 0)."""
    fac = xp.ones_like(x)
    total = xp.zeros_like(x)

    def step(_, n, i):
        fac[i] *= -x[i] / n
        term = fac[i] / (a[i] + n)
        total[i] += term
        return xp.abs(term) <= _IGAM_EPS * xp.abs(total[i])

    _converge(step, None, x.size)
    logx = xp.log(x)
    with xp.errstate(over="ignore", under="ignore", invalid="ignore"):
        return -xp.expm1(a * logx - lgamma(a + 1.0)) - xp.exp(a * logx - lgamma(a)) * total


def _igamc_cf(a, x):
    """Q(a, x) for x > max(a, 1.1): Legendre's continued fraction, by the modified Lentz method."""
    b = x + 1.0 - a
    c = xp.full_like(x, 1.0 / _IGAM_TINY)
    d = 1.0 / b
    h = d.copy()

    def step(_, n, i):
        an = -n * (n - a[i])
        b[i] += 2.0
        dd = an * d[i] + b[i]
        dd = xp.where(xp.abs(dd) < _IGAM_TINY, _IGAM_TINY, dd)
        cc = b[i] + an / c[i]
        cc = xp.where(xp.abs(cc) < _IGAM_TINY, _IGAM_TINY, cc)
        d[i] = 1.0 / dd
        c[i] = cc
        delta = cc * d[i]
        h[i] *= delta
        return xp.abs(delta - 1.0) <= _IGAM_EPS

    _converge(step, None, x.size)
    with xp.errstate(over="ignore", under="ignore"):
        return xp.exp(_igam_log_factor(a, x)) * h


def _igamc_regular(a, x):
    """Q(a, x) for finite a, x > 0: the expansion that converges fastest (and keeps the most digits) there."""
    out = xp.empty_like(x)
    with xp.errstate(divide="ignore"):
        small_series = -0.4 / xp.log(x) < a
    cf = (x > 1.1) & (x >= a)
    via_p = ((x > 1.1) & (x < a)) | ((x <= 0.5) & small_series) | ((x > 0.5) & (x <= 1.1) & (x * 1.1 < a))
    direct = ~(cf | via_p)
    _masked(lambda v: 1.0 - _igam_series(a[via_p], v), x, via_p, out)
    _masked(lambda v: _igamc_cf(a[cf], v), x, cf, out)
    _masked(lambda v: _igamc_small_x(a[direct], v), x, direct, out)
    return out


# Temme's uniform expansion Q(a, x) = erfc(eta sqrt(a / 2)) / 2 + exp(-a eta^2 / 2) / sqrt(2 pi a) * (C0(eta) +
# C1(eta) / a + ...), lambda = x / a, eta^2 / 2 = lambda - 1 - log(lambda), sign(eta) = sign(lambda - 1), with
# C0 = 1 / (lambda - 1) - 1 / eta and C1 = 1 / eta^3 - 1 / (lambda - 1)^3 - 1 / (lambda - 1)^2 - 1 / (12 (lambda - 1)).
# Both cancel near eta = 0, so they are summed as Taylor series in eta (coefficients from inverting the series
# of eta^2 / 2 in lambda - 1). For a >= _TEMME_MIN_A the next term, C2 / a^2, is below double precision.
_TEMME_C0 = (-1 / 3, 1 / 12, -2 / 135, 1 / 864, 1 / 2835, -139 / 777600, 1 / 25515, -571 / 261273600,
             -281 / 151559100, 163879 / 197522841600, -5221 / 29554024500, 5246819 / 782190452736000,
             5459 / 531972441000, -534703531 / 122021710626816000)
_TEMME_C1 = (-1 / 540, -1 / 288, 1 / 378, -77 / 77760, 1 / 4860, -1 / 2488320, -2743 / 151559100,
             41969 / 5486745600, -11 / 6823440, 47207 / 10158317568000, 3761 / 27280638000,
             -3599669 / 62575236218880)
_TEMME_MIN_A = 1e6  # below it the series / continued fraction converge in < sqrt(75 a) ~ 9000 steps
_TEMME_MAX_MU = 0.3  # |x / a - 1| beyond it those converge geometrically and R_a underflows anyway


def _horner(coefs, z):
    out = xp.full_like(z, coefs[-1])
    for c in coefs[-2::-1]:
        out = out * z + c
    return out


def _igam_temme(a, x, upper):
    """P(a, x) (``upper``: Q) for large a and x near a, by Temme's uniform asymptotic expansion."""
    mu = (x - a) / a
    # lambda - 1 - log(lambda) = mu - log1p(mu) = sum_{k>=2} (-mu)^k / k, summed directly where it cancels
    half_eta2 = _horner((0.0, 0.0) + tuple((-1) ** k / k for k in range(2, 24)), mu)
    far = xp.abs(mu) >= 0.1
    half_eta2[far] = mu[far] - xp.log1p(mu[far])
    eta = xp.copysign(xp.sqrt(2.0 * half_eta2), mu)
    with xp.errstate(under="ignore"):
        r = xp.exp(-a * half_eta2) / xp.sqrt(2.0 * math.pi * a) * (_horner(_TEMME_C0, eta)
                                                                  + _horner(_TEMME_C1, eta) / a)
    z = eta * xp.sqrt(0.5 * a)
    return 0.5 * erfc(z) + r if upper else 0.5 * erfc(-z) - r


def gammainc(a, x, upper=False):
    """The regularized incomplete gamma function P(a, x) (``upper``: Q(a, x) = 1 - P(a, x)) for arrays that
    broadcast; NaN outside a >= 0, x >= 0 and at a = x = 0 or a = x = inf, as PyTorch."""
    a, x = xp.broadcast_arrays(_f64(a), _f64(x))
    # limits: the mass of Gamma(a) is all at 0 when a = 0 and all at infinity when a = inf
    # checked in PyTorch's order, so a NaN loses to a decisive other argument: P(nan, 0) = 0, P(nan, inf) = 1,
    # P(inf, nan) = 0 (NaN where no case applies; the regular elements are filled in below)
    with xp.errstate(invalid="ignore"):
        lower = xp.where(a == 0, xp.where(x > 0, 1.0, xp.nan), xp.where(
            x == 0, 0.0, xp.where(xp.isinf(a), xp.where(xp.isinf(x), xp.nan, 0.0),
                                  xp.where(xp.isinf(x), 1.0, xp.nan))))
    out = xp.array(1.0 - lower if upper else lower, dtype=xp.float64)  # an array, even for 0-d inputs
    out[(a < 0) | (x < 0)] = xp.nan
    regular = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    if regular.any():
        ar, xr = a[regular], x[regular]
        res = xp.empty_like(xr)
        temme = (ar >= _TEMME_MIN_A) & (xp.abs(xr - ar) < _TEMME_MAX_MU * ar)
        _masked(lambda v: _igam_temme(ar[temme], v, upper), xr, temme, res)
        rest = ~temme
        if upper:
            _masked(lambda v: _igamc_regular(ar[rest], v), xr, rest, res)
        else:
            # the series for P converges fast below a; above it 1 - Q keeps more digits
            above = rest & (xr > 1.0) & (xr > ar)
            below = rest & ~above
            _masked(lambda v: 1.0 - _igamc_regular(ar[above], v), xr, above, res)
            _masked(lambda v: _igam_series(ar[below], v), xr, below, res)
        out[regular] = res
    return out


def gammainc_dx(a, x):
    """d/dx P(a, x) = x^(a-1) e^-x / Gamma(a) (NaN, as PyTorch, where (a - 1) log x is 0 * inf)."""
    a, x = _f64(a), _f64(x)
    with xp.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        return xp.exp((a - 1.0) * xp.log(x) - x - lgamma(a))


# ------------------------------------------------------------------ Bessel J, Y, K of orders 0 and 1; Airy Ai
#
# Small arguments use power series. Beyond them one integral serves every function: for Re z > 0
#     M_nu(z) = 2/sqrt(pi) int_0^inf exp(-s^2) cosh(2 nu asinh(s / sqrt(2z))) / sqrt(1 + s^2 / (2z)) ds
# is K_nu(z) = int_0^inf exp(-z cosh t) cosh(nu t) dt after the change of variable s = sqrt(2z) sinh(t / 2),
#     K_nu(x) = sqrt(pi / (2x)) exp(-x) M_nu(x),
# and continued to z = -ix it gives the Hankel function H_nu = J_nu + i Y_nu,
#     H_nu(x) = sqrt(2 / (pi x)) exp(i (x - nu pi / 2 - pi / 4)) M_nu(-ix).
# M tends to 1 as |z| grows, so every result keeps full relative accuracy (up to the phase) for large arguments.
# The integrand is even, decays like exp(-s^2) and is analytic except at s^2 = -2z, so the trapezoid rule
# converges geometrically; its step must shrink as those singular points approach the real axis (small |z|).

def _trapezoid_rule(h, s_max):
    """(node, weight) pairs for 2/sqrt(pi) int_0^inf exp(-s^2) f(s) ds of an even f (half the full-line rule)."""
    return tuple((k * h, (0.5 if k == 0 else 1.0) * h * (2.0 / _SQRT_PI) * math.exp(-(k * h) ** 2))
                 for k in range(int(s_max / h) + 2))


# (smallest |2z|, rule): each reaches ~1e-17 from its |2z| on (checked against mpmath for nu = 0, 1, 1/3)
_M_RULES = ((30.0, _trapezoid_rule(0.5, 6.5)), (6.0, _trapezoid_rule(0.25, 6.6)), (0.0, _trapezoid_rule(0.15, 7.0)))


def _bessel_m_rule(nu, z2, rule):
    inv = 1.0 / z2
    root_inv = xp.sqrt(inv)
    total = xp.zeros_like(z2)
    for s, weight in rule:
        w2 = (s * s) * inv  # sinh(t / 2)^2
        c = xp.sqrt(1.0 + w2)  # cosh(t / 2)
        if nu == 0:
            g = 1.0 / c
        elif nu == 1:
            g = (1.0 + 2.0 * w2) / c  # cosh(t) = 1 + 2 sinh(t / 2)^2
        else:  # cosh(nu t) with exp(t / 2) = sinh(t / 2) + cosh(t / 2)
            e = xp.exp((2.0 * nu) * xp.log(s * root_inv + c))
            g = 0.5 * (e + 1.0 / e) / c
        total = total + weight * g
    return total


def _bessel_m(nu, z2):
    """M_nu(z) above for z2 = 2z: real with z >= 0.5, or imaginary with |z| >= 1."""
    out = xp.empty_like(z2)
    size = xp.abs(z2)
    todo = xp.ones(z2.shape, dtype=bool)
    for smallest, rule in _M_RULES:
        sel = todo & (size >= smallest)
        if sel.any():
            out[sel] = _bessel_m_rule(nu, z2[sel], rule)
        todo &= ~sel
    return out


_LN2 = math.log(2.0)
_JY_SERIES_MAX = 2.0  # power series up to here (terms only decrease), the Hankel integral beyond


def _j_series(x, order):
    """J_order(x) = (x/2)^order sum_k (-x^2/4)^k / (k! (k + order)!)."""
    q = -0.25 * x * x
    term = xp.ones_like(x)
    total = term.copy()
    for k in range(1, 20):
        term = term * q / (k * (k + order))
        total = total + term
    return total if order == 0 else 0.5 * x * total


def _log_series(q, order, terms):
    """The two power series in ``q`` that Y (``q = -x^2/4``) and K (``q = x^2/4``) share near 0: the J or I series
    over (x/2)^order, sum_k q^k / (k! (k + order)!), and the same with the k-th term weighted by H_k (order 0) or
    psi(k+1) + psi(k+2) (order 1)."""
    term = xp.ones_like(q)
    plain = term.copy()
    weight = 0.0 if order == 0 else 1.0 - 2.0 * _EULER
    weighted = weight * term
    for k in range(1, terms):
        term = term * q / (k * (k + order))
        weight += 1.0 / k if order == 0 else 1.0 / k + 1.0 / (k + 1)
        weighted = weighted + weight * term
        plain = plain + term
    return plain, weighted


def _y_series(x, order):
    """Y_order(x) for 0 < x <= 2: (2/pi) log(x/2) J_order(x) plus the series of the psi function's values."""
    j, total = _log_series(-0.25 * x * x, order, 20)  # j: the J series, as _j_series's 20 terms
    log_half = xp.log(x) - _LN2  # log(x / 2) without x / 2 underflowing for the smallest subnormals
    if order == 0:  # (2/pi) [(log(x/2) + gamma) J0(x) - sum_{k>=1} H_k (-x^2/4)^k / k!^2]
        return (2.0 / math.pi) * ((log_half + _EULER) * j - total)
    # -2/(pi x) + (2/pi) log(x/2) J1(x) - x/(2 pi) sum_k (psi(k+1) + psi(k+2)) (-x^2/4)^k / (k! (k+1)!)
    return -2.0 / (math.pi * x) + (2.0 / math.pi) * log_half * (0.5 * x * j) - x / (2.0 * math.pi) * total


def _hankel(x, order, dtype):
    """(J_order(x), Y_order(x)) for x > 2 from H = J + iY.

    For float32 inputs above 5, where PyTorch's float32 kernel switches to its large-argument form, the phase
    x - (2 order + 1) pi / 4 is rounded to float32 as there: for large x that rounding decides the result's
    digits (ulp(x) / 2 is the phase error), so the results then agree with PyTorch's rather than with the exact
    values of the float32 inputs. (float64 phases are rounded to float64 in both.)"""
    m = _bessel_m(order, -2j * x)
    shift = (0.25 if order == 0 else 0.75) * math.pi
    phase = x - shift
    if dtype == xp.float32:
        phase = xp.where(x > 5.0, (x.astype(xp.float32) - xp.float32(shift)).astype(xp.float64), phase)
    amp = xp.sqrt(2.0 / (math.pi * x))
    c, s = xp.cos(phase), xp.sin(phase)
    return amp * (m.real * c - m.imag * s), amp * (m.real * s + m.imag * c)


def bessel_j(x, order):
    """The Bessel function of the first kind J0 or J1 of a float32/float64 array (NaN at +-inf, as PyTorch)."""
    dtype = x.dtype
    x = _f64(x)
    a = xp.abs(x)
    out = xp.full_like(a, xp.nan)
    small = a <= _JY_SERIES_MAX
    _masked(lambda v: _j_series(v, order), a, small, out)
    _masked(lambda v: _hankel(v, order, dtype)[0], a, ~small & xp.isfinite(a), out)
    return out if order == 0 else xp.where(xp.signbit(x), -out, out)  # J1 is odd (and J1(-0) = -0)


def bessel_y(x, order):
    """The Bessel function of the second kind Y0 or Y1 (-inf at 0; NaN for x < 0 and at inf, as PyTorch)."""
    dtype = x.dtype
    x = _f64(x)
    out = xp.full_like(x, xp.nan)
    with xp.errstate(over="ignore"):
        _masked(lambda v: _y_series(v, order), x, (x > 0) & (x <= _JY_SERIES_MAX), out)
    _masked(lambda v: _hankel(v, order, dtype)[1], x, (x > _JY_SERIES_MAX) & xp.isfinite(x), out)
    out[x == 0] = -xp.inf
    return out


_K_SERIES_MAX = 1.0


def _k_series(x, order):
    """K_order(x) for 0 < x <= 1 from its series around 0 (the I series times -log(x/2), plus a psi series)."""
    series_i, total = _log_series(0.25 * x * x, order, 16)  # series_i: I_order(x) / (x/2)^order
    log_half = xp.log(x) - _LN2
    if order == 0:  # -(log(x/2) + gamma) I0(x) + sum_{k>=1} H_k (x^2/4)^k / k!^2
        return total - (log_half + _EULER) * series_i
    # 1/x + log(x/2) I1(x) - x/4 sum_k (psi(k+1) + psi(k+2)) (x^2/4)^k / (k! (k+1)!)
    return 1.0 / x + log_half * (0.5 * x * series_i) - 0.25 * x * total


def bessel_k(x, order, scaled=False):
    """The modified Bessel function of the second kind K0 or K1 (``scaled``: exp(x) K(x)); inf at 0, 0 at +inf,
    NaN for x < 0."""
    x = _f64(x)
    out = xp.full_like(x, xp.nan)
    small = (x > 0) & (x <= _K_SERIES_MAX)
    with xp.errstate(over="ignore", under="ignore"):
        _masked(lambda v: _k_series(v, order) * (xp.exp(v) if scaled else 1.0), x, small, out)

        def large(v):
            k = xp.sqrt(math.pi / (2.0 * v)) * _bessel_m(order, 2.0 * v)
            return k if scaled else k * xp.exp(-v)

        _masked(large, x, (x > _K_SERIES_MAX) & xp.isfinite(x), out)
    out[x == 0] = xp.inf
    out[xp.isposinf(x)] = 0.0
    return out


_AI0 = 1.0 / (3.0 ** (2.0 / 3.0) * math.gamma(2.0 / 3.0))  # Ai(0)
_AIP0 = 1.0 / (3.0 ** (1.0 / 3.0) * math.gamma(1.0 / 3.0))  # -Ai'(0)
_AIRY_ZERO_BEYOND = 103.892  # PyTorch returns exactly 0 above this (Ai(103.892) ~ 5e-308)


def _airy_series(x):
    """Ai(x) = Ai(0) f(x) + Ai'(0) g(x) for -2 <= x <= 1, with the Maclaurin series f = 1 + x^3/3! + 1*4 x^6/6!
    + ... and g = x + 2 x^4/4! + 2*5 x^7/7! + ..."""
    x3 = x * x * x
    tf = xp.ones_like(x)
    tg = x.copy()
    f, g = tf.copy(), tg.copy()
    for k in range(1, 20):
        tf = tf * x3 / ((3 * k - 1) * (3 * k))
        tg = tg * x3 / ((3 * k) * (3 * k + 1))
        f = f + tf
        g = g + tg
    return _AI0 * f - _AIP0 * g


def airy_ai(x):
    """The Airy function Ai. For x > 1, Ai(x) = sqrt(x / 3) K_{1/3}(zeta) / pi with zeta = 2/3 x^(3/2); for
    x < -2, Ai(x) = sqrt(|x|) (J_{1/3}(zeta) - Y_{1/3}(zeta) / sqrt(3)) / 2, whose phase zeta + pi/4 is rounded in
    the input's dtype as PyTorch does (see _hankel). NaN at +-inf and 0 beyond 103.892, as PyTorch."""
    dtype = x.dtype
    xd = _f64(x)
    out = xp.full_like(xd, xp.nan)
    _masked(_airy_series, xd, (xd >= -2.0) & (xd <= 1.0), out)

    def positive(v):
        zeta = (2.0 / 3.0) * v * xp.sqrt(v)
        return xp.exp(-zeta) * _bessel_m(1.0 / 3.0, 2.0 * zeta) / (2.0 * _SQRT_PI * xp.sqrt(xp.sqrt(v)))

    def negative(v):
        t = xp.sqrt(-v)
        m = _bessel_m(1.0 / 3.0, -2j * (-2.0 * v * t / 3.0))  # M_{1/3}(-i zeta)
        vt = v.astype(dtype)  # the phase in the input's dtype
        theta = (dtype.type(-2.0) * vt * xp.sqrt(-vt) / dtype.type(3.0) + dtype.type(0.25 * math.pi))
        theta = theta.astype(xp.float64)
        # Ai(x) = Re(exp(i (zeta - pi/4)) M) / (sqrt(pi) |x|^(1/4)) and Re(exp(i (zeta - pi/4)) M) = Im(exp(i theta) M)
        return (m.real * xp.sin(theta) + m.imag * xp.cos(theta)) / (_SQRT_PI * xp.sqrt(t))

    with xp.errstate(over="ignore", under="ignore", invalid="ignore"):
        _masked(positive, xd, (xd > 1.0) & (xd <= _AIRY_ZERO_BEYOND), out)
        _masked(negative, xd, (xd < -2.0) & xp.isfinite(xd), out)
    out[(xd > _AIRY_ZERO_BEYOND) & xp.isfinite(xd)] = 0.0
    return out


# ----------------------------------------------------------------------- classical orthogonal polynomials
#
# Unlike the kernels above these compute in the dtype of x (float32 or float64; n has the same dtype), with
# PyTorch's shortcuts: degree n truncated to an integer (NaN, +-inf and |n| >= 2^63 count as negative, like the
# C cast PyTorch makes), 0 for n < 0, closed forms at the ends of the interval, and for the Chebyshev kinds
# cos / sin of n acos(x) inside it once n is large enough; otherwise the three-term recurrence.

_SPLIT = 134217729.0  # 2^27 + 1, Veltkamp's constant: splits a float64 into two 26-bit halves


def _fms(a, q, b):
    """a * q - b with a single rounding, as the fused multiply-add PyTorch's compiled recurrences use (their
    results then agree to the last bit). float32: exact in float64 and rounded once more; float64: the product's
    rounding error recovered by Dekker's splitting, the sum's by Knuth's two-sum."""
    if q.dtype == xp.float32:
        with xp.errstate(over="ignore", invalid="ignore"):
            return (xp.asarray(a, dtype=xp.float64) * q - b).astype(xp.float32)
    a = xp.asarray(a, dtype=xp.float64)
    with xp.errstate(over="ignore", invalid="ignore"):
        # near the top of the range the splitting would overflow: work on q and b scaled by 2^-600 (exact)
        scale = None
        big = (xp.abs(q) > 2.0 ** 900) | (xp.abs(b) > 2.0 ** 900)
        if big.any():
            scale = xp.where(big, 2.0 ** -600, 1.0)
            q, b = q * scale, b * scale
        p = a * q
        ca, cq = _SPLIT * a, _SPLIT * q
        a_hi, q_hi = ca - (ca - a), cq - (cq - q)
        a_lo, q_lo = a - a_hi, q - q_hi
        p_err = ((a_hi * q_hi - p) + a_hi * q_lo + a_lo * q_hi) + a_lo * q_lo  # a * q - p, exactly
        s = p - b
        v = s - p
        s_err = (p - (s - v)) - (b + v)  # (p - b) - s, exactly
        fused = s + (p_err + s_err)
        # inf / NaN operands (and an |a| too large to split) leave fused non-finite: round twice there
        out = xp.where(xp.isfinite(fused), fused, p - b)
        return out if scale is None else out / scale


def _degree(n):
    """int64 degrees from a float array, truncated toward zero; NaN, +-inf and |n| >= 2^63 give -1."""
    ok = xp.abs(n) < 2.0 ** 63
    return xp.where(ok, xp.trunc(xp.where(ok, n, 0.0)), -1.0).astype(xp.int64)


def _recurrence(x, k, out, todo, first, step):
    """out[todo] = P_k(x), where P_0 = 1, P_1 = first(x) and P_{j+1} = step(x, j, P_j, P_{j-1}). The elements
    run sorted by degree, so each step's finished ones are a prefix to slice off; NaN ones (after an overflow:
    they stay NaN) are dropped now and then so that a huge degree does not run on for nothing."""
    idx = xp.flatnonzero(todo)
    idx = idx[xp.argsort(k[idx], kind="stable")]
    xs, ks = x[idx], k[idx]
    p, q = xp.ones_like(xs), first(xs)
    j = 1
    with xp.errstate(over="ignore", invalid="ignore"):
        while idx.size:
            done = int(xp.searchsorted(ks, j, side="right"))
            if done:
                out[idx[:done]] = q[:done]
                idx, xs, ks, p, q = idx[done:], xs[done:], ks[done:], p[done:], q[done:]
            if j % 64 == 0:
                nan = xp.isnan(q)
                if nan.any():
                    out[idx[nan]] = q[nan]
                    keep = ~nan
                    idx, xs, ks, p, q = idx[keep], xs[keep], ks[keep], p[keep], q[keep]
            if not idx.size:
                break
            p, q = q, step(xs, j, q, p)
            j += 1


def _poly_setup(x, n):
    x, n = xp.broadcast_arrays(x, n)
    x = x.reshape(-1)
    k = _degree(n.reshape(-1))
    return x, k, xp.zeros_like(x)


def _signed(k, value):
    """value for even k, -value for odd k."""
    return xp.where(k % 2 == 0, value, -value)


def chebyshev(kind, x, n, shifted=False):
    """The Chebyshev polynomial of the first to fourth kind (kind 't', 'u', 'v', 'w') of degree n, at x or, if
    ``shifted``, at 2x - 1. x and n: float arrays of one dtype that broadcast."""
    shape = xp.broadcast_shapes(x.shape, n.shape)
    x, k, out = _poly_setup(x, n)
    one = x.dtype.type(1)
    y = x + x - one if shifted else x
    kf = k.astype(x.dtype)
    odd_sum = kf + kf + one  # 2n + 1
    valid = k >= 0
    # the interval's ends (in x for the shifted kinds, as PyTorch tests them)
    top = valid & ((x == 1) if shifted else (y == 1))
    bottom = valid & ((x == 0) if shifted else (y == -1))
    at_top = {"t": one, "u": kf + one, "v": one, "w": odd_sum}[kind]
    at_bottom = {"t": _signed(k, one), "u": _signed(k, kf + one), "v": _signed(k, odd_sum), "w": _signed(k, one)}[kind]
    out = xp.where(top, at_top, xp.where(bottom, at_bottom, out)).astype(x.dtype)
    rest = valid & ~top & ~bottom
    # PyTorch's degrees above which it switches to the trigonometric closed form for |y| < 1
    lowest = (4 if kind == "w" else 6) if shifted else (6 if kind == "t" else 8)
    trig = rest & (k > lowest) & (xp.abs(y) < 1)
    if trig.any():
        out[trig] = _chebyshev_trig(kind, y[trig], kf[trig], k[trig], shifted)
    rest &= ~trig
    first = {"t": lambda v: v, "u": lambda v: v + v, "v": lambda v: v + v - one, "w": lambda v: v + v + one}[kind]
    out[rest & (k == 0)] = one
    sel = rest & (k == 1)
    out[sel] = first(y[sel])
    _recurrence(y, k, out, rest & (k >= 2), first, lambda v, j, q, p: _fms(v + v, q, p))
    return out.reshape(shape)


def _rounded(fn, v):
    """fn(v) correctly rounded to float32 for float32 v (computed in float64), as C's float functions are: NumPy's
    float32 kernels are off by an ulp at times, which the closed forms below magnify near the interval's ends."""
    return fn(v.astype(xp.float64)).astype(xp.float32) if v.dtype == xp.float32 else fn(v)


def _chebyshev_trig(kind, y, kf, k, shifted):
    """T = cos(n t), U = sin((n+1) t) / sin(t), V = cos((n+1/2) t) / cos(t/2), W = sin((n+1/2) t) / sin(t/2),
    t = acos(y); where the denominator of V or W rounds to an end value, PyTorch's fallbacks (for the shifted W,
    +-1 by parity even next to y = 1)."""
    dt = y.dtype.type
    t = _rounded(xp.arccos, y)
    if kind == "t":
        return _rounded(xp.cos, kf * t)
    if kind == "u":
        return _rounded(xp.sin, (kf + dt(1)) * t) / _rounded(xp.sin, t)
    half = t / dt(2)
    odd_sum = kf + kf + dt(1)
    with xp.errstate(divide="ignore", invalid="ignore"):
        if kind == "v":
            sin_half = _rounded(xp.sin, half)
            value = _rounded(xp.cos, (kf + dt(0.5)) * t) / _rounded(xp.cos, half)
            return xp.where(sin_half != 1, value, _signed(k, odd_sum))
        cos_half = _rounded(xp.cos, half)
        value = _rounded(xp.sin, (kf + dt(0.5)) * t) / _rounded(xp.sin, half)
    end = _signed(k, dt(1)) if shifted else xp.where(y > 0, odd_sum, _signed(k, dt(1)))
    return xp.where(cos_half != 1, value, end)


def hermite_h(x, n):
    """The physicists' Hermite polynomial H_n(x): H_{j+1} = 2x H_j - 2j H_{j-1}."""
    shape = xp.broadcast_shapes(x.shape, n.shape)
    x, k, out = _poly_setup(x, n)
    out[k == 0] = 1
    sel = k == 1
    out[sel] = x[sel] + x[sel]
    _recurrence(x, k, out, k >= 2, lambda v: v + v, lambda v, j, q, p: _fms(v + v, q, (2 * j) * p))
    return out.reshape(shape)


def hermite_he(x, n):
    """The probabilists' Hermite polynomial He_n(x): He_{j+1} = x He_j - j He_{j-1}."""
    shape = xp.broadcast_shapes(x.shape, n.shape)
    x, k, out = _poly_setup(x, n)
    out[k == 0] = 1
    sel = k == 1
    out[sel] = x[sel]
    _recurrence(x, k, out, k >= 2, lambda v: v, lambda v, j, q, p: _fms(v, q, j * p))
    return out.reshape(shape)


def laguerre_l(x, n):
    """The Laguerre polynomial L_n(x): (j+1) L_{j+1} = (2j + 1 - x) L_j - j L_{j-1}; 1 at x = 0 (n >= 0)."""
    shape = xp.broadcast_shapes(x.shape, n.shape)
    x, k, out = _poly_setup(x, n)
    one = x.dtype.type(1)
    zero = (x == 0) & (k >= 0)
    out[zero | (k == 0)] = one
    sel = ~zero & (k == 1)
    out[sel] = one - x[sel]
    _recurrence(x, k, out, ~zero & (k >= 2), lambda v: one - v,
                lambda v, j, q, p: _fms((2 * j) + (one - v), q, j * p) / (j + 1))
    return out.reshape(shape)


def legendre_p(x, n):
    """The Legendre polynomial P_n(x): (j+1) P_{j+1} = (2j + 1) x P_j - j P_{j-1}; +-1 at |x| = 1 (n >= 0)."""
    shape = xp.broadcast_shapes(x.shape, n.shape)
    x, k, out = _poly_setup(x, n)
    end = (xp.abs(x) == 1) & (k >= 0)
    out[end] = xp.where((x[end] > 0) | (k[end] % 2 == 0), 1, -1)
    rest = ~end
    out[rest & (k == 0)] = 1
    sel = rest & (k == 1)
    out[sel] = x[sel]
    _recurrence(x, k, out, rest & (k >= 2), lambda v: v, lambda v, j, q, p: _fms((2 * j + 1) * v, q, j * p) / (j + 1))
    return out.reshape(shape)
