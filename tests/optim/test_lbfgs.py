"""LBFGS against PyTorch (with and without the strong-Wolfe line search)."""

import numpy as np
import pytest

import ember
from tests.optim._helpers import TinyMLP


def _closures(m, e_opt, t_opt):
    def e_closure():
        e_opt.zero_grad()
        loss = m.e_loss()
        loss.backward()
        return loss

    def t_closure():
        t_opt.zero_grad()
        loss = m.t_loss()
        loss.backward()
        return loss

    return e_closure, t_closure


@pytest.mark.parametrize("kwargs", [
    dict(lr=0.5, max_iter=5),
    dict(lr=1, max_iter=4, history_size=3),
    dict(lr=1, max_iter=5, line_search_fn="strong_wolfe"),
])
def test_lbfgs_trajectory(torch, kwargs):
    m = TinyMLP(torch)
    e_opt = ember.optim.LBFGS(m.e_params, **kwargs)
    t_opt = torch.optim.LBFGS(m.t_params, **kwargs)
    e_closure, t_closure = _closures(m, e_opt, t_opt)
    for s in range(6):
        e_loss = e_opt.step(e_closure)
        t_loss = t_opt.step(t_closure)
        assert e_loss.item() == pytest.approx(t_loss.item(), rel=1e-3, abs=1e-5)
        m.assert_close(rtol=2e-3, atol=2e-4, step=s)
    e_state = e_opt.state[m.e_params[0]]
    t_state = t_opt.state[m.t_params[0]]
    assert e_state["func_evals"] == t_state["func_evals"]
    assert e_state["n_iter"] == t_state["n_iter"]
    assert len(e_state["old_dirs"]) == len(t_state["old_dirs"])
    assert isinstance(e_state["d"], ember.Tensor)


def test_lbfgs_quadratic_converges(torch):
    target = np.array([1.0, -2.0, 3.0], dtype=np.float32)
    w = ember.zeros(3, requires_grad=True)
    opt = ember.optim.LBFGS([w], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((w - ember.tensor(target)) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w._data, target, atol=1e-4)


def test_lbfgs_errors(torch):
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        ember.optim.LBFGS([ember.zeros(2, requires_grad=True)], lr=-1)
    a, b = ember.zeros(2, requires_grad=True), ember.zeros(2, requires_grad=True)
    with pytest.raises(ValueError) as e_err:
        ember.optim.LBFGS([{"params": [a]}, {"params": [b]}])
    with pytest.raises(ValueError) as t_err:
        torch.optim.LBFGS([{"params": [torch.zeros(2, requires_grad=True)]},
                           {"params": [torch.zeros(2, requires_grad=True)]}])
    assert str(e_err.value) == str(t_err.value)
    e = ember.optim.LBFGS([a])
    t = torch.optim.LBFGS([torch.zeros(2, requires_grad=True)])
    assert repr(e) == repr(t)
    assert e.defaults == t.defaults


def test_lbfgs_resume_from_state_dict(torch):
    import pickle
    m = TinyMLP(torch)
    m2 = TinyMLP(torch)
    opt = ember.optim.LBFGS(m.e_params, max_iter=3, history_size=4, line_search_fn="strong_wolfe")
    e_closure, _ = _closures(m, opt, torch.optim.LBFGS(m.t_params))
    for _ in range(3):
        opt.step(e_closure)
    for p2, p in zip(m2.e_params, m.e_params):
        p2._data[...] = p._data
    opt2 = ember.optim.LBFGS(m2.e_params, max_iter=3, history_size=4, line_search_fn="strong_wolfe")
    opt2.load_state_dict(pickle.loads(pickle.dumps(opt.state_dict())))
    e_closure2, _ = _closures(m2, opt2, torch.optim.LBFGS(m2.t_params))
    for _ in range(3):
        opt.step(e_closure)
        opt2.step(e_closure2)
        for p2, p in zip(m2.e_params, m.e_params):
            np.testing.assert_array_equal(p2._data, p._data)


def test_step_does_not_warn_about_scalar_conversion():
    """LBFGS reads the closure's loss as a number: no "Converting a tensor with requires_grad=True" warning."""
    import warnings

    w = ember.nn.Parameter(ember.tensor([1.0, -2.0]))
    opt = ember.optim.LBFGS([w], line_search_fn="strong_wolfe", max_iter=5)

    def closure():
        opt.zero_grad()
        loss = (w ** 2).sum()
        loss.backward()
        return loss

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step(closure)
