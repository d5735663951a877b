"""Input/output transform of the detection models (mirrors ``torchvision.models.detection.transform``):
normalise and resize the images, batch them with padding, scale the targets alike, and map the detections back
to the original image sizes.

Example::

    >>> t = GeneralizedRCNNTransform(64, 96, [0.5] * 3, [0.25] * 3).eval()
    >>> images, _ = t([ember.rand(3, 40, 50), ember.rand(3, 30, 30)])
    >>> images.tensors.shape, images.image_sizes
    (ember.Size([2, 3, 64, 96]), [(64, 80), (64, 64)])
"""

import math

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.vision.models.detection.image_list import ImageList
from ember.vision.models.detection.roi_heads import paste_masks_in_image

__all__ = ["GeneralizedRCNNTransform", "resize_boxes", "resize_keypoints"]


def _resize_image_and_masks(image, self_min_size, self_max_size, target=None, fixed_size=None):
    # bilinear resize to `fixed_size` (w, h), or so that the short side is self_min_size unless the long side
    # would exceed self_max_size; masks in the target follow (nearest)
    size = scale_factor = recompute = None
    if fixed_size is not None:
        size = [fixed_size[1], fixed_size[0]]
    else:
        # the scale in double precision (as the reference), so that the output sizes agree to the pixel
        h, w = (int(s) for s in image.shape[-2:])
        scale_factor = min(float(self_min_size) / min(h, w), float(self_max_size) / max(h, w))
        recompute = True
    image = F.interpolate(image[None], size=size, scale_factor=scale_factor, mode="bilinear",
                          recompute_scale_factor=recompute, align_corners=False)[0]
    if target is None:
        return image, target
    if "masks" in target:
        masks = F.interpolate(target["masks"][:, None].float(), size=size, scale_factor=scale_factor,
                              recompute_scale_factor=recompute)[:, 0].byte()
        target["masks"] = masks
    return image, target


