"""Flatten parameters into one vector and back."""

from ember import _functions
from ember._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """Concatenate the (flattened) parameters into one 1-D tensor (differentiable).

    Example::

        >>> ember.nn.utils.parameters_to_vector(ember.nn.Linear(3, 2).parameters()).shape
        ember.Size([8])
    """
    return _functions.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (replacing their data)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[pointer:pointer + n].view_as(p).data
        pointer += n
