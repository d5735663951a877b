"""``Parameter``, ``Buffer`` and ``UninitializedParameter`` (mirror ``torch.nn.parameter``)."""

from ember import _dtype
from ember._backend import xp
from ember._tensor import Tensor, _is_meta_data, _new

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "is_lazy"]


def _init_from(t, data, requires_grad):
    # Share the array and version counter with ``data`` (as PyTorch shares storage), outside any graph.
    t._data = data._data
    t._vc = data._vc
    t._requires_grad = False
    t.grad_fn = None
    t._output_nr = 0
    t._parent = None
    t._view = None
    t._grad = None
    t._accum = None
    t._hooks = None
    t._retains_grad = False
    if requires_grad:
        if t._data.dtype.kind not in "fVc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        from ember._tensor import _check_inference_requires_grad
        _check_inference_requires_grad(data)
        t._requires_grad = True
    return _meta_class(t)


def _meta_class(t):
    """``t`` with the meta variant of its class when its data is meta (ember/_meta.py): its repr, ``item()``..."""
    a = t._data
    if a.base is not None and _is_meta_data(a):
        from ember._meta import fix_class
        fix_class(t)
    return t


class Parameter(Tensor):
    """A Tensor that is a module parameter: assigning it to a ``Module`` attribute registers it.

    Args:
        data: the initial value (shared, not copied). Default: an empty float tensor.
        requires_grad: whether the parameter is trained. Default: ``True``.

    Example::

        >>> p = ember.nn.Parameter(ember.zeros(3))
        >>> p.requires_grad
        True
    """

    _from_tensor = True  # tells ember._tensor._rebuild to call Parameter(tensor) when unpickling

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _empty(default_device=True)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        return _init_from(_new(cls), data, requires_grad)

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        from ember._backend import to_numpy
        # user attributes travel; ``.grad``, hooks and the autograd bookkeeping do not (as PyTorch's pickling)
        state = {k: v for k, v in self.__dict__.items() if k not in _AUTOGRAD_STATE}
        return (_rebuild_parameter, (type(self), to_numpy(self._data), self._requires_grad, state))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        from ember._ops.elementwise import copy_as
        from ember._tensor import wrap
        # keeps the layout (channels_last...); as PyTorch's, the copy is a fresh Parameter: unlike a plain
        # tensor's deep copy it leaves ``.grad`` (an EMA / teacher copy starts without gradients), the hooks and
        # any user attributes behind
        new = type(self)(wrap(copy_as(self._data)), self._requires_grad)
        memo[id(self)] = new
        return new


def _empty(default_device=False):
    if default_device:  # (Parameter(), Buffer(): on the default device, as PyTorch's)
        from ember._functions import empty
        return empty(0)
    from ember._tensor import wrap
    return wrap(xp.zeros((0,), dtype=_dtype.get_default_dtype().np))


_AUTOGRAD_STATE = frozenset(("_grad", "_accum", "_hooks", "_post_accumulate_grad_hooks", "_retains_grad",
                             "_retain_hook", "_output_nr"))


def _rebuild_parameter(cls, array, requires_grad, state):
    from ember._tensor import wrap
    p = cls(wrap(xp.asarray(array)), requires_grad)
    p.__dict__.update(state)
    return p


class _BufferMeta(type):
    # ``isinstance(t, Buffer)`` is True for tensors tagged as buffers (Buffer(...) returns a plain Tensor).
    def __instancecheck__(cls, inst):
        return isinstance(inst, Tensor) and getattr(inst, "_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    """Marks a tensor as a module buffer: assigning ``Buffer(t)`` to a ``Module`` attribute registers it.

    Args:
        data: the tensor (default: an empty float tensor).
        persistent: whether it goes into ``state_dict``. Default: ``True``.

    Example::

        >>> m = ember.nn.Module()
        >>> m.running = ember.nn.Buffer(ember.zeros(3))
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = _empty(default_device=True)
        from ember._tensor import wrap
        t = wrap(data._data, requires_grad=data._requires_grad and data.grad_fn is None, vc=data._vc)
        t._is_buffer = True
        t._buffer_persistent = persistent
        return _meta_class(t)


_SHAPE_MSG = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
              "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
              "`forward` to initialize the parameters before accessing their attributes.")
_USE_MSG = ("Attempted to use an uninitialized parameter in {} of 'ember._C.TensorBase' objects>. This "
            "error happens when you are using a `LazyModule` or explicitly manipulating "
            "`torch.nn.parameter.{}` objects. When using LazyModules Call `forward` with a dummy "
            "batch to initialize the parameters before calling torch functions")
# What an uninitialized tensor still answers (PyTorch's list): dtype/device casts and moves, size() and copy_
_UNINIT_OK = frozenset({"size", "copy_", "is_complex", "is_floating_point", "half", "float", "double", "bfloat16",
                        "char", "short", "int", "long", "byte", "bool", "cuda", "cpu", "to", "get_device",
                        "materialize", "share_memory_"})
