"""Embedding and EmbeddingBag against PyTorch."""

import numpy as np
import pytest

import ember
import ember.nn as enn


def _err(fn):
    try:
        fn()
    except BaseException as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def _pair(torch, cls, *args, **kwargs):
    t_mod = getattr(torch.nn, cls)(*args, **kwargs)
    e_mod = getattr(enn, cls)(*args, **kwargs)
    e_mod.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()})
    return t_mod, e_mod


def _run_both(torch, t_mod, e_mod, idx, *extra):
    t_out = t_mod(torch.from_numpy(idx), *[torch.from_numpy(a) if a is not None else None for a in extra])
    e_out = e_mod(ember.from_numpy(idx), *[ember.from_numpy(a) if a is not None else None for a in extra])
    assert tuple(e_out.shape) == tuple(t_out.shape) and e_out.dtype == ember.float32
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(1).standard_normal(tuple(t_out.shape)).astype("float32")
    (t_out * torch.from_numpy(g)).sum().backward()
    (e_out * ember.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(e_mod.weight.grad.numpy(), t_mod.weight.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 0}, {"padding_idx": -1}, {"scale_grad_by_freq": True},
                                    {"max_norm": 1.0}, {"max_norm": 0.5, "norm_type": 1.0}])
def test_embedding_matches_torch(torch, kwargs):
    t_emb, e_emb = _pair(torch, "Embedding", 10, 4, **kwargs)
    assert repr(e_emb) == repr(t_emb)
    assert e_emb.padding_idx == t_emb.padding_idx
    idx = np.random.default_rng(0).integers(0, 10, (3, 5))
    idx[0, :2] = 0
    idx[1, :3] = 9
    _run_both(torch, t_emb, e_emb, idx)
    if "max_norm" in kwargs:  # the looked-up rows were renormalised in place, as in PyTorch
        np.testing.assert_allclose(e_emb.weight.detach().numpy(), t_emb.weight.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_embedding_int32_indices_and_1d(torch):
    t_emb, e_emb = _pair(torch, "Embedding", 6, 3)
    _run_both(torch, t_emb, e_emb, np.array([1, 2, 2, 5], dtype=np.int32))
    out = e_emb(ember.tensor(3))
    assert out.shape == (3,)


def test_embedding_padding_row_init_and_grad():
    emb = enn.Embedding(5, 3, padding_idx=2)
    assert not emb.weight[2].any()
    emb(ember.tensor([[2, 2, 1]])).sum().backward()
    assert not emb.weight.grad[2].any() and emb.weight.grad[1].abs().sum() > 0


def test_embedding_default_init_is_standard_normal():
    w = enn.Embedding(1000, 50).weight.detach().numpy()
    assert w.dtype == np.float32
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1.0) < 0.02


def test_from_pretrained(torch):
    data = [[1.0, 2.5, 3.0], [4.0, 5.25, 6.5]]
    e = enn.Embedding.from_pretrained(ember.tensor(data))
    t = torch.nn.Embedding.from_pretrained(torch.tensor(data))
    assert repr(e) == repr(t) and not e.weight.requires_grad
    np.testing.assert_allclose(e(ember.tensor([1])).numpy(), t(torch.tensor([1])).numpy())
    unfrozen = enn.Embedding.from_pretrained(ember.tensor(data), freeze=False, padding_idx=0)
    assert unfrozen.weight.requires_grad and unfrozen.weight[0].tolist() == data[0]
    assert _err(lambda: enn.Embedding.from_pretrained(ember.zeros(4))) == \
        _err(lambda: torch.nn.Embedding.from_pretrained(torch.zeros(4)))


