"""Small functions of ember/_functions.py composed from the ops (ravel, take, aminmax, kron, searchsorted, ...)
against PyTorch: values, dtypes, shapes and gradients."""

import warnings

import numpy as np
import pytest

import ember

_A = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
_B = np.random.default_rng(1).standard_normal((2, 3)).astype("float32")
_C = np.random.default_rng(2).standard_normal((5, 4)).astype("float32")


def _run(lib, fn, arrays, grad):
    args = [lib.tensor(a, requires_grad=grad) for a in arrays]
    out = fn(lib, *args)
    outs = out if isinstance(out, tuple) else (out,)
    grads = []
    if grad:
        total = sum((o * (k + 1.5)).sum() for k, o in enumerate(outs) if o.dtype.is_floating_point)
        total.backward()
        grads = [a.grad.numpy() for a in args]
    return ([o.detach().numpy() for o in outs], grads, [str(o.dtype).split(".")[-1] for o in outs],
            [tuple(o.shape) for o in outs])


CASES = {
    "ravel": (lambda m, x: m.ravel(x.t()), [_A]),
    "take": (lambda m, x: m.take(x, m.tensor([[0, 5], [11, 2]])), [_A]),
    "msort": (lambda m, x: x.msort(), [_A]),
    "aminmax": (lambda m, x: tuple(m.aminmax(x)), [_A]),
    "aminmax-dim": (lambda m, x: tuple(x.aminmax(dim=1, keepdim=True)), [_A]),
    "logaddexp2": (lambda m, x, y: m.logaddexp2(x, y), [_A, _A[::-1].copy()]),
    "kron": (lambda m, x, y: m.kron(x, y), [_A, _B]),
    "kron-1d-2d": (lambda m, x, y: x.kron(y), [_A[0], _B]),
    "block_diag": (lambda m, x, y: m.block_diag(x, y, m.tensor(5.0)), [_A, _B]),
    "cartesian_prod": (lambda m, x, y: m.cartesian_prod(x, y), [_A[0], _B[0]]),
    "diag_embed": (lambda m, x: m.diag_embed(x), [_A]),
    "diag_embed-offset": (lambda m, x: x.diag_embed(offset=1), [_A]),
    "diag_embed-negative": (lambda m, x: m.diag_embed(x, offset=-2), [_A]),
    "diag_embed-dims": (lambda m, x: m.diag_embed(x, offset=1, dim1=0, dim2=2), [_A]),
    "inner-2d": (lambda m, x, y: m.inner(x, y), [_A, _C]),
    "inner-3d-1d": (lambda m, x, y: m.inner(x.reshape(3, 2, 2), y), [_A, _A[0, :2].copy()]),
    "inner-1d": (lambda m, x, y: x.inner(y), [_A[0], _A[1]]),
    "inner-scalar": (lambda m, x, y: m.inner(x, y), [_A, np.float32(2.5)]),
    "tile-int": (lambda m, x: x.tile(2), [_A]),
    "tile-varargs": (lambda m, x: x.tile(2, 1, 3), [_A]),
    "tile-tuple": (lambda m, x: m.tile(x, (2,)), [_A]),
    "diag_embed-swapped": (lambda m, x: m.diag_embed(x, dim1=1, dim2=0), [_A]),
    "trapezoid": (lambda m, x: m.trapezoid(x), [_A]),
    "trapezoid-dx": (lambda m, x: m.trapezoid(x, dx=0.5, dim=0), [_A]),
    "trapezoid-x": (lambda m, x: m.trapezoid(x, m.tensor([0.0, 1.0, 3.0, 7.0])), [_A]),
    "cumulative_trapezoid": (lambda m, x: m.cumulative_trapezoid(x), [_A]),
    "cumulative_trapezoid-x": (lambda m, x: m.cumulative_trapezoid(x, m.tensor([0.0, 2.0, 3.0]), dim=0), [_A]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_differentiable_functions_match_torch(torch, name):
    fn, arrays = CASES[name]
    got, want = _run(ember, fn, arrays, True), _run(torch, fn, arrays, True)
    assert got[2:] == want[2:]  # dtypes and shapes
    for g, t in zip(got[0] + got[1], want[0] + want[1]):
        np.testing.assert_allclose(g, t, rtol=1e-5, atol=1e-6)


INDEX_CASES = {
    "isin": lambda m: m.isin(m.tensor([[1, 2], [3, 4]]), m.tensor([2, 3])),
    "isin-scalar-invert": lambda m: m.isin(m.tensor([1, 2]), 2, invert=True),
    # batched rows with repeated entries, both sides (the merged-sort path)
    "searchsorted-batched-ties-left": lambda m: m.searchsorted(
        m.tensor([[[0.0, 1, 1, 3, 5], [2, 2, 2, 4, 9]], [[-1, 0, 0, 0, 7], [1, 2, 3, 4, 5]]]),
        m.tensor([[[1.0, 0, 6], [2, 9, 10]], [[0, -2, 7], [3, 3, 0]]])),
    "searchsorted-batched-ties-right": lambda m: m.searchsorted(
        m.tensor([[[0.0, 1, 1, 3, 5], [2, 2, 2, 4, 9]], [[-1, 0, 0, 0, 7], [1, 2, 3, 4, 5]]]),
        m.tensor([[[1.0, 0, 6], [2, 9, 10]], [[0, -2, 7], [3, 3, 0]]]), right=True),
    "searchsorted-rows": lambda m: m.searchsorted(m.tensor([[1, 3, 5], [2, 4, 6]]), m.tensor([[3, 6], [1, 7]])),
    "searchsorted-right": lambda m: m.searchsorted(m.tensor([1, 3, 5]), m.tensor([3, 5]), right=True),
    "searchsorted-side-int32": lambda m: m.searchsorted(m.tensor([1.0, 3, 5]), m.tensor([[3.0, 6]]), side="right",
                                                        out_int32=True),
    "searchsorted-sorter": lambda m: m.searchsorted(m.tensor([5, 1, 3]), m.tensor([2, 4]), sorter=m.tensor([1, 2, 0])),
    "bucketize": lambda m: m.bucketize(m.tensor([[1, 6], [3, 9]]), m.tensor([1, 3, 5, 7, 9])),
    "bucketize-right-int32": lambda m: m.bucketize(m.tensor([[1, 6], [3, 9]]), m.tensor([1, 3, 5, 7, 9]), right=True,
                                                   out_int32=True),
    "tril_indices": lambda m: m.tril_indices(3, 4, 1),
    "triu_indices": lambda m: m.triu_indices(4, 3, -1),
    "isposinf": lambda m: m.tensor([1.0, float("inf"), -float("inf")]).isposinf(),
    "isneginf": lambda m: m.isneginf(m.tensor([1.0, float("inf"), -float("inf")])),
    "isneginf-int": lambda m: m.isneginf(m.tensor([1, 2])),
    "isreal": lambda m: m.isreal(m.tensor([1.0, 2.0])),
}


@pytest.mark.parametrize("name", list(INDEX_CASES))
def test_index_and_predicate_functions_match_torch(torch, name):
    got, want = INDEX_CASES[name](ember), INDEX_CASES[name](torch)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_aminmax_repr_and_errors(torch):
    e = ember.aminmax(ember.tensor([3.0, 1.0]))
    t = torch.aminmax(torch.tensor([3.0, 1.0]))
    assert repr(e) == repr(t).replace("torch.", "ember.")
    with pytest.raises(RuntimeError, match="cannot compute aminmax over an empty dimension"):
        ember.aminmax(ember.empty(0))
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        ember.searchsorted(ember.tensor([1, 2]), ember.tensor([1]), right=True, side="left")
    with pytest.raises(RuntimeError, match="boundaries tensor must be 1 dimension"):
        ember.bucketize(ember.tensor([1]), ember.tensor([[1, 2]]))
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical"):
        ember.diag_embed(ember.ones(2, 2), dim1=1, dim2=1)


# ---------------------------------------------------------------- fixes found while adding the indexing family


@pytest.mark.parametrize("indices", [[2, 1], [4, 1, 5], [-2, 9], [3, 3], [0, 6, 2]])
def test_tensor_split_with_unordered_indices_matches_torch(torch, indices):
    pieces = {}
    for lib in (torch, ember):
        x = lib.arange(12.0).reshape(6, 2).requires_grad_()
        ps = lib.tensor_split(x, indices)
        sum(p.sum() * (i + 1) for i, p in enumerate(ps)).backward()
        pieces[lib.__name__] = ([p.tolist() for p in ps], x.grad.tolist())
    assert pieces["ember"] == pieces["torch"]


@pytest.mark.parametrize("values", [[1.0, 2.0, 2.0, 3.0, 2.0], [1.0, float("nan"), 2.0, float("nan")], [4.0, 1.0]])
def test_median_of_all_elements_shares_the_gradient_and_propagates_nan(torch, values):
    got = {}
    for lib in (torch, ember):
        t = lib.tensor(values, requires_grad=True)
        m = t.median()
        m.backward()
        got[lib.__name__] = (str(m.item()), t.grad.tolist(), type(m.grad_fn).__name__.startswith("Median")
                             or m.grad_fn.name())
    assert got["ember"][:2] == got["torch"][:2]
    assert str(ember.median(ember.tensor([]))) == "tensor(nan)"


def test_median_along_dim_returns_nan_and_its_index(torch):
    rows = [[1.0, float("nan"), 2.0, float("nan")], [3.0, 1.0, 2.0, 0.0]]
    out = {}
    for lib in (torch, ember):
        x = lib.tensor(rows, requires_grad=True)
        v, i = x.median(1)
        v.sum().backward()
        kv, ki = x.median(1, keepdim=True)
        out[lib.__name__] = (str(v.tolist()), i.tolist(), x.grad.tolist(), tuple(kv.shape), ki.tolist())
    assert out["ember"] == out["torch"]


@pytest.mark.parametrize("shapes", [((2, 3), (4, 3)), ((5, 1, 3), (2, 1), (7,)), (3, (2, 1), ()), ((0, 1), (3,))])
def test_broadcast_shapes_matches_torch(torch, shapes):
    def run(lib):
        try:
            return tuple(lib.broadcast_shapes(*shapes))
        except RuntimeError as exc:
            return str(exc)

    assert run(ember) == run(torch)


def test_histc_of_integers_raises_as_torch(torch):
    for lib in (torch, ember):
        with pytest.raises(NotImplementedError, match="histogram_cpu\" not implemented for 'Long'"):
            lib.histc(lib.tensor([1, 2, 3]), bins=3)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_norm_of_integers_names_the_dtype_as_torch(torch, dtype):
    def message(lib):
        with pytest.raises(RuntimeError) as info:
            lib.norm(lib.tensor([1, 0, 1], dtype=getattr(lib, dtype)))
        return str(info.value)

    assert message(ember) == message(torch)


def _outcome(lib, fn):
    """What ``fn(lib)`` gives, comparable across libraries: (dtype, shape, values) or (error type, message)."""
    try:
        out = fn(lib)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return type(exc).__name__, str(exc).replace("ember", "torch")
    outs = out if isinstance(out, tuple) else (out,)
    return [(str(o.dtype).split(".")[-1], tuple(o.shape), np.asarray(o.detach().numpy(), dtype=float).tolist())
            for o in outs]


def _same_outcome(torch, fn):
    got, want = _outcome(ember, fn), _outcome(torch, fn)
    if isinstance(want, tuple):
        assert got == want
    else:
        assert [g[:2] for g in got] == [w[:2] for w in want]
        for g, w in zip(got, want):
            np.testing.assert_allclose(g[2], w[2], rtol=1e-6, equal_nan=True)


OUTCOME_CASES = {
    # index_select: negative indices are out of range; PyTorch words dim 1 of an N-D tensor differently
    "index_select-1d": lambda m: m.index_select(m.tensor([1.0, 2, 3]), 0, m.tensor([5])),
    "index_select-negative": lambda m: m.index_select(m.ones(3, 2), 0, m.tensor([0, -1])),
    "index_select-dim1": lambda m: m.index_select(m.ones(2, 3), 1, m.tensor([1, 5, -1])),
    "index_select-dim1-negative-first": lambda m: m.index_select(m.ones(2, 3, 4), 1, m.tensor([-1, 7])),
    "index_select-dim2": lambda m: m.index_select(m.ones(2, 3, 4), 2, m.tensor([-1], dtype=m.int32)),
    # log-space sums of equal infinities are that infinity, not inf - inf = nan
    "logaddexp-inf": lambda m: m.logaddexp(m.tensor([-float("inf"), float("inf"), -float("inf"), 1.0, float("nan")]),
                                           m.tensor([-float("inf"), float("inf"), 2.0, float("inf"), 1.0])),
    "logaddexp2-inf": lambda m: m.logaddexp2(m.tensor([-float("inf"), float("inf"), -float("inf"), 1.0, 3.0]),
                                             m.tensor([-float("inf"), float("inf"), 2.0, float("inf"), -100.0])),
    "hypot-extremes": lambda m: m.hypot(m.tensor([1e30, -1e-30, 3.0, float("inf"), 0.0]),
                                        m.tensor([1e30, 1e-30, -4.0, 1.0, 0.0])),
    "hypot-int": lambda m: m.hypot(m.tensor([3]), m.tensor([4])),
    "hypot-bool": lambda m: m.hypot(m.tensor([True]), m.tensor([False])),
    "hypot-int-float-promotes": lambda m: m.hypot(m.tensor([3, 5]), m.tensor(4.0)),
    "hypot-half": lambda m: m.hypot(m.tensor([1.0, 3.0, 6e4], dtype=m.float16), m.tensor([3.0, 3.0, 6e4])),
    "hypot-scalar-other": lambda m: m.hypot(m.tensor([3.0]), 4.0),
    "frac-int": lambda m: m.frac(m.tensor([1, 2], dtype=m.int32)),
    "frac-bool": lambda m: m.frac(m.tensor([True])),
    "rot90-1d": lambda m: m.rot90(m.ones(3)),
    "rot90-three-dims": lambda m: m.rot90(m.ones(3, 3), 1, (0, 1, 2)),
    "rot90-same-dims": lambda m: m.rot90(m.ones(2, 2), 1, (0, -2)),
    "block_diag-int-float": lambda m: m.block_diag(m.tensor([1]), m.ones(2, 2)),
    "block_diag-0d-double": lambda m: m.block_diag(m.tensor(1.0, dtype=m.float64), m.ones(2, 2)),
    "block_diag-bytes": lambda m: m.block_diag(m.tensor([1], dtype=m.uint8), m.tensor([2], dtype=m.int8)),
    "median-0d": lambda m: tuple(m.median(m.tensor(2.0), 0)),
    "median-0d-keepdim": lambda m: tuple(m.median(m.tensor(float("nan")), -1, keepdim=True)),
    "median-empty-dim": lambda m: m.median(m.zeros(3, 0), 1),
    "median-empty-other": lambda m: tuple(m.median(m.zeros(0, 3), 1)),
    "addmm-self-dtype": lambda m: m.addmm(m.ones(2, dtype=m.float64), m.ones(1, 1), m.ones(1, 2)),
    "addmm-mat1-dtype": lambda m: m.addmm(m.ones(1, 1), m.ones(1, 1, dtype=m.float64), m.ones(1, 1)),
    "addmm-mat2-dtype": lambda m: m.addmm(m.ones(1, 1), m.ones(1, 1), m.ones(1, 1, dtype=m.float64)),
    "masked_fill-long-mask": lambda m: m.ones(2).masked_fill(m.tensor([1, 0]), 1.0),
    "masked_fill-half-mask": lambda m: m.ones(2).masked_fill(m.ones(2, dtype=m.float16), 1.0),
    "expand-too-few-sizes": lambda m: m.ones(2, 3, dtype=m.int64).expand(3),
    "where-two-floats": lambda m: m.where(m.tensor([True, False]), 1.0, 2.0),
    "where-int-float": lambda m: m.where(m.tensor([True, False]), 1, 2.0),
    "where-two-bools": lambda m: m.where(m.tensor([True, False]), True, False),
    # take checks its index as PyTorch does (no NumPy messages, no float or mask indexing)
    "take-out-of-range": lambda m: m.take(m.ones(2, 3), m.tensor([[0], [-7]])),
    "take-double-index": lambda m: m.take(m.ones(2, 3), m.tensor([0.0])),
    "take-int32-index": lambda m: m.take(m.ones(2, 3), m.tensor([0], dtype=m.int32)),
    "take-bool-index": lambda m: m.take(m.ones(2), m.tensor([True, False])),
    # reductions over an empty dimension: PyTorch's IndexError, naming the dim as written; other dims are fine
    "aminmax-empty-other-dim": lambda m: tuple(m.aminmax(m.zeros(0, 3), dim=1)),
    "aminmax-empty-dim": lambda m: m.aminmax(m.zeros(0, 3), dim=-2),
    "amin-empty-dim": lambda m: m.amin(m.zeros(0, 3), 0),
    "amax-empty-negative-dims": lambda m: m.amax(m.zeros(2, 0, 3), (2, -2)),
    "amax-empty-all": lambda m: m.amax(m.zeros(0, 3)),
    "amax-empty-kept": lambda m: m.amax(m.zeros(2, 0, 3), 2, True),
    # softmax of integers is an error in PyTorch, not a float64 result; with a float dtype it is computed
    "softmax-long-dim0": lambda m: m.softmax(m.tensor([[1, 2], [3, 4]]), 0),
    "softmax-long-lastdim": lambda m: m.softmax(m.tensor([[1, 2], [3, 4]]), -1),
    "softmax-0d-int": lambda m: m.softmax(m.tensor(1, dtype=m.int32), 0),
    "log_softmax-bool": lambda m: m.log_softmax(m.tensor([[True, False]]), 0),
    "softmax-long-to-float": lambda m: m.softmax(m.tensor([[1, 2], [3, 4]]), 1, dtype=m.float32),
    "softmax-float-to-long": lambda m: m.softmax(m.ones(2), 0, dtype=m.int64),
    "logaddexp-long": lambda m: m.logaddexp(m.tensor([1, 2]), m.tensor([1, 2])),
    "logaddexp2-bool": lambda m: m.logaddexp2(m.tensor([True]), m.tensor([False])),
    "logaddexp2-int-float": lambda m: m.logaddexp2(m.tensor([1, 2]), m.tensor([1.0, 0.5])),
    "block_diag-nothing": lambda m: m.block_diag(),
    "searchsorted-opposite-sides": lambda m: m.searchsorted(m.tensor([1, 2]), m.tensor([1]), right=True, side="left"),
    # trapezoid: x must have one value per sample; x with dx, or a number for x, is a signature error
    "trapezoid-x-too-short": lambda m: m.trapezoid(m.ones(2, 3), m.ones(2)),
    "trapezoid-x-too-long": lambda m: m.trapezoid(m.ones(2, 3), m.ones(3), dim=0),
    "cumulative_trapezoid-x-too-short": lambda m: m.cumulative_trapezoid(m.ones(2, 3), m.ones(2)),
    "trapezoid-x-and-dx": lambda m: m.trapezoid(m.ones(3), m.ones(3), dx=1.0),
    "cumulative_trapezoid-x-and-dx": lambda m: m.cumulative_trapezoid(m.ones(3), m.ones(3), dx=2),
    "trapezoid-number-x": lambda m: m.trapezoid(m.ones(3), 2.0),
    "trapezoid-empty-dim-ignores-x": lambda m: m.trapezoid(m.ones(2, 0), m.ones(3)),
    "cumulative_trapezoid-empty-dim-x": lambda m: m.cumulative_trapezoid(m.ones(2, 0), m.ones(3)),
    "trapezoid-int-x": lambda m: m.trapezoid(m.tensor([1, 2, 4]), m.tensor([0, 1, 3])),
    "cumulative_trapezoid-int": lambda m: m.cumulative_trapezoid(m.tensor([1, 2, 4]), dx=3),
    # torch.norm: 'nuc' is the matrix norm, dtype is honoured, empty max/min/negative norms have no identity
    "norm-nuc": lambda m: m.norm(m.arange(6.0).reshape(2, 3), "nuc"),
    "norm-nuc-dims-keepdim": lambda m: m.norm(m.arange(24.0).reshape(2, 3, 4), "nuc", (0, 2), True),
    "norm-nuc-3d": lambda m: m.norm(m.ones(2, 2, 2), "nuc"),
    "norm-nuc-one-dim": lambda m: m.norm(m.ones(2, 2), "nuc", 1),
    "norm-dtype": lambda m: m.norm(m.arange(6.0).reshape(2, 3), dtype=m.float64),
    "norm-p1-dim-dtype": lambda m: m.norm(m.arange(6.0).reshape(2, 3), 1, 1, dtype=m.float64),
    "norm-int-dtype": lambda m: m.norm(m.arange(3), dtype=m.float64),
    "norm-long-dtype": lambda m: m.norm(m.ones(3), dtype=m.int64),
    "vector_norm-int-dtype": lambda m: m.linalg.vector_norm(m.arange(3), dtype=m.float64),
    "vector_norm-inf-empty": lambda m: m.linalg.vector_norm(m.zeros(0, 3), float("inf")),
    "vector_norm-neg-inf-empty-dim": lambda m: m.linalg.vector_norm(m.zeros(0, 3), -float("inf"), 0),
    "vector_norm-negative-empty": lambda m: m.linalg.vector_norm(m.zeros(0, 3), -1),
    "vector_norm-negative-other-dim": lambda m: m.linalg.vector_norm(m.zeros(0, 3), -0.5, 1),
    "vector_norm-two-empty": lambda m: m.linalg.vector_norm(m.zeros(0, 3), 2, 0),
}


def test_negative_zero_scalar_keeps_its_sign(torch):
    # ember caches the 0-d tensors of Python scalars: 0.0 and -0.0 are equal keys but differ in sign
    for lib in (torch, ember):
        x = lib.tensor([1.0, -1.0])
        x * 0.0
        assert (1 / (x * -0.0)).tolist() == [-float("inf"), float("inf")]
        assert (1 / (x - 1.0 + -0.0)).tolist()[0] == float("inf")  # 0.0 + -0.0 is +0.0


@pytest.mark.parametrize("name", list(OUTCOME_CASES))
def test_values_and_errors_match_torch(torch, name):
    _same_outcome(torch, OUTCOME_CASES[name])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_hypot_inf_beats_nan_in_both_orders_as_torch(torch, dtype):
    # IEEE hypot: an infinite leg gives +inf even when the other is NaN
    specials = [float("inf"), -float("inf"), float("nan"), 0.0, -3.0, 1e30]
    a = [x for x in specials for _ in specials]
    b = [y for _ in specials for y in specials]
    for x, y in ((a, b), (b, a)):
        _same_outcome(torch, lambda m, x=x, y=y: m.hypot(m.tensor(x, dtype=getattr(m, dtype)),
                                                         m.tensor(y, dtype=getattr(m, dtype))))


def test_hypot_is_one_graph_node_with_torchs_name_and_double_backward(torch):
    x = ember.tensor([3.0, -1.0, 0.5], dtype=ember.float64, requires_grad=True)
    y = ember.tensor([4.0, 2.0, -0.25], dtype=ember.float64, requires_grad=True)
    t = torch.ones(1, requires_grad=True)
    assert ember.hypot(x, y).grad_fn.name() == torch.hypot(t, t).grad_fn.name()
    assert ember.autograd.gradcheck(ember.hypot, (x, y))
    assert ember.autograd.gradgradcheck(ember.hypot, (x, y))


def test_float32_atan2_rounds_as_torch(torch):
    # NumPy's SIMD float32 arctan2 is up to ~2.5 ulp off (atan2(1, 1) = 0.7853981, torch's 0-d 0.7853982);
    # ember rounds the float64 result. torch's own float32 atan2 is faithful, not correctly rounded (its SIMD
    # body and its scalar tail differ), so bit equality is checked on the 0-d case and the agreement rate on
    # random pairs (the old float32 path: ~40% differ, now a few %)
    assert ember.atan2(ember.tensor(1.0), ember.tensor(1.0)).item() == torch.atan2(
        torch.tensor(1.0), torch.tensor(1.0)).item()
    specials = [0.0, -0.0, 1.0, -1.0, float("inf"), -float("inf"), float("nan"), 1e-45, 3e38]
    y = [a for a in specials for _ in specials]
    x = [b for _ in specials for b in specials]
    _same_outcome(torch, lambda m: m.atan2(m.tensor(y), m.tensor(x)))
    got = ember.atan2(ember.tensor(y), ember.tensor(x)).numpy()
    want = torch.atan2(torch.tensor(y), torch.tensor(x)).numpy()
    assert np.array_equal(np.signbit(got[~np.isnan(got)]), np.signbit(want[~np.isnan(want)]))  # signed zeros
    rng = np.random.default_rng(0)
    y, x = rng.standard_normal((2, 20000)).astype(np.float32)
    got = ember.atan2(ember.tensor(y), ember.tensor(x)).numpy()
    want = torch.atan2(torch.tensor(y), torch.tensor(x)).numpy()
    assert np.abs(got - want).max() <= 2 * np.spacing(np.float32(np.pi))
    assert (got != want).mean() < 0.1


def test_hypot_and_logaddexp_gradients_match_torch(torch):
    grads = []
    for lib in (ember, torch):
        x = lib.tensor([3.0, -1e30, 1e-30, 0.5, -2.0], requires_grad=True)
        y = lib.tensor([-4.0, 1e30, 1e-30, 0.25, 30.0], requires_grad=True)
        (lib.hypot(x, y) * lib.tensor([1.0, 2, 3, 4, 5])).sum().backward()
        (lib.logaddexp(x[3:], y[3:]) + lib.logaddexp2(x[3:], y[3:])).sum().backward()
        grads.append((x.grad.numpy(), y.grad.numpy()))
    for got, want in zip(grads[0], grads[1]):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


TRAPEZOID_GRAPHS = {
    "trapezoid": lambda m, y: m.trapezoid(y),
    "trapezoid-dx": lambda m, y: m.trapezoid(y, dx=0.5),
    "trapezoid-x": lambda m, y: m.trapezoid(y, m.tensor([0.0, 1.0, 3.0])),
    "cumulative_trapezoid": lambda m, y: m.cumulative_trapezoid(y, dx=2.0, dim=0),
    "cumulative_trapezoid-x": lambda m, y: m.cumulative_trapezoid(y, m.tensor([[0.0, 1.0, 3.0], [1.0, 2.0, 2.5]])),
}


@pytest.mark.parametrize("name", list(TRAPEZOID_GRAPHS))
def test_trapezoid_records_torchs_last_node_and_gradient(torch, name):
    # the final scaling is by a number: PyTorch records MulBackward1 (spacing dx) or DivBackward1 (x, halved)
    got = {}
    for lib in (torch, ember):
        y = lib.tensor(_B, requires_grad=True)
        out = TRAPEZOID_GRAPHS[name](lib, y)
        out.backward(lib.tensor(np.random.default_rng(2).standard_normal(tuple(out.shape)).astype("float32")))
        got[lib.__name__] = (out.grad_fn.name(), out.detach().numpy(), y.grad.numpy())
    assert got["ember"][0] == got["torch"][0]
    for g, w in zip(got["ember"][1:], got["torch"][1:]):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)


def test_inner_and_tile_errors_match_torch(torch):
    def errors(lib):
        a = lib.ones(3, 4)
        out = []
        for fn in (lambda: lib.inner(a, lib.ones(4, 5)), lambda: lib.inner(a[0], lib.ones(5)),
                   lambda: lib.inner(a, lib.ones(4, dtype=lib.float64)), lambda: a.tile(2.0), lambda: a.tile("x"),
                   lambda: a.tile(2, 1.5), lambda: lib.tile(a, 2), lambda: lib.tile(a, (2, 1.5))):
            with pytest.raises((RuntimeError, TypeError)) as info:
                fn()
            out.append((info.type, str(info.value)))
        return out

    assert errors(ember) == errors(torch)


# ------------------------------------------------- calling conventions (0-d tensors, keywords, out=, dtypes, errors)


def _cc_plain(r):
    """A result as comparable data: ``(dtype, shape, array)`` per tensor, recursively through tuples."""
    if isinstance(r, (tuple, list)):
        return [type(r) is list] + [_cc_plain(x) for x in r]
    if hasattr(r, "detach"):
        return (str(r.dtype).split(".")[-1], tuple(r.shape), r.detach().numpy())
    return r


def _cc_outcome(lib, fn):
    """``fn(lib)`` as plain data, or its exception's builtin base type and first message line."""
    try:
        return _cc_plain(fn(lib))
    except Exception as exc:  # noqa: BLE001 - any error is part of the behaviour under test
        base = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
        return ("error", base.__name__, str(exc).split("\n")[0])


def _cc_assert_same(got, want):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want) and got[0] == want[0], (got, want)
        for g, w in zip(got[1:], want[1:]):
            _cc_assert_same(g, w)
    elif isinstance(want, tuple) and len(want) == 3 and isinstance(want[2], np.ndarray):
        assert got[:2] == want[:2], (got, want)
        np.testing.assert_allclose(got[2], want[2], rtol=1e-6, atol=1e-6)
    else:
        assert got == want


