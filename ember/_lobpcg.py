"""``ember.lobpcg``: a few extreme eigenpairs of a symmetric (generalized, positive-definite) eigenproblem by the
locally optimal block preconditioned conjugate gradient method (Knyazev, 2001), iterated step for step as PyTorch
does: method "ortho" (Duersch et al., 2018: B-orthonormal search bases, converged pairs locked) or "basic"
(Rayleigh-Ritz through a Cholesky factor of the Gram matrix). Differentiable in ``A`` (for ``B = I``) through the
implicit derivative of the returned eigenpairs.
"""

import math

import ember
from ember._backend import xp
from ember._ops import linalg as _L
from ember._tensor import wrap
from ember.autograd.function import Function
from ember.linalg import _lapack_dtype

__all__ = ["lobpcg"]

# the default tolerance is the square root of these (PyTorch's rounded machine epsilons; float16 has none: KeyError)
_ROUNDED_EPS = {ember.float32: 1.2e-07, ember.float64: 2.23e-16}


def lobpcg(A, k=None, B=None, X=None, n=None, iK=None, niter=None, tol=None, largest=None, method=None, tracker=None,
           ortho_iparams=None, ortho_fparams=None, ortho_bparams=None):
    """The ``k`` largest (or smallest) eigenvalues and eigenvectors of ``A x = lambda B x``, ``A`` symmetric and
    ``B`` symmetric positive-definite (the identity if None), by LOBPCG: no full decomposition, only products with
    ``A``, ``B`` and the preconditioner ``iK``.

    Args:
        A: ``(*, m, m)`` float tensor. B: optional tensor of ``A``'s shape. iK: optional ``(m, m)`` preconditioner
            (method "basic" only; "ortho" does not use it).
        k: eigenpairs to return (default: ``X``'s columns, or 1).
        X: optional ``(*, m, n)`` starting guess (default: ``n`` random columns from the global generator, drawn
            matrix by matrix). Method "basic" overwrites it with the final block, as PyTorch does.
        n: the block size when ``X`` is not given (default ``k``); ``m >= 3 n`` is required.
        niter: the most iterations, the first (initialization) step included (default 1000; -1 or 0: until
            converged). tol: the backward-error tolerance of a pair (default ``sqrt(eps)`` of the dtype).
        largest: the largest eigenvalues (default True) or the smallest.
        method: ``"ortho"`` (default) or ``"basic"``.
        tracker: called with the iteration state after each step (``state.ivars["istep"]``, ``state.E``,
            ``state.X``, ``state.R``, ``state.S``, ``state.tvars["rerr"]``, ...); setting
            ``state.bvars["force_stop"] = True`` stops.
        ortho_iparams, ortho_fparams, ortho_bparams: settings of the "ortho" orthogonalization (``ortho_i_max``,
            ``ortho_j_max``; ``ortho_tol``, ``ortho_tol_drop``, ``ortho_tol_replace``; ``ortho_use_drop``).

    Shape:
        ``E`` is ``(*, k)`` and ``X`` is ``(*, m, k)`` (``n`` columns when ``X`` was given with ``n < k``).

    Returns:
        ``(E, X)``: eigenvalues (descending if ``largest``, else ascending) and B-orthonormal eigenvectors. When
        ``A`` requires grad it is symmetrized first, ``(A + A^T) / 2``, as in PyTorch, so its gradient is symmetric;
        backward is not supported with ``B``.

    Example::

        >>> A = ember.diag(ember.arange(1.0, 13.0, dtype=ember.float64))
        >>> E, X = ember.lobpcg(A, k=2)
        >>> E.round()
        tensor([12., 11.], dtype=ember.float64)
    """
    if A.shape[-2] != A.shape[-1]:
        raise AssertionError(f"A must be square, got shape {A.shape}")
    if B is not None and A.shape != B.shape:
        raise AssertionError(f"A and B must have same shape, got {A.shape} vs {B.shape}")
    from ember._functions_linalg import _floating_dtype
    dtype = _floating_dtype(A)
    if tol is None:  # (complex A, which PyTorch's iteration cannot handle: the eps of its real dtype)
        tol = _ROUNDED_EPS[A.real.dtype if A.is_complex() else dtype] ** 0.5
    m = A.shape[-1]
    if k is None:
        k = 1 if X is None else X.shape[-1]
    n = (k if n is None else n) if X is None else X.shape[-1]
    if m < 3 * n:
        raise ValueError(f"LOBPCG algorithm is not applicable when the number of A rows (={m}) is smaller than 3 x "
                         f"the number of requested eigenpairs (={n})")
    method = "ortho" if method is None else method
    iparams = {"m": m, "n": n, "k": k, "niter": 1000 if niter is None else niter}
    fparams = {"tol": tol}
    bparams = {"largest": True if largest is None else largest}
    if method == "ortho":
        iparams.update(ortho_iparams or {})
        fparams.update(ortho_fparams or {})
        bparams.update(ortho_bparams or {})
        iparams.setdefault("ortho_i_max", 3)
        iparams.setdefault("ortho_j_max", 3)
        for name in ("ortho_tol", "ortho_tol_drop", "ortho_tol_replace"):
            fparams.setdefault(name, tol)
        bparams.setdefault("ortho_use_drop", False)
    if A.requires_grad or (B is not None and B.requires_grad):
        A = (A + A.mT) / 2
        B = None if B is None else (B + B.mT) / 2
    return LOBPCGAutogradFunction.apply(A, B, X, iK, (dtype, iparams, fparams, bparams, method, tracker))


