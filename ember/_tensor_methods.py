"""Attach the ``torch.Tensor`` methods, operators, in-place ops and indexing to ``ember.Tensor``."""

import builtins
import numbers
import sys

from ember import _dtype
from ember import _functions as F
from ember import _functions_args as _args
from ember._backend import xp
from ember import _ops
from ember._ops import Op
from ember._ops import complex as _C
from ember._ops import shape as S
from ember import _random_kernels as _rk
from ember._tensor import Size, Tensor, wrap
from ember.autograd.grad_mode import NO_VERSION as _NO_VERSION
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
select fliplr flipud roll gather scatter scatter_add index_select take_along_dim masked_select tril
triu diagonal diag trace clone contiguous addcmul addcdiv baddbmm deg2rad rad2deg frac hypot logaddexp logit xlogy
nan_to_num diff cross signbit copysign rot90 logcumsumexp unfold multinomial cummax cummin ravel take msort
aminmax logaddexp2 kron diag_embed isposinf isneginf isreal inverse det logdet slogdet matrix_power cholesky
""".split()


def _method(fn):
    """``fn`` as a Tensor method: without the ``out=`` layer :func:`F._with_out` adds (PyTorch's methods take no
    ``out=``, and the layer costs a call on hot paths such as ``x == y`` and ``x.mean()``)."""
    return getattr(fn, "__wrapped__", fn)


# Methods whose functions refuse a non-tensor argument in their bodies, in the method's form (used on hot paths:
# RNNs, optimizers, ...): the others get a layer that does (ember._functions_args.checked_method; none for those
# taking one tensor). Operators (x + y, x @ y, x < y) call the functions directly and check their operands first.
_CHECKS_ARGS = set("""
add sub mul div pow eq ne lt le gt ge clamp matmul mm bmm dot maximum minimum gather index_select masked_fill
""".split())


def _bound(name):
    """The method ``name``: the function ``F.name`` (see :data:`_CHECKS_ARGS`)."""
    fn = _method(getattr(F, name))
    if name in _CHECKS_ARGS:  # (a layer for NumPy's keyword names only where it takes a dim: not on x.add(y))
        return _args.numpy_names(fn) if _args._takes_dim(fn) else fn
    return _args.checked_method(name, fn)


for _name in _SAME:
    setattr(Tensor, _name, _bound(_name))
# the method takes ``x.flip(0)`` and ``x.flip(0, 1)``; the function (stricter, as PyTorch's) only a tuple or list
Tensor.flip = _args.checked_method("flip", F._flip)
Tensor.flip.__name__ = Tensor.flip.__qualname__ = "flip"


def _repeat_interleave_method(repeat_interleave):
    """The method refuses no ``repeats`` (the function reads its input as the counts then)."""
    def method(self, *args, **kwargs):
        if (args[0] if args else kwargs.get("repeats")) is None:
            raise _args.combination_error("repeat_interleave", args, kwargs, [
                "(Tensor repeats, int dim = None, *, int output_size = None)",
                "(int repeats, int dim = None, *, int output_size = None)"])
        return repeat_interleave(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = "repeat_interleave"
    method.__doc__ = repeat_interleave.__doc__
    return method


def _numpy_method(numpy):
    """PyTorch's ``numpy`` takes ``force`` by keyword only."""
    def method(self, *args, force=False):
        if args:
            n = len(args)
            raise TypeError(f"numpy() takes 0 positional arguments but {n} {'was' if n == 1 else 'were'} given")
        return numpy(self, force=force)
    method.__name__ = method.__qualname__ = "numpy"
    method.__doc__ = numpy.__doc__
    return method


Tensor.repeat_interleave = _repeat_interleave_method(Tensor.repeat_interleave)
Tensor.numpy = _numpy_method(Tensor.numpy)


def _with_k_position(name):
    """The method form of topk/kthvalue: PyTorch's parser counts ``k`` as argument 1 there (2 for the function)."""
    fn = getattr(Tensor, name)

    def method(self, k, *args, **kwargs):
        _args.need_int(name, "k", 1, k)
        return fn(self, k, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = fn.__doc__
    return method


for _name in ("topk", "kthvalue"):
    setattr(Tensor, _name, _with_k_position(_name))


# PyTorch's overloads of these methods as its "invalid combination of arguments" message lists them, and, by the
# number of arguments given by position, which of them it marks as refusing the keywords it does not know
_ALL_ANY = (("()", "(tuple of ints dim = None, bool keepdim = False)", "(int dim, bool keepdim = False)"),
            {0: (0,), 1: (1, 2)})
_MAX_MIN = (("()", "(Tensor other)", "(int dim, bool keepdim = False)"), {0: (0, 1)})
_OVERLOADS = {"max": _MAX_MIN, "min": _MAX_MIN, "all": _ALL_ANY, "any": _ALL_ANY,
              "sort": (("(*, bool stable, int dim = -1, bool descending = False)",
                        "(int dim = -1, bool descending = False)"), {1: (1,)})}


def _is_int(value):
    """Whether PyTorch's parser reads ``value`` as an int (a bool is not one; a NumPy integer is)."""
    return not isinstance(value, builtins.bool) and hasattr(value, "__index__") and not isinstance(value, Tensor)


def _overload_error(name, args, kwargs, reasons=None, why="keywords were incorrect"):
    """PyTorch's "invalid combination of arguments" TypeError for ``Tensor.name(*args, **kwargs)``: its overloads,
    those numbered in ``reasons`` (default: from the table, for calls giving only unknown keywords) marked as
    refusing ``kwargs`` (``why``: the reason given; for invalid types, the types are listed instead)."""
    lines, marks = _OVERLOADS[name]
    if reasons is None:
        reasons = marks.get(len(args), ())
    if why == "keywords were incorrect":
        why = f"{why}: {', '.join(kwargs)}"
    else:
        why = f"{why}: ({', '.join(f'!{_args.type_name(a)}!' for a in args)})"
    return _args.combination_error(name, args, kwargs, [
        line + (f"\n      didn't match because some of the {why}" if i in reasons else "")
        for i, line in enumerate(lines)])


def _method_error(name, known, args, kwargs):
    """PyTorch's TypeError for ``Tensor.name(*args, **kwargs)``, a call that raised a TypeError in ember, or None
    when PyTorch's parser would take it (ember's error stands). ``known``: the keywords ember's function takes."""
    unknown = [k for k in kwargs if k not in known]
    dim_key = next((k for k in ("dim", "axis") if k in kwargs), None)
    has_dim = bool(args) or dim_key is not None
    dim = args[0] if args else kwargs.get(dim_key)
    if name in ("max", "min"):
        keep = len(args) > 1 or "keepdim" in kwargs or "keepdims" in kwargs
        if unknown:
            if not has_dim and not keep:  # (one unknown keyword: the overloads without arguments refuse it)
                return _overload_error(name, args, kwargs) if len(unknown) == 1 else _args.missing_error(name, ["dim"])
            if has_dim and not keep:
                return TypeError(f"{name}() got an unexpected keyword argument '{unknown[0]}'")
            return _overload_error(name, args, kwargs, ())
        if has_dim and "other" not in kwargs and not _is_int(dim):
            if keep:  # (only the overload taking keepdim fits: its own message)
                return TypeError(f"{name}(): argument '{dim_key or 'dim'}'{' (position 1)' if args else ''} must be "
                                 f"int, not {_args.type_name(dim)}")
            if args:
                return _overload_error(name, args, kwargs, (0, 1), "arguments have invalid types")
            return _overload_error(name, args, kwargs, (0, 1))
        if not has_dim and keep and not args:  # keepdim without dim
            return _overload_error(name, args, kwargs, (0, 1))
        return None
    if unknown:  # all, any, sort
        only_unknown = len(unknown) == len(kwargs)
        return _overload_error(name, args, kwargs, None if only_unknown else ())
    return None


def _overloaded(name):
    """The method ``name`` raising PyTorch's TypeErrors for the calls its parser refuses (:func:`_method_error`),
    worked out only when the call raised a TypeError."""
    fn = getattr(Tensor, name)
    known = frozenset(p[0] for p in _args._params(fn))

    def method(self, *args, **kwargs):
        try:
            return fn(self, *args, **kwargs)
        except TypeError:
            err = _method_error(name, known, args, kwargs)
            if err is None:
                raise
        raise err from None
    _args._like(method, fn)
    method.__name__ = method.__qualname__ = name
    return method


# (not var/std/median: they take NumPy's names inline, with no layer; their functions would need the checks)
for _name in ("max", "min", "all", "any", "sort"):
    setattr(Tensor, _name, _overloaded(_name))


def _tile(self, *dims, **kwargs):
    """``Tensor.tile(2, 3)``, ``Tensor.tile((2, 3))`` or ``Tensor.tile(dims=(2, 3))``: see :func:`ember.tile`."""
    if not dims and not kwargs:
        raise _args.missing_error("tile", ["dims"])
    if "dims" in kwargs:
        if dims:
            raise TypeError("tile() got multiple values for argument 'dims'")
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"tile() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if len(dims) == 1:
        if isinstance(dims[0], (tuple, list, Size)):
            dims = dims[0]
        elif not isinstance(dims[0], numbers.Integral):
            raise TypeError(f"tile(): argument 'dims' (position 1) must be tuple of ints, not {type(dims[0]).__name__}")
    return F.tile(self, dims)


Tensor.tile = _tile


def _repeat_method(repeat):
    """The method refuses no ``repeats`` at all (an empty tuple is fine: a 0-d tensor repeated as is)."""
    def method(self, *sizes, **kwargs):
        if not sizes and not kwargs:
            raise _args.missing_error("repeat", ["repeats"])
        return repeat(self, *sizes, **kwargs)
    method.__name__ = method.__qualname__ = "repeat"
    method.__doc__ = repeat.__doc__
    return method


Tensor.repeat = _repeat_method(Tensor.repeat)


def _where(self, condition, other):
    if not (isinstance(condition, Tensor) and isinstance(other, _args.NUMBERS)):  # (the method's message)
        raise _args.combination_error("where", (condition, other), {}, [
            "(Tensor condition, Tensor other)", "(Tensor condition, Number other)"])
    return F.where(condition, self, other)


Tensor.where = _where


def _sum_to_size(self, *sizes, size=None):
    """Sum this tensor down to ``size`` (which it must expand to): ``x.sum_to_size(1, 3)`` or ``(1, 3)``."""
    size = F._shape_arg(sizes if size is None else (size,))
    if len(size) > self._data.ndim or builtins.any(
            s != 1 and s != d for s, d in zip(size[::-1], self._data.shape[::-1])):
        raise RuntimeError(f"size {{[{', '.join(map(str, size))}]}} is not expandable to size "
                           f"{{[{', '.join(map(str, self._data.shape))}]}}.")
    shape = self._data.shape
    lead = len(shape) - len(size)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
    out = F.sum(self, dims, keepdim=True) if dims else self
    return out.reshape(size) if out.shape != tuple(size) else out


Tensor.sum_to_size = _sum_to_size


def _as(name, fn):
    """``expand_as``-style method: ``fn(self, other)`` for a tensor ``other`` (a TypeError otherwise, as PyTorch)."""
    def method(self, other):
        if not isinstance(other, Tensor):
            raise _args.tensor_error(name, "other", other, 1)
        return fn(self, other)
    method.__name__ = name
    return method


Tensor.expand_as = _as("expand_as", lambda self, other: F.expand(self, *other.shape))
Tensor.view_as = _as("view_as", lambda self, other: F.view(self, *other.shape))
Tensor.reshape_as = _as("reshape_as", lambda self, other: F.reshape(self, *other.shape))
Tensor.type_as = _as("type_as", lambda self, other: self.to(other.dtype))


def _renamed_dtype_error(name, exc):
    """``exc`` (a factory's TypeError for a ``dtype=`` that is no dtype) in the words of the method ``name``, as
    PyTorch's (``new_ones(): argument 'dtype' ...``); None for any other error."""
    text = str(exc)
    head, sep, rest = text.partition("(): argument 'dtype' must be")
    if type(exc) is TypeError and sep and head.isidentifier():
        return TypeError(f"{name}{sep}{rest}")
    return None


def _new(fill, name):
    def make(self, *sizes, size=None, dtype=None, layout=None, device=None, pin_memory=False, requires_grad=False,
             **unused):
        if unused:
            raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(unused))}'")
        sizes = sizes if size is None else (size,)  # x.new_zeros(2, 3), x.new_zeros((2, 3)), x.new_zeros(size=...)
        # (on this tensor's device unless given: not the default one; a meta tensor's are MetaTensor's)
        # (layout and pin_memory: the factory's checks, as PyTorch's pinned-memory error)
        try:
            return fill(*sizes, dtype=dtype or self.dtype, layout=layout, device=device or "cpu",
                        pin_memory=pin_memory, requires_grad=requires_grad)
        except TypeError as exc:  # (the factory names itself: PyTorch names the method)
            err = _renamed_dtype_error(name, exc)
            if err is None:
                raise
        raise err
    make.__name__ = make.__qualname__ = name
    return make


Tensor.new_zeros = _new(F._zeros_sized, "new_zeros")
Tensor.new_ones = _new(F.ones, "new_ones")
Tensor.new_empty = _new(F.empty, "new_empty")


def _new_full(self, size, fill_value, *, dtype=None, layout=None, device=None, pin_memory=False,
              requires_grad=False, **unused):
    if unused:  # (Python's message would name this function)
        raise TypeError(f"new_full() got an unexpected keyword argument '{next(iter(unused))}'")
    F._check_fill_value("new_full", fill_value)
    try:
        return F.full(size, fill_value, dtype=dtype or self.dtype, layout=layout, device=device or "cpu",
                      pin_memory=pin_memory, requires_grad=requires_grad)
    except TypeError as exc:
        err = _renamed_dtype_error("new_full", exc)
        if err is None:
            raise
    raise err


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    if isinstance(data, Tensor):
        _args.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                   "sourceTensor.detach().clone().requires_grad_(True), rather than tensor.new_tensor(sourceTensor).")
        data = data.detach().numpy()
    try:
        return F.tensor(data, dtype=dtype or self.dtype, device=device or "cpu", requires_grad=requires_grad)
    except TypeError as exc:
        err = _renamed_dtype_error("new_tensor", exc)
        if err is None:
            raise
    raise err


Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor

# ------------------------------------------------------------------------------------------ operators


_OPERANDS = (Tensor, builtins.int, builtins.float, builtins.complex)  # (bool is an int)


def _rev(fn):
    def r(self, other):
        return fn(other, self)
    return r


