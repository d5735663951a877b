"""PyTorch's CPU random kernels on NumPy: the same draws from the same mt19937 stream give the same numbers.

Each function takes an ``ember.Generator`` (None: the default one) and returns a flat NumPy array of the
values in the order PyTorch's kernel writes them (a tensor's memory order; :func:`fill` writes them so).
What was matched, found by experiment against PyTorch 2.13's CPU build:

- raw draws: ``random()`` is one 32-bit output, ``random64()`` two (the first gives the high half);
- uniform floats: float32/half/bfloat16 use the low 24 bits of one output times 2**-24, float64 the low 53
  bits of a 64-bit draw times 2**-53; ``uniform_(a, b)`` is ``fma(u, b - a, a)`` (float32 arithmetic for
  the 32-bit-and-narrower types), a result equal to ``b`` becoming ``a``;
- normal: contiguous tensors of 16 or more elements use a Box-Muller over blocks of 16 uniforms (the first 8
  give the radius, the last 8 the angle; a ragged end redoes the last 16 elements from 16 fresh uniforms).
  float32 takes PyTorch's AVX2 kernel, whose log and sincos are the Cephes polynomials evaluated with fused
  multiply-adds (emulated exactly below; on AVX512 or non-x86 builds PyTorch itself gives other float32
  values); float64 uses the C library's functions; half and bfloat16 round the float32 values but draw only
  the whole blocks' uniforms. Smaller or non-contiguous tensors use the scalar double Box-Muller, which
  keeps the pair's second value for the next draw (that cache is part of the generator state);
- integers: ``random_(a, b)`` is ``a + random() % (b - a)``, with ``random64()`` once the range reaches 2**28;
- ``randperm(n)``: forward Fisher-Yates, ``swap(r[i], r[i + random() % (n - i)])`` for i < n - 1;
- bernoulli: float p compares a 53-bit uniform; tensor p a uniform of p's precision (24 or 53 bits);
- exponential ``-log1p(-u) / lambda``, geometric ``ceil(log(u) / log1p(-p))``, cauchy
  ``median + sigma * tan(pi * (u - 0.5))``, log-normal ``exp(scalar normal)``, all from 53-bit uniforms.
"""

import math

from ember._backend import xp
from ember._random import get_generator

_M24 = 0xFFFFFF
_M53 = (1 << 53) - 1
_SMALL = 64  # below this many draws, the bit generator's random_raw is cheaper than Generator.integers


# --------------------------------------------------------------------------------------------- raw draws


def u32(gen, n):
    """``n`` 32-bit outputs (uint32)."""
    g = gen._rng
    if n < _SMALL:
        return g.bit_generator.random_raw(n).astype(xp.uint32)
    return g.integers(0, 1 << 32, size=n, dtype=xp.uint32)


def u64(gen, n):
    """``n`` 64-bit draws, each two outputs (the first is the high half), as uint64."""
    g = gen._rng
    if n < _SMALL:
        raw = g.bit_generator.random_raw(2 * n)
        return (raw[0::2] << xp.uint64(32)) | raw[1::2]
    return g.integers(0, 1 << 64, size=n, dtype=xp.uint64)


def f24(gen, n):
    """``n`` float32 uniforms in [0, 1): the low 24 bits of one output each."""
    x = u32(gen, n)
    x &= xp.uint32(_M24)
    out = x.astype(xp.float32)
    out *= xp.float32(2.0 ** -24)
    return out


def f53(gen, n):
    """``n`` float64 uniforms in [0, 1): the low 53 bits of a 64-bit draw each."""
    x = u64(gen, n)
    x &= xp.uint64(_M53)
    out = x.astype(xp.float64)
    out *= 2.0 ** -53
    return out


# ---------------------------------------------------------------------------------- fused multiply-adds


def fma32(a, b, c, tiny=True):
    """float32 ``a * b + c`` rounded once (as a hardware FMA). ``tiny=False``: the caller knows no result falls
    in float32's subnormal range."""
    s = xp.multiply(a, b, dtype=xp.float64)  # exact: 24-bit times 24-bit significands
    s += c
    shape = s.shape

    def parts(idx):
        def pick(v):
            v = xp.asarray(v, xp.float64)
            return v if v.ndim == 0 else xp.broadcast_to(v, shape).reshape(-1)[idx]
        return pick(a) * pick(b), pick(c)
    return _round_f32(s, parts, tiny)


