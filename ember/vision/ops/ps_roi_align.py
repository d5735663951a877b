"""Position-sensitive RoI Align (mirrors ``torchvision.ops.ps_roi_align``, from R-FCN).

As :func:`~ember.vision.ops.roi_align`, but bin ``(i, j)`` of output channel ``c`` samples input channel
``(c * PH + i) * PW + j``, so the input has ``C = C_out * PH * PW`` channels. Boxes are always half-pixel aligned
and may be smaller than a pixel; as torchvision's kernel, a bin without samples (an adaptive grid of zero) gives
``0 / 0``. The samples are gathered element-wise from the flat input (each output reads one channel) and the
gradient is one ``bincount``.

Example::

    >>> from ember.vision.ops import ps_roi_align
    >>> ps_roi_align(ember.randn(1, 8, 10, 10), ember.tensor([[0., 1., 1., 6., 6.]]), 2).shape
    ember.Size([1, 2, 2, 2])
"""

import ember.nn as nn
from ember._backend import xp
from ember.vision.ops.roi_align import _BilinearRoIOp, _rois_array, _size

__all__ = ["ps_roi_align", "PSRoIAlign"]


def _channel_check(c, output_size):
    ph, pw = output_size
    if c % (ph * pw) != 0:
        raise RuntimeError("input channels must be a multiple of pooling height * pooling width")


class _PSRoIAlign(_BilinearRoIOp):
    grad_name = "PSRoIAlignBackward0"
    min_one = False
    aligned = True

    def _index(self, ty, tx, c_out):
        """Flat input indices ``(B, C_out, PH, 2gh, PW, 2gw)`` of a chunk's taps."""
        n, c, h, w = self.shape
        ph, pw = self.output_size
        b, (yi, _) = ty
        xi = tx[0]
        c_in = xp.arange(c_out * ph * pw).reshape(c_out, ph, pw)
        plane = (b[:, None, None, None] * c + c_in) * (h * w)  # (B, C_out, PH, PW)
        return (plane[:, :, :, None, :, None] + yi[:, None, :, :, None, None] * w
                + xi[:, None, None, None, :, :])

    def forward(self, x):
        n, c, h, w = x.shape
        ph, pw = self.output_size
        c_out = c // (ph * pw)
        k = self.rois.shape[0]
        dt = x.dtype.type
        out = xp.zeros((k, c_out, ph, pw), dtype=x.dtype)
        flat = x.reshape(-1)
        for sel, ty, tx, count in self._plan(x.shape, x.dtype, c_out):
            if ty is None:
                with xp.errstate(invalid="ignore", divide="ignore"):
                    out[sel] = dt(0) / dt(count)  # no samples: 0 / count, NaN for a zero grid as the kernel
                continue
            vals = flat.take(self._index(ty, tx, c_out))
            yw, xw = ty[1][1], tx[1]
            part = xp.einsum("bpy,bcpyq->bcpq", yw, xp.einsum("bcpyqx,bqx->bcpyq", vals, xw))
            out[sel] = part / dt(count)
        return out

    def backward(self, grad):
        n, c, h, w = self.shape
        c_out = grad.shape[1]
        index, weight = [], []
        for sel, ty, tx, count in self._plan(self.shape, grad.dtype, c_out):
            if ty is None:
                continue
            yw, xw = ty[1][1], tx[1]
            g = grad[sel] / grad.dtype.type(count)
            index.append(self._index(ty, tx, c_out).reshape(-1))
            weight.append(xp.einsum("bpy,bqx,bcpq->bcpyqx", yw, xw, g).reshape(-1))
        if not index:
            return (xp.zeros(self.shape, dtype=grad.dtype),)
        gx = xp.bincount(xp.concatenate(index), weights=xp.concatenate(weight), minlength=n * c * h * w)
        return (gx.astype(grad.dtype, copy=False).reshape(self.shape),)


def ps_roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1):
    """Position-sensitive Region of Interest Align (R-FCN): bin ``(i, j)`` of output channel ``c`` averages
    bilinear samples of input channel ``(c * PH + i) * PW + j``.

    Args:
        input: ``(N, C, H, W)`` float features, ``C`` a multiple of ``PH * PW``.
        boxes: ``Tensor[K, 5]`` rows ``(image index, x1, y1, x2, y2)``, or a list of ``Tensor[L, 4]``, one per
            image; same dtype as ``input``. No gradient flows to them.
        output_size: ``(PH, PW)`` or an int for both.
        spatial_scale: multiplies the box coordinates.
        sampling_ratio: samples per bin along each axis; ``<= 0`` uses ``ceil(roi_size / output_size)`` per roi.

    Shape:
        Returns ``(K, C / (PH * PW), PH, PW)``.

    Example::

        >>> ps_roi_align(ember.randn(2, 18, 12, 12), [ember.tensor([[0., 0., 8., 8.]]), ember.zeros(0, 4)], 3).shape
        ember.Size([1, 2, 3, 3])
    """
    rois = _rois_array(input, boxes, "ps_roi_align_forward_kernel")
    size = _size(output_size)
    _channel_check(input.shape[1], size)
    return _PSRoIAlign.apply(input, rois=rois, shape=tuple(input.shape), output_size=size,
                             spatial_scale=float(spatial_scale), sampling_ratio=int(sampling_ratio))


class PSRoIAlign(nn.Module):
    """:func:`ps_roi_align` as a module.

    Args:
        output_size: ``(PH, PW)`` or an int.
        spatial_scale: scale of the box coordinates to the feature map.
        sampling_ratio: samples per bin along each axis (``<= 0``: adaptive).

    Example::

        >>> PSRoIAlign(2, 1.0, 2)(ember.randn(1, 8, 8, 8), ember.tensor([[0., 0., 0., 4., 4.]])).shape
        ember.Size([1, 2, 2, 2])
    """

    def __init__(self, output_size, spatial_scale, sampling_ratio):
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio

    def forward(self, input, rois):
        return ps_roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio)

    def __repr__(self):
        return (f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
                f"sampling_ratio={self.sampling_ratio})")
