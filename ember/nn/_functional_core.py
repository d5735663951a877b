"""Core functional ops: linear, bilinear, dropout family, embedding, one_hot, normalize and distances."""

import math
import warnings

import ember
from ember import _dtype
from ember import _functions_args as _args
from ember import _ops
from ember import _random_kernels as _rk
from ember._backend import xp
from ember._functions import _check_broadcast, _operands, check_cosine_dtypes
from ember._functions import matmul as _matmul
from ember._ops import elementwise as _E
from ember._ops import reduction as _R
from ember._ops.embedding import Embedding as _Embedding
from ember._ops.embedding import EmbeddingBag as _EmbeddingBag
from ember._ops.linalg import Addmm as _Addmm
from ember._ops.linalg import Pdist as _Pdist
from ember._tensor import Tensor, wrap
from ember.autograd.grad_mode import no_grad
from ember.autograd.grad_mode import state as _grad_state

_dot = xp.dot

__all__ = [
    "linear", "bilinear", "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
    "feature_alpha_dropout", "embedding", "embedding_bag", "one_hot", "normalize", "pairwise_distance",
    "cosine_similarity", "pdist",
]


def _type_name(t):
    return t.type().replace("ember.", "torch.")


# --------------------------------------------------------------------------------------------- linear
# PyTorch's scalar-type names in dtype-mismatch errors: (ScalarType name, C++ type name).
_SCALAR = {name: (word, _dtype.C10_NAMES[name]) for name, word in _dtype.TYPE_WORDS.items()}


@_args.checks_args
def linear(input, weight, bias=None):
    """``input @ weight.T + bias``.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)`` (or ``(in_features,)``).
        bias: ``(out_features,)`` or None.

    Returns:
        ``(*, out_features)``. A 2-D input with a bias records ``AddmmBackward0``.

    Example::

        >>> F.linear(ember.randn(3, 4), ember.randn(5, 4)).shape
        ember.Size([3, 5])
    """
    try:
        if _ops._hooks:  # half types in use, or CPU autocast: casts (PyTorch's lower-precision list), then ops only
            input, weight, bias = _ops.autocast_args(input, weight, bias)
            fast = False
        else:
            fast = not (_grad_state.enabled and (input._requires_grad or weight._requires_grad
                                                 or (bias is not None and bias._requires_grad)))
        x, w = input._data, weight._data
        b = None if bias is None else bias._data
    except AttributeError:  # a number, list, None, ... for a tensor (caught here: this is nn.Linear's fast path)
        _args.reject("nn.functional", "linear", linear, (input, weight, bias))
    if fast and w.ndim == 2 and x.ndim and x.shape[-1] == w.shape[1] and x.dtype == w.dtype:
        # Nothing to record (inference, frozen layers): one BLAS call on the raw arrays. For 2-D inputs
        # ``dot`` gives matmul's result with less per-call overhead (0.3 us of a 1 us batch-1 layer).
        if x.ndim == 2:
            out = _dot(x, w.T)
        elif x.ndim > 2 and x.flags.c_contiguous:  # one GEMM over all rows (NumPy's N-D matmul loops over them)
            # (rows counted, not -1: a reshape to (-1, 0) fails when in_features is 0)
            out = _dot(x.reshape(math.prod(x.shape[:-1]), x.shape[-1]), w.T).reshape(x.shape[:-1] + (w.shape[0],))
        else:
            out = x @ w.T
        if b is None:
            return wrap(out)
        if b.dtype == w.dtype and b.ndim <= 1:
            out += b
            return wrap(out)
    w_t = weight.t() if weight.ndim == 2 else weight
    in_f = w_t.shape[0]
    if input.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and "
                           f"{weight.ndim}D")
    if input.shape[-1] != in_f:
        rows = math.prod(input.shape[:-1]) if input.ndim > 1 else 1
        cols = w_t.shape[1] if w_t.ndim == 2 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                           f"{in_f}x{cols})")
    dt_in, dt_w = input._data.dtype, weight._data.dtype
    if bias is not None:
        if dt_in != dt_w:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_SCALAR[dt_in.name][0]} and "
                               f"{_SCALAR[dt_w.name][0]}")
        if bias._data.dtype != dt_w:
            raise RuntimeError(f"self and mat2 must have the same dtype, but got {_SCALAR[bias._data.dtype.name][0]} "
                               f"and {_SCALAR[dt_w.name][0]}")
    elif dt_in != dt_w:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_SCALAR[dt_in.name][1]} != "
                           f"{_SCALAR[dt_w.name][1]}")
    if input.ndim == 2 and w_t.ndim == 2 and bias is not None:
        if bias.ndim > 1:  # addmm's bias must expand to the output; expand raises PyTorch's message if not
            bias.expand(input.shape[0], w_t.shape[1])
        return _Addmm.apply(bias, input, w_t)
    if w_t.ndim == 2 and bias is not None and (input.ndim == 1 or input._data.flags.c_contiguous):
        # As PyTorch: a contiguous N-D (or 1-D) input is flattened to rows, multiplied with addmm, and viewed
        # back, so the graph reads ViewBackward0 -> AddmmBackward0.
        rows = input.reshape(math.prod(input.shape[:-1]), in_f)  # (not -1: in_f may be 0)
        out = _Addmm.apply(bias, rows, w_t)
        return out.reshape(*input.shape[:-1], w_t.shape[1])
    out = _matmul(input, w_t)
    if bias is not None:
        out = out + bias
    return out


