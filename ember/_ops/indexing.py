"""Index and scatter ops: index_add/copy/reduce, scatter_reduce, masked_scatter, the *_scatter family, as_strided.

Index arrays are op attributes (not inputs): they carry no gradient, and it keeps the ops whose outputs are
linear in their float inputs (``linear = True``) differentiable twice through the engine's generic rule.
"""

from ember._backend import memory_owner, xp
from ember._ops import Op, zero_link
from ember._tensor import wrap


def _where(cond, a, b):
    from ember._functions import where
    return where(wrap(cond), a, b)


def _moved(a, dim):
    return xp.moveaxis(a, dim, 0)


class IndexAdd(Op):
    """``out = x; out[..., index[i], ...] += alpha * src[..., i, ...]`` along ``dim``."""

    family = "indexing"
    linear = True
    alpha = 1

    def forward(self, x, src):
        out = x.copy()
        add = src if self.alpha == 1 else src * src.dtype.type(self.alpha)
        xp.add.at(_moved(out, self.dim), self.index, _moved(add, self.dim))
        return out

    def backward(self, g):
        n = self.needs_input_grad
        gsrc = None
        if n[1]:
            gsrc = xp.take(g, self.index, axis=self.dim)
            if self.alpha != 1:
                gsrc = gsrc * g.dtype.type(self.alpha)
        return (g if n[0] else None), gsrc


class IndexCopy(Op):
    """``out = x; out[..., index[i], ...] = src[..., i, ...]`` along ``dim``."""

    family = "indexing"
    linear = True

    def forward(self, x, src):
        out = x.copy()
        _moved(out, self.dim)[self.index] = _moved(src, self.dim)
        return out

    def backward(self, g):
        n = self.needs_input_grad
        gx = gsrc = None
        if n[0]:
            gx = g.copy()
            _moved(gx, self.dim)[self.index] = 0
        if n[1]:
            gsrc = xp.take(g, self.index, axis=self.dim)
        return gx, gsrc