def _round_f32(s, parts, tiny=True):
    """float32 values of the float64 sums ``s`` (each an exact product plus an addend) rounded once from the
    exact sums: rounding the float64 sum again rounds twice only when it lands exactly halfway between two
    float32 values, and there the float64 sum rounded to odd instead is repaired (``parts(idx)`` gives the
    product and addend at those flat indices). ``tiny``: check float32's subnormal range too (where the
    halfway bits sit elsewhere). Overwrites ``s``."""
    out = s.astype(xp.float32)
    bits = s.view(xp.int64)
    small = (bits & 0x7FF0000000000000) < (1023 - 125 << 52) if tiny else None
    bits &= 0x1FFFFFFF
    suspect = bits == 0x10000000
    if tiny:
        suspect |= small
    if suspect.any():
        idx = xp.flatnonzero(suspect)
        ps, cs = parts(idx)
        ss = ps + cs
        bb = ss - ps
        err = (ps - (ss - bb)) + (cs - bb)
        out.reshape(-1)[idx] = _round_odd(ss, err).astype(xp.float32)
    return out


def _round_odd(v, err):
    """``v`` (a rounded sum whose exact value is ``v + err``) rounded to odd instead: where inexact, the
    neighbour toward the exact value with an odd last bit."""
    bits = v.view(xp.int64).copy()
    fix = (err != 0) & ((bits & 1) == 0)
    if fix.any():
        bits[fix] += xp.where((err[fix] > 0) == (v[fix] > 0), 1, -1)
    return bits.view(xp.float64)


def _split(a):
    t = 134217729.0 * a  # Veltkamp: 2**27 + 1
    hi = t - (t - a)
    return hi, a - hi


def _fma64(a, b, c):
    with xp.errstate(over="ignore", invalid="ignore"):
        ph = a * b
        ah, al = _split(a)
        bh, bl = _split(b)
        pl = ((ah * bh - ph) + ah * bl + al * bh) + al * bl
        th = c + ph
        bb = th - c
        tl = (c - (th - bb)) + (ph - bb)
        v = tl + pl
        bb = v - tl
        ve = (tl - (v - bb)) + (pl - bb)
        return th + _round_odd(xp.asarray(v), xp.asarray(ve))


def fma64(a, b, c):
    """float64 ``a * b + c`` rounded once: Dekker's exact product, an exact sum, and the low parts added
    with round-to-odd (Boldo and Melquiond's emulation)."""
    a, b, c = (xp.asarray(v, xp.float64) for v in (a, b, c))
    out = xp.asarray(_fma64(a, b, c))
    bad = ~xp.isfinite(out)
    if bad.any():  # huge operands overflow the splitting: the same sum scaled down by 2**600 (exactly)
        a, b, c = (xp.broadcast_to(v, out.shape)[bad] for v in (a, b, c))
        with xp.errstate(over="ignore", invalid="ignore"):
            redo = _fma64(a, b * 2.0 ** -600, c * 2.0 ** -600) * 2.0 ** 600
            out[bad] = xp.where(xp.isfinite(redo), redo, a * b + c)
    return out


def _axpb32(u, scale, shift):
    """float32 ``fma(u, scale, shift)``, skipping the no-op cases."""
    if scale == 1 and shift == 0:
        return u
    if shift == 0:
        return u * xp.float32(scale)
    return fma32(u, xp.float32(scale), xp.float32(shift))


def _axpb64(u, scale, shift):
    if scale == 1 and shift == 0:
        return u
    if shift == 0:
        return u * scale
    return fma64(u, scale, shift)


# ------------------------------------------------------------------------------------------- uniforms


def _is_narrow(dt):
    return dt.itemsize <= 2 and dt.kind in "fV"


