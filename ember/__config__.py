"""``ember.__config__``: how ember is built, as text (``torch.__config__``'s two functions).

ember is Python on NumPy, so this describes NumPy: its version, its BLAS library and the CPU capability its
kernels detected, and the thread settings.

Example::

    >>> print(ember.__config__.show())  # doctest: +SKIP
    ember built with:
      - Python 3.11.7
      - NumPy 2.4.6 (BLAS: scipy-openblas 0.3.31)
      ...
"""

__all__ = ["parallel_info", "show"]


def show():
    """A multi-line description of ember's build: Python, NumPy and its BLAS, the CPU capability in use."""
    import platform

    import numpy

    import ember
    from ember.backends._numpy_info import blas
    from ember.backends.cpu import get_cpu_capability
    name, version = blas()
    lines = [f"ember {ember.__version__} built with:", f"  - Python {platform.python_version()}",
             f"  - NumPy {numpy.__version__} (BLAS: {name} {version})".rstrip(),
             f"  - CPU capability usage: {get_cpu_capability()}",
             "  - no CUDA, cuDNN, oneDNN (MKL-DNN) or OpenMP; ember.compile runs models eagerly"]
    return "\n".join(lines) + "\n"


def parallel_info():
    """A multi-line description of the thread settings: ember's, the BLAS library's, the environment's."""
    import os

    import ember
    from ember.backends._numpy_info import blas
    env = "".join(f"\t{var} : {os.environ.get(var, '[not set]')}\n"
                  for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"))
    return (f"ember/Parallel:\n\tember.get_num_threads() : {ember.get_num_threads()}\n"
            f"\tember.get_num_interop_threads() : {ember.get_num_interop_threads()}\n"
            f"BLAS: {' '.join(blas()).strip()} (its own thread pool runs matrix products)\n"
            f"os.cpu_count() : {os.cpu_count()}\nEnvironment variables:\n{env}"
            "ember parallel backend: none (NumPy kernels run on the calling thread)\n")
