"""Geometric functionals (flip, resize, crop, pad, multi-crops) for images, videos, masks, boxes and key points.

Image kernels take plain tensors ``[..., C, H, W]`` and reuse the v1 implementations of
:mod:`ember.vision.transforms.functional`; mask kernels run the image kernels with nearest interpolation; box and
key point kernels move coordinates and return ``(output, new canvas_size)``.
"""

import numbers

from ember._backend import xp
from ember._tensor import wrap
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.functional import InterpolationMode
from ember.vision.transforms.v2.functional._meta import (
    _clamp_array, _clamp_rotated_corners, _from_corners, _from_xyxy, _is_rotated, _parse_format, _rotated_corners,
    _to_xyxy, _work,
)
from ember.vision.transforms.v2.functional._utils import (
    _get_kernel, _register_image, _register_kernel_internal,
)

BoundingBoxFormat = tv_tensors.BoundingBoxFormat


def _finish_boxes(arr_xyxy, dtype, fmt, canvas_size, clamping_mode):
    out = _from_xyxy(arr_xyxy, fmt)
    out = _clamp_array(out, fmt, canvas_size, clamping_mode)
    return wrap(xp.ascontiguousarray(out.astype(dtype, copy=False)))


def _corners_of(bounding_boxes, fmt):
    """The corners [..., 4, 2] (float) of rotated boxes."""
    return _rotated_corners(_work(bounding_boxes._data), fmt)


def _rectangle(c):
    """Corners [..., 4, 2] of the rectangle that replaces a transformed box (a parallelogram, or any quadrilateral
    after a perspective warp): it keeps the longer diagonal's two corners and, from the first of them,
    the direction of the longer edge. This is torchvision's rule for scaled boxes; for sheared and warped boxes
    torchvision sometimes keeps the other diagonal (its rule there is not documented), giving another rectangle."""
    d13 = ((c[..., 2, :] - c[..., 0, :]) ** 2).sum(-1)
    d24 = ((c[..., 3, :] - c[..., 1, :]) ** 2).sum(-1)
    use24 = (d24 > d13)[..., None, None]
    q = xp.where(use24, xp.roll(c, -1, axis=-2), c)  # the kept diagonal is now corners 0 and 2
    a, b, far, d = q[..., 0, :], q[..., 1, :], q[..., 2, :], q[..., 3, :]
    e1, e2 = b - a, d - a
    l1, l2 = xp.sqrt((e1 ** 2).sum(-1, keepdims=True)), xp.sqrt((e2 ** 2).sum(-1, keepdims=True))
    first = l1 >= l2
    with xp.errstate(divide="ignore", invalid="ignore"):
        u = xp.where(first, e1 / l1, e2 / l2)
    u = xp.nan_to_num(u)
    t = ((far - a) * u).sum(-1, keepdims=True)
    m, n = a + t * u, far - t * u  # m: along u from a; n: along u back from the far corner
    out = xp.stack([a, xp.where(first, m, n), far, xp.where(first, n, m)], axis=-2)
    return xp.where(use24, xp.roll(out, 1, axis=-2), out)


def _finish_rotated(corners, dtype, fmt, canvas_size, clamping_mode, fit=False):
    """Rotated boxes of ``fmt`` from moved corners [..., 4, 2]: made rectangular again (``fit``), clamped, cast."""
    if fit:
        corners = _rectangle(corners)
    if clamping_mode is not None:
        corners = _clamp_rotated_corners(corners, canvas_size, clamping_mode)
    return wrap(xp.ascontiguousarray(_from_corners(corners, fmt).astype(dtype, copy=False)))


def _box_wrapper(kernel):
    """Register-able kernel for ``BoundingBoxes``: reads the metadata, calls ``kernel`` and rewraps."""
    def wrapper(inpt, *args, **kwargs):
        out, canvas_size = kernel(tv_tensors._alias(inpt), inpt.format, inpt.canvas_size, *args,
                                  clamping_mode=inpt.clamping_mode, **kwargs)
        return tv_tensors.wrap(out, like=inpt, canvas_size=canvas_size)
    wrapper.__name__ = kernel.__name__
    return wrapper


