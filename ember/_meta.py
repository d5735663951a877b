"""The meta device: tensors with a shape and a dtype but no data (``device="meta"``).

What is supported:

* making them: ``ember.empty/zeros/ones/full/rand/randn/randint/randperm/arange/linspace/eye/tensor(...,
  device="meta")``, the ``*_like`` functions, ``t.to("meta")``, ``with ember.device("meta"):`` and
  ``ember.set_default_device("meta")`` (modules built there get meta parameters, without memory);
* ``t.device``, ``t.is_meta``, ``t.shape``, ``t.dtype``, ``numel()``, ``stride()`` (contiguous), reprs
  (``tensor(..., device='meta', size=(2, 3))``), ``copy.deepcopy`` and pickling; ``ember.save`` / ``ember.load``
  (shape and dtype only, loaded back as meta tensors, as ``torch.save`` / ``torch.load`` do; ``torch.save`` files
  with meta tensors load as meta tensors);
* ops: every op of ember's registry (``ember/_ops``) on meta inputs gives meta outputs of the right shape and
  dtype (linear, conv, pooling, activations, norms, losses, cat, views...), recorded in the graph as usual;
  in-place methods (``add_``, ``uniform_``, ``copy_``, ...) on meta tensors are no-ops; ``ember.nn.init`` leaves
  them alone;
* reading data raises PyTorch's errors: ``item()``, ``float()``, ``bool()``, ``tolist()``, ``numpy()``,
  ``cpu()``, ``to("cpu")``;
* modules: ``Module.to_empty(device="cpu")`` gives uninitialised CPU tensors, ``load_state_dict(sd,
  assign=True)`` swaps in the state dict's tensors, a plain ``load_state_dict`` onto meta parameters warns
  (a no-op) as PyTorch's does.

* functions that compute on the arrays outside ember's ops (comparisons, ``argmax``, ``isnan``, logical and
  bitwise operators, casts, ``count_nonzero``, ``histc``...) give meta results too (:func:`shape_only`), and those
  whose output shape depends on the data (``nonzero``, ``unique``, ``equal``, ``allclose``, boolean-mask
  indexing, ``bincount``...) raise PyTorch's errors.

* strides and storage offsets: views (``t()``, ``permute``, slicing, ``narrow``, ``select``, ``expand``,
  ``unbind``/``split``, ``diagonal``, ``unfold``, ``view``) report PyTorch's, and elementwise results keep a
  transposed input's memory order; a non-scalar CPU operand with meta ones raises PyTorch's error (0-d CPU
  tensors and CPU indices go along).

Not supported: backward through meta tensors (NotImplementedError when the graph is run); the layout of a result
with several differently-laid-out inputs, of casts and of inserted (``None``) dimensions is row-major.

Design (no cost on the CPU path): a meta tensor's ``_data`` is a zero-strided view of a one-element
``_MetaStorage`` array of its dtype, so it needs no memory whatever its shape, and :class:`MetaTensor` (a
``Tensor`` subclass; ``Parameter`` gets a subclass of both) overrides what reads data. The first meta tensor
registers :func:`run_op` with ``ember._ops`` (``set_meta_runner``), which switches on the op path's existing
rarely-taken branch: an op with a meta input runs on zero-filled stand-ins (``calloc``'d: no pages touched for
reading) and its outputs become meta tensors again.
"""

import copy as _copy

from ember import _dtype
from ember._backend import xp
from ember._tensor import (
    Tensor, _check_device, _format_name, _is_meta_data, _MetaStorage, _new, wrap,
)
from ember.autograd.grad_mode import state as _grad_state

__all__ = ["MetaTensor", "empty", "has_meta", "is_meta", "meta_array", "no_kernel", "run_op", "shape_only"]

_STORAGE = {}  # NumPy dtype -> its one-element _MetaStorage
_NO_DATA = "Cannot copy out of meta tensor; no data!"
_NO_ITEM = "Tensor.item() cannot be called on meta tensors"
_NO_NUMPY = "can't convert meta device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first."
NONZERO = ("The register_meta function for ember.nonzero() raises unimplemented by default, as a correct "
           "data-independent implementation does not exist. This implementation returns a fake value, assuming all "
           "elements of the tensor are non-zero.")


def no_kernel(name):
    """PyTorch's NotImplementedError for an operator without a meta kernel (its output shape depends on the data)."""
    return NotImplementedError(f"aten::{name}: attempted to run this operator with Meta tensors, but there was no "
                               "fake impl or Meta kernel registered.")


def meta_array(shape, np_dtype):
    """A zero-strided (memory-free) array of ``shape`` and ``np_dtype``: the data of a meta tensor."""
    np_dtype = xp.dtype(np_dtype)
    s = _STORAGE.get(np_dtype)
    if s is None:
        s = xp.ndarray.__new__(_MetaStorage, (1,), np_dtype)
        s.view(xp.uint8)[...] = 0
        _STORAGE[np_dtype] = s
        _activate()
    shape = tuple(shape)
    return xp.ndarray(shape, np_dtype, buffer=s, strides=(0,) * len(shape))


