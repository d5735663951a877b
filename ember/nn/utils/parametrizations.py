"""Ready-made parametrizations: ``weight_norm``, ``spectral_norm`` and ``orthogonal``
(mirrors ``torch.nn.utils.parametrizations``)."""

import math
from enum import Enum, auto

import ember
from ember._backend import xp
from ember._tensor import Tensor, wrap
from ember.autograd.grad_mode import no_grad
from ember.nn import _functional_core as F
from ember.nn.modules.module import Module
from ember.nn.utils import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# ----------------------------------------------------------------------------------------------- weight norm
def _norm_except_dim(v, dim):
    """2-norm of ``v`` over every dimension but ``dim`` (kept, size 1 elsewhere); ``dim=-1``: whole-tensor norm."""
    if dim == -1:
        return ember.linalg.vector_norm(v)
    d = dim % v.ndim
    axes = tuple(i for i in range(v.ndim) if i != d)
    if not axes:
        return v.abs()
    return ember.linalg.vector_norm(v, 2, dim=axes, keepdim=True)


def _weight_norm(v, g, dim):
    return v * (g / _norm_except_dim(v, dim))


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (magnitude and direction learned separately).

    ``g`` is stored as ``module.parametrizations.<name>.original0`` and ``v`` as ``original1``; the norm is
    taken over every dimension except ``dim`` (``dim=None``: over the whole tensor). State dicts written by the
    old ``ember.nn.utils.weight_norm`` (``<name>_g``/``<name>_v``) still load.

    Args:
        module: the module to reparametrize.
        name: the parameter's name. Default ``"weight"``.
        dim: the dimension that keeps its own norm. Default ``0`` (one norm per output channel).

    Returns:
        ``module``, parametrized.

    Example::

        >>> m = weight_norm(ember.nn.Linear(20, 40), name="weight")
        >>> m.parametrizations.weight.original0.shape
        ember.Size([40, 1])
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def compat_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(compat_hook)
    return module


# --------------------------------------------------------------------------------------------- spectral norm
def _conv_transpose_types():
    from ember.nn.modules.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
    return (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)


def _default_sn_dim(module, dim):
    if dim is None:
        return 1 if isinstance(module, _conv_transpose_types()) else 0
    return dim


def _to_matrix(weight, dim):
    """``weight`` as a matrix with dimension ``dim`` as rows and the others flattened as columns."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.flatten(1)


def _normalized_randn(n, like, eps):
    return F.normalize(ember.empty(n, dtype=like.dtype).normal_(0, 1), dim=0, eps=eps)


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got "
                             f"{dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            with no_grad():
                mat = _to_matrix(weight, self.dim)
                h, w = mat.shape
                self.register_buffer("_u", _normalized_randn(h, mat, eps))
                self.register_buffer("_v", _normalized_randn(w, mat, eps))
                # A good start: later calls then need only a few iterations each.
                self._power_method(mat, 15)

    def _power_method(self, weight_mat, n_power_iterations):
        # u and v are updated in place: they are buffers (state_dict) and keep their identity.
        with no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(F.normalize(ember.mv(weight_mat, self._v), dim=0, eps=self.eps))
                self._v.copy_(F.normalize(ember.mv(weight_mat.mH, self._u), dim=0, eps=self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = _to_matrix(weight, self.dim)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u = self._u.clone()
        v = self._v.clone()
        sigma = ember.vdot(u, ember.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value):
        # Any value is its own preimage up to scale; storing it unchanged is what PyTorch does.
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its spectral norm (largest singular value), estimated by power iteration.

    The vectors ``u``/``v`` of the power iteration are buffers ``_u``/``_v`` of the parametrization; they are
    updated (``n_power_iterations`` steps) each time the weight is read in training mode, and frozen in eval
    mode.

    Args:
        module: the module to reparametrize.
        name: the parameter's name. Default ``"weight"``.
        n_power_iterations: power-iteration steps per access. Default ``1``.
        eps: added when normalising ``u``/``v``, for stability. Default ``1e-12``.
        dim: the dimension taken as the rows of the matrix (default ``0``, ``1`` for ``ConvTranspose``).

    Returns:
        ``module``, parametrized.

    Example::

        >>> m = spectral_norm(ember.nn.Linear(20, 40))
        >>> m.parametrizations.weight.original.shape
        ember.Size([40, 20])
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    dim = _default_sn_dim(module, dim)
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# ------------------------------------------------------------------------------------------------ orthogonal
class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _matrix_exp(A):
    fn = getattr(ember.linalg, "matrix_exp", None)
    if fn is not None:
        return fn(A)
    # Scaling and squaring on a Taylor polynomial, from differentiable ops: exp(A) = exp(A / 2^s)^(2^s).
    norm = float(xp.abs(A._data).sum(axis=-1).max()) if A.numel() else 0.0
    s = max(0, int(math.ceil(math.log2(norm))) + 1) if norm > 0 else 0
    B = A / (2.0 ** s)
    eye = ember.eye(A.shape[-1], dtype=A.dtype)
    out = eye + B
    term = B
    for k in range(2, 19):
        term = (term @ B) / k
        out = out + term
    for _ in range(s):
        out = out @ out
    return out


def _householder_product(A, tau):
    fn = getattr(ember.linalg, "householder_product", None)
    if fn is not None:
        return fn(A, tau)
    # Q = H_1 ... H_k, H_i = I - tau_i v_i v_i^T, v_i = column i of A below the diagonal with a 1 on it.
    n, k = A.shape[-2], A.shape[-1]
    eye = ember.eye(n, dtype=A.dtype)
    Q = eye.expand(*A.shape[:-2], n, n)
    for i in range(k):
        v = (A[..., :, i] * (ember.arange(n) > i).to(A.dtype) + eye[:, i]).unsqueeze(-1)
        Q = Q - (tau[..., i].unsqueeze(-1).unsqueeze(-1) * (Q @ v)) @ v.mT
    return Q[..., :, :k]


def _make_orthogonal(A):
    """The Q of A's QR decomposition, with signs fixed so that R has a positive diagonal (raw arrays)."""
    q, r = xp.linalg.qr(A)
    d = xp.sign(xp.diagonal(r, axis1=-2, axis2=-1))
    d[d == 0] = 1
    return (q * d[..., None, :]).astype(A.dtype, copy=False)


