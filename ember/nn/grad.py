"""``ember.nn.grad`` (mirrors ``torch.nn.grad``): gradients of ``conv1d/2d/3d`` with respect to their input
or weight, computed directly from an output gradient (no forward pass or graph needed).

They are built from ember's differentiable convolution ops (the ones ``create_graph=True`` backward uses),
so the results can themselves be differentiated. ``padding`` may also be ``'same'`` or ``'valid'`` as in
``F.conv*d`` (PyTorch's versions take numbers only and fail on a string).
"""

from ember._backend import xp
from ember._tensor import wrap

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input", "conv3d_weight"]


def _placeholder(size, like):
    # A zero-strided stand-in with the given shape, for the checks that read only shapes (as torch's expand).
    return wrap(xp.broadcast_to(xp.empty(1, dtype=like._data.dtype), tuple(int(s) for s in size)))


def _check(nd, input, weight, grad_output, stride, padding, dilation, groups, dtypes):
    """PyTorch's argument checks; ``dtypes`` are the two real tensors, which must share a dtype. Returns
    (stride, pads, dilation) as tuples."""
    from ember.nn._functional_conv import _check_dtypes, _conv_plan, _size_str

    if input.dim() != nd + 2:
        raise RuntimeError(f"Expected {nd + 2}-dimensional input for {nd + 2}-dimensional weight "
                           f"{_size_str(weight.shape)}, but got {input.dim()}-dimensional input of size "
                           f"{_size_str(input.shape)} instead")
    if grad_output.dim() != input.dim():
        raise RuntimeError("Expected input and grad_output to have the same number of dimensions, but got: "
                           f"{input.dim()} and {grad_output.dim()}")
    _check_dtypes(*dtypes, None)
    _, stride, pads, dilation, _ = _conv_plan(nd, input, weight, None, stride, padding, dilation, groups)
    out_sp = tuple((n + lo + hi - d * (k - 1) - 1) // s + 1 for n, (lo, hi), d, k, s in
                   zip(input.shape[2:], pads, dilation, weight.shape[2:], stride))
    expected = (input.shape[0], weight.shape[0]) + out_sp
    if tuple(grad_output.shape) != expected:
        raise RuntimeError(f"Expected grad_output of size {_size_str(expected)} (the output of a convolution of "
                           f"input {_size_str(input.shape)} with weight {_size_str(weight.shape)}), but got "
                           f"grad_output of size {_size_str(grad_output.shape)}")
    return stride, pads, dilation


def _input_grad(nd, input_size, weight, grad_output, stride, padding, dilation, groups):
    from ember._ops.conv import _graph_funcs, _input_grad_graph

    stride, pads, dilation = _check(nd, _placeholder(input_size, grad_output), weight, grad_output, stride,
                                    padding, dilation, groups, (grad_output, weight))
    conv_t = _graph_funcs(nd)[3]
    return _input_grad_graph(conv_t, grad_output, weight, tuple(int(s) for s in input_size)[2:], stride, dilation,
                             pads, groups)


def _weight_grad(nd, input, weight_size, grad_output, stride, padding, dilation, groups):
    from ember._ops.conv import _graph_funcs, _weight_grad_graph

    stride, pads, dilation = _check(nd, input, _placeholder(weight_size, input), grad_output, stride, padding,
                                    dilation, groups, (input, grad_output))
    ember, F, conv, _ = _graph_funcs(nd)
    if any(lo or hi for lo, hi in pads):
        input = F.pad(input, tuple(v for lo_hi in reversed(pads) for v in lo_hi))
    kernel = tuple(int(s) for s in weight_size)[2:]
    return _weight_grad_graph(ember, conv, input, grad_output, stride, dilation, kernel, groups)


_INPUT_DOC = """Gradient of ``conv{nd}d`` with respect to its input (a transposed convolution of ``grad_output``).

    Args:
        input_size: shape of the input, ``(N, C_in{dims})``.
        weight: ``(C_out, C_in / groups{kdims})``.
        grad_output: gradient of the convolution's output, ``(N, C_out{odims})``.
        stride, padding, dilation, groups: those of the convolution.

    Returns the gradient of the input, of shape ``input_size``.

    Example::

        >>> x = ember.randn({ex_x}, requires_grad=True)
        >>> w = ember.randn({ex_w})
        >>> g = ember.randn(F.conv{nd}d(x, w).shape)
        >>> ember.nn.grad.conv{nd}d_input(x.shape, w, g)   # == ember.autograd.grad(F.conv{nd}d(x, w), x, g)[0]
    """

_WEIGHT_DOC = """Gradient of ``conv{nd}d`` with respect to its weight.

    Args:
        input: the convolution's input, ``(N, C_in{dims})``.
        weight_size: shape of the weight, ``(C_out, C_in / groups{kdims})``.
        grad_output: gradient of the convolution's output, ``(N, C_out{odims})``.
        stride, padding, dilation, groups: those of the convolution.

    Returns the gradient of the weight, of shape ``weight_size``.

    Example::

        >>> x = ember.randn({ex_x})
        >>> w = ember.randn({ex_w}, requires_grad=True)
        >>> g = ember.randn(F.conv{nd}d(x, w).shape)
        >>> ember.nn.grad.conv{nd}d_weight(x, w.shape, g)   # == ember.autograd.grad(F.conv{nd}d(x, w), w, g)[0]
    """


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _input_grad(1, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _weight_grad(1, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _input_grad(2, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _weight_grad(2, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _input_grad(3, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    return _weight_grad(3, input, weight_size, grad_output, stride, padding, dilation, groups)


for _nd, _ex_x, _ex_w in ((1, "1, 2, 8", "3, 2, 3"), (2, "1, 2, 6, 6", "3, 2, 3, 3"),
                          (3, "1, 2, 4, 4, 4", "3, 2, 2, 2, 2")):
    _fmt = dict(nd=_nd, dims=", *S" if _nd > 1 else ", L", kdims=", *kernel" if _nd > 1 else ", k",
                odims=", *S_out" if _nd > 1 else ", L_out", ex_x=_ex_x, ex_w=_ex_w)
    globals()[f"conv{_nd}d_input"].__doc__ = _INPUT_DOC.format(**_fmt)
    globals()[f"conv{_nd}d_weight"].__doc__ = _WEIGHT_DOC.format(**_fmt)
del _nd, _ex_x, _ex_w, _fmt
