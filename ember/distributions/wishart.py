"""``Wishart``: the distribution of scatter matrices ``sum_i x_i x_i^T`` of Gaussian vectors."""

import math
import warnings
from numbers import Number

import ember
from ember._tensor import Size
from ember.distributions import constraints
from ember.distributions.chi2 import Chi2
from ember.distributions.exp_family import ExponentialFamily
from ember.distributions.multivariate_normal import _scale_tril_from
from ember.distributions.utils import _standard_normal, lazy_property

__all__ = ["Wishart"]


def _mvdigamma(x, p):
    """The multivariate digamma function: sum_{i<p} digamma(x - i / 2)."""
    return ember.digamma(x.unsqueeze(-1) - ember.arange(p, dtype=x.dtype) / 2).sum(-1)


class Wishart(ExponentialFamily):
    """The Wishart distribution over ``p x p`` positive definite matrices with ``df`` degrees of freedom and
    scale matrix ``covariance_matrix`` (or its inverse ``precision_matrix``, or its lower Cholesky factor
    ``scale_tril``; give exactly one). For integer ``df`` it is the law of ``sum_{i<df} x_i x_i^T`` with
    ``x_i ~ N(0, covariance_matrix)``.

    ``rsample`` uses the Bartlett decomposition ``L A A^T L^T`` (``A`` lower triangular, chi-distributed
    diagonal, standard normal below), differentiable in ``df`` through the reparameterised chi-squared draws.
    Draws that come out singular (possible for ``p - 1 < df < p``) are redrawn up to ``max_try_correction``
    times.

    Args:
        df (float or Tensor): degrees of freedom (> p - 1).
        covariance_matrix (Tensor): the positive definite scale matrix, ``(..., p, p)``.
        precision_matrix (Tensor): its inverse.
        scale_tril (Tensor): its lower Cholesky factor.
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> Wishart(ember.tensor(4.0), covariance_matrix=ember.eye(2)).mean
        tensor([[4., 0.],
                [0., 4.]])
    """

    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self):
        return {
            "covariance_matrix": constraints.positive_definite,
            "precision_matrix": constraints.positive_definite,
            "scale_tril": constraints.lower_cholesky,
            "df": constraints.greater_than(self.event_shape[-1] - 1),
        }

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise AssertionError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                                 "specified.")
        param = next(p for p in (covariance_matrix, precision_matrix, scale_tril) if p is not None)
        if param.dim() < 2:
            # (PyTorch names scale_tril whichever matrix was given)
            raise ValueError("scale_tril must be at least two-dimensional, with optional leading batch dimensions")
        if isinstance(df, Number):
            batch_shape = Size(param.shape[:-2])
            self.df = ember.tensor(df, dtype=param.dtype)
        else:
            batch_shape = Size(ember.broadcast_shapes(param.shape[:-2], df.shape))
            self.df = df.expand(batch_shape)
        event_shape = param.shape[-2:]
        if bool((self.df <= event_shape[-1] - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {event_shape[-1] - 1}.")

        if scale_tril is not None:
            self.scale_tril = param.expand(batch_shape + (-1, -1))
        elif covariance_matrix is not None:
            self.covariance_matrix = param.expand(batch_shape + (-1, -1))
        else:
            self.precision_matrix = param.expand(batch_shape + (-1, -1))

        if bool((self.df < event_shape[-1]).any()):
            warnings.warn("Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df "
                          "< ndim.", stacklevel=2)

        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._batch_dims = [-(x + 1) for x in range(len(self._batch_shape))]
        self._unbroadcasted_scale_tril = _scale_tril_from(scale_tril, covariance_matrix, precision_matrix)

        # the squared diagonal of the Bartlett factor: Chi2(df - i) for row i
        p = self._event_shape[-1]
        self._dist_chi2 = Chi2(df=(self.df.unsqueeze(-1) - ember.arange(p, dtype=self.df.dtype)
                                   ).expand(batch_shape + (-1,)))

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(Wishart, batch_shape, _instance)
        batch_shape = new.batch_shape
        cov_shape = batch_shape + self.event_shape
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril.expand(cov_shape)
        new.df = self.df.expand(batch_shape)
        new._batch_dims = [-(x + 1) for x in range(len(batch_shape))]
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(cov_shape))
        new._dist_chi2 = self._dist_chi2.expand(batch_shape + (self.event_shape[-1],))
        return new

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + self._event_shape)

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return ember.matmul(L, L.mT).expand(self._batch_shape + self._event_shape)

    @lazy_property
    def precision_matrix(self):
        return ember.cholesky_inverse(self._unbroadcasted_scale_tril).expand(self._batch_shape + self._event_shape)

    @property
    def mean(self):
        return self.df.view(tuple(self._batch_shape) + (1, 1)) * self.covariance_matrix

    @property
    def mode(self):
        factor = self.df - self.covariance_matrix.shape[-1] - 1
        factor = ember.where(factor <= 0, float("nan"), factor)  # no mode unless df > p + 1
        return factor.view(tuple(self._batch_shape) + (1, 1)) * self.covariance_matrix

    @property
    def variance(self):
        V = self.covariance_matrix
        diag_V = V.diagonal(dim1=-2, dim2=-1)
        return self.df.view(tuple(self._batch_shape) + (1, 1)) * (V.pow(2) + ember.einsum("...i,...j->...ij",
                                                                                        diag_V, diag_V))

    def _bartlett_sampling(self, sample_shape=Size()):
        eps = ember.finfo(self.df.dtype).eps  # keeps the factor's diagonal positive
        diag = self._dist_chi2.rsample(sample_shape).sqrt().clamp(min=eps)
        below = _standard_normal(self._extended_shape(sample_shape), dtype=diag.dtype).tril(-1)
        noise = ember.diag_embed(diag) + below
        chol = ember.matmul(self._unbroadcasted_scale_tril, noise)
        return ember.matmul(chol, chol.mT)

    def rsample(self, sample_shape=Size(), max_try_correction=None):
        """Draw by the Bartlett decomposition; singular draws are redrawn up to ``max_try_correction`` (10)
        times, with a warning if some remain."""
        if max_try_correction is None:
            max_try_correction = 10
        sample_shape = Size(sample_shape)
        sample = self._bartlett_sampling(sample_shape)
        is_singular = ~self.support.check(sample)
        tries = 0
        while bool(is_singular.any()) and tries < max_try_correction:
            redraw = self._bartlett_sampling(sample_shape)
            mask = is_singular.view(tuple(is_singular.shape) + (1, 1))
            sample = ember.where(mask, redraw, sample)
            is_singular = ~self.support.check(sample)
            tries += 1
        if bool(is_singular.any()):
            warnings.warn(f"Singular samples remain after {max_try_correction} redraws.", stacklevel=2)
        return sample

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        nu = self.df
        p = self._event_shape[-1]
        L = self._unbroadcasted_scale_tril
        half_log_det = L.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return (-nu * (p * math.log(2) / 2 + half_log_det) - ember.mvlgamma(nu / 2, p=p)
                + (nu - p - 1) / 2 * ember.linalg.slogdet(value).logabsdet
                - ember.cholesky_solve(value, L).diagonal(dim1=-2, dim2=-1).sum(dim=-1) / 2)

    def entropy(self):
        nu = self.df
        p = self._event_shape[-1]
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return ((p + 1) * (p * math.log(2) / 2 + half_log_det) + ember.mvlgamma(nu / 2, p=p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)

    @property
    def _natural_params(self):
        nu = self.df
        p = self._event_shape[-1]
        return -self.precision_matrix / 2, (nu - p - 1) / 2

    def _log_normalizer(self, x, y):
        # (n / 2) log det(2 Sigma) + log Gamma_p(n / 2), with n / 2 = y + (p + 1) / 2 and 2 Sigma = (-x)^-1
        p = self._event_shape[-1]
        half_n = y + (p + 1) / 2
        return -half_n * ember.linalg.slogdet(-x).logabsdet + ember.mvlgamma(half_n, p=p)
