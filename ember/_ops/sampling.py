"""Grid sampling (``F.grid_sample``): ``GridSampler2d`` samples ``(N, C, H, W)`` at the normalised ``(x, y)``
points of an ``(N, Ho, Wo, 2)`` grid (bilinear, nearest or bicubic), ``GridSampler3d`` samples ``(N, C, D, H, W)``
at the ``(x, y, z)`` points of an ``(N, Do, Ho, Wo, 3)`` grid (trilinear, called bilinear, or nearest); zeros,
border or reflection padding.

Every grid point is mapped to input pixel coordinates once; its taps (2**dims for linear, 1 for nearest, 16 for
bicubic) are gathered for all channels at once with ``take_along_axis`` on the flattened spatial axis, which
carries one extra zero element that out-of-bounds taps point at (so they read exactly 0, whatever the input
holds). The input gradient scatters the taps back with one ``bincount``; the grid gradient is the analytic
derivative of the interpolation weights, chained through the padding and unnormalisation.

Rounding follows PyTorch's CPU kernels: the 2-D float32 and float64 kernels are vectorised and compiled with
fused multiply-adds (the unnormalisation is ``fma(x + 1, size / 2, -0.5)`` and the taps are summed as a chain of
FMAs). For float32 they are emulated in float64, where every product of two float32 values is exact; for float64
with error-free transformations (:func:`_fma64`). Rounding the coordinate once matters beyond the last bit: a point
on a pixel centre (the identity ``affine_grid``) lands exactly on the integer, or just below it, and the grid
gradient takes the slope of that side. The 3-D kernel is scalar code without FMAs (one rounding per operation).
"""

import itertools
import math

from ember._backend import xp
from ember._ops import Op, backward_by_recompute, zero_link
from ember._tensor import wrap

_A = -0.75  # the cubic convolution constant of PyTorch's bicubic modes


_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter of a float64 into two 26-bit halves


def _fma64(a, b, c):
    """``a * b + c`` in float64 with a single rounding, as a hardware fused multiply-add (``a`` has the shape of
    the result; ``b`` and ``c`` broadcast against it).

    Boldo and Melquiond's emulation: Dekker's exact product and Knuth's exact sum split ``a * b + c`` into a
    rounded high part and low parts whose sum is rounded to odd, so that the final rounding to nearest is not a
    double rounding. Where the splitting overflows (huge or non-finite operands) the plainly rounded
    ``a * b + c`` stands in."""
    p = a * b
    t = a * _SPLIT  # Veltkamp: a = ah + al and b = bh + bl with 26-bit halves, so their products are exact
    ah = t - a
    xp.subtract(t, ah, out=ah)
    al = a - ah
    tb = b * _SPLIT  # (b may be a scalar: no in-place steps on its halves)
    bh = tb - (tb - b)
    bl = b - bh
    e = ah * bh  # e = a * b - p, exactly
    e -= p
    ah *= bl
    e += ah
    xp.multiply(al, bh, out=t)
    e += t
    al *= bl
    e += al
    th = c + p  # th + tl = c + p, exactly
    bb = th - c
    tl = th - bb
    xp.subtract(c, tl, out=tl)
    xp.subtract(p, bb, out=bb)
    tl += bb
    v = tl + e  # v + err = tl + e, exactly
    xp.subtract(v, tl, out=bb)
    err = v - bb
    xp.subtract(tl, err, out=err)
    xp.subtract(e, bb, out=bb)
    err += bb
    # rounding v to odd: where inexact with an even last bit, step to the neighbour on err's side (+1 in the
    # bits away from zero, -1 towards it; v is never 0 where err is not)
    bits = v.view(xp.int64)
    step = (err != 0) & ((bits & 1) == 0)
    bits += step.astype(xp.int64) * (2 * ((err > 0) == (v > 0)) - 1)
    th += v
    bad = ~xp.isfinite(th)
    if bad.any():
        th[bad] = xp.broadcast_to(a * b + c, th.shape)[bad]
    return th


