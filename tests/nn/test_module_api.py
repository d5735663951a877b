"""The less common parts of nn.Module's API against PyTorch: the attribute set, set_submodule, state-dict hook
return rules, load_state_dict(assign=True), to_empty, accelerator moves, compile and backward-hook getters."""

import pytest

import ember
from tests._helpers import error_of




def test_module_attributes_match_torch(torch):
    e, t = ember.nn.Module(), torch.nn.Module()
    # (names with three underscores are patched in by torch.compile once it has run in the session)
    assert {n for n in dir(t) if not n.startswith("___")} - set(dir(e)) == set()
    assert list(vars(e)) == list(vars(t))  # same instance state, in the same order
    assert e._compiled_call_impl is None and t._compiled_call_impl is None


@pytest.mark.parametrize("args", [("0", "ReLU"), ("1", "ReLU", True), ("", "ReLU"), ("0.x", "ReLU"),
                                  ("0.x", "ReLU", True), ("0", None), ("0", 3), ("2.0", "Tanh"), ("9.x", "ReLU"),
                                  ("foo", "ReLU"), ("0.weight", "ReLU"), ("5", "ReLU", True)])
def test_set_submodule_matches_torch(torch, args):
    def run(lib):
        nn = lib.nn
        net = nn.Sequential(nn.Linear(1, 1), nn.Linear(1, 1), nn.Sequential(nn.Linear(1, 1)))
        net.foo = 3
        target, mod, *strict = args
        mod = getattr(nn, mod)() if isinstance(mod, str) else mod
        err = error_of(lambda: net.set_submodule(target, mod, *strict))
        return err, [type(m).__name__ for m in net.modules()]

    assert run(ember) == run(torch)


def test_state_dict_post_hook_return_rules(torch):
    def run(lib):
        public = lib.nn.Linear(1, 1)
        public.register_state_dict_post_hook(lambda m, sd, prefix, meta: {"replaced": 1})
        private = lib.nn.Linear(1, 1)
        private._register_state_dict_hook(lambda m, sd, prefix, meta: {"replaced": 1})
        inplace = lib.nn.Linear(1, 1)
        inplace.register_state_dict_post_hook(lambda m, sd, prefix, meta: sd.update(extra=prefix))
        last = list(lib.nn.Sequential(inplace).state_dict().items())[-1]
        return error_of(public.state_dict), private.state_dict(), last

    assert run(ember) == run(torch)


def test_load_state_dict_post_hook_must_not_return(torch):
    def run(lib):
        lin = lib.nn.Linear(1, 1)
        lin.register_load_state_dict_post_hook(lambda m, keys: keys)
        return error_of(lambda: lin.load_state_dict(lin.state_dict()))

    assert run(torch) is not None
    assert run(ember) == run(torch)


def test_load_state_dict_assign_keeps_module_requires_grad(torch):
    def run(lib):
        lin = lib.nn.Linear(2, 2)
        lin.weight.requires_grad_(False)
        w = lib.nn.Parameter(lib.ones(2, 2))
        b = lib.zeros(2, dtype=lib.float64)
        lin.load_state_dict({"weight": w, "bias": b}, assign=True)
        return (lin.weight is w, lin.weight.requires_grad, type(lin.bias).__name__, lin.bias.requires_grad,
                str(lin.bias.dtype).split(".")[-1])

    assert run(ember) == run(torch)


def test_to_empty_keeps_parameters_and_shapes(torch):
    def run(lib):
        net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))
        w = net[0].weight
        res = net.to_empty(device="cpu")
        return (res is net, net[0].weight is w, [(n, tuple(p.shape), p.requires_grad) for n, p in
                                                 net.named_parameters()],
                [(n, str(b.dtype).split(".")[-1]) for n, b in net.named_buffers()],
                error_of(lambda: net.to_empty()), error_of(lambda: net.to_empty(device="cpu", recurse=False)))

    assert run(ember) == run(torch)