def _binop(fn):
    def op(self, other):
        if not isinstance(other, _OPERANDS) and (isinstance(other, xp.ndarray) or not hasattr(other, "dtype")):
            return NotImplemented  # (an ndarray: NumPy computes ``tensor op array``, a tensor by __array_wrap__)
        return fn(self, other)
    return op


Tensor.__add__ = _binop(F.add)
Tensor.__radd__ = _binop(_rev(F.add))
Tensor.__sub__ = _binop(F.sub)
Tensor.__rsub__ = _binop(_rev(F.sub))
Tensor.__mul__ = _binop(F.mul)
Tensor.__rmul__ = _binop(_rev(F.mul))
Tensor.__truediv__ = _binop(F.div)
_rtruediv = _binop(lambda self, other: F.mul(F.reciprocal(self), other))  # PyTorch's graph: Reciprocal, Mul
# (with an ndarray, PyTorch's reciprocal times the array goes through NumPy: ``ndarray / tensor`` is a tensor)
Tensor.__rtruediv__ = lambda self, other: F.reciprocal(self) * other if isinstance(other, xp.ndarray) else \
    _rtruediv(self, other)
Tensor.__floordiv__ = _binop(_method(F.floor_divide))
Tensor.__rfloordiv__ = _binop(_rev(F.floor_divide))
Tensor.__mod__ = _binop(_method(F.remainder))
Tensor.__rmod__ = _binop(_rev(F.remainder))
Tensor.__pow__ = _binop(F.pow)
Tensor.__rpow__ = _binop(_rev(F.pow))
Tensor.__matmul__ = lambda self, other: F.matmul(self, other) if isinstance(other, Tensor) else NotImplemented
Tensor.__rmatmul__ = lambda self, other: F.matmul(other, self) if isinstance(other, Tensor) else NotImplemented
Tensor.__neg__ = F.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = F.abs
# PyTorch's names for the operators above (its __rtruediv__ is __rdiv__, also bound as such, as __truediv__ is __div__)
for _name in ("__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ __floordiv__ __rfloordiv__ "
              "__mod__ __rmod__ __pow__ __rpow__ __matmul__ __rmatmul__ __pos__").split():
    _fn = Tensor.__dict__[_name]
    _fn.__name__ = {"__rtruediv__": "__rdiv__", "__pow__": "pow", "__pos__": "positive"}.get(_name, _name)
    _fn.__qualname__ = "Tensor." + _fn.__name__
Tensor.__div__, Tensor.__rdiv__ = Tensor.__truediv__, Tensor.__rtruediv__


def _cmpop(fn):
    """An ordering operator: NotImplemented (Python's TypeError) for an operand that is not a tensor or number."""
    def op(self, other):
        if not isinstance(other, _OPERANDS) and not isinstance(other, xp.generic):
            return NotImplemented
        return fn(self, other)
    return op


Tensor.__lt__ = _cmpop(_method(F.lt))
Tensor.__le__ = _cmpop(_method(F.le))
Tensor.__gt__ = _cmpop(_method(F.gt))
Tensor.__ge__ = _cmpop(_method(F.ge))
_COMPARABLE = _OPERANDS + (xp.generic,)  # (NumPy scalars compare as numbers)
_eq, _ne = _method(F.eq), _method(F.ne)


def _eq_op(self, other):
    if isinstance(other, xp.ndarray):  # (PyTorch compares with an array of numbers as with a tensor; ``!=`` not)
        if other.dtype.kind not in "biufc":
            return False
        other = wrap(other)
    return _eq(self, other) if isinstance(other, _COMPARABLE) else False


Tensor.__eq__ = _eq_op
Tensor.__ne__ = lambda self, other: _ne(self, other) if isinstance(other, _COMPARABLE) else True


def _invert(self):
    if self._data.dtype == xp.bool_:
        return F.logical_not(self)
    if self._data.dtype.kind in "fV":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return F.bitwise_not(self)


Tensor.__invert__ = _invert
def _bool_or_bitwise(bitwise, logical):
    def op(self, other):  # (a bool tensor with a number or a non-bool tensor: bitwise, in their common dtype)
        if self._data.dtype == xp.bool_ and isinstance(other, Tensor) and other._data.dtype == xp.bool_:
            return logical(self, other)
        if isinstance(other, xp.ndarray):  # (NumPy computes it: see _binop)
            return NotImplemented
        return bitwise(self, other)
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


_MULTI_VIEW_MSG = (
    " This view is the output of a function that returns multiple views. Such functions do not allow the output "
    "views to be modified inplace. You should replace the inplace operation by an out-of-place one.")
_CUSTOM_VIEW_MSG = (
    " This view was created inside a custom Function (or because an input was returned as-is) and the autograd logic "
    "to handle view+inplace would override the custom backward associated with the custom Function, leading to "
    "incorrect gradients. This behavior is forbidden. You can fix this by cloning the output of the custom Function.")


def _check_inplace(self, graph=False, view_name=None):
    """Refuse in-place ops PyTorch refuses; ``graph``: another operand requires grad (the op will be recorded);
    ``view_name``: the op PyTorch writes through (``t[0] = v`` is ``t.select(0, 0).copy_(v)``), for errors."""
    if _grad_state.enabled:
        base = self._parent
        if base is not None and (graph or self._requires_grad or base._requires_grad):
            if self._vc is _NO_VERSION:
                # A view of an inference tensor outside inference mode: PyTorch records no autograd here, so no view
                # check applies; the version bump after the write refuses the update (NO_VERSION raises).
                return
            _check_multi_view(self, view_name)
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(_LEAF_MSG)
        if base is not None and (base._requires_grad or graph):
            if base.grad_fn is None and self.grad_fn is not None:
                raise RuntimeError(_VIEW_LEAF_MSG)
            view_op = self._view
            if view_op is not None and view_op.__dict__.get("_view_no_grad"):
                raise RuntimeError(_NO_GRAD_VIEW_MSG)


def _view_op(t):
    """The op that made ``t`` a view of ``t._parent``; None for an alias that is no view (``detach()``, ``.data``)."""
    node = t._view
    if node is None:  # a view made in a graph and not modified in place since keeps its op as grad_fn
        fn = t.grad_fn
        if fn is not None and getattr(fn, "is_view", False) and fn.__dict__.get("_inputs", (None,))[0] is t._parent:
            return fn
    return node


def _is_view(self):
    """Whether this tensor is a view of another (``self._parent``)."""
    return self._parent is not None and (_view_op(self) is not None or self._custom_view is not None)


Tensor._is_view = _is_view


def _check_multi_view(self, view_name=None):
    """Raise PyTorch's error when ``self`` is (a view of) an output of a multi-output view op (split, unbind):
    its base's history cannot be rebased onto one output, so the op would record a wrong graph."""
    t = self
    while t._parent is not None:
        custom = t._custom_view  # an output of a custom Function that is a view (or an input returned as-is)
        if custom is not None and self.grad_fn is not None:
            nr = 0
            if view_name is None:
                name = self.grad_fn.grad_name
                view_name = name[:name.rindex("Backward")] if "Backward" in name else name
                nr = self._output_nr
            raise RuntimeError(f"Output {nr} of {view_name} is a view and is being modified inplace." + custom)
        node = _view_op(t)
        if node is None:
            return
        if getattr(node, "multi_view", False):
            if node.__dict__.get("_view_no_grad"):
                return  # made under no_grad: the no_grad view error applies
            if self.grad_fn is None:
                head = "A view was created in no_grad mode and is being modified inplace with grad mode enabled."
            elif view_name is not None:
                head = f"Output 0 of {view_name} is a view and is being modified inplace."
            else:
                name = self.grad_fn.grad_name
                name = name[:name.rindex("Backward")] if "Backward" in name else name
                head = f"Output {self._output_nr} of {name} is a view and is being modified inplace."
            raise RuntimeError(head + _MULTI_VIEW_MSG)
        t = t._parent


def _can_cast(src, dst):
    """Whether PyTorch writes a result of dtype ``src`` into a tensor of dtype ``dst`` (``torch.can_cast``): any
    narrowing within a category is allowed, but never complex into real, floating into integral, or anything
    but bool into bool (ml_dtypes' float types have kind ``V``)."""
    s, d = src.kind, dst.kind
    return not ((s == "c" and d != "c") or (s in "fVc" and d in "biu") or (d == "b" and s != "b"))


def _write(self, array, fill=False):
    """Copy a result into this tensor's memory, with PyTorch's casting rule; returns the array written to.

    ``_write(self, self._data)`` only checks that the tensor may be written (callers then write themselves into the
    returned array). ``fill=True``: a fill (fill_, zero_, masked_fill_), which PyTorch allows on expanded tensors.
    """
    dst = self._data
    if array.dtype != dst.dtype and not _can_cast(array.dtype, dst.dtype):
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
        dst = _overlap_alias(self, dst, fill)
        if array is self._data:
            return dst  # (only the check: the caller writes)
    dst[...] = array
    self._vc[0] += 1
    return dst


class _Interface:
    """An ``__array_interface__`` holder: NumPy's way to alias memory with a layout of one's choosing."""

    def __init__(self, interface, base):
        self.__array_interface__ = interface
        self.base = base  # (keeps the memory alive)


def _overlap_alias(self, dst, fill):
    """A writable alias of the read-only ``dst`` (elements that overlap), or PyTorch's error.

    PyTorch refuses in-place writes only where a dimension of size > 1 has stride 0 (an expanded tensor; fills
    excepted); other overlapping layouts (``as_strided``) it writes element by element, so ember does too.
    """
    from ember._backend import memory_owner
    from ember._functions_extra import _overlapping
    if memory_owner(dst).flags.writeable:  # (a view NumPy made read-only: an expanded tensor or a piece of one)
        expanded = _overlapping(dst.shape, dst.strides) and builtins.any(
            st == 0 and n > 1 for n, st in zip(dst.shape, dst.strides))
        if expanded and not fill:
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.")
        interface = dict(dst.__array_interface__)
        interface["data"] = (interface["data"][0], False)
        alias = xp.asarray(_Interface(interface, dst))
        if not expanded and self is not None:  # (PyTorch allows every write here: the tensor stays writable)
            self._data = alias
        return alias
    if _overlapping(dst.shape, dst.strides):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.")
    # (PyTorch writes into a read-only memory map and crashes the process; ember refuses)
    raise RuntimeError("this tensor's memory is read-only (a read-only memory map or buffer); clone() it before "
                       "writing to it")


_TYPE_WORD = _dtype.TYPE_WORDS


def _inplace(self, fn, *args, **kwargs):
    """Run the out-of-place ``fn(self, *args)`` and write the result into ``self``, rebasing its graph."""
    needs_graph = _grad_state.enabled and (
        self._requires_grad or builtins.any(isinstance(a, Tensor) and a._requires_grad for a in args)
    )
    _check_inplace(self, needs_graph)
    if not needs_graph:
        prev = _grad_state.enabled
        _grad_state.enabled = False
        try:
            res = fn(self, *args, **kwargs)
        finally:
            _grad_state.enabled = prev
        _write(self, res._data)
        return self
    if self._parent is not None:
        self._edge()  # a view whose base changed since its history was recorded gets that history rebuilt first
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
    if self._retains_grad:
        self._move_retain_hook()
    if self._parent is not None:
        _rebase_view(self, old_fn)
        base = self._parent
        while base is not None:  # the bases got new histories too (CopySlices): their retained grads follow
            if base._retains_grad:
                base._move_retain_hook()
            base = base._parent
    return self


class _CopySlices(Op):
    """The new history of a base tensor after an in-place op on one of its views.

    Inputs: the base's previous value and the view's new value; ``flat`` holds, for each view element,
    the flat index of the base element it aliases.
    """

    grad_name = "CopySlices"
    parts = False  # ``flat`` indexes the complex base's (*, 2) real view (a write through .real/.imag)
    complex_grad = True

    def forward(self, base, view):
        return base  # the data was already written through the view

    def backward(self, g):
        n = self.needs_input_grad
        flat = self.flat
        gb = gv = None
        if n[0]:
            gb = g.copy()
            (_C.as_real(gb) if self.parts else gb).reshape(-1)[flat.reshape(-1)] = 0
        if n[1]:
            gv = (_C.as_real(g) if self.parts else g).reshape(-1)[flat]
        return gb, gv

    def backward_graph(self, g):
        n = self.needs_input_grad
        flat = self.flat
        gb = gv = None
        if self.parts:
            g = _C.ViewAsReal.apply(g)
        if n[0]:
            keep = xp.ones(g._data.shape, dtype=g._data.dtype)
            keep.reshape(-1)[flat.reshape(-1)] = 0
            gb = g * wrap(keep)
            if self.parts:
                gb = _C.ViewAsComplex.apply(gb)
        if n[1]:
            gv = g.reshape(-1)[wrap(flat)]
        return gb, gv


class _CopyFrom(Op):
    """``dst.copy_(src)`` in a graph: ``src`` broadcast and cast to ``dst``'s shape and dtype. ``dst``'s previous
    values get a zero gradient (PyTorch's CopyBackwards node)."""

    grad_name = "CopyBackwards"
    half_native = True  # (it only moves and casts data)
    complex_grad = True

    def forward(self, dst, src):
        if src.dtype.kind == "c" and dst.dtype.kind != "c":
            from ember._tensor import _warn_complex_cast
            _warn_complex_cast()
            src = src.real
        return xp.broadcast_to(src, dst.shape).astype(dst.dtype)  # (the engine sums and casts gradients back)

    def backward(self, g):
        return (xp.zeros_like(g) if self.needs_input_grad[0] else None), g

    def backward_graph(self, g):
        return (F.zeros_like(g) if self.needs_input_grad[0] else None), g


def _view_node(t, old_fn):
    """The op that made ``t`` a view of ``t._parent`` (remembered across repeated in-place ops)."""
    node = t._view
    if node is None and getattr(old_fn, "is_view", False) and old_fn._inputs[0] is t._parent:
        node = t._view = old_fn
    return node


def _rebase_view(view, old_fn):
    """After an in-place op on ``view``, give its base (and the base's bases) the new history."""
    view._view_vc = view._vc[0]  # its own history is current; other views of the base are now stale
    base = view._parent
    if not _grad_state.enabled:
        return
    node = _view_node(view, old_fn)
    if node is None:
        return
    if base._parent is not None:
        base._edge()  # (rebuilds a stale history of a base that is a view itself)
    base_old_fn = base.grad_fn
    part_index = getattr(node, "part_index", None)  # (a view of a part of complex elements: see _ops.complex)
    flat = (part_index or node.forward)(xp.arange(base._data.size).reshape(base._data.shape))
    prev = wrap(base._data, requires_grad=base._requires_grad, grad_fn=base_old_fn, output_nr=base._output_nr)
    new_view = wrap(view._data, requires_grad=view._requires_grad, grad_fn=view.grad_fn, output_nr=view._output_nr)
    res = _CopySlices.apply(prev, new_view, flat=flat, parts=part_index is not None)
    base.grad_fn = res.grad_fn
    base._output_nr = 0
    base._requires_grad = True
    if base._parent is not None:
        _rebase_view(base, base_old_fn)


