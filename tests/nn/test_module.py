"""nn.Module and nn.Parameter against PyTorch: registration, traversal, state_dict, modes, conversion, hooks,
printing, copying."""

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as enn
from ember.nn import Buffer, Parameter
from tests._helpers import sweep_outcome


def _to_ember_sd(sd):
    return OrderedDict((k, ember.tensor(v.detach().numpy())) for k, v in sd.items())


def _err(fn):
    try:
        fn()
    except BaseException as e:  # noqa: BLE001 - we compare exception type and text
        return type(e).__name__, str(e)
    return None


def _net_classes(nn, lib):
    """The same small nested net, written once against either library."""

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.register_buffer("count", lib.zeros(1))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)

        def forward(self, x):
            return self.fc(x) + self.count

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(lib.ones(1))
            self.body = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), Block())
            self.heads = nn.ModuleList([nn.Linear(3, 2), nn.Linear(3, 2)])
            self.skip = None

        def forward(self, x):
            h = self.body(x) * self.scale
            return self.heads[0](h) + self.heads[1](h)

    return Net


@pytest.fixture
def nets(torch):
    t_net = _net_classes(torch.nn, torch)()
    e_net = _net_classes(enn, ember)()
    e_net.load_state_dict(_to_ember_sd(t_net.state_dict()))
    return t_net, e_net


# ---------------------------------------------------------------------------------------------- Parameter
def test_parameter_repr_and_flags(torch):
    p = Parameter(ember.tensor([1.0, 2.0]))
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    q = Parameter(ember.tensor([1.0, 2.0]), requires_grad=False)
    assert repr(q) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0]), requires_grad=False))
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    assert type(p * 2) is ember.Tensor and type(p.detach()) is ember.Tensor
    assert repr(Parameter()) == repr(torch.nn.Parameter())


def test_parameter_shares_data_and_rejects_ints(torch):
    t = ember.zeros(3)
    p = Parameter(t)
    t.add_(1)
    assert p.tolist() == [1.0, 1.0, 1.0]
    assert _err(lambda: Parameter(ember.tensor([1, 2]))) == _err(lambda: torch.nn.Parameter(torch.tensor([1, 2])))


def test_parameter_deepcopy_and_pickle():
    p = Parameter(ember.tensor([1.0, 2.0]))
    p.grad = ember.tensor([0.5, 0.5])
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is Parameter and q.requires_grad
        assert q.tolist() == [1.0, 2.0]
        q.data.mul_(0)
        assert p.tolist() == [1.0, 2.0]
    # as PyTorch: a Parameter's deep copy (so a deep-copied model) has no .grad; a plain leaf tensor's keeps it
    torch = pytest.importorskip("torch")
    tp = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    tp.grad = torch.tensor([0.5, 0.5])
    assert copy.deepcopy(p).grad is None and copy.deepcopy(tp).grad is None
    t = ember.tensor([1.0, 2.0], requires_grad=True)
    t.grad = ember.tensor([0.5, 0.5])
    assert copy.deepcopy(t).grad.tolist() == [0.5, 0.5]
    frozen = pickle.loads(pickle.dumps(Parameter(ember.ones(2), requires_grad=False)))
    assert not frozen.requires_grad


def test_parameter_pickle_drops_grad_keeps_attributes(torch):
    # as PyTorch: pickling a Parameter (or a module holding it) leaves .grad behind; user attributes travel
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        p.grad = lib.tensor([0.5, 0.5])
        p.tag = "w"
        q = pickle.loads(pickle.dumps(p))
        assert q.grad is None and q.tag == "w" and q.requires_grad, lib.__name__
        q.sum().backward()
        assert q.grad.tolist() == [1.0, 1.0]
        lin = lib.nn.Linear(2, 2)
        lin(lib.ones(1, 2)).sum().backward()
        assert pickle.loads(pickle.dumps(lin)).weight.grad is None, lib.__name__


def test_buffer_assignment_registers():
    m = enn.Module()
    m.stats = Buffer(ember.zeros(2))
    m.tmp = Buffer(ember.ones(1), persistent=False)
    assert list(dict(m.named_buffers())) == ["stats", "tmp"]
    assert list(m.state_dict()) == ["stats"]
    m.stats = ember.ones(2)  # plain tensors may replace a registered buffer
    assert m.stats.tolist() == [1.0, 1.0]


