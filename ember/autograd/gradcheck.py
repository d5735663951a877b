"""Finite-difference checks of analytic gradients (``gradcheck``, ``gradgradcheck``)."""

from ember._backend import xp
from ember._tensor import Tensor, wrap


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when the analytic and numerical Jacobians differ."""


def _flat_outputs(out):
    return (out,) if isinstance(out, Tensor) else tuple(o for o in out if isinstance(o, Tensor))


def _numerical_jacobian(func, inputs, idx, eps):
    x = inputs[idx]
    data = x._data  # perturbed in place, element by element in C order (works for non-contiguous views)
    base_outs = _flat_outputs(func(*inputs))
    cols = []
    for k in range(data.size):
        pos = xp.unravel_index(k, data.shape)
        orig = data[pos].item()
        data[pos] = orig + eps
        plus = [o._data.astype(xp.float64).ravel().copy() for o in _flat_outputs(func(*inputs))]
        data[pos] = orig - eps
        minus = [o._data.astype(xp.float64).ravel().copy() for o in _flat_outputs(func(*inputs))]
        data[pos] = orig
        cols.append(xp.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]) if plus else
                    xp.zeros(0))
    n_out = sum(o._data.size for o in base_outs)
    return xp.stack(cols, axis=1) if cols else xp.zeros((n_out, 0))


def _analytical_jacobian(func, inputs, idx):
    from ember.autograd import grad as _grad
    outs = _flat_outputs(func(*inputs))
    rows = []
    for o in outs:
        for k in range(o._data.size):
            if not o._requires_grad:
                rows.append(xp.zeros(inputs[idx]._data.size))
                continue
            g = xp.zeros(o._data.shape, dtype=o._data.dtype)
            g.reshape(-1)[k] = 1
            (r,) = _grad(o, inputs[idx], wrap(g), retain_graph=True, allow_unused=True)
            rows.append(xp.zeros(inputs[idx]._data.size) if r is None else r._data.astype(xp.float64).ravel())
    return xp.stack(rows, axis=0) if rows else xp.zeros((0, inputs[idx]._data.size))


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, fast_mode=False, **unused):
    """Compare autograd's gradients of ``func`` with central finite differences.

    Args:
        func: a function of tensors returning a tensor or a tuple of tensors.
        inputs: a tensor or tuple of tensors; those with ``requires_grad=True`` are checked
            (use float64 for meaningful results).

    Returns:
        True if every Jacobian matches within ``atol + rtol * |numerical|``; otherwise raises
        ``GradcheckError`` (or returns False when ``raise_exception=False``).
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x._requires_grad):
            continue
        if x._data.dtype != xp.float64:
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or "
                          "complex. This check will likely fail if all the inputs are not of double precision "
                          "floating point or complex. ", UserWarning, stacklevel=2)
        num = _numerical_jacobian(func, inputs, i, eps)
        ana = _analytical_jacobian(func, inputs, i)
        start = 0
        for k, o in enumerate(_flat_outputs(func(*inputs))):
            n_block, a_block = num[start: start + o._data.size], ana[start: start + o._data.size]
            start += o._data.size
            if n_block.shape != a_block.shape or not xp.allclose(a_block, n_block, rtol=rtol, atol=atol):
                if raise_exception:
                    # rows are inputs and columns outputs, as PyTorch prints them
                    raise GradcheckError(
                        f"Jacobian mismatch for output {k} with respect to input {i},\n"
                        f"numerical:{wrap(xp.ascontiguousarray(n_block.T))!r}\n"
                        f"analytical:{wrap(xp.ascontiguousarray(a_block.T))!r}\n"
                    )
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **unused):
    """Check second derivatives: gradcheck of the (create_graph) gradient of ``func``."""
    from ember.autograd import grad as _grad
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    outs = _flat_outputs(func(*inputs))
    if grad_outputs is None:
        rng = xp.random.default_rng(0)
        grad_outputs = tuple(wrap(rng.standard_normal(o._data.shape).astype(o._data.dtype)) for o in outs)

    def first_grad(*xs):
        o = _flat_outputs(func(*xs))
        gs = _grad(o, [xs[i] for i in diff_idx], grad_outputs, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grad, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