def _regenerate_view(t):
    """Rebuild the history of view ``t`` after its base (or another view of the base) was modified in place.

    The recorded history (e.g. ``SelectBackward0`` of the base's old node) would send gradients to the base's
    old value; as PyTorch, the new history is an ``AsStridedBackward0`` of the tensor at the top of the view
    chain, whose own history is current. Aliases that are no views (``detach()``) end the chain: nothing
    flows through them.
    """
    from ember._backend import memory_owner
    from ember._ops.indexing import AsStrided, element_strides, strided_overlap

    if _view_op(t) is None:
        t._view_vc = t._vc[0]
        return
    root = t
    no_grad_view = multi = None
    while root._parent is not None:
        node = _view_op(root)
        if node is None:
            break
        if node.__dict__.get("_view_no_grad"):
            no_grad_view = True
        elif getattr(node, "multi_view", False) and multi is None:
            multi = (root, node)
        root = root._parent
    if root is t or not root._requires_grad or not _grad_state.enabled:
        t._view_vc = t._vc[0]
        return
    # As PyTorch (raised on every use): these views' histories cannot be rebuilt unambiguously.
    if no_grad_view:
        raise RuntimeError(_NO_GRAD_VIEW_MSG.replace("and is being modified inplace", "and its base or another view "
                                                     "of its base has been modified inplace"))
    if multi is not None:
        piece, node = multi
        name = node.grad_name
        name = name[:name.rindex("Backward")] if "Backward" in name else name
        raise RuntimeError(f"Output {piece._output_nr} of {name} is a view and its base or another view of its base "
                           "has been modified inplace." + _MULTI_VIEW_MSG)
    t._view_vc = t._vc[0]
    data, base = t._data, root._data
    owner = memory_owner(base)
    if owner is not memory_owner(data) or owner.dtype != data.dtype or not (
            owner.flags.c_contiguous or owner.flags.f_contiguous):
        return  # no common element addressing (a reinterpreted or strided owner): keep the recorded history
    item = owner.itemsize
    origin = owner.__array_interface__["data"][0]
    start = (data.__array_interface__["data"][0] - origin) // item
    base_start = (base.__array_interface__["data"][0] - origin) // item
    stride = element_strides(data)
    node = AsStrided(size=data.shape, stride=stride, storage_offset=start,
                     overlapping=strided_overlap(data.shape, stride, start))
    node.requires_grad = True
    node.needs_input_grad = (True,)
    node.next_functions = (root._edge(),)
    node._in_meta = ((base.shape, base.dtype),)
    node._inputs = (root,)
    node._out_meta = ((data.shape, data.dtype),)
    node.geometry = (owner.size, base_start, base.shape, element_strides(base))
    t.grad_fn = node
    if t._output_nr:
        t._output_nr = 0
    t._requires_grad = True


def _fast_arith(ufunc, fn, name):
    """``add_``-style method ``name``: an in-place ufunc on float data outside the graph with a tensor or a Python
    int or float, else the general path (half types: its float32 arithmetic; bools, complex numbers and anything
    else: its results and errors). ``add_`` and ``sub_`` also take PyTorch's deprecated ``(alpha, other)``."""
    bool_dtype = xp.dtype(bool) if ufunc is xp.subtract else None  # (None: no dtype is it)

    def general(self, other, alpha):
        if other is _NO_ARG:
            return _arith_extra(method, name, self, other, (), alpha)
        try:
            return _inplace(self, fn if alpha == 1 else (lambda s, x: fn(s, x, alpha=alpha)), other)
        except Exception as exc:  # PyTorch's TypeError naming this method, for a non-tensor
            raise _args.method_failed(name, (self, other), {}, exc) from None

    def method(self, other=_NO_ARG, *args, alpha=1):  # (no **kwargs: its dict costs every call ~50 ns)
        if args:  # PyTorch's deprecated overload, or its error
            return _arith_extra(method, name, self, other, args, alpha)
        graph = _grad_state.enabled and (
            self._requires_grad or (isinstance(other, Tensor) and other._requires_grad))
        if graph or self._data.dtype.char not in "fd":
            return general(self, other, alpha)
        if isinstance(other, Tensor):
            o = other._data
            if o.dtype is bool_dtype:  # (PyTorch's error for subtracting bools; NumPy's bool dtype is a singleton)
                return general(self, other, alpha)
        elif type(other) in _FAST_SCALARS:
            o = other if type(other) is builtins.float else F._scalar_int(other)  # (PyTorch's Scalar's range)
        else:
            return general(self, other, alpha)
        _check_inplace(self)
        if alpha != 1:
            o = o * alpha
        if isinstance(o, xp.ndarray):
            _check_shape(self, o)
        if not self._data.flags.writeable:
            _write(self, self._data)  # raises PyTorch's error for expanded tensors
        try:
            ufunc(self._data, o, out=self._data, casting="same_kind")
        except TypeError:  # a complex tensor operand: PyTorch's error (NumPy names its casting rule)
            return general(self, other, alpha)
        except (RuntimeWarning, FloatingPointError):  # a user's "error" filter: the result is already written
            pass
        self._vc[0] += 1
        return self
    method.__name__ = method.__qualname__ = name
    return method


_FAST_SCALARS = {builtins.int, builtins.float}
_NO_ARG = _args._Sentinel("<no argument>")


def _arith_extra(method, name, self, other, args, alpha):
    """``self.name(other, *args)`` for an in-place arithmetic method called with more positional arguments than
    ``other``, or none: PyTorch's deprecated ``add_(alpha, other)`` (and ``sub_``'s), else PyTorch's TypeError."""
    if other is _NO_ARG:
        if name in ("add_", "sub_"):
            raise TypeError(f"{name}() received an invalid combination of arguments - got (), but expected (Tensor "
                            "other, *, Number alpha = 1)")
        raise TypeError(f'{name}() missing 1 required positional arguments: "other"')
    if name in ("add_", "sub_"):
        if alpha != 1 or alpha is True:
            raise TypeError(f"{name}() received an invalid combination of arguments - got unrecognized keyword "
                            "arguments: alpha")
        legacy = _args.deprecated_overload(name, (other,) + args, True)
        if legacy is not None:
            (other,), kw = legacy
            return method(self, other, **kw)
        if len(args) > 1:  # (PyTorch lists the arguments, marking those that fit no parameter)
            got = [_args.combination_type_name(v) if i or not isinstance(v, Tensor) else "Tensor"
                   for i, v in enumerate((other,) + args)]
            raise TypeError(f"{name}() received an invalid combination of arguments - got ("
                            f"{', '.join(g if g == 'Tensor' and not i else f'!{g}!' for i, g in enumerate(got))}), "
                            "but expected (Tensor other, *, Number alpha = 1)")
    raise TypeError(f"{name}() takes 1 positional argument but {1 + len(args)} were given")


def _check_shape(self, o):
    if o.shape != self._data.shape:
        try:
            b = xp.broadcast_shapes(o.shape, self._data.shape)
        except ValueError:
            b = None
        if b != self._data.shape:
            raise RuntimeError(f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the "
                               f"broadcast shape [{', '.join(map(str, b or o.shape))}]")


Tensor.add_ = _fast_arith(xp.add, F.add, "add_")
Tensor.sub_ = _fast_arith(xp.subtract, F.sub, "sub_")
Tensor.mul_ = _fast_arith(xp.multiply, F.mul, "mul_")
Tensor.subtract_ = _fast_arith(xp.subtract, F.sub, "subtract_")
Tensor.multiply_ = _fast_arith(xp.multiply, F.mul, "multiply_")


def _div_method(name):
    true_div_ = _fast_arith(xp.true_divide, F.div, name)

    def div_(self, other, *, rounding_mode=None):
        """In-place ``div``; with ``rounding_mode`` ("trunc" or "floor"), the rounded quotient."""
        if rounding_mode is None:
            return true_div_(self, other)
        return _inplace(self, lambda s, o: F.div(s, o, rounding_mode=rounding_mode), other)
    div_.__name__ = div_.__qualname__ = name
    return div_


Tensor.div_, Tensor.divide_, Tensor.true_divide_ = _div_method("div_"), _div_method("divide_"), \
    _div_method("true_divide_")


def _iop(name):
    meth = getattr(Tensor, name)

    def op(self, other):
        if not isinstance(other, _OPERANDS):
            return NotImplemented
        return meth(self, other)
    return op


Tensor.__iadd__ = _iop("add_")
Tensor.__isub__ = _iop("sub_")
Tensor.__imul__ = _iop("mul_")
Tensor.__itruediv__ = _iop("div_")


def _make_inplace(name, fn):
    def method(self, *args, **kwargs):
        try:
            return _inplace(self, fn, *args, **kwargs)
        except Exception as exc:  # PyTorch's TypeError naming this method, for a non-tensor it takes as one
            renamed = _args.numpy_kwargs(fn, kwargs) if kwargs and type(exc) is TypeError else None
            if renamed is not None:  # (NumPy's keyword names: x.cumsum_(axis=0))
                return method(self, *args, **renamed)
            raise _args.method_failed(name, (self,) + args, kwargs, exc) from None
    method.__name__ = name
    return method


for _name in """pow remainder fmod floor_divide clamp clip clamp_min clamp_max masked_fill exp expm1 log log2
log10 log1p sqrt rsqrt sin cos tan tanh sigmoid erf reciprocal neg negative abs relu square floor ceil trunc round
sign lerp maximum minimum atan2 scatter scatter_add tril triu logical_not logical_and logical_or addcmul addcdiv
baddbmm deg2rad rad2deg frac hypot logit xlogy nan_to_num copysign""".split():
    setattr(Tensor, _name + "_", _make_inplace(_name + "_", _method(getattr(F, _name))))
Tensor.scatter_ = _make_inplace("scatter_", F._scatter_inplace)  # (its reduce= result names aten::scatter_)


