"""Parity rows for ember/_ops/loss.py and the losses of ember.nn.functional."""

import numpy as np

from tests.parity.harness import Arg, Case


def _f(m):
    return m.nn.functional


def _probs(shape, axis=1):
    def make(rng):
        e = np.exp(rng.standard_normal(shape))
        return (e / e.sum(axis=axis, keepdims=True)).astype("float32")
    return make


def _unit_interval(shape):
    return lambda rng: rng.uniform(0.05, 0.95, shape).astype("float32")


def _targets_with_ignored(shape, high, ignore=-100):
    def make(rng):
        t = rng.integers(0, high, shape).astype("int64")
        t.flat[1] = ignore
        return t
    return make


def _signs(shape):
    return lambda rng: np.where(rng.random(shape) < 0.5, -1.0, 1.0).astype("float32")


def _pm1_int(shape):
    return lambda rng: np.where(rng.random(shape) < 0.5, -1, 1).astype("int64")


_X = Arg((4, 5))
_T = Arg((4, 5))
_IDX = Arg((4,), "index", grad=False, high=5)
_W = Arg((5,), "positive", grad=False)

CASES = []

# --- pointwise regression losses
for red in ("mean", "sum", "none"):
    CASES += [
        Case(("MseLoss",), lambda m, a, b, r=red: _f(m).mse_loss(a, b, reduction=r), [_X, _T], name=f"mse-{red}"),
        Case(("Mean", "Abs", "Sub") if red == "mean" else ("Sum", "Abs", "Sub"),
             lambda m, a, b, r=red: _f(m).l1_loss(a, b, reduction=r), [_X, _T], name=f"l1-{red}"),
        Case(("SmoothL1Loss",), lambda m, a, b, r=red: _f(m).smooth_l1_loss(a, b, reduction=r, beta=0.5),
             [_X, _T], name=f"smooth_l1-{red}"),
        Case(("HuberLoss",), lambda m, a, b, r=red: _f(m).huber_loss(a, b, reduction=r, delta=0.7),
             [_X, _T], name=f"huber-{red}"),
        Case(("SoftMarginLoss",), lambda m, a, b, r=red: _f(m).soft_margin_loss(a, b, reduction=r),
             [_X, Arg(kind=_signs((4, 5)), grad=False)], name=f"soft_margin-{red}"),
    ]
CASES += [
    Case(("MseLoss",), lambda m, a, b: _f(m).mse_loss(a, b), [Arg((3, 4)), Arg((4,))], name="mse-broadcast"),
    Case(("MseLoss",), lambda m, a, b, w: _f(m).mse_loss(a, b, weight=w), [_X, _T, Arg((4, 5), "positive", False)],
         name="mse-weight"),
    Case(("Sum", "Abs", "Sub"), lambda m, a, b, w: _f(m).l1_loss(a, b, weight=w, reduction="sum"),
         [_X, _T, Arg((4, 5), "positive", False)], name="l1-weight"),
    Case(("HuberLoss",), lambda m, a, b, w: _f(m).huber_loss(a, b, weight=w), [_X, _T, Arg((4, 5), "positive", False)],
         name="huber-weight"),
    Case(("SmoothL1Loss",), lambda m, a, b: _f(m).smooth_l1_loss(a, b, beta=0.0), [_X, _T], name="smooth_l1-beta0"),
    Case(("MseLoss",), lambda m, a, b: m.nn.MSELoss()(a, b), [_X, _T], name="MSELoss-module"),
]

# --- cross entropy with class indices (the fused op)
for red in ("mean", "sum", "none"):
    CASES += [
        Case(("CrossEntropy",), lambda m, a, t, r=red: _f(m).cross_entropy(a, t, reduction=r), [_X, _IDX],
             name=f"ce-{red}"),
        Case(("CrossEntropy",), lambda m, a, t, w, r=red: _f(m).cross_entropy(a, t, weight=w, reduction=r),
             [_X, _IDX, _W], name=f"ce-weight-{red}"),
        Case(("CrossEntropy",),
             lambda m, a, t, w, r=red: _f(m).cross_entropy(a, t, weight=w, reduction=r, ignore_index=2,
                                                           label_smoothing=0.2),
             [_X, _IDX, _W], name=f"ce-weight-ignore-smoothing-{red}"),
        Case(("CrossEntropy",), lambda m, a, t, r=red: _f(m).cross_entropy(a, t, reduction=r),
             [Arg((2, 3, 2, 2)), Arg((2, 2, 2), "index", grad=False, high=3)], name=f"ce-2d-{red}"),
        Case(("NllLoss",), lambda m, a, t, r=red: _f(m).nll_loss(a, t, reduction=r), [_X, _IDX],
             name=f"nll-{red}"),
        Case(("NllLoss",), lambda m, a, t, w, r=red: _f(m).nll_loss(a, t, weight=w, reduction=r),
             [_X, Arg(kind=_targets_with_ignored((4,), 5), grad=False), _W], name=f"nll-weight-ignored-{red}"),
        Case(("CrossEntropyProb",), lambda m, a, t, r=red: _f(m).cross_entropy(a, t, reduction=r),
             [_X, Arg(kind=_probs((4, 5)))], name=f"ce-probs-{red}"),
    ]
