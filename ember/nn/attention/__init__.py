"""``ember.nn.attention``: choosing the kernels of ``scaled_dot_product_attention`` (mirrors ``torch.nn.attention``).

ember computes attention with one implementation, the "math" one (matmul, softmax, matmul). The backend flags still
behave as on PyTorch's CPU build: the math backend and PyTorch's CPU flash kernel can run (both give the math
result here); selecting only backends that need a GPU makes ``scaled_dot_product_attention`` fail as it does there.

Submodules: :mod:`ember.nn.attention.bias` (``causal_upper_left``, ``causal_lower_right``) and
:mod:`ember.nn.attention.flex_attention`.
"""

import contextlib
import enum
import importlib
import logging
import warnings

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS", "register_flash_attention_impl",
           "activate_flash_attention_impl", "list_flash_attention_impls", "current_flash_attention_impl",
           "restore_flash_attention_impl"]

# When True, the attention biases (``bias.CausalBias``) warn about why a fused kernel cannot be used.
WARN_FOR_UNFUSED_KERNELS = False

_log = logging.getLogger(__name__)


class SDPBackend(enum.Enum):
    """The backends of ``scaled_dot_product_attention``, for :func:`sdpa_kernel`.

    Members: ``ERROR`` (-1), ``MATH`` (0), ``FLASH_ATTENTION`` (1), ``EFFICIENT_ATTENTION`` (2),
    ``CUDNN_ATTENTION`` (3), ``OVERRIDEABLE`` (4). ``int(backend)`` gives the number.

    Example::

        >>> SDPBackend.MATH
        <SDPBackend.MATH: 0>
    """

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __int__(self):
        return self.value

    __index__ = __int__

    def __hash__(self):
        return hash(self.value)


_B = SDPBackend
# The global state PyTorch keeps in its C++ context: which backends are enabled, and their order of preference.
_enabled = {_B.FLASH_ATTENTION: True, _B.EFFICIENT_ATTENTION: True, _B.MATH: True, _B.CUDNN_ATTENTION: True,
            _B.OVERRIDEABLE: True}
_priority = [_B.FLASH_ATTENTION, _B.EFFICIENT_ATTENTION, _B.MATH, _B.CUDNN_ATTENTION, _B.OVERRIDEABLE]
_backend_names = {"cudnn": "CUDNN_ATTENTION", "flash": "FLASH_ATTENTION", "mem_efficient": "EFFICIENT_ATTENTION",
                  "math": "MATH", "overrideable": "OVERRIDEABLE"}


def _cur_sdpa_kernel_backends(with_priority=False):
    """The enabled backends: in a fixed order, or (``with_priority``) in the current order of preference."""
    order = _priority if with_priority else (_B.CUDNN_ATTENTION, _B.FLASH_ATTENTION, _B.EFFICIENT_ATTENTION,
                                             _B.MATH, _B.OVERRIDEABLE)
    return [b for b in order if _enabled[b]]