def _is_orthogonal(Q):
    n, k = Q.shape[-2], Q.shape[-1]
    eps = 10.0 * n * float(xp.finfo(Q.dtype).eps)
    return bool(xp.allclose(xp.swapaxes(Q, -1, -2) @ Q, xp.eye(k, dtype=Q.dtype), atol=eps))


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        # From here on X is tall: n >= k.
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                X = ember.cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH
            if self.orthogonal_map is _OrthMaps.matrix_exp:
                Q = _matrix_exp(A)
            else:
                eye = ember.eye(n, dtype=A.dtype)
                Q = ember.linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _householder_product(A, tau)
            # The diagonal of X picks the sign of each column (it is -1 after right_inverse).
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        if Q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {Q.shape}.".replace("ember.", "torch."))
        q = Q.detach()._data
        n, k = q.shape[-2], q.shape[-1]
        transpose = n < k
        if transpose:
            q = xp.swapaxes(q, -1, -2)
            n, k = k, n
        if not hasattr(self, "base"):
            if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
                raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                          "parametrizations when use_trivialization=False.")
            # geqrf: Householder vectors below the diagonal; the diagonal carries the column signs.
            h, tau = xp.linalg.qr(q, mode="raw")
            a = xp.ascontiguousarray(xp.swapaxes(h, -1, -2)).astype(q.dtype, copy=False)
            diag = xp.sign(xp.diagonal(a, axis1=-2, axis2=-1)).copy()
            diag[tau == 0.0] *= -1
            idx = xp.arange(k)
            a[..., idx, idx] = diag
            if transpose:
                a = xp.swapaxes(a, -1, -2)
            return wrap(xp.ascontiguousarray(a))
        if n == k:
            base = q.copy() if _is_orthogonal(q) else _make_orthogonal(q)
        else:
            # Complete the tall matrix to a square one with random columns, then orthogonalise.
            extra = ember.randn(*(q.shape[:-2] + (n, n - k)), dtype=Q.dtype)._data
            base = _make_orthogonal(xp.concatenate([q, extra], axis=-1))
        self.base = wrap(xp.ascontiguousarray(base))
        # -I maps to the identity under every map, so the parametrized value is exactly base[..., :k].
        neg_id = xp.zeros(Q.shape, dtype=q.dtype)
        m = min(Q.shape[-2], Q.shape[-1])
        neg_id[..., xp.arange(m), xp.arange(m)] = -1.0
        return wrap(neg_id)


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Constrain ``module.<name>`` to be orthogonal (orthonormal columns or rows for non-square matrices).

    The weight is ``map(X)`` of an unconstrained ``X``, where ``map`` is ``"matrix_exp"`` or ``"cayley"``
    (exponential / Cayley transform of a skew-symmetric matrix) or ``"householder"`` (product of Householder
    reflectors). With ``use_trivialization=True`` (default) the result is further multiplied by a stored
    orthogonal ``base`` (buffer), and assigning to ``module.<name>`` moves ``base`` there.

    Args:
        module: the module to reparametrize.
        name: the tensor's name (a matrix or batch of matrices). Default ``"weight"``.
        orthogonal_map: ``"matrix_exp"``, ``"cayley"`` or ``"householder"``. Default: ``"matrix_exp"`` for square
            or complex matrices, ``"householder"`` otherwise (which does not support complex weights).
        use_trivialization: keep the ``base`` buffer. Default ``True``.

    Returns:
        ``module``, parametrized.

    Example::

        >>> m = orthogonal(ember.nn.Linear(20, 40))
        >>> Q = m.weight
        >>> bool(ember.allclose(Q.T @ Q, ember.eye(20), atol=1e-5))
        True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        # householder has no complex version: complex weights always take matrix_exp
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None) if isinstance(orthogonal_map, str) else None
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    if orth_enum is _OrthMaps.householder and weight.is_complex():
        raise ValueError("The householder parametrization does not support complex tensors.")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
