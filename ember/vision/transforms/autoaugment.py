"""Learned and random augmentation policies (mirrors ``torchvision.transforms.autoaugment``): AutoAugment,
RandAugment, TrivialAugmentWide and AugMix.

Random choices are drawn from ember's default generator with the same calls, in the same order, as torchvision
draws them from torch's.
"""

import math
from enum import Enum

import numpy as np

import ember
from ember._tensor import Tensor, wrap
from ember.nn.modules.module import Module
from ember.vision.transforms import functional as F
from ember.vision.transforms.functional import InterpolationMode
from ember.vision.transforms.transforms import _fill_for

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"]


def _apply_op(img, op_name, magnitude, interpolation, fill, fns=F,
              unknown="The provided operator {} is not recognized."):
    """Apply one named augmentation of strength ``magnitude`` with the functionals of ``fns`` (v1's here, v2's
    for the v2 policies, which also raise their own ``unknown`` message)."""
    F = fns  # (the same calls serve both functional modules)
    if op_name in ("ShearX", "ShearY"):
        # the magnitude is the shear factor; affine takes the shear angle in degrees
        angle = math.degrees(math.atan(magnitude))
        shear = [angle, 0.0] if op_name == "ShearX" else [0.0, angle]
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0, shear=shear, interpolation=interpolation,
                        fill=fill, center=[0, 0])
    if op_name in ("TranslateX", "TranslateY"):
        translate = [int(magnitude), 0] if op_name == "TranslateX" else [0, int(magnitude)]
        return F.affine(img, angle=0.0, translate=translate, scale=1.0, interpolation=interpolation,
                        shear=[0.0, 0.0], fill=fill)
    if op_name == "Rotate":
        return F.rotate(img, magnitude, interpolation=interpolation, fill=fill)
    factor_ops = {"Brightness": F.adjust_brightness, "Color": F.adjust_saturation, "Contrast": F.adjust_contrast,
                  "Sharpness": F.adjust_sharpness}
    if op_name in factor_ops:
        return factor_ops[op_name](img, 1.0 + magnitude)
    if op_name == "Posterize":
        return F.posterize(img, int(magnitude))
    if op_name == "Solarize":
        return F.solarize(img, magnitude)
    plain_ops = {"AutoContrast": F.autocontrast, "Equalize": F.equalize, "Invert": F.invert}
    if op_name in plain_ops:
        return plain_ops[op_name](img)
    if op_name == "Identity":
        return img
    raise ValueError(unknown.format(op_name))


def _linspace(start, end, steps):
    """float32 magnitudes rounded as PyTorch's linspace rounds them."""
    from ember._functions_indexing import _linspace_like
    return _linspace_like(start, end, steps, np.dtype(np.float32))


def _posterize_bits(num_bins, top, span):
    """``top - round(arange(num_bins) / ((num_bins - 1) / span))`` as int32 (the Posterize magnitudes)."""
    steps = np.arange(num_bins, dtype=np.float32) / np.float32((num_bins - 1) / span)
    return (top - np.round(steps)).astype(np.int32)


_NO_MAGNITUDE = np.array(0.0, dtype=np.float32)  # a 0-d "magnitudes" entry: the op takes none


def _geometric_space(num_bins, shear, translate_x, translate_y, rotate):
    return {
        "ShearX": (_linspace(0.0, shear, num_bins), True),
        "ShearY": (_linspace(0.0, shear, num_bins), True),
        "TranslateX": (_linspace(0.0, translate_x, num_bins), True),
        "TranslateY": (_linspace(0.0, translate_y, num_bins), True),
        "Rotate": (_linspace(0.0, rotate, num_bins), True),
    }


def _enhance_space(num_bins, top):
    return {name: (_linspace(0.0, top, num_bins), True) for name in ("Brightness", "Color", "Contrast", "Sharpness")}


def _autoaugment_space(num_bins, image_size):
    """The operations (name -> (magnitudes, signed)) AutoAugment and RandAugment share, in their order."""
    return {
        **_geometric_space(num_bins, 0.3, 150.0 / 331.0 * image_size[1], 150.0 / 331.0 * image_size[0], 30.0),
        **_enhance_space(num_bins, 0.9),
        "Posterize": (_posterize_bits(num_bins, 8, 4), False),
        "Solarize": (_linspace(255.0, 0.0, num_bins), False),
        "AutoContrast": (_NO_MAGNITUDE, False),
        "Equalize": (_NO_MAGNITUDE, False),
    }


def _randint(high):
    return int(ember.randint(high, (1,)).item())


class AutoAugmentPolicy(Enum):
    """The AutoAugment policies learned on ImageNet, CIFAR10 and SVHN."""

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# Each policy: 25 sub-policies of two (operation, probability, magnitude bin) steps (Cubuk et al., 2019).
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)), (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)), (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)), (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)), (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)), (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)), (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)), (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)), (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)), (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)), (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)), (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)), (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)), (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)), (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)), (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)), (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)), (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)), (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)), (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)), (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)), (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)), (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)), (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)), (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)), (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)), (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)), (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)), (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)), (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)), (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)), (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ],
}


