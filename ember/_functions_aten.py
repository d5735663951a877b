"""``torch.*`` entry points of ATen-level operators, as thin wrappers over ember's functional ops: the
flat-argument ``convolution``, ``grid_sampler*``, ``affine_grid_generator``, the ``native_*`` normalisations
(returning their saved statistics, as PyTorch's), ``native_dropout`` (with its mask), ``norm_except_dim``,
``embedding_renorm_``, the multi-layer recurrent functions on flat parameter lists (``lstm``, ``gru``,
``rnn_tanh``, ``rnn_relu``), ``segment_reduce``, ``slice_inverse``, the ``view_as_*_copy`` forms, and the
``sym_*`` helpers of symbolic shapes acting on plain numbers.

``ember/__init__.py`` resolves these names lazily (``_LAZY_ATTRS``); this module's ``__all__`` is read from there.
"""

import builtins
import functools
import math

import ember
from ember import _dtype
from ember import _functions_args as _args
from ember._backend import xp
from ember._ops import Op
from ember._tensor import Tensor, wrap
from ember.autograd.grad_mode import no_grad

__all__ = sorted(name for name, module in ember._LAZY_ATTRS.items() if module == __name__)

_int, _float, _bool = builtins.int, builtins.float, builtins.bool


def _F():
    import ember.nn.functional as F  # (ember.nn loads on first use)
    return F


def _int_list(fn, values, what, position):
    """``values`` (tuple, list or Size of ints) as a list, or PyTorch's TypeError."""
    if not isinstance(values, (tuple, list, ember.Size)):
        raise TypeError(f"{fn}(): argument '{what}' ({'position ' + str(position)}) must be tuple of ints, not "
                        f"{_args.type_name(values)}")
    for i, v in enumerate(values):
        if isinstance(v, _bool) or not isinstance(v, (_int, xp.integer)):
            raise TypeError(f"{fn}(): argument '{what}' (position {position}) must be tuple of ints, but found "
                            f"element of type {_args.type_name(v)} at pos {i}")
    return [_int(v) for v in values]


def _need(fn, name, position, value, optional=False):
    if not (isinstance(value, Tensor) or (optional and value is None)):
        raise _args.tensor_error(fn, name, value, position)