def _fma(a, b, c):
    """``a * b + c`` with one rounding, for float32 (exact product and sum in float64) or float64."""
    if a.dtype == xp.float64:
        return _fma64(a, xp.asarray(b, dtype=xp.float64), xp.asarray(c, dtype=xp.float64))
    return (a.astype(xp.float64) * b + c).astype(a.dtype)


def _unnormalize(coord, size, align_corners, fused):
    """Pixel coordinate of a [-1, 1] coordinate, and d(pixel)/d(coord)."""
    dt = coord.dtype.type
    if align_corners:
        scale = (size - 1) / 2
        return (coord + dt(1)) * dt(scale), scale
    scale = size / 2
    if fused:  # one rounding of (x + 1) * scale - 0.5
        return _fma(coord + dt(1), scale, -0.5), scale
    return (coord + dt(1)) * dt(scale) - dt(0.5), scale


def _clip(coord, size, nan_high=False):
    """Clip to [0, size - 1]; the gradient multiplier is 0 where clipped (also exactly at the bounds).

    A NaN coordinate becomes 0 (``nan_high``: size - 1), as PyTorch's 2-D (3-D) kernels clip it: fmax / fmin
    drop the NaN, so this costs no extra pass.
    """
    mult = ((coord > 0) & (coord < size - 1)).astype(coord.dtype)
    if nan_high:
        return xp.fmin(xp.maximum(coord, 0), size - 1), mult
    return xp.minimum(xp.fmax(coord, 0), size - 1), mult


def _reflect(coord, twice_low, twice_high):
    """Reflect into [twice_low/2, twice_high/2]; returns the coordinate and the gradient sign."""
    if twice_low == twice_high:
        return xp.zeros_like(coord), xp.zeros_like(coord)
    dt = coord.dtype.type
    lo = dt(twice_low / 2)
    span = dt((twice_high - twice_low) / 2)
    c = coord - lo
    sign = xp.where(c < 0, dt(-1), dt(1))
    c = xp.abs(c)
    extra = xp.fmod(c, span)
    flips = xp.floor(c / span)
    even = (flips % 2) == 0
    out = xp.where(even, extra + lo, (span - extra) + lo)
    return out, xp.where(even, sign, -sign)


def _pad(coord, size, padding_mode, align_corners, nan_high=False):
    """Coordinates after border or reflection padding, and their gradient multiplier (None: 1)."""
    if padding_mode == "border":
        return _clip(coord, size, nan_high)
    if padding_mode == "reflection":
        if align_corners:
            c, m = _reflect(coord, 0, 2 * (size - 1))
        else:
            c, m = _reflect(coord, -1, 2 * size - 1)
        c, m2 = _clip(c, size, nan_high)
        return c, m * m2
    return coord, None


def _cubic_coefficients(t, fused):
    """Weights of the taps at distances ``1 + t``, ``t``, ``1 - t``, ``2 - t`` (Keys' cubic, a = -0.75).

    With ``fused`` (the 2-D kernel), rounded as PyTorch's vectorised kernel: the inner polynomial's first step
    and its last step are fused multiply-adds; the outer polynomial rounds every operation."""
    dt = t.dtype.type
    a = dt(_A)

    def near(s):  # |s| <= 1
        if fused:
            return _fma(_fma(s, _A + 2, -(_A + 3)) * s, s, 1.0)
        return ((dt(_A + 2) * s - dt(_A + 3)) * s) * s + dt(1)

    def far(s):  # 1 < |s| < 2
        return ((a * s - dt(5 * _A)) * s + dt(8 * _A)) * s - dt(4 * _A)

    one = dt(1)
    return [far(t + one), near(t), near(one - t), far(dt(2) - t)]


def _cubic_derivatives(t):
    """d/dt of :func:`_cubic_coefficients`."""
    dt = t.dtype.type

    def near(s):
        return (dt(3 * (_A + 2)) * s - dt(2 * (_A + 3))) * s

    def far(s):
        return (dt(3 * _A) * s - dt(10 * _A)) * s + dt(8 * _A)

    one = dt(1)
    return [far(t + one), near(t), -near(one - t), -far(dt(2) - t)]


