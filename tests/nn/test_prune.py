"""ember.nn.utils.prune side by side with torch.nn.utils.prune: masks, pruned weights, state_dict keys,
forward pre-hooks, iterative and global pruning, training, remove(), is_pruned and errors."""

import copy
import importlib
import math
import re

import numpy as np
import pytest

import ember
import ember.nn as enn
from ember.nn.utils import prune


@pytest.fixture
def torch(torch):
    """conftest's torch, with the ``torch.nn.utils.prune`` submodule loaded."""
    importlib.import_module("torch.nn.utils.prune")
    return torch


def _e(t):
    return ember.tensor(t.detach().numpy().copy())


def _same(e, t):
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(e.detach().numpy(), t.detach().numpy())


def _pair(torch, kind, *args):
    t = getattr(torch.nn, kind)(*args)
    e = getattr(enn, kind)(*args)
    e.load_state_dict({k: _e(v) for k, v in t.state_dict().items()})
    return e, t


def _hooks(mod):
    """The pruning hooks as comparable data: (class name, tensor name, [inner class names])."""
    out = []
    for hook in mod._forward_pre_hooks.values():
        inner = [type(m).__name__ for m in hook] if type(hook).__name__ == "PruningContainer" else None
        out.append((type(hook).__name__, hook._tensor_name, inner))
    return out


def _check_module(e, t):
    """Same state_dict (keys in order, values), parameter / buffer names, hooks and pruned attributes."""
    esd, tsd = e.state_dict(), t.state_dict()
    assert list(esd) == list(tsd)
    for k in tsd:
        _same(esd[k], tsd[k])
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert _hooks(e) == _hooks(t)
    for name in ("weight", "bias"):
        te = getattr(t, name)
        if te is None:
            continue
        ee = getattr(e, name)
        _same(ee, te)
        assert isinstance(ee, enn.Parameter) == (type(te).__name__ == "Parameter")
        assert (ee.grad_fn is None) == (te.grad_fn is None)


MODULES = [("Linear", (6, 5)), ("Conv2d", (3, 4, 3))]

# (function name, kwargs) applied to "weight" in both libraries.
METHODS = [
    ("identity", {}),
    ("random_unstructured", {"amount": 0.3}),
    ("random_unstructured", {"amount": 7}),
    ("random_unstructured", {"amount": 1.0}),
    ("l1_unstructured", {"amount": 0.45}),
    ("l1_unstructured", {"amount": 0}),
    ("random_structured", {"amount": 0.5, "dim": 0}),
    ("random_structured", {"amount": 2, "dim": -1}),
    ("ln_structured", {"amount": 0.5, "n": 2, "dim": 0}),
    ("ln_structured", {"amount": 1, "n": 1, "dim": 1}),
    ("ln_structured", {"amount": 2, "n": float("inf"), "dim": -1}),
    ("ln_structured", {"amount": 0.4, "n": -math.inf, "dim": 0}),
]


@pytest.mark.parametrize("kind,args", MODULES)
@pytest.mark.parametrize("fn,kwargs", METHODS)
@pytest.mark.parametrize("seed", [0, 3])
def test_single_pruning_matches_torch(torch, kind, args, fn, kwargs, seed):
    e, t = _pair(torch, kind, *args)
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    assert getattr(prune, fn)(e, "weight", **kwargs) is e
    getattr(torch.nn.utils.prune, fn)(t, "weight", **kwargs)
    _check_module(e, t)
    assert "weight" in e.__dict__ and "weight" not in e._parameters
    # The random draws consumed the same amount of both streams.
    _same(ember.rand(3), torch.rand(3))
    x = np.random.default_rng(seed).standard_normal((2, 3, 6, 6) if kind == "Conv2d" else (2, 6)).astype("f4")
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_mask_dtypes_and_importance_scores(torch):
    e, t = _pair(torch, "Linear", 4, 5)
    e.double()
    t.double()
    prune.l1_unstructured(e, "weight", 0.5)
    torch.nn.utils.prune.l1_unstructured(t, "weight", 0.5)
    _check_module(e, t)
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((5, 4)).astype("f8")
    for lib, mod in ((prune, e), (torch.nn.utils.prune, t)):
        tensor = ember.tensor if lib is prune else torch.tensor
        lib.ln_structured(mod, "weight", 2, n=2, dim=0, importance_scores=tensor(scores))
        lib.l1_unstructured(mod, "bias", 2, importance_scores=tensor(scores[:, 0]))
        lib.custom_from_mask(mod, "bias", mask=tensor([True, False, True, True, True]))
    _check_module(e, t)


