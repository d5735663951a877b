"""``kl_divergence(p, q)`` and ``register_kl``: closed-form Kullback-Leibler divergences between pairs of
distribution types, dispatched on the most specific registered pair (as ``torch.distributions.kl``).

Example::

    >>> p, q = Normal(0.0, 1.0), Normal(1.0, 2.0)
    >>> kl_divergence(p, q)
    tensor(0.4431)
"""

import math
import warnings

import ember
from ember.distributions.bernoulli import Bernoulli
from ember.distributions.beta import Beta
from ember.distributions.binomial import Binomial
from ember.distributions.categorical import Categorical
from ember.distributions.cauchy import Cauchy
from ember.distributions.continuous_bernoulli import ContinuousBernoulli
from ember.distributions.dirichlet import Dirichlet
from ember.distributions.distribution import Distribution
from ember.distributions.exp_family import ExponentialFamily
from ember.distributions.exponential import Exponential
from ember.distributions.gamma import Gamma
from ember.distributions.geometric import Geometric
from ember.distributions.gumbel import Gumbel
from ember.distributions.half_normal import HalfNormal
from ember.distributions.independent import Independent
from ember.distributions.laplace import Laplace
from ember.distributions.lowrank_multivariate_normal import (
    LowRankMultivariateNormal, _batch_lowrank_logdet, _batch_lowrank_mahalanobis,
)
from ember.distributions.multivariate_normal import MultivariateNormal, _batch_mahalanobis
from ember.distributions.normal import Normal
from ember.distributions.one_hot_categorical import OneHotCategorical
from ember.distributions.pareto import Pareto
from ember.distributions.poisson import Poisson
from ember.distributions.transformed_distribution import TransformedDistribution
from ember.distributions.uniform import Uniform
from ember.distributions.utils import _sum_rightmost, euler_constant as _euler_gamma

__all__ = ["register_kl", "kl_divergence"]

_KL_REGISTRY = {}  # (type_p, type_q) -> function(p, q)
_KL_MEMOIZE = {}  # (type(p), type(q)) -> the dispatched function (or NotImplemented)


def register_kl(type_p, type_q):
    """Decorator registering ``fn(p, q)`` as the KL divergence of ``type_p`` from ``type_q``.

    Lookup picks the most specific registered pair (by position in the two classes' MROs); when the most
    specific match for ``p`` and the one for ``q`` differ it warns (``RuntimeWarning``) and uses the first:
    register the exact pair to settle it.

    Args:
        type_p (type): a subclass of :class:`~ember.distributions.Distribution`.
        type_q (type): a subclass of :class:`~ember.distributions.Distribution`.

    Example::

        >>> @register_kl(Normal, Normal)
        ... def kl_normal_normal(p, q):
        ...     ...
    """
    if not isinstance(type_p, type) and issubclass(type_p, Distribution):
        raise TypeError(f"Expected type_p to be a Distribution subclass but got {type_p}")
    if not isinstance(type_q, type) and issubclass(type_q, Distribution):
        raise TypeError(f"Expected type_q to be a Distribution subclass but got {type_q}")

    def decorator(fun):
        _KL_REGISTRY[type_p, type_q] = fun
        _KL_MEMOIZE.clear()  # a new pair can change earlier dispatch decisions
        return fun

    return decorator


def _dispatch_kl(type_p, type_q):
    """The registered function for the most specific pair matching ``(type_p, type_q)``."""
    matches = [(super_p, super_q) for super_p, super_q in _KL_REGISTRY
               if issubclass(type_p, super_p) and issubclass(type_q, super_q)]
    if not matches:
        return NotImplemented
    mro_p, mro_q = type_p.__mro__, type_q.__mro__
    # most specific for p first, then for q; and the other way round
    left_p, left_q = min(matches, key=lambda m: (mro_p.index(m[0]), mro_q.index(m[1])))
    right_p, right_q = min(matches, key=lambda m: (mro_q.index(m[1]), mro_p.index(m[0])))
    left_fun = _KL_REGISTRY[left_p, left_q]
    right_fun = _KL_REGISTRY[right_p, right_q]
    if left_fun is not right_fun:
        warnings.warn(
            f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). Please register_kl({left_p.__name__}, "
            f"{right_q.__name__})",
            RuntimeWarning,
            stacklevel=3,
        )
    return left_fun


