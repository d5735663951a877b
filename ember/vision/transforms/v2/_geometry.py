"""Geometric transforms: flips, resize, crops, padding, multi-crops."""

import math
import warnings
from collections.abc import Sequence

from ember._functions import empty, exp, log, randint, tensor
from ember.vision import tv_tensors
from ember.vision.transforms.v2 import functional as F
from ember.vision.transforms.v2._transform import Transform, _RandomApplyTransform
from ember.vision.transforms.v2._utils import (
    _check_padding_arg, _check_padding_mode_arg, _get_fill, _setup_fill_arg, _setup_size, has_any, query_size,
)

_SIZE_MSG = "Please provide only two dimensions (h, w) for size."


def _lrtb(padding):
    left, top, right, bottom = padding
    return [left, right, top, bottom]


class RandomHorizontalFlip(_RandomApplyTransform):
    """Mirror the sample left-right with probability ``p`` (boxes and key points follow).

    Example::

        >>> RandomHorizontalFlip(p=1.0)(ember.arange(3.0).reshape(1, 1, 3))
        tensor([[[2., 1., 0.]]])
    """

    def transform(self, inpt, params):
        return self._call_kernel(F.horizontal_flip, inpt)


class RandomVerticalFlip(_RandomApplyTransform):
    """Mirror the sample top-bottom with probability ``p`` (boxes and key points follow)."""

    def transform(self, inpt, params):
        return self._call_kernel(F.vertical_flip, inpt)


class Resize(Transform):
    """Resize the sample to ``size``: (h, w), or an int / 1-sequence for the smaller edge (aspect kept).

    Args:
        size: see above; None with ``max_size`` resizes the longer edge to ``max_size``.
        interpolation: an :class:`InterpolationMode` (masks always use nearest).
        max_size: cap on the longer edge.
        antialias: antialias bilinear / bicubic tensor downsampling (PIL always does).

    Example::

        >>> Resize(10)(ember.rand(3, 20, 30)).shape
        ember.Size([3, 10, 15])
    """

    def __init__(self, size, interpolation="bilinear", max_size=None, antialias=True):
        super().__init__()
        if isinstance(size, int):
            size = [size]
        elif isinstance(size, Sequence) and len(size) in {1, 2}:
            size = list(size)
        elif size is None:
            if not isinstance(max_size, int):
                raise ValueError(f"max_size must be an integer when size is None, but got {max_size} instead.")
        else:
            raise ValueError(f"size can be an integer, a sequence of one or two integers, or None, but got {size} "
                             "instead.")
        self.size = size
        self.interpolation = interpolation
        self.max_size = max_size
        self.antialias = antialias

    def transform(self, inpt, params):
        return self._call_kernel(F.resize, inpt, self.size, interpolation=self.interpolation,
                                 max_size=self.max_size, antialias=self.antialias)


class CenterCrop(Transform):
    """Crop the centre ``size`` region (padding images with zeros when smaller).

    Example::

        >>> CenterCrop(4)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 4, 4])
    """

    def __init__(self, size):
        super().__init__()
        self.size = _setup_size(size, error_msg=_SIZE_MSG)

    def transform(self, inpt, params):
        return self._call_kernel(F.center_crop, inpt, output_size=self.size)


