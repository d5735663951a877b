"""DropBlock regularisation (Ghiasi et al., 2018), as ``torchvision.ops.drop_block2d`` / ``drop_block3d``.

Instead of dropping single activations, whole ``block_size``-wide square (cubic) regions of each feature map are
zeroed, and the kept activations are rescaled so that the mean is preserved. The random draws are those of
torchvision (one ``bernoulli_`` over the possible block centres), so equal seeds give equal masks.

Example::

    >>> from ember.vision.ops import DropBlock2d
    >>> layer = DropBlock2d(p=0.2, block_size=3)
    >>> layer(ember.randn(2, 4, 8, 8)).shape
    ember.Size([2, 4, 8, 8])
"""

import ember
import ember.nn as nn
import ember.nn.functional as F

__all__ = ["drop_block2d", "drop_block3d", "DropBlock2d", "DropBlock3d"]


def _drop_block(input, p, block_size, inplace, eps, training, nd):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}.")
    if input.ndim != nd + 2:
        raise ValueError(f"input should be {nd + 2} dimensional. Got {input.ndim} dimensions.")
    if not training or p == 0.0:
        return input
    n, c, *spatial = input.shape
    block_size = min(block_size, *spatial)
    if block_size % 2 == 0:  # an even block has no centre: the padded max-pool below would grow the map
        raise ValueError(f"block size should be odd. Got {block_size} which is even.")
    centres = [s - block_size + 1 for s in spatial]  # block centres that keep the whole block inside
    # gamma: the rate of block centres for an expected fraction p of dropped activations (multiplied in this
    # order so that the float rounding is torchvision's).
    gamma = p
    for s in spatial:
        gamma = gamma * s
    count = 1
    for s in centres:
        count *= s
    gamma = gamma / (block_size**nd * count)
    noise = ember.empty((n, c, *centres), dtype=input.dtype, device=input.device)
    noise.bernoulli_(gamma)
    # Grow each drawn centre into a block: pad back to the input's size, then a stride-1 max over the block.
    half = block_size // 2
    noise = F.pad(noise, [half] * (2 * nd), value=0)
    pool = F.max_pool2d if nd == 2 else F.max_pool3d
    noise = pool(noise, kernel_size=(block_size,) * nd, stride=(1,) * nd, padding=half)
    noise = 1 - noise
    normalize_scale = noise.numel() / (eps + noise.sum())
    if inplace:
        return input.mul_(noise).mul_(normalize_scale)
    return input * noise * normalize_scale


def drop_block2d(input, p, block_size, inplace=False, eps=1e-06, training=True):
    """Zero random ``block_size x block_size`` regions of each channel and rescale the rest (DropBlock).

    Args:
        input: ``(N, C, H, W)``.
        p: probability of an activation being dropped, in ``[0, 1]``.
        block_size: side of the dropped squares (capped at ``min(H, W)``; the capped value must be odd).
        inplace: modify ``input`` in place (default False).
        eps: added to the count of kept activations before rescaling by ``numel / count`` (default 1e-6).
        training: apply it only when True (default); otherwise (or with ``p == 0``) ``input`` is returned.

    Returns:
        A tensor of ``input``'s shape.

    Example::

        >>> y = drop_block2d(ember.ones(1, 1, 6, 6), p=0.3, block_size=3)
        >>> y.shape
        ember.Size([1, 1, 6, 6])
    """
    return _drop_block(input, p, block_size, inplace, eps, training, 2)


def drop_block3d(input, p, block_size, inplace=False, eps=1e-06, training=True):
    """Zero random ``block_size``-wide cubes of each channel and rescale the rest (DropBlock in 3-D).

    Args:
        input: ``(N, C, D, H, W)``.
        p: probability of an activation being dropped, in ``[0, 1]``.
        block_size: edge of the dropped cubes (capped at ``min(D, H, W)``; the capped value must be odd).
        inplace: modify ``input`` in place (default False).
        eps: added to the count of kept activations before rescaling (default 1e-6).
        training: apply it only when True (default).

    Returns:
        A tensor of ``input``'s shape.

    Example::

        >>> drop_block3d(ember.ones(1, 2, 4, 6, 6), p=0.3, block_size=3).shape
        ember.Size([1, 2, 4, 6, 6])
    """
    return _drop_block(input, p, block_size, inplace, eps, training, 3)


class DropBlock2d(nn.Module):
    """Module form of :func:`drop_block2d` (active in training mode only).

    Args:
        p: drop probability.
        block_size: side of the dropped squares.
        inplace: modify the input in place (default False).
        eps: rescaling guard (default 1e-6).

    Shape:
        - Input: ``(N, C, H, W)``; Output: the same shape.

    Example::

        >>> layer = DropBlock2d(0.1, 3).eval()
        >>> x = ember.randn(1, 2, 5, 5)
        >>> layer(x) is x
        True
    """

    _fn = staticmethod(drop_block2d)

    def __init__(self, p, block_size, inplace=False, eps=1e-06):
        super().__init__()
        self.p = p
        self.block_size = block_size
        self.inplace = inplace
        self.eps = eps

    def forward(self, input):
        return self._fn(input, self.p, self.block_size, self.inplace, self.eps, self.training)

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p}, block_size={self.block_size}, inplace={self.inplace})"


class DropBlock3d(DropBlock2d):
    """Module form of :func:`drop_block3d` (active in training mode only); arguments as :class:`DropBlock2d`.

    Shape:
        - Input: ``(N, C, D, H, W)``; Output: the same shape.

    Example::

        >>> DropBlock3d(0.1, 3)(ember.randn(1, 2, 4, 5, 5)).shape
        ember.Size([1, 2, 4, 5, 5])
    """

    _fn = staticmethod(drop_block3d)
