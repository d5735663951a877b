"""ember tensors to the host NumPy arrays that tensorboardX's summary code understands."""

import numpy as np

from ember._backend import to_numpy
from ember._tensor import Tensor


def raw_np(x):
    """``x`` as a host NumPy array in its own dtype (bfloat16 stays ml_dtypes' bfloat16); ember tensors are read
    whether or not they require grad, as ``x.detach().cpu().numpy()`` would."""
    if isinstance(x, Tensor):
        return to_numpy(x._data)
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (list, tuple)):  # e.g. a list of tensors: stacked, as NumPy stacks nested lists
        return np.asarray([raw_np(e) for e in x])
    if hasattr(x, "detach") and hasattr(x, "numpy"):  # a real torch tensor in mixed code
        return x.detach().cpu().numpy()
    return np.asarray(x)


def make_np(x):
    """``x`` as a host NumPy array for tensorboardX's arithmetic: bfloat16 and the float8 types (ml_dtypes) become
    float32, exactly, so that image scaling, pr-curve buckets and the like are not computed with 8-bit mantissas."""
    a = raw_np(x)
    if a.dtype.type.__module__ != "numpy":
        a = a.astype(np.float32)
    return a


def to_python(x):
    """A one-element tensor or array as a Python number; anything else unchanged (for hparams and dict values)."""
    if isinstance(x, (Tensor, np.ndarray, np.generic)) or hasattr(x, "detach"):
        a = make_np(x)
        if a.size != 1:
            raise ValueError(f"expected a one-element tensor, got one of shape {tuple(a.shape)}")
        return a.reshape(-1)[0].item()
    return x
