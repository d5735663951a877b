"""swap_in_optimizer_params_and_state (ember/optim/_stateless.py) against torch.optim."""

import copy

import numpy as np
import pytest

import ember

_SHAPES = [(3, 4), (4,), (2000, 3)]  # the large one takes the per-parameter path, the small ones a fused pack


def _arrays(seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype("float32") for s in _SHAPES]


def _scenario(lib, name, kw):
    init, grads = _arrays(0), _arrays(1)
    ps = [lib.nn.Parameter(lib.tensor(a.copy())) for a in init]
    opt = getattr(lib.optim, name)([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.05}], **kw)
    for p, g in zip(ps, grads):
        p.grad = lib.tensor(g)
    opt.step()
    live_state_before = {k: v.detach().numpy().copy() for k, v in opt.state[ps[0]].items()}
    swap = {f"p{i}": p.detach().clone() for i, p in enumerate(ps)}
    for t, g in zip(swap.values(), grads):
        t.grad = lib.tensor(g * 2)
    osd = copy.deepcopy(opt.state_dict())
    osd["param_groups"][0]["lr"] = 0.5
    with lib.optim.swap_in_optimizer_params_and_state(opt, swap, osd):
        opt.step()
        opt.step()
        inside = (opt.param_groups[0]["lr"], opt.param_groups[0]["params"][0] is swap["p0"])
    after = (opt.param_groups[0]["lr"], opt.param_groups[0]["params"][0] is ps[0],
             {k: v.detach().numpy().copy() for k, v in opt.state[ps[0]].items()})
    opt.step()  # the live optimizer goes on from its own state
    arrays = [p.detach().numpy() for p in ps] + [t.detach().numpy() for t in swap.values()]
    arrays += [v.numpy() for k in sorted(osd["state"]) for _, v in sorted(osd["state"][k].items())]
    return arrays, inside, after, live_state_before


@pytest.mark.parametrize("name,kw", [
    ("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)), ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01)),
])
def test_swap_in_matches_torch(torch, name, kw):
    t_arrays, t_inside, t_after, t_before = _scenario(torch, name, kw)
    e_arrays, e_inside, e_after, e_before = _scenario(ember, name, kw)
    assert e_inside == t_inside == (0.5, True)
    assert e_after[:2] == t_after[:2] == (kw["lr"], True)
    for k, v in e_after[2].items():  # the live state is untouched by the steps taken inside
        np.testing.assert_array_equal(v, e_before[k])
    assert len(e_arrays) == len(t_arrays)
    for a, b in zip(e_arrays, t_arrays):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _opt(lib, stepped=True):
    ps = [lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(3))]
    opt = lib.optim.SGD([{"params": ps[:1]}, {"params": ps[1:]}], lr=0.1, momentum=0.9)
    if stepped:
        for p in ps:
            p.grad = lib.ones_like(p)
        opt.step()
    return opt, {"a": ps[0].detach().clone(), "b": ps[1].detach().clone()}


def _bad(kind):
    def run(lib):
        opt, params = _opt(lib, stepped=kind != "unstepped")
        osd = copy.deepcopy(opt.state_dict()) if kind != "unstepped" else {"state": {}, "param_groups": []}
        if kind == "not a dict":
            osd = [osd]
        elif kind == "state list":
            osd["state"] = []
        elif kind == "tensor keys":
            osd["state"] = {lib.zeros(1): {}}
        elif kind == "state entry":
            osd["state"][0] = 3
        elif kind == "groups tuple":
            osd["param_groups"] = tuple(osd["param_groups"])
        elif kind == "group count":
            osd["param_groups"] = osd["param_groups"][:1]
        elif kind == "group not dict":
            osd["param_groups"][0] = 1
        elif kind == "param ids":
            osd["param_groups"][0]["params"] = ["a"]
        elif kind == "param count":
            osd["param_groups"][0]["params"] = [0, 5]
        elif kind == "keys":
            osd["param_groups"][1]["extra"] = 1
            del osd["param_groups"][1]["lr"]
        elif kind == "few params":
            params = {"a": params["a"]}
        elif kind == "extra state":
            osd["state"][7] = {}
        with lib.optim.swap_in_optimizer_params_and_state(opt, params, osd):
            pass
    return run


@pytest.mark.parametrize("kind", [
    "unstepped", "not a dict", "state list", "tensor keys", "state entry", "groups tuple", "group count",
    "group not dict", "param ids", "param count", "keys", "few params", "extra state",
])
def test_errors_match_torch(torch, kind):
    with pytest.raises(Exception) as t_info:
        _bad(kind)(torch)
    with pytest.raises(type(t_info.value)) as e_info:
        _bad(kind)(ember)
    assert str(e_info.value) == str(t_info.value)


def test_restores_on_exception():
    opt, params = _opt(ember)
    live = opt.param_groups[0]["params"][0]
    state = opt.state
    with pytest.raises(KeyError):
        with ember.optim.swap_in_optimizer_params_and_state(opt, params, copy.deepcopy(opt.state_dict())):
            raise KeyError("boom")
    assert opt.param_groups[0]["params"][0] is live and opt.state is state
