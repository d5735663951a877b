"""RAFT optical flow models (mirrors ``torchvision.models.optical_flow.raft``).

RAFT (Teed & Deng, 2020, https://arxiv.org/abs/2003.12039) encodes both images, correlates every pixel of the
first with every pixel of the second (a 4-level pyramid of all-pairs correlations at 1/8 resolution), then refines
a flow estimate with a convolutional GRU that looks up the correlations around the current match. The module
names follow torchvision's, so state_dicts are interchangeable.

Example::

    >>> from ember.vision.models.optical_flow import raft_small
    >>> net = raft_small().eval()
    >>> img1, img2 = ember.randn(1, 3, 128, 128), ember.randn(1, 3, 128, 128)
    >>> flows = net(img1, img2, num_flow_updates=2)
    >>> len(flows), flows[-1].shape
    (2, ember.Size([1, 2, 128, 128]))
"""

import math

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models._api import _BASE_URL, Weights, WeightsEnum, _legacy_builder, register_model
from ember.vision.models._presets import OpticalFlow
from ember.vision.models.optical_flow._utils import grid_sample, make_coords_grid, upsample_flow
from ember.vision.ops.misc import Conv2dNormActivation

__all__ = ("RAFT", "raft_large", "raft_small", "Raft_Large_Weights", "Raft_Small_Weights")


class ResidualBlock(nn.Module):
    """Two 3x3 conv-norm-ReLU layers plus a shortcut, then ReLU (the blocks of RAFT-large's encoders).

    Args:
        in_channels, out_channels: channels in and out.
        norm_layer: normalisation class (``nn.BatchNorm2d``, ``nn.InstanceNorm2d`` ...), or ``None``.
        stride: stride of the first convolution (default 1).
        always_project: use a 1x1 conv-norm shortcut even when the shapes do not change (default False).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, out_channels, H / stride, W / stride)``.

    Example::

        >>> ResidualBlock(8, 16, norm_layer=nn.BatchNorm2d, stride=2)(ember.randn(1, 8, 6, 6)).shape
        ember.Size([1, 16, 3, 3])
    """

    def __init__(self, in_channels, out_channels, *, norm_layer, stride=1, always_project=False):
        super().__init__()
        # the convolutions keep their bias even before a norm layer, as in the original RAFT
        self.convnormrelu1 = Conv2dNormActivation(in_channels, out_channels, norm_layer=norm_layer, kernel_size=3,
                                                  stride=stride, bias=True)
        self.convnormrelu2 = Conv2dNormActivation(out_channels, out_channels, norm_layer=norm_layer, kernel_size=3,
                                                  bias=True)
        if stride == 1 and not always_project:
            self.downsample = nn.Identity()
        else:
            self.downsample = Conv2dNormActivation(in_channels, out_channels, norm_layer=norm_layer, kernel_size=1,
                                                   stride=stride, bias=True, activation_layer=None)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        y = self.convnormrelu2(self.convnormrelu1(x))
        return self.relu(self.downsample(x) + y)


class BottleneckBlock(nn.Module):
    """1x1, 3x3 and 1x1 conv-norm-ReLU layers (a quarter of ``out_channels`` wide inside) plus a shortcut, then
    ReLU (the blocks of RAFT-small's encoders).

    Args:
        in_channels, out_channels: channels in and out.
        norm_layer: normalisation class, or ``None``.
        stride: stride of the 3x3 convolution (default 1).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, out_channels, H / stride, W / stride)``.

    Example::

        >>> BottleneckBlock(8, 16, norm_layer=None, stride=2)(ember.randn(1, 8, 6, 6)).shape
        ember.Size([1, 16, 3, 3])
    """

    def __init__(self, in_channels, out_channels, *, norm_layer, stride=1):
        super().__init__()
        mid = out_channels // 4
        self.convnormrelu1 = Conv2dNormActivation(in_channels, mid, norm_layer=norm_layer, kernel_size=1, bias=True)
        self.convnormrelu2 = Conv2dNormActivation(mid, mid, norm_layer=norm_layer, kernel_size=3, stride=stride,
                                                  bias=True)
        self.convnormrelu3 = Conv2dNormActivation(mid, out_channels, norm_layer=norm_layer, kernel_size=1, bias=True)
        self.relu = nn.ReLU(inplace=True)
        if stride == 1:
            self.downsample = nn.Identity()
        else:
            self.downsample = Conv2dNormActivation(in_channels, out_channels, norm_layer=norm_layer, kernel_size=1,
                                                   stride=stride, bias=True, activation_layer=None)

    def forward(self, x):
        y = self.convnormrelu3(self.convnormrelu2(self.convnormrelu1(x)))
        return self.relu(self.downsample(x) + y)


