"""The one place that chooses ember's array module.

Every op imports ``xp`` from here, never NumPy or CuPy directly, so a GPU backend can be slotted in by
setting ``EMBER_BACKEND=cupy`` without touching the ops.
"""

import os

import numpy

backend_name = os.environ.get("EMBER_BACKEND", "numpy").lower()

if backend_name == "cupy":  # pragma: no cover - needs a GPU
    try:
        import cupy as xp
    except ImportError as exc:
        raise ImportError(
            "EMBER_BACKEND=cupy needs CuPy: pip install cupy-cuda12x (or unset EMBER_BACKEND)"
        ) from exc
elif backend_name == "numpy":
    xp = numpy
else:
    raise ValueError(f"EMBER_BACKEND must be 'numpy' or 'cupy', not {backend_name!r}")


def to_numpy(array):
    """Return ``array`` as a NumPy array (a no-op on the NumPy backend)."""
    if xp is numpy:
        return array
    return xp.asnumpy(array)  # pragma: no cover


def from_numpy(array):
    """Move a NumPy array onto the backend (a no-op on the NumPy backend)."""
    if xp is numpy:
        return array
    return xp.asarray(array)  # pragma: no cover
