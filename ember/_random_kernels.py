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


# Every fused multiply-add below is the float64 sum of the exact product and the addend, rounded once more to
# float32. Rounding twice can differ from rounding once only where the float64 sum lands exactly halfway
# between two float32 values (the case :func:`fma32` repairs); for these kernels that never happens: their
# inputs are 1 - u and (float32) 2 pi u for the 2**24 possible uniforms u, and every one of them was run
# through both (tests/test_random_torch_stream.py keeps the check on a spread sample).
_LOG_SMALL = int(xp.array(0.707106781186547524, xp.float32).view(xp.int32)) & 0x007FFFFF
_BLOCK_CHUNK = 8192  # Box-Muller blocks per step: the temporaries stay in cache


def _fma(a, b, c, s, out):
    """float32 ``fma(a, b, c)`` for the kernels below (see above) into ``out``; ``s``: float64 scratch of its
    shape. (A cast first and in-place float64 arithmetic: cheaper than NumPy's mixed-type loops.)"""
    xp.copyto(s, a)
    s *= b
    s += c
    xp.copyto(out, s, casting="unsafe")
    return out


def _horner(x64, coeffs, s, out):
    """The float32 fused multiply-add Horner chain of ``coeffs`` at ``x64`` (float32 values held in float64)."""
    xp.multiply(x64, float(xp.float32(coeffs[0])), out=s)
    s += float(xp.float32(coeffs[1]))
    xp.copyto(out, s, casting="unsafe")
    for c in coeffs[2:]:
        _fma(out, x64, float(xp.float32(c)), s, out)
    return out


def _log_avx(x, s=None, s2=None):
    """Natural log of float32 ``x`` in (0, 1] as PyTorch's AVX2 kernel computes it (``s``, ``s2``: float64
    scratch arrays of its shape). Overwrites ``x``."""
    s = xp.empty(x.shape) if s is None else s
    s2 = xp.empty(x.shape) if s2 is None else s2
    bits = x.view(xp.int32)
    mant = bits & 0x007FFFFF
    small = (mant - _LOG_SMALL) >> 31  # -1 where the mantissa in [0.5, 1) is below sqrt(1/2)
    e = bits >> 23
    e -= 126
    e += small
    e = e.astype(xp.float32)
    mant |= 0x3F000000 - (small << 23)  # the mantissa, doubled where small, so t = m - 1 or 2m - 1 (exactly)
    t = mant.view(xp.float32)
    t -= xp.float32(1)
    z = t * t
    xp.copyto(s2, t)
    y = _horner(s2, _LOG_P, s, x)  # (x itself is no longer needed)
    y *= t
    _fma(y, z, e * xp.float32(_LOG_Q1), s, y)
    z *= xp.float32(0.5)
    y -= z
    y += t
    e *= xp.float32(_LOG_Q2)  # exact (an integer of 5 bits times 355 / 512): the fma is a rounded sum
    y += e
    return y


def _sincos_avx(x, s=None, s2=None):
    """(sin, cos) of float32 ``x`` >= 0 as PyTorch's AVX2 kernel computes them (``s``, ``s2``: float64 scratch
    arrays of its shape). Overwrites ``x``."""
    s = xp.empty(x.shape) if s is None else s
    s2 = xp.empty(x.shape) if s2 is None else s2
    j = (x * xp.float32(_FOUR_OVER_PI)).astype(xp.int32)
    j += 1
    j &= ~1
    xp.copyto(s2, j)
    r = x
    for d in _DP:  # extended-precision reduction by y * pi/4
        xp.multiply(s2, float(xp.float32(d)), out=s)
        s += r
        xp.copyto(r, s, casting="unsafe")
    z = r * r
    xp.copyto(s2, z)
    yc = _horner(s2, _COS_P, s, xp.empty_like(z))
    yc *= z
    half = z * xp.float32(-0.5)
    _fma(yc, s2, half, s, yc)
    yc += xp.float32(1)
    ys = _horner(s2, _SIN_P, s, half)
    ys *= z
    _fma(ys, r, r, s, ys)
    # the octant picks the polynomial (bit 1 of j) and the signs, on the bits: no data-dependent branches
    ib, cb = ys.view(xp.int32), yc.view(xp.int32)
    swap = ib ^ cb
    swap &= -((j >> 1) & 1)
    ib ^= swap
    cb ^= swap
    swap = j & 4
    swap <<= 29
    ib ^= swap
    j -= 2
    xp.invert(j, out=j)
    j &= 4
    j <<= 29
    cb ^= j
    return ys, yc


