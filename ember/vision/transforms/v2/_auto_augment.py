"""Automatic augmentation policies for images and videos: AutoAugment, RandAugment, TrivialAugmentWide, AugMix.

Random choices are drawn from ember's generator with the same calls, in the same order, as torchvision's v2
transforms draw them (which differ from the v1 ones: 0-d ``randint`` picks, ``rand(()) <= 0.5`` signs, Solarize
magnitudes as a fraction of the value range).
"""

from ember._functions import rand, randint, tensor
from ember._tensor import Tensor
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.autoaugment import _POLICIES, AutoAugmentPolicy, _apply_op, _linspace, _posterize_bits
from ember.vision.transforms.v2 import functional as F
from ember.vision.transforms.v2._transform import Transform
from ember.vision.transforms.v2._utils import _get_fill, _is_pil, _setup_fill_arg, check_type, tree_flatten, \
    tree_unflatten
from ember.vision.transforms.v2.functional._meta import get_size
from ember.vision.transforms.v2.functional._utils import is_pure_tensor

__all__ = ["AugMix", "AutoAugment", "AutoAugmentPolicy", "RandAugment", "TrivialAugmentWide"]


def _lin(top):
    return lambda num_bins, height, width: _linspace(0.0, top, num_bins)


def _none(num_bins, height, width):
    return None


def _shear(top):
    return {"ShearX": (_lin(top), True), "ShearY": (_lin(top), True)}


def _enhance(top):
    return {name: (_lin(top), True) for name in ("Brightness", "Color", "Contrast", "Sharpness")}


_SOLARIZE = (lambda num_bins, height, width: _linspace(1.0, 0.0, num_bins), False)


class _AutoAugmentBase(Transform):
    def __init__(self, *, interpolation="nearest", fill=None):
        super().__init__()
        self.interpolation = interpolation
        self.fill = fill
        self._fill = _setup_fill_arg(fill)

    def _get_random_item(self, dct):
        keys = tuple(dct.keys())
        key = keys[int(randint(len(keys), ()))]
        return key, dct[key]

    def _flatten_and_extract_image_or_video(self, inputs,
                                            unsupported_types=(tv_tensors.BoundingBoxes, tv_tensors.Mask)):
        flat_inputs, spec = tree_flatten(inputs if len(inputs) > 1 else inputs[0])
        needs = self._needs_transform_list(flat_inputs)
        found = []
        for idx, (inpt, need) in enumerate(zip(flat_inputs, needs)):
            if need and check_type(inpt, (tv_tensors.Image, _is_pil, is_pure_tensor, tv_tensors.Video)):
                found.append((idx, inpt))
            elif isinstance(inpt, unsupported_types):
                raise TypeError(f"Inputs of type {type(inpt).__name__} are not supported by {type(self).__name__}()")
        if not found:
            raise TypeError("Found no image in the sample.")
        if len(found) > 1:
            raise TypeError(f"Found multiple image or videos in the sample, but only one is supported: "
                            f"{[type(inpt) for _, inpt in found]}")
        idx, image_or_video = found[0]
        return (flat_inputs, spec, idx), image_or_video

    @staticmethod
    def _unflatten_and_insert(flat_inputs_with_spec, image_or_video):
        flat_inputs, spec, idx = flat_inputs_with_spec
        flat_inputs = list(flat_inputs)
        flat_inputs[idx] = image_or_video
        return tree_unflatten(flat_inputs, spec)

    def _apply_image_or_video_transform(self, image, transform_id, magnitude, interpolation, fill):
        if transform_id == "Solarize":  # (v2's Solarize magnitudes are fractions of the value range)
            magnitude *= F1._max_value(image._data.dtype) if isinstance(image, Tensor) else 255.0
        return _apply_op(image, transform_id, magnitude, interpolation, _get_fill(fill, type(image)), fns=F,
                         unknown="No transform available for {}")

    def _magnitude(self, magnitudes, index, signed):
        if magnitudes is None:
            return 0.0
        magnitude = float(magnitudes[index() if callable(index) else index])
        if signed and bool(rand(()) <= 0.5):
            magnitude *= -1
        return magnitude