def uniform(n, dt, low=0.0, high=1.0, generator=None):
    """``n`` values of ``tensor.uniform_(low, high)`` for float dtype ``dt`` (float64 in 53-bit precision,
    others from float32 arithmetic)."""
    gen = get_generator(generator)
    if dt == xp.float64:
        lo, hi = float(low), float(high)
        out = _axpb64(f53(gen, n), hi - lo, lo)
        if (lo, hi) != (0.0, 1.0):
            out[out == hi] = lo
        return out
    lo, hi = xp.float32(low), xp.float32(high)
    if (low, high) == (0.0, 1.0):
        out = f24(gen, n)
    else:  # fma(u, hi - lo, lo) in float32, u = k * 2**-24: the product k * ((hi - lo) * 2**-24) is exact
        k = u32(gen, n)
        k &= xp.uint32(_M24)
        scale = float(xp.float32(hi - lo)) * 2.0 ** -24
        s = k.astype(xp.float64)
        s *= scale
        s += float(lo)
        out = _round_f32(s, lambda idx: (k[idx] * scale, float(lo)))
    if dt != xp.float32:
        out = out.astype(dt)
        lo, hi = dt.type(lo), dt.type(hi)
    elif (low, high) == (0.0, 1.0):
        return out
    at_top = out == hi
    if at_top.any():
        out[at_top] = lo
    return out


# ----------------------------------------------------------------------------------------- normals

# Cephes' single-precision log and sin/cos polynomials (public-domain constants), as PyTorch's AVX2
# Box-Muller evaluates them (with fused multiply-adds where a product feeds a sum).
_LOG_P = (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
          -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1)
_LOG_Q1, _LOG_Q2 = -2.12194440e-4, 0.693359375
_SIN_P = (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)
_COS_P = (2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)
_DP = (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)  # -pi/4 in three parts
_FOUR_OVER_PI = 1.27323954473516


def _horner32(x, coeffs):
    y = xp.full(x.shape, coeffs[0], xp.float32)
    for c in coeffs[1:]:
        y = fma32(y, x, xp.float32(c), False)
    return y


def _log_avx(x):
    """Natural log of float32 ``x`` in (0, 1] as PyTorch's AVX2 kernel computes it."""
    bits = x.view(xp.int32)
    m = ((bits & 0x007FFFFF) | 0x3F000000).view(xp.float32)  # mantissa in [0.5, 1)
    small = m < xp.float32(0.707106781186547524)
    e = (((bits >> 23) & 0xFF) - 126 - small).astype(xp.float32)
    t = (m - xp.float32(1)) + xp.where(small, m, xp.float32(0))
    z = t * t
    y = _horner32(t, _LOG_P) * t
    y = fma32(y, z, e * xp.float32(_LOG_Q1), False)
    y -= z * xp.float32(0.5)
    return fma32(e, xp.float32(_LOG_Q2), t + y, False)


def _sincos_avx(x):
    """(sin, cos) of float32 ``x`` >= 0 as PyTorch's AVX2 kernel computes them."""
    j = (x * xp.float32(_FOUR_OVER_PI)).astype(xp.int32)
    j = (j + 1) & ~1
    y = j.astype(xp.float32)
    r = x
    for d in _DP:  # extended-precision reduction by y * pi/4
        r = fma32(y, xp.float32(d), r, False)
    z = r * r
    yc = _horner32(z, _COS_P) * z
    yc = fma32(yc, z, -(z * xp.float32(0.5)), False) + xp.float32(1)
    ys = _horner32(z, _SIN_P) * z
    ys = fma32(ys, r, r, False)
    use_sin_poly = (j & 2) == 0
    s = xp.where(use_sin_poly, ys, yc)
    c = xp.where(use_sin_poly, yc, ys)
    s.view(xp.int32)[...] ^= (j & 4) << 29  # sign flips by octant
    c.view(xp.int32)[...] ^= (~(j - 2) & 4) << 29
    return s, c


