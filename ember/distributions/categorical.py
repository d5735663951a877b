"""``Categorical``: one of ``K`` categories, with probabilities ``probs`` (or unnormalised log-probabilities
``logits``) over the last dimension."""

import math

import ember
from ember._backend import xp
from ember._tensor import Size, wrap
from ember.distributions import constraints
from ember.distributions.distribution import Distribution
from ember.distributions.utils import _ProbsOrLogits

__all__ = ["Categorical"]


def _sample_categories(probs, sample_shape):
    """Category indices (int64) of shape ``sample_shape + probs.shape[:-1]``, drawn as PyTorch's ``sample``
    draws them: ``multinomial`` with replacement over the flattened rows, transposed. Through the public
    ``multinomial`` so that NaN/inf/negative or all-zero rows and empty ``sample_shape`` raise as PyTorch's."""
    k = probs.shape[-1]
    n = math.prod(sample_shape)
    rows = wrap(probs._data.reshape(-1, k))
    draws = ember.multinomial(rows, n, True)._data.T
    return wrap(xp.ascontiguousarray(draws).reshape(tuple(sample_shape) + probs.shape[:-1]))


class Categorical(_ProbsOrLogits, Distribution):
    """A categorical distribution over ``{0, ..., K - 1}``. Give exactly one of ``probs`` (non-negative, they
    are normalised over the last dimension) and ``logits`` (normalised so that ``logsumexp`` is 0).

    Args:
        probs (Tensor): event probabilities, shape ``batch_shape + (K,)``.
        logits (Tensor): event log-probabilities (unnormalised), shape ``batch_shape + (K,)``.
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> m = Categorical(ember.tensor([0.25, 0.25, 0.5]))
        >>> m.log_prob(ember.tensor(2))
        tensor(-0.6931)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True
    _is_binary = False

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.ndimension() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(Categorical, batch_shape, _instance)
        param_shape = new.batch_shape + (self._num_events,)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(param_shape))
        new._num_events = self._num_events
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self):
        return ember.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        return ember.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype)

    def sample(self, sample_shape=Size()):
        if not isinstance(sample_shape, Size):
            sample_shape = Size(sample_shape)
        with ember.no_grad():
            return _sample_categories(self.probs, sample_shape)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = ember.broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self):
        min_real = ember.finfo(self.logits.dtype).min
        logits = ember.clamp(self.logits, min=min_real)  # -inf logits (zero probability) contribute 0, not nan
        p_log_p = logits * self.probs
        return -p_log_p.sum(-1)

    def enumerate_support(self, expand=True):
        num_events = self._num_events
        values = ember.arange(num_events, dtype=ember.int64)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values


class _CategoricalParams:
    """Mixin for a distribution over events of ``K`` categories, parameterised like (and through) the
    :class:`Categorical` ``self._categorical``: its ``probs``, ``logits`` and ``param_shape``."""

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def param_shape(self):
        return self._categorical.param_shape
