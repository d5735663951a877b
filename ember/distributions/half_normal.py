"""``HalfNormal``: the absolute value of a zero-mean normal variable."""

import math

import ember
from ember._tensor import Size
from ember.distributions import constraints
from ember.distributions.normal import Normal
from ember.distributions.transformed_distribution import TransformedDistribution
from ember.distributions.transforms import AbsTransform

__all__ = ["HalfNormal"]


class _HalfDistribution(TransformedDistribution):
    """``|X|`` with ``X ~ _base_cls(0, scale)`` symmetric about 0: what :class:`HalfNormal` and
    :class:`~ember.distributions.HalfCauchy` share (the density doubles on ``[0, inf)``)."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _cast_value = False  # cast log_prob's value to the parameters' dtype first (PyTorch's HalfCauchy does)

    def __init__(self, scale, validate_args=None):
        base_dist = self._base_cls(0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mode(self):
        return ember.zeros_like(self.scale)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        if self._cast_value:
            value = ember.as_tensor(value, dtype=self.scale.dtype)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return ember.where(value >= 0, log_prob, float("-inf"))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)


class HalfNormal(_HalfDistribution):
    """The half-normal distribution: ``|X|`` with ``X ~ Normal(0, scale)``.

    Args:
        scale (float or Tensor): the scale of the underlying normal (> 0).
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> m = HalfNormal(ember.tensor([1.0]))
        >>> m.log_prob(ember.tensor([1.0]))
        tensor([-1.2258])
    """

    _base_cls = Normal

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfNormal, _instance)
        return super().expand(Size(batch_shape), _instance=new)

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self):
        return self.scale.pow(2) * (1 - 2 / math.pi)
