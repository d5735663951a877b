"""Deployment-style entry points scripts reach for (export, ONNX, backends queries, compiler settings, thread
settings, jit.freeze), side by side with PyTorch: what works matches it, what ember lacks fails clearly."""

import collections
import logging
import re
import subprocess
import sys
import warnings

import pytest

import ember


def _compile(lib, model, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lib.compile(model, **kwargs)


# -- export / onnx ------------------------------------------------------------------------------------------------

def test_export_raises_not_implemented_after_torchs_module_check(torch):
    with pytest.raises(NotImplementedError, match="ember.export.export: ember has no graph capture"):
        ember.export.export(ember.nn.Linear(2, 2), (ember.ones(1, 2),))
    for lib in (torch, ember):
        with pytest.raises(ValueError, match=r"Expected `mod` to be an instance of `torch.nn.Module`, got <class"):
            lib.export.export(lambda x: x, (lib.ones(1),))
    with pytest.raises(NotImplementedError, match="ember.export.load"):
        ember.export.load("m.pt2")


def test_onnx_export_raises_onnx_exporter_error(torch, tmp_path):
    assert ember.onnx.is_in_onnx_export() is torch.onnx.is_in_onnx_export() is False
    assert issubclass(ember.onnx.OnnxExporterError, RuntimeError)
    assert issubclass(torch.onnx.OnnxExporterError, RuntimeError)
    with pytest.raises(ember.onnx.OnnxExporterError, match="ember.onnx.export: ember has no graph capture"):
        ember.onnx.export(ember.nn.Linear(2, 2), (ember.ones(1, 2),), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


# -- backends -------------------------------------------------------------------------------------------------------

def test_backends_cpu_capability_from_numpy(torch):
    cap = ember.backends.cpu.get_cpu_capability()
    assert cap in ("DEFAULT", "AVX2", "AVX512")
    if torch.backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512"):  # (x86; both detect the same CPU)
        assert cap == torch.backends.cpu.get_cpu_capability()


def test_backends_mkldnn_flags_context_manager(torch):
    for lib in (torch, ember):
        mk = lib.backends.mkldnn
        assert mk.enabled is True
        with mk.flags(enabled=False):
            assert mk.enabled is False
        assert mk.enabled is True
        with mk.verbose(mk.VERBOSE_ON):
            pass
    assert ember.backends.mkldnn.is_available() is False  # (no oneDNN in ember; PyTorch's CPU build has it)


def test_backends_mkl_openmp_opt_einsum(torch):
    assert isinstance(ember.backends.mkl.is_available(), bool)
    assert ember.backends.openmp.is_available() is False  # (NumPy's kernels do not use OpenMP)
    with ember.backends.mkl.verbose(ember.backends.mkl.VERBOSE_ON):
        pass
    assert ember.backends.mkl.VERBOSE_ON == torch.backends.mkl.VERBOSE_ON
    oe = ember.backends.opt_einsum
    assert (oe.is_available(), oe.enabled, oe.strategy) == (False, False, None)
    if not torch.backends.opt_einsum.is_available():  # (PyTorch without the opt_einsum package says the same)
        t = torch.backends.opt_einsum
        assert (t.is_available(), t.enabled, t.strategy) == (False, False, None)
    with oe.flags(enabled=True, strategy="greedy"):
        assert (oe.enabled, oe.strategy) == (True, "greedy")
    assert (oe.enabled, oe.strategy) == (False, None)


def test_config_show_and_parallel_info_describe_numpy():
    import numpy as np
    text = ember.__config__.show()
    assert isinstance(text, str) and f"NumPy {np.__version__}" in text and "CPU capability usage" in text
    info = ember.__config__.parallel_info()
    assert f"ember.get_num_threads() : {ember.get_num_threads()}" in info


def test_lazy_namespaces_stay_out_of_import_ember():
    code = ("import sys, ember; names = ['ember.export', 'ember.onnx', 'ember.__config__', 'ember._inductor', "
            "'ember._logging', 'ember.backends.cpu', 'ember.backends.mkldnn']; "
            "print([n for n in names if n in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- compiler settings ----------------------------------------------------------------------------------------------

def test_inductor_config_store_and_refuse_unknown(torch):
    import ember._inductor.config as config
    for lib in (torch, ember):
        c = lib._inductor.config
        assert (c.coordinate_descent_tuning, c.triton.unique_kernel_names, c.fx_graph_cache) == (False, True, True)
        with c.patch(coordinate_descent_tuning=True):
            assert c.coordinate_descent_tuning is True
        assert c.coordinate_descent_tuning is False
        c.triton.unique_kernel_names = False
        assert c.triton.unique_kernel_names is False
        c.triton.unique_kernel_names = True
        for bad in (lambda c=c: setattr(c, "no_such_option", 1), lambda c=c: c.no_such_option,
                    lambda c=c: setattr(c.triton, "no_such_option", 1)):
            with pytest.raises(AttributeError, match=r"torch._inductor.config.(triton.)?no_such_option does not exist"):
                bad()
    assert config is ember._inductor.config
    ours, theirs = config.get_config_copy(), torch._inductor.config.get_config_copy()
    ours.pop("compile_threads"), theirs.pop("compile_threads")  # (PyTorch's depends on the machine)
    assert {k: theirs[k] for k in ours} == ours  # every setting is PyTorch's, with its default


def test_logging_set_logs_accepts_known_keywords(torch):
    ember._logging.set_logs(dynamo=logging.INFO, recompiles=True, graph_breaks=True, modules={"x": logging.DEBUG})
    for lib in (torch, ember):
        with pytest.raises(TypeError, match="set_logs\\(\\) got an unexpected keyword argument 'foo'"):
            lib._logging.set_logs(foo=True)
    ember._logging.set_logs()


def test_dynamo_utils_counters(torch):
    from ember._dynamo.utils import counters
    assert type(counters) is type(torch._dynamo.utils.counters) is collections.defaultdict
    assert counters is ember._dynamo.utils.counters
    assert isinstance(counters["stats"], collections.Counter)


def test_profiler_itt_stub(torch):
    from ember.profiler import itt
    assert itt.is_available() is False  # (PyTorch's x86 build has ITT)
    for lib in (torch, ember):
        with lib.profiler.itt.range("block {}", 1):
            lib.profiler.itt.mark("m")
        assert lib.profiler.itt.range_push("r") is None and lib.profiler.itt.range_pop() is None


# -- threads --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n, message", [(0, "expects a positive integer"), (-1, "expects a positive integer"),
                                        (2.0, "expects an int, but got float"), ("2", "expects an int, but got str"),
                                        (True, "expects an int, but got bool")])
def test_set_num_threads_checks_its_argument(torch, n, message):
    before = (torch.get_num_threads(), ember.get_num_threads())
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="^set_num_threads " + message):
            lib.set_num_threads(n)
    assert (torch.get_num_threads(), ember.get_num_threads()) == before


