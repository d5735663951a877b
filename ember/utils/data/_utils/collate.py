"""``ember.utils.data._utils.collate`` (``torch.utils.data._utils.collate``): the loader's collation functions,
re-exported from :mod:`ember.utils.data` for old imports."""

from ember.utils.data._collate import default_collate, default_convert

__all__ = ["default_collate", "default_convert"]
