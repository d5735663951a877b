"""Import paths of older PyTorch code under ember.nn (instancenorm, activation, weight_norm, _reduction, parallel),
side by side with torch."""

import importlib
import warnings

import pytest

import ember


@pytest.mark.parametrize("module, names", [
    ("nn.modules.instancenorm", ["_InstanceNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
                                 "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]),
    ("nn.modules.activation", ["MultiheadAttention"]),
    ("nn.utils.weight_norm", ["WeightNorm", "weight_norm", "remove_weight_norm"]),
    ("nn.utils.spectral_norm", ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]),
    ("nn._reduction", ["legacy_get_string", "legacy_get_enum", "get_enum"]),
    ("nn.parallel", ["parallel_apply", "replicate", "scatter", "gather"]),
    ("nn.parallel.scatter_gather", ["scatter", "gather", "scatter_kwargs"]),
    ("nn.parallel.parallel_apply", ["parallel_apply"]),
    ("nn.parallel.replicate", ["replicate"]),
])
def test_from_imports(torch, module, names):
    for lib in ("torch", "ember"):
        mod = importlib.import_module(f"{lib}.{module}")
        for name in names:
            assert hasattr(mod, name), f"{lib}.{module}.{name}"
    e = importlib.import_module(f"ember.{module}")
    assert e.__dict__.get("InstanceNorm2d", ember.nn.InstanceNorm2d) is ember.nn.InstanceNorm2d


def test_reexports_are_the_same_objects():
    from ember.nn.modules.activation import MultiheadAttention
    from ember.nn.modules.instancenorm import InstanceNorm1d
    assert MultiheadAttention is ember.nn.MultiheadAttention and InstanceNorm1d is ember.nn.InstanceNorm1d


def test_function_names_win_over_modules(torch):
    import ember.nn.parallel.replicate  # noqa: F401
    import ember.nn.utils.weight_norm  # noqa: F401
    for lib in (torch, ember):
        assert callable(lib.nn.utils.weight_norm) and not isinstance(lib.nn.utils.weight_norm, type(warnings))
        assert callable(lib.nn.parallel.replicate) and not isinstance(lib.nn.parallel.replicate, type(warnings))


def _record(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            out = ("ok", fn())
        except Exception as exc:  # noqa: BLE001 - compared across libraries
            out = (type(exc).__name__, str(exc))
    return out, [(x.category.__name__, str(x.message)) for x in w]


@pytest.mark.parametrize("code", [
    "R.legacy_get_string(None, None)", "R.legacy_get_string(False, True)", "R.legacy_get_string(True, False)",
    "R.legacy_get_string(None, False, emit_warning=False)", "R.legacy_get_enum(True, True)",
    "R.legacy_get_enum(False, None)", "R.get_enum('none')", "R.get_enum('sum')", "R.get_enum('elementwise_mean')",
    "R.get_enum('foo')",
])
def test_reduction_helpers(torch, code):
    assert _record(lambda: eval(code, {"R": ember.nn.functional._Reduction})) == \
        _record(lambda: eval(code, {"R": torch.nn.functional._Reduction}))


@pytest.mark.parametrize("code", [
    "P.replicate(lib.nn.Linear(2, 2), [])", "P.replicate(lib.nn.Linear(2, 2), [0])",
    "P.gather([lib.ones(2)], 0)", "P.gather([None, None], 0)", "P.gather([1, 2], 0)",
    "P.scatter((1, 'a'), [0, 1])", "P.scatter([1, 2], [0, 1])", "P.scatter({'a': 1}, [0, 1])", "P.scatter(1, [0, 1])",
    "SG.scatter_kwargs((1,), {'a': 2}, [0, 1])", "SG.scatter_kwargs((1,), None, [0, 1])",
    "SG.scatter_kwargs((), {}, [0, 1])", "P.parallel_apply([], [])", "P.parallel_apply([1], [1, 2])",
    "P.parallel_apply([1], [1], [{}, {}])", "P.parallel_apply([lib.nn.Linear(2, 2)], [(lib.ones(1, 2),)])",
    "P.parallel_apply([1], [1], None, ['cpu'])",
])
def test_parallel_helpers_on_cpu(torch, code):
    def run(lib):
        import importlib
        sg = importlib.import_module(f"{lib.__name__}.nn.parallel.scatter_gather")
        return _record(lambda: eval(code, {"lib": lib, "P": lib.nn.parallel, "SG": sg}))
    assert run(ember) == run(torch)


def test_scatter_of_a_tensor_raises_like_torch(torch):
    # PyTorch's CPU build raises AttributeError naming a missing internal; ember the same type, saying why
    with pytest.raises(AttributeError):
        torch.nn.parallel.scatter(torch.ones(2), [0])
    with pytest.raises(AttributeError, match="without CUDA support"):
        ember.nn.parallel.scatter(ember.ones(2), [0])
