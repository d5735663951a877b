"""Anchor (prior box) generators of the one-stage detectors (mirrors
``torchvision.models.detection.anchor_utils``).

Example::

    >>> from ember.vision.models.detection.image_list import ImageList
    >>> gen = AnchorGenerator(sizes=((16,),), aspect_ratios=((0.5, 1.0, 2.0),))
    >>> images = ImageList(ember.zeros(1, 3, 32, 32), [(32, 32)])
    >>> gen(images, [ember.zeros(1, 8, 4, 4)])[0].shape
    ember.Size([48, 4])
"""

import math

import ember
import ember.nn as nn

__all__ = ["AnchorGenerator", "DefaultBoxGenerator"]


class AnchorGenerator(nn.Module):
    """Anchors of several sizes and aspect ratios centred on every cell of every feature map.

    Level ``i`` uses the sizes ``sizes[i]`` and ratios ``aspect_ratios[i]`` (height / width); each
    ``(size, ratio)`` pair gives one anchor of area about ``size ** 2`` per cell, with corners rounded to
    integers. The cells of a level are spaced by the image size over the map size.

    Args:
        sizes: one tuple of anchor sizes per feature map.
        aspect_ratios: one tuple of ratios per feature map (one tuple is repeated for all maps).

    Shapes:
        ``forward(image_list, feature_maps)`` returns one ``[sum_i H_i * W_i * A_i, 4]`` tensor per image,
        ordered by level, then cell (row-major), then anchor.

    Example::

        >>> AnchorGenerator(((32, 64),), ((1.0,),)).cell_anchors[0]
        tensor([[-16., -16.,  16.,  16.],
                [-32., -32.,  32.,  32.]])
    """

    __annotations__ = {"cell_anchors": list}

    def __init__(self, sizes=((128, 256, 512),), aspect_ratios=((0.5, 1.0, 2.0),)):
        super().__init__()
        if not isinstance(sizes[0], (list, tuple)):
            sizes = tuple((s,) for s in sizes)
        if not isinstance(aspect_ratios[0], (list, tuple)):
            aspect_ratios = (aspect_ratios,) * len(sizes)
        self.sizes = sizes
        self.aspect_ratios = aspect_ratios
        self.cell_anchors = [self.generate_anchors(size, ratios) for size, ratios in zip(sizes, aspect_ratios)]

    def generate_anchors(self, scales, aspect_ratios, dtype=ember.float32, device=None):
        """The ``[len(aspect_ratios) * len(scales), 4]`` anchors centred on the origin (ratio-major order)."""
        scales = ember.as_tensor(scales, dtype=dtype, device=device)
        ratios = ember.as_tensor(aspect_ratios, dtype=dtype, device=device)
        h_ratios = ember.sqrt(ratios)
        w_ratios = 1 / h_ratios
        ws = (w_ratios[:, None] * scales[None, :]).view(-1)
        hs = (h_ratios[:, None] * scales[None, :]).view(-1)
        return (ember.stack([-ws, -hs, ws, hs], dim=1) / 2).round()

    def set_cell_anchors(self, dtype, device):
        """Convert the base anchors to ``dtype`` on ``device``."""
        self.cell_anchors = [a.to(dtype=dtype, device=device) for a in self.cell_anchors]

    def num_anchors_per_location(self):
        """Anchors per cell of each level."""
        return [len(s) * len(a) for s, a in zip(self.sizes, self.aspect_ratios)]

    def grid_anchors(self, grid_sizes, strides):
        """The anchors of each level: the base anchors shifted to every cell ``(y * stride_h, x * stride_w)``.

        Args:
            grid_sizes: ``(H, W)`` of each feature map.
            strides: ``(stride_h, stride_w)`` of each feature map (integer tensors).
        """
        if not (len(grid_sizes) == len(strides) == len(self.cell_anchors)):
            raise ValueError("Anchors should be Tuple[Tuple[int]] because each feature map could potentially have "
                             "different sizes and aspect ratios. There needs to be a match between the number of "
                             "feature maps passed and the number of sizes / aspect ratios specified.")
        anchors = []
        for (gh, gw), (sh, sw), base in zip(grid_sizes, strides, self.cell_anchors):
            shifts_x = ember.arange(0, gw, dtype=ember.int32, device=base.device) * sw
            shifts_y = ember.arange(0, gh, dtype=ember.int32, device=base.device) * sh
            shift_y, shift_x = ember.meshgrid(shifts_y, shifts_x, indexing="ij")
            shift_x, shift_y = shift_x.reshape(-1), shift_y.reshape(-1)
            shifts = ember.stack((shift_x, shift_y, shift_x, shift_y), dim=1)
            anchors.append((shifts.view(-1, 1, 4) + base.view(1, -1, 4)).reshape(-1, 4))
        return anchors

    def forward(self, image_list, feature_maps):
        grid_sizes = [tuple(fm.shape[-2:]) for fm in feature_maps]
        image_size = tuple(image_list.tensors.shape[-2:])
        dtype, device = feature_maps[0].dtype, feature_maps[0].device
        strides = [[ember.empty((), dtype=ember.int64, device=device).fill_(image_size[0] // g[0]),
                    ember.empty((), dtype=ember.int64, device=device).fill_(image_size[1] // g[1])]
                   for g in grid_sizes]
        self.set_cell_anchors(dtype, device)
        per_level = self.grid_anchors(grid_sizes, strides)
        # every image of the batch shares the padded size, hence the same anchors
        return [ember.cat(per_level) for _ in range(len(image_list.image_sizes))]


class DefaultBoxGenerator(nn.Module):
    """SSD's default boxes: for each feature map ``k`` two squares (scales ``s_k`` and ``sqrt(s_k s_{k+1})``)
    and a pair of boxes per aspect ratio, centred on every cell, in units of the image size.

    Args:
        aspect_ratios: the ratios of each feature map (each adds a ``(w, h)`` and an ``(h, w)`` box).
        min_ratio, max_ratio: the scales of the first and last maps when ``scales`` is not given; the others are
            spread linearly between them (default 0.15 and 0.9).
        scales: the ``len(aspect_ratios) + 1`` scales, relative to the image (default ``None``: computed).
        steps: the cell spacing in pixels of each map (default ``None``: image size over map size).
        clip: clamp the relative widths and heights to ``[0, 1]`` (default True).

    Shapes:
        ``forward(image_list, feature_maps)`` returns one ``[sum_k H_k * W_k * A_k, 4]`` tensor of
        ``(x1, y1, x2, y2)`` pixel boxes per image.

    Example::

        >>> gen = DefaultBoxGenerator([[2], [2, 3]])
        >>> gen.num_anchors_per_location()
        [4, 6]
    """

    def __init__(self, aspect_ratios, min_ratio=0.15, max_ratio=0.9, scales=None, steps=None, clip=True):
        super().__init__()
        if steps is not None and len(aspect_ratios) != len(steps):
            raise ValueError("aspect_ratios and steps should have the same length")
        self.aspect_ratios = aspect_ratios
        self.steps = steps
        self.clip = clip
        num_outputs = len(aspect_ratios)
        if scales is None:
            if num_outputs > 1:
                span = max_ratio - min_ratio
                self.scales = [min_ratio + span * k / (num_outputs - 1.0) for k in range(num_outputs)]
                self.scales.append(1.0)
            else:
                self.scales = [min_ratio, max_ratio]
        else:
            self.scales = scales
        self._wh_pairs = self._generate_wh_pairs(num_outputs)

    def _generate_wh_pairs(self, num_outputs, dtype=ember.float32, device=None):
        pairs = []
        for k in range(num_outputs):
            s_k = self.scales[k]
            s_between = math.sqrt(self.scales[k] * self.scales[k + 1])
            wh = [[s_k, s_k], [s_between, s_between]]
            for ar in self.aspect_ratios[k]:
                root = math.sqrt(ar)
                wh.extend([[s_k * root, s_k / root], [s_k / root, s_k * root]])
            pairs.append(ember.as_tensor(wh, dtype=dtype, device=device))
        return pairs

    def num_anchors_per_location(self):
        """Default boxes per cell of each feature map."""
        return [2 + 2 * len(r) for r in self.aspect_ratios]

    def _grid_default_boxes(self, grid_sizes, image_size, dtype=ember.float32):
        # (cx, cy, w, h) relative to the image, for every map, cell and box
        boxes = []
        for k, (fh, fw) in enumerate(grid_sizes):
            if self.steps is not None:
                y_cells, x_cells = image_size[0] / self.steps[k], image_size[1] / self.steps[k]
            else:
                y_cells, x_cells = fh, fw
            cx = ((ember.arange(0, fw) + 0.5) / x_cells).to(dtype=dtype)
            cy = ((ember.arange(0, fh) + 0.5) / y_cells).to(dtype=dtype)
            cy, cx = ember.meshgrid(cy, cx, indexing="ij")
            cx, cy = cx.reshape(-1), cy.reshape(-1)
            n_boxes = len(self._wh_pairs[k])
            centres = ember.stack((cx, cy) * n_boxes, dim=-1).reshape(-1, 2)
            wh = self._wh_pairs[k].clamp(min=0, max=1) if self.clip else self._wh_pairs[k]
            boxes.append(ember.cat((centres, wh.repeat(fh * fw, 1)), dim=1))
        return ember.cat(boxes, dim=0)

    def __repr__(self):
        return (f"{type(self).__name__}(aspect_ratios={self.aspect_ratios}, clip={self.clip}, scales={self.scales}, "
                f"steps={self.steps})")

    def forward(self, image_list, feature_maps):
        grid_sizes = [tuple(fm.shape[-2:]) for fm in feature_maps]
        image_size = tuple(image_list.tensors.shape[-2:])
        dtype, device = feature_maps[0].dtype, feature_maps[0].device
        boxes = self._grid_default_boxes(grid_sizes, image_size, dtype=dtype).to(device)
        x_y_size = ember.tensor([image_size[1], image_size[0]], device=device)
        # centre/size -> corners, scaled to pixels
        corners = ember.cat([(boxes[:, :2] - 0.5 * boxes[:, 2:]) * x_y_size,
                             (boxes[:, :2] + 0.5 * boxes[:, 2:]) * x_y_size], -1)
        return [corners for _ in image_list.image_sizes]
