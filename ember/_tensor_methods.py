"""Attach the ``torch.Tensor`` methods, operators, in-place ops and indexing to ``ember.Tensor``."""

import builtins
import numbers

from ember import _dtype
from ember import _functions as F
from ember._backend import xp
from ember._ops import Op
from ember._ops import shape as S
from ember._random import rng
from ember._tensor import Size, Tensor, wrap
from ember.autograd.grad_mode import state as _grad_state

_int = builtins.int

# ------------------------------------------------------------------------------ methods = functions
_SAME = """
add sub subtract mul multiply div divide true_divide floor_divide remainder fmod pow float_power maximum
minimum fmax fmin atan2 arctan2 lerp exp exp2 expm1 log log2 log10 log1p sqrt rsqrt sin cos tan asin arcsin
acos arccos atan arctan sinh cosh tanh sigmoid erf reciprocal neg negative abs absolute relu square floor
ceil trunc fix round sign sgn clamp clip clamp_min clamp_max masked_fill eq ne not_equal lt less le
less_equal gt greater ge greater_equal equal allclose isclose isnan isinf isfinite logical_and logical_or
logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not sum nansum mean nanmean prod max min
amax amin argmax argmin var std logsumexp softmax log_softmax cumsum cumprod all any count_nonzero norm
dist median sort argsort topk kthvalue unique bincount histc nonzero argwhere matmul mm bmm mv dot inner
addmm outer ger reshape view flatten unflatten squeeze unsqueeze permute transpose swapaxes swapdims t
movedim moveaxis expand broadcast_to repeat repeat_interleave split chunk tensor_split unbind narrow
select flip fliplr flipud roll gather scatter scatter_add index_select take_along_dim masked_select tril
triu diagonal diag trace clone contiguous addcmul addcdiv baddbmm deg2rad rad2deg frac hypot logaddexp logit xlogy
nan_to_num diff cross signbit copysign rot90 logcumsumexp unfold multinomial cummax cummin ravel take msort
aminmax logaddexp2 kron diag_embed isposinf isneginf isreal inverse det logdet slogdet matrix_power cholesky
""".split()

for _name in _SAME:
    setattr(Tensor, _name, getattr(F, _name))


def _tile(self, *dims):
    """``Tensor.tile(2, 3)`` or ``Tensor.tile((2, 3))``: see :func:`ember.tile`."""
    if len(dims) == 1:
        if isinstance(dims[0], (tuple, list, Size)):
            dims = dims[0]
        elif not isinstance(dims[0], numbers.Integral):
            raise TypeError(f"tile(): argument 'dims' (position 1) must be tuple of ints, not {type(dims[0]).__name__}")
    return F.tile(self, dims)


Tensor.tile = _tile


def _where(self, condition, other):
    return F.where(condition, self, other)


Tensor.where = _where


def _sum_to_size(self, *size):
    size = F._shape_arg(size)
    shape = self._data.shape
    lead = len(shape) - len(size)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
    out = F.sum(self, dims, keepdim=True) if dims else self
    return out.reshape(size) if out.shape != tuple(size) else out


Tensor.sum_to_size = _sum_to_size
Tensor.expand_as = lambda self, other: F.expand(self, *other.shape)
Tensor.view_as = lambda self, other: F.view(self, *other.shape)
Tensor.reshape_as = lambda self, other: F.reshape(self, *other.shape)
Tensor.type_as = lambda self, other: self.to(other.dtype)


def _new(fill):
    def make(self, *size, dtype=None, device=None, requires_grad=False, **unused):
        return fill(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)
    return make


Tensor.new_zeros = _new(F.zeros)
Tensor.new_ones = _new(F.ones)
Tensor.new_empty = _new(F.empty)


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return F.full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    if isinstance(data, Tensor):
        data = data.detach().numpy()
    return F.tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor

# ------------------------------------------------------------------------------------------ operators


def _rev(fn):
    def r(self, other):
        return fn(other, self)
    return r


def _binop(fn):
    def op(self, other):
        if not isinstance(other, (Tensor, builtins.int, builtins.float, builtins.bool)) and not hasattr(other, "dtype"):
            return NotImplemented
        return fn(self, other)
    return op