def _clamp_inplace(name):
    """In-place clamp: PyTorch checks first that the result type can be written back (before the bounds' values
    or a missing kernel), naming this tensor's dtype by its C type (``unsigned char``) for number bounds."""
    inplace = _make_inplace(name, _method(getattr(F, name[:-1])))

    def method(self, *args, **kwargs):
        bounds = [v for v in args + tuple(kwargs.values()) if v is not None]
        dt, words = self._data.dtype, None
        if bounds and dt.kind != "c" and builtins.all(isinstance(v, Tensor) for v in bounds):
            words = _TYPE_WORD
        elif dt.kind in "biu" and bounds and builtins.all(isinstance(v, F._Number) for v in bounds) and not (
                name in ("clamp_min_", "clamp_max_") and builtins.any(isinstance(v, builtins.complex) for v in bounds)):
            for v in bounds:  # (an int beyond PyTorch's Scalar, or uint64 with a bool tensor, fails first)
                if type(v) is _int:
                    F._scalar_result_type(self, v)
            words = _dtype.C10_NAMES
        if words is not None:
            rt = _dtype.result_type(self, *bounds).np
            if rt != dt and not _can_cast(rt, dt):
                raise RuntimeError(f"result type {_TYPE_WORD[rt.name]} can't be cast to the desired output type "
                                   f"{words[dt.name]}")
        return inplace(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    return method


for _name in ("clamp_", "clip_", "clamp_min_", "clamp_max_"):
    setattr(Tensor, _name, _clamp_inplace(_name))


def _masked_fill_checked(inplace):
    def masked_fill_(self, mask, value):
        if isinstance(mask, Tensor) and mask._data.shape != self._data.shape and mask._data.ndim and self._data.ndim:
            F._check_broadcast(self, mask)  # (in place, this tensor is PyTorch's tensor a)
        if not self._data.flags.writeable and _is_expanded(self):
            return _expanded_write(self, "masked_fill_", lambda s: F.masked_fill(s, mask, value),
                                   lambda: xp.broadcast_to(mask._data, self._data.shape))
        return inplace(self, mask, value)
    return masked_fill_


def _is_expanded(self):
    """Whether a read-only tensor is an expanded one (a dimension of size > 1 with stride 0)."""
    a = self._data
    return builtins.any(st == 0 and n > 1 for n, st in zip(a.shape, a.strides))


_EXPANDED_WARNING = ("Use of {} on expanded tensors is deprecated. Please clone() the tensor before performing this "
                     "operation. This also applies to advanced indexing e.g. tensor[{}] = {}")


def _expanded_write(self, name, fn, positions, accumulate=None):
    """PyTorch's deprecated in-place fills (masked_fill_, index_fill_, index_put_) of an expanded tensor: its
    warning, then only the positions written (``positions()``: a boolean mask of them) go into the shared memory,
    in order, so an element shared with another position takes the last value written. ``fn(self)``: the
    out-of-place op (for its checks and the values). ``accumulate``: index_put_'s ``(indices, values)``, added
    element by element (each alias of a memory location adds once)."""
    _args.warn(_EXPANDED_WARNING.format(name, *(("indices", "tensor") if name == "index_put_" else ("mask", "scalar"))))
    if _grad_state.enabled and self._requires_grad:
        return _inplace(self, fn)  # (PyTorch's graph through the expanded view: not modelled; _write's error)
    _check_inplace(self)
    prev = _grad_state.enabled
    _grad_state.enabled = False
    try:
        res = fn(self)._data
    finally:
        _grad_state.enabled = prev
    alias = _write(self, self._data, True)
    if accumulate is not None:
        idx, values = accumulate
        target = xp.empty(self._data.shape, dtype=bool)[idx].shape
        xp.add.at(alias, idx, xp.broadcast_to(values._data.astype(alias.dtype), target))
    else:
        where = positions()
        alias[where] = res[where]
    self._vc[0] += 1
    return self


Tensor.masked_fill_ = _masked_fill_checked(Tensor.masked_fill_)


def _real_inplace(inplace):
    """An in-place op with no complex kernel (remainder_, fmod_, floor_divide_) on a real tensor: PyTorch refuses a
    complex operand first, as a result type that cannot be written back (before the missing kernel)."""
    def method(self, other):
        dt = self._data.dtype
        if dt.kind != "c" and (isinstance(other, builtins.complex) or (
                isinstance(other, Tensor) and other._data.dtype.kind == "c")):
            if isinstance(other, Tensor) and other._data.ndim:  # (a dimensioned tensor's dtype takes part)
                rt = _TYPE_WORD[xp.promote_types(dt if dt.kind in "fc" else xp.float32, other._data.dtype).name]
            else:  # (a number or 0-d tensor: only its category does, with this tensor's precision)
                rt = {"float16": "ComplexHalf", "float64": "ComplexDouble"}.get(dt.name, "ComplexFloat")
            raise RuntimeError(f"result type {rt} can't be cast to the desired output type {_TYPE_WORD[dt.name]}")
        return inplace(self, other)
    method.__name__ = method.__qualname__ = inplace.__name__
    return method


for _name in ("remainder_", "fmod_", "floor_divide_"):
    setattr(Tensor, _name, _real_inplace(getattr(Tensor, _name)))

Tensor.__ipow__ = _iop("pow_")
Tensor.__imod__ = _iop("remainder_")
Tensor.__ifloordiv__ = _iop("floor_divide_")


def _addmm_(self, mat1, mat2, *args, beta=1, alpha=1):
    if args:  # PyTorch's deprecated addmm_(beta, [alpha,] mat1, mat2)
        return _scaled_call(_addmm_, "addmm_", self, (mat1, mat2) + args, beta != 1 or alpha != 1)
    try:
        return _inplace(self, lambda s, a, b: F.addmm(s, a, b, beta=beta, alpha=alpha), mat1, mat2)
    except Exception as exc:  # PyTorch's TypeError naming this method, for a non-tensor
        raise _args.method_failed("addmm_", (self, mat1, mat2), {}, exc) from None


Tensor.addmm_ = _addmm_


def _scaled_call(method, name, self, args, given):
    """``method(self, *args)`` for PyTorch's deprecated overload with the scalars first (``addmm_(beta, alpha, mat1,
    mat2)``); PyTorch's TypeError for other calls with too many positional arguments (``given``: a scalar was
    given by keyword too)."""
    legacy = None if given else _args.deprecated_overload(name, args, True)
    if legacy is None:
        n = len(_args._SCALED[name.rstrip("_")][1])
        raise TypeError(f"{name}() takes {n} positional arguments but {len(args)} were given")
    new, kw = legacy
    return method(self, *new, **kw)


def _scaled_method(name, fn):
    """The method ``name`` running ``fn`` (those that have no layer of their own for it: addmv, addr, addbmm and
    addbmm_), taking PyTorch's deprecated overload with the scalars first too."""
    def method(self, *args, **kwargs):
        if len(args) > 2:
            return _scaled_call(fn, name, self, args, bool(kwargs))
        return fn(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    return method


class _Overwrite(Op):
    """An in-place fill (``zero_``, ``fill_`` with a constant, ``normal_``...) of a tensor in a graph: the
    result is the filled values, and the previous ones get a zero gradient (PyTorch's ZeroBackward0,
    FillBackward2, NormalBackward0... nodes, named by ``grad_name``). ``like``: the filled tensor's array,
    whose layout the fill writes in (random fills draw in memory order)."""

    half_native = True
    complex_grad = True

    def forward(self, old):
        out = xp.empty_like(self.like)
        self.like = None
        self.value_fn(out)
        return out

    def backward(self, g):
        return (xp.zeros_like(g),)

    def backward_graph(self, g):
        return (F.zeros_like(g),)


def _fill(self, value_fn, grad_name=None, expanded=False):
    """Run ``value_fn(array)`` to fill this tensor in place; ``expanded``: PyTorch allows it on an expanded tensor
    (a constant fill)."""
    if grad_name is not None and self._requires_grad and _grad_state.enabled:  # (a leaf: _inplace's error)
        return _inplace(self, lambda s: _Overwrite.apply(s, value_fn=value_fn, like=self._data, grad_name=grad_name))
    _check_inplace(self)
    a = self._data
    if not a.flags.writeable:
        a = _write(self, a, expanded)  # (an expanded tensor's writable alias stays out of self._data)
    value_fn(a)
    self._vc[0] += 1
    if _grad_state.enabled and self.grad_fn is not None:
        old_fn = self.grad_fn
        self.grad_fn = None  # the old values no longer matter: the result is a constant
        self._requires_grad = False
        if self._parent is not None:
            _rebase_view(self, old_fn)
    return self


def _zero_(self):
    """Fill with zeros in place."""
    return _fill(self, lambda a: a.fill(0), "ZeroBackward0", True)


def _fill_(self, value):
    """Fill with ``value`` in place."""
    grad_name = "FillBackward2"
    if isinstance(value, Tensor):
        grad_name = "FillBackward3"
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        if value._requires_grad and _grad_state.enabled:
            return _inplace(self, lambda s, v: F.zeros_like(s) + v.to(s.dtype), value)
        value = value.item()
        if type(value) is builtins.complex and self._data.dtype.kind != "c" and self._data.dtype != xp.bool_:
            from ember._tensor import _warn_complex_cast
            _warn_complex_cast()  # (a tensor's value is cast, a Python number's checked)
            value = value.real
    elif type(value) is builtins.float and self._data.dtype.kind == "f" and F._fits_float(value, self._data.dtype):
        pass  # (the common case: NumPy's fill rounds the number as PyTorch does)
    elif isinstance(value, F._Number):  # PyTorch's error when out of the dtype's range or complex for a real one
        value = F._fill_scalar(value, self._data.dtype, self._data.size)
    elif not isinstance(value, xp.generic):
        got, bad = _args.type_name(value), _args.combination_type_name(value)
        raise TypeError(f"fill_() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                        f" * (Tensor value)\n      didn't match because some of the arguments have invalid types: "
                        f"(!{bad}!)\n * (Number value)\n      didn't match because some of the arguments have invalid "
                        f"types: (!{bad}!)\n")
    return _fill(self, lambda a: a.fill(value), grad_name, grad_name == "FillBackward2")  # (not a tensor value)


def _copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast; a Python number counts as a 0-d tensor) into this tensor in place."""
    if isinstance(src, (builtins.bool, _int, builtins.float)):
        src = F.tensor(src)
    if not isinstance(src, Tensor):
        raise _args.tensor_error("copy_", "other", src, 1)  # (PyTorch's parser names it so)
    graph = _grad_state.enabled and (src._requires_grad or self._requires_grad)  # (the old values: zero grads)
    if not graph:
        _check_inplace(self)
    if _ops._hooks and src.is_meta:  # (a meta destination is a MetaTensor: its copy_ is a no-op)
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")
    try:
        arr = xp.broadcast_to(src._data, self._data.shape)
    except ValueError:  # (PyTorch's: the shapes do not broadcast, or broadcast to more than ``self``'s shape)
        F._check_broadcast_shapes(self._data.shape, src._data.shape)
        shape = xp.broadcast_shapes(self._data.shape, src._data.shape)
        raise RuntimeError(f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the broadcast "
                           f"shape [{', '.join(map(str, shape))}]") from None
    # (two arrays owning their memory share none; else NumPy's bounds check first: both cheap)
    if (self._data.base is not None or src._data.base is not None) and xp.may_share_memory(self._data, src._data):
        _check_partial_overlap(self._data, src._data)
    if graph:
        return _inplace(self, _CopyFrom.apply, src)
    if not self._data.flags.writeable:
        _write(self, self._data)
    if arr.dtype.kind == "c" and self._data.dtype == xp.bool_:
        arr = arr != 0  # (PyTorch's bool of a complex: either part nonzero, no warning)
    elif arr.dtype.kind == "c" and self._data.dtype.kind != "c":
        from ember._tensor import _warn_complex_cast
        _warn_complex_cast()
        arr = arr.real
    self._data[...] = arr
    self._vc[0] += 1
    if _grad_state.enabled and self.grad_fn is not None:
        old_fn = self.grad_fn
        self.grad_fn = None
        self._requires_grad = False
        if self._parent is not None:
            _rebase_view(self, old_fn)
    return self


Tensor.zero_ = _zero_
Tensor.fill_ = _fill_
Tensor.copy_ = _copy_


def _random_fill(kernel, complex_view=False, grad_name=None):
    """An in-place random method: ``kernel(a, *args, generator=...)`` gives the ``a.size`` values PyTorch's
    kernel draws for array ``a``, written in memory order. ``complex_view``: a complex tensor is filled through
    its real view (the kernel then gets ``parts=True``). ``grad_name``: its node in a graph (see _Overwrite)."""
    def method(self, *args, generator=None, **kwargs):
        def fill(a):
            if complex_view and a.dtype.kind == "c":
                a = a.view(xp.float32 if a.dtype == xp.complex64 else xp.float64)
                kwargs["parts"] = True
            _rk.fill(a, kernel(a, *args, generator=generator, **kwargs))
        return _fill(self, fill, grad_name)
    return method


def _kernel_dtype(a, kernel, ok="fV"):
    if a.dtype.kind not in ok:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dtype.TYPE_WORDS[a.dtype.name]}'")


def _continuous_only(a, name, words=_dtype.TYPE_WORDS):
    if a.dtype.kind not in "fV":
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype must be a floating "
                           f"point but you specified {words[a.dtype.name]}")


def _normal(a, mean=0.0, std=1.0, *, generator=None, parts=False):
    _kernel_dtype(a, "normal_kernel_cpu")
    if not std >= 0:  # (NaN too)
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if parts:
        std = std / 1.4142135623730951  # a complex tensor's parts: variance std^2 / 2 each
    return _rk.normal(a.size, a.dtype, mean, std, a.flags.c_contiguous, generator)


def _uniform(a, /, *args, generator=None, parts=False, **kwargs):  # (positional-only: a keyword "a" is unknown)
    # PyTorch names the bounds ``from`` and ``to`` (``from`` is a Python keyword, hence **kwargs)
    if len(args) > 2:
        raise TypeError(f"uniform_() takes from 0 to 2 positional arguments but {len(args)} were given")
    bounds = dict(zip(("from", "to"), args), **kwargs)
    for name in bounds:
        if name not in ("from", "to"):
            raise TypeError(f"uniform_() got an unexpected keyword argument '{name}'")
    lo, hi = bounds.get("from", 0.0), bounds.get("to", 1.0)
    _kernel_dtype(a, "check_uniform_bounds")
    top = float(_dtype.finfo(_dtype.from_np(a.dtype)).max)
    for name, v in (("from", lo), ("to", hi)):
        if not -top <= v <= top:
            raise RuntimeError(f"{name} is out of bounds for {_dtype.C10_NAMES[a.dtype.name]}")
    if lo > hi:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={lo:g} > to={hi:g}")
    if hi - lo > top:
        word = _dtype.TYPE_WORDS[a.dtype.name]
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{word}>::max(), but found to={hi:g} "
                           f"and from={lo:g} which result in to-from to exceed the limit")
    return _rk.uniform(a.size, a.dtype, lo, hi, generator)


def _exponential(a, lambd=1.0, *, generator=None):
    _continuous_only(a, "Exponential")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    return _rk.exponential(a.size, a.dtype, lambd, generator)


def _log_normal(a, mean=1.0, std=2.0, *, generator=None):
    _kernel_dtype(a, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    return _rk.log_normal(a.size, a.dtype, mean, std, generator)


def _cauchy(a, median=0.0, sigma=1.0, *, generator=None):
    _continuous_only(a, "Cauchy", _dtype.C10_NAMES)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
    return _rk.cauchy(a.size, a.dtype, median, sigma, generator)


def _geometric(a, p, *, generator=None):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    _kernel_dtype(a, "geometric_cpu", "fViu")
    return _rk.geometric(a.size, a.dtype, p, generator)


def _bernoulli(a, p=0.5, *, generator=None):
    if isinstance(p, Tensor):
        probs = p._data
        if not ((probs >= 0) & (probs <= 1)).all():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                               "message be improved?  If so, please report an enhancement request to PyTorch.)")
        probs = xp.broadcast_to(probs, a.shape).transpose(_rk.memory_axes(a))  # aligned with a's fill order
        return _rk.bernoulli_tensor(xp.ascontiguousarray(probs).reshape(-1), generator).astype(a.dtype)
    _kernel_dtype(a, "bernoulli_scalar_cpu_", "fViub")
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return _rk.bernoulli_scalar(a.size, p, generator).astype(a.dtype)


Tensor.normal_ = _random_fill(_normal, complex_view=True, grad_name="NormalBackward0")
Tensor.uniform_ = _random_fill(_uniform, complex_view=True, grad_name="UniformBackward0")
Tensor.exponential_ = _random_fill(_exponential, grad_name="ExponentialBackward0")
Tensor.bernoulli_ = _random_fill(_bernoulli, grad_name="BernoulliBackward2")
Tensor.log_normal_ = _random_fill(_log_normal, grad_name="LogNormalBackward0")
Tensor.cauchy_ = _random_fill(_cauchy, grad_name="CauchyBackward0")
Tensor.geometric_ = _random_fill(_geometric, grad_name="GeometricBackward0")


# random_(): the largest value each dtype's draws reach (floats: the last of the contiguous integers)
_RANDOM_TOP = {"float32": 1 << 24, "float64": 1 << 53, "float16": 1 << 11, "bfloat16": 1 << 8, "bool": 1}


def _random_bounds(args, kwargs):
    """(from, to) of a ``random_`` call: ``random_(to)``, ``random_(from, to)`` (``to`` None: up to the dtype's
    top) or ``random_()`` (None, None: the full draw)."""
    named = dict(zip(("from", "to") if len(args) == 2 or "to" in kwargs else ("to",), args))
    if len(args) > 2 or set(kwargs) - {"from", "to"} or set(named) & set(kwargs) or (
            "from" in {**named, **kwargs} and "to" not in {**named, **kwargs}):
        given = ", ".join([type(v).__name__ for v in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()])
        raise TypeError(f"random_() received an invalid combination of arguments - got ({given}, ), but expected "
                        "one of:\n * (*, torch.Generator generator = None)\n * (int from, int to, *, torch.Generator "
                        "generator = None)\n * (int to, *, torch.Generator generator = None)\n")
    named.update(kwargs)
    if not named:
        return None, None
    return named.get("from", 0), named["to"]


def _random_values(a, *args, generator=None, **kwargs):
    d = a.dtype
    lo, hi = _random_bounds(args, kwargs)
    if lo is None:
        if d.name not in _rk.FULL_MOD:  # (the full draw only: the unsigned types take bounds)
            raise NotImplementedError(f"\"random_kernel_cpu\" not implemented for '{_dtype.TYPE_WORDS[d.name]}'")
        return _rk.random_full(a.size, d, generator)
    if not -(1 << 63) <= lo < 1 << 63 or hi is not None and not -(1 << 63) <= hi < 1 << 63:
        raise ValueError("Overflow when unpacking long long")  # (PyTorch's parser: int64 bounds)
    top = _RANDOM_TOP[d.name] if d.name in _RANDOM_TOP else int(xp.iinfo(d).max)
    if hi is None:
        if lo > top and (d.kind not in "fV" or d.name == "float16" and lo > 65504):  # (beyond the dtype)
            raise RuntimeError(f"from is out of bounds for {_dtype.C10_NAMES[d.name]}")
        if lo <= top:  # (below the dtype: raises; a float beyond its exact integers: warns)
            F._check_random_range(lo, top if d.kind in "fV" else lo, d)
        if d.name == "uint64":  # (PyTorch's top, 2^64 - 1, read as an int64)
            raise RuntimeError("to - 1 is out of bounds for long unsigned int")
        if lo > top:
            raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted "
                               f"to dtype, but got from={lo} > to_inc={top}")
        span = top - lo + 1
    else:
        if lo >= hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
        F._check_random_range(lo, hi - 1, d)
        lo, hi = F._float_random_bounds(lo, hi, d)
        span = hi - lo
    return _rk.random_range(a.size, lo, span, generator).astype(d)


_random_ = _random_fill(_random_values, grad_name="RandomBackward2")
Tensor.random_ = _random_
Tensor.bernoulli = lambda self, p=None, *, generator=None: F.bernoulli(self, p, generator=generator)


def _reshape_inplace(fn):
    """``t_``-style method: the view op, after which this tensor has the result's shape and, in a graph, its
    history under PyTorch's in-place node name (``TBackward1``, ``SqueezeBackward3/4/5``...)."""
    def method(self, *args, **kwargs):
        # An inference tensor outside the mode: as PyTorch, no autograd, the shape changes, then the version bump
        # refuses the update (NO_VERSION raises).
        track = self._vc is not _NO_VERSION
        if track:
            _check_inplace(self)
            if self._parent is not None:
                self._edge()  # rebuild a stale view history first
        old = wrap(self._data, requires_grad=self._requires_grad and track, grad_fn=self.grad_fn,
                   output_nr=self._output_nr)
        new = fn(old, *args, **kwargs)
        self._data = new._data
        node = new.grad_fn
        if node is not None:
            name = node.grad_name
            num = int(name[-1]) + 3 if name.startswith("SqueezeBackward") else 1
            node.grad_name = f"{name[:-1]}{num}"
            self.grad_fn = node
            self._output_nr = new._output_nr
        self._vc[0] += 1  # PyTorch counts a metadata change as an in-place update (a saved tensor's check sees it)
        if self._parent is not None:
            self._view_vc = self._vc[0]  # its own history is current; other views of the base are now stale
        return self
    return method


Tensor.unsqueeze_ = _reshape_inplace(F.unsqueeze)
Tensor.squeeze_ = _reshape_inplace(F.squeeze)
Tensor.t_ = _reshape_inplace(F.t)
Tensor.transpose_ = _reshape_inplace(F.transpose)


def _resize_(self, *sizes, memory_format=None):
    """Give this tensor the shape ``sizes`` in place, over the same memory: its storage's elements from its offset on,
    laid out row-major (or as ``memory_format``). Shrinking keeps sharing memory with the other views; growing
    needs more memory than the storage has, which NumPy cannot extend, so the tensor then gets a new buffer (the
    old elements first, zeros after) that other views no longer share. The same shape is a no-op unless
    ``memory_format`` is given.
    """
    _refuse_resize_grad(self)
    return _resize_impl(self, sizes, memory_format)


def _refuse_resize_grad(self, *others):
    """PyTorch's autograd refuses to resize a tensor that requires grad; inside inference mode, or when every tensor
    involved is an inference tensor, no autograd runs and nothing is refused."""
    if self._requires_grad and not _grad_state.inference and any(type(t._vc) is list for t in (self,) + others):
        raise RuntimeError("cannot resize variables that require grad")


def _resize_impl(self, sizes, memory_format):
    """:meth:`resize_` after its autograd check; ``sizes`` a shape."""
    from ember._ops import elementwise as E
    from ember._ops.indexing import storage_of
    from ember._tensor import _format_name

    shape = F._shape_arg(sizes)
    fmt = _format_name("resize_", memory_format, "contiguous")
    if fmt == "preserve":
        raise RuntimeError("Unsupported memory formatPreserve")
    for d in shape:
        if d < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {d}: {list(shape)}")
    a = self._data
    if shape == a.shape and memory_format is None:
        return self
    strides = E.format_strides(shape, fmt)
    n = 1
    for d in shape:
        n *= d
    flat, offset = storage_of(a)
    if offset + n <= flat.size:
        flat = flat[offset:offset + n]
    else:
        grown = xp.zeros(n, dtype=a.dtype)
        kept = flat[offset:]
        grown[:kept.size] = kept
        flat = grown
        self._parent = self._view = None  # the new buffer is this tensor's own
    self._data = xp.lib.stride_tricks.as_strided(flat, shape, tuple(st * a.itemsize for st in strides))
    self._vc[0] += 1
    return self


def _resize_as_(self, the_template, *, memory_format=None):
    """``resize_(the_template.shape, memory_format=memory_format)``: row-major whatever the template's layout."""
    _args.need_tensor("resize_as_", "the_template", 1, the_template)
    _refuse_resize_grad(self, the_template)
    return _resize_impl(self, the_template.shape, memory_format)


Tensor.resize_ = _resize_
Tensor.resize_as_ = _resize_as_


def _legacy_new(self, *args, device=None):
    """A new tensor of this one's dtype, PyTorch's legacy constructor: ``x.new(2, 3)`` or ``x.new(ember.Size([2, 3]))``
    (a zero-filled tensor of that size), ``x.new([1, 2])`` (from data), ``x.new(tensor)`` (an alias of ``tensor``,
    which must have this dtype), ``x.new(storage)`` (a 1-D view of the storage), ``x.new()`` (empty).

    Prefer :meth:`new_tensor`, :meth:`new_zeros` and :meth:`new_empty`.
    """
    from ember._tensor import _check_device

    if _check_device(device, True) and device is not None:  # (a meta tensor's is MetaTensor.new)
        raise RuntimeError("legacy constructor expects device type: cpu but device type: meta was passed")
    dt = self.dtype
    if not args:
        return F.empty(0, dtype=dt, device="cpu")  # (this tensor's device, not the default one)
    if len(args) == 1:
        (a,) = args
        if isinstance(a, Tensor):
            if a.dtype != dt:
                raise TypeError(f"expected {dt} (got {a.dtype})")
            return a.detach()
        if isinstance(a, Size):
            return F._zeros_sized(tuple(a), dtype=dt, device="cpu")
        if isinstance(a, numbers.Integral) and not isinstance(a, builtins.bool):
            return F._zeros_sized(a, dtype=dt, device="cpu")
        storages = sys.modules.get("ember.storage")  # no storage exists before that module is loaded
        if storages is not None and isinstance(a, (storages.TypedStorage, storages.UntypedStorage)):
            return storages._tensor_over(a, dt)
        if isinstance(a, builtins.str):
            raise TypeError(f"new(): invalid data type '{type(a).__name__}'")
        if isinstance(a, numbers.Number):
            raise TypeError(f"new(): data must be a sequence (got {type(a).__name__})")
        return F.tensor(a, dtype=dt, device="cpu")
    for i, a in enumerate(args):
        if isinstance(a, builtins.bool) or not isinstance(a, numbers.Integral):
            if i == 0:
                raise TypeError(f"new() received an invalid combination of arguments - got "
                                f"({', '.join(type(v).__name__ for v in args)})")
            raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {i + 1} with error \"type must "
                            f"be tuple of ints,but got {type(a).__name__}\"")
    return F._zeros_sized(args, dtype=dt, device="cpu")


