"""``ember.nn._reduction`` (``torch.nn._reduction``, also ``F._Reduction``): the reduction helpers old custom losses
call to turn the deprecated ``size_average``/``reduce`` flags into a ``reduction`` string or enum.

Example::

    >>> from ember.nn import _reduction
    >>> _reduction.legacy_get_string(False, True, emit_warning=False)
    'sum'
"""

from ember._functions_args import warn as _warn

__all__ = ["get_enum", "legacy_get_enum", "legacy_get_string"]

_ENUM = {"none": 0, "mean": 1, "sum": 2}


def get_enum(reduction):
    """The integer code of a ``reduction`` string: ``'none'`` 0, ``'mean'`` 1, ``'sum'`` 2.

    ``'elementwise_mean'`` (an old name of ``'mean'``) warns and gives 1; anything else raises ``ValueError``.
    """
    if reduction == "elementwise_mean":
        _warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.")
        return 1
    if reduction not in _ENUM:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _ENUM[reduction]


def legacy_get_string(size_average, reduce, emit_warning=True):
    """The ``reduction`` string meant by the deprecated ``size_average`` and ``reduce`` flags (``None`` counts as
    True): ``'none'`` unless ``reduce``, else ``'mean'`` with ``size_average``, else ``'sum'``. Warns
    (``UserWarning``) when ``emit_warning``."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = ("mean" if size_average else "sum") if reduce else "none"
    if emit_warning:
        _warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.")
    return ret


def legacy_get_enum(size_average, reduce, emit_warning=True):
    """:func:`get_enum` of :func:`legacy_get_string`."""
    return get_enum(legacy_get_string(size_average, reduce, emit_warning))
