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
    complex_grad = True  # linear with real coefficients
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
    complex_grad = True  # linear with real coefficients
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
    holomorphic = True
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
        mask = self._ties(x, o)
        count = mask.sum(axis=self.dim, keepdims=True)
        return ((mask * (gg / count)).astype(g.dtype, copy=False),)

    def _ties(self, x, o):
        # max()/min() of all elements share a NaN result among the NaNs, as PyTorch (amax/amin: NaN everywhere)
        if self.dim is None and self.grad_name[0] == "M" and x.dtype.kind in "fV" and xp.isnan(o).any():
            return xp.isnan(x)
        return x == o

    def backward_graph(self, g):
        x = self._inputs[0]._data
        dim = self.dim
        o = x.max(axis=dim, keepdims=True) if self.largest else x.min(axis=dim, keepdims=True)
        mask = self._ties(x, o)
        w = (mask / mask.sum(axis=dim, keepdims=True)).astype(g._data.dtype)
        return (_unreduce(g, x.ndim, dim, self.keepdim) * wrap(w),)


class Var(Op):
    family = "reduction"
    complex_grad = True  # real result; g * (x - mean) is already dL/dx + i dL/dy for complex x
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
            wide = x.astype(xp.complex128 if x.dtype.kind == "c" else xp.float64)
            diff = (wide - _sum(wide, axis=self.dim, keepdims=True) / max(n, 1)).astype(x.dtype)
        denom = max(n - self.correction, 0)
        if x.dtype.kind == "c":  # the variance of complex data is the mean squared modulus: real
            sq = diff.real * diff.real + diff.imag * diff.imag
        else:
            sq = diff * diff
        with xp.errstate(divide="ignore", invalid="ignore"):
            var = _sum(sq, axis=self.dim, keepdims=self.keepdim) / sq.dtype.type(denom)
        out = xp.sqrt(var) if self.take_sqrt else var
        out = out.astype(sq.dtype, copy=False)
        if self.requires_grad:
            self.save(diff, out)
            self.denom = denom
        return out

    def backward(self, g):
        diff, out = self.saved
        g = g if self.keepdim or self.dim is None else xp.expand_dims(g, self.dim)
        o = out if self.keepdim or self.dim is None else xp.expand_dims(out, self.dim)
        with xp.errstate(divide="ignore", invalid="ignore"):
            if self.take_sqrt:  # (0 where the std is 0, as PyTorch: the sqrt's gradient there is taken as 0)
                grad = xp.where(o == 0, diff.dtype.type(0), g * diff / (o * diff.dtype.type(self.denom)))
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
            zero = out == 0  # (0 there, as in backward; a safe divisor keeps the double backward finite)
            return (g * diff * (1 / (out.masked_fill(zero, 1) * self.denom)).masked_fill(zero, 0),)
        return (g * diff * (2.0 / self.denom),)


class LogSumExp(Op):
    family = "reduction"
    grad_name = "LogsumexpBackward0"
    half_native = True  # (half inputs: each step rounded as PyTorch's composite, see forward)
    dim = None
    keepdim = False

    def forward(self, x):
        m = x.max(axis=self.dim, keepdims=True) if x.size else xp.zeros((1,) * x.ndim, x.dtype)
        m = xp.where(xp.isfinite(m), m, 0)
        if x.dtype.itemsize == 2:  # (float16/bfloat16: each step rounded, the sum accumulated in float32, as PyTorch)
            s = _sum(xp.exp(x - m), axis=self.dim, keepdims=True, dtype=xp.float32).astype(x.dtype)
        else:
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


class LogSumExpComplex(LogSumExp):
    """Complex ``logsumexp``: shifted by the largest real part (NumPy's max would compare lexicographically)."""

    grad_name = "LogsumexpBackward0"
    holomorphic = True  # d lse / d x = exp(x - lse)

    def forward(self, x):
        m = x.real.max(axis=self.dim, keepdims=True) if x.size else xp.zeros((1,) * x.ndim, x.real.dtype)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(_sum(xp.exp(x - m), axis=self.dim, keepdims=True)) + m
        if self.requires_grad:
            self.save(x, out)
        return out if self.keepdim else out.squeeze(self.dim) if self.dim is not None else out.reshape(())


def log_softmax_array(x, axis):
    m = x.max(axis=axis, keepdims=True)
    shifted = x - m
    return shifted - xp.log(_sum(xp.exp(shifted), axis=axis, keepdims=True))


def softmax_array(x, axis):
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    e /= _sum(e, axis=axis, keepdims=True)
    return e


# Lanes of PyTorch's vectorised float16/bfloat16 CPU kernels (512-bit AVX512 registers; AVX2 builds use 16).
_HALF_LANES = 32


