"""Tests for ember/nn/modules/loss.py and the losses of ember.nn.functional."""

import functools
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember._ops import AccumulateGrad
from tests._helpers import sweep_outcome

LOSS_MODULES = [
    "nn.L1Loss()", "nn.MSELoss()", "nn.MSELoss(reduction='sum')", "nn.SmoothL1Loss(beta=0.5)", "nn.HuberLoss()",
    "nn.CrossEntropyLoss()", "nn.CrossEntropyLoss(label_smoothing=0.1)", "nn.NLLLoss()", "nn.BCELoss()",
    "nn.BCEWithLogitsLoss()", "nn.KLDivLoss(reduction='batchmean')", "nn.CosineEmbeddingLoss()",
    "nn.MarginRankingLoss()", "nn.TripletMarginLoss()", "nn.SoftMarginLoss()", "nn.MultiLabelSoftMarginLoss()",
    "nn.PoissonNLLLoss()", "nn.GaussianNLLLoss()", "nn.HingeEmbeddingLoss()",
]


@pytest.mark.parametrize("expr", LOSS_MODULES)
def test_module_repr_matches_torch(expr, torch):
    assert repr(eval(expr, {"nn": nn})) == repr(eval(expr, {"nn": torch.nn}))


def _both(torch, fn, arrays, grad=(0,)):
    """Run ``fn(lib, *tensors)`` with torch and ember; return (value, grads) for each."""
    out = []
    for lib in (torch, ember):
        ts = [lib.tensor(a, requires_grad=(i in grad)) for i, a in enumerate(arrays)]
        loss = fn(lib, *ts)
        g = np.random.default_rng(1).standard_normal(tuple(loss.shape)).astype(str(loss.dtype).split(".")[-1])
        (loss * lib.tensor(g)).sum().backward()
        out.append((loss.detach().numpy(), [ts[i].grad.numpy() for i in grad], str(loss.dtype).split(".")[-1],
                    loss.grad_fn.name()))
    return out


def _assert_same(res, rtol=1e-5, atol=1e-5, names=True):
    (tv, tg, tdt, tname), (ev, eg, edt, ename) = res
    assert edt == tdt
    assert ev.shape == tv.shape
    np.testing.assert_allclose(ev, tv, rtol=rtol, atol=atol)
    for a, b in zip(eg, tg):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    if names:
        assert ename == tname


# ------------------------------------------------------------------------------------------- cross entropy


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3), (2, 4, 2, 3), (4,)])
def test_cross_entropy_class_indices_matches_torch(reduction, weight, smoothing, ignore, shape, torch):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3).astype("float32")
    x.flat[0], x.flat[1] = 1e4, -1e4  # extreme logits: must stay finite
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = rng.integers(0, 4, tshape).astype("int64")
    ignore_index = 2 if ignore else -100
    w = rng.uniform(0.5, 2, 4).astype("float32")

    def fn(lib, xt, tt, wt):
        return lib.nn.functional.cross_entropy(xt, tt, weight=wt if weight else None, ignore_index=ignore_index,
                                               reduction=reduction, label_smoothing=smoothing)
    res = _both(torch, fn, [x, t, w])
    assert np.isfinite(res[1][0]).all() and np.isfinite(res[1][1][0]).all()
    # torch views 3-d 'none' results; ours is one fused node (named as torch's last one: AddBackward0 when smoothing)
    same_node = not (len(shape) == 3 and reduction == "none")
    _assert_same(res, rtol=2e-5, atol=2e-5, names=same_node)
    if smoothing:
        assert res[1][3] == "AddBackward0"


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3), (4,)])
def test_nll_loss_matches_torch(reduction, weight, shape, torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype("float64")
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = rng.integers(0, 4, tshape).astype("int64")
    if t.ndim:
        t.flat[0] = 1  # an ignored target
    w = rng.uniform(0.5, 2, 4)

    def fn(lib, xt, tt, wt):
        return lib.nn.functional.nll_loss(xt, tt, weight=wt if weight else None, ignore_index=1,
                                          reduction=reduction)
    _assert_same(_both(torch, fn, [x, t, w]), names=not (len(shape) == 3 and reduction == "none"))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("shape", [(3, 5), (2, 5, 3), (5,)])
def test_cross_entropy_probabilities_matches_torch(reduction, smoothing, shape, torch):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 2).astype("float32")
    x.flat[0] = 1e4
    p = rng.random(shape).astype("float32")
    p /= p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)
    w = rng.uniform(0.5, 2, 5).astype("float32")

    def fn(lib, xt, pt, wt):
        return lib.nn.functional.cross_entropy(xt, pt, weight=wt, reduction=reduction, label_smoothing=smoothing)
    _assert_same(_both(torch, fn, [x, p, w], grad=(0, 1)), names=False)


def test_cross_entropy_is_one_fused_node_named_like_torch(torch):
    x = ember.randn(4, 10, requires_grad=True)
    loss = F.cross_entropy(x, ember.tensor([1, 0, 9, 3]))
    assert loss.grad_fn.name() == "NllLossBackward0"
    # fused: the loss node feeds the logits' accumulator directly (no separate log_softmax node)
    ((child, _),) = loss.grad_fn.next_functions  # no edge for the target, as in PyTorch
    assert isinstance(child, AccumulateGrad)
    spatial = F.cross_entropy(ember.randn(2, 3, 4, requires_grad=True), ember.zeros(2, 4, dtype=ember.int64))
    assert spatial.grad_fn.name() == torch.nn.functional.cross_entropy(
        torch.randn(2, 3, 4, requires_grad=True), torch.zeros(2, 4, dtype=torch.int64)).grad_fn.name()


def test_cross_entropy_float32_stays_float32():
    x = ember.randn(8, 5, requires_grad=True)
    for target in (ember.tensor([0, 1, 2, 3, 4, 0, 1, 2]), ember.softmax(ember.randn(8, 5), 1)):
        loss = F.cross_entropy(x, target, weight=ember.ones(5), label_smoothing=0.1)
        loss.backward()
        assert loss.dtype == ember.float32 and x.grad.dtype == ember.float32
        assert loss._data.dtype == np.float32 and x.grad._data.dtype == np.float32
        x.grad = None


def test_cross_entropy_all_ignored_matches_torch(torch):
    for reduction in ("mean", "sum", "none"):
        e = F.cross_entropy(ember.randn(3, 4), ember.full((3,), -100, dtype=ember.int64), reduction=reduction)
        t = torch.nn.functional.cross_entropy(torch.randn(3, 4), torch.full((3,), -100), reduction=reduction)
        np.testing.assert_array_equal(e.numpy(), t.numpy())  # nan for mean, zeros otherwise
    for smoothing in (0.0, 0.1):
        x = ember.randn(3, 4, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no NumPy RuntimeWarning either
            F.cross_entropy(x, ember.full((3,), -100, dtype=ember.int64), label_smoothing=smoothing).backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros((3, 4), np.float32))


