"""``Gamma``: the gamma distribution (shape ``concentration``, inverse scale ``rate``), and the reparameterised
standard-gamma sampler the gamma-based distributions share."""


import ember
from ember._tensor import Size
from ember.distributions import constraints
from ember.distributions.exp_family import ExponentialFamily
from ember.distributions.utils import broadcast_all

__all__ = ["Gamma"]


def _standard_gamma(concentration):
    """Gamma(concentration, 1) draws of ``concentration``'s shape, differentiable in ``concentration``: PyTorch's
    sampler on the same stream (``ember._standard_gamma``), with the implicit reparameterisation gradient
    ``dx/dalpha = -(dP/dalpha) / p(x)`` (see ``ember/_ops/distributions.py``)."""
    return ember._standard_gamma(concentration)


class Gamma(ExponentialFamily):
    """The gamma distribution with density ``rate^c x^(c-1) exp(-rate x) / Gamma(c)``, ``c`` the
    concentration.

    ``rsample`` is differentiable in both parameters: in ``rate`` by scaling, in ``concentration`` by the
    implicit reparameterisation gradient of the standard gamma draw.

    Args:
        concentration (float or Tensor): the shape parameter (> 0).
        rate (float or Tensor): the inverse scale (> 0).
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> m = Gamma(ember.tensor([2.0]), ember.tensor([1.0]))
        >>> m.log_prob(ember.tensor([1.0]))
        tensor([-1.])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Gamma, batch_shape, _instance, "concentration", "rate")

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        tiny = ember.finfo(value.dtype).tiny
        if bool((value.detach() < tiny).any()):
            # raise underflowed values to the smallest positive number, leaving the gradient as it is
            value = value + (value.detach().clamp(min=tiny) - value.detach())
        return value

    def log_prob(self, value):
        value = ember.as_tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        return (ember.xlogy(self.concentration, self.rate) + ember.xlogy(self.concentration - 1, value)
                - self.rate * value - ember.lgamma(self.concentration))

    def entropy(self):
        return (self.concentration - ember.log(self.rate) + ember.lgamma(self.concentration)
                + (1.0 - self.concentration) * ember.digamma(self.concentration))

    @property
    def _natural_params(self):
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x, y):
        return ember.lgamma(x + 1) + (x + 1) * ember.log(-y.reciprocal())

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ember.special.gammainc(self.concentration, self.rate * value)
