"""``Dirichlet``: a distribution over the probability simplex."""

import ember
from ember._ops.distributions import DirichletSample
from ember.distributions import constraints
from ember.distributions.exp_family import ExponentialFamily

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution with concentration ``concentration`` (the last dimension indexes the ``K``
    categories; the event shape is ``(K,)``).

    ``rsample`` draws as PyTorch does (``ember._sample_dirichlet``: normalised gamma draws, the same values for
    the same seed) and is differentiable by the implicit reparameterisation gradient of each coordinate's Beta
    marginal (``ember._dirichlet_grad``), which PyTorch approximates and ember computes to float64 accuracy.

    Args:
        concentration (Tensor): concentration parameters (> 0), shape ``batch_shape + (K,)``.
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> m = Dirichlet(ember.tensor([0.5, 0.5]))
        >>> m.mean
        tensor([0.5000, 0.5000])
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        batch_shape, event_shape = concentration.shape[:-1], concentration.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Dirichlet, batch_shape, _instance, "concentration")

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        concentration = self.concentration.expand(shape)
        return DirichletSample.apply(concentration, ember._sample_dirichlet(concentration.detach()))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (ember.xlogy(self.concentration - 1.0, value).sum(-1) + ember.lgamma(self.concentration.sum(-1))
                - ember.lgamma(self.concentration).sum(-1))

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        concentrationm1 = (self.concentration - 1).clamp(min=0.0)
        mode = concentrationm1 / concentrationm1.sum(-1, True)
        # all concentrations below 1: the density is unbounded at every vertex; PyTorch picks the vertex at the
        # argmax of the (all-NaN) ratio above, i.e. the first one
        mask = (self.concentration < 1).all(dim=-1, keepdim=True)
        k = concentrationm1.shape[-1]
        vertex = (mode.argmax(-1, keepdim=True) == ember.arange(k)).to(mode.dtype)
        return ember.where(mask, vertex, mode)

    @property
    def variance(self):
        con0 = self.concentration.sum(-1, True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self):
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (ember.lgamma(self.concentration).sum(-1) - ember.lgamma(a0) - (k - a0) * ember.digamma(a0)
                - ((self.concentration - 1.0) * ember.digamma(self.concentration)).sum(-1))

    @property
    def _natural_params(self):
        return (self.concentration,)

    def _log_normalizer(self, x):
        return x.lgamma().sum(-1) - ember.lgamma(x.sum(-1))