def _blocks_f32(u, mean, std):
    """PyTorch's AVX2 Box-Muller of float32 uniforms ``u`` (length a multiple of 16)."""
    b = u.reshape(-1, 2, 8)
    out = xp.empty_like(b)
    s, s2 = xp.empty((min(b.shape[0], _BLOCK_CHUNK), 8)), xp.empty((min(b.shape[0], _BLOCK_CHUNK), 8))
    for i in range(0, b.shape[0], _BLOCK_CHUNK):
        part = b[i:i + _BLOCK_CHUNK]
        k = part.shape[0]
        radius = _log_avx(xp.float32(1) - part[:, 0], s[:k], s2[:k])
        radius *= xp.float32(-2)
        xp.sqrt(radius, out=radius)
        sin, cos = _sincos_avx(xp.float32(2 * math.pi) * part[:, 1], s[:k], s2[:k])
        xp.multiply(radius, cos, out=out[i:i + k, 0])
        xp.multiply(radius, sin, out=out[i:i + k, 1])
    out = out.reshape(-1)
    return _axpb32(out, std, mean)


_LIBM_MAX = 4096  # values per call computed through ``math``: beyond, NumPy's (about 1 in 700 logs an ulp apart)


def _libm(fn, x):
    """``fn`` (a ``math`` function) of each value of the float64 array ``x``: the C library's results, as
    PyTorch's double kernels get them (NumPy's own SIMD log/exp/tan can differ by an ulp). A call per value costs
    about 100 ns, so large arrays (more than ``_LIBM_MAX`` values) take NumPy's function instead."""
    if x.size > _LIBM_MAX:
        with xp.errstate(all="ignore"):
            return getattr(xp, fn.__name__)(x)
    try:
        return xp.fromiter(map(fn, x.ravel().tolist()), xp.float64, count=x.size).reshape(x.shape)
    except (OverflowError, ValueError):  # math raises where IEEE gives inf or NaN: NumPy's values there
        with xp.errstate(all="ignore"):
            alt = getattr(xp, fn.__name__)(x).ravel()
        return xp.array([_libm_or(fn, v, a) for v, a in zip(x.ravel().tolist(), alt.tolist())]).reshape(x.shape)


def _libm_or(fn, v, alt):
    try:
        return fn(v)
    except (OverflowError, ValueError):
        return alt


def _blocks_f64(u, mean, std):
    b = u.reshape(-1, 2, 8)
    radius = _libm(math.log, 1.0 - b[:, 0])
    radius *= -2.0
    xp.sqrt(radius, out=radius)  # (sqrt is correctly rounded everywhere)
    theta = 2.0 * math.pi * b[:, 1]
    out = xp.empty_like(b)
    out[:, 0] = _axpb64(radius * xp.cos(theta), std, mean)  # (NumPy's sin and cos agree with the C library)
    out[:, 1] = _axpb64(radius * xp.sin(theta), std, mean)
    return out.reshape(-1)


def normal(n, dt, mean=0.0, std=1.0, contiguous=True, generator=None):
    """``n`` values of ``tensor.normal_(mean, std)`` for float dtype ``dt``; ``contiguous``: whether the
    tensor is (PyTorch's block kernel needs it)."""
    gen = get_generator(generator)
    if n < 16 or not contiguous:
        out = scalar_normal(gen, n, mean, std)
        return out.astype(xp.float32).astype(dt) if _is_narrow(dt) else out.astype(dt, copy=False)
    # The ragged end's 16 values come from 16 fresh uniforms drawn after the whole blocks' (PyTorch's order);
    # both sets go through one kernel pass, which halves the fixed cost of small draws.
    whole = n - n % 16
    if dt == xp.float64:
        u = f53(gen, n)
        if n % 16:
            u = xp.concatenate((u[:whole], f53(gen, 16)))
        return _ragged(_blocks_f64(u, mean, std), n)
    m32, s32 = xp.float32(mean), xp.float32(std)
    # float32 draws all n uniforms first; half and bfloat16 only the whole blocks' before the ragged end's
    u = f24(gen, n)[:whole] if dt == xp.float32 else f24(gen, whole)
    if n % 16:
        u = xp.concatenate((u, f24(gen, 16)))
    out = _ragged(_blocks_f32(u, m32, s32), n)
    return out if dt == xp.float32 else out.astype(dt)