def _fma_chain(values, weights):
    """``sum(v * w)`` in order as a chain of fused multiply-adds (the first product rounded alone).

    For float32 each step is exact in float64 up to its final rounding: a product of two float32 values fits.
    float64 sums plainly: an exact float64 FMA over every tap and channel made the forward 2-5x slower for
    last-bit parity only (the coordinates, which decide the gradients, stay fused)."""
    acc = values[0] * weights[0]
    if acc.dtype == xp.float64:
        for v, w in zip(values[1:], weights[1:]):
            acc = acc + v * w
        return acc
    wide = xp.empty(acc.shape, dtype=xp.float64)
    for v, w in zip(values[1:], weights[1:]):
        xp.multiply(v, w.astype(xp.float64), out=wide)
        wide += acc
        xp.copyto(acc, wide, casting="same_kind")
    return acc


class _GridSampler(Op):
    """Shared machinery; ``nd`` spatial dims. Grid coordinates run x (last input dim), y, z."""

    family = None
    nd = 2
    mode = "bilinear"
    padding_mode = "zeros"
    align_corners = False

    def _fused(self, dtype):
        return self.nd == 2 and (dtype == xp.float32 or dtype == xp.float64)

    def _coords(self, sizes, grid, fused):
        """Per grid dim: (unnormalised coordinate (N, P), unnormalisation scale)."""
        n, p = grid.shape[0], math.prod(grid.shape[1:-1])  # (p counted: reshape(0, -1) fails for an empty batch)
        return [_unnormalize(grid[..., k].reshape(n, p), sizes[k], self.align_corners, fused)
                for k in range(self.nd)]

    def _plan(self, shape, grid):
        """The taps as (flat index (N, P) with the zero slot for out-of-bounds, weight factors per dim, their
        derivative signs or arrays per dim) and the per-dim gradient multipliers of the coordinates."""
        sizes = shape[2:][::-1]  # grid order: x, y[, z]
        strides = [1]
        for s in sizes[:-1]:
            strides.append(strides[-1] * s)
        # (image offsets of the rows, the zero slot) in the (N * (S + 1), C) rows of _rows
        total = (xp.arange(shape[0], dtype=xp.intp)[:, None] * (strides[-1] * sizes[-1] + 1), strides[-1] * sizes[-1])
        coords = self._coords(sizes, grid, self._fused(grid.dtype))
        if self.mode == "bicubic":
            return self._bicubic_plan(sizes, strides, total, coords)
        padded = [_pad(c, s, self.padding_mode, self.align_corners, self.nd == 3) for (c, _), s in zip(coords, sizes)]
        mults = [scale if m is None else m * grid.dtype.type(scale) for (_, scale), (_, m) in zip(coords, padded)]
        if self.mode == "nearest":
            corners = [[(xp.rint(c), None, None)] for c, _ in padded]
        else:
            corners = []
            for c, _ in padded:
                lo = xp.floor(c)
                hi = lo + grid.dtype.type(1)
                corners.append([(lo, hi - c, -1), (hi, c - lo, 1)])
        taps = []
        # z outermost, x innermost: PyTorch's order of the corners (nw, ne, sw, se; then the bottom layer)
        for combo in itertools.product(*corners[::-1]):
            combo = combo[::-1]
            taps.append((self._index([p for p, _, _ in combo], sizes, strides, total),
                         [w for _, w, _ in combo], [s for _, _, s in combo]))
        return taps, mults

    def _index(self, positions, sizes, strides, total):
        """Row indices (N, P) into :meth:`_rows` of the taps at ``positions`` (the zero slot when outside)."""
        offsets, slot = total
        valid = None
        flat = None
        for p, s, st in zip(positions, sizes, strides):
            ok = (p >= 0) & (p <= s - 1)
            valid = ok if valid is None else valid & ok
            i = xp.clip(p, 0, s - 1).astype(xp.intp)
            if st != 1:
                i *= st
            flat = i if flat is None else flat + i
        flat = xp.where(valid, flat, slot)  # out of bounds: the zero slot
        flat += offsets
        return flat

    def _bicubic_plan(self, sizes, strides, total, coords):
        (x, sx), (y, sy) = coords
        dt = x.dtype.type
        x0, y0 = xp.floor(x), xp.floor(y)
        tx, ty = x - x0, y - y0
        fused = self._fused(x.dtype)
        cx, cy = _cubic_coefficients(tx, fused), _cubic_coefficients(ty, fused)
        # Padding applies to every tap's own coordinate (the tap offsets are exact in floating point).
        xs = [_pad(x0 + dt(j - 1), sizes[0], self.padding_mode, self.align_corners)[0] for j in range(4)]
        ys = [_pad(y0 + dt(i - 1), sizes[1], self.padding_mode, self.align_corners)[0] for i in range(4)]
        index = [[self._index([xs[j], ys[i]], sizes, strides, total) for j in range(4)] for i in range(4)]
        return (index, cx, cy, tx, ty), [sx, sy]

    def _rows(self, input):
        """``(N * (S + 1), C)``: each image's pixels as rows of channels, then a zero row (the zero slot), so that
        a tap gathers whole rows (much faster than gathering along the last axis of ``(N, C, S)``)."""
        n, c = input.shape[:2]
        size = math.prod(input.shape[2:])  # (not input[0, 0]: N or C may be 0)
        rows = xp.empty((n, size + 1, c), dtype=input.dtype)
        rows[:, :size] = input.reshape(n, c, size).transpose(0, 2, 1)
        rows[:, size] = 0
        return rows.reshape(n * (size + 1), c)

    @staticmethod
    def _gather(rows, index):
        return rows.take(index, axis=0)  # (N, P, C)

    def forward(self, input, grid):
        n, c = input.shape[:2]
        out_sp = grid.shape[1:-1]
        flat = self._rows(input)
        plan, _ = self._plan(input.shape, grid)
        fused = self._fused(input.dtype)
        if self.mode == "bicubic":
            index, cx, cy, _, _ = plan
            rows = []
            for i in range(4):
                vals = [self._gather(flat, index[i][j]) for j in range(4)]
                ws = [w[:, :, None] for w in cx]
                if fused and vals[0].dtype == xp.float32:  # as PyTorch rounds a row (float64: plain, see _fma_chain)
                    row = (_fma(vals[0], ws[0], vals[1] * ws[1]) + vals[2] * ws[2]) + vals[3] * ws[3]
                else:
                    row = _plain_sum(vals, ws)
                rows.append(row)
            ws = [w[:, :, None] for w in cy]
            out = _fma_chain(rows, ws) if fused else _plain_sum(rows, ws)
        elif self.mode == "nearest":
            out = self._gather(flat, plan[0][0])
        else:
            vals, ws = [], []
            for idx, factors, _ in plan:
                vals.append(self._gather(flat, idx))
                w = factors[0]
                for f in factors[1:]:
                    w = w * f
                ws.append(w[:, :, None])
            if fused:
                out = _fma_chain(vals, ws)
            else:  # the scalar kernel: zero, then one rounded product and one rounded sum per tap
                out = xp.zeros_like(vals[0])
                for v, w in zip(vals, ws):
                    out += v * w
        if self.requires_grad:
            self.save(input, grid)
        if c > 1:
            out = xp.ascontiguousarray(out.transpose(0, 2, 1))
        return out.reshape((n, c) + tuple(out_sp))

    def backward(self, grad):
        input, grid = self.saved
        n, c = input.shape[:2]
        total = math.prod(input.shape[2:])
        p = math.prod(grid.shape[1:-1])
        g = grad.reshape(n, c, p)
        plan, mults = self._plan(input.shape, grid)
        if self.mode == "bicubic":
            index, cx, cy, tx, ty = plan
            taps = [(index[i][j], cx[j] * cy[i]) for i in range(4) for j in range(4)]
        elif self.mode == "nearest":
            taps = [(plan[0][0], None)]
        else:
            taps = []
            for idx, factors, _ in plan:
                w = factors[0]
                for f in factors[1:]:
                    w = w * f
                taps.append((idx, w))
        grad_input = grad_grid = None
        g = xp.ascontiguousarray(g.transpose(0, 2, 1)) if c != 1 else g.reshape(n, p, 1)  # (N, P, C)
        if self.needs_input_grad[0]:
            chans = xp.arange(c, dtype=xp.intp)
            index = xp.concatenate([(idx[..., None] * c + chans).ravel() for idx, _ in taps])
            values = xp.concatenate([(g if w is None else g * w[..., None]).ravel() for _, w in taps])
            grad_input = xp.bincount(index, weights=values, minlength=n * (total + 1) * c).astype(input.dtype)
            grad_input = grad_input.reshape(n, total + 1, c)[:, :total].transpose(0, 2, 1).reshape(input.shape)
            grad_input = xp.ascontiguousarray(grad_input)
        if self.needs_input_grad[1]:
            grad_grid = xp.zeros(grid.shape, dtype=grid.dtype)
            if self.mode != "nearest":
                rows = self._rows(input)
                parts = [xp.zeros((n, p), dtype=grid.dtype) for _ in range(self.nd)]
                if self.mode == "bicubic":
                    index, cx, cy, tx, ty = plan
                    dcx, dcy = _cubic_derivatives(tx), _cubic_derivatives(ty)
                    for i in range(4):
                        for j in range(4):
                            gv = xp.einsum("npc,npc->np", g, self._gather(rows, index[i][j]))
                            parts[0] += gv * (dcx[j] * cy[i])
                            parts[1] += gv * (cx[j] * dcy[i])
                else:
                    for idx, factors, signs in plan:
                        gv = xp.einsum("npc,npc->np", g, self._gather(rows, idx))
                        for k in range(self.nd):
                            others = None
                            for j, f in enumerate(factors):
                                if j != k:
                                    others = f if others is None else others * f
                            parts[k] += gv * others if signs[k] > 0 else -(gv * others)
                for k in range(self.nd):
                    grad_grid[..., k] = (parts[k] * mults[k]).reshape(grid.shape[:-1])
        return grad_input, grad_grid


    def backward_graph(self, grad):
        # Differentiate a recomputation from tensor ops: the taps' positions (floor, rint, padding branches)
        # are constants, the weights differentiable functions of the grid, the values of the input.
        res = list(backward_by_recompute(self, (grad,), self._composite))
        if res[0] is not None:  # the recomputation's permutes leave it strided: contiguous, as PyTorch's
            res[0] = res[0].contiguous()
        if self.mode == "nearest":
            # piecewise constant in the grid: PyTorch's (zero) grid gradient and its input gradient stay linked
            # to the grid, with zero derivatives
            grid = self._inputs[1]
            if self.needs_input_grad[1]:
                res[1] = zero_link(grid)
            if res[0] is not None and grid.requires_grad:
                res[0] = res[0] + zero_link(grid).sum()
        return tuple(res)

    def _composite(self, input, grid):
        """The forward from differentiable tensor ops (plain rounding: only its derivatives are used)."""
        from ember._functions import cat

        shape = tuple(input.shape)
        n, c = shape[:2]
        sizes = shape[2:][::-1]
        strides = [1]
        for s in sizes[:-1]:
            strides.append(strides[-1] * s)
        size = strides[-1] * sizes[-1]
        total = (xp.arange(n, dtype=xp.intp)[:, None] * (size + 1), size)
        zero = wrap(xp.zeros((n, 1, c), dtype=input._data.dtype))
        rows = cat([input.reshape(n, c, size).permute(0, 2, 1), zero], 1).reshape(n * (size + 1), c)
        coords = []
        for k in range(self.nd):
            u = grid[..., k].reshape(n, math.prod(grid.shape[1:-1])) + 1.0
            s = sizes[k]
            coords.append(u * ((s - 1) / 2) if self.align_corners else u * (s / 2) - 0.5)
        if self.mode == "bicubic":
            x, y = coords
            x0, y0 = xp.floor(x._data), xp.floor(y._data)
            cx, cy = _cubic_tensors(x - wrap(x0)), _cubic_tensors(y - wrap(y0))
            xs = [_pad(x0 + (j - 1), sizes[0], self.padding_mode, self.align_corners)[0] for j in range(4)]
            ys = [_pad(y0 + (i - 1), sizes[1], self.padding_mode, self.align_corners)[0] for i in range(4)]
            out = 0
            for i in range(4):
                for j in range(4):
                    idx = self._index([xs[j], ys[i]], sizes, strides, total)
                    out = out + rows[wrap(idx)] * (cx[j] * cy[i]).unsqueeze(2)
        else:
            padded = [_pad_graph(u, s, self.padding_mode, self.align_corners) for u, s in zip(coords, sizes)]
            if self.mode == "nearest":
                out = rows[wrap(self._index([xp.rint(p._data) for p in padded], sizes, strides, total))]
            else:
                corners = []
                for p in padded:
                    lo = xp.floor(p._data)
                    corners.append([(lo, wrap(lo + 1) - p), (lo + 1, p - wrap(lo))])
                out = 0
                for combo in itertools.product(*corners):
                    w = combo[0][1]
                    for _, f in combo[1:]:
                        w = w * f
                    out = out + rows[wrap(self._index([q for q, _ in combo], sizes, strides, total))] * w.unsqueeze(2)
        return out.permute(0, 2, 1).reshape((n, c) + tuple(grid.shape[1:-1]))


