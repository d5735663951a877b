"""Loss ops for ``ember.nn``: mse, smooth_l1/huber, nll, fused cross_entropy, bce, bce-with-logits, multi_margin, ...

Each op takes ``reduction`` ('none' | 'mean' | 'sum'); class weights are passed as raw arrays (``weight=``),
not as differentiable inputs. Argument checking (with PyTorch's messages) happens in the functional layer,
except what needs the target values (index range, BCE input range).
"""

from ember._backend import xp
from ember._ops import Op, backward_by_recompute, zero_link
from ember._ops.activation import softplus_array
from ember._ops.elementwise import sigmoid_array
from ember._tensor import wrap


def _reduce(arr, reduction):
    if reduction == "none":
        return arr
    if reduction == "sum":
        return xp.asarray(arr.sum(), dtype=arr.dtype)
    if arr.size == 0:
        return xp.asarray(float("nan"), dtype=arr.dtype)
    return xp.asarray(arr.mean(), dtype=arr.dtype)


def _scale_graph(g, reduction, n):
    """:func:`_scale` on a tensor ``g`` (double backward). No elements (``n`` 0): the gradients are empty, and
    their derivative with respect to ``g`` is an empty sum, 0 as PyTorch's (not NaN)."""
    if reduction == "mean" and n:
        return g / n
    return g


def _pair(gx, n):
    """The gradients of ``(input, target)`` of a loss of ``input - target``."""
    return (gx if n[0] else None, -gx if n[1] else None)


def _scale(g, reduction, n):
    """The upstream gradient as a per-element coefficient (before broadcasting)."""
    if reduction == "mean":
        return g / g.dtype.type(n) if n else g * g.dtype.type(float("nan"))
    return g


class MseLoss(Op):
    family = "loss"
    reduction = "mean"

    def forward(self, x, t):
        d = x - t
        if self.requires_grad:
            self.save(d)
        return _reduce(d * d, self.reduction)

    def backward(self, g):
        (d,) = self.saved
        gx = (2 * _scale(g, self.reduction, d.size)) * d
        n = self.needs_input_grad
        return (gx if n[0] else None, -gx if n[1] else None)

    def backward_graph(self, g):
        x, t = self._inputs
        d = x - t
        scale = 2 / d.numel() if self.reduction == "mean" else 2
        gx = g * scale * d
        n = self.needs_input_grad
        return (gx if n[0] else None, -gx if n[1] else None)


class SmoothL1Loss(Op):
    family = "loss"
    reduction = "mean"
    beta = 1.0

    def forward(self, x, t):
        d = x - t
        if self.requires_grad:
            self.save(d)
        z = xp.abs(d)
        b = self.beta
        if b == 0:
            return _reduce(z, self.reduction)
        return _reduce(xp.where(z < b, (0.5 / b) * d * d, z - 0.5 * b), self.reduction)

    def backward(self, g):
        (d,) = self.saved
        b = self.beta
        slope = xp.sign(d) if b == 0 else xp.where(xp.abs(d) < b, d / d.dtype.type(b), xp.sign(d))
        gx = _scale(g, self.reduction, d.size) * slope
        n = self.needs_input_grad
        return (gx if n[0] else None, -gx if n[1] else None)

    def backward_graph(self, g):
        x, t = self._inputs
        d = x - t
        b = self.beta
        # clamp(d / beta, -1, 1) is the slope (sign d outside the quadratic zone); beta 0: sign, zero derivative
        slope = d.sign() if b == 0 else (d / b).clamp(-1.0, 1.0)
        return _pair(_scale_graph(g, self.reduction, d.numel()) * slope, self.needs_input_grad)


class HuberLoss(Op):
    family = "loss"
    reduction = "mean"
    delta = 1.0
    mismatch = None  # (operands of two dtypes: PyTorch's backward error)

    def forward(self, x, t):
        d = x - t
        if self.requires_grad:
            self.save(d)
        z = xp.abs(d)
        dl = self.delta
        return _reduce(xp.where(z < dl, 0.5 * d * d, dl * (z - 0.5 * dl)), self.reduction)

    def backward(self, g):
        if self.mismatch:
            raise RuntimeError(self.mismatch)
        (d,) = self.saved
        dl = self.delta
        slope = xp.where(xp.abs(d) < dl, d, dl * xp.sign(d))
        gx = _scale(g, self.reduction, d.size) * slope
        n = self.needs_input_grad
        return (gx if n[0] else None, -gx if n[1] else None)

    def backward_graph(self, g):
        x, t = self._inputs
        d = x - t
        dl = float(self.delta)
        return _pair(_scale_graph(g, self.reduction, d.numel()) * d.clamp(-dl, dl), self.needs_input_grad)


# --------------------------------------------------------------------------------- class-index losses


def _class_targets(t, n_classes, weight, ignore_index, dtype):
    """Validate class indices; return (safe indices, valid mask or None, per-element weight or None)."""
    t = t.astype(xp.int64, copy=False)
    if t.size and not 0 <= ignore_index < n_classes and t.min() >= 0 and t.max() < n_classes:
        all_valid = True  # the common case, decided with two reductions and no temporaries
        tt = t
    else:
        valid = t != ignore_index
        all_valid = bool(valid.all())
        tt = t if all_valid else xp.where(valid, t, 0)
        bad = (tt < 0) | (tt >= n_classes)
        if bad.any():
            raise IndexError(f"Target {int(tt[bad].flat[0])} is out of bounds.")
    if weight is not None:
        wt = weight[tt]
        if not all_valid:
            wt = wt * valid
        return tt, (None if all_valid else valid), wt.astype(dtype, copy=False)
    if all_valid:
        return tt, None, None
    return tt, valid, valid.astype(dtype)


