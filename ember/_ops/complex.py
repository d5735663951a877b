"""Ops between complex tensors and their parts: real/imag views, conjugation, view_as_real/view_as_complex,
complex/polar, and abs/angle/sgn of complex values.

Gradients follow PyTorch's convention: for a real loss ``L`` and ``z = x + iy``, ``z.grad = dL/dx + i dL/dy``.
A real input ``u`` of a complex output ``w`` gets ``Re(conj(dw/du) * g)``.
"""

from ember._backend import xp
from ember._ops import Op


def _no_index_map(name):
    # Op.forward doubles as an index map (an int array in, the view's elements out) when an in-place op on a view
    # rebuilds its base's history; a part of a complex element has no element index: such views give
    # ``part_index`` instead (indices into the base's (*, 2) real view), for a base history that knows about it.
    raise RuntimeError(f"in-place operations on the {name} view of a complex tensor are not supported in ember "
                       "yet while autograd records them (the tensor or the written values require grad); use an "
                       "out-of-place operation such as torch.complex(real, imag)")


def complex_of(a, b):
    """``a + i b`` for real arrays, in the complex dtype of their float dtype."""
    out = xp.empty(xp.broadcast_shapes(a.shape, b.shape), dtype=xp.result_type(a.dtype, xp.complex64))
    out.real = a
    out.imag = b
    return out


def as_real(z):
    """The ``(*, 2)`` real view of complex array ``z``: its real and imaginary parts, sharing its memory."""
    return z[..., None].view(z.real.dtype)


def as_complex(x):
    """The complex view of float array ``x`` whose last dimension (size 2, contiguous) holds the parts."""
    return x.view(xp.complex128 if x.dtype == xp.float64 else xp.complex64)[..., 0]


class Real(Op):
    """``z.real``: a view of the real parts."""

    family = "complex"
    grad_name = "SelectBackward0"  # PyTorch selects index 0 of view_as_real
    is_view = True
    complex_grad = True

    def forward(self, z):
        if z.dtype.kind != "c":
            _no_index_map("real")
        return z.real

    @staticmethod
    def part_index(idx):
        """For each view element, its flat index in the base's ``(*, 2)`` real view (see ``_no_index_map``)."""
        return 2 * idx

    def backward(self, g):
        return (g + 0j,)

    def backward_graph(self, g):
        from ember._functions_extra import complex as _complex

        return (_complex(g, g.new_zeros(())),)


class Imag(Op):
    """``z.imag``: a view of the imaginary parts; the gradient of ``z`` is ``i g``."""

    family = "complex"
    grad_name = "SelectBackward0"
    is_view = True
    complex_grad = True

    def forward(self, z):
        if z.dtype.kind != "c":
            _no_index_map("imag")
        return z.imag

    @staticmethod
    def part_index(idx):
        return 2 * idx + 1

    def backward(self, g):
        return (1j * g,)

    def backward_graph(self, g):
        from ember._functions_extra import complex as _complex

        return (_complex(g.new_zeros(()), g),)


class Conj(Op):
    """Complex conjugate (a copy: NumPy has no lazily conjugated view); the gradient is conjugated too."""

    family = "complex"
    complex_grad = True

    def forward(self, z):
        return xp.conj(z)

    def backward(self, g):
        return (xp.conj(g),)

    def backward_graph(self, g):
        return (Conj.apply(g),)


class ResolveClone(Op):
    """A plain copy (``resolve_conj``/``resolve_neg`` of a flagged tensor: the values are already resolved)."""

    family = "complex"
    grad_name = "CloneBackward0"
    complex_grad = True

    def forward(self, z):
        return z.copy()

    def backward(self, g):
        return (g,)

    backward_graph = backward


class ViewAsReal(Op):
    """``(*, 2)`` real view of a complex tensor: ``[..., 0]`` the real, ``[..., 1]`` the imaginary parts."""

    family = "complex"
    is_view = True
    complex_grad = True

    def forward(self, z):
        if z.dtype.kind != "c":
            _no_index_map("view_as_real")
        return as_real(z)

    @staticmethod
    def part_index(idx):
        return 2 * idx[..., None] + xp.arange(2, dtype=idx.dtype)

    def backward(self, g):
        return (complex_of(g[..., 0], g[..., 1]),)

    def backward_graph(self, g):
        from ember._functions_extra import view_as_complex

        return (view_as_complex(g.contiguous()),)


