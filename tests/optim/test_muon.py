"""Muon against PyTorch: Newton-Schulz orthogonalisation, trajectories, state, reprs, argument errors."""

import numpy as np
import pytest

import ember
from ember.optim.muon import _newton_schulz
from tests.optim.test_adafactor import Tensors

MATRICES = [(4, 6), (6, 4), (5, 5), (16, 3)]


@pytest.mark.parametrize("shape", [(4, 6), (6, 4), (16, 16), (64, 32), (33, 70)])
@pytest.mark.parametrize("steps", [1, 5])
def test_newton_schulz_matches_torch_bfloat16(torch, shape, steps):
    from torch.optim._muon import _zeropower_via_newtonschulz
    g = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    coeffs = (3.4445, -4.775, 2.0315)
    expected = _zeropower_via_newtonschulz(torch.tensor(g), coeffs, steps, 1e-7).float().numpy()
    got = _newton_schulz(g, coeffs, steps, 1e-7)
    assert got.shape == shape and got.dtype == np.float32
    # bfloat16 values rounded the same way. The float32 sums inside the products are ordered differently
    # (BLAS vs PyTorch's GEMM): a rare one-unit rounding difference then spreads through later iterations.
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-2)
    if min(shape) <= 32:
        assert np.mean(got == expected) > 0.95


def test_newton_schulz_orthogonalises():
    g = np.random.default_rng(2).standard_normal((8, 5)).astype(np.float32)
    x = _newton_schulz(g, (3.4445, -4.775, 2.0315), 5, 1e-7)
    s = np.linalg.svd(x, compute_uv=False)
    assert np.all((s > 0.5) & (s < 1.5))  # the quintic iteration pushes singular values into about [0.7, 1.2]


MUON = [
    dict(),
    dict(lr=0.02),
    dict(lr=0.02, weight_decay=0.0),
    dict(lr=0.02, nesterov=False),
    dict(lr=0.02, momentum=0.5, weight_decay=0.05),
    dict(lr=0.02, adjust_lr_fn="original"),
    dict(lr=0.02, adjust_lr_fn="match_rms_adamw"),
    dict(lr=0.02, ns_steps=3, ns_coefficients=(2.0, -1.5, 0.5)),
]


@pytest.mark.parametrize("kwargs", MUON, ids=[str(c) for c in MUON])
def test_muon_trajectory(torch, kwargs):
    m = Tensors(torch, shapes=MATRICES)
    e_opt, t_opt = ember.optim.Muon(m.e_params, **kwargs), torch.optim.Muon(m.t_params, **kwargs)
    for s in range(8):
        m.step_both(e_opt, t_opt)
        # The update is bfloat16 (8 significant bits): a one-unit rounding difference moves a weight by
        # about lr' * 2**-9.
        m.assert_close(rtol=1e-3, atol=5e-4, step=s)


def test_muon_moves_weights_as_torch_when_exact(torch):
    # With one step from zero momentum the update is the orthogonalised gradient itself.
    m = Tensors(torch, shapes=[(3, 5)])
    e_opt = ember.optim.Muon(m.e_params, lr=0.1, weight_decay=0.0)
    t_opt = torch.optim.Muon(m.t_params, lr=0.1, weight_decay=0.0)
    before = m.e_params[0].detach().numpy().copy()
    m.step_both(e_opt, t_opt)
    m.assert_close(rtol=1e-5, atol=1e-6)
    assert not np.allclose(before, m.e_params[0].detach().numpy())


def test_muon_float64_parameters_scale_the_update_in_float64(torch):
    # The orthogonalised update is bfloat16 either way; a float64 parameter is then moved in float64 (scaling
    # the update in float32 first is off by about 1e-10).
    m = Tensors(torch, shapes=MATRICES, dtype=np.float64)
    e_opt, t_opt = ember.optim.Muon(m.e_params, lr=0.02), torch.optim.Muon(m.t_params, lr=0.02)
    for s in range(4):
        m.step_both(e_opt, t_opt)
        m.assert_close(rtol=0, atol=1e-14, step=s)


