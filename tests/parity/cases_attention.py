"""Parity rows for ember/_ops/sampling.py (``GridSampler2d`` and ``GridSampler3d``: ``F.grid_sample``, also through
``F.affine_grid``).

Attention and transformer layers are compositions of other ops and have no op of their own; they are compared
with PyTorch in tests/nn/test_attention.py and tests/nn/test_transformer.py.
"""

import numpy as np

from tests.parity.harness import Arg, Case


def _grid(shape, spread=1.3):
    # points inside and (for the padding modes) outside [-1, 1]; random, so never exactly on a pixel centre
    return Arg(shape, lambda rng: rng.uniform(-spread, spread, shape).astype(np.float32))


def _theta(rng):
    return (np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]) + rng.uniform(-0.4, 0.4, (2, 2, 3))).astype(np.float32)


def _sample(mode, padding_mode, align_corners):
    return lambda m, x, g: m.nn.functional.grid_sample(x, g, mode=mode, padding_mode=padding_mode,
                                                       align_corners=align_corners)


CASES = [
    Case(("GridSampler2d",), _sample(mode, pad, ac), [Arg((2, 3, 5, 6)), _grid((2, 4, 3, 2))],
         name=f"grid-sample-{mode}-{pad}-{'align' if ac else 'noalign'}")
    for mode in ("bilinear", "nearest", "bicubic") for pad in ("zeros", "border", "reflection") for ac in (False, True)
] + [
    Case(("GridSampler3d",), _sample(mode, pad, ac), [Arg((2, 2, 3, 4, 5)), _grid((2, 2, 3, 2, 3))],
         name=f"grid-sample-3d-{mode}-{pad}-{'align' if ac else 'noalign'}")
    for mode in ("bilinear", "nearest") for pad in ("zeros", "border", "reflection") for ac in (False, True)
] + [
    Case(("GridSampler2d",),
         lambda m, x, t: m.nn.functional.grid_sample(x, m.nn.functional.affine_grid(t, (2, 2, 6, 5),
                                                                                    align_corners=False),
                                                     align_corners=False),
         [Arg((2, 2, 4, 7)), Arg((2, 2, 3), _theta)], name="grid-sample-affine-grid"),
    Case(("GridSampler2d",), _sample("bilinear", "zeros", False), [Arg((1, 2, 1, 1)), _grid((1, 2, 2, 2), 0.9)],
         name="grid-sample-1x1-input"),
]
