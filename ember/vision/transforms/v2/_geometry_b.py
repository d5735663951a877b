"""Geometric transforms, part two: random rotation / affine / perspective / elastic warps, zoom-out, IoU crops,
random rescaling (scale jitter, shortest side, resize), temporal subsampling and box clamping-mode setting."""

from collections.abc import Sequence

from ember._backend import xp
from ember._functions import cat, empty, rand, randint
from ember._tensor import wrap
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.transforms import RandomAffine as _RandomAffineV1
from ember.vision.transforms.transforms import _affine_ranges, _check_sequence_input, _setup_angle
from ember.vision.transforms.v2 import functional as F
from ember.vision.transforms.v2._transform import Transform, _RandomApplyTransform
from ember.vision.transforms.v2._utils import (
    _get_fill, _setup_fill_arg, get_bounding_boxes, has_all, has_any, query_size,
)
from ember.vision.transforms.v2.functional._meta import _convert_format_array, _parse_format
from ember.vision.transforms.v2.functional._utils import is_pure_tensor


def _uniform(low, high):
    return empty(1).uniform_(low, high).item()


def _setup_number_or_seq(arg, name):
    if not isinstance(arg, (int, float, Sequence)):
        raise TypeError(f"{name} should be a number or a sequence of numbers. Got {type(arg)}")
    if isinstance(arg, Sequence) and len(arg) not in (1, 2):
        raise ValueError(f"If {name} is a sequence its length should be 1 or 2. Got {len(arg)}")
    if isinstance(arg, Sequence):
        for element in arg:
            if not isinstance(element, (int, float)):
                raise ValueError(f"{name} should be a sequence of numbers. Got {type(element)}")
    if isinstance(arg, (int, float)):
        return [float(arg), float(arg)]
    if len(arg) == 1:
        return [float(arg[0]), float(arg[0])]
    return [float(a) for a in arg]


class RandomRotation(Transform):
    """Rotate the sample by a random angle (counter-clockwise degrees) drawn uniformly from ``degrees``.

    Args:
        degrees: (min, max), or a number d for (-d, d).
        interpolation: nearest (default) or bilinear (any PIL filter for PIL images); masks use nearest.
        expand: grow the canvas to hold the whole rotated image.
        center: (x, y) centre of rotation; default the image centre.
        fill: value(s) of pixels from outside the input, or a dict from input type to value.

    Example::

        >>> RandomRotation(30)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self, degrees, interpolation="nearest", expand=False, center=None, fill=0):
        super().__init__()
        self.degrees = _setup_angle(degrees, "degrees")
        self.interpolation = interpolation
        self.expand = expand
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.center = center

    def make_params(self, flat_inputs):
        return dict(angle=_uniform(self.degrees[0], self.degrees[1]))

    def transform(self, inpt, params):
        return self._call_kernel(F.rotate, inpt, **params, interpolation=self.interpolation, expand=self.expand,
                                 center=self.center, fill=_get_fill(self._fill, type(inpt)))


class RandomAffine(Transform):
    """Random rotation, translation, scale and shear of the sample (boxes and key points follow).

    Args:
        degrees: rotation range (min, max) in clockwise degrees, or d for (-d, d).
        translate: (a, b): horizontal shift drawn in ``±a * width``, vertical in ``±b * height`` (rounded).
        scale: (min, max) scale range; default 1.
        shear: x shear range (d, (min, max)), or (xmin, xmax, ymin, ymax); default none.
        interpolation: nearest (default) or bilinear.
        fill: value(s) of pixels from outside the input, or a dict from input type to value.
        center: (x, y) centre; default the image centre.

    Example::

        >>> RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1))(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation="nearest",
                 fill=0, center=None):
        super().__init__()
        self.degrees, self.translate, self.scale, self.shear = _affine_ranges(degrees, translate, scale, shear)
        self.interpolation = interpolation
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.center = center

    def make_params(self, flat_inputs):
        height, width = query_size(flat_inputs)
        # (v1's draws: the same calls in the same order)
        angle, translate, scale, shear = _RandomAffineV1.get_params(self.degrees, self.translate, self.scale,
                                                                    self.shear, [width, height])
        return dict(angle=angle, translate=translate, scale=scale, shear=shear)

    def transform(self, inpt, params):
        return self._call_kernel(F.affine, inpt, **params, interpolation=self.interpolation,
                                 fill=_get_fill(self._fill, type(inpt)), center=self.center)