Tensor.new = _legacy_new


def _fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal (elements ``[i, i, ..., i]``) with ``fill_value`` in place; returns self.

    All dimensions must have the same length, except for a matrix. ``wrap=True`` continues a tall matrix's
    diagonal below the square block after skipping one row, as NumPy's ``fill_diagonal`` does (for a
    non-contiguous matrix ember wraps in its logical row-major order).

    Example::

        >>> ember.zeros(5, 2).fill_diagonal_(1.0, wrap=True)
        tensor([[1., 0.],
                [0., 1.],
                [0., 0.],
                [1., 0.],
                [0., 1.]])
    """
    if isinstance(fill_value, Tensor) and fill_value._data.ndim == 0 and not fill_value._requires_grad:
        fill_value = fill_value.item()
    elif not isinstance(fill_value, numbers.Number):
        raise TypeError("fill_diagonal_(): argument 'fill_value' (position 1) must be Number, not "
                        f"{type(fill_value).__name__}")
    shape = self._data.shape
    n = len(shape)
    if n < 2:
        raise RuntimeError("dimensions must larger than 1")
    if n > 2 and builtins.any(d != shape[0] for d in shape):
        raise RuntimeError("all dimensions of input must be of equal length")
    # In row-major order the diagonal is every step-th element, step = the sum of the row-major strides.
    step, acc = 0, 1
    for d in reversed(shape):
        step += acc
        acc *= d
    if n == 2 and wrap:
        count = -(-acc // step) if acc else 0
    else:
        count = builtins.min(shape)
    if _grad_state.enabled and self._requires_grad and self.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    if self._data.flags.c_contiguous:
        # a strided view of the flat tensor: in a graph, autograd records the fill as on any view (CopySlices)
        self.view(-1)[: count * step: step].fill_(fill_value)
        return self
    from ember._tensor import wrap as as_tensor  # (``wrap`` is the argument here)

    flat = xp.arange(count) * step
    mask = xp.zeros(acc, dtype=bool)
    mask[flat] = True
    mask = as_tensor(mask.reshape(shape))
    if _grad_state.enabled and self._requires_grad:
        return _inplace(self, lambda s: F.masked_fill(s, mask, fill_value))
    return _fill(self, lambda a: a.__setitem__(mask._data, fill_value))


Tensor.fill_diagonal_ = _fill_diagonal_
def _apply_(self, fn):
    """Replace each element by ``fn(element)`` (a Python number in, a number out, converted as PyTorch's tensor
    creation converts it: an int dtype truncates floats and range-checks); CPU tensors without grad only."""
    if self._requires_grad:
        raise RuntimeError("Can't call apply_() on Variable that requires grad. Use var.detach().apply_() instead.")
    if not callable(fn):
        raise TypeError(f"'{type(fn).__name__}' object is not callable")
    values = [fn(v) for v in self.reshape(-1).tolist()]
    for v in values:  # (a sequence or string is no element: PyTorch's conversion error, not a new dimension)
        if not isinstance(v, numbers.Number):
            name = _args.type_name(v)
            raise TypeError(f"'{name}' object cannot be interpreted as an integer" if self._data.dtype.kind in "biu"
                            else f"must be real number, not {name}")
    arr = F.tensor(values, dtype=self.dtype)._data.reshape(self._data.shape)
    return _fill(self, lambda a: a.__setitem__(..., arr))


Tensor.apply_ = _apply_


# index_* / scatter_reduce / *_scatter / put and their in-place forms (functions in ember/_functions_indexing.py)
for _name in "index_add index_copy index_fill index_reduce index_put put scatter_reduce masked_scatter renorm".split():
    setattr(Tensor, _name, _bound(_name))
    setattr(Tensor, _name + "_", _make_inplace(_name + "_", _method(getattr(F, _name))))
_index_fill_ = Tensor.index_fill_
_index_put_ = Tensor.index_put_


def _index_fill_expanded(self, dim, index, value):
    if self._data.flags.writeable or not _is_expanded(self):
        return _index_fill_(self, dim, index, value)

    def positions():
        where = xp.zeros(self._data.shape, dtype=bool)
        where[(slice(None),) * self._wrap_dim(dim) + (index._data.reshape(-1),)] = True
        return where
    return _expanded_write(self, "index_fill_", lambda s: F.index_fill(s, dim, index, value), positions)


def _index_put_expanded(self, indices, values, accumulate=False):
    if self._data.flags.writeable or not _is_expanded(self):
        return _index_put_(self, indices, values, accumulate)

    def positions():
        where = xp.zeros(self._data.shape, dtype=bool)
        where[idx] = True
        return where
    fn = lambda s: F.index_put(s, indices, values, accumulate)  # noqa: E731
    idx = None
    if isinstance(indices, (tuple, list)) and builtins.all(isinstance(t, Tensor) for t in indices):
        idx = tuple(t._data.astype(bool) if t._data.dtype == xp.uint8 else t._data for t in indices)
    if idx is None or not isinstance(values, Tensor):
        return _index_put_(self, indices, values, accumulate)  # (the argument errors)
    if accumulate:
        return _expanded_write(self, "index_put_", fn, None, (idx, values))
    return _expanded_write(self, "index_put_", fn, positions)


Tensor.index_fill_ = _index_fill_expanded
Tensor.index_put_ = _index_put_expanded
_index_fill_expanded.__name__ = "index_fill_"
_index_put_expanded.__name__ = "index_put_"
for _name in """diagonal_scatter select_scatter slice_scatter as_strided split_with_sizes unsafe_split unsafe_chunk
unsafe_split_with_sizes hsplit vsplit dsplit diagflat quantile nanquantile nanmedian mode unique_consecutive
histogram cov corrcoef""".split():
    setattr(Tensor, _name, _bound(_name))
from ember._functions_indexing import _storage_offset  # noqa: E402

Tensor.storage_offset = _storage_offset

# ------------------------------------------------------------------------------------------ indexing


_INDEXING_DTYPES = tuple(xp.dtype(t) for t in (xp.int64, xp.int32, xp.uint8, xp.bool_))  # PyTorch's for t[idx]
_byte_index_warning = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."


_SEQUENCE_INDEX_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in pytorch 2.9; use "
    "x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as tensor index, x[torch.tensor(seq)], "
    "which will result either in an error or a different result")
_SEQUENCE_ITEMS = (list, tuple, range, Tensor, xp.ndarray, slice, type(None), type(Ellipsis))


def _list_as_tuple(index):
    """PyTorch's (NumPy's old) rule: a list shorter than 32 holding a sequence, tensor, array, slice, None or
    Ellipsis indexes several dimensions, as its tuple would (with a deprecation warning); other lists are one index."""
    if len(index) < 32:
        for i in index:  # (a plain loop: any() over a generator costs x[[0, 1]] a tenth more)
            if i.__class__ is not _int and isinstance(i, _SEQUENCE_ITEMS):
                _args.warn(_SEQUENCE_INDEX_WARNING)
                return tuple(index)
    return (index,)


def _normalize_index(index, ndim=None, warn=True):
    """Turn a user index into one NumPy understands; report whether it uses advanced indexing. ``warn``: PyTorch's
    deprecation warning for each uint8 mask (:func:`_byte_masks`)."""
    if not isinstance(index, tuple):
        index = _list_as_tuple(index) if type(index) is list else (index,)
    out = []
    advanced = False
    n_ellipsis = 0
    for item in index:
        if isinstance(item, Tensor):
            arr = item._data
            if arr.ndim == 0 and arr.dtype.kind in "iu" and arr.dtype != xp.uint8:  # a 0-d int tensor: an int
                out.append(_int(arr))
                continue
            if arr.dtype not in _INDEXING_DTYPES:  # (int8, int16, uint16, ... refused too)
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.dtype == xp.uint8:
                if warn and arr.ndim:
                    _args.warn(_byte_index_warning)
                arr = arr.astype(bool)
            advanced = True
            out.append(arr)
        elif isinstance(item, (list, range, tuple)):  # (a tuple inside the index is a sequence of indices)
            arr = xp.asarray(list(item)) if not isinstance(item, range) else xp.arange(item.start, item.stop, item.step)
            if isinstance(item, list) and builtins.any(isinstance(v, Tensor) for v in item):
                arr = xp.asarray([v.item() if isinstance(v, Tensor) else v for v in item])
            if arr.size == 0 or arr.dtype.kind == "f":  # (PyTorch reads a sequence of floats as longs: truncated)
                arr = arr.astype(xp.int64)
            if arr.dtype.kind == "V":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            advanced = True
            out.append(arr)
        elif isinstance(item, xp.ndarray):  # (as PyTorch reads it: a tensor of its dtype)
            if item.dtype.kind == "f":  # (floats as longs, truncated, as in a list)
                item = item.astype(xp.int64)
            if item.ndim == 0 and item.dtype.kind in "iu" and item.dtype != xp.uint8:
                out.append(_int(item))
                continue
            advanced = True
            if item.dtype == xp.uint8:
                if warn and item.ndim:
                    _args.warn(_byte_index_warning)
                item = item.astype(bool)
            out.append(item)
        elif item is None or item is Ellipsis or isinstance(item, (builtins.int, slice)):
            if isinstance(item, builtins.bool):
                advanced = True
            elif item is Ellipsis:
                n_ellipsis += 1
            if isinstance(item, slice) and item.step is not None and item.step <= 0:
                raise ValueError("step must be greater than zero" if item.step else "slice step cannot be zero")
            out.append(item)
        elif hasattr(item, "__index__"):
            out.append(item.__index__())
        elif isinstance(item, str):  # (PyTorch tries to make a tensor of it)
            raise TypeError("new(): invalid data type 'str'")
        else:
            kind = type(item)
            name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {name})")
    if ndim is not None and (n_ellipsis > 1 or (n_ellipsis and advanced)):
        out = _expand_ellipses(out, ndim)  # (for PyTorch, an Ellipsis of no dimension separates no tensor indices)
    return tuple(out), advanced


def _consumed(item):
    """How many dimensions of the indexed tensor an index item takes."""
    if item is None or item is Ellipsis or isinstance(item, builtins.bool):
        return 0
    if isinstance(item, xp.ndarray) and item.dtype == xp.bool_:
        return item.ndim
    return 1


def _expand_ellipses(items, ndim):
    """PyTorch accepts several Ellipses: each skips the dimensions the other items leave (NumPy refuses them)."""
    skip = ndim - builtins.sum(_consumed(i) for i in items)
    out = []
    for item in items:
        out.extend([slice(None)] * builtins.max(skip, 0) if item is Ellipsis else [item])
    # full slices past the last dimension index nothing
    while builtins.sum(_consumed(i) for i in out) > ndim and isinstance(out[-1], slice) and out[-1] == slice(None):
        out.pop()
    return out


def _select_first(idx):
    """PyTorch applies integer indices as selects before the tensor indices, so that they never separate those
    (NumPy counts them as advanced indices, which moves the indexed dimensions to the front): split ``idx`` into
    the select and the index of its result, or None when ``idx`` has no integer."""
    def is_int(i):
        return isinstance(i, _int) and not isinstance(i, builtins.bool)
    if len(idx) == 1 or not builtins.any(is_int(i) for i in idx):
        return None
    first, rest = [], []
    for i in idx:
        if is_int(i):
            first.append(i)
        elif i is None:  # (unsqueezed by the select too)
            first.append(i)
            rest.append(slice(None))
        else:
            rest.append(i)
            first.extend([i] if i is Ellipsis else [slice(None)] * _consumed(i))
    return tuple(first), tuple(rest)


def _written_view(index):
    """The last view op PyTorch applies to write ``t[index] = v`` (None when it writes into ``t`` itself)."""
    name = None
    for item in index if isinstance(index, tuple) else (index,):
        if isinstance(item, builtins.int) and not isinstance(item, builtins.bool):
            name = "Select"
        elif isinstance(item, slice) and (item.start or 0, item.stop, item.step or 1) != (0, None, 1):
            name = "Slice"  # (a whole-dimension slice is skipped)
        elif item is None:
            name = "Unsqueeze"
    return name


def _basic_name(index):
    name = "AliasBackward0"
    for item in index:
        if isinstance(item, builtins.int):
            name = "SelectBackward0"
        elif isinstance(item, slice) and (item.start or 0, item.stop, item.step or 1) != (0, None, 1):
            name = "SliceBackward0"  # (a whole-dimension slice is skipped)
        elif item is None:
            name = "UnsqueezeBackward0"
    return name


def _index_error(exc, shape, idx=()):
    msg = str(exc)
    if "out of bounds" in msg:
        return _bounds_error(shape, idx) or IndexError(msg.replace("axis", "dimension"))
    if "too many indices" in msg:
        items = [i for i in idx if i is not None and i is not Ellipsis] if not shape else ()
        first = items[0] if len(items) == 1 else None  # (several indices: the plain message)
        if isinstance(first, (builtins.int, xp.integer)):  # (PyTorch's hint for a 0-d tensor indexed by a number)
            return IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                              "in C++ to convert a 0-dim tensor to a number")
        if isinstance(first, slice):
            return IndexError("slice() cannot be applied to a 0-dim tensor.")
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    if msg.startswith("shape mismatch: indexing arrays"):  # PyTorch's words, and its [2], [3] for NumPy's (2,) (3,)
        import re
        shapes = ", ".join("[" + ", ".join(d.strip() for d in m.split(",") if d.strip()) + "]"
                           for m in re.findall(r"\(([^)]*)\)", msg))
        return IndexError(f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}")
    if "boolean index did not match" in msg or "shape mismatch" in msg:
        return IndexError(f"The shape of the mask {msg.split('shape of')[-1].strip() if 'shape of' in msg else ''} "
                          f"does not match the shape of the indexed tensor [{', '.join(map(str, shape))}]"
                          if "boolean" in msg else msg)
    return IndexError(msg)


def _bounds_error(shape, idx):
    """PyTorch's error for an out-of-bounds index tensor: it numbers the dimension among the indexed ones (those
    of the index tensors and masks, in order: the others are moved out of the way), and names no index in an empty
    dimension. None where no index tensor is out of bounds (an integer is: NumPy's message then)."""
    axis = n_indexed = 0
    for item in idx:
        if isinstance(item, xp.ndarray):
            if item.dtype == xp.bool_:
                axis, n_indexed = axis + item.ndim, n_indexed + item.ndim
                continue
            n = shape[axis] if axis < len(shape) else 0
            bad = (item >= n) | (item < -n)
            if bad.any():
                if n == 0:
                    return IndexError("index is out of bounds for dimension with size 0")
                return IndexError(f"index {item[bad].flat[0]} is out of bounds for dimension {n_indexed} with size {n}")
            axis, n_indexed = axis + 1, n_indexed + 1
        elif item is not None and not isinstance(item, builtins.bool):  # (an int or a slice: one dimension)
            axis += 1
    return None


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
    idx, advanced = _normalize_index(index, self._data.ndim)
    if advanced and self._requires_grad:  # (PyTorch saves index tensors for backward: not inference ones)
        from ember.autograd.grad_mode import check_inference_index
        for i in index if isinstance(index, tuple) else (index,):
            if isinstance(i, Tensor):
                check_inference_index(i, self)
    try:
        if advanced:
            split = _select_first(idx)
            if split is None:
                return S.Index.apply(self, index=idx, advanced=True, grad_name="IndexBackward0")
            selected = S.Index.apply(self, index=split[0], is_view=True, grad_name=_basic_name(split[0]))
            return S.Index.apply(selected, index=split[1], advanced=True, grad_name="IndexBackward0")
        return S.Index.apply(self, index=idx, is_view=True, grad_name=_basic_name(idx))
    except IndexError as exc:
        if "boolean index did not match" in str(exc):
            err = _mask_error(idx, self._data.shape)
            if err is not None:
                raise err from None
        raise _index_error(exc, self._data.shape, idx) from None


def _setitem_tensor(self, idx, value):
    """The tensor ``value`` as PyTorch writes it through ``idx``. With tensor indices its dtype must be the
    tensor's, except that a single mask and a single value make a fill (of ``value.item()``); a complex value
    into a real tensor otherwise loses its imaginary part, with PyTorch's warning."""
    if value._data.ndim and value._data.size == 1:  # (PyTorch drops a value's leading 1s: one element is 0-d;
        value = value.reshape(())                   # NumPy refuses a sequence written into a single element)
    dt = self._data.dtype
    if value._data.dtype == dt:
        return value
    arrays = [i for i in idx if isinstance(i, xp.ndarray)]
    fill = len(arrays) == 1 and arrays[0].dtype == xp.bool_ and value._data.size == 1
    if arrays and not fill:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got {_TYPE_WORD[dt.name]} "
                           f"for the destination and {_TYPE_WORD[value._data.dtype.name]} for the source.")
    if value._data.dtype.kind != "c" or dt.kind == "c" or dt == xp.bool_:
        return value
    if fill:
        F._real_value(value.item(), dt)  # an imaginary part is PyTorch's overflow error
    else:
        from ember._tensor import _warn_complex_cast
        _warn_complex_cast()
    return value.real


