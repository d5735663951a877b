"""RoI Align (mirrors ``torchvision.ops.roi_align``): average of bilinear samples over each bin of each region.

Also holds what the four RoI pooling ops share: the checks and conversion of ``boxes`` (a ``Tensor[K, 5]`` whose
first column is the image index, or a list of ``Tensor[L, 4]``, one per image), the rois' dtype check of
torchvision's kernels, grouping rois by their sample grid, and the bilinear taps along one axis.

The samples of a bin lie on a ``grid_h x grid_w`` lattice, so the bilinear taps are separable: along each axis a
sample has a low and a high tap with weights ``1 - l`` and ``l``. A roi's taps are gathered as a
``(PH, 2 * grid_h, PW, 2 * grid_w)`` patch of channel rows (the input as ``(N * H * W, C)``) and contracted with the
two axes' weights. Rois with the same grid (always, for a fixed ``sampling_ratio``; per group otherwise) are
handled together, in chunks that bound the gathered memory. The input gradient scatters the same taps back.

Example::

    >>> from ember.vision.ops import roi_align
    >>> x = ember.arange(16.).reshape(1, 1, 4, 4)
    >>> roi_align(x, ember.tensor([[0., 0., 0., 2., 2.]]), output_size=1, aligned=True)  # pixels (0..1, 0..1)
    tensor([[[[2.5000]]]])
"""

from collections.abc import Iterable

import ember
import ember.nn as nn
from ember._backend import xp
from ember._dtype import TYPE_WORDS
from ember._ops import Op
from ember._tensor import Tensor

__all__ = ["roi_align", "RoIAlign"]

_BUDGET = 1 << 22  # elements gathered at once: bounds a chunk's temporary memory


def _size(output_size):
    """``(PH, PW)`` of an int or a pair."""
    return tuple(int(v) for v in output_size) if isinstance(output_size, Iterable) else (int(output_size),) * 2


# ----------------------------------------------------------------------------- boxes

def _check_roi_boxes_shape(boxes):
    """torchvision's check of ``boxes``: a ``Tensor[K, 5]`` or a list/tuple of ``Tensor[L, 4]``."""
    if isinstance(boxes, (list, tuple)):
        for t in boxes:
            if t.size(1) != 4:
                raise AssertionError("The shape of the tensor in the boxes list is not correct as List[Tensor[L, 4]]")
    elif isinstance(boxes, Tensor):
        if boxes.size(1) != 5:
            raise AssertionError("The boxes tensor shape is not correct as Tensor[K, 5]")
    else:
        raise AssertionError("boxes is expected to be a Tensor[L, 5] or a List[Tensor[K, 4]]")


def _convert_boxes_to_roi_format(boxes):
    """A list of per-image ``Tensor[L, 4]`` as one ``Tensor[K, 5]``, the image index first (promoted dtype)."""
    if len(boxes) == 0:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    with ember.no_grad():
        ids = ember.cat([ember.full_like(b[:, :1], i) for i, b in enumerate(boxes)], 0)
        return ember.cat([ids, ember.cat(list(boxes), 0)], 1)


def _rois_array(input, boxes, kernel):
    """The checked ``(K, 5)`` rois array for op ``kernel`` (torchvision's kernel names in its errors)."""
    _check_roi_boxes_shape(boxes)
    rois = boxes if isinstance(boxes, Tensor) else _convert_boxes_to_roi_format(boxes)
    a, b = input._data.dtype, rois._data.dtype
    if a != b:  # the compiled kernels require one dtype (torchvision's pure-Python roi_align does not)
        raise RuntimeError(
            "Expected tensor for argument #1 'input' to have the same type as tensor for argument #2 'rois'; but type "
            f"CPU{TYPE_WORDS.get(a.name, a.name)}Type does not equal CPU{TYPE_WORDS.get(b.name, b.name)}Type "
            f"(while checking arguments for {kernel})")
    if a.kind not in "fV":
        raise RuntimeError(f"\"{kernel}\" not implemented for '{TYPE_WORDS.get(a.name, a.name)}'")
    return rois._data