class AutoAugment(Module):
    """AutoAugment (Cubuk et al., "AutoAugment: Learning Augmentation Strategies from Data"): apply a random
    sub-policy of a learned policy.

    Args:
        policy: an :class:`AutoAugmentPolicy` (default ImageNet's).
        interpolation: :class:`InterpolationMode` of the geometric operations (default nearest).
        fill: value(s) for pixels from outside the image.

    Images: uint8 tensors ``[..., 1 or 3, H, W]``, or PIL images of mode ``"L"`` or ``"RGB"``.

    Example::

        >>> AutoAugment()(ember.randint(0, 256, (3, 32, 32), dtype=ember.uint8)).shape
        ember.Size([3, 32, 32])
    """

    def __init__(self, policy=AutoAugmentPolicy.IMAGENET, interpolation=InterpolationMode.NEAREST, fill=None):
        super().__init__()
        self.policy = policy
        self.interpolation = interpolation
        self.fill = fill
        self.policies = self._get_policies(policy)

    def _get_policies(self, policy):
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        return list(_POLICIES[policy])

    def _augmentation_space(self, num_bins, image_size):
        return {**_autoaugment_space(num_bins, image_size), "Invert": (_NO_MAGNITUDE, False)}

    @staticmethod
    def get_params(transform_num):
        """(sub-policy index, two probabilities tensor, two signs tensor) drawn at random."""
        policy_id = _randint(transform_num)
        probs = ember.rand((2,))
        signs = ember.randint(2, (2,))
        return policy_id, probs, signs

    def forward(self, img):
        fill = _fill_for(img, self.fill)
        _, height, width = F.get_dimensions(img)
        transform_id, probs, signs = self.get_params(len(self.policies))
        probs, signs = probs.numpy(), signs.tolist()  # (probabilities compared in float32, as tensors compare)
        op_meta = self._augmentation_space(10, (height, width))
        for i, (op_name, p, magnitude_id) in enumerate(self.policies[transform_id]):
            if probs[i] <= np.float32(p):
                magnitudes, signed = op_meta[op_name]
                magnitude = float(magnitudes[magnitude_id]) if magnitude_id is not None else 0.0
                if signed and signs[i] == 0:
                    magnitude *= -1.0
                img = _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)
        return img

    def __repr__(self):
        return f"{self.__class__.__name__}(policy={self.policy}, fill={self.fill})"


def _random_op(op_meta, magnitude_index):
    """Pick an operation at random, its magnitude (``magnitude_index(n)`` picks among n) and a random sign."""
    names = list(op_meta.keys())
    op_name = names[_randint(len(names))]
    magnitudes, signed = op_meta[op_name]
    magnitude = float(magnitudes[magnitude_index(len(magnitudes))]) if magnitudes.ndim > 0 else 0.0
    if signed and _randint(2):
        magnitude *= -1.0
    return op_name, magnitude


class RandAugment(Module):
    """RandAugment (Cubuk et al., "RandAugment: Practical automated data augmentation with a reduced search
    space"): ``num_ops`` random operations of a fixed ``magnitude``.

    Args:
        num_ops: operations per image.
        magnitude: magnitude bin of every operation.
        num_magnitude_bins: number of magnitude bins.
        interpolation: :class:`InterpolationMode` of the geometric operations (default nearest).
        fill: value(s) for pixels from outside the image.

    Example::

        >>> RandAugment()(ember.randint(0, 256, (3, 32, 32), dtype=ember.uint8)).shape
        ember.Size([3, 32, 32])
    """

    def __init__(self, num_ops=2, magnitude=9, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST,
                 fill=None):
        super().__init__()
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins, image_size):
        return {"Identity": (_NO_MAGNITUDE, False), **_autoaugment_space(num_bins, image_size)}

    def forward(self, img):
        fill = _fill_for(img, self.fill)
        _, height, width = F.get_dimensions(img)
        op_meta = self._augmentation_space(self.num_magnitude_bins, (height, width))
        for _ in range(self.num_ops):
            op_name, magnitude = _random_op(op_meta, lambda n: self.magnitude)
            img = _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)
        return img

    def __repr__(self):
        return (f"{self.__class__.__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
                f"num_magnitude_bins={self.num_magnitude_bins}, interpolation={self.interpolation}, "
                f"fill={self.fill})")


