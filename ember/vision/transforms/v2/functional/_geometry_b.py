"""Resampling geometry (rotate, affine, perspective, elastic) and temporal subsampling for images, videos, masks,
boxes and key points.

Image kernels resample ``[..., C, H, W]`` tensors on a grid of source coordinates (as the v1 tensor functionals
do); masks use nearest interpolation. Boxes are moved by mapping their four corners forward and taking the
enclosing axis-aligned box (then clamped to the canvas); key points are mapped forward and left unclamped.
"""

import numbers

from ember._backend import xp
from ember._tensor import Tensor, wrap
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.functional import InterpolationMode
from ember.vision.transforms.v2.functional._geometry import (
    _finish_boxes, _finish_rotated, _interp_v2, _mask_via_image, _register_all,
)
from ember.vision.transforms.v2.functional._meta import (
    _convert_format_array, _is_rotated, _parse_format, _rotated_corners, _to_xyxy, _work,
)
from ember.vision.transforms.v2.functional._utils import (
    _get_kernel, _register_kernel_internal,
)

BoundingBoxFormat = tv_tensors.BoundingBoxFormat


# ----------------------------------------------------------------------------- grid resampling
def _apply_grid(arr, grid, mode, fill):
    """Resample ``arr`` [..., C, H, W] at ``grid`` (1, Ho, Wo, 2); outside pixels take ``fill`` (None: zeros).

    Unlike the v1 helper, bilinear fill is blended as ``mask * (img - fill) + fill`` (one rounding fewer)."""
    c, h, w = arr.shape[-3:]
    x = arr.reshape((-1, c, h, w))
    out_dtype = x.dtype
    x = x.astype(grid.dtype, copy=False)
    n = x.shape[0]
    if fill is not None:
        x = xp.concatenate([x, xp.ones((n, 1, h, w), x.dtype)], axis=1)
    out = F1._grid_sample_array(x, grid, mode)
    if fill is not None:
        mask, out = out[:, -1:], out[:, :-1]
        values = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = xp.asarray(values, dtype=out.dtype).reshape(1, -1, 1, 1)
        if mode == InterpolationMode.NEAREST:
            out = xp.where(mask < 0.5, fill_img, out)
        else:
            out = (out - fill_img) * mask + fill_img
    out = out.reshape(arr.shape[:-3] + out.shape[1:])
    if out_dtype != out.dtype:
        if out_dtype.kind in "iub":
            out = xp.round(out)
        out = out.astype(out_dtype)
    return out


def _resample_image(image, make_grid, interpolation, fill, out_size=None):
    """Run ``make_grid(w, h, ow, oh, dtype)`` and resample a tensor image ``[..., C, H, W]`` with it."""
    interpolation = _interp_v2(interpolation)
    squeeze = image.ndim < 3
    arr = image._data[None] if squeeze else image._data
    F1._check_grid_args(arr, interpolation, fill)
    h, w = arr.shape[-2:]
    ow, oh = out_size if out_size is not None else (w, h)
    if arr.size == 0 or ow * oh == 0:
        out = xp.zeros(arr.shape[:-2] + (oh, ow), arr.dtype)
    else:
        grid = make_grid(w, h, ow, oh, F1._grid_dtype(arr))
        if F1._needs_grad(image):  # (autograd through grid_sample)
            out = F1._apply_grid_grad(image[None] if squeeze else image, grid, interpolation, fill)
            return out[0] if squeeze else out
        out = _apply_grid(arr, grid, interpolation, fill)
    return wrap(xp.ascontiguousarray(out[0] if squeeze else out))


# ----------------------------------------------------------------------------- affine matrices
def _forward_affine_matrix(center, angle, translate, scale, shear):
    """The 6 numbers of the forward map ``x -> T C R S Sh C^-1 x`` (angle clockwise in image coordinates)."""
    cx, cy = center
    tx, ty = translate
    a, b, c, d = F1._rotation_shear(angle, shear)
    m = [a * scale, b * scale, 0.0, c * scale, d * scale, 0.0]
    m[2] += m[0] * (-cx) + m[1] * (-cy) + cx + tx
    m[5] += m[3] * (-cx) + m[4] * (-cy) + cy + ty
    return m


