"""MaxViT (mirrors ``torchvision.models.maxvit``).

Each layer is an MBConv block followed by two attention passes over the feature map: block (window) attention
inside non-overlapping ``P x P`` windows, then grid attention over a sparse ``P x P`` grid of positions that spans
the whole map. Module names and nesting follow torchvision's, so state_dicts are interchangeable.

Example::

    >>> from ember.vision.models.maxvit import MaxVit
    >>> net = MaxVit((64, 64), 8, 4, [8, 16], [1, 1], head_dim=4, stochastic_depth_prob=0.0, num_classes=5)
    >>> net(ember.randn(2, 3, 64, 64)).shape
    ember.Size([2, 5])
"""

import math
from collections import OrderedDict
from functools import partial

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember._backend import xp
from ember.vision.models._api import _REFS, WeightsEnum, _builder, _imagenet, _load_weights, _ovewrite_named_param
from ember.vision.ops.misc import Conv2dNormActivation, SqueezeExcitation, StochasticDepth
from ember.vision.transforms.functional import InterpolationMode

__all__ = ["MaxVit", "MaxVit_T_Weights", "maxvit_t"]


def _get_conv_output_shape(input_size, kernel_size, stride, padding):
    """``(H, W)`` after a square convolution of the given kernel size, stride and padding."""
    return ((input_size[0] - kernel_size + 2 * padding) // stride + 1,
            (input_size[1] - kernel_size + 2 * padding) // stride + 1)


def _make_block_input_shapes(input_size, n_blocks):
    """The ``(H, W)`` map each of ``n_blocks`` blocks works at (after its strided first layer): the stem and every
    block halve it (3x3 stride-2 convolutions with padding 1)."""
    shapes = []
    size = _get_conv_output_shape(input_size, 3, 2, 1)
    for _ in range(n_blocks):
        size = _get_conv_output_shape(size, 3, 2, 1)
        shapes.append(size)
    return shapes


def _get_relative_position_index(height, width):
    """The ``(H*W, H*W)`` int64 table giving, for each (query, key) pair of a ``height x width`` window, the row of
    the relative position bias table of their offset."""
    coords = ember.stack(ember.meshgrid(ember.arange(height), ember.arange(width), indexing="ij")).flatten(1)
    rel = coords[:, :, None] - coords[:, None, :]  # (2, N, N) offsets
    return (rel[0] + (height - 1)) * (2 * width - 1) + (rel[1] + (width - 1))


class MBConv(nn.Module):
    """The inverted-bottleneck convolution of MaxViT: pre-norm, 1x1 expansion, 3x3 depthwise convolution (strided
    when downsampling), squeeze-and-excitation and a 1x1 projection, added to a shortcut (average pooling and a
    1x1 convolution where the shape changes).

    Args:
        in_channels: input channels.
        out_channels: output channels.
        expansion_ratio: width of the bottleneck over ``out_channels``.
        squeeze_ratio: width of the squeeze-and-excitation bottleneck over ``out_channels``.
        stride: stride of the depthwise convolution (2 downsamples).
        activation_layer: activation class.
        norm_layer: normalisation class.
        p_stochastic_dropout: stochastic depth probability of the residual branch (default 0.0: none).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, out_channels, H_out, W_out)``.

    Example::

        >>> block = MBConv(8, 16, 4, 0.25, 2, nn.GELU, nn.BatchNorm2d)
        >>> block(ember.randn(2, 8, 8, 8)).shape
        ember.Size([2, 16, 4, 4])
    """

    def __init__(self, in_channels, out_channels, expansion_ratio, squeeze_ratio, stride, activation_layer,
                 norm_layer, p_stochastic_dropout=0.0):
        super().__init__()
        if stride != 1 or in_channels != out_channels:
            proj = [nn.AvgPool2d(kernel_size=3, stride=stride, padding=1)] if stride == 2 else []
            proj.append(nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=1, bias=True))
            self.proj = nn.Sequential(*proj)
        else:
            self.proj = nn.Identity()
        mid_channels = int(out_channels * expansion_ratio)
        sqz_channels = int(out_channels * squeeze_ratio)
        self.stochastic_depth = (StochasticDepth(p_stochastic_dropout, mode="row") if p_stochastic_dropout
                                 else nn.Identity())
        self.layers = nn.Sequential(OrderedDict([
            ("pre_norm", norm_layer(in_channels)),
            ("conv_a", Conv2dNormActivation(in_channels, mid_channels, kernel_size=1, stride=1, padding=0,
                                            activation_layer=activation_layer, norm_layer=norm_layer,
                                            inplace=None)),
            ("conv_b", Conv2dNormActivation(mid_channels, mid_channels, kernel_size=3, stride=stride, padding=1,
                                            activation_layer=activation_layer, norm_layer=norm_layer,
                                            groups=mid_channels, inplace=None)),
            ("squeeze_excitation", SqueezeExcitation(mid_channels, sqz_channels, activation=nn.SiLU)),
            ("conv_c", nn.Conv2d(mid_channels, out_channels, kernel_size=1, bias=True)),
        ]))

    def forward(self, x):
        return self.proj(x) + self.stochastic_depth(self.layers(x))


