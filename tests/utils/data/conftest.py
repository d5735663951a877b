"""Fixtures for the ember.utils.data tests."""

import numpy as np
import pytest


def norm(obj):
    """A comparable structure from ember or torch output (tensors -> (dtype name, shape, values))."""
    mod = type(obj).__module__
    if mod.startswith("ember") and hasattr(obj, "_data") or mod.startswith("torch") and hasattr(obj, "dtype") \
            and hasattr(obj, "numpy"):
        arr = np.asarray(obj.numpy())
        return ("T", str(obj.dtype).split(".")[-1], tuple(arr.shape), arr.tolist())
    if isinstance(obj, dict):
        return (type(obj).__name__, {k: norm(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return ("namedtuple", type(obj).__name__, tuple(norm(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [norm(v) for v in obj])
    return obj


@pytest.fixture(name="norm")
def norm_fixture():
    """``norm(batch)``: ember or torch output as plain comparable data."""
    return norm