def _kp_wrapper(kernel):
    def wrapper(inpt, *args, **kwargs):
        out, canvas_size = kernel(tv_tensors._alias(inpt), inpt.canvas_size, *args, **kwargs)
        return tv_tensors.wrap(out, like=inpt, canvas_size=canvas_size)
    wrapper.__name__ = kernel.__name__
    return wrapper


def _register_all(functional, image, mask, boxes, keypoints, pil=None, video=None):
    _register_image(functional, pil)(image)
    _register_kernel_internal(functional, tv_tensors.Video)(video or image)
    _register_kernel_internal(functional, tv_tensors.Mask)(mask)
    _register_kernel_internal(functional, tv_tensors.BoundingBoxes, tv_tensor_wrapper=False)(_box_wrapper(boxes))
    _register_kernel_internal(functional, tv_tensors.KeyPoints, tv_tensor_wrapper=False)(_kp_wrapper(keypoints))


def _mask_via_image(kernel, **fixed):
    """A mask kernel from an image kernel: masks ``[H, W]`` are treated as one-channel images."""
    def mask_kernel(mask, *args, **kwargs):
        squeeze = mask.ndim < 3
        x = mask.unsqueeze(0) if squeeze else mask
        out = kernel(x, *args, **kwargs, **fixed)
        return out.squeeze(0) if squeeze else out
    return mask_kernel


def _xy(arr):
    """(x columns, y columns) slices of an XYXY box array."""
    return arr[..., 0::2], arr[..., 1::2]


# ----------------------------------------------------------------------------- flips
def horizontal_flip(inpt):
    """Mirror left-right: images, videos and masks; boxes and key points are moved to match.

    Example::

        >>> horizontal_flip(ember.arange(3.0).reshape(1, 1, 3))
        tensor([[[2., 1., 0.]]])
    """
    return _get_kernel(horizontal_flip, type(inpt))(inpt)


def horizontal_flip_image(image):
    """The kernel of :func:`horizontal_flip` for tensor images ``[..., C, H, W]``."""
    if F1._needs_grad(image):
        return image.flip(-1)
    return wrap(xp.ascontiguousarray(image._data[..., ::-1]))


horizontal_flip_video = horizontal_flip_mask = horizontal_flip_image


def _horizontal_flip_pil(image):
    return F1.hflip(image)


def horizontal_flip_bounding_boxes(bounding_boxes, format, canvas_size, clamping_mode="soft"):  # noqa: A002
    """The kernel of :func:`horizontal_flip` for boxes: ``x -> W - x`` (corners swap). Returns the boxes."""
    fmt = _parse_format(format)
    if _is_rotated(fmt):  # mirrored corners, reordered so that the box keeps its orientation
        c = _corners_of(bounding_boxes, fmt)[..., [1, 0, 3, 2], :].copy()
        c[..., 0] = canvas_size[1] - c[..., 0]
        return _finish_rotated(c, bounding_boxes._data.dtype, fmt, canvas_size, None)
    a = _to_xyxy(_work(bounding_boxes._data), fmt)
    out = a.copy()
    out[..., 0], out[..., 2] = canvas_size[1] - a[..., 2], canvas_size[1] - a[..., 0]
    return _finish_boxes(out, bounding_boxes._data.dtype, fmt, canvas_size, None)  # (flips do not clamp)


def horizontal_flip_keypoints(keypoints, canvas_size):
    """The kernel of :func:`horizontal_flip` for key points: ``x -> W - 1 - x``."""
    out = keypoints._data.copy()
    out[..., 0] = (canvas_size[1] - 1) - out[..., 0]
    return wrap(out)


def vertical_flip(inpt):
    """Mirror top-bottom: images, videos and masks; boxes and key points are moved to match."""
    return _get_kernel(vertical_flip, type(inpt))(inpt)


def vertical_flip_image(image):
    """The kernel of :func:`vertical_flip` for tensor images ``[..., C, H, W]``."""
    if F1._needs_grad(image):
        return image.flip(-2)
    return wrap(xp.ascontiguousarray(image._data[..., ::-1, :]))


vertical_flip_video = vertical_flip_mask = vertical_flip_image


def _vertical_flip_pil(image):
    return F1.vflip(image)