class RandomCrop(Transform):
    """Crop a random ``size`` region, after optional padding.

    Args:
        size: output (h, w), or an int for a square.
        padding: padding applied first (int, 2 or 4 values).
        pad_if_needed: pad the sides that are smaller than ``size``.
        fill: the padding value, or a dict from input type to value.
        padding_mode: ``"constant"``, ``"edge"``, ``"reflect"`` or ``"symmetric"``.

    Example::

        >>> RandomCrop(4, padding=2)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 4, 4])
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        super().__init__()
        self.size = _setup_size(size, error_msg=_SIZE_MSG)
        if pad_if_needed or padding is not None:
            if padding is not None:
                _check_padding_arg(padding)
            _check_padding_mode_arg(padding_mode)
        # stored as [left, right, top, bottom], as torchvision shows it
        self.padding = _lrtb(F._geometry._parse_pad_padding(padding)) if padding is not None else None
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        self.padding_mode = padding_mode

    def make_params(self, flat_inputs):
        height, width = query_size(flat_inputs)
        crop_h, crop_w = self.size
        if self.padding is not None:
            pad_left, pad_right, pad_top, pad_bottom = self.padding
            height += pad_top + pad_bottom
            width += pad_left + pad_right
        else:
            pad_left = pad_top = pad_right = pad_bottom = 0
        if self.pad_if_needed:
            if height < crop_h:
                diff = crop_h - height
                pad_top += diff
                pad_bottom += diff
                height += 2 * diff
            if width < crop_w:
                diff = crop_w - width
                pad_left += diff
                pad_right += diff
                width += 2 * diff
        if height < crop_h or width < crop_w:
            raise ValueError(f"Required crop size {(crop_h, crop_w)} is larger than input image size "
                             f"{(height, width)}.")
        padding = [pad_left, pad_top, pad_right, pad_bottom]
        # (a coordinate is only drawn along a side that is longer than the crop)
        top = int(randint(0, height - crop_h + 1, size=())) if height > crop_h else 0
        left = int(randint(0, width - crop_w + 1, size=())) if width > crop_w else 0
        return dict(needs_crop=height > crop_h or width > crop_w, top=top, left=left, height=crop_h, width=crop_w,
                    needs_pad=any(padding), padding=padding)

    def transform(self, inpt, params):
        if params["needs_pad"]:
            inpt = self._call_kernel(F.pad, inpt, padding=params["padding"],
                                     fill=_get_fill(self._fill, type(inpt)), padding_mode=self.padding_mode)
        if params["needs_crop"]:
            inpt = self._call_kernel(F.crop, inpt, top=params["top"], left=params["left"], height=params["height"],
                                     width=params["width"])
        return inpt


class RandomResizedCrop(Transform):
    """Crop a random box (random area fraction and log-uniform aspect ratio) and resize it to ``size``.

    Args:
        size: output (h, w), or an int for a square.
        scale: (min, max) area of the box as a fraction of the image's.
        ratio: (min, max) aspect ratio (width / height) of the box.
        interpolation: an :class:`InterpolationMode`.
        antialias: antialias tensor downsampling.

    Example::

        >>> RandomResizedCrop(4)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 4, 4])
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation="bilinear",
                 antialias=True):
        super().__init__()
        self.size = _setup_size(size, error_msg=_SIZE_MSG)
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence of two numbers.")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence of two numbers.")
        if (scale[0] > scale[1]) or (ratio[0] > ratio[1]):
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self.antialias = antialias
        self._log_ratio = log(tensor(self.ratio))

    def make_params(self, flat_inputs):
        height, width = query_size(flat_inputs)
        area = height * width
        log_ratio = self._log_ratio
        for _ in range(10):
            target_area = area * empty(1).uniform_(self.scale[0], self.scale[1]).item()
            aspect_ratio = exp(empty(1).uniform_(float(log_ratio[0]), float(log_ratio[1]))).item()
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                i = int(randint(0, height - h + 1, size=(1,)))
                j = int(randint(0, width - w + 1, size=(1,)))
                break
        else:  # fall back to the largest central box within the ratio range
            in_ratio = float(width) / float(height)
            if in_ratio < min(self.ratio):
                w = width
                h = int(round(w / min(self.ratio)))
            elif in_ratio > max(self.ratio):
                h = height
                w = int(round(h * max(self.ratio)))
            else:
                w, h = width, height
            i, j = (height - h) // 2, (width - w) // 2
        return dict(top=i, left=j, height=h, width=w)

    def transform(self, inpt, params):
        return self._call_kernel(F.resized_crop, inpt, **params, size=self.size, interpolation=self.interpolation,
                                 antialias=self.antialias)


class Pad(Transform):
    """Pad the sides of the sample.

    Args:
        padding: int (all sides), (left/right, top/bottom) or (left, top, right, bottom).
        fill: the padding value (per channel with a sequence), or a dict from input type to value.
        padding_mode: ``"constant"``, ``"edge"``, ``"reflect"`` or ``"symmetric"`` (boxes: constant only).

    Example::

        >>> Pad([1, 2])(ember.rand(3, 4, 4)).shape
        ember.Size([3, 8, 6])
    """

    def __init__(self, padding, fill=0, padding_mode="constant"):
        super().__init__()
        _check_padding_arg(padding)
        _check_padding_mode_arg(padding_mode)
        if isinstance(padding, Sequence):  # (tuples are kept as lists, as torchvision does)
            padding = list(padding)
        self.padding = padding
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        self.padding_mode = padding_mode

    def transform(self, inpt, params):
        return self._call_kernel(F.pad, inpt, padding=self.padding, fill=_get_fill(self._fill, type(inpt)),
                                 padding_mode=self.padding_mode)


class FiveCrop(Transform):
    """The four corner crops and the centre crop of ``size`` (a tuple of five per image; no boxes or masks).

    Example::

        >>> len(FiveCrop(4)(ember.rand(3, 8, 8)))
        5
    """

    def __init__(self, size):
        super().__init__()
        self.size = _setup_size(size, error_msg=_SIZE_MSG)

    def check_inputs(self, flat_inputs):
        if has_any(flat_inputs, tv_tensors.BoundingBoxes, tv_tensors.Mask):
            raise TypeError(f"BoundingBoxes'es and Mask's are not supported by {type(self).__name__}()")

    def transform(self, inpt, params):
        return self._call_kernel(F.five_crop, inpt, self.size)


class TenCrop(Transform):
    """:class:`FiveCrop` of the image and of its mirror image (left-right, or top-bottom with ``vertical_flip``).

    Example::

        >>> len(TenCrop(4)(ember.rand(3, 8, 8)))
        10
    """

    def __init__(self, size, vertical_flip=False):
        super().__init__()
        self.size = _setup_size(size, error_msg=_SIZE_MSG)
        self.vertical_flip = vertical_flip

    def check_inputs(self, flat_inputs):
        if has_any(flat_inputs, tv_tensors.BoundingBoxes, tv_tensors.Mask):
            raise TypeError(f"BoundingBoxes'es and Mask's are not supported by {type(self).__name__}()")

    def transform(self, inpt, params):
        return self._call_kernel(F.ten_crop, inpt, self.size, vertical_flip=self.vertical_flip)


