"""``ember._inductor.config``: PyTorch's commonly set compiler options (with its defaults), stored and ignored.

Settings are module attributes, some grouped (``triton.unique_kernel_names``, ``cpp.threads``); setting or
reading a name that does not exist raises AttributeError, as PyTorch does. ``patch(...)`` sets options for a
block (or a decorated function); ``get_config_copy()`` returns them all as a flat dict with dotted names.

Example::

    >>> import ember._inductor.config as config
    >>> config.coordinate_descent_tuning = True
    >>> config.triton.unique_kernel_names
    True
"""

import contextlib
import sys
import types

_DEFAULTS = {
    "aggressive_fusion": False, "allow_buffer_reuse": True, "autotune_local_cache": True, "batch_fusion": True,
    "benchmark_fusion": False, "benchmark_kernel": False, "comprehensive_padding": True, "compile_threads": 1,
    "conv_1x1_as_mm": False, "coordinate_descent_check_all_directions": False, "coordinate_descent_search_radius": 1,
    "coordinate_descent_tuning": False, "cpp_wrapper": False, "cpu_backend": "cpp", "cuda_backend": "triton",
    "debug": False, "deterministic": False, "disable_progress": True, "emulate_precision_casts": False,
    "epilogue_fusion": True, "fallback_random": False, "force_fuse_int_mm_with_mul": False, "freezing": False,
    "fx_graph_cache": True, "fx_graph_remote_cache": None, "group_fusion": False, "implicit_fallbacks": True,
    "keep_output_stride": True, "layout_optimization": True, "max_autotune": False, "max_autotune_gemm": False,
    "max_autotune_gemm_backends": "ATEN,TRITON,CPP", "max_autotune_pointwise": False, "max_fusion_size": 64,
    "pattern_matcher": True, "reorder_for_compute_comm_overlap": False, "reorder_for_locality": True,
    "shape_padding": True, "size_asserts": True, "split_reductions": True, "use_mixed_mm": True,
    "verbose_progress": False,
    "cpp.dynamic_threads": False, "cpp.enable_kernel_profile": False, "cpp.enable_unsafe_math_opt_flag": False,
    "cpp.fallback_scatter_reduce_sum": True, "cpp.max_horizontal_fusion_size": 16, "cpp.simdlen": None,
    "cpp.threads": -1, "cpp.weight_prepack": True,
    "triton.autotune_pointwise": True, "triton.cooperative_reductions": False, "triton.cudagraph_skip_dynamic_graphs":
        False, "triton.cudagraph_trees": True, "triton.cudagraphs": False, "triton.descriptive_names": "original_aten",
    "triton.divisible_by_16": True, "triton.max_tiles": None, "triton.multi_kernel": 0,
    "triton.persistent_reductions": True, "triton.store_cubin": False, "triton.unique_kernel_names": True,
    "triton.use_block_ptr": False,
    "trace.debug_dir": None, "trace.enabled": False, "trace.fx_graph": True, "trace.graph_diagram": False,
    "trace.output_code": True,
    "aot_inductor.debug_compile": False, "aot_inductor.output_path": "", "aot_inductor.package": False,
}


class _Group:
    """A group of settings (``config.triton``): attribute access to ``<group>.<name>`` in the flat store."""

    def __init__(self, prefix):
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name):
        return _get(f"{self._prefix}.{name}")

    def __setattr__(self, name, value):
        _set(f"{self._prefix}.{name}", value)

    def __dir__(self):
        n = len(self._prefix) + 1
        return [k[n:] for k in _values if k.startswith(self._prefix + ".")]


_values = dict(_DEFAULTS)
_groups = {k.split(".")[0]: _Group(k.split(".")[0]) for k in _DEFAULTS if "." in k}


def _get(key):
    try:
        return _values[key]
    except KeyError:
        raise AttributeError(f"torch._inductor.config.{key} does not exist") from None


def _set(key, value):
    if key not in _values:
        raise AttributeError(f"torch._inductor.config.{key} does not exist")
    _values[key] = value


def get_config_copy():
    """All settings as a dict ``{name: value}``, grouped ones under dotted names (``"triton.cudagraphs"``)."""
    return dict(_values)


@contextlib.contextmanager
def _patched(changes):
    old = {k: _get(k) for k in changes}
    for k, v in changes.items():
        _set(k, v)
    try:
        yield
    finally:
        _values.update(old)


def patch(arg=None, value=None, **kwargs):
    """Context manager (or decorator) setting options for its duration: ``patch("max_autotune", True)``,
    ``patch(max_autotune=True)`` or ``patch({"triton.cudagraphs": True})``."""
    changes = dict(arg) if isinstance(arg, dict) else ({arg: value} if arg is not None else {})
    changes.update(kwargs)
    return _patched(changes)


class _ConfigModule(types.ModuleType):
    """This module's class: its settings read and write as attributes, unknown names raise AttributeError."""

    def __getattr__(self, name):  # (only for names that are not module globals)
        if name in _groups:
            return _groups[name]
        return _get(name)

    def __setattr__(self, name, value):
        if name in _values:
            _values[name] = value
        elif name in _groups or name.startswith("__") or name in self.__dict__:
            super().__setattr__(name, value)  # (module machinery, e.g. __spec__, or a global)
        else:
            _set(name, value)  # raises AttributeError

    def __dir__(self):
        return sorted(set(super().__dir__()) | {k for k in _values if "." not in k} | set(_groups))


sys.modules[__name__].__class__ = _ConfigModule