def _gather(x, tt):
    """``x[n, tt[n, ...], ...]``: the class axis (1) indexed by the target."""
    if x.ndim == 2:
        return x[xp.arange(x.shape[0]), tt]
    return xp.take_along_axis(x, tt[:, None], axis=1)[:, 0]


def _sub_at_target(grad, tt, vals):
    """``grad[n, tt[n, ...], ...] -= vals`` in place."""
    if grad.ndim == 2:
        grad[xp.arange(grad.shape[0]), tt] -= vals
        return
    idx = tt[:, None]
    cur = xp.take_along_axis(grad, idx, axis=1)
    xp.put_along_axis(grad, idx, cur - (vals[:, None] if xp.ndim(vals) else vals), axis=1)


def _expand_c(a, ndim):
    """A per-element (N, d1, ...) array broadcastable against (N, C, d1, ...)."""
    return a[:, None] if xp.ndim(a) else a


class _ClassIndexLoss(Op):
    family = None
    reduction = "mean"
    weight = None
    ignore_index = -100

    def _prep(self, x, t):
        self.unbatched = x.ndim == 1
        if self.unbatched:
            x = x[None]
            t = t.reshape(1)
        w = None if self.weight is None else self.weight
        tt, valid, wt = _class_targets(t, x.shape[1], w, self.ignore_index, x.dtype)
        if self.reduction == "mean":
            if wt is not None:
                self.denom = wt.sum()
            else:
                self.denom = x.dtype.type(tt.size)
            self.denom_shape = tt.shape
        return x, tt, valid, wt

    def _finish(self, elem):
        if self.reduction == "none":
            return elem[0] if self.unbatched else elem
        total = elem.sum()
        if self.reduction == "sum":
            return xp.asarray(total, dtype=elem.dtype)
        if not self.denom:  # all targets ignored or weighted 0: PyTorch's 0 / 0 (its smoothing term too)
            return xp.asarray(xp.nan, dtype=elem.dtype)
        return xp.asarray(total / self.denom, dtype=elem.dtype)

    def _coef(self, g):
        if self.reduction == "none":
            return g.reshape(1) if self.unbatched else g
        if self.reduction == "mean":
            return g / self.denom if self.denom else g * 0  # (no weight at all: see _no_weight)
        return g

    def _no_weight(self, valid, dtype):
        """For a mean over no weight (every target ignored or weighted 0): PyTorch's 0 / 0 gradient, NaN for
        the elements whose target is not ignored (0 for the others), else None."""
        if self.reduction != "mean" or self.denom:
            return None
        keep = xp.ones(self.denom_shape, dtype=bool) if valid is None else valid
        return xp.where(keep, dtype.type(xp.nan), dtype.type(0))


def _round_to(a, low):
    return a.astype(low).astype(xp.float32)


def _segment_sums(vals, seg, nseg, low):
    """Per segment (``seg``: ascending ids in ``[0, nseg)``), ``vals`` added one by one from 0 in ``low``
    precision; vectorised across segments, one step per position within them."""
    starts = xp.searchsorted(seg, xp.arange(nseg))
    pos = xp.arange(seg.size) - starts[seg]
    table = xp.zeros((int(pos.max()) + 1 if pos.size else 0, nseg), dtype=xp.float32)
    table[pos, seg] = vals  # (the padding zeros add exactly)
    acc = xp.zeros(nseg, dtype=xp.float32)
    for row in table:
        acc = _round_to(acc + row, low)
    return acc


