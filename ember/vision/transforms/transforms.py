"""Transform classes (mirrors ``torchvision.transforms``); random ones draw from ember's default generator."""

import math
import numbers
import random
import warnings
from collections.abc import Sequence

import numpy as np

import ember
from ember._tensor import Tensor, wrap
from ember.nn.modules.module import Module
from ember.vision.transforms import functional as F
from ember.vision.transforms.functional import InterpolationMode

__all__ = [
    "Compose", "ToTensor", "PILToTensor", "ConvertImageDtype", "ToPILImage", "Normalize", "Resize", "CenterCrop",
    "Pad", "Lambda", "RandomApply", "RandomChoice", "RandomOrder", "RandomCrop", "RandomHorizontalFlip",
    "RandomVerticalFlip", "RandomResizedCrop", "FiveCrop", "TenCrop", "LinearTransformation", "ColorJitter",
    "RandomRotation", "RandomAffine", "Grayscale", "RandomGrayscale", "RandomPerspective", "RandomErasing",
    "GaussianBlur", "InterpolationMode", "RandomInvert", "RandomPosterize", "RandomSolarize", "RandomAdjustSharpness",
    "RandomAutocontrast", "RandomEqualize", "ElasticTransform",
]

# Random parameters are drawn from ember's default generator with the same calls, in the same order and shapes,
# as torchvision draws them from torch's (RandomChoice and RandomOrder use Python's ``random``, as torchvision does).


def _coin(p):
    """``rand(1) < p`` (the comparison in float32, as a tensor comparison does)."""
    return bool(ember.rand(1) < p)


def _uniform(low, high):
    """One float drawn as ``empty(1).uniform_(low, high)``."""
    return ember.empty(1).uniform_(low, high).item()


def _randint(low, high):
    return int(ember.randint(low, high, size=(1,)).item())


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
    if type(t) not in _BATCHABLE or (isinstance(t, Module) and (t._forward_pre_hooks or t._forward_hooks)):
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