def _infinite_like(tensor):
    return ember.full_like(tensor, math.inf)


def _batch_trace_XXT(bmat):
    """The trace of ``X X^T`` (the squared Frobenius norm) for each matrix of a batch."""
    return bmat.pow(2).sum((-2, -1))


def kl_divergence(p, q):
    """The Kullback-Leibler divergence ``KL(p || q) = E_p[log p(x) - log q(x)]``, batched.

    Args:
        p (Distribution): a distribution.
        q (Distribution): a distribution.

    Returns:
        Tensor: the divergence, of shape ``batch_shape``.

    Raises:
        NotImplementedError: no closed form is registered for the two types.

    Example::

        >>> kl_divergence(Bernoulli(ember.tensor(0.5)), Bernoulli(ember.tensor(0.25)))
        tensor(0.1438)
    """
    try:
        fun = _KL_MEMOIZE[type(p), type(q)]
    except KeyError:
        fun = _dispatch_kl(type(p), type(q))
        _KL_MEMOIZE[type(p), type(q)] = fun
    if fun is NotImplemented:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p type {p.__class__.__name__} and q type {q.__class__.__name__}"
        )
    return fun(p, q)


# ================================================================================= same family


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    from ember.nn import functional as F
    t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    t1 = ember.where(q.probs == 0, math.inf, t1)
    t1 = ember.where(p.probs == 0, 0.0, t1)
    t2 = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    t2 = ember.where(q.probs == 1, math.inf, t2)
    t2 = ember.where(p.probs == 1, 0.0, t2)
    return t1 + t2


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    sum_params_p = p.concentration1 + p.concentration0
    sum_params_q = q.concentration1 + q.concentration0
    t1 = q.concentration1.lgamma() + q.concentration0.lgamma() + sum_params_p.lgamma()
    t2 = p.concentration1.lgamma() + p.concentration0.lgamma() + sum_params_q.lgamma()
    t3 = (p.concentration1 - q.concentration1) * ember.digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * ember.digamma(p.concentration0)
    t5 = (sum_params_q - sum_params_p) * ember.digamma(sum_params_p)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    # a larger q.total_count would need a sum over the support (no closed form)
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return ember.where(p.total_count > q.total_count, math.inf, kl)


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = ember.where((q.probs == 0).expand_as(t), math.inf, t)
    t = ember.where((p.probs == 0).expand_as(t), 0.0, t)
    return t.sum(-1)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    # closed form of Chyzak and Nielsen (2019): log(((s_p + s_q)^2 + (m_p - m_q)^2) / (4 s_p s_q))
    t1 = ((p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)).log()
    t2 = (4 * p.scale * q.scale).log()
    return t1 - t2


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    sum_p_concentration = p.concentration.sum(-1)
    sum_q_concentration = q.concentration.sum(-1)
    t1 = sum_p_concentration.lgamma() - sum_q_concentration.lgamma()
    t2 = (p.concentration.lgamma() - q.concentration.lgamma()).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = p.concentration.digamma() - sum_p_concentration.digamma().unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    rate_ratio = q.rate / p.rate
    return -rate_ratio.log() + rate_ratio - 1


@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p, q):
    # the Bregman divergence of the log normalizer between the natural parameters
    if type(p) is not type(q):
        raise NotImplementedError("The cross KL-divergence between different exponential families cannot be "
                                  "computed using Bregman divergences")
    p_nparams = [np_.detach().requires_grad_() for np_ in p._natural_params]
    q_nparams = q._natural_params
    lg_normal = p._log_normalizer(*p_nparams)
    gradients = ember.autograd.grad(lg_normal.sum(), p_nparams, create_graph=True)
    result = q._log_normalizer(*q_nparams) - lg_normal
    for pnp, qnp, g in zip(p_nparams, q_nparams, gradients):
        result = result - _sum_rightmost((qnp - pnp) * g, len(q.event_shape))
    return result


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    t1 = q.concentration * ember.log(p.rate / q.rate)
    t2 = ember.lgamma(q.concentration) - ember.lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * ember.digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    ct1 = p.scale / q.scale
    ct2 = q.loc / q.scale
    ct3 = p.loc / q.scale
    t1 = -ct1.log() - ct2 + ct3
    t2 = ct1 * _euler_gamma
    t3 = ember.exp(ct2 + (1 + ct1).lgamma() - ct3)
    return t1 + t2 + t3 - (1 + _euler_gamma)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - ember.log1p(-q.probs) / p.probs - q.logits


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    t1 = -scale_ratio.log()
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * ember.exp(-loc_abs_diff / p.scale)
    return t1 + t2 + t3 - 1