_TIED = np.array([[1, -1, 2, 1, 0, 0], [2, 1, -1, 0, 1, 2], [0, 1, 1, -2, 1, 1], [-2, 0, 1, 1, -1, 2]],
                 dtype="f4")  # |w|: five 0s, thirteen 1s, six 2s; L1 norms: rows 5 7 6 7, columns 5 3 5 4 3 5


def _tied_pair(torch):
    e, t = enn.Linear(6, 4), torch.nn.Linear(6, 4)
    with ember.no_grad():
        e.weight.copy_(ember.tensor(_TIED))
    with torch.no_grad():
        t.weight.copy_(torch.tensor(_TIED))
    return e, t


@pytest.mark.parametrize("fn,kwargs", [("l1_unstructured", {"amount": 5}), ("l1_unstructured", {"amount": 18}),
                                       ("ln_structured", {"amount": 0.5, "n": 1, "dim": 0}),
                                       ("ln_structured", {"amount": 2, "n": 1, "dim": 1})])
def test_ties_away_from_the_cut(torch, fn, kwargs):
    # Equal scores inside the pruned or the kept set: the result does not depend on tie-breaking.
    e, t = _tied_pair(torch)
    getattr(prune, fn)(e, "weight", **kwargs)
    getattr(torch.nn.utils.prune, fn)(t, "weight", **kwargs)
    _check_module(e, t)


@pytest.mark.parametrize("fn,kwargs", [("l1_unstructured", {"amount": 9}),
                                       ("ln_structured", {"amount": 5, "n": 1, "dim": 1}),
                                       ("ln_structured", {"amount": 1, "n": 1, "dim": 1})])
def test_ties_at_the_cut_follow_torch_topk(torch, fn, kwargs):
    e, t = _tied_pair(torch)
    getattr(prune, fn)(e, "weight", **kwargs)
    getattr(torch.nn.utils.prune, fn)(t, "weight", **kwargs)
    _check_module(e, t)


@pytest.mark.parametrize("seed", [0, 1])
def test_iterative_pruning_combines_masks(torch, seed):
    e, t = _pair(torch, "Conv2d", 4, 6, 3)
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    rng = np.random.default_rng(seed)
    custom = (rng.random((6, 4, 3, 3)) > 0.2).astype("f4")
    steps = [
        ("l1_unstructured", {"amount": 0.2}),
        ("random_unstructured", {"amount": 0.25}),
        ("ln_structured", {"amount": 2, "n": 2, "dim": 0}),
        ("random_structured", {"amount": 0.5, "dim": 1}),
        ("random_unstructured", {"amount": 10}),
        ("ln_structured", {"amount": 1, "n": 1, "dim": -1}),
        ("custom_from_mask", {"mask": custom}),
        ("identity", {}),
    ]
    for fn, kwargs in steps:
        ek = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        tk = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        getattr(prune, fn)(e, "weight", **ek)
        getattr(torch.nn.utils.prune, fn)(t, "weight", **tk)
        _check_module(e, t)
    prune.random_unstructured(e, "bias", 0.5)
    torch.nn.utils.prune.random_unstructured(t, "bias", 0.5)
    _check_module(e, t)
    assert len(e._forward_pre_hooks) == 2
    container = next(iter(e._forward_pre_hooks.values()))
    assert isinstance(container, prune.PruningContainer) and len(container) == len(steps)
    assert isinstance(container[2], prune.LnStructured) and list(container)[0] is container[0]


@pytest.mark.parametrize("method,kwargs", [("L1Unstructured", {"amount": 0.4}),
                                           ("RandomUnstructured", {"amount": 25}),
                                           ("Identity", {})])
