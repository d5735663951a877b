"""``ember.linalg``: the norms of ``torch.linalg`` (more to come)."""

from ember import _functions as F


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
