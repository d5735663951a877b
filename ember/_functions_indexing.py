"""``torch.*`` index/scatter functions, splitting and stacking helpers, and statistics (quantile, mode, cov, ...).

Re-exported by :mod:`ember._functions`; the Tensor methods are attached in :mod:`ember._tensor_methods`.
"""

import builtins
import numbers

from ember import _dtype
from ember import _functions as F
from ember import _functions_args as _args
from ember._functions_math import _word as _tname
from ember._backend import xp
from ember._ops import indexing as I
from ember._ops import reduction as R
from ember._ops import shape as S
from ember._tensor import Tensor, wrap
from ember.autograd.grad_mode import state as _grad_state

_REQUIRED, _UNSET = _args.REQUIRED, _args.UNSET  # (defaults of the functions taking NumPy's ``axis`` inline)

_int = builtins.int


def _shp(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def _as_tensor(v):
    return v if isinstance(v, Tensor) else F.tensor(v)


# ============================================================================= index_* (along one dimension)


def _index_vector(name, index, long_only, vector_msg):
    """The 1-D int64 array of an index tensor, after PyTorch's dtype and dimensionality checks."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    kind = index._data.dtype
    if long_only and kind != xp.int64:
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got {_tname(index)}")
    if kind not in (xp.int64, xp.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index but got: {_tname(index)}")
    if index._data.ndim > 1:
        raise IndexError(vector_msg(index))
    return index._data.reshape(-1).astype(xp.int64, copy=False)


def _vector_msg(name):
    return lambda index: (f"{name}(): Index is supposed to be a vector, but got dim: {index._data.ndim} with type: "
                          f"{_tname(index)} and size: {_shp(index._data.shape)}")


def _check_source(name, input, d, idx, source):
    """The checks index_add and index_reduce share: dtype, count and shape of ``source``."""
    if not isinstance(source, Tensor):
        raise TypeError(f"{name}(): argument 'source' must be Tensor, not {type(source).__name__}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): self ({_tname(input)}) and source ({_tname(source)}) must have the same "
                           "scalar type")
    xs, ss = input._data.shape, source._data.shape
    if ss and d >= len(ss):
        raise RuntimeError(f"{name}(): Indexing dim {d} is out of bounds of the source tensor with dim {len(ss)}")
    n = ss[d] if ss else 1
    if idx.size != n:
        raise RuntimeError(f"{name}(): Number of indices ({idx.size}) should be equal to source.size(dim): ({n}), "
                           f"for dim: {d}")
    # (a 0-d tensor and a 1-element vector differ too)
    if len(ss) != len(xs) or builtins.any(a != b for k, (a, b) in enumerate(zip(xs, ss)) if k != d):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {_shp(xs)} source.shape = {_shp(ss)}")


def _check_range(idx, size, d, err=RuntimeError, prefix="", negative=False):
    if not idx.size:
        return
    lo = -size if negative else 0
    bad = idx[(idx < lo) | (idx >= size)]
    if bad.size:
        raise err(f"{prefix}index {bad[0]} is out of bounds for dimension {d} with size {size}")


def _as_1d(input, *others):
    """Views of 0-d tensors as 1-element vectors (PyTorch treats a scalar ``self`` as one)."""
    return [t.reshape(1) if isinstance(t, Tensor) and t._data.ndim == 0 else t for t in (input,) + others]


def index_add(input, dim, index, source, *, alpha=1, out=None):
    """Add ``alpha * source`` into a copy of ``input`` at the positions ``index`` along ``dim``.

    ``out[..., index[i], ...] += alpha * source[..., i, ...]``; repeated indices accumulate.

    Args:
        input: the tensor to add into.
        dim (int): the dimension ``index`` addresses.
        index (LongTensor or IntTensor): 1-D, ``len(index) == source.shape[dim]``, values in ``[0, input.shape[dim])``.
        source: same dtype as ``input`` and same shape apart from ``dim``.
        alpha (Number): multiplier of ``source``.

    Example::

        >>> ember.index_add(ember.zeros(3, 2), 0, ember.tensor([0, 2, 0]), ember.ones(3, 2))
        tensor([[2., 2.],
                [0., 0.],
                [1., 1.]])
    """
    d = input._wrap_dim(dim)
    idx = _index_vector("index_add_", index, False, _vector_msg("index_add_"))
    _check_source("index_add_", input, d, idx, source)
    scalar = input._data.ndim == 0
    x, src = _as_1d(input, source)
    n, nd = x._data.shape[d], x._data.ndim
    if nd > 1 and d in (0, nd - 1) and index._data.dtype == xp.int64 and alpha == 1:
        _check_range(idx, n, d)  # PyTorch runs this case as a scatter_add, with that kernel's message
    elif idx.size and ((idx < 0) | (idx >= n)).any():
        raise IndexError("index out of range in self")
    res = I.IndexAdd.apply(x, src, dim=d, index=idx, alpha=alpha)
    return F._out(res.reshape(()) if scalar else res, out)


def index_copy(input, dim, index, source):
    """Copy the slices of ``source`` along ``dim`` into a copy of ``input`` at the positions ``index``.

    Args:
        input: the tensor to copy into.
        dim (int): the dimension ``index`` addresses.
        index (LongTensor): 1-D (or 0-d), ``len(index) == source.shape[dim]``.
        source: same dtype as ``input``, same shape apart from ``dim``.

    Example::

        >>> ember.index_copy(ember.zeros(3, 2), 0, ember.tensor([2, 0]), ember.tensor([[1., 2.], [3., 4.]]))
        tensor([[3., 4.],
                [0., 0.],
                [1., 2.]])
    """
    d = input._wrap_dim(dim)
    if not isinstance(index, Tensor):
        raise TypeError(f"index_copy(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index._data.ndim})")
    if index._data.dtype != xp.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {_tname(index)}")
    idx = index._data.reshape(-1)
    xs, ss = input._data.shape, source._data.shape
    if xs and ss and len(xs) != len(ss):
        raise IndexError("index_copy_(): When source and destination are not scalars, their dimensionality must "
                         f"match. Source dimensionality ({len(ss)}), destination dimensionality ({len(xs)})")
    n = ss[d] if ss else 1
    if idx.size != n:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to source.size(dim) ({n})")
    if xs[:d] + xs[d + 1:] != ss[:d] + ss[d + 1:]:
        raise RuntimeError("index_copy_(): Source/destination tensor must have same slice shapes. Destination slice "
                           f"shape: {' '.join(map(str, xs[:d] + xs[d + 1:]))} at dimension {d} and source slice "
                           f"shape: {' '.join(map(str, ss[:d] + ss[d + 1:]))} at dimension 0.")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_tname(input)} and (source) {_tname(source)}")
    scalar = input._data.ndim == 0
    x, src = _as_1d(input, source)
    _check_range(idx, x._data.shape[d], d, IndexError, "index_copy_(): ")
    res = I.IndexCopy.apply(x, src, dim=d, index=idx)
    return res.reshape(()) if scalar else res


def index_fill(input, dim, index, value):
    """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a number or 0-d tensor).

    Negative indices count from the end. Differentiable in ``input`` (and in a 0-d tensor ``value``).

    Example::

        >>> ember.index_fill(ember.zeros(2, 3), 1, ember.tensor([0, 2]), -1.0)
        tensor([[-1.,  0., -1.],
                [-1.,  0., -1.]])
    """
    if not isinstance(index, Tensor):
        raise TypeError(f"index_fill(): argument 'index' must be Tensor, not {type(index).__name__}")
    if not isinstance(value, _args.NUMBERS):  # the method's message (ember.index_fill's wrapper gives the function's)
        raise _args.method_combination_error("index_fill", (dim, index, value), [
            "(int dim, Tensor index, Tensor value)", "(int dim, Tensor index, Number value)"])
    # (PyTorch's order of checks: the value's rank, the index dtype, a complex value, the dim, the index's rank)
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value._data.ndim} dimension(s).")
    if index._data.dtype != xp.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if input._data.dtype.kind != "c" and (type(value) is complex or (
            isinstance(value, Tensor) and value._data.dtype.kind == "c")):
        raise RuntimeError("index_fill_(): Converting complex Scalar to non-complex type is not supported")
    d = input._wrap_dim(dim)
    if index._data.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    idx = index._data.reshape(-1)
    size = input._data.shape[d] if input._data.ndim else 1
    if idx.size:
        bad = idx[(idx < -size) | (idx >= size)]
        if bad.size:
            raise IndexError(f"index {bad[0]} is out of bounds for dimension {d} with size {size}")
    mask = xp.zeros(size, dtype=bool)
    mask[idx] = True
    shape = [1] * input._data.ndim
    if shape:
        shape[d] = size
    res = F.masked_fill(input, wrap(mask.reshape(shape)), value)
    node = res.grad_fn
    if node is not None and node is not input.grad_fn:  # (PyTorch's name for the node: the same graph)
        from ember._ops import _node_class
        node.__class__ = _node_class(type(node), "IndexFillBackward1" if isinstance(value, Tensor) else
                                     "IndexFillBackward0")
    return res


_REDUCE_WARNED = [False]


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """Reduce the slices of ``source`` along ``dim`` into a copy of ``input`` at the positions ``index``.

    ``reduce`` is ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``; with ``include_self=False`` the values of
    ``input`` at the indexed positions take no part. Gradients as PyTorch's (ties of amax/amin share equally).

    Example::

        >>> ember.index_reduce(ember.ones(2, 2), 0, ember.tensor([0, 0]), ember.tensor([[2., 3.], [4., 5.]]), "prod")
        tensor([[ 8., 15.],
                [ 1.,  1.]])
    """
    if not _REDUCE_WARNED[0]:
        _REDUCE_WARNED[0] = True
        _args.warn("index_reduce() is in beta and the API may change at any time.", UserWarning)
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    d = input._wrap_dim(dim)
    idx = _index_vector("index_reduce_", index, False, _vector_msg("index_reduce_"))
    _check_source("index_reduce_", input, d, idx, source)
    scalar = input._data.ndim == 0
    x, src = _as_1d(input, source)
    xs = x._data.shape
    if idx.size and (idx.min() < 0 or idx.max() >= xs[d]):
        raise IndexError("index out of range in self")
    ss = src._data.shape
    grid = list(xp.ix_(*[xp.arange(s) for s in ss]))
    grid[d] = idx.reshape([-1 if k == d else 1 for k in range(len(ss))])
    res = I.IndexReduce.apply(x, src, targets=_flat_targets(xs, grid, ss), reduce=reduce,
                              include_self=include_self)
    return res.reshape(()) if scalar else res


def _flat_targets(out_shape, grid, shape):
    """The flat (row-major) position in ``out_shape`` of the coordinates ``grid`` (broadcast to ``shape``)."""
    lin = xp.zeros(shape, dtype=xp.int64)
    stride = 1
    for k in range(len(out_shape) - 1, -1, -1):
        lin += grid[k] * stride
        stride *= out_shape[k]
    return lin


# ============================================================================================ scatter_reduce


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into a copy of ``input`` at ``index`` along ``dim`` (``out[i][index[i][j]] op= src[i][j]``).

    ``reduce`` is ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``; with ``include_self=False``
    the values of ``input`` at scattered positions take no part. ``index`` has ``input``'s number of
    dimensions and is no larger than ``src`` (and than ``input`` apart from ``dim``); only
    ``src[:index.shape[0], ...]`` is used.

    Example::

        >>> ember.scatter_reduce(ember.zeros(3), 0, ember.tensor([0, 1, 0, 1]), ember.tensor([1., 2., 3., 4.]), "amax")
        tensor([3., 4., 0.])
    """
    d = input._wrap_dim(dim)
    # (PyTorch's order: the dim, the index's dtype, src's, then the reduction's name)
    if not isinstance(index, Tensor) or index._data.dtype not in F._INDEX_DTYPES:
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if reduce in ("max", "min"):
        reduce = "a" + reduce  # PyTorch 2.13 takes these as aliases
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    scalar = input._data.ndim == 0
    x, idx_t, src = _as_1d(input, index, src)
    xs, ix, ss = x._data.shape, idx_t._data.shape, src._data.shape
    if len(ix) != len(xs):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if len(ss) != len(xs):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if builtins.any(i > s for i, s in zip(ix, ss)) or builtins.any(i > s for k, (i, s) in
                                                                    enumerate(zip(ix, xs)) if k != d):
        raise RuntimeError(f"Expected index {_shp(ix)} to be no larger than self {_shp(xs)} apart from dimension {d} "
                           f"and to be no larger size than src {_shp(ss)}")
    idx = idx_t._data.astype(xp.int64, copy=False)
    _check_range(idx.reshape(-1), xs[d], d)
    targets = _flat_targets(xs, S._grid(idx, d), ix)
    part = None if ix == ss else tuple(slice(0, s) for s in ix)
    res = I.ScatterReduce.apply(x, src, targets=targets, part=part, reduce=reduce, include_self=include_self)
    return res.reshape(()) if scalar else res


