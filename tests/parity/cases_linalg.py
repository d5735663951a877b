"""Parity rows for ember/_ops/linalg.py."""

import numpy as np

from tests.parity.harness import Arg, Case


def _well_conditioned(rng, shape=(2, 3, 3)):
    """Random matrices plus 3 I: far from singular, so float32 results and finite differences are accurate."""
    return rng.standard_normal(shape).astype("float32") + 3 * np.eye(shape[-1], dtype="float32")


def _spd(m, a):
    """A symmetric positive-definite matrix built differentiably from any square ``a``."""
    return a @ a.transpose(-1, -2) + 3 * m.eye(a.shape[-1], dtype=a.dtype)


CASES = [
    Case(("Inv",), lambda m, a: m.linalg.inv(a), [Arg(kind=_well_conditioned)], name="inv"),
    Case(("Inv",), lambda m, a: a.inverse(), [Arg(kind=lambda rng: _well_conditioned(rng, (3, 3)), noncontig=True)],
         name="inverse-method"),
    Case(("Det",), lambda m, a: m.linalg.det(a), [Arg(kind=_well_conditioned)], name="det"),
    # (det at a singular matrix: PyTorch's gradient there depends on the CPU; tests/test_linalg.py checks ember's
    # against the adjugate)
    Case(("SlogDet",), lambda m, a: m.linalg.slogdet(a).logabsdet, [Arg(kind=_well_conditioned)], name="slogdet"),
    Case(("SlogDet",), lambda m, a: m.logdet(a), [Arg(kind=_well_conditioned)], name="logdet"),
    Case(("Solve",), lambda m, a, b: m.linalg.solve(a, b), [Arg(kind=_well_conditioned), Arg((2, 3, 2))],
         name="solve"),
    Case(("Solve",), lambda m, a, b: m.linalg.solve(a, b), [Arg(kind=_well_conditioned), Arg((2, 3))],
         name="solve-vectors"),
    Case(("Solve",), lambda m, a, b: m.linalg.solve(a, b), [Arg(kind=lambda rng: _well_conditioned(rng, (3, 3))),
                                                         Arg((4, 3, 2))], name="solve-broadcast"),
    Case(("Solve",), lambda m, a, b: m.linalg.solve(a, b, left=False), [Arg(kind=_well_conditioned), Arg((2, 4, 3))],
         name="solve-right"),
    Case(("Cholesky",), lambda m, a: m.linalg.cholesky(_spd(m, a)), [Arg((2, 3, 3))], name="cholesky"),
    Case(("Cholesky",), lambda m, a: m.linalg.cholesky(_spd(m, a), upper=True), [Arg((3, 3))], name="cholesky-upper"),
    Case(("CholeskyLegacy",), lambda m, a: m.cholesky(_spd(m, a)), [Arg((2, 3, 3))], name="torch.cholesky"),
    Case(("CholeskyLegacy",), lambda m, a: m.cholesky(_spd(m, a), upper=True), [Arg((3, 3))],
         name="torch.cholesky-upper"),

    Case(("MatMul",), lambda m, a, b: a @ b, [Arg((3, 4)), Arg((4, 5))], name="mm"),
    Case(("MatMul",), lambda m, a, b: m.mm(a, b), [Arg((3, 4), noncontig=True), Arg((4, 2), noncontig=True)],
         name="mm-noncontig"),
    Case(("MatMul",), lambda m, a, b: m.matmul(a, b), [Arg((4,)), Arg((4,))], name="dot"),
    Case(("MatMul",), lambda m, a, b: m.dot(a, b), [Arg((3,)), Arg((3,))], name="dot-fn"),
    Case(("MatMul",), lambda m, a, b: m.mv(a, b), [Arg((3, 4)), Arg((4,))], name="mv"),
    Case(("MatMul",), lambda m, a, b: a @ b, [Arg((4,)), Arg((4, 3))], name="vm"),
    Case(("MatMul",), lambda m, a, b: m.bmm(a, b), [Arg((2, 3, 4)), Arg((2, 4, 5))], name="bmm"),
    Case(("MatMul",), lambda m, a, b: a @ b, [Arg((2, 3, 4)), Arg((4, 5))], name="matmul-batch-2d"),
    Case(("MatMul",), lambda m, a, b: a @ b, [Arg((3, 4)), Arg((2, 4, 5))], name="matmul-2d-batch"),
    Case(("MatMul",), lambda m, a, b: a @ b, [Arg((2, 1, 3, 4)), Arg((3, 4, 2))], name="matmul-broadcast-batch"),
    Case(("MatMul",), lambda m, a, b: a @ b, [Arg((2, 3, 4)), Arg((4,))], name="matmul-batch-vec"),
    Case(("MatMul",), lambda m, a, b: a @ b, [Arg((4,)), Arg((2, 4, 3))], name="matmul-vec-batch"),
    Case(("MatMul",), lambda m, a, b: m.outer(a, b), [Arg((3,)), Arg((4,))], name="outer"),
    Case(("Addmm",), lambda m, c, a, b: m.addmm(c, a, b), [Arg((3, 5)), Arg((3, 4)), Arg((4, 5))]),
    Case(("Addmm",), lambda m, c, a, b: m.addmm(c, a, b), [Arg((5,)), Arg((3, 4)), Arg((4, 5), noncontig=True)],
         name="addmm-bias"),
    Case(("Addmm",), lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2.0), [Arg((3, 5)), Arg((3, 4)),
                                                                                Arg((4, 5))], name="addmm-scaled"),
    Case(("Addmm",), lambda m, c, a, b: c.addmm(a, b), [Arg((1, 5)), Arg((3, 4), grad=False), Arg((4, 5))],
         name="addmm-method"),
    # einsum / tensordot: composed as in PyTorch (permutes, views, batched matrix products; see _functions_einsum.py)
    Case(("MatMul", "Permute", "View"), lambda m, a, b: m.einsum("ij,jk->ik", a, b), [Arg((3, 4)), Arg((4, 2))],
         name="einsum-mm"),
    Case(("MatMul", "Permute", "View"), lambda m, a, b: m.einsum("bij,bjk->bik", a, b),
         [Arg((2, 3, 4)), Arg((2, 4, 2))], name="einsum-bmm"),
    Case(("Sum", "Permute"), lambda m, a: m.einsum("ij->j", a), [Arg((3, 4), noncontig=True)], name="einsum-sum"),
    Case(("Mul", "Permute"), lambda m, a, b: m.einsum("i,j", a, b), [Arg((3,)), Arg((4,))],
         name="einsum-outer-implicit"),
    Case(("MatMul", "Permute", "View"), lambda m, a, b: m.einsum("...ij,...jk", a, b),
         [Arg((2, 3, 4)), Arg((4, 2))], name="einsum-ellipsis"),
    Case(("MatMul", "Permute", "View"), lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c),
         [Arg((2, 3)), Arg((3, 4)), Arg((4, 2))], name="einsum-three"),
    Case(("Permute",), lambda m, a: m.einsum("ij->ji", a), [Arg((3, 4))], name="einsum-transpose"),
    Case(("Diagonal", "Permute", "Sum"), lambda m, a: m.einsum("iij->j", a), [Arg((3, 3, 2))], name="einsum-diagonal"),
    Case(("MatMul", "View"), lambda m, a, b: m.tensordot(a, b, dims=([2, 0], [1, 2])),
         [Arg((2, 3, 4)), Arg((5, 4, 2))], name="tensordot"),
]