def _blocks_f32(u, mean, std):
    """PyTorch's AVX2 Box-Muller of float32 uniforms ``u`` (length a multiple of 16)."""
    b = u.reshape(-1, 2, 8)
    radius = xp.sqrt(xp.float32(-2) * _log_avx(xp.float32(1) - b[:, 0]))
    s, c = _sincos_avx(xp.float32(2 * math.pi) * b[:, 1])
    out = xp.empty_like(b)
    out[:, 0] = _axpb32(radius * c, std, mean)
    out[:, 1] = _axpb32(radius * s, std, mean)
    return out.reshape(-1)


def _blocks_f64(u, mean, std):
    b = u.reshape(-1, 2, 8)
    radius = xp.sqrt(-2.0 * xp.log(1.0 - b[:, 0]))
    theta = 2.0 * math.pi * b[:, 1]
    out = xp.empty_like(b)
    out[:, 0] = _axpb64(radius * xp.cos(theta), std, mean)
    out[:, 1] = _axpb64(radius * xp.sin(theta), std, mean)
    return out.reshape(-1)


def normal(n, dt, mean=0.0, std=1.0, contiguous=True, generator=None):
    """``n`` values of ``tensor.normal_(mean, std)`` for float dtype ``dt``; ``contiguous``: whether the
    tensor is (PyTorch's block kernel needs it)."""
    gen = get_generator(generator)
    if n < 16 or not contiguous:
        out = scalar_normal(gen, n, mean, std)
        return out.astype(xp.float32).astype(dt) if _is_narrow(dt) else out.astype(dt, copy=False)
    if dt == xp.float64:
        u = f53(gen, n)
        out = _blocks_f64(u[: n - n % 16] if n % 16 else u, mean, std)
        if n % 16:
            out = _ragged(out, _blocks_f64(f53(gen, 16), mean, std), n)
        return out
    m32, s32 = xp.float32(mean), xp.float32(std)
    whole = n - n % 16
    if dt == xp.float32:
        u = f24(gen, n)
        out = _blocks_f32(u[:whole], m32, s32)
    else:  # half and bfloat16: only the whole blocks' uniforms are drawn before the ragged end's
        out = _blocks_f32(f24(gen, whole), m32, s32)
    if n % 16:
        out = _ragged(out, _blocks_f32(f24(gen, 16), m32, s32), n)
    return out if dt == xp.float32 else out.astype(dt)


def _ragged(whole, last16, n):
    """The first ``n - 16`` values of the whole blocks, then the recomputed last 16."""
    out = xp.empty(n, whole.dtype)
    out[: n - 16] = whole[: n - 16]
    out[n - 16:] = last16
    return out


def scalar_normal(gen, n, mean=0.0, std=1.0):
    """``n`` float64 normals from the scalar Box-Muller, using and refilling the generator's cached value."""
    out = xp.empty(n, xp.float64)
    if n == 0:
        return out
    start = 0
    if gen._normal is not None:
        out[0] = gen._normal
        gen._normal = None
        start = 1
    pairs = (n - start + 1) // 2
    if pairs:
        u = f53(gen, 2 * pairs).reshape(pairs, 2)
        radius = xp.sqrt(-2.0 * xp.log1p(-u[:, 1]))
        theta = 2.0 * math.pi * u[:, 0]
        z = xp.empty((pairs, 2))
        z[:, 0] = radius * xp.cos(theta)
        z[:, 1] = radius * xp.sin(theta)
        z = z.reshape(-1)
        out[start:] = z[: n - start]
        if (n - start) % 2:
            gen._normal = float(z[-1])
    return _axpb64(out, float(std), float(mean))


# ---------------------------------------------------------------------------------------- integers


def random_range(n, low, span, generator=None):
    """``n`` int64 values ``low + random() % span`` (``random64()`` once span >= 2**28; span up to 2**64)."""
    gen = get_generator(generator)
    if span >= 1 << 64:
        return u64(gen, n).view(xp.int64) if low == -(1 << 63) else (u64(gen, n) + xp.uint64(low % (1 << 64))
                                                                       ).view(xp.int64)
    x = u64(gen, n) % xp.uint64(span) if span >= 1 << 28 else (u32(gen, n) % xp.uint32(span)).astype(xp.uint64)
    x += xp.uint64(low % (1 << 64))
    return x.view(xp.int64)


