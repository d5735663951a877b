"""ember/_functions_indexing.py against PyTorch: index/scatter functions, splitting helpers and statistics.

Values, named-tuple fields, dtypes, shapes, gradients and error types/messages, side by side.
"""

import re
import warnings

import numpy as np
import pytest

import ember
from tests._helpers import callconv_outcome, into, result_or_error

_rng = np.random.default_rng(0)
_A = _rng.standard_normal((3, 4)).astype("float32")
_B = _rng.standard_normal((4, 4)).astype("float32")
_C = _rng.standard_normal((2, 3, 4)).astype("float32")
_V = _rng.standard_normal(7).astype("float32")
_NAN = _rng.standard_normal((3, 5)).astype("float32")
_NAN[0, [1, 3]] = np.nan
_NAN[2, :] = np.nan
_NAN[1, 4] = np.nan
_INT = _rng.integers(0, 4, (3, 6))
_NAN_ROWS = _NAN[:2].copy()  # PyTorch's index for an all-NaN row is arbitrary (not compared)
_MODE_NAN = np.array([[np.nan, np.nan, 1, 2], [1, np.nan, 1, np.nan], [3, np.nan, 3, 1], [np.nan, 2, np.nan, 2],
                      [np.inf, np.nan, np.inf, 1], [np.nan, 0, 1, np.nan], [np.nan] * 4, [2, 1, 2, 1],
                      [0, -0.0, 0, np.nan]], dtype="float32")
_MODE_NAN_3D = _rng.choice([1.0, 2.0, np.nan], size=(3, 13, 4)).astype("float32")
_MEDIAN_NAN = np.array([[np.nan] * 6, [1, np.nan, 2, 2, np.nan, 0], [np.nan, np.nan, np.nan, np.nan, np.nan, 3]],
                       dtype="float32")
_TIES = np.array([[1.0, 3.0, 3.0, -2.0, 1.0], [0.5, 0.5, -1.0, 0.5, 2.0], [2.0, -4.0, 1.0, -4.0, 2.0]],
                 dtype="float32")


def _is_float(t):
    return t.dtype.is_floating_point


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for item in out for o in _flat(item)]
    return [out]


