"""Loss layers (mirror ``torch.nn`` losses); each wraps a function of ``ember.nn.functional``."""

import math
import warnings

from ember.nn import _functional_activation_loss as F
from ember.nn.modules.module import Module

__all__ = [
    "L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "NLLLoss2d", "BCELoss",
    "BCEWithLogitsLoss", "KLDivLoss", "CosineEmbeddingLoss", "MarginRankingLoss", "TripletMarginLoss",
    "SoftMarginLoss", "MultiLabelSoftMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss", "HingeEmbeddingLoss",
]


class _Loss(Module):
    """Base of the losses: holds ``reduction`` (the legacy ``size_average``/``reduce`` map onto it)."""

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = F._legacy_reduction(size_average, reduce, reduction)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional per-class ``weight`` buffer (saved in ``state_dict`` when given)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|``.

    Args:
        reduction: ``'none'`` | ``'mean'`` | ``'sum'`` (``size_average``/``reduce`` are deprecated).

    Shape: input ``(*)``, target same shape; output scalar, or ``(*)`` with ``'none'``.

    Example::

        >>> nn.L1Loss()(ember.tensor([1.0, 2.0]), ember.tensor([0.0, 0.0]))
        tensor(1.5000)
    """

    __constants__ = ["reduction"]

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target) ** 2``; its graph node is ``MseLossBackward0``.

    Args:
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape: input ``(*)``, target same shape; output scalar, or ``(*)`` with ``'none'``.

    Example::

        >>> loss = nn.MSELoss()(ember.tensor([1.0, 2.0], requires_grad=True), ember.tensor([1.0, 4.0]))
        >>> loss
        tensor(2., grad_fn=<MseLossBackward0>)
    """

    __constants__ = ["reduction"]

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Quadratic for ``|d| < beta``, linear beyond (``d = input - target``).

    Args:
        reduction; beta: the switch point (default 1.0; 0 gives L1).

    Shape: input ``(*)``, target same shape.

    Example::

        >>> nn.SmoothL1Loss()(ember.tensor([0.5, 3.0]), ember.zeros(2))
        tensor(1.3125)
    """

    __constants__ = ["reduction"]

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``0.5 * d ** 2`` for ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``.

    Shape: input ``(*)``, target same shape.

    Example::

        >>> nn.HuberLoss(delta=2.0)(ember.tensor([3.0]), ember.zeros(1))
        tensor(4.)
    """

    __constants__ = ["reduction", "delta"]

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy between logits and class indices or class probabilities (log-softmax + NLL, fused).

    Args:
        weight: ``(C,)`` class weights.
        ignore_index: class-index target to skip (default -100).
        reduction: ``'none'`` | ``'mean'`` (weighted mean over non-ignored targets) | ``'sum'``.
        label_smoothing: in ``[0, 1]``.

    Shape: input ``(N, C)``, ``(C,)`` or ``(N, C, d1, ..., dK)``; target ``(N,)``, ``()`` or
    ``(N, d1, ..., dK)`` int64 indices, or probabilities shaped like the input; output scalar, or the target's
    (batch) shape with ``'none'``.

    Example::

        >>> loss_fn = nn.CrossEntropyLoss()
        >>> logits = ember.randn(3, 5, requires_grad=True)
        >>> loss = loss_fn(logits, ember.tensor([1, 0, 4]))
        >>> loss.backward()
    """

    __constants__ = ["ignore_index", "reduction", "label_smoothing"]

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (use after ``LogSoftmax``).

    Args:
        weight: ``(C,)`` class weights; ignore_index; reduction.

    Shape: input ``(N, C)``, ``(C,)`` or ``(N, C, d1, ..., dK)``; target ``(N,)``, ``()`` or
    ``(N, d1, ..., dK)``.

    Example::

        >>> nn.NLLLoss()(ember.tensor([[-1.0, -2.0]]), ember.tensor([0]))
        tensor(1.)
    """

    __constants__ = ["ignore_index", "reduction"]

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """Deprecated alias of :class:`NLLLoss` (which handles ``(N, C, H, W)`` inputs itself); warns when made.

    Example::

        >>> loss = nn.NLLLoss2d()   # FutureWarning: use nn.NLLLoss
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement and see "
                      "https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more details.", FutureWarning,
                      stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities (logs clamped at -100).

    Shape: input ``(*)`` in [0, 1], target same shape.

    Example::

        >>> nn.BCELoss()(ember.tensor([0.5]), ember.tensor([1.0]))
        tensor(0.6931)
    """

    __constants__ = ["reduction"]

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross entropy in one numerically stable expression.

    Args:
        weight: broadcastable rescaling weight; reduction; pos_weight: weight of positives per class.

    Shape: input ``(*)`` logits, target same shape.

    Example::

        >>> nn.BCEWithLogitsLoss()(ember.tensor([0.0]), ember.tensor([1.0]))
        tensor(0.6931)
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence for log-probability inputs.

    Args:
        reduction: use ``'batchmean'`` for the true KL divergence (``'mean'`` warns, as in PyTorch);
        log_target: the target holds log-probabilities.

    Shape: input ``(*)``, target same shape.

    Example::

        >>> nn.KLDivLoss(reduction='batchmean')(ember.tensor([[-0.7, -0.7]]), ember.tensor([[0.5, 0.5]]))
    """

    __constants__ = ["reduction"]

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` for ``y = 1``; ``max(0, cos(x1, x2) - margin)`` for ``y = -1``.

    Shape: inputs ``(N, D)`` or ``(D,)``; target ``(N,)`` or ``()``.

    Example::

        >>> nn.CosineEmbeddingLoss()(ember.ones(2, 3), ember.ones(2, 3), ember.tensor([1, 1]))
        tensor(0.)
    """

    __constants__ = ["margin", "reduction"]

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """``max(0, -y * (x1 - x2) + margin)``.

    Shape: inputs ``(N,)`` or ``()``; target same shape, values 1 or -1.

    Example::

        >>> nn.MarginRankingLoss()(ember.tensor([1.0]), ember.tensor([2.0]), ember.tensor([1.0]))
        tensor(1.)
    """

    __constants__ = ["margin", "reduction"]

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the p-norm pairwise distance.

    Shape: anchor, positive, negative ``(N, D)`` or ``(D,)``.

    Example::

        >>> nn.TripletMarginLoss()(ember.zeros(2, 3), ember.zeros(2, 3), ember.ones(2, 3))
    """

    __constants__ = ["margin", "p", "eps", "swap", "reduction"]

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-y * x))``.

    Shape: input ``(*)``, target same shape (1 or -1).

    Example::

        >>> nn.SoftMarginLoss()(ember.tensor([0.0]), ember.tensor([1.0]))
        tensor(0.6931)
    """

    __constants__ = ["reduction"]

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-versus-all logistic loss over ``C`` labels.

    Shape: input ``(N, C)``, target ``(N, C)`` of 0/1.

    Example::

        >>> nn.MultiLabelSoftMarginLoss()(ember.zeros(1, 2), ember.tensor([[1.0, 0.0]]))
        tensor(0.6931)
    """

    __constants__ = ["reduction"]

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood.

    Args:
        log_input: the input is ``log(rate)``; full: add the Stirling term; eps: for ``log`` when not
        ``log_input``.

    Example::

        >>> nn.PoissonNLLLoss()(ember.zeros(2), ember.ones(2))
        tensor(1.)
    """

    __constants__ = ["log_input", "full", "eps", "reduction"]

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood with predicted variance ``var``.

    Example::

        >>> nn.GaussianNLLLoss()(ember.zeros(2), ember.zeros(2), ember.ones(2))
        tensor(0.)
    """

    __constants__ = ["full", "eps", "reduction"]

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``x`` for ``y = 1``, ``max(0, margin - x)`` for ``y = -1``.

    Example::

        >>> nn.HingeEmbeddingLoss()(ember.tensor([0.5]), ember.tensor([-1.0]))
        tensor(0.5000)
    """

    __constants__ = ["margin", "reduction"]

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