# ======================================================================================== index_put / put


_INDEXING_DTYPES = tuple(xp.dtype(t) for t in (xp.int64, xp.int32, xp.uint8, xp.bool_))  # PyTorch's for t[idx]


BYTE_INDEX_WARNING = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."


def _index_tuple(indices, values=None, accumulate=True):
    """The index tensors' arrays (uint8 masks as bool, with PyTorch's deprecation warning). A single uint8 mask with
    one value, not accumulated, is PyTorch's ``masked_fill_``, which refuses it."""
    _args.need_tensors("index_put", indices, "indices", None, 1)
    out = []
    for t in indices:
        arr = t._data
        if arr.dtype not in _INDEXING_DTYPES:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if arr.dtype == xp.uint8:
            if len(indices) == 1 and not accumulate and isinstance(values, Tensor) and values._data.size == 1:
                raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")
            if arr.ndim:
                _args.warn(BYTE_INDEX_WARNING)
            arr = arr.astype(bool)
        out.append(arr)
    return tuple(out)


def _check_index_put(input, idx, values):
    shape = input._data.shape
    n_dims = builtins.sum(a.ndim if a.dtype == xp.bool_ else 1 for a in idx)
    if n_dims > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)} (got {n_dims})")
    if values._data.dtype != input._data.dtype:
        raise RuntimeError("Index put requires the source and destination dtypes match, got "
                           f"{_tname(input)} for the destination and {_tname(values)} for the source.")
    pos = 0
    for a in idx:
        if a.dtype == xp.bool_:
            for j, size in enumerate(a.shape):  # (the first dimension that differs, the tensor's whole shape)
                if pos + j >= len(shape) or size != shape[pos + j]:
                    raise IndexError(f"The shape of the mask {_shp(a.shape)} at index {j} does not match the shape "
                                     f"of the indexed tensor {_shp(shape)} at index {pos + j}")
            pos += a.ndim
        else:
            _check_range(a.reshape(-1), shape[pos], pos, IndexError, negative=True)
            pos += 1
    try:
        target = xp.empty(shape, dtype=bool)[idx].shape if idx else shape
    except (IndexError, ValueError) as exc:
        raise IndexError(str(exc)) from None
    try:
        xp.broadcast_shapes(values._data.shape, target)
        if values._data.ndim > len(target):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {_shp(values._data.shape)} cannot be broadcast to "
                           f"indexing result of shape {_shp(target)}") from None


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``values`` written (or, with ``accumulate``, added) at ``input[indices]``.

    ``indices`` is a tuple of integer or boolean tensors, one per leading dimension, as in advanced indexing;
    with ``accumulate=True`` repeated positions add up. ``values`` broadcasts to the indexed shape.

    Example::

        >>> ember.index_put(ember.zeros(3), (ember.tensor([0, 0, 2]),), ember.tensor(1.), accumulate=True)
        tensor([2., 0., 1.])
    """
    if not isinstance(values, Tensor):  # the method's message (the functions' wrappers give theirs)
        _args.need_tensors("index_put", indices, "indices", None, 1)
        raise _args.tensor_error("index_put", "values", values, 2)
    idx = _index_tuple(indices, values, accumulate)
    if not idx:
        raise RuntimeError("index_put(): expected at least one index tensor")
    values = _as_tensor(values)
    _check_index_put(input, idx, values)
    return S.IndexPut.apply(input, values, index=idx, advanced=True, accumulate=_bool(accumulate))


def _bool(v):
    return builtins.bool(v)


def index_put_(input, indices, values, accumulate=False):
    """In-place :func:`index_put`."""
    return input.index_put_(indices, values, accumulate)


def put(input, index, source, accumulate=False):
    """A copy of ``input`` with ``source`` written at the flat (row-major) positions ``index``.

    ``index`` (LongTensor, any shape) and ``source`` have the same number of elements; negative indices count
    from the end; with ``accumulate=True`` repeated positions add up.

    Example::

        >>> ember.put(ember.zeros(2, 2), ember.tensor([0, -1]), ember.tensor([5., 6.]))
        tensor([[5., 0.],
                [0., 6.]])
    """
    if not isinstance(index, Tensor) or index._data.dtype != xp.int64:
        got = _tname(index) if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {got}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{_tname(input)} and source.dtype = {_tname(source)}")
    if source._data.size != index._data.size:
        raise IndexError("put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source._data.size}, index.numel() = {index._data.size}")
    n = input._data.size
    idx = index._data.reshape(-1)
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {bad[0]} on a tensor of {n} elements.")
    if not input._data.ndim:
        flat = input.reshape(-1)
        res = S.IndexPut.apply(flat, source.reshape(-1), index=(idx,), advanced=True, accumulate=_bool(accumulate))
        return res.reshape(input.shape)
    # (the flat positions as coordinates: one node, PyTorch's PutBackward0, on the input itself)
    coords = xp.unravel_index(xp.where(idx < 0, idx + n, idx), input._data.shape)
    res = S.IndexPut.apply(input, source.reshape(-1), index=tuple(coords), advanced=True,
                           accumulate=_bool(accumulate))
    node = res.grad_fn
    if node is not None:  # (PyTorch's name for the node: the same graph)
        from ember._ops import _node_class
        node.__class__ = _node_class(type(node), "PutBackward0")
        node.grad_name = "PutBackward0"
    return res


# ================================================================================ masked_scatter / *_scatter


def masked_scatter(input, mask, source):
    """A copy of ``input`` with the positions where ``mask`` is True filled, in row-major order, by the
    leading elements of ``source`` (which needs at least as many elements as ``mask`` has True values).

    ``mask`` (bool) broadcasts with ``input``.

    Example::

        >>> ember.masked_scatter(ember.zeros(2, 2), ember.tensor([[True, False], [True, True]]), ember.arange(4.))
        tensor([[0., 0.],
                [1., 2.]])
    """
    if not isinstance(mask, Tensor) or mask._data.dtype != xp.bool_:
        got = _tname(mask) if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {got}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got"
                           f"{_tname(input)} and {_tname(source)}")
    F._check_broadcast(mask, input)  # PyTorch's message names the mask as tensor a
    shape = xp.broadcast_shapes(input._data.shape, mask._data.shape)
    m = xp.broadcast_to(mask._data, shape)
    count = _int(m.sum())
    if count > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return I.MaskedScatter.apply(input, source, mask=m, count=count)


def _check_region(input, src, region):
    if tuple(src._data.shape) != tuple(region):
        raise RuntimeError("expected src to have a size equal to the slice of self. src size = "
                           f"{_shp(src._data.shape)}, slice size = {_shp(region)}")
    return src if src._data.dtype == input._data.dtype else F._cast(src, input._data.dtype)


def select_scatter(input, src, dim, index):
    """A copy of ``input`` with ``input.select(dim, index)`` replaced by ``src`` (of exactly that shape).

    Example::

        >>> ember.select_scatter(ember.zeros(2, 2), ember.ones(2), 0, 0)
        tensor([[1., 1.],
                [0., 0.]])
    """
    d = input._wrap_dim(dim)
    size = input._data.shape[d]
    if index < -size or index >= size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {_shp(input._data.shape)} at "
                         f"dimension {d}")
    key = (slice(None),) * d + (index % size,)
    src = _check_region(input, src, xp.empty(input._data.shape, dtype=bool)[key].shape)
    return I.SelectScatter.apply(input, src, index=key)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with ``input[..., start:end:step, ...]`` (along ``dim``) replaced by ``src``.

    Example::

        >>> ember.slice_scatter(ember.zeros(4), ember.ones(2), 0, 0, None, 2)
        tensor([1., 0., 1., 0.])
    """
    d = input._wrap_dim(dim)
    if step is None:
        step = 1
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    key = (slice(None),) * d + (slice(start, end, step),)
    src = _check_region(input, src, xp.empty(input._data.shape, dtype=bool)[key].shape)
    return I.SliceScatter.apply(input, src, index=key)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with its ``offset``-th diagonal in the plane (``dim1``, ``dim2``) replaced by ``src``.

    ``src`` has the shape of ``input.diagonal(offset, dim1, dim2)``.

    Example::

        >>> ember.diagonal_scatter(ember.zeros(2, 3), ember.ones(2), 1)
        tensor([[0., 1., 0.],
                [0., 0., 1.]])
    """
    d1, d2 = input._wrap_dim(dim1), input._wrap_dim(dim2)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    region = xp.diagonal(xp.empty(input._data.shape, dtype=bool), offset, d1, d2).shape
    src = _check_region(input, src, region)
    return I.DiagonalScatter.apply(input, src, offset=offset, dim1=d1, dim2=d2)


# ================================================================================================ as_strided


def _int_tuple(name, arg, value, pos):
    if isinstance(value, Tensor) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be tuple of ints, not "
                        f"{type(value).__name__}")
    return tuple(_int(s) for s in value)


def _strided_window(name, size, stride, storage_offset, pos, default_offset, numel, item):
    """``(size, stride, storage_offset)`` of a strided window on a storage of ``numel`` elements of ``item``
    bytes, checked as PyTorch's ``as_strided`` family does (``pos``: the position of ``size`` among ``name``'s
    arguments). ``storage_offset`` defaults to ``default_offset``; an empty window starts at 0."""
    size = _int_tuple(name, "size", size, pos)
    stride = _int_tuple(name, "stride", stride, pos + 1)
    if storage_offset is None:
        offset = default_offset
    elif isinstance(storage_offset, builtins.bool) or not isinstance(storage_offset, (numbers.Integral, Tensor)):
        raise TypeError(f"{name}(): argument 'storage_offset' (position {pos + 2}) must be int, not "
                        f"{type(storage_offset).__name__}")
    else:
        offset = _int(storage_offset)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if builtins.any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {_shp(stride)}")
    if builtins.any(s < 0 for s in size):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={_shp(size)} and strides={_shp(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    empty = builtins.any(s == 0 for s in size)
    need = 0 if empty else offset + builtins.sum((n - 1) * s for n, s in zip(size, stride)) + 1
    if need > numel:
        raise RuntimeError(f"setStorage: sizes {_shp(size)}, strides {_shp(stride)}, storage offset {offset}, and "
                           f"itemsize {item} requiring a storage size of {need * item} are out of bounds for storage "
                           f"of size {numel * item}")
    return size, stride, 0 if empty else offset


def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s storage (the memory ``input`` views) with the given ``size`` and ``stride``.

    Storage elements ``storage_offset + sum(i_k * stride[k])`` are addressed (``storage_offset`` defaults to
    ``input.storage_offset()``); the window must lie inside the storage. The gradient adds up where the view
    visits an element more than once.

    Example::

        >>> ember.as_strided(ember.arange(6.), (2, 2), (1, 2))
        tensor([[0., 2.],
                [1., 3.]])
    """
    if F._ops._hooks and input.is_meta:  # (no memory to bound the window: PyTorch checks nothing there)
        start = input.storage_offset()
        size, stride, _ = _strided_window("as_strided", size, stride, storage_offset, 2, start, float("inf"),
                                          input._data.itemsize)
        offset = start if storage_offset is None else _int(storage_offset)  # (kept for an empty window too)
        return I.AsStrided.apply(input, size=size, stride=stride, storage_offset=offset)  # (nothing to overlap)
    flat, start = I.storage_of(input._data)
    size, stride, offset = _strided_window("as_strided", size, stride, storage_offset, 2, start, flat.size,
                                           input._data.itemsize)
    return I.AsStrided.apply(input, size=size, stride=stride, storage_offset=offset,
                             overlapping=I.strided_overlap(size, stride, offset))


