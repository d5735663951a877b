"""Position-sensitive RoI Pool (mirrors ``torchvision.ops.ps_roi_pool``, from R-FCN).

Bin ``(i, j)`` of output channel ``c`` is the average of input channel ``(c * PH + i) * PW + j`` over the bin's
pixel window. As torchvision's kernel, box corners are rounded to pixels (half away from zero), a region is at
least one pixel wide, the windows are clipped to ``[0, H - 1]`` x ``[0, W - 1]`` (so the last row and column are
never pooled) and an empty window gives 0. The windows are gathered element-wise from the flat input (rois
grouped by their largest window, in chunks; taps past a window read an extra zero), the gradient is one
``bincount``.

Example::

    >>> from ember.vision.ops import ps_roi_pool
    >>> ps_roi_pool(ember.randn(1, 8, 10, 10), ember.tensor([[0., 1., 1., 6., 6.]]), 2).shape
    ember.Size([1, 2, 2, 2])
"""

import ember.nn as nn
from ember._backend import xp
from ember._ops import Op
from ember.vision.ops.ps_roi_align import _channel_check
from ember.vision.ops.roi_align import _rois_array, _size
from ember.vision.ops.roi_pool import _pool_geometry, _window_groups, _window_index

__all__ = ["ps_roi_pool", "PSRoIPool"]


class _PSRoIPool(Op):
    """``rois`` (K, 5), ``output_size``, ``spatial_scale`` and the input's ``shape`` are attributes. Linear in the
    input: the engine differentiates the backward by re-running forward."""

    grad_name = "PSRoIPoolBackward0"
    linear = True

    def _plan(self, dtype):
        """``(window area (K, PH, PW), [(roi indices, flat indices (B, C_out, PH, PW, taps))])``."""
        n, c, h, w = self.shape
        ph, pw = self.output_size
        c_out = c // (ph * pw)
        batch, hs, he, ws, we = _pool_geometry(self.rois, dtype, self.spatial_scale, self.output_size, h, w, 0)
        if batch.size and ((batch < 0) | (batch >= n)).any():
            raise IndexError(f"roi batch index out of range for an input of batch size {n}")
        area = xp.maximum(he - hs, 0)[:, :, None] * xp.maximum(we - ws, 0)[:, None, :]
        c_in = xp.arange(c).reshape(c_out, ph, pw)
        chunks = []
        for sel, lh, lw in _window_groups(hs, he, ws, we, c_out):
            base = xp.zeros(len(sel), dtype=xp.int64)
            win = _window_index(hs[sel], he[sel], ws[sel], we[sel], lh, lw, base, w, -1)  # (B, PH, PW, taps)
            plane = (batch[sel, None, None, None] * c + c_in) * (h * w)  # (B, C_out, PH, PW)
            idx = xp.where(win[:, None] < 0, n * c * h * w, plane[..., None] + win[:, None])  # past: the zero slot
            chunks.append((sel, idx))
        return area, chunks

    def forward(self, x):
        ph, pw = self.output_size
        c_out = x.shape[1] // (ph * pw)
        k = self.rois.shape[0]
        area, chunks = self._plan(x.dtype)
        out = xp.zeros((k, c_out, ph, pw), dtype=x.dtype)
        flat = xp.concatenate([x.reshape(-1), xp.zeros(1, dtype=x.dtype)])
        for sel, idx in chunks:
            out[sel] = flat.take(idx).sum(-1)
        nonempty = area > 0
        out /= xp.where(nonempty, area, 1).astype(x.dtype)[:, None]  # (empty bins stay 0)
        return out

    def backward(self, grad):
        area, chunks = self._plan(grad.dtype)
        g = grad / xp.where(area > 0, area, 1).astype(grad.dtype)[:, None]
        index, weight = [], []
        for sel, idx in chunks:
            index.append(idx.reshape(-1))
            weight.append(xp.broadcast_to(g[sel][..., None], idx.shape).reshape(-1))
        total = int(xp.prod(self.shape))
        if not index:
            return (xp.zeros(self.shape, dtype=grad.dtype),)
        gx = xp.bincount(xp.concatenate(index), weights=xp.concatenate(weight), minlength=total + 1)[:total]
        return (gx.astype(grad.dtype, copy=False).reshape(self.shape),)


def ps_roi_pool(input, boxes, output_size, spatial_scale=1.0):
    """Position-sensitive Region of Interest Pooling (R-FCN): bin ``(i, j)`` of output channel ``c`` is the average
    of input channel ``(c * PH + i) * PW + j`` over the bin's pixels.

    Args:
        input: ``(N, C, H, W)`` float features, ``C`` a multiple of ``PH * PW``.
        boxes: ``Tensor[K, 5]`` rows ``(image index, x1, y1, x2, y2)``, or a list of ``Tensor[L, 4]``, one per
            image; same dtype as ``input``. No gradient flows to them.
        output_size: ``(PH, PW)`` or an int for both.
        spatial_scale: multiplies the box coordinates.

    Shape:
        Returns ``(K, C / (PH * PW), PH, PW)``.

    Example::

        >>> ps_roi_pool(ember.randn(1, 18, 12, 12), [ember.tensor([[0., 0., 8., 8.]])], 3).shape
        ember.Size([1, 2, 3, 3])
    """
    rois = _rois_array(input, boxes, "ps_roi_pool_forward_kernel")
    size = _size(output_size)
    _channel_check(input.shape[1], size)
    return _PSRoIPool.apply(input, rois=rois, shape=tuple(input.shape), output_size=size,
                            spatial_scale=float(spatial_scale))


class PSRoIPool(nn.Module):
    """:func:`ps_roi_pool` as a module.

    Args:
        output_size: ``(PH, PW)`` or an int.
        spatial_scale: scale of the box coordinates to the feature map.

    Example::

        >>> PSRoIPool(2, 1.0)(ember.randn(1, 8, 8, 8), ember.tensor([[0., 0., 0., 4., 4.]])).shape
        ember.Size([1, 2, 2, 2])
    """

    def __init__(self, output_size, spatial_scale):
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input, rois):
        return ps_roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self):
        return f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale})"