Tensor.__add__ = _binop(F.add)
Tensor.__radd__ = _binop(_rev(F.add))
Tensor.__sub__ = _binop(F.sub)
Tensor.__rsub__ = _binop(_rev(F.sub))
Tensor.__mul__ = _binop(F.mul)
Tensor.__rmul__ = _binop(_rev(F.mul))
Tensor.__truediv__ = _binop(F.div)
Tensor.__rtruediv__ = _binop(_rev(F.div))
Tensor.__floordiv__ = _binop(F.floor_divide)
Tensor.__rfloordiv__ = _binop(_rev(F.floor_divide))
Tensor.__mod__ = _binop(F.remainder)
Tensor.__rmod__ = _binop(_rev(F.remainder))
Tensor.__pow__ = _binop(F.pow)
Tensor.__rpow__ = _binop(_rev(F.pow))
Tensor.__matmul__ = lambda self, other: F.matmul(self, other) if isinstance(other, Tensor) else NotImplemented
Tensor.__rmatmul__ = lambda self, other: F.matmul(other, self) if isinstance(other, Tensor) else NotImplemented
Tensor.__neg__ = F.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = F.abs
Tensor.__lt__ = _binop(F.lt)
Tensor.__le__ = _binop(F.le)
Tensor.__gt__ = _binop(F.gt)
Tensor.__ge__ = _binop(F.ge)
_COMPARABLE = (Tensor, builtins.int, builtins.float)
Tensor.__eq__ = lambda self, other: F.eq(self, other) if isinstance(other, _COMPARABLE) else False
Tensor.__ne__ = lambda self, other: F.ne(self, other) if isinstance(other, _COMPARABLE) else True


def _invert(self):
    if self._data.dtype == xp.bool_:
        return F.logical_not(self)
    if self._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return F.bitwise_not(self)


Tensor.__invert__ = _invert
def _bool_or_bitwise(bitwise, logical):
    def op(self, other):
        if self._data.dtype != xp.bool_:
            return bitwise(self, other)
        return logical(self, other)
    return op


Tensor.__and__ = _bool_or_bitwise(F.bitwise_and, F.logical_and)
Tensor.__or__ = _bool_or_bitwise(F.bitwise_or, F.logical_or)
Tensor.__xor__ = _bool_or_bitwise(F.bitwise_xor, F.logical_xor)
Tensor.__rand__ = Tensor.__and__
Tensor.__ror__ = Tensor.__or__
Tensor.__rxor__ = Tensor.__xor__

# ------------------------------------------------------------------------------------------ in-place

_LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_LEAF_MSG = ("a view of a leaf Variable that requires grad is being used in an in-place operation.")
_NO_GRAD_VIEW_MSG = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that this use "
    "case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the "
    "inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if "
    "you want the inplace to be tracked).")


def _check_inplace(self):
    if _grad_state.enabled:
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(_LEAF_MSG)
        base = self._base
        if base is not None and base._requires_grad:
            if base.grad_fn is None and self.grad_fn is not None:
                raise RuntimeError(_VIEW_LEAF_MSG)
            view_op = self._view
            if view_op is not None and view_op.__dict__.get("_view_no_grad"):
                raise RuntimeError(_NO_GRAD_VIEW_MSG)


def _write(self, array):
    """Copy a result into this tensor's memory, with PyTorch's casting rule."""
    dst = self._data
    if array.dtype != dst.dtype and not xp.can_cast(array.dtype, dst.dtype, casting="same_kind"):
        src_name = _dtype.from_np(array.dtype).name.capitalize()
        raise RuntimeError(f"result type {_TYPE_WORD.get(array.dtype.name, src_name)} can't be cast to the desired "
                           f"output type {_TYPE_WORD.get(dst.dtype.name, dst.dtype.name)}")
    if array.shape != dst.shape:
        try:
            xp.broadcast_to(array, dst.shape)
        except ValueError:
            raise RuntimeError(f"output with shape [{', '.join(map(str, dst.shape))}] doesn't match the broadcast "
                               f"shape [{', '.join(map(str, array.shape))}]") from None
    if not dst.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.")
    dst[...] = array
    self._vc[0] += 1


_TYPE_WORD = _dtype.TYPE_WORDS


def _inplace(self, fn, *args, **kwargs):
    """Run the out-of-place ``fn(self, *args)`` and write the result into ``self``, rebasing its graph."""
    _check_inplace(self)
    needs_graph = _grad_state.enabled and (
        self._requires_grad or builtins.any(isinstance(a, Tensor) and a._requires_grad for a in args)
    )
    if not needs_graph:
        prev = _grad_state.enabled
        _grad_state.enabled = False
        try:
            res = fn(self, *args, **kwargs)
        finally:
            _grad_state.enabled = prev
        _write(self, res._data)
        return self
    old_fn = self.grad_fn
    old = wrap(self._data.copy(), requires_grad=self._requires_grad, grad_fn=old_fn,
               output_nr=self._output_nr)
    res = fn(old, *args, **kwargs)
    if res._data.shape != self._data.shape:
        _write(self, res._data)  # raises the shape error
    _write(self, res._data)
    self.grad_fn = res.grad_fn
    self._output_nr = res._output_nr
    self._requires_grad = res._requires_grad
    if self._base is not None:
        _rebase_view(self, old_fn)
    return self