def _filled(call, out):
    """The ``out=`` buffer(s) after ``call(out)``."""
    call(out)
    return out


_NAN = float("nan")
CALLS = {
    # a 0-d tensor accepts dim 0 and -1 (as a 1-element tensor) in reductions, scans, sorts and indexing
    "sum-0d-dims": lambda m: m.sum(m.tensor(2.0), dim=(0,)),
    "sum-0d-keepdim": lambda m: m.tensor(2.0).sum(-1, keepdim=True),
    "mean-0d": lambda m: m.mean(m.tensor(2.0), 0),
    "var-0d": lambda m: m.var(m.tensor(2.0), 0, correction=0),
    "amax-0d": lambda m: m.amax(m.tensor(2.0), dim=-1),
    "all-0d": lambda m: m.all(m.tensor(1.0), 0),
    "count_nonzero-0d": lambda m: m.count_nonzero(m.tensor(3), dim=0),
    "logsumexp-0d": lambda m: m.logsumexp(m.tensor(2.0), 0),
    "nansum-0d": lambda m: m.nansum(m.tensor(2.0), (0,)),
    "norm-0d": lambda m: m.norm(m.tensor(-2.0), dim=0),
    "cumsum-0d": lambda m: m.cumsum(m.tensor(2.0), 0),
    "cumprod-0d-dtype": lambda m: m.cumprod(m.tensor(True), -1, dtype=m.float64),
    "logcumsumexp-0d": lambda m: m.logcumsumexp(m.tensor(2.0), 0),
    "sort-0d": lambda m: m.sort(m.tensor(2.0)),
    "argsort-0d": lambda m: m.argsort(m.tensor(2.0), dim=0),
    "topk-0d": lambda m: m.topk(m.tensor(2.0), 1),
    "kthvalue-0d": lambda m: m.kthvalue(m.tensor(2.0), 1),
    "msort-0d": lambda m: m.msort(m.tensor(2.0)),
    "max-0d-dim": lambda m: m.max(m.tensor(2.0), 0),
    "min-0d-dim-keepdim": lambda m: m.min(m.tensor(2.0), -1, keepdim=True),
    "flip-0d": lambda m: m.flip(m.tensor(2.0), (0,)),
    "movedim-0d": lambda m: m.movedim(m.tensor(2.0), 0, -1),
    "gather-0d": lambda m: m.gather(m.tensor(2.0), 0, m.tensor(0)),
    "gather-0d-1-element-index": lambda m: m.gather(m.tensor(2.0), -1, m.tensor([0])),
    "scatter-0d": lambda m: m.scatter(m.tensor(2.0), 0, m.tensor(0), 5.0),
    "scatter_add-0d": lambda m: m.scatter_add(m.tensor(2.0), 0, m.tensor(0), m.tensor(3.0)),
    "index_select-0d": lambda m: m.index_select(m.tensor(2.0), 0, m.tensor([0])),
    "nonzero-0d": lambda m: m.nonzero(m.tensor(2.0)),
    "nonzero-0d-as-tuple": lambda m: m.nonzero(m.tensor(2.0), as_tuple=True),
    "argwhere-0d-zero": lambda m: m.argwhere(m.tensor(0.0)),
    # empty tensors
    "split-empty": lambda m: m.split(m.ones(0), 1),
    "chunk-empty": lambda m: m.chunk(m.ones(0), 2),
    "chunk-empty-dim1": lambda m: m.chunk(m.ones(2, 0), 2, 1),
    "inner-empty": lambda m: m.inner(m.ones(2, 0), m.ones(3, 0)),
    "inner-empty-1d": lambda m: m.inner(m.ones(0), m.ones(0)),
    "histc-empty": lambda m: m.histc(m.ones(0)),
    # descending sorts: NaN first, bool and unsigned values, ties in their original order
    "sort-descending-nan": lambda m: m.sort(m.tensor([[1.0, _NAN, 3, 3, -1], [2, 2, 0, _NAN, 5]]), descending=True),
    "sort-descending-bool": lambda m: m.sort(m.tensor([True, False, True]), descending=True),
    "sort-descending-uint8": lambda m: m.sort(m.tensor([3, 0, 200], dtype=m.uint8), descending=True),
    "topk-nan": lambda m: m.topk(m.tensor([1.0, _NAN, 3.0]), 2),
    # keywords and positional flags
    "all-keepdim-without-dim": lambda m: m.all(m.ones(2, 3), keepdim=True),
    "any-dim-none-keepdim": lambda m: m.any(m.ones(2, 3), None, True),
    "all-uint8": lambda m: m.all(m.tensor([1, 2], dtype=m.uint8)),
    "std_mean-unbiased-positional": lambda m: m.std_mean(m.arange(6.0).reshape(2, 3), False),
    "var_mean-unbiased-positional": lambda m: m.var_mean(m.arange(6.0).reshape(2, 3), True),
    "reshape-shape-kw": lambda m: m.reshape(m.arange(6.0), shape=(3, 2)),
    "permute-dims-kw": lambda m: m.permute(m.ones(2, 3), dims=[1, 0]),
    "broadcast_to-size-kw": lambda m: m.broadcast_to(m.ones(3), size=(2, 3)),
    "swapaxes-kw": lambda m: m.swapaxes(m.ones(2, 3), axis0=0, axis1=1),
    "dot-tensor-kw": lambda m: m.dot(m.ones(2), tensor=m.ones(2)),
    "max-other-kw": lambda m: m.max(m.tensor([1.0, 5.0]), other=m.tensor([3.0, 2.0])),
    "min-other-kw": lambda m: m.min(m.tensor([1.0, 5.0]), other=m.tensor([3.0, 2.0])),
    "tensor_split-sections-kw": lambda m: m.tensor_split(m.arange(5.0), sections=2),
    "tensor_split-indices-kw": lambda m: m.tensor_split(m.arange(5.0), indices=[1, 3]),
    "tensor_split-0d-tensor": lambda m: m.tensor_split(m.arange(5.0), m.tensor(2)),
    "nanmean-dtype": lambda m: m.nanmean(m.tensor([1.0, _NAN]), dtype=m.float64),
    "nan_to_num-nan-none": lambda m: m.nan_to_num(m.tensor([_NAN, 1.0]), None, 1.0),
    # out= (the buffers afterwards)
    "mean-out": lambda m: _filled(lambda o: m.mean(m.ones(2, 3), 0, out=o), m.empty(0)),
    "eq-out-float": lambda m: _filled(lambda o: m.eq(m.ones(2), m.ones(2), out=o), m.empty(0)),
    "maximum-out": lambda m: _filled(lambda o: m.maximum(m.ones(2), m.zeros(2), out=o), m.empty(0)),
    "max-dim-out": lambda m: _filled(lambda o: m.max(m.tensor([[1.0, 3.0]]), 1, out=o),
                                     (m.empty(0), m.empty(0, dtype=m.long))),
    "max-other-out": lambda m: _filled(lambda o: m.max(m.tensor([1.0, 3.0]), m.tensor([2.0, 2.0]), out=o), m.empty(0)),
    "sort-out": lambda m: _filled(lambda o: m.sort(m.tensor([3.0, 1.0]), out=o),
                                  (m.empty(0), m.empty(0, dtype=m.long))),
    "floor-out": lambda m: _filled(lambda o: m.floor(m.tensor([1.5, -0.5]), out=o), m.empty(0)),
    "cumsum-out-double": lambda m: _filled(lambda o: m.cumsum(m.ones(3), 0, out=o), m.empty(0, dtype=m.float64)),
    "pow-int-out": lambda m: _filled(lambda o: m.pow(m.tensor([2, 3]), m.tensor([2, 1]), out=o),
                                     m.empty(0, dtype=m.long)),
    "add-out-cannot-cast": lambda m: m.add(m.ones(2), m.ones(2), out=m.empty(0, dtype=m.long)),
    "mean-out-cannot-cast": lambda m: m.mean(m.ones(2), out=m.empty(0, dtype=m.long)),
    # result dtypes
    "atan2-int": lambda m: m.atan2(m.tensor([1, 2]), m.tensor([3, -1])),
    "logsumexp-int": lambda m: m.logsumexp(m.tensor([[1, 2], [3, 4]]), 0),
    "logsumexp-bool": lambda m: m.logsumexp(m.tensor([True, False]), 0),
    "lerp-0d-double-weight": lambda m: m.lerp(m.zeros(2), m.ones(2), m.tensor(0.25, dtype=m.float64)),
    "lerp-int-0d-float-weight": lambda m: m.lerp(m.tensor([1, 2]), m.tensor([3, 4]), m.tensor(0.5)),
    "clamp-int-tensor-min": lambda m: m.clamp(m.tensor([1, 2, 3]), min=m.tensor(1.5)),
    "clamp_min-int-tensor": lambda m: m.clamp_min(m.tensor([1, 2, 3]), m.tensor(1.5)),
    "clamp-bool-tensor": lambda m: m.clamp(m.tensor([True, False]), max=m.tensor(0.5)),
    "clamp-bool-int": lambda m: m.clamp(m.tensor([True, False]), min=-1),
    "pow-int-negative": lambda m: m.tensor([2, 1, -1, 0, 3, -2]) ** m.tensor([-1, -2, -3, -1, -2, -1]),
    "pow-bool-true": lambda m: m.pow(m.tensor([True, False]), True),
    "pow-bool-false": lambda m: m.pow(m.tensor([True, False]), False),
    "histc-tensor-bounds": lambda m: m.histc(m.tensor([1.0, 2, 3]), 4, m.tensor(0.0), m.tensor(4.0)),
    "bitwise_and-number-first": lambda m: m.bitwise_and(2, m.tensor([3])),
    # errors: PyTorch's exception types (and messages)
    "pow-bool-tensors": lambda m: m.pow(m.tensor([True]), m.tensor([True])),
    "lerp-end-dtype": lambda m: m.lerp(m.ones(2), m.ones(2, dtype=m.float64), 0.5),
    "lerp-weight-dtype": lambda m: m.lerp(m.ones(2), m.ones(2), m.ones(2, dtype=m.float64)),
    "lerp-int-scalar": lambda m: m.lerp(m.tensor([1, 2]), m.tensor([3, 4]), 0.5),
    "lerp-int-tensor": lambda m: m.lerp(m.tensor([1]), m.tensor([3]), m.tensor([1])),
    "exp-number": lambda m: m.exp(1),
    "floor-number": lambda m: m.floor(0.5),
    "eq-numbers": lambda m: m.eq(1, 2),
    "isnan-number": lambda m: m.isnan(0.5),
    "mean-number": lambda m: m.mean(2.0),
    "allclose-number": lambda m: m.allclose(m.ones(1), 2),
    "fmod-broadcast": lambda m: m.fmod(m.ones(2, 3), m.ones(3, 2)),
    "floor_divide-broadcast": lambda m: m.floor_divide(m.ones(2, 3), m.ones(3, 2)),
    "logical_and-broadcast": lambda m: m.logical_and(m.ones(2, 3), m.ones(3, 2)),
    "clamp-broadcast": lambda m: m.clamp(m.ones(2, 3), m.ones(3, 2)),
    "isclose-broadcast": lambda m: m.isclose(m.ones(2, 3), m.ones(3, 2)),
    "allclose-broadcast": lambda m: m.allclose(m.ones(2, 3), m.ones(3, 2)),
    "isclose-dtypes": lambda m: m.isclose(m.ones(1), m.ones(1, dtype=m.float64)),
    "allclose-dtypes": lambda m: m.allclose(m.ones(1), m.ones(1, dtype=m.int64)),
    "var-int": lambda m: m.var(m.tensor([1, 2])),
    "std-bool": lambda m: m.std(m.tensor([True, False])),
    "argmax-bool": lambda m: m.argmax(m.tensor([True, False])),
    "argmin-bool": lambda m: m.argmin(m.tensor([True, False]), 0),
    "abs-bool": lambda m: m.abs(m.tensor([True])),
    "floor-bool": lambda m: m.floor(m.tensor([True])),
    "round-decimals-bool": lambda m: m.round(m.tensor([True]), decimals=1),
    "outer-2d": lambda m: m.outer(m.ones(2, 2), m.ones(2)),
    "outer-0d": lambda m: m.outer(m.ones(2), m.tensor(1.0)),
    "mv-1d": lambda m: m.mv(m.ones(3), m.ones(3)),
    "movedim-mismatch": lambda m: m.movedim(m.ones(2, 3), (0, 1), (0,)),
    "nanmean-int-dtype": lambda m: m.nanmean(m.ones(2), dtype=m.int64),
    "nanmean-int": lambda m: m.nanmean(m.tensor([1, 2])),
    "nanmean-int-float-dtype": lambda m: m.nanmean(m.tensor([1, 2]), dtype=m.float64),
    "nanmean-bool": lambda m: m.tensor([True]).nanmean(),
    "mean-int-dtype": lambda m: m.mean(m.ones(2), dtype=m.int64),
    "kthvalue-0d-k2": lambda m: m.kthvalue(m.tensor(2.0), 2),
    "topk-0d-k2": lambda m: m.topk(m.tensor(2.0), 2),
    "index_select-0d-two": lambda m: m.index_select(m.tensor(2.0), 0, m.tensor([0, 0])),
    "split-0d": lambda m: m.split(m.tensor(2.0), 1),
    "chunk-0d": lambda m: m.chunk(m.tensor(2.0), 2),
    "tensor_split-0d": lambda m: m.tensor_split(m.tensor(2.0), 2),
    "diff-0d": lambda m: m.diff(m.tensor(2.0)),
    "unflatten-0d": lambda m: m.unflatten(m.tensor(2.0), 0, (1,)),
    "tril-1d": lambda m: m.tril(m.ones(3)),
    "triu-0d": lambda m: m.triu(m.tensor(2.0)),
    "diag-3d": lambda m: m.diag(m.ones(2, 3, 4)),
    "diagonal-same-dims": lambda m: m.diagonal(m.ones(2, 3), 0, 1, -1),
    "trace-1d": lambda m: m.trace(m.ones(3)),
    "cross-no-size-3": lambda m: m.cross(m.ones(2), m.ones(2)),
    "fliplr-1d": lambda m: m.fliplr(m.ones(3)),
    "flipud-0d": lambda m: m.flipud(m.tensor(2.0)),
    "flip-repeated-dims": lambda m: m.flip(m.ones(3), [0, -1]),
    "roll-0d-dim": lambda m: m.roll(m.tensor(2.0), 1, 0),
    "narrow-0d": lambda m: m.narrow(m.tensor(1.0), 0, 0, 1),
    "multinomial-0d": lambda m: m.multinomial(m.tensor(1.0), 1),
    "multinomial-negative": lambda m: m.multinomial(m.tensor([-1.0, 2.0]), 1),
    "multinomial-zero-sum": lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1),
    "scatter-index-beyond-src": lambda m: m.scatter(m.ones(2, 3), 1, m.zeros(2, 3, dtype=m.long), m.ones(2, 2)),
    "bincount-float": lambda m: m.bincount(m.tensor([1.0])),
    "bincount-0d": lambda m: m.bincount(m.tensor(1)),
    "randn-int-dtype": lambda m: m.randn(2, dtype=m.int64),
    "rand-int-dtype": lambda m: m.rand(2, dtype=m.int64),
    "scatter-src-dtype": lambda m: m.scatter(m.ones(3), 0, m.tensor([0]), m.ones(3, dtype=m.float64)),
    "scatter-0d-src": lambda m: m.scatter(m.ones(2, 3), 0, m.zeros(2, 3, dtype=m.long), m.tensor(1.0)),
}