def _ragged(blocks, n):
    """``n`` values from ``blocks``: all of it when ``n`` is a multiple of 16, else the first ``n - 16`` values of
    the whole blocks, then the extra last block's 16."""
    if n % 16 == 0:
        return blocks
    out = xp.empty(n, blocks.dtype)
    out[: n - 16] = blocks[: n - 16]
    out[n - 16:] = blocks[-16:]
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
        radius = xp.sqrt(-2.0 * _libm(math.log1p, -u[:, 1]))
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
    return fisher_yates(z.astype(xp.int64) + xp.arange(n - 1))


def fisher_yates(js):
    """The permutation of ``range(n)`` left by the swaps ``r[i] <-> r[js[i]]`` for i = 0 .. n - 2 in turn
    (``i <= js[i] < n``), without a sequential loop.

    Step i moves the value then in slot i (call it V(i)) into slot ``js[i]`` and fixes slot i for good.
    Slot j's value at time i is the V of the last earlier step that targeted j, or j itself if none; so
    V(i) follows a chain of such steps back to an untouched slot (resolved by pointer doubling), and the
    final ``r[i]`` is V(i) when ``js[i] == i``, else the V of the previous step with the same target, else
    ``js[i]``. Steps are grouped by target with one sort of ``target * 2**b + step`` (below 512 elements
    the swaps themselves are cheaper)."""
    n = js.size + 1
    bits = n.bit_length()
    idx = xp.arange(n, dtype=xp.int64)
    j = xp.empty(n, xp.int64)
    j[:-1] = js
    j[-1] = n - 1  # (slot n - 1: a no-op last step)
    if n < 512 or 2 * bits > 62:  # the plain loop: cheaper for short ones; the keys overflow from 2**31 on
        r = list(range(n))
        for i, t in enumerate(j.tolist()):
            r[i], r[t] = r[t], r[i]
        return xp.array(r, dtype=xp.int64)
    key = (j << bits) | idx
    key.sort()
    step = key & ((1 << bits) - 1)  # the steps grouped by target, in order within a group
    target = key >> bits
    prev = xp.full(n, -1, xp.int64)  # the previous step with the same target
    same = target[1:] == target[:-1]
    prev[step[1:][same]] = step[:-1][same]
    last = xp.empty(n, bool)
    last[-1] = True
    xp.not_equal(target[:-1], target[1:], out=last[:-1])
    writer, slot = step[last], target[last]  # each slot's last writer before its own step (not itself)
    writer = xp.where(writer == slot, prev[writer], writer)
    root = idx.copy()
    has = writer >= 0
    root[slot[has]] = writer[has]
    while True:  # V(i) = the slot at the end of the chain
        nxt = root[root]
        if (nxt == root).all():
            break
        root = nxt
    return xp.where(j == idx, root, xp.where(prev >= 0, root[prev], j))


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
    u = -f53(get_generator(generator), n)
    # float64 needs the C library's log1p; NumPy's is within an ulp, which rounding to narrower types hides
    out = _libm(math.log1p, u) if dt == xp.float64 else xp.log1p(u)
    out *= -1.0 / lambd
    return out.astype(xp.float32).astype(dt) if _is_narrow(dt) else out.astype(dt, copy=False)


def geometric(n, dt, p, generator=None):
    """``n`` values of ``geometric_(p)``: ``ceil(log(u) / log1p(-p))``."""
    with xp.errstate(divide="ignore"):
        out = xp.ceil(xp.log(f53(get_generator(generator), n)) / math.log1p(-p))
    return out.astype(dt)


