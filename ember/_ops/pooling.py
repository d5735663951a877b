"""Pooling (max/avg/adaptive/unpool) and interpolation, N-d over the trailing spatial dims.

Max pooling gathers each window's taps into a trailing axis with one strided copy and takes ``argmax`` there;
the winning tap (a small integer per output) is all backward needs. Adaptive average pooling and
interpolation are separable linear maps, applied one spatial dim at a time as a matmul with a small matrix.
"""

import itertools
import math

from ember._backend import xp
from ember._ops import Op
from ember._ops.elementwise import copy_as, empty_strided, preserved_strides, suggest_format
from ember._tensor import wrap

_as_strided = xp.lib.stride_tricks.as_strided


def pool_out_size(size, k, s, p, d, ceil_mode):
    """Output length of a pooling window sweep (PyTorch's rule, including the ceil-mode overhang fix)."""
    eff = size + 2 * p - d * (k - 1) - 1
    if ceil_mode:
        out = -(-eff // s) + 1
        if (out - 1) * s >= size + p:
            out -= 1
    else:
        out = eff // s + 1
    return out


def _pad_spatial(x, lo, hi, value):
    """Pad the trailing ``len(lo)`` dims with ``value``; returns ``x`` itself when nothing to pad."""
    if not any(lo) and not any(hi):
        return x
    nd = len(lo)
    lead = x.shape[:-nd]
    shape = lead + tuple(s + a + b for s, a, b in zip(x.shape[-nd:], lo, hi))
    out = xp.full(shape, value, dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(a, a + s) for a, s in zip(lo, x.shape[-nd:]))] = x
    return out