def test_uninitialized_parameter_materializes():
    u = enn.UninitializedParameter()
    assert repr(u) == "<UninitializedParameter>"
    u.materialize((2, 3))
    assert type(u) is Parameter and u.shape == (2, 3) and u.dtype == ember.float32


# ---------------------------------------------------------------------------------------------- structure
def test_names_and_state_dict_keys_match_torch(nets):
    t_net, e_net = nets
    assert [n for n, _ in e_net.named_parameters()] == [n for n, _ in t_net.named_parameters()]
    assert [n for n, _ in e_net.named_buffers()] == [n for n, _ in t_net.named_buffers()]
    assert list(e_net.state_dict()) == list(t_net.state_dict())
    assert e_net.state_dict()._metadata == t_net.state_dict()._metadata
    assert [n for n, _ in e_net.named_modules()] == [n for n, _ in t_net.named_modules()]
    assert [n for n, _ in e_net.named_children()] == [n for n, _ in t_net.named_children()]
    assert len(list(e_net.parameters())) == len(list(t_net.parameters()))
    assert [n for n, _ in e_net.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in e_net.named_parameters(prefix="m")][0] == "m.scale"


def test_forward_and_grads_match_torch(nets, torch):
    t_net, e_net = nets
    x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    t_out, e_out = t_net(torch.from_numpy(x)), e_net(ember.from_numpy(x))
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(1).standard_normal(tuple(t_out.shape)).astype("float32")
    (t_out * torch.from_numpy(g)).sum().backward()
    (e_out * ember.from_numpy(g)).sum().backward()
    t_params = dict(t_net.named_parameters())
    for name, p in e_net.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), rtol=1e-4, atol=1e-5)


def test_state_dict_values_share_memory_and_detach(nets):
    _, e_net = nets
    sd = e_net.state_dict()
    assert not sd["scale"].requires_grad and type(sd["scale"]) is ember.Tensor
    sd["scale"].fill_(3.0)
    assert e_net.scale.item() == 3.0
    kept = e_net.state_dict(keep_vars=True)
    assert kept["scale"] is e_net.scale


def test_shared_modules_and_parameters_are_deduplicated(torch):
    for nn in (torch.nn, enn):
        lin = nn.Linear(2, 2)
        seq = nn.Sequential(lin, lin)
        assert len(list(seq.parameters())) == 2
        assert len(list(seq.modules())) == 2
        assert len(list(seq.named_modules(remove_duplicate=False))) == 3
        assert [n for n, _ in seq.named_parameters(remove_duplicate=False)] == \
            ["0.weight", "0.bias", "1.weight", "1.bias"]
        assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_load_state_dict_errors_match_torch(nets, torch):
    t_net, e_net = nets
    bad_t = {"body.0.weight": torch.zeros(3, 3), "extra": torch.zeros(1), "junk.x": 1}
    bad_e = {"body.0.weight": ember.zeros(3, 3), "extra": ember.zeros(1), "junk.x": 1}
    t_msg = _err(lambda: t_net.load_state_dict(bad_t))
    e_msg = _err(lambda: e_net.load_state_dict(bad_e))
    assert e_msg[0] == t_msg[0] == "RuntimeError"
    assert e_msg[1] == t_msg[1].replace("torch.Size", "ember.Size")
    assert e_msg[1].startswith("Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: ")
    assert repr(e_net.load_state_dict(e_net.state_dict())) == "<All keys matched successfully>"
    t_res = t_net.load_state_dict({"scale": torch.ones(1), "nope": torch.ones(1)}, strict=False)
    e_res = e_net.load_state_dict({"scale": ember.ones(1), "nope": ember.ones(1)}, strict=False)
    assert repr(e_res) == repr(t_res)
    assert e_res.missing_keys == t_res.missing_keys and e_res.unexpected_keys == t_res.unexpected_keys
    assert _err(lambda: e_net.load_state_dict([1])) == _err(lambda: t_net.load_state_dict([1]))


def test_load_state_dict_copies_in_place_or_assigns():
    m = enn.Linear(2, 2)
    w = m.weight
    m.load_state_dict({"weight": ember.ones(2, 2), "bias": ember.zeros(2)})
    assert m.weight is w and m.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    new_w = ember.full((2, 2), 5.0)
    m.load_state_dict({"weight": new_w, "bias": ember.zeros(2)}, assign=True)
    assert m.weight is not w and isinstance(m.weight, Parameter) and m.weight.requires_grad
    assert m.weight.tolist() == [[5.0, 5.0], [5.0, 5.0]]