def _apply_affine_points(pts, m):
    """``pts`` [..., 2] mapped by the 2x3 matrix ``m`` (computed in ``pts``' dtype)."""
    t = xp.asarray(m, dtype=pts.dtype)
    x, y = pts[..., 0], pts[..., 1]
    return xp.stack([x * t[0] + y * t[1] + t[2], x * t[3] + y * t[4] + t[5]], axis=-1)


def _box_corners(a):
    """The 4 corners [N, 4, 2] of XYXY boxes [N, 4]."""
    return xp.stack([a[:, [0, 1]], a[:, [2, 1]], a[:, [2, 3]], a[:, [0, 3]]], axis=1)


def _enclosing(corners):
    return xp.concatenate([corners.min(axis=1), corners.max(axis=1)], axis=-1)


def _affine_parse_args(angle, translate, scale, shear, center):
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    return float(angle), [float(t) for t in translate], float(scale), [float(s) for s in shear]


def _affine_points_with_expand(pts, canvas_size, angle, translate, scale, shear, center, expand):
    """Points [N, 2] (work dtype) after the forward affine; with ``expand``, shifted into the grown canvas."""
    h, w = canvas_size
    if center is None:
        center = [w * 0.5, h * 0.5]
    m = _forward_affine_matrix(center, angle, translate, scale, shear)
    out = _apply_affine_points(pts, m)
    if expand:
        frame = xp.asarray([[0.0, 0.0], [0.0, h], [w, h], [w, 0.0]], dtype=pts.dtype)
        out = out - _apply_affine_points(frame, m).min(axis=0)
        # (torchvision sizes the canvas from the inverse matrix about the pixel-coordinate centre, which can be
        # one pixel off the image kernel's size; boxes follow torchvision's boxes)
        inv = F1._get_inverse_affine_matrix(center, angle, translate, scale, shear)
        new_w, new_h = F1._affine_output_size(inv, w, h)
        canvas_size = (new_h, new_w)
    return out, canvas_size


def _affine_boxes_impl(bounding_boxes, format, canvas_size, angle, translate, scale, shear, center, expand,  # noqa: A002
                       clamping_mode):
    fmt = _parse_format(format)
    data = bounding_boxes._data
    if _is_rotated(fmt):  # the moved corners (a parallelogram under shear), made a rectangle again
        c = _rotated_corners(_work(data), fmt)
        pts, canvas = _affine_points_with_expand(c.reshape(-1, 2), canvas_size, angle, translate, scale, shear,
                                                 center, expand)
        return _finish_rotated(pts.reshape(c.shape), data.dtype, fmt, canvas, clamping_mode, fit=True), canvas
    a = _to_xyxy(_work(data), fmt).reshape(-1, 4)
    corners, canvas = _affine_points_with_expand(_box_corners(a).reshape(-1, 2), canvas_size, angle, translate,
                                                 scale, shear, center, expand)
    out = _enclosing(corners.reshape(-1, 4, 2)).reshape(data.shape)
    return _finish_boxes(out, data.dtype, fmt, canvas, clamping_mode), canvas


def _affine_keypoints_impl(keypoints, canvas_size, angle, translate, scale, shear, center, expand):
    data = keypoints._data
    pts = _work(data).reshape(-1, 2)
    out, canvas = _affine_points_with_expand(pts, canvas_size, angle, translate, scale, shear, center, expand)
    return wrap(xp.ascontiguousarray(out.reshape(data.shape).astype(data.dtype, copy=False))), canvas


# ----------------------------------------------------------------------------- affine
def affine(inpt, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None, center=None):
    """Rotate (clockwise, degrees), translate (pixels), scale and shear (degrees) about ``center``.

    Args:
        inpt: image, video, mask, boxes or key points.
        angle: rotation in degrees, clockwise.
        translate: (dx, dy) in pixels.
        scale: overall scale factor (> 0).
        shear: degrees: a number (x shear), or (x, y).
        interpolation: nearest (default) or bilinear for tensors; any PIL filter for PIL images.
        fill: value(s) of pixels that come from outside the input (None: 0).
        center: (x, y) centre, origin at the top-left corner; default the image centre.

    Example::

        >>> affine(ember.rand(1, 8, 8), angle=10, translate=[1, 0], scale=1.0, shear=[0.0]).shape
        ember.Size([1, 8, 8])
    """
    return _get_kernel(affine, type(inpt))(inpt, angle=angle, translate=translate, scale=scale, shear=shear,
                                           interpolation=interpolation, fill=fill, center=center)


