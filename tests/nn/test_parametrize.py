"""ember.nn.utils.parametrize / parametrizations (weight_norm, spectral_norm, orthogonal) and the hook-based
weight_norm / spectral_norm, side by side with PyTorch."""

import copy
import pickle
import warnings

import numpy as np
import pytest

import ember
import ember.nn as enn
from ember.nn.utils import parametrizations as EP
from ember.nn.utils import parametrize as eparam


def _e(t):
    return ember.tensor(t.detach().numpy().copy())


def _close(e, t, rtol=1e-5, atol=1e-6):
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def _pair(torch, kind, *args, **kwargs):
    """The same layer in both libraries, with ember's parameters copied from torch's."""
    t = getattr(torch.nn, kind)(*args, **kwargs)
    e = getattr(enn, kind)(*args, **kwargs)
    e.load_state_dict({k: _e(v) for k, v in t.state_dict().items()})
    return e, t


def _copy_state(e, t):
    """Copy every tensor of torch's state dict into ember's module (same keys required)."""
    sd = t.state_dict()
    assert list(e.state_dict()) == list(sd)
    e.load_state_dict({k: _e(v) for k, v in sd.items()})


def _grads(e_mod, t_mod):
    e_named = dict(e_mod.named_parameters())
    for name, tp in t_mod.named_parameters():
        assert name in e_named
        if tp.grad is None:
            assert e_named[name].grad is None
        else:
            _close(e_named[name].grad, tp.grad, rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------------------------ weight_norm
@pytest.mark.parametrize("kind,args,dim", [
    ("Linear", (5, 4), 0), ("Linear", (5, 4), 1), ("Linear", (5, 4), None), ("Linear", (5, 4), -1),
    ("Conv2d", (3, 4, 2), 0), ("Conv2d", (3, 4, 2), 1), ("Conv2d", (3, 4, 2), 3), ("Conv2d", (3, 4, 2), -2),
])
def test_weight_norm_values_grads_and_keys(torch, kind, args, dim):
    e, t = _pair(torch, kind, *args)
    torch.nn.utils.parametrizations.weight_norm(t, dim=dim)
    EP.weight_norm(e, dim=dim)
    assert type(e).__name__ == type(t).__name__ == "Parametrized" + kind
    assert list(e.state_dict()) == list(t.state_dict())
    _close(e.parametrizations.weight.original0, t.parametrizations.weight.original0)
    _close(e.parametrizations.weight.original1, t.parametrizations.weight.original1)
    _close(e.weight, t.weight)
    x = np.random.default_rng(1).standard_normal((2, 5) if kind == "Linear" else (2, 3, 5, 5)).astype("float32")
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    eo, to = e(ex), t(tx)
    _close(eo, to)
    g = np.random.default_rng(2).standard_normal(tuple(to.shape)).astype("float32")
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    _close(ex.grad, tx.grad, rtol=1e-4, atol=1e-5)
    _grads(e, t)
    assert repr(e) == repr(t)


def test_weight_norm_loads_legacy_g_v_state_dict(torch):
    e = EP.weight_norm(enn.Linear(3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        t_old = torch.nn.utils.weight_norm(torch.nn.Linear(3, 4))
    sd = {k: _e(v) for k, v in t_old.state_dict().items()}
    assert sorted(sd) == ["bias", "weight_g", "weight_v"]
    e.load_state_dict(sd)
    _close(e.weight, t_old.weight)


# ---------------------------------------------------------------------------------------------- spectral_norm
@pytest.mark.parametrize("kind,args,kwargs", [
    ("Linear", (5, 4), {}), ("Linear", (5, 4), {"n_power_iterations": 3}), ("Conv2d", (3, 4, 2), {}),
    ("ConvTranspose2d", (3, 4, 2), {}), ("Conv1d", (3, 4, 2), {"dim": -1, "eps": 1e-6}),
])
def test_spectral_norm_training_and_eval_match_torch(torch, kind, args, kwargs):
    e, t = _pair(torch, kind, *args)
    torch.nn.utils.parametrizations.spectral_norm(t, **kwargs)
    EP.spectral_norm(e, **kwargs)
    assert list(e.state_dict()) == list(t.state_dict())
    _copy_state(e, t)  # the random u, v start vectors
    nd = {"Linear": 0, "Conv1d": 1, "Conv2d": 2, "ConvTranspose2d": 2}[kind]
    x = np.random.default_rng(1).standard_normal((2, args[0]) + (5,) * nd).astype("float32")
    for _ in range(2):  # two training steps: u, v advance
        eo, to = e(ember.tensor(x)), t(torch.tensor(x))
        _close(eo, to, rtol=1e-4, atol=1e-5)
        eo.sum().backward()
        to.sum().backward()
    _grads(e, t)
    _close(e.parametrizations.weight[0]._u, t.parametrizations.weight[0]._u, rtol=1e-4, atol=1e-5)
    _close(e.parametrizations.weight[0]._v, t.parametrizations.weight[0]._v, rtol=1e-4, atol=1e-5)
    e.eval()
    t.eval()
    u_before = e.parametrizations.weight[0]._u.clone()
    _close(e.weight, t.weight, rtol=1e-4, atol=1e-5)
    assert ember.equal(e.parametrizations.weight[0]._u, u_before)


def test_spectral_norm_sigma_is_largest_singular_value():
    m = EP.spectral_norm(enn.Linear(6, 5), n_power_iterations=30)
    w = m.weight.detach().numpy()
    assert abs(np.linalg.svd(w, compute_uv=False)[0] - 1.0) < 1e-3


def test_spectral_norm_1d_and_errors(torch):
    e, t = enn.Module(), torch.nn.Module()
    w = np.arange(1.0, 5.0, dtype="float32")
    e.w, t.w = enn.Parameter(ember.tensor(w)), torch.nn.Parameter(torch.tensor(w))
    EP.spectral_norm(e, "w")
    torch.nn.utils.parametrizations.spectral_norm(t, "w")
    _close(e.w, t.w)
    with pytest.raises(ValueError, match="n_power_iterations=0"):
        EP.spectral_norm(enn.Linear(2, 3), n_power_iterations=0)
    with pytest.raises(torch_error(torch, lambda m: m.spectral_norm(torch.nn.Linear(2, 3), dim=2)),
                       match="Dimension out of range"):
        EP.spectral_norm(enn.Linear(2, 3), dim=2)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
        EP.spectral_norm(enn.Linear(2, 3), "nope")


def torch_error(torch, fn):
    try:
        fn(torch.nn.utils.parametrizations)
    except Exception as exc:  # noqa: BLE001 - we want the type torch raises
        return type(exc)
    raise AssertionError("torch did not raise")


# ------------------------------------------------------------------------------------------------- orthogonal
@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 6)])
@pytest.mark.parametrize("omap", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_values_and_grads_match_torch(torch, shape, omap):
    t = torch.nn.Linear(shape[1], shape[0], bias=False)
    e = enn.Linear(shape[1], shape[0], bias=False)
    torch.nn.utils.parametrizations.orthogonal(t, orthogonal_map=omap)
    EP.orthogonal(e, orthogonal_map=omap)
    assert list(e.state_dict()) == list(t.state_dict())
    # base is random for non-square weights (and original starts at -I): copy torch's, then move original.
    _copy_state(e, t)
    rng = np.random.default_rng(3)
    delta = (0.3 * rng.standard_normal(shape)).astype("float32")
    if omap == "householder":  # its diagonal only carries column signs, read through .int() (as in torch)
        np.fill_diagonal(delta, 0.0)
    with torch.no_grad():
        t.parametrizations.weight.original.add_(torch.tensor(delta))
    with ember.no_grad():
        e.parametrizations.weight.original.add_(ember.tensor(delta))
    ew, tw = e.weight, t.weight
    _close(ew, tw, rtol=1e-4, atol=1e-5)
    k = min(shape)
    gram = (ew.T @ ew) if shape[0] >= shape[1] else (ew @ ew.T)
    np.testing.assert_allclose(gram.detach().numpy(), np.eye(k), atol=1e-5)
    g = rng.standard_normal(shape).astype("float32")
    (ew * ember.tensor(g)).sum().backward()
    (tw * torch.tensor(g)).sum().backward()
    _close(e.parametrizations.weight.original.grad, t.parametrizations.weight.original.grad, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4)])
