"""Discrete Fourier transforms (the kernels behind ``ember.fft``, ``stft`` and ``istft``).

Three ops, as PyTorch's: complex-to-complex (``FftC2C``), real-to-complex (``FftR2C``, the half spectrum when
``onesided``) and complex-to-real (``FftC2R``, the inverse of a Hermitian half spectrum). Each transforms over
``dim`` after zero-padding / trimming the input to the signal sizes ``s`` (as NumPy's ``s=``), and scales by
``norm``: ``"none"``, ``"by_n"`` (1/N) or ``"by_root_n"`` (1/sqrt(N)), N the product of the signal sizes.

All three are linear over the reals, so each backward is the adjoint map (and the backward's backward is the
op again). ``conj`` fuses a conjugation: of the input for ``FftC2C`` / ``FftC2R`` (``hfft``, ``ihfftn``), of
the output for ``FftR2C`` (``ifft`` of a real input, ``ihfft``).
"""

from ember._backend import xp
from ember._ops import Op, op_class_name
from ember._tensor import Tensor, wrap
from ember.autograd.engine import _LinearBackward

_np_fft = xp.fft
# NumPy's ``norm=`` spells the scaling by the direction of the transform: the forward transforms (fftn,
# rfftn) scale by 1/N under "forward", the inverse ones (ifftn, irfftn) under "backward".
_FORWARD_NORM = {"none": "backward", "by_n": "forward", "by_root_n": "ortho"}
_INVERSE_NORM = {"none": "forward", "by_n": "backward", "by_root_n": "ortho"}


def _resize(a, dim, sizes):
    """``a`` trimmed or zero-padded at the end of each of ``dim`` to ``sizes`` (NumPy's fft ``s=`` rule)."""
    if all(a.shape[d] == n for d, n in zip(dim, sizes)):
        return a
    index = [slice(None)] * a.ndim
    pad = [(0, 0)] * a.ndim
    for d, n in zip(dim, sizes):
        if a.shape[d] > n:
            index[d] = slice(0, n)
        else:
            pad[d] = (0, n - a.shape[d])
    a = a[tuple(index)]
    return xp.pad(a, pad) if any(p[1] for p in pad) else a


def _c2c(a, dim, norm, forward):
    if not dim:  # a copy, as complex
        return a.astype(xp.result_type(a.dtype, xp.complex64))
    if forward:
        return _np_fft.fftn(a, axes=dim, norm=_FORWARD_NORM[norm])
    return _np_fft.ifftn(a, axes=dim, norm=_INVERSE_NORM[norm])


def _keep_precision(out, like):
    """``out`` in ``like``'s precision (complex64 / float32 for single precision inputs): NumPy computes those
    transforms in single precision already, this only guards the paths that widen."""
    single = like.dtype in (xp.float32, xp.complex64)
    if out.dtype.kind == "c":
        want = xp.complex64 if single else xp.complex128
    else:
        want = xp.float32 if single else xp.float64
    return out if out.dtype == want else out.astype(want)


def _scale_paired(a, axis, n, factor):
    """``a``, a half spectrum of ``n`` points along ``axis``, with the entries that stand for two conjugate
    frequencies (all but DC and, for even ``n``, Nyquist) multiplied by ``factor`` in place."""
    mid = (n - 1) // 2
    if mid:
        index = [slice(None)] * a.ndim
        index[axis] = slice(1, 1 + mid)
        a[tuple(index)] *= factor
    return a


