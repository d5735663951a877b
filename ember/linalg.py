"""``ember.linalg``: norms and the common matrix functions of ``torch.linalg`` (inv, det, slogdet, solve,
cholesky, multi_dot, cross, matrix_power), batched over leading dimensions and differentiable."""

from ember import _functions as F
from ember._ops import linalg as _L
from ember._ops.linalg import LinAlgError  # noqa: F401 - torch.linalg.LinAlgError



def inv(A):
    """The inverse of each square matrix in ``A`` (``(*, n, n)``); raises :class:`LinAlgError` if singular.

    Example::

        >>> ember.linalg.inv(ember.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    return _L.Inv.apply(A)


def det(A):
    """The determinant of each square matrix in ``A`` (``(*, n, n)`` -> ``(*)``)."""
    return _L.Det.apply(A)


def slogdet(A):
    """``(sign, logabsdet)`` of the determinants of ``A``, as a named tuple; stable where ``det`` under/overflows."""
    sign, logabs = _L.SlogDet.apply(A)
    return F._named("linalg_slogdet", ("sign", "logabsdet"))(sign.detach(), logabs)


def solve(A, B, *, left=True):
    """``X`` with ``A X = B`` (or ``X A = B`` when ``left=False``); ``B`` may be a batch of vectors ``(*, n)``.

    Batch dimensions broadcast. Raises :class:`LinAlgError` if ``A`` is singular.
    """
    if not left:
        return solve(A.mT, B.mT).mT
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if vector:
        return _L.Solve.apply(A, B.unsqueeze(-1)).squeeze(-1)
    return _L.Solve.apply(A, B)


def cholesky(A, *, upper=False):
    """The Cholesky factor of each symmetric positive-definite matrix in ``A`` (lower, or upper with ``upper``);
    only the lower triangle of ``A`` is read. Raises :class:`LinAlgError` if not positive-definite."""
    low = _L.Cholesky.apply(A)
    return low.mT if upper else low


def matrix_power(A, n):
    """``A`` multiplied by itself ``n`` times (``n < 0``: powers of the inverse; ``n = 0``: identity)."""
    if n == 0:  # a fresh (writable) identity per matrix
        return F.eye(A.shape[-1], dtype=A.dtype).expand(*A.shape).clone()
    base = inv(A) if n < 0 else A
    n = abs(n)
    result = None
    while n:  # square-and-multiply: log2(n) products
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


def multi_dot(tensors):
    """The product of a chain of matrices (the first/last may be 1-D vectors), multiplied left to right (PyTorch
    picks the cheapest order; the result is the same up to rounding)."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    mats = list(tensors)
    first_vec, last_vec = mats[0].ndim == 1, mats[-1].ndim == 1
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    out = mats[0]
    for m in mats[1:]:
        out = out @ m
    if first_vec:
        out = out.squeeze(0)
    if last_vec:
        out = out.squeeze(-1)
    return out


def cross(input, other, *, dim=-1):
    """The cross product of 3-vectors along ``dim`` (broadcasting)."""
    return F.cross(input, other, dim=dim)


def vecdot(x, y, *, dim=-1):
    """The dot product of vectors along ``dim`` (broadcasting)."""
    return (x * y).sum(dim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector ``ord``-norm of ``x`` over ``dim`` (all elements when None)."""
    if dtype is not None:
        x = x.to(dtype)
    return F.norm(x, ord, dim, keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """Vector norm (2-norm, or ``ord``) of the flattened input or over ``dim``; 'fro' for matrices."""
    if ord == "fro" or ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    if ord != "fro":
        raise NotImplementedError("ember.linalg.matrix_norm supports ord='fro' only")
    return vector_norm(A, 2, dim, keepdim, dtype=dtype)
