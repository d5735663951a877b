"""``ember.nn.utils.spectral_norm`` as a module (``torch.nn.utils.spectral_norm``): old code imports the hook class
``SpectralNorm`` from here. ``ember.nn.utils.spectral_norm`` itself stays the function (as in PyTorch)."""

from ember.nn.utils._hook_norms import SpectralNorm, remove_spectral_norm, spectral_norm

__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]
