"""Double backward (create_graph=True) of the fused nn ops, side by side with torch.

Each case builds ``f(inputs)`` with the same code for both libraries (``m`` is the module: torch or ember); the
first gradient ``g = grad(f, inputs, v, create_graph=True)`` for a random upstream ``v``, then
``grad(sum(g * w), inputs + [v])`` for random ``w``. Compared: the values, which results are None (torch's
gradients that do not depend on an input), and which first gradients require grad when ``v`` is constant.
Where torch has no double backward of its own for a path (``ref``), a torch composite of the same function is the
reference. Then ``gradgradcheck`` in float64.
"""

import numpy as np
import pytest

import ember
from ember.autograd import gradgradcheck


def _rng(seed):
    return np.random.default_rng(seed)


def _randn(*shape, seed=0):
    return _rng(seed).standard_normal(shape)


def _unit(*shape, seed=0):
    return _rng(seed).uniform(0.1, 0.9, shape)


def _probs(*shape, seed=0):
    e = np.exp(_randn(*shape, seed=seed))
    return e / e.sum(1, keepdims=True)


def _T(m, a, dtype=None):
    return m.tensor(np.asarray(a)) if dtype is None else m.tensor(np.asarray(a), dtype=dtype)


# ----------------------------------------------------------------------------------------------- the cases
# (id, f(m, F, *inputs), [input arrays], requires-grad flags, options). Options: ref (a torch-only f of the
# same function), check_const (compare requires_grad of the first gradients with a constant v).

CASES = []


def case(name, f, arrays, flags=None, **opts):
    CASES.append(pytest.param(f, arrays, flags or [True] * len(arrays), opts, id=name))


case("prelu-channels", lambda m, F, x, w: F.prelu(x, w), [_randn(3, 4, 5), _unit(4, seed=1)])
case("prelu-shared", lambda m, F, x, w: F.prelu(x, w), [_randn(3, 4), _unit(1, seed=1)])
case("prelu-1d", lambda m, F, x, w: F.prelu(x, w), [_randn(4), _unit(1, seed=1)])
case("prelu-x-only", lambda m, F, x, w: F.prelu(x, w), [_randn(2, 3, 2), _unit(3, seed=1)], [True, False])
# (w's gradient does not depend on w: PyTorch's still requires grad through it, differentiating to zeros)
case("prelu-w-only", lambda m, F, x, w: F.prelu(x, w), [_randn(2, 3, 2), _unit(3, seed=1)], [False, True])

_NLL_T = [0, 2, 4, 1]
_CLASS_W = _unit(5, seed=7)
for red in ("mean", "sum", "none"):
    case(f"nll-{red}", lambda m, F, x, r=red: F.nll_loss(x, _T(m, _NLL_T), reduction=r), [_randn(4, 5)])
    case(f"nll-weight-ignore-{red}",
         lambda m, F, x, r=red: F.nll_loss(x, _T(m, _NLL_T), weight=_T(m, _CLASS_W, x.dtype), ignore_index=2,
                                           reduction=r), [_randn(4, 5)])
    case(f"nll-4d-{red}", lambda m, F, x, r=red: F.nll_loss(x, _T(m, [[0, 1], [4, 3]]), reduction=r),
         [_randn(2, 5, 2)])
    case(f"nll-unbatched-{red}", lambda m, F, x, r=red: F.nll_loss(x, _T(m, 3), reduction=r), [_randn(5)])
    case(f"ce-prob-{red}", lambda m, F, x, t, r=red: F.cross_entropy(x, t, reduction=r), [_randn(3, 5), _probs(3, 5)])
    case(f"ce-prob-smooth-weight-{red}",
         lambda m, F, x, t, r=red: F.cross_entropy(x, t, weight=_T(m, _CLASS_W, x.dtype), label_smoothing=0.2,
                                                   reduction=r), [_randn(3, 5, 2), _probs(3, 5, 2, seed=1)])
    case(f"ce-prob-unbatched-{red}", lambda m, F, x, t, r=red: F.cross_entropy(x, t, label_smoothing=0.1,
                                                                                reduction=r),
         [_randn(5), _probs(1, 5)[0]])
    case(f"bce-{red}", lambda m, F, x, t, r=red: F.binary_cross_entropy(x, t, reduction=r),
         [_unit(6), _unit(6, seed=1)])
    case(f"bce-weight-{red}",
         lambda m, F, x, t, r=red: F.binary_cross_entropy(x, t, weight=_T(m, _unit(2, 3, seed=3), x.dtype),
                                                          reduction=r), [_unit(2, 3), _unit(2, 3, seed=1)])
    case(f"huber-{red}", lambda m, F, x, t, r=red: F.huber_loss(x, t, reduction=r, delta=0.7),
         [_randn(6), _randn(6, seed=1)])
    case(f"smooth-l1-{red}", lambda m, F, x, t, r=red: F.smooth_l1_loss(x, t, reduction=r, beta=0.7),
         [_randn(6), _randn(6, seed=1)])
    case(f"smooth-l1-beta0-{red}", lambda m, F, x, t, r=red: F.smooth_l1_loss(x, t, reduction=r, beta=0.0),
         [_randn(6), _randn(6, seed=1)])
    case(f"soft-margin-{red}", lambda m, F, x, r=red: F.soft_margin_loss(x, _T(m, [1., -1, 1, 1, -1], x.dtype),
                                                                          reduction=r), [_randn(5)])
    case(f"linear-ce-chunked-{red}",
         lambda m, F, x, w, b, r=red: F.linear_cross_entropy(
             x, w, _T(m, [0, 2, 4]), linear_bias=b, reduction=r,
             options=m.nn.LinearCrossEntropyOptions(batch_chunk_size=2, chunking_method=None)),
         [_randn(3, 4), _randn(5, 4, seed=1), _randn(5, seed=2)],
         # PyTorch's chunked 'none' path cannot take a v that requires grad; its g is linear in v all the same
         **({"linear_in_v": True} if red == "none" else {}))