_TYPE_ONLY = {"eq-numbers", "mean-out-cannot-cast"}  # the same exception type, worded differently


@pytest.mark.parametrize("name", list(CALLS))
def test_calling_conventions_match_torch(torch, name):
    got, want = _cc_outcome(ember, CALLS[name]), _cc_outcome(torch, CALLS[name])
    if name in _TYPE_ONLY:
        got, want = got[:2], want[:2]
    _cc_assert_same(got, want)


def test_out_returns_the_out_tensor_resized_and_cast(torch):
    for lib in (torch, ember):
        out = lib.empty(5, dtype=lib.float64)
        assert lib.mean(lib.ones(2, 3), 1, out=out) is out and out.shape == (2,) and out.dtype == lib.float64
        vals, idx = lib.empty(0), lib.empty(0, dtype=lib.long)
        res = lib.max(lib.tensor([[1.0, 3.0]]), 1, out=(vals, idx))
        assert res.values is vals and res.indices is idx and idx.tolist() == [1]


ZERO_D_GRADS = {
    "sum": lambda m, x: m.sum(x, (0,)) * 3,
    "mean": lambda m, x: m.mean(x, -1, keepdim=True),
    "cumsum": lambda m, x: m.cumsum(x, 0),
    "cumprod": lambda m, x: m.cumprod(x, -1),
    "logsumexp": lambda m, x: m.logsumexp(x, 0),
    "sort": lambda m, x: m.sort(x, 0).values,
    "max-dim": lambda m, x: m.max(x, 0).values,
    "gather": lambda m, x: m.gather(x, 0, m.tensor([0, 0])),
    "scatter": lambda m, x: m.scatter(x, 0, m.tensor(0), x * 2),
    "flip": lambda m, x: m.flip(x, (0,)) * x,
    "lerp-promoted": lambda m, x: m.lerp(x.float().expand(2), m.ones(2), m.tensor(0.25, dtype=m.float64)),
}