class Normalize(Module):
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
        super().__init__()
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def forward(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def _batch(self, x, stage):
        if stage != "tensor" or x.dtype.kind not in "fV":
            return None
        from ember._dtype import from_np
        return F._normalize_array(x, self.mean, self.std, from_np(x.dtype)), "tensor"

    def __repr__(self):
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


class Pad(Module):
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
        super().__init__()
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

    def forward(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def _batch(self, x, stage):
        if stage == "image":
            if x.ndim != 3 or isinstance(self.fill, (tuple, list)):  # single-channel images only
                return None
            return F._pad_array(x, F._parse_padding(self.padding), self.fill, self.padding_mode), "image"
        return F._pad_array(x, F._parse_padding(self.padding), self.fill, self.padding_mode, True), "tensor"

    def __repr__(self):
        return f"{self.__class__.__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class Resize(Module):
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
        super().__init__()
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.max_size = max_size
        self.interpolation = F._interp(interpolation)
        self.antialias = antialias

    def forward(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def _batch(self, x, stage):
        if stage == "image":
            # Single-channel 8-bit images: PIL's fixed-point algorithm reproduced on the whole batch.
            if x.ndim != 3 or x.dtype != np.uint8 or self.interpolation not in F._PIL_FILTERS:
                return None
            h, w = x.shape[-2:]
            out_h, out_w = F._resized_size(h, w, self._size_list(), self.max_size)
            if (out_h, out_w) == (h, w):
                return x, "image"
            if not F._pil_resize_is_exact(h, w, out_h, out_w):
                return None
            return F._pil_resize_uint8(x, out_h, out_w, self.interpolation), "image"
        h, w = x.shape[-2:]
        out_h, out_w = F._resized_size(h, w, self._size_list(), self.max_size)
        if (out_h, out_w) == (h, w):
            return x, "tensor"
        return F._resize_tensor(wrap(x), out_h, out_w, self.interpolation, self.antialias)._data, "tensor"

    def _size_list(self):
        return [self.size] if isinstance(self.size, int) else self.size

    def __repr__(self):
        return (f"{self.__class__.__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop(Module):
    """Crop the centre (zero-padded when the image is smaller).

    Example::

        >>> CenterCrop(24)(ember.zeros(1, 28, 28)).shape
        ember.Size([1, 24, 24])
    """

    def __init__(self, size):
        super().__init__()
        self.size = F._setup_size(size)

    def forward(self, img):
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


class RandomCrop(Module):
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
        super().__init__()
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
        i = _randint(0, h - th + 1)
        j = _randint(0, w - tw + 1)
        return i, j, th, tw

    def forward(self, img):
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


class RandomHorizontalFlip(Module):
    """Mirror left-right with probability ``p``.

    Example::

        >>> RandomHorizontalFlip(p=1.0)(ember.arange(4.0).reshape(1, 1, 4))
        tensor([[[3., 2., 1., 0.]]])
    """

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, img):
        if _coin(self.p):
            return F.hflip(img)
        return img

    def __repr__(self):
        return f"{self.__class__.__name__}(p={self.p})"


class RandomVerticalFlip(Module):
    """Mirror top-bottom with probability ``p``.

    Example::

        >>> RandomVerticalFlip(p=1.0)(ember.arange(2.0).reshape(1, 2, 1)).flatten()
        tensor([1., 0.])
    """

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, img):
        if _coin(self.p):
            return F.vflip(img)
        return img

    def __repr__(self):
        return f"{self.__class__.__name__}(p={self.p})"


def _check_sequence_input(x, name, req_sizes):
    msg = req_sizes[0] if len(req_sizes) < 2 else " or ".join(str(s) for s in req_sizes)
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} should be a sequence of length {msg}.")
    if len(x) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {msg}.")


def _setup_angle(x, name, req_sizes=(2,)):
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        x = [-x, x]
    else:
        _check_sequence_input(x, name, req_sizes)
    return [float(d) for d in x]


def _fill_for(img, fill):
    """The per-channel float list that tensor images take as ``fill``; PIL images take ``fill`` as it is."""
    if not isinstance(img, Tensor) or fill is None:
        return fill
    if isinstance(fill, (int, float)):
        return [float(fill)] * F.get_dimensions(img)[0]
    return [float(f) for f in fill]


class RandomRotation(Module):
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
        super().__init__()
        self.degrees = _setup_angle(degrees, "degrees")
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
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
        return float(_uniform(float(degrees[0]), float(degrees[1])))

    def forward(self, img):
        fill = _fill_for(img, self.fill)
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)

    def __repr__(self):
        return (f"{self.__class__.__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, "
                f"expand={self.expand}" + (f", center={self.center}" if self.center is not None else "")
                + (f", fill={self.fill}" if self.fill is not None else "") + ")")


def _affine_ranges(degrees, translate, scale, shear):
    """RandomAffine's (v1 and v2) checked ranges: degrees and shear as [min, max(, ymin, ymax)] floats."""
    degrees = _setup_angle(degrees, "degrees")
    if translate is not None:
        _check_sequence_input(translate, "translate", req_sizes=(2,))
        for t in translate:
            if not 0.0 <= t <= 1.0:
                raise ValueError("translation values should be between 0 and 1")
    if scale is not None:
        _check_sequence_input(scale, "scale", req_sizes=(2,))
        for s in scale:
            if s <= 0:
                raise ValueError("scale values should be positive")
    shear = _setup_angle(shear, "shear", req_sizes=(2, 4)) if shear is not None else shear
    return degrees, translate, scale, shear


