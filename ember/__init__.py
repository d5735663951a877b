"""ember: PyTorch's API on NumPy.

``import ember as torch`` and write PyTorch code: tensors with autograd, ``ember.nn``, ``ember.optim``,
``ember.utils.data`` and ``ember.vision``.
"""


class _TorchVersion(str):
    """``ember.__version__``'s type: a ``str`` that compares as a version with version strings and tuples, as
    ``torch.__version__`` does (``ember.__version__ >= (0, 1)``); see :mod:`ember.torch_version`."""

    __slots__ = ()
    __hash__ = str.__hash__

    def _cmp(self, other, op):
        from ember.torch_version import _compare  # (loaded on the first comparison, not at import)
        return _compare(self, other, op)

    def __lt__(self, other):
        return self._cmp(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._cmp(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._cmp(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._cmp(other, lambda a, b: a >= b)

    def __eq__(self, other):  # (``!=`` stays str's, as PyTorch's)
        return self._cmp(other, lambda a, b: a == b)


_TorchVersion.__module__, _TorchVersion.__name__, _TorchVersion.__qualname__ = (
    "ember.torch_version", "TorchVersion", "TorchVersion")
__version__ = _TorchVersion("0.1.0")

import warnings as _warnings

# PyTorch is silent about IEEE special values (log(0) = -inf, 0/0 = nan); NumPy warns. Silence NumPy's
# floating-point warnings only when they come from ember's own modules: users' NumPy code is unaffected,
# and the filter costs nothing until a warning fires.
_warnings.filterwarnings(
    "ignore", message=r"(divide by zero|invalid value|overflow|underflow) encountered",
    category=RuntimeWarning, module=r"ember(\.|$)",
)

from ember import _dtype
from ember._lazy import lazy_getattr as _lazy_getattr
from ember._dtype import (  # noqa: F401
    bfloat16, cdouble, cfloat, chalf, complex32, complex64, complex128, double, dtype, finfo, float16, float32,
    float64, get_default_dtype, half, iinfo, int8, int16, int32, int64, long, set_default_dtype, short, uint8,
    uint16, uint32, uint64, float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, float8_e8m0fnu,
    float4_e2m1fn_x2, bits8, bits16, bits1x8, bits2x4, bits4x2, int1, int2, int3, int4, int5, int6, int7, uint1,
    uint2, uint3, uint4, uint5, uint6, uint7,
)
from ember._tensor import Size, Tensor, device  # noqa: F401
from ember._tensor import (  # noqa: F401 - ember.layout / ember.memory_format and their values
    _mkldnn, channels_last, channels_last_3d, contiguous_format, jagged, layout, legacy_contiguous_format,
    memory_format, preserve_format, sparse_bsc, sparse_bsr, sparse_coo, sparse_csc, sparse_csr, strided,
)
from ember import _tensor_methods  # noqa: F401,E402 - attaches Tensor methods
from ember._functions import *  # noqa: F401,F403
from ember._functions import (  # noqa: F401 - names `import *` skips or that shadow builtins
    abs, all, any, max, min, pow, round, sum,
)
from ember._functions_args import check_functions as _check_functions, top_level as _top_level
_check_functions(globals(), "ember")  # PyTorch's TypeError for a number, list, None, ... where a tensor is required
from ember._printing import set_printoptions  # noqa: F401
from ember._legacy_types import *  # noqa: F401,F403 - ember.FloatTensor, ember.LongTensor, ...
from ember._random import (  # noqa: F401
    Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state,
)
from ember.autograd.grad_mode import (  # noqa: F401
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad, set_grad_enabled,
)
from ember import autograd  # noqa: F401,E402
from ember.autograd import is_anomaly_enabled  # noqa: F401,E402
from ember.autograd.gradcheck import gradcheck as _gradcheck  # noqa: E402

autograd.gradcheck = _gradcheck  # the function, even after `import ember.autograd.gradcheck` (as in torch)

bool = _dtype.bool_  # noqa: A001 - ember.bool, like torch.bool
pi = 3.141592653589793  # torch.pi, torch.e, ...: Python floats
e = 2.718281828459045
inf = float("inf")  # (the builtin float: ember.float is bound below)
nan = float("nan")
newaxis = None
float = _dtype.float32  # noqa: A001
int = _dtype.int32  # noqa: A001

# Subpackages load on first use so `import ember` stays fast.
_LAZY = {
    "nn": "ember.nn", "optim": "ember.optim", "utils": "ember.utils", "vision": "ember.vision",
    "track": "ember.track", "viz": "ember.viz", "profiler": "ember.profiler", "cuda": "ember.cuda",
    "backends": "ember.backends", "testing": "ember.testing", "linalg": "ember.linalg",
    "bench": "ember.bench", "accelerator": "ember.accelerator", "amp": "ember.amp", "cpu": "ember.cpu",
    "random": "ember.random", "storage": "ember.storage",
}
_LAZY["special"] = "ember.special"
_LAZY["distributions"] = "ember.distributions"
_LAZY["fft"] = "ember.fft"  # torch.fft; torch.stft / torch.istft are in ember/_stft.py
_LAZY["hub"] = "ember.hub"  # torch.hub: load_state_dict_from_url and its cache
_LAZY["jit"] = "ember.jit"  # TorchScript's annotations for eager code
_LAZY["futures"] = "ember.futures"  # Future, collect_all, wait_all
_LAZY["compiler"] = "ember.compiler"
_LAZY["_dynamo"] = "ember._dynamo"  # torch._dynamo: OptimizedModule, config
_LAZY["version"] = "ember.version"  # torch.version: __version__, cuda, git_version, ...
_LAZY["multiprocessing"] = "ember.multiprocessing"  # torch.multiprocessing: Python's, re-exported
_LAZY["serialization"] = "ember.serialization"  # torch.serialization: save/load, safe globals, settings
_LAZY.update({"export": "ember.export", "onnx": "ember.onnx", "__config__": "ember.__config__",  # (they raise or
              "_inductor": "ember._inductor", "_logging": "ember._logging"})  # report what ember lacks)
_LAZY_ATTRS = {"save": "ember.serialization", "load": "ember.serialization", "autocast": "ember.amp",
               "is_autocast_enabled": "ember.amp", "get_autocast_dtype": "ember.amp", "GradScaler": "ember.amp"}
_LAZY_ATTRS.update(dict.fromkeys((  # torch's autocast state functions (ember/amp.py)
    "set_autocast_enabled", "set_autocast_dtype", "is_autocast_cache_enabled", "set_autocast_cache_enabled",
    "clear_autocast_cache", "autocast_increment_nesting", "autocast_decrement_nesting", "is_autocast_cpu_enabled",
    "set_autocast_cpu_enabled", "get_autocast_cpu_dtype", "set_autocast_cpu_dtype", "get_autocast_gpu_dtype",
    "set_autocast_gpu_dtype"), "ember.amp"))
_LAZY["func"] = "ember.func"  # torch.func; torch.vmap is ember.func.vmap
_LAZY_ATTRS["vmap"] = "ember.func"
_LAZY_ATTRS.update(stft="ember._stft", istft="ember._stft")
# geqrf/ormqr, svd_lowrank/pca_lowrank and the linalg functions PyTorch removed (ember/_functions_linalg.py)
_LAZY_ATTRS.update(dict.fromkeys(("eig", "geqrf", "matrix_rank", "ormqr", "pca_lowrank", "solve", "svd_lowrank",
                                  "symeig"), "ember._functions_linalg"))
_LAZY_ATTRS["lobpcg"] = "ember._lobpcg"
_LAZY_ATTRS["OutOfMemoryError"] = "ember.cuda"  # (torch.OutOfMemoryError is torch.cuda.OutOfMemoryError)
# Storages (ember/storage.py): tensor.untyped_storage() and friends.
_LAZY_ATTRS.update(dict.fromkeys((
    "TypedStorage", "UntypedStorage", "is_storage", "FloatStorage", "DoubleStorage", "HalfStorage", "LongStorage",
    "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage",
), "ember.storage"))
# torch.conv2d, torch.batch_norm, torch.dropout, ...: nn functions also at top level (ember/_functions_nn.py,
# which imports ember.nn, so they resolve on first use). That module's __all__ is read from here.
_LAZY_ATTRS.update(dict.fromkeys((
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "alpha_dropout", "avg_pool1d", "batch_norm", "bilinear",
    "binary_cross_entropy_with_logits", "celu", "celu_", "channel_shuffle", "constant_pad_nd", "conv1d", "conv2d",
    "ctc_loss",
    "alpha_dropout_", "dropout_", "feature_alpha_dropout_", "feature_dropout", "feature_dropout_",
    "conv3d", "conv_tbc", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "cosine_embedding_loss",
    "dropout", "embedding", "embedding_bag", "feature_alpha_dropout", "group_norm", "hardshrink",
    "gru_cell", "hinge_embedding_loss", "instance_norm", "kl_div", "layer_norm", "lstm_cell", "margin_ranking_loss",
    "max_pool1d",
    "max_pool1d_with_indices", "max_pool2d", "max_pool3d", "native_channel_shuffle", "pairwise_distance", "pdist",
    "pixel_shuffle", "pixel_unshuffle", "poisson_nll_loss", "prelu", "relu_", "rms_norm", "rnn_relu_cell",
    "rnn_tanh_cell", "rrelu", "rrelu_", "selu",
    "selu_", "threshold", "threshold_", "triplet_margin_loss",
), "ember._functions_nn"))
# Less common torch.* functions (settings, creation helpers, addmv/addr/addbmm, shifts, igamma, *_copy, ...):
# ember/_functions_extra.py, whose __all__ is read from here.
_LAZY_ATTRS.update(dict.fromkeys((
    "addbmm", "addmv", "addmv_", "addr", "adjoint", "alias_copy", "angle", "are_deterministic_algorithms_enabled",
    "as_strided_copy", "bartlett_window", "binomial", "bitwise_left_shift", "bitwise_right_shift", "blackman_window",
    "conj", "conj_physical", "conj_physical_", "detach_copy", "diagonal_copy", "empty_permuted", "empty_strided",
    "expand_copy", "fill", "frobenius_norm", "from_dlpack", "frombuffer", "get_deterministic_debug_mode",
    "get_device", "get_float32_matmul_precision", "get_num_interop_threads", "gradient", "hamming_window",
    "hann_window", "histogramdd", "igamma", "igammac", "init_num_threads", "is_anomaly_check_nan_enabled",
    "is_complex", "is_conj", "is_deterministic_algorithms_warn_only_enabled", "is_inference", "is_neg", "is_nonzero",
    "is_same_size", "is_signed", "is_warn_always_enabled", "kaiser_window", "narrow_copy", "nonzero_static",
    "nuclear_norm", "permute_copy", "poisson", "range", "real", "resolve_conj", "resolve_neg", "scalar_tensor",
    "select_copy", "set_anomaly_enabled", "set_default_tensor_type", "set_deterministic_debug_mode",
    "set_float32_matmul_precision", "set_flush_denormal", "set_num_interop_threads", "set_warn_always",
    "slice_copy", "split_copy", "split_with_sizes_copy", "squeeze_copy", "t_copy", "to_dlpack", "transpose_copy",
    "trapz", "unbind_copy", "unfold_copy", "unsqueeze_copy", "use_deterministic_algorithms", "vdot", "view_copy",
    "complex", "imag", "polar", "view_as_complex", "view_as_real",
    "_dirichlet_grad", "_sample_dirichlet", "_standard_gamma", "_standard_gamma_grad",
), "ember._functions_extra"))
_LAZY_ATTRS.update(dict.fromkeys((  # ... and the tensor_misc block at its end
    "as_strided_", "as_strided_scatter", "cond", "from_file", "get_device_module", "is_distributed", "while_loop",
), "ember._functions_extra"))
# ATen-level entry points (native_layer_norm, convolution, lstm, grid_sampler, ...) and the sym_* helpers:
# ember/_functions_aten.py, whose __all__ is read from here.
_LAZY_ATTRS.update(dict.fromkeys((
    "affine_grid_generator", "convolution", "embedding_renorm_", "grid_sampler", "grid_sampler_2d",
    "grid_sampler_3d", "gru", "lstm", "native_batch_norm", "native_dropout", "native_group_norm",
    "native_layer_norm", "norm_except_dim", "rnn_relu", "rnn_tanh", "segment_reduce", "slice_inverse",
    "sym_float", "sym_int", "sym_ite", "sym_max", "sym_min", "sym_not", "sym_sqrt", "sym_sum",
    "view_as_complex_copy", "view_as_real_copy",
), "ember._functions_aten"))
# torch._foreach_add_, _foreach_lerp_, _foreach_norm, ...: list-at-a-time ops (ember/_foreach.py)
_LAZY_ATTRS.update(dict.fromkeys(["_foreach_" + _n for _n in (
    "abs acos asin atan ceil cos cosh erf erfc exp expm1 floor frac lgamma log log10 log1p log2 neg reciprocal "
    "round rsqrt sigmoid sign sin sinh sqrt tan tanh trunc add sub mul div clamp_min clamp_max maximum minimum "
    "pow lerp addcmul addcdiv").split() for _n in (_n, _n + "_")] + ["_foreach_" + _n for _n in (
    "norm", "max", "clone", "zero_", "copy_", "powsum", "mm")], "ember._foreach"))
_LAZY["distributed"] = "ember.distributed"
_LAZY["signal"] = "ember.signal"  # torch.signal.windows
_LAZY["_tensor_str"] = "ember._tensor_str"  # (code reads torch._tensor_str.PRINT_OPTS)
_LAZY["sparse"] = "ember.sparse"  # torch.sparse: mm, addmm, sum, softmax on sparse COO tensors
_LAZY_ATTRS.update(sparse_coo_tensor="ember._sparse", spmm="ember._sparse")  # sparse COO tensors (ember/_sparse.py)
_LAZY.update(types="ember.types", functional="ember.functional",  # torch.types (annotations), torch.functional
             torch_version="ember.torch_version")  # (__version__'s type)
_LAZY_ATTRS.update(dict.fromkeys(("has_spectral", "has_lapack", "has_mkl", "has_openmp", "has_mkldnn"),
                                 "ember._build_flags"))


__getattr__ = _lazy_getattr(globals(), _LAZY, _LAZY_ATTRS, wrap=_top_level)


def __dir__():
    # the loaded names and those __getattr__ loads on first use (dir(ember) lists ember.save, ember.conv2d, ...)
    return sorted({*globals(), *_LAZY, *_LAZY_ATTRS})


def set_num_threads(n):
    """Limit the threads of the BLAS library NumPy uses (best effort, via threadpoolctl when installed).

    Args:
        n: a positive int (anything else raises RuntimeError, as in PyTorch).

    Example::

        >>> ember.set_num_threads(2)
        >>> ember.get_num_threads()
        2
    """
    # (`bool` and `int` are ember's dtypes in this namespace: test with the values and __index__ instead)
    if n is True or n is False or not hasattr(type(n), "__index__"):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    n = n.__index__()
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    global _num_threads
    _num_threads = n
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(n)


def get_num_threads():
    import os
    return globals().get("_num_threads") or os.cpu_count() or 1


def is_grad_enabled_():  # pragma: no cover - compat shim
    return is_grad_enabled()


def typename(obj):
    """The type name of ``obj`` (``'torch.FloatTensor'`` for a tensor; a module-qualified name otherwise, as
    ``'numpy.ndarray'``; builtins plain, as ``'float'``); for a class or function, its own name."""
    if isinstance(obj, Tensor):
        return obj.type()
    named = obj if hasattr(obj, "__qualname__") else type(obj)
    module = getattr(named, "__module__", None) or "builtins"
    return named.__qualname__ if module == "builtins" else f"{module}.{named.__qualname__}"


_COMPILE_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(model=None, *, fullgraph=False, dynamic=None, backend=None, mode=None, options=None,  # noqa: A001
            name=None, disable=False, recompile_limit=None, isolate_recompiles=False, shapes_spec=None):
    """Accept ``torch.compile`` calls; ember runs eagerly, so nothing is compiled.

    A module comes back wrapped as PyTorch's does (``ember._dynamo.OptimizedModule``: ``._orig_mod``, state_dict
    keys prefixed ``_orig_mod.``), a function as a plain wrapper; ``compile(**options)`` is a decorator. With
    ``disable=True`` the model comes back as it is. The other arguments are PyTorch's and are checked, not used.

    Example::

        >>> net = ember.compile(ember.nn.Linear(2, 3), mode="max-autotune")
        >>> type(net).__name__, list(net.state_dict())
        ('OptimizedModule', ['_orig_mod.weight', '_orig_mod.bias'])
    """
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode is not None and mode not in _COMPILE_MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_COMPILE_MODES)}")
    from ember._dynamo import _wrap
    if backend is None:
        from ember.compiler import get_default_backend
        backend = get_default_backend()
    # (_wrap raises InvalidBackend for an unknown backend name, as PyTorch does when the model is given)
    wrap = (lambda m: m) if disable else (lambda m: _wrap(m, backend))
    if model is None:
        return wrap
    if not callable(model):  # (PyTorch's check and message)
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    return wrap(model)


def set_default_device(device):  # noqa: F811 - torch names the argument `device` too
    """Set the device factory functions (``ember.zeros``, ``ember.tensor``, modules' parameters...) make tensors
    on when given no ``device``: ``'cpu'`` (or None) or ``'meta'`` (tensors without data, see ember/_meta.py).

    Other valid devices are accepted as PyTorch accepts them; making a tensor there then raises as PyTorch built
    without them does. ``with ember.device(...):`` sets it for a block.

    Example::

        >>> ember.set_default_device("meta")
        >>> ember.zeros(2).device
        device(type='meta')
        >>> ember.set_default_device(None)
    """
    from ember._tensor import _cpu, _default_device
    from ember._tensor import device as _device
    if device is not None and not isinstance(device, _device):
        device = _device(device)
    _default_device[0] = None if device is None or device == _cpu else device


def get_default_device():
    """The device factory functions use when given none (``ember.device('cpu')`` unless set)."""
    from ember._tensor import _cpu, _default_device, _unavailable
    d = _default_device[0]
    if d is None:
        return _cpu
    if d.type not in ("cpu", "meta"):  # (PyTorch asks the device's module for the current one: it has none)
        raise _unavailable(d.type, True)
    return d