class _CopySlices(Op):
    """The new history of a base tensor after an in-place op on one of its views.

    Inputs: the base's previous value and the view's new value; ``flat`` holds, for each view element,
    the flat index of the base element it aliases.
    """

    grad_name = "CopySlices"

    def forward(self, base, view):
        return base  # the data was already written through the view

    def backward(self, g):
        n = self.needs_input_grad
        flat = self.flat
        gb = gv = None
        if n[0]:
            gb = g.copy()
            gb.reshape(-1)[flat.reshape(-1)] = 0
        if n[1]:
            gv = g.reshape(-1)[flat]
        return gb, gv

    def backward_graph(self, g):
        n = self.needs_input_grad
        flat = self.flat
        gb = gv = None
        if n[0]:
            keep = xp.ones(g._data.shape, dtype=g._data.dtype)
            keep.reshape(-1)[flat.reshape(-1)] = 0
            gb = g * wrap(keep)
        if n[1]:
            gv = g.reshape(-1)[wrap(flat)]
        return gb, gv


def _view_node(t, old_fn):
    """The op that made ``t`` a view of ``t._base`` (remembered across repeated in-place ops)."""
    node = t._view
    if node is None and old_fn is not None and old_fn.is_view and old_fn._inputs[0] is t._base:
        node = t._view = old_fn
    return node


def _rebase_view(view, old_fn):
    """After an in-place op on ``view``, give its base (and the base's bases) the new history."""
    base = view._base
    if not _grad_state.enabled:
        return
    node = _view_node(view, old_fn)
    if node is None:
        return
    base_old_fn = base.grad_fn
    flat = node.forward(xp.arange(base._data.size).reshape(base._data.shape))
    prev = wrap(base._data, requires_grad=base._requires_grad, grad_fn=base_old_fn, output_nr=base._output_nr)
    new_view = wrap(view._data, requires_grad=view._requires_grad, grad_fn=view.grad_fn, output_nr=view._output_nr)
    res = _CopySlices.apply(prev, new_view, flat=flat)
    base.grad_fn = res.grad_fn
    base._output_nr = 0
    base._requires_grad = True
    if base._base is not None:
        _rebase_view(base, base_old_fn)


def _fast_arith(ufunc, fn):
    """``add_``-style method: an in-place ufunc on float data outside the graph, else the general path."""
    def method(self, other, *, alpha=1):
        graph = _grad_state.enabled and (
            self._requires_grad or (isinstance(other, Tensor) and other._requires_grad))
        if graph or self._data.dtype.kind != "f":
            f = fn if alpha == 1 else (lambda s, x: fn(s, x, alpha=alpha))
            return _inplace(self, f, other)
        _check_inplace(self)
        o = other._data if isinstance(other, Tensor) else other
        if alpha != 1:
            o = o * alpha
        if isinstance(o, xp.ndarray):
            _check_shape(self, o)
        if not self._data.flags.writeable:
            _write(self, self._data)  # raises PyTorch's error for expanded tensors
        ufunc(self._data, o, out=self._data, casting="unsafe")
        self._vc[0] += 1
        return self
    return method


def _check_shape(self, o):
    if o.shape != self._data.shape:
        try:
            b = xp.broadcast_shapes(o.shape, self._data.shape)
        except ValueError:
            b = None
        if b != self._data.shape:
            raise RuntimeError(f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the "
                               f"broadcast shape [{', '.join(map(str, b or o.shape))}]")


Tensor.add_ = _fast_arith(xp.add, F.add)
Tensor.sub_ = _fast_arith(xp.subtract, F.sub)
Tensor.mul_ = _fast_arith(xp.multiply, F.mul)
Tensor.div_ = _fast_arith(xp.true_divide, F.div)
Tensor.subtract_ = Tensor.sub_
Tensor.multiply_ = Tensor.mul_
Tensor.divide_ = Tensor.div_
Tensor.true_divide_ = Tensor.div_


def _iop(name):
    meth = getattr(Tensor, name)

    def op(self, other):
        if not isinstance(other, (Tensor, builtins.int, builtins.float, builtins.bool)):
            return NotImplemented
        return meth(self, other)
    return op


Tensor.__iadd__ = _iop("add_")
Tensor.__isub__ = _iop("sub_")
Tensor.__imul__ = _iop("mul_")
Tensor.__itruediv__ = _iop("div_")


def _make_inplace(name, fn):
    def method(self, *args, **kwargs):
        return _inplace(self, fn, *args, **kwargs)
    method.__name__ = name
    return method


for _name in """pow remainder fmod floor_divide clamp clip clamp_min clamp_max masked_fill exp expm1 log log2
log10 log1p sqrt rsqrt sin cos tan tanh sigmoid erf reciprocal neg negative abs relu square floor ceil trunc round
sign lerp maximum minimum atan2 scatter scatter_add tril triu logical_not logical_and logical_or addcmul addcdiv
baddbmm deg2rad rad2deg frac hypot logit xlogy nan_to_num copysign""".split():
    setattr(Tensor, _name + "_", _make_inplace(_name + "_", getattr(F, _name)))

Tensor.__ipow__ = _iop("pow_")
Tensor.__imod__ = _iop("remainder_")
Tensor.__ifloordiv__ = _iop("floor_divide_")


