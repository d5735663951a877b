"""Shape and indexing ops: view/reshape, permute, expand, cat/stack/split, gather/scatter, indexing."""

from ember._backend import xp
from ember._ops import Op
from ember._tensor import wrap


class View(Op):
    """``view``/``reshape``/``flatten``/``unflatten``/``squeeze``/``unsqueeze`` (named after the caller)."""

    family = "shape"
    grad_name = "ViewBackward0"
    is_view = True

    def forward(self, x):
        self.in_shape = x.shape
        if self.copy_ok:
            return x.reshape(self.shape)
        return xp.reshape(x, self.shape, copy=False)

    def backward(self, g):
        return (g.reshape(self.in_shape),)

    def backward_graph(self, g):
        return (g.reshape(self.in_shape),)


class Permute(Op):
    family = "shape"
    is_view = True

    def forward(self, x):
        return x.transpose(self.dims)

    def backward(self, g):
        return (g.transpose(_inverse_perm(self.dims)),)

    def backward_graph(self, g):
        return (g.permute(*_inverse_perm(self.dims)),)


def _inverse_perm(dims):
    inv = [0] * len(dims)
    for i, d in enumerate(dims):
        inv[d] = i
    return tuple(inv)


class Transpose(Op):
    family = "shape"
    is_view = True

    def forward(self, x):
        return xp.swapaxes(x, self.dim0, self.dim1)

    def backward(self, g):
        return (xp.swapaxes(g, self.dim0, self.dim1),)

    def backward_graph(self, g):
        return (g.transpose(self.dim0, self.dim1),)


class Expand(Op):
    family = "shape"
    is_view = True

    def forward(self, x):
        return xp.broadcast_to(x, self.shape)

    def backward(self, g):
        return (g,)  # the engine sums the broadcast dimensions back

    backward_graph = backward


class Repeat(Op):
    family = "shape"
    linear = True  # double backward: see ember.autograd.engine._LinearBackward

    def forward(self, x):
        self.in_shape = x.shape
        r = xp.tile(x, self.repeats)  # (all-ones repeats: NumPy copies in the input's layout; PyTorch gives C-order)
        return r if r.flags.c_contiguous else xp.ascontiguousarray(r)

    def backward(self, g):
        reps = self.repeats
        shape = (1,) * (len(reps) - len(self.in_shape)) + tuple(self.in_shape)
        split = []
        for r, s in zip(reps, shape):
            split += [r, s]
        g = g.reshape(split).sum(axis=tuple(range(0, 2 * len(reps), 2)))
        return (g.reshape(self.in_shape),)


