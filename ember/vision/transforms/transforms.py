"""Transform classes (mirrors ``torchvision.transforms``); random ones draw from ember's default generator."""

import numbers
from collections.abc import Sequence

import numpy as np

from ember import _random
from ember._tensor import Tensor
from ember.vision.transforms import functional as F
from ember.vision.transforms.functional import InterpolationMode

__all__ = [
    "Compose", "ToTensor", "PILToTensor", "ToPILImage", "Normalize", "Pad", "Resize", "CenterCrop", "RandomCrop",
    "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "RandomAffine", "Lambda", "InterpolationMode",
]


def _rng():
    return _random.rng()


class Compose:
    """Apply transforms one after another.

    Example::

        >>> t = Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])
    """

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def _batch(self, x, stage):
        for t in self.transforms:
            res = _batch_apply(t, x, stage)
            if res is None:
                return None
            x, stage = res
        return x, stage

    def __repr__(self):
        s = self.__class__.__name__ + "("
        for t in self.transforms:
            s += f"\n    {t}"
        return s + "\n)"


def _batch_apply(t, x, stage):
    """Apply ``t`` to a whole batch, or None when it cannot be done exactly like per sample.

    ``stage`` "image": ``x`` is a uint8 [N, H, W(, C)] array of PIL-like images; "tensor": a [N, C, H, W] array.
    Only exact classes are trusted (a subclass may change ``__call__``).
    """
    if type(t) not in _BATCHABLE:
        return None
    return t._batch(x, stage)


class ToTensor:
    """PIL image or ``[H, W(, C)]`` array -> ``[C, H, W]`` tensor; uint8 becomes float32 in [0, 1].

    Example::

        >>> ToTensor()(np.zeros((28, 28), dtype=np.uint8)).shape
        ember.Size([1, 28, 28])
    """

    def __call__(self, pic):
        return F.to_tensor(pic)

    def _batch(self, x, stage):
        if stage != "image" or x.dtype != np.uint8:
            return None
        chw = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)
        return F._uint8_to_float(np.ascontiguousarray(chw)), "tensor"

    def __repr__(self):
        return f"{self.__class__.__name__}()"


class PILToTensor:
    """PIL image -> ``[C, H, W]`` tensor of the same dtype (no scaling).

    Example::

        >>> PILToTensor()(img).dtype
        ember.uint8
    """

    def __call__(self, pic):
        return F.pil_to_tensor(pic)

    def _batch(self, x, stage):
        if stage != "image" or F._pil_image() is None:  # without pillow items are arrays, which it rejects
            return None
        return np.ascontiguousarray(x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)), "tensor"

    def __repr__(self):
        return f"{self.__class__.__name__}()"


class ToPILImage:
    """``[C, H, W]`` tensor or ``[H, W(, C)]`` array -> PIL image.

    Example::

        >>> ToPILImage()(ember.rand(3, 8, 8)).mode
        'RGB'
    """

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self):
        return f"{self.__class__.__name__}(" + (f"mode={self.mode}" if self.mode is not None else "") + ")"


class Normalize:
    """``(x - mean) / std`` per channel of a float tensor image.

    Args:
        mean: per-channel means.
        std: per-channel standard deviations.
        inplace: modify the input tensor.

    Example::

        >>> Normalize((0.1307,), (0.3081,))(ember.rand(1, 28, 28)).shape
        ember.Size([1, 28, 28])
    """

    def __init__(self, mean, std, inplace=False):
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def _batch(self, x, stage):
        if stage != "tensor" or x.dtype.kind not in "fV":
            return None
        from ember._dtype import from_np
        return F._normalize_array(x, self.mean, self.std, from_np(x.dtype)), "tensor"

    def __repr__(self):
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