def test_global_unstructured(torch, method, kwargs):
    pairs = [_pair(torch, "Linear", 5, 4), _pair(torch, "Conv2d", 2, 3, 2), _pair(torch, "Linear", 4, 2)]
    # One parameter already pruned: its mask takes part, its hook becomes a container.
    prune.l1_unstructured(pairs[0][0], "weight", 5)
    torch.nn.utils.prune.l1_unstructured(pairs[0][1], "weight", 5)
    names = ["weight", "weight", "bias"]
    ember.manual_seed(4)
    torch.manual_seed(4)
    scores = np.random.default_rng(1).standard_normal((3, 2, 2, 2)).astype("f4")
    out = prune.global_unstructured([(e, n) for (e, _), n in zip(pairs, names)], getattr(prune, method),
                                    importance_scores={(pairs[1][0], "weight"): ember.tensor(scores)}, **kwargs)
    assert out is None
    torch.nn.utils.prune.global_unstructured([(t, n) for (_, t), n in zip(pairs, names)],
                                             getattr(torch.nn.utils.prune, method),
                                             importance_scores={(pairs[1][1], "weight"): torch.tensor(scores)},
                                             **kwargs)
    for e, t in pairs:
        _check_module(e, t)
    assert _hooks(pairs[1][0]) == [("CustomFromMask", "weight", None)]