class RelativePositionalMultiHeadAttention(nn.Module):
    """Multi-head self-attention over the ``P`` tokens of each group, with a learnt bias per head and relative
    offset (the tokens form a square ``sqrt(P) x sqrt(P)`` window).

    The logits are scaled by ``feat_dim ** -0.5`` (not ``head_dim ** -0.5``), as torchvision's.

    Args:
        feat_dim: channels ``D``.
        head_dim: channels per head (must divide ``feat_dim``).
        max_seq_len: tokens per group ``P`` (a square number).

    Shape:
        - Input: ``(B, G, P, D)``; Output: the same.

    Raises:
        ValueError: ``feat_dim`` is not a multiple of ``head_dim``.

    Example::

        >>> attn = RelativePositionalMultiHeadAttention(8, 4, 16)
        >>> attn(ember.randn(2, 3, 16, 8)).shape
        ember.Size([2, 3, 16, 8])
    """

    def __init__(self, feat_dim, head_dim, max_seq_len):
        super().__init__()
        if feat_dim % head_dim != 0:
            raise ValueError(f"feat_dim: {feat_dim} must be divisible by head_dim: {head_dim}")
        self.n_heads = feat_dim // head_dim
        self.head_dim = head_dim
        self.size = int(math.sqrt(max_seq_len))
        self.max_seq_len = max_seq_len
        self.to_qkv = nn.Linear(feat_dim, self.n_heads * self.head_dim * 3)
        self.scale_factor = feat_dim ** -0.5
        self.merge = nn.Linear(self.head_dim * self.n_heads, feat_dim)
        self.relative_position_bias_table = nn.Parameter(
            ember.empty(((2 * self.size - 1) * (2 * self.size - 1), self.n_heads), dtype=ember.float32))
        self.register_buffer("relative_position_index", _get_relative_position_index(self.size, self.size))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def get_relative_positional_bias(self):
        """The ``(1, n_heads, P, P)`` bias, gathered from the per-offset table."""
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        bias = bias.view(self.max_seq_len, self.max_seq_len, -1)
        return bias.permute(2, 0, 1).contiguous().unsqueeze(0)

    def forward(self, x):
        B, G, P, D = x.shape
        H, DH = self.n_heads, self.head_dim
        # (B, G, P, 3D) -> three (B, G, H, P, DH)
        qkv = self.to_qkv(x).reshape(B, G, P, 3, H, DH).permute(3, 0, 1, 4, 2, 5)
        q, k, v = qkv[0], qkv[1], qkv[2]
        k = k * self.scale_factor
        attn = q.matmul(k.transpose(-2, -1)) + self.get_relative_positional_bias()
        attn = F.softmax(attn, dim=-1)
        out = attn.matmul(v).permute(0, 1, 3, 2, 4).reshape(B, G, P, D)
        return self.merge(out)


class SwapAxes(nn.Module):
    """Swap dimensions ``a`` and ``b`` of the input.

    Example::

        >>> SwapAxes(-2, -3)(ember.randn(2, 3, 4, 5)).shape
        ember.Size([2, 4, 3, 5])
    """

    def __init__(self, a, b):
        super().__init__()
        self.a = a
        self.b = b

    def forward(self, x):
        return ember.swapaxes(x, self.a, self.b)