@pytest.mark.parametrize("name", list(ZERO_D_GRADS))
def test_zero_dim_calls_have_torchs_gradient(torch, name):
    got = {}
    for lib in (torch, ember):
        x = lib.tensor(0.7, dtype=lib.float64, requires_grad=True)
        out = ZERO_D_GRADS[name](lib, x)
        out.backward(lib.tensor(np.random.default_rng(3).standard_normal(tuple(out.shape))).to(out.dtype))
        got[lib.__name__] = (str(out.dtype).split(".")[-1], out.detach().numpy(), x.grad.numpy())
    assert got["ember"][0] == got["torch"][0]
    for g, w in zip(got["ember"][1:], got["torch"][1:]):
        np.testing.assert_allclose(g, w, rtol=1e-6)
    if name not in ("lerp-promoted",):
        assert ember.autograd.gradcheck(lambda x: ZERO_D_GRADS[name](ember, x),
                                        (ember.tensor(0.7, dtype=ember.float64, requires_grad=True),))


@pytest.mark.parametrize("bounds", [dict(min=2.0), dict(max=2.0), dict(min=1.5, max=2.5)])
def test_clamp_backward_stops_nan_at_clamped_elements(torch, bounds):
    # a NaN or inf upstream gradient at a clamped element gives 0, not NaN (PyTorch selects, it does not multiply)
    grads = []
    for lib in (torch, ember):
        x = lib.tensor([1.0, 2.2, 3.0], requires_grad=True)
        y = x.clamp(**bounds)
        (y * lib.tensor([float("nan"), 1.0, float("inf")])).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])


@pytest.mark.parametrize("shapes", [((2, 3), (4,)), ((2, 1), (1, 3), (5, 1, 4)), ((3,), (2, 3), (2, 4)),
                                    ((2, 1), (1, 3)), ((1,), (0, 3))])
def test_broadcast_tensors_matches_torch(torch, shapes):
    # a mismatch is PyTorch's RuntimeError naming the sizes and the dimension (was NumPy's ValueError)
    def run(lib):
        try:
            return [tuple(t.shape) for t in lib.broadcast_tensors(*[lib.ones(s) for s in shapes])]
        except RuntimeError as e:
            return str(e)

    assert run(ember) == run(torch)


def test_broadcast_tensors_returns_inputs_already_of_the_shape(torch):
    # an input that already has the broadcast shape comes back as itself (0-d, non-contiguous, non-leaf too);
    # the others are expanded views with PyTorch's grad_fn
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        z = lib.tensor(1.0)
        nc = lib.ones(3, 4).t()
        w = x * 2
        a, b = lib.broadcast_tensors(x, lib.ones(2, 1))
        c, d = lib.broadcast_tensors(x, y := lib.ones(3))
        (e,) = lib.broadcast_tensors(z)
        f, _ = lib.broadcast_tensors(nc, lib.ones(4, 3))
        g, _ = lib.broadcast_tensors(w, lib.ones(3))
        return (a is x, type(a.grad_fn).__name__, b.grad_fn, c is x, d is y, e is z, f is nc, g is w,
                type(g.grad_fn).__name__)

    assert run(ember) == run(torch) == (False, "ExpandBackward0", None, True, True, True, True, True, "MulBackward0")


@pytest.mark.parametrize("call", [
    lambda m: m.ones(2, 3).masked_fill(m.ones(4, dtype=m.bool), 0.0),
    lambda m: m.ones(2, 3).masked_fill(m.ones(4, dtype=m.bool), m.tensor(1.0)),
    lambda m: m.masked_fill(m.ones(1, 1, 2, 2), m.ones(3, 3, dtype=m.bool), 1.0),
    lambda m: m.ones(2, 3).masked_fill_(m.ones(4, dtype=m.bool), 0.0),
    lambda m: m.ones(3).masked_fill_(m.ones(2, 3, dtype=m.bool), 0.0),
    lambda m: m.nn.functional.scaled_dot_product_attention(
        m.ones(1, 1, 2, 4), m.ones(1, 1, 2, 4), m.ones(1, 1, 2, 4), attn_mask=m.ones(3, 3, dtype=m.bool)),
])
def test_masked_fill_mask_that_does_not_broadcast_raises_torchs_error(torch, call):
    with pytest.raises(RuntimeError) as ref:
        call(torch)
    with pytest.raises(RuntimeError) as got:
        call(ember)
    assert str(got.value) == str(ref.value)


