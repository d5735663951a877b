"""``ember.utils.data._utils`` (``torch.utils.data._utils``): where old code imports ``collate.default_collate``."""

from ember.utils.data._utils import collate  # noqa: F401