def _dense(r, like):
    """``r`` C-contiguous, unless ``like`` lies channels-last: PyTorch's cat, stack and roll keep that format (NumPy
    keeps any input's layout, a transposed one too)."""
    from ember._ops.elementwise import suggest_format  # (lazily: only for a result NumPy did not lay out C-order)
    if r.ndim and suggest_format(like.shape, tuple(s // like.itemsize for s in like.strides)) != "contiguous":
        return r
    return xp.ascontiguousarray(r)


class Cat(Op):
    family = "shape"

    def forward(self, *xs):
        self.sizes = [x.shape[self.dim] for x in xs]
        r = xp.concatenate(xs, axis=self.dim)
        return r if r.flags.c_contiguous else _dense(r, r)

    def backward(self, g):
        out = []
        start = 0
        index = [slice(None)] * g.ndim
        for size, need in zip(self.sizes, self.needs_input_grad):
            if need:
                index[self.dim] = slice(start, start + size)
                out.append(g[tuple(index)])
            else:
                out.append(None)
            start += size
        return tuple(out)

    def backward_graph(self, g):
        return tuple(g.split(self.sizes, self.dim))


class Stack(Op):
    family = "shape"
    linear = True

    def forward(self, *xs):
        r = xp.stack(xs, axis=self.dim)
        return r if r.flags.c_contiguous else _dense(r, xs[0])

    def backward(self, g):
        index = [slice(None)] * g.ndim
        out = []
        for i, need in enumerate(self.needs_input_grad):
            index[self.dim] = i
            out.append(g[tuple(index)] if need else None)
        return tuple(out)


class Split(Op):
    """``split``/``chunk``/``unbind``: several outputs viewing the input."""

    family = "shape"
    linear = True
    is_view = True  # each output shares the input's memory, version counter and _base
    multi_view = True  # so, as in PyTorch, in-place ops on the outputs are refused while they need a graph
    squeeze = False  # unbind

    def forward(self, x):
        if self.squeeze:
            self.grad_name = "UnbindBackward0"
        self.in_shape = x.shape
        index = [slice(None)] * x.ndim
        outs = []
        start = 0
        for size in self.sizes:
            index[self.dim] = start if self.squeeze else slice(start, start + size)
            outs.append(x[tuple(index)])
            start += size
        self.differentiable_outputs = len(outs)
        return tuple(outs)

    def backward(self, *gs):
        if self.squeeze:
            return (xp.stack(gs, axis=self.dim),)
        return (xp.concatenate(gs, axis=self.dim),)


class Flip(Op):
    family = "shape"
    linear = True

    def forward(self, x):
        return xp.flip(x, self.dims).copy()

    def backward(self, g):
        return (xp.flip(g, self.dims),)


class Roll(Op):
    family = "shape"
    linear = True

    def forward(self, x):
        r = xp.roll(x, self.shifts, self.dims)
        return r if r.flags.c_contiguous else _dense(r, r)

    def backward(self, g):
        neg = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return (xp.roll(g, neg, self.dims),)


def _grid(index, dim):
    """Open-mesh index arrays addressing every element of ``index``, with ``index`` itself at ``dim``."""
    if index.ndim == 0:  # a 0-d index into a 1-D tensor (PyTorch allows it)
        return (index,)
    grid = list(xp.ix_(*[xp.arange(s) for s in index.shape]))
    grid[dim] = index
    return tuple(grid)


class Gather(Op):
    family = "shape"

    def forward(self, x, index):
        self.in_shape = x.shape
        if self.requires_grad:
            self.save(index)
        return xp.asarray(x[_grid(index, self.dim)])

    def backward(self, g, *_):
        (index,) = self.saved
        out = xp.zeros(self.in_shape, dtype=g.dtype)
        xp.add.at(out, _grid(index, self.dim), g)
        return (out, None)

    def backward_graph(self, g, *_):
        index = self._inputs[1]._data
        zeros = wrap(xp.zeros(self.in_shape, dtype=g._data.dtype))
        return (IndexPut.apply(zeros, g, index=_grid(index, self.dim), advanced=True, accumulate=True), None)


class Scatter(Op):
    """``scatter``/``scatter_add`` with a tensor source (``reduce`` None or "add")."""

    family = "shape"
    reduce = None

    def forward(self, x, index, src):
        if self.reduce == "add":
            self.grad_name = "ScatterAddBackward0"
        grid = _grid(index, self.dim)
        src_part = src[tuple(slice(0, s) for s in index.shape)]
        out = x.copy()
        if self.reduce == "add":
            xp.add.at(out, grid, src_part)
        else:
            out[grid] = src_part
        if self.requires_grad:
            self.save(index)
            self.src_shape = src.shape
        return out

    def backward(self, g):
        (index,) = self.saved
        grid = _grid(index, self.dim)
        n = self.needs_input_grad
        gx = None
        if n[0]:
            if self.reduce == "add":
                gx = g
            else:
                gx = g.copy()
                gx[grid] = 0
        gsrc = None
        if n[2]:
            gsrc = xp.zeros(self.src_shape, dtype=g.dtype)
            gsrc[tuple(slice(0, s) for s in index.shape)] = g[grid]
        return gx, None, gsrc

    def backward_graph(self, g):
        index = self._inputs[1]._data
        grid = _grid(index, self.dim)
        n = self.needs_input_grad
        gx = gsrc = None
        if n[0]:
            if self.reduce == "add":
                gx = g
            else:
                keep = xp.ones(g._data.shape, dtype=g._data.dtype)
                keep[grid] = 0
                gx = g * wrap(keep)
        if n[2]:
            gsrc = Index.apply(g, index=grid, advanced=True)
            if tuple(index.shape) != tuple(self.src_shape):
                zeros = wrap(xp.zeros(self.src_shape, dtype=g._data.dtype))
                gsrc = IndexPut.apply(zeros, gsrc, index=tuple(slice(0, s) for s in index.shape))
        return gx, None, gsrc


class ScatterValue(Op):
    """``scatter`` with a scalar value (ScatterBackward1)."""

    family = "shape"
    grad_name = "ScatterBackward1"

    def forward(self, x, index):
        grid = _grid(index, self.dim)
        out = x.copy()
        out[grid] = self.value
        if self.requires_grad:
            self.save(index)
        return out

    def backward(self, g):
        (index,) = self.saved
        gx = g.copy()
        gx[_grid(index, self.dim)] = 0
        return gx, None

    def backward_graph(self, g):
        keep = xp.ones(g._data.shape, dtype=g._data.dtype)
        keep[_grid(self._inputs[1]._data, self.dim)] = 0
        return g * wrap(keep), None


class IndexSelect(Op):
    family = "shape"

    def forward(self, x, index):
        self.in_shape = x.shape
        if self.requires_grad:
            self.save(index)
        return xp.take(x, index, axis=self.dim)

    def backward(self, g, *_):
        (index,) = self.saved
        out = xp.zeros(self.in_shape, dtype=g.dtype)
        xp.add.at(xp.moveaxis(out, self.dim, 0), index, xp.moveaxis(g, self.dim, 0))
        return (out, None)

    def backward_graph(self, g, *_):
        index = (slice(None),) * self.dim + (self._inputs[1]._data,)
        zeros = wrap(xp.zeros(self.in_shape, dtype=g._data.dtype))
        return (IndexPut.apply(zeros, g, index=index, advanced=True, accumulate=True), None)


def _leads(index):
    """Whether the first item of ``index`` taking a dimension (past any None) is a tensor index."""
    for i in index:
        if i is not None:
            return not isinstance(i, (slice, type(Ellipsis)))
    return True


_ALL = slice(None)


def _none_dim_strides(x, r, index):
    """``r = x[index]`` with PyTorch's strides for the dims ``None`` inserted: those of an unsqueeze at that point
    of the index (the extent ``size * stride`` of the next input dim, or 1 after the last), where NumPy gives 0."""
    if x.flags.c_contiguous and all(i is None or i is Ellipsis or i == _ALL for i in index):
        return x.reshape(r.shape)  # (dims only inserted into a row-major input: the row-major strides are those)
    strides = list(r.strides)
    spanned = x.ndim - sum(1 for i in index if i is not None and i is not Ellipsis)
    k = pos = 0  # input dims consumed, output dims made
    for item in index:
        if item is None:
            strides[pos] = x.shape[k] * x.strides[k] if k < x.ndim else x.itemsize
            pos += 1
        elif item is Ellipsis:
            k += spanned
            pos += spanned
        else:
            k += 1
            pos += isinstance(item, slice)  # (an int drops its dim)
    return r if tuple(strides) == r.strides else xp.lib.stride_tricks.as_strided(r, r.shape, strides)


class Index(Op):
    """``tensor[index]`` for any mix of ints, slices, None, Ellipsis, integer arrays and boolean masks."""

    family = "shape"
    linear = True
    advanced = False

    def forward(self, x):
        self.in_shape = x.shape
        r = x[self.index]
        if not self.advanced and not isinstance(r, xp.ndarray):
            # Every dim taken by an integer: NumPy returns a scalar copy, PyTorch a 0-d view (x[4].add_(1)
            # changes x). A trailing Ellipsis makes NumPy return the 0-d view.
            r = x[self.index + (Ellipsis,)]
        elif not self.advanced and None in self.index:
            r = _none_dim_strides(x, r, self.index)
        elif self.advanced and not r.flags.c_contiguous and not _leads(self.index):
            # NumPy lays the indexed dimensions out first when a slice precedes them; PyTorch's result is
            # C-contiguous there (on a contiguous input), so that .view() works on it
            r = xp.ascontiguousarray(r)
        return r

    def backward(self, g):
        out = xp.zeros(self.in_shape, dtype=g.dtype)
        if self.advanced:
            xp.add.at(out, self.index, g)
        else:
            out[self.index] = g
        return (out,)


class IndexPut(Op):
    """``tensor[index] = value`` (recorded as an in-place op on ``tensor``)."""

    family = "shape"
    linear = True
    advanced = False
    accumulate = False  # add into the indexed positions (index_put_ with accumulate=True)

    def forward(self, x, value):
        self.grad_name = "IndexPutBackward0" if self.advanced else "CopySlices"
        out = x.copy()
        if self.accumulate:
            xp.add.at(out, self.index, value)
        else:
            out[self.index] = value
        return out

    def backward(self, g):
        g = xp.asarray(g)  # (a 0-d gradient can arrive as a NumPy scalar, which has no item assignment)
        n = self.needs_input_grad
        gx = None
        if n[0]:
            if self.accumulate:
                gx = g
            else:
                gx = g.copy()
                gx[self.index] = 0
        gv = g[self.index] if n[1] else None
        return gx, gv


class Tril(Op):
    family = "shape"
    linear = True
    diagonal = 0

    def forward(self, x):
        return xp.tril(x, self.diagonal)

    def backward(self, g):
        return (xp.tril(g, self.diagonal),)


class Triu(Op):
    family = "shape"
    linear = True
    diagonal = 0

    def forward(self, x):
        return xp.triu(x, self.diagonal)

    def backward(self, g):
        return (xp.triu(g, self.diagonal),)


class Diagonal(Op):
    """``diagonal``: a view of the diagonal ``offset`` of the planes ``(dim1, dim2)``, as a new last dimension
    (``torch.diag`` of a 2-D tensor runs it under the node name ``DiagonalBackward0_copy``: a copy)."""

    family = "shape"
    is_view = True
    linear = True
    offset = 0
    dim1 = 0
    dim2 = 1

    def __init__(self, **params):
        self.__dict__.update(params)
        if self.grad_name.endswith("_copy"):
            self.is_view = False

    def forward(self, x):
        self.in_shape = x.shape
        d = xp.diagonal(x, self.offset, self.dim1, self.dim2)
        if not self.is_view:
            return d.copy()
        if not d.flags.writeable and x.flags.writeable:
            d.flags.writeable = True  # NumPy hands diagonals out read-only; PyTorch's writes reach the input
        return d

    def backward(self, g):
        out = xp.zeros(self.in_shape, dtype=g.dtype)
        # NumPy's diagonal views are read-only: write through row/column index arrays instead
        r = xp.arange(g.shape[-1])
        rows = r + max(-self.offset, 0)
        cols = r + max(self.offset, 0)
        moved = xp.moveaxis(out, (self.dim1, self.dim2), (-2, -1))
        moved[..., rows, cols] = g
        return (out,)


class DiagEmbed(Op):
    """``diag_embed``: the last dimension of x laid on diagonal ``offset`` of the planes ``(dim1, dim2)`` of a new
    tensor (zero elsewhere; ``dim1``/``dim2`` index the output). ``torch.diag`` of a 1-D tensor is the 2-D case."""

    family = "shape"
    linear = True
    offset = 0
    dim1 = -2
    dim2 = -1

    def _planes(self, nd):
        return self.dim1 % nd, self.dim2 % nd

    def _where(self, n):
        r = xp.arange(n)
        return r + max(-self.offset, 0), r + max(self.offset, 0)

    def forward(self, x):
        n = x.shape[-1]
        m = n + abs(self.offset)
        out = xp.zeros(x.shape[:-1] + (m, m), dtype=x.dtype)
        rows, cols = self._where(n)
        out[..., rows, cols] = x
        out = xp.moveaxis(out, (-2, -1), self._planes(x.ndim + 1))
        return out if out.flags.c_contiguous else xp.ascontiguousarray(out)  # (PyTorch's result is C-order)

    def backward(self, g):
        rows, cols = self._where(g.shape[self.dim1 % g.ndim] - abs(self.offset))
        return (xp.moveaxis(g, self._planes(g.ndim), (-2, -1))[..., rows, cols],)


class Take(Op):
    """``take``: the elements of x flattened, at ``index`` (an int64 array of any shape; negatives count from the
    end). The index is a parameter, not an input: it is not differentiable."""

    family = "shape"
    linear = True

    def forward(self, x):
        self.in_shape = x.shape
        return xp.take(x.reshape(-1), self.index)

    def backward(self, g):
        n = 1
        for s in self.in_shape:
            n *= s
        flat = xp.zeros(n, dtype=g.dtype)
        xp.add.at(flat, self.index.reshape(-1), g.reshape(-1))  # repeated indices accumulate
        return (flat.reshape(self.in_shape),)


class Unfold(Op):
    """``Tensor.unfold``: windows of ``size`` every ``step`` along ``dim``, as a new last dimension (a view)."""

    family = "shape"
    is_view = True
    linear = True

    def _windows(self, a, count, every=1):
        """The view of ``a`` as ``count`` windows starting at 0, ``every * step`` apart."""
        d, st = self.dim, a.strides
        shape = a.shape[:d] + (count,) + a.shape[d + 1:] + (self.size,)
        strides = st[:d] + (st[d] * self.step * every,) + st[d + 1:] + (st[d],)
        return xp.lib.stride_tricks.as_strided(a, shape, strides)

    def forward(self, x):
        self.in_shape = x.shape
        if not x.ndim:
            return x.reshape(1)
        return self._windows(x, (x.shape[self.dim] - self.size) // self.step + 1)

    def backward(self, g):
        if not self.in_shape:
            return (g.reshape(()),)
        out = xp.zeros(self.in_shape, dtype=g.dtype)
        d, count = self.dim, g.shape[self.dim]
        # Windows whose numbers differ by a multiple of ceil(size / step) do not overlap: one strided add per class.
        every = -(-self.size // self.step) if self.size else 1
        lead = (slice(None),) * d
        for r in range(min(every, count)):
            part = out[lead + (slice(r * self.step, None),)]
            self._windows(part, len(range(r, count, every)), every)[...] += g[lead + (slice(r, None, every),)]
        return (out,)


class Rot90(Op):
    """``rot90``: ``k`` quarter turns in the plane of ``dims`` (from the first axis towards the second)."""

    family = "shape"
    linear = True

    def forward(self, x):
        return xp.rot90(x, self.k, self.dims).copy()

    def backward(self, g):
        return (xp.rot90(g, -self.k, self.dims),)


class BlockDiag(Op):
    """``block_diag``: 0-, 1- or 2-D inputs (as 1x1, 1xn, mxn blocks) along the diagonal of a ``dtype`` matrix."""

    family = "shape"
    linear = True

    def _blocks(self, shapes):
        """(row slice, column slice) of each block."""
        r = c = 0
        out = []
        for shape in shapes:
            h, w = (1, 1) if len(shape) == 0 else (1, shape[0]) if len(shape) == 1 else shape
            out.append((slice(r, r + h), slice(c, c + w)))
            r, c = r + h, c + w
        return out, (r, c)

    def forward(self, *xs):
        self.in_shapes = [x.shape for x in xs]
        places, size = self._blocks(self.in_shapes)
        out = xp.zeros(size, dtype=self.dtype)
        for x, (rows, cols) in zip(xs, places):
            out[rows, cols] = x
        return out

    def backward(self, g):
        places, _ = self._blocks(self.in_shapes)
        return tuple([g[rows, cols].reshape(shape) if need else None
                      for need, shape, (rows, cols) in zip(self.needs_input_grad, self.in_shapes, places)])


def _shuffle(x, r, inverse):
    """``pixel_shuffle`` of ``(*, C r^2, H, W)`` to ``(*, C, H r, W r)``, or with ``inverse`` the way back."""
    *lead, c, h, w = x.shape
    nl = len(lead)
    if inverse:  # (*, C, H r, W r) -> (*, C, r, r, H, W)
        y = x.reshape(*lead, c, h // r, r, w // r, r).transpose(*range(nl), nl, nl + 2, nl + 4, nl + 1, nl + 3)
        return y.reshape(*lead, c * r * r, h // r, w // r)
    y = x.reshape(*lead, c // (r * r), r, r, h, w).transpose(*range(nl), nl, nl + 3, nl + 1, nl + 4, nl + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


class PixelShuffle(Op):
    """``pixel_shuffle``: ``(*, C r^2, H, W)`` -> ``(*, C, H r, W r)`` with ``r = upscale_factor``."""

    family = "shape"
    linear = True

    def forward(self, x):
        return _shuffle(x, self.upscale_factor, False)

    def backward(self, g):
        return (_shuffle(g, self.upscale_factor, True),)


class PixelUnshuffle(Op):
    """``pixel_unshuffle``: ``(*, C, H r, W r)`` -> ``(*, C r^2, H, W)`` with ``r = downscale_factor``."""

    family = "shape"
    linear = True

    def forward(self, x):
        return _shuffle(x, self.downscale_factor, True)

    def backward(self, g):
        return (_shuffle(g, self.downscale_factor, False),)


def _channel_shuffle(x, groups):
    n, c, *rest = x.shape
    return xp.swapaxes(x.reshape(n, groups, c // groups, *rest), 1, 2).reshape(x.shape)


class ChannelShuffle(Op):
    """``channel_shuffle`` of ``(N, C, *)``: channel ``g * (C / groups) + i`` moves to ``i * groups + g``."""

    family = "shape"
    linear = True

    def forward(self, x):
        return _channel_shuffle(x, self.groups)

    def backward(self, g):
        return (_channel_shuffle(g, g.shape[1] // self.groups),)


# Every op here only moves, copies or sums values, so its backward is already right for complex data.
for _cls in (View, Permute, Transpose, Expand, Repeat, Cat, Stack, Split, Flip, Roll, Gather, Scatter, ScatterValue,
             IndexSelect, Index, IndexPut, Tril, Triu, Diagonal, DiagEmbed, Take, Unfold, Rot90, BlockDiag,
             PixelShuffle, PixelUnshuffle, ChannelShuffle):
    _cls.complex_grad = True
