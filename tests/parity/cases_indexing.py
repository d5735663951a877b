"""Parity rows for ember/_ops/indexing.py (index_*, scatter_reduce, masked_scatter, *_scatter, as_strided)."""

import warnings

import numpy as np

from tests.parity.harness import Arg, Case


def _const(arr, dtype="int64"):
    return Arg(kind=lambda rng: np.asarray(arr, dtype=dtype), grad=False)


def _idx(shape, high):
    return Arg(shape, kind="index", high=high, grad=False)


def _ties(rng):
    """Source values with ties inside scatter groups and with the matching self values."""
    return np.array([[1.0, 2.0, 0.5, 2.0], [1.0, -1.0, 0.5, 3.0], [0.0, 2.0, 0.5, -3.0]], dtype="float32")


def _self_ties(rng):
    return np.array([[1.0, 0.0, 0.5, 3.0], [-2.0, 2.0, 0.0, 1.0]], dtype="float32")


def _zeros_src(rng):
    a = rng.uniform(0.5, 1.5, (4, 3)).astype("float32")
    a[0, 1] = a[2, 1] = a[1, 2] = 0.0  # two zeros in one group, one in another
    return a


def _zeros_self(rng):
    a = rng.uniform(0.5, 1.5, (3, 3)).astype("float32")
    a[0, 0] = 0.0
    return a


def _nan_rows(rng):
    a = rng.permutation(15).astype("float32").reshape(3, 5) * 0.3 - 2.0
    a[0, 1] = a[0, 3] = a[2, 4] = np.nan
    return a


def _mask(rng):
    return np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])