# ---- decompositions and solvers. Factors defined up to signs (U, Vh, Q of eigh) enter through gauge-invariant
# functions (U diag(S) Vh, |U|): LAPACK builds may pick different signs, and the gradient of a sign-dependent loss
# is itself sign-dependent. Ops that read one triangle (eigh, cholesky_solve) get it masked/symmetrised inside the
# graph, so finite differences perturb only what the forward reads.


def _usv(r):
    k = r.S.shape[-1]
    return (r.U[..., :k] * r.S[..., None, :]) @ r.Vh[..., :k, :]


def _upper(rng, shape=(2, 3, 3)):
    """Triangular-friendly matrices: a dominant diagonal keeps both triangles well-conditioned."""
    return (rng.standard_normal(shape) + 4 * np.eye(shape[-1])).astype("float32")


def _sym_distinct(rng, shape=(2, 3, 3)):
    """Symmetric matrices with well-separated eigenvalues (1, 3, 5, ...)."""
    n = shape[-1]
    q, _ = np.linalg.qr(rng.standard_normal(shape))
    w = 1.0 + 2.0 * np.arange(n)
    return ((q * w[..., None, :]) @ np.swapaxes(q, -1, -2)).astype("float32")


CASES += [
    Case(("Svd",), lambda m, a: (_usv(m.linalg.svd(a, full_matrices=False)), m.linalg.svd(a, False).S),
         [Arg((2, 4, 3))], name="svd-reconstruct"),
    Case(("Svd",), lambda m, a: tuple(x.abs() for x in m.linalg.svd(a, full_matrices=False)), [Arg((2, 4, 3))],
         name="svd-tall-abs"),
    Case(("Svd",), lambda m, a: tuple(x.abs() for x in m.linalg.svd(a, full_matrices=False)), [Arg((3, 5))],
         name="svd-wide-abs"),
    Case(("Svd",), lambda m, a: (lambda r: (r.U[..., :2].abs(), r.S, r.Vh.abs()))(m.linalg.svd(a)), [Arg((4, 2))],
         name="svd-full-matrices"),
    Case(("Svd",), lambda m, a: m.linalg.svdvals(a), [Arg((2, 3, 4), noncontig=True)], name="svdvals"),
    Case(("Svd",), lambda m, a: (lambda r: (_usv_v(r), r.S))(m.svd(a)), [Arg((4, 3))], name="torch-svd"),
    Case(("Qr",), lambda m, a: tuple(m.linalg.qr(a)), [Arg((2, 4, 3))], name="qr-tall"),
    Case(("Qr",), lambda m, a: tuple(m.linalg.qr(a)), [Arg((2, 3, 5))], name="qr-wide"),
    Case(("Qr",), lambda m, a: tuple(m.linalg.qr(a, mode="complete")), [Arg((3, 3))], name="qr-complete-square"),
    Case(("Qr",), lambda m, a: m.linalg.qr(a, mode="r").R, [Arg((4, 3))], name="qr-r", backward=False),
    Case(("Qr",), lambda m, a: tuple(m.qr(a)), [Arg((3, 3), noncontig=True)], name="torch-qr"),
    Case(("Eigh",), lambda m, a: (lambda r: (r.eigenvalues, r.eigenvectors.abs()))(m.linalg.eigh(_sym(a))),
         [Arg(kind=_sym_distinct)], name="eigh"),
    Case(("Eigh",), lambda m, a: (lambda r: (r.eigenvalues, r.eigenvectors.abs()))(m.linalg.eigh(_sym(a), UPLO="U")),
         [Arg(kind=_sym_distinct)], name="eigh-upper"),
    Case(("Eigh",), lambda m, a: m.linalg.eigvalsh(_sym(a)), [Arg(kind=_sym_distinct)], name="eigvalsh"),
    # general matrices: complex eigenvalues/vectors from real input (compared through real functions of them)
    Case(("Eig",), lambda m, a: m.linalg.eigvals(a).abs(), [Arg(kind=_well_conditioned)], name="eigvals-abs"),
    Case(("Eig",), lambda m, a: (lambda r: (r.eigenvalues.abs(), r.eigenvectors.abs()))(m.linalg.eig(a)),
         [Arg(kind=_well_conditioned)], name="eig-abs"),
    Case(("Pinv",), lambda m, a: m.linalg.pinv(a), [Arg((2, 4, 3))], name="pinv"),
    Case(("Pinv",), lambda m, a: m.linalg.pinv(a), [Arg((3, 5))], name="pinv-wide"),
    Case(("Pinv",), lambda m, a: m.linalg.pinv(_sym(a), hermitian=True), [Arg(kind=_sym_distinct)],
         name="pinv-hermitian"),
    Case(("Pinv",), lambda m, a: m.pinverse(a), [Arg((4, 3), noncontig=True)], name="pinverse"),
    Case(("Lstsq",), lambda m, a, b: m.linalg.lstsq(a, b), [Arg((2, 5, 3)), Arg((2, 5, 2))], name="lstsq"),
    Case(("Lstsq",), lambda m, a, b: m.linalg.lstsq(a, b, driver="gelsd"), [Arg((5, 3)), Arg((5, 2))],
         name="lstsq-gelsd-residuals"),
    Case(("Lstsq",), lambda m, a, b: m.linalg.lstsq(a, b).solution, [Arg((3, 5)), Arg((3,))],
         name="lstsq-wide-vector"),
    Case(("SolveTriangular",), lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True),
         [Arg(kind=_upper), Arg((2, 3, 2))], name="solve_triangular-upper"),
    Case(("SolveTriangular",), lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False, left=False,
                                                                          unitriangular=True),
         [Arg(kind=_upper), Arg((4, 3))], name="solve_triangular-lower-right-unit"),
    Case(("SolveTriangular",), lambda m, a, b: m.triangular_solve(b, a, transpose=True),
         [Arg(kind=_upper), Arg((2, 3, 2))], name="triangular_solve"),
    Case(("LuFactor",), lambda m, a: tuple(m.linalg.lu_factor_ex(a)), [Arg((2, 3, 3))], name="lu_factor_ex"),
    Case(("LuFactor",), lambda m, a: tuple(m.linalg.lu_factor(a)), [Arg((4, 3))], name="lu_factor-tall"),
    Case(("LuFactor",), lambda m, a: tuple(m.linalg.lu_factor(a)), [Arg((2, 3, 5))], name="lu_factor-wide"),
    Case(("Lu",), lambda m, a: tuple(m.linalg.lu(a)), [Arg((2, 3, 3))], name="lu"),
    Case(("Lu",), lambda m, a: tuple(m.linalg.lu(a)), [Arg((5, 3))], name="lu-tall"),
    Case(("Lu",), lambda m, a: tuple(m.linalg.lu(a)), [Arg((3, 4))], name="lu-wide"),
    Case(("LuUnpack", "LuFactor"), lambda m, a: tuple(m.lu_unpack(*m.linalg.lu_factor(a))), [Arg((2, 4, 3))],
         name="lu_unpack"),
    Case(("LuSolve", "LuFactor"), lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b),
         [Arg(kind=_well_conditioned), Arg((2, 3, 2))], name="lu_solve"),
    Case(("LuSolve", "LuFactor"), lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b, adjoint=True),
         [Arg(kind=_well_conditioned), Arg((2, 3, 2))], name="lu_solve-adjoint"),
    Case(("LuSolve", "LuFactor"), lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b, left=False),
         [Arg(kind=_well_conditioned), Arg((2, 4, 3))], name="lu_solve-right"),
    Case(("MatrixExp",), lambda m, a: m.linalg.matrix_exp(a), [Arg((2, 3, 3))], name="matrix_exp"),
    Case(("MatrixExp",), lambda m, a: m.matrix_exp(a * 4), [Arg((3, 3))], name="matrix_exp-scaled"),
    Case(("MatrixExp",), lambda m, a: a.matrix_exp(), [Arg((2, 2), kind="unit")], name="matrix_exp-small"),
    Case(("InvEx",), lambda m, a: tuple(m.linalg.inv_ex(a)), [Arg(kind=_well_conditioned)], name="inv_ex"),
    Case(("SolveEx",), lambda m, a, b: tuple(m.linalg.solve_ex(a, b)), [Arg(kind=_well_conditioned), Arg((2, 3))],
         name="solve_ex"),
    Case(("CholeskyEx",), lambda m, a: tuple(m.linalg.cholesky_ex(_spd(m, a))), [Arg((2, 3, 3))], name="cholesky_ex"),
    Case(("CholeskySolve",), lambda m, a, b: m.cholesky_solve(b, a.tril()), [Arg(kind=_upper), Arg((2, 3, 2))],
         name="cholesky_solve"),
    Case(("CholeskySolve",), lambda m, a: m.cholesky_inverse(a.triu(), upper=True), [Arg(kind=_upper)],
         name="cholesky_inverse"),
]