def _softmax_half(x, axis):
    """float16/bfloat16 ``x``'s softmax as PyTorch's CPU kernels round it. Over the last dimension: float32 math,
    rounded once. Over another one, PyTorch splits the (outer, inner) columns evenly between its threads; in each
    thread's run of a row, whole groups of ``_HALF_LANES`` columns are float32 math rounded once, while the rest
    (the tail) divide exp(x - max) rounded to the half type by the float32 sum of the unrounded exponentials."""
    x32 = x.astype(xp.float32)
    axis %= max(x.ndim, 1)
    if not x.size or axis >= x.ndim - 1:
        return (softmax_array(x32, axis) if x.size else x32).astype(x.dtype)
    shape = x.shape
    outer, d = int(xp.prod(shape[:axis], dtype=xp.int64)), shape[axis]
    inner = x.size // (outer * d)
    x3 = x32.reshape(outer, d, inner)
    # exp correctly rounded to float32, as PyTorch's vectorised exp all but always is (NumPy's float32 exp is not)
    e = xp.exp((x3 - x3.max(axis=1, keepdims=True)).astype(xp.float64)).astype(xp.float32)
    s = _sum(e, axis=1, keepdims=True)
    # which columns are tails: column c of row o is flat index i = o * inner + c, thread i // chunk
    import ember  # (its get_num_threads: the thread count PyTorch would use)
    n = outer * inner
    chunk = -(-n // max(1, min(ember.get_num_threads(), n)))
    i = xp.arange(n, dtype=xp.int64)
    start = xp.maximum(i - i % chunk, i - i % inner)  # where this thread's run of this row begins
    stop = xp.minimum(i - i % chunk + chunk, i - i % inner + inner)
    tail = (i - start >= (stop - start) // _HALF_LANES * _HALF_LANES).reshape(outer, 1, inner)
    if tail.any():
        e = xp.where(tail, e.astype(x.dtype).astype(xp.float32), e)
    return (e / s).astype(x.dtype).reshape(shape)


class Softmax(Op):
    family = "reduction"
    half_native = True  # (half inputs: the forward rounds as PyTorch does, see _softmax_half)

    def forward(self, x):
        x = x if x.flags.c_contiguous else xp.ascontiguousarray(x)  # (PyTorch's result is row-major, as NumPy's is not)
        if x.dtype.itemsize == 2 and x.dtype.kind in "fV":
            out = _softmax_half(x, self.dim)
        else:
            out = softmax_array(x, self.dim) if x.size else x.copy()
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        if out.dtype.itemsize == 2 and out.dtype.kind in "fV":  # half: float32 math on the rounded output
            g32, out32 = g.astype(xp.float32), out.astype(xp.float32)
            return ((out32 * (g32 - _sum(g32 * out32, axis=self.dim, keepdims=True))).astype(out.dtype),)
        go = g * out
        return (go - out * _sum(go, axis=self.dim, keepdims=True),)

    def backward_graph(self, g):
        s = self._inputs[0].softmax(self.dim)
        go = g * s
        return (go - s * go.sum(self.dim, keepdim=True),)


def _log_softmax_half(x, axis):
    """float16/bfloat16 ``x``'s log-softmax as PyTorch's CPU kernels round it: over the last dimension the sum of
    exponentials and its log are rounded to the half type before the float32 subtraction; over another dimension
    only the result is."""
    x32 = x.astype(xp.float32)
    if not x.size or axis % x.ndim != x.ndim - 1:
        return (log_softmax_array(x32, axis) if x.size else x32).astype(x.dtype)
    shifted = x32 - x32.max(axis=-1, keepdims=True)
    s = _sum(xp.exp(shifted), axis=-1, keepdims=True).astype(x.dtype).astype(xp.float32)
    return (shifted - xp.log(s).astype(x.dtype).astype(xp.float32)).astype(x.dtype)


class LogSoftmax(Op):
    family = "reduction"
    half_native = True  # (half inputs: the forward rounds as PyTorch does, see _log_softmax_half)

    def forward(self, x):
        x = x if x.flags.c_contiguous else xp.ascontiguousarray(x)  # (PyTorch's result is row-major)
        if x.dtype.itemsize == 2 and x.dtype.kind in "fV" and x.ndim:
            out = _log_softmax_half(x, self.dim)
        else:
            out = log_softmax_array(x, self.dim) if x.size else x.copy()
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        if out.dtype.itemsize == 2 and out.dtype.kind in "fV":  # half: computed in float32, rounded once
            g32, out32 = g.astype(xp.float32), out.astype(xp.float32)
            return ((g32 - xp.exp(out32) * _sum(g32, axis=self.dim, keepdims=True)).astype(out.dtype),)
        return (g - xp.exp(out) * _sum(g, axis=self.dim, keepdims=True),)

    def backward_graph(self, g):
        s = self._inputs[0].softmax(self.dim)
        return (g - s * g.sum(self.dim, keepdim=True),)


class CumSum(Op):
    family = "reduction"
    grad_name = "CumsumBackward0"
    complex_grad = True  # linear with real coefficients
    dtype = None

    def forward(self, x):
        x = x if x.flags.c_contiguous else xp.ascontiguousarray(x)  # (PyTorch's result is row-major, as NumPy's is not)
        if self.dtype is not None and x.dtype.kind == "c" and xp.dtype(self.dtype).kind != "c":
            from ember._tensor import _warn_complex_cast

            _warn_complex_cast(at_caller=True)  # (PyTorch's once-per-process UserWarning, not NumPy's ComplexWarning)
            x = x.real
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
        x = x if x.flags.c_contiguous else xp.ascontiguousarray(x)  # (PyTorch's results are row-major)
        if x.ndim == 0:
            vals, idx = x.copy(), xp.zeros((), dtype=xp.int64)
        else:
            vals = (xp.maximum if self.largest else xp.minimum).accumulate(x, axis=d)
            hit = x == vals  # the extreme is (re)attained here
            if x.dtype.kind in "fV":
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

    def backward_graph(self, g, _gi=None):
        # A scatter-add of g to the constant indices: linear in g, independent of the input's values.
        (idx,) = self.saved
        if len(self.shape) == 0:
            return (g.clone(),)
        return (wrap(xp.zeros(self.shape, dtype=g._data.dtype)).scatter_add(self.dim, wrap(idx), g),)


class CumProd(Op):
    family = "reduction"
    holomorphic = True
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
    """Vector p-norm over ``dim`` (all elements when None); real for complex ``x`` (the norm of ``|x|``), whose
    gradient is ``x |x|^(p-2) / norm^(p-1)`` as for real ``x``."""

    family = "reduction"
    grad_name = "LinalgVectorNormBackward0"
    complex_grad = True
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
            out = (x != 0).sum(axis=d, keepdims=True).astype(a.dtype)
        elif p == 1:
            out = a.sum(axis=d, keepdims=True)
        elif p == 2:
            out = xp.sqrt((a * a if x.dtype.kind == "c" else x * x).sum(axis=d, keepdims=True))
        else:
            out = (a ** p).sum(axis=d, keepdims=True) ** (1.0 / p)
        out = out.astype(a.dtype, copy=False)  # (a is |x|: real for complex x)
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
            elif p == 0:  # piecewise constant: PyTorch gives no gradient at all (None)
                return (None,)
            else:  # x |x|^(p-2) is 0 at x == 0 (0 * inf for p < 2), as is the whole gradient of a zero norm
                a = xp.abs(x)
                grad = xp.where(out == 0, 0, g * xp.where(a == 0, 0, x * a ** (p - 2)) / out ** (p - 1))
        return (grad.astype(x.dtype, copy=False),)

    def backward_graph(self, g):
        return self._graph(g, self._inputs[0])

    def _graph(self, g, x):
        """The gradient with respect to the normed tensor ``x``, as differentiable tensor ops."""
        p, d = self.p, self.dim
        g = _unreduce(g, x.ndim, d, self.keepdim)
        dims = d if d is not None else tuple(range(x.ndim))
        if p == 1:
            return (g * (x.sgn() if x._data.dtype.kind == "c" else x.sign()),)
        if p in (float("inf"), -float("inf")) or p == 0:
            xa = x._data
            a = xp.abs(xa)
            if p == 0:
                return (None,)
            o = a.max(axis=d, keepdims=True) if p > 0 else a.min(axis=d, keepdims=True)
            mask = a == o
            share = mask / mask.sum(axis=d, keepdims=True)
            if xa.dtype.kind == "c":  # sgn(z) = z / |z| is not constant: it stays in the graph
                return (g * x.sgn() * wrap(share.astype(g._data.dtype)),)
            return (g * wrap((xp.sign(xa) * share).astype(g._data.dtype)),)
        out = x.norm(p, dims, keepdim=True)
        safe = wrap((out._data != 0).astype(g._data.dtype))
        out_safe = out + (1 - safe)
        if p == 2:
            return (g * x / out_safe * safe,)
        # sgn(x) |x|^(p-1), 0 where x == 0 (inf there for p < 1; the mask leaves PyTorch's nan double gradient)
        scaled = (x.sgn() if x._data.dtype.kind == "c" else x.sign()) * x.abs() ** (p - 1)
        if p < 1:
            scaled = scaled.masked_fill(wrap(x._data == 0), 0)
        return (g * scaled / out_safe ** (p - 1) * safe,)


class Dist(Norm):
    """``dist``: the p-norm of ``input - other`` over all elements (the inputs broadcast)."""

    family = "reduction"
    grad_name = "DistBackward0"

    def forward(self, a, b):
        return super().forward(a - b)

    def backward(self, g):
        (gd,) = super().backward(g)
        n = self.needs_input_grad
        return gd if n[0] else None, -gd if n[1] else None

    def backward_graph(self, g):
        a, b = self._inputs
        (gd,) = self._graph(g, a - b)
        n = self.needs_input_grad
        return gd if n[0] else None, -gd if n[1] else None


# ---------------------------------------------------------------- PyTorch's CPU selection order on ties
# kthvalue (and mode, through C++ std::sort) run Hoare-style partitions on (value, index) pairs, so which of equal
# values ends where depends on the partition steps. They are replayed here, each partition pass vectorised:
# scanning up for an element not below the pivot and down for one not above it, then swapping, pairs the m-th
# such element from the left with the m-th from the right until the two sequences cross.


def _runs(starts, lengths, step):
    """The runs ``start, start + step, ...`` (``length`` values each, at least one) laid end to end."""
    out = xp.full(int(lengths.sum()), step, dtype=xp.int64)
    offsets = xp.cumsum(lengths) - lengths
    out[offsets] = starts - xp.concatenate(([0], starts[:-1] + step * (lengths[:-1] - 1)))
    return xp.cumsum(out, out=out)


def segment_windows(starts, stops):
    """The elements of the column ranges ``[starts[s], stops[s])`` laid end to end: ``(segment, column)``."""
    lens = stops - starts
    seg = xp.repeat(xp.arange(lens.size), lens)
    has = lens > 0
    return seg, _runs(starts[has], lens[has], 1) if seg.size else xp.zeros(0, dtype=xp.int64)


def _segment_bounds(seg, nseg):
    """Where each segment's elements start in the sorted ``seg`` (and the end, last)."""
    if seg.size and seg[0] == 0 and seg[-1] == nseg - 1:
        step = xp.flatnonzero(seg[1:] != seg[:-1])
        if step.size == nseg - 1:  # no empty segment
            return xp.concatenate(([0], step + 1, [seg.size]))
    return xp.searchsorted(seg, xp.arange(nseg + 1))


class HoarePass:
    """One Hoare partition pass over several segments at once, from the elements the upward and the downward
    scans stop at (``up`` / ``down``: masks over the segments' elements, ``seg`` / ``pos`` as from
    :func:`segment_windows`). The m-th stop from the left pairs with the m-th from the right while the former
    lies left of the latter: ``m`` counts those pairs per segment, ``swaps()`` lists them, and ``a(j)`` /
    ``b(j)`` give the j-th stop from the left / right (``n`` / -1 past the last, ``big`` / -1 before the first).
    """

    def __init__(self, seg, pos, up, down, nseg, n):
        self.n, self.pos = n, pos
        # the stops as indices into the elements, in order; each segment's run of them
        self.fu, self.fd = xp.flatnonzero(up), xp.flatnonzero(down)
        bounds = _segment_bounds(seg, nseg)
        cdt = xp.int32 if seg.size < 1 << 31 else xp.int64
        u, d = (xp.concatenate(([0], xp.cumsum(s, dtype=cdt)))[bounds] for s in (up, down))
        self.ou, self.od = u[:-1], d[:-1]
        self.cu, self.cd = u[1:] - self.ou, d[1:] - self.od
        # pairs swapped: the t-th from the left lies left of the t-th from the right (true for t < m)
        top = xp.minimum(self.cu, self.cd)
        big = int(top.max()) if top.size else 0
        m = xp.zeros(nseg, dtype=xp.int64)
        if big and big.bit_length() * nseg < int(top.sum()):  # bisection per segment (binary lifting)
            live = top > 0
            ou, dr, tp, mm = self.ou[live], self.od[live] + self.cd[live], top[live], m[live]
            step = 1 << (big.bit_length() - 1)
            while step:
                c = xp.minimum(mm + step, tp)
                mm = xp.where(self.fu[ou + c - 1] < self.fd[dr - c], c, mm)
                step >>= 1
            m[live] = mm
        elif big:  # every pair at once
            live = top > 0
            left = self.fu[_runs(self.ou[live], top[live], 1)]
            right = self.fd[_runs(self.od[live] + self.cd[live] - 1, top[live], -1)]
            ok = xp.concatenate(([0], xp.cumsum(left < right)))
            ends = xp.cumsum(top[live])
            m[live] = ok[ends] - ok[ends - top[live]]
        self.m = m

    def swaps(self):
        """``(segment, left column, right column)`` of the pairs the pass swaps."""
        has = self.m > 0
        if not has.any():
            empty = xp.zeros(0, dtype=xp.int64)
            return empty, empty, empty
        m = self.m[has]
        left = self.fu[_runs(self.ou[has], m, 1)]
        right = self.fd[_runs(self.od[has] + self.cd[has] - 1, m, -1)]
        return xp.repeat(xp.flatnonzero(has), m), self.pos[left], self.pos[right]

    def _column(self, stops, at, ok):
        """The columns of the stops ``stops[at]`` where ``ok`` (0 elsewhere)."""
        if not stops.size:
            return xp.zeros(at.shape, dtype=xp.int64)
        return xp.where(ok, self.pos[stops[xp.clip(at, 0, stops.size - 1)]], 0)

    def a(self, j, before):
        ok = (j >= 0) & (j < self.cu)
        return xp.where(ok, self._column(self.fu, self.ou + j, ok), xp.where(j < 0, before, self.n))

    def b(self, j, before):
        ok = (j >= 0) & (j < self.cd)
        return xp.where(ok, self._column(self.fd, self.od + self.cd - 1 - j, ok), xp.where(j < 0, before, -1))


def swap_columns(arrays, rows, p, q):
    """Swap columns ``p`` and ``q`` (per row) of each array, for the rows ``rows`` (no two pairs overlap)."""
    fp = fq = None
    for arr in arrays:
        if arr.flags.c_contiguous:  # one flat index each: cheaper than two-axis fancy indexing
            if fp is None:
                fp, fq = rows * arr.shape[1] + p, rows * arr.shape[1] + q
            flat = arr.reshape(-1)
            tmp = xp.take(flat, fp)
            flat[fp] = xp.take(flat, fq)
            flat[fq] = tmp
        else:
            tmp = arr[rows, p]
            arr[rows, p] = arr[rows, q]
            arr[rows, q] = tmp


def _order_keys(rows):
    """Integer keys of ``rows`` that compare (and tie) as kthvalue's order does: NaN above everything and all
    NaNs equal, -0.0 equal to 0.0."""
    if rows.dtype.kind == "V":  # bfloat16: its values in float32, exactly
        rows = rows.astype(xp.float32)
    if rows.dtype.kind == "b":
        return rows.astype(xp.int8)
    if rows.dtype.kind != "f":
        return rows
    if rows.dtype == xp.float64:  # float32 keys (which pack with the columns) where every value is one
        with xp.errstate(over="ignore"):
            narrow = rows.astype(xp.float32)
        if xp.array_equal(narrow, rows, equal_nan=True):
            rows = narrow
    x = rows + rows.dtype.type(0)  # -0.0 + 0.0 is 0.0
    nan = xp.isnan(x)  # (before the in-place flip below, which turns a negative NaN's bits into a number's)
    it = xp.dtype(f"i{x.itemsize}")
    top = xp.iinfo(it).max
    key = x.view(it)
    key ^= (key >> (8 * x.itemsize - 1)) & it.type(top)  # negatives: magnitude bits flipped, so ints order
    key[nan] = top
    return key


def _pack_keys(keys):
    """``(packed, shift)``: each key (less the smallest) shifted above its column, so one int64 array carries
    both and key order is packed order with the low ``shift`` bits cleared; ``(None, 0)`` where they do not
    fit."""
    n = keys.shape[1]
    shift = max(1, (n - 1).bit_length())
    lo, hi = int(keys.min()), int(keys.max())
    if (hi - lo) >> (62 - shift):
        return None, 0
    if keys.dtype == xp.uint64:
        packed = (keys - keys.dtype.type(lo)).astype(xp.int64)
    else:
        packed = keys.astype(xp.int64)
        packed -= lo
    packed <<= shift
    packed |= xp.arange(n)
    return packed, shift


def _quickselect_rows(vals, cols, lo, hi, k):
    """PyTorch's quickselect loop itself on one row's Python lists of keys and columns (for short ranges,
    where it is cheaper than a vectorised pass); the column that ends at ``k``."""
    def swap(p, q):
        vals[p], vals[q] = vals[q], vals[p]
        cols[p], cols[q] = cols[q], cols[p]

    while lo <= k <= hi:
        if hi <= lo + 1:
            if hi == lo + 1 and vals[lo] > vals[hi]:
                swap(lo, hi)
            break
        swap(lo + (hi - lo) // 2, lo + 1)
        for p, q in ((lo + 1, hi), (lo, hi), (lo + 1, lo)):
            if vals[p] > vals[q]:
                swap(p, q)
        i, j, piv = lo + 1, hi, vals[lo]
        while True:
            i += 1
            while vals[i] < piv:
                i += 1
            j -= 1
            while vals[j] > piv:
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return cols[k]


def quickselect_positions(rows, k):
    """The original column that PyTorch's CPU ``kthvalue`` reports for each row of ``rows`` (2-D): its
    quickselect (median-of-three pivot, Hoare partition, NaN largest) replayed on all the rows at once, each
    row narrowing its own ``[lo, hi]`` range until it holds one or two elements (or no longer holds column k).

    Each pass works on a ``(rows, width)`` window array holding every live row's range (cut again from the
    last one as the ranges shrink, rows of much shorter ranges split off into a group of their own). The
    elements where the upward scan stops (not below the pivot) and the downward one (not above it) are listed
    in order; the t-th from the left is swapped with the t-th from the right while it lies left of it, and
    where the scans then stop follows from the same lists."""
    keys = _order_keys(rows)
    r, n = keys.shape
    vals, shift = _pack_keys(keys)
    if vals is None:  # keys and columns side by side
        vals = keys.copy() if keys is rows else keys
        arrays = (vals, xp.broadcast_to(xp.arange(n), (r, n)).copy())
    else:  # one array: a key above its column
        arrays = (vals,)
    out = xp.empty(r, dtype=xp.int64)
    lo, hi = xp.zeros(r, dtype=xp.int64), xp.full(r, n - 1, dtype=xp.int64)
    _quickselect_group(arrays, shift, xp.arange(r), xp.arange(r), lo, hi, xp.full(r, k, dtype=xp.int64), out)
    return out


_TAIL = 1024  # live elements below which the plain loop finishes the rows
_SPLIT = 1 << 15  # window elements a split must save (a group's pass costs about that much in overhead)


def _quickselect_group(arrays, shift, ids, src, lo, hi, kk, out):
    """The passes of :func:`quickselect_positions` for the rows ``src`` of ``arrays`` (input rows ``ids``,
    ranges ``[lo, hi]``, target columns ``kk``), writing ``out``. ``shift``: keys packed above their columns
    (0: ``arrays`` holds keys and columns apart)."""
    mask = (1 << shift) - 1 if shift else 0

    def key(v):
        return v >> shift if mask else v

    def order(rr, p, q):  # compare-exchange columns p and q of rows rr, the larger to q
        v = arrays[0]
        c = key(v[rr, p]) > key(v[rr, q])
        if c.any():
            swap_columns(arrays, rr[c], p[c], q[c])

    while True:
        # one or two elements left (put in order), or column k outside the range (PyTorch's loop goes on
        # elsewhere, leaving it): report column k
        inside = (kk >= lo) & (kk <= hi)
        done = (hi <= lo + 1) | ~inside
        if done.any():
            two = done & inside & (hi == lo + 1)
            order(src[two], lo[two], hi[two])
            at = arrays[-1][src[done], kk[done]]
            out[ids[done]] = at & mask if mask else at
            live = ~done
            if not live.any():
                return
            ids, src, lo, hi, kk = ids[live], src[live], lo[live], hi[live], kk[live]
        size = hi - lo + 1
        if int(size.sum()) <= _TAIL:  # short ranges: the plain loop per row
            for i, s, a, b, c in zip(ids.tolist(), src.tolist(), lo.tolist(), hi.tolist(), kk.tolist()):
                if mask:
                    v = arrays[0][s, a:b + 1].tolist()
                    vals, cols = [x >> shift for x in v], [x & mask for x in v]
                else:
                    vals, cols = arrays[0][s, a:b + 1].tolist(), arrays[1][s, a:b + 1].tolist()
                out[i] = _quickselect_rows(vals, cols, 0, b - a, c - a)
            return
        w = int(size.max())
        if src.size > 1:  # rows of much shorter ranges than the longest: a group of their own
            by = xp.argsort(-size, kind="stable")
            ls = size[by]
            area = xp.arange(1, ls.size) * ls[0] + (ls.size - xp.arange(1, ls.size)) * ls[1:]
            cut = int(xp.argmin(area))
            if ls.size * ls[0] - area[cut] > _SPLIT:
                rest = by[cut + 1:]
                _quickselect_group(arrays, shift, ids[rest], src[rest], lo[rest], hi[rest], kk[rest], out)
                keep = by[: cut + 1]
                ids, src, lo, hi, kk = ids[keep], src[keep], lo[keep], hi[keep], kk[keep]
        # the window the live ranges need: each row's cut out of the last window by a strided view
        width = arrays[0].shape[1]
        if w < width or src.size < arrays[0].shape[0]:
            start = xp.minimum(lo, width - w)
            arrays = tuple(xp.lib.stride_tricks.sliding_window_view(a, w, axis=1)[src, start] for a in arrays)
            lo, hi, kk = lo - start, hi - start, kk - start
            src = xp.arange(src.size)
        vals, rr = arrays[0], src
        swap_columns(arrays, rr, lo + (hi - lo) // 2, lo + 1)
        for p, q in ((lo + 1, hi), (lo, hi), (lo + 1, lo)):  # leaves a[lo+1] <= a[lo] <= a[hi]
            order(rr, p, q)
        piv = vals[rr, lo]
        below, above = (piv & ~mask, piv | mask) if mask else (piv, piv)
        # the elements the upward scan stops at (not below the pivot) and the downward one (not above it), as
        # flat indices in order, and each row's run of them inside its scan range ([lo + 2, hi] upward,
        # [lo + 1, hi - 1] downward: the scans start beside the pivot's neighbours; the median of three put
        # a stop for each at the range's far end)
        fu = xp.flatnonzero(vals >= below[:, None])
        fd = xp.flatnonzero(vals <= above[:, None])
        base = rr * w
        u0, u1 = xp.searchsorted(fu, base + lo + 2), xp.searchsorted(fu, base + hi + 1)
        d0, d1 = xp.searchsorted(fd, base + lo + 1), xp.searchsorted(fd, base + hi)
        nu, nd = u1 - u0, d1 - d0
        # the t-th stop from the left is swapped with the t-th from the right while it lies left of it: how
        # many pairs m do, by bisection per row (binary lifting over t < min(nu, nd))
        top = xp.minimum(nu, nd)
        m = xp.zeros_like(top)
        step = 1 << (int(top.max()).bit_length() - 1)
        while step:
            c = xp.minimum(m + step, top)
            m = xp.where(fu[u0 + c - 1] < fd[d1 - c], c, m)
            step >>= 1
        if m.any():
            has = m > 0
            fl, fr = fu[_runs(u0[has], m[has], 1)], fd[_runs(d1[has] - 1, m[has], -1)]
            for arr in arrays:
                flat = arr.reshape(-1)
                tmp = flat[fl]
                flat[fl] = flat[fr]
                flat[fr] = tmp
        # where the scans stop next: the (m-1)-th, m-th and (m+1)-th stops of each (w past the last upward
        # one, -1 before the first; -1 past the last downward one, w before the first)
        t = m + xp.arange(-1, 2)[:, None]
        au = xp.where(t < nu, fu[xp.clip(u0 + t, 0, fu.size - 1)] - base, w)
        au[0] = xp.where(m > 0, au[0], -1)
        bd = xp.where(t < nd, fd[xp.clip(d1 - 1 - t, 0, fd.size - 1)] - base, -1)
        bd[0] = xp.where(m > 0, bd[0], w)
        met = au[1] == bd[1]  # scans meeting on an element equal to the pivot go on once more
        i = xp.minimum(xp.where(met, au[2], au[1]), bd[0])
        j = xp.maximum(xp.where(met, bd[2], bd[1]), au[0])
        swap_columns(arrays, rr, lo, j)
        lo, hi = xp.where(j <= kk, i, lo), xp.where(j >= kk, j - 1, hi)


class Kthvalue(MaxDim):
    """``kthvalue``: the ``k``-th smallest value along ``dim`` (NaN counts as the largest) and its index; the
    gradient goes to that index."""

    family = "reduction"
    grad_name = "KthvalueBackward0"

    def forward(self, x):
        d = self.dim
        self.shape = x.shape
        if x.ndim == 0:
            return x.copy(), xp.zeros((), dtype=xp.int64)
        idx = xp.take(xp.argpartition(x, self.k - 1, axis=d), [self.k - 1], axis=d)  # O(n), not a full sort
        vals = xp.take_along_axis(x, idx, axis=d)
        # which of several equal values PyTorch reports: replay its selection on the rows with such ties
        rows = xp.moveaxis(x, d, -1).reshape(-1, x.shape[d])
        kth = xp.moveaxis(vals, d, -1).reshape(-1, 1)
        same = rows == kth
        if x.dtype.kind in "fV":
            same |= xp.isnan(rows) & xp.isnan(kth)
        tied = same.sum(axis=1) > 1
        if tied.any():
            flat = xp.moveaxis(idx, d, -1).reshape(-1).copy()
            flat[tied] = quickselect_positions(rows[tied], self.k - 1)
            idx = xp.moveaxis(flat.reshape(xp.moveaxis(idx, d, -1).shape), -1, d)
            vals = xp.take_along_axis(x, idx, axis=d)  # (-0.0 and 0.0 tie)
        if self.requires_grad:
            self.save(idx)
        if not self.keepdim:
            vals, idx = vals.squeeze(d), idx.squeeze(d)
        return vals, idx.astype(xp.int64, copy=False)

    def backward(self, g, _gi=None):
        if not self.shape:
            return (g,)
        return super().backward(g)

    def backward_graph(self, g, _gi=None):
        from ember._ops.shape import IndexPut, _grid
        if not self.shape:
            return (g,)
        (idx,) = self.saved
        zeros = wrap(xp.zeros(self.shape, dtype=g._data.dtype))
        g = _unreduce(g, len(self.shape), self.dim, self.keepdim)
        return (IndexPut.apply(zeros, g, index=_grid(idx, self.dim), advanced=True),)


class PickDim(Kthvalue):
    """The values of ``x`` at indices ``idx`` chosen beforehand along ``dim`` (which ``idx`` keeps), and those
    indices: the one node (named ``grad_name``, PyTorch's) of sort, topk, median, nanmedian and mode along a
    dimension; the gradient goes to the indices (distinct along ``dim``). Not registered: tested through those."""

    grad_name = "SortBackward0"
    half_native = True  # (it moves data)

    def forward(self, x):
        self.shape = x.shape
        if x.ndim == 0:
            return x.copy(), xp.zeros((), dtype=xp.int64)
        idx = self.idx
        vals = xp.take_along_axis(x, idx, axis=self.dim)
        if self.requires_grad:
            self.save(idx)
        if not self.keepdim:
            vals, idx = vals.squeeze(self.dim), idx.squeeze(self.dim)
        return vals, idx


class VarMean(Var):
    """``var_mean`` / ``std_mean`` (``take_sqrt``): the variance (or standard deviation) and the mean, one node
    with two differentiable outputs."""

    family = "reduction"
    grad_name = "VarMeanBackward0"
    differentiable_outputs = 2

    def forward(self, x):
        out = super().forward(x)
        self.grad_name = "StdMeanBackward0" if self.take_sqrt else "VarMeanBackward0"
        self.shape = x.shape
        n = x.size if self.dim is None else _count(x.shape, self.dim)
        self.count = n
        mean = _sum(x, axis=self.dim, keepdims=self.keepdim)
        mean = (mean / x.dtype.type(n) if n else mean * x.dtype.type(float("nan"))).astype(x.dtype, copy=False)
        return out, mean

    def backward(self, g_var, g_mean):
        (gx,) = super().backward(g_var)
        return (gx + _expand_grad(g_mean / g_mean.dtype.type(max(self.count, 1)), self.shape, self.dim,
                                  self.keepdim),)

    def backward_graph(self, g_var, g_mean):
        (gx,) = super().backward_graph(g_var)
        gm = _unreduce(g_mean / max(self.count, 1), len(self.shape), self.dim, self.keepdim)
        return (gx + gm.expand(self.shape),)


class Nansum(Op):
    """Sum of the non-NaN elements of a floating tensor (over ``dim`` if given; ``dtype``: compute in it)."""

    family = "reduction"
    dim = None
    keepdim = False
    dtype = None

    def forward(self, x):
        self.shape = x.shape
        nan = xp.isnan(x)
        has_nan = nan.any()
        if self.requires_grad:
            self.save(~nan if has_nan else None)  # what backward needs: NaN positions get no gradient
        if self.dtype is not None:
            x = x.astype(self.dtype)
        return _sum(xp.where(nan, 0, x) if has_nan else x, axis=self.dim, keepdims=self.keepdim)

    def backward(self, g):
        (keep,) = self.saved
        grad = _expand_grad(g, self.shape, self.dim, self.keepdim)
        return (grad * keep if keep is not None else grad.copy(),)

    def backward_graph(self, g):
        (keep,) = self.saved
        grad = _unreduce(g, len(self.shape), self.dim, self.keepdim).expand(self.shape)
        return (grad * wrap(keep) if keep is not None else grad,)


class Aminmax(Op):
    """``aminmax``: the minimum and maximum (over ``dim``, a tuple, or all elements), two differentiable outputs;
    as ``amin``/``amax``, each gradient is shared evenly by the elements that tie for the extreme."""

    family = "reduction"
    differentiable_outputs = 2
    dim = None
    keepdim = False

    def forward(self, x):
        axis = self.dim if x.ndim else None
        lo = x.min(axis=axis, keepdims=True)
        hi = x.max(axis=axis, keepdims=True)
        if self.requires_grad:
            self.save(x, lo, hi)
        if self.keepdim:
            return lo, hi
        shape = tuple(s for i, s in enumerate(x.shape) if axis is not None and i not in axis)
        return lo.reshape(shape), hi.reshape(shape)

    def _weights(self, x, extreme):
        axis = self.dim if x.ndim else None
        mask = x == extreme
        return (mask / mask.sum(axis=axis, keepdims=True)).astype(x.dtype, copy=False)

    def _unreduced(self, g, ndim):
        if self.keepdim:
            return g
        if self.dim is None or not ndim:
            return g.reshape((1,) * ndim)
        return xp.expand_dims(g, self.dim)

    def backward(self, g_min, g_max):
        x, lo, hi = self.saved
        return (self._unreduced(g_min, x.ndim) * self._weights(x, lo)
                + self._unreduced(g_max, x.ndim) * self._weights(x, hi),)

    def backward_graph(self, g_min, g_max):
        x, lo, hi = self.saved
        nd = x.ndim
        dim = self.dim if nd else None
        return (_unreduce(g_min, nd, dim, self.keepdim) * wrap(self._weights(x, lo))
                + _unreduce(g_max, nd, dim, self.keepdim) * wrap(self._weights(x, hi)),)


class Logcumsumexp(Op):
    """``log(cumsum(exp(x)))`` along ``dim``, without overflow or underflow.

    Fast path: one shift per slice (its largest finite value) and a cumulative sum; when that would underflow
    (a prefix far below the slice's maximum), the exact running ``logaddexp`` instead.
    """

    family = "reduction"
    grad_name = "LogcumsumexpBackward0"

    def forward(self, x):
        out = _logcumsumexp(x, self.dim) if x.ndim else x.copy()
        if self.requires_grad:
            self.save(x, out)
        return out

    def backward(self, g):
        x, out = self.saved
        if not x.ndim:
            return (g,)
        # grad_i = sum_{j >= i} g_j exp(x_i - out_j) (each exp <= 1). Fast: exp(x_i - c) * revcumsum(g_j exp(c - out_j))
        # with c the slice's total (its last output), safe while no prefix lies far below the total.
        d = self.dim
        c = xp.take(out, [-1], axis=d)
        with xp.errstate(over="ignore", invalid="ignore"):
            gap = c - out
            if xp.all(gap <= 60) and xp.isfinite(c).all():
                tail = xp.flip(xp.add.accumulate(xp.flip(g * xp.exp(gap), d), axis=d), d)
                return ((xp.exp(x - c) * tail).astype(x.dtype, copy=False),)
        # exact: the same sums in log space, the positive and negative parts of g apart
        grad = None
        for part in (xp.maximum(g, 0), xp.maximum(-g, 0)):
            tail = xp.flip(xp.logaddexp.accumulate(xp.flip(xp.log(part) - out, d), axis=d), d)
            term = xp.exp(x + tail)
            grad = term if grad is None else grad - term
        return (grad.astype(x.dtype, copy=False),)

    def backward_graph(self, g):
        x = self._inputs[0]
        if not x.ndim:
            return (g,)
        # differentiable form: grad = M @ g along dim with M_ij = exp(x_i - out_j) for j >= i (each term <= 1)
        d = self.dim
        n = x.shape[d]
        xs = x.movedim(d, -1)
        os = x.logcumsumexp(d).movedim(d, -1)
        below = wrap(~xp.triu(xp.ones((n, n), dtype=bool)))
        m = (xs.unsqueeze(-1) - os.unsqueeze(-2)).masked_fill(below, -float("inf")).exp()
        return ((m @ g.movedim(d, -1).unsqueeze(-1)).squeeze(-1).movedim(-1, d),)


def _logcumsumexp(x, axis):
    finite = xp.isfinite(x)
    m = xp.max(xp.where(finite, x, -xp.inf), axis=axis, keepdims=True) if x.shape[axis] else None
    if m is not None:
        m = xp.where(xp.isfinite(m), m, 0).astype(x.dtype, copy=False)
        with xp.errstate(divide="ignore", over="ignore", invalid="ignore"):
            s = xp.add.accumulate(xp.exp(x - m), axis=axis)
            # each prefix sum must be a normal number with room to spare, unless the prefix is all -inf (sum 0)
            tiny = xp.finfo(x.dtype).tiny / xp.finfo(x.dtype).eps
            risky = (s < tiny) & (xp.maximum.accumulate(x, axis=axis) > -xp.inf)
            if not risky.any():
                return (xp.log(s) + m).astype(x.dtype, copy=False)
    return xp.logaddexp.accumulate(x, axis=axis)


class Trace(Op):
    """Sum of the main diagonal of a matrix."""

    family = "reduction"
    linear = True  # double backward: see ember.autograd.engine._LinearBackward
    complex_grad = True  # linear: the gradient is g on the diagonal, complex or real

    def forward(self, x):
        self.shape = x.shape
        return xp.asarray(xp.trace(x, dtype=xp.int64 if x.dtype.kind in "iu" else None))

    def backward(self, g):
        out = xp.zeros(self.shape, dtype=g.dtype)
        r = xp.arange(min(self.shape))
        out[r, r] = g
        return (out,)


class Renorm(Op):
    """``renorm``: each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` is scaled by
    ``maxnorm / (norm + 1e-7)``; the others are left as they are."""

    family = "reduction"
    eps = 1e-7

    def _norm(self, ndim):
        """The per-slice p-norm op (its forward and backward are reused on arrays, outside the graph)."""
        return Norm(p=self.p, dim=tuple(k for k in range(ndim) if k != self.dim), keepdim=True)

    def forward(self, x):
        dt = x.dtype
        norm = self._norm(x.ndim).forward(x)
        big = norm > self.maxnorm
        factor = xp.where(big, dt.type(self.maxnorm) / (norm + dt.type(self.eps)), dt.type(1)).astype(dt, copy=False)
        if self.requires_grad:
            self.save(x, norm, factor)
        return x * factor

    def backward(self, g):
        x, norm, factor = self.saved
        dt = x.dtype
        op = self._norm(x.ndim)
        # out = x * f(norm): d/dx = g f + sum_slice(g x) f'(norm) d norm/dx, with f' = -maxnorm / (norm + eps)^2
        s = _sum(g * x, axis=op.dim, keepdims=True)
        coef = xp.where(norm > self.maxnorm, -dt.type(self.maxnorm) * s / (norm + dt.type(self.eps)) ** 2, dt.type(0))
        op.saved = (x, norm)
        return (g * factor + op.backward(coef.astype(dt, copy=False))[0],)

    def backward_graph(self, g):
        x = self._inputs[0]
        op = self._norm(x.ndim)
        norm = x.norm(self.p, op.dim, keepdim=True)
        big = wrap((norm._data > self.maxnorm).astype(norm._data.dtype))
        scaled = self.maxnorm / (norm + self.eps)
        factor = scaled * big + (1 - big)
        coef = -(g * x).sum(op.dim, keepdim=True) * scaled / (norm + self.eps) * big
        return (g * factor + op._graph(coef, x)[0],)


class UniqueValues(Op):
    """The values of ``unique``/``unique_consecutive`` (found by the caller: ``result``), recorded as PyTorch records
    them for an input requiring grad: a node that cannot be differentiated (``aten``: its kernel's name)."""

    family = "reduction"
    grad_name = "Unique2Backward0"
    half_native = True  # (the result is made already)
    aten = "_unique2"

    def forward(self, x):
        return self.result

    def backward(self, *grads):
        raise NotImplementedError(f"the derivative for '{self.aten}' is not implemented.")

    backward_graph = backward
