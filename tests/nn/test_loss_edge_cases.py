"""Edge cases of ember.nn.functional's losses, side by side with torch: ignored targets holding NaN/inf, class
weights that require grad, duplicate multilabel targets, gaussian_nll_loss's var shapes, multi_margin_loss's
shapes, mixed dtypes, and PyTorch's error messages."""

import warnings

import numpy as np
import pytest

import ember


def _run(lib, fn):
    """``fn(lib)`` -> ('ok', outputs as float64 arrays with their dtype names) or ('err', type, message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(lib)
        except Exception as e:  # noqa: BLE001 - the error itself is compared
            return ("err", type(e).__name__, str(e))
    out = out if isinstance(out, (tuple, list)) else (out,)
    return ("ok", [(str(o.dtype).split(".")[-1], tuple(o.shape), o.detach().double().numpy()) for o in out])


def _same(torch, fn, rtol=1e-6, atol=1e-7):
    a, b = _run(torch, fn), _run(ember, fn)
    assert a[0] == b[0], (a, b)
    if a[0] == "err":
        assert a[1:] == b[1:]
        return
    assert len(a[1]) == len(b[1])
    for (dt1, s1, v1), (dt2, s2, v2) in zip(a[1], b[1]):
        assert (dt1, s1) == (dt2, s2)
        np.testing.assert_allclose(v2, v1, rtol=rtol, atol=atol, equal_nan=True)


def _logits(lib, shape, seed=0, nan_rows=(), inf_rows=()):
    x = np.random.RandomState(seed).randn(*shape)
    for r in nan_rows:
        x[r] = np.nan
    for r in inf_rows:
        x[r] = -np.inf
    return lib.tensor(x, requires_grad=True)


def _with_grad(lib, loss_fn, x):
    loss = loss_fn(x)
    loss.sum().backward()
    return loss, x.grad


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_skips_nan_and_inf_at_ignored_targets(torch, reduction, smoothing, weighted):
    def fn(lib):
        x = _logits(lib, (4, 5), nan_rows=(1,), inf_rows=(3,))
        w = lib.tensor([0.5, 1.0, 2.0, 1.5, 0.7], dtype=lib.float64) if weighted else None
        t = lib.tensor([1, 7, 2, 7])  # rows 1 (NaN) and 3 (-inf) ignored
        return _with_grad(lib, lambda x: lib.nn.functional.cross_entropy(
            x, t, weight=w, ignore_index=7, reduction=reduction, label_smoothing=smoothing), x)

    _same(torch, fn)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_nll_loss_skips_nan_at_ignored_targets(torch, reduction, dtype):
    def fn(lib):
        x = lib.tensor(np.random.RandomState(1).randn(4, 3, 2)).to(getattr(lib, dtype))
        x[1] = float("nan")
        x[3, :, 1] = float("inf")
        x.requires_grad_(True)
        t = lib.tensor([[0, 2], [-100, -100], [1, 0], [2, -100]])
        return _with_grad(lib, lambda x: lib.nn.functional.nll_loss(x, t, reduction=reduction), x)

    _same(torch, fn, rtol=1e-3, atol=1e-3)


def test_cross_entropy_prob_target_weight_gets_grad(torch):
    def fn(lib):
        x = _logits(lib, (3, 4))
        p = lib.tensor(np.random.RandomState(2).dirichlet(np.ones(4), 3))
        w = lib.tensor([0.3, 1.0, 2.0, 0.5], dtype=lib.float64, requires_grad=True)
        loss = lib.nn.functional.cross_entropy(x, p, weight=w, label_smoothing=0.1)
        loss.backward()
        return loss, x.grad, w.grad

    _same(torch, fn)


@pytest.mark.parametrize("call", [
    "F.cross_entropy(x, t, weight=w)", "F.cross_entropy(x, t, weight=w, label_smoothing=0.1)",
    "F.nll_loss(x, t, weight=w)", "F.nll_loss(x3, t3, weight=w)", "F.cross_entropy(x3, t3, weight=w)",
    "F.binary_cross_entropy(x.sigmoid(), p, weight=w)", "F.binary_cross_entropy_with_logits(x, p, weight=w)",
    "F.binary_cross_entropy_with_logits(x, p, pos_weight=w)", "F.multi_margin_loss(x, t, weight=w)",
])
def test_weight_requiring_grad_is_refused(torch, call):
    def fn(lib):
        x = _logits(lib, (3, 4))
        x3 = _logits(lib, (3, 4, 2))
        t, t3 = lib.tensor([0, 3, 1]), lib.tensor([[0, 1], [2, 3], [3, 3]])
        p = lib.tensor(np.random.RandomState(3).rand(3, 4))
        w = lib.tensor([0.3, 1.0, 2.0, 0.5], dtype=lib.float64, requires_grad=True)
        return eval(call, {"F": lib.nn.functional, "x": x, "x3": x3, "t": t, "t3": t3, "p": p, "w": w})

    _same(torch, fn)


def test_weight_requiring_grad_is_fine_without_grad_mode(torch):
    def fn(lib):
        w = lib.tensor([0.3, 1.0, 2.0, 0.5], dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            return lib.nn.functional.cross_entropy(_logits(lib, (3, 4)), lib.tensor([0, 3, 1]), weight=w)

    _same(torch, fn)


@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_multilabel_margin_loss_counts_duplicate_targets(torch, reduction):
    def fn(lib):
        x = _logits(lib, (2, 4))
        t = lib.tensor([[1, 1, 3, -1], [0, 2, 0, 2]])
        return _with_grad(lib, lambda x: lib.nn.functional.multilabel_margin_loss(x, t, reduction=reduction), x)

    _same(torch, fn)


def test_multilabel_margin_loss_hinge_at_zero_has_no_gradient(torch):
    # a hinge term exactly 0 contributes no gradient in PyTorch (only terms > 0 do)
    def fn(lib):
        x = lib.tensor([[1., 0., 2.], [0., 0., 0.]], requires_grad=True)
        t = lib.tensor([[0, -1, 1], [1, -1, 0]])
        return _with_grad(lib, lambda x: lib.nn.functional.multilabel_margin_loss(x, t, reduction="none"), x)

    _same(torch, fn, rtol=0, atol=0)


@pytest.mark.parametrize("var_shape", [(2, 3, 4), (2, 3), (2, 3, 1), (2, 1, 4), (1, 3, 4), (2, 1, 1), (3, 4),
                                       (2, 3, 4, 1), (), (2, 3, 2)])
def test_gaussian_nll_loss_var_shapes(torch, var_shape):
    def fn(lib):
        x = _logits(lib, (2, 3, 4))
        var = lib.tensor(np.random.RandomState(4).rand(*var_shape) + 0.1, requires_grad=True)
        loss = lib.nn.functional.gaussian_nll_loss(x, lib.zeros(2, 3, 4, dtype=lib.float64), var)
        loss.backward()
        return loss, x.grad, var.grad

    _same(torch, fn)


@pytest.mark.parametrize("call", [
    "F.gaussian_nll_loss(x, x.detach(), x.detach().abs(), reduction='x')",
    "nn.MultiLabelSoftMarginLoss(reduction='x')(x, x.detach())",
    "F.kl_div(x, x.detach()[:, :3])", "F.kl_div(x, x.detach(), reduce=False, reduction='batchmean')",
    "F.multi_margin_loss(x, lib.tensor([0, 4, 1]))", "F.multilabel_margin_loss(x, lib.tensor([[0, 4, -1, 1]] * 3))",
    "F.multi_margin_loss(x, lib.tensor([0, 3, 1]), weight=lib.ones(2, dtype=lib.float64))",
    "F.multi_margin_loss(x, lib.tensor([[0, 3, 1]]))", "F.multi_margin_loss(x, lib.tensor([[0], [3], [1]]))",
    "F.multi_margin_loss(x[0], lib.tensor([2]), reduction='none')",
    "F.multi_margin_loss(x[0], lib.tensor(2), reduction='none')",
    "F.multi_margin_loss(x[0, 0], lib.tensor(0), reduction='none')",
    "F.multi_margin_loss(x[0, 0], lib.tensor([0]), reduction='none')",
    "F.cross_entropy(x, lib.tensor([0, 3, 1]), label_smoothing=-0.1)",
    "F.cross_entropy(x, x.detach().softmax(1), label_smoothing=-0.3)",
    "F.cross_entropy(x, lib.tensor([0, 3, 1]), label_smoothing=1.5)",
    "F.soft_margin_loss(x.float(), x.detach()[0])", "F.soft_margin_loss(x.float(), x.detach())",
    "F.soft_margin_loss(x[0], x.detach())", "F.soft_margin_loss(x, x.detach()[0, :3])",
    "F.soft_margin_loss(x.float(), x.detach() > 0)", "F.soft_margin_loss(x.float(), (x.detach() > 0).long())",
    "F.soft_margin_loss(x.float(), x.detach() > 0).backward()",
    "F.l1_loss(x, x.detach() > 0)", "F.l1_loss(x > 0, x.detach())",
    "F.huber_loss(x.float(), x.detach())", "F.huber_loss(x.detach(), x.float())",
    "F.huber_loss(x.detach(), lib.ones(3, 4, dtype=lib.long))", "F.huber_loss(x.float(), x.detach()).backward()",
    "F.huber_loss(x.detach(), x.float()).backward()", "F.huber_loss(x, lib.ones(3, 4, dtype=lib.long)).backward()",
    "F.huber_loss(lib.ones(3, 4, dtype=lib.long), x.detach())",
])
def test_messages_shapes_and_dtypes(torch, call):
    def fn(lib):
        x = _logits(lib, (3, 4))
        out = eval(call, {"F": lib.nn.functional, "nn": lib.nn, "lib": lib, "x": x})
        return lib.zeros(()) if out is None else out

    _same(torch, fn)


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_multi_margin_loss_0d_and_1d_grads(torch, reduction):
    def fn(lib):
        x0, x1 = lib.tensor(0.5, requires_grad=True), _logits(lib, (4,))
        a = lib.nn.functional.multi_margin_loss(x0, lib.tensor(0), reduction=reduction)
        b = lib.nn.functional.multi_margin_loss(x1, lib.tensor([2]), reduction=reduction, p=2)
        (a.sum() + b.sum()).backward()
        return a, b, x0.grad, x1.grad

    _same(torch, fn)