class ViewAsComplex(Op):
    """Complex view of a real ``(*, 2)`` tensor (the last dimension contiguous)."""

    family = "complex"
    is_view = True
    complex_grad = True

    def forward(self, x):
        if x.dtype.kind not in "fV":
            _no_index_map("view_as_complex")
        return as_complex(x)

    def backward(self, g):
        return (xp.stack((g.real, g.imag), axis=-1),)

    def backward_graph(self, g):
        from ember._functions_extra import view_as_real

        return (view_as_real(g),)


class Complex(Op):
    """``real + i imag`` from two real tensors (broadcast)."""

    family = "complex"
    complex_grad = True

    def forward(self, a, b):
        return complex_of(a, b)

    def backward(self, g):
        n = self.needs_input_grad
        return (g.real.copy() if n[0] else None, g.imag.copy() if n[1] else None)

    def backward_graph(self, g):
        n = self.needs_input_grad
        return (g.real if n[0] else None, g.imag if n[1] else None)


class Polar(Op):
    """``abs * exp(i angle)``; a real input ``u`` gets ``Re(conj(dz/du) g)``."""

    family = "complex"
    complex_grad = True

    def forward(self, r, theta):
        c, s = xp.cos(theta), xp.sin(theta)
        e = complex_of(c, s)
        out = complex_of(r * c, r * s)  # (not r * e: a complex product would lose the sign of a zero part)
        if self.requires_grad:
            self.save(r, e)
        return out

    def backward(self, g):
        r, e = self.saved
        n = self.needs_input_grad
        ge = g * xp.conj(e)  # dz/dr = e, dz/dtheta = i r e
        # PyTorch differentiates abs through sgn(z): its sign flips for a negative abs, 0 at abs 0
        return ((ge.real * xp.sign(r)) if n[0] else None, (r * ge.imag) if n[1] else None)

    def backward_graph(self, g):
        r, theta = self._inputs
        e = Polar.apply(r.new_ones(()), theta)
        ge = g * e.conj()
        n = self.needs_input_grad
        return ((ge.real * r.sign()) if n[0] else None, (r * ge.imag) if n[1] else None)


class ComplexAbs(Op):
    """``|z|`` (a real result); the gradient is ``g z / |z|`` (0 at 0)."""

    family = "complex"
    grad_name = "AbsBackward0"
    complex_grad = True

    def forward(self, z):
        out = xp.abs(z)
        if self.requires_grad:
            self.save(z, out)
        return out

    def backward(self, g):
        z, r = self.saved
        return (g * _safe_div(z, r),)

    def backward_graph(self, g):
        return (g * self._inputs[0].sgn(),)


class ComplexAngle(Op):
    """``atan2(imag, real)``; the gradient is ``g i z / |z|^2`` (0 at 0)."""

    family = "complex"
    grad_name = "AngleBackward0"
    complex_grad = True

    def forward(self, z):
        if self.requires_grad:
            self.save(z)
        return xp.angle(z)

    def backward(self, g):
        (z,) = self.saved
        return (g * _safe_div(1j * z, (z * xp.conj(z)).real),)

    def backward_graph(self, g):
        z = self._inputs[0]
        return ((g * z * 1j / (z * z.conj()).real).masked_fill(z == 0, 0),)


class ComplexSgn(Op):
    """``z / |z|`` (0 at 0); the gradient keeps the part of ``g`` orthogonal to ``sgn(z)``, divided by ``|z|``."""

    family = "complex"
    grad_name = "SgnBackward0"
    complex_grad = True

    def forward(self, z):
        r = xp.abs(z)
        s = _safe_div(z, r)
        if self.requires_grad:
            self.save(r, s)
        return s

    def backward(self, g):
        r, s = self.saved
        return (_safe_div(g - (g * xp.conj(s)).real * s, r),)

    def backward_graph(self, g):
        z = self._inputs[0]
        s = z.sgn()
        return (((g - (g * s.conj()).real * s) / z.abs()).masked_fill(z == 0, 0),)


def _safe_div(a, r):
    """``a / r`` with 0 where ``r`` is 0 (the subgradient PyTorch picks at the origin)."""
    with xp.errstate(divide="ignore", invalid="ignore"):
        q = a / r
    return xp.where(r == 0, 0, q).astype(q.dtype, copy=False)
