"""ember.cuda on a machine without CUDA, side by side with PyTorch's CPU build."""

import collections

import pytest

import ember


def _outcome(fn):
    """(type name, message) of what ``fn()`` raises, or ("ok", result)."""
    try:
        return "ok", fn()
    except Exception as exc:  # noqa: BLE001 - compared across libraries
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("call", [
    "memory_allocated()", "max_memory_allocated()", "memory_reserved()", "max_memory_reserved()",
    "memory_allocated(0)", "memory_stats()", "is_bf16_supported()", "is_initialized()", "get_arch_list()",
    "get_gencode_flags()", "seed()", "seed_all()", "get_rng_state_all()", "current_device()", "get_device_name()",
    "get_device_name(0)", "get_device_properties(0)", "get_device_capability()", "mem_get_info()",
    "get_rng_state()", "initial_seed()", "init()", "current_stream()", "default_stream()", "synchronize()",
    "set_device(-1)", "set_device(None)", "set_device('cpu')", "ipc_collect()", "empty_cache()",
    "Stream()", "Event()", "device(-1).__enter__()", "device(0).__enter__()", "device('cpu')",
    "device_of(lib.ones(1)).__enter__()", "stream(None).__enter__()", "is_available()", "device_count()",
    "reset_peak_memory_stats()", "reset_peak_memory_stats(0)", "reset_accumulated_memory_stats()",
    "memory_summary()", "memory_summary(0, True)", "is_current_stream_capturing()", "utilization()",
    "temperature()", "power_draw()", "clock_rate()", "memory_usage()", "list_gpu_processes()", "memory_snapshot()",
    "memory_stats_as_nested_dict()",
])
def test_queries_match_cpu_build(torch, call):
    def run(lib):
        return _outcome(lambda: eval(call, {"lib": lib}, vars(lib.cuda)))
    assert run(ember) == run(torch)


def test_memory_stats_is_ordered_dict(torch):
    assert type(ember.cuda.memory_stats()) is collections.OrderedDict
    assert type(torch.cuda.memory_stats()) is collections.OrderedDict


def test_set_device_index_raises(torch):
    # PyTorch's CPU build fails here with an AttributeError naming an internal of its C extension: ember raises the
    # same type, saying why
    with pytest.raises(AttributeError):
        torch.cuda.set_device(0)
    with pytest.raises(AttributeError, match="ember was built without CUDA support: no CUDA device 0 to select"):
        ember.cuda.set_device(0)


def test_out_of_memory_error_is_runtime_error(torch):
    assert issubclass(torch.cuda.OutOfMemoryError, RuntimeError)
    assert ember.cuda.OutOfMemoryError.__mro__[1:] == torch.cuda.OutOfMemoryError.__mro__[1:]
    with pytest.raises(RuntimeError, match="out of memory"):
        raise ember.cuda.OutOfMemoryError("CUDA out of memory")


def test_device_context_noop():
    with ember.cuda.device(-1), ember.cuda.device_of(ember.ones(2)), ember.cuda.stream(None):
        pass


def test_out_of_memory_error_at_top_level_and_pin_memory(torch):
    assert ember.OutOfMemoryError is ember.cuda.OutOfMemoryError
    assert issubclass(ember.OutOfMemoryError, RuntimeError)
    assert torch.OutOfMemoryError is torch.cuda.OutOfMemoryError
    for mod in (ember, torch):
        with pytest.raises(RuntimeError, match="^Cannot access accelerator device when none is available.$"):
            mod.ones(2).pin_memory()


@pytest.mark.parametrize("call", ["memory_cached()", "max_memory_cached(0)", "reset_max_memory_allocated()",
                                  "reset_max_memory_cached()"])
def test_deprecated_memory_functions_warn_as_in_cpu_build(torch, call):
    # (they were missing from ember.cuda)
    def run(lib):
        with pytest.warns(FutureWarning) as record:
            outcome = _outcome(lambda: eval(call, {}, vars(lib.cuda)))
        return outcome, [str(w.message).replace("ember.", "torch.") for w in record]
    assert run(ember) == run(torch)
