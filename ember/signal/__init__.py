"""``torch.signal``: signal-processing helpers; for now the window functions of :mod:`ember.signal.windows`.

Example::

    >>> ember.signal.windows.hann(5)
    tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
"""

from ember.signal import windows

__all__ = ["windows"]
