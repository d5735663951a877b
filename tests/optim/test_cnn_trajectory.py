"""A small CNN (conv -> relu -> linear) trained 30 steps side by side with PyTorch."""

import numpy as np
import pytest

import ember


def _weights(seed=0):
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((4, 1, 3, 3)) * 0.3).astype(np.float32),
        (rng.standard_normal(4) * 0.1).astype(np.float32),
        (rng.standard_normal((3, 4 * 4 * 4)) * 0.1).astype(np.float32),
        (rng.standard_normal(3) * 0.1).astype(np.float32),
    ], rng.standard_normal((8, 1, 6, 6)).astype(np.float32), rng.integers(0, 3, 8)


def _loss(lib, F, params, x, y):
    cw, cb, lw, lb = params
    h = F.relu(F.conv2d(x, cw, cb))
    logits = h.reshape(x.shape[0], -1) @ lw.t() + lb
    return F.cross_entropy(logits, y)


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("Adam", dict(lr=0.01, weight_decay=1e-3)),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.003, centered=True)),
])
def test_small_cnn_trajectory(torch, name, kwargs):
    import ember.nn.functional as EF
    import torch.nn.functional as TF
    arrays, x, y = _weights()
    ep = [ember.tensor(a, requires_grad=True) for a in arrays]
    tp = [torch.tensor(a, requires_grad=True) for a in arrays]
    ex, ey = ember.tensor(x), ember.tensor(y)
    tx, ty = torch.tensor(x), torch.tensor(y)
    e_opt = getattr(ember.optim, name)(ep, **kwargs)
    t_opt = getattr(torch.optim, name)(tp, **kwargs)
    for step in range(30):
        e_opt.zero_grad()
        t_opt.zero_grad()
        _loss(ember, EF, ep, ex, ey).backward()
        _loss(torch, TF, tp, tx, ty).backward()
        e_opt.step()
        t_opt.step()
        for i, (e, t) in enumerate(zip(ep, tp)):
            np.testing.assert_allclose(e._data, t.detach().numpy(), rtol=1e-4, atol=1e-5,
                                       err_msg=f"param {i} at step {step}")


def test_small_cnn_with_nn_modules(torch):
    if not hasattr(ember.nn, "Conv2d") or not hasattr(ember.nn, "Linear"):
        pytest.skip("ember.nn.Conv2d / Linear not available yet")
    arrays, x, y = _weights(1)

    def build(lib):
        model = lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3), lib.nn.ReLU(), lib.nn.Flatten(), lib.nn.Linear(64, 3))
        with lib.no_grad():
            for p, a in zip(model.parameters(), arrays):
                p.copy_(lib.tensor(a))
        return model

    em, tm = build(ember), build(torch)
    e_opt = ember.optim.Adam(em.parameters(), lr=0.01)
    t_opt = torch.optim.Adam(tm.parameters(), lr=0.01)
    ex, ey, tx, ty = ember.tensor(x), ember.tensor(y), torch.tensor(x), torch.tensor(y)
    for _ in range(30):
        e_opt.zero_grad()
        t_opt.zero_grad()
        ember.nn.functional.cross_entropy(em(ex), ey).backward()
        torch.nn.functional.cross_entropy(tm(tx), ty).backward()
        e_opt.step()
        t_opt.step()
    for e, t in zip(em.parameters(), tm.parameters()):
        np.testing.assert_allclose(e._data, t.detach().numpy(), rtol=1e-4, atol=1e-5)
