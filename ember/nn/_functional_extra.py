"""More of ``torch.nn.functional``: the margin losses ``multi_margin_loss``, ``multilabel_margin_loss``,
``triplet_margin_with_distance_loss``, and the 3-D poolings ``adaptive_max_pool3d``, ``lp_pool3d``.
All are composed from differentiable ember ops."""

import ember
from ember._backend import xp
from ember._ops.pooling import AdaptiveMaxPool
from ember._tensor import wrap
from ember.nn._functional_activation_loss import _check_reduction, _legacy_reduction, _reduce
from ember.nn._functional_conv import _adaptive_size, _lp_pool
from ember.nn._functional_core import pairwise_distance

__all__ = ["multi_margin_loss", "multilabel_margin_loss", "triplet_margin_with_distance_loss",
           "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices", "lp_pool3d"]


def _size(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge loss: ``sum_{i != y} max(0, margin - x[y] + x[i])^p / C`` per sample.

    Args:
        input: ``(N, C)`` or ``(C,)`` scores.
        target: ``(N,)`` or ``()`` class indices.
        p: 1 or 2.
        margin: the margin. Default ``1``.
        weight: optional ``(C,)`` per-class weights (applied by the target class).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Example::

        >>> F.multi_margin_loss(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([3]))
        tensor(0.3250)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    unbatched = input.ndim <= 1
    x = input.reshape(1, -1) if unbatched else input
    if x.ndim != 2 or x.shape[1] == 0:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{_size(input.shape)}")
    n, c = x.shape
    t = target.reshape(-1)
    if t.numel() != n:
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{n}], but got {_size(target.shape)}. Input "
                           f"has shape {_size(input.shape)}.")
    tdata = t._data.astype(xp.int64)
    if tdata.size and (tdata.min() < 0 or tdata.max() >= c):
        raise RuntimeError(f"target out of range (the targets must be in [0, {c - 1}])")
    t = wrap(tdata)
    x_y = x.gather(1, t.unsqueeze(1))
    z = (margin - x_y + x).clamp(min=0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[t].unsqueeze(1)
    others = wrap((xp.arange(c)[None, :] != tdata[:, None]).astype(x._data.dtype))
    loss = (z * others).sum(dim=1) / c
    if unbatched and reduction == "none":
        loss = loss.reshape(target.shape)
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss: ``sum_{j in y, i not in y} max(0, 1 - (x[j] - x[i])) / C`` per sample.

    ``target`` has the input's shape and holds class indices, ended by the first ``-1``.

    Example::

        >>> F.multilabel_margin_loss(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    unbatched = input.ndim <= 1
    x = input.reshape(1, -1) if unbatched else input
    if x.ndim != 2 or x.shape[1] == 0:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{_size(input.shape)}")
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {_size(target.shape)} for input of size: "
                           f"{_size(input.shape)}")
    n, c = x.shape
    tdata = target._data.reshape(n, c).astype(xp.int64)
    valid = xp.cumprod(tdata != -1, axis=1).astype(bool)  # entries before the first -1
    if ((tdata < -1) | (tdata >= c))[valid].any():
        raise RuntimeError(f"argument #2 'target' is out of range (classes are in [0, {c - 1}], -1 ends the list)")
    is_target = xp.zeros((n, c), dtype=bool)
    rows = xp.broadcast_to(xp.arange(n)[:, None], (n, c))
    is_target[rows[valid], tdata[valid]] = True
    # pair (j, i): j a target class, i not one
    pairs = wrap((is_target[:, :, None] & ~is_target[:, None, :]).astype(x._data.dtype))
    hinge = (1 - x.unsqueeze(2) + x.unsqueeze(1)).clamp(min=0)
    loss = (hinge * pairs).sum(dim=(1, 2)) / c
    if unbatched and reduction == "none":
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """Triplet loss ``max(d(a, p) - d(a, n) + margin, 0)`` with any distance ``d`` (default: pairwise L2).

    Args:
        anchor, positive, negative: tensors of the same number of dimensions.
        distance_function: callable ``(x1, x2) -> distances``. Default :func:`pairwise_distance`.
        margin: a positive margin. Default ``1``.
        swap: use ``min(d(a, n), d(p, n))`` as the negative distance.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Example::

        >>> a, p, n = ember.randn(4, 3), ember.randn(4, 3), ember.randn(4, 3)
        >>> F.triplet_margin_with_distance_loss(a, p, n, distance_function=lambda x, y: (x - y).abs().sum(-1))
    """
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
            f"got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative {negative.ndim}D inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = ember.minimum(d_neg, dist(positive, negative))
    loss = (margin + d_pos - d_neg).clamp(min=0)
    return _reduce(loss, reduction)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) to a fixed ``(D_out, H_out, W_out)``.

    ``return_indices`` also returns the argmax positions, flat over ``D * H * W``.

    Example::

        >>> F.adaptive_max_pool3d(ember.randn(1, 2, 5, 6, 7), (2, 3, 2)).shape
        ember.Size([1, 2, 2, 3, 2])
    """
    out = _adaptive_size(3, input, output_size, "adaptive_max_pool3d")
    vals, idx = AdaptiveMaxPool.apply(input, output_size=out, grad_name="AdaptiveMaxPool3DBackward0")
    return (vals, idx) if return_indices else vals


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """:func:`adaptive_max_pool3d` returning ``(values, indices)``."""
    return adaptive_max_pool3d(input, output_size, True)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over ``(N, C, D, H, W)``: ``(sum over window of x^p)^(1/p)``.

    Example::

        >>> F.lp_pool3d(ember.randn(1, 2, 4, 4, 4), 2, 2).shape
        ember.Size([1, 2, 2, 2, 2])
    """
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)