def _gaussian_parts(d):
    """A factor ``S`` with ``cov = S S^T`` (the Cholesky factor, or ``[W, D^1/2]`` for a low-rank normal)."""
    if isinstance(d, LowRankMultivariateNormal):
        return ember.cat([d._unbroadcasted_cov_factor, ember.diag_embed(d._unbroadcasted_cov_diag.sqrt())], -1)
    return d._unbroadcasted_scale_tril


def _gaussian_logdet(d):
    if isinstance(d, LowRankMultivariateNormal):
        return _batch_lowrank_logdet(d._unbroadcasted_cov_factor, d._unbroadcasted_cov_diag, d._capacitance_tril)
    return 2 * d._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


def _gaussian_trace_term(q, S):
    """``tr(cov_q^-1 S S^T)``: by triangular solve, or by the Woodbury identity for a low-rank ``q``."""
    if isinstance(q, LowRankMultivariateNormal):
        W, D = q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag
        term1 = (S.pow(2) / D.unsqueeze(-1)).sum((-2, -1))
        Wt_Dinv = W.mT / D.unsqueeze(-2)
        batch = ember.broadcast_shapes(q._capacitance_tril.shape[:-2], S.shape[:-2])
        C = q._capacitance_tril.expand(tuple(batch) + tuple(q._capacitance_tril.shape[-2:]))
        A = ember.linalg.solve_triangular(C, ember.matmul(Wt_Dinv, S).expand(tuple(batch) + (W.shape[-1],
                                                                                            S.shape[-1])),
                                          upper=False)
        return term1 - _batch_trace_XXT(A)
    L = q._unbroadcasted_scale_tril
    n = L.shape[-1]
    batch = ember.broadcast_shapes(L.shape[:-2], S.shape[:-2])
    return _batch_trace_XXT(ember.linalg.solve_triangular(L.expand(tuple(batch) + (n, n)),
                                                          S.expand(tuple(batch) + tuple(S.shape[-2:])),
                                                          upper=False))


def _gaussian_mahalanobis(q, x):
    if isinstance(q, LowRankMultivariateNormal):
        return _batch_lowrank_mahalanobis(q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag, x,
                                          q._capacitance_tril)
    return _batch_mahalanobis(q._unbroadcasted_scale_tril, x)


@register_kl(MultivariateNormal, MultivariateNormal)
@register_kl(MultivariateNormal, LowRankMultivariateNormal)
@register_kl(LowRankMultivariateNormal, MultivariateNormal)
@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_gaussian_gaussian(p, q):
    # 0.5 (tr(cov_q^-1 cov_p) + mahalanobis_q(mu_q - mu_p) - n + log det cov_q - log det cov_p)
    if p.event_shape != q.event_shape:
        kind = ("Multivariate Normals" if type(p) is type(q) is MultivariateNormal else
                "Low Rank Multivariate Normals" if type(p) is type(q) else "(Low Rank) Multivariate Normals")
        raise ValueError(f"KL-divergence between two {kind} with different event shapes cannot be computed")
    n = p.event_shape[0]
    term1 = _gaussian_trace_term(q, _gaussian_parts(p))
    term2 = _gaussian_mahalanobis(q, q.loc - p.loc)
    result = 0.5 * (term1 + term2 - n + _gaussian_logdet(q) - _gaussian_logdet(p))
    return result.expand(ember.broadcast_shapes(p.batch_shape, q.batch_shape))


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    scale_ratio = p.scale / q.scale
    alpha_ratio = q.alpha / p.alpha
    t1 = q.alpha * scale_ratio.log()
    t2 = -alpha_ratio.log()
    result = t1 + t2 + alpha_ratio - 1
    return ember.where(p.support.lower_bound < q.support.lower_bound, math.inf, result)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    if p.transforms != q.transforms:
        raise NotImplementedError
    if p.event_shape != q.event_shape:
        raise NotImplementedError
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return ember.where((q.low > p.low) | (q.high < p.high), math.inf, result)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    result = kl_divergence(p.base_dist, q.base_dist)
    return _sum_rightmost(result, p.reinterpreted_batch_ndims)


