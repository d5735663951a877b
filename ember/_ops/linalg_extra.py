"""LAPACK's compact factorizations: the Bunch-Kaufman ``L D L^T`` of symmetric/Hermitian indefinite matrices
(``linalg.ldl_factor`` / ``ldl_solve``, LAPACK's ?sytrf / ?hetrf format) and Householder QR with its reflectors
(``geqrf``, ``ormqr``). Loaded on first use of these functions."""

import math

from ember._backend import xp
from ember._ops import Op
from ember._ops.linalg import _H, _diag, _gather_rows, _mT, _pivot_size, _scatter_rows, _tri_solve, pivots_to_perm

_BK_ALPHA = (1 + 17 ** 0.5) / 8  # Bunch-Kaufman's threshold: bounds the growth of the factors


class _NoDerivative(Op):
    """A node PyTorch records but cannot differentiate: backward raises PyTorch's error for ``aten_name``."""

    grad_name = "NotImplemented"
    complex_grad = True  # records complex inputs too (backward raises either way)
    aten_name = None

    def backward(self, *grads):
        raise RuntimeError(f"derivative for aten::{self.aten_name} is not implemented")

    backward_graph = backward


# ---------------------------------------------------------------------------------------- LDL (Bunch-Kaufman)


def _bk_size(x, hermitian):
    """The magnitude LAPACK compares for a diagonal entry: ``|Re x|`` for Hermitian matrices, else as off-diagonal."""
    return xp.abs(x.real) if hermitian else _pivot_size(x)


def _mirror(t, hermitian):
    """The symmetric (Hermitian) matrix whose lower triangle is that of ``t``: LAPACK reads only that triangle, and
    keeping the copy exact lets a symmetric permutation stand in for its interchanges."""
    low = xp.tril(t, -1)
    return xp.tril(t) + (_H(low) if hermitian else _mT(low))


def ldl_factor_arrays(a, hermitian):
    """Bunch-Kaufman ``P L D L^T P^T`` (``L D L^H`` if ``hermitian``) of the lower triangles of ``(*, n, n)``
    arrays, as LAPACK's unblocked ?sytf2 / ?hetf2 with UPLO='L': ``(LD, pivots, info)`` in LAPACK's format (the
    multipliers of each step are not permuted by later interchanges; 1-based pivots, negative for 2x2 blocks).

    Matrices advance by one or two columns per step, so each step takes those at the leftmost column: at most
    ``n`` steps, each vectorised over its matrices."""
    n = a.shape[-1]
    herm = hermitian and a.dtype.kind == "c"
    batch = a.shape[:-2]
    work = _mirror(a.reshape((math.prod(batch), n, n)), herm)
    if herm:
        _diag(work)[...] = _diag(work).real  # ?hetrf reads only the real part of the diagonal
    count = work.shape[0]
    ld = xp.zeros_like(work)
    piv = xp.zeros((count, n), dtype=xp.int32)
    info = xp.zeros(count, dtype=xp.int32)
    col = xp.zeros(count, dtype=xp.int64)
    with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
        while count and (col < n).any():
            k = int(col.min())
            sel = xp.flatnonzero(col == k)
            col[sel] += _bk_step(work, ld, piv, info, sel, k, herm)
    return ld.reshape(a.shape), piv.reshape(batch + (n,)), info.reshape(batch)


