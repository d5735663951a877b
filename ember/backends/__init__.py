"""``ember.backends``: compatibility queries mirroring ``torch.backends``."""

from ember.backends import cudnn, mps  # noqa: F401
