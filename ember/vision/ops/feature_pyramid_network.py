"""Feature Pyramid Network (mirrors ``torchvision.ops.feature_pyramid_network``).

An FPN (Lin et al. 2017) turns the feature maps of several backbone stages into maps of one common channel count:
each level gets a 1x1 lateral projection, the coarser levels are upsampled (nearest) and added top-down, and a
3x3 convolution smooths every sum. Optional extra blocks append coarser levels (``"pool"``, ``"p6"``/``"p7"``).

Example::

    >>> from collections import OrderedDict
    >>> fpn = FeaturePyramidNetwork([8, 16], 4)
    >>> feats = OrderedDict(c3=ember.randn(1, 8, 16, 16), c4=ember.randn(1, 16, 8, 8))
    >>> [(k, tuple(v.shape)) for k, v in fpn(feats).items()]
    [('c3', (1, 4, 16, 16)), ('c4', (1, 4, 8, 8))]
"""

from collections import OrderedDict

import ember.nn as nn
import ember.nn.functional as F
from ember.vision.ops.misc import Conv2dNormActivation

__all__ = ["FeaturePyramidNetwork"]


class ExtraFPNBlock(nn.Module):
    """Base class of the blocks that append levels after the FPN's own outputs.

    ``forward(results, x, names)`` receives the FPN outputs (finest first), the FPN inputs and the level names,
    and returns the extended ``(results, names)``.
    """

    def forward(self, results, x, names):
        raise NotImplementedError


class LastLevelMaxPool(ExtraFPNBlock):
    """Append a level ``"pool"``: the coarsest FPN output subsampled by 2 (a 1x1 max pool of stride 2).

    Example::

        >>> res, names = LastLevelMaxPool()([ember.randn(1, 4, 8, 8)], [], ["0"])
        >>> names, tuple(res[-1].shape)
        (['0', 'pool'], (1, 4, 4, 4))
    """

    def forward(self, x, y, names):
        names.append("pool")
        x.append(F.max_pool2d(x[-1], kernel_size=1, stride=2, padding=0))
        return x, names


class LastLevelP6P7(ExtraFPNBlock):
    """Append levels ``"p6"`` and ``"p7"`` as in RetinaNet: ``p6 = conv(P5 or C5)``, ``p7 = conv(relu(p6))``,
    both 3x3 convolutions of stride 2.

    P5 (the coarsest FPN output) feeds ``p6`` when ``in_channels == out_channels``, otherwise C5 (the coarsest
    input) does.

    Args:
        in_channels: channels of the map feeding ``p6``.
        out_channels: channels of ``p6`` and ``p7``.

    Example::

        >>> block = LastLevelP6P7(8, 4)
        >>> res, names = block([ember.randn(1, 4, 8, 8)], [ember.randn(1, 8, 8, 8)], ["0"])
        >>> names, tuple(res[-1].shape)
        (['0', 'p6', 'p7'], (1, 4, 2, 2))
    """

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.p6 = nn.Conv2d(in_channels, out_channels, 3, 2, 1)
        self.p7 = nn.Conv2d(out_channels, out_channels, 3, 2, 1)
        for conv in (self.p6, self.p7):
            nn.init.kaiming_uniform_(conv.weight, a=1)
            nn.init.constant_(conv.bias, 0)
        self.use_P5 = in_channels == out_channels

    def forward(self, p, c, names):
        p6 = self.p6(p[-1] if self.use_P5 else c[-1])
        p7 = self.p7(F.relu(p6))
        p.extend([p6, p7])
        names.extend(["p6", "p7"])
        return p, names


class FeaturePyramidNetwork(nn.Module):
    """A feature pyramid over a dict of feature maps ordered from finest to coarsest.

    Args:
        in_channels_list: channels of each input map, in the dict's order.
        out_channels: channels of every output map.
        extra_blocks: an :class:`ExtraFPNBlock` appending coarser levels (default ``None``: none).
        norm_layer: norm layer after each convolution (default ``None``: none, the convolutions have biases).

    Shapes:
        ``forward(x)`` takes an ordered dict ``{name: (N, in_channels_list[i], H_i, W_i)}`` and returns an
        ``OrderedDict`` with the same names (plus the extra blocks') of ``(N, out_channels, H_i, W_i)`` maps.

    Example::

        >>> from collections import OrderedDict
        >>> fpn = FeaturePyramidNetwork([8, 16], 4, extra_blocks=LastLevelMaxPool())
        >>> out = fpn(OrderedDict(a=ember.randn(1, 8, 16, 16), b=ember.randn(1, 16, 8, 8)))
        >>> list(out), tuple(out["pool"].shape)
        (['a', 'b', 'pool'], (1, 4, 4, 4))
    """

    _version = 2

    def __init__(self, in_channels_list, out_channels, extra_blocks=None, norm_layer=None):
        super().__init__()
        self.inner_blocks = nn.ModuleList()
        self.layer_blocks = nn.ModuleList()
        for in_channels in in_channels_list:
            if in_channels == 0:
                raise ValueError("in_channels=0 is currently not supported")
            self.inner_blocks.append(Conv2dNormActivation(in_channels, out_channels, kernel_size=1, padding=0,
                                                          norm_layer=norm_layer, activation_layer=None))
            self.layer_blocks.append(Conv2dNormActivation(out_channels, out_channels, kernel_size=3,
                                                          norm_layer=norm_layer, activation_layer=None))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight, a=1)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)
        if extra_blocks is not None and not isinstance(extra_blocks, ExtraFPNBlock):
            raise TypeError(f"extra_blocks should be of type ExtraFPNBlock not {type(extra_blocks)}")
        self.extra_blocks = extra_blocks

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        # before version 2 the blocks were bare convolutions: "inner_blocks.0.weight" is now
        # "inner_blocks.0.0.weight"
        if local_metadata.get("version") is None or local_metadata.get("version") < 2:
            for block in ("inner_blocks", "layer_blocks"):
                for i in range(len(self.inner_blocks)):
                    for kind in ("weight", "bias"):
                        old = f"{prefix}{block}.{i}.{kind}"
                        if old in state_dict:
                            state_dict[f"{prefix}{block}.{i}.0.{kind}"] = state_dict.pop(old)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def get_result_from_inner_blocks(self, x, idx):
        """``self.inner_blocks[idx](x)`` (``idx`` may be negative)."""
        return self.inner_blocks[idx](x)

    def get_result_from_layer_blocks(self, x, idx):
        """``self.layer_blocks[idx](x)`` (``idx`` may be negative)."""
        return self.layer_blocks[idx](x)

    def forward(self, x):
        names = list(x.keys())
        feats = list(x.values())
        last_inner = self.get_result_from_inner_blocks(feats[-1], -1)
        results = [self.get_result_from_layer_blocks(last_inner, -1)]
        for idx in range(len(feats) - 2, -1, -1):
            lateral = self.get_result_from_inner_blocks(feats[idx], idx)
            top_down = F.interpolate(last_inner, size=tuple(lateral.shape[-2:]), mode="nearest")
            last_inner = lateral + top_down
            results.insert(0, self.get_result_from_layer_blocks(last_inner, idx))
        if self.extra_blocks is not None:
            results, names = self.extra_blocks(results, feats, names)
        return OrderedDict(zip(names, results))
