"""``torch._foreach_*``: list-at-a-time versions of element-wise ops, as used by fused optimizers and EMA code.

Each is a plain loop over the list calling the single-tensor op, so autograd, dtypes and broadcasting are exactly
those of that op. Out-of-place forms return a tuple of new tensors; in-place forms (trailing ``_``) update the
tensors of ``self`` and return ``self`` itself, as PyTorch does.

Example::

    >>> ema = [ember.zeros(3)]
    >>> ember._foreach_lerp_(ema, [ember.ones(3)], 0.1)
    [tensor([0.1000, 0.1000, 0.1000])]
"""

import ember
from ember import _functions_args as _args
from ember._backend import xp
from ember._ops import elementwise as _E
from ember._tensor import Tensor, wrap
from ember.autograd.grad_mode import state as _grad_state

__all__ = []  # filled below; every name starts with "_foreach_"


def _tensors(self, name="self"):
    if not isinstance(self, (list, tuple)) or not all(isinstance(t, Tensor) for t in self):
        raise TypeError(f"_foreach op expected '{name}' to be a list or tuple of Tensors, "
                        f"got {type(self).__name__}")
    if not self:
        raise RuntimeError("Tensor list must have at least one tensor.")
    return self


def _operands(self, other):
    """``other`` as one operand per tensor of ``self``: a scalar, a 0-dim tensor, a scalar list or a tensor list."""
    n = len(self)
    if isinstance(other, Tensor):
        if other.dim() != 0:
            raise RuntimeError(f"scalar tensor expected to be 0 dim but it has {other.dim()} dimensions and "
                               f"{other.numel()} elements.")
        return [other] * n
    if isinstance(other, (list, tuple)):
        if other and all(isinstance(o, Tensor) for o in other):
            if len(other) != n:
                raise RuntimeError(f"Tensor lists must have the same number of tensors, got {n} and {len(other)}")
        elif len(other) != n:
            raise RuntimeError("Tensor list must have same number of elements as scalar list.")
        return list(other)
    return [other] * n


def _values(self, value):
    """The ``value``/``scalars`` of addcmul/addcdiv: a scalar, a scalar list or a 1-D tensor of them."""
    if isinstance(value, Tensor):
        if value.dim() != 1 or value.numel() != len(self):
            raise RuntimeError(f"Expected length of scalars to match input of length {len(self)} "
                               f"but got {value.numel()} instead.")
        value = value.tolist()
    return _operands(self, value)


def _register(fn, name):
    fn.__name__ = fn.__qualname__ = name
    globals()[name] = fn
    __all__.append(name)


# --- unary ops: _foreach_sqrt(self) -> tuple; _foreach_sqrt_(self) -> self ---------------------------------------
_UNARY = ("abs", "acos", "asin", "atan", "ceil", "cos", "cosh", "erf", "erfc", "exp", "expm1", "floor", "frac",
          "lgamma", "log", "log10", "log1p", "log2", "neg", "reciprocal", "round", "rsqrt", "sigmoid", "sign",
          "sin", "sinh", "sqrt", "tan", "tanh", "trunc")


def _make_unary(op):
    def out_of_place(self):
        fn = getattr(ember, op)
        return tuple(fn(t) for t in _tensors(self))

    def in_place(self):
        for t in _tensors(self):
            getattr(t, op + "_")()
        return self

    out_of_place.__doc__ = f"``ember.{op}`` of each tensor of the list ``self``: a tuple of new tensors."
    in_place.__doc__ = f"``Tensor.{op}_`` on each tensor of the list ``self``, in place; returns ``self``."
    _register(out_of_place, f"_foreach_{op}")
    _register(in_place, f"_foreach_{op}_")


for _op in _UNARY:
    _make_unary(_op)


# --- binary ops: other is a scalar, a 0-dim tensor, a scalar list or a tensor list -------------------------------
def _make_binary(op, with_alpha):
    if with_alpha:
        def out_of_place(self, other, *, alpha=1):
            fn = getattr(ember, op)
            return tuple(fn(t, o, alpha=alpha) for t, o in zip(_tensors(self), _operands(self, other)))

        def in_place(self, other, *, alpha=1):
            for t, o in zip(_tensors(self), _operands(self, other)):
                getattr(t, op + "_")(o, alpha=alpha)
            return self
    else:
        def out_of_place(self, other):
            fn = getattr(ember, op)
            return tuple(fn(t, o) for t, o in zip(_tensors(self), _operands(self, other)))

        def in_place(self, other):
            for t, o in zip(_tensors(self), _operands(self, other)):
                getattr(t, op + "_")(o)
            return self

    out_of_place.__doc__ = (f"``ember.{op}(self[i], other[i])`` for each tensor of ``self``; ``other`` is a scalar, "
                            "a 0-dim tensor, a list of scalars or a list of tensors. Returns a tuple.")
    in_place.__doc__ = f"In-place ``_foreach_{op}``: ``self[i].{op}_(other[i])``; returns ``self``."
    _register(out_of_place, f"_foreach_{op}")
    _register(in_place, f"_foreach_{op}_")