def _run(lib, fn, arrays, grad=True):
    args = [lib.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's beta warnings (index_reduce)
        out = fn(lib, *args)
    outs = _flat(out)
    grads = []
    if grad and any(o.requires_grad for o in outs):
        total = sum((o * (k + 1.5)).sum() for k, o in enumerate(outs) if o.requires_grad)
        total.backward()
        grads = [a.grad.numpy() if a.grad is not None else None for a in args]
    return out, [o.detach().numpy() for o in outs], grads, [str(o.dtype).split(".")[-1] for o in outs], \
        [tuple(o.shape) for o in outs]


def _compare(torch, fn, arrays, grad=True, rtol=1e-5, atol=1e-6):
    e_out, e_vals, e_grads, e_dt, e_sh = _run(ember, fn, arrays, grad)
    t_out, t_vals, t_grads, t_dt, t_sh = _run(torch, fn, arrays, grad)
    assert e_sh == t_sh
    assert e_dt == t_dt
    assert type(e_out).__name__ == type(t_out).__name__  # tensor / tuple / named tuple (same class name)
    if hasattr(t_out, "_fields"):
        assert e_out._fields == tuple(t_out._fields)
    for e, t in zip(e_vals, t_vals):
        np.testing.assert_allclose(e, t, rtol=rtol, atol=atol, equal_nan=True)
    assert len(e_grads) == len(t_grads)
    for e, t in zip(e_grads, t_grads):
        if t is None:
            assert e is None or not np.any(e)
        else:
            np.testing.assert_allclose(e, t, rtol=1e-4, atol=1e-5)
    return e_out, t_out


def _idx(*v):
    return np.asarray(v, dtype="int64")


CASES = {
    # index_* along one dimension
    "index_add": (lambda m, x, s: m.index_add(x, 0, m.tensor([2, 0, 2, 1]), s), [_A[:3, :3], _B[:, :3]]),
    "index_add-method-alpha": (lambda m, x, s: x.index_add(1, m.tensor([3, 3], dtype=m.int32), s, alpha=2),
                               [_A, _A[:, :2]]),
    "index_add-int": (lambda m, x, s: m.index_add(x, 1, m.tensor([0, 0]), s), [_INT, _INT[:, :2]]),
    "index_add-scalar": (lambda m, x, s: m.index_add(x, 0, m.tensor([0]), s), [_V[0], _V[1]]),
    "index_copy": (lambda m, x, s: m.index_copy(x, 1, m.tensor([3, 0]), s), [_A, _A[:, 1:3]]),
    "index_copy-method": (lambda m, x, s: x.index_copy(0, m.tensor([1]), s), [_C, _C[:1]]),
    "index_fill": (lambda m, x: m.index_fill(x, 1, m.tensor([-1, 0]), 2.5), [_A]),
    "index_fill-tensor-value": (lambda m, x, v: x.index_fill(0, m.tensor([1]), v), [_A, np.float32(3.0)]),
    "index_fill-int": (lambda m, x: m.index_fill(x, 0, m.tensor([2]), -7), [_INT]),
    "index_fill-int-float-value": (lambda m, x: m.index_fill(x.int(), 0, m.tensor(1), 1.5), [_INT]),
    "index_fill-scalar": (lambda m, x: m.index_fill(x, 0, m.tensor([0]), 1.0), [np.float32(2.0)]),
    "index_add-0d-index": (lambda m, x, s: m.index_add(x, 0, m.tensor(1), s), [_A, _A[:1]]),
    "index_copy-0d-index": (lambda m, x, s: m.index_copy(x, 0, m.tensor(2), s), [_A, _A[:1]]),
    "index_copy-scalar": (lambda m, x, s: m.index_copy(x, 0, m.tensor([0]), s), [_V[0], _V[1]]),
    "index_reduce-prod": (lambda m, x, s: m.index_reduce(x, 0, m.tensor([0, 2, 0, 0]), s, "prod"),
                          [_A[:, :3], _B[:, :3]]),
    "index_reduce-mean-exclude": (lambda m, x, s: x.index_reduce(1, m.tensor([1, 1, 3]), s, "mean",
                                                                 include_self=False), [_A, _A[:, :3]]),
    "index_reduce-mean-int": (lambda m, x, s: m.index_reduce(x, 0, m.tensor([0, 0, 1]), s, "mean"),
                              [_INT, _INT * 3 - 5]),
    "index_reduce-amax-ties": (lambda m, x, s: m.index_reduce(x, 1, m.tensor([0, 0, 1, 1, 4]), s, "amax"),
                               [_TIES, _TIES]),
    "index_reduce-amin-exclude-int": (lambda m, x, s: m.index_reduce(x, 1, m.tensor([0, 5]), s, "amin",
                                                                     include_self=False), [_INT, _INT[:, :2]]),
    # scatter_reduce
    "scatter_reduce-sum": (lambda m, x, s: m.scatter_reduce(x, 1, m.tensor(_INT[:, :5] % 4), s, "sum"),
                           [_A, _TIES]),
    "scatter_reduce-prod-exclude": (lambda m, x, s: x.scatter_reduce(0, m.tensor([[0, 1, 0, 0], [0, 1, 2, 2]]), s,
                                                                     "prod", include_self=False), [_A, _A[:2]]),
    "scatter_reduce-mean": (lambda m, x, s: m.scatter_reduce(x, 0, m.tensor(_INT[:, :4] % 3), s, "mean"),
                            [_A, _B[:3]]),
    "scatter_reduce-amax-ties": (lambda m, x, s: m.scatter_reduce(x, 1, m.tensor([[0, 0, 1, 1, 0]] * 3), s, "amax"),
                                 [_TIES[:, :2], _TIES]),
    "scatter_reduce-amin-ties-exclude": (lambda m, x, s: m.scatter_reduce(x, 1, m.tensor([[0, 0, 1, 1, 0]] * 3), s,
                                                                          "amin", include_self=False),
                                         [_TIES[:, :2] * 0 + 0.5, _TIES]),
    "scatter_reduce-1d": (lambda m, x, s: m.scatter_reduce(x, 0, m.tensor([0, 1, 0, 1, 4, 4, 4]), s, "amax"),
                          [_V[:5], _V]),
    "scatter_reduce-bool-sum": (lambda m, x, s: m.scatter_reduce(x, 0, m.tensor([1, 0]), s, "sum"),
                                [np.array([True, False]), np.array([True, True])]),
    "scatter_reduce-int-amax-exclude": (lambda m, x, s: m.scatter_reduce(x, 0, m.tensor([0, 0]), s, "amax",
                                                                         include_self=False),
                                        [_idx(1, 2), _idx(-3, -3)]),
    # index_put / put
    "index_put": (lambda m, x, v: m.index_put(x, (m.tensor([0, 2]), m.tensor([1, 3])), v), [_A, _V[:2]]),
    "index_put-accumulate": (lambda m, x, v: x.index_put((m.tensor([1, 1, -1]),), v, accumulate=True),
                             [_A, _A[0]]),
    "index_put-bool": (lambda m, x: m.index_put(x, (m.tensor(_A > 0),), m.tensor(0.5)), [_A]),
    "index_put-list": (lambda m, x, v: m.index_put(x, [m.tensor([2, 0])], v), [_A, _A[:2]]),
    "put": (lambda m, x, v: m.put(x, m.tensor([[0, -1], [5, 6]]), v), [_A, _A[:2, :2]]),
    "put-accumulate": (lambda m, x, v: x.put(m.tensor([3, 3, 0]), v, accumulate=True), [_A, _V[:3]]),
    # masked_scatter / *_scatter / as_strided
    "masked_scatter": (lambda m, x, s: m.masked_scatter(x, m.tensor(_A > 0), s), [_A, _B]),
    "masked_scatter-broadcast": (lambda m, x, s: x.masked_scatter(m.tensor([[True], [False], [True]]), s),
                                 [_A[0], _B]),
    "masked_scatter-int": (lambda m, x, s: m.masked_scatter(x, m.tensor(_INT > 1), s), [_INT, _INT * 10]),
    "select_scatter": (lambda m, x, s: m.select_scatter(x, s, 0, -1), [_A, _A[0]]),
    "select_scatter-cast": (lambda m, x, s: m.select_scatter(x, s, 1, 2), [_A, _INT[:, 0]]),
    "slice_scatter": (lambda m, x, s: m.slice_scatter(x, s, 1, 1, 10, 2), [_A, _A[:, :2]]),
    "slice_scatter-defaults": (lambda m, x, s: x.slice_scatter(s), [_A, _A * 2]),
    "diagonal_scatter": (lambda m, x, s: m.diagonal_scatter(x, s, 1), [_A, _V[:3]]),
    "diagonal_scatter-3d": (lambda m, x, s: m.diagonal_scatter(x, s, 0, -1, 0), [_C, _A[:, :2]]),
    "as_strided": (lambda m, x: m.as_strided(x, (3, 2), (2, 3), 1), [_A]),
    "as_strided-overlap": (lambda m, x: x.as_strided((4, 3), (1, 1)) * 2, [_A]),
    "as_strided-empty": (lambda m, x: m.as_strided(x, (3, 0), (40, 1), 13), [_A]),
    # splitting / stacking
    "split_with_sizes": (lambda m, x: m.split_with_sizes(x, [1, 3], 1), [_A]),
    "split_with_sizes-method": (lambda m, x: x.split_with_sizes((2, 1)), [_A]),
    "unsafe_split": (lambda m, x: m.unsafe_split(x, 3, 1), [_A]),
    "unsafe_chunk": (lambda m, x: x.unsafe_chunk(2, 0), [_A]),
    "unsafe_split_with_sizes": (lambda m, x: m.unsafe_split_with_sizes(x, [3, 1], -1), [_A]),
    "hsplit": (lambda m, x: m.hsplit(x, 2), [_A]),
    "hsplit-1d-indices": (lambda m, x: x.hsplit([2, 5]), [_V]),
    "vsplit": (lambda m, x: m.vsplit(x, [1]), [_A]),
    "dsplit": (lambda m, x: m.dsplit(x, 4), [_C]),
    "dsplit-indices": (lambda m, x: x.dsplit((1, 3)), [_C]),
    "atleast_1d": (lambda m, x: m.atleast_1d(x), [np.float32(2.0)]),
    "atleast_1d-many": (lambda m, x, y: m.atleast_1d(x, y), [np.float32(2.0), _V]),
    "atleast_2d-list": (lambda m, x, y, z: m.atleast_2d([x, y, z]), [np.float32(2.0), _V, _C]),
    "atleast_3d-tuple": (lambda m, x, y, z: m.atleast_3d((x, y, z)), [np.float32(2.0), _V, _A]),
    "atleast_3d-single": (lambda m, x: m.atleast_3d(x), [_A]),
    "atleast_3d-one-in-list": (lambda m, x: m.atleast_3d([x]), [_V]),
    "row_stack": (lambda m, x, y: m.row_stack([x, y]), [_A[0], _A]),
    "diagflat": (lambda m, x: m.diagflat(x), [_A[:2, :2]]),
    "diagflat-offset": (lambda m, x: x.diagflat(-2), [_V[:3]]),
    "combinations": (lambda m, x: m.combinations(x), [_V[:4]]),
    "combinations-r3-replacement": (lambda m, x: m.combinations(x, 3, with_replacement=True), [_V[:3]]),
    "combinations-r0": (lambda m, x: m.combinations(x, 0), [_INT[0]]),
    "combinations-r-too-big": (lambda m, x: m.combinations(x, 5), [_INT[0, :3]]),
    "combinations-empty": (lambda m, x: m.combinations(x, 2), [np.zeros(0, dtype="float32")]),
    "vander": (lambda m, x: m.vander(x), [_V[:4]], False),
    "vander-N-increasing": (lambda m, x: m.vander(x, N=5, increasing=True), [_V[:3]], False),
    "vander-with-zero": (lambda m, x: m.vander(x, 4), [np.array([0.0, 2.0, -1.5], dtype="float32")], False),
    "vander-int": (lambda m, x: m.vander(x), [_idx(1, 2, 3)]),
    "vander-int32": (lambda m, x: m.vander(x.int(), 2), [_idx(1, 2, 3)]),
    "vander-bool": (lambda m, x: m.vander(x), [np.array([True, False])]),
    "vander-N0": (lambda m, x: m.vander(x, N=0), [_V[:3]]),
    "vander-N1": (lambda m, x: m.vander(x, N=1), [_V[:3]]),
    # PyTorch 2.13's own vander backward fails (in-place on a saved tensor): values only, gradients below
    # statistics
    "quantile": (lambda m, x: m.quantile(x, 0.4), [_A]),
    "quantile-dim-tensor-q": (lambda m, x: m.quantile(x, m.tensor([0.0, 0.25, 0.5, 1.0]), dim=1), [_A]),
    "quantile-keepdim-all": (lambda m, x: x.quantile(m.tensor([0.3, 0.7]), keepdim=True), [_C]),
    "quantile-keepdim-dim": (lambda m, x: m.quantile(x, 0.3, dim=-2, keepdim=True), [_C]),
    "quantile-0d-q-tensor": (lambda m, x: m.quantile(x, m.tensor(0.9), dim=0), [_A]),
    "quantile-lower": (lambda m, x: m.quantile(x, m.tensor([0.1, 0.5, 0.77]), 1, interpolation="lower"), [_A]),
    "quantile-higher": (lambda m, x: m.quantile(x, m.tensor([0.1, 0.5, 0.77]), 1, interpolation="higher"), [_A]),
    "quantile-midpoint": (lambda m, x: m.quantile(x, m.tensor([0.1, 0.5, 0.77]), 1, interpolation="midpoint"),
                          [_A]),
    "quantile-nearest-half-even": (lambda m, x: m.quantile(x, m.tensor([0.125, 0.375, 0.625, 0.875]),
                                                           interpolation="nearest"), [_V[:5]]),
    "quantile-nan": (lambda m, x: m.quantile(x, 0.5, dim=1), [_NAN]),
    "quantile-0d": (lambda m, x: m.quantile(x, 0.3, dim=0, keepdim=True), [np.float32(3.0)]),
    "quantile-float64": (lambda m, x: m.quantile(x.double(), m.tensor([0.2], dtype=m.float64), 0), [_A]),
    "nanquantile": (lambda m, x: m.nanquantile(x, m.tensor([0.2, 0.5, 1.0]), dim=1, keepdim=True), [_NAN]),
    "nanquantile-all": (lambda m, x: x.nanquantile(0.6), [_NAN]),
    "nanquantile-nearest": (lambda m, x: m.nanquantile(x, 0.5, 1, interpolation="nearest"), [_NAN]),
    "nanmedian": (lambda m, x: m.nanmedian(x), [_NAN]),
    "nanmedian-dim": (lambda m, x: m.nanmedian(x, 1), [_NAN_ROWS]),
    "nanmedian-keepdim": (lambda m, x: x.nanmedian(-1, keepdim=True), [_NAN_ROWS]),
    "nanmedian-ties": (lambda m, x: m.nanmedian(x), [_TIES]),
    "nanmedian-all-nan-grad-shared": (lambda m, x: m.nanmedian(x), [np.full(4, np.nan, dtype="float32")]),
    "nanmedian-int": (lambda m, x: m.nanmedian(x, -1), [_INT]),
    "nanmedian-int-all": (lambda m, x: m.nanmedian(x), [_INT]),
    "nanmedian-0d": (lambda m, x: m.nanmedian(x, 0), [np.float32(5.0)]),
    "nanmedian-empty": (lambda m, x: m.nanmedian(x), [np.zeros(0, dtype="float32")]),
    "nanmedian-empty-other-dim": (lambda m, x: m.nanmedian(x, 0), [np.zeros((2, 0), dtype="float32")]),
    "mode": (lambda m, x: m.mode(x), [_INT]),
    "mode-dim0-keepdim": (lambda m, x: x.mode(0, keepdim=True), [_INT]),
    "mode-float-ties": (lambda m, x: m.mode(x, 1), [_TIES]),
    "mode-nan": (lambda m, x: m.mode(x), [np.array([1.0, 2, 2, 1, 3, np.nan, np.nan, np.nan], dtype="float32")]),
    "mode-0d": (lambda m, x: m.mode(x), [np.float32(5.0)]),
    "mode-bool": (lambda m, x: m.mode(x), [np.array([True, False, True])]),
    "mode-empty-other-dim": (lambda m, x: m.mode(x, 0), [np.zeros((2, 0), dtype="float32")]),
    # PyTorch's mode sorts each row with std::sort, where a NaN compares false both ways: NaNs are runs of one,
    # stay in place and hold other values back, which decides both the mode and its index
    "mode-nan-rows": (lambda m, x: m.mode(x, 1), [_MODE_NAN]),
    "mode-nan-rows-keepdim": (lambda m, x: x.mode(-1, keepdim=True), [_MODE_NAN.astype("float64")]),
    "mode-nan-columns": (lambda m, x: m.mode(x, 0), [np.ascontiguousarray(_MODE_NAN.T)]),
    "mode-nan-3d": (lambda m, x: m.mode(x, 1), [_MODE_NAN_3D]),
    # a row of only NaN: the index C++ nth_element leaves at the front when every comparison is false
    "nanmedian-all-nan-rows": (lambda m, x: m.nanmedian(x, 1), [np.full((3, 11), np.nan, dtype="float32")]),
    "nanmedian-all-nan-columns": (lambda m, x: m.nanmedian(x, 0, keepdim=True),
                                  [np.full((37, 2), np.nan, dtype="float32")]),
    "nanmedian-all-nan-row-among-others": (lambda m, x: m.nanmedian(x, 1), [_MEDIAN_NAN]),
    "unique_consecutive": (lambda m, x: m.unique_consecutive(x), [_idx(1, 1, 2, 2, 3, 1, 1, 2)]),
    "unique_consecutive-all": (lambda m, x: x.unique_consecutive(return_inverse=True, return_counts=True),
                               [_INT // 2]),
    "unique_consecutive-counts": (lambda m, x: m.unique_consecutive(x, return_counts=True),
                                  [np.array([1.0, np.nan, np.nan, 2, 2], dtype="float32")], False),
    "unique_consecutive-dim0": (lambda m, x: m.unique_consecutive(x, return_inverse=True, return_counts=True,
                                                                  dim=0), [_idx([1, 1], [1, 1], [2, 3], [1, 1])]),
    "unique_consecutive-dim1": (lambda m, x: m.unique_consecutive(x, return_inverse=True, dim=1),
                                [_idx([1, 1, 2], [1, 1, 2])]),
    "unique_consecutive-empty": (lambda m, x: m.unique_consecutive(x, return_inverse=True, return_counts=True),
                                 [np.zeros(0, dtype="float32")], False),
    "unique_consecutive-0d": (lambda m, x: m.unique_consecutive(x, return_inverse=True, return_counts=True),
                              [np.float32(3.0)], False),
    "histogram": (lambda m, x: m.histogram(x, 5), [_A], False),
    "histogram-range": (lambda m, x: m.histogram(x, bins=4, range=(0.0, 3.0)), [np.array([1, 2, 1, 3, -1, 5.],
                                                                                        dtype="float32")], False),
    "histogram-range-int": (lambda m, x: m.histogram(x, bins=4, range=(0, 3)), [_A], False),
    "histogram-edges-weight-density": (lambda m, x, w: m.histogram(x, m.tensor([-1.0, 0.0, 0.5, 2.0]), weight=w,
                                                                   density=True), [_A, np.abs(_B[:3])], False),
    "histogram-density": (lambda m, x: x.histogram(7, density=True), [_C], False),
    "histogram-constant": (lambda m, x: m.histogram(x, 4), [np.ones(3, dtype="float32")], False),
    "histogram-empty": (lambda m, x: m.histogram(x, 4), [np.zeros(0, dtype="float32")], False),
    "histogram-float64": (lambda m, x: m.histogram(x.double(), 6), [_C], False),
    "histogram-default-bins": (lambda m, x: m.histogram(x), [_C], False),  # 100 bins, as PyTorch
    "histogram-method-default-bins": (lambda m, x: x.histogram(range=(-1.0, 1.0)), [_C], False),
    "histogram-decreasing-edges": (lambda m, x: m.histogram(x, m.tensor([2.0, 1.0])), [_V], False),
    "cov": (lambda m, x: m.cov(x), [_A]),
    "cov-1d": (lambda m, x: m.cov(x, correction=0), [_V]),
    "cov-one-row": (lambda m, x: m.cov(x), [_A[:1]]),
    "cov-weights": (lambda m, x, a: m.cov(x, fweights=m.tensor([1, 2, 0, 3]), aweights=a), [_A, np.abs(_B[0])]),
    "cov-fweights-correction": (lambda m, x: x.cov(correction=2, fweights=m.tensor([1, 2, 1, 3])), [_A]),
    "cov-aweights-float64": (lambda m, x, a: m.cov(x, aweights=a.double()), [_A, np.abs(_B[1])]),
    "cov-int": (lambda m, x: m.cov(x), [_INT]),
    "corrcoef": (lambda m, x: m.corrcoef(x), [_A]),
    "corrcoef-1d": (lambda m, x: m.corrcoef(x), [_V]),
    "corrcoef-int": (lambda m, x: x.corrcoef(), [_INT]),
    "renorm": (lambda m, x: m.renorm(x, 2, 0, 1.5), [_A]),
    "renorm-p1-dim1": (lambda m, x: x.renorm(1, 1, 1.0), [_A]),
    "renorm-inf": (lambda m, x: m.renorm(x, float("inf"), -1, 0.8), [_C]),
    "renorm-p2.5": (lambda m, x: m.renorm(x, 2.5, 1, 1.2), [_C]),
    "renorm-nothing-to-do": (lambda m, x: m.renorm(x, 2, 0, 100.0), [_A]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(torch, name):
    fn, arrays, *grad = CASES[name]
    _compare(torch, fn, [np.asarray(a) for a in arrays], *grad)


def test_vander_gradient():
    x = ember.tensor([0.0, 2.0, -1.5, 0.3], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: ember.vander(t, 5), (x,))
    assert ember.autograd.gradcheck(lambda t: ember.vander(t, increasing=True), (x,))
    y = ember.tensor([2.0, 3.0], requires_grad=True)
    ember.vander(y, 3).sum().backward()  # d/dx (x^2 + x + 1) = 2x + 1
    np.testing.assert_allclose(y.grad.numpy(), [5.0, 7.0])


def test_unravel_index(torch):
    for idx, shape in [([4, 1], (2, 3)), (4, (2, 3)), ([[1, 5]], [2, 3]), ([6, -1, -7], (2, 3)), ([1], 6),
                       ([3, 0, 11], (2, 1, 2, 3)), ([1], ())]:
        e = ember.unravel_index(ember.tensor(idx), shape)
        t = torch.unravel_index(torch.tensor(idx), shape)
        assert isinstance(e, tuple) and len(e) == len(t)
        for a, b in zip(e, t):
            assert a.dtype == ember.int64 and tuple(a.shape) == tuple(b.shape)
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    e = ember.unravel_index(ember.tensor([1], dtype=ember.int32), (2, 3))
    assert e[1].dtype == ember.int64


def test_named_tuple_reprs_and_fields(torch):
    for name, fn in [("nanmedian", lambda m: m.nanmedian(m.tensor([[1.0, float("nan"), 3.0]]), 1)),
                     ("mode", lambda m: m.mode(m.tensor([1, 2, 2]))),
                     ("histogram", lambda m: m.histogram(m.tensor([1.0, 2.0, 1.0]), 2))]:
        e, t = fn(ember), fn(torch)
        assert type(e).__name__ == name
        assert repr(e) == repr(t).replace("torch.", "ember.")
    h = ember.histogram(ember.tensor([1.0, 2.0]), 2)
    assert h.hist is h[0] and h.bin_edges is h[1]
    m = ember.mode(ember.tensor([3, 3, 1]))
    assert (m.values.item(), m.indices.item()) == (3, 1)


def test_mode_and_nanmedian_random_ties_match_torch(torch):
    rng = np.random.default_rng(3)
    for _ in range(5):
        a = rng.integers(0, 4, (6, 9))
        for dim in (0, 1):
            e, t = ember.mode(ember.tensor(a), dim), torch.mode(torch.tensor(a), dim)
            np.testing.assert_array_equal(e.values.numpy(), t.values.numpy())
            np.testing.assert_array_equal(e.indices.numpy(), t.indices.numpy())
        f = a.astype("float32")
        f[rng.random(f.shape) < 0.3] = np.nan
        e, t = ember.nanmedian(ember.tensor(f), 1), torch.nanmedian(torch.tensor(f), 1)
        np.testing.assert_array_equal(e.values.numpy(), t.values.numpy())
        np.testing.assert_array_equal(e.indices.numpy(), t.indices.numpy())


def test_histogram_bins_match_torch_on_many_values(torch):
    x = np.random.default_rng(5).standard_normal(20000).astype("float32")
    for bins, rng in [(37, None), (10, (-1.0, 1.0)), (3, (-0.3, 0.7))]:
        e = ember.histogram(ember.tensor(x), bins, range=rng)
        t = torch.histogram(torch.tensor(x), bins, range=rng)
        np.testing.assert_array_equal(e.bin_edges.numpy(), t.bin_edges.numpy())
        np.testing.assert_array_equal(e.hist.numpy(), t.hist.numpy())


def test_quantile_random_matches_torch(torch):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((5, 33)).astype("float32")
    q = rng.random(9).astype("float32")
    for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
        e = ember.quantile(ember.tensor(x), ember.tensor(q), 1, interpolation=interp)
        t = torch.quantile(torch.tensor(x), torch.tensor(q), 1, interpolation=interp)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------------------- in-place forms


INPLACE = {
    "index_add_": lambda m, x, s: x.index_add_(0, m.tensor([2, 0, 2, 1]), s, alpha=3),
    "index_copy_": lambda m, x, s: x.index_copy_(0, m.tensor([1, 0, 2, 3]), s),
    "index_fill_": lambda m, x, s: x.index_fill_(1, m.tensor([1]), -1.0),
    "index_reduce_": lambda m, x, s: x.index_reduce_(0, m.tensor([3, 3, 0, 1]), s, "amax", include_self=False),
    "index_put_": lambda m, x, s: x.index_put_((m.tensor([0, 0]), m.tensor([1, 1])), s[0, :2], accumulate=True),
    "index_put_-function": lambda m, x, s: m.index_put_(x, (m.tensor([3]),), s[0]),
    "put_": lambda m, x, s: x.put_(m.tensor([0, 15, 7]), s[0, :3]),
    "scatter_reduce_": lambda m, x, s: x.scatter_reduce_(1, m.tensor([[0, 0, 3, 3]] * 4), s, "mean"),
    "masked_scatter_": lambda m, x, s: x.masked_scatter_(m.tensor(_B > 0), s),
    "renorm_": lambda m, x, s: x.renorm_(2, 1, 0.5),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_forms_match_torch(torch, name):
    fn = INPLACE[name]
    results = []
    for lib in (ember, torch):
        base = lib.tensor(_B, requires_grad=True)
        src = lib.tensor(_A[::-1].copy().repeat(2, 0)[:4], requires_grad=True)
        x = base * 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(lib, x, src)
        assert out is x
        (x * lib.tensor(_B)).sum().backward()
        results.append((x.detach().numpy(), base.grad.numpy(), None if src.grad is None else src.grad.numpy()))
    (ex, eb, es), (tx, tb, ts) = results
    np.testing.assert_allclose(ex, tx, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(eb, tb, rtol=1e-5, atol=1e-6)
    if ts is None:
        assert es is None or not np.any(es)
    else:
        np.testing.assert_allclose(es, ts, rtol=1e-5, atol=1e-6)


def test_inplace_on_leaf_and_no_grad():
    x = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.index_add_(0, ember.tensor([0]), ember.ones(1))
    y = ember.zeros(3)
    y.index_copy_(0, ember.tensor([2]), ember.tensor([4.0]))
    y.put_(ember.tensor([0]), ember.tensor([1.0]), accumulate=True)
    np.testing.assert_array_equal(y.numpy(), [1.0, 0.0, 4.0])


def test_as_strided_is_a_view_and_overlap_write_errors():
    x = ember.arange(6.0)
    v = x.as_strided((2, 2), (1, 2))
    x.add_(1)  # a view shares the data
    np.testing.assert_array_equal(v.numpy(), [[1.0, 3.0], [2.0, 4.0]])
    assert v.stride() == (1, 2)
    w = ember.as_strided(x, (3, 2), (1, 0))  # a stride-0 dimension: writing through it is refused, as in torch
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        w.add_(1)
    ember.as_strided(x, (3, 2), (1, 1)).add_(1)  # other overlaps torch writes (its check cannot tell)


_VIEW_INPUTS = {
    "transposed": lambda base: base.reshape(3, 4).t(),
    "row-slice": lambda base: base.reshape(3, 4)[1:],
    "column-slice": lambda base: base.reshape(3, 4)[:, 1:],
    "step": lambda base: base[2:10:2],
    "expanded": lambda base: base[:4].expand(3, 4),
}


@pytest.mark.parametrize("view", list(_VIEW_INPUTS))
def test_as_strided_of_a_view_addresses_its_storage(torch, view):
    # as_strided reads the storage a view shares with its base, starting by default at the view's own storage
    # offset; ember addressed the view's elements in row-major order, which silently differed for
    # non-contiguous views (a transposed matrix gave other values), and had no storage_offset().
    make = _VIEW_INPUTS[view]
    g = np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3)
    res = {}
    for lib in (torch, ember):
        base = lib.arange(12.0, requires_grad=True)
        x = make(base)
        y = x.as_strided((2, 3), (1, 2))
        y2 = lib.as_strided(x, (2,), (3,), 1)
        (y * lib.tensor(g)).sum().backward()
        res[lib.__name__] = (x.storage_offset(), y.detach().numpy().copy(), y2.detach().numpy().copy(),
                             base.grad.numpy().copy())
    t, e = res["torch"], res["ember"]
    assert e[0] == t[0]
    for a, b in zip(e[1:], t[1:]):
        np.testing.assert_array_equal(a, b)


def test_as_strided_bounds_are_the_storage_not_the_view(torch):
    for lib in (torch, ember):
        lib_view = lib.arange(10.0)[2:8:2]
        np.testing.assert_array_equal(lib_view.as_strided((4,), (1,)).numpy(), [2.0, 3.0, 4.0, 5.0])
    with pytest.raises(RuntimeError) as expected:
        torch.arange(10.0)[2:8:2].as_strided((20,), (1,))
    with pytest.raises(RuntimeError) as got:
        ember.arange(10.0)[2:8:2].as_strided((20,), (1,))
    assert str(got.value) == str(expected.value)


def test_scatter_reduce_src_larger_than_index_pads_the_gradient():
    x = ember.zeros(2, 3, requires_grad=True)
    src = ember.arange(12.0).reshape(3, 4).requires_grad_()
    out = ember.scatter_reduce(x, 1, ember.tensor([[0, 0], [2, 1]]), src, "sum", include_self=False)
    np.testing.assert_array_equal(out.detach().numpy(), [[1.0, 0.0, 0.0], [0.0, 5.0, 4.0]])
    out.backward(ember.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    np.testing.assert_array_equal(src.grad.numpy(), [[1, 1, 0, 0], [6, 5, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 2, 3], [4, 0, 0]])


def test_double_backward_of_linear_index_ops(torch):
    def second(lib):
        x = lib.tensor(_A, requires_grad=True)
        s = lib.tensor(_A[:, :2], requires_grad=True)
        y = lib.index_add(x * x, 1, lib.tensor([3, 0]), s * s, alpha=2)
        y = lib.slice_scatter(y, s * x[:, :2], 1, 1, 3)
        (gx, gs) = lib.autograd.grad(y.pow(2).sum(), (x, s), create_graph=True)
        return [g.detach().numpy() for g in lib.autograd.grad((gx.sum() + gs.sum()), (x, s))]

    for e, t in zip(second(ember), second(torch)):
        np.testing.assert_allclose(e, t, rtol=1e-4, atol=1e-5)


def test_index_reduce_warns_once(torch):
    import ember._functions_indexing as mod

    mod._REDUCE_WARNED[0] = False
    with pytest.warns(UserWarning, match=r"index_reduce\(\) is in beta"):
        ember.index_reduce(ember.zeros(2), 0, ember.tensor([0]), ember.ones(1), "prod")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.index_reduce(ember.zeros(2), 0, ember.tensor([0]), ember.ones(1), "prod")


def test_grad_fn_names(torch):
    x = ember.zeros(4, requires_grad=True)
    assert ember.unsafe_split(x, 2)[0].grad_fn.name() == "UnsafeSplitBackward0"
    assert ember.split_with_sizes(x, [1, 3])[0].grad_fn.name() == "SplitWithSizesBackward0"
    assert ember.scatter_reduce(x, 0, ember.tensor([0]), x, "sum").grad_fn.name() == "ScatterReduceBackward0"
    assert ember.index_add(x, 0, ember.tensor([0]), x[:1]).grad_fn.name() == "IndexAddBackward0"
    assert ember.as_strided(x, (2,), (2,)).grad_fn.name() == "AsStridedBackward0"
    assert ember.select_scatter(x, x[0], 0, 1).grad_fn.name() == "SelectScatterBackward0"


# ---------------------------------------------------------------------------------------------- errors

_X = np.zeros((3, 4), dtype="float32")

ERRORS = {
    "index_add-negative": lambda m: m.index_add(m.tensor(_X), 0, m.tensor([-1, 0]), m.ones(2, 4)),
    "index_add-out-of-range": lambda m: m.index_add(m.tensor(_X), 0, m.tensor([3, 0]), m.ones(2, 4)),
    "index_add-shape": lambda m: m.index_add(m.tensor(_X), 0, m.tensor([1, 0]), m.ones(2, 3)),
    "index_add-count": lambda m: m.index_add(m.tensor(_X), 0, m.tensor([1, 0]), m.ones(3, 4)),
    "index_add-float-index": lambda m: m.index_add(m.tensor(_X), 0, m.tensor([1.0, 0]), m.ones(2, 4)),
    "index_add-2d-index": lambda m: m.index_add(m.tensor(_X), 0, m.tensor([[1, 0]]), m.ones(2, 4)),
    "index_add-dtype": lambda m: m.index_add(m.tensor(_X), 0, m.tensor([1, 0]), m.ones(2, 4, dtype=m.float64)),
    "index_add-dim": lambda m: m.index_add(m.tensor(_X), 2, m.tensor([1, 0]), m.ones(2, 4)),
    "index_copy-range": lambda m: m.index_copy(m.tensor(_X), 0, m.tensor([5, 0]), m.ones(2, 4)),
    "index_copy-negative": lambda m: m.index_copy(m.tensor(_X), 0, m.tensor([-1, 0]), m.ones(2, 4)),
    "index_copy-slice-shape": lambda m: m.index_copy(m.zeros(3, 4, 5), 1, m.tensor([1, 0]), m.ones(3, 2, 4)),
    "index_copy-count": lambda m: m.index_copy(m.tensor(_X), 0, m.tensor([1, 0]), m.ones(3, 4)),
    "index_copy-int32": lambda m: m.index_copy(m.tensor(_X), 0, m.tensor([1, 0], dtype=m.int32), m.ones(2, 4)),
    "index_copy-dtype": lambda m: m.index_copy(m.tensor(_X), 0, m.tensor([1, 0]), m.ones(2, 4, dtype=m.float64)),
    "index_copy-ndim": lambda m: m.index_copy(m.tensor(_X), 0, m.tensor([1, 0]), m.ones(2, 4, 1)),
    "index_copy-2d-index": lambda m: m.index_copy(m.tensor(_X), 0, m.tensor([[1, 0]]), m.ones(2, 4)),
    "index_fill-range": lambda m: m.index_fill(m.tensor(_X), 0, m.tensor([3, 0]), 2.0),
    "index_fill-int32-index": lambda m: m.index_fill(m.tensor(_X), 0, m.tensor([1], dtype=m.int32), 1.0),
    "index_fill-2d-index": lambda m: m.index_fill(m.tensor(_X), 0, m.tensor([[1]]), 1.0),
    "index_add-0d-index-count": lambda m: m.index_add(m.tensor(_X), 0, m.tensor(1), m.ones(4)),
    "index_add-count-and-shape": lambda m: m.index_add(m.tensor(_X), 0, m.tensor([1, 0]), m.ones(3, 3)),
    "index_add-source-dim": lambda m: m.index_add(m.tensor(_X), 1, m.tensor([1, 0]), m.ones(3)),
    "index_add-source-ndim": lambda m: m.index_add(m.tensor(_X), 0, m.tensor([1, 0]), m.ones(2, 4, 1)),
    "index_copy-0d-index-ndim": lambda m: m.index_copy(m.tensor(_X), 0, m.tensor(1), m.ones(4)),
    "index_fill-value-dims": lambda m: m.index_fill(m.tensor(_X), 0, m.tensor([1]), m.tensor([2.0])),
    "index_reduce-sum": lambda m: m.index_reduce(m.tensor(_X), 0, m.tensor([1, 0]), m.ones(2, 4), "sum"),
    "index_reduce-range": lambda m: m.index_reduce(m.tensor(_X), 0, m.tensor([3, 0]), m.ones(2, 4), "prod"),
    "index_reduce-negative": lambda m: m.index_reduce(m.tensor(_X), 0, m.tensor([-1, 0]), m.ones(2, 4), "prod"),
    "index_reduce-shape": lambda m: m.index_reduce(m.tensor(_X), 0, m.tensor([1, 0]), m.ones(2, 3), "amax"),
    "index_reduce-count": lambda m: m.index_reduce(m.tensor(_X), 0, m.tensor([1, 0]), m.ones(3, 4), "amax"),
    "scatter_reduce-negative": lambda m: m.scatter_reduce(m.tensor(_X), 0, m.tensor([[-1, 0]]), m.ones(2, 4), "sum"),
    "scatter_reduce-range": lambda m: m.scatter_reduce(m.tensor(_X), 0, m.tensor([[3, 0]]), m.ones(2, 4), "sum"),
    "scatter_reduce-reduce": lambda m: m.scatter_reduce(m.tensor(_X), 0, m.tensor([[1, 0]]), m.ones(2, 4), "foo"),
    "scatter_reduce-index-size": lambda m: m.scatter_reduce(m.tensor(_X), 0, m.tensor([[1, 0, 0, 0, 0]]),
                                                            m.ones(2, 4), "sum"),
    "scatter_reduce-src-size": lambda m: m.scatter_reduce(m.tensor(_X), 0, m.tensor([[1, 0, 0, 0]]), m.ones(2, 3),
                                                          "sum"),
    "scatter_reduce-ndim": lambda m: m.scatter_reduce(m.tensor(_X), 0, m.tensor([1, 0]), m.ones(2, 4), "sum"),
    "scatter_reduce-dtype": lambda m: m.scatter_reduce(m.tensor(_X), 0, m.tensor([[1, 0]]),
                                                       m.ones(2, 4, dtype=m.float64), "sum"),
    "scatter_reduce-dim": lambda m: m.scatter_reduce(m.tensor(_X), 2, m.tensor([[1]]), m.ones(2, 4), "sum"),
    # bools: PyTorch's kernels have no bool mean for scatter_reduce, and no bool version at all for index_reduce
    "scatter_reduce-bool-mean": lambda m: m.scatter_reduce(m.zeros(3, dtype=m.bool), 0, m.tensor([1, 1]),
                                                           m.ones(2, dtype=m.bool), "mean"),
    "index_reduce-bool": lambda m: m.index_reduce(m.zeros(3, dtype=m.bool), 0, m.tensor([1, 1]),
                                                  m.ones(2, dtype=m.bool), "amax"),
    "index_put-dtype": lambda m: m.index_put(m.tensor(_X), (m.tensor([1, 0]),), m.ones(4, dtype=m.float64)),
    "index_put-range": lambda m: m.index_put(m.tensor(_X), (m.tensor([1, 5]),), m.ones(4)),
    "index_put-shape": lambda m: m.index_put(m.tensor(_X), (m.tensor([1, 0]),), m.ones(3)),
    "index_put-too-many": lambda m: m.index_put(m.tensor(_X), (m.tensor([1]),) * 3, m.ones(1)),
    "index_put-float-index": lambda m: m.index_put(m.tensor(_X), (m.tensor([1.0]),), m.ones(4)),
    "index_put-empty": lambda m: m.index_put(m.tensor(_X), (), m.tensor(2.0)),
    "index_put-none": lambda m: m.index_put(m.tensor(_X), (None, m.tensor([1])), m.tensor(2.0)),
    "put-count": lambda m: m.put(m.tensor(_X), m.tensor([1, 0]), m.ones(3)),
    "put-range": lambda m: m.put(m.tensor(_X), m.tensor([1, 12]), m.ones(2)),
    "put-negative-range": lambda m: m.put(m.tensor(_X), m.tensor([1, -13]), m.ones(2)),
    "put-dtype": lambda m: m.put(m.tensor(_X), m.tensor([1, -1]), m.ones(2, dtype=m.float64)),
    "put-int32": lambda m: m.put(m.tensor(_X), m.tensor([1, -1], dtype=m.int32), m.ones(2)),
    "masked_scatter-too-few": lambda m: m.masked_scatter(m.tensor(_X), m.tensor(_X) < 1, m.ones(2)),
    "masked_scatter-float-mask": lambda m: m.masked_scatter(m.tensor(_X), (m.tensor(_X) < 1).float(), m.ones(20)),
    "masked_scatter-uint8-mask": lambda m: m.masked_scatter(m.tensor(_X), (m.tensor(_X) < 1).byte(), m.ones(20)),
    "masked_scatter-dtype": lambda m: m.masked_scatter(m.tensor(_X), m.tensor(_X) < 1, m.ones(20, dtype=m.float64)),
    "masked_scatter-broadcast": lambda m: m.masked_scatter(m.tensor(_X), m.ones(5, dtype=m.bool), m.ones(30)),
    "diagonal_scatter-shape": lambda m: m.diagonal_scatter(m.tensor(_X), m.ones(2)),
    "select_scatter-range": lambda m: m.select_scatter(m.tensor(_X), m.ones(4), 0, 5),
    "select_scatter-negative-range": lambda m: m.select_scatter(m.tensor(_X), m.ones(4), 0, -4),
    "select_scatter-shape": lambda m: m.select_scatter(m.tensor(_X), m.ones(1, 4), 0, -1),
    "slice_scatter-shape": lambda m: m.slice_scatter(m.tensor(_X), m.ones(2, 3), 0, 1),
    "slice_scatter-empty-slice": lambda m: m.slice_scatter(m.tensor(_X), m.ones(2, 4), 0, -2, -5),
    "slice_scatter-step": lambda m: m.slice_scatter(m.tensor(_X), m.ones(2, 4), 0, 1, None, 0),
    "as_strided-bounds": lambda m: m.as_strided(m.tensor(_X), (3, 3), (4, 1), 3),
    "as_strided-negative-offset": lambda m: m.as_strided(m.tensor(_X), (3, 3), (4, 1), -1),
    "as_strided-negative-stride": lambda m: m.as_strided(m.tensor(_X), (3, 3), (4, -1)),
    "as_strided-lengths": lambda m: m.as_strided(m.tensor(_X), (3,), (4, 1)),
    "split_with_sizes-sum": lambda m: m.split_with_sizes(m.zeros(5), [2, 2]),
    "hsplit-divisible": lambda m: m.hsplit(m.zeros(3, 6), 4),
    "hsplit-zero": lambda m: m.hsplit(m.zeros(3, 6), 0),
    "hsplit-0d": lambda m: m.hsplit(m.zeros(()), 1),
    "vsplit-1d": lambda m: m.vsplit(m.zeros(6), 2),
    "vsplit-divisible": lambda m: m.vsplit(m.zeros(6, 2), 4),
    "dsplit-2d": lambda m: m.dsplit(m.zeros(6, 2), 2),
    "combinations-2d": lambda m: m.combinations(m.zeros(1, 2), 1),
    "combinations-negative": lambda m: m.combinations(m.zeros(3), -1),
    "unravel_index-float": lambda m: m.unravel_index(m.tensor([1.0]), (2, 3)),
    "unravel_index-negative-shape": lambda m: m.unravel_index(m.tensor([1]), (2, -3)),
    "vander-2d": lambda m: m.vander(m.zeros(1, 3)),
    "vander-negative-N": lambda m: m.vander(m.zeros(3), N=-1),
    "quantile-q-2d": lambda m: m.quantile(m.zeros(4), m.tensor([[0.5]])),
    "quantile-q-range": lambda m: m.quantile(m.zeros(4), 1.5),
    "quantile-q-values": lambda m: m.quantile(m.zeros(4), m.tensor([0.5, -0.1])),
    "quantile-int": lambda m: m.quantile(m.tensor([1, 2]), 0.5),
    "quantile-q-dtype": lambda m: m.quantile(m.zeros(4), m.tensor([0.5], dtype=m.float64)),
    "quantile-interpolation": lambda m: m.quantile(m.zeros(4), 0.5, interpolation="foo"),
    "quantile-empty": lambda m: m.quantile(m.zeros(0), 0.5),
    "quantile-empty-dim": lambda m: m.quantile(m.zeros(2, 0), 0.5, dim=0),
    "nanquantile-q-range": lambda m: m.nanquantile(m.zeros(4), -0.5),
    "quantile-dim": lambda m: m.quantile(m.zeros(4), 0.5, dim=1),
    "nanmedian-empty-dim": lambda m: m.nanmedian(m.zeros(2, 0), 1),
    "mode-empty": lambda m: m.mode(m.zeros(0)),
    "mode-empty-dim": lambda m: m.mode(m.zeros(2, 0)),
    "histogram-int": lambda m: m.histogram(m.tensor([1, 2]), 4),
    "histogram-bins-zero": lambda m: m.histogram(m.zeros(3), 0),
    "histogram-range-order": lambda m: m.histogram(m.zeros(3), 4, range=(3.0, 0.0)),
    "histogram-nan": lambda m: m.histogram(m.tensor([1.0, float("nan")]), 4),
    "histogram-inf": lambda m: m.histogram(m.tensor([1.0, float("inf")]), 4),
    "histogram-weight-shape": lambda m: m.histogram(m.zeros(3), 4, weight=m.ones(2)),
    "histogram-bins-dtype": lambda m: m.histogram(m.zeros(3, dtype=m.float64), m.tensor([0.0, 3.0])),
    "cov-3d": lambda m: m.cov(m.zeros(2, 3, 4)),
    "cov-fweights-float": lambda m: m.cov(m.zeros(2, 3), fweights=m.tensor([1.0, 2, 3])),
    "cov-fweights-negative": lambda m: m.cov(m.zeros(2, 3), fweights=m.tensor([1, -2, 3])),
    "cov-aweights-negative": lambda m: m.cov(m.zeros(2, 3), aweights=m.tensor([1.0, -2, 3])),
    "cov-aweights-numel": lambda m: m.cov(m.zeros(2, 3), aweights=m.tensor([1.0, 2])),
    "cov-aweights-2d": lambda m: m.cov(m.zeros(2, 3), aweights=m.tensor([[1.0, 2, 3]])),
    "cov-aweights-int": lambda m: m.cov(m.zeros(2, 3), aweights=m.tensor([1, 2, 3])),
    "renorm-p0": lambda m: m.renorm(m.ones(2, 3), 0, 1, 5),
    "renorm-maxnorm": lambda m: m.renorm(m.ones(2, 3), 2, 1, -5),
    "renorm-1d": lambda m: m.renorm(m.ones(3), 2, 0, 1),
    "renorm-int": lambda m: m.renorm(m.tensor([[1, 2], [3, 4]]), 2, 0, 5),
}

# messages that differ on purpose (PyTorch's own text names internals ember does not have)
_LOOSE = {"index_put-none", "index_put-empty", "masked_scatter-broadcast", "quantile-dim", "scatter_reduce-dim"}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(torch, name):
    fn = ERRORS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as t_err:
            fn(torch)
        with pytest.raises(Exception) as e_err:
            fn(ember)
    assert type(e_err.value) is type(t_err.value), (e_err.value, t_err.value)
    if name not in _LOOSE:
        want = re.sub(r"torch\.(?=float|int|bool|uint)", "ember.", str(t_err.value).splitlines()[0])  # dtype reprs
        assert str(e_err.value).splitlines()[0] == want


def test_cov_warns_on_nonpositive_degrees_of_freedom(torch):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        e = ember.cov(ember.tensor(_A), correction=5)
    assert any(issubclass(w.category, UserWarning) and "degrees of freedom is <= 0" in str(w.message)
               for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.cov(torch.tensor(_A), correction=5)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_docstring_examples_run():
    import doctest

    import ember._functions_indexing as mod

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = doctest.testmod(mod, extraglobs={"ember": ember}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 30 and result.failed == 0


# ----------------------------------------- calling conventions (keywords, out=, 0-d tensors, dtypes), vs torch

INDEXING_CALLS = {
    "hsplit-sections-kw": lambda m: m.hsplit(m.ones(2, 4), sections=2),
    "vsplit-indices-kw": lambda m: m.vsplit(m.ones(4, 2), indices=[1]),
    "dsplit-sections-kw": lambda m: m.dsplit(m.ones(1, 2, 4), sections=2),
    "renorm-tensor-maxnorm": lambda m: m.renorm(m.ones(2, 3), 2, 0, m.tensor(1.0)),
    "index_copy-out": lambda m: into(m, lambda o: m.index_copy(m.zeros(3), 0, m.tensor([1]), m.ones(1), out=o)),
    "scatter_reduce-out": lambda m: into(m, lambda o: m.scatter_reduce(m.zeros(3), 0, m.tensor([1, 1]), m.ones(2),
                                                                       "sum", out=o)),
    "slice_scatter-out": lambda m: into(m, lambda o: m.slice_scatter(m.zeros(3), m.ones(1), 0, 0, 1, out=o)),
    "renorm-out": lambda m: into(m, lambda o: m.renorm(m.full((2, 3), 2.0), 2, 0, 1.0, out=o)),
}


@pytest.mark.parametrize("name", list(INDEXING_CALLS))
def test_indexing_calling_conventions_match_torch(torch, name):
    assert callconv_outcome(ember, INDEXING_CALLS[name]) == callconv_outcome(torch, INDEXING_CALLS[name])


def test_cov_too_large_correction_and_bool_input(torch):
    x = np.array([[0.0, 1.0, 3.0], [2.0, 1.0, -1.0]], dtype="float32")
    aw, fw = np.array([1.0, 2.0, 0.5], dtype="float32"), np.array([1, 2, 1])
    for c in (3, 5):
        for kw in ({"aweights": aw}, {"aweights": aw, "fweights": fw}, {"fweights": fw}, {}):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = torch.cov(torch.tensor(x), correction=c, **{k: torch.tensor(v) for k, v in kw.items()})
                e = ember.cov(ember.tensor(x), correction=c, **{k: ember.tensor(v) for k, v in kw.items()})
            np.testing.assert_allclose(e.numpy(), r.numpy(), rtol=1e-6)  # (inf signs included)
    with pytest.raises(RuntimeError) as rt:
        torch.cov(torch.tensor([[True, False, True]]))
    with pytest.raises(RuntimeError, match=re.escape(str(rt.value))):
        ember.cov(ember.tensor([[True, False, True]]))


@pytest.mark.parametrize("call", [
    lambda L, x: x.index_fill(1, L.tensor([1]), 2.0),
    lambda L, x: x.index_fill(0, L.tensor([0]), L.tensor(3.0, requires_grad=True)),
    lambda L, x: x.clone().index_fill_(0, L.tensor([1]), -1.0),
    lambda L, x: x.put(L.tensor([1, -1]), L.tensor([5.0, 7.0])),
    lambda L, x: x.clone().put_(L.tensor([[1, 1]]), L.tensor([[5.0, 6.0]]), accumulate=True),
])
def test_index_fill_and_put_grad_fn_names(torch, call):
    def go(lib):
        x = lib.arange(6.0).reshape(2, 3).requires_grad_()
        out = call(lib, x)
        (out * lib.arange(6.0).reshape(2, 3)).sum().backward()
        return type(out.grad_fn).__name__, len(out.grad_fn.next_functions), out.tolist(), x.grad.tolist()
    assert go(ember) == go(torch)


@pytest.mark.parametrize("fn", [
    lambda m, x: m.take_along_dim(x, m.tensor([[-1]]), dim=0),  # PyTorch wraps the indices modulo the size
    lambda m, x: m.take_along_dim(x, m.tensor([[3]]), dim=0),
    lambda m, x: m.take_along_dim(x, m.tensor([[7], [-5]]), dim=0),
    lambda m, x: m.take_along_dim(x, m.tensor([[7, -5, 4]]), dim=-1),
    lambda m, x: m.take_along_dim(x, m.tensor([13])),  # (flattened: no wrapping)
    lambda m, x: m.take_along_dim(x, m.tensor([-1])),
    lambda m, x: m.take_along_dim(m.zeros(0, 3), m.zeros(1, 3, dtype=m.long), dim=0),
    lambda m, x: m.take_along_dim(m.zeros(0, 3), m.zeros(0, 3, dtype=m.long), dim=0),
])
def test_take_along_dim_wraps_indices(torch, fn):
    def go(m):
        x = m.arange(12.0).reshape(3, 4).requires_grad_()
        y = fn(m, x)
        y.sum().backward()
        return y.tolist(), list(y.shape), None if x.grad is None else x.grad.tolist()
    assert result_or_error(lambda: go(ember)) == result_or_error(lambda: go(torch))


@pytest.mark.parametrize("fn", [
    lambda m: m.zeros(3).masked_fill(m.tensor([[True, False, True]] * 2), 1.0),  # mask broadcast over the input
    lambda m: m.zeros(3).masked_scatter(m.tensor([[True, False, True]] * 2), m.arange(6.0)),
    lambda m: m.zeros(4, 3).t().masked_fill(m.ones(3, 4, dtype=m.bool), 1.0),
    lambda m: m.zeros(4, 3).t().masked_scatter(m.ones(3, 4, dtype=m.bool), m.arange(12.0)),
])
def test_masked_results_are_contiguous(torch, fn):
    def go(m):
        y = fn(m)
        return y.stride(), y.view(-1).tolist()
    assert go(ember) == go(torch)


@pytest.mark.parametrize("make", [lambda m: m.ones(2, 3), lambda m: m.zeros(2, 3), lambda m: m.ones(4),
                                  lambda m: m.zeros(5), lambda m: m.tensor(1.0), lambda m: m.eye(3)[:, :, None]])
@pytest.mark.parametrize("name", ["nonzero", "argwhere"])
def test_nonzero_layout_is_column_major(torch, make, name):
    def go(m):
        y = getattr(m, name)(make(m))
        return y.tolist(), list(y.shape), y.stride(), y.is_contiguous(), result_or_error(lambda: y.view(-1).tolist())
    assert go(ember) == go(torch)
