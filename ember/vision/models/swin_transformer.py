"""Swin Transformer, V1 and V2 (mirrors ``torchvision.models.swin_transformer``).

Self-attention inside local windows that shift by half a window every other block, with patch merging between
stages; V2 uses scaled cosine attention, a log-spaced continuous position bias and post-norm residual blocks.

Example::

    >>> from ember.vision.models import SwinTransformer
    >>> net = SwinTransformer([4, 4], 16, depths=[2, 2], num_heads=[2, 2], window_size=[4, 4], num_classes=5)
    >>> net(ember.randn(2, 3, 32, 32)).shape
    ember.Size([2, 5])
"""

import math
from functools import partial

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import (_REFS, WeightsEnum, _builder, _imagenet, _load_weights,
                                      _ovewrite_named_param)
from ember.vision.ops.misc import MLP, Permute, StochasticDepth
from ember.vision.transforms.functional import InterpolationMode

__all__ = ["SwinTransformer", "Swin_T_Weights", "Swin_S_Weights", "Swin_B_Weights", "Swin_V2_T_Weights",
           "Swin_V2_S_Weights", "Swin_V2_B_Weights", "swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s",
           "swin_v2_b"]


def _patch_merging_pad(x):
    """``(..., H, W, C)`` to ``(..., ceil(H/2), ceil(W/2), 4C)``: each 2x2 neighbourhood's features side by side
    (odd sizes padded with zeros first)."""
    H, W = x.shape[-3], x.shape[-2]
    x = F.pad(x, (0, 0, 0, W % 2, 0, H % 2))
    # order: (even row, even col), (odd, even), (even, odd), (odd, odd)
    return ember.cat([x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :], x[..., 0::2, 1::2, :], x[..., 1::2, 1::2, :]],
                     -1)


class PatchMerging(nn.Module):
    """Halve the resolution and double the width: 2x2 neighbourhoods concatenated, normalised, then projected.

    Args:
        dim: input channels.
        norm_layer: normalisation class (default ``nn.LayerNorm``).

    Shape:
        - Input: ``(N, H, W, dim)``; Output: ``(N, ceil(H / 2), ceil(W / 2), 2 * dim)``.

    Example::

        >>> PatchMerging(8)(ember.randn(2, 5, 6, 8)).shape
        ember.Size([2, 3, 3, 16])
    """

    def __init__(self, dim, norm_layer=nn.LayerNorm):
        super().__init__()
        self.dim = dim
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = norm_layer(4 * dim)

    def forward(self, x):
        return self.reduction(self.norm(_patch_merging_pad(x)))


class PatchMergingV2(nn.Module):
    """Swin V2's patch merging: as :class:`PatchMerging`, but normalised after the projection.

    Args:
        dim: input channels.
        norm_layer: normalisation class (default ``nn.LayerNorm``).

    Shape:
        - Input: ``(N, H, W, dim)``; Output: ``(N, ceil(H / 2), ceil(W / 2), 2 * dim)``.

    Example::

        >>> PatchMergingV2(8)(ember.randn(2, 4, 4, 8)).shape
        ember.Size([2, 2, 2, 16])
    """

    def __init__(self, dim, norm_layer=nn.LayerNorm):
        super().__init__()
        self.dim = dim
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = norm_layer(2 * dim)

    def forward(self, x):
        return self.norm(self.reduction(_patch_merging_pad(x)))


def _get_relative_position_bias(relative_position_bias_table, relative_position_index, window_size):
    """The ``(1, heads, N, N)`` bias of the ``N`` positions of a window, gathered from the per-offset table."""
    n = window_size[0] * window_size[1]
    bias = relative_position_bias_table[relative_position_index].view(n, n, -1)
    return bias.permute(2, 0, 1).contiguous().unsqueeze(0)


def _region_ids(size, window, shift):
    """Which of three bands each row (or column) of a rolled map belongs to: before the last window, the last
    window's rows that were neighbours before the roll, and the ``shift`` rows wrapped around from the start."""
    idx = ember.arange(size)
    if shift == 0:  # no roll along this axis: one band
        return ember.zeros(size, dtype=ember.int64)
    return (idx >= size - window).long() + (idx >= size - shift).long()