def test_orthogonal_householder_without_trivialization(torch, shape):
    w = np.random.default_rng(0).standard_normal(shape).astype("float32")
    t = torch.nn.Linear(shape[1], shape[0], bias=False)
    e = enn.Linear(shape[1], shape[0], bias=False)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(w))
    e.weight.data = ember.tensor(w)
    torch.nn.utils.parametrizations.orthogonal(t, orthogonal_map="householder", use_trivialization=False)
    EP.orthogonal(e, orthogonal_map="householder", use_trivialization=False)
    assert list(e.state_dict()) == list(t.state_dict()) == ["parametrizations.weight.original"]
    _close(e.parametrizations.weight.original, t.parametrizations.weight.original, rtol=1e-4, atol=1e-5)
    _close(e.weight, t.weight, rtol=1e-4, atol=1e-5)
    e.weight.sum().backward()
    t.weight.sum().backward()
    _close(e.parametrizations.weight.original.grad, t.parametrizations.weight.original.grad, rtol=1e-3, atol=1e-4)


def test_orthogonal_square_weight_keeps_its_q_and_assignment(torch):
    w = np.random.default_rng(0).standard_normal((4, 4)).astype("float32")
    t, e = torch.nn.Linear(4, 4), enn.Linear(4, 4)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(w))
    e.weight.data = ember.tensor(w)
    torch.nn.utils.parametrizations.orthogonal(t)
    EP.orthogonal(e)
    # base = Q of the QR decomposition of the weight (positive diagonal of R): deterministic
    _close(e.parametrizations.weight[0].base, t.parametrizations.weight[0].base, rtol=1e-4, atol=1e-5)
    _close(e.weight, t.weight, rtol=1e-4, atol=1e-5)
    q = np.linalg.qr(np.random.default_rng(1).standard_normal((4, 4)))[0].astype("float32")
    e.weight = ember.tensor(q)
    t.weight = torch.tensor(q)
    _close(e.weight, t.weight, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e.weight.detach().numpy(), q, atol=1e-6)


