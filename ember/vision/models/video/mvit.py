"""Multiscale Vision Transformers, MViT v1 and v2 (mirrors ``torchvision.models.video.mvit``).

A transformer over space-time patches whose resolution shrinks and width grows from stage to stage: queries,
keys and values are pooled by depthwise 3D convolutions inside attention (Fan et al. 2021). V2 adds decomposed
relative position embeddings, a residual connection from the pooled queries and the projection after attention
(Li et al. 2022).

Example::

    >>> from ember.vision.models.video import MViT
    >>> from ember.vision.models.video.mvit import MSBlockConfig
    >>> cfg = [MSBlockConfig(1, 8, 16, [3, 3, 3], [3, 3, 3], [1, 2, 2], [1, 2, 2]),
    ...        MSBlockConfig(2, 16, 16, [], [3, 3, 3], [], [1, 1, 1])]
    >>> net = MViT((32, 32), 4, cfg, False, False, False, False, num_classes=3)
    >>> net(ember.randn(1, 3, 4, 32, 32)).shape
    ember.Size([1, 3])
"""

import math
from dataclasses import dataclass
from functools import partial

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import WeightsEnum, _builder, _load_weights, _ovewrite_named_param
from ember.vision.models.video.resnet import _kinetics
from ember.vision.ops.misc import MLP, StochasticDepth

__all__ = ["MViT", "MViT_V1_B_Weights", "mvit_v1_b", "MViT_V2_S_Weights", "mvit_v2_s"]


@dataclass
class MSBlockConfig:
    """The configuration of one :class:`MultiscaleBlock`.

    Args:
        num_heads: attention heads.
        input_channels, output_channels: widths before and after the block.
        kernel_q, kernel_kv: kernels of the query and key/value pooling convolutions (``[]``: no pooling).
        stride_q, stride_kv: their strides (``[]``: none; a query stride also downsamples the block's output).
    """

    num_heads: int
    input_channels: int
    output_channels: int
    kernel_q: list
    kernel_kv: list
    stride_q: list
    stride_kv: list


def _unsqueeze(x, target_dim, expand_dim):
    """``x`` with a singleton axis inserted at ``expand_dim`` if it has one dimension too few, and its original
    number of dimensions."""
    tensor_dim = x.dim()
    if tensor_dim == target_dim - 1:
        x = x.unsqueeze(expand_dim)
    elif tensor_dim != target_dim:
        raise ValueError(f"Unsupported input dimension {x.shape}")
    return x, tensor_dim


def _squeeze(x, target_dim, expand_dim, tensor_dim):
    """Undo :func:`_unsqueeze`."""
    if tensor_dim == target_dim - 1:
        x = x.squeeze(expand_dim)
    return x


class Pool(nn.Module):
    """Pool a token sequence as a ``(T, H, W)`` map, leaving the leading class token as it is.

    Args:
        pool: the pooling module, applied to ``(B * heads, C, T, H, W)``.
        norm: optional normalisation over the channels (of all tokens, the class token included).
        activation: optional activation after the norm.
        norm_before_pool: normalise the map before pooling instead of the tokens after it (default False).

    Shape:
        - Input: ``(B, heads, 1 + T*H*W, C)`` or ``(B, 1 + T*H*W, C)`` and ``thw``; Output: the pooled tokens
          (same layout) and the new ``(T, H, W)``.

    Example::

        >>> p = Pool(nn.MaxPool3d([1, 3, 3], stride=[1, 2, 2], padding=[0, 1, 1]), None)
        >>> x, thw = p(ember.randn(2, 1 + 2 * 4 * 4, 8), (2, 4, 4))
        >>> tuple(x.shape), thw
        ((2, 9, 8), (2, 2, 2))
    """

    def __init__(self, pool, norm, activation=None, norm_before_pool=False):
        super().__init__()
        self.pool = pool
        layers = [m for m in (norm, activation) if m is not None]
        self.norm_act = nn.Sequential(*layers) if layers else None
        self.norm_before_pool = norm_before_pool

    def forward(self, x, thw):
        x, tensor_dim = _unsqueeze(x, 4, 1)  # (B, heads, N, C)
        class_token, x = x[:, :, :1], x[:, :, 1:]
        x = x.transpose(2, 3)
        B, N, C = x.shape[:3]
        x = x.reshape((B * N, C) + tuple(thw)).contiguous()
        if self.norm_before_pool and self.norm_act is not None:
            x = self.norm_act(x)
        x = self.pool(x)
        T, H, W = x.shape[2:]
        x = ember.cat((class_token, x.reshape(B, N, C, -1).transpose(2, 3)), dim=2)
        if not self.norm_before_pool and self.norm_act is not None:
            x = self.norm_act(x)
        return _squeeze(x, 4, 1, tensor_dim), (T, H, W)


