"""Shared fixtures. Tests that compare with PyTorch use the ``torch`` fixture: they skip when PyTorch is
missing locally, and fail under CI (CI=true), where the reference must be present."""

import os
import sys

import numpy as np
import pytest

import ember


def _import_torch():
    try:
        import torch
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            raise RuntimeError("CI=true but PyTorch is not installed: pip install torch==2.13.0") from None
        return None
    torch.set_num_threads(1)
    return torch


_TORCH = _import_torch()


@pytest.fixture
def torch():
    """The PyTorch module (the reference implementation)."""
    if _TORCH is None:
        pytest.skip("PyTorch is not installed (pip install torch==2.13.0)")
    return _TORCH


def _import_torchvision():
    """torchvision's pure-Python parts (models, transforms, datasets, box ops) as a reference.

    The wheel on PyPI is a CUDA build whose compiled operators do not load on these machines, and its
    ``_meta_registrations`` module fails at import for that reason; it only registers shapes for those compiled
    operators, so an empty stand-in lets the rest of the package import."""
    if _TORCH is None:
        return None
    import sys
    import types
    sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
    try:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import torchvision
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            raise RuntimeError("CI=true but torchvision is not installed: pip install torchvision==0.28.0") from None
        return None
    return torchvision


_TORCHVISION = _import_torchvision()


@pytest.fixture
def torchvision():
    """The torchvision module (the reference for ``ember.vision``); models, transforms and datasets only."""
    if _TORCHVISION is None:
        pytest.skip("torchvision is not installed (pip install torchvision==0.28.0)")
    return _TORCHVISION


@pytest.fixture(autouse=True)
def _seed():
    ember.manual_seed(0)
    np.random.seed(0)
    if _TORCH is not None:
        _TORCH.manual_seed(0)
    yield
    if _TORCH is not None and "torch.distributions" in sys.modules:
        # (the reference's torch.cond turns its distributions' argument validation off for the whole process)
        _TORCH.distributions.Distribution.set_default_validate_args(True)


@pytest.fixture
def mnist_subset_dir():
    """The real 5,000-digit MNIST subset in ../shared/data/mnist-subset (skips if absent)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for cand in (os.path.join(here, "..", "..", "shared", "data", "mnist-subset"),
                 os.path.join(here, "..", "shared", "data", "mnist-subset")):
        if os.path.isdir(cand):
            return os.path.abspath(cand)
    pytest.skip("../shared/data/mnist-subset not found")
