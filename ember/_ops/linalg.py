"""Linear algebra: matmul (mm/bmm/mv/dot), addmm, the matrix functions inv, det, slogdet, solve and cholesky
(batched over leading dimensions), and the distances cdist/pdist. (``einsum`` is composed from these: see
ember/_functions_einsum.py.)"""

import math

from ember._backend import xp
from ember._ops import Op
from ember._tensor import wrap


def _cj(a):
    """``conj(a)`` for a complex array (the holomorphic factor of a gradient is conjugated), ``a`` itself if real."""
    return a.conj() if a is not None and a.dtype.kind == "c" else a


def _tcj(t):
    """:func:`_cj` on tensors (``backward_graph``)."""
    return t.conj() if t.is_complex() else t


def _cs(s):
    """The conjugate of a scale (``alpha``/``beta`` may be Python complex numbers)."""
    return s.conjugate() if isinstance(s, complex) else s


# ---- tensor helpers of the backward_graph methods (double backward: the first-order formulas written again in
# differentiable ember ops, on the op's own outputs (see _out) or on factors recomputed from its recorded inputs)


def _tH(t):
    """The conjugate transpose of the last two dims of a tensor (the transpose if real)."""
    return t.mH if t.is_complex() else t.mT


def _live(g):
    """Whether an incoming gradient can matter: nonzero, or part of a graph (a zero that is differentiated later
    still has a derivative)."""
    return g.requires_grad or bool(g._data.any())


def _tdiag(t):
    return t.diagonal(dim1=-2, dim2=-1)


def _set_diag(t, d):
    """``t`` with its diagonal replaced by ``d`` (differentiable in both)."""
    import ember

    return t - ember.diag_embed(_tdiag(t)) + ember.diag_embed(d)


def _out(op, array, nr=0):
    """Output ``nr`` of ``op`` as a tensor of its graph, from the array ``op`` saved: as PyTorch's formulas use
    the saved results, gradients through it come back to ``op`` itself (where they add up with those of the
    outputs the user holds: the phase checks of eigen/singular vectors need that sum)."""
    return wrap(array, requires_grad=True, grad_fn=op, output_nr=nr)


def _plus_eye(t):
    """``t + I`` (the diagonal of eigenvalue differences, which the formulas overwrite, made nonzero)."""
    import ember

    return t + ember.eye(t.shape[-1], dtype=t.dtype)


class MatMul(Op):
    """``a @ b`` with NumPy/PyTorch broadcasting; named Mm/Bmm/Mv/Dot/Matmul after the shapes."""

    family = "linalg"
    grad_name = "MmBackward0"
    complex_grad = True

    def forward(self, a, b):
        na, nb = a.ndim, b.ndim
        if na == 2 and nb == 2:
            pass
        elif na == 1 and nb == 1:
            self.grad_name = "DotBackward0"
        elif na == 2 and nb == 1:
            self.grad_name = "MvBackward0"
        elif na == 3 and nb == 3 and self.__dict__.get("bmm"):
            self.grad_name = "BmmBackward0"
        else:
            self.grad_name = "UnsafeViewBackward0" if na > 2 else "MmBackward0" if na == 2 else "SqueezeBackward4"
        if self.requires_grad:
            n = self.needs_input_grad
            self.save(b if n[0] else None, a if n[1] else None)
        if na > 2 and nb == 2 and a.flags.c_contiguous:
            # As PyTorch: the batch dims fold into the rows of one GEMM (NumPy would loop over them).
            # (rows counted, not -1: a reshape to (-1, 0) is ambiguous and fails when K is 0)
            rows = math.prod(a.shape[:-1])
            return xp.matmul(a.reshape(rows, a.shape[-1]), b).reshape(a.shape[:-1] + (b.shape[1],))
        return xp.matmul(a, b)

    def backward(self, g):
        b, a = self.saved
        if self._in_meta[0][1].kind == "c":  # ga = g @ b^H, gb = a^H @ g
            b, a = _cj(b), _cj(a)
        a1 = len(self._in_meta[0][0]) == 1
        b1 = len(self._in_meta[1][0]) == 1
        if len(self._in_meta[0][0]) > 2 and len(self._in_meta[1][0]) == 2:
            # (..., M, K) @ (K, N): folded into 2-D products, so b's gradient is one GEMM, not a stack to sum.
            rows = math.prod(g.shape[:-1])  # (not -1: N or K may be 0)
            g2 = g.reshape(rows, g.shape[-1])
            ga = None if b is None else (g2 @ b.T).reshape(g.shape[:-1] + (b.shape[0],))
            gb = None if a is None else a.reshape(rows, a.shape[-1]).T @ g2
            return ga, gb
        if a1 and b1:  # dot product: g is a scalar
            return (g * b if b is not None else None, g * a if a is not None else None)
        # Treat vectors as matrices (a row for a, a column for b); the engine sums broadcast batch dims.
        G = g[..., None, :] if a1 else g
        if b1:
            G = G[..., :, None]
        ga = gb = None
        if b is not None:
            B = b[:, None] if b1 else b
            ga = G @ xp.swapaxes(B, -1, -2)
            if a1:
                ga = ga[..., 0, :]
        if a is not None:
            A = a[None, :] if a1 else a
            gb = xp.swapaxes(A, -1, -2) @ G
            if b1:
                gb = gb[..., 0]
        return ga, gb

    def backward_graph(self, g):
        a, b = self._inputs
        if a.is_complex():
            a, b = _tcj(a), _tcj(b)
        n = self.needs_input_grad
        ga = gb = None
        if a.ndim == 2 and b.ndim == 2:
            ga = g @ b.t() if n[0] else None
            gb = a.t() @ g if n[1] else None
            return ga, gb
        if a.ndim == 1 and b.ndim == 1:
            return (g * b if n[0] else None, g * a if n[1] else None)
        a1, b1 = a.ndim == 1, b.ndim == 1
        G = g.unsqueeze(-2) if a1 else g
        if b1:
            G = G.unsqueeze(-1)
        if n[0]:
            B = b.unsqueeze(-1) if b1 else b
            ga = G @ B.transpose(-1, -2)
            if a1:
                ga = ga.squeeze(-2)
        if n[1]:
            A = a.unsqueeze(0) if a1 else a
            gb = A.transpose(-1, -2) @ G
            if b1:
                gb = gb.squeeze(-1)
        return ga, gb


class Addmm(Op):
    """``beta * input + alpha * (mat1 @ mat2)``; ``nn.Linear`` records this node."""

    family = "linalg"
    complex_grad = True
    beta = 1
    alpha = 1

    def forward(self, bias, m1, m2):
        out = m1 @ m2
        if self.alpha != 1:
            out *= self.alpha
        if self.beta == 1:
            out += bias
        elif self.beta != 0:
            out += self.beta * bias
        if self.requires_grad:
            n = self.needs_input_grad
            self.save(m2 if n[1] else None, m1 if n[2] else None)
            # nn.Linear passes weight.t(): a Fortran-ordered view. Its gradient is then produced in that
            # same layout, so the transpose back to the weight is C-contiguous and is adopted without a copy.
            self.m2_fortran = n[2] and m2.flags.f_contiguous and not m2.flags.c_contiguous
        return out

    def backward(self, g):
        m2, m1 = self.saved
        n = self.needs_input_grad
        gb = None
        if n[0]:
            gb = g if self.beta == 1 else g * _cs(self.beta)
        g_a = g if self.alpha == 1 else g * _cs(self.alpha)
        if g.dtype.kind == "c":
            m2, m1 = _cj(m2), _cj(m1)
        g1 = g_a @ m2.T if m2 is not None else None
        if m1 is None:
            g2 = None
        elif self.m2_fortran:
            g2 = (g_a.T @ m1).T
        else:
            g2 = m1.T @ g_a
        return gb, g1, g2

    def backward_graph(self, g):
        bias, m1, m2 = self._inputs
        if m1.is_complex():
            m1, m2 = _tcj(m1), _tcj(m2)
        n = self.needs_input_grad
        return (
            g * _cs(self.beta) if n[0] else None,
            (g @ m2.t()) * _cs(self.alpha) if n[1] else None,
            (m1.t() @ g) * _cs(self.alpha) if n[2] else None,
        )


class _LinAlgError(RuntimeError):
    """A matrix that the requested decomposition or inverse cannot handle (singular, not positive-definite),
    as ``torch.linalg.LinAlgError``.

    Named ``_LinAlgError`` as PyTorch's class is (``type(e).__name__``); ``LinAlgError`` is the same class.

    Example::

        >>> try:
        ...     ember.linalg.inv(ember.zeros(2, 2))
        ... except ember.linalg.LinAlgError as e:
        ...     print(type(e).__name__)
        _LinAlgError
    """


LinAlgError = _LinAlgError


def _mT(a):
    return xp.swapaxes(a, -1, -2)


def _H(a):
    """The conjugate transpose of the last two axes (the transpose for real arrays)."""
    return _mT(a.conj()) if a.dtype.kind == "c" else _mT(a)


def _check_square_shape(a, name):
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")


def check_float_or_complex(a, name):
    """PyTorch's error for an integer or bool array given to a floating-point/complex linalg function."""
    if a.dtype.kind not in "fVc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {_type_word(a)}")


def _check_square(a, name, half_ok=False):
    _check_square_shape(a, name)
    check_float_or_complex(a, name)
    if _is_half(a.dtype) and not half_ok:
        _half_error(name, a.dtype)


_HALF = xp.dtype(xp.float16)
# PyTorch's CPU kernels for these have no float16 version; each reports the kernel it dispatched to.
_HALF_KERNELS = {
    "linalg.det": "lu_cpu", "linalg.solve": "lu_cpu", "linalg.solve_ex": "lu_cpu", "linalg.lu_factor": "lu_cpu",
    "linalg.lu": "lu_cpu", "linalg.cholesky": "cholesky_cpu", "linalg.cholesky_ex": "cholesky_cpu",
    "linalg.svd": "linalg_svd_cpu", "linalg.qr": "geqrf_cpu", "linalg.eigh": "linalg_eigh_cpu",
    "linalg.solve_triangular": "triangular_solve_cpu", "cholesky_solve": "cholesky_solve_cpu",
    "linalg.householder_product": "orgqr_cpu",
}


def _is_half(dt):
    """Whether ``dt`` is float16 or bfloat16 (ml_dtypes' type: 2 bytes of kind 'V')."""
    return dt.itemsize == 2 and dt.kind in "fV"


def _half_error(name, dt=_HALF):
    """Raise PyTorch's error for a float16/bfloat16 input to ``name`` (LAPACK has no half precision)."""
    word = "Half" if dt == _HALF else "BFloat16"
    kernel = _HALF_KERNELS.get(name)
    if kernel is not None:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{word}'")
    raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {word}")


def _type_word(a):
    from ember._dtype import TYPE_WORDS

    return TYPE_WORDS.get(a.dtype.name, a.dtype.name)


