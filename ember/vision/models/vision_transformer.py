"""Vision Transformer, ViT (mirrors ``torchvision.models.vision_transformer``).

The image is cut into square patches, each embedded linearly; a learnt class token and learnt position
embeddings are added and the sequence goes through a pre-norm transformer encoder, whose class-token output is
classified.

Example::

    >>> from ember.vision.models import VisionTransformer
    >>> net = VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32,
    ...                         num_classes=5)
    >>> net(ember.randn(2, 3, 32, 32)).shape
    ember.Size([2, 5])
"""

import functools
import math
from collections import OrderedDict
from functools import partial
from typing import NamedTuple

import ember
import ember.nn as nn
from ember.vision.models._api import (_BUILDER_DOC, _REFS, WeightsEnum, _builder, _imagenet, _legacy_builder,
                                      _load_weights, _ovewrite_named_param, _warn_positional, register_model)
from ember.vision.ops.misc import MLP, Conv2dNormActivation
from ember.vision.transforms.functional import InterpolationMode

__all__ = ["VisionTransformer", "ViT_B_16_Weights", "ViT_B_32_Weights", "ViT_L_16_Weights", "ViT_L_32_Weights",
           "ViT_H_14_Weights", "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14"]


class ConvStemConfig(NamedTuple):
    """One convolution of an optional convolutional stem replacing the patch projection (Xiao et al. 2021).

    Example::

        >>> ConvStemConfig(out_channels=64, kernel_size=3, stride=2).norm_layer
        <class 'ember.nn.modules.batchnorm.BatchNorm2d'>
    """

    out_channels: int
    kernel_size: int
    stride: int
    norm_layer: type = nn.BatchNorm2d
    activation_layer: type = nn.ReLU


class MLPBlock(MLP):
    """The transformer's feed-forward block: ``Linear -> GELU -> Dropout -> Linear -> Dropout``.

    Args:
        in_dim: input and output features.
        mlp_dim: hidden features.
        dropout: dropout probability.

    Shape:
        - Input: ``(*, in_dim)``; Output: ``(*, in_dim)``.

    Example::

        >>> MLPBlock(16, 32, 0.0)(ember.randn(2, 5, 16)).shape
        ember.Size([2, 5, 16])
    """

    # version 2 names the linear layers "0" and "3" (version 1 said "linear_1" and "linear_2")
    _version = 2

    def __init__(self, in_dim, mlp_dim, dropout):
        super().__init__(in_dim, [mlp_dim, in_dim], activation_layer=nn.GELU, inplace=None, dropout=dropout)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.normal_(m.bias, std=1e-6)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        version = local_metadata.get("version", None)
        if version is None or version < 2:
            for i, new in ((1, "0"), (2, "3")):  # old checkpoints: linear_1 / linear_2
                for kind in ("weight", "bias"):
                    old_key = f"{prefix}linear_{i}.{kind}"
                    if old_key in state_dict:
                        state_dict[f"{prefix}{new}.{kind}"] = state_dict.pop(old_key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


def _check_sequence(input):
    if input.dim() != 3:
        raise AssertionError(f"Expected (batch_size, seq_length, hidden_dim) got {input.shape}")


class EncoderBlock(nn.Module):
    """One pre-norm transformer layer: ``x + Dropout(SelfAttention(LN(x)))``, then ``x + MLP(LN(x))``.

    Args:
        num_heads: attention heads.
        hidden_dim: token width.
        mlp_dim: hidden width of the feed-forward block.
        dropout: dropout after attention and in the feed-forward block.
        attention_dropout: dropout on the attention weights.
        norm_layer: normalisation class (default ``LayerNorm`` with ``eps=1e-6``).

    Shape:
        - Input: ``(N, S, hidden_dim)``; Output: the same.

    Example::

        >>> EncoderBlock(2, 16, 32, 0.0, 0.0)(ember.randn(2, 5, 16)).shape
        ember.Size([2, 5, 16])
    """

    def __init__(self, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                 norm_layer=partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads, dropout=attention_dropout,
                                                    batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, input):
        _check_sequence(input)
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x) + input
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    """The transformer encoder: learnt position embeddings (``N(0, 0.02)``), dropout, ``num_layers``
    :class:`EncoderBlock` and a final norm.

    Args:
        seq_length: tokens per sequence (patches plus the class token).
        num_layers: number of blocks.
        num_heads: attention heads.
        hidden_dim: token width.
        mlp_dim: hidden width of the feed-forward blocks.
        dropout: dropout probability.
        attention_dropout: dropout on the attention weights.
        norm_layer: normalisation class (default ``LayerNorm`` with ``eps=1e-6``).

    Shape:
        - Input: ``(N, seq_length, hidden_dim)``; Output: the same.

    Example::

        >>> Encoder(5, 2, 2, 16, 32, 0.0, 0.0)(ember.randn(2, 5, 16)).shape
        ember.Size([2, 5, 16])
    """

    def __init__(self, seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                 norm_layer=partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.pos_embedding = nn.Parameter(ember.empty(1, seq_length, hidden_dim).normal_(std=0.02))
        self.dropout = nn.Dropout(dropout)
        layers = OrderedDict()
        for i in range(num_layers):
            layers[f"encoder_layer_{i}"] = EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                                                        norm_layer)
        self.layers = nn.Sequential(layers)
        self.ln = norm_layer(hidden_dim)

    def forward(self, input):
        _check_sequence(input)
        return self.ln(self.layers(self.dropout(input + self.pos_embedding)))