# Special values (signed zeros, infinities, NaN) and quotients that round to an integer (1 // 0.1 is 9); no huge
# ratios or subnormal divisors, where PyTorch's vectorised float32 fmod gives NaN on some lanes only.
_DIV_VALUES = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 3.0, -3.0, 7.0, 0.1, -0.3, 0.7, 1e10, -1e10, 1e-10,
               float("inf"), float("-inf"), float("nan")]
_DIV_CALLS = {
    "floor_divide": lambda m, x, y: m.floor_divide(x, y), "//": lambda m, x, y: x // y,
    "div-floor": lambda m, x, y: m.div(x, y, rounding_mode="floor"), "remainder": lambda m, x, y: m.remainder(x, y),
    "%": lambda m, x, y: x % y, "fmod": lambda m, x, y: m.fmod(x, y),
    "//-number": lambda m, x, y: x // -0.3, "rfloordiv-number": lambda m, x, y: 2.5 // y,
    "%-number": lambda m, x, y: x % -1.0, "rmod-number": lambda m, x, y: -0.0 % y,
    "remainder_": lambda m, x, y: x.clone().remainder_(y), "//=": lambda m, x, y: x.clone().__ifloordiv__(y),
}


def _same_bits(e, t):
    """Equal bit for bit (signed zeros too), any NaN matching any NaN."""
    e, t = (v.float().numpy() if str(v.dtype).endswith("bfloat16") else v.numpy() for v in (e, t))
    assert e.dtype == t.dtype and e.shape == t.shape
    nan = np.isnan(t)
    np.testing.assert_array_equal(np.isnan(e), nan)
    assert e[~nan].tobytes() == t[~nan].tobytes(), [(a, b) for a, b in zip(e[~nan], t[~nan]) if str(a) != str(b)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("call", list(_DIV_CALLS))
def test_floor_division_and_remainders_of_floats_bit_exact_as_torch(torch, call, dtype):
    """Python's floor division and remainder, as PyTorch's kernels compute them from fmod: -1 for 1 // -inf, NaN for
    inf // 1, 9 for 1 // 0.1, a zero remainder with the dividend's sign; bit for bit, with numbers too."""
    pairs = [(x, y) for x in _DIV_VALUES for y in _DIV_VALUES]
    xs, ys = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    t, e = (_DIV_CALLS[call](m, m.tensor(xs, dtype=getattr(m, dtype)), m.tensor(ys, dtype=getattr(m, dtype)))
            for m in (torch, ember))
    assert str(e.dtype).split(".")[-1] == dtype
    _same_bits(e, t)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_floor_divide_of_large_and_integer_quotients_as_torch(torch, dtype):
    # (floor(a / b) rounds quotients up to integers and huge quotients differ from fmod's: ember's shortcut must
    # fall back exactly there)
    rng = np.random.default_rng(0)
    n = 4000
    b = ((rng.random(n) * 10 + 0.01) * rng.choice([-1, 1], n)).astype(dtype)
    q = rng.uniform(1, 2, n) * 2.0 ** rng.integers(0, 60, n) * rng.choice([-1, 1], n)
    a = (q * b).astype(dtype)
    a[: n // 4], b[: n // 4] = np.round(a[: n // 4]), np.round(b[: n // 4]) + 1
    for other in (b, 3.0):
        t, e = (m.floor_divide(m.tensor(a), m.tensor(other) if isinstance(other, np.ndarray) else other)
                for m in (torch, ember))
        _same_bits(e, t)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_floor_divide_of_zero_dim_tensors_as_torch(torch, dtype):
    # (a 0-d quotient is a NumPy scalar: the corrections must still land in it, 1 // 0.1 is 9 in float64 too)
    pairs = [(x, y) for x in _DIV_VALUES for y in _DIV_VALUES]
    for call in ("floor_divide", "remainder"):
        t, e = ([_DIV_CALLS[call](m, m.tensor(x, dtype=getattr(m, dtype)), m.tensor(y, dtype=getattr(m, dtype)))
                 for x, y in pairs] for m in (torch, ember))
        _same_bits(ember.stack(e), torch.stack(t))


def test_remainder_gradient_uses_the_floor_quotient_as_torch(torch):
    got = {}
    for m in (torch, ember):
        x = m.tensor([1.0, -0.0, 5.0, 7.5], dtype=m.float64, requires_grad=True)
        y = m.tensor([0.1, 1.0, 2.0, -2.5], dtype=m.float64, requires_grad=True)
        m.remainder(x, y).sum().backward()
        got[m.__name__] = y.grad.numpy()
    np.testing.assert_array_equal(got["ember"], got["torch"])  # (-9 for 1 % 0.1: 1 // 0.1 is 9)


_SELECTIONS = {
    "topk": lambda m, t: m.topk(t, 2, dim=-1), "topk-smallest": lambda m, t: m.topk(t, 2, 0, largest=False),
    "sort": lambda m, t: m.sort(t, 0, True), "sort-stable": lambda m, t: m.sort(t, dim=-1, stable=True),
    "msort": lambda m, t: (m.msort(t),), "kthvalue": lambda m, t: m.kthvalue(t, 2, 0),
    "max": lambda m, t: m.max(t, -1), "min": lambda m, t: m.min(t, 0, True),
    "median": lambda m, t: m.median(t, -1), "median-keepdim": lambda m, t: m.median(t, 0, True),
    "nanmedian": lambda m, t: m.nanmedian(t, -1), "mode": lambda m, t: m.mode(t, -1, True),
    "topk-0d": lambda m, t: m.topk(t[0, 0], 1), "sort-0d": lambda m, t: m.sort(t[0, 0]),
    "max-0d": lambda m, t: m.max(t[0, 0], 0), "median-0d": lambda m, t: m.median(t[0, 0], 0),
    "nanmedian-0d": lambda m, t: m.nanmedian(t[0, 0], -1), "mode-0d": lambda m, t: m.mode(t[0, 0], 0),
}


@pytest.mark.parametrize("call", list(_SELECTIONS))
def test_selections_record_torchs_node_and_gradient(torch, call):
    # one node named as PyTorch's (TopkBackward0, SortBackward0/1, MedianBackward1, ...), not a gather or select
    x = np.array([[3.0, 1.0, 2.0, 5.0], [0.0, 4.0, 4.0, 1.0], [2.0, np.nan, 7.0, 7.0]], np.float32)
    got = {}
    for m in (torch, ember):
        t = m.tensor(x, requires_grad=True)
        out = _SELECTIONS[call](m, t)
        out[0].backward(m.ones(tuple(out[0].shape)) * 2)
        got[m.__name__] = (out[0].grad_fn.name(), len(out[0].grad_fn.next_functions), t.grad.numpy(),
                           [o.detach().numpy() for o in out])
    e, t = got["ember"], got["torch"]
    assert e[:2] == t[:2]
    np.testing.assert_array_equal(e[2], t[2])
    for a, b in zip(e[3], t[3]):
        np.testing.assert_array_equal(a, b)


_SCATTER_REDUCE = {
    "add-value": lambda m, x, s, i: x.scatter(1, i, 2.0, reduce="add"),
    "multiply-value": lambda m, x, s, i: x.scatter(1, i, 2.0, reduce="multiply"),
    "add-src": lambda m, x, s, i: m.scatter(x, 1, i, s, reduce="add"),
    "multiply-src": lambda m, x, s, i: x.scatter(1, i, s, reduce="multiply"),
    "add-value-inplace": lambda m, x, s, i: x.clone().scatter_(1, i, 2.0, reduce="add"),
    "multiply-src-inplace": lambda m, x, s, i: x.clone().scatter_(1, i, s, reduce="multiply"),
    "int-multiply-float-value": lambda m, x, s, i: x.long().scatter(1, i, 2.5, reduce="multiply"),
    "dim0": lambda m, x, s, i: x.t().scatter(0, i.t(), s.t(), reduce="add"),
}


@pytest.mark.parametrize("call", list(_SCATTER_REDUCE))
def test_scatter_reduce_argument_combines_repeated_indices(torch, call):
    # every write at a repeated index is combined (the old code kept one), and the result, as PyTorch's, has a node
    # that refuses to be differentiated
    import warnings
    got = {}
    for m in (torch, ember):
        x = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        s = m.tensor([[2.0, 3.0, 4.0, 5.0], [1.0, -1.0, 2.0, 0.5]], requires_grad=True)
        i = m.tensor([[0, 0, 1, 0], [2, 2, 2, 1]])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = _SCATTER_REDUCE[call](m, x, s, i)
        err = None
        if out.requires_grad:
            with pytest.raises(RuntimeError) as info:
                out.sum().backward()
            err = str(info.value)
        got[m.__name__] = (out.detach().numpy(), str(out.dtype).split(".")[-1], out.requires_grad,
                           out.grad_fn.name().split("::")[-1] if out.grad_fn is not None else None, err)
    np.testing.assert_array_equal(got["ember"][0], got["torch"][0])
    assert got["ember"][1:] == got["torch"][1:]


def test_scatter_reduce_argument_errors_and_warning(torch):
    import warnings
    for m in (torch, ember):
        idx = m.tensor([[0, 0, 1, 0]])
        for reduce in ("mean", "sum", "max"):
            with pytest.raises(RuntimeError, match="^reduce argument must be either add or multiply.$"):
                m.zeros(1, 3).scatter(1, idx, 1.0, reduce=reduce)
            with pytest.raises(RuntimeError, match="^reduce argument must be either add or multiply.$"):
                m.zeros(1, 3).scatter_(1, idx, m.ones(1, 4), reduce=reduce)
        # a number with reduce= warns nothing; a tensor source warns (once per process in both)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            m.zeros(1, 3).scatter(1, idx, 2.0, reduce="add")
        assert seen == []
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            for _ in range(2):
                m.zeros(1, 3).scatter(1, idx, m.ones(1, 4), reduce="multiply")
        assert len(seen) <= 1
        if m is ember:  # (ember's once-flag is reset here to see its text: earlier tests may have used it)
            from ember import _functions
            _functions._scatter_warned[0] = False
            with pytest.warns(UserWarning) as seen:
                m.zeros(1, 3).scatter(1, idx, m.ones(1, 4), reduce="add")
            assert str(seen[0].message) == (
                "The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a future "
                "PyTorch release. Use torch.scatter_reduce instead for more reduction options.")
            assert seen[0].filename == __file__


# ----------------------------------------------------------------------------- fmax / fmin
_NAN = float("nan")


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_skip_nan_and_route_gradients_as_torch(torch, name):
    # NaN on either side, on both, ties (the whole gradient to the first operand), broadcasting
    a = np.array([[1.0, _NAN, _NAN, 2.0, 3.0, -1.0], [0.5, -2.0, 4.0, _NAN, 7.0, 7.0]], dtype="float32")
    b = np.array([_NAN, 1.0, _NAN, 2.0, 1.0, 5.0], dtype="float32")
    got = {}
    for lib in (ember, torch):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = getattr(lib, name)(x, y)
        (out * lib.arange(1.0, 7.0)).nan_to_num().sum().backward()
        got[lib] = (out.detach().numpy(), x.grad.numpy(), y.grad.numpy(), type(out.grad_fn).__name__)
    for e, t in zip(got[ember][:3], got[torch][:3]):
        np.testing.assert_array_equal(e, t)
    assert got[ember][3] == got[torch][3] == name.capitalize() + "Backward0"
    for dt in ("int64", "bool"):  # no NaN: the plain maximum / minimum, in the operands' dtype
        _same_outcome(torch, lambda m, dt=dt: getattr(m, name)(m.tensor([1, 0, 3]).to(getattr(m, dt)),
                                                               m.tensor([0, 2, 3]).to(getattr(m, dt))))


# ----------------------------------------------------------------------------- cdist through matrix products
@pytest.mark.parametrize("rows", [20, 26, 40])
@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cdist_of_a_set_with_itself_has_torch_gradients(torch, rows, mode, dtype):
    # The diagonal's zero distances come out of the matrix products as rounding noise (or clamped to 0): their
    # g / dist terms must not swamp the gradient (a clamp at 1e-30 made all of it ~0 in float32).
    rng = np.random.default_rng(rows)
    pts = rng.standard_normal((rows, 3)).astype(dtype)
    up = rng.standard_normal((rows, rows)).astype(dtype)
    res = {}
    for lib in (ember, torch):
        x = lib.tensor(pts, requires_grad=True)
        d = lib.cdist(x, x, compute_mode=mode)
        mm = rows > 25 or mode == "use_mm_for_euclid_dist"  # (PyTorch's other kernel has no double backward)
        g, = lib.autograd.grad(d, x, lib.tensor(up), create_graph=mm)
        g2 = lib.autograd.grad((g * g).sum(), x)[0].numpy() if mm else None
        res[lib] = (type(d.grad_fn).__name__, d.detach().numpy(), g.detach().numpy(), g2)
    assert res[ember][0] == res[torch][0]
    tol = 1e-3 if dtype == "float32" else 1e-6  # (the diagonal's noise scales as the dtype's precision)
    for e, t in zip(res[ember][1:], res[torch][1:]):
        if t is not None:
            np.testing.assert_allclose(e, t, rtol=tol, atol=tol * np.abs(t).max())


def test_cdist_exact_zero_distances_get_zero_gradient_as_torch(torch):
    # integer points: the matrix products are exact, so duplicates are at distance 0 exactly
    pts = np.array([[0, 0], [1, 0], [0, 0], [2, 1]] * 8, dtype="float32")
    up = np.random.default_rng(0).standard_normal((32, 32)).astype("float32")
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(pts, requires_grad=True)
        d = lib.cdist(x, x)
        d.backward(lib.tensor(up))
        assert (d.detach().numpy()[pts[:, None, 0] == pts[None, :, 0]] >= 0).all()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------- histc
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_histc_bins_edge_values_as_torch(torch, dtype):
    # values on and next to the bin edges land where PyTorch's kernel puts them: the bin is computed in the
    # input's dtype (float64 arithmetic, or NumPy's histogram, moves some of them to a neighbouring bin)
    rng = np.random.default_rng(0)
    for _ in range(60):
        bins = int(rng.choice([1, 3, 5, 7, 10, 13, 100]))
        lo = float(rng.choice([0, -1, 0.1, -0.3, 1e-3, -7.7]))
        hi = lo + float(rng.choice([1, 0.3, 2.2, 10, 7, 0.7]))
        edges = np.linspace(lo, hi, bins + 1).astype(dtype)
        vals = np.concatenate([edges, np.nextafter(edges, np.inf, dtype=edges.dtype),
                               np.nextafter(edges, -np.inf, dtype=edges.dtype),
                               rng.uniform(lo - 0.5, hi + 0.5, 20).astype(dtype)])
        args = (bins, lo, hi) if rng.random() < 0.8 else (bins,)
        want = torch.histc(torch.from_numpy(vals), *args).numpy()
        got = ember.histc(ember.from_numpy(vals), *args)
        assert got.dtype == getattr(ember, dtype)
        np.testing.assert_array_equal(got.numpy(), want, err_msg=str(args))


_HISTC_CASES = {
    "inf-max": lambda m: m.histc(m.tensor([1.0, 2, 3]), 4, 1, float("inf")),
    "ninf-min": lambda m: m.histc(m.tensor([1.0, 2, 3]), 4, -float("inf"), 1),
    "nan-min": lambda m: m.histc(m.tensor([1.0, 2, 3]), 4, _NAN, 1),
    "small-min": lambda m: m.histc(m.tensor([1.0, 2, 3]), 4, 0.1234567, float("inf")),
    "inf-data": lambda m: m.histc(m.tensor([1.0, float("inf"), 3])),
    "nan-data": lambda m: m.histc(m.tensor([1.0, _NAN, 3])),
    "bins-0": lambda m: m.histc(m.tensor([1.0, 2]), 0, 2, 1),
    "bins-neg": lambda m: m.tensor([1.0, 2]).histc(-1),
    "bins-float": lambda m: m.histc(m.tensor([1.0, 2]), 2.5),
    "min-gt-max": lambda m: m.histc(m.tensor([1.0, 2, 3]), 3, 2, 1),
    "overflow": lambda m: m.histc(m.tensor([1.0]), 3, 5, 1e39),
    "overflow-unused": lambda m: m.histc(m.tensor([1.0]), 3, 1e39, 1e39),
    "equal-bounds": lambda m: m.histc(m.tensor([2.6]), 4, 2, 2),
    "one-value": lambda m: m.histc(m.tensor([2.0, 2.0]), 3),
    "too-narrow": lambda m: m.histc(m.tensor([1e30, 1e30]), 4),
    "nan-inf-in-range": lambda m: m.histc(m.tensor([1.0, _NAN, float("inf"), 3]), 3, 0, 4),
    "empty": lambda m: m.histc(m.tensor([]), 3, 1e30, 1e30),
}


@pytest.mark.parametrize("case", sorted(_HISTC_CASES))
def test_histc_errors_and_ranges_as_torch(torch, case):
    _same_outcome(torch, _HISTC_CASES[case])


# ----------------------------------------------------------------------------- meshgrid
_MESHGRID_CASES = {
    "2d": lambda m: m.meshgrid(m.tensor([[1, 2]]), m.tensor([3]), indexing="ij"),
    "2d-second": lambda m: m.meshgrid(m.tensor([1, 2]), m.tensor([[3]]), indexing="xy"),
    "2d-float": lambda m: m.meshgrid(m.tensor([[1.5, 2.0], [3.0, -4.25]]), indexing="ij"),
    "2d-scaled": lambda m: m.meshgrid(m.tensor([[0.001, 0.002], [0.003, 0.004]]), indexing="ij"),
    "2d-sci": lambda m: m.meshgrid(m.tensor([[1e-5, 1.0]], dtype=m.float64), indexing="ij"),
    "3d": lambda m: m.meshgrid(m.tensor([[[1, 2]], [[3, 4]]]), indexing="ij"),
    "3d-bool": lambda m: m.meshgrid(m.tensor([[[True, False], [False, True]]]), indexing="ij"),
    "2d-empty": lambda m: m.meshgrid(m.zeros(2, 0), indexing="ij"),
    "dtypes": lambda m: m.meshgrid(m.tensor([1, 2]), m.tensor([3.0]), indexing="ij"),
    "dtypes-first": lambda m: m.meshgrid(m.tensor([[1, 2]]), m.tensor([3.0]), indexing="foo"),
    "indexing": lambda m: m.meshgrid(m.tensor([1, 2]), m.tensor([3]), indexing="IJ"),
    "indexing-first": lambda m: m.meshgrid(m.tensor([[1, 2]]), m.tensor([3]), indexing="foo"),
    "indexing-type": lambda m: m.meshgrid(m.tensor([1, 2]), indexing=1),
    "0d": lambda m: m.meshgrid(m.tensor(1), m.tensor([3, 4]), indexing="xy"),
}


@pytest.mark.parametrize("case", sorted(_MESHGRID_CASES))
def test_meshgrid_errors_as_torch(torch, case):
    _same_outcome(torch, _MESHGRID_CASES[case])


# ----------------------------------------------------------------------------- PyTorch's own grad_fn nodes
_NODE_CASES = {
    "roll-flat": lambda m, a, b: a.roll(1),
    "roll-flat-fn": lambda m, a, b: m.roll(a, -3),
    "nan_to_num": lambda m, a, b: m.nan_to_num(a / b, 1.0, 2.0, -3.0),
    "deg2rad": lambda m, a, b: m.deg2rad(a),
    "rad2deg": lambda m, a, b: a.rad2deg(),
    "sgn": lambda m, a, b: a.sgn(),
    "logaddexp": lambda m, a, b: m.logaddexp(a, b),
    "logaddexp2": lambda m, a, b: a.logaddexp2(b),
    "cholesky": lambda m, a, b: m.cholesky(a @ a.mT + m.eye(2)),
    "cholesky-upper": lambda m, a, b: m.cholesky(a @ a.mT + m.eye(2), upper=True),
}


@pytest.mark.parametrize("case", sorted(_NODE_CASES))
def test_grad_fn_nodes_and_gradients_as_torch(torch, case):
    a = np.array([[1.0, -2.0], [3.0, 4.5]], dtype="float32")
    b = np.array([[0.5, 0.0], [2.0, -1.0]], dtype="float32")  # (a / b: an inf for nan_to_num)
    res = []
    for lib in (ember, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (torch.cholesky's deprecation warning)
            x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
            out = _NODE_CASES[case](lib, x, y)
        out.backward(lib.tensor([[1.0, -0.5], [2.0, 0.25]]))
        res.append((out.grad_fn.name().split("::")[-1], out.detach().numpy(),  # (force: PyTorch's ZeroTensor)
                    x.grad.numpy(force=True), None if y.grad is None else y.grad.numpy(force=True)))
    assert res[0][0] == res[1][0]
    for e, t in zip(res[0][1:], res[1][1:]):
        if t is None:
            assert e is None or not e.any()
        else:
            np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-6)


def test_floor_divide_has_no_derivative_as_torch(torch):
    for lib in (ember, torch):
        a = lib.tensor([1.0, 5.0], requires_grad=True)
        for out in (a // 2, 7 // a, lib.floor_divide(a, lib.tensor([2.0, 3.0], requires_grad=True))):
            assert out.grad_fn.name().split("::")[-1] == "NotImplemented"
            with pytest.raises(RuntimeError, match=r"^derivative for aten::floor_divide is not implemented$"):
                out.sum().backward()
        assert (lib.tensor([5, 7]) // 2).grad_fn is None


def test_cholesky_deprecation_warning_once_as_torch(torch):
    from ember._ops.linalg import CholeskyLegacy

    CholeskyLegacy.warned[0] = False  # (earlier tests may have used it)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for _ in range(2):
            ember.cholesky(ember.eye(2))
    assert len(seen) == 1 and seen[0].filename == __file__
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        torch.cholesky(torch.eye(2) * 2)
    # (PyTorch adds where in its C++ sources the warning was raised; it may already have warned in this process)
    if theirs:
        assert str(theirs[0].message).startswith(str(seen[0].message) + " (Triggered internally")


# ---------------------------------------------------------------- sizes, reshape, out=, bool ranges, max keepdim
_SIZE_CASES = [
    lambda m: m.ones(4).view(2.0, 2),
    lambda m: m.ones(4).view((2.0, 2)),
    lambda m: m.ones(4).view([2, 2.0]),
    lambda m: m.ones(4).view(2, 2.0),
    lambda m: m.ones(4).view(2.0),
    lambda m: m.ones(4).view("a"),
    lambda m: m.ones(4).view(None),
    lambda m: m.ones(4).view(size=(2.0, 2)),
    lambda m: m.ones(4).view(size=(2, 2.0)),
    lambda m: m.ones(4).reshape(2.0, 2),
    lambda m: m.ones(4).reshape(2.0, 2, 1),
    lambda m: m.ones(4).reshape(2, 2.0),
    lambda m: m.ones(4).reshape((2.0, 2)),
    lambda m: m.ones(4).reshape((2, 2.0)),
    lambda m: m.ones(4).reshape(2.0),
    lambda m: m.ones(4).reshape(shape=(2.0, 2)),
    lambda m: m.ones(4).reshape(shape=(2, 2.0)),
    lambda m: m.ones(4).view(2, 2),
    lambda m: m.ones(0, 4).reshape(0, -1),
    lambda m: m.ones(0, 4).view(0, -1),
    lambda m: m.ones(0, 4).reshape(-1, 0),
    lambda m: m.ones(0, 4).reshape(-1),
    lambda m: m.ones(4).reshape(0, -1),
    lambda m: m.empty((3, 2.0)),
    lambda m: m.empty((2.0, 3)),
    lambda m: m.empty(3, 4, 2.0),
    lambda m: m.empty(2.0, 3),
    lambda m: m.zeros(2.0, 3, 4),
    lambda m: m.zeros((3, "a")),
    lambda m: m.full((3, 2.0), 1),
    lambda m: m.rand(2.0, 3),
    lambda m: m.randn(2.0, 3),
    lambda m: m.rand((3, 2.0)),
]


@pytest.mark.parametrize("case", range(len(_SIZE_CASES)))
def test_size_argument_errors_match_torch(torch, case):
    # the exact words of PyTorch's argument parser for each form (first element wrong or a later one, one sequence
    # or several arguments, by keyword), and reshape's error for an ambiguous -1 among no elements
    from tests._helpers import sweep_outcome
    fn = _SIZE_CASES[case]
    assert sweep_outcome(lambda: fn(ember)) == sweep_outcome(lambda: fn(torch))


def _caught(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(x.message).split(" (Triggered internally")[0] for x in w]


@pytest.mark.parametrize("call", [
    lambda m: m.add(m.ones(2, 3), 1, out=m.zeros(3)),
    lambda m: m.mm(m.ones(2, 3), m.ones(3, 3), out=m.zeros(3)),
    lambda m: m.add(m.ones(2, 3), 1, out=m.zeros(0)),
    lambda m: m.add(m.ones(2, 3), 1, out=m.zeros(2, 3)),
])
def test_out_resize_warning(torch, call):
    # a non-empty out= of another shape is resized with PyTorch's deprecation warning; an empty one silently
    e, ew = _caught(lambda: call(ember))
    t, tw = _caught(lambda: call(torch))
    assert ew == tw
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_tensor_of_tensor_warns(torch):
    for m in (ember, torch):
        _, w = _caught(lambda m=m: m.tensor(m.ones(2)))
        assert w == ["To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                     "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor)."]


@pytest.mark.parametrize("call", [
    lambda m: m.arange(5, dtype=m.bool),
    lambda m: m.arange(0, 5, 1, dtype=m.bool),
    lambda m: m.linspace(0, 1, 5, dtype=m.bool),
    lambda m: m.logspace(0, 1, 5, dtype=m.bool),
    lambda m: m.arange(5, dtype=m.uint8),
    lambda m: m.linspace(0, 1, 5, dtype=m.int32),
])
def test_bool_ranges_match_torch(torch, call):
    from tests._helpers import sweep_outcome
    assert sweep_outcome(lambda: call(ember)) == sweep_outcome(lambda: call(torch))
    if sweep_outcome(lambda: call(torch))[0] == "ok":  # (the outcome alone compares shapes, not values)
        e, t = call(ember), call(torch)
        assert (e.tolist(), str(e.dtype).split(".")[-1]) == (t.tolist(), str(t.dtype).split(".")[-1])


@pytest.mark.parametrize("call", [
    lambda m, x: x.max(keepdim=True),
    lambda m, x: x.min(keepdim=True),
    lambda m, x: x.max(keepdims=True),
    lambda m, x: m.max(x, keepdim=True),
    lambda m, x: m.min(x, keepdim=True),
    lambda m, x: m.max(x, out=m.zeros(()), keepdim=True),
    lambda m, x: x.max(0, keepdim=True).values,
    lambda m, x: m.min(x, 1, True).indices,
    lambda m, x: x.max(),
])
def test_max_min_keepdim_without_dim(torch, call):
    # keepdim with no dim is no overload of PyTorch's (not the overall maximum): the first line of its message
    # (ember lists its own signature under it in the function form)
    from tests._helpers import sweep_outcome
    a = np.arange(6, dtype="float32").reshape(2, 3)
    e = sweep_outcome(lambda: call(ember, ember.tensor(a)))
    t = sweep_outcome(lambda: call(torch, torch.tensor(a)))
    assert e[0] == t[0] and e[1].split("\n")[0] == t[1].split("\n")[0]


def test_max_keepdim_method_message_exact(torch):
    for m in (ember, torch):
        with pytest.raises(TypeError) as info:
            m.ones(3).max(keepdim=True)
        if m is ember:
            em = str(info.value)
        else:
            assert em == str(info.value)


@pytest.mark.parametrize("call", ["m.allclose(a, a, rtol=-1)", "m.allclose(a, a, atol=-1)",
                                  "m.isclose(a, a, rtol=-1.5)", "m.isclose(a, a, atol=-1e-3)",
                                  "m.allclose(a, a, rtol=-1, atol=-1)", "a.allclose(a, rtol=-1234567.0)",
                                  "a.isclose(a, atol=float('nan'))", "m.isclose(a, a.double(), rtol=-1)",
                                  "m.allclose(a, m.ones(3), rtol=-1)", "m.isclose(a.int(), a.int(), rtol=-1)"])
def test_isclose_negative_tolerance(torch, call):
    # PyTorch refuses a negative (or NaN) tolerance, after the dtype check and before broadcasting
    def run(m):
        a = m.ones(2)
        try:
            return repr(eval(call, {"m": m, "a": a}))
        except Exception as exc:  # noqa: BLE001 - the error itself is compared
            return type(exc).__name__, str(exc)
    assert run(ember) == run(torch)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "bool"])
def test_prod_keeps_an_integer_dtype_given(torch, dtype):
    x = np.array([[2, 3, 7], [4, -5, 9]])
    for kw in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}):
        r = torch.prod(torch.tensor(x), dtype=getattr(torch, dtype), **kw)
        e = ember.prod(ember.tensor(x), dtype=getattr(ember, dtype), **kw)
        assert str(e.dtype).split(".")[-1] == dtype
        np.testing.assert_array_equal(e.numpy(), r.numpy())


@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8", "bool"])
def test_all_any_over_no_dims_reduce_nothing(torch, dtype):
    x = np.array([[0.0, 2.0, np.nan], [3.0, 0.0, -1.0]])
    if dtype != "float32":
        x = np.nan_to_num(x)
    t, e = torch.tensor(x).to(getattr(torch, dtype)), ember.tensor(x).to(getattr(ember, dtype))
    for name in ("all", "any"):
        for dim, keepdim in (((), False), ([], True)):
            r, o = getattr(torch, name)(t, dim=dim, keepdim=keepdim), getattr(ember, name)(e, dim=dim, keepdim=keepdim)
            assert str(o.dtype).split(".")[-1] == str(r.dtype).split(".")[-1]
            np.testing.assert_array_equal(o.numpy(), r.numpy())
            np.testing.assert_array_equal(getattr(e, name)(dim=dim).numpy(), r.numpy())


def test_diff_orders_past_the_size_and_bad_arguments(torch):
    x = np.arange(6.0).reshape(2, 3)
    for kw in ({"n": 5}, {"n": 3, "dim": 0}, {"n": 4, "append": np.zeros((2, 2))}):
        kt = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        ke = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        r, e = torch.diff(torch.tensor(x), **kt), ember.diff(ember.tensor(x), **ke)
        assert tuple(e.shape) == tuple(r.shape)
        np.testing.assert_array_equal(e.numpy(), r.numpy())
    assert ember.diff(ember.tensor([True, False]), n=4).shape == (0,)
    for kw in ({"n": -1}, {"prepend": np.zeros((3, 3))}, {"append": np.zeros((1, 5))},
               {"prepend": np.zeros((2, 2)), "append": np.zeros((3, 3))}):
        kt = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        ke = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        with pytest.raises(RuntimeError) as rt:
            torch.diff(torch.tensor(x), **kt)
        with pytest.raises(RuntimeError) as re_:
            ember.diff(ember.tensor(x), **ke)
        assert str(re_.value) == str(rt.value)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_of_all_share_the_gradient_among_nans(torch, name):
    x = np.array([1.0, np.nan, 3.0, np.nan, 3.0, -2.0], dtype="float32")
    grads = []
    for lib in (torch, ember):
        t = lib.tensor(x, requires_grad=True)
        (getattr(lib, name)(t) * 3).backward()
        t2 = lib.tensor(x, requires_grad=True)
        (g,) = lib.autograd.grad(getattr(t2, name)() * 2, t2, create_graph=True)
        grads.append((t.grad.numpy(), g.detach().numpy()))
        a = lib.tensor(x, requires_grad=True)
        getattr(lib, "a" + name)(a).backward()  # (amax/amin: NaN everywhere, in PyTorch too)
        grads.append((a.grad.numpy(),))
    for r, e in zip(grads[:2], grads[2:]):
        for a, b in zip(r, e):
            np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_logsumexp_rounds_each_step_as_torch(torch, dtype):
    g = np.random.default_rng(0)
    for scale, ties in ((1.0, False), (4.0, False), (3.0, True)):
        a = (g.standard_normal((48, 37)) * scale).astype("float32")
        if ties:
            a = np.round(a)
        for dim in (0, 1, (0, 1)):
            res = []
            for lib in (torch, ember):
                t = lib.tensor(a).to(getattr(lib, dtype)).requires_grad_()
                y = lib.logsumexp(t, dim)
                (y * 3).sum().backward()
                res.append((y.detach().float().numpy(), t.grad.float().numpy()))
            for r, e in zip(*res):
                np.testing.assert_array_equal(e, r)


def test_sum_out_sums_in_the_out_dtype(torch):
    x = np.arange(12.0, dtype="float32").reshape(3, 4) / 5
    cases = [((1,), {}, "float32"), ((1,), {}, "int64"), (((0, 1), True), {}, "bfloat16"), ((1,), {}, "bool"),
             ((1,), {"dtype": "float64"}, "float32"), ((), {"dtype": "float64"}, "float32"), ((), {}, "float32")]
    for args, kw, odt in cases:
        res = []
        for lib in (torch, ember):
            o = lib.empty(0, dtype=getattr(lib, odt))
            k = {n: getattr(lib, v) for n, v in kw.items()}
            try:
                r = lib.sum(lib.tensor(x), *args, out=o, **k)
                assert r is o
                res.append((str(r.dtype).split(".")[-1], r.float().numpy().tolist()))
            except (TypeError, RuntimeError) as exc:
                res.append((type(exc).__name__, str(exc).split("\n")[0]))
        assert res[1] == res[0]


def _reduction_outcomes_match(torch, fn):
    """``fn(lib)`` run on torch and ember: the same result values, or the same error type and first line."""
    res = []
    for lib in (torch, ember):
        try:
            r = fn(lib)
            res.append(("ok", np.asarray(r.detach().float().numpy() if hasattr(r, "detach") else r).tolist()))
        except Exception as exc:  # noqa: BLE001 - the error itself is compared
            res.append((type(exc).__name__, str(exc).split("\n")[0]))
    assert res[1] == res[0]


_REFUSED = {
    "median-bool-dim": lambda m: m.median(m.tensor([[True, False, True]]), 1),
    "median-bool": lambda m: m.median(m.tensor([True, False])),
    "trapezoid-bool": lambda m: m.trapezoid(m.tensor([True, False])),
    "trapezoid-bool-x": lambda m: m.trapezoid(m.tensor([1.0, 2.0]), m.tensor([True, False])),
    "cumulative_trapezoid-bool": lambda m: m.cumulative_trapezoid(m.tensor([True, False])),
    "trapezoid-0d": lambda m: m.trapezoid(m.tensor(2.0)),
    "trapezoid-0d-x": lambda m: m.trapezoid(m.tensor(2.0), m.tensor(1.0)),
    "cumulative_trapezoid-0d": lambda m: m.cumulative_trapezoid(m.tensor(2.0)),
    "cumsum_-bool": lambda m: m.tensor([True, False]).cumsum_(0),
    "vector_norm-narrowing": lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.float64), dtype=m.float32),
    "vector_norm-half-narrowing": lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.float16), dtype=m.bfloat16),
    "vector_norm-widening": lambda m: m.linalg.vector_norm(m.ones(3), dtype=m.float64),
    "matrix_norm-narrowing": lambda m: m.linalg.matrix_norm(m.ones(2, 2, dtype=m.complex128), dtype=m.complex64),
    "std-unbiased-correction": lambda m: m.std(m.ones(2, 3), 1, unbiased=True, correction=1),
    "var-unbiased-correction": lambda m: m.var(m.ones(2, 3), unbiased=False, correction=0),
    "var_mean-unbiased-correction": lambda m: m.var_mean(m.ones(2, 3), 1, unbiased=True, correction=1),
    "prod-dim-None": lambda m: m.prod(m.ones(2, 3), dim=None),
    "prod-dim-None-positional": lambda m: m.prod(m.ones(2, 3), None),
    "prod-dim-None-keepdim": lambda m: m.prod(m.ones(2, 3), None, True),
    "prod-keepdim-alone": lambda m: m.prod(m.ones(2, 3), keepdim=True),
    "prod-dtype": lambda m: m.prod(m.ones(2, 3), dtype=m.float64),
    "logsumexp-None": lambda m: m.logsumexp(m.ones(2, 3), dim=None),
    "logsumexp-None-positional": lambda m: m.logsumexp(m.ones(2, 3), None),
    "logsumexp-no-dims": lambda m: m.logsumexp(m.ones(2, 3), ()),
    "logsumexp-no-dims-keepdim": lambda m: m.logsumexp(m.ones(2, 3), (), keepdim=True),
    "logsumexp-no-dims-0d": lambda m: m.logsumexp(m.tensor(1.0), []),
    "unique-unselected-empty-dim": lambda m: m.unique(m.zeros(0, 3), dim=1),
    "unique-selected-empty-dim": lambda m: m.unique(m.zeros(0, 3), dim=0),
    "unique-0d-dim": lambda m: m.unique(m.tensor(1.0), dim=0),
    "cummax-0d": lambda m: m.cummax(m.tensor(1.0), 1),
    "cummin-0d": lambda m: m.cummin(m.tensor(1.0), -2),
    "matrix_norm-empty-inf": lambda m: m.linalg.matrix_norm(m.zeros(0, 3), ord=float("inf")),
    "matrix_norm-empty-2": lambda m: m.linalg.matrix_norm(m.zeros(2, 0, 3), ord=2, keepdim=True),
    "matrix_norm-empty-1": lambda m: m.linalg.matrix_norm(m.zeros(3, 0), ord=1),
    "matrix_norm-empty--2": lambda m: m.linalg.matrix_norm(m.zeros(0, 3), ord=-2),
    "cov-bool": lambda m: m.cov(m.tensor([[True, False, True]])),
    "max-dim-tuple-keyword": lambda m: m.max(m.ones(2, 3), dim=(0, 1)),
    "min-dim-list-keyword": lambda m: m.min(m.ones(2, 3), dim=[0]),
    "max-dim-tuple": lambda m: m.max(m.ones(2, 3), (0, 1)),
}