CASES += [
    Case(("CrossEntropy",), lambda m, a, t: _f(m).cross_entropy(a, t, label_smoothing=0.3), [_X, _IDX],
         name="ce-smoothing"),
    Case(("CrossEntropy",), lambda m, a, t: _f(m).cross_entropy(a, t, ignore_index=-1),
         [_X, Arg(kind=_targets_with_ignored((4,), 5, -1), grad=False)], name="ce-ignore-index"),
    Case(("CrossEntropy",), lambda m, a, t, w: _f(m).cross_entropy(a, t, weight=w, label_smoothing=0.1),
         [Arg((2, 3, 4)), Arg((2, 4), "index", grad=False, high=3), Arg((3,), "positive", grad=False)],
         name="ce-1d-spatial-weight-smoothing"),
    Case(("CrossEntropy",), lambda m, a, t: _f(m).cross_entropy(a, t, reduction="none", label_smoothing=0.2),
         [Arg((2, 3, 2, 2)), Arg(kind=_targets_with_ignored((2, 2, 2), 3), grad=False)],
         name="ce-2d-ignored-smoothing-none"),
    Case(("CrossEntropy",), lambda m, a, t: _f(m).cross_entropy(a, t), [Arg((5,)), Arg((), "index", False, 5)],
         name="ce-unbatched"),
    Case(("CrossEntropy",), lambda m, a, t: _f(m).cross_entropy(a, t, reduction="none"),
         [Arg((5,)), Arg((), "index", False, 5)], name="ce-unbatched-none"),
    Case(("CrossEntropy",), lambda m, a, t: m.nn.CrossEntropyLoss()(a, t), [_X, _IDX], name="CrossEntropyLoss"),
    Case(("NllLoss",), lambda m, a, t: _f(m).nll_loss(a, t, reduction="none"),
         [Arg((2, 3, 2, 2)), Arg((2, 2, 2), "index", grad=False, high=3)], name="nll-2d-none"),
    Case(("NllLoss",), lambda m, a, t: _f(m).nll_loss(a, t), [Arg((5,)), Arg((), "index", False, 5)],
         name="nll-unbatched"),
    Case(("NllLoss", "LogSoftmax"), lambda m, a, t: m.nn.NLLLoss()(m.nn.LogSoftmax(dim=1)(a), t), [_X, _IDX],
         name="NLLLoss-after-LogSoftmax"),
    Case(("CrossEntropyProb",),
         lambda m, a, t, w: _f(m).cross_entropy(a, t, weight=w, label_smoothing=0.2),
         [_X, Arg(kind=_probs((4, 5))), _W], name="ce-probs-weight-smoothing"),
    Case(("CrossEntropyProb",), lambda m, a, t: _f(m).cross_entropy(a, t, reduction="none"),
         [Arg((2, 3, 2)), Arg(kind=_probs((2, 3, 2)))], name="ce-probs-spatial-none"),
    Case(("CrossEntropyProb",), lambda m, a, t: _f(m).cross_entropy(a, t),
         [Arg((4,)), Arg(kind=_probs((4,), 0))], name="ce-probs-unbatched"),
]

# --- binary losses
for red in ("mean", "sum", "none"):
    CASES += [
        Case(("BinaryCrossEntropy",), lambda m, a, t, r=red: _f(m).binary_cross_entropy(a, t, reduction=r),
             [Arg(kind=_unit_interval((3, 4))), Arg(kind=_unit_interval((3, 4)))], name=f"bce-{red}"),
        Case(("BinaryCrossEntropyWithLogits",),
             lambda m, a, t, r=red: _f(m).binary_cross_entropy_with_logits(a, t, reduction=r),
             [Arg((3, 4)), Arg(kind=_unit_interval((3, 4)))], name=f"bce_logits-{red}"),
    ]
