"""Normalization ops: batch norm, layer norm, group norm, RMS norm, each one fused node with an analytic backward.

Weight and bias are optional inputs: ``affine`` says whether the op received them (inputs are tensors only).
"""

import math

from ember._backend import xp
from ember._ops import Op
from ember._ops.elementwise import suggest_format
from ember._tensor import wrap


def _is_half(a):
    return a is not None and a.dtype.itemsize == 2 and a.dtype.kind in "fV"  # float16, bfloat16 (ml_dtypes: V)


def _opmath(x, *params):
    """``(x, *params)`` with float16/bfloat16 arrays as float32. PyTorch computes the norms of half tensors in
    float32 (in float16 a sum of squares overflows past 256 and the statistics become inf/0), also with float32
    parameters; the output is cast back to the input's dtype, and the engine casts the gradients back to each
    input's dtype. (These ops run outside ember's central half-precision policy, which knows no mixed inputs.)"""
    if not _is_half(x) and not any(_is_half(p) for p in params):
        return (x,) + params
    return tuple([a.astype(xp.float32) if _is_half(a) else a for a in (x,) + params])


def _suggested_layout(x):
    """x laid out as PyTorch lays out a norm's output (``suggest_memory_format``): 4-D/5-D channels-last stays,
    anything else not row-major becomes row-major (a transposed input must give a ``view``-able output)."""
    if x.flags.c_contiguous:
        return x
    if x.ndim in (4, 5) and suggest_format(x.shape, tuple(s // x.itemsize for s in x.strides)) != "contiguous":
        return x
    return xp.ascontiguousarray(x)


def _norm_backward(gxhat, xhat, invstd, axes, count):
    """Gradient through ``xhat = (x - mean(x)) * invstd`` (biased variance) given d loss / d xhat."""
    s1 = gxhat.sum(axis=axes, keepdims=True)
    s2 = (gxhat * xhat).sum(axis=axes, keepdims=True)
    inv_n = xhat.dtype.type(1.0 / count)
    return (gxhat - s1 * inv_n - xhat * (s2 * inv_n)) * invstd


def _standardize(x, axes, eps):
    """``((x - mean) * invstd, invstd)`` over ``axes`` (biased variance, keepdims), all in x's dtype."""
    dt = x.dtype
    xhat = x - x.mean(axis=axes, keepdims=True, dtype=dt)
    var = (xhat * xhat).mean(axis=axes, keepdims=True, dtype=dt)
    invstd = (1 / xp.sqrt(var + dt.type(eps))).astype(dt, copy=False)
    xhat *= invstd
    return xhat, invstd


def _normalized_graph(x, axes, eps):
    """``(xhat, invstd)`` of a tensor, as differentiable ember ops (for ``create_graph=True`` backwards)."""
    xc = x - x.mean(dim=axes, keepdim=True)
    invstd = ((xc * xc).mean(dim=axes, keepdim=True) + eps).rsqrt()
    return xc * invstd, invstd


def _norm_backward_graph(g, xhat, invstd, axes, scale=None):
    """:func:`_norm_backward` on tensors: differentiable in ``g``, ``xhat``, ``invstd`` (and ``scale``)."""
    gxhat = g if scale is None else g * scale
    return (gxhat - gxhat.mean(dim=axes, keepdim=True)
            - xhat * (gxhat * xhat).mean(dim=axes, keepdim=True)) * invstd


def _affine_grads_graph(need, g, xhat, lead):
    grads = []
    if len(need) > 1:
        grads.append((g * xhat).sum(dim=lead) if need[1] else None)
    if len(need) > 2:
        grads.append(g.sum(dim=lead) if need[2] else None)
    return grads


class BatchNorm(Op):
    """Batch norm over (N, C, *): per-channel statistics over N and the trailing dimensions.

    Training: batch statistics; ``running_mean``/``running_var`` (raw arrays or None) are updated in place
    with ``momentum`` and the unbiased variance. Eval: the running statistics are used.
    """

    family = "normalization"
    grad_name = "NativeBatchNormBackward0"
    training = True
    eps = 1e-5
    momentum = 0.1
    running_mean = None
    running_var = None
    affine = 0  # 0: no weight/bias, 1: weight only, 2: weight and bias

    def forward(self, x, *wb):
        x = _suggested_layout(x)
        if _is_half(x) and all(_is_half(a) for a in (*wb, self.running_mean, self.running_var) if a is not None):
            return self._forward_half(x, wb)
        out_dt, shape = x.dtype, x.shape
        x, *wb = _opmath(x, *wb)
        dt = x.dtype
        n, c, length = shape[0], shape[1], math.prod(shape[2:])
        x = x.reshape(n, c, length)
        count = n * length
        if self.training:
            mean = x.mean(axis=(0, 2), dtype=dt)
            xc = x - mean[:, None]
            var = (xc * xc).mean(axis=(0, 2), dtype=dt)
            rm, rv = self.running_mean, self.running_var
            mom = dt.type(self.momentum)
            if rm is not None:
                rm *= 1 - mom
                rm += (mom * mean).astype(rm.dtype, copy=False)
            if rv is not None:
                unbiased = var * dt.type(count / max(count - 1, 1))
                rv *= 1 - mom
                rv += (mom * unbiased).astype(rv.dtype, copy=False)
        else:
            mean = self.running_mean.astype(dt, copy=False)
            var = self.running_var.astype(dt, copy=False)
            xc = x - mean[:, None]
        invstd = (1 / xp.sqrt(var + dt.type(self.eps))).astype(dt, copy=False)
        xhat = xc
        xhat *= invstd[:, None]
        if self.requires_grad:
            self.save(xhat, invstd, wb[0] if wb else None)
            self.count = count
        # (a copy when xhat is saved: an in-place op on the output, e.g. ReLU(inplace=True), must not change it)
        if not wb:
            return xhat.astype(out_dt, copy=self.requires_grad).reshape(shape)
        out = xhat * wb[0][:, None]
        if len(wb) > 1:
            out += wb[1][:, None]
        return out.astype(out_dt, copy=False).reshape(shape)

    def _forward_half(self, x, wb):
        """PyTorch's kernel for a float16/bfloat16 input whose parameters and running statistics are all of
        half dtypes too (none float32): float32 arithmetic, but the saved mean and invstd are rounded to the
        input's dtype and the output and backward use the rounded values. For bfloat16 the variance sum, the
        variance and the running-statistics updates are rounded to bfloat16 as well (each update step as a
        bfloat16 tensor op with the momentum rounded), and the channels-last kernel (2-D and channels-last
        inputs) centres the variance on the rounded mean; float16 keeps those in float32."""
        hd, shape = x.dtype, x.shape
        f32 = xp.float32
        bf16 = hd.kind == "V"  # (ml_dtypes' bfloat16)

        def rnd(a):  # round float32 values to the input's dtype, and back
            return a.astype(hd).astype(f32)

        n, c, length = shape[0], shape[1], math.prod(shape[2:])
        count = n * length
        xf = x.astype(f32).reshape(n, c, length)
        eps = f32(self.eps)
        if self.training:
            mean = xf.mean(axis=(0, 2), dtype=f32)
            mq = rnd(mean)
            chl = length == 1 or (x.ndim in (4, 5) and suggest_format(shape, tuple(
                s // x.itemsize for s in x.strides)) != "contiguous")
            xc = xf - (mq if bf16 and chl else mean)[:, None]
            vsum = (xc * xc).sum(axis=(0, 2), dtype=f32)
            if bf16:
                vsum = rnd(vsum)
            var = vsum / f32(count)
            invstd = rnd(1 / xp.sqrt((rnd(var) if bf16 else var) + eps))
            rm, rv = self.running_mean, self.running_var
            mom = self.momentum
            unbiased = vsum / f32(max(count - 1, 1))
            if bf16:
                m1, m0 = rnd(f32(mom)), rnd(f32(1 - mom))
                if rm is not None:
                    rm[...] = rnd(m1 * mq) + rnd(m0 * rm.astype(f32))
                if rv is not None:
                    rv[...] = m1 * rnd(unbiased) + rnd(m0 * rv.astype(f32))
            else:
                if rm is not None:
                    rm[...] = f32(mom) * mean + f32(1 - mom) * rm.astype(f32)
                if rv is not None:
                    rv[...] = f32(mom) * unbiased + f32(1 - mom) * rv.astype(f32)
        else:
            mq = self.running_mean.astype(f32)
            invstd = (1 / xp.sqrt(self.running_var.astype(f32) + eps)).astype(f32, copy=False)
        # out = fma(x, alpha, beta) with alpha = invstd * weight, beta = bias - mean * alpha (float32): exact
        # products of float32 values in float64
        w = wb[0].astype(f32) if wb else None
        alpha = invstd if w is None else invstd * w
        beta = -(mq * alpha) if len(wb) < 2 else wb[1].astype(f32) - mq * alpha
        out = xf.astype(xp.float64)
        out *= alpha[:, None]
        out += beta[:, None]
        if self.requires_grad:
            xhat = xf - mq[:, None]
            xhat *= invstd[:, None]
            self.save(xhat, invstd, w)
            self.count = count
        return out.astype(f32).astype(hd).reshape(shape)

    def backward(self, g):
        xhat, invstd, w = self.saved
        shape = g.shape
        g = g.astype(xhat.dtype, copy=False).reshape(xhat.shape)
        need = self.needs_input_grad
        scale = invstd if w is None else invstd * w
        need_w = len(need) > 1 and need[1]
        need_b = len(need) > 2 and need[2]
        stats = need[0] and self.training
        # The bias and weight gradients are exactly the two reductions the training input gradient needs:
        # compute each once.
        s1 = g.sum(axis=(0, 2)) if stats or need_b else None
        s2 = (g * xhat).sum(axis=(0, 2)) if stats or need_w else None
        gx = None
        if need[0]:
            if self.training:
                inv_n = g.dtype.type(1.0 / self.count)
                gx = (g - (s1 * inv_n)[:, None] - xhat * (s2 * inv_n)[:, None]) * scale[:, None]
            else:
                gx = g * scale[:, None]
            gx = gx.reshape(shape)
        grads = [gx]
        if len(need) > 1:
            grads.append(s2 if need_w else None)
        if len(need) > 2:
            grads.append(s1 if need_b else None)
        return tuple(grads)

    def backward_graph(self, g):
        """Differentiable backward (``create_graph=True``): the statistics recomputed with ember's ops."""
        x, *wb = self._inputs
        need = self.needs_input_grad
        shape = x.shape
        ncl = (shape[0], shape[1], math.prod(shape[2:]))
        x, g = x.reshape(ncl), g.reshape(ncl)
        w = wb[0].reshape(-1, 1) if wb else None
        if self.training:
            xhat, invstd = _normalized_graph(x, (0, 2), self.eps)
            gx = _norm_backward_graph(g, xhat, invstd, (0, 2), w) if need[0] else None
        else:  # eval: fixed running statistics, an affine map of x
            invstd = wrap((1 / xp.sqrt(self.running_var + self.eps)).astype(x._data.dtype).reshape(-1, 1))
            xhat = (x - wrap(self.running_mean.astype(x._data.dtype).reshape(-1, 1))) * invstd
            gx = (g * invstd if w is None else g * (w * invstd)) if need[0] else None
        return tuple([gx if gx is None else gx.reshape(shape)] + _affine_grads_graph(need, g, xhat, (0, 2)))


class LayerNorm(Op):
    """Normalize over the last ``k`` axes of x; weight/bias have the shape of those axes."""

    family = "normalization"
    grad_name = "NativeLayerNormBackward0"
    k = 1
    eps = 1e-5

    def forward(self, x, *wb):
        out_dt = x.dtype
        x, *wb = _opmath(xp.ascontiguousarray(x), *wb)  # (PyTorch's layer norm output is always row-major)
        axes = tuple(range(x.ndim - self.k, x.ndim))
        xhat, invstd = _standardize(x, axes, self.eps)
        if self.requires_grad:
            self.save(xhat, invstd, wb[0] if wb else None)
            self.axes = axes
        if not wb:
            return xhat.astype(out_dt, copy=self.requires_grad)
        out = xhat * wb[0]
        if len(wb) > 1:
            out += wb[1]
        return out.astype(out_dt, copy=False)

    def backward(self, g):
        xhat, invstd, w = self.saved
        g = g.astype(xhat.dtype, copy=False)
        need = self.needs_input_grad
        axes = self.axes
        lead = tuple(range(xhat.ndim - self.k))
        count = math.prod(xhat.shape[a] for a in axes)
        grads = [None]
        if need[0]:
            gxhat = g if w is None else g * w
            grads[0] = _norm_backward(gxhat, xhat, invstd, axes, count)
        if len(need) > 1:
            grads.append((g * xhat).sum(axis=lead) if need[1] else None)
        if len(need) > 2:
            grads.append(g.sum(axis=lead) if need[2] else None)
        return tuple(grads)

    def backward_graph(self, g):
        """Differentiable backward (``create_graph=True``): the statistics recomputed with ember's ops."""
        x, *wb = self._inputs
        need = self.needs_input_grad
        xhat, invstd = _normalized_graph(x, self.axes, self.eps)
        gx = _norm_backward_graph(g, xhat, invstd, self.axes, wb[0] if wb else None) if need[0] else None
        return tuple([gx] + _affine_grads_graph(need, g, xhat, tuple(range(x.ndim - self.k))))


class GroupNorm(Op):
    """Group norm of x (N, C, *) with ``groups`` groups; per-channel weight/bias (C,)."""

    family = "normalization"
    grad_name = "NativeGroupNormBackward0"
    eps = 1e-5

    def forward(self, x, *wb):
        out_dt, shape = x.dtype, x.shape
        x, *wb = _opmath(x, *wb)
        n, c, length = shape[0], shape[1], math.prod(shape[2:])
        g_ = self.groups
        xhat, invstd = _standardize(x.reshape(n, g_, (c // g_) * length), (2,), self.eps)
        xhat = xhat.reshape(n, c, length)
        if self.requires_grad:
            self.save(xhat, invstd, wb[0] if wb else None)
        if not wb:
            return xhat.astype(out_dt, copy=self.requires_grad).reshape(shape)
        out = xhat * wb[0][:, None]
        if len(wb) > 1:
            out += wb[1][:, None]
        return out.astype(out_dt, copy=False).reshape(shape)

    def backward(self, g):
        xhat, invstd, w = self.saved
        shape = g.shape
        n, c, length = xhat.shape
        g = g.astype(xhat.dtype, copy=False).reshape(n, c, length)
        need = self.needs_input_grad
        g_ = self.groups
        grads = [None]
        if need[0]:
            gxhat = g if w is None else g * w[:, None]
            grouped = (n, g_, (c // g_) * length)
            gx = _norm_backward(gxhat.reshape(grouped), xhat.reshape(grouped), invstd, (2,), grouped[2])
            grads[0] = gx.reshape(shape)
        if len(need) > 1:
            grads.append((g * xhat).sum(axis=(0, 2)) if need[1] else None)
        if len(need) > 2:
            grads.append(g.sum(axis=(0, 2)) if need[2] else None)
        return tuple(grads)

    def backward_graph(self, g):
        """Differentiable backward (``create_graph=True``): the statistics recomputed with ember's ops."""
        x, *wb = self._inputs
        need = self.needs_input_grad
        n, c, length = x.shape[0], x.shape[1], math.prod(x.shape[2:])
        grouped = (n, self.groups, (c // self.groups) * length)
        xhat, invstd = _normalized_graph(x.reshape(grouped), (2,), self.eps)
        g = g.reshape(n, c, length)
        gx = None
        if need[0]:
            gs = (g if not wb else g * wb[0].reshape(-1, 1)).reshape(grouped)
            gx = _norm_backward_graph(gs, xhat, invstd, (2,)).reshape(x.shape)
        return tuple([gx] + _affine_grads_graph(need, g, xhat.reshape(n, c, length), (0, 2)))


class RMSNorm(Op):
    """``x / sqrt(mean(x**2 over the last k axes) + eps) * weight``."""

    family = "normalization"
    grad_name = "MulBackward0"  # (PyTorch's rms_norm is a composite: its last node is the multiply)
    k = 1
    eps = 1e-6

    def forward(self, x, *w):
        out_dt = x.dtype
        x, *w = _opmath(_suggested_layout(x), *w)
        dt = x.dtype
        axes = tuple(range(x.ndim - self.k, x.ndim))
        ms = (x * x).mean(axis=axes, keepdims=True, dtype=dt)
        r = (1 / xp.sqrt(ms + dt.type(self.eps))).astype(dt, copy=False)
        xhat = x * r
        if self.requires_grad:
            self.save(x, r, w[0] if w else None)
            self.axes = axes
        return (xhat * w[0] if w else xhat).astype(out_dt, copy=False)

    def backward(self, g):
        x, r, w = self.saved
        g = g.astype(x.dtype, copy=False)
        need = self.needs_input_grad
        axes = self.axes
        count = math.prod(x.shape[a] for a in axes)
        grads = [None]
        if need[0]:
            gx = g if w is None else g * w
            m = (gx * x).sum(axis=axes, keepdims=True) * x.dtype.type(1.0 / count)
            grads[0] = r * (gx - x * (r * r) * m)
        if len(need) > 1:
            grads.append((g * x * r).sum(axis=tuple(range(x.ndim - self.k))) if need[1] else None)
        return tuple(grads)

    def backward_graph(self, g):
        """Differentiable backward (``create_graph=True``): the statistic recomputed with ember's ops."""
        x, *w = self._inputs
        need = self.needs_input_grad
        axes = self.axes
        r = ((x * x).mean(dim=axes, keepdim=True) + self.eps).rsqrt()
        grads = [None]
        if need[0]:
            gx = g if not w else g * w[0]
            grads[0] = r * (gx - x * (r * r) * (gx * x).mean(dim=axes, keepdim=True))
        if len(need) > 1:
            grads.append((g * x * r).sum(dim=tuple(range(x.ndim - self.k))) if need[1] else None)
        return tuple(grads)


def _channel_sums(a, lo, hi):
    """``out[:, c] = a[:, lo[c]:hi[c] + 1].sum(1)`` for every channel c (bounds already clipped), via one
    cumulative sum along the channels."""
    cs = xp.zeros((a.shape[0], a.shape[1] + 1) + a.shape[2:], dtype=a.dtype)
    xp.cumsum(a, axis=1, out=cs[:, 1:])
    return cs[:, xp.maximum(hi + 1, lo)] - cs[:, lo]


class CrossMapLrn2d(Op):
    """``nn.CrossMapLRN2d`` on (N, C, H, W), reproducing PyTorch's legacy (Lua Torch) kernel exactly.

    Forward: ``x * scale ** -beta`` with ``scale = k + alpha / size * S``, where PyTorch's running window sum
    ``S_c`` covers the channels within ``(size - 1) // 2`` of c (for odd sizes; even sizes round down) but,
    because the running sum never drops channel 0, also keeps ``x_0 ** 2`` once ``c >= (size + 1) // 2``.
    Backward: PyTorch's formula, which sums ``g * y / scale`` over the window ``[c - p, c - p + size - 1]``
    with ``p = (size + 1) // 2``: not the exact derivative of the forward (PyTorch's own gradcheck of
    this module fails), kept so that training matches PyTorch step for step.
    """

    family = "normalization"
    grad_name = "CrossMapLRN2dBackward"
    size = 5
    alpha = 1e-4
    beta = 0.75
    k = 1.0

    def forward(self, x):
        (xc,) = _opmath(x)
        dt = xc.dtype
        C = x.shape[1]
        pre = (self.size + 1) // 2  # PyTorch's int((size - 1) / 2 + 1)
        c = xp.arange(C)
        sq = xc * xc
        s = _channel_sums(sq, xp.maximum(c - pre + 1, 0), xp.minimum(c + pre - 1, C - 1))
        if C > pre:
            s[:, pre:] += sq[:, :1]
        scale = s * dt.type(self.alpha / self.size) + dt.type(self.k)
        out = scale ** dt.type(-self.beta) * xc
        if self.requires_grad:
            self.save(xc, scale, out)
        return out.astype(x.dtype, copy=False)

    def backward(self, g):
        xc, scale, out = self.saved
        dt = xc.dtype
        C = xc.shape[1]
        p = (self.size + 1) // 2  # PyTorch's int(size - (size - 1) / 2)
        if p > self.size - 1:  # size 1: PyTorch's padded buffer is too short for its own narrow()
            raise RuntimeError(f"start ({p}) + length ({C}) exceeds dimension size ({C + self.size - 1}).")
        g = g.astype(dt, copy=False)
        c = xp.arange(C)
        ratio = g * out / scale
        acc = _channel_sums(ratio, xp.clip(c - p, 0, C), xp.clip(c - p + self.size - 1, -1, C - 1))
        gx = scale ** dt.type(-self.beta) * g - dt.type(2 * self.alpha * self.beta / self.size) * xc * acc
        return (gx,)

    def backward_graph(self, g):
        # PyTorch's backward formula (not the forward's exact derivative, see above) in differentiable tensor ops.
        x = self._inputs[0]
        C = x.shape[1]
        c = xp.arange(C)
        pre = p = (self.size + 1) // 2  # (the forward's and the backward's window offsets, as above)
        if p > self.size - 1:
            return (wrap(self.backward(g._data)[0]),)  # (raises PyTorch's error)
        sq = x * x
        s = _channel_sums_graph(sq, xp.maximum(c - pre + 1, 0), xp.minimum(c + pre - 1, C - 1))
        if C > pre:
            s = s + sq[:, :1] * wrap((c >= pre).astype(x._data.dtype).reshape((1, C) + (1,) * (x.ndim - 2)))
        scale = s * (self.alpha / self.size) + self.k
        out = scale ** -self.beta * x
        acc = _channel_sums_graph(g * out / scale, xp.clip(c - p, 0, C), xp.clip(c - p + self.size - 1, -1, C - 1))
        return (scale ** -self.beta * g - (2 * self.alpha * self.beta / self.size) * x * acc,)


def _channel_sums_graph(a, lo, hi):
    """:func:`_channel_sums` of a tensor, differentiably: differences of an index-selected cumulative sum."""
    from ember._functions import cat

    zero = wrap(xp.zeros((a.shape[0], 1) + tuple(a.shape[2:]), dtype=a._data.dtype))
    cs = cat([zero, a.cumsum(1)], 1)
    return cs.index_select(1, wrap(xp.maximum(hi + 1, lo))) - cs.index_select(1, wrap(lo))
