"""ember.nn.utils.stateless.functional_call (and ember.func.functional_call, which it equals for one dict): the
module called with swapped parameters and buffers, side by side with torch."""

import warnings

import numpy as np
import pytest

import ember

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 2)).astype("float32")
W = RNG.standard_normal((2, 2)).astype("float32")


def _seq(m):
    return m.nn.Sequential(m.nn.Linear(2, 2), m.nn.BatchNorm1d(2))


def _tied(m):
    class Tied(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = m.nn.Linear(2, 2)
            self.b = m.nn.Linear(2, 2)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))

    return Tied()


def _twin(torch, make):
    t, e = make(torch), make(ember)
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return t, e


def _fc(m):
    return m.func.functional_call


CASES = {
    "one-arg": (_seq, lambda m, n, w, x: _fc(m)(n, {"0.weight": w}, x)),
    "tuple-args": (_seq, lambda m, n, w, x: _fc(m)(n, {"0.weight": w}, (x,))),
    "kwargs": (_seq, lambda m, n, w, x: _fc(m)(n, {"0.weight": w}, x, {"foo": 1})),
    "no-args": (_tied, lambda m, n, w, x: _fc(m)(n, {"a.weight": w})),
    "strict-unexpected-and-missing": (_seq, lambda m, n, w, x: _fc(m)(n, {"0.weight": w, "foo": w, "0.bar": w}, (x,),
                                                                      strict=True)),
    "strict-missing": (_seq, lambda m, n, w, x: _fc(m)(n, {"0.weight": w}, (x,), strict=True)),
    "unexpected-key-set-then-removed": (_seq, lambda m, n, w, x: (_fc(m)(n, {"0.weight": w, "foo": w}, (x,)),
                                                                  hasattr(n, "foo"))[1]),
    "unknown-submodule": (_seq, lambda m, n, w, x: _fc(m)(n, {"0.weight": w, "5.bar": w}, (x,))),
    "unknown-nested": (_seq, lambda m, n, w, x: _fc(m)(n, {"0.weight": w, "0.bar.baz": w}, (x,))),
    "not-a-tensor": (_seq, lambda m, n, w, x: _fc(m)(n, {"0.weight": 3}, (x,))),
    "wrong-shape": (_seq, lambda m, n, w, x: _fc(m)(n, {"0.weight": m.ones(3, 3)}, (x,))),
    "none-value": (_seq, lambda m, n, w, x: _fc(m)(n, {"0.bias": None}, (x,))),
    "restored-after": (_seq, lambda m, n, w, x: (_fc(m)(n, {"0.weight": w}, (x,)), n[0].weight)[1]),
    "bn-stats-go-to-passed-buffers": (_seq, lambda m, n, w, x: (lambda sd: (
        _fc(m)(n, sd, (x,)), sd["1.running_mean"], sd["1.num_batches_tracked"], n[1].running_mean)[1:])(
        {k: v.clone() for k, v in n.state_dict().items()})),
    "tied": (_tied, lambda m, n, w, x: _fc(m)(n, {"a.weight": w}, (x,))),
    "tied-untied": (_tied, lambda m, n, w, x: _fc(m)(n, {"a.weight": w}, (x,), tie_weights=False)),
    "tied-conflict": (_tied, lambda m, n, w, x: _fc(m)(n, {"a.weight": w, "b.weight": w * 2}, (x,))),
    "tied-same-tensor": (_tied, lambda m, n, w, x: _fc(m)(n, {"a.weight": w, "b.weight": w}, (x,))),
    "tied-equal-copy": (_tied, lambda m, n, w, x: _fc(m)(n, {"a.weight": w, "b.weight": w.clone()}, (x,))),
    "tied-both-untied": (_tied, lambda m, n, w, x: _fc(m)(n, {"a.weight": w, "b.weight": w * 2}, (x,),
                                                          tie_weights=False)),
    "tied-strict-other-name": (_tied, lambda m, n, w, x: _fc(m)(n, {"b.weight": w}, (x,), strict=True)),
    "tied-strict-untied": (_tied, lambda m, n, w, x: _fc(m)(n, {"a.weight": w, "a.bias": w[0], "b.bias": w[0]}, (x,),
                                                            strict=True, tie_weights=False)),
    "tied-strict-complete": (_tied, lambda m, n, w, x: _fc(m)(n, {"a.weight": w, "a.bias": w[0], "b.bias": w[0]},
                                                              (x,), strict=True)),
    "tied-names-unchanged": (_tied, lambda m, n, w, x: (_fc(m)(n, {"a.weight": w}, (x,)),
                                                        sorted(dict(n.named_parameters())))[1]),
    "stateless": (_tied, lambda m, n, w, x: m.nn.utils.stateless.functional_call(n, {"a.weight": w}, (x,))),
    "stateless-tuple-of-dicts": (_tied, lambda m, n, w, x: m.nn.utils.stateless.functional_call(n, ({"a.weight": w},),
                                                                                                (x,))),
}


def _run(m, net, fn):
    try:
        return "ok", fn(m, net, m.tensor(W), m.tensor(X))
    except Exception as exc:  # noqa: BLE001 - compared with torch's
        return type(exc), str(exc).replace("torch.", "ember.")