def _identity(reduce, dtype):
    """The value a reduction starts from when ``self`` is not included."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind in "fV":
        return -xp.inf if reduce == "amax" else xp.inf
    if dtype.kind == "b":
        return reduce != "amax"
    info = xp.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


_UFUNC = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


class ScatterReduce(Op):
    """Reduce source elements into the output positions they map to (``scatter_reduce``).

    Attributes: ``targets`` (int array, the flat output position of each used source element), ``part``
    (a tuple of slices selecting the used part of ``src``, or None for all of it), ``reduce`` (sum, prod,
    mean, amax, amin) and ``include_self``. ``IndexReduce`` is the same computation with other targets.
    """

    family = "indexing"
    part = None
    include_self = True

    def forward(self, x, src):
        if x.dtype.kind in "bc":
            if x.dtype.kind == "c":
                from ember._dtype import TYPE_WORDS
                self._check_complex(TYPE_WORDS[x.dtype.name])
            else:
                self._check_bool()
                if self.reduce == "sum":
                    self.reduce = "amax"  # a sum of bools is their logical or, as PyTorch's
        used = src if self.part is None else src[self.part]
        t = self.targets.reshape(-1)
        v = used.reshape(-1)
        out = xp.array(x, copy=True).reshape(-1)
        touched = xp.zeros(out.size, dtype=bool)
        touched[t] = True
        if not self.include_self:
            out[touched] = _identity(self.reduce, out.dtype)
        getattr(xp, _UFUNC[self.reduce]).at(out, t, v)
        count = None
        if self.reduce == "mean":
            count = xp.bincount(t, minlength=out.size)
            if self.include_self:
                count = count + 1
            count = xp.maximum(count, 1)
            if out.dtype.kind in "fVc":
                out = out / count.astype(out.dtype)
            else:
                out = out // count.astype(out.dtype)
        out = out.reshape(x.shape)
        if self.requires_grad:
            self.touched = touched
            self.count = count
            if self.reduce in ("prod", "amax", "amin"):
                self.save(x, src, out)
        return out

    def backward(self, g):
        n = self.needs_input_grad
        t = self.targets.reshape(-1)
        touched = self.touched
        gf = g.reshape(-1)
        reduce = self.reduce
        if reduce in ("sum", "mean"):
            if reduce == "mean":
                gf = gf / self.count.astype(g.dtype)
            gsrc_flat = gf[t] if n[1] else None
            gx = gf.copy() if n[0] else None
            if n[0] and not self.include_self:
                gx[touched] = 0
        else:
            x, src, out = self.saved
            xf = x.reshape(-1)
            used = (src if self.part is None else src[self.part]).reshape(-1)
            rf = out.reshape(-1)
            if reduce == "prod":
                gx_f, gsrc_flat = self._prod_grads(gf, xf, used, t, rf.size)
            else:
                # ties share the gradient equally; like PyTorch, a self equal to the result counts as a tie
                # even when it is not included
                self_hit = touched & (xf == rf)
                src_hit = used == rf[t]
                ties = self_hit.astype(g.dtype)
                xp.add.at(ties, t, src_hit.astype(g.dtype))
                share = gf / xp.where(ties > 0, ties, 1)
                gx_f = xp.where(self_hit, share, 0).astype(g.dtype)
                gsrc_flat = xp.where(src_hit, share[t], 0).astype(g.dtype)
            if n[0]:
                gx = xp.where(touched, gx_f if self.include_self else 0, gf).astype(g.dtype, copy=False)
            else:
                gx = None
        gsrc = None
        if n[1]:
            shape = self._in_meta[1][0]
            if self.part is None:
                gsrc = gsrc_flat.reshape(shape)
            else:
                gsrc = xp.zeros(shape, dtype=g.dtype)
                gsrc[self.part] = gsrc_flat.reshape(self.targets.shape)
        return (None if gx is None else gx.reshape(g.shape)), gsrc

    def backward_graph(self, g):
        if self.reduce == "prod":
            return self._prod_graph(g)
        # sum / mean / amax / amin: g times constant coefficients (group sizes, which members won), i.e. the
        # first-order backward of ones; linear in g and independent of the inputs' values, as in PyTorch.
        n = self.needs_input_grad
        cx, csrc = self.backward(xp.ones(g.shape, dtype=g._data.dtype))
        gx = g * wrap(cx) if n[0] else None
        gsrc = g.reshape(-1)[wrap(self._src_targets())] * wrap(csrc) if n[1] else None
        return gx, gsrc

    def _src_targets(self):
        """The flat output position of every element of ``src`` (0 outside ``part``, where nothing flows)."""
        shape = self._in_meta[1][0]
        if self.part is None:
            return self.targets.reshape(shape)
        t = xp.zeros(shape, dtype=xp.int64)
        t[self.part] = self.targets.reshape(t[self.part].shape)
        return t

    def _prod_graph(self, g):
        """Double backward of ``prod``: a member's derivative is the product of the other members of its group,
        written so that its derivatives are exact with zeros too. With ``P`` the product of the group's nonzero
        members, ``S`` the sum of its zero members (0, carrying their derivatives) and ``z`` their count: a
        nonzero member ``m`` gets ``P / m`` (z = 0), ``P / m * S`` (z = 1) or 0; a zero member ``P`` (z = 1),
        ``P * (S - m)`` (z = 2) or 0."""
        x, src = self._inputs
        n = self.needs_input_grad
        xa, sa = x._data, src._data
        tsrc = self._src_targets()
        in_part = xp.zeros(sa.shape, dtype=bool)
        if self.part is None:
            in_part[...] = True
        else:
            in_part[self.part] = True
        zx, zs = xa == 0, (sa == 0) & in_part
        z = xp.bincount(tsrc[in_part], weights=zs[in_part], minlength=xa.size).astype(xp.int64)
        if self.include_self:
            z = z + (zx.reshape(-1) & self.touched)
        params = dict(targets=self.targets, part=self.part, include_self=self.include_self)
        P = type(self).apply(_where(zx, 1.0, x), _where(zs, 1.0, src), reduce="prod", **params).reshape(-1)
        S = type(self).apply(_where(zx, x, 0.0), _where(zs, src, 0.0), reduce="sum", **params).reshape(-1)

        def others(m, mzero, pos):
            """d(group product)/d(member) for members ``m`` of the groups at flat output positions ``pos``."""
            zg, Pg, Sg = z[pos], P[wrap(pos)], S[wrap(pos)]
            e1 = _where(zg == 0, 1.0, _where(zg == 1, Sg, 0.0))
            e0 = _where(zg == 1, 1.0, _where(zg == 2, Sg - m, 0.0))
            return _where(mzero, Pg * e0, Pg / _where(mzero, 1.0, m) * e1)

        gf = g.reshape(-1)
        gx = gsrc = None
        if n[0]:
            pos = xp.arange(xa.size).reshape(xa.shape)
            touched = self.touched.reshape(xa.shape)
            # not included: a zero that stays linked to x (zero derivative), as PyTorch's
            own = g * others(x, zx, pos) if self.include_self else zero_link(x)
            gx = _where(touched, own, g)
        if n[1]:
            gsrc = _where(in_part, gf[wrap(tsrc)] * others(src, zs, tsrc), 0.0)
        return gx, gsrc

    def _check_bool(self):
        if self.reduce == "mean":  # PyTorch's CPU kernel has no bool mean
            raise NotImplementedError("\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'")

    def _check_complex(self, word):
        # PyTorch: no ordering of complex numbers, and no complex derivative at all (sum, prod and mean included)
        if self.reduce in ("amax", "amin"):
            raise NotImplementedError(f"\"scatter_gather_tensor_cpu_reduce_{self.reduce}\" not implemented for "
                                      f"'{word}'")
        if self.requires_grad:
            raise RuntimeError("scatter_reduce does not support automatic differentiation for outputs with complex "
                               "dtype.")

    def _prod_grads(self, gf, xf, v, t, size):
        """d out / d member = product of the other members of its group, exact when members are zero."""
        zeros = xp.zeros(size, dtype=xp.int64)
        xp.add.at(zeros, t, (v == 0).astype(xp.int64))
        nonzero_prod = xp.ones(size, dtype=gf.dtype)
        xp.multiply.at(nonzero_prod, t, xp.where(v == 0, 1, v).astype(gf.dtype))
        if self.include_self:
            zeros = zeros + (xf == 0)
            nonzero_prod = nonzero_prod * xp.where(xf == 0, 1, xf)

        def others(member, z, p):
            safe = xp.where(member == 0, 1, member)
            return xp.where(z == 0, p / safe, xp.where((z == 1) & (member == 0), p, 0)).astype(gf.dtype)

        gx = gf * others(xf, zeros, nonzero_prod)
        gsrc = gf[t] * others(v, zeros[t], nonzero_prod[t])
        return gx, gsrc


class IndexReduce(ScatterReduce):
    """``index_reduce``: ``ScatterReduce`` with every slice of ``src`` along ``dim`` sent to ``index[i]``."""

    family = "indexing"

    def _check_bool(self):
        raise NotImplementedError("\"index_func_\" not implemented for 'Bool'")  # none of its reductions takes bools

    def _check_complex(self, word):
        if not self.include_self:
            raise NotImplementedError(f"\"index_reduce_func_exclude_input_init\" not implemented for '{word}'")
        if self.reduce in ("amax", "amin"):
            raise NotImplementedError(f"\"{'maximum' if self.reduce == 'amax' else 'minimum'}_cpu\" not implemented "
                                      f"for '{word}'")
        if self.requires_grad:
            raise RuntimeError("index_reduce does not support automatic differentiation for outputs with complex "
                               "dtype.")


class MaskedScatter(Op):
    """Copy the leading elements of ``src`` (in row-major order) into the positions where ``mask`` is True."""

    family = "indexing"
    linear = True

    def forward(self, x, src):
        mask = self.mask
        out = xp.array(xp.broadcast_to(x, mask.shape), order="C")  # (a contiguous copy, as PyTorch's result)
        k = int(self.count)
        out[mask] = src.reshape(-1)[:k]
        return out

    def backward(self, g):
        n = self.needs_input_grad
        gx = xp.where(self.mask, 0, g).astype(g.dtype, copy=False) if n[0] else None
        gsrc = None
        if n[1]:
            shape = self._in_meta[1][0]
            flat = xp.zeros(int(xp.prod(shape)) if len(shape) else 1, dtype=g.dtype)
            flat[: int(self.count)] = g[self.mask]
            gsrc = flat.reshape(shape)
        return gx, gsrc


class _RegionScatter(Op):
    """``out = x; out[region] = src``, where ``region`` is a basic (view) index of ``x``."""

    linear = True

    def _view(self, a):  # the region of ``a`` that ``src`` replaces (a writable view)
        return a[self.index]

    def forward(self, x, src):
        out = x.copy()
        self._write(out, src)
        return out

    def _write(self, out, src):
        out[self.index] = src

    def backward(self, g):
        n = self.needs_input_grad
        gx = gsrc = None
        if n[0]:
            gx = g.copy()
            self._write(gx, 0)
        if n[1]:
            gsrc = xp.array(self._view(g), copy=True)
        return gx, gsrc


class SelectScatter(_RegionScatter):
    family = "indexing"


class SliceScatter(_RegionScatter):
    family = "indexing"


class DiagonalScatter(_RegionScatter):
    family = "indexing"
    offset = 0
    dim1 = 0
    dim2 = 1

    def _view(self, a):
        return xp.diagonal(a, self.offset, self.dim1, self.dim2)

    def _write(self, out, src):
        # NumPy's diagonal views are read-only: write through row/column index arrays instead
        moved = xp.moveaxis(out, (self.dim1, self.dim2), (-2, -1))
        k = xp.diagonal(moved, self.offset, -2, -1).shape[-1]
        r = xp.arange(k)
        moved[..., r + max(-self.offset, 0), r + max(self.offset, 0)] = src


def storage_of(a):
    """``(flat, offset)``: the memory ``a`` is a view of, as a 1-D array of ``a``'s dtype (PyTorch's storage), and
    where ``a`` starts in it (in elements). Follows NumPy's chain of view bases to the array that owns the
    memory; an array not viewable that way (a different itemsize, a strided owner) is its own storage."""
    root = memory_owner(a)
    item = a.itemsize
    if root is not a and root.flags.c_contiguous and root.nbytes % item == 0:
        start = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        if start % item == 0:
            return root.reshape(-1).view(a.dtype), start // item
    if a.flags.c_contiguous:
        return a.reshape(-1), 0
    return xp.ascontiguousarray(a).reshape(-1), 0


def element_strides(a):
    return tuple(s // a.itemsize for s in a.strides)


def strided_view(flat, offset, shape, strides, writeable=True):
    """``flat[offset:]`` (a 1-D storage) seen with ``shape`` and ``strides`` counted in elements."""
    item = flat.itemsize
    return xp.lib.stride_tricks.as_strided(flat[offset:], shape, [s * item for s in strides], writeable=writeable)


class AsStrided(Op):
    """A strided window on the storage of ``x`` (the memory it views, see :func:`storage_of`); the gradient sums
    back where the window visits an element more than once, then is read back with ``x``'s own geometry.

    ``overlapping`` (set by the caller) says whether two view positions address the same element: such a
    view is read-only, and its backward accumulates instead of assigning.
    """

    family = "indexing"
    linear = True
    is_view = True
    storage_offset = 0
    overlapping = False

    def _window(self, flat, writeable):
        return strided_view(flat, self.storage_offset, self.size, self.stride, writeable)

    def forward(self, x):
        flat, start = storage_of(x)
        if self.requires_grad:
            self.geometry = (flat.size, start, x.shape, element_strides(x))
        return self._window(flat, not self.overlapping)

    def backward(self, g):
        numel, start, shape, strides = self.geometry
        store = xp.zeros(numel, dtype=g.dtype)
        if self.overlapping:
            xp.add.at(store, strided_positions(self.size, self.stride, self.storage_offset).reshape(-1), g.reshape(-1))
        else:
            self._window(store, True)[...] = g
        if strided_overlap(shape, strides, start):
            # x addresses some storage elements several times (an expanded view): share each element's gradient
            # among its aliases, so that x's own backward (which sums them) gives each element its gradient once.
            pos = strided_positions(shape, strides, start).reshape(-1)
            count = xp.zeros(numel, dtype=g.dtype)
            xp.add.at(count, pos, 1)
            store /= xp.maximum(count, 1)
        return (strided_view(store, start, shape, strides).copy(),)


def strided_positions(size, stride, offset):
    """The element each position of a strided window addresses: ``offset + sum(i_k * stride_k)``."""
    pos = xp.full(size, offset, dtype=xp.int64)
    for k, (n, s) in enumerate(zip(size, stride)):
        pos += (xp.arange(n, dtype=xp.int64) * s).reshape([-1 if j == k else 1 for j in range(len(size))])
    return pos


def strided_overlap(size, stride, offset):
    """Whether two positions of a strided window address the same element."""
    dims = sorted((s, n) for n, s in zip(size, stride) if n > 1)
    extent = 0  # largest offset reachable with the dimensions of smaller stride
    for s, n in dims:
        if s <= extent:
            break
        extent += (n - 1) * s
    else:
        return False  # each stride steps past everything the smaller ones reach: no overlap
    pos = strided_positions(size, stride, offset)
    return bool(xp.unique(pos).size < pos.size)


def addressed_storage(x):
    """``(flat, start, strides)``: the storage ``x`` views (see :func:`storage_of`) and ``x``'s geometry in it,
    or, when ``x`` is not addressable there or visits an element twice (an expanded tensor), a dense copy."""
    flat, start = storage_of(x)
    strides = element_strides(x)
    if x.size and (not xp.may_share_memory(flat, x) or strided_overlap(x.shape, strides, start)):
        flat = xp.ascontiguousarray(x).reshape(-1)
        start, strides = 0, element_strides(flat.reshape(x.shape))
    return flat, start, strides


class AsStridedScatter(AsStrided):
    """``as_strided_scatter``: a copy of ``x``'s whole storage, seen with ``x``'s geometry (as PyTorch's result),
    in which the window ``(size, stride, storage_offset)`` holds ``src``. Where the window visits an element
    more than once the last write wins, and the gradient of ``src`` reads every position (as PyTorch's)."""

    family = "indexing"
    is_view = False

    def _scatter(self, store, values):
        if self.overlapping:
            store[strided_positions(self.size, self.stride, self.storage_offset).reshape(-1)] = values.reshape(-1)
        else:
            self._window(store, True)[...] = values

    def forward(self, x, src):
        flat, start, strides = addressed_storage(x)
        store = flat.copy()
        self._scatter(store, src)
        if self.requires_grad:
            self.geometry = (flat.size, start, x.shape, strides)
        return strided_view(store, start, x.shape, strides)

    def backward(self, g):
        numel, start, shape, strides = self.geometry
        store = xp.zeros(numel, dtype=g.dtype)
        strided_view(store, start, shape, strides)[...] = g
        gx = gsrc = None
        if self.needs_input_grad[1]:
            gsrc = xp.array(self._window(store, False))  # (a copy)
        if self.needs_input_grad[0]:
            self._scatter(store, xp.zeros((), dtype=g.dtype))
            gx = strided_view(store, start, shape, strides).copy()
        return gx, gsrc


class NanMedianAll(Op):
    """``nanmedian()`` of a whole tensor: the value is found by the caller (``value``); the gradient is shared
    equally by every element equal to it (every NaN when it is NaN), as PyTorch."""

    family = "indexing"
    grad_name = "NanmedianBackward0"

    def forward(self, x):
        if self.requires_grad:
            self.save(x)
        return xp.asarray(self.value, dtype=x.dtype)

    def backward(self, g):
        (x,) = self.saved
        hit = xp.isnan(x) if xp.isnan(self.value) else x == self.value
        return (xp.where(hit, g / g.dtype.type(max(int(hit.sum()), 1)), 0).astype(g.dtype, copy=False),)

    def backward_graph(self, g):
        # g times a constant share per element: linear in g, independent of the input's values (as PyTorch).
        return (g * wrap(self.backward(xp.ones((), dtype=g._data.dtype))[0]),)


# These only move or add values (their backward is right for complex data); ScatterReduce/IndexReduce (prod,
# amax, amin) and NanMedianAll are not. PyTorch refuses complex autograd through select_scatter/slice_scatter.
for _cls in (IndexAdd, IndexCopy, MaskedScatter, DiagonalScatter, AsStrided):
    _cls.complex_grad = True