_NO_WEIGHT = {  # mean reductions over no weight at all: every target ignored, or weighted 0
    "nll-ignored": lambda m, x: m.nn.functional.nll_loss(x, m.tensor([-100, -100, -100])),
    "nll-weight-0": lambda m, x: m.nn.functional.nll_loss(x, m.tensor([2, 2, 2]), weight=m.tensor([1., 1., 0., 1.])),
    "nll-weight-0-some-ignored": lambda m, x: m.nn.functional.nll_loss(
        x, m.tensor([2, 1, 2]), weight=m.tensor([1., 1., 0., 1.]), ignore_index=1),
    "nll-2d-weight-0": lambda m, x: m.nn.functional.nll_loss(
        x.reshape(1, 4, 3), m.tensor([[2, 1, 2]]), weight=m.tensor([1., 1., 0., 1.]), ignore_index=1),
    "nll-unbatched-weight-0": lambda m, x: m.nn.NLLLoss(weight=m.tensor([1., 1., 0., 1.]))(x[0], m.tensor(2)),
    "ce-weight-0-some-ignored": lambda m, x: m.nn.functional.cross_entropy(
        x, m.tensor([2, 1, 2]), weight=m.tensor([1., 1., 0., 1.]), ignore_index=1),
    "ce-unbatched-weight-0": lambda m, x: m.nn.functional.cross_entropy(
        x[0], m.tensor(2), weight=m.tensor([1., 1., 0., 1.])),
    "ce-smoothing-weight-0": lambda m, x: m.nn.functional.cross_entropy(
        x, m.tensor([2, 1, 2]), weight=m.tensor([1., 1., 0., 1.]), ignore_index=1, label_smoothing=0.1),
}


@pytest.mark.parametrize("case", list(_NO_WEIGHT))
def test_mean_over_no_weight_is_nan_with_torchs_gradient(torch, case):
    """PyTorch divides by the targets' total weight, 0 here: the loss is NaN and so is the gradient at each target
    not ignored (its whole row through cross entropy's log_softmax); ignored ones get 0."""
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    got = {}
    for m in (torch, ember):
        t = m.tensor(x, requires_grad=True)
        loss = _NO_WEIGHT[case](m, t)
        loss.backward()
        got[m.__name__] = (loss.detach().numpy(), t.grad.numpy())
    for e, t in zip(got["ember"], got["torch"]):
        np.testing.assert_array_equal(e, t)


def test_cross_entropy_probabilities_promote_like_torch(torch):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    p = np.full((3, 4), 0.25)
    e = F.cross_entropy(ember.tensor(x), ember.tensor(p))
    t = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(p))
    assert e.dtype == ember.float64 and t.dtype == torch.float64
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)


def test_cross_entropy_byte_targets_accepted(torch):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    e = F.cross_entropy(ember.tensor(x), ember.tensor([0, 1, 3], dtype=ember.uint8))
    t = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor([0, 1, 3], dtype=torch.uint8))
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)


CE_ERRORS = [
    "F.cross_entropy(x, lib.tensor([0, 1, 10]))",
    "F.cross_entropy(x, lib.tensor([0, -3, 1]))",
    "F.cross_entropy(x, lib.tensor([0, 1, 2, 3]))",
    "F.cross_entropy(x, lib.tensor([0, 1, 2], dtype=lib.int32))",
    "F.cross_entropy(x, lib.tensor([0.0, 1.0, 2.0]))",
    "F.cross_entropy(x, lib.rand(3, 4), ignore_index=1)",
    "F.cross_entropy(x, lib.rand(3, 5))",
    "F.cross_entropy(lib.randn(2, 3, 4), lib.zeros(2, 5, dtype=lib.int64))",
    "F.cross_entropy(lib.randn(2, 3, 4), lib.zeros(2, dtype=lib.int64))",
    "F.nll_loss(lib.randn(2, 3, 4, 5), lib.zeros(2, 4, 6, dtype=lib.int64))",
    "F.nll_loss(lib.randn(2, 3, 4, 5), lib.zeros(2, 4, dtype=lib.int64))",
    "F.cross_entropy(x, lib.tensor([0, 1, 2]), weight=lib.ones(3))",
    "F.nll_loss(x, lib.tensor([[0, 1, 2]]))",
    "F.cross_entropy(x, lib.tensor(1))",
    "F.cross_entropy(lib.randn(4), lib.tensor([1, 2]))",
    "F.cross_entropy(x, lib.tensor([0, 1, 2]), reduction='avg')",
    "F.cross_entropy(x, lib.tensor([0, 1, 2]), label_smoothing=1.5)",
    "F.cross_entropy(lib.tensor(1.0), lib.tensor(0))",
    "F.cross_entropy(x.double(), lib.tensor([0, 1, 2]), weight=lib.ones(4))",
    "nn.CrossEntropyLoss()(x, lib.tensor([0, 1, 4]))",
    "nn.NLLLoss(ignore_index=0)(x, lib.tensor([0, 1, 5]))",
]


@pytest.mark.parametrize("call", CE_ERRORS)
def test_class_target_errors_match_torch(call, torch):
    errors = []
    for lib in (torch, ember):
        env = {"F": lib.nn.functional, "nn": lib.nn, "lib": lib, "x": lib.randn(3, 4)}
        with pytest.raises(Exception) as info:
            eval(call, env)
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[1] == errors[0]


# ------------------------------------------------------------------------------------------- pointwise losses

POINTWISE = {
    "mse": lambda F, a, b, r: F.mse_loss(a, b, reduction=r),
    "l1": lambda F, a, b, r: F.l1_loss(a, b, reduction=r),
    "smooth_l1": lambda F, a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.5),
    "smooth_l1_beta0": lambda F, a, b, r: F.smooth_l1_loss(a, b, reduction=r, beta=0.0),
    "huber": lambda F, a, b, r: F.huber_loss(a, b, reduction=r, delta=0.8),
    "soft_margin": lambda F, a, b, r: F.soft_margin_loss(a, b.sign(), reduction=r),
    "bce_logits": lambda F, a, b, r: F.binary_cross_entropy_with_logits(a, b.sigmoid(), reduction=r),
    "bce": lambda F, a, b, r: F.binary_cross_entropy(a.sigmoid(), b.sigmoid(), reduction=r),
    "kl_div": lambda F, a, b, r: F.kl_div(F.log_softmax(a, 1), F.softmax(b, 1), reduction=r),
    "kl_div_log_target": lambda F, a, b, r: F.kl_div(a, b, reduction=r, log_target=True),
    "mse_weight": lambda F, a, b, r: F.mse_loss(a, b, reduction=r, weight=b.abs()),
    "l1_weight": lambda F, a, b, r: F.l1_loss(a, b, reduction=r, weight=b.abs()),
    "huber_weight": lambda F, a, b, r: F.huber_loss(a, b, reduction=r, weight=b.abs()),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", sorted(POINTWISE))
