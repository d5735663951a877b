"""Lazy modules (ember/nn/modules/lazy.py, LazyLinear) on inputs PyTorch refuses, and the errors of calls with
missing or extra arguments: compared with torch."""

import re

import pytest

import ember


def _outcome(fn):
    """``fn()``'s result shape, or ``(error type name, message)``."""
    try:
        return tuple(fn().shape)
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        return type(exc).__name__, str(exc).replace("torch.Size", "ember.Size")


@pytest.mark.parametrize("name,shape", [
    ("LazyInstanceNorm1d", (3, 5)), ("LazyInstanceNorm2d", (3, 4, 4)), ("LazyInstanceNorm3d", (3, 2, 2, 2)),
    ("LazyInstanceNorm1d", (5,)), ("LazyBatchNorm1d", (5,)), ("LazyInstanceNorm2d", (3, 4)),
    ("LazyBatchNorm2d", (3, 4, 4)), ("LazyInstanceNorm1d", (2, 3, 5)),
])
def test_lazy_norm_reads_dim_1(torch, name, shape):
    # PyTorch takes num_features from dim 1 even for an unbatched input (channels first), which then fails the
    # channel check; a 1-D input fails reading it. The module keeps what it became.
    def run(m):
        mod = getattr(m.nn, name)()
        return _outcome(lambda: mod(m.rand(*shape))), type(mod).__name__, mod.num_features
    assert run(ember) == run(torch)


_CALLS = {
    "none": lambda mod, x: mod(),
    "two": lambda mod, x: mod(x, x),
    "keyword": lambda mod, x: mod(input=x),
}


@pytest.mark.parametrize("make", ["nn.LazyLinear(3)", "nn.LazyConv2d(3, 2)", "nn.LazyConvTranspose2d(3, 2)",
                                  "nn.LazyBatchNorm2d()", "nn.LazyInstanceNorm2d()"])
@pytest.mark.parametrize("call", list(_CALLS))
def test_lazy_call_argument_errors(torch, make, call):
    # PyTorch shapes the parameters in a forward pre-hook: argument errors name initialize_parameters
    def run(m):
        mod = eval(make, {"nn": m.nn})
        return _outcome(lambda: _CALLS[call](mod, m.rand(2, 3, 4, 4))), type(mod).__name__
    assert run(ember) == run(torch)


def test_lazy_conv_wrong_rank_message(torch):
    def run(m):
        return _outcome(lambda: m.nn.LazyConv2d(3, 2)(m.rand(2, 3)))
    assert run(ember) == run(torch)
    assert run(ember)[1].endswith("input of size: ember.Size([2, 3])")