def test_registration_errors_match_torch(torch):
    def cases(nn, lib):
        m = nn.Module()
        m.register_buffer("buf", lib.zeros(1))
        m.sub = nn.Linear(1, 1)
        return [
            lambda: m.register_buffer("a.b", None), lambda: m.register_buffer("", None),
            lambda: m.register_buffer("sub", None), lambda: m.register_buffer(1, None),
            lambda: m.register_buffer("z", 3), lambda: m.register_parameter("z", lib.zeros(1)),
            lambda: m.register_parameter("a.b", None), lambda: m.register_parameter("", None),
            lambda: m.add_module("z", 3), lambda: m.add_module("a.b", None), lambda: m.add_module("", None),
            lambda: m.add_module("buf", None), lambda: setattr(m.sub, "weight", lib.zeros(1, 1)),
            lambda: setattr(m, "sub", lib.zeros(1)), lambda: setattr(m, "buf", 3), lambda: m.train(1),
            lambda: m.foo, lambda: m.get_submodule("sub.x"), lambda: m.get_submodule("buf"),
            lambda: m.get_parameter("buf"), lambda: m.get_parameter("sub.x"), lambda: nn.Module()(1),
            lambda: m.to(lib.int64), lambda: m.cuda(),
        ]

    for e_case, t_case in zip(cases(enn, ember), cases(torch.nn, torch)):
        e, t = _err(e_case), _err(t_case)
        assert t is not None
        assert e == t, (e, t)


def test_non_leaf_parameter_and_early_assignment_errors():
    m = enn.Module()
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' object to parameter 'z'"):
        m.register_parameter("z", ember.zeros(1, requires_grad=True) * 2)

    class Early(enn.Module):
        def __init__(self):
            self.w = Parameter(ember.zeros(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()


def test_get_submodule_and_parameter(nets):
    _, e_net = nets
    assert e_net.get_submodule("body.2.fc") is e_net.body[2].fc
    assert e_net.get_submodule("") is e_net
    assert e_net.get_parameter("body.2.fc.bias") is e_net.body[2].fc.bias
    assert e_net.get_buffer("body.2.count") is e_net.body[2].count


def test_delattr_and_none_entries():
    m = enn.Linear(2, 2)
    del m.bias
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    with pytest.raises(AttributeError):
        m.bias
    m.register_parameter("bias", None)
    assert m.bias is None and list(m.state_dict()) == ["weight"]


# ---------------------------------------------------------------------------------------------- modes and grads
def test_train_eval_propagate(nets):
    _, e_net = nets
    assert e_net.training
    assert e_net.eval() is e_net
    assert not any(m.training for m in e_net.modules())
    e_net.train()
    assert all(m.training for m in e_net.modules())


def test_zero_grad_and_requires_grad(nets):
    _, e_net = nets
    e_net(ember.randn(2, 4)).sum().backward()
    e_net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in e_net.parameters())
    e_net.zero_grad()
    assert all(p.grad is None for p in e_net.parameters())
    e_net.requires_grad_(False)
    assert not any(p.requires_grad for p in e_net.parameters())


def test_apply_visits_children_first(torch):
    orders = []
    for nn in (torch.nn, enn):
        seen = []
        net = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.Linear(1, 1), nn.ReLU()))
        assert net.apply(lambda m, seen=seen: seen.append(type(m).__name__)) is net
        orders.append(seen)
    assert orders[0] == orders[1]


# ---------------------------------------------------------------------------------------------- conversion
def test_to_and_dtype_casts_keep_parameter_objects(nets):
    _, e_net = nets
    w = e_net.heads[0].weight
    e_net(ember.randn(2, 4)).sum().backward()
    assert e_net.to(ember.float64) is e_net
    assert e_net.heads[0].weight is w and w.dtype == ember.float64 and isinstance(w, Parameter)
    assert w.grad.dtype == ember.float64
    assert e_net.body[2].count.dtype == ember.float64
    assert e_net(ember.randn(2, 4, dtype=ember.float64)).dtype == ember.float64
    e_net.float()
    assert all(p.dtype == ember.float32 for p in e_net.parameters())
    e_net.half()
    assert w.dtype == ember.float16
    e_net.double()
    assert w.dtype == ember.float64
    e_net.type(ember.float32)
    assert w.dtype == ember.float32
    assert e_net.to("cpu") is e_net and e_net.cpu() is e_net
    e_net.to(ember.zeros(1, dtype=ember.float64))
    assert w.dtype == ember.float64