def test_pointwise_losses_match_torch(name, reduction, dtype, torch):
    if name.startswith("kl_div") and reduction == "mean":
        reduction = "batchmean"
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((4, 5)) * 2).astype(dtype)
    b = (rng.standard_normal((4, 5)) * 2).astype(dtype)
    fn = POINTWISE[name]
    grads = (0,) if name == "soft_margin" else (0, 1)  # torch refuses a soft_margin target gradient
    res = _both(torch, lambda lib, x, y: fn(lib.nn.functional, x, y, reduction), [a, b], grad=grads)
    assert res[1][2] == dtype
    names = not name.startswith("kl_div")  # torch composes kl_div from several nodes
    _assert_same(res, rtol=1e-5, atol=1e-6, names=names)


def test_mse_grad_fn_name_and_module(torch):
    loss = nn.MSELoss()(ember.randn(3, requires_grad=True), ember.randn(3))
    assert loss.grad_fn.name() == "MseLossBackward0"
    assert loss.grad_fn.name() == torch.nn.MSELoss()(torch.randn(3, requires_grad=True), torch.randn(3)).grad_fn.name()


def test_binary_losses_extreme_logits_match_torch(torch):
    x = np.array([1e4, -1e4, 50.0, -50.0, 0.0], dtype="float32")
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.3], dtype="float32")
    pw = np.array([2.0, 0.5, 1.0, 3.0, 1.0], dtype="float32")
    w = np.array([1.0, 2.0, 0.5, 1.0, 1.5], dtype="float32")

    def fn(lib, xt, tt, pwt, wt):
        return lib.nn.functional.binary_cross_entropy_with_logits(xt, tt, weight=wt, pos_weight=pwt,
                                                                  reduction="none")
    res = _both(torch, fn, [x, t, pw, w], grad=(0, 1))
    assert np.isfinite(res[1][0]).all()
    _assert_same(res, rtol=1e-5, atol=1e-4)
    # soft margin: torch overflows to inf at |x| = 1e4; ours stays finite and exact (log(1 + e^z) ~ z)
    xs = ember.tensor([1e4, -1e4, 1e4, 0.0], requires_grad=True)
    loss = F.soft_margin_loss(xs, ember.tensor([-1.0, 1.0, 1.0, 1.0]), reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), [1e4, 1e4, 0.0, np.log(2)], rtol=1e-6)
    np.testing.assert_allclose(xs.grad.numpy(), [1.0, -1.0, 0.0, -0.5], atol=1e-6)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'target'"):
        F.soft_margin_loss(xs, ember.ones(4, requires_grad=True))


def test_bce_clamps_log_like_torch(torch):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype="float32")
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype="float32")
    w = np.array([1.0, 2.0, 1.0, 1.0, 3.0], dtype="float32")
    res = _both(torch, lambda lib, pt, tt, wt: lib.nn.functional.binary_cross_entropy(pt, tt, weight=wt,
                                                                                        reduction="none"),
                [p, t, w], grad=(0,))
    _assert_same(res)


POINTWISE_ERRORS = [
    "F.mse_loss(x, lib.randn(5))",
    "F.binary_cross_entropy(x, lib.rand(3, 4))",
    "F.binary_cross_entropy(x.sigmoid(), lib.rand(3))",
    "F.binary_cross_entropy_with_logits(x, lib.rand(3))",
    "F.binary_cross_entropy(x.sigmoid(), lib.rand(3, 4), weight=lib.ones(2))",
    "F.binary_cross_entropy(x.sigmoid(), lib.rand(3, 4).double())",
    "F.smooth_l1_loss(x, x, beta=-1.0)",
    "F.mse_loss(x, x, reduction='bogus')",
    "F.mse_loss(x, x, weight=lib.ones(4, 3))",
    "F.gaussian_nll_loss(x, x, -lib.ones(3, 4))",
    "F.gaussian_nll_loss(x, x, lib.ones(2, 4))",
    "nn.TripletMarginLoss(margin=0.0)",
]


@pytest.mark.parametrize("call", POINTWISE_ERRORS)
def test_pointwise_errors_match_torch(call, torch):
    errors = []
    for lib in (torch, ember):
        env = {"F": lib.nn.functional, "nn": lib.nn, "lib": lib, "x": lib.randn(3, 4)}
        with pytest.raises(Exception) as info:
            eval(call, env)
        errors.append((type(info.value).__name__, str(info.value).replace("torch.", "ember.")))
    assert errors[1] == errors[0]