def _pivot_size(x):
    """The size LAPACK's pivot search compares: ``|x|``, or ``|Re x| + |Im x|`` for complex ``x`` (izamax)."""
    return xp.abs(x.real) + xp.abs(x.imag) if x.dtype.kind == "c" else xp.abs(x)


def _first_zero_pivot(a):
    """1-based index of the first zero pivot of LU with partial pivoting of the first singular matrix in ``a``
    (for the error message only: a short elimination loop on the failing path)."""
    mats = a.reshape(-1, a.shape[-2], a.shape[-1]).astype(xp.result_type(a, xp.float64))
    for m in mats:
        m = m.copy()
        n = m.shape[0]
        for k in range(n):
            p = k + int(xp.argmax(_pivot_size(m[k:, k])))
            if m[p, k] == 0:
                return k + 1
            m[[k, p]] = m[[p, k]]
            m[k + 1:] -= xp.outer(m[k + 1:, k] / m[k, k], m[k])
    return 1


class Inv(Op):
    """``linalg.inv``; backward ``-A^-T G A^-T``."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgInvExBackward0"

    def forward(self, a):
        _check_square(a, "linalg.inv")
        try:
            out = xp.linalg.inv(a)
        except xp.linalg.LinAlgError:
            where, k = _first_failure(lu_factor_arrays(a)[2], a, _first_zero_pivot)
            raise LinAlgError(f"linalg.inv: {where}The diagonal element {k} is zero, the inversion could "
                              "not be completed because the input matrix is singular.") from None
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (inv,) = self.saved
        inv_t = _mT(_cj(inv))
        return (-(inv_t @ g @ inv_t),)

    def backward_graph(self, g):
        import ember

        inv_t = _tcj(ember.linalg.inv(self._inputs[0]).mT)
        return (-(inv_t @ g @ inv_t),)


def _cofactor(a, det):
    """The cofactor matrix ``det(A) * A^-T``, also for singular matrices (from the SVD: ``det(U) det(V^T) U
    diag(prod_{j != i} s_j) V^T``)."""
    out = xp.empty_like(a)
    flat_a, flat_out, flat_det = a.reshape(-1, *a.shape[-2:]), out.reshape(-1, *a.shape[-2:]), det.reshape(-1)
    regular = flat_det != 0
    if regular.any():
        flat_out[regular] = flat_det[regular, None, None] * _mT(xp.linalg.inv(flat_a[regular]))
    if not regular.all():
        u, s, vh = xp.linalg.svd(flat_a[~regular])
        n = s.shape[-1]
        others = xp.ones_like(s)
        for i in range(n):  # product of the other singular values, per position (n is the matrix size)
            others[:, i] = xp.prod(xp.delete(s, i, axis=-1), axis=-1)
        sign = xp.linalg.det(u) * xp.linalg.det(vh)
        # adj(A)^T = det(U) det(Vh) conj(U) adj(S) conj(Vh) (conj is a no-op for real matrices)
        flat_out[~regular] = sign[:, None, None] * ((_cj(u) * others[:, None, :]) @ _cj(vh))
    return out


class Det(Op):
    """``linalg.det``; backward ``g * conj(cofactor(A))``, also at singular matrices (there PyTorch's first-order
    answer depends on the CPU's BLAS: the cofactors, or zeros; under ``create_graph`` the cofactors)."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgDetBackward0"

    def forward(self, a):
        _check_square(a, "linalg.det")
        out = xp.asarray(xp.linalg.det(a), dtype=a.dtype)
        if self.requires_grad:
            self.save(a, out)
        return out

    def backward(self, g):
        a, det = self.saved
        return (xp.asarray(g)[..., None, None] * _cj(_cofactor(a, det)),)

    def backward_graph(self, g):
        import ember

        a = self._inputs[0]
        if (self.saved[1] != 0).all():
            return ((g * _tcj(ember.linalg.det(a)))[..., None, None] * _tcj(ember.linalg.inv(a).mT),)
        # singular: the cofactor matrix from the SVD (as PyTorch under create_graph), adj(A) =
        # det(U Vh) Vh^H diag(prod_{j != i} s_j) U^H
        u, s, vh = ember.linalg.svd(a)
        n = s.shape[-1]
        others = s[..., None, :].expand(*s.shape[:-1], n, n).masked_fill(wrap(xp.eye(n, dtype=bool)), 1).prod(-1)
        adj = ember.linalg.det(u @ vh)[..., None, None] * (_tH(vh) * others[..., None, :]) @ _tH(u)
        return (g[..., None, None] * _tcj(adj.mT),)


class SlogDet(Op):
    """``linalg.slogdet``: ``(sign, log|det|)``, ``log|det|`` real. For real ``A`` only ``log|det|`` carries a
    gradient, ``g * A^-T``; for complex ``A`` the phase ``sign = exp(i Im log det)`` does too: the gradient of
    ``log det`` is ``g_logabs - i Im(conj(g_sign) sign)``, times ``A^-H``."""

    family = "linalg"
    grad_name = "LinalgSlogdetBackward0"
    differentiable_outputs = 2
    complex_grad = True

    def forward(self, a):
        _check_square(a, "linalg.slogdet")
        sign, logabs = xp.linalg.slogdet(a)
        if self.requires_grad:
            self.save(a, sign if a.dtype.kind == "c" else None)
        return xp.asarray(sign, dtype=a.dtype), xp.asarray(logabs, dtype=xp.finfo(a.dtype).dtype)

    def backward(self, g_sign, g_logabs):
        a, sign = self.saved
        g = xp.asarray(g_logabs)
        if sign is not None:
            g = g - 1j * (xp.conj(g_sign) * sign).imag
        try:
            return (g[..., None, None] * _mT(_cj(xp.linalg.inv(a))),)
        except xp.linalg.LinAlgError:  # singular: PyTorch solves A^H X = diag(g) through A^H's LU, giving inf / nan
            lu, piv, _ = lu_factor_arrays(_H(a))
            with xp.errstate(divide="ignore", invalid="ignore"):
                return (lu_solve_arrays(lu, piv, g[..., None, None] * _eye_like(a)).astype(a.dtype, copy=False),)

    def backward_graph(self, g_sign, g_logabs):
        import ember

        a = self._inputs[0]
        if a.is_complex():
            sign = ember.linalg.slogdet(a).sign
            g_logabs = g_logabs - 1j * (_tcj(g_sign) * sign).imag
        # (a solve, as PyTorch: a singular A raises linalg.solve's error)
        eye = wrap(_eye_like(a._data).astype(g_logabs._data.dtype))
        return (ember.linalg.solve(_tH(a), g_logabs[..., None, None] * eye),)


def _check_solve(a, b, name):
    """``A X = B`` needs square ``A`` and ``B`` of shape ``(*, n, k)``."""
    _check_square(a, name)
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation AX = B "
                           f"({a.shape[-2]}x{a.shape[-1]} and {'x'.join(map(str, b.shape[-2:]))})")


class Solve(Op):
    """``linalg.solve(A, B)`` for ``A X = B`` with ``B`` of shape ``(*, n, k)``, or with ``vector`` a batch of
    vectors ``(*, n)`` (solved as columns, one node as in PyTorch); backward ``gB = A^-T G``, ``gA = -gB X^T``."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgSolveExBackward0"
    vector = False

    def forward(self, a, b):
        if self.vector:
            b = b[..., None]
        _check_solve(a, b, "linalg.solve")
        try:
            x = xp.linalg.solve(a, b)
        except xp.linalg.LinAlgError:
            where, _ = _first_failure(lu_factor_arrays(a)[2], a, _first_zero_pivot)
            raise LinAlgError(f"torch.linalg.solve: {where}The solver failed because the input matrix is "
                              "singular.") from None
        if self.requires_grad:
            self.save(a, x)
        return x[..., 0] if self.vector else x

    def backward(self, g):
        a, x = self.saved
        gb = xp.linalg.solve(_mT(_cj(a)), g[..., None] if self.vector else g)
        ga = -(gb @ _mT(_cj(x))) if self.needs_input_grad[0] else None
        return ga, (gb[..., 0] if self.vector else gb)

    def backward_graph(self, g):
        import ember

        a, b = self._inputs
        if self.vector:
            b, g = b.unsqueeze(-1), g.unsqueeze(-1)
        x = ember.linalg.solve(a, b)
        gb = ember.linalg.solve(_tcj(a.mT), g)
        return -(gb @ _tcj(x.mT)), (gb.squeeze(-1) if self.vector else gb)


def _not_positive_definite_order(a):
    mats = a.reshape(-1, a.shape[-2], a.shape[-1])
    for m in mats:
        for k in range(1, m.shape[-1] + 1):
            try:
                xp.linalg.cholesky(m[:k, :k])
            except xp.linalg.LinAlgError:
                return k
    return m.shape[-1]


class Cholesky(Op):
    """``linalg.cholesky`` (lower ``L``, from the lower triangle of ``A``); backward
    ``L^-H (P + tril(P, -1)^H) L^-1 / 2`` with ``P = tril(L^H G)`` (for real ``A``: the symmetric part of
    ``L^-T Phi L^-1``, ``Phi`` the lower triangle of ``L^T G`` with its diagonal halved)."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgCholeskyExBackward0"
    api = "linalg.cholesky"  # the function named in the error messages

    def forward(self, a):
        _check_square(a, self.api)
        try:
            low = xp.linalg.cholesky(a)  # LAPACK reads the lower triangle only
            if xp.isnan(_diag(low)).any():  # NaN pivots fail LAPACK's test (d > 0), not NumPy's
                raise xp.linalg.LinAlgError
        except xp.linalg.LinAlgError:
            where, k = _first_failure(_cholesky_partial(a)[1], a, _not_positive_definite_order)
            raise LinAlgError(f"{self.api}: {where}The factorization could not be completed because the input is "
                              f"not positive-definite (the leading minor of order {k} is not "
                              "positive-definite).") from None
        if self.requires_grad:
            self.save(low)
        return low

    def backward(self, g):
        (low,) = self.saved
        if low.dtype.kind == "c":
            # not made Hermitian: the imaginary part of the diagonal stays, as in PyTorch
            lh = _mT(low.conj())
            p = xp.tril(lh @ g)
            p = 0.5 * (p + _mT(xp.tril(p, -1).conj()))
            inv = xp.linalg.inv(low)
            return (_mT(inv.conj()) @ p @ inv,)
        phi = xp.tril(_mT(low) @ g)
        d = xp.einsum("...ii->...i", phi)
        d *= 0.5  # a writable diagonal view (einsum returns one for a single operand)
        inv = xp.linalg.inv(low)
        ga = _mT(inv) @ phi @ inv
        return (0.5 * (ga + _mT(ga)),)

    def backward_graph(self, g):
        return (_cholesky_grad_graph(_out(self, self.saved[0]), g),)