class Pad:
    """Pad an image on all sides.

    Args:
        padding: int, (left/right, top/bottom) or (left, top, right, bottom).
        fill: constant fill value (or per-channel tuple).
        padding_mode: ``"constant"``, ``"edge"``, ``"reflect"`` or ``"symmetric"``.

    Example::

        >>> Pad(2)(ember.zeros(1, 28, 28)).shape
        ember.Size([1, 32, 32])
    """

    def __init__(self, padding, fill=0, padding_mode="constant"):
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        if isinstance(padding, Sequence) and len(padding) not in [1, 2, 4]:
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} "
                             "element tuple")
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def _batch(self, x, stage):
        if stage == "image":
            if x.ndim != 3 or isinstance(self.fill, (tuple, list)):  # single-channel images only
                return None
            return F._pad_array(x, F._parse_padding(self.padding), self.fill, self.padding_mode), "image"
        return F._pad_array(x, F._parse_padding(self.padding), self.fill, self.padding_mode), "tensor"

    def __repr__(self):
        return f"{self.__class__.__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class Resize:
    """Resize to ``size`` (h, w), or an int for the smaller edge.

    Args:
        size: (h, w) or int.
        interpolation: :class:`InterpolationMode` (default bilinear).
        max_size: cap on the longer edge when ``size`` is an int.
        antialias: antialias when downsampling tensors (PIL always does).

    Example::

        >>> Resize((32, 32))(ember.rand(1, 28, 28)).shape
        ember.Size([1, 32, 32])
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.max_size = max_size
        self.interpolation = F._interp(interpolation)
        self.antialias = antialias

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def _batch(self, x, stage):
        if stage == "image":
            # Single-channel 8-bit images: PIL's fixed-point algorithm reproduced on the whole batch.
            if x.ndim != 3 or x.dtype != np.uint8 or self.interpolation not in F._PIL_FILTERS:
                return None
            h, w = x.shape[-2:]
            out_h, out_w = F._resized_size(h, w, self.size, self.max_size)
            if (out_h, out_w) == (h, w):
                return x, "image"
            if not F._pil_resize_is_exact(h, w, out_h, out_w):
                return None
            return F._pil_resize_uint8(x, out_h, out_w, self.interpolation), "image"
        h, w = x.shape[-2:]
        out_h, out_w = F._resized_size(h, w, self.size, self.max_size)
        if (out_h, out_w) == (h, w):
            return x, "tensor"
        return F._resize_array(x, out_h, out_w, self.interpolation, self.antialias), "tensor"

    def __repr__(self):
        return (f"{self.__class__.__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop:
    """Crop the centre (zero-padded when the image is smaller).

    Example::

        >>> CenterCrop(24)(ember.zeros(1, 28, 28)).shape
        ember.Size([1, 24, 24])
    """

    def __init__(self, size):
        self.size = F._setup_size(size)

    def __call__(self, img):
        return F.center_crop(img, self.size)

    def _batch(self, x, stage):
        h, w = (x.shape[1:3] if stage == "image" else x.shape[-2:])
        th, tw = self.size
        if th > h or tw > w:
            return None
        top, left = F._center_crop_box(h, w, th, tw)
        if stage == "image":
            return np.ascontiguousarray(x[:, top:top + th, left:left + tw]), stage
        return np.ascontiguousarray(x[..., top:top + th, left:left + tw]), stage

    def __repr__(self):
        return f"{self.__class__.__name__}(size={self.size})"


class RandomCrop:
    """Crop at a random position (optionally padding first).

    Args:
        size: (h, w) or int.
        padding: padding applied before cropping.
        pad_if_needed: pad images smaller than ``size``.
        fill, padding_mode: as for :class:`Pad`.

    Example::

        >>> RandomCrop(28, padding=4)(ember.zeros(1, 28, 28)).shape
        ember.Size([1, 28, 28])
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = tuple(F._setup_size(size))
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img, output_size):
        """(top, left, height, width) of a random crop."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        g = _rng()
        i = int(g.integers(0, h - th + 1))
        j = int(g.integers(0, w - tw + 1))
        return i, j, th, tw

    def __call__(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size)
        return F.crop(img, i, j, h, w)

    def __repr__(self):
        return f"{self.__class__.__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror left-right with probability ``p``.

    Example::

        >>> RandomHorizontalFlip(p=1.0)(ember.arange(4.0).reshape(1, 1, 4))
        tensor([[[3., 2., 1., 0.]]])
    """

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        if _rng().random() < self.p:
            return F.hflip(img)
        return img

    def __repr__(self):
        return f"{self.__class__.__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability ``p``."""

    def __call__(self, img):
        if _rng().random() < self.p:
            return F.vflip(img)
        return img


def _setup_angle(x, name, req_sizes=(2,)):
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        x = [-x, x]
    elif not isinstance(x, Sequence) or len(x) not in req_sizes:
        msg = req_sizes[0] if len(req_sizes) < 2 else " or ".join(str(s) for s in req_sizes)
        raise ValueError(f"If {name} is a sequence, it must be of len {msg}.")
    return [float(d) for d in x]