def _warnings(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, [(m.category, str(m.message)) for m in w]


@pytest.mark.parametrize("call", [
    "F.mse_loss(x, lib.randn(4))", "F.l1_loss(x, lib.randn(3, 1))", "F.kl_div(x, lib.rand(3, 4))",
    "F.mse_loss(x, y, size_average=False)", "F.l1_loss(x, y, reduce=False)", "nn.MSELoss(size_average=False)(x, y)",
    "F.cross_entropy(x, lib.tensor([0, 1, 2]), reduce=False)", "nn.KLDivLoss()(x, y.abs())",
])
def test_warnings_and_legacy_args_match_torch(call, torch):
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((3, 4)).astype("float32"), rng.standard_normal((3, 4)).astype("float32")
    got = []
    for lib in (torch, ember):
        env = {"F": lib.nn.functional, "nn": lib.nn, "lib": lib, "x": lib.tensor(xs), "y": lib.tensor(ys)}
        lib.manual_seed(0)
        out, caught = _warnings(lambda env=env: eval(call, env))
        got.append((tuple(out.shape), [(c, m.replace("torch.", "ember.")) for c, m in caught]))
    assert got[1] == got[0]
    assert got[0][1], "expected a warning"


# ------------------------------------------------------------------------------------------ composite losses

COMPOSITE = {
    "cosine_embedding": ("F.cosine_embedding_loss(a, b, y, margin=0.2, reduction=r)", (0, 1)),
    "margin_ranking": ("F.margin_ranking_loss(a[:, 0], b[:, 0], y.float(), margin=0.1, reduction=r)", (0, 1)),
    "triplet": ("F.triplet_margin_loss(a, b, c, margin=1.5, reduction=r)", (0, 1, 2)),
    "triplet_p1_swap": ("F.triplet_margin_loss(a, b, c, p=1, swap=True, reduction=r)", (0, 1, 2)),
    "multilabel_soft_margin": ("F.multilabel_soft_margin_loss(a, (b > 0).float(), weight=c[0].abs(), reduction=r)",
                               (0,)),
    "poisson": ("F.poisson_nll_loss(a, c.abs(), reduction=r)", (0,)),
    "poisson_full": ("F.poisson_nll_loss(a.abs() + 0.1, c.abs() * 3, log_input=False, full=True, reduction=r)",
                     (0,)),
    "gaussian": ("F.gaussian_nll_loss(a, b, c.abs() + 0.1, reduction=r)", (0, 1, 2)),
    "gaussian_full_scalar_var": ("F.gaussian_nll_loss(a, b, 0.5, full=True, reduction=r)", (0, 1)),
    "hinge_embedding": ("F.hinge_embedding_loss(a, y[:, None].float(), margin=0.5, reduction=r)", (0,)),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", sorted(COMPOSITE))
def test_composite_losses_match_torch(name, reduction, torch):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((4, 3)).astype("float32") for _ in range(3)]
    y = np.where(rng.random(4) < 0.5, -1, 1).astype("int64")
    expr, grads = COMPOSITE[name]

    def fn(lib, a, b, c, yt):
        return eval(expr, {"F": lib.nn.functional, "a": a, "b": b, "c": c, "y": yt, "r": reduction})
    _assert_same(_both(torch, fn, arrays + [y], grad=grads), rtol=1e-5, atol=1e-5, names=False)


# ---------------------------------------------------------------------------------------------------- modules


MODULE_CALLS = [
    ("nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1)", "x", "t"),
    ("nn.CrossEntropyLoss(reduction='none')", "x", "t"),
    ("nn.NLLLoss(weight=w, reduction='sum')", "x", "t"),
    ("nn.BCEWithLogitsLoss(pos_weight=w)", "x", "p"),
    ("nn.BCEWithLogitsLoss(weight=w, reduction='none')", "x", "p"),
    ("nn.BCELoss(weight=w)", "p", "p2"),
    ("nn.MSELoss()", "x", "p"),
    ("nn.L1Loss(reduction='sum')", "x", "p"),
    ("nn.SmoothL1Loss(beta=0.3)", "x", "p"),
    ("nn.HuberLoss(delta=0.3)", "x", "p"),
    ("nn.KLDivLoss(reduction='batchmean', log_target=True)", "x", "x2"),
    ("nn.SoftMarginLoss()", "x", "s"),
    ("nn.MultiLabelSoftMarginLoss(weight=w)", "x", "p"),
    ("nn.PoissonNLLLoss()", "x", "p"),
    ("nn.HingeEmbeddingLoss()", "x", "s"),
]


@pytest.mark.parametrize("expr,a,b", MODULE_CALLS)
def test_loss_modules_match_torch(expr, a, b, torch):
    rng = np.random.default_rng(0)
    arrays = {"x": rng.standard_normal((3, 4)), "x2": rng.standard_normal((3, 4)), "p": rng.random((3, 4)),
              "p2": rng.random((3, 4)), "s": np.sign(rng.standard_normal((3, 4))), "w": rng.uniform(0.5, 2, 4)}
    t = np.array([0, 1, 3])
    res = []
    for lib in (torch, ember):
        env = {k: lib.tensor(v.astype("float32")) for k, v in arrays.items()}
        env["t"] = lib.tensor(t)
        env["nn"] = lib.nn
        m = eval(expr, env)
        inp = env[a].clone().requires_grad_(True)
        out = m(inp, env[b])
        out.sum().backward()
        res.append((out.detach().numpy(), inp.grad.numpy(), sorted(m.state_dict()), repr(m)))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-5, atol=1e-6)
    assert res[1][2:] == res[0][2:]


def test_weight_buffer_follows_state_dict_and_dtype():
    w = ember.tensor([1.0, 2.0, 3.0])
    m = nn.CrossEntropyLoss(weight=w)
    assert m.weight is w
    assert list(m.state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    m.double()
    loss = m(ember.randn(2, 3, dtype=ember.float64), ember.tensor([0, 2]))
    assert loss.dtype == ember.float64
    assert list(nn.BCEWithLogitsLoss(pos_weight=w).state_dict()) == ["pos_weight"]


def test_training_loop_reduces_cross_entropy():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((16, 3)).astype("float32"))
    t = ember.tensor(rng.integers(0, 4, 16))
    w = ember.zeros(3, 4, requires_grad=True)
    loss_fn = nn.CrossEntropyLoss()
    first = None
    for _ in range(30):
        loss = loss_fn(x @ w, t)
        if first is None:
            first = loss.item()
        loss.backward()
        with ember.no_grad():
            w -= 0.5 * w.grad
        w.grad = None
    assert loss.item() < first - 0.1


SECOND_ORDER = {
    "mse": lambda F, x, t, w: F.mse_loss(x, t),
    "mse_sum": lambda F, x, t, w: F.mse_loss(x, t, reduction="sum"),
    "ce": lambda F, x, t, w: F.cross_entropy(x, t.argmax(1)),
    "ce_none_weight_smoothing_ignore": lambda F, x, t, w: F.cross_entropy(
        x, t.argmax(1), weight=w[0], ignore_index=2, label_smoothing=0.2, reduction="none"),
    "ce_sum_weight": lambda F, x, t, w: F.cross_entropy(x, t.argmax(1), weight=w[0], reduction="sum"),
    "ce_unbatched": lambda F, x, t, w: F.cross_entropy(x[0], t[0].argmax()),
    "bce_logits": lambda F, x, t, w: F.binary_cross_entropy_with_logits(x, t.sigmoid()),
    "bce_logits_weight_pos_weight": lambda F, x, t, w: F.binary_cross_entropy_with_logits(
        x, t.sigmoid(), weight=w, pos_weight=w[0], reduction="sum"),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_order_gradients_match_torch(name, torch):
    rng = np.random.default_rng(0)
    x0, t0 = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    w0 = rng.uniform(0.5, 2, (3, 4))
    grads = []
    for lib in (torch, ember):
        x = lib.tensor(x0, requires_grad=True)
        loss = SECOND_ORDER[name](lib.nn.functional, x * x.abs(), lib.tensor(t0), lib.tensor(w0))
        (gx,) = lib.autograd.grad((loss * loss.detach()).sum(), x, create_graph=True)
        (gx * gx).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-7, atol=1e-9)