CASES += [
    Case(("BinaryCrossEntropy",), lambda m, a, t, w: _f(m).binary_cross_entropy(a, t, weight=w),
         [Arg(kind=_unit_interval((3, 4))), Arg(kind=_unit_interval((3, 4))), Arg((4,), "positive", False)],
         name="bce-weight"),
    Case(("BinaryCrossEntropyWithLogits",),
         lambda m, a, t, w, p: _f(m).binary_cross_entropy_with_logits(a, t, weight=w, pos_weight=p),
         [Arg((3, 4)), Arg(kind=_unit_interval((3, 4))), Arg((3, 1), "positive", False),
          Arg((4,), "positive", False)], name="bce_logits-weight-pos_weight"),
    Case(("BinaryCrossEntropyWithLogits",),
         lambda m, a, t, p: m.nn.BCEWithLogitsLoss(pos_weight=p, reduction="sum")(a, t),
         [Arg((3, 4)), Arg(kind=_unit_interval((3, 4))), Arg((4,), "positive", False)],
         name="BCEWithLogitsLoss-pos_weight"),
    Case(("BinaryCrossEntropy", "Sigmoid"), lambda m, a, t: m.nn.BCELoss()(m.sigmoid(a), t),
         [Arg((3, 4)), Arg(kind=_unit_interval((3, 4)))], name="BCELoss-after-sigmoid"),
]

# --- kl_div (composed as in PyTorch: xlogy(t, t) - t * x, or exp(t) * (t - x), then the reduction)
for red in ("batchmean", "sum", "none"):
    CASES += [
        Case(("Xlogy", "Mul", "Sub", "Sum", "Div", "LogSoftmax"),
             lambda m, a, t, r=red: _f(m).kl_div(_f(m).log_softmax(a, dim=1), t, reduction=r),
             [_X, Arg(kind=_probs((4, 5)))], name=f"kl_div-{red}"),
        Case(("Exp", "Sub", "Mul"), lambda m, a, t, r=red: _f(m).kl_div(a, t, reduction=r, log_target=True),
             [_X, _X], name=f"kl_div-log_target-{red}"),
    ]

# --- composite losses
CASES += [
    Case(("Sum", "Mul", "Div", "Sqrt", "Where", "Mean"),
         lambda m, a, b, y: _f(m).cosine_embedding_loss(a, b, y, margin=0.1),
         [Arg((4, 3)), Arg((4, 3)), Arg(kind=_pm1_int((4,)), grad=False)], name="cosine_embedding"),
    Case(("Sum", "Mul", "Div", "Sqrt", "Where"),
         lambda m, a, b, y: _f(m).cosine_embedding_loss(a, b, y, reduction="none"),
         [Arg((4, 3)), Arg((4, 3)), Arg(kind=_pm1_int((4,)), grad=False)], name="cosine_embedding-none"),
    Case(("Clamp", "Mean"), lambda m, a, b, y: _f(m).margin_ranking_loss(a, b, y, margin=0.2),
         [Arg((6,)), Arg((6,)), Arg(kind=_signs((6,)), grad=False)], name="margin_ranking"),
    Case(("Clamp", "Sum"), lambda m, a, b, y: _f(m).margin_ranking_loss(a, b, y, reduction="sum"),
         [Arg((6,)), Arg((6,)), Arg(kind=_signs((6,)), grad=False)], name="margin_ranking-sum"),
    Case(("Clamp", "Mean", "Sqrt"), lambda m, a, p, n: _f(m).triplet_margin_loss(a, p, n, margin=2.0),
         [Arg((4, 3)), Arg((4, 3)), Arg((4, 3))], name="triplet_margin"),
    Case(("Clamp", "Minimum", "Norm"),
         lambda m, a, p, n: _f(m).triplet_margin_loss(a, p, n, margin=2.0, p=1, swap=True, reduction="none"),
         [Arg((4, 3)), Arg((4, 3)), Arg((4, 3))], name="triplet_margin-p1-swap", gradcheck_atol=1e-4),
    Case(("LogSigmoid", "Mean"), lambda m, a, t: _f(m).multilabel_soft_margin_loss(a, t),
         [Arg((3, 4)), Arg((3, 4), "int", grad=False, high=2, dtype="float32")], name="multilabel_soft_margin"),
    Case(("LogSigmoid",), lambda m, a, t, w: _f(m).multilabel_soft_margin_loss(a, t, weight=w, reduction="none"),
         [Arg((3, 4)), Arg(kind=_unit_interval((3, 4)), grad=False), Arg((4,), "positive", False)],
         name="multilabel_soft_margin-weight-none"),
    Case(("Exp", "Mean"), lambda m, a, t: _f(m).poisson_nll_loss(a, t), [Arg((3, 4)), Arg((3, 4), "positive", False)],
         name="poisson_nll"),
    Case(("Log",), lambda m, a, t: _f(m).poisson_nll_loss(a, t, log_input=False, full=True, reduction="sum"),
         [Arg((3, 4), "positive"), Arg(kind=lambda rng: rng.uniform(0.5, 3, (3, 4)).astype("float32"), grad=False)],
         name="poisson_nll-full"),
    Case(("Log", "Mean"), lambda m, a, t, v: _f(m).gaussian_nll_loss(a, t, v),
         [Arg((3, 4)), Arg((3, 4)), Arg((3, 4), "positive")], name="gaussian_nll"),
    Case(("Log",), lambda m, a, t, v: _f(m).gaussian_nll_loss(a, t, v, full=True, reduction="sum"),
         [Arg((3, 4)), Arg((3, 4)), Arg((3,), "positive")], name="gaussian_nll-full-var-per-row"),
    Case(("Where", "Mean"), lambda m, a, y: _f(m).hinge_embedding_loss(a, y, margin=0.5),
         [Arg((3, 4)), Arg(kind=_signs((3, 4)), grad=False)], name="hinge_embedding"),
]

