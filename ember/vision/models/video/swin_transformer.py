"""Video Swin Transformer (mirrors ``torchvision.models.video.swin_transformer``).

Swin Transformer extended to clips (Liu et al. 2022): 3D patches, attention inside 3D windows that shift by half
a window every other block, and the 2D model's blocks and patch merging (which merges spatially only).

Example::

    >>> from ember.vision.models.video import SwinTransformer3d
    >>> net = SwinTransformer3d([2, 4, 4], 16, [2, 1], [2, 2], [2, 3, 3], num_classes=5)
    >>> net(ember.randn(1, 3, 4, 24, 24)).shape
    ember.Size([1, 5])
"""

from functools import partial

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import WeightsEnum, _builder, _load_weights, _ovewrite_named_param
from ember.vision.models.swin_transformer import PatchMerging, SwinTransformerBlock, _shift_mask
from ember.vision.models.video.resnet import _kinetics

__all__ = ["SwinTransformer3d", "Swin3D_T_Weights", "Swin3D_S_Weights", "Swin3D_B_Weights", "swin3d_t", "swin3d_s",
           "swin3d_b"]


def _get_window_and_shift_size(shift_size, size_dhw, window_size):
    """The window and shift actually used for a ``(T, H, W)`` map: an axis no longer than its window gets a
    window of its full length and no shift."""
    window_size, shift_size = list(window_size), list(shift_size)
    for i in range(3):
        if size_dhw[i] <= window_size[i]:
            window_size[i] = size_dhw[i]
            shift_size[i] = 0
    return window_size, shift_size


def _compute_pad_size_3d(size_dhw, patch_size):
    """How much to append along each of ``(T, H, W)`` to reach a multiple of ``patch_size``."""
    return tuple((p - s % p) % p for s, p in zip(size_dhw, patch_size))


def _get_relative_position_bias(relative_position_bias_table, relative_position_index, window_size):
    """The ``(1, heads, N, N)`` bias of the ``N`` positions of a (possibly shrunk) window, gathered from the
    per-offset table (a shrunk window uses the first ``N`` rows and columns of the full window's index)."""
    n = window_size[0] * window_size[1] * window_size[2]
    bias = relative_position_bias_table[relative_position_index[:n, :n].flatten()].view(n, n, -1)
    return bias.permute(2, 0, 1).contiguous().unsqueeze(0)


def _compute_attention_mask_3d(x, size_dhw, window_size, shift_size):
    """The ``(windows, N, N)`` additive mask of shifted 3D window attention over a padded ``(T, H, W)`` map:
    -100 between positions that were not neighbours before the roll, 0 elsewhere."""
    return _shift_mask(size_dhw, window_size, shift_size, x.dtype, x.device)