# ---------------------------------------------- MultiMarginLoss, MultiLabelMarginLoss, TripletMarginWithDistanceLoss
def _mm_pair(torch, *arrays, grad_first=True):
    e = [ember.tensor(a, requires_grad=grad_first and i == 0) for i, a in enumerate(arrays)]
    t = [torch.tensor(a, requires_grad=grad_first and i == 0) for i, a in enumerate(arrays)]
    return e, t


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("batched", [True, False])
def test_multi_margin_loss_matches_torch(torch, p, reduction, weighted, batched):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4) if batched else (4,)).astype("float32")
    y = rng.integers(0, 4, (5,) if batched else ()).astype("int64")
    w = rng.random(4).astype("float32") if weighted else None
    (ex, ey), (tx, ty) = _mm_pair(torch, x, y)
    ew, tw = (ember.tensor(w), torch.tensor(w)) if weighted else (None, None)
    em = nn.MultiMarginLoss(p=p, margin=0.7, weight=ew, reduction=reduction)
    tm = torch.nn.MultiMarginLoss(p=p, margin=0.7, weight=tw, reduction=reduction)
    eo, to = em(ex, ey), tm(tx, ty)
    assert tuple(eo.shape) == tuple(to.shape) and eo.dtype == ember.float32
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(tuple(to.shape)).astype("float32")
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(F.multi_margin_loss(ex, ey, p, 0.7, ew, reduction=reduction).detach().numpy(),
                               to.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert repr(em) == repr(tm) == "MultiMarginLoss()"
    if weighted:
        assert list(em.state_dict()) == list(tm.state_dict()) == ["weight"]


def test_multi_margin_loss_errors(torch):
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="expected weight to be None or 1D tensor, got 2D instead"):
        nn.MultiMarginLoss(weight=ember.ones(2, 2))
    with pytest.raises(RuntimeError, match="target out of range"):
        F.multi_margin_loss(ember.randn(2, 4), ember.tensor([0, 7]))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2\], but got \[3\]"):
        F.multi_margin_loss(ember.randn(2, 4), ember.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2\], but got \[3\]"):
        torch.nn.functional.multi_margin_loss(torch.randn(2, 4), torch.tensor([0, 1, 2]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("batched", [True, False])
def test_multilabel_margin_loss_matches_torch(torch, reduction, batched):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 5)).astype("float32")
    y = np.array([[3, 0, -1, 1, 2], [4, -1, 0, 0, 0], [0, 1, 2, 3, 4], [-1, 2, 3, 1, 1]], dtype="int64")
    if not batched:
        x, y = x[0], y[0]
    (ex, ey), (tx, ty) = _mm_pair(torch, x, y)
    em, tm = nn.MultiLabelMarginLoss(reduction=reduction), torch.nn.MultiLabelMarginLoss(reduction=reduction)
    eo, to = em(ex, ey), tm(tx, ty)
    assert tuple(eo.shape) == tuple(to.shape)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(tuple(to.shape)).astype("float32")
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert repr(em) == repr(tm)


def test_multilabel_margin_loss_errors(torch):
    with pytest.raises(RuntimeError, match=r"inconsistent target size: \[2\] for input of size: \[1, 4\]"):
        F.multilabel_margin_loss(ember.randn(1, 4), ember.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="inconsistent target size"):
        torch.nn.functional.multilabel_margin_loss(torch.randn(1, 4), torch.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="'target' is out of range"):
        F.multilabel_margin_loss(ember.randn(1, 2), ember.tensor([[3, 0]]))


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("custom", [False, True])
def test_triplet_margin_with_distance_loss_matches_torch(torch, swap, reduction, custom):
    rng = np.random.default_rng(2)
    arrs = [rng.standard_normal((5, 3)).astype("float32") for _ in range(3)]
    e_in = [ember.tensor(a, requires_grad=True) for a in arrs]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrs]
    e_dist = (lambda a, b: (a - b).abs().sum(-1)) if custom else None
    t_dist = (lambda a, b: (a - b).abs().sum(-1)) if custom else None
    em = nn.TripletMarginWithDistanceLoss(distance_function=e_dist, margin=0.5, swap=swap, reduction=reduction)
    tm = torch.nn.TripletMarginWithDistanceLoss(distance_function=t_dist, margin=0.5, swap=swap, reduction=reduction)
    eo, to = em(*e_in), tm(*t_in)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    eo.sum().backward()
    to.sum().backward()
    for e, t in zip(e_in, t_in):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5)
    if not custom:
        assert repr(em) == repr(tm)


def test_triplet_margin_with_distance_loss_errors():
    with pytest.raises(ValueError, match="expected margin to be greater than 0, got 0 instead"):
        nn.TripletMarginWithDistanceLoss(margin=0)
    with pytest.raises(ValueError, match="margin must be greater than 0, got -1"):
        F.triplet_margin_with_distance_loss(ember.randn(3), ember.randn(3), ember.randn(3), margin=-1)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.triplet_margin_with_distance_loss(ember.randn(2, 3), ember.randn(3), ember.randn(3))


# ----------------------------------------------------------------------------------------------------------- CTC
_CTC_T, _CTC_N, _CTC_C = 9, 5, 6
# per row: a full-length input; a repeated label (needs a blank between); an empty target; an input shorter than
# T; an input too short for its target (an infinite loss)
_CTC_IL = [9, 9, 7, 5, 2]
_CTC_TL = [4, 3, 0, 2, 3]


def _ctc_targets(concatenated):
    rng = np.random.default_rng(4)
    rows = [list(rng.integers(1, _CTC_C, n)) for n in _CTC_TL]
    rows[1][1] = rows[1][0]
    if concatenated:
        return np.array([v for r in rows for v in r], dtype="int64")
    padded = np.full((_CTC_N, max(_CTC_TL) + 1), -7, dtype="int64")  # the padding value is never read
    for i, r in enumerate(rows):
        padded[i, :len(r)] = r
    return padded