class VisionTransformer(nn.Module):
    """Vision Transformer (Dosovitskiy et al. 2020).

    Args:
        image_size: side of the (square) input images.
        patch_size: side of the square patches; must divide ``image_size``.
        num_layers: encoder blocks.
        num_heads: attention heads.
        hidden_dim: token width.
        mlp_dim: hidden width of the feed-forward blocks.
        dropout: dropout probability (default 0.0).
        attention_dropout: dropout on the attention weights (default 0.0).
        num_classes: number of outputs (default 1000).
        representation_size: width of an extra ``Linear -> Tanh`` before the head (default none).
        norm_layer: normalisation class (default ``LayerNorm`` with ``eps=1e-6``).
        conv_stem_configs: a list of :class:`ConvStemConfig` for a convolutional stem instead of the patch
            projection (default none).

    Shape:
        - Input: ``(N, 3, image_size, image_size)``; Output: ``(N, num_classes)``.

    Raises:
        AssertionError: ``patch_size`` does not divide ``image_size``, or (in ``forward``) the input is not
            ``image_size`` square.

    Example::

        >>> net = VisionTransformer(32, 8, num_layers=1, num_heads=2, hidden_dim=16, mlp_dim=32, num_classes=3)
        >>> net(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 3])
    """

    def __init__(self, image_size, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, dropout=0.0,
                 attention_dropout=0.0, num_classes=1000, representation_size=None,
                 norm_layer=partial(nn.LayerNorm, eps=1e-6), conv_stem_configs=None):
        super().__init__()
        if image_size % patch_size != 0:
            raise AssertionError("Input shape indivisible by patch size!")
        self.image_size = image_size
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.mlp_dim = mlp_dim
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.num_classes = num_classes
        self.representation_size = representation_size
        self.norm_layer = norm_layer

        if conv_stem_configs is not None:
            stem = nn.Sequential()
            prev = 3
            for i, cfg in enumerate(conv_stem_configs):
                stem.add_module(f"conv_bn_relu_{i}", Conv2dNormActivation(
                    in_channels=prev, out_channels=cfg.out_channels, kernel_size=cfg.kernel_size, stride=cfg.stride,
                    norm_layer=cfg.norm_layer, activation_layer=cfg.activation_layer))
                prev = cfg.out_channels
            stem.add_module("conv_last", nn.Conv2d(prev, hidden_dim, kernel_size=1))
            self.conv_proj = stem
        else:
            self.conv_proj = nn.Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size)

        seq_length = (image_size // patch_size) ** 2 + 1  # the patches and the class token
        self.class_token = nn.Parameter(ember.zeros(1, 1, hidden_dim))
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                               norm_layer)
        self.seq_length = seq_length

        heads = OrderedDict()
        if representation_size is None:
            heads["head"] = nn.Linear(hidden_dim, num_classes)
        else:
            heads["pre_logits"] = nn.Linear(hidden_dim, representation_size)
            heads["act"] = nn.Tanh()
            heads["head"] = nn.Linear(representation_size, num_classes)
        self.heads = nn.Sequential(heads)

        # LeCun-normal (truncated) patch projection, zero-initialised classifier
        if isinstance(self.conv_proj, nn.Conv2d):
            fan_in = self.conv_proj.in_channels * self.conv_proj.kernel_size[0] * self.conv_proj.kernel_size[1]
            nn.init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
            if self.conv_proj.bias is not None:
                nn.init.zeros_(self.conv_proj.bias)
        elif isinstance(getattr(self.conv_proj, "conv_last", None), nn.Conv2d):
            last = self.conv_proj.conv_last
            nn.init.normal_(last.weight, mean=0.0, std=math.sqrt(2.0 / last.out_channels))
            if last.bias is not None:
                nn.init.zeros_(last.bias)
        if isinstance(getattr(self.heads, "pre_logits", None), nn.Linear):
            pre = self.heads.pre_logits
            nn.init.trunc_normal_(pre.weight, std=math.sqrt(1 / pre.in_features))
            nn.init.zeros_(pre.bias)
        if isinstance(self.heads.head, nn.Linear):
            nn.init.zeros_(self.heads.head.weight)
            nn.init.zeros_(self.heads.head.bias)

    def _process_input(self, x):
        """``(N, 3, H, W)`` images to ``(N, patches, hidden_dim)`` patch embeddings."""
        n, _, h, w = x.shape
        if h != self.image_size:
            raise AssertionError(f"Wrong image height! Expected {self.image_size} but got {h}!")
        if w != self.image_size:
            raise AssertionError(f"Wrong image width! Expected {self.image_size} but got {w}!")
        x = self.conv_proj(x)
        p = self.patch_size
        return x.reshape(n, self.hidden_dim, (h // p) * (w // p)).permute(0, 2, 1)

    def forward(self, x):
        x = self._process_input(x)
        x = ember.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)
        x = self.encoder(x)
        return self.heads(x[:, 0])


def _vision_transformer(patch_size, num_layers, num_heads, hidden_dim, mlp_dim, weights, progress, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
        assert weights.meta["min_size"][0] == weights.meta["min_size"][1]
        _ovewrite_named_param(kwargs, "image_size", weights.meta["min_size"][0])
    image_size = kwargs.pop("image_size", 224)
    model = VisionTransformer(image_size=image_size, patch_size=patch_size, num_layers=num_layers,
                              num_heads=num_heads, hidden_dim=hidden_dim, mlp_dim=mlp_dim, **kwargs)
    return _load_weights(model, weights, progress)


_SWAG_LICENSE = "https://github.com/facebookresearch/SWAG/blob/main/LICENSE"
_BICUBIC = InterpolationMode.BICUBIC


def _swag(file, size, accuracy, ops, file_size, recipe, num_params):
    """Weights from the SWAG project (end-to-end fine-tuned, or a linear classifier on frozen features)."""
    w = _imagenet(file, {"crop_size": size, "resize_size": size, "interpolation": _BICUBIC}, accuracy, ops,
                  file_size, recipe, num_params=num_params, min_size=(size, size))
    w.meta["license"] = _SWAG_LICENSE
    return w


def _swag_e2e(file, size, accuracy, ops, file_size, num_params):
    return _swag(file, size, accuracy, ops, file_size, "https://github.com/facebookresearch/SWAG", num_params)


def _swag_linear(file, accuracy, ops, file_size, num_params):
    return _swag(file, 224, accuracy, ops, file_size, "https://github.com/pytorch/vision/pull/5793", num_params)


class ViT_B_16_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vit_b_16` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("vit_b_16-c867db91.pth", {"crop_size": 224}, (81.072, 95.318), 17.564, 330.285,
                              _REFS + "#vit_b_16", num_params=86567656, min_size=(224, 224))
    IMAGENET1K_SWAG_E2E_V1 = _swag_e2e("vit_b_16_swag-9ac1b537.pth", 384, (85.304, 97.65), 55.484, 331.398,
                                       86859496)
    IMAGENET1K_SWAG_LINEAR_V1 = _swag_linear("vit_b_16_lc_swag-4e70ced5.pth", (81.886, 96.18), 17.564, 330.285,
                                             86567656)
    DEFAULT = IMAGENET1K_V1


class ViT_B_32_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vit_b_32` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("vit_b_32-d86f8d99.pth", {"crop_size": 224}, (75.912, 92.466), 4.409, 336.604,
                              _REFS + "#vit_b_32", num_params=88224232, min_size=(224, 224))
    DEFAULT = IMAGENET1K_V1


class ViT_L_16_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vit_l_16` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("vit_l_16-852ce7e3.pth", {"crop_size": 224, "resize_size": 242}, (79.662, 94.638),
                              61.555, 1161.023, _REFS + "#vit_l_16", num_params=304326632, min_size=(224, 224))
    IMAGENET1K_SWAG_E2E_V1 = _swag_e2e("vit_l_16_swag-4f3808c9.pth", 512, (88.064, 98.512), 361.986, 1164.258,
                                       305174504)
    IMAGENET1K_SWAG_LINEAR_V1 = _swag_linear("vit_l_16_lc_swag-4d563306.pth", (85.146, 97.422), 61.555, 1161.023,
                                             304326632)
    DEFAULT = IMAGENET1K_V1


class ViT_L_32_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vit_l_32` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("vit_l_32-c7638314.pth", {"crop_size": 224}, (76.972, 93.07), 15.378, 1169.449,
                              _REFS + "#vit_l_32", num_params=306535400, min_size=(224, 224))
    DEFAULT = IMAGENET1K_V1


class ViT_H_14_Weights(WeightsEnum):
    """Pre-trained weights of :func:`vit_h_14` (``DEFAULT`` is ``IMAGENET1K_SWAG_E2E_V1``, for 518x518 inputs)."""

    IMAGENET1K_SWAG_E2E_V1 = _swag_e2e("vit_h_14_swag-80465313.pth", 518, (88.552, 98.694), 1016.717, 2416.643,
                                       633470440)
    IMAGENET1K_SWAG_LINEAR_V1 = _swag_linear("vit_h_14_lc_swag-c1eb923e.pth", (85.708, 97.73), 167.295, 2411.209,
                                             632045800)
    DEFAULT = IMAGENET1K_SWAG_E2E_V1


@_builder("ViT-B/16 (Dosovitskiy et al. 2020).", ViT_B_16_Weights, "VisionTransformer")
def vit_b_16(*, weights: ViT_B_16_Weights | None = None, progress=True, **kwargs):
    return _vision_transformer(patch_size=16, num_layers=12, num_heads=12, hidden_dim=768, mlp_dim=3072,
                               weights=ViT_B_16_Weights.verify(weights), progress=progress, **kwargs)


@_builder("ViT-B/32.", ViT_B_32_Weights, "VisionTransformer")
def vit_b_32(*, weights: ViT_B_32_Weights | None = None, progress=True, **kwargs):
    return _vision_transformer(patch_size=32, num_layers=12, num_heads=12, hidden_dim=768, mlp_dim=3072,
                               weights=ViT_B_32_Weights.verify(weights), progress=progress, **kwargs)


@_builder("ViT-L/16.", ViT_L_16_Weights, "VisionTransformer")
def vit_l_16(*, weights: ViT_L_16_Weights | None = None, progress=True, **kwargs):
    return _vision_transformer(patch_size=16, num_layers=24, num_heads=16, hidden_dim=1024, mlp_dim=4096,
                               weights=ViT_L_16_Weights.verify(weights), progress=progress, **kwargs)


@_builder("ViT-L/32.", ViT_L_32_Weights, "VisionTransformer")
def vit_l_32(*, weights: ViT_L_32_Weights | None = None, progress=True, **kwargs):
    return _vision_transformer(patch_size=32, num_layers=24, num_heads=16, hidden_dim=1024, mlp_dim=4096,
                               weights=ViT_L_32_Weights.verify(weights), progress=progress, **kwargs)


def _without_legacy_weights(fn):
    """Builder decorator for a model that had no weights before torchvision 0.13: positional arguments and
    ``pretrained=False`` are accepted with the usual warnings, but ``pretrained=True`` has no weights to mean."""
    legacy = _legacy_builder(fn)
    first = next(iter(fn.__kwdefaults__))  # the first keyword-only parameter: weights

    @functools.wraps(fn)
    def builder(*args, **kwargs):
        if args:
            value = args[0]
            asked = not (value is None or isinstance(value, (WeightsEnum, str))) and bool(value)
        else:
            asked = bool(kwargs.get("pretrained", False))
        if asked:
            if args:
                _warn_positional(list(fn.__kwdefaults__)[:len(args)] or [first])
            raise ValueError(f"No weights available for model {fn.__name__}")
        return legacy(*args, **kwargs)

    return builder


def _vit_h_14(*, weights: ViT_H_14_Weights | None = None, progress=True, **kwargs):
    return _vision_transformer(patch_size=14, num_layers=32, num_heads=16, hidden_dim=1280, mlp_dim=5120,
                               weights=ViT_H_14_Weights.verify(weights), progress=progress, **kwargs)


_vit_h_14.__name__ = _vit_h_14.__qualname__ = "vit_h_14"
_vit_h_14.__doc__ = "ViT-H/14." + _BUILDER_DOC.format(enum="ViT_H_14_Weights", cls="VisionTransformer",
                                                      name="vit_h_14")
vit_h_14 = register_model()(_without_legacy_weights(_vit_h_14))


def interpolate_embeddings(image_size, patch_size, model_state, interpolation_mode="bicubic", reset_heads=False):
    """Resize the position embeddings of a ViT state_dict for another image size (to fine-tune pre-trained
    weights at a new resolution).

    The class token's embedding is kept; the patch embeddings, seen as a square grid, are interpolated to
    ``image_size // patch_size`` per side (``align_corners=True``).

    Args:
        image_size: the new image side.
        patch_size: the model's patch side.
        model_state: the state_dict (changed in place, and returned).
        interpolation_mode: mode of :func:`ember.nn.functional.interpolate` (default ``"bicubic"``).
        reset_heads: drop the ``heads.*`` entries when the embeddings are resized (default False).

    Returns:
        the state_dict with the new ``encoder.pos_embedding``.

    Raises:
        ValueError: the position embedding's batch size is not 1, or its patch count is not a square.

    Example::

        >>> net = VisionTransformer(32, 8, 1, 2, 16, 32)
        >>> state = interpolate_embeddings(48, 8, net.state_dict())
        >>> tuple(state["encoder.pos_embedding"].shape)
        (1, 37, 16)
    """
    pos_embedding = model_state["encoder.pos_embedding"]
    n, seq_length, hidden_dim = pos_embedding.shape
    if n != 1:
        raise ValueError(f"Unexpected position embedding shape: {pos_embedding.shape}")
    new_seq_length = (image_size // patch_size) ** 2 + 1
    if new_seq_length != seq_length:
        new_seq_length -= 1
        seq_length -= 1
        token, grid = pos_embedding[:, :1, :], pos_embedding[:, 1:, :].permute(0, 2, 1)
        side = int(math.sqrt(seq_length))
        if side * side != seq_length:
            raise ValueError(f"seq_length is not a perfect square! Instead got seq_length_1d * seq_length_1d = "
                             f"{side * side } and seq_length = {seq_length}")
        grid = grid.reshape(1, hidden_dim, side, side)
        grid = nn.functional.interpolate(grid, size=image_size // patch_size, mode=interpolation_mode,
                                         align_corners=True)
        grid = grid.reshape(1, hidden_dim, new_seq_length).permute(0, 2, 1)
        model_state["encoder.pos_embedding"] = ember.cat([token, grid], dim=1)
        if reset_heads:
            model_state = OrderedDict((k, v) for k, v in model_state.items() if not k.startswith("heads"))
    return model_state
