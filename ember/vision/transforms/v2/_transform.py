"""The v2 ``Transform`` base class (see the package docstring for how to write a transform)."""

import enum

from ember._functions import rand
from ember._tensor import Tensor
from ember.nn import Module
from ember.vision import tv_tensors
from ember.vision.transforms import functional as F1
from ember.vision.transforms.v2._utils import check_type, has_any, tree_flatten, tree_unflatten
from ember.vision.transforms.v2.functional._utils import _get_kernel, is_pure_tensor


def _transformed_default():
    Image = F1._pil_image()
    return (Tensor,) if Image is None else (Tensor, Image.Image)


class Transform(Module):
    """Base class of the v2 transforms: applies itself to every supported leaf of an arbitrary sample.

    ``forward(*inputs)`` flattens the sample (tuples, lists, dicts), calls :meth:`check_inputs`, draws the
    parameters once with :meth:`make_params` and applies :meth:`transform` to each leaf whose type is in
    ``_transformed_types``. Leaves of other types pass through unchanged, and so do all plain tensors but the
    first when the sample holds no ``Image``, ``Video`` or PIL image (the first plain tensor is then "the image").

    Example::

        >>> class AddOne(Transform):
        ...     def transform(self, inpt, params):
        ...         return inpt + 1
        >>> AddOne()(ember.zeros(1), "label")
        (tensor([1.]), 'label')
    """

    _transformed_types = _transformed_default()

    def __init__(self):
        super().__init__()

    def check_inputs(self, flat_inputs):
        """Raise for samples this transform cannot handle (called before any parameter is drawn)."""

    def make_params(self, flat_inputs):
        """The parameters shared by all leaves of one call (drawn at random by random transforms)."""
        return dict()

    def transform(self, inpt, params):
        """Transform one leaf with ``params`` (from :meth:`make_params`)."""
        raise NotImplementedError

    def _call_kernel(self, functional, inpt, *args, **kwargs):
        # Types without a kernel (e.g. a Mask for a colour functional) pass through.
        return _get_kernel(functional, type(inpt), allow_passthrough=True)(inpt, *args, **kwargs)

    def forward(self, *inputs):
        flat_inputs, spec = tree_flatten(inputs if len(inputs) > 1 else inputs[0])
        self.check_inputs(flat_inputs)
        needs = self._needs_transform_list(flat_inputs)
        params = self.make_params([inpt for inpt, n in zip(flat_inputs, needs) if n])
        flat_outputs = [self.transform(inpt, params) if n else inpt for inpt, n in zip(flat_inputs, needs)]
        return tree_unflatten(flat_outputs, spec)

    def _needs_transform_list(self, flat_inputs):
        transform_pure_tensor = not has_any(flat_inputs, tv_tensors.Image, tv_tensors.Video, F1._is_pil)
        needs = []
        for inpt in flat_inputs:
            need = check_type(inpt, self._transformed_types)
            if need and is_pure_tensor(inpt):
                need, transform_pure_tensor = transform_pure_tensor, False
            needs.append(need)
        return needs

    def extra_repr(self):
        extra = []
        for name, value in self.__dict__.items():
            if name.startswith("_") or name == "training":
                continue
            if not isinstance(value, (bool, int, float, str, tuple, list, enum.Enum)):
                continue
            # (enums show as their str, "InterpolationMode.BILINEAR"; the default modes are strings, "bilinear")
            extra.append(f"{name}={value}")
        return ", ".join(extra)


class _RandomApplyTransform(Transform):
    """A transform applied with probability ``p`` (one ``rand(1)`` draw per call, after :meth:`check_inputs`)."""

    def __init__(self, p=0.5):
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        super().__init__()
        self.p = p

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        flat_inputs, spec = tree_flatten(inputs)
        self.check_inputs(flat_inputs)
        if rand(1) >= self.p:
            return inputs
        needs = self._needs_transform_list(flat_inputs)
        params = self.make_params([inpt for inpt, n in zip(flat_inputs, needs) if n])
        flat_outputs = [self.transform(inpt, params) if n else inpt for inpt, n in zip(flat_inputs, needs)]
        return tree_unflatten(flat_outputs, spec)