def _ctc_both(torch, fn, x, dtype="float32", seed=1):
    """``fn(lib, leaf)`` for torch and ember: (value, leaf gradient under a random upstream gradient, node name)."""
    out = []
    for lib in (torch, ember):
        leaf = lib.tensor(x.astype(dtype), requires_grad=True)
        loss = fn(lib, leaf)
        g = np.random.default_rng(seed).standard_normal(tuple(loss.shape)).astype(dtype)
        (loss * lib.tensor(g)).sum().backward()
        out.append((loss.detach().numpy(), leaf.grad.numpy(), loss.grad_fn.name(), str(loss.dtype).split(".")[-1]))
    return out


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("concatenated", [False, True])
@pytest.mark.parametrize("as_tensors", [False, True])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ctc_loss_matches_torch(torch, reduction, concatenated, as_tensors, zero_infinity, dtype):
    x = np.random.default_rng(0).standard_normal((_CTC_T, _CTC_N, _CTC_C)) * 2
    targets = _ctc_targets(concatenated)

    def fn(lib, logits):
        lengths = (lib.tensor(_CTC_IL), lib.tensor(_CTC_TL)) if as_tensors else (tuple(_CTC_IL), tuple(_CTC_TL))
        return lib.nn.functional.ctc_loss(logits.log_softmax(2), lib.tensor(targets), *lengths,
                                          reduction=reduction, zero_infinity=zero_infinity)
    (tv, tg, tname, tdt), (ev, eg, ename, edt) = _ctc_both(torch, fn, x, dtype)
    assert edt == tdt == dtype and ev.shape == tv.shape and ename == tname
    np.testing.assert_allclose(ev, tv, rtol=1e-5, atol=1e-6)
    if zero_infinity or reduction == "none":
        assert np.isfinite(eg).all() == np.isfinite(tg).all()
    np.testing.assert_allclose(eg, tg, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("blank", [0, 3, 5])
def test_ctc_loss_log_probs_leaf_gradient_matches_torch(torch, blank):
    # The gradient w.r.t. log_probs themselves is PyTorch's (exp(log_probs) - occupancy), nan for an impossible
    # alignment and zero past each input length.
    x = np.random.default_rng(1).standard_normal((_CTC_T, _CTC_N, _CTC_C))
    lp = x - np.log(np.exp(x).sum(2, keepdims=True))
    targets = _ctc_targets(False)
    targets[targets == blank] = (blank + 1) % _CTC_C

    def fn(lib, log_probs):
        return lib.nn.functional.ctc_loss(log_probs, lib.tensor(targets), _CTC_IL, _CTC_TL, blank=blank,
                                          reduction="none")
    (tv, tg, tname, _), (ev, eg, ename, _) = _ctc_both(torch, fn, lp)
    assert ename == tname == "CtcLossBackward0"
    np.testing.assert_allclose(ev, tv, rtol=1e-5, atol=1e-6)
    assert np.isinf(ev[4]) and np.isnan(eg[:2, 4]).all() and (eg[2:, 4] == 0).all()
    np.testing.assert_allclose(eg, tg, rtol=1e-4, atol=1e-6)


def test_ctc_loss_minus_inf_log_probs_match_torch(torch):
    # a class with probability 0 (log-probability -inf) gives nan gradients in PyTorch, within the input length
    x = np.random.default_rng(2).standard_normal((4, 2, 3)).astype("float32")
    lp = x - np.log(np.exp(x).sum(2, keepdims=True))
    lp[1, 0, 2] = lp[3, 1, 0] = -np.inf

    def fn(lib, log_probs):
        return lib.nn.functional.ctc_loss(log_probs, lib.tensor([[1], [2]]), (4, 3), (1, 1), reduction="sum")
    (tv, tg, *_), (ev, eg, *_) = _ctc_both(torch, fn, lp)
    np.testing.assert_allclose(ev, tv, rtol=1e-5)
    np.testing.assert_array_equal(np.isnan(eg), np.isnan(tg))
    np.testing.assert_allclose(eg, tg, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("lengths", ["tuple", "tensor0d", "tensor1d"])
@pytest.mark.parametrize("targets_2d", [False, True])
def test_ctc_loss_unbatched_matches_torch(torch, reduction, lengths, targets_2d):
    x = np.random.default_rng(3).standard_normal((7, 5))
    tg = [[2, 2, 4]] if targets_2d else [2, 2, 4]

    def fn(lib, logits):
        il, tl = {"tuple": ((6,), (3,)), "tensor0d": (lib.tensor(6), lib.tensor(3)),
                  "tensor1d": (lib.tensor([6]), lib.tensor([3]))}[lengths]
        return lib.nn.functional.ctc_loss(logits.log_softmax(1), lib.tensor(tg), il, tl, reduction=reduction)
    (tv, tg_, tname, _), (ev, eg, ename, _) = _ctc_both(torch, fn, x)
    assert ev.shape == tv.shape == () and ename == tname
    np.testing.assert_allclose(ev, tv, rtol=1e-5)
    np.testing.assert_allclose(eg, tg_, rtol=1e-4, atol=1e-6)


def test_ctc_loss_float64_gradcheck():
    x = ember.tensor(np.random.default_rng(5).standard_normal((6, 3, 4)), requires_grad=True)
    targets = ember.tensor([[1, 1], [2, 3], [3, 0]])
    for red in ("none", "mean", "sum"):
        assert ember.autograd.gradcheck(
            lambda a, r=red: F.ctc_loss(a.log_softmax(2), targets, (6, 5, 4), (2, 2, 1), reduction=r), (x,))
    assert ember.autograd.gradcheck(
        lambda a: F.ctc_loss(a.log_softmax(2), ember.tensor([1, 1, 2, 3]), (6, 2, 4), (2, 1, 1), blank=0), (x,))


def test_ctc_loss_matches_torch_on_a_long_batch(torch):
    # realistic sizes: the recursions loop over time only
    rng = np.random.default_rng(6)
    T, N, C, S = 60, 8, 12, 20
    x = rng.standard_normal((T, N, C)).astype("float32")
    tg, il, tl = rng.integers(1, C, (N, S)), rng.integers(40, T + 1, N), rng.integers(5, S + 1, N)

    def fn(lib, logits):
        return lib.nn.functional.ctc_loss(logits.log_softmax(2), lib.tensor(tg), lib.tensor(il), lib.tensor(tl))
    (tv, tg_, *_), (ev, eg, *_) = _ctc_both(torch, fn, x)
    np.testing.assert_allclose(ev, tv, rtol=1e-5)
    np.testing.assert_allclose(eg, tg_, rtol=1e-4, atol=1e-6)


def _ctc_error_cases(lib):
    lp = lib.tensor(np.log(np.full((5, 2, 4), 0.25, dtype="float32")))
    t = lib.tensor([[1, 2], [3, 3]])
    ctc = lib.nn.functional.ctc_loss
    return [
        lambda: ctc(lp[None], t, [5, 5], [2, 2]),
        lambda: ctc(lp[0, 0], t, [5], [2]),
        lambda: ctc(lp.long(), t, [5, 5], [2, 2]),
        lambda: ctc(lp.double().half(), t, [5, 5], [2, 2]),
        lambda: ctc(lp[:0], t, [0, 0], [2, 2]),
        lambda: ctc(lp, t[None], [5, 5], [2, 2]),
        lambda: ctc(lp, t, [5], [2, 2]),
        lambda: ctc(lp, t, [5, 5], [2]),
        lambda: ctc(lp, t, lib.tensor([5]), lib.tensor([2, 2])),
        lambda: ctc(lp, t, [6, 5], [2, 2]),
        lambda: ctc(lp, t, [5, 7], [2, 2]),
        lambda: ctc(lp, t, [-1, 5], [2, 2]),
        lambda: ctc(lp, t, [5, 5], [-1, 2]),
        lambda: ctc(lp, t, [5, 5], [3, 2]),
        lambda: ctc(lp, lib.tensor([[1, 2], [3, 3], [1, 1]]), [5, 5], [2, 2]),
        lambda: ctc(lp, lib.tensor([1, 2, 3]), [5, 5], [2, 2]),
        lambda: ctc(lp, t, [5, 5], [2, 2], blank=4),
        lambda: ctc(lp, t, [5, 5], [2, 2], blank=-1),
        lambda: ctc(lp, t, [5, 5], [2, 2], reduction="foo"),
        lambda: ctc(lp, t, lib.tensor([5.0, 5.0]), lib.tensor([2, 2])),
        lambda: ctc(lp, t, lib.tensor([5, 5]), lib.tensor([2.0, 2.0])),
        lambda: ctc(lp, t, [5, 5], lib.tensor([2, 2])),
        lambda: ctc(lp, t, 5, 2),
    ]


@pytest.mark.parametrize("i", range(23))
def test_ctc_loss_errors_match_torch(torch, i):
    with pytest.raises(Exception) as t_err:
        _ctc_error_cases(torch)[i]()
    with pytest.raises(type(t_err.value)) as e_err:
        _ctc_error_cases(ember)[i]()
    first = str(t_err.value).splitlines()[0].replace("torch.", "")
    if not first.startswith("ctc_loss() received an invalid combination"):
        assert str(e_err.value) == str(t_err.value)
    else:
        assert str(e_err.value).startswith("ctc_loss() received an invalid combination of arguments")


def test_ctc_loss_rejects_labels_out_of_range():
    # PyTorch reads out of bounds for these (undefined results); ember refuses them like nll_loss
    lp = ember.randn(5, 2, 4).log_softmax(2)
    with pytest.raises(IndexError, match="Target 4 is out of bounds."):
        F.ctc_loss(lp, ember.tensor([[1, 4], [3, 3]]), (5, 5), (2, 2))
    with pytest.raises(IndexError, match="Target -1 is out of bounds."):
        F.ctc_loss(lp, ember.tensor([1, -1, 3]), (5, 5), (2, 1))
    # labels past a row's length are padding and may hold anything
    F.ctc_loss(lp, ember.tensor([[1, -100], [3, 3]]), (5, 5), (1, 2))


@pytest.mark.parametrize("kwargs", [{}, {"blank": 2, "reduction": "sum", "zero_infinity": True}])
def test_ctc_loss_module_matches_torch(torch, kwargs):
    em, tm = nn.CTCLoss(**kwargs), torch.nn.CTCLoss(**kwargs)
    assert repr(em) == repr(tm) == "CTCLoss()"
    assert (em.blank, em.reduction, em.zero_infinity) == (tm.blank, tm.reduction, tm.zero_infinity)
    x = np.random.default_rng(7).standard_normal((6, 3, 5))

    def fn(lib, logits):
        mod = em if lib is ember else tm
        return mod(logits.log_softmax(2), lib.tensor([[1, 3], [4, 1], [3, 3]]), lib.tensor([6, 6, 3]),
                   lib.tensor([2, 1, 2]))
    (tv, tg, tname, _), (ev, eg, ename, _) = _ctc_both(torch, fn, x)
    assert ename == tname
    np.testing.assert_allclose(ev, tv, rtol=1e-5)
    np.testing.assert_allclose(eg, tg, rtol=1e-4, atol=1e-6)


def test_ctc_loss_blank_inside_targets_has_the_exact_gradient(torch):
    # Targets should not contain the blank; when they do, the loss is still PyTorch's, and ember's gradient is the
    # exact one (PyTorch's own gradient for such a row is off at the last time step, failing its gradcheck).
    x = np.random.default_rng(8).standard_normal((5, 2, 4))
    tg = [[1, 0], [0, 0]]
    for lib in (torch, ember):
        v = lib.nn.functional.ctc_loss(lib.tensor(x).log_softmax(2), lib.tensor(tg), (5, 5), (2, 2), reduction="none")
        if lib is torch:
            expected = v.numpy()
    np.testing.assert_allclose(v.numpy(), expected, rtol=1e-10)
    xe = ember.tensor(x, requires_grad=True)
    assert ember.autograd.gradcheck(lambda a: F.ctc_loss(a.log_softmax(2), ember.tensor(tg), (5, 5), (2, 2)), (xe,))


def test_nll_loss_2d_is_a_deprecated_nll_loss(torch):
    with pytest.warns(FutureWarning) as e_rec:
        e_mod = nn.NLLLoss2d(ignore_index=1, reduction="sum")
    with pytest.warns(FutureWarning) as t_rec:
        t_mod = torch.nn.NLLLoss2d(ignore_index=1, reduction="sum")
    assert str(e_rec[0].message) == str(t_rec[0].message)
    assert e_rec[0].filename == __file__  # attributed to the caller
    assert isinstance(e_mod, nn.NLLLoss) and repr(e_mod) == repr(t_mod) == "NLLLoss2d()"
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5)).astype("float32")
    t = rng.integers(0, 3, (2, 4, 5))
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    le, lt = e_mod(xe.log_softmax(1), ember.tensor(t)), t_mod(xt.log_softmax(1), torch.tensor(t))
    np.testing.assert_allclose(le.item(), lt.item(), rtol=1e-5)
    le.backward()
    lt.backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-6)