def _addmm_(self, mat1, mat2, *, beta=1, alpha=1):
    return _inplace(self, lambda s, a, b: F.addmm(s, a, b, beta=beta, alpha=alpha), mat1, mat2)


Tensor.addmm_ = _addmm_


def _fill(self, value_fn):
    _check_inplace(self)
    if not self._data.flags.writeable:
        _write(self, self._data)
    value_fn(self._data)
    self._vc[0] += 1
    if _grad_state.enabled and self.grad_fn is not None:
        old_fn = self.grad_fn
        self.grad_fn = None  # the old values no longer matter: the result is a constant
        self._requires_grad = False
        if self._base is not None:
            _rebase_view(self, old_fn)
    return self


def _zero_(self):
    """Fill with zeros in place."""
    return _fill(self, lambda a: a.fill(0))


def _fill_(self, value):
    """Fill with ``value`` in place."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        if value._requires_grad and _grad_state.enabled:
            return _inplace(self, lambda s, v: F.zeros_like(s) + v.to(s.dtype), value)
        value = value.item()
    return _fill(self, lambda a: a.fill(value))


def _copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast) into this tensor in place."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    if _grad_state.enabled and src._requires_grad:
        return _inplace(self, lambda s, x: F.expand(x.to(s.dtype), *s.shape) + F.zeros_like(s), src)
    _check_inplace(self)
    try:
        arr = xp.broadcast_to(src._data, self._data.shape)
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({self._data.shape[-1] if self._data.ndim else 1}) must match the "
                           f"size of tensor b ({src._data.shape[-1] if src._data.ndim else 1}) at non-singleton "
                           f"dimension {max(self._data.ndim - 1, 0)}") from None
    if not self._data.flags.writeable:
        _write(self, self._data)
    self._data[...] = arr
    self._vc[0] += 1
    if _grad_state.enabled and self.grad_fn is not None:
        old_fn = self.grad_fn
        self.grad_fn = None
        self._requires_grad = False
        if self._base is not None:
            _rebase_view(self, old_fn)
    return self


Tensor.zero_ = _zero_
Tensor.fill_ = _fill_
Tensor.copy_ = _copy_


def _random_fill(sampler):
    def method(self, *args, generator=None, **kwargs):
        shape, dt = self._data.shape, self._data.dtype
        def fill(a):
            a[...] = sampler(rng(generator), shape, *args, **kwargs).astype(dt, copy=False)
        return _fill(self, fill)
    return method


Tensor.normal_ = _random_fill(lambda g, s, mean=0.0, std=1.0: mean + std * g.standard_normal(s, dtype=xp.float64))
Tensor.uniform_ = _random_fill(lambda g, s, a=0.0, b=1.0: a + (b - a) * g.random(s, dtype=xp.float64))
Tensor.exponential_ = _random_fill(lambda g, s, lambd=1.0: g.exponential(1.0 / lambd, s))
Tensor.bernoulli_ = _random_fill(lambda g, s, p=0.5: g.random(s) < (p._data if isinstance(p, Tensor) else p))
Tensor.log_normal_ = _random_fill(lambda g, s, mean=1.0, std=2.0: g.lognormal(mean, std, s))
Tensor.cauchy_ = _random_fill(lambda g, s, median=0.0, sigma=1.0: median + sigma * g.standard_cauchy(s))
Tensor.geometric_ = _random_fill(lambda g, s, p: g.geometric(p, s))


def _random_(self, from_=0, to=None, *, generator=None):
    if to is None:
        from_, to = 0, from_ if from_ else (2 ** 24 if self._data.dtype.kind == "f" else 2 ** 31)
    return _fill(self, lambda a: a.__setitem__(..., rng(generator).integers(from_, to, a.shape)))


Tensor.random_ = _random_
Tensor.bernoulli = lambda self, p=None, *, generator=None: F.bernoulli(self, p, generator=generator)


def _reshape_inplace(fn):
    """``t_``-style method: the view op, after which this tensor has the result's shape and, in a graph, its
    history under PyTorch's in-place node name (``TBackward1``, ``SqueezeBackward3/4/5``...)."""
    def method(self, *args):
        _check_inplace(self)
        old = wrap(self._data, requires_grad=self._requires_grad, grad_fn=self.grad_fn, output_nr=self._output_nr)
        new = fn(old, *args)
        self._data = new._data
        node = new.grad_fn
        if node is not None:
            name = node.grad_name
            num = int(name[-1]) + 3 if name.startswith("SqueezeBackward") else 1
            node.grad_name = f"{name[:-1]}{num}"
            self.grad_fn = node
            self._output_nr = new._output_nr
        return self
    return method


Tensor.unsqueeze_ = _reshape_inplace(F.unsqueeze)
Tensor.squeeze_ = _reshape_inplace(F.squeeze)
Tensor.t_ = _reshape_inplace(F.t)
Tensor.transpose_ = _reshape_inplace(F.transpose)