# ------------------------------------------------------------------------------------ multi-class margin losses
__all__ += ["MultiMarginLoss", "MultiLabelMarginLoss", "TripletMarginWithDistanceLoss"]


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss: ``sum_{i != y} max(0, margin - x[y] + x[i])^p / C`` per sample.

    Args:
        p: 1 or 2. Default ``1``.
        margin: Default ``1``.
        weight: optional ``(C,)`` per-class weights.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape: input ``(N, C)`` or ``(C,)``, target ``(N,)`` or ``()`` class indices.

    Example::

        >>> nn.MultiMarginLoss()(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([3]))
        tensor(0.3250)
    """

    __constants__ = ["p", "margin", "reduction"]

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        from ember.nn._functional_extra import multi_margin_loss
        return multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                 reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss: ``sum_{j in y, i not in y} max(0, 1 - (x[j] - x[i])) / C`` per sample.

    Shape: input ``(N, C)`` or ``(C,)``; target the same shape, class indices ended by the first ``-1``.

    Example::

        >>> nn.MultiLabelMarginLoss()(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """

    __constants__ = ["reduction"]

    def forward(self, input, target):
        from ember.nn._functional_extra import multilabel_margin_loss
        return multilabel_margin_loss(input, target, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss ``max(d(a, p) - d(a, n) + margin, 0)`` with a custom distance ``d``.

    Args:
        distance_function: callable ``(x1, x2) -> distances`` (default :class:`PairwiseDistance`).
        margin: a positive margin. Default ``1``.
        swap: use ``min(d(a, n), d(p, n))`` as the negative distance.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Example::

        >>> loss = nn.TripletMarginWithDistanceLoss(distance_function=nn.CosineSimilarity())
    """

    __constants__ = ["margin", "swap", "reduction"]

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                             "instead")
        from ember.nn.modules.distance import PairwiseDistance
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        from ember.nn._functional_extra import triplet_margin_with_distance_loss
        return triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=self.distance_function,
                                                 margin=self.margin, swap=self.swap, reduction=self.reduction)


# ---------------------------------------------------------------------------------------------------------- CTC
__all__ += ["CTCLoss"]


class CTCLoss(_Loss):
    """Connectionist Temporal Classification loss over all alignments of a target to an unsegmented input.

    Args:
        blank: the blank label. Default ``0``.
        reduction: ``'none'`` | ``'mean'`` (losses divided by their target lengths, then averaged) | ``'sum'``.
        zero_infinity: zero infinite losses (inputs too short for their targets) and their gradients.

    Shape: log_probs ``(T, N, C)`` or ``(T, C)`` (``log_softmax`` outputs); targets ``(N, S)`` padded or the
    concatenation of all targets; input_lengths and target_lengths ``(N,)`` tensors or tuples of ints; output
    scalar, or ``(N,)`` with ``'none'``.

    Example::

        >>> ctc = nn.CTCLoss()
        >>> log_probs = ember.randn(50, 16, 20).log_softmax(2).detach().requires_grad_()
        >>> targets = ember.randint(1, 20, (16, 30))
        >>> loss = ctc(log_probs, targets, ember.full((16,), 50), ember.randint(10, 30, (16,)))
        >>> loss.backward()
    """

    __constants__ = ["blank", "reduction"]

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        from ember.nn._functional_extra import ctc_loss
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                        self.zero_infinity)


class LinearCrossEntropyLoss(_WeightedLoss):
    """Cross entropy of logits computed by an internal ``Linear`` layer (``self.linear``) from the input:
    ``F.linear_cross_entropy(input, linear.weight, target, ...)``. With ``options`` the batch is processed in
    chunks, so the ``(N, num_classes)`` logits never exist at once (see :class:`LinearCrossEntropyOptions`).

    Args:
        in_features: size of each input sample. num_classes: C.
        out_features: ``(d1, ..., dK)`` for a K-dimensional loss (keyword; default ``()``).
        bias: give ``self.linear`` a bias (keyword; default ``False``).
        reduction, weight, ignore_index, label_smoothing: as :class:`CrossEntropyLoss` (``ignore_index=None``
            means -100 for class indices). options: chunking options, or None.

    Shape: input ``(N, in_features)`` or ``(in_features,)``; target ``(N,)``/``()``/``(N, d1, ..., dK)`` class
    indices or ``(N, C, d1, ..., dK)`` probabilities; output scalar, or the target's shape with ``'none'``.

    ``self.linear.weight`` is stored flat, ``(C * d1 * ... * dK, in_features)``, and reshaped in ``forward``.

    Example::

        >>> loss_fn = nn.LinearCrossEntropyLoss(16, 100)
        >>> loss = loss_fn(ember.randn(8, 16), ember.randint(0, 100, (8,)))
    """

    __constants__ = ["num_classes", "out_features", "reduction", "ignore_index", "label_smoothing"]

    def __init__(self, in_features, num_classes, *, out_features=(), bias=False, device=None, dtype=None,
                 reduction="mean", weight=None, ignore_index=None, label_smoothing=0.0, options=None):
        from ember.nn.modules.linear import Linear

        if weight is not None and tuple(weight.shape) != (num_classes,):
            raise RuntimeError(f"expected weight shape to be {(num_classes,)}, got {tuple(weight.shape)}")
        if label_smoothing < 0 or label_smoothing > 1.0:
            raise RuntimeError(f"expected label_smoothing to be in range [0, 1], got {label_smoothing}")
        super().__init__(weight, None, None, reduction)
        self.num_classes = num_classes
        self.out_features = out_features
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        # Linear holds 2-D weights: keep them flat and reshape to (C, *out_features, in_features) in forward.
        self.linear = Linear(in_features, math.prod(out_features) * num_classes, bias=bias, device=device,
                             dtype=dtype)
        self.options = options

    def forward(self, input, target):
        from ember.nn._functional_extra import linear_cross_entropy

        weight = self.linear.weight.reshape((self.num_classes, *self.out_features, self.linear.in_features))
        bias = self.linear.bias
        if bias is not None:
            bias = bias.reshape((self.num_classes, *self.out_features))
        return linear_cross_entropy(input, weight, target, linear_bias=bias, weight=self.weight,
                                    reduction=self.reduction, ignore_index=self.ignore_index,
                                    label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self):
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")


__all__ += ["LinearCrossEntropyLoss"]
