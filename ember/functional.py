"""``ember.functional``: the functions PyTorch keeps in ``torch.functional`` (``einsum``, ``split``, ``norm``,
``stft``, ...), the same objects as ``ember.einsum`` and friends.

Example::

    >>> from ember.functional import einsum
    >>> einsum("ij->j", ember.ones(2, 3))
    tensor([2., 2., 2.])
"""

import ember

__all__ = """atleast_1d atleast_2d atleast_3d broadcast_shapes broadcast_tensors cartesian_prod block_diag cdist
chain_matmul einsum istft lu norm meshgrid pca_lowrank split stft svd_lowrank tensordot unique unique_consecutive
unravel_index""".split()  # (bound by __getattr__ below)


def __getattr__(name):
    # resolved from ember's namespace on first use (stft, svd_lowrank, ... load lazily there)
    if name in __all__:
        value = globals()[name] = getattr(ember, name)
        return value
    raise AttributeError(f"module 'ember.functional' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(__all__))