def test_to_leaves_integer_buffers():
    m = enn.Module()
    m.register_buffer("n", ember.tensor([3]))
    m.to(ember.float64)
    assert m.n.dtype == ember.int64


# ---------------------------------------------------------------------------------------------- hooks
def test_forward_hooks_modify_args_and_output():
    m = enn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: out + 1)
    m.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
    out = m(ember.randn(3, 2))
    np.testing.assert_allclose(out.detach().numpy(), (m.bias + 1).detach().numpy()[None].repeat(3, 0), rtol=1e-6)
    assert calls == ["first"]
    h1.remove()
    h2.remove()
    x = ember.randn(3, 2)
    np.testing.assert_allclose(m(x).detach().numpy(), (x @ m.weight.t() + m.bias).detach().numpy(), rtol=1e-6)


def test_forward_hooks_with_kwargs():
    class Scale(enn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    seen = {}
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.update(kwargs), with_kwargs=True)
    assert m(ember.ones(2), factor=2.0).tolist() == [3.0, 3.0]
    assert seen == {"factor": 3.0}


def test_handle_context_manager_removes_hook():
    m = enn.Linear(2, 2)
    with m.register_forward_hook(lambda mod, a, o: o * 0):
        assert not m(ember.ones(1, 2)).any()
    assert m(ember.ones(1, 2)).abs().sum() > 0


