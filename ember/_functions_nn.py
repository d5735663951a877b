"""The neural-network functions PyTorch also exposes at top level (``torch.conv2d``, ``torch.batch_norm``,
``torch.dropout``, ...), with PyTorch's top-level signatures, which sometimes differ from ``nn.functional``'s
(e.g. ``torch.dropout(input, p, train)``, integer ``reduction`` codes in the losses).

``ember/__init__.py`` resolves these names lazily, so ``import ember`` does not load ``ember.nn``.
"""

import numbers

import ember
from ember import _functions_args as _args
from ember.nn import functional as F
from ember.nn._functional_activation_loss import _rrelu

# The names are listed once, in ember/__init__.py's lazy table (so that `import ember` needs no ember.nn).
__all__ = sorted(name for name, module in ember._LAZY_ATTRS.items() if module == __name__)

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(fn_name, reduction, position):
    """PyTorch's top-level losses take ``reduction`` as an int: 0 none, 1 mean, 2 sum. Left out, it is 0 in
    PyTorch 2.13 (``torch.kl_div(a, b)`` is elementwise, unlike ``F.kl_div``), so the defaults here are 0."""
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(f"{fn_name}(): argument 'reduction' (position {position}) must be int, not "
                        f"{type(reduction).__name__}")
    if not 0 <= reduction <= 2:
        raise ValueError(f"{fn_name}(): {reduction} is not a valid value for reduction (0: none, 1: mean, 2: sum)")
    return _REDUCTIONS[reduction]


def _stride(stride):
    # ``stride=()`` (the default) means "the kernel size", as ``stride=None`` does in nn.functional.
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        return None
    return stride


def _out(result, out):
    if out is None:
        return result
    out.copy_(result)
    return out


# --------------------------------------------------------------------------------------------- convolution
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution; see :func:`ember.nn.functional.conv1d`."""
    return F.conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution; see :func:`ember.nn.functional.conv2d`.

    Example::

        >>> ember.conv2d(ember.randn(1, 3, 8, 8), ember.randn(4, 3, 3, 3), padding=1).shape
        ember.Size([1, 4, 8, 8])
    """
    return F.conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution; see :func:`ember.nn.functional.conv3d`."""
    return F.conv3d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution; see :func:`ember.nn.functional.conv_transpose1d`."""
    return F.conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution; see :func:`ember.nn.functional.conv_transpose2d`."""
    return F.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution; see :func:`ember.nn.functional.conv_transpose3d`."""
    return F.conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_tbc(input, weight, bias, pad=0):
    """1-D convolution in time-batch-channel layout.

    Args:
        input: ``(T, B, C_in)``.
        weight: ``(K, C_in, C_out)``.
        bias: ``(C_out,)``.
        pad: zero padding at both ends of the time dimension.

    Returns:
        ``(T + 2 * pad - K + 1, B, C_out)``.

    Example::

        >>> ember.conv_tbc(ember.randn(10, 2, 3), ember.randn(3, 3, 5), ember.zeros(5), 1).shape
        ember.Size([10, 2, 5])
    """
    if input.ndim != 3:
        raise RuntimeError(f"Input must have 3 dims: time, batch, in_channel; got input of shape {list(input.shape)}")
    if weight.ndim != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, out_channels; got weight "
                           f"of shape {list(weight.shape)}")
    if bias.ndim != 1:
        raise RuntimeError(f"Bias must be 1-D; got bias of shape {list(bias.shape)}")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError(f"Input dim 2 (input channels) is not == dim 1 in the weight tensor: input "
                           f"{list(input.shape)}, weight {list(weight.shape)}")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError(f"Bias size must equal dim 2 in the weight tensor (output channels): weight "
                           f"{list(weight.shape)}, bias {list(bias.shape)}")
    out = F.conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, 1, pad)
    return out.permute(2, 0, 1)


# ---------------------------------------------------------------------------------------------------- dropout
def _dropout(name, input, p, train, inplace, feature=False, alpha=False):
    """PyTorch's top-level dropouts: C++ argument checks (RuntimeError for a bad ``p``, unlike
    ``nn.functional``'s ValueError), the input itself when nothing is dropped, zeros for ``p = 1``."""
    if isinstance(p, ember.Tensor) and p.numel() == 1:
        p = p.item()
    if not isinstance(p, numbers.Real):
        raise TypeError(f"{name}(): argument 'p' (position 2) must be float, not {type(p).__name__}")
    if not isinstance(train, bool):
        raise TypeError(f"{name}(): argument 'train' (position 3) must be bool, not {type(train).__name__}")
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    p = float(p)
    if p == 0.0 or not train or input.numel() == 0:
        return input
    if p == 1.0:
        return input.mul_(0) if inplace else input * 0
    if feature and input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if alpha:
        return (F.feature_alpha_dropout if feature else F.alpha_dropout)(input, p, True, inplace)
    if feature:
        from ember.nn._functional_core import _feature_dropout
        return _feature_dropout(input, p, inplace)
    return F.dropout(input, p, True, inplace)


