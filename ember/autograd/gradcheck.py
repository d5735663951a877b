"""Finite-difference checks of analytic gradients (``gradcheck``, ``gradgradcheck``)."""

from ember._backend import xp
from ember._tensor import Tensor, wrap


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when the analytic and numerical Jacobians differ."""


def _flat_outputs(out):
    return (out,) if isinstance(out, Tensor) else tuple(o for o in out if isinstance(o, Tensor))


def _real_parts(a):
    """An array as a flat float64 vector of real numbers: a complex element becomes (real, imag)."""
    if a.dtype.kind == "c":
        return xp.stack([a.real, a.imag], axis=-1).astype(xp.float64).ravel()
    return a.astype(xp.float64).ravel()


def _rows(o):
    return o._data.size * (2 if o._data.dtype.kind == "c" else 1)


def _numerical_jacobian(func, inputs, idx, eps):
    # A complex number is two real variables (PyTorch's convention): a complex input element is perturbed along
    # its real and its imaginary axis, and a complex output contributes its real and imaginary parts as rows.
    x = inputs[idx]
    data = x._data  # perturbed in place, element by element in C order (works for non-contiguous views)
    steps = (eps, eps * 1j) if data.dtype.kind == "c" else (eps,)
    base_outs = _flat_outputs(func(*inputs))
    cols = []
    for k in range(data.size):
        pos = xp.unravel_index(k, data.shape)
        orig = data[pos].item()
        for step in steps:
            data[pos] = orig + step
            plus = [_real_parts(o._data) for o in _flat_outputs(func(*inputs))]
            data[pos] = orig - step
            minus = [_real_parts(o._data) for o in _flat_outputs(func(*inputs))]
            data[pos] = orig
            cols.append(xp.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]) if plus else
                        xp.zeros(0))
    n_out = sum(_rows(o) for o in base_outs)
    return xp.stack(cols, axis=1) if cols else xp.zeros((n_out, 0))


def _analytical_jacobian(func, inputs, idx):
    # Row for the real (imaginary) part of output element k: backward with upstream gradient 1 (1j) at k, which
    # gives d/dx + i d/dy of that part; its real and imaginary parts are the two columns of a complex input.
    from ember.autograd import grad as _grad
    outs = _flat_outputs(func(*inputs))
    x = inputs[idx]._data
    width = x.size * (2 if x.dtype.kind == "c" else 1)
    rows = []
    for o in outs:
        parts = (1, 1j) if o._data.dtype.kind == "c" else (1,)
        for k in range(o._data.size):
            for part in parts:
                if not o._requires_grad:
                    rows.append(xp.zeros(width))
                    continue
                g = xp.zeros(o._data.shape, dtype=o._data.dtype)
                g.reshape(-1)[k] = part
                (r,) = _grad(o, inputs[idx], wrap(g), retain_graph=True, allow_unused=True)
                rows.append(xp.zeros(width) if r is None else _real_parts(r._data))
    return xp.stack(rows, axis=0) if rows else xp.zeros((0, width))


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
    if not any(isinstance(x, Tensor) and x._requires_grad for x in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them have "
                         "requires_grad=True.")
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x._requires_grad):
            continue
        if x._data.dtype not in (xp.float64, xp.complex128):
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or "
                          "complex. This check will likely fail if all the inputs are not of double precision "
                          "floating point or complex. ", UserWarning, stacklevel=2)
        num = _numerical_jacobian(func, inputs, i, eps)
        ana = _analytical_jacobian(func, inputs, i)
        outs = _flat_outputs(func(*inputs))
        if not any(o._requires_grad for o in outs):
            # No differentiable output (a backward computed outside autograd, under gradgradcheck say): as
            # PyTorch, the function must then be constant in its inputs.
            if not xp.allclose(num, 0.0, rtol=1e-5, atol=1e-8):
                if raise_exception:
                    raise GradcheckError("Numerical gradient for function expected to be zero")
                return False
            continue
        start = 0
        for k, o in enumerate(outs):
            n = _rows(o)
            n_block, a_block = num[start: start + n], ana[start: start + n]
            start += n
            if not o._requires_grad:  # (PyTorch checks only the differentiable outputs)
                continue
            fast = fast_mode and n_block.shape == a_block.shape
            if fast:
                # PyTorch's fast mode compares v^T J u for random unit vectors u, v (its own generator: the global
                # one is untouched) instead of the full Jacobians; ember reduces the Jacobians it has anyway.
                rng = xp.random.default_rng(0)
                u, v = rng.random(n_block.shape[1]), rng.random(n_block.shape[0])
                u, v = u / (xp.linalg.norm(u) or 1), v / (xp.linalg.norm(v) or 1)
                n_val, a_val = float(v @ n_block @ u), float(v @ a_block @ u)
                ok = bool(xp.isclose(a_val, n_val, rtol=rtol, atol=atol))
            else:
                ok = n_block.shape == a_block.shape and xp.allclose(a_block, n_block, rtol=rtol, atol=atol)
            if not ok:
                if raise_exception:
                    # rows are inputs and columns outputs, as PyTorch prints them
                    n_t = wrap(xp.ascontiguousarray(n_block.T))
                    a_t = wrap(xp.ascontiguousarray(a_block.T))
                    if fast:
                        diff = float(xp.abs(a_block - n_block).max()) if n_block.size else 0.0
                        raise GradcheckError(
                            f"Jacobian mismatch for output {k} with respect to input {i},\n"
                            f"numerical:{n_val}\nanalytical:{a_val}\n\n" + _FAST_NOTE +
                            f"Numerical:\n {n_t!r}\nAnalytical:\n{a_t!r}\n\n"
                            f"The max per-element difference (slow mode) is: {diff}.\n"
                        )
                    raise GradcheckError(
                        f"Jacobian mismatch for output {k} with respect to input {i},\n"
                        f"numerical:{n_t!r}\n"
                        f"analytical:{a_t!r}\n"
                    )
                return False
    return True


_FAST_NOTE = ("The above quantities relating the numerical and analytical jacobians are computed \n"
              "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
              "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n")


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **unused):
    """Check second derivatives: gradcheck of the (create_graph) gradient of ``func``."""
    from ember.autograd import grad as _grad
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    if not diff_idx:
        gradcheck(func, inputs)  # (its error: no input requires grad)
    if grad_outputs is None:
        # As PyTorch: uniform in [-1, 1) from the global generator, one output after another (a complex one as
        # its real and imaginary pairs), requiring grad so that they are checked too.
        import ember
        outs = _flat_outputs(func(*inputs))
        grad_outputs = []
        for o in outs:
            if o._data.dtype.kind == "c":
                real = ember.float64 if o._data.dtype == xp.complex128 else ember.float32
                go = ember.view_as_complex(ember.empty(*o.shape, 2, dtype=real).uniform_(-1, 1))
            else:
                go = ember.empty(o.shape, dtype=o.dtype).uniform_(-1, 1)
            grad_outputs.append(go.requires_grad_(o._data.dtype.kind in "fc"))
    grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    n_in = len(inputs)

    def first_grad(*args):
        xs, gos = args[:n_in], args[n_in:]
        o = _flat_outputs(func(*xs))
        gs = _grad(o, [xs[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grad, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
