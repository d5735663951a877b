"""Spatial transformers: ``affine_grid`` and ``grid_sample``."""

import numbers

import ember
from ember import _dtype
from ember import _ops
from ember import _functions_args as _args
from ember._backend import xp
from ember._ops.sampling import GridSampler2d as _GridSampler2d
from ember._ops.sampling import GridSampler3d as _GridSampler3d
from ember._tensor import wrap

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _linspace(n, align_corners, dtype):
    """``n`` steps over [-1, 1] as PyTorch's ``linspace`` rounds them (scaled by ``(n - 1) / n`` without
    ``align_corners``)."""
    from ember._functions import _linspace_values
    if n <= 1:
        return xp.zeros(max(n, 0), dtype=dtype)
    steps = _linspace_values(-1.0, 1.0, n, dtype)
    return steps if align_corners else (steps * dtype.type(n - 1)) / dtype.type(n)


def _int_entry(v, first):
    if isinstance(v, ember.Tensor):
        return not v.is_floating_point() and v.numel() == 1
    return isinstance(v, numbers.Integral) and not (first and isinstance(v, bool))


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of a batch of affine transforms, for ``grid_sample``.

    Args:
        theta: ``(N, 2, 3)`` (2-D) or ``(N, 3, 4)`` (3-D) affine matrices (floating point).
        size: the output size ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        align_corners: whether -1 and 1 are the centres (True) or the outer edges (False) of the corner pixels.
            Default (None): False, with PyTorch's warning.

    Returns:
        ``(N, H, W, 2)`` or ``(N, D, H, W, 3)`` normalised ``(x, y[, z])`` coordinates; differentiable in ``theta``.

    Example::

        >>> theta = ember.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> F.affine_grid(theta, (1, 1, 2, 3), align_corners=False).shape
        ember.Size([1, 2, 3, 2])
    """
    if align_corners is None:
        _args.warn(_ALIGN_WARNING)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    shown, size = size, tuple(size)  # messages show ``size`` as given (list, tuple or Size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {shown}. "
                             f"Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {shown}. "
                             f"Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {shown}.")
    if align_corners and min(spatial) == 1:
        _args.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.")
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {shown}")
    # PyTorch's kernel call: an int list (its parser tests the first entry up front, the others while unpacking)
    if not _int_entry(size[0], True):
        raise TypeError("affine_grid_generator(): argument 'size' (position 2) must be tuple of ints, but found "
                        f"element of type {_args.type_name(size[0])} at pos 0")
    bad = next((i for i, s in enumerate(size) if not _int_entry(s, False)), None)
    if bad is not None:
        raise TypeError(f"affine_grid_generator(): argument 'size' failed to unpack the object at pos {bad + 1} with "
                        f"error \"type must be tuple of ints,but got {_args.type_name(size[bad])}\"")
    size = tuple(int(s) for s in size)
    spatial = size[2:]
    if theta.shape[0] != size[0]:  # PyTorch's batched matmul of the base grid with theta
        k = len(spatial) + 1
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, {k}] but "
                           f"got: [{theta.shape[0]}, {k}].")
    dt = theta._data.dtype
    axes = [_linspace(s, align_corners, dt) for s in spatial]  # (D,) H, W
    # base[..., :] = (x, y[, z], 1) with x running along the last spatial dim
    mesh = xp.meshgrid(*axes, indexing="ij")
    base = xp.stack([*mesh[::-1], xp.ones(tuple(spatial), dtype=dt)], axis=-1)
    n, k = size[0], base.shape[-1]
    rows = base[..., 0].size
    theta_t = theta.transpose(1, 2)  # (N, k, dims)
    if k * rows * len(spatial) < 400:
        # PyTorch's bmm sums small products in order, one rounding per term; so do these elementwise ops
        flat = base.reshape(1, rows, k)
        grid = wrap(flat[..., :1].copy()) * theta_t[:, :1]
        for j in range(1, k):
            grid = grid + wrap(flat[..., j:j + 1].copy()) * theta_t[:, j:j + 1]
    else:
        grid = ember.bmm(wrap(xp.ascontiguousarray(xp.broadcast_to(base.reshape(1, rows, k), (n, rows, k)))),
                         theta_t)
    return grid.reshape(n, *spatial, len(spatial))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` at the normalised coordinates of ``grid`` (-1 and 1 are the input's edges).

    Args:
        input: ``(N, C, H, W)``, or ``(N, C, D, H, W)`` for volumes.
        grid: ``(N, Ho, Wo, 2)`` of ``(x, y)`` pairs (x indexes W), or ``(N, Do, Ho, Wo, 3)`` of ``(x, y, z)``.
        mode: ``'bilinear'`` (trilinear for volumes), ``'nearest'`` or ``'bicubic'`` (4-D input only).
        padding_mode: ``'zeros'``, ``'border'`` or ``'reflection'`` for points outside the input.
        align_corners: as ``affine_grid``. Default (None): False, with PyTorch's warning.

    Returns:
        ``(N, C, Ho, Wo)`` or ``(N, C, Do, Ho, Wo)``; differentiable in ``input`` and (except nearest) in
        ``grid``.

    Example::

        >>> grid = F.affine_grid(ember.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]), (1, 1, 4, 4),
        ...                      align_corners=False)
        >>> F.grid_sample(ember.randn(1, 1, 4, 4), grid, align_corners=False).shape
        ember.Size([1, 1, 4, 4])
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list (casts before the dtype checks)
        input, grid = _ops.autocast_fp32_args(input, grid)
    if align_corners is None:
        _args.warn(_ALIGN_WARNING)
        align_corners = False
    in_sizes, grid_sizes = list(input.shape), list(grid.shape)
    # PyTorch's order: the grid's last size, the batch sizes, then the number of dimensions (its message names the
    # 2-D kernel's 4D for 4-D inputs and the 3-D kernel's 5D for any other)
    if grid_sizes and grid_sizes[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in last dimension, but "
                           f"got grid with sizes {grid_sizes}")
    if grid_sizes and in_sizes and in_sizes[0] != grid_sizes[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {in_sizes} and grid with sizes {grid_sizes}")
    if input.dim() != grid.dim() or input.dim() not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected {4 if input.dim() == 4 else 5}D input and grid with same "
                           f"number of dimensions, but got input with sizes {in_sizes} and grid with sizes "
                           f"{grid_sizes}")
    for d in range(2, input.dim()):
        if in_sizes[d] == 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {in_sizes} with dimension {d} being empty")
    if input.dtype != grid.dtype:
        want, got = (_dtype.TYPE_WORDS.get(t._data.dtype.name, t._data.dtype.name) for t in (input, grid))
        raise RuntimeError(f"expected scalar type {want} but found {got}")
    if input.dim() == 5 and mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if not input.is_floating_point():  # the CPU kernels' dtype dispatch
        word = _dtype.TYPE_WORDS.get(input._data.dtype.name, input._data.dtype.name)
        kernel = "grid_sampler_2d_cpu_kernel_impl" if input.dim() == 4 else "grid_sampler3d_cpu"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{word}\'')
    op = _GridSampler2d if input.dim() == 4 else _GridSampler3d
    return op.apply(input, grid, mode=mode, padding_mode=padding_mode, align_corners=bool(align_corners))