# ``random_()`` with no bounds: ``random() % m`` (``random64()`` for the 64-bit types), m per dtype
FULL_MOD = {"int64": 1 << 63, "int32": 1 << 31, "int16": 1 << 15, "int8": 1 << 7, "uint8": 1 << 8, "bool": 2,
             "float32": (1 << 24) + 1, "float64": (1 << 53) + 1, "float16": (1 << 11) + 1,
             "bfloat16": (1 << 8) + 1}


def random_full(n, dt, generator=None):
    """``n`` values of ``tensor.random_()`` for dtype ``dt``."""
    gen = get_generator(generator)
    mod = FULL_MOD[dt.name]
    if dt.name in ("int64", "float64"):
        return (u64(gen, n) % xp.uint64(mod)).astype(dt)
    return (u32(gen, n) % xp.uint32(mod)).astype(dt)


def randperm(n, generator=None):
    """PyTorch's ``randperm(n)`` (int64): forward Fisher-Yates with ``random() % (n - i)``."""
    gen = get_generator(generator)
    if n < 2:
        return xp.arange(n, dtype=xp.int64)
    # (PyTorch switches to another algorithm from n = 2**32 / 20 on; ember keeps this one)
    span = xp.arange(n, 1, -1, dtype=xp.uint64 if n >= 1 << 32 else xp.uint32)
    z = (u64(gen, n - 1) if n >= 1 << 32 else u32(gen, n - 1)) % span
    js = (z.astype(xp.int64) + xp.arange(n - 1)).tolist()
    r = list(range(n))
    for i, j in enumerate(js):  # the swaps are sequential by nature
        r[i], r[j] = r[j], r[i]
    return xp.array(r, dtype=xp.int64)


# ------------------------------------------------------------------------------------- other draws


def bernoulli_scalar(n, p, generator=None):
    """``n`` booleans of ``bernoulli_(p)`` for a float ``p``: a 53-bit uniform below ``p``."""
    gen = get_generator(generator)
    x = u64(gen, n)
    # u * 2**-53 < p  <=>  m < ceil(p * 2**53) for the 53-bit integer m; the shift drops the high bits
    # so one comparison does it
    limit = math.ceil(min(max(float(p), 0.0), 1.0) * 2.0 ** 53)
    if limit >= 1 << 53:
        return xp.ones(n, bool)
    x <<= xp.uint64(11)
    return x < xp.uint64(limit << 11)


def bernoulli_tensor(probs, generator=None):
    """Booleans of ``bernoulli(probs)`` for a flat array ``probs``: a uniform of ``probs``' precision each."""
    gen = get_generator(generator)
    n = probs.size
    if probs.dtype == xp.float64:
        return f53(gen, n) < probs
    return f24(gen, n) < probs.astype(xp.float32, copy=False)


def exponential(n, dt, lambd=1.0, generator=None):
    """``n`` values of ``exponential_(lambd)``: ``-log1p(-u) / lambd`` in float64, rounded to ``dt``."""
    out = xp.log1p(-f53(get_generator(generator), n))
    out *= -1.0 / lambd
    return out.astype(xp.float32).astype(dt) if _is_narrow(dt) else out.astype(dt, copy=False)


def geometric(n, dt, p, generator=None):
    """``n`` values of ``geometric_(p)``: ``ceil(log(u) / log1p(-p))``."""
    with xp.errstate(divide="ignore"):
        out = xp.ceil(xp.log(f53(get_generator(generator), n)) / math.log1p(-p))
    return out.astype(dt)


def cauchy(n, dt, median=0.0, sigma=1.0, generator=None):
    """``n`` values of ``cauchy_(median, sigma)``: ``median + sigma * tan(pi * (u - 0.5))``."""
    out = xp.tan(math.pi * (f53(get_generator(generator), n) - 0.5))
    out = _axpb64(out, float(sigma), float(median))
    return out.astype(xp.float32).astype(dt) if _is_narrow(dt) else out.astype(dt, copy=False)


def log_normal(n, dt, mean=1.0, std=2.0, generator=None):
    """``n`` values of ``log_normal_(mean, std)``: ``exp`` of scalar Box-Muller normals."""
    out = xp.exp(scalar_normal(get_generator(generator), n, mean, std))
    return out.astype(xp.float32).astype(dt) if _is_narrow(dt) else out.astype(dt, copy=False)