def _interpolate(embedding, d):
    """The ``(L, C)`` table resampled linearly to ``d`` rows (unchanged if it has them)."""
    if embedding.shape[0] == d:
        return embedding
    return F.interpolate(embedding.permute(1, 0).unsqueeze(0), size=d, mode="linear").squeeze(0).permute(1, 0)


def _rel_distances(q_n, k_n):
    """Row of the relative table for every (query, key) index pair along one axis of sizes ``q_n`` and ``k_n``,
    the coarser axis' indices scaled up to the finer one's."""
    q_ratio = max(k_n / q_n, 1.0)
    k_ratio = max(q_n / k_n, 1.0)
    dist = (ember.arange(q_n, dtype=ember.float32)[:, None] * q_ratio
            - (ember.arange(k_n, dtype=ember.float32)[None, :] + (1.0 - k_n)) * k_ratio)
    return dist.long()


def _add_rel_pos(attn, q, q_thw, k_thw, rel_pos_h, rel_pos_w, rel_pos_t):
    """``attn`` plus MViT v2's decomposed relative position terms ``q . R_t + q . R_h + q . R_w`` between the
    non-class tokens.

    Args:
        attn: ``(B, heads, 1 + q_t*q_h*q_w, 1 + k_t*k_h*k_w)`` attention logits.
        q: ``(B, heads, 1 + q_t*q_h*q_w, C)`` queries.
        q_thw, k_thw: the query and key maps' ``(T, H, W)``.
        rel_pos_h, rel_pos_w, rel_pos_t: ``(L, C)`` tables of embeddings per relative offset along each axis
            (resampled to ``2 * max(q, k) - 1`` rows when their length differs).
    """
    q_t, q_h, q_w = q_thw
    k_t, k_h, k_w = k_thw
    Rh = _interpolate(rel_pos_h, int(2 * max(q_h, k_h) - 1))[_rel_distances(q_h, k_h)]  # (q_h, k_h, C)
    Rw = _interpolate(rel_pos_w, int(2 * max(q_w, k_w) - 1))[_rel_distances(q_w, k_w)]
    Rt = _interpolate(rel_pos_t, int(2 * max(q_t, k_t) - 1))[_rel_distances(q_t, k_t)]

    B, n_head, _, dim = q.shape
    r_q = q[:, :, 1:].reshape(B, n_head, q_t, q_h, q_w, dim)
    rel_h = ember.einsum("bythwc,hkc->bythwk", r_q, Rh)  # (B, heads, q_t, q_h, q_w, k_h)
    rel_w = ember.einsum("bythwc,wkc->bythwk", r_q, Rw)
    rel_t = ember.einsum("bythwc,tkc->bythwk", r_q, Rt)
    rel_pos = (rel_h[:, :, :, :, :, None, :, None] + rel_w[:, :, :, :, :, None, None, :]
               + rel_t[:, :, :, :, :, :, None, None]).reshape(B, n_head, q_t * q_h * q_w, k_t * k_h * k_w)
    return attn + F.pad(rel_pos, (1, 0, 1, 0))  # nothing for the class token's row and column


def _add_shortcut(x, shortcut, residual_with_cls_embed):
    """``x + shortcut``, the class token (index 0 of axis 2) left out unless ``residual_with_cls_embed``."""
    if residual_with_cls_embed:
        return x + shortcut
    return ember.cat((x[:, :, :1], x[:, :, 1:] + shortcut[:, :, 1:]), dim=2)