def is_meta(t):
    """Whether tensor ``t`` is on the meta device."""
    a = t._data
    return a.base is not None and _is_meta_data(a)


def empty(shape, np_dtype, requires_grad=False):
    """A meta tensor of ``shape`` and NumPy dtype ``np_dtype`` (factory functions' ``device="meta"``)."""
    t = wrap(meta_array(shape, np_dtype))
    t.__class__ = MetaTensor
    if requires_grad:
        if t._data.dtype.kind not in "fVc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


def _activate():
    from ember import _ops
    setter = getattr(_ops, "set_meta_runner", None)
    if setter is not None:
        setter(run_op)


# ------------------------------------------------------------------------------------------------ classes
_VARIANTS = {}


def _variant(cls):
    """The meta class of tensor class ``cls`` (``MetaTensor`` for ``Tensor``; a subclass of both for others)."""
    if issubclass(cls, MetaTensor):
        return cls
    if cls is Tensor:
        return MetaTensor
    sub = _VARIANTS.get(cls)
    if sub is None:
        sub = _VARIANTS[cls] = type(cls.__name__, (MetaTensor, cls), {
            "__slots__": (), "_plain_cls": cls, "__module__": cls.__module__, "__qualname__": cls.__qualname__})
    return sub


def fix_class(t):
    """Give tensor ``t`` the class that matches its data: the meta variant of its class for meta data, the
    plain class otherwise (after ``Module.to_empty`` or a data swap). Returns ``t``."""
    meta = is_meta(t)
    if meta and not isinstance(t, MetaTensor):
        t.__class__ = _variant(type(t))
    elif not meta and isinstance(t, MetaTensor):
        t.__class__ = type(t)._plain_cls
    return t


def _as_meta(t):
    t.__class__ = MetaTensor if type(t) is Tensor else _variant(type(t))
    return t


def _copy_layout(t, source):
    lay = source.__dict__.get("_layout")
    if lay is not None:
        t.__dict__["_layout"] = lay
    return t


def _size_str(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def meta_repr(t, prefix="tensor("):
    """``tensor(..., device='meta', size=(2, 3)[, dtype=...][, requires_grad=True | grad_fn=<...>])``."""
    from ember._printing import join_suffixes
    suffixes = ["device='meta'", f"size={_size_str(t._data.shape)}"]
    if t._data.dtype != _dtype.get_default_dtype().np:
        suffixes.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name().rsplit('::', 1)[-1]}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    out = prefix + "..."
    return join_suffixes(out, suffixes, len(prefix), len(out) + 2)


def _no_op(name):
    def method(self, *args, **kwargs):
        return self
    method.__name__ = method.__qualname__ = name
    method.__doc__ = "A no-op on a meta tensor (it has no data to write); returns self."
    return method


