"""Colour transforms: jitter, grayscale, RGB, invert, posterize, solarize, sharpness, autocontrast, equalize,
photometric distortion and channel permutation (images and videos; masks, boxes and key points pass through)."""

from ember._functions import empty, rand, randperm
from ember.vision.transforms.v2 import functional as F
from ember.vision.transforms.v2._transform import Transform, _RandomApplyTransform
from ember.vision.transforms.v2._utils import query_chw


def _uniform(low, high):
    """One float drawn as ``empty(1).uniform_(low, high)`` (torchvision's draw)."""
    return float(empty(1).uniform_(low, high).item())


class Grayscale(Transform):
    """Convert images and videos to grayscale with 1 or 3 (equal) channels.

    Example::

        >>> Grayscale(3)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self, num_output_channels=1):
        super().__init__()
        self.num_output_channels = num_output_channels

    def transform(self, inpt, params):
        return self._call_kernel(F.rgb_to_grayscale, inpt, num_output_channels=self.num_output_channels)


class RandomGrayscale(_RandomApplyTransform):
    """Convert to grayscale with probability ``p``, keeping the number of channels.

    Example::

        >>> RandomGrayscale(p=1.0)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self, p=0.1):
        super().__init__(p=p)

    def make_params(self, flat_inputs):
        num_input_channels, *_ = query_chw(flat_inputs)
        return dict(num_input_channels=num_input_channels)

    def transform(self, inpt, params):
        return self._call_kernel(F.rgb_to_grayscale, inpt, num_output_channels=params["num_input_channels"])


class RGB(Transform):
    """Convert one-channel images and videos to RGB (images with 3 channels are kept).

    Example::

        >>> RGB()(ember.rand(1, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self):
        super().__init__()

    def transform(self, inpt, params):
        return self._call_kernel(F.grayscale_to_rgb, inpt)


class ColorJitter(Transform):
    """Random brightness, contrast, saturation and hue changes, applied in a random order.

    Args:
        brightness: b for a factor drawn in [max(0, 1 - b), 1 + b], or (min, max).
        contrast: likewise for the contrast factor.
        saturation: likewise for the saturation factor.
        hue: h in [0, 0.5] for a shift drawn in [-h, h], or (min, max) within [-0.5, 0.5].

    Example::

        >>> ColorJitter(0.4, 0.4, 0.4, 0.1)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self, brightness=None, contrast=None, saturation=None, hue=None):
        super().__init__()
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    def _check_input(self, value, name, center=1.0, bound=(0, float("inf")), clip_first_on_zero=True):
        if value is None:
            return None
        if isinstance(value, (int, float)):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - value, center + value]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (list, tuple)) and len(value) == 2:
            value = [float(v) for v in value]
        else:
            raise TypeError(f"{name}={value} should be a single number or a sequence with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound} and increasing, but got {value}.")
        return None if value[0] == value[1] == center else (float(value[0]), float(value[1]))

    @staticmethod
    def _generate_value(left, right):
        return _uniform(left, right)

    def make_params(self, flat_inputs):
        fn_idx = randperm(4)
        b = None if self.brightness is None else self._generate_value(*self.brightness)
        c = None if self.contrast is None else self._generate_value(*self.contrast)
        s = None if self.saturation is None else self._generate_value(*self.saturation)
        h = None if self.hue is None else self._generate_value(*self.hue)
        return dict(fn_idx=fn_idx, brightness_factor=b, contrast_factor=c, saturation_factor=s, hue_factor=h)

    def transform(self, inpt, params):
        steps = ((F.adjust_brightness, "brightness_factor"), (F.adjust_contrast, "contrast_factor"),
                 (F.adjust_saturation, "saturation_factor"), (F.adjust_hue, "hue_factor"))
        output = inpt
        for fn_id in params["fn_idx"].tolist():
            fn, key = steps[fn_id]
            if params[key] is not None:
                output = self._call_kernel(fn, output, **{key: params[key]})
        return output


