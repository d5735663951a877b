"""Higher-level autograd helpers: ``vjp``, ``jacobian``, ``hessian``."""

from ember._tensor import Tensor


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """Return ``(func(inputs), v^T J)``."""
    from ember.autograd import grad
    single = isinstance(inputs, Tensor)
    xs = (inputs,) if single else tuple(inputs)
    xs = tuple(x.detach().requires_grad_(True) for x in xs)
    out = func(*xs)
    gs = grad(out, xs, v, create_graph=create_graph, allow_unused=True, materialize_grads=True)
    return out.detach() if not create_graph else out, (gs[0] if single else gs)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs`` (shape ``out.shape + in.shape``)."""
    import ember
    from ember.autograd import grad
    single = isinstance(inputs, Tensor)
    xs = (inputs,) if single else tuple(inputs)
    xs = tuple(x.detach().requires_grad_(True) for x in xs)
    out = func(*xs)
    flat = out.reshape(-1)
    rows = [[] for _ in xs]
    for k in range(flat.shape[0]):
        gs = grad(flat[k], xs, retain_graph=True, create_graph=create_graph, allow_unused=True,
                  materialize_grads=True)
        for i, g in enumerate(gs):
            rows[i].append(g)
    jac = tuple(ember.stack(r).reshape(tuple(out.shape) + tuple(x.shape)) for r, x in zip(rows, xs))
    return jac[0] if single else jac


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False):
    """The Hessian of a scalar ``func`` at ``inputs``."""
    from ember.autograd import grad

    def gradient(x):
        (g,) = grad(func(x), x, create_graph=True)
        return g

    return jacobian(gradient, inputs, create_graph=create_graph)