def dropout(input, p, train):
    """Dropout with ``p`` and ``train`` required (``torch.dropout``); see :func:`ember.nn.functional.dropout`.

    Example::

        >>> ember.dropout(ember.ones(2, 3), 0.5, False)  # not training: the input itself
        tensor([[1., 1., 1.],
                [1., 1., 1.]])
    """
    return _dropout("dropout", input, p, train, False)


def dropout_(input, p, train):
    """In-place :func:`dropout`: zeroes elements of ``input`` with probability ``p`` and scales the rest by
    ``1/(1-p)`` when ``train``; returns ``input``."""
    return _dropout("dropout_", input, p, train, True)


def alpha_dropout(input, p, train):
    """Alpha dropout (keeps SELU's self-normalisation); see :func:`ember.nn.functional.alpha_dropout`."""
    return _dropout("alpha_dropout", input, p, train, False, alpha=True)


def alpha_dropout_(input, p, train):
    """In-place :func:`alpha_dropout`; returns ``input``."""
    return _dropout("alpha_dropout_", input, p, train, True, alpha=True)


def feature_dropout(input, p, train):
    """Dropout of whole channels: one draw per ``(batch, channel)`` of an input with at least 2 dims,
    kept channels scaled by ``1/(1-p)`` (``nn.functional.dropout2d``'s rule for any rank).

    Example::

        >>> ember.feature_dropout(ember.ones(2, 3, 4), 0.5, True).shape
        ember.Size([2, 3, 4])
    """
    return _dropout("feature_dropout", input, p, train, False, feature=True)


def feature_dropout_(input, p, train):
    """In-place :func:`feature_dropout`; returns ``input``."""
    return _dropout("feature_dropout_", input, p, train, True, feature=True)


def feature_alpha_dropout(input, p, train):
    """Channel-wise alpha dropout; see :func:`ember.nn.functional.feature_alpha_dropout`."""
    return _dropout("feature_alpha_dropout", input, p, train, False, feature=True, alpha=True)


def feature_alpha_dropout_(input, p, train):
    """In-place :func:`feature_alpha_dropout`; returns ``input``."""
    return _dropout("feature_alpha_dropout_", input, p, train, True, feature=True, alpha=True)


# ------------------------------------------------------------------------------------------------ normalization
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    """Batch normalization with PyTorch's top-level argument order (weight and bias first, all required).

    Example::

        >>> x = ember.randn(4, 3)
        >>> ember.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, True).shape
        ember.Size([4, 3])
    """
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    """Instance normalization with PyTorch's top-level argument order; see :func:`ember.nn.functional.instance_norm`."""
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    """Layer normalization over the last ``len(normalized_shape)`` dims (``cudnn_enable`` is ignored)."""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """Group normalization (``cudnn_enabled`` is ignored); see :func:`ember.nn.functional.group_norm`."""
    return F.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """RMS normalization; see :func:`ember.nn.functional.rms_norm`."""
    return F.rms_norm(input, normalized_shape, weight, eps)


