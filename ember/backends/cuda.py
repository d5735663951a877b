"""``ember.backends.cuda``: ``torch.backends.cuda``'s settings, as a CPU-only build reports them.

The matmul precision flags can be set and read (they change nothing on the CPU); the scaled-dot-product-attention
switches share their state with :func:`ember.nn.attention.sdpa_kernel`, as PyTorch's do.

Example::

    >>> import ember
    >>> ember.backends.cuda.matmul.allow_tf32 = True
    >>> ember.backends.cuda.is_built()
    False
"""

import enum
import warnings

__all__ = ["SDPAParams",  # noqa: F822 - loaded on first use by the module __getattr__
           "allow_fp16_bf16_reduction_math_sdp", "can_use_cudnn_attention", "can_use_efficient_attention",
           "can_use_flash_attention", "cuBLASModule", "cuFFTPlanCache", "cuFFTPlanCacheAttrContextProp",
           "cuFFTPlanCacheManager", "blas_workspace_size", "cublas_workspace_size", "cublaslt_workspace_size",
           "cudnn_sdp_enabled", "cufft_plan_cache", "enable_cudnn_sdp", "enable_flash_sdp",
           "enable_math_sdp", "enable_mem_efficient_sdp", "flash_sdp_enabled", "fp16_bf16_reduction_math_sdp_allowed",
           "is_built", "is_ck_sdpa_available", "is_flash_attention_available", "math_sdp_enabled", "matmul",
           "mem_efficient_sdp_enabled", "preferred_blas_library", "preferred_linalg_library",
           "preferred_rocm_fa_library", "sdp_kernel"]

_NO_CUDA = "Torch not compiled with CUDA enabled"


class cuBLASModule:  # noqa: N801 - PyTorch's class name
    """``matmul``: the cuBLAS precision flags (stored only; ember's CPU matmul always computes in full precision)."""

    _defaults = {"allow_tf32": False, "allow_fp16_reduced_precision_reduction": True,
                 "allow_bf16_reduced_precision_reduction": True, "allow_fp16_accumulation": False}

    def __init__(self):
        object.__setattr__(self, "_values", dict(self._defaults))

    def __getattr__(self, name):
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name, value):
        if name not in self._defaults:
            raise AttributeError(f"Unknown attribute {name}")
        self._values[name] = value


matmul = cuBLASModule()


def is_built():
    """False: ember is not built with CUDA."""
    return False


def _attention():
    from ember.nn import attention
    return attention


def _enabled(name):
    a = _attention()
    return a._enabled[getattr(a.SDPBackend, name)]


def _enable(name, enabled):
    a = _attention()
    a._set_state({getattr(a.SDPBackend, name): bool(enabled)}, list(a._priority))


def flash_sdp_enabled():
    """Whether the flash attention backend of ``scaled_dot_product_attention`` is enabled."""
    return _enabled("FLASH_ATTENTION")


def mem_efficient_sdp_enabled():
    """Whether the memory-efficient attention backend is enabled."""
    return _enabled("EFFICIENT_ATTENTION")


def math_sdp_enabled():
    """Whether the math (reference) attention backend is enabled."""
    return _enabled("MATH")


def cudnn_sdp_enabled():
    """Whether the cuDNN attention backend is enabled."""
    return _enabled("CUDNN_ATTENTION")


def enable_flash_sdp(enabled):
    """Enable or disable the flash attention backend."""
    _enable("FLASH_ATTENTION", enabled)


def enable_mem_efficient_sdp(enabled):
    """Enable or disable the memory-efficient attention backend."""
    _enable("EFFICIENT_ATTENTION", enabled)


def enable_math_sdp(enabled):
    """Enable or disable the math attention backend."""
    _enable("MATH", enabled)


def enable_cudnn_sdp(enabled):
    """Enable or disable the cuDNN attention backend."""
    _enable("CUDNN_ATTENTION", enabled)


def can_use_flash_attention(params, debug=False):
    """As :func:`ember.nn.attention.can_use_flash_attention` (False: no CUDA)."""
    return _attention().can_use_flash_attention(params, debug)


def can_use_efficient_attention(params, debug=False):
    """As :func:`ember.nn.attention.can_use_efficient_attention` (False: no CUDA)."""
    return _attention().can_use_efficient_attention(params, debug)


def can_use_cudnn_attention(params, debug=False):
    """Whether the cuDNN attention kernel can run ``params`` (an :class:`SDPAParams`): False, as on a CPU-only build."""
    return False