def test_orthogonal_errors(torch):
    with pytest.raises(ValueError, match="Got a tensor of 1 dimensions"):
        EP.orthogonal(enn.Linear(3, 3), "bias")
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
        EP.orthogonal(enn.Linear(3, 3), orthogonal_map="qr")
    m = EP.orthogonal(enn.Linear(3, 3), use_trivialization=False)
    with pytest.raises(NotImplementedError, match="use_trivialization=False"):
        m.weight = ember.eye(3)
    m = EP.orthogonal(enn.Linear(3, 3))
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices of shape"):
        m.weight = ember.eye(4)


# -------------------------------------------------------------------------------------------------- parametrize
class _Symmetric(enn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).mT


class _Scale(enn.Module):
    def forward(self, X):
        return 2 * X

    def right_inverse(self, X):
        return X / 2


class _SplitSum(enn.Module):
    def forward(self, A, B):
        return A + B

    def right_inverse(self, X):
        return X * 0.25, X * 0.75


def test_register_structure_state_dict_and_remove():
    m = enn.Linear(3, 3)
    w0 = m.weight
    eparam.register_parametrization(m, "weight", _Scale())
    assert type(m).__name__ == "ParametrizedLinear" and isinstance(m, enn.Linear)
    assert eparam.type_before_parametrizations(m) is enn.Linear
    assert eparam.is_parametrized(m) and eparam.is_parametrized(m, "weight")
    assert not eparam.is_parametrized(m, "bias")
    # the stored tensor is the same Parameter object (optimizers keep working), holding right_inverse(weight)
    assert m.parametrizations.weight.original is w0
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert [n for n, _ in m.named_parameters()] == ["bias", "parametrizations.weight.original"]
    np.testing.assert_allclose(m.weight.detach().numpy(), 2 * w0.detach().numpy())
    # assigning goes through right_inverse
    m.weight = ember.ones(3, 3)
    np.testing.assert_allclose(m.parametrizations.weight.original.detach().numpy(), 0.5)
    eparam.register_parametrization(m, "weight", _Symmetric())  # chained
    assert len(m.parametrizations.weight) == 2
    w = m.weight.detach().numpy()
    np.testing.assert_allclose(w, w.T)
    eparam.remove_parametrizations(m, "weight", leave_parametrized=True)
    assert type(m) is enn.Linear and "parametrizations" not in m._modules
    assert list(m.state_dict()) == ["weight", "bias"] or list(m.state_dict()) == ["bias", "weight"]
    assert m.weight is w0 and isinstance(m.weight, enn.Parameter)
    np.testing.assert_allclose(m.weight.detach().numpy(), w)