class CholeskyLegacy(Cholesky):
    """``torch.cholesky`` (deprecated): :class:`Cholesky`'s lower factor, or with ``upper`` its conjugate
    transpose, as one node (CholeskyBackward0)."""

    family = "linalg"
    grad_name = "CholeskyBackward0"
    api = "cholesky"
    upper = False
    warned = [False]  # PyTorch's deprecation warning comes once per process

    def forward(self, a):
        low = super().forward(a)
        return xp.ascontiguousarray(_mT(low.conj() if low.dtype.kind == "c" else low)) if self.upper else low

    def backward(self, g):
        if self.upper:  # U = L^H: the gradient of L is G^H
            g = _mT(g.conj() if g.dtype.kind == "c" else g)
        return super().backward(g)

    def backward_graph(self, g):
        if not self.upper:
            return super().backward_graph(g)
        (low,) = self.saved
        up = _out(self, xp.ascontiguousarray(_mT(low.conj() if low.dtype.kind == "c" else low)))
        return (_cholesky_grad_graph(_tH(up), _tH(g)),)


def _cholesky_grad_graph(low, g):
    """:meth:`Cholesky.backward` in ember ops (one formula for real and complex: for real ``L`` the Hermitian
    part of ``tril(L^T G)`` with its diagonal halved is the symmetric part of ``Phi``)."""
    lh = _tH(low)
    p = (lh @ g).tril()
    p = 0.5 * (p + _tH(p.tril(-1)))
    y = SolveTriangular.apply(low, p, upper=False, left=False)  # p L^-1
    return SolveTriangular.apply(lh, y, upper=True)  # L^-H p L^-1


# ---------------------------------------------------------------------------- decompositions and solvers
# Forwards use LAPACK through xp.linalg where it exposes the routine (svd, qr, eigh, inv, solve); LU with partial
# pivoting and the matrix exponential are written here (NumPy has neither). Backward formulas act on raw arrays;
# each backward_graph writes the same formula in ember ops (for create_graph=True: gradients of gradients).


def _first_failure(info, a, fallback):
    """``(batch prefix, info value)`` of the first failing matrix, for error messages; ``fallback(a)`` gives the value
    when our own factorization did not see the exact zero that LAPACK met."""
    if not info.any():
        return "", fallback(a)
    idx = int(xp.flatnonzero(info)[0])
    return _batch_prefix(a, idx), int(info.reshape(-1)[idx])


def _batch_prefix(a, flat_index):
    """torch's ``(Batch element i): `` prefix of a failure in a batch of matrices."""
    return f"(Batch element {flat_index}): " if a.ndim > 2 else ""


def _check_matrix(a, name, half_ok=False):
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    check_float_or_complex(a, name)
    if _is_half(a.dtype) and not half_ok:
        _half_error(name, a.dtype)


def _eye_like(a, n=None):
    n = a.shape[-1] if n is None else n
    return xp.eye(n, dtype=a.dtype)


def _diag(a):
    return xp.einsum("...ii->...i", a)


def _tri(a, upper, k=0):
    return xp.triu(a, k) if upper else xp.tril(a, -k)


def _substitute(t, b, upper):
    """Back/forward substitution for a (possibly singular) triangular ``t``: inf/nan where LAPACK's trsm would
    divide by a zero pivot (only used when ``solve`` refuses a singular system)."""
    n = t.shape[-1]
    shape = xp.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    t = xp.broadcast_to(t, shape + t.shape[-2:])
    x = xp.zeros(shape + b.shape[-2:], dtype=xp.result_type(t, b))
    b = xp.broadcast_to(b, x.shape)
    order = range(n - 1, -1, -1) if upper else range(n)
    with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in order:  # n steps, each vectorised over the batch and the right-hand sides
            acc = b[..., i, :] - xp.einsum("...j,...jk->...k", t[..., i, :], x)
            x[..., i, :] = acc / t[..., i, i, None]
    return x


def _tri_solve(t, b, upper, unit=False, left=True):
    """``T X = B`` (or ``X T = B``) for the ``upper``/lower triangle of ``t`` (unit diagonal if ``unit``)."""
    if not left:
        return _mT(_tri_solve(_mT(t), _mT(b), not upper, unit))
    t = _tri(t, upper)
    if unit:
        t = t.copy()
        _diag(t)[...] = 1  # writable diagonal view of the copy
    try:
        return xp.linalg.solve(t, b)
    except xp.linalg.LinAlgError:
        return _substitute(t, b, upper)


def _safe_inv_solve(a, b):
    """``A^-1 B`` for square ``a``; substitution through LU for singular matrices (inf/nan as LAPACK)."""
    try:
        return xp.linalg.solve(a, b)
    except xp.linalg.LinAlgError:
        lu, piv, _ = lu_factor_arrays(a)
        return lu_solve_arrays(lu, piv, b)


# ---- SVD


def _check_gauge(diag, name, what):
    """Complex singular/eigen-vectors are defined up to a phase ``e^{i phi}`` each: a loss that depends on it
    (the imaginary part of ``diag(V^H gV)`` not zero) has no gradient; PyTorch raises."""
    if not xp.allclose(diag.imag, 0, rtol=1e-2, atol=1e-2):
        raise RuntimeError(f"{name}: The {what} in the complex case are specified up to multiplication by e^{{i phi}}. "
                           + ("The specified loss function depends on this phase term, making it ill-defined."
                              if name == "svd_backward" else
                              "The specified loss function depends on this quantity, so it is ill-defined."))


def _svd_backward(gu, gs, gvh, u, s, vh):
    """The gradient of ``A = U diag(S) Vh`` (thin factors, ``k = min(m, n)`` columns) as PyTorch defines it;
    infinite/NaN when ``U`` or ``Vh`` are used and singular values repeat (the gradient is then ill-defined)."""
    m, n = u.shape[-2], vh.shape[-1]
    if not gu.any() and not gvh.any():  # a function of S alone: always well-defined
        return (u * gs[..., None, :]) @ vh
    s2 = s * s
    e = s2[..., None, :] - s2[..., :, None]
    _diag(e)[...] = 1
    uhgu = _H(u) @ gu
    vhgv = vh @ _H(gvh)
    cplx = u.dtype.kind == "c"
    if cplx:
        _check_gauge(_diag(uhgu) + _diag(vhgv), "svd_backward", "singular vectors")
    with xp.errstate(divide="ignore", invalid="ignore"):
        ret = ((uhgu - _H(uhgu)) / e) * s[..., None, :] + s[..., :, None] * ((vhgv - _H(vhgv)) / e)
        if cplx:
            # the skew-Hermitian parts have an imaginary diagonal: only U's phase, i Im(U^H gU)_ii / s_i, counts
            _diag(ret)[...] = gs + 1j * _diag(uhgu).imag / s
        else:
            _diag(ret)[...] += gs
        if m > n and gu.any():
            return (u @ ret + (gu - u @ uhgu) / s[..., None, :]) @ vh
        if m < n and gvh.any():
            return u @ (ret @ vh + (gvh - _H(vhgv) @ vh) / s[..., :, None])
        return u @ ret @ vh


def _svd(a, **kwargs):
    """``xp.linalg.svd`` with PyTorch's error where it fails on a NaN."""
    try:
        return xp.linalg.svd(a, **kwargs)
    except xp.linalg.LinAlgError:
        bad = xp.isnan(a).any(axis=(-2, -1)).reshape(-1)
        if not bad.any():
            raise
        raise LinAlgError(f"linalg.svd: {_batch_prefix(a, int(xp.flatnonzero(bad)[0]))}The algorithm failed to "
                          "converge because the input matrix contained non-finite values.") from None


class Svd(Op):
    """``linalg.svd``: ``(U, S, Vh)``; with ``full_matrices`` the gradients of the extra columns of ``U`` and rows of
    ``Vh`` are ignored (as PyTorch). ``compute_uv=False`` (svdvals) returns ``S`` alone."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgSvdBackward0"
    full_matrices = False
    compute_uv = True

    @property
    def differentiable_outputs(self):
        return 3 if self.compute_uv else 1

    def forward(self, a):
        _check_matrix(a, "linalg.svd")  # svdvals too, as torch
        if not self.compute_uv and not self.requires_grad:
            return _svd(a, compute_uv=False)
        u, s, vh = _svd(a, full_matrices=self.full_matrices and self.compute_uv)
        if self.requires_grad:
            self.save(u, s, vh)  # (the outputs: backward_graph uses them)
        return (u, s, vh) if self.compute_uv else s

    def backward(self, *grads):
        u, s, vh = self.saved
        k = s.shape[-1]
        u, vh = u[..., :k], vh[..., :k, :]
        if not self.compute_uv:
            return ((u * grads[0][..., None, :]) @ vh,)  # (gS real: real and complex A alike)
        gu, gs, gvh = grads
        return (_svd_backward(gu[..., :k], gs, gvh[..., :k, :], u, s, vh),)

    def backward_graph(self, *grads):
        if self.compute_uv:
            u, s, vh = (_out(self, t, nr) for nr, t in enumerate(self.saved))
        else:  # U and Vh are no outputs: recomputed (a function of S alone is phase-invariant)
            u, s, vh = Svd.apply(self._inputs[0])
        k = s.shape[-1]
        if u.shape[-1] != k:
            u = u[..., :k]
        if vh.shape[-2] != k:
            vh = vh[..., :k, :]
        if not self.compute_uv:
            return ((u * grads[0][..., None, :]) @ vh,)
        gu, gs, gvh = grads
        if gu.shape[-1] != k:
            gu = gu[..., :k]
        if gvh.shape[-2] != k:
            gvh = gvh[..., :k, :]
        return (_svd_backward_graph(gu, gs, gvh, u, s, vh),)


def _svd_backward_graph(gu, gs, gvh, u, s, vh):
    """:func:`_svd_backward` in ember ops."""
    import ember

    m, n = u.shape[-2], vh.shape[-1]
    live_u, live_v = _live(gu), _live(gvh)
    if not live_u and not live_v:
        return (u * gs[..., None, :]) @ vh
    s2 = s * s
    e = _plus_eye(s2[..., None, :] - s2[..., :, None])
    uhgu = _tH(u) @ gu
    vhgv = vh @ _tH(gvh)
    cplx = u.is_complex()
    if cplx:
        _check_gauge(_diag(uhgu._data) + _diag(vhgv._data), "svd_backward", "singular vectors")
    ret = ((uhgu - _tH(uhgu)) / e) * s[..., None, :] + s[..., :, None] * ((vhgv - _tH(vhgv)) / e)
    if cplx:
        ret = _set_diag(ret, gs + 1j * _tdiag(uhgu).imag / s)
    else:  # the skew-symmetric parts have a zero diagonal
        ret = ret + ember.diag_embed(gs)
    if m > n and live_u:
        return (u @ ret + (gu - u @ uhgu) / s[..., None, :]) @ vh
    if m < n and live_v:
        return u @ (ret @ vh + (gvh - _tH(vhgv) @ vh) / s[..., :, None])
    return u @ ret @ vh


# ---- QR


def _copyltu(m):
    low = xp.tril(m, -1)
    return low + _H(low) + _diag(m).real[..., :, None] * _eye_like(m)


def _qr_backward_tall(gq, gr, q, r):
    """``m >= n`` (reduced): ``gA = (gQ + Q copyltu(R gR^H - gQ^H Q)) R^-H``."""
    m = r @ _H(gr) - _H(gq) @ q
    b = gq + q @ _copyltu(m)
    return _H(_tri_solve(r, _H(b), upper=True))


class Qr(Op):
    """``linalg.qr`` in modes 'reduced', 'complete' and 'r' (then ``Q`` is empty and the op not differentiable)."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgQrBackward0"
    differentiable_outputs = 2
    mode = "reduced"

    def forward(self, a):
        _check_matrix(a, "linalg.qr")
        if self.mode == "r":
            r = xp.linalg.qr(a, mode="r")
            return xp.empty((0,), dtype=a.dtype), r
        q, r = xp.linalg.qr(a, mode=self.mode)
        if self.requires_grad:
            self.save(q, r)
        return q, r

    def backward(self, gq, gr):
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                               "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
        q, r = self.saved
        m, n = q.shape[-2], r.shape[-1]
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if m >= n:
            return (_qr_backward_tall(gq, gr, q, r),)
        # m < n: A = Q [X | Y] with X = Q U square; Y = Q V contributes Q gV and moves gQ by Y gV^T.
        u, v = r[..., :, :m], r[..., :, m:]
        gu, gv = gr[..., :, :m], gr[..., :, m:]
        y = q @ v
        gx = _qr_backward_tall(gq + y @ _H(gv), gu, q, u)
        return (xp.concatenate([gx, xp.broadcast_to(q @ gv, gx.shape[:-1] + (n - m,))], axis=-1),)

    def backward_graph(self, gq, gr):
        import ember

        if self.mode == "r":
            self.backward(gq, gr)  # (raises)
        q, r = _out(self, self.saved[0], 0), _out(self, self.saved[1], 1)
        m, n = q.shape[-2], r.shape[-1]
        if self.mode == "complete" and m > n:
            self.backward(gq._data, gr._data)  # (raises)
        if m >= n:
            return (_qr_backward_tall_graph(gq, gr, q, r),)
        u, v = r[..., :, :m], r[..., :, m:]
        gu, gv = gr[..., :, :m], gr[..., :, m:]
        gx = _qr_backward_tall_graph(gq + (q @ v) @ _tH(gv), gu, q, u)
        return (ember.cat([gx, (q @ gv).expand(*gx.shape[:-1], n - m)], -1),)


