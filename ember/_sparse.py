"""Sparse COO tensors: ``ember.sparse_coo_tensor`` and the :class:`SparseCooTensor` it makes.

A sparse tensor keeps ``indices`` (int64, ``(sparse_dim, nnz)``) and ``values`` (``(nnz,)``), an ordinary ember
tensor that carries the gradients: every operation on a sparse tensor is written with ember's differentiable ops
on its values (``index_select``, ``mul``, ``index_add``), so autograd needs nothing new. Hybrid tensors (values
``(nnz, *dense_shape)``, as the sparse gradients of ``nn.Embedding(sparse=True)``) support construction,
``coalesce``, ``to_dense``, ``+`` / ``-`` and scalar ``*`` / ``/``; their other operations, and the CSR/CSC/BSR/BSC
layouts, raise ``NotImplementedError``.

:class:`SparseGrad` is the engine-level form of a sparse gradient (plain arrays) between an embedding's backward
and the leaf's ``.grad``, where it becomes a :class:`SparseCooTensor`.

:class:`SparseCooTensor` subclasses :class:`ember.Tensor` (``isinstance(s, ember.Tensor)`` holds, as in PyTorch),
which also makes Python try its reflected operators first: ``dense @ sparse`` and ``dense + sparse`` reach
:meth:`SparseCooTensor.__rmatmul__` / ``__radd__`` without help from ``Tensor``. Dense operations it does not
implement raise ``NotImplementedError`` (their first read of the dense data does).
"""

import builtins
import math
import numbers
import sys

from ember import _dtype
from ember._backend import xp
from ember._functions_args import checks_args as _checks_args, need_tensor as _need_tensor
from ember._tensor import Size, Tensor, _check_device, _new, sparse_coo, strided, wrap
from ember.autograd.grad_mode import state as _grad_state

__all__ = ["SparseCooTensor", "sparse_coo_tensor", "spmm", "dense_to_sparse", "to_sparse_coo"]

_int = builtins.int
_float = builtins.float
_bool = builtins.bool
_I64 = xp.dtype(xp.int64)
_GENERIC_FRAMES = frozenset(("fn", "wrapper", "inner", "method", "run", "apply", "<lambda>", "<listcomp>",
                             "<genexpr>", "_run_recorded"))
_SUPPORTED = ("to_dense(), coalesce(), indices()/values(), t(), +, -, * and / by scalars, sparse @ dense, "
              "ember.sparse.mm/addmm/sum/softmax/log_softmax")


def _F():
    from ember import _functions
    return _functions


def _index_add(input, dim, index, source):
    from ember._functions_indexing import index_add
    return index_add(input, dim, index, source)


def _missing(what):
    """The NotImplementedError for a part of PyTorch's sparse support that ember does not have."""
    return NotImplementedError(f"ember's sparse support covers only sparse COO tensors (hybrid ones for few "
                               f"operations): {what} is not implemented")


def _no_hybrid(s, what):
    if s._v._data.ndim > 1:
        raise _missing(f"{what} of a hybrid sparse tensor (dense_dim > 0)")


def _type_word(np_dtype):
    return _dtype.TYPE_WORDS[xp.dtype(np_dtype).name]


# ---------------------------------------------------------------------------------------------- index helpers


def _group(idx):
    """Group equal columns of ``idx`` (``(d, nnz)`` int64) in row-major order.

    Returns ``(gid, uniq)``: ``gid[k]`` the group of column ``k`` (a number in ``[0, G)``, groups numbered in
    row-major order of their coordinates) and ``uniq`` (``(d, G)``) the coordinates of each group.
    """
    nnz = idx.shape[1]
    if nnz == 0:
        return xp.zeros(0, _I64), idx
    if idx.shape[0] == 0:  # a 0-d sparse tensor: all entries at the one position
        return xp.zeros(nnz, _I64), idx[:, :1]
    order = xp.lexsort(idx[::-1]) if idx.shape[0] > 1 else xp.argsort(idx[0], kind="stable")
    srt = idx[:, order]
    new = xp.ones(nnz, dtype=bool)
    new[1:] = (srt[:, 1:] != srt[:, :-1]).any(axis=0)
    gid = xp.empty(nnz, _I64)
    gid[order] = xp.cumsum(new) - 1
    return gid, srt[:, new]


def _is_sorted_unique(idx):
    """Whether the columns of ``idx`` are strictly increasing in row-major order (a coalesced tensor's)."""
    if idx.shape[1] < 2:
        return True
    if idx.shape[0] == 0:
        return False
    a, b = idx[:, :-1], idx[:, 1:]
    # Compare lexicographically: the first row where the columns differ decides.
    diff = a != b
    first = xp.argmax(diff, axis=0)
    cols = xp.arange(a.shape[1])
    return _bool(diff.any(axis=0).all() and (a[first, cols] < b[first, cols]).all())