def test_remove_leave_unparametrized_and_errors():
    m = eparam.register_parametrization(enn.Linear(3, 3), "weight", _Scale())
    orig = m.parametrizations.weight.original.detach().numpy().copy()
    eparam.remove_parametrizations(m, "weight", leave_parametrized=False)
    np.testing.assert_allclose(m.weight.detach().numpy(), orig)
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        eparam.remove_parametrizations(m, "weight")
    m = eparam.register_parametrization(enn.Linear(3, 3), "weight", _SplitSum())
    assert m.parametrizations.weight.ntensors == 2
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    with pytest.raises(ValueError, match="sequence of tensors"):
        eparam.remove_parametrizations(m, "weight", leave_parametrized=False)
    w = m.weight.detach().numpy()
    eparam.remove_parametrizations(m, "weight")
    assert isinstance(m.weight, enn.Parameter) and m.weight.requires_grad
    np.testing.assert_allclose(m.weight.detach().numpy(), w)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
        eparam.register_parametrization(enn.Linear(3, 3), "nope", _Scale())


def test_register_checks_dtype_and_shape(torch):
    class ToDouble(enn.Module):
        def forward(self, X):
            return X.double()

    class Flatten(enn.Module):
        def forward(self, X):
            return X.flatten()

    with pytest.raises(ValueError, match="may not change the dtype"):
        eparam.register_parametrization(enn.Linear(3, 3), "weight", ToDouble())
    with pytest.raises(ValueError, match="may not change the shape"):
        eparam.register_parametrization(enn.Linear(3, 3), "weight", Flatten())
    m = eparam.register_parametrization(enn.Linear(3, 3), "weight", Flatten(), unsafe=True)
    assert m.weight.shape == (9,)
    m = eparam.register_parametrization(enn.Linear(3, 3), "weight", _Scale())
    with pytest.raises(ValueError, match="may not change the shape"):
        eparam.register_parametrization(m, "weight", Flatten())
    # the same checks in torch, for the record
    with pytest.raises(ValueError, match="may not change the shape"):
        torch.nn.utils.parametrize.register_parametrization(
            torch.nn.Linear(3, 3), "weight", type("F", (torch.nn.Module,), {"forward": lambda s, X: X.flatten()})())


def test_buffers_can_be_parametrized():
    m = enn.Module()
    m.register_buffer("b", ember.ones(3, 3))
    eparam.register_parametrization(m, "b", _Scale())
    assert "parametrizations.b.original" in m.state_dict()
    assert not m.parametrizations.b.original.requires_grad
    np.testing.assert_allclose(m.b.numpy(), 1.0)


def test_cached():
    m = eparam.register_parametrization(enn.Linear(3, 3), "weight", _Symmetric())
    assert m.weight is not m.weight
    with eparam.cached():
        w = m.weight
        assert m.weight is w
        with eparam.cached():
            assert m.weight is w
        assert m.weight is w
    assert m.weight is not w
    assert eparam._cache == {}
    c = copy.deepcopy(m)
    with eparam.cached():
        assert c.weight is not m.weight and c.weight is c.weight


