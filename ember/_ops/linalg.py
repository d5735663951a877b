"""Linear algebra: matmul (mm/bmm/mv/dot), addmm, einsum, and the matrix functions inv, det, slogdet, solve and
cholesky (batched over leading dimensions)."""

from ember._backend import xp
from ember._ops import Op


class MatMul(Op):
    """``a @ b`` with NumPy/PyTorch broadcasting; named Mm/Bmm/Mv/Dot/Matmul after the shapes."""

    family = "linalg"
    grad_name = "MmBackward0"

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
        return xp.matmul(a, b)

    def backward(self, g):
        b, a = self.saved
        a1 = len(self._in_meta[0][0]) == 1
        b1 = len(self._in_meta[1][0]) == 1
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
            gb = g if self.beta == 1 else g * self.beta
        g_a = g if self.alpha == 1 else g * self.alpha
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
        n = self.needs_input_grad
        return (
            g * self.beta if n[0] else None,
            (g @ m2.t()) * self.alpha if n[1] else None,
            (m1.t() @ g) * self.alpha if n[2] else None,
        )


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def parse_einsum(equation, shapes):
    """Explicit per-operand and output subscripts, with any ellipsis spelled out in spare letters."""
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs, out = eq, None
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise RuntimeError(
            "einsum(): more operands were provided than specified in the equation"
            if len(shapes) > len(ins) else
            "einsum(): fewer operands were provided than specified in the equation"
        )
    used = set(c for c in eq if c.isalpha())
    spare = [c for c in _LETTERS if c not in used]
    ell_n = max((len(s) - (len(sub) - 3) for sub, s in zip(ins, shapes) if "..." in sub), default=0)
    ell = "".join(spare[:ell_n])
    full = []
    for sub, s in zip(ins, shapes):
        if "..." in sub:
            k = len(s) - (len(sub) - 3)
            sub = sub.replace("...", ell[ell_n - k:] if k else "")
        full.append(sub)
    if out is None:
        counts = {}
        for sub in full:
            for c in sub:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return full, out


class Einsum(Op):
    family = "linalg"

    def forward(self, *xs):
        self.subs, self.out_sub = parse_einsum(self.equation, [x.shape for x in xs])
        if self.requires_grad:
            self.save(*xs)
        eq = ",".join(self.subs) + "->" + self.out_sub
        return xp.einsum(eq, *xs, optimize=len(xs) > 2)

    def backward(self, g):
        xs = self.saved
        grads = []
        for i, (x, sub) in enumerate(zip(xs, self.subs)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(s, o) for j, (s, o) in enumerate(zip(self.subs, xs)) if j != i]
            avail = set(self.out_sub).union(*[set(s) for s, _ in others]) if others else set(self.out_sub)
            if len(set(sub)) != len(sub):
                raise RuntimeError("einsum backward with a repeated index in one operand is not supported")
            present = "".join(c for c in sub if c in avail)
            eq = ",".join([self.out_sub] + [s for s, _ in others]) + "->" + present
            gi = xp.einsum(eq, g, *[o for _, o in others], optimize=len(others) > 1)
            if present != sub:
                shape = [x.shape[k] if c in present else 1 for k, c in enumerate(sub)]
                gi = xp.broadcast_to(gi.reshape(shape), x.shape)
            grads.append(gi)
        return tuple(grads)

    def backward_graph(self, g):
        xs = self._inputs
        grads = []
        for i, (x, sub) in enumerate(zip(xs, self.subs)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(s, o) for j, (s, o) in enumerate(zip(self.subs, xs)) if j != i]
            avail = set(self.out_sub).union(*[set(s) for s, _ in others]) if others else set(self.out_sub)
            if len(set(sub)) != len(sub):
                raise RuntimeError("einsum backward with a repeated index in one operand is not supported")
            present = "".join(c for c in sub if c in avail)
            eq = ",".join([self.out_sub] + [s for s, _ in others]) + "->" + present
            gi = Einsum.apply(g, *[o for _, o in others], equation=eq)
            if present != sub:
                shape = [x.shape[k] if c in present else 1 for k, c in enumerate(sub)]
                gi = gi.reshape(shape).expand(*x.shape)
            grads.append(gi)
        return tuple(grads)


class LinAlgError(RuntimeError):
    """A matrix that the requested decomposition or inverse cannot handle (singular, not positive-definite),
    as ``torch.linalg.LinAlgError``."""


def _mT(a):
    return xp.swapaxes(a, -1, -2)


def _check_square(a, name):
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")
    if a.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {_type_word(a)}")


def _type_word(a):
    from ember._dtype import TYPE_WORDS

    return TYPE_WORDS.get(a.dtype.name, a.dtype.name)


def _first_zero_pivot(a):
    """1-based index of the first zero pivot of LU with partial pivoting of the first singular matrix in ``a``
    (for the error message only: a short elimination loop on the failing path)."""
    mats = a.reshape(-1, a.shape[-2], a.shape[-1]).astype(xp.float64)
    for m in mats:
        m = m.copy()
        n = m.shape[0]
        for k in range(n):
            p = k + int(xp.argmax(xp.abs(m[k:, k])))
            if m[p, k] == 0:
                return k + 1
            m[[k, p]] = m[[p, k]]
            m[k + 1:] -= xp.outer(m[k + 1:, k] / m[k, k], m[k])
    return 1


