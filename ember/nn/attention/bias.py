"""Causal attention biases usable as the ``attn_mask`` of ``scaled_dot_product_attention`` (mirrors
``torch.nn.attention.bias``)."""

import warnings
from enum import IntEnum

import ember
from ember._backend import xp
from ember._tensor import wrap
from ember.nn.attention import SDPAParams, _raise_kernel_warnings

__all__ = ["causal_upper_left", "causal_lower_right", "CausalVariant", "CausalBias"]


class CausalVariant(IntEnum):
    """Where the causal triangle is anchored when the query and key lengths differ.

    ``UPPER_LEFT`` (1): query ``i`` sees keys ``j <= i`` (what ``is_causal=True`` does).
    ``LOWER_RIGHT`` (2): the diagonal ends in the bottom-right corner: query ``i`` sees keys
    ``j <= i + seq_len_kv - seq_len_q``; with more queries than keys, the first rows see nothing.

    Example::

        >>> CausalVariant.LOWER_RIGHT
        <CausalVariant.LOWER_RIGHT: 2>
    """

    UPPER_LEFT = 1
    LOWER_RIGHT = 2


class CausalBias(ember.Tensor):
    """A causal mask that ``scaled_dot_product_attention`` recognises, made by :func:`causal_upper_left` or
    :func:`causal_lower_right`.

    It holds no mask: ``_materialize()`` builds the boolean ``(seq_len_q, seq_len_kv)`` mask (True = attend), and
    as ``attn_mask`` it runs the causal attention directly (``is_causal=True`` for the upper-left variant or equal
    lengths). Like PyTorch's, the tensor itself is a placeholder of shape ``(variant, seq_len_q, seq_len_kv)``; its
    repr shows the mask.

    Args:
        variant: a :class:`CausalVariant`.
        seq_len_q: the query length.
        seq_len_kv: the key/value length.

    Example::

        >>> bias = causal_lower_right(2, 4)
        >>> F.scaled_dot_product_attention(ember.randn(1, 2, 8), ember.randn(1, 4, 8), ember.randn(1, 4, 8),
        ...                                attn_mask=bias).shape
        ember.Size([1, 2, 8])
    """

    def __new__(cls, variant, seq_len_q, seq_len_kv):
        return ember.Tensor.__new__(cls, int(variant), seq_len_q, seq_len_kv)

    def __init__(self, variant, seq_len_q, seq_len_kv):
        self.variant = variant
        self.seq_len_q = seq_len_q
        self.seq_len_kv = seq_len_kv
        if seq_len_q > seq_len_kv and variant == CausalVariant.LOWER_RIGHT:
            warnings.warn("Lower right causal bias will produce NaNs in the output when seq_len_q > seq_len_kv!",
                          stacklevel=3)

    def _upper_left(self, device):
        """The upper-left aligned boolean mask, ``(seq_len_q, seq_len_kv)``."""
        return wrap(xp.tril(xp.ones((self.seq_len_q, self.seq_len_kv), dtype=bool)))

    def _lower_right(self, device):
        """The lower-right aligned boolean mask, ``(seq_len_q, seq_len_kv)``."""
        diagonal = self.seq_len_kv - self.seq_len_q
        return wrap(xp.tril(xp.ones((self.seq_len_q, self.seq_len_kv), dtype=bool), k=diagonal))

    def _materialize(self, device=None):
        """The boolean mask this bias stands for (True = attend), ``(seq_len_q, seq_len_kv)``."""
        if self.variant == CausalVariant.UPPER_LEFT:
            return self._upper_left(device)
        if self.variant == CausalVariant.LOWER_RIGHT:
            return self._lower_right(device)
        raise AssertionError

    @staticmethod
    def _dispatch(query, key, value, attn_mask, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
        """``scaled_dot_product_attention`` with this bias as ``attn_mask``."""
        from ember.nn._functional_attention import scaled_dot_product_attention as sdpa

        if is_causal:
            raise ValueError("CausalBias should not be used with causal=True")
        if attn_mask.seq_len_q == attn_mask.seq_len_kv or attn_mask.variant == CausalVariant.UPPER_LEFT:
            return sdpa(query, key, value, attn_mask=None, dropout_p=dropout_p, is_causal=True, scale=scale,
                        enable_gqa=enable_gqa)
        if attn_mask.variant == CausalVariant.LOWER_RIGHT:
            # No fused lower-right kernel on the CPU: say so when asked, then run with the explicit mask.
            _raise_kernel_warnings(SDPAParams(query, key, value, None, dropout_p, is_causal, enable_gqa))
            return sdpa(query, key, value, attn_mask=attn_mask._materialize(query.device), dropout_p=dropout_p,
                        is_causal=False, scale=scale, enable_gqa=enable_gqa)
        raise ValueError(f"CausalBias.variant must be a CausalVariant type, but found: {attn_mask.variant}")

    def __repr__(self, *, tensor_contents=None):
        return repr(self._materialize())


def causal_upper_left(*size):
    """A :class:`CausalBias` aligned to the upper left: query ``i`` attends to keys ``0..i``.

    Args:
        *size: ``(seq_len_q, seq_len_kv)``.

    Example::

        >>> causal_upper_left(2, 3)
        tensor([[ True, False, False],
                [ True,  True, False]])
    """
    if len(size) != 2:
        raise AssertionError("causal_upper_left only supports 2D tensors")
    seq_len_q, seq_len_kv = size
    return CausalBias(CausalVariant.UPPER_LEFT, seq_len_q, seq_len_kv)


def causal_lower_right(*size):
    """A :class:`CausalBias` aligned to the lower right: the last query attends to every key.

    Args:
        *size: ``(seq_len_q, seq_len_kv)``. With ``seq_len_q > seq_len_kv`` the first queries see no key (a
            warning says so; ember's attention gives them zeros).

    Example::

        >>> causal_lower_right(2, 3)
        tensor([[ True,  True, False],
                [ True,  True,  True]])
    """
    if len(size) != 2:
        raise AssertionError("causal_lower_right only supports 2D tensors")
    seq_len_q, seq_len_kv = size
    return CausalBias(CausalVariant.LOWER_RIGHT, seq_len_q, seq_len_kv)
