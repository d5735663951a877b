"""Image utilities: ``make_grid``, ``save_image`` and drawing boxes, masks and keypoints (mirrors
``torchvision.utils``)."""

import math
import os
import tempfile
import warnings

import numpy as np

from ember._tensor import Tensor, wrap

__all__ = ["draw_bounding_boxes", "draw_keypoints", "draw_segmentation_masks", "flow_to_image", "make_grid",
           "save_image"]


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """Tile a batch of images ``[B, C, H, W]`` (or a list of ``[C, H, W]``) into one ``[C, H', W']`` image.

    Args:
        tensor: a 4-D tensor or a list of 3-D tensors (1-channel images become 3-channel).
        nrow: images per row.
        padding: pixels between and around images.
        normalize: shift and scale to [0, 1] using ``value_range`` (default: the min and max).
        value_range: (min, max) used by ``normalize``.
        scale_each: normalize each image on its own.
        pad_value: value of the padding pixels.

    Example::

        >>> make_grid(ember.rand(16, 1, 28, 28), nrow=4).shape
        ember.Size([3, 122, 122])
    """
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        import ember
        tensor = ember.stack(tensor, dim=0)
    arr = tensor._data
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        if arr.shape[0] == 1:
            arr = np.concatenate((arr, arr, arr), 0)
        arr = arr[None]
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = np.concatenate((arr, arr, arr), 1)
    if normalize is True:
        arr = arr.copy()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")

        def norm(img):
            low, high = value_range if value_range is not None else (float(img.min()), float(img.max()))
            np.clip(img, low, high, out=img)
            img -= np.asarray(low, dtype=img.dtype)
            img /= np.asarray(max(high - low, 1e-5), dtype=img.dtype)

        if scale_each is True:
            for img in arr:
                norm(img)
        else:
            norm(arr)
    if arr.shape[0] == 1:
        return wrap(np.ascontiguousarray(arr[0]))
    nmaps = arr.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(arr.shape[2] + padding), int(arr.shape[3] + padding)
    grid = np.full((arr.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value, dtype=arr.dtype)
    for k in range(nmaps):
        y, x = divmod(k, xmaps)
        top, left = y * height + padding, x * width + padding
        grid[:, top:top + height - padding, left:left + width - padding] = arr[k]
    return wrap(grid)


def save_image(tensor, fp, format=None, **kwargs):
    """Save a tensor (or batch, tiled with :func:`make_grid`) as an image file; values in [0, 1].

    Writes through a temporary file, so a failed save leaves no partial file. Needs pillow.

    Args:
        tensor: ``[C, H, W]``, ``[B, C, H, W]`` or a list of images.
        fp: a path or a binary file object.
        format: image format (default: from the file extension).
        **kwargs: passed to :func:`make_grid`.

    Example::

        >>> save_image(ember.rand(16, 1, 28, 28), "digits.png", nrow=4)
    """
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("save_image needs pillow: pip install pillow") from None
    grid = make_grid(tensor, **kwargs)._data
    ndarr = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    if ndarr.shape[2] == 1:
        ndarr = ndarr[:, :, 0]
    im = Image.fromarray(np.ascontiguousarray(ndarr))
    if not isinstance(fp, (str, bytes, os.PathLike)):
        im.save(fp, format=format)
        return
    path = os.fspath(fp)
    if format is None:
        ext = os.path.splitext(path)[1].lower()
        format = Image.registered_extensions().get(ext)
        if format is None:
            raise ValueError(f"unknown file extension: {ext}")
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".part")
    os.close(fd)
    try:
        im.save(tmp, format=format)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


# ----------------------------------------------------------------------------- drawing on images

def _pil_draw_modules():
    try:
        from PIL import Image, ImageColor, ImageDraw, ImageFont
    except ImportError:
        raise ImportError("drawing needs pillow: pip install pillow") from None
    return Image, ImageColor, ImageDraw, ImageFont


