"""The evaluation preprocessing that pre-trained classification weights expect (``Weights.transforms``)."""

import ember
import ember.nn as nn
from ember.vision.transforms.functional import InterpolationMode

__all__ = ["ImageClassification"]


class ImageClassification(nn.Module):
    """Resize, center-crop, convert to float in ``[0, 1]`` and normalise: ImageNet evaluation preprocessing.

    Args:
        crop_size: side of the square center crop.
        resize_size: the shorter side is resized to this first (default 256).
        mean: per-channel means for normalisation (default ImageNet's).
        std: per-channel standard deviations (default ImageNet's).
        interpolation: resize interpolation (default bilinear).
        antialias: resize antialiasing (default True).

    Shape:
        - Input: a PIL image, ``(C, H, W)`` or ``(B, C, H, W)``; Output: ``(..., C, crop_size, crop_size)`` float32.

    Example::

        >>> from ember.vision.models import ResNet18_Weights
        >>> preprocess = ResNet18_Weights.DEFAULT.transforms()
        >>> preprocess(ember.randint(0, 256, (3, 300, 260), dtype=ember.uint8)).shape
        ember.Size([3, 224, 224])
    """

    def __init__(self, *, crop_size, resize_size=256, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias

    def forward(self, img):
        from ember.vision.transforms import functional as F
        img = F.resize(img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias)
        img = F.center_crop(img, self.crop_size)
        if not isinstance(img, ember.Tensor):
            img = F.pil_to_tensor(img)
        img = img.float() / 255 if img.dtype == ember.uint8 else img.float()
        return F.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self):
        fields = [f"crop_size={self.crop_size}", f"resize_size={self.resize_size}", f"mean={self.mean}",
                  f"std={self.std}", f"interpolation={self.interpolation}"]
        return type(self).__name__ + "(" + "".join("\n    " + f for f in fields) + "\n)"

    def describe(self):
        """A sentence on what the preprocessing does."""
        return (f"Accepts PIL images and (B, C, H, W) or (C, H, W) tensors; resizes them to "
                f"resize_size={self.resize_size} ({self.interpolation}), center-crops to crop_size={self.crop_size}, "
                f"scales to [0.0, 1.0] and normalises with mean={self.mean} and std={self.std}.")
