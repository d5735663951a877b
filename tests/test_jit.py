"""ember.jit and ember.compiler: PyTorch's TorchScript / compiler names behave as in PyTorch's eager mode."""
# ruff: noqa: UP006, UP007, UP035, UP045 - typing.List, Optional, ... are what jit.isinstance is tested on

import warnings

import numpy as np
import pytest

import ember


def test_annotations_behave_as_torch_eager(torch):
    for lib in (torch, ember):
        assert lib.jit.is_scripting() is False and lib.jit.is_tracing() is False
        assert lib.jit.annotate(list, [1]) == [1]
        f = lambda x: x + 1  # noqa: E731
        assert lib.jit.ignore(f) is f and lib.jit.ignore(drop=True)(f) is f
        assert lib.jit.unused(f) is f and lib.jit.export(f) is f
        assert lib.jit.script_if_tracing(f)(1) == 2
        assert lib.jit.wait(lib.jit.fork(f, 2)) == 3
        assert lib.jit.Final is __import__("typing").Final
    assert repr(ember.jit.Attribute(3, int)) == repr(torch.jit.Attribute(3, int))
    assert not isinstance(ember.nn.Linear(2, 2), ember.jit.ScriptModule)


def _annotated_net(lib):
    class Net(lib.nn.Module):
        scale: lib.jit.Final[float]

        def __init__(self):
            super().__init__()
            self.scale = 2.0
            self.fc = lib.nn.Linear(3, 2)

        @lib.jit.unused
        def debug(self, x):
            return x

        def forward(self, x):
            if not lib.jit.is_scripting():
                x = self.debug(x)
            return self.fc(x) * self.scale

    lib.manual_seed(0)
    return Net()


def test_module_with_torchscript_annotations_runs(torch):
    outs = []
    for lib in (torch, ember):
        outs.append(_annotated_net(lib)(lib.ones(1, 3)).detach().numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-6)


def test_script_and_trace_return_their_argument_and_warn_once():
    import ember.jit as jit
    jit._warned.clear()
    net = ember.nn.Linear(2, 2)
    with pytest.warns(UserWarning, match="ember has no TorchScript compiler"):
        assert jit.script(net) is net
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert jit.script(net) is net  # once per process
    with pytest.warns(UserWarning, match="ember.jit.trace returns its argument unchanged"):
        assert jit.trace(net, ember.ones(1, 2)) is net
    assert jit.freeze(net.eval()) is net and jit.optimize_for_inference(net) is net


def test_save_and_load_explain_the_alternative(tmp_path):
    with pytest.raises(NotImplementedError, match=r"ember.save\(model.state_dict\(\), f\)"):
        ember.jit.save(ember.nn.Linear(2, 2), tmp_path / "m.pt")
    with pytest.raises(NotImplementedError, match="ember.jit.load: ember has no TorchScript"):
        ember.jit.load(tmp_path / "m.pt")


def test_compiler_controls_are_eager_no_ops(torch):
    f = lambda x: x + 1  # noqa: E731
    for lib in (torch, ember):
        assert lib.compiler.disable(f)(1) == 2 and lib.compiler.disable()(f)(1) == 2
        assert lib.compiler.is_compiling() is False and lib.compiler.is_dynamo_compiling() is False
        assert lib.compiler.is_exporting() is False
        assert lib.compiler.reset() is None
        assert lib.compiler.assume_constant_result(f)(1) == 2 and lib.compiler.allow_in_graph(f)(1) == 2
        lib.compiler.set_stance("default")
    net = ember.nn.Linear(2, 2)
    assert ember.compiler.compile(net)._orig_mod is net
    assert ember.compiler.list_backends() == torch.compiler.list_backends()


def _isinstance_cases(lib):
    from typing import Any, Dict, List, Optional, Tuple, Union
    t = lib.ones(2)
    U = Union
    return [
        ([1, 2], List[int]), ([1, "a"], List[int]), ([True], List[int]), ([1], List[float]), ([1, 2], list[int]),
        ({"a": t}, Dict[str, lib.Tensor]), ({1: t}, Dict[str, lib.Tensor]), ({"a": 1, "b": "x"}, dict[str, int]),
        (None, Optional[int]), ("x", Optional[int]), ((1, "a"), Tuple[int, str]), ((1,), Tuple[int, str]),
        ([1], Tuple[int]), ((1,), List[int]), ([[1], [2]], List[List[int]]), ([lib.nn.Parameter(t)], List[lib.Tensor]),
        ((1, "a", 2), Tuple[int, str]),
        (t, lib.Tensor), (1.5, U[int, str]), (None, U[int, str]), (1, int | None), ([1, None], List[Optional[int]]),
        ([1], (List[int], str)), ("x", (int, list)), (1, (int, list)), (1, ()),
        # empty containers: True for any element type, with a warning
        ([], List[int]), ({}, Dict[str, int]), ((), Tuple[()]), ((), Tuple[int]), ({}, List[int]),
        ({"a": []}, Dict[str, List[int]]), ((1, []), Tuple[int, List[int]]), ([[1], []], List[List[int]]),
        # in a union, the first container type decides
        ("a", U[List[int], str]), ([1], U[str, List[int]]), ([], U[Dict[str, int], List[int]]),
        ({}, U[int, Dict[str, int]]), ([1], Optional[List[int]]), (1, Optional[List[int]]),
        # other generics are not TorchScript types
        ([1], __import__("typing").Sequence[int]), ({1}, __import__("typing").Set[int]),
        # errors
        ([1], list), ({}, Dict), ((1,), __import__("typing").Tuple), (1, __import__("typing").Optional),
        ([1], "List[int]"), (1, 3), ([1], List[Any]), ((1, 2), Tuple[int, ...]), ({(): 1}, Dict[Tuple[()], int]),
        (1, __import__("typing").Literal[1]), (1, Optional[List]),
    ]