def _same_indices(a, b):
    """Whether two index arrays are equal: PyTorch then adds two sparse tensors' values entry by entry."""
    return a is b or (a.shape == b.shape and _bool((a == b).all()))


def _check_bounds(idx, size):
    """PyTorch's invariant checks: indices non-negative and below the size of their dimension."""
    if idx.shape[1] == 0:
        return
    lo, hi = idx.min(axis=1), idx.max(axis=1)
    for d in range(idx.shape[0]):
        if lo[d] < 0:
            raise RuntimeError(f"found negative index {lo[d]} for dim {d}")
        if hi[d] >= size[d]:
            raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {size[d]} but found "
                               f"index {hi[d]}")


def _long(array):
    return wrap(xp.ascontiguousarray(array, dtype=_I64))


# ---------------------------------------------------------------------------------------------- autograd nodes


def _identity_op():
    """The op whose grad_fn marks a sparse tensor made from values that require grad (PyTorch's name)."""
    global _Identity
    if _Identity is None:
        from ember._ops import Op

        class SparseCooTensorWithDimsAndTensors(Op):
            """``values`` as they are: a node, so the new sparse tensor is not a leaf."""

            def forward(self, x):
                return x

            def backward(self, g):
                return (g,)

        class Values(SparseCooTensorWithDimsAndTensors):
            """``values()`` of a coalesced sparse tensor."""

        _Identity = {"new": SparseCooTensorWithDimsAndTensors, "values": Values}
    return _Identity


_Identity = None


class SparseGrad:
    """A sparse gradient inside the autograd engine: ``indices`` (``(sparse_dim, nnz)`` int64 array) and
    ``values`` (``(nnz, *dense_shape)`` array) of a tensor of ``shape``, uncoalesced.

    Embedding backwards return it for ``sparse=True``; the engine sums it like an array (``+`` with another one
    concatenates the entries, with a dense array gives a dense array) and the leaf's accumulation turns it into
    a :class:`SparseCooTensor` (:meth:`to_tensor`).
    """

    __slots__ = ("indices", "values", "shape")
    __array_priority__ = 1000  # ``ndarray + SparseGrad``: NumPy defers to __radd__

    def __array__(self, dtype=None, copy=None):
        # (NumPy functions, as the anomaly mode's NaN check, see the dense gradient)
        out = self.dense_into(xp.zeros(self.shape, self.values.dtype))
        return out if dtype is None else out.astype(dtype)

    def __init__(self, indices, values, shape):
        self.indices, self.values, self.shape = indices, values, tuple(shape)

    @property
    def dtype(self):
        return self.values.dtype

    def astype(self, dtype):
        return SparseGrad(self.indices, self.values.astype(dtype), self.shape)

    def dense_into(self, out):
        """Add the entries into the dense array ``out`` (in place); returns it."""
        nsd = self.indices.shape[0]
        flat = xp.ravel_multi_index(tuple(self.indices), self.shape[:nsd]) if nsd else xp.zeros(
            self.indices.shape[1], _I64)
        xp.add.at(out.reshape((-1,) + self.shape[nsd:]), flat, self.values)
        return out

    def __add__(self, other):
        if type(other) is SparseGrad:
            if _same_indices(self.indices, other.indices):
                return SparseGrad(self.indices, self.values + other.values, self.shape)
            return SparseGrad(xp.concatenate([self.indices, other.indices], axis=1),
                              xp.concatenate([self.values, other.values]), self.shape)
        return self.dense_into(xp.array(other, dtype=xp.result_type(other, self.values), copy=True))

    __radd__ = __add__

    def to_tensor(self):
        """The uncoalesced :class:`SparseCooTensor` of these entries."""
        return _make(_long(self.indices), wrap(self.values), self.shape, self.indices.shape[1] < 2, True)


# ---------------------------------------------------------------------------------------------- the tensor


def _make(indices, values, size, coalesced, checked=False):
    """A :class:`SparseCooTensor` around ``indices`` (int64 ember tensor) and ``values`` (internal)."""
    t = _new(SparseCooTensor)
    t._vc = [0]
    t._parent = None
    t._view = None
    t._i = indices
    t._v = values
    t._size = tuple(size)
    t._coalesced = coalesced
    t._checked = checked
    return t


