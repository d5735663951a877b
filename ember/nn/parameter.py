"""``Parameter``, ``Buffer`` and ``UninitializedParameter`` (mirror ``torch.nn.parameter``)."""

from ember import _dtype
from ember._backend import xp
from ember._tensor import Tensor, _is_meta_data, _new

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"]


def _init_from(t, data, requires_grad):
    # Share the array and version counter with ``data`` (as PyTorch shares storage), outside any graph.
    t._data = data._data
    t._vc = data._vc
    t._requires_grad = False
    t.grad_fn = None
    t._output_nr = 0
    t._base = None
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
        return (_rebuild_parameter, (type(self), to_numpy(self._data), self._requires_grad, dict(self.__dict__)))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        import copy
        from ember._ops.elementwise import copy_as
        from ember._tensor import wrap
        # keeps the layout (channels_last...); unlike a plain tensor's, a Parameter's deep copy leaves ``.grad``
        # behind (as in PyTorch: an EMA / teacher copy of a model starts without gradients)
        new = type(self)(wrap(copy_as(self._data)), self._requires_grad)
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            if k != "_grad":
                new.__dict__[k] = copy.deepcopy(v, memo)
        return new


def _empty(default_device=False):
    if default_device:  # (Parameter(), Buffer(): on the default device, as PyTorch's)
        from ember._functions import empty
        return empty(0)
    from ember._tensor import wrap
    return wrap(xp.zeros((0,), dtype=_dtype.get_default_dtype().np))


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


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (for lazy modules); ``materialize(shape)`` fills it in."""

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        p = _init_from(_new(cls), _empty(), False)
        p._requires_grad = requires_grad
        p._lazy_dtype = dtype
        return p

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None):
        """Give the parameter its shape (uninitialised values) and turn it into a plain ``Parameter``."""
        dt = dtype or self.__dict__.get("_lazy_dtype") or _dtype.get_default_dtype()
        self._data = xp.empty(tuple(shape), dtype=dt.np)
        self.__class__ = Parameter

    def __repr__(self):
        return "<UninitializedParameter>"

    def __reduce_ex__(self, protocol):
        raise RuntimeError(
            "Can't pickle UninitializedParameter: it must be initialized first (run a forward pass)"
        )


class UninitializedBuffer(Tensor):
    """A buffer whose shape is not known yet (for lazy modules)."""

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        t = _init_from(_new(cls), _empty(), False)
        t._lazy_dtype = dtype
        return t

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None):
        dt = dtype or self.__dict__.get("_lazy_dtype") or _dtype.get_default_dtype()
        self._data = xp.empty(tuple(shape), dtype=dt.np)
        self.__class__ = Tensor

    def __repr__(self):
        return "<UninitializedBuffer>"