@pytest.mark.parametrize("method", ["xpu", "ipu", "mtia"])
@pytest.mark.parametrize("device", [None, 0, "cpu"])
def test_accelerator_moves_raise_like_torch(torch, method, device):
    def run(lib):
        err = error_of(lambda: getattr(lib.nn.Linear(1, 1), method)(*(() if device is None else (device,))))
        empty = lib.nn.Sequential()
        return err, getattr(empty, method)() is empty  # nothing to move: no error

    assert run(ember) == run(torch)


def test_compile_and_backward_hook_getters(torch):
    def run(lib):
        lin = lib.nn.Linear(2, 2)
        res = lin.compile(backend="eager")  # (no inductor build for the reference)
        lin.register_full_backward_hook(lambda *a: None)
        lin.register_full_backward_pre_hook(lambda *a: None)
        full, non_full = lin._get_backward_hooks()
        return (res, lin._compiled_call_impl is not None, tuple(lin(lib.ones(1, 2)).shape),
                tuple(lin._slow_forward(lib.ones(1, 2)).shape), len(full), len(non_full),
                len(lin._get_backward_pre_hooks()))

    assert run(ember) == run(torch)


def test_replicate_for_data_parallel(torch):
    def run(lib):
        m = lib.nn.Sequential(lib.nn.Linear(1, 1))
        m.foo = [1]
        r = m._replicate_for_data_parallel()
        return (type(r).__name__, r is m, r._parameters is m._parameters, r._modules is m._modules, r[0] is m[0],
                r.foo is m.foo, r._is_replica, getattr(m, "_is_replica", None), sorted(set(vars(r)) - set(vars(m))))

    assert run(ember) == run(torch)


