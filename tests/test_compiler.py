"""ember.compiler against torch.compiler: the controls behave as PyTorch's do in eager mode."""

import collections
from types import SimpleNamespace

import numpy as np
import pytest

import ember

Pair = collections.namedtuple("Pair", "a b")


def test_wrap_numpy_matches_torch(torch):
    def run(lib):
        @lib.compiler.wrap_numpy
        def fn(x, k=2):
            return ({"a": x * k, "b": [x, (x,)]}, 5, np.float64(3.0),
                    Pair(x.sum(0), collections.OrderedDict(z=x)), type(x).__name__)

        out = fn(lib.arange(6.0).reshape(2, 3), k=lib.tensor(3))
        flat = [out[0]["a"], out[0]["b"][0], out[0]["b"][1][0], out[3].a, out[3].b["z"]]
        return ([(str(t.dtype).split(".")[1], t.numpy().tolist()) for t in flat], out[1:3], type(out[3]).__name__,
                type(out[3].b).__name__, out[4], fn.__name__)

    assert run(ember) == run(torch)
    assert run(ember)[0][0][0] == "float64"  # NumPy's float64 result comes back as float64


def test_wrap_numpy_keeps_deque_and_defaultdict_as_torch(torch):
    def run(lib):
        fn = lib.compiler.wrap_numpy(lambda d, q: (collections.defaultdict(list, a=d["a"] * 2), q))
        d, q = fn(collections.defaultdict(int, a=lib.ones(2)), collections.deque([lib.zeros(1)], maxlen=3))
        return (type(d).__name__, d.default_factory, type(d["a"]).__name__, d["a"].tolist(), type(q).__name__,
                q.maxlen, type(q[0]).__name__)

    assert run(ember) == run(torch)


def test_wrap_numpy_shares_memory_and_refuses_grad():
    t = ember.ones(3)
    out = ember.compiler.wrap_numpy(lambda x: x)(t)
    out[0] = 5
    assert t.tolist() == [5.0, 1.0, 1.0] and isinstance(out, ember.Tensor)
    assert ember.compiler.wrap_numpy(lambda x: x + 1)(3) == 4  # non-tensors pass through
    with pytest.raises(RuntimeError, match="Can't call numpy"):
        ember.compiler.wrap_numpy(lambda x: x)(ember.ones(2, requires_grad=True))


def test_eager_compiler_controls_match_torch(torch):
    f = lambda x: x + 1  # noqa: E731
    ents = [SimpleNamespace(name="x", value=0, guard_type="TENSOR_MATCH", is_global=False),
            SimpleNamespace(name="y", value=3, guard_type="CONSTANT_MATCH", is_global=True),
            SimpleNamespace(name="w", value=None, guard_type="TENSOR_MATCH", is_global=False)]
    portable = [SimpleNamespace(guard_type=kind, is_global=glob) for kind, glob in
                [("GLOBAL_STATE", True), ("SHAPE_ENV", False), ("TENSOR_MATCH", True), ("ID_MATCH", False)]]
    modules = [SimpleNamespace(orig_guard=SimpleNamespace(source=SimpleNamespace(
        is_unspecialized_nn_module=lambda a=a: a, is_unspecialized_builtin_nn_module=lambda b=b: b)))
        for a, b in [(False, False), (False, True), (True, False), (True, True)]]
    for lib in (torch, ember):
        c = lib.compiler
        ents[0].value, ents[2].value = lib.ones(1), lib.nn.Parameter(lib.ones(1))
        assert c.nested_compile_region(f)(1) == 2 and c.nested_compile_region(max_reuse_entries=2)(f)(2) == 3
        assert c.get_default_backend() == "inductor"
        c.set_default_backend("eager")
        assert c.get_default_backend() == "eager"
        c.set_default_backend(None)
        assert c.get_default_backend() == "inductor"
        assert c.set_enable_guard_collectives(True) is False and c.set_enable_guard_collectives(False) is True
        assert c.set_enable_guard_collectives(1) is False and c.set_enable_guard_collectives(0) is True
        c.set_default_backend(f)
        assert c.get_default_backend() is f
        with pytest.raises(TypeError, match="backend must be a string or callable, got <class 'int'>"):
            c.set_default_backend(3)
        c.set_default_backend(None)
        if lib is ember:  # nothing is compiled here; torch returns artifacts once anything in the process compiled
            assert c.save_cache_artifacts() is None
        assert c.skip_all_guards_unsafe(ents) == [False] * 3
        assert c.skip_guard_on_globals_unsafe(ents) == [True, False, True]
        assert c.keep_tensor_guards_unsafe(ents) == [True, False, False]
        assert c.keep_tensor_guards_unsafe(ents, keep_parameters=True) == [True, False, True]
        assert c.keep_portable_guards_unsafe(ents + portable) == [True, False, True, True, True, False, False]
        assert c.skip_guard_on_all_nn_modules_unsafe(modules) == [True, True, False, False]
        assert c.skip_guard_on_inbuilt_nn_modules_unsafe(modules) == [True, False, True, False]
        assert repr(c.NestedCompileRegionOptions()) == ("NestedCompileRegionOptions(fw_compiler=None, "
                                                        "bw_compiler=None, partitioner=None, decompositions=None)")
    with pytest.raises(NotImplementedError):
        ember.compiler.load_compiled_function(None)