def _resize_(self, *sizes):
    shape = F._shape_arg(sizes)
    n = 1
    for s in shape:
        n *= s
    flat = self._data.reshape(-1)
    if flat.size >= n:
        self._data = flat[:n].reshape(shape).copy()
    else:
        data = xp.zeros(n, dtype=self._data.dtype)
        data[: flat.size] = flat
        self._data = data.reshape(shape)
    self._vc[0] += 1
    return self


Tensor.resize_ = _resize_
Tensor.resize_as_ = lambda self, other: _resize_(self, *other.shape)


def _apply_(self, fn):
    vec = xp.vectorize(fn, otypes=[self._data.dtype])
    return _fill(self, lambda a: a.__setitem__(..., vec(a)))


Tensor.apply_ = _apply_


# index_* / scatter_reduce / *_scatter / put and their in-place forms (functions in ember/_functions_indexing.py)
for _name in "index_add index_copy index_fill index_reduce index_put put scatter_reduce masked_scatter renorm".split():
    setattr(Tensor, _name, getattr(F, _name))
    setattr(Tensor, _name + "_", _make_inplace(_name + "_", getattr(F, _name)))
for _name in """diagonal_scatter select_scatter slice_scatter as_strided split_with_sizes unsafe_split unsafe_chunk
unsafe_split_with_sizes hsplit vsplit dsplit diagflat quantile nanquantile nanmedian mode unique_consecutive
histogram cov corrcoef""".split():
    setattr(Tensor, _name, getattr(F, _name))
from ember._functions_indexing import _storage_offset  # noqa: E402

Tensor.storage_offset = _storage_offset

# ------------------------------------------------------------------------------------------ indexing


def _normalize_index(index):
    """Turn a user index into one NumPy understands; report whether it uses advanced indexing."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    advanced = False
    for item in index:
        if isinstance(item, Tensor):
            arr = item._data
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.dtype == xp.uint8:
                arr = arr.astype(bool)
            if arr.ndim == 0 and arr.dtype.kind in "iu":
                out.append(_int(arr))
                continue
            advanced = True
            out.append(arr)
        elif isinstance(item, (list, range)):
            arr = xp.asarray(list(item)) if not isinstance(item, range) else xp.arange(item.start, item.stop, item.step)
            if isinstance(item, list) and builtins.any(isinstance(v, Tensor) for v in item):
                arr = xp.asarray([v.item() if isinstance(v, Tensor) else v for v in item])
            if arr.size == 0:
                arr = arr.astype(xp.int64)
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            advanced = True
            out.append(arr)
        elif isinstance(item, xp.ndarray):
            advanced = True
            out.append(item)
        elif item is None or item is Ellipsis or isinstance(item, (builtins.int, slice)):
            if isinstance(item, builtins.bool):
                advanced = True
            if isinstance(item, slice) and item.step is not None and item.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(item)
        elif hasattr(item, "__index__"):
            out.append(item.__index__())
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(item).__name__})")
    return tuple(out), advanced


def _basic_name(index):
    name = "AliasBackward0"
    for item in index:
        if isinstance(item, builtins.int):
            name = "SelectBackward0"
        elif isinstance(item, slice):
            name = "SliceBackward0"
        elif item is None:
            name = "UnsqueezeBackward0"
    return name


def _index_error(exc, shape):
    msg = str(exc)
    if "out of bounds" in msg:
        return IndexError(msg.replace("axis", "dimension"))
    if "too many indices" in msg:
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    if "boolean index did not match" in msg or "shape mismatch" in msg:
        return IndexError(f"The shape of the mask {msg.split('shape of')[-1].strip() if 'shape of' in msg else ''} "
                          f"does not match the shape of the indexed tensor [{', '.join(map(str, shape))}]"
                          if "boolean" in msg else msg)
    return IndexError(msg)


def _mask_error(idx, shape):
    """PyTorch's message for a boolean mask whose shape does not match the dimensions it indexes."""
    n_consumed = builtins.sum(1 if (i is not None and i is not Ellipsis and not isinstance(i, xp.ndarray))
                              else (i.ndim if isinstance(i, xp.ndarray) and i.dtype == xp.bool_ else
                                    (1 if isinstance(i, xp.ndarray) else 0)) for i in idx)
    # ints select first; the message reports the remaining shape
    remaining = []
    pos = 0
    expanded = []
    for i in idx:
        if i is Ellipsis:
            expanded.extend([slice(None)] * (len(shape) - n_consumed))
        else:
            expanded.append(i)
    for i in expanded:
        if i is None:
            remaining.append(1)
            continue
        if isinstance(i, builtins.int) and not isinstance(i, builtins.bool):
            pos += 1
            continue
        if isinstance(i, xp.ndarray) and i.dtype == xp.bool_:
            remaining.extend(shape[pos: pos + i.ndim])
            pos += i.ndim
        else:
            remaining.extend(shape[pos: pos + 1])
            pos += 1
    remaining.extend(shape[pos:])
    start = 0
    for i in expanded:
        if isinstance(i, builtins.int) and not isinstance(i, builtins.bool):
            continue
        if isinstance(i, xp.ndarray) and i.dtype == xp.bool_:
            for j, size in enumerate(i.shape):
                have = remaining[start + j] if start + j < len(remaining) else None
                if size != have:
                    return IndexError(
                        f"The shape of the mask [{', '.join(map(str, i.shape))}] at index {j} does not match the "
                        f"shape of the indexed tensor [{', '.join(map(str, remaining))}] at index {start + j}")
            start += i.ndim
        else:
            start += 1
    return None


