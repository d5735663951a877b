"""Optimizers on complex parameters: PyTorch treats a complex number as two real ones (Adam's second moment is
per part, not g * g), keeps the state complex, and refuses complex parameters in SparseAdam, Adafactor, Muon."""

import numpy as np
import pytest

import ember

RNG = np.random.default_rng(0)
W0 = (RNG.standard_normal((3, 4)) + 1j * RNG.standard_normal((3, 4))).astype(np.complex64)
X0 = RNG.standard_normal((5, 4)).astype(np.float32)

OPTIMIZERS = {
    "SGD": dict(lr=0.01, momentum=0.9), "Adam": dict(lr=0.01), "AdamW": dict(lr=0.01),
    "RMSprop": dict(lr=0.01), "Adagrad": dict(lr=0.01), "Adadelta": dict(lr=0.5), "Adamax": dict(lr=0.01),
    "NAdam": dict(lr=0.01), "RAdam": dict(lr=0.01), "ASGD": dict(lr=0.01), "Rprop": dict(lr=0.01),
    "LBFGS": dict(lr=0.1), "Adam-amsgrad": dict(lr=0.01, amsgrad=True),
}


def _run(lib, name, steps=4):
    w = lib.nn.Parameter(lib.tensor(W0))
    kwargs = OPTIMIZERS[name]
    opt = getattr(lib.optim, name.split("-")[0])([w], **kwargs)
    x = lib.tensor(X0)

    def closure():
        opt.zero_grad()
        loss = (x.to(w.dtype) @ w.T).abs().pow(2).sum() + (lib.fft.fft(w).abs().pow(2) * 0.1).sum()
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)
    return w, opt


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_complex_parameter_trajectory_matches_torch(torch, name):
    wt, ot = _run(torch, name)
    we, oe = _run(ember, name)
    assert we.dtype == ember.complex64 and we.grad.dtype == ember.complex64
    np.testing.assert_allclose(we.detach().numpy(), wt.detach().numpy(), rtol=1e-4, atol=1e-5)
    st, se = ot.state[wt], oe.state[we]
    assert sorted(se) == sorted(st)
    for key, value in st.items():
        if isinstance(value, torch.Tensor) and value.ndim:
            # The state stays complex (and of the parameter's shape) where PyTorch's does.
            assert se[key].dtype.is_complex == value.dtype.is_complex, key
            assert tuple(se[key].shape) == tuple(value.shape), key
            # (LBFGS's flat history vectors are small differences of float32 gradients, compared absolutely: the
            # cancellation leaves ~1e-4 of summation-order noise, which differs between PyTorch's CPU kernels)
            np.testing.assert_allclose(se[key].numpy(), value.numpy(), rtol=1e-4,
                                       atol=3e-4 if name == "LBFGS" else 1e-5)


def test_complex_adam_is_not_adam_on_g_squared():
    # The old behaviour: exp_avg_sq = E[g * g] (complex) made the update rotate the gradient.
    w = ember.nn.Parameter(ember.tensor([1 + 1j]))
    opt = ember.optim.Adam([w], lr=0.1)
    w.grad = ember.tensor([1 + 1j])
    opt.step()
    assert abs(w.detach() - ember.tensor([0.9 + 0.9j])).item() < 1e-6


def test_complex_and_real_parameters_together(torch):
    out = []
    for lib in (torch, ember):
        a = lib.nn.Parameter(lib.tensor(W0))
        b = lib.nn.Parameter(lib.tensor(X0))
        opt = lib.optim.Adam([a, b], lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (a.abs().sum() + (b * b).sum() + (a.sum() * b.sum()).real).backward()
            opt.step()
        out.append((a.detach().numpy(), b.detach().numpy()))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["SparseAdam", "Adafactor", "Muon"])
def test_optimizers_that_refuse_complex_parameters(torch, name):
    from tests._helpers import both

    def go(lib):
        w = lib.nn.Parameter(lib.tensor(W0))
        opt = getattr(lib.optim, name)([w], lr=0.01)
        w.grad = lib.ones_like(w)
        opt.step()

    e, t = both(torch, go)
    assert type(e) is type(t) and str(e) == str(t)


def test_clip_grad_with_complex_gradients(torch):
    from tests._helpers import both

    for norm_type in (2.0, 1.0, float("inf")):
        res = []
        for lib in (torch, ember):
            w = lib.nn.Parameter(lib.tensor([3 + 4j, 1j]))
            v = lib.nn.Parameter(lib.ones(2))
            w.grad, v.grad = lib.tensor([3 + 4j, 1j]), lib.ones(2)
            total = lib.nn.utils.clip_grad_norm_([w, v], 1.0, norm_type=norm_type)
            res.append((total.dtype.is_complex, float(total), w.grad.tolist(), v.grad.tolist()))
        assert res[0][0] == res[1][0] is False
        np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-6)
        np.testing.assert_allclose(np.array(res[1][2]), np.array(res[0][2]), rtol=1e-6)
        np.testing.assert_allclose(res[1][3], res[0][3], rtol=1e-6)

    def value(lib):
        w = lib.nn.Parameter(lib.tensor([3 + 4j, 1j]))
        w.grad = lib.tensor([3 + 4j, 1j])
        lib.nn.utils.clip_grad_value_([w], 0.5)

    e, t = both(torch, value)
    assert type(e) is type(t) is NotImplementedError and str(e) == str(t)