_SETTABLE = (Tensor, _int, builtins.float, builtins.complex)  # (NumPy's float64 and complex128 among them)


def _setitem_scalar(self, value):
    """PyTorch assigns tensors and Python numbers, and NumPy integers as ints; nothing else (no arrays, lists,
    float32 or bool NumPy scalars)."""
    if isinstance(value, xp.integer):
        return _int(value)
    kind = type(value)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    raise TypeError(f"can't assign a {name} to a {self.type()}")


def _setitem(self, index, value):
    if not isinstance(value, _SETTABLE):
        value = _setitem_scalar(self, value)
    if index is False:  # as PyTorch: writes nothing, records nothing, checks nothing more
        return
    idx, advanced = _normalize_index(index, self._data.ndim, warn=False)
    if advanced:
        _check_byte_fill(index, idx, value)
        _byte_masks(index)
    split = _select_first(idx) if advanced else None
    if split is not None:  # PyTorch writes through the view of its integer selects (see _select_first)
        return _setitem(_getitem(self, split[0]), split[1], value)
    if isinstance(value, Tensor):
        value = _setitem_tensor(self, idx, value)
    elif isinstance(value, F._Number):  # stored as PyTorch stores a number: its overflow errors, uint8 takes -1
        if type(value) is _int and not -0x8000000000000000 <= value <= 0x7FFFFFFFFFFFFFFF:
            raise ValueError("Overflow when unpacking long long")
        value = F._stored_scalar(value, self._data.dtype)
    needs_graph = _grad_state.enabled and (self._requires_grad or (isinstance(value, Tensor) and value._requires_grad))
    view = _written_view(idx)
    if view is not None and needs_graph and self._requires_grad and self.grad_fn is None:
        raise RuntimeError(_VIEW_LEAF_MSG)  # (PyTorch writes through a view of the leaf: t[0] is t.select(0, 0))
    _check_inplace(self, needs_graph, view)
    try:
        # (two arrays owning their memory share none; else NumPy's bounds check first: both cheap)
        if isinstance(value, Tensor) and (self._data.base is not None or value._data.base is not None
                                          or self._data is value._data) and xp.may_share_memory(self._data,
                                                                                                 value._data):
            if not advanced:  # (PyTorch fills from a 0-d value and copies a broadcast one expanded: no check)
                region = self._data[idx]
                if value._data.ndim and value._data.size == region.size:
                    _check_partial_overlap(region, value._data)
            elif not _is_mask_fill(idx, value._data):  # (PyTorch's masked_fill_ checks no overlap)
                _check_partial_overlap(self._data, value._data)
        if not needs_graph:
            v = value._data if isinstance(value, Tensor) else value
            if not self._data.flags.writeable:
                return _setitem_readonly(self, idx, advanced, v)
            self._data[idx] = v
            self._vc[0] += 1
            return
        if not isinstance(value, Tensor):
            value = wrap(xp.asarray(value, dtype=self._data.dtype))
        elif value._data.dtype != self._data.dtype:
            value = F._cast(value, self._data.dtype)
        _inplace(self, lambda s, v: S.IndexPut.apply(s, v, index=idx, advanced=advanced), value)
    except IndexError as exc:
        if "boolean index did not match" in str(exc):
            err = _mask_error(idx, self._data.shape)
            if err is not None:
                raise err from None
        raise _index_error(exc, self._data.shape, idx) from None
    except ValueError as exc:
        _setitem_shape_error(self, idx, advanced, value)
        raise RuntimeError(str(exc)) from None
    except TypeError:
        if type(value) is not builtins.complex or self._data.dtype.kind == "c":
            raise
        _setitem(self, index, F._real_value(value, self._data.dtype))  # NumPy refuses a complex into a real array


def _setitem_readonly(self, idx, advanced, v):
    """``self[idx] = v`` into a read-only view: PyTorch checks only the region written of an expanded tensor
    (refused where that region itself repeats a memory location), and writes any advanced index with its
    deprecation warning (each location shared by several positions takes the last value written)."""
    alias = _overlap_alias(None, self._data, True)  # (read-only memory: its error)
    expanded = _is_expanded(self)
    if not expanded:  # (other overlapping layouts PyTorch writes as they come: the tensor stays writable)
        self._data = alias
    if advanced:
        if expanded:
            _args.warn(_EXPANDED_WARNING.format("index_put_", "indices", "tensor"))
            if _is_mask_fill(idx, v):
                _args.warn(_EXPANDED_WARNING.format("masked_fill_", "mask", "scalar"))
        alias[idx] = v
    elif expanded:
        region = alias[idx]
        if isinstance(region, xp.ndarray) and builtins.any(st == 0 and n > 1
                                                           for n, st in zip(region.shape, region.strides)):
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.")
        alias[idx] = v
    else:
        alias[idx] = v
    self._vc[0] += 1


