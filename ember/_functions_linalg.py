"""Linear algebra at the top level of ``torch``: the Householder QR pair ``geqrf`` / ``ormqr``, the randomized
low-rank decompositions ``svd_lowrank`` / ``pca_lowrank`` (Halko, Martinsson and Tropp, 2011), and the functions
PyTorch removed in 1.9 but still names (``eig``, ``solve``, ``symeig``, ``matrix_rank``), which raise its error
pointing to their ``ember.linalg`` replacements.

``ember/__init__.py`` resolves these names lazily (``_LAZY_ATTRS``); the Tensor methods are attached in
:mod:`ember._tensor_methods`.
"""

import ember
from ember import _functions as F
from ember._ops import linalg as _L
from ember._ops import linalg_extra as _LX
from ember.autograd.grad_mode import state as _grad_state
from ember.linalg import _check_reflector_batches, _lapack_dtype, _need_bool

# The names are listed once, in ember/__init__.py's lazy table.
__all__ = sorted(name for name, module in ember._LAZY_ATTRS.items() if module == __name__)


# ================================================================================ Householder QR


def geqrf(input, *, out=None):
    """The QR decomposition of ``input`` (``(*, m, n)``) in LAPACK's compact form (``?geqrf``): ``R`` on and above
    the diagonal of ``a``, and below it the Householder vectors ``v_i`` (with an implicit 1 on the diagonal) of
    ``Q = H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^H``, ``k = min(m, n)``.

    Returns:
        named tuple ``(a (*, m, n), tau (*, k))``, the inputs of :func:`ormqr` and
        :func:`ember.linalg.householder_product`. Not differentiable (as in PyTorch: backward raises).

    Example::

        >>> a, tau = ember.geqrf(ember.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> a
        tensor([[-5.0000, -2.2000],
                [ 0.5000,  0.4000]])
        >>> tau
        tensor([1.6000, 0.0000])
    """
    a = input._data
    if a.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    _lapack_dtype(a, "geqrf_cpu")
    if a.dtype.kind == "c" and input._requires_grad and _grad_state.enabled:
        raise RuntimeError("geqrf does not support automatic differentiation for outputs with complex dtype.")
    return F._out(F._named("geqrf", ("a", "tau"))(*_LX.Geqrf.apply(input)), out)


def ormqr(input, input2, input3, left=True, transpose=False, *, out=None):
    """``op(Q) C`` (``C op(Q)`` if not ``left``) for the ``Q = H_1 ... H_k`` of :func:`geqrf`'s compact form, without
    forming ``Q``; ``op(Q)`` is ``Q^H`` if ``transpose``, else ``Q``. Differentiable in all three inputs.

    Args:
        input: ``(*, mn, k)`` Householder vectors below the diagonal (``mn`` is ``m`` if ``left``, else ``n``).
        input2: ``tau``, ``(*, min(mn, k))``.
        input3: ``C``, ``(*, m, n)``; batch dimensions equal those of ``input``.

    Example::

        >>> a, tau = ember.geqrf(ember.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> ember.ormqr(a, tau, ember.eye(2))  # Q itself
        tensor([[-0.6000, -0.8000],
                [-0.8000,  0.6000]])
    """
    _need_bool(left, "ormqr", "left")
    _need_bool(transpose, "ormqr", "transpose")
    a, tau, c = input._data, input2._data, input3._data
    name = "torch.ormqr"
    if a.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if c.ndim < 2:
        raise RuntimeError(f"{name}: other must have at least 2 dimensions.")
    side = -2 if left else -1
    if c.shape[side] != a.shape[-2]:
        raise RuntimeError(f"{name}: other.shape[{side}] must be equal to input.shape[-2]")
    if tau.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    if tau.shape[-1] != min(c.shape[side], a.shape[-1]):
        raise RuntimeError(f"{name}: tau.shape[-1] must be equal to min(other.shape[{side}], input.shape[-1])")
    _check_reflector_batches(name, a, tau, c)
    for what, t in (("tau", tau), ("other", c)):
        if t.dtype != a.dtype:  # (PyTorch's message has no space after the first "dtype")
            raise RuntimeError(f"{name}: Expected input and {what} to have the same dtype, but input has dtype"
                               f"{_L._type_word(a)} and {what} has dtype {_L._type_word(t)}")
    _lapack_dtype(a, "ormqr_cpu")
    return F._out(_LX.Ormqr.apply(input, input2, input3, left=left, transpose=transpose), out)


# ================================================================================ randomized low-rank SVD / PCA


def _floating_dtype(A):
    """The dtype of a random starting block for ``A``: its own if float16/32/64, else float32 (as PyTorch: a
    bfloat16, integer or complex ``A`` then fails at the first product, with the matmul's dtype error)."""
    return A.dtype if A.dtype in (ember.float16, ember.float32, ember.float64) else ember.float32


