"""``ember.sparse``: PyTorch's ``torch.sparse`` functions for sparse COO tensors.

``mm``, ``addmm``, ``sum``, ``softmax`` and ``log_softmax`` work on the sparse COO tensors that
:func:`ember.sparse_coo_tensor` and ``Tensor.to_sparse()`` make (scalar values only: ``dense_dim == 0``), and are
differentiable with respect to the sparse values and the dense operands. The rest of ``torch.sparse``
(``sampled_addmm``, ``spsolve``, ``spdiags``, semi-structured sparsity, ...) raises ``NotImplementedError``.

Example::

    >>> adj = ember.sparse_coo_tensor([[0, 1, 1], [1, 0, 1]], [1.0, 2.0, 3.0], (2, 2))
    >>> ember.sparse.mm(adj, ember.ones(2, 1))
    tensor([[1.],
            [5.]])
"""

import numbers
import warnings

from ember import _dtype, _sparse
from ember._tensor import Size, Tensor
from ember._sparse import _missing

__all__ = ["mm", "addmm", "sum", "softmax", "log_softmax", "sampled_addmm", "spsolve", "spdiags",
           "as_sparse_gradcheck", "to_sparse_semi_structured", "check_sparse_tensor_invariants"]


def mm(mat1, mat2, reduce=None):
    """Matrix product with a sparse operand: ``sparse @ dense`` and ``dense @ sparse`` give dense results,
    ``sparse @ sparse`` a sparse one (two dense operands: ``ember.mm``).

    Gradients flow to the dense operand and to the sparse operand's values; a sparse leaf's ``.grad`` is a
    coalesced sparse tensor on its own pattern.

    Args:
        mat1: ``(n, m)`` sparse COO or dense matrix.
        mat2: ``(m, k)`` dense or sparse matrix.
        reduce: PyTorch's CSR-only reductions (``"sum"``, ``"mean"``, ...): not implemented.

    Example::

        >>> s = ember.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0], (2, 2))
        >>> ember.sparse.mm(s, ember.eye(2))
        tensor([[0., 2.],
                [3., 0.]])
    """
    if reduce is not None:
        raise _missing(f"ember.sparse.mm(reduce={reduce!r})")
    return _sparse._mm(mat1, mat2, "mm")


def addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    """``beta * mat + alpha * (mat1 @ mat2)`` with a sparse ``mat1`` (or ``mat2``); a dense result.

    Args:
        mat: dense tensor broadcastable to the product's shape ``(n, k)``.
        mat1: ``(n, m)`` sparse COO matrix. mat2: ``(m, k)`` dense matrix.
        beta, alpha (Number): the multipliers.

    Example::

        >>> s = ember.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0], (2, 2))
        >>> ember.sparse.addmm(ember.ones(2, 2), s, ember.eye(2), beta=0.5)
        tensor([[0.5000, 2.5000],
                [3.5000, 0.5000]])
    """
    return _sparse.addmm(mat, mat1, mat2, beta=beta, alpha=alpha)


def sum(input, dim=None, dtype=None):  # noqa: A001 - PyTorch's name
    """Sum of a sparse tensor's entries: a dense 0-d tensor over all dimensions, a coalesced sparse tensor of
    the remaining dimensions otherwise.

    Args:
        input: sparse COO tensor.
        dim (int or tuple of ints, optional): the dimensions to reduce (default: all).
        dtype (ember.dtype, optional): cast the values to it first.

    Example::

        >>> s = ember.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
        >>> ember.sparse.sum(s)
        tensor(12.)
        >>> ember.sparse.sum(s, 1).to_dense()
        tensor([3., 9.])
    """
    return _sparse._sum(input, dim, dtype)


def softmax(input, dim, *, dtype=None):
    """Softmax along ``dim`` over the stored entries of each slice (entries not stored count as -inf, so they
    stay out of the result); a coalesced sparse tensor with ``input``'s pattern.

    Args:
        input: sparse COO tensor. dim (int): the dimension to normalise along.
        dtype (ember.dtype, optional): cast the values to it first.

    Example::

        >>> s = ember.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
        >>> ember.sparse.softmax(s, 1).values()
        tensor([1.0000, 0.2689, 0.7311])
    """
    return _sparse._softmax(input, dim, dtype, False)


