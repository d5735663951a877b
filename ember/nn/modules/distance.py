"""``PairwiseDistance`` and ``CosineSimilarity`` (module forms of the functional distances)."""

from ember.nn import _functional_core as F
from ember.nn.modules.module import Module

__all__ = ["PairwiseDistance", "CosineSimilarity"]


class PairwiseDistance(Module):
    """p-norm of ``x1 - x2 + eps`` over the last dimension; see :func:`ember.nn.functional.pairwise_distance`.

    Args:
        p (float): the norm degree (default 2). eps (float): added to the difference (default 1e-6).
        keepdim (bool): keep the reduced dimension.

    Shapes: ``(N, D)`` or ``(D)`` inputs (broadcastable) give ``(N)`` or ``()``.
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """Cosine similarity of ``x1`` and ``x2`` along ``dim``; see :func:`ember.nn.functional.cosine_similarity`.

    Args:
        dim (int): the dimension compared (default 1). eps (float): floor of the norms (default 1e-8).

    Example::

        >>> ember.nn.CosineSimilarity()(ember.ones(2, 3), ember.ones(2, 3)).tolist()
        [1.0, 1.0]
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