def _range_basis(A, q, niter, M):
    """An orthonormal ``(*, m, min(m, q))`` basis approximating the range of ``A - M`` (Halko et al., algorithm 4.4:
    a Gaussian sketch refined by ``niter`` power iterations, re-orthonormalized at each product)."""
    dtype = A.dtype if A.dtype.is_complex else _floating_dtype(A)
    sketch = ember.randn(A.shape[-1], q, dtype=dtype)  # one sketch for the whole batch, from the global generator

    def product(X, adjoint=False):
        out = (A.mH if adjoint else A) @ X
        return out if M is None else out - (M.mH if adjoint else M) @ X

    Q = ember.linalg.qr(product(sketch)).Q
    for _ in range(niter):
        Q = ember.linalg.qr(product(Q, adjoint=True)).Q
        Q = ember.linalg.qr(product(Q)).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):
    """An approximate truncated SVD ``A - M ~ U diag(S) V^H`` of rank ``q``, by a randomized range finder: cheap for
    large matrices of low numerical rank. Random: draws from the global generator (:func:`ember.manual_seed`).

    Args:
        A: ``(*, m, n)`` tensor.
        q: the rank of the approximation (default 6; None means 6); a slight overestimate of the true rank helps.
        niter: power iterations (default 2): each sharpens the basis for slowly decaying singular values.
        M: optional tensor broadcasting to ``A``'s shape, subtracted from ``A`` (e.g. its column means).

    Returns:
        ``(U (*, m, q'), S (*, q'), V (*, n, q'))`` with ``q' = min(q, m, n)``; differentiable through the
        products, QR and SVD it is composed of.

    Example::

        >>> A = ember.randn(50, 3) @ ember.randn(3, 40)
        >>> U, S, V = ember.svd_lowrank(A, q=3)
        >>> bool(ember.allclose(U @ ember.diag(S) @ V.mT, A, atol=1e-3))
        True
    """
    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    wide = m < n
    if wide:  # sketch the smaller side: the SVD of A^H has U and V exchanged
        A = A.mH
        M = None if M is None else M.mH
    Q = _range_basis(A, q, niter, M)
    B = Q.mH @ A if M is None else Q.mH @ A - Q.mH @ M
    U, S, Vh = ember.linalg.svd(B, full_matrices=False)
    V = Vh.mH
    U = Q @ U
    return (V, S, U) if wide else (U, S, V)


def pca_lowrank(A, q=None, center=True, niter=2):
    """Principal component analysis of the rows of ``A`` by :func:`svd_lowrank` (of ``A`` minus its column means
    if ``center``): ``(U, S, V)`` with the principal directions in the columns of ``V`` and the data's
    coordinates along them ``U diag(S)``.

    Args:
        A: ``(*, m, n)`` tensor (``m`` samples of ``n`` features).
        q: the number of components, ``0 <= q <= min(m, n)`` (default ``min(6, m, n)``).
        center: subtract the column means first.
        niter: power iterations (default 2).

    Example::

        >>> X = ember.randn(100, 3) @ ember.tensor([[3.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.1]])
        >>> U, S, V = ember.pca_lowrank(X, q=3)
        >>> V.shape, S.shape
        (ember.Size([3, 3]), ember.Size([3]))
    """
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if center:
        A = A - A.mean(dim=(-2,), keepdim=True)
    return svd_lowrank(A, q, niter=niter, M=None)


# ================================================================================ removed in PyTorch 1.9

_REMOVED = "This function was deprecated since version 1.9 and is now removed."


def eig(self, eigenvectors=False, *, e=None, v=None):
    """Removed from PyTorch (1.9): raises, pointing to :func:`ember.linalg.eig` / :func:`ember.linalg.eigvals`."""
    raise RuntimeError(f"{_REMOVED} `torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather "
                       "than real tensors mimicking complex tensors.\n\nL, _ = torch.eig(A) should be replaced "
                       "with:\nL_complex = torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, eigenvectors=True) "
                       "should be replaced with:\nL_complex, V_complex = torch.linalg.eig(A)")


def solve(input, A, *, out=None):
    """Removed from PyTorch (1.9): raises, pointing to :func:`ember.linalg.solve`."""
    raise RuntimeError(f"{_REMOVED} `torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` "
                       "has its arguments reversed and does not return the LU factorization.\n\nTo get the LU "
                       "factorization see `torch.lu`, which can be used with `torch.lu_solve` or `torch.lu_unpack`.\n"
                       "X = torch.solve(B, A).solution should be replaced with:\nX = torch.linalg.solve(A, B)")


def symeig(input, eigenvectors=False, upper=True, *, out=None):
    """Removed from PyTorch (1.9): raises, pointing to :func:`ember.linalg.eigh` / :func:`ember.linalg.eigvalsh`."""
    raise RuntimeError(f"{_REMOVED} The default behavior has changed from using the upper triangular portion of the "
                       "matrix by default to using the lower triangular portion.\n\nL, _ = torch.symeig(A, "
                       "upper=upper) should be replaced with:\nL = torch.linalg.eigvalsh(A, UPLO='U' if upper else "
                       "'L')\n\nand\n\nL, V = torch.symeig(A, eigenvectors=True) should be replaced with:\nL, V = "
                       "torch.linalg.eigh(A, UPLO='U' if upper else 'L')")


def matrix_rank(input, tol=None, symmetric=False, *, out=None):
    """Removed from PyTorch (1.9): raises, pointing to :func:`ember.linalg.matrix_rank`."""
    raise RuntimeError(f"{_REMOVED}\nPlease use the `torch.linalg.matrix_rank` function instead. The parameter "
                       "'symmetric' was renamed in `torch.linalg.matrix_rank()` to 'hermitian'.")
