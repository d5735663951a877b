"""More of ``torch.nn.functional``: the margin losses ``multi_margin_loss``, ``multilabel_margin_loss``,
``triplet_margin_with_distance_loss``, the 3-D poolings ``adaptive_max_pool3d``, ``lp_pool3d``, ``ctc_loss``,
the fractional max poolings and ``linear_cross_entropy``. Most are composed from differentiable ember ops; CTC,
fractional pooling and chunked linear cross entropy have their own (``ember/_ops/loss.py``,
``ember/_ops/pooling.py``)."""

import math
import warnings

import ember
from ember import _ops
from ember._backend import xp
from ember._dtype import TYPE_WORDS
from ember._ops.loss import CtcLoss, LinearCrossEntropy, MultiMarginLoss
from ember._ops.pooling import FractionalMaxPool
from ember._tensor import Tensor, wrap
from ember.nn._functional_activation_loss import _check_reduction, _legacy_reduction, _no_grad_arg, _reduce
from ember.nn._functional_conv import _adaptive_max, _list_with_default, _lp_pool, _size_str
from ember.nn._functional_core import pairwise_distance

__all__ = ["multi_margin_loss", "multilabel_margin_loss", "triplet_margin_with_distance_loss",
           "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices", "lp_pool3d", "ctc_loss",
           "fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices", "linear_cross_entropy"]


def _check_margin_dtypes(kernel, input, target):
    # (PyTorch's kernel refuses integer inputs; its targets must be int64)
    if input._data.dtype.kind in "iub":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{TYPE_WORDS[input._data.dtype.name]}'")
    if target._data.dtype != xp.int64:
        raise RuntimeError(f"expected scalar type Long but found {TYPE_WORDS[target._data.dtype.name]}")


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
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list (casts before the dtype checks)
        input, weight = _ops.autocast_fp32_args(input, weight)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_margin_dtypes("multi_margin_loss_cpu_kernel", input, target)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    unbatched = input.ndim <= 1
    x = input.reshape(1, -1) if unbatched else input
    if x.ndim != 2 or x.shape[1] == 0:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{_size_str(input.shape)}")
    n, c = x.shape
    t = target.reshape(-1)
    if target.ndim > 1 or t.numel() != n:
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{n}], but got {_size_str(target.shape)}. "
                           f"Input has shape {_size_str(input.shape)}.")
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {_size_str(weight.shape)}")
    tdata = t._data.astype(xp.int64)
    if tdata.size and (tdata.min() < 0 or tdata.max() >= c):
        raise RuntimeError("target out of range")
    _no_grad_arg(weight, "multi_margin_loss")
    # (reduction 'none': one loss per target element, a 0-d target gives a 0-d loss)
    return MultiMarginLoss.apply(input, target=tdata, p=int(p), margin=float(margin), reduction=reduction,
                                 weight=None if weight is None else weight._data, scalar_out=target.ndim == 0)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss: ``sum_{j in y, i not in y} max(0, 1 - (x[j] - x[i])) / C`` per sample.

    ``target`` has the input's shape and holds class indices, ended by the first ``-1``.

    Example::

        >>> F.multilabel_margin_loss(ember.tensor([[0.1, 0.2, 0.4, 0.8]]), ember.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input, = _ops.autocast_fp32_args(input)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_margin_dtypes("multilabel_margin_loss_forward_out_frame", input, target)
    unbatched = input.ndim <= 1
    x = input.reshape(1, -1) if unbatched else input
    if x.ndim != 2 or x.shape[1] == 0:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{_size_str(input.shape)}")
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {_size_str(target.shape)} for input of size: "
                           f"{_size_str(input.shape)}")
    n, c = x.shape
    tdata = target._data.reshape(n, c).astype(xp.int64)
    valid = xp.cumprod(tdata != -1, axis=1).astype(bool)  # entries before the first -1
    if ((tdata < -1) | (tdata >= c))[valid].any():
        raise RuntimeError("argument #2 'target' is out of range")
    count = xp.zeros((n, c), dtype=x._data.dtype)
    rows = xp.broadcast_to(xp.arange(n)[:, None], (n, c))
    xp.add.at(count, (rows[valid], tdata[valid]), 1)  # a class listed twice counts twice (as in PyTorch)
    # pair (j, i): j a target class (times its occurrences), i not one
    pairs = wrap(count[:, :, None] * (count == 0)[:, None, :])
    # relu, not clamp: PyTorch's kernel only back-propagates through terms strictly > 0
    hinge = (1 - x.unsqueeze(2) + x.unsqueeze(1)).relu()
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
    vals, idx = _adaptive_max(3, input, _list_with_default(output_size, input), "AdaptiveMaxPool3DBackward0")
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


