"""Global module hooks (``nn.modules.module.register_module_*_hook``) and ``utils.hooks.RemovableHandle``
against PyTorch: which modules they see, their order relative to the modules' own hooks, returned replacements,
backward hooks, and removal."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _run(lib, with_own_hooks=True):
    import importlib
    mm = importlib.import_module(f"{lib.__name__}.nn.modules.module")
    log = []
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
    with lib.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(lib.tensor(np.linspace(-1, 1, p.numel()).reshape(tuple(p.shape)) * (i + 1), dtype=lib.float32))
    name = {id(m): n or "root" for n, m in model.named_modules()}
    handles = [
        mm.register_module_forward_pre_hook(lambda m, a: log.append(("gpre", name[id(m)]))),
        mm.register_module_forward_hook(lambda m, a, o: log.append(("gfwd", name[id(m)], tuple(o.shape)))),
        mm.register_module_forward_hook(lambda m, a, k, o: log.append(("gkw", name[id(m)], sorted(k))),
                                        with_kwargs=True),
        mm.register_module_full_backward_pre_hook(lambda m, g: log.append(("gbpre", name[id(m)]))),
        mm.register_module_full_backward_hook(
            lambda m, gi, go: log.append(("gbwd", name[id(m)], [None if g is None else tuple(g.shape) for g in gi]))),
        # scales the last layer's output: the returned value replaces it
        mm.register_module_forward_hook(lambda m, a, o: o * 2 if name[id(m)] == "2" else None),
    ]
    if with_own_hooks:
        model[0].register_forward_pre_hook(lambda m, a: log.append(("pre0",)))
        model[0].register_forward_hook(lambda m, a, o: log.append(("fwd0",)))
        model[2].register_full_backward_hook(lambda m, gi, go: log.append(("bwd2",)))
    x = lib.tensor(np.arange(6, dtype="float32").reshape(2, 3) / 5, requires_grad=True)
    out = model(x)
    out.sum().backward()
    for h in handles:
        h.remove()
    log.append("removed")
    out2 = model(x)
    return log, out.detach().numpy(), out2.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("with_own_hooks", [True, False])
def test_global_hooks_match_torch(with_own_hooks):
    e, t = _run(ember, with_own_hooks), _run(torch, with_own_hooks)
    assert e[0] == t[0]
    for a, b in zip(e[1:], t[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_always_call_and_pre_hook_replacement():
    res = []
    for lib in (ember, torch):
        import importlib
        mm = importlib.import_module(f"{lib.__name__}.nn.modules.module")
        log = []

        class Boom(lib.nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        h1 = mm.register_module_forward_hook(lambda m, a, o, log=log: log.append(o), always_call=True)
        h2 = mm.register_module_forward_pre_hook(lambda m, a: (a[0] + 1,))
        with pytest.raises(ValueError):
            Boom()(lib.ones(1))
        y = lib.nn.Identity()(lib.zeros(2))
        h1.remove()
        h2.remove()
        res.append((log[0], y.tolist(), lib.nn.Identity()(lib.zeros(2)).tolist()))
    assert res[0][0] is None and res[0][1:] == res[1][1:]


def test_removable_handle_module():
    from ember.utils.hooks import RemovableHandle
    assert ember.nn.modules.module.RemovableHandle is RemovableHandle
    d, flags = {}, {}
    h = RemovableHandle(d, extra_dict=[flags])
    d[h.id] = flags[h.id] = "x"
    with h:
        pass
    assert d == {} and flags == {}
    assert RemovableHandle.next_id == h.id + 1
    handle = ember.nn.Linear(1, 1).register_forward_hook(lambda *a: None)
    assert isinstance(handle, RemovableHandle)