def test_set_num_threads_takes_an_int():
    before = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1
    finally:
        ember.set_num_threads(before)


def test_set_flush_denormal_is_unsupported(torch):
    # NumPy has no flush-to-zero switch: ember answers False, PyTorch's answer where the CPU lacks the feature
    assert ember.set_flush_denormal(True) is False and ember.set_flush_denormal(False) is False
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="flush_denormal expects a bool, but got int"):
            lib.set_flush_denormal(1)
    torch.set_flush_denormal(False)


# -- compile -------------------------------------------------------------------------------------------------------

def test_set_stance_as_call_context_manager_and_decorator(torch):
    from ember.compiler import _stance
    with ember.compiler.set_stance("force_eager"):
        assert _stance["stance"] == "force_eager"
    assert _stance["stance"] == "default"

    @ember.compiler.set_stance("force_eager")
    def inside():
        return _stance["stance"]
    assert _stance["stance"] == "default" and inside() == "force_eager" and _stance["stance"] == "default"
    ember.compiler.set_stance("eager_on_recompile")
    try:
        assert _stance["stance"] == "eager_on_recompile"
    finally:
        ember.compiler.set_stance("default")
    for lib in (torch, ember):
        with lib.compiler.set_stance("force_eager"):
            pass
        assert lib.compiler.set_stance("force_eager")(lambda x: x + 1)(1) == 2
        with pytest.raises(RuntimeError, match="non-default stance cannot have force_backend set"):
            lib.compiler.set_stance("force_eager", force_backend="eager")


def test_compile_invalid_backend(torch):
    for lib in (torch, ember):
        for model in (lib.nn.Linear(2, 2), lambda x: x):
            with pytest.raises(RuntimeError, match=r"^Invalid backend: 'nonexistent', see `torch._dynamo.list_b"
                                                   r"ackends\(\)` for available backends.$") as info:
                _compile(lib, model, backend="nonexistent")
            assert type(info.value).__name__ == "InvalidBackend"
    assert ember._dynamo.exc.InvalidBackend.__mro__[1].__name__ == "TorchDynamoException"


def test_list_backends_as_torch(torch):
    for exclude in ((), None, ("debug",), ("debug", "experimental")):
        assert ember._dynamo.list_backends(exclude) == torch._dynamo.list_backends(exclude)
    assert ember.compiler.list_backends() == torch.compiler.list_backends() == ember._dynamo.list_backends()
    for name in ember._dynamo.list_backends(None):
        assert type(_compile(ember, ember.nn.Linear(1, 1), backend=name)).__name__ == "OptimizedModule"


def test_optimized_module_forwards_len_del_dir(torch):
    for lib in (torch, ember):
        seq = _compile(lib, lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU()))
        assert len(seq) == 2
        inner = lib.nn.Linear(2, 3)
        cm = _compile(lib, inner)
        cm.foo = 3
        assert inner.foo == 3
        del cm.foo
        assert not hasattr(inner, "foo") and not hasattr(cm, "foo")
        with pytest.raises(AttributeError, match="'Linear' object has no attribute 'bar'"):
            del cm.bar
        names = dir(cm)
        assert {"weight", "in_features", "_orig_mod", "forward"} <= set(names)
        assert _compile(lib, inner, backend="eager").get_compiler_config() is None
        config = cm.get_compiler_config()
        assert isinstance(config, dict) and config["triton.unique_kernel_names"] is True


# -- jit -----------------------------------------------------------------------------------------------------------

def test_jit_freeze_refuses_training_mode(torch):
    message = ("Freezing is currently only implemented for modules in eval mode. Please call .eval() on your "
               "module before freezing.")
    scripted = torch.jit.script(torch.nn.Linear(2, 2))
    for lib, net in ((torch, scripted), (ember, ember.nn.Linear(2, 2))):
        with pytest.raises(RuntimeError, match="^" + re.escape(message) + "$"):
            lib.jit.freeze(net)
    net = ember.nn.Linear(2, 2).eval()
    assert ember.jit.freeze(net) is net