def test_embedding_errors_match_torch(torch):
    w_e, w_t = ember.randn(4, 3), torch.randn(4, 3)
    fe, ft = enn.functional.embedding, torch.nn.functional.embedding
    pairs = [
        (lambda: fe(ember.tensor([1.0, 2.0]), w_e), lambda: ft(torch.tensor([1.0, 2.0]), w_t)),
        (lambda: fe(ember.tensor([1, 5]), w_e), lambda: ft(torch.tensor([1, 5]), w_t)),
        (lambda: fe(ember.tensor([1, -1]), w_e), lambda: ft(torch.tensor([1, -1]), w_t)),
        (lambda: fe(ember.tensor([1]), ember.randn(4, 3, 2)), lambda: ft(torch.tensor([1]), torch.randn(4, 3, 2))),
        (lambda: enn.Embedding(4, 3, padding_idx=4), lambda: torch.nn.Embedding(4, 3, padding_idx=4)),
        (lambda: enn.Embedding(4, 3, padding_idx=-5), lambda: torch.nn.Embedding(4, 3, padding_idx=-5)),
        (lambda: enn.Embedding(4, 3, _weight=ember.randn(5, 3)),
         lambda: torch.nn.Embedding(4, 3, _weight=torch.randn(5, 3))),
    ]
    for e, t in pairs:
        assert _err(e) == _err(t) and _err(e) is not None


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_offsets_match_torch(torch, mode):
    t_bag, e_bag = _pair(torch, "EmbeddingBag", 10, 3, mode=mode)
    assert repr(e_bag) == repr(t_bag)
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    _run_both(torch, t_bag, e_bag, idx, np.array([0, 4, 4, 6]))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_and_padding_match_torch(torch, mode):
    t_bag, e_bag = _pair(torch, "EmbeddingBag", 8, 4, mode=mode, padding_idx=1)
    assert repr(e_bag) == repr(t_bag)
    idx = np.random.default_rng(0).integers(0, 8, (4, 5))
    idx[0] = 1  # a bag of padding only
    idx[2, :2] = 1
    _run_both(torch, t_bag, e_bag, idx)