@pytest.mark.parametrize("name", sorted(_REFUSED))
def test_reductions_refuse_and_accept_as_torch(torch, name):
    _reduction_outcomes_match(torch, _REFUSED[name])


def test_unique_of_a_tensor_requiring_grad_records_a_node(torch):
    for dim, node in ((None, "Unique2Backward0"), (0, "UniqueDimBackward0")):
        msgs = []
        for lib in (torch, ember):
            x = lib.tensor([[1.0, 2.0], [1.0, 2.0]], requires_grad=True)
            u = lib.unique(x, dim=dim, return_counts=True)[0]
            assert u.requires_grad and type(u.grad_fn).__name__ == node
            with pytest.raises(NotImplementedError) as err:
                u.sum().backward()
            msgs.append(str(err.value))
        assert msgs[1] == msgs[0]
    with ember.no_grad():
        assert not ember.unique(ember.ones(2, requires_grad=True)).requires_grad


def test_clamp_crossed_bounds_keep_nan(torch):
    # min > max: every element becomes max, except NaN (which PyTorch keeps)
    x = [float("nan"), 0.0, 5.0, -5.0]
    for dt in ("float32", "float16", "bfloat16"):
        e = ember.clamp(ember.tensor(x, dtype=getattr(ember, dt)), min=1, max=-1).float().numpy()
        t = torch.clamp(torch.tensor(x, dtype=getattr(torch, dt)), min=1, max=-1).float().numpy()
        np.testing.assert_array_equal(e, t)
    assert ember.clip(ember.tensor([1, 2, 3]), 2, 1).tolist() == torch.clip(torch.tensor([1, 2, 3]), 2, 1).tolist()


