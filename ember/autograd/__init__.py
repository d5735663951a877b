"""``ember.autograd``: reverse-mode automatic differentiation (mirrors ``torch.autograd``)."""

from ember.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from ember.autograd.grad_mode import state as _state


def _make_grads(outputs, grad_outputs, create_graph):
    from ember._backend import xp
    from ember._tensor import Tensor, wrap

    if len(grad_outputs) < len(outputs):  # (extra gradients are ignored, as in PyTorch)
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind not in "fV":
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype}"
                )
            arr = xp.ones(out._data.shape, dtype=out._data.dtype)
            grads.append(wrap(arr) if create_graph else arr)
        else:
            if not isinstance(g, Tensor):
                raise TypeError(f"gradient must be a Tensor or None, got {type(g).__name__}")
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a "
                    f"shape of {out.shape}."
                )
            if g._data.dtype.kind == "c" and out._data.dtype.kind != "c":
                raise RuntimeError(
                    "For complex Tensors, both grad_output and output are required to have the same dtype. Mismatch "
                    f"in dtype: grad_output[{i}] has a dtype of {g.dtype} and output[{i}] has a dtype of {out.dtype}.")
            grads.append(g if create_graph else g._data)
    return grads


def _as_tuple(x):
    from ember._tensor import Tensor
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


_CYCLE_WARNED = [False]  # backward(create_graph=True)'s reference-cycle warning has been given


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate into the leaves' ``.grad`` the gradient of ``tensors`` (see ``Tensor.backward``)."""
    from ember.autograd.engine import run_backward

    tensors = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    else:
        grad_tensors = list(_as_tuple(grad_tensors)) if not isinstance(grad_tensors, list) else grad_tensors
    for t in tensors:
        if not t._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        if not all(t._requires_grad for t in inputs):  # (PyTorch retains the grad of each input)
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    grads = _make_grads(tensors, grad_tensors, create_graph)
    if create_graph and not _CYCLE_WARNED[0]:
        _CYCLE_WARNED[0] = True  # PyTorch warns once per process (before filters apply, so even if ignored)
        import warnings
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between the parameter and its "
            "gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to "
            "avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters "
            "to None after use to break the cycle and avoid the leak.", UserWarning, stacklevel=3)
    run_backward(list(tensors), grads, retain_graph, create_graph, inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs``, returned as a tuple (``.grad`` is untouched).

    Args:
        outputs: tensor(s) to differentiate.
        inputs: tensor(s) to differentiate with respect to.
        grad_outputs: upstream gradients (needed for non-scalar outputs).
        retain_graph: keep the graph for another backward (default: ``create_graph``).
        create_graph: record the backward pass, so the result can be differentiated again.
        allow_unused: return None for inputs the outputs do not depend on instead of raising.
        only_inputs: ignored (deprecated in PyTorch: ``False`` warns).
        is_grads_batched: the first dimension of each grad_output is a batch of upstream gradients; the
            results get the same leading dimension (e.g. a full Jacobian from ``grad_outputs=eye(n)``).

    Example::

        >>> x = ember.tensor(2.0, requires_grad=True)
        >>> (dy,) = ember.autograd.grad(x ** 3, x, create_graph=True)   # 3x^2 = 12
        >>> ember.autograd.grad(dy, x)                                   # 6x = 12
        (tensor(12.),)
    """
    from ember._tensor import wrap
    from ember.autograd.engine import run_backward

    if not only_inputs:  # (PyTorch ignores it, and says so each time it is False)
        import warnings

        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                      "gradient for other parts of the graph, please use torch.autograd.backward.", FutureWarning,
                      stacklevel=2)
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = list(_as_tuple(grad_outputs))
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    for t in outputs:
        if not t._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        results = _batched_grads(outputs, inputs, grad_outputs, retain_graph, create_graph)
    else:
        grads = _make_grads(outputs, grad_outputs, create_graph)
        results = run_backward(list(outputs), grads, retain_graph, create_graph, inputs=inputs,
                               accumulate=False)
    out = []
    from ember._backend import xp
    for i, (t, r) in enumerate(zip(inputs, results)):
        if r is None:
            if materialize_grads:
                out.append(wrap(xp.zeros_like(t._data), requires_grad=create_graph))  # (as PyTorch's zeros)
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. Set "
                    "allow_unused=True if this is the desired behavior."
                )
            out.append(None)
        else:
            out.append(r if create_graph and hasattr(r, "_data") else wrap(r) if not hasattr(r, "_data") else r)
    return tuple(out)


def _batched_grads(outputs, inputs, grad_outputs, retain_graph, create_graph):
    """``grad`` with ``is_grads_batched``: one backward per row of the grad_outputs' first dimension, the
    results stacked along a new first dimension (None for inputs the outputs do not reach)."""
    from ember._functions import stack
    from ember._tensor import Tensor, wrap
    from ember.autograd.engine import run_backward

    batch = None
    sizes = []
    for i, (go, t) in enumerate(zip(grad_outputs, outputs)):
        if go is None and t.dim() == 0:  # (PyTorch vmaps over the implicit 0-d ones)
            raise ValueError("vmap(vjp, in_dims=0, ...)(<inputs>): Got in_dim=0 for some input, but that input is a "
                             "Tensor of dimensionality 0 so expected in_dim to satisfy 0 <= in_dim < 0.")
        if isinstance(go, Tensor):
            if go.dim() == 0 or tuple(go.shape[1:]) != tuple(t.shape):
                raise RuntimeError(
                    "If `is_grads_batched=True`, we interpret the first dimension of each grad_output as the batch "
                    "dimension. The sizes of the remaining dimensions are expected to match the shape of "
                    f"corresponding output, but a mismatch was detected: grad_output[{i}] has a shape of "
                    f"{go.shape[1:]} and output[{i}] has a shape of {t.shape}. If you only want some tensors in "
                    "`grad_output` to be considered batched, consider using vmap.")
            sizes.append(go.shape[0])
            batch = sizes[0]
    if len(set(sizes)) > 1:
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes {sizes} "
                         "for the mapped dimension")
    if batch == 0:
        raise IndexError("index 0 is out of bounds for dimension 0 with size 0")
    if batch is None:  # nothing batched (no grad_outputs given): a plain backward, with its errors
        return run_backward(list(outputs), _make_grads(outputs, grad_outputs, create_graph), retain_graph,
                            create_graph, inputs=inputs, accumulate=False)
    rows = []
    for b in range(batch):
        gos = [go[b] if isinstance(go, Tensor) else go for go in grad_outputs]
        grads = _make_grads(outputs, gos, create_graph)
        res = run_backward(list(outputs), grads, retain_graph or b < batch - 1, create_graph, inputs=inputs,
                           accumulate=False)
        rows.append([None if r is None else r if isinstance(r, Tensor) else wrap(r) for r in res])
    return [None if not rows or rows[0][j] is None else stack([r[j] for r in rows]) for j in range(len(inputs))]


class set_detect_anomaly:
    """Turn anomaly detection on or off (also a context manager).

    With it on, forward ops remember their traceback and a backward that produces NaN raises a
    RuntimeError naming the op, after warning with the forward traceback.
    """

    def __init__(self, mode, check_nan=True):
        self.prev = _state.anomaly
        self.prev_nan = _state.anomaly_check_nan
        _state.anomaly = bool(mode)
        _state.anomaly_check_nan = check_nan

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state.anomaly = self.prev
        _state.anomaly_check_nan = self.prev_nan
        return False


class detect_anomaly:
    """Context manager that enables anomaly detection (see :class:`set_detect_anomaly`)."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        import warnings
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only "
            "be enabled for debugging.", UserWarning, stacklevel=2,
        )
        self.prev = _state.anomaly
        self.prev_nan = _state.anomaly_check_nan
        _state.anomaly = True
        _state.anomaly_check_nan = self.check_nan
        return self

    def __exit__(self, *exc):
        _state.anomaly = self.prev
        _state.anomaly_check_nan = self.prev_nan
        return False