def _assert_same(e, t):
    if hasattr(t, "detach"):
        assert tuple(e.shape) == tuple(t.shape) and e.requires_grad == t.requires_grad
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-5)
    elif isinstance(t, tuple):
        assert isinstance(e, tuple) and len(e) == len(t)
        for a, b in zip(e, t):
            _assert_same(a, b)
    else:
        assert e == t


@pytest.mark.parametrize("name", list(CASES))
def test_functional_call(torch, name):
    make, fn = CASES[name]
    t, e = _twin(torch, make)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        t_out, e_out = _run(torch, t, fn), _run(ember, e, fn)
    if t_out[0] != "ok":
        assert e_out[0] is t_out[0] and e_out[1] == t_out[1]
    else:
        assert e_out[0] == "ok", e_out
        _assert_same(e_out[1], t_out[1])


def test_stateless_is_deprecated():
    lin = ember.nn.Linear(2, 2)
    with pytest.warns(FutureWarning, match=r"`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch "
                                           r"2.0 .* Please use `torch.func.functional_call` instead"):
        ember.nn.utils.stateless.functional_call(lin, {"weight": ember.ones(2, 2)}, ember.ones(1, 2))


def test_restored_when_forward_raises(torch):
    for m in (torch, ember):
        net = _seq(m)
        weight, running = net[0].weight, net[1].running_mean
        net.register_forward_pre_hook(lambda *_: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            _fc(m)(net, {"0.weight": m.ones(2, 2), "1.running_mean": m.ones(2), "extra": m.ones(1)}, m.ones(4, 2))
        assert net[0].weight is weight and net[1].running_mean is running and not hasattr(net, "extra")
        assert isinstance(net[0].weight, m.nn.Parameter)


def test_bad_key_leaves_module_untouched():
    net = _seq(ember)
    weight = net[0].weight
    with pytest.raises(AttributeError, match="Sequential has no attribute `5`"):
        _fc(ember)(net, {"0.weight": ember.ones(2, 2), "5.bar": ember.ones(1)}, ember.ones(4, 2))
    assert net[0].weight is weight


def test_reassigned_buffer_written_back(torch):
    """A forward that replaces (not updates) a buffer: the new tensor goes into the caller's dict, as in torch."""
    def make(m):
        class Counter(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("count", m.zeros(()))

            def forward(self, x):
                self.count = self.count + 1
                return x * self.count

        return Counter()

    for m in (torch, ember):
        net = make(m)
        state = {"count": m.tensor(5.0)}
        assert _fc(m)(net, state, m.ones(2)).tolist() == [6.0, 6.0]
        assert state["count"].item() == 6.0 and net.count.item() == 0.0


def test_gradients_flow_to_passed_tensors(torch):
    up = RNG.standard_normal((4, 2)).astype("float32")
    grads = []
    for m, net in zip((torch, ember), _twin(torch, _tied)):
        w = m.tensor(W, requires_grad=True)
        b = m.tensor(W[0], requires_grad=True)
        out = _fc(m)(net, {"a.weight": w, "b.bias": b}, m.tensor(X))
        (out * m.tensor(up)).sum().backward()
        grads.append((w.grad.numpy(), b.grad.numpy(), net.a.bias.grad.numpy(), net.a.weight.grad))
    for e, t in zip(grads[1][:3], grads[0][:3]):
        np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-6)
    assert grads[1][3] is None and grads[0][3] is None  # the swapped-out parameter gets no gradient


def test_parametrized_module(torch):
    """The names of a parametrization's original tensor work as keys, as in torch."""
    outs = []
    for m in (torch, ember):
        lin = m.nn.Linear(2, 2)
        m.nn.utils.parametrize.register_parametrization(lin, "weight", _Double(m))
        key = "parametrizations.weight.original"
        assert key in dict(lin.named_parameters())
        outs.append(_fc(m)(lin, {key: m.tensor(W), "bias": m.zeros(2)}, m.tensor(X)).detach().numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-5, atol=1e-6)


def _Double(m):  # noqa: N802 - a module factory
    class Double(m.nn.Module):
        def forward(self, x):
            return x * 2

    return Double()


@pytest.mark.parametrize("values", [{"0.scale": 3.0}, {"0.scale": 3.0, "0.weight": 4}, {"0.weight": 4, "0.scale": 3.0},
                                    {"0.training": 1.0}, {"0.act": 1.0}, {"0.none": 1.0}, {"0.foo": 1.0}])
def test_functional_call_plain_attribute(torch, values):
    # a plain attribute may be swapped for a tensor only if it is one (or None); checked key by key
    def run(m):
        lin = m.nn.Linear(2, 2)
        lin.scale, lin.act, lin.none = 2.0, m.nn.ReLU(), None
        vals = {k: m.tensor(v) if isinstance(v, float) else v for k, v in values.items()}
        try:
            return tuple(m.func.functional_call(m.nn.Sequential(lin), vals, (m.ones(2),)).shape)
        except Exception as exc:  # noqa: BLE001 - the error itself is compared
            return type(exc).__name__, str(exc)
    assert run(ember) == run(torch)