def _storage_offset(input):
    """Where ``input`` starts in its storage (the memory it is a view of), in elements.

    Example::

        >>> ember.arange(6.)[2:].storage_offset()
        2
    """
    return I.storage_of(input._data)[1]


# ================================================================================ splitting / stacking helpers


def _split_args(fn, dim, axis, **required):
    """``dim`` of a call of the split ``fn`` giving NumPy's ``axis``; PyTorch's TypeError for both spellings of
    ``dim`` or a missing ``required`` argument (the one before ``dim``)."""
    _args.required(fn, **required)
    return _args.dim_or_axis(fn, dim, axis, 0)


def split_with_sizes(input, split_sizes=_REQUIRED, dim=0, *, axis=_UNSET):
    """Split ``input`` along ``dim`` into pieces of the given sizes (which must add up to its size there).

    Example::

        >>> [t.shape for t in ember.split_with_sizes(ember.zeros(5, 2), [2, 3])]
        [ember.Size([2, 2]), ember.Size([3, 2])]
    """
    if split_sizes is _REQUIRED or axis is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim = _split_args("split_with_sizes", split_sizes=split_sizes, dim=dim, axis=axis)
    return F.split(input, [_int(s) for s in split_sizes], dim)


def _unsafe(parts, name):
    """The pieces as PyTorch's ``unsafe_*`` splits give them: sharing the input's memory but not views of it (own
    version counters, no ``_base``), so in-place ops on them are allowed; their node renamed ``name``."""
    node = parts[0].grad_fn if parts else None
    if node is not None:
        node.grad_name = name
    for p in parts:
        p._parent = p._view = None
        p._vc = [0]
    return parts


def unsafe_split(input, split_size=_REQUIRED, dim=0, *, axis=_UNSET):
    """:func:`ember.split` with an int ``split_size`` (PyTorch's variant that skips view checks)."""
    if split_size is _REQUIRED or axis is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim = _split_args("unsafe_split", split_size=split_size, dim=dim, axis=axis)
    return _unsafe(F.split(input, split_size, dim), "UnsafeSplitBackward0")


def unsafe_chunk(input, chunks=_REQUIRED, dim=0, *, axis=_UNSET):
    """:func:`ember.chunk` (PyTorch's variant that skips view checks)."""
    if chunks is _REQUIRED or axis is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim = _split_args("unsafe_chunk", chunks=chunks, dim=dim, axis=axis)
    return _unsafe(F.chunk(input, chunks, dim), "UnsafeSplitBackward0")


def unsafe_split_with_sizes(input, split_sizes=_REQUIRED, dim=0, *, axis=_UNSET):
    """:func:`split_with_sizes` (PyTorch's variant that skips view checks)."""
    if split_sizes is _REQUIRED or axis is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim = _split_args("unsafe_split_with_sizes", split_sizes=split_sizes, dim=dim, axis=axis)
    return _unsafe(split_with_sizes(input, split_sizes, dim), "UnsafeSplitWithSizesBackward0")


def _sections(indices_or_sections, sections, indices):
    """The split argument, given positionally or as PyTorch's ``sections=`` / ``indices=`` keyword."""
    return sections if sections is not None else indices if indices is not None else indices_or_sections


def _directional_split(name, input, sections, dim, min_dims):
    if input._data.ndim < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor with "
                           f"{input._data.ndim} dimensions!")
    if isinstance(sections, _int):
        n = input._data.shape[dim]
        if sections == 0 or n % sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                               f"{n} is not divisible by the split_size {sections}!")
    else:
        sections = [_int(s) for s in sections]
    return F.tensor_split(input, sections, dim)


def hsplit(input, indices_or_sections=None, *, sections=None, indices=None):
    """Split column-wise: along dimension 1 (dimension 0 for a 1-D tensor) into equal sections or at indices.

    Example::

        >>> [t.shape for t in ember.hsplit(ember.zeros(2, 6), 3)]
        [ember.Size([2, 2]), ember.Size([2, 2]), ember.Size([2, 2])]
    """
    dim = 1 if input._data.ndim > 1 else 0
    return _directional_split("hsplit", input, _sections(indices_or_sections, sections, indices), dim, 1)


def vsplit(input, indices_or_sections=None, *, sections=None, indices=None):
    """Split row-wise: along dimension 0 of a tensor with at least 2 dimensions.

    Example::

        >>> [t.shape for t in ember.vsplit(ember.zeros(4, 2), [1])]
        [ember.Size([1, 2]), ember.Size([3, 2])]
    """
    return _directional_split("vsplit", input, _sections(indices_or_sections, sections, indices), 0, 2)


def dsplit(input, indices_or_sections=None, *, sections=None, indices=None):
    """Split depth-wise: along dimension 2 of a tensor with at least 3 dimensions.

    Example::

        >>> [t.shape for t in ember.dsplit(ember.zeros(1, 2, 4), 2)]
        [ember.Size([1, 2, 2]), ember.Size([1, 2, 2])]
    """
    return _directional_split("dsplit", input, _sections(indices_or_sections, sections, indices), 2, 3)


def _atleast(n, tensors, name):
    seq = len(tensors) != 1 or isinstance(tensors[0], (list, tuple))
    items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    if not seq and not isinstance(items[0], Tensor):  # neither signature (Tensor input, tuple of Tensors) fits
        raise _args.combination_error(name, tensors, {}, ["(Tensor input)", "(tuple of Tensors tensors)"])
    _args.need_tensors(None, items)
    out = []
    for t in items:
        k = t._data.ndim
        if k >= n:
            out.append(t)
        elif n == 1 or k == 0:
            out.append(t.reshape((1,) * n))
        elif n == 2:
            out.append(t.unsqueeze(0))
        else:  # n == 3, k in (1, 2)
            out.append(t.reshape(1, -1, 1) if k == 1 else t.unsqueeze(-1))
    return tuple(out) if seq else out[0]


def atleast_1d(*tensors):
    """Each tensor viewed with at least one dimension (a scalar becomes shape (1,)).

    One tensor gives a tensor; several (or a list/tuple) give a tuple.

    Example::

        >>> ember.atleast_1d(ember.tensor(1.))
        tensor([1.])
    """
    return _atleast(1, tensors, "atleast_1d")


def atleast_2d(*tensors):
    """Each tensor viewed with at least two dimensions (a vector of size n becomes (1, n)).

    Example::

        >>> ember.atleast_2d(ember.tensor([1., 2.])).shape
        ember.Size([1, 2])
    """
    return _atleast(2, tensors, "atleast_2d")


def atleast_3d(*tensors):
    """Each tensor viewed with at least three dimensions: () -> (1, 1, 1), (n,) -> (1, n, 1), (a, b) -> (a, b, 1).

    Example::

        >>> ember.atleast_3d(ember.ones(2, 3)).shape
        ember.Size([2, 3, 1])
    """
    return _atleast(3, tensors, "atleast_3d")


def row_stack(tensors, *, out=None):
    """:func:`ember.vstack` (stack row-wise, 1-D tensors become rows)."""
    return F._vstack(tensors, "row_stack", out)


