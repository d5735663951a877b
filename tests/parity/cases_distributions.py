"""Parity rows for ember/_ops/distributions.py.

``StandardGamma`` returns a gamma sample drawn by its caller (PyTorch draws inside ``torch._standard_gamma``),
so the row feeds both libraries the same sample ``x`` and compares the implicit reparameterisation gradient
with PyTorch's ``_standard_gamma_grad``: on the torch side the same value and gradient come from
``x + (alpha - alpha.detach()) * _standard_gamma_grad(alpha, x)``. ``DirichletSample`` likewise: a Dirichlet sample
``x`` and PyTorch's ``_dirichlet_grad`` in the gradient ``g_i (grad_i - sum_j x_j grad_j)`` its ``Dirichlet.rsample``
gives, built on the torch side from ``x_j + e_j - x_j sum_i e_i`` with ``e_i = g_i (alpha_i - alpha_i.detach())``.
"""

import ember._ops.distributions  # noqa: F401 - registers the op (the parity suite checks coverage)
from tests.parity.harness import Arg, Case


def _standard_gamma(m, alpha, x):
    if m.__name__ == "torch":
        return x + (alpha - alpha.detach()) * m._standard_gamma_grad(alpha.detach(), x)
    return ember._ops.distributions.StandardGamma.apply(alpha, x)


def _dirichlet_sample(m, alpha, x):
    if m.__name__ == "torch":
        g = m._dirichlet_grad(x, alpha.detach(), alpha.detach().sum(-1, True).expand_as(alpha))
        e = g * (alpha - alpha.detach())
        return x + e - x * e.sum(-1, True)
    return ember._ops.distributions.DirichletSample.apply(alpha, x)


def _simplex_draws(shape):
    def make(rng):
        return rng.dirichlet(rng.uniform(0.5, 2.0, shape[-1]), size=shape[:-1]).astype("float32")
    return make


def _gamma_draws(shape):
    def make(rng):
        return rng.gamma(rng.uniform(0.5, 2.0, shape)).astype("float32") + 0.05
    return make


CASES = [
    # PyTorch's gradient is an approximation good to ~1e-3; ember's is exact to ~1e-8 (tests/distributions/
    # test_gamma.py compares it with finite differences), hence the gradient tolerance; no finite-difference
    # check here, since the forward does not depend on alpha
    Case(("StandardGamma",), _standard_gamma, [Arg((2, 3), kind="positive"), Arg((2, 3), kind=_gamma_draws((2, 3)),
                                                                                  grad=False)],
         name="standard_gamma", grad_rtol=5e-3, grad_atol=1e-4, gradcheck=False),
    Case(("StandardGamma",), _standard_gamma, [Arg((3,), kind="positive"), Arg((2, 3), kind=_gamma_draws((2, 3)),
                                                                               grad=False)],
         name="standard_gamma-broadcast", grad_rtol=5e-3, grad_atol=1e-4, gradcheck=False),
    Case(("DirichletSample",), _dirichlet_sample, [Arg((2, 4), kind="positive"),
                                                    Arg((2, 4), kind=_simplex_draws((2, 4)), grad=False)],
         name="dirichlet_sample", grad_rtol=5e-3, grad_atol=1e-4, gradcheck=False),
]