def shifted_window_attention_3d(input, qkv_weight, proj_weight, relative_position_bias, window_size, num_heads,
                                shift_size, attention_dropout=0.0, dropout=0.0, qkv_bias=None, proj_bias=None,
                                training=True):
    """Multi-head self-attention within (shifted) 3D windows, the functional form of
    :class:`ShiftedWindowAttention3d`.

    The map is zero-padded to whole windows and, when shifting, rolled back by ``shift_size`` so that the windows
    straddle the previous ones; positions that only became neighbours by the roll are masked. ``window_size`` and
    ``shift_size`` are used as given (see :func:`_get_window_and_shift_size` for fitting them to a map).

    Args:
        input: the ``(B, T, H, W, C)`` feature map.
        qkv_weight, qkv_bias: the ``(3C, C)`` query/key/value projection (bias optional).
        proj_weight, proj_bias: the ``(C, C)`` output projection (bias optional).
        relative_position_bias: ``(1, num_heads, N, N)`` bias added to the attention logits (``N`` positions per
            window).
        window_size: ``[wt, wh, ww]``.
        num_heads: attention heads.
        shift_size: ``[st, sh, sw]``.
        attention_dropout: dropout on the attention weights (default 0.0).
        dropout: dropout on the output (default 0.0).
        training: apply the dropouts (default True).

    Shape:
        - Input: ``(B, T, H, W, C)``; Output: the same.

    Example::

        >>> x = ember.randn(1, 2, 4, 4, 4)
        >>> bias = ember.zeros(1, 2, 16, 16)
        >>> shifted_window_attention_3d(x, ember.randn(12, 4), ember.randn(4, 4), bias, [1, 4, 4], 2,
        ...                             [0, 2, 2]).shape
        ember.Size([1, 2, 4, 4, 4])
    """
    B, T, H, W, C = input.shape
    pad_t, pad_h, pad_w = _compute_pad_size_3d((T, H, W), window_size)
    x = F.pad(input, (0, 0, 0, pad_w, 0, pad_h, 0, pad_t))
    _, tp, hp, wp, _ = x.shape
    shifted = sum(shift_size) > 0
    if shifted:
        x = ember.roll(x, shifts=(-shift_size[0], -shift_size[1], -shift_size[2]), dims=(1, 2, 3))

    # (B, T, H, W, C) -> (B * windows, N, C)
    wt, wh, ww = window_size
    num_windows = (tp // wt) * (hp // wh) * (wp // ww)
    n_tok = wt * wh * ww
    x = x.view(B, tp // wt, wt, hp // wh, wh, wp // ww, ww, C).permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(
        B * num_windows, n_tok, C)

    qkv = F.linear(x, qkv_weight, qkv_bias)
    qkv = qkv.reshape(x.shape[0], n_tok, 3, num_heads, C // num_heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    attn = (q * (C // num_heads) ** -0.5).matmul(k.transpose(-2, -1)) + relative_position_bias
    if shifted:
        mask = _compute_attention_mask_3d(x, (tp, hp, wp), window_size, shift_size)
        attn = attn.view(x.shape[0] // num_windows, num_windows, num_heads, n_tok, n_tok)
        attn = (attn + mask.unsqueeze(1).unsqueeze(0)).view(-1, num_heads, n_tok, n_tok)
    attn = F.dropout(F.softmax(attn, dim=-1), p=attention_dropout, training=training)

    x = attn.matmul(v).transpose(1, 2).reshape(x.shape[0], n_tok, C)
    x = F.dropout(F.linear(x, proj_weight, proj_bias), p=dropout, training=training)

    # back to (B, T, H, W, C)
    x = x.view(B, tp // wt, hp // wh, wp // ww, wt, wh, ww, C).permute(0, 1, 4, 2, 5, 3, 6, 7).reshape(
        B, tp, hp, wp, C)
    if shifted:
        x = ember.roll(x, shifts=(shift_size[0], shift_size[1], shift_size[2]), dims=(1, 2, 3))
    return x[:, :T, :H, :W, :].contiguous()


class ShiftedWindowAttention3d(nn.Module):
    """3D window multi-head self-attention with a learnt relative position bias.

    Windows longer than the map along an axis shrink to it (and stop shifting along it) at run time.

    Args:
        dim: channels.
        window_size: ``[wt, wh, ww]``.
        shift_size: ``[st, sh, sw]`` (``[0, 0, 0]`` for unshifted windows).
        num_heads: attention heads.
        qkv_bias: bias in the query/key/value projection (default True).
        proj_bias: bias in the output projection (default True).
        attention_dropout: dropout on the attention weights (default 0.0).
        dropout: dropout on the output (default 0.0).

    Shape:
        - Input: ``(B, T, H, W, dim)``; Output: the same.

    Raises:
        ValueError: ``window_size`` or ``shift_size`` is not of length 3 (with torchvision's message, which says 2).

    Example::

        >>> attn = ShiftedWindowAttention3d(8, [2, 4, 4], [1, 2, 2], num_heads=2)
        >>> attn(ember.randn(1, 4, 8, 8, 8)).shape
        ember.Size([1, 4, 8, 8, 8])
    """

    def __init__(self, dim, window_size, shift_size, num_heads, qkv_bias=True, proj_bias=True,
                 attention_dropout=0.0, dropout=0.0):
        super().__init__()
        if len(window_size) != 3 or len(shift_size) != 3:
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
        """One learnt bias per head and relative 3D offset, ``N(0, 0.02)`` truncated at +-2."""
        rows = (2 * self.window_size[0] - 1) * (2 * self.window_size[1] - 1) * (2 * self.window_size[2] - 1)
        self.relative_position_bias_table = nn.Parameter(ember.zeros(rows, self.num_heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def define_relative_position_index(self):
        """The ``(N, N)`` buffer mapping each (query, key) pair of a window to its row of the bias table."""
        wt, wh, ww = self.window_size
        coords = ember.stack(ember.meshgrid(ember.arange(wt), ember.arange(wh), ember.arange(ww), indexing="ij"))
        coords = coords.flatten(1)
        rel = coords[:, :, None] - coords[:, None, :]  # (3, N, N) offsets
        index = ((rel[0] + (wt - 1)) * (2 * wh - 1) + (rel[1] + (wh - 1))) * (2 * ww - 1) + (rel[2] + (ww - 1))
        self.register_buffer("relative_position_index", index)

    def get_relative_position_bias(self, window_size):
        """The ``(1, num_heads, N, N)`` position bias of a window of ``window_size``."""
        return _get_relative_position_bias(self.relative_position_bias_table, self.relative_position_index,
                                           window_size)

    def forward(self, x):
        _, t, h, w, _ = x.shape
        window_size, shift_size = _get_window_and_shift_size(self.shift_size, [t, h, w], self.window_size)
        return shifted_window_attention_3d(x, self.qkv.weight, self.proj.weight,
                                           self.get_relative_position_bias(window_size), window_size, self.num_heads,
                                           shift_size=shift_size, attention_dropout=self.attention_dropout,
                                           dropout=self.dropout, qkv_bias=self.qkv.bias, proj_bias=self.proj.bias,
                                           training=self.training)


class PatchEmbed3d(nn.Module):
    """Split a clip into non-overlapping 3D patches and embed each linearly (a strided ``Conv3d``), then
    normalise; the clip is zero-padded at the end of each axis to whole patches.

    Args:
        patch_size: ``[pt, ph, pw]``.
        in_channels: input channels (default 3).
        embed_dim: output channels (default 96).
        norm_layer: normalisation class (default ``None``: no normalisation).

    Shape:
        - Input: ``(B, in_channels, T, H, W)``; Output: ``(B, ceil(T / pt), ceil(H / ph), ceil(W / pw), embed_dim)``.

    Example::

        >>> PatchEmbed3d([2, 4, 4], embed_dim=8)(ember.randn(1, 3, 3, 9, 8)).shape
        ember.Size([1, 2, 3, 2, 8])
    """

    def __init__(self, patch_size, in_channels=3, embed_dim=96, norm_layer=None):
        super().__init__()
        self.tuple_patch_size = (patch_size[0], patch_size[1], patch_size[2])
        self.proj = nn.Conv3d(in_channels, embed_dim, kernel_size=self.tuple_patch_size,
                              stride=self.tuple_patch_size)
        self.norm = norm_layer(embed_dim) if norm_layer is not None else nn.Identity()

    def forward(self, x):
        _, _, t, h, w = x.shape
        pad_t, pad_h, pad_w = _compute_pad_size_3d((t, h, w), self.tuple_patch_size)
        x = F.pad(x, (0, pad_w, 0, pad_h, 0, pad_t))
        return self.norm(self.proj(x).permute(0, 2, 3, 4, 1))


class SwinTransformer3d(nn.Module):
    """Video Swin Transformer (Liu et al. 2022): a 3D patch embedding, stages of Swin blocks over 3D windows
    (shifted in every second block) with spatial patch merging between them, a final norm, global average pooling
    and a linear classifier.

    Args:
        patch_size: ``[pt, ph, pw]`` of the patch embedding.
        embed_dim: channels of the first stage (doubled at each following stage).
        depths: blocks per stage.
        num_heads: attention heads per stage.
        window_size: ``[wt, wh, ww]``.
        mlp_ratio: hidden width of the MLPs over the channels (default 4.0).
        dropout: dropout probability (default 0.0).
        attention_dropout: dropout on the attention weights (default 0.0).
        stochastic_depth_prob: stochastic depth of the last block, growing linearly from 0 at the first
            (default 0.1).
        num_classes: number of outputs (default 400).
        norm_layer: normalisation class (default ``LayerNorm`` with ``eps=1e-5``).
        block: block class (default the 2D model's ``SwinTransformerBlock`` with
            :class:`ShiftedWindowAttention3d`).
        downsample_layer: patch merging class (default the 2D model's ``PatchMerging``).
        patch_embed: patch embedding class (default :class:`PatchEmbed3d`).

    Shape:
        - Input: ``(N, 3, T, H, W)``; Output: ``(N, num_classes)``.

    Example::

        >>> net = SwinTransformer3d([2, 4, 4], 16, [2, 1], [2, 2], [2, 3, 3], num_classes=5)
        >>> net(ember.randn(1, 3, 4, 24, 24)).shape
        ember.Size([1, 5])
    """

    def __init__(self, patch_size, embed_dim, depths, num_heads, window_size, mlp_ratio=4.0, dropout=0.0,
                 attention_dropout=0.0, stochastic_depth_prob=0.1, num_classes=400, norm_layer=None, block=None,
                 downsample_layer=PatchMerging, patch_embed=None):
        super().__init__()
        self.num_classes = num_classes
        if block is None:
            block = partial(SwinTransformerBlock, attn_layer=ShiftedWindowAttention3d)
        if norm_layer is None:
            norm_layer = partial(nn.LayerNorm, eps=1e-5)
        if patch_embed is None:
            patch_embed = PatchEmbed3d

        self.patch_embed = patch_embed(patch_size=patch_size, embed_dim=embed_dim, norm_layer=norm_layer)
        self.pos_drop = nn.Dropout(p=dropout)

        layers = []
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

        self.num_features = embed_dim * 2 ** (len(depths) - 1)
        self.norm = norm_layer(self.num_features)
        self.avgpool = nn.AdaptiveAvgPool3d(1)
        self.head = nn.Linear(self.num_features, num_classes)

        # every Linear (the blocks' MLPs included): N(0, 0.02) truncated, zero bias
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.features(self.pos_drop(self.patch_embed(x)))  # (B, T, H, W, C)
        x = self.norm(x).permute(0, 4, 1, 2, 3)
        return self.head(self.avgpool(x).flatten(1))


def _swin_transformer3d(patch_size, embed_dim, depths, num_heads, window_size, stochastic_depth_prob, weights,
                        progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = SwinTransformer3d(patch_size=patch_size, embed_dim=embed_dim, depths=depths, num_heads=num_heads,
                              window_size=window_size, stochastic_depth_prob=stochastic_depth_prob, **kwargs)
    return _load_weights(model, weights, progress)


_SWIN3D_RECIPE = "https://github.com/SwinTransformer/Video-Swin-Transformer#kinetics-400"


def _swin3d_weights(file, accuracy, ops, file_size, num_params):
    transforms = {"crop_size": (224, 224), "resize_size": (256,), "mean": (0.485, 0.456, 0.406),
                  "std": (0.229, 0.224, 0.225)}
    return _kinetics(file, transforms, accuracy, ops, file_size, _SWIN3D_RECIPE, num_params=num_params,
                     min_temporal_size=1)


class Swin3D_T_Weights(WeightsEnum):
    """Pre-trained weights of :func:`swin3d_t` (``DEFAULT`` is ``KINETICS400_V1``)."""

    KINETICS400_V1 = _swin3d_weights("swin3d_t-7615ae03.pth", (77.715, 93.519), 43.882, 121.543, 28158070)
    DEFAULT = KINETICS400_V1


class Swin3D_S_Weights(WeightsEnum):
    """Pre-trained weights of :func:`swin3d_s` (``DEFAULT`` is ``KINETICS400_V1``)."""

    KINETICS400_V1 = _swin3d_weights("swin3d_s-da41c237.pth", (79.521, 94.158), 82.841, 218.288, 49816678)
    DEFAULT = KINETICS400_V1


class Swin3D_B_Weights(WeightsEnum):
    """Pre-trained weights of :func:`swin3d_b` (``DEFAULT`` is ``KINETICS400_V1``; ``KINETICS400_IMAGENET22K_V1``
    starts from ImageNet-22k pre-training)."""

    KINETICS400_V1 = _swin3d_weights("swin3d_b_1k-24f7c7c6.pth", (79.427, 94.386), 140.667, 364.134, 88048984)
    KINETICS400_IMAGENET22K_V1 = _swin3d_weights("swin3d_b_22k-7c6ae6fa.pth", (81.643, 95.574), 140.667, 364.134,
                                                 88048984)
    DEFAULT = KINETICS400_V1


@_builder("Swin3D-T: the tiny Video Swin Transformer (Liu et al. 2022).", Swin3D_T_Weights, "SwinTransformer3d")
def swin3d_t(*, weights: Swin3D_T_Weights | None = None, progress=True, **kwargs):
    return _swin_transformer3d(patch_size=[2, 4, 4], embed_dim=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24],
                               window_size=[8, 7, 7], stochastic_depth_prob=0.1,
                               weights=Swin3D_T_Weights.verify(weights), progress=progress, **kwargs)


@_builder("Swin3D-S: the small Video Swin Transformer.", Swin3D_S_Weights, "SwinTransformer3d")
def swin3d_s(*, weights: Swin3D_S_Weights | None = None, progress=True, **kwargs):
    return _swin_transformer3d(patch_size=[2, 4, 4], embed_dim=96, depths=[2, 2, 18, 2], num_heads=[3, 6, 12, 24],
                               window_size=[8, 7, 7], stochastic_depth_prob=0.1,
                               weights=Swin3D_S_Weights.verify(weights), progress=progress, **kwargs)


@_builder("Swin3D-B: the base Video Swin Transformer.", Swin3D_B_Weights, "SwinTransformer3d")
def swin3d_b(*, weights: Swin3D_B_Weights | None = None, progress=True, **kwargs):
    return _swin_transformer3d(patch_size=[2, 4, 4], embed_dim=128, depths=[2, 2, 18, 2], num_heads=[4, 8, 16, 32],
                               window_size=[8, 7, 7], stochastic_depth_prob=0.1,
                               weights=Swin3D_B_Weights.verify(weights), progress=progress, **kwargs)
