"""float16/bfloat16 softmax over a non-last dimension, scaled_dot_product_attention and the nll_loss/cross_entropy
sum and mean round as PyTorch's CPU kernels do (bit for bit)."""

import numpy as np
import pytest

import ember

F = ember.nn.functional


def _pair(torch, shape, dtype, seed=0, scale=3.0):
    xn = (np.random.default_rng(seed).standard_normal(shape) * scale).astype("float32")
    return (torch.tensor(xn).to(getattr(torch, dtype)).requires_grad_(),
            ember.tensor(xn).to(getattr(ember, dtype)).requires_grad_())


def _same(e, t):
    assert str(e.dtype).replace("ember", "torch") == str(t.dtype)
    np.testing.assert_array_equal(e.detach().float().numpy(), t.detach().float().numpy())


def _check_softmax(torch, shape, dim, dtype):
    xt, xe = _pair(torch, shape, dtype)
    ot, oe = torch.softmax(xt, dim), ember.softmax(xe, dim)
    _same(oe, ot)
    g = np.random.default_rng(1).standard_normal(shape).astype("float32")
    ot.backward(torch.tensor(g).to(ot.dtype))
    oe.backward(ember.tensor(g).to(oe.dtype))
    _same(xe.grad, xt.grad)


# Inner sizes below 16: every column is a tail of PyTorch's vectorised loop, whatever its threads and lanes.
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("shape,dim", [((4, 3), 0), ((37, 5), 0), ((3, 5, 7), 1), ((2, 40, 1), 1), ((6, 4, 2, 3), 1),
                                       ((5, 37), -1), ((2, 3, 9), 2)])
def test_half_softmax_bits_match_torch(torch, shape, dim, dtype):
    _check_softmax(torch, shape, dim, dtype)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("shape,dim", [((37, 69), 0), ((5, 3, 70), 1)])
def test_half_softmax_vector_and_tail_columns_match_torch(torch, monkeypatch, shape, dim, dtype):
    # One thread: whole groups of lanes (float32 math) then a tail under 16 columns (rounded exponentials).
    monkeypatch.setattr(ember, "get_num_threads", lambda: 1)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _check_softmax(torch, shape, dim, dtype)
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("qs,ks,vs,kw", [
    ((2, 5, 8), (2, 7, 8), (2, 7, 8), {}),  # 3-D: the math kernel
    ((2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 8), {}),  # 4-D: the flash kernel
    ((1, 2, 6, 4), (1, 2, 6, 4), (1, 2, 6, 4), {"is_causal": True}),
    ((2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 8), {"scale": 0.3}),
    ((1, 2, 5, 8), (1, 2, 7, 8), (1, 2, 7, 8), {"mask": "bool"}),  # one row masked out entirely: zeros
    ((1, 2, 5, 8), (1, 2, 7, 8), (1, 2, 7, 8), {"mask": "float"}),
    ((2, 3, 5, 8), (2, 3, 7, 8), (2, 3, 7, 6), {}),  # 4-D with another value size: the math kernel
    ((2, 2, 3, 5, 8), (2, 2, 3, 7, 8), (2, 2, 3, 7, 8), {}),  # 5-D: the math kernel
])
def test_half_sdpa_bits_match_torch(torch, qs, ks, vs, kw, dtype):
    (qt, qe), (kt, ke), (vt, ve) = (_pair(torch, s, dtype, seed=i, scale=1.0) for i, s in enumerate((qs, ks, vs)))
    mask = kw.pop("mask", None)
    mt = me = None
    if mask == "bool":
        mn = np.random.default_rng(5).random((qs[-2], ks[-2])) > 0.3
        mn[2] = False
        mt, me = torch.tensor(mn), ember.tensor(mn)
    elif mask == "float":
        mn = np.random.default_rng(5).standard_normal((qs[-2], ks[-2])).astype("float32")
        mt, me = torch.tensor(mn).to(qt.dtype), ember.tensor(mn).to(qe.dtype)
    ot = torch.nn.functional.scaled_dot_product_attention(qt, kt, vt, attn_mask=mt, **kw)
    oe = F.scaled_dot_product_attention(qe, ke, ve, attn_mask=me, **kw)
    _same(oe, ot)
    g = np.random.default_rng(9).standard_normal(ot.shape).astype("float32")
    ot.backward(torch.tensor(g).to(ot.dtype))
    oe.backward(ember.tensor(g).to(oe.dtype))
    for e, t in ((qe, qt), (ke, kt), (ve, vt)):  # (PyTorch's flash backward rounds its own way: close, same dtype)
        assert str(e.grad.dtype).replace("ember", "torch") == str(t.grad.dtype)
        np.testing.assert_allclose(e.grad.float().numpy(), t.grad.float().numpy(), rtol=2e-2, atol=2e-2)


def test_half_sdpa_float32_unchanged(torch):
    (qt, qe), (kt, ke), (vt, ve) = (_pair(torch, (2, 3, 5, 8), "float32", seed=i) for i in range(3))
    ot = torch.nn.functional.scaled_dot_product_attention(qt, kt, vt)
    oe = F.scaled_dot_product_attention(qe, ke, ve)
    assert oe.dtype == ember.float32
    np.testing.assert_allclose(oe.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-5)


# Hundreds of targets: several carries of PyTorch's cascade of half-precision partial sums (bfloat16 counts past
# 256 are not exact either).
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("shape", [(613, 5), (3, 5, 250), (1, 5)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
def test_half_nll_loss_reductions_match_torch(torch, shape, dtype, weighted, ignore):
    rng = np.random.default_rng(3)
    xn = rng.standard_normal(shape).astype("float32") * 2
    xn = xn - np.log(np.exp(xn).sum(1, keepdims=True))
    y = rng.integers(0, shape[1], (shape[0],) + shape[2:])
    if ignore:
        y[rng.random(y.shape) < 0.3] = -100
    wn = rng.random(shape[1]).astype("float32") if weighted else None
    for reduction in ("sum", "mean"):
        xt = torch.tensor(xn).to(getattr(torch, dtype)).requires_grad_()
        xe = ember.tensor(xn).to(getattr(ember, dtype)).requires_grad_()
        wt = None if wn is None else torch.tensor(wn).to(xt.dtype)
        we = None if wn is None else ember.tensor(wn).to(xe.dtype)
        lt = torch.nn.functional.nll_loss(xt, torch.tensor(y), weight=wt, reduction=reduction)
        le = F.nll_loss(xe, ember.tensor(y), weight=we, reduction=reduction)
        _same(le, lt)
        lt.backward(torch.tensor(1.5).to(lt.dtype))
        le.backward(ember.tensor(1.5).to(le.dtype))
        _same(xe.grad, xt.grad)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_half_cross_entropy_reductions_match_torch(torch, dtype, reduction):
    xt, xe = _pair(torch, (300, 7), dtype)
    y = np.random.default_rng(2).integers(0, 7, (300,))
    lt = torch.nn.functional.cross_entropy(xt, torch.tensor(y), reduction=reduction)
    le = F.cross_entropy(xe, ember.tensor(y), reduction=reduction)
    _same(le, lt)