def _first_tensor(arg):
    """Refuse a non-tensor first argument ``arg`` as PyTorch's parser does, before any arity check (its message
    names the argument even when others are missing); the function then checks its other tensors itself."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if args and not isinstance(args[0], Tensor):
                raise _args.tensor_error(fn.__name__, arg, args[0], 1)
            return fn(*args, **kwargs)
        return _args.checks_args(wrapper)
    return decorate


def _sizes_str(t):
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


# =========================================================================================== convolution
@_first_tensor("input")
def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """N-d convolution (or transposed convolution) with every option explicit: PyTorch's ``aten::convolution``.

    Args:
        input: ``(N, C_in, *spatial)``. weight: ``(C_out, C_in / groups, *kernel)`` (transposed:
            ``(C_in, C_out / groups, *kernel)``). bias: ``(C_out,)`` or None.
        stride, padding, dilation, output_padding (list of ints): one value or one per spatial dim.
        transposed (bool): a transposed convolution. groups (int): channel groups.

    Example::

        >>> ember.convolution(ember.ones(1, 1, 4), ember.ones(1, 1, 2), None, [1], [0], [1], False, [0], 1)
        tensor([[[2., 2., 2.]]])
    """
    _need("convolution", "input", 1, input)
    _need("convolution", "weight", 2, weight)
    _need("convolution", "bias", 3, bias, optional=True)
    opts = {}
    for pos, name, value in ((4, "stride", stride), (5, "padding", padding), (6, "dilation", dilation),
                             (8, "output_padding", output_padding)):
        opts[name] = _int_list("convolution", value, name, pos)
    nd = weight.dim() - 2
    if input.dim() != weight.dim():
        raise RuntimeError(f"Expected {weight.dim()}-dimensional input for {weight.dim()}-dimensional weight "
                           f"{_sizes_str(weight)}, but got {input.dim()}-dimensional input of size "
                           f"{_sizes_str(input)} instead")
    for name, value in opts.items():
        if len(value) == 1:
            opts[name] = value * nd
        elif len(value) != nd:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} values to match "
                               f"the convolution dimensions, but got {name}={value}")
    F = _F()
    if transposed:
        fn = getattr(F, f"conv_transpose{nd}d")
        return fn(input, weight, bias, opts["stride"], opts["padding"], opts["output_padding"], groups,
                  opts["dilation"])
    fn = getattr(F, f"conv{nd}d")
    return fn(input, weight, bias, opts["stride"], opts["padding"], opts["dilation"], groups)


# ============================================================================================== sampling
_INTERPOLATION = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def _modes(interpolation_mode, padding_mode):
    if interpolation_mode not in _INTERPOLATION:
        raise RuntimeError(f"grid_sampler(): unknown interpolation mode {interpolation_mode} (0: bilinear, "
                           "1: nearest, 2: bicubic)")
    if padding_mode not in _PADDING:
        raise RuntimeError(f"grid_sampler(): unknown padding mode {padding_mode} (0: zeros, 1: border, "
                           "2: reflection)")
    return _INTERPOLATION[interpolation_mode], _PADDING[padding_mode]


@_first_tensor("input")
def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """:func:`ember.nn.functional.grid_sample` with PyTorch's integer codes: ``interpolation_mode`` 0
    bilinear, 1 nearest, 2 bicubic; ``padding_mode`` 0 zeros, 1 border, 2 reflection.

    Args:
        input: ``(N, C, H, W)`` or ``(N, C, D, H, W)``. grid: ``(N, H_out, W_out, 2)`` or
            ``(N, D_out, H_out, W_out, 3)`` of coordinates in [-1, 1]. align_corners (bool).

    Example::

        >>> ember.grid_sampler(ember.ones(1, 1, 2, 2), ember.zeros(1, 1, 1, 2), 0, 0, False)
        tensor([[[[1.]]]])
    """
    _need("grid_sampler", "grid", 2, grid)
    mode, pad = _modes(interpolation_mode, padding_mode)
    return _F().grid_sample(input, grid, mode, pad, align_corners)


def _grid_sampler_nd(nd, input, grid, interpolation_mode, padding_mode, align_corners):
    _need(f"grid_sampler_{nd}d", "grid", 2, grid)
    if input.dim() != nd + 2 or grid.dim() != nd + 2:
        raise RuntimeError(f"grid_sampler(): expected {nd + 2}D input and grid with same number of dimensions, "
                           f"but got input with sizes {_sizes_str(input)} and grid with sizes {_sizes_str(grid)}")
    if nd == 3 and interpolation_mode == 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


@_first_tensor("input")
def grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners):
    """:func:`grid_sampler` for 4-D ``input`` and ``grid`` only.

    Example::

        >>> ember.grid_sampler_2d(ember.ones(1, 1, 2, 2), ember.zeros(1, 1, 1, 2), 1, 0, True)
        tensor([[[[1.]]]])
    """
    return _grid_sampler_nd(2, input, grid, interpolation_mode, padding_mode, align_corners)


@_first_tensor("input")
def grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners):
    """:func:`grid_sampler` for 5-D ``input`` and ``grid`` only (no bicubic mode).

    Example::

        >>> ember.grid_sampler_3d(ember.ones(1, 1, 2, 2, 2), ember.zeros(1, 1, 1, 1, 3), 0, 0, False)
        tensor([[[[[1.]]]]])
    """
    return _grid_sampler_nd(3, input, grid, interpolation_mode, padding_mode, align_corners)


@_first_tensor("theta")
def affine_grid_generator(theta, size, align_corners):
    """:func:`ember.nn.functional.affine_grid` with every argument required.

    Args:
        theta: ``(N, 2, 3)`` or ``(N, 3, 4)`` affine matrices. size (list of ints): ``[N, C, H, W]`` or
            ``[N, C, D, H, W]``. align_corners (bool).

    Returns:
        ``(N, H, W, 2)`` or ``(N, D, H, W, 3)`` sampling grid.

    Example::

        >>> ember.affine_grid_generator(ember.tensor([[[1., 0, 0], [0, 1, 0]]]), [1, 1, 1, 2], False)
        tensor([[[[-0.5000,  0.0000],
                  [ 0.5000,  0.0000]]]])
    """
    size = _int_list("affine_grid_generator", size, "size", 2)
    if len(size) not in (4, 5):
        raise RuntimeError("AffineGridGenerator needs 4d (spatial) or 5d (volumetric) inputs.")
    nd = len(size) - 2
    # PyTorch multiplies (N, points, nd + 1) base grids by theta^T batch-wise: its bmm's check
    if theta.dim() == 3 and (theta.shape[0] != size[0] or theta.shape[2] != nd + 1):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, {nd + 1}] "
                           f"but got: [{theta.shape[0]}, {theta.shape[2]}].")
    return _F().affine_grid(theta, size, align_corners)


# ========================================================================================= normalisation
def _optional_tensors(fn, input, optional):
    _need(fn, "input", 1, input)
    for position, name, value in optional:
        _need(fn, name, position, value, optional=True)


def _stats(x, axes, eps, params=()):
    """Mean and 1 / sqrt(biased variance + eps) of ``x`` over ``axes`` (kept), as tensors in x's dtype, or in
    float32 for a float16/bfloat16 ``x`` with a float32 tensor among ``params`` (PyTorch's mixed-dtype norms)."""
    if x.dtype in (ember.float16, ember.bfloat16) and any(p is not None and p.dtype == ember.float32
                                                           for p in params):
        x = x.float()
    mean = x.mean(axes, keepdim=True)
    var = (x - mean).square().mean(axes, keepdim=True)
    return mean, (var + eps).rsqrt()


@_first_tensor("input")
def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """:func:`ember.nn.functional.layer_norm` that also returns the statistics: ``(out, mean, rstd)``.

    Args:
        input: ``(*, *normalized_shape)``. normalized_shape (list of ints): the trailing dims normalised.
        weight, bias: ``normalized_shape`` or None. eps (float).

    Returns:
        ``out`` as ``input``; ``mean`` and ``rstd`` (``1 / sqrt(var + eps)``) of shape ``input.shape[:k] +
        (1,) * len(normalized_shape)`` (they carry no gradient, as in PyTorch).

    Example::

        >>> out, mean, rstd = ember.native_layer_norm(ember.randn(2, 3, 4), [4], None, None, 1e-5)
        >>> mean.shape
        ember.Size([2, 3, 1])
    """
    _optional_tensors("native_layer_norm", input, ((3, "weight", weight), (4, "bias", bias)))
    shape = _int_list("native_layer_norm", normalized_shape, "normalized_shape", 2)
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    out = _F().layer_norm(input, shape, weight, bias, eps)
    axes = tuple(range(input.dim() - len(shape), input.dim()))
    with no_grad():
        mean, rstd = _stats(input, axes, eps, (weight, bias))
    return out, mean, rstd


@_first_tensor("input")
def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """:func:`ember.nn.functional.batch_norm` that also returns the batch statistics:
    ``(out, save_mean, save_invstd)``.

    Args:
        input: ``(N, C, *)``. weight, bias, running_mean, running_var: ``(C,)`` or None (the running
            statistics are updated in place when ``training``). training (bool). momentum, eps (float).

    Returns:
        ``out`` as ``input``; in training the batch mean and ``1 / sqrt(biased var + eps)``, ``(C,)``; in
        evaluation two empty tensors.

    Example::

        >>> out, mean, invstd = ember.native_batch_norm(ember.randn(4, 3), None, None, None, None, True, 0.1,
        ...                                             1e-5)
        >>> mean.shape
        ember.Size([3])
    """
    _optional_tensors("native_batch_norm", input, ((2, "weight", weight), (3, "bias", bias),
                                                   (4, "running_mean", running_mean), (5, "running_var", running_var)))
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    out = _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    with no_grad():
        if training:
            axes = (0,) + tuple(range(2, input.dim()))
            mean, invstd = _stats(input, axes, eps, (weight, bias, running_mean, running_var))
            return out, mean.reshape(-1), invstd.reshape(-1)
        empty = ember.empty((0,), dtype=running_mean.dtype)  # (PyTorch's: the running statistics' dtype)
        return out, empty, empty.clone()


@_first_tensor("input")
def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """:func:`ember.nn.functional.group_norm` that also returns the statistics: ``(out, mean, rstd)``.

    Args:
        input: ``(N, C, *)`` with ``HxW`` elements per channel. weight, bias: ``(C,)`` or None.
        N, C, HxW (int): the sizes. group (int): number of groups (dividing C). eps (float).

    Returns:
        ``out`` as ``input``; ``mean`` and ``rstd``, ``(N, group)`` (differentiable, as in PyTorch).

    Example::

        >>> out, mean, rstd = ember.native_group_norm(ember.randn(2, 4, 3), None, None, 2, 4, 3, 2, 1e-5)
        >>> rstd.shape
        ember.Size([2, 2])
    """
    _optional_tensors("native_group_norm", input, ((2, "weight", weight), (3, "bias", bias)))
    if input.numel() != N * C * HxW:
        raise RuntimeError("Expected X.numel() == N * C * HxW to be true, but got false.  (Could this error message "
                           "be improved?  If so, please report an enhancement request to PyTorch.)")
    out = _F().group_norm(input, group, weight, bias, eps)
    mean, rstd = _stats(input.reshape(N, group, -1), (2,), eps, (weight, bias))
    return out, mean.reshape(N, group), rstd.reshape(N, group)


@_first_tensor("input")
def native_dropout(input, p, train):
    """Dropout returning its mask: ``(out, mask)``, ``mask`` the bool tensor of kept elements and ``out =
    input * mask / (1 - p)`` (0 where ``p == 1``). ``train`` False: ``out`` a copy of ``input``, mask all True;
    None counts as True. The draws are those of :func:`ember.nn.functional.dropout` (the global generator).

    Example::

        >>> out, mask = ember.native_dropout(ember.ones(4), 0.5, True)
        >>> mask.dtype
        ember.bool
    """
    if train is not None and not train:
        return _NativeDropout.apply(input, factor=None), ember.ones(input.shape, dtype=ember.bool)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={1 - p}")  # (PyTorch draws 1 - p)
    from ember.nn._functional_core import _keep
    keep = _keep(tuple(input.shape), p).astype(xp.bool_)
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    mask = wrap(keep)
    return _NativeDropout.apply(input, factor=(keep * scale).astype(input._data.dtype)), mask


class _NativeDropout(Op):
    """``input * factor`` (the kept elements' scale, 0 elsewhere; a copy when ``factor`` is None): PyTorch's node
    for both outputs of native_dropout, differentiable in ``input`` only (the mask is drawn outside)."""

    grad_name = "NativeDropoutBackward0"
    factor = None

    def forward(self, a):
        return a.copy() if self.factor is None else a * self.factor

    def backward(self, g):
        return (g if self.factor is None else g * self.factor,)

    def backward_graph(self, g):
        return (g if self.factor is None else g * wrap(self.factor),)


@_first_tensor("v")
def norm_except_dim(v, pow=2, dim=0):
    """The ``pow``-norm of ``v`` over every dim but ``dim``, kept as size-1 dims (weight normalisation's
    ``g``); ``dim=-1``: the norm of all of ``v`` (a 0-d tensor).

    Args:
        v: any tensor. pow (int): the norm's order. dim (int): the dim kept.

    Example::

        >>> ember.norm_except_dim(ember.ones(2, 3), 2, 0)
        tensor([[1.7321],
                [1.7321]])
    """
    pow = _args.need_int("norm_except_dim", "pow", 2, pow)
    dim = _args.need_int("norm_except_dim", "dim", 3, dim)
    if dim == -1:
        return ember.linalg.vector_norm(v, pow)
    n = v.dim()
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    dim %= n
    return ember.linalg.vector_norm(v, pow, tuple(d for d in range(n) if d != dim), keepdim=True)


@_first_tensor("input")
def embedding_renorm_(input, indices, max_norm, norm_type):
    """Rescale in place the rows of ``input`` named in ``indices`` whose ``norm_type``-norm exceeds
    ``max_norm`` to norm ``max_norm`` (what ``F.embedding(..., max_norm=...)`` does first); returns ``input``.

    Args:
        input: ``(num_embeddings, dim)``. indices: int64 or int32 row indices, any shape.
        max_norm (float), norm_type (float).

    Example::

        >>> ember.embedding_renorm_(ember.tensor([[3., 4.], [0., 1.]]), ember.tensor([0]), 1.0, 2.0)
        tensor([[0.6000, 0.8000],
                [0.0000, 1.0000]])
    """
    _need("embedding_renorm_", "indices", 2, indices)
    if input.dim() != 2:
        raise RuntimeError(f"Expected 2-dimensional tensor, but got {input.dim()}-dimensional tensor for argument #1 "
                           "'self' (while checking arguments for embedding_renorm_)")
    if indices._data.dtype not in (xp.int64, xp.int32):
        raise RuntimeError("Expected tensor for argument #2 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {indices.type()} instead (while checking arguments for "
                           "embedding_renorm_)")
    if input.requires_grad and input.is_leaf and ember.is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    idx = indices._data.reshape(-1).astype(xp.int64)
    n = input.shape[0]
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        i = _int(idx[bad][0])
        raise IndexError(f"select(): index {i} out of range for tensor of size {_sizes_str(input)} at dimension 0")
    from ember.nn._functional_core import _renorm_
    _renorm_(input, idx % n, max_norm, norm_type)
    return input


# ============================================================================================= recurrent
def _recurrent(mode, name, args, kwargs):
    """The multi-layer RNN of ``mode`` on PyTorch's flat arguments: ``(input, hx, params, has_biases,
    num_layers, dropout, train, bidirectional, batch_first)`` or, packed, ``(data, batch_sizes, hx, params,
    has_biases, num_layers, dropout, train, bidirectional)``."""
    from ember.nn.modules.rnn import _run_layers
    from ember.nn.utils.rnn import _packed_to_padded
    from ember._ops.rnn import PaddedToPacked

    lstm = mode == "LSTM"
    params_at = 2 if not (len(args) > 2 and isinstance(args[2], Tensor) or (lstm and len(args) > 1
                                                                             and isinstance(args[1], Tensor))) else 3
    names = (["input", "hx", "params", "has_biases", "num_layers", "dropout", "train", "bidirectional", "batch_first"]
             if params_at == 2 else
             ["data", "batch_sizes", "hx", "params", "has_biases", "num_layers", "dropout", "train", "bidirectional"])
    values = dict(zip(names, args))
    for k, v in kwargs.items():
        if k not in names or k in values:
            raise TypeError(f"{name}() got an unexpected keyword argument '{k}'")
        values[k] = v
    if any(n not in values for n in names) or not isinstance(args[0] if args else None, Tensor):
        # PyTorch's parser matches neither of its two signatures
        hx = "tuple of Tensors hx" if lstm else "Tensor hx"
        tail = "bool has_biases, int num_layers, float dropout, bool train, bool bidirectional"
        raise _args.combination_error(name, args, kwargs, [
            f"(Tensor data, Tensor batch_sizes, {hx}, tuple of Tensors params, {tail})",
            f"(Tensor input, {hx}, tuple of Tensors params, {tail}, bool batch_first)"])
    packed = params_at == 3
    x = values["data"] if packed else values["input"]
    hx, params = values["hx"], list(values["params"])
    has_biases, num_layers = values["has_biases"], values["num_layers"]
    p, train, bidirectional = values["dropout"], values["train"], values["bidirectional"]
    batch_first = False if packed else values["batch_first"]
    if lstm:
        if len(hx) != 2:
            raise RuntimeError("lstm expects two hidden states")
        h0_all, c0_all = hx
    else:
        h0_all, c0_all = hx, None
    D = 2 if bidirectional else 1
    has_proj = lstm and h0_all.shape[-1] != c0_all.shape[-1]
    per = 2 + 2 * bool(has_biases) + int(has_proj)
    if len(params) != per * num_layers * D:
        raise RuntimeError("got an incorrect number of RNN parameters")
    if D == 2 and h0_all.shape[0] % 2:
        raise RuntimeError("Odd number of params or hiddens given to a bidirectional RNN")
    if h0_all.shape[0] != num_layers * D:  # (too many as well: PyTorch's message is the same)
        raise RuntimeError("Expected more hidden states in stacked_rnn")
    if packed:
        batch_sizes = [_int(b) for b in values["batch_sizes"].tolist()]
        _check_recurrent_shapes(mode, x, sum(batch_sizes), batch_sizes[0] if batch_sizes else 0, h0_all, params)
        layer_input = _packed_to_padded(x, batch_sizes, 0.0)
    else:
        batch_sizes = None
        if x.dim() != 3:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-x.dim()}, {x.dim() - 1}], "
                             "but got 2)")
        layer_input = x.transpose(0, 1) if batch_first else x
        T, B = layer_input.shape[:2]
        _check_recurrent_shapes(mode, x, T * B, B, h0_all, params, batch_first)
        if B == 1 and h0_all.dim() == 3 and h0_all.shape[1] > 1:  # (one sequence broadcasts to the states' batch)
            layer_input = layer_input.expand(T, h0_all.shape[1], layer_input.shape[2])
    layer_input, h_n, c_n = _run_layers(
        mode, layer_input, num_layers, D,
        lambda idx: (h0_all[idx], c0_all[idx] if lstm else None, params[idx * per:(idx + 1) * per]),
        batch_sizes, bool(has_biases), has_proj, p if train else 0.0)
    if packed:
        output = PaddedToPacked.apply(layer_input, batch_sizes=batch_sizes, grad_name="CatBackward0")
    else:
        output = layer_input.transpose(0, 1) if batch_first else layer_input
    return (output, h_n, c_n) if lstm else (output, h_n)