def _sym(a):
    """Symmetrised inside the graph: eigh reads one triangle, so finite differences need symmetric perturbations."""
    return (a + a.mT) / 2


def _usv_v(r):
    return (r.U * r.S[..., None, :]) @ r.V.mT


# torch.addmv / addr / addbmm / vdot (ember/_functions_extra.py)
CASES += [
    Case(("Addmv",), lambda m, c, a, v: m.addmv(c, a, v), [Arg((3,)), Arg((3, 4)), Arg((4,))], name="addmv"),
    Case(("Addmv",), lambda m, c, a, v: c.addmv(a, v, beta=0.5, alpha=-2.0), [Arg((1,)), Arg((3, 4), noncontig=True),
                                                                          Arg((4,))], name="addmv-scaled-broadcast"),
    Case(("Addr",), lambda m, c, a, b: m.addr(c, a, b), [Arg((3, 4)), Arg((3,)), Arg((4,))], name="addr"),
    Case(("Addr",), lambda m, c, a, b: c.addr(a, b, beta=2.0, alpha=0.5), [Arg((4,)), Arg((3,)), Arg((4,))],
         name="addr-scaled-broadcast"),
    Case(("Addbmm",), lambda m, c, a, b: m.addbmm(c, a, b), [Arg((3, 4)), Arg((2, 3, 5)), Arg((2, 5, 4))],
         name="addbmm"),
    Case(("Addbmm",), lambda m, c, a, b: c.addbmm(a, b, beta=0.0, alpha=3.0), [Arg((4,)), Arg((3, 2, 5)),
                                                                              Arg((3, 5, 4), noncontig=True)],
         name="addbmm-beta0"),
    Case(("Vdot",), lambda m, a, b: m.vdot(a, b), [Arg((5,)), Arg((5,))], name="vdot"),
    Case(("Baddbmm",), lambda m, c, a, b: m.baddbmm(c, a, b), [Arg((2, 3, 4)), Arg((2, 3, 5)), Arg((2, 5, 4))],
         name="baddbmm"),
    Case(("Baddbmm",), lambda m, c, a, b: c.baddbmm(a, b, beta=0.5, alpha=-2.0),
         [Arg((4,)), Arg((3, 2, 5)), Arg((3, 5, 4), noncontig=True)], name="baddbmm-scaled-broadcast"),
    Case(("LinalgCross",), lambda m, a, b: m.linalg.cross(a, b), [Arg((4, 3)), Arg((1, 3))], name="linalg.cross"),
    Case(("LinalgCross",), lambda m, a, b: m.cross(a, b, dim=0), [Arg((3, 2)), Arg((3, 2))], name="cross-dim0"),
    Case(("Cdist",), lambda m, a, b: m.cdist(a, b), [Arg((3, 4)), Arg((5, 4))], name="cdist"),
    Case(("Cdist",), lambda m, a, b: m.cdist(a, b, p=1), [Arg((2, 3, 4), kind="distinct"), Arg((2, 5, 4))],
         name="cdist-p1-batch"),
    Case(("Cdist",), lambda m, a, b: m.cdist(a, b, p=2.5), [Arg((2, 1, 3, 2)), Arg((4, 2))], name="cdist-p2.5"),
    Case(("EuclideanDist", "View"), lambda m, a, b: m.cdist(a, b), [Arg((30, 3)), Arg((4, 3))], name="cdist-mm",
         rtol=1e-3, atol=1e-4),
    # a set against itself: the zero distances of the diagonal come out of the matrix products as rounding noise
    # (or are clamped to 0), and must not swamp the other pairs' gradients
    Case(("EuclideanDist", "View"), lambda m, a: m.cdist(a, a), [Arg((30, 3))], name="cdist-mm-self",
         rtol=1e-3, atol=2e-3, grad_atol=5e-3, gradcheck=False),
    Case(("EuclideanDist", "View"), lambda m, a: m.cdist(a, a, compute_mode="use_mm_for_euclid_dist"),
         [Arg((2, 5, 4), dtype="float64")], name="cdist-mm-self-small", rtol=1e-6, atol=1e-6, gradcheck=False),
    Case(("Cdist",), lambda m, a: m.cdist(a, a), [Arg((2, 25, 3))], name="cdist-self-25", gradcheck=False),
]