# empty inputs, 'mean': the gradients are empty, their derivative with respect to v 0 (an empty sum), not NaN
case("bce-empty-mean", lambda m, F, x, t: F.binary_cross_entropy(x, t), [_unit(0), _unit(0, seed=1)])
case("huber-empty-mean", lambda m, F, x, t: F.huber_loss(x, t), [_randn(0, 2), _randn(0, 2, seed=1)])
case("smooth-l1-empty-mean", lambda m, F, x, t: F.smooth_l1_loss(x, t), [_randn(0), _randn(0, seed=1)])
case("soft-margin-empty-mean", lambda m, F, x: F.soft_margin_loss(x, _T(m, np.zeros(0), x.dtype)), [_randn(0)])

_EMB_IDX = [[1, 2], [2, 6]]
case("embedding", lambda m, F, w: F.embedding(_T(m, _EMB_IDX), w), [_randn(7, 3)])
case("embedding-padding", lambda m, F, w: F.embedding(_T(m, _EMB_IDX), w, padding_idx=2), [_randn(7, 3)])
# PyTorch's double backward drops the 1/frequency factor (its derivative with respect to v is then not the
# first gradient's): ember keeps it, so gradgradcheck holds; compared with torch to first order only
case("embedding-freq-padding", lambda m, F, w: F.embedding(_T(m, _EMB_IDX), w, padding_idx=-1,
                                                           scale_grad_by_freq=True), [_randn(7, 3)], first_only=True)

_BAG_IDX, _BAG_OFF = [1, 2, 2, 6, 0], [0, 2, 2]  # bags [1 2], [], [2 6 0]


def _bag_ref(F, w, mode, psw=None):
    import torch
    idx, bag = torch.tensor(_BAG_IDX), torch.tensor([0, 0, 2, 2, 2])
    rows = w[idx] if psw is None else w[idx] * psw[:, None]
    if mode == "max":
        return torch.zeros(3, w.shape[1], dtype=w.dtype).scatter_reduce(0, bag[:, None].expand(-1, w.shape[1]), rows,
                                                                        "amax", include_self=False)
    out = torch.zeros(3, w.shape[1], dtype=w.dtype).index_add(0, bag, rows)
    return out / torch.tensor([2.0, 1, 3], dtype=w.dtype)[:, None] if mode == "mean" else out


# torch has no double backward for embedding_bag: a composite is the reference (and the first gradients' flags)
for mode in ("sum", "mean", "max"):
    case(f"embedding-bag-{mode}",
         lambda m, F, w, mo=mode: F.embedding_bag(_T(m, _BAG_IDX), w, _T(m, _BAG_OFF), mode=mo), [_randn(7, 3)],
         ref=lambda F, w, mo=mode: _bag_ref(F, w, mo))
case("embedding-bag-psw", lambda m, F, w, p: F.embedding_bag(_T(m, _BAG_IDX), w, _T(m, _BAG_OFF), mode="sum",
                                                             per_sample_weights=p),
     [_randn(7, 3), _unit(5, seed=1)], ref=lambda F, w, p: _bag_ref(F, w, "sum", p))