def _is_mask_fill(idx, v):
    """Whether ``self[idx] = v`` (an advanced index) is PyTorch's ``masked_fill_``: one boolean mask, one value."""
    arrays = [i for i in idx if isinstance(i, (xp.ndarray, builtins.bool))]
    return (len(arrays) == 1 and isinstance(arrays[0], xp.ndarray) and arrays[0].dtype == xp.bool_
            and xp.size(v) == 1)


_OVERLAP_MSG = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
                "memory location. Please clone() the tensor before performing the operation.")


def _dense(a):
    """Whether ``a``'s elements fill one block of memory with no gap nor repeat (in some order of its dimensions)."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return True
    extent = a.itemsize
    for n, st in sorted(((n, st) for n, st in zip(a.shape, a.strides) if n > 1), key=lambda p: p[1]):
        if st != extent:
            return False
        extent *= n
    return True


def _check_partial_overlap(dst, src):
    """PyTorch's refusal to write ``src`` into ``dst`` where both are dense (see :func:`_dense`) and their memory
    ranges meet without being the same elements in the same layout; other layouts it writes as they come."""
    if not dst.size or not src.size or not _dense(dst) or not _dense(src):
        return
    d0, s0 = dst.__array_interface__["data"][0], src.__array_interface__["data"][0]
    d1, s1 = d0 + dst.nbytes, s0 + src.nbytes
    if d0 == s0 and d1 == s1 and dst.strides == src.strides:
        return
    if d0 < s1 and s0 < d1:
        raise RuntimeError(_OVERLAP_MSG)


def _byte_masks(index):
    """PyTorch's deprecation warning for each uint8 mask in ``index`` (as :func:`_normalize_index` gives them)."""
    for i in (index if isinstance(index, tuple) else (index,)):
        a = i._data if isinstance(i, Tensor) else i if isinstance(i, xp.ndarray) else None
        if a is not None and a.dtype == xp.uint8 and a.ndim:
            _args.warn(_byte_index_warning)


def _check_byte_fill(index, idx, value):
    """PyTorch fills through a single mask with one value by ``masked_fill_``, which refuses a uint8 mask."""
    arrays = [i for i in idx if isinstance(i, (xp.ndarray, builtins.bool))]  # (True/False index a new dimension)
    if len(arrays) != 1 or not isinstance(arrays[0], xp.ndarray) or arrays[0].dtype != xp.bool_:
        return
    if not (isinstance(value, F._Number) or (isinstance(value, Tensor) and value._data.size == 1)):
        return
    if builtins.any(isinstance(i, Tensor) and i._data.dtype == xp.uint8
                    for i in (index if isinstance(index, tuple) else (index,))):
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")


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
    setattr(Tensor, _name, _bound(_name))


# ---------------------------------------------------- elementwise math / special functions (ember/_functions_math.py)
from ember._ops import elementwise as _E  # noqa: E402

for _name in """erfc erfinv lgamma digamma i0 sinc asinh arcsinh acosh arccosh atanh arctanh heaviside gcd lcm ldexp
frexp nextafter positive mvlgamma""".split():
    setattr(Tensor, _name, _bound(_name))
Tensor.polygamma = lambda self, n: F.polygamma(n, self)

# the in-place forms: (name of the method, function computing the out-of-place result)
for _name in """erfc erfinv lgamma digamma i0 sinc asinh arcsinh acosh arccosh atanh arctanh heaviside gcd lcm ldexp
nextafter mvlgamma acos arccos asin arcsin atan arctan arctan2 cosh sinh exp2 fix sgn absolute bitwise_and bitwise_or
bitwise_xor bitwise_not logical_xor""".split():
    setattr(Tensor, _name + "_", _make_inplace(_name + "_", _method(getattr(F, _name))))
Tensor.polygamma_ = _make_inplace("polygamma_", lambda s, n: F.polygamma(n, s))


def _real_abs_(method):
    def abs_(self):
        if self._data.dtype.kind == "c":  # |z| is real: it cannot be written into a complex tensor (PyTorch)
            raise RuntimeError("In-place abs is not supported for complex tensors.")
        return method(self)
    abs_.__name__ = method.__name__
    return abs_


Tensor.abs_ = _real_abs_(Tensor.abs_)
Tensor.absolute_ = _real_abs_(Tensor.absolute_)
Tensor.swapaxes_ = _reshape_inplace(F.swapaxes)
Tensor.swapdims_ = _reshape_inplace(F.swapdims)


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
    setattr(Tensor, _name + "_", _compare_inplace(_name + "_", _method(getattr(F, _name)), _node))

_C10_NAMES = _dtype.C10_NAMES


def _cumulative_inplace(name, fn):
    def method(self, dim=_args.REQUIRED, *, dtype=None, axis=_args.UNSET):
        if dim is _args.REQUIRED or axis is not _args.UNSET:  # (NumPy's ``axis``, as PyTorch's in-place forms take it)
            dim = _args.dim_or_axis(name, dim, axis)
        if dtype is not None and _dtype.to_np(dtype) != self._data.dtype:
            raise RuntimeError(f"Bad in-place call: input tensor dtype {_C10_NAMES.get(self._data.dtype.name)} and "
                               f"output tensor dtype {_C10_NAMES.get(_dtype.to_np(dtype).name)} should match")
        if self._data.dtype == xp.bool_:  # (no bool kernel in PyTorch's in-place forms)
            raise NotImplementedError(f"\"{name[:-1]}_out_cpu\" not implemented for 'Bool'")
        # in the tensor's own dtype: an integer cumsum/cumprod would otherwise widen to int64 (as out-of-place)
        return _inplace(self, lambda s: fn(s, dim, dtype=self.dtype))
    method.__name__ = method.__qualname__ = name
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
        try:
            return fn(self, *args, **kwargs)
        except Exception as exc:  # PyTorch's TypeError naming this method, for a non-tensor it takes as one
            raise _args.method_failed(name, (self,) + args, kwargs, exc) from None
    method.__name__ = method.__qualname__ = name
    return method


_EXTRA = "ember._functions_extra"
for _name in """addbmm addmv addr adjoint angle bitwise_left_shift bitwise_right_shift conj conj_physical resolve_conj
resolve_neg is_conj is_neg is_signed is_same_size get_device igamma igammac narrow_copy vdot
nonzero_static is_nonzero""".split():
    setattr(Tensor, _name, _lazy(_EXTRA, _name))
Tensor.stft = _lazy("ember._stft", "stft")
Tensor.to_sparse = _lazy("ember._sparse", "dense_to_sparse")
Tensor.to_sparse_coo = _lazy("ember._sparse", "to_sparse_coo")


def _compressed_layout(name, ptr_args=""):
    """``Tensor.<name>`` (``to_sparse_csr`` ...): ember has sparse COO tensors only, so it raises the
    NotImplementedError the README documents for the compressed layouts."""
    def method(self, *args, **kwargs):
        from ember._sparse import _missing
        raise _missing(f"conversion to layout ember.sparse_{name[-3:]}")  # (as to_sparse(layout=...) says)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"``{name}({ptr_args}dense_dim=None)``: not implemented (ember's sparse tensors are COO "
                      "only); raises NotImplementedError.")
    return method


def _compressed_indices(name, kind):
    """``Tensor.<name>`` (``crow_indices`` ...): no tensor of ember has a compressed layout, so PyTorch's error
    for any other layout."""
    def method(self):
        found = "Sparse" if self.is_sparse else "Strided"
        raise RuntimeError(f"{name} expected sparse {kind} compressed tensor layout but got {found}")
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"The compressed indices of a {kind}-compressed sparse tensor: ember has none, so it raises."
    return method


for _name, _extra in (("to_sparse_csr", ""), ("to_sparse_csc", ""), ("to_sparse_bsr", "blocksize, "),
                      ("to_sparse_bsc", "blocksize, ")):
    if not hasattr(Tensor, _name):  # (a sparse subclass keeps its own)
        setattr(Tensor, _name, _compressed_layout(_name, _extra))
for _name, _kind in (("crow_indices", "row"), ("col_indices", "row"), ("ccol_indices", "column"),
                     ("row_indices", "column")):
    setattr(Tensor, _name, _compressed_indices(_name, _kind))
for _name in ("geqrf", "ormqr", "eig", "solve", "symeig"):  # (eig/solve/symeig raise: removed in PyTorch 1.9)
    setattr(Tensor, _name, _lazy("ember._functions_linalg", _name))
Tensor.istft = _lazy("ember._stft", "istft")
for _name in "addbmm addmv addr igamma igammac".split():
    setattr(Tensor, _name + "_", _make_inplace(_name + "_", getattr(Tensor, _name)))


def _cast_checked_inplace(name, fn):
    """In-place op whose result dtype is checked against this tensor's before computing (PyTorch's order)."""
    def method(self, other):
        rt = F._scalar_result_type(self, other) if isinstance(other, F._Number) else _dtype.result_type(
            self, other).np
        if rt != self._data.dtype and not _can_cast(rt, self._data.dtype):
            raise RuntimeError(f"result type {_TYPE_WORD[rt.name]} can't be cast to the desired output type "
                               f"{_TYPE_WORD[self._data.dtype.name]}")
        return _inplace(self, fn, other)
    method.__name__ = name
    return method


for _name in ("bitwise_left_shift", "bitwise_right_shift", "bitwise_and", "bitwise_or", "bitwise_xor"):
    setattr(Tensor, _name + "_", _cast_checked_inplace(_name + "_", getattr(Tensor, _name)))
_addmv_ = Tensor.addmv_
_addr_ = Tensor.addr_


def _shape_str(shape):
    return f"[{', '.join(map(str, shape))}]"


def _raise_method_error(name, args):
    err = _args.method_error(name, args, {})
    if err is not None:
        raise err


def _checked_addmv_(self, mat, vec, *args, beta=1, alpha=1):
    """In-place ``addmv``: this tensor must already have the result's shape ``(n,)``."""
    if args:  # PyTorch's deprecated addmv_(beta, [alpha,] mat, vec)
        return _scaled_call(_checked_addmv_, "addmv_", self, (mat, vec) + args, beta != 1 or alpha != 1)
    if not (isinstance(mat, Tensor) and isinstance(vec, Tensor)):
        _raise_method_error("addmv_", (self, mat, vec))
    if isinstance(mat, Tensor) and mat.ndim == 2 and self.shape != mat.shape[:1]:
        raise RuntimeError(f"Bad in-place call: input tensor size {_shape_str(self.shape)} and output tensor size "
                           f"{_shape_str(mat.shape[:1])} should match")
    return _addmv_(self, mat, vec, beta=beta, alpha=alpha)


def _checked_addr_(self, vec1, vec2, *args, beta=1, alpha=1):
    """In-place ``addr``: this tensor must already have the result's shape ``(n, m)``."""
    if args:  # PyTorch's deprecated addr_(beta, [alpha,] vec1, vec2)
        return _scaled_call(_checked_addr_, "addr_", self, (vec1, vec2) + args, beta != 1 or alpha != 1)
    if not (isinstance(vec1, Tensor) and isinstance(vec2, Tensor)):
        _raise_method_error("addr_", (self, vec1, vec2))
    if isinstance(vec1, Tensor) and isinstance(vec2, Tensor) and self.shape != vec1.shape[:1] + vec2.shape[:1]:
        raise RuntimeError(f"size mismatch, input: {_shape_str(self.shape)}, v1: {_shape_str(vec1.shape)}, v2: "
                           f"{_shape_str(vec2.shape)}")
    return _addr_(self, vec1, vec2, beta=beta, alpha=alpha)


Tensor.addmv_ = _checked_addmv_
Tensor.addr_ = _checked_addr_
for _name in ("addmv", "addr", "addbmm", "addbmm_"):  # (PyTorch's deprecated scalar-first overloads)
    setattr(Tensor, _name, _scaled_method(_name, getattr(Tensor, _name)))
for _name in ("untyped_storage", "storage", "storage_type"):
    setattr(Tensor, _name, _lazy("ember.storage", _name))
Tensor.hardshrink = _lazy("ember._functions_nn", "hardshrink")
Tensor.prelu = _lazy("ember._functions_nn", "prelu")
Tensor.const_data_ptr = Tensor.data_ptr
Tensor.__lshift__ = _binop(Tensor.bitwise_left_shift)
Tensor.__rlshift__ = _binop(_rev(Tensor.bitwise_left_shift))
Tensor.__rshift__ = _binop(Tensor.bitwise_right_shift)
Tensor.__rrshift__ = _binop(_rev(Tensor.bitwise_right_shift))
Tensor.__ilshift__ = _iop("bitwise_left_shift_")
Tensor.__irshift__ = _iop("bitwise_right_shift_")
Tensor.__iand__ = _iop("bitwise_and_")  # (in place, as PyTorch: not Python's fallback to ``x = x & y``)
Tensor.__ior__ = _iop("bitwise_or_")
Tensor.__ixor__ = _iop("bitwise_xor_")


def _conj_physical_(self):
    """In-place ``conj_physical``: a real tensor is its own conjugate (its values stay, the op is recorded)."""
    if self._data.dtype.kind == "c":
        from ember._ops.complex import Conj
        return _inplace(self, lambda s: Conj.apply(s, grad_name="ConjPhysicalBackward1"))
    return _inplace(self, lambda s: _E.Clone.apply(s, grad_name="ConjPhysicalBackward1"))


Tensor.conj_physical_ = _conj_physical_


def _real(self):
    if self._data.dtype.kind != "c":
        return self
    from ember._functions_extra import real
    return real(self)


def _imag(self):
    from ember._functions_extra import imag
    return imag(self)


Tensor.real = property(_real, lambda self, value: _real(self).copy_(value),
                       doc="The real part: a view sharing memory for a complex tensor (assignable), else the tensor.")
Tensor.imag = property(_imag, lambda self, value: _imag(self).copy_(value),
                       doc="The imaginary part of a complex tensor, a view sharing its memory (assignable).")


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
    from ember._tensor import memory_format

    formats = ambiguity_check if isinstance(ambiguity_check, list) else []
    if not isinstance(ambiguity_check, (builtins.bool, list)) or not builtins.all(
            isinstance(f, memory_format) for f in formats):
        raise TypeError("The ambiguity_check argument must be a bool or a list of memory formats.")
    if ambiguity_check is not False:
        ambiguous = 1 in sizes or builtins.any(a == b for a, b in zip(strides, strides[1:]))
        legal = builtins.sum(self.is_contiguous(memory_format=f) for f in formats)
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


def _dlpack_device(self):
    """``(DLDeviceType.kDLCPU, 0)``: where this tensor's memory lies, in DLPack's terms."""
    from ember.utils.dlpack import DLDeviceType
    return (DLDeviceType.kDLCPU, 0)


Tensor.__dlpack_device__ = _dlpack_device