class GeneralizedRCNNTransform(nn.Module):
    """Prepare a list of images (and targets) for a detection model, and map its detections back.

    ``forward`` normalises each image, resizes it (bilinear) so that its short side is ``min_size`` and its long
    side at most ``max_size`` (or to ``fixed_size``), scales the targets' boxes (and keypoints, masks) by the same
    factors, and pads the images into one batch whose sides are multiples of ``size_divisible``.

    Args:
        min_size: target short side; a tuple gives choices drawn at random in training (the last one in eval).
        max_size: the long side's limit.
        image_mean, image_std: per-channel normalisation.
        size_divisible: the padded batch's sides are multiples of this (default 32).
        fixed_size: ``(w, h)`` to resize every image to instead (default ``None``).
        _skip_resize: keyword; leave the images' sizes alone in training (default False).

    Shapes:
        ``forward(images, targets=None)`` takes ``(C, H_i, W_i)`` float images and optional target dicts
        (``"boxes"`` ``[K, 4]`` ...) and returns ``(ImageList, targets)``; ``postprocess(result, image_shapes,
        original_image_sizes)`` rescales the detections' boxes (and keypoints) to the original sizes and pastes
        predicted ``"masks"`` ``(K, 1, M, M)`` into them (``(K, 1, H, W)``).

    Example::

        >>> t = GeneralizedRCNNTransform(32, 64, [0.0] * 3, [1.0] * 3)
        >>> t
        GeneralizedRCNNTransform(
            Normalize(mean=[0.0, 0.0, 0.0], std=[1.0, 1.0, 1.0])
            Resize(min_size=(32,), max_size=64, mode='bilinear')
        )
    """

    def __init__(self, min_size, max_size, image_mean, image_std, size_divisible=32, fixed_size=None, **kwargs):
        super().__init__()
        if not isinstance(min_size, (list, tuple)):
            min_size = (min_size,)
        self.min_size = min_size
        self.max_size = max_size
        self.image_mean = image_mean
        self.image_std = image_std
        self.size_divisible = size_divisible
        self.fixed_size = fixed_size
        self._skip_resize = kwargs.pop("_skip_resize", False)

    def forward(self, images, targets=None):
        images = list(images)
        if targets is not None:
            # shallow copies: the caller's dicts are not modified
            targets = [{k: v for k, v in t.items()} for t in targets]
        for i in range(len(images)):
            image = images[i]
            target = targets[i] if targets is not None else None
            if image.dim() != 3:
                raise ValueError(f"images is expected to be a list of 3d tensors of shape [C, H, W], got "
                                 f"{image.shape}")
            image = self.normalize(image)
            image, target = self.resize(image, target)
            images[i] = image
            if targets is not None and target is not None:
                targets[i] = target
        image_sizes = [tuple(img.shape[-2:]) for img in images]
        batched = self.batch_images(images, size_divisible=self.size_divisible)
        return ImageList(batched, [(int(h), int(w)) for h, w in image_sizes]), targets

    def normalize(self, image):
        """``(image - mean) / std`` per channel; the image must be floating point."""
        if not image.is_floating_point():
            raise TypeError(f"Expected input images to be of floating type (in range [0, 1]), but found type "
                            f"{image.dtype} instead")
        mean = ember.as_tensor(self.image_mean, dtype=image.dtype, device=image.device)
        std = ember.as_tensor(self.image_std, dtype=image.dtype, device=image.device)
        return (image - mean[:, None, None]) / std[:, None, None]

    def torch_choice(self, k):
        """An element of ``k`` drawn uniformly with ember's generator."""
        index = int(ember.empty(1).uniform_(0.0, float(len(k))).item())
        return k[index]

    def resize(self, image, target=None):
        """Resize one image (and its target) as described in the class docstring."""
        h, w = image.shape[-2:]
        if self.training:
            if self._skip_resize:
                return image, target
            size = self.torch_choice(self.min_size)
        else:
            size = self.min_size[-1]
        image, target = _resize_image_and_masks(image, size, self.max_size, target, self.fixed_size)
        if target is None:
            return image, target
        target["boxes"] = resize_boxes(target["boxes"], (h, w), image.shape[-2:])
        if "keypoints" in target:
            target["keypoints"] = resize_keypoints(target["keypoints"], (h, w), image.shape[-2:])
        return image, target

    def max_by_axis(self, the_list):
        """The elementwise maximum of a list of equal-length lists."""
        maxes = list(the_list[0])
        for sub in the_list[1:]:
            maxes = [max(a, b) for a, b in zip(maxes, sub)]
        return maxes

    def batch_images(self, images, size_divisible=32):
        """Zero-pad the images (bottom and right) into one ``(N, C, H, W)`` batch with ``H`` and ``W`` rounded up
        to multiples of ``size_divisible``."""
        max_size = self.max_by_axis([list(img.shape) for img in images])
        stride = float(size_divisible)
        max_size[1] = int(math.ceil(float(max_size[1]) / stride) * stride)
        max_size[2] = int(math.ceil(float(max_size[2]) / stride) * stride)
        padded = [F.pad(img, (0, max_size[2] - img.shape[2], 0, max_size[1] - img.shape[1], 0,
                              max_size[0] - img.shape[0])) for img in images]
        return ember.stack(padded)

    def postprocess(self, result, image_shapes, original_image_sizes):
        """Rescale each detection dict from its resized image size to the original one (eval mode only; in
        training ``result`` is returned as is)."""
        if self.training:
            return result
        for i, (pred, im_s, o_im_s) in enumerate(zip(result, image_shapes, original_image_sizes)):
            result[i]["boxes"] = resize_boxes(pred["boxes"], im_s, o_im_s)
            if "masks" in pred:
                # Mask R-CNN's per-box mask probabilities, pasted into the original image at the resized boxes
                result[i]["masks"] = paste_masks_in_image(pred["masks"], result[i]["boxes"], o_im_s)
            if "keypoints" in pred:
                result[i]["keypoints"] = resize_keypoints(pred["keypoints"], im_s, o_im_s)
        return result

    def __repr__(self):
        indent = "\n    "
        return (f"{type(self).__name__}({indent}Normalize(mean={self.image_mean}, std={self.image_std})"
                f"{indent}Resize(min_size={self.min_size}, max_size={self.max_size}, mode='bilinear')\n)")


def _ratios(original_size, new_size, device):
    # new / old per dimension, as float32 tensors (the reference's arithmetic)
    return [ember.tensor(s, dtype=ember.float32, device=device) / ember.tensor(s_orig, dtype=ember.float32,
                                                                                device=device)
            for s, s_orig in zip(new_size, original_size)]


def resize_keypoints(keypoints, original_size, new_size):
    """Scale ``[..., K, 3]`` keypoints ``(x, y, visibility)`` from ``original_size`` ``(h, w)`` to
    ``new_size``."""
    ratio_h, ratio_w = _ratios(original_size, new_size, keypoints.device)
    resized = keypoints.clone()
    resized[..., 0] *= ratio_w
    resized[..., 1] *= ratio_h
    return resized


def resize_boxes(boxes, original_size, new_size):
    """Scale ``[N, 4]`` boxes ``(x1, y1, x2, y2)`` from ``original_size`` ``(h, w)`` to ``new_size``.

    Example::

        >>> resize_boxes(ember.tensor([[1., 2., 3., 4.]]), (10, 10), (20, 30))
        tensor([[3., 4., 9., 8.]])
    """
    ratio_h, ratio_w = _ratios(original_size, new_size, boxes.device)
    x1, y1, x2, y2 = boxes.unbind(1)
    return ember.stack((x1 * ratio_w, y1 * ratio_h, x2 * ratio_w, y2 * ratio_h), dim=1)
