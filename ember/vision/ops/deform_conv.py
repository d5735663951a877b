"""Deformable convolution (DCN v1, and v2 with a modulation mask), as ``torchvision.ops.deform_conv2d``.

Each kernel tap ``k`` of each output position samples the input at its regular place plus a learned offset
``(dy, dx)``, by bilinear interpolation with zeros outside the image; with a mask, each sample is also scaled by
its mask value. The samples of all taps form a column tensor ``(N, C * kh * kw, out_h * out_w)`` (as im2col
does for a plain convolution), and one batched matmul per weight group gives the output.

Example::

    >>> from ember.vision.ops import deform_conv2d
    >>> x = ember.randn(1, 4, 8, 8)
    >>> offset = ember.zeros(1, 2 * 3 * 3, 6, 6)  # zero offsets: an ordinary convolution
    >>> deform_conv2d(x, offset, ember.randn(5, 4, 3, 3)).shape
    ember.Size([1, 5, 6, 6])
"""

import math

import ember
import ember.nn as nn
from ember._backend import xp
from ember._ops import Op
from ember.nn import init

__all__ = ["deform_conv2d", "DeformConv2d"]


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _sample_plan(offset, in_hw, kernel, stride, padding, dilation, og, dtype):
    """Where each tap samples: flat indices ``(4, N, OG, K*L)`` into a ``H*W + 1`` long row (index ``H*W`` is a
    zero cell standing for every corner outside the image) and the fractional parts ``ly, lx`` ``(N, OG, K*L)``.

    The corners are ordered (top-left, top-right, bottom-left, bottom-right)."""
    n, _, oh, ow = offset.shape
    h, w = in_hw
    kh, kw = kernel
    k, lsz = kh * kw, oh * ow
    # Regular sampling grid (K, L): output position * stride - padding + tap * dilation.
    ty = (xp.arange(kh) * dilation[0]).repeat(kw)[:, None]
    tx = xp.tile(xp.arange(kw) * dilation[1], kh)[:, None]
    gy = (xp.arange(oh) * stride[0] - padding[0]).repeat(ow)[None, :]
    gx = xp.tile(xp.arange(ow) * stride[1] - padding[1], oh)[None, :]
    base_y = (ty + gy).astype(dtype)
    base_x = (tx + gx).astype(dtype)
    off = offset.reshape(n, og, k, 2, lsz).astype(dtype, copy=False)
    y = base_y + off[:, :, :, 0]
    x = base_x + off[:, :, :, 1]
    y0f, x0f = xp.floor(y), xp.floor(x)
    # (an infinite offset samples nothing, as any far-away one: its fraction is 0, not inf - inf)
    ly = xp.where(xp.isinf(y), 0, y - y0f).astype(dtype, copy=False).reshape(n, og, k * lsz)
    lx = xp.where(xp.isinf(x), 0, x - x0f).astype(dtype, copy=False).reshape(n, og, k * lsz)
    # Clipping keeps far-away samples (and their casts to int) harmless: below -1 or from h on, both rows of a
    # sample are outside either way.
    y0 = xp.clip(xp.nan_to_num(y0f, nan=-2.0), -2, h).astype(xp.int64).reshape(n, og, k * lsz)
    x0 = xp.clip(xp.nan_to_num(x0f, nan=-2.0), -2, w).astype(xp.int64).reshape(n, og, k * lsz)
    vy0, vy1 = (y0 >= 0) & (y0 < h), (y0 >= -1) & (y0 < h - 1)
    vx0, vx1 = (x0 >= 0) & (x0 < w), (x0 >= -1) & (x0 < w - 1)
    flat = y0 * w + x0
    outside = h * w
    idx = xp.stack([xp.where(vy0 & vx0, flat, outside), xp.where(vy0 & vx1, flat + 1, outside),
                    xp.where(vy1 & vx0, flat + w, outside), xp.where(vy1 & vx1, flat + w + 1, outside)])
    return idx, ly, lx


def _corner_weights(ly, lx):
    hy, hx = 1 - ly, 1 - lx
    return hy * hx, hy * lx, ly * hx, ly * lx


