"""``ember.lobpcg``: a few extreme eigenpairs of a symmetric (generalized, positive-definite) eigenproblem by the
locally optimal block preconditioned conjugate gradient method (Knyazev, 2001), with a B-orthonormal search basis
(the robust variant of Stathopoulos and Wu, 2002). Differentiable in ``A`` (for ``B = I``) through the implicit
derivative of the returned eigenpairs.
"""

import math

import ember
from ember._backend import xp
from ember._ops import linalg as _L
from ember._tensor import wrap
from ember.autograd.function import Function
from ember.linalg import _lapack_dtype

__all__ = ["lobpcg"]


def lobpcg(A, k=None, B=None, X=None, n=None, iK=None, niter=None, tol=None, largest=None, method=None, tracker=None,
           ortho_iparams=None, ortho_fparams=None, ortho_bparams=None):
    """The ``k`` largest (or smallest) eigenvalues and eigenvectors of ``A x = lambda B x``, ``A`` symmetric and
    ``B`` symmetric positive-definite (the identity if None), by LOBPCG: no full decomposition, only products with
    ``A``, ``B`` and the preconditioner ``iK``.

    Args:
        A: ``(*, m, m)`` float tensor. B, iK: optional ``(*, m, m)`` tensors.
        k: eigenpairs to return (default: ``X``'s columns, or 1).
        X: optional ``(*, m, n)`` starting guess (default: ``n`` random columns from the global generator).
        n: the block size when ``X`` is not given (default ``k``); ``m >= 3 n`` is required.
        niter: maximum iterations (default 1000; -1: until converged). tol: residual tolerance (default
            ``sqrt(eps)`` of the dtype). largest: the largest eigenvalues (default True) or the smallest.
        method: ``"ortho"`` (default) or ``"basic"``; both run the orthonormal-basis iteration here.
        tracker: called with the iteration state after each step (``state.ivars["istep"]``, ``state.E``,
            ``state.X``, ``state.R``, ...); setting ``state.bvars["force_stop"] = True`` stops.
        ortho_iparams, ortho_fparams, ortho_bparams: accepted for compatibility; unused.

    Returns:
        ``(E (*, k), X (*, m, k))``: eigenvalues (descending if ``largest``, else ascending) and B-orthonormal
        eigenvectors. When ``A`` requires grad it is symmetrized first, ``(A + A^T) / 2``, as in PyTorch, so its
        gradient is symmetric; backward is not supported with ``B``.

    Example::

        >>> A = ember.diag(ember.arange(1.0, 13.0, dtype=ember.float64))
        >>> E, X = ember.lobpcg(A, k=2)
        >>> E.round()
        tensor([12., 11.], dtype=ember.float64)
    """
    m = A.shape[-2]
    if A.shape[-1] != m:
        raise AssertionError(f"A must be square, got shape {A.shape}")
    if X is None:
        k = 1 if k is None else k
        n = k if n is None else n
        from ember._functions_linalg import _floating_dtype
        dtype = _floating_dtype(A)
        if m < 3 * n:
            raise ValueError(_too_small(m, n))
        X = ember.randn(*A.shape[:-2], m, n, dtype=dtype)
    else:
        n = X.shape[-1]
        k = n if k is None else k
        if m < 3 * n:
            raise ValueError(_too_small(m, n))
    if X.dtype != A.dtype:
        A @ X  # raises PyTorch's dtype error (a float32 starting block for an integer or complex A)
    _L.check_float_or_complex(A._data, "linalg.vector_norm")  # (PyTorch's first step that refuses integers)
    _lapack_dtype(A._data, "cholesky_cpu")  # half types (PyTorch: its first factorization)
    params = {"k": k, "niter": 1000 if niter is None else niter,
              "tol": math.sqrt(ember.finfo(A.dtype).eps) if tol is None else tol,
              "largest": True if largest is None else largest, "tracker": tracker}
    if A.requires_grad and ember.is_grad_enabled():
        A = (A + A.mT) / 2
    return LOBPCGAutogradFunction.apply(A, B, X, iK, params)