def _pool_idx(m, F, nd):
    x = _T(m, _randn(*(2, 2) + (4,) * nd, seed=5))
    return getattr(F, f"max_pool{nd}d")(x, 2, return_indices=True)[1]


for nd in (1, 2, 3):
    case(f"max-unpool{nd}d", lambda m, F, x, nd=nd: getattr(F, f"max_unpool{nd}d")(x, _pool_idx(m, F, nd), 2),
         [_randn(*(2, 2) + (2,) * nd)])

_IDX = [0, 2, 2, 4]
_SC_IDX = [[0, 1, 2], [2, 2, 0], [4, 4, 4], [1, 0, 1]]
for red in ("prod", "mean", "amax", "amin"):
    for inc in (True, False):
        case(f"index-reduce-{red}-{inc}",
             lambda m, F, x, s, r=red, i=inc: x.index_reduce(0, _T(m, _IDX), s, r, include_self=i),
             [_randn(5, 3), _randn(4, 3, seed=1)])
for red in ("sum", "prod", "mean", "amax", "amin"):
    for inc in (True, False):
        case(f"scatter-reduce-{red}-{inc}",
             lambda m, F, x, s, r=red, i=inc: x.scatter_reduce(0, _T(m, _SC_IDX), s, r, include_self=i),
             [_randn(5, 3), _randn(4, 3, seed=1)])
# (PyTorch's prod / amax backward fails when src is larger than index: gradgradcheck only)
case("scatter-reduce-part-prod", lambda m, F, x, s: x.scatter_reduce(1, _T(m, [[0, 0], [1, 0]]), s, "prod"),
     [_randn(3, 2), _randn(3, 3, seed=1)], no_torch=True)
case("scatter-reduce-part-amax", lambda m, F, x, s: x.scatter_reduce(1, _T(m, [[0, 0], [1, 0]]), s, "amax"),
     [_randn(3, 2), _randn(3, 3, seed=1)], no_torch=True)
_Z = _randn(5, 3)
_Z[0, 0] = _Z[2, 1] = 0.0
_ZS = _randn(4, 3, seed=1)
_ZS[1, 1] = _ZS[0, 2] = _ZS[1, 2] = 0.0  # groups with one zero and with two
for inc in (True, False):
    case(f"scatter-reduce-prod-zeros-{inc}",
         lambda m, F, x, s, i=inc: x.scatter_reduce(0, _T(m, _SC_IDX), s, "prod", include_self=i), [_Z, _ZS])
case("index-reduce-prod-src-only", lambda m, F, x, s: x.index_reduce(0, _T(m, _IDX), s, "prod"),
     [_randn(5, 3), _randn(4, 3, seed=1)], [False, True])

case("nanmedian", lambda m, F, x: x.nanmedian(), [np.array([0.5, np.nan, -1.0, 2.0, 0.5, 3.0])])
case("cummax", lambda m, F, x: x.cummax(1)[0], [_randn(3, 5)])
case("cummin", lambda m, F, x: x.cummin(0)[0], [_randn(3, 5)])
case("cummax-0d", lambda m, F, x: x.cummax(0)[0], [np.array(1.5)])

for mode in ("bilinear", "nearest", "bicubic"):
    for pm in ("zeros", "border", "reflection"):
        for ac in (False, True):
            case(f"grid-sample-2d-{mode}-{pm}-{ac}",
                 lambda m, F, x, g, mo=mode, p=pm, a=ac: F.grid_sample(x, g, mode=mo, padding_mode=p, align_corners=a),
                 [_randn(2, 2, 4, 5), _rng(1).uniform(-1.3, 1.3, (2, 3, 3, 2))],
                 check=[_randn(1, 1, 3, 3), _rng(1).uniform(-1.3, 1.3, (1, 2, 2, 2))])
for mode in ("bilinear", "nearest"):
    for pm in ("zeros", "border", "reflection"):
        case(f"grid-sample-3d-{mode}-{pm}",
             lambda m, F, x, g, mo=mode, p=pm: F.grid_sample(x, g, mode=mo, padding_mode=p, align_corners=False),
             [_randn(1, 2, 3, 4, 3), _rng(1).uniform(-1.3, 1.3, (1, 2, 2, 3, 3))])