def _getitem(self, index):
    idx, advanced = _normalize_index(index)
    try:
        if advanced:
            return S.Index.apply(self, index=idx, advanced=True, grad_name="IndexBackward0")
        return S.Index.apply(self, index=idx, is_view=True, grad_name=_basic_name(idx))
    except IndexError as exc:
        if "boolean index did not match" in str(exc):
            err = _mask_error(idx, self._data.shape)
            if err is not None:
                raise err from None
        raise _index_error(exc, self._data.shape) from None


def _setitem(self, index, value):
    idx, advanced = _normalize_index(index)
    _check_inplace(self)
    needs_graph = _grad_state.enabled and (self._requires_grad or (isinstance(value, Tensor) and value._requires_grad))
    try:
        if not needs_graph:
            v = value._data if isinstance(value, Tensor) else value
            if not self._data.flags.writeable:
                _write(self, self._data)
            self._data[idx] = v
            self._vc[0] += 1
            return
        if not isinstance(value, Tensor):
            value = wrap(xp.asarray(value, dtype=self._data.dtype))
        elif value._data.dtype != self._data.dtype:
            value = F._cast(value, self._data.dtype)
        _inplace(self, lambda s, v: S.IndexPut.apply(s, v, index=idx, advanced=advanced), value)
    except IndexError as exc:
        raise _index_error(exc, self._data.shape) from None
    except ValueError as exc:
        _setitem_shape_error(self, idx, advanced, value)
        raise RuntimeError(str(exc)) from None


def _setitem_shape_error(self, idx, advanced, value):
    """Raise PyTorch's error for a value that does not broadcast to the indexed region."""
    target = self._data[idx].shape
    vshape = value._data.shape if isinstance(value, Tensor) else xp.shape(value)
    if advanced:
        raise RuntimeError(f"shape mismatch: value tensor of shape [{', '.join(map(str, vshape))}] cannot be "
                           f"broadcast to indexing result of shape [{', '.join(map(str, target))}]") from None
    if len(vshape) > len(target):
        vshape = tuple(vshape)
        while len(vshape) > len(target) and vshape[0] == 1:
            vshape = vshape[1:]
    vdtype = value._data.dtype if isinstance(value, Tensor) else self._data.dtype  # named in expand's message
    F.expand(wrap(xp.zeros(vshape, dtype=vdtype)), *target)


Tensor.__getitem__ = _getitem
Tensor.__setitem__ = _setitem


# torch.Tensor methods of the decompositions and solvers (the torch.* functions of ember._functions)
for _name in ("svd", "qr", "pinverse", "cholesky_solve", "cholesky_inverse", "matrix_exp", "lu", "triangular_solve",
              "lu_solve", "orgqr", "lstsq"):
    setattr(Tensor, _name, getattr(F, _name))


# ---------------------------------------------------- elementwise math / special functions (ember/_functions_math.py)
from ember._ops import elementwise as _E  # noqa: E402

for _name in """erfc erfinv lgamma digamma i0 sinc asinh arcsinh acosh arccosh atanh arctanh heaviside gcd lcm ldexp
frexp nextafter positive mvlgamma""".split():
    setattr(Tensor, _name, getattr(F, _name))
Tensor.polygamma = lambda self, n: F.polygamma(n, self)

# the in-place forms: (name of the method, function computing the out-of-place result)
for _name in """erfc erfinv lgamma digamma i0 sinc asinh arcsinh acosh arccosh atanh arctanh heaviside gcd lcm ldexp
nextafter mvlgamma acos arccos asin arcsin atan arctan arctan2 cosh sinh exp2 fix sgn absolute bitwise_and bitwise_or
bitwise_xor bitwise_not logical_xor""".split():
    setattr(Tensor, _name + "_", _make_inplace(_name + "_", getattr(F, _name)))
Tensor.polygamma_ = _make_inplace("polygamma_", lambda s, n: F.polygamma(n, s))
Tensor.swapaxes_ = Tensor.swapdims_ = Tensor.transpose_


