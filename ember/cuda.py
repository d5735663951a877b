"""``ember.cuda``: ember runs on the CPU (a CuPy backend is planned); these mirror torch.cuda's queries."""

import sys as _sys
import types as _types


def is_available():
    """False: ember has no CUDA device yet."""
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Accepted for compatibility (no CUDA generator to seed)."""


def manual_seed_all(seed):
    """Accepted for compatibility (no CUDA generator to seed)."""


def synchronize(device=None):
    """Nothing to wait for on the CPU."""


def empty_cache():
    """Nothing to free on the CPU."""


def _deprecated_amp(name):
    def make(*args, **kwargs):
        import warnings

        import ember.amp

        warnings.warn(f"`ember.cuda.amp.{name}(args...)` is deprecated. Please use `ember.amp.{name}('cuda', "
                      "args...)` instead.", FutureWarning, stacklevel=2)
        return getattr(ember.amp, name)("cuda", *args, **kwargs)

    make.__name__ = name
    return make


# ``torch.cuda.amp`` (deprecated in PyTorch): ``from ember.cuda.amp import GradScaler`` works and warns.
amp = _types.ModuleType("ember.cuda.amp", "Deprecated aliases of ember.amp for device 'cuda'.")
amp.GradScaler = _deprecated_amp("GradScaler")
amp.autocast = _deprecated_amp("autocast")
_sys.modules["ember.cuda.amp"] = amp
