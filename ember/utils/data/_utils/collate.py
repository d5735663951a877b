"""``ember.utils.data._utils.collate`` (``torch.utils.data._utils.collate``): the collation functions and the
``collate_fn_map`` extension point, re-exported from :mod:`ember.utils.data._collate`.

Example::

    >>> from ember.utils.data._utils.collate import collate, default_collate_fn_map
    >>> collate([1, 2], collate_fn_map=default_collate_fn_map)
    tensor([1, 2])
"""

from ember.utils.data._collate import (
    collate, collate_float_fn, collate_int_fn, collate_numpy_array_fn, collate_numpy_scalar_fn, collate_str_fn,
    collate_tensor_fn, default_collate, default_collate_err_msg_format, default_collate_fn_map, default_convert,
    np_str_obj_array_pattern,
)

__all__ = [
    "collate", "collate_float_fn", "collate_int_fn", "collate_numpy_array_fn", "collate_numpy_scalar_fn",
    "collate_str_fn", "collate_tensor_fn", "default_collate", "default_collate_err_msg_format",
    "default_collate_fn_map", "default_convert", "np_str_obj_array_pattern",
]