class FeatureEncoder(nn.Module):
    """The image encoder of RAFT (used both as feature and as context encoder): a 7x7 conv-norm-ReLU stem, three
    stages of two blocks and a final 1x1 convolution.

    Args:
        block: the block class (:class:`ResidualBlock` or :class:`BottleneckBlock`).
        layers: 5 channel counts: the stem's, each stage's and the output's.
        strides: 4 strides: the stem's and the first block of each stage's.
        norm_layer: normalisation class, or ``None`` (default ``nn.BatchNorm2d``).

    Attributes:
        output_dim: the output channels (``layers[-1]``).
        downsample_factor: the total stride (8 by default).

    Shape:
        - Input: ``(N, 3, H, W)``; Output: ``(N, layers[-1], H / downsample_factor, W / downsample_factor)``.

    Raises:
        ValueError: ``layers`` does not have 5 entries.

    Example::

        >>> enc = FeatureEncoder(block=BottleneckBlock, layers=(8, 8, 16, 24, 32), norm_layer=None)
        >>> enc(ember.randn(1, 3, 32, 32)).shape
        ember.Size([1, 32, 4, 4])
    """

    def __init__(self, *, block=ResidualBlock, layers=(64, 64, 96, 128, 256), strides=(2, 1, 2, 2),
                 norm_layer=nn.BatchNorm2d):
        super().__init__()
        if len(layers) != 5:
            raise ValueError(f"The expected number of layers is 5, instead got {len(layers)}")
        self.convnormrelu = Conv2dNormActivation(3, layers[0], norm_layer=norm_layer, kernel_size=7, stride=strides[0],
                                                 bias=True)
        self.layer1 = self._make_2_blocks(block, layers[0], layers[1], norm_layer, strides[1])
        self.layer2 = self._make_2_blocks(block, layers[1], layers[2], norm_layer, strides[2])
        self.layer3 = self._make_2_blocks(block, layers[2], layers[3], norm_layer, strides[3])
        self.conv = nn.Conv2d(layers[3], layers[4], kernel_size=1)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)
            elif isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d, nn.GroupNorm)):
                if m.weight is not None:
                    nn.init.constant_(m.weight, 1)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)

        self.output_dim = layers[-1]
        self.downsample_factor = 2 ** sum(1 for s in strides if s == 2)

    def _make_2_blocks(self, block, in_channels, out_channels, norm_layer, first_stride):
        return nn.Sequential(block(in_channels, out_channels, norm_layer=norm_layer, stride=first_stride),
                             block(out_channels, out_channels, norm_layer=norm_layer, stride=1))

    def forward(self, x):
        x = self.convnormrelu(x)
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.conv(x)


class MotionEncoder(nn.Module):
    """Encodes the correlation features and the current flow into motion features (the current flow appended as
    the last 2 channels).

    Args:
        in_channels_corr: channels of the correlation features (the :class:`CorrBlock`'s ``out_channels``).
        corr_layers: 1 or 2 channel counts of the correlation branch (a 1x1 then a 3x3 conv).
        flow_layers: 2 channel counts of the flow branch (a 7x7 then a 3x3 conv).
        out_channels: channels of the output, the flow's 2 included.

    Shape:
        - Input: ``flow`` ``(N, 2, H, W)``, ``corr_features`` ``(N, in_channels_corr, H, W)``;
          Output: ``(N, out_channels, H, W)``.

    Raises:
        ValueError: wrong numbers of ``corr_layers`` or ``flow_layers``.

    Example::

        >>> enc = MotionEncoder(in_channels_corr=18, corr_layers=(16,), flow_layers=(8, 4), out_channels=12)
        >>> enc(ember.randn(1, 2, 5, 5), ember.randn(1, 18, 5, 5)).shape
        ember.Size([1, 12, 5, 5])
    """

    def __init__(self, *, in_channels_corr, corr_layers=(256, 192), flow_layers=(128, 64), out_channels=128):
        super().__init__()
        if len(flow_layers) != 2:
            raise ValueError(f"The expected number of flow_layers is 2, instead got {len(flow_layers)}")
        if len(corr_layers) not in (1, 2):
            raise ValueError(f"The number of corr_layers should be 1 or 2, instead got {len(corr_layers)}")
        self.convcorr1 = Conv2dNormActivation(in_channels_corr, corr_layers[0], norm_layer=None, kernel_size=1)
        if len(corr_layers) == 2:
            self.convcorr2 = Conv2dNormActivation(corr_layers[0], corr_layers[1], norm_layer=None, kernel_size=3)
        else:
            self.convcorr2 = nn.Identity()
        self.convflow1 = Conv2dNormActivation(2, flow_layers[0], norm_layer=None, kernel_size=7)
        self.convflow2 = Conv2dNormActivation(flow_layers[0], flow_layers[1], norm_layer=None, kernel_size=3)
        # 2 channels are left for the flow itself
        self.conv = Conv2dNormActivation(corr_layers[-1] + flow_layers[-1], out_channels - 2, norm_layer=None,
                                         kernel_size=3)
        self.out_channels = out_channels

    def forward(self, flow, corr_features):
        corr = self.convcorr2(self.convcorr1(corr_features))
        flow_features = self.convflow2(self.convflow1(flow))
        motion = self.conv(ember.cat([corr, flow_features], dim=1))
        return ember.cat([motion, flow], dim=1)


