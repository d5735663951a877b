"""Less common ``torch.*`` functions: global settings and queries, creation helpers (``empty_strided``,
``frombuffer``, DLPack, window functions, ...), BLAS-style fused products (``addmv``, ``addr``, ``addbmm``),
bit shifts, the incomplete gamma functions, ``gradient``, ``histogramdd``, random sampling (``binomial``,
``poisson``), the complex-number helpers as they act on real tensors (``conj``, ``real``, ``angle``, ...) and
the ``*_copy`` variants of the view functions.

``ember/__init__.py`` resolves these names lazily (``_LAZY_ATTRS``), so ``import ember`` does not load this
module; the Tensor methods built on them are attached in :mod:`ember._tensor_methods`.
"""

import builtins
import math
import os
import warnings

import ember
from ember import _dtype
from ember import _ops
from ember import _functions as F
from ember import _functions_args as _args
from ember import _random_kernels as _rk
from ember._functions_math import _need_tensor, _word
from ember._backend import xp
from ember._ops import _specfun as _sf
from ember._ops import complex as _C
from ember._ops import elementwise as E
from ember._ops import linalg as L
from ember._ops import shape as S
from ember._tensor import Size, Tensor, _check_device, wrap
from ember.autograd.grad_mode import state as _grad_state

# The names are listed once, in ember/__init__.py's lazy table.
__all__ = sorted(name for name, module in ember._LAZY_ATTRS.items() if module == __name__)

_range = builtins.range
_int = builtins.int
_float = builtins.float
_bool = builtins.bool


def _need_bool(value, message):
    if not isinstance(value, _bool):
        raise RuntimeError(f"{message}, but got {type(value).__name__}")


# ================================================================================ settings and queries
_settings = {
    "matmul_precision": "highest",
    "warn_always": False,
    "deterministic": False,
    "deterministic_warn_only": False,
    "interop_threads": None,
}
_warned = set()


def _warn_once(key, message, stacklevel=3):
    """A warning PyTorch gives once per process (TORCH_WARN_ONCE), or every time after ``set_warn_always(True)``."""
    if _settings["warn_always"] or key not in _warned:
        _warned.add(key)
        warnings.warn(message, UserWarning, stacklevel=stacklevel)


def set_float32_matmul_precision(precision):
    """Set the internal precision of float32 matrix products: ``"highest"`` (the default), ``"high"`` or
    ``"medium"``.

    ember multiplies float32 matrices with NumPy at full float32 precision whatever the setting; it is stored
    so that :func:`get_float32_matmul_precision` reports it, as scripts that tune it for GPUs expect. An
    unknown name warns and changes nothing, as in PyTorch.

    Example::

        >>> ember.set_float32_matmul_precision("high")
        >>> ember.get_float32_matmul_precision()
        'high'
    """
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision():
    """The float32 matmul precision set by :func:`set_float32_matmul_precision` (``"highest"`` by default)."""
    return _settings["matmul_precision"]


def set_flush_denormal(mode):
    """Ask for denormal floats to be flushed to zero on the CPU; returns whether that mode could be set.

    NumPy gives no control over the processor's flush-to-zero flags, so ember cannot honour the request and
    returns ``False`` (what PyTorch returns on a CPU without the feature); computations keep denormals.

    Example::

        >>> ember.set_flush_denormal(True)
        False
    """
    _need_bool(mode, "flush_denormal expects a bool")
    return False


def set_warn_always(b):
    """Make warnings that ember gives once per process (deprecations such as ``set_default_tensor_type`` or
    ``nuclear_norm``) be given on every call."""
    _need_bool(b, "setWarnOnlyOnce expects a bool")
    _settings["warn_always"] = b


def is_warn_always_enabled():
    """Whether :func:`set_warn_always` is on."""
    return _settings["warn_always"]


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Ask for deterministic algorithms. ember's CPU kernels are all deterministic, so nothing changes; the
    setting is stored for :func:`are_deterministic_algorithms_enabled` and friends.

    Args:
        mode (bool): require deterministic algorithms.
        warn_only (bool): with ``mode``, warn instead of erroring on nondeterministic ops (ember has none).

    Example::

        >>> ember.use_deterministic_algorithms(True)
        >>> ember.are_deterministic_algorithms_enabled()
        True
    """
    if not isinstance(mode, _bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
                        f"{type(mode).__name__}")
    if not isinstance(warn_only, _bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'warn_only' must be bool, not "
                        f"{type(warn_only).__name__}")
    _settings["deterministic"] = mode
    _settings["deterministic_warn_only"] = mode and warn_only


def are_deterministic_algorithms_enabled():
    """Whether :func:`use_deterministic_algorithms` is on."""
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    """Whether :func:`use_deterministic_algorithms` is on with ``warn_only=True``."""
    return _settings["deterministic_warn_only"]


_DEBUG_MODES = ("default", "warn", "error")


def set_deterministic_debug_mode(debug_mode):
    """Set the deterministic mode by level: ``"default"``/0 (off), ``"warn"``/1 (on, warn only),
    ``"error"``/2 (on). The same setting as :func:`use_deterministic_algorithms`.

    Example::

        >>> ember.set_deterministic_debug_mode("warn")
        >>> ember.get_deterministic_debug_mode()
        1
    """
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES.index(debug_mode)
    elif not isinstance(debug_mode, _int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    """The deterministic mode as a level: 0 off, 1 warn only, 2 on (see :func:`set_deterministic_debug_mode`)."""
    if not _settings["deterministic"]:
        return 0
    return 1 if _settings["deterministic_warn_only"] else 2


def get_num_interop_threads():
    """The number of threads for inter-op parallelism. ember runs ops one after another, so this only
    reports the value set by :func:`set_num_interop_threads` (the CPU count by default)."""
    return _settings["interop_threads"] or os.cpu_count() or 1


def set_num_interop_threads(num):
    """Set the number of inter-op threads; as in PyTorch, only once per process (ember stores the value)."""
    if not isinstance(num, _int) or isinstance(num, _bool):
        raise RuntimeError(f"set_num_interop_threads expects an int, but got {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    if _settings["interop_threads"] is not None:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has started or "
                           "set_num_interop_threads called")
    _settings["interop_threads"] = num


def init_num_threads():
    """Initialise the intra-op thread pool of the calling thread (nothing to do in ember)."""


def set_default_tensor_type(t):
    """Deprecated: set the default floating-point tensor type, as ``ember.FloatTensor`` / ``ember.DoubleTensor``
    / ``ember.HalfTensor`` or their names (``"ember.DoubleTensor"``; ``"torch.DoubleTensor"`` works too).
    Use :func:`ember.set_default_dtype` instead.

    Example::

        >>> ember.set_default_tensor_type(ember.DoubleTensor)   # doctest: +SKIP
        >>> ember.tensor([1.5]).dtype
        ember.float64
    """
    from ember import _legacy_types

    if isinstance(t, str):
        module, _, name = t.rpartition(".")
        if module not in ("ember", "torch"):
            if module in ("ember.cuda", "torch.cuda"):
                raise TypeError(f"type {t} not available. Torch not compiled with CUDA enabled.")
            raise ModuleNotFoundError(f"No module named '{module or name}'")
        if name not in _legacy_types.__all__:
            raise AttributeError(f"module '{module}' has no attribute '{name}'")
        t = getattr(_legacy_types, name)
    # (PyTorch warns before checking the type)
    _warn_once("set_default_tensor_type", "ember.set_default_tensor_type() is deprecated as of PyTorch 2.1, "
               "please use ember.set_default_dtype() and ember.set_default_device() as alternatives.")
    if isinstance(t, type) and getattr(t, "is_cuda", False):  # ember.cuda.FloatTensor and friends
        raise TypeError(f"type {t.__module__}.{t.__name__} not available. Torch not compiled with CUDA enabled.")
    if not isinstance(t, _legacy_types._TensorType):
        raise TypeError("invalid type object: only floating-point types are supported as the default type")
    if not t.dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    t.dtype.np  # noqa: B018 - raises ember's TypeError for a dtype it cannot store
    _dtype.set_default_dtype(t.dtype)


def is_anomaly_check_nan_enabled():
    """Whether anomaly detection (when on) also checks backward results for NaN."""
    return _grad_state.anomaly_check_nan


def set_anomaly_enabled(enabled, check_nan=True):
    """Turn anomaly detection on or off globally (as ``autograd.set_detect_anomaly``, not as a context).

    Example::

        >>> ember.set_anomaly_enabled(True, check_nan=False)
        >>> ember.is_anomaly_enabled(), ember.is_anomaly_check_nan_enabled()
        (True, False)
    """
    for name, pos, value in (("enabled", 1, enabled), ("check_nan", 2, check_nan)):
        if not isinstance(value, _bool):
            raise TypeError(f"set_anomaly_enabled(): argument '{name}' (position {pos}) must be bool, not "
                            f"{type(value).__name__}")
    _grad_state.anomaly = enabled
    _grad_state.anomaly_check_nan = check_nan


# ============================================================================================ creation
def _finish(arr, requires_grad, device=None, default_device=True):
    """The new tensor of array ``arr``, on ``device`` (the default device when None, unless not
    ``default_device``): a meta tensor of its shape and dtype there (see ember/_meta.py)."""
    if _check_device(device, True) if device is not None or default_device else False:
        return F._meta_empty(arr.shape, arr.dtype, requires_grad)
    return F._finish(arr, requires_grad)


def _np_dtype(dtype):
    return _dtype.get_default_dtype().np if dtype is None else _dtype.to_np(dtype)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False, requires_grad=False):
    """A 0-d tensor holding the number ``s``, in the default float dtype unless ``dtype`` is given (a Python
    int or bool gives a float tensor too, unlike :func:`ember.tensor`).

    Example::

        >>> ember.scalar_tensor(3)
        tensor(3.)
    """
    if isinstance(s, Tensor) and s._data.ndim == 0 and not s._requires_grad:
        s = s.item()  # a 0-d tensor outside the graph passes for a number, as in PyTorch
    if isinstance(s, Tensor):
        raise TypeError("scalar_tensor(): argument 's' (position 1) must be Number, not Tensor")
    _args.need_number("scalar_tensor", "s", 1, s)
    return _finish(xp.asarray(s, dtype=_np_dtype(dtype)), requires_grad, device)


def _sizes(fn, values, what, position):
    """``values`` (a tuple, list or Size of ints) as a tuple, or PyTorch's TypeError."""
    if not isinstance(values, (tuple, list, Size)):
        raise TypeError(f"{fn}(): argument '{what}' (position {position}) must be tuple of ints, not "
                        f"{_args.type_name(values)}")
    for i, v in enumerate(values):
        if not isinstance(v, _int) or isinstance(v, _bool):
            raise TypeError(f"{fn}(): argument '{what}' (position {position}) must be tuple of ints, but found "
                            f"element of type {_args.type_name(v)} at pos {i}")
    return tuple(values)