# ---------------------------------------------------------------------------------------------------- embedding
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by ``indices`` (note: weight first; ``padding_idx=-1`` means none).

    Example::

        >>> ember.embedding(ember.randn(10, 3), ember.tensor([[1, 2], [4, 5]])).shape
        ember.Size([2, 2, 3])
    """
    pad = None if padding_idx is None or padding_idx < 0 else padding_idx
    return F.embedding(indices, weight, pad, None, 2.0, scale_grad_by_freq, sparse)


def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """Bags of embeddings reduced by sum (``mode=0``), mean (1) or max (2), PyTorch's low-level form.

    Returns:
        ``(output, offset2bag, bag_size, max_indices)`` as PyTorch fills them on the CPU: ``offset2bag`` is the
        bag of each index (empty for sums), ``bag_size`` the number of indices per bag (zeros for sums) and
        ``max_indices`` the row picked for each output entry in max mode (else ``bag_size`` for means, zeros for
        sums).
    """
    import ember
    from ember._backend import xp

    if mode not in (0, 1, 2):
        raise ValueError(f"embedding_bag(): mode must be 0 (sum), 1 (mean) or 2 (max), got {mode}")
    if padding_idx is not None and padding_idx < 0:
        padding_idx = None
    out = F.embedding_bag(indices, weight, offsets, None, 2, scale_grad_by_freq, ("sum", "mean", "max")[mode],
                          sparse, per_sample_weights, include_last_offset, padding_idx)
    idx = indices._data.reshape(-1).astype(xp.int64)
    n_bags = out.shape[0]
    if indices.ndim == 2:
        starts = xp.arange(n_bags, dtype=xp.int64) * indices.shape[1]
    else:
        starts = offsets._data.astype(xp.int64)[:n_bags]
    ends = xp.append(starts[1:], idx.size)
    keep = xp.ones(idx.size, dtype=bool) if padding_idx is None else idx != padding_idx
    offset2bag = xp.zeros(idx.size, dtype=xp.int64)
    if idx.size:
        marks = xp.zeros(idx.size + 1, dtype=xp.int64)
        xp.add.at(marks, starts[starts < idx.size], 1)
        offset2bag = xp.cumsum(marks[:-1]) - 1
    counts = xp.cumsum(xp.concatenate([[0], keep.astype(xp.int64)]))
    bag_size = counts[ends] - counts[starts]
    if mode == 0:
        return (out, ember.tensor(xp.zeros(0, dtype=xp.int64)), ember.tensor(xp.zeros(n_bags, dtype=xp.int64)),
                ember.tensor(xp.zeros(n_bags, dtype=xp.int64)))
    if mode == 1:
        return out, ember.tensor(offset2bag), ember.tensor(bag_size), ember.tensor(bag_size.copy())
    # max: the first index in each bag whose row reaches the maximum, per embedding column (0 for empty bags)
    rows = weight._data[idx]
    hit = (rows == out._data[offset2bag]) & keep[:, None]
    pos = xp.where(hit, xp.arange(idx.size)[:, None], idx.size)
    first = xp.full((n_bags, weight.shape[1]), idx.size, dtype=xp.int64)
    xp.minimum.at(first, offset2bag, pos)
    max_idx = xp.where(first < idx.size, xp.append(idx, 0)[xp.minimum(first, idx.size)], 0)
    return out, ember.tensor(offset2bag), ember.tensor(bag_size), ember.tensor(max_idx.astype(xp.int64))


def pixel_shuffle(input, upscale_factor):
    """``(*, C*r^2, H, W) -> (*, C, H*r, W*r)``; see :func:`ember.nn.functional.pixel_shuffle`."""
    return F.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    """``(*, C, H*r, W*r) -> (*, C*r^2, H, W)``; see :func:`ember.nn.functional.pixel_unshuffle`."""
    return F.pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input, groups):
    """Interleave the channels of ``groups`` groups; see :func:`ember.nn.functional.channel_shuffle`."""
    return F.channel_shuffle(input, groups)


def native_channel_shuffle(input, groups):
    """Same as :func:`channel_shuffle` (errors name ``native_channel_shuffle``)."""
    return F.native_channel_shuffle(input, groups)


def constant_pad_nd(input, pad, value=0):
    """Pad with a constant: ``pad`` lists (before, after) sizes from the last dimension backwards.

    Example::

        >>> ember.constant_pad_nd(ember.ones(2, 2), [1, 1], 0.5).shape
        ember.Size([2, 4])
    """
    return F.pad(input, list(pad), "constant", value)


# -------------------------------------------------------------------------------------------------- activations
def prelu(input, weight):
    """``max(0, x) + weight * min(0, x)``; see :func:`ember.nn.functional.prelu`."""
    return F.prelu(input, weight)


def selu(input):
    """SELU activation; see :func:`ember.nn.functional.selu`."""
    return F.selu(input)


def selu_(input):
    """In-place :func:`selu`."""
    return F.selu_(input)


def celu(input, alpha=1.0):
    """CELU activation; see :func:`ember.nn.functional.celu`."""
    return F.celu(input, alpha)


def celu_(input, alpha=1.0):
    """In-place :func:`celu`."""
    return F.celu_(input, alpha)


def relu_(input):
    """In-place ReLU."""
    return F.relu_(input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """Randomized leaky ReLU (slopes drawn from ``generator``, default the global one); see
    :func:`ember.nn.functional.rrelu`."""
    return _rrelu(input, lower, upper, training, False, generator)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """In-place :func:`rrelu`."""
    return _rrelu(input, lower, upper, training, True, generator)


def threshold(input, threshold, value, *, out=None):
    """``value`` where ``input <= threshold``, else ``input``.

    Example::

        >>> ember.threshold(ember.tensor([0.0, 0.5, 2.0]), 1.0, -1.0)
        tensor([-1., -1.,  2.])
    """
    return _out(F.threshold(input, threshold, value), out)


def threshold_(input, threshold, value):
    """In-place :func:`threshold`."""
    return F.threshold_(input, threshold, value)


def hardshrink(input, lambd=0.5, *, out=None):
    """Zero where ``|x| <= lambd``, else ``x``; see :func:`ember.nn.functional.hardshrink`."""
    return _out(F.hardshrink(input, lambd), out)


def bilinear(input1, input2, weight, bias=None):
    """``x1^T A x2 + b``; see :func:`ember.nn.functional.bilinear`."""
    return F.bilinear(input1, input2, weight, bias)


# -------------------------------------------------------------------------------------------------------- losses
def kl_div(input, target, reduction=0, *, log_target=False):
    """KL divergence with an integer ``reduction`` (0 none, 1 mean over all elements, 2 sum)."""
    return F.kl_div(input, target, reduction=_reduction("kl_div", reduction, 3), log_target=log_target)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """``max(0, -target * (input1 - input2) + margin)``; ``reduction``: 0 none, 1 mean, 2 sum."""
    return F.margin_ranking_loss(input1, input2, target, margin,
                                 reduction=_reduction("margin_ranking_loss", reduction, 5))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, reduction=0):
    """Triplet margin loss; ``reduction``: 0 none, 1 mean, 2 sum."""
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                 reduction=_reduction("triplet_margin_loss", reduction, 8))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    """Hinge embedding loss; ``reduction``: 0 none, 1 mean, 2 sum."""
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction("hinge_embedding_loss", reduction, 4))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    """Cosine embedding loss; ``reduction``: 0 none, 1 mean, 2 sum."""
    return F.cosine_embedding_loss(input1, input2, target, margin,
                                   reduction=_reduction("cosine_embedding_loss", reduction, 5))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """Poisson negative log-likelihood (every argument required); ``reduction``: 0 none, 1 mean, 2 sum."""
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                              reduction=_reduction("poisson_nll_loss", reduction, 6))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False):
    """CTC loss; ``reduction``: 0 none, 1 mean (over target-length-normalised losses), 2 sum. The lengths are both
    tensors or both tuples of ints; see :func:`ember.nn.functional.ctc_loss`."""
    from ember.nn._functional_extra import _ctc
    return _ctc(log_probs, targets, input_lengths, target_lengths, blank, _reduction("ctc_loss", reduction, 6),
                zero_infinity, "ctc_loss")


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    """BCE on logits; ``reduction``: 0 none, 1 mean, 2 sum."""
    return F.binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction("binary_cross_entropy_with_logits", reduction, 5),
        pos_weight=pos_weight)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dimension; see :func:`ember.nn.functional.pairwise_distance`."""
    return F.pairwise_distance(x1, x2, p, eps, keepdim)


