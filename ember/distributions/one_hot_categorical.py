"""``OneHotCategorical``: a categorical draw written as a one-hot vector."""

import ember
from ember._tensor import Size
from ember.distributions import constraints
from ember.distributions.categorical import Categorical, _CategoricalParams
from ember.distributions.distribution import Distribution

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]


def _one_hot(index, num_classes, dtype):
    return (index.unsqueeze(-1) == ember.arange(num_classes)).to(dtype)


class OneHotCategorical(_CategoricalParams, Distribution):
    """A categorical distribution whose samples are one-hot vectors of length ``K`` (the event shape is
    ``(K,)``). Give exactly one of ``probs`` and ``logits``.

    Args:
        probs (Tensor): event probabilities, shape ``batch_shape + (K,)``.
        logits (Tensor): event log-probabilities (unnormalised).
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> m = OneHotCategorical(ember.tensor([0.25, 0.75]))
        >>> m.log_prob(ember.tensor([0.0, 1.0]))
        tensor(-0.2877)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits)
        super().__init__(self._categorical.batch_shape, self.param_shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(OneHotCategorical, batch_shape, _instance)
        new._categorical = self._categorical.expand(batch_shape)
        return new

    @property
    def _param(self):
        return self._categorical._param

    @property
    def mean(self):
        return self._categorical.probs

    @property
    def mode(self):
        probs = self._categorical.probs
        return _one_hot(probs.argmax(-1), probs.shape[-1], probs.dtype)

    @property
    def variance(self):
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape=Size()):
        sample_shape = Size(sample_shape)
        probs = self._categorical.probs
        indices = self._categorical.sample(sample_shape)
        return _one_hot(indices, self._categorical._num_events, probs.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        indices = value.max(-1)[1]
        return self._categorical.log_prob(indices)

    def entropy(self):
        return self._categorical.entropy()

    def enumerate_support(self, expand=True):
        n = self.event_shape[0]
        values = ember.eye(n, dtype=self._param.dtype)
        values = values.view((n,) + (1,) * len(self.batch_shape) + (n,))
        if expand:
            values = values.expand((n,) + tuple(self.batch_shape) + (n,))
        return values


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """:class:`OneHotCategorical` with the straight-through gradient estimator: ``rsample`` returns the
    one-hot sample in the forward pass and passes the gradient to ``probs`` as if it were ``probs``
    (Bengio et al., 2013)."""

    has_rsample = True

    def rsample(self, sample_shape=Size()):
        samples = self.sample(sample_shape)
        probs = self._categorical.probs  # cached by the sample() call above
        return samples + (probs - probs.detach())