def test_muon_state_and_round_trip(torch):
    m = Tensors(torch, shapes=MATRICES)
    e_opt, t_opt = ember.optim.Muon(m.e_params, lr=0.02), torch.optim.Muon(m.t_params, lr=0.02)
    for _ in range(2):
        m.step_both(e_opt, t_opt)
    e_sd, t_sd = e_opt.state_dict(), t_opt.state_dict()
    assert e_sd["param_groups"] == t_sd["param_groups"]
    for k, t_state in t_sd["state"].items():
        e_state = e_sd["state"][k]
        assert list(e_state) == list(t_state) == ["momentum_buffer"]
        ev, tv = e_state["momentum_buffer"], t_state["momentum_buffer"]
        assert ev.dtype == ember.float32 and tuple(ev.shape) == tuple(tv.shape)
        np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=1e-3, atol=1e-4)
    e_new = ember.optim.Muon(m.e_params, lr=1.0)
    e_new.load_state_dict(e_sd)
    assert e_new.param_groups[0]["lr"] == 0.02
    for s in range(3):
        m.step_both(e_new, t_opt)
        m.assert_close(rtol=1e-3, atol=5e-4, step=s)


def test_muon_repr_and_defaults(torch):
    e = ember.optim.Muon([ember.zeros(2, 3, requires_grad=True)])
    t = torch.optim.Muon([torch.zeros(2, 3, requires_grad=True)])
    assert repr(e) == repr(t)
    assert e.defaults == t.defaults
    e = ember.optim.Muon([ember.zeros(2, 3, requires_grad=True)], lr=0.02, adjust_lr_fn="match_rms_adamw")
    t = torch.optim.Muon([torch.zeros(2, 3, requires_grad=True)], lr=0.02, adjust_lr_fn="match_rms_adamw")
    assert repr(e) == repr(t)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4)])
def test_muon_rejects_non_matrices(torch, shape):
    with pytest.raises(ValueError) as t_err:
        torch.optim.Muon([torch.zeros(4, 4, requires_grad=True), torch.zeros(shape, requires_grad=True)])
    with pytest.raises(ValueError) as e_err:
        ember.optim.Muon([ember.zeros(4, 4, requires_grad=True), ember.zeros(shape, requires_grad=True)])
    assert str(e_err.value) == str(t_err.value).replace("torch.Size", "ember.Size")


def test_muon_non_matrix_added_later_fails_at_step(torch):
    results = []
    for lib in (torch, ember):
        opt = lib.optim.Muon([lib.zeros(2, 2, requires_grad=True)])
        v = lib.ones(3, requires_grad=True)
        opt.add_param_group({"params": [v]})
        v.sum().backward()
        with pytest.raises(ValueError) as err:
            opt.step()
        results.append(str(err.value))
    assert results[0] == results[1]


@pytest.mark.parametrize("kwargs", [dict(ns_steps=100), dict(ns_coefficients=(1.0, 2.0))])
def test_muon_bad_iteration_settings_fail_at_step(torch, kwargs):
    results = []
    for lib in (torch, ember):
        w = lib.ones(2, 2, requires_grad=True)
        opt = lib.optim.Muon([w], **kwargs)
        w.sum().backward()
        with pytest.raises(ValueError) as err:
            opt.step()
        results.append(str(err.value))
    assert results[0] == results[1]


@pytest.mark.parametrize("kwargs", [
    dict(lr=-0.1), dict(momentum=-0.5), dict(weight_decay=-1.0), dict(adjust_lr_fn="spectral"),
])
def test_muon_bad_arguments(torch, kwargs):
    with pytest.raises(ValueError) as t_err:
        torch.optim.Muon([torch.zeros(2, 2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as e_err:
        ember.optim.Muon([ember.zeros(2, 2, requires_grad=True)], **kwargs)
    assert str(e_err.value) == str(t_err.value)