def _groups(keys):
    """``[(key row, indices)]`` of the rows of the ``(K, m)`` integer array ``keys`` that share a value."""
    if keys.shape[0] == 0:
        return []
    uniq, inv = xp.unique(keys, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    order = xp.argsort(inv, kind="stable")
    bounds = xp.cumsum(xp.bincount(inv, minlength=uniq.shape[0]))[:-1]
    return list(zip([tuple(int(v) for v in u) for u in uniq], xp.split(order, bounds)))


def _chunks(idx, per_roi):
    """Split roi indices ``idx`` so that a chunk gathers about ``_BUDGET`` elements (``per_roi`` each)."""
    step = max(1, _BUDGET // max(per_roi, 1))
    return [idx[i:i + step] for i in range(0, len(idx), step)]


# ----------------------------------------------------------------------------- bilinear sampling

def _sample_grid(extent, pooled, sampling_ratio):
    """Samples per bin along one axis: ``sampling_ratio`` or, when ``<= 0``, ``ceil(extent / pooled)`` per roi."""
    if sampling_ratio > 0:
        return xp.full(extent.shape, sampling_ratio, dtype=xp.int64)
    with xp.errstate(invalid="ignore"):  # (NaN rois: no samples)
        g = xp.ceil(extent / extent.dtype.type(pooled))
        return xp.where(xp.isfinite(g), g, -1).astype(xp.int64)


def _axis_taps(start, bin_size, pooled, grid, size):
    """Bilinear taps along one axis: ``(index, weight)``, both ``(K, pooled, 2 * grid)`` (low and high tap of
    each sample), for the samples ``start + p * bin + (i + 0.5) * bin / grid`` of rois with ``start``, ``bin_size``
    ``(K,)`` in an axis of ``size`` pixels. A sample outside ``[-1, size]`` gets zero weights; samples beyond the
    last pixel read it (torchvision's bilinear_interpolate)."""
    dt = start.dtype.type
    start, bin_size = start[:, None, None], bin_size[:, None, None]
    p = xp.arange(pooled, dtype=start.dtype)[:, None]
    i = xp.arange(grid, dtype=start.dtype) + dt(0.5)
    c = (start + p * bin_size) + i * bin_size / dt(grid)  # (the kernels' order of operations)
    with xp.errstate(invalid="ignore"):
        valid = (c >= -1) & (c <= size)
    c = xp.where(valid, xp.maximum(c, dt(0)), dt(0))
    lo = c.astype(xp.int64)
    edge = lo >= size - 1
    lo = xp.where(edge, size - 1, lo)
    hi = xp.where(edge, size - 1, lo + 1)
    c = xp.where(edge, lo.astype(c.dtype), c)
    high = xp.where(valid, c - lo.astype(c.dtype), dt(0))
    low = xp.where(valid, dt(1) - high, dt(0))
    k = c.shape[0]
    return (xp.stack([lo, hi], -1).reshape(k, pooled, 2 * grid),
            xp.stack([low, high], -1).reshape(k, pooled, 2 * grid))


def _align_geometry(rois, dtype, spatial_scale, output_size, sampling_ratio, aligned, min_one):
    """Per roi: image index, start and bin size along y and x, samples per bin along y and x."""
    dt = xp.dtype(dtype).type
    r = rois.astype(dtype, copy=False)
    offset = dt(0.5) if aligned else dt(0)
    sx, sy, ex, ey = [r[:, j] * dt(spatial_scale) - offset for j in range(1, 5)]
    w, h = ex - sx, ey - sy
    if min_one:  # roi_align without ``aligned``: regions at least one pixel wide
        w, h = xp.maximum(w, dt(1)), xp.maximum(h, dt(1))
    ph, pw = output_size
    return (r[:, 0].astype(xp.int64), sy, sx, h / dt(ph), w / dt(pw),
            _sample_grid(h, ph, sampling_ratio), _sample_grid(w, pw, sampling_ratio))


class _BilinearRoIOp(Op):
    """Shared plan of RoI Align and PS RoI Align: ``rois`` (K, 5), ``output_size``, ``spatial_scale``,
    ``sampling_ratio``, ``aligned`` and the input's ``shape`` are attributes. Linear in the input: the engine
    differentiates the backward by re-running forward."""

    linear = True
    min_one = True  # regions at least one pixel wide unless ``aligned`` (RoI Align; PS RoI Align never)
    aligned = False

    def _plan(self, shape, dtype, per_sample):
        """Yield ``(roi indices, y taps, x taps, samples per bin)`` for chunks of rois with the same grid; also
        ``(roi indices, None, None, count)`` for rois without samples."""
        ph, pw = self.output_size
        n_img, h, w = shape[0], shape[-2], shape[-1]
        batch, sy, sx, bh, bw, gh, gw = _align_geometry(self.rois, dtype, self.spatial_scale, self.output_size,
                                                        self.sampling_ratio, self.aligned,
                                                        self.min_one and not self.aligned)
        if batch.size and ((batch < 0) | (batch >= n_img)).any():
            raise IndexError(f"roi batch index out of range for an input of batch size {n_img}")
        for (gy, gx), idx in _groups(xp.stack([gh, gw], 1)):
            if gy <= 0 or gx <= 0:
                yield idx, None, None, gy * gx
                continue
            for sel in _chunks(idx, ph * pw * 4 * gy * gx * per_sample):
                ty = _axis_taps(sy[sel], bh[sel], ph, gy, h)
                tx = _axis_taps(sx[sel], bw[sel], pw, gx, w)
                yield sel, (batch[sel], ty), tx, gy * gx


class _RoIAlign(_BilinearRoIOp):
    grad_name = "RoIAlignBackward0"

    def forward(self, x):
        n, c, h, w = x.shape
        ph, pw = self.output_size
        k = self.rois.shape[0]
        out = xp.zeros((k, ph, pw, c), dtype=x.dtype)
        rows = xp.ascontiguousarray(x.transpose(0, 2, 3, 1)).reshape(n * h * w, c)
        for sel, ty, tx, count in self._plan(x.shape, x.dtype, c):
            if ty is None:
                continue  # no samples: zero (count taken as 1)
            (b, (yi, yw)), (xi, xw) = ty, tx
            idx = (b[:, None, None, None, None] * (h * w) + yi[:, :, :, None, None] * w + xi[:, None, None, :, :])
            patch = rows.take(idx, axis=0)  # (B, PH, 2gh, PW, 2gw, C)
            part = xp.einsum("bpy,bpyqc->bpqc", yw, xp.einsum("bpyqxc,bqx->bpyqc", patch, xw))
            out[sel] = part / x.dtype.type(count)
        return xp.ascontiguousarray(out.transpose(0, 3, 1, 2))

    def backward(self, grad):
        k, c, ph, pw = grad.shape
        n, h, w = self.shape[0], self.shape[2], self.shape[3]
        gl = grad.transpose(0, 2, 3, 1)  # (K, PH, PW, C)
        flat = xp.zeros(n * h * w * c, dtype=grad.dtype)  # the input as (N, H, W, C), flat
        chan = xp.arange(c)
        for sel, ty, tx, count in self._plan(self.shape, grad.dtype, c):
            if ty is None:
                continue
            (b, (yi, yw)), (xi, xw) = ty, tx
            idx = (b[:, None, None, None, None] * (h * w) + yi[:, :, :, None, None] * w + xi[:, None, None, :, :])
            g = gl[sel] / grad.dtype.type(count)
            vals = (yw[:, :, :, None, None] * xw[:, None, None])[..., None] * g[:, :, None, :, None, :]
            # one flat index per element: add.at on 1-D is several times faster than on (rows, C)
            xp.add.at(flat, (idx[..., None] * c + chan).reshape(-1), vals.reshape(-1))  # (repeated taps add up)
        return (xp.ascontiguousarray(flat.reshape(n, h, w, c).transpose(0, 3, 1, 2)),)


def roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    """Region of Interest Align (Mask R-CNN): each region is split into ``output_size`` bins and each bin is the
    average of bilinearly interpolated samples on a regular grid inside it.

    Args:
        input: ``(N, C, H, W)`` float features.
        boxes: ``Tensor[K, 5]`` rows ``(image index, x1, y1, x2, y2)``, or a list of ``Tensor[L, 4]`` boxes
            ``(x1, y1, x2, y2)``, one per image; same dtype as ``input``. No gradient flows to them.
        output_size: ``(PH, PW)`` or an int for both.
        spatial_scale: multiplies the box coordinates (e.g. ``1/16`` for a stride-16 feature map).
        sampling_ratio: samples per bin along each axis; ``<= 0`` uses ``ceil(roi_size / output_size)`` per roi.
        aligned: shift the boxes by -0.5 pixel (pixel centres at half-integers) and allow regions smaller than a
            pixel; ``False`` is the original (legacy) behaviour.

    Shape:
        Returns ``(K, C, PH, PW)``.

    Example::

        >>> x = ember.randn(2, 8, 16, 16)
        >>> roi_align(x, [ember.tensor([[0., 0., 8., 8.]]), ember.tensor([[4., 4., 12., 10.]])], 3).shape
        ember.Size([2, 8, 3, 3])
    """
    rois = _rois_array(input, boxes, "roi_align_forward_kernel")
    return _RoIAlign.apply(input, rois=rois, shape=tuple(input.shape), output_size=_size(output_size),
                           spatial_scale=float(spatial_scale), sampling_ratio=int(sampling_ratio),
                           aligned=bool(aligned))


class RoIAlign(nn.Module):
    """:func:`roi_align` as a module.

    Args:
        output_size: ``(PH, PW)`` or an int.
        spatial_scale: scale of the box coordinates to the feature map.
        sampling_ratio: samples per bin along each axis (``<= 0``: adaptive).
        aligned: half-pixel aligned boxes.

    Example::

        >>> pool = RoIAlign(7, spatial_scale=1 / 16, sampling_ratio=2)
        >>> pool(ember.randn(1, 4, 32, 32), ember.tensor([[0., 0., 0., 256., 256.]])).shape
        ember.Size([1, 4, 7, 7])
    """

    def __init__(self, output_size, spatial_scale, sampling_ratio, aligned=False):
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.aligned = aligned

    def forward(self, input, rois):
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)

    def __repr__(self):
        return (f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
                f"sampling_ratio={self.sampling_ratio}, aligned={self.aligned})")
