"""``ember.backends.openmp``: whether OpenMP parallelises ember's kernels. NumPy's kernels are single-threaded
(only its BLAS runs threads, with its own thread pool), so :func:`is_available` is False.

Example::

    >>> ember.backends.openmp.is_available()
    False
"""

__all__ = ["is_available"]


def is_available():
    """False: ember's (NumPy's) kernels do not use OpenMP."""
    return False