class ConvGRU(nn.Module):
    """A convolutional GRU cell: ``h' = (1 - z) * h + z * tanh(conv_q([r * h, x]))`` with the gates
    ``z, r = sigmoid(conv([h, x]))``.

    Args:
        input_size: channels of ``x``.
        hidden_size: channels of ``h``.
        kernel_size, padding: of the three convolutions.

    Shape:
        - Input: ``h`` ``(N, hidden_size, H, W)``, ``x`` ``(N, input_size, H, W)``; Output: like ``h``.

    Example::

        >>> gru = ConvGRU(input_size=3, hidden_size=4, kernel_size=3, padding=1)
        >>> gru(ember.randn(1, 4, 5, 5), ember.randn(1, 3, 5, 5)).shape
        ember.Size([1, 4, 5, 5])
    """

    def __init__(self, *, input_size, hidden_size, kernel_size, padding):
        super().__init__()
        self.convz = nn.Conv2d(hidden_size + input_size, hidden_size, kernel_size=kernel_size, padding=padding)
        self.convr = nn.Conv2d(hidden_size + input_size, hidden_size, kernel_size=kernel_size, padding=padding)
        self.convq = nn.Conv2d(hidden_size + input_size, hidden_size, kernel_size=kernel_size, padding=padding)

    def forward(self, h, x):
        hx = ember.cat([h, x], dim=1)
        z = ember.sigmoid(self.convz(hx))
        r = ember.sigmoid(self.convr(hx))
        q = ember.tanh(self.convq(ember.cat([r * h, x], dim=1)))
        return (1 - z) * h + z * q


def _pass_through_h(h, _):
    # the second GRU of a single-GRU recurrent block: keeps the hidden state
    return h


class RecurrentBlock(nn.Module):
    """One or two :class:`ConvGRU` cells applied in turn (RAFT-large uses a 1x5 then a 5x1 one).

    Args:
        input_size: channels of the input ``x``.
        hidden_size: channels of the hidden state.
        kernel_size: one kernel size per cell (1 or 2 of them).
        padding: one padding per cell.

    Shape:
        - Input: ``h`` ``(N, hidden_size, H, W)``, ``x`` ``(N, input_size, H, W)``; Output: like ``h``.

    Raises:
        ValueError: ``kernel_size`` and ``padding`` differ in length, or have neither 1 nor 2 entries.

    Example::

        >>> block = RecurrentBlock(input_size=3, hidden_size=4)
        >>> block(ember.randn(1, 4, 5, 5), ember.randn(1, 3, 5, 5)).shape
        ember.Size([1, 4, 5, 5])
    """

    def __init__(self, *, input_size, hidden_size, kernel_size=((1, 5), (5, 1)), padding=((0, 2), (2, 0))):
        super().__init__()
        if len(kernel_size) != len(padding):
            raise ValueError(f"kernel_size should have the same length as padding, instead got len(kernel_size) = "
                             f"{len(kernel_size)} and len(padding) = {len(padding)}")
        if len(kernel_size) not in (1, 2):
            raise ValueError(f"kernel_size should either 1 or 2, instead got {len(kernel_size)}")
        self.convgru1 = ConvGRU(input_size=input_size, hidden_size=hidden_size, kernel_size=kernel_size[0],
                                padding=padding[0])
        if len(kernel_size) == 2:
            self.convgru2 = ConvGRU(input_size=input_size, hidden_size=hidden_size, kernel_size=kernel_size[1],
                                    padding=padding[1])
        else:
            self.convgru2 = _pass_through_h
        self.hidden_size = hidden_size

    def forward(self, h, x):
        h = self.convgru1(h, x)
        return self.convgru2(h, x)