def _pad_graph(u, size, padding_mode, align_corners):
    """:func:`_pad` of a coordinate tensor, differentiably (the reflection's branch and fold count are constants)."""
    if padding_mode == "border":
        return u.clamp(0, size - 1)
    if padding_mode != "reflection":
        return u
    lo2, hi2 = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
    if lo2 == hi2:
        return u * 0.0
    lo, span = lo2 / 2, (hi2 - lo2) / 2
    a = u._data - lo
    sign = xp.where(a < 0, -1.0, 1.0).astype(a.dtype)
    flips = xp.floor(xp.abs(a) / a.dtype.type(span))
    even = (flips % 2) == 0
    dist = (u - lo) * wrap(sign) - wrap(flips * span)  # |u - lo| folded into [0, span)
    refl = _where_t(even, dist + lo, (span + lo) - dist)
    return refl.clamp(0, size - 1)


def _where_t(cond, a, b):
    from ember._functions import where
    return where(wrap(cond), a, b)


def _cubic_tensors(t):
    """:func:`_cubic_coefficients` of a tensor (plain rounding)."""
    def near(s):
        return ((_A + 2) * s - (_A + 3)) * s * s + 1

    def far(s):
        return ((_A * s - 5 * _A) * s + 8 * _A) * s - 4 * _A

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _plain_sum(values, weights):
    out = values[0] * weights[0]
    for v, w in zip(values[1:], weights[1:]):
        out = out + v * w
    return out


class GridSampler2d(_GridSampler):
    """``out[n, c, i, j] = input[n, c]`` interpolated at ``grid[n, i, j]`` (``x`` indexes W, ``y`` indexes H)."""

    family = "sampling"
    grad_name = "GridSampler2DBackward0"
    nd = 2


class GridSampler3d(_GridSampler):
    """``out[n, c, d, i, j] = input[n, c]`` interpolated at ``grid[n, d, i, j]`` (x indexes W, y H, z D)."""

    family = "sampling"
    grad_name = "GridSampler3DBackward0"
    nd = 3


def grid_sample_array(input, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
    """``F.grid_sample`` on raw arrays, without a graph (for code that resamples plain images)."""
    op = (GridSampler2d if grid.shape[-1] == 2 else GridSampler3d)(mode=mode, padding_mode=padding_mode,
                                                                   align_corners=align_corners)
    return op.forward(input, grid)