def _isinstance_results(lib):
    out = []
    for obj, target in _isinstance_cases(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = lib.jit.isinstance(obj, target)
            except Exception as exc:  # noqa: BLE001 - the error is the result compared
                result = (type(exc), str(exc))
        out.append((result, [(w.category, str(w.message)) for w in caught]))
    return out


def test_isinstance_matches_torch(torch):
    got, want = _isinstance_results(ember), _isinstance_results(torch)
    for case, g, w in zip(_isinstance_cases(ember), got, want):
        assert g == w, case


def test_future_matches_torch(torch):
    def run(lib):
        out = []
        fut = lib.jit.Future()
        out.append(fut.done())
        doubled = fut.then(lambda f: f.wait() * 2)
        seen = []
        fut.add_done_callback(lambda f: seen.append(f.value()))
        fut.set_result(21)
        out += [fut.done(), fut.wait(), fut.value(), doubled.wait(), seen]
        for act in (lambda: fut.set_result(1), lambda: lib.jit.Future().set_exception(3)):
            with pytest.raises(Exception) as err:
                act()
            out.append((type(err.value), str(err.value)))
        bad = lib.jit.Future()
        bad.set_exception(ValueError("boom"))
        for act in (bad.wait, bad.value):
            with pytest.raises(ValueError, match="boom"):
                act()
        failing = fut.then(lambda f: 1 / 0)
        with pytest.raises(RuntimeError) as err:
            failing.wait()
        out.append(str(err.value).splitlines()[0])
        fut.add_done_callback(lambda f: 1 / 0)  # logged, not raised
        out.append(lib.jit.wait(lib.jit.fork(lambda a, b=0: a + b, 1, b=2)))
        with pytest.raises(ZeroDivisionError):
            lib.jit.fork(lambda: 1 / 0)
        return out

    assert run(ember) == run(torch)
    assert ember.jit.Future[int] is not None and isinstance(ember.jit.fork(abs, -1), ember.jit.Future)


def test_future_completed_from_another_thread():
    import threading
    fut = ember.jit.Future()
    with pytest.raises(RuntimeError):
        fut.value()
    threading.Timer(0.01, fut.set_result, args=("late",)).start()
    assert fut.wait() == "late"


def test_jit_eager_extras_match_torch(torch):
    for lib in (torch, ember):
        j = lib.jit
        assert issubclass(j.Error, Exception) and issubclass(j.ScriptWarning, Warning)
        assert issubclass(j.TracerWarning, Warning) and issubclass(j.TracedModule, j.ScriptModule)
        assert j.onednn_fusion_enabled() is False
        j.enable_onednn_fusion(True)
        assert j.onednn_fusion_enabled() is True
        j.enable_onednn_fusion(False)
        old = j.set_fusion_strategy([("DYNAMIC", 3)])
        assert old == [("STATIC", 2), ("DYNAMIC", 10)] and j.set_fusion_strategy(old) == [("DYNAMIC", 3)]
        with pytest.raises(ValueError, match="FusionBehavior only supported 'STATIC' or 'DYNAMIC', got: FOO"):
            j.set_fusion_strategy([("FOO", 1)])
        with pytest.warns(UserWarning, match="Only works in script mode"):
            with j.strict_fusion():
                pass
        with j.optimized_execution(False), j.fuser("fuser1"), j.fuser("none"):
            pass
        with pytest.raises(Exception, match=r"unrecognized fuser option \(name: bogus\)"):
            with j.fuser("bogus"):
                pass
        assert j.last_executed_optimized_graph() is None
    f = lambda x: x  # noqa: E731
    assert ember.jit.script_method(f) is f  # (torch's compiles a method's source: not comparable on a lambda)
    for args in (("graph diff", "tensor diff"), (None, "a\nb", "extra"), ("g", None)):
        assert ember.jit.TracingCheckError(*args).args == torch.jit.TracingCheckError(*args).args
    net = ember.nn.Linear(2, 2)
    ember.jit._warned.clear()
    with pytest.warns(UserWarning, match="trace_module returns its argument unchanged"):
        assert ember.jit.trace_module(net, {"forward": ember.ones(1, 2)}) is net
    with pytest.raises(NotImplementedError, match="no TorchScript"):
        ember.jit.CompilationUnit()