class MetaTensor(Tensor):
    """A tensor on the meta device: a shape, a dtype and autograd flags, but no data.

    Made by factory functions with ``device="meta"``, ``t.to("meta")`` and ops on meta tensors; ``Parameter``
    and other ``Tensor`` subclasses get a meta subclass of their own (``isinstance`` still holds). Reading the
    data raises PyTorch's errors; in-place methods are no-ops.

    Example::

        >>> x = ember.empty(8, 3, 32, 32, device="meta")
        >>> ember.nn.Conv2d(3, 6, 5, device="meta")(x).shape
        ember.Size([8, 6, 28, 28])
        >>> x.sum()
        tensor(..., device='meta', size=())
    """

    __slots__ = ()
    _plain_cls = Tensor

    # -- reading data: PyTorch's errors
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        raise RuntimeError(_NO_ITEM)

    def __bool__(self):
        if self._data.size != 1:
            what = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {what} is ambiguous")
        raise RuntimeError(_NO_ITEM)

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        raise RuntimeError(_NO_ITEM)

    def tolist(self):
        raise NotImplementedError(_NO_DATA)

    def numpy(self, force=False):
        raise TypeError(_NO_NUMPY)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(_NO_NUMPY)

    def __repr__(self, *, tensor_contents=None):
        from ember.nn.parameter import Parameter
        head = "Parameter containing:\n" if isinstance(self, Parameter) else ""
        return head + meta_repr(self)

    def __format__(self, spec):
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    # -- layout: row-major as made, the strides and offset PyTorch gives views (t(), slices, expand...)
    def stride(self, dim=None):
        strides = _layout(self)[0]
        return strides if dim is None else strides[self._wrap_dim(dim)]

    def storage_offset(self):
        return _layout(self)[1]

    def is_contiguous(self, *, memory_format=None):
        fmt = _format_name("is_contiguous", memory_format, "contiguous")
        if "_layout" not in self.__dict__ and fmt in ("contiguous", "preserve") or self._data.size == 0:
            return True
        from ember._ops.elementwise import is_contiguous_as
        return is_contiguous_as(self._data.shape, self.stride(), "contiguous" if fmt == "preserve" else fmt)

    def data_ptr(self):
        return 0

    # -- new tensors: meta as this one
    def detach(self):
        return _copy_layout(_as_meta(Tensor.detach(self)), self)

    @property
    def data(self):
        return _copy_layout(_as_meta(wrap(self._data, base=self)), self)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data
        fix_class(self)

    def _convert(self, dtype):
        if self._data.dtype == dtype.np:
            return self
        if self._requires_grad and _grad_state.enabled:
            from ember._ops.elementwise import Cast
            return Cast.apply(self, dtype=dtype.np)
        return empty(self._data.shape, dtype.np)

    def _new_like(self, size, dtype, requires_grad):
        if len(size) == 1 and not isinstance(size[0], int):
            size = tuple(size[0])
        return empty(size, self._data.dtype if dtype is None else dtype.np, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, **kwargs):
        if device is not None and not _check_device(device, True):  # (an explicit CPU device)
            return Tensor.new_full(self, size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)
        return self._new_like((size,), dtype, requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, **kwargs):
        if device is not None and not _check_device(device, True):
            return Tensor.new_tensor(self, data, dtype=dtype, device=device, requires_grad=requires_grad)
        from ember._functions import tensor
        t = tensor(data.detach() if isinstance(data, Tensor) and is_meta(data) else data, dtype=dtype or self.dtype,
                   device="meta" if isinstance(data, Tensor) and is_meta(data) else "cpu")
        return empty(t._data.shape, t._data.dtype, requires_grad)

    def new(self, *args, device=None):
        """The legacy constructor: as :meth:`Tensor.new`, on the meta device."""
        if device is not None and not _check_device(device, True):
            raise RuntimeError("legacy constructor expects device type: meta but device type: cpu was passed")
        if len(args) == 1 and isinstance(args[0], Tensor) and not is_meta(args[0]):
            a = args[0]
            opts = "TensorOptions(dtype={}, device={}, layout=Strided, requires_grad=false (default), " \
                   "pinned_memory=false (default), memory_format=(nullopt))"
            raise TypeError(f"expected {opts.format(_dtype.C10_NAMES[self._data.dtype.name], 'meta')} (got "
                            f"{opts.format(_dtype.C10_NAMES[a._data.dtype.name], 'cpu')})")
        out = Tensor.new(self, *args)
        return out if is_meta(out) else empty(out._data.shape, out._data.dtype)

    def __setitem__(self, index, value):
        pass  # (no data to write)

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            return Tensor.__deepcopy__(self, memo)  # (PyTorch's error)
        if id(self) in memo:
            return memo[id(self)]
        new = _new(type(self))
        for name, value in (("_data", meta_array(self._data.shape, self._data.dtype)), ("_vc", [0]),
                            ("_requires_grad", self._requires_grad), ("grad_fn", None), ("_parent", None),
                            ("_view", None)):
            setattr(new, name, value)
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            if k != "_grad" or not isinstance(v, Tensor):
                new.__dict__[k] = _copy.deepcopy(v, memo)
        return new

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data.shape, self._data.dtype.str if self._data.dtype.kind != "V"
                           else self.dtype.name, self._requires_grad, type(self)._plain_cls))


