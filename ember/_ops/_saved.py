"""PyTorch's ``grad_fn._saved_*`` attributes for ember's nodes.

PyTorch's generated nodes expose what they keep for backward under the names of its derivative formulas
(``MulBackward0._saved_self``, ``MmBackward0._saved_mat2``, ``SumBackward1._saved_dim``...), which torchviz's
``make_dot(show_saved=True)`` and teaching code read. ember keeps different things (raw arrays, op parameters), so
this table maps each node to those names, computed only when read (``Op.__getattr__`` comes here for ``_saved_*``
names: normal attribute access never does). Tensor-valued attributes raise PyTorch's error once backward freed the
node's saved values; plain values (dims, sizes, flags) stay readable, as in PyTorch.

Differences left: PyTorch reports a negative dim argument as the unsigned 64-bit integer of what the caller passed
(``softmax(-1)``'s ``_saved_dim`` is 2**64 - 1), while ember's ops keep dims normalised (the positive index).
"""

from ember._backend import xp
from ember._tensor import wrap

_TENSOR, _VALUE = 0, 1


def _freed_error():
    from ember.autograd.engine import _SECOND_TIME  # (the engine imports the ops: import at call time)

    return RuntimeError(_SECOND_TIME)


def _saved_arrays(node):
    saved = node.saved
    return saved if type(saved) is tuple else saved.unpack()  # packed by saved_tensors_hooks


def _inp(i, need=None):
    """Input ``i`` (the tensor itself, as PyTorch returns it); None unless input ``need`` requires grad."""
    def get(node):
        if need is not None and not node.needs_input_grad[need]:
            return None
        return node._inputs[i]
    return _TENSOR, get


def _result(pos=0):
    """The result kept for backward (``saved[pos]``), as a tensor whose grad_fn is the node (as PyTorch's)."""
    def get(node):
        return wrap(_saved_arrays(node)[pos], requires_grad=True, grad_fn=node)
    return _TENSOR, get


def _val(fn):
    return _VALUE, fn


def _sizes(i):
    return _val(lambda node: tuple(node._in_meta[i][0]))


def _strides(i):
    return _val(lambda node: tuple(node._inputs[i].stride()))


def _u64(v):
    return int(v) % (1 << 64)  # PyTorch reports int64 parameters through an unsigned type


_UNARY_RESULT = {"_saved_result": _result()}
_UNARY_SELF = {"_saved_self": _inp(0)}


def _sum_like(mean):
    def spec(node):
        d = {"_saved_self_sym_sizes": _val(lambda n: tuple(n.shape))}
        if node.dim is not None:  # SumBackward1 / MeanBackward1
            d["_saved_dim"] = _val(lambda n: tuple(n.dim))
            d["_saved_keepdim"] = _val(lambda n: bool(n.keepdim))
        if mean:
            d["_saved_self_sym_numel"] = _val(lambda n: int(xp.prod(n.shape, dtype=xp.int64)))
        return d
    return spec


def _mm(node):
    if node.grad_name != "MmBackward0":  # (dot, mv, bmm, matmul of N-D: other nodes in PyTorch)
        return {}
    return {"_saved_self": _inp(0, need=1), "_saved_mat2": _inp(1, need=0),
            "_saved_self_sym_sizes": _sizes(0), "_saved_self_sym_strides": _strides(0),
            "_saved_mat2_sym_sizes": _sizes(1), "_saved_mat2_sym_strides": _strides(1)}


def _addmm(node):
    return {"_saved_alpha": _val(lambda n: n.alpha), "_saved_beta": _val(lambda n: n.beta),
            "_saved_mat1": _inp(1, need=2), "_saved_mat2": _inp(2, need=1),
            "_saved_mat1_sym_sizes": _sizes(1), "_saved_mat1_sym_strides": _strides(1),
            "_saved_mat2_sym_sizes": _sizes(2), "_saved_mat2_sym_strides": _strides(2)}


def _conv(node):
    def bias_sizes(n):
        return tuple(n._in_meta[2][0]) if len(n._in_meta) > 2 else (0,)

    return {"_saved_input": _inp(0), "_saved_weight": _inp(1),
            "_saved_stride": _val(lambda n: tuple(n.stride)),
            "_saved_padding": _val(lambda n: tuple(p[0] for p in n.pads)),
            "_saved_dilation": _val(lambda n: tuple(n.dilation)),
            "_saved_groups": _val(lambda n: int(n.groups)),
            "_saved_transposed": _val(lambda n: False),
            "_saved_output_padding": _val(lambda n: (0,) * len(n.stride)),
            "_saved_bias_sym_sizes_opt": _val(bias_sizes)}


def _max_pool_indices(node):
    (arg,) = _saved_arrays(node)
    xshape, _, out, _ = node.geom
    return wrap(node._indices(arg, xshape[-len(node.kernel_size):], out))


def _max_pool(node):
    if not node.grad_name.startswith("MaxPool"):
        return {}
    return {"_saved_self": _inp(0), "_saved_result1": (_TENSOR, _max_pool_indices),
            "_saved_kernel_size": _val(lambda n: tuple(n.kernel_size)),
            "_saved_stride": _val(lambda n: tuple(n.stride)),
            "_saved_padding": _val(lambda n: tuple(n.padding)),
            "_saved_dilation": _val(lambda n: tuple(n.dilation)),
            "_saved_ceil_mode": _val(lambda n: bool(n.ceil_mode))}