case("grid-sample-grid-only", lambda m, F, x, g: F.grid_sample(x, g, align_corners=False),
     [_randn(1, 2, 4, 5), _rng(1).uniform(-1, 1, (1, 3, 3, 2))], [False, True])

case("unfold", lambda m, F, x: F.unfold(x, 2, padding=1, stride=2, dilation=1), [_randn(2, 3, 5, 5)])
case("unfold-dilated", lambda m, F, x: F.unfold(x, (2, 3), dilation=2), [_randn(1, 2, 6, 7)])
case("fold", lambda m, F, x: F.fold(x, (4, 5), 2, padding=1), [_randn(2, 12, 30)])


# PyTorch's CrossMapLRN2d backward cannot run under create_graph (its kernel writes into buffers), so the reference
# is its backward formula written with torch ops (ember reproduces that formula, not the forward's derivative).
def _lrn_backward_ref(torch, x, g, size=3, alpha=1e-2, beta=0.75, k=1.0):
    C = x.shape[1]
    c = torch.arange(C)

    def sums(a, lo, hi):
        cs = torch.cat([torch.zeros_like(a[:, :1]), a.cumsum(1)], 1)
        return cs[:, torch.maximum(hi + 1, lo)] - cs[:, lo]

    pre = p = (size + 1) // 2
    sq = x * x
    s = sums(sq, (c - pre + 1).clamp(min=0), (c + pre - 1).clamp(max=C - 1))
    s = s + sq[:, :1] * (c >= pre).to(x.dtype)[None, :, None, None]
    scale = s * (alpha / size) + k
    out = scale ** -beta * x
    acc = sums(g * out / scale, (c - p).clamp(0, C), (c - p + size - 1).clamp(-1, C - 1))
    return scale ** -beta * g - (2 * alpha * beta / size) * x * acc


case("cross-map-lrn2d", lambda m, F, x: m.nn.CrossMapLRN2d(3, 1e-2, 0.75, 1.0)(x), [_randn(2, 5, 3, 3)],
     first=_lrn_backward_ref)


# --------------------------------------------------------------------------------------------- the checks


def _run(m, f, arrays, flags, dtype, opts, const_v=False, ref=False):
    """(first gradients, second gradients, whether each first gradient requires grad) as numpy / None."""
    F = m.nn.functional
    xs = [m.tensor(a, dtype=dtype, requires_grad=rg) for a, rg in zip(arrays, flags)]
    wrt = [x for x in xs if x.requires_grad]
    out = (opts["ref"] if ref and "ref" in opts else lambda F_, *a: f(m, F_, *a))(F, *xs)
    vs = _randn(*out.shape, seed=11)
    v = m.tensor(vs, dtype=dtype, requires_grad=not const_v)
    if ref and "first" in opts:
        g = [opts["first"](m, xs[0], v)]
    else:
        g = m.autograd.grad(out, wrt, v, create_graph=True, allow_unused=True)
    flags_g = [None if t is None else t.requires_grad for t in g]
    if const_v:
        return flags_g
    first = [None if t is None else _np(t) for t in g]
    used = [(t, _randn(*t.shape, seed=20 + i)) for i, t in enumerate(g) if t is not None and t.requires_grad]
    s = sum((t * m.tensor(w, dtype=dtype)).sum() for t, w in used)
    gg = m.autograd.grad(s, wrt + [v], allow_unused=True)
    return first, [None if t is None else _np(t) for t in gg]


def _np(t):
    t = t.detach()
    return t.numpy(force=True) if not isinstance(t, ember.Tensor) else t.numpy()  # (force: torch's ZeroTensor)


@pytest.mark.parametrize("f, arrays, flags, opts", CASES)
def test_double_backward_matches_torch(torch, f, arrays, flags, opts):
    if opts.get("no_torch"):
        pytest.skip("PyTorch cannot run this case")
    ref = "ref" in opts or "first" in opts
    if opts.get("linear_in_v"):
        # torch refuses a v that requires grad here; the second derivatives are those of g = J^T v: J w for v
        # (from the unchunked function), none for the inputs
        e_first, e_gg = _run(ember, f, arrays, flags, ember.float32, opts)
        unchunked = dict(opts, ref=lambda F, x, w, b: F.cross_entropy(F.linear(x, w, b), torch.tensor([0, 2, 4]),
                                                                      reduction="none"))
        t_first, t_gg = _run(torch, f, arrays, flags, torch.float32, unchunked, ref=True)
        t_gg = [None] * (len(t_gg) - 1) + [t_gg[-1]]
    else:
        e_first, e_gg = _run(ember, f, arrays, flags, ember.float32, opts)
        t_first, t_gg = _run(torch, f, arrays, flags, torch.float32, opts, ref=ref)
    for e, t in zip(e_first, t_first):
        assert (e is None) == (t is None)
        if e is not None:
            np.testing.assert_allclose(e, t, rtol=1e-4, atol=5e-5)
    if opts.get("first_only"):
        return
    assert [e is None for e in e_gg] == [t is None for t in t_gg]
    for e, t in zip(e_gg, t_gg):
        if e is not None:
            np.testing.assert_allclose(e, t, rtol=1e-4, atol=5e-5)
    if not ref and not opts.get("linear_in_v"):
        # which first gradients require grad at all with a constant upstream gradient
        assert (_run(ember, f, arrays, flags, ember.float32, opts, const_v=True)
                == _run(torch, f, arrays, flags, torch.float32, opts, const_v=True))


