"""Reductions: sum, mean, prod, max/min, var/std, logsumexp, softmax, log_softmax, cumsum, norm."""

from ember._backend import xp
from ember._ops import Op
from ember._tensor import wrap

# The ufunc's own reduce, not ndarray.sum: NumPy's Python wrapper behind .sum()/.mean() would be the frame an IEEE
# warning (inf - inf, overflow) is attributed to, slipping past ember's warning filter (PyTorch is silent).
_sum = xp.add.reduce


def _unreduce(g, ndim, dim, keepdim):
    """A reduced gradient Tensor with the reduced dimensions put back as size 1 (for broadcasting)."""
    if keepdim:
        return g
    if dim is None:
        return g.reshape((1,) * ndim)
    for d in sorted(dim if isinstance(dim, tuple) else (dim,)):
        g = g.unsqueeze(d)
    return g


def _expand_grad(g, shape, axes, keepdim):
    """Broadcast a reduced gradient back over the reduced axes (``axes`` None means all)."""
    if not keepdim and axes is not None:
        g = xp.expand_dims(g, axes)
    elif not keepdim:
        g = g.reshape((1,) * len(shape))
    return xp.broadcast_to(g, shape)


class Sum(Op):
    family = "reduction"
    dim = None  # tuple of non-negative axes, or None for all
    keepdim = False
    dtype = None

    def forward(self, x):
        self.shape = x.shape
        if self.dim is not None:
            self.grad_name = "SumBackward1"
        return _sum(x, axis=self.dim, keepdims=self.keepdim, dtype=self.dtype)

    def backward(self, g):
        return (_expand_grad(g, self.shape, self.dim, self.keepdim),)

    def backward_graph(self, g):
        if not self.keepdim and self.dim is not None:
            for d in sorted(self.dim):
                g = g.unsqueeze(d)
        elif not self.keepdim:
            g = g.reshape((1,) * len(self.shape))
        return (g.expand(self.shape),)


class Mean(Op):
    family = "reduction"
    dim = None
    keepdim = False

    def forward(self, x):
        self.shape = x.shape
        if self.dim is not None:
            self.grad_name = "MeanBackward1"
        n = x.size if self.dim is None else _count(x.shape, self.dim)
        self.count = n
        out = _sum(x, axis=self.dim, keepdims=self.keepdim)
        return (out / x.dtype.type(max(n, 1)) if n else out * x.dtype.type(float("nan"))).astype(x.dtype, copy=False)

    def backward(self, g):
        return (_expand_grad(g / g.dtype.type(self.count), self.shape, self.dim, self.keepdim),)

    def backward_graph(self, g):
        g = g / self.count
        if not self.keepdim and self.dim is not None:
            for d in sorted(self.dim):
                g = g.unsqueeze(d)
        elif not self.keepdim:
            g = g.reshape((1,) * len(self.shape))
        return (g.expand(self.shape),)