class RandomAffine(Module):
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
        super().__init__()
        self.degrees, self.translate, self.scale, self.shear = _affine_ranges(degrees, translate, scale, shear)
        self.interpolation = F._interp(interpolation)
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.fill = fill
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.center = center

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size):
        """(angle, (tx, ty), scale, (shear_x, shear_y)) drawn at random; ``img_size`` is [width, height]."""
        angle = float(_uniform(float(degrees[0]), float(degrees[1])))
        if translate is not None:
            max_dx = float(translate[0] * img_size[0])
            max_dy = float(translate[1] * img_size[1])
            tx = int(round(_uniform(-max_dx, max_dx)))
            ty = int(round(_uniform(-max_dy, max_dy)))
            translations = (tx, ty)
        else:
            translations = (0, 0)
        scale = float(_uniform(scale_ranges[0], scale_ranges[1])) if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = float(_uniform(shears[0], shears[1]))
            if len(shears) == 4:
                shear_y = float(_uniform(shears[2], shears[3]))
        return angle, translations, scale, (shear_x, shear_y)

    def forward(self, img):
        fill = _fill_for(img, self.fill)
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


class ConvertImageDtype(Module):
    """Convert a tensor image to ``dtype``, rescaling its values (see :func:`functional.convert_image_dtype`).

    Args:
        dtype: the target ember dtype.

    Example::

        >>> ConvertImageDtype(ember.float32)(ember.full((1, 2, 2), 255, dtype=ember.uint8)).max()
        tensor(1.)
    """

    def __init__(self, dtype):
        super().__init__()
        self.dtype = dtype

    def forward(self, image):
        return F.convert_image_dtype(image, self.dtype)

    def __repr__(self):
        return f"{self.__class__.__name__}()"


class RandomTransforms:
    """Base class of transforms that apply a list of transforms in a random way.

    Args:
        transforms: a sequence of transforms.
    """

    def __init__(self, transforms):
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence")
        self.transforms = transforms

    def __call__(self, *args, **kwargs):
        raise NotImplementedError()

    def __repr__(self):
        return Compose.__repr__(self)


class RandomApply(Module):
    """Apply all of ``transforms`` (in order) with probability ``p``, or none of them.

    Args:
        transforms: a sequence of transforms.
        p: the probability.

    Example::

        >>> t = RandomApply([ColorJitter(0.4, 0.4)], p=0.8)
    """

    def __init__(self, transforms, p=0.5):
        super().__init__()
        self.transforms = transforms
        self.p = p

    def forward(self, img):
        if bool(self.p < ember.rand(1)):
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        s = f"{self.__class__.__name__}(\n    p={self.p}"
        for t in self.transforms:
            s += f"\n    {t}"
        return s + "\n)"


class RandomOrder(RandomTransforms):
    """Apply ``transforms`` in a random order (shuffled with Python's ``random``).

    Args:
        transforms: a sequence of transforms.

    Example::

        >>> t = RandomOrder([RandomHorizontalFlip(), RandomVerticalFlip()])
    """

    def __call__(self, img):
        order = list(range(len(self.transforms)))
        random.shuffle(order)
        for i in order:
            img = self.transforms[i](img)
        return img


class RandomChoice(RandomTransforms):
    """Apply one of ``transforms``, picked with Python's ``random`` (weights ``p``, default equal).

    Args:
        transforms: a sequence of transforms.
        p: relative weights of the transforms (default: equal).

    Example::

        >>> t = RandomChoice([RandomHorizontalFlip(1.0), RandomVerticalFlip(1.0)], p=[0.7, 0.3])
    """

    def __init__(self, transforms, p=None):
        super().__init__(transforms)
        if p is not None and not isinstance(p, Sequence):
            raise TypeError("Argument p should be a sequence")
        self.p = p

    def __call__(self, *args):
        t = random.choices(self.transforms, weights=self.p)[0]
        return t(*args)

    def __repr__(self):
        return f"{super().__repr__()}(p={self.p})"


def _check_scale_ratio(scale, ratio):
    """The (min, max) ``scale`` and ``ratio`` checks of RandomResizedCrop and RandomErasing."""
    if not isinstance(scale, Sequence):
        raise TypeError("Scale should be a sequence")
    if not isinstance(ratio, Sequence):
        raise TypeError("Ratio should be a sequence")
    if (scale[0] > scale[1]) or (ratio[0] > ratio[1]):
        warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=3)


