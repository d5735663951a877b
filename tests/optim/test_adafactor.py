"""Adafactor and SparseAdam against PyTorch: trajectories, state, reprs, argument errors."""

import numpy as np
import pytest

import ember
from tests.optim._helpers import TinyMLP, run_side_by_side

SHAPES = [(), (5,), (4, 3), (2, 3, 4), (2, 1, 3, 2)]


class Tensors:
    """Parameters of several ranks (0-d to 4-d) with identical values in ember and torch, and a smooth loss."""

    def __init__(self, torch, shapes=SHAPES, seed=0, dtype=np.float32):
        rng = np.random.default_rng(seed)
        self.torch = torch
        arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
        self.targets = [rng.standard_normal(s).astype(dtype) for s in shapes]
        self.e_params = [ember.tensor(a, requires_grad=True) for a in arrays]
        self.t_params = [torch.tensor(a, requires_grad=True) for a in arrays]

    @staticmethod
    def _loss(lib, params, targets):
        total = 0
        for p, t in zip(params, targets):
            total = total + ((lib.tanh(p * 1.5) - lib.tensor(t)) ** 2).sum() + (p ** 2).sum() * 0.01
        return total

    def step_both(self, e_opt, t_opt):
        for opt, lib, params in ((e_opt, ember, self.e_params), (t_opt, self.torch, self.t_params)):
            opt.zero_grad()
            self._loss(lib, params, self.targets).backward()
            opt.step()

    def assert_close(self, rtol=1e-4, atol=1e-5, step=None):
        for i, (e, t) in enumerate(zip(self.e_params, self.t_params)):
            assert e.dtype.name == str(t.dtype).replace("torch.", "")
            np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"param {i} {tuple(t.shape)} differs at step {step}")


ADAFACTOR = [
    dict(),
    dict(lr=0.05),
    dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.05, maximize=True),
    dict(lr=0.05, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=2.0),
    dict(lr=0.5, d=1.0),
    dict(lr=0.05, eps=(1e-3, 1e-3), weight_decay=0.01, maximize=True),
]


@pytest.mark.parametrize("kwargs", ADAFACTOR, ids=[str(c) for c in ADAFACTOR])
def test_adafactor_trajectory_all_ranks(torch, kwargs):
    m = Tensors(torch)
    e_opt, t_opt = ember.optim.Adafactor(m.e_params, **kwargs), torch.optim.Adafactor(m.t_params, **kwargs)
    for s in range(12):
        m.step_both(e_opt, t_opt)
        m.assert_close(step=s)


def test_adafactor_mlp_trajectory(torch):
    m = TinyMLP(torch)
    run_side_by_side(m, ember.optim.Adafactor(m.e_params, lr=0.05), torch.optim.Adafactor(m.t_params, lr=0.05),
                     steps=25)


def test_adafactor_float64(torch):
    m = Tensors(torch, dtype=np.float64)
    e_opt, t_opt = ember.optim.Adafactor(m.e_params, lr=0.05), torch.optim.Adafactor(m.t_params, lr=0.05)
    for s in range(5):
        m.step_both(e_opt, t_opt)
        m.assert_close(rtol=1e-10, atol=1e-12, step=s)
    for p in m.e_params:
        assert all(v.dtype == ember.float64 for k, v in e_opt.state[p].items() if k != "step")


def test_adafactor_skips_params_without_grad(torch):
    m = Tensors(torch, shapes=[(3,), (2, 2)])
    e_opt, t_opt = ember.optim.Adafactor(m.e_params, lr=0.05), torch.optim.Adafactor(m.t_params, lr=0.05)
    m.step_both(e_opt, t_opt)
    m.e_params[1].grad = None
    m.t_params[1].grad = None
    e_opt.step()
    t_opt.step()
    m.assert_close()
    assert e_opt.state[m.e_params[1]]["step"].item() == t_opt.state[m.t_params[1]]["step"].item() == 1.0


def test_adafactor_state_layout_matches_torch(torch):
    m = Tensors(torch)
    e_opt, t_opt = ember.optim.Adafactor(m.e_params, lr=0.05), torch.optim.Adafactor(m.t_params, lr=0.05)
    for _ in range(2):
        m.step_both(e_opt, t_opt)
    e_sd, t_sd = e_opt.state_dict(), t_opt.state_dict()
    assert e_sd["param_groups"] == t_sd["param_groups"]
    assert list(e_sd["state"]) == list(t_sd["state"])
    for k, t_state in t_sd["state"].items():
        e_state = e_sd["state"][k]
        assert list(e_state) == list(t_state)
        for key, tv in t_state.items():
            ev = e_state[key]
            assert isinstance(ev, ember.Tensor)
            assert str(ev.dtype).replace("ember", "torch") == str(tv.dtype)
            assert tuple(ev.shape) == tuple(tv.shape), key
            np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=1e-4, atol=1e-7)
    assert e_sd["state"][0]["step"].item() == 2.0


