"""RoI Pool (mirrors ``torchvision.ops.roi_pool``): the maximum over each bin of each region, on the pixel grid.

Box corners are rounded to pixels (half away from zero) and a region of ``PH x PW`` bins covers rows
``floor(p * bin)`` to ``ceil((p + 1) * bin)`` (clipped to the map), so neighbouring bins may share a row. The
windows of every bin are gathered at once (rois grouped by their largest window, in chunks); taps outside a
window read an extra ``-inf`` row. As torchvision's kernel, a bin's first maximum (row-major) wins, NaNs are
skipped, an empty bin gives 0 and a bin whose values are all ``<= -FLT_MAX`` gives ``-FLT_MAX``; the gradient
goes to the maximum's pixel.

Example::

    >>> from ember.vision.ops import roi_pool
    >>> x = ember.arange(16.).reshape(1, 1, 4, 4)
    >>> roi_pool(x, ember.tensor([[0., 0., 0., 3., 3.]]), output_size=2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
"""

import ember.nn as nn
from ember._backend import xp
from ember._ops import Op
from ember.vision.ops.roi_align import _chunks, _groups, _rois_array, _size

__all__ = ["roi_pool", "RoIPool"]

_FLT_MAX = 3.4028234663852886e38


def _round_half_away(v):
    """C's ``round``: halves away from zero."""
    t = xp.trunc(v)
    return t + xp.where(xp.abs(v - t) >= v.dtype.type(0.5), xp.sign(v), v.dtype.type(0))


def _bin_windows(start, length, pooled, hi_clip):
    """Bin ``[start, end)`` per roi and bin, ``(K, pooled)`` int arrays: ``floor(p * bin)`` to
    ``ceil((p + 1) * bin)`` with ``bin = length / pooled`` (in the rois' dtype), offset by ``start`` and clipped to
    ``[0, hi_clip]``."""
    dt = length.dtype.type
    bin_size = length / dt(pooled)
    p = xp.arange(pooled, dtype=length.dtype)
    with xp.errstate(invalid="ignore"):
        lo = xp.floor(p * bin_size[:, None])
        hi = xp.ceil((p + dt(1)) * bin_size[:, None])
        lo = xp.nan_to_num(lo).astype(xp.int64) + start[:, None]
        hi = xp.nan_to_num(hi).astype(xp.int64) + start[:, None]
    return xp.clip(lo, 0, hi_clip), xp.clip(hi, 0, hi_clip)


def _pool_geometry(rois, dtype, spatial_scale, output_size, h, w, extra):
    """Per roi: image index and the bins' row and column windows ``(K, P)`` (``extra``: 1 for roi_pool's inclusive
    corners, clipped to the map; 0 for ps_roi_pool's, clipped to the last pixel)."""
    dt = xp.dtype(dtype).type
    r = rois.astype(dtype, copy=False)
    with xp.errstate(invalid="ignore"):
        sx, sy, ex, ey = [xp.nan_to_num(_round_half_away(r[:, j] * dt(spatial_scale))).astype(xp.int64)
                          for j in range(1, 5)]
    rw = xp.maximum(ex - sx + extra, 1)
    rh = xp.maximum(ey - sy + extra, 1)
    ph, pw = output_size
    hs, he = _bin_windows(sy, rh.astype(dtype), ph, h - 1 + extra)
    ws, we = _bin_windows(sx, rw.astype(dtype), pw, w - 1 + extra)
    return r[:, 0].astype(xp.int64), hs, he, ws, we


def _window_index(hs, he, ws, we, lh, lw, base, stride, empty_slot):
    """Flat indices ``(B, PH, PW, lh * lw)`` of each bin's window (``base + h * stride + w``); taps past a window's
    end point at ``empty_slot``."""
    i = xp.arange(lh)
    j = xp.arange(lw)
    rows = hs[:, :, None] + i  # (B, PH, lh)
    cols = ws[:, :, None] + j  # (B, PW, lw)
    ok = ((rows < he[:, :, None])[:, :, None, :, None] & (cols < we[:, :, None])[:, None, :, None, :])
    idx = base[:, None, None, None, None] + rows[:, :, None, :, None] * stride + cols[:, None, :, None, :]
    idx = xp.where(ok, idx, empty_slot)
    b, ph, pw = idx.shape[:3]
    return idx.reshape(b, ph, pw, lh * lw)


