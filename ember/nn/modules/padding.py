"""Padding layers: constant / zero / reflection / replication / circular, 1-3 spatial dims."""

from ember.nn import _functional_conv as F
from ember.nn.modules.module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _padding(padding, nd):
    """An int pads every side; a tuple is (left, right[, top, bottom[, front, back]])."""
    if isinstance(padding, (tuple, list)):
        return tuple(padding)  # (any length: F.pad checks it at forward, as PyTorch)
    return (padding,) * (2 * nd)


class _PadNd(Module):
    _nd = 1
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(padding, self._nd)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


def _circular_dims(input, nd):
    """The circular padding layers take ``nd + 1`` (unbatched) or ``nd + 2`` dims, as PyTorch's."""
    if input.dim() not in (nd + 1, nd + 2):
        raise ValueError(f"expected {nd + 1}D or {nd + 2}D input (got {input.dim()}D input)")
    return input


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: ``padding`` is an int or ``(left, right)``.

    Example::

        >>> ember.nn.ConstantPad1d(2, 3.5)(ember.zeros(1, 2, 4)).shape
        ember.Size([1, 2, 8])
    """

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``: int or ``(left, right, top, bottom)``.

    Example::

        >>> ember.nn.ConstantPad2d((1, 1, 2, 0), 3.5)(ember.zeros(1, 2, 2)).shape
        ember.Size([1, 4, 4])
    """

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``: int or ``(left, right, top, bottom, front, back)``."""

    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros: int or ``(left, right)``."""

    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros: int or ``(left, right, top, bottom)``.

    Example::

        >>> ember.nn.ZeroPad2d(2)
        ZeroPad2d((2, 2, 2, 2))
        >>> ember.nn.ZeroPad2d(2)(ember.randn(1, 1, 3, 3)).shape
        ember.Size([1, 1, 7, 7])
    """

    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros."""

    _nd = 3


class ReflectionPad1d(_PadNd):
    """Pad the last dim with its reflection (edge not repeated); each pad must be < the input size.

    Example::

        >>> ember.nn.ReflectionPad1d(2)(ember.arange(4.).reshape(1, 1, 4)).tolist()
        [[[2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0, 1.0]]]
    """

    _nd = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last two dims by reflection: int or ``(left, right, top, bottom)``."""

    _nd = 2
    _mode = "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last three dims by reflection."""

    _nd = 3
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating the edge value.

    Example::

        >>> ember.nn.ReplicationPad1d(2)(ember.arange(3.).reshape(1, 1, 3)).tolist()
        [[[0.0, 0.0, 0.0, 1.0, 2.0, 2.0, 2.0]]]
    """

    _nd = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two dims by repeating the edges: int or ``(left, right, top, bottom)``."""

    _nd = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last three dims by repeating the edges."""

    _nd = 3
    _mode = "replicate"


class CircularPad1d(_PadNd):
    """Pad the last dim by wrapping around (periodic boundary)."""

    _nd = 1
    _mode = "circular"

    def forward(self, input):
        return F.pad(_circular_dims(input, self._nd), self.padding, "circular")


class CircularPad2d(_PadNd):
    """Pad the last two dims by wrapping around."""

    _nd = 2
    _mode = "circular"

    def forward(self, input):
        return F.pad(_circular_dims(input, self._nd), self.padding, "circular")


class CircularPad3d(_PadNd):
    """Pad the last three dims by wrapping around."""

    _nd = 3
    _mode = "circular"

    def forward(self, input):
        return F.pad(_circular_dims(input, self._nd), self.padding, "circular")
