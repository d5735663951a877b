"""``ember.autograd.functional`` (``torch.autograd.functional``): derivatives of a whole function at a point.

``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp`` and ``hvp`` take ``func`` and ``inputs`` (a tensor or a
tuple of tensors) and return results shaped like PyTorch's: a tuple over the inputs (or outputs) only when
those were given (or returned) as a tuple.

All of them run on ember's reverse mode. Forward-mode products (``jvp``, ``hvp``) use the double-backward
trick: ``u -> J^T u`` is linear, so the gradient of ``<J^T u, v>`` with respect to ``u`` is ``J v``.
``vectorize=True`` and ``strategy="forward-mode"`` are accepted (with PyTorch's argument checks) and give the
same values, computed one backward pass per output element.

``create_graph=True`` keeps the results differentiable, also with respect to inputs that already require
grad (the function sees a differentiable alias of them), so the helpers nest: ``jacobian`` of a function that
calls ``jacobian(..., create_graph=True)`` is a Hessian.
"""

from ember._tensor import Tensor
from ember.autograd.engine import _NO_DOUBLE
from ember.autograd.grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]

_V_NONE = {
    "outputs": "The vector v can only be None if the user-provided function returns a single Tensor with a single "
               "element.",
    "inputs": "The vector v can only be None if the input to the user-provided function is a single Tensor with a "
              "single element.",
}


# ------------------------------------------------------------------------------------------------ helpers
def _as_tuple(x, arg_name, fn_name):
    """``(was a tuple, tuple of tensors)``, with PyTorch's TypeError for anything else."""
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"{where} has type {type(el)}.")
    return is_tuple, items


def _unpack(res, is_tuple):
    """A tuple, or its single entry when the caller did not pass (or return) a tuple."""
    return res if is_tuple else res[0]


def _unpack2(res, is_outputs_tuple, is_inputs_tuple):
    """``res[i][j]`` (output i, input j) with the tuple levels the caller did not use removed."""
    if not is_inputs_tuple:
        res = tuple(r[0] for r in res)
    return res if is_outputs_tuple else res[0]


def _preprocess(tensors, create_graph, need_graph):
    """The tensors ``func`` sees: a differentiable alias of an input that requires grad when the results must
    stay differentiable (so an enclosing computation sees through), else a detached copy of the reference."""
    return tuple(t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(need_graph)
                 for t in tensors)


def _postprocess(res, create_graph):
    if create_graph:
        return res
    return tuple(_postprocess(r, False) if isinstance(r, tuple) else None if r is None else r.detach() for r in res)


def _checked_v(v, other, is_other_tuple, create_graph, fn_name, of):
    """``v`` as the tuple the products use, checked against ``other`` (``of``: "outputs" for vjp, whose ``v`` is
    shaped like the outputs, else "inputs"); None only when ``other`` is a single one-element tensor."""
    if v is None:
        if len(other) != 1 or other[0].numel() != 1:
            raise RuntimeError(_V_NONE[of])
        return None
    _, v = _as_tuple(v, "v", fn_name)
    v = _preprocess(v, create_graph, False)
    if len(v) != len(other):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (el_v, el) in enumerate(zip(v, other)):
        if el_v.shape != el.shape:
            where = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(f"{where}v has invalid size: should be {el.shape} but got {el_v.shape}.")
    return v


def _check_requires_grad(tensors, kind, strict):
    """In strict mode, refuse entries that do not depend on the inputs (None or not requiring grad)."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is not "
                               "allowed in strict mode.")
        if not t.requires_grad:
            if kind == "jacobian":
                raise RuntimeError(
                    f"While computing the hessian, found that the jacobian of the user-provided function with respect "
                    f"to input {i} is independent of the input. This is not allowed in strict mode. You should ensure "
                    "that your function is twice differentiable and that the jacobian depends on the inputs (this "
                    "would be violated by a linear function for example).")
            if kind == "grad_inputs":
                raise RuntimeError(f"The gradient with respect to input {i} is independent of the inputs of the "
                                   "user-provided function. This is not allowed in strict mode.")
            raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The outputs "
                               "must be computed in a differentiable manner from the input when running in strict "
                               "mode.")


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {}. This is not allowed in strict "
            "mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {} in the grad_outputs when using "
                  "the double backward trick to compute forward mode gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {}. This is not allowed in "
                   "strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {} in the grad_jacobian. "
                         "This is not allowed in strict mode as it prevents from using the double backward trick to "
                         "replace forward mode AD.",
}


def _no_graph_error(what, i):
    """PyTorch's strict-mode error for a result that ``create_graph=True`` cannot make differentiable."""
    return RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This is not allowed "
                        "in strict mode when create_graph=True.")