def is_flash_attention_available():
    """Whether this build has the (CUDA) flash-attention kernel: False."""
    return False


def is_ck_sdpa_available():
    """Whether this build has ROCm's Composable Kernel attention: False."""
    return False


_math_sdp_reduction = [False]


def allow_fp16_bf16_reduction_math_sdp(enabled):
    """Allow (or forbid) the math attention backend to reduce in fp16/bf16 (recorded; ember reduces in float32)."""
    _math_sdp_reduction[0] = bool(enabled)


def fp16_bf16_reduction_math_sdp_allowed():
    """Whether :func:`allow_fp16_bf16_reduction_math_sdp` allowed low-precision reductions (False by default)."""
    return _math_sdp_reduction[0]


_SDP_KERNEL_DEPRECATION = ("`torch.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager "
                           "will be removed. Please see `torch.nn.attention.sdpa_kernel()` for the new context "
                           "manager, with updated signature.")


def sdp_kernel(enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
    """Deprecated context manager enabling only the chosen attention backends: use
    :func:`ember.nn.attention.sdpa_kernel`, which this calls (with a FutureWarning).

    Example::

        >>> with ember.backends.cuda.sdp_kernel(enable_flash=False):  # doctest: +SKIP
        ...     out = F.scaled_dot_product_attention(q, k, v)
    """
    warnings.warn(_SDP_KERNEL_DEPRECATION, FutureWarning, stacklevel=2)
    a = _attention()
    chosen = [(enable_cudnn, a.SDPBackend.CUDNN_ATTENTION), (enable_flash, a.SDPBackend.FLASH_ATTENTION),
              (enable_mem_efficient, a.SDPBackend.EFFICIENT_ATTENTION), (enable_math, a.SDPBackend.MATH)]
    return a.sdpa_kernel([backend for on, backend in chosen if on])


sdp_kernel.__deprecated__ = _SDP_KERNEL_DEPRECATION


# ---- preferred libraries: the choices are recorded as PyTorch's CPU build records them ----

class _LinalgBackend(enum.Enum):
    Default = 0
    Cusolver = 1
    Magma = 2


class _BlasBackend(enum.Enum):
    Default = 0
    Cublas = 1
    Cublaslt = 2
    Ck = 3


class _ROCmFABackend(enum.Enum):
    Default = 0
    AOTriton = 1
    Ck = 2


_preferred = {_LinalgBackend: _LinalgBackend.Default, _BlasBackend: _BlasBackend.Cublas,
              _ROCmFABackend: _ROCmFABackend.Default}
_linalg_names = {"default": _LinalgBackend.Default, "cusolver": _LinalgBackend.Cusolver, "magma": _LinalgBackend.Magma}
_blas_names = {"default": _BlasBackend.Default, "cublas": _BlasBackend.Cublas, "hipblas": _BlasBackend.Cublas,
               "cublaslt": _BlasBackend.Cublaslt, "hipblaslt": _BlasBackend.Cublaslt, "ck": _BlasBackend.Ck}
_rocm_fa_names = {"default": _ROCmFABackend.Default, "aotriton": _ROCmFABackend.AOTriton, "ck": _ROCmFABackend.Ck}


def _lookup(backend, kind, names, type_error=RuntimeError):
    if isinstance(backend, str):
        if backend not in names:
            raise RuntimeError(f"Unknown input value. Choose from: {', '.join(dict.fromkeys(names))}.")
        return names[backend]
    if isinstance(backend, kind):
        return backend
    if type_error is RuntimeError:
        raise RuntimeError("Unknown input value type.")
    raise type_error(f"Unknown input value. Choose from: {', '.join(names)}.")


def preferred_linalg_library(backend=None):
    """Get (``backend=None``) or set the library for CUDA linear algebra: ``"default"``, ``"cusolver"``, ``"magma"``.

    Returns the current choice. Without CUDA, choosing cuSOLVER or MAGMA records the choice and then raises
    RuntimeError, as PyTorch's CPU build does.
    """
    if backend is not None:
        choice = _lookup(backend, _LinalgBackend, _linalg_names)
        _preferred[_LinalgBackend] = choice
        if choice is not _LinalgBackend.Default:
            lib = "cuSOLVER" if choice is _LinalgBackend.Cusolver else "MAGMA"
            raise RuntimeError(f"Cannot set preferred backend to {lib} if PyTorch has not been compiled with {lib}.")
    return _preferred[_LinalgBackend]


def preferred_blas_library(backend=None):
    """Get (``backend=None``) or set the BLAS library for CUDA matmuls (``"cublas"``, ``"cublaslt"``, ``"ck"``, ...).

    Returns the current choice; ``"default"`` means cuBLAS. cuBLASLt is refused with RuntimeError without CUDA.
    """
    if backend is not None:
        choice = _lookup(backend, _BlasBackend, _blas_names)
        if choice is _BlasBackend.Cublaslt:
            raise RuntimeError("Cannot set preferred backend to cuBLASLt if PyTorch has not been compiled with "
                               "cuBLASLt.")
        _preferred[_BlasBackend] = _BlasBackend.Cublas if choice is _BlasBackend.Default else choice
    return _preferred[_BlasBackend]


def preferred_rocm_fa_library(backend=None):
    """Get (``backend=None``) or set ROCm's flash-attention library: ``"default"``, ``"aotriton"``, ``"ck"``."""
    if backend is not None:
        _preferred[_ROCmFABackend] = _lookup(backend, _ROCmFABackend, _rocm_fa_names, type_error=ValueError)
    return _preferred[_ROCmFABackend]


def cublas_workspace_size(size=None):
    """Get or set cuBLAS's workspace size in bytes: without CUDA there is none (AttributeError, as on PyTorch's CPU
    build)."""
    raise AttributeError(f"cuBLAS workspace size: {_NO_CUDA}")


def cublaslt_workspace_size(size=None):
    """Get or set cuBLASLt's workspace size in bytes: without CUDA there is none (AttributeError)."""
    raise AttributeError(f"cuBLASLt workspace size: {_NO_CUDA}")


def blas_workspace_size(size=None, backend=None):
    """Get or set the workspace size of ``backend`` (default: the preferred BLAS library): AttributeError without
    CUDA."""
    if isinstance(backend, str) and backend not in _blas_names:
        raise RuntimeError(f"Unknown backend string. Choose from: {', '.join(_blas_names)}.")
    choice = _preferred[_BlasBackend] if backend is None else _lookup(backend, _BlasBackend, _blas_names)
    return (cublaslt_workspace_size if choice is _BlasBackend.Cublaslt else cublas_workspace_size)(size)


# ---- cuFFT plan cache: there are no CUDA devices, so every query fails as on PyTorch's CPU build ----

class cuFFTPlanCacheAttrContextProp:  # noqa: N801 - PyTorch's class name
    """A property of :class:`cuFFTPlanCache` read and written through per-device getter and setter functions."""

    def __init__(self, getter, setter):
        self.getter, self.setter = getter, setter

    def __get__(self, obj, objtype):
        return self.getter(obj.device_index)

    def __set__(self, obj, val):
        self.setter(obj.device_index, val)


def _no_cuda(*args):
    raise AssertionError(_NO_CUDA)


class cuFFTPlanCache:  # noqa: N801 - PyTorch's class name
    """The cuFFT plan cache of one CUDA device (``size``, ``max_size``, ``clear()``); unreachable without CUDA."""

    def __init__(self, device_index):
        self.device_index = device_index

    size = cuFFTPlanCacheAttrContextProp(_no_cuda, _no_cuda)
    max_size = cuFFTPlanCacheAttrContextProp(_no_cuda, _no_cuda)

    def clear(self):
        _no_cuda()


class cuFFTPlanCacheManager:  # noqa: N801 - PyTorch's class name
    """``cufft_plan_cache``: indexed by CUDA device; its attributes are the current device's cache's."""

    def __getitem__(self, device):
        import ember
        index = device
        if isinstance(device, str):
            device = ember.device(device)
        if isinstance(device, ember.device):
            if device.type != "cuda":
                raise ValueError(f"Expected a cuda device, but got: {device}")
            if device.index is None:
                raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")
            index = device.index
        raise RuntimeError(f"cufft_plan_cache: expected 0 <= device index < 0, but got device with index {index}")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        _no_cuda()

    def __setattr__(self, name, value):
        _no_cuda()


cufft_plan_cache = cuFFTPlanCacheManager()


def __getattr__(name):
    # ember.nn.attention's types, loaded on first use so that importing ember.backends stays light.
    if name in ("SDPAParams", "SDPBackend"):
        return getattr(_attention(), name)
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
