"""Parity rows for ember/_ops/linalg.py."""

import numpy as np

from tests.parity.harness import Arg, Case


def _well_conditioned(rng, shape=(2, 3, 3)):
    """Random matrices plus 3 I: far from singular, so float32 results and finite differences are accurate."""
    return rng.standard_normal(shape).astype("float32") + 3 * np.eye(shape[-1], dtype="float32")


def _singular(rng):
    return np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]], dtype="float32")


def _spd(m, a):
    """A symmetric positive-definite matrix built differentiably from any square ``a``."""
    return a @ a.transpose(-1, -2) + 3 * m.eye(a.shape[-1], dtype=a.dtype)


CASES = [
    Case(("Inv",), lambda m, a: m.linalg.inv(a), [Arg(kind=_well_conditioned)], name="inv"),
    Case(("Inv",), lambda m, a: a.inverse(), [Arg(kind=lambda rng: _well_conditioned(rng, (3, 3)), noncontig=True)],
         name="inverse-method"),
    Case(("Det",), lambda m, a: m.linalg.det(a), [Arg(kind=_well_conditioned)], name="det"),
    Case(("Det",), lambda m, a: m.det(a), [Arg(kind=_singular)], name="det-singular", gradcheck=False),
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
    Case(("Einsum",), lambda m, a, b: m.einsum("ij,jk->ik", a, b), [Arg((3, 4)), Arg((4, 2))], name="einsum-mm"),
    Case(("Einsum",), lambda m, a, b: m.einsum("bij,bjk->bik", a, b), [Arg((2, 3, 4)), Arg((2, 4, 2))],
         name="einsum-bmm"),
    Case(("Einsum",), lambda m, a: m.einsum("ij->j", a), [Arg((3, 4), noncontig=True)], name="einsum-sum"),
    Case(("Einsum",), lambda m, a, b: m.einsum("i,j", a, b), [Arg((3,)), Arg((4,))], name="einsum-outer-implicit"),
    Case(("Einsum",), lambda m, a, b: m.einsum("...ij,...jk", a, b), [Arg((2, 3, 4)), Arg((4, 2))],
         name="einsum-ellipsis"),
    Case(("Einsum",), lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c), [Arg((2, 3)), Arg((3, 4)), Arg((4, 2))],
         name="einsum-three"),
    Case(("Einsum",), lambda m, a: m.einsum("ij->ji", a), [Arg((3, 4))], name="einsum-transpose"),
]