def vertical_flip_bounding_boxes(bounding_boxes, format, canvas_size, clamping_mode="soft"):  # noqa: A002
    """The kernel of :func:`vertical_flip` for boxes: ``y -> H - y`` (corners swap)."""
    fmt = _parse_format(format)
    if _is_rotated(fmt):
        c = _corners_of(bounding_boxes, fmt)[..., [1, 0, 3, 2], :].copy()
        c[..., 1] = canvas_size[0] - c[..., 1]
        return _finish_rotated(c, bounding_boxes._data.dtype, fmt, canvas_size, None)
    a = _to_xyxy(_work(bounding_boxes._data), fmt)
    out = a.copy()
    out[..., 1], out[..., 3] = canvas_size[0] - a[..., 3], canvas_size[0] - a[..., 1]
    return _finish_boxes(out, bounding_boxes._data.dtype, fmt, canvas_size, None)  # (flips do not clamp)


def vertical_flip_keypoints(keypoints, canvas_size):
    """The kernel of :func:`vertical_flip` for key points: ``y -> H - 1 - y``."""
    out = keypoints._data.copy()
    out[..., 1] = (canvas_size[0] - 1) - out[..., 1]
    return wrap(out)


hflip = horizontal_flip
vflip = vertical_flip


def _flip_box_kernel(kernel):
    def k(boxes, format, canvas_size, clamping_mode="soft"):  # noqa: A002
        return kernel(boxes, format, canvas_size, clamping_mode), canvas_size
    k.__name__ = kernel.__name__
    return k


def _flip_kp_kernel(kernel):
    def k(keypoints, canvas_size):
        return kernel(keypoints, canvas_size), canvas_size
    k.__name__ = kernel.__name__
    return k


_register_all(horizontal_flip, horizontal_flip_image, horizontal_flip_mask,
              _flip_box_kernel(horizontal_flip_bounding_boxes), _flip_kp_kernel(horizontal_flip_keypoints),
              _horizontal_flip_pil)
_register_all(vertical_flip, vertical_flip_image, vertical_flip_mask,
              _flip_box_kernel(vertical_flip_bounding_boxes), _flip_kp_kernel(vertical_flip_keypoints),
              _vertical_flip_pil)


# ----------------------------------------------------------------------------- resize
def _resize_size(canvas_size, size, max_size):
    """The output (height, width) of resizing ``canvas_size`` to ``size`` (None, int, or a 1- or 2-sequence)."""
    h, w = canvas_size
    if size is None:
        if max_size is None:
            raise ValueError("size can only be None if max_size is also set.")
        scale = max_size / max(h, w)
        return int(h * scale), int(w * scale)
    if isinstance(size, numbers.Number):
        size = [int(size)]
    if isinstance(size, (list, tuple)) and len(size) not in (1, 2):
        raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element tuple/list")
    return tuple(int(v) for v in F1._resized_size(h, w, list(size), max_size))


def _interp_v2(interpolation):
    """An ``interpolation`` argument (enum, PIL integer constant or mode name) as an :class:`InterpolationMode`,
    with torchvision v2's errors."""
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    if isinstance(interpolation, str):
        names = [m.value for m in InterpolationMode]
        if interpolation not in names:
            raise ValueError(f"Invalid interpolation mode: {interpolation!r}. Supported string values are: {names}.")
        return InterpolationMode(interpolation)
    if isinstance(interpolation, int) and not isinstance(interpolation, bool):
        return F1._interp(interpolation)
    raise ValueError(f"Argument interpolation should be an `InterpolationMode` or a corresponding Pillow integer "
                     f"constant, but got {interpolation}.")