# ------------------------------------------------------------------------------------------------------- CTC
_CTC_FROM = " (while checking arguments for ctc_loss_allocate_outputs)"


def _ctc_lengths(input_lengths, target_lengths, fn_name):
    """Both lengths as int64 arrays: both tensors (integral, any shape) or both sequences of ints."""
    tensors = isinstance(input_lengths, Tensor), isinstance(target_lengths, Tensor)

    def ints(v):
        return isinstance(v, (tuple, list)) and all(isinstance(i, int) or (isinstance(i, Tensor) and i.numel() == 1
                                                    and i._data.dtype.kind in "iu") for i in v)
    if not (all(tensors) or (not any(tensors) and ints(input_lengths) and ints(target_lengths))):
        got = ", ".join(["Tensor", "Tensor", type(input_lengths).__name__, type(target_lengths).__name__, "int",
                         "int", "bool"])
        raise TypeError(f"{fn_name}() received an invalid combination of arguments - got ({got}), but expected one "
                        "of:\n * (Tensor log_probs, Tensor targets, tuple of ints input_lengths, tuple of ints "
                        "target_lengths, int blank = 0, int reduction = at::Reduction::Mean, bool zero_infinity = "
                        "False)\n * (Tensor log_probs, Tensor targets, Tensor input_lengths, Tensor target_lengths, "
                        "int blank = 0, int reduction = at::Reduction::Mean, bool zero_infinity = False)")
    out = []
    for name, v in (("input_lengths", input_lengths), ("target_lengths", target_lengths)):
        if isinstance(v, Tensor):
            if v._data.dtype.kind not in "iu":
                raise RuntimeError(f"{name} must be integral")
            out.append(v._data.reshape(-1).astype(xp.int64))
        else:
            out.append(xp.asarray([int(i) for i in v], dtype=xp.int64).reshape(-1))
    return out


def _ctc_targets(targets, tl, n, n_classes, blank):
    """Targets as an (N, S) int64 array holding each row's labels, then the blank (PyTorch's checks)."""
    tg = targets._data.astype(xp.int64, copy=False)  # PyTorch converts any targets to int64 (floats truncate)
    if tg.ndim == 1:  # concatenated
        total = int(tl.sum())
        if tg.shape[0] != total:
            raise RuntimeError(f"Expected tensor to have size {total} at dimension 0, but got size {tg.shape[0]} "
                               f"for argument #2 'targets'{_CTC_FROM}")
        s = int(tl.max()) if n else 0
        starts = xp.cumsum(tl) - tl
        pos = xp.arange(s)
        valid = pos[None, :] < tl[:, None]
        padded = xp.full((n, s), blank, dtype=xp.int64)
        padded[valid] = tg[(starts[:, None] + pos[None, :])[valid]]
    else:
        if tg.shape[0] != n:
            raise RuntimeError(f"Expected tensor to have size {n} at dimension 0, but got size {tg.shape[0]} for "
                               f"argument #2 'targets'{_CTC_FROM}")
        s = int(tl.max()) if n else 0
        if tg.shape[1] < s:
            raise RuntimeError(f"Expected tensor to have size at least {s} at dimension 1, but got size "
                               f"{tg.shape[1]} for argument #2 'targets'{_CTC_FROM}")
        valid = xp.arange(s)[None, :] < tl[:, None]
        padded = xp.where(valid, tg[:, :s], blank)  # whatever pads the rows is not read
    bad = valid & ((padded < 0) | (padded >= n_classes))
    if bad.any():
        # PyTorch reads out of bounds here (undefined results); ember refuses, as nll_loss does.
        raise IndexError(f"Target {int(padded[bad][0])} is out of bounds.")
    return padded


