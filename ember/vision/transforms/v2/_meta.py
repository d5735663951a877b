"""Transforms of box metadata: format conversion and clamping."""

from ember.vision import tv_tensors
from ember.vision.transforms.v2 import functional as F
from ember.vision.transforms.v2._transform import Transform


class ConvertBoundingBoxFormat(Transform):
    """Convert ``BoundingBoxes`` to another :class:`~ember.vision.tv_tensors.BoundingBoxFormat`.

    Args:
        format: the target format (an enum member or its name).

    Example::

        >>> boxes = tv_tensors.BoundingBoxes([[1, 2, 5, 8]], format="XYXY", canvas_size=(10, 10))
        >>> ConvertBoundingBoxFormat("XYWH")(boxes).tolist()
        [[1, 2, 4, 6]]
    """

    _transformed_types = (tv_tensors.BoundingBoxes,)

    def __init__(self, format):  # noqa: A002 - torchvision's name
        super().__init__()
        if isinstance(format, str):
            tv_tensors.BoundingBoxFormat[format.upper()]  # (checked now: KeyError; kept, and shown, as given)
        self.format = format

    def transform(self, inpt, params):
        return F.convert_bounding_box_format(inpt, new_format=self.format)


class ClampBoundingBoxes(Transform):
    """Clamp ``BoundingBoxes`` to their canvas.

    Args:
        clamping_mode: ``"soft"``, ``"hard"``, None or ``"auto"`` (each box's own mode).

    Example::

        >>> boxes = tv_tensors.BoundingBoxes([[-2, 1, 12, 5]], format="XYXY", canvas_size=(8, 10))
        >>> ClampBoundingBoxes()(boxes).tolist()
        [[0, 1, 10, 5]]
    """

    _transformed_types = (tv_tensors.BoundingBoxes,)

    def __init__(self, clamping_mode="auto"):
        super().__init__()
        self.clamping_mode = clamping_mode

    def transform(self, inpt, params):
        return F.clamp_bounding_boxes(inpt, clamping_mode=self.clamping_mode)


class ClampKeyPoints(Transform):
    """Clamp ``KeyPoints`` to their canvas."""

    _transformed_types = (tv_tensors.KeyPoints,)

    def transform(self, inpt, params):
        return F.clamp_keypoints(inpt)
