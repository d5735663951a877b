"""``GridSampler2d``: sample a ``(N, C, H, W)`` input at the normalised ``(x, y)`` points of a ``(N, Ho, Wo, 2)``
grid (bilinear or nearest; zeros, border or reflection padding), as ``F.grid_sample``.

Every grid point is mapped to input pixel coordinates once; its taps (4 for bilinear, 1 for nearest) are
gathered for all channels at once with ``take_along_axis`` on the flattened spatial axis. The input gradient
scatters the taps back with one ``bincount`` per call; the grid gradient is the analytic derivative of the
bilinear weights, chained through the padding and unnormalisation.
"""

from ember._backend import xp
from ember._ops import Op


def _unnormalize(coord, size, align_corners):
    """Pixel coordinate of a [-1, 1] coordinate, and d(pixel)/d(coord).

    Rounded as PyTorch's CPU kernel does (``(c + 1) * scale - 0.5``), so that points that land on a pixel
    centre fall on the same side of it (the bilinear gradient changes there)."""
    if align_corners:
        return (coord + 1) * ((size - 1) / 2), (size - 1) / 2
    return (coord + 1) * (size / 2) - 0.5, size / 2


def _clip(coord, size):
    """Clip to [0, size - 1]; the gradient multiplier is 0 where clipped (also exactly at the bounds)."""
    mult = ((coord > 0) & (coord < size - 1)).astype(coord.dtype)
    return xp.clip(coord, 0, size - 1), mult


def _reflect(coord, twice_low, twice_high):
    """Reflect into [twice_low/2, twice_high/2]; returns the coordinate and the gradient sign."""
    if twice_low == twice_high:
        return xp.zeros_like(coord), xp.zeros_like(coord)
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = coord - lo
    sign = xp.where(c < 0, -1, 1).astype(coord.dtype)
    c = xp.abs(c)
    extra = xp.fmod(c, span)
    flips = xp.floor(c / span)
    even = (flips % 2) == 0
    out = xp.where(even, extra + lo, span - extra + lo).astype(coord.dtype)
    return out, xp.where(even, sign, -sign)


def _source_coords(coord, size, padding_mode, align_corners):
    """Pixel coordinates after padding, and d(pixel)/d(normalised coord)."""
    c, scale = _unnormalize(coord, size, align_corners)
    mult = xp.full_like(c, scale)
    if padding_mode == "border":
        c, m = _clip(c, size)
        mult *= m
    elif padding_mode == "reflection":
        if align_corners:
            c, m = _reflect(c, 0, 2 * (size - 1))
        else:
            c, m = _reflect(c, -1, 2 * size - 1)
        mult *= m
        c, m = _clip(c, size)
        mult *= m
    return c, mult


class GridSampler2d(Op):
    """``out[n, c, i, j] = input[n, c]`` interpolated at ``grid[n, i, j]`` (``x`` indexes W, ``y`` indexes H)."""

    family = "sampling"
    grad_name = "GridSampler2DBackward0"

    def _taps(self, shape, grid):
        """For each tap: flat spatial index ``(N, P)``, weight ``(N, P)`` (0 where out of bounds), and the
        pieces the grid gradient needs."""
        _, _, h, w = shape
        ix, mx = _source_coords(grid[..., 0].reshape(grid.shape[0], -1), w, self.padding_mode, self.align_corners)
        iy, my = _source_coords(grid[..., 1].reshape(grid.shape[0], -1), h, self.padding_mode, self.align_corners)
        if self.mode == "nearest":
            x0, y0 = xp.rint(ix), xp.rint(iy)
            corners = [(x0, y0, None, None)]
        else:
            x0, y0 = xp.floor(ix), xp.floor(iy)
            x1, y1 = x0 + 1, y0 + 1
            fx, fy = ix - x0, iy - y0  # weights of the far corners
            gx, gy = 1 - fx, 1 - fy
            # (corner x, corner y, weight along x with its d/dix sign, weight along y with its d/diy sign)
            corners = [(x0, y0, (gx, -1), (gy, -1)), (x1, y0, (fx, 1), (gy, -1)),
                       (x0, y1, (gx, -1), (fy, 1)), (x1, y1, (fx, 1), (fy, 1))]
        taps = []
        for cx, cy, wx, wy in corners:
            valid = (cx >= 0) & (cx <= w - 1) & (cy >= 0) & (cy <= h - 1)
            idx = (xp.clip(cy, 0, h - 1) * w + xp.clip(cx, 0, w - 1)).astype(xp.intp)
            vf = valid.astype(grid.dtype)
            weight = vf if wx is None else wx[0] * wy[0] * vf
            taps.append((idx, weight, vf, wx, wy))
        return taps, mx, my

    def forward(self, input, grid):
        n, c, h, w = input.shape
        ho, wo = grid.shape[1], grid.shape[2]
        flat = input.reshape(n, c, h * w)
        taps, mx, my = self._taps(input.shape, grid)
        out = xp.zeros((n, c, ho * wo), dtype=input.dtype)
        for idx, weight, _, _, _ in taps:
            out += xp.take_along_axis(flat, idx[:, None, :], axis=2) * weight[:, None, :]
        if self.requires_grad:
            self.save(input, grid)
        return out.reshape(n, c, ho, wo)

    def backward(self, grad):
        input, grid = self.saved
        n, c, h, w = input.shape
        p = grid.shape[1] * grid.shape[2]
        g = grad.reshape(n, c, p)
        taps, mx, my = self._taps(input.shape, grid)
        grad_input = grad_grid = None
        if self.needs_input_grad[0]:
            base = (xp.arange(n, dtype=xp.intp)[:, None, None] * c + xp.arange(c, dtype=xp.intp)[None, :, None]) \
                * (h * w)
            index = xp.concatenate([(base + idx[:, None, :]).ravel() for idx, *_ in taps])
            values = xp.concatenate([(g * weight[:, None, :]).ravel() for _, weight, *_ in taps])
            grad_input = xp.bincount(index, weights=values, minlength=n * c * h * w).astype(input.dtype)
            grad_input = grad_input.reshape(input.shape)
        if self.needs_input_grad[1]:
            grad_grid = xp.zeros(grid.shape, dtype=grid.dtype)
            if self.mode == "bilinear":
                flat = input.reshape(n, c, h * w)
                gix = xp.zeros((n, p), dtype=grid.dtype)
                giy = xp.zeros((n, p), dtype=grid.dtype)
                for idx, _, vf, (wx, sx), (wy, sy) in taps:
                    # sum over channels of upstream gradient times the tap's value
                    dot = xp.einsum("ncp,ncp->np", g, xp.take_along_axis(flat, idx[:, None, :], axis=2)) * vf
                    gix += sx * wy * dot
                    giy += sy * wx * dot
                grad_grid[..., 0] = (gix * mx).reshape(grid.shape[:-1])
                grad_grid[..., 1] = (giy * my).reshape(grid.shape[:-1])
        return grad_input, grad_grid