def _ctc(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity, fn_name):
    il, tl = _ctc_lengths(input_lengths, target_lengths, fn_name)
    dt = log_probs._data.dtype
    if dt.kind not in "fV" or dt.itemsize == 2:  # (no float16/bfloat16 kernel)
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{TYPE_WORDS.get(dt.name, dt.name)}'")
    if log_probs.numel() == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    batched = log_probs.ndim == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    if lp.ndim != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {lp.ndim}-dimensional tensor for argument #1 "
                           f"'log_probs'{_CTC_FROM}")
    if not 1 <= targets.ndim <= 2:
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional tensor for argument #2 "
                           f"'targets'{_CTC_FROM}")
    T, N, C = lp.shape
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    if il.shape[0] != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tl.shape[0] != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    if (tl < 0).any():
        raise RuntimeError(f"Expected target_lengths to have value at least 0, but got value {int(tl[tl < 0][0])}"
                           f"{_CTC_FROM}")
    tg = _ctc_targets(targets, tl, N, C, blank)
    bad = (il < 0) | (il > T)
    if bad.any():
        v = int(il[bad][0])
        which = "at least 0" if v < 0 else f"at most {T}"
        raise RuntimeError(f"Expected input_lengths to have value {which}, but got value {v}{_CTC_FROM}")
    res = CtcLoss.apply(lp, targets=tg, input_lengths=il, target_lengths=tl, blank=int(blank),
                        zero_infinity=bool(zero_infinity))
    if zero_infinity:
        res = ember.where(res == float("inf"), ember.zeros((), dtype=res.dtype), res)
    if reduction == "mean":
        return (res / wrap(xp.maximum(tl, 1).astype(dt))).mean()
    if reduction == "sum":
        return res.sum()
    return res if batched else res.squeeze(0)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """Connectionist Temporal Classification loss: ``-log p(target | log_probs)`` summed over all alignments.

    Args:
        log_probs: ``(T, N, C)`` or unbatched ``(T, C)`` log-probabilities (e.g. from ``log_softmax(x, 2)``);
            T time steps, C classes including the blank.
        targets: ``(N, S)`` label rows padded to the longest, or the ``sum(target_lengths)`` labels of all
            rows concatenated. Labels are in ``[0, C)`` and should not be the blank.
        input_lengths: ``(N,)`` tensor or tuple of ints, each at most T.
        target_lengths: ``(N,)`` tensor or tuple of ints (the same kind as ``input_lengths``).
        blank: the blank label. Default ``0``.
        reduction: ``'none'`` (``(N,)``) | ``'mean'`` (each loss divided by its target length, then the batch
            mean) | ``'sum'``.
        zero_infinity: replace infinite losses (impossible alignments) and their gradients by zero.

    As in PyTorch, the gradient is that of the logits behind ``log_probs = log_softmax(logits)``: feed
    ``log_softmax`` outputs.

    Example::

        >>> log_probs = ember.randn(50, 16, 20).log_softmax(2).detach().requires_grad_()
        >>> targets = ember.randint(1, 20, (16, 30))
        >>> input_lengths = ember.full((16,), 50, dtype=ember.long)
        >>> target_lengths = ember.randint(10, 30, (16,))
        >>> F.ctc_loss(log_probs, targets, input_lengths, target_lengths).backward()
    """
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list (casts before the dtype checks)
        log_probs, = _ops.autocast_fp32_args(log_probs,)
    _check_reduction(reduction)
    return _ctc(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity, "ctc_loss")


# ---------------------------------------------------------------------------------------- fractional max pooling
def _int_tuple(v, n, fn, arg, pos):
    """``v`` as an n-tuple of ints with PyTorch's argument-parser errors (a bare int repeats)."""
    if isinstance(v, bool) or not isinstance(v, (int, tuple, list)):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be tuple of ints, not {type(v).__name__}")
    if isinstance(v, int):
        return (v,) * n
    for i, e in enumerate(v):
        if not isinstance(e, int) or isinstance(e, bool):
            raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be tuple of ints, but found element of "
                            f"type {type(e).__name__} at pos {i}")
    return tuple(v)