def _index_reduce(m, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's "index_reduce() is in beta" warning
        return m.index_reduce(*args, **kw)


_IDX_ROWS = _const([0, 2, 0, 1])  # rows 0 repeated; for 4 source rows into 3
_SCATTER_IDX = _const([[0, 1, 0, 2], [2, 1, 0, 2], [0, 1, 1, 2]])  # (3, 4) into (3, 4) along dim 0


CASES = [
    # index_add / index_copy
    Case(("IndexAdd",), lambda m, a, i, s: m.index_add(a, 0, i, s), [Arg((3, 3)), _IDX_ROWS, Arg((4, 3))],
         name="index_add"),
    Case(("IndexAdd",), lambda m, a, i, s: a.index_add(1, i, s, alpha=-2.5),
         [Arg((2, 3), noncontig=True), _IDX_ROWS, Arg((2, 4))], name="index_add-dim1-alpha"),
    Case(("IndexAdd",), lambda m, a, i, s: a.index_add(-1, i, s), [Arg((2, 2, 3)), _IDX_ROWS, Arg((2, 2, 4))],
         name="index_add-3d"),
    Case(("IndexCopy",), lambda m, a, i, s: m.index_copy(a, 0, i, s),
         [Arg((4, 3)), _const([3, 0]), Arg((2, 3))], name="index_copy"),
    Case(("IndexCopy",), lambda m, a, i, s: a.index_copy(1, i, s),
         [Arg((2, 4)), _const([1, 3, 0]), Arg((2, 3), noncontig=True)], name="index_copy-dim1"),
    # index_reduce
    Case(("IndexReduce",), lambda m, a, i, s: _index_reduce(m, a, 0, i, s, "prod"),
         [Arg((3, 3)), _IDX_ROWS, Arg((4, 3))], name="index_reduce-prod"),
    Case(("IndexReduce",), lambda m, a, i, s: _index_reduce(m, a, 0, i, s, "prod", include_self=False),
         [Arg(kind=_zeros_self), _IDX_ROWS, Arg(kind=_zeros_src)], name="index_reduce-prod-zeros"),
    Case(("IndexReduce",), lambda m, a, i, s: _index_reduce(m, a, 0, i, s, "mean"),
         [Arg((3, 3)), _IDX_ROWS, Arg((4, 3))], name="index_reduce-mean"),
    Case(("IndexReduce",), lambda m, a, i, s: _index_reduce(m, a, 1, i, s, "mean", include_self=False),
         [Arg((2, 3)), _IDX_ROWS, Arg((2, 4))], name="index_reduce-mean-exclude"),
    Case(("IndexReduce",), lambda m, a, i, s: _index_reduce(m, a, 0, i, s, "amax"),
         [Arg((3, 3), kind="distinct"), _IDX_ROWS, Arg((4, 3), kind="distinct")], name="index_reduce-amax"),
    Case(("IndexReduce",), lambda m, a, i, s: _index_reduce(m, a, 1, i, s, "amin", include_self=False),
         [Arg(kind=_self_ties), _const([0, 3, 0, 1]), Arg(kind=lambda r: _ties(r)[:2])],
         name="index_reduce-amin-ties", gradcheck=False),
    Case(("IndexReduce",), lambda m, a, i, s: _index_reduce(m, a, 1, i, s, "amax"),
         [Arg(kind=_self_ties), _const([0, 3, 0, 1]), Arg(kind=lambda r: _ties(r)[:2])],
         name="index_reduce-amax-ties", gradcheck=False),
    # scatter_reduce
    Case(("ScatterReduce",), lambda m, a, i, s: m.scatter_reduce(a, 0, i, s, "sum"),
         [Arg((3, 4)), _SCATTER_IDX, Arg((3, 4))], name="scatter_reduce-sum"),
    Case(("ScatterReduce",), lambda m, a, i, s: a.scatter_reduce(0, i, s, "sum", include_self=False),
         [Arg((3, 4)), _SCATTER_IDX, Arg((4, 5))], name="scatter_reduce-sum-exclude-bigger-src",
         backward=False),  # PyTorch's backward rejects a src larger than index (ember pads with zeros)
    Case(("ScatterReduce",), lambda m, a, i, s: m.scatter_reduce(a, 1, i, s, "prod"),
         [Arg((3, 3)), _idx((3, 4), 3), Arg((3, 4))], name="scatter_reduce-prod"),
    Case(("ScatterReduce",), lambda m, a, i, s: m.scatter_reduce(a, 1, i, s, "prod", include_self=False),
         [Arg((3, 3)), _const([[0, 0, 1, 1], [2, 2, 2, 0], [1, 1, 1, 1]]),
          Arg(kind=lambda r: _zeros_src(r).T.copy())], name="scatter_reduce-prod-zeros"),
    Case(("ScatterReduce",), lambda m, a, i, s: m.scatter_reduce(a, 0, i, s, "mean"),
         [Arg((3, 4)), _SCATTER_IDX, Arg((3, 4))], name="scatter_reduce-mean"),
    Case(("ScatterReduce",), lambda m, a, i, s: m.scatter_reduce(a, 0, i, s, "mean", include_self=False),
         [Arg((3, 4)), _SCATTER_IDX, Arg((3, 4), noncontig=True)], name="scatter_reduce-mean-exclude"),
    Case(("ScatterReduce",), lambda m, a, i, s: m.scatter_reduce(a, 0, i, s, "amax"),
         [Arg((3, 4), kind="distinct"), _SCATTER_IDX, Arg((3, 4), kind="distinct")], name="scatter_reduce-amax"),
    Case(("ScatterReduce",), lambda m, a, i, s: m.scatter_reduce(a, 0, i, s, "amax"),
         [Arg(kind=lambda r: _self_ties(r)[:1].repeat(3, 0)), _SCATTER_IDX, Arg(kind=_ties)],
         name="scatter_reduce-amax-ties", gradcheck=False),
    Case(("ScatterReduce",), lambda m, a, i, s: m.scatter_reduce(a, 0, i, s, "amin", include_self=False),
         [Arg(kind=lambda r: _self_ties(r)[:1].repeat(3, 0)), _SCATTER_IDX, Arg(kind=_ties)],
         name="scatter_reduce-amin-ties-exclude", gradcheck=False),
    Case(("ScatterReduce",), lambda m, a, i, s: m.scatter_reduce(a, 0, i, s, "sum"),
         [Arg((3, 4), kind="int", grad=False), _SCATTER_IDX, Arg((3, 4), kind="int", grad=False)],
         name="scatter_reduce-int"),
    Case(("ScatterReduce",), lambda m, a, i, s: m.scatter_reduce(a, 0, i, s, "mean", include_self=False),
         [Arg((3, 4), kind="int", grad=False, high=9), _SCATTER_IDX, Arg((3, 4), kind="int", grad=False, high=9)],
         name="scatter_reduce-int-mean"),
    # masked_scatter
    Case(("MaskedScatter",), lambda m, a, k, s: m.masked_scatter(a, k, s),
         [Arg((3, 4)), Arg(kind=_mask, grad=False), Arg((3, 4))], name="masked_scatter"),
    Case(("MaskedScatter",), lambda m, a, k, s: a.masked_scatter(k, s),
         [Arg((4,)), Arg(kind=_mask, grad=False), Arg((10,))], name="masked_scatter-broadcast-self"),
    Case(("MaskedScatter",), lambda m, a, k, s: a.masked_scatter(k, s),
         [Arg((3, 4), noncontig=True), Arg((4,), kind="bool", grad=False), Arg((2, 7))],
         name="masked_scatter-broadcast-mask"),
    # *_scatter
    Case(("SelectScatter",), lambda m, a, s: m.select_scatter(a, s, 1, -1), [Arg((3, 4)), Arg((3,))],
         name="select_scatter"),
    Case(("SliceScatter",), lambda m, a, s: m.slice_scatter(a, s, 1, 0, None, 2), [Arg((3, 4)), Arg((3, 2))],
         name="slice_scatter"),
    Case(("SliceScatter",), lambda m, a, s: a.slice_scatter(s, start=-3, end=-1),
         [Arg((4, 2)), Arg((2, 2), noncontig=True)], name="slice_scatter-negative"),
    Case(("DiagonalScatter",), lambda m, a, s: m.diagonal_scatter(a, s), [Arg((3, 4)), Arg((3,))],
         name="diagonal_scatter"),
    Case(("DiagonalScatter",), lambda m, a, s: a.diagonal_scatter(s, -1, 2, 0), [Arg((3, 2, 4)), Arg((2, 3))],
         name="diagonal_scatter-3d-offset"),
    # as_strided
    Case(("AsStrided",), lambda m, a: m.as_strided(a, (2, 3), (1, 2)), [Arg((3, 4))], name="as_strided"),
    Case(("AsStrided",), lambda m, a: a.as_strided((3, 3), (1, 1), 2), [Arg((12,))],
         name="as_strided-overlap-offset"),
    Case(("AsStrided",), lambda m, a: a.as_strided((2, 2, 2), (4, 0, 3)), [Arg((2, 4))],
         name="as_strided-zero-stride"),
    # as_strided_scatter: ``input`` without grad, for PyTorch 2.13 gives it the complementary (wrong) gradient, and
    # forward only for a non-contiguous input, whose window PyTorch reads the gradient of ``src`` through with a
    # contiguous layout; ember's gradients are checked by float64 gradchecks (here and in tests/test_tensor_misc.py)
    Case(("AsStridedScatter",), lambda m, a, s: m.as_strided_scatter(a, s, (2, 3), (1, 2), 1),
         [Arg((3, 4), grad=False), Arg((2, 3))], name="as_strided_scatter"),
    Case(("AsStridedScatter",), lambda m, a, s: a.as_strided_scatter(s, (2, 2), (1, 3)),
         [Arg((2, 3), grad=False, noncontig=True), Arg((2, 2))], name="as_strided_scatter-noncontig-input",
         backward=False),
    Case(("NanMedianAll",), lambda m, a: m.nanmedian(a), [Arg(kind=_nan_rows)], name="nanmedian-all"),
    Case(("NanMedianAll",), lambda m, a: a.nanmedian(), [Arg(kind=_ties)], name="nanmedian-all-ties", gradcheck=False),
    # functions composed from registered ops (the rows name the ops they run through)
    Case(("Gather", "Lerp"), lambda m, a: m.quantile(a, m.tensor([0.1, 0.5, 0.9], dtype=a.dtype), dim=1,
                                                                 keepdim=True),
         [Arg((3, 6), kind="distinct")], name="quantile-linear"),
    Case(("Gather",), lambda m, a: m.quantile(a, 0.3, interpolation="nearest"), [Arg((3, 5), kind="distinct")],
         name="quantile-nearest"),
    Case(("Gather", "Lerp"), lambda m, a: a.quantile(0.45, 0, interpolation="midpoint"),
         [Arg((4, 3), kind="distinct", noncontig=True)], name="quantile-midpoint"),
    Case(("Gather", "Lerp"), lambda m, a: m.nanquantile(a, m.tensor([0.25, 0.75], dtype=a.dtype), dim=-1),
         [Arg(kind=_nan_rows)], name="nanquantile"),
    Case(("Gather",), lambda m, a: m.nanmedian(a, 1), [Arg(kind=_nan_rows)], name="nanmedian-dim"),
    Case(("Gather",), lambda m, a: m.mode(a, 0, keepdim=True), [Arg(kind=_ties)], name="mode",
         gradcheck=False),  # ties: finite differences break them
    Case(("MatMul", "Mean"), lambda m, a: m.cov(a), [Arg((3, 5))], name="cov"),
    Case(("MatMul", "Sum"), lambda m, a, w: m.cov(a, correction=2, fweights=m.tensor([1, 2, 1, 3, 1]), aweights=w),
         [Arg((3, 5)), Arg((5,), kind="positive")], name="cov-weights"),
    Case(("MatMul", "Clamp"), lambda m, a: m.corrcoef(a), [Arg((3, 5))], name="corrcoef"),
    Case(("Renorm",), lambda m, a: m.renorm(a, 2, 0, 1.0), [Arg((3, 4))], name="renorm"),
    Case(("Renorm",), lambda m, a: a.renorm(1.5, 2, 0.7), [Arg((2, 3, 4))], name="renorm-p1.5-dim2"),
    Case(("Renorm",), lambda m, a: a.renorm(float("inf"), 1, 0.5), [Arg((3, 4), kind="distinct")],
         name="renorm-inf"),
    Case(("Index",), lambda m, a: m.combinations(a, 2), [Arg((4,))], name="combinations"),
    Case(("Index",), lambda m, a: m.combinations(a, 2, with_replacement=True), [Arg((3,))],
         name="combinations-replacement"),
    Case(("DiagEmbed",), lambda m, a: m.diagflat(a, 1), [Arg((2, 2))], name="diagflat"),
    Case(("Index",), lambda m, a: m.hsplit(a, [1, 3]), [Arg((2, 5))], name="hsplit"),
    Case(("Index",), lambda m, a: a.dsplit(2), [Arg((2, 2, 4))], name="dsplit"),
    Case(("View",), lambda m, a, b: m.atleast_3d(a, b), [Arg((3,)), Arg((2, 3))], name="atleast_3d"),
]
