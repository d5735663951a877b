"""Optical flow models (``ember.vision.models.optical_flow``, like ``torchvision.models.optical_flow``).

RAFT in its large and small configurations, with torchvision's layer names (state_dicts load either way) and
weights enums. A model takes two images ``(N, 3, H, W)`` (H and W divisible by 8, at least 128) and returns the
list of its successive flow estimates ``(N, 2, H, W)``.

Example::

    >>> from ember.vision.models.optical_flow import raft_small
    >>> net = raft_small().eval()
    >>> flows = net(ember.randn(1, 3, 128, 128), ember.randn(1, 3, 128, 128), num_flow_updates=2)
    >>> flows[-1].shape
    ember.Size([1, 2, 128, 128])
"""

from ember.vision.models.optical_flow.raft import *  # noqa: F403