class _DeformConv2d(Op):
    """``deform_conv2d`` on arrays: inputs ``(input, weight, offset[, mask][, bias])``."""

    grad_name = "DeformConv2dBackward0"
    kernel = (1, 1)
    stride = (1, 1)
    padding = (0, 0)
    dilation = (1, 1)
    groups = 1
    offset_groups = 1
    has_mask = False
    has_bias = False

    def _split(self, arrays):
        x, wt, off = arrays[:3]
        rest = list(arrays[3:])
        mask = rest.pop(0) if self.has_mask else None
        bias = rest.pop(0) if self.has_bias else None
        return x, wt, off, mask, bias

    def _gathered(self, xf, idx):
        # (N, OG, Cg, HW + 1) rows, (N, OG, KL) indices -> (N, OG, Cg, KL) values
        return xp.take_along_axis(xf, idx[:, :, None, :], axis=3)

    def forward(self, *arrays):
        x, wt, off, mask, bias = self._split(arrays)
        n, c, h, w = x.shape
        og, g = self.offset_groups, self.groups
        oh, ow = off.shape[2:]
        dtype = x.dtype
        k = self.kernel[0] * self.kernel[1]
        kl = k * oh * ow
        idx, ly, lx = _sample_plan(off, (h, w), self.kernel, self.stride, self.padding, self.dilation, og, dtype)
        wts = _corner_weights(ly, lx)
        if mask is not None:
            m = mask.reshape(n, og, kl).astype(dtype, copy=False)
            wts = tuple(wc * m for wc in wts)
        # The input per offset group, with one zero cell appended to each row for the samples outside.
        xf = xp.zeros((n, og, c // og, h * w + 1), dtype=dtype)
        xf[..., :-1] = x.reshape(n, og, c // og, h * w)
        cols = self._gathered(xf, idx[0]) * wts[0][:, :, None, :]
        for i in (1, 2, 3):
            cols += self._gathered(xf, idx[i]) * wts[i][:, :, None, :]
        # (N, OG, Cg, K*L) -> (N, G, C/G * K, L): channel-major then tap, as the weight flattens.
        o = wt.shape[0]
        cols = cols.reshape(n, g, c // g * k, oh * ow)
        out = xp.matmul(wt.reshape(1, g, o // g, c // g * k).astype(dtype, copy=False), cols).reshape(n, o, oh, ow)
        if bias is not None:
            out += bias.reshape(1, o, 1, 1)
        if self.requires_grad:  # (the sampling plan too, so that the engine frees it with the rest)
            self.save(x, wt, off, mask, xf, idx, ly, lx, cols)
        return out

    def backward(self, grad):
        needs = self.needs_input_grad
        x, wt, off, mask, xf, idx, ly, lx, cols = self.saved
        n, c, h, w = x.shape
        og, g = self.offset_groups, self.groups
        o = wt.shape[0]
        dtype = x.dtype
        k = self.kernel[0] * self.kernel[1]
        kl = ly.shape[-1]
        gout = grad.reshape(n, g, o // g, kl // k)
        g_w = g_b = g_x = g_off = g_mask = None
        if needs[1]:
            g_w = xp.matmul(gout, cols.swapaxes(-1, -2)).sum(0).reshape(wt.shape)
        if self.has_bias and needs[-1]:
            g_b = grad.sum((0, 2, 3))
        if needs[0] or needs[2] or (self.has_mask and needs[3]):
            # gradient of the column tensor, back in (N, OG, Cg, K*L)
            gcols = xp.matmul(wt.reshape(1, g, o // g, c // g * k).swapaxes(-1, -2), gout).reshape(n, og, c // og, kl)
            wts = _corner_weights(ly, lx)
            m = None if mask is None else mask.reshape(n, og, kl).astype(dtype, copy=False)
            if needs[0]:
                # scatter-add each sample's gradient onto its four corners (the zero cell collects the outside)
                rows = n * c
                row_base = (xp.arange(rows) * (h * w + 1)).reshape(n, og, c // og, 1)
                acc = None
                for i in range(4):
                    wc = wts[i] if m is None else wts[i] * m
                    pos = (row_base + idx[i][:, :, None, :]).ravel()
                    part = xp.bincount(pos, weights=(gcols * wc[:, :, None, :]).ravel(), minlength=rows * (h * w + 1))
                    acc = part if acc is None else acc + part
                g_x = acc.reshape(n, c, h * w + 1)[:, :, :-1].reshape(x.shape).astype(dtype)
            if needs[2] or (self.has_mask and needs[3]):
                # t[i] = sum over the group's channels of gcols * (corner i's value)
                t = [(gcols * self._gathered(xf, idx[i])).sum(2) for i in range(4)]
                if needs[2]:
                    hy, hx = 1 - ly, 1 - lx
                    g_y = hx * (t[2] - t[0]) + lx * (t[3] - t[1])
                    g_xx = hy * (t[1] - t[0]) + ly * (t[3] - t[2])
                    if m is not None:
                        g_y, g_xx = g_y * m, g_xx * m
                    g_off = xp.stack([g_y.reshape(n, og, k, kl // k), g_xx.reshape(n, og, k, kl // k)], axis=3)
                    g_off = g_off.reshape(off.shape).astype(off.dtype, copy=False)
                if self.has_mask and needs[3]:
                    g_mask = (wts[0] * t[0] + wts[1] * t[1] + wts[2] * t[2] + wts[3] * t[3])
                    g_mask = g_mask.reshape(mask.shape).astype(mask.dtype, copy=False)
        grads = [g_x, g_w, g_off]
        if self.has_mask:
            grads.append(g_mask)
        if self.has_bias:
            grads.append(g_b)
        return tuple(grads)


def deform_conv2d(input, offset, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), mask=None):
    """Deformable 2-D convolution (DCN; with ``mask``, modulated deformable convolution, DCNv2).

    Kernel tap ``(i, j)`` at output position ``(y, x)`` samples the input bilinearly (zeros outside) at
    ``(y * stride_h - pad_h + i * dil_h + dy, x * stride_w - pad_w + j * dil_w + dx)``, where ``(dy, dx)`` is the
    tap's offset pair for the position; the sample is multiplied by the tap's mask value when ``mask`` is given.
    The input channels are split into ``offset_groups = offset.shape[1] // (2 * kh * kw)`` groups, each with its
    own offsets and mask; the weight groups are ``in_channels // weight.shape[1]``.

    Args:
        input: ``(N, C_in, H, W)``.
        offset: ``(N, 2 * offset_groups * kh * kw, H_out, W_out)``: per offset group and tap (row-major over the
            kernel), the ``(dy, dx)`` pair.
        weight: ``(C_out, C_in / groups, kh, kw)``.
        bias: optional ``(C_out,)``.
        stride, padding, dilation: an int or a pair (defaults 1, 0, 1).
        mask: optional ``(N, offset_groups * kh * kw, H_out, W_out)`` modulation scalars.

    Returns:
        ``(N, C_out, H_out, W_out)`` with ``H_out = (H + 2 * pad_h - dil_h * (kh - 1) - 1) // stride_h + 1``
        (likewise ``W_out``). Differentiable w.r.t. input, offset, weight, mask and bias.

    Example::

        >>> x = ember.randn(2, 4, 9, 9)
        >>> w = ember.randn(8, 2, 3, 3)  # groups = 4 // 2 = 2
        >>> offset = ember.randn(2, 2 * 2 * 9, 5, 5)  # two offset groups, stride 2, padding 1
        >>> mask = ember.rand(2, 2 * 9, 5, 5)
        >>> deform_conv2d(x, offset, w, stride=2, padding=1, mask=mask).shape
        ember.Size([2, 8, 5, 5])
    """
    _, n_in_channels, _, _ = input.shape
    kh, kw = weight.shape[-2:]
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    n_weight_grps = n_in_channels // weight.shape[1]
    n_offset_grps = offset.shape[1] // (2 * kh * kw)
    if n_offset_grps == 0:
        raise RuntimeError(
            "the shape of the offset tensor at dimension 1 is not valid. It should "
            "be a multiple of 2 * weight.size[2] * weight.size[3].\n"
            f"Got offset.shape[1]={offset.shape[1]}, while 2 * weight.size[2] * weight.size[3]={2 * kh * kw}")
    _check(input, offset, weight, bias, mask, stride, padding, dilation, n_weight_grps, n_offset_grps)
    tensors = [input, weight, offset] + ([] if mask is None else [mask]) + ([] if bias is None else [bias])
    return _DeformConv2d.apply(*tensors, kernel=(kh, kw), stride=stride, padding=padding, dilation=dilation,
                               groups=n_weight_grps, offset_groups=n_offset_grps, has_mask=mask is not None,
                               has_bias=bias is not None)


def _check(input, offset, weight, bias, mask, stride, padding, dilation, groups, offset_groups):
    """The shape checks torchvision's kernel makes (RuntimeError); the messages are ember's own."""
    for name, t in (("input", input), ("offset", offset), ("weight", weight), ("mask", mask)):
        if t is not None and t.ndim != 4:
            raise RuntimeError(f"deform_conv2d: expected {name} to be 4-D, got {t.ndim}-D")
    dtypes = {t.dtype for t in (input, offset, weight, bias, mask) if t is not None}
    if len(dtypes) > 1:
        raise RuntimeError("deform_conv2d: expected input, offset, weight, mask and bias to have the same dtype, "
                           f"got {', '.join(sorted(str(d) for d in dtypes))}")
    n, c, h, w = input.shape
    kh, kw = weight.shape[2:]
    if min(stride) <= 0 or min(padding) < 0 or min(dilation) <= 0:
        raise RuntimeError(f"deform_conv2d: invalid stride={stride}, padding={padding} or dilation={dilation}")
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"deform_conv2d: invalid kernel size ({kh}, {kw})")
    if weight.shape[1] * groups != c or weight.shape[0] % groups:
        raise RuntimeError(f"deform_conv2d: weight of shape {tuple(weight.shape)} does not fit an input with {c} "
                           "channels")
    if offset.shape[1] != offset_groups * 2 * kh * kw:
        raise RuntimeError(f"offset.shape[1] is not valid: got {offset.shape[1]}, expected "
                           f"{offset_groups * 2 * kh * kw}")
    if c % offset_groups:
        raise RuntimeError(f"deform_conv2d: {c} input channels do not split into {offset_groups} offset groups")
    out_h = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    out_w = (w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    if out_h <= 0 or out_w <= 0:
        raise RuntimeError(f"deform_conv2d: calculated output size too small - out_h: {out_h} out_w: {out_w}")
    if offset.shape[0] != n:
        raise RuntimeError("invalid batch size of offset")
    if tuple(offset.shape[2:]) != (out_h, out_w):
        raise RuntimeError(f"offset output dims: {tuple(offset.shape[2:])} - computed output dims: {(out_h, out_w)}")
    if mask is not None:
        if mask.shape[1] != offset_groups * kh * kw:
            raise RuntimeError(f"mask.shape[1] is not valid: got {mask.shape[1]}, expected "
                               f"{offset_groups * kh * kw}")
        if mask.shape[0] != n:
            raise RuntimeError("invalid batch size of mask")
        if tuple(mask.shape[2:]) != (out_h, out_w):
            raise RuntimeError(f"mask output dims: {tuple(mask.shape[2:])} - computed output dims: "
                               f"{(out_h, out_w)}")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f"deform_conv2d: expected bias of shape ({weight.shape[0]},), got {tuple(bias.shape)}")


class DeformConv2d(nn.Module):
    """Deformable 2-D convolution layer: :func:`deform_conv2d` with its own weight and bias.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: an int or a pair.
        stride, padding, dilation: an int or a pair (defaults 1, 0, 1).
        groups: weight groups (``in_channels`` and ``out_channels`` must divide by it; default 1).
        bias: whether to add a learned bias (default True).

    The weight ``(out_channels, in_channels // groups, kh, kw)`` and bias are drawn as ``nn.Conv2d``'s.
    ``forward(input, offset, mask=None)``: offsets and mask as :func:`deform_conv2d`.

    Shape:
        - Input: ``(N, in_channels, H, W)``; offset ``(N, 2 * offset_groups * kh * kw, H_out, W_out)``; mask
          ``(N, offset_groups * kh * kw, H_out, W_out)``; Output: ``(N, out_channels, H_out, W_out)``.

    Example::

        >>> layer = DeformConv2d(4, 8, 3, padding=1)
        >>> x = ember.randn(2, 4, 6, 6)
        >>> layer(x, ember.zeros(2, 18, 6, 6)).shape
        ember.Size([2, 8, 6, 6])
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True):
        super().__init__()
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        self.dilation = _pair(dilation)
        self.groups = groups
        self.weight = nn.Parameter(ember.empty(out_channels, in_channels // groups, *self.kernel_size))
        if bias:
            self.bias = nn.Parameter(ember.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw weight and bias as ``nn.Conv2d`` does (kaiming-uniform with ``a=sqrt(5)``)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = init._calculate_fan_in_and_fan_out(self.weight)[0]
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input, offset, mask=None):
        return deform_conv2d(input, offset, self.weight, self.bias, stride=self.stride, padding=self.padding,
                             dilation=self.dilation, mask=mask)

    def __repr__(self):
        s = (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s + ")"