def _check_recurrent_shapes(mode, x, rows, batch, hx, params, batch_first=False):
    """PyTorch's errors (its generic kernel's: the first layer's input projection of all ``rows`` steps, then each
    step's hidden projection and sum) for an input or hidden state of the wrong width or batch size."""
    w_ih, w_hh = params[0], params[1]
    if x.shape[-1] != w_ih.shape[1]:
        if batch_first:  # (the time-major view of the input is not contiguous: a batched product)
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{x.shape[1]}, "
                               f"{x.shape[-1]}] but got: [{x.shape[1]}, {w_ih.shape[1]}].")
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and "
                           f"{w_ih.shape[1]}x{w_ih.shape[0]})")
    h = hx[0]
    h_rows, h_cols = (1, h.shape[0]) if h.dim() == 1 else (h.shape[-2], h.shape[-1]) if h.dim() else (1, 1)
    if h_cols != w_hh.shape[1]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({h_rows}x{h_cols} and "
                           f"{w_hh.shape[1]}x{w_hh.shape[0]})")
    if h.dim() == 2 and h_rows != batch and batch != 1:
        if h_rows == 1:  # (the hidden projection is summed into in place: it cannot broadcast; GRU's by gate)
            width = w_hh.shape[0] // 3 if mode == "GRU" else w_hh.shape[0]
            raise RuntimeError(f"output with shape [1, {width}] doesn't match the broadcast shape [{batch}, {width}]")
        raise RuntimeError(f"The size of tensor a ({h_rows}) must match the size of tensor b ({batch}) at "
                           "non-singleton dimension 0")


