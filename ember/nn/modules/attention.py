"""``MultiheadAttention`` (PyTorch keeps it among the activations; ember gives it its own module)."""

from ember import _dtype
from ember._backend import xp
from ember._tensor import wrap
from ember.nn import _functional_attention as FA
# (bound at import, as PyTorch: patching nn.init later does not reach them)
from ember.nn.init import constant_, xavier_normal_, xavier_uniform_
from ember.nn.modules.linear import Linear
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = ["MultiheadAttention"]


def _empty(shape, dtype):
    return wrap(xp.empty(shape, dtype=(dtype or _dtype.get_default_dtype()).np))


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under PyTorch's name for the output projection of ``MultiheadAttention`` (same behaviour)."""


class MultiheadAttention(Module):
    """Attention over ``num_heads`` subspaces: ``Concat(head_1..head_h) W_O``, ``head_i = Attention(Q W_i^Q,
    K W_i^K, V W_i^V)``.

    Args:
        embed_dim: model dimension E (split across heads: ``E % num_heads == 0``).
        num_heads: number of heads.
        dropout: dropout probability on the attention weights (training only). Default: 0.
        bias: biases on the input and output projections. Default: ``True``.
        add_bias_kv: learn a bias appended to the key and value sequences. Default: ``False``.
        add_zero_attn: append a zero key/value to the sequences. Default: ``False``.
        kdim, vdim: feature sizes of key and value (default ``embed_dim``); when they differ from ``embed_dim``
            the projections are ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` instead of one
            ``in_proj_weight``.
        batch_first: inputs and output are ``(N, L, E)`` instead of ``(L, N, E)``. Default: ``False``.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(attn_output, attn_weights)``; bool masks mark
    what is masked out (True), float masks are added to the scores.

    Example::

        >>> mha = ember.nn.MultiheadAttention(8, 2)
        >>> x = ember.randn(5, 3, 8)
        >>> out, w = mha(x, x, x)
        >>> out.shape, w.shape
        (ember.Size([5, 3, 8]), ember.Size([3, 5, 5]))
    """

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(_empty((embed_dim, embed_dim), dtype))
            self.k_proj_weight = Parameter(_empty((embed_dim, self.kdim), dtype))
            self.v_proj_weight = Parameter(_empty((embed_dim, self.vdim), dtype))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(_empty((3 * embed_dim, embed_dim), dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_empty((3 * embed_dim,), dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(_empty((1, 1, embed_dim), dtype))
            self.bias_v = Parameter(_empty((1, 1, embed_dim), dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            xavier_uniform_(self.in_proj_weight)
        else:
            xavier_uniform_(self.q_proj_weight)
            xavier_uniform_(self.k_proj_weight)
            xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            constant_(self.in_proj_bias, 0.0)
            constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        is_batched = query.dim() == 3
        fused = not need_weights and self._fast_path(query, key, value, attn_mask, key_padding_mask)
        key_padding_mask = FA._canonical_mask(key_padding_mask, "key_padding_mask", FA._none_or_dtype(attn_mask),
                                              "attn_mask", query.dtype)
        attn_mask = FA._canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if self.batch_first and is_batched:
            # keep ``query is key is value`` (self-attention) visible to the packed projection
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = (x.transpose(1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        kwargs = dict(training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
                      attn_mask=attn_mask, average_attn_weights=average_attn_weights, is_causal=is_causal)
        if not self._qkv_same_embed_dim:
            out, weights = FA.multi_head_attention_forward(
                query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
                self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight,
                self.out_proj.bias, use_separate_proj_weight=True, q_proj_weight=self.q_proj_weight,
                k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight, **kwargs)
        else:
            out, weights = FA.multi_head_attention_forward(
                query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias,
                self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight,
                self.out_proj.bias, **kwargs)
        if self.batch_first and is_batched:
            out = out.transpose(1, 0)
            if fused:  # (with need_weights, ember's path gives PyTorch's NaN already)
                out = FA._fill_dead_rows(out, attn_mask, key_padding_mask, self.num_heads)
        return out, weights

    def _fast_path(self, query, key, value, attn_mask, key_padding_mask):
        """Whether PyTorch would run its fused inference kernel (which gives NaN for queries whose keys are all
        masked out); only worth asking with a mask."""
        if attn_mask is None and key_padding_mask is None:
            return False
        if (attn_mask is not None and attn_mask.is_floating_point()) or \
                (key_padding_mask is not None and key_padding_mask.is_floating_point()):
            return False
        w, b = self.in_proj_weight, self.in_proj_bias
        return (FA._fastpath_enabled() and query.dim() == 3 and query is key and key is value
                and w is not None and b is not None and query.dtype == w.dtype == b.dtype and not self.training
                and self.num_heads % 2 == 0 and self.batch_first and self.bias_k is None and self.bias_v is None
                and not self.add_zero_attn and self._qkv_same_embed_dim and not FA._cuda_autocast()
                and FA._no_grad_needed((query, w, b, self.out_proj.weight, self.out_proj.bias)))

    def merge_masks(self, attn_mask, key_padding_mask, query):
        """Combine ``attn_mask`` and ``key_padding_mask`` into one ``(N, num_heads, L, S)`` float mask and
        return it with its type (0: attn_mask only, 1: key_padding_mask only, 2: both; None without masks)."""
        mask_type = None
        merged = None
        if key_padding_mask is not None:
            mask_type = 1
            merged = key_padding_mask
        if attn_mask is not None:
            bsz, seq_len, _ = query.shape
            mask_type = 2
            if attn_mask.dim() == 3:
                attn_mask_expanded = attn_mask.reshape(bsz, -1, seq_len, seq_len)
            else:
                attn_mask_expanded = attn_mask.reshape(1, 1, seq_len, seq_len).expand(bsz, self.num_heads, -1, -1)
            merged = attn_mask_expanded
            if key_padding_mask is not None:
                kpm = key_padding_mask.reshape(bsz, 1, 1, seq_len).expand(-1, self.num_heads, -1, -1)
                merged = attn_mask_expanded + kpm
        return merged, mask_type