def _too_small(m, n):
    return (f"LOBPCG algorithm is not applicable when the number of A rows (={m}) is smaller than 3 x the number "
            f"of requested eigenpairs (={n})")


class LOBPCGAutogradFunction(Function):
    """The node of :func:`lobpcg` (PyTorch's name): forward iterates on arrays; backward differentiates the returned
    eigenpairs of ``A`` implicitly."""

    @staticmethod
    def forward(ctx, A, B, X, iK, params):
        arrays = [None if t is None else t.detach()._data for t in (A, B, X, iK)]
        e, x = _solve(*arrays, **params)
        ctx.save_for_backward(A.detach(), wrap(e), wrap(x))
        ctx.has_b = B is not None
        return wrap(e), wrap(x)

    @staticmethod
    def backward(ctx, g_e, g_x):
        if ctx.has_b:
            raise ValueError("lobpcg.backward does not support backward with B != I yet.")
        a, e, x = (t._data for t in ctx.saved_tensors)
        g_e = xp.zeros_like(e) if g_e is None else g_e._data
        g_x = xp.zeros_like(x) if g_x is None else g_x._data
        return wrap(_eigenpairs_grad(a, e, x, g_e, g_x)), None, None, None, None


def _eigenpairs_grad(a, e, x, g_e, g_x):
    """``dL/dA`` for ``k`` simple eigenpairs ``(e_i, x_i)`` of symmetric ``A``: ``x_i g_e_i x_i^T`` plus, for the
    eigenvectors, ``-(A - e_i)^+ (I - x_i x_i^T) g_x_i x_i^T``; the pseudo-inverse on the complement of ``x_i``
    is a solve with ``A - e_i I + x_i x_i^T`` (nonsingular for a simple eigenvalue)."""
    out = (x * g_e[..., None, :]) @ xp.swapaxes(x, -1, -2)
    if g_x.any():
        xs = xp.swapaxes(x, -1, -2)[..., :, :, None]  # (*, k, m, 1): one column per eigenpair
        gs = xp.swapaxes(g_x, -1, -2)[..., :, :, None]
        z = gs - xs * (xp.swapaxes(xs, -1, -2) @ gs)
        m = a.shape[-1]
        shifted = a[..., None, :, :] - e[..., :, None, None] * xp.eye(m, dtype=a.dtype) + xs @ xp.swapaxes(xs, -1, -2)
        y = xp.linalg.solve(shifted, z)
        out = out - (y @ xp.swapaxes(xs, -1, -2)).sum(-3)
    return (out + xp.swapaxes(out, -1, -2)) / 2  # the gradient through A -> (A + A^T) / 2


class _State:
    """What a ``tracker`` sees after each iteration (the names of PyTorch's LOBPCG instance)."""

    def __init__(self, A, B, iK, params):
        self.A, self.B, self.iK = A, B, iK
        self.iparams = {"k": params["k"], "niter": params["niter"]}
        self.fparams = {"tol": params["tol"]}
        self.bparams = {"largest": params["largest"]}
        self.ivars = {"istep": 0, "converged_count": 0}
        self.fvars = {}
        self.bvars = {"force_stop": False}
        self.tvars = {}
        self.E = self.X = self.R = self.S = None


def _solve(a, b, x, ik, k, niter, tol, largest, tracker):
    """LOBPCG on arrays, matrix by matrix over the batch (the search bases may differ in size)."""
    batch = a.shape[:-2]
    m, nx = x.shape[-2:]
    count = math.prod(batch)
    flat = [None if t is None else xp.broadcast_to(t, batch + t.shape[-2:]).reshape(count, *t.shape[-2:])
            for t in (a, b, x, ik)]
    es = xp.empty((count, nx), dtype=a.dtype)
    xs = xp.empty((count, m, nx), dtype=a.dtype)
    for i in range(count):
        state = _State(*(None if t is None else wrap(t[i]) for t in (flat[0], flat[1], flat[3])),
                       {"k": k, "niter": niter, "tol": tol, "largest": largest}) if tracker else None
        es[i], xs[i] = _solve_one(*(None if t is None else t[i] for t in flat), niter, tol, largest, k, tracker,
                                  state)
    return es.reshape(batch + (nx,))[..., :k], xs.reshape(batch + (m, nx))[..., :k]


