"""``ember.backends.mkl``: whether Intel MKL does ember's linear algebra, i.e. whether NumPy was built on MKL.

Example::

    >>> isinstance(ember.backends.mkl.is_available(), bool)
    True
"""

__all__ = ["VERBOSE_OFF", "VERBOSE_ON", "is_available", "verbose"]

VERBOSE_OFF = 0
VERBOSE_ON = 1


def is_available():
    """True when NumPy's BLAS is MKL (NumPy's own wheels use OpenBLAS: False)."""
    from ember.backends._numpy_info import blas
    return "mkl" in blas()[0].lower()


class verbose:  # noqa: N801 - PyTorch's name
    """Context manager for MKL's verbose logging (``VERBOSE_OFF``/``VERBOSE_ON``): accepted, logs nothing."""

    def __init__(self, enable):
        self.enable = enable

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False