def _fractional_max_pool(nd, input, kernel_size, output_size, output_ratio, _random_samples):
    fn = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{fn} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if nd == 2:
            # PyTorch takes len() of the ratio before pairing it: a bare number raises TypeError here
            if len(output_ratio) > 2:
                raise ValueError(f"{fn} requires output_ratio to either be a single Int or tuple of Ints.")
            ratio = tuple(output_ratio)
        else:
            ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * 3
        output_size = [int(input.size(i - nd) * ratio[i]) for i in range(nd)]
    dt = input._data.dtype
    if _random_samples is None:
        if dt.kind not in "fV":  # PyTorch's torch.rand of the input's dtype fails first
            word = TYPE_WORDS.get(dt.name, dt.name)
            raise NotImplementedError(f"\"check_uniform_bounds\" not implemented for '{word}'")
        n_batch = 1 if input.dim() == nd + 1 else input.size(0)
        _random_samples = ember.rand(n_batch, input.size(-nd - 1), nd, dtype=input.dtype)
    k = _int_tuple(kernel_size, nd, fn, "kernel_size", 2)
    out = _int_tuple(output_size, nd, fn, "output_size", 3)
    count = "Ints" if nd == 2 else "three Ints"
    if len(k) != nd:
        raise RuntimeError(f"{fn}: kernel_size must either be a single Int or tuple of {count}")
    if len(out) != nd:
        raise RuntimeError(f"{fn}: output_size must either be a single Int or tuple of {count}")
    where = f"{fn}()" if nd == 2 else f"{fn}_out()"
    shape = tuple(input.shape)
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{where}: Expected {nd + 1}D or {nd + 2}D tensor, but got: {_size_str(shape)}")
    for i in range(1, input.dim()):
        if shape[i] == 0:
            raise RuntimeError(f"{where}: Expected input to have non-zero size for non-batch dimensions, but got"
                               f"{_size_str(shape)} with dimension {i} being empty.")
    names = ("time", "height", "width")[-nd:]
    for name, o, kk, n in zip(names, out, k, shape[-nd:]):
        if o + kk - 1 > n or (nd == 3 and o + kk - 1 == n):  # PyTorch's 3-D check is strict, its 2-D one not
            raise RuntimeError(f"{where}: pool {name} {kk} too large relative to input {name} {n}")
    s = _random_samples
    if s._data.dtype != dt:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if s.dim() != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {s.dim()}")
    n_batch = 1 if input.dim() == nd + 1 else shape[0]
    if s.size(0) < n_batch:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if s.size(1) != shape[-nd - 1]:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if s.size(2) != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got {s.size(2)}.")
    if s.requires_grad:
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument 'random_samples'. "
                           "This input cannot have requires_grad True.")
    if any(o < 0 for o in out):
        o = next(o for o in out if o < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {o}: "
                           f"{_size_str(shape[:-nd] + out)}")
    return FractionalMaxPool.apply(input, kernel_size=k, output_size=out, samples=s._data,
                                   grad_name=f"FractionalMaxPool{nd}DBackward0")


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """2-D fractional max pooling (Graham, 2014): max over ``kernel_size`` windows at pseudo-random steps.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: window size, an int or a pair.
        output_size: ``(H_out, W_out)`` or one int for both.
        output_ratio: instead of ``output_size``, a pair of fractions of the input size (in ``(0, 1)``).
        return_indices: also return the argmax positions (flat over ``H * W``), for :func:`max_unpool2d`.
        _random_samples: ``(N, C, 2)`` numbers in ``[0, 1)`` fixing the windows (the width's first); drawn from
            ember's generator when omitted. The same samples give PyTorch's windows exactly.

    Example::

        >>> F.fractional_max_pool2d(ember.randn(1, 3, 9, 9), 2, output_size=4).shape
        ember.Size([1, 3, 4, 4])
    """
    vals, idx = _fractional_max_pool(2, input, kernel_size, output_size, output_ratio, _random_samples)
    return (vals, idx) if return_indices else vals


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """:func:`fractional_max_pool2d` returning ``(values, indices)``."""
    return _fractional_max_pool(2, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """3-D fractional max pooling over ``(N, C, T, H, W)`` or ``(C, T, H, W)``; arguments as
    :func:`fractional_max_pool2d`, with triples and ``_random_samples`` of shape ``(N, C, 3)`` (in (T, H, W)
    order here).

    Example::

        >>> F.fractional_max_pool3d(ember.randn(1, 2, 6, 7, 8), 2, output_ratio=0.5).shape
        ember.Size([1, 2, 3, 3, 4])
    """
    vals, idx = _fractional_max_pool(3, input, kernel_size, output_size, output_ratio, _random_samples)
    return (vals, idx) if return_indices else vals


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """:func:`fractional_max_pool3d` returning ``(values, indices)``."""
    return _fractional_max_pool(3, input, kernel_size, output_size, output_ratio, _random_samples)


# ------------------------------------------------------------------------------------------ linear + cross entropy
def _chunked_linear_cross_entropy(input, linear_weight, target, linear_bias, weight, reduction, ignore_index,
                                  options):
    from ember import _dtype
    from ember.nn._functional_activation_loss import _check_class_target

    unbatched = input.dim() == 1
    if unbatched:
        input = input.unsqueeze(0)
        target = target.reshape(1) if target.dim() == 0 else target
    N, C = input.shape[0], linear_weight.shape[0]
    # cross_entropy's checks on the (N, C) logits, which only read their shape
    _check_class_target(wrap(xp.broadcast_to(xp.empty(1, dtype=input._data.dtype), (N, C))), target)
    dt = input._data.dtype
    if dt != linear_weight._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {TYPE_WORDS[dt.name].lower()} != "
                           f"{TYPE_WORDS[linear_weight._data.dtype.name].lower()}")
    if weight is not None and (weight.ndim != 1 or weight.numel() != C):
        raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no classes but got weight "
                           f"tensor of shape: {_size_str(weight.shape)}")
    half = dt == xp.float16
    acc = xp.dtype(xp.float32) if half else dt
    if options.acc_dtype is not None:
        acc = xp.dtype(_dtype.to_np(options.acc_dtype))
        if acc != dt and not (half and acc == xp.float32):
            raise RuntimeError(f"linear_cross_entropy supports float32 acc_dtype with float16/bfloat16 inputs, but got "
                               f"{options.acc_dtype} acc_dtype and {_dtype.from_np(dt)} inputs.")
    chunk = options._chunk_size(N, input.shape[1], C, half)
    args = (input, linear_weight) if linear_bias is None else (input, linear_weight, linear_bias)
    name = "GeneratedBackwardFor_torch_nn__linear_cross_entropy_batch_chunked_{}defaultBackward".format(
        "no_reduction_" if reduction == "none" else "")
    out = LinearCrossEntropy.apply(
        *args, target=target._data, weight=None if weight is None else weight._data.astype(acc, copy=False),
        ignore_index=int(ignore_index), reduction=reduction, chunk=chunk, acc=acc,
        retain=bool(options.allow_retain_graph), grad_name=name)
    return out.squeeze(0) if unbatched and reduction == "none" else out


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """Cross entropy of the logits ``linear(input, linear_weight, linear_bias)`` against ``target``: the same
    as ``cross_entropy(linear(...), target, ...)``, with the ``(C, d1, ..., dK, in_features)`` weight of a
    K-dimensional loss reshaped for the projection and the logits reshaped back to ``(N, C, d1, ..., dK)``.

    With ``options`` (a :class:`~ember.nn.LinearCrossEntropyOptions`) the batch is processed in chunks, so the
    full logits never exist at once; chunking needs class-index int64 targets, no label smoothing and no
    K-dimensional weight, and otherwise falls back to the plain path with a warning.

    Args:
        input: ``(N, in_features)`` or ``(in_features,)``.
        linear_weight: ``(C, in_features)`` or ``(C, d1, ..., dK, in_features)`` (which needs a batched input).
        target: class indices ``(N,)``/``()``/``(N, d1, ..., dK)``, or probabilities shaped like the logits.
        linear_bias: ``(C,)`` or ``(C, d1, ..., dK)``, or None.
        weight: ``(C,)`` class weights. reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        ignore_index: class index to skip (default -100 for class indices; not allowed with probabilities).
        label_smoothing: in ``[0, 1]``. options: chunking options, or None.

    Example::

        >>> x, w = ember.randn(8, 16, requires_grad=True), ember.randn(100, 16, requires_grad=True)
        >>> loss = F.linear_cross_entropy(x, w, ember.randint(0, 100, (8,)))
        >>> loss.backward()
    """
    from ember.nn._functional_activation_loss import cross_entropy
    from ember.nn._functional_core import linear

    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.dim()}")
    num_batches = tuple(input.shape[:-1])
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions (in_features), got "
                           f"{input.shape[-1]} and {linear_weight.shape[-1]}, respectively")
    num_classes = linear_weight.shape[0]
    out_features = tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not num_batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires "
                           f"batched input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}")
    logits_shape = (*num_batches, num_classes, *out_features)
    probabilities = tuple(target.shape) == logits_shape
    if probabilities and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    ignore_index = -100 if ignore_index is None else ignore_index
    if options is not None:
        int64 = target._data.dtype == xp.int64
        if (out_features or reduction not in ("mean", "sum", "none") or label_smoothing != 0.0 or not int64):
            bias_shape = None if linear_bias is None else tuple(linear_bias.shape)
            warnings.warn("linear_cross_entropy: ``options`` ignored; chunked path needs reduction in "
                          "{'mean','sum','none'}, label_smoothing == 0, target.dtype == int64, out_features == (). "
                          f"Got reduction={reduction!r}, label_smoothing={label_smoothing}, target.dtype={target.dtype}"
                          f", out_features={out_features}, tracing=False, linear_bias.shape={bias_shape}.",
                          stacklevel=2)
        else:
            return _chunked_linear_cross_entropy(input, linear_weight, target, linear_bias, weight, reduction,
                                                 ignore_index, options)
    if out_features:
        rows = num_classes * math.prod(out_features)
        linear_weight = linear_weight.reshape(rows, in_features)
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(rows)
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)