def _bk_step(work, ld, piv, info, sel, k, herm):
    """One Bunch-Kaufman step at column ``k`` of the matrices ``sel``; returns their step sizes (1 or 2)."""
    n = work.shape[-1]
    w = work[sel]
    g = len(sel)
    r = xp.arange(g)
    akk = _bk_size(w[:, k, k], herm)
    if k + 1 < n:
        below = _pivot_size(w[:, k + 1:, k])
        imax = k + 1 + xp.argmax(below, axis=1)  # the first largest, as i?amax
        colmax = below[r, imax - k - 1]
    else:
        imax, colmax = xp.full(g, k), xp.zeros(g, dtype=akk.dtype)
    zero = (xp.maximum(akk, colmax) == 0) | xp.isnan(akk)  # a zero column: D[k, k] = 0, reported in info
    info[sel[zero & (info[sel] == 0)]] = k + 1
    # the largest off-diagonal magnitude in row (= column) imax of the trailing matrix
    row = _pivot_size(w[r, imax, k:])
    row[r, imax - k] = 0
    rowmax = row.max(axis=1)
    keep = zero | (akk >= _BK_ALPHA * colmax) | (akk >= _BK_ALPHA * colmax * (colmax / rowmax))
    swap1 = ~keep & (_bk_size(w[r, imax, imax], herm) >= _BK_ALPHA * rowmax)
    two = ~keep & ~swap1
    kp = xp.where(keep, k, imax)
    kk = k + two  # the row/column exchanged with kp: k, or k + 1 for a 2x2 pivot
    moved = xp.flatnonzero(kp != kk)
    if moved.size:  # symmetric interchange of kk and kp (the factored columns of ld are not touched)
        perm = xp.broadcast_to(xp.arange(n), (moved.size, n)).copy()
        perm[xp.arange(moved.size), kk[moved]] = kp[moved]
        perm[xp.arange(moved.size), kp[moved]] = kk[moved]
        w[moved] = w[moved[:, None, None], perm[:, :, None], perm[:, None, :]]
    one = xp.flatnonzero(~two & ~zero)
    if one.size:
        _bk_update_1x1(w, ld, sel, one, k, herm)
    blocks = xp.flatnonzero(two)
    if blocks.size:
        _bk_update_2x2(w, ld, sel, blocks, k, herm)
    flat = xp.flatnonzero(zero)
    ld[sel[flat], k:, k] = w[flat, k:, k]  # a zero (or NaN) column is left as it is
    piv[sel, k] = xp.where(two, -(kp + 1), kp + 1)
    if blocks.size:
        piv[sel[blocks], k + 1] = -(kp[blocks] + 1)
    work[sel] = w
    return 1 + two.astype(xp.int64)


def _bk_update_1x1(w, ld, sel, idx, k, herm):
    d = w[idx, k, k].real if herm else w[idx, k, k]
    ld[sel[idx], k, k] = d
    if k + 1 == w.shape[-1]:
        return
    x = w[idx, k + 1:, k]
    xc = x.conj() if herm else x
    r1 = 1 / d
    # in LAPACK's order (?syr / ?her): A[i, j] - x[i] * (x[j] / d)
    w[idx, k + 1:, k + 1:] = _mirror(w[idx, k + 1:, k + 1:] - x[:, :, None] * (r1[:, None] * xc)[:, None, :], herm)
    # LAPACK divides instead of scaling by 1 / d where that reciprocal would overflow
    tiny = xp.abs(d) < xp.finfo(x.dtype).tiny
    ld[sel[idx], k + 1:, k] = xp.where(tiny[:, None], x / d[:, None], x * r1[:, None])


def _bk_update_2x2(w, ld, sel, idx, k, herm):
    a, b, c = w[idx, k, k], w[idx, k + 1, k], w[idx, k + 1, k + 1]
    xk, xk1 = w[idx, k + 2:, k], w[idx, k + 2:, k + 1]
    if herm:  # ?hetf2: D = [[a, conj(b)], [b, c]] with real a, c
        a, c = a.real, c.real
        size = xp.abs(b)
        d11, d22, d21 = c / size, a / size, b / size
        scale = (1 / (d11 * d22 - 1)) / size
        wk = scale[:, None] * (d11[:, None] * xk - d21[:, None] * xk1)
        wk1 = scale[:, None] * (d22[:, None] * xk1 - d21.conj()[:, None] * xk)
        wkc, wk1c = wk.conj(), wk1.conj()
    else:  # ?sytf2: D = [[a, b], [b, c]]
        d11, d22 = c / b, a / b
        scale = (1 / (d11 * d22 - 1)) / b
        wk = scale[:, None] * (d11[:, None] * xk - xk1)
        wk1 = scale[:, None] * (d22[:, None] * xk1 - xk)
        wkc, wk1c = wk, wk1
    trail = w[idx, k + 2:, k + 2:] - xk[:, :, None] * wkc[:, None, :] - xk1[:, :, None] * wk1c[:, None, :]
    trail = _mirror(trail, herm)
    if herm:
        _diag(trail)[...] = _diag(trail).real
    w[idx, k + 2:, k + 2:] = trail
    rows = sel[idx]
    ld[rows, k, k], ld[rows, k + 1, k], ld[rows, k + 1, k + 1] = a, b, c
    ld[rows, k + 2:, k] = wk
    ld[rows, k + 2:, k + 1] = wk1


