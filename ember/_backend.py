"""The one place that chooses ember's array module.

Every op imports ``xp`` from here, never NumPy or CuPy directly, so a GPU backend can be slotted in by
setting ``EMBER_BACKEND=cupy`` without touching the ops.
"""

import os
import sys

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


# glibc's malloc hands arrays above its mmap threshold (128 KiB at first) fresh pages from the OS and gives
# them back on free, and trims the heap top above 2x that threshold, so a training step that allocates and
# frees the same multi-megabyte activations every time page-faults on every 4 KiB of them again (LSTM
# training step: 3,900 faults, 29 ms instead of 21 ms; LeNet-5 step: 9.2 ms instead of 7.4 ms). Raising both
# limits keeps freed memory in the heap for the next step. glibc's own dynamic threshold would get there
# only after freeing a large mmapped block, which ember's workloads do not reliably do.
MALLOC_MMAP_THRESHOLD = 32 << 20
MALLOC_TRIM_THRESHOLD = 128 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameter numbers from glibc's malloc.h


def _tune_malloc():
    """Raise glibc's mmap and trim thresholds for the NumPy backend; return whether it was done.

    Skipped off glibc, with ``EMBER_MALLOC_TUNING=0``, and when the user already tunes malloc through
    ``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_`` or ``GLIBC_TUNABLES``.
    """
    if xp is not numpy or os.environ.get("EMBER_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    if any(v in os.environ for v in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        import ctypes  # already loaded by NumPy: no import cost

        mallopt = ctypes.CDLL(None).mallopt
    except (ValueError, OSError, AttributeError):  # musl, or no such symbol
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # The trim threshold goes second: setting either switches glibc's dynamic adjustment off, so both are set.
    return bool(mallopt(_M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, MALLOC_TRIM_THRESHOLD))


malloc_tuned = _tune_malloc()


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


def memory_owner(array):
    """The array that owns ``array``'s memory (its storage, in PyTorch's terms), following the chain of view
    bases; ``array`` itself when it owns its memory."""
    root = array
    while True:
        b = root.base
        if b is not None and not isinstance(b, xp.ndarray):
            b = getattr(b, "base", None)  # the wrapper object NumPy's as_strided puts in between
        if not isinstance(b, xp.ndarray):
            return root
        root = b