def test_embedding_bag_per_sample_weights_and_last_offset(torch):
    t_bag, e_bag = _pair(torch, "EmbeddingBag", 10, 3, mode="sum", include_last_offset=True)
    idx = np.array([1, 2, 4, 5, 4, 3])
    psw = np.random.default_rng(0).standard_normal(6).astype("float32")
    _run_both(torch, t_bag, e_bag, idx, np.array([0, 2, 6]), psw)
    t_pw, e_pw = torch.from_numpy(psw).requires_grad_(True), ember.from_numpy(psw.copy()).requires_grad_(True)
    t_bag(torch.from_numpy(idx), torch.tensor([0, 2, 6]), t_pw).sum().backward()
    e_bag(ember.from_numpy(idx), ember.tensor([0, 2, 6]), e_pw).sum().backward()
    np.testing.assert_allclose(e_pw.grad.numpy(), t_pw.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_embedding_bag_errors_match_torch(torch):
    e_bag, t_bag = enn.EmbeddingBag(5, 2), torch.nn.EmbeddingBag(5, 2)
    pairs = [
        (lambda: e_bag(ember.tensor([1, 2])), lambda: t_bag(torch.tensor([1, 2]))),
        (lambda: e_bag(ember.tensor([[1, 2]]), ember.tensor([0])), lambda: t_bag(torch.tensor([[1, 2]]),
                                                                                 torch.tensor([0]))),
        (lambda: e_bag(ember.tensor([[1, 2]]), per_sample_weights=ember.ones(1, 2)),
         lambda: t_bag(torch.tensor([[1, 2]]), per_sample_weights=torch.ones(1, 2))),
    ]
    for e, t in pairs:
        e_msg, t_msg = _err(e), _err(t)
        assert e_msg is not None and e_msg[0] == t_msg[0]
        # Messages naming the offsets' Python type differ only in that type ("<class 'torch.Tensor'>").
        assert e_msg[1].split("<class")[0] == t_msg[1].split("<class")[0]


@pytest.mark.parametrize("mode,bag_grad", [("sum", [1.0, 1.0, 1.0]), ("mean", [0.5, 0.5, 0.5])])
@pytest.mark.parametrize("graph", [False, True])
def test_embedding_bag_scale_grad_by_freq(mode, bag_grad, graph):
    # Documented behaviour (as F.embedding): each index's gradient row is divided by that index's frequency in the
    # mini-batch. torch 2.13 on CPU divides by a wrong count (pytorch#190063: it gives [0, 1, .25, .25, 0] for the
    # sum case here), so the reference is computed by hand: index 1 occurs 4 times, 2 and 3 once.
    w = ember.ones(5, 1, requires_grad=True)
    out = ember.nn.functional.embedding_bag(ember.tensor([1, 1, 1, 2, 3, 1]), w, ember.tensor([0, 2, 4]),
                                            mode=mode, scale_grad_by_freq=True)
    (gw,) = ember.autograd.grad(out.sum(), w, create_graph=graph)
    # row 1: 4 contributions (from bags 0, 0, 1, 2) / 4; rows 2 and 3: one contribution (from bags 1 and 2)
    g1 = (2 * bag_grad[0] + bag_grad[1] + bag_grad[2]) / 4
    np.testing.assert_allclose(gw.detach().numpy()[:, 0], [0.0, g1, bag_grad[1], bag_grad[2], 0.0])


def test_embedding_bag_scale_grad_by_freq_module_and_padding():
    bag = enn.EmbeddingBag(6, 2, mode="sum", scale_grad_by_freq=True, padding_idx=0)
    bag(ember.tensor([[1, 0, 1, 5], [5, 1, 0, 2]])).sum().backward()
    np.testing.assert_allclose(bag.weight.grad.numpy()[:, 0], [0.0, 1.0, 1.0, 0.0, 0.0, 1.0])


def test_embedding_bag_argument_checks_match_torch(torch):
    def both(lib, idx, offsets, **kw):
        return lambda: lib.nn.functional.embedding_bag(lib.tensor(idx), lib.ones(5, 2), lib.tensor(offsets), **kw)

    cases = [
        ([1, 1, 1, 2], [0, 2], dict(mode="max", scale_grad_by_freq=True)),
        ([1, 1, 1], [0, 2, 5], {}),                                  # offsets[-1] > len(input)
        ([1, 1, 1], [0, 5], dict(include_last_offset=True)),
        ([1, 1, 1], [1, 2], {}),                                     # offsets[0] != 0
        ([1, 1, 9], [1, 2], {}),                                     # checked before the index range
        ([1, 1, 1], [0, 2], dict(mode="bad", scale_grad_by_freq=True)),
    ]
    for idx, offsets, kw in cases:
        e, t = _err(both(ember, idx, offsets, **kw)), _err(both(torch, idx, offsets, **kw))
        assert e is not None and e == t, (idx, offsets, kw)
    # offsets equal to the input's length is fine (an empty last bag)
    out = ember.nn.functional.embedding_bag(ember.tensor([1, 1, 1]), ember.ones(5, 2), ember.tensor([0, 3]))
    assert out.tolist() == [[1.0, 1.0], [0.0, 0.0]]


# ---------------------------------------------------------------------------------------------- sparse=True


def _sparse_eq(e_grad, t_grad, exact=True):
    """Same layout and the same coalesced tensor as PyTorch's; ``exact``: the same stored entries (uncoalesced,
    in order) too. (Sums of two uncoalesced sparse tensors store their entries in an order of PyTorch's
    implementation: ember concatenates them, or adds the values when the indices are equal.)"""
    assert e_grad.is_sparse and t_grad.is_sparse
    assert tuple(e_grad.shape) == tuple(t_grad.shape)
    assert (e_grad.sparse_dim(), e_grad.dense_dim()) == (t_grad.sparse_dim(), t_grad.dense_dim())
    if exact:
        assert e_grad._nnz() == t_grad._nnz() and e_grad.is_coalesced() == t_grad.is_coalesced()
        np.testing.assert_array_equal(e_grad._indices().numpy(), t_grad._indices().numpy())
        np.testing.assert_allclose(e_grad._values().numpy(), t_grad._values().numpy(), rtol=1e-6)
    e_c, t_c = e_grad.coalesce(), t_grad.coalesce()
    np.testing.assert_array_equal(e_c.indices().numpy(), t_c.indices().numpy())
    np.testing.assert_allclose(e_c.values().numpy(), t_c.values().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e_grad.to_dense().numpy(), t_grad.to_dense().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 2}])