_SHAPE_CHECKS = {  # (input1 shape, input2 shape, target shape or target values)
    "target_2d": ((2, 3), (2, 3), (2, 1)), "target_1d_inputs_3d": ((2, 3, 4), (2, 3, 4), (2,)),
    "target_0d_inputs_2d": ((2, 3), (2, 3), ()), "target_0d_inputs_0d": ((), (), ()),
    "target_1d_inputs_1d": ((3,), (3,), (3,)), "inputs_1d_and_2d": ((3,), (2, 3), (2,)),
    "target_too_long": ((2, 3), (2, 3), (3,)), "inputs_differ": ((2, 3), (2, 4), (2,)),
    "rows_differ": ((2, 3), (3, 3), (2,)), "target_2d_inputs_3d": ((2, 3, 4), (2, 3, 4), (2, 3)),
    "ok_0d": ((3,), (3,), [-1.0]), "ok_rows_broadcast": ((1, 3), (2, 3), [1.0, -1.0]),
    "ok_target_broadcast": ((1, 3), (1, 3), [1.0, -1.0, 1.0]), "ok_one_target": ((2, 3), (2, 3), [1.0]),
}


def _outcome(lib, fn):
    try:
        out = fn(lib)
        return tuple(out.shape), np.round(out.detach().numpy(), 5).tolist()
    except (RuntimeError, ValueError) as exc:
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("name", list(_SHAPE_CHECKS))
def test_cosine_embedding_loss_shape_checks_as_in_torch(torch, name):
    s1, s2, target = _SHAPE_CHECKS[name]

    def run(lib):
        x1 = lib.arange(float(np.prod(s1))).reshape(s1).cos()
        y = lib.ones(target) if isinstance(target, tuple) else lib.tensor(target[0] if name == "ok_0d" else target)
        return lib.nn.functional.cosine_embedding_loss(x1, lib.ones(s2), y, margin=0.1, reduction="none")

    assert _outcome(ember, run) == _outcome(torch, run)