def _zero_self_conjugate(out, dim, sizes):
    """Exact zeros for the imaginary parts of the transform of a real signal at its self-conjugate bins (every
    index 0 or n/2): there they are real, and PyTorch's real-input kernels give them so."""
    if not dim:
        return
    index = [slice(None)] * out.ndim
    for d, n in zip(dim, sizes):
        index[d] = slice(0, None, n // 2) if n > 1 and n % 2 == 0 else slice(0, 1)  # (0 and n/2, or 0 alone)
    out.imag[tuple(index)] = 0


class _Linear(Op):
    """What this family's ops share: linear over the reals, complex values welcome. The backward's backward is
    the op again (``_linear_graph``: the engine's own ``_LinearBackward`` refuses complex gradients)."""

    complex_grad = True
    conj = False

    def backward_graph(self, g):
        return _linear_graph(self, g)


class FftC2C(_Linear):
    """``y = F(resize(conj?(x)))`` over ``dim``: ``forward`` picks exp(-2 pi i jk/n) (fft), else exp(+...) (ifft).
    A real ``x`` is transformed as complex (its gradient keeps the real part, in the engine)."""

    family = "spectral"

    def forward(self, x):
        self.in_shape = x.shape
        if self.conj and x.dtype.kind == "c":
            x = x.conj()
        xr = _resize(x, self.dim, self.s)
        out = _keep_precision(_c2c(xr, self.dim, self.norm, self.forward_dir), x)
        if x.dtype.kind != "c":  # a real signal (fft2, fftn...): its self-conjugate bins are real
            _zero_self_conjugate(out, self.dim, [xr.shape[d] for d in self.dim])
        return out

    def backward(self, g):
        # the adjoint of a DFT is the DFT of the other direction with the same real scale
        gi = _resize(_c2c(g, self.dim, self.norm, not self.forward_dir), self.dim,
                     [self.in_shape[d] for d in self.dim])
        return (gi.conj() if self.conj else gi,)


class FftR2C(_Linear):
    """``y = F(resize(x))`` of a real ``x`` over ``dim`` (exp(-...)), only the first ``n // 2 + 1`` entries of the
    last dim when ``onesided``; ``conj`` conjugates the result."""

    family = "spectral"

    def forward(self, x):
        self.in_shape = x.shape
        x = _resize(x, self.dim, self.s)
        if self.onesided:
            out = _np_fft.rfftn(x, axes=self.dim, norm=_FORWARD_NORM[self.norm])
        else:
            out = _c2c(x, self.dim, self.norm, True)
        out = _keep_precision(out, x)
        _zero_self_conjugate(out, self.dim, [x.shape[d] for d in self.dim])
        return xp.conj(out, out=out) if self.conj else out

    def backward(self, g):
        dim = self.dim
        if not self.onesided:
            gi = _c2c(g.conj() if self.conj else g, dim, self.norm, False).real
        else:
            # Re(F^H P^T g) (P: the half spectrum) is a complex-to-real inverse transform of g once the entries
            # that stand for two conjugate frequencies are halved (on a copy: g may be shared)
            g = _scale_paired(g.conj() if self.conj else g.copy(), dim[-1], self.s[-1], 0.5)
            gi = _np_fft.irfftn(g, s=self.s, axes=dim, norm=_INVERSE_NORM[self.norm])
        gi = _keep_precision(gi, g)
        return (_resize(gi, dim, [self.in_shape[d] for d in dim]),)


class FftC2R(_Linear):
    """``y`` real of signal sizes ``s`` from the half spectrum ``x`` (its last dim resized to ``s[-1] // 2 + 1``),
    exp(+...) over ``dim``: the inverse of ``FftR2C``'s onesided transform. ``conj`` conjugates ``x`` first."""

    family = "spectral"

    def forward(self, x):
        self.in_shape = x.shape
        x = _resize(x, self.dim, self._half_sizes())
        if self.conj:
            x = x.conj()
        out = _np_fft.irfftn(x, s=self.s, axes=self.dim, norm=_INVERSE_NORM[self.norm])
        return _keep_precision(out, x)

    def _half_sizes(self):
        return list(self.s[:-1]) + [self.s[-1] // 2 + 1]

    def backward(self, g):
        # adjoint of the Hermitian extension: the half spectrum of g, the entries that stand for two conjugate
        # frequencies doubled (DC and Nyquist are read once; their imaginary parts are ignored by forward)
        dim = self.dim
        gi = _scale_paired(_np_fft.rfftn(g, axes=dim, norm=_FORWARD_NORM[self.norm]), dim[-1], self.s[-1], 2)
        gi = _keep_precision(gi, g)
        if self.conj:
            xp.conj(gi, out=gi)
        return (_resize(gi, dim, [self.in_shape[d] for d in dim]),)


def _linear_graph(node, g):
    """The backward recorded for double backward: the op's adjoint as a node whose own backward is the op."""
    g = g if isinstance(g, Tensor) else wrap(g)
    return _LinearBackward(node=node, grad_name=f"{op_class_name(node)}BackwardBackward0").run(g)


class OverlapAdd(_Linear):
    """``(*, T, n)`` frames summed into a ``(*, n + hop * (T - 1))`` signal, frame ``t`` starting at ``t * hop``
    (``istft``'s overlap-add); the backward reads each frame's stretch of the gradient back."""

    family = "spectral"

    def forward(self, frames):
        *lead, t, n = frames.shape
        hop = self.hop
        m = -(-n // hop)  # the hop-long chunks a frame spans
        chunks = xp.zeros((*lead, t, m * hop), frames.dtype)
        chunks[..., :n] = frames
        chunks = chunks.reshape(*lead, t, m, hop)
        out = xp.zeros((*lead, t + m - 1, hop), frames.dtype)
        for k in range(m):  # chunk k of frame j lands on output chunk j + k
            out[..., k:k + t, :] += chunks[..., k, :]
        return out.reshape(*lead, (t + m - 1) * hop)[..., :n + hop * (t - 1)]

    def backward(self, g):
        *lead, t, n = self._in_meta[0][0]
        windows = xp.lib.stride_tricks.sliding_window_view(g, n, axis=-1)
        return (xp.ascontiguousarray(windows[..., ::self.hop, :][..., :t, :]),)