def test_full_backward_hooks_match_torch(torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype("float32")
    results = []
    t_sd = torch.nn.Linear(4, 2).state_dict()
    for nn, lib in ((torch.nn, torch), (enn, ember)):
        m = nn.Linear(4, 2)
        m.load_state_dict(t_sd if lib is torch else _to_ember_sd(t_sd))
        rec = {}

        def pre(mod, grad_out, rec=rec):
            rec["pre"] = [g.numpy().copy() for g in grad_out]
            return (grad_out[0] * 2,)

        def post(mod, grad_in, grad_out, rec=rec):
            rec["in"] = [g.numpy().copy() for g in grad_in]
            rec["out"] = [g.numpy().copy() for g in grad_out]
            return (grad_in[0] + 1,)

        m.register_full_backward_pre_hook(pre)
        m.register_full_backward_hook(post)
        xt = lib.from_numpy(x.copy()).requires_grad_(True)
        m(xt).sum().backward()
        rec["x.grad"] = xt.grad.numpy().copy()
        rec["w.grad"] = m.weight.grad.numpy().copy()
        results.append(rec)
    t, e = results
    for key in ("pre", "in", "out"):
        assert len(e[key]) == len(t[key])
        for a, b in zip(e[key], t[key]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e["x.grad"], t["x.grad"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e["w.grad"], t["w.grad"], rtol=1e-5, atol=1e-6)


def test_full_backward_hook_without_input_grad(torch):
    for nn, lib in ((torch.nn, torch), (enn, ember)):
        m = nn.Linear(2, 2)
        seen = []
        m.register_full_backward_hook(lambda mod, gi, go, seen=seen: seen.append((gi, len(go))))
        with pytest.warns(UserWarning, match="Full backward hook is firing"):
            m(lib.ones(1, 2)).sum().backward()
        assert seen == [((None,), 1)]


# ---------------------------------------------------------------------------------------------- printing
def test_repr_matches_torch(nets):
    t_net, e_net = nets
    assert repr(e_net) == repr(t_net).replace("torch.", "ember.")
    assert repr(enn.Module()) == "Module()"


def test_extra_repr_multiline():
    class Multi(enn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(Multi()) == "Multi(\n  a=1\n  b=2\n)"


def test_lenet5_repr_matches_torch(torch):
    if not hasattr(enn, "Conv2d") or not hasattr(enn, "MaxPool2d"):
        pytest.skip("Conv2d/MaxPool2d not available yet")

    def lenet(nn):
        class LeNet5(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(
                    nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                )
                self.classifier = nn.ModuleList([nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)])
                self.flatten = nn.Flatten()

            def forward(self, x):
                x = self.flatten(self.features(x))
                for i, fc in enumerate(self.classifier):
                    x = fc(x)
                    if i < 2:
                        x = x.relu()
                return x

        return LeNet5()

    t_net, e_net = lenet(torch.nn), lenet(enn)
    assert repr(e_net) == repr(t_net).replace("torch.", "ember.")
    assert list(e_net.state_dict()) == list(t_net.state_dict())
    e_net.load_state_dict(_to_ember_sd(t_net.state_dict()))
    x = np.random.default_rng(0).standard_normal((2, 1, 28, 28)).astype("float32")
    np.testing.assert_allclose(e_net(ember.from_numpy(x)).detach().numpy(),
                               t_net(torch.from_numpy(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_dir_lists_registered_names(nets):
    _, e_net = nets
    names = dir(e_net)
    assert {"scale", "body", "heads", "forward", "state_dict"} <= set(names)


# ---------------------------------------------------------------------------------------------- copying
class PicklableNet(enn.Module):
    """Defined at module level so pickle can find the class."""

    def __init__(self):
        super().__init__()
        self.scale = Parameter(ember.ones(1))
        self.body = enn.Sequential(enn.Linear(4, 3), enn.ReLU())
        self.register_buffer("count", ember.zeros(1))

    def forward(self, x):
        return self.body(x) * self.scale + self.count


def test_deepcopy_and_pickle_roundtrip():
    e_net = PicklableNet()
    x = ember.randn(2, 4)
    expected = e_net(x).detach().numpy()
    for clone in (copy.deepcopy(e_net), pickle.loads(pickle.dumps(e_net))):
        assert type(clone) is PicklableNet
        np.testing.assert_allclose(clone(x).detach().numpy(), expected, rtol=1e-6)
        assert clone.scale is not e_net.scale and isinstance(clone.scale, Parameter)
        assert list(clone.state_dict()) == list(e_net.state_dict())
        with ember.no_grad():
            clone.scale.fill_(0.0)
        assert e_net.scale.item() != 0.0


def test_setstate_fills_missing_hook_dicts():
    m = enn.Linear(2, 2)
    state = m.__getstate__()
    del state["_forward_hooks"]
    fresh = enn.Linear.__new__(enn.Linear)
    fresh.__setstate__(state)
    assert fresh(ember.ones(1, 2)).shape == (1, 2)


def test_always_call_forward_hook_runs_when_forward_raises(torch):
    for nn in (torch.nn, enn):
        class Boom(nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        m = Boom()
        seen = []
        m.register_forward_hook(lambda mod, args, out, seen=seen: seen.append(out), always_call=True)
        m.register_forward_hook(lambda mod, args, out, seen=seen: seen.append("plain"))
        with pytest.raises(ValueError, match="boom"):
            m(1)
        assert seen == [None]


# ------------------------------------------------------------------- fast attribute lookup and hook fast path
def test_state_attr_shortcut_resolves_like_getattr():
    class Net(enn.Module):
        def __init__(self):
            super().__init__()
            self.fc = enn.Linear(3, 2)
            self.scale = Parameter(ember.ones(1))
            self.register_buffer("stat", ember.zeros(2))

        def forward(self, x):
            return self.fc(x) * self.scale + self.stat

    a, b = Net(), Net()
    x = ember.randn(4, 3)
    for _ in range(2):  # the first lookups install the class shortcuts, the second use them
        assert a.fc is a._modules["fc"] and a.scale is a._parameters["scale"] and a.stat is a._buffers["stat"]
        assert b.fc is not a.fc
    assert ember.allclose(a(x), a.fc(x) * a.scale + a.stat)
    # Class-level access still fails as in torch; dir() of the class does not grow instance names.
    with pytest.raises(AttributeError):
        Net.fc
    assert not hasattr(Net, "scale")
    # Replacing, deleting, shadowing and re-registering behave as without the shortcut.
    new_fc = enn.Linear(3, 2)
    a.fc = new_fc
    assert a.fc is new_fc
    del a.scale
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'scale'"):
        a.scale
    assert b.scale is b._parameters["scale"]
    a.scale = 5.0  # a plain attribute now
    assert a.scale == 5.0 and "scale" not in a._parameters
    a._parameters["scale"] = Parameter(ember.ones(1))  # the instance attribute still wins, as in torch
    assert a.scale == 5.0
    del a.__dict__["scale"]
    assert a.scale is a._parameters["scale"]
    b._buffers["stat"] = None
    assert b.stat is None
    assert "scale" in dir(b) and "stat" in dir(b)
    c = enn.Linear(2, 2, bias=False)
    assert c.bias is None
    # A copy / pickle round trip keeps working through the shortcut.
    seq = enn.Sequential(enn.Linear(2, 2))
    assert seq[0].weight is seq[0]._parameters["weight"]
    d = pickle.loads(pickle.dumps(seq))
    assert d[0].weight is d[0]._parameters["weight"] and d[0].weight is not seq[0].weight
    e = copy.deepcopy(b)
    assert e.fc is e._modules["fc"] and e.fc is not b.fc


def test_hooks_added_after_calls_fire_and_removal_restores_plain_call():
    m = enn.Linear(3, 2)
    x = ember.randn(2, 3)
    with ember.no_grad():
        plain = m(x)
    seen = []
    h1 = m.register_forward_pre_hook(lambda mod, args: seen.append("pre"))
    h2 = m.register_forward_hook(lambda mod, args, out: out * 2)
    with ember.no_grad():
        doubled = m(x)
    assert seen == ["pre"] and ember.equal(doubled, plain * 2)
    h1.remove()
    h2.remove()
    with ember.no_grad():
        again = m(x)
    assert seen == ["pre"] and ember.equal(again, plain)


def test_state_attr_shortcut_respects_custom_getattr_in_subclasses():
    class Base(enn.Module):
        def __init__(self):
            super().__init__()
            self.w = Parameter(ember.ones(2))

    class Doubling(Base):
        def __getattr__(self, name):
            value = super().__getattr__(name)
            return value * 2 if name == "w" else value

    base, dbl = Base(), Doubling()
    for _ in range(2):
        assert base.w is base._parameters["w"]
        assert np.array_equal(dbl.w.detach().numpy(), [2.0, 2.0])
    assert "w" in vars(Base) and "w" not in vars(Doubling)




def test_forgotten_super_init_call_raises_attribute_error(torch):
    def run(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                self.a = 1

            def forward(self, x):
                return x
        return sweep_outcome(lambda: Net()(lib.ones(1)))
    assert run(ember) == run(torch) == ("AttributeError", "'Net' object has no attribute '_backward_hooks'")


@pytest.mark.parametrize("value", ["lib.nn.Linear(2, 2)", "3", "[1]"])
def test_assign_non_parameter_message(torch, value):
    def run(lib):
        m = lib.nn.Linear(2, 2)
        return sweep_outcome(lambda: setattr(m, "weight", eval(value, {"lib": lib})))
    assert run(ember) == run(torch)


def test_keyword_only_device_is_not_read_from_positional_arguments():
    # a module whose `device` follows *args: a positional "meta" is one of its args, not the device
    class Named(enn.Module):
        def __init__(self, *names, device=None):
            super().__init__()
            self.names = names
            self.lin = enn.Linear(2, 2)

    assert Named("a", "meta").lin.weight.device.type == "cpu"
    assert Named("a", device="meta").lin.weight.device.type == "meta"


@pytest.mark.parametrize("make, target", [
    (lambda m: m.nn.Linear(2, 3), lambda m: (m.complex64,)),
    (lambda m: m.nn.Linear(2, 3), lambda m: ("cpu", m.complex128)),
    (lambda m: m.nn.BatchNorm1d(2), lambda m: (m.zeros(1, dtype=m.complex64),)),
    (lambda m: m.nn.Linear(2, 3).to(m.complex64), lambda m: (m.float64,)),
    (lambda m: m.nn.Linear(2, 3), lambda m: (m.zeros(1, dtype=m.int64),)),
])
def test_module_to_complex_matches_torch(make, target):
    # floating (and complex) parameters and buffers take a complex dtype, with PyTorch's warning; integer buffers
    # keep theirs
    import warnings
    torch = pytest.importorskip("torch")

    def run(m):
        m.manual_seed(0)
        module = make(m)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                module.to(*target(m))
            except TypeError as exc:
                return "TypeError", str(exc).replace("ember.", "torch.")
        tensors = list(module.parameters()) + list(module.buffers())
        return ([str(t.dtype).split(".")[1] for t in tensors], [type(t).__name__ for t in tensors],
                [t.requires_grad for t in tensors], [str(x.message) for x in w if "Complex modules" in str(x.message)])

    ember_out, torch_out = run(ember), run(torch)
    assert ember_out == torch_out