def _fill_in_zeros(grads, refs, strict, stage, create_graph=False):
    """Zeros (shaped like ``refs``) for the gradients that do not exist; in strict mode, PyTorch's error (also for
    a gradient that does not depend on the inputs when ``create_graph`` asks for a differentiable result)."""
    import ember
    res = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i))
            g = ember.zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            raise _no_graph_error("hessian" if stage.startswith("double") else "jacobian", i)
        res.append(g)
    return tuple(res)


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``autograd.grad`` over the outputs that require grad (None for every input when none does)."""
    from ember.autograd import grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=retain_graph,
                create_graph=create_graph, allow_unused=True)


# ----------------------------------------------------------------------------------------- products
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """The vector-Jacobian product ``v^T J`` of ``func`` at ``inputs``.

    Args:
        func: a function of tensors returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors (the arguments of ``func``).
        v: shaped like the output(s); may be None when ``func`` returns a single one-element tensor.
        create_graph: make the results differentiable (with respect to the inputs and ``v`` too).
        strict: raise when an output does not depend on the inputs (instead of giving zeros).

    Returns:
        ``(func(inputs), vjp)``; ``vjp`` is shaped like ``inputs``.

    Example::

        >>> ember.autograd.functional.vjp(lambda x: x ** 2, ember.tensor([1.0, 2.0]), ember.ones(2))
        (tensor([1., 4.]), tensor([2., 4.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _preprocess(inputs, create_graph, True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        v = _checked_v(v, outputs, is_outputs_tuple, create_graph, "vjp", "outputs")
        grads = _grad(outputs, inputs, v, create_graph=create_graph)
        res = _fill_in_zeros(grads, inputs, strict, "back", create_graph)
    return (_unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
            _unpack(_postprocess(res, create_graph), is_inputs_tuple))


def _forward_trick(outputs, inputs, v, create_graph, strict):
    """``J v`` for each output by the double-backward trick (PyTorch's checks and stages); ``v`` None: a single
    one-element input, the product with 1."""
    import ember
    us = tuple(ember.zeros_like(o, requires_grad=True) for o in outputs)
    try:
        grad_inputs = _grad(outputs, inputs, us, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
        grads = _grad(grad_inputs, us, v, create_graph=create_graph)
    except RuntimeError as exc:
        if _NO_DOUBLE not in str(exc):
            raise
        # An op in func has no double backward: contract the Jacobian, built row by row, with v.
        if v is None:
            v = (ember.ones_like(inputs[0]),)
        grads = []
        for o in outputs:
            rows = _jacobian_rows(o, inputs, create_graph, False, 0)
            jv = [(r.reshape(o.numel(), -1) * t.reshape(1, -1)).sum(1) for r, t in zip(rows, v) if r is not None]
            grads.append(sum(jv).reshape(o.shape).to(o.dtype) if jv else None)
    return _fill_in_zeros(grads, outputs, strict, "back_trick", create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """The Jacobian-vector product ``J v`` of ``func`` at ``inputs``.

    Args:
        func: a function of tensors returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors.
        v: shaped like ``inputs``; may be None when the input is a single one-element tensor.
        create_graph: make the results differentiable.
        strict: raise when an output does not depend on the inputs (instead of giving zeros).

    Returns:
        ``(func(inputs), jvp)``; ``jvp`` is shaped like the output(s).

    Computed by the double-backward trick (two reverse passes), as PyTorch does.

    Example::

        >>> ember.autograd.functional.jvp(lambda x: x ** 2, ember.tensor([1.0, 2.0]), ember.ones(2))
        (tensor([1., 4.]), tensor([2., 4.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _preprocess(inputs, create_graph, True)
        v = _checked_v(v, inputs, is_inputs_tuple, create_graph, "jvp", "inputs")
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        res = _forward_trick(outputs, inputs, v, create_graph, strict)
    return (_unpack(_postprocess(outputs, create_graph), is_outputs_tuple),
            _unpack(_postprocess(res, create_graph), is_outputs_tuple))


# ------------------------------------------------------------------------------------------ jacobian
def _jacobian_rows(out, inputs, create_graph, strict, i):
    """For each input, the Jacobian of ``out`` as ``(out.numel(), *input.shape)``, one backward pass per output
    element; zeros where ``out`` does not depend on the input (PyTorch's error in strict mode), None when ``out``
    is empty."""
    import ember
    from ember._backend import xp
    from ember._tensor import wrap
    n = out.numel()
    rows = [[] for _ in inputs]
    flat = out.reshape(-1)
    for k in range(n):
        if out.requires_grad:
            basis = xp.zeros(n, dtype=out._data.dtype)
            basis[k] = 1
            gs = _grad((flat,), inputs, (wrap(basis),), create_graph=create_graph, retain_graph=True)
        else:
            gs = (None,) * len(inputs)
        for j, (g, x) in enumerate(zip(gs, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(f"Output {i} of the user-provided function is independent of input {j}. This "
                                       "is not allowed in strict mode.")
                g = ember.zeros_like(x)
            elif strict and create_graph and not g.requires_grad:
                raise _no_graph_error("jacobian", i)
            rows[j].append(g)
    return [ember.stack(r) if r else None for r in rows]


def _check_strategy(strategy, hint):
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".' + hint)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``.

    Args:
        func: a function of tensors returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors.
        create_graph: make the result differentiable (so jacobians nest).
        strict: raise when an output does not depend on an input (instead of giving zeros).
        vectorize: accepted (PyTorch batches the backward passes; ember runs them one by one).
        strategy: ``"reverse-mode"`` or ``"forward-mode"`` (which needs ``vectorize=True``); same values.

    Returns:
        ``J[i][j]`` of shape ``output_i.shape + input_j.shape``; a tensor when both the input and the output are
        single tensors, else tuples over the outputs and/or inputs given or returned as tuples. As in PyTorch,
        the blocks have the input's dtype (the output's with ``"forward-mode"``, which also returns lists
        instead of tuples for tuple inputs).

    Example::

        >>> ember.autograd.functional.jacobian(lambda x: x ** 2, ember.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    _check_strategy(strategy, ' Hint: If your function has more outputs than inputs, "forward-mode" tends to be more '
                              'performant. Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                'torch.autograd.functional.jacobian: `create_graph=True` and `strategy="forward-mode"` are not '
                'supported together (yet). Please either set `create_graph=False` or `strategy="reverse-mode"`.')
        if strict:
            raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` are '
                               'not supported together (yet). Please either set `strict=False` or '
                               '`strategy="reverse-mode"`.')
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        if strategy == "forward-mode" and not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian isonly "
                                      "implemented for `vectorize=True`.")
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                               "supported together. Please either set `strict=False` or `vectorize=False`.")
        inputs = _preprocess(inputs, create_graph, True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        jac = []
        for i, out in enumerate(outputs):
            if out.numel() == 0:
                if vectorize:
                    raise IndexError("index 0 is out of bounds for dimension 0 with size 0")
                raise RuntimeError("stack expects a non-empty TensorList")
            rows = _jacobian_rows(out, inputs, create_graph, strict, i)
            blocks = tuple(r.reshape(tuple(out.shape) + tuple(x.shape)) for r, x in zip(rows, inputs))
            if strategy == "forward-mode":  # PyTorch's forward mode gives each block the output's dtype
                blocks = tuple(b.to(out.dtype) for b in blocks)
            jac.append(blocks)
        jac = _postprocess(tuple(jac), create_graph)
    if strategy == "forward-mode" and is_inputs_tuple:
        jac = [list(r) for r in jac]  # and lists where the inputs were a tuple
    return _unpack2(jac, is_outputs_tuple, is_inputs_tuple)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function ``func`` at ``inputs``.

    Args:
        func: returns a single tensor with one element.
        inputs: a tensor or a tuple of tensors.
        create_graph: make the result differentiable.
        strict: raise when the gradient does not depend on an input (e.g. a linear function).
        vectorize: accepted; same values.
        outer_jacobian_strategy: ``"reverse-mode"`` or ``"forward-mode"`` (which needs ``vectorize=True``).

    Returns:
        ``H[i][j]`` of shape ``input_i.shape + input_j.shape``; a tensor for a single input tensor.

    Example::

        >>> ember.autograd.functional.hessian(lambda x: (x ** 3).sum(), ember.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    _check_strategy(outer_jacobian_strategy, "")

    def scalar(*inp):
        out = func(*inp)
        is_out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(outs, "outputs", strict)
        if is_out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.squeeze()

    def gradient(*inp):
        jac = jacobian(scalar, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _unpack2(res, is_inputs_tuple, is_inputs_tuple)


def _scalar_outputs(func, inputs, v, create_graph, strict, name):
    """The shared start of ``vhp``/``hvp``: checked inputs, ``v``, the single output and its gradient."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
    inputs = _preprocess(inputs, create_graph, True)
    v = _checked_v(v, inputs, is_inputs_tuple, create_graph, name, "inputs")
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", name)
    _check_requires_grad(outputs, "outputs", strict)
    if is_outputs_tuple:
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single element")
    jac = _grad(outputs, inputs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict)
    return is_inputs_tuple, inputs, v, outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """The vector-Hessian product ``v^T H`` of a scalar function ``func`` at ``inputs``.

    Args:
        func: returns a single tensor with one element.
        inputs: a tensor or a tuple of tensors.
        v: shaped like ``inputs``; may be None when the input is a single one-element tensor.
        create_graph: make the results differentiable.
        strict: raise when the gradient does not depend on an input (instead of giving zeros).

    Returns:
        ``(func(inputs), vhp)``; ``vhp`` is shaped like ``inputs``.

    Example::

        >>> ember.autograd.functional.vhp(lambda x: (x ** 3).sum(), ember.tensor([1.0, 2.0]), ember.ones(2))
        (tensor(9.), tensor([ 6., 12.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, jac = _scalar_outputs(func, inputs, v, create_graph, strict, "vhp")
        grads = _grad(jac, inputs, v, create_graph=create_graph)
        res = _fill_in_zeros(grads, inputs, strict, "double_back", create_graph)
    return _postprocess(outputs, create_graph)[0], _unpack(_postprocess(res, create_graph), is_inputs_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """The Hessian-vector product ``H v`` of a scalar function ``func`` at ``inputs``.

    Same arguments and result layout as :func:`vhp`; computed by the double-backward trick (for the symmetric
    Hessian of a twice-differentiable function it equals ``vhp``).

    Example::

        >>> ember.autograd.functional.hvp(lambda x: (x ** 3).sum(), ember.tensor([1.0, 2.0]), ember.ones(2))
        (tensor(9.), tensor([ 6., 12.]))
    """
    import ember
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, jac = _scalar_outputs(func, inputs, v, create_graph, strict, "hvp")
        grad_jac = tuple(ember.zeros_like(x, requires_grad=True) for x in inputs)
        double_back = _grad(jac, inputs, grad_jac, create_graph=True)
        grads = _grad(double_back, grad_jac, v, create_graph=create_graph)
        res = _fill_in_zeros(grads, inputs, strict, "double_back_trick", create_graph)
    return _postprocess(outputs, create_graph)[0], _unpack(_postprocess(res, create_graph), is_inputs_tuple)
