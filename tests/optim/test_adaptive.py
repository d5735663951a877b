"""RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, Rprop and ASGD against PyTorch."""

import numpy as np
import pytest

import ember
from tests.optim._helpers import TinyMLP, run_side_by_side

CASES = [
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.005, momentum=0.9)),
    ("RMSprop", dict(lr=0.005, momentum=0.5, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, eps=1e-6)),
    ("Adagrad", dict(lr=0.05, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5)),
    ("Adadelta", dict(lr=1.0, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01, betas=(0.8, 0.99))),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.01, maximize=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.9))),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-4, 0.2))),
    ("Rprop", dict(lr=0.01, step_sizes=(1e-6, 0.05), maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=10, lambd=1e-3, alpha=0.5, weight_decay=0.01)),
    ("ASGD", dict(lr=0.02, t0=5, maximize=True)),
]


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_trajectory(torch, name, kwargs):
    m = TinyMLP(torch)
    e_opt = getattr(ember.optim, name)(m.e_params, **kwargs)
    t_opt = getattr(torch.optim, name)(m.t_params, **kwargs)
    run_side_by_side(m, e_opt, t_opt, steps=32)


NAMES = ["RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "Rprop", "ASGD"]


@pytest.mark.parametrize("name", NAMES)
def test_state_layout_repr_defaults(torch, name):
    kwargs = dict(momentum=0.9, centered=True) if name == "RMSprop" else {}
    m = TinyMLP(torch)
    e_opt = getattr(ember.optim, name)(m.e_params, **kwargs)
    t_opt = getattr(torch.optim, name)(m.t_params, **kwargs)
    assert repr(e_opt) == repr(t_opt)
    assert e_opt.defaults == t_opt.defaults
    run_side_by_side(m, e_opt, t_opt, steps=2)
    e_sd, t_sd = e_opt.state_dict(), t_opt.state_dict()
    assert e_sd["param_groups"] == t_sd["param_groups"]
    for k, t_state in t_sd["state"].items():
        e_state = e_sd["state"][k]
        assert list(e_state) == list(t_state)
        for key, tv in t_state.items():
            assert isinstance(e_state[key], ember.Tensor)
            assert str(e_state[key].dtype).replace("ember", "torch") == str(tv.dtype)
            assert float(e_state[key].sum()) == pytest.approx(float(tv.sum()), rel=1e-4, abs=1e-6)


def test_adagrad_state_exists_before_first_step(torch):
    e = ember.optim.Adagrad([ember.zeros(2, requires_grad=True)], initial_accumulator_value=0.3)
    t = torch.optim.Adagrad([torch.zeros(2, requires_grad=True)], initial_accumulator_value=0.3)
    e_s, t_s = e.state_dict()["state"], t.state_dict()["state"]
    assert list(e_s[0]) == list(t_s[0]) == ["step", "sum"]
    assert e_s[0]["sum"].tolist() == t_s[0]["sum"].tolist()


BAD = [
    ("RMSprop", dict(lr=-1)), ("RMSprop", dict(eps=-1)), ("RMSprop", dict(momentum=-1)),
    ("RMSprop", dict(weight_decay=-1)), ("RMSprop", dict(alpha=-1)),
    ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(weight_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adagrad", dict(eps=-1)),
    ("Adadelta", dict(lr=-1)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1)),
    ("Adadelta", dict(weight_decay=-1)),
    ("Adamax", dict(lr=-1)), ("Adamax", dict(eps=-1)), ("Adamax", dict(betas=(1.0, 0.9))),
    ("Adamax", dict(betas=(0.9, 1.0))), ("Adamax", dict(weight_decay=-1)),
    ("NAdam", dict(lr=-1)), ("NAdam", dict(momentum_decay=-1)), ("NAdam", dict(betas=(0.9, 2.0))),
    ("RAdam", dict(lr=-1)), ("RAdam", dict(eps=-1)), ("RAdam", dict(weight_decay=-1)),
    ("Rprop", dict(lr=-1)), ("Rprop", dict(etas=(1.2, 0.5))), ("ASGD", dict(lr=-1)), ("ASGD", dict(weight_decay=-1)),
]


@pytest.mark.parametrize("name, kwargs", BAD, ids=[f"{n}-{k}" for n, k in BAD])
def test_bad_arguments(torch, name, kwargs):
    with pytest.raises(ValueError) as t_err:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as e_err:
        getattr(ember.optim, name)([ember.zeros(2, requires_grad=True)], **kwargs)
    assert str(e_err.value) == str(t_err.value)


def test_rprop_nan_gradient_leaves_weight_unchanged(torch):
    # PyTorch's sign(NaN) is 0: the weight does not move; the NaN is kept as the previous gradient.
    g = [float("nan"), 1.0, -1.0, float("inf")]
    e_w, t_w = ember.ones(4, requires_grad=True), torch.ones(4, requires_grad=True)
    e_opt, t_opt = ember.optim.Rprop([e_w]), torch.optim.Rprop([t_w])
    for _ in range(3):
        e_w.grad, t_w.grad = ember.tensor(g), torch.tensor(g)
        e_opt.step()
        t_opt.step()
        np.testing.assert_array_equal(e_w.detach().numpy(), t_w.detach().numpy())
        for k in ("prev", "step_size"):
            np.testing.assert_array_equal(e_opt.state[e_w][k].numpy(), t_opt.state[t_w][k].numpy())


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax"])
def test_tensor_betas(torch, name):
    m = TinyMLP(torch)
    betas = (0.8, 0.95)
    e_opt = getattr(ember.optim, name)(m.e_params, lr=0.01, betas=tuple(ember.tensor(b) for b in betas))
    t_opt = getattr(torch.optim, name)(m.t_params, lr=0.01, betas=tuple(torch.tensor(b) for b in betas))
    run_side_by_side(m, e_opt, t_opt, steps=5)