def _err(fn):
    """``fn()``'s result, or ``(error type name, message)`` with ember's names as torch's."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        return type(exc).__name__, str(exc).replace("ember", "torch")


def _same(ours, theirs, names=True):
    ours, theirs = str(ours).replace("ember", "torch"), str(theirs)
    if not names:  # (PyTorch names some Python-level methods by their address)
        ours, theirs = (re.sub(r" in <[^>]*>", " in <>", t) for t in (ours, theirs))
    return ours == theirs


@pytest.mark.parametrize("make,ref", [("nn.LazyLinear(3)", "nn.Linear(5, 3)"),
                                      ("nn.LazyLinear(3, bias=False)", "nn.Linear(5, 3, bias=False)"),
                                      ("nn.LazyConv2d(4, 3)", "nn.Conv2d(2, 4, 3)"),
                                      ("nn.LazyLinear(3)", "nn.LazyLinear(3)")])
def test_lazy_load_state_dict_gives_shapes(torch, make, ref):
    # a checkpoint shapes the placeholders; the module turns into its plain class at the next call
    def run(m):
        mod = eval(make, {"nn": m.nn})
        sd = eval(ref, {"nn": m.nn}).state_dict()
        out = [str(_err(lambda: mod.load_state_dict(sd))), type(mod).__name__, repr(mod)]
        out += [(k, type(v).__name__, _err(lambda v=v: tuple(v.shape))) for k, v in mod.state_dict().items()]
        if "Lazy" not in ref:
            x = m.ones(2, 2, 5, 5) if "Conv" in make else m.ones(2, 5)
            out += [tuple(mod(x).shape), repr(mod)]
        return out
    assert _same(run(ember), run(torch))


_UNINIT_USES = ["w.shape", "w.numel()", "w + 1", "1 - w", "w * 2", "w[0]", "len(w)", "w.sum()", "w.detach()",
                "w.view(-1)", "w.dim()", "w.ndimension()", "w.zero_()", "w.type()", "w == 1", "w.share_memory_()",
                "w.dtype", "w.size()", "w.ndim", "w.device", "w.requires_grad", "w.is_floating_point()", "repr(w)",
                "repr(w.float())", "w.half().dtype", "hash(w) == hash(w)", "w.grad"]


@pytest.mark.parametrize("make,attr", [("nn.LazyLinear(3)", "weight"), ("nn.LazyBatchNorm1d()", "running_mean")])
@pytest.mark.parametrize("use", _UNINIT_USES)
def test_uninitialized_tensor_refuses_use(torch, make, attr, use):
    # PyTorch's placeholders tell dtype/device and convert, but refuse shape and values (no silent Size([0]))
    def run(m):
        w = getattr(eval(make, {"nn": m.nn}), attr)
        out = _err(lambda: eval(use, {"w": w}))
        return " | ".join(out) if isinstance(out, tuple) and isinstance(out[0], str) else str(out)
    assert _same(run(ember), run(torch), names=use not in ("1 - w", "len(w)"))


def test_lazy_parameter_count_raises(torch):
    def run(m):
        model = m.nn.Sequential(m.nn.LazyLinear(3), m.nn.ReLU(), m.nn.LazyLinear(2))
        return _err(lambda: sum(p.numel() for p in model.parameters()))
    assert _same(run(ember), run(torch))


@pytest.mark.parametrize("dtype,conv", [("float64", None), (None, "half"), (None, None)])
def test_lazy_dtype_carries_to_materialized(torch, dtype, conv):
    def run(m):
        mod = m.nn.LazyLinear(3, dtype=getattr(m, dtype) if dtype else None)
        if conv:
            mod = getattr(mod, conv)()
        x = m.ones(2, 4, dtype=mod.weight.dtype)
        return str(mod.weight.dtype), str(mod(x).dtype), str(mod.weight.dtype)
    assert _same(run(ember), run(torch))


@pytest.mark.parametrize("make,x", [("nn.LazyLinear(3, dtype=m.float64)", "m.ones(2, 4, dtype=m.float64)"),
                                    ("nn.LazyBatchNorm1d()", "m.ones(3, 2)")])
def test_lazy_module_deepcopy(torch, make, x):
    import copy

    def run(m):
        try:
            mod = copy.deepcopy(eval(make, {"nn": m.nn, "m": m}))
        except ValueError as exc:  # (PyTorch refuses to copy an uninitialized buffer)
            return "ValueError | " + str(exc)
        before = [(type(p).__name__, str(p.dtype), p.requires_grad) for p in mod.state_dict(keep_vars=True).values()]
        out = mod(eval(x, {"m": m}))
        return before, tuple(out.shape), type(mod).__name__, str(mod.weight.dtype), mod.weight.requires_grad
    assert _same(run(ember), run(torch), names=False)


LAZY_NAMES = ["LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
              "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
              "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


def test_lazy_module_mixin_and_is_lazy_as_torch(torch):
    from ember.nn.modules.lazy import LazyModuleMixin
    for name in LAZY_NAMES:
        assert issubclass(getattr(ember.nn, name), LazyModuleMixin) == \
            issubclass(getattr(torch.nn, name), torch.nn.modules.lazy.LazyModuleMixin), name
    assert isinstance(ember.nn.LazyLinear(3), LazyModuleMixin)
    assert "is_lazy" in ember.nn.parameter.__all__ and ember.nn.modules.lazy.is_lazy is ember.nn.parameter.is_lazy
    for lib in (ember, torch):
        m = lib.nn.LazyLinear(3)
        assert lib.nn.parameter.is_lazy(m.weight) and lib.nn.parameter.is_lazy(lib.nn.parameter.UninitializedBuffer())
        m(lib.ones(2, 4))
        assert not lib.nn.parameter.is_lazy(m.weight) and not lib.nn.parameter.is_lazy(lib.ones(2))


def _user_lazy(lib, init_params=True):
    class LazyScale(lib.nn.modules.lazy.LazyModuleMixin, lib.nn.Linear):
        cls_to_become = lib.nn.Linear

        def __init__(self, out_features):
            super().__init__(0, 0)
            self.out_features = out_features
            self.weight = lib.nn.UninitializedParameter()
            self.bias = lib.nn.UninitializedParameter()

        def initialize_parameters(self, x):
            if init_params and self.has_uninitialized_params():
                with lib.no_grad():
                    self.in_features = x.shape[-1]
                    self.weight.materialize((self.out_features, self.in_features))
                    self.bias.materialize((self.out_features,))
                    self.reset_parameters()
    return LazyScale


def test_user_defined_lazy_module_as_torch(torch):
    import warnings
    outs = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = _user_lazy(lib)(2)
        assert m.has_uninitialized_params()
        outs.append(m(lib.ones(1, 3)).detach().numpy())
        assert type(m) is lib.nn.Linear and not hasattr(m, "_initialize_hook")
    assert (outs[0] == outs[1]).all()
    for lib in (ember, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = _user_lazy(lib, init_params=False)(2)
        with pytest.raises(RuntimeError, match="module LazyScale has not been fully initialized"):
            m(lib.ones(1, 3))

        class NoInit(lib.nn.modules.lazy.LazyModuleMixin, lib.nn.Module):
            pass
        with pytest.raises(NotImplementedError, match="initialize_parameters is not implemented for NoInit"):
            NoInit()(lib.ones(1))