def _overlapping(shape, strides):
    """Whether two indices of a strided layout reach the same element (then the tensor must not be written)."""
    extent = 0
    for size, stride in sorted(((n, st) for n, st in zip(shape, strides) if n > 1), key=lambda p: p[1]):
        if stride <= extent:
            return True
        extent += (size - 1) * stride
    return False


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """An uninitialised tensor of ``size`` laid out with the given ``stride`` (in elements) over a fresh buffer.

    A layout in which elements overlap (a zero stride, say) gives a tensor that in-place ops refuse to write,
    as in PyTorch.

    Example::

        >>> ember.empty_strided((2, 3), (1, 2)).stride()
        (1, 2)
    """
    size, stride = _sizes("empty_strided", size, "size", 1), _sizes("empty_strided", stride, "stride", 2)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of strides "
                           f"({len(stride)})")
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    if any(st < 0 for st in stride):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)}")
    dt = xp.dtype(_np_dtype(dtype))
    if _check_device(device, True):  # (no buffer: a meta tensor needs no memory whatever its size)
        return F._meta_empty(size, dt, requires_grad)
    numel = math.prod(size)
    storage = 0 if numel == 0 else 1 + builtins.sum((n - 1) * st for n, st in zip(size, stride))
    buf = xp.empty(builtins.max(storage, 1), dtype=dt)
    overlap = numel > 0 and _overlapping(size, stride)
    arr = xp.lib.stride_tricks.as_strided(buf, size, tuple(st * dt.itemsize for st in stride),
                                          writeable=not overlap)
    return _finish(arr, requires_grad, device)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    """An uninitialised tensor of ``size`` whose dimensions lie in memory in the order ``physical_layout``
    (outermost first): ``empty_permuted((2, 3, 4), (2, 0, 1))`` has strides ``(3, 1, 6)``.

    Example::

        >>> ember.empty_permuted((2, 3, 4), (2, 0, 1)).stride()
        (3, 1, 6)
    """
    size = _sizes("empty_permuted", size, "size", 1)
    order = _sizes("empty_permuted", physical_layout, "physical_layout", 2)
    n = len(size)
    if len(order) != n:
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; i.e. "
                           f"len(size) = {n} is not equal to len(physical_layout) = {len(order)}")
    seen = set()
    for i, d in enumerate(order):
        if not 0 <= d < n:
            raise RuntimeError(f"Dimension out of range (expected to be between 0 and {n - 1}, but got {d} at index "
                               f"{i}).  NB: negative dims not currently supported; file an issue if you want it.")
        if d in seen:
            raise RuntimeError("Duplicate dim not allowed")
        seen.add(d)
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    if _check_device(device, True):  # (no buffer, as in empty_strided)
        return F._meta_empty(size, _np_dtype(dtype), requires_grad)
    physical = xp.empty([size[d] for d in order], dtype=_np_dtype(dtype))
    return _finish(physical.transpose(xp.argsort(order)), requires_grad, device)


def range(start, end, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):  # noqa: A001
    """Deprecated: ``start, start + step, ...`` up to and *including* ``end`` (use :func:`ember.arange`, which
    excludes it). The dtype is the default float dtype unless given.

    Example::

        >>> ember.range(1, 4)   # doctest: +SKIP
        tensor([1., 2., 3., 4.])
    """
    warnings.warn("ember.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use ember.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    for position, (arg, v) in enumerate((("start", start), ("end", end), ("step", step)), 1):
        _args.need_number("range", arg, position, v)
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = _int(math.floor((end - start) / step)) + 1
    np_dtype = _np_dtype(dtype)
    if np_dtype.kind in "bc":  # (PyTorch's kernel has no bool or complex form)
        raise NotImplementedError(f"\"range_cpu\" not implemented for '{_dtype.TYPE_WORDS[np_dtype.name]}'")
    values = start + xp.arange(n, dtype=xp.float64) * step
    # (PyTorch's range keeps to the CPU under a meta default device)
    return F._out(_finish(values.astype(np_dtype), requires_grad, device, False), out)


def fill(input, value):
    """A tensor of ``input``'s shape and dtype filled with ``value`` (a number, or a 0-d tensor that receives
    the gradient's sum); the functional form of ``Tensor.fill_``.

    Example::

        >>> ember.fill(ember.zeros(2, 2), 7)
        tensor([[7., 7.],
                [7., 7.]])
    """
    _need_tensor("fill", "input", 1, input)
    dt = input._data.dtype
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        return E.Fill.apply(input, value, grad_name="FillBackward1")
    if not isinstance(value, F._Number + (xp.bool_,)):
        raise TypeError(f"fill() received an invalid combination of arguments - got (Tensor, "
                        f"{_args.type_name(value)}), but expected one of:\n * (Tensor input, Tensor value)\n"
                        " * (Tensor input, Number value)\n")
    return E.Fill.apply(input, value=F._fill_scalar(value, dt, input._data.size))


_READONLY_BUFFER = ("The given buffer is not writable: ember wraps it as a read-only tensor (in-place operations on "
                    "it raise). You may want to copy the buffer or make it writable before converting it to a "
                    "tensor. This type of warning will be suppressed for the rest of this program.")


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor over the memory of an object implementing the buffer protocol (``bytearray``,
    ``array.array``, ``memoryview``, ...), without copying: writes to either show in the other.

    Args:
        buffer: the object to read.
        dtype (ember.dtype): the element type.
        count (int): how many elements to read (-1: all from ``offset`` to the end).
        offset (int): bytes to skip at the start.

    Example::

        >>> ember.frombuffer(bytearray(b"\\x01\\x02\\x03"), dtype=ember.uint8)
        tensor([1, 2, 3], dtype=ember.uint8)
    """
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    dt = xp.dtype(_dtype.to_np(dtype))
    length = view.nbytes
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length ({length} "
                         "bytes) minus 1")
    if count < 0:
        if (length - offset) % dt.itemsize:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({dt.itemsize})")
        count = (length - offset) // dt.itemsize
    elif count * dt.itemsize > length - offset:
        raise ValueError(f"requested buffer length ({count} * {dt.itemsize} bytes) after offset ({offset} bytes) must "
                         f"not be greater than actual buffer length ({length} bytes)")
    if view.readonly:
        _warn_once("frombuffer", _READONLY_BUFFER)
    arr = xp.frombuffer(buffer, dtype=dt, count=count, offset=offset)
    return _finish(arr, requires_grad, None, False)  # (it shares the buffer: CPU under a meta default device too)


class _Capsule:
    """Presents a bare DLPack capsule (from ``to_dlpack``) as an object with ``__dlpack__``."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **unused):
        return self.capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU

    @staticmethod
    def writable(arr):
        """``arr`` writable: NumPy marks what a legacy capsule holds read-only (it has no flag to say), where
        PyTorch writes into it, sharing the memory."""
        if arr.flags.writeable:
            return arr
        interface = dict(arr.__array_interface__)
        interface["data"] = (interface["data"][0], False)
        holder = type("_Interface", (), {})()  # (NumPy's way to alias memory with a layout of one's choosing)
        holder.__array_interface__, holder.base = interface, arr  # (base keeps the memory alive)
        return xp.asarray(holder)


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A tensor sharing memory with ``ext_tensor``: any CPU object implementing the DLPack protocol (a PyTorch
    tensor, a NumPy array, ...) or a capsule from ``to_dlpack``.

    Args:
        ext_tensor: the object (or capsule) to import.
        device: where the result lives (None: where the data is; ember's data is on the CPU).
        copy: True copies the data; None or False shares it.

    Example::

        >>> import torch                                    # doctest: +SKIP
        >>> ember.from_dlpack(torch.arange(3))
        tensor([0, 1, 2])
    """
    capsule = type(ext_tensor).__name__ == "PyCapsule"
    if capsule:
        ext_tensor = _Capsule(ext_tensor)
    elif not hasattr(ext_tensor, "__dlpack__"):
        # PyTorch takes anything else for a capsule, and refuses it as one
        raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor capsules can be consumed only "
                           "once, so you might have already constructed a tensor from it once.")
    arr = xp.from_dlpack(ext_tensor)
    _dtype.from_np(arr.dtype)  # ember's TypeError for dtypes it has no tensors of
    if copy:
        out = wrap(xp.array(arr, copy=True))
    else:
        out = wrap(_Capsule.writable(arr) if capsule else arr)
    # (another device: the tensor's own move, with its errors for devices ember lacks)
    return out if device is None or str(device) == "cpu" else out.to(device)


def _dlpack_array(t, versioned=False):
    """The array to export: the data itself when DLPack can describe it, else a copy (DLPack has no negative
    strides, and only its versioned capsules can mark memory read-only, as an expanded tensor's is)."""
    a = t._data
    if any(s < 0 for s in a.strides) or not (versioned or a.flags.writeable):
        return xp.array(a, order="C", copy=True)
    return a


def to_dlpack(tensor):
    """A DLPack capsule of ``tensor``'s memory, for ``from_dlpack`` of another library (or of ember).

    Example::

        >>> capsule = ember.to_dlpack(ember.arange(3))
        >>> ember.from_dlpack(capsule)
        tensor([0, 1, 2])
    """
    _need_tensor("to_dlpack", "data", 1, tensor)
    return _dlpack_array(tensor).__dlpack__()


def _window_length(fn, n):
    n = _args.need_int(fn, "window_length", 1, n)
    if n < 0:
        raise RuntimeError(f"{fn} requires non-negative window_length, got window_length={n}")
    return n


def _window(fn, n, periodic, dtype, device, requires_grad, values):
    """The window ``values(i, m, w, r)`` of length ``n``: ``i = arange(m + 1)`` and the scalars are in the working
    type ``w`` (float64 for float64, else float32), ``r`` rounds an intermediate to the window's dtype. Like PyTorch,
    each step is computed (and rounded) in the dtype, so float32 windows agree with its bit for bit (but for its
    cosine / i0 approximations). A periodic window is the first ``n`` points of the symmetric one of ``n + 1``."""
    n = _window_length(fn, n)
    np_dtype = _np_dtype(dtype)
    if np_dtype.kind not in "fV":
        c10 = _dtype.C10_NAMES[np_dtype.name]
        raise RuntimeError(f"{fn} expects floating point dtypes, got: TensorOptions(dtype={c10}, device=cpu, "
                           "layout=Strided (default), requires_grad=false (default), pinned_memory=false, "
                           "memory_format=(nullopt))")
    if _check_device(device, True):  # (no values to compute)
        return F._meta_empty((n,), np_dtype, requires_grad)
    if n <= 1:
        arr = xp.ones(n, dtype=np_dtype)
    else:
        m = n if periodic else n - 1
        w = xp.float64 if np_dtype == xp.float64 else xp.float32
        r = (lambda a: a) if np_dtype == w else (lambda a: xp.asarray(a).astype(np_dtype).astype(w))
        arr = values(xp.arange(m + 1, dtype=w), m, w, r)[:n].astype(np_dtype)
    return _finish(arr, requires_grad, device)


def _wcos(x, w):
    # float32 cosine rounded from float64: closer to PyTorch's vectorised one than NumPy's float32 loop
    return xp.cos(x.astype(xp.float64)).astype(w)


_WINDOW_DOC = """The {name} window of ``window_length`` points{formula}.

    Args:
        window_length (int): number of points.
        periodic (bool): the first ``window_length`` points of the symmetric window one point longer (for
            spectral analysis, the default), else the symmetric window.{extra}
        dtype: a floating-point dtype (default: the default dtype).
        requires_grad (bool): make the window a leaf that requires grad.

    Example::

        >>> ember.{name}_window(5, periodic=False){example}
    """


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   _bartlett_values)


def _bartlett_values(i, m, w, r):
    x = r(i * w(2.0 / m))
    h = (m >> 1) + 1  # the falling half: 2 - x
    x[h:] = r(w(2.0) - x[h:])
    return x


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   _blackman_values)


def _blackman_values(i, m, w, r):
    x = r(i * w(math.pi / m))
    c2, c4 = r(_wcos(r(x * w(2.0)), w)), r(_wcos(r(x * w(4.0)), w))
    return r(r(r(w(0.08) * c4) - r(w(0.5) * c2)) + w(0.42))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   pin_memory=False, requires_grad=False):
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda i, m, w, r: _cosine_values(i, m, w, r, alpha, beta))


