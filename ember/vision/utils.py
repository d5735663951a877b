"""Image utilities: ``make_grid`` and ``save_image`` (mirrors ``torchvision.utils``)."""

import math
import os
import tempfile

import numpy as np

from ember._tensor import Tensor, wrap

__all__ = ["make_grid", "save_image"]


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