def _window_groups(hs, he, ws, we, per_tap):
    """Chunks of rois with the same largest window: ``[(indices, lh, lw)]`` (empty windows skipped)."""
    lh = (he - hs).max(1, initial=0)
    lw = (we - ws).max(1, initial=0)
    out = []
    for (a, b), idx in _groups(xp.stack([lh, lw], 1)):
        if a > 0 and b > 0:
            out.extend((sel, a, b) for sel in _chunks(idx, hs.shape[1] * ws.shape[1] * a * b * per_tap))
    return out


class _RoIPool(Op):
    """``rois`` (K, 5), ``output_size``, ``spatial_scale`` and the input's ``shape`` are attributes."""

    grad_name = "RoIPoolBackward0"

    def forward(self, x):
        n, c, h, w = x.shape
        ph, pw = self.output_size
        k = self.rois.shape[0]
        batch, hs, he, ws, we = _pool_geometry(self.rois, x.dtype, self.spatial_scale, self.output_size, h, w, 1)
        if k and ((batch < 0) | (batch >= n)).any():
            raise IndexError(f"roi batch index out of range for an input of batch size {n}")
        rows = xp.empty((n * h * w + 1, c), dtype=x.dtype)
        rows[:-1] = x.transpose(0, 2, 3, 1).reshape(n * h * w, c)
        rows[-1] = -xp.inf  # the slot of taps outside a window
        xp.copyto(rows, -xp.inf, where=xp.isnan(rows))  # NaN never wins a comparison
        out = xp.zeros((k, ph, pw, c), dtype=x.dtype)
        arg = xp.full((k, ph, pw, c), -1, dtype=xp.int64)  # the maximum's row in (N * H * W, C)
        for sel, lh, lw in _window_groups(hs, he, ws, we, c):
            idx = _window_index(hs[sel], he[sel], ws[sel], we[sel], lh, lw, batch[sel] * (h * w), w, n * h * w)
            vals = rows.take(idx, axis=0)  # (B, PH, PW, lh * lw, C)
            pos = vals.argmax(3)  # the first maximum
            best = vals.max(3)
            found = best > -_FLT_MAX
            out[sel] = xp.where(found, best, x.dtype.type(-_FLT_MAX))
            arg[sel] = xp.where(found, xp.take_along_axis(idx, pos, 3), -1)
        # bins with an empty window: 0, no gradient
        empty = (he <= hs)[:, :, None] | (we <= ws)[:, None, :]
        out[empty] = 0
        arg[empty] = -1
        if self.requires_grad:
            self.save(arg)
        return xp.ascontiguousarray(out.transpose(0, 3, 1, 2))

    def backward(self, grad):
        (arg,) = self.saved
        n, c, h, w = self.shape
        g = grad.transpose(0, 2, 3, 1)
        hit = arg >= 0
        flat = (arg * c + xp.arange(c))[hit]
        gx = xp.bincount(flat, weights=g[hit], minlength=n * h * w * c).astype(grad.dtype, copy=False)
        return (xp.ascontiguousarray(gx.reshape(n, h, w, c).transpose(0, 3, 1, 2)),)


def roi_pool(input, boxes, output_size, spatial_scale=1.0):
    """Region of Interest Pooling (Fast R-CNN): the maximum of each of ``output_size`` bins of each region, with
    region corners rounded to the pixel grid.

    Args:
        input: ``(N, C, H, W)`` float features.
        boxes: ``Tensor[K, 5]`` rows ``(image index, x1, y1, x2, y2)``, or a list of ``Tensor[L, 4]``, one per
            image; same dtype as ``input``. No gradient flows to them.
        output_size: ``(PH, PW)`` or an int for both.
        spatial_scale: multiplies the box coordinates (e.g. ``1/16`` for a stride-16 feature map).

    Shape:
        Returns ``(K, C, PH, PW)``.

    Example::

        >>> roi_pool(ember.randn(1, 8, 16, 16), [ember.tensor([[0., 0., 7., 7.]])], 2).shape
        ember.Size([1, 8, 2, 2])
    """
    rois = _rois_array(input, boxes, "roi_pool_forward_kernel")
    return _RoIPool.apply(input, rois=rois, shape=tuple(input.shape), output_size=_size(output_size),
                          spatial_scale=float(spatial_scale))


class RoIPool(nn.Module):
    """:func:`roi_pool` as a module.

    Args:
        output_size: ``(PH, PW)`` or an int.
        spatial_scale: scale of the box coordinates to the feature map.

    Example::

        >>> RoIPool(7, spatial_scale=1 / 16)(ember.randn(1, 4, 32, 32), ember.tensor([[0., 0., 0., 99., 99.]])).shape
        ember.Size([1, 4, 7, 7])
    """

    def __init__(self, output_size, spatial_scale):
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input, rois):
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self):
        return f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale})"
