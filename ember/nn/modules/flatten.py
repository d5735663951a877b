"""``Flatten`` and ``Unflatten``."""

from ember.nn.modules.module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` into one.

    Args:
        start_dim: first dim to flatten. Default: 1 (keep the batch dim).
        end_dim: last dim to flatten. Default: -1.

    Shape:
        ``(*, S_start, ..., S_end, *)`` -> ``(*, prod(S_start..S_end), *)``.

    Example::

        >>> ember.nn.Flatten()(ember.randn(32, 1, 5, 5)).shape
        ember.Size([32, 25])
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim ``dim`` into the shape ``unflattened_size`` (one entry may be -1).

    Example::

        >>> ember.nn.Unflatten(1, (2, 5, 5))(ember.randn(2, 50)).shape
        ember.Size([2, 2, 5, 5])
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if isinstance(dim, int):
            self._require_tuple_int(unflattened_size)
        elif not isinstance(dim, str):
            raise TypeError(f"invalid argument type for dim parameter, got {type(dim).__name__}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def _require_tuple_int(self, input):
        # PyTorch's private check (a list is accepted as well as a tuple)
        if not isinstance(input, (tuple, list)):
            raise TypeError(f"unflattened_size must be a tuple of ints, but found type {type(input).__name__}")
        for i, s in enumerate(input):
            if not isinstance(s, int):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element of type "
                                f"{type(s).__name__} at pos {i}")

    def forward(self, input):
        if isinstance(self.dim, str):
            raise NotImplementedError("named tensors are not supported: Unflatten needs an integer dim")
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
