"""``ember.backends.cpu``: the processor's vector capability, as NumPy (ember's engine) detected it.

Example::

    >>> ember.backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512")
    True
"""

__all__ = ["get_cpu_capability"]

# PyTorch's AVX512 kernels need these four AVX-512 subsets, its AVX2 ones AVX2 with FMA
_AVX512 = ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ")
_AVX2 = ("AVX2", "FMA3")


def get_cpu_capability():
    """The widest vector instruction set of the CPU, in PyTorch's names: ``"AVX512"``, ``"AVX2"`` or ``"DEFAULT"``
    (also on processors other than x86). Read from NumPy's runtime CPU-feature detection."""
    from ember.backends._numpy_info import cpu_features
    features = cpu_features()
    for name, needed in (("AVX512", _AVX512), ("AVX2", _AVX2)):
        if all(features.get(f) for f in needed):
            return name
    return "DEFAULT"