def test_training_through_optimizer_matches_torch(torch):
    e, t = _pair(torch, "Linear", 4, 3)
    torch.nn.utils.parametrizations.weight_norm(t)
    EP.weight_norm(e)
    eo, to = ember.optim.SGD(e.parameters(), lr=0.1, momentum=0.9), torch.optim.SGD(t.parameters(), lr=0.1,
                                                                                        momentum=0.9)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal((5, 4)).astype("float32")
        for mod, opt, lib in ((e, eo, ember), (t, to, torch)):
            opt.zero_grad()
            mod(lib.tensor(x)).pow(2).mean().backward()
            opt.step()
    _close(e.weight, t.weight, rtol=1e-4, atol=1e-5)
    _close(e.parametrizations.weight.original0, t.parametrizations.weight.original0, rtol=1e-4, atol=1e-5)


def test_load_state_dict_from_torch_parametrized(torch):
    t = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(4, 3))
    e = EP.spectral_norm(enn.Linear(4, 3))
    e.load_state_dict({k: _e(v) for k, v in t.state_dict().items()})
    e.eval()
    t.eval()
    _close(e.weight, t.weight, rtol=1e-5, atol=1e-6)


def test_deepcopy_pickle_and_transfer(torch):
    m = EP.weight_norm(enn.Linear(3, 2))
    c = copy.deepcopy(m)
    assert type(c) is type(m)
    assert c.parametrizations.weight.original1 is not m.parametrizations.weight.original1
    np.testing.assert_allclose(c.weight.detach().numpy(), m.weight.detach().numpy())
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(m)
    target = enn.Linear(3, 2)
    eparam.transfer_parametrizations_and_params(m, target)
    assert eparam.is_parametrized(target, "weight")
    assert target.parametrizations.weight.original0 is m.parametrizations.weight.original0
    np.testing.assert_allclose(target.weight.detach().numpy(), m.weight.detach().numpy())


def test_repr_matches_torch(torch):
    t = torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 3))
    e = EP.orthogonal(enn.Linear(3, 3))
    assert repr(e) == repr(t)
    t = torch.nn.utils.parametrize.register_parametrization(torch.nn.Linear(3, 3), "weight", torch.nn.Identity())
    e = eparam.register_parametrization(enn.Linear(3, 3), "weight", enn.Identity())
    assert repr(e) == repr(t)