def _qr_backward_tall_graph(gq, gr, q, r):
    """:func:`_qr_backward_tall` in ember ops."""
    import ember

    m = r @ _tH(gr) - _tH(gq) @ q
    low = m.tril(-1)
    d = _tdiag(m)
    copyltu = low + _tH(low) + ember.diag_embed(d.real if d.is_complex() else d)
    b = gq + q @ copyltu
    return _tH(SolveTriangular.apply(r, _tH(b), upper=True))  # b R^-H


# ---- symmetric eigendecomposition


class Eigh(Op):
    """``linalg.eigh`` (eigenvalues ascending, eigenvectors as columns) reading the ``UPLO`` triangle;
    ``eigvalsh`` with ``eigenvectors=False``."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgEighBackward0"
    uplo = "L"
    eigenvectors = True

    @property
    def differentiable_outputs(self):
        return 2 if self.eigenvectors else 1

    def forward(self, a):
        if (a.dtype.kind not in "fVc" or _is_half(a.dtype)) and a.ndim >= 2 and a.shape[-1] == a.shape[-2]:
            # PyTorch sends these to its kernel, which has no integer, bool or half version; an empty input
            # returns before that, in its own dtype
            if a.size == 0:
                w = xp.zeros(a.shape[:-1], dtype=a.dtype)
                return (w, xp.zeros(a.shape, dtype=a.dtype)) if self.eigenvectors else w
            raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{_type_word(a)}'")
        _check_square(a, "linalg.eigh")  # eigvalsh too, as torch
        if not self.eigenvectors and not self.requires_grad:
            return xp.linalg.eigvalsh(a, UPLO=self.uplo)
        w, v = xp.linalg.eigh(a, UPLO=self.uplo)
        if self.requires_grad:
            self.save(w, v)
        return (w, v) if self.eigenvectors else w

    def backward(self, *grads):
        w, v = self.saved
        gw = grads[0]
        if not self.eigenvectors or not grads[1].any():  # a function of the eigenvalues alone
            return ((v * gw[..., None, :]) @ _H(v),)
        e = w[..., None, :] - w[..., :, None]
        _diag(e)[...] = 1
        vhgv = _H(v) @ grads[1]
        if v.dtype.kind == "c":
            _check_gauge(_diag(vhgv), "linalg_eigh_backward", "eigenvectors")
        with xp.errstate(divide="ignore", invalid="ignore"):
            ret = (0.5 * (vhgv - _H(vhgv))) / e  # the skew part: eigenvectors stay orthonormal
        _diag(ret)[...] = gw
        return (v @ ret @ _H(v),)

    def backward_graph(self, *grads):
        if self.eigenvectors:
            w, v = _out(self, self.saved[0], 0), _out(self, self.saved[1], 1)
        else:  # V is no output: recomputed (a function of the eigenvalues alone is phase-invariant)
            w, v = Eigh.apply(self._inputs[0], uplo=self.uplo)
        gw = grads[0]
        vh = _tH(v)
        if not self.eigenvectors or not _live(grads[1]):
            return ((v * gw[..., None, :]) @ vh,)
        vhgv = vh @ grads[1]
        if v.is_complex():
            _check_gauge(_diag(vhgv._data), "linalg_eigh_backward", "eigenvectors")
        ret = (0.5 * (vhgv - _tH(vhgv))) / _plus_eye(w[..., None, :] - w[..., :, None])
        return (v @ _set_diag(ret, gw) @ vh,)


# ---- general eigendecomposition


class Eig(Op):
    """``linalg.eig``: complex eigenvalues ``L`` and unit eigenvectors ``V`` (columns) of general square matrices,
    complex also for real input (LAPACK's geev order and phases); ``eigvals`` with ``eigenvectors=False``. Backward
    ``V^-H (diag(gL) + (V^H gV - V^H V diag(Re diag(V^H gV))) / conj(E)) V^H``, ``E_ij = L_j - L_i``; a real input
    keeps the real part (the engine's)."""

    family = "linalg"
    grad_name = "LinalgEigBackward0"
    complex_grad = True
    eigenvectors = True

    @property
    def differentiable_outputs(self):
        return 2 if self.eigenvectors else 1

    def forward(self, a):
        name = "linalg.eig" if self.eigenvectors else "linalg.eigvals"
        if _is_half(a.dtype):
            raise NotImplementedError(f"\"linalg_eig_out_cpu\" not implemented for '{_type_word(a)}'")
        if a.dtype.kind not in "fVc":
            raise RuntimeError(f"Unknown Complex ScalarType for {_type_word(a)}")
        _check_square_shape(a, name)
        cdt = xp.result_type(a, xp.complex64)  # float32 -> complex64, float64 -> complex128
        bad = ~xp.isfinite(a).all(axis=(-2, -1))
        if bad.any():
            if self.eigenvectors or self.requires_grad:
                raise RuntimeError("torch.linalg.eig: input tensor should not contain infs or NaNs.")
            # (PyTorch's eigvals: NaN eigenvalues for such matrices; the others as usual)
            w = xp.linalg.eigvals(xp.where(bad[..., None, None], 0, a)).astype(cdt, copy=False)
            w[bad] = xp.nan
            return w
        if not self.eigenvectors and not self.requires_grad:
            return xp.linalg.eigvals(a).astype(cdt, copy=False)
        w, v = xp.linalg.eig(a)  # real arrays when every eigenvalue of a real input is real
        w, v = w.astype(cdt, copy=False), v.astype(cdt, copy=False)
        if self.requires_grad:
            self.save(w, v)
        return (w, v) if self.eigenvectors else w

    def backward(self, *grads):
        w, v = self.saved
        gw = grads[0]
        vh = _H(v)
        if not self.eigenvectors or not grads[1].any():  # a function of the eigenvalues alone
            return (xp.linalg.solve(vh, gw[..., :, None] * vh),)
        gv = grads[1]
        vhgv = vh @ gv
        _check_gauge(_diag(vhgv), "linalg_eig_backward", "eigenvectors")
        ret = vhgv - (vh @ v) * _diag(vhgv).real[..., None, :]  # unit columns: only the direction counts
        e = (w[..., None, :] - w[..., :, None]).conj()
        _diag(e)[...] = 1
        with xp.errstate(divide="ignore", invalid="ignore"):
            ret = ret / e
        _diag(ret)[...] = gw
        return (xp.linalg.solve(vh, ret @ vh),)

    def backward_graph(self, *grads):
        import ember

        if self.eigenvectors:
            w, v = _out(self, self.saved[0], 0), _out(self, self.saved[1], 1)
        else:  # V is no output: recomputed (a function of the eigenvalues alone is phase-invariant)
            w, v = Eig.apply(self._inputs[0])
        gw = grads[0]
        vh = v.mH
        if not self.eigenvectors or not _live(grads[1]):
            return (ember.linalg.solve(vh, gw[..., :, None] * vh),)
        vhgv = vh @ grads[1]
        _check_gauge(_diag(vhgv._data), "linalg_eig_backward", "eigenvectors")
        ret = vhgv - (vh @ v) * _tdiag(vhgv).real[..., None, :]
        ret = ret / _plus_eye((w[..., None, :] - w[..., :, None]).conj())
        return (ember.linalg.solve(vh, _set_diag(ret, gw) @ vh),)


# ---- pseudo-inverse, least squares, rank


def _tolerance(top, atol, rtol, m, n, dtype):
    """``max(atol, rtol * top)`` with PyTorch's default rtol (``eps * max(m, n)``, zero where ``atol > 0``)."""
    if rtol is None:
        default = xp.finfo(dtype).eps * max(m, n)
        rtol = default if atol is None else xp.where(xp.asarray(atol) > 0, 0.0, default)
    tol = xp.asarray(rtol, dtype=dtype) * top
    if atol is not None:
        tol = xp.maximum(tol, xp.asarray(atol, dtype=dtype))
    return tol.astype(dtype, copy=False)


def pinv_backward(g, p, a):
    """The gradient of ``P = pinv(A)``: ``-P^H G P^H + (I - A P) G^H P P^H + P^H P G^H (I - P A)``."""
    pt = _H(p)
    gt = _H(g)
    out = -(pt @ g @ pt)
    out += (gt @ p - a @ (p @ (gt @ p))) @ pt  # (I - A P) G^T P P^T
    out += pt @ ((p @ gt) - ((p @ gt) @ p) @ a)  # P^T P G^T (I - P A)
    return out


class Pinv(Op):
    """``linalg.pinv``: the Moore-Penrose inverse from the SVD (from ``eigh`` when ``hermitian``), dropping singular
    values ``<= max(atol, rtol * largest)``."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgPinvBackward0"
    atol = None
    rtol = None
    hermitian = False

    def forward(self, a):
        if a.ndim < 2 or a.dtype.kind not in "fVc" or _is_half(a.dtype):
            raise RuntimeError(f"linalg.pinv({_type_word(a)}{{{list(a.shape)}}}): expected a tensor "
                               "with 2 or more dimensions of float, double, cfloat or cdouble types")
        m, n = a.shape[-2:]
        if self.hermitian:
            _check_square(a, "linalg.pinv")
            w, v = xp.linalg.eigh(a)
            top = xp.abs(w).max(axis=-1, keepdims=True) if w.shape[-1] else xp.zeros(w.shape[:-1] + (1,), w.dtype)
            tol = _tolerance(top, self.atol, self.rtol, m, n, w.dtype)
            with xp.errstate(divide="ignore"):
                winv = xp.where(xp.abs(w) > tol, 1 / w, 0).astype(w.dtype, copy=False)
            out = (v * winv[..., None, :]) @ _H(v)
        else:
            u, s, vh = _svd(a, full_matrices=False)
            top = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), s.dtype)
            tol = _tolerance(top, self.atol, self.rtol, m, n, s.dtype)
            with xp.errstate(divide="ignore"):
                sinv = xp.where(s > tol, 1 / s, 0).astype(s.dtype, copy=False)
            out = (_H(vh) * sinv[..., None, :]) @ _H(u)
        if self.requires_grad:
            self.save(a, out)
        return out

    def backward(self, g):
        a, p = self.saved
        return (pinv_backward(g, p, a),)

    def backward_graph(self, g):
        a = self._inputs[0]
        p = _out(self, self.saved[1])
        return (_pinv_backward_graph(g, p, a),)


def _pinv_backward_graph(g, p, a):
    """:func:`pinv_backward` in ember ops."""
    pt, gt = _tH(p), _tH(g)
    out = -(pt @ g @ pt)
    out = out + (gt @ p - a @ (p @ (gt @ p))) @ pt
    return out + pt @ ((p @ gt) - ((p @ gt) @ p) @ a)


class Lstsq(Op):
    """``linalg.lstsq(A, B)`` with ``B`` of shape ``(*, m, k)``: the minimum-norm solution for singular values
    above ``rcond * largest``; ``(solution, residuals, rank, singular_values)`` filled as PyTorch's CPU drivers
    fill them. The gradient of the solution is taken through ``pinv(A) @ B``, as PyTorch does."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgLstsqBackward0"
    differentiable_outputs = 2
    rcond = None
    driver = "gelsy"

    def forward(self, a, b):
        if _is_half(a.dtype) or _is_half(b.dtype):
            raise RuntimeError("This function doesn't handle types other than float and double")
        m, n = a.shape[-2:]
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
        rcond = xp.finfo(a.dtype).eps * max(m, n) if self.rcond is None else self.rcond
        top = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), s.dtype)
        keep = s > rcond * top
        with xp.errstate(divide="ignore"):
            sinv = xp.where(keep, 1 / s, 0).astype(s.dtype, copy=False)
        x = (_H(vh) * sinv[..., None, :]) @ (_H(u) @ b)
        rank = keep.sum(-1).astype(xp.int64)
        empty = xp.empty((0,), dtype=s.dtype)  # residuals and singular values are real
        residuals = empty
        if self.driver != "gelsy" and m > n and bool((rank == n).all()):
            r = a @ x - b
            residuals = (r * r.conj()).real.sum(-2) if r.dtype.kind == "c" else (r ** 2).sum(-2)
        if self.driver == "gels":
            rank = xp.empty((0,), dtype=xp.int64)
        sv = s if self.driver in ("gelsd", "gelss") else empty
        if self.requires_grad:
            self.save(a, b, x if residuals.size else None)
        return x, residuals, rank, sv

    def backward(self, gx, gres):
        a, b, x = self.saved
        p = Pinv().forward(a)
        ga = pinv_backward(gx @ _H(b), p, a) if self.needs_input_grad[0] else None
        gb = _H(p) @ gx if self.needs_input_grad[1] else None
        if x is not None and gres.any():
            # residuals ||A x_j - b_j||^2 at the optimum (A^H r = 0): d/dA = 2 r x^H, d/dB = -2 r
            r2 = 2 * (a @ x - b) * gres[..., None, :]
            ga = None if ga is None else ga + r2 @ _H(x)
            gb = None if gb is None else gb - r2
        return ga, gb

    def backward_graph(self, gx, gres):
        a, b = self._inputs
        n = self.needs_input_grad
        p = Pinv.apply(a)  # (the default tolerance, as backward)
        ga = _pinv_backward_graph(gx @ _tH(b), p, a) if n[0] else None
        gb = _tH(p) @ gx if n[1] else None
        if math.prod(self._out_meta[1][0]) and _live(gres):  # residuals were computed
            x = _out(self, self.saved[2])
            r2 = 2 * (a @ x - b) * gres[..., None, :]
            ga = None if ga is None else ga + r2 @ _tH(x)
            gb = None if gb is None else gb - r2
        return ga, gb