def _cosine_values(i, m, w, r, alpha, beta):
    """``alpha - beta cos(2 pi i / m)`` in PyTorch's order of operations."""
    c = r(_wcos(r(i * w(2 * math.pi / m)), w))
    return r(r(c * w(-beta)) + w(alpha))


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda i, m, w, r: _cosine_values(i, m, w, r, 0.5, 0.5))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  requires_grad=False):
    def values(i, m, w, r):
        # One fused kernel in PyTorch: the working type throughout (no rounding to float16 between steps)
        a = w(m / 2.0)
        t = (i - a) / a
        arg = w(beta) * xp.sqrt(xp.maximum(w(1.0) - t * t, w(0.0)))
        # i0 in float64, rounded (PyTorch evaluates it in the working type: within an ulp or so of this)
        num = _sf.i0(arg.astype(xp.float64)).astype(w)
        return num / w(_sf.i0(xp.asarray(beta, dtype=xp.float64)))
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, values)


bartlett_window.__doc__ = _WINDOW_DOC.format(
    name="bartlett", formula=": the triangle ``1 - |2 i / (N - 1) - 1|``", extra="",
    example="\n        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])")
blackman_window.__doc__ = _WINDOW_DOC.format(
    name="blackman", formula=": ``0.42 - 0.5 cos(2 pi i / (N - 1)) + 0.08 cos(4 pi i / (N - 1))``", extra="",
    example="\n        tensor([-1.3878e-17,  3.4000e-01,  1.0000e+00,  3.4000e-01, -1.3878e-17])")
hamming_window.__doc__ = _WINDOW_DOC.format(
    name="hamming", formula=": ``alpha - beta cos(2 pi i / (N - 1))``",
    extra="\n        alpha, beta (float): the coefficients (0.54 and 0.46).",
    example="\n        tensor([0.0800, 0.5400, 1.0000, 0.5400, 0.0800])")
hann_window.__doc__ = _WINDOW_DOC.format(
    name="hann", formula=": ``0.5 - 0.5 cos(2 pi i / (N - 1))``", extra="",
    example="\n        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])")
kaiser_window.__doc__ = _WINDOW_DOC.format(
    name="kaiser", formula=": ``I0(beta sqrt(1 - (2 i / (N - 1) - 1)^2)) / I0(beta)``",
    extra="\n        beta (float): the shape parameter (12.0).",
    example="\n        tensor([5.2773e-05, 2.1567e-01, 1.0000e+00, 2.1567e-01, 5.2773e-05])")


# ================================================================================================ math
def _blas_scalars(fn, tensors, beta, alpha):
    """``beta``/``alpha`` as the op applies them: truncated to ints for integer tensors, as PyTorch's kernels
    convert them; bool tensors have no kernel."""
    dt = tensors[0]._data.dtype
    if dt == xp.bool_:
        raise NotImplementedError(f"\"{fn}\" not implemented for 'Bool'")
    if dt.kind in "iu":
        return _int(beta), _int(alpha)
    return beta, alpha


def _expand_check(input, shape):
    F.expand(wrap(input._data), *shape)  # raises PyTorch's message when input does not broadcast to shape


@_args.visible_signature
def addbmm(input, batch1, batch2, *args, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``: a batch of matrix products reduced to one.

    Args:
        input (Tensor): broadcastable to ``(n, p)``; ignored (NaN included) when ``beta == 0``.
        batch1 (Tensor): ``(b, n, m)``.
        batch2 (Tensor): ``(b, m, p)``.
        beta, alpha (Number): the scales.

    Example::

        >>> ember.addbmm(ember.zeros(2, 2), ember.ones(3, 2, 4), ember.ones(3, 4, 2))
        tensor([[12., 12.],
                [12., 12.]])
    """
    if args:  # PyTorch's deprecated addbmm(beta, input, [alpha,] ...) overloads
        return _args.deprecated_call(addbmm, "addbmm", (input, batch1, batch2) + args, {"out": out},
                                     tuple(k for k, v in (("beta", beta), ("alpha", alpha)) if v != 1))
    for name, pos, t in (("input", 1, input), ("batch1", 2, batch1), ("batch2", 3, batch2)):
        _need_tensor("addbmm", name, pos, t)
    if _ops._hooks:  # CPU autocast: casts (PyTorch's lower-precision list)
        input, batch1, batch2 = _ops.autocast_args(input, batch1, batch2)
    s1, s2 = batch1._data.shape, batch2._data.shape
    if len(s1) >= 2 and len(s2) >= 3:  # PyTorch checks that input broadcasts to the result first
        _expand_check(input, (s1[1], s2[2]))
    if batch1._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if batch2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    (b, n, m), (b2, m2, p) = batch1._data.shape, batch2._data.shape
    if b != b2:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {b} and {b2}")
    if m != m2:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({n}x{m} and {m2}x{p})")
    for name, t in (("self", input), ("mat1", batch1)):
        if t._data.dtype != batch2._data.dtype:
            raise RuntimeError(f"{name} and mat2 must have the same dtype, but got {_word(t)} and {_word(batch2)}")
    _expand_check(input, (n, p))
    beta, alpha = _blas_scalars("addmm_impl_cpu_", (input,), beta, alpha)
    return F._out(L.Addbmm.apply(input, batch1, batch2, beta=beta, alpha=alpha), out)


@_args.visible_signature
def addmv(input, mat, vec, *args, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``.

    Args:
        input (Tensor): ``(n,)`` or a single element; ignored (NaN included) when ``beta == 0``.
        mat (Tensor): ``(n, m)``.
        vec (Tensor): ``(m,)``.
        beta, alpha (Number): the scales.

    Example::

        >>> ember.addmv(ember.ones(2), ember.ones(2, 3), ember.ones(3), alpha=2)
        tensor([7., 7.])
    """
    if args:  # PyTorch's deprecated addmv(beta, input, [alpha,] ...) overloads
        return _args.deprecated_call(addmv, "addmv", (input, mat, vec) + args, {"out": out},
                                     tuple(k for k, v in (("beta", beta), ("alpha", alpha)) if v != 1))
    for name, pos, t in (("input", 1, input), ("mat", 2, mat), ("vec", 3, vec)):
        _need_tensor("addmv", name, pos, t)
    dts = (input._data.dtype, mat._data.dtype, vec._data.dtype)
    if len(set(dts)) > 1:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_word(input)}, {_word(mat)}, and "
                           f"{_word(vec)}")
    if mat._data.ndim != 2 or vec._data.ndim != 1 or input._data.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._data.ndim}, {mat._data.ndim}, "
                           f"{vec._data.ndim}")
    (n, m), k = mat._data.shape, vec._data.shape[0]
    if m != k or input._data.size not in (1, n):
        got = input._data.shape[0] if input._data.ndim else 1
        raise RuntimeError(f"size mismatch, got input ({got}), mat ({n}x{m}), vec ({k})")
    beta, alpha = _blas_scalars("addmv_impl_cpu", (input,), beta, alpha)
    return F._out(L.Addmv.apply(input, mat, vec, beta=beta, alpha=alpha), out)


def addmv_(input, mat, vec, *, beta=1, alpha=1):
    """In-place :func:`addmv`: writes the result into ``input`` (which must be ``(n,)``)."""
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