# ------------------------------------------------------------------------------------------- hook-based API
def test_hook_weight_norm_matches_torch(torch):
    e, t = _pair(torch, "Conv1d", 2, 3, 3)
    with pytest.warns(FutureWarning, match="deprecated in favor of"):
        enn.utils.weight_norm(e, dim=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.nn.utils.weight_norm(t, dim=1)
    assert list(e.state_dict()) == list(t.state_dict()) == ["bias", "weight_g", "weight_v"]
    _close(e.weight_g, t.weight_g)
    x = np.random.default_rng(0).standard_normal((2, 2, 6)).astype("float32")
    eo, to = e(ember.tensor(x)), t(torch.tensor(x))
    _close(eo, to)
    eo.sum().backward()
    to.sum().backward()
    _grads(e, t)
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            enn.utils.weight_norm(e, dim=1)
    enn.utils.remove_weight_norm(e)
    torch.nn.utils.remove_weight_norm(t)
    assert list(e.state_dict()) == list(t.state_dict())
    _close(e.weight, t.weight)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in"):
        enn.utils.remove_weight_norm(e)


def test_hook_spectral_norm_matches_torch(torch):
    e, t = _pair(torch, "Linear", 4, 3)
    torch.nn.utils.spectral_norm(t)
    enn.utils.spectral_norm(e)
    assert list(e.state_dict()) == list(t.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    _copy_state(e, t)
    x = np.random.default_rng(0).standard_normal((2, 4)).astype("float32")
    for _ in range(2):
        eo, to = e(ember.tensor(x)), t(torch.tensor(x))
        _close(eo, to, rtol=1e-4, atol=1e-5)
        eo.sum().backward()
        to.sum().backward()
    _grads(e, t)
    _close(e.weight_u, t.weight_u, rtol=1e-4, atol=1e-5)
    e.eval()
    t.eval()
    u = e.weight_u.clone()
    _close(e(ember.tensor(x)), t(torch.tensor(x)), rtol=1e-4, atol=1e-5)
    assert ember.equal(u, e.weight_u)
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        enn.utils.spectral_norm(e)
    enn.utils.remove_spectral_norm(e)
    torch.nn.utils.remove_spectral_norm(t)
    assert list(e.state_dict()) == list(t.state_dict())
    _close(e.weight, t.weight, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in"):
        enn.utils.remove_spectral_norm(e)


@pytest.mark.parametrize("use_linalg", [True, False])
def test_orthogonal_maps_helpers_match_torch(torch, monkeypatch, use_linalg):
    # The maps use ember.linalg.matrix_exp / householder_product when present, else compose them from
    # differentiable ops: both paths must agree with torch, values and gradients.
    if not use_linalg:
        monkeypatch.delattr(ember.linalg, "matrix_exp", raising=False)
        monkeypatch.delattr(ember.linalg, "householder_product", raising=False)
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 5, 5)).astype("float64")
    a = a - np.swapaxes(a, -1, -2)
    ea, ta = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    eo, to = EP._matrix_exp(ea), torch.linalg.matrix_exp(ta)
    _close(eo, to, rtol=1e-9, atol=1e-10)
    g = rng.standard_normal(a.shape)
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    _close(ea.grad, ta.grad, rtol=1e-7, atol=1e-8)
    h = np.tril(rng.standard_normal((5, 3)), -1)
    tau = 2.0 / (1.0 + (h * h).sum(0))
    eh, th = ember.tensor(h, requires_grad=True), torch.tensor(h, requires_grad=True)
    eo = EP._householder_product(eh, ember.tensor(tau))
    to = torch.linalg.householder_product(th, torch.tensor(tau))
    _close(eo, to, rtol=1e-9, atol=1e-10)
    eo.sum().backward()
    to.sum().backward()
    _close(eh.grad, th.grad, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4)])
def test_orthogonal_complex_defaults_to_matrix_exp_and_is_unitary(torch, shape):
    w = np.random.default_rng(0).standard_normal(shape + (2,)) @ np.array([1.0, 1j])
    t = torch.nn.Linear(shape[1], shape[0], bias=False, dtype=torch.complex128)
    e = enn.Linear(shape[1], shape[0], bias=False, dtype=ember.complex128)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(10 * w))
    e.weight.data = ember.tensor(10 * w)
    torch.nn.utils.parametrizations.orthogonal(t, use_trivialization=False)
    EP.orthogonal(e, use_trivialization=False)
    assert e.parametrizations.weight[0].orthogonal_map.name == t.parametrizations.weight[0].orthogonal_map.name
    _close(e.weight, t.weight, rtol=1e-7, atol=1e-9)
    ew = e.weight.detach().numpy()
    gram = ew.conj().T @ ew if shape[0] >= shape[1] else ew @ ew.conj().T
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-10)
    with pytest.raises(ValueError, match="^The householder parametrization does not support complex tensors.$"):
        EP.orthogonal(enn.Linear(3, 5, dtype=ember.complex64), orthogonal_map="householder")
    with pytest.raises(ValueError, match="^The householder parametrization does not support complex tensors.$"):
        torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 5, dtype=torch.complex64),
                                                   orthogonal_map="householder")