def _count(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return n


class Prod(Op):
    family = "reduction"
    dim = None  # a single axis or None
    keepdim = False

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.multiply.reduce(x, axis=self.dim, keepdims=self.keepdim)  # not .prod(): see _sum

    def backward(self, g):
        (x,) = self.saved
        if self.dim is None:
            flat = x.reshape(-1)
            others = _exclusive_prod(flat, 0).reshape(x.shape)
            return (g.reshape(()) * others if g.ndim else g * others,)
        others = _exclusive_prod(x, self.dim)
        g = g if self.keepdim else xp.expand_dims(g, self.dim)
        return (g * others,)

    def backward_graph(self, g):
        x = self._inputs[0]
        if (x._data == 0).any():
            raise RuntimeError("double backward (create_graph=True) of prod is not implemented for inputs with zeros")
        out = x.prod() if self.dim is None else x.prod(self.dim, keepdim=True)
        return (_unreduce(g, x.ndim, self.dim, self.keepdim) * out / x,)


def _exclusive_prod(x, axis):
    """Product of all other elements along ``axis``, exact with zeros (no division)."""
    n = x.shape[axis]
    ones_shape = list(x.shape)
    ones_shape[axis] = 1
    one = xp.ones(ones_shape, dtype=x.dtype)
    left = xp.concatenate([one, xp.multiply.accumulate(xp.take(x, range(n - 1), axis=axis), axis=axis)], axis=axis)
    rev = xp.flip(x, axis)
    right = xp.concatenate([one, xp.multiply.accumulate(xp.take(rev, range(n - 1), axis=axis), axis=axis)], axis=axis)
    return left * xp.flip(right, axis)


class MaxDim(Op):
    """``max(dim)`` / ``min(dim)``: values and indices; the gradient goes to the chosen index."""

    family = "reduction"
    grad_name = "MaxBackward0"
    differentiable_outputs = 1
    keepdim = False
    largest = True

    def forward(self, x):
        d = self.dim
        if not self.largest:
            self.grad_name = "MinBackward0"
        idx = xp.argmax(x, axis=d, keepdims=True) if self.largest else xp.argmin(x, axis=d, keepdims=True)
        vals = xp.take_along_axis(x, idx, axis=d)
        self.shape = x.shape
        if self.requires_grad:
            self.save(idx)
        if not self.keepdim:
            vals = vals.squeeze(d)
            idx = idx.squeeze(d)
        return vals, idx.astype(xp.int64, copy=False)

    def backward(self, g, _gi=None):
        (idx,) = self.saved
        d = self.dim
        out = xp.zeros(self.shape, dtype=g.dtype)
        if not self.keepdim:
            g = xp.expand_dims(g, d)
        xp.put_along_axis(out, idx, g, axis=d)
        return (out,)

    def backward_graph(self, g, _gi=None):
        from ember._ops.shape import IndexPut, _grid
        x = self._inputs[0]
        d = self.dim
        idx = (xp.argmax if self.largest else xp.argmin)(x._data, axis=d, keepdims=True)
        zeros = wrap(xp.zeros(self.shape, dtype=g._data.dtype))
        return (IndexPut.apply(zeros, _unreduce(g, x.ndim, d, self.keepdim), index=_grid(idx, d), advanced=True),)


class MaxAll(Op):
    """``max()``/``min()``/``amax``/``amin``: gradient shared evenly among tied extremes."""

    family = "reduction"
    grad_name = "MaxBackward1"
    largest = True
    dim = None
    keepdim = False

    def forward(self, x):
        if not self.largest:
            self.grad_name = "MinBackward1" if self.grad_name == "MaxBackward1" else self.grad_name
        reduce = x.max if self.largest else x.min
        out = reduce(axis=self.dim, keepdims=self.keepdim)
        if self.requires_grad:
            self.save(x, out)
        return out

    def backward(self, g):
        x, out = self.saved
        o = out if (self.keepdim or self.dim is None and out.ndim == x.ndim) else (
            xp.expand_dims(out, self.dim) if self.dim is not None else out.reshape((1,) * x.ndim))
        gg = g if self.keepdim else (xp.expand_dims(g, self.dim) if self.dim is not None
                                     else g.reshape((1,) * x.ndim))
        mask = x == o
        count = mask.sum(axis=self.dim, keepdims=True)
        return ((mask * (gg / count)).astype(g.dtype, copy=False),)

    def backward_graph(self, g):
        x = self._inputs[0]._data
        dim = self.dim
        o = x.max(axis=dim, keepdims=True) if self.largest else x.min(axis=dim, keepdims=True)
        mask = x == o
        w = (mask / mask.sum(axis=dim, keepdims=True)).astype(g._data.dtype)
        return (_unreduce(g, x.ndim, dim, self.keepdim) * wrap(w),)


class Var(Op):
    family = "reduction"
    dim = None
    keepdim = False
    correction = 1
    take_sqrt = False

    def forward(self, x):
        if self.take_sqrt:
            self.grad_name = "StdBackward0"
        n = x.size if self.dim is None else _count(x.shape, self.dim)
        count = x.dtype.type(max(n, 1))
        total = _sum(x, axis=self.dim, keepdims=True)
        diff = x - total / count
        if not xp.isfinite(total).all() and xp.isfinite(x).all():
            # The sum overflowed (PyTorch's running mean does not): redo the mean in float64 (rare path).
            wide = x.astype(xp.float64)
            diff = (wide - _sum(wide, axis=self.dim, keepdims=True) / max(n, 1)).astype(x.dtype)
        denom = max(n - self.correction, 0)
        with xp.errstate(divide="ignore", invalid="ignore"):
            var = _sum(diff * diff, axis=self.dim, keepdims=self.keepdim) / x.dtype.type(denom)
        out = xp.sqrt(var) if self.take_sqrt else var
        out = out.astype(x.dtype, copy=False)
        if self.requires_grad:
            self.save(diff, out)
            self.denom = denom
        return out

    def backward(self, g):
        diff, out = self.saved
        g = g if self.keepdim or self.dim is None else xp.expand_dims(g, self.dim)
        o = out if self.keepdim or self.dim is None else xp.expand_dims(out, self.dim)
        with xp.errstate(divide="ignore", invalid="ignore"):
            if self.take_sqrt:
                grad = g * diff / (o * diff.dtype.type(self.denom))
            else:
                grad = g * diff * diff.dtype.type(2.0 / self.denom if self.denom else float("inf"))
        return (grad.astype(diff.dtype, copy=False),)

    def backward_graph(self, g):
        x = self._inputs[0]
        dim = self.dim
        diff = x - (x.mean() if dim is None else x.mean(dim, keepdim=True))
        g = _unreduce(g, x.ndim, dim, self.keepdim)
        if self.take_sqrt:
            out = x.std(dim, correction=self.correction, keepdim=True) if dim is not None else \
                x.std(correction=self.correction)
            return (g * diff / (out * self.denom),)
        return (g * diff * (2.0 / self.denom),)


class LogSumExp(Op):
    family = "reduction"
    grad_name = "LogsumexpBackward0"
    dim = None
    keepdim = False

    def forward(self, x):
        m = x.max(axis=self.dim, keepdims=True) if x.size else xp.zeros((1,) * x.ndim, x.dtype)
        m = xp.where(xp.isfinite(m), m, 0)
        s = _sum(xp.exp(x - m), axis=self.dim, keepdims=True)
        out = xp.log(s) + m
        if self.requires_grad:
            self.save(x, out)
        return out if self.keepdim else out.squeeze(self.dim) if self.dim is not None else out.reshape(())

    def backward(self, g):
        x, out = self.saved
        g = g if self.keepdim else (xp.expand_dims(g, self.dim) if self.dim is not None else g.reshape((1,) * x.ndim))
        return (g * xp.exp(x - out),)

    def backward_graph(self, g):
        x = self._inputs[0]
        dims = self.dim if self.dim is not None else tuple(range(x.ndim))
        lse = x.logsumexp(dims, keepdim=True)
        return (_unreduce(g, x.ndim, self.dim, self.keepdim) * (x - lse).exp(),)


def log_softmax_array(x, axis):
    m = x.max(axis=axis, keepdims=True)
    shifted = x - m
    return shifted - xp.log(_sum(xp.exp(shifted), axis=axis, keepdims=True))


def softmax_array(x, axis):
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    e /= _sum(e, axis=axis, keepdims=True)
    return e


class Softmax(Op):
    family = "reduction"

    def forward(self, x):
        out = softmax_array(x, self.dim) if x.size else x.copy()
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        go = g * out
        return (go - out * _sum(go, axis=self.dim, keepdims=True),)

    def backward_graph(self, g):
        s = self._inputs[0].softmax(self.dim)
        go = g * s
        return (go - s * go.sum(self.dim, keepdim=True),)


class LogSoftmax(Op):
    family = "reduction"

    def forward(self, x):
        out = log_softmax_array(x, self.dim) if x.size else x.copy()
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g - xp.exp(out) * _sum(g, axis=self.dim, keepdims=True),)

    def backward_graph(self, g):
        s = self._inputs[0].softmax(self.dim)
        return (g - s * g.sum(self.dim, keepdim=True),)