class AutoAugment(_AutoAugmentBase):
    """AutoAugment (Cubuk et al., "AutoAugment: Learning Augmentation Strategies from Data"): a random
    sub-policy of a learned policy, on the one image or video of the sample.

    Args:
        policy: an :class:`AutoAugmentPolicy` (default ImageNet's).
        interpolation: :class:`InterpolationMode` of the geometric operations (default nearest).
        fill: value(s) for pixels from outside the image (or a dict per input type).

    Example::

        >>> AutoAugment()(ember.randint(0, 256, (3, 32, 32), dtype=ember.uint8)).shape
        ember.Size([3, 32, 32])
    """

    _AUGMENTATION_SPACE = {
        **_shear(0.3),
        "TranslateX": (lambda num_bins, height, width: _linspace(0.0, 150.0 / 331.0 * width, num_bins), True),
        "TranslateY": (lambda num_bins, height, width: _linspace(0.0, 150.0 / 331.0 * height, num_bins), True),
        "Rotate": (_lin(30.0), True),
        **_enhance(0.9),
        "Posterize": (lambda num_bins, height, width: _posterize_bits(num_bins, 8, 4), False),
        "Solarize": _SOLARIZE,
        "AutoContrast": (_none, False),
        "Equalize": (_none, False),
        "Invert": (_none, False),
    }

    def __init__(self, policy=AutoAugmentPolicy.IMAGENET, interpolation="nearest", fill=None):
        super().__init__(interpolation=interpolation, fill=fill)
        self.policy = policy
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        self._policies = list(_POLICIES[policy])

    def forward(self, *inputs):
        flat_inputs_with_spec, image_or_video = self._flatten_and_extract_image_or_video(inputs)
        height, width = get_size(image_or_video)
        policy = self._policies[int(randint(len(self._policies), ()))]
        for transform_id, probability, magnitude_idx in policy:
            if not bool(rand(()) <= probability):
                continue
            magnitudes_fn, signed = self._AUGMENTATION_SPACE[transform_id]
            magnitude = self._magnitude(magnitudes_fn(10, height, width), magnitude_idx, signed)
            image_or_video = self._apply_image_or_video_transform(image_or_video, transform_id, magnitude,
                                                                  interpolation=self.interpolation, fill=self._fill)
        return self._unflatten_and_insert(flat_inputs_with_spec, image_or_video)


class RandAugment(_AutoAugmentBase):
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

    _AUGMENTATION_SPACE = {
        "Identity": (_none, False),
        **_shear(0.3),
        "TranslateX": (lambda num_bins, height, width: _linspace(0.0, 150.0 / 331.0 * width, num_bins), True),
        "TranslateY": (lambda num_bins, height, width: _linspace(0.0, 150.0 / 331.0 * height, num_bins), True),
        "Rotate": (_lin(30.0), True),
        **_enhance(0.9),
        "Posterize": (lambda num_bins, height, width: _posterize_bits(num_bins, 8, 4), False),
        "Solarize": _SOLARIZE,
        "AutoContrast": (_none, False),
        "Equalize": (_none, False),
    }

    def __init__(self, num_ops=2, magnitude=9, num_magnitude_bins=31, interpolation="nearest",
                 fill=None):
        super().__init__(interpolation=interpolation, fill=fill)
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins

    def forward(self, *inputs):
        flat_inputs_with_spec, image_or_video = self._flatten_and_extract_image_or_video(inputs)
        height, width = get_size(image_or_video)
        for _ in range(self.num_ops):
            transform_id, (magnitudes_fn, signed) = self._get_random_item(self._AUGMENTATION_SPACE)
            magnitude = self._magnitude(magnitudes_fn(self.num_magnitude_bins, height, width), self.magnitude, signed)
            image_or_video = self._apply_image_or_video_transform(image_or_video, transform_id, magnitude,
                                                                  interpolation=self.interpolation, fill=self._fill)
        return self._unflatten_and_insert(flat_inputs_with_spec, image_or_video)


class TrivialAugmentWide(_AutoAugmentBase):
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

    _AUGMENTATION_SPACE = {
        "Identity": (_none, False),
        **_shear(0.99),
        "TranslateX": (_lin(32.0), True),
        "TranslateY": (_lin(32.0), True),
        "Rotate": (_lin(135.0), True),
        **_enhance(0.99),
        "Posterize": (lambda num_bins, height, width: _posterize_bits(num_bins, 8, 6), False),
        "Solarize": _SOLARIZE,
        "AutoContrast": (_none, False),
        "Equalize": (_none, False),
    }

    def __init__(self, num_magnitude_bins=31, interpolation="nearest", fill=None):
        super().__init__(interpolation=interpolation, fill=fill)
        self.num_magnitude_bins = num_magnitude_bins

    def forward(self, *inputs):
        flat_inputs_with_spec, image_or_video = self._flatten_and_extract_image_or_video(inputs)
        height, width = get_size(image_or_video)
        transform_id, (magnitudes_fn, signed) = self._get_random_item(self._AUGMENTATION_SPACE)
        magnitude = self._magnitude(magnitudes_fn(self.num_magnitude_bins, height, width),
                                    lambda: int(randint(self.num_magnitude_bins, ())), signed)
        image_or_video = self._apply_image_or_video_transform(image_or_video, transform_id, magnitude,
                                                              interpolation=self.interpolation, fill=self._fill)
        return self._unflatten_and_insert(flat_inputs_with_spec, image_or_video)


