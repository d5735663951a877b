"""``ember.utils``: helpers mirroring ``torch.utils`` (``ember.utils.data`` for datasets and loaders)."""

from ember._lazy import lazy_getattr as _lazy_getattr

# Load subpackages on first use so `import ember.utils` stays light.
__getattr__ = _lazy_getattr(globals(), modules={"data": "ember.utils.data", "checkpoint": "ember.utils.checkpoint",
                                                "tensorboard": "ember.utils.tensorboard",
                                                "benchmark": "ember.utils.benchmark",
                                                "model_zoo": "ember.utils.model_zoo", "dlpack": "ember.utils.dlpack",
                                                "hooks": "ember.utils.hooks", "_pytree": "ember.utils._pytree"})