def _compare_inplace(name, compare, node):
    """``lt_``-style method: writes the comparison as 0/1 in this tensor's dtype. As in PyTorch, a tensor in a
    graph stays in it (with a zero gradient), under PyTorch's node name (``LtBackward0``, ``1`` for a tensor
    ``other``)."""
    def fn(s, other):
        arr = compare(s, other)._data.astype(s._data.dtype)
        if not (s._requires_grad and _grad_state.enabled):
            return wrap(arr)
        return _E.Where.apply(wrap(xp.ones(arr.shape, dtype=bool)), wrap(arr), s,
                              grad_name=f"{node}Backward{1 if isinstance(other, Tensor) else 0}")
    return _make_inplace(name, fn)


for _name, _node in (("eq", "Eq"), ("ne", "Ne"), ("not_equal", "Ne"), ("lt", "Lt"), ("less", "Lt"), ("le", "Le"),
                     ("less_equal", "Le"), ("gt", "Gt"), ("greater", "Gt"), ("ge", "Ge"), ("greater_equal", "Ge")):
    setattr(Tensor, _name + "_", _compare_inplace(_name + "_", getattr(F, _name), _node))

_C10_NAMES = _dtype.C10_NAMES


def _cumulative_inplace(name, fn):
    def method(self, dim, *, dtype=None):
        if dtype is not None and _dtype.to_np(dtype) != self._data.dtype:
            raise RuntimeError(f"Bad in-place call: input tensor dtype {_C10_NAMES.get(self._data.dtype.name)} and "
                               f"output tensor dtype {_C10_NAMES.get(_dtype.to_np(dtype).name)} should match")
        # in the tensor's own dtype: an integer cumsum/cumprod would otherwise widen to int64 (as out-of-place)
        return _inplace(self, lambda s: fn(s, dim, dtype=self.dtype))
    method.__name__ = name
    return method


Tensor.cumsum_ = _cumulative_inplace("cumsum_", F.cumsum)
Tensor.cumprod_ = _cumulative_inplace("cumprod_", F.cumprod)


def _float_power_(self, exponent):
    """In-place ``float_power``: the base must already be float64, as the result is."""
    if self._data.dtype != xp.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_TYPE_WORD.get(self._data.dtype.name)} but "
                           "the operation's result requires dtype Double")
    return _inplace(self, F.float_power, exponent)


Tensor.float_power_ = _float_power_


