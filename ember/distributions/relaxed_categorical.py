"""``RelaxedOneHotCategorical``: a continuous relaxation of one-hot categorical draws (Gumbel-softmax)."""

import ember
from ember._tensor import Size
from ember.distributions import constraints
from ember.distributions.categorical import Categorical, _CategoricalParams
from ember.distributions.distribution import Distribution
from ember.distributions.relaxed_bernoulli import _Relaxed
from ember.distributions.transforms import ExpTransform
from ember.distributions.utils import _uniform, clamp_probs

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(_CategoricalParams, Distribution):
    """The log of a :class:`RelaxedOneHotCategorical` sample: ``log_softmax((logits + G) / temperature)`` with
    ``G`` standard Gumbel noise (Maddison et al., 2017). Give exactly one of ``probs`` and ``logits``.

    Args:
        temperature (Tensor): the relaxation temperature (> 0).
        probs (Tensor): event probabilities.
        logits (Tensor): unnormalised log-probabilities.
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector  # the log of a point on the simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        super().__init__(self._categorical.batch_shape, self.param_shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(ExpRelaxedCategorical, batch_shape, _instance)
        new.temperature = self.temperature
        new._categorical = self._categorical.expand(batch_shape)
        return new

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        uniforms = clamp_probs(_uniform(shape, self.logits.dtype))
        gumbels = -((-(uniforms.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value):
        k = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        log_scale = ember.full_like(self.temperature, float(k)).lgamma() - self.temperature.log().mul(-(k - 1))
        score = self.logits - value.mul(self.temperature)
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(_Relaxed):
    """The relaxed one-hot categorical (Concrete / Gumbel-softmax) distribution on the simplex:
    ``softmax((logits + G) / temperature)`` with Gumbel noise ``G``. As ``temperature`` goes to 0 samples
    approach one-hot vectors; ``rsample`` is differentiable in the probabilities.

    Args:
        temperature (Tensor): the relaxation temperature (> 0).
        probs (Tensor): event probabilities.
        logits (Tensor): unnormalised log-probabilities.
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> m = RelaxedOneHotCategorical(ember.tensor([2.2]), ember.tensor([0.1, 0.2, 0.3, 0.4]))
        >>> m.rsample().shape
        ember.Size([4])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base_dist = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        return super().expand(Size(batch_shape), _instance=new)