@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("bounds", [dict(min=0), dict(max=0), dict(min=-0.0), dict(max=-0.0), dict(min=0, max=6),
                                    dict(min=-6, max=0), dict(min=float("nan")), dict(max=float("nan"))])
def test_clamp_one_sided_keeps_signed_zero(torch, dt, bounds):
    # PyTorch keeps the input where it equals the bound: clamp(-0.0, min=0) is -0.0
    x = [-0.0, 0.0, float("nan"), -1.0, 7.0, float("-inf")] * 3
    e = ember.clamp(ember.tensor(x, dtype=getattr(ember, dt)), **bounds).float().numpy()
    t = torch.clamp(torch.tensor(x, dtype=getattr(torch, dt)), **bounds).float().numpy()
    np.testing.assert_array_equal(e, t)
    np.testing.assert_array_equal(np.signbit(e), np.signbit(t))


@pytest.mark.parametrize("which", ["min", "max", "both"])
def test_clamp_tensor_bounds_keep_signed_zero_and_nan(torch, which):
    # tensor bounds too: a bound equal to the value leaves the value (clamp(-0.0, min=tensor(0.)) is -0.0), a NaN
    # on either side propagates, crossed bounds give max
    nan = float("nan")
    x = [-0.0, 0.0, -0.0, 0.0, 1.0, nan, 1.0, 1.0, 5.0, -5.0, 0.5]
    lo = [0.0, -0.0, -0.0, 0.0, 0.0, 0.0, nan, 0.0, 2.0, 2.0, 2.0]
    hi = [0.0, -0.0, 0.0, -0.0, 0.0, 1.0, 1.0, nan, 1.0, 1.0, 1.0]
    out = []
    for lib in (ember, torch):
        kw = {"min": lib.tensor(lo), "max": lib.tensor(hi)}
        if which != "both":
            kw = {which: kw[which]}
        out.append(lib.clamp(lib.tensor(x), **kw).numpy())
    np.testing.assert_array_equal(out[0], out[1])
    keep = ~np.isnan(out[1])
    np.testing.assert_array_equal(np.signbit(out[0][keep]), np.signbit(out[1][keep]))