# ------------------------------------- methods of ember/_functions_extra.py (and of the nn functions at top level)
def _lazy(module, name):
    """A method calling ``module.name(self, ...)``, importing the module on the first call (keeps ``import ember``
    from loading it)."""
    fn = None

    def method(self, *args, **kwargs):
        nonlocal fn
        if fn is None:
            import importlib
            fn = getattr(importlib.import_module(module), name)
        return fn(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    return method


_EXTRA = "ember._functions_extra"
for _name in """addbmm addmv addr adjoint angle bitwise_left_shift bitwise_right_shift conj conj_physical resolve_conj
resolve_neg is_conj is_neg is_signed is_same_size is_inference get_device igamma igammac narrow_copy vdot
nonzero_static is_nonzero""".split():
    setattr(Tensor, _name, _lazy(_EXTRA, _name))
for _name in "addbmm addmv addr igamma igammac".split():
    setattr(Tensor, _name + "_", _make_inplace(_name + "_", getattr(Tensor, _name)))


def _cast_checked_inplace(name, fn):
    """In-place op whose result dtype is checked against this tensor's before computing (PyTorch's order)."""
    def method(self, other):
        rt = _dtype.result_type(self, other).np
        if rt != self._data.dtype and not xp.can_cast(rt, self._data.dtype, casting="same_kind"):
            raise RuntimeError(f"result type {_TYPE_WORD[rt.name]} can't be cast to the desired output type "
                               f"{_TYPE_WORD[self._data.dtype.name]}")
        return _inplace(self, fn, other)
    method.__name__ = name
    return method


for _name in ("bitwise_left_shift", "bitwise_right_shift"):
    setattr(Tensor, _name + "_", _cast_checked_inplace(_name + "_", getattr(Tensor, _name)))
_addmv_ = Tensor.addmv_
_addr_ = Tensor.addr_


def _shape_str(shape):
    return f"[{', '.join(map(str, shape))}]"


def _checked_addmv_(self, mat, vec, *, beta=1, alpha=1):
    """In-place ``addmv``: this tensor must already have the result's shape ``(n,)``."""
    if isinstance(mat, Tensor) and mat.ndim == 2 and self.shape != mat.shape[:1]:
        raise RuntimeError(f"Bad in-place call: input tensor size {_shape_str(self.shape)} and output tensor size "
                           f"{_shape_str(mat.shape[:1])} should match")
    return _addmv_(self, mat, vec, beta=beta, alpha=alpha)


def _checked_addr_(self, vec1, vec2, *, beta=1, alpha=1):
    """In-place ``addr``: this tensor must already have the result's shape ``(n, m)``."""
    if isinstance(vec1, Tensor) and isinstance(vec2, Tensor) and self.shape != vec1.shape[:1] + vec2.shape[:1]:
        raise RuntimeError(f"size mismatch, input: {_shape_str(self.shape)}, v1: {_shape_str(vec1.shape)}, v2: "
                           f"{_shape_str(vec2.shape)}")
    return _addr_(self, vec1, vec2, beta=beta, alpha=alpha)


Tensor.addmv_ = _checked_addmv_
Tensor.addr_ = _checked_addr_
Tensor.hardshrink = _lazy("ember._functions_nn", "hardshrink")
Tensor.prelu = _lazy("ember._functions_nn", "prelu")
Tensor.const_data_ptr = Tensor.data_ptr
Tensor.__lshift__ = _binop(Tensor.bitwise_left_shift)
Tensor.__rlshift__ = _binop(_rev(Tensor.bitwise_left_shift))
Tensor.__rshift__ = _binop(Tensor.bitwise_right_shift)
Tensor.__rrshift__ = _binop(_rev(Tensor.bitwise_right_shift))
Tensor.__ilshift__ = _iop("bitwise_left_shift_")
Tensor.__irshift__ = _iop("bitwise_right_shift_")


def _conj_physical_(self):
    """In-place ``conj_physical``: the values stay (a real tensor is its own conjugate); the op is recorded."""
    return _inplace(self, lambda s: _E.Clone.apply(s, grad_name="ConjPhysicalBackward1"))


Tensor.conj_physical_ = _conj_physical_
Tensor.real = property(lambda self: self, doc="The real part: the tensor itself (ember tensors are real).")


def _imag(self):
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


Tensor.imag = property(_imag)


def _new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                       pin_memory=False):
    """An uninitialised tensor of ``size`` and ``stride`` with this tensor's dtype unless ``dtype`` is given."""
    from ember._functions_extra import empty_strided
    return empty_strided(size, stride, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


Tensor.new_empty_strided = _new_empty_strided


def _to_dense(self, dtype=None, *, masked_grad=None):
    """A dense (strided) tensor: this one (ember has no sparse layouts), converted when ``dtype`` differs."""
    return self if dtype is None or dtype == self.dtype else self.to(dtype)


Tensor.to_dense = _to_dense


def _dim_order(self, *, ambiguity_check=False):
    """The dimensions from outermost to innermost in memory (``(0, 1, ..., n-1)`` for a contiguous tensor).

    Dimensions are ordered by decreasing stride; a zero stride gives no order against the others, and equal
    strides put the longer dimension outside. ``ambiguity_check=True`` (or a list of memory formats) raises
    when the order is not unique (size-1 dimensions or equal strides).
    """
    n = self._data.ndim
    sizes, strides = self._data.shape, self.stride()
    if not isinstance(ambiguity_check, (builtins.bool, list)):
        raise TypeError("ambiguity_check must be bool or a list of memory formats")
    if ambiguity_check is not False:
        ambiguous = 1 in sizes or builtins.any(a == b for a, b in zip(strides, strides[1:]))
        # ember has no memory-format objects: a format is recognised by its name ("...contiguous_format")
        formats = ambiguity_check if isinstance(ambiguity_check, list) else []
        legal = builtins.sum(str(f).endswith("contiguous_format") and self.is_contiguous() for f in formats)
        if ambiguous and legal != 1:
            raise RuntimeError("The tensor does not have unique dim order, or cannot map to exact one of the given "
                               "memory formats.")
    if n < 2 or self.is_contiguous():
        return tuple(builtins.range(n))

    def outer_first(a, b):
        """-1: ``a`` is outside ``b``; 1: inside; 0: no order between them."""
        sa, sb = strides[a], strides[b]
        if sa == 0 or sb == 0:
            return 0
        if sa == sb:
            return 0 if sizes[a] >= sizes[b] else 1
        return -1 if sa > sb else 1

    order = []
    for d in builtins.range(n):  # insertion sort that leaves unordered pairs as they are
        pos = len(order)
        while pos and outer_first(order[pos - 1], d) > 0:
            pos -= 1
        order.insert(pos, d)
    if ambiguity_check is not False and builtins.any(outer_first(a, b) != -1 for a, b in zip(order, order[1:])):
        raise RuntimeError("The tensor does not have unique dim order.")
    return tuple(order)


Tensor.dim_order = _dim_order


def _dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """Export this tensor's memory through the DLPack protocol (``torch.from_dlpack(ember_tensor)``)."""
    if self._requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    from ember._functions_extra import _dlpack_array
    kwargs = {} if max_version is None else {"max_version": max_version}
    if dl_device is not None:
        kwargs["dl_device"] = dl_device
    if copy is not None:
        kwargs["copy"] = copy
    return _dlpack_array(self, versioned=max_version is not None).__dlpack__(stream=stream, **kwargs)


Tensor.__dlpack__ = _dlpack
Tensor.__dlpack_device__ = lambda self: (1, 0)  # kDLCPU, device 0