class RandomResizedCrop(Module):
    """Crop a random box (random area fraction and aspect ratio) and resize it to ``size``.

    Args:
        size: output (h, w), or an int for a square.
        scale: (min, max) area of the box as a fraction of the image's.
        ratio: (min, max) aspect ratio (width / height) of the box, drawn log-uniformly.
        interpolation: :class:`InterpolationMode` (default bilinear).
        antialias: antialias tensors when downsampling (PIL always does).

    Example::

        >>> RandomResizedCrop(24)(ember.rand(3, 32, 32)).shape
        ember.Size([3, 24, 24])
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
        super().__init__()
        self.size = F._setup_size(size, "Please provide only two dimensions (h, w) for size.")
        _check_scale_ratio(scale, ratio)
        self.interpolation = F._interp(interpolation)
        self.antialias = antialias
        self.scale = scale
        self.ratio = ratio

    @staticmethod
    def get_params(img, scale, ratio):
        """(top, left, height, width) of a random box: up to 10 tries, then the largest central box whose aspect
        ratio is within ``ratio``."""
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = ember.log(ember.tensor(ratio))
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            aspect_ratio = ember.exp(ember.empty(1).uniform_(float(log_ratio[0]), float(log_ratio[1]))).item()
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                i = _randint(0, height - h + 1)
                j = _randint(0, width - w + 1)
                return i, j, h, w
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w = width
            h = int(round(w / min(ratio)))
        elif in_ratio > max(ratio):
            h = height
            w = int(round(h * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def forward(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, antialias=self.antialias)

    def __repr__(self):
        return (f"{self.__class__.__name__}(size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, interpolation={self.interpolation.value}, "
                f"antialias={self.antialias})")


class FiveCrop(Module):
    """The four corner crops and the centre crop of ``size`` (a tuple of 5 images).

    Args:
        size: (h, w) of the crops, or an int for squares.

    Example::

        >>> len(FiveCrop(24)(ember.rand(3, 32, 32)))
        5
    """

    def __init__(self, size):
        super().__init__()
        self.size = F._setup_size(size, "Please provide only two dimensions (h, w) for size.")

    def forward(self, img):
        return F.five_crop(img, self.size)

    def __repr__(self):
        return f"{self.__class__.__name__}(size={self.size})"


class TenCrop(Module):
    """:class:`FiveCrop` of the image and of its mirror image (left-right, or top-bottom with ``vertical_flip``).

    Args:
        size: (h, w) of the crops, or an int for squares.
        vertical_flip: mirror top-bottom instead of left-right.

    Example::

        >>> len(TenCrop(24)(ember.rand(3, 32, 32)))
        10
    """

    def __init__(self, size, vertical_flip=False):
        super().__init__()
        self.size = F._setup_size(size, "Please provide only two dimensions (h, w) for size.")
        self.vertical_flip = vertical_flip

    def forward(self, img):
        return F.ten_crop(img, self.size, self.vertical_flip)

    def __repr__(self):
        return f"{self.__class__.__name__}(size={self.size}, vertical_flip={self.vertical_flip})"


class LinearTransformation(Module):
    """Flatten each ``[C, H, W]`` image, subtract ``mean_vector`` and multiply by ``transformation_matrix``
    (e.g. ZCA whitening).

    Args:
        transformation_matrix: ``[D, D]`` tensor, ``D = C * H * W``.
        mean_vector: ``[D]`` tensor.

    Example::

        >>> LinearTransformation(ember.eye(4), ember.zeros(4))(ember.rand(1, 2, 2)).shape
        ember.Size([1, 2, 2])
    """

    def __init__(self, transformation_matrix, mean_vector):
        super().__init__()
        size = tuple(transformation_matrix.size())
        if transformation_matrix.size(0) != transformation_matrix.size(1):
            raise ValueError(f"transformation_matrix should be square. Got {size} rectangular matrix.")
        if mean_vector.size(0) != transformation_matrix.size(0):
            raise ValueError(f"mean_vector should have the same length {mean_vector.size(0)} as any one of the "
                             f"dimensions of the transformation_matrix [{size}]")
        if transformation_matrix.device != mean_vector.device:
            raise ValueError(f"Input tensors should be on the same device. Got {transformation_matrix.device} and "
                             f"{mean_vector.device}")
        if transformation_matrix.dtype != mean_vector.dtype:
            raise ValueError(f"Input tensors should have the same dtype. Got {transformation_matrix.dtype} and "
                             f"{mean_vector.dtype}")
        self.transformation_matrix = transformation_matrix
        self.mean_vector = mean_vector

    def forward(self, tensor):
        shape = tensor.shape
        n = shape[-3] * shape[-2] * shape[-1]
        if n != self.transformation_matrix.shape[0]:
            raise ValueError("Input tensor and transformation matrix have incompatible shape."
                             f"[{shape[-3]} x {shape[-2]} x {shape[-1]}] != {self.transformation_matrix.shape[0]}")
        if tensor.device.type != self.mean_vector.device.type:
            raise ValueError("Input tensor should be on the same device as transformation matrix and mean vector. "
                             f"Got {tensor.device} vs {self.mean_vector.device}")
        flat = tensor.reshape(-1, n) - self.mean_vector
        return ember.mm(flat, self.transformation_matrix.to(flat.dtype)).reshape(shape)

    def __repr__(self):
        return (f"{self.__class__.__name__}(transformation_matrix={self.transformation_matrix.tolist()}, "
                f"mean_vector={self.mean_vector.tolist()})")


class ColorJitter(Module):
    """Random brightness, contrast, saturation and hue changes, applied in a random order.

    Args:
        brightness: b for a factor in [max(0, 1 - b), 1 + b], or (min, max).
        contrast: likewise for the contrast factor.
        saturation: likewise for the saturation factor.
        hue: h in [0, 0.5] for a shift in [-h, h], or (min, max) within [-0.5, 0.5].

    Example::

        >>> ColorJitter(0.4, 0.4, 0.4, 0.1)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        super().__init__()
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _check_input(value, name, center=1, bound=(0, float("inf")), clip_first_on_zero=True):
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        if value[0] == value[1] == center:  # no change: skip it
            return None
        return tuple(value)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """(order of the four adjustments as a tensor, brightness, contrast, saturation, hue factors or None)."""
        fn_idx = ember.randperm(4)
        b = None if brightness is None else float(ember.empty(1).uniform_(brightness[0], brightness[1]))
        c = None if contrast is None else float(ember.empty(1).uniform_(contrast[0], contrast[1]))
        s = None if saturation is None else float(ember.empty(1).uniform_(saturation[0], saturation[1]))
        h = None if hue is None else float(ember.empty(1).uniform_(hue[0], hue[1]))
        return fn_idx, b, c, s, h

    def forward(self, img):
        fn_idx, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        steps = {0: (F.adjust_brightness, b), 1: (F.adjust_contrast, c), 2: (F.adjust_saturation, s),
                 3: (F.adjust_hue, h)}
        for fn_id in fn_idx.tolist():
            fn, factor = steps[fn_id]
            if factor is not None:
                img = fn(img, factor)
        return img

    def __repr__(self):
        return (f"{self.__class__.__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class Grayscale(Module):
    """Convert to grayscale with 1 or 3 (equal) channels.

    Args:
        num_output_channels: 1 or 3.

    Example::

        >>> Grayscale(3)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self, num_output_channels=1):
        super().__init__()
        self.num_output_channels = num_output_channels

    def forward(self, img):
        return F.rgb_to_grayscale(img, num_output_channels=self.num_output_channels)

    def __repr__(self):
        return f"{self.__class__.__name__}(num_output_channels={self.num_output_channels})"


class _RandomP(Module):
    """Shared parts of the transforms applied with probability ``p`` (drawn as ``rand(1).item() < p``)."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def _transform(self, img):
        raise NotImplementedError

    def forward(self, img):
        if ember.rand(1).item() < self.p:
            return self._transform(img)
        return img

    def __repr__(self):
        return f"{self.__class__.__name__}(p={self.p})"


class _RandomWithArg(_RandomP):
    """A ``_RandomP`` whose function takes one argument, kept in the attribute named ``_arg``."""

    _arg = ""
    _fn = None

    def _transform(self, img):
        return type(self)._fn(img, getattr(self, self._arg))

    def __repr__(self):
        return f"{self.__class__.__name__}({self._arg}={getattr(self, self._arg)},p={self.p})"


class RandomGrayscale(_RandomP):
    """Convert to grayscale (keeping the number of channels) with probability ``p``.

    Args:
        p: the probability.

    Example::

        >>> RandomGrayscale(p=1.0)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self, p=0.1):
        super().__init__(p)

    def forward(self, img):
        num_output_channels = F.get_dimensions(img)[0]
        if _coin(self.p):
            return F.rgb_to_grayscale(img, num_output_channels=num_output_channels)
        return img


class RandomInvert(_RandomP):
    """Invert the colours with probability ``p``.

    Args:
        p: the probability.

    Example::

        >>> RandomInvert(p=1.0)(ember.zeros(1, 2, 2)).sum()
        tensor(4.)
    """

    def _transform(self, img):
        return F.invert(img)


class RandomPosterize(_RandomWithArg):
    """Keep ``bits`` bits per channel of a uint8 image with probability ``p``.

    Args:
        bits: bits kept per channel (0-8).
        p: the probability.

    Example::

        >>> RandomPosterize(bits=2, p=1.0)(ember.full((1, 2, 2), 255, dtype=ember.uint8)).max()
        tensor(192, dtype=ember.uint8)
    """

    _arg, _fn = "bits", F.posterize

    def __init__(self, bits, p=0.5):
        super().__init__(p)
        self.bits = bits


class RandomSolarize(_RandomWithArg):
    """Invert the pixels at or above ``threshold`` with probability ``p``.

    Args:
        threshold: pixels at or above it are inverted.
        p: the probability.

    Example::

        >>> RandomSolarize(threshold=0.5, p=1.0)(ember.full((1, 2, 2), 0.75)).max()
        tensor(0.2500)
    """

    _arg, _fn = "threshold", F.solarize

    def __init__(self, threshold, p=0.5):
        super().__init__(p)
        self.threshold = threshold


class RandomAdjustSharpness(_RandomWithArg):
    """Adjust the sharpness by ``sharpness_factor`` with probability ``p``.

    Args:
        sharpness_factor: a non-negative factor (0 smooths, 1 keeps, 2 sharpens).
        p: the probability.

    Example::

        >>> RandomAdjustSharpness(2.0, p=1.0)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    _arg, _fn = "sharpness_factor", F.adjust_sharpness

    def __init__(self, sharpness_factor, p=0.5):
        super().__init__(p)
        self.sharpness_factor = sharpness_factor


class RandomAutocontrast(_RandomP):
    """Stretch each channel to the full range with probability ``p``.

    Args:
        p: the probability.

    Example::

        >>> RandomAutocontrast(p=1.0)(ember.tensor([[[0.25, 0.5]]]))
        tensor([[[0., 1.]]])
    """

    def _transform(self, img):
        return F.autocontrast(img)


class RandomEqualize(_RandomP):
    """Equalise the histogram of a uint8 image with probability ``p``.

    Args:
        p: the probability.

    Example::

        >>> RandomEqualize(p=1.0)(ember.randint(0, 256, (3, 8, 8), dtype=ember.uint8)).dtype
        ember.uint8
    """

    def _transform(self, img):
        return F.equalize(img)


class RandomPerspective(Module):
    """Random perspective warp (each corner moved inwards by up to ``distortion_scale`` of half the size) with
    probability ``p``.

    Args:
        distortion_scale: in [0, 1].
        p: the probability.
        interpolation: :class:`InterpolationMode` (default bilinear).
        fill: value(s) for pixels from outside the image.

    Example::

        >>> RandomPerspective(0.5, p=1.0)(ember.rand(3, 16, 16)).shape
        ember.Size([3, 16, 16])
    """

    def __init__(self, distortion_scale=0.5, p=0.5, interpolation=InterpolationMode.BILINEAR, fill=0):
        super().__init__()
        self.p = p
        self.interpolation = F._interp(interpolation)
        self.distortion_scale = distortion_scale
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.fill = fill

    def forward(self, img):
        fill = _fill_for(img, self.fill)
        _, height, width = F.get_dimensions(img)
        if _coin(self.p):
            startpoints, endpoints = self.get_params(width, height, self.distortion_scale)
            return F.perspective(img, startpoints, endpoints, self.interpolation, fill)
        return img

    @staticmethod
    def get_params(width, height, distortion_scale):
        """(start corners, end corners), each [top-left, top-right, bottom-right, bottom-left] (x, y) pairs."""
        dx, dy = int(distortion_scale * (width // 2)), int(distortion_scale * (height // 2))
        topleft = [_randint(0, dx + 1), _randint(0, dy + 1)]
        topright = [_randint(width - dx - 1, width), _randint(0, dy + 1)]
        botright = [_randint(width - dx - 1, width), _randint(height - dy - 1, height)]
        botleft = [_randint(0, dx + 1), _randint(height - dy - 1, height)]
        startpoints = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return startpoints, [topleft, topright, botright, botleft]

    def __repr__(self):
        return f"{self.__class__.__name__}(p={self.p})"


def _erase_box(img_c, img_h, img_w, scale, ratio, value):
    """(top, left, height, width, value tensor) of a random box, or None after 10 failed tries (v1 and v2)."""
    area = img_h * img_w
    log_ratio = ember.log(ember.tensor(ratio))
    for _ in range(10):
        erase_area = area * _uniform(scale[0], scale[1])
        aspect_ratio = ember.exp(ember.empty(1).uniform_(float(log_ratio[0]), float(log_ratio[1]))).item()
        h = int(round(math.sqrt(erase_area * aspect_ratio)))
        w = int(round(math.sqrt(erase_area / aspect_ratio)))
        if not (h < img_h and w < img_w):
            continue
        if value is None:
            v = ember.empty([img_c, h, w], dtype=ember.float32).normal_()
        else:
            v = ember.tensor(value)[:, None, None]
        i = _randint(0, img_h - h + 1)
        j = _randint(0, img_w - w + 1)
        return i, j, h, w, v
    return None


class RandomErasing(Module):
    """Erase a random box of a tensor image with probability ``p`` (Zhong et al., "Random Erasing Data
    Augmentation").

    Args:
        p: the probability.
        scale: (min, max) area of the box as a fraction of the image's.
        ratio: (min, max) aspect ratio of the box, drawn log-uniformly.
        value: the fill: a number, one value per channel, or ``"random"`` for standard normal noise.
        inplace: modify the input tensor.

    Example::

        >>> RandomErasing(p=1.0)(ember.rand(3, 32, 32)).shape
        ember.Size([3, 32, 32])
    """

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False):
        super().__init__()
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        _check_scale_ratio(scale, ratio)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p = p
        self.scale = scale
        self.ratio = ratio
        self.value = value
        self.inplace = inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None):
        """(top, left, height, width, value tensor) of a random box; ``value`` None means normal noise. After
        10 failed tries: (0, 0, H, W, img), which leaves the image as it is."""
        img_c, img_h, img_w = img.shape[-3], img.shape[-2], img.shape[-1]
        box = _erase_box(img_c, img_h, img_w, scale, ratio, value)
        return box if box is not None else (0, 0, img_h, img_w, img)

    def forward(self, img):
        if _coin(self.p):
            if isinstance(self.value, (int, float)):
                value = [float(self.value)]
            elif isinstance(self.value, str):
                value = None
            else:
                value = [float(v) for v in self.value]
            if value is not None and len(value) not in (1, img.shape[-3]):
                raise ValueError("If value is a sequence, it should have either a single value or "
                                 f"{img.shape[-3]} (number of input channels)")
            x, y, h, w, v = self.get_params(img, scale=self.scale, ratio=self.ratio, value=value)
            return F.erase(img, x, y, h, w, v, self.inplace)
        return img

    def __repr__(self):
        return (f"{self.__class__.__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value}, "
                f"inplace={self.inplace})")


class GaussianBlur(Module):
    """Gaussian blur with a random sigma in ``sigma`` = (min, max) (or a fixed sigma).

    Args:
        kernel_size: odd positive int or (kx, ky).
        sigma: a fixed positive sigma, or (min, max).

    Example::

        >>> GaussianBlur(5, sigma=(0.1, 2.0))(ember.rand(3, 16, 16)).shape
        ember.Size([3, 16, 16])
    """

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        super().__init__()
        self.kernel_size = F._setup_size(kernel_size, "Kernel size should be a tuple/list of two integers")
        for ks in self.kernel_size:
            if ks <= 0 or ks % 2 == 0:
                raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (sigma, sigma)
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
        else:
            raise ValueError("sigma should be a single number or a list/tuple with length 2.")
        self.sigma = sigma

    @staticmethod
    def get_params(sigma_min, sigma_max):
        """A sigma drawn uniformly from [sigma_min, sigma_max]."""
        return _uniform(sigma_min, sigma_max)

    def forward(self, img):
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, self.kernel_size, [sigma, sigma])

    def __repr__(self):
        return f"{self.__class__.__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})"


