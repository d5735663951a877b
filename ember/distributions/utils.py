"""Helpers shared by the distributions: broadcasting parameters, probabilities <-> logits, lazily computed
attributes and packing lower-triangular matrices into vectors (as ``torch.distributions.utils``)."""

import math
from numbers import Number

import ember
from ember._backend import xp
from ember._tensor import Tensor, wrap

__all__ = [
    "broadcast_all", "clamp_probs", "euler_constant", "lazy_property", "logits_to_probs", "probs_to_logits",
    "tril_matrix_to_vec", "vec_to_tril_matrix",
]

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant


def is_tensor_like(inp):
    """Whether ``inp`` is a tensor or a tensor-like object (one defining ``__torch_function__``).

    Args:
        inp: any object.

    Example::

        >>> is_tensor_like(ember.ones(2)), is_tensor_like(1.0)
        (True, False)
    """
    return isinstance(inp, Tensor) or hasattr(inp, "__torch_function__")


def broadcast_all(*values):
    """Broadcast tensors and numbers to one shape; numbers become tensors of the first tensor's dtype (the
    default dtype when there is none).

    Args:
        *values: tensors or Python numbers.

    Example::

        >>> loc, scale = broadcast_all(ember.zeros(3), 1.0)
        >>> scale
        tensor([1., 1., 1.])
    """
    if not all(isinstance(v, (Tensor, Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or objects implementing "
                         "__torch_function__.")
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), ember.get_default_dtype())
    tensors = [v if isinstance(v, Tensor) else ember.tensor(v, dtype=dtype) for v in values]
    return ember.broadcast_tensors(*tensors)  # PyTorch's RuntimeError for shapes that do not broadcast


def _standard_normal(shape, dtype):
    """A standard normal draw of ``shape`` from the default generator (no graph)."""
    return ember.randn(tuple(shape), dtype=dtype)


def _uniform(shape, dtype, low=0.0):
    """Uniform draws in ``[low, 1)`` of ``dtype`` from the default generator, no graph (``low`` the smallest
    positive float keeps logs finite)."""
    u = ember.rand(tuple(shape), dtype=dtype)
    return u.clamp_(min=low) if low else u


def _sum_rightmost(value, dim):
    """Sum over the ``dim`` rightmost dimensions (``value`` itself when ``dim`` is 0)."""
    if dim == 0:
        return value
    return value.reshape(value.shape[: value.dim() - dim] + (-1,)).sum(-1)


def _bce_with_logits(logits, target):
    """Elementwise binary cross-entropy of ``target`` under log-odds ``logits``: ``-log p(target)``."""
    from ember.nn import functional as F  # on first use, as ember.nn itself loads lazily
    return F.binary_cross_entropy_with_logits(logits, target, reduction="none")


def clamp_probs(probs):
    """Clamp probabilities into ``[eps, 1 - eps]`` (``eps`` the dtype's machine epsilon), so that their logs and
    logits stay finite.

    Example::

        >>> clamp_probs(ember.tensor([0.0, 1.0]))
        tensor([1.1921e-07, 1.0000e+00])
    """
    eps = ember.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary=False):
    """Probabilities from logits: ``sigmoid`` when ``is_binary``, else ``softmax`` over the last dimension.

    Example::

        >>> logits_to_probs(ember.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
    """
    if is_binary:
        return ember.sigmoid(logits)
    return ember.softmax(logits, dim=-1)


def probs_to_logits(probs, is_binary=False):
    """Logits from probabilities (clamped first): ``log(p) - log1p(-p)`` when ``is_binary``, else ``log(p)``.

    Example::

        >>> probs_to_logits(ember.tensor([0.5]), is_binary=True)
        tensor([0.])
    """
    ps = clamp_probs(probs)
    if is_binary:
        return ember.log(ps) - ember.log1p(-ps)
    return ember.log(ps)


class lazy_property:
    """A property computed on first access and then stored on the instance (so it is computed once). Computed
    with grad mode on, so that a parameter derived from another still carries its gradient.

    Example::

        >>> class D:
        ...     @lazy_property
        ...     def value(self):
        ...         return 42
    """

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with ember.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What ``Class.attr`` gives for a lazy property: both a ``lazy_property`` and a ``property`` (so tools that
    look for properties on the class find it)."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)
        lazy_property.__init__(self, wrapped)


class _ProbsOrLogits:
    """Mixin for a distribution given exactly one of ``probs`` and ``logits``, the other derived on first use:
    log-odds and ``sigmoid`` when ``_is_binary``, else ``log`` and ``softmax`` over the last dimension."""

    _is_binary = True

    def _set_probs_or_logits(self, probs, logits, *others):
        """Store the one of ``probs`` and ``logits`` given, broadcast with the tensors or numbers ``others``
        (returned as a list, cast to its dtype)."""
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name, param = ("probs", probs) if probs is not None else ("logits", logits)
        *others, param = broadcast_all(*others, param)
        setattr(self, name, param)
        return [other.type_as(param) for other in others]

    @property
    def _param(self):
        # whichever is stored: both have the distribution's parameter shape and dtype
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=self._is_binary)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=self._is_binary)


class _MeanModeAtLoc:
    """Mixin for a distribution symmetric and unimodal about its ``loc``, which is then its mean and mode."""

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc


def tril_matrix_to_vec(mat, diag=0):
    """The lower-triangular part of the last two dimensions (from diagonal ``diag`` down), row by row.

    Example::

        >>> tril_matrix_to_vec(ember.arange(9.0).view(3, 3))
        tensor([0., 3., 4., 6., 7., 8.])
    """
    n = mat.shape[-1]
    rows, cols = xp.tril_indices(n, k=diag, m=n)
    return mat[..., wrap(rows.astype(xp.int64)), wrap(cols.astype(xp.int64))]


def _tril_size(n, diag):
    return int(xp.tril_indices(n, k=diag, m=n)[0].size)


def vec_to_tril_matrix(vec, diag=0):
    """The inverse of :func:`tril_matrix_to_vec`: a square matrix whose lower triangle (from diagonal ``diag``
    down) is filled row by row from the last dimension of ``vec``, zeros elsewhere.

    Example::

        >>> vec_to_tril_matrix(ember.arange(3.0))
        tensor([[0., 0.],
                [1., 2.]])
    """
    k = vec.shape[-1]
    # the side n: about m - diag, with m (m + 1) / 2 = k (exact for diag <= 0); search up from just below
    n = max(round((math.sqrt(1 + 8 * k) - 1) / 2) - diag - 1, 1)
    while _tril_size(n, diag) < k:
        n += 1
    if _tril_size(n, diag) != k:
        raise ValueError(f"The size of last dimension is {k} which cannot be expressed as the lower triangular "
                         "part of a square D x D matrix.")
    rows, cols = xp.tril_indices(n, k=diag, m=n)
    batch = tuple(vec.shape[:-1])
    index = wrap(xp.broadcast_to((rows * n + cols).astype(xp.int64), batch + (k,)).copy())
    out = ember.zeros(batch + (n * n,), dtype=vec.dtype).scatter(-1, index, vec)
    return out.reshape(batch + (n, n))