@pytest.mark.parametrize("margin", [0, 0.0, -1, "tensor"])
def test_triplet_margin_loss_margin_must_be_positive_as_in_torch(torch, margin):
    def run(lib, **kw):
        m = lib.tensor(0.0) if margin == "tensor" else margin
        return lib.nn.functional.triplet_margin_loss(lib.ones(2, 3), lib.ones(2, 3), lib.ones(2), margin=m, **kw)

    assert _outcome(ember, run) == _outcome(torch, run) == ("ValueError", f"margin must be greater than 0, got "
                                                                          f"{0.0 if margin == 'tensor' else margin}")
    for kw in ({"reduction": "bad"}, {"size_average": False, "reduction": "bad"}):  # which check comes first
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn = functools.partial(run, **kw)
            assert _outcome(ember, fn) == _outcome(torch, fn)




@pytest.mark.parametrize("x, t", [
    ([float("nan"), 0.5], [0.0, 1.0]), ([1.5, 0.5], [0.0, 2.0]), ([0.5, 0.5], [0.0, 2.0]),
    ([0.5, 0.5], [0.0, float("nan")]), ([-0.5, 0.5], [0.0, 1.0]), ([0.2, 0.5], [0.0, 1.0]),
    # both operands out of range: the first bad element names one (the input where they share it)
    ([0.5, 1.5], [1.5, 0.5]), ([1.5, 0.5], [0.5, 1.5]), ([[0.5, 2.0]], [[0.5, -1.0]]),
    ([0.5, float("nan")], [float("nan"), 0.5]),
])
def test_bce_range_checks(torch, x, t):
    def run(lib):
        return sweep_outcome(lambda: lib.nn.BCELoss()(lib.tensor(x), lib.tensor(t)).item())
    assert run(ember) == run(torch)


@pytest.mark.parametrize("case", [
    "F.nll_loss(T(1.), T(0))", "F.nll_loss(T(1), T(0))", "F.cross_entropy(T(1.), T(0.))",
    "F.cross_entropy(T(1), T(1.))",
    "F.cross_entropy(T([1, 2]), lib.ones(2, 3))", "F.cross_entropy(T([[1, 2]]), T([1, 2, 3]))",
    "F.cross_entropy(T([[[1, 2]]]), T([1]))", "F.cross_entropy(T([[1., 2]]), T([1, 2, 3]))",
])
def test_class_loss_beginner_errors(torch, case):
    def run(lib):
        return sweep_outcome(lambda: eval(case, {"F": lib.nn.functional, "T": lib.tensor, "lib": lib}))
    assert run(ember) == run(torch)


@pytest.mark.parametrize("delta", [-1.0, 0.0])
def test_huber_loss_non_positive_delta_matches_torch(torch, delta):
    x = [0.5, -1.0, 2.0]
    for lib in (torch, ember):
        lib.nn.HuberLoss(delta=delta)  # the constructor accepts it
        for call in (lambda m=lib: m.nn.HuberLoss(delta=delta)(m.tensor(x), m.zeros(3)),
                     lambda m=lib: m.nn.functional.huber_loss(m.tensor(x), m.zeros(3), "sum", delta, m.ones(3))):
            with pytest.raises(RuntimeError, match=r"^huber_loss does not support non-positive values for delta\.$"):
                call()
    # shape / reduction / weight problems are reported first, as in torch
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.huber_loss(ember.tensor(x), ember.zeros(3), "bad", delta)
    with pytest.raises(ValueError, match="^Weights and input must have the same size.$"):
        F.huber_loss(ember.tensor(x), ember.zeros(3), delta=delta, weight=ember.ones(2))


def test_cross_entropy_grad_fn_names_as_torch(torch):
    # probability targets: DivBackward1 for the mean, NegBackward0 for 'sum' / 'none'; label smoothing with class
    # targets: AddBackward0 (PyTorch's composites); plain class targets stay NllLossBackward0
    names = []
    for lib in (ember, torch):
        x = lib.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4), requires_grad=True)
        p = lib.full((3, 4), 0.25)
        y = lib.tensor([0, 1, 2])
        got = []
        for red in ("mean", "sum", "none"):
            outs = [lib.nn.functional.cross_entropy(x, p, reduction=red),
                    lib.nn.functional.cross_entropy(x, p, reduction=red, label_smoothing=0.1),
                    lib.nn.functional.cross_entropy(x, p, weight=lib.ones(4), reduction=red),
                    lib.nn.functional.cross_entropy(x, y, reduction=red),
                    lib.nn.functional.cross_entropy(x, y, reduction=red, label_smoothing=0.1),
                    lib.nn.CrossEntropyLoss(weight=lib.ones(4), reduction=red, label_smoothing=0.2)(x, y)]
            got += [(type(o.grad_fn).__name__, o.grad_fn.name()) for o in outs]
        for o in (lib.nn.functional.cross_entropy(x[0], p[0]),
                  lib.nn.functional.cross_entropy(x[0], y[1], label_smoothing=0.1),
                  lib.nn.functional.cross_entropy(x, lib.tensor([0, -100, 2]), label_smoothing=0.1)):
            got.append((type(o.grad_fn).__name__, o.grad_fn.name()))
        names.append(got)
    assert names[0] == names[1]