def _pair_of_floats(value, name):
    if not isinstance(value, (float, Sequence)):
        raise TypeError(f"{name} should be float or a sequence of floats. Got {type(value)}")
    if isinstance(value, Sequence) and len(value) != 2:
        raise ValueError(f"If {name} is a sequence its length should be 2. Got {len(value)}")
    if isinstance(value, Sequence):
        for element in value:
            if not isinstance(element, float):
                raise TypeError(f"{name} should be a sequence of floats. Got {type(element)}")
    if isinstance(value, float):
        value = [float(value), float(value)]
    return value


class ElasticTransform(Module):
    """Random elastic deformation: uniform random displacements, smoothed by a Gaussian of ``sigma`` and scaled
    by ``alpha``, then resampling.

    Args:
        alpha: displacement magnitude (float, or (x, y) floats).
        sigma: smoothness (float, or (x, y) floats).
        interpolation: :class:`InterpolationMode` (default bilinear).
        fill: value(s) for pixels from outside the image.

    Example::

        >>> ElasticTransform(alpha=50.0)(ember.rand(1, 32, 32)).shape
        ember.Size([1, 32, 32])
    """

    def __init__(self, alpha=50.0, sigma=5.0, interpolation=InterpolationMode.BILINEAR, fill=0):
        super().__init__()
        self.alpha = _pair_of_floats(alpha, "alpha")
        self.sigma = _pair_of_floats(sigma, "sigma")
        self.interpolation = F._interp(interpolation)
        if isinstance(fill, (int, float)):
            fill = [float(fill)]
        elif isinstance(fill, (list, tuple)):
            fill = [float(f) for f in fill]
        else:
            raise TypeError(f"fill should be int or float or a list or tuple of them. Got {type(fill)}")
        self.fill = fill

    @staticmethod
    def get_params(alpha, sigma, size):
        """A random displacement field ``[1, H, W, 2]`` for an image of ``size`` = [H, W]."""
        fields = []
        for axis in (0, 1):
            d = ember.rand([1, 1] + list(size)) * 2 - 1
            if sigma[axis] > 0.0:
                k = int(8 * sigma[axis] + 1)
                k += 1 - k % 2  # odd
                d = F.gaussian_blur(d, [k, k], sigma)
            fields.append(d * alpha[axis] / size[1 - axis])
        return ember.concat(fields, 1).permute([0, 2, 3, 1])

    def forward(self, tensor):
        _, height, width = F.get_dimensions(tensor)
        displacement = self.get_params(self.alpha, self.sigma, [height, width])
        return F.elastic_transform(tensor, displacement, self.interpolation, self.fill)

    def __repr__(self):
        return (f"{self.__class__.__name__}(alpha={self.alpha}, sigma={self.sigma}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


_BATCHABLE = {Compose, ToTensor, PILToTensor, Normalize, Pad, Resize, CenterCrop}