class RandomChannelPermutation(Transform):
    """Shuffle the channels of images and videos at random.

    Example::

        >>> RandomChannelPermutation()(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def make_params(self, flat_inputs):
        num_channels, *_ = query_chw(flat_inputs)
        return dict(permutation=randperm(num_channels))

    def transform(self, inpt, params):
        return self._call_kernel(F.permute_channels, inpt, params["permutation"])


class RandomPhotometricDistort(Transform):
    """The photometric distortions of SSD: brightness, contrast (before or after the rest), saturation, hue and
    a channel permutation, each applied with probability ``p``.

    Args:
        brightness, contrast, saturation, hue: (min, max) ranges of the factors (hue: of the shift).
        p: the probability of each distortion.

    Example::

        >>> RandomPhotometricDistort(p=1.0)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self, brightness=(0.875, 1.125), contrast=(0.5, 1.5), saturation=(0.5, 1.5), hue=(-0.05, 0.05),
                 p=0.5):
        super().__init__()
        self.brightness = brightness
        self.contrast = contrast
        self.hue = hue
        self.saturation = saturation
        self.p = p

    def make_params(self, flat_inputs):
        num_channels, *_ = query_chw(flat_inputs)
        params = {}
        for key, rng in (("brightness", self.brightness), ("contrast", self.contrast),
                         ("saturation", self.saturation), ("hue", self.hue)):
            params[key] = ColorJitter._generate_value(rng[0], rng[1]) if bool(rand(1) < self.p) else None
        params["contrast_before"] = bool(rand(()) < 0.5)
        params["channel_permutation"] = randperm(num_channels) if bool(rand(1) < self.p) else None
        return params

    def transform(self, inpt, params):
        if params["brightness"] is not None:
            inpt = self._call_kernel(F.adjust_brightness, inpt, brightness_factor=params["brightness"])
        if params["contrast"] is not None and params["contrast_before"]:
            inpt = self._call_kernel(F.adjust_contrast, inpt, contrast_factor=params["contrast"])
        if params["saturation"] is not None:
            inpt = self._call_kernel(F.adjust_saturation, inpt, saturation_factor=params["saturation"])
        if params["hue"] is not None:
            inpt = self._call_kernel(F.adjust_hue, inpt, hue_factor=params["hue"])
        if params["contrast"] is not None and not params["contrast_before"]:
            inpt = self._call_kernel(F.adjust_contrast, inpt, contrast_factor=params["contrast"])
        if params["channel_permutation"] is not None:
            inpt = self._call_kernel(F.permute_channels, inpt, permutation=params["channel_permutation"])
        return inpt


class RandomEqualize(_RandomApplyTransform):
    """Equalise the histogram with probability ``p``.

    Example::

        >>> RandomEqualize(p=1.0)(ember.randint(0, 256, (3, 8, 8), dtype=ember.uint8)).dtype
        ember.uint8
    """

    def transform(self, inpt, params):
        return self._call_kernel(F.equalize, inpt)


class RandomInvert(_RandomApplyTransform):
    """Invert the colours with probability ``p``.

    Example::

        >>> RandomInvert(p=1.0)(ember.zeros(1, 2, 2))[0, 0, 0]
        tensor(1.)
    """

    def transform(self, inpt, params):
        return self._call_kernel(F.invert, inpt)


class RandomPosterize(_RandomApplyTransform):
    """Keep the ``bits`` highest bits of each channel with probability ``p``.

    Example::

        >>> RandomPosterize(2, p=1.0)(ember.full((1, 1, 1), 255, dtype=ember.uint8)).item()
        192
    """

    def __init__(self, bits, p=0.5):
        super().__init__(p=p)
        self.bits = bits

    def transform(self, inpt, params):
        return self._call_kernel(F.posterize, inpt, bits=self.bits)


class RandomSolarize(_RandomApplyTransform):
    """Invert the values at or above ``threshold`` with probability ``p``.

    Example::

        >>> RandomSolarize(0.5, p=1.0)(ember.full((1, 1, 1), 0.75)).item()
        0.25
    """

    def __init__(self, threshold, p=0.5):
        super().__init__(p=p)
        self.threshold = threshold

    def transform(self, inpt, params):
        return self._call_kernel(F.solarize, inpt, threshold=self.threshold)


class RandomAutocontrast(_RandomApplyTransform):
    """Autocontrast with probability ``p``.

    Example::

        >>> RandomAutocontrast(p=1.0)(ember.tensor([[[0.25, 0.5]]])).tolist()
        [[[0.0, 1.0]]]
    """

    def transform(self, inpt, params):
        return self._call_kernel(F.autocontrast, inpt)


class RandomAdjustSharpness(_RandomApplyTransform):
    """Adjust the sharpness by ``sharpness_factor`` with probability ``p``.

    Example::

        >>> RandomAdjustSharpness(2.0, p=1.0)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self, sharpness_factor, p=0.5):
        super().__init__(p=p)
        self.sharpness_factor = sharpness_factor

    def transform(self, inpt, params):
        return self._call_kernel(F.adjust_sharpness, inpt, sharpness_factor=self.sharpness_factor)