for _op, _alpha in (("add", True), ("sub", True), ("mul", False), ("div", False), ("clamp_min", False),
                    ("clamp_max", False)):
    _make_binary(_op, _alpha)


def _extremum(t, o, largest):
    # torch.maximum takes tensors only; a scalar bound is clamp_min/clamp_max (same NaN propagation)
    if isinstance(o, Tensor):
        return ember.maximum(t, o) if largest else ember.minimum(t, o)
    return ember.clamp_min(t, o) if largest else ember.clamp_max(t, o)


def _foreach_maximum(self, other):
    """Element-wise maximum of each tensor of ``self`` with ``other`` (scalar, scalar list or tensor list)."""
    return tuple(_extremum(t, o, True) for t, o in zip(_tensors(self), _operands(self, other)))


def _foreach_maximum_(self, other):
    """In-place ``_foreach_maximum``; returns ``self``."""
    for t, o in zip(_tensors(self), _operands(self, other)):
        t.copy_(_extremum(t, o, True))
    return self


def _foreach_minimum(self, other):
    """Element-wise minimum of each tensor of ``self`` with ``other`` (scalar, scalar list or tensor list)."""
    return tuple(_extremum(t, o, False) for t, o in zip(_tensors(self), _operands(self, other)))


def _foreach_minimum_(self, other):
    """In-place ``_foreach_minimum``; returns ``self``."""
    for t, o in zip(_tensors(self), _operands(self, other)):
        t.copy_(_extremum(t, o, False))
    return self


def _foreach_pow(self, exponent):
    """``self[i] ** exponent[i]``; ``self`` may also be a number raised to a list of tensors. Returns a tuple.

    Example::

        >>> ember._foreach_pow([ember.tensor([2.0])], 3)
        (tensor([8.]),)
    """
    if not isinstance(self, (list, tuple)):  # Scalar ** Tensor[]
        return tuple(ember.pow(self, e) for e in _tensors(exponent, "exponent"))
    return tuple(ember.pow(t, e) for t, e in zip(_tensors(self), _operands(self, exponent)))


def _foreach_pow_(self, exponent):
    """In-place ``_foreach_pow``; returns ``self``."""
    for t, e in zip(_tensors(self), _operands(self, exponent)):
        t.pow_(e)
    return self


def _foreach_lerp(self, tensors1, weight):
    """``self[i] + weight[i] * (tensors1[i] - self[i])``; ``weight`` is a scalar, scalar list or tensor list."""
    ends = _operands(_tensors(self), _tensors(tensors1, "tensors1"))
    return tuple(ember.lerp(t, e, w) for t, e, w in zip(self, ends, _operands(self, weight)))


def _foreach_lerp_(self, tensors1, weight):
    """In-place ``_foreach_lerp`` (the EMA update ``ema += w * (param - ema)``); returns ``self``."""
    ends = _operands(_tensors(self), _tensors(tensors1, "tensors1"))
    for t, e, w in zip(self, ends, _operands(self, weight)):
        t.lerp_(e, w)
    return self


def _make_addc(op):
    def out_of_place(self, tensor1, tensor2, value=1):
        _tensors(self)
        t1 = _operands(self, _tensors(tensor1, "tensor1"))
        t2 = _operands(self, _tensors(tensor2, "tensor2"))
        fn = getattr(ember, op)
        return tuple(fn(t, a, b, value=v) for t, a, b, v in zip(self, t1, t2, _values(self, value)))

    def in_place(self, tensor1, tensor2, value=1):
        _tensors(self)
        t1 = _operands(self, _tensors(tensor1, "tensor1"))
        t2 = _operands(self, _tensors(tensor2, "tensor2"))
        for t, a, b, v in zip(self, t1, t2, _values(self, value)):
            getattr(t, op + "_")(a, b, value=v)
        return self

    out_of_place.__doc__ = (f"``ember.{op}(self[i], tensor1[i], tensor2[i], value=value[i])``; ``value`` is a "
                            "scalar, a list of scalars or a 1-D tensor of them. Returns a tuple.")
    in_place.__doc__ = f"In-place ``_foreach_{op}``; returns ``self``."
    _register(out_of_place, f"_foreach_{op}")
    _register(in_place, f"_foreach_{op}_")


_make_addc("addcmul")
_make_addc("addcdiv")