# --- CTC (the gradient is PyTorch's, w.r.t. the logits behind log_softmax: finite differences go through it)
_CTC_TARGETS = np.array([[1, 1, 3], [4, 2, 0], [2, 0, 0]])


def _ctc_log_probs(shape):
    def make(rng):
        x = rng.standard_normal(shape)
        return (x - np.log(np.exp(x).sum(-1, keepdims=True))).astype("float32")
    return make


for red in ("mean", "sum", "none"):
    CASES += [
        Case(("CtcLoss", "LogSoftmax"),
             lambda m, x, r=red: _f(m).ctc_loss(_f(m).log_softmax(x, 2), m.tensor(_CTC_TARGETS), (6, 6, 4), (3, 2, 0),
                                                reduction=r),
             [Arg((6, 3, 5))], name=f"ctc-{red}"),
    ]
CASES += [
    Case(("CtcLoss", "LogSoftmax"),
         lambda m, x: _f(m).ctc_loss(_f(m).log_softmax(x, 2), m.tensor([1, 1, 3, 4, 2]), m.tensor([6, 2, 5]),
                                     m.tensor([3, 1, 1]), blank=0, zero_infinity=True),
         [Arg((6, 3, 5))], name="ctc-concatenated-zero_infinity"),
    Case(("CtcLoss", "LogSoftmax"),
         lambda m, x: _f(m).ctc_loss(_f(m).log_softmax(x, 1), m.tensor([3, 0, 0]), (7,), (3,), blank=4),
         [Arg((7, 5))], name="ctc-unbatched-blank"),
    Case(("CtcLoss",),
         lambda m, lp: _f(m).ctc_loss(lp, m.tensor(_CTC_TARGETS), (6, 5, 4), (3, 2, 1), reduction="none"),
         [Arg(kind=_ctc_log_probs((6, 3, 5)))], name="ctc-log_probs-leaf", gradcheck=False),
]

# --- linear_cross_entropy: chunked (the fused op) and plain (linear + cross_entropy)


def _lce(reduction, chunk, **kw):
    def fn(m, x, w, b):
        opts = None if chunk is None else m.nn.LinearCrossEntropyOptions(batch_chunk_size=chunk, chunking_method=None)
        return _f(m).linear_cross_entropy(x, w, m.tensor(_LCE_T), linear_bias=b, reduction=reduction, options=opts,
                                          **kw)
    return fn


_LCE_T = np.array([1, 4, -100, 0, 3, 5, 2])
for red in ("mean", "sum", "none"):
    CASES.append(Case(("LinearCrossEntropy",), _lce(red, 3), [Arg((7, 4)), Arg((6, 4)), Arg((6,))],
                      name=f"linear_cross_entropy-chunked-{red}"))
CASES += [
    Case(("LinearCrossEntropy",),
         lambda m, x, w, b: _f(m).linear_cross_entropy(
             x, w, m.tensor(_LCE_T), linear_bias=b, weight=m.tensor(np.linspace(0.5, 2, 6).astype("float32")),
             options=m.nn.LinearCrossEntropyOptions()),
         [Arg((7, 4)), Arg((6, 4)), Arg((6,))], name="linear_cross_entropy-chunked-weighted"),
    Case(("Addmm", "CrossEntropy"), _lce("mean", None, label_smoothing=0.1), [Arg((7, 4)), Arg((6, 4)), Arg((6,))],
         name="linear_cross_entropy-plain-smoothing"),
]

# --- multi_margin_loss (its own kernel, as in PyTorch)
CASES += [
    Case(("MultiMarginLoss",), lambda m, a, t: _f(m).multi_margin_loss(a, t), [_X, Arg((4,), "index", False, 5)],
         name="multi_margin"),
    Case(("MultiMarginLoss",),
         lambda m, a, t, w: _f(m).multi_margin_loss(a, t, p=2, margin=0.5, weight=w, reduction="none"),
         [_X, Arg((4,), "index", False, 5), Arg((5,), "positive", False)], name="multi_margin-p2-weight-none"),
]