def test_training_keeps_pruned_entries_zero(torch):
    pairs = [_pair(torch, "Conv2d", 2, 4, 3), _pair(torch, "Linear", 16, 3)]
    enet = enn.Sequential(pairs[0][0], enn.ReLU(), enn.Flatten(), pairs[1][0])
    tnet = torch.nn.Sequential(pairs[0][1], torch.nn.ReLU(), torch.nn.Flatten(), pairs[1][1])
    for lib, net in ((prune, enet), (torch.nn.utils.prune, tnet)):
        lib.ln_structured(net[0], "weight", 1, n=2, dim=0)
        lib.l1_unstructured(net[0], "weight", 0.3)
        lib.l1_unstructured(net[3], "weight", 0.5)
        lib.l1_unstructured(net[3], "bias", 1)
    eopt = ember.optim.SGD(enet.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(tnet.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal((4, 2, 4, 4)).astype("f4")
        y = rng.integers(0, 3, 4)
        for net, opt, mod in ((enet, eopt, ember), (tnet, topt, torch)):
            opt.zero_grad()
            loss = mod.nn.functional.cross_entropy(net(mod.tensor(x)), mod.tensor(y))
            loss.backward()
            opt.step()
        # Gradients reach <name>_orig only where the mask is one.
        for (e, t), name in ((pairs[0], "weight"), (pairs[1], "weight"), (pairs[1], "bias")):
            eg, tg = getattr(e, name + "_orig").grad, getattr(t, name + "_orig").grad
            np.testing.assert_allclose(eg.numpy(), tg.numpy(), rtol=1e-4, atol=1e-5)
            assert not eg.numpy()[getattr(e, name + "_mask").numpy() == 0].any()
    enet(ember.tensor(x))
    tnet(torch.tensor(x))
    for e, t in pairs:
        for name in ("weight", "bias"):
            ew, tw = getattr(e, name), getattr(t, name)
            np.testing.assert_allclose(ew.detach().numpy(), tw.detach().numpy(), rtol=1e-4, atol=1e-5)
        mask = e.weight_mask.numpy() == 0
        assert mask.any() and not e.weight.detach().numpy()[mask].any()
        assert e.weight_orig.detach().numpy()[mask].any()  # orig keeps training; the hook masks it


def test_hook_recomputes_before_forward(torch):
    e, t = _pair(torch, "Linear", 3, 2)
    for lib, mod, lin in ((prune, ember, e), (torch.nn.utils.prune, torch, t)):
        lib.l1_unstructured(lin, "weight", 2)
        before = lin.weight
        with mod.no_grad():
            lin.weight_orig.fill_(2.0)
        assert lin.weight is before
        lin(mod.ones(1, 3))
        assert lin.weight is not before
    _check_module(e, t)
    hook = next(iter(e._forward_pre_hooks.values()))
    hook(e, None)
    _same(e.weight, t.weight)


def test_remove_and_is_pruned(torch):
    enet = enn.Sequential(enn.Linear(4, 3), enn.Conv2d(1, 2, 2))
    tnet = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Conv2d(1, 2, 2))
    enet.load_state_dict({k: _e(v) for k, v in tnet.state_dict().items()})
    assert not prune.is_pruned(enet) and not torch.nn.utils.prune.is_pruned(tnet)
    for lib, net in ((prune, enet), (torch.nn.utils.prune, tnet)):
        lib.l1_unstructured(net[0], "weight", 0.5)
        lib.l1_unstructured(net[0], "weight", 2)
        lib.identity(net[1], "bias")
        assert lib.is_pruned(net)
        assert lib.remove(net[0], "weight") is net[0]
        assert lib.is_pruned(net)
        lib.remove(net[1], "bias")
        assert not lib.is_pruned(net)
    for i in range(2):
        _check_module(enet[i], tnet[i])
    assert isinstance(enet[0].weight, enn.Parameter) and enet[0].weight.requires_grad
    assert int((enet[0].weight == 0).sum()) == 8
    # A removed pruning can be applied afresh.
    prune.random_unstructured(enet[0], "weight", 1)
    assert list(enet[0].state_dict()) == ["bias", "weight_orig", "weight_mask"]


def test_deepcopy_of_pruned_module(torch):
    # The pruned attribute is a non-leaf tensor: deepcopy refuses, in both libraries, until remove().
    e, t = _pair(torch, "Linear", 3, 2)
    for lib, mod in ((prune, e), (torch.nn.utils.prune, t)):
        lib.l1_unstructured(mod, "weight", 3)
        with pytest.raises(RuntimeError, match="deepcopy"):
            copy.deepcopy(mod)
        c = copy.deepcopy(lib.remove(mod, "weight"))
        assert not lib.is_pruned(c) and int((c.weight == 0).sum()) == 3


def test_method_objects(torch):
    tp = torch.nn.utils.prune
    x = np.array([[3, -1, 2, 0.5], [0.1, -4, 2.5, 1.5]], dtype="f4")  # no ties
    dm = np.array([[1, 0, 1, 1], [1, 1, 0, 1]], dtype="f4")
    cases = [("L1Unstructured", (3,)), ("LnStructured", (1, 2, 0)), ("LnStructured", (0.5, 1)),
             ("RandomStructured", (2,)), ("RandomUnstructured", (0.5,)), ("Identity", ()),
             ("CustomFromMask", (dm[::-1].copy(),))]
    for name, args in cases:
        ember.manual_seed(1)
        torch.manual_seed(1)
        em = getattr(prune, name)(*[ember.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
        tm = getattr(tp, name)(*[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
        assert em.PRUNING_TYPE == tm.PRUNING_TYPE
        assert sorted(vars(em)) == sorted(vars(tm))
        _same(em.prune(ember.tensor(x)), tm.prune(torch.tensor(x)))
        _same(em.prune(ember.tensor(x), default_mask=ember.tensor(dm), importance_scores=ember.tensor(-x)),
              tm.prune(torch.tensor(x), default_mask=torch.tensor(dm), importance_scores=torch.tensor(-x)))
        _same(em.compute_mask(ember.tensor(x), ember.tensor(dm)), tm.compute_mask(torch.tensor(x), torch.tensor(dm)))
    with pytest.raises(TypeError):
        prune.BasePruningMethod()


def test_container_compute_mask_writes_default_mask(torch):
    for lib, mod in ((prune, ember), (torch.nn.utils.prune, torch)):
        c = lib.PruningContainer()
        c._tensor_name = "w"
        m = lib.L1Unstructured(1)
        m._tensor_name = "w"
        c.add_pruning_method(m)
        c.add_pruning_method(None)  # accepted, like torch
        assert len(c) == 2 and c[1] is None
        c._pruning_methods = c._pruning_methods[:1]
        dm = mod.tensor([1.0, 0, 1, 1])
        out = c.compute_mask(mod.tensor([3.0, 1, 2, 0.5]), dm)
        assert out is dm and dm.tolist() == [1, 0, 1, 0]
        dm = mod.tensor([1, 0, 1, 1])  # other dtype: a new mask, the default one untouched
        assert c.compute_mask(mod.tensor([3.0, 1, 2, 0.5]), dm).tolist() == [1, 0, 1, 0]
        assert dm.tolist() == [1, 0, 1, 1]


def _norm_msg(msg):
    msg = msg.replace("torch.", "ember.")
    return re.sub(r" at 0x[0-9a-f]+", " at 0x", msg)


def _linear(lib):
    return lib.Linear(4, 3)


ERRORS = [
    lambda P, nn, T: P.l1_unstructured(_linear(nn), "weight", -1),
    lambda P, nn, T: P.random_unstructured(_linear(nn), "weight", 1.5),
    lambda P, nn, T: P.random_structured(_linear(nn), "weight", -0.5, 0),
    lambda P, nn, T: P.ln_structured(_linear(nn), "weight", "a", 1, 0),
    lambda P, nn, T: P.L1Unstructured(None),
    lambda P, nn, T: P.l1_unstructured(_linear(nn), "weight", 13),
    lambda P, nn, T: P.random_unstructured(_linear(nn), "weight", 13),
    lambda P, nn, T: P.l1_unstructured(_linear(nn), "foo", 1),
    lambda P, nn, T: P.random_structured(_linear(nn), "bias", 1, dim=0),
    lambda P, nn, T: P.random_structured(_linear(nn), "weight", 1, dim=2),
    lambda P, nn, T: P.ln_structured(_linear(nn), "weight", 1, 2, dim=-3),
    lambda P, nn, T: P.ln_structured(_linear(nn), "weight", 4, 2, dim=0),
    lambda P, nn, T: P.remove(_linear(nn), "weight"),
    lambda P, nn, T: P.l1_unstructured(_linear(nn), "weight", 1, importance_scores=T.ones(2)),
    lambda P, nn, T: P.custom_from_mask(_linear(nn), "weight", T.ones(2)),
    lambda P, nn, T: P.global_unstructured(5, P.L1Unstructured, amount=1),
    lambda P, nn, T: P.global_unstructured([(_linear(nn), "weight")], P.L1Unstructured, importance_scores=[1],
                                           amount=1),
    lambda P, nn, T: P.global_unstructured([(_linear(nn), "weight")], P.RandomStructured, amount=1),
    lambda P, nn, T: P.L1Unstructured(0.5).prune(T.ones(3), importance_scores=T.ones(2)),
    lambda P, nn, T: P.PruningContainer().add_pruning_method(5),
    lambda P, nn, T: P.PruningContainer(5),
    lambda P, nn, T: P.Identity().remove(_linear(nn)),
    lambda P, nn, T: P.l1_unstructured(P.identity(_linear(nn), "weight"), "weight", 20),
    lambda P, nn, T: P.l1_unstructured(P.l1_unstructured(_linear(nn), "weight", 6), "weight", 7),
    lambda P, nn, T: P.random_structured(P.identity(_linear(nn), "weight"), "weight", 0.5, 7),
    lambda P, nn, T: P.l1_unstructured(nn.BatchNorm1d(3), "running_mean", 1),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_match_torch(torch, case):
    results = []
    for P, nn, T in ((prune, enn, ember), (torch.nn.utils.prune, torch.nn, torch)):
        with pytest.raises(Exception) as info:
            ERRORS[case](P, nn, T)
        results.append((type(info.value).__name__, _norm_msg(str(info.value))))
    assert results[0] == results[1]


def test_container_name_mismatch_and_double_hooks(torch):
    msgs = []
    for P, nn in ((prune, enn), (torch.nn.utils.prune, torch.nn)):
        c = P.PruningContainer()
        c._tensor_name = "w"
        m = P.Identity()
        m._tensor_name = "v"
        with pytest.raises(ValueError) as info:
            c.add_pruning_method(m)
        msgs.append(_norm_msg(str(info.value)))
        lin = P.identity(nn.Linear(4, 3), "weight")
        extra = P.Identity()
        extra._tensor_name = "weight"
        lin.register_forward_pre_hook(extra)
        with pytest.raises(AssertionError) as info:
            P.l1_unstructured(lin, "weight", 1)
        msgs.append(str(info.value))
    assert msgs[:2] == msgs[2:]


@pytest.mark.parametrize("case", [
    # Failing on a fresh parameter restores it (now after the other parameters).
    lambda P, lin, T: P.l1_unstructured(lin, "weight", 13),
    lambda P, lin, T: P.custom_from_mask(lin, "weight", T.ones(2)),
    # Failing on an already pruned one leaves <name>_orig / <name>_mask but drops the hook.
    lambda P, lin, T: P.l1_unstructured(P.l1_unstructured(lin, "weight", 3), "weight", 100),
    lambda P, lin, T: P.l1_unstructured(P.l1_unstructured(lin, "weight", 3), "weight", -1),
    lambda P, lin, T: P.l1_unstructured(P.l1_unstructured(lin, "weight", 3), "weight", 1,
                                        importance_scores=T.ones(2)),
])
def test_state_after_errors(torch, case):
    e, t = _pair(torch, "Linear", 4, 3)
    for P, lin, T in ((prune, e, ember), (torch.nn.utils.prune, t, torch)):
        with pytest.raises(Exception):
            case(P, lin, T)
    _check_module(e, t)
    assert ("weight" in e.__dict__) == ("weight" in t.__dict__)
