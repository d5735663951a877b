"""``ember.backends.mkldnn``: oneDNN (MKL-DNN) flags. ember has no oneDNN, so :func:`is_available` is False (a
CPU build of PyTorch says True); the flags are kept for code that sets them and change nothing.

Example::

    >>> ember.backends.mkldnn.is_available()
    False
    >>> with ember.backends.mkldnn.flags(enabled=False):
    ...     pass
"""

from contextlib import contextmanager

__all__ = ["VERBOSE_OFF", "VERBOSE_ON", "VERBOSE_ON_CREATION", "flags", "is_available", "set_flags", "verbose"]

VERBOSE_OFF = 0
VERBOSE_ON = 1
VERBOSE_ON_CREATION = 2

enabled = True  # (PyTorch's default, as ember.backends.cudnn.enabled)
deterministic = False
allow_tf32 = True
fp32_precision = "none"


def is_available():
    """Whether oneDNN can be used: False (NumPy does not use it)."""
    return False


def set_flags(_enabled=None, _deterministic=None, _allow_tf32=None, _fp32_precision="none"):
    """Set the flags given (None leaves one as it is); returns the previous values, in the arguments' order."""
    global enabled, deterministic, allow_tf32, fp32_precision
    orig = (enabled, deterministic, allow_tf32, fp32_precision)
    enabled = enabled if _enabled is None else _enabled
    deterministic = deterministic if _deterministic is None else _deterministic
    allow_tf32 = allow_tf32 if _allow_tf32 is None else _allow_tf32
    fp32_precision = fp32_precision if _fp32_precision is None else _fp32_precision
    return orig


@contextmanager
def flags(enabled=False, deterministic=False, allow_tf32=True, fp32_precision="none"):
    """Context manager setting the flags for a block (PyTorch's defaults: oneDNN off), restoring them after."""
    orig = set_flags(enabled, deterministic, allow_tf32, fp32_precision)
    try:
        yield
    finally:
        set_flags(*orig)


class verbose:  # noqa: N801 - PyTorch's name
    """Context manager for oneDNN's verbose logging (``VERBOSE_OFF``/``VERBOSE_ON``...): nothing to log here."""

    def __init__(self, level):
        self.level = level

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False