_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def _total_weight(node):
    target = node._inputs[1]._data.reshape(-1)
    x = node._inputs[0]._data
    if node.reduction == "none":
        return wrap(xp.zeros((), dtype=x.dtype))
    valid = target[target != node.ignore_index]
    w = node.weight
    total = valid.size if w is None else w[valid].sum()
    return wrap(xp.asarray(total, dtype=x.dtype))


def _log_probs(node):
    x = node._inputs[0]
    if type(node).__dict__.get("_op_class", type(node)).__name__ == "CrossEntropy":  # fused: PyTorch's self is
        dim = 0 if x.ndim == 1 else 1  # the log_softmax it ran first
        return x.detach().log_softmax(dim)
    return x


def _nll(node):
    if getattr(node, "label_smoothing", 0.0):
        return {}
    return {"_saved_self": (_TENSOR, _log_probs), "_saved_target": _inp(1),
            "_saved_weight": (_TENSOR, lambda n: None if n.weight is None else wrap(n.weight)),
            "_saved_ignore_index": _val(lambda n: _u64(n.ignore_index)),
            "_saved_reduction": _val(lambda n: _REDUCTIONS[n.reduction]),
            "_saved_total_weight": (_TENSOR, _total_weight)}


def _bn_stat(which):
    def get(node):
        x = node._inputs[0]._data
        if not node.training:  # PyTorch keeps empty tensors in evaluation mode
            return wrap(xp.zeros((0,), dtype=x.dtype))
        if which == 2:
            return wrap(_saved_arrays(node)[1])  # invstd
        return wrap(x.reshape(x.shape[0], x.shape[1], -1).mean(axis=(0, 2), dtype=x.dtype))  # (not kept by ember)
    return _TENSOR, get


def _buffer(attr):
    def get(node):
        a = getattr(node, attr)
        return None if a is None else wrap(a)
    return _TENSOR, get


_BATCH_NORM = {"_saved_input": _inp(0), "_saved_weight": (_TENSOR, lambda n: n._inputs[1] if n.affine else None),
               "_saved_running_mean": _buffer("running_mean"), "_saved_running_var": _buffer("running_var"),
               "_saved_eps": _val(lambda n: float(n.eps)), "_saved_training": _val(lambda n: bool(n.training)),
               "_saved_result1": _bn_stat(1), "_saved_result2": _bn_stat(2)}


def _const(d):
    return lambda node: d


# op class name -> node -> {torch's attribute name: (kind, getter(node))}
_TABLE = {
    "Mul": _const({"_saved_self": _inp(0, need=1), "_saved_other": _inp(1, need=0)}),
    "Div": _const({"_saved_self": _inp(0, need=1), "_saved_other": _inp(1)}),
    "Pow": _const({"_saved_self": _inp(0), "_saved_exponent": _val(lambda n: n.exponent)}),
    "PowTensor": lambda node: {"_saved_self": (_val(lambda n: n._inputs[0].item()) if node.grad_name == "PowBackward2"
                                               else _inp(0)),  # (number ** tensor: PyTorch keeps the number)
                               "_saved_exponent": _inp(1), "_saved_result": _result(2)},
    "Add": _const({"_saved_alpha": _val(lambda n: n.alpha)}), "Sub": _const({"_saved_alpha": _val(lambda n: n.alpha)}),
    **dict.fromkeys(["Log", "Sin", "Cos", "Abs", "Log1p"], _const(_UNARY_SELF)),
    "Sqrt": _const(_UNARY_RESULT), "Rsqrt": _const(_UNARY_RESULT),
    "Exp": _const(_UNARY_RESULT), "Tanh": _const(_UNARY_RESULT), "Sigmoid": _const(_UNARY_RESULT),
    "Relu": _const(_UNARY_RESULT),
    "MatMul": _mm, "Addmm": _addmm,
    "Sum": _sum_like(False), "Mean": _sum_like(True),
    "Softmax": _const({"_saved_dim": _val(lambda n: _u64(n.dim)), "_saved_result": _result()}),
    "LogSoftmax": _const({"_saved_dim": _val(lambda n: _u64(n.dim)), "_saved_result": _result()}),
    "Cat": _const({"_saved_dim": _val(lambda n: _u64(n.dim))}),
    "View": lambda node: ({"_saved_self_sym_sizes": _val(lambda n: tuple(n.in_shape))}
                          if node.grad_name in ("ViewBackward0", "UnsafeViewBackward0") else {}),
    "Transpose": lambda node: ({"_saved_dim0": _val(lambda n: _u64(n.dim0)),
                                "_saved_dim1": _val(lambda n: _u64(n.dim1))}
                               if node.grad_name == "TransposeBackward0" else {}),
    "Convolution": _conv,
    "BatchNorm": lambda node: _BATCH_NORM if node.grad_name == "NativeBatchNormBackward0" else {},
    "MaxPool": _max_pool,
    "NllLoss": _nll, "CrossEntropy": _nll,
}


def _specs(node):
    cls = type(node)
    make = _TABLE.get(cls.__dict__.get("_op_class", cls).__name__)
    if make is None or not node.requires_grad:  # (an op never recorded has nothing saved)
        return {}
    return make(node)


def saved_names(node):
    """The ``_saved_*`` names ``node`` has (for ``dir``)."""
    return list(_specs(node))


def saved_attr(node, name):
    """``node``'s PyTorch attribute ``name`` (``_saved_...``); AttributeError when it has none of that name."""
    spec = _specs(node).get(name)
    if spec is None:
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '{name}'")
    kind, get = spec
    if kind == _TENSOR and node._freed:
        raise _freed_error()
    return get(node)