def resize(inpt, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size``: (h, w), or an int / 1-sequence for the smaller edge (aspect ratio kept, longer edge at
    most ``max_size``), or None with ``max_size`` for the longer edge.

    Args:
        inpt: image, video, mask (always nearest), boxes or key points.
        size: see above.
        interpolation: an :class:`InterpolationMode` (or a PIL integer constant).
        max_size: cap on the longer edge.
        antialias: antialias bilinear / bicubic tensor downsampling (PIL always does).

    Example::

        >>> resize(ember.rand(3, 20, 30), [10]).shape
        ember.Size([3, 10, 15])
    """
    return _get_kernel(resize, type(inpt))(inpt, size=size, interpolation=interpolation, max_size=max_size,
                                           antialias=antialias)


def resize_image(image, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """The kernel of :func:`resize` for tensor images ``[..., C, H, W]``."""
    interpolation = _interp_v2(interpolation)
    if image.ndim < 3:  # (torchvision unpacks the image's last three sizes)
        raise ValueError(f"not enough values to unpack (expected 3, got {image.ndim})")
    h, w = image.shape[-2:]
    out_h, out_w = _resize_size((h, w), size, max_size)
    if (out_h, out_w) == (h, w):
        return image
    lead = image.shape[:-3]
    x = image.reshape(-1, *image.shape[-3:]) if len(lead) > 1 else image
    if interpolation == InterpolationMode.LANCZOS:
        out = _resize_lanczos(x, out_h, out_w, antialias)
    elif image.dtype.name == "uint8" and interpolation in (InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        # torchvision v2 hands uint8 straight to interpolate's native uint8 kernels (fixed-point weights,
        # saturating), not v1's float round trip
        from ember.nn.functional import interpolate
        x4 = x.unsqueeze(0) if x.ndim < 4 else x
        out = interpolate(x4, size=[out_h, out_w], mode=interpolation.value, align_corners=False,
                          antialias=bool(antialias))
        out = out.squeeze(0) if x.ndim < 4 else out
    else:
        out = F1._resize_tensor(x, out_h, out_w, interpolation, antialias)
    return out.reshape(*lead, *out.shape[-3:]) if len(lead) > 1 else out


resize_video = resize_image


def _resize_lanczos(x, out_h, out_w, antialias):
    """Lanczos tensor resizing (v2 only): interpolate's antialiased lanczos in float32 (float64 stays float64, uint8
    natively), other integer images rounded and clamped to their range."""
    from ember import _dtype
    from ember.nn.functional import interpolate
    if not antialias:
        raise ValueError("InterpolationMode.LANCZOS requires antialias=True")
    dtype = x.dtype
    x4 = x.unsqueeze(0) if x.ndim < 4 else x
    # uint8 goes to interpolate's native uint8 kernel, as torchvision does
    xf = x4 if dtype in (_dtype.float32, _dtype.float64, _dtype.uint8) else x4.to(_dtype.float32)
    out = interpolate(xf, size=[out_h, out_w], mode="lanczos", antialias=True)
    if not dtype.is_floating_point and dtype != _dtype.uint8:
        out = out.round().clamp(min=_dtype.iinfo(dtype).min, max=_dtype.iinfo(dtype).max)
    out = out.to(dtype) if out.dtype != dtype else out
    return out.squeeze(0) if x.ndim < 4 else out


def _resize_pil(image, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    interpolation = _interp_v2(interpolation)
    w, h = image.size
    out_h, out_w = _resize_size((h, w), size, max_size)
    return image.resize((out_w, out_h), F1._pil_resample(interpolation))


def resize_mask(mask, size, interpolation=InterpolationMode.BILINEAR, max_size=None):
    """The kernel of :func:`resize` for masks ``[..., H, W]``.

    Masks hold labels, so they are never blended: every ``interpolation`` but ``NEAREST_EXACT`` resizes with
    ``NEAREST`` (the default ``BILINEAR`` included), as torchvision does.

    Args:
        mask: ``[..., H, W]`` tensor.
        size: output size (as :func:`resize`).
        interpolation: an :class:`InterpolationMode`, mode name or PIL constant.
        max_size: bound on the longer edge (as :func:`resize`).

    Example:
        >>> resize_mask(ember.zeros(1, 4, 4), [8, 8]).shape
        ember.Size([1, 8, 8])
    """
    mode = _interp_v2(interpolation)
    mode = mode if mode == InterpolationMode.NEAREST_EXACT else InterpolationMode.NEAREST
    return _mask_via_image(resize_image)(mask, size, interpolation=mode, max_size=max_size)


def _resize_mask_dispatch(mask, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=None):
    return resize_mask(mask, size, interpolation=interpolation, max_size=max_size)


def resize_bounding_boxes(bounding_boxes, canvas_size, size, max_size=None, format=BoundingBoxFormat.XYXY,  # noqa: A002
                          clamping_mode="soft"):
    """The kernel of :func:`resize` for boxes: coordinates scaled with the canvas. Returns (boxes, canvas)."""
    out_h, out_w = _resize_size(canvas_size, size, max_size)
    a = _work(bounding_boxes._data)
    scale = xp.asarray([out_w / canvas_size[1], out_h / canvas_size[0]], dtype=a.dtype)
    fmt = _parse_format(format)
    if _is_rotated(fmt):  # scaled corners make a parallelogram: back to a rectangle (clamped, as torchvision does)
        return _finish_rotated(_rotated_corners(a, fmt) * scale, bounding_boxes._data.dtype, fmt, (out_h, out_w),
                               clamping_mode, fit=True), (out_h, out_w)
    out = (a.reshape(*a.shape[:-1], -1, 2) * scale).reshape(a.shape)
    return wrap(xp.ascontiguousarray(out.astype(bounding_boxes._data.dtype, copy=False))), (out_h, out_w)


def _resize_boxes_dispatch(boxes, format, canvas_size, size, interpolation=None, max_size=None,  # noqa: A002
                           antialias=None, clamping_mode="soft"):
    return resize_bounding_boxes(boxes, canvas_size, size, max_size=max_size, format=format,
                                 clamping_mode=clamping_mode)


def resize_keypoints(keypoints, size, canvas_size, max_size=None):
    """The kernel of :func:`resize` for key points: coordinates scaled with the canvas.

    Args:
        keypoints: ``[..., 2]`` tensor of ``(x, y)`` points.
        size: output size (as :func:`resize`).
        canvas_size: ``(H, W)`` of the canvas the points live on.
        max_size: bound on the longer edge (as :func:`resize`).

    Returns:
        ``(points, (new_h, new_w))``.

    Example:
        >>> resize_keypoints(ember.tensor([[1., 2.]]), [8, 8], (4, 4))[0]
        tensor([[2., 4.]])
    """
    out_h, out_w = _resize_size(canvas_size, size, max_size)
    a = _work(keypoints._data)
    out = a * xp.asarray([out_w / canvas_size[1], out_h / canvas_size[0]], dtype=a.dtype)
    return wrap(out.astype(keypoints._data.dtype, copy=False)), (out_h, out_w)


def _resize_kp_dispatch(keypoints, canvas_size, size, interpolation=None, max_size=None, antialias=None):
    return resize_keypoints(keypoints, size, canvas_size, max_size=max_size)


_register_all(resize, resize_image, _resize_mask_dispatch, _resize_boxes_dispatch, _resize_kp_dispatch, _resize_pil)


# ----------------------------------------------------------------------------- crop
def crop(inpt, top, left, height, width):
    """The ``height`` x ``width`` region at (``top``, ``left``); outside the image is zero, boxes are clamped.

    Example::

        >>> crop(ember.zeros(3, 8, 8), 2, 2, 4, 5).shape
        ember.Size([3, 4, 5])
    """
    return _get_kernel(crop, type(inpt))(inpt, top=top, left=left, height=height, width=width)


def crop_image(image, top, left, height, width):
    """The kernel of :func:`crop` for tensor images ``[..., C, H, W]``."""
    if F1._needs_grad(image):
        return F1.crop(image, top, left, height, width)
    return wrap(xp.ascontiguousarray(F1._crop_array(image._data, top, left, height, width)))


crop_video = crop_image


def crop_mask(mask, top, left, height, width):
    """The kernel of :func:`crop` for masks ``[..., H, W]``."""
    return crop_image(mask, top, left, height, width)


def _crop_pil(image, top, left, height, width):
    return F1.crop(image, top, left, height, width)


def crop_bounding_boxes(bounding_boxes, format, top, left, height, width, clamping_mode="soft"):  # noqa: A002
    """The kernel of :func:`crop` for boxes: shifted by (-left, -top), clamped to the crop. Returns (boxes,
    (height, width))."""
    fmt = _parse_format(format)
    if _is_rotated(fmt):
        c = _corners_of(bounding_boxes, fmt) - xp.asarray([left, top], dtype=_work(bounding_boxes._data).dtype)
        return _finish_rotated(c, bounding_boxes._data.dtype, fmt, (height, width), clamping_mode), (height, width)
    a = _to_xyxy(_work(bounding_boxes._data), fmt).copy()
    a[..., 0::2] -= left
    a[..., 1::2] -= top
    return _finish_boxes(a, bounding_boxes._data.dtype, fmt, (height, width), clamping_mode), (height, width)


def _crop_boxes_dispatch(boxes, format, canvas_size, top, left, height, width, clamping_mode="soft"):  # noqa: A002
    return crop_bounding_boxes(boxes, format, top, left, height, width, clamping_mode=clamping_mode)


def crop_keypoints(keypoints, top, left, height, width):
    """The kernel of :func:`crop` for key points: shifted by (-left, -top). Returns (points, (height, width))."""
    out = keypoints._data - xp.asarray([left, top], dtype=keypoints._data.dtype)
    return wrap(out), (height, width)


def _crop_kp_dispatch(keypoints, canvas_size, top, left, height, width):
    return crop_keypoints(keypoints, top, left, height, width)


_register_all(crop, crop_image, crop_mask, _crop_boxes_dispatch, _crop_kp_dispatch, _crop_pil)


def _center_crop_size(output_size):
    if isinstance(output_size, numbers.Number):
        s = int(output_size)
        return [s, s]
    if isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        return [output_size[0], output_size[0]]
    return list(output_size)


def _center_anchor(canvas_size, crop_size):
    h, w = canvas_size
    th, tw = crop_size
    return int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))


def center_crop(inpt, output_size):
    """The central ``output_size`` region (images padded with zeros when smaller; boxes clamped).

    Example::

        >>> center_crop(ember.zeros(3, 8, 8), [4]).shape
        ember.Size([3, 4, 4])
    """
    return _get_kernel(center_crop, type(inpt))(inpt, output_size=output_size)


def center_crop_image(image, output_size):
    """The kernel of :func:`center_crop` for tensor images ``[..., C, H, W]``."""
    th, tw = _center_crop_size(output_size)
    squeeze = image.ndim < 3
    x = image.unsqueeze(0) if squeeze else image
    out = F1.center_crop(x, [th, tw])
    return out.squeeze(0) if squeeze else out


center_crop_video = center_crop_mask = center_crop_image


def _center_crop_pil(image, output_size):
    return F1.center_crop(image, _center_crop_size(output_size))


def center_crop_bounding_boxes(bounding_boxes, format, canvas_size, output_size, clamping_mode="soft"):  # noqa: A002
    """The kernel of :func:`center_crop` for boxes. Returns (boxes, output size)."""
    th, tw = _center_crop_size(output_size)
    top, left = _center_anchor(canvas_size, (th, tw))
    return crop_bounding_boxes(bounding_boxes, format, top, left, th, tw, clamping_mode=clamping_mode)


def center_crop_keypoints(keypoints, canvas_size, output_size):
    """The kernel of :func:`center_crop` for key points. Returns (points, output size)."""
    th, tw = _center_crop_size(output_size)
    top, left = _center_anchor(canvas_size, (th, tw))
    return crop_keypoints(keypoints, top, left, th, tw)


_register_all(center_crop, center_crop_image, center_crop_mask, center_crop_bounding_boxes, center_crop_keypoints,
              _center_crop_pil)


def resized_crop(inpt, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    """:func:`crop` then :func:`resize` to ``size``.

    Example::

        >>> resized_crop(ember.rand(3, 16, 16), 2, 2, 8, 10, [4, 5]).shape
        ember.Size([3, 4, 5])
    """
    return _get_kernel(resized_crop, type(inpt))(inpt, top=top, left=left, height=height, width=width, size=size,
                                                 interpolation=interpolation, antialias=antialias)


def resized_crop_image(image, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR,
                       antialias=True):
    """The kernel of :func:`resized_crop` for tensor images ``[..., C, H, W]``."""
    return resize_image(crop_image(image, top, left, height, width), size, interpolation=interpolation,
                        antialias=antialias)


resized_crop_video = resized_crop_image


def _resized_crop_pil(image, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR,
                      antialias=True):
    return _resize_pil(F1.crop(image, top, left, height, width), size, interpolation=interpolation)


def resized_crop_mask(mask, top, left, height, width, size):
    """The kernel of :func:`resized_crop` for masks (nearest interpolation)."""
    return resize_mask(crop_mask(mask, top, left, height, width), size)


def _resized_crop_mask_dispatch(mask, top, left, height, width, size, interpolation=None, antialias=None):
    return resized_crop_mask(mask, top, left, height, width, size)


def resized_crop_bounding_boxes(bounding_boxes, format, top, left, height, width, size,  # noqa: A002
                                clamping_mode="soft"):
    """The kernel of :func:`resized_crop` for boxes. Returns (boxes, size)."""
    boxes, canvas = crop_bounding_boxes(bounding_boxes, format, top, left, height, width, clamping_mode=clamping_mode)
    return resize_bounding_boxes(boxes, canvas, size, format=format, clamping_mode=clamping_mode)


def _resized_crop_boxes_dispatch(boxes, format, canvas_size, top, left, height, width, size,  # noqa: A002
                                 interpolation=None, antialias=None, clamping_mode="soft"):
    return resized_crop_bounding_boxes(boxes, format, top, left, height, width, size, clamping_mode=clamping_mode)


def resized_crop_keypoints(keypoints, top, left, height, width, size):
    """The kernel of :func:`resized_crop` for key points. Returns (points, size)."""
    points, canvas = crop_keypoints(keypoints, top, left, height, width)
    return resize_keypoints(points, size, canvas)


def _resized_crop_kp_dispatch(keypoints, canvas_size, top, left, height, width, size, interpolation=None,
                              antialias=None):
    return resized_crop_keypoints(keypoints, top, left, height, width, size)


_register_all(resized_crop, resized_crop_image, _resized_crop_mask_dispatch, _resized_crop_boxes_dispatch,
              _resized_crop_kp_dispatch, _resized_crop_pil)


# ----------------------------------------------------------------------------- pad
def _parse_pad_padding(padding):
    if isinstance(padding, int):
        return [padding] * 4
    if isinstance(padding, (tuple, list)):
        if len(padding) == 1:
            return [padding[0]] * 4
        if len(padding) == 2:
            return [padding[0], padding[1]] * 2
        if len(padding) == 4:
            return list(padding)
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element of tuple or list, got {len(padding)}")
    raise TypeError(f"`padding` should be an integer or tuple or list of integers, but got {padding}")


def pad(inpt, padding, fill=None, padding_mode="constant"):
    """Pad the sides: ``padding`` is an int, (left/right, top/bottom) or (left, top, right, bottom); negative
    values crop.

    Args:
        inpt: image, video, mask, boxes or key points (boxes and points only with ``"constant"``).
        padding: see above.
        fill: the value (or per-channel values) of ``"constant"`` padding (None: 0).
        padding_mode: ``"constant"``, ``"edge"``, ``"reflect"`` or ``"symmetric"``.

    Example::

        >>> pad(ember.zeros(3, 4, 4), [1, 2]).shape
        ember.Size([3, 8, 6])
    """
    return _get_kernel(pad, type(inpt))(inpt, padding=padding, fill=fill, padding_mode=padding_mode)


def pad_image(image, padding, fill=None, padding_mode="constant"):
    """The kernel of :func:`pad` for tensor images ``[..., C, H, W]``."""
    left, top, right, bottom = _parse_pad_padding(padding)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError(f"`padding_mode` should be either `'constant'`, `'edge'`, `'reflect'` or `'symmetric'`, "
                         f"but got `'{padding_mode}'`.")
    if image.ndim < 3:  # (torchvision unpacks the image's last three sizes)
        raise ValueError(f"not enough values to unpack (expected 3, got {image.ndim})")
    if F1._needs_grad(image):
        return F1._pad_grad(image, [left, top, right, bottom], 0 if fill is None else fill, padding_mode)
    squeeze = image.ndim < 3
    arr = image._data[None] if squeeze else image._data
    out = F1._pad_array(arr, [left, top, right, bottom], 0 if fill is None else fill, padding_mode, True)
    return wrap(xp.ascontiguousarray(out[0] if squeeze else out))


pad_video = pad_image


def _pad_pil(image, padding, fill=None, padding_mode="constant"):
    return F1.pad(image, _parse_pad_padding(padding), fill=0 if fill is None else fill, padding_mode=padding_mode)


def pad_mask(mask, padding, fill=None, padding_mode="constant"):
    """The kernel of :func:`pad` for masks ``[..., H, W]`` (fill defaults to 0)."""
    if mask.ndim < 3:
        return pad_image(mask.unsqueeze(0), padding, fill=0 if fill is None else fill,
                         padding_mode=padding_mode).squeeze(0)
    return pad_image(mask, padding, fill=0 if fill is None else fill, padding_mode=padding_mode)


def pad_bounding_boxes(bounding_boxes, format, canvas_size, padding, padding_mode="constant",  # noqa: A002
                       clamping_mode="soft"):
    """The kernel of :func:`pad` for boxes: shifted by (left, top) on the larger canvas. Returns (boxes, canvas)."""
    if padding_mode not in ("constant",):
        raise ValueError(f"Padding mode '{padding_mode}' is not supported with bounding boxes")
    left, top, right, bottom = _parse_pad_padding(padding)
    fmt = _parse_format(format)
    canvas = (canvas_size[0] + top + bottom, canvas_size[1] + left + right)
    if _is_rotated(fmt):
        c = _corners_of(bounding_boxes, fmt) + xp.asarray([left, top], dtype=_work(bounding_boxes._data).dtype)
        return _finish_rotated(c, bounding_boxes._data.dtype, fmt, canvas, clamping_mode), canvas
    a = _to_xyxy(_work(bounding_boxes._data), fmt).copy()
    a[..., 0::2] += left
    a[..., 1::2] += top
    return _finish_boxes(a, bounding_boxes._data.dtype, fmt, canvas, clamping_mode), canvas


def _pad_boxes_dispatch(boxes, format, canvas_size, padding, fill=None, padding_mode="constant",  # noqa: A002
                        clamping_mode="soft"):
    return pad_bounding_boxes(boxes, format, canvas_size, padding, padding_mode=padding_mode,
                              clamping_mode=clamping_mode)


def pad_keypoints(keypoints, canvas_size, padding, padding_mode="constant"):
    """The kernel of :func:`pad` for key points: shifted by (left, top). Returns (points, canvas)."""
    if padding_mode not in ("constant",):
        raise ValueError(f"Padding mode '{padding_mode}' is not supported with KeyPoints (supported modes are "
                         "constant)")
    left, top, right, bottom = _parse_pad_padding(padding)
    out = keypoints._data + xp.asarray([left, top], dtype=keypoints._data.dtype)
    return wrap(out), (canvas_size[0] + top + bottom, canvas_size[1] + left + right)


def _pad_kp_dispatch(keypoints, canvas_size, padding, fill=None, padding_mode="constant"):
    return pad_keypoints(keypoints, canvas_size, padding, padding_mode=padding_mode)


_register_all(pad, pad_image, pad_mask, _pad_boxes_dispatch, _pad_kp_dispatch, _pad_pil)


# ----------------------------------------------------------------------------- multi-crops
def five_crop(inpt, size):
    """The four corner crops and the centre crop of ``size``: (top-left, top-right, bottom-left, bottom-right,
    centre). Images and videos only.

    Example::

        >>> [tuple(c.shape) for c in five_crop(ember.rand(3, 8, 8), 4)][0]
        (3, 4, 4)
    """
    return _get_kernel(five_crop, type(inpt))(inpt, size=size)


def five_crop_image(image, size):
    """The kernel of :func:`five_crop` for tensor images ``[..., C, H, W]``."""
    return F1.five_crop(image, size)


five_crop_video = five_crop_image


def ten_crop(inpt, size, vertical_flip=False):
    """:func:`five_crop` of the image and of its mirror image (left-right, or top-bottom with ``vertical_flip``)."""
    return _get_kernel(ten_crop, type(inpt))(inpt, size=size, vertical_flip=vertical_flip)


def ten_crop_image(image, size, vertical_flip=False):
    """The kernel of :func:`ten_crop` for tensor images ``[..., C, H, W]``."""
    return F1.ten_crop(image, size, vertical_flip)


ten_crop_video = ten_crop_image

_register_image(five_crop, F1.five_crop)(five_crop_image)
_register_kernel_internal(five_crop, tv_tensors.Video)(five_crop_video)
_register_image(ten_crop, F1.ten_crop)(ten_crop_image)
_register_kernel_internal(ten_crop, tv_tensors.Video)(ten_crop_video)
