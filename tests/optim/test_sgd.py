"""SGD against PyTorch: 30+ steps on the same tiny MLP track within float32 tolerance."""

import pytest

import ember
from tests.optim._helpers import TinyMLP, run_side_by_side

CONFIGS = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.1, momentum=0.9, dampening=0.5),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.1, momentum=0.5, weight_decay=0.01),
    dict(lr=0.1, weight_decay=0.1),
    dict(lr=0.01, momentum=0.5, nesterov=True, weight_decay=0.01, maximize=True),
    dict(lr=0.02, maximize=True),
]


@pytest.mark.parametrize("kwargs", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_sgd_trajectory(torch, kwargs):
    m = TinyMLP(torch)
    run_side_by_side(m, ember.optim.SGD(m.e_params, **kwargs), torch.optim.SGD(m.t_params, **kwargs), steps=32)


def test_sgd_state_matches_torch(torch):
    m = TinyMLP(torch)
    e_opt = ember.optim.SGD(m.e_params, lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD(m.t_params, lr=0.1, momentum=0.9)
    run_side_by_side(m, e_opt, t_opt, steps=3)
    e_sd, t_sd = e_opt.state_dict(), t_opt.state_dict()
    assert e_sd["param_groups"] == t_sd["param_groups"]
    assert set(e_sd["state"]) == set(t_sd["state"])
    for k in t_sd["state"]:
        assert set(e_sd["state"][k]) == set(t_sd["state"][k]) == {"momentum_buffer"}
        assert isinstance(e_sd["state"][k]["momentum_buffer"], ember.Tensor)


def test_sgd_no_momentum_keeps_no_state(torch):
    m = TinyMLP(torch)
    opt = ember.optim.SGD(m.e_params, lr=0.1)
    m.backward_both()
    opt.step()
    assert opt.state_dict()["state"] == {}


@pytest.mark.parametrize("kwargs, msg", [
    (dict(lr=-1), "Invalid learning rate: -1"),
    (dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    (dict(lr=0.1, weight_decay=-1e-3), "Invalid weight_decay value: -0.001"),
    (dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
])
def test_sgd_bad_arguments(torch, kwargs, msg):
    with pytest.raises(ValueError) as t_err:
        torch.optim.SGD([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as e_err:
        ember.optim.SGD([ember.zeros(2, requires_grad=True)], **kwargs)
    assert str(e_err.value) == str(t_err.value) == msg


def test_sgd_default_lr_and_repr(torch):
    e = ember.optim.SGD([ember.zeros(2, requires_grad=True)])
    t = torch.optim.SGD([torch.zeros(2, requires_grad=True)])
    assert repr(e) == repr(t)
    assert e.defaults == t.defaults
