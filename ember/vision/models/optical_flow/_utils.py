"""Helpers of the optical flow models (mirrors ``torchvision.models.optical_flow._utils``): pixel-coordinate
grids, sampling at pixel coordinates and upsampling of flow fields."""

import ember
import ember.nn.functional as F

__all__ = ["grid_sample", "make_coords_grid", "upsample_flow"]


def grid_sample(img, absolute_grid, mode="bilinear", align_corners=None):
    """:func:`ember.nn.functional.grid_sample` with the grid in pixel coordinates instead of ``[-1, 1]``.

    Args:
        img: ``(N, C, H, W)``.
        absolute_grid: ``(N, Ho, Wo, 2)`` of ``(x, y)`` pixel positions (x indexes W).
        mode: interpolation mode, as :func:`~ember.nn.functional.grid_sample`.
        align_corners: as :func:`~ember.nn.functional.grid_sample` (``True`` maps pixel centres exactly).

    Returns:
        ``(N, C, Ho, Wo)``.

    Example::

        >>> img = ember.arange(6.0).view(1, 1, 1, 6)
        >>> grid_sample(img, ember.tensor([[[[1.5, 0.0]]]]), align_corners=True)
        tensor([[[[1.5000]]]])
    """
    h, w = img.shape[-2:]
    xgrid, ygrid = absolute_grid.split([1, 1], dim=-1)
    xgrid = 2 * xgrid / (w - 1) - 1
    # a single row (stereo matching's 1-D cost volumes) keeps y as given: there is nothing to normalise by
    if h > 1:
        ygrid = 2 * ygrid / (h - 1) - 1
    return F.grid_sample(img, ember.cat([xgrid, ygrid], dim=-1), mode=mode, align_corners=align_corners)


def make_coords_grid(batch_size, h, w, device="cpu"):
    """The pixel coordinates of an ``h x w`` image: channel 0 is x (the column), channel 1 is y (the row).

    Args:
        batch_size: number of copies along the batch dimension.
        h, w: the image size.
        device: where the grid lives.

    Returns:
        ``(batch_size, 2, h, w)`` float32.

    Example::

        >>> make_coords_grid(1, 2, 3)[0, 0]
        tensor([[0., 1., 2.],
                [0., 1., 2.]])
    """
    device = ember.device(device)
    rows, cols = ember.meshgrid(ember.arange(h, device=device), ember.arange(w, device=device), indexing="ij")
    coords = ember.stack([cols, rows], dim=0).float()
    return coords[None].repeat(batch_size, 1, 1, 1)


def upsample_flow(flow, up_mask=None, factor=8):
    """Upsample a flow field ``factor`` times (its vectors scaled alike).

    Without ``up_mask`` the flow is interpolated bilinearly (``align_corners=True``); with it, every output pixel
    is a convex combination of the 3x3 coarse neighbours of its coarse pixel, weighted by the softmax of its 9
    mask logits (RAFT's learned upsampling).

    Args:
        flow: ``(N, C, H, W)``.
        up_mask: ``(N, 9 * factor * factor, H, W)`` logits, or ``None``.
        factor: the upsampling factor.

    Returns:
        ``(N, C, H * factor, W * factor)``.

    Example::

        >>> upsample_flow(ember.ones(1, 2, 3, 4)).shape
        ember.Size([1, 2, 24, 32])
    """
    batch_size, num_channels, h, w = flow.shape
    new_h, new_w = h * factor, w * factor
    if up_mask is None:
        return factor * F.interpolate(flow, size=(new_h, new_w), mode="bilinear", align_corners=True)
    up_mask = ember.softmax(up_mask.view(batch_size, 1, 9, factor, factor, h, w), dim=2)
    # the 3x3 neighbourhood of every coarse pixel: (N, C, 9, 1, 1, H, W), broadcast against the mask's sub-pixels
    neighbours = F.unfold(factor * flow, kernel_size=3, padding=1).view(batch_size, num_channels, 9, 1, 1, h, w)
    upsampled = ember.sum(up_mask * neighbours, dim=2)  # (N, C, factor, factor, H, W)
    return upsampled.permute(0, 1, 4, 2, 5, 3).reshape(batch_size, num_channels, new_h, new_w)
