"""``ember.random``, as ``torch.random``: the default generator's seed and state, and :func:`fork_rng`.

The functions are those of ``ember`` itself (``ember.random.manual_seed is ember.manual_seed``); ember has one
generator, the CPU's.

Example::

    >>> with ember.random.fork_rng():
    ...     noise = ember.randn(3)  # draws inside leave the global stream as it was
"""

import contextlib

from ember._random import (  # noqa: F401 - re-exported
    default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state,
)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type=None):
    """Restore the default generator's state on leaving the block (even through an exception).

    Args:
        devices: accelerator devices whose generators to fork too; ember has none, so only ``None`` or an empty
            list work (others raise as PyTorch does without CUDA).
        enabled: ``False`` runs the block without forking.
        device_type: the accelerator type (``"meta"``: nothing is forked).

    Example::

        >>> ember.manual_seed(0)
        >>> with ember.random.fork_rng():
        ...     _ = ember.rand(2)
        >>> ember.rand(1)  # the same as right after manual_seed(0)
    """
    if device_type == "meta" or not enabled:
        yield
        return
    if devices:
        raise AssertionError("Torch not compiled with CUDA enabled")
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def thread_safe_generator():
    """The generator of the current DataLoader thread worker: ``None`` here, as ember's workers are processes
    (``None`` makes random functions draw from the default generator)."""
    return None


__all__ = ["default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed",
           "set_rng_state", "thread_safe_generator"]