# ---- triangular systems


class SolveTriangular(Op):
    """``linalg.solve_triangular``: ``A X = B`` (``X A = B`` if not ``left``) reading the ``upper``/lower triangle of
    ``A`` (unit diagonal if ``unitriangular``); the gradient of ``A`` lives on that triangle."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgSolveTriangularBackward0"
    left = True
    unitriangular = False

    def forward(self, a, b):
        if _is_half(a.dtype):
            _half_error("linalg.solve_triangular", a.dtype)
        x = _tri_solve(a, b, self.upper, self.unitriangular, self.left)
        if self.requires_grad:
            self.save(a, x)
        return x

    def backward(self, g):
        a, x = self.saved
        gb = _tri_solve(_H(a), g, not self.upper, self.unitriangular, self.left)
        ga = None
        if self.needs_input_grad[0]:
            ga = _tri(-(gb @ _H(x)) if self.left else -(_H(x) @ gb), self.upper, 1 if self.unitriangular else 0)
        return ga, gb

    def backward_graph(self, g):
        a, b = self._inputs
        up, left, unit = self.upper, self.left, self.unitriangular
        x = _out(self, self.saved[1])
        gb = SolveTriangular.apply(_tH(a), g, upper=not up, left=left, unitriangular=unit)
        ga = None
        if self.needs_input_grad[0]:
            ga = -(gb @ _tH(x)) if left else -(_tH(x) @ gb)
            k = 1 if unit else 0
            ga = ga.triu(k) if up else ga.tril(-k)
        return ga, gb


# ---- LU


def lu_factor_arrays(a):
    """LU with partial pivoting of ``(*, m, n)`` arrays, as LAPACK's getrf: packed ``LU``, 1-based int32 pivots
    ``(*, min(m, n))`` and int32 ``info`` (first exactly-zero pivot, 1-based; 0 if none). One vectorised
    elimination step per column."""
    m, n = a.shape[-2:]
    k = min(m, n)
    lu = a.reshape(-1, m, n).copy()
    count = lu.shape[0]
    piv = xp.empty((count, k), dtype=xp.int32)
    info = xp.zeros(count, dtype=xp.int32)
    rows = xp.arange(count)
    for j in range(k):
        p = j + xp.argmax(_pivot_size(lu[:, j:, j]), axis=1)
        piv[:, j] = p + 1
        top = lu[rows, j].copy()
        lu[rows, j] = lu[rows, p]
        lu[rows, p] = top
        pivot = lu[:, j, j]
        zero = pivot == 0
        info[(info == 0) & zero] = j + 1
        lu[:, j + 1:, j] /= xp.where(zero, 1, pivot)[:, None]  # a zero pivot has a zero column below it
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:]
    batch = a.shape[:-2]
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def pivots_to_perm(piv, m):
    """Row order ``perm`` with ``A[perm] = L U`` from LAPACK pivots ``(*, k)``."""
    batch, k = piv.shape[:-1], piv.shape[-1]
    count = math.prod(batch)  # (explicit: -1 is ambiguous when m or k is 0)
    perm = xp.broadcast_to(xp.arange(m), batch + (m,)).reshape(count, m).copy()
    flat = piv.reshape(count, k).astype(xp.int64) - 1
    rows = xp.arange(perm.shape[0])
    for j in range(k):
        target = flat[:, j]
        cur = perm[:, j].copy()
        perm[:, j] = perm[rows, target]
        perm[rows, target] = cur
    return perm.reshape(batch + (m,))


def perm_matrix(perm, dtype):
    """``P`` with ``A = P L U``: ``P[perm[i], i] = 1``."""
    m = perm.shape[-1]
    return _mT((perm[..., :, None] == xp.arange(m)).astype(dtype))


def unpack_lu(lu):
    m, n = lu.shape[-2:]
    k = min(m, n)
    low = xp.tril(lu[..., :, :k], -1)
    _diag(low[..., :k, :])[...] = 1
    return low, xp.triu(lu[..., :k, :])


def lu_solve_arrays(lu, piv, b, left=True, adjoint=False):
    """Solve with a packed LU factorization of square matrices (``A = P L U``) for the four variants of
    ``linalg.lu_solve``."""
    n = lu.shape[-1]
    perm = pivots_to_perm(piv, n)
    low, up = unpack_lu(lu)
    if left and not adjoint:  # A X = B: X = U^-1 L^-1 P^T B
        return _tri_solve(up, _tri_solve(low, _gather_rows(b, perm), False, True), True)
    if left:  # A^H X = B: X = P L^-H U^-H B
        y = _tri_solve(_H(low), _tri_solve(_H(up), b, False), True, True)
        return _scatter_rows(y, perm)
    # right: X A = B  <=>  A^H X^H = B^H ; X A^H = B  <=>  A X^H = B^H
    return _H(lu_solve_arrays(lu, piv, _H(b), left=True, adjoint=not adjoint))


def _gather_rows(b, perm):
    shape = xp.broadcast_shapes(b.shape[:-2], perm.shape[:-1])
    b = xp.broadcast_to(b, shape + b.shape[-2:])
    idx = xp.broadcast_to(perm[..., :, None], shape + (perm.shape[-1], b.shape[-1]))
    return xp.take_along_axis(b, idx, axis=-2)


def _scatter_rows(y, perm):
    """``P y``: row ``i`` of ``y`` goes to row ``perm[i]``."""
    inv = xp.argsort(perm, axis=-1)
    return _gather_rows(y, inv)


def _lu_grad_square(gl, gu, p_t_rows, low, up, perm):
    """``A = P L U`` square: ``gA = P L^-H (tril_-1(L^H gL) + triu(gU U^H)) U^-H``."""
    x = xp.tril(_H(low) @ gl, -1) + xp.triu(gu @ _H(up))
    y = _tri_solve(_H(low), x, True, True)  # L^-H x
    y = _H(_tri_solve(up, _H(y), True))  # ... U^-H
    return _scatter_rows(y, perm)


def lu_backward(gl, gu, low, up, perm):
    """The gradient of ``A = P L U`` (``(*, m, n)``, ``L`` unit lower ``m x k``, ``U`` upper ``k x n``)."""
    m, n = low.shape[-2], up.shape[-1]
    if m == n:
        return _lu_grad_square(gl, gu, None, low, up, perm)
    if m < n:  # U = [U1 | U2]: A2 = P L U2 feeds gL through U2 = L^-1 P^T A2
        u1, u2 = up[..., :, :m], up[..., :, m:]
        gu1, gu2 = gu[..., :, :m], gu[..., :, m:]
        lt_gu2 = _tri_solve(_H(low), gu2, True, True)  # L^-H gU2
        g1 = _lu_grad_square(gl - lt_gu2 @ _H(u2), gu1, None, low, u1, perm)
        g2 = _scatter_rows(lt_gu2, perm)
        return xp.concatenate([g1, g2], axis=-1)
    # m > n: L = [L1; L2]: the bottom rows A2 = L2 U feed gU through L2 = A2 U^-1
    l1, l2 = low[..., :n, :], low[..., n:, :]
    gl1, gl2 = gl[..., :n, :], gl[..., n:, :]
    gl2_ut = _H(_tri_solve(up, _H(gl2), True))  # gL2 U^-H
    ident = xp.arange(n)
    g1 = _lu_grad_square(gl1, gu - _H(l2) @ gl2_ut, None, l1, up, ident)
    return _scatter_rows(xp.concatenate([g1, gl2_ut], axis=-2), perm)


def _lu_grad_square_graph(gl, gu, low, up, pmat):
    """:func:`_lu_grad_square` in ember ops; ``pmat`` the (constant) permutation matrix ``P``, or None for ``I``."""
    x = (_tH(low) @ gl).tril(-1) + (gu @ _tH(up)).triu()
    y = SolveTriangular.apply(_tH(low), x, upper=True, unitriangular=True)  # L^-H x
    y = _tH(SolveTriangular.apply(up, _tH(y), upper=True))  # ... U^-H
    return y if pmat is None else pmat @ y


def lu_backward_graph(gl, gu, low, up, pmat):
    """:func:`lu_backward` in ember ops (``pmat``: ``P`` of ``A = P L U`` as a constant tensor)."""
    import ember

    m, n = low.shape[-2], up.shape[-1]
    if m == n:
        return _lu_grad_square_graph(gl, gu, low, up, pmat)
    if m < n:
        u1, u2 = up[..., :, :m], up[..., :, m:]
        lt_gu2 = SolveTriangular.apply(_tH(low), gu[..., :, m:], upper=True, unitriangular=True)
        g1 = _lu_grad_square_graph(gl - lt_gu2 @ _tH(u2), gu[..., :, :m], low, u1, pmat)
        return ember.cat([g1, pmat @ lt_gu2], -1)
    l1, l2 = low[..., :n, :], low[..., n:, :]
    gl2_ut = _tH(SolveTriangular.apply(up, _tH(gl[..., n:, :]), upper=True))  # gL2 U^-H
    g1 = _lu_grad_square_graph(gl[..., :n, :], gu - _tH(l2) @ gl2_ut, l1, up, None)
    return pmat @ ember.cat([g1, gl2_ut], -2)


def _unpack_lu_graph(lu, m, n):
    """``(L, U)`` of a packed LU tensor, differentiable in it."""
    import ember

    k = min(m, n)
    return lu[..., :, :k].tril(-1) + ember.eye(m, k, dtype=lu.dtype), lu[..., :k, :].triu()


def _perm_tensor(piv, m, dtype):
    """``P`` (constant) from LAPACK pivots (an array or int tensor)."""
    return wrap(perm_matrix(pivots_to_perm(getattr(piv, "_data", piv), m), dtype))


class LuFactor(Op):
    """``linalg.lu_factor_ex``: ``(LU, pivots, info)``; ``LU`` packs the unit lower ``L`` and upper ``U``."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgLuFactorExBackward0"

    def forward(self, a):
        _check_matrix(a, "linalg.lu_factor")
        lu, piv, info = lu_factor_arrays(a)
        if self.requires_grad:
            self.save(lu, piv)
        return lu, piv, info

    def backward(self, g):
        lu, piv = self.saved
        m, n = lu.shape[-2:]
        k = min(m, n)
        low, up = unpack_lu(lu)
        return (lu_backward(xp.tril(g[..., :, :k], -1), xp.triu(g[..., :k, :]), low, up, pivots_to_perm(piv, m)),)

    def backward_graph(self, g):
        lu, piv = self.saved
        m, n = lu.shape[-2:]
        k = min(m, n)
        low, up = _unpack_lu_graph(_out(self, lu), m, n)
        pmat = _perm_tensor(piv, m, lu.dtype)
        return (lu_backward_graph(g[..., :, :k].tril(-1), g[..., :k, :].triu(), low, up, pmat),)