def _foreach_norm(self, ord=2, dtype=None):  # noqa: A002 - PyTorch's argument name
    """The vector ``ord``-norm of each tensor (all elements), as a tuple of 0-dim tensors.

    Example::

        >>> ember._foreach_norm([ember.ones(4), ember.ones(9)])
        (tensor(2.), tensor(3.))
    """
    return tuple(ember.linalg.vector_norm(t, ord, dtype=dtype) for t in _tensors(self))


def _foreach_powsum(self, ord=2, dtype=None):  # noqa: A002 - PyTorch's argument name
    """``sum(|x| ** ord)`` over all the elements of each tensor (the norm before its root), as a tuple of 0-dim
    tensors of ``dtype`` (default: the tensor's real dtype). No derivative, as in PyTorch.

    Args:
        self: list of floating or complex tensors.
        ord: the power (a number; 0 counts every element, ``inf`` gives ``inf`` unless all ``|x| <= 1``).
        dtype: the result's floating dtype.

    Example::

        >>> ember._foreach_powsum([ember.tensor([3.0, -4.0]), ember.ones(5)])
        (tensor(25.), tensor(5.))
    """
    _args.need_tensors("_foreach_powsum", self, "self")
    _args.need_number("_foreach_powsum", "ord", 2, ord)
    if not self:
        raise RuntimeError("Tensor list must have at least one tensor.")
    res = []
    for t in self:
        # (with ``dtype``, the tensor cast to it first: a complex one to a real dtype loses its imaginary part)
        a = t._data if dtype is None else t.detach().to(dtype)._data
        if a.dtype.kind not in "fVc":  # (PyTorch's kernel sees any integer or bool tensor as int64)
            raise NotImplementedError("\"powsum_cpu\" not implemented for 'Long'")
        dt = xp.abs(xp.zeros(0, a.dtype)).dtype if a.dtype.kind == "c" else a.dtype
        # accumulate in float32 at least (half and bfloat16 too), then the result's dtype
        acc = xp.abs(a).astype(xp.promote_types(dt if dt.kind == "f" else xp.float32, xp.float32), copy=False)
        with xp.errstate(divide="ignore", over="ignore", invalid="ignore"):  # (0 ** -1 is inf, as PyTorch)
            value = xp.asarray((acc ** ord).sum()).astype(dt)
        if _grad_state.enabled and t.requires_grad:
            res.append(_E.Constant.apply(t, result=value, error="_foreach_powsum", grad_name="NotImplemented"))
        else:
            res.append(wrap(value))
    return tuple(res)


def _foreach_mm(self, mat2):
    """The matrix product ``self[i] @ mat2[i]`` of each pair of 2-D tensors, as a tuple (differentiable).

    Example::

        >>> ember._foreach_mm([ember.ones(2, 3)], [ember.ones(3, 1)])
        (tensor([[3.],
                [3.]]),)
    """
    _args.need_tensors("_foreach_mm", self, "self")
    _args.need_tensors("_foreach_mm", mat2, "mat2", 2, 1)
    if not self or not mat2:
        raise RuntimeError("_foreach_mm requires non-empty tensor lists")
    if len(self) != len(mat2):
        raise RuntimeError("_foreach_mm: self and mat2 must have the same number of tensors")
    out = []
    for a, b in zip(self, mat2):
        r = ember.mm(a, b)  # (mm's checks and messages are PyTorch's for each pair)
        if r.grad_fn is not None:
            r.grad_fn.grad_name = "ForeachMmBackward0"  # (PyTorch's node for the whole call)
        out.append(r)
    return tuple(out)


def _foreach_max(self):
    """The largest element of each tensor, as a tuple of 0-dim tensors."""
    return tuple(ember.max(t) for t in _tensors(self))


def _foreach_clone(self, *, memory_format=None):
    """A copy of each tensor, as a tuple."""
    return tuple(t.clone() if memory_format is None else t.clone(memory_format=memory_format)
                 for t in _tensors(self))


def _foreach_zero_(self):
    """Fill each tensor of ``self`` with zeros, in place; returns ``self``."""
    for t in _tensors(self):
        t.zero_()
    return self


def _foreach_copy_(self, src, non_blocking=False):
    """Copy ``src[i]`` into ``self[i]`` (broadcasting and casting as ``Tensor.copy_``); returns ``self``."""
    for t, s in zip(_tensors(self), _operands(self, _tensors(src, "src"))):
        t.copy_(s)
    return self


__all__ += ["_foreach_maximum", "_foreach_maximum_", "_foreach_minimum", "_foreach_minimum_", "_foreach_pow",
            "_foreach_pow_", "_foreach_lerp", "_foreach_lerp_", "_foreach_norm", "_foreach_powsum", "_foreach_mm",
            "_foreach_max", "_foreach_clone",
            "_foreach_zero_", "_foreach_copy_"]
