"""Identity, Lambda, normalisation, dtype conversion and box sanitising transforms."""

import collections.abc

from ember import _dtype
from ember._functions import randint
from ember._tensor import Tensor
from ember.vision import tv_tensors
from ember.vision.transforms.v2 import functional as F
from ember.vision.transforms.v2._transform import Transform
from ember.vision.transforms.v2._utils import get_bounding_boxes, get_keypoints, tree_flatten, tree_unflatten
from ember.vision.transforms.v2.functional._utils import is_pure_tensor


class Identity(Transform):
    """Return the sample unchanged.

    Example::

        >>> Identity()(3)
        3
    """

    def transform(self, inpt, params):
        return inpt


class Lambda(Transform):
    """Apply a user function to the leaves of the sample that are instances of ``types`` (default: all).

    Args:
        lambd: the function.
        *types: the leaf types it applies to.

    Example::

        >>> Lambda(lambda x: x + 1, ember.Tensor)(ember.zeros(1))
        tensor([1.])
    """

    _transformed_types = (object,)

    def __init__(self, lambd, *types):
        super().__init__()
        self.lambd = lambd
        self.types = types or self._transformed_types

    def transform(self, inpt, params):
        return self.lambd(inpt) if isinstance(inpt, self.types) else inpt

    def extra_repr(self):
        extras = []
        name = getattr(self.lambd, "__name__", None)
        if name:
            extras.append(name)
        extras.append(f"types={[t.__name__ for t in self.types]}")
        return ", ".join(extras)


class Normalize(Transform):
    """``(x - mean) / std`` per channel of float images and videos (PIL images are refused, masks and boxes pass).

    Args:
        mean, std: per-channel sequences.
        inplace: overwrite the input.

    Example::

        >>> Normalize([0.5], [0.5])(ember.ones(1, 2, 2))[0, 0, 0]
        tensor(1.)
    """

    def __init__(self, mean, std, inplace=False):
        super().__init__()
        self.mean = list(mean)
        self.std = list(std)
        self.inplace = inplace

    def check_inputs(self, flat_inputs):
        from ember.vision.transforms.v2._utils import _is_pil
        if any(_is_pil(inpt) for inpt in flat_inputs):
            raise TypeError(f"{type(self).__name__}() does not support PIL images.")

    def transform(self, inpt, params):
        return self._call_kernel(F.normalize, inpt, mean=self.mean, std=self.std, inplace=self.inplace)


_NO_DTYPE_MSG = ("No dtype was specified for type {}. If you only need to convert the dtype of images or videos, "
                 "you can just pass e.g. dtype=ember.float32. If you're passing a dict as dtype, you can use "
                 "\"others\" as a catch-all key e.g. dtype={{tv_tensors.Mask: ember.int64, \"others\": None}} to "
                 "pass-through the rest of the inputs.")


class ToDtype(Transform):
    """Convert images and videos (or, with a dict, any type) to a dtype, optionally rescaling image values.

    Args:
        dtype: a dtype (applied to images, videos and the sample's image-like plain tensor), or a dict from
            tv_tensor type (or ``ember.Tensor``, or ``"others"``) to dtype (None: leave as is).
        scale: rescale image and video values between value ranges (ints span their type, floats [0, 1]).

    Example::

        >>> ToDtype(ember.float32, scale=True)(tv_tensors.Image(ember.full((1, 1, 1), 255, dtype=ember.uint8)))
        Image([[[1.]]], )
    """

    _transformed_types = (Tensor,)

    def __init__(self, dtype, scale=False):
        super().__init__()
        if not isinstance(dtype, (dict, _dtype.dtype)):
            raise ValueError(f"dtype must be a dict or a ember.dtype, got {type(dtype)} instead")
        self.dtype = dtype
        self.scale = scale

    def transform(self, inpt, params):
        if isinstance(self.dtype, _dtype.dtype):
            if not (is_pure_tensor(inpt) or isinstance(inpt, (tv_tensors.Image, tv_tensors.Video))):
                return inpt
            dtype = self.dtype
        elif type(inpt) in self.dtype:
            dtype = self.dtype[type(inpt)]
        elif "others" in self.dtype:
            dtype = self.dtype["others"]
        else:
            raise ValueError(_NO_DTYPE_MSG.format(type(inpt)))
        if dtype is None:
            return inpt
        return self._call_kernel(F.to_dtype, inpt, dtype=dtype, scale=self.scale)