class TrivialAugmentWide(Module):
    """TrivialAugment Wide (Müller and Hutter, "TrivialAugment: Tuning-free Yet State-of-the-Art Data
    Augmentation"): one random operation of a random magnitude.

    Args:
        num_magnitude_bins: number of magnitude bins.
        interpolation: :class:`InterpolationMode` of the geometric operations (default nearest).
        fill: value(s) for pixels from outside the image.

    Example::

        >>> TrivialAugmentWide()(ember.randint(0, 256, (3, 32, 32), dtype=ember.uint8)).shape
        ember.Size([3, 32, 32])
    """

    def __init__(self, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST, fill=None):
        super().__init__()
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins):
        return {
            "Identity": (_NO_MAGNITUDE, False),
            **_geometric_space(num_bins, 0.99, 32.0, 32.0, 135.0),
            **_enhance_space(num_bins, 0.99),
            "Posterize": (_posterize_bits(num_bins, 8, 6), False),
            "Solarize": (_linspace(255.0, 0.0, num_bins), False),
            "AutoContrast": (_NO_MAGNITUDE, False),
            "Equalize": (_NO_MAGNITUDE, False),
        }

    def forward(self, img):
        fill = _fill_for(img, self.fill)
        op_name, magnitude = _random_op(self._augmentation_space(self.num_magnitude_bins), _randint)
        return _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)

    def __repr__(self):
        return (f"{self.__class__.__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class AugMix(Module):
    """AugMix (Hendrycks et al., "AugMix: A Simple Data Processing Method to Improve Robustness and
    Uncertainty"): a Dirichlet-weighted mix of ``mixture_width`` random augmentation chains, blended with the
    original image by a Beta-distributed weight.

    Args:
        severity: magnitude bins used (1-10).
        mixture_width: number of chains.
        chain_depth: operations per chain; a negative value draws 1-3 per chain.
        alpha: concentration of the Dirichlet and Beta distributions.
        all_ops: include brightness, colour, contrast and sharpness.
        interpolation: :class:`InterpolationMode` of the geometric operations (default bilinear).
        fill: value(s) for pixels from outside the image.

    Example::

        >>> AugMix()(ember.randint(0, 256, (3, 32, 32), dtype=ember.uint8)).shape
        ember.Size([3, 32, 32])
    """

    def __init__(self, severity=3, mixture_width=3, chain_depth=-1, alpha=1.0, all_ops=True,
                 interpolation=InterpolationMode.BILINEAR, fill=None):
        super().__init__()
        self._PARAMETER_MAX = 10
        if not (1 <= severity <= self._PARAMETER_MAX):
            raise ValueError(f"The severity must be between [1, {self._PARAMETER_MAX}]. Got {severity} instead.")
        self.severity = severity
        self.mixture_width = mixture_width
        self.chain_depth = chain_depth
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins, image_size):
        space = {
            **_geometric_space(num_bins, 0.3, image_size[1] / 3.0, image_size[0] / 3.0, 30.0),
            "Posterize": (_posterize_bits(num_bins, 4, 4), False),
            "Solarize": (_linspace(255.0, 0.0, num_bins), False),
            "AutoContrast": (_NO_MAGNITUDE, False),
            "Equalize": (_NO_MAGNITUDE, False),
        }
        if self.all_ops:
            space.update(_enhance_space(num_bins, 0.9))
        return space

    def _sample_dirichlet(self, params):
        """One Dirichlet sample per row of ``params`` (a separate method so tests can replace it)."""
        from ember.distributions import Dirichlet
        return Dirichlet(params).sample()

    def forward(self, orig_img):
        fill = _fill_for(orig_img, self.fill)
        _, height, width = F.get_dimensions(orig_img)
        img = orig_img if isinstance(orig_img, Tensor) else F.pil_to_tensor(orig_img)
        op_meta = self._augmentation_space(self._PARAMETER_MAX, (height, width))
        orig_dims = list(img.shape)
        batch = img.reshape([1] * max(4 - img.ndim, 0) + orig_dims)
        n = batch.shape[0]
        batch_dims = [n] + [1] * (batch.ndim - 1)
        # Beta weights of (original, augmented) from a two-parameter Dirichlet, then the chains' mixing weights
        m = self._sample_dirichlet(ember.tensor([self.alpha, self.alpha]).expand(n, -1))
        combined = self._sample_dirichlet(ember.tensor([self.alpha] * self.mixture_width).expand(n, -1)) \
            * m[:, 1].reshape([n, -1])
        mix = m[:, 0].reshape(batch_dims) * batch
        for i in range(self.mixture_width):
            aug = batch
            depth = self.chain_depth if self.chain_depth > 0 else int(ember.randint(low=1, high=4, size=(1,)).item())
            for _ in range(depth):
                op_name, magnitude = _random_op(op_meta, lambda k: _randint(self.severity))
                aug = _apply_op(aug, op_name, magnitude, interpolation=self.interpolation, fill=fill)
            mix = mix + combined[:, i].reshape(batch_dims) * aug
        mix = wrap(mix.reshape(orig_dims)._data.astype(img._data.dtype))
        if not isinstance(orig_img, Tensor):
            return F.to_pil_image(mix)
        return mix

    def __repr__(self):
        return (f"{self.__class__.__name__}(severity={self.severity}, mixture_width={self.mixture_width}, "
                f"chain_depth={self.chain_depth}, alpha={self.alpha}, all_ops={self.all_ops}, "
                f"interpolation={self.interpolation}, fill={self.fill})")
