"""``ember._logging``: ``torch._logging.set_logs``, for scripts that turn on compiler logging.

ember compiles nothing, so there is nothing to log: :func:`set_logs` checks its keywords (an unknown one raises
TypeError, as Python does for PyTorch's keyword-only signature), records them and otherwise ignores them.

Example::

    >>> ember._logging.set_logs(dynamo=logging.INFO, graph_breaks=True, recompiles=True)
"""

__all__ = ["set_logs"]

# PyTorch's set_logs keywords: log levels of components (None: unchanged) ...
_LEVELS = ("all", "dynamo", "aot", "autograd", "dynamic", "inductor", "distributed", "c10d", "ddp", "fsdp", "dtensor",
           "onnx", "export")
# ... and on/off switches of artifacts
_ARTIFACTS = ("bytecode", "aot_graphs", "aot_joint_graph", "ddp_graphs", "graph", "graph_code", "graph_code_verbose",
              "graph_breaks", "side_effects", "graph_sizes", "guards", "recompiles", "recompiles_verbose",
              "trace_source", "trace_call", "trace_bytecode", "output_code", "kernel_code", "schedule", "perf_hints",
              "pre_grad_graphs", "post_grad_graphs", "ir_pre_fusion", "ir_post_fusion", "onnx_diagnostics", "fusion",
              "overlap", "cudagraphs", "sym_node", "compiled_autograd", "compiled_autograd_verbose",
              "cudagraph_static_inputs", "benchmarking", "autotuning", "incremental", "graph_region_expansion",
              "inductor_metrics", "hierarchical_compile", "compute_dependencies", "caching")
_KNOWN = frozenset(_LEVELS + _ARTIFACTS + ("modules",))

_settings = {}  # the last call's settings (nothing reads them: ember has no compiler to log)


def set_logs(*args, **kwargs):
    """Accept PyTorch's logging settings and ignore them (ember has no compiler whose steps could be logged).

    Args (keyword-only): component log levels (``dynamo=logging.DEBUG``, ``all=...``, ...), artifact switches
    (``graph_breaks=True``, ``recompiles=True``, ``output_code=True``, ...) and ``modules={name: level}``.
    """
    if args:
        raise TypeError(f"set_logs() takes 0 positional arguments but {len(args)} were given")
    for name in kwargs:
        if name not in _KNOWN:
            raise TypeError(f"set_logs() got an unexpected keyword argument '{name}'")
    _settings.clear()
    _settings.update(kwargs)
