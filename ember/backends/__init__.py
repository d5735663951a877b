"""``ember.backends``: compatibility queries mirroring ``torch.backends``."""

from ember.backends import cuda, cudnn, mps  # noqa: F401