class Lu(Op):
    """``linalg.lu``: ``(P, L, U)`` with ``A = P L U``; ``P`` carries no gradient."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgLuBackward0"
    differentiable_outputs = 3

    def forward(self, a):
        _check_matrix(a, "linalg.lu")
        lu, piv, _ = lu_factor_arrays(a)
        perm = pivots_to_perm(piv, a.shape[-2])
        low, up = unpack_lu(lu)
        if self.requires_grad:
            self.save(low, up, perm)
        return perm_matrix(perm, a.dtype), low, up

    def backward(self, gp, gl, gu):
        low, up, perm = self.saved
        return (lu_backward(xp.tril(gl, -1), xp.triu(gu), low, up, perm),)

    def backward_graph(self, gp, gl, gu):
        low, up, perm = self.saved
        pmat = wrap(perm_matrix(perm, low.dtype))
        return (lu_backward_graph(gl.tril(-1), gu.triu(), _out(self, low, 1), _out(self, up, 2), pmat),)


class LuUnpack(Op):
    """``lu_unpack(LU, pivots)``: ``(P, L, U)``; the gradient flows from ``L`` and ``U`` into the packed ``LU``."""

    family = "linalg"
    complex_grad = True
    grad_name = "LuUnpackBackward0"
    differentiable_outputs = 3
    unpack_data = True
    unpack_pivots = True

    def forward(self, lu, piv):
        m, n = lu.shape[-2:]
        if self.unpack_pivots:
            p = perm_matrix(pivots_to_perm(piv, m), lu.dtype)
        else:
            p = xp.empty((0,), dtype=lu.dtype)
        if self.unpack_data:
            low, up = unpack_lu(lu)
        else:
            low = up = xp.empty((0,), dtype=lu.dtype)
        return p, low, up

    def backward(self, gp, gl, gu):
        if not self.unpack_data:
            return None, None
        m, n = self._in_meta[0][0][-2:]
        k = min(m, n)
        g = xp.zeros(xp.broadcast_shapes(gl.shape[:-2], gu.shape[:-2]) + (m, n), dtype=gl.dtype)
        g[..., :, :k] += xp.tril(gl, -1)
        g[..., :k, :] += xp.triu(gu)
        return g, None

    def backward_graph(self, gp, gl, gu):
        import ember

        if not self.unpack_data:
            return None, None
        m, n = self._in_meta[0][0][-2:]
        k = min(m, n)
        gl, gu = gl.tril(-1), gu.triu()
        if n > k:  # L is m x k, U is k x n: each zero-padded to m x n
            gl = ember.cat([gl, ember.zeros(*gl.shape[:-1], n - k, dtype=gl.dtype)], -1)
        if m > k:
            gu = ember.cat([gu, ember.zeros(*gu.shape[:-2], m - k, n, dtype=gu.dtype)], -2)
        return gl + gu, None


class LuSolve(Op):
    """``linalg.lu_solve(LU, pivots, B, left, adjoint)``; gradients for ``LU`` (through ``A = P L U``) and ``B``."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgLuSolveBackward0"
    left = True
    adjoint = False

    def forward(self, lu, piv, b):
        x = lu_solve_arrays(lu, piv, b, self.left, self.adjoint)
        if self.requires_grad:
            self.save(lu, piv, x)
        return x

    def backward(self, g):
        lu, piv, x = self.saved
        gb = lu_solve_arrays(lu, piv, g, self.left, not self.adjoint)
        glu = None
        if self.needs_input_grad[0]:
            if self.left:
                ga = -(gb @ _H(x)) if not self.adjoint else -(x @ _H(gb))
            else:
                ga = -(_H(x) @ gb) if not self.adjoint else -(_H(gb) @ x)
            n = lu.shape[-1]
            perm = pivots_to_perm(piv, n)
            low, up = unpack_lu(lu)
            pga = _gather_rows(ga, perm)  # P^T gA
            glu = xp.tril(pga @ _H(up), -1) + xp.triu(_H(low) @ pga)
        return glu, None, gb

    def backward_graph(self, g):
        lu, piv, b = self._inputs
        left, adjoint = self.left, self.adjoint
        x = _out(self, self.saved[2])
        gb = LuSolve.apply(lu, piv, g, left=left, adjoint=not adjoint)
        glu = None
        if self.needs_input_grad[0]:
            if left:
                ga = -(gb @ _tH(x)) if not adjoint else -(x @ _tH(gb))
            else:
                ga = -(_tH(x) @ gb) if not adjoint else -(_tH(gb) @ x)
            n = lu.shape[-1]
            low, up = _unpack_lu_graph(lu, n, n)
            pga = _perm_tensor(piv, n, lu._data.dtype).mT @ ga  # P^T gA
            glu = (pga @ _tH(up)).tril(-1) + (_tH(low) @ pga).triu()
        return glu, None, gb


# ---- matrix exponential

_PADE = {
    3: (120.0, 60.0, 12.0, 1.0),
    5: (30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0),
    7: (17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0),
    9: (17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0, 110880.0, 3960.0, 90.0,
        1.0),
    13: (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
         10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0),
}
_THETA = ((3, 1.495585217958292e-2), (5, 2.539398330063230e-1), (7, 9.504178996162932e-1),
          (9, 2.097847961257068e0))
_THETA13 = 5.371920351148152