def _check_image(image, what, rgb_only):
    if not isinstance(image, Tensor):
        raise TypeError(f"{what}, got {type(image)}")
    if not (image.dtype.name == "uint8" or image.is_floating_point()):
        raise ValueError(f"The image dtype must be uint8 or float, got {image.dtype}")
    if image.dim() != 3:
        raise ValueError("Pass individual images, not batches")
    if rgb_only and image.size(0) != 3:
        raise ValueError("Pass an RGB image. Other Image formats are not supported")


def _opmath(dtype):
    # float16/bfloat16 arithmetic runs in float32 and is rounded back, as PyTorch's CPU kernels do
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)


def _float_to_uint8(arr):
    # [0, 1] floats to uint8 by scaling with 255 + 1 - 1e-3 and truncating (1.0 maps to 255, 0.999 to 254)
    work = _opmath(arr.dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        return (arr.astype(work) * work.type(255 + 1.0 - 1e-3)).astype(arr.dtype).astype(np.uint8)


def _uint8_to_float(arr, dtype):
    work = _opmath(dtype)
    return (arr.astype(work) * work.type(1.0 / 255)).astype(dtype)


def _palette(num_objects):
    # deterministic, well-spread colours: multiples of three large constants, modulo 255
    factors = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1], dtype=np.int64)
    return [tuple(int(v) for v in (i * factors) % 255) for i in range(num_objects)]


def _parse_colors(colors, num_objects, floating=False):
    """A list of ``num_objects`` RGB tuples from None (a palette), one colour, or a list of colours."""
    _, ImageColor, _, _ = _pil_draw_modules()
    if colors is None:
        colors = _palette(num_objects)
        if floating:  # torchvision scales its palette in float32 (it is made of int tensors): same values here
            return [tuple(float(np.float32(v) / np.float32(255)) for v in c) for c in colors]
    elif isinstance(colors, list):
        if len(colors) < num_objects:
            raise ValueError(f"Number of colors must be equal or larger than the number of objects, but got "
                             f"{len(colors)} < {num_objects}.")
    elif not isinstance(colors, (tuple, str)):
        raise ValueError(f"colors must be a tuple or a string, or a list thereof, but got {colors}.")
    elif isinstance(colors, tuple) and len(colors) != 3:
        raise ValueError(f"If passed as tuple, colors should be an RGB triplet, but got {colors}.")
    else:
        colors = [colors] * num_objects
    colors = [ImageColor.getrgb(c) if isinstance(c, str) else tuple(c) for c in colors]
    if floating:
        colors = [tuple(v / 255 for v in c) for c in colors]
    return colors


def _dashed_line(draw, start, end, fill, width, dash=5, gap=5):
    # alternating dash / gap segments along one straight line
    (x1, y1), (x2, y2) = start, end
    remaining = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    drawing = True
    while remaining > 0:
        step = min(remaining, dash if drawing else gap)
        angle = math.atan2(y2 - y1, x2 - x1)  # from the current point, so rounding does not drift off the line
        nx, ny = x1 + math.cos(angle) * step, y1 + math.sin(angle) * step
        if drawing:
            draw.line([(x1, y1), (nx, ny)], fill, width)
        remaining -= step
        x1, y1 = nx, ny
        drawing = not drawing