@pytest.mark.parametrize("dt", ["uint8", "int32"])
def test_div_python_int_dividend_with_integer_tensor(torch, dt):
    # -3 / uint8 tensor: the -3 is not wrapped into uint8 (253) first
    e, t = ember.tensor([0, 1, 2, 3], dtype=getattr(ember, dt)), torch.tensor([0, 1, 2, 3], dtype=getattr(torch, dt))
    for fn in ("div", "true_divide", "divide"):
        r, w = getattr(ember, fn)(-3, e), getattr(torch, fn)(-3, t)
        assert r.dtype == ember.float32
        np.testing.assert_array_equal(r.numpy(), w.numpy())


@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16"])
def test_lerp_matches_torch_bit_for_bit(torch, dt):
    # PyTorch's two fused formulas: fma(w, end - start, start) for |w| < 0.5, else fma(w - 1, end - start, end)
    # (weight 1 gives end exactly, an infinite start gives end's side, subnormal results kept)
    rng = np.random.default_rng(5)
    inf = float("inf")
    s = np.concatenate([rng.standard_normal(60), [inf, -inf, 1e-40, 0.0, 1.0, -0.0, 3.0, inf]])
    e = np.concatenate([rng.standard_normal(60), [1.0, 1.0, -1e-40, -0.0, inf, 0.0, 3.0, -inf]])
    w = np.concatenate([rng.uniform(-1, 2, 60), [0.5, 0.75, 0.25, 0.5, 0.2, 0.9, 1.0, 0.3]])

    def run(lib, fn):
        d = getattr(lib, dt)
        st, en, wt = (lib.tensor(v.tolist(), dtype=d) for v in (s, e, w))
        out = fn(lib, st, en, wt)
        return out.numpy() if dt != "bfloat16" else out.float().numpy()

    cases = [lambda lib, a, b, c: lib.lerp(a, b, c), lambda lib, a, b, c: lib.lerp(a, b, 0.75),
             lambda lib, a, b, c: lib.lerp(a, b, 0.3), lambda lib, a, b, c: a.clone().lerp_(b.flip(0), 0.5),
             lambda lib, a, b, c: lib.lerp(a[:, None][:8], b[:8], c[:8])]
    for fn in cases:
        r, ref = run(ember, fn), run(torch, fn)
        assert r.dtype == ref.dtype
        np.testing.assert_array_equal(r, ref)  # (NaNs where PyTorch has them; their sign bits may differ)
        np.testing.assert_array_equal(np.signbit(r)[~np.isnan(r)], np.signbit(ref)[~np.isnan(r)])


_NAN = float("nan")


@pytest.mark.parametrize("case", ["pow", "pow-scalar-base", "maximum", "minimum"])
def test_elementwise_grads_at_edge_values_match_torch(torch, case):
    # 0 ** 0 (no NaN from 0 * 0 ** -1), 0 ** -1 (exponent grad inf * log 0 = -inf), and a NaN operand of
    # maximum/minimum (both sides get the whole gradient)
    fn, vals = {
        "pow": (lambda L, x, y: L.pow(x, y),
                ([0.0, 0.0, 0.0, 2.0, -2.0, 1.0, 0.0], [0.0, 1.0, 2.0, 0.0, 0.5, 3.0, -1.0])),
        "pow-scalar-base": (lambda L, y: L.pow(0.0, y), ([0.0, 1.0, 2.0, -1.0],)),
        "maximum": (lambda L, x, y: L.maximum(x, y),
                    ([1.0, 0.0, -0.0, _NAN, 2.0, _NAN], [1.0, -0.0, 0.0, 1.0, _NAN, _NAN])),
        "minimum": (lambda L, x, y: L.minimum(x, y),
                    ([1.0, 0.0, -0.0, _NAN, 2.0, _NAN], [1.0, -0.0, 0.0, 1.0, _NAN, _NAN])),
    }[case]
    for dt in ("float32", "float64"):
        res = []
        for lib in (ember, torch):
            ts = [lib.tensor(v, dtype=getattr(lib, dt), requires_grad=True) for v in vals]
            out = fn(lib, *ts)
            out.backward(lib.linspace(0.5, 0.9, out.numel(), dtype=getattr(lib, dt)))
            res.append([t.grad.numpy() for t in ts])
        for e, t in zip(*res):
            np.testing.assert_array_equal(e, t)


@pytest.mark.parametrize("name", ["fmax", "fmin"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_fmax_fmin_equal_zeros_return_the_first_operand_as_torch(torch, name, dtype):
    # 0.0 vs -0.0: PyTorch returns the first operand; NumPy's vectorised loops (longer arrays) the second
    a = np.array([0.0, -0.0, 1.0, -0.0, 0.0] * 8, dtype=dtype)
    b = np.array([-0.0, 0.0, 1.0, -0.0, 0.0] * 8, dtype=dtype)
    e = getattr(ember, name)(ember.tensor(a), ember.tensor(b)).numpy()
    t = getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy()
    np.testing.assert_array_equal(np.signbit(e), np.signbit(t))


@pytest.mark.parametrize("name,shape", [("hstack", (2,)), ("vstack", (2, 1)), ("row_stack", (2, 1)),
                                        ("dstack", (1, 1, 2)), ("column_stack", (1, 2))])
def test_stacks_of_0d_tensors_and_out(torch, name, shape):
    for lib in (ember, torch):
        parts = [lib.tensor(1.0), lib.tensor(2.0)]
        res = getattr(lib, name)(parts)
        assert tuple(res.shape) == shape
        out = lib.empty(0)
        assert getattr(lib, name)(parts, out=out) is out
        np.testing.assert_array_equal(out.numpy(), res.numpy())


@pytest.mark.parametrize("call", [
    lambda L, x: L.flip(x, 1), lambda L, x: L.flip(x, [1]), lambda L, x: L.flip(x, (0, 1)), lambda L, x: L.flip(x),
    lambda L, x: L.flip(x, 1.0), lambda L, x: L.flip(x, (1.0,)), lambda L, x: L.flip(x, None),
    lambda L, x: L.flip(x, L.tensor([1])), lambda L, x: x.flip(1), lambda L, x: x.flip(0, 1), lambda L, x: x.flip(),
    lambda L, x: L.tile(x), lambda L, x: x.tile(), lambda L, x: L.tile(x, (2,)),
    lambda L, x: L.index_select(L.zeros(3), 0, L.tensor([0]), out=L.zeros(1, dtype=L.long)),
    lambda L, x: L.index_select(L.zeros(3), 0, L.tensor([0]), out=L.zeros(1, dtype=L.float64)),
    lambda L, x: L.index_select(x, 1, L.tensor([2, 0]), out=L.zeros(0)),
    lambda L, x: L.stack([x, x], out=L.zeros(2, 2, 3, dtype=L.long)),
    lambda L, x: L.stack([x.half(), x.half()], 1, out=L.zeros(2, 2, 3, dtype=L.int32)),
    lambda L, x: L.stack([x, x], out=L.zeros(2, 2, 3, dtype=L.bool)),
    lambda L, x: L.stack([x, x], out=L.zeros(2, 2, 3, dtype=L.float64)),
    lambda L, x: L.stack([x.long(), x.long()], out=L.zeros(2, 2, 3)),
])
def test_flip_tile_index_select_stack_argument_and_out_errors(torch, call):
    # the function flip takes no bare int (the method does); out= of the wrong dtype: PyTorch's errors
    x = np.arange(6.0).reshape(2, 3)
    assert _outcome(ember, lambda L: call(L, L.tensor(x))) == _outcome(torch, lambda L: call(L, L.tensor(x)))


def test_cat_legacy_empty_promotes_and_gets_a_grad(torch):
    for lib in (ember, torch):
        assert str(lib.cat([lib.tensor([]), lib.arange(3)]).dtype).split(".")[-1] == "float32"
        assert lib.cat([lib.zeros(0, dtype=lib.float64), lib.ones(2, 3)], 1).dtype == lib.float64
        x, y = lib.zeros(0, requires_grad=True), lib.ones(2, 3, requires_grad=True)
        lib.cat([x, y], 1).sum().backward()
        assert x.grad is not None and tuple(x.grad.shape) == (0,)
        x, y = lib.zeros(0, requires_grad=True), lib.ones(3, requires_grad=True)
        lib.cat([x, y]).sum().backward()
        assert x.grad is not None and tuple(x.grad.shape) == (0,)


@pytest.mark.parametrize("ndim", [0, 1])
def test_t_and_transpose_of_low_dims_are_new_views(torch, ndim):
    for lib in (ember, torch):
        x = lib.ones((3,) * ndim, requires_grad=True)
        for res, node in ((x.t(), "TBackward0"), (lib.t(x), "TBackward0"), (x.transpose(0, -1), "TransposeBackward0")):
            assert res is not x and res._base is x and type(res.grad_fn).__name__ == node