def cauchy(n, dt, median=0.0, sigma=1.0, generator=None):
    """``n`` values of ``cauchy_(median, sigma)``: ``median + sigma * tan(pi * (u - 0.5))``."""
    u = math.pi * (f53(get_generator(generator), n) - 0.5)
    out = _libm(math.tan, u) if dt == xp.float64 else xp.tan(u)  # (as in exponential)
    out = _axpb64(out, float(sigma), float(median))
    return out.astype(xp.float32).astype(dt) if _is_narrow(dt) else out.astype(dt, copy=False)


def log_normal(n, dt, mean=1.0, std=2.0, generator=None):
    """``n`` values of ``log_normal_(mean, std)``: ``exp`` of scalar Box-Muller normals."""
    z = scalar_normal(get_generator(generator), n, mean, std)
    out = _libm(math.exp, z) if dt == xp.float64 else xp.exp(z)  # (as in exponential)
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
        # PyTorch draws the keys into a tensor laid out as the input: in the input's memory order
        q = xp.empty_like(rows)
        fill(q, exponential(rows.size, dt, 1.0, gen))
        with xp.errstate(divide="ignore", invalid="ignore"):
            keys = (rows / q).astype(dt, copy=False)
        if k == 1:
            return xp.argmax(keys, axis=1)[:, None].astype(xp.int64)
        return xp.argsort(-keys.astype(xp.float64), axis=1, kind="stable")[:, :k].astype(xp.int64)
    acc = xp.float64 if dt == xp.float64 else xp.float32
    cum = xp.cumsum(rows, axis=1, dtype=acc)  # sequential sums, as PyTorch's loop
    cum /= cum[:, -1:]
    u = f53(gen, rows.shape[0] * k).reshape(rows.shape[0], k)
    # short rows at once (a comparison per CDF value and draw beats a searchsorted call per row there): the
    # count of CDF values below each uniform
    if rows.shape[0] > 1 and rows.shape[1] * k <= 4096 and rows.size * k <= 1 << 24:
        # (``cum`` never decreases, so that count is the left insertion point searchsorted finds)
        out = (cum[:, None, :] < u[:, :, None]).sum(-1, dtype=xp.int64)
        return xp.minimum(out, rows.shape[1] - 1, out=out)
    out = xp.empty((rows.shape[0], k), xp.int64)
    for i in range(rows.shape[0]):  # one inverse-CDF search per row
        out[i] = xp.searchsorted(cum[i], u[i], side="left")
    return xp.minimum(out, rows.shape[1] - 1, out=out)


class _Uniforms:
    """53-bit uniforms drawn ahead in chunks for a sequential sampler: ``u()`` gives the next one, ``pos`` counts
    those used, ``ahead(k)`` makes the next ``k`` readable in the array ``arr`` (for speculative vectorised
    steps, which then move ``pos`` themselves); ``done()`` leaves the generator just after the ones used."""

    def __init__(self, gen, hint):
        self.gen = gen
        self.start = gen._rng.bit_generator.state
        self.arr = f53(gen, max(hint, 16))
        self.buf = self.arr.tolist()
        self.pos = 0

    def ahead(self, k):
        if self.pos + k > len(self.buf):
            more = f53(self.gen, max(self.pos + k - len(self.buf), len(self.buf)))
            self.arr = xp.concatenate([self.arr, more])
            self.buf += more.tolist()
        return self.arr

    def __call__(self):
        if self.pos == len(self.buf):
            self.ahead(1)
        self.pos += 1
        return self.buf[self.pos - 1]

    def done(self):
        if self.pos < len(self.buf):
            self.gen._rng.bit_generator.state = self.start
            u64(self.gen, self.pos)


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