def draw_bounding_boxes(image, boxes, labels=None, colors=None, fill=False, width=1, font=None, font_size=None,
                        label_colors=None, label_background_colors=None, fill_labels=False):
    """Draw boxes (and optional text labels) on an image; returns a new uint8 (or the input's float) image.

    Needs pillow. Rotated boxes (8 coordinates) are drawn as polygons whose first edge is dashed.

    Args:
        image: ``[C, H, W]`` uint8 (0-255) or float (0-1) tensor, C = 1 or 3 (grey becomes RGB).
        boxes: ``[N, 4]`` ``(x1, y1, x2, y2)`` or ``[N, 8]`` corner coordinates, in pixels (truncated to ints).
        labels: N strings written at the boxes' top-left corners.
        colors: one colour or a list (names like "red", "#FF00FF" or RGB tuples); default: a fixed palette.
        fill: fill the boxes with their colour at alpha 100/255.
        width: outline width.
        font: a TrueType font file (default: pillow's built-in font).
        font_size: the font size (with ``font`` only).
        label_colors: text colours (default: the box colours, or black with ``fill_labels``).
        label_background_colors: label background colours with ``fill_labels`` (default: the box colours).
        fill_labels: draw a filled rectangle behind each label.

    Shape:
        Returns ``[3, H, W]``.

    Example::

        >>> img = ember.zeros(3, 32, 32, dtype=ember.uint8)
        >>> draw_bounding_boxes(img, ember.tensor([[2., 2., 20., 12.]]), labels=["cat"], colors="red").shape
        ember.Size([3, 32, 32])
    """
    Image, _, ImageDraw, ImageFont = _pil_draw_modules()
    _check_image(image, "Tensor expected", rgb_only=False)
    if image.size(0) not in (1, 3):
        raise ValueError("Only grayscale and RGB images are supported")
    box_arr = boxes.detach()._data
    if box_arr.shape[-1] == 4 and ((box_arr[:, 0] > box_arr[:, 2]).any() or (box_arr[:, 1] > box_arr[:, 3]).any()):
        raise ValueError("Boxes need to be in (xmin, ymin, xmax, ymax) format. Use ember.vision.ops.box_convert to "
                         "convert them")
    num_boxes = box_arr.shape[0]
    if num_boxes == 0:
        warnings.warn("boxes doesn't contain any box. No box was drawn")
        return image
    if labels is None:
        labels = [None] * num_boxes
    elif len(labels) != num_boxes:
        raise ValueError(f"Number of boxes ({num_boxes}) and labels ({len(labels)}) mismatch. Please specify labels "
                         "for each box.")
    colors = _parse_colors(colors, num_boxes)
    if label_colors or fill_labels:
        label_colors = _parse_colors(label_colors if label_colors else "black", num_boxes)
    else:
        label_colors = list(colors)
    if fill_labels and label_background_colors:
        label_background_colors = _parse_colors(label_background_colors, num_boxes)
    else:
        label_background_colors = list(colors)
    if font is None:
        if font_size is not None:
            warnings.warn("Argument 'font_size' will be ignored since 'font' is not set.")
        txt_font = ImageFont.load_default()
    else:
        txt_font = ImageFont.truetype(font=font, size=font_size or 10)
    arr = image.detach()._data
    if arr.shape[0] == 1:
        arr = np.concatenate([arr] * 3, axis=0)
    floating = image.is_floating_point()
    if floating:
        arr = _float_to_uint8(arr)
    canvas = Image.fromarray(np.ascontiguousarray(arr.transpose(1, 2, 0)))
    draw = ImageDraw.Draw(canvas, "RGBA" if fill else None)
    for bbox, color, label, label_color, label_bg in zip(box_arr.astype(np.int64).tolist(), colors, labels,
                                                         label_colors, label_background_colors):
        fill_color = color + (100,) if fill else None
        if len(bbox) > 4:
            corners = list(zip(bbox[0::2], bbox[1::2]))
            _dashed_line(draw, corners[0], corners[1], color, width)
            for k in range(1, len(corners)):
                draw.line((corners[k], corners[(k + 1) % len(corners)]), width=width, fill=color)
            draw.polygon(bbox, fill=fill_color, outline=None, width=0)
        else:
            draw.rectangle(bbox, width=width, outline=color, fill=fill_color)
        if label is not None:
            margin = width + 1
            anchor = (bbox[0] + margin, bbox[1] + margin)
            if fill_labels:
                left, top, right, bottom = draw.textbbox(anchor, label, font=txt_font)
                draw.rectangle((left - 1, top - 1, right + 1, bottom + 1), fill=label_bg)
            draw.text(anchor, label, fill=label_color, font=txt_font)
    out = np.asarray(canvas).transpose(2, 0, 1)
    out = _uint8_to_float(out, image._data.dtype) if floating else out
    return wrap(np.ascontiguousarray(out))