@_args.visible_signature
def addr(input, vec1, vec2, *args, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)``; for bool tensors ``(beta and input) or (alpha and vec1[i]
    and vec2[j])``. The three tensors promote to a common dtype.

    Args:
        input (Tensor): broadcastable to ``(n, m)``; ignored (NaN included) when ``beta == 0``.
        vec1 (Tensor): ``(n,)``.
        vec2 (Tensor): ``(m,)``.
        beta, alpha (Number): the scales (ints or bools for integer or bool results).

    Example::

        >>> ember.addr(ember.zeros(2, 3), ember.tensor([1., 2.]), ember.tensor([1., 0., -1.]))
        tensor([[ 1.,  0., -1.],
                [ 2.,  0., -2.]])
    """
    if args:  # PyTorch's deprecated addr(beta, input, [alpha,] ...) overloads
        return _args.deprecated_call(addr, "addr", (input, vec1, vec2) + args, {"out": out},
                                     tuple(k for k, v in (("beta", beta), ("alpha", alpha)) if v != 1))
    for name, pos, t in (("input", 1, input), ("vec1", 2, vec1), ("vec2", 3, vec2)):
        _need_tensor("addr", name, pos, t)
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v._data.ndim}-D")
    _expand_check(input, (vec1._data.shape[0], vec2._data.shape[0]))
    rt = _dtype.result_type(input, vec1, vec2).np
    for name, s in (("beta", beta), ("alpha", alpha)):
        if rt == xp.bool_:
            continue
        if isinstance(s, _bool):
            raise RuntimeError(f"Boolean {name} only supported for Boolean results.")
        if rt.kind in "iu" and isinstance(s, _float):
            raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point number.")
    if rt == xp.bool_:
        for name, s in (("beta", beta), ("alpha", alpha)):
            if isinstance(s, _float):
                raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point number.")
    res = L.Addr.apply(F._cast(input, rt), F._cast(vec1, rt), F._cast(vec2, rt), beta=beta, alpha=alpha)
    return F._out(res, out)


def vdot(input, other, *, out=None):
    """The dot product of two 1-D tensors, conjugating the first (a plain dot product for real tensors).

    Example::

        >>> ember.vdot(ember.tensor([1., 2.]), ember.tensor([3., 4.]))
        tensor(11.)
    """
    _need_tensor("vdot", "input", 1, input)
    _need_tensor("vdot", "other", 2, other)
    a, b = input._data, other._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_word(input)} and "
                           f"{_word(other)}")
    if a.shape != b.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.size}] and src [{b.size}] to have the same "
                           f"number of elements, but got {a.size} and {b.size} elements respectively")
    if a.dtype == xp.bool_:
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")
    return F._out(L.Vdot.apply(input, other), out)


def adjoint(input):
    """The conjugate transpose of the last two dimensions, as a view (a transpose for real tensors).

    Example::

        >>> ember.adjoint(ember.zeros(2, 3, 4)).shape
        ember.Size([2, 4, 3])
    """
    _need_tensor("adjoint", "input", 1, input)
    if input._data.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input._data.ndim}-D tensor.")
    t = F.transpose(input, -2, -1)
    return t.conj() if input._data.dtype.kind == "c" else t


def _shift(input, other, left, out):
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"bitwise_{'left' if left else 'right'}_shift(): expected at least one Tensor argument")
    if _ops._hooks and F._has_meta(input, other):
        return F._on_meta(_shift, input, other, left, out)
    a, b = F._operands(input, other)
    if a._data.dtype.kind not in "iu":
        raise NotImplementedError(f"\"{'l' if left else 'r'}shift_cpu\" not implemented for '{_word(a)}'")
    F._check_broadcast(a, b)
    x, s = a._data, b._data
    bits = x.dtype.itemsize * 8
    out_of_range = (s < 0) | (s >= bits)  # shifting by that much is undefined in C: PyTorch defines the result
    if left:
        res = xp.where(out_of_range, 0, xp.left_shift(x, xp.where(out_of_range, 0, s)))
    elif x.dtype.kind == "i":
        res = xp.right_shift(x, xp.where(out_of_range, bits - 1, s))  # the sign bit fills every position
    else:
        res = xp.where(out_of_range, 0, xp.right_shift(x, xp.where(out_of_range, 0, s)))
    return F._out(wrap(res.astype(x.dtype, copy=False)), out)


def bitwise_left_shift(input, other, *, out=None):
    """``input << other`` for integer tensors (or one Python int); shifting by a negative amount or by the bit
    width or more gives 0.

    Example::

        >>> ember.bitwise_left_shift(ember.tensor([1, 3], dtype=ember.int8), 2)
        tensor([ 4, 12], dtype=ember.int8)
    """
    return _shift(input, other, True, out)


def bitwise_right_shift(input, other, *, out=None):
    """``input >> other`` for integer tensors (or one Python int), arithmetic for signed types; shifting by a
    negative amount or by the bit width or more gives 0 (-1 for negative signed values).

    Example::

        >>> ember.bitwise_right_shift(ember.tensor([-8, 8]), 2)
        tensor([-2,  2])
    """
    return _shift(input, other, False, out)


def _igamma(name, input, other, out, upper):
    _need_tensor(name, "input", 1, input)
    _need_tensor(name, "other", 2, other)
    a, x = F._operands(input, other)
    if a._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_word(a)}'")
    F._check_broadcast(a, x)
    return F._out(E.Igamma.apply(a, x, upper=upper, grad_name=f"{name.capitalize()}Backward0"), out)


def igamma(input, other, *, out=None):
    """The regularized lower incomplete gamma function ``P(input, other) = gamma(a, x) / Gamma(a)``, for
    ``a = input >= 0`` and ``x = other >= 0`` (NaN elsewhere).

    Differentiable in ``other`` only (as in PyTorch; the derivative in ``input`` raises).

    Example::

        >>> ember.igamma(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 1.0]))
        tensor([0.6321, 0.2642])
    """
    return _igamma("igamma", input, other, out, False)


def igammac(input, other, *, out=None):
    """The regularized upper incomplete gamma function ``Q(input, other) = 1 - igamma(input, other)``,
    computed without cancellation where it is small.

    Differentiable in ``other`` only (as in PyTorch; the derivative in ``input`` raises).

    Example::

        >>> ember.igammac(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 1.0]))
        tensor([0.3679, 0.7358])
    """
    return _igamma("igammac", input, other, out, True)


def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of :func:`ember.trapezoid` (``trapz(y, *, dx=1, dim=-1)`` or ``trapz(y, x, *, dim=-1)``).

    Example::

        >>> ember.trapz(ember.tensor([1.0, 2.0, 4.0]))
        tensor(4.5000)
    """
    _need_tensor("trapz", "y", 1, y)
    if (x is not None and not isinstance(x, Tensor)) or (x is not None and dx is not None):
        got = ", ".join(["Tensor", type(x).__name__ if not isinstance(x, Tensor) else "Tensor"]
                        + ([f"dx={type(dx).__name__}"] if dx is not None else []))
        raise TypeError(f"trapz() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                        " * (Tensor y, *, float dx = 1, int dim = -1)\n * (Tensor y, Tensor x, *, int dim = -1)\n")
    return F.trapezoid(y, x, dx=dx, dim=dim)


def nuclear_norm(input, dim=None, keepdim=False, *, out=None):
    """Deprecated: the nuclear norm (sum of singular values) over two dimensions (the last two by default);
    use ``ember.linalg.matrix_norm(A, 'nuc', dim, keepdim)``.

    Example::

        >>> ember.nuclear_norm(ember.eye(3))   # doctest: +SKIP
        tensor(3.)
    """
    from ember import linalg

    _warn_once("nuclear_norm", "ember.nuclear_norm is deprecated and it is just left for compatibility. It will be "
               "removed in a future release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead")
    if isinstance(dim, _bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    dim = (-2, -1) if dim is None else (dim, dim) if isinstance(dim, _int) else tuple(dim)
    return F._out(linalg.matrix_norm(input, "nuc", dim, keepdim), out)


def _renamed(result, name):
    """``result`` with its (new) grad_fn node shown under PyTorch's name for the whole operation."""
    if result.grad_fn is not None:
        result.grad_fn.grad_name = name
    return result


def frobenius_norm(input, dim, keepdim=False, *, out=None):
    """Deprecated: the Frobenius (2-) norm over ``dim`` (at most two dimensions; ``()`` means all); use
    ``ember.linalg.vector_norm(A, 2., dim, keepdim)``.

    Example::

        >>> ember.frobenius_norm(ember.tensor([[3.0, 4.0]]), (0, 1))   # doctest: +SKIP
        tensor(5.)
    """
    from ember import linalg

    _warn_once("frobenius_norm", "ember.frobenius_norm is deprecated and it is just left for compatibility. It will "
               "be removed in a future release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead")
    dims = (dim,) if isinstance(dim, _int) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions instead.")
    if input._data.dtype.kind not in "fV":
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got {_word(input)} "
                           "instead.")
    wrapped = [input._wrap_dim(d) for d in dims]
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    res = linalg.vector_norm(input, 2, tuple(wrapped) or None, keepdim)
    return F._out(_renamed(res, "NormBackward1"), out)


_GRADIENT_TYPES = ("gradient() received an invalid combination of arguments - got (Tensor, spacing=Tensor), but "
                   "expected one of:\n * (Tensor input, *, Number spacing = None, int dim = None, int edge_order = 1)"
                   "\n * (Tensor input, *, tuple of Scalars spacing, int dim = None, int edge_order = 1)\n"
                   " * (Tensor input, *, tuple of Tensors spacing, int dim = None, int edge_order = 1)\n")


def _gradient_along(f, d, h, edge_order):
    """Second-order accurate differences of ``f`` along ``d``: central inside, one-sided of order
    ``edge_order`` at both ends. ``h`` is the spacing (a number) or the coordinates (a 1-D tensor)."""
    n = f.shape[d]

    def part(start, length):
        return F.narrow(f, d, start, length)

    if not isinstance(h, Tensor):
        inner = (part(2, n - 2) - part(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first = (part(1, 1) - part(0, 1)) / h
            last = (part(n - 1, 1) - part(n - 2, 1)) / h
        else:
            first = (part(0, 1) * -1.5 + part(1, 1) * 2 - part(2, 1) * 0.5) / h
            last = (part(n - 3, 1) * 0.5 - part(n - 2, 1) * 2 + part(n - 1, 1) * 1.5) / h
        return F.cat([first, inner, last], d)
    shape = [1] * f.ndim
    shape[d] = -1

    def steps(start, length):  # spacings, laid along d
        return F.narrow(dx, 0, start, length).reshape(shape)

    dx = F.diff(h)
    a, b = steps(0, n - 2), steps(1, n - 2)  # the spacings left and right of each inner point
    inner = (part(0, n - 2) * (-b / (a * (a + b))) + part(1, n - 2) * ((b - a) / (a * b))
             + part(2, n - 2) * (a / (b * (a + b))))
    if edge_order == 1:
        first = (part(1, 1) - part(0, 1)) / steps(0, 1)
        last = (part(n - 1, 1) - part(n - 2, 1)) / steps(n - 2, 1)
    else:
        a, b = steps(0, 1), steps(1, 1)
        first = (part(0, 1) * (-(2 * a + b) / (a * (a + b))) + part(1, 1) * ((a + b) / (a * b))
                 + part(2, 1) * (-a / (b * (a + b))))
        a, b = steps(n - 3, 1), steps(n - 2, 1)
        last = (part(n - 3, 1) * (b / (a * (a + b))) + part(n - 2, 1) * (-(a + b) / (a * b))
                + part(n - 1, 1) * ((2 * b + a) / (b * (a + b))))
    return F.cat([first, inner, last], d)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Estimate the gradient of a sampled function along each dimension in ``dim`` (all by default), with
    central differences inside and one-sided differences of order ``edge_order`` (1 or 2) at the edges.

    Args:
        input (Tensor): the samples.
        spacing: the distance between samples: a number for every dimension, a list of numbers (one per
            dimension), or a list of 1-D tensors holding each dimension's sample coordinates.
        dim (int or list of ints, optional): the dimensions to differentiate along.
        edge_order (int): 1 or 2.

    Returns:
        A tuple with one tensor per dimension, each of ``input``'s shape.

    Example::

        >>> ember.gradient(ember.tensor([1.0, 2.0, 4.0, 8.0]))
        (tensor([1.0000, 1.5000, 3.0000, 4.0000]),)
    """
    _need_tensor("gradient", "input", 1, input)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if isinstance(spacing, Tensor):
        raise TypeError(_GRADIENT_TYPES)
    nd = input._data.ndim
    dims = list(_range(nd)) if dim is None else [dim] if isinstance(dim, _int) else list(dim)
    dims = [input._wrap_dim(d) for d in dims]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            if dim is None:
                raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
                                   f"equal to 'self.dim() = {nd}', since dim argument was not given, but got a list of "
                                   f"length {len(spacing)}")
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               f"arguments to have the same length, but got a spacing argument of length "
                               f"{len(spacing)} and a dim argument of length {len(dims)}.")
        spacings = list(spacing)
        if builtins.any(isinstance(s, Tensor) for s in spacings):
            for i, s in enumerate(spacings):
                if not isinstance(s, Tensor):
                    raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(s).__name__}")
    else:
        spacings = [spacing] * len(dims)
    if input._data.dtype == xp.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    for d, h in zip(dims, spacings):
        if input._data.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
        if isinstance(h, Tensor):
            if h._data.ndim != 1:
                raise RuntimeError(f"torch.gradient expected each element of spacing to have one dimension, but got "
                                   f"an element with {h._data.ndim} dimensions!")
            if h._data.shape[0] != input._data.shape[d]:
                raise RuntimeError(f"torch.gradient expected the coordinates of dimension {d} to have "
                                   f"{input._data.shape[d]} elements, but got {h._data.shape[0]}")
    f = input
    coords = [h for h in spacings if isinstance(h, Tensor)]
    rt = _dtype.result_type(input, *coords).np if coords else input._data.dtype
    if rt.kind not in "fV":
        rt = _dtype.get_default_dtype().np
    f = F._cast(f, rt)
    return tuple(_gradient_along(f, d, F._cast(h, rt) if isinstance(h, Tensor) else h, edge_order)
                 for d, h in zip(dims, spacings))


def histogramdd(input, bins, *, range=None, weight=None, density=False, out=None):  # noqa: A002 - torch's name
    """A histogram of the points in the rows of ``input`` (the last dimension, of size ``D``, holds the
    coordinates; the leading dimensions are flattened).

    Args:
        input (Tensor): float, ``(*, D)``.
        bins: the number of equal-width bins in every dimension (int), per dimension (D ints), or the bin edges
            of each dimension (D increasing 1-D tensors). Bins are ``[left, right)`` but the last one holds
            its right edge too.
        range (sequence of 2D floats, optional): ``(min_0, max_0, min_1, max_1, ...)``; default: the data's
            extent in each dimension. Points outside are not counted.
        weight (Tensor, optional): one weight per point (shape ``input.shape[:-1]``).
        density (bool): normalise so that the histogram integrates to 1.

    Returns:
        ``(hist, bin_edges)``: the ``D``-dimensional histogram and a tuple of ``D`` edge tensors.

    Example::

        >>> ember.histogramdd(ember.tensor([[0., 0.], [1., 1.], [1., 0.]]), bins=2).hist
        tensor([[1., 0.],
                [1., 1.]])
    """
    from ember._functions_indexing import _linspace_like

    if out is not None:
        raise RuntimeError("histogramdd(): out= is not supported by ember")
    data = input._data
    dt = data.dtype
    if dt.kind not in "fV":
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{_word(input)}'")
    if data.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    n_dims = data.shape[-1]
    points = data.reshape(-1, n_dims)
    if isinstance(bins, _int) and not isinstance(bins, _bool):
        bins = [bins] * n_dims
    bins = list(bins)
    if len(bins) != n_dims:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if range is not None and len(range) != 2 * n_dims:
        raise RuntimeError(f"torch.histogramdd: for a {n_dims}-dimensional histogram range should have "
                           f"{2 * n_dims} elements, but got {len(range)}")
    edges = []
    for d, b in enumerate(bins):
        if isinstance(b, Tensor):
            if b._data.dtype != dt:
                raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, but "
                                   f"got input with dtype {_dtype.SCALAR_NAMES[dt.name]} and bins for dimension {d} "
                                   f"with dtype {_dtype.SCALAR_NAMES.get(b._data.dtype.name, b._data.dtype.name)}")
            if b._data.ndim != 1 or b._data.size < 1:
                raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension and at least 1 element, "
                                   f"but got {b._data.ndim} dimensions and {b._data.size} elements")
            edges.append(b._data.copy())
            continue
        if b <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {b} for dimension {d}")
        if range is not None:
            lo, hi = _float(range[2 * d]), _float(range[2 * d + 1])
        elif points.shape[0]:
            lo, hi = _float(points[:, d].min()), _float(points[:, d].max())
        else:
            lo, hi = 0.0, 1.0
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} for "
                               f"dimension {d}")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension {d}'s range [{lo:g}, {hi:g}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges.append(_linspace_like(lo, hi, b + 1, dt))
    w = None
    if weight is not None:
        if tuple(weight._data.shape) != data.shape[:-1]:
            raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                               "input tensor excluding its innermost dimension, but got input with shape "
                               f"[{', '.join(map(str, data.shape))}] and weight with shape "
                               f"[{', '.join(map(str, weight._data.shape))}]")
        w = weight._data.reshape(-1)
    counts = [e.size - 1 for e in edges]
    inside = xp.ones(points.shape[0], dtype=bool)
    index = []
    for d, e in enumerate(edges):
        x = points[:, d]
        inside &= (x >= e[0]) & (x <= e[-1])
        index.append(xp.clip(xp.searchsorted(e, x, side="right") - 1, 0, builtins.max(counts[d] - 1, 0)))
    n_cells = math.prod(counts)
    hist = xp.zeros(n_cells, dtype=dt)
    if n_cells and inside.any():
        flat = xp.ravel_multi_index(tuple(i[inside] for i in index), counts)
        hist = xp.bincount(flat, weights=None if w is None else w[inside].astype(xp.float64),
                           minlength=n_cells).astype(dt)
    hist = hist.reshape(counts)
    if density:
        volume = xp.ones((), dtype=xp.float64)
        for d, e in enumerate(edges):
            shape = [1] * n_dims
            shape[d] = -1
            volume = volume * xp.diff(e).astype(xp.float64).reshape(shape)
        hist = (hist / (hist.sum(dtype=xp.float64) * volume)).astype(dt)
    return F._named("histogramdd", ("hist", "bin_edges"))(wrap(hist), tuple(wrap(e) for e in edges))


def binomial(count, prob, generator=None):
    """Draw from binomial distributions: ``count`` trials with success probability ``prob`` each (elementwise,
    broadcast). ``count`` holds whole numbers in a float dtype; the result has ``count``'s dtype. The draws are
    PyTorch's (its CPU sampler on the same generator stream): the same seed gives the same counts.

    Args:
        count (Tensor): numbers of trials (float32 or float64; 0 where not positive).
        prob (Tensor): success probabilities, of ``count``'s dtype.
        generator (Generator, optional): the generator to draw from (default: the global one).

    Example::

        >>> ember.binomial(ember.tensor([10.0, 0.0]), ember.tensor([0.5, 0.5])).shape
        ember.Size([2])
    """
    _need_tensor("binomial", "count", 1, count)
    _need_tensor("binomial", "prob", 2, prob)
    dt = count._data.dtype
    if dt.kind not in "fV":
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: {_word(count)}")
    if prob._data.dtype != dt:
        raise RuntimeError(f"Found dtype {_word(prob)} but expected {_word(count)}")
    if dt.itemsize == 2:  # float16, bfloat16
        raise NotImplementedError(f"\"binomial_cpu\" not implemented for '{_word(count)}'")
    F._check_broadcast(count, prob)
    n, p = xp.broadcast_arrays(count._data.astype(xp.float64), prob._data.astype(xp.float64))
    sample = _rk.binomial(n.reshape(-1), p.reshape(-1), dt == xp.float32, generator).astype(dt).reshape(n.shape)
    if _grad_state.enabled and (count._requires_grad or prob._requires_grad):
        return E.Constant.apply(count, prob, result=sample, error="binomial", grad_name="NotImplemented")
    return wrap(sample)


def _standard_gamma(input, generator=None):
    """Gamma(``input``, 1) samples, one per element, as PyTorch's CPU sampler draws them (Marsaglia and Tsang's
    method; the same seed gives the same values). Differentiable in ``input`` by the implicit
    reparameterisation gradient (see :func:`_standard_gamma_grad`).

    Args:
        input (Tensor): concentrations (float32 or float64).
        generator (Generator, optional): the generator to draw from (default: the global one).

    Example::

        >>> ember._standard_gamma(ember.tensor([1.0, 2.0])).shape
        ember.Size([2])
    """
    from ember._ops.distributions import StandardGamma
    _need_tensor("_standard_gamma", "input", 1, input)
    a = input._data
    if a.dtype not in (xp.float32, xp.float64):
        raise NotImplementedError(f"\"gamma_cpu\" not implemented for '{_word(input)}'")
    draws = _rk.standard_gamma(a.astype(xp.float64).reshape(-1), a.dtype == xp.float32, generator)
    return StandardGamma.apply(input, wrap(_rk.clamp_tiny(draws, a.dtype).reshape(a.shape)))


def _sample_dirichlet(input, generator=None):
    """Dirichlet samples with the concentrations along ``input``'s last dimension, as PyTorch's CPU sampler
    draws them (normalised float64 gamma draws); each value lies in [smallest normal number, the number below 1].

    Args:
        input (Tensor): concentrations (float32 or float64), shape ``(..., K)``.
        generator (Generator, optional): the generator to draw from (default: the global one).

    Example::

        >>> ember._sample_dirichlet(ember.tensor([[1.0, 2.0, 3.0]])).sum(-1)
        tensor([1.])
    """
    _need_tensor("_sample_dirichlet", "input", 1, input)
    a = input._data
    if a.dtype not in (xp.float32, xp.float64):
        raise NotImplementedError(f"\"dirichlet\" not implemented for '{_word(input)}'")
    rows = a.reshape(-1, a.shape[-1] if a.ndim else 1)
    sample = _rk.dirichlet(rows, a.dtype, generator).reshape(a.shape)
    if _grad_state.enabled and input._requires_grad:
        return E.Constant.apply(input, result=sample, error="_sample_dirichlet", grad_name="NotImplemented")
    return wrap(sample)


def _standard_gamma_grad(input, output):
    """``d output / d input`` for Gamma(``input``, 1) samples ``output`` (the implicit reparameterisation
    gradient), broadcast, in ``input``'s dtype; computed to float64 accuracy (PyTorch uses a ~1e-3 approximation).

    Args:
        input (Tensor): concentrations.
        output (Tensor): samples.

    Example::

        >>> ember._standard_gamma_grad(ember.tensor([1.0]), ember.tensor([1.0]))
        tensor([1.1736])
    """
    from ember._ops.distributions import standard_gamma_grad
    _need_tensor("_standard_gamma_grad", "input", 1, input)
    _need_tensor("_standard_gamma_grad", "output", 2, output)
    return wrap(standard_gamma_grad(input._data, output._data).astype(input._data.dtype))


def _dirichlet_grad(x, alpha, total):
    """The Dirichlet reparameterisation gradient factor ``-(d/dalpha) I_x(alpha, total - alpha) / (pdf (1 - x))``
    of Beta(alpha, total - alpha) samples ``x`` (broadcast, in ``x``'s dtype), to float64 accuracy (PyTorch uses
    an approximation good to ~1e-3).

    Args:
        x (Tensor): Dirichlet sample coordinates.
        alpha (Tensor): their concentrations.
        total (Tensor): the sums of the concentrations.

    Example::

        >>> ember._dirichlet_grad(ember.tensor([0.5]), ember.tensor([1.0]), ember.tensor([2.0]))
        tensor([0.6931])
    """
    from ember._ops.distributions import dirichlet_grad
    for i, (name, t) in enumerate((("x", x), ("alpha", alpha), ("total", total))):
        _need_tensor("_dirichlet_grad", name, i + 1, t)
    return wrap(dirichlet_grad(x._data, alpha._data, total._data).astype(x._data.dtype))


def poisson(input, generator=None):
    """Draw from Poisson distributions with the rates in ``input`` (>= 0); the result has ``input``'s dtype
    and, in a graph, a zero gradient (as in PyTorch).

    Example::

        >>> ember.poisson(ember.zeros(3))
        tensor([0., 0., 0.])
    """
    _need_tensor("poisson", "input", 1, input)
    rates = input._data
    if rates.dtype.kind not in "fV":
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for '{_word(input)}'")
    if not (rates >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    sample = _rk.poisson(rates.astype(xp.float64).reshape(-1), generator).astype(rates.dtype).reshape(rates.shape)
    if _grad_state.enabled and input._requires_grad:
        return E.Constant.apply(input, result=sample, grad_name="PoissonBackward0")
    return wrap(sample)


# ============================================================================================ complex helpers
def _tensor_query(name):
    def query(input):
        _need_tensor(name, "input", 1, input)
        return False
    query.__name__ = query.__qualname__ = name
    return query


def is_complex(input):
    """Whether ``input`` has a complex dtype (``ember.complex64`` or ``ember.complex128``)."""
    _need_tensor("is_complex", "input", 1, input)
    return input._data.dtype.kind == "c"


def is_conj(input):
    """Whether ``input`` is marked conjugated: the result of :func:`conj` on a complex tensor (see there)."""
    _need_tensor("is_conj", "input", 1, input)
    return input.__dict__.get("_is_conj", False)


def is_neg(input):
    """Whether ``input`` is marked negated: the imaginary part of a tensor marked conjugated."""
    _need_tensor("is_neg", "input", 1, input)
    return input.__dict__.get("_is_neg", False)


def is_inference(input):
    """Whether ``input`` is an inference tensor: made while ``ember.inference_mode()`` was on (or a view of one)."""
    _need_tensor("is_inference", "input", 1, input)
    return input.is_inference()


def _complex_input(name, input):
    _need_tensor(name, "input", 1, input)
    return input._data.dtype.kind == "c"


def conj(input):
    """The complex conjugate; ``input`` itself for a real tensor.

    PyTorch returns a lazily conjugated view that shares memory with ``input``. NumPy has no such view, so for a
    complex tensor ember returns a conjugated copy that reports ``is_conj()`` True: the values and gradients are
    PyTorch's, but writing into the result does not change ``input`` (nor the reverse).

    Example::

        >>> ember.conj(ember.tensor([1 + 2j]))
        tensor([1.-2.j])
    """
    if not _complex_input("conj", input):
        return input
    out = _C.Conj.apply(input)
    if not input.__dict__.get("_is_conj"):
        out._is_conj = True  # conj of a marked tensor is unmarked, as PyTorch's double conjugation
    return out


def resolve_conj(input):
    """``input`` with a pending conjugation applied: a copy marked unconjugated when ``input.is_conj()``, else
    ``input`` itself (ember's :func:`conj` has already conjugated the values)."""
    _need_tensor("resolve_conj", "input", 1, input)
    return _C.ResolveClone.apply(input) if input.__dict__.get("_is_conj") else input


def resolve_neg(input):
    """``input`` with a pending negation applied: a copy marked unnegated when ``input.is_neg()``, else ``input``."""
    _need_tensor("resolve_neg", "input", 1, input)
    return _C.ResolveClone.apply(input) if input.__dict__.get("_is_neg") else input


def real(input):
    """The real part: for a complex tensor a writable view sharing its memory (real dtype), else ``input`` itself.

    Example::

        >>> z = ember.tensor([1 + 2j]); ember.real(z).mul_(3); z
        tensor([3.+2.j])
    """
    if not _complex_input("real", input):
        return input
    return _C.Real.apply(input)


def imag(input):
    """The imaginary part of a complex tensor as a writable view sharing its memory (real dtype); a real tensor
    raises ``RuntimeError``.

    Example::

        >>> ember.imag(ember.tensor([1 + 2j]))
        tensor([2.])
    """
    if not _complex_input("imag", input):
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    out = _C.Imag.apply(input)
    if input.__dict__.get("_is_conj"):
        out._is_neg = True  # PyTorch's imag of a conjugated view is a negated view
    return out


def conj_physical(input, *, out=None):
    """The complex conjugate computed eagerly (never marked ``is_conj``): ``input`` itself for a real tensor."""
    if not _complex_input("conj_physical", input):
        return input if out is None else F._out(input, out)
    return F._out(_C.Conj.apply(input, grad_name="ConjPhysicalBackward0"), out)


def conj_physical_(input):
    """In-place :func:`conj_physical`: nothing changes for a real tensor, but the graph records the in-place op."""
    return input.conj_physical_()


def angle(input, *, out=None):
    """The argument (phase) of each element, in ``(-pi, pi]``: for real tensors ``pi`` for negative numbers, 0
    otherwise, NaN for NaN. Complex tensors give their real dtype, integer and bool tensors the default float
    dtype. The gradient is zero for real input.

    Example::

        >>> ember.angle(ember.tensor([-2.0, 0.0, 3.0]))
        tensor([3.1416, 0.0000, 0.0000])
    """
    _need_tensor("angle", "input", 1, input)
    kind = input._data.dtype.kind
    if kind == "c":
        return F._out(_C.ComplexAngle.apply(input), out)
    x = input if kind in "fV" else F._cast(input, _dtype.get_default_dtype().np)
    return F._out(E.Angle.apply(x), out)


def view_as_real(input):
    """A real view of a complex tensor with a last dimension of 2 (real and imaginary parts), sharing memory.

    Example::

        >>> ember.view_as_real(ember.tensor([1 + 2j, 3 - 4j]))
        tensor([[ 1.,  2.],
                [ 3., -4.]])
    """
    if not _complex_input("view_as_real", input):
        raise RuntimeError("view_as_real is only supported for complex tensors")
    if input.__dict__.get("_is_conj"):
        raise RuntimeError("view_as_real doesn't work on unresolved conjugated tensors.  To resolve the conjugate "
                           "tensor so you can view it as real, use self.resolve_conj(); however, be warned that the "
                           "resulting tensor will NOT alias the original.")
    return _C.ViewAsReal.apply(input)


def view_as_complex(input):
    """A complex view of a float tensor whose last dimension (size 2, stride 1) holds real and imaginary parts.

    Shapes: ``(*, 2)`` -> ``(*)``. Example::

        >>> ember.view_as_complex(ember.tensor([[1.0, 2.0], [3.0, -4.0]]))
        tensor([1.+2.j, 3.-4.j])
    """
    _need_tensor("view_as_complex", "input", 1, input)
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list (half input viewed as complex64)
        input, = _ops.autocast_fp32_args(input)
    a = input._data
    if a.dtype.kind != "f" or a.dtype == xp.float16:  # (bfloat16, kind V, is refused too)
        if a.dtype == xp.float16:
            _dtype.complex32.np  # noqa: B018 - raises the TypeError that explains
        raise RuntimeError("view_as_complex is only supported for half, float and double tensors, but got a tensor "
                           f"of scalar type: {_dtype.TYPE_WORDS[a.dtype.name]}")
    if a.ndim == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if a.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    size = a.itemsize
    if a.strides[-1] != size:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if builtins.any(st % (2 * size) for st, n in zip(a.strides[:-1], a.shape[:-1]) if n > 1):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    from ember._backend import memory_owner

    owner = memory_owner(a)
    if (a.__array_interface__["data"][0] - owner.__array_interface__["data"][0]) % (2 * size):
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return _C.ViewAsComplex.apply(input)


def _real_pair(name, a, b):
    """Check the two float tensors of ``complex``/``polar`` as PyTorch does."""
    _need_tensor(name, "real" if name == "complex" else "abs", 1, a)
    _need_tensor(name, "imag" if name == "complex" else "angle", 2, b)
    da, db = a._data.dtype, b._data.dtype
    if da.kind != "f" or db.kind != "f":  # (bfloat16, kind V, is refused too)
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_dtype.TYPE_WORDS[da.name]} and {_dtype.TYPE_WORDS[db.name]}")
    if da != db:
        raise RuntimeError(f"Expected object of scalar type {_dtype.TYPE_WORDS[da.name]} but got scalar type "
                           f"{_dtype.TYPE_WORDS[db.name]} for second argument")
    if da == xp.float16:
        _dtype.complex32.np  # noqa: B018 - raises the TypeError that explains
    F._check_broadcast(a, b)


def complex(real, imag, *, out=None):  # noqa: A001 - PyTorch's name
    """The complex tensor ``real + i imag`` of two float tensors of one dtype (broadcast): float32 parts give
    complex64, float64 parts complex128.

    Example::

        >>> ember.complex(ember.tensor([1.0]), ember.tensor([2.0]))
        tensor([1.+2.j])
    """
    _real_pair("complex", real, imag)
    return F._out(_C.Complex.apply(real, imag), out)


def polar(abs, angle, *, out=None):  # noqa: A002 - PyTorch's names
    """The complex tensor ``abs * (cos(angle) + i sin(angle))`` from float tensors of one dtype (broadcast).

    Example::

        >>> ember.polar(ember.tensor([2.0]), ember.tensor([0.0]))
        tensor([2.+0.j])
    """
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        abs, angle = _ops.autocast_fp32_args(abs, angle)
    _real_pair("polar", abs, angle)
    return F._out(_C.Polar.apply(abs, angle), out)


def is_signed(input):
    """Whether ``input``'s dtype is signed (every dtype but ``uint8`` and ``bool``)."""
    _need_tensor("is_signed", "input", 1, input)
    return input.dtype.is_signed


def is_same_size(input, other):
    """Whether two tensors have the same shape."""
    _need_tensor("is_same_size", "input", 1, input)
    _need_tensor("is_same_size", "other", 2, other)
    return input._data.shape == other._data.shape


def get_device(input):
    """The CUDA device index of ``input``; -1 for a CPU tensor (all of ember's)."""
    _need_tensor("get_device", "input", 1, input)
    return -1


def is_nonzero(input):
    """The truth value of a one-element tensor (``RuntimeError`` for an empty or larger one).

    Example::

        >>> ember.is_nonzero(ember.tensor([0.5]))
        True
    """
    _need_tensor("is_nonzero", "input", 1, input)
    n = input._data.size
    if n != 1:
        raise RuntimeError(f"Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'} is "
                           "ambiguous")
    return _bool(input._data.reshape(()).item())


def nonzero_static(input, *, size, fill_value=-1):
    """The indices of the nonzero elements as ``nonzero`` gives them, cut or padded with ``fill_value`` to
    exactly ``size`` rows (a fixed output shape).

    Example::

        >>> ember.nonzero_static(ember.tensor([1, 0, 2]), size=3)
        tensor([[ 0],
                [ 2],
                [-1]])
    """
    _need_tensor("nonzero_static", "input", 1, input)
    if not isinstance(size, _int) or size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    out = xp.full((size, input._data.ndim), fill_value, dtype=xp.int64)
    if input.is_meta:  # (a fixed shape: meta too)
        return _finish(out, False, "meta")
    idx = xp.argwhere(input._data)[:size]
    out[: len(idx)] = idx
    return wrap(out)


# ============================================================================== *_copy view functions
def _copy_of(view, input, name):
    """The result of the view function as a tensor with its own memory, its node named ``name`` (PyTorch's
    view node name plus ``_copy``)."""
    if view is input or (view.grad_fn is not None and view.grad_fn is input.grad_fn):
        return E.Clone.apply(input, grad_name=name)  # the view function returned its input unchanged
    node = view.grad_fn
    if node is not None:
        node.grad_name = name
    return wrap(view._data.copy(), requires_grad=view._requires_grad, grad_fn=node, output_nr=view._output_nr)


def _copies(views, input):
    node = views[0].grad_fn if views else None
    name = node.grad_name + "_copy" if node is not None else None
    return tuple(_copy_of(v, input, name) for v in views)


def _copy_fn(name, view_fn, node_name, doc, named_by_view=False):
    """``name(input, ...)``: ``view_fn``'s result in new memory, its node ``node_name + "_copy"`` (or, with
    ``named_by_view``, the view node's own name, which depends on the arguments, plus ``_copy``)."""
    def fn(input, *args, out=None, **kwargs):
        _need_tensor(name, "input", 1, input)
        view = view_fn(input, *args, **kwargs)
        own = node_name
        if named_by_view and view.grad_fn is not None and view.grad_fn is not input.grad_fn:
            own = view.grad_fn.grad_name
        return F._out(_copy_of(view, input, own + "_copy"), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _view_size(input, size):
    if isinstance(size, _dtype.dtype):
        return F.view(input, size)
    if isinstance(size, (_int, _float)) or not hasattr(size, "__len__"):
        raise TypeError(f"view_copy() received an invalid combination of arguments - got (Tensor, "
                        f"{type(size).__name__}), but expected one of:\n * (Tensor input, torch.dtype dtype, *, "
                        "Tensor out = None)\n * (Tensor input, tuple of ints size, *, Tensor out = None)\n")
    return F.reshape(input, *size)  # the result is copied anyway, so any layout will do


def view_copy(input, size=None, *, dtype=None, out=None):
    """:func:`ember.Tensor.view` (to a shape, or reinterpreting the bytes as another dtype) into new memory;
    any layout of ``input`` works, as the result is a copy.

    Example::

        >>> ember.view_copy(ember.arange(6), (2, 3)).is_contiguous()
        True
    """
    _need_tensor("view_copy", "input", 1, input)
    if dtype is not None:  # the ``view_copy(x, dtype=...)`` overload
        size = dtype
    view = _view_size(input, size)
    if isinstance(size, _dtype.dtype):  # a reinterpretation is outside autograd, as in PyTorch
        return F._out(wrap(view._data.copy()), out)
    return F._out(_copy_of(view, input, "ViewBackward0_copy"), out)


def _slice(input, dim=0, start=None, end=None, step=1):
    d = input._wrap_dim(dim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    index = (slice(None),) * d + (slice(start, end, step),)
    return S.Index.apply(input, index=index, grad_name="SliceBackward0", is_view=True)


def _expand(input, size, *, implicit=False):
    return F.expand(input, *size)


def _unfold(input, dimension, size, step):
    return F.unfold(input, dimension, size, step)


def _as_strided(input, size, stride, storage_offset=None):
    return F.as_strided(input, size, stride, storage_offset)


def _detached(input):
    data = input._data.copy()
    if _grad_state.enabled and input._requires_grad:  # PyTorch keeps it in the graph, with no derivative
        return E.Constant.apply(input, result=data, error="detach_copy", grad_name="NotImplemented")
    return wrap(data)


permute_copy = _copy_fn("permute_copy", lambda x, dims: F.permute(x, *dims), "PermuteBackward0",
                        "``permute`` into new memory.")
t_copy = _copy_fn("t_copy", F.t, "TBackward0", "``t`` (transpose of a tensor of at most 2-D) into new memory.")
transpose_copy = _copy_fn("transpose_copy", F.transpose, "TransposeBackward0", "``transpose`` into new memory.")
expand_copy = _copy_fn("expand_copy", _expand, "ExpandBackward0", "``expand`` into new memory (the result can be "
                       "written elementwise).")
squeeze_copy = _copy_fn("squeeze_copy", F.squeeze, "SqueezeBackward0", "``squeeze`` into new memory.",
                        named_by_view=True)
unsqueeze_copy = _copy_fn("unsqueeze_copy", F.unsqueeze, "UnsqueezeBackward0", "``unsqueeze`` into new memory.")
select_copy = _copy_fn("select_copy", F.select, "SelectBackward0", "``select`` into new memory.")
slice_copy = _copy_fn("slice_copy", _slice, "SliceBackward0", "``input[..., start:end:step]`` along ``dim`` "
                      "into new memory (``slice_copy(input, dim=0, start=None, end=None, step=1)``).")
unfold_copy = _copy_fn("unfold_copy", _unfold, "UnfoldBackward0", "``Tensor.unfold`` into new memory.")
diagonal_copy = _copy_fn("diagonal_copy", F.diagonal, "DiagonalBackward0", "``diagonal`` into new memory.")
alias_copy = _copy_fn("alias_copy", lambda x: x, "AliasBackward0", "A copy of ``input`` under PyTorch's "
                      "``alias_copy`` name (gradients flow through).")
as_strided_copy = _copy_fn("as_strided_copy", _as_strided, "AsStridedBackward0", "``as_strided`` into new memory.")


def detach_copy(input, *, out=None):
    """A copy of ``input`` outside autograd's reach: as in PyTorch it still requires grad when ``input`` does,
    but backpropagating through it raises."""
    _need_tensor("detach_copy", "input", 1, input)
    return F._out(_detached(input), out)


def _split_copy(name, split_fn, doc):
    def fn(input, *args, out=None, **kwargs):
        _need_tensor(name, "input", 1, input)
        views = split_fn(input, *args, **kwargs)
        res = _copies(tuple(views), input)
        if out is not None:
            for o, r in zip(out, res):
                F._out(r, o)
        return res
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _split(input, split_size, dim=0):
    if not isinstance(split_size, _int):
        raise TypeError(f"split_copy(): argument 'split_size' (position 2) must be int, not "
                        f"{type(split_size).__name__}")
    return F.split(input, split_size, dim)


def _split_with_sizes(input, split_sizes, dim=0):
    return F.split(input, list(split_sizes), dim)


split_copy = _split_copy("split_copy", _split, "``split`` into equal chunks (the last may be smaller), each in new "
                         "memory.")
split_with_sizes_copy = _split_copy("split_with_sizes_copy", _split_with_sizes, "``split`` into chunks of the given "
                                    "sizes, each in new memory.")
unbind_copy = _split_copy("unbind_copy", F.unbind, "``unbind`` (the slices along ``dim``), each in new memory.")


def narrow_copy(input, dim, start, length, *, out=None):
    """``narrow`` into new memory: ``length`` elements of ``dim`` from ``start`` (negative counts from the end).

    Example::

        >>> ember.narrow_copy(ember.arange(6).reshape(2, 3), 1, 1, 2)
        tensor([[1, 2],
                [4, 5]])
    """
    _need_tensor("narrow_copy", "input", 1, input)
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    try:
        d = input._wrap_dim(dim)
    except IndexError as exc:
        raise RuntimeError(str(exc)) from None
    if isinstance(start, Tensor):
        start = start.item()
    size = input._data.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    index = (slice(None),) * d + (slice(start, start + length),)
    return F._out(_copy_of(S.Index.apply(input, index=index, is_view=True), input, "NarrowCopyBackward0"), out)


# ============================================ tensor_misc: as_strided_scatter, cond, while_loop, from_file, queries
def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of ``input`` in which the elements ``input.as_strided(size, stride, storage_offset)`` would view hold
    ``src`` (of shape ``size``; cast to ``input``'s dtype).

    The copy is of ``input``'s whole storage, so storage positions mean what they mean for ``input``;
    ``storage_offset`` defaults to ``input.storage_offset()``. The result has ``input``'s strides and is new
    memory, not a view. Gradients: ``src`` gets the upstream gradient read through the window; ``input`` gets
    it everywhere else (PyTorch 2.13 gives ``input`` the complementary, wrong gradient).

    Example::

        >>> ember.as_strided_scatter(ember.zeros(3, 3), ember.tensor([[1., 2.], [3., 4.]]), (2, 2), (1, 2))
        tensor([[1., 3., 2.],
                [4., 0., 0.],
                [0., 0., 0.]])
    """
    from ember._functions_indexing import _check_region, _strided_window
    from ember._ops import indexing as I

    _need_tensor("as_strided_scatter", "input", 1, input)
    _need_tensor("as_strided_scatter", "src", 2, src)
    flat, start, _ = I.addressed_storage(input._data)
    size, stride, offset = _strided_window("as_strided_scatter", size, stride, storage_offset, 3, start, flat.size,
                                           input._data.itemsize)
    src = _check_region(input, src, size)
    return I.AsStridedScatter.apply(input, src, size=size, stride=stride, storage_offset=offset,
                                    overlapping=I.strided_overlap(size, stride, offset))


def as_strided_(input, size, stride, storage_offset=None):
    """In-place :func:`ember.as_strided`: ``input`` becomes that window of its storage; returns ``input``."""
    _need_tensor("as_strided_", "input", 1, input)
    return input.as_strided_(size, stride, storage_offset)


def is_distributed(input):
    """False: ember tensors are never distributed (PyTorch's answer for every ordinary tensor)."""
    _need_tensor("is_distributed", "input", 1, input)
    return False


def get_device_module(device=None):
    """The module of a device type: ``ember.cpu`` for ``"cpu"`` (and for ``None``: ember has no accelerator),
    ``ember.cuda`` for ``"cuda"``/``"cuda:0"``.

    Example::

        >>> ember.get_device_module("cpu").device_count()
        1
    """
    import importlib

    if device is None:
        kind = "cpu"
    elif isinstance(device, (str, ember.device)):
        kind = ember.device(device).type if isinstance(device, str) else device.type
    else:
        raise RuntimeError(f"Invalid value of device '{device}', expect ember.device, str, or None")
    try:
        return importlib.import_module(f"ember.{kind}")
    except ModuleNotFoundError:
        raise RuntimeError(f"Device '{kind}' does not have a corresponding module registered as 'ember.{kind}'.") \
            from None


def from_file(filename, shared=None, size=0, *, dtype=None, layout=None, device=None, pin_memory=False,
              requires_grad=False):
    """A 1-D tensor of ``size`` elements whose memory is the file ``filename``, memory-mapped (in the machine's
    byte order, from the file's first byte).

    ``shared=True`` maps the file shared: writes to the tensor go to the file, which is created (mode 0600) or
    extended with zeros to ``size`` elements when shorter. Otherwise (``False``/``None``) the file must hold at
    least ``size`` elements, and writes stay in this process (copy-on-write).

    Example::

        >>> ember.arange(4.).numpy().tofile("t.bin")
        >>> ember.from_file("t.bin", size=4)
        tensor([0., 1., 2., 3.])
    """
    import mmap
    import numbers

    if not isinstance(filename, (str, bytes)):
        raise TypeError(f"from_file(): argument 'filename' (position 1) must be str, not {type(filename).__name__}")
    if shared is not None and not isinstance(shared, _bool):
        raise TypeError(f"from_file(): argument 'shared' must be bool, not {type(shared).__name__}")
    if isinstance(size, _bool) or not isinstance(size, numbers.Integral):
        raise TypeError(f"from_file(): argument 'size' must be int, not {type(size).__name__}")
    _check_device(device)
    if pin_memory:
        raise RuntimeError("tensors constructed from a file cannot be pinned")
    dt = dtype or _dtype.get_default_dtype()
    name = os.fsdecode(filename)
    nbytes = _int(size) * dt.itemsize
    mode = "read-write" if shared else "read-only"
    try:
        fd = os.open(name, os.O_RDWR | os.O_CREAT if shared else os.O_RDONLY, 0o600)
    except OSError as exc:
        raise RuntimeError(f"unable to open file <{name}> in {mode} mode: {exc.strerror} ({exc.errno})") from None
    try:
        have = os.fstat(fd).st_size
        if have < nbytes:
            if not shared:
                raise RuntimeError(f"file <{name}> size <{have}> is smaller than the required mapping size <{nbytes}>")
            os.ftruncate(fd, nbytes)
        if nbytes == 0:
            data = xp.lib.stride_tricks.as_strided(xp.zeros(0, dtype=dt.np), (0,), (dt.itemsize,))  # (stride 1)
        else:
            try:
                if nbytes < 0:
                    raise OSError(12, "Cannot allocate memory")
                mapped = mmap.mmap(fd, nbytes, access=mmap.ACCESS_WRITE if shared else mmap.ACCESS_COPY)
            except (OSError, ValueError) as exc:
                err = exc if isinstance(exc, OSError) else OSError(22, "Invalid argument")
                raise RuntimeError(f"unable to mmap {nbytes} bytes from file <{name}>: {err.strerror} ({err.errno})") \
                    from None
            data = xp.frombuffer(mapped, dtype=dt.np, count=_int(size))  # (keeps the mapping alive)
    finally:
        os.close(fd)
    out = wrap(data)
    if requires_grad:
        out.requires_grad_(True)
    return out


# ---- cond / while_loop: PyTorch's structured control flow, run eagerly
def _pytree():
    from ember.func import _flatten, _unflatten
    return _flatten, _unflatten


def _call_body(op, fn, args, check=True):
    """``fn(*args)`` and its flattened result, refused as PyTorch refuses such a body (``check``: also when it
    changes a tensor of ``args`` in place or returns one of them, or a view of one, instead of a new tensor)."""
    inputs = [t for t in _pytree()[0](args)[0] if isinstance(t, Tensor)]
    before = [t._version for t in inputs]
    out = fn(*args)
    flat, spec = _pytree()[0](out)
    for o in flat:
        if not isinstance(o, (Tensor, _int)) and not (o is None and op == "ember.while_loop"):  # (None: a mismatch)
            raise RuntimeError(f"{op}: HigherOrderOperator body's output must consist of tensors or ints/bools only "
                               f"but got {type(o)}.")
    if check and [t._version for t in inputs] != before:
        raise RuntimeError(f"{op}: Encountered input mutation during higher order op tracing. Higher order ops do "
                           "not support input mutation: clone the input before changing it in place.")
    for o in flat if check else ():
        if isinstance(o, Tensor) and o._data.size and builtins.any(
                xp.may_share_memory(o._data, t._data) for t in inputs):
            raise RuntimeError(f"{op}: Encountered aliasing during higher order op tracing. Higher order ops do not "
                               "support aliasing: replace `return input` with `return input.clone()` to avoid "
                               "aliasing.")
    return out, flat, spec


def _dry_run(op, fn, args, check):
    """``_call_body`` on copies of ``args``, recording no gradient and leaving the random state as it was: PyTorch
    traces a branch or loop body it does not run, and so raises its errors whatever the data."""
    from ember import random as _rand

    flatten, unflatten = _pytree()
    leaves, spec = flatten(args)
    state = _rand.get_rng_state()
    prev = _grad_state.enabled
    _grad_state.enabled = False
    try:
        copies = unflatten([t.clone() if isinstance(t, Tensor) else t for t in leaves], spec)
        return _call_body(op, fn, copies, check)
    finally:
        _grad_state.enabled = prev
        _rand.set_rng_state(state)


def cond(pred, true_fn, false_fn, operands=()):
    """``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)``: PyTorch's structured conditional, run eagerly.

    With a Python ``pred`` (bool, int, float) it is that ``if`` statement. With a one-element tensor ``pred`` the
    branches must be what ``torch.compile`` could capture, as PyTorch checks: ``operands`` a tuple or list of
    (nested lists/tuples/dicts of) tensors; both branches return the same structure of tensors (same dtype and
    number of dimensions, the shape may differ) and ints; with grad mode on, no branch changes an operand in
    place or returns one (or a view of one). To check, ember also runs the branch not taken, on copies of the
    operands, recording no gradient and with the random number generator's state restored afterwards.

    Example::

        >>> x = ember.tensor([1., 2.])
        >>> ember.cond(x.sum() > 0, lambda t: t * 2, lambda t: t - 1, (x,))
        tensor([2., 4.])
    """
    if isinstance(pred, (_bool, _int, _float)):
        return true_fn(*operands) if pred else false_fn(*operands)
    if not isinstance(pred, Tensor):
        raise RuntimeError(f"Expected pred to be bool or tensor, but got {pred}.")
    if pred._data.size != 1:
        raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
    if not callable(true_fn) or not callable(false_fn):
        raise RuntimeError("Expect both branches to be callable.")
    if not isinstance(operands, (tuple, list)) or not builtins.all(
            isinstance(t, Tensor) for t in _pytree()[0](operands)[0]):
        raise RuntimeError("Expect operands to be a tuple of possibly nested dict/list/tuple that only consists of "
                           f"tensor leaves, but got {operands}.")
    take = _bool(pred._data.reshape(()))
    check = _grad_state.enabled  # (inference may change operands in place)
    out, flat, spec = _call_body("ember.cond", true_fn if take else false_fn, operands, check)
    _, other, other_spec = _dry_run("ember.cond", false_fn if take else true_fn, operands, check)
    (t_flat, t_spec), (f_flat, f_spec) = ((flat, spec), (other, other_spec))[::1 if take else -1]
    if t_spec != f_spec:
        raise RuntimeError(f"ember.cond: Expected branches to return the same pytree structure, but got "
                           f"{t_spec.pprint()} and {f_spec.pprint()}.")
    for a, b in zip(t_flat, f_flat):
        if isinstance(a, Tensor) != isinstance(b, Tensor) or (a is None) != (b is None):
            raise RuntimeError(f"ember.cond: expected both branches to return a tensor or both an int at the same "
                               f"position, but got {type(a).__name__} and {type(b).__name__}.")
        if isinstance(a, Tensor):
            for what, x, y in (("dtype", a.dtype, b.dtype), ("dim", a.ndim, b.ndim)):
                if x != y:
                    raise RuntimeError(f"When merging two branches' output in ember.cond,  expected same {what} but "
                                       f"got {x} and {y}.")
    return out


def _meta(t):
    return f"FakeTensor(..., size={tuple(t.shape)}, dtype={t.dtype})" if isinstance(t, Tensor) else repr(t)


def _check_carried(new, leaves):
    """PyTorch's errors when a loop body's outputs (flattened) do not match the carried inputs one for one."""
    if len(new) != len(leaves):
        raise RuntimeError("Expected body_fn_output and carried_inputs to have same number of outputs but got "
                           f"lhs:[{', '.join(map(_meta, new))}] and rhs:[{', '.join(map(_meta, leaves))}]")
    for i, (a, b) in enumerate(zip(new, leaves)):
        if isinstance(a, Tensor) != isinstance(b, Tensor):
            diff = f"type: {_meta(a)} vs {_meta(b)}"
        elif isinstance(a, Tensor) and a.dtype != b.dtype:
            diff = f"'dtype: {a.dtype} vs {b.dtype}'"
        elif isinstance(a, Tensor) and a.shape != b.shape:
            diff = f"'shape: {a.shape} vs {b.shape}'"
        else:
            continue
        raise RuntimeError("Expected body_fn_output and carried_inputs to have same metadata but found:\n"
                           f"pair[{i}] differ in {diff}, where lhs is {_meta(a)} and rhs is {_meta(b)}")


def while_loop(cond_fn, body_fn, carried_inputs):
    """``while cond_fn(*carried): carried = body_fn(*carried)``: PyTorch's structured loop, run eagerly.

    ``carried_inputs`` is a tuple or list of (nested lists/tuples/dicts of) tensors and ints. ``cond_fn`` returns
    a Python bool or a boolean 0-d tensor. ``body_fn`` returns as many tensors and ints as were carried, each
    tensor of the shape and dtype of the one it replaces, each int an int, to be repacked into
    ``carried_inputs``' structure for the next step; it must neither change the carried tensors in place nor
    return one of them (or a view of one). The result is ``body_fn``'s last output, or, when the loop never
    runs, copies of ``carried_inputs`` as a tuple (``body_fn`` is then still checked once, on copies, as
    PyTorch traces it). Gradients flow through the iterations as usual.

    Example::

        >>> ember.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, x * 2), (ember.tensor(0), ember.ones(2)))
        (tensor(3), tensor([8., 8.]))
    """
    if not callable(cond_fn) or not callable(body_fn):
        raise RuntimeError("Expect cond_fn and body_fn to be callable.")
    flatten, unflatten = _pytree()
    if not isinstance(carried_inputs, (tuple, list)):
        raise RuntimeError(f"ember.while_loop: carried_inputs must be a tuple or list, but got "
                           f"{type(carried_inputs).__name__}.")
    leaves, spec = flatten(tuple(carried_inputs))
    bad = [v for v in leaves if not isinstance(v, (Tensor, _int))]
    if bad:
        raise AssertionError(f"{bad} can only be of (<class 'ember.Tensor'>, <class 'int'>) but got "
                             f"{tuple(type(v) for v in bad)}")
    out = None
    carried = unflatten(leaves, spec)
    while True:
        go = cond_fn(*carried)
        scalar = isinstance(go, Tensor) and go._data.shape == () and go._data.dtype == xp.bool_
        if not (isinstance(go, _bool) or scalar):
            shape = go.shape if isinstance(go, Tensor) else type(go).__name__
            raise RuntimeError(f"ember.while_loop: Expected cond_fn to return a scalar tensor or a bool but got "
                               f"{shape}.")
        if not go:
            break
        out, new, _ = _call_body("ember.while_loop", body_fn, carried)
        _check_carried(new, leaves)
        leaves, carried = new, unflatten(new, spec)
    if out is None:
        _check_carried(_dry_run("ember.while_loop", body_fn, carried, True)[1], leaves)
        return tuple(unflatten([v.clone() if isinstance(v, Tensor) else v for v in leaves], spec))
    return out
