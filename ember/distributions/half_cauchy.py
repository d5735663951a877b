"""``HalfCauchy``: the absolute value of a zero-location Cauchy variable."""

import math

import ember
from ember._tensor import Size
from ember.distributions.cauchy import Cauchy
from ember.distributions.half_normal import _HalfDistribution

__all__ = ["HalfCauchy"]


class HalfCauchy(_HalfDistribution):
    """The half-Cauchy distribution: ``|X|`` with ``X ~ Cauchy(0, scale)``.

    Args:
        scale (float or Tensor): the scale of the underlying Cauchy (> 0).
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> m = HalfCauchy(ember.tensor([1.0]))
        >>> m.log_prob(ember.tensor([1.0]))
        tensor([-1.1447])
    """

    _base_cls = Cauchy
    _cast_value = True

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(Size(batch_shape), _instance=new)

    @property
    def mean(self):
        return ember.full(self._extended_shape(), math.inf, dtype=self.scale.dtype)

    @property
    def variance(self):
        return self.base_dist.variance
