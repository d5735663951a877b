"""Sparse COO tensors (ember/_sparse.py, ember/sparse.py) side by side with torch: construction and its errors,
reprs, coalescing, arithmetic, sparse @ dense products, sums, softmax, and gradients for the values and the
dense operands (float64 gradcheck too)."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

import ember
import ember.sparse
from ember._sparse import dense_to_sparse

torch = pytest.importorskip("torch")

IDX = [[0, 1, 1, 0], [2, 0, 2, 2]]  # (0, 2) twice: uncoalesced
VAL = [3.0, 4.0, 5.0, 1.0]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():  # torch's "Sparse invariant checks are implicitly disabled"
        warnings.simplefilter("ignore", UserWarning)
        yield


def _np(t):
    return t.detach().numpy()


def _pair(idx, val, size=None, **kw):
    """The same sparse tensor in ember and in torch."""
    tkw = {k: getattr(torch, str(v).split(".")[-1]) if k == "dtype" else v for k, v in kw.items()}
    args = () if size is None else (size,)  # (torch refuses an explicit size=None)
    return (ember.sparse_coo_tensor(ember.tensor(idx), ember.tensor(val), *args, **kw),
            torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(val), *args, **tkw))


def _same_sparse(e, t):
    assert e.is_sparse and e.layout is ember.sparse_coo
    assert tuple(e.shape) == tuple(t.shape)
    assert e.is_coalesced() == t.is_coalesced()
    np.testing.assert_array_equal(_np(e._indices()), t._indices().numpy())
    np.testing.assert_allclose(_np(e._values()), t._values().detach().numpy(), rtol=1e-6, atol=1e-6)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]


def _random(rng, n, m, nnz, dtype="float32"):
    idx = np.stack([rng.integers(0, n, nnz), rng.integers(0, m, nnz)])
    return idx, rng.standard_normal(nnz).astype(dtype)


def _same_error(fe, ft):
    with pytest.raises(Exception) as te:
        ft()
    with pytest.raises(type(te.value)) as ee:
        fe()
    assert str(ee.value) == str(te.value)


# ---------------------------------------------------------------------------------------------- construction


def test_attributes():
    e, t = _pair(IDX, VAL, (2, 3))
    assert isinstance(e, ember.Tensor) and e.is_sparse and not ember.ones(2).is_sparse
    assert e.shape == (2, 3) and e.size() == ember.Size([2, 3]) and e.size(-1) == 3
    assert e.dim() == e.ndim == 2 and e.numel() == 6 and len(e) == 2
    assert e.dtype is ember.float32 and e.device == ember.device("cpu")
    assert (e.sparse_dim(), e.dense_dim(), e._nnz()) == (t.sparse_dim(), t.dense_dim(), t._nnz())
    assert e.type() == "ember.sparse.FloatTensor"
    _same_sparse(e, t)


@pytest.mark.parametrize("case", [
    (IDX, VAL, (2, 3), {}),
    (IDX, VAL, None, {}),
    ([[0, 1], [1, 0]], [1, 2], None, {}),
    ([[0, 1], [1, 0]], [1.0, 2.0], (2, 2), {"dtype": ember.float64}),
    ([[1, 0], [0, 1]], [1.0, 2.0], (2, 2), {}),
    ([[0, 1], [0, 1]], [1.0, 2.0], (2, 3), {"is_coalesced": True, "check_invariants": True}),
    ([[0]], [1.0], (2,), {}),
    ([[0, 1]], [1, 2], (3,), {"dtype": ember.int32}),
])
def test_construction_matches_torch(case):
    idx, val, size, kw = case
    _same_sparse(*_pair(idx, val, size, **kw))


def test_construction_from_lists_and_number():
    e = ember.sparse_coo_tensor([[0], [2]], 5.0, (2, 3))
    t = torch.sparse_coo_tensor([[0], [2]], 5.0, (2, 3))
    _same_sparse(e, t)
    e = ember.sparse_coo_tensor(ember.zeros(2, 0, dtype=ember.int64), [], (3, 3))
    _same_sparse(e, torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.int64), [], (3, 3)))
    assert ember.sparse_coo_tensor(ember.zeros(2, 0, dtype=ember.int64), ember.zeros(0)).shape == (0, 0)
    _same_sparse(ember.sparse_coo_tensor((2, 3)), torch.sparse_coo_tensor((2, 3)))
    _same_sparse(ember.sparse_coo_tensor([4], dtype=ember.float64), torch.sparse_coo_tensor([4], dtype=torch.float64))


@pytest.mark.parametrize("args", [
    ("idx1d", VAL, None, {}),
    ("idx3d", VAL, (2, 3), {}),
    ("idx", VAL[:3], (2, 3), {}),
    ("idx", 5.0, (2, 3), {}),
    ("idx", VAL, (2, 3, 4), {}),
    ("idx", VAL, (2,), {}),
    ("idx", VAL, (2, -3), {}),
    ("idx", VAL, (1, 3), {"check_invariants": True}),
    ("idx", VAL, (2, 2), {"check_invariants": True}),
    ("neg", VAL, (2, 3), {"check_invariants": True}),
    ("idx", VAL, (2, 3), {"is_coalesced": True, "check_invariants": True}),
    ("idx", [1, 2, 3, 4], (2, 3), {"requires_grad": True}),
])
def test_construction_errors(args):
    name, val, size, kw = args
    idx = {"idx": IDX, "idx1d": IDX[0], "idx3d": [IDX, IDX], "neg": [[0, -1, 1, 0], [2, 0, 2, 2]]}[name]
    args = () if size is None else (size,)
    _same_error(lambda: ember.sparse_coo_tensor(ember.tensor(idx), ember.tensor(val), *args, **kw),
                lambda: torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(val), *args, **kw))


def test_unchecked_indices_raise_on_use():
    e = ember.sparse_coo_tensor(ember.tensor(IDX), ember.tensor(VAL), (1, 3))  # accepted, as in torch
    with pytest.raises(RuntimeError, match="size is inconsistent with indices: for dim 0, size is 1"):
        e.to_dense()


def test_not_implemented():
    h = ember.sparse_coo_tensor(ember.tensor(IDX), ember.ones(4, 2), (2, 3, 2))  # hybrid: few operations
    with pytest.raises(NotImplementedError, match="hybrid"):
        h.transpose(0, 1)
    with pytest.raises(NotImplementedError, match="hybrid"):
        ember.sparse.sum(h, 0)
    s = ember.sparse_coo_tensor(IDX, VAL, (2, 3))
    with pytest.raises(NotImplementedError, match="sparse COO"):
        s.exp()
    with pytest.raises(NotImplementedError, match="'mean' is not implemented"):
        s.mean()
    with pytest.raises(NotImplementedError, match="CSR"):
        s.to_sparse_csr()
    with pytest.raises(NotImplementedError, match="sampled_addmm"):
        ember.sparse.sampled_addmm(s, s, s)


# ---------------------------------------------------------------------------------------------- printing


def _repr_cases():
    rng = np.random.default_rng(0)
    n = 40
    big_idx = rng.integers(0, 100, (2, 2000))
    return [
        (IDX, VAL, (2, 3), {}),
        ([[0, 1]], [True, False], (3,), {}),
        ([[0, 1]], [1, 2], (3,), {"dtype": ember.int32}),
        ([[0, 1], [1, 0]], [1.0, 2.0], (2, 2), {"dtype": ember.float64}),
        ([[0, 1]], [1.5, 2e10], (300000000000,), {"requires_grad": True}),
        (np.stack([np.arange(n) % 7, np.arange(n) % 5]).tolist(), np.linspace(0, 1000, n).tolist(), (7, 5), {}),
        (big_idx.tolist(), rng.standard_normal(2000).tolist(), (100, 100), {}),
    ]


@pytest.mark.parametrize("case", range(7))
def test_repr(case):
    idx, val, size, kw = _repr_cases()[case]
    e, t = _pair(idx, val, size, **kw)
    assert repr(e) == repr(t).replace("torch.", "ember.")


def test_repr_empty_and_autograd():
    kw = {"dtype": ember.float64, "requires_grad": True}
    e = ember.sparse_coo_tensor(ember.zeros(2, 0, dtype=ember.int64), ember.zeros(0), (3, 3), **kw)
    t = torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.int64), torch.zeros(0), (3, 3),
                                dtype=torch.float64, requires_grad=True)
    assert repr(e) == repr(t).replace("torch.", "ember.")
    ev, tv = ember.tensor(VAL, requires_grad=True), torch.tensor(VAL, requires_grad=True)
    e = ember.sparse_coo_tensor(ember.tensor(IDX), ev, (2, 3))
    t = torch.sparse_coo_tensor(torch.tensor(IDX), tv, (2, 3))
    assert repr(e) == repr(t).replace("torch.", "ember.")  # grad_fn=<SparseCooTensorWithDimsAndTensorsBackward0>
    assert repr(e * 2) == repr(t * 2).replace("torch.", "ember.")
    assert not e.is_leaf and e.requires_grad and ev.is_leaf


# ---------------------------------------------------------------------------------------------- structure


def test_coalesce_indices_values():
    e, t = _pair(IDX, VAL, (2, 3))
    _same_error(lambda: e.indices(), lambda: t.indices())
    _same_error(lambda: e.values(), lambda: t.values())
    ec, tc = e.coalesce(), t.coalesce()
    _same_sparse(ec, tc)
    assert ec.coalesce() is ec
    np.testing.assert_array_equal(_np(ec.indices()), tc.indices().numpy())
    np.testing.assert_array_equal(_np(ec.values()), tc.values().numpy())
    np.testing.assert_array_equal(_np(e.to_dense()), t.to_dense().numpy())
    _same_error(lambda: e.to_dense(dtype=ember.float64), lambda: t.to_dense(dtype=torch.float64))


def test_coalesce_random():
    rng = np.random.default_rng(1)
    idx, val = _random(rng, 5, 4, 30)
    e, t = _pair(idx.tolist(), val.tolist(), (5, 4))
    _same_sparse(e.coalesce(), t.coalesce())
    np.testing.assert_allclose(_np(e.to_dense()), t.to_dense().numpy(), rtol=1e-6)
    e3, t3 = _pair(rng.integers(0, 3, (3, 20)).tolist(), rng.standard_normal(20).tolist(), (3, 3, 3))
    _same_sparse(e3.coalesce(), t3.coalesce())
    np.testing.assert_allclose(_np(e3.to_dense()), t3.to_dense().numpy(), rtol=1e-6)


def test_transpose():
    e, t = _pair(IDX, VAL, (2, 3))
    _same_sparse(e.t(), t.t())
    _same_sparse(e.transpose(1, 0), t.transpose(1, 0))
    _same_sparse(e.coalesce().t(), t.coalesce().t())  # no longer coalesced
    _same_error(lambda: e.transpose(0, 2), lambda: t.transpose(0, 2))


def test_arithmetic():
    e, t = _pair(IDX, VAL, (2, 3))
    e2, t2 = _pair([[1, 0], [1, 2]], [7.0, 8.0], (2, 3))
    for fe, ft in [(e * 2, t * 2), (2.5 * e, 2.5 * t), (e / 2, t / 2), (-e, -t),
                   (e * ember.tensor(2.0), t * torch.tensor(2.0))]:
        _same_sparse(fe, ft)
    # concatenated when uncoalesced (the order may differ from torch's), merged when both are coalesced
    for fe, ft in [(e + e2, t + t2), (e - e2, t - t2), (e.add(e2, alpha=2), t.add(t2, alpha=2))]:
        np.testing.assert_allclose(_np(fe.to_dense()), ft.to_dense().numpy())
        assert fe.is_coalesced() == ft.is_coalesced()
    _same_sparse(e.coalesce() + e2.coalesce(), t.coalesce() + t2.coalesce())
    np.testing.assert_allclose(_np(ember.ones(2, 3) + e), (torch.ones(2, 3) + t).numpy())
    _same_sparse(e * ember.arange(6.0).reshape(2, 3), t * torch.arange(6.0).reshape(2, 3))
    _same_error(lambda: e + ember.ones(2, 3), lambda: t + torch.ones(2, 3))
    e3, t3 = _pair(IDX, VAL, (3, 3))
    _same_error(lambda: e + e3, lambda: t + t3)


def test_dtype_conversion_and_clone():
    e, t = _pair(IDX, VAL, (2, 3))
    _same_sparse(e.double(), t.double())
    _same_sparse(e.to(ember.float64), t.to(torch.float64))
    c = e.clone()
    _same_sparse(c, t.clone())
    assert c._indices() is not e._indices()


# ---------------------------------------------------------------------------------------------- products


def test_spmm_forward():
    rng = np.random.default_rng(2)
    idx, val = _random(rng, 5, 4, 12)
    e, t = _pair(idx.tolist(), val.tolist(), (5, 4))
    x = rng.standard_normal((4, 3)).astype("float32")
    ex, tx = ember.tensor(x), torch.tensor(x)
    want = (t @ tx).numpy()
    for got in (e @ ex, ember.sparse.mm(e, ex), ember.spmm(e, ex), e.mm(ex), e.coalesce() @ ex):
        np.testing.assert_allclose(_np(got), want, rtol=1e-5, atol=1e-6)
    v = rng.standard_normal(4).astype("float32")
    np.testing.assert_allclose(_np(e @ ember.tensor(v)), (t @ torch.tensor(v)).numpy(), rtol=1e-5, atol=1e-6)
    y = rng.standard_normal((2, 5)).astype("float32")
    np.testing.assert_allclose(_np(ember.tensor(y) @ e), (torch.tensor(y) @ t).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(ember.sparse.mm(ember.tensor(y), e)), torch.sparse.mm(torch.tensor(y), t).numpy(),
                               rtol=1e-5, atol=1e-6)
    ss = ember.sparse.mm(e, e.t())
    assert ss.is_sparse
    np.testing.assert_allclose(_np(ss.to_dense()), torch.sparse.mm(t, t.t()).to_dense().numpy(), rtol=1e-5,
                               atol=1e-6)
    m = rng.standard_normal((5, 3)).astype("float32")
    np.testing.assert_allclose(
        _np(ember.sparse.addmm(ember.tensor(m), e, ex, beta=2, alpha=3)),
        torch.sparse.addmm(torch.tensor(m), t, tx, beta=2, alpha=3).numpy(), rtol=1e-5, atol=1e-5)


def test_spmm_errors():
    e, t = _pair(IDX, VAL, (2, 3))
    _same_error(lambda: e @ ember.ones(4, 2), lambda: t @ torch.ones(4, 2))
    _same_error(lambda: ember.sparse.mm(e, ember.ones(3)), lambda: torch.sparse.mm(t, torch.ones(3)))
    _same_error(lambda: e @ ember.ones(3, 2, dtype=ember.float64), lambda: t @ torch.ones(3, 2, dtype=torch.float64))
    _same_error(lambda: ember.ones(3, 3) @ e, lambda: torch.ones(3, 3) @ t)
    with pytest.raises(TypeError, match="takes 3 positional arguments but 5 were given"):  # (keywords only)
        ember.sparse.addmm(ember.ones(2, 2), e, ember.ones(3, 2), 2, 3)
    with pytest.raises(NotImplementedError, match="reduce"):
        ember.sparse.mm(e, ember.ones(3, 2), "sum")


def test_torch_mm_dispatch():
    e, t = _pair(IDX, VAL, (2, 3))
    x = ember.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(_np(ember.mm(e, x)), torch.mm(t, torch.arange(6.0).reshape(3, 2)).numpy())
    np.testing.assert_allclose(_np(ember.matmul(e, x)), torch.matmul(t, torch.arange(6.0).reshape(3, 2)).numpy())
    np.testing.assert_allclose(_np(ember.mm(x.t(), e.t())), torch.mm(torch.arange(6.0).reshape(3, 2).t(), t.t()))


def _grads(lib, idx, val, x, how, leaf):
    """Gradients of a loss of sparse(values) x dense w.r.t. the values (or the sparse leaf) and the dense."""
    v = lib.tensor(val, requires_grad=not leaf)
    xx = lib.tensor(x, requires_grad=True)
    s = lib.sparse_coo_tensor(lib.tensor(idx), v, (5, 4), requires_grad=leaf)
    out = {"@": lambda: s @ xx, "mm": lambda: lib.sparse.mm(s, xx), "rmm": lambda: (xx.t() @ s.t()).t(),
           "coalesce": lambda: s.coalesce() @ xx, "dense": lambda: s.to_dense() @ xx}[how]()
    w = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(val.dtype))
    (out * w).sum().backward()
    if leaf:
        return s.grad.to_dense(), s.grad._indices(), xx.grad
    return v.grad, xx.grad


@pytest.mark.parametrize("how", ["@", "mm", "rmm", "coalesce", "dense"])
def test_spmm_gradients(how):
    rng = np.random.default_rng(3)
    idx, val = _random(rng, 5, 4, 14)
    idx[:, 1] = idx[:, 0]  # a duplicate entry
    x = rng.standard_normal((4, 3)).astype("float32")
    for eg, tg in zip(_grads(ember, idx, val, x, how, False), _grads(torch, idx, val, x, how, False)):
        np.testing.assert_allclose(_np(eg), tg.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("how", ["mm", "dense"])
def test_sparse_leaf_gradient(how):
    # torch gives a sparse leaf a coalesced sparse gradient on its own pattern here (its `@` gives a dense one)
    rng = np.random.default_rng(4)
    idx, val = _random(rng, 5, 4, 14)
    idx[:, 1] = idx[:, 0]
    x = rng.standard_normal((4, 3)).astype("float32")
    e, t = _grads(ember, idx, val, x, how, True), _grads(torch, idx, val, x, how, True)
    np.testing.assert_allclose(_np(e[0]), t[0].numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(_np(e[1]), t[1].numpy())
    np.testing.assert_allclose(_np(e[2]), t[2].numpy(), rtol=1e-5, atol=1e-5)


def test_sparse_leaf_requires_grad():
    e = ember.sparse_coo_tensor(IDX, VAL, (2, 3))
    assert not e.requires_grad and e.grad is None
    e.requires_grad_()
    assert e.requires_grad and e.is_leaf
    ember.sparse.sum(e * 3).backward()
    t = torch.sparse_coo_tensor(IDX, VAL, (2, 3), requires_grad=True)
    torch.sparse.sum(t * 3).backward()
    _same_sparse(e.grad.coalesce(), t.grad.coalesce())  # (torch's flag depends on the path: compare coalesced)
    e.grad = None
    assert e.grad is None
    _same_error(lambda: ember.sparse_coo_tensor(IDX, ember.tensor(VAL, requires_grad=True), (2, 3))
                .requires_grad_(False),
                lambda: torch.sparse_coo_tensor(IDX, torch.tensor(VAL, requires_grad=True), (2, 3))
                .requires_grad_(False))


def test_gradcheck_float64():
    rng = np.random.default_rng(5)
    idx, _ = _random(rng, 4, 3, 9)
    i = ember.tensor(idx)
    v = ember.tensor(rng.standard_normal(9), dtype=ember.float64, requires_grad=True)
    x = ember.tensor(rng.standard_normal((3, 2)), dtype=ember.float64, requires_grad=True)
    y = ember.tensor(rng.standard_normal((2, 4)), dtype=ember.float64, requires_grad=True)

    def f(v, x, y):
        s = ember.sparse_coo_tensor(i, v, (4, 3))
        return (s @ x, y @ s, ember.sparse.softmax(s, 1).to_dense(), ember.sparse.sum(s, 0).to_dense())

    assert ember.autograd.gradcheck(f, (v, x, y))


# ---------------------------------------------------------------------------------------------- reductions


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1)])
def test_sum(dim):
    rng = np.random.default_rng(6)
    idx, val = _random(rng, 4, 5, 10)
    e, t = _pair(idx.tolist(), val.tolist(), (4, 5))
    got, want = ember.sparse.sum(e, dim), torch.sparse.sum(t, dim) if dim is not None else torch.sparse.sum(t)
    if want.is_sparse:
        _same_sparse(got, want)
    else:
        assert not got.is_sparse
        np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-5)


def test_sum_errors_and_dtype():
    e, t = _pair(IDX, VAL, (2, 3))
    np.testing.assert_allclose(_np(ember.sparse.sum(e, dtype=ember.float64)), 13.0)
    assert ember.sparse.sum(e, dtype=ember.float64).dtype is ember.float64
    _same_error(lambda: ember.sparse.sum(e, (1, 1)), lambda: torch.sparse.sum(t, (1, 1)))
    _same_error(lambda: ember.sparse.sum(e, 2), lambda: torch.sparse.sum(t, 2))
    _same_error(lambda: ember.sparse.sum(ember.ones(2)), lambda: torch.sparse.sum(torch.ones(2)))


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax(log, dim):
    rng = np.random.default_rng(7)
    idx, val = _random(rng, 4, 5, 12)
    fe, ft = (ember.sparse.log_softmax, torch.sparse.log_softmax) if log else (ember.sparse.softmax,
                                                                             torch.sparse.softmax)
    ve, vt = ember.tensor(val, requires_grad=True), torch.tensor(val, requires_grad=True)
    e = fe(ember.sparse_coo_tensor(ember.tensor(idx), ve, (4, 5)), dim)
    t = ft(torch.sparse_coo_tensor(torch.tensor(idx), vt, (4, 5)), dim)
    _same_sparse(e, t)
    w = np.linspace(-1, 2, e._nnz()).astype("float32")
    (e.values() * ember.tensor(w)).sum().backward()
    (t.values() * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(_np(ve.grad), vt.grad.numpy(), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------- dense -> sparse


def test_dense_to_sparse():
    x = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, -3.0]], dtype="float32")
    _same_sparse(dense_to_sparse(ember.tensor(x)), torch.tensor(x).to_sparse())
    _same_sparse(dense_to_sparse(ember.tensor([0.0, 1.0, 3.0])), torch.tensor([0.0, 1.0, 3.0]).to_sparse())
    _same_sparse(dense_to_sparse(ember.zeros(2, 3)), torch.zeros(2, 3).to_sparse())
    _same_error(lambda: dense_to_sparse(ember.tensor(x), 3), lambda: torch.tensor(x).to_sparse(3))
    _same_error(lambda: dense_to_sparse(ember.tensor(x), 0), lambda: torch.tensor(x).to_sparse(0))
    with pytest.raises(NotImplementedError, match="hybrid"):
        dense_to_sparse(ember.tensor(x), 1)
    xe = ember.tensor(x, requires_grad=True)
    ember.sparse.sum(dense_to_sparse(xe) * 2).backward()
    np.testing.assert_array_equal(_np(xe.grad), (x != 0) * 2.0)


def test_tensor_to_sparse_method():
    x = np.array([[0.0, 1.0], [2.0, 0.0]], dtype="float32")
    _same_sparse(ember.tensor(x).to_sparse(), torch.tensor(x).to_sparse())


def test_import_stays_lazy():
    code = "import sys, ember; assert 'ember.sparse' not in sys.modules and 'ember._sparse' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_hybrid_tensor_matches_torch():
    """Values with dense dimensions (as embedding gradients): construction, coalesce, to_dense, +, scalars."""
    idx = np.array([[1, 0, 1, 3]])
    val = np.arange(8, dtype="float32").reshape(4, 2)
    t = torch.sparse_coo_tensor(torch.from_numpy(idx), torch.from_numpy(val), (5, 2))
    e = ember.sparse_coo_tensor(ember.from_numpy(idx), ember.from_numpy(val), (5, 2))
    assert (e.sparse_dim(), e.dense_dim(), tuple(e.shape)) == (t.sparse_dim(), t.dense_dim(), tuple(t.shape))
    assert repr(e).replace("ember", "torch") == repr(t)
    for e_x, t_x in ((e, t), (e.coalesce(), t.coalesce()), (e + e * 2.0, t + t * 2.0), (e - e / 4, t - t / 4)):
        np.testing.assert_array_equal(e_x.to_dense().numpy(), t_x.to_dense().numpy())
        assert e_x._nnz() == t_x._nnz() and e_x.is_coalesced() == t_x.is_coalesced()
    c_e, c_t = e.coalesce(), t.coalesce()
    np.testing.assert_array_equal(c_e.indices().numpy(), c_t.indices().numpy())
    np.testing.assert_array_equal(c_e.values().numpy(), c_t.values().numpy())
    other = np.array([[4, 0]])  # different indices: the entries are concatenated
    e2 = e + ember.sparse_coo_tensor(ember.from_numpy(other), ember.ones(2, 2), (5, 2))
    t2 = t + torch.sparse_coo_tensor(torch.from_numpy(other), torch.ones(2, 2), (5, 2))
    np.testing.assert_array_equal(e2.to_dense().numpy(), t2.to_dense().numpy())
    assert tuple(ember.sparse_coo_tensor(ember.from_numpy(idx), ember.from_numpy(val)).shape) == tuple(
        torch.sparse_coo_tensor(torch.from_numpy(idx), torch.from_numpy(val)).shape)
    err = []
    for lib in (torch, ember):
        with pytest.raises(RuntimeError) as info:
            lib.sparse_coo_tensor(lib.tensor([[0, 1]]), lib.ones(2, 3), (3, 4))
        err.append(str(info.value))
    assert err[0] == err[1]
    # a hybrid leaf's .grad: coalesced, on its own pattern
    leaf = ember.sparse_coo_tensor(ember.from_numpy(idx), ember.from_numpy(val), (5, 2), requires_grad=True)
    tleaf = torch.sparse_coo_tensor(torch.from_numpy(idx), torch.from_numpy(val), (5, 2), requires_grad=True)
    leaf.to_dense().pow(2).sum().backward()
    tleaf.to_dense().pow(2).sum().backward()
    np.testing.assert_allclose(leaf.grad.to_dense().numpy(), tleaf.grad.to_dense().numpy())