# dunders that compute on the values; the rest (repr, pickling, attribute access...) keep working
_UNINIT_DUNDERS = {
    "__add__": "add", "__radd__": "add", "__iadd__": "add_", "__sub__": "sub", "__rsub__": "__rsub__",
    "__isub__": "sub_", "__mul__": "mul", "__rmul__": "mul", "__imul__": "mul_", "__truediv__": "div",
    "__rtruediv__": "__rdiv__", "__itruediv__": "div_", "__matmul__": "matmul", "__rmatmul__": "__rmatmul__",
    "__neg__": "neg", "__abs__": "abs", "__getitem__": "<slot wrapper '__getitem__'",
    "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
    **{n: n for n in ("__pow__", "__rpow__", "__ipow__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__",
                      "__pos__", "__invert__", "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__",
                      "__lshift__", "__rshift__", "__eq__", "__ne__", "__setitem__", "__len__",
                      "__iter__", "__bool__", "__float__", "__int__", "__index__", "__complex__", "__array__",
                      "__contains__")},
}


def _uninit_guard(shown):
    shown = shown if shown.startswith("<") else f"<method '{shown}'"

    def guarded(self, *args, **kwargs):
        raise ValueError(_USE_MSG.format(shown, type(self).__name__))
    return guarded


def _uninit_shape(self):
    raise RuntimeError(_SHAPE_MSG)


def _add_uninit_guards(cls):
    """Make ``cls`` refuse value computations (as PyTorch's uninitialized tensors); only these classes pay.

    Run at the first placeholder made, once ember has put all its methods on Tensor."""
    cls.shape = property(_uninit_shape)
    cls.__hash__ = Tensor.__hash__  # (defining __eq__ would otherwise drop it)
    seen = set(vars(cls))
    for klass in Tensor.__mro__[:-1]:
        for name, value in vars(klass).items():
            if name in seen or not callable(value) or isinstance(value, (type, staticmethod, classmethod)):
                continue
            seen.add(name)
            if name.startswith("_"):
                if name in _UNINIT_DUNDERS:
                    setattr(cls, name, _uninit_guard(_UNINIT_DUNDERS[name]))
            elif name not in _UNINIT_OK:
                setattr(cls, name, _uninit_guard("dim" if name == "ndimension" else name))
    cls._guarded = True


def _materialize(t, shape, dtype, cls):
    # the dtype is the placeholder's unless given (a module's ``half()`` before the first forward carries over)
    t._data = xp.empty(tuple(shape), dtype=dtype.np if dtype is not None else t._data.dtype)
    t.__class__ = cls


def _placeholder(cls, requires_grad, dtype):
    if "_guarded" not in cls.__dict__:
        _add_uninit_guards(cls)
    data = _empty() if dtype is None else _empty_of(dtype)
    t = _init_from(_new(cls), data, False)
    t._requires_grad = requires_grad
    return t


def _empty_of(dtype):
    from ember._tensor import wrap
    return wrap(xp.zeros((0,), dtype=dtype.np))


def _deepcopy_uninit(self, memo):
    # a fresh placeholder of the same dtype (Parameter's deep copy would pass the data as ``requires_grad``)
    if id(self) not in memo:
        memo[id(self)] = new = type(self)(self._requires_grad, dtype=_dtype.from_np(self._data.dtype))
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k not in new.__dict__})
    return memo[id(self)]


def _share_memory_uninit(self):
    raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize "
                       "the parameters before calling `module.share_memory()`.")


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (for lazy modules); ``materialize(shape)`` fills it in.

    Until then it only tells its dtype and device (and converts between them): reading ``shape`` raises
    RuntimeError and computing with it raises ValueError, as in PyTorch.
    """

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        return _placeholder(cls, requires_grad, dtype)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None):
        """Give the parameter its shape (uninitialised values) and turn it into a plain ``Parameter``."""
        _materialize(self, shape, dtype, Parameter)

    share_memory_ = _share_memory_uninit
    __deepcopy__ = _deepcopy_uninit

    def __repr__(self):
        return "<UninitializedParameter>"

    def __reduce_ex__(self, protocol):
        raise RuntimeError(
            "Can't pickle UninitializedParameter: it must be initialized first (run a forward pass)"
        )


class UninitializedBuffer(Tensor):
    """A buffer whose shape is not known yet (for lazy modules); ``materialize(shape)`` fills it in."""

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        return _placeholder(cls, requires_grad, dtype)

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None):
        """Give the buffer its shape (uninitialised values) and turn it into a plain ``Tensor``."""
        _materialize(self, shape, dtype, Tensor)

    share_memory_ = _share_memory_uninit
    __deepcopy__ = _uninit_guard("<function Tensor.__deepcopy__")  # (refused, as PyTorch)

    def __repr__(self):
        return "<UninitializedBuffer>"


def is_lazy(param):
    """Whether ``param`` is an uninitialized parameter or buffer (a lazy module's placeholder, shape unknown).

    Example::

        >>> ember.nn.parameter.is_lazy(ember.nn.LazyLinear(3).weight)
        True
    """
    return isinstance(param, (UninitializedParameter, UninitializedBuffer))