class AugMix(_AutoAugmentBase):
    """AugMix (Hendrycks et al., "AugMix: A Simple Data Processing Method to Improve Robustness and
    Uncertainty"): a Dirichlet-weighted mix of ``mixture_width`` random augmentation chains, blended with the
    original by a Beta-distributed weight.

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

    _PARTIAL_AUGMENTATION_SPACE = {
        **_shear(0.3),
        "TranslateX": (lambda num_bins, height, width: _linspace(0.0, width / 3.0, num_bins), True),
        "TranslateY": (lambda num_bins, height, width: _linspace(0.0, height / 3.0, num_bins), True),
        "Rotate": (_lin(30.0), True),
        "Posterize": (lambda num_bins, height, width: _posterize_bits(num_bins, 4, 4), False),
        "Solarize": _SOLARIZE,
        "AutoContrast": (_none, False),
        "Equalize": (_none, False),
    }
    _AUGMENTATION_SPACE = {**_PARTIAL_AUGMENTATION_SPACE, **_enhance(0.9)}

    def __init__(self, severity=3, mixture_width=3, chain_depth=-1, alpha=1.0, all_ops=True,
                 interpolation="bilinear", fill=None):
        super().__init__(interpolation=interpolation, fill=fill)
        self._PARAMETER_MAX = 10
        if not (1 <= severity <= self._PARAMETER_MAX):
            raise ValueError(f"The severity must be between [1, {self._PARAMETER_MAX}]. Got {severity} instead.")
        self.severity = severity
        self.mixture_width = mixture_width
        self.chain_depth = chain_depth
        self.alpha = alpha
        self.all_ops = all_ops

    def _sample_dirichlet(self, params):
        from ember.distributions import Dirichlet
        return Dirichlet(params).sample()

    def forward(self, *inputs):
        flat_inputs_with_spec, orig = self._flatten_and_extract_image_or_video(inputs)
        height, width = get_size(orig)
        image = orig if isinstance(orig, Tensor) else F.pil_to_tensor(orig)
        plain = tv_tensors._alias(image) if isinstance(image, tv_tensors.TVTensor) else image
        space = self._AUGMENTATION_SPACE if self.all_ops else self._PARTIAL_AUGMENTATION_SPACE
        orig_dims = list(plain.shape)
        expected_ndim = 5 if isinstance(orig, tv_tensors.Video) else 4
        batch = plain.reshape([1] * max(expected_ndim - plain.ndim, 0) + orig_dims)
        n = batch.shape[0]
        batch_dims = [n] + [1] * (batch.ndim - 1)
        # Beta weights of (original, augmented) from a two-parameter Dirichlet, then the chains' mixing weights
        m = self._sample_dirichlet(tensor([self.alpha, self.alpha]).expand(n, -1))
        combined = self._sample_dirichlet(tensor([self.alpha] * self.mixture_width).expand(n, -1)) \
            * m[:, 1].reshape([n, -1])
        mix = m[:, 0].reshape(batch_dims) * batch
        for i in range(self.mixture_width):
            aug = batch
            depth = self.chain_depth if self.chain_depth > 0 else int(randint(low=1, high=4, size=(1,)).item())
            for _ in range(depth):
                transform_id, (magnitudes_fn, signed) = self._get_random_item(space)
                magnitude = self._magnitude(magnitudes_fn(self._PARAMETER_MAX, height, width),
                                            lambda: int(randint(self.severity, ())), signed)
                aug = self._apply_image_or_video_transform(aug, transform_id, magnitude,
                                                           interpolation=self.interpolation, fill=self._fill)
            mix = mix + combined[:, i].reshape(batch_dims) * aug
        mix = mix.reshape(orig_dims).to(dtype=plain.dtype)
        if isinstance(orig, (tv_tensors.Image, tv_tensors.Video)):
            mix = tv_tensors.wrap(mix, like=orig)
        elif _is_pil(orig):
            mix = F.to_pil_image(mix)
        return self._unflatten_and_insert(flat_inputs_with_spec, mix)