def matrix_exp_array(a):
    """``exp(A)`` for ``(*, n, n)`` arrays: Pade approximant with scaling and squaring (Higham 2005); the degree
    and the number of squarings follow the largest 1-norm, squarings per matrix."""
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    ident = _eye_like(a)
    norms = xp.abs(a).sum(-2).max(-1)
    top = float(norms.max())
    degree, squarings = 13, None
    for deg, theta in _THETA:
        if top <= theta:
            degree = deg
            break
    if degree == 13:
        with xp.errstate(divide="ignore"):
            squarings = xp.maximum(0, xp.ceil(xp.log2(norms / _THETA13))).astype(xp.int64)
        a = a * (2.0 ** -squarings)[..., None, None].astype(a.dtype)
    b = _PADE[degree]
    a2 = a @ a
    if degree == 13:
        a4 = a2 @ a2
        a6 = a4 @ a2
        u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * ident)
        v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * ident
    else:
        powers = [ident, a2]
        while len(powers) < (degree + 1) // 2:
            powers.append(powers[-1] @ a2)
        u = a @ sum(b[2 * i + 1] * p for i, p in enumerate(powers))
        v = sum(b[2 * i] * p for i, p in enumerate(powers))
    r = xp.linalg.solve(v - u, v + u).astype(a.dtype, copy=False)
    if squarings is not None and squarings.size:
        if squarings.ndim == 0:
            for _ in range(int(squarings)):
                r = r @ r
        else:
            for step in range(int(squarings.max())):
                todo = squarings > step
                r[todo] = r[todo] @ r[todo]
    return r.reshape(r.shape[:-2] + (n, n))


class MatrixExp(Op):
    """``linalg.matrix_exp``; backward ``exp([[A^H, G], [0, A^H]])`` upper-right block (the Frechet derivative
    at ``A^H`` applied to ``G``)."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgMatrixExpBackward0"

    def forward(self, a):
        _check_square(a, "linalg.matrix_exp", half_ok=True)
        if self.requires_grad:
            self.save(a)
        if a.dtype == _HALF:  # as PyTorch: computed in float32, returned in half
            return matrix_exp_array(a.astype(xp.float32)).astype(a.dtype)
        return matrix_exp_array(a)

    def backward(self, g):
        (a,) = self.saved
        if a.dtype == _HALF:
            a, g = a.astype(xp.float32), g.astype(xp.float32)
        n = a.shape[-1]
        shape = xp.broadcast_shapes(a.shape[:-2], g.shape[:-2])
        big = xp.zeros(shape + (2 * n, 2 * n), dtype=a.dtype)
        big[..., :n, :n] = _H(a)
        big[..., n:, n:] = _H(a)
        big[..., :n, n:] = g
        return (matrix_exp_array(big)[..., :n, n:],)

    def backward_graph(self, g):
        import ember

        ah = _tH(self._inputs[0])
        n = ah.shape[-1]
        shape = tuple(xp.broadcast_shapes(tuple(ah.shape[:-2]), tuple(g.shape[:-2]))) + (n, n)
        ah, g = ah.expand(*shape), g.expand(*shape)
        big = ember.cat([ember.cat([ah, g], -1), ember.cat([ember.zeros_like(ah), ah], -1)], -2)
        return (MatrixExp.apply(big)[..., :n, n:],)


# ---- the *_ex variants (never raise unless asked to; report failures in info)


class InvEx(Op):
    """``linalg.inv_ex``: ``(inverse, info)``; singular matrices give inf/nan and a nonzero ``info``."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgInvExBackward0"

    def forward(self, a):
        _check_square(a, "linalg.inv")  # torch names the function inv_ex calls
        info = xp.zeros(a.shape[:-2], dtype=xp.int32)
        try:
            out = xp.linalg.inv(a)
        except xp.linalg.LinAlgError:
            lu, piv, info = lu_factor_arrays(a)
            out = lu_solve_arrays(lu, piv, xp.broadcast_to(_eye_like(a), a.shape))
        if self.requires_grad:
            self.save(out)
        return out, info

    backward = Inv.backward

    def backward_graph(self, g):
        inv_t = _tH(_out(self, self.saved[0]))
        return (-(inv_t @ g @ inv_t),)