def _ldl_unpack(ld, piv):
    """From LAPACK's compact form: the unit lower ``L`` with every interchange applied to the earlier columns, the
    row order ``perm`` with ``A[perm][:, perm] = L D L^T``, and the mask of the first rows of 2x2 blocks."""
    n = ld.shape[-1]
    count = math.prod(ld.shape[:-2])
    p = piv.reshape((count, n)).astype(xp.int64)
    first = xp.zeros(p.shape, dtype=bool)
    prev = xp.zeros(count, dtype=bool)
    for i in range(n):  # a negative pivot opens a 2x2 block unless it closes the one opened just before
        prev = first[:, i] = (p[:, i] < 0) & ~prev
    second = xp.zeros_like(first)
    second[:, 1:] = first[:, :-1]
    # row i is exchanged with |pivot| - 1, except the first row of a 2x2 block (its second row is)
    target = xp.where(first, xp.arange(n), xp.abs(p) - 1)
    low = xp.tril(ld.reshape((count, n, n)), -1)
    low[:, 1:, :-1][:, xp.arange(n - 1), xp.arange(n - 1)] *= ~first[:, :-1]  # D's off-diagonal is not L's
    _diag(low)[...] = 1
    rows = xp.arange(count)
    cols = xp.arange(n)
    for i in range(1, n):  # step i's exchange reaches the multipliers of the steps before it
        t = target[:, i]
        before = cols < (i - second[:, i])[:, None]
        ri, rt = low[rows, i], low[rows, t]
        low[rows, i] = xp.where(before, rt, ri)
        low[rows, t] = xp.where(before, ri, rt)
    perm = pivots_to_perm(target + 1, n)
    shape = ld.shape[:-2]
    return low.reshape(ld.shape), perm.reshape(shape + (n,)), first.reshape(shape + (n,))


def _solve_block_diagonal(ld, first, z, herm):
    """``D^-1 z`` for the block-diagonal ``D`` (1x1 and 2x2 blocks) held in ``ld``, with LAPACK's ?sytrs formulas."""
    d = _diag(ld)
    if herm:
        d = d.real
    b = xp.zeros_like(ld[..., 0])
    b[..., :-1] = _diag(ld[..., 1:, :-1])  # b[i] = ld[i + 1, i]: a 2x2 block's off-diagonal
    d_next = xp.zeros_like(d)
    d_next[..., :-1] = d[..., 1:]
    z_next = xp.zeros_like(z)
    z_next[..., :-1, :] = z[..., 1:, :]
    bc = b.conj() if herm else b
    one = ~first
    one[..., 1:] &= ~first[..., :-1]
    with xp.errstate(divide="ignore", invalid="ignore"):
        bs = xp.where(first, b, 1)[..., None]
        bcs = xp.where(first, bc, 1)[..., None]
        ak1, ak = d[..., None] / bcs, d_next[..., None] / bs
        denom = ak1 * ak - 1
        zk1, zk = z / bcs, z_next / bs
        top = (ak * zk1 - zk) / denom
        bottom = (ak1 * zk - zk1) / denom  # the block's second row, computed at its first
        out = xp.where(one[..., None], z / d[..., None], top)
    shifted = xp.zeros_like(bottom)
    shifted[..., 1:, :] = bottom[..., :-1, :]
    second = xp.zeros_like(first)
    second[..., 1:] = first[..., :-1]
    return xp.where(second[..., None], shifted, out)


def ldl_solve_arrays(ld, piv, b, hermitian):
    """``A X = B`` for ``A`` given by :func:`ldl_factor_arrays` (LAPACK's ?sytrs / ?hetrs); batches broadcast."""
    if ld.shape[-1] == 0:
        return xp.zeros(xp.broadcast_shapes(ld.shape[:-2], b.shape[:-2]) + b.shape[-2:], dtype=b.dtype)
    herm = hermitian and ld.dtype.kind == "c"
    low, perm, first = _ldl_unpack(ld, piv)
    z = _tri_solve(low, _gather_rows(b, perm), False, True)
    y = _solve_block_diagonal(ld, first, z, herm)
    x = _tri_solve(_H(low) if herm else _mT(low), y, True, True)
    return _scatter_rows(x, perm)


class LdlFactor(_NoDerivative):
    """``linalg.ldl_factor_ex``: ``(LD, pivots, info)``. PyTorch records the node but has no derivative for it."""

    family = "linalg"
    grad_name = "NotImplemented"
    aten_name = "linalg_ldl_factor_ex"
    hermitian = False

    def forward(self, a):
        return ldl_factor_arrays(a, self.hermitian)


class LdlSolve(_NoDerivative):
    """``linalg.ldl_solve(LD, pivots, B)``; no derivative in PyTorch either."""

    family = "linalg"
    grad_name = "NotImplemented"
    aten_name = "linalg_ldl_solve"
    hermitian = False

    def forward(self, ld, piv, b):
        return ldl_solve_arrays(ld, piv, b, self.hermitian)


# ---------------------------------------------------------------------------------------- Householder QR