def affine_image(image, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None,
                 center=None):
    """The kernel of :func:`affine` for tensor images ``[..., C, H, W]``."""
    interpolation = _interp_v2(interpolation)
    angle, translate, scale, shear = _affine_parse_args(angle, translate, scale, shear, center)
    h, w = image.shape[-2:]
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, (w, h))]
    m = F1._get_inverse_affine_matrix(center_f, angle, translate, scale, shear)
    return _resample_image(image, lambda w, h, ow, oh, dt: F1._affine_grid(m, w, h, ow, oh, dt), interpolation,
                           fill)


affine_video = affine_image


def _affine_pil(image, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None,
                center=None):
    return F1.affine(image, angle, list(translate), scale, shear, interpolation=_interp_v2(interpolation),
                     fill=fill, center=center)


def affine_mask(mask, angle, translate, scale, shear, fill=None, center=None):
    """The kernel of :func:`affine` for masks ``[..., H, W]`` (nearest interpolation)."""
    return _mask_via_image(affine_image)(mask, angle, translate, scale, shear,
                                         interpolation=InterpolationMode.NEAREST, fill=fill, center=center)


def _affine_mask_dispatch(mask, angle, translate, scale, shear, interpolation=None, fill=None, center=None):
    return affine_mask(mask, angle, translate, scale, shear, fill=fill, center=center)


def affine_bounding_boxes(bounding_boxes, format, canvas_size, angle, translate, scale, shear, center=None,  # noqa: A002
                          clamping_mode="soft"):
    """The kernel of :func:`affine` for boxes: the box enclosing the moved corners, clamped to the canvas."""
    angle, translate, scale, shear = _affine_parse_args(angle, translate, scale, shear, center)
    return _affine_boxes_impl(bounding_boxes, format, canvas_size, angle, translate, scale, shear, center, False,
                              clamping_mode)[0]


def _affine_boxes_dispatch(boxes, format, canvas_size, angle, translate, scale, shear, interpolation=None,  # noqa: A002
                           fill=None, center=None, clamping_mode="soft"):
    angle, translate, scale, shear = _affine_parse_args(angle, translate, scale, shear, center)
    return _affine_boxes_impl(boxes, format, canvas_size, angle, translate, scale, shear, center, False,
                              clamping_mode)


def affine_keypoints(keypoints, canvas_size, angle, translate, scale, shear, center=None):
    """The kernel of :func:`affine` for key points (not clamped). Returns (points, canvas_size)."""
    angle, translate, scale, shear = _affine_parse_args(angle, translate, scale, shear, center)
    return _affine_keypoints_impl(keypoints, canvas_size, angle, translate, scale, shear, center, False)


def _affine_kp_dispatch(keypoints, canvas_size, angle, translate, scale, shear, interpolation=None, fill=None,
                        center=None):
    return affine_keypoints(keypoints, canvas_size, angle, translate, scale, shear, center=center)


_register_all(affine, affine_image, _affine_mask_dispatch, _affine_boxes_dispatch, _affine_kp_dispatch, _affine_pil)