_RECURRENT_DOC = """A multi-layer {what} over a whole sequence, on flat parameters (what ``nn.{module}`` runs).

    Two forms, as PyTorch's::

        {name}(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
        {name}(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)  # packed

    Args:
        input: ``(T, B, input_size)`` (``(B, T, input_size)`` with ``batch_first``). data, batch_sizes: a
            packed sequence's. hx: {hx}. params: per layer and direction ``w_ih, w_hh`` (then ``b_ih, b_hh``
            with ``has_biases``{proj}). num_layers (int). dropout (float): between layers when ``train``.
        bidirectional, batch_first (bool).

    Returns:
        ``({returns})``: the last layer's outputs ``(T, B, D * hidden_size)`` (packed: ``(sum T, *)``) and
        the final states ``(num_layers * D, B, hidden_size)``.

    Example::

{example}
    """


def lstm(*args, **kwargs):
    return _recurrent("LSTM", "lstm", args, kwargs)


def gru(*args, **kwargs):
    return _recurrent("GRU", "gru", args, kwargs)


def rnn_tanh(*args, **kwargs):
    return _recurrent("RNN_TANH", "rnn_tanh", args, kwargs)


def rnn_relu(*args, **kwargs):
    return _recurrent("RNN_RELU", "rnn_relu", args, kwargs)


