"""``ember.cuda``: ember runs on the CPU (a CuPy backend is planned); these mirror torch.cuda's queries."""


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