def _half_cascade(vals, idx, n, low):
    """The total of ``vals`` (float32 holding ``low`` values) at flat positions ``idx`` (ascending, out of ``n``)
    as PyTorch's CPU nll_loss adds them in float16/bfloat16: a cascade of 8 partial sums, each add rounded. Every
    value goes into level 0; after the one at position b, levels 0..k-1 are carried up in turn into level k, where
    k (at most 7) counts the trailing zero groups of P bits of b (P = max(4, ceil(log2 n) // 8)), so position 0
    goes straight to the top; at the end the levels are added from the bottom up."""
    p = max(4, (int(n) - 1).bit_length() // 8)
    depth = xp.zeros(idx.shape, dtype=xp.int64)
    for k in range(1, 8):
        depth += idx % (1 << (p * k)) == 0
    total = xp.zeros((), dtype=xp.float32)
    for level in range(8):
        close = depth > level  # (never at the top level: nothing is carried out of it)
        ends = xp.cumsum(close)
        nclosed = int(ends[-1]) if ends.size else 0
        sums = _segment_sums(vals, ends - close, nclosed + 1, low)
        total = _round_to(total + sums[nclosed], low)  # what stays in this level
        vals, depth = sums[:nclosed], depth[close]
    return total


class NllLoss(_ClassIndexLoss):
    """``-weight[t] * input[n, t]`` with ignore_index; input holds log-probabilities."""

    family = "loss"
    half_native = True  # (float16/bfloat16: float32 values, PyTorch's half-precision sums: see _finish_half)
    low = None

    def forward(self, x, t):
        if x.dtype.itemsize == 2 and x.dtype.kind in "fV":
            self.low, x = x.dtype, x.astype(xp.float32)
        x, tt, valid, wt = self._prep(x, t)
        picked = _gather(x, tt)
        elem = -picked if wt is None else -(picked * wt)
        if valid is not None:  # ignored targets give 0 even where the input is NaN/inf (masking, not a product)
            elem = xp.where(valid, elem, elem.dtype.type(0))
        if self.requires_grad:
            self.save(tt, wt, valid)
            self.in_shape = x.shape
        if self.low is not None:
            return self._finish_half(_round_to(elem, self.low), valid, wt)
        return self._finish(elem)

    def _finish_half(self, elem, valid, wt):
        """The half-precision result: 'none' rounds the float32 losses; 'sum' and 'mean' add them (and the
        weights, for the mean's denominator when ``weight`` is given; else the count of targets not ignored,
        rounded) as PyTorch does, see :func:`_half_cascade`."""
        low = self.low
        if self.reduction == "none":
            return (elem[0] if self.unbatched else elem).astype(low)
        flat = elem.reshape(-1)
        idx = xp.arange(flat.size) if valid is None else xp.flatnonzero(valid)
        total = _half_cascade(flat[idx], idx, flat.size, low)
        if self.reduction == "sum":
            return total.astype(low)
        if self.weight is not None:
            self.denom = _half_cascade(wt.reshape(-1)[idx], idx, flat.size, low)
        else:
            self.denom = _round_to(xp.float32(idx.size), low)
        if not self.denom:
            return xp.asarray(xp.nan, dtype=low)
        return (total / self.denom).astype(low)

    def backward(self, g):
        if self.low is not None:  # float32 math, rounded once
            return (self._backward(g.astype(xp.float32))[0].astype(self.low), None)
        return self._backward(g)

    def _backward(self, g):
        tt, wt, valid = self.saved
        coef = self._coef(g)
        if self.low is not None and self.reduction == "mean":
            coef = _round_to(coef, self.low)  # (PyTorch rounds g / total_weight before the weights multiply it)
        vals = coef if wt is None else coef * wt
        nan = self._no_weight(valid, g.dtype)
        if nan is not None:
            vals = -nan  # (at the targets only)
        grad = xp.zeros(self.in_shape, dtype=g.dtype)
        _sub_at_target(grad, tt, vals)
        if self.unbatched:
            grad = grad[0]
        return (grad, None)

    def backward_graph(self, g):
        # Linear in g with a constant map (-weight at the targets, over the mean's denominator); as in PyTorch
        # the result stays linked to the input, with a zero derivative.
        k = wrap(self.backward(xp.ones(g.shape, dtype=g._data.dtype))[0])
        if self.reduction == "none" and not self.unbatched:
            gx = g.unsqueeze(1) * k
        else:
            gx = g * k
        return (gx + zero_link(self._inputs[0]), None)


class CrossEntropy(_ClassIndexLoss):
    """Fused ``nll_loss(log_softmax(x, 1), t)`` with weight, ignore_index and label smoothing.

    One exp over the logits in forward; backward is ``coef * (softmax - onehot)`` (plus the smoothing term),
    so a training step never materialises log_softmax separately. Named like PyTorch's top node.
    """

    family = "loss"
    grad_name = "NllLossBackward0"
    label_smoothing = 0.0

    def forward(self, x, t):
        x, tt, valid, wt = self._prep(x, t)
        C = x.shape[1]
        eps = self.label_smoothing
        sh = x - x.max(axis=1, keepdims=True)
        picked = _gather(sh, tt)
        if eps:
            w = self.weight
            wsum_sh = (sh if w is None else sh * w.reshape((1, C) + (1,) * (x.ndim - 2))).sum(axis=1)
        e = xp.exp(sh, out=sh)  # reuse the buffer: the shifted logits are no longer needed
        s = e.sum(axis=1)
        lse = xp.log(s)
        elem = lse - picked
        if wt is not None:
            elem = elem * wt
        if eps:
            W = x.dtype.type(C) if self.weight is None else self.weight.sum(dtype=x.dtype)
            smooth = W * lse - wsum_sh
            elem = (1 - eps) * elem + (eps / C) * smooth
        if valid is not None:  # ignored rows give 0 even with NaN/inf logits (masking, not a product)
            elem = xp.where(valid, elem, elem.dtype.type(0))
        if self.requires_grad:
            self.save(e, s, tt, valid, wt)
            if eps:  # (PyTorch's smoothed loss ends in the sum of the two parts)
                self.grad_name = "AddBackward0"
        return self._finish(elem)

    def backward(self, g):
        e, s, tt, valid, wt = self.saved
        C = e.shape[1]
        coef = self._coef(g)
        eps = self.label_smoothing
        p = e / _expand_c(s, e.ndim)
        if not eps:
            # d/dx = coef * w_t * (p - onehot)
            a = coef if wt is None else coef * wt
            if xp.ndim(a):
                p *= _expand_c(a, e.ndim)
            else:
                p *= a
            _sub_at_target(p, tt, a)
        else:
            one = (1 - eps) * (xp.ones(tt.shape, dtype=e.dtype) if wt is None else wt)
            W = e.dtype.type(C) if self.weight is None else self.weight.sum(dtype=e.dtype)
            v = xp.ones(tt.shape, dtype=e.dtype) if valid is None else valid.astype(e.dtype)
            a = one + (eps / C) * W * v
            p *= _expand_c(a * coef, e.ndim)
            _sub_at_target(p, tt, one * coef)
            wv = (eps / C) * (v * coef)
            w = (xp.ones(C, dtype=e.dtype) if self.weight is None else self.weight)
            p -= _expand_c(wv, e.ndim) * w.reshape((1, C) + (1,) * (e.ndim - 2))
        nan = self._no_weight(valid, e.dtype)
        if nan is not None:  # (through log_softmax: whole rows)
            p[...] = _expand_c(nan, e.ndim)
        if self.unbatched:
            p = p[0]
        return (p, None)

    def backward_graph(self, g):
        # grad = coef * (softmax(x) * A - K) with A, K constant in x: differentiable through softmax.
        e, s, tt, valid, wt = self.saved
        C = e.shape[1]
        eps = self.label_smoothing
        dt = e.dtype
        one = (1 - eps) * (xp.ones(tt.shape, dtype=dt) if wt is None else wt)
        v = xp.ones(tt.shape, dtype=dt) if valid is None else valid.astype(dt)
        W = dt.type(C) if self.weight is None else self.weight.sum(dtype=dt)
        a = one + (eps / C) * W * v
        k = xp.zeros(e.shape, dtype=dt)
        _sub_at_target(k, tt, -one)
        if eps:
            w = xp.ones(C, dtype=dt) if self.weight is None else self.weight
            k += _expand_c((eps / C) * v, e.ndim) * w.reshape((1, C) + (1,) * (e.ndim - 2))
        x = self._inputs[0]
        p = x.softmax(x.ndim - 1 if self.unbatched else 1)
        if self.unbatched:
            a, k = a[0], k[0]
        else:
            a = _expand_c(a, e.ndim)
        if self.reduction == "none":
            coef = g if self.unbatched else g.unsqueeze(1)
        elif self.reduction == "mean":
            nan = self._no_weight(valid, dt)
            if nan is not None:
                nan = xp.broadcast_to(_expand_c(nan, e.ndim), e.shape)
                return (g * wrap(nan[0] if self.unbatched else nan) + zero_link(x), None)
            coef = g / float(self.denom)
        else:
            coef = g
        return (coef * (p * wrap(a) - wrap(k)), None)


class CrossEntropyProb(Op):
    """Cross entropy against class probabilities (targets shaped like the input), with label smoothing."""

    family = "loss"
    # PyTorch's is a composite: its last node is the mean's division, or the negation for 'sum' / 'none'
    grad_name = "DivBackward1"
    reduction = "mean"
    weight = None
    label_smoothing = 0.0

    def forward(self, x, t):
        unbatched = x.ndim == 1
        if unbatched:
            x, t = x[None], t[None]
        C = x.shape[1]
        logp = x - x.max(axis=1, keepdims=True)
        logp -= xp.log(xp.exp(logp).sum(axis=1, keepdims=True))
        eps = self.label_smoothing
        tw = t * (1 - eps) + eps / C if eps else t
        if self.weight is not None:
            tw = tw * self.weight.reshape((1, C) + (1,) * (x.ndim - 2))
        elem = -(logp * tw).sum(axis=1)
        self.unbatched = unbatched
        self.count = elem.size
        if self.requires_grad:
            self.save(logp, tw)
            if self.reduction != "mean":
                self.grad_name = "NegBackward0"
        if self.reduction == "none":
            return elem[0] if unbatched else elem
        return _reduce(elem, self.reduction)

    def backward(self, g):
        logp, tw = self.saved
        C = logp.shape[1]
        if self.reduction == "none":
            coef = g.reshape(1) if self.unbatched else g
            coef = coef[:, None]
        else:
            coef = _scale(g, self.reduction, self.count)
        n = self.needs_input_grad
        gx = gt = None
        if n[0]:
            p = xp.exp(logp)
            gx = coef * (p * tw.sum(axis=1, keepdims=True) - tw)
        if n[1]:
            f = -(1 - self.label_smoothing) * logp
            if self.weight is not None:
                f = f * self.weight.reshape((1, C) + (1,) * (logp.ndim - 2))
            gt = coef * f
        if self.unbatched:
            gx = gx[0] if gx is not None else None
            gt = gt[0] if gt is not None else None
        return gx, gt

    def backward_graph(self, g):
        return backward_by_recompute(self, (g,), self._composite)

    def _composite(self, x, t):
        """The loss from differentiable tensor ops (for gradients of gradients)."""
        ax = 0 if x.ndim == 1 else 1
        C = x.shape[ax]
        logp = x.log_softmax(ax)
        eps = self.label_smoothing
        tw = t * (1 - eps) + eps / C if eps else t
        if self.weight is not None:
            tw = tw * wrap(self.weight.reshape((C,) + (1,) * (x.ndim - 1 - ax)))
        elem = -(logp * tw).sum(ax)
        if self.reduction == "none":
            return elem
        return elem.sum() if self.reduction == "sum" else elem.mean()


_TWICE = "linear_cross_entropy chunked backward called twice; retain_graph=True / double backward are not supported."


class LinearCrossEntropy(Op):
    """``cross_entropy(x @ w.T + b, t)`` over rows ``(N, I)`` and class indices ``(N,)``, ``chunk`` rows at a time.

    Only one ``(chunk, C)`` logits buffer exists at a time (the unfused path keeps ``(N, C)`` logits and their
    softmax for backward). For 'mean'/'sum' the gradients are accumulated during the forward pass, as in
    PyTorch, and backward scales them by the upstream scalar in place, so a second backward raises unless
    ``retain`` (PyTorch's ``allow_retain_graph``). For 'none' backward recomputes each chunk's softmax.
    Arithmetic runs in ``acc`` (float32 for float16 inputs).
    """

    family = "loss"
    grad_name = "GeneratedBackwardFor_torch_nn__linear_cross_entropy_batch_chunked_defaultBackward"
    reduction = "mean"
    weight = None
    ignore_index = -100
    retain = False
    _consumed = False

    def forward(self, x, w, b=None):
        N, C = x.shape[0], w.shape[0]
        acc = self.acc
        tt, valid, wt = _class_targets(self.target, C, self.weight, self.ignore_index, acc)
        # d(loss)/d(logits) = wt * scale * (softmax - onehot) per row (wt None: ones)
        denom = acc.type(N) if wt is None else wt.sum()
        scale = acc.type(1)
        if self.reduction == "mean":
            with xp.errstate(divide="ignore", invalid="ignore"):
                # every target ignored: a nan loss and, as PyTorch's chunked op (unlike cross_entropy), nan grads
                scale = scale / denom
        wa = w.astype(acc, copy=False)
        ba = None if b is None else b.astype(acc, copy=False)
        pre = self.requires_grad and self.reduction != "none"
        need = self.needs_input_grad
        gx = xp.empty((N, x.shape[1]), dtype=acc) if pre and need[0] else None
        gw = xp.zeros(wa.shape, dtype=acc) if pre and need[1] else None
        gb = xp.zeros(C, dtype=acc) if pre and len(need) > 2 and need[2] else None
        elem = xp.empty(N, dtype=acc)
        for lo in range(0, N, self.chunk):
            hi = min(lo + self.chunk, N)
            p, lse, picked = self._softmax(x[lo:hi], wa, ba, tt[lo:hi])
            elem[lo:hi] = lse - picked
            if pre:
                with xp.errstate(invalid="ignore"):
                    a = scale if wt is None else wt[lo:hi] * scale
                self._grads(p, a, tt[lo:hi], x[lo:hi], wa, gx, gw, gb, lo)
        if wt is not None:
            elem *= wt
        dt = x.dtype
        if self.requires_grad:
            if pre:
                self.save(gx, gw, gb)
            else:
                self.save(x, w, b)
                self.tt, self.wt = tt, wt
        if self.reduction == "none":
            return elem.astype(dt, copy=False)
        total = elem.sum()
        if self.reduction == "mean":
            with xp.errstate(invalid="ignore", divide="ignore"):
                total = total / denom
        return xp.asarray(total, dtype=dt)

    def _softmax(self, xc, wa, ba, tc):
        """Softmax of one chunk's logits (in place in the logits buffer), its log-sum-exp and the shifted logit
        at the target."""
        z = xc.astype(self.acc, copy=False) @ wa.T
        if ba is not None:
            z += ba
        z -= z.max(axis=1, keepdims=True)
        picked = _gather(z, tc)
        xp.exp(z, out=z)
        s = z.sum(axis=1)
        z /= s[:, None]
        return z, xp.log(s), picked

    def _grads(self, p, a, tc, xc, wa, gx, gw, gb, lo):
        """Add one chunk's gradients, from ``p = softmax`` and per-row coefficients ``a``."""
        if xp.ndim(a):
            p *= a[:, None]
        else:
            p *= a
        _sub_at_target(p, tc, a)
        if gx is not None:
            gx[lo:lo + p.shape[0]] = p @ wa
        if gw is not None:
            gw += p.T @ xc.astype(p.dtype, copy=False)
        if gb is not None:
            gb += p.sum(axis=0)

    def backward(self, g):
        if self.reduction == "none":
            return self._backward_none(g)
        if self._consumed:
            raise RuntimeError(_TWICE)
        grads = self.saved
        if self.retain:
            return tuple(None if a is None else a * g for a in grads)
        self._consumed = True  # the buffers are scaled in place: a second backward would scale them again
        for a in grads:
            if a is not None:
                a *= g
        return grads

    def backward_graph(self, g):
        # As PyTorch's chunked op, the gradients are constants (computed without a graph) times the upstream
        # gradient: differentiable in g only, never in the inputs.
        if self.reduction == "none":
            return self._backward_none_graph(g)
        if self._consumed:
            raise RuntimeError(_TWICE)
        return tuple(None if a is None else wrap(a) * g for a in self.saved)

    def _backward_none_graph(self, g):
        x, w, b = self.saved
        need = self.needs_input_grad
        acc = self.acc
        wa = w.astype(acc, copy=False)
        ba = None if b is None else b.astype(acc, copy=False)
        # d[n] = wt[n] * (softmax - onehot)[n]: the per-row logits gradient per unit of g[n]
        d = xp.empty((x.shape[0], w.shape[0]), dtype=acc)
        ones = xp.ones(x.shape[0], dtype=acc) if self.wt is None else self.wt
        for lo in range(0, x.shape[0], self.chunk):
            hi = min(lo + self.chunk, x.shape[0])
            p = self._softmax(x[lo:hi], wa, ba, self.tt[lo:hi])[0]
            self._grads(p, ones[lo:hi], self.tt[lo:hi], None, None, None, None, None, lo)
            d[lo:hi] = p
        gd = g.unsqueeze(1) * wrap(d)
        gx = gd @ wrap(wa) if need[0] else None
        gw = gd.t() @ wrap(x.astype(acc, copy=False)) if need[1] else None
        if b is None:
            return gx, gw
        return gx, gw, (gd.sum(0) if need[2] else None)

    def _backward_none(self, g):
        x, w, b = self.saved
        need = self.needs_input_grad
        acc = self.acc
        N, C = x.shape[0], w.shape[0]
        wa = w.astype(acc, copy=False)
        ba = None if b is None else b.astype(acc, copy=False)
        gx = xp.empty((N, x.shape[1]), dtype=acc) if need[0] else None
        gw = xp.zeros(wa.shape, dtype=acc) if need[1] else None
        gb = xp.zeros(C, dtype=acc) if b is not None and need[2] else None
        coef = g.astype(acc, copy=False)
        if self.wt is not None:
            coef = coef * self.wt
        for lo in range(0, N, self.chunk):
            hi = min(lo + self.chunk, N)
            p = self._softmax(x[lo:hi], wa, ba, self.tt[lo:hi])[0]
            self._grads(p, coef[lo:hi], self.tt[lo:hi], x[lo:hi], wa, gx, gw, gb, lo)
        return (gx, gw) if b is None else (gx, gw, gb)


# -------------------------------------------------------------------------------------- binary losses


def _bce_range_error(x, t, bad_x):
    # PyTorch checks element by element, the input before the target: the first bad element names the operand.
    if bad_x:
        xb, tb = xp.broadcast_arrays(x, t)
        ix = int(xp.argmax(~((xb >= 0) & (xb <= 1)), axis=None))
        it = int(xp.argmax(~((tb >= 0) & (tb <= 1)), axis=None))
        if ix <= it or (0 <= tb.flat[it] <= 1):  # (argmax is 0 when the target has no bad element)
            raise RuntimeError("all elements of input should be between 0 and 1")
    raise RuntimeError("all elements of target should be between 0 and 1")


class BinaryCrossEntropy(Op):
    family = "loss"
    reduction = "mean"
    weight = None

    def forward(self, x, t):
        # min/max propagate NaN, so the negated tests also reject NaN (as PyTorch does).
        bad_x = x.size and not (x.min() >= 0 and x.max() <= 1)
        if bad_x or (t.size and not (t.min() >= 0 and t.max() <= 1)):
            _bce_range_error(x, t, bad_x)
        with xp.errstate(divide="ignore"):
            # PyTorch clamps the logs at -100 so that a saturated prediction gives a finite loss.
            lx = xp.maximum(xp.log(x), -100)
            l1x = xp.maximum(xp.log1p(-x), -100)
        elem = -(t * (lx - l1x) + l1x)
        if self.weight is not None:
            elem = elem * self.weight
        self.count = elem.size
        if self.requires_grad:
            self.save(x, t, lx, l1x)
        return _reduce(elem, self.reduction)

    def backward(self, g):
        x, t, lx, l1x = self.saved
        coef = _scale(g, self.reduction, self.count)
        if self.weight is not None:
            coef = coef * self.weight
        n = self.needs_input_grad
        gx = coef * (x - t) / xp.maximum(x * (1 - x), x.dtype.type(1e-12)) if n[0] else None
        gt = coef * (l1x - lx) if n[1] else None
        return gx, gt

    def backward_graph(self, g):
        x, t = self._inputs
        coef = _scale_graph(g, self.reduction, self.count)
        if self.weight is not None:
            coef = coef * wrap(self.weight)
        n = self.needs_input_grad
        gx = coef * (x - t) / (x * (1 - x)).clamp(min=1e-12) if n[0] else None
        gt = coef * ((-x).log1p().clamp(min=-100) - x.log().clamp(min=-100)) if n[1] else None
        return gx, gt


class BinaryCrossEntropyWithLogits(Op):
    """``(1 - t) * x + (1 + (pos_weight - 1) * t) * softplus(-x)``, times weight: stable for any logit."""

    family = "loss"
    reduction = "mean"
    weight = None
    pos_weight = None

    def forward(self, x, t):
        sp = softplus_array(-x)
        if self.pos_weight is not None:
            lw = (self.pos_weight - 1) * t + 1
            elem = (1 - t) * x + lw * sp
        else:
            elem = (1 - t) * x + sp
        if self.weight is not None:
            elem = elem * self.weight
        if self.requires_grad:
            self.save(x, t, sp)
        self.count = elem.size
        return _reduce(elem, self.reduction)

    def backward(self, g):
        x, t, sp = self.saved
        coef = _scale(g, self.reduction, self.count)
        if self.weight is not None:
            coef = coef * self.weight
        n = self.needs_input_grad
        pw = self.pos_weight
        gx = gt = None
        if n[0]:
            if pw is None:
                gx = coef * (sigmoid_array(x) - t)
            else:
                gx = coef * ((1 - t) - ((pw - 1) * t + 1) * sigmoid_array(-x))
        if n[1]:
            gt = coef * (-x if pw is None else (pw - 1) * sp - x)
        return gx, gt

    def backward_graph(self, g):
        x, t = self._inputs
        coef = g / self.count if self.reduction == "mean" else g
        if self.weight is not None:
            coef = coef * wrap(self.weight)
        n = self.needs_input_grad
        pw = None if self.pos_weight is None else wrap(self.pos_weight)
        gx = gt = None
        if n[0]:
            gx = coef * (x.sigmoid() - t) if pw is None else coef * ((1 - t) - ((pw - 1) * t + 1) * (-x).sigmoid())
        if n[1]:
            if pw is None:
                gt = -coef * x
            else:
                sp = (-x).clamp(min=0) + (-x.abs()).exp().log1p()
                gt = coef * ((pw - 1) * sp - x)
        return gx, gt


class SoftMarginLoss(Op):
    """``log(1 + exp(-y * x))``, evaluated stably."""

    family = "loss"
    reduction = "mean"
    bool_target = False  # (PyTorch's backward negates the target: refused for bool)

    def forward(self, x, y):
        z = -y * x
        if self.requires_grad:
            self.save(x, y, z)
        elem = softplus_array(z)
        self.count = elem.size
        return _reduce(elem, self.reduction)

    def backward(self, g):
        if self.bool_target:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                               "invert a mask, use the `~` or `logical_not()` operator instead.")
        x, y, z = self.saved
        c = _scale(g, self.reduction, self.count) * sigmoid_array(z)
        n = self.needs_input_grad
        return (-(c * y) if n[0] else None, -(c * x) if n[1] else None)

    def backward_graph(self, g):
        x, y = self._inputs
        c = _scale_graph(g, self.reduction, self.count) * (-y * x).sigmoid()
        n = self.needs_input_grad
        return (-(c * y) if n[0] else None, -(c * x) if n[1] else None)


