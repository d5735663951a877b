"""``ember.nn.functional`` (mirrors ``torch.nn.functional``).

The functions live in per-family private modules; this module re-exports them all.
"""

from ember.nn._functional_core import *  # noqa: F401,F403 - linear, dropout, embedding, one_hot, normalize, ...
from ember.nn._functional_activation_loss import *  # noqa: F401,F403 - activations and losses
from ember.nn._functional_conv import *  # noqa: F401,F403 - conv, pooling, pad, interpolate, fold/unfold
from ember.nn._functional_norm import *  # noqa: F401,F403 - batch_norm, layer_norm, group_norm, ...
from ember.nn._functional_attention import *  # noqa: F401,F403 - scaled_dot_product_attention, multi-head attention
from ember.nn._functional_sampling import *  # noqa: F401,F403 - affine_grid, grid_sample
from ember.nn._functional_extra import *  # noqa: F401,F403 - margin losses, ctc_loss, 3-D and fractional max pooling
from ember.nn._functional_attention import _canonical_mask, _none_or_dtype  # noqa: F401 - (private, as torch's)
from ember._lazy import lazy_getattr as _lazy_getattr
from ember._functions_args import check_functions as _check_functions

_check_functions(globals(), "nn.functional")  # PyTorch's TypeError for a number, None, ... where a tensor is required

# ``F.grad`` is the module ``ember.nn.grad`` (as in torch), loaded on first use.
__getattr__ = _lazy_getattr(globals(), modules={"grad": "ember.nn.grad", "_Reduction": "ember.nn._reduction"})