class WindowPartition(nn.Module):
    """Cut an ``(B, C, H, W)`` map into ``p x p`` windows: ``(B, (H/p) * (W/p), p * p, C)``, windows in row-major
    order and positions row-major within each.

    Example::

        >>> WindowPartition()(ember.randn(2, 8, 12, 8), 4).shape
        ember.Size([2, 6, 16, 8])
    """

    def forward(self, x, p):
        B, C, H, W = x.shape
        x = x.reshape(B, C, H // p, p, W // p, p)
        x = x.permute(0, 2, 4, 3, 5, 1)
        return x.reshape(B, (H // p) * (W // p), p * p, C)


class WindowDepartition(nn.Module):
    """The inverse of :class:`WindowPartition`: ``(B, h_partitions * w_partitions, p * p, C)`` back to
    ``(B, C, h_partitions * p, w_partitions * p)``.

    Example::

        >>> WindowDepartition()(ember.randn(2, 6, 16, 8), 4, 3, 2).shape
        ember.Size([2, 8, 12, 8])
    """

    def forward(self, x, p, h_partitions, w_partitions):
        B, G, PP, C = x.shape
        x = x.reshape(B, h_partitions, w_partitions, p, p, C)
        x = x.permute(0, 5, 1, 3, 2, 4)
        return x.reshape(B, C, h_partitions * p, w_partitions * p)


class PartitionAttentionLayer(nn.Module):
    """Pre-norm attention then MLP, each a residual with stochastic depth, over the partitions of a map.

    ``"window"``: attention among the ``partition_size ** 2`` positions of each ``partition_size`` window.
    ``"grid"``: the map is cut into ``n x n`` windows (``n = grid_size[0] // partition_size``) and attention runs
    among the positions at the same place in every window, a dilated grid spanning the whole map.

    Args:
        in_channels: channels.
        head_dim: channels per attention head.
        partition_size: side of the attended square of positions.
        partition_type: ``"window"`` or ``"grid"``.
        grid_size: ``(H, W)`` of the input map (the output map always has this size).
        mlp_ratio: hidden width of the MLP over ``in_channels``.
        activation_layer: activation class of the MLP.
        norm_layer: normalisation class before the attention.
        attention_dropout: dropout after the attention.
        mlp_dropout: dropout after the MLP.
        p_stochastic_dropout: stochastic depth probability of both residual branches.

    Shape:
        - Input: ``(B, in_channels, H, W)``; Output: the same.

    Raises:
        ValueError: an unknown ``partition_type``.
        AssertionError: (forward) ``grid_size`` is not a multiple of the partitioning.

    Example::

        >>> layer = PartitionAttentionLayer(8, 4, 4, "grid", (16, 16), 4, nn.GELU, nn.LayerNorm, 0.0, 0.0, 0.0)
        >>> layer(ember.randn(2, 8, 16, 16)).shape
        ember.Size([2, 8, 16, 16])
    """

    def __init__(self, in_channels, head_dim, partition_size, partition_type, grid_size, mlp_ratio,
                 activation_layer, norm_layer, attention_dropout, mlp_dropout, p_stochastic_dropout):
        super().__init__()
        self.n_heads = in_channels // head_dim
        self.head_dim = head_dim
        self.n_partitions = grid_size[0] // partition_size
        self.partition_type = partition_type
        self.grid_size = grid_size
        if partition_type not in ("grid", "window"):
            raise ValueError("partition_type must be either 'grid' or 'window'")
        # p: the side of the windows cut; g: the side of the attended square
        if partition_type == "window":
            self.p, self.g = partition_size, self.n_partitions
        else:
            self.p, self.g = self.n_partitions, partition_size
        self.partition_op = WindowPartition()
        self.departition_op = WindowDepartition()
        # grid: attend across windows (same offset in each) instead of within one
        self.partition_swap = SwapAxes(-2, -3) if partition_type == "grid" else nn.Identity()
        self.departition_swap = SwapAxes(-2, -3) if partition_type == "grid" else nn.Identity()
        self.attn_layer = nn.Sequential(norm_layer(in_channels),
                                        RelativePositionalMultiHeadAttention(in_channels, head_dim,
                                                                             partition_size ** 2),
                                        nn.Dropout(attention_dropout))
        self.mlp_layer = nn.Sequential(nn.LayerNorm(in_channels), nn.Linear(in_channels, in_channels * mlp_ratio),
                                       activation_layer(), nn.Linear(in_channels * mlp_ratio, in_channels),
                                       nn.Dropout(mlp_dropout))
        self.stochastic_dropout = StochasticDepth(p_stochastic_dropout, mode="row")

    def forward(self, x):
        if self.grid_size[0] % self.p != 0 or self.grid_size[1] % self.p != 0:
            raise AssertionError(f"Grid size must be divisible by partition size. Got grid size of {self.grid_size} "
                                 f"and partition size of {self.p}")
        # the map's size is the constructed grid_size (a different input fails in the reshapes)
        gh, gw = self.grid_size[0] // self.p, self.grid_size[1] // self.p
        x = self.partition_swap(self.partition_op(x, self.p))
        x = x + self.stochastic_dropout(self.attn_layer(x))
        x = x + self.stochastic_dropout(self.mlp_layer(x))
        return self.departition_op(self.departition_swap(x), self.p, gh, gw)


class MaxVitLayer(nn.Module):
    """One MaxViT layer: :class:`MBConv`, then window attention, then grid attention (children of
    ``self.layers``: ``MBconv``, ``window_attention``, ``grid_attention``).

    Args:
        in_channels, out_channels: channels in and out.
        squeeze_ratio, expansion_ratio: of the :class:`MBConv`.
        stride: of the :class:`MBConv` (2 in a block's first layer).
        norm_layer: normalisation class of the :class:`MBConv`.
        activation_layer: activation class.
        head_dim: channels per attention head.
        mlp_ratio: hidden width of the attention layers' MLPs over ``out_channels``.
        mlp_dropout, attention_dropout: dropout probabilities of the attention layers.
        p_stochastic_dropout: stochastic depth probability of every residual branch of the layer.
        partition_size: side of the attended windows and grids.
        grid_size: ``(H, W)`` of the output map.

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, out_channels, *grid_size)``.

    Example::

        >>> layer = MaxVitLayer(8, 16, 0.25, 4, 2, nn.BatchNorm2d, nn.GELU, 4, 4, 0.0, 0.0, 0.0, 4, (8, 8))
        >>> layer(ember.randn(2, 8, 16, 16)).shape
        ember.Size([2, 16, 8, 8])
    """

    def __init__(self, in_channels, out_channels, squeeze_ratio, expansion_ratio, stride, norm_layer,
                 activation_layer, head_dim, mlp_ratio, mlp_dropout, attention_dropout, p_stochastic_dropout,
                 partition_size, grid_size):
        super().__init__()
        attention = partial(PartitionAttentionLayer, out_channels, head_dim, partition_size, grid_size=grid_size,
                            mlp_ratio=mlp_ratio, activation_layer=activation_layer, norm_layer=nn.LayerNorm,
                            attention_dropout=attention_dropout, mlp_dropout=mlp_dropout,
                            p_stochastic_dropout=p_stochastic_dropout)
        self.layers = nn.Sequential(OrderedDict([
            ("MBconv", MBConv(in_channels, out_channels, expansion_ratio, squeeze_ratio, stride, activation_layer,
                              norm_layer, p_stochastic_dropout=p_stochastic_dropout)),
            ("window_attention", attention(partition_type="window")),
            ("grid_attention", attention(partition_type="grid")),
        ]))

    def forward(self, x):
        return self.layers(x)


class MaxVitBlock(nn.Module):
    """A stage of :class:`MaxVitLayer` s, the first one halving the resolution (``self.layers``, a ModuleList).

    Args:
        in_channels, out_channels: channels in and out.
        squeeze_ratio, expansion_ratio, norm_layer, activation_layer, head_dim, mlp_ratio, mlp_dropout,
            attention_dropout, partition_size: as for :class:`MaxVitLayer`.
        input_grid_size: ``(H, W)`` of the input map (``self.grid_size`` is the output's).
        n_layers: number of layers (the length of ``p_stochastic`` is what counts).
        p_stochastic: stochastic depth probability of each layer.

    Shape:
        - Input: ``(N, in_channels, *input_grid_size)``; Output: ``(N, out_channels, *self.grid_size)``.

    Example::

        >>> block = MaxVitBlock(8, 16, 0.25, 4, nn.BatchNorm2d, nn.GELU, 4, 4, 0.0, 0.0, 4, (16, 16), 2, [0.0, 0.1])
        >>> block(ember.randn(2, 8, 16, 16)).shape
        ember.Size([2, 16, 8, 8])
    """

    def __init__(self, in_channels, out_channels, squeeze_ratio, expansion_ratio, norm_layer, activation_layer,
                 head_dim, mlp_ratio, mlp_dropout, attention_dropout, partition_size, input_grid_size, n_layers,
                 p_stochastic):
        super().__init__()
        self.layers = nn.ModuleList()
        self.grid_size = _get_conv_output_shape(input_grid_size, kernel_size=3, stride=2, padding=1)
        for idx, p in enumerate(p_stochastic):
            self.layers.append(MaxVitLayer(
                in_channels=in_channels if idx == 0 else out_channels, out_channels=out_channels,
                squeeze_ratio=squeeze_ratio, expansion_ratio=expansion_ratio, stride=2 if idx == 0 else 1,
                norm_layer=norm_layer, activation_layer=activation_layer, head_dim=head_dim, mlp_ratio=mlp_ratio,
                mlp_dropout=mlp_dropout, attention_dropout=attention_dropout, p_stochastic_dropout=p,
                partition_size=partition_size, grid_size=self.grid_size))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class MaxVit(nn.Module):
    """MaxViT (Tu et al. 2022): a two-convolution stem, blocks of :class:`MaxVitLayer` s (MBConv, window
    attention, grid attention), each halving the resolution, then average pooling and a head
    ``LayerNorm -> Linear -> Tanh -> Linear``.

    The model is built for one input size: every block's map must be a multiple of ``partition_size`` (checked
    here), and the attention layers assume those sizes. As torchvision's, only square inputs run: the grid
    attention cuts both axes into windows of side ``H / partition_size``, so only a square map gives it groups
    of ``partition_size ** 2`` positions, the size of its position bias.

    Args:
        input_size: ``(H, W)`` of the input images.
        stem_channels: channels of the stem.
        partition_size: side of the attended windows and grids.
        block_channels: output channels of each block.
        block_layers: layers in each block.
        head_dim: channels per attention head.
        stochastic_depth_prob: stochastic depth of the last layer, growing linearly from 0 at the first.
        norm_layer: normalisation class of the convolutions (default ``BatchNorm2d`` with ``eps=1e-3`` and
            ``momentum=0.01``).
        activation_layer: activation class (default ``nn.GELU``).
        squeeze_ratio: squeeze-and-excitation width over the MBConv output channels (default 0.25).
        expansion_ratio: MBConv bottleneck width over its output channels (default 4).
        mlp_ratio: attention MLP width over the channels (default 4).
        mlp_dropout: dropout after the attention MLPs (default 0.0).
        attention_dropout: dropout after the attentions (default 0.0).
        num_classes: number of outputs (default 1000).

    Shape:
        - Input: ``(N, 3, *input_size)``; Output: ``(N, num_classes)``.

    Raises:
        ValueError: a block's input size is not a multiple of ``partition_size``.

    Example::

        >>> net = MaxVit((64, 64), 8, 4, [8, 16], [1, 2], head_dim=4, stochastic_depth_prob=0.2, num_classes=5)
        >>> net(ember.randn(1, 3, 64, 64)).shape
        ember.Size([1, 5])
    """

    def __init__(self, input_size, stem_channels, partition_size, block_channels, block_layers, head_dim,
                 stochastic_depth_prob, norm_layer=None, activation_layer=nn.GELU, squeeze_ratio=0.25,
                 expansion_ratio=4, mlp_ratio=4, mlp_dropout=0.0, attention_dropout=0.0, num_classes=1000):
        super().__init__()
        if norm_layer is None:
            norm_layer = partial(nn.BatchNorm2d, eps=1e-3, momentum=0.01)
        block_input_sizes = _make_block_input_shapes(input_size, len(block_channels))
        for idx, size in enumerate(block_input_sizes):
            if size[0] % partition_size != 0 or size[1] % partition_size != 0:
                raise ValueError(
                    f"Input size {size} of block {idx} is not divisible by partition size {partition_size}. "
                    "Consider changing the partition size or the input size.\n"
                    f"Current configuration yields the following block input sizes: {block_input_sizes}.")
        self.stem = nn.Sequential(
            Conv2dNormActivation(3, stem_channels, 3, stride=2, norm_layer=norm_layer,
                                 activation_layer=activation_layer, bias=False, inplace=None),
            Conv2dNormActivation(stem_channels, stem_channels, 3, stride=1, norm_layer=None, activation_layer=None,
                                 bias=True),
        )
        grid = _get_conv_output_shape(input_size, kernel_size=3, stride=2, padding=1)
        self.partition_size = partition_size

        self.blocks = nn.ModuleList()
        in_channels = [stem_channels, *block_channels[:-1]]
        # linear in the layer index, as numpy.linspace (the same floats, for identical reprs)
        p_stochastic = xp.linspace(0, stochastic_depth_prob, sum(block_layers)).tolist()
        start = 0
        for in_c, out_c, n_layers in zip(in_channels, block_channels, block_layers):
            self.blocks.append(MaxVitBlock(
                in_channels=in_c, out_channels=out_c, squeeze_ratio=squeeze_ratio, expansion_ratio=expansion_ratio,
                norm_layer=norm_layer, activation_layer=activation_layer, head_dim=head_dim, mlp_ratio=mlp_ratio,
                mlp_dropout=mlp_dropout, attention_dropout=attention_dropout, partition_size=partition_size,
                input_grid_size=grid, n_layers=n_layers, p_stochastic=p_stochastic[start:start + n_layers]))
            grid = self.blocks[-1].grid_size
            start += n_layers

        width = block_channels[-1]
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.LayerNorm(width),
                                        nn.Linear(width, width), nn.Tanh(), nn.Linear(width, num_classes, bias=False))
        self._init_weights()

    def _init_weights(self):
        # convolutions and linears N(0, 0.02) with zero biases, batch norms at identity (the bias tables were
        # drawn by their attention layers; layer norms keep their defaults)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.classifier(x)


def _maxvit(stem_channels, block_channels, block_layers, stochastic_depth_prob, partition_size, head_dim,
            weights=None, progress=False, **kwargs):
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
        # the weights fix the (square) input size the attention layers are built for
        _ovewrite_named_param(kwargs, "input_size", weights.meta["min_size"])
    input_size = kwargs.pop("input_size", (224, 224))
    model = MaxVit(stem_channels=stem_channels, block_channels=block_channels, block_layers=block_layers,
                   stochastic_depth_prob=stochastic_depth_prob, head_dim=head_dim, partition_size=partition_size,
                   input_size=input_size, **kwargs)
    return _load_weights(model, weights, progress)


class MaxVit_T_Weights(WeightsEnum):
    """Pre-trained weights of :func:`maxvit_t` (``DEFAULT`` is ``IMAGENET1K_V1``), for 224x224 inputs."""

    IMAGENET1K_V1 = _imagenet("maxvit_t-bc5ab103.pth", {"crop_size": 224, "resize_size": 224,
                                                        "interpolation": InterpolationMode.BICUBIC},
                              (83.700, 96.722), 5.558, 118.769, _REFS + "#maxvit", num_params=30919624,
                              min_size=(224, 224))
    DEFAULT = IMAGENET1K_V1


@_builder("MaxViT-T (Tu et al. 2022), for 224x224 inputs unless ``input_size`` says otherwise.", MaxVit_T_Weights,
          "MaxVit")
def maxvit_t(*, weights: MaxVit_T_Weights | None = None, progress=True, **kwargs):
    return _maxvit(stem_channels=64, block_channels=[64, 128, 256, 512], block_layers=[2, 2, 5, 2], head_dim=32,
                   stochastic_depth_prob=0.2, partition_size=7, weights=MaxVit_T_Weights.verify(weights),
                   progress=progress, **kwargs)
