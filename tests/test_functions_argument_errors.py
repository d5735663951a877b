"""PyTorch's argument errors, side by side: repeat_interleave's checks, var/std/median given an
unknown keyword or ``dim=None``, the legacy ``Tensor(...)`` sizes, ``random_``'s bounds and ``linalg.solve``'s
message for ``left=False``."""

import warnings

import pytest

import ember

torch = pytest.importorskip("torch")


def _outcome(lib, call):
    """``(exception type name, message)`` of ``call(lib)``, or ``("ok", repr)`` with ember's name as torch's."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call(lib)
        except Exception as e:  # noqa: BLE001 (compared, whatever it is)
            return type(e).__name__, str(e), [str(w.message)[:40] for w in caught]
    return "ok", repr(result).replace("ember", "torch"), [str(w.message)[:40] for w in caught]


def _same(call):
    assert _outcome(ember, call) == _outcome(torch, call)


REPEAT_INTERLEAVE = [
    lambda t: t.tensor([1, 2]).repeat_interleave(t.tensor([1, 2]), dim=0, output_size=5),
    lambda t: t.tensor([1, 2]).repeat_interleave(t.tensor([1, 2]), dim=0, output_size=3),
    lambda t: t.repeat_interleave(t.tensor([[1, 2]])),
    lambda t: t.repeat_interleave(t.tensor(3)),
    lambda t: t.repeat_interleave(t.tensor([[1.0, 2]])),
    lambda t: t.repeat_interleave(t.tensor([1, 2]), output_size=4),
    lambda t: t.repeat_interleave(t.tensor([1, -2]), output_size=-1),
    lambda t: t.tensor([1, 2]).repeat_interleave(t.tensor([1.0, 2.0])),
    lambda t: t.tensor([1, 2]).repeat_interleave(t.tensor([[1, 2]])),
    lambda t: t.tensor([1, 2]).repeat_interleave(t.tensor([1, 2, 3]), dim=0),
    lambda t: t.tensor([[1, 2], [3, 4]]).repeat_interleave(t.tensor([1, 2, 3]), dim=1),
    lambda t: t.tensor(5).repeat_interleave(t.tensor([1, 2])),
    lambda t: t.tensor([1, 2]).repeat_interleave(t.tensor(2)),
    lambda t: t.tensor([1, 2]).repeat_interleave(t.tensor([3])),
    lambda t: t.tensor([1, 2]).repeat_interleave(t.tensor([1, -2]), output_size=5),
    lambda t: t.tensor([1, 2]).repeat_interleave(2, output_size=3),
    lambda t: t.tensor([[1, 2], [3, 4]]).repeat_interleave(t.tensor([1, 2]), dim=1, output_size=3),
]


@pytest.mark.parametrize("call", REPEAT_INTERLEAVE)
def test_repeat_interleave_checks(call):
    _same(call)


X = [[1.0, 2.0], [3.0, 5.0]]
CALLS = [
    lambda t: t.tensor(X).var(bogus=1),
    lambda t: t.tensor(X).var(0, bogus=1),
    lambda t: t.var(t.tensor(X), foo=1),
    lambda t: t.var(t.tensor(X), dim=0, foo=1),
    lambda t: t.var(input=t.tensor(X), foo=1),
    lambda t: t.tensor(X).std(bogus=1),
    lambda t: t.std(t.tensor(X), foo=1),
    lambda t: t.var_mean(t.tensor(X), foo=1),
    lambda t: t.std_mean(t.tensor(X), 0, foo=1),
    lambda t: t.tensor(X).median(foo=1),
    lambda t: t.median(t.tensor(X), foo=1),
    lambda t: t.tensor(X).median(0, foo=1),
    lambda t: t.median(t.tensor(X), 0, True, foo=1),
    lambda t: t.tensor(X).median(None),
    lambda t: t.median(t.tensor(X), None),
    lambda t: t.median(t.tensor(X), dim=None),
    lambda t: t.median(t.tensor(X), keepdim=True),
    lambda t: t.tensor(X).median(keepdim=False),
    # (what still works)
    lambda t: t.tensor(X).median(),
    lambda t: t.tensor(X).median(1, True),
    lambda t: t.median(t.tensor(X), axis=0),
    lambda t: t.tensor(X).var(0, True, True),
    lambda t: t.std(t.tensor(X), unbiased=False),
    lambda t: t.var_mean(t.tensor(X), 1),
]


@pytest.mark.parametrize("call", CALLS)
def test_var_std_median_calls(call):
    _same(call)


@pytest.mark.parametrize("call", [
    lambda t: t.Tensor(t.ones(2), 3), lambda t: t.Tensor(2, 3.5), lambda t: t.Tensor([1, 2], 3),
    lambda t: t.Tensor(2, 3).shape, lambda t: t.Tensor(2, True).shape, lambda t: t.Tensor(t.tensor(2), 3).shape])
def test_legacy_tensor_sizes(call):
    _same(call)


def _empty(t, dtype):
    return t.empty(3, dtype=getattr(t, dtype))


@pytest.mark.parametrize("dtype, args", [
    ("float16", (0, 70000)), ("float16", (70000,)), ("float16", (70000, None)), ("float16", (3000, None)),
    ("float16", (-65505, 0)), ("float16", (0, 65506)), ("float16", (-70000, None)), ("float32", (2 ** 25, None)),
    ("uint8", (300, None)), ("uint16", (-1, 5)), ("uint16", (0, 70000)), ("uint32", (0, 2 ** 33)),
    ("uint64", (5, None)), ("uint64", (0, 2 ** 63)), ("uint16", ()), ("uint32", ()), ("uint64", ()),
    ("bool", (0, 3)),
])
def test_random_bounds(dtype, args):
    _same(lambda t: _empty(t, dtype).random_(*args))


@pytest.mark.parametrize("dtype, args", [
    ("uint16", (3, 9)), ("uint32", (0, 2 ** 32)), ("uint64", (70000,)), ("uint16", (5, None)),
    ("uint32", (2 ** 32 - 3, None)), ("float16", (-3000, None)), ("float16", (0, 65505))])
def test_random_unsigned_and_ranges(dtype, args):
    out = ember.empty(2000, dtype=getattr(ember, dtype))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out.random_(*args)
    ref = _empty(torch, dtype)
    with warnings.catch_warnings(record=True) as ref_caught:
        warnings.simplefilter("always")
        ref.random_(*args)
    assert [str(w.message) for w in caught] == [str(w.message).split(" (Triggered")[0] for w in ref_caught]
    assert out.dtype == getattr(ember, dtype)
    lo, hi = (0, args[0]) if len(args) == 1 else args
    hi = {"uint16": 2 ** 16, "uint32": 2 ** 32, "float16": 2049}[dtype] if hi is None else hi
    values = out.double().numpy()
    assert values.min() >= lo and values.max() < hi and len(set(values.tolist())) > 1


@pytest.mark.parametrize("call", [
    lambda t: t.linalg.solve(t.eye(4), t.ones(4, 2), left=False),
    lambda t: t.linalg.solve(t.eye(4).expand(2, 4, 4), t.ones(2, 3, 5), left=False),
    lambda t: t.linalg.solve(t.eye(4), t.ones(4), left=False),
    lambda t: t.linalg.solve(t.ones(1, 1) * 2, t.ones(1), left=False),
    lambda t: t.linalg.solve(t.ones(4, 3), t.ones(5, 3), left=False),
    lambda t: t.linalg.solve(t.ones(4), t.ones(4), left=False),
    lambda t: t.linalg.solve(t.eye(4) * 2, t.ones(2, 4), left=False),
    lambda t: t.linalg.solve(t.eye(4), t.ones(3, 2)),
])
def test_solve_left_false_messages(call):
    _same(call)


@pytest.mark.parametrize("call", [
    lambda t: t.split(t.arange(5), [-1, 6]),
    lambda t: t.arange(5).split([-1, 3]),
    lambda t: t.tensordot(t.ones(3, 3, 4), t.ones(3, 3, 4), dims=([0, 0], [0, 1])),
    lambda t: t.tensordot(t.ones(3, 3, 4), t.ones(3, 3, 4), dims=([0, -3], [0, 1])),
    lambda t: t.tensordot(t.ones(3, 3, 4), t.ones(3, 3, 4), dims=([0, 1], [1, 1])),
    lambda t: t.tensordot(t.ones(3, 3, 4), t.ones(3, 3, 4), dims=([0, 0], [0, 2])),
    lambda t: t.tensordot(t.ones(3, 3, 4), t.ones(3, 3, 4), dims=1.5),
    lambda t: t.tensordot(t.ones(3, 3, 4), t.ones(3, 3, 4), dims=None),
    lambda t: t.matmul(t.ones(2, 4, 3), t.ones(4)),
    lambda t: t.matmul(t.ones(5, 2, 4, 3), t.ones(4)),
    lambda t: t.matmul(t.ones(0, 4, 3), t.ones(4)),
    lambda t: t.matmul(t.ones(2, 4, 3), t.ones(2, 4)),
    lambda t: t.matmul(t.ones(2, 4, 3), t.ones(0, 4)),
    lambda t: t.matmul(t.ones(3), t.ones(2, 2, 4, 5)),
    lambda t: t.matmul(t.ones(2, 4, 3), t.ones(1, 4, 5)),
    lambda t: t.cat([t.ones(2)], out=t.empty(0, dtype=t.long)),
    lambda t: t.hstack([t.ones(2)], out=t.empty(0, dtype=t.long)),
    # (narrowing within a category is allowed: int64 into uint8 wraps)
    lambda t: t.cat([t.tensor([300, -1])], out=t.empty(0, dtype=t.uint8)),
    lambda t: t.stack([t.tensor([44, -1], dtype=t.int8)], out=t.empty(0, dtype=t.uint8)),
    lambda t: t.cat([t.tensor([1, 0])], out=t.empty(0, dtype=t.bool)),
    lambda t: t.stack([t.tensor([1.5])], out=t.empty(0, dtype=t.complex64)),
    lambda t: t.cat([t.zeros(0), t.ones(2, 3), t.ones(3, 4)]),
    lambda t: t.einsum("i"),
    lambda t: t.einsum(),
    lambda t: t.select(t.tensor(3.0), 0, 0),
    lambda t: t.tensor(3.0).select(0, 0),
    lambda t: t.triu_indices(3, 3, dtype=t.float32),
    lambda t: t.tril_indices(3, 3, dtype=t.int16),
    lambda t: t.tril_indices(3, 3, dtype=t.int32),
    lambda t: t.tensor(3.0).repeat(),
    lambda t: t.tensor(3.0).repeat([]),
    lambda t: t.ones(2).tile(),
])
def test_shape_op_errors_match_torch(call):
    _same(call)