class LOBPCGAutogradFunction(Function):
    """The node of :func:`lobpcg` (PyTorch's name): forward iterates on arrays; backward differentiates the returned
    eigenpairs of ``A`` implicitly."""

    @staticmethod
    def forward(ctx, A, B, X, iK, config):
        e, x = _run(*(None if t is None else t.detach() for t in (A, B, X, iK)), *config)
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


def _run(A, B, X, iK, dtype, iparams, fparams, bparams, method, tracker):
    """``(E[:k], X[:, :k])`` as arrays: one iteration per matrix of the batch, each with its own starting block
    (random ones drawn in turn; ``iK`` is shared)."""
    m, n, k = iparams["m"], iparams["n"], iparams["k"]
    settings = (iparams, fparams, bparams, method, tracker)
    if A.ndim == 2:
        worker = _Worker(A, B, _start_block(X, m, n, dtype, "X"), iK, *settings)
        worker.run()
        return worker._e[:k].copy(), worker._x[:, :k].copy()
    batch = tuple(A.shape[:-2])
    count = math.prod(batch)
    flat = [None if t is None else t.reshape((count,) + tuple(t.shape[-2:])) for t in (A, B, X)]
    es = ember.empty((count, k), dtype=dtype)
    xs = ember.empty((count, m, k), dtype=dtype)
    for i in range(count):
        iparams["batch_index"] = i
        x = _start_block(None if X is None else flat[2][i], m, n, dtype, "X_")
        worker = _Worker(flat[0][i], None if B is None else flat[1][i], x, iK, *settings)
        worker.run()
        if i == 0 and worker._e.dtype.kind == "c":  # (an ember extension: PyTorch's iteration fails for complex)
            es, xs = es.to(x.dtype), xs.to(x.dtype)
        es[i] = wrap(worker._e[:k])  # (k > n: PyTorch's error for a block of n columns)
        xs[i] = wrap(worker._x[:, :k])
    return es._data.reshape(batch + (k,)), xs._data.reshape(batch + (m, k))


def _start_block(X, m, n, dtype, name):
    X = ember.randn(m, n, dtype=dtype) if X is None else X
    if not (X.ndim == 2 and tuple(X.shape) == (m, n)):
        raise AssertionError(f"{name} shape mismatch: got {X.shape}, expected {(m, n)}")
    return X


def _ct(v):
    """The conjugate transpose (inner products of complex, Hermitian problems; PyTorch's plain transpose there
    makes its iteration break down)."""
    return v.conj().T if v.dtype.kind == "c" else v.T