def test_hook_spectral_norm_state_dict_metadata(torch):
    e = enn.Sequential(enn.utils.spectral_norm(enn.Linear(4, 3)), enn.utils.spectral_norm(enn.Conv2d(2, 3, 2)))
    t = torch.nn.Sequential(torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3)),
                            torch.nn.utils.spectral_norm(torch.nn.Conv2d(2, 3, 2)))
    assert e.state_dict()._metadata == t.state_dict()._metadata
    assert e.state_dict(prefix="a.")._metadata == t.state_dict(prefix="a.")._metadata
    e1 = enn.utils.spectral_norm(enn.utils.spectral_norm(enn.Linear(4, 3)), name="bias")
    t1 = torch.nn.utils.spectral_norm(torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3)), name="bias")
    assert e1.state_dict()._metadata == t1.state_dict()._metadata
    assert tuple(e1.bias_v.shape) == tuple(t1.bias_v.shape) == (1,)
    enn.utils.remove_spectral_norm(e1, "bias")
    torch.nn.utils.remove_spectral_norm(t1, "bias")
    assert e1.state_dict()._metadata == t1.state_dict()._metadata


_SN_LEGACY = {  # checkpoints of the old hook spectral_norm, saved without (or with) its version entry
    "w_u": ("weight", "bias", "weight_u"),
    "w_only": ("weight", "bias"),
    "w_orig_u": ("weight", "weight_orig", "bias", "weight_u"),
    "full": ("weight_orig", "bias", "weight_u", "weight_v"),
    "full_w": ("weight", "weight_orig", "bias", "weight_u", "weight_v"),
    "orig_u": ("weight_orig", "bias", "weight_u"),
}


@pytest.mark.parametrize("case", list(_SN_LEGACY))
@pytest.mark.parametrize("version", [None, 1])
def test_hook_spectral_norm_loads_legacy_checkpoints_like_torch(torch, case, version):
    from collections import OrderedDict

    rng = np.random.default_rng(0)
    # a tall weight: the v solved from u is then unique (a wide one leaves PyTorch's value to rounding noise)
    src = {"weight": rng.standard_normal((5, 3)), "bias": rng.standard_normal(5), "weight_u": np.full(5, 0.2 ** 0.5),
           "weight_v": np.full(3, 3 ** -0.5)}
    src["weight_orig"] = 2 * src["weight"]
    results = []
    for lib, nn in ((ember, enn), (torch, torch.nn)):
        lib.manual_seed(0)
        m = nn.utils.spectral_norm(nn.Linear(3, 5))
        sd = OrderedDict((k, lib.tensor(src[k].astype("float32"))) for k in _SN_LEGACY[case])
        if version is not None:
            sd._metadata = {"": {"version": 1, "spectral_norm": {"weight.version": version}}}
        res = m.load_state_dict(sd, strict=False)
        results.append((res, {k: getattr(m, k).detach().numpy() for k in ("weight_orig", "weight_u", "weight_v")}))
    (e_res, e_vals), (t_res, t_vals) = results
    assert (e_res.missing_keys, e_res.unexpected_keys) == (t_res.missing_keys, t_res.unexpected_keys)
    for k in ("weight_u", "weight_v") if "weight_orig" in _SN_LEGACY[case] else ("weight_u",):
        np.testing.assert_allclose(e_vals[k], t_vals[k], rtol=1e-4, atol=1e-5)


def test_hook_spectral_norm_strict_legacy_error_matches_torch(torch):
    w = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    msgs = []
    for lib, nn in ((ember, enn), (torch, torch.nn)):
        m = nn.utils.spectral_norm(nn.Linear(4, 3))
        with pytest.raises(RuntimeError) as info:
            m.load_state_dict({"weight": lib.tensor(w), "bias": lib.zeros(3), "weight_u": lib.ones(3)})
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


def test_register_parametrization_non_tensor_message(torch):
    for nn in (enn, torch.nn):
        class Bad(nn.Module):
            def forward(self, X):
                return 3

        with pytest.raises(ValueError, match=r"^A parametrization must return a tensor\. Got int\.$"):
            nn.utils.parametrize.register_parametrization(nn.Linear(2, 2), "weight", Bad())