def log_softmax(input, dim, *, dtype=None):
    """The logarithm of :func:`softmax` (computed stably); a sparse tensor with ``input``'s pattern.

    Example::

        >>> s = ember.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
        >>> ember.sparse.log_softmax(s, 1).values()
        tensor([ 0.0000, -1.3133, -0.3133])
    """
    return _sparse._softmax(input, dim, dtype, True)


def _missing_fn(name):
    def fn(*args, **kwargs):
        raise _missing(f"ember.sparse.{name}")
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Not implemented in ember (``torch.sparse.{name}``)."
    return fn


sampled_addmm = _missing_fn("sampled_addmm")
spsolve = _missing_fn("spsolve")
spdiags = _missing_fn("spdiags")
as_sparse_gradcheck = _missing_fn("as_sparse_gradcheck")
to_sparse_semi_structured = _missing_fn("to_sparse_semi_structured")
check_sparse_tensor_invariants = _missing_fn("check_sparse_tensor_invariants")


# The legacy sparse typed constructors (``torch.sparse.FloatTensor(indices, values, size)`` ...), deprecated in
# PyTorch: each form warns once per process, as PyTorch's does.
_LEGACY_FORMS = {
    "iv_size": ("(indices, values, shape, *, device=)", "(indices, values, shape, dtype=, device=)"),
    "iv": ("(indices, values, *, device=)", "(indices, values, dtype=, device=)"),
    "size": ("(shape, *, device=)", "(shape, dtype=, device=)"),
    "empty": ("()", "((0,), dtype=)"),
}
_legacy_warned = set()


class _SparseTensorType(type):
    """Metaclass of ``ember.sparse.FloatTensor`` and kin: ``isinstance`` checks for a sparse tensor of the dtype;
    calling builds a sparse COO tensor from ``(indices, values[, size])``, from sizes, or empty."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.is_sparse and obj.dtype == cls.dtype

    def __call__(cls, *args, device=None):
        import ember

        if len(args) in (2, 3) and isinstance(args[0], Tensor) and isinstance(args[1], Tensor):
            form = "iv_size" if len(args) == 3 else "iv"
            # (the values keep their dtype, as in PyTorch: the type only names the default)
            make = lambda: ember.sparse_coo_tensor(*args)  # noqa: E731
        elif len(args) == 1 and isinstance(args[0], Size) or args and all(
                isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
            form, size = "size", tuple(args[0] if isinstance(args[0], Size) else args)
            make = lambda: ember.sparse_coo_tensor(  # noqa: E731
                ember.zeros(len(size), 0, dtype=_dtype.int64), ember.zeros(0, dtype=cls.dtype), size)
        elif not args:
            form = "empty"
            make = lambda: ember.sparse_coo_tensor(  # noqa: E731
                ember.zeros(1, 0, dtype=_dtype.int64), ember.zeros(0, dtype=cls.dtype), (0,))
        else:
            raise TypeError(f"new() received an invalid combination of arguments - got "
                            f"({', '.join(type(a).__name__ for a in args)})")
        if form not in _legacy_warned:
            _legacy_warned.add(form)
            old, new = _LEGACY_FORMS[form]
            warnings.warn(f"ember.sparse.SparseTensor{old} is deprecated.  Please use ember.sparse_coo_tensor{new}.",
                          UserWarning, stacklevel=2)
        return make()

    def __repr__(cls):
        return f"<class 'ember.sparse.{cls.__name__}'>"


def _sparse_type(name, dt):
    return _SparseTensorType(name, (), {"dtype": dt, "is_sparse": True, "__module__": "ember.sparse"})


FloatTensor = _sparse_type("FloatTensor", _dtype.float32)
DoubleTensor = _sparse_type("DoubleTensor", _dtype.float64)
HalfTensor = _sparse_type("HalfTensor", _dtype.float16)
BFloat16Tensor = _sparse_type("BFloat16Tensor", _dtype.bfloat16)
LongTensor = _sparse_type("LongTensor", _dtype.int64)
IntTensor = _sparse_type("IntTensor", _dtype.int32)
ShortTensor = _sparse_type("ShortTensor", _dtype.int16)
CharTensor = _sparse_type("CharTensor", _dtype.int8)
ByteTensor = _sparse_type("ByteTensor", _dtype.uint8)