# ---------------------------------------------------------------------------- gamma, dirichlet, binomial
#
# PyTorch's CPU gamma sampler takes the elements one after another (memory order), each by Marsaglia and
# Tsang's method on 53-bit uniforms and scalar Box-Muller normals (whose cached second value it shares with
# ``normal``): for alpha < 1 first ``scale = (1 - u) ** (1 / alpha)`` and alpha + 1; then d = alpha - 1/3
# (1/3 and this subtraction in the dtype's precision), c = 1 / sqrt(9 d), and rounds of a normal x (redrawn
# while y = 1 + c x <= 0), v = y^3 and u = 1 - uniform, until u < 1 - 0.0331 x^4 (0.0331 as a float32) or
# log u < x^2 / 2 + d (1 - v + log v); the sample is scale * d * v. Most elements accept their first normal,
# so blocks of elements are evaluated at once assuming that, up to the first one that does not, which is
# finished on its own (the draws it used known) before the next block.

_F0331 = float(xp.float32(0.0331))
_THIRD32 = float(xp.float32(1.0) / xp.float32(3.0))


class _GammaState:
    """The uniforms of a sequential gamma sampler, the generator's cached normal, and how many first normals
    were rejected."""

    def __init__(self, gen, hint):
        self.u = _Uniforms(gen, hint)
        self.cache = gen._normal
        self.gen = gen
        self.rejected = 0

    def done(self):
        self.u.done()
        self.gen._normal = self.cache


def _gamma_constants(alpha, single):
    """Per element: whether alpha < 1 (a first uniform), its exponent 1 / alpha, d and c."""
    pre = alpha < 1.0
    with xp.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / alpha
        a = xp.where(pre, alpha + 1.0, alpha)
        if single:  # float32 arithmetic (correctly rounded through float64: one operation each)
            inv = inv.astype(xp.float32).astype(xp.float64)
            a = a.astype(xp.float32).astype(xp.float64)
            d = (a - _THIRD32).astype(xp.float32).astype(xp.float64)
        else:
            d = a - _THIRD32
        c = 1.0 / xp.sqrt(9.0 * d)
    return pre, inv, d, c


def _gamma_run(st, out, i, j, pre, inv, d, c):
    """Samples of elements ``i:j`` into ``out``, one after another as PyTorch takes them (the lists ``pre``,
    ``inv``, ``d``, ``c`` from :func:`_gamma_constants`)."""
    u = st.u
    buf, pos, cache, rejected = u.buf, u.pos, st.cache, st.rejected
    log, log1p, sqrt, sin, cos, pow_ = math.log, math.log1p, math.sqrt, math.sin, math.cos, math.pow
    two_pi = 2.0 * math.pi
    for e in range(i, j):
        de, ce = d[e], c[e]
        if pos + 8 > len(buf):
            u.pos = pos
            buf = (u.ahead(8), u.buf)[1]
        if pre[e]:
            scale = pow_(1.0 - buf[pos], inv[e])
            pos += 1
        else:
            scale = 1.0
        first = True
        while True:
            if not first:
                rejected += 1
                if pos + 8 > len(buf):
                    u.pos = pos
                    buf = (u.ahead(8), u.buf)[1]
            first = False
            if cache is None:
                radius = sqrt(-2.0 * log1p(-buf[pos + 1]))
                theta = two_pi * buf[pos]
                pos += 2
                cache = radius * sin(theta)
                x = radius * cos(theta)
            else:
                x, cache = cache, None
            y = 1.0 + ce * x
            if y <= 0:  # a NaN y goes on, as in PyTorch
                continue
            v = y * y * y
            uu = 1.0 - buf[pos]
            pos += 1
            xx = x * x
            if uu < 1.0 - _F0331 * xx * xx or (v > 0 and log(uu) < 0.5 * xx + de * (1.0 - v + log(v))):
                out[e] = scale * de * v
                break
    u.pos, st.cache, st.rejected = pos, cache, rejected