lstm.__doc__ = _RECURRENT_DOC.format(
    what="LSTM", module="LSTM", name="lstm", hx="``(h_0, c_0)``, each ``(num_layers * D, B, hidden_size)``",
    proj=", then ``w_hr`` when ``h_0`` is narrower than ``c_0``: projections", returns="output, h_n, c_n",
    example="        >>> m = nn.LSTM(3, 4)\n        >>> h = ember.zeros(1, 2, 4)\n"
            "        >>> out, h_n, c_n = ember.lstm(ember.randn(5, 2, 3), (h, h), m._flat_weights, True, 1, 0.0, "
            "False, False, False)")
gru.__doc__ = _RECURRENT_DOC.format(
    what="GRU", module="GRU", name="gru", hx="``(num_layers * D, B, hidden_size)``", proj="", returns="output, h_n",
    example="        >>> m = nn.GRU(3, 4)\n        >>> out, h_n = ember.gru(ember.randn(5, 2, 3), "
            "ember.zeros(1, 2, 4), m._flat_weights, True, 1, 0.0, False, False, False)")
rnn_tanh.__doc__ = _RECURRENT_DOC.format(
    what="Elman RNN (tanh)", module="RNN", name="rnn_tanh", hx="``(num_layers * D, B, hidden_size)``", proj="",
    returns="output, h_n",
    example="        >>> m = nn.RNN(3, 4)\n        >>> out, h_n = ember.rnn_tanh(ember.randn(5, 2, 3), "
            "ember.zeros(1, 2, 4), m._flat_weights, True, 1, 0.0, False, False, False)")
