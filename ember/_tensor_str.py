"""``torch._tensor_str``'s public-facing names, for code that reads them: ``PRINT_OPTS`` (the live print options that
``set_printoptions`` changes) and ``set_printoptions``. The formatting itself lives in ``ember._printing``.

Example::

    >>> from ember._tensor_str import PRINT_OPTS
    >>> PRINT_OPTS.precision
    4
"""

from ember._printing import PRINT_OPTS, set_printoptions

__all__ = ["PRINT_OPTS", "set_printoptions"]