def _gamma_block(st, pre, inv, d, c):
    """Samples of a block of elements, all assumed to accept their first normal: (values of the leading
    elements that did, how many they are)."""
    n = pre.size
    cached = (xp.arange(n) + (st.cache is not None)) % 2 == 1  # a normal pair serves two elements
    draws = pre + xp.where(cached, 0, 2) + 1
    start = xp.cumsum(draws) - draws + st.u.pos
    buf = st.u.ahead(int(draws.sum()))
    npos = start + pre
    fresh = xp.flatnonzero(~cached)
    u2 = buf[npos[fresh] + 1]
    radius = xp.sqrt(-2.0 * _libm(math.log1p, -u2))  # (the C library's functions, as PyTorch's)
    theta = 2.0 * math.pi * buf[npos[fresh]]
    x = xp.empty(n)
    x[fresh] = radius * xp.cos(theta)
    later = fresh + 1 < n  # the pair's second value goes to the next element
    x[fresh[later] + 1] = radius[later] * xp.sin(theta[later])
    if cached[0]:
        x[0] = st.cache
    y = 1.0 + c * x
    v = y * y * y
    u = 1.0 - buf[npos + xp.where(cached, 0, 2)]
    xx = x * x
    with xp.errstate(divide="ignore", invalid="ignore"):
        ok = ~(y <= 0) & (u < 1.0 - _F0331 * xx * xx)
        late = xp.flatnonzero(~ok & ~(y <= 0) & (v > 0) & (u > 0))  # the log test decides (few elements)
        if late.size:
            ok[late] = _libm(math.log, u[late]) < 0.5 * xx[late] + d[late] * (1.0 - v[late] + _libm(math.log, v[late]))
    k = n if ok.all() else int(xp.argmin(ok))
    scale = xp.ones(k)
    if pre[:k].any():
        p = xp.flatnonzero(pre[:k])
        scale[p] = xp.fromiter(map(math.pow, (1.0 - buf[start[p]]).tolist(), inv[p].tolist()), xp.float64, p.size)
    # the state before element k (or after the block)
    if k < n:
        st.u.pos = int(start[k])
        st.cache = float(x[k]) if cached[k] else None
    else:
        st.u.pos = int(start[-1] + draws[-1])
        st.cache = None if cached[-1] else float(radius[-1] * xp.sin(theta[-1]))
    return scale * d[:k] * v[:k], k


def standard_gamma(alpha, single, generator=None):
    """Gamma(alpha, 1) samples (float64, unrounded) for the flat float64 ``alpha``, as PyTorch's CPU sampler
    draws them; ``single``: its float32 kernel (whose alpha arithmetic is float32). alpha == 0 gives 0 and no
    draw. The caller rounds to the dtype and raises results below its smallest normal number to it."""
    gen = get_generator(generator)
    out = xp.zeros(alpha.size)
    todo = xp.flatnonzero(alpha != 0)
    if not todo.size:
        return out
    pre, inv, d, c = _gamma_constants(alpha[todo], single)
    st = _GammaState(gen, int(3 * todo.size + pre.sum()))
    vals = xp.empty(todo.size)
    lists = (pre.tolist(), inv.tolist(), d.tolist(), c.tolist())
    i, n = 0, todo.size
    while i < n:
        # rejections are a few percent or less: a block evaluated at once pays off when they are rare
        # enough, the plain loop otherwise (judged by the rate so far)
        run = (i + 64) / (st.rejected + 1)
        if run < 300 or n - i < 64:
            j = min(n, i + 256)
            _gamma_run(st, vals, i, j, *lists)
            i = j
            continue
        j = min(n, i + int(run))
        got, k = _gamma_block(st, pre[i:j], inv[i:j], d[i:j], c[i:j])
        vals[i:i + k] = got
        i += k
        if i < j:  # element i rejected its first normal (or drew a y <= 0): finish it on its own
            _gamma_run(st, vals, i, i + 1, *lists)
            i += 1
    st.done()
    out[todo] = vals
    return out


def clamp_tiny(values, dt):
    """``values`` rounded to ``dt``, with everything not above its smallest normal number (NaN too) raised to
    it, as PyTorch's gamma samplers end."""
    out = values.astype(dt)
    tiny = xp.finfo(dt).tiny
    return xp.where(out > tiny, out, dt.type(tiny))


def _ceil_log2(n):
    return int(n - 1).bit_length() if n > 1 else 0


