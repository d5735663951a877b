"""Shared helpers: a tiny MLP built from raw tensors, trained side by side in ember and PyTorch."""

import numpy as np

import ember


class TinyMLP:
    """A 2-layer tanh MLP as raw leaf tensors, with identical weights in ember and torch."""

    def __init__(self, torch, seed=0, n_in=4, n_hidden=6, n_out=3, n=10):
        rng = np.random.default_rng(seed)
        self.torch = torch
        arrays = [
            rng.standard_normal((n_hidden, n_in)).astype(np.float32) * 0.5,
            rng.standard_normal(n_hidden).astype(np.float32) * 0.1,
            rng.standard_normal((n_out, n_hidden)).astype(np.float32) * 0.5,
            rng.standard_normal(n_out).astype(np.float32) * 0.1,
        ]
        self.e_params = [ember.tensor(a, requires_grad=True) for a in arrays]
        self.t_params = [torch.tensor(a, requires_grad=True) for a in arrays]
        self.x = rng.standard_normal((n, n_in)).astype(np.float32)
        self.y = rng.standard_normal((n, n_out)).astype(np.float32)

    @staticmethod
    def _forward(lib, params, x, y):
        w1, b1, w2, b2 = params
        h = lib.tanh(x @ w1.t() + b1)
        out = h @ w2.t() + b2
        return ((out - y) ** 2).mean()

    def e_loss(self):
        return self._forward(ember, self.e_params, ember.tensor(self.x), ember.tensor(self.y))

    def t_loss(self):
        return self._forward(self.torch, self.t_params, self.torch.tensor(self.x), self.torch.tensor(self.y))

    def backward_both(self):
        for p in self.e_params:
            p.grad = None
        for p in self.t_params:
            p.grad = None
        self.e_loss().backward()
        self.t_loss().backward()

    def assert_close(self, rtol=1e-4, atol=1e-5, step=None):
        for i, (e, t) in enumerate(zip(self.e_params, self.t_params)):
            np.testing.assert_allclose(e._data, t.detach().numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"param {i} differs at step {step}")


def run_side_by_side(model, e_opt, t_opt, steps=30, rtol=1e-4, atol=1e-5):
    """Train ``steps`` steps in both libraries and compare the parameters after every step."""
    for s in range(steps):
        model.backward_both()
        e_opt.step()
        t_opt.step()
        model.assert_close(rtol=rtol, atol=atol, step=s)