class Geqrf(Op):
    """``geqrf``: LAPACK's compact QR, ``R`` on and above the diagonal and the Householder vectors below it, with
    their scales ``tau``. PyTorch has no derivative for it: backward raises."""

    family = "linalg"
    complex_grad = True
    differentiable_outputs = 2

    def forward(self, a):
        h, tau = xp.linalg.qr(a, mode="raw")  # LAPACK's ?geqrf, its result in Fortran order
        return xp.ascontiguousarray(_mT(h)), tau

    def backward(self, ga, gtau):
        raise NotImplementedError("the derivative for 'geqrf' is not implemented.")

    backward_graph = backward


def _reflectors(a, k, eye):
    """The Householder vectors of compact ``a``: its first ``k`` columns below the diagonal, with a unit diagonal."""
    return a[..., :, :k].tril(-1) + eye if hasattr(a, "tril") else xp.tril(a[..., :, :k], -1) + eye


def _apply_reflectors(v, t, y, adjoint, ct):
    """``Q y`` (``Q^H y`` if ``adjoint``) for ``Q = H_1 ... H_k``, ``H_i = I - t_i v_i v_i^H`` (``t`` is ``tau``,
    or its conjugate for ``Q^H``); arrays or tensors alike, ``ct`` their conjugate transpose. Returns every
    intermediate result (``ys[s]`` is the input of step ``s``)."""
    k = v.shape[-1]
    ys = [y]
    for i in range(k) if adjoint else range(k - 1, -1, -1):  # Q^H applies H_1^H first, Q applies H_k first
        vi = v[..., :, i:i + 1]
        y = y - t[..., i, None, None] * (vi @ (ct(vi) @ y))
        ys.append(y)
    return ys


def _tensor_ct(t):
    return t.mH


class Ormqr(Op):
    """``ormqr(input, tau, other)``: ``op(Q) C`` (``C op(Q)`` if not ``left``) for ``Q`` given by reflectors
    (``geqrf``'s output), ``op`` the conjugate transpose if ``transpose``; differentiable in all three inputs."""

    family = "linalg"
    complex_grad = True
    left = True
    transpose = False

    def _plan(self):
        flip = not self.left  # C Q = (Q^H C^H)^H: the right products act on C^H
        return flip, self.transpose != flip

    def _chain(self, a, tau, c):
        flip, adjoint = self._plan()
        k = tau.shape[-1]
        v = _reflectors(a, k, xp.eye(a.shape[-2], k, dtype=a.dtype))
        t = tau.conj() if adjoint else tau
        return v, t, _apply_reflectors(v, t, _H(c) if flip else c, adjoint, _H)

    def forward(self, a, tau, c):
        if self.requires_grad:
            self.save(a, tau, c)
        y = self._chain(a, tau, c)[2][-1]
        return _H(y) if self._plan()[0] else y

    def backward(self, g):
        a, tau, c = self.saved
        flip, adjoint = self._plan()
        v, t, ys = self._chain(a, tau, c)
        k = v.shape[-1]
        g = _H(g) if flip else g
        gv = xp.zeros_like(v)
        gt = xp.zeros_like(t)
        order = list(range(k)) if adjoint else list(range(k - 1, -1, -1))
        for s in range(k - 1, -1, -1):  # back through y_{s+1} = y_s - t_i v_i w, w = v_i^H y_s
            i, y = order[s], ys[s]
            vi, ti = v[..., :, i:i + 1], t[..., i, None, None]
            w = _H(vi) @ y
            vh_g = _H(vi) @ g
            gt[..., i] = -(vh_g @ _H(w))[..., 0, 0]
            gv[..., :, i] = -(ti.conj() * (g @ _H(w)) + ti * (y @ (_H(g) @ vi)))[..., 0]
            g = g - ti.conj() * (vi @ vh_g)
        n = self.needs_input_grad
        ga = None
        if n[0]:
            ga = xp.zeros_like(a)
            ga[..., :, :k] = xp.tril(gv, -1)
        gtau = (gt.conj() if adjoint else gt) if n[1] else None
        return ga, gtau, (_H(g) if flip else g) if n[2] else None

    def backward_graph(self, g):
        from ember._ops.linalg import vjp_graph
        flip, adjoint = self._plan()

        def ormqr(a, tau, c):
            import ember

            k = tau.shape[-1]
            v = _reflectors(a, k, ember.eye(a.shape[-2], k, dtype=a.dtype))
            y = _apply_reflectors(v, tau.conj() if adjoint else tau, c.mH if flip else c, adjoint, _tensor_ct)[-1]
            return y.mH if flip else y
        return vjp_graph(ormqr, self._inputs, self.needs_input_grad, g)
