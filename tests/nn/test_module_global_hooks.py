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
    import collections
    d, flags = collections.OrderedDict(), collections.OrderedDict()  # (held weakly: a plain dict is refused)
    h = RemovableHandle(d, extra_dict=[flags])
    d[h.id] = flags[h.id] = "x"
    with h:
        pass
    assert d == {} and flags == {}
    assert RemovableHandle.next_id == h.id + 1
    handle = ember.nn.Linear(1, 1).register_forward_hook(lambda *a: None)
    assert isinstance(handle, RemovableHandle)


def _always_call_on_errors(lib):
    """Which forward hooks run (and with what) when a pre-hook, ``forward``, a forward hook or an always_call hook
    raises; the error that comes out; the warnings."""
    import importlib
    import warnings
    mm = importlib.import_module(f"{lib.__name__}.nn.modules.module")
    log, out = [], []

    def hook(tag, ret=None, exc=None):
        def h(*a):  # (number of arguments, type of the output it is given)
            log.append((tag, len(a), type(a[-1]).__name__))
            if exc is not None:
                raise exc
            return ret
        return h

    class Ident(lib.nn.Module):
        def forward(self, x, **kw):
            log.append("forward")
            return x

    class Boom(lib.nn.Module):
        def forward(self, x, **kw):
            log.append("forward")
            raise ValueError("boom")

    def run(name, module, **kw):
        log.clear()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                module(lib.ones(1), **kw)
                err = None
            except Exception as e:
                err = (type(e).__name__, str(e))
        out.append((name, err, list(log), [(x.category.__name__, str(x.message)) for x in w]))

    m = Ident()  # a pre-hook raises: the always_call hooks get output None (with kwargs where registered so)
    m.register_forward_pre_hook(hook("pre", exc=RuntimeError("pre")))
    m.register_forward_hook(hook("a1"), always_call=True)
    m.register_forward_hook(hook("plain"))
    m.register_forward_hook(hook("a2kw"), always_call=True, with_kwargs=True)
    run("pre-hook raises", m, k=1)
    m = Ident()  # an ordinary hook raises: later always_call hooks get the output so far, earlier ones don't rerun
    m.register_forward_hook(hook("a1"), always_call=True)
    m.register_forward_hook(hook("replace", ret=[1]))
    m.register_forward_hook(hook("bad", exc=ValueError("bad")))
    m.register_forward_hook(hook("a2"), always_call=True)
    m.register_forward_hook(hook("a3kw"), always_call=True, with_kwargs=True)
    run("forward hook raises", m)
    m = Boom()  # always_call hooks raising while forward failed: warned, the rest run, forward's error comes out
    m.register_forward_hook(hook("r1", exc=KeyError("first")), always_call=True)
    m.register_forward_hook(hook("r2", exc=TypeError("second")), always_call=True)
    m.register_forward_hook(hook("replace", ret=lib.zeros(1)), always_call=True)
    m.register_forward_hook(hook("a4"), always_call=True)
    run("always_call hooks raise", m)
    m = Ident()  # an always_call hook raising after a successful forward: its error, the later ones still run
    m.register_forward_hook(hook("r1", exc=KeyError("k")), always_call=True)
    m.register_forward_hook(hook("a2"), always_call=True)
    run("always_call hook raises", m)
    handles = [mm.register_module_forward_hook(hook("g1"), always_call=True),
               mm.register_module_forward_hook(hook("graise", exc=KeyError("g")), always_call=True),
               mm.register_module_forward_hook(hook("gkw"), always_call=True, with_kwargs=True)]
    try:
        m = Boom()  # global ones first, then the module's; a global one raising warns as "global module ..."
        m.register_forward_hook(hook("l1"), always_call=True)
        run("global: forward raises", m)
        m = Ident()
        m.register_forward_hook(hook("bad", exc=ValueError("bad")))
        run("global: a global hook raises", m)
        handles.pop(1).remove()
        m = Ident()
        m.register_forward_hook(hook("l1"), always_call=True)
        m.register_forward_hook(hook("bad", exc=ValueError("bad")))
        run("global: the module's hook raises", m)
        handles.append(mm.register_module_forward_pre_hook(hook("gpre", exc=RuntimeError("gpre"))))
        run("global: pre-hook raises", m)
    finally:
        for h in handles:
            h.remove()
    return out


def test_always_call_hooks_on_errors_match_torch():
    e, t = _always_call_on_errors(ember), _always_call_on_errors(torch)
    for a, b in zip(e, t):
        assert a == b
    assert len(e) == len(t) == 8


@pytest.fixture
def fresh_global_backward_hook_kind(monkeypatch):
    # which kind of global backward hook a process used stays fixed for good: start both libraries afresh
    for lib in (ember, torch):
        monkeypatch.setattr(lib.nn.modules.module, "_global_is_full_backward_hook", None, raising=False)


@pytest.mark.parametrize("first", ["full", "regular"])
def test_global_backward_hook_kinds_do_not_mix(fresh_global_backward_hook_kind, first):
    def run(lib):
        mm = lib.nn.modules.module
        register = {"full": mm.register_module_full_backward_hook, "regular": mm.register_module_backward_hook}
        other = "regular" if first == "full" else "full"
        out = []
        h = register[first](lambda m, gi, go: None)
        for step in ("registered", "removed"):  # (the kind sticks once its hooks are removed)
            try:
                register[other](lambda m, gi, go: None).remove()
                out.append((step, None))
            except RuntimeError as e:
                out.append((step, str(e)))
            h.remove()
        h = register[first](lambda m, gi, go: None)  # the same kind again is fine
        h.remove()
        pre = mm.register_module_full_backward_pre_hook(lambda m, go: None)  # pre-hooks are not concerned
        pre.remove()
        return out, mm._global_is_full_backward_hook, len(mm._global_backward_hooks)
    assert run(ember) == run(torch)
    assert run(ember)[0][1][1].startswith("Cannot use both regular backward hooks and full backward hooks as a global")


def test_removable_handle_takes_extra_dicts_by_keyword_only():
    import inspect
    import weakref

    from ember.utils.hooks import RemovableHandle
    names = lambda cls: [(p.name, p.kind, p.default) for p in inspect.signature(cls.__init__).parameters.values()]
    assert names(RemovableHandle) == names(torch.utils.hooks.RemovableHandle)
    lin = ember.nn.Linear(1, 1)
    h = lin.register_forward_hook(lambda *a: None, with_kwargs=True, always_call=True)
    # the flag dicts are held weakly, as the hooks dict
    assert all(isinstance(r, weakref.ref) for r in (h.hooks_dict_ref, *h.extra_dict_ref))
    assert [r() for r in h.extra_dict_ref] == [lin._forward_hooks_with_kwargs, lin._forward_hooks_always_called]
    h.remove()
    assert not (lin._forward_hooks or lin._forward_hooks_with_kwargs or lin._forward_hooks_always_called)
