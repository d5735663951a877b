"""Augmentations that erase or mix: RandomErasing, and the batch-level MixUp and CutMix."""

import math
import numbers
import warnings

from ember._functions import randint, tensor
from ember._tensor import Tensor
from ember.vision import tv_tensors
from ember.vision.transforms.transforms import _check_scale_ratio, _erase_box
from ember.vision.transforms.v2 import functional as F
from ember.vision.transforms.v2._misc import _find_labels_default_heuristic
from ember.vision.transforms.v2._transform import Transform, _RandomApplyTransform
from ember.vision.transforms.v2._utils import _is_pil, has_any, query_chw, query_size, tree_flatten, tree_unflatten
from ember.vision.transforms.v2.functional._utils import is_pure_tensor


class RandomErasing(_RandomApplyTransform):
    """Erase a random box of images and videos with probability ``p`` (Zhong et al., "Random Erasing Data
    Augmentation"); masks, boxes and key points pass through.

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

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0, inplace=False):
        super().__init__(p=p)
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        _check_scale_ratio(scale, ratio)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        self.scale = scale
        self.ratio = ratio
        if isinstance(value, (int, float)):
            self.value = [float(value)]
        elif isinstance(value, str):
            self.value = None
        else:
            self.value = [float(v) for v in value]
        self.inplace = inplace

    def make_params(self, flat_inputs):
        img_c, img_h, img_w = query_chw(flat_inputs)
        if self.value is not None and len(self.value) not in (1, img_c):
            raise ValueError(f"If value is a sequence, it should have either a single value or {img_c} (number of "
                             "inpt channels)")
        box = _erase_box(img_c, img_h, img_w, self.scale, self.ratio, self.value)  # (v1's draws)
        i, j, h, w, v = box if box is not None else (0, 0, img_h, img_w, None)
        return dict(i=i, j=j, h=h, w=w, v=v)

    def transform(self, inpt, params):
        if isinstance(inpt, (tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints)):
            warnings.warn(f"{type(self).__name__}() is currently passing through inputs of type "
                          f"tv_tensors.{type(inpt).__name__}. This will likely change in the future.")
        if params["v"] is None:
            return inpt
        return self._call_kernel(F.erase, inpt, **params, inplace=self.inplace)


class _BaseMixUpCutMix(Transform):
    def __init__(self, *, alpha=1.0, num_classes=None, labels_getter="default"):
        super().__init__()
        from ember.distributions import Beta
        self.alpha = float(alpha)
        self._dist = Beta(tensor([self.alpha]), tensor([self.alpha]))
        self.num_classes = num_classes
        if labels_getter == "default":
            self._labels_getter = _find_labels_default_heuristic
        elif callable(labels_getter):
            self._labels_getter = labels_getter
        elif labels_getter is None:
            self._labels_getter = lambda _: None
        else:
            raise ValueError(f"labels_getter should either be 'default', a callable, or None, but got "
                             f"{labels_getter}.")

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        flat_inputs, spec = tree_flatten(inputs)
        needs = self._needs_transform_list(flat_inputs)
        if has_any(flat_inputs, _is_pil, tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints):
            raise ValueError(f"{type(self).__name__}() does not support PIL images, bounding boxes, keypoints and "
                             "masks.")
        labels = self._labels_getter(inputs)
        if not isinstance(labels, Tensor):
            raise ValueError(f"The labels must be a ember.Tensor, but got {type(labels)} instead.")
        if labels.ndim not in (1, 2):
            raise ValueError(f"labels should be index based with shape (batch_size,) or probability based with "
                             f"shape (batch_size, num_classes), but got a tensor of shape {labels.shape} instead.")
        if labels.ndim == 2 and self.num_classes is not None and labels.shape[-1] != self.num_classes:
            raise ValueError(f"When passing 2D labels, the number of elements in last dimension must match "
                             f"num_classes: {labels.shape[-1]} != {self.num_classes}. You can Leave num_classes to "
                             "None.")
        if labels.ndim == 1 and self.num_classes is None:
            raise ValueError("num_classes must be passed if the labels are index-based (1D)")
        params = {"labels": labels, "batch_size": labels.shape[0],
                  **self.make_params([inpt for inpt, n in zip(flat_inputs, needs) if n])}
        needs[next(idx for idx, inpt in enumerate(flat_inputs) if inpt is labels)] = True
        flat_outputs = [self.transform(inpt, params) if n else inpt for inpt, n in zip(flat_inputs, needs)]
        return tree_unflatten(flat_outputs, spec)

    def _check_image_or_video(self, inpt, *, batch_size):
        expected = 5 if isinstance(inpt, tv_tensors.Video) else 4
        if inpt.ndim != expected:
            raise ValueError(f"Expected a batched input with {expected} dims, but got {inpt.ndim} dimensions "
                             "instead.")
        if inpt.shape[0] != batch_size:
            raise ValueError(f"The batch size of the image or video does not match the batch size of the labels: "
                             f"{inpt.shape[0]} != {batch_size}.")

    def _mixup_label(self, label, *, lam):
        if label.ndim == 1:
            from ember.nn.functional import one_hot
            label = one_hot(label, num_classes=self.num_classes)
        if not label.is_floating_point():
            label = label.float()
        return label.roll(1, 0) * (1.0 - lam) + label * lam

    @staticmethod
    def _is_image(inpt):
        return isinstance(inpt, (tv_tensors.Image, tv_tensors.Video)) or is_pure_tensor(inpt)

    @staticmethod
    def _rewrap(output, like):
        return tv_tensors.wrap(output, like=like) if isinstance(like, (tv_tensors.Image, tv_tensors.Video)) \
            else output


class MixUp(_BaseMixUpCutMix):
    """MixUp (Zhang et al., "mixup: Beyond Empirical Risk Minimization") on a batch: each image is blended with
    the previous one of the batch (rolled by one) with a Beta(alpha, alpha) weight, and so are the labels.

    Args:
        alpha: the Beta distribution's parameter.
        num_classes: for one-hot encoding index labels.
        labels_getter: ``"default"`` (a ``labels`` key, or the second item of an (images, labels) pair) or a
            callable returning the labels from the sample.

    Example::

        >>> imgs, labels = MixUp(num_classes=3)(ember.rand(4, 3, 8, 8), ember.tensor([0, 1, 2, 0]))
        >>> labels.shape
        ember.Size([4, 3])
    """

    def __init__(self, *, alpha=1.0, num_classes=None, labels_getter="default"):
        super().__init__(alpha=alpha, num_classes=num_classes, labels_getter=labels_getter)

    def make_params(self, flat_inputs):
        return dict(lam=float(self._dist.sample(())))

    def transform(self, inpt, params):
        lam = params["lam"]
        if inpt is params["labels"]:
            return self._mixup_label(inpt, lam=lam)
        if not self._is_image(inpt):
            return inpt
        self._check_image_or_video(inpt, batch_size=params["batch_size"])
        plain = tv_tensors._alias(inpt) if isinstance(inpt, tv_tensors.TVTensor) else inpt
        return self._rewrap(plain.roll(1, 0) * (1.0 - lam) + plain * lam, inpt)


class CutMix(_BaseMixUpCutMix):
    """CutMix (Yun et al., "CutMix: Regularization Strategy to Train Strong Classifiers with Localizable
    Features") on a batch: a random box of each image is pasted from the previous image of the batch, and the
    labels are mixed in proportion to the box's area.

    Args:
        alpha: the Beta distribution's parameter (of the box's area).
        num_classes: for one-hot encoding index labels.
        labels_getter: ``"default"`` or a callable returning the labels from the sample.

    Example::

        >>> imgs, labels = CutMix(num_classes=3)(ember.rand(4, 3, 8, 8), ember.tensor([0, 1, 2, 0]))
        >>> imgs.shape
        ember.Size([4, 3, 8, 8])
    """

    def __init__(self, *, alpha=1.0, num_classes=None, labels_getter="default"):
        super().__init__(alpha=alpha, num_classes=num_classes, labels_getter=labels_getter)

    def make_params(self, flat_inputs):
        lam = float(self._dist.sample(()))
        H, W = query_size(flat_inputs)
        r_x = int(randint(0, W, (1,)).item())
        r_y = int(randint(0, H, (1,)).item())
        r = 0.5 * math.sqrt(1.0 - lam)
        r_w_half, r_h_half = int(r * W), int(r * H)
        x1, y1 = max(r_x - r_w_half, 0), max(r_y - r_h_half, 0)
        x2, y2 = min(r_x + r_w_half, W), min(r_y + r_h_half, H)
        lam_adjusted = float(1.0 - (x2 - x1) * (y2 - y1) / (W * H))
        return dict(box=(x1, y1, x2, y2), lam_adjusted=lam_adjusted)

    def transform(self, inpt, params):
        if inpt is params["labels"]:
            return self._mixup_label(inpt, lam=params["lam_adjusted"])
        if not self._is_image(inpt):
            return inpt
        self._check_image_or_video(inpt, batch_size=params["batch_size"])
        x1, y1, x2, y2 = params["box"]
        plain = tv_tensors._alias(inpt) if isinstance(inpt, tv_tensors.TVTensor) else inpt
        rolled = plain.roll(1, 0)
        output = plain.clone()
        output[..., y1:y2, x1:x2] = rolled[..., y1:y2, x1:x2]
        return self._rewrap(output, inpt)