def _eigh(h, largest):
    """Eigenpairs of the (upper triangle of) Hermitian ``h``, ascending, or descending if ``largest``."""
    w, v = xp.linalg.eigh(h, UPLO="U")
    return (w[::-1], v[:, ::-1]) if largest else (w, v)


def _cholesky_upper(g):
    """``R`` upper triangular with ``R^H R = g``, from ``g``'s upper triangle; PyTorch's error if not
    positive-definite."""
    try:
        return _ct(xp.linalg.cholesky(_ct(g)))
    except xp.linalg.LinAlgError:
        ember.linalg.cholesky(wrap(_ct(g)))  # raises with the order of the failing leading minor
        raise


def _product(M, x):
    """``M @ x`` (``x`` if ``M`` is None) by ember's matmul: PyTorch's dtype and shape errors on a first product."""
    return x if M is None else (M @ wrap(x))._data


class _Worker:
    """The state of one LOBPCG run, named as PyTorch's worker (what a ``tracker`` receives): ``iparams``,
    ``fparams``, ``bparams`` (settings), ``ivars``, ``fvars``, ``bvars``, ``tvars`` (iteration variables), ``A``,
    ``B``, ``iK``, and the current ``X`` (block), ``E`` (its Ritz values), ``R`` (residuals) and ``S`` (search
    basis) as tensors. The arrays behind them are ``_x``, ``_e``, ``_r`` and ``_s``."""

    def __init__(self, A, B, X, iK, iparams, fparams, bparams, method, tracker):
        self.A, self.B, self.iK = A, B, iK
        self.iparams, self.fparams, self.bparams = iparams, fparams, bparams
        self.method, self.tracker = method, tracker
        m, n = iparams["m"], iparams["n"]
        self.X = X
        x = X._data
        if method != "ortho" and not x.flags.writeable:
            x = x.copy()
        self._x = x  # "basic" writes its iterates into the caller's X
        self._e = xp.zeros(n, dtype=x.dtype)
        self._r = xp.zeros((m, n), dtype=x.dtype)
        self._s = xp.zeros((m, 3 * n), dtype=x.dtype)
        self._a = A._data
        self._b = None if B is None else B._data
        self.tvars, self.ivars, self.fvars, self.bvars = {}, {"istep": 0}, {"_": 0.0}, {"_": False}
        self._publish()

    def _publish(self):
        self.E, self.R, self.S = wrap(self._e), wrap(self._r), wrap(self._s)
        if self._x is not self.X._data:
            self.X = wrap(self._x)

    def _times_b(self, v):
        return v if self._b is None else self._b @ v

    def run(self):
        """Iterate until ``k`` leading pairs converged, ``niter`` steps were taken or the tracker asks to stop."""
        while True:
            self._step()
            if self.tracker is not None:
                self._publish()
                self.tracker(self)
            if (self.bvars.get("force_stop", False) or self.ivars["iterations_left"] == 0
                    or self.ivars["converged_count"] >= self.iparams["k"]):
                return

    def _step(self):
        if self.ivars["istep"] == 0:
            x = self._x
            _L.check_float_or_complex(x, "linalg.vector_norm")
            x_norm = float(xp.linalg.norm(x))
            inv_norm = x_norm ** -1
            ax = _product(self.A, x)
            # ||A||, ||B|| estimated on the starting block: the scale of the convergence test
            self.fvars.update(X_norm=x_norm, A_norm=float(xp.linalg.norm(ax)) * inv_norm,
                              B_norm=float(xp.linalg.norm(_product(self.B, x))) * inv_norm)
            self.ivars.update(iterations_left=self.iparams["niter"], converged_count=0, converged_end=0)
            self._first_step(x, ax)
        elif self.method == "ortho":
            self._ortho_step()
        else:
            self._basic_step()
        self.ivars["iterations_left"] -= 1
        self.ivars["istep"] += 1

    def _first_step(self, x, ax):
        """Rayleigh-Ritz on the starting block, then the first search directions: the residuals ("basic": through
        ``iK``; "ortho": B-orthonormalized against the block)."""
        n = self.iparams["n"]
        _lapack_dtype(x, "cholesky_cpu")  # half types: the Cholesky factorization below is PyTorch's first refusal
        ri = self._gram_inverse_factor(x)
        e, z = _eigh(_ct(ri) @ ((_ct(x) @ ax) @ ri), self.bparams["largest"])
        if self.method == "ortho":
            self._x = x @ (ri @ z)  # (the Ritz values are not kept: the first residuals are A X)
        else:
            self._x[...] = x @ (ri @ z)
            self._e[:] = e
        self._converged()
        self._s[:, :n] = self._x
        if self.method == "ortho":
            w = self._orthonormal_against(self._r, self._x)
        else:
            w = _product(self.iK, self._r)
        self.ivars["converged_end"] = n + w.shape[-1]
        wrap(self._s)[:, n:n + w.shape[-1]] = wrap(w)  # (PyTorch's error for a batched iK)

    def _ortho_step(self):
        """Rayleigh-Ritz on the B-orthonormal basis of the unconverged block, the previous step and the new
        directions; the converged leading pairs stay locked."""
        n, nc, ns = self.iparams["n"], self.ivars["converged_count"], self.ivars["converged_end"]
        s = self._s[:, nc:ns]
        live = n - nc
        e, z = _eigh(_ct(s) @ (self._a @ s), self.bparams["largest"])
        self._x[:, nc:] = s @ z[:, :live]
        self._e[nc:] = e[:live]
        # the step: the part of the new block outside the old one, orthonormalized within the basis
        p = s @ (z[:, live:] @ xp.linalg.qr(_ct(z[:live, live:]))[0])
        nc = self._converged()
        self._next_basis(p, lambda v: self._orthonormal_against(self._r[:, nc:], v))

    def _basic_step(self):
        """Rayleigh-Ritz on the (non-orthonormal) basis of the unconverged block, the previous step and the
        preconditioned residuals, through a Cholesky factor of its Gram matrix."""
        n, nc, ns = self.iparams["n"], self.ivars["converged_count"], self.ivars["converged_end"]
        s = self._s[:, nc:ns]
        ri = self._gram_inverse_factor(s)
        e, z = _eigh(_ct(ri) @ ((_ct(s) @ (self._a @ s)) @ ri), self.bparams["largest"])
        self._x[:, nc:] = s @ (ri @ z[:, :n - nc])
        self._e[nc:] = e[:n - nc]
        p = s @ (ri @ z[:, n:2 * n - nc])
        nc = self._converged()
        r = self._r[:, nc:]
        self._next_basis(p, lambda v: r if self.iK is None else self.iK._data @ r)

    def _next_basis(self, p, directions):
        """The next search basis: the block, the step ``p`` and the new directions (``directions`` of the basis so
        far)."""
        n, np_ = self.iparams["n"], p.shape[1]
        self._s[:, :n] = self._x
        self._s[:, n:n + np_] = p
        w = directions(self._s[:, :n + np_])
        ns = self.ivars["converged_end"] = n + np_ + w.shape[1]
        self._s[:, n + np_:ns] = w

    def _converged(self):
        """Update the residuals and count the converged leading pairs: backward error
        ``||r_j|| / (||x_j|| (||A|| + |e_j| ||B||))`` below ``tol`` (a pair after an unconverged one does not count)."""
        x = self._x
        self._r = self._a @ x - self._times_b(x) * self._e
        scale = self.fvars["A_norm"] + xp.abs(self._e[:x.shape[1]]) * self.fvars["B_norm"]
        rerr = xp.linalg.norm(self._r, axis=0) / (xp.linalg.norm(x, axis=0) * scale)
        count = int(xp.cumprod(rerr < self.fparams["tol"]).sum())
        before = self.ivars["converged_count"]
        if count < before:
            raise AssertionError(f"the number of converged eigenpairs (was {before}, got {count}) cannot decrease")
        self.ivars["converged_count"] = count
        self.tvars["rerr"] = wrap(rerr)
        return count

    def _gram_inverse_factor(self, s):
        """``C`` with ``C^H (S^H B S) C = I``: ``D R^-1`` for the Cholesky factor ``R`` of the Gram matrix scaled to a
        unit diagonal by ``D``."""
        gram = _ct(s) @ self._times_b(s)
        d = xp.diagonal(gram).real ** -0.5
        r = _cholesky_upper((gram * d) * d[:, None])
        return _L._tri_solve(r, xp.diag(d).astype(gram.dtype), upper=True, left=False)

    def _svqb(self, u, drop, tau):
        """A B-orthonormal basis of ``u``'s columns from the eigendecomposition of their scaled Gram matrix
        (Stathopoulos and Wu's SVQB): eigenvalues under ``tau`` times the largest are raised to it, or with
        ``drop`` their directions are left out. Exactly zero columns are left out first."""
        if u.size == 0:
            return u
        gram = _ct(u) @ self._times_b(u)
        d = xp.diagonal(gram).real
        if not (d != 0).all():
            u = u[:, d != 0]
            if u.size == 0:
                return u
            gram = _ct(u) @ self._times_b(u)
            d = xp.diagonal(gram).real
        d = d ** -0.5
        w, v = xp.linalg.eigh((gram * d[:, None]) * d, UPLO="U")
        floor = tau * xp.abs(w).max()
        if drop:
            keep = w > floor
            w, v, d = w[keep], v[:, keep], d[keep]
        else:
            w = xp.where(w < floor, floor, w)
        return (u * d) @ (v * w ** -0.5)

    def _orthonormal_against(self, u, v):
        """``u``'s columns B-orthonormalized and made B-orthogonal to the B-orthonormal ``v`` (Duersch's algorithm 3,
        or 6 with ``ortho_use_drop``): up to ``ortho_i_max`` projections, each followed by up to ``ortho_j_max``
        SVQB passes, until the relative errors of ``U^H B U = I`` and ``V^H B U = 0`` are below ``ortho_tol``."""
        fp, ip = self.fparams, self.iparams
        tol = fp["ortho_tol"]
        for key in [key for key in self.fvars if key.startswith("ortho_") and key.endswith("_rerr")]:
            del self.fvars[key]
        self.ivars.pop("ortho_i", None)
        self.ivars.pop("ortho_j", None)
        bv_norm = xp.linalg.norm(self._times_b(v))
        vbu = _ct(v) @ self._times_b(u)
        i = j = 0
        for i in range(ip["ortho_i_max"]):
            u = u - v @ vbu
            drop, tau = False, fp["ortho_tol_drop"]
            for j in range(ip["ortho_j_max"]):
                if self.bparams["ortho_use_drop"]:
                    u = self._svqb(u, drop, tau)
                    drop, tau = True, fp["ortho_tol_replace"]
                else:
                    u = self._svqb(u, False, fp["ortho_tol_replace"])
                if u.size == 0:  # every column lies in the span of v
                    self.ivars.update(ortho_i=i, ortho_j=j)
                    return u
                bu = self._times_b(u)
                ubu = _ct(u) @ bu
                off = xp.linalg.norm(ubu - xp.eye(ubu.shape[-1], dtype=ubu.dtype))
                rerr = float(off) * float(xp.linalg.norm(bu) * xp.linalg.norm(u)) ** -1
                self.fvars[f"ortho_UBUmI_rerr[{i}, {j}]"] = rerr
                if rerr < tol:
                    break
            vbu = _ct(v) @ bu
            rerr = float(xp.linalg.norm(vbu)) * float(bv_norm * xp.linalg.norm(u)) ** -1
            self.fvars[f"ortho_VBU_rerr[{i}]"] = rerr
            if rerr < tol:
                break
            if ip["m"] < u.shape[-1] + v.shape[-1]:
                if self.B is None:
                    raise AssertionError("B must not be None")
                raise ValueError(f"Overdetermined shape of U: #B-cols(={self.B.shape[-1]}) >= "
                                 f"#U-cols(={u.shape[-1]}) + #V-cols(={v.shape[-1]}) must hold")
        self.ivars.update(ortho_i=i, ortho_j=j)
        return u