def _cascade(terms, size):
    """PyTorch's cascaded sum of ``terms(i)`` for i < size (arrays of one shape): sequential sums flushed into
    four levels of partial sums every 2**p terms (p >= 4)."""
    power = max(4, _ceil_log2(size) // 4)
    step = 1 << power
    acc = [0.0] * 4
    i = 0
    while i + step <= size:
        for _ in range(step):
            acc[0] = acc[0] + terms(i)
            i += 1
        for lvl in range(1, 4):
            acc[lvl] = acc[lvl] + acc[lvl - 1]
            acc[lvl - 1] = 0.0
            if i & ((step - 1) << (lvl * power)):
                break
    while i < size:
        acc[0] = acc[0] + terms(i)
        i += 1
    return acc[0] + acc[1] + acc[2] + acc[3]


def _ilp_sum(x):
    """PyTorch's sum of the ``(rows, k, *lanes)`` array over axis 1: four interleaved cascaded sums, then the
    leftover terms into the first, then the four added in order."""
    k = x.shape[1]
    q = k // 4
    if q:
        g = x[:, :4 * q].reshape(x.shape[0], q, 4, *x.shape[2:])
        part = _cascade(lambda i: g[:, i], q)
        part = part + xp.zeros(g[:, 0].shape)
    else:
        part = xp.zeros((x.shape[0], 4) + x.shape[2:])
    first = part[:, 0]
    for i in range(4 * q, k):
        first = first + x[:, i]
    return ((first + part[:, 1]) + part[:, 2]) + part[:, 3]


def row_sums(x, lanes=4):
    """The sums over the last axis of the contiguous float64 2-D ``x``, added in PyTorch's CPU order (its
    vectorised inner reduction over ``lanes``-wide vectors once a row has that many values), so they round
    the same."""
    k = x.shape[1]
    if k < lanes:
        return _ilp_sum(x)
    nv = k // lanes
    vec = _ilp_sum(x[:, :nv * lanes].reshape(x.shape[0], nv, lanes))
    out = xp.zeros(x.shape[0])
    for i in range(nv * lanes, k):
        out = out + x[:, i]
    for i in range(lanes):
        out = out + vec[:, i]
    return out


def dirichlet(alpha, dt, generator=None):
    """Dirichlet samples for the ``(rows, k)`` concentrations ``alpha`` (rows of its memory order), as PyTorch's
    CPU sampler: float64 gamma draws (at least the smallest normal float64), divided by their sum, rounded to
    ``dt`` and kept in [smallest normal, the float below 1]."""
    g = clamp_tiny(standard_gamma(alpha.astype(xp.float64).reshape(-1), False, generator), xp.dtype(xp.float64))
    g = g.reshape(alpha.shape)
    out = (g / row_sums(g)[:, None]).astype(dt)
    return xp.clip(out, xp.finfo(dt).tiny, xp.nextafter(dt.type(1), dt.type(0)))


# PyTorch's CPU binomial sampler, per element in order, from 53-bit uniforms: 0 when count <= 0 or p <= 0,
# count when p >= 1; otherwise, with q = min(p, 1 - p) (the draw for q subtracted from count when p > 1/2),
# inversion by geometric jumps (ceil(log u / log1p(-q)) until their sum passes count) when count q < 10, else
# Hormann's BTRS transformed rejection (its acceptance test in PyTorch's form, with Stirling tails). The
# expressions PyTorch evaluates in the dtype's precision are so here (float32 ones precomputed in NumPy).

def _stirling_tail(k):
    """log(k!) - (k + 1/2) log(k + 1) + (k + 1) - log(2 pi) / 2, from its series beyond k = 9."""
    if k <= 9:
        return _STIRLING_TAILS[int(k)]
    sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / sq) / sq) / (k + 1)


def _stirling_tails(k):
    """:func:`_stirling_tail` of a float64 array."""
    with xp.errstate(all="ignore"):
        sq = (k + 1) * (k + 1)
        far = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / sq) / sq) / (k + 1)
        return xp.where(k <= 9, xp.take(_STIRLING_TAILS, xp.clip(xp.nan_to_num(k), 0, 9).astype(xp.int64)), far)


_STIRLING_TAILS = [math.lgamma(k + 1) - (k + 0.5) * math.log(k + 1) + (k + 1) - 0.5 * math.log(2 * math.pi)
                   for k in range(10)]