# ----------------------------------------------------------------------------- rotate
def rotate(inpt, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: the centre).

    Args:
        inpt: image, video, mask, boxes or key points.
        angle: degrees, counter-clockwise.
        interpolation: nearest (default) or bilinear for tensors; any PIL filter for PIL images.
        expand: grow the canvas to hold the whole rotated image.
        center: (x, y) centre of rotation, origin at the top-left corner.
        fill: value(s) of pixels that come from outside the input (None: 0).

    Example::

        >>> rotate(ember.rand(1, 8, 8), 90.0, expand=True).shape
        ember.Size([1, 8, 8])
    """
    return _get_kernel(rotate, type(inpt))(inpt, angle=angle, interpolation=interpolation, expand=expand,
                                           center=center, fill=fill)


def rotate_image(image, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """The kernel of :func:`rotate` for tensor images ``[..., C, H, W]``."""
    interpolation = _interp_v2(interpolation)
    h, w = image.shape[-2:]
    center_f = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, (w, h))]
    m = F1._get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    out_size = F1._affine_output_size(m, w, h) if expand else None
    return _resample_image(image, lambda w, h, ow, oh, dt: F1._affine_grid(m, w, h, ow, oh, dt), interpolation,
                           fill, out_size)


rotate_video = rotate_image


def _rotate_pil(image, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    return F1.rotate(image, angle, interpolation=_interp_v2(interpolation), expand=expand, center=center, fill=fill)


def rotate_mask(mask, angle, expand=False, center=None, fill=None):
    """The kernel of :func:`rotate` for masks ``[..., H, W]`` (nearest interpolation)."""
    return _mask_via_image(rotate_image)(mask, angle, interpolation=InterpolationMode.NEAREST, expand=expand,
                                         center=center, fill=fill)


def _rotate_mask_dispatch(mask, angle, interpolation=None, expand=False, center=None, fill=None):
    return rotate_mask(mask, angle, expand=expand, center=center, fill=fill)


def rotate_bounding_boxes(bounding_boxes, format, canvas_size, angle, expand=False, center=None,  # noqa: A002
                          clamping_mode="soft"):
    """The kernel of :func:`rotate` for boxes. Returns (boxes, canvas_size)."""
    return _affine_boxes_impl(bounding_boxes, format, canvas_size, -angle, [0.0, 0.0], 1.0, [0.0, 0.0], center,
                              expand, clamping_mode)


def _rotate_boxes_dispatch(boxes, format, canvas_size, angle, interpolation=None, expand=False, center=None,  # noqa: A002
                           fill=None, clamping_mode="soft"):
    return rotate_bounding_boxes(boxes, format, canvas_size, angle, expand=expand, center=center,
                                 clamping_mode=clamping_mode)


def rotate_keypoints(keypoints, canvas_size, angle, expand=False, center=None):
    """The kernel of :func:`rotate` for key points (not clamped). Returns (points, canvas_size)."""
    return _affine_keypoints_impl(keypoints, canvas_size, -angle, [0.0, 0.0], 1.0, [0.0, 0.0], center, expand)


def _rotate_kp_dispatch(keypoints, canvas_size, angle, interpolation=None, expand=False, center=None, fill=None):
    return rotate_keypoints(keypoints, canvas_size, angle, expand=expand, center=center)


_register_all(rotate, rotate_image, _rotate_mask_dispatch, _rotate_boxes_dispatch, _rotate_kp_dispatch, _rotate_pil)


# ----------------------------------------------------------------------------- perspective
def _perspective_coefficients(startpoints, endpoints, coefficients):
    if coefficients is not None:
        if startpoints is not None and endpoints is not None:
            raise ValueError("The startpoints/endpoints and the coefficients shouldn't be defined concurrently.")
        if len(coefficients) != 8:
            raise ValueError("Argument coefficients should have 8 float values")
        return list(coefficients)
    if startpoints is not None and endpoints is not None:
        return F1._perspective_coeffs(startpoints, endpoints)
    raise ValueError("Either the startpoints/endpoints or the coefficients must have non `None` values.")


def perspective(inpt, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None, coefficients=None):
    """Warp so that the four ``startpoints`` corners land on ``endpoints`` (or by the 8 ``coefficients`` of the
    output-to-input map ``x_in = (a x + b y + c) / (g x + h y + 1)``, ``y_in = (d x + e y + f) / (g x + h y + 1)``).

    Args:
        inpt: image, video, mask, boxes or key points.
        startpoints: [top-left, top-right, bottom-right, bottom-left] (x, y) corners in the input, or None.
        endpoints: where those corners go in the output, or None.
        interpolation: nearest or bilinear (default) for tensors; any PIL filter for PIL images.
        fill: value(s) of pixels that come from outside the input.
        coefficients: the 8 coefficients instead of the corners.

    Example::

        >>> corners = [[0, 0], [7, 0], [7, 7], [0, 7]]
        >>> perspective(ember.rand(1, 8, 8), corners, [[1, 1], [6, 0], [7, 7], [0, 6]]).shape
        ember.Size([1, 8, 8])
    """
    return _get_kernel(perspective, type(inpt))(inpt, startpoints=startpoints, endpoints=endpoints,
                                                interpolation=interpolation, fill=fill, coefficients=coefficients)


def perspective_image(image, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None,
                      coefficients=None):
    """The kernel of :func:`perspective` for tensor images ``[..., C, H, W]``."""
    coeffs = _perspective_coefficients(startpoints, endpoints, coefficients)
    return _resample_image(image, lambda w, h, ow, oh, dt: F1._perspective_grid(coeffs, ow, oh, dt), interpolation,
                           fill)


perspective_video = perspective_image


def _perspective_pil(image, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR, fill=None,
                     coefficients=None):
    coeffs = _perspective_coefficients(startpoints, endpoints, coefficients)
    Image = F1._pil_image()
    return image.transform(image.size, Image.PERSPECTIVE, coeffs, F1._pil_resample(_interp_v2(interpolation)),
                           fillcolor=F1._pil_fill_arg(image, fill))


def perspective_mask(mask, startpoints, endpoints, fill=None, coefficients=None):
    """The kernel of :func:`perspective` for masks ``[..., H, W]`` (nearest interpolation)."""
    return _mask_via_image(perspective_image)(mask, startpoints, endpoints, interpolation=InterpolationMode.NEAREST,
                                              fill=fill, coefficients=coefficients)


def _perspective_mask_dispatch(mask, startpoints, endpoints, interpolation=None, fill=None, coefficients=None):
    return perspective_mask(mask, startpoints, endpoints, fill=fill, coefficients=coefficients)


def _perspective_points(pts, coeffs):
    """Input points [N, 2] mapped to the output: through the inverse of the coefficients' homography (scaled so
    that its last entry is 1)."""
    a, b, c, d, e, f, g, h = (float(v) for v in coeffs)
    denom = a * e - b * d
    if denom == 0:
        raise RuntimeError(f"Provided perspective_coeffs {coeffs} can not be inverted to transform points."
                           f"Denominator is zero, denom={denom}")
    inv = [(e - f * h) / denom, (-b + c * h) / denom, (b * f - c * e) / denom,
           (-d + f * g) / denom, (a - c * g) / denom, (-a * f + c * d) / denom,
           (-e * g + d * h) / denom, (-a * h + b * g) / denom]
    t = xp.asarray(inv, dtype=pts.dtype)
    x, y = pts[:, 0], pts[:, 1]
    den = x * t[6] + y * t[7] + pts.dtype.type(1.0)
    return xp.stack([(x * t[0] + y * t[1] + t[2]) / den, (x * t[3] + y * t[4] + t[5]) / den], axis=-1)


def perspective_bounding_boxes(bounding_boxes, format, canvas_size, startpoints, endpoints, coefficients=None,  # noqa: A002
                               clamping_mode="soft"):
    """The kernel of :func:`perspective` for boxes: the box enclosing the moved corners, clamped."""
    coeffs = _perspective_coefficients(startpoints, endpoints, coefficients)
    fmt = _parse_format(format)
    data = bounding_boxes._data
    if _is_rotated(fmt):
        c = _rotated_corners(_work(data), fmt)
        pts = _perspective_points(c.reshape(-1, 2), coeffs).reshape(c.shape)
        return _finish_rotated(pts, data.dtype, fmt, canvas_size, clamping_mode, fit=True)
    a = _work(_convert_format_array(data, fmt, BoundingBoxFormat.XYXY)).reshape(-1, 4)
    corners = _perspective_points(_box_corners(a).reshape(-1, 2), coeffs).reshape(-1, 4, 2)
    return _finish_boxes(_enclosing(corners).reshape(data.shape), data.dtype, fmt, canvas_size, clamping_mode)


def _perspective_boxes_dispatch(boxes, format, canvas_size, startpoints, endpoints, interpolation=None,  # noqa: A002
                                fill=None, coefficients=None, clamping_mode="soft"):
    return perspective_bounding_boxes(boxes, format, canvas_size, startpoints, endpoints, coefficients=coefficients,
                                      clamping_mode=clamping_mode), canvas_size


def perspective_keypoints(keypoints, canvas_size, startpoints, endpoints, coefficients=None):
    """The kernel of :func:`perspective` for key points (not clamped)."""
    coeffs = _perspective_coefficients(startpoints, endpoints, coefficients)
    data = keypoints._data
    out = _perspective_points(_work(data).reshape(-1, 2), coeffs).reshape(data.shape)
    return wrap(xp.ascontiguousarray(out.astype(data.dtype, copy=False)))


def _perspective_kp_dispatch(keypoints, canvas_size, startpoints, endpoints, interpolation=None, fill=None,
                             coefficients=None):
    return perspective_keypoints(keypoints, canvas_size, startpoints, endpoints,
                                 coefficients=coefficients), canvas_size


_register_all(perspective, perspective_image, _perspective_mask_dispatch, _perspective_boxes_dispatch,
              _perspective_kp_dispatch, _perspective_pil)


# ----------------------------------------------------------------------------- elastic
def elastic(inpt, displacement, interpolation=InterpolationMode.BILINEAR, fill=None):
    """Move each pixel by ``displacement`` ``[1, H, W, 2]`` (normalised [-1, 1] (dx, dy) offsets) and resample.

    Boxes and key points move by an approximate inverse of the field (the displacement at their pixel, negated).

    Example::

        >>> elastic(ember.rand(1, 8, 8), ember.zeros(1, 8, 8, 2)).shape
        ember.Size([1, 8, 8])
    """
    return _get_kernel(elastic, type(inpt))(inpt, displacement=displacement, interpolation=interpolation, fill=fill)


elastic_transform = elastic


def _identity_grid(h, w, dtype):
    from ember._functions_indexing import _linspace_like
    xs = _linspace_like((-w + 1) / w, (w - 1) / w, w, dtype)
    ys = _linspace_like((-h + 1) / h, (h - 1) / h, h, dtype)
    return xp.stack(xp.meshgrid(xs, ys, indexing="xy"), axis=-1)[None]


def _check_displacement(displacement, h, w):
    if not isinstance(displacement, Tensor):
        raise TypeError("Argument displacement should be a Tensor")
    expected = (1, h, w, 2)
    if tuple(displacement.shape) != expected:
        from ember import Size
        raise ValueError(f"Argument displacement shape should be {expected}, but given {Size(displacement.shape)}")


def elastic_image(image, displacement, interpolation=InterpolationMode.BILINEAR, fill=None):
    """The kernel of :func:`elastic` for tensor images ``[..., C, H, W]``."""
    h, w = image.shape[-2:]
    _check_displacement(displacement, h, w)

    def grid(w, h, ow, oh, dt):
        return _identity_grid(h, w, dt) + displacement._data.astype(dt, copy=False)
    return _resample_image(image, grid, interpolation, fill)


elastic_video = elastic_image


def _elastic_pil(image, displacement, interpolation=InterpolationMode.BILINEAR, fill=None):
    arr = F1.pil_to_tensor(image)
    out = elastic_image(arr, displacement, interpolation=interpolation, fill=fill)
    return F1.to_pil_image(out, mode=image.mode)


def elastic_mask(mask, displacement, fill=None):
    """The kernel of :func:`elastic` for masks ``[..., H, W]`` (nearest interpolation)."""
    return _mask_via_image(elastic_image)(mask, displacement, interpolation=InterpolationMode.NEAREST, fill=fill)


def _elastic_mask_dispatch(mask, displacement, interpolation=None, fill=None):
    return elastic_mask(mask, displacement, fill=fill)


def _elastic_points(pts, canvas_size, displacement, ceil=True):
    """Points [N, 2] moved by minus the displacement at their pixel (box corners ceiled, key points truncated;
    clamped to the canvas)."""
    h, w = canvas_size
    _check_displacement(displacement, h, w)
    disp = displacement._data.astype(pts.dtype, copy=False)
    inv_grid = _identity_grid(h, w, pts.dtype) - disp
    idx = (xp.ceil(pts) if ceil and pts.dtype.kind == "f" else pts).astype(xp.int64)
    ix, iy = idx[:, 0].clip(0, w - 1), idx[:, 1].clip(0, h - 1)
    size = xp.asarray([w, h], dtype=pts.dtype)
    return (inv_grid[0, iy, ix, :] + pts.dtype.type(1)) * (pts.dtype.type(0.5) * size) - pts.dtype.type(0.5)


def elastic_bounding_boxes(bounding_boxes, format, canvas_size, displacement, clamping_mode="soft"):  # noqa: A002
    """The kernel of :func:`elastic` for boxes: the box enclosing the moved corners, clamped."""
    fmt = _parse_format(format)
    data = bounding_boxes._data
    if _is_rotated(fmt):  # moved rigidly, by the displacement at the box's centre (as torchvision does)
        c = _rotated_corners(_work(data), fmt)
        centre = c.mean(-2).reshape(-1, 2)
        shift = _elastic_points(centre, canvas_size, displacement) - centre
        return _finish_rotated(c + shift.reshape(*c.shape[:-2], 1, 2), data.dtype, fmt, canvas_size, clamping_mode)
    a = _work(_convert_format_array(data, fmt, BoundingBoxFormat.XYXY)).reshape(-1, 4)
    corners = _elastic_points(_box_corners(a).reshape(-1, 2), canvas_size, displacement).reshape(-1, 4, 2)
    # (clamped and cast back in XYXY before the format conversion, as torchvision does for this kernel)
    out = _finish_boxes(_enclosing(corners).reshape(data.shape), data.dtype, BoundingBoxFormat.XYXY, canvas_size,
                        clamping_mode)
    return wrap(xp.ascontiguousarray(_convert_format_array(out._data, BoundingBoxFormat.XYXY, fmt)))


def _elastic_boxes_dispatch(boxes, format, canvas_size, displacement, interpolation=None, fill=None,  # noqa: A002
                            clamping_mode="soft"):
    return elastic_bounding_boxes(boxes, format, canvas_size, displacement, clamping_mode=clamping_mode), canvas_size


def elastic_keypoints(keypoints, canvas_size, displacement):
    """The kernel of :func:`elastic` for key points."""
    data = keypoints._data
    out = _elastic_points(_work(data).reshape(-1, 2), canvas_size, displacement, ceil=False).reshape(data.shape)
    return wrap(xp.ascontiguousarray(out.astype(data.dtype, copy=False)))


def _elastic_kp_dispatch(keypoints, canvas_size, displacement, interpolation=None, fill=None):
    return elastic_keypoints(keypoints, canvas_size, displacement), canvas_size


_register_all(elastic, elastic_image, _elastic_mask_dispatch, _elastic_boxes_dispatch, _elastic_kp_dispatch,
              _elastic_pil)


# ----------------------------------------------------------------------------- temporal
def uniform_temporal_subsample(inpt, num_samples):
    """``num_samples`` frames evenly spaced over a video ``[..., T, C, H, W]`` (first and last included).

    Example::

        >>> uniform_temporal_subsample(ember.rand(10, 3, 4, 4), 3).shape
        ember.Size([3, 3, 4, 4])
    """
    return _get_kernel(uniform_temporal_subsample, type(inpt))(inpt, num_samples=num_samples)


def uniform_temporal_subsample_video(video, num_samples):
    """The kernel of :func:`uniform_temporal_subsample` for videos ``[..., T, C, H, W]``."""
    from ember._functions_indexing import _linspace_like
    t_max = video.shape[-4] - 1
    idx = _linspace_like(0.0, float(t_max), num_samples, xp.dtype(xp.float32)).astype(xp.int64)
    return wrap(xp.ascontiguousarray(xp.take(video._data, idx, axis=-4)))


_register_kernel_internal(uniform_temporal_subsample, Tensor)(uniform_temporal_subsample_video)
_register_kernel_internal(uniform_temporal_subsample, tv_tensors.Video)(uniform_temporal_subsample_video)
