"""``VonMises``: the circular normal distribution on angles."""

import math

import ember
from ember._backend import xp
from ember._random import get_generator
from ember._random_kernels import f53
from ember._tensor import Size, wrap
from ember.distributions import constraints
from ember.distributions.distribution import Distribution
from ember.distributions.utils import _MeanModeAtLoc, broadcast_all, lazy_property

__all__ = ["VonMises"]


def _log_i0(x):
    """log I0(x) = log(i0e(x)) + x, finite for large x (where I0 overflows)."""
    return ember.special.i0e(x).log() + x


def _rejection_sample(loc, concentration, proposal_r):
    """Best and Fisher's (1979) wrapped-Cauchy rejection sampler (float64 arrays in, angles in [-pi, pi) out),
    drawing as PyTorch does: every round takes three float64 uniforms per element (all of the first, then all
    of the second and the third) and rewrites every element it accepts, done or not, until all are done."""
    gen = get_generator()
    kappa, r, mu = concentration.ravel(), proposal_r.ravel(), loc.ravel()
    n = mu.size
    x = xp.zeros(n)
    done = xp.zeros(n, bool)
    while not done.all():
        u1, u2, u3 = f53(gen, 3 * n).reshape(3, n)
        z = xp.cos(math.pi * u1)
        f = (1 + r * z) / (r + z)
        c = kappa * (r - f)
        with xp.errstate(divide="ignore", invalid="ignore"):
            accept = ((c * (2 - c) - u2) > 0) | ((xp.log(c / u2) + 1 - c) >= 0)
            x = xp.where(accept, xp.sign(u3 - 0.5) * xp.arccos(f), x)
        done |= accept
    return (xp.mod(x + math.pi + mu, 2 * math.pi) - math.pi).reshape(loc.shape)


class VonMises(_MeanModeAtLoc, Distribution):
    """The von Mises distribution: density ``exp(concentration * cos(x - loc)) / (2 pi I0(concentration))``
    on angles. ``sample`` uses Best and Fisher's rejection sampler (no ``rsample``).

    Args:
        loc (Tensor): the mean angle, in radians.
        concentration (Tensor): the concentration (> 0; 1 / variance as it grows).
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> m = VonMises(ember.tensor([1.0]), ember.tensor([1.0]))
        >>> m.log_prob(ember.tensor([1.0]))
        tensor([-1.0786])
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        batch_shape = self.loc.shape
        super().__init__(batch_shape, Size(), validate_args)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.concentration * ember.cos(value - self.loc)
        return log_prob - math.log(2 * math.pi) - _log_i0(self.concentration)

    @lazy_property
    def _loc(self):
        return self.loc.detach().double()

    @lazy_property
    def _concentration(self):
        return self.concentration.detach().double()

    @lazy_property
    def _proposal_r(self):
        kappa = self._concentration._data
        # Best-Fisher: tau = 1 + sqrt(1 + 4 k^2), rho = (tau - sqrt(2 tau)) / (2k), r = (1 + rho^2) / (2 rho),
        # evaluated as PyTorch does (so its samples are reproduced), 1/k + k below k = 1e-5 where rho cancels
        with xp.errstate(divide="ignore", invalid="ignore"):
            tau = 1 + xp.sqrt(1 + 4 * kappa ** 2)
            rho = (tau - xp.sqrt(2 * tau)) / (2 * kappa)
            return wrap(xp.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho ** 2) / (2 * rho)))

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        loc = xp.broadcast_to(self._loc._data, shape)
        kappa = xp.broadcast_to(self._concentration._data, shape)
        r = xp.broadcast_to(self._proposal_r._data, shape)
        with ember.no_grad():
            return wrap(_rejection_sample(loc, kappa, r).astype(self.loc.dtype.np))

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(VonMises, batch_shape, _instance, "loc", "concentration")

    @lazy_property
    def variance(self):
        """The circular variance ``1 - I1(k) / I0(k)``."""
        return 1 - ember.special.i1e(self.concentration) / ember.special.i0e(self.concentration)
