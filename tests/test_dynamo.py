"""ember.compile / ember._dynamo against torch.compile / torch._dynamo: the wrapper and settings scripts rely on."""

import copy
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _compile(lib, model, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lib.compile(model, **kwargs)


def _net(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))


def test_compiled_module_is_an_optimized_module_wrapping_the_original():
    nets = {lib: _net(lib) for lib in (torch, ember)}
    compiled = {lib: _compile(lib, net) for lib, net in nets.items()}
    for lib, c in compiled.items():
        assert type(c).__name__ == "OptimizedModule" and c._orig_mod is nets[lib]
        assert isinstance(c, lib.nn.Module) and not isinstance(c, lib.nn.Sequential)
    e, t = compiled[ember], compiled[torch]
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict()) == ["_orig_mod.0.weight", "_orig_mod.0.bias",
                                                            "_orig_mod.2.weight", "_orig_mod.2.bias"]
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    # a plain (unprefixed) state_dict does not load into the wrapper, as in PyTorch
    with pytest.raises(RuntimeError, match="Missing key"):
        e.load_state_dict(nets[ember].state_dict())
    e.load_state_dict(e.state_dict())


def test_attributes_fall_through_to_the_wrapped_module():
    for lib in (torch, ember):
        lin = lib.nn.Linear(2, 3)
        c = _compile(lib, lin)
        assert c.out_features == 3 and c.weight is lin.weight
        c.foo = 1  # lands on the wrapped module
        assert lin.foo == 1 and "foo" not in c.__dict__
        c.eval()
        assert not lin.training and not c.training
        lin.train()
        assert c.training
        seen = []
        lin.register_forward_hook(lambda *a, seen=seen: seen.append(1))
        c(lib.ones(1, 2))
        assert seen == [1]
        assert type(copy.deepcopy(c)).__name__ == "OptimizedModule"


def test_compile_functions_and_decorator_form():
    def f(x):
        return x + 1

    for lib in (torch, ember):
        cf = _compile(lib, f)
        assert cf is not f and cf._torchdynamo_orig_callable is f and cf(lib.ones(1)).item() == 2
        deco = lib.compile(mode="max-autotune")
        assert callable(deco) and deco(f)(lib.ones(1)).item() == 2


def test_dynamo_config_accepts_known_settings_and_refuses_unknown_ones():
    for lib in (torch, ember):
        cfg = lib._dynamo.config
        assert cfg.suppress_errors is False and cfg.cache_size_limit == 8
        cfg.suppress_errors = True
        assert cfg.suppress_errors is True
        cfg.suppress_errors = False
        with pytest.raises(AttributeError, match="config.nonexistent_xyz does not exist"):
            cfg.nonexistent_xyz = 1
        with cfg.patch(verbose=True):
            assert cfg.verbose is True
        assert cfg.verbose is False
        assert lib._dynamo.reset() is None and lib._dynamo.is_compiling() is False


def test_compile_disable_and_argument_errors_match_torch():
    def f(x):
        return x + 1

    for lib in (torch, ember):
        lin = lib.nn.Linear(2, 3)
        assert _compile(lib, lin, disable=True) is lin and _compile(lib, f, disable=True) is f
        assert lib.compile(disable=True)(f) is f
        assert type(_compile(lib, lin, fullgraph=True, dynamic=False, backend="eager")).__name__ == "OptimizedModule"
    cases = [((3,), {}), ((f,), {"mode": "default", "options": {"a": 1}}), ((f,), {"mode": "bogus"}),
             ((f,), {"foo": 1})]
    for args, kw in cases:
        with pytest.raises(Exception) as theirs:
            _compile(torch, *args, **kw)
        with pytest.raises(type(theirs.value)) as ours:
            _compile(ember, *args, **kw)
        assert str(ours.value) == str(theirs.value), kw
