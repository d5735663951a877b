"""``ember.version``: the build's version information, as ``torch.version`` on a CPU build.

Example::

    >>> import ember
    >>> ember.version.__version__ == ember.__version__, ember.version.cuda
    (True, None)
"""

from ember import __version__

__all__ = ["__version__", "debug", "cuda", "git_version", "hip", "rocm", "xpu"]

debug = False
cuda = None  # (no CUDA, HIP/ROCm or XPU toolkit: ember runs on NumPy)
hip = None
rocm = None
xpu = None
git_version = "Unknown"  # (the commit a build came from, when recorded; ember records none)