def _binomial_inversion(u, count, logq, log, floor):
    total, num = 0.0, 0.0
    while True:
        total -= floor(log(u()) / -logq)  # ceil
        if total > count:
            return num
        num += 1.0


def _binomial_btrs(u, count, cst, log, floor):
    a, b, c, v_r, alpha, r, m, base = cst
    while True:
        uu = u() - 0.5
        v = u()
        us = 0.5 - abs(uu)
        k = floor((2 * a / us + b) * uu + c)
        if k < 0 or k > count:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = log(v * alpha / (a / (us * us) + b))
        bound = (base + (count + 1) * log((count - m + 1) / (count - k + 1))
                 + (k + 0.5) * log(r * (count - k + 1) / (k + 1)) - _stirling_tail(k) - _stirling_tail(count - k))
        if v <= bound:
            return k


def _btrs_constants(count, q, sd, cq, r, m):
    """BTRS's per-element constants (float64 arrays; ``sd``, ``cq``, ``r``, ``m`` in the dtype's precision)."""
    with xp.errstate(all="ignore"):
        b = 1.15 + 2.53 * sd
        a = -0.0873 + 0.0248 * b + 0.01 * q
        alpha = (2.83 + 5.1 / b) * sd
        tails = _stirling_tails(m) + _stirling_tails(count - m)
        base = (m + 0.5) * _libm(math.log, (m + 1) / (r * (count - m + 1))) + tails
    return a, b, cq + 0.5, 0.92 - 4.2 / b, alpha, r, m, base


def binomial(count, prob, single, generator=None):
    """Binomial samples (float64) for the flat float64 ``count`` and ``prob`` (values of the dtype), as
    PyTorch's CPU sampler draws them; ``single``: its float32 kernel. A NaN count with 0 < p < 1 gives NaN
    (PyTorch's loop never ends there)."""
    gen = get_generator(generator)
    flip = prob > 0.5
    ft = xp.float32 if single else xp.float64
    with xp.errstate(all="ignore"):
        c32, p32 = count.astype(ft), prob.astype(ft)
        q = xp.where(flip, ft(1) - p32, p32)
        cq = c32 * q
        sd = xp.sqrt(cq * (ft(1) - q))
        r = q / (ft(1) - q)
        m = xp.floor((c32 + ft(1)) * q)
        logq = xp.log1p(-q.astype(xp.float64)).astype(ft) if single else _libm(math.log1p, -q)
    out = xp.where(prob >= 1.0, count, 0.0)
    live = (count > 0) & (prob > 0) & (prob < 1)
    out[live & xp.isnan(count)] = xp.nan
    out[xp.isnan(prob) & ~(count <= 0)] = xp.nan
    live &= ~xp.isnan(count)
    rows = xp.flatnonzero(live)
    if not rows.size:
        return out
    big = cq[rows] >= 10
    cst = [None] * rows.size
    if big.any():
        i = rows[big]
        f64 = [v[i].astype(xp.float64) for v in (count, q, sd, cq, r, m)]
        for j, t in zip(xp.flatnonzero(big).tolist(), zip(*(v.tolist() for v in _btrs_constants(*f64)))):
            cst[j] = t
    args = zip(rows.tolist(), count[rows].tolist(), logq[rows].astype(xp.float64).tolist(), flip[rows].tolist(), cst)
    u = _Uniforms(gen, int(2 * rows.size))
    for i, nn, lq, fl, t in args:
        start = u.pos
        try:
            k = _binomial_btrs(u, nn, t, math.log, math.floor) if t else _binomial_inversion(u, nn, lq, math.log,
                                                                                              math.floor)
        except (ZeroDivisionError, ValueError, OverflowError):  # a log 0, x / 0 or floor(inf): redo in IEEE
            u.pos = start
            with xp.errstate(all="ignore"):
                f64 = xp.float64
                k = float(_binomial_btrs(u, f64(nn), tuple(map(f64, t)), xp.log, xp.floor) if t
                          else _binomial_inversion(u, f64(nn), f64(lq), xp.log, xp.floor))
        out[i] = nn - k if fl else k
    u.done()
    return out
