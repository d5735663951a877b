"""``ember.linalg``: norms, the matrix functions and decompositions of ``torch.linalg`` (inv, det, slogdet, solve,
cholesky, svd, qr, eigh, pinv, lstsq, lu, matrix_exp, ...), batched over leading dimensions and differentiable."""

import functools
import inspect
import math

from ember import _functions as F
from ember import _ops
from ember._backend import xp
from ember._dtype import C10_NAMES
from ember._ops import linalg as _L
from ember._ops.linalg import LinAlgError  # noqa: F401 - torch.linalg.LinAlgError
from ember._functions_args import need_tensors as _need_tensors
from ember._tensor import Tensor, wrap



def inv(A):
    """The inverse of each square matrix in ``A`` (``(*, n, n)``); raises :class:`LinAlgError` if singular.

    Example::

        >>> ember.linalg.inv(ember.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    return _L.Inv.apply(A)


def det(A):
    """The determinant of each square matrix in ``A`` (``(*, n, n)`` -> ``(*)``)."""
    return _L.Det.apply(A)


def slogdet(A):
    """``(sign, logabsdet)`` of the determinants of ``A``, as a named tuple; stable where ``det`` under/overflows."""
    return F._named("linalg_slogdet", ("sign", "logabsdet"))(*_L.SlogDet.apply(A))


def solve(A, B, *, left=True):
    """``X`` with ``A X = B`` (or ``X A = B`` when ``left=False``); ``B`` may be a batch of vectors ``(*, n)``.

    Batch dimensions broadcast. Raises :class:`LinAlgError` if ``A`` is singular.
    """
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list (casts before the dtype checks)
        A, B = _ops.autocast_fp32_args(A, B)
    _check_same_dtype(A, B)
    if not left:
        a, b = A._data, B._data
        if a.ndim < 2:
            raise RuntimeError("linalg.solve: The input tensor A must have at least 2 dimensions.")
        if a.shape[-2] != a.shape[-1]:  # (A's own shape, not its transpose's)
            raise RuntimeError(f"linalg.solve: A must be batches of square matrices, but they are {a.shape[-2]} by "
                               f"{a.shape[-1]} matrices")
        if b.ndim >= 1 and _is_vector_rhs(A, B):  # (a vector is a column: refused)
            if a.shape[-1] != 1:
                raise RuntimeError("linalg.solve: Incompatible shapes of A and B for the equation XA = B "
                                   f"({a.shape[-2]}x{a.shape[-1]} and {b.shape[-1]}x1)")
            raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not supported for "
                               "left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)")
        try:
            return solve(A.mT, B.mT).mT
        except RuntimeError as e:  # (the transposed equation's shapes: PyTorch's message names the call's own)
            if "for the equation AX = B" not in str(e):
                raise
            raise RuntimeError("linalg.solve: Incompatible shapes of A and B for the equation XA = B "
                               f"({'x'.join(map(str, A.shape[-2:]))} and {'x'.join(map(str, B.shape[-2:]))})") from None
    if _is_vector_rhs(A, B):
        return _L.Solve.apply(A, B, vector=True)
    F._check_broadcast_shapes(B.shape[:-2], A.shape[:-2])  # (PyTorch's broadcast error, B's batch first)
    return _L.Solve.apply(A, B)


def cholesky(A, *, upper=False):
    """The Cholesky factor of each symmetric positive-definite matrix in ``A`` (lower, or upper with ``upper``);
    only the lower triangle of ``A`` is read. Raises :class:`LinAlgError` if not positive-definite."""
    low = _L.Cholesky.apply(A)
    return _upper(low) if upper else low


def _upper(low):
    """``L^H``, the upper factor (``L^T`` for real ``L``)."""
    return low.mT.conj() if low.is_complex() else low.mT


def _check_same_dtype(A, B, name="linalg.solve"):
    _L.check_float_or_complex(A._data, name)
    if A.dtype != B.dtype:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found A of type "
                           f"{_L._type_word(A._data)} and B of type {_L._type_word(B._data)} instead")


def matrix_power(A, n):
    """``A`` multiplied by itself ``n`` times (``n < 0``: powers of the inverse; ``n = 0``: identity)."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are {A.shape[-2]} "
                           f"by {A.shape[-1]} matrices")
    if n == 0:  # a fresh (writable) identity per matrix
        return F.eye(A.shape[-1], dtype=A.dtype).expand(*A.shape).clone()
    base = inv(A) if n < 0 else A
    n = abs(n)
    result = None
    while n:  # square-and-multiply: log2(n) products
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


def multi_dot(tensors):
    """The product of a chain of matrices (the first/last may be 1-D vectors), multiplied left to right (PyTorch
    picks the cheapest order; the result is the same up to rounding)."""
    _need_tensors("linalg_multi_dot", tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    mats = list(tensors)
    last = len(mats) - 1
    # PyTorch's order: the ends' ranks, the middle ranks, then dtype and fit pair by pair
    for i, word in ((0, "first"), (last, "last")):
        if mats[i].ndim not in (1, 2):
            raise RuntimeError(f"multi_dot(): the {word} tensor must be 1D or 2D but got {mats[i].ndim}D")
    for i in range(1, last):
        if mats[i].ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {mats[i].ndim}D")
    for i in range(1, last + 1):
        if mats[i].dtype != mats[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{C10_NAMES[mats[0]._data.dtype.name]} and tensor {i} "
                               f"{C10_NAMES[mats[i]._data.dtype.name]}")
        if mats[i - 1].shape[-1] != mats[i].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes {list(mats[i - 1].shape)} and "
                               f"{list(mats[i].shape)} cannot be multiplied")
    first_vec, last_vec = mats[0].ndim == 1, mats[-1].ndim == 1
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    out = mats[0]
    for m in mats[1:]:
        out = out @ m
    if first_vec:
        out = out.squeeze(0)
    if last_vec:
        out = out.squeeze(-1)
    return out