def _ct(v):
    """The conjugate transpose (inner products of complex, Hermitian problems)."""
    return v.conj().T if v.dtype.kind == "c" else v.T


def _b_orthonormal(s, bs, drop):
    """A ``B``-orthonormal basis of the span of the columns of ``s`` (``bs = B s``) by the eigendecomposition of the
    scaled Gram matrix (Stathopoulos and Wu's SVQB), without the directions below ``drop`` of the largest."""
    gram = _ct(s) @ bs
    gram = (gram + _ct(gram)) / 2
    scale = xp.sqrt(xp.abs(xp.diag(gram)))
    scale[scale == 0] = 1
    w, v = xp.linalg.eigh(gram / scale[:, None] / scale[None, :])
    keep = w > drop * max(w.max(), 0)
    t = v[:, keep] / xp.sqrt(w[keep]) / scale[:, None]
    return s @ t, bs @ t


def _solve_one(a, b, x, ik, niter, tol, largest, k, tracker, state):
    nx = x.shape[1]
    times_b = (lambda v: v) if b is None else (lambda v: b @ v)
    drop = 10 * x.shape[0] * xp.finfo(a.dtype).eps
    x, bx = _b_orthonormal(x, times_b(x), drop)
    ax = a @ x
    # the scale of the residual test: ||A||, ||B|| estimated on the starting block (an exact 2-norm would cost an SVD,
    # O(m^3), more than the iteration itself)
    x_norm = xp.linalg.norm(x)
    a_norm = xp.linalg.norm(ax) / x_norm
    b_norm = 1.0 if b is None else xp.linalg.norm(bx) / x_norm
    p = None
    theta, c = _ritz(x, ax, nx, largest)
    x, ax, bx = x @ c, ax @ c, bx @ c
    step = 0
    while niter < 0 or step < niter:
        r = ax - bx * theta
        err = xp.linalg.norm(r, axis=0) / (xp.linalg.norm(x, axis=0) * (a_norm + xp.abs(theta) * b_norm))
        done = err < tol
        if state is not None:
            state.ivars["converged_count"] = int(done.sum())
            state.E, state.X, state.R = wrap(theta.copy()), wrap(x.copy()), wrap(r)
            state.tvars["rerr"] = wrap(err)
        if done[:k].all():
            break
        w = r if ik is None else ik @ r
        for _ in range(2):  # B-orthogonal to the current block (twice: one pass loses digits)
            w = w - x @ (_ct(bx) @ w)
        search = w if p is None else xp.concatenate([w, p - x @ (_ct(bx) @ p)], axis=1)
        q, bq = _b_orthonormal(search, times_b(search), drop)
        if q.shape[1] == 0:
            break
        aq = a @ q
        basis, a_basis, b_basis = (xp.concatenate(pair, axis=1) for pair in ((x, q), (ax, aq), (bx, bq)))
        theta, c = _ritz(basis, a_basis, nx, largest)
        x, ax, bx = basis @ c, a_basis @ c, b_basis @ c
        p = q @ c[nx:]  # the step just taken: the conjugate direction of the next one
        step += 1
        if state is not None:
            state.ivars["istep"] = step
            state.S = wrap(basis)
            tracker(state)
            if state.bvars.get("force_stop"):
                break
    return theta, x


def _ritz(basis, a_basis, nx, largest):
    """The ``nx`` extreme Ritz values of ``A`` on a B-orthonormal basis, and their coefficient vectors."""
    h = _ct(basis) @ a_basis
    w, v = xp.linalg.eigh((h + _ct(h)) / 2)
    order = xp.arange(w.shape[0] - 1, w.shape[0] - 1 - nx, -1) if largest else xp.arange(nx)
    return w[order], v[:, order]