# ------------------------------------------------------------------------------------------------------- CTC


def _lse3(a, b, c):
    """Elementwise ``log(exp(a) + exp(b) + exp(c))``; -inf where all three are -inf (no path)."""
    m = xp.maximum(xp.maximum(a, b), c)
    m = xp.where(xp.isneginf(m), 0, m)  # an all -inf triple would give -inf - -inf = nan otherwise
    with xp.errstate(divide="ignore"):
        return xp.log(xp.exp(a - m) + xp.exp(b - m) + xp.exp(c - m)) + m


class CtcLoss(Op):
    """Connectionist temporal classification: ``-log p(target | log_probs)`` per batch element, shape ``(N,)``.

    Runs over the extended label sequence ``l'`` (blank, t1, blank, t2, ..., blank) of length ``2 S + 1``:
    the forward (alpha) and backward (beta) recursions in log space loop over time only, each step vectorised
    over the batch and the label positions. ``targets`` (N, S) holds valid labels in its first
    ``target_lengths[n]`` entries and the blank after them; the lengths are int64 arrays.

    The gradient is PyTorch's: ``exp(log_probs) - occupancy``, the gradient with respect to the logits that
    ``log_softmax`` turned into ``log_probs`` (the true one w.r.t. ``log_probs`` lacks the ``exp`` term; the
    two agree after ``log_softmax``'s backward, which removes any per-row constant times the softmax).
    """

    family = "loss"
    blank = 0
    zero_infinity = False

    def _extended(self, lp):
        """``(l', skip, lp[t, n, l'[n, s]])``: skip[n, s] says the path may jump from s - 2 to s."""
        tg = self.targets
        n, s = tg.shape
        ext = xp.full((n, 2 * s + 1), self.blank, dtype=xp.int64)
        ext[:, 1::2] = tg
        skip = xp.zeros(ext.shape, dtype=bool)
        skip[:, 2:] = ext[:, 2:] != ext[:, :-2]  # never at blanks, nor between repeated labels
        return ext, skip, xp.take_along_axis(lp, ext[None], axis=2)

    def forward(self, lp):
        T, N, _ = lp.shape
        il, tl = self.input_lengths, self.target_lengths
        ext, skip, lpe = self._extended(lp)
        L = ext.shape[1]
        ninf = lp.dtype.type(-xp.inf)
        alpha = xp.full((T, N, L), ninf, dtype=lp.dtype)
        alpha[0, :, 0] = lpe[0, :, 0]
        if L > 1:
            alpha[0, :, 1] = xp.where(tl > 0, lpe[0, :, 1], ninf)
        a1 = xp.full((N, L), ninf, dtype=lp.dtype)
        a2 = xp.full((N, L), ninf, dtype=lp.dtype)
        for t in range(1, T):
            prev = alpha[t - 1]
            a1[:, 1:] = prev[:, :-1]
            a2[:, 2:] = xp.where(skip[:, 2:], prev[:, :-2], ninf)
            alpha[t] = _lse3(prev, a1, a2) + lpe[t]
        # Paths end at t = input_length - 1 on the last label or on the blank after it.
        rows = xp.arange(N)
        last = xp.maximum(il - 1, 0)
        end = alpha[last, rows, 2 * tl]
        end = xp.logaddexp(end, xp.where(tl > 0, alpha[last, rows, xp.maximum(2 * tl - 1, 0)], ninf))
        nll = -end
        if (il == 0).any():  # no time step: only the empty target is possible
            nll = xp.where(il == 0, xp.where(tl == 0, lp.dtype.type(-0.0), -ninf), nll)
        nll = nll.astype(lp.dtype, copy=False)
        if self.requires_grad:
            self.save(lp, alpha, nll)
        return nll

    def backward(self, g):
        lp, alpha, nll = self.saved
        T, N, C = lp.shape
        il, tl = self.input_lengths, self.target_lengths
        ext, skip, lpe = self._extended(lp)
        L = ext.shape[1]
        dt = lp.dtype
        ninf = dt.type(-xp.inf)
        s = xp.arange(L)
        ends = (s == 2 * tl[:, None]) | ((s == 2 * tl[:, None] - 1) & (tl[:, None] > 0))
        skip_next = xp.zeros((N, L), dtype=bool)
        skip_next[:, :-2] = skip[:, 2:]  # beta may jump from s + 2 to s
        # occ[t, n, s]: posterior probability that the path sits on l'[n, s] at time t, alpha * beta / p
        # (alpha and beta both contain lp[t, l'[s]] once, hence the subtraction).
        occ = xp.empty((T, N, L), dtype=dt)
        beta = xp.full((N, L), ninf, dtype=dt)
        b1 = xp.full((N, L), ninf, dtype=dt)
        b2 = xp.full((N, L), ninf, dtype=dt)
        with xp.errstate(invalid="ignore", over="ignore"):
            for t in range(T - 1, -1, -1):
                start = (il - 1 == t)[:, None]
                inside = (t < il - 1)[:, None]
                rec = ninf
                if t < T - 1 and inside.any():
                    b1[:, :-1] = beta[:, 1:]
                    b2[:, :-2] = xp.where(skip_next[:, :-2], beta[:, 2:], ninf)
                    rec = _lse3(beta, b1, b2) + lpe[t]
                beta = xp.where(start, xp.where(ends, lpe[t], ninf), xp.where(inside, rec, ninf))
                occ[t] = xp.exp(alpha[t] + beta - lpe[t] + nll[:, None])
            # Sum the occupancies of the positions carrying each class (one flat bincount, no Python loop).
            flat = (xp.arange(T * N, dtype=xp.int64).reshape(T, N, 1) * C + ext[None]).ravel()
            summed = xp.bincount(flat, weights=occ.ravel(), minlength=T * N * C).reshape(T, N, C)
            grad = (xp.exp(lp) - summed.astype(dt, copy=False)) * g.reshape(1, N, 1)
        inf = nll == xp.inf
        if inf.any() and not self.zero_infinity:
            grad[:, inf] = xp.nan  # no alignment exists: PyTorch's exp(-inf + inf) is nan for every class
        zero_prob = xp.isneginf(lp)
        if zero_prob.any():
            grad[zero_prob] = xp.nan  # as PyTorch: -inf - -inf in its occupancy term
        active = xp.arange(T)[:, None] < il[None, :]
        if self.zero_infinity:
            active &= ~inf[None, :]
        return (xp.where(active[:, :, None], grad, dt.type(0)),)

    def backward_graph(self, g):
        # PyTorch has no derivative for its backward: the gradient is linked to g and log_probs by a node that
        # raises its error when differentiated
        from ember._ops.elementwise import Constant
        (grad,) = self.backward(g._data)
        return (Constant.apply(g, self._inputs[0], result=grad, error="_ctc_loss_backward",
                               grad_name="NotImplemented"),)


