"""Core functions against PyTorch, from realistic-script sweeps: out-of-range scatter/gather/index_add indices,
scatter_reduce's max/min aliases, NumPy integers as integer arguments, roll, unique, bincount, std/var warnings,
searchsorted with NaN and uint8 indices. Values, dtypes, shapes, warnings and error types/messages side by side."""

import re
import warnings

import numpy as np
import pytest

import ember


def _outcome(lib, fn):
    """``fn(lib)`` as ``(dtype, shape, values)`` per tensor (through tuples), or the error's builtin type and first
    message line, plus the UserWarning messages raised (PyTorch's "(Triggered internally ...)" suffix dropped)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = _describe(fn(lib))
        except Exception as exc:  # noqa: BLE001 - any error is part of the behaviour under test
            base = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
            res = ("error", base.__name__, str(exc).split("\n")[0])
    msgs = [re.sub(r" \(Triggered internally at .*\)$", "", str(w.message)) for w in caught
            if issubclass(w.category, UserWarning)]
    return res, msgs


def _describe(r):
    if isinstance(r, (tuple, list)):
        return [_describe(t) for t in r]
    if not hasattr(r, "dtype"):
        return r
    return (str(r.dtype).split(".")[-1], tuple(r.shape), repr(np.round(r.detach().numpy().astype(float), 6).tolist()))


def _same(torch, fn):
    assert _outcome(ember, fn) == _outcome(torch, fn)


# ----------------------------------------------------------------------------- out-of-range scatter/gather indices

_X = np.zeros(3, "float32")
_X2 = np.zeros((3, 4), "float32")
_OUT_OF_RANGE = {
    "gather_neg": lambda t: t.gather(t.arange(3.0), 0, t.tensor([-1, 0])),
    "gather_big": lambda t: t.gather(t.arange(3.0), 0, t.tensor([3, 0])),
    "gather_2d_neg": lambda t: t.gather(t.tensor(_X2), 1, t.tensor([[0, -1]])),
    "scatter_neg": lambda t: t.scatter(t.tensor(_X), 0, t.tensor([-1, 0]), t.ones(2)),
    "scatter_big": lambda t: t.scatter(t.tensor(_X), 0, t.tensor([5, 0]), t.ones(2)),
    "scatter_value_neg": lambda t: t.scatter(t.tensor(_X), 0, t.tensor([-1, 0]), value=2.0),
    "scatter_value_big": lambda t: t.scatter(t.tensor(_X), 0, t.tensor([0, 3]), value=2.0),
    "scatter_multiply_big": lambda t: t.scatter(t.tensor(_X), 0, t.tensor([3]), 1.0, reduce="multiply"),
    "scatter__neg": lambda t: t.tensor(_X).scatter_(0, t.tensor([-1, 0]), t.ones(2)),
    "scatter__value_big": lambda t: t.tensor(_X).scatter_(0, t.tensor([4]), 1.0),
    "scatter_add_neg": lambda t: t.scatter_add(t.tensor(_X), 0, t.tensor([-1, 0]), t.ones(2)),
    "scatter_add_big": lambda t: t.scatter_add(t.tensor(_X), 0, t.tensor([3]), t.ones(1)),
    "scatter_add__neg": lambda t: t.tensor(_X).scatter_add_(0, t.tensor([-1, 0]), t.ones(2)),
    "scatter_2d_neg": lambda t: t.scatter(t.tensor(_X2), 1, t.tensor([[0, -2]]), t.ones(1, 2)),
    "scatter_2d_big": lambda t: t.scatter(t.tensor(_X2), 1, t.tensor([[0, 9]]), t.ones(1, 2)),
    "scatter_add_2d_big": lambda t: t.scatter_add(t.tensor(_X2), 1, t.tensor([[0, 9]]), t.ones(1, 2)),
    "scatter_ok": lambda t: t.scatter(t.tensor(_X2), 1, t.tensor([[0, 3]]), t.ones(1, 2)),
    "scatter_reduce_neg": lambda t: t.scatter_reduce(t.tensor(_X), 0, t.tensor([-1, 0]), t.ones(2), "sum"),
    "scatter_reduce_max": lambda t: t.scatter_reduce(t.tensor(_X), 0, t.tensor([0, 0]), t.tensor([1.0, 2.0]), "max"),
    "scatter_reduce_min": lambda t: t.scatter_reduce(t.tensor(_X), 0, t.tensor([0, 2]), t.tensor([-1.0, 2.0]), "min"),
    "scatter_reduce__max": lambda t: t.tensor(_X).scatter_reduce_(0, t.tensor([0, 0]), t.tensor([-1.0, -2.0]), "max",
                                                                  include_self=False),
    "scatter_reduce_bad": lambda t: t.scatter_reduce(t.tensor(_X), 0, t.tensor([0]), t.ones(1), "maximum"),
    "index_add_1d_big": lambda t: t.index_add(t.tensor(_X), 0, t.tensor([3]), t.ones(1)),
    "index_add_1d_neg": lambda t: t.index_add(t.tensor(_X), 0, t.tensor([-1]), t.ones(1)),
    "index_add__1d_big": lambda t: t.tensor(_X).index_add_(0, t.tensor([0, 3]), t.ones(2)),
    "index_add_0d": lambda t: t.index_add(t.tensor(1.0), 0, t.tensor([1]), t.tensor(1.0)),
    "index_add_2d_dim0": lambda t: t.index_add(t.tensor(_X2), 0, t.tensor([3]), t.ones(1, 4)),
    "index_add__2d_dim1_neg": lambda t: t.tensor(_X2).index_add_(1, t.tensor([-1]), t.ones(3, 1)),
    "index_add_2d_int32": lambda t: t.index_add(t.tensor(_X2), 0, t.tensor([3], dtype=t.int32), t.ones(1, 4)),
    "index_add_2d_alpha": lambda t: t.index_add(t.tensor(_X2), 1, t.tensor([4]), t.ones(3, 1), alpha=2),
    "index_add_3d_middle": lambda t: t.index_add(t.zeros(2, 3, 4), 1, t.tensor([3]), t.ones(2, 1, 4)),
    "index_add_3d_last": lambda t: t.index_add(t.zeros(2, 3, 4), 2, t.tensor([-1]), t.ones(2, 3, 1)),
    "index_add_ok": lambda t: t.index_add(t.zeros(2, 3, 4), 1, t.tensor([2, 0]), t.ones(2, 2, 4), alpha=3),
}


@pytest.mark.parametrize("name", list(_OUT_OF_RANGE))
def test_out_of_range_indices(torch, name):
    _same(torch, _OUT_OF_RANGE[name])


# ----------------------------------------------------------------------------- NumPy integers as int arguments; roll

_A = np.arange(24.0, dtype="float32").reshape(4, 6)
_NP_INTS = {
    "chunk": lambda t: t.tensor(_A).chunk(np.int64(4)),
    "chunk_dim": lambda t: t.tensor(_A).chunk(np.int64(2), np.int64(1)),
    "chunk_fn": lambda t: t.chunk(t.tensor(_A), np.int64(3), dim=np.int32(1)),
    "chunk_zero": lambda t: t.tensor(_A).chunk(np.int64(0)),
    "chunk_float": lambda t: t.tensor(_A).chunk(2.0),
    "chunk_np_float": lambda t: t.tensor(_A).chunk(np.float64(2)),
    "chunk_bool": lambda t: t.tensor(_A).chunk(True),
    "split_np_int": lambda t: t.tensor(_A).split(np.int64(2)),
    "split_float": lambda t: t.tensor(_A).split(2.0),
    "split_np_list": lambda t: t.split(t.tensor(_A), [np.int64(2), 4], dim=np.int64(1)),
    "split_float_list": lambda t: t.tensor(_A).split([1.0, 3]),
    "split_array": lambda t: t.tensor(_A).split(np.array([1, 3])),
    "split_range": lambda t: t.tensor(_A).split(range(1, 3)),
    "split_tensor": lambda t: t.tensor(_A).split(t.tensor([1, 3])),
    "tensor_split": lambda t: t.tensor_split(t.tensor(_A), np.int64(3)),
    "tensor_split_indices": lambda t: t.tensor_split(t.tensor(_A), [np.int64(1), np.int64(3)], dim=np.int64(1)),
    "movedim": lambda t: t.tensor(_A).movedim(np.int64(0), np.int64(1)),
    "movedim_tuple": lambda t: t.tensor(_A).movedim((np.int64(0),), [1]),
    "roll_np": lambda t: t.tensor(_A).roll(np.int64(1), np.int64(0)),
    "roll_np_flat": lambda t: t.tensor(_A).roll(np.int64(1)),
    "roll_np_tuple": lambda t: t.tensor(_A).roll((np.int64(1), np.int32(2)), (np.int64(0), 1)),
    "roll_mismatch": lambda t: t.tensor(_A).roll((1, 2), 0),
    "roll_mismatch_tuple": lambda t: t.tensor(_A).roll((1, 2, 3), (0, 1)),
    "roll_mismatch_dims": lambda t: t.tensor(_A).roll(1, (0, 1)),
    "roll_no_dims": lambda t: t.tensor(_A).roll((1, 2)),
    "roll_one_in_list": lambda t: t.tensor(_A).roll([3]),
    "roll_empty": lambda t: t.tensor(_A).roll((), ()),
    "roll_empty_list": lambda t: t.tensor(_A).roll([]),
    "roll_float": lambda t: t.tensor(_A).roll(1.5, 0),
    "roll_float_element": lambda t: t.tensor(_A).roll((1, 1.5), (0, 1)),
    "roll_float_dims": lambda t: t.tensor(_A).roll(1, 0.5),
    "roll_0d": lambda t: t.tensor(1.0).roll(1),
    "roll_0d_dim": lambda t: t.tensor(1.0).roll(1, 0),
}


@pytest.mark.parametrize("name", list(_NP_INTS))
def test_numpy_int_arguments_and_roll(torch, name):
    _same(torch, _NP_INTS[name])


# ----------------------------------------------------------------------------------------------------- unique

_NAN = float("nan")
_V = np.array([1.0, _NAN, 2.0, _NAN, 1.0, np.inf, _NAN], dtype="float32")
_MI = np.array([[1, 2, 3], [0, 1, 1], [1, 2, 3], [0, 0, 9]])
_M3 = np.array([[[1, 1], [2, 2]], [[1, 1], [2, 2]], [[0, 1], [2, 2]]])
_UNIQUE = {
    "nan": lambda t: t.unique(t.tensor(_V)),
    "nan_all": lambda t: t.unique(t.tensor(_V), return_inverse=True, return_counts=True),
    "nan_method": lambda t: t.tensor(_V).unique(return_counts=True),
    "dim0_inverse": lambda t: t.unique(t.tensor(_MI), dim=0, return_inverse=True),
    "dim0_all": lambda t: t.unique(t.tensor(_MI), dim=0, return_inverse=True, return_counts=True),
    "dim1_all": lambda t: t.unique(t.tensor(_MI), dim=1, return_inverse=True, return_counts=True),
    "dim_negative": lambda t: t.unique(t.tensor(_MI), dim=-1, return_inverse=True),
    "dim_3d": lambda t: t.unique(t.tensor(_M3), dim=0, return_inverse=True, return_counts=True),
    "dim_3d_last": lambda t: t.unique(t.tensor(_M3), dim=2, return_inverse=True, return_counts=True),
    "dim_method": lambda t: t.tensor(_MI).unique(dim=0, return_inverse=True),
    "dim_empty": lambda t: t.unique(t.zeros(0, 3), dim=0, return_inverse=True, return_counts=True),
    "dim_out_of_range": lambda t: t.unique(t.tensor(_MI), dim=2),
    "flat_2d_inverse": lambda t: t.unique(t.tensor([[2, 1], [1, 3]]), return_inverse=True),
    "consecutive_nan": lambda t: t.unique_consecutive(t.tensor([_NAN, _NAN, 1.0, 1.0, _NAN]), return_inverse=True,
                                                      return_counts=True),
}


@pytest.mark.parametrize("name", list(_UNIQUE))
def test_unique(torch, name):
    _same(torch, _UNIQUE[name])


# --------------------------------------------------------------------------------------------------- bincount

_I = np.array([0, 1, 1, 3])
_BINCOUNT = {f"weights_{d}": (lambda t, d=d: t.bincount(t.tensor(_I), t.ones(4, dtype=getattr(t, d))))
             for d in ["float32", "float64", "float16", "bfloat16", "int64", "int32", "uint8", "bool"]}
_BINCOUNT.update({
    "bool_input": lambda t: t.bincount(t.tensor([True, False])),
    "bool_input_bad_weights": lambda t: t.bincount(t.tensor([True]), t.ones(3)),
    "int8_input": lambda t: t.bincount(t.tensor([1, 2], dtype=t.int8)),
    "float_input": lambda t: t.bincount(t.tensor([1.0, 2.0])),
    "fractional_weights_f16": lambda t: t.bincount(t.tensor([1, 1]), t.tensor([0.1, 0.2], dtype=t.float16)),
    "empty_weights": lambda t: t.bincount(t.tensor([], dtype=t.int64), t.tensor([]), minlength=3),
    "weights_length": lambda t: t.bincount(t.tensor(_I), t.ones(3)),
    "weights_2d": lambda t: t.bincount(t.tensor([1]), t.ones(1, 1)),
    "negative_minlength": lambda t: t.bincount(t.tensor([-1]), minlength=-1),
    "negative_input": lambda t: t.bincount(t.tensor([-1])),
    "minlength": lambda t: t.bincount(t.tensor(_I), minlength=6),
})


@pytest.mark.parametrize("name", list(_BINCOUNT))
def test_bincount(torch, name):
    _same(torch, _BINCOUNT[name])


# ------------------------------------------------------------------------------ std/var degrees-of-freedom warning

_DOF = {
    "std_one": lambda t: t.tensor([1.0]).std(),
    "var_one": lambda t: t.tensor([1.0]).var(),
    "std_dim": lambda t: t.ones(3, 1).std(1),
    "std_dim0": lambda t: t.ones(1, 3).std(0),
    "var_keepdim": lambda t: t.ones(2, 1).var(1, keepdim=True),
    "std_correction": lambda t: t.ones(2).std(correction=2),
    "var_fraction_ok": lambda t: t.ones(3).var(correction=2.5),
    "var_dims": lambda t: t.ones(3, 2).var(dim=(0, 1), correction=6),
    "var_biased_one": lambda t: t.ones(1).var(unbiased=False),
    "var_empty": lambda t: t.ones(0).std(),
    "var_empty_rows": lambda t: t.ones(0, 3).var(1),
    "var_empty_dims": lambda t: t.ones(1, 2).var(dim=[]),
    "var_0d": lambda t: t.ones(()).std(0),
    "var_complex": lambda t: t.ones(2, dtype=t.complex64).var(correction=2),
    "var_mean_one": lambda t: t.var_mean(t.ones(1)),
    "std_mean_one": lambda t: t.std_mean(t.ones(1)),
    "var_mean_dim": lambda t: t.var_mean(t.ones(2, 3), 1, correction=3),
    "std_fn": lambda t: t.std(t.ones(1), dim=0),
    "std_ok": lambda t: t.ones(3).std(),
}


@pytest.mark.parametrize("name", list(_DOF))
def test_degrees_of_freedom_warning(torch, name):
    _same(torch, _DOF[name])


# ----------------------------------------------------------------------------------------- searchsorted with NaN

_S = np.array([1.0, 2.0, _NAN, _NAN], dtype="float32")
_S2 = np.array([1.0, 3.0, 5.0, _NAN], dtype="float32")
_Q = np.array([0.0, 1.5, 3.0, _NAN], dtype="float32")
_Q2 = np.array([_NAN, 4.0, np.inf], dtype="float32")
_SEARCH = {
    "nan_in_sequence": lambda t: t.searchsorted(t.tensor(_S), t.tensor(_Q)),
    "nan_in_sequence_right": lambda t: t.searchsorted(t.tensor(_S), t.tensor(_Q), right=True),
    "nan_values": lambda t: t.searchsorted(t.tensor(_S2), t.tensor(_Q2)),
    "nan_values_right": lambda t: t.searchsorted(t.tensor(_S2), t.tensor(_Q2), side="right"),
    "nan_rows": lambda t: t.searchsorted(t.tensor([[1.0, _NAN], [0.0, 2.0]]), t.tensor([[_NAN, 5.0], [_NAN, 1.0]])),
    "nan_sorter": lambda t: t.searchsorted(t.tensor([_NAN, 1.0, 3.0]), t.tensor([2.0, _NAN]),
                                           sorter=t.tensor([1, 2, 0])),
    "nan_inf": lambda t: t.searchsorted(t.tensor([1.0, np.inf, _NAN]), t.tensor([np.inf, _NAN]), side="right"),
    "nan_scalar": lambda t: t.searchsorted(t.tensor(_S2), 4.0),
    "nan_int32": lambda t: t.searchsorted(t.tensor(_S), t.tensor(_Q), out_int32=True),
    "nan_float64_2d_values": lambda t: t.searchsorted(t.tensor(_S2.astype("float64")),
                                                      t.tensor(np.array([[_NAN, 2.0], [6.0, 0.0]]))),
    "no_nan": lambda t: t.searchsorted(t.tensor([1.0, 2.0, 3.0]), t.tensor([2.0, 0.5])),
    "rows_mismatch": lambda t: t.searchsorted(t.tensor([[1.0, _NAN]]), t.tensor([[1.0], [2.0]])),
}


@pytest.mark.parametrize("name", list(_SEARCH))
def test_searchsorted_nan(torch, name):
    _same(torch, _SEARCH[name])


def test_bucketize_with_nans_follows_torch_search_order(torch):
    nan = float("nan")
    for inp, bounds, right in [([nan, 2.0], [1.0, 3.0, nan], False), ([nan, 2.0, 3.0], [1.0, 3.0, nan], True),
                               ([[nan, 0.5], [4.0, 1.0]], [nan, 1.0, 3.0], False), ([0.5, 2.0], [nan, nan], True)]:
        want = torch.bucketize(torch.tensor(inp), torch.tensor(bounds), right=right)
        got = ember.bucketize(ember.tensor(inp), ember.tensor(bounds), right=right)
        assert got.tolist() == want.tolist(), (inp, bounds, right)


# --------------------------------------------------------------------------------- mm: shape checked before dtype

_MM = {
    "shape_and_dtype": lambda t: t.mm(t.ones(2, 3), t.ones(4, 1, dtype=t.float64)),
    "shape_and_dtype_method": lambda t: t.ones(2, 3, dtype=t.float64).mm(t.ones(4, 1)),
    "dtype_only": lambda t: t.mm(t.ones(2, 3), t.ones(3, 1, dtype=t.float64)),
    "foreach_shape_and_dtype": lambda t: t._foreach_mm([t.ones(2, 3)], [t.ones(4, 1, dtype=t.float64)]),
}


@pytest.mark.parametrize("name", list(_MM))
def test_mm_check_order(torch, name):
    _same(torch, _MM[name])


@pytest.mark.parametrize("shapes", [((3,), (3,), (2,)), ((2, 1), (3,), (4,)), ((3,), (2, 4), (3,))])
def test_where_shapes_that_do_not_broadcast(torch, shapes):
    def outcome(mod):
        c, a, b = shapes
        with pytest.raises(RuntimeError) as info:
            mod.where(mod.ones(c) > 0, mod.ones(a), mod.ones(b))
        return str(info.value)

    assert outcome(ember) == outcome(torch)


_WHERE_CALLS = [
    "L.where(c, out=o)", "L.where(c, x, 0., out=o)", "L.where(c, 0., x, out=o)", "L.where(c, x, 0, out=o)",
    "L.where(c, x, out=o)", "L.where(c, x)", "L.where(c, x, other=0., out=o)", "L.where(c, x, 1, out=None)",
    "L.where(c, x, x, out=1)", "L.where(c, x, 'a')", "L.where(c, x, None)", "L.where(c, None, None)",
    "L.where(1, x, x)", "L.where([True, False], x, x)", "L.where(c, x, other='a')", "L.where(1)",
    "L.where(condition=1)", "L.where(c, x, x, x)", "L.where(c, x, x, x, out=o)", "L.where(c, x, foo=1, out=o)",
    "L.where(c, x, x, out=o, foo=1)", "L.where(c, input=x, out=o)", "L.where(input=x, other=x, out=o)",
    "L.where(c, input='a', other=x)", "L.where(c, x, x, condition=c)", "L.where(c, x, np.array(2.))",
    "L.where(c, x, x, foo=1)", "L.where(c, x, input=x)",
    # accepted
    "L.where(c, x, x, out=o)", "L.where(c, x, other=x, out=o)", "L.where(condition=c, input=x, other=x, out=o)",
    "L.where(c, self=1., other=x)", "L.where(c, x, 0.)", "L.where(c, 0, 2.5)", "L.where(condition=c)",
    "L.where(c, x, np.float64(2))", "L.where(c, x, x, out=None)",
]


@pytest.mark.parametrize("call", _WHERE_CALLS)
def test_where_overloads(torch, call):
    # PyTorch's five overloads: a number with out= is refused, and its parser's messages for calls none takes
    def run(L):
        c, x, o = L.tensor([True, False]), L.tensor([1.0, 2.0]), L.zeros(2)
        try:
            res = eval(call, {"L": L, "c": c, "x": x, "o": o, "np": np})
        except TypeError as exc:
            return str(exc)
        return [r.tolist() for r in res] if isinstance(res, tuple) else (res.tolist(), o.tolist())

    assert run(ember) == run(torch)


def test_tensor_of_non_native_byte_order(torch):
    a = np.array([1, 2], dtype=">i4")
    for fn in ("tensor", "as_tensor", "from_numpy"):
        with pytest.raises(ValueError, match="^given numpy array has byte order different from the native byte "
                                             "order. Conversion between byte orders is currently not supported.$"):
            getattr(ember, fn)(a)
        with pytest.raises(ValueError, match="byte order different"):
            getattr(torch, fn)(a)


def test_histogram_has_no_derivative(torch):
    """As PyTorch: both results of a histogram of a tensor requiring grad hang off one node that raises."""
    for mod in (ember, torch):
        x = mod.randn(10, requires_grad=True)
        hist, edges = mod.histogram(x, 4)
        assert type(hist.grad_fn).__name__ == "NotImplemented" and hist.grad_fn is edges.grad_fn
        with pytest.raises(RuntimeError, match="^derivative for aten::histogram is not implemented$"):
            hist.sum().backward()
        with mod.no_grad():
            assert mod.histogram(x, 4).hist.grad_fn is None