class CholeskyEx(Op):
    """``linalg.cholesky_ex``: ``(L, info)``; where a leading minor of order ``k`` is not positive-definite,
    ``info = k`` and ``L`` holds the partial factorization (as LAPACK's unblocked potrf)."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgCholeskyExBackward0"

    def forward(self, a):
        _check_square(a, "linalg.cholesky_ex")
        try:
            low = xp.linalg.cholesky(a)
            if xp.isnan(_diag(low)).any():  # NaN pivots fail LAPACK's test (d > 0), not NumPy's
                raise xp.linalg.LinAlgError
            info = xp.zeros(a.shape[:-2], dtype=xp.int32)
        except xp.linalg.LinAlgError:
            low, info = _cholesky_partial(a)
        if self.requires_grad:
            self.save(low)
        return low, info

    backward = Cholesky.backward

    def backward_graph(self, g):
        return (_cholesky_grad_graph(_out(self, self.saved[0]), g),)


def _cholesky_partial(a):
    n = a.shape[-1]
    low = xp.tril(a).reshape(-1, n, n).copy()
    info = xp.zeros(low.shape[0], dtype=xp.int32)
    for j in range(n):
        live = info == 0
        d = (low[:, j, j] - (low[:, j, :j] * low[:, j, :j].conj()).sum(-1)).real  # Hermitian: a real pivot
        bad = live & ~(d > 0)
        info[bad] = j + 1
        low[bad, j, j] = d[bad]
        ok = live & (d > 0)
        root = xp.sqrt(xp.where(ok, d, 1))
        low[ok, j, j] = root[ok]
        col = (low[:, j + 1:, j] - xp.einsum("bik,bk->bi", low[:, j + 1:, :j], low[:, j, :j].conj())) / root[:, None]
        low[ok, j + 1:, j] = col[ok]
    return low.reshape(a.shape), info.reshape(a.shape[:-2])


class SolveEx(Op):
    """``linalg.solve_ex`` for ``B`` of shape ``(*, n, k)``: ``(result, info)``; singular systems give inf/nan and a
    nonzero ``info`` (of ``A``'s batch shape)."""

    family = "linalg"
    complex_grad = True
    grad_name = "LinalgSolveExBackward0"

    def forward(self, a, b):
        _check_solve(a, b, "linalg.solve_ex")
        try:
            x = xp.linalg.solve(a, b)
            info = xp.zeros(a.shape[:-2], dtype=xp.int32)
        except xp.linalg.LinAlgError:
            lu, piv, info = lu_factor_arrays(a)
            x = lu_solve_arrays(lu, piv, b)
        if self.requires_grad:
            self.save(a, x)
        return x, info

    def backward(self, g):
        a, x = self.saved
        gb = _safe_inv_solve(_mT(_cj(a)), g)
        ga = -(gb @ _mT(_cj(x))) if self.needs_input_grad[0] else None
        return ga, gb

    def backward_graph(self, g):
        a, b = self._inputs
        x = _out(self, self.saved[1])
        gb = SolveEx.apply(_tH(a), g)[0]
        return (-(gb @ _tH(x)) if self.needs_input_grad[0] else None), gb


class CholeskySolve(Op):
    """``cholesky_solve(B, L)``: ``A X = B`` for ``A = L L^T`` (``U^T U`` if ``upper``), reading one triangle of
    ``L``; as PyTorch, the gradient of ``L`` is that of the full product ``L L^T``: ``-(C + C^T) L`` with
    ``C = A^-1 G X^T``."""

    family = "linalg"
    complex_grad = True
    grad_name = "CholeskySolveBackward0"
    upper = False

    def _solve(self, factor, b):
        low = _H(factor) if self.upper else factor
        return _tri_solve(_H(low), _tri_solve(low, b, False), True)

    def forward(self, b, factor):
        if _is_half(factor.dtype):
            _half_error("cholesky_solve", factor.dtype)
        if factor.shape[-1] != factor.shape[-2]:
            raise RuntimeError(f"A must be batches of square matrices, but they are {factor.shape[-2]} by "
                               f"{factor.shape[-1]} matrices")
        if b.shape[-2] != factor.shape[-1]:
            raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {factor.shape[-1]} by "
                               f"{factor.shape[-1]} but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
        x = self._solve(factor, b)
        if self.requires_grad:
            self.save(factor, x)
        return x

    def backward(self, g):
        factor, x = self.saved
        gb = self._solve(factor, g)
        gf = None
        if self.needs_input_grad[1]:
            c = gb @ _H(x)
            c = c + _H(c)
            gf = -(factor @ c) if self.upper else -(c @ factor)
        return gb, gf

    def backward_graph(self, g):
        b, factor = self._inputs
        x = _out(self, self.saved[1])
        gb = CholeskySolve.apply(g, factor, upper=self.upper)
        gf = None
        if self.needs_input_grad[1]:
            c = gb @ _tH(x)
            c = c + _tH(c)
            gf = -(factor @ c) if self.upper else -(c @ factor)
        return gb, gf


# ------------------------------------------------------------------ BLAS-style fused products (torch.addmv, ...)


def _scaled(g, s):
    return g if s == 1 else g * s


class Addmv(Op):
    """``beta * input + alpha * (mat @ vec)``; ``input`` broadcasts to ``(n,)``, and is ignored (NaN included)
    when ``beta == 0``."""

    family = "linalg"
    complex_grad = True
    beta = 1
    alpha = 1

    def forward(self, bias, mat, vec):
        if self.requires_grad:
            n = self.needs_input_grad
            self.save(vec if n[1] else None, mat if n[2] else None)
        out = _scaled(mat @ vec, self.alpha)
        return out + _scaled(bias, self.beta) if self.beta != 0 else out

    def backward(self, g):
        vec, mat = _cj(self.saved[0]), _cj(self.saved[1])
        ga = _scaled(g, _cs(self.alpha))
        return (_scaled(g, _cs(self.beta)) if self.needs_input_grad[0] else None,
                xp.multiply.outer(ga, vec) if vec is not None else None,
                ga @ mat if mat is not None else None)

    def backward_graph(self, g):
        _, mat, vec = [_tcj(t) for t in self._inputs]
        n = self.needs_input_grad
        ga = _scaled(g, _cs(self.alpha))
        return (_scaled(g, _cs(self.beta)) if n[0] else None, ga.outer(vec) if n[1] else None,
                ga @ mat if n[2] else None)


class Addr(Op):
    """``beta * input + alpha * outer(vec1, vec2)`` (for bool tensors: ``(beta and input) or (alpha and vec1 &
    vec2)``); ``input`` broadcasts to ``(n, m)``."""

    family = "linalg"
    complex_grad = True
    beta = 1
    alpha = 1

    def forward(self, bias, v1, v2):
        if v1.dtype == xp.bool_:
            out = xp.logical_and.outer(v1, v2) & bool(self.alpha)
            return out | bias if self.beta else out
        if self.requires_grad:
            n = self.needs_input_grad
            self.save(v2 if n[1] else None, v1 if n[2] else None)
        out = _scaled(xp.multiply.outer(v1, v2), self.alpha)
        return out + _scaled(bias, self.beta) if self.beta != 0 else out

    def backward(self, g):
        v2, v1 = _cj(self.saved[0]), _cj(self.saved[1])
        ga = _scaled(g, _cs(self.alpha))
        return (_scaled(g, _cs(self.beta)) if self.needs_input_grad[0] else None,
                ga @ v2 if v2 is not None else None, v1 @ ga if v1 is not None else None)

    def backward_graph(self, g):
        _, v1, v2 = [_tcj(t) for t in self._inputs]
        n = self.needs_input_grad
        ga = _scaled(g, _cs(self.alpha))
        return (_scaled(g, _cs(self.beta)) if n[0] else None, ga @ v2 if n[1] else None,
                v1 @ ga if n[2] else None)


class Addbmm(Op):
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``; ``input`` broadcasts to ``(n, p)``."""

    family = "linalg"
    complex_grad = True
    beta = 1
    alpha = 1

    def forward(self, bias, b1, b2):
        if self.requires_grad:
            n = self.needs_input_grad
            self.save(b2 if n[1] else None, b1 if n[2] else None)
        # one GEMM over the concatenated batch: (n, B*m) @ (B*m, p) sums the products
        out = xp.swapaxes(b1, 0, 1).reshape(b1.shape[1], -1) @ b2.reshape(-1, b2.shape[2])
        out = _scaled(out, self.alpha)
        return out + _scaled(bias, self.beta) if self.beta != 0 else out

    def backward(self, g):
        b2, b1 = _cj(self.saved[0]), _cj(self.saved[1])
        ga = _scaled(g, _cs(self.alpha))
        return (_scaled(g, _cs(self.beta)) if self.needs_input_grad[0] else None,
                ga @ _mT(b2) if b2 is not None else None, _mT(b1) @ ga if b1 is not None else None)

    def backward_graph(self, g):
        _, b1, b2 = [_tcj(t) for t in self._inputs]
        n = self.needs_input_grad
        ga = _scaled(g, _cs(self.alpha))
        return (_scaled(g, _cs(self.beta)) if n[0] else None, ga @ b2.transpose(-1, -2) if n[1] else None,
                b1.transpose(-1, -2) @ ga if n[2] else None)


class Vdot(Op):
    """``sum(conj(a) * b)`` of two vectors (``dot`` for real ones); gradients ``conj(g) b`` and ``g a``."""

    family = "linalg"
    complex_grad = True

    def forward(self, a, b):
        if self.requires_grad:
            n = self.needs_input_grad
            self.save(b if n[0] else None, a if n[1] else None)
        return xp.asarray(xp.vdot(a, b))

    def backward(self, g):
        b, a = self.saved
        return _cj(g) * b if b is not None else None, g * a if a is not None else None

    def backward_graph(self, g):
        a, b = self._inputs
        n = self.needs_input_grad
        return _tcj(g) * b if n[0] else None, g * a if n[1] else None


class Baddbmm(Addbmm):
    """``beta * input + alpha * (batch1 @ batch2)`` over a batch; ``input`` broadcasts to ``(b, n, p)`` and is
    ignored (NaN included) when ``beta == 0``."""

    # Addbmm's gradients serve unchanged: with g of shape (b, n, p) instead of (n, p), the same matmuls give the
    # per-batch grads (broadcasting did the batching there).
    family = "linalg"

    def forward(self, bias, b1, b2):
        if self.requires_grad:
            n = self.needs_input_grad
            self.save(b2 if n[1] else None, b1 if n[2] else None)
        out = _scaled(b1 @ b2, self.alpha)
        return out + _scaled(bias, self.beta) if self.beta != 0 else out


class LinalgCross(Op):
    """The cross product of 3-vectors along ``dim`` (the inputs broadcast)."""

    family = "linalg"
    complex_grad = True

    def forward(self, a, b):
        if self.requires_grad:
            n = self.needs_input_grad
            self.save(b if n[0] else None, a if n[1] else None)
        return xp.cross(a, b, axis=self.dim)

    def backward(self, g):
        b, a = _cj(self.saved[0]), _cj(self.saved[1])
        d = self.dim
        return (xp.cross(b, g, axis=d) if b is not None else None, xp.cross(g, a, axis=d) if a is not None else None)

    def backward_graph(self, g):
        a, b = [_tcj(t) for t in self._inputs]
        n = self.needs_input_grad
        return (LinalgCross.apply(b, g, dim=self.dim) if n[0] else None,
                LinalgCross.apply(g, a, dim=self.dim) if n[1] else None)


# ------------------------------------------------------------------ distances (cdist, pdist)


def _dist_grad(diff, dist, g, p):
    """d/d diff of ``g * ||diff||_p`` over the last axis (``dist`` and ``g`` given with that axis kept), with
    PyTorch's conventions: 0 where the distance is 0, the inf-norm's gradient to every element that attains it."""
    with xp.errstate(divide="ignore", invalid="ignore"):
        if p == 0:
            return xp.zeros_like(diff)
        if p == 1:
            return g * xp.sign(diff)
        if p == 2:
            return xp.where(dist == 0, 0, g / dist) * diff
        if p == float("inf"):
            return g * xp.sign(diff) * (xp.abs(diff) == dist)
        a = xp.abs(diff)
        if p < 1:
            grad = g * xp.sign(diff) * a ** (p - 1) / dist ** (p - 1)
            return xp.where((diff == 0) | (dist == 0), 0, grad)
        return xp.where(dist == 0, 0, g * diff * a ** (p - 2) / dist ** (p - 1))


def _pnorm(diff, p):
    """The p-norm of ``diff`` over its last axis (0 <= p <= inf)."""
    from ember._ops.reduction import Norm
    return Norm(p=p, dim=(diff.ndim - 1,)).forward(diff)


def vjp_graph(fn, inputs, needs, grads):
    """Gradients of ``fn(*inputs)`` (differentiable ember ops) for ``grads``, recorded for a further derivative:
    the ``backward_graph`` of an op whose own kernel has no double-backward formula of its own."""
    from ember.autograd import grad as _grad
    wrt = [t for t, need in zip(inputs, needs) if need]
    outs = fn(*inputs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    grads = grads if isinstance(grads, (tuple, list)) else (grads,)
    res = iter(_grad(outs, wrt, grads, create_graph=True, allow_unused=True))
    return tuple([next(res) if need else None for need in needs])


class Cdist(Op):
    """``cdist``: the ``p``-norm distance between each row of x1 ``(*, P, M)`` and each row of x2 ``(*, R, M)``
    (batch dimensions broadcast), from the pairwise differences."""

    family = "linalg"
    p = 2.0

    def forward(self, x1, x2):
        out = _pnorm(x1[..., :, None, :] - x2[..., None, :, :], self.p)
        if self.requires_grad:
            self.save(x1, x2, out)
        return out

    def backward(self, g):
        x1, x2, dist = self.saved
        n = self.needs_input_grad
        if self.p == 2:  # no (P, R, M) difference tensor: ratio = g / dist, then two matrix products per input
            return _euclid_grads(g, x1, x2, dist, n)
        gd = _dist_grad(x1[..., :, None, :] - x2[..., None, :, :], dist[..., None], g[..., None], self.p)
        return (gd.sum(-2) if n[0] else None, -gd.sum(-3) if n[1] else None)

    def backward_graph(self, g):
        p = self.p
        return vjp_graph(lambda a, b: (a.unsqueeze(-2) - b.unsqueeze(-3)).norm(p, -1), self._inputs,
                         self.needs_input_grad, g)


def _euclid_grads(g, x1, x2, dist, needs):
    with xp.errstate(divide="ignore", invalid="ignore"):
        ratio = xp.where(dist == 0, 0, g / dist).astype(g.dtype, copy=False)
    return (x1 * ratio.sum(-1)[..., None] - ratio @ x2 if needs[0] else None,
            x2 * ratio.sum(-2)[..., None] - _mT(ratio) @ x1 if needs[1] else None)


class EuclideanDist(Op):
    """``cdist`` with ``p = 2`` through matrix products (PyTorch's path for more than 25 rows):
    ``sqrt(max(|x1|^2 + |x2|^2 - 2 x1 x2^T, 0))``; a zero distance has a zero gradient, as in PyTorch."""

    family = "linalg"

    def forward(self, x1, x2):
        sq1 = (x1 * x1).sum(-1)[..., :, None]
        sq2 = (x2 * x2).sum(-1)[..., None, :]
        # Clamped at 0, not at a tiny positive value: g / dist at a clamped pair would swamp every other term of
        # the gradient (its contributions cancel only in exact arithmetic).
        out = xp.sqrt(xp.maximum(sq1 + sq2 - 2 * (x1 @ _mT(x2)), 0))
        if self.requires_grad:
            self.save(x1, x2, out)
        return out

    def backward(self, g):
        x1, x2, dist = self.saved
        return _euclid_grads(g, x1, x2, dist, self.needs_input_grad)

    def backward_graph(self, g):
        a, b = self._inputs
        sq = (a * a).sum(-1).unsqueeze(-1) + (b * b).sum(-1).unsqueeze(-2) - 2 * (a @ b.transpose(-1, -2))
        # the pairs at zero distance as a constant 0/1 mask: they get no gradient, and no 0/0 in the graph
        keep = wrap((sq._data > 0).astype(sq._data.dtype))
        dist = (sq * keep + (1 - keep)).sqrt()
        ratio = g / dist * keep
        n = self.needs_input_grad
        return (a * ratio.sum(-1).unsqueeze(-1) - ratio @ b if n[0] else None,
                b * ratio.sum(-2).unsqueeze(-1) - ratio.transpose(-1, -2) @ a if n[1] else None)


class Pdist(Op):
    """``pdist``: the ``p``-norm distances between the rows ``i < j`` of an ``(N, M)`` input, in row-major order."""

    family = "linalg"
    p = 2.0

    def forward(self, x):
        i, j = xp.triu_indices(x.shape[0], 1)
        out = _pnorm(x[i] - x[j], self.p)
        if self.requires_grad:
            self.save(x, out)
        return out

    def backward(self, g):
        x, dist = self.saved
        i, j = xp.triu_indices(x.shape[0], 1)
        gd = _dist_grad(x[i] - x[j], dist[:, None], g[:, None], self.p)
        out = xp.zeros_like(x)
        xp.add.at(out, i, gd)
        xp.add.at(out, j, -gd)
        return (out,)

    def backward_graph(self, g):
        from ember._tensor import wrap
        p = self.p

        def pdist(x):
            i, j = (wrap(k.astype(xp.int64)) for k in xp.triu_indices(x.shape[0], 1))
            return (x.index_select(0, i) - x.index_select(0, j)).norm(p, 1)
        return vjp_graph(pdist, self._inputs, self.needs_input_grad, g)