def _geometry(shape, k, s, p, d, ceil_mode):
    nd = len(k)
    sp = shape[-nd:]
    out = tuple(pool_out_size(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip(sp, k, s, p, d))
    # Extent the windows actually reach (ceil mode may run past the right padding).
    hi = tuple(max(0, (o - 1) * ss + dd * (kk - 1) + 1 - n - pp) for o, ss, dd, kk, n, pp in zip(out, s, d, k, sp, p))
    return out, hi


def _windows(xpad, k, s, d, out):
    """View ``(..., *out, *k)`` of the padded input."""
    nd = len(k)
    st = xpad.strides
    lead = xpad.shape[:-nd]
    shape = lead + tuple(out) + tuple(k)
    strides = st[:-nd] + tuple(a * b for a, b in zip(st[-nd:], s)) + tuple(a * b for a, b in zip(st[-nd:], d))
    return _as_strided(xpad, shape, strides, writeable=False)


_GEOMETRIES = {}  # (shape, kernel, stride, padding, dilation, ceil_mode) -> (out, hi, tap slices)


def _tap_slices(nd, tap, s, d, out):
    return (Ellipsis,) + tuple(slice(t * dd, t * dd + ss * (o - 1) + 1, ss) for t, dd, ss, o in zip(tap, d, s, out))


def _max_geometry(shape, k, s, p, d, ceil_mode):
    key = (shape, k, s, p, d, ceil_mode)
    geom = _GEOMETRIES.get(key)
    if geom is None:
        out, hi = _geometry(shape, k, s, p, d, ceil_mode)
        slices = [_tap_slices(len(k), tap, s, d, out) for tap in itertools.product(*[range(kk) for kk in k])]
        geom = (out, hi, slices, not (any(p) or any(hi)))
        if len(_GEOMETRIES) < 4096:
            _GEOMETRIES[key] = geom
    return geom


def _el_strides(a):
    return tuple(st // a.itemsize for st in a.strides)


def pool_layout(out, x):
    """A pooling result ``out`` in PyTorch's layout for input ``x``: channels-last stays channels-last (4-D/5-D),
    any other input gives row-major. ``out`` itself when it already is (always, for a row-major ``x``)."""
    if x.flags.c_contiguous:
        return out
    if x.ndim in (4, 5):
        fmt = suggest_format(x.shape, _el_strides(x))
        if fmt != "contiguous":
            return out if suggest_format(out.shape, _el_strides(out)) == fmt else copy_as(out, fmt)
    return xp.ascontiguousarray(out)


def grad_in_layout(g, xstrides):
    """Input gradient ``g`` (e.g. a crop of a padded buffer) as a fresh dense array laid out as the input was
    (``xstrides``: its element strides, None for row-major), as PyTorch returns it."""
    if xstrides is None:
        return xp.ascontiguousarray(g)
    out = empty_strided(g.shape, preserved_strides(g.shape, xstrides), g.dtype)
    out[...] = g
    return out


def max_pool_nograd(x, k, s, p, d, ceil_mode):
    """Max-pool values only (no indices, no graph); same result as :class:`MaxPool`."""
    out, hi, slices, unpadded = _max_geometry(x.shape, k, s, p, d, ceil_mode)
    if k == (2, 2) and s == k and unpadded and d == (1, 1) and x.ndim >= 3 and x.flags.c_contiguous:
        lead, (h, w) = x.shape[:-2], x.shape[-2:]
        if not (h & 1 or w & 1):
            # Row pairs first (contiguous inner runs), then column pairs on half the data.
            rows = x.reshape(lead + (h >> 1, 2, w))
            m = xp.maximum(rows[..., 0, :], rows[..., 1, :])
            cols = m.reshape(lead + (h >> 1, w >> 1, 2))
            return xp.maximum(cols[..., 0], cols[..., 1])
    if unpadded and len(slices) > 1:
        vals = xp.maximum(x[slices[0]], x[slices[1]])
        for sl in slices[2:]:
            xp.maximum(vals, x[sl], out=vals)
        return pool_layout(vals, x)
    op = MaxPool(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode)
    return op.forward(x)


def _scatter_to_plane(idx, grad, xshape, nd):
    """``grad`` (a Tensor) summed into zeros of ``xshape`` at the flat per-plane positions ``idx``, with
    ember's differentiable ``scatter_add`` (its gradient w.r.t. ``grad`` is the gather at ``idx``)."""
    import ember  # the public layer builds on these ops: import at call time

    lead = xshape[:-nd]
    index = wrap(xp.ascontiguousarray(idx).reshape(lead + (-1,)))
    gx = ember.zeros(lead + (math.prod(xshape[-nd:]),), dtype=grad.dtype)
    return gx.scatter_add(-1, index, grad.reshape(lead + (-1,))).reshape(xshape)


class MaxPool(Op):
    """``max_pool{1,2,3}d`` on ``(N, C, *S)``; returns ``(values, indices)`` (indices flat per plane)."""

    family = "pooling"
    grad_name = "MaxPool2DWithIndicesBackward0"
    differentiable_outputs = 1
    kernel_size = (2, 2)
    stride = (2, 2)
    padding = (0, 0)
    dilation = (1, 1)
    ceil_mode = False
    return_indices = False

    def forward(self, x):
        k, s, p, d = self.kernel_size, self.stride, self.padding, self.dilation
        nd = len(k)
        out, hi, slices, unpadded = _max_geometry(x.shape, k, s, p, d, self.ceil_mode)
        if not unpadded:
            fill = -xp.inf if x.dtype.kind in "fV" else xp.iinfo(x.dtype).min
            xpad = _pad_spatial(x, p, hi, fill)
        else:
            xpad = x
        taps = [xpad[sl] for sl in slices]
        need_arg = self.requires_grad or self.return_indices
        vals = taps[0].copy() if len(taps) == 1 else xp.maximum(taps[0], taps[1])
        if need_arg:
            # Running maximum over the taps, remembering the first tap that attains it (PyTorch's tie rule).
            adt = xp.uint8 if len(taps) <= 255 else xp.int32
            mask = xp.empty(vals.shape, dtype=bool)
            if len(taps) > 1:
                xp.greater(taps[1], taps[0], out=mask)
                arg = mask.astype(adt)
            else:
                arg = xp.zeros(vals.shape, dtype=adt)
            tmp = xp.empty(vals.shape, dtype=adt)
            for t in range(2, len(taps)):
                xp.greater(taps[t], vals, out=mask)
                xp.maximum(vals, taps[t], out=vals)
                # Taps are visited in increasing order, so "arg = t where the max moved" is a running max.
                xp.multiply(mask, adt(t), out=tmp)
                xp.maximum(arg, tmp, out=arg)
        else:
            for t in range(2, len(taps)):
                xp.maximum(vals, taps[t], out=vals)
        vals = pool_layout(vals, x)
        if self.requires_grad:
            self.save(arg)
            self.geom = (x.shape, xpad.shape, out, hi)
            self.xstrides = None if x.flags.c_contiguous else _el_strides(x)
        if self.return_indices:
            return vals, self._indices(arg, x.shape[-nd:], out)
        return vals

    def _indices(self, arg, sp, out):
        k, s, p, d = self.kernel_size, self.stride, self.padding, self.dilation
        nd = len(k)
        offs = xp.unravel_index(xp.arange(len(list(itertools.product(*[range(kk) for kk in k])))), k)
        idx = xp.zeros(arg.shape, dtype=xp.int64)
        plane = 1
        for ax in range(nd - 1, -1, -1):
            base = xp.arange(out[ax], dtype=xp.int64) * s[ax] - p[ax]
            base = base.reshape((-1,) + (1,) * (nd - 1 - ax))
            pos = base + offs[ax].astype(xp.int64)[arg] * d[ax]
            idx += pos * plane
            plane *= sp[ax]
        return idx

    def backward_graph(self, grad, _gi=None):
        """Differentiable backward (``create_graph=True``): a scatter-add of ``grad`` to the winning taps,
        linear in ``grad`` and flat in the input, as PyTorch's."""
        (arg,) = self.saved
        xshape, _, out, _ = self.geom
        nd = len(self.kernel_size)
        return (_scatter_to_plane(self._indices(arg, xshape[-nd:], out), grad, tuple(xshape), nd),)

    def backward(self, grad, _gi=None):
        (arg,) = self.saved
        xshape, pshape, out, hi = self.geom
        k, s, p, d = self.kernel_size, self.stride, self.padding, self.dilation
        nd = len(k)
        disjoint = all(kk * dd <= ss for kk, ss, dd in zip(k, s, d))
        exact = disjoint and all(kk == ss and o * ss == n for kk, ss, o, n in zip(k, s, out, pshape[-nd:]))
        gx = (xp.empty if exact else xp.zeros)(pshape, dtype=grad.dtype)
        mask = xp.empty(arg.shape, dtype=bool)
        for t, tap in enumerate(itertools.product(*[range(kk) for kk in k])):
            sl = gx[_tap_slices(nd, tap, s, d, out)]
            xp.equal(arg, t, out=mask)
            if disjoint:
                xp.multiply(grad, mask, out=sl)
            else:
                sl += grad * mask
        if any(p) or any(hi):  # (a crop of the padded buffer: a fresh array in the input's layout)
            gx = grad_in_layout(gx[(Ellipsis,) + tuple(slice(a, a + n) for a, n in zip(p, xshape[-nd:]))],
                                self.xstrides)
        return (gx,)


class AvgPool(Op):
    """``avg_pool{1,2,3}d`` on ``(N, C, *S)``."""

    linear = True  # double backward: see ember.autograd.engine._LinearBackward

    family = "pooling"
    grad_name = "AvgPool2DBackward0"
    kernel_size = (2, 2)
    stride = (2, 2)
    padding = (0, 0)
    ceil_mode = False
    count_include_pad = True
    divisor_override = None

    def forward(self, x):
        k, s, p = self.kernel_size, self.stride, self.padding
        nd = len(k)
        d = (1,) * nd
        out, hi = _geometry(x.shape, k, s, p, d, self.ceil_mode)
        xpad = _pad_spatial(x, p, hi, 0)
        acc = None
        for tap in itertools.product(*[range(kk) for kk in k]):
            v = xpad[_tap_slices(nd, tap, s, d, out)]
            if acc is None:
                acc = v.copy(order="K")  # (keeps an unpadded channels-last input's layout)
            else:
                acc += v
        div = self._divisor(x.shape[-nd:], out, x.dtype if x.dtype.kind in "fV" else xp.float64)
        if x.dtype.kind not in "fV":  # integer pooling divides and truncates, as PyTorch does
            return (acc / div).astype(x.dtype)
        if isinstance(div, float):
            acc *= x.dtype.type(1.0 / div)
        else:
            acc /= div
        if self.requires_grad:
            self.geom = (x.shape, xpad.shape, out, div)
            self.xstrides = None if x.flags.c_contiguous else _el_strides(x)
        # (PyTorch's 3-D average pooling has no channels-last kernel: row-major out)
        return pool_layout(acc, x) if x.ndim != 5 else xp.ascontiguousarray(acc)

    def _divisor(self, sp, out, dtype):
        if self.divisor_override:
            return float(self.divisor_override)
        k, s, p = self.kernel_size, self.stride, self.padding
        counts = []
        for n, o, kk, ss, pp in zip(sp, out, k, s, p):
            start = xp.arange(o) * ss - pp
            end = xp.minimum(start + kk, n + pp)
            if not self.count_include_pad:
                c = xp.minimum(end, n) - xp.maximum(start, 0)
            else:
                c = end - start
            counts.append(c)
        if all(bool((c == c[0]).all()) for c in counts):
            return float(math.prod(int(c[0]) for c in counts))
        div = xp.ones((), dtype=dtype)
        for ax, c in enumerate(counts):
            div = div * c.astype(dtype).reshape((-1,) + (1,) * (len(counts) - 1 - ax))
        return div

    def backward(self, grad):
        xshape, pshape, out, div = self.geom
        k, s, p = self.kernel_size, self.stride, self.padding
        nd = len(k)
        d = (1,) * nd
        g = grad * grad.dtype.type(1.0 / div) if isinstance(div, float) else grad / div
        disjoint = all(kk <= ss for kk, ss in zip(k, s))
        exact = disjoint and all(kk == ss and o * ss == n for kk, ss, o, n in zip(k, s, out, pshape[-nd:]))
        gx = (xp.empty if exact else xp.zeros)(pshape, dtype=grad.dtype)
        for tap in itertools.product(*[range(kk) for kk in k]):
            sl = _tap_slices(nd, tap, s, d, out)
            if disjoint:
                gx[sl] = g
            else:
                gx[sl] += g
        if pshape != xshape:  # (a crop of the padded buffer: a fresh array in the input's layout)
            gx = grad_in_layout(gx[(Ellipsis,) + tuple(slice(a, a + n) for a, n in zip(p, xshape[-nd:]))],
                                self.xstrides)
        return (gx,)


def adaptive_ranges(n, o):
    """PyTorch's adaptive windows: ``[floor(i*n/o), ceil((i+1)*n/o))`` for each output ``i``."""
    return [((i * n) // o, -(-((i + 1) * n) // o)) for i in range(o)]


def _avg_matrix(n, o, dtype):
    m = xp.zeros((o, n), dtype=dtype)
    for i, (a, b) in enumerate(adaptive_ranges(n, o)):
        m[i, a:b] = 1.0 / (b - a)
    return m


def along_axis(a, axis, m):
    """Apply the ``(o, n)`` matrix ``m`` along ``axis`` (of length ``n``) of ``a``: one broadcast GEMM."""
    axis %= a.ndim
    if axis == a.ndim - 1:
        return a @ m.T
    if axis == a.ndim - 2:  # (a transposed view would take NumPy's slow non-BLAS loop)
        return m @ a
    return xp.moveaxis(xp.moveaxis(a, axis, -1) @ m.T, -1, axis)


def layout_as_input(out, x):
    """``out`` as a fresh array laid out as PyTorch lays out a pooling's or interpolation's result: channels-last
    when the input ``x`` is (4-D / 5-D), row-major otherwise."""
    if out is x:
        return copy_as(x)
    if x.ndim in (4, 5) and not x.flags.c_contiguous:
        fmt = suggest_format(x.shape, tuple(s // x.itemsize for s in x.strides))
        if fmt != "contiguous":
            return copy_as(out, fmt)
    return xp.ascontiguousarray(out)


class _Separable(Op):
    """A linear map applied independently along each trailing spatial dim: ``out = ... M_d ...``."""

    linear = True  # double backward: see ember.autograd.engine._LinearBackward

    def matrices(self, sp, dtype):  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x):
        nd = len(self.output_size)
        mats = self.matrices(x.shape[-nd:], x.dtype)
        out = x
        for ax, m in enumerate(mats):
            if m is None:
                continue
            out = along_axis(out, x.ndim - nd + ax, m)
        if self.requires_grad:
            self.mats = mats
        return layout_as_input(out, x)

    def backward(self, grad):
        nd = len(self.mats)
        out = grad
        for ax, m in enumerate(self.mats):
            if m is None:
                continue
            out = along_axis(out, grad.ndim - nd + ax, m.T)
        return (xp.ascontiguousarray(out),)


class AdaptiveAvgPool(_Separable):
    family = "pooling"
    grad_name = "AdaptiveAvgPool2DBackward0"
    output_size = (1, 1)

    def matrices(self, sp, dtype):
        return [None if n == o else _avg_matrix(n, o, dtype) for n, o in zip(sp, self.output_size)]


def _nearest_matrix(n, o, scale, exact, dtype, given=False, nd=2):
    # scale: input/output ratio used by PyTorch (1/scale_factor when ``given``, else n/o). For "nearest" PyTorch
    # takes the source index of float32 (and half) inputs in float32 (the ratio rounded to float32, then
    # floorf(i * ratio)), and i // 2 when the output is exactly twice the input: float64 picks a neighbouring pixel
    # for some sizes (70 -> 50). (nearest-exact: 10 of 14,161 size pairs below 120 still differ from PyTorch at one
    # pixel where (i + 0.5) * n / o is exactly an integer)
    if not exact and o == 2 * n:
        src = xp.arange(o) >> 1
    elif xp.dtype(dtype) == xp.float64 and nd != 2:
        # 1-D / 3-D float64 kernels: ratio and product in float64, rounded to float32, then floored
        i = xp.arange(o, dtype=xp.float64)
        src = xp.floor(((i + 0.5) * scale if exact else i * scale).astype(xp.float32))
    elif xp.dtype(dtype) == xp.float64:  # (2-D float64: computed in float64; ~0.5% of size pairs still differ)
        i = xp.arange(o, dtype=xp.float64)
        src = xp.floor((i + 0.5) * scale) if exact else xp.floor(i * scale)
    else:
        ratio = xp.float32(scale) if given else xp.float32(n) / xp.float32(o)
        i = xp.arange(o, dtype=xp.float32)
        src = xp.floor((i + xp.float32(0.5)) * ratio) if exact else xp.floor(i * ratio)
    src = xp.minimum(src.astype(xp.int64), n - 1)
    m = xp.zeros((o, n), dtype=dtype)
    m[xp.arange(o), src] = 1
    return m


def _fma(a, b, c):
    """float32 ``a * b + c`` with one rounding, as a fused multiply-add (the product is exact in float64)."""
    return (xp.asarray(a, dtype=xp.float64) * xp.asarray(b, dtype=xp.float64) + c).astype(xp.float32)


def _source_index(n, o, scale, align_corners, dtype):
    """Source coordinates of the ``o`` outputs (before clamping) in PyTorch's arithmetic for ``dtype``.

    ``scale`` is ``1 / scale_factor`` when one was given, else None (``n / o``). float64 inputs are computed in
    float64; other inputs in float32, the ratio rounded to float32 and ``ratio * (i + 0.5) - 0.5`` fused into
    one rounding, as PyTorch's compiled CPU kernel does (its weights then match bit for bit).
    """
    if xp.dtype(dtype) == xp.float64:
        i = xp.arange(o, dtype=xp.float64)
        if align_corners:
            return i * ((n - 1) / (o - 1)) if o > 1 else xp.zeros(o)
        return (i + 0.5) * (n / o if scale is None else scale) - 0.5
    i = xp.arange(o, dtype=xp.float32)
    if align_corners:
        return i * (xp.float32(n - 1) / xp.float32(o - 1)) if o > 1 else xp.zeros(o, dtype=xp.float32)
    ratio = xp.float32(n) / xp.float32(o) if scale is None else xp.float32(scale)
    return _fma(ratio, i + xp.float32(0.5), -0.5)


def _floor_and_fraction(src, n):
    # PyTorch's guard: index floor(src) capped at n - 1, fraction clamped to [0, 1] (in src's precision)
    idx = xp.minimum(xp.floor(src).astype(xp.int64), n - 1)
    lam = xp.clip(src - idx.astype(src.dtype), 0, 1).astype(src.dtype)
    return idx, lam


def _interp_taps(n, o, scale, align_corners, dtype, cubic):
    """The source taps of a linear (2) or cubic (4, Keys' a = -0.75) resampling of ``n`` to ``o``: a list of
    index arrays and a list of weight arrays, in PyTorch's arithmetic for ``dtype`` (see ``_source_index``)."""
    src = _source_index(n, o, scale, align_corners, dtype)
    if not cubic:
        f, t = _floor_and_fraction(xp.maximum(src, src.dtype.type(0)), n)
        return [f, xp.minimum(f + 1, n - 1)], [src.dtype.type(1) - t, t]
    f, t = _floor_and_fraction(src, n)
    if src.dtype == xp.float64:
        a = -0.75

        def c1(x):  # |x| <= 1
            return ((a + 2) * x - (a + 3)) * x * x + 1

        def c2(x):  # 1 < |x| < 2
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    else:
        # float32 polynomials, with the multiply-adds PyTorch's compiled kernel fuses (bit-identical weights)
        a = xp.float32(-0.75)

        def c1(x):
            return (_fma(a + 2, x, -(a + 3)) * x) * x + xp.float32(1)

        def c2(x):
            return _fma(_fma(a, x, -5 * a), x, 8 * a) * x - 4 * a

    one = src.dtype.type(1)
    return [xp.clip(f - 1 + j, 0, n - 1) for j in range(4)], [c2(t + one), c1(t), c1(one - t), c2((one - t) + one)]


def _taps_matrix(n, taps, dtype):
    idx, ws = taps
    m = xp.zeros((len(idx[0]), n), dtype=ws[0].dtype)
    rows = xp.arange(len(idx[0]))
    for i, w in zip(idx, ws):
        xp.add.at(m, (rows, i), w)
    return m.astype(dtype, copy=False)


class Upsample(_Separable):
    """``interpolate`` for modes nearest / nearest-exact / linear / bilinear / trilinear / bicubic."""

    family = "pooling"
    grad_name = "UpsampleNearest2DBackward0"
    output_size = (1, 1)
    mode = "nearest"
    align_corners = False
    scales = None  # per-dim input/output ratios PyTorch uses when scale_factor was given

    def forward(self, x):
        if x.dtype != xp.uint8 or self.mode not in ("bilinear", "bicubic"):
            return super().forward(x)
        # uint8 images: PyTorch resizes W, then H, with the antialias kernel's fixed-point arithmetic (also
        # without antialias), rounding and clamping to uint8 after each pass
        mats = self.matrices(x.shape[-2:], xp.float64)
        out = x
        for axis, m in ((-1, mats[1]), (-2, mats[0])):
            if m is not None:
                out = _fixed_point_resample(out, axis, m)
        return layout_as_input(out, x)

    def taps(self, sp, dtype):
        """Per spatial dim, the linear / cubic taps (None for a linear dim whose size is kept: PyTorch copies it,
        whatever the scale factor)."""
        cubic = self.mode == "bicubic"
        return [None if n == o and not cubic else
                _interp_taps(n, o, None if self.scales is None else self.scales[ax], self.align_corners, dtype, cubic)
                for ax, (n, o) in enumerate(zip(sp, self.output_size))]

    def matrices(self, sp, dtype):
        if not self.mode.startswith("nearest"):
            return [None if t is None else _taps_matrix(n, t, dtype) for n, t in zip(sp, self.taps(sp, dtype))]
        exact, given = self.mode == "nearest-exact", self.scales is not None
        # A kept size is a copy unless a scale factor was given: then PyTorch still samples at 1 / scale_factor,
        # except in its 2-D "nearest" kernel, which copies
        copy = not given or (not exact and len(sp) == 2)
        return [None if n == o and copy else
                _nearest_matrix(n, o, self.scales[ax] if given else n / o, exact, dtype, given, len(sp))
                for ax, (n, o) in enumerate(zip(sp, self.output_size))]


# Antialiased resampling (``interpolate(..., antialias=True)``): each output sample averages the input under a
# filter stretched by the downscaling ratio (so every input pixel contributes, as in PIL), its taps normalised
# to sum to one. Upsampling keeps the filter's own width.
_AA_SUPPORT = {"bilinear": 1.0, "bicubic": 2.0, "lanczos": 3.0}  # filter half-widths, in input pixels


def _aa_filter(mode, x):
    x = xp.abs(x)
    if mode == "bilinear":  # triangle
        return xp.maximum(1.0 - x, 0.0)
    if mode == "bicubic":  # Keys' cubic with a = -0.5 (PIL's; plain bicubic uses -0.75)
        a = -0.5
        near = ((a + 2) * x - (a + 3)) * x * x + 1
        far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return xp.where(x < 1, near, xp.where(x < 2, far, 0.0))
    return xp.where(x < 3, xp.sinc(x) * xp.sinc(x / 3), 0.0)  # Lanczos-3


def antialias_matrix(n, o, ratio, align_corners, mode):
    """The ``(o, n)`` float64 weights of an antialiased resampling of length ``n`` to ``o``.

    ``ratio`` is the input/output scale PyTorch uses when a scale factor was given (``1 / scale_factor``), else
    None (``n / o``). Output ``i`` is centred at ``ratio * (i + 0.5)`` in input coordinates; the taps are the
    input pixels whose centres lie within the (stretched) support, cut at the borders and renormalised.
    """
    if align_corners:
        ratio = (n - 1) / (o - 1) if o > 1 else 0.0
    elif ratio is None or ratio <= 0:
        ratio = n / o
    stretch = max(ratio, 1.0)
    support = _AA_SUPPORT[mode] * stretch
    center = ratio * (xp.arange(o, dtype=xp.float64) + 0.5)
    lo = xp.maximum((center - support + 0.5).astype(xp.int64), 0)  # C casts: truncation toward zero
    hi = xp.minimum((center + support + 0.5).astype(xp.int64), n)
    j = xp.arange(n)
    w = _aa_filter(mode, (j - center[:, None] + 0.5) / stretch)
    w = xp.where((j >= lo[:, None]) & (j < hi[:, None]), w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    return xp.where(total != 0, w / xp.where(total != 0, total, 1.0), 0.0)


def _fixed_point_resample(x, axis, m):
    """One uint8 pass as PyTorch's integer kernel: weights scaled to int16 with as many fraction bits as the
    largest one allows, products summed exactly (in float64, whose integers are exact far beyond these sums),
    rounded half up by the shift, clamped to [0, 255]."""
    top = float(m.max())
    bits = 0
    while bits < 22 and int(0.5 + top * (1 << (bits + 1))) < (1 << 15):
        bits += 1
    scale = float(1 << bits)
    wi = xp.trunc(m * scale + xp.where(m < 0, -0.5, 0.5))
    acc = along_axis(x.astype(xp.float64), axis, wi)
    return xp.clip(xp.floor((acc + scale / 2) / scale), 0, 255).astype(xp.uint8)


class UpsampleAntialias(_Separable):
    """``interpolate(..., antialias=True)`` on ``(N, C, H, W)``, modes bilinear / bicubic / lanczos.

    A dim whose size does not change is copied as is (as PyTorch's forward does, whatever the scale factor).
    """

    family = "pooling"
    grad_name = "UpsampleBilinear2DAaBackward0"
    output_size = (1, 1)
    mode = "bilinear"
    align_corners = False
    scales = None  # per-dim input/output ratios when scale_factor was given

    def matrices(self, sp, dtype):
        return [None if n == o else antialias_matrix(n, o, None if self.scales is None else self.scales[ax],
                                                     self.align_corners, self.mode).astype(dtype)
                for ax, (n, o) in enumerate(zip(sp, self.output_size))]

    def forward(self, x):
        if x.dtype != xp.uint8:
            return super().forward(x)
        mh, mw = self.matrices(x.shape[-2:], xp.float64)
        out = x
        for axis, mat in ((-1, mw), (-2, mh)):  # width first, rounding to uint8 after each pass, as PyTorch
            if mat is not None:
                out = _fixed_point_resample(out, axis, mat)
        return layout_as_input(out, x)


class AdaptiveMaxPool(Op):
    """``adaptive_max_pool{1,2}d``: a loop over output cells (outputs are small), argmax within each window."""

    family = "pooling"
    grad_name = "AdaptiveMaxPool2DBackward0"
    differentiable_outputs = 1
    output_size = (1, 1)

    def forward(self, x):
        nd = len(self.output_size)
        sp = x.shape[-nd:]
        lead = x.shape[:-nd]
        ranges = [adaptive_ranges(n, o) for n, o in zip(sp, self.output_size)]
        vals = xp.empty(lead + tuple(self.output_size), dtype=x.dtype)
        idx = xp.empty(lead + tuple(self.output_size), dtype=xp.int64)
        for cell in itertools.product(*[range(o) for o in self.output_size]):
            wins = [ranges[ax][c] for ax, c in enumerate(cell)]
            block = x[(Ellipsis,) + tuple(slice(a, b) for a, b in wins)]
            flat = block.reshape(lead + (math.prod(block.shape[len(lead):]),))  # explicit: lead may hold a 0
            a = flat.argmax(axis=-1)
            vals[(Ellipsis,) + cell] = xp.take_along_axis(flat, a[..., None], axis=-1)[..., 0]
            local = xp.unravel_index(a, tuple(b - a0 for a0, b in wins))
            pos = xp.zeros(a.shape, dtype=xp.int64)
            for ax, (a0, _) in enumerate(wins):
                pos = pos * sp[ax] + (local[ax] + a0)
            idx[(Ellipsis,) + cell] = pos
        if self.requires_grad:
            self.save(idx)
            self.xshape = x.shape
        return vals, idx

    def backward_graph(self, grad, _gi=None):
        """Differentiable backward (``create_graph=True``): a scatter-add to the winners, as :class:`MaxPool`."""
        return (_scatter_to_plane(self.saved[0], grad, tuple(self.xshape), len(self.output_size)),)

    def backward(self, grad, _gi=None):
        (idx,) = self.saved
        nd = len(self.output_size)
        lead = self.xshape[:-nd]
        plane = math.prod(self.xshape[-nd:])
        gx = xp.zeros((math.prod(lead), plane), dtype=grad.dtype)
        rows = xp.arange(gx.shape[0])[:, None]
        cells = math.prod(self.output_size)  # explicit: the batch may be empty
        xp.add.at(gx, (rows, idx.reshape(gx.shape[0], cells)), grad.reshape(gx.shape[0], cells))
        return (gx.reshape(self.xshape),)


class MaxUnpool(Op):
    """``max_unpool{1,2,3}d``: scatter values to their flat per-plane indices."""

    family = "pooling"
    grad_name = "MaxUnpool2DBackward0"
    output_size = (1, 1)

    def forward(self, x, idx):
        nd = len(self.output_size)
        lead = x.shape[:-nd]
        plane = math.prod(self.output_size)
        out = xp.zeros(lead + (plane,), dtype=x.dtype)
        flat_idx = idx.reshape(lead + (-1,))
        if flat_idx.size:
            bad = (flat_idx < 0) | (flat_idx >= plane)
            if bad.any():
                sizes = tuple(self.output_size) + ((1,) if nd == 1 else ())  # (1-d runs as 2-d in PyTorch)
                raise RuntimeError(f"Found an invalid max index: {int(flat_idx[bad][0])} (output volumes are of "
                                   f"size {'x'.join(str(o) for o in sizes)})")
        xp.put_along_axis(out, flat_idx, x.reshape(lead + (-1,)), axis=-1)
        if self.requires_grad:
            self.save(flat_idx)
            self.xshape = x.shape
        return out.reshape(lead + tuple(self.output_size))

    def backward(self, grad):
        (flat_idx,) = self.saved
        nd = len(self.output_size)
        g = grad.reshape(grad.shape[:-nd] + (-1,))
        return (xp.take_along_axis(g, flat_idx, axis=-1).reshape(self.xshape), None)

    def backward_graph(self, grad):
        # Linear in grad (a gather at the constant indices), independent of the input's values.
        (flat_idx,) = self.saved
        g = grad.reshape(tuple(grad.shape[:-len(self.output_size)]) + (-1,))
        return (g.gather(g.ndim - 1, wrap(flat_idx)).reshape(self.xshape), None)


def fractional_starts(u, n_in, n_out, k):
    """Window starts ``(..., n_out)`` of fractional max pooling along one dim, for per-plane samples ``u``.

    PyTorch's pseudo-random sequence ``int((i + u) * a) - int(u * a)`` with ``a = (n_in - k) / (n_out - 1)``,
    the last window flush with the end; computed in ``u``'s dtype as PyTorch does, so that the same samples
    give the same windows.
    """
    dt = u.dtype
    starts = xp.empty(u.shape + (n_out,), dtype=xp.int64)
    if n_out > 1:
        a = dt.type(n_in - k) / dt.type(n_out - 1)
        i = xp.arange(n_out - 1).astype(dt)
        starts[..., :-1] = ((i + u[..., None]) * a).astype(xp.int64) - (u * a).astype(xp.int64)[..., None]
    if n_out > 0:
        starts[..., -1] = n_in - k
    return starts


class FractionalMaxPool(Op):
    """``fractional_max_pool{2,3}d`` on ``(N, C, *S)``: max over ``kernel_size`` windows at pseudo-random starts.

    ``samples`` (an ``(N', C, nd)`` array, ``N' >= N``, in the input's dtype) holds one number per plane and
    spatial dim, in PyTorch's layout: (W, H) in 2-D but (T, H, W) in 3-D. All windows are gathered at once
    through flat per-plane indices; returns ``(values, indices)``, the indices flat per plane.
    """

    family = "pooling"
    grad_name = "FractionalMaxPool2DBackward0"
    differentiable_outputs = 1
    kernel_size = (2, 2)
    output_size = (1, 1)
    samples = None

    def forward(self, x):
        k, out = self.kernel_size, self.output_size
        nd = len(k)
        lead, sp = x.shape[:-nd], x.shape[-nd:]
        planes = math.prod(lead)
        u = self.samples[: lead[0] if len(lead) == 2 else 1].reshape(planes, nd)
        # flat position of each window's first tap, and of each tap relative to it
        pos = xp.zeros((planes,) + tuple(out), dtype=xp.int64)
        taps = xp.zeros(tuple(max(kk, 0) for kk in k), dtype=xp.int64)
        stride = 1
        for ax in range(nd - 1, -1, -1):
            st = fractional_starts(u[:, nd - 1 - ax if nd == 2 else ax], sp[ax], out[ax], k[ax])
            pos += (st * stride).reshape((planes,) + (1,) * ax + (out[ax],) + (1,) * (nd - 1 - ax))
            taps += (xp.arange(max(k[ax], 0)) * stride).reshape((1,) * ax + (-1,) + (1,) * (nd - 1 - ax))
            stride *= sp[ax]
        flat = x.reshape(planes, math.prod(sp))  # explicit sizes: the batch may be empty
        if taps.size == 0:  # an empty window (kernel_size 0): -inf at the window's start, as PyTorch
            vals = xp.full(pos.shape, -xp.inf, dtype=x.dtype)
            idx = pos
        else:
            where = pos[..., None] + taps.reshape(-1)  # (planes, *out, taps)
            win = xp.take_along_axis(flat, where.reshape(planes, math.prod(where.shape[1:])), axis=1)
            win = win.reshape(where.shape)
            arg = win.argmax(axis=-1)  # the first maximum in window order, PyTorch's tie rule
            nan = xp.isnan(win)
            if nan.any():  # PyTorch keeps the last NaN of a window
                last = taps.size - 1 - nan[..., ::-1].argmax(axis=-1)
                arg = xp.where(nan.any(axis=-1), last, arg)
            idx = xp.take_along_axis(where, arg[..., None], axis=-1)[..., 0]
            vals = xp.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
        shape = lead + tuple(out)
        idx = idx.reshape(shape)
        if self.requires_grad:
            self.save(idx)
            self.xshape = x.shape
        return vals.reshape(shape), idx

    def backward_graph(self, grad, _gi=None):
        """Differentiable backward (``create_graph=True``): a scatter-add to the winners, as :class:`MaxPool`."""
        return (_scatter_to_plane(self.saved[0], grad, tuple(self.xshape), len(self.kernel_size)),)

    def backward(self, grad, _gi=None):
        (idx,) = self.saved
        nd = len(self.kernel_size)
        if min(self.kernel_size) <= 0:  # empty windows won nothing
            return (xp.zeros(self.xshape, dtype=grad.dtype),)
        planes = math.prod(self.xshape[:-nd])
        plane = math.prod(self.xshape[-nd:])
        # Windows overlap: sum the gradients of every window a position won (one flat bincount).
        offsets = xp.arange(planes, dtype=xp.int64)[:, None] * plane
        flat = idx.reshape(planes, math.prod(self.output_size)) + offsets
        gx = xp.bincount(flat.ravel(), weights=grad.ravel(), minlength=planes * plane)
        return (gx.astype(grad.dtype, copy=False).reshape(self.xshape),)


__all__ = ["max_pool_nograd", "MaxPool", "AvgPool", "AdaptiveAvgPool", "AdaptiveMaxPool", "MaxUnpool", "Upsample",
           "FractionalMaxPool", "pool_out_size", "adaptive_ranges", "fractional_starts"]