class ConvertImageDtype(Transform):
    """Convert images to ``dtype`` rescaling their values (:func:`~ember.vision.transforms.v2.functional.to_dtype`
    with ``scale=True``; other tensors are cast).

    Example::

        >>> ConvertImageDtype()(ember.full((1, 1, 1), 255, dtype=ember.uint8))
        tensor([[[1.]]])
    """

    def __init__(self, dtype=_dtype.float32):
        super().__init__()
        self.dtype = dtype

    def transform(self, inpt, params):
        return self._call_kernel(F.to_dtype, inpt, dtype=self.dtype, scale=True)


def _find_labels_default_heuristic(inputs):
    """The labels of a sample: the second item of a tuple/list sample when it is a plain tensor (MixUp/CutMix), else
    the value of a "labels" key (any case) of the dict sample (or of its second item), else of the first key holding
    "label"."""
    if isinstance(inputs, (tuple, list)):
        inputs = inputs[1]
    if is_pure_tensor(inputs):
        return inputs
    if not isinstance(inputs, collections.abc.Mapping):
        raise ValueError(f"When using the default labels_getter, the input passed to forward must be a dictionary or "
                         f"a two-tuple whose second item is a dictionary or a tensor, but got {inputs} instead.")
    keys = list(inputs)
    key = next((k for k in keys if k.lower() == "labels"), None)
    if key is None:
        key = next((k for k in keys if "label" in k.lower()), None)
    if key is None:
        raise ValueError("Could not infer where the labels are in the sample. Try passing a callable as the "
                         "labels_getter parameter?If there are no labels in the sample by design, pass "
                         "labels_getter=None.")
    return inputs[key]


def _labels_getter_fn(labels_getter):
    """The callable behind a ``labels_getter`` argument ("default", a callable or None)."""
    if labels_getter == "default":
        return _find_labels_default_heuristic
    if callable(labels_getter) or labels_getter is None:
        return labels_getter
    raise ValueError(f"labels_getter should either be 'default', a callable, or None, but got {labels_getter}.")


def _label_list(getter, inputs):
    """The labels of a sample as a tuple of tensors (empty without a getter); a tuple or list holds several."""
    labels = getter(inputs) if getter is not None else None
    label_list = () if labels is None else (tuple(labels) if isinstance(labels, (tuple, list)) else (labels,))
    for label in label_list:
        if not isinstance(label, Tensor):
            raise ValueError(f"The labels in the input to forward() must be a tensor or None, got {type(label)} "
                             f"instead.")
    return label_list


class SanitizeBoundingBoxes(Transform):
    """Drop degenerate boxes (smaller than ``min_size``, area below ``min_area``, or outside the canvas), together
    with their labels and the matching masks.

    Args:
        min_size, min_area: the smallest side and area kept (``min_size >= 1``).
        labels_getter: ``"default"`` (a "labels" key of a dict sample), a callable returning the labels (a tensor or
            a tuple of tensors) from the sample, or None.

    Example::

        >>> boxes = tv_tensors.BoundingBoxes([[0, 0, 4, 4], [1, 1, 1, 3]], format="XYXY", canvas_size=(8, 8))
        >>> SanitizeBoundingBoxes()({"boxes": boxes, "labels": ember.tensor([1, 2])})["labels"]
        tensor([1])
    """

    def __init__(self, min_size=1.0, min_area=1.0, labels_getter="default"):
        super().__init__()
        if min_size < 1:
            raise ValueError(f"min_size must be >= 1, got {min_size}.")
        self.min_size = min_size
        if min_area < 1:
            raise ValueError(f"min_area must be >= 1, got {min_area}.")
        self.min_area = min_area
        self.labels_getter = labels_getter
        self._labels_getter = _labels_getter_fn(labels_getter)

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        label_list = _label_list(self._labels_getter, inputs)
        flat_inputs, spec = tree_flatten(inputs)
        boxes = get_bounding_boxes(flat_inputs)
        for label in label_list:
            if boxes.shape[0] != label.shape[0]:
                raise ValueError(f"Number of boxes (shape={boxes.shape}) and must match the number of labels."
                                 f"Found labels with shape={label.shape}).")
        _, valid = F.sanitize_bounding_boxes(boxes, min_size=self.min_size, min_area=self.min_area)
        ids = {id(label) for label in label_list}
        params = dict(valid=valid, label_ids=ids)
        flat_outputs = [self.transform(inpt, params) for inpt in flat_inputs]
        return tree_unflatten(flat_outputs, spec)

    def transform(self, inpt, params):
        valid = params["valid"]
        is_label = id(inpt) in params["label_ids"]
        is_boxes_or_mask = isinstance(inpt, tv_tensors.BoundingBoxes) or (
            isinstance(inpt, tv_tensors.Mask) and inpt.ndim >= 3 and inpt.shape[0] == valid.shape[0])
        if not (is_label or is_boxes_or_mask):
            return inpt
        out = inpt[valid]
        return tv_tensors.wrap(out, like=inpt) if isinstance(inpt, tv_tensors.TVTensor) else out