# ------------------------------------------------------------------------------------------ writing


def memory_axes(a):
    """The axes of array ``a`` from the slowest-varying in memory to the fastest (PyTorch's kernels fill a
    tensor in its memory order)."""
    if a.flags.c_contiguous or a.ndim < 2:
        return tuple(range(a.ndim))
    return tuple(sorted(range(a.ndim), key=lambda i: -abs(a.strides[i])))


def memory_order(a):
    """A view of array ``a`` whose C order is its memory order."""
    return a.transpose(memory_axes(a))


def fill(a, values):
    """Write the flat ``values`` into array ``a`` in its memory order."""
    view = memory_order(a)
    view[...] = values.reshape(view.shape)


# ------------------------------------------------------------------------------ multinomial, poisson


def multinomial(rows, k, replacement, generator=None):
    """``k`` category indices per row of the 2-D weights ``rows`` (int64, shape ``(rows, k)``), as PyTorch's
    CPU kernel draws them."""
    gen = get_generator(generator)
    dt = rows.dtype
    if not replacement or k == 1:  # the k largest weight / Exp(1) keys (an exponential race)
        q = exponential(rows.size, dt, 1.0, gen).reshape(rows.shape)
        with xp.errstate(divide="ignore", invalid="ignore"):
            keys = (rows / q).astype(dt, copy=False)
        if k == 1:
            return xp.argmax(keys, axis=1)[:, None].astype(xp.int64)
        return xp.argsort(-keys.astype(xp.float64), axis=1, kind="stable")[:, :k].astype(xp.int64)
    acc = xp.float64 if dt == xp.float64 else xp.float32
    cum = xp.cumsum(rows, axis=1, dtype=acc)  # sequential sums, as PyTorch's loop
    cum /= cum[:, -1:]
    u = f53(gen, rows.shape[0] * k).reshape(rows.shape[0], k)
    out = xp.empty((rows.shape[0], k), xp.int64)
    for i in range(rows.shape[0]):  # one inverse-CDF search per row
        out[i] = xp.searchsorted(cum[i], u[i], side="left")
    return xp.minimum(out, rows.shape[1] - 1, out=out)


class _Uniforms:
    """53-bit uniforms drawn ahead in chunks for a sequential sampler; ``done()`` leaves the generator just
    after the ones used."""

    def __init__(self, gen, hint):
        self.gen = gen
        self.start = gen._rng.bit_generator.state
        self.buf = f53(gen, max(hint, 16)).tolist()
        self.used = 0

    def __call__(self):
        if self.used == len(self.buf):
            self.buf += f53(self.gen, len(self.buf)).tolist()
        self.used += 1
        return self.buf[self.used - 1]

    def done(self):
        if self.used < len(self.buf):
            self.gen._rng.bit_generator.state = self.start
            u64(self.gen, self.used)


def _poisson_ptrs(lam, uniform):
    """Hormann's transformed rejection with squeeze (PTRS) for ``lam`` >= 10."""
    slam, loglam = math.sqrt(lam), math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = uniform() - 0.5
        v = uniform()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= -lam + k * loglam - math.lgamma(k + 1):
            return k


def poisson(rates, generator=None):
    """Poisson samples (float64) for the flat float64 ``rates``, PyTorch's sampler and draws (multiplied
    uniforms below 10, PTRS from 10). Sequential by nature: a Python loop over the elements."""
    gen = get_generator(generator)
    uniform = _Uniforms(gen, int(xp.minimum(rates, 10).sum() + rates.size * 1.5))
    out = []
    for lam in rates.tolist():
        if lam >= 10:
            out.append(_poisson_ptrs(lam, uniform))
        elif lam == 0:
            out.append(0)
        else:
            limit, x, prod = math.exp(-lam), 0, 1.0
            while True:
                prod *= uniform()
                if prod <= limit:
                    break
                x += 1
            out.append(x)
    uniform.done()
    return xp.array(out, dtype=xp.float64)
