"""``LKJCholesky``: the LKJ distribution over Cholesky factors of correlation matrices."""

import math

import ember
from ember._tensor import Size
from ember.distributions import constraints
from ember.distributions.beta import Beta
from ember.distributions.distribution import Distribution
from ember.distributions.utils import _standard_normal, broadcast_all

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """The LKJ distribution over lower Cholesky factors ``L`` of ``dim x dim`` correlation matrices
    (Lewandowski, Kurowicka and Joe, 2009): the correlation ``L L^T`` has density proportional to
    ``det(L L^T)^(concentration - 1)``. ``concentration = 1`` is uniform over correlation matrices; larger
    values favour the identity. Sampled with the onion method (no ``rsample``).

    Args:
        dim (int): the matrix size (>= 2).
        concentration (float or Tensor): the shape (> 0).
        validate_args (bool, optional): check the parameters and ``log_prob``'s values.

    Example::

        >>> LKJCholesky(3, 0.5).sample().shape
        ember.Size([3, 3])
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        batch_shape = self.concentration.size()
        event_shape = Size((dim, dim))
        # onion method: the off-diagonal part of row k = 1..d-1 has squared length y_k ~ Beta(k / 2,
        # c + (d - 2) / 2 - (k - 1) / 2) (row 0 is e_0; its entry is a placeholder)
        marginal_conc = self.concentration + 0.5 * (self.dim - 2)
        offset = ember.arange(self.dim - 1, dtype=self.concentration.dtype)
        offset = ember.cat([ember.zeros((1,), dtype=offset.dtype), offset])
        beta_conc1 = 0.5 * offset + 0.5
        beta_conc0 = marginal_conc.unsqueeze(-1) - 0.5 * offset
        self._beta = Beta(beta_conc1, beta_conc0)
        super().__init__(batch_shape, event_shape, validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(LKJCholesky, batch_shape, _instance)
        batch_shape = new.batch_shape
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(batch_shape + (self.dim,))
        return new

    def sample(self, sample_shape=Size()):
        with ember.no_grad():
            # row i: a uniform direction in its first i coordinates, scaled to length sqrt(y_i), the diagonal
            # taking the rest of the unit length (row 0 is e_0)
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            u_normal = _standard_normal(self._extended_shape(sample_shape), dtype=y.dtype).tril(-1)
            norm = ember.linalg.norm(u_normal, dim=-1, keepdim=True)
            u_hypersphere = u_normal / ember.where(norm == 0, 1.0, norm)
            w = ember.sqrt(y) * u_hypersphere
            eps = ember.finfo(w.dtype).tiny
            diag_elems = ember.clamp(1 - ember.sum(w**2, dim=-1), min=eps).sqrt()
            return w + ember.diag_embed(diag_elems)

    def log_prob(self, value):
        # density of L (Jacobian of the Cholesky map included): prod_{i>=1} L_ii^(d - i - 1 + 2 (c - 1)),
        # normalised by the multivariate beta function
        if self._validate_args:
            self._validate_sample(value)
        diag_elems = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = ember.arange(2, self.dim + 1, dtype=self.concentration.dtype)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized_log_pdf = ember.sum(order * ember.log(diag_elems), dim=-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        denominator = ember.lgamma(alpha) * dm1
        numerator = ember.mvlgamma(alpha - 0.5, dm1)
        pi_constant = 0.5 * dm1 * math.log(math.pi)
        normalize_term = pi_constant + numerator - denominator
        return unnormalized_log_pdf - normalize_term