class FlowHead(nn.Module):
    """Predicts a flow update from the hidden state: 3x3 conv, ReLU, 3x3 conv to 2 channels.

    Args:
        in_channels: channels of the hidden state.
        hidden_size: channels between the two convolutions.

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, 2, H, W)``.

    Example::

        >>> FlowHead(in_channels=4, hidden_size=8)(ember.randn(1, 4, 5, 5)).shape
        ember.Size([1, 2, 5, 5])
    """

    def __init__(self, *, in_channels, hidden_size):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, hidden_size, 3, padding=1)
        self.conv2 = nn.Conv2d(hidden_size, 2, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.conv2(self.relu(self.conv1(x)))


class UpdateBlock(nn.Module):
    """One refinement step: motion features from the correlations and the flow, the context appended, a step of
    the recurrent block, and the flow head's update.

    Args:
        motion_encoder: a :class:`MotionEncoder`.
        recurrent_block: a :class:`RecurrentBlock` (its ``hidden_size`` becomes ``hidden_state_size``).
        flow_head: a :class:`FlowHead`.

    Shape:
        - Input: ``hidden_state`` ``(N, hidden_state_size, H, W)``, ``context`` ``(N, C, H, W)``,
          ``corr_features`` and ``flow`` ``(N, 2, H, W)``;
          Output: the new hidden state and the flow update ``(N, 2, H, W)``.

    Example::

        >>> block = UpdateBlock(motion_encoder=MotionEncoder(in_channels_corr=18, corr_layers=(16,),
        ...                                                  flow_layers=(8, 4), out_channels=12),
        ...                     recurrent_block=RecurrentBlock(input_size=15, hidden_size=4),
        ...                     flow_head=FlowHead(in_channels=4, hidden_size=8))
        >>> h, delta = block(ember.randn(1, 4, 5, 5), ember.randn(1, 3, 5, 5), ember.randn(1, 18, 5, 5),
        ...                  ember.randn(1, 2, 5, 5))
        >>> delta.shape
        ember.Size([1, 2, 5, 5])
    """

    def __init__(self, *, motion_encoder, recurrent_block, flow_head):
        super().__init__()
        self.motion_encoder = motion_encoder
        self.recurrent_block = recurrent_block
        self.flow_head = flow_head
        self.hidden_state_size = recurrent_block.hidden_size

    def forward(self, hidden_state, context, corr_features, flow):
        motion_features = self.motion_encoder(flow, corr_features)
        x = ember.cat([context, motion_features], dim=1)
        hidden_state = self.recurrent_block(hidden_state, x)
        return hidden_state, self.flow_head(hidden_state)


class MaskPredictor(nn.Module):
    """Predicts the logits of RAFT's learned 8x upsampling (9 neighbour weights for each of the 8x8 sub-pixels)
    from the hidden state: 3x3 conv-ReLU, 1x1 conv, times ``multiplier``.

    Args:
        in_channels: channels of the hidden state.
        hidden_size: channels between the two convolutions.
        multiplier: output scale (default 0.25, which balances the gradients, see the paper).

    Shape:
        - Input: ``(N, in_channels, H, W)``; Output: ``(N, 576, H, W)``.

    Example::

        >>> MaskPredictor(in_channels=4, hidden_size=8)(ember.randn(1, 4, 5, 5)).shape
        ember.Size([1, 576, 5, 5])
    """

    def __init__(self, *, in_channels, hidden_size, multiplier=0.25):
        super().__init__()
        self.convrelu = Conv2dNormActivation(in_channels, hidden_size, norm_layer=None, kernel_size=3)
        # 8 * 8 sub-pixels, each a convex combination of its 3 * 3 coarse neighbours
        self.conv = nn.Conv2d(hidden_size, 8 * 8 * 9, 1, padding=0)
        self.multiplier = multiplier

    def forward(self, x):
        return self.multiplier * self.conv(self.convrelu(x))


class CorrBlock(nn.Module):
    """The correlation pyramid of RAFT and its lookups.

    :meth:`build_pyramid` correlates every pixel of the first feature map with every pixel of the second and
    average-pools the second's side ``num_levels - 1`` times; :meth:`index_pyramid` then reads, for every pixel,
    the ``(2 * radius + 1) ** 2`` correlations around its current match at each level. It has no ``forward``.

    Args:
        num_levels: number of pyramid levels (default 4).
        radius: lookup radius, in pixels of each level (default 4).

    Attributes:
        out_channels: channels of the correlation features, ``num_levels * (2 * radius + 1) ** 2``.

    Example::

        >>> corr = CorrBlock(num_levels=2, radius=1)
        >>> corr.build_pyramid(ember.randn(1, 8, 4, 4), ember.randn(1, 8, 4, 4))
        >>> corr.index_pyramid(ember.rand(1, 2, 4, 4) * 3).shape
        ember.Size([1, 18, 4, 4])
    """

    def __init__(self, *, num_levels=4, radius=4):
        super().__init__()
        self.num_levels = num_levels
        self.radius = radius
        self.corr_pyramid = [ember.tensor(0)]  # filled by build_pyramid
        self.out_channels = num_levels * (2 * radius + 1) ** 2

    def build_pyramid(self, fmap1, fmap2):
        """Compute the correlation pyramid of two ``(N, C, H, W)`` feature maps (kept in ``corr_pyramid``).

        Raises:
            ValueError: the maps differ in shape, or are too small to be halved ``num_levels - 1`` times.
        """
        if fmap1.shape != fmap2.shape:
            raise ValueError(f"Input feature maps should have the same shape, instead got {fmap1.shape} (fmap1.shape)"
                             f" != {fmap2.shape} (fmap2.shape)")
        # the coarsest level must still be at least 2x2
        min_fmap_size = 2 * (2 ** (self.num_levels - 1))
        if any(size < min_fmap_size for size in fmap1.shape[-2:]):
            raise ValueError("Feature maps are too small to be down-sampled by the correlation pyramid. H and W of "
                             f"feature maps should be at least {min_fmap_size}; got: {fmap1.shape[-2:]}. Remember that "
                             "input images to the model are downsampled by 8, so that means their dimensions should be "
                             f"at least 8 * {min_fmap_size} = {8 * min_fmap_size}.")
        corr_volume = self._compute_corr_volume(fmap1, fmap2)
        batch_size, h, w, num_channels, _, _ = corr_volume.shape
        # one single-channel map per pixel of fmap1 over the positions of fmap2
        corr_volume = corr_volume.reshape(batch_size * h * w, num_channels, h, w)
        self.corr_pyramid = [corr_volume]
        for _ in range(self.num_levels - 1):
            corr_volume = F.avg_pool2d(corr_volume, kernel_size=2, stride=2)
            self.corr_pyramid.append(corr_volume)

    def index_pyramid(self, centroids_coords):
        """The correlation features around ``centroids_coords`` ``(N, 2, H, W)`` (the ``(x, y)`` position in the
        second map matched to each pixel of the first), as ``(N, out_channels, H, W)``.

        Raises:
            ValueError: the result does not have the expected shape.
        """
        side = 2 * self.radius + 1
        offsets = ember.linspace(-self.radius, self.radius, side)
        # delta[a, b] = (offsets[a], offsets[b]): the x offset varies along the first window axis, as in RAFT
        delta = ember.stack(ember.meshgrid(offsets, offsets, indexing="ij"), dim=-1).to(centroids_coords.device)
        delta = delta.view(1, side, side, 2)

        batch_size, _, h, w = centroids_coords.shape
        centroids_coords = centroids_coords.permute(0, 2, 3, 1).reshape(batch_size * h * w, 1, 1, 2)
        indexed = []
        for corr_volume in self.corr_pyramid:
            sampled = grid_sample(corr_volume, centroids_coords + delta, align_corners=True, mode="bilinear")
            indexed.append(sampled.view(batch_size, h, w, -1))
            centroids_coords = centroids_coords / 2  # the next level has half the resolution
        corr_features = ember.cat(indexed, dim=-1).permute(0, 3, 1, 2).contiguous()

        expected = (batch_size, self.out_channels, h, w)
        if tuple(corr_features.shape) != expected:
            raise ValueError(f"Output shape of index pyramid is incorrect. Should be {expected}, got "
                             f"{corr_features.shape}")
        return corr_features

    def _compute_corr_volume(self, fmap1, fmap2):
        # (N, H, W, 1, H, W): the dot products of all pairs of feature vectors, scaled by sqrt(C)
        batch_size, num_channels, h, w = fmap1.shape
        fmap1 = fmap1.view(batch_size, num_channels, h * w)
        fmap2 = fmap2.view(batch_size, num_channels, h * w)
        corr = ember.matmul(fmap1.transpose(1, 2), fmap2).view(batch_size, h, w, 1, h, w)
        return corr / math.sqrt(num_channels)


class RAFT(nn.Module):
    """RAFT: Recurrent All-Pairs Field Transforms for optical flow (https://arxiv.org/abs/2003.12039).

    Args:
        feature_encoder: encodes each image; must downsample by 8 (it gets both images as one batch).
        context_encoder: encodes the first image, downsampling by 8; its output channels are split into the
            initial hidden state (the first ``update_block.hidden_state_size``, through tanh) and the context (the
            rest, through ReLU), so it needs strictly more than ``hidden_state_size`` of them.
        corr_block: the correlation block (``build_pyramid``, ``index_pyramid`` and ``out_channels``, like
            :class:`CorrBlock`).
        update_block: the refinement step, with a ``hidden_state_size`` attribute (like :class:`UpdateBlock`).
        mask_predictor: predicts the logits of the learned 8x upsampling from the hidden state (576 channels);
            ``None`` (default): the flow is upsampled bilinearly.

    Shape:
        - Input: ``image1``, ``image2`` ``(N, 3, H, W)`` with H and W divisible by 8 (and at least 128 for the
          default 4-level correlation pyramid).
        - Output: a list of ``num_flow_updates`` flow estimates ``(N, 2, H, W)`` (x then y displacement, in
          pixels), the last one the most refined.

    Raises:
        ValueError: the update block has no ``hidden_state_size`` attribute.

    Example::

        >>> net = raft_small().eval()
        >>> flows = net(ember.randn(1, 3, 128, 128), ember.randn(1, 3, 128, 128), num_flow_updates=3)
        >>> len(flows)
        3
    """

    def __init__(self, *, feature_encoder, context_encoder, corr_block, update_block, mask_predictor=None):
        super().__init__()
        self.feature_encoder = feature_encoder
        self.context_encoder = context_encoder
        self.corr_block = corr_block
        self.update_block = update_block
        self.mask_predictor = mask_predictor
        if not hasattr(self.update_block, "hidden_state_size"):
            raise ValueError("The update_block parameter should expose a 'hidden_state_size' attribute.")

    def forward(self, image1, image2, num_flow_updates=12):
        """Estimate the flow from ``image1`` to ``image2``, refined ``num_flow_updates`` times.

        Raises:
            ValueError: the images differ in size, their size is not divisible by 8, or an encoder does not
                downsample by 8 or has too few context channels.
        """
        batch_size, _, h, w = image1.shape
        if (h, w) != image2.shape[-2:]:
            raise ValueError(f"input images should have the same shape, instead got ({h}, {w}) != {image2.shape[-2:]}")
        if h % 8 != 0 or w % 8 != 0:
            raise ValueError(f"input image H and W should be divisible by 8, instead got {h} (h) and {w} (w)")

        fmaps = self.feature_encoder(ember.cat([image1, image2], dim=0))
        fmap1, fmap2 = ember.chunk(fmaps, chunks=2, dim=0)
        if fmap1.shape[-2:] != (h // 8, w // 8):
            raise ValueError("The feature encoder should downsample H and W by 8")
        self.corr_block.build_pyramid(fmap1, fmap2)

        context_out = self.context_encoder(image1)
        if context_out.shape[-2:] != (h // 8, w // 8):
            raise ValueError("The context encoder should downsample H and W by 8")
        hidden_state_size = self.update_block.hidden_state_size
        out_channels_context = context_out.shape[1] - hidden_state_size
        if out_channels_context <= 0:
            raise ValueError(f"The context encoder outputs {context_out.shape[1]} channels, but it should have at "
                             f"strictly more than hidden_state={hidden_state_size} channels")
        hidden_state, context = ember.split(context_out, [hidden_state_size, out_channels_context], dim=1)
        hidden_state = ember.tanh(hidden_state)
        context = F.relu(context)

        coords0 = make_coords_grid(batch_size, h // 8, w // 8).to(fmap1.device)
        coords1 = make_coords_grid(batch_size, h // 8, w // 8).to(fmap1.device)
        flow_predictions = []
        for _ in range(num_flow_updates):
            coords1 = coords1.detach()  # no gradient through the lookup positions (see the paper)
            corr_features = self.corr_block.index_pyramid(centroids_coords=coords1)
            flow = coords1 - coords0
            hidden_state, delta_flow = self.update_block(hidden_state, context, corr_features, flow)
            coords1 = coords1 + delta_flow
            up_mask = None if self.mask_predictor is None else self.mask_predictor(hidden_state)
            flow_predictions.append(upsample_flow(flow=coords1 - coords0, up_mask=up_mask))
        return flow_predictions


# --------------------------------------------------------------------------------------------- weights
_ORIGINAL = "https://github.com/princeton-vl/RAFT"
_REFS = "https://github.com/pytorch/vision/tree/main/references/optical_flow"
_CT = "trained on :class:`~ember.vision.datasets.FlyingChairs` + :class:`~ember.vision.datasets.FlyingThings3D`"
_SKHT = (" The Sintel fine-tuning step combines :class:`~ember.vision.datasets.Sintel`, "
         ":class:`~ember.vision.datasets.KittiFlow`, :class:`~ember.vision.datasets.HD1K` and "
         ":class:`~ember.vision.datasets.FlyingThings3D` (clean pass).")


def _flow_weights(file, recipe, metrics, docs, *, num_params, ops, file_size):
    """The :class:`Weights` of a RAFT model: file under ``download.pytorch.org/models/``, training recipe, the
    end-point-error ``metrics`` per benchmark, a sentence on the training data, and the model's facts."""
    meta = {"min_size": (128, 128), "num_params": num_params, "recipe": recipe, "_metrics": metrics, "_ops": ops,
            "_file_size": file_size, "_docs": docs}
    return Weights(url=_BASE_URL + file, transforms=OpticalFlow, meta=meta)


def _large(file, recipe, metrics, docs):
    return _flow_weights(file, recipe, metrics, docs, num_params=5257536, ops=211.007, file_size=20.129)


def _small(file, recipe, metrics, docs):
    return _flow_weights(file, recipe, metrics, docs, num_params=990162, ops=47.655, file_size=3.821)


def _sintel_kitti_train(clean, final, per_image_epe, fl_all):
    return {"Sintel-Train-Cleanpass": {"epe": clean}, "Sintel-Train-Finalpass": {"epe": final},
            "Kitti-Train": {"per_image_epe": per_image_epe, "fl_all": fl_all}}


def _sintel_test(clean, final):
    return {"Sintel-Test-Cleanpass": {"epe": clean}, "Sintel-Test-Finalpass": {"epe": final}}


class Raft_Large_Weights(WeightsEnum):
    """Pre-trained weights of :func:`raft_large` (``DEFAULT`` is ``C_T_SKHT_V2``).

    ``C_T``: trained on FlyingChairs + FlyingThings3D; ``SKHT``: then fine-tuned on Sintel (with KITTI, HD1K and
    FlyingThings3D); ``K``: then fine-tuned on KITTI. ``V1`` are ported from the original paper's release, ``V2``
    trained from scratch by torchvision.
    """

    C_T_V1 = _large("raft_large_C_T_V1-22a6c225.pth", _ORIGINAL, _sintel_kitti_train(1.4411, 2.7894, 5.0172, 17.4506),
                    f"These weights were ported from the original paper. They are {_CT}.")
    C_T_V2 = _large("raft_large_C_T_V2-1bb1363a.pth", _REFS, _sintel_kitti_train(1.3822, 2.7161, 4.5118, 16.0679),
                    f"These weights were {_CT}, from scratch.")
    C_T_SKHT_V1 = _large("raft_large_C_T_SKHT_V1-0b8c9e55.pth", _ORIGINAL, _sintel_test(1.94, 3.18),
                         f"These weights were ported from the original paper. They are {_CT} and fine-tuned on "
                         f"Sintel.{_SKHT}")
    C_T_SKHT_V2 = _large("raft_large_C_T_SKHT_V2-ff5fadd5.pth", _REFS, _sintel_test(1.819, 3.067),
                         f"These weights were trained from scratch: {_CT}, then fine-tuned on Sintel.{_SKHT}")
    C_T_SKHT_K_V1 = _large("raft_large_C_T_SKHT_K_V1-4a6a5039.pth", _ORIGINAL, {"Kitti-Test": {"fl_all": 5.10}},
                           f"These weights were ported from the original paper. They are {_CT}, fine-tuned on "
                           "Sintel, then on :class:`~ember.vision.datasets.KittiFlow`.")
    C_T_SKHT_K_V2 = _large("raft_large_C_T_SKHT_K_V2-b5c70766.pth", _REFS, {"Kitti-Test": {"fl_all": 5.19}},
                           f"These weights were trained from scratch: {_CT}, fine-tuned on Sintel, then on "
                           ":class:`~ember.vision.datasets.KittiFlow`.")
    DEFAULT = C_T_SKHT_V2


class Raft_Small_Weights(WeightsEnum):
    """Pre-trained weights of :func:`raft_small` (``DEFAULT`` is ``C_T_V2``), trained on FlyingChairs +
    FlyingThings3D (``V1`` ported from the original paper's release, ``V2`` trained by torchvision)."""

    C_T_V1 = _small("raft_small_C_T_V1-ad48884c.pth", _ORIGINAL, _sintel_kitti_train(2.1231, 3.2790, 7.6557, 25.2801),
                    f"These weights were ported from the original paper. They are {_CT}.")
    C_T_V2 = _small("raft_small_C_T_V2-01064c6d.pth", _REFS, _sintel_kitti_train(1.9901, 3.2831, 7.5978, 25.2369),
                    f"These weights were {_CT}, from scratch.")
    DEFAULT = C_T_V2


# --------------------------------------------------------------------------------------------- builders
def _raft(*, weights=None, progress=False, feature_encoder_layers, feature_encoder_block, feature_encoder_norm_layer,
          context_encoder_layers, context_encoder_block, context_encoder_norm_layer, corr_block_num_levels,
          corr_block_radius, motion_encoder_corr_layers, motion_encoder_flow_layers, motion_encoder_out_channels,
          recurrent_block_hidden_state_size, recurrent_block_kernel_size, recurrent_block_padding,
          flow_head_hidden_size, use_mask_predictor, **kwargs):
    """Assemble a :class:`RAFT` from its hyper-parameters; ready-made components in ``kwargs``
    (``feature_encoder``, ``context_encoder``, ``corr_block``, ``update_block``, ``mask_predictor``) replace the
    ones these would build."""
    feature_encoder = kwargs.pop("feature_encoder", None) or FeatureEncoder(
        block=feature_encoder_block, layers=feature_encoder_layers, norm_layer=feature_encoder_norm_layer)
    context_encoder = kwargs.pop("context_encoder", None) or FeatureEncoder(
        block=context_encoder_block, layers=context_encoder_layers, norm_layer=context_encoder_norm_layer)
    corr_block = kwargs.pop("corr_block", None) or CorrBlock(num_levels=corr_block_num_levels,
                                                             radius=corr_block_radius)
    update_block = kwargs.pop("update_block", None)
    if update_block is None:
        motion_encoder = MotionEncoder(in_channels_corr=corr_block.out_channels, corr_layers=motion_encoder_corr_layers,
                                       flow_layers=motion_encoder_flow_layers, out_channels=motion_encoder_out_channels)
        # the context encoder's channels beyond the hidden state's are the context
        out_channels_context = context_encoder_layers[-1] - recurrent_block_hidden_state_size
        recurrent_block = RecurrentBlock(input_size=motion_encoder.out_channels + out_channels_context,
                                         hidden_size=recurrent_block_hidden_state_size,
                                         kernel_size=recurrent_block_kernel_size, padding=recurrent_block_padding)
        flow_head = FlowHead(in_channels=recurrent_block_hidden_state_size, hidden_size=flow_head_hidden_size)
        update_block = UpdateBlock(motion_encoder=motion_encoder, recurrent_block=recurrent_block,
                                   flow_head=flow_head)
    mask_predictor = kwargs.pop("mask_predictor", None)
    if mask_predictor is None and use_mask_predictor:
        mask_predictor = MaskPredictor(in_channels=recurrent_block_hidden_state_size, hidden_size=256,
                                       multiplier=0.25)
    model = RAFT(feature_encoder=feature_encoder, context_encoder=context_encoder, corr_block=corr_block,
                 update_block=update_block, mask_predictor=mask_predictor, **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


@register_model()
@_legacy_builder
def raft_large(*, weights: Raft_Large_Weights | None = None, progress=True, **kwargs):
    """RAFT-large: residual-block encoders (instance norm for the features, batch norm for the context), a 4-level
    correlation pyramid of radius 4, two separable ConvGRUs and learned upsampling (5.3M parameters).

    Args:
        weights: a member of :class:`Raft_Large_Weights` (or its name) to load pre-trained weights, or ``None``
            (default) for random initialisation.
        progress: show a download progress bar (default True).
        **kwargs: passed to :class:`RAFT` (ready-made ``feature_encoder``, ``update_block`` ...).

    Example::

        >>> net = raft_large().eval()
        >>> flows = net(ember.randn(1, 3, 128, 128), ember.randn(1, 3, 128, 128), num_flow_updates=2)
        >>> flows[-1].shape
        ember.Size([1, 2, 128, 128])
    """
    weights = Raft_Large_Weights.verify(weights)
    return _raft(weights=weights, progress=progress,
                 feature_encoder_layers=(64, 64, 96, 128, 256), feature_encoder_block=ResidualBlock,
                 feature_encoder_norm_layer=nn.InstanceNorm2d,
                 context_encoder_layers=(64, 64, 96, 128, 256), context_encoder_block=ResidualBlock,
                 context_encoder_norm_layer=nn.BatchNorm2d,
                 corr_block_num_levels=4, corr_block_radius=4,
                 motion_encoder_corr_layers=(256, 192), motion_encoder_flow_layers=(128, 64),
                 motion_encoder_out_channels=128,
                 recurrent_block_hidden_state_size=128, recurrent_block_kernel_size=((1, 5), (5, 1)),
                 recurrent_block_padding=((0, 2), (2, 0)),
                 flow_head_hidden_size=256, use_mask_predictor=True, **kwargs)


@register_model()
@_legacy_builder
def raft_small(*, weights: Raft_Small_Weights | None = None, progress=True, **kwargs):
    """RAFT-small: bottleneck-block encoders (instance norm for the features, none for the context), a 4-level
    correlation pyramid of radius 3, one 3x3 ConvGRU and bilinear upsampling (1.0M parameters).

    Args:
        weights: a member of :class:`Raft_Small_Weights` (or its name) to load pre-trained weights, or ``None``
            (default) for random initialisation.
        progress: show a download progress bar (default True).
        **kwargs: passed to :class:`RAFT` (ready-made ``feature_encoder``, ``update_block`` ...).

    Example::

        >>> net = raft_small().eval()
        >>> flows = net(ember.randn(1, 3, 128, 128), ember.randn(1, 3, 128, 128), num_flow_updates=2)
        >>> flows[-1].shape
        ember.Size([1, 2, 128, 128])
    """
    weights = Raft_Small_Weights.verify(weights)
    return _raft(weights=weights, progress=progress,
                 feature_encoder_layers=(32, 32, 64, 96, 128), feature_encoder_block=BottleneckBlock,
                 feature_encoder_norm_layer=nn.InstanceNorm2d,
                 context_encoder_layers=(32, 32, 64, 96, 160), context_encoder_block=BottleneckBlock,
                 context_encoder_norm_layer=None,
                 corr_block_num_levels=4, corr_block_radius=3,
                 motion_encoder_corr_layers=(96,), motion_encoder_flow_layers=(64, 32),
                 motion_encoder_out_channels=82,
                 recurrent_block_hidden_state_size=96, recurrent_block_kernel_size=(3,),
                 recurrent_block_padding=(1,),
                 flow_head_hidden_size=128, use_mask_predictor=False, **kwargs)