def test_embedding_sparse_grad_matches_torch(torch, kwargs):
    t_emb, e_emb = _pair(torch, "Embedding", 10, 3, sparse=True, **kwargs)
    rng = np.random.default_rng(0)
    # The second backward accumulates sparse + sparse.
    for k, idx in enumerate((np.array([[1, 2, 4], [4, 3, 1]]), np.array([[0, 2, 4], [4, 9, 9]]))):
        g = rng.standard_normal((2, 3, 3)).astype("float32")
        (t_emb(torch.from_numpy(idx.copy())) * torch.from_numpy(g)).sum().backward()
        (e_emb(ember.from_numpy(idx.copy())) * ember.from_numpy(g)).sum().backward()
        _sparse_eq(e_emb.weight.grad, t_emb.weight.grad, exact=k == 0)
        if k == 0:
            assert repr(e_emb.weight.grad).replace("ember", "torch") == repr(t_emb.weight.grad)
    # One graph using the weight twice: the engine sums the two sparse gradients by the same rules.
    t_emb.weight.grad = e_emb.weight.grad = None
    for idx2 in ([1, 2], [5, 1, 1]):
        (t_emb(torch.tensor([5, 1, 1])).sum() + t_emb(torch.tensor(idx2)).pow(2).sum()).backward()
        (e_emb(ember.tensor([5, 1, 1])).sum() + e_emb(ember.tensor(idx2)).pow(2).sum()).backward()
        _sparse_eq(e_emb.weight.grad, t_emb.weight.grad, exact=False)


def test_sparse_grad_scale_grad_by_freq_refused_as_torch(torch):
    for cls, args in (("Embedding", ([1, 1],)), ("EmbeddingBag", ([1, 1], [0]))):
        errs = [_err(lambda lib=lib, cls=cls, args=args: getattr(lib.nn, cls)(4, 2, sparse=True,
                                                                             scale_grad_by_freq=True)(
            *map(lib.tensor, args)).sum().backward()) for lib in (torch, ember)]
        assert errs[0] == errs[1] and errs[0] is not None


def test_embedding_bag_sparse_grad_matches_torch(torch):
    idx, off = np.array([1, 2, 4, 4, 3]), np.array([0, 2])
    psw = np.array([1.0, 2.0, 3.0, 4.0, 5.0], "float32")
    for kwargs, extra in (({"mode": "mean"}, ()), ({"mode": "sum", "padding_idx": 4}, (psw,))):
        t_mod, e_mod = _pair(torch, "EmbeddingBag", 10, 3, sparse=True, **kwargs)
        t_mod(torch.from_numpy(idx), torch.from_numpy(off), *map(torch.from_numpy, extra)).sum().backward()
        e_mod(ember.from_numpy(idx), ember.from_numpy(off), *map(ember.from_numpy, extra)).sum().backward()
        _sparse_eq(e_mod.weight.grad, t_mod.weight.grad)
    err = _err(lambda: enn.EmbeddingBag(10, 3, sparse=True, mode="max")(ember.tensor([1]), ember.tensor([0])))
    assert err == _err(lambda: torch.nn.EmbeddingBag(10, 3, sparse=True, mode="max")(
        torch.tensor([1]), torch.tensor([0])))


def test_sparse_and_dense_grads_mix_as_torch(torch):
    w0 = np.random.default_rng(0).standard_normal((5, 2)).astype("float32")
    for order in ("both", "sparse_first", "dense_first"):
        grads = []
        for lib in (torch, ember):
            w = lib.nn.Parameter(lib.tensor(w0))

            def sparse(lib=lib, w=w):
                return lib.nn.functional.embedding(lib.tensor([1, 1, 3]), w, sparse=True).pow(2).sum()

            def dense(w=w):
                return (w * 2).sum()

            if order == "both":  # one weight used sparsely and densely in one graph (tied weights)
                (sparse() + dense()).backward()
            else:
                for f in ((sparse, dense) if order == "sparse_first" else (dense, sparse)):
                    f().backward()
            assert not w.grad.is_sparse
            grads.append(w.grad.numpy())
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)