class SanitizeKeyPoints(Transform):
    """Drop the key points (or groups of key points) outside the canvas, together with their labels.

    Points ``[N, 2]`` are dropped one by one; groups ``[N, ..., 2]`` (3 or more dimensions) are dropped as a whole
    when any of their points is outside. Every ``KeyPoints`` of the sample is filtered with the mask of the first.

    Args:
        labels_getter: None (default: only the key points), ``"default"`` (a "labels" key of a dict sample) or a
            callable returning the labels (a tensor or a tuple of tensors) from the sample.

    Example::

        >>> kp = tv_tensors.KeyPoints([[1, 1], [9, 2]], canvas_size=(4, 8))
        >>> SanitizeKeyPoints(labels_getter="default")({"kp": kp, "labels": ember.tensor([3, 4])})["labels"]
        tensor([3])
    """

    def __init__(self, labels_getter=None):
        super().__init__()
        self.labels_getter = labels_getter
        self._labels_getter = _labels_getter_fn(labels_getter)

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        label_list = _label_list(self._labels_getter, inputs)
        flat_inputs, spec = tree_flatten(inputs)
        keypoints = get_keypoints(flat_inputs)
        for label in label_list:
            if keypoints.shape[0] != label.shape[0]:
                raise ValueError(f"Number of kepyoints (shape={keypoints.shape}) must match the number of labels."
                                 f"Found labels with shape={label.shape}).")
        _, valid = F.sanitize_keypoints(keypoints)
        params = dict(valid=valid, label_ids={id(label) for label in label_list})
        flat_outputs = [self.transform(inpt, params) for inpt in flat_inputs]
        return tree_unflatten(flat_outputs, spec)

    def transform(self, inpt, params):
        if not (id(inpt) in params["label_ids"] or isinstance(inpt, tv_tensors.KeyPoints)):
            return inpt
        out = inpt[params["valid"]]
        return tv_tensors.wrap(out, like=inpt) if isinstance(inpt, tv_tensors.TVTensor) else out


class JPEG(Transform):
    """Compress and decompress images as JPEG, at a quality drawn uniformly from a range (needs Pillow).

    Args:
        quality: an int in [1, 100], or a (min, max) pair to draw from (both ends included). Lower means more
            compression.

    Example::

        >>> JPEG(quality=(5, 50))(ember.zeros(3, 16, 16, dtype=ember.uint8)).shape
        ember.Size([3, 16, 16])
    """

    def __init__(self, quality):
        super().__init__()
        if isinstance(quality, int):
            if isinstance(quality, bool):
                raise TypeError("quality can't be bool")
            quality = [quality, quality]
        else:
            if not isinstance(quality, collections.abc.Sequence):
                raise TypeError("quality should be a sequence of length 2.")
            if len(quality) != 2:
                raise ValueError("quality should be a sequence of length 2.")
        if not (1 <= quality[0] <= quality[1] <= 100 and isinstance(quality[0], int)
                and isinstance(quality[1], int)):
            raise ValueError(f"quality must be an integer from 1 to 100, got {quality =}")
        self.quality = quality

    def make_params(self, flat_inputs):
        return dict(quality=int(randint(self.quality[0], self.quality[1] + 1, ()).item()))

    def transform(self, inpt, params):
        return self._call_kernel(F.jpeg, inpt, quality=params["quality"])
