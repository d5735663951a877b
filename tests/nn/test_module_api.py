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
