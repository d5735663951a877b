"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

Both are composed of differentiable ember ops (matmul, softmax, masked_fill, dropout, linear), so autograd needs no
backward code of its own here.
"""

import math
import sys
import warnings

import ember
from ember import _functions as _F  # (the functions themselves: ember.matmul's argument checks are a layer)
from ember._backend import xp
from ember._tensor import wrap
from ember.autograd.grad_mode import state as _grad_state
from ember.nn._functional_activation_loss import softmax
from ember.nn._functional_core import dropout, linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

# Set by ``ember.nn.attention.sdpa_kernel`` while some backend is disabled: raises when none of the enabled ones
# could run the call (as PyTorch's CPU build does). None in the default state.
_sdpa_backend_check = None
_HALF = (ember.float16, ember.bfloat16)

def _cname(dtype):
    from ember._dtype import C10_NAMES  # PyTorch's C++ names of dtypes in its messages

    name = str(dtype).replace("ember.", "")
    return C10_NAMES.get(name, name)


def _scalar_name(dtype):
    """PyTorch's ScalarType name of an integer or bool dtype ("Long", "Int", "Bool", ...)."""
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(str(dtype).replace("ember.", ""), str(dtype).replace("ember.", ""))


def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, ember.Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _fastpath_enabled():
    """``ember.backends.mha.get_fastpath_enabled()``, read without importing it (loaded once someone uses it)."""
    mha = sys.modules.get("ember.backends.mha")
    return mha is None or bool(mha._is_fastpath_enabled)


def _cuda_autocast():
    """``ember.is_autocast_enabled()`` (CUDA's, which turns PyTorch's fast path off), without importing ember.amp."""
    amp = sys.modules.get("ember.amp")
    return amp is not None and amp.is_autocast_enabled()


def _no_grad_needed(tensors):
    return not _grad_state.enabled or not any(t is not None and t.requires_grad for t in tensors)


def _fused_mask(mask):
    """A canonical float mask as PyTorch's fused fast-path kernels read it: any non-zero entry masks out."""
    if mask is None or mask.is_meta:
        return mask
    out = xp.zeros(mask.shape, dtype=mask._data.dtype)
    out[mask._data != 0] = -xp.inf
    return wrap(out)


