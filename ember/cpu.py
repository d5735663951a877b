"""``ember.cpu``: torch.cpu's device queries (ember always computes on the CPU) and the deprecated ``amp`` aliases."""


from ember import _dtype
from ember import amp as _amp

__all__ = ["is_available", "is_initialized", "synchronize", "current_device", "device_count"]


def is_available():
    """True: the CPU is always there."""
    return True


def is_initialized():
    """True: the CPU needs no initialisation."""
    return True


def synchronize(device=None):
    """Nothing to wait for: ember runs operations synchronously."""


def current_device():
    """``'cpu'``."""
    return "cpu"


def device_count():
    """1: ember sees the CPU as one device."""
    return 1


# ``torch.cpu.amp`` (deprecated in PyTorch): ``from ember.cpu.amp import autocast`` works and warns.
amp = _amp._deprecated_device_amp("cpu", _dtype.bfloat16)