def _indefinite(rng, shape=(2, 4, 4)):
    """Symmetric with a zero diagonal: Bunch-Kaufman needs 2x2 pivots (a well-conditioned, indefinite matrix)."""
    a = rng.standard_normal(shape).astype("float32")
    a = a + np.swapaxes(a, -1, -2)
    a[..., np.arange(shape[-1]), np.arange(shape[-1])] = 0
    return a


# ldl_factor / ldl_solve, geqrf / ormqr (ember/_ops/linalg_extra.py). PyTorch has no derivative for the first three:
# their nodes exist and backward raises (tests/test_linalg_extra.py), so those rows compare forward values only.
CASES += [
    Case(("LdlFactor",), lambda m, a: tuple(m.linalg.ldl_factor_ex(a)), [Arg(kind=_indefinite)], name="ldl_factor_ex",
         backward=False),
    Case(("LdlFactor",), lambda m, a: tuple(m.linalg.ldl_factor(a + a.mT, hermitian=True)), [Arg((5, 5))],
         name="ldl_factor-hermitian", backward=False),
    Case(("LdlSolve", "LdlFactor"), lambda m, a, b: m.linalg.ldl_solve(*m.linalg.ldl_factor(a), b),
         [Arg(kind=_indefinite), Arg((2, 4, 3))], name="ldl_solve", backward=False),
    Case(("Geqrf",), lambda m, a: tuple(m.geqrf(a)), [Arg((2, 5, 3))], name="geqrf", backward=False),
    Case(("Geqrf",), lambda m, a: tuple(a.geqrf()), [Arg((3, 4), noncontig=True)], name="geqrf-wide-method",
         backward=False),
    Case(("Ormqr",), lambda m, a, t, c: m.ormqr(a, t, c), [Arg((5, 3)), Arg((3,), kind="unit"), Arg((5, 2))],
         name="ormqr"),
    Case(("Ormqr",), lambda m, a, t, c: a.ormqr(t, c, left=False, transpose=True),
         [Arg((2, 4, 3)), Arg((2, 3), kind="unit"), Arg((2, 2, 4))], name="ormqr-right-transpose"),
]
