"""ember.jit and ember.compiler: PyTorch's TorchScript / compiler names behave as in PyTorch's eager mode."""

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
    assert jit.freeze(net) is net and jit.optimize_for_inference(net) is net


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
    assert ember.compiler.compile(net) is net
    assert ember.compiler.list_backends() == []
