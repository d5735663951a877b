"""``ExponentialFamily``: distributions whose density is ``p(x; theta) = exp(<t(x), theta> - F(theta) + k(x))``."""

import ember
from ember.distributions.distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """The base class of exponential-family distributions: ``t(x)`` the sufficient statistic, ``theta`` the
    natural parameters, ``F`` the log normalizer and ``k`` the carrier measure.

    Subclasses give ``_natural_params`` and ``_log_normalizer``; the entropy and the KL divergence between two
    members of the same family then follow from the Bregman divergence of ``F``, computed with autograd.
    """

    @property
    def _natural_params(self):
        """The natural parameters ``theta`` (a tuple of tensors)."""
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        """``F(theta)``."""
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        """``E[k(x)]`` under the distribution."""
        raise NotImplementedError

    def entropy(self):
        """``F(theta) - <theta, grad F(theta)> - E[k(x)]`` (``grad F`` is the mean of ``t(x)``)."""
        result = -self._mean_carrier_measure
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        lg_normal = self._log_normalizer(*nparams)
        gradients = ember.autograd.grad(lg_normal.sum(), nparams, create_graph=True)
        result = result + lg_normal
        for np_, g in zip(nparams, gradients):
            result = result - (np_ * g).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result
