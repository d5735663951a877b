"""``torch._tensor_str``'s public-facing names, for code that reads them: ``PRINT_OPTS`` (the live print options that
``set_printoptions`` changes), ``set_printoptions``, ``get_printoptions`` (the options as a dict) and the
``printoptions(**kwargs)`` context manager. The formatting itself lives in ``ember._printing``.

Example::

    >>> from ember._tensor_str import PRINT_OPTS
    >>> PRINT_OPTS.precision
    4
    >>> from ember._tensor_str import printoptions
    >>> with printoptions(precision=2):
    ...     print(ember.tensor([1.2345]))
    tensor([1.23])
"""

from ember._printing import PRINT_OPTS, get_printoptions, printoptions, set_printoptions

__all__ = ["PRINT_OPTS", "get_printoptions", "printoptions", "set_printoptions"]
