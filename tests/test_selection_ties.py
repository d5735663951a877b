"""Which index ``kthvalue`` and ``mode`` report among equal values, against PyTorch's CPU kernels (deterministic:
kthvalue's quickselect and mode's std::sort decide it)."""

import numpy as np
import pytest

import ember


def _tied(seed, shape, values, nan=0.0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, values, shape).astype("float64")
    if nan:
        x[rng.random(shape) < nan] = np.nan
    return x.astype(dtype)


_KTH = [((7,), 3, 0.0), ((2, 9), 2, 0.0), ((3, 40), 4, 0.0), ((3, 33), 3, 0.3), ((1, 200), 5, 0.1),
        ((5, 17), 1, 0.0), ((4, 60), 6, 0.5)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bfloat16"])
@pytest.mark.parametrize("shape,values,nan", _KTH)
def test_kthvalue_ties_match_torch(torch, dtype, shape, values, nan):
    if dtype in ("int64",) and nan:
        pytest.skip("no NaN in integers")
    x = _tied(len(shape) * 100 + shape[-1], shape, values, nan)
    t, e = torch.tensor(x).to(getattr(torch, dtype)), ember.tensor(x).to(getattr(ember, dtype))
    n = shape[-1]
    for k in sorted({1, 2, n // 3 + 1, (n + 1) // 2, n - 1, n} - {0}):
        tr, er = t.kthvalue(k), e.kthvalue(k)
        assert er.indices.tolist() == tr.indices.tolist(), k
        np.testing.assert_array_equal(er.values.float().numpy(), tr.values.float().numpy())
    if len(shape) == 2:  # along the first dimension, keeping it
        tr, er = t.kthvalue(1, 0, True), e.kthvalue(1, 0, True)
        assert er.indices.tolist() == tr.indices.tolist()


def test_kthvalue_signed_zeros_and_gradient(torch):
    # -0.0 and 0.0 tie: the reported value is the reported element's
    x = [-0.0, 0.0, 0.0, -0.0, 1.0]
    results = []
    for lib in (torch, ember):
        t = lib.tensor(x, requires_grad=True)
        r = t.kthvalue(1)
        r.values.backward()
        results.append((str(r.values.item()), r.indices.item(), t.grad.tolist()))
    assert results[1] == results[0]


_MODE = [((9,), 3, 0.0), ((4, 16), 3, 0.0), ((3, 17), 4, 0.0), ((2, 100), 7, 0.0), ((3, 64), 5, 0.2),
         ((2, 300), 12, 0.05), ((2, 40), 3, 0.6), ((1, 1000), 30, 0.0)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("shape,values,nan", _MODE)
def test_mode_ties_match_torch(torch, dtype, shape, values, nan):
    if dtype == "int64" and nan:
        pytest.skip("no NaN in integers")
    x = _tied(shape[-1], shape, values, nan, dtype)
    tr, er = torch.tensor(x).mode(), ember.tensor(x).mode()
    assert er.indices.tolist() == tr.indices.tolist()
    np.testing.assert_array_equal(er.values.numpy(), tr.values.numpy())


@pytest.mark.parametrize("order", ["sorted", "reversed", "organ"])
def test_mode_of_ordered_rows_matches_torch(torch, order):
    # presorted and organ-pipe rows: the partitions' unbalanced cases
    x = np.sort(_tied(3, (2, 120), 6), axis=1)
    if order == "reversed":
        x = x[:, ::-1].copy()
    elif order == "organ":
        x = np.concatenate([x[:, ::2], x[:, 1::2][:, ::-1]], axis=1)
    tr, er = torch.tensor(x).mode(1), ember.tensor(x).mode(1)
    assert er.indices.tolist() == tr.indices.tolist()


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_mode_of_mixed_rows_matches_torch(torch, dtype):
    # longer than 16: rows of distinct values (one answer, no sort to replay), rows with ties, and rows of distinct
    # values with a NaN (where the sort's order, so the answer, is PyTorch's own) side by side
    rng = np.random.default_rng(7)
    n = 70
    x = rng.standard_normal((9, n))
    x[3:6] = rng.integers(0, 6, (3, n))
    x[6:, rng.integers(0, n, 22)] = np.nan
    tr, er = torch.tensor(x).to(getattr(torch, dtype)).mode(), ember.tensor(x).to(getattr(ember, dtype)).mode()
    assert er.indices.tolist() == tr.indices.tolist()
    np.testing.assert_array_equal(er.values.float().numpy(), tr.values.float().numpy())


def _patterns(seed, rows, n, values):
    """Rows with many ties: random, sorted, reversed and organ-pipe orders."""
    x = _tied(seed, (rows, n), values)
    s = np.sort(x, axis=1)
    return np.concatenate([x, s, s[:, ::-1], np.concatenate([s[:, ::2], s[:, 1::2][:, ::-1]], axis=1)])


@pytest.mark.parametrize("tail,split", [(None, None), (0, 64), (10**9, None)])
@pytest.mark.parametrize("dtype", ["int64", "float32", "float64", "int16"])
def test_kthvalue_ties_every_path_matches_torch(torch, monkeypatch, dtype, tail, split):
    # the vectorised passes (forced down to the last few elements, with rows split off into groups), the plain
    # loop for short ranges, and the mix of both by default; keys packed with their columns (integers, float32
    # values) or kept apart (float64 values with no float32 equal, a wide int64 range)
    from ember._ops import reduction as R
    if tail is not None:
        monkeypatch.setattr(R, "_TAIL", tail)
    if split is not None:
        monkeypatch.setattr(R, "_SPLIT", split)
    x = _patterns(5, 6, 301, 6)
    if dtype == "float64":
        x = x + 0.1
        x[::5, ::7] = np.nan
    elif dtype == "float32":
        x[1::4, ::11] = np.nan
    t, e = torch.tensor(x).to(getattr(torch, dtype)), ember.tensor(x).to(getattr(ember, dtype))
    if dtype == "int64":
        t, e = t * 2**58, e * 2**58
    for k in (1, 2, 77, 151, 300, 301):
        tr, er = t.kthvalue(k), e.kthvalue(k)
        assert er.indices.tolist() == tr.indices.tolist(), k
        np.testing.assert_array_equal(er.values.float().numpy(), tr.values.float().numpy())


@pytest.mark.parametrize("n", [1024, 1025, 1027, 20000])
def test_kthvalue_ties_long_rows_match_torch(torch, n):
    # one or a few long rows (sizes about the plain loop's threshold, and one well beyond it)
    x = _tied(n, (2, n), 40)
    t, e = torch.tensor(x), ember.tensor(x)
    for k in (1, n // 2, n - 3):
        assert e.kthvalue(k).indices.tolist() == t.kthvalue(k).indices.tolist(), k
    x = _tied(n + 1, (n,), 3, dtype="int64")
    assert ember.tensor(x).kthvalue(n // 3).indices.item() == torch.tensor(x).kthvalue(n // 3).indices.item()


def test_kthvalue_ties_many_rows_match_torch(torch):
    # enough rows of uneven ranges that groups split off
    x = _tied(11, (300, 400), 5, dtype="int64")
    for dim, k in ((1, 200), (0, 150)):
        tr, er = torch.tensor(x).kthvalue(k, dim), ember.tensor(x).kthvalue(k, dim)
        assert er.indices.tolist() == tr.indices.tolist()


@pytest.mark.parametrize("shape,values", [((3, 5000), 7), ((40, 600), 4), ((1, 20000), 50)])
def test_mode_long_rows_with_ties_match_torch(torch, shape, values):
    # long pieces (a bisection per piece) and short ones (all pairs at once) in std::sort's partitions
    x = _tied(shape[1], shape, values, dtype="int64")
    tr, er = torch.tensor(x).mode(), ember.tensor(x).mode()
    assert er.indices.tolist() == tr.indices.tolist()


def _random_tied(rng, shape, dtype):
    """Tie-heavy values of ``dtype``: a few distinct values, integral or not, in a short or a wide range."""
    values = int(rng.integers(2, 12))
    x = rng.integers(0, values, shape).astype("float64")
    kind = int(rng.integers(0, 3))
    if kind == 1:  # wide range: no counting shortcut
        x = x * 1_000_003 - 5_000_000
    elif kind == 2 and dtype not in ("int64", "int16"):  # not integral
        x = x / 4 - 0.375
    if dtype == "int16":
        x = np.clip(x, -30_000, 30_000)
    return x


@pytest.mark.parametrize("seed", range(6))
def test_mode_random_ties_match_torch(torch, seed):
    # rows of several lengths (up to 16: an insertion sort; beyond: std::sort's partitions), along any dim,
    # with and without keepdim, short and wide ranges of integral and fractional values
    rng = np.random.default_rng(1000 + seed)
    for _ in range(6):
        ndim = int(rng.integers(1, 4))
        shape = [int(rng.integers(1, 5)) for _ in range(ndim)]
        dim = int(rng.integers(-ndim, ndim))
        shape[dim] = int(rng.choice([3, 16, 17, 33, 100, 257, 1500]))
        dtype = str(rng.choice(["float32", "float64", "int64", "int16", "bfloat16"]))
        x = _random_tied(rng, tuple(shape), dtype)
        if rng.random() < 0.3:  # presorted rows: unbalanced partitions
            x = np.sort(x, axis=dim)
        keepdim = bool(rng.integers(0, 2))
        t, e = torch.tensor(x).to(getattr(torch, dtype)), ember.tensor(x).to(getattr(ember, dtype))
        tr, er = t.mode(dim, keepdim), e.mode(dim, keepdim)
        assert tuple(er.indices.shape) == tuple(tr.indices.shape)
        assert er.indices.tolist() == tr.indices.tolist(), (shape, dim, dtype)
        np.testing.assert_array_equal(er.values.float().numpy(), tr.values.float().numpy())


@pytest.mark.parametrize("seed", range(3))
def test_kthvalue_random_ties_match_torch(torch, seed):
    rng = np.random.default_rng(2000 + seed)
    for _ in range(6):
        ndim = int(rng.integers(1, 4))
        shape = [int(rng.integers(1, 5)) for _ in range(ndim)]
        dim = int(rng.integers(-ndim, ndim))
        shape[dim] = int(rng.choice([3, 17, 100, 1500]))
        dtype = str(rng.choice(["float32", "float64", "int64"]))
        x = _random_tied(rng, tuple(shape), dtype)
        k = int(rng.integers(1, shape[dim] + 1))
        keepdim = bool(rng.integers(0, 2))
        t, e = torch.tensor(x).to(getattr(torch, dtype)), ember.tensor(x).to(getattr(ember, dtype))
        tr, er = t.kthvalue(k, dim, keepdim), e.kthvalue(k, dim, keepdim)
        assert tuple(er.indices.shape) == tuple(tr.indices.shape)
        assert er.indices.tolist() == tr.indices.tolist(), (shape, dim, dtype, k)
        np.testing.assert_array_equal(er.values.numpy(), tr.values.numpy())


@pytest.mark.parametrize("dtype", ["int64", "uint8", "int8", "bool", "float32"])
def test_mode_small_types_and_many_rows_match_torch(torch, dtype):
    # the counting shortcut over many short rows and a few long ones (negative int8 values: no wraparound)
    rng = np.random.default_rng(5)
    for shape in ((500, 40), (3, 4000)):
        x = rng.integers(-3, 4, shape) if dtype != "uint8" else rng.integers(250, 256, shape)
        if dtype == "int8":
            x = x * 40
        t, e = torch.tensor(x).to(getattr(torch, dtype)), ember.tensor(x).to(getattr(ember, dtype))
        for dim in (0, 1):
            tr, er = t.mode(dim), e.mode(dim)
            assert er.indices.tolist() == tr.indices.tolist(), (shape, dim)
            assert er.values.tolist() == tr.values.tolist()


# topk: PyTorch's CPU kernel selects with libstdc++ (a heap select and heap sort where k * 64 <= n, otherwise
# std::nth_element, then std::sort of the first k - 1 when sorted): which of equal values it reports, and in what
# order, is those algorithms' doing.


def _topk_pair(torch, t, e, k, dim=-1, largest=True, sorted=True, what=""):
    tr, er = t.topk(k, dim, largest, sorted), e.topk(k, dim, largest, sorted)
    assert tuple(er.indices.shape) == tuple(tr.indices.shape)
    assert er.indices.tolist() == tr.indices.tolist(), (k, dim, largest, sorted, what)
    np.testing.assert_array_equal(er.values.float().numpy(), tr.values.float().numpy())
    assert str(er.values.dtype).split(".")[1] == str(tr.values.dtype).split(".")[1]


def _k_choices(n):
    """k of both paths: about the heap select's bound (k * 64 <= n), small, half, all."""
    return sorted({0, 1, 2, 3, n // 64, n // 64 + 1, n // 2, n - 1, n} & set(range(n + 1)))


_TOPK = [((8,), 3, 0.0), ((3, 17), 4, 0.0), ((2, 64), 3, 0.2), ((2, 130), 5, 0.0), ((3, 193), 2, 0.1),
         ((2, 400), 9, 0.0), ((1, 1300), 20, 0.05)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bfloat16", "int8"])
@pytest.mark.parametrize("shape,values,nan", _TOPK)
def test_topk_ties_match_torch(torch, dtype, shape, values, nan):
    if dtype in ("int64", "int8") and nan:
        pytest.skip("no NaN in integers")
    x = _tied(len(shape) * 10 + shape[-1], shape, values, nan)
    t, e = torch.tensor(x).to(getattr(torch, dtype)), ember.tensor(x).to(getattr(ember, dtype))
    for k in _k_choices(shape[-1]):
        for largest in (True, False):
            for srt in (True, False):
                _topk_pair(torch, t, e, k, -1, largest, srt)


def test_topk_example_and_prune_cut(torch):
    # the example of a tie at the cut (smallest three of a row with two 1s)
    x = [3, 1, 2, .5, .1, 4, 2, 1]
    assert ember.topk(ember.tensor(x), 3, largest=False).indices.tolist() == [4, 3, 7]
    _topk_pair(torch, torch.tensor(x), ember.tensor(x), 3, largest=False)


@pytest.mark.parametrize("seed", range(4))
def test_topk_random_ties_match_torch(torch, seed):
    # any dim of 1-3-D tensors, contiguous or not (transposed, strided), presorted rows, sorted or not
    rng = np.random.default_rng(3000 + seed)
    for _ in range(8):
        ndim = int(rng.integers(1, 4))
        shape = [int(rng.integers(1, 5)) for _ in range(ndim)]
        dim = int(rng.integers(-ndim, ndim))
        shape[dim] = int(rng.choice([1, 5, 16, 17, 64, 129, 300, 700]))
        dtype = str(rng.choice(["float32", "float64", "int64", "int16", "float16"]))
        x = _random_tied(rng, tuple(shape), dtype)
        if rng.random() < 0.3:
            x = np.sort(x, axis=dim)
            if rng.random() < 0.5:
                x = np.flip(x, axis=dim).copy()
        t, e = torch.tensor(x).to(getattr(torch, dtype)), ember.tensor(x).to(getattr(ember, dtype))
        view = int(rng.integers(0, 3))
        if view == 1 and ndim > 1:  # transposed
            t, e = t.transpose(0, -1), e.transpose(0, -1)
        elif view == 2:  # every other element along dim
            every = tuple(slice(None, None, 2) if i == dim % ndim else slice(None) for i in range(ndim))
            t, e = t[every], e[every]
        n = t.shape[dim]
        k = int(rng.choice(_k_choices(n)))
        _topk_pair(torch, t, e, k, dim, bool(rng.integers(0, 2)), bool(rng.integers(0, 2)), (shape, dtype, view))


@pytest.mark.parametrize("n", [192, 193, 5000])
def test_topk_heap_bound_and_long_rows_match_torch(torch, n):
    # about k * 64 == n (the heap select up to it, nth_element beyond), and long rows of few values
    x = _tied(n, (3, n), 4, dtype="int64")
    t, e = torch.tensor(x), ember.tensor(x)
    for k in (n // 64 - 1, n // 64, n // 64 + 1, n // 3):
        for largest in (True, False):
            _topk_pair(torch, t, e, k, -1, largest, True)
    _topk_pair(torch, t, e, n // 3, -1, True, False)


def test_topk_nan_and_signed_zeros_match_torch(torch):
    # NaN (either sign) is the largest and NaNs tie; -0.0 ties 0.0; the values are the reported elements'
    x = _tied(4, (4, 90), 4, 0.2, dtype="float64")
    x[x == 0] = -0.0
    x[:, ::3] = np.abs(x[:, ::3])
    x[1::2, 1::4] *= -1  # NaNs with their sign bit set among the others
    for dtype in ("float32", "float64"):
        t, e = torch.from_numpy(x.astype(dtype)), ember.tensor(x.astype(dtype))
        for k in (1, 2, 30, 89):
            for largest in (True, False):
                for srt in (True, False):
                    _topk_pair(torch, t, e, k, 1, largest, srt)
                    tv, ev = t.topk(k, 1, largest, srt).values.numpy(), e.topk(k, 1, largest, srt).values.numpy()
                    np.testing.assert_array_equal(np.signbit(ev), np.signbit(tv))


# an adversary's row (McIlroy's "killer" for median-of-three partitions, values merged into ties) on which
# nth_element runs out of partitions and heap-selects
_KILLER = [82, 0, 58, 1, 73, 3, 58, 6, 88, 8, 56, 10, 22, 12, 54, 13, 54, 16, 50, 18, 53, 20, 50, 22, 87, 84, 82, 79,
           79, 76, 73, 73, 71, 68, 66, 65, 61, 61, 58, 56, 79, 70, 84, 68, 76, 66, 84, 61, 76, 61, 0, 1, 3, 6, 7, 9,
           10, 13, 13, 17, 18, 20, 50, 48, 49, 46, 46, 43, 45, 41, 43, 39, 41, 38, 39, 36, 36, 34, 34, 30, 33, 30,
           30, 27, 29, 26, 27, 22, 22, 72, 88, 90, 90, 92, 93, 93, 93, 96, 97, 97]


def test_topk_adversarial_rows_match_torch(torch):
    x = np.array(_KILLER, dtype="float32")
    rows = np.stack([x, -x, np.argsort(np.argsort(x, kind="stable")).astype("float32")])
    t, e = torch.tensor(rows), ember.tensor(rows)
    for k in (60, 90, 100):
        for largest in (True, False):
            for srt in (True, False):
                _topk_pair(torch, t, e, k, 1, largest, srt)


def test_topk_edges_and_gradient(torch):
    for shape, k in (((3, 0), 0), ((0, 4), 2), ((5,), 0), ((5,), 5), ((1,), 1)):
        x = np.zeros(shape, dtype="float32")
        _topk_pair(torch, torch.tensor(x), ember.tensor(x), k)
    for k in (0, 1):  # a 0-d tensor
        tr, er = torch.tensor(2.5).topk(k), ember.tensor(2.5).topk(k)
        assert (er.values.item(), er.indices.item(), er.indices.ndim) == (tr.values.item(), tr.indices.item(), 0)
    # the gradient goes to the reported elements
    x = [1.0, 3.0, 3.0, 2.0, 3.0, 1.0] * 12
    grads = []
    for lib in (torch, ember):
        t = lib.tensor(x, requires_grad=True)
        v = t.topk(4).values
        (v * lib.arange(1.0, 5.0)).sum().backward()
        grads.append(t.grad.tolist())
    assert grads[1] == grads[0]


@pytest.mark.parametrize("fn", ["topk", "kthvalue"])
@pytest.mark.parametrize("k", [True, False, 1.5, 2.0, None, "2"])
def test_k_must_be_an_int(torch, fn, k):
    errors = []
    for lib in (torch, ember):
        with pytest.raises(TypeError) as info:
            getattr(lib, fn)(lib.tensor([3.0, 1.0, 2.0]), k)
        errors.append(str(info.value))
    assert errors[1] == errors[0]


def test_topk_k_as_index_and_bad_dtypes(torch):
    for k in (np.int64(2), ember.tensor(2), ember.tensor([2])):
        assert ember.topk(ember.tensor([3.0, 1.0, 2.0]), k).indices.tolist() == [0, 2]
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="topk does not support bool dtypes on CPU"):
            lib.tensor([True, False]).topk(1)
        with pytest.raises(RuntimeError, match="selected index k out of range"):
            lib.tensor([1.0, 2.0]).topk(3)


def test_kthvalue_treats_negative_nan_as_nan(torch):
    data = np.array([1, -np.nan, 2, -np.nan, 3, -np.nan, 2], dtype=np.float32)
    data[[1, 3, 5]] = -np.abs(data[[1, 3, 5]])  # NaNs with the sign bit set
    assert np.signbit(data[1])
    for k in range(1, 8):
        t = torch.kthvalue(torch.from_numpy(data), k)
        e = ember.kthvalue(ember.from_numpy(data), k)
        assert e.indices.item() == t.indices.item(), k
        np.testing.assert_equal(e.values.numpy(), t.values.numpy())


@pytest.mark.parametrize("name", ["topk", "kthvalue"])
@pytest.mark.parametrize("k", [True, 1.5, None])
def test_method_form_names_k_as_argument_one(torch, name, k):
    with pytest.raises(TypeError) as ref:
        getattr(torch.ones(3), name)(k)
    with pytest.raises(TypeError) as got:
        getattr(ember.ones(3), name)(k)
    assert str(got.value) == str(ref.value)
    assert getattr(ember.ones(3), name)(k=2)[1].tolist() == getattr(torch.ones(3), name)(k=2)[1].tolist()


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_sorting_half_floats_with_nan_match_torch(torch, dtype):
    # NumPy does not order bfloat16's NaNs: sort, argsort, msort, unique and median must still put them last
    x = _tied(7, (3, 8), 5, nan=0.3)
    t, e = torch.tensor(x).to(getattr(torch, dtype)), ember.tensor(x).to(getattr(ember, dtype))

    def same(a, b):
        np.testing.assert_array_equal(b.float().numpy(), a.float().numpy())
    for desc in (False, True):
        for d in (0, 1):
            rt, re_ = torch.sort(t, d, descending=desc), ember.sort(e, d, descending=desc)
            same(rt.values, re_.values)
            same(rt.indices, re_.indices)
    same(torch.argsort(t, 1), ember.argsort(e, 1))
    same(torch.msort(t), ember.msort(e))
    for rt, re_ in zip(torch.median(t, 1), ember.median(e, 1)):
        same(rt, re_)
    for rt, re_ in zip(torch.unique(t, return_inverse=True, return_counts=True),
                       ember.unique(e, return_inverse=True, return_counts=True)):
        same(rt, re_)
