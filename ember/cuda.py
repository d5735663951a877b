"""``ember.cuda``: ember runs on the CPU (a CuPy backend is planned); these mirror torch.cuda's queries."""

import collections
import warnings as _warnings

from ember import _dtype, _tensor
from ember import amp as _amp


def is_available():
    """False: ember has no CUDA device yet."""
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Accepted for compatibility (no CUDA generator to seed)."""


def manual_seed_all(seed):
    """Accepted for compatibility (no CUDA generator to seed)."""


def empty_cache():
    """Nothing to free on the CPU."""


_NO_CUDA = "Torch not compiled with CUDA enabled"


def synchronize(device=None):
    """Wait for a CUDA device: raises ``AssertionError`` as PyTorch's CPU build does (no device to wait for)."""
    raise AssertionError(_NO_CUDA)


def _not_compiled(name, doc):
    # The device queries of PyTorch's CPU build: each fails its lazy CUDA initialisation.
    def fn(*args, **kwargs):
        raise AssertionError(_NO_CUDA)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + " Raises ``AssertionError`` here, as PyTorch built without CUDA does."
    return fn


current_device = _not_compiled("current_device", "Index of the selected CUDA device.")
get_device_name = _not_compiled("get_device_name", "Name of a CUDA device.")
get_device_properties = _not_compiled("get_device_properties", "Properties of a CUDA device.")
get_device_capability = _not_compiled("get_device_capability", "CUDA compute capability ``(major, minor)``.")
mem_get_info = _not_compiled("mem_get_info", "Free and total memory of a CUDA device.")
get_rng_state = _not_compiled("get_rng_state", "State of a CUDA random generator.")
initial_seed = _not_compiled("initial_seed", "Initial seed of the CUDA random generator.")
init = _not_compiled("init", "Initialise CUDA's state.")
current_stream = _not_compiled("current_stream", "The selected CUDA stream.")
default_stream = _not_compiled("default_stream", "The default CUDA stream.")
ipc_collect = _not_compiled("ipc_collect", "Free CUDA memory released by other processes.")
set_per_process_memory_fraction = _not_compiled("set_per_process_memory_fraction",
                                                "Cap this process's share of a CUDA device's memory.")


def _zero(name, doc):
    # Memory counters of PyTorch's CPU build report 0 for any device argument.
    def fn(device=None):
        return 0
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + " Always 0 here: ember has no CUDA device."
    return fn


memory_allocated = _zero("memory_allocated", "Bytes of CUDA memory held by tensors.")
max_memory_allocated = _zero("max_memory_allocated", "Peak bytes of CUDA memory held by tensors.")
memory_reserved = _zero("memory_reserved", "Bytes of CUDA memory held by the caching allocator.")
max_memory_reserved = _zero("max_memory_reserved", "Peak bytes of CUDA memory held by the caching allocator.")


def memory_stats(device=None):
    """CUDA caching-allocator statistics: an empty ``OrderedDict`` here, as in PyTorch's CPU build."""
    return collections.OrderedDict()


def memory_stats_as_nested_dict(device=None):
    """:func:`memory_stats` as nested dicts: ``{}`` here, as in PyTorch's CPU build."""
    return {}


def memory_cached(device=None):
    """Deprecated name of :func:`memory_reserved` (warns ``FutureWarning``); 0 here."""
    _warnings.warn("`ember.cuda.memory_cached` has been renamed to `ember.cuda.memory_reserved`", FutureWarning,
                   stacklevel=2)
    return memory_reserved(device)


def max_memory_cached(device=None):
    """Deprecated name of :func:`max_memory_reserved` (warns ``FutureWarning``); 0 here."""
    _warnings.warn("`ember.cuda.max_memory_cached` has been renamed to `ember.cuda.max_memory_reserved`",
                   FutureWarning, stacklevel=2)
    return max_memory_reserved(device)


def _no_binding(name, binding, doc):
    # Allocator controls whose C++ bindings PyTorch's CPU build lacks: calling them raises its AttributeError.
    def fn(device=None):
        raise AttributeError(f"module 'torch._C' has no attribute '{binding}'")
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + " Raises ``AttributeError`` here, as PyTorch built without CUDA does."
    return fn


reset_peak_memory_stats = _no_binding("reset_peak_memory_stats", "_cuda_resetPeakMemoryStats",
                                      "Reset the peak counters of the CUDA caching allocator.")
