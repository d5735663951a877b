"""Helpers of the v2 transforms: flattening samples (pytrees), querying sizes, argument checks."""

import numbers
from collections import OrderedDict

from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.v2.functional._meta import get_dimensions, get_size
from ember.vision.transforms.v2.functional._utils import is_pure_tensor


# ----------------------------------------------------------------------------- pytrees
# A sample is any nesting of tuples, lists and dicts (namedtuples and OrderedDicts keep their type); everything
# else is a leaf. ``tree_flatten`` gives the leaves in order and a spec that ``tree_unflatten`` rebuilds from.
def tree_flatten(tree):
    """(leaves, spec) of a nested tuple / list / dict sample."""
    leaves = []
    return leaves, _flatten(tree, leaves)


def _flatten(node, leaves):
    if isinstance(node, (list, tuple)):
        return (type(node), None, [_flatten(v, leaves) for v in node])
    if isinstance(node, dict):
        return (type(node), list(node.keys()), [_flatten(v, leaves) for v in node.values()])
    leaves.append(node)
    return None


def tree_unflatten(leaves, spec):
    """The sample of ``spec`` (from :func:`tree_flatten`) with ``leaves`` in place of its leaves."""
    it = iter(leaves)
    return _unflatten(spec, it)


def _unflatten(spec, it):
    if spec is None:
        return next(it)
    kind, keys, children = spec
    values = [_unflatten(c, it) for c in children]
    if keys is not None:
        return kind(zip(keys, values)) if kind in (dict, OrderedDict) else _rebuild_dict(kind, keys, values)
    if hasattr(kind, "_fields"):  # namedtuple
        return kind(*values)
    return kind(values)


def _rebuild_dict(kind, keys, values):
    try:
        out = kind()
    except TypeError:  # (a dict subclass without a no-argument constructor)
        return dict(zip(keys, values))
    out.update(zip(keys, values))
    return out


# ----------------------------------------------------------------------------- sample queries
def check_type(obj, types_or_checks):
    """Whether ``obj`` is an instance of one of the types or passes one of the predicates."""
    for t in types_or_checks:
        if (isinstance(obj, t) if isinstance(t, type) else t(obj)):
            return True
    return False


def has_any(flat_inputs, *types_or_checks):
    """Whether any input matches any of ``types_or_checks``."""
    return any(check_type(inpt, types_or_checks) for inpt in flat_inputs)


def has_all(flat_inputs, *types_or_checks):
    """Whether each of ``types_or_checks`` matches some input."""
    return all(any(check_type(inpt, (t,)) for inpt in flat_inputs) for t in types_or_checks)


def _is_pil(x):
    return F1._is_pil(x)


def _sizes_str(sizes):
    return ", ".join(f"'{s}'" for s in sizes)


def query_chw(flat_inputs):
    """The common (C, H, W) of the images and videos of a sample.

    Raises TypeError when there is none, ValueError when they differ."""
    chws = {tuple(get_dimensions(inpt)) for inpt in flat_inputs
            if check_type(inpt, (is_pure_tensor, tv_tensors.Image, _is_pil, tv_tensors.Video))}
    if not chws:
        raise TypeError("No image or video was found in the sample")
    if len(chws) > 1:
        raise ValueError(f"Found multiple CxHxW dimensions in the sample: {_sizes_str(sorted(chws))}")
    return next(iter(chws))


def query_size(flat_inputs):
    """The common (H, W) of the images, videos, masks, boxes and key points of a sample.

    Raises TypeError when there is none, ValueError when they differ."""
    sizes = {tuple(get_size(inpt)) for inpt in flat_inputs
             if check_type(inpt, (is_pure_tensor, tv_tensors.Image, _is_pil, tv_tensors.Video, tv_tensors.Mask,
                                  tv_tensors.BoundingBoxes, tv_tensors.KeyPoints))}
    if not sizes:
        raise TypeError("No image, video, mask, bounding box of keypoint was found in the sample")
    if len(sizes) > 1:
        raise ValueError(f"Found multiple HxW dimensions in the sample: {_sizes_str(sorted(sizes))}")
    return next(iter(sizes))


def get_bounding_boxes(flat_inputs):
    """The first ``BoundingBoxes`` of a sample (ValueError when there is none)."""
    for inpt in flat_inputs:
        if isinstance(inpt, tv_tensors.BoundingBoxes):
            return inpt
    raise ValueError("No bounding boxes were found in the sample")


def get_keypoints(flat_inputs):
    """The first ``KeyPoints`` of a sample (ValueError when there is none)."""
    for inpt in flat_inputs:
        if isinstance(inpt, tv_tensors.KeyPoints):
            return inpt
    raise ValueError("No keypoints were found in the sample")


# ----------------------------------------------------------------------------- argument checks
_setup_size = F1._setup_size  # (a 2-sequence is kept as given, so reprs show it as torchvision's do)


def _check_fill_arg(fill):
    if isinstance(fill, dict):
        for value in fill.values():
            _check_fill_arg(value)
    elif fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg, only Numbers, tuples, lists and dicts are allowed.")


def _convert_fill_arg(fill):
    if fill is None or isinstance(fill, numbers.Number):
        return fill
    return [float(v) for v in fill]


def _setup_fill_arg(fill):
    """``fill`` as a dict from input type (or ``"others"``) to the fill value."""
    _check_fill_arg(fill)
    if isinstance(fill, dict):
        return {k: _convert_fill_arg(v) for k, v in fill.items()}
    return _DefaultFill(_convert_fill_arg(fill))


class _DefaultFill(dict):
    """A fill dict with one value for every type."""

    def __init__(self, value):
        super().__init__()
        self.value = value

    def __missing__(self, key):
        return self.value


def _get_fill(fill_dict, inpt_type):
    if isinstance(fill_dict, _DefaultFill):
        return fill_dict.value
    if inpt_type in fill_dict:
        return fill_dict[inpt_type]
    return fill_dict.get("others")  # (None: the kernel's default fill)


def _check_padding_arg(padding):
    if not (isinstance(padding, int) or (isinstance(padding, (tuple, list)) and len(padding) in (1, 2, 4))):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element of tuple or list, got {padding}.")


def _check_padding_mode_arg(padding_mode):
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