def draw_segmentation_masks(image, masks, alpha=0.8, colors=None):
    """Blend coloured masks onto an RGB image: ``image * (1 - alpha) + coloured * alpha``.

    Each pixel takes the colour of the last mask covering it; pixels covered by several masks are blended with
    black. Needs pillow only for colour names.

    Args:
        image: ``[3, H, W]`` uint8 or float tensor.
        masks: ``[N, H, W]`` or ``[H, W]`` bool tensor.
        alpha: mask opacity in [0, 1].
        colors: one colour or a list (names, "#RRGGBB" or RGB tuples); default: a fixed palette.

    Shape:
        Returns ``[3, H, W]`` of the image's dtype.

    Example::

        >>> img = ember.zeros(3, 8, 8, dtype=ember.uint8)
        >>> draw_segmentation_masks(img, ember.ones(8, 8, dtype=ember.bool), alpha=0.5, colors="blue")[2, 0, 0]
        tensor(127, dtype=ember.uint8)
    """
    _check_image(image, "The image must be a tensor", rgb_only=True)
    m = masks.detach()._data
    if m.ndim == 2:
        m = m[None]
    if m.ndim != 3:
        raise ValueError("masks must be of shape (H, W) or (batch_size, H, W)")
    if m.dtype != np.bool_:
        raise ValueError(f"The masks must be of dtype bool. Got {masks.dtype}")
    if m.shape[-2:] != tuple(image.shape[-2:]):
        raise ValueError("The image and the masks must have the same height and width")
    if m.shape[0] == 0:
        warnings.warn("masks doesn't contain any mask. No mask was drawn")
        return image
    arr = image.detach()._data
    floating = image.is_floating_point()
    palette = np.array(_parse_colors(colors, m.shape[0], floating=floating)).astype(arr.dtype)
    covered = m.any(axis=0)
    last = (m.shape[0] - 1) - m[::-1].argmax(axis=0)  # index of the last mask covering each pixel
    painted = arr.copy()
    painted[:, covered] = palette[last[covered]].T
    painted[:, m.sum(axis=0) > 1] = 0
    result = arr.dtype if floating else np.dtype(np.float32)  # (uint8 * float gives float32)
    work = _opmath(result)

    def scaled(a, factor):  # one rounded tensor-times-scalar product
        return (a.astype(work) * work.type(factor)).astype(result)

    out = (scaled(arr, 1 - alpha).astype(work) + scaled(painted, alpha).astype(work)).astype(result)
    return wrap(out.astype(arr.dtype))


def draw_keypoints(image, keypoints, connectivity=None, colors=None, radius=2, width=3, visibility=None):
    """Draw keypoints (as discs) and the lines connecting them on an RGB image. Needs pillow.

    Args:
        image: ``[3, H, W]`` uint8 or float tensor.
        keypoints: ``[N, K, 2]`` ``(x, y)`` pixel positions of K keypoints for N instances (truncated to ints).
        connectivity: ``(i, j)`` pairs of keypoints to join with a line.
        colors: the keypoints' colour (a name or an RGB tuple).
        radius: disc radius.
        width: line width.
        visibility: ``[N, K]`` (or ``[N, K, 1]``) flags; invisible keypoints and their lines are not drawn.

    Shape:
        Returns ``[3, H, W]`` of the image's dtype.

    Example::

        >>> img = ember.zeros(3, 16, 16, dtype=ember.uint8)
        >>> draw_keypoints(img, ember.tensor([[[3., 3.], [12., 10.]]]), connectivity=[(0, 1)], colors="red").shape
        ember.Size([3, 16, 16])
    """
    Image, _, ImageDraw, _ = _pil_draw_modules()
    _check_image(image, "The image must be a tensor", rgb_only=True)
    if keypoints.ndim != 3:
        raise ValueError("keypoints must be of shape (num_instances, K, 2)")
    vis = np.ones(tuple(keypoints.shape[:-1]), dtype=bool) if visibility is None else visibility.detach()._data
    if vis.ndim == 3:
        vis = vis.squeeze(-1)
    if vis.ndim != 2:
        raise ValueError(f"visibility must be of shape (num_instances, K). Got ndim={vis.ndim}")
    if vis.shape != tuple(keypoints.shape[:-1]):
        raise ValueError("keypoints and visibility must have the same dimensionality for num_instances and K. "
                         f"Got visibility.shape={tuple(vis.shape)} and keypoints.shape={tuple(keypoints.shape)}")
    arr = image.detach()._data
    floating = image.is_floating_point()
    canvas = Image.fromarray(np.ascontiguousarray((_float_to_uint8(arr) if floating else arr).transpose(1, 2, 0)))
    draw = ImageDraw.Draw(canvas)
    for points, shown in zip(keypoints.detach()._data.astype(np.int64).tolist(), vis.astype(bool).tolist()):
        for (x, y), visible in zip(points, shown):
            if visible:
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colors, outline=None, width=0)
        for i, j in connectivity or ():
            if shown[i] and shown[j]:
                draw.line((tuple(points[i]), tuple(points[j])), width=width)
    out = np.asarray(canvas).transpose(2, 0, 1)
    out = _uint8_to_float(out, arr.dtype) if floating else out
    return wrap(np.ascontiguousarray(out))