# --------------------------------------------- storage re-pointing, deprecated resize, subclass aliases, map_
_SET_SIGNATURES = ("\n * ()\n * (ember.Storage source)\n * (ember.Storage source, int storage_offset, tuple of ints "
                   "size, tuple of ints stride = None)\n * (Tensor source)\n * (Tensor source, int storage_offset, "
                   "tuple of ints size, tuple of ints stride = None)\n")


def _arg_type(value):
    if isinstance(value, Tensor):
        return "Tensor"
    kind = type(value)
    return f"{kind.__module__}.{kind.__name__}" if kind.__module__ == "ember.storage" else _args.type_name(value)


class _SetNotImplemented(_E.Constant):
    """The node PyTorch gives a tensor that ``set_`` re-points inside a graph: asking for its gradient fails."""

    grad_name = "NotImplemented"

    def backward(self, g):
        raise RuntimeError("derivative for set_ is not implemented")


def _set_geometry(flat, storage_offset, size, stride):
    """``flat[storage_offset:]`` seen with ``size``/``stride`` (row-major when ``stride`` is None), PyTorch's checks
    first. A window past the end of ``flat`` gets a new buffer (the old elements, then zeros): NumPy cannot grow
    memory in place as PyTorch grows the storage, so that buffer is no longer shared."""
    from ember._ops import elementwise as E
    from ember._ops.indexing import strided_overlap, strided_view

    size = tuple(_int(s) for s in size)
    stride = E.format_strides(size, "contiguous") if stride is None else tuple(_int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"unequal size length ({len(size)}) and stride length ({len(stride)})")
    if storage_offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {storage_offset}")
    if builtins.any(n < 0 for n in size):
        raise RuntimeError("numel: integer multiplication overflow")
    if builtins.any(s < 0 for s in stride):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)}")
    need = 0 if 0 in size else storage_offset + builtins.sum((n - 1) * s for n, s in zip(size, stride)) + 1
    if need > flat.size:
        grown = xp.zeros(need, dtype=flat.dtype)
        grown[:flat.size] = flat
        flat = grown
    return strided_view(flat, builtins.min(storage_offset, flat.size), size, stride,
                        not strided_overlap(size, stride, storage_offset))


def _set_(self, *args, **kwargs):
    """Point this tensor at other memory, in place; returns self.

    ``set_()``: an empty storage. ``set_(source)``: ``source``'s memory and geometry (a tensor, which must have
    this dtype), or the whole of a storage (``UntypedStorage`` bytes, or a ``TypedStorage`` of this dtype).
    ``set_(source, storage_offset, size, stride=None)``: that window of ``source``'s storage (row-major without
    ``stride``). The tensor shares the memory afterwards; its version counter stays its own and is bumped.
    In a graph the result has PyTorch's ``NotImplemented`` node: its gradient cannot be taken.

    Example::

        >>> s = ember.arange(6.).untyped_storage()
        >>> ember.empty(0).set_(s, 1, (2, 2), (2, 1))
        tensor([[1., 2.],
                [3., 4.]])
    """
    from ember.storage import TypedStorage, UntypedStorage
    from ember._ops.indexing import storage_of

    names = ("source", "storage_offset", "size", "stride")
    bound = dict(zip(names, args))
    bad = len(args) > 4 or builtins.any(k not in names or k in bound for k in kwargs)
    bound.update(kwargs)
    source = bound.get("source")
    geometry = [bound.get(k) for k in names[1:]]
    storage = isinstance(source, (TypedStorage, UntypedStorage))
    if not bad:  # the overloads PyTorch's argument parser accepts
        if source is None:
            bad = len(bound) > 0
        elif not (storage or isinstance(source, Tensor)):
            bad = True
        elif geometry[0] is not None or geometry[1] is not None:
            offset, size, stride = geometry
            bad = (isinstance(offset, builtins.bool) or not isinstance(offset, numbers.Integral)
                   or not isinstance(size, (tuple, list)) or not (stride is None or isinstance(stride, (tuple, list))))
        else:
            bad = geometry[2] is not None
    if bad:
        got = ", ".join([_arg_type(a) for a in args] + [f"{k}={_arg_type(v)}" for k, v in kwargs.items()])
        raise TypeError(f"set_() received an invalid combination of arguments - got ({got}), but expected one of:"
                        + _SET_SIGNATURES)
    if _ops._hooks:  # (a meta tensor exists: a meta source is PyTorch's error)
        from ember._meta import _check_set_device
        _check_set_device(self, source)
    dt = self._data.dtype
    if isinstance(source, Tensor) and source._data.dtype != dt:
        raise RuntimeError(f"Could not set tensor of type {_dtype.C10_NAMES[source._data.dtype.name]} to a tensor "
                           f"of type {_dtype.C10_NAMES[dt.name]}")
    if isinstance(source, TypedStorage) and source.dtype.np != dt:
        raise RuntimeError(f"Expected a Storage of type {_dtype.C10_NAMES[dt.name]} or an UntypedStorage, but got "
                           f"type {_dtype.TYPE_WORDS[source.dtype.name]} for argument 1 'storage'")
    _check_inplace(self)
    if source is None:
        data = _set_geometry(xp.zeros(0, dtype=dt), 0, (0,), None)  # (PyTorch's stride (1,))
    elif storage:
        raw = source.untyped()._bytes
        flat = raw[: raw.size - raw.size % dt.itemsize].view(dt)
        data = flat if geometry[1] is None else _set_geometry(flat, _int(geometry[0]), geometry[1], geometry[2])
    elif geometry[1] is None:
        data = source._data
    else:  # (the offset counts from the source's own storage offset)
        flat, start = storage_of(source._data)
        data = _set_geometry(flat, start + _int(geometry[0]), geometry[1], geometry[2])
    graph = _grad_state.enabled and (self._requires_grad or (isinstance(source, Tensor) and source._requires_grad))
    if graph:
        old = wrap(self._data, requires_grad=self._requires_grad, grad_fn=self.grad_fn, output_nr=self._output_nr)
        inputs = (old, source) if isinstance(source, Tensor) else (old,)
        node = _SetNotImplemented.apply(*inputs, result=data).grad_fn
        if node is not None:
            self.grad_fn, self._requires_grad, self._output_nr = node, True, 0
    self._data = data
    self._parent = self._view = None  # the new memory is not a view of what this tensor viewed before
    self._vc[0] += 1
    return self


def _is_set_to(self, tensor):
    """Whether ``tensor`` views the same memory as this tensor, from the same element, with the same shape and
    strides (``set_`` made one the other)."""
    from ember._backend import memory_owner

    if not isinstance(tensor, Tensor):
        raise _args.tensor_error("is_set_to", "tensor", tensor, 1)
    a, b = self._data, tensor._data
    return (memory_owner(a) is memory_owner(b) and a.shape == b.shape and a.itemsize == b.itemsize
            and a.strides == b.strides and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


Tensor.set_ = _set_
Tensor.is_set_to = _is_set_to


def _resized(self, sizes):
    """PyTorch's deprecated autograd ``Resize``: the tensor reshaped to ``sizes`` (same number of elements)."""
    numel = None
    for s in sizes:
        numel = s if numel is None else numel * s  # (a tuple passed whole stays a tuple: it then mismatches)
    numel = 1 if numel is None else numel
    if self._data.size != numel:
        raise RuntimeError(
            f"requested resize to {'x'.join(map(str, sizes))} ({numel} elements in total), but the given tensor has "
            f"a size of {'x'.join(map(str, self._data.shape))} ({self._data.size} elements). autograd's resize can "
            "only change the shape of a given tensor, while preserving the number of elements. ")
    out = self.contiguous().view(*sizes)
    if out.grad_fn is not None:
        out.grad_fn.grad_name = "ResizeBackward"
    return out


def _resize(self, *sizes):
    """Deprecated (warns): this tensor reshaped to ``sizes``, which must keep its number of elements (a view when
    it is contiguous). Use :meth:`reshape`, or :meth:`resize_` to change the size in place."""
    _args.warn("non-inplace resize is deprecated", UserWarning)
    return _resized(self, sizes)


def _resize_as(self, tensor):
    """Deprecated (warns): ``resize(*tensor.size())``."""
    _args.warn("non-inplace resize_as is deprecated", UserWarning)
    return _resized(self, tensor.size())


Tensor.resize = _resize
Tensor.resize_as = _resize_as
_as_strided_view_ = _reshape_inplace(F.as_strided)


def _as_strided_(self, size, stride, storage_offset=None):
    """In-place :func:`ember.as_strided`: this tensor becomes the window ``(size, stride, storage_offset)`` of its
    storage; returns self. In a graph its history gains ``AsStridedBackward1``."""
    return _as_strided_view_(self, size, stride, storage_offset)


Tensor.as_strided_ = _as_strided_
Tensor.as_strided_scatter = _lazy(_EXTRA, "as_strided_scatter")
Tensor.is_distributed = _lazy(_EXTRA, "is_distributed")


def _as_subclass(self, cls):
    """An alias of this tensor (same memory and version counter, ``AliasBackward0`` in a graph) as an instance of
    ``cls``, a subclass of Tensor; ``cls.__init__`` is not called."""
    if not isinstance(cls, type):
        raise TypeError(f"cls must be a type (got {type(cls).__name__})")
    if not issubclass(cls, Tensor):
        raise TypeError("Creating a Tensor subclass from a class that does not inherit from Tensor is not possible. "
                        "Make sure your class inherits from Tensor.")
    from ember._tensor import _cast_class
    return _cast_class(_getitem(self, Ellipsis), cls)


def _module_load(self, other, assign=False):
    """How ``Module.load_state_dict`` turns the state-dict value ``other`` into this parameter's new value (with
    parameter swapping): ``self.copy_(other).detach()``, or ``other.detach()`` when ``assign``."""
    return other.detach() if assign else self.copy_(other).detach()


Tensor.as_subclass = _as_subclass
Tensor.module_load = _module_load


def _to_element(dt):
    """The function that turns a value returned by a ``map_`` callable into an element of dtype ``dt``, with the
    errors of PyTorch's scalar unpacking."""
    import math
    import operator

    def number(v):
        if isinstance(v, Tensor):
            if v._data.size != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
            return v._data.reshape(()).item()
        return v

    kind = dt.kind
    if kind == "b":  # (a returned tensor must be an integer one, as for the integer types)
        return lambda v: builtins.bool(operator.index(v) if isinstance(v, Tensor) else v) if isinstance(
            v, (numbers.Number, Tensor)) else operator.index(v)
    if kind in "iu":
        info = xp.iinfo(dt)
        low = -info.max if kind == "u" else info.min  # (an unsigned type takes negatives, wrapping them)

        def integer(v):
            v = operator.index(v) if isinstance(v, Tensor) else v
            if isinstance(v, builtins.float) and not (low <= v <= info.max):
                raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
            v = operator.index(_int(v) if isinstance(v, builtins.float) else v)
            if not -2 ** 63 <= v < 2 ** 63:
                raise ValueError("Overflow when unpacking long long")
            if not low <= v <= info.max:
                raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
            return v & info.max if kind == "u" else v
        return integer
    if kind == "c":
        return lambda v: v if isinstance(number(v), builtins.complex) else math.ldexp(number(v), 0)
    return lambda v: math.ldexp(number(v), 0)  # (PyFloat_AsDouble's "must be real number, not str")


def _map_each(self, name, others, fn):
    """``self[i] = fn(self[i], *(o[i] for o in others))`` for every element, ``others`` broadcast to this shape."""
    for pos, (arg, o) in enumerate(others, 1):
        if not isinstance(o, Tensor):
            raise _args.tensor_error(name, arg, o, pos)
    if self._requires_grad or builtins.any(o._requires_grad for _, o in others):
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() instead.")
    for arg, o in others:
        if o._data.dtype != self._data.dtype:
            where = f"argument '{arg}'" if len(others) > 1 else f"'{arg}'"
            raise TypeError(f"{name}: expected {self.type()} for {where} (got {o.type()})")
    a = self._data
    columns = [a.reshape(-1).tolist()] + [F.expand(o, *a.shape)._data.reshape(-1).tolist() for _, o in others]
    convert = _to_element(a.dtype)
    values = [convert(fn(*row)) for row in zip(*columns)]  # (a callable per element: a Python loop by nature)
    if not a.flags.writeable:
        _write(self, a)  # raises PyTorch's error for a tensor whose elements share memory
    a[...] = xp.array(values, dtype=a.dtype).reshape(a.shape)
    return self  # (PyTorch leaves the version counter as it is)


def _map_(self, tensor, callable):  # noqa: A002 - PyTorch's name
    """Set each element to ``callable(self_element, tensor_element)`` (Python numbers), ``tensor`` broadcast to this
    tensor's shape and of its dtype; returns self. Not for tensors that require grad."""
    return _map_each(self, "map_", (("other", tensor),), callable)


def _map2_(self, x, y, callable):  # noqa: A002 - PyTorch's name
    """Set each element to ``callable(self_element, x_element, y_element)``, as :meth:`map_` with two tensors."""
    return _map_each(self, "map2_", (("x", x), ("y", y)), callable)


Tensor.map_ = _map_
Tensor.map2_ = _map2_
Tensor.name = property(lambda self: None, doc="None: ember has no named tensors (PyTorch's is None too).")


def _get_grad_dtype(self):
    if self.grad_fn is not None:
        raise RuntimeError("grad_dtype can only be accessed on leaf tensors.")
    return self.__dict__.get("_grad_dtype", self.dtype)


def _set_grad_dtype(self, value):
    if self.grad_fn is not None:
        raise RuntimeError("grad_dtype can only be set on leaf tensors.")
    if value is not None and not isinstance(value, _dtype.dtype):
        raise RuntimeError(f"grad_dtype must be a ember.dtype or None, but got {type(value).__name__}")
    grad = self._grad
    if grad is not None and value is not None and grad.dtype != value:
        raise RuntimeError(
            f"Cannot set grad_dtype to '{_dtype.TYPE_WORDS[value.name]}' because there is already a gradient with "
            f"dtype '{_dtype.SCALAR_NAMES[grad.dtype.name]}'. Please clear the gradient (.grad = None) before "
            "changing grad_dtype, or ensure the new grad_dtype matches the existing gradient's dtype.")
    self._grad_dtype = value
    # what the engine casts accumulated gradients to (None: they keep the tensor's dtype, as by default)
    self._grad_cast = None if value is None or value == self.dtype else value.np


Tensor.grad_dtype = property(_get_grad_dtype, _set_grad_dtype, doc=(
    "The dtype a leaf's ``.grad`` has (its own dtype unless set): the engine casts accumulated gradients to it, and "
    "an assigned ``.grad`` must have it. ``None`` lets an assigned ``.grad`` have any dtype."))