class MultiMarginLoss(Op):
    """Multi-class hinge loss of scores ``(N, C)`` (or ``(C,)``): per sample
    ``sum_{i != y} w[y] * max(0, margin - x[y] + x[i]) ** p / C``. ``target`` (int64) and ``weight`` are arrays."""

    family = "loss"
    p = 1
    margin = 1.0
    weight = None
    reduction = "mean"
    scalar_out = False  # (a 0-d target: a 0-d loss for reduction 'none')

    def _hinge(self, x):
        """``(margin - x[y] + x)`` with the target column masked out, its rows, and the per-sample weights."""
        x2 = x.reshape(1, -1) if x.ndim <= 1 else x
        n, c = x2.shape
        rows, t = xp.arange(n), self.target.reshape(-1)
        z = x2.dtype.type(self.margin) - x2[rows, t][:, None] + x2
        z[rows, t] = 0  # the target's own term is not part of the sum
        w = None if self.weight is None else self.weight[t].astype(x2.dtype, copy=False)[:, None]
        return z, rows, t, w

    def forward(self, x):
        z, rows, t, w = self._hinge(x)
        h = xp.maximum(z, 0)
        if self.p == 2:
            h = h * h
        if w is not None:
            h = h * w
        per = h.sum(1) / x.dtype.type(z.shape[1])
        if self.requires_grad:
            self.save(x)
        if self.scalar_out and self.reduction == "none":
            per = per.reshape(())
        return _reduce(per, self.reduction)

    def backward(self, g):
        (x,) = self.saved
        z, rows, t, w = self._hinge(x)
        n, c = z.shape
        coef = _scale(g, self.reduction, n).reshape(-1, 1) if self.reduction == "none" else _scale(g, self.reduction, n)
        h = (z > 0).astype(x.dtype) if self.p == 1 else 2 * xp.maximum(z, 0)
        h = h * (coef / x.dtype.type(c))
        if w is not None:
            h = h * w
        h[rows, t] = -h.sum(1)  # x[y] enters every term with the opposite sign (its own entry is masked to 0)
        return (h.reshape(x.shape),)

    def backward_graph(self, g):
        from ember._ops.linalg import vjp_graph
        return vjp_graph(self._composite, self._inputs, self.needs_input_grad, g)

    def _composite(self, x):
        """The loss from differentiable tensor ops (for gradients of gradients)."""
        x2 = x.reshape(1, -1) if x.ndim <= 1 else x
        n, c = x2.shape
        t = self.target.reshape(-1)
        other = wrap((xp.arange(c)[None, :] != t[:, None]).astype(x2._data.dtype))
        z = (self.margin - x2.gather(1, wrap(t[:, None])) + x2).clamp(min=0) * other
        if self.p == 2:
            z = z * z
        if self.weight is not None:
            z = z * wrap(self.weight[t].astype(x2._data.dtype)[:, None])
        per = z.sum(1) / c
        if self.reduction == "none":
            return per.reshape(()) if self.scalar_out else per
        return per.sum() if self.reduction == "sum" else per.mean()