@pytest.mark.parametrize("opt", ["SparseAdam", "SGD", "SGD_momentum", "SGD_nesterov_maximize"])
def test_optimizers_train_sparse_embedding_as_torch(torch, opt):
    name, kw = {"SparseAdam": ("SparseAdam", {"lr": 0.1}), "SGD": ("SGD", {"lr": 0.5}),
                "SGD_momentum": ("SGD", {"lr": 0.5, "momentum": 0.9, "dampening": 0.1}),
                "SGD_nesterov_maximize": ("SGD", {"lr": 0.5, "momentum": 0.9, "nesterov": True, "maximize": True})}[opt]
    t_emb, e_emb = _pair(torch, "Embedding", 8, 3, sparse=True)
    t_opt = getattr(torch.optim, name)(t_emb.parameters(), **kw)
    e_opt = getattr(ember.optim, name)(e_emb.parameters(), **kw)
    rng = np.random.default_rng(0)
    for _ in range(4):
        idx = rng.integers(0, 8, (2, 3))
        for emb, optim, lib in ((t_emb, t_opt, torch), (e_emb, e_opt, ember)):
            optim.zero_grad()
            emb(lib.from_numpy(idx)).pow(2).sum().backward()
            assert emb.weight.grad.is_sparse
            optim.step()
        np.testing.assert_allclose(e_emb.weight.detach().numpy(), t_emb.weight.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    e_opt.zero_grad()
    assert e_emb.weight.grad is None
    if name == "SparseAdam":
        assert e_opt.state[e_emb.weight]["step"] == t_opt.state[t_emb.weight]["step"]
        for k in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_allclose(e_opt.state[e_emb.weight][k].numpy(), t_opt.state[t_emb.weight][k].numpy(),
                                       rtol=1e-5, atol=1e-7)


def test_sparse_grad_optimizer_errors_match_torch(torch):
    res = []
    for lib in (torch, ember):
        w = lib.nn.Parameter(lib.ones(4, 2))
        lib.nn.functional.embedding(lib.tensor([1]), w, sparse=True).sum().backward()
        res.append(_err(lambda lib=lib, w=w: lib.optim.SGD([w], lr=0.1, weight_decay=0.1).step()))
        (w * 2).sum().backward()  # now dense
        res.append(_err(lambda lib=lib, w=w: lib.optim.SparseAdam([w]).step()))
    assert res[:2] == res[2:] and res[0] is not None and res[1] is not None


@pytest.mark.parametrize("dim", [3, 4, 7, 16, 21, 64])
@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_max_norm_renorm_is_bit_exact(torch, dim, norm_type):
    # PyTorch: row norm in float32 (its own summation order), scale max_norm / (norm + 1e-7) in double
    w0 = np.random.RandomState(dim).randn(40, dim).astype(np.float32)
    idx = np.arange(40)
    out = []
    for lib, cls in ((torch, "Embedding"), (ember, "Embedding"), (torch, "EmbeddingBag"), (ember, "EmbeddingBag")):
        kw = {"mode": "max"} if cls == "EmbeddingBag" else {}
        m = getattr(lib.nn, cls)(40, dim, max_norm=1.5, norm_type=norm_type, **kw)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(w0))
            m(lib.tensor(idx).reshape(4, 10))
        out.append(m.weight.detach().numpy())
    np.testing.assert_array_equal(out[1], out[0])
    np.testing.assert_array_equal(out[3], out[2])


def test_embedding_bag_fill_padding_idx_with_zero_matches_torch(torch):
    for padding_idx in (1, -1, None):
        t_m = torch.nn.EmbeddingBag(5, 2, padding_idx=padding_idx)
        e_m = enn.EmbeddingBag(5, 2, padding_idx=padding_idx)
        with torch.no_grad():
            t_m.weight.fill_(1.0)
        with ember.no_grad():
            e_m.weight.fill_(1.0)
        assert e_m._fill_padding_idx_with_zero() is None and t_m._fill_padding_idx_with_zero() is None
        np.testing.assert_array_equal(e_m.weight.detach().numpy(), t_m.weight.detach().numpy())
        assert e_m.weight.requires_grad and e_m.weight.grad_fn is None
