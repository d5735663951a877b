"""``ember.backends.opt_einsum``: the opt_einsum switches. ember's einsum does not use the opt_einsum package, so
it is reported unavailable, as PyTorch does without the package: ``enabled`` False, ``strategy`` None.

Example::

    >>> ember.backends.opt_einsum.is_available(), ember.backends.opt_einsum.strategy
    (False, None)
"""

from contextlib import contextmanager

__all__ = ["flags", "get_opt_einsum", "is_available", "set_flags"]

enabled = False
strategy = None


def is_available():
    """False: ember's einsum does not use opt_einsum."""
    return False


def get_opt_einsum():
    """The opt_einsum package ember would use: None (it uses none)."""
    return None


def set_flags(_enabled=None, _strategy=None):
    """Set the flags given (None leaves one as it is); returns the previous ``(enabled, strategy)``."""
    global enabled, strategy
    orig = (enabled, strategy)
    enabled = enabled if _enabled is None else _enabled
    strategy = strategy if _strategy is None else _strategy
    return orig


def _restore(old_enabled, old_strategy):
    global enabled, strategy
    enabled, strategy = old_enabled, old_strategy  # (set_flags would read None as "unchanged")


@contextmanager
def flags(enabled=None, strategy=None):
    """Context manager setting the flags for a block, restoring them after."""
    orig = set_flags(enabled, strategy)
    try:
        yield
    finally:
        _restore(*orig)