class MultiscaleAttention(nn.Module):
    """Multi-head pooling attention: queries, keys and values each pooled (per head) by a depthwise ``Conv3d``
    and a norm before attending, so that the output resolution follows the query stride.

    Args:
        input_size: the ``[T, H, W]`` map size of the block's input (sizes the relative position tables).
        embed_dim: input channels.
        output_dim: channels of the queries, keys, values and output.
        num_heads: attention heads.
        kernel_q, kernel_kv, stride_q, stride_kv: pooling kernels and strides (no pooling when both products
            are 1).
        residual_pool: add the pooled queries to the attention output (v2).
        residual_with_cls_embed: include the class token in that residual.
        rel_pos_embed: learn decomposed relative position embeddings (v2).
        dropout: dropout after the output projection (default 0.0).
        norm_layer: normalisation class of the pooling (default ``nn.LayerNorm``).

    Shape:
        - Input: ``(B, 1 + T*H*W, embed_dim)`` and ``thw``; Output: ``(B, 1 + T'*H'*W', output_dim)`` and the
          new ``(T', H', W')``.

    Example::

        >>> attn = MultiscaleAttention([2, 4, 4], 8, 8, 2, [3, 3, 3], [3, 3, 3], [1, 2, 2], [1, 2, 2], False,
        ...                            False, False)
        >>> x, thw = attn(ember.randn(1, 33, 8), (2, 4, 4))
        >>> tuple(x.shape), thw
        ((1, 9, 8), (2, 2, 2))
    """

    def __init__(self, input_size, embed_dim, output_dim, num_heads, kernel_q, kernel_kv, stride_q, stride_kv,
                 residual_pool, residual_with_cls_embed, rel_pos_embed, dropout=0.0, norm_layer=nn.LayerNorm):
        super().__init__()
        self.embed_dim = embed_dim
        self.output_dim = output_dim
        self.num_heads = num_heads
        self.head_dim = output_dim // num_heads
        self.scaler = 1.0 / math.sqrt(self.head_dim)
        self.residual_pool = residual_pool
        self.residual_with_cls_embed = residual_with_cls_embed

        self.qkv = nn.Linear(embed_dim, 3 * output_dim)
        layers = [nn.Linear(output_dim, output_dim)]
        if dropout > 0.0:
            layers.append(nn.Dropout(dropout, inplace=True))
        self.project = nn.Sequential(*layers)

        def pool(kernel, stride):
            return Pool(nn.Conv3d(self.head_dim, self.head_dim, kernel, stride=stride,
                                  padding=[int(k // 2) for k in kernel], groups=self.head_dim, bias=False),
                        norm_layer(self.head_dim))

        self.pool_q = pool(kernel_q, stride_q) if math.prod(kernel_q) > 1 or math.prod(stride_q) > 1 else None
        self.pool_k = self.pool_v = None
        if math.prod(kernel_kv) > 1 or math.prod(stride_kv) > 1:
            self.pool_k = pool(kernel_kv, stride_kv)
            self.pool_v = pool(kernel_kv, stride_kv)

        self.rel_pos_h = self.rel_pos_w = self.rel_pos_t = None
        if rel_pos_embed:
            size = max(input_size[1:])
            q_size = size // stride_q[1] if len(stride_q) > 0 else size
            kv_size = size // stride_kv[1] if len(stride_kv) > 0 else size
            spatial_dim = 2 * max(q_size, kv_size) - 1
            temporal_dim = 2 * input_size[0] - 1
            self.rel_pos_h = nn.Parameter(ember.zeros(spatial_dim, self.head_dim))
            self.rel_pos_w = nn.Parameter(ember.zeros(spatial_dim, self.head_dim))
            self.rel_pos_t = nn.Parameter(ember.zeros(temporal_dim, self.head_dim))
            for table in (self.rel_pos_h, self.rel_pos_w, self.rel_pos_t):
                nn.init.trunc_normal_(table, std=0.02)

    def forward(self, x, thw):
        B, N, C = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.num_heads, self.head_dim).transpose(1, 3).unbind(dim=2)
        k_thw = thw
        if self.pool_k is not None:
            k, k_thw = self.pool_k(k, thw)
        if self.pool_v is not None:
            v = self.pool_v(v, thw)[0]
        if self.pool_q is not None:
            q, thw = self.pool_q(q, thw)

        attn = ember.matmul(self.scaler * q, k.transpose(2, 3))
        if self.rel_pos_h is not None and self.rel_pos_w is not None and self.rel_pos_t is not None:
            attn = _add_rel_pos(attn, q, thw, k_thw, self.rel_pos_h, self.rel_pos_w, self.rel_pos_t)
        x = ember.matmul(attn.softmax(dim=-1), v)
        if self.residual_pool:
            x = _add_shortcut(x, q, self.residual_with_cls_embed)
        x = x.transpose(1, 2).reshape(B, -1, self.output_dim)
        return self.project(x), thw


class MultiscaleBlock(nn.Module):
    """A pre-norm MViT block: pooling attention and an MLP, each residual (with stochastic depth); a query stride
    max-pools the skip connection, and a width change projects it (v1: after the MLP's norm, with the MLP widening;
    v2, ``proj_after_attn``: after the attention's norm, with the attention widening).

    Args:
        input_size: the ``[T, H, W]`` map size of the input.
        cnf: the block's :class:`MSBlockConfig`.
        residual_pool, residual_with_cls_embed, rel_pos_embed: see :class:`MultiscaleAttention`.
        proj_after_attn: widen in the attention rather than in the MLP.
        dropout: dropout in the attention projection and the MLP (default 0.0).
        stochastic_depth_prob: probability of dropping the residual branches (default 0.0).
        norm_layer: normalisation class (default ``nn.LayerNorm``).

    Shape:
        - Input: ``(B, 1 + T*H*W, input_channels)`` and ``thw``; Output: ``(B, 1 + T'*H'*W', output_channels)``
          and the new ``(T', H', W')``.

    Example::

        >>> cnf = MSBlockConfig(2, 8, 16, [3, 3, 3], [3, 3, 3], [1, 2, 2], [1, 2, 2])
        >>> block = MultiscaleBlock([2, 4, 4], cnf, False, False, False, False)
        >>> x, thw = block(ember.randn(1, 33, 8), (2, 4, 4))
        >>> tuple(x.shape), thw
        ((1, 9, 16), (2, 2, 2))
    """

    def __init__(self, input_size, cnf, residual_pool, residual_with_cls_embed, rel_pos_embed, proj_after_attn,
                 dropout=0.0, stochastic_depth_prob=0.0, norm_layer=nn.LayerNorm):
        super().__init__()
        self.proj_after_attn = proj_after_attn
        self.pool_skip = None
        if math.prod(cnf.stride_q) > 1:
            kernel_skip = [s + 1 if s > 1 else s for s in cnf.stride_q]
            padding_skip = [int(k // 2) for k in kernel_skip]
            self.pool_skip = Pool(nn.MaxPool3d(kernel_skip, stride=cnf.stride_q, padding=padding_skip), None)

        attn_dim = cnf.output_channels if proj_after_attn else cnf.input_channels
        self.norm1 = norm_layer(cnf.input_channels)
        self.norm2 = norm_layer(attn_dim)
        self.needs_transposal = isinstance(self.norm1, nn.BatchNorm1d)  # it normalises axis 1, not the last one
        self.attn = MultiscaleAttention(input_size, cnf.input_channels, attn_dim, cnf.num_heads,
                                        kernel_q=cnf.kernel_q, kernel_kv=cnf.kernel_kv, stride_q=cnf.stride_q,
                                        stride_kv=cnf.stride_kv, rel_pos_embed=rel_pos_embed,
                                        residual_pool=residual_pool, residual_with_cls_embed=residual_with_cls_embed,
                                        dropout=dropout, norm_layer=norm_layer)
        self.mlp = MLP(attn_dim, [4 * attn_dim, cnf.output_channels], activation_layer=nn.GELU, dropout=dropout,
                       inplace=None)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.project = None
        if cnf.input_channels != cnf.output_channels:
            self.project = nn.Linear(cnf.input_channels, cnf.output_channels)

    def _norm(self, norm, x):
        return norm(x.transpose(1, 2)).transpose(1, 2) if self.needs_transposal else norm(x)

    def forward(self, x, thw):
        x_norm1 = self._norm(self.norm1, x)
        x_attn, thw_new = self.attn(x_norm1, thw)
        if self.project is not None and self.proj_after_attn:
            x = self.project(x_norm1)
        x_skip = x if self.pool_skip is None else self.pool_skip(x, thw)[0]
        x = x_skip + self.stochastic_depth(x_attn)
        x_norm2 = self._norm(self.norm2, x)
        x_proj = x if self.project is None or self.proj_after_attn else self.project(x_norm2)
        return x_proj + self.stochastic_depth(self.mlp(x_norm2)), thw_new


class PositionalEncoding(nn.Module):
    """Prepend the learnt class token and, unless the blocks use relative positions, add learnt absolute position
    embeddings (a spatial and a temporal table summed, plus one for the class token).

    Args:
        embed_size: channels.
        spatial_size: ``(H, W)`` of the token map.
        temporal_size: ``T`` of the token map.
        rel_pos_embed: relative positions are used instead (only the class token is learnt then).

    Shape:
        - Input: ``(B, T*H*W, embed_size)``; Output: ``(B, 1 + T*H*W, embed_size)``.

    Example::

        >>> PositionalEncoding(8, (2, 2), 2, False)(ember.randn(3, 8, 8)).shape
        ember.Size([3, 9, 8])
    """

    def __init__(self, embed_size, spatial_size, temporal_size, rel_pos_embed):
        super().__init__()
        self.spatial_size = spatial_size
        self.temporal_size = temporal_size
        self.class_token = nn.Parameter(ember.zeros(embed_size))
        self.spatial_pos = self.temporal_pos = self.class_pos = None
        if not rel_pos_embed:
            self.spatial_pos = nn.Parameter(ember.zeros(self.spatial_size[0] * self.spatial_size[1], embed_size))
            self.temporal_pos = nn.Parameter(ember.zeros(self.temporal_size, embed_size))
            self.class_pos = nn.Parameter(ember.zeros(embed_size))

    def forward(self, x):
        class_token = self.class_token.expand(x.size(0), -1).unsqueeze(1)
        x = ember.cat((class_token, x), dim=1)
        if self.spatial_pos is not None:
            hw_size, embed_size = self.spatial_pos.shape
            # time-major tokens: temporal row t plus every spatial row
            pos = (self.temporal_pos[:, None, :] + self.spatial_pos[None, :, :]).reshape(-1, embed_size)
            x = x + ember.cat((self.class_pos.unsqueeze(0), pos), dim=0).unsqueeze(0)
        return x


class MViT(nn.Module):
    """Multiscale Vision Transformer (Fan et al. 2021; v2: Li et al. 2022): a strided ``Conv3d`` patch embedding,
    a class token with position embeddings, a sequence of :class:`MultiscaleBlock`, a final norm and a linear
    head on the class token.

    The input size is fixed at construction: the clip must be ``temporal_size x spatial_size``.

    Args:
        spatial_size: ``(H, W)`` of the input clips.
        temporal_size: ``T`` of the input clips.
        block_setting: one :class:`MSBlockConfig` per block (at least two).
        residual_pool, residual_with_cls_embed, rel_pos_embed, proj_after_attn: see :class:`MultiscaleBlock`.
        dropout: dropout before the head (default 0.5).
        attention_dropout: dropout inside the blocks (default 0.0).
        stochastic_depth_prob: stochastic depth of the last block, growing linearly from 0 (default 0.0).
        num_classes: number of outputs (default 400).
        block: block class (default :class:`MultiscaleBlock`).
        norm_layer: normalisation class (default ``LayerNorm`` with ``eps=1e-6``).
        patch_embed_kernel, patch_embed_stride, patch_embed_padding: of the patch embedding (default
            ``(3, 7, 7)``, ``(2, 4, 4)``, ``(1, 3, 3)``).

    Shape:
        - Input: ``(N, 3, T, H, W)`` (or ``(N, 3, H, W)`` for ``T = 1``); Output: ``(N, num_classes)``.

    Raises:
        ValueError: ``block_setting`` is empty.

    Example::

        >>> cfg = [MSBlockConfig(1, 8, 16, [3, 3, 3], [3, 3, 3], [1, 2, 2], [1, 2, 2]),
        ...        MSBlockConfig(2, 16, 16, [], [3, 3, 3], [], [1, 1, 1])]
        >>> MViT((32, 32), 4, cfg, False, False, False, False, num_classes=3)(ember.randn(1, 3, 4, 32, 32)).shape
        ember.Size([1, 3])
    """

    def __init__(self, spatial_size, temporal_size, block_setting, residual_pool, residual_with_cls_embed,
                 rel_pos_embed, proj_after_attn, dropout=0.5, attention_dropout=0.0, stochastic_depth_prob=0.0,
                 num_classes=400, block=None, norm_layer=None, patch_embed_kernel=(3, 7, 7),
                 patch_embed_stride=(2, 4, 4), patch_embed_padding=(1, 3, 3)):
        super().__init__()
        total_stage_blocks = len(block_setting)
        if total_stage_blocks == 0:
            raise ValueError("The configuration parameter can't be empty.")
        if block is None:
            block = MultiscaleBlock
        if norm_layer is None:
            norm_layer = partial(nn.LayerNorm, eps=1e-6)

        self.conv_proj = nn.Conv3d(3, block_setting[0].input_channels, kernel_size=patch_embed_kernel,
                                   stride=patch_embed_stride, padding=patch_embed_padding)
        input_size = [size // stride for size, stride in zip((temporal_size,) + tuple(spatial_size),
                                                             self.conv_proj.stride)]
        self.pos_encoding = PositionalEncoding(embed_size=block_setting[0].input_channels,
                                               spatial_size=(input_size[1], input_size[2]),
                                               temporal_size=input_size[0], rel_pos_embed=rel_pos_embed)
        self.blocks = nn.ModuleList()
        for stage_block_id, cnf in enumerate(block_setting):
            sd_prob = stochastic_depth_prob * stage_block_id / (total_stage_blocks - 1.0)
            self.blocks.append(block(input_size=input_size, cnf=cnf, residual_pool=residual_pool,
                                     residual_with_cls_embed=residual_with_cls_embed, rel_pos_embed=rel_pos_embed,
                                     proj_after_attn=proj_after_attn, dropout=attention_dropout,
                                     stochastic_depth_prob=sd_prob, norm_layer=norm_layer))
            if len(cnf.stride_q) > 0:
                input_size = [size // stride for size, stride in zip(input_size, cnf.stride_q)]
        self.norm = norm_layer(block_setting[-1].output_channels)
        self.head = nn.Sequential(nn.Dropout(dropout, inplace=True),
                                  nn.Linear(block_setting[-1].output_channels, num_classes))

        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0.0)
            elif isinstance(m, nn.LayerNorm):
                if m.weight is not None:
                    nn.init.constant_(m.weight, 1.0)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0.0)
            elif isinstance(m, PositionalEncoding):
                for weights in m.parameters():
                    nn.init.trunc_normal_(weights, std=0.02)

    def forward(self, x):
        x = _unsqueeze(x, 5, 2)[0]  # an image batch is a one-frame clip
        x = self.conv_proj(x).flatten(2).transpose(1, 2)  # (B, T*H*W, C), time-major
        x = self.pos_encoding(x)
        thw = (self.pos_encoding.temporal_size,) + tuple(self.pos_encoding.spatial_size)
        for block in self.blocks:
            x, thw = block(x, thw)
        return self.head(self.norm(x)[:, 0])


def _mvit(block_setting, stochastic_depth_prob, weights, progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
        assert weights.meta["min_size"][0] == weights.meta["min_size"][1]
        _ovewrite_named_param(kwargs, "spatial_size", weights.meta["min_size"])
        _ovewrite_named_param(kwargs, "temporal_size", weights.meta["min_temporal_size"])
    spatial_size = kwargs.pop("spatial_size", (224, 224))
    temporal_size = kwargs.pop("temporal_size", 16)
    model = MViT(spatial_size=spatial_size, temporal_size=temporal_size, block_setting=block_setting,
                 residual_pool=kwargs.pop("residual_pool", False),
                 residual_with_cls_embed=kwargs.pop("residual_with_cls_embed", True),
                 rel_pos_embed=kwargs.pop("rel_pos_embed", False), proj_after_attn=kwargs.pop("proj_after_attn", False),
                 stochastic_depth_prob=stochastic_depth_prob, **kwargs)
    return _load_weights(model, weights, progress)


def _block_setting(num_heads, input_channels, output_channels, kernel_q, kernel_kv, stride_q, stride_kv):
    return [MSBlockConfig(*cfg) for cfg in zip(num_heads, input_channels, output_channels, kernel_q, kernel_kv,
                                                 stride_q, stride_kv)]


def _mvit_weights(file, accuracy, ops, file_size, recipe, num_params):
    transforms = {"crop_size": (224, 224), "resize_size": (256,), "mean": (0.45, 0.45, 0.45),
                  "std": (0.225, 0.225, 0.225)}
    return _kinetics(file, transforms, accuracy, ops, file_size, recipe, num_params=num_params, min_size=(224, 224),
                     min_temporal_size=16)


class MViT_V1_B_Weights(WeightsEnum):
    """Pre-trained weights of :func:`mvit_v1_b` (``DEFAULT`` is ``KINETICS400_V1``)."""

    KINETICS400_V1 = _mvit_weights("mvit_v1_b-dbeb1030.pth", (78.477, 93.582), 70.599, 139.764,
                                   "https://github.com/facebookresearch/pytorchvideo/blob/main/docs/source/model_zoo.md",
                                   36610672)
    DEFAULT = KINETICS400_V1


class MViT_V2_S_Weights(WeightsEnum):
    """Pre-trained weights of :func:`mvit_v2_s` (``DEFAULT`` is ``KINETICS400_V1``)."""

    KINETICS400_V1 = _mvit_weights("mvit_v2_s-ae3be167.pth", (80.757, 94.665), 64.224, 131.884,
                                   "https://github.com/facebookresearch/SlowFast/blob/main/MODEL_ZOO.md", 34537744)
    DEFAULT = KINETICS400_V1


# the 16 blocks of both models: heads and where the resolution halves (blocks 1, 3 and 14)
_HEADS = [1, 2, 2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 8, 8]
_STRIDE_KV = [[1, 8, 8], [1, 4, 4], [1, 4, 4]] + [[1, 2, 2]] * 11 + [[1, 1, 1]] * 2
_DOWN = (1, 3, 14)


@_builder("MViT-V1-B: the base Multiscale Vision Transformer (Fan et al. 2021).", MViT_V1_B_Weights, "MViT")
def mvit_v1_b(*, weights: MViT_V1_B_Weights | None = None, progress=True, **kwargs):
    weights = MViT_V1_B_Weights.verify(weights)
    # v1 widens in the MLP of the block before each downsampling one, and pools queries only where it downsamples
    block_setting = _block_setting(
        _HEADS, [96] + [192] * 2 + [384] * 11 + [768] * 2, [192] * 2 + [384] * 11 + [768] * 3,
        [[3, 3, 3] if i in _DOWN else [] for i in range(16)], [[3, 3, 3]] * 16,
        [[1, 2, 2] if i in _DOWN else [] for i in range(16)], _STRIDE_KV)
    return _mvit(spatial_size=(224, 224), temporal_size=16, block_setting=block_setting, residual_pool=False,
                 residual_with_cls_embed=False, stochastic_depth_prob=kwargs.pop("stochastic_depth_prob", 0.2),
                 weights=weights, progress=progress, **kwargs)


@_builder("MViT-V2-S: the small improved Multiscale Vision Transformer (Li et al. 2022).", MViT_V2_S_Weights,
          "MViT")
def mvit_v2_s(*, weights: MViT_V2_S_Weights | None = None, progress=True, **kwargs):
    weights = MViT_V2_S_Weights.verify(weights)
    # v2 widens in the attention of each downsampling block and pools queries (stride 1) everywhere
    block_setting = _block_setting(
        _HEADS, [96] * 2 + [192] * 2 + [384] * 11 + [768], [96] + [192] * 2 + [384] * 11 + [768] * 2,
        [[3, 3, 3]] * 16, [[3, 3, 3]] * 16, [[1, 2, 2] if i in _DOWN else [1, 1, 1] for i in range(16)], _STRIDE_KV)
    return _mvit(spatial_size=(224, 224), temporal_size=16, block_setting=block_setting, residual_pool=True,
                 residual_with_cls_embed=False, rel_pos_embed=True, proj_after_attn=True,
                 stochastic_depth_prob=kwargs.pop("stochastic_depth_prob", 0.2), weights=weights, progress=progress,
                 **kwargs)
