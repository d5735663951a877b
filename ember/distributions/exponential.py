"""``Exponential``: waiting times of a Poisson process with rate ``rate``."""


import ember
from ember._tensor import Size
from ember.distributions import constraints
from ember.distributions.exp_family import ExponentialFamily
from ember.distributions.utils import broadcast_all

__all__ = ["Exponential"]


def _standard_exponential(shape, dtype):
    """Exp(1) samples drawn as PyTorch's ``exponential_()`` (so the same numbers for the same seed)."""
    return ember.empty(tuple(shape), dtype=dtype).exponential_()


class Exponential(ExponentialFamily):
    """The exponential distribution with density ``rate * exp(-rate * x)`` on ``x >= 0``.

    Args:
        rate (float or Tensor): the rate (``1 / mean``, > 0).
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> m = Exponential(ember.tensor([2.0]))
        >>> m.log_prob(ember.tensor([1.0]))
        tensor([-1.3069])
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return ember.zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate.pow(-2)

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Exponential, batch_shape, _instance, "rate")

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        return _standard_exponential(shape, self.rate.dtype) / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - ember.exp(-self.rate * value)

    def icdf(self, value):
        return -ember.log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - ember.log(self.rate)

    @property
    def _natural_params(self):
        return (-self.rate,)

    def _log_normalizer(self, x):
        return -ember.log(-x)
