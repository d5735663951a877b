"""``Multinomial``: counts of each of ``K`` categories in ``total_count`` independent draws."""

import ember
from ember._backend import xp
from ember._tensor import Size, wrap
from ember.distributions import constraints
from ember.distributions.binomial import Binomial
from ember.distributions.categorical import Categorical, _CategoricalParams, _sample_categories
from ember.distributions.distribution import Distribution
from ember.distributions.utils import broadcast_all

__all__ = ["Multinomial"]


class Multinomial(_CategoricalParams, Distribution):
    """The multinomial distribution: how many of ``total_count`` categorical draws (probabilities ``probs``
    or ``logits`` over the last dimension; give exactly one) land in each category. The event shape is
    ``(K,)``. ``sample`` needs one shared integer ``total_count``; ``log_prob`` does not use it.

    Args:
        total_count (int): the number of draws.
        probs (Tensor): event probabilities (normalised over the last dimension).
        logits (Tensor): event log-probabilities (unnormalised).
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> m = Multinomial(4, ember.tensor([0.25, 0.25, 0.5]))
        >>> m.log_prob(ember.tensor([1.0, 1.0, 2.0]))
        tensor(-1.6376)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self.param_shape[-1:], validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(Multinomial, batch_shape, _instance)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = self._binomial.expand(new.batch_shape + self.event_shape)
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    def sample(self, sample_shape=Size()):
        sample_shape = Size(sample_shape)
        probs = self._categorical.probs
        k = probs.shape[-1]
        shape = self._extended_shape(sample_shape)
        with ember.no_grad():
            # total_count category draws per event, counted with one bincount over (event, category) ids
            draws = _sample_categories(probs, Size((self.total_count,)) + sample_shape)._data
            n_events = int(xp.prod(shape[:-1])) if len(shape) > 1 else 1
            draws = draws.reshape(self.total_count, n_events)
            ids = (xp.arange(n_events)[None, :] * k + draws).ravel()
            counts = xp.bincount(ids, minlength=n_events * k).reshape(shape)
            return wrap(counts.astype(probs.dtype.np))

    def entropy(self):
        # H = -log n! - n sum_i p_i log p_i + sum_i E[log x_i!], with x_i ~ Binomial(n, p_i)
        n = ember.tensor(self.total_count, dtype=self.probs.dtype)
        support = self._binomial.enumerate_support()
        binomial_probs = ember.exp(self._binomial.log_prob(support))
        weights = ember.lgamma(support + 1)
        return (n * self._categorical.entropy() - ember.lgamma(n + 1)
                + (binomial_probs * weights).sum([0, -1]))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = ember.lgamma(value.sum(-1) + 1)
        log_factorial_xs = ember.lgamma(value + 1).sum(-1)
        # a zero count of an impossible category (logit -inf) contributes 0, not nan
        logits = ember.where((value == 0) & (logits == float("-inf")), 0.0, logits)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers
