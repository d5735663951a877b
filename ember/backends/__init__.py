"""``ember.backends``: compatibility queries mirroring ``torch.backends``."""

from ember._lazy import lazy_getattr as _lazy_getattr
from ember.backends import cuda, cudnn, mps  # noqa: F401

# (loaded on first use, so that importing ember.backends stays light)
__getattr__ = _lazy_getattr(globals(), {name: f"ember.backends.{name}"
                                        for name in ("cpu", "mha", "mkl", "mkldnn", "openmp", "opt_einsum")})
