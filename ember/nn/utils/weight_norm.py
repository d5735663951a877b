"""``ember.nn.utils.weight_norm`` as a module (``torch.nn.utils.weight_norm``): old code imports the hook class
``WeightNorm`` from here. ``ember.nn.utils.weight_norm`` itself stays the function (as in PyTorch)."""

from ember.nn.utils._hook_norms import WeightNorm, remove_weight_norm, weight_norm

__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]