class RandomRotation:
    """Rotate by a random angle in ``degrees`` (counter-clockwise).

    Args:
        degrees: range (min, max), or a number d for (-d, d).
        interpolation: :class:`InterpolationMode` (default nearest).
        expand: grow the output to hold the whole rotated image.
        center: rotation centre (x, y); default the image centre.
        fill: value for pixels outside the input.

    Example::

        >>> RandomRotation(10)(ember.rand(1, 28, 28)).shape
        ember.Size([1, 28, 28])
    """

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        self.degrees = _setup_angle(degrees, "degrees")
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError("If center is a sequence, it must be of len 2.")
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.interpolation = F._interp(interpolation)
        self.expand = expand
        self.center = center
        self.fill = fill

    @staticmethod
    def get_params(degrees):
        """A random angle in [degrees[0], degrees[1]]."""
        return float(_rng().uniform(float(degrees[0]), float(degrees[1])))

    def __call__(self, img):
        fill = self.fill
        if isinstance(img, Tensor):
            c = F.get_dimensions(img)[0]
            fill = [float(fill)] * c if isinstance(fill, numbers.Number) else [float(f) for f in fill]
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)

    def __repr__(self):
        return (f"{self.__class__.__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, "
                f"expand={self.expand}" + (f", center={self.center}" if self.center is not None else "")
                + (f", fill={self.fill}" if self.fill is not None else "") + ")")


class RandomAffine:
    """Random rotation, translation, scale and shear.

    Args:
        degrees: rotation range (min, max) or d for (-d, d).
        translate: (a, b): horizontal shift in [-a*w, a*w], vertical in [-b*h, b*h].
        scale: (min, max) scale factor.
        shear: x-shear range (number, 2 values) or x and y ranges (4 values), in degrees.
        interpolation: :class:`InterpolationMode` (default nearest).
        fill: value for pixels outside the input.
        center: centre (x, y); default the image centre.

    Example::

        >>> RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1))(ember.rand(1, 28, 28)).shape
        ember.Size([1, 28, 28])
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST,
                 fill=0, center=None):
        self.degrees = _setup_angle(degrees, "degrees")
        if translate is not None:
            if not isinstance(translate, Sequence) or len(translate) != 2:
                raise ValueError("translate should be a sequence of length 2.")
            for t in translate:
                if not 0.0 <= t <= 1.0:
                    raise ValueError("translation values should be between 0 and 1")
        self.translate = translate
        if scale is not None:
            if not isinstance(scale, Sequence) or len(scale) != 2:
                raise ValueError("scale should be a sequence of length 2.")
            for s in scale:
                if s <= 0:
                    raise ValueError("scale values should be positive")
        self.scale = scale
        self.shear = _setup_angle(shear, "shear", req_sizes=(2, 4)) if shear is not None else shear
        self.interpolation = F._interp(interpolation)
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.fill = fill
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError("If center is a sequence, it must be of len 2.")
        self.center = center

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size):
        """(angle, (tx, ty), scale, (shear_x, shear_y)) drawn at random; ``img_size`` is [width, height]."""
        g = _rng()
        angle = float(g.uniform(float(degrees[0]), float(degrees[1])))
        if translate is not None:
            max_dx = float(translate[0] * img_size[0])
            max_dy = float(translate[1] * img_size[1])
            tx = int(round(g.uniform(-max_dx, max_dx)))
            ty = int(round(g.uniform(-max_dy, max_dy)))
            translations = (tx, ty)
        else:
            translations = (0, 0)
        scale = float(g.uniform(scale_ranges[0], scale_ranges[1])) if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = float(g.uniform(shears[0], shears[1]))
            if len(shears) == 4:
                shear_y = float(g.uniform(shears[2], shears[3]))
        return angle, translations, scale, (shear_x, shear_y)

    def __call__(self, img):
        fill = self.fill
        if isinstance(img, Tensor):
            c = F.get_dimensions(img)[0]
            fill = [float(fill)] * c if isinstance(fill, numbers.Number) else [float(f) for f in fill]
        ret = self.get_params(self.degrees, self.translate, self.scale, self.shear, F.get_image_size(img))
        return F.affine(img, *ret, interpolation=self.interpolation, fill=fill, center=self.center)

    def __repr__(self):
        s = f"{self.__class__.__name__}(degrees={self.degrees}"
        for name in ("translate", "scale", "shear"):
            if getattr(self, name) is not None:
                s += f", {name}={getattr(self, name)}"
        if self.interpolation != InterpolationMode.NEAREST:
            s += f", interpolation={self.interpolation.value}"
        if self.fill != 0:
            s += f", fill={self.fill}"
        if self.center is not None:
            s += f", center={self.center}"
        return s + ")"


class Lambda:
    """Wrap a function as a transform.

    Example::

        >>> Lambda(lambda x: x * 2)(ember.ones(1))
        tensor([2.])
    """

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{self.__class__.__name__}()"


_BATCHABLE = {Compose, ToTensor, PILToTensor, Normalize, Pad, Resize, CenterCrop}