# ================================================================================= different families
# KL(p || q) = -H(p) - E_p[log q(x)], with E_p of the statistics q's density needs.

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _normal_cross(p_mean, p_var, q):
    """-E_p[log q] for q Normal, from p's mean and variance."""
    return q.scale.log() + _HALF_LOG_2PI + (p_var + (p_mean - q.loc).pow(2)) / (2 * q.scale.pow(2))


def _gumbel_cross(e_x, e_exp_neg_x_over_scale, q):
    """-E_p[log q] for q Gumbel(m, b): log b + E[(x - m) / b] + exp(m / b) E[exp(-x / b)]."""
    return q.scale.log() + (e_x - q.loc) / q.scale + ember.exp(q.loc / q.scale) * e_exp_neg_x_over_scale


def _uniform_mean_log(p):
    """E[log x] for x ~ Uniform(low, high), low >= 0."""
    return (ember.xlogy(p.high, p.high) - ember.xlogy(p.low, p.low)) / (p.high - p.low) - 1


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    return -p.entropy() - (p.probs * q.rate.log() - q.rate)


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * (p.concentration1 / (p.concentration1 + p.concentration0))


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    e_log_x = ember.digamma(p.concentration1) - ember.digamma(p.concentration1 + p.concentration0)
    e_x = p.concentration1 / (p.concentration1 + p.concentration0)
    return (-p.entropy() - q.concentration * q.rate.log() + ember.lgamma(q.concentration)
            - (q.concentration - 1) * e_log_x + q.rate * e_x)


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    return -p.entropy() + _normal_cross(p.mean, p.variance, q)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    return ember.where((q.low > 0) | (q.high < 1), math.inf, result)


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    e_log_x = -_euler_gamma - p.rate.log()
    return (-p.entropy() - q.concentration * q.rate.log() + ember.lgamma(q.concentration)
            - (q.concentration - 1) * e_log_x + q.rate / p.rate)


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p, q):
    return -p.entropy() + _gumbel_cross(1 / p.rate, p.rate / (p.rate + 1 / q.scale), q)


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p, q):
    return -p.entropy() + _normal_cross(p.mean, p.variance, q)


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.concentration / p.rate


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p, q):
    e_exp = (p.rate / (p.rate + 1 / q.scale)).pow(p.concentration)
    return -p.entropy() + _gumbel_cross(p.concentration / p.rate, e_exp, q)


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    return -p.entropy() + _normal_cross(p.mean, p.variance, q)


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p, q):
    return -p.entropy() + _normal_cross(p.mean, p.variance, q)


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p, q):
    return -p.entropy() + _normal_cross(p.loc, p.variance, q)


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p, q):
    e_exp = ember.exp(-p.loc / q.scale + p.scale.pow(2) / (2 * q.scale.pow(2)))
    return -p.entropy() + _gumbel_cross(p.loc, e_exp, q)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p, q):
    # E|x - m| for x ~ Normal(mu, s): s sqrt(2/pi) exp(-d^2 / 2s^2) + d erf(d / (s sqrt 2)), d = mu - m
    d = p.loc - q.loc
    e_abs = (p.scale * math.sqrt(2 / math.pi) * ember.exp(-d.pow(2) / (2 * p.scale.pow(2)))
             + d * ember.erf(d / (p.scale * math.sqrt(2))))
    return -p.entropy() + (2 * q.scale).log() + e_abs / q.scale


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    e_log_x = _uniform_mean_log(p)
    lo, hi = 1 - p.high, 1 - p.low
    e_log_1mx = (ember.xlogy(hi, hi) - ember.xlogy(lo, lo)) / (hi - lo) - 1
    log_beta_fn = q.concentration1.lgamma() + q.concentration0.lgamma() \
        - (q.concentration1 + q.concentration0).lgamma()
    result = (-p.entropy() - (q.concentration1 - 1) * e_log_x - (q.concentration0 - 1) * e_log_1mx
              + log_beta_fn)
    return ember.where((p.low < 0) | (p.high > 1), math.inf, result)


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p, q):
    result = -p.entropy() - q.rate.log() + q.rate * (p.high + p.low) / 2
    return ember.where(p.low < 0, math.inf, result)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    result = (-p.entropy() - q.concentration * q.rate.log() + ember.lgamma(q.concentration)
              - (q.concentration - 1) * _uniform_mean_log(p) + q.rate * (p.high + p.low) / 2)
    return ember.where(p.low < 0, math.inf, result)


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p, q):
    e_exp = q.scale / (p.high - p.low) * (ember.exp(-p.low / q.scale) - ember.exp(-p.high / q.scale))
    return -p.entropy() + _gumbel_cross((p.high + p.low) / 2, e_exp, q)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    return -p.entropy() + _normal_cross(p.mean, p.variance, q)


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    result = (-p.entropy() - q.alpha.log() - q.alpha * q.scale.log()
              + (q.alpha + 1) * _uniform_mean_log(p))
    return ember.where(p.low < q.support.lower_bound, math.inf, result)


