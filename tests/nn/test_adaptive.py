"""nn.AdaptiveLogSoftmaxWithLoss (ember/nn/modules/adaptive.py) against PyTorch, with PyTorch's weights copied in."""

import numpy as np
import pytest

import ember
import ember.nn as nn


def _pair(torch, *args, seed=0, dtype="float32", **kwargs):
    """The module in both libraries, ember's parameters copied from PyTorch's (random, including the head bias)."""
    torch.manual_seed(seed)
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(*args, **kwargs, dtype=getattr(torch, dtype))
    em = nn.AdaptiveLogSoftmaxWithLoss(*args, **kwargs, dtype=getattr(ember, dtype))
    t_params, e_params = dict(tm.named_parameters()), dict(em.named_parameters())
    assert list(t_params) == list(e_params)
    for name, p in t_params.items():
        assert tuple(e_params[name].shape) == tuple(p.shape)
        e_params[name]._data[...] = p.detach().numpy()
    return tm, em


CONFIGS = [
    ((8, 10, [3, 6]), dict(div_value=2.0)),
    ((8, 10, [3, 6]), dict(head_bias=True)),
    ((16, 30, (5, 12, 20)), {}),
    ((6, 5, [4]), dict(div_value=1.0)),
    ((4, 10, [3, 6]), dict(div_value=8.0)),  # zero-width projections
]


@pytest.mark.parametrize("config", CONFIGS, ids=[str(c[0]) + str(c[1]) for c in CONFIGS])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adaptive_log_softmax_matches_torch(torch, config, dtype):
    args, kwargs = config
    tm, em = _pair(torch, *args, **kwargs, dtype=dtype)
    assert em.head.weight.dtype == getattr(ember, dtype)
    assert repr(em) == repr(tm)
    for attr in ("in_features", "n_classes", "cutoffs", "div_value", "head_bias", "shortlist_size", "n_clusters",
                 "head_size"):
        assert getattr(em, attr) == getattr(tm, attr)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((9, args[0])).astype(dtype)
    t = rng.integers(0, args[1], 9)
    t[:3] = [0, args[1] - 1, args[2][0]]  # both ends and a cluster's first class
    g = rng.standard_normal(9).astype(dtype)
    res = []
    for lib, m in ((torch, tm), (ember, em)):
        xx = lib.tensor(x, requires_grad=True)
        out = m(xx, lib.tensor(t))
        assert type(out).__name__ == "_ASMoutput" and out._fields == ("output", "loss")
        ((out.output * lib.tensor(g)).sum() + 2 * out.loss).backward()
        res.append((out.output.detach().numpy(), out.loss.detach().numpy(), xx.grad.numpy(),
                    {n: p.grad.numpy() for n, p in m.named_parameters() if p.grad is not None},
                    out.output.grad_fn.name(), out.loss.grad_fn.name(), str(out.output.dtype).split(".")[-1]))
    (tv, tl, tgx, tgp, *tnames), (ev, el, egx, egp, *enames) = res
    assert enames == tnames
    tol = dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ev, tv, **tol)
    np.testing.assert_allclose(el, tl, **tol)
    np.testing.assert_allclose(egx, tgx, **tol)
    assert egp.keys() == tgp.keys()
    for name in tgp:
        np.testing.assert_allclose(egp[name], tgp[name], **tol, err_msg=name)