reset_accumulated_memory_stats = _no_binding("reset_accumulated_memory_stats", "_cuda_resetAccumulatedMemoryStats",
                                             "Reset the accumulated counters of the CUDA caching allocator.")


def reset_max_memory_allocated(device=None):
    """Deprecated: warns ``FutureWarning`` and calls :func:`reset_peak_memory_stats` (which raises here)."""
    _warnings.warn("ember.cuda.reset_max_memory_allocated now calls ember.cuda.reset_peak_memory_stats, which "
                   "resets /all/ peak memory stats.", FutureWarning, stacklevel=2)
    return reset_peak_memory_stats(device)


def reset_max_memory_cached(device=None):
    """Deprecated: warns ``FutureWarning`` and calls :func:`reset_peak_memory_stats` (which raises here)."""
    _warnings.warn("ember.cuda.reset_max_memory_cached now calls ember.cuda.reset_peak_memory_stats, which "
                   "resets /all/ peak memory stats.", FutureWarning, stacklevel=2)
    return reset_peak_memory_stats(device)


def memory_summary(device=None, abbreviated=False):
    """A printable report of the CUDA caching allocator's statistics.

    PyTorch's CPU build has no statistics to report (:func:`memory_stats` is empty) and raises ``KeyError`` for
    the first one it looks up; so does this.
    """
    raise KeyError("allocated_bytes.all.current")


def memory_snapshot(mempool_id=None, include_traces=True):
    """The CUDA caching allocator's state. Raises ``AttributeError`` here, as PyTorch built without CUDA does."""
    raise AttributeError("module 'torch._C' has no attribute '_cuda_memorySnapshot'")


def is_current_stream_capturing():
    """Whether a CUDA graph is being captured on the current stream. Raises ``RuntimeError`` here, as PyTorch built
    without CUDA does."""
    raise RuntimeError("Tried to instantiate dummy base class _cuda_isCurrentStreamCapturing")


def _nvml(name, doc):
    # Queries PyTorch answers through NVML (the nvidia-ml-py package): without it they raise ModuleNotFoundError.
    def fn(device=None):
        raise ModuleNotFoundError("nvidia-ml-py does not seem to be installed or it can't be imported.")
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + " Raises ``ModuleNotFoundError`` here, as PyTorch does without nvidia-ml-py."
    return fn


utilization = _nvml("utilization", "Percent of time a kernel ran on the GPU over the last sample period.")
memory_usage = _nvml("memory_usage", "Percent of time GPU memory was read or written over the last sample period.")
temperature = _nvml("temperature", "GPU temperature in degrees Celsius.")
power_draw = _nvml("power_draw", "GPU power draw in milliwatts.")
clock_rate = _nvml("clock_rate", "GPU streaming-multiprocessor clock rate in MHz.")


def list_gpu_processes(device=None):
    """The processes running on a GPU, as text: here PyTorch's note that NVML is missing."""
    return "pynvml module not found, please install nvidia-ml-py"


def is_bf16_supported(including_emulation=True):
    """False: no CUDA device, so no bfloat16 on it."""
    return False


def is_initialized():
    """False: CUDA is never initialised here."""
    return False


def get_arch_list():
    """CUDA architectures this build supports: none (``[]``)."""
    return []


def get_gencode_flags():
    """NVCC gencode flags of this build: ``''``."""
    return ""


def seed():
    """Seed the CUDA generator randomly: nothing to seed (returns None, as PyTorch's CPU build)."""


def seed_all():
    """Seed every CUDA generator randomly: nothing to seed."""


def get_rng_state_all():
    """States of every CUDA generator: ``[]`` (no devices)."""
    return []


def set_rng_state(new_state, device="cuda"):
    """Accepted for compatibility (PyTorch queues it until CUDA initialises, which never happens here)."""


def set_rng_state_all(new_states):
    """Accepted for compatibility (no CUDA generators)."""


def _device_index(device, optional=False):
    # An int, "cuda[:i]" or ember.device -> its index (None when it names none); other devices are rejected.
    if isinstance(device, str):
        device = _tensor.device(device)
    if isinstance(device, _tensor.device):
        if device.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {device}")
        if device.index is None and not optional:
            raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")
        return device.index
    if device is None and not optional:
        raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")
    return device


def set_device(device):
    """Select a CUDA device. A negative index is a no-op; any other raises ``AttributeError``, the exception
    PyTorch's CPU build raises (its message names a missing internal of ``torch._C``: ember says why instead)."""
    idx = _device_index(device)
    if idx >= 0:
        raise AttributeError(f"ember was built without CUDA support: no CUDA device {idx} to select "
                             "(ember.cuda.is_available() is False)")