def _continuous_bernoulli_cross(e_x, q):
    """-E_p[log q] for q ContinuousBernoulli: -(E[x] log q + (1 - E[x]) log(1 - q) + log C(q))."""
    return -(e_x * q.logits + ember.log1p(-q.probs) + q._cont_bern_log_norm())


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    return -p.entropy() + _continuous_bernoulli_cross(p.mean, q)


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return -p.entropy() + _continuous_bernoulli_cross(p.mean, q)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    result = -p.entropy() + _continuous_bernoulli_cross(p.mean, q)
    return ember.where((p.low < 0) | (p.high > 1), math.inf, result)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    return -p.entropy() + _normal_cross(p.mean, p.variance, q)


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    return ember.where((q.low > 0) | (q.high < 1), math.inf, result)


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    # E[x] = alpha scale / (alpha - 1), infinite for alpha <= 1
    result = -p.entropy() - q.rate.log() + q.rate * p.alpha * p.scale / (p.alpha - 1)
    return ember.where(p.alpha <= 1, math.inf, result)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    e_log_x = p.scale.log() + p.alpha.reciprocal()
    e_x = p.alpha * p.scale / (p.alpha - 1)
    result = (-p.entropy() - q.concentration * q.rate.log() + ember.lgamma(q.concentration)
              - (q.concentration - 1) * e_log_x + q.rate * e_x)
    return ember.where(p.alpha <= 1, math.inf, result)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    # the variance is infinite for alpha <= 2
    a = p.alpha
    e_x = a * p.scale / (a - 1)
    var = p.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))
    result = -p.entropy() + _normal_cross(e_x, var, q)
    return ember.where(a <= 2, math.inf, result)


# Pairs whose q puts no mass on part of p's support: infinite.
def _register_infinite(pairs, like):
    for type_p, type_q in pairs:
        register_kl(type_p, type_q)(lambda p, q: _infinite_like(like(p)))


_register_infinite([(Normal, Beta), (Normal, Exponential), (Normal, Gamma), (Normal, Pareto), (Normal, Uniform)],
                   lambda p: p.loc)
_register_infinite([(Laplace, Beta), (Laplace, Exponential), (Laplace, Gamma), (Laplace, Pareto),
                    (Laplace, Uniform)], lambda p: p.loc)
_register_infinite([(Gumbel, Beta), (Gumbel, Exponential), (Gumbel, Gamma), (Gumbel, Pareto), (Gumbel, Uniform)],
                   lambda p: p.loc)
_register_infinite([(Exponential, Beta), (Exponential, Pareto), (Exponential, Uniform)], lambda p: p.rate)
_register_infinite([(Gamma, Beta), (Gamma, Pareto), (Gamma, Uniform)], lambda p: p.concentration)
_register_infinite([(Beta, Pareto)], lambda p: p.concentration1)
_register_infinite([(Exponential, ContinuousBernoulli)], lambda p: p.rate)
_register_infinite([(Gamma, ContinuousBernoulli)], lambda p: p.concentration)
_register_infinite([(Gumbel, ContinuousBernoulli), (Laplace, ContinuousBernoulli), (Normal, ContinuousBernoulli)],
                   lambda p: p.loc)
_register_infinite([(Pareto, ContinuousBernoulli), (Pareto, Beta), (Pareto, Uniform)], lambda p: p.scale)
_register_infinite([(ContinuousBernoulli, Pareto)], lambda p: p.probs)
_register_infinite([(Poisson, Bernoulli), (Poisson, Binomial)], lambda p: p.rate)
