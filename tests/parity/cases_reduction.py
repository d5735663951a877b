"""Parity rows for ember/_ops/reduction.py."""

import numpy as np

from tests.parity.harness import Arg, Case


def _ties(rng):
    return np.array([[1.0, 3.0, 3.0, -2.0], [0.5, 0.5, -1.0, 0.5], [2.0, -4.0, 1.0, -4.0]], dtype="float32")


def _with_nans(rng):
    a = rng.standard_normal((3, 5)).astype("float32")
    a[0, 1] = a[0, 3] = a[2, 0] = np.nan
    return a


def _with_zero(rng):
    a = rng.uniform(0.5, 1.5, (3, 4)).astype("float32")
    a[1, 2] = 0.0
    return a


def _two_zeros(rng):
    a = rng.uniform(0.5, 1.5, (3, 4)).astype("float32")
    a[0, 1] = 0.0
    a[0, 3] = 0.0
    a[2, 0] = 0.0
    return a


CASES = [
    # sum
    Case(("Sum",), lambda m, a: a.sum(), [Arg((3, 4))], name="sum-all"),
    Case(("Sum",), lambda m, a: a.sum(1), [Arg((3, 4), noncontig=True)], name="sum-dim"),
    Case(("Sum",), lambda m, a: a.sum((0, 2), keepdim=True), [Arg((2, 3, 4))], name="sum-dims-keepdim"),
    Case(("Sum",), lambda m, a: m.sum(a, dim=-1), [Arg((2, 3, 4))], name="sum-neg-dim"),
    Case(("Sum",), lambda m, a: a.sum(), [Arg(())], name="sum-0d"),
    Case(("Sum",), lambda m, a: a.sum(0), [Arg((3, 4), kind="int", grad=False)], name="sum-int"),
    Case(("Sum",), lambda m, a: a.sum(), [Arg((3, 4), kind="bool", grad=False)], name="sum-bool"),
    Case(("Sum",), lambda m, a: a.sum(dtype=m.float64), [Arg((3, 4))], name="sum-dtype"),
    # mean
    Case(("Mean",), lambda m, a: a.mean(), [Arg((3, 4))], name="mean-all"),
    Case(("Mean",), lambda m, a: a.mean(0, keepdim=True), [Arg((3, 4), noncontig=True)], name="mean-dim-keepdim"),
    Case(("Mean",), lambda m, a: m.mean(a, (1, 2)), [Arg((2, 3, 4))], name="mean-dims"),
    Case(("Mean",), lambda m, a: a.mean(dtype=m.float64), [Arg((2, 3))], name="mean-dtype"),
    # prod
    Case(("Prod",), lambda m, a: a.prod(), [Arg((2, 3), kind="positive")], name="prod-all"),
    Case(("Prod",), lambda m, a: a.prod(1), [Arg((3, 4), kind="positive", noncontig=True)], name="prod-dim"),
    Case(("Prod",), lambda m, a: a.prod(0, keepdim=True), [Arg((3, 4))], name="prod-dim-keepdim"),
    Case(("Prod",), lambda m, a: a.prod(1), [Arg(kind=_with_zero)], name="prod-one-zero"),
    Case(("Prod",), lambda m, a: a.prod(), [Arg(kind=_with_zero)], name="prod-all-one-zero"),
    Case(("Prod",), lambda m, a: a.prod(1), [Arg(kind=_two_zeros)], name="prod-two-zeros"),
    Case(("Prod",), lambda m, a: a.prod(1), [Arg((2, 3), kind="int", grad=False)], name="prod-int"),
    # max / min with dim
    Case(("MaxDim",), lambda m, a: a.max(1), [Arg((3, 4), kind="distinct")], name="max-dim"),
    Case(("MaxDim",), lambda m, a: m.max(a, 0, keepdim=True), [Arg((3, 4), kind="distinct", noncontig=True)],
         name="max-dim-keepdim"),
    Case(("MaxDim",), lambda m, a: a.min(-1), [Arg((2, 3, 4), kind="distinct")], name="min-dim"),
    Case(("MaxDim",), lambda m, a: a.max(1).values, [Arg(kind=_ties)], name="max-dim-ties", gradcheck=False),
    Case(("MaxDim",), lambda m, a: tuple(a.min(0)), [Arg(kind=_ties)], name="min-dim-ties", gradcheck=False),
    # max / min over everything, amax / amin
    Case(("MaxAll",), lambda m, a: a.max(), [Arg((3, 4), kind="distinct")], name="max-all"),
    Case(("MaxAll",), lambda m, a: m.min(a), [Arg((3, 4), kind="distinct", noncontig=True)], name="min-all"),
    Case(("MaxAll",), lambda m, a: a.max(), [Arg(kind=_ties)], name="max-all-ties", gradcheck=False),
    Case(("MaxAll",), lambda m, a: a.min(), [Arg(kind=_ties)], name="min-all-ties", gradcheck=False),
    Case(("MaxAll",), lambda m, a: m.amax(a, 1), [Arg(kind=_ties)], name="amax-ties", gradcheck=False),
    Case(("MaxAll",), lambda m, a: m.amin(a, (0, 1), keepdim=True), [Arg(kind=_ties)], name="amin-ties",
         gradcheck=False),
    Case(("MaxAll",), lambda m, a: a.amax(-1), [Arg((2, 3, 4), kind="distinct")], name="amax-dim"),
    Case(("MaxAll",), lambda m, a: a.max(), [Arg((3, 4), kind="int", grad=False)], name="max-int"),
    # var / std
    Case(("Var",), lambda m, a: a.var(), [Arg((3, 4))], name="var-all"),
    Case(("Var",), lambda m, a: a.var(1, keepdim=True), [Arg((3, 4), noncontig=True)], name="var-dim"),
    Case(("Var",), lambda m, a: m.var(a, 0, unbiased=False), [Arg((3, 4))], name="var-biased"),
    Case(("Var",), lambda m, a: a.var((0, 2), correction=0), [Arg((2, 3, 4))], name="var-correction"),
    Case(("Var",), lambda m, a: a.std(), [Arg((3, 4))], name="std-all"),
    Case(("Var",), lambda m, a: a.std(-1), [Arg((3, 4))], name="std-dim"),
    Case(("Var",), lambda m, a: m.std(a, 0, keepdim=True, correction=0), [Arg((3, 4))], name="std-biased"),
    # std where it is 0 (constant rows): gradient 0 there, not NaN (no finite differences: |x| is not smooth at 0)
    Case(("Var",), lambda m, a: a.std(), [Arg(kind=lambda r: np.full((3, 4), 1.5, "float32"))], name="std-const",
         gradcheck=False),
    Case(("Var",), lambda m, a: m.std(a, 1, correction=0), [Arg(kind=lambda r: np.array(
        [[1.0, 1.0, 1.0], [0.5, 2.0, -1.0]], "float32"))], name="std-const-row", gradcheck=False),
    Case(("VarMean",), lambda m, a: m.std_mean(a, 1)[0], [Arg(kind=lambda r: np.zeros((2, 3), "float32"))],
         name="std_mean-const", gradcheck=False),
    # logsumexp, softmax, log_softmax
    Case(("LogSumExp",), lambda m, a: a.logsumexp(1), [Arg((3, 4))]),
    Case(("LogSumExp",), lambda m, a: m.logsumexp(a, (0, 1), keepdim=True), [Arg((3, 4), noncontig=True)],
         name="logsumexp-dims"),
    Case(("LogSumExp",), lambda m, a: m.logsumexp(a * 100, 0), [Arg((3, 4))], name="logsumexp-large"),
    Case(("Softmax",), lambda m, a: a.softmax(-1), [Arg((3, 4))]),
    Case(("Softmax",), lambda m, a: m.softmax(a, 0), [Arg((3, 4), noncontig=True)], name="softmax-dim0"),
    Case(("Softmax",), lambda m, a: m.softmax(a * 50, 1), [Arg((2, 3, 4))], name="softmax-large", gradcheck_atol=1e-4),
    Case(("LogSoftmax",), lambda m, a: a.log_softmax(-1), [Arg((3, 4))]),
    Case(("LogSoftmax",), lambda m, a: m.log_softmax(a, 1), [Arg((2, 3, 4), noncontig=True)], name="log_softmax-3d"),
    # cumulative
    Case(("CumSum",), lambda m, a: a.cumsum(1), [Arg((3, 4))]),
    Case(("CumSum",), lambda m, a: m.cumsum(a, 0), [Arg((3, 4), noncontig=True)], name="cumsum-dim0"),
    Case(("CumSum",), lambda m, a: a.cumsum(-1), [Arg((3, 4), kind="int", grad=False)], name="cumsum-int"),
    Case(("CumProd",), lambda m, a: a.cumprod(1), [Arg((3, 4), kind="positive")]),
    Case(("CumProd",), lambda m, a: m.cumprod(a, 0), [Arg((3, 4))], name="cumprod-dim0"),
    Case(("CumProd",), lambda m, a: a.cumprod(1), [Arg(kind=_two_zeros)], name="cumprod-zeros"),
    # integers accumulate in int64 unless a dtype is given, which is kept (uint8 wraps around, as PyTorch's)
    Case(("CumProd",), lambda m, a: a.cumprod(0), [Arg(kind=lambda r: np.array([1, 3, 200], "uint8"), grad=False)],
         name="cumprod-uint8"),
    Case(("CumProd",), lambda m, a: a.cumprod(0, dtype=m.uint8),
         [Arg(kind=lambda r: np.array([1, 3, 200], "uint8"), grad=False)], name="cumprod-dtype-uint8"),
    Case(("CumProd",), lambda m, a: m.cumprod(a, 0, dtype=m.int32),
         [Arg(kind=lambda r: np.array([1.5, 3, 300], "float32"), grad=False)], name="cumprod-dtype-int32"),
    # cummax / cummin: values and the index of the latest occurrence (ties move it; NaN wins)
    Case(("CumMax",), lambda m, a: tuple(a.cummax(1)), [Arg((3, 4), kind="distinct")], name="cummax"),
    Case(("CumMax",), lambda m, a: tuple(m.cummin(a, 0)), [Arg((3, 4), kind="distinct", noncontig=True)],
         name="cummin-dim0"),
    Case(("CumMax",), lambda m, a: tuple(m.cummax(a, dim=-2)), [Arg((2, 3, 4), kind="distinct")], name="cummax-3d"),
    Case(("CumMax",), lambda m, a: tuple(a.cummax(1)), [Arg(kind=_ties)], name="cummax-ties", gradcheck=False),
    Case(("CumMax",), lambda m, a: tuple(a.cummin(1)), [Arg(kind=_ties)], name="cummin-ties", gradcheck=False),
    Case(("CumMax",), lambda m, a: tuple(a.cummax(1)), [Arg(kind=_with_nans, grad=False)], name="cummax-nan"),
    Case(("CumMax",), lambda m, a: tuple(a.cummin(1)), [Arg(kind=_with_nans, grad=False)], name="cummin-nan"),
    Case(("CumMax",), lambda m, a: tuple(a.cummax(0)), [Arg((3, 4), kind="int", grad=False)], name="cummax-int"),
    Case(("CumMax",), lambda m, a: tuple(a.cummin(0)), [Arg((5,), kind="bool", grad=False)], name="cummin-bool"),
    Case(("CumMax",), lambda m, a: tuple(a.cummax(0)), [Arg(())], name="cummax-0d"),
    # norm
    Case(("Norm",), lambda m, a: a.norm(), [Arg((3, 4))], name="norm-fro"),
    Case(("Norm",), lambda m, a: a.norm(dim=1), [Arg((3, 4), noncontig=True)], name="norm-dim"),
    Case(("Norm",), lambda m, a: m.norm(a, 1, dim=0, keepdim=True), [Arg((3, 4))], name="norm-1", gradcheck=False),
    Case(("Norm",), lambda m, a: a.norm(3, dim=-1), [Arg((3, 4), kind="positive")], name="norm-3"),
    Case(("Norm",), lambda m, a: a.norm(float("inf"), dim=1), [Arg((3, 4), kind="distinct")], name="norm-inf"),
    # kthvalue / var_mean, std_mean / nansum / aminmax / logcumsumexp / dist
    Case(("Kthvalue",), lambda m, a: tuple(m.kthvalue(a, 2, dim=1)), [Arg((3, 4), kind="distinct")], name="kthvalue"),
    Case(("Kthvalue",), lambda m, a: tuple(a.kthvalue(3, 0, keepdim=True)), [Arg((4, 3), kind="distinct",
                                                                                noncontig=True)],
         name="kthvalue-keepdim"),
    Case(("VarMean",), lambda m, a: tuple(m.var_mean(a, 1)), [Arg((3, 4))], name="var_mean"),
    Case(("VarMean",), lambda m, a: tuple(m.var_mean(a, (0, 2), correction=0, keepdim=True)), [Arg((2, 3, 4))],
         name="var_mean-correction-keepdim"),
    Case(("VarMean",), lambda m, a: tuple(m.std_mean(a)), [Arg((3, 4))], name="std_mean"),
    Case(("VarMean",), lambda m, a: m.std_mean(a, 0)[1], [Arg((3, 4))], name="std_mean-mean-only"),
    Case(("Nansum",), lambda m, a: a.nansum(), [Arg(kind=_with_nans)], name="nansum"),
    Case(("Nansum",), lambda m, a: m.nansum(a, 1, keepdim=True), [Arg((3, 4))], name="nansum-dim"),
    Case(("Nansum", "Div"), lambda m, a: a.nanmean(0), [Arg(kind=_with_nans)], name="nanmean"),
    Case(("Aminmax",), lambda m, a: tuple(m.aminmax(a)), [Arg((3, 4), kind="distinct")], name="aminmax"),
    Case(("Aminmax",), lambda m, a: tuple(a.aminmax(dim=0, keepdim=True)), [Arg((3, 4), kind="distinct")],
         name="aminmax-dim"),
    Case(("Aminmax",), lambda m, a: tuple(a.aminmax(dim=1)), [Arg(kind=_ties)], name="aminmax-ties",
         gradcheck=False),
    Case(("Logcumsumexp",), lambda m, a: a.logcumsumexp(1), [Arg((3, 4))], name="logcumsumexp"),
    Case(("Logcumsumexp",), lambda m, a: m.logcumsumexp(a, 0), [Arg((4, 2, 3), noncontig=True)],
         name="logcumsumexp-dim0"),
    Case(("Dist",), lambda m, a, b: m.dist(a, b), [Arg((3, 4)), Arg((4,))], name="dist"),
    Case(("Dist",), lambda m, a, b: a.dist(b, 3), [Arg((3, 4)), Arg((3, 4))], name="dist-p3"),
]

# unique of an input requiring grad: recorded as PyTorch records it, a node with no derivative
CASES += [
    Case(("UniqueValues",), lambda m, a: m.unique(a), [Arg((8,), kind=lambda rng: rng.integers(0, 4, 8) * 0.5)],
         name="unique-requires-grad", backward=False),
    Case(("UniqueValues",), lambda m, a: m.unique_consecutive(a),
         [Arg((8,), kind=lambda rng: rng.integers(0, 3, 8) * 1.0)],
         name="unique_consecutive-requires-grad", backward=False),
]