def cross(input, other, *, dim=-1):
    """The cross product of 3-vectors along ``dim`` (broadcasting; both inputs have the same number of dimensions
    and the same dtype).

    Example::

        >>> ember.linalg.cross(ember.tensor([1.0, 0.0, 0.0]), ember.tensor([0.0, 1.0, 0.0]))
        tensor([0., 0., 1.])
    """
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} and "
                           f"{other.shape[dim]}")
    F._check_broadcast(input, other)
    if input.dtype != other.dtype:
        raise RuntimeError(f"expected scalar type {_L._type_word(input._data)} but found {_L._type_word(other._data)}")
    if input._data.dtype == xp.bool_:
        raise NotImplementedError("\"cross\" not implemented for 'Bool'")
    return _L.LinalgCross.apply(input, other, dim=input._wrap_dim(dim))


def vecdot(x, y, *, dim=-1):
    """The dot product of vectors along ``dim`` (broadcasting); ``x`` and ``y`` are floating point, of one dtype."""
    if F._ops._hooks:  # CPU autocast: PyTorch's lower-precision list
        x, y = F._ops.autocast_args(x, y)
    _L.check_float_or_complex(x._data, "linalg.vecdot")  # (before the dtypes' match, as PyTorch)
    if x.dtype != y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{_L._type_word(x._data)} and y of type {_L._type_word(y._data)} instead")
    return ((x.conj() if x.is_complex() else x) * y).sum(dim)  # conjugating x, as PyTorch


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector ``ord``-norm of ``x`` over ``dim`` (all elements when None)."""
    if isinstance(ord, (str, type(None), list, tuple)):  # F.norm takes 'fro' / None: vector_norm takes numbers only
        F._args.need_number("linalg_vector_norm", "ord", 2, ord)
    if dtype is not None:
        _no_narrowing("linalg.vector_norm", x, dtype)
    return F.norm(x, ord, dim, keepdim, dtype)


def _no_narrowing(name, x, dtype):
    """PyTorch's refusal of a ``dtype`` that a floating (or complex) input would narrow to (same kind only: the
    other mismatches get their own errors)."""
    src, dst = x._data.dtype, F._dtype.to_np(dtype)
    if (src.kind in "fV" and dst.kind in "fV") or (src.kind == "c" and dst.kind == "c"):
        if F.promote_types(x.dtype, dtype) != dtype:
            words = F._dtype.TYPE_WORDS
            raise RuntimeError(f"{name}: the dtype of the input ({words[src.name]}) should be convertible without "
                               f"narrowing to the specified dtype ({words[dst.name]})")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """A vector or matrix norm: with ``ord`` None, the 2-norm of the flattened input (or over ``dim``); otherwise a
    matrix norm (:func:`matrix_norm`) over a 2-tuple ``dim`` or of a 2-D input, a vector norm over an int ``dim``
    or of a 1-D input."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                               f"{A.ndim}D.")
        dim = tuple(range(A.ndim))
    if len(dim) == 2 or isinstance(ord, str):  # a string ord is a matrix norm: matrix_norm rejects one dim
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)




# ----------------------------------------------------------------------------- decompositions and solvers


def _batch_tolerance(value):
    """A tolerance as the ops take it: a tensor becomes its array with a trailing axis (it broadcasts with the batch
    shape against ``(*, k)`` singular values); numbers and None pass through."""
    value = value._data if hasattr(value, "_data") else value
    return value[..., None] if getattr(value, "ndim", 0) else value


def _check_svd_driver(driver):
    if driver is not None:  # (PyTorch's CPU build refuses it too)
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")


def svd(A, full_matrices=True, *, driver=None):
    """The singular value decomposition ``A = U diag(S) Vh`` of ``A`` (``(*, m, n)``), singular values descending.

    Args:
        A: ``(*, m, n)`` float tensor.
        full_matrices: ``U`` is ``(*, m, m)`` and ``Vh`` ``(*, n, n)`` (else ``k = min(m, n)`` columns/rows).

    Returns:
        named tuple ``(U, S, Vh)``. Gradients through ``U``/``Vh`` are finite only for distinct singular values
        (and, as in PyTorch, ignore the extra columns/rows of ``full_matrices``); gradients of ``S`` alone always
        are.

    Example::

        >>> U, S, Vh = ember.linalg.svd(ember.tensor([[3.0, 0.0], [0.0, 2.0]]))
        >>> S
        tensor([3., 2.])
    """
    _check_svd_driver(driver)
    u, s, vh = _L.Svd.apply(A, full_matrices=full_matrices)
    return F._named("linalg_svd", ("U", "S", "Vh"))(u, s, vh)


def svdvals(A, *, driver=None):
    """The singular values of ``A`` (``(*, m, n)`` -> ``(*, min(m, n))``), descending; always differentiable.

    Example::

        >>> ember.linalg.svdvals(ember.tensor([[0.0, 2.0], [1.0, 0.0]]))
        tensor([2., 1.])
    """
    _check_svd_driver(driver)
    return _L.Svd.apply(A, compute_uv=False)


def qr(A, mode="reduced"):
    """The QR decomposition ``A = Q R`` of ``A`` (``(*, m, n)``, ``k = min(m, n)``).

    Args:
        mode: 'reduced' (``Q`` ``(*, m, k)``, ``R`` ``(*, k, n)``), 'complete' (``Q`` ``(*, m, m)``, ``R``
            ``(*, m, n)``) or 'r' (``R`` only; ``Q`` is empty and the result is not differentiable).

    Returns:
        named tuple ``(Q, R)``.

    Example::

        >>> Q, R = ember.linalg.qr(ember.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
        >>> Q.shape, R.shape
        (ember.Size([3, 2]), ember.Size([2, 2]))
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
                           "'complete'")
    q, r = _L.Qr.apply(A, mode=mode)
    return F._named("linalg_qr", ("Q", "R"))(q, r)


def _check_uplo(UPLO):
    """``UPLO`` upper-cased ('l' and 'u' are accepted, as PyTorch)."""
    if not isinstance(UPLO, str) or UPLO.upper() not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO.upper()


def eigh(A, UPLO="L"):
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of the symmetric matrices in ``A``
    (``(*, n, n)``), reading only the ``UPLO`` ('L' or 'U') triangle.

    Returns:
        named tuple ``(eigenvalues (*, n), eigenvectors (*, n, n))``. Gradients through the eigenvectors are finite
        only for distinct eigenvalues.

    Example::

        >>> ember.linalg.eigh(ember.tensor([[2.0, 0.0], [0.0, 1.0]])).eigenvalues
        tensor([1., 2.])
    """
    UPLO = _check_uplo(UPLO)
    w, v = _L.Eigh.apply(A, uplo=UPLO)
    return F._named("linalg_eigh", ("eigenvalues", "eigenvectors"))(w, v)


