"""Full backward hooks (``register_full_backward_hook`` / ``register_full_backward_pre_hook``) against PyTorch:
what ``grad_input`` and ``grad_output`` hold (None, zeros, values), replacement gradients and their checks,
and the outputs the hooks are wired on."""

import functools
import warnings

import pytest

import ember
from tests._helpers import error_of


def _desc(grads):
    """A hook's gradient tuple as plain data: None, or (shape, dtype name, values)."""
    return tuple(None if g is None else (tuple(g.shape), str(g.dtype).split(".")[-1], g.detach().flatten().tolist())
                 for g in grads)


def _watch(m, log):
    m.register_full_backward_pre_hook(lambda mod, go: log.append(("pre", _desc(go))))
    m.register_full_backward_hook(lambda mod, gi, go: log.append(("full", _desc(gi), _desc(go))))
    return m




def _scenarios(lib):
    """Modules, inputs and losses exercising each rule; returns the hook logs and leaf gradients."""
    nn = lib.nn
    out = {}

    class Add(nn.Module):
        def forward(self, a, b, k=None):
            return a + b

    class Two(nn.Module):
        def forward(self, a, b):
            return a * 2, b * 3

    class Mixed(nn.Module):  # a tuple with non-tensors and an output that needs no gradient
        def forward(self, a, k, b):
            return a * k, 3, None, lib.zeros(2), b * 4

    class Ignore(nn.Module):
        def forward(self, a, b):
            return a * 2

    class Index(nn.Module):
        def forward(self, a, idx):
            return a[idx]

    # an input that needs no gradient (float64: its zeros keep its dtype) and one that does
    log = []
    a = lib.ones(2, requires_grad=True)
    _watch(Add(), log)(a, lib.ones(2, dtype=lib.float64)).sum().backward()
    out["no_grad_input"] = log
    # the second output is unused: None in grad_output, zeros in grad_input for the input behind it
    log = []
    a, b = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
    x, _ = _watch(Two(), log)(a, b)
    x.sum().backward()
    out["unused_output"] = (log, a.grad.tolist(), b.grad.tolist())
    # non-tensor arguments and outputs
    log = []
    a, b = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
    o = _watch(Mixed(), log)(a, 3.0, b)
    (o[0].sum() * 2).backward()
    out["mixed"] = (log, type(o).__name__, o[1], o[2])
    # an unused input that requires grad, and an integer index input
    log = []
    a, b = lib.ones(2, requires_grad=True), lib.ones(3, requires_grad=True)
    _watch(Ignore(), log)(a, b).sum().backward()
    _watch(Index(), log)(lib.ones(3, requires_grad=True), lib.tensor([0, 2])).sum().backward()
    out["unused_input"] = (log, b.grad.tolist())
    # replacement gradients, from the pre hook and from the full hook
    log = []
    t = Two()
    t.register_full_backward_pre_hook(lambda mod, go: tuple(None if g is None else g * 10 for g in go))
    t.register_full_backward_hook(lambda mod, gi, go: (None, gi[1] + 1))
    _watch(t, log)
    a, b = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
    x, y = t(a, b)
    (x.sum() + 2 * y.sum()).backward()
    out["replace"] = (log, a.grad, b.grad.tolist())
    # no input requires grad: the full hook fires from the outputs, with None inputs, and warns
    log = []
    lin = _watch(nn.Linear(2, 2), log)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        lin(lib.ones(1, 2)).sum().backward()
    out["no_input_grad"] = ([e[0] for e in log], log[-1][1], [str(x.message)[:60] for x in w])
    return out


def test_grad_input_and_grad_output_contents_match_torch(torch):
    e, t = _scenarios(ember), _scenarios(torch)
    for key in t:
        assert e[key] == t[key], key


def test_list_and_dict_outputs_warn_and_skip_hooks(torch):
    def run(lib):
        class L(lib.nn.Module):
            def forward(self, a):
                return [a * 2]

        class D(lib.nn.Module):
            def forward(self, a):
                return {"x": a * 2}

        log, msgs = [], []
        for cls, get in ((L, lambda o: o[0]), (D, lambda o: o["x"])):
            a = lib.ones(2, requires_grad=True)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                o = _watch(cls(), log)(a)
            msgs += [str(x.message) for x in w]
            get(o).sum().backward()
            log.append(a.grad.tolist())
        return log, msgs

    assert run(ember) == run(torch)


def test_namedtuple_output_keeps_its_type(torch):
    from collections import namedtuple
    P = namedtuple("P", "x y")

    def run(lib):
        class M(lib.nn.Module):
            def forward(self, a):
                return P(a * 2, a * 3)

        log = []
        a = lib.ones(2, requires_grad=True)
        o = _watch(M(), log)(a)
        o.y.sum().backward()
        return type(o).__name__, log, a.grad.tolist()

    assert run(ember) == run(torch)


def test_inputs_pass_through_the_hook_node_also_for_pre_hooks_only(torch):
    def run(lib):
        seen = []

        class M(lib.nn.Module):
            def forward(self, a, b):
                seen.append((type(a.grad_fn).__name__, b.requires_grad, b.grad_fn))
                return a + b

        m = M()
        m.register_full_backward_pre_hook(lambda mod, go: None)
        m(lib.ones(2, requires_grad=True), lib.ones(2))
        return seen

    assert run(ember) == run(torch)


