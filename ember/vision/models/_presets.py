"""The evaluation preprocessing that pre-trained weights expect (``Weights.transforms``): classification,
object detection, optical flow, semantic segmentation and video classification."""

import ember
import ember.nn as nn
from ember.vision.transforms.functional import InterpolationMode

__all__ = ["ImageClassification", "ObjectDetection", "OpticalFlow", "SemanticSegmentation", "VideoClassification"]


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


class SemanticSegmentation(nn.Module):
    """Evaluation preprocessing of the segmentation weights: optionally resize, convert to float in ``[0, 1]``
    and normalise (no crop: the prediction covers the whole image).

    Args:
        resize_size: the shorter side is resized to this (``None``: no resizing).
        mean: per-channel means for normalisation (default ImageNet's).
        std: per-channel standard deviations (default ImageNet's).
        interpolation: resize interpolation (default bilinear).
        antialias: resize antialiasing (default True).

    Shape:
        - Input: a PIL image, ``(C, H, W)`` or ``(B, C, H, W)``; Output: ``(..., C, H', W')`` float32.

    Example::

        >>> pre = SemanticSegmentation(resize_size=32)
        >>> pre(ember.randint(0, 256, (3, 40, 60), dtype=ember.uint8)).shape
        ember.Size([3, 32, 48])
    """

    def __init__(self, *, resize_size, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.resize_size = None if resize_size is None else [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias

    def forward(self, img):
        from ember.vision.transforms import functional as TF
        if isinstance(self.resize_size, list):
            img = TF.resize(img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias)
        if not isinstance(img, ember.Tensor):
            img = TF.pil_to_tensor(img)
        img = TF.convert_image_dtype(img, ember.float)
        return TF.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self):
        fields = [f"resize_size={self.resize_size}", f"mean={self.mean}", f"std={self.std}",
                  f"interpolation={self.interpolation}"]
        return type(self).__name__ + "(" + "".join("\n    " + f for f in fields) + "\n)"

    def describe(self):
        """A sentence on what the preprocessing does."""
        return (f"Accepts PIL images and (B, C, H, W) or (C, H, W) tensors; resizes them to "
                f"resize_size={self.resize_size} ({self.interpolation}), scales to [0.0, 1.0] and normalises with "
                f"mean={self.mean} and std={self.std}.")


class VideoClassification(nn.Module):
    """Evaluation preprocessing of video classifiers: resize and center-crop every frame, scale to ``[0, 1]``,
    normalise, and move the channels before the time axis.

    Args:
        crop_size: ``(h, w)`` of the center crop.
        resize_size: ``(h, w)``, or ``(s,)`` to resize the shorter side to ``s``.
        mean: per-channel means (default Kinetics-400's).
        std: per-channel standard deviations (default Kinetics-400's).
        interpolation: resize interpolation (default bilinear).

    Shape:
        - Input: ``(T, C, H, W)`` or ``(B, T, C, H, W)``; Output: ``(C, T, h, w)`` or ``(B, C, T, h, w)`` float32.

    Example::

        >>> pre = VideoClassification(crop_size=(112, 112), resize_size=(128, 171))
        >>> pre(ember.randint(0, 256, (4, 3, 130, 175), dtype=ember.uint8)).shape
        ember.Size([3, 4, 112, 112])
    """

    def __init__(self, *, crop_size, resize_size, mean=(0.43216, 0.394666, 0.37645), std=(0.22803, 0.22145, 0.216989),
                 interpolation=InterpolationMode.BILINEAR):
        super().__init__()
        self.crop_size = list(crop_size)
        self.resize_size = list(resize_size)
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation

    def forward(self, vid):
        from ember.vision.transforms import functional as F
        single = vid.ndim < 5
        if single:
            vid = vid.unsqueeze(dim=0)
        N, T, C, H, W = vid.shape
        vid = vid.reshape(-1, C, H, W)  # frames as a batch of images
        # no antialiasing: the weights were trained with plain bilinear resizing
        vid = F.resize(vid, self.resize_size, interpolation=self.interpolation, antialias=False)
        vid = F.center_crop(vid, self.crop_size)
        vid = F.convert_image_dtype(vid, ember.float)
        vid = F.normalize(vid, mean=self.mean, std=self.std)
        H, W = vid.shape[-2], vid.shape[-1]
        vid = vid.view(N, T, C, H, W).permute(0, 2, 1, 3, 4)
        return vid.squeeze(dim=0) if single else vid

    def __repr__(self):
        fields = [f"crop_size={self.crop_size}", f"resize_size={self.resize_size}", f"mean={self.mean}",
                  f"std={self.std}", f"interpolation={self.interpolation}"]
        return type(self).__name__ + "(" + "".join("\n    " + f for f in fields) + "\n)"

    def describe(self):
        """A sentence on what the preprocessing does."""
        return ("Accepts batched (B, T, C, H, W) and single (T, C, H, W) video frame tensors; resizes the frames to "
                f"resize_size={self.resize_size} ({self.interpolation}), center-crops to crop_size={self.crop_size}, "
                f"scales to [0.0, 1.0], normalises with mean={self.mean} and std={self.std}, and permutes the "
                "output to (..., C, T, H, W).")


class ObjectDetection(nn.Module):
    """The preprocessing detection weights expect: images converted to float in ``[0, 1]``, nothing else (the
    models normalise and resize inside).

    Shape:
        - Input: a PIL image, ``(C, H, W)`` or ``(B, C, H, W)``; Output: the same shape, float32.

    Example::

        >>> ObjectDetection()(ember.full((3, 2, 2), 255, dtype=ember.uint8)).max()
        tensor(1.)
    """

    def forward(self, img):
        from ember.vision.transforms import functional as TF
        if not isinstance(img, ember.Tensor):
            img = TF.pil_to_tensor(img)
        return TF.convert_image_dtype(img, ember.float)

    def __repr__(self):
        return type(self).__name__ + "()"

    def describe(self):
        """A sentence on what the preprocessing does."""
        return ("Accepts PIL images and (B, C, H, W) or (C, H, W) tensors; converts them to float32 in "
                "[0.0, 1.0].")


class OpticalFlow(nn.Module):
    """The preprocessing optical flow weights expect: both images converted to float and rescaled from
    ``[0, 1]`` to ``[-1, 1]``.

    Shape:
        - Input: two PIL images, ``(C, H, W)`` or ``(B, C, H, W)`` tensors; Output: the pair, float32.

    Example::

        >>> img1, img2 = OpticalFlow()(ember.full((3, 2, 2), 255, dtype=ember.uint8), ember.zeros(3, 2, 2))
        >>> img1.max().item(), img2.min().item()
        (1.0, -1.0)
    """

    def forward(self, img1, img2):
        from ember.vision.transforms import functional as TF

        def prepare(img):
            if not isinstance(img, ember.Tensor):
                img = TF.pil_to_tensor(img)
            img = TF.convert_image_dtype(img, ember.float)
            # [0, 1] -> [-1, 1]
            return TF.normalize(img, mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5]).contiguous()

        return prepare(img1), prepare(img2)

    def __repr__(self):
        return type(self).__name__ + "()"

    def describe(self):
        """A sentence on what the preprocessing does."""
        return ("Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)`` image ``ember.Tensor`` "
                "objects. The images are rescaled to ``[-1.0, 1.0]``.")
