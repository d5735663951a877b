"""``ember.cuda``: ember runs on the CPU (a CuPy backend is planned); these mirror torch.cuda's queries."""


from ember import _dtype
from ember import amp as _amp


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


# ``torch.cuda.amp`` (deprecated in PyTorch): ``from ember.cuda.amp import GradScaler`` works and warns. ember has
# no CUDA device, so an enabled scaler or autocast region then disables itself with a UserWarning, as PyTorch's
# does without CUDA.
amp = _amp._deprecated_device_amp("cuda", _dtype.float16, " ember has no CUDA device: enabled, it disables "
                                  "itself with a UserWarning, as PyTorch's does without CUDA.")
