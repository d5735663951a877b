"""What NumPy (ember's engine) reports about its build and the processor: the source of ``ember.backends.cpu``,
``ember.backends.mkl`` and ``ember.__config__``."""

import functools


@functools.cache
def cpu_features():
    """``{feature name: supported}`` as NumPy's runtime dispatch detected them (empty if it does not say)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # (NumPy 1.x)
        try:
            from numpy.core._multiarray_umath import __cpu_features__
        except ImportError:
            return {}
    return dict(__cpu_features__)


@functools.cache
def blas():
    """``(name, version)`` of the BLAS library NumPy was built with (``("unknown", "")`` if it does not say)."""
    import numpy
    try:
        info = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:  # (older NumPy: no dict form)
        return "unknown", ""
    return str(info.get("name", "unknown")), str(info.get("version", ""))