@pytest.mark.parametrize("case", ["pre_len", "full_len", "full_tensor", "full_size", "full_type", "pre_size"])
def test_invalid_hook_results_raise_like_torch(torch, case):
    def run(lib):
        class Two(lib.nn.Module):
            def forward(self, a, b):
                return a * 2, b * 3

        class One(lib.nn.Module):
            def forward(self, a):
                return a * 2

        hooks = {
            "pre_len": (Two, "pre", lambda m, go: (go[0],)),
            "full_len": (Two, "full", lambda m, gi, go: (gi[0],)),
            "full_tensor": (One, "full", lambda m, gi, go: gi[0] * 3),  # iterated like a sequence
            "full_size": (One, "full", lambda m, gi, go: (lib.ones(3),)),
            "full_type": (One, "full", lambda m, gi, go: (lib.ones(2, dtype=lib.float64),)),
            "pre_size": (One, "pre", lambda m, go: (lib.ones(3),)),
        }
        cls, kind, hook = hooks[case]
        m = cls()
        if kind == "pre":
            m.register_full_backward_pre_hook(hook)
        else:
            m.register_full_backward_hook(hook)
        args = [lib.ones(2, requires_grad=True) for _ in range(2 if cls is Two else 1)]

        def go():
            out = m(*args)
            sum(o.sum() for o in out).backward() if isinstance(out, tuple) else out.sum().backward()
        return error_of(go)

    expected = run(torch)
    assert expected is not None
    assert run(ember) == expected


def test_hooks_do_not_fire_under_no_grad(torch):
    def run(lib):
        log = []
        m = _watch(lib.nn.Linear(2, 2), log)
        with lib.no_grad():
            o = m(lib.ones(1, 2, requires_grad=True))
        return o.requires_grad, log

    assert run(ember) == run(torch)


def _module(lib, fn):
    """A module of ``lib`` running ``fn(lib, *args)`` as its forward."""
    class M(lib.nn.Module):
        def forward(self, *args):
            return fn(lib, *args)
    return M()


_NON_FULL = {  # forward, inputs: the cases PyTorch's non-full hooks warn about (and some they do not)
    "dict_output": (lambda t, a: {"a": a * 2}, lambda t, x: (x * 1,)),
    "two_output_nodes": (lambda t, a: (a * 2, a + 1), lambda t, x: (x * 1,)),
    "two_ops": (lambda t, a: (a * 2) + 1, lambda t, x: (x * 1,)),
    "one_node": (lambda t, a, b: a * b, lambda t, x: (x * 1, x * 3)),
    "leaf_input": (lambda t, a: t.relu(a), lambda t, x: (x,)),
    "non_tensor_input": (lambda t, a, b: a * b, lambda t, x: (x * 1, 3)),
    "input_without_grad": (lambda t, a, b: a * b, lambda t, x: (x * 1, t.ones(3))),
    "no_grad_output": (lambda t, a: a.detach() * 2, lambda t, x: (x * 1,)),
    "linear": (lambda t, a: t.nn.functional.linear(a, t.ones(2, 3, requires_grad=True)), lambda t, x: (x * 1,)),
}


@pytest.mark.parametrize("name", list(_NON_FULL))
def test_register_backward_hook_warns_where_torch_non_full_hooks_would_differ(torch, name):
    fn, inputs = _NON_FULL[name]
    got = []
    for lib in (torch, ember):
        m = _module(lib, fn)
        m.register_backward_hook(lambda mod, gi, go: None)
        x = lib.randn(3, requires_grad=True)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            m(*inputs(lib, x))
        got.append([(w.category, str(w.message)) for w in seen if w.category is FutureWarning])
        if lib is ember:
            assert all(w.filename == __file__ for w in seen if w.category is FutureWarning)  # the user's line
    assert got[1] == got[0]


def test_register_backward_hook_keeps_full_semantics_and_refuses_mixing(torch):
    for lib in (torch, ember):
        lin = lib.nn.Linear(3, 2)
        lin.register_backward_hook(lambda mod, gi, go: None)
        assert error_of(functools.partial(lin.register_full_backward_hook, lambda mod, gi, go: None)) == (
            "RuntimeError", "Cannot use both regular backward hooks and full backward hooks on a single Module. "
            "Please use only one of them.")
        lin2 = lib.nn.Linear(3, 2)
        lin2.register_full_backward_hook(lambda mod, gi, go: None)
        assert error_of(functools.partial(lin2.register_backward_hook, lambda mod, gi, go: None)) == (
            "RuntimeError", "Cannot use both regular backward hooks and full backward hooks on a single Module. "
            "Please use only one of them.")
    # ember: grad_input is the gradient w.r.t. the module's input (PyTorch's old hooks see addmm's three)
    lin, seen = ember.nn.Linear(3, 2), []
    handle = lin.register_backward_hook(lambda mod, gi, go: seen.append([tuple(g.shape) for g in gi]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lin(ember.randn(4, 3, requires_grad=True)).sum().backward()
        assert seen == [[(4, 3)]]
        handle.remove()  # removes the hook and its forward check
        with warnings.catch_warnings(record=True) as after:
            warnings.simplefilter("always")
            lin(ember.randn(4, 3, requires_grad=True)).sum().backward()
    assert seen == [[(4, 3)]] and not after and not lin._forward_hooks


def test_full_hook_warning_without_input_grads_names_the_users_line(torch):
    for lib in (torch, ember):
        lin = lib.nn.Linear(3, 2)
        lin.register_full_backward_hook(lambda mod, gi, go: None)
        out = lin(lib.randn(4, 3)).sum()
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            out.backward()  # the line the warning names
        assert [(w.category, w.filename, w.lineno) for w in seen] == [
            (UserWarning, __file__, seen[0].lineno)], lib
        assert "out.backward()  # the line" in open(__file__).read().splitlines()[seen[0].lineno - 1]
        lin2 = lib.nn.Linear(3, 2)  # PyTorch says nothing of it for non-full hooks
        lin2.register_backward_hook(lambda mod, gi, go: None)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            lin2(lib.randn(4, 3)).sum().backward()
        assert [w for w in seen if w.category is UserWarning] == [], lib
