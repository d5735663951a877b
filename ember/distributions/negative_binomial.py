"""``NegativeBinomial``: successes before ``total_count`` failures."""

import ember
from ember._tensor import Size
from ember.distributions import constraints
from ember.distributions.distribution import Distribution
from ember.distributions.gamma import Gamma
from ember.distributions.utils import _ProbsOrLogits, lazy_property

__all__ = ["NegativeBinomial"]


def _logsigmoid(x):
    from ember.nn import functional as F
    return F.logsigmoid(x)


class NegativeBinomial(_ProbsOrLogits, Distribution):
    """The negative binomial distribution: the number of successes (probability ``probs`` each) before
    ``total_count`` failures. Give exactly one of ``probs`` and ``logits``. Sampled as a gamma-Poisson
    mixture, which also allows a non-integer ``total_count``.

    Args:
        total_count (float or Tensor): the number of failures (> 0; real values allowed).
        probs (Tensor): the success probability, in [0, 1).
        logits (Tensor): its log-odds.
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> m = NegativeBinomial(ember.tensor([3.0]), ember.tensor([0.5]))
        >>> m.mean
        tensor([3.])
    """

    arg_constraints = {
        "total_count": constraints.greater_than_eq(0),
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        (self.total_count,) = self._set_probs_or_logits(probs, logits, total_count)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(NegativeBinomial, batch_shape, _instance, "total_count", "probs", "logits")

    @property
    def mean(self):
        return self.total_count * ember.exp(self.logits)

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        return self.mean / ember.sigmoid(-self.logits)

    @property
    def param_shape(self):
        return self._param.size()

    @lazy_property
    def _gamma(self):
        # the Poisson rate of the gamma-Poisson mixture
        return Gamma(concentration=self.total_count, rate=ember.exp(-self.logits), validate_args=False)

    def sample(self, sample_shape=Size()):
        with ember.no_grad():
            rate = self._gamma.sample(sample_shape=sample_shape)
            return ember.poisson(rate)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_unnormalized_prob = self.total_count * _logsigmoid(-self.logits) + value * _logsigmoid(self.logits)
        log_normalization = (-ember.lgamma(self.total_count + value) + ember.lgamma(1.0 + value)
                             + ember.lgamma(self.total_count))
        # total_count = value = 0: the empty product, probability 1
        log_normalization = ember.where(self.total_count + value == 0, 0.0, log_normalization)
        return log_unnormalized_prob - log_normalization