rnn_relu.__doc__ = _RECURRENT_DOC.format(
    what="Elman RNN (ReLU)", module="RNN", name="rnn_relu", hx="``(num_layers * D, B, hidden_size)``", proj="",
    returns="output, h_n",
    example="        >>> m = nn.RNN(3, 4, nonlinearity='relu')\n        >>> out, h_n = ember.rnn_relu("
            "ember.randn(5, 2, 3), ember.zeros(1, 2, 4), m._flat_weights, True, 1, 0.0, False, False, False)")


# ================================================================================================= misc
_SEGMENT = {"sum": "sum", "prod": "prod", "mean": "mean", "max": "amax", "amax": "amax", "min": "amin",
            "amin": "amin"}
_EMPTY = {"sum": 0.0, "prod": 1.0, "amax": -math.inf, "amin": math.inf}


@_first_tensor("data")
def segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0, unsafe=False, initial=None):
    """Reduce consecutive segments of ``data`` along ``axis``: ``out[..., s, ...]`` is the ``reduce`` ("sum",
    "prod", "mean", "max"/"amax", "min"/"amin") of segment ``s``, whose sizes are ``lengths`` (or the
    differences of ``offsets``). An empty segment gives ``initial`` when given, else the reduction's identity
    (0, 1, -inf, inf; NaN for the mean); ``initial`` also joins every non-empty segment (the mean divides by
    the segment's own size).

    Args:
        data: floating tensor. lengths: integer ``(*data.shape[:axis], S)``, summing to ``data.shape[axis]``.
        offsets: integer ``(*data.shape[:axis], S + 1)``. axis (int): must be ``lengths``' last dim.

    Returns:
        ``(*data.shape[:axis], S, *data.shape[axis + 1:])``.

    Example::

        >>> ember.segment_reduce(ember.arange(5.), "sum", lengths=ember.tensor([2, 0, 3]))
        tensor([1., 0., 9.])
    """
    kind = _SEGMENT.get(reduce)
    if kind is None:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if indices is not None:
        raise RuntimeError("segment_reduce(): indices based reduction is not supported yet.")
    if lengths is None and offsets is None:
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined.")
    given = lengths if lengths is not None else offsets
    axis = axis + data.dim() if axis < 0 else axis
    if axis != given.dim() - 1:
        raise RuntimeError(f"segment_reduce(): Expected axis to be the last dimension of lengths but got {axis}.")
    if given._data.dtype.kind not in "iu":
        raise NotImplementedError(f'"_segment_reduce_{"lengths" if lengths is not None else "offsets"}_cpu_kernel1" '
                                  f"not implemented for '{_dtype.TYPE_WORDS[given._data.dtype.name]}'")
    if data._data.dtype.kind not in "fV":
        raise NotImplementedError('"_segment_reduce_cpu" not implemented for '
                                  f"'{_dtype.TYPE_WORDS[data._data.dtype.name]}'")
    lens = given._data.astype(xp.int64)
    if offsets is not None and lengths is None:
        lens = xp.diff(lens, axis=-1)
    if (lens < 0).any():
        raise RuntimeError("lengths contains negative value!")
    n = data.shape[axis]
    if not unsafe and (lens.sum(-1) != n).any():
        raise RuntimeError("segment_reduce(): Expected all rows of lengths along axis to sum to "
                           "data.size(lengths.dim()-1) when !unsafe.")
    S = lens.shape[-1]
    ends = xp.cumsum(lens, -1)
    # segment of each element along axis: how many segment ends lie at or before it
    seg = (xp.arange(n)[:, None] >= ends[..., None, :]).sum(-1)  # (*batch, n)
    tail = (1,) * (data.dim() - axis - 1)
    index = wrap(xp.broadcast_to(seg.reshape(seg.shape + tail), tuple(data.shape)).copy())
    out_shape = tuple(data.shape[:axis]) + (S,) + tuple(data.shape[axis + 1:])
    dt = data._data.dtype
    base_value = _EMPTY["sum" if kind == "mean" else kind] if initial is None else initial
    base = wrap(xp.full(out_shape, base_value, dtype=dt))
    out = base.scatter_reduce(axis, index, data, "sum" if kind == "mean" else kind, include_self=True)
    if kind == "mean":
        count = xp.asarray(lens, dtype=dt).reshape(lens.shape + tail)
        empty_value = math.nan if initial is None else initial
        out = ember.where(wrap(count > 0), out / wrap(xp.maximum(count, 1)), wrap(xp.asarray(empty_value, dt)))
    return out