def test_adaptive_log_softmax_log_prob_and_predict_match_torch(torch):
    tm, em = _pair(torch, 8, 20, [4, 9, 15], div_value=2.0, head_bias=True)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((12, 8)).astype("float32")
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    tlp, elp = tm.log_prob(tx), em.log_prob(ex)
    assert tuple(elp.shape) == tuple(tlp.shape) == (12, 20)
    np.testing.assert_allclose(elp.detach().numpy(), tlp.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.exp(elp.detach().numpy()).sum(1), 1, rtol=1e-5)
    g = rng.standard_normal((12, 20)).astype("float32")
    (tlp * torch.tensor(g)).sum().backward()
    (elp * ember.tensor(g)).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    # predict's three paths: the head prefers a cluster for some rows, for every row, for none
    base = tm.head.bias.detach().clone()
    for bias, outside in (((0.5, 0, -1), "some"), ((2, 0, -1), "all"), ((-50, -50, -50), "none")):
        with torch.no_grad():
            tm.head.bias[4:] = base[4:] + torch.tensor(bias)
        em.head.bias._data[...] = tm.head.bias.detach().numpy()
        head_pick = tm.head(tx).argmax(1) >= 4
        assert {"some": 0 < head_pick.sum() < 12, "all": head_pick.all(), "none": not head_pick.any()}[outside]
        for rows in (slice(None), slice(0, 1), slice(0, 12, 3)):
            tp, ep = tm.predict(tx[rows].detach()), em.predict(ex[rows].detach())
            np.testing.assert_array_equal(ep.numpy(), tp.numpy())
            assert str(ep.dtype) == "ember.int64"
        np.testing.assert_array_equal(em.predict(ex.detach()).numpy(), em.log_prob(ex).argmax(1).numpy())


def test_adaptive_log_softmax_unbatched_batch_of_one_and_empty(torch):
    tm, em = _pair(torch, 6, 9, [2, 5])
    x = np.random.default_rng(3).standard_normal((2, 6)).astype("float32")
    for xs, ts in [(x[0], 7), (x[0], 1), (x[:1], [7]), (x[:0], [])]:
        to = tm(torch.tensor(xs), torch.tensor(ts, dtype=torch.long))
        eo = em(ember.tensor(xs), ember.tensor(ts, dtype=ember.long))
        assert tuple(eo.output.shape) == tuple(to.output.shape)
        np.testing.assert_allclose(eo.output.detach().numpy(), to.output.detach().numpy(), rtol=1e-5)
        np.testing.assert_allclose(eo.loss.detach().numpy(), to.loss.detach().numpy(), rtol=1e-5)
        assert eo.output.grad_fn.name() == to.output.grad_fn.name()
    to = tm(torch.tensor(x), torch.tensor([8, 3], dtype=torch.int32))  # int32 targets work too
    eo = em(ember.tensor(x), ember.tensor([8, 3], dtype=ember.int32))
    np.testing.assert_allclose(eo.output.detach().numpy(), to.output.detach().numpy(), rtol=1e-5)


def test_adaptive_log_softmax_errors_match_torch(torch):
    def cases(lib):
        m = lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6])
        x = lib.randn(5, 8)
        return [
            lambda: m(x, lib.tensor([0, 4, 7, 10, -1])),
            lambda: m(x, lib.tensor([0, 4])),
            lambda: m(x[0], lib.tensor([0])),
            lambda: m(x, lib.tensor(1)),
            lambda: m(x[None], lib.tensor([1])),
            lambda: m(x, lib.zeros(5, 1, dtype=lib.long)),
            lambda: m(x, lib.tensor([0.0, 4, 7, 9, 1])),
            lambda: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, []),
            lambda: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 3]),
            lambda: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [6, 3]),
            lambda: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [0, 3]),
            lambda: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 10]),
            lambda: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3.5]),
        ]
    for i in range(13):
        with pytest.raises(Exception) as t_err:
            cases(torch)[i]()
        with pytest.raises(type(t_err.value)) as e_err:
            cases(ember)[i]()
        assert str(e_err.value) == str(t_err.value).replace("torch.", "ember."), i


def test_adaptive_log_softmax_trains():
    ember.manual_seed(0)
    m = nn.AdaptiveLogSoftmaxWithLoss(16, 50, [5, 20])
    opt = ember.optim.Adam(m.parameters(), lr=0.05)
    x, t = ember.randn(64, 16), ember.randint(0, 50, (64,))
    first = None
    for _ in range(30):
        opt.zero_grad()
        loss = m(x, t).loss
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert loss.item() < 0.6 * first
    m.reset_parameters()
    assert m(x, t).loss.item() > loss.item()