class RandomPerspective(_RandomApplyTransform):
    """With probability ``p``, warp the sample so that its corners move inwards by random amounts (up to
    ``distortion_scale`` of half the side).

    Args:
        distortion_scale: in [0, 1].
        p: probability of the warp.
        interpolation: bilinear (default) or nearest.
        fill: value(s) of pixels from outside the input, or a dict from input type to value.

    Example::

        >>> RandomPerspective(p=1.0)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self, distortion_scale=0.5, p=0.5, interpolation="bilinear", fill=0):
        super().__init__(p=p)
        if not (0 <= distortion_scale <= 1):
            raise ValueError("Argument distortion_scale value should be between 0 and 1")
        self.distortion_scale = distortion_scale
        self.interpolation = interpolation
        self.fill = fill
        self._fill = _setup_fill_arg(fill)

    def make_params(self, flat_inputs):
        height, width = query_size(flat_inputs)
        bound_h = int(self.distortion_scale * (height // 2)) + 1
        bound_w = int(self.distortion_scale * (width // 2)) + 1

        def draw(low, high):
            return int(randint(low, high, size=(1,)))
        topleft = [draw(0, bound_w), draw(0, bound_h)]
        topright = [draw(width - bound_w, width), draw(0, bound_h)]
        botright = [draw(width - bound_w, width), draw(height - bound_h, height)]
        botleft = [draw(0, bound_w), draw(height - bound_h, height)]
        startpoints = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        endpoints = [topleft, topright, botright, botleft]
        return dict(coefficients=F1._perspective_coeffs(startpoints, endpoints))

    def transform(self, inpt, params):
        return self._call_kernel(F.perspective, inpt, startpoints=None, endpoints=None,
                                 fill=_get_fill(self._fill, type(inpt)), interpolation=self.interpolation, **params)


class ElasticTransform(Transform):
    """Elastic deformation: a random displacement field (uniform noise, Gaussian-blurred with ``sigma``, scaled
    by ``alpha``) moves the pixels; boxes and key points follow approximately.

    Args:
        alpha: displacement magnitude (a number, or one per axis (x, y)).
        sigma: smoothness of the field (a number, or one per axis).
        interpolation: bilinear (default) or nearest.
        fill: value(s) of pixels from outside the input, or a dict from input type to value.

    Example::

        >>> ElasticTransform(alpha=10.0, sigma=1.0)(ember.rand(3, 16, 16)).shape
        ember.Size([3, 16, 16])
    """

    def __init__(self, alpha=50.0, sigma=5.0, interpolation="bilinear", fill=0):
        super().__init__()
        self.alpha = _setup_number_or_seq(alpha, "alpha")
        self.sigma = _setup_number_or_seq(sigma, "sigma")
        self.interpolation = interpolation
        self.fill = fill
        self._fill = _setup_fill_arg(fill)

    def _field(self, size, axis):
        d = rand([1, 1] + size) * 2 - 1
        sigma = self.sigma[axis]
        if sigma > 0.0:
            k = int(8 * sigma + 1)
            k += 1 - k % 2  # odd
            d = F1.gaussian_blur(d, [k, k], list(self.sigma))
        return d * self.alpha[axis] / size[1 - axis]  # (x offsets scaled by the width, y by the height)

    def make_params(self, flat_inputs):
        size = list(query_size(flat_inputs))
        dx = self._field(size, 0)
        dy = self._field(size, 1)
        return dict(displacement=cat([dx, dy], 1).permute([0, 2, 3, 1]))  # [1, H, W, 2]

    def transform(self, inpt, params):
        return self._call_kernel(F.elastic, inpt, **params, fill=_get_fill(self._fill, type(inpt)),
                                 interpolation=self.interpolation)


class RandomZoomOut(_RandomApplyTransform):
    """With probability ``p``, place the sample at a random spot of a canvas ``r`` times larger (``r`` uniform in
    ``side_range``), filled with ``fill``: the "zoom out" of SSD.

    Example::

        >>> RandomZoomOut(side_range=(2.0, 2.0), p=1.0)(ember.rand(3, 8, 8)).shape
        ember.Size([3, 16, 16])
    """

    def __init__(self, fill=0, side_range=(1.0, 4.0), p=0.5):
        super().__init__(p=p)
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        _check_sequence_input(side_range, "side_range", req_sizes=(2,))
        self.side_range = side_range
        if side_range[0] < 1.0 or side_range[0] > side_range[1]:
            raise ValueError(f"Invalid side range provided {side_range}.")

    def make_params(self, flat_inputs):
        orig_h, orig_w = query_size(flat_inputs)
        r = self.side_range[0] + rand(1) * (self.side_range[1] - self.side_range[0])
        canvas_w = int(orig_w * r)
        canvas_h = int(orig_h * r)
        r = rand(2)
        left = int((canvas_w - orig_w) * r[0])
        top = int((canvas_h - orig_h) * r[1])
        right = canvas_w - (left + orig_w)
        bottom = canvas_h - (top + orig_h)
        return dict(padding=[left, top, right, bottom])

    def transform(self, inpt, params):
        return self._call_kernel(F.pad, inpt, **params, fill=_get_fill(self._fill, type(inpt)))


def _box_iou_max(boxes, crop):
    """The largest IoU of XYXY ``boxes`` [N, 4] with the one box ``crop``."""
    lt = xp.maximum(boxes[:, :2], crop[:2])
    rb = xp.minimum(boxes[:, 2:], crop[2:])
    wh = (rb - lt).clip(0, None)
    inter = wh[:, 0] * wh[:, 1]
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + (crop[2] - crop[0]) * (crop[3] - crop[1]) - inter
    return (inter / union).max()


class RandomIoUCrop(Transform):
    """The SSD random crop: draw a minimum IoU from ``sampler_options`` (1.0 or more: no crop), then up to
    ``trials`` crops until one holds a box centre and overlaps those boxes with at least that IoU; boxes whose
    centre falls outside the crop are zeroed (remove them with :class:`SanitizeBoundingBoxes`).

    Args:
        min_scale, max_scale: range of the crop's sides as fractions of the image's.
        min_aspect_ratio, max_aspect_ratio: range of the crop's width / height.
        sampler_options: the minimum IoUs to choose from (default ``[0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0]``).
        trials: crops tried per drawn IoU.

    Example::

        >>> boxes = tv_tensors.BoundingBoxes([[2, 2, 12, 12]], format="XYXY", canvas_size=(16, 16))
        >>> img, boxes = RandomIoUCrop()(tv_tensors.Image(ember.rand(3, 16, 16)), boxes)
    """

    def __init__(self, min_scale=0.3, max_scale=1.0, min_aspect_ratio=0.5, max_aspect_ratio=2.0,
                 sampler_options=None, trials=40):
        super().__init__()
        self.min_scale = min_scale
        self.max_scale = max_scale
        self.min_aspect_ratio = min_aspect_ratio
        self.max_aspect_ratio = max_aspect_ratio
        self.options = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0] if sampler_options is None else sampler_options
        self.trials = trials

    def check_inputs(self, flat_inputs):
        if not (has_all(flat_inputs, tv_tensors.BoundingBoxes)
                and has_any(flat_inputs, F1._is_pil, tv_tensors.Image, is_pure_tensor)):
            raise TypeError(f"{type(self).__name__}() requires input sample to contain tensor or PIL images and "
                            "bounding boxes. Sample can also contain masks.")

    def make_params(self, flat_inputs):
        orig_h, orig_w = query_size(flat_inputs)
        bboxes = get_bounding_boxes(flat_inputs)
        xyxy = _convert_format_array(bboxes._data, _parse_format(bboxes.format), tv_tensors.BoundingBoxFormat.XYXY)
        xyxy = xyxy.reshape(-1, 4)
        cx = 0.5 * (xyxy[:, 0] + xyxy[:, 2])
        cy = 0.5 * (xyxy[:, 1] + xyxy[:, 3])
        while True:
            # (the random numbers are drawn and combined as float32 tensors, as torchvision does)
            idx = int(randint(0, len(self.options), size=(1,)))
            min_iou = self.options[idx]
            if min_iou >= 1.0:  # no crop
                return dict()
            for _ in range(self.trials):
                r = self.min_scale + (self.max_scale - self.min_scale) * rand(2)
                new_w = int(orig_w * r[0])
                new_h = int(orig_h * r[1])
                if new_h == 0 or not (self.min_aspect_ratio <= new_w / new_h <= self.max_aspect_ratio):
                    continue
                r = rand(2)
                left = int((orig_w - new_w) * r[0])
                top = int((orig_h - new_h) * r[1])
                right, bottom = left + new_w, top + new_h
                if left == right or top == bottom:
                    continue
                within = (left < cx) & (cx < right) & (top < cy) & (cy < bottom)
                if not within.any():
                    continue
                crop = xp.asarray([left, top, right, bottom], dtype=xyxy.dtype)
                if _box_iou_max(xyxy[within], crop) < min_iou:
                    continue
                return dict(top=top, left=left, height=new_h, width=new_w, is_within_crop_area=within)

    def transform(self, inpt, params):
        if len(params) < 1:
            return inpt
        output = self._call_kernel(F.crop, inpt, top=params["top"], left=params["left"], height=params["height"],
                                   width=params["width"])
        if isinstance(output, tv_tensors.BoundingBoxes):
            data = output._data.copy()
            data.reshape(-1, data.shape[-1])[~params["is_within_crop_area"]] = 0
            output = tv_tensors.wrap(wrap(data), like=output)
        return output


class ScaleJitter(Transform):
    """Resize by a random factor: ``target_size`` fitted in the image times a factor uniform in ``scale_range``
    (large-scale jitter of Copy-Paste augmentation).

    Example::

        >>> ScaleJitter((16, 16), scale_range=(0.5, 0.5))(ember.rand(3, 8, 8)).shape
        ember.Size([3, 8, 8])
    """

    def __init__(self, target_size, scale_range=(0.1, 2.0), interpolation="bilinear",
                 antialias=True):
        super().__init__()
        self.target_size = target_size
        self.scale_range = scale_range
        self.interpolation = interpolation
        self.antialias = antialias

    def make_params(self, flat_inputs):
        orig_h, orig_w = query_size(flat_inputs)
        scale = self.scale_range[0] + rand(1) * (self.scale_range[1] - self.scale_range[0])
        # (torchvision pairs target_size[1] with the height and [0] with the width)
        r = min(self.target_size[1] / orig_h, self.target_size[0] / orig_w) * scale
        return dict(size=(int(orig_h * r), int(orig_w * r)))

    def transform(self, inpt, params):
        return self._call_kernel(F.resize, inpt, size=params["size"], interpolation=self.interpolation,
                                 antialias=self.antialias)


class RandomShortestSize(Transform):
    """Resize so that the shorter side is one of ``min_size`` (chosen at random), the longer side at most
    ``max_size``.

    Example::

        >>> RandomShortestSize([4])(ember.rand(3, 8, 16)).shape
        ember.Size([3, 4, 8])
    """

    def __init__(self, min_size, max_size=None, interpolation="bilinear", antialias=True):
        super().__init__()
        self.min_size = [min_size] if isinstance(min_size, int) else list(min_size)
        self.max_size = max_size
        self.interpolation = interpolation
        self.antialias = antialias

    def make_params(self, flat_inputs):
        orig_h, orig_w = query_size(flat_inputs)
        min_size = self.min_size[int(randint(0, len(self.min_size), size=()))]
        r = min_size / min(orig_h, orig_w)
        if self.max_size is not None:
            r = min(r, self.max_size / max(orig_h, orig_w))
        return dict(size=(int(orig_h * r), int(orig_w * r)))

    def transform(self, inpt, params):
        return self._call_kernel(F.resize, inpt, size=params["size"], interpolation=self.interpolation,
                                 antialias=self.antialias)


class RandomResize(Transform):
    """Resize the shorter side to a size drawn uniformly from ``[min_size, max_size)`` (aspect ratio kept).

    Example::

        >>> RandomResize(4, 5)(ember.rand(3, 8, 16)).shape
        ember.Size([3, 4, 8])
    """

    def __init__(self, min_size, max_size, interpolation="bilinear", antialias=True):
        super().__init__()
        self.min_size = min_size
        self.max_size = max_size
        self.interpolation = interpolation
        self.antialias = antialias

    def make_params(self, flat_inputs):
        return dict(size=[int(randint(self.min_size, self.max_size, size=()))])

    def transform(self, inpt, params):
        return self._call_kernel(F.resize, inpt, params["size"], interpolation=self.interpolation,
                                 antialias=self.antialias)


class UniformTemporalSubsample(Transform):
    """Keep ``num_samples`` evenly spaced frames of videos ``[..., T, C, H, W]``.

    Example::

        >>> UniformTemporalSubsample(2)(tv_tensors.Video(ember.rand(6, 3, 4, 4))).shape
        ember.Size([2, 3, 4, 4])
    """

    _transformed_types = (is_pure_tensor, tv_tensors.Video)

    def __init__(self, num_samples):
        super().__init__()
        self.num_samples = num_samples

    def transform(self, inpt, params):
        return self._call_kernel(F.uniform_temporal_subsample, inpt, self.num_samples)


class SetClampingMode(Transform):
    """Set the ``clamping_mode`` of every ``BoundingBoxes`` of the sample (``"soft"``, ``"hard"`` or None).

    Example::

        >>> boxes = tv_tensors.BoundingBoxes([[0, 0, 4, 4]], format="XYXY", canvas_size=(8, 8))
        >>> SetClampingMode("hard")(boxes).clamping_mode
        'hard'
    """

    _transformed_types = (tv_tensors.BoundingBoxes,)

    def __init__(self, clamping_mode):
        super().__init__()
        self.clamping_mode = clamping_mode
        if self.clamping_mode not in (None, "soft", "hard"):
            raise ValueError(f"clamping_mode must be soft, hard or None, got {clamping_mode}")

    def transform(self, inpt, params):
        return tv_tensors.wrap(inpt.clone(), like=inpt, clamping_mode=self.clamping_mode)