def bilinear(input1, input2, weight, bias=None):
    """``y_k = x1^T W_k x2 + b_k``.

    Args:
        input1: ``(*, in1)``; input2: ``(*, in2)`` with the same leading dims.
        weight: ``(out, in1, in2)``; bias: ``(out,)`` or None.

    Returns:
        ``(*, out)``.
    """
    if _ops._autocast is not None:  # (PyTorch's autocast leaves bilinear alone; ember builds it on matmul)
        with _ops.AutocastOff():
            return bilinear(input1, input2, weight, bias)
    named = (("input1", input1), ("input2", input2), ("weight", weight)) + ((("bias", bias),) if bias is not None
                                                                            else ())
    if len({t._data.dtype for _, t in named}) > 1:  # (PyTorch checks the dtypes before the sizes)
        raise RuntimeError("All tensors must have the same dtype, got " + ", ".join(
            f"{n}: {_dtype.C10_NAMES[t._data.dtype.name]}" for n, t in named))
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for d in range(input1.ndim - 1):
        if input1.shape[d] != input2.shape[d]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: got "
                               f"{input1.shape[d]} and {input2.shape[d]}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} "
                           f"but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} "
                           f"but expected {weight.shape[2]}")
    if bias is not None and bias.shape[-1] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[-1]} "
                           f"but expected {weight.shape[0]}")
    lead = input1.shape[:-1]
    x1 = input1.reshape(-1, input1.shape[-1])
    x2 = input2.reshape(-1, input2.shape[-1])
    # (x1 W) first, then contract with x2: two matmul-sized steps instead of one 3-operand einsum.
    t = ember.einsum("bi,oij->boj", x1, weight)
    out = ember.einsum("boj,bj->bo", t, x2)
    if bias is not None:
        out = out + bias
    return out.reshape(tuple(lead) + (weight.shape[0],))


# --------------------------------------------------------------------------------------------- dropout
def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _check_noise_dtype(input, alpha=False):
    # the noise is drawn in floating point, which PyTorch cannot write into an integer or bool tensor (alpha
    # dropout first turns a bool input into int64, hence its word)
    dt = input._data.dtype
    if dt.kind not in "fV" and input._data.size:
        if dt.kind == "c":  # (PyTorch's Bernoulli kernel has no complex version)
            raise NotImplementedError(f"\"bernoulli_scalar_cpu_\" not implemented for '{_dtype.TYPE_WORDS[dt.name]}'")
        word = "Long" if alpha and dt.kind == "b" else _dtype.TYPE_WORDS[dt.name]
        raise RuntimeError(f"result type Float can't be cast to the desired output type {word}")