@pytest.mark.parametrize("f, arrays, flags, opts", CASES)
def test_create_graph_first_order_matches_plain_backward(f, arrays, flags, opts):
    """backward_graph's values are the fast backward's (create_graph only adds the graph)."""
    F = ember.nn.functional
    xs = [ember.tensor(a, dtype=ember.float32, requires_grad=rg) for a, rg in zip(arrays, flags)]
    wrt = [x for x in xs if x.requires_grad]
    v = ember.tensor(_randn(*f(ember, F, *xs).shape, seed=11), dtype=ember.float32)
    plain = ember.autograd.grad(f(ember, F, *xs), wrt, v, allow_unused=True)
    graph = ember.autograd.grad(f(ember, F, *xs), wrt, v, create_graph=True, allow_unused=True)
    for a, b in zip(plain, graph):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(b.detach().numpy(), a.numpy(), rtol=1e-4, atol=5e-5)


_SLOW = ("grid-sample-3d",)


@pytest.mark.parametrize("f, arrays, flags, opts", CASES)
def test_gradgradcheck(request, f, arrays, flags, opts):
    name = request.node.callspec.id
    if any(s in name for s in _SLOW) or "nanmedian" in name:  # (nanmedian: the NaN input is not checkable)
        pytest.skip("covered by the comparison with torch")
    if "linear-ce-chunked" in name:
        pytest.skip("as PyTorch's, the chunked gradients are constants in the inputs (not their derivatives)")
    F = ember.nn.functional
    arrays = opts.get("check", arrays)  # (smaller inputs where the numerical Jacobians are costly)
    xs = [ember.tensor(a, dtype=ember.float64, requires_grad=rg) for a, rg in zip(arrays, flags)]
    assert gradgradcheck(lambda *a: f(ember, F, *a), xs, eps=1e-6, atol=1e-5, rtol=1e-3)


def test_ctc_loss_double_backward_raises_as_torch(torch):
    """PyTorch has no derivative of the CTC backward: both raise its RuntimeError on the second backward, from a
    first gradient whose node is ``NotImplemented`` (through a log_softmax too)."""
    lp = _randn(6, 2, 4)
    lp = lp - np.log(np.exp(lp).sum(2, keepdims=True))
    for m in (torch, ember):
        for logits in (False, True):
            x = m.tensor(lp, dtype=m.float32, requires_grad=True)
            log_probs = x.log_softmax(2) if logits else x
            loss = m.nn.functional.ctc_loss(log_probs, m.tensor([[1, 2], [3, 3]]), m.tensor([6, 5]), m.tensor([2, 2]))
            (g,) = m.autograd.grad(loss, x, create_graph=True)
            assert logits or g.grad_fn.name() == f"{m.__name__}::autograd::NotImplemented"
            with pytest.raises(RuntimeError, match=r"^derivative for aten::_ctc_loss_backward is not implemented$"):
                m.autograd.grad((g * g).sum(), x)


def test_constant_upstream_gradient_does_not_require_grad(torch):
    """cummax / scatter_reduce amax / nanmedian: the gradient does not depend on the input's values."""
    for m in (torch, ember):
        x = m.tensor(_randn(3, 4), dtype=m.float32, requires_grad=True)
        for out in (x.cummax(1)[0], x.scatter_reduce(0, m.tensor([[0, 1, 1, 0]]), x[:1] * 2, "amax"), x.nanmedian()):
            (g,) = m.autograd.grad(out, x, m.ones_like(out), create_graph=True)
            with pytest.raises(RuntimeError, match="does not require grad"):
                m.autograd.grad((g * g).sum(), x)
