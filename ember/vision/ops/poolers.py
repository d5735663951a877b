"""Multi-scale RoI Align over a feature pyramid (mirrors ``torchvision.ops.poolers``).

Each box is pooled from one pyramid level, chosen by its size (FPN paper, eq. 1):
``level = floor(canonical_level + log2(sqrt(area) / canonical_scale) + 1e-6)``, clamped to the levels present.
The levels' scales are inferred from the feature map and image sizes (powers of two) on the first call.

Example::

    >>> from ember.vision.ops import MultiScaleRoIAlign
    >>> pool = MultiScaleRoIAlign(["feat1", "feat3"], 3, 2)
    >>> feats = {"feat1": ember.rand(1, 5, 64, 64), "feat2": ember.rand(1, 5, 32, 32),
    ...          "feat3": ember.rand(1, 5, 16, 16)}
    >>> boxes = [ember.tensor([[0., 0., 40., 40.], [10., 10., 400., 300.]])]
    >>> pool(feats, boxes, [(512, 512)]).shape
    ember.Size([2, 5, 3, 3])
"""

import math

import ember
import ember.nn as nn
from ember._backend import xp
from ember.vision.ops.boxes import box_area
from ember.vision.ops.roi_align import _convert_boxes_to_roi_format as _convert_to_roi_format
from ember.vision.ops.roi_align import roi_align

__all__ = ["MultiScaleRoIAlign"]


class LevelMapper:
    """Maps boxes to pyramid levels ``k_min..k_max`` (returned as ``0..k_max - k_min``), FPN's eq. 1.

    Args:
        k_min, k_max: the lowest and highest level.
        canonical_scale: box size (sqrt of its area) mapped to ``canonical_level``.
        canonical_level: its level.
        eps: added before flooring.
    """

    def __init__(self, k_min, k_max, canonical_scale=224, canonical_level=4, eps=1e-6):
        self.k_min = k_min
        self.k_max = k_max
        self.s0 = canonical_scale
        self.lvl0 = canonical_level
        self.eps = eps

    def __call__(self, boxlists):
        """int64 level index of every box of the list of ``Tensor[L, 4]`` ``boxlists`` (concatenated)."""
        s = ember.sqrt(ember.cat([box_area(b.detach()) for b in boxlists]))
        target = ember.floor(self.lvl0 + ember.log2(s / self.s0) + ember.tensor(self.eps, dtype=s.dtype))
        target = ember.clamp(target, min=self.k_min, max=self.k_max)
        return target.to(ember.int64) - self.k_min


def initLevelMapper(k_min, k_max, canonical_scale=224, canonical_level=4, eps=1e-6):  # noqa: N802 (torchvision's name)
    """A :class:`LevelMapper`."""
    return LevelMapper(k_min, k_max, canonical_scale, canonical_level, eps)


def _infer_scale(feature, original_size):
    """The power of two closest (in log2, float32 as torchvision) to a feature map's size over the image's."""
    possible = []
    for s1, s2 in zip(feature.shape[-2:], original_size):
        approx = xp.float32(float(s1) / float(s2))
        possible.append(2 ** float(xp.round(xp.log2(approx))))
    return possible[0]


def _setup_scales(features, image_shapes, canonical_scale, canonical_level):
    if not image_shapes:
        raise ValueError("images list should not be empty")
    original = (max(s[0] for s in image_shapes), max(s[1] for s in image_shapes))
    scales = [_infer_scale(f, original) for f in features]
    lvl_min = -math.log2(scales[0])
    lvl_max = -math.log2(scales[-1])
    return scales, initLevelMapper(int(lvl_min), int(lvl_max), canonical_scale=canonical_scale,
                                   canonical_level=canonical_level)


def _filter_input(x, featmap_names):
    return [v for k, v in x.items() if k in featmap_names]


def _multiscale_roi_align(x_filtered, boxes, output_size, sampling_ratio, scales, mapper):
    """RoI Align of every box on its level's feature map, in the boxes' order."""
    if scales is None or mapper is None:
        raise ValueError("scales and mapper should not be None")
    rois = _convert_to_roi_format(boxes)
    if len(x_filtered) == 1:
        return roi_align(x_filtered[0], rois, output_size=output_size, spatial_scale=scales[0],
                         sampling_ratio=sampling_ratio)
    levels = mapper(boxes)._data
    dtype = x_filtered[0].dtype
    parts, order = [], []
    for level, (feature, scale) in enumerate(zip(x_filtered, scales)):
        idx = xp.flatnonzero(levels == level)
        out = roi_align(feature, rois[ember.tensor(idx)], output_size=output_size, spatial_scale=scale,
                        sampling_ratio=sampling_ratio)
        parts.append(out.to(dtype))
        order.append(idx)
    # each box's row in the concatenation of the levels' outputs
    inverse = xp.empty(rois.shape[0], dtype=xp.int64)
    inverse[xp.concatenate(order)] = xp.arange(rois.shape[0])
    return ember.cat(parts, 0)[ember.tensor(inverse)]


class MultiScaleRoIAlign(nn.Module):
    """Multi-scale RoI Align for detection with a feature pyramid (as in Faster/Mask R-CNN with FPN).

    Args:
        featmap_names: names of the feature maps (keys of the forward's dict) to pool from, finest first.
        output_size: ``(PH, PW)`` (an int, a 1- or 2-element sequence) of the pooled maps.
        sampling_ratio: samples per bin along each axis of :func:`~ember.vision.ops.roi_align` (``<= 0``: adaptive).
        canonical_scale: box size mapped to ``canonical_level`` (FPN's 224).
        canonical_level: its pyramid level (FPN's 4).

    Forward: ``(x, boxes, image_shapes)`` with ``x`` a dict of ``(N, C, H_l, W_l)`` feature maps, ``boxes`` a list of
    ``Tensor[L_i, 4]`` boxes ``(x1, y1, x2, y2)`` in image coordinates, one per image, and ``image_shapes`` the
    ``(H, W)`` of each image (they set the levels' scales on the first call). Returns ``(sum L_i, C, PH, PW)``.

    Example::

        >>> pool = MultiScaleRoIAlign(["0"], 7, 2)
        >>> pool({"0": ember.rand(1, 4, 32, 32)}, [ember.tensor([[0., 0., 64., 64.]])], [(128, 128)]).shape
        ember.Size([1, 4, 7, 7])
    """

    def __init__(self, featmap_names, output_size, sampling_ratio, *, canonical_scale=224, canonical_level=4):
        super().__init__()
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        self.featmap_names = featmap_names
        self.sampling_ratio = sampling_ratio
        self.output_size = tuple(output_size)
        self.scales = None
        self.map_levels = None
        self.canonical_scale = canonical_scale
        self.canonical_level = canonical_level

    def forward(self, x, boxes, image_shapes):
        x_filtered = _filter_input(x, self.featmap_names)
        if self.scales is None or self.map_levels is None:
            self.scales, self.map_levels = _setup_scales(x_filtered, image_shapes, self.canonical_scale,
                                                         self.canonical_level)
        return _multiscale_roi_align(x_filtered, boxes, self.output_size, self.sampling_ratio, self.scales,
                                     self.map_levels)

    def __repr__(self):
        return (f"{self.__class__.__name__}(featmap_names={self.featmap_names}, output_size={self.output_size}, "
                f"sampling_ratio={self.sampling_ratio})")