class CumSum(Op):
    family = "reduction"
    grad_name = "CumsumBackward0"
    dtype = None

    def forward(self, x):
        return xp.add.accumulate(x, axis=self.dim, dtype=self.dtype)  # not xp.cumsum: see _sum

    def backward(self, g):
        return (xp.flip(xp.add.accumulate(xp.flip(g, self.dim), axis=self.dim), self.dim),)

    linear = True


class CumMax(Op):
    """``cummax``/``cummin``: the running extreme along ``dim`` and where it was last attained.

    As PyTorch, a value equal to the running extreme moves the index to it, and NaN wins (every later NaN
    moves the index again). Backward sends each output's gradient to its index, summing repeats.
    """

    family = "reduction"
    grad_name = "CummaxBackward0"
    differentiable_outputs = 1
    largest = True

    def forward(self, x):
        if not self.largest:
            self.grad_name = "CumminBackward0"
        d = self.dim
        if x.ndim == 0:
            vals, idx = x.copy(), xp.zeros((), dtype=xp.int64)
        else:
            vals = (xp.maximum if self.largest else xp.minimum).accumulate(x, axis=d)
            hit = x == vals  # the extreme is (re)attained here
            if x.dtype.kind == "f":
                hit |= xp.isnan(x)
            pos = xp.arange(x.shape[d], dtype=xp.int64).reshape((-1,) + (1,) * (x.ndim - 1 - d))
            # the latest hit so far: positions grow along dim, so a running maximum of hit positions
            idx = xp.maximum.accumulate(xp.where(hit, pos, 0), axis=d)
        if self.requires_grad:
            self.save(idx)
            self.shape = x.shape
        return vals, idx

    def backward(self, g, _gi=None):
        (idx,) = self.saved
        out = xp.zeros(self.shape, dtype=g.dtype)
        if out.ndim == 0:
            return (g.copy(),)
        # scatter-add along dim: flatten with dim last, then one unbuffered add over flat indices
        d = self.dim
        n = out.shape[d]
        idx_last = xp.moveaxis(idx, d, -1)
        rows = xp.arange(idx_last.size // max(n, 1), dtype=xp.int64).reshape(idx_last.shape[:-1] + (1,)) * n
        acc = xp.zeros(idx_last.shape, dtype=g.dtype)
        xp.add.at(acc.reshape(-1), (rows + idx_last).reshape(-1), xp.moveaxis(g, d, -1).reshape(-1))
        out[...] = xp.moveaxis(acc, -1, d)
        return (out,)


class CumProd(Op):
    family = "reduction"
    grad_name = "CumprodBackward0"
    dtype = None  # the dtype the caller asked for (x is already cast to it); None: integers accumulate in int64

    def forward(self, x):
        dt = self.dtype if self.dtype is not None or x.dtype.kind not in "biu" else xp.dtype(xp.int64)
        if dt == xp.bool_:
            raise NotImplementedError("\"cumprod_out_cpu\" not implemented for 'Bool'")
        out = xp.multiply.accumulate(x, axis=self.dim, dtype=dt)  # not xp.cumprod: see _sum
        if self.requires_grad:
            self.save(x, out)
        return out

    def backward(self, g):
        x, out = self.saved
        d = self.dim
        if not (x == 0).any():
            return (xp.flip(xp.add.accumulate(xp.flip(g * out, d), axis=d), d) / x,)
        # exact path with zeros: d out_j / d x_i = prod_{k<=j, k!=i} x_k
        n = x.shape[d]
        xs = xp.moveaxis(x, d, -1)
        gs = xp.moveaxis(g, d, -1)
        grad = xp.zeros_like(xs)
        for i in range(n):  # O(n^2) only on the rare zero-containing path
            others = xs.copy()
            others[..., i] = 1
            prods = xp.multiply.accumulate(others, axis=-1)
            grad[..., i] = (gs[..., i:] * prods[..., i:]).sum(axis=-1)
        return (xp.moveaxis(grad, -1, d),)

    def backward_graph(self, g):
        x = self._inputs[0]
        if (x._data == 0).any():
            raise RuntimeError("double backward (create_graph=True) of cumprod is not implemented for inputs with "
                               "zeros")
        d = self.dim
        out = x.cumprod(d)
        return ((g * out).flip(d).cumsum(d).flip(d) / x,)


class Norm(Op):
    """Vector p-norm over ``dim`` (all elements when None)."""

    family = "reduction"
    grad_name = "LinalgVectorNormBackward0"
    p = 2.0
    dim = None
    keepdim = False

    def forward(self, x):
        p, d = self.p, self.dim
        a = xp.abs(x)
        if p == float("inf"):
            out = a.max(axis=d, keepdims=True)
        elif p == -float("inf"):
            out = a.min(axis=d, keepdims=True)
        elif p == 0:
            out = (x != 0).sum(axis=d, keepdims=True).astype(x.dtype)
        elif p == 1:
            out = a.sum(axis=d, keepdims=True)
        elif p == 2:
            out = xp.sqrt((x * x).sum(axis=d, keepdims=True))
        else:
            out = (a ** p).sum(axis=d, keepdims=True) ** (1.0 / p)
        out = out.astype(x.dtype, copy=False)
        if self.requires_grad:
            self.save(x, out)
        if not self.keepdim:
            out = out.reshape(()) if d is None else out.squeeze(d)
        return out

    def backward(self, g):
        x, out = self.saved
        p, d = self.p, self.dim
        if not self.keepdim:
            g = g.reshape((1,) * x.ndim) if d is None else xp.expand_dims(g, d)
        with xp.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                scale = xp.where(out == 0, 0, g / out)
                grad = x * scale
            elif p == 1:
                grad = g * xp.sign(x)
            elif p in (float("inf"), -float("inf")):
                mask = xp.abs(x) == out
                grad = g * xp.sign(x) * mask / mask.sum(axis=d, keepdims=True)
            elif p == 0:
                grad = xp.zeros_like(x)
            else:
                grad = xp.where(out == 0, 0, g * x * xp.abs(x) ** (p - 2) / out ** (p - 1))
        return (grad.astype(x.dtype, copy=False),)

    def backward_graph(self, g):
        x = self._inputs[0]
        p, d = self.p, self.dim
        g = _unreduce(g, x.ndim, d, self.keepdim)
        dims = d if d is not None else tuple(range(x.ndim))
        if p == 1:
            return (g * x.sign(),)
        if p in (float("inf"), -float("inf")) or p == 0:
            xa = x._data
            a = xp.abs(xa)
            if p == 0:
                return (g * 0,)
            o = a.max(axis=d, keepdims=True) if p > 0 else a.min(axis=d, keepdims=True)
            mask = a == o
            w = (xp.sign(xa) * mask / mask.sum(axis=d, keepdims=True)).astype(g._data.dtype)
            return (g * wrap(w),)
        out = x.norm(p, dims, keepdim=True)
        safe = wrap((out._data != 0).astype(g._data.dtype))
        out_safe = out + (1 - safe)
        if p == 2:
            return (g * x / out_safe * safe,)
        return (g * x * x.abs() ** (p - 2) / out_safe ** (p - 1) * safe,)