class device:
    """Context manager selecting a CUDA device.

    Args:
        device: an index, ``"cuda:i"`` or ``ember.device``; ``None`` or a negative index selects nothing.

    Entering with a real index raises ``RuntimeError`` (ember has no CUDA device), as PyTorch's CPU build does.

    Example::

        >>> with ember.cuda.device(-1):
        ...     pass
    """

    def __init__(self, device):
        self.idx = _device_index(device, optional=True)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx is not None and self.idx >= 0:
            raise RuntimeError("PyTorch was compiled without CUDA support")

    def __exit__(self, type, value, traceback):
        return False


class device_of(device):
    """:class:`device` for the device of a tensor: a no-op for CPU tensors."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_cuda else -1)


class StreamContext:
    """Context manager selecting a CUDA stream; with ``None`` (the only stream possible here) it does nothing."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            raise AssertionError(_NO_CUDA)

    def __exit__(self, type, value, traceback):
        return None


def stream(stream):
    """:class:`StreamContext` for ``stream`` (a no-op for ``None``)."""
    return StreamContext(stream)


class Stream:
    """A CUDA stream: cannot be created here (``RuntimeError``: ember has no CUDA)."""

    def __new__(cls, device=None, priority=0, **kwargs):
        raise RuntimeError("torch.cuda.Stream requires CUDA support")


class Event:
    """A CUDA event: cannot be created here (``RuntimeError``, as PyTorch's CPU build)."""

    def __new__(cls, enable_timing=False, blocking=False, interprocess=False, external=False):
        raise RuntimeError("Tried to instantiate dummy base class Event")


# ``torch.cuda.FloatTensor`` and kin (legacy typed constructors): ``isinstance`` is False for every ember tensor;
# calling one raises PyTorch's TypeError of a build without CUDA.
from ember._legacy_types import _CUDA_TYPES  # noqa: E402 - (grouped with what it documents)

FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor = (_CUDA_TYPES[n] for n in (
    "FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor"))
LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor = (_CUDA_TYPES[n] for n in (
    "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"))


class OutOfMemoryError(RuntimeError):
    """Raised when a CUDA allocation fails (a ``RuntimeError``, as in PyTorch)."""


# ``torch.cuda.amp`` (deprecated in PyTorch): ``from ember.cuda.amp import GradScaler`` works and warns. ember has
# no CUDA device, so an enabled scaler or autocast region then disables itself with a UserWarning, as PyTorch's
# does without CUDA.
amp = _amp._deprecated_device_amp("cuda", _dtype.float16, " ember has no CUDA device: enabled, it disables "
                                  "itself with a UserWarning, as PyTorch's does without CUDA.")


def _amp_custom_fwd(fwd=None, *, cast_inputs=None):
    """Deprecated alias of ``ember.amp.custom_fwd(fwd, device_type='cuda', cast_inputs=...)`` (warns with a
    FutureWarning, as ``torch.cuda.amp.custom_fwd`` does).

    Example::

        >>> class F(ember.autograd.Function):  # doctest: +SKIP
        ...     @staticmethod
        ...     @ember.cuda.amp.custom_fwd
        ...     def forward(ctx, x): ...
    """
    _warnings.warn("`ember.cuda.amp.custom_fwd(args...)` is deprecated. Please use `ember.amp.custom_fwd(args..., "
                   "device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return _amp.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def _amp_custom_bwd(bwd):
    """Deprecated alias of ``ember.amp.custom_bwd(bwd, device_type='cuda')`` (warns with a FutureWarning, as
    ``torch.cuda.amp.custom_bwd`` does)."""
    _warnings.warn("`ember.cuda.amp.custom_bwd(args...)` is deprecated. Please use `ember.amp.custom_bwd(args..., "
                   "device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return _amp.custom_bwd(bwd, device_type="cuda")


def _amp_definitely_not_available():
    """True: ember has no CUDA device, so CUDA autocast is never available."""
    return True


for _fn, _name in ((_amp_custom_fwd, "custom_fwd"), (_amp_custom_bwd, "custom_bwd"),
                   (_amp_definitely_not_available, "amp_definitely_not_available")):
    _fn.__module__, _fn.__name__, _fn.__qualname__ = amp.__name__, _name, _name
    setattr(amp, _name, _fn)
amp.__all__ = ["amp_definitely_not_available", "autocast", "custom_bwd", "custom_fwd", "GradScaler"]
del _fn, _name