def pdist(input, p=2):
    """The ``N*(N-1)/2`` pairwise ``p``-norm distances between the rows of an ``(N, M)`` input.

    Example::

        >>> ember.pdist(ember.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]))
        tensor([ 5., 10.,  5.])
    """
    return F.pdist(input, p)


# ------------------------------------------------------------------------------------------------------- pooling
def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """1-D max pooling (``stride=()`` means ``kernel_size``)."""
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """1-D max pooling returning ``(values, indices)``."""
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, True)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """2-D max pooling (``stride=()`` means ``kernel_size``)."""
    return F.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """3-D max pooling (``stride=()`` means ``kernel_size``)."""
    return F.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling (``stride=()`` means ``kernel_size``)."""
    return F.avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode, count_include_pad)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed output length."""
    return F.adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size):
    """Max pooling to a fixed output length; returns ``(values, indices)`` as ``torch.adaptive_max_pool1d``."""
    return F.adaptive_max_pool1d(input, output_size, True)


# ------------------------------------------------------------------------------------------ recurrent cells
def _cell(gates, input, hx, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's checks of a cell call (in its order); returns the bias arguments for the layer op."""
    from ember._dtype import TYPE_WORDS

    hidden = w_hh.size(1)
    for label, w in (("ih", w_ih), ("hh", w_hh)):
        if w.size(0) != gates * hidden:
            raise RuntimeError(f"weight_{label} first dim must be {gates} * hidden_size = {gates * hidden}, but got "
                               f"{w.size(0)}")
    if input.size(1) != w_ih.size(1):
        raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {w_ih.size(1)}")
    for k, h in enumerate(hx):
        if input.size(0) != h.size(0):
            raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{k} batch size {h.size(0)}")
        if h.size(1) != hidden:
            raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {h.size(1)}, expected {hidden}")
    def word(t):
        return TYPE_WORDS.get(t._data.dtype.name, t._data.dtype.name)

    for a, w in ((input, w_ih), (hx[0], w_hh)):
        if a.dtype != w.dtype:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {word(a).lower()} != "
                               f"{word(w).lower()}")
    for b in (b_ih, b_hh):
        if b is not None and b.dtype != w_ih.dtype:
            raise RuntimeError(f"self and mat2 must have the same dtype, but got {word(b)} and {word(w_ih)}")
    if b_ih is None and b_hh is None:
        return (), False
    # one bias alone: the other adds nothing (and needs no gradient)
    zero = ember.zeros(gates * hidden, dtype=w_ih.dtype)
    return (zero if b_ih is None else b_ih, zero if b_hh is None else b_hh), True


