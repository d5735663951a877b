"""``ember.nn.modules.pixelshuffle``: PyTorch's import path for :class:`~ember.nn.PixelShuffle` and
:class:`~ember.nn.PixelUnshuffle`."""

from ember.nn.modules.upsampling import PixelShuffle, PixelUnshuffle

__all__ = ["PixelShuffle", "PixelUnshuffle"]
