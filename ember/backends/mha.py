"""``ember.backends.mha``: the switch for the inference fast path of ``MultiheadAttention``,
``TransformerEncoderLayer`` and ``TransformerEncoder``.

ember computes the same values on either path; the switch decides where PyTorch's fused kernels differ in their
results (queries whose keys are all masked out give NaN, and ``TransformerEncoder`` zeroes padded positions).

Example::

    >>> ember.backends.mha.set_fastpath_enabled(False)
    >>> ember.backends.mha.get_fastpath_enabled()
    False
"""

__all__ = ["get_fastpath_enabled", "set_fastpath_enabled"]

_is_fastpath_enabled = True


def get_fastpath_enabled():
    """Whether the fast path of ``TransformerEncoder`` and ``MultiheadAttention`` is on (the value last set; default
    ``True``). Even when on, it is taken only when the inputs and modules meet its conditions (eval mode, no
    gradient needed, ``batch_first``, ...)."""
    return _is_fastpath_enabled


def set_fastpath_enabled(value):
    """Switch the fast path of ``TransformerEncoder`` and ``MultiheadAttention`` on or off (the value is stored as
    given, as PyTorch does)."""
    global _is_fastpath_enabled
    _is_fastpath_enabled = value
