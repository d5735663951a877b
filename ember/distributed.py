"""``ember.distributed`` (``torch.distributed``): ember runs in one process and has no process groups.

Only the queries scripts ask before using a process group are here: ``is_available()`` is False (as in a PyTorch
build without distributed support) and ``is_initialized()`` False, so ``if dist.is_available() and
dist.is_initialized():`` blocks are skipped.
"""

__all__ = ["is_available", "is_initialized"]


def is_available():
    """False: ember has no distributed backend."""
    return False


def is_initialized():
    """False: no default process group is ever initialised."""
    return False
