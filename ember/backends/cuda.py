"""``ember.backends.cuda``: ``torch.backends.cuda``'s settings, as a CPU-only build reports them.

The matmul precision flags can be set and read (they change nothing on the CPU); the scaled-dot-product-attention
switches share their state with :func:`ember.nn.attention.sdpa_kernel`, as PyTorch's do.

Example::

    >>> import ember
    >>> ember.backends.cuda.matmul.allow_tf32 = True
    >>> ember.backends.cuda.is_built()
    False
"""

__all__ = ["can_use_efficient_attention", "can_use_flash_attention", "cudnn_sdp_enabled", "enable_cudnn_sdp",
           "enable_flash_sdp", "enable_math_sdp", "enable_mem_efficient_sdp", "flash_sdp_enabled", "is_built",
           "math_sdp_enabled", "matmul", "mem_efficient_sdp_enabled"]


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