def _make_colorwheel():
    """The 55-colour Middlebury optical-flow wheel ``(55, 3)`` float32 in [0, 255]: red-yellow-green-cyan-blue-
    magenta segments of 15, 6, 4, 11, 13 and 6 colours, each ramping one channel linearly."""
    # (ramped channel, held channel, ramp up?) per segment, in wheel order
    segments = [(15, 1, 0, True), (6, 0, 1, False), (4, 2, 1, True), (11, 1, 2, False), (13, 0, 2, True),
                (6, 2, 0, False)]
    wheel, start = np.zeros((55, 3), dtype=np.float32), 0
    for n, ramp, hold, up in segments:
        steps = np.floor(np.float32(255) * np.arange(n, dtype=np.float32) / np.float32(n))
        wheel[start:start + n, hold] = 255
        wheel[start:start + n, ramp] = steps if up else 255 - steps
        start += n
    return wheel


def flow_to_image(flow):
    """Colour-code optical flow as RGB: hue from the direction, saturation from the magnitude (normalised by the
    largest magnitude in the input), with the Middlebury colour wheel.

    Args:
        flow: float32 tensor ``[2, H, W]`` or ``[N, 2, H, W]`` of (horizontal, vertical) displacements.

    Returns:
        uint8 tensor ``[3, H, W]`` or ``[N, 3, H, W]``.

    Example::

        >>> flow_to_image(ember.randn(2, 4, 5)).shape
        ember.Size([3, 4, 5])
    """
    from ember import _dtype
    if flow.dtype != _dtype.float32:
        raise ValueError(f"Flow should be of dtype ember.float, got {flow.dtype}.")
    shape = tuple(flow.shape)
    if not (len(shape) == 3 and shape[0] == 2 or len(shape) == 4 and shape[1] == 2):
        raise ValueError(f"Input flow should have shape (2, H, W) or (N, 2, H, W), got {flow.shape}.")
    a = flow._data if flow.ndim == 4 else flow._data[None]
    # normalised by the largest magnitude over the whole input (eps keeps a zero flow finite)
    max_norm = np.sqrt((a * a).sum(axis=1)).max()
    a = a / (max_norm + np.finfo(np.float32).eps)
    u, v = a[:, 0], a[:, 1]
    radius = np.sqrt(u * u + v * v)
    angle = np.arctan2(-v, -u) / np.float32(math.pi)
    wheel = _make_colorwheel()
    ncols = wheel.shape[0]
    fk = (angle + np.float32(1)) / np.float32(2) * np.float32(ncols - 1)
    k0 = np.floor(fk).astype(np.int64)
    k1 = np.where(k0 + 1 == ncols, 0, k0 + 1)
    f = (fk - k0.astype(np.float32))[:, None]
    col0 = np.moveaxis(wheel[k0] / np.float32(255), -1, 1)
    col1 = np.moveaxis(wheel[k1] / np.float32(255), -1, 1)
    col = (np.float32(1) - f) * col0 + f * col1
    col = np.float32(1) - radius[:, None] * (np.float32(1) - col)
    out = np.floor(np.float32(255) * col).astype(np.uint8)
    return wrap(np.ascontiguousarray(out if flow.ndim == 4 else out[0]))