def diagflat(input, offset=0):
    """A 2-D tensor with the flattened ``input`` on its ``offset``-th diagonal.

    Example::

        >>> ember.diagflat(ember.tensor([[1, 2]]))
        tensor([[1, 0],
                [0, 2]])
    """
    return F.diag(input.reshape(-1), offset)


def combinations(input, r=2, with_replacement=False):
    """All length-``r`` combinations of the elements of the 1-D ``input``, in lexicographic order of positions.

    Returns shape ``(count, r)`` (``(0,)`` for ``r == 0``), like ``itertools.combinations`` (or
    ``combinations_with_replacement``). Differentiable.

    Example::

        >>> ember.combinations(ember.tensor([1, 2, 3]))
        tensor([[1, 2],
                [1, 3],
                [2, 3]])
    """
    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {_shp(input._data.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return wrap(xp.zeros(0, dtype=input._data.dtype))
    n = input._data.shape[0]
    grid = xp.indices((n,) * r).reshape(r, -1)
    keep = xp.ones(grid.shape[1], dtype=bool)
    for k in range(r - 1):
        keep &= (grid[k] <= grid[k + 1]) if with_replacement else (grid[k] < grid[k + 1])
    idx = grid[:, keep].T
    return S.Index.apply(input, index=(idx,), advanced=True, grad_name="IndexBackward0")


def unravel_index(indices, shape):
    """The coordinates in ``shape`` of flat (row-major) ``indices``, as a tuple of int64 tensors.

    Example::

        >>> ember.unravel_index(ember.tensor([4, 1]), (2, 3))
        (tensor([1, 0]), tensor([1, 1]))
    """
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index(): argument 'indices' must be Tensor, not {type(indices).__name__}")
    if indices._data.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, _int) else tuple(_int(s) for s in shape)
    if builtins.any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    rest = indices._data.astype(xp.int64)
    coords = []
    for s in reversed(shape):
        if s == 0:
            coords.append(xp.zeros_like(rest))
            continue
        coords.append(rest % s)
        rest = rest // s
    return tuple(wrap(c) for c in reversed(coords))


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the 1-D ``x``: columns ``x**(N-1), ..., x**0`` (reversed with ``increasing``).

    Integer and bool inputs give int64. Differentiable.

    Example::

        >>> ember.vander(ember.tensor([1, 2, 3]), N=3)
        tensor([[1, 1, 1],
                [4, 2, 1],
                [9, 3, 1]])
    """
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0] if N is None else _int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if x._data.dtype.kind in "biu":
        x = F._cast(x, xp.dtype(xp.int64))
    ones = wrap(xp.ones((x._data.shape[0], builtins.min(n, 1)), dtype=x._data.dtype))
    if n <= 1:
        res = ones
    else:
        powers = F.cumprod(x.unsqueeze(1).expand(x._data.shape[0], n - 1), 1)
        res = F.cat([ones, powers], 1)
    return res if increasing else F.flip(res, (1,))


# ================================================================================================ statistics

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    if F._ops._hooks:  # CPU autocast: PyTorch's float32 list
        input, = F._ops.autocast_fp32_args(input)
    if input._data.dtype.kind != "f" or input._data.dtype.itemsize == 2:  # (half and bfloat16 refused too)
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if not isinstance(q, (Tensor, numbers.Real)) or (dim is not None and type(dim) is not int
                                                     and not F._dim_is_int(dim)):
        raise _quantile_call_error("nanquantile" if ignore_nan else "quantile", q, dim, keepdim, interpolation)
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._data.dtype != input._data.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qs = q._data
        if qs.size and not builtins.bool(((qs >= 0) & (qs <= 1)).all()):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    else:
        if not 0 <= q <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        qs = xp.asarray(q, dtype=input._data.dtype)
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if input._data.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    ndim = input._data.ndim
    # x: the values to rank along its last dimension, its leading dimensions the result's shape (with, for a
    # tensor q, a size-1 dimension before the last); the result ends in a squeeze_, as PyTorch's
    if dim is None:
        x = input.reshape(((1,) * ndim if keepdim else ()) + (-1,))
    else:
        d = input._wrap_dim(dim)
        x = F.movedim(input, d, -1) if ndim else input.reshape(1)
        if ndim and keepdim:
            x = x.unsqueeze(d)
    if qs.ndim:
        x = x.unsqueeze(-2)
    ordered = F.sort(x, -1).values  # NaN sorts last; differentiable (a gather)
    n = x._data.shape[-1]
    dt = x._data.dtype
    nan = xp.isnan(x._data)
    qv = qs.reshape(-1).astype(dt, copy=False)  # (Q,)
    if ignore_nan:
        valid = (n - nan.sum(-1, keepdims=True)).astype(dt)  # (..., 1)
        ranks = qv * (valid - 1)
        ranks = xp.where(valid == 0, dt.type(0), ranks)  # an all-NaN row: its first (NaN) element
    else:
        ranks = xp.broadcast_to(qv * dt.type(n - 1), nan.shape[:-1] + (qv.size,))
        ranks = xp.where(nan.any(-1, keepdims=True), dt.type(n - 1), ranks)  # a row with NaN gives NaN
    if interpolation == "lower":
        lo = hi = xp.floor(ranks)
    elif interpolation == "higher":
        lo = hi = xp.ceil(ranks)
    elif interpolation == "nearest":
        lo = hi = xp.round(ranks)  # half to even, as PyTorch
    else:
        lo, hi = xp.floor(ranks), xp.ceil(ranks)
    lo_v = F.gather(ordered, -1, wrap(lo.astype(xp.int64)))
    if hi is lo:
        res = lo_v
    else:
        hi_v = F.gather(ordered, -1, wrap(hi.astype(xp.int64)))
        weight = ranks - lo if interpolation == "linear" else xp.full(ranks.shape, 0.5, dtype=dt)
        res = F.lerp(lo_v, hi_v, wrap(weight.astype(dt, copy=False)))
    # res: (*out_shape, 1) for a scalar q, else (*out_shape, 1, Q) -> (Q, *out_shape, 1)
    return (F.movedim(res, -1, 0) if qs.ndim else res).squeeze_(-1)


def _quantile_call_error(fn, q, dim, keepdim, interpolation):
    """PyTorch's TypeError for (nan)quantile given a ``q`` that is no number or tensor, or a ``dim`` that is no int:
    the method's form (``q``, ``dim`` and ``keepdim`` taken as given by position), carrying the function's (from
    the call) for the function's wrapper."""
    lines = [f'({t} q, int dim = None, bool keepdim = False, *, str interpolation = "linear")'
             for t in ("Tensor", "float")]
    args = (q,) if dim is None and keepdim is False else (q, dim) if keepdim is False else (q, dim, keepdim)
    given = {"interpolation": interpolation} if interpolation != "linear" else {}
    err = _args.combination_error(fn, args, given, lines)
    flines = [line[:1] + "Tensor input, " + line[1:-1] + ", Tensor out = None)" for line in lines]
    err.function_form = lambda args, kwargs: _args.combination_error(fn, args, kwargs, flines)
    return err


def _quantile_args(fn, q, dim, keepdim, axis, keepdims, interpolation):
    """``(dim, keepdim)`` of a (nan)quantile call giving NumPy's names; PyTorch's TypeError for both spellings of
    one, or for a method call without ``q`` (fitting neither of its signatures)."""
    if q is _REQUIRED:
        given = {"interpolation": interpolation} if interpolation != "linear" else {}
        given.update((k, v) for k, v in (("keepdims", keepdims), ("axis", axis), ("keepdim", keepdim or _UNSET),
                                         ("dim", _UNSET if dim is None else dim)) if v is not _UNSET)
        raise _args.missing_combination(fn, (), given, [f'({t} q, int dim = None, bool keepdim = False, *, str '
                                                        'interpolation = "linear")' for t in ("Tensor", "float")])
    return _args.numpy_dims(fn, dim, keepdim, axis, keepdims)


def quantile(input, q=_REQUIRED, dim=None, keepdim=False, *, interpolation="linear", out=None, axis=_UNSET,
             keepdims=_UNSET):
    """The ``q``-th quantiles of ``input`` (flattened when ``dim`` is None), differentiable.

    Args:
        input: float32/float64 tensor.
        q (float or Tensor): in [0, 1]; a 1-D tensor adds a leading dimension of ``len(q)`` to the result.
        dim (int, optional): dimension to reduce; keepdim keeps it with size 1.
        interpolation: ``linear``, ``lower``, ``higher``, ``midpoint`` or ``nearest`` (between the two
            sorted values around the rank ``q * (n - 1)``). A row with NaN gives NaN.

    Example::

        >>> ember.quantile(ember.tensor([1., 2., 3., 4.]), ember.tensor([0.25, 0.5]))
        tensor([1.7500, 2.5000])
    """
    if q is _REQUIRED or axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _quantile_args("quantile", q, dim, keepdim, axis, keepdims, interpolation)
    return F._out(_quantile("quantile", input, q, dim, keepdim, interpolation, False), out)


def nanquantile(input, q=_REQUIRED, dim=None, keepdim=False, *, interpolation="linear", out=None, axis=_UNSET,
                keepdims=_UNSET):
    """:func:`quantile` ignoring NaN values (a row of only NaN gives NaN).

    Example::

        >>> ember.nanquantile(ember.tensor([1., float("nan"), 3.]), 0.5)
        tensor(2.)
    """
    if q is _REQUIRED or axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _quantile_args("nanquantile", q, dim, keepdim, axis, keepdims, interpolation)
    return F._out(_quantile("quantile", input, q, dim, keepdim, interpolation, True), out)  # PyTorch's wording


def nanmedian(input, dim=None, keepdim=False, *, axis=_UNSET, keepdims=_UNSET):
    """The lower median ignoring NaN; with ``dim`` a ``(values, indices)`` named tuple.

    A row of only NaN gives NaN (index 0 of that row). Differentiable: the gradient goes to the median element.

    Example::

        >>> ember.nanmedian(ember.tensor([[1., float("nan"), 3., 4.], [2., 1., 0., 5.]]), 1)
        ember.return_types.nanmedian(
        values=tensor([3., 1.]),
        indices=tensor([2, 1]))
    """
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("nanmedian", dim, keepdim, axis, keepdims)
    if dim is None:
        F._no_complex(input, NotImplementedError, "\"median_cpu\" not implemented for '{}'")
        x = input.reshape(-1)
        if x._data.size == 0:
            value = xp.asarray(xp.nan, dtype=x._data.dtype if x._data.dtype.kind in "fV" else xp.float32)
        else:
            value = _lower_median(x.detach(), 0)[0]._data.reshape(())
        return I.NanMedianAll.apply(x, value=value)
    ndim = input._data.ndim
    d = input._wrap_dim(dim)
    if ndim and input._data.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    F._no_complex(input, NotImplementedError, "\"median_out\" not implemented for '{}'")
    if not ndim:
        return F._named("nanmedian")(*R.PickDim.apply(input, dim=0, grad_name="NanmedianBackward1"))
    idx = _lower_median_index(input._data, d)
    return F._named("nanmedian")(*R.PickDim.apply(input, dim=d, keepdim=keepdim, idx=idx,
                                                  grad_name="NanmedianBackward1"))


def _all_nan_median_index(n):
    """The index PyTorch's CPU ``nanmedian`` reports for a row of ``n`` NaNs: where C++ ``std::nth_element``
    (introselect) leaves element 0 when every comparison is false. Each round swaps the middle element to the
    front and reverses the rest, and keeps the first half; here the position is traced back through them."""
    rounds, last = [], n
    while last > 3:
        rounds.append((last // 2, last))
        last = 1 + (last - 1) // 2
    pos = 0
    for mid, last in reversed(rounds):
        if 1 <= pos < last:
            pos = last - pos
        pos = mid if pos == 0 else 0 if pos == mid else pos
    return pos


def _lower_median(x, d):
    """Values and indices (kept dimension ``d``) of the lower median along ``d``, NaN sorted last and skipped."""
    idx = _lower_median_index(x._data, d)
    return F.gather(x, d, wrap(idx)), wrap(idx)


def _lower_median_index(data, d):
    """:func:`_lower_median`'s indices, of an array."""
    # (ml_dtypes' bfloat16 sorts NaN anywhere: its values in float32, exactly)
    order = xp.argsort(data if data.dtype.kind != "V" else data.astype(xp.float32), axis=d, kind="stable")
    valid = data.shape[d] - (xp.isnan(data).sum(d, keepdims=True) if data.dtype.kind in "fV" else 0)
    k = xp.maximum(valid - 1, 0) // 2
    k = xp.broadcast_to(k, data.shape[:d] + (1,) + data.shape[d + 1:])
    idx = xp.take_along_axis(order, k, axis=d).astype(xp.int64)
    if data.dtype.kind in "fV" and data.shape[d] > 3 and (valid == 0).any():
        idx = xp.where(valid == 0, _all_nan_median_index(data.shape[d]), idx)
    if data.size == 0:
        idx = idx.reshape(data.shape[:d] + (1,) + data.shape[d + 1:])
    return idx


def _insertion_sorted(rows):
    """``(order, values)`` of each row as PyTorch's CPU ``mode`` sorts it (C++ ``std::sort`` by value, which for
    up to 16 elements is an insertion sort). A NaN compares false both ways, so it stays where it is and stops
    the elements behind it, unless they are smaller than the row's first element (those jump to the front):
    the NaN runs and the winner follow from that order, not from a sorted one."""
    r, n = rows.shape
    vals, order = rows.copy(), xp.broadcast_to(xp.arange(n), rows.shape).copy()
    for i in range(1, n):  # a loop over positions (at most 15), vectorised over the rows
        v = vals[:, i]
        front = v < vals[:, 0]
        stop = ~(v[:, None] < vals[:, :i])  # the insertion stops after the last element v is not smaller than
        j = xp.where(front, 0, i - xp.argmax(stop[:, ::-1], axis=1))
        p = xp.arange(i + 1)
        src = xp.where(p < j[:, None], p, p - 1)
        src[p == j[:, None]] = i
        vals[:, :i + 1] = xp.take_along_axis(vals, src, axis=1)
        order[:, :i + 1] = xp.take_along_axis(order, src, axis=1)
    return order, vals


def _introsorted(rows):
    """``(order, values)`` of each row of ``rows`` (longer than 16) as PyTorch's CPU ``mode`` sorts it: C++
    ``std::sort`` (libstdc++'s introsort) of (value, index) pairs by value. Median-of-three partitions split the
    rows into pieces of at most 16 (all pieces of a level at once, across rows), which reorders equal values;
    an insertion sort then finishes, a stable sort where there is no NaN. A NaN compares false both ways: the
    first 16 elements are insertion sorted as :func:`_insertion_sorted` does, and no later element moves past
    a NaN. (libstdc++ heap-sorts a piece still longer than 16 after ``2 log2(n)`` levels, which only adversarial
    orders reach; such a piece is sorted stably here.)"""
    a = rows.astype(xp.float32) if rows.dtype.kind == "V" else rows.copy()
    r, n = a.shape
    order = xp.broadcast_to(xp.arange(n), (r, n)).copy()
    both = (a, order)
    seg, first, last = xp.arange(r), xp.zeros(r, dtype=xp.int64), xp.full(r, n, dtype=xp.int64)
    depth = 2 * (n.bit_length() - 1)
    while True:
        big = last - first > 16
        seg, first, last = seg[big], first[big], last[big]
        if not seg.size:
            break
        if depth == 0:
            for row, f, e in zip(seg.tolist(), first.tolist(), last.tolist()):
                o = xp.argsort(a[row, f:e], kind="stable")
                a[row, f:e], order[row, f:e] = a[row, f:e][o], order[row, f:e][o]
            break
        depth -= 1
        mid = first + (last - first) // 2
        va, vb, vc = a[seg, first + 1], a[seg, mid], a[seg, last - 1]
        ab, bc, ac = va < vb, vb < vc, va < vc
        median = xp.where(ab, xp.where(bc, mid, xp.where(ac, last - 1, first + 1)),
                          xp.where(ac, first + 1, xp.where(bc, last - 1, mid)))
        R.swap_columns(both, seg, first, median)  # the pivot, at the front of its piece
        ids, pos = R.segment_windows(first + 1, last)
        win, piv = a[seg[ids], pos], a[seg, first][ids]
        scan = R.HoarePass(ids, pos, ~(win < piv), ~(piv < win), seg.size, n)
        ss, left, right = scan.swaps()
        R.swap_columns(both, seg[ss], left, right)
        cut = xp.minimum(scan.a(scan.m, n), scan.b(scan.m - 1, n))
        seg, first, last = (xp.concatenate(v) for v in ((seg, seg), (cut, first), (last, cut)))
    nan = xp.isnan(a) if a.dtype.kind == "f" else xp.zeros(a.shape, dtype=bool)
    has_nan = nan.any(axis=1)
    if has_nan.any():
        o16, v16 = _insertion_sorted(a[has_nan, :16])
        a[has_nan, :16] = v16
        order[has_nan, :16] = xp.take_along_axis(order[has_nan, :16], o16, axis=1)
        nan = xp.isnan(a)
    pos = xp.arange(n)
    start = xp.max(xp.where(nan & (pos < 16), pos, -1), axis=1, keepdims=True) + 1  # after the front's last NaN
    block = xp.where(pos < start, pos - n, xp.cumsum(nan & (pos >= start), axis=1))  # a NaN opens a block
    key = xp.where(nan, -xp.inf, a) if a.dtype.kind == "f" else a
    o = xp.lexsort((key, block), axis=1)  # stable: within a block, ties (and a NaN first) keep their places
    order = xp.take_along_axis(order, o, axis=1)
    return order, xp.take_along_axis(rows, order, axis=1)


def _introselected(rows, p, at):
    """The original column of the element C++ ``std::sort`` (libstdc++'s introsort, as PyTorch's CPU ``mode``
    runs it on (value, index) pairs of rows longer than 16 without NaN) leaves at position ``p`` of each row,
    where ``p`` ends the run of equal values that holds column ``at`` in sorted order.

    Only the piece holding ``p`` matters: its median-of-three partitions are replayed on that piece alone, for
    all rows at once (about ``2 n`` elements per row in all, not ``n log n``), until it is at most 16 long. The
    final insertion sort is then a stable sort inside each piece (no element passes an equal one, nor a piece's
    end), so ``p`` holds the piece's last element equal to column ``at``'s. (libstdc++ heap-sorts a piece still
    longer than 16 after ``2 log2(n)`` levels, which only adversarial orders reach; it is taken as sorted
    stably here.)

    Each level works on a ``(rows, width)`` window holding every live row's piece (cut again from the last one
    as the pieces shrink). The elements where the upward scan stops (not below the pivot) and the downward one
    (not above it) are listed in order; the t-th from the left is swapped with the t-th from the right while it
    lies left of it, and where the upward scan then stops is the cut."""
    keys = R._order_keys(rows)
    r, n = keys.shape
    vals, shift = R._pack_keys(keys)
    if vals is None:  # keys and columns side by side
        arrays = (keys.copy() if keys is rows else keys, xp.broadcast_to(xp.arange(n), (r, n)).copy())
    else:  # one array: a key above its column
        arrays = (vals,)
    mask = (1 << shift) - 1 if shift else 0
    target = arrays[0][xp.arange(r), at]
    target = target >> shift if mask else target
    out = xp.empty(r, dtype=xp.int64)
    ids, src = xp.arange(r), xp.arange(r)
    f, e, q = xp.zeros(r, dtype=xp.int64), xp.full(r, n, dtype=xp.int64), p
    depth = 2 * (n.bit_length() - 1)
    while True:
        done = e - f <= 16 if depth else xp.ones(ids.size, dtype=bool)
        if done.any():  # the piece's last element equal to the target
            v = arrays[0][src[done]]
            col = xp.arange(v.shape[1])
            hit = ((v >> shift if mask else v) == target[done, None]) & (col >= f[done, None]) & (col < e[done, None])
            c = v.shape[1] - 1 - xp.argmax(hit[:, ::-1], axis=1)
            c = arrays[-1][src[done], c]
            out[ids[done]] = c & mask if mask else c
            live = ~done
            if not live.any():
                return out
            ids, src, f, e, q, target = ids[live], src[live], f[live], e[live], q[live], target[live]
        depth -= 1
        w = int((e - f).max())
        width = arrays[0].shape[1]
        if w < width or src.size < arrays[0].shape[0]:  # each row's piece cut out of the last window
            start = xp.minimum(f, width - w)
            arrays = tuple(xp.lib.stride_tricks.sliding_window_view(a, w, axis=1)[src, start] for a in arrays)
            f, e, q = f - start, e - start, q - start
            src = xp.arange(src.size)
        vals, rr = arrays[0], src
        mid = f + (e - f) // 2
        va, vb, vc = (vals[rr, c] >> shift if mask else vals[rr, c] for c in (f + 1, mid, e - 1))
        ab, bc, ac = va < vb, vb < vc, va < vc
        median = xp.where(ab, xp.where(bc, mid, xp.where(ac, e - 1, f + 1)),
                          xp.where(ac, f + 1, xp.where(bc, e - 1, mid)))
        R.swap_columns(arrays, rr, f, median)  # the pivot, at the front of its piece
        piv = vals[rr, f]
        below, above = (piv & ~mask, piv | mask) if mask else (piv, piv)
        # the stops of both scans as flat indices in order, and each row's run of them in [f + 1, e)
        fu = xp.flatnonzero(vals >= below[:, None])
        fd = xp.flatnonzero(vals <= above[:, None])
        base = rr * w
        u0, u1 = xp.searchsorted(fu, base + f + 1), xp.searchsorted(fu, base + e)
        d0, d1 = xp.searchsorted(fd, base + f + 1), xp.searchsorted(fd, base + e)
        nu, nd = u1 - u0, d1 - d0
        # pairs swapped: the t-th stop from the left lies left of the t-th from the right (true for t < m),
        # by bisection per row
        top = xp.minimum(nu, nd)
        m = xp.zeros_like(top)
        step = 1 << (int(top.max()).bit_length() - 1)
        while step:
            c = xp.minimum(m + step, top)
            m = xp.where(fu[u0 + c - 1] < fd[d1 - c], c, m)
            step >>= 1
        if m.any():
            has = m > 0
            fl, fr = fu[R._runs(u0[has], m[has], 1)], fd[R._runs(d1[has] - 1, m[has], -1)]
            for arr in arrays:
                flat = arr.reshape(-1)
                tmp = flat[fl]
                flat[fl] = flat[fr]
                flat[fr] = tmp
        # the upward scan stops at its m-th stop, or where the last swap put an element not below the pivot
        up = xp.where(m < nu, fu[xp.clip(u0 + m, 0, fu.size - 1)] - base, w)
        last = xp.where(m > 0, fd[xp.clip(d1 - m, 0, fd.size - 1)] - base, w)
        cut = xp.minimum(up, last)
        right = q >= cut  # the half holding p goes on
        f, e = xp.where(right, cut, f), xp.where(right, e, cut)


# topk: PyTorch's CPU kernel selects on (value, index) pairs with C++'s standard library (libstdc++), comparing
# values only (NaN largest): std::partial_sort (a heap select, then a heap sort) where k * 64 <= n, otherwise
# std::nth_element (introselect), then std::sort of the first k - 1 when sorted. Which of equal values land where
# is those algorithms' doing; they are replayed below on integer keys ordered as the comparison orders the values
# (ascending: ``largest`` flips the keys), all rows at once, on (rows, n) arrays of keys ``K`` and columns ``C``.


def _sift(kf, cf, base, hole, size, vk, vc):
    """libstdc++'s ``__adjust_heap`` (then ``__push_heap``) for several heaps at once: heap ``s`` lies at the flat
    indices ``base[s] + [0, size[s])`` of ``kf`` / ``cf`` (keys / columns, a max-heap of keys); the hole at
    ``hole[s]`` moves down to a leaf along the larger children, and the value ``(vk[s], vc[s])`` moves up from
    there as far as ``hole[s]``. (Items of one heap must lie in disjoint subtrees.)"""
    top, hole, child = hole, hole.copy(), hole.copy()
    inner = (size - 1) // 2
    while True:
        i = xp.flatnonzero(child < inner)
        if not i.size:
            break
        b = base[i]
        c = 2 * (child[i] + 1)
        c -= kf[b + c] < kf[b + c - 1]  # the left child where the right one is smaller
        kf[b + hole[i]], cf[b + hole[i]] = kf[b + c], cf[b + c]
        hole[i] = child[i] = c
    i = xp.flatnonzero(((size & 1) == 0) & (child == (size - 2) // 2))  # a last parent with one child
    if i.size:
        b, c = base[i], 2 * child[i] + 1
        kf[b + hole[i]], cf[b + hole[i]] = kf[b + c], cf[b + c]
        hole[i] = c
    i = xp.arange(base.size)
    while i.size:  # up again while the parent is smaller than the value
        b, h = base[i], hole[i]
        p = xp.maximum(h - 1, 0) // 2
        up = (h > top[i]) & (kf[b + p] < vk[i])
        i, b, h, p = i[up], b[up], h[up], p[up]
        kf[b + h], cf[b + h] = kf[b + p], cf[b + p]
        hole[i] = p
    kf[base + hole], cf[base + hole] = vk, vc


def _make_heaps(kf, cf, base, size):
    """libstdc++'s ``__make_heap`` on each heap (as :func:`_sift`): its parents are sifted last to first, which
    for the parents of one tree level (disjoint subtrees) is all of them at once, a level at a time."""
    last = (size - 2) // 2
    ok = size >= 2
    if not ok.any():
        return
    for lev in range(int(last[ok].max() + 1).bit_length() - 1, -1, -1):
        lo = (1 << lev) - 1
        count = xp.where(ok, xp.minimum(last, 2 * lo) - lo + 1, 0)
        has = count > 0
        if not has.any():
            continue
        it = xp.repeat(xp.flatnonzero(has), count[has])
        hole = R._runs(xp.full(int(has.sum()), lo, dtype=xp.int64), count[has], 1)
        b = base[it]
        _sift(kf, cf, b, hole, size[it], kf[b + hole], cf[b + hole])


def _heap_select(kf, cf, base, size, stop):
    """libstdc++'s ``__heap_select``: each heap's top swapped out for every later element (flat indices
    ``base + [size, stop)``) smaller than it, in order. Only those elements matter: each step finds every heap's
    next one in a chunk of the elements ahead (or passes over the chunk; the chunks grow while none is found)."""
    _make_heaps(kf, cf, base, size)
    pos = size.copy()
    i = xp.flatnonzero(pos < stop)
    if not i.size:
        return
    chunk = int(min(256, (stop - pos)[i].max()))
    while i.size:
        b, p, s = base[i], pos[i], stop[i]
        at = p[:, None] + xp.arange(chunk)
        win = kf[b[:, None] + xp.minimum(at, s[:, None] - 1)]
        hit = (win < kf[b][:, None]) & (at < s[:, None])
        has = hit.any(axis=1)
        j = p + xp.argmax(hit, axis=1)
        pos[i] = xp.where(has, j + 1, p + chunk)
        if not has.any():
            chunk = min(2 * chunk, max(256, (1 << 20) // i.size))
        else:
            chunk = max(min(256, chunk), chunk // 2)
            b, j = b[has], b[has] + j[has]
            vk, vc = kf[j], cf[j]
            kf[j], cf[j] = kf[b], cf[b]
            _sift(kf, cf, b, xp.zeros(b.size, dtype=xp.int64), size[i[has]], vk, vc)
        i = i[pos[i] < s]


def _sort_heaps(kf, cf, base, size):
    """libstdc++'s ``__sort_heap``: each heap's top swapped to its end, the heap shortened and sifted again."""
    size = size.copy()
    i = xp.flatnonzero(size > 1)
    while i.size:
        size[i] -= 1
        b, last = base[i], base[i] + size[i]
        vk, vc = kf[last], cf[last]
        kf[last], cf[last] = kf[b], cf[b]
        _sift(kf, cf, b, xp.zeros(i.size, dtype=xp.int64), size[i], vk, vc)
        i = i[size[i] > 1]


def _partition(K, C, row, f, e, D=None):
    """libstdc++'s ``__unguarded_partition_pivot`` on the ranges ``[f, e)`` of the rows ``row`` (several ranges
    per row may be given, disjoint): the median of ``f + 1``, the middle and ``e - 1`` swapped to ``f``, then a
    Hoare partition of ``[f + 1, e)`` around it. Returns the cuts. (``D``: an array moved along.)"""
    n = K.shape[1]
    kf, b = K.reshape(-1), row * n
    mid = f + (e - f) // 2
    va, vb, vc = kf[b + f + 1], kf[b + mid], kf[b + e - 1]
    ab, bc, ac = va < vb, vb < vc, va < vc
    median = xp.where(ab, xp.where(bc, mid, xp.where(ac, e - 1, f + 1)),
                      xp.where(ac, f + 1, xp.where(bc, e - 1, mid)))
    arrays = (K, C) if D is None else (K, C, D)
    R.swap_columns(arrays, row, f, median)
    ids, pos = R.segment_windows(f + 1, e)
    win, piv = kf[b[ids] + pos], kf[b + f][ids]
    scan = R.HoarePass(ids, pos, win >= piv, win <= piv, row.size, n)
    ss, left, right = scan.swaps()
    R.swap_columns(arrays, row[ss], left, right)
    return xp.minimum(scan.a(scan.m, n), scan.b(scan.m - 1, n))


def _introselect(K, C, nth):
    """libstdc++'s ``std::nth_element`` (``__introselect``) at column ``nth`` of every row: partitions of the
    range holding ``nth`` down to 3 elements, then an insertion sort (stable: an element passes only larger
    ones); a range still longer after ``2 log2(n)`` partitions gets a heap select of ``[first, nth]`` and the
    swap of ``first`` with ``nth``."""
    r, n = K.shape
    row = xp.arange(r)
    f, e = xp.zeros(r, dtype=xp.int64), xp.full(r, n, dtype=xp.int64)
    depth = 2 * (n.bit_length() - 1)
    while True:
        big = xp.flatnonzero(e - f > 3)
        if not big.size:
            break
        if depth == 0:
            rb, fb = row[big], f[big]
            base = rb * n + fb
            _heap_select(K.reshape(-1), C.reshape(-1), base, nth + 1 - fb, e[big] - fb)
            R.swap_columns((K, C), rb, fb, xp.full(rb.size, nth, dtype=xp.int64))
            e[big] = f[big]  # done: no insertion sort
            break
        depth -= 1
        cut = _partition(K, C, row[big], f[big], e[big])
        right = cut <= nth
        f[big], e[big] = xp.where(right, cut, f[big]), xp.where(right, e[big], cut)
    at = f[:, None] + xp.arange(3)
    out = at >= e[:, None]
    at = xp.minimum(at, n - 1)
    keys = xp.take_along_axis(K, at, axis=1)
    o = xp.take_along_axis(at, xp.lexsort((keys, out), axis=1), axis=1)
    inside = ~out
    rr = xp.broadcast_to(row[:, None], at.shape)[inside]
    at, o = at[inside], o[inside]
    K[rr, at], C[rr, at] = K[rr, o], C[rr, o]


def _introsort(K, C, m):
    """libstdc++'s ``std::sort`` of the first ``m`` columns of every row: median-of-three partitions (all the
    pieces of a level at once) down to pieces of 16, a heap sort for a piece still longer after ``2 log2(m)``
    levels, then an insertion sort of the whole, which (pieces ordered, an element passing only larger ones) is
    a stable sort. So only the order of equal keys within one piece is the partitions' doing: a piece holding
    at most one key that occurs more than once in its row's part is left as it is."""
    r, n = K.shape
    if m < 2:
        return
    o = xp.argsort(K[:, :m], axis=1)
    s = xp.take_along_axis(K[:, :m], o, axis=1)
    dup = xp.zeros((r, m + 1), dtype=bool)  # the sorted keys equal to a neighbour
    dup[:, 1:m] = s[:, 1:] == s[:, :-1]
    dup[:, :m] |= dup[:, 1:]
    # each row's keys that occur more than once, marked where they lie (moved along by the partitions)
    D = xp.zeros((r, n), dtype=bool)
    xp.put_along_axis(D, o, dup[:, :m], axis=1)
    row, f, e = xp.arange(r), xp.zeros(r, dtype=xp.int64), xp.full(r, m, dtype=xp.int64)
    depth = 2 * (m.bit_length() - 1)
    while True:
        cs = xp.concatenate((xp.zeros((r, 1), dtype=xp.int64), xp.cumsum(D[:, :m], axis=1)), axis=1)
        big = (e - f > 16) & (cs[row, e] - cs[row, f] > 1)
        row, f, e = row[big], f[big], e[big]
        if not row.size:
            break
        if depth == 0:
            base = row * n + f
            _make_heaps(K.reshape(-1), C.reshape(-1), base, e - f)
            _sort_heaps(K.reshape(-1), C.reshape(-1), base, e - f)
            break
        depth -= 1
        cut = _partition(K, C, row, f, e, D)
        row, f, e = xp.concatenate((row, row)), xp.concatenate((cut, f)), xp.concatenate((e, cut))
    o = xp.argsort(K[:, :m], axis=1, kind="stable")
    K[:, :m], C[:, :m] = xp.take_along_axis(K[:, :m], o, axis=1), xp.take_along_axis(C[:, :m], o, axis=1)

def _topk_keys(rows, largest):
    """Integer keys of ``rows`` (2-D) ordered and tied as topk's comparison orders the values: NaN (of either
    sign) above everything and all NaNs equal, -0.0 equal to 0.0; reversed for ``largest``."""
    keys = R._order_keys(rows)  # (every NaN, a negative one too, already the largest key)
    if not largest:
        return keys
    # (~ reverses the order of ints, signed or not; in place where the keys are not the input's own data)
    return ~keys if keys is rows else xp.invert(keys, out=keys)

def _topk_columns(keys, k, sorted):
    """The columns PyTorch's CPU ``topk`` reports for the ``k`` smallest of each row of the integer ``keys``
    (2-D; ordered and tied as its comparison orders the values), in its order.

    Rows whose ``k`` smallest keys are distinct with the ``k``-th one unique have one answer: a partition and a
    sort of the ``k`` give it. The others (and every row where the order is the selection's own: ``sorted``
    false with ``std::nth_element``) are replayed."""
    r, n = keys.shape
    if not k or not r:
        return xp.zeros((r, k), dtype=xp.int64)
    heap = k * 64 <= n
    if heap and k == 1:  # a heap of one: the first smallest
        return xp.argmin(keys, axis=1)[:, None].astype(xp.int64)
    out = None
    redo = xp.arange(r)
    if heap or sorted:
        part = xp.argpartition(keys, k - 1, axis=1)[:, :k]
        pk = xp.take_along_axis(keys, part, axis=1)
        o = xp.argsort(pk, axis=1, kind="stable")
        sk = xp.take_along_axis(pk, o, axis=1)
        out = xp.take_along_axis(part, o, axis=1).astype(xp.int64)
        one = (sk[:, 1:] > sk[:, :-1]).all(axis=1) & ((keys == sk[:, -1:]).sum(axis=1) == 1)
        redo = xp.flatnonzero(~one)
        if not redo.size:
            return out
    K = keys[redo]
    C = xp.broadcast_to(xp.arange(n), K.shape).copy()
    if heap:
        base, size = xp.arange(redo.size) * n, xp.full(redo.size, k, dtype=xp.int64)
        _heap_select(K.reshape(-1), C.reshape(-1), base, size, xp.full(redo.size, n, dtype=xp.int64))
        _sort_heaps(K.reshape(-1), C.reshape(-1), base, size)
    else:
        _introselect(K, C, k - 1)
        if sorted:
            _introsort(K, C, k - 1)
    if out is None:
        return C[:, :k]
    out[redo] = C[:, :k]
    return out


def _counted_mode(rows):
    """``(end, count, value)`` per row as :func:`_longest_run` on the sorted rows gives them (where the smallest
    most frequent value's run ends in sorted order, its count, the value), by counting instead of sorting, for
    rows of integers (or integral floats) spanning a short range; ``None`` otherwise."""
    r, n = rows.shape
    if rows.dtype.kind == "b":
        rows = rows.view(xp.uint8)
    lo, hi = rows.min(), rows.max()
    span = hi - lo if rows.dtype.kind == "f" else int(hi) - int(lo)
    if not span < 2 * n + 1024 // r or rows.dtype.kind == "f" and not -2.0 ** 53 < lo <= hi < 2.0 ** 53:
        return None
    if rows.dtype.kind == "f":
        k = rows.astype(xp.int64)
        if not xp.array_equal(k, rows):  # (an int64 and a float compare exactly, as float64)
            return None
        k -= int(lo)
    else:
        k = (rows - lo if rows.dtype.kind == "u" else rows.astype(xp.int64) - int(lo)).astype(xp.intp, copy=False)
    span = int(span) + 1
    k += xp.arange(0, r * span, span)[:, None]
    counts = xp.bincount(k.reshape(-1), minlength=r * span).reshape(r, span)
    at = xp.argmax(counts, axis=1)  # the first most frequent: the smallest value
    ar = xp.arange(r)
    count = counts[ar, at]
    end = xp.cumsum(counts, axis=1)[ar, at] - 1
    return end, count, (at + int(lo)).astype(rows.dtype)


def _longest_run(s):
    """``(column, length)`` per row of the sorted rows ``s``: where the first longest run of equal values ends
    (NaN != NaN: every NaN is a run of its own), and its length."""
    n = s.shape[-1]
    pos = xp.broadcast_to(xp.arange(n), s.shape)
    start = xp.ones(s.shape, dtype=bool)
    start[:, 1:] = s[:, 1:] != s[:, :-1]
    run_start = xp.maximum.accumulate(xp.where(start, pos, 0), axis=-1)
    end = xp.ones(s.shape, dtype=bool)
    end[:, :-1] = start[:, 1:]
    length = xp.where(end, pos - run_start + 1, 0)
    best = xp.argmax(length, axis=-1)  # first longest run: the smallest value
    return best, length[xp.arange(s.shape[0]), best]


def mode(input, dim=-1, keepdim=False, *, axis=_UNSET, keepdims=_UNSET):
    """The most frequent value along ``dim`` (the smallest one on ties) and an index of it: the one PyTorch's CPU
    kernel reports (the last occurrence for up to 16 elements; beyond, where its sort leaves equal values).

    Returns a ``(values, indices)`` named tuple; the values are differentiable (the gradient goes to the index).

    Example::

        >>> ember.mode(ember.tensor([[1, 2, 2, 1, 3], [3, 3, 1, 1, 0]]))
        ember.return_types.mode(
        values=tensor([1, 1]),
        indices=tensor([3, 3]))
    """
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("mode", dim, keepdim, axis, keepdims, -1)
    F._no_complex(input, NotImplementedError, "\"mode_cpu\" not implemented for '{}'")
    ndim = input._data.ndim
    d = input._wrap_dim(dim)
    if ndim and input._data.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    x = input if ndim else input.reshape(1)
    a = xp.moveaxis(x._data, d, -1)
    lead = a.shape[:-1]
    n = a.shape[-1]
    rows = a.reshape(-1, n)
    if rows.dtype.kind == "V":  # bfloat16: its values in float32, exactly
        rows = rows.astype(xp.float32)
    idx = xp.empty(rows.shape[0], dtype=xp.int64)
    nan = xp.isnan(rows).any(axis=1) if rows.dtype.kind == "f" else xp.zeros(rows.shape[0], dtype=bool)
    if nan.any():  # the sort's order with NaN is not a sorted one: the whole of it, replayed
        order, s = _insertion_sorted(rows[nan]) if n <= 16 else _introsorted(rows[nan])
        idx[nan] = order[xp.arange(order.shape[0]), _longest_run(s)[0]]
    clean = ~nan
    if clean.any():
        c = rows[clean] if nan.any() else rows
        counted = _counted_mode(c)
        if counted is None:
            s = xp.sort(c, axis=-1)
            best, count = _longest_run(s)
            v = s[xp.arange(s.shape[0]), best]
        else:
            best, count, v = counted
        # a value that occurs once, or rows of up to 16 (an insertion sort: stable), report its last occurrence
        hit = c == v[:, None]
        out = n - 1 - xp.argmax(hit[:, ::-1], axis=1)
        if n > 16:  # beyond, which of equal values ends where is std::sort's partitions' doing
            redo = count > 1
            if redo.any():
                out[redo] = _introselected(c[redo], best[redo], out[redo])
        idx[clean] = out
    if not ndim:
        return F._named("mode")(*R.PickDim.apply(input, dim=0, grad_name="ModeBackward0"))
    idx = xp.expand_dims(idx.reshape(lead), d)
    return F._named("mode")(*R.PickDim.apply(input, dim=d, keepdim=keepdim, idx=idx, grad_name="ModeBackward0"))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (or slices along ``dim``) to one.

    Returns the values, plus ``inverse`` (the run each element belongs to) and ``counts`` (the run lengths)
    when asked, as int64 tensors.

    Example::

        >>> ember.unique_consecutive(ember.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)
        (tensor([1, 2, 3, 1]), tensor([2, 2, 1, 1]))
    """
    F._no_complex(input, NotImplementedError, "\"unique\" not implemented for '{}'")
    if F._ops._hooks and input.is_meta:  # (the result's size depends on the data)
        raise F._meta_error("unique_consecutive")
    data = input._data
    if dim is None:
        flat = data.reshape(-1)
        change = xp.ones(flat.shape, dtype=bool)
        change[1:] = flat[1:] != flat[:-1]
        values = flat[change]
        inv_shape = data.shape
    else:
        if data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        d = input._wrap_dim(dim)
        moved = xp.moveaxis(data, d, 0)
        rows = moved.reshape(moved.shape[0], -1)
        change = xp.ones(rows.shape[0], dtype=bool)
        change[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        values = xp.take(data, xp.nonzero(change)[0], axis=d)
        inv_shape = (rows.shape[0],)
    if input.requires_grad:  # (recorded, as PyTorch: a node that refuses to be differentiated)
        values = R.UniqueValues.apply(input, result=values, grad_name="UniqueConsecutiveBackward0",
                                      aten="unique_consecutive")
    else:
        values = wrap(values)
    if not (return_inverse or return_counts):
        return values
    out = [values]
    if return_inverse:
        out.append(wrap((xp.cumsum(change) - 1).astype(xp.int64).reshape(inv_shape)))
    if return_counts:
        starts = xp.nonzero(change)[0]
        out.append(wrap(xp.diff(xp.append(starts, change.size)).astype(xp.int64)))
    return tuple(out)


def _linspace_like(lo, hi, steps, dt):
    """``steps`` evenly spaced values in dtype ``dt``, rounded as PyTorch's linspace rounds them."""
    return F._linspace_values(lo, hi, steps, dt)


def histogram(input, bins=100, *, range=None, weight=None, density=False):
    """Histogram of the values of ``input`` (flattened), as a ``(hist, bin_edges)`` named tuple.

    Args:
        input: float tensor.
        bins (int or Tensor): the number of equal-width bins (default 100) over ``range`` (default: the data's
            min and max), or a 1-D tensor of increasing bin edges. Each bin holds ``[left, right)``; the last
            also its right edge.
        weight (Tensor, optional): one weight per element of ``input`` (default 1).
        density (bool): normalise so that the histogram integrates to 1 over the bins.

    Example::

        >>> ember.histogram(ember.tensor([1., 2., 1.]), bins=4, range=(0., 3.))
        ember.return_types.histogram(
        hist=tensor([0., 2., 1., 0.]),
        bin_edges=tensor([0.0000, 0.7500, 1.5000, 2.2500, 3.0000]))
    """
    dt = input._data.dtype
    if dt.kind not in "fV" or dt.itemsize == 2:  # (PyTorch's kernel has no half types either)
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{_tname(input)}'")
    x = input._data.reshape(-1)
    if isinstance(bins, Tensor):
        if bins._data.dtype != dt:
            raise RuntimeError("torch.histogramdd: input tensor and bins tensors should have the same dtype, but got "
                               f"input with dtype {_dtype.SCALAR_NAMES[dt.name]} and bins for dimension 0 with dtype "
                               f"{_dtype.SCALAR_NAMES.get(bins._data.dtype.name, bins._data.dtype.name)}")
        if bins._data.ndim != 1 or bins._data.size < 1:
            raise RuntimeError("torch.histogramdd: bins tensor should have one dimension and at least 1 element, but "
                               f"got {bins._data.ndim} dimensions and {bins._data.size} elements")
        edges = bins._data.copy()
    else:
        if not isinstance(bins, _int) or isinstance(bins, builtins.bool):
            raise TypeError(f"histogram(): argument 'bins' must be int or Tensor, not {type(bins).__name__}")
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
        if range is not None:
            lo, hi = builtins.float(range[0]), builtins.float(range[1])
        elif x.size:
            lo, hi = builtins.float(x.min()), builtins.float(x.max())
        else:
            lo, hi = 0.0, 1.0
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} for "
                               "dimension 0")
        if not (xp.isfinite(lo) and xp.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{lo:g}, {hi:g}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = _linspace_like(lo, hi, bins + 1, dt)
    w = None
    if weight is not None:
        if weight._data.size != x.size:
            raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                               "input tensor excluding its innermost dimension, but got input with shape "
                               f"{_shp((x.size, 1))} and weight with shape {_shp(weight._data.shape)}")
        w = weight._data.reshape(-1)
    nb = edges.size - 1
    hist = xp.zeros(builtins.max(nb, 0), dtype=dt)
    if nb > 0 and x.size:
        inside = (x >= edges[0]) & (x <= edges[-1])
        pos = xp.minimum(xp.searchsorted(edges, x[inside], side="right") - 1, nb - 1)
        if w is None:
            hist = xp.bincount(pos, minlength=nb).astype(dt)
        else:
            xp.add.at(hist, pos, w[inside].astype(dt, copy=False))
    if density:
        widths = xp.diff(edges)
        hist = (hist / (hist.sum() * widths)).astype(dt, copy=False)
    hist, edges = wrap(hist), wrap(edges)
    if _grad_state.enabled:  # PyTorch has no derivative for histogram: both results hang off a node that raises
        inputs = tuple([t for t in (input, bins, weight) if isinstance(t, Tensor)])
        if builtins.any(t._requires_grad for t in inputs):
            from ember._ops import elementwise as E
            hist, edges = E.Constant.apply(*inputs, result=(hist._data, edges._data), error="histogram",
                                           differentiable_outputs=2, grad_name="NotImplemented")
    return F._named("histogram", ("hist", "bin_edges"))(hist, edges)


def _cov_weights(kind, w, n):
    if w is None:
        return None
    if w._data.ndim > 1:
        raise RuntimeError(f"cov(): expected {kind} to have one or fewer dimensions but got {kind} with "
                           f"{w._data.ndim} dimensions")
    if w._data.size != n:
        raise RuntimeError(f"cov(): expected {kind} to have the same numel as there are observations in the input but "
                           f"got {w._data.size} != {n}")
    want = "iu" if kind == "fweights" else "fV"
    if w._data.dtype.kind not in want:
        word = "integral" if kind == "fweights" else "floating point"
        raise RuntimeError(f"cov(): expected {kind} to have {word} dtype but got {kind} with {_tname(w)} dtype")
    if w._data.size and builtins.bool((w._data < 0).any()):
        raise RuntimeError(f"cov(): {kind} cannot be negative")
    return w


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance matrix of the variables in the rows of ``input`` (observations in the columns).

    Args:
        input: 1-D (one variable) or 2-D ``(variables, observations)``.
        correction (int): subtracted from the number of observations (1: unbiased, 0: maximum likelihood).
        fweights (IntTensor, optional): integer frequency of each observation.
        aweights (Tensor, optional): float importance of each observation.

    Returns a ``(variables, variables)`` tensor (0-d for one variable). Differentiable.

    Example::

        >>> ember.cov(ember.tensor([[0., 1., 2.], [2., 1., 0.]]))
        tensor([[ 1., -1.],
                [-1.,  1.]])
    """
    if input._data.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input._data.ndim} dimensions")
    if input._data.dtype == xp.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input if input._data.ndim == 2 else input.reshape(1, -1)
    if x._data.dtype.kind not in "fVc":
        x = F._cast(x, _dtype.get_default_dtype().np)
    n = x._data.shape[1]
    fw = _cov_weights("fweights", fweights, n)
    aw = _cov_weights("aweights", aweights, n)
    w = fw if aw is None else (aw if fw is None else fw * aw)
    if w is None:
        avg = F.mean(x, 1)
        w_sum = n
        dof = n - correction
    else:  # the weight sums stay tensors: the result is differentiable in the weights too
        w_sum = w.sum()
        avg = F.sum(x * w, 1) / w_sum
        if correction == 0:
            dof = w_sum
        elif aw is None:
            dof = w_sum - correction
        else:
            dof = w_sum - correction * (w * aw).sum() / w_sum
    if (dof.item() if isinstance(dof, Tensor) else dof) <= 0:
        _args.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                   "observations.", UserWarning)
        dof = F.clamp(dof, min=0) if isinstance(dof, Tensor) else 0  # (+0: a negative one would flip inf signs)
    xm = x - avg.unsqueeze(1)
    weighted = xm if w is None else xm * w
    if not isinstance(dof, Tensor):
        dof = wrap(xp.asarray(dof, dtype=x._data.dtype))
    weighted = weighted.t()
    if x._data.dtype.kind == "c":  # E[(x - mean) conj(y - mean)]: Hermitian, real diagonal
        weighted = weighted.conj()
    c = F.matmul(xm, weighted) / dof
    return c.squeeze()  # one variable gives a 0-d result, as PyTorch


def corrcoef(input):
    """Pearson correlation coefficients of the variables in the rows of ``input`` (clamped to [-1, 1]).

    Example::

        >>> ember.corrcoef(ember.tensor([[0., 1., 2.], [2., 1., 0.5]]))
        tensor([[ 1.0000, -0.9820],
                [-0.9820,  1.0000]])
    """
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    d = F.diagonal(c)
    cplx = c._data.dtype.kind == "c"
    std = F.sqrt(d.real if cplx else d)  # a complex variance is real up to rounding
    c = c / std.unsqueeze(1)
    c = c / std.unsqueeze(0)
    if cplx:  # as PyTorch: each part clipped to [-1, 1]
        from ember._functions_extra import complex as _complex
        return _complex(F.clamp(c.real, -1, 1), F.clamp(c.imag, -1, 1))
    return F.clamp(c, -1, 1)


def renorm(input, p=_REQUIRED, dim=_REQUIRED, maxnorm=_REQUIRED, *, axis=_UNSET):
    """Rescale each slice ``input.select(dim, i)`` whose ``p``-norm exceeds ``maxnorm`` to have norm ``maxnorm``.

    Differentiable (including through the norm). ``input`` needs at least 2 dimensions.

    Example::

        >>> ember.renorm(ember.tensor([[1., 2., 2.], [4., 4., 2.]]), 2, 0, 3.)
        tensor([[1., 2., 2.],
                [2., 2., 1.]])
    """
    if axis is not _UNSET or p is _REQUIRED or dim is _REQUIRED or maxnorm is _REQUIRED:  # (inline: no layer)
        _args.required("renorm", p=p, dim=axis if dim is _REQUIRED and axis is not _UNSET else dim, maxnorm=maxnorm)
        dim = _args.dim_or_axis("renorm", dim, axis, _REQUIRED)
    p, maxnorm = (v.item() if isinstance(v, Tensor) else v for v in (p, maxnorm))  # 0-d tensors count as numbers
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    ndim = input._data.ndim
    if ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {ndim} dimensions")
    if input._data.dtype.kind not in "fV":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_tname(input)}")
    return R.Renorm.apply(input, p=builtins.float(p), dim=input._wrap_dim(dim), maxnorm=builtins.float(maxnorm))


# PyTorch's ``out=`` keyword
for _name in ("index_copy", "renorm", "scatter_reduce", "slice_scatter", "nanmedian", "mode"):
    globals()[_name] = F._with_out(globals()[_name], _name)

__all__ = [_n for _n, _v in list(globals().items())
           if not _n.startswith("_") and getattr(_v, "__module__", None) == __name__]