class SparseCooTensor(Tensor):
    """A sparse tensor in coordinate (COO) format, as :func:`ember.sparse_coo_tensor` makes it.

    Element ``k`` of ``values`` sits at the coordinates ``indices[:, k]``; duplicates add up (``coalesce()``
    sums them). Autograd flows through ``values``: products with dense matrices, ``to_dense()``, sums and
    softmax are differentiable with respect to both the values and the dense operands. A sparse tensor made
    with ``requires_grad=True`` is a leaf whose ``.grad`` is a coalesced sparse tensor on its own pattern.

    Example::

        >>> s = ember.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0], (2, 2))
        >>> s @ ember.ones(2, 1)
        tensor([[2.],
                [3.]])
    """

    # Any dense operation not written here reads the dense data first: refuse it with a clear message.
    @property
    def _data(self):
        # Name the operation: the nearest ember function that is not a generic wrapper (only on this error path).
        frame, what = sys._getframe(1), "this operation"
        for _ in range(4):
            if frame is None or not frame.f_globals.get("__name__", "").startswith("ember"):
                break
            name = frame.f_code.co_name
            if name not in _GENERIC_FRAMES:
                what = f"'{name.lstrip('_')}'"
                break
            frame = frame.f_back
        raise NotImplementedError(
            f"{what} is not implemented for ember's sparse COO tensors (layout=ember.sparse_coo); they support "
            f"{_SUPPORTED}. Call .to_dense() first.")

    # ----------------------------------------------------------------------------- attributes
    @property
    def shape(self):
        return Size(self._size)

    def size(self, dim=None):
        """The shape (an ``ember.Size``), or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._size)
        return self._size[self._wrap_dim(dim, len(self._size))]

    def _wrap_dim(self, dim, ndim=None):
        n = len(self._size) if ndim is None else ndim
        lo, hi = (-n, n - 1) if n else (-1, 0)
        if not lo <= dim <= hi:
            raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
        return dim % n if n else 0

    @property
    def dtype(self):
        return _dtype.from_np(self._v._data.dtype)

    @property
    def layout(self):
        return sparse_coo

    @property
    def is_sparse(self):
        return True

    @property
    def ndim(self):
        return len(self._size)

    def dim(self):
        """The number of dimensions."""
        return len(self._size)

    ndimension = dim

    def numel(self):
        """The number of elements of the dense tensor this one stands for."""
        return math.prod(self._size)

    nelement = numel

    def element_size(self):
        return self._v._data.itemsize

    def is_floating_point(self):
        return self._v._data.dtype.kind in "fV"

    def is_complex(self):
        return self._v._data.dtype.kind == "c"

    def __len__(self):
        if not self._size:
            raise TypeError("len() of a 0-d tensor")
        return self._size[0]

    def sparse_dim(self):
        """The number of sparse dimensions (the rows of ``indices``)."""
        return self._i._data.shape[0]

    def dense_dim(self):
        """The number of dense dimensions (those of each value: > 0 for a hybrid tensor)."""
        return self._v._data.ndim - 1

    def _nnz(self):
        """The number of stored entries (duplicates counted)."""
        return self._v._data.shape[0]

    def is_coalesced(self):
        """Whether the indices are sorted row-major with no duplicates."""
        return self._coalesced

    def _coalesced_(self, coalesced):
        self._coalesced = _bool(coalesced)
        return self

    def _indices(self):
        """The ``(sparse_dim, nnz)`` int64 indices as stored (coalesced or not)."""
        return self._i

    def _values(self):
        """The values as stored, outside the graph (as PyTorch's ``_values()``: not differentiable)."""
        return self._v.detach()

    def indices(self):
        """The indices of a coalesced tensor (call ``coalesce()`` first)."""
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._i

    def values(self):
        """The values of a coalesced tensor, differentiable (call ``coalesce()`` first)."""
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        if self._v._requires_grad and _grad_state.enabled:
            return _identity_op()["values"].apply(self._v)
        return self._v.detach()

    # ----------------------------------------------------------------------------- autograd
    @property
    def _requires_grad(self):
        return self._v._requires_grad

    @property
    def grad_fn(self):
        return self._v.grad_fn

    def requires_grad_(self, requires_grad=True):
        """Make this (leaf) sparse tensor require grad, in place; returns self."""
        if self._v.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach().")
            return self
        if requires_grad and self._v._data.dtype.kind not in "fVc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._v._requires_grad = _bool(requires_grad)
        return self

    @property
    def grad(self):
        g = self._v._grad
        if g is None:
            if self._v.grad_fn is not None:
                return Tensor.grad.fget(self._v)  # PyTorch's warning for a non-leaf's .grad
            return None
        # The gradient of the dense tensor at the stored positions: duplicates share one entry (coalesced).
        idx = self._i._data
        gid, uniq = _group(idx)
        vals = xp.zeros((uniq.shape[1],) + g._data.shape[1:], g._data.dtype)
        vals[gid] = g._data
        return _make(_long(uniq), wrap(vals), self._size, True, True)

    @grad.setter
    def grad(self, value):
        if value is None:
            self._v._grad = None
            return
        raise _missing("assigning .grad of a sparse tensor")

    @grad.deleter
    def grad(self):
        self._v._grad = None

    def detach(self):
        """This tensor outside the graph (indices and values shared)."""
        return _make(self._i, self._v.detach(), self._size, self._coalesced, self._checked)

    def clone(self, *, memory_format=None):
        """A copy (indices and values copied); differentiable with respect to the values."""
        return _make(_long(self._i._data.copy()), self._v.clone(), self._size, self._coalesced, self._checked)

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment")
        out = self.detach().clone()
        out.requires_grad_(self.requires_grad)
        memo[id(self)] = out
        return out

    # ----------------------------------------------------------------------------- conversions
    def _convert(self, dtype):
        if self._v._data.dtype == dtype.np:
            return self
        return _make(self._i, self._v._convert(dtype), self._size, self._coalesced, self._checked)

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to("cpu")``: sparse tensors change dtype only (ember has the CPU alone)."""
        dtype = kwargs.pop("dtype", None)
        _check_device(kwargs.pop("device", None))
        for a in args:
            if isinstance(a, _dtype.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            else:
                _check_device(a)
        return self if dtype is None else self._convert(dtype)

    def type(self, dtype=None, non_blocking=False, **kwargs):
        if dtype is None:
            name = _dtype.TYPE_WORDS[self._v._data.dtype.name]
            return f"ember.sparse.{name}Tensor"
        raise _missing("type(dtype) of a sparse tensor")

    def to_dense(self, dtype=None, *, masked_grad=None):
        """The dense (strided) tensor, duplicates summed; differentiable with respect to the values."""
        if dtype is not None:
            raise RuntimeError("dtype argument is not supported by sparse_to_dense")
        self._check()
        F = _F()
        v = self._v
        nsd = self.sparse_dim()
        sp_size, dense = self._size[:nsd], self._size[nsd:]
        n = (math.prod(sp_size),) + dense  # (rows of the flattened sparse dimensions, then the dense ones)
        out = F.zeros(n, dtype=self.dtype)
        if self._nnz():
            flat = (xp.ravel_multi_index(tuple(self._i._data), sp_size) if sp_size
                    else xp.zeros(self._nnz(), _I64))
            if v._data.dtype == xp.bool_:  # (adding booleans is or-ing them, as PyTorch's to_dense does)
                return F.zeros(n, dtype=_dtype.int64).index_add(0, _long(flat), v.long()).bool().reshape(
                    self._size)
            out = _index_add(out, 0, _long(flat), v)
        return out.reshape(self._size)

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        """This tensor (already sparse COO); other layouts are not implemented."""
        if layout not in (None, sparse_coo):
            raise _missing(f"conversion to layout {layout}")
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise _missing("changing the sparse_dim of a sparse tensor")
        return self

    def to_sparse_coo(self):
        return self

    def _no_layout(self, *args, **kwargs):
        raise _missing("CSR/CSC/BSR/BSC layouts")

    to_sparse_csr = to_sparse_csc = to_sparse_bsr = to_sparse_bsc = _no_layout

    def _check(self):
        """Check the invariants once, before the first use of the indices (PyTorch does not check by default
        and may then crash; ember raises its invariant error instead)."""
        if not self._checked:
            _check_bounds(self._i._data, self._size)
            self._checked = True

    # ----------------------------------------------------------------------------- structure
    def coalesce(self):
        """The coalesced tensor: indices sorted row-major, duplicate entries summed. Differentiable."""
        if self._coalesced:
            return self
        gid, uniq = _group(self._i._data)
        v = self._v
        vals = _index_add(_F().zeros((uniq.shape[1],) + v.shape[1:], dtype=v.dtype), 0, _long(gid), v)
        return _make(_long(uniq), vals, self._size, True, self._checked)

    def t(self):
        """The transpose of a sparse matrix (0-D and 1-D tensors as they are)."""
        if len(self._size) > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {len(self._size)}D")
        return self if len(self._size) < 2 else self.transpose(0, 1)

    def transpose(self, dim0, dim1):
        """Swap two dimensions (the indices' rows): a tensor sharing the values."""
        d0, d1 = self._wrap_dim(dim0), self._wrap_dim(dim1)
        _no_hybrid(self, "transpose")
        if d0 == d1:
            return self
        perm = list(range(len(self._size)))
        perm[d0], perm[d1] = d1, d0
        size = [self._size[p] for p in perm]
        return _make(_long(self._i._data[perm]), self._v, size, False, self._checked)

    def t_(self):
        """Transpose in place."""
        out = self.t()
        self._i, self._size, self._coalesced = out._i, out._size, out._coalesced
        return self

    # ----------------------------------------------------------------------------- arithmetic
    def _with_values(self, values, coalesced=None):
        return _make(self._i, values, self._size, self._coalesced if coalesced is None else coalesced,
                     self._checked)

    def mul(self, other):
        """Multiply by a number, a one-element tensor or (elementwise) a dense tensor; a sparse result."""
        if isinstance(other, SparseCooTensor):
            raise _missing("sparse * sparse")
        if isinstance(other, Tensor) and other.numel() != 1:
            _no_hybrid(self, "elementwise mul by a dense tensor")
            self._check()
            F = _F()
            dense = F.broadcast_to(other, self._size)
            gathered = dense[tuple(_long(r) for r in self._i._data)] if self._size else dense.reshape(1)
            return self._with_values(self._v * gathered)
        if isinstance(other, Tensor):
            other = other.reshape(())
        elif not isinstance(other, numbers.Number):
            return NotImplemented
        return self._with_values(self._v * other)

    def div(self, other):
        """Divide by a number or a one-element tensor; a sparse result."""
        if isinstance(other, Tensor) and other.numel() != 1:
            raise _missing("division of a sparse tensor by a tensor of several elements")
        if isinstance(other, Tensor):
            other = other.reshape(())
        elif not isinstance(other, numbers.Number):
            return NotImplemented
        return self._with_values(self._v / other)

    def neg(self):
        return self._with_values(-self._v)

    def add(self, other, *, alpha=1):
        """Add a sparse tensor of the same shape (entries concatenated; summed when both are coalesced)."""
        if not isinstance(other, SparseCooTensor):
            if isinstance(other, (Tensor, numbers.Number)):
                raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
            return NotImplemented
        if other._size != self._size:
            raise RuntimeError(f"add: expected sizes of 'self' and 'other' to match, but "
                               f"[{', '.join(map(str, self._size))}] != [{', '.join(map(str, other._size))}]")
        F = _F()
        dtype = F.promote_types(self.dtype, other.dtype)
        ov = other._v if alpha == 1 else other._v * alpha
        if _same_indices(self._i._data, other._i._data):  # as PyTorch: the values add, the pattern stays
            return _make(self._i, self._v._convert(dtype) + ov._convert(dtype), self._size, self._coalesced,
                         self._checked and other._checked)
        vals = F.cat([self._v._convert(dtype), ov._convert(dtype)])
        out = _make(_long(xp.concatenate([self._i._data, other._i._data], axis=1)), vals, self._size, False,
                    self._checked and other._checked)
        # PyTorch merges two coalesced operands into a coalesced sum.
        return out.coalesce() if self._coalesced and other._coalesced else out

    def sub(self, other, *, alpha=1):
        if isinstance(other, SparseCooTensor):
            return self.add(other, alpha=-alpha)
        return self.add(other, alpha=alpha)  # (its error for a dense or number operand)

    __mul__ = __rmul__ = mul
    __truediv__ = div
    __neg__ = neg

    def __add__(self, other):
        return self.add(other)

    def __sub__(self, other):
        return self.sub(other)

    def __radd__(self, other):
        """``dense + sparse``: a dense result."""
        if isinstance(other, numbers.Number):
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        return other + self.to_dense() if isinstance(other, Tensor) else NotImplemented

    def __rsub__(self, other):
        """``dense - sparse``: a dense result."""
        return other - self.to_dense() if isinstance(other, Tensor) else NotImplemented

    # ----------------------------------------------------------------------------- products and reductions
    def mm(self, mat2):
        """``self @ mat2`` for a 2-D sparse ``self`` and a 2-D dense (or sparse) ``mat2``."""
        return _mm(self, mat2, "mm")

    def matmul(self, other):
        return _mm(self, other, "matmul")

    def __matmul__(self, other):
        if not isinstance(other, Tensor):
            return NotImplemented
        return _mm(self, other, "matmul")

    def __rmatmul__(self, other):
        """``dense @ sparse``: a dense result, as ``(sparse.t() @ dense.t()).t()``."""
        if not isinstance(other, Tensor):
            return NotImplemented
        return _dense_sparse_mm(other, self, "matmul")

    def sum(self, dim=None, keepdim=False, dtype=None):
        """Sum of all entries (a dense 0-d tensor), or over ``dim`` (a sparse tensor); see ember.sparse.sum."""
        if keepdim:
            raise _missing("sum(keepdim=True) of a sparse tensor")
        return _sum(self, dim, dtype)

    def __repr__(self, *, tensor_contents=None):
        return _repr(self)

    def __format__(self, spec):
        return repr(self)

    def __reduce_ex__(self, protocol):
        raise _missing("pickling (ember.save) a sparse tensor")


# ---------------------------------------------------------------------------------------------- printing


def _repr(s):
    from ember import _printing
    indent = len("tensor(")

    def body(a, prefix):
        if a.size == 0:
            return f"[], size=({', '.join(map(str, a.shape))}{',' if a.ndim == 1 else ''})"
        return _printing.array_str(a, indent + len(prefix))

    out = ("tensor(indices=tensor(" + body(_printing.to_numpy(s._i._data), "indices=tensor(") + "),\n"
           + " " * indent + "values=tensor(" + body(_printing.to_numpy(s._v._data), "values=tensor(") + ")")
    suffixes = [f"size=({', '.join(map(str, s._size))}{',' if len(s._size) == 1 else ''})", f"nnz={s._nnz()}"]
    np_dtype = s._v._data.dtype
    if np_dtype not in (_dtype.get_default_dtype().np, _dtype.default_complex().np, _I64, xp.dtype(xp.bool_)):
        suffixes.append(f"dtype=ember.{np_dtype.name}")
    suffixes.append(f"layout={sparse_coo!r}")
    if s.grad_fn is not None:
        suffixes.append(f"grad_fn=<{s.grad_fn.name().rsplit('::', 1)[-1]}>")
    elif s._requires_grad:
        suffixes.append("requires_grad=True")
    # The first suffix starts a line of its own; the others follow PyTorch's line-width rule (as dense tensors').
    out += ",\n" + " " * indent + suffixes[0]
    return _printing.join_suffixes(out, suffixes[1:], indent, indent + len(suffixes[0]))


# ---------------------------------------------------------------------------------------------- construction


def _as_index_tensor(indices):
    if isinstance(indices, SparseCooTensor):
        raise _missing("sparse indices")
    if isinstance(indices, Tensor):
        a = indices._data
    elif hasattr(indices, "dtype") and hasattr(indices, "shape"):  # a NumPy array
        a = xp.asarray(indices)
    else:
        a = _F().tensor(indices)._data
    if a.dtype != _I64:
        a = a.astype(_I64)
    return a


_UNSET = object()


@_checks_args
def sparse_coo_tensor(indices, values=_UNSET, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None, is_coalesced=None):
    """Make a sparse tensor in COO format from ``indices`` and ``values``.

    Args:
        indices: ``(sparse_dim, nnz)`` integer coordinates (a tensor or nested list; cast to int64).
        values: ``(nnz, *dense_shape)`` values (a tensor, list or number); ``dense_shape`` non-empty makes
            a hybrid tensor (few operations: see the module docstring).
        size (tuple of ints, optional): the dense shape; by default one more than the largest index in
            each dimension. ``sparse_coo_tensor(size)`` alone makes an empty sparse tensor of that shape.
        dtype, device: of the values (``device`` must be the CPU).
        requires_grad (bool): make the result a leaf that requires grad (its ``.grad`` is sparse).
        check_invariants (bool, optional): check that indices lie in ``[0, size)`` now (ember checks before
            the first operation that uses them in any case).
        is_coalesced (bool, optional): declare the indices coalesced (sorted, without duplicates).

    Shapes: ``indices`` ``(sparse_dim, nnz)``, ``values`` ``(nnz, *size[sparse_dim:])``.

    Example::

        >>> i = ember.tensor([[0, 1, 1], [2, 0, 2]])
        >>> s = ember.sparse_coo_tensor(i, ember.tensor([3.0, 4.0, 5.0]), (2, 3))
        >>> s.to_dense()
        tensor([[0., 0., 3.],
                [4., 0., 5.]])
    """
    _check_device(device)
    if indices is None:
        raise TypeError("'NoneType' object cannot be interpreted as an integer")
    if values is _UNSET:  # sparse_coo_tensor(size): no entries
        if not isinstance(indices, (tuple, list)) or not all(isinstance(n, numbers.Integral) for n in indices):
            raise TypeError("sparse_coo_tensor() missing required argument 'values' (pos 2)")
        dt = dtype or _dtype.get_default_dtype()
        return sparse_coo_tensor(xp.zeros((len(indices), 0), _I64), _F().zeros(0, dtype=dt), tuple(indices),
                                 requires_grad=requires_grad)
    idx = _as_index_tensor(indices)
    if isinstance(values, SparseCooTensor):
        raise _missing("sparse values")
    F = _F()
    if isinstance(values, Tensor):
        v = values if dtype is None else values._convert(dtype)
    else:
        v = F.tensor(values, dtype=dtype)
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: [{', '.join(map(str, idx.shape))}]")
    sparse_dim, nnz = idx.shape
    v_nnz = v._data.shape[0] if v._data.ndim else 1
    if nnz != v_nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from "
                           f"values: {v_nnz}")
    dense_dim = max(v._data.ndim - 1, 0)
    if size is None:
        size = tuple(int(m) + 1 for m in idx.max(axis=1)) if nnz else (0,) * sparse_dim
        size += tuple(v._data.shape[1:])
    else:
        if isinstance(size, Tensor) or not all(isinstance(n, numbers.Integral) for n in size):
            raise TypeError(f"sparse_coo_tensor(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type(size).__name__ if not isinstance(size, Tensor) else 'Tensor'}")
        size = tuple(_int(n) for n in size)
        if len(size) != sparse_dim + dense_dim:
            raise RuntimeError(f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = {len(size)}, "
                               f"sparse_dim = {sparse_dim}, dense_dim = {dense_dim}")
        if any(n < 0 for n in size):
            raise RuntimeError("numel: integer multiplication overflow")
    if dense_dim and tuple(v._data.shape[1:]) != size[sparse_dim:]:
        raise RuntimeError(f"values has incorrect size, expected [{', '.join(map(str, (nnz,) + size[sparse_dim:]))}],"
                           f" got [{', '.join(map(str, v._data.shape))}]")
    if v._data.ndim == 0:
        v = v.reshape(1)
    checked = False
    if check_invariants:
        _check_bounds(idx, size)
        checked = True
    if is_coalesced is None:
        coalesced = nnz < 2  # PyTorch does not look at the indices: only 0 or 1 entries count as coalesced
    else:
        coalesced = _bool(is_coalesced)  # trusted, as PyTorch does, unless the invariants are checked
        if coalesced and check_invariants and not _is_sorted_unique(idx):
            raise RuntimeError("cannot set is_coalesced to true if indices correspond to uncoalesced COO tensor")
    if requires_grad:
        if v._data.dtype.kind not in "fVc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        v = v.detach().requires_grad_()  # the sparse tensor is the leaf, not ``values``
    elif v._requires_grad and _grad_state.enabled:
        v = _identity_op()["new"].apply(v)
    return _make(_long(idx), v, size, coalesced, checked)


def dense_to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """``Tensor.to_sparse()``: the sparse COO tensor of the nonzero entries of a dense tensor.

    Args:
        sparse_dim (int, optional): must be ``self.dim()`` (hybrid tensors are not implemented).
        layout: ``None`` or ``ember.sparse_coo`` (other layouts are not implemented).

    The values are gathered with differentiable indexing, so gradients flow back to ``self``.

    Example::

        >>> ember.tensor([[0.0, 1.0], [2.0, 0.0]]).to_sparse()._nnz()
        2
    """
    if isinstance(self, SparseCooTensor):
        return self.to_sparse(sparse_dim, layout=layout, blocksize=blocksize, dense_dim=dense_dim)
    if blocksize is not None:
        raise RuntimeError("dense_to_sparse: conversion from Strided to Sparse with blocksize argument given is "
                           "not supported")
    if layout not in (None, sparse_coo):
        raise _missing(f"conversion to layout {layout}")
    nd = self.dim()
    if sparse_dim is not None:
        if not 0 <= sparse_dim <= nd:
            raise RuntimeError(f"dense_to_sparse: sparse_dim argument must be in [0,{nd}] range, but "
                               f"{sparse_dim} is given")
        if sparse_dim == 0 and nd > 0:
            raise RuntimeError("dense_to_sparse: sparse_dim argument must be in >0 when self.dim()>0")
        if sparse_dim != nd:
            raise _missing("hybrid sparse tensors (to_sparse with sparse_dim < dim())")
    if dense_dim:
        raise _missing("hybrid sparse tensors (dense_dim > 0)")
    a = self._data
    if nd == 0:
        idx = xp.zeros((0, 1 if a != 0 else 0), _I64)
        vals = self.reshape(1)[: idx.shape[1]]
    else:
        nz = xp.nonzero(a)
        idx = xp.stack(nz).astype(_I64) if nz else xp.zeros((0, 0), _I64)
        vals = self[tuple(_long(r) for r in nz)]
    return _make(_long(idx), vals, a.shape, True, True)


def to_sparse_coo(self):
    """``Tensor.to_sparse_coo()``: as :func:`dense_to_sparse`."""
    return dense_to_sparse(self)


# ---------------------------------------------------------------------------------------------- products


def _dims_error(t):
    n = t.dim()
    return IndexError(f"Dimension out of range (expected to be in range of [{-max(n, 1)}, {max(n, 1) - 1}], "
                      f"but got 1)")


def _spmm(s, d, name):
    """``s @ d``: 2-D sparse ``s`` ``(n, m)``, dense ``d`` ``(m, k)`` or ``(m,)``; built from index_select,
    mul and index_add on the values, so it is differentiable with respect to both."""
    if s.dim() != 2:
        raise _missing(f"{name} with a {s.dim()}-D sparse tensor")
    _no_hybrid(s, name)
    if d.dim() not in (1, 2) or (name == "mm" and d.dim() != 2):
        raise _dims_error(d)
    n, m = s._size
    if d.shape[0] != m:
        raise RuntimeError(f"addmm: Argument #3 (dense): Expected dim 0 size {m}, got {d.shape[0]}")
    if d.dtype != s.dtype:
        raise RuntimeError(f"expected scalar type {_type_word(s._v._data.dtype)} but found "
                           f"{_type_word(d._data.dtype)}")
    s._check()
    F = _F()
    rows, cols = s._i._data
    v = s._v
    picked = F.index_select(d, 0, _long(cols))  # (nnz, k): the rows of d each entry multiplies
    contrib = picked * (v.unsqueeze(1) if d.dim() == 2 else v)
    out = F.zeros((n,) + tuple(d.shape[1:]), dtype=d.dtype)
    return _index_add(out, 0, _long(rows), contrib)


def _mm(a, b, name):
    """Products with at least one sparse operand: sparse @ dense and dense @ sparse are dense, sparse @ sparse
    is sparse."""
    a_sp, b_sp = isinstance(a, SparseCooTensor), isinstance(b, SparseCooTensor)
    if a_sp and b_sp:
        return dense_to_sparse(_spmm(a, b.to_dense(), name)) if a.dim() == 2 else _spmm(a, b, name)
    if a_sp:
        return _spmm(a, b, name)
    if b_sp:
        return _dense_sparse_mm(a, b, name)
    return _F().mm(a, b) if name == "mm" else _F().matmul(a, b)


def _dense_sparse_mm(d, s, name):
    """``d @ s`` for dense ``d`` ``(k, n)`` (or ``(n,)``) and 2-D sparse ``s`` ``(n, m)``: ``(s.t() @ d.t()).t()``."""
    if s.dim() != 2:
        raise _missing(f"{name} with a {s.dim()}-D sparse tensor")
    if d.dim() == 1:
        return _spmm(s.t(), d, "matmul")
    if d.dim() != 2:
        raise _missing(f"{name} of a {d.dim()}-D dense tensor and a sparse tensor")
    return _spmm(s.t(), d.t(), "mm").t()


@_checks_args
def spmm(input, mat2):
    """``ember.spmm``: ``ember.mm`` (PyTorch's alias, with mm's messages) for a sparse or dense ``input``.

    Example::

        >>> s = ember.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0], (2, 2))
        >>> ember.spmm(s, ember.ones(2, 1))
        tensor([[2.],
                [3.]])
    """
    _need_tensor("mm", "input", 1, input)
    _need_tensor("mm", "mat2", 2, mat2)
    return _mm(input, mat2, "mm")


def mm_dispatch(input, mat2):
    """``ember.mm`` / ``Tensor.mm`` when an operand is sparse (called from ember's mm)."""
    return _mm(input, mat2, "mm")


def matmul_dispatch(input, other):
    """``ember.matmul`` when an operand is sparse (called from ember's matmul)."""
    return _mm(input, other, "matmul")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)`` where ``mat1`` or ``mat2`` may be sparse; a dense result."""
    prod = _mm(mat1, mat2, "mm")
    if isinstance(prod, SparseCooTensor):
        prod = prod.to_dense()
    if isinstance(input, SparseCooTensor):
        input = input.to_dense()
    F = _F()
    return F.add(input * beta if beta != 1 else input, prod * alpha if alpha != 1 else prod)


# ---------------------------------------------------------------------------------------------- reductions


def _need_sparse(input, what):
    if not isinstance(input, SparseCooTensor):
        layout = input.layout if isinstance(input, Tensor) else strided
        raise RuntimeError(f"{what} expected sparse coordinate tensor layout but got "
                           f"{str(layout.name).capitalize() if layout is strided else layout.name}")


def _dims(input, dim):
    n = input.dim()
    dims = [dim] if isinstance(dim, numbers.Integral) else list(dim)
    out = []
    for d in dims:
        w = input._wrap_dim(_int(d), n)
        if w in out:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        out.append(w)
    return out


def _sum(input, dim=None, dtype=None):
    """ember.sparse.sum (see there)."""
    _need_sparse(input, "coalesce")
    v = input._v if dtype is None else input._v._convert(dtype)
    if dim is None:
        return v.sum()
    _no_hybrid(input, "sum over dimensions")
    dims = _dims(input, dim)
    keep = [d for d in range(input.dim()) if d not in dims]
    if not keep:
        return v.sum()
    input._check()
    gid, uniq = _group(input._i._data[keep])
    vals = _index_add(_F().zeros(uniq.shape[1], dtype=v.dtype), 0, _long(gid), v)
    return _make(_long(uniq), vals, [input._size[d] for d in keep], True, True)


def _softmax(input, dim, dtype, log):
    """Softmax over the stored entries of each slice along ``dim`` (unstored entries count as -inf)."""
    _need_sparse(input, "softmax")
    _no_hybrid(input, "softmax")
    d = input._wrap_dim(dim)
    s = input.coalesce()
    s._check()
    v = s._v if dtype is None else s._v._convert(dtype)
    idx = s._i._data
    F = _F()
    if s._nnz() == 0:
        return s._with_values(v)
    keep = [k for k in range(s.dim()) if k != d]
    gid, uniq = _group(idx[keep])
    g = _long(gid)
    # Shift by each slice's maximum (a constant for autograd: softmax does not depend on it).
    mx = xp.full(uniq.shape[1], -xp.inf, dtype=v._data.dtype)
    xp.maximum.at(mx, gid, v._data)
    shifted = v - wrap(mx[gid])
    e = shifted.exp()
    den = _index_add(F.zeros(uniq.shape[1], dtype=v.dtype), 0, g, e)
    out = shifted - F.index_select(den.log(), 0, g) if log else e / F.index_select(den, 0, g)
    return _make(s._i, out, s._size, True, True)
