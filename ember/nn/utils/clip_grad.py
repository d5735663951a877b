"""Gradient clipping: ``clip_grad_norm_``, ``clip_grad_value_``, ``get_total_norm``, ``clip_grads_with_norm_``."""

import math
import warnings

from ember._backend import xp
from ember._tensor import Tensor, wrap
from ember.autograd.grad_mode import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _norm_of(a, p):
    if a.dtype.kind == "c":  # the norm of the moduli (a real number)
        if p == 2:
            r = a.reshape(-1).view(a.real.dtype) if a.flags.c_contiguous else xp.abs(a).ravel()
            return xp.sqrt(xp.vdot(r, r))
        a = xp.abs(a)
    if p == math.inf:
        return xp.abs(a).max() if a.size else a.dtype.type(0)
    if p == -math.inf:
        return xp.abs(a).min() if a.size else a.dtype.type(0)
    if p == 0:
        return a.dtype.type(xp.count_nonzero(a))
    if p == 2:
        return xp.sqrt(xp.vdot(a.ravel(), a.ravel()))  # one BLAS call, no temporary
    return (xp.abs(a) ** p).sum() ** (1.0 / p)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` together, as if concatenated into one vector.

    Returns:
        A 0-d tensor (0 for no tensors).
    """
    norm_type = float(norm_type)
    tensors = [t for t in _as_list(tensors) if t is not None]
    if not tensors:
        return wrap(xp.asarray(0.0, dtype=xp.float32))
    norms = xp.stack([xp.asarray(_norm_of(t._data, norm_type)) for t in tensors])
    total = _norm_of(norms, norm_type)
    dt = xp.result_type(*[t._data.dtype for t in tensors])
    if dt.kind == "c":
        dt = xp.empty(0, dt).real.dtype
    total = xp.asarray(total, dtype=dt)
    if error_if_nonfinite and not xp.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return wrap(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of ``parameters`` by ``max_norm / (total_norm + 1e-6)`` when that is below 1."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    tn = total_norm._data if isinstance(total_norm, Tensor) else total_norm
    coef = min(float(max_norm) / (float(tn) + 1e-6), 1.0) if math.isfinite(float(tn)) else \
        float(max_norm) / (float(tn) + 1e-6)
    if coef == 1.0:
        return
    with no_grad():
        for g in grads:
            g._data *= g._data.dtype.type(coef)
            g._vc[0] += 1


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale gradients in place so their total norm is at most ``max_norm``.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped.
        max_norm: the largest allowed total norm.
        norm_type: p of the norm (``float('inf')`` for the max-abs norm).
        error_if_nonfinite: raise RuntimeError when the total norm is nan or inf.

    Returns:
        The total norm before clipping (a 0-d tensor).

    Example::

        >>> loss.backward()
        >>> ember.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of :func:`clip_grad_norm_`."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place.

    Example::

        >>> ember.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
    """
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                g = p.grad._data
                if g.dtype.kind == "c":
                    raise NotImplementedError("clamp is not supported for complex types")
                xp.clip(g, -clip_value, clip_value, out=g)
                p.grad._vc[0] += 1