@_first_tensor("input")
def slice_inverse(input, src, dim=0, start=None, end=None, step=1):
    """The inverse of slicing for functionalisation: ``input`` (a slice ``src[start:end:step]`` along ``dim``)
    seen with ``src``'s sizes, strides and offset over ``input``'s storage (a view of it).

    Example::

        >>> a = ember.arange(6.).view(3, 2)
        >>> ember.slice_inverse(a[1:], a, 0, 1).shape
        ember.Size([3, 2])
    """
    _need("slice_inverse", "src", 2, src)
    return ember.as_strided(input, tuple(src.shape), src.stride(), src.storage_offset())


@_first_tensor("input")
def view_as_real_copy(input):
    """:func:`ember.view_as_real` as a new tensor: a complex ``(*)`` tensor as real ``(*, 2)``.

    Example::

        >>> ember.view_as_real_copy(ember.tensor([1 + 2j]))
        tensor([[1., 2.]])
    """
    return ember.view_as_real(input).clone()


@_first_tensor("input")
def view_as_complex_copy(input):
    """:func:`ember.view_as_complex` as a new tensor: a real ``(*, 2)`` tensor as complex ``(*)``.

    Example::

        >>> ember.view_as_complex_copy(ember.tensor([[1., 2.]]))
        tensor([1.+2.j])
    """
    if input.requires_grad and ember.is_grad_enabled():
        raise RuntimeError("view_as_complex_copy does not support automatic differentiation for outputs with "
                           "complex dtype.")
    return ember.view_as_complex(input).clone()


