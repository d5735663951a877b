"""Adam and AdamW against PyTorch: trajectories, state, argument errors."""

import pytest

import ember
from tests.optim._helpers import TinyMLP, run_side_by_side

ADAM = [
    dict(lr=0.01),
    dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, maximize=True),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    dict(lr=0.01, weight_decay=0.05, amsgrad=True, maximize=True),
]
ADAMW = [
    dict(lr=0.01),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, weight_decay=0.1, amsgrad=True),
    dict(lr=0.01, maximize=True),
]


@pytest.mark.parametrize("kwargs", ADAM, ids=[str(c) for c in ADAM])
def test_adam_trajectory(torch, kwargs):
    m = TinyMLP(torch)
    run_side_by_side(m, ember.optim.Adam(m.e_params, **kwargs), torch.optim.Adam(m.t_params, **kwargs), steps=32)


@pytest.mark.parametrize("kwargs", ADAMW, ids=[str(c) for c in ADAMW])
def test_adamw_trajectory(torch, kwargs):
    m = TinyMLP(torch)
    run_side_by_side(m, ember.optim.AdamW(m.e_params, **kwargs), torch.optim.AdamW(m.t_params, **kwargs), steps=32)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_state_layout_matches_torch(torch, name):
    m = TinyMLP(torch)
    e_opt = getattr(ember.optim, name)(m.e_params, lr=0.01, amsgrad=True)
    t_opt = getattr(torch.optim, name)(m.t_params, lr=0.01, amsgrad=True)
    run_side_by_side(m, e_opt, t_opt, steps=2)
    e_sd, t_sd = e_opt.state_dict(), t_opt.state_dict()
    assert e_sd["param_groups"] == t_sd["param_groups"]
    for k, t_state in t_sd["state"].items():
        e_state = e_sd["state"][k]
        assert list(e_state) == list(t_state)
        for key, tv in t_state.items():
            ev = e_state[key]
            assert isinstance(ev, ember.Tensor)
            assert str(ev.dtype).replace("ember", "torch") == str(tv.dtype)
            assert tuple(ev.shape) == tuple(tv.shape)
    assert e_sd["state"][0]["step"].item() == 2.0


def test_float32_state_stays_float32(torch):
    m = TinyMLP(torch)
    opt = ember.optim.Adam(m.e_params, lr=0.01)
    run_side_by_side(m, opt, torch.optim.Adam(m.t_params, lr=0.01), steps=1)
    for p in m.e_params:
        assert p._data.dtype.name == "float32"
        for key in ("exp_avg", "exp_avg_sq"):
            assert opt.state[p][key]._data.dtype.name == "float32"


@pytest.mark.parametrize("kwargs", [
    dict(lr=-0.1), dict(eps=-1.0), dict(betas=(1.0, 0.999)), dict(betas=(0.9, -0.1)), dict(weight_decay=-1),
])
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_bad_arguments(torch, name, kwargs):
    with pytest.raises(ValueError) as t_err:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as e_err:
        getattr(ember.optim, name)([ember.zeros(2, requires_grad=True)], **kwargs)
    assert str(e_err.value) == str(t_err.value)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_repr_and_defaults(torch, name):
    e = getattr(ember.optim, name)([ember.zeros(2, requires_grad=True)])
    t = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    assert repr(e) == repr(t)
    assert e.defaults == t.defaults