def _set_state(enabled, priority):
    _enabled.update(enabled)
    _priority[:] = priority
    from ember.nn import _functional_attention as _fa
    # The sdpa hook runs only while some backend is off: the default state costs nothing per call.
    _fa._sdpa_backend_check = None if all(_enabled.values()) else _check_sdpa_backends


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Context manager (or decorator) that enables only ``backends`` for ``scaled_dot_product_attention``.

    Args:
        backends: an :class:`SDPBackend` or a list of them; the others are disabled inside the context.
        set_priority: also make the list the order of preference (the other backends follow, in their order).

    On ember's CPU implementation, ``MATH`` always runs and ``FLASH_ATTENTION`` runs for the inputs PyTorch's CPU
    flash kernel takes (4-D, no dropout, equal head dims, ...); otherwise the call raises ``RuntimeError``, as on
    PyTorch's CPU build. The previous state is restored on exit.

    Example::

        >>> with sdpa_kernel(SDPBackend.MATH):
        ...     out = F.scaled_dot_product_attention(q, k, v)
    """
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of SDPBackend instances, "
                             f"got {type(backends).__name__}")
    backends = [backends] if isinstance(backends, SDPBackend) else list(backends)
    old_enabled, old_priority = dict(_enabled), list(_priority)
    chosen = dict.fromkeys(b for b in backends if isinstance(b, SDPBackend) and b in _enabled)
    priority = list(_priority)
    if set_priority:
        priority = list(chosen) + [b for b in _priority if b not in chosen]
    try:
        _set_state({b: b in chosen for b in _enabled}, priority)
        yield {}
    finally:
        _set_state(old_enabled, old_priority)


class SDPAParams:
    """The inputs of one ``scaled_dot_product_attention`` call, for :func:`can_use_flash_attention` and friends.

    Args (positional): query, key, value, attn_mask, dropout, is_causal, enable_gqa.
    """

    def __init__(self, query, key, value, attn_mask, dropout, is_causal, enable_gqa=False):
        self.query, self.key, self.value, self.attn_mask = query, key, value, attn_mask
        self.dropout, self.is_causal, self.enable_gqa = dropout, is_causal, enable_gqa


def can_use_flash_attention(params, debug=False):
    """Whether the (CUDA) flash-attention kernel can run ``params``: always False, as on a CPU-only build.

    Args:
        params: an :class:`SDPAParams`.
        debug: ask for the reasons as warnings (there are none to give without CUDA).
    """
    return False


def can_use_efficient_attention(params, debug=False):
    """Whether the (CUDA) memory-efficient kernel can run ``params``: always False, as on a CPU-only build."""
    return False


def _raise_kernel_warnings(params):
    """Warn that the fused kernels cannot run ``params`` (when :data:`WARN_FOR_UNFUSED_KERNELS` is set)."""
    if WARN_FOR_UNFUSED_KERNELS:
        if not can_use_efficient_attention(params):
            warnings.warn("Efficient attention can't be used because:", stacklevel=3)
            can_use_efficient_attention(params, True)
        if not can_use_flash_attention(params):
            warnings.warn("Flash attention can't be used because:", stacklevel=3)
            can_use_flash_attention(params, True)


# ------------------------------------------------------------------------------ the backend check of sdpa
def _flash_cpu_reasons(query, key, value, attn_mask, dropout_p, enable_gqa):
    """Why PyTorch's CPU flash kernel would refuse these inputs (empty when it takes them)."""
    if dropout_p > 0.0:
        return ["Both fused kernels do not support non-zero dropout."]
    if not (query.dim() == key.dim() == value.dim() == 4):
        return ["All fused kernels requires query, key and value to be 4 dimensional, but got Query dim: "
                f"{query.dim()}, Key dim: {key.dim()}, Value dim: {value.dim()} instead."]
    qs, ks, vs = list(query.shape), list(key.shape), list(value.shape)
    if not (qs[0] == ks[0] == vs[0]):
        return ["For dense inputs, both fused kernels require query, key and value to have the same batch_size. "
                f"Query.sizes(): {qs}, Key.sizes(): {ks}, Value.sizes(): {vs} instead. To broadcast dense inputs, "
                "try using unsqueeze and expand_to before passing them into the kernel."]
    gqa_ok = enable_gqa and ks[1] == vs[1] and ks[1] > 0 and qs[1] % ks[1] == 0
    if not (qs[1] == ks[1] == vs[1]) and not gqa_ok:
        return ["For dense input, both fused kernels require query, key and value to have the same num_heads. "
                f"Query.sizes(): {qs}, Key sizes(): {ks}, Value sizes(): {vs} instead. To broadcast dense inputs, "
                "try using unsqueeze and expand_to before passing them into the kernel."]
    if not (qs[-1] == ks[-1] == vs[-1]):
        return ["Flash attention requires q,k,v to have the same last dimension. Got Query.size(-1): "
                f"{qs[-1]}, Key.size(-1): {ks[-1]}, Value.size(-1): {vs[-1]} instead."]
    strides = [t.stride(-1) for t in (query, key, value)]
    if any(s != 1 for s in strides):
        return ["All fused kernels require the last dimension of the input to have stride 1. Got Query.stride(-1): "
                f"{strides[0]}, Key.stride(-1): {strides[1]}, Value.stride(-1): {strides[2]}"]
    if attn_mask is not None:
        target = (qs[0], qs[1], qs[2], ks[2])
        shape = tuple(attn_mask.shape)
        ok = len(shape) <= 4 and all(m in (1, t) for m, t in zip(shape[::-1], target[::-1]))
        if not ok:
            return [""]  # PyTorch gives the headline only
    return []


def _check_sdpa_backends(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa):
    """Raise as PyTorch's CPU build does when no enabled backend can run the call (called by sdpa)."""
    if _enabled[_B.MATH]:
        return
    if not _enabled[_B.FLASH_ATTENTION]:
        raise RuntimeError("No viable backend for scaled_dot_product_attention was found. This is likely due to "
                           "turning off both the math kernel and the fused kernels.")
    reasons = _flash_cpu_reasons(query, key, value, attn_mask, dropout_p, enable_gqa)
    if reasons:
        warnings.warn("Flash attention kernel not used because:", stacklevel=3)
        for r in reasons:
            if r:
                warnings.warn(r, stacklevel=3)
        raise RuntimeError("No available kernel.  Aborting execution.")


# ------------------------------------------------------------------- flash-attention implementation registry
# PyTorch lets CUDA users swap the flash kernel (FA3, FA4). Nothing can run on ember's CPU, but the registry
# keeps its bookkeeping so code that lists or activates implementations behaves the same.
def _builtin(module):
    def register_fn():
        importlib.import_module(module)  # raises ModuleNotFoundError, as PyTorch does without the package
    return register_fn


_flash_registry = {"FA3": _builtin("flash_attn_interface"), "FA4": _builtin("flash_attn")}
_flash_current = [None, None]  # [name, handle]


def register_flash_attention_impl(impl, *, register_fn):
    """Register a flash-attention implementation ``impl`` whose ``register_fn()`` installs it (returns a handle)."""
    _flash_registry[impl] = register_fn


def activate_flash_attention_impl(impl):
    """Activate the registered implementation ``impl`` (calls its ``register_fn``)."""
    if impl not in _flash_registry:
        raise ValueError(f"Unknown flash attention impl '{impl}'. Available implementations: "
                         f"{list_flash_attention_impls()}")
    handle = _flash_registry[impl]()
    if handle is not None:
        _flash_current[:] = [impl, handle]


def list_flash_attention_impls():
    """The names of the registered flash-attention implementations."""
    return list(_flash_registry)


def current_flash_attention_impl():
    """The name of the active flash-attention implementation, or None for the default one."""
    return _flash_current[0]


def restore_flash_attention_impl(_raise_warn=True):
    """Go back to the default flash-attention implementation."""
    name, handle = _flash_current
    if name is None:
        if _raise_warn:
            _log.warning("Trying to restore default FA2 impl when no custom impl was activated")
        return
    remove = getattr(handle, "remove", None)
    if callable(remove):
        remove()
    _flash_current[:] = [None, None]


def __getattr__(name):
    # The submodules load on first use, so ``import ember`` does not pay for them.
    if name in ("bias", "flex_attention"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