def _keep(shape, p):
    """PyTorch's dropout noise: ``bernoulli_(1 - p)`` from the global generator (booleans: kept)."""
    return _rk.bernoulli_scalar(math.prod(shape), 1.0 - p).reshape(shape)


def _scalar(value, dtype):
    """A Python float as PyTorch's CPU kernels use it with a ``dtype`` tensor (half types via float32)."""
    return dtype.type(xp.float32(value) if dtype.itemsize <= 2 else value)


def _keep_mask(shape, p, dtype):
    """A mask of 0 and 1/(1-p) (kept), drawn from the global generator in ``dtype``."""
    if p == 1.0:
        return xp.zeros(shape, dtype=dtype)
    out = _keep(shape, p).astype(dtype)
    out *= _scalar(1.0 / (1.0 - p), dtype)
    return out


def _meta_mask(data):
    # A meta input: PyTorch draws no noise (no memory, the generator left alone); a 0-d CPU factor goes along
    # with meta operands and keeps the input's shape and layout in the result.
    return xp.zeros((), dtype=data.dtype)


def _apply_mask(input, mask, inplace):
    m = wrap(mask)
    return input.mul_(m) if inplace else input * m


@_args.checks_args
def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` during training, scaling the rest by ``1/(1-p)``.

    Args:
        input: any shape.
        p: drop probability in [0, 1].
        training: apply dropout only when True (otherwise ``input`` is returned).
        inplace: modify ``input`` in place.

    Example::

        >>> F.dropout(ember.ones(4), 0.5).shape
        ember.Size([4])
    """
    if not isinstance(input, Tensor):
        _args.reject("nn.functional", "dropout", dropout, (input, p, training, inplace))
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p != 1.0:
        _check_noise_dtype(input)
    data = input._data
    if _ops._hooks and input.is_meta:
        return _apply_mask(input, _meta_mask(data), inplace)
    if data.flags.c_contiguous or p == 1.0:
        return _apply_mask(input, _keep_mask(data.shape, p, data.dtype), inplace)
    return _apply_mask(input, _keep_mask_in_memory_order(data, p), inplace)


def _keep_mask_in_memory_order(data, p):
    # PyTorch draws the noise into empty_like(input), which keeps the layout of a dense permuted input
    # (a transpose, channels_last): draw in that memory order and view it back in the logical order.
    order = _rk.memory_axes(data)
    if not data.transpose(order).flags.c_contiguous:  # sliced, expanded, flipped: a contiguous draw
        return _keep_mask(data.shape, p, data.dtype)
    mask = _keep_mask(tuple(data.shape[d] for d in order), p, data.dtype)
    return mask.transpose(xp.argsort(order))


def _feature_dropout(input, p, inplace):
    # One draw per (batch, channel): the mask broadcasts over the remaining dims.
    if p != 1.0:
        _check_noise_dtype(input)
    if _ops._hooks and input.is_meta:
        return _apply_mask(input, _meta_mask(input._data), inplace)
    shape = input._data.shape[:2] + (1,) * (input.ndim - 2)
    return _apply_mask(input, _keep_mask(shape, p, input._data.dtype), inplace)


def _channel_dropout(input, p, training, inplace, batched):
    if not training or p == 0.0:
        return input
    if batched:
        return _feature_dropout(input, p, inplace)
    if inplace:
        input.unsqueeze_(0)
        _feature_dropout(input, p, True)
        return input.squeeze_(0)
    return _feature_dropout(input.unsqueeze(0), p, False).squeeze(0)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that dropout1d "
            "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, "
            "and an optional batch dimension (i.e. 2D or 3D inputs)."
        )
    return _channel_dropout(input, p, training, inplace, input.ndim == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``(N, C, H, W)`` input with probability ``p``.

    A 3-D input is treated as ``(N, C, L)`` (with a warning), as PyTorch does.
    """
    _check_p(p)
    nd = input.ndim
    if nd not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use dropout "
            "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
            "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
            "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
            "will change in a future release to interpret the input as one without a batch dimension, i.e. "
            "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
            "dropout1d instead.",
            stacklevel=2,
        )
    if not training or p == 0.0:
        return input
    if nd < 2:
        if _ops._hooks and input.is_meta:
            return _apply_mask(input, _meta_mask(input._data), inplace)
        return _apply_mask(input, _keep_mask(input._data.shape, p, input._data.dtype), inplace)
    return _feature_dropout(input, p, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with probability ``p``."""
    _check_p(p)
    nd = input.ndim
    if nd not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use dropout "
            "instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial "
            "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).",
            stacklevel=2,
        )
    return _channel_dropout(input, p, training, inplace, nd == 5)


_SELU_ALPHA = 1.7580993408473766  # SELU's scale * alpha: the value a dropped unit is set to (negated)


def _alpha(input, p, training, inplace, mask_shape):
    _check_p(p)
    if not training or p == 0.0:
        return input
    dt = input._data.dtype
    if p == 1.0:
        return input.mul_(0) if inplace else input * 0
    _check_noise_dtype(input, alpha=True)
    keep = _meta_mask(input._data) if _ops._hooks and input.is_meta else _keep(mask_shape, p).astype(dt)
    a = 1.0 / math.sqrt((_SELU_ALPHA * _SELU_ALPHA * p + 1.0) * (1.0 - p))
    # Kept units: a*x + alpha*a*p; dropped: alpha*a*(p - 1). Mean and variance are preserved for SELU nets.
    # (PyTorch's operation order, so the values match: (keep - 1) * alpha*a + alpha*a*p)
    shift = (keep - dt.type(1)) * _scalar(_SELU_ALPHA * a, dt) + _scalar(_SELU_ALPHA * a * p, dt)
    keep *= _scalar(a, dt)
    if inplace:
        return input.mul_(wrap(keep)).add_(wrap(shift))
    return input * wrap(keep) + wrap(shift)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU activations' mean and variance (dropped units go to SELU's negative limit)."""
    return _alpha(input, p, training, inplace, input._data.shape)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (one draw per batch element and channel)."""
    shape = input._data.shape[:2] + (1,) * (input.ndim - 2)
    return _alpha(input, p, training, inplace, shape)


# --------------------------------------------------------------------------------------------- embedding
def _check_indices(input, fn):
    if input._data.dtype.kind not in "iu" or input._data.dtype.itemsize < 4:
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {_type_name(input)} instead (while checking arguments for {fn})"
        )


def _row_norm2_f32(rows):
    # Bit-exact float32 L2 norms of (n, d) rows in the order PyTorch's CPU kernel sums them: 8 running lanes over
    # the leading multiple of 8 (lane j gets x[j], x[j+8], ...), the lanes summed left to right, then a
    # 4-element block added in order, then the last < 4 elements as fused multiply-adds.
    n, d = rows.shape
    m = d - d % 8
    if m:
        lanes = xp.cumsum((rows[:, :m] * rows[:, :m]).reshape(n, m // 8, 8), axis=1, dtype=xp.float32)[:, -1]
        acc = xp.cumsum(lanes, axis=1, dtype=xp.float32)[:, -1]
    else:
        acc = xp.zeros(n, dtype=xp.float32)
    if d - m >= 4:
        for k in range(m, m + 4):
            acc = acc + rows[:, k] * rows[:, k]
        m += 4
    for k in range(m, d):  # fma: the exact square added, rounded once (via double)
        x = rows[:, k].astype(xp.float64)
        acc = (acc.astype(xp.float64) + x * x).astype(xp.float32)
    return xp.sqrt(acc)


def _renorm_(weight, idx, max_norm, norm_type):
    # Rescale (in place, outside autograd) the looked-up rows whose norm exceeds max_norm.
    rows = xp.unique(idx)
    w = weight._data
    sel = w[rows]
    if norm_type == math.inf:
        norms = xp.abs(sel).max(axis=1)
    elif norm_type == 2 and sel.dtype == xp.float32:
        norms = _row_norm2_f32(sel)
    elif norm_type == 1:  # PyTorch sums |x| in order, in the weight's dtype
        norms = xp.cumsum(xp.abs(sel), axis=1, dtype=sel.dtype)[:, -1]
    else:
        norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        # PyTorch: the norm in the weight's dtype, the scale in double, then rounded back
        scale = (max_norm / (norms[big].astype(xp.float64) + 1e-7)).astype(w.dtype)
        w[rows[big]] = sel[big] * scale[:, None]
        weight._vc[0] += 1


@_args.checks_args
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Look up rows of ``weight`` at the integer ``input`` indices.

    Args:
        input: integer tensor of any shape ``(*)``.
        weight: ``(num_embeddings, embedding_dim)``.
        padding_idx: a row that receives no gradient.
        max_norm: renormalise looked-up rows to at most this norm (modifies ``weight`` in place).
        scale_grad_by_freq: divide gradients by how often each index occurs in the batch.
        sparse: make ``weight.grad`` a sparse COO tensor (one row per looked-up index).

    Returns:
        ``(*, embedding_dim)``.

    Example::

        >>> F.embedding(ember.tensor([[0, 2]]), ember.randn(3, 4)).shape
        ember.Size([1, 2, 4])
    """
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)):
        _args.reject("nn.functional", "embedding", embedding,
                     (input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse))
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    _check_indices(input, "embedding")
    n = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= n:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -n:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = n + padding_idx
    idx = input._data
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, idx.reshape(-1), max_norm, norm_type)
    return _Embedding.apply(weight, input, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq,
                            sparse=bool(sparse))


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sums, means or maxes of bags of embeddings, without materialising the per-index rows.

    Args:
        input: ``(B, N)`` (B bags of N indices) or ``(n,)`` with ``offsets`` (the start of each bag).
        weight: ``(num_embeddings, embedding_dim)``.
        mode: ``'sum'``, ``'mean'`` or ``'max'``.
        per_sample_weights: weights of each index (``mode='sum'`` only), shaped like ``input``.
        padding_idx: indices equal to it are left out of their bag.

    Returns:
        ``(B, embedding_dim)``.
    """
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    _check_indices(input, "embedding_bag")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                f"embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
                f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub."
            )
        if per_sample_weights.shape != input.shape:
            raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not "
                             f"None, then it must have the same shape as the input ({tuple(input.shape)})")
    idx = input._data
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch "
                             f"of fixed length sequences. However, found offsets of type {type(offsets)}")
        num_bags = idx.shape[0]
        bag_of = xp.repeat(xp.arange(num_bags), idx.shape[1])
        idx = idx.reshape(-1)
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        off = offsets._data.astype(xp.int64)
        if len(off):
            # (torch's message ends with the C++ print of the 0-d offset tensor)
            if off[0] != 0:
                raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                                   f"from position 0. However, got {int(off[0])}\n[ torch.LongTensor{{}} ]")
            if off[-1] > len(idx):
                raise RuntimeError(f"offsets[-1] can not be greater than input's length {len(idx)} but got "
                                   f"offsets[-1] of {int(off[-1])}")
        if include_last_offset:
            off = off[:-1]
        num_bags = len(off)
        bag_of = xp.zeros(len(idx), dtype=xp.int64)
        if len(idx) and num_bags:
            starts = off[(off > 0) & (off < len(idx))]
            xp.add.at(bag_of, starts, 1)
            bag_of = xp.cumsum(bag_of) + int((off <= 0).sum()) - 1
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
    if padding_idx is not None:
        keep = idx != padding_idx
        if not keep.all():
            pos = xp.nonzero(keep)[0]
            idx, bag_of = idx[pos], bag_of[pos]
            if psw is not None:
                psw = psw.index_select(0, wrap(pos))
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, idx, max_norm, norm_type)
    extra = (psw,) if psw is not None else ()
    return _EmbeddingBag.apply(weight, wrap(xp.ascontiguousarray(idx)), wrap(bag_of.astype(xp.int64)), *extra,
                               mode=mode, num_bags=num_bags, scale_grad_by_freq=bool(scale_grad_by_freq),
                               sparse=bool(sparse))


def one_hot(tensor, num_classes=-1):
    """Encode int64 class indices as one-hot int64 vectors (a new last dimension of ``num_classes``).

    Example::

        >>> F.one_hot(ember.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    a = tensor._data
    if a.dtype != xp.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if _ops._hooks and tensor.is_meta:  # (num_classes=-1 would read the largest class from the data)
        if num_classes == -1:
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        return ember.empty(a.shape + (num_classes,), dtype=ember.int64, device="meta")
    if a.size == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return wrap(xp.zeros(a.shape + (num_classes,), dtype=xp.int64))
    if a.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(a.max()) + 1
    elif a.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = xp.zeros(a.shape + (num_classes,), dtype=xp.int64)
    xp.put_along_axis(out, a[..., None], 1, axis=-1)
    return wrap(out)


# --------------------------------------------------------------------------------------------- distances
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """Divide by the ``p``-norm along ``dim`` (clamped below at ``eps``).

    Example::

        >>> F.normalize(ember.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """
    denom = ember.norm(input, p, dim=dim, keepdim=True).clamp_min(eps)
    result = input / denom
    if out is not None:
        out.copy_(result)
        return out
    return result


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dimension (inputs broadcast).

    Example::

        >>> F.pairwise_distance(ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0]]), eps=0.0)
        tensor([5.])
    """
    # PyTorch's graph: Sub, then Add of the number eps (AddBackward1), then norm over the last dim (NormBackward1)
    diff = _E.Add.apply(*_operands(x1 - x2, eps), grad_name="AddBackward1")
    nd = diff.ndim
    return _R.Norm.apply(diff, p=float(p), dim=(nd - 1,) if nd else None, keepdim=keepdim and nd > 0,
                         grad_name="NormBackward1")


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (each norm clamped below at ``eps``).

    Example::

        >>> F.cosine_similarity(ember.randn(4, 3), ember.randn(4, 3)).shape
        ember.Size([4])
    """
    dt = check_cosine_dtypes(x1, x2)
    _check_broadcast(x1, x2)  # PyTorch's error for incompatible shapes, before any work
    if not (x1.is_floating_point() and x2.is_floating_point()):  # an integer or bool side: both to the common dtype
        x1, x2 = x1.to(dt), x2.to(dt)
    if x1.shape != x2.shape:  # the norms are taken after broadcasting (along ``dim`` too)
        x1, x2 = ember.broadcast_tensors(x1, x2)
    n1 = ember.norm(x1, 2, dim=dim, keepdim=True).clamp_min(eps)
    n2 = ember.norm(x2, 2, dim=dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pdist(input, p=2):
    """Distances between every pair of rows of an ``(N, M)`` input: ``N*(N-1)/2`` values (upper triangle).

    Example::

        >>> F.pdist(ember.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]))
        tensor([ 5., 10.,  5.])
    """
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input._data.dtype.kind not in "fV":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if input.dtype.itemsize == 2 and input.dtype.is_floating_point and input.shape[0] > 1 and input.shape[1] > 0:
        # (PyTorch's CPU pdist kernel has no half-precision version)
        raise NotImplementedError(f"\"pdist\" not implemented for '{_dtype.TYPE_WORDS[input.dtype.name]}'")
    return _Pdist.apply(input, p=float(p))


