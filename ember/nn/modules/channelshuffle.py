"""``ember.nn.modules.channelshuffle``: PyTorch's import path for :class:`~ember.nn.ChannelShuffle`."""

from ember.nn.modules.upsampling import ChannelShuffle

__all__ = ["ChannelShuffle"]