def _new_method(name):
    def method(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        if device is not None and not _check_device(device, True):  # (an explicit CPU device)
            return getattr(Tensor, name)(self, *size, dtype=dtype, device=device, requires_grad=requires_grad,
                                         **kwargs)
        if "size" in kwargs:
            size = (kwargs["size"],)
        return self._new_like(size, dtype, requires_grad)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"As :meth:`Tensor.{name}`: a meta tensor unless ``device`` says otherwise."
    return method


for _name in ("new_empty", "new_zeros", "new_ones"):
    setattr(MetaTensor, _name, _new_method(_name))


def _rebuild(shape, dtype, requires_grad, cls):
    np_dtype = _dtype._BY_NAME[f"ember.{dtype}"].np if dtype.isidentifier() else xp.dtype(dtype)
    t = empty(shape, np_dtype)
    if cls is not Tensor:
        t = cls(t, requires_grad) if hasattr(cls, "_from_tensor") else t
        t.__class__ = _variant(cls)
    t._requires_grad = requires_grad
    return t


# In-place methods write nothing on a meta tensor (those that change the shape in place keep Tensor's, which
# view the zero-strided data).
_KEEP_INPLACE = {"requires_grad_", "share_memory_", "detach_", "retain_grad", "resize_", "resize_as_", "set_",
                 "as_strided_", "squeeze_", "unsqueeze_", "t_", "transpose_", "swapdims_", "swapaxes_",
                 "rename_", "refine_names_", "apply_", "map_", "map2_", "register_hook_"}
for _name in dir(Tensor):
    if _name.endswith("_") and not _name.startswith("_") and _name not in _KEEP_INPLACE \
            and callable(getattr(Tensor, _name, None)):
        setattr(MetaTensor, _name, _no_op(_name))


def _resize_(self, *size, memory_format=None):
    if len(size) == 1 and not isinstance(size[0], int):
        size = tuple(size[0])
    self._data = meta_array(size, self._data.dtype)
    return self


MetaTensor.resize_ = _resize_


def _set_(self, source=None, storage_offset=0, size=None, stride=None):
    """As :meth:`Tensor.set_`: this meta tensor takes ``source``'s shape (a tensor's, a storage's length, or
    ``size``)."""
    _check_set_device(self, source)
    if size is None:
        if source is None:
            size = (0,)
        elif isinstance(source, Tensor):
            size = source._data.shape
        else:  # a storage: its elements of this dtype
            size = (source.nbytes() // self._data.itemsize - storage_offset,)
    self._data = meta_array(tuple(size), self._data.dtype)
    return self


MetaTensor.set_ = _set_


def _check_set_device(t, source):
    """PyTorch's error for ``t.set_(source)`` with ``source`` (a tensor or a storage) on another device."""
    if source is None:
        return
    if isinstance(source, Tensor):
        other = "meta" if is_meta(source) else "cpu"
    else:
        other = getattr(getattr(source, "device", None), "type", "cpu")
    mine = "meta" if is_meta(t) else "cpu"
    if other != mine:
        raise RuntimeError(f'Attempted to set the storage of a tensor on device "{mine}" to a storage on different '
                           f'device "{other}".  This is no longer allowed; the devices must match.')


# ------------------------------------------------------------------------------------------- the op hook
_busy = False


def _strided_views():
    """The view ops that read memory by strides of their own (unsafe on zero-strided data)."""
    from ember._ops.indexing import AsStrided
    return AsStrided


class _MetaNode:
    """Mixed into a graph node recorded on meta tensors: there are no values to differentiate."""

    def backward(self, *grads):
        raise NotImplementedError(f"ember: backward through meta tensors is not supported ({self.grad_name})")

    backward_graph = backward


_NODE_VARIANTS = {}


def _meta_node(cls):
    sub = _NODE_VARIANTS.get(cls)
    if sub is None:
        # (with ``_op_class`` in its body, Op.__init_subclass__ leaves it alone: no registration, no renaming)
        sub = _NODE_VARIANTS[cls] = type(cls.__name__, (_MetaNode, cls), {
            "__module__": cls.__module__, "_op_class": cls.__dict__.get("_op_class", cls)})
    return sub


def run_op(op, inputs, recorded):
    """Run ``op`` on ``inputs`` when one of them is a meta tensor (else None: the op runs as usual).

    Called by ``Op.run`` (``recorded``: from its graph-recording path) when an input is meta. The meta inputs'
    data is swapped for zeros during the op (``calloc``'d, so memory is only reserved; view ops keep the
    zero-strided data), and the outputs get meta data and class, and the strides and storage offset PyTorch gives
    them (:func:`_out_layouts`); a recorded node drops what it saved, and its backward raises. A CPU operand must
    be 0-d or an index (PyTorch's error otherwise: see :func:`_check_devices`).
    """
    global _busy
    if _busy:
        return None
    for t in inputs:  # (the common case, no meta input: out at the first look; _is_meta_data inlined)
        b = t._data.base
        if b is not None and (type(b) is _MetaStorage or type(getattr(b, "base", None)) is _MetaStorage):
            break
    else:
        return None
    metas = [t._data.base is not None and _is_meta_data(t._data) for t in inputs]
    if not all(metas):
        _check_devices(op, inputs, metas)
    name = getattr(op, "grad_name", None)
    if name == "IndexBackward0" or name == "MaskedSelectBackward0":  # (results sized by the mask's true elements)
        index = op.index if type(op.index) is tuple else (op.index,)
        if name == "MaskedSelectBackward0":
            raise no_kernel("masked_select")
        if any(getattr(a, "dtype", None) == xp.bool_ and a.base is not None and _is_meta_data(a) for a in index):
            raise NotImplementedError(NONZERO)
    if not op.is_view:
        rule = _SHAPE_RULES.get(_op_name(op))
        if rule is not None:
            out = _run_shrunk(op, rule, inputs, metas, recorded)
            if out is not None:
                return out
    swapped = {}
    keep = op.is_view and not isinstance(op, _strided_views())  # (views of zero-strided data are safe)
    for t, m in zip(inputs, metas):
        if m and not keep and id(t) not in swapped:
            swapped[id(t)] = (t, t._data)
            t._data = _stand_in(t)
    _busy = True
    try:
        out = op._run_recorded(inputs) if recorded else op.run(*inputs)
    finally:
        _busy = False
        for t, data in swapped.values():
            t._data = data
            if not isinstance(t, MetaTensor):
                _as_meta(t)  # (a meta Parameter made outside a module gets its meta class here)
    outs = out if type(out) is tuple else (out,)
    layouts = _out_layouts(op, inputs[0], outs) if metas[0] else None
    for i, o in enumerate(outs):
        if isinstance(o, Tensor):
            layout = layouts[i] if layouts is not None else _dense_layout(o._data)
            o._data = meta_array(o._data.shape, o._data.dtype)
            _as_meta(o)
            if id(o) not in swapped:  # (an in-place op's result keeps its layout)
                _set_layout(o, layout)
    node = getattr(outs[0], "grad_fn", None)
    if node is op:
        op.saved = ()
        op.__class__ = _meta_node(type(op))
    return out


# ------------------------------------------------------------------------ shape rules: ops run on small inputs
# The ops that dominate a meta forward's cost (conv, matmul, norms, pooling, elementwise...) run on shrunk zeros
# (a batch of at most 2, broadcast dimensions of 1...) rather than full-size ones: same checks (the sizes that
# decide an error are kept), dtypes, grad_fn names; the rule gives the outputs' full shapes. When the small run
# raises (or a rule cannot decide) the op runs at full size as before, for PyTorch's error with the real shapes.

def _bcast(shapes):
    try:
        return tuple(xp.broadcast_shapes(*shapes))
    except ValueError:
        return None


def _rule_elementwise(op, shapes):
    full = _bcast(shapes)
    if full is None:
        return None
    return [tuple(min(d, 1) for d in s) for s in shapes], lambda i, s: full if len(s) == len(full) else None


def _batch_rule(first_ok, keep=1, reduces=False):
    """Dimension 0 of the first input is free (a batch): shrunk to ``keep`` (2 for the norms, which refuse a
    single value per channel); the outputs' dimension 0 is restored (those of the input's rank, or any output of
    a reduction over other dimensions: ``reduces``)."""
    def rule(op, shapes):
        x = shapes[0]
        if len(x) < 2 or x[0] <= keep or not first_ok(op, shapes):
            return None
        n = x[0]
        return [(keep,) + x[1:]] + list(shapes[1:]), \
            lambda i, s: (n,) + s[1:] if (reduces or len(s) == len(x)) and s[:1] == (keep,) else s
    return rule


def _not_dim0(op, shapes):
    dim = getattr(op, "dim", None)
    if dim is None:
        return False
    nd = len(shapes[0])
    return all(d % nd != 0 for d in (dim if isinstance(dim, (tuple, list)) else (dim,)))


def _rule_matmul(op, shapes):
    a, b = shapes
    if not a or not b:
        return None
    batch = _bcast([a[:-2], b[:-2]])
    if batch is None:
        return None
    full = batch + a[-2:-1] + b[-1:] if len(b) >= 2 else batch + a[-2:-1]
    sa = tuple(min(d, 1) for d in a[:-2]) + ((min(a[-2], 2),) if len(a) >= 2 else ()) + a[-1:]
    sb = tuple(min(d, 1) for d in b[:-2]) + b[-2:-1] + b[-1:] if len(b) < 2 else \
        tuple(min(d, 1) for d in b[:-2]) + (b[-2], min(b[-1], 2))
    return [sa, sb], lambda i, s: full if len(s) == len(full) else None


def _rule_addmm(op, shapes):
    bias, m1, m2 = shapes
    if len(m1) != 2 or len(m2) != 2 or _bcast([bias, (m1[0], m2[1])]) != (m1[0], m2[1]):
        return None
    full = (m1[0], m2[1])
    return [tuple(min(d, 1) for d in bias), (min(m1[0], 1), m1[1]), (m2[0], min(m2[1], 1))], \
        lambda i, s: full if len(s) == 2 else None


def _conv_batched(op, shapes):
    return len(shapes) > 1 and len(shapes[0]) == len(shapes[1])


def _pool_batched(op, shapes):
    nd = len(getattr(op, "output_size", None) or getattr(op, "kernel_size", ()))
    return 0 < nd < len(shapes[0])


_ELEMENTWISE = """Abs Add Sub Mul Div Neg Relu Sigmoid Tanh Exp Log Sqrt Rsqrt Pow PowTensor Maximum Minimum Where Clamp
ClampTensor Clone Cast Erf Sin Cos Reciprocal Sign Floor Ceil Round Trunc Log1p Expm1 Atan2 Fmod Remainder""".split()
_SHAPE_RULES = {name: _rule_elementwise for name in _ELEMENTWISE}
_SHAPE_RULES.update({
    "MatMul": _rule_matmul, "Addmm": _rule_addmm,
    "Convolution": _batch_rule(_conv_batched), "ConvolutionTranspose": _batch_rule(_conv_batched),
    "MaxPool": _batch_rule(_pool_batched), "AvgPool": _batch_rule(_pool_batched),
    "AdaptiveAvgPool": _batch_rule(_pool_batched), "AdaptiveMaxPool": _batch_rule(_pool_batched),
    "BatchNorm": _batch_rule(lambda op, shapes: True, 2), "LayerNorm": _batch_rule(_not_dim0, 2),
    "Mean": _batch_rule(_not_dim0, 1, True), "Sum": _batch_rule(_not_dim0, 1, True),
    "Softmax": _batch_rule(_not_dim0), "LogSoftmax": _batch_rule(_not_dim0),
})


def _full_layout(a, shape):
    """The layout of a full-size result of ``shape`` laid out as the small result ``a`` (None: row-major)."""
    lay = _dense_layout(a)
    if lay is None:
        return None
    order = sorted(range(a.ndim), key=lambda d: -a.strides[d])
    strides, n = [0] * a.ndim, 1
    for d in reversed(order):
        strides[d] = n
        n *= max(shape[d], 1)
    return tuple(strides), 0


def _run_shrunk(op, rule, inputs, metas, recorded):
    """``op`` run on small zeros by ``rule`` (see _SHAPE_RULES), its outputs made meta of their full shapes; None
    when the rule does not apply or the small run raises (the op then runs at full size)."""
    global _busy
    free = rule is _rule_matmul or rule is _rule_addmm  # (row-major results whatever the inputs' layouts)
    for t, m in zip(inputs, metas):  # (laid-out meta inputs keep the full run: their results follow the layout)
        if (not m and t._data.ndim) or (m and not free and "_layout" in t.__dict__):
            return None
    shapes = [t._data.shape for t in inputs]
    plan = rule(op, shapes)
    if plan is None:
        return None
    small, full_shape = plan
    swapped = {}
    for t, m, s in zip(inputs, metas, small):
        if m and id(t) not in swapped:
            swapped[id(t)] = (t, t._data)
            t._data = xp.zeros(s, t._data.dtype)
    _busy = True
    try:
        out = op._run_recorded(inputs) if recorded else op.run(*inputs)
    except Exception:  # noqa: BLE001 - (the full run raises the error, with the real shapes)
        out = None
    finally:
        _busy = False
        for t, data in swapped.values():
            t._data = data
            if not isinstance(t, MetaTensor):
                _as_meta(t)
    if out is None:
        return None
    outs = out if type(out) is tuple else (out,)
    for i, o in enumerate(outs):
        if isinstance(o, Tensor):
            if id(o) in swapped:  # (an in-place op's result: its own shape and layout)
                o._data = meta_array(o._data.shape, o._data.dtype)
                continue
            shape = full_shape(i, o._data.shape)
            if shape is None:
                raise RuntimeError(f"ember: meta shape rule of {_op_name(op)} failed on {shapes}")
            layout = _full_layout(o._data, shape)
            o._data = meta_array(shape, o._data.dtype)
            _as_meta(o)
            _set_layout(o, layout)
    node = getattr(outs[0], "grad_fn", None)
    if node is op:
        op.saved = ()
        op._in_meta = tuple([(t._data.shape, t._data.dtype) for t in inputs])
        op._out_meta = tuple([(o._data.shape, o._data.dtype) for o in outs[: len(op._out_meta)]
                              if isinstance(o, Tensor)])
        op.__class__ = _meta_node(type(op))
    return out


# ------------------------------------------------------------------------------- devices of mixed operands
# Ops whose integer CPU operands are indices: PyTorch takes them with meta tensors (embedding, gather, ...).
_INDEX_OPS = frozenset(["Embedding", "EmbeddingBag", "IndexSelect", "Gather", "Scatter", "ScatterAdd", "ScatterReduce",
                        "ScatterValue", "IndexPut", "TakeAlongDim", "Take", "Put", "IndexCopy", "IndexFill"])
# ember's helpers that make CPU tensors to combine with their meta input (dropout's noise masks): let through
_CPU_HELPERS = frozenset(["_apply_mask", "_dropout"])


def _is_meta_tensor(t):
    return t._data.base is not None and _is_meta_data(t._data)


def _check_devices(op, inputs, metas):
    """PyTorch's RuntimeError for a non-scalar CPU operand of an op with meta ones (``cpu_x + meta_w``, a module
    used before ``to_empty``). 0-d CPU tensors go along as numbers do, and integer CPU indices of indexing ops."""
    index_op = op is not None and _op_name(op) in _INDEX_OPS
    expected = bad = None
    for t, m in zip(inputs, metas):
        if not m and (not t._data.ndim or (index_op and t._data.dtype.kind in "iub")):
            continue  # (a CPU scalar, a CPU index)
        dev = "meta" if m else "cpu"
        if expected is None:
            expected = dev
        elif dev != expected:
            bad = dev
            break
    if bad is None:
        return
    import sys
    f = sys._getframe(2)
    for _ in range(8):  # (only on this rare path: an ember helper's CPU mask is not the user's mistake)
        if f is None:
            break
        if f.f_code.co_name in _CPU_HELPERS and "ember" in f.f_code.co_filename:
            return
        f = f.f_back
    raise RuntimeError(f"Tensor on device {bad} is not on the expected device {expected}!")


def _op_name(op):
    cls = type(op)
    return getattr(cls, "_op_class", cls).__name__


# ----------------------------------------------------------------------------- strides and storage offsets
# A meta tensor's layout, when it is not a fresh row-major one: ``t.__dict__["_layout"] = (shape, strides,
# offset)``, valid while the tensor has that shape (methods that reshape in place, ``t_()``..., drop back to
# row-major). View ops compute the view's layout on a stand-in array with the base's strides (see _fake).
_LAYOUT_OPS = frozenset(["Transpose", "Permute", "Expand", "Split", "Index", "Diagonal", "Unfold", "View"])


def _contiguous_strides(shape):
    strides, n = [], 1
    for s in reversed(shape):
        strides.append(n)
        n *= max(s, 1)
    return tuple(reversed(strides))


def _layout(t):
    """``(strides, storage_offset)`` of meta tensor ``t``, in elements."""
    shape = t._data.shape
    lay = t.__dict__.get("_layout")
    if lay is not None and lay[0] == shape:
        return lay[1], lay[2]
    return _contiguous_strides(shape), 0


def _set_layout(t, layout):
    if layout is None or (layout[1] == 0 and layout[0] == _contiguous_strides(t._data.shape)):
        t.__dict__.pop("_layout", None)
    else:
        t.__dict__["_layout"] = (t._data.shape, tuple(layout[0]), layout[1])


def _dense_layout(a):
    """The layout of an op's result ``a`` (on the stand-ins): its strides when it is a dense permutation
    (elementwise results follow a transposed input, as PyTorch's), else None (row-major)."""
    if a.flags.c_contiguous or a.ndim < 2 or 0 in a.strides:
        return None
    order = sorted(range(a.ndim), key=lambda d: -a.strides[d])
    if a.transpose(order).flags.c_contiguous:
        return tuple(s // a.itemsize for s in a.strides), 0
    return None


def _stand_in(t):
    """Zeros for meta tensor ``t`` during an op (``calloc``'d), in ``t``'s memory order when that is a
    permutation of the dimensions (so that elementwise results keep it, as PyTorch's do)."""
    a = t._data
    lay = t.__dict__.get("_layout")
    if lay is None or lay[0] != a.shape or a.ndim < 2:
        return xp.zeros(a.shape, a.dtype)
    strides = lay[1]
    order = sorted(range(a.ndim), key=lambda d: -strides[d])
    if tuple(strides[d] for d in order) != _contiguous_strides([a.shape[d] for d in order]):
        return xp.zeros(a.shape, a.dtype)  # (sliced, expanded: row-major zeros)
    inverse = [0] * a.ndim
    for i, d in enumerate(order):
        inverse[d] = i
    return xp.zeros([a.shape[d] for d in order], a.dtype).transpose(inverse)


_FAKE = {}  # NumPy dtype -> a one-element array the stand-ins of _fake start at


def _fake(t):
    """An array of ``t``'s shape with ``t``'s strides that no one reads: NumPy's view functions compute a view's
    strides and start from it without touching memory (a view op's result layout, PyTorch's)."""
    a = t._data
    base = _FAKE.get(a.dtype)
    if base is None:
        base = _FAKE[a.dtype] = xp.zeros(1, a.dtype)
    strides, _ = _layout(t)
    return xp.lib.stride_tricks.as_strided(base, a.shape, [s * a.itemsize for s in strides], writeable=False)


def _out_layouts(op, source, outs):
    """The layouts of view op ``op``'s outputs ``outs`` of meta ``source`` (None for other ops: their results'
    own layouts, see :func:`_dense_layout`)."""
    name = _op_name(op)
    if name == "AsStrided":
        return [(tuple(op.stride), op.storage_offset)]
    if not op.is_view or name not in _LAYOUT_OPS or (name == "Index" and getattr(op, "advanced", False)):
        return None
    strides, offset = _layout(source)
    fake = _fake(source)
    start = fake.__array_interface__["data"][0]
    try:
        if name == "View":
            xp.reshape(fake, op.shape, copy=False)  # (raises where a reshape must copy: the result is row-major)
        if name == "Index":  # (with a trailing Ellipsis, NumPy gives a 0-d view, never reads an element)
            index = op.index if type(op.index) is tuple else (op.index,)
            index = index if any(i is Ellipsis for i in index) else index + (Ellipsis,)
            res = fake[index]
            if None in index:
                from ember._ops.shape import _none_dim_strides
                res = _none_dim_strides(fake, res, index)
        else:
            res = op.forward(fake)
    except Exception:  # noqa: BLE001 - (a layout is a detail: row-major rather than an error)
        return [_dense_layout(o._data) if isinstance(o, Tensor) else None for o in outs]
    res = res if type(res) is tuple else (res,)
    item = fake.itemsize
    return [(tuple(s // item for s in r.strides), offset + (r.__array_interface__["data"][0] - start) // item)
            for r in res]


def _tensors_in(values, found):
    for v in values:
        if isinstance(v, Tensor):
            found.append(v)
        elif type(v) is list or type(v) is tuple:
            _tensors_in(v, found)
    return found


def has_meta(*values):
    """Whether a meta tensor is among ``values`` (tensors, or lists and tuples of them)."""
    for t in _tensors_in(values, []):
        if is_meta(t):
            return True
    return False


def _outputs_to_meta(out, inputs):
    if isinstance(out, Tensor):
        if id(out) not in inputs and not is_meta(out):
            out._data = meta_array(out._data.shape, out._data.dtype)
            node = out.grad_fn
            if node is not None and not isinstance(node, _MetaNode):
                node.saved = ()
                node.__class__ = _meta_node(type(node))
        if id(out) not in inputs:
            _as_meta(out)
    elif isinstance(out, (tuple, list)):  # (and named tuples: the tensors change in place)
        for o in out:
            _outputs_to_meta(o, inputs)
    return out


def shape_only(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` where some tensor arguments are meta: for the functions that compute on the arrays
    themselves rather than through an op (comparisons, ``argmax``, casts...). They run with the meta tensors'
    data swapped for zeros (``calloc``'d) and their plain class, and the tensors they return become meta. A
    non-scalar CPU tensor among them is PyTorch's error (as in :func:`run_op`)."""
    swapped = {}
    tensors = _tensors_in(kwargs.values(), _tensors_in(args, []))
    for t in tensors:
        if id(t) not in swapped and is_meta(t):
            swapped[id(t)] = (t, t._data, type(t))
    if len(swapped) < len(tensors):
        _check_devices(None, tensors, [id(t) in swapped for t in tensors])
    for t, data, cls in swapped.values():
        t._data = xp.zeros(data.shape, data.dtype)
        t.__class__ = getattr(cls, "_plain_cls", cls)  # (Tensor's methods: MetaTensor's refuse to read data)
    try:
        out = fn(*args, **kwargs)
    finally:
        for t, data, cls in swapped.values():
            t._data = data
            t.__class__ = cls
            if not isinstance(t, MetaTensor):
                _as_meta(t)
    return _outputs_to_meta(out, swapped)


def _shape_only_method(name):
    def method(self, *args, **kwargs):
        return shape_only(getattr(Tensor, name), self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"As :meth:`Tensor.{name}`, giving meta tensors (computed on no data)."
    return method


def _raising(name, make_error):
    def method(self, *args, **kwargs):
        raise make_error(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Raises PyTorch's error: :meth:`Tensor.{name}`'s result depends on the data a meta tensor lacks."
    return method


def _no_item(self, *args, **kwargs):
    return RuntimeError(_NO_ITEM)


def _ambiguous_or_no_item(self):
    n = self._data.size
    if n != 1:
        return RuntimeError(f"Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'} is "
                            "ambiguous")
    return RuntimeError(_NO_ITEM)


# Tensor methods (and operators) that compute on the arrays without an op: meta results, at no cost to CPU tensors
_SHAPE_ONLY = """
__eq__ __ne__ __lt__ __le__ __gt__ __ge__ eq ne lt le gt ge greater less greater_equal less_equal not_equal
__and__ __or__ __xor__ __rand__ __ror__ __rxor__ __invert__ __lshift__ __rshift__ __rlshift__ __rrshift__
logical_and logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_left_shift
bitwise_right_shift isnan isinf isfinite isposinf isneginf isreal signbit isclose isin argmax argmin any all
count_nonzero histc nonzero_static
""".split()
for _name in _SHAPE_ONLY:
    if hasattr(Tensor, _name):
        setattr(MetaTensor, _name, _shape_only_method(_name))
MetaTensor.__hash__ = Tensor.__hash__  # (tensors hash by identity, though meta ones define __eq__)

# ... and those whose result's shape or value depends on the data: PyTorch's errors
_RAISING = {
    "nonzero": lambda self, *a, **k: NotImplementedError(NONZERO),
    "argwhere": lambda self, *a, **k: NotImplementedError(NONZERO),
    "unique": lambda self, *a, dim=None, **k: no_kernel("_unique2" if dim is None else "unique_dim"),
    "unique_consecutive": lambda self, *a, **k: no_kernel("unique_consecutive"),
    "equal": lambda self, *a, **k: no_kernel("equal"),
    "masked_select": lambda self, *a, **k: no_kernel("masked_select"),
    "bincount": lambda self, *a, **k: no_kernel("bincount"),
    "allclose": _no_item,
    "is_nonzero": _ambiguous_or_no_item,
}
for _name, _error in _RAISING.items():
    if hasattr(Tensor, _name):
        setattr(MetaTensor, _name, _raising(_name, _error))


def to_device(t, to_meta, dtype, copy):
    """``t.to(device, dtype)`` where ``t`` or the device is meta (``to_meta``: the device is)."""
    if not to_meta:
        raise NotImplementedError(_NO_DATA)
    np_dtype = t._data.dtype if dtype is None else dtype.np
    if is_meta(t):
        return t if np_dtype == t._data.dtype and not copy else t._convert(_dtype.from_np(np_dtype))
    if t._requires_grad and _grad_state.enabled:  # (recorded, as PyTorch's ToCopyBackward0)
        from ember._ops.elementwise import Cast
        out = Cast.apply(t, dtype=np_dtype)
        out._data = meta_array(out._data.shape, np_dtype)
        out.grad_fn.saved = ()
        out.grad_fn.__class__ = _meta_node(type(out.grad_fn))
        return _as_meta(out)
    return empty(t._data.shape, np_dtype)

