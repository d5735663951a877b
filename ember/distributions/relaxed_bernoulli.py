"""``RelaxedBernoulli``: a continuous relaxation of the Bernoulli distribution (binary Concrete)."""

from ember._tensor import Size
from ember.distributions import constraints
from ember.distributions.distribution import Distribution
from ember.distributions.transformed_distribution import TransformedDistribution
from ember.distributions.transforms import SigmoidTransform
from ember.distributions.utils import _ProbsOrLogits, _uniform, broadcast_all, clamp_probs

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


class LogitRelaxedBernoulli(_ProbsOrLogits, Distribution):
    """The logit of a :class:`RelaxedBernoulli` sample: ``(logits + log(U) - log(1 - U)) / temperature``
    with ``U`` uniform (Maddison et al., 2017). Give exactly one of ``probs`` and ``logits``.

    Args:
        temperature (Tensor): the relaxation temperature (> 0).
        probs (float or Tensor): the probability of 1.
        logits (float or Tensor): its log-odds.
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self.temperature = temperature
        self._set_probs_or_logits(probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(LogitRelaxedBernoulli, batch_shape, _instance, "probs", "logits")
        new.temperature = self.temperature
        return new

    @property
    def param_shape(self):
        return self._param.size()

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        uniforms = clamp_probs(_uniform(shape, probs.dtype))
        return (uniforms.log() - (-uniforms).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value.mul(self.temperature)
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class _Relaxed(TransformedDistribution):
    """A relaxed distribution: a transform of its ``base_dist``, whose ``temperature``, ``logits`` and ``probs``
    it shows as its own."""

    has_rsample = True

    @property
    def temperature(self):
        return self.base_dist.temperature

    @property
    def logits(self):
        return self.base_dist.logits

    @property
    def probs(self):
        return self.base_dist.probs


class RelaxedBernoulli(_Relaxed):
    """The relaxed Bernoulli (binary Concrete) distribution on (0, 1): ``sigmoid`` of a
    :class:`LogitRelaxedBernoulli` sample. As ``temperature`` goes to 0 its samples approach 0/1 Bernoulli
    draws; ``rsample`` is differentiable in the probabilities.

    Args:
        temperature (Tensor): the relaxation temperature (> 0).
        probs (float or Tensor): the probability of 1.
        logits (float or Tensor): its log-odds.
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> m = RelaxedBernoulli(ember.tensor([2.2]), ember.tensor([0.1, 0.2, 0.3, 0.99]))
        >>> m.rsample().shape
        ember.Size([4])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(Size(batch_shape), _instance=new)