def _shift_mask(pad_sizes, window_size, shift_size, dtype, device):
    """The ``(windows, N, N)`` additive mask of shifted-window attention over a padded map of ``pad_sizes`` (2D
    or 3D, the video model's too): -100 between positions that were not neighbours before the roll, 0
    elsewhere."""
    d = len(pad_sizes)
    ids = 0  # each position's band combination, one base-3 digit per axis
    for axis, (size, window, shift) in enumerate(zip(pad_sizes, window_size, shift_size)):
        ids = ids * 3 + _region_ids(size, window, shift).view([-1 if a == axis else 1 for a in range(d)])
    # (n_0, w_0, n_1, w_1, ...) -> (windows, N): window indices first, then positions within a window
    ids = ids.view([v for size, window in zip(pad_sizes, window_size) for v in (size // window, window)])
    ids = ids.permute(list(range(0, 2 * d, 2)) + list(range(1, 2 * d, 2))).reshape(-1, math.prod(window_size))
    differ = ids.unsqueeze(1) != ids.unsqueeze(2)
    return differ.to(dtype=dtype, device=device) * -100.0


def shifted_window_attention(input, qkv_weight, proj_weight, relative_position_bias, window_size, num_heads,
                             shift_size, attention_dropout=0.0, dropout=0.0, qkv_bias=None, proj_bias=None,
                             logit_scale=None, training=True):
    """Multi-head self-attention within (shifted) windows, the functional form of
    :class:`ShiftedWindowAttention`.

    The map is zero-padded to whole windows and, when shifting, rolled back by ``shift_size`` so that the
    windows straddle the previous ones; positions that only became neighbours by the roll are masked. A shift
    is dropped along an axis that a single window covers.

    Args:
        input: the ``(B, H, W, C)`` feature map.
        qkv_weight, qkv_bias: the ``(3C, C)`` query/key/value projection (bias optional).
        proj_weight, proj_bias: the ``(C, C)`` output projection (bias optional).
        relative_position_bias: ``(1, num_heads, N, N)`` bias added to the attention logits (``N`` positions per
            window).
        window_size: ``[wh, ww]``.
        num_heads: attention heads.
        shift_size: ``[sh, sw]``.
        attention_dropout: dropout on the attention weights (default 0.0).
        dropout: dropout on the output (default 0.0).
        logit_scale: per-head ``(num_heads, 1, 1)`` log temperature; when given, cosine attention (Swin V2), and
            the key part of ``qkv_bias`` is ignored.
        training: apply the dropouts (default True).

    Shape:
        - Input: ``(B, H, W, C)``; Output: the same.

    Example::

        >>> x = ember.randn(1, 8, 8, 4)
        >>> bias = ember.zeros(1, 2, 16, 16)
        >>> shifted_window_attention(x, ember.randn(12, 4), ember.randn(4, 4), bias, [4, 4], 2, [2, 2]).shape
        ember.Size([1, 8, 8, 4])
    """
    B, H, W, C = input.shape
    ws0, ws1 = window_size[0], window_size[1]
    pad_r = (ws1 - W % ws1) % ws1
    pad_b = (ws0 - H % ws0) % ws0
    x = F.pad(input, (0, 0, 0, pad_r, 0, pad_b))
    _, pad_H, pad_W, _ = x.shape

    shift_size = list(shift_size)
    if ws0 >= pad_H:  # one window covers the axis: shifting would change nothing but the mask
        shift_size[0] = 0
    if ws1 >= pad_W:
        shift_size[1] = 0
    shifted = sum(shift_size) > 0
    if shifted:
        x = ember.roll(x, shifts=(-shift_size[0], -shift_size[1]), dims=(1, 2))

    # (B, H, W, C) -> (B * windows, N, C)
    num_windows = (pad_H // ws0) * (pad_W // ws1)
    x = x.view(B, pad_H // ws0, ws0, pad_W // ws1, ws1, C).permute(0, 1, 3, 2, 4, 5).reshape(
        B * num_windows, ws0 * ws1, C)

    if logit_scale is not None and qkv_bias is not None:
        # V2 has no key bias: its part of the bias is held at zero (and gets no gradient)
        length = qkv_bias.numel() // 3
        qkv_bias = ember.cat([qkv_bias[:length], ember.zeros_like(qkv_bias[length:2 * length]),
                              qkv_bias[2 * length:]])
    qkv = F.linear(x, qkv_weight, qkv_bias)
    n_tok = x.shape[1]
    qkv = qkv.reshape(x.shape[0], n_tok, 3, num_heads, C // num_heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    if logit_scale is not None:
        attn = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
        attn = attn * ember.clamp(logit_scale, max=math.log(100.0)).exp()
    else:
        attn = (q * (C // num_heads) ** -0.5).matmul(k.transpose(-2, -1))
    attn = attn + relative_position_bias

    if shifted:
        mask = _shift_mask((pad_H, pad_W), window_size, shift_size, attn.dtype, attn.device)
        attn = attn.view(x.shape[0] // num_windows, num_windows, num_heads, n_tok, n_tok)
        attn = (attn + mask.unsqueeze(1).unsqueeze(0)).view(-1, num_heads, n_tok, n_tok)

    attn = F.softmax(attn, dim=-1)
    attn = F.dropout(attn, p=attention_dropout, training=training)
    x = attn.matmul(v).transpose(1, 2).reshape(x.shape[0], n_tok, C)
    x = F.linear(x, proj_weight, proj_bias)
    x = F.dropout(x, p=dropout, training=training)

    # back to (B, H, W, C)
    x = x.view(B, pad_H // ws0, pad_W // ws1, ws0, ws1, C).permute(0, 1, 3, 2, 4, 5).reshape(B, pad_H, pad_W, C)
    if shifted:
        x = ember.roll(x, shifts=(shift_size[0], shift_size[1]), dims=(1, 2))
    return x[:, :H, :W, :].contiguous()


class ShiftedWindowAttention(nn.Module):
    """Window multi-head self-attention with a learnt relative position bias (Swin V1).

    Args:
        dim: channels.
        window_size: ``[wh, ww]``.
        shift_size: ``[sh, sw]`` (``[0, 0]`` for unshifted windows).
        num_heads: attention heads.
        qkv_bias: bias in the query/key/value projection (default True).
        proj_bias: bias in the output projection (default True).
        attention_dropout: dropout on the attention weights (default 0.0).
        dropout: dropout on the output (default 0.0).

    Shape:
        - Input: ``(B, H, W, dim)``; Output: the same.

    Raises:
        ValueError: ``window_size`` or ``shift_size`` is not of length 2.

    Example::

        >>> attn = ShiftedWindowAttention(8, [4, 4], [2, 2], num_heads=2)
        >>> attn(ember.randn(1, 8, 8, 8)).shape
        ember.Size([1, 8, 8, 8])
    """

    def __init__(self, dim, window_size, shift_size, num_heads, qkv_bias=True, proj_bias=True,
                 attention_dropout=0.0, dropout=0.0):
        super().__init__()
        if len(window_size) != 2 or len(shift_size) != 2:
            raise ValueError("window_size and shift_size must be of length 2")
        self.window_size = window_size
        self.shift_size = shift_size
        self.num_heads = num_heads
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        self.define_relative_position_bias_table()
        self.define_relative_position_index()

    def define_relative_position_bias_table(self):
        """One learnt bias per head and relative offset, ``N(0, 0.02)`` truncated at +-2."""
        rows = (2 * self.window_size[0] - 1) * (2 * self.window_size[1] - 1)
        self.relative_position_bias_table = nn.Parameter(ember.zeros(rows, self.num_heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def define_relative_position_index(self):
        """The buffer mapping each (query, key) pair of a window to its row of the bias table."""
        ws0, ws1 = self.window_size[0], self.window_size[1]
        coords = ember.stack(ember.meshgrid(ember.arange(ws0), ember.arange(ws1), indexing="ij")).flatten(1)
        rel = coords[:, :, None] - coords[:, None, :]  # (2, N, N) offsets
        index = (rel[0] + (ws0 - 1)) * (2 * ws1 - 1) + (rel[1] + (ws1 - 1))
        self.register_buffer("relative_position_index", index.flatten())

    def get_relative_position_bias(self):
        """The ``(1, num_heads, N, N)`` position bias of a window."""
        return _get_relative_position_bias(self.relative_position_bias_table, self.relative_position_index,
                                           self.window_size)

    def forward(self, x):
        return shifted_window_attention(x, self.qkv.weight, self.proj.weight, self.get_relative_position_bias(),
                                        self.window_size, self.num_heads, shift_size=self.shift_size,
                                        attention_dropout=self.attention_dropout, dropout=self.dropout,
                                        qkv_bias=self.qkv.bias, proj_bias=self.proj.bias, training=self.training)


class ShiftedWindowAttentionV2(ShiftedWindowAttention):
    """Swin V2's window attention: cosine similarity scaled by a learnt per-head temperature, and a position
    bias computed by a small MLP from log-spaced relative coordinates (``16 * sigmoid`` of it).

    Takes the arguments of :class:`ShiftedWindowAttention`; the key part of the ``qkv`` bias is held at zero.

    Shape:
        - Input: ``(B, H, W, dim)``; Output: the same.

    Example::

        >>> attn = ShiftedWindowAttentionV2(8, [4, 4], [2, 2], num_heads=2)
        >>> attn(ember.randn(1, 8, 8, 8)).shape
        ember.Size([1, 8, 8, 8])
    """

    def __init__(self, dim, window_size, shift_size, num_heads, qkv_bias=True, proj_bias=True,
                 attention_dropout=0.0, dropout=0.0):
        super().__init__(dim, window_size, shift_size, num_heads, qkv_bias=qkv_bias, proj_bias=proj_bias,
                         attention_dropout=attention_dropout, dropout=dropout)
        self.logit_scale = nn.Parameter(ember.log(10 * ember.ones((num_heads, 1, 1))))
        self.cpb_mlp = nn.Sequential(nn.Linear(2, 512, bias=True), nn.ReLU(inplace=True),
                                     nn.Linear(512, num_heads, bias=False))
        if qkv_bias:
            length = self.qkv.bias.numel() // 3
            with ember.no_grad():
                self.qkv.bias[length:2 * length].zero_()

    def define_relative_position_bias_table(self):
        """The buffer of relative coordinates, scaled to ``[-8, 8]`` and log-spaced, that feeds the bias MLP."""
        ws0, ws1 = self.window_size[0], self.window_size[1]
        h = ember.arange(-(ws0 - 1), ws0, dtype=ember.float32)
        w = ember.arange(-(ws1 - 1), ws1, dtype=ember.float32)
        table = ember.stack(ember.meshgrid(h, w, indexing="ij")).permute(1, 2, 0).contiguous().unsqueeze(0)
        table = table / ember.tensor([ws0 - 1, ws1 - 1], dtype=ember.float32) * 8
        table = ember.sign(table) * ember.log2(ember.abs(table) + 1.0) / 3.0
        self.register_buffer("relative_coords_table", table)

    def get_relative_position_bias(self):
        bias = _get_relative_position_bias(self.cpb_mlp(self.relative_coords_table).view(-1, self.num_heads),
                                           self.relative_position_index, self.window_size)
        return 16 * ember.sigmoid(bias)

    def forward(self, x):
        return shifted_window_attention(x, self.qkv.weight, self.proj.weight, self.get_relative_position_bias(),
                                        self.window_size, self.num_heads, shift_size=self.shift_size,
                                        attention_dropout=self.attention_dropout, dropout=self.dropout,
                                        qkv_bias=self.qkv.bias, proj_bias=self.proj.bias,
                                        logit_scale=self.logit_scale, training=self.training)


class SwinTransformerBlock(nn.Module):
    """A pre-norm Swin block: ``x + SD(Attention(LN(x)))``, then ``x + SD(MLP(LN(x)))`` (``SD``: stochastic
    depth).

    Args:
        dim: channels.
        num_heads: attention heads.
        window_size: ``[wh, ww]``.
        shift_size: ``[sh, sw]``.
        mlp_ratio: hidden width of the MLP over ``dim`` (default 4.0).
        dropout: dropout probability (default 0.0).
        attention_dropout: dropout on the attention weights (default 0.0).
        stochastic_depth_prob: probability of dropping the residual branches (default 0.0).
        norm_layer: normalisation class (default ``nn.LayerNorm``).
        attn_layer: attention class (default :class:`ShiftedWindowAttention`).

    Shape:
        - Input: ``(B, H, W, dim)``; Output: the same.

    Example::

        >>> SwinTransformerBlock(8, 2, [4, 4], [0, 0])(ember.randn(1, 8, 8, 8)).shape
        ember.Size([1, 8, 8, 8])
    """

    def __init__(self, dim, num_heads, window_size, shift_size, mlp_ratio=4.0, dropout=0.0, attention_dropout=0.0,
                 stochastic_depth_prob=0.0, norm_layer=nn.LayerNorm, attn_layer=ShiftedWindowAttention):
        super().__init__()
        self.norm1 = norm_layer(dim)
        self.attn = attn_layer(dim, window_size, shift_size, num_heads, attention_dropout=attention_dropout,
                               dropout=dropout)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.norm2 = norm_layer(dim)
        self.mlp = MLP(dim, [int(dim * mlp_ratio), dim], activation_layer=nn.GELU, inplace=None, dropout=dropout)
        for m in self.mlp.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.normal_(m.bias, std=1e-6)

    def forward(self, x):
        x = x + self.stochastic_depth(self.attn(self.norm1(x)))
        return x + self.stochastic_depth(self.mlp(self.norm2(x)))


class SwinTransformerBlockV2(SwinTransformerBlock):
    """A Swin V2 block: residual post-norm, ``x + SD(LN(Attention(x)))``, then ``x + SD(LN(MLP(x)))``.

    Takes the arguments of :class:`SwinTransformerBlock`; ``attn_layer`` defaults to
    :class:`ShiftedWindowAttentionV2`.

    Shape:
        - Input: ``(B, H, W, dim)``; Output: the same.

    Example::

        >>> SwinTransformerBlockV2(8, 2, [4, 4], [2, 2])(ember.randn(1, 8, 8, 8)).shape
        ember.Size([1, 8, 8, 8])
    """

    def __init__(self, dim, num_heads, window_size, shift_size, mlp_ratio=4.0, dropout=0.0, attention_dropout=0.0,
                 stochastic_depth_prob=0.0, norm_layer=nn.LayerNorm, attn_layer=ShiftedWindowAttentionV2):
        super().__init__(dim, num_heads, window_size, shift_size, mlp_ratio=mlp_ratio, dropout=dropout,
                         attention_dropout=attention_dropout, stochastic_depth_prob=stochastic_depth_prob,
                         norm_layer=norm_layer, attn_layer=attn_layer)

    def forward(self, x):
        x = x + self.stochastic_depth(self.norm1(self.attn(x)))
        return x + self.stochastic_depth(self.norm2(self.mlp(x)))


class SwinTransformer(nn.Module):
    """Swin Transformer (Liu et al. 2021; V2: Liu et al. 2022): a patch embedding, stages of Swin blocks
    (windows shifted in every second block) with patch merging between them, a final norm, global average pooling
    and a linear classifier.

    Args:
        patch_size: ``[ph, pw]`` of the patch embedding.
        embed_dim: channels of the first stage (doubled at each following stage).
        depths: blocks per stage.
        num_heads: attention heads per stage.
        window_size: ``[wh, ww]``.
        mlp_ratio: hidden width of the MLPs over the channels (default 4.0).
        dropout: dropout probability (default 0.0).
        attention_dropout: dropout on the attention weights (default 0.0).
        stochastic_depth_prob: stochastic depth of the last block, growing linearly from 0 at the first
            (default 0.1).
        num_classes: number of outputs (default 1000).
        norm_layer: normalisation class (default ``LayerNorm`` with ``eps=1e-5``).
        block: block class (default :class:`SwinTransformerBlock`; :class:`SwinTransformerBlockV2` for V2).
        downsample_layer: patch merging class (default :class:`PatchMerging`; :class:`PatchMergingV2` for V2).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: ``(N, num_classes)``.

    Example::

        >>> net = SwinTransformer([4, 4], 16, [2, 2], [2, 2], [4, 4], block=SwinTransformerBlockV2,
        ...                       downsample_layer=PatchMergingV2, num_classes=3)
        >>> net(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 3])
    """

    def __init__(self, patch_size, embed_dim, depths, num_heads, window_size, mlp_ratio=4.0, dropout=0.0,
                 attention_dropout=0.0, stochastic_depth_prob=0.1, num_classes=1000, norm_layer=None, block=None,
                 downsample_layer=PatchMerging):
        super().__init__()
        self.num_classes = num_classes
        if block is None:
            block = SwinTransformerBlock
        if norm_layer is None:
            norm_layer = partial(nn.LayerNorm, eps=1e-5)

        patch = (patch_size[0], patch_size[1])
        layers = [nn.Sequential(nn.Conv2d(3, embed_dim, kernel_size=patch, stride=patch), Permute([0, 2, 3, 1]),
                                norm_layer(embed_dim))]
        total_blocks = sum(depths)
        block_id = 0
        for i_stage, depth in enumerate(depths):
            dim = embed_dim * 2 ** i_stage
            stage = []
            for i_layer in range(depth):
                sd_prob = stochastic_depth_prob * float(block_id) / (total_blocks - 1)
                shift = [0 if i_layer % 2 == 0 else w // 2 for w in window_size]
                stage.append(block(dim, num_heads[i_stage], window_size=window_size, shift_size=shift,
                                   mlp_ratio=mlp_ratio, dropout=dropout, attention_dropout=attention_dropout,
                                   stochastic_depth_prob=sd_prob, norm_layer=norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
            if i_stage < len(depths) - 1:
                layers.append(downsample_layer(dim, norm_layer))
        self.features = nn.Sequential(*layers)

        num_features = embed_dim * 2 ** (len(depths) - 1)
        self.norm = norm_layer(num_features)
        self.permute = Permute([0, 3, 1, 2])  # (N, H, W, C) -> (N, C, H, W)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1)
        self.head = nn.Linear(num_features, num_classes)

        # every Linear (the blocks' MLPs and V2's bias MLPs included): N(0, 0.02) truncated, zero bias
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.permute(self.norm(self.features(x)))
        return self.head(self.flatten(self.avgpool(x)))


def _swin_transformer(patch_size, embed_dim, depths, num_heads, window_size, stochastic_depth_prob, weights,
                      progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = SwinTransformer(patch_size=patch_size, embed_dim=embed_dim, depths=depths, num_heads=num_heads,
                            window_size=window_size, stochastic_depth_prob=stochastic_depth_prob, **kwargs)
    return _load_weights(model, weights, progress)


def _swin_weights(file, size, resize, accuracy, ops, file_size, num_params, v2):
    recipe = _REFS + ("#swintransformer-v2" if v2 else "#swintransformer")
    return _imagenet(file, {"crop_size": size, "resize_size": resize, "interpolation": InterpolationMode.BICUBIC},
                     accuracy, ops, file_size, recipe, num_params=num_params, min_size=(size, size))


class Swin_T_Weights(WeightsEnum):
    """Pre-trained weights of :func:`swin_t` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _swin_weights("swin_t-704ceda3.pth", 224, 232, (81.474, 95.776), 4.491, 108.19, 28288354, False)
    DEFAULT = IMAGENET1K_V1


class Swin_S_Weights(WeightsEnum):
    """Pre-trained weights of :func:`swin_s` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _swin_weights("swin_s-5e29d889.pth", 224, 246, (83.196, 96.36), 8.741, 189.786, 49606258, False)
    DEFAULT = IMAGENET1K_V1


class Swin_B_Weights(WeightsEnum):
    """Pre-trained weights of :func:`swin_b` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _swin_weights("swin_b-68c6b09e.pth", 224, 238, (83.582, 96.64), 15.431, 335.364, 87768224, False)
    DEFAULT = IMAGENET1K_V1


class Swin_V2_T_Weights(WeightsEnum):
    """Pre-trained weights of :func:`swin_v2_t` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _swin_weights("swin_v2_t-b137f0e2.pth", 256, 260, (82.072, 96.132), 5.94, 108.626, 28351570,
                                  True)
    DEFAULT = IMAGENET1K_V1


class Swin_V2_S_Weights(WeightsEnum):
    """Pre-trained weights of :func:`swin_v2_s` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _swin_weights("swin_v2_s-637d8ceb.pth", 256, 260, (83.712, 96.816), 11.546, 190.675, 49737442,
                                  True)
    DEFAULT = IMAGENET1K_V1


class Swin_V2_B_Weights(WeightsEnum):
    """Pre-trained weights of :func:`swin_v2_b` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _swin_weights("swin_v2_b-781e5279.pth", 256, 272, (84.112, 96.864), 20.325, 336.372, 87930848,
                                  True)
    DEFAULT = IMAGENET1K_V1


_V2 = {"block": SwinTransformerBlockV2, "downsample_layer": PatchMergingV2}


@_builder("Swin-T (Liu et al. 2021).", Swin_T_Weights, "SwinTransformer")
def swin_t(*, weights: Swin_T_Weights | None = None, progress=True, **kwargs):
    return _swin_transformer(patch_size=[4, 4], embed_dim=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24],
                             window_size=[7, 7], stochastic_depth_prob=0.2, weights=Swin_T_Weights.verify(weights),
                             progress=progress, **kwargs)


@_builder("Swin-S.", Swin_S_Weights, "SwinTransformer")
def swin_s(*, weights: Swin_S_Weights | None = None, progress=True, **kwargs):
    return _swin_transformer(patch_size=[4, 4], embed_dim=96, depths=[2, 2, 18, 2], num_heads=[3, 6, 12, 24],
                             window_size=[7, 7], stochastic_depth_prob=0.3, weights=Swin_S_Weights.verify(weights),
                             progress=progress, **kwargs)


@_builder("Swin-B.", Swin_B_Weights, "SwinTransformer")
def swin_b(*, weights: Swin_B_Weights | None = None, progress=True, **kwargs):
    return _swin_transformer(patch_size=[4, 4], embed_dim=128, depths=[2, 2, 18, 2], num_heads=[4, 8, 16, 32],
                             window_size=[7, 7], stochastic_depth_prob=0.5, weights=Swin_B_Weights.verify(weights),
                             progress=progress, **kwargs)


@_builder("Swin-V2-T (Liu et al. 2022).", Swin_V2_T_Weights, "SwinTransformer")
def swin_v2_t(*, weights: Swin_V2_T_Weights | None = None, progress=True, **kwargs):
    return _swin_transformer(patch_size=[4, 4], embed_dim=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24],
                             window_size=[8, 8], stochastic_depth_prob=0.2, weights=Swin_V2_T_Weights.verify(weights),
                             progress=progress, **_V2, **kwargs)


@_builder("Swin-V2-S.", Swin_V2_S_Weights, "SwinTransformer")
def swin_v2_s(*, weights: Swin_V2_S_Weights | None = None, progress=True, **kwargs):
    return _swin_transformer(patch_size=[4, 4], embed_dim=96, depths=[2, 2, 18, 2], num_heads=[3, 6, 12, 24],
                             window_size=[8, 8], stochastic_depth_prob=0.3, weights=Swin_V2_S_Weights.verify(weights),
                             progress=progress, **_V2, **kwargs)


@_builder("Swin-V2-B.", Swin_V2_B_Weights, "SwinTransformer")
def swin_v2_b(*, weights: Swin_V2_B_Weights | None = None, progress=True, **kwargs):
    return _swin_transformer(patch_size=[4, 4], embed_dim=128, depths=[2, 2, 18, 2], num_heads=[4, 8, 16, 32],
                             window_size=[8, 8], stochastic_depth_prob=0.5, weights=Swin_V2_B_Weights.verify(weights),
                             progress=progress, **_V2, **kwargs)