class Inv(Op):
    """``linalg.inv``; backward ``-A^-T G A^-T``."""

    family = "linalg"
    grad_name = "LinalgInvExBackward0"

    def forward(self, a):
        _check_square(a, "linalg.inv")
        try:
            out = xp.linalg.inv(a)
        except xp.linalg.LinAlgError:
            raise LinAlgError(f"linalg.inv: The diagonal element {_first_zero_pivot(a)} is zero, the inversion could "
                              "not be completed because the input matrix is singular.") from None
        if self.requires_grad:
            self.save(out)
        return out

    def backward(self, g):
        (inv,) = self.saved
        inv_t = _mT(inv)
        return (-(inv_t @ g @ inv_t),)

    def backward_graph(self, g):
        import ember

        inv_t = ember.linalg.inv(self._inputs[0]).mT
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
        flat_out[~regular] = sign[:, None, None] * ((u * others[:, None, :]) @ vh)
    return out


class Det(Op):
    """``linalg.det``; backward ``g * cofactor(A)`` (also at singular matrices)."""

    family = "linalg"
    grad_name = "LinalgDetBackward0"

    def forward(self, a):
        _check_square(a, "linalg.det")
        out = xp.asarray(xp.linalg.det(a), dtype=a.dtype)
        if self.requires_grad:
            self.save(a, out)
        return out

    def backward(self, g):
        a, det = self.saved
        return (xp.asarray(g)[..., None, None] * _cofactor(a, det),)

    def backward_graph(self, g):
        import ember

        a = self._inputs[0]
        return ((g * ember.linalg.det(a))[..., None, None] * ember.linalg.inv(a).mT,)


class SlogDet(Op):
    """``linalg.slogdet``: ``(sign, log|det|)``; only ``log|det|`` carries a gradient, ``g * A^-T``."""

    family = "linalg"
    grad_name = "LinalgSlogdetBackward0"
    differentiable_outputs = 2

    def forward(self, a):
        _check_square(a, "linalg.slogdet")
        sign, logabs = xp.linalg.slogdet(a)
        if self.requires_grad:
            self.save(a)
        return xp.asarray(sign, dtype=a.dtype), xp.asarray(logabs, dtype=a.dtype)

    def backward(self, g_sign, g_logabs):
        (a,) = self.saved
        return (xp.asarray(g_logabs)[..., None, None] * _mT(xp.linalg.inv(a)),)

    def backward_graph(self, g_sign, g_logabs):
        import ember

        return (g_logabs[..., None, None] * ember.linalg.inv(self._inputs[0]).mT,)


class Solve(Op):
    """``linalg.solve(A, B)`` for ``A X = B`` with ``B`` of shape ``(*, n, k)`` (the caller turns vectors into
    columns); backward ``gB = A^-T G``, ``gA = -gB X^T``."""

    family = "linalg"
    grad_name = "LinalgSolveExBackward0"

    def forward(self, a, b):
        _check_square(a, "linalg.solve")
        if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
            raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                               f"({a.shape[-2]}x{a.shape[-1]} and {'x'.join(map(str, b.shape[-2:]))})")
        try:
            x = xp.linalg.solve(a, b)
        except xp.linalg.LinAlgError:
            raise LinAlgError("linalg.solve: The solver failed because the input matrix is singular.") from None
        if self.requires_grad:
            self.save(a, x)
        return x

    def backward(self, g):
        a, x = self.saved
        gb = xp.linalg.solve(_mT(a), g)
        ga = -(gb @ _mT(x)) if self.needs_input_grad[0] else None
        return ga, gb

    def backward_graph(self, g):
        import ember

        a, _ = self._inputs
        x = ember.linalg.solve(a, self._inputs[1])
        gb = ember.linalg.solve(a.mT, g)
        return -(gb @ x.mT), gb


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
    ``sym(L^-T Phi(L^T G) L^-1)`` with ``Phi`` keeping the lower triangle and halving the diagonal."""

    family = "linalg"
    grad_name = "LinalgCholeskyExBackward0"

    def forward(self, a):
        _check_square(a, "linalg.cholesky")
        try:
            low = xp.linalg.cholesky(a)  # LAPACK reads the lower triangle only
        except xp.linalg.LinAlgError:
            k = _not_positive_definite_order(a)
            raise LinAlgError("linalg.cholesky: The factorization could not be completed because the input is not "
                              f"positive-definite (the leading minor of order {k} is not positive-definite).") from None
        if self.requires_grad:
            self.save(low)
        return low

    def backward(self, g):
        (low,) = self.saved
        phi = xp.tril(_mT(low) @ g)
        d = xp.einsum("...ii->...i", phi)
        d *= 0.5  # a writable diagonal view (einsum returns one for a single operand)
        inv = xp.linalg.inv(low)
        ga = _mT(inv) @ phi @ inv
        return (0.5 * (ga + _mT(ga)),)