def eigvalsh(A, UPLO="L"):
    """The eigenvalues (ascending) of the symmetric matrices in ``A`` (``(*, n, n)`` -> ``(*, n)``).

    Example::

        >>> ember.linalg.eigvalsh(ember.tensor([[2.0, 1.0], [1.0, 2.0]]))
        tensor([1., 3.])
    """
    UPLO = _check_uplo(UPLO)
    return _L.Eigh.apply(A, uplo=UPLO, eigenvectors=False)


def eig(A):
    """Eigenvalues and eigenvectors (unit columns) of the general square matrices in ``A`` (``(*, n, n)``): complex
    results, also for real ``A`` (float32 -> complex64, float64 -> complex128).

    Returns:
        named tuple ``(eigenvalues (*, n), eigenvectors (*, n, n))``. The eigenvectors are defined up to a phase
        each: gradients of losses that depend on it raise (as in PyTorch); repeated eigenvalues give inf/nan.

    Example::

        >>> ember.linalg.eig(ember.tensor([[0.0, -1.0], [1.0, 0.0]])).eigenvalues
        tensor([0.+1.j, 0.-1.j])
    """
    w, v = _L.Eig.apply(A)
    return F._named("linalg_eig", ("eigenvalues", "eigenvectors"))(w, v)


def eigvals(A):
    """The (complex) eigenvalues of the general square matrices in ``A`` (``(*, n, n)`` -> ``(*, n)``), as
    :func:`eig`.

    Example::

        >>> ember.linalg.eigvals(ember.tensor([[2.0, 0.0], [0.0, 3.0]]))
        tensor([2.+0.j, 3.+0.j])
    """
    return _L.Eig.apply(A, eigenvectors=False)


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The Moore-Penrose pseudo-inverse of ``A`` (``(*, m, n)`` -> ``(*, n, m)``).

    Singular values (eigenvalue magnitudes if ``hermitian``) ``<= max(atol, rtol * largest)`` are treated as zero;
    ``rtol`` defaults to ``eps * max(m, n)`` (zero when a positive ``atol`` is given). Tolerances may be numbers or
    tensors broadcasting with the batch shape.

    Example::

        >>> ember.linalg.pinv(ember.tensor([[2.0, 0.0], [0.0, 0.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.0000]])
    """
    atol, rtol = _batch_tolerance(atol), _batch_tolerance(rtol)
    return _L.Pinv.apply(A, atol=atol, rtol=rtol, hermitian=hermitian)


def _is_vector_rhs(A, B):
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution ``X`` minimising ``||A X - B||_F`` (minimum norm if ``A`` is rank-deficient).

    Args:
        A: ``(*, m, n)``. B: ``(*, m, k)`` (or ``(*, m)``); batch dimensions broadcast.
        rcond: singular values ``<= rcond * largest`` count as zero (default ``eps * max(m, n)``).
        driver: 'gelsy' (default), 'gels', 'gelsd' or 'gelss': decides which fields are filled, as PyTorch on CPU.

    Returns:
        named tuple ``(solution (*, n, k), residuals, rank, singular_values)``: ``residuals`` (squared, ``(*, k)``)
        for 'gels'/'gelsd'/'gelss' when ``m > n`` and every matrix is full rank, else empty; ``rank`` except for
        'gels'; ``singular_values`` for 'gelsd'/'gelss' only.

    Example::

        >>> ember.linalg.lstsq(ember.tensor([[1.0], [1.0]]), ember.tensor([[1.0], [3.0]])).solution
        tensor([[2.0000]])
    """
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list (casts before the dtype checks)
        A, B = _ops.autocast_fp32_args(A, B)
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    for name, t in (("input", A), ("other", B)):
        if t.ndim < (2 if name == "input" else 1):
            raise RuntimeError(f"torch.linalg.lstsq: {name} must have at least {2 if name == 'input' else 1} "
                               f"dimensions.")
    if A.dtype != B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {_L._type_word(A._data)} and other's dtype {_L._type_word(B._data)}")
    _L.check_float_or_complex(A._data, "torch.linalg.lstsq")
    vector = _is_vector_rhs(A, B)
    b = B.unsqueeze(-1) if vector else B
    if b.shape[-2] != A.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    F._check_broadcast_shapes(A.shape[:-2], b.shape[:-2])
    x, res, rank, sv = _L.Lstsq.apply(A, b, rcond=rcond, driver=driver)
    if vector:
        x = x.squeeze(-1)  # residuals keep their trailing 1, as PyTorch's
    return F._named("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))(x, res, rank, sv)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    """The numerical rank of each matrix in ``A`` (``(*, m, n)`` -> int64 ``(*)``): the number of singular values
    (eigenvalue magnitudes if ``hermitian``) above ``max(atol, rtol * largest)``, defaults as :func:`pinv`.
    ``tol`` is the older spelling of ``atol`` (with ``rtol = 0``; not combined with ``atol``/``rtol``).

    Example::

        >>> ember.linalg.matrix_rank(ember.tensor([[1.0, 2.0], [2.0, 4.0]]))
        tensor(1)
    """
    if tol is not None:
        if atol is not None or rtol is not None:  # (PyTorch's overloads take tol or atol/rtol, not both)
            given = {"tol": tol, **{k: v for k, v in (("atol", atol), ("rtol", rtol)) if v is not None}}
            tail = "bool hermitian = False, *, Tensor out = None)"
            raise F._args.combination_error("linalg_matrix_rank", (A,), given, [
                f"(Tensor input, *, {t} atol = None, {t} rtol = None, bool hermitian = False, Tensor out = None)"
                for t in ("Tensor", "float")] + [f"(Tensor input, {t} tol, {tail}" for t in ("Tensor", "float")])
        atol, rtol = tol, 0.0
    a = A._data
    if a.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    if a.dtype not in (xp.float32, xp.float64, xp.complex64, xp.complex128):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if hermitian:
        _L._check_square(a, "linalg.matrix_rank")
        s = xp.abs(xp.linalg.eigvalsh(a))
    else:
        s = xp.linalg.svd(a, compute_uv=False)
    atol, rtol = _batch_tolerance(atol), _batch_tolerance(rtol)
    top = s.max(axis=-1, keepdims=True) if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), s.dtype)
    tol = _L._tolerance(top, atol, rtol, a.shape[-2], a.shape[-1], s.dtype)
    return wrap((s > tol).sum(-1).astype(xp.int64))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """``X`` with ``A X = B`` (``X A = B`` if not ``left``) for triangular ``A`` (``(*, n, n)``): only the ``upper``
    (or lower) triangle is read, and not its diagonal if ``unitriangular``. ``B`` is ``(*, n, k)`` (``(*, k, n)``
    if not ``left``); batch dimensions broadcast.

    Example::

        >>> ember.linalg.solve_triangular(ember.tensor([[2.0, 1.0], [0.0, 1.0]]), ember.tensor([[3.0], [1.0]]),
        ...                               upper=True)
        tensor([[1.],
                [1.]])
    """
    a = A._data
    _L._check_square_shape(a, "linalg.solve_triangular")
    _check_rhs("linalg.solve_triangular", a, B._data, left)
    _lapack_dtype(a, "triangular_solve_cpu")
    if B.dtype != A.dtype:  # as PyTorch: B is computed in A's dtype
        B = B.to(A.dtype)
    return _L.SolveTriangular.apply(A, B, upper=upper, left=left, unitriangular=unitriangular)


def _check_rhs(name, a, b, left):
    """``B`` of ``A X = B`` (``X A = B`` if not ``left``) for a square ``A``: a batch of matrices of matching size."""
    if b.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    if (b.shape[-2] if left else b.shape[-1]) != a.shape[-1]:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
                           f"({a.shape[-2]}x{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
    F._check_broadcast_shapes(b.shape[:-2], a.shape[:-2])  # (PyTorch's broadcast error, B's batch first)


def _lu_check(A, name):
    if A.ndim < 2:
        raise RuntimeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} instead")
    if A._data.dtype.kind not in "fVc":
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{_L._type_word(A._data)}'")


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """The LU decomposition with partial pivoting ``A = P L U`` of ``A`` (``(*, m, n)``), packed.

    Returns:
        named tuple ``(LU (*, m, n), pivots (*, min(m, n)) int32, info (*) int32)``: ``LU`` holds ``U`` and the
        strictly lower part of the unit lower ``L``; ``pivots`` are LAPACK's 1-based row swaps; ``info`` is ``i``
        where ``U[i-1, i-1]`` is exactly zero (0 if none). With ``check_errors`` a zero pivot raises.

    Example::

        >>> ember.linalg.lu_factor_ex(ember.tensor([[1.0, 2.0], [3.0, 4.0]])).pivots
        tensor([2, 2], dtype=ember.int32)
    """
    return _lu_factor(A, pivot, check_errors, "linalg.lu_factor_ex")


def lu_factor(A, *, pivot=True):
    """The packed LU decomposition of ``A`` (``(*, m, n)``) as :func:`lu_factor_ex`, without ``info``; raises
    :class:`LinAlgError` if a pivot is exactly zero (``lu_solve`` would divide by it).

    Returns:
        named tuple ``(LU, pivots)``, inputs of :func:`lu_solve`.

    Example::

        >>> LU, pivots = ember.linalg.lu_factor(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> ember.linalg.lu_solve(LU, pivots, ember.tensor([[5.0], [11.0]]))
        tensor([[1.],
                [2.]])
    """
    lu_, piv, _ = _lu_factor(A, pivot, True, "linalg.lu_factor")
    return F._named("linalg_lu_factor", ("LU", "pivots"))(lu_, piv)


def _lu_factor(A, pivot, check_errors, name):
    _lu_check(A, "torch.lu_factor")
    if not pivot:
        raise RuntimeError(f"{name}: LU without pivoting is not implemented on the CPU")
    lu_, piv, info = _L.LuFactor.apply(A)
    if check_errors and bool(info._data.any()):
        where, k = _L._first_failure(info._data, A._data, None)
        raise RuntimeError(f"torch.{name}: {where}U[{k},{k}] is zero and using it on lu_solve would result in a "
                           "division by zero. If you still want to perform the factorization, consider calling "
                           "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")  # a RuntimeError, not LinAlgError
    return F._named("linalg_lu_factor_ex", ("LU", "pivots", "info"))(lu_, piv, info)


def lu(A, *, pivot=True):
    """The LU decomposition with partial pivoting ``A = P L U`` of ``A`` (``(*, m, n)``, ``k = min(m, n)``).

    Returns:
        named tuple ``(P (*, m, m), L (*, m, k) unit lower, U (*, k, n) upper)``; ``P`` carries no gradient.

    Example::

        >>> P, L, U = ember.linalg.lu(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> P
        tensor([[0., 1.],
                [1., 0.]])
    """
    _lu_check(A, "linalg.lu")
    if not pivot:
        raise RuntimeError("linalg.lu: LU without pivoting is not implemented on the CPU")
    p, low, up = _L.Lu.apply(A)
    return F._named("linalg_lu", ("P", "L", "U"))(p.detach(), low, up)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """Solve ``A X = B`` given ``lu_factor(A)`` (``X A = B`` if not ``left``; ``A^T`` instead of ``A`` if
    ``adjoint``). ``LU`` is ``(*, n, n)``, ``B`` ``(*, n, k)`` (``(*, k, n)`` if not ``left``), batches broadcast.

    Example::

        >>> LU, pivots = ember.linalg.lu_factor(ember.tensor([[2.0, 0.0], [0.0, 4.0]]))
        >>> ember.linalg.lu_solve(LU, pivots, ember.tensor([[2.0], [4.0]]))
        tensor([[1.],
                [1.]])
    """
    lu_, b = LU._data, B._data
    if lu_.dtype != b.dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
                           f"{_L._type_word(lu_)} and B of type {_L._type_word(b)} instead")
    _L._check_matrix(lu_, "torch.linalg.lu_solve", half_ok=True)
    _L._check_square_shape(lu_, "torch.linalg.lu_solve")
    if pivots._data.dtype != xp.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    _check_rhs("linalg.lu_solve", lu_, b, left)
    if pivots.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    if pivots.shape[-1] != lu_.shape[-1]:
        raise RuntimeError("linalg.lu_solve: Number of pivots per batch should be same as the dimension of the matrix")
    if tuple(pivots.shape) != lu_.shape[:-1]:  # (the pivots do not broadcast)
        raise RuntimeError(f"linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots "
                           f"with shape {list(pivots.shape)} instead")
    p = pivots._data
    if not (lu_.size and b.size):  # nothing to solve: the pivots go unchecked (and unused)
        pivots = wrap(xp.broadcast_to(xp.arange(1, p.shape[-1] + 1, dtype=xp.int32), p.shape))
    else:
        for bad, rule in ((p < 1, "greater or equal to 1"), (p > lu_.shape[-1], "smaller or equal to LU.size(-2)")):
            if bad.any():
                raise RuntimeError(f"Pivots given to lu_solve must all be {rule}. Did you properly pass the result "
                                   f"of lu_factor?")
    if lu_.dtype == xp.float16:
        raise NotImplementedError("\"linalg.lu_solve_cpu\" not implemented for 'Half'")
    return _L.LuSolve.apply(LU, pivots, B, left=left, adjoint=adjoint)


def matrix_exp(A):
    """The matrix exponential ``sum_k A^k / k!`` of each square matrix in ``A`` (``(*, n, n)``).

    Example::

        >>> ember.linalg.matrix_exp(ember.zeros(2, 2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    return _L.MatrixExp.apply(A)


def cond(A, p=None):
    """The condition number of ``A`` (``(*, m, n)`` -> ``(*)``) in the ``p`` norm: ``None``/2 (ratio of the largest
    to the smallest singular value), -2 (its inverse), or 'fro', 'nuc', inf, -inf, 1, -1 (square ``A`` only:
    ``norm(A, p) * norm(inv(A), p)``).

    Example::

        >>> ember.linalg.cond(ember.tensor([[4.0, 0.0], [0.0, 2.0]]))
        tensor(2.)
    """
    if A.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor A must have at least 2 dimensions.")
    if p is None or p == 2 or p == -2:
        s = svdvals(A)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    if p not in ("fro", "nuc", float("inf"), float("-inf"), 1, -1):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    inverse, info = inv_ex(A)
    singular = info != 0
    if bool(singular._data.any()):  # inf, as PyTorch; the inf/nan inverse must not reach an SVD
        inverse = F.where(singular[..., None, None], 0.0, inverse)
        fill = float("inf")
        if p == "nuc":  # PyTorch's: sum(s) * sum(1 / s) of the singular values (finite if none is exactly 0, nan
            s = svdvals(A)  # for the zero matrix)
            fill = s.sum(-1) * s.reciprocal().sum(-1)
        return F.where(singular, fill, matrix_norm(A, p) * matrix_norm(inverse, p))
    return matrix_norm(A, p) * matrix_norm(inverse, p)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of the matrices in ``A`` (a view), as :func:`ember.diagonal` with matrix defaults."""
    return F.diagonal(A, offset, dim1, dim2)


def matmul(input, other):
    """The matrix product, as :func:`ember.matmul` (``out=`` of the result's dtype only, as PyTorch's)."""
    return F.matmul(input, other)


def vander(x, *, N=None):
    """The Vandermonde matrix of ``x`` (``(*, n)`` -> ``(*, n, N)``, ``N = n`` by default): column ``j`` holds
    ``x ** j`` (increasing powers, unlike ``numpy.vander``).

    Example::

        >>> ember.linalg.vander(ember.tensor([1.0, 2.0, 3.0]))
        tensor([[1., 1., 1.],
                [1., 2., 4.],
                [1., 3., 9.]])
    """
    if x.ndim < 1:  # (PyTorch reads a 0-d x as one point: N defaults to 1)
        raise RuntimeError("N must be greater than 1." if N is None or N <= 1 else
                           "linalg.vander: x must have at least one dimension.")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    # Running products (not pow): exact integers, and a zero x gets zero gradients of its zero powers.
    ones = F.ones(*x.shape, 1, dtype=x.dtype)
    reps = x.unsqueeze(-1).expand(*x.shape, n - 1)
    return F.cat([ones, reps], -1).cumprod(-1)


def tensorinv(A, ind=2):
    """The inverse of ``A`` seen as a linear map from its first ``ind`` dimensions to the rest: the result has
    shape ``A.shape[ind:] + A.shape[:ind]`` and ``tensordot(tensorinv(A), A, ind)`` is the identity.

    Example::

        >>> ember.linalg.tensorinv(ember.eye(4).reshape(4, 2, 2), ind=1).shape
        ember.Size([2, 2, 4])
    """
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    out_shape, in_shape = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    rows, cols = math.prod(out_shape), math.prod(in_shape)
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return inv(A.reshape(rows, cols)).reshape(*in_shape, *out_shape)


def tensorsolve(A, B, dims=None):
    """``X`` with ``tensordot(A, X, X.ndim) = B``: ``X`` has shape ``A.shape[B.ndim:]`` (after moving ``dims`` of
    ``A`` to the end).

    Example::

        >>> ember.linalg.tensorsolve(ember.eye(6).reshape(6, 2, 3), ember.ones(6)).shape
        ember.Size([2, 3])
    """
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = F.movedim(A, dims, list(range(A.ndim - len(dims), A.ndim)))
    x_shape = tuple(A.shape[B.ndim:])
    rows, cols = math.prod(tuple(B.shape)), math.prod(x_shape)
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {cols} != {rows}")
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(x_shape)


def inv_ex(A, *, check_errors=False):
    """The inverse as :func:`inv`, not raising for singular matrices (unless ``check_errors``): named tuple
    ``(inverse, info)`` with int32 ``info`` (``(*)``) nonzero where the matrix is singular.

    Example::

        >>> ember.linalg.inv_ex(ember.zeros(2, 2)).info
        tensor(1, dtype=ember.int32)
    """
    out, info = _L.InvEx.apply(A)
    if check_errors and bool(info._data.any()):
        where, k = _L._first_failure(info._data, A._data, None)
        raise LinAlgError(f"linalg.inv_ex: {where}The diagonal element {k} is zero, the "
                          "inversion could not be completed because the input matrix is singular.")
    return F._named("linalg_inv_ex", ("inverse", "info"))(out, info)


def solve_ex(A, B, *, left=True, check_errors=False):
    """The solution as :func:`solve`, not raising for singular ``A`` (unless ``check_errors``): named tuple
    ``(result, info)`` with int32 ``info`` nonzero where ``A`` is singular.

    Example::

        >>> ember.linalg.solve_ex(ember.eye(2), ember.ones(2)).result
        tensor([1., 1.])
    """
    _check_same_dtype(A, B)
    if not left:
        res, info = solve_ex(A.mT, B.mT, check_errors=check_errors)
        return F._named("linalg_solve_ex", ("result", "info"))(res.mT, info)
    vector = _is_vector_rhs(A, B)
    b = B.unsqueeze(-1) if vector else B
    F._check_broadcast_shapes(b.shape[:-2], A.shape[:-2])
    res, info = _L.SolveEx.apply(A, b)
    if check_errors and bool(info._data.any()):
        where, _ = _L._first_failure(info._data, info._data[..., None, None], None)
        raise LinAlgError(f"torch.linalg.solve_ex: {where}The solver failed "
                          "because the input matrix is singular.")
    return F._named("linalg_solve_ex", ("result", "info"))(res.squeeze(-1) if vector else res, info)


def cholesky_ex(A, *, upper=False, check_errors=False):
    """The Cholesky factor as :func:`cholesky`, not raising (unless ``check_errors``): named tuple ``(L, info)``
    with int32 ``info`` the order of the first leading minor that is not positive-definite (0 if none).

    Example::

        >>> ember.linalg.cholesky_ex(ember.tensor([[1.0, 2.0], [2.0, 1.0]])).info
        tensor(2, dtype=ember.int32)
    """
    low, info = _L.CholeskyEx.apply(A)
    if check_errors and bool(info._data.any()):
        where, k = _L._first_failure(info._data, A._data, None)
        raise LinAlgError(f"linalg.cholesky_ex: {where}The factorization could not be "
                          f"completed because the input is not positive-definite (the leading minor of order {k} is "
                          "not positive-definite).")
    return F._named("linalg_cholesky_ex", ("L", "info"))(_upper(low) if upper else low, info)


def householder_product(A, tau):
    """The first ``n`` columns of ``H_1 ... H_k`` with ``H_i = I - tau_i v_i v_i^H``, ``v_i`` the ``i``-th column of
    ``A`` (``(*, m, n)``) below the diagonal with a 1 on it (the Q of ``geqrf``); ``tau`` is ``(*, k)``, ``k <= n``.

    Example::

        >>> ember.linalg.householder_product(ember.eye(3, 2), ember.zeros(2))
        tensor([[1., 0.],
                [0., 1.],
                [0., 0.]])
    """
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.householder_product: input must have at least 2 dimensions.")
    m, n = A.shape[-2:]
    if m < n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if tau.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    k = tau.shape[-1]
    if n < k:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    _check_reflector_batches("torch.linalg.householder_product", A._data, tau._data)
    if tau.dtype != A.dtype:
        raise RuntimeError(f"torch.linalg.householder_product: tau dtype {_L._type_word(tau._data)} does not match "
                           f"input dtype {_L._type_word(A._data)}")
    _lapack_dtype(A._data, "orgqr_cpu")
    from ember._ops.linalg_extra import _apply_reflectors, _reflectors, _tensor_ct

    # Composed from differentiable ops (as ormqr's double backward): H_k, ..., H_1 applied in turn to the first n
    # columns of I, k rank-1 updates.
    v = _reflectors(A, k, F.eye(m, k, dtype=A.dtype))
    x = F.eye(m, n, dtype=A.dtype).expand(*A.shape[:-2], m, n)
    return _apply_reflectors(v, tau, x, False, _tensor_ct)[-1]


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The matrix ``ord``-norm over the two dimensions ``dim`` of ``A``: 'fro', 'nuc' (sum of singular values),
    2 / -2 (largest / smallest singular value), 1 / -1 (max / min absolute column sum), inf / -inf (rows).

    Example::

        >>> ember.linalg.matrix_norm(ember.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
        tensor(6.)
    """
    inf = float("inf")
    if hasattr(ord, "_data"):  # a tensor order is read as its number
        ord = ord.item()
    elif not isinstance(ord, (str, int, float)):  # None, a list, ...: PyTorch's parser refuses the call
        tail = "tuple of ints dim = {-2,-1}, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)"
        raise F._args.combination_error("linalg_matrix_norm", (A, ord), {}, [
            f"(Tensor input, Number ord, {tail}", f'(Tensor input, str ord = "fro", {tail}'])
    if ord not in ("fro", "nuc", 1, -1, 2, -2, inf, -inf):  # checked first, as PyTorch
        raise RuntimeError(f"linalg.matrix_norm: Order {ord if isinstance(ord, str) else format(ord, 'g')} not "
                           "supported.")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _L.check_float_or_complex(A._data, "linalg.matrix_norm")
    if isinstance(dim, int) or len(dim) != 2:
        got = " ".join(map(str, (dim,) if isinstance(dim, int) else dim))
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {got}")
    d0, d1 = (A._wrap_dim(d) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if dtype is not None:
        _no_narrowing("linalg.matrix_norm", A, dtype)
        A = A.to(dtype)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(F.movedim(A, (d0, d1), (-2, -1)))
        out = s.sum(-1, keepdim) if ord == "nuc" else _amax0(s, -1, keepdim) if ord == 2 else s.amin(-1, keepdim)
        # as PyTorch's graph: the kept dims go back in place with one permute
        return F.movedim(out.unsqueeze(-1), (-2, -1), (d0, d1)) if keepdim else out
    if ord in (1, -1, inf, -inf):
        sum_dim, red_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = vector_norm(A, 1, sum_dim, keepdim)
        if not keepdim and sum_dim < red_dim:
            red_dim -= 1
        return _amax0(sums, red_dim, keepdim) if ord > 0 else sums.amin(red_dim, keepdim)


def _amax0(t, dim, keepdim):
    """``amax`` over ``dim``, 0 where that is empty (PyTorch's matrix norms of no elements; ``amin`` raises)."""
    return t.sum(dim, keepdim) if t.shape[dim] == 0 else t.amax(dim, keepdim)


# ----------------------------------------------------------------------------- LDL of symmetric indefinite matrices


def _need_bool(value, function, arg):
    if not isinstance(value, bool):
        raise TypeError(f"{function}(): argument '{arg}' must be bool, not {type(value).__name__}")


def _check_reflector_batches(name, a, tau, other=None):
    """PyTorch's checks that ``tau`` (``(*, k)``) and ``other`` (``(*, m, n)``, if given) have the batch dimensions
    of the Householder vectors ``a`` (``(*, mn, k)``)."""
    if tau.ndim != a.ndim - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.ndim} and input.ndim is equal to {a.ndim}")
    if other is not None and other.ndim != a.ndim:
        raise RuntimeError(f"{name}: Expected other to have the same number of dimensions as input, but got "
                           f"other.ndim equal to {other.ndim} and input.ndim is equal to {a.ndim}")
    for what, t in (("tau", tau), ("other", other)):
        if t is not None and t.shape[:a.ndim - 2] != a.shape[:-2]:
            raise RuntimeError(f"{name}: Expected batch dimensions of {what} to be equal to input.shape[:-2], but got "
                               f"{list(t.shape[:a.ndim - 2])}")


def _lapack_dtype(a, kernel):
    """PyTorch's error for a dtype its LAPACK kernel ``kernel`` has no version of: all but float32/64 and
    complex64/128 (by character code: ml_dtypes' float8_e5m2 has NumPy kind 'f')."""
    if a.dtype.char not in "fdFD":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_L._type_word(a)}'")


def ldl_factor_ex(A, *, hermitian=False, check_errors=False):
    """The Bunch-Kaufman factorization ``A = P L D L^T P^T`` of symmetric (``L D L^H`` of Hermitian, if
    ``hermitian``) possibly indefinite matrices, in LAPACK's compact ?sytrf form; only the lower triangle of ``A``
    is read. ``D`` has 1x1 and 2x2 diagonal blocks.

    Args:
        A: ``(*, n, n)`` float or complex tensor.
        hermitian: for complex ``A``, factor it as Hermitian rather than complex symmetric (no effect if real).
        check_errors: raise if some ``D[k, k]`` is exactly zero (a singular matrix) instead of reporting it.

    Returns:
        named tuple ``(LD (*, n, n), pivots (*, n) int32, info (*) int32)``: ``LD`` holds ``D`` and the
        multipliers of ``L`` (below the diagonal; zeros above); ``pivots`` are LAPACK's 1-based interchanges
        (``-p, -p`` for a 2x2 block); ``info`` is the first ``k`` (1-based) with a zero ``D[k, k]``, 0 if none.
        Not differentiable (as in PyTorch: backward raises).

    Example::

        >>> ember.linalg.ldl_factor_ex(ember.tensor([[0.0, 1.0], [1.0, 0.0]])).pivots
        tensor([-2, -2], dtype=ember.int32)
    """
    _need_bool(hermitian, "linalg_ldl_factor_ex", "hermitian")
    _need_bool(check_errors, "linalg_ldl_factor_ex", "check_errors")
    return _ldl_factor(A, hermitian, check_errors, "linalg.ldl_factor_ex")


def ldl_factor(A, *, hermitian=False):
    """The compact Bunch-Kaufman factorization of :func:`ldl_factor_ex`, without ``info``: a singular matrix raises.

    Returns:
        named tuple ``(LD, pivots)``, the inputs of :func:`ldl_solve`.

    Example::

        >>> A = ember.tensor([[2.0, 1.0], [1.0, -3.0]])
        >>> LD, pivots = ember.linalg.ldl_factor(A)
        >>> ember.linalg.ldl_solve(LD, pivots, A @ ember.ones(2, 1))
        tensor([[1.],
                [1.]])
    """
    _need_bool(hermitian, "linalg_ldl_factor", "hermitian")
    ld, piv, _ = _ldl_factor(A, hermitian, True, "linalg.ldl_factor")
    return F._named("linalg_ldl_factor", ("LD", "pivots"))(ld, piv)


def _ldl_factor(A, hermitian, check_errors, name):
    from ember._ops import linalg_extra

    a = A._data
    _L._check_square_shape(a, "torch.linalg.ldl_factor_ex")
    _L.check_float_or_complex(a, "torch.linalg.ldl_factor_ex")
    _lapack_dtype(a, "ldl_factor_kernel_cpu")
    ld, piv, info = linalg_extra.LdlFactor.apply(A, hermitian=hermitian)
    if check_errors and info._data.any():
        failed = info._data.reshape(-1)
        # PyTorch reports a zero D[k, k] through an internal assert that ends with this sentence
        raise RuntimeError(f"torch.{name}: Unknown error code: {int(failed[xp.flatnonzero(failed)[0]])}.")
    return F._named("linalg_ldl_factor_ex", ("LD", "pivots", "info"))(ld, piv, info)


def ldl_solve(LD, pivots, B, *, hermitian=False):
    """Solve ``A X = B`` given the compact factorization ``(LD, pivots)`` of ``A`` from :func:`ldl_factor`
    (pass the same ``hermitian``). ``LD`` is ``(*, n, n)``, ``B`` ``(*, n, k)``; batch dimensions broadcast.
    Not differentiable (as in PyTorch: backward raises).

    Example::

        >>> LD, pivots = ember.linalg.ldl_factor(ember.tensor([[0.0, 2.0], [2.0, 0.0]]))
        >>> ember.linalg.ldl_solve(LD, pivots, ember.tensor([[2.0], [4.0]]))
        tensor([[2.],
                [1.]])
    """
    from ember._ops import linalg_extra

    _need_bool(hermitian, "linalg_ldl_solve", "hermitian")
    name = "torch.linalg.ldl_solve"
    ld, piv, b = LD._data, pivots._data, B._data
    _L._check_square_shape(ld, name)
    _L.check_float_or_complex(ld, name)
    if piv.shape != ld.shape[:-1]:
        raise RuntimeError(f"{name}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with "
                           f"shape {list(piv.shape)} instead")
    if piv.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: Expected pivots to be integers. Got {_L._type_word(piv)}")
    if b.ndim < 2:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got -2)")
    n = ld.shape[-1]
    if b.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for {name}: each A matrix is {n} by {n} but each b matrix is "
                           f"{b.shape[-2]} by {b.shape[-1]}")
    if b.dtype != ld.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {_L._type_word(b)} and A "
                           f"of type {_L._type_word(ld)} instead.")
    F._check_broadcast(*[wrap(xp.broadcast_to(False, x.shape[:-2])) for x in (b, ld)])
    if piv.size and xp.abs(piv).min() < 1:
        raise RuntimeError("Pivots given to ldl_solve must all satisfy |pivot| >= 1. Did you properly pass the result "
                           "of ldl_factor?")
    if piv.size and xp.abs(piv).max() > n:
        raise RuntimeError("Pivots given to ldl_solve must all satisfy |pivot| <= LD.size(-2). Did you properly pass "
                           "the result of ldl_factor?")
    _lapack_dtype(ld, "ldl_solve_kernel_cpu")
    return linalg_extra.LdlSolve.apply(LD, pivots, B, hermitian=hermitian)


# ----------------------------------------------------------------------------- out=

# PyTorch's refusal of an ``out=`` tensor whose dtype is not the result's, by function (``{want}``/``{got}``: C++
# names as 'float'; ``{Want}``/``{Got}``: type words as 'Float'); ``None``: any dtype taken; a function missing here
# takes the first (most of PyTorch's linalg kernels).
_OUT_DTYPE = {
    "": "Expected out tensor to have dtype {want}, but got {got} instead",
    "norm": "linalg.norm expected out tensor dtype {Want} but got: {Got}",
    "matrix_norm": "linalg.matrix_norm expected out tensor dtype {Want} but got: {Got}",
    "vecdot": "linalg.vecdot: Expected out of dtype{Want} but found {Got}",
    "solve_triangular": "expected scalar type {Want} but found {Got}",
    "multi_dot": "multi_dot(): expected out tensor to have dtype {want} but got {got}",
    "matrix_rank": None, "cond": None, "pinv": None, "tensorinv": None, "tensorsolve": None,
    "householder_product": None,
}
# Functions that first refuse an ``out`` the result does not cast to within its kind (float to int, ...), with the
# message's prefix.
_OUT_KIND = {"pinv": "linalg.pinv", "tensorinv": "tensorinv", "tensorsolve": "tensorsolve", "cond": "linalg.cond",
             "householder_product": "torch.linalg.householder_product", "matrix_power": "matrix_power"}


def _check_out_dtype(name, res, out):
    """PyTorch's error for an ``out`` tensor of another dtype than the result ``res`` (see :data:`_OUT_DTYPE`)."""
    want, got = res._data.dtype, out._data.dtype
    if want == got:
        return
    words = {"want": C10_NAMES[want.name], "got": C10_NAMES[got.name], "Want": _L._type_word(res._data),
             "Got": _L._type_word(out._data)}
    if name in _OUT_KIND and not xp.can_cast(want, got, casting="same_kind"):
        raise RuntimeError(f"{_OUT_KIND[name]}: Expected result to be safely castable from {words['Want']} dtype, but "
                           f"got result with dtype {words['Got']}")
    message = _OUT_DTYPE.get(name, _OUT_DTYPE[""])
    if message is not None:
        raise RuntimeError(message.format(**words))


def _with_out(fn):
    """``fn`` taking PyTorch's keyword ``out=``: a tensor (a tuple of them for a named-tuple result) the result is
    written into, resized with PyTorch's warning if it has another shape; its dtype must be the result's (see
    :data:`_OUT_DTYPE`). Returns ``out`` (as the named tuple)."""
    name = fn.__name__

    def wrapper(*args, out=None, **kwargs):
        res = fn(*args, **kwargs)
        if out is None:
            return res
        if isinstance(res, tuple):
            if not isinstance(out, (tuple, list)) or not all(isinstance(o, Tensor) for o in out):
                raise TypeError(f"linalg_{name}(): argument 'out' must be tuple of Tensors, not {type(out).__name__}")
            if len(out) != len(res):
                raise TypeError(f"linalg_{name}(): argument 'out' must be tuple of {len(res)} Tensors, not "
                                f"{len(out)}")
            for r, o in zip(res, out):
                _check_out_dtype(name, r, o)
            F._out(res, out)
            return F._named(f"{type(res).__name__}_out", res._fields)(*out)
        else:
            if not isinstance(out, Tensor):
                raise TypeError(f"linalg_{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
            _check_out_dtype(name, res, out)
        return F._out(res, out)
    functools.update_wrapper(wrapper, fn)
    # (``__wrapped__`` stays: the argument checks read the function's parameters; ``__signature__`` adds ``out``)
    sig = inspect.signature(fn)
    wrapper.__signature__ = sig.replace(parameters=[*sig.parameters.values(), inspect.Parameter(
        "out", inspect.Parameter.KEYWORD_ONLY, default=None)])
    return wrapper


for _name in ("inv", "det", "cholesky", "solve", "pinv", "norm", "vector_norm", "matrix_norm", "cross", "matrix_power",
              "vecdot", "solve_triangular", "multi_dot", "svdvals", "eigvalsh", "cond", "householder_product",
              "matrix_rank", "lu_solve", "tensorinv", "tensorsolve", "eigh", "qr", "svd", "slogdet", "lu_factor",
              "lstsq", "matmul", "eig", "eigvals", "inv_ex", "cholesky_ex", "solve_ex", "lu", "lu_factor_ex",
              "ldl_factor", "ldl_factor_ex", "ldl_solve"):
    globals()[_name] = _with_out(globals()[_name])
del _name


# PyTorch's TypeError for a number, list, None, ... where a tensor is required (keep this after the functions)
from ember._functions_args import check_functions as _check_functions  # noqa: E402

_check_functions(globals(), "linalg")