# ======================================================================================== symbolic shapes
_NUMBER_TYPES = (xp.integer, xp.floating, _int, _float)


def _check_number(value):
    if not isinstance(value, _NUMBER_TYPES):
        raise AssertionError("expected (<class 'numpy.integer'>, <class 'numpy.floating'>, <class 'int'>, "
                             f"<class 'float'>), got {type(value)}")


def _scalar(a):
    # a tensor of several elements: PyTorch's ValueError (before int() or float() of it)
    if isinstance(a, Tensor) and a.numel() != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")
    return a


def sym_int(a):
    """``int(a)`` (truncating), for plain numbers as for PyTorch's symbolic ints.

    Example::

        >>> ember.sym_int(-2.7)
        -2
    """
    return _int(_scalar(a))


def sym_float(a):
    """``float(a)``, for plain numbers as for PyTorch's symbolic floats.

    Example::

        >>> ember.sym_float(3)
        3.0
    """
    return _float(_scalar(a))


def _extreme(pick, a, b):
    _check_number(a)
    _check_number(b)
    out = pick(a, b)
    # a float on either side makes a float (as the symbolic version), whichever side is picked
    if isinstance(a, (_float, xp.floating)) or isinstance(b, (_float, xp.floating)):
        return _float(out)
    return out


def sym_max(a, b):
    """``max(a, b)`` of two numbers, a float when either is (PyTorch's ``sym_max``).

    Example::

        >>> ember.sym_max(2, 3.0)
        3.0
    """
    return _extreme(builtins.max, a, b)


def sym_min(a, b):
    """``min(a, b)`` of two numbers, a float when either is (PyTorch's ``sym_min``).

    Example::

        >>> ember.sym_min(2, 3.0)
        2.0
    """
    return _extreme(builtins.min, a, b)


def sym_not(a):
    """``not a`` (a one-element tensor by its value).

    Example::

        >>> ember.sym_not(0)
        True
    """
    return not a


def sym_ite(b, t, f):
    """``t if b else f``; ``b`` must be a bool, ``t`` and ``f`` of one type.

    Example::

        >>> ember.sym_ite(False, 1, 2)
        2
    """
    if not isinstance(b, _bool):
        raise AssertionError(f"expected SymBool or bool, got {type(b)}")
    if type(t) is not type(f):
        raise AssertionError(f"type mismatch: {type(t)} vs {type(f)}")
    return t if b else f


def sym_sqrt(a):
    """``math.sqrt(a)`` (a float).

    Example::

        >>> ember.sym_sqrt(4)
        2.0
    """
    return math.sqrt(_scalar(a))


def sym_sum(*args):
    """The sum of ``args``, or of ``args[0]`` when it is the only argument and a list or tuple, starting
    from 0 (numbers, or tensors: a tensor then).

    Example::

        >>> ember.sym_sum([1, 2, 3])
        6
    """
    items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    total = 0
    for item in items:
        total = total + item
    return total