def _fill_dead_rows(out, attn_mask, key_padding_mask, num_heads):
    """NaN where PyTorch's fused (fast-path) attention gives it: queries whose keys are all masked out (ember's
    attention gives 0 there). ``out`` ``(N, L, E)``; canonical float masks (-inf = masked): ``attn_mask``
    ``(L, S)`` or ``(N*num_heads, L, S)``, ``key_padding_mask`` ``(N, S)``."""
    if out.is_meta or (attn_mask is None and key_padding_mask is None):
        return out
    n, l = out.shape[0], out.shape[1]
    masked = None
    if attn_mask is not None:
        masked = xp.isneginf(attn_mask._data)
        masked = masked.reshape(n, -1, l, masked.shape[-1]) if masked.ndim == 3 else masked[None, None]
    if key_padding_mask is not None:
        kpm = xp.isneginf(key_padding_mask._data)[:, None, None, :]
        masked = kpm if masked is None else masked | kpm
    dead = masked.all(axis=-1).any(axis=1)  # (N or 1, L or 1): some head of the query sees no key
    if not dead.any():
        return out
    return out.masked_fill(wrap(xp.broadcast_to(dead, (n, l))[..., None]), float("nan"))


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask (True = masked out) becomes a float mask of 0 and -inf in ``target_type``; float masks pass."""
    if mask is None:
        return None
    is_float = mask.is_floating_point()
    if mask.dtype != ember.bool and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=3)
    if not is_float:
        if mask.is_meta:  # (no values to place the -inf at)
            return ember.empty(mask.shape, dtype=target_type, device="meta")
        out = xp.zeros(mask.shape, dtype=target_type.np)
        out[mask._data] = -xp.inf
        return wrap(out)
    return mask


def _safe_softmax(scores):
    """Softmax over the last dim; rows masked out entirely give 0 (not NaN), with a zero gradient."""
    dead = xp.isneginf(scores._data).all(axis=-1, keepdims=True)
    if not dead.any():
        return softmax(scores, dim=-1)
    dead_t = wrap(dead)
    return softmax(scores.masked_fill(dead_t, 0.0), dim=-1).masked_fill(dead_t, 0.0)


def _flash_half(scores, value, dtype):
    """Float32 ``scores`` (..., L, S) weighting float32 ``value`` as PyTorch's CPU flash-attention kernel does for
    float16/bfloat16: the un-normalised weights exp(scores - row max) are rounded to ``dtype`` before the product
    with ``value``, and the float32 product is divided by the float32 sum of the unrounded weights, then rounded.
    Rows masked out entirely give 0."""
    dead = xp.isneginf(scores._data).all(axis=-1, keepdims=True)
    if dead.any():
        scores = scores.masked_fill(wrap(dead), 0.0)
    e = (scores - wrap(scores._data.max(axis=-1, keepdims=True))).exp()  # (the shift cancels in the gradient)
    ed = e._data
    e_low = e + wrap(ed.astype(dtype.np).astype(ed.dtype) - ed)  # rounded values, the gradient as float32's
    out = _F.matmul(e_low, value) / e.sum(-1, keepdim=True)
    if dead.any():
        out = out.masked_fill(wrap(dead), 0.0)
    return out.to(dtype)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """``softmax(Q K^T * scale + mask) V``, with dropout on the attention weights.

    Args:
        query: ``(*, L, E)``; key: ``(*, S, E)``; value: ``(*, S, Ev)``.
        attn_mask: broadcastable to ``(*, L, S)``: bool (True = take part in attention) or float (added to the
            scores). With ``is_causal`` both masks apply.
        dropout_p: dropout probability on the attention weights (applied whenever > 0).
        is_causal: mask out keys after each query (top-left aligned lower-triangular mask).
        scale: defaults to ``1/sqrt(E)``.
        enable_gqa: grouped-query attention: key/value heads (dim -3) are repeated to match the query's.

    Returns:
        ``(*, L, Ev)``. Queries whose keys are all masked out give zeros.

    Example::

        >>> q = k = v = ember.randn(2, 4, 5, 8)
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
        ember.Size([2, 4, 5, 8])
    """
    if type(attn_mask) is not ember.Tensor and attn_mask is not None:
        from ember.nn.attention.bias import CausalBias  # (ember has no __torch_function__: the bias is looked for)

        if isinstance(attn_mask, CausalBias):
            return CausalBias._dispatch(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{_cname(query.dtype)} key.dtype: {_cname(key.dtype)} and value.dtype: "
                           f"{_cname(value.dtype)} instead.")
    if min(query.dim(), key.dim(), value.dim()) < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead.")
    if attn_mask is not None and attn_mask.dtype not in (ember.bool, ember.float32, query.dtype):
        raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {_cname(attn_mask.dtype)} and  query.dtype: {_cname(query.dtype)} "
                           "instead.")
    if enable_gqa:
        d = min(query.dim(), key.dim(), value.dim())
        if d < 3:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{d}, {d - 1}], but got -3)")
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if (hk and hq % hk) or (hv and hq % hv):
            raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
    if dropout_p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p:g}")
    if not (dropout_p >= 0.0) and query.dim() == key.dim() == value.dim() == 4:  # (negative or NaN)
        raise RuntimeError("scaled_dot_product_attention_flash_attention: Currently do not support dropout > 0")
    if not query.is_floating_point() and not query.is_complex() and query.dim() > 2:
        raise RuntimeError(f"expected scalar type Float but found {_scalar_name(query.dtype)}")
    if _sdpa_backend_check is not None:
        _sdpa_backend_check(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    L, S = query.shape[-2], key.shape[-2]
    scale_factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    half = query.dtype if query.dtype in _HALF else None
    if half is not None:  # float32 math (PyTorch's CPU kernels upcast), rounded as they do: see the end
        flash = query.dim() == 4 and key.dim() == 4 and value.dim() == 4 and dropout_p == 0.0 \
            and value.shape[-1] == query.shape[-1]  # (its flash-attention kernel; else the math one)
        query, key, value = query.float(), key.float(), value.float()
    if enable_gqa and query.dim() >= 3 and key.dim() >= 3:
        hq, hk = query.shape[-3], key.shape[-3]
        if hk != hq and hk > 0 and hq % hk == 0:
            key = key.repeat_interleave(hq // hk, dim=-3)
            value = value.repeat_interleave(hq // value.shape[-3], dim=-3)
    scores = _F.matmul(query, key.transpose(-2, -1)) * scale_factor
    if is_causal:
        causal = ~xp.tril(xp.ones((L, S), dtype=bool))
        scores = scores.masked_fill(wrap(causal), float("-inf"))
    if attn_mask is not None:  # with is_causal too (PyTorch's CPU kernel combines both masks)
        if attn_mask.dtype == ember.bool:
            if attn_mask.shape != scores.shape and attn_mask.dim() and scores.dim():
                _F._check_broadcast(scores, attn_mask)  # (PyTorch fills the scores in place: they are tensor a)
            scores = scores.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            scores = scores + attn_mask
    if half is not None and flash:
        return _flash_half(scores, value, half)
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    out = _F.matmul(weights, value)
    return out if half is None else out.to(half)


# ------------------------------------------------------------------------------------------ multi-head attention
def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """Whether the input is batched (3-D query); PyTorch's assertions on the other shapes."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                                 f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                 f"found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
                                 f"found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                                     f"but found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query "
                         "tensor")