def is_anomaly_enabled():
    return _state.anomaly


_LAZY = {
    "Function": ("ember.autograd.function", "Function"),
    "FunctionCtx": ("ember.autograd.function", "FunctionCtx"),
    "function": ("ember.autograd.function", None),
    "gradcheck": ("ember.autograd.gradcheck", "gradcheck"),
    "GradcheckError": ("ember.autograd.gradcheck", "GradcheckError"),
    "gradgradcheck": ("ember.autograd.gradcheck", "gradgradcheck"),
    "functional": ("ember.autograd.functional", None),
    "forward_ad": ("ember.autograd.forward_ad", None),
    "graph": ("ember.autograd.graph", None),
    "profiler": ("ember.autograd.profiler", None),
    "profiler_util": ("ember.autograd.profiler_util", None),
    "variable": ("ember.autograd.variable", None),
    "anomaly_mode": ("ember.autograd.anomaly_mode", None),
    "Variable": ("ember.autograd.variable", "Variable"),
}


def is_tensor_like(inp):
    """Whether ``inp`` is a tensor or a tensor-like object (one whose type defines ``__torch_function__``).

    Args:
        inp: any object.

    Example::

        >>> ember.autograd.is_tensor_like(ember.ones(2)), ember.autograd.is_tensor_like(1.0)
        (True, False)
    """
    from ember._tensor import Tensor
    # (a tensor class counts too, as PyTorch's Tensor class has __torch_function__)
    return (isinstance(inp, Tensor) or (isinstance(inp, type) and issubclass(inp, Tensor))
            or hasattr(inp, "__torch_function__"))


def __getattr__(name):
    # Loaded on first use: these import Tensor, which itself imports this package's grad_mode.
    import importlib
    if name not in _LAZY:
        raise AttributeError(f"module 'ember.autograd' has no attribute '{name}'")
    module_name, attr = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


__all__ = [
    "backward", "grad", "Function", "FunctionCtx", "gradcheck", "gradgradcheck", "no_grad",
    "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled",
    "set_detect_anomaly", "detect_anomaly", "is_anomaly_enabled", "functional", "Variable", "variable",
]