def _check_hx_tensor(name, hx):
    if not isinstance(hx, ember.Tensor):
        raise TypeError(f"{name}(): argument 'hx' (position 2) must be Tensor, not {type(hx).__name__}")


def _rnn_cell(name, nonlinearity, input, hx, w_ih, w_hh, b_ih, b_hh):
    from ember._ops.rnn import RNNLayer

    _check_hx_tensor(name, hx)
    bias, has_bias = _cell(1, input, (hx,), w_ih, w_hh, b_ih, b_hh)
    return RNNLayer.apply(input.unsqueeze(0), hx, w_ih, w_hh, *bias, has_bias=has_bias, nonlinearity=nonlinearity,
                          grad_name="TanhBackward0" if nonlinearity == "tanh" else "ReluBackward0")[1]


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step: ``tanh(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)`` (``nn.RNNCell``'s computation).

    Args:
        input: ``(B, input_size)``. hx: ``(B, hidden_size)``.
        w_ih: ``(hidden_size, input_size)``. w_hh: ``(hidden_size, hidden_size)``. b_ih, b_hh: ``(hidden_size,)``
            or None.

    Example::

        >>> h = ember.rnn_tanh_cell(ember.randn(3, 4), ember.zeros(3, 5), ember.randn(5, 4), ember.randn(5, 5))
    """
    return _rnn_cell("rnn_tanh_cell", "tanh", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step with ReLU: ``relu(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)``; arguments as
    :func:`rnn_tanh_cell`."""
    return _rnn_cell("rnn_relu_cell", "relu", input, hx, w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step (gates r, z, n stacked in that order in the weights; ``nn.GRUCell``'s computation).

    Args:
        input: ``(B, input_size)``. hx: ``(B, hidden_size)``.
        w_ih: ``(3 * hidden_size, input_size)``. w_hh: ``(3 * hidden_size, hidden_size)``.
        b_ih, b_hh: ``(3 * hidden_size,)`` or None.

    Example::

        >>> h = ember.gru_cell(ember.randn(3, 4), ember.zeros(3, 5), ember.randn(15, 4), ember.randn(15, 5))
    """
    from ember._ops.rnn import GRULayer

    _check_hx_tensor("gru_cell", hx)
    bias, has_bias = _cell(3, input, (hx,), w_ih, w_hh, b_ih, b_hh)
    return GRULayer.apply(input.unsqueeze(0), hx, w_ih, w_hh, *bias, has_bias=has_bias, grad_name="AddBackward0")[1]


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step (gates i, f, g, o stacked in that order in the weights; ``nn.LSTMCell``'s computation).

    Args:
        input: ``(B, input_size)``. hx: the pair ``(h, c)``, each ``(B, hidden_size)``.
        w_ih: ``(4 * hidden_size, input_size)``. w_hh: ``(4 * hidden_size, hidden_size)``.
        b_ih, b_hh: ``(4 * hidden_size,)`` or None.

    Returns ``(h', c')``.

    Example::

        >>> h0 = c0 = ember.zeros(3, 5)
        >>> h, c = ember.lstm_cell(ember.randn(3, 4), (h0, c0), ember.randn(20, 4), ember.randn(20, 5))
    """
    from ember._ops.rnn import LSTMLayer

    _args.need_tensors("lstm_cell", hx, "hx", 2, 1)
    if len(hx) != 2:
        raise RuntimeError("lstm_cell expects two hidden states")
    h, c = hx
    bias, has_bias = _cell(4, input, (h, c), w_ih, w_hh, b_ih, b_hh)
    # (h' is PyTorch's MulBackward0; ember's one node also carries c', an AddBackward0 in PyTorch)
    _, h1, c1 = LSTMLayer.apply(input.unsqueeze(0), h, c, w_ih, w_hh, *bias, has_bias=has_bias,
                                grad_name="MulBackward0")
    return h1, c1
