"""``GeneralizedPareto``: the limit distribution of exceedances over a high threshold."""

import math

import ember
from ember._tensor import Size
from ember.distributions import constraints
from ember.distributions.distribution import Distribution
from ember.distributions.utils import _uniform, broadcast_all

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """The generalized Pareto distribution with CDF ``1 - (1 + xi z)^(-1/xi)``, ``z = (x - loc) / scale`` and
    ``xi = concentration`` (``1 - exp(-z)`` at ``xi = 0``). Its support is ``[loc, inf)`` for ``xi >= 0`` and
    ``[loc, loc - scale / xi]`` for ``xi < 0``; ``rsample`` inverts the CDF at a uniform draw.

    Args:
        loc (float or Tensor): the location (lower end of the support).
        scale (float or Tensor): the scale (> 0).
        concentration (float or Tensor): the shape ``xi``.
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> GeneralizedPareto(0.0, 1.0, 0.0).cdf(ember.tensor(1.0))   # Exponential(1)
        tensor(0.6321)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        super().__init__(self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(GeneralizedPareto, batch_shape, _instance, "loc", "scale", "concentration")

    def _is_zero(self):
        """Where ``xi`` is 0 to within 1e-8: the exponential limit is used there."""
        return self.concentration.abs() <= 1e-8

    def _safe_concentration(self):
        """``xi`` with (near) zeros replaced by 1, for the branches that divide by it (the ``xi = 0`` limit is
        taken separately)."""
        return ember.where(self._is_zero(), 1.0, self.concentration)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        u = _uniform(shape, self.loc.dtype, low=ember.finfo(self.loc.dtype).tiny)
        return self.icdf(u)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        xi = self._safe_concentration()
        log_scale = self.scale.log()
        power = 1 + 1 / xi
        # xi = -1 is the uniform on [loc, loc + scale]: no 0 * log(0) at its upper end
        general = -log_scale - ember.where(power == 0, 0.0, power * ember.log1p(xi * z))
        exponential = -log_scale - z
        out = ember.where(self._is_zero(), exponential, general)
        inside = (z >= 0) & ((self.concentration >= 0) | (z <= -1 / xi))
        return ember.where(inside, out, float("-inf"))

    def log_survival_function(self, value):
        """``log(1 - cdf(value))``: ``-log1p(xi z) / xi`` (``-z`` at ``xi = 0``), accurate far in the tail."""
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        xi = self._safe_concentration()
        return ember.where(self._is_zero(), -z, -ember.log1p(xi * z) / xi)

    def log_cdf(self, value):
        """``log(cdf(value))``, as ``log(-expm1(log_survival_function(value)))``."""
        return ember.log(-ember.expm1(self.log_survival_function(value)))

    def cdf(self, value):
        return -ember.expm1(self.log_survival_function(value))

    def icdf(self, value):
        xi = self._safe_concentration()
        # ((1 - p)^(-xi) - 1) / xi, and -log(1 - p) at xi = 0
        general = ember.expm1(-xi * ember.log1p(-value)) / xi
        exponential = -ember.log1p(-value)
        return self.loc + self.scale * ember.where(self._is_zero(), exponential, general)

    @property
    def mean(self):
        mu = self.loc + self.scale / (1 - self.concentration)
        return ember.where(self.concentration < 1, mu, float("nan"))

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        var = self.scale.pow(2) / ((1 - self.concentration).pow(2) * (1 - 2 * self.concentration))
        return ember.where(self.concentration < 0.5, var, float("nan"))

    def entropy(self):
        return ember.log(self.scale) + self.concentration + 1

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        upper = ember.where(self.concentration < 0, self.loc - self.scale / self._safe_concentration(), math.inf)
        return constraints.interval(self.loc, upper)
