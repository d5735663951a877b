"""cuDNN flags, as a CPU build of PyTorch reports them (accepted for compatibility; no effect here).

Example::

    >>> import ember
    >>> ember.backends.cudnn.enabled, ember.backends.cudnn.is_available()
    (True, False)
    >>> ember.backends.cudnn.benchmark = True  # (scripts set this; it changes nothing on the CPU)
"""

from contextlib import contextmanager

__all__ = ["version", "is_available", "is_acceptable", "flags", "set_flags"]

# PyTorch's defaults: cuDNN is "enabled" even where it is missing (a CPU build reports True)
enabled = True
benchmark = False
benchmark_limit = None  # (None without cuDNN; an int of algorithms to try with it)
deterministic = False
allow_tf32 = True
fp32_precision = "none"
depthwise_kernel = "auto"


def version():
    """The cuDNN version as an int, or None when cuDNN is not available (always None here)."""
    return None


def is_available():
    """Whether cuDNN can be used: False (ember runs on the CPU)."""
    return False


def is_acceptable(tensor):
    """Whether cuDNN would take ``tensor``: False unless it is a CUDA tensor with cuDNN available.

    Args:
        tensor: the tensor to check.
    """
    return tensor.device.type == "cuda" and is_available()


def set_flags(_enabled=None, _benchmark=None, _benchmark_limit=None, _deterministic=None, _allow_tf32=None,
              _fp32_precision="none", _depthwise_kernel=None):
    """Set the flags given (None leaves one as it is); returns the previous values, in the arguments' order.

    ``benchmark_limit`` only takes effect with cuDNN (so never here).
    """
    global enabled, benchmark, deterministic, allow_tf32, fp32_precision, depthwise_kernel
    orig = (enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision, depthwise_kernel)
    enabled = enabled if _enabled is None else _enabled
    benchmark = benchmark if _benchmark is None else _benchmark
    deterministic = deterministic if _deterministic is None else _deterministic
    allow_tf32 = allow_tf32 if _allow_tf32 is None else _allow_tf32
    fp32_precision = fp32_precision if _fp32_precision is None else _fp32_precision
    depthwise_kernel = depthwise_kernel if _depthwise_kernel is None else _depthwise_kernel
    return orig


@contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True,
          fp32_precision="none", depthwise_kernel="auto"):
    """Context manager: set the cuDNN flags inside the block (PyTorch's defaults: ``enabled=False``), restore
    them after.

    Example::

        >>> with ember.backends.cudnn.flags(enabled=True, deterministic=True):
        ...     pass
    """
    orig = set_flags(enabled, benchmark, benchmark_limit, deterministic, allow_tf32, fp32_precision,
                     depthwise_kernel)
    try:
        yield
    finally:
        set_flags(*orig)