def test_share_memory_goes_through_tensors():
    seen = []

    class T(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = ember.nn.Linear(1, 1)

        def _apply(self, fn, recurse=True):
            seen.append(fn)
            return super()._apply(fn, recurse)

    m = T()
    assert m.share_memory() is m and len(seen) == 1


def test_apply_converts_grad_in_place(torch):
    # half()/float() keep the Parameter and its .grad objects, converting both
    def run(m):
        lin = m.nn.Linear(2, 2)
        lin(m.ones(1, 2)).sum().backward()
        w, g = lin.weight, lin.weight.grad
        lin.half()
        first = (lin.weight is w, lin.weight.grad is g, str(g.dtype))
        lin.to(m.float64)
        return first, (lin.weight.grad is g, str(g.dtype)), g.tolist()
    e, t = run(ember), run(torch)
    assert str(e).replace("ember", "torch") == str(t)


def _registration_log(m):
    M = m.nn.modules.module
    nn, log = m.nn, []

    def hb(mod, n, v):
        log.append(("b", type(mod).__name__, n, type(v).__name__))
        return m.zeros(3) if n == "r" else None

    def hp(mod, n, v):
        log.append(("p", type(mod).__name__, n, type(v).__name__))
        return nn.Parameter(m.zeros(1)) if n == "bias" else None

    def hm(mod, n, v):
        log.append(("m", type(mod).__name__, n, type(v).__name__))
        return nn.Identity() if n == "z" else None

    handles = [M.register_module_buffer_registration_hook(hb), M.register_module_parameter_registration_hook(hp),
               M.register_module_module_registration_hook(hm)]
    try:
        lin = nn.Linear(2, 2)
        log.append(tuple(lin.bias.shape))
        lin.register_parameter("q", None)
        lin.weight = nn.Parameter(m.ones(1))
        lin.weight = None
        lin.nb = nn.Buffer(m.ones(2))
        s = nn.Sequential(nn.ReLU())
        s.x = nn.Tanh()
        s.x = None
        s.z = nn.ReLU()
        s.register_buffer("r", m.ones(1))
        log.append(tuple(s.r.shape))
        s.r = None
        s.r = m.ones(2)
        s.add_module("z", nn.ReLU())
        log.append((type(s.z).__name__, tuple(s.r.shape)))
        ml = nn.ModuleList([nn.ReLU()])
        ml.append(nn.ReLU())
        ml[0] = nn.ReLU()
        ml.extend([nn.ReLU()])
        d = nn.ModuleDict({"a": nn.ReLU()})
        d["b"] = nn.ReLU()
        nn.BatchNorm1d(2)
        log.append(type(handles[0]).__name__)
    finally:
        for h in handles:
            h.remove()
    nn.Linear(1, 1)  # (removed: not logged)
    return log


def test_global_registration_hooks(torch):
    assert _registration_log(ember) == _registration_log(torch)


@pytest.mark.parametrize("make", ["nn.Sequential(nn.ReLU)", "nn.ModuleList([nn.ReLU])", "nn.ModuleDict({'a': nn.ReLU})",
                                  "nn.ModuleList([nn.Module])", "nn.ModuleList([len])", "nn.ModuleList([[1]])",
                                  "nn.Linear(1, 1).add_module('x', int)", "nn.Sequential(m.ones(2))"])
def test_not_a_module_names_the_class(torch, make):
    def run(m):
        return error_of(lambda: eval(make, {"nn": m.nn, "m": m}))
    e, t = run(ember), run(torch)
    assert (e[0], e[1].replace("ember", "torch")) == t


def test_insert_non_module_names_the_class():
    # (PyTorch's ModuleList.insert takes anything; ember refuses a non-module with the constructor's message)
    assert error_of(lambda: ember.nn.ModuleList().insert(0, ember.nn.ReLU)) == (
        "TypeError", "torch.nn.modules.activation.ReLU is not a Module subclass")


def test_assign_meta_tensor_as_parameter_message(torch):
    def run(m):
        lin = m.nn.Linear(2, 2)
        return error_of(lambda: setattr(lin, "bias", m.ones(2, device="meta")))
    assert run(ember) == run(torch)


@pytest.mark.parametrize("args", [(), ({},), ({}, "p."), ({}, "p.", True)])
def test_state_dict_positional_args_warn(torch, args):
    import warnings

    def run(m):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            keys = list(m.nn.Linear(1, 1).state_dict(*args))
        return keys, [(x.category.__name__, str(x.message), x.filename == __file__) for x in w]
    assert run(ember) == run(torch)


_TO_CALLS = ["('cpu', 'x')", "(1, 2, 3, 4)", "('cpu',)", "(m.float64,)", "('cpu', m.float64)", "(m.float64, True)",
             "(m.float64, True, False)", "('cpu', m.float32, True, False, 1)", "(m.ones(1),)", "(m.ones(1), True)",
             "(m.ones(1), 'cpu')", "(None,)", "(None, m.float32)", "(m.float32, 'cpu')", "(True,)", "(float,)",
             "(3.0,)", "([1],)", "(m.float32, m.float32)", "('cpu', m.float32, 1)", "(m.float32, 1)",
             "{'copy': False}", "{'non_blocking': 1}", "{'foo': 1}", "{'dtype': 'x'}", "{'device': 3.0}",
             "{'tensor': m.ones(1, dtype=m.float64)}", "{'tensor': m.ones(1), 'dtype': m.float64}",
             "{'memory_format': 'x'}", "{'device': 'cpu', 'dtype': m.float64, 'non_blocking': True}"]


@pytest.mark.parametrize("call", _TO_CALLS)
def test_module_to_argument_parsing(torch, call):
    # PyTorch parses Module.to's arguments by its three signatures (a Python number reads as a tensor)
    def run(m):
        lin = m.nn.Linear(1, 1)
        a = eval(call, {"m": m})
        err = error_of(lambda: lin.to(**a) if isinstance(a, dict) else lin.to(*a))
        return err or str(lin.weight.dtype).replace("ember.", "torch.")
    assert run(ember) == run(torch)


def test_extra_state_messages(torch):
    def run(m):
        mod = m.nn.Module()
        return error_of(mod.get_extra_state), error_of(lambda: mod.set_extra_state(1))
    assert run(ember) == run(torch)