def _pad_last(t, rows):
    """Append a zero column to the last dim of a (float) mask."""
    if t is None:
        return None
    return ember.cat([t, ember.zeros(*t.shape[:-1], 1, dtype=t.dtype, device=t.device)], dim=-1) if rows else t


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """The computation of ``nn.MultiheadAttention`` (sequence-first layout).

    Shapes: query ``(L, N, E)`` or ``(L, E)``; key/value ``(S, N, E_k/E_v)`` or ``(S, E_k/E_v)``;
    key_padding_mask ``(N, S)``; attn_mask ``(L, S)`` or ``(N*num_heads, L, S)``. Bool masks mark what is
    masked out (True); float masks are added to the scores.

    Returns:
        ``(attn_output (L, N, E), attn_weights (N, L, S) or (N, num_heads, L, S) or None)``.
    """
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask),
                                       "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # scaled_dot_product_attention builds the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f"{value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    # input projections
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        if query is key and key is value:
            q, k, v = linear(query, in_proj_weight, in_proj_bias).chunk(3, dim=-1)
        else:
            w_q, w_k, w_v = in_proj_weight.chunk(3)
            b_q = b_k = b_v = None
            if in_proj_bias is not None:
                b_q, b_k, b_v = in_proj_bias.chunk(3)
            q = linear(query, w_q, b_q)
            if key is value:
                k, v = linear(key, ember.cat([w_k, w_v]),
                              None if in_proj_bias is None else ember.cat([b_k, b_v])).chunk(2, dim=-1)
            else:
                k, v = linear(key, w_k, b_k), linear(value, w_v, b_v)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = in_proj_bias.chunk(3)
        q, k, v = linear(query, q_proj_weight, b_q), linear(key, k_proj_weight, b_k), linear(value, v_proj_weight, b_v)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = ember.cat([k, bias_k.repeat(1, bsz, 1)])
        v = ember.cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = _pad_last(attn_mask, True)
        key_padding_mask = _pad_last(key_padding_mask, True)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k and bias_v must both be None or both be set")

    # (L, N, E) -> (N*H, L, head_dim)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    if static_k is None:
        k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        if static_k.shape[0] != bsz * num_heads:
            raise AssertionError(f"expecting static_k.size(0) of {bsz * num_heads}, but got {static_k.shape[0]}")
        if static_k.shape[2] != head_dim:
            raise AssertionError(f"expecting static_k.size(2) of {head_dim}, but got {static_k.shape[2]}")
        k = static_k
    if static_v is None:
        v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        if static_v.shape[0] != bsz * num_heads:
            raise AssertionError(f"expecting static_v.size(0) of {bsz * num_heads}, but got {static_v.shape[0]}")
        if static_v.shape[2] != head_dim:
            raise AssertionError(f"expecting static_v.size(2) of {head_dim}, but got {static_v.shape[2]}")
        v = static_v

    if add_zero_attn:
        k = ember.cat([k, ember.zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype, device=k.device)], dim=1)
        v = ember.cat([v, ember.zeros(bsz * num_heads, 1, head_dim, dtype=v.dtype, device=v.device)], dim=1)
        attn_mask = _pad_last(attn_mask, True)
        key_padding_mask = _pad_last(key_padding_mask, True)

    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            # (PyTorch's message spells it "key_padded_mask")
            for i, n in enumerate((bsz, src_len)):
                if key_padding_mask.ndim > i and key_padding_mask.shape[i] != n:
                    raise AssertionError(f"Expected key_padded_mask.shape[{i}] to be {n}, but got "
                                         f"{key_padding_mask.shape[i]}")
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{key_padding_mask.shape}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0

    if need_weights:
        q_scaled = q * math.sqrt(1.0 / head_dim)
        if attn_mask is not None:
            weights = _F.baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            weights = _F.bmm(q_scaled, k.transpose(-2, -1))
        weights = softmax(weights, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = _F.bmm(weights, v)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not is_batched:
        out = out.squeeze(1)
    return out, None