def test_adafactor_state_dict_round_trip(torch):
    m = Tensors(torch)
    e_opt, t_opt = ember.optim.Adafactor(m.e_params, lr=0.05), torch.optim.Adafactor(m.t_params, lr=0.05)
    for _ in range(3):
        m.step_both(e_opt, t_opt)
    # A fresh ember optimizer loaded from the state dict continues the torch trajectory.
    e_new = ember.optim.Adafactor(m.e_params, lr=0.5)
    e_new.load_state_dict(e_opt.state_dict())
    # As in PyTorch, loading shares the state tensors (no dtype cast needed) with the source optimizer's.
    t_new = torch.optim.Adafactor(m.t_params, lr=0.5)
    t_new.load_state_dict(t_opt.state_dict())
    p0, q0 = m.e_params[2], m.t_params[2]
    assert {k: e_new.state[p0][k] is v for k, v in e_opt.state[p0].items()} == \
        {k: t_new.state[q0][k] is v for k, v in t_opt.state[q0].items()}
    assert e_new.param_groups[0]["lr"] == 0.05
    for s in range(4):
        m.step_both(e_new, t_opt)
        m.assert_close(step=s)


def test_adafactor_repr_and_defaults(torch):
    e = ember.optim.Adafactor([ember.zeros(2, requires_grad=True)])
    t = torch.optim.Adafactor([torch.zeros(2, requires_grad=True)])
    assert repr(e) == repr(t)
    assert e.defaults == t.defaults
    e = ember.optim.Adafactor([ember.zeros(2, requires_grad=True)], lr=0.1, eps=(1e-30, 1e-2), maximize=True)
    t = torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], lr=0.1, eps=(1e-30, 1e-2), maximize=True)
    assert repr(e) == repr(t)


@pytest.mark.parametrize("name,kwargs", [
    ("Adafactor", dict(lr=-0.1)), ("Adafactor", dict(beta2_decay=0.5)), ("Adafactor", dict(eps=(-1.0, 1e-3))),
    ("Adafactor", dict(eps=(None, -1.0))), ("Adafactor", dict(d=0.5)), ("Adafactor", dict(weight_decay=-1.0)),
    ("SparseAdam", dict(lr=0.0)), ("SparseAdam", dict(lr=-1.0)), ("SparseAdam", dict(eps=0.0)),
    ("SparseAdam", dict(betas=(1.0, 0.9))), ("SparseAdam", dict(betas=(0.9, -0.1))),
])
def test_bad_arguments(torch, name, kwargs):
    with pytest.raises(ValueError) as t_err:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as e_err:
        getattr(ember.optim, name)([ember.zeros(2, requires_grad=True)], **kwargs)
    assert str(e_err.value) == str(t_err.value)


def test_adafactor_tensor_lr(torch):
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], lr=torch.ones(2))
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        ember.optim.Adafactor([ember.zeros(2, requires_grad=True)], lr=ember.ones(2))
    m = Tensors(torch, shapes=[(3, 2)])
    e_opt = ember.optim.Adafactor(m.e_params, lr=ember.tensor(0.05))
    t_opt = torch.optim.Adafactor(m.t_params, lr=torch.tensor(0.05))
    for s in range(3):
        m.step_both(e_opt, t_opt)
        m.assert_close(step=s)


def test_adafactor_state_stays_float32(torch):
    m = Tensors(torch)
    opt = ember.optim.Adafactor(m.e_params)
    m.step_both(opt, torch.optim.Adafactor(m.t_params))
    for p in m.e_params:
        assert p.dtype == ember.float32
        for k, v in opt.state[p].items():
            assert v.dtype == ember.float32, k


# ----------------------------------------------------------------------------------------------- SparseAdam
def test_sparse_adam_dense_grad_raises_as_torch(torch):
    e_w = ember.zeros(2, 3, requires_grad=True)
    t_w = torch.zeros(2, 3, requires_grad=True)
    e_opt, t_opt = ember.optim.SparseAdam([e_w]), torch.optim.SparseAdam([t_w])
    # No gradient yet: a no-op in both.
    e_opt.step()
    t_opt.step()
    assert len(e_opt.state) == len(t_opt.state) == 0
    e_w.sum().backward()
    t_w.sum().backward()
    with pytest.raises(RuntimeError) as t_err:
        t_opt.step()
    with pytest.raises(RuntimeError) as e_err:
        e_opt.step()
    assert str(e_err.value) == str(t_err.value)
    assert e_w.tolist() == t_w.tolist()


def test_sparse_adam_repr_defaults_state_dict(torch):
    e = ember.optim.SparseAdam([ember.zeros(2, requires_grad=True)], lr=0.01, maximize=True)
    t = torch.optim.SparseAdam([torch.zeros(2, requires_grad=True)], lr=0.01, maximize=True)
    assert repr(e) == repr(t)
    assert e.defaults == t.defaults
    assert e.state_dict() == t.state_dict()
    e.load_state_dict(t.state_dict())
    assert e.param_groups[0]["lr"] == 0.01
