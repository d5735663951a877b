"""Linear algebra: matmul (mm/bmm/mv/dot), addmm, einsum."""

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
