"""``ember.Tensor``: an n-dimensional array with autograd, mirroring ``torch.Tensor``."""

import builtins
import operator
import sys

from ember import _dtype
from ember._backend import to_numpy, xp
from ember.autograd.grad_mode import NO_VERSION as _NO_VERSION
from ember.autograd.grad_mode import InferenceCounter as _InferenceCounter
from ember.autograd.grad_mode import state as _grad_state  # (also initialises ember.autograd early)

_ndarray = xp.ndarray


class Size(tuple):
    """A tensor shape: a tuple that prints as ``ember.Size([6, 1, 5, 5])``."""

    __slots__ = ()
    __module__ = "ember"  # (where users find it, as torch.Size is torch's: also how pickle names it)

    def __repr__(self):
        return f"ember.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


# Device types torch.device accepts, in the order PyTorch lists them in its error message.
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                 "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_NO_ACCELERATOR = "Cannot access accelerator device when none is available."


def _device_error(value):
    from ember._functions_args import type_name
    return TypeError(f"device() received an invalid combination of arguments - got ({type_name(value)}), but "
                     f"expected one of:\n * (torch.device device)\n      didn't match because some of the arguments "
                     f"have invalid types: (!{type_name(value)}!)\n * (str type, int index = -1)\n")


def _parse_device(s):
    """``(type, index)`` of a device string such as ``'cuda:1'``, with PyTorch's errors."""
    if not s:
        raise RuntimeError("Device string must not be empty")
    kind, sep, idx = s.partition(":")
    # (PyTorch's device type is letters and underscores only: 'cuda1' or 'float32' is no device string at all)
    if not kind.replace("_", "a").isalpha() or not kind.isascii() or (sep and not (idx.isdigit() and idx.isascii()
                                                                        and (idx == "0" or idx[0] != "0"))):
        raise RuntimeError(f"Invalid device string: '{s}'")
    if kind not in _DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: {s}")
    if not sep:
        return kind, None
    if len(idx) > 10 or int(idx) > 2**31 - 1:
        raise RuntimeError(f"Could not parse device index '{idx}' in device string '{s}'")
    return kind, int(idx)


class device:
    """Where a tensor lives: ``ember.device('cpu')``, ``ember.device('meta')``, ``ember.device('cuda', 1)``.

    Accepts PyTorch's device strings (``'cpu'``, ``'cuda:1'``, ``'meta'``, ``'mps'``, ``'xpu'``, ...) with its
    validation and errors. ember computes on the CPU; ``'meta'`` tensors have a shape and a dtype but no data
    (see :mod:`ember._meta`); making a tensor on another device raises as PyTorch built without it does.

    As a context manager it sets the default device of factory functions (``ember.zeros``, ``ember.tensor``,
    modules' parameters, ...) inside the block, as :func:`ember.set_default_device` does.

    Args:
        type: a device type, optionally with an index (``'cuda:1'``), or a device to copy.
        index: the device index (not with an index in ``type``).

    Example::

        >>> with ember.device("meta"):
        ...     lin = ember.nn.Linear(1024, 1024)    # no memory for the weights
        >>> lin.weight.device, ember.device("cuda", 1)
        (device(type='meta'), device(type='cuda', index=1))
    """

    __slots__ = ("type", "index")
    __module__ = "ember"  # (where users find it, as torch.device is torch's: also how pickle names it)

    def __init__(self, type, index=None):  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): argument 'type' (position 1) must be str, not torch.device")
            kind, idx = type.type, type.index
        elif isinstance(type, str):
            kind, idx = _parse_device(type)
            if index is not None:
                if isinstance(index, builtins.bool) or not hasattr(index, "__index__"):
                    raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                                    f"{builtins.type(index).__name__}")
                if idx is not None:
                    raise RuntimeError("type (string) must not include an index because index was passed "
                                       f"explicitly: {type}")
                idx = index.__index__()
        elif hasattr(type, "__index__") and not isinstance(type, builtins.bool) and index is None:
            # device(0): the current accelerator's device 0 (PyTorch 2.x); ember has none
            if type.__index__() < 0:
                raise RuntimeError("Device index must not be negative")
            raise RuntimeError(_NO_ACCELERATOR)
        else:
            raise _device_error(type)
        if idx is not None and idx < 0:
            raise RuntimeError("Device index must not be negative")
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", idx)

    def __setattr__(self, name, value):
        raise AttributeError(f"attribute '{name}' of 'torch.device' objects is not writable")

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        # (as PyTorch: a device never equals a string, ``device("cpu") == "cpu"`` is False)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type,) if self.index is None else (self.type, self.index))

    def __enter__(self):
        _default_stack.append(_default_device[0])
        _default_device[0] = None if self == _cpu else self
        return self

    def __exit__(self, *exc):
        _default_device[0] = _default_stack.pop()


_cpu = device("cpu")
_meta = device("meta")
# The default device of factory functions: None for the CPU (set_default_device, `with ember.device(...)`).
_default_device = [None]
_default_stack = []


class _MetaStorage(_ndarray):
    """The one-element array a meta tensor's data is a zero-strided view of (see ember/_meta.py)."""


def _is_meta_data(a):
    """Whether array ``a`` is meta data: a view of a ``_MetaStorage`` (or a view of such a view)."""
    b = a.base
    return b is not None and (builtins.type(b) is _MetaStorage
                              or builtins.type(getattr(b, "base", None)) is _MetaStorage)


class _NamedConstant:
    """A singleton named after the ``ember.<name>`` it is bound to (layouts and memory formats)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"ember.{self.name}"

    def __reduce__(self):
        return self.name  # pickles (and deep-copies) as the module-level object of that name


class layout(_NamedConstant):
    """How a tensor's elements are stored, printed as ``ember.strided``.

    ember tensors are all ``ember.strided`` (dense, addressed by strides); the sparse layouts exist so that code
    naming them imports.
    """

    __slots__ = ()


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
sparse_csc = layout("sparse_csc")
sparse_bsr = layout("sparse_bsr")
sparse_bsc = layout("sparse_bsc")
jagged = layout("jagged")
_mkldnn = layout("_mkldnn")


class memory_format(_NamedConstant):
    """The order in which a dense tensor's elements lie in memory, printed as ``ember.channels_last``.

    ``ember.contiguous_format`` is row-major; ``ember.channels_last`` stores an NCHW tensor as NHWC
    (``ember.channels_last_3d``: NCDHW as NDHWC); ``ember.preserve_format`` asks a copy to keep its input's
    layout. Pass one as ``memory_format=`` to ``contiguous``, ``clone``, ``to``, ``empty`` and the ``*_like``
    functions.

    Example::

        >>> x = ember.zeros(2, 3, 4, 4).contiguous(memory_format=ember.channels_last)
        >>> x.stride(), x.is_contiguous(memory_format=ember.channels_last)
        ((48, 1, 12, 3), True)
    """

    __slots__ = ()


contiguous_format = memory_format("contiguous_format")
legacy_contiguous_format = contiguous_format  # one object in PyTorch too
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
# The names the array-level helpers (ember/_ops/elementwise.py) use.
_FORMAT_NAMES = {contiguous_format: "contiguous", channels_last: "channels_last",
                 channels_last_3d: "channels_last_3d", preserve_format: "preserve"}


def _format_name(fn, value, default):
    """The helpers' name of ``memory_format=value`` (``default`` for None); TypeError for anything else."""
    if value is None:
        return default
    name = _FORMAT_NAMES.get(value) if isinstance(value, memory_format) else None
    if name is None:
        raise TypeError(f"{fn}(): argument 'memory_format' must be ember.memory_format, not {type(value).__name__}")
    return name


# Errors of PyTorch built without a device type: making a tensor there (factories), and copying data there.
_NOT_COMPILED = {
    "cuda": "Torch not compiled with CUDA enabled", "xpu": "Torch not compiled with XPU enabled",
    "mtia": "Torch not compiled with MTIA enabled. Ensure you have `import mtia.host_runtime.torch_mtia."
            "dynamic_library` in your python src file and include `//mtia/host_runtime/torch_mtia:torch_mtia` as "
            "your target dependency!",
}
_BACKEND_NAMES = {"mps": "MPS", "ipu": "IPU", "xla": "XLA", "lazy": "Lazy", "vulkan": "Vulkan", "maia": "MAIA",
                  "ve": "VE", "fpga": "FPGA", "hip": "HIP"}


def _unavailable(kind, copy):
    """PyTorch's error for a tensor on device type ``kind``, which this build lacks (``copy``: when copying data
    there, as ``tensor()`` and ``Tensor.to`` do, rather than allocating)."""
    if kind in _NOT_COMPILED:
        return AssertionError(_NOT_COMPILED[kind])
    if kind in ("hpu", "privateuseone"):
        return ModuleNotFoundError(f"No module named 'ember.{kind}'")
    if kind in _BACKEND_NAMES and (not copy or kind == "lazy"):
        return NotImplementedError(
            f"Could not run 'aten::empty.memory_format' with arguments from the '{_BACKEND_NAMES[kind]}' backend. "
            "This could be because the operator doesn't exist for this backend, or was omitted during the "
            "selective/custom build process (if using custom build).")
    if kind in ("mkldnn", "opengl", "opencl", "ideep") and not copy:
        return RuntimeError(f"This is a grandfathered Caffe2 device type {kind}, it shouldn't ever convert to a "
                            "DispatchKey.")
    return RuntimeError(f"PyTorch is not linked with support for {kind} devices")


def _check_device(dev, meta_ok=False, copy=False):
    """Check a ``device=`` argument; return True when it asks for the meta device.

    ``None`` means the default device (:func:`ember.set_default_device`). The CPU gives False. The meta device
    gives True where the caller makes meta tensors (``meta_ok``); elsewhere an explicit one raises
    NotImplementedError and a default one gives the CPU. Other devices raise PyTorch's errors for a build
    without them (``copy``: those of copying data there, as ``tensor()`` and ``Tensor.to`` do).
    """
    if dev is None:
        dev = _default_device[0]
        if dev is None or (dev.type == "meta" and not meta_ok):
            return False
    elif builtins.type(dev) is str:
        if dev == "cpu":
            return False
        dev = device(dev)
    elif not isinstance(dev, device):
        dev = device(dev)  # (an int: PyTorch's error without an accelerator; others: its TypeError)
    kind = dev.type
    if kind == "cpu":
        return False
    if kind == "meta":
        if not meta_ok:
            raise NotImplementedError("ember: this function does not make tensors on the meta device")
        return True
    raise _unavailable(kind, copy)


def wrap(data, requires_grad=False, grad_fn=None, output_nr=0, vc=None, base=None):
    """Make a Tensor around a backend array without copying (internal)."""
    if type(data) is not _ndarray:
        data = xp.asarray(data)
    t = _new(Tensor)
    t._data = data
    # (in inference mode the default ``vc`` is the inference counter: see ember/autograd/grad_mode.py)
    t._vc = [0] if vc is None else vc
    t._requires_grad = requires_grad
    t.grad_fn = grad_fn
    t._parent = base
    t._view = None
    # The rarely-set fields (_output_nr, _grad, ...) keep their class defaults unless given.
    if output_nr:
        t._output_nr = output_nr
    return t


_new = object.__new__


def _cast(data, np_dtype):
    if data.flags.c_contiguous and 1 not in data.shape and 0 not in data.shape:
        return data.astype(np_dtype)
    from ember._ops.elementwise import copy_as
    return copy_as(data, "preserve", np_dtype)  # keeps the layout, as PyTorch's conversions do


class Tensor:
    """A multi-dimensional array that records operations for automatic differentiation.

    Build tensors with :func:`ember.tensor`, :func:`ember.zeros`, :func:`ember.randn` and friends. The data
    lives in ``tensor._data``, an array of the backend (NumPy).

    Example::

        >>> x = ember.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
    """

    # Only the fields every tensor sets are slots; the rest are class-level defaults that an instance
    # overrides (in its __dict__) when it needs to, which keeps making a tensor cheap.
    # _parent: the tensor this one is a view of (``_base`` is the root of that chain, as PyTorch's); _view: the
    # op that made the view (for in-place rebasing).
    __slots__ = ("_data", "_vc", "grad_fn", "_requires_grad", "_parent", "_view", "__weakref__", "__dict__")
    __module__ = "ember"  # (``<class 'ember.Tensor'>``, as torch's; pickles made when it read ember._tensor still load)
    _grad = None
    _output_nr = 0
    _accum = None
    _hooks = None  # a leaf's register_hook hooks (a non-leaf's live on its grad_fn)
    _post_accumulate_grad_hooks = None
    _retains_grad = False
    _grad_cast = None  # a leaf's ``grad_dtype`` when set to another dtype (NumPy's), for the engine
    # The version of the memory this view's history was recorded at: an in-place op on its base (or on another
    # view of it) since then makes the history stale, and _edge() rebuilds it (PyTorch's AsStridedBackward0).
    _view_vc = 0
    # On an output of a custom Function that is a view of an input (or the input returned as-is): the end of
    # PyTorch's message refusing in-place ops on it (see ember/autograd/function.py).
    _custom_view = None

    __array_priority__ = 1000  # so `ndarray * tensor` defers to Tensor.__rmul__

    def __new__(cls, *args, **kwargs):
        # ember.Tensor(2, 3) makes an uninitialised float tensor, ember.Tensor([..]) copies data (legacy).
        if kwargs or (len(args) == 1 and isinstance(args[0], (float, bool, complex))):
            _legacy_new_check(args, kwargs)
        if not args:
            data = xp.zeros((0,), dtype=_dtype.get_default_dtype().np)
        elif len(args) == 1 and isinstance(args[0], Tensor):
            data = args[0]._data
        elif len(args) == 1 and not isinstance(args[0], (int, Size)):
            from ember._functions import tensor as _tensor_fn
            data = _tensor_fn(args[0], dtype=_dtype.get_default_dtype())._data
        else:
            shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else tuple(args)
            try:  # (sizes: ints, or what converts to one, as a 0-dim integer tensor; a bool is 0 or 1)
                shape = tuple(operator.index(s) for s in shape)
            except TypeError:
                _legacy_new_check(args, kwargs)  # (PyTorch's message for what is there instead)
                raise
            if any(isinstance(s, int) and s < 0 for s in shape):
                raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: "
                                   f"[{', '.join(map(str, shape))}]")
            data = xp.zeros(shape, dtype=_dtype.get_default_dtype().np)
        t = _new(cls)
        t._data = data
        t._requires_grad = False
        t.grad_fn = None
        t._vc = [0] if not _grad_state.inference else _NO_VERSION
        t._parent = None
        t._view = None
        return t

    # ----------------------------------------------------------------------------- attributes
    @property
    def _base(self):
        """The tensor this one is a view of: the root of a chain of views (a view of a view names the first
        tensor, as in PyTorch); None when this tensor is not a view."""
        base = self._parent
        if base is not None:
            while base._parent is not None:
                base = base._parent
        return base

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape (an ``ember.Size``), or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def _wrap_dim(self, dim, ndim=None):
        n = self._data.ndim if ndim is None else ndim
        lo, hi = (-1, 0) if n == 0 else (-n, n - 1)
        if not isinstance(dim, int) or isinstance(dim, bool):
            if hasattr(dim, "__index__"):
                dim = dim.__index__()
            else:
                raise TypeError(f"dim must be an int, got {type(dim).__name__}")
        if dim < lo or dim > hi:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})"
            )
        return dim % n if n else 0

    @property
    def dtype(self):
        return _dtype.from_np(self._data.dtype)

    @property
    def device(self):
        """The device: ``ember.device('cpu')``, or ``ember.device('meta')`` for a tensor without data."""
        return _meta if self.is_meta else _cpu

    @property
    def is_cuda(self):
        return False

    @property
    def is_cpu(self):
        return not self.is_meta

    @property
    def is_meta(self):
        """Whether this tensor is on the meta device (a shape and a dtype, no data: see ember/_meta.py)."""
        try:
            a = self._data
        except NotImplementedError:  # (a sparse COO tensor: no dense data, on the CPU)
            return False
        return a.base is not None and _is_meta_data(a)

    @property
    def layout(self):
        return strided

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        """The number of dimensions."""
        return self._data.ndim

    ndimension = dim

    def numel(self):
        """The number of elements."""
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def stride(self, dim=None):
        a = self._data
        n = a.itemsize
        strides = tuple([s // n for s in a.strides])  # (a list builds faster than a generator)
        if not a.size and not any(strides):  # NumPy zeroes an empty array's strides: report row-major ones, as PyTorch
            strides, step = [], 1
            for n in reversed(a.shape):
                strides.append(step)
                step *= builtins.max(n, 1)
            strides = tuple(reversed(strides))
        if dim is None:
            return strides
        if isinstance(dim, builtins.bool) or not hasattr(dim, "__index__"):
            raise TypeError(f"stride(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")
        if not a.ndim:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return strides[self._wrap_dim(dim)]

    def is_contiguous(self, *, memory_format=None):
        """Whether the elements lie densely in memory in ``memory_format``'s order (row-major by default)."""
        fmt = _format_name("is_contiguous", memory_format, "contiguous")
        if fmt in ("contiguous", "preserve"):
            return bool(self._data.flags.c_contiguous)
        from ember._ops.elementwise import is_contiguous_as
        a = self._data
        return is_contiguous_as(a.shape, tuple(s // a.itemsize for s in a.strides), fmt)

    def data_ptr(self):
        return self._data.__array_interface__["data"][0] if xp.__name__ == "numpy" else 0

    def is_floating_point(self):
        return self._data.dtype.kind in "fV"

    def is_complex(self):
        return self._data.dtype.kind == "c"

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value is not True and value is not False:
            raise RuntimeError("requires_grad must be a bool")
        if value and self.grad_fn is not None:  # (the setter's short message; requires_grad_(True) passes)
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        if value:
            _check_inference_requires_grad(self)
            if self.grad_fn is None and self._data.dtype.kind not in "fVc":  # (the setter's own words)
                raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        """Set whether autograd records operations on this (leaf) tensor, in place; returns self.

        ``requires_grad`` must be a bool (PyTorch's TypeError for ``1`` or ``None``).
        """
        if requires_grad is not True and requires_grad is not False:
            from ember._functions_args import type_name
            raise TypeError(f"requires_grad_(): argument 'requires_grad' (position 1) must be bool, not "
                            f"{type_name(requires_grad)}")
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return self
        if requires_grad and self._data.dtype.kind not in "fVc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad:
            _check_inference_requires_grad(self)
        self._requires_grad = requires_grad
        return self

    @property
    def grad(self):
        g = self._grad
        if g is None and self.grad_fn is not None and not self._retains_grad:
            import warnings
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
                "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
                "for more information.", UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            want = self.__dict__.get("_grad_dtype", self.dtype)  # (grad_dtype: None accepts any dtype)
            if want is not None and value._data.dtype != want.np:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_dtype.SCALAR_NAMES[value._data.dtype.name]}' to a "
                    f"tensor with grad_dtype '{_dtype.TYPE_WORDS[want.name]}'. The gradient must match the "
                    "tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype "
                    "attribute with a specific dtype, or None to allow any dtype. Set grad_dtype with caution. "
                    "Diverging the dtypes of a tensor and its gradient may break downstream systems that assume "
                    "they match.")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '[{', '.join(map(str, value._data.shape))}]' to a "
                    f"tensor of size '[{', '.join(map(str, self._data.shape))}]'. Please ensure that the gradient "
                    "and the tensor are the same size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def data(self):
        """An alias of this tensor's data outside the graph.

        Unlike ``detach()``, it has its own version counter: autograd does not see changes made through it.
        """
        vc = self._vc  # its own counter; an inference tensor's alias is one too (one that counts outside the mode)
        vc = [0] if type(vc) is list else _NO_VERSION if _grad_state.inference else _InferenceCounter([0])
        return wrap(self._data, vc=vc)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            from ember._functions_args import type_name
            raise TypeError(f"Variable data has to be a tensor, but got {type_name(value)}")
        if self._requires_grad and value._data.dtype.kind not in "fVc":
            raise RuntimeError("data set to a tensor that requires gradients must be floating point or complex dtype")
        self._data = value._data

    @property
    def _version(self):
        if self._vc is _NO_VERSION:
            raise RuntimeError("Inference tensors do not track version counter.")
        return self._vc[0]

    def is_inference(self):
        """Whether this is an inference tensor: made while :class:`ember.inference_mode` was on, or a view,
        ``detach()`` or ``.data`` of one. Outside inference mode, such a tensor cannot be modified in place, made to
        require grad, or saved for backward by an op that autograd records (clone it for those).

        Example::

            >>> with ember.inference_mode():
            ...     x = ember.ones(2)
            >>> x.is_inference(), x.clone().is_inference()
            (True, False)
        """
        return type(self._vc) is not list

    @property
    def retains_grad(self):
        return self._retains_grad

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def T(self):
        if self._data.ndim == 0:
            import warnings
            warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
                          UserWarning, stacklevel=2)
        elif self._data.ndim != 2:
            import warnings
            warnings.warn(
                "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                "deprecated and it will throw an error in a future release. Consider `x.mT` to transpose "
                "batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
                "dimensions of a tensor.", UserWarning, stacklevel=2,
            )
        return self.permute(*range(self._data.ndim - 1, -1, -1))

    @property
    def mT(self):
        if self._data.ndim < 2:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got "
                               f"{self._data.ndim}-D tensor.")
        return self.transpose(-2, -1)

    @property
    def H(self):
        """The conjugate transpose of a matrix (a transpose for real tensors)."""
        if self._data.ndim == 0:
            import warnings
            warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().", UserWarning,
                          stacklevel=2)
            return self.conj()
        if self._data.ndim != 2:
            hint = " For batches of matrices, consider using tensor.mH" if self._data.ndim > 2 else ""
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self._data.ndim}-D "
                               f"tensor.{hint}")
        t = self.transpose(0, 1)
        return t.conj() if self._data.dtype.kind == "c" else t

    @property
    def mH(self):
        """The conjugate transpose of the last two dimensions (``mT`` for real tensors)."""
        if self._data.ndim < 2:
            raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. Got "
                               f"{self._data.ndim}-D tensor.")
        t = self.transpose(-2, -1)
        return t.conj() if self._data.dtype.kind == "c" else t

    # ----------------------------------------------------------------------------- autograd
    def _edge(self):
        """(node, output_nr) that gradients for this tensor flow into."""
        if self._parent is not None and self._vc[0] != self._view_vc:
            from ember._tensor_methods import _regenerate_view
            _regenerate_view(self)
        if self.grad_fn is not None:
            return (self.grad_fn, self._output_nr)
        if self._requires_grad:
            acc = self._accum
            if acc is None:
                from ember._ops import AccumulateGrad
                acc = self._accum = AccumulateGrad(self)
            return (acc, 0)
        return (None, 0)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. the graph leaves, accumulating into ``.grad``.

        Args:
            gradient: the upstream gradient (needed unless this tensor has one element).
            retain_graph: keep saved values so backward can run again (default: ``create_graph``).
            create_graph: record the backward pass itself, for higher-order gradients.
            inputs: accumulate only into these leaves.
        """
        from ember.autograd import backward as _backward
        _backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new gradient.

        Each call registers the hook again (the same function registered twice runs twice).
        Returns a handle whose ``remove()`` unregisters this registration.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_pre_hook(self._output_nr, hook)
        from ember.nn.modules.module import RemovableHandle, _HookDict  # nn builds on tensors: import at call time

        if self._hooks is None:
            self._hooks = _HookDict()
        handle = RemovableHandle(self._hooks)
        self._hooks[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` on this leaf after backward has accumulated its gradient into ``.grad``.

        The hook receives the tensor itself (not the gradient) and must return None; it may, for example, update
        the parameter and free ``.grad`` (an optimizer step fused into backward). It runs only when
        ``backward()`` reaches the leaf, not for ``autograd.grad``.

        Args:
            hook (callable): ``hook(tensor) -> None``.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example::

            >>> p = ember.ones(2, requires_grad=True)
            >>> def sgd(t):
            ...     t.add_(t.grad, alpha=-0.1)  # grad mode is off during backward
            ...     t.grad = None
            >>> _ = p.register_post_accumulate_grad_hook(sgd)
            >>> (p * p).sum().backward()
            >>> p
            tensor([0.8000, 0.8000], requires_grad=True)
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from ember.nn.modules.module import RemovableHandle, _HookDict

        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = _HookDict()
        handle = RemovableHandle(self._post_accumulate_grad_hooks)
        self._post_accumulate_grad_hooks[handle.id] = hook
        return handle

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        import weakref
        ref = weakref.ref(self)

        def _retain(grad):
            t = ref()
            if t is not None:
                if t._grad is None:
                    t._grad = wrap(grad._data.copy()) if grad.grad_fn is None else grad
                else:
                    t._grad = t._grad + grad
            return None

        _retain._ember_retain = True
        # (kept so an in-place op can move it to the tensor's new history: see _move_retain_hook)
        self.__dict__["_retain_hook"] = (_retain, self.grad_fn._add_pre_hook(self._output_nr, _retain))

    def _move_retain_hook(self):
        """After an in-place op rebased this tensor's history, retain the gradient w.r.t. the new version."""
        entry = self.__dict__.get("_retain_hook")
        if entry is None:
            return
        fn, handle = entry
        handle.remove()
        if self.grad_fn is None:
            del self.__dict__["_retain_hook"]
        else:
            self.__dict__["_retain_hook"] = (fn, self.grad_fn._add_pre_hook(self._output_nr, fn))

    def detach(self):
        """A new tensor sharing this one's data, outside the graph."""
        # (no view: _parent is None, as PyTorch's; the version counter is shared)
        if self._vc is _NO_VERSION and not _grad_state.inference:  # still an inference tensor, one that counts
            return wrap(self._data, vc=_InferenceCounter([0]))
        return wrap(self._data, vc=self._vc)

    def detach_(self):
        """Detach this tensor from the graph in place (it becomes a leaf that does not require grad); views
        cannot be detached in place (use :meth:`detach`)."""
        if self._parent is not None and self._is_view():
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) "
                "for training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and "
                "hence detach_() cannot be called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    # ----------------------------------------------------------------------------- conversions
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return to_numpy(self._data).tolist()

    def numpy(self, force=False):
        """The data as a NumPy array sharing memory (errors if the tensor requires grad while grad mode is on)."""
        if self._requires_grad and not force and _grad_state.enabled:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        if self._data.dtype.type.__module__ != "numpy":
            _no_numpy_type(self._data.dtype)
        return to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad and _grad_state.enabled:  # (as numpy(): NumPy would drop the graph silently)
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        if self._data.dtype.type.__module__ != "numpy":
            _no_numpy_type(self._data.dtype)
        a = to_numpy(self._data)
        # NumPy 2's protocol: copy=True (np.array) copies, None (np.asarray) shares when it can, False must share
        if dtype is not None and xp.dtype(dtype) != a.dtype:
            if copy is False:
                raise ValueError("Unable to avoid copy while creating an array as requested.")
            return a.astype(dtype)
        return a.copy() if copy and a is self._data else a  # (off the NumPy backend, to_numpy has copied)

    def __array_wrap__(self, array, context=None, return_scalar=False):
        """The result of a NumPy ufunc taking a tensor, as a tensor sharing its memory (``tensor - ndarray``,
        ``np.exp(tensor)``); as PyTorch's, a bool result becomes a uint8 tensor."""
        if not isinstance(array, xp.ndarray):
            raise TypeError(f"expected np.ndarray (got {type(array).__module__}.{type(array).__name__})")
        if array.dtype == xp.bool_:
            array = array.astype(xp.uint8)
        return wrap(array)

    def __float__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if self._requires_grad:
            _warn_scalar_grad()
        try:
            return builtins.float(self.item())
        except TypeError:  # a complex value: its real part, if it has no imaginary one (as PyTorch)
            return builtins.float(_real_item(self.item(), "double"))

    def __int__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        try:
            return builtins.int(self.item())
        except TypeError:
            return builtins.int(_real_item(self.item(), "int64_t"))

    def __complex__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if self._requires_grad:
            _warn_scalar_grad()
        return builtins.complex(self.item())

    def __bool__(self):
        if self._data.size != 1:
            what = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {what} is ambiguous")
        return builtins.bool(self._data.reshape(()).item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self._data.reshape(()).item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __reversed__(self):
        # as PyTorch: the first dimension flipped (a differentiable copy); a 0-d tensor is returned as is
        return self if self._data.ndim == 0 else self.flip(0)

    def __hash__(self):
        return id(self)

    def __contains__(self, element):
        import numbers
        if not isinstance(element, (Tensor, numbers.Number)):
            raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                               f"{type(element)}.")
        return builtins.bool((self == element).any())

    @property
    def _backward_hooks(self):
        # PyTorch's view of the register_hook hooks: an OrderedDict once one was registered, else None
        if self.grad_fn is None:
            return self.__dict__.get("_hooks")
        hooks = (getattr(self.grad_fn, "_pre_hooks", None) or {}).get(self._output_nr)
        if hooks is None:
            return None
        from collections import OrderedDict
        hooks = OrderedDict((k, f) for k, f in hooks.items() if not getattr(f, "_ember_retain", False))
        return hooks or None  # (retain_grad's hook is no tensor hook in PyTorch)

    def __reduce_ex__(self, protocol):
        # Pickling (DataLoader workers, deepcopy) keeps data and requires_grad; the graph and hooks are not kept.
        if self.__dict__ or self.grad_fn is not None:  # (a tensor that may have hooks)
            from ember.utils.hooks import warn_if_has_hooks
            warn_if_has_hooks(self)
        return (_rebuild, (to_numpy(self._data), self._requires_grad, type(self)))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                "because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001"
            )
        if id(self) in memo:
            return memo[id(self)]
        from ember._ops.elementwise import copy_as
        new = _rebuild(copy_as(self._data), self._requires_grad, type(self))  # keeps the layout (channels_last...)
        if self._grad is not None:
            new._grad = wrap(copy_as(self._grad._data))
        if self.__dict__:
            import copy
            for k, v in self.__dict__.items():
                if k not in _NOT_DEEPCOPIED:  # (autograd state and hooks stay with the original, as PyTorch's)
                    new.__dict__[k] = copy.deepcopy(v, memo)
        memo[id(self)] = new
        return new

    def __repr__(self, *, tensor_contents=None):
        from ember._printing import tensor_repr
        return tensor_repr(self, tensor_contents=tensor_contents)

    def __format__(self, spec):
        # as PyTorch: a plain 0-d tensor formats its number; a Parameter or other subclass (and a meta tensor)
        # formats as its str(), and any format spec is then object.__format__'s TypeError
        if self._data.ndim == 0 and type(self) is Tensor and not self.is_meta:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def to(self, *args, **kwargs):
        """Convert dtype, device and/or memory format: ``t.to(ember.float64)``, ``t.to('cpu')``, ``t.to(other)``,
        ``t.to(memory_format=ember.channels_last)``.

        Returns this tensor when nothing changes (and ``copy`` is False); a copy keeps this tensor's layout
        unless ``memory_format`` says otherwise.
        """
        if not kwargs and len(args) == 1 and isinstance(args[0], _dtype.dtype) and args[0].np == self._data.dtype:
            return self  # the common x.to(its own dtype): nothing to parse
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        fmt = _format_name("to", kwargs.pop("memory_format", None), "preserve")
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        bad_kw = kw_dtype = None
        if dtype is not None:
            kw_dtype = dtype
            if not isinstance(dtype, _dtype.dtype):
                dtype = _dtype.from_py(dtype) or dtype  # (float -> float64, int -> int64, as PyTorch)
                bad_kw = None if isinstance(dtype, _dtype.dtype) else dtype
        n_flags = 0  # positional (non_blocking, copy) seen, after a dtype / tensor (or device, None)
        after = None  # what the last non-flag positional was
        for a in args + (() if bad_kw is None else (bad_kw,)):
            bad = n_flags > 0  # flags come last
            if isinstance(a, _dtype.dtype):
                bad = bad or dtype is not None or after is not None and after != "device"  # two dtypes refuse
                dtype, after = a, "dtype"
            elif isinstance(a, Tensor):
                bad = bad or after is not None or kw_dtype is not None
                dtype, dev, after = a.dtype, a.device, "tensor"
            elif isinstance(a, (str, device, int)) and not isinstance(a, bool) and a is not bad_kw:
                bad = bad or after is not None
                dev, after = a, "device"
            elif isinstance(a, bool) and a is not bad_kw:
                n_flags += 1
                # (x.to('cpu', False, True) matches no overload: flags follow a dtype, a tensor or a None dtype)
                bad = n_flags > 2 or after in (None, "device")
                if n_flags == 2:
                    copy = copy or a
            elif _dtype.from_py(a) is not None and a is not bad_kw and not any(isinstance(v, Tensor) for v in args):
                dtype = _dtype.from_py(a)  # x.to(float): float64, as PyTorch (which refuses it after a tensor)
                after = "dtype"
            elif a is None and after in (None, "device") and not bad:
                after = "dtype" if after == "device" else after
            else:
                bad = True
            if bad:
                from ember._functions_args import type_name

                got = ", ".join("Tensor" if isinstance(v, Tensor) else "torch.dtype" if isinstance(v, _dtype.dtype)
                                else type_name(v) for v in args)
                if kw_dtype is not None:
                    kw_name = "torch.dtype" if isinstance(kw_dtype, _dtype.dtype) else type_name(kw_dtype)
                    sep = ", " if bad_kw is not None and not args else ""  # (PyTorch's words: a trailing comma)
                    got = f"{got + ', ' if got else ''}dtype={kw_name}{sep}"
                tail = "bool non_blocking = False, bool copy = False, *, torch.memory_format memory_format = None)"
                raise TypeError(f"to() received an invalid combination of arguments - got ({got}), but expected one "
                                f"of:\n * (torch.device device = None, torch.dtype dtype = None, {tail}\n"
                                f" * (torch.dtype dtype, {tail}\n * (Tensor tensor, {tail}\n")
        if dev is not None and dev != "cpu":
            d = dev if isinstance(dev, device) else device(dev)
            to_meta = _check_device(d, meta_ok=True, copy=True)
            if to_meta or self.is_meta:
                from ember import _meta as _meta_mod
                return _meta_mod.to_device(self, to_meta, dtype, copy)
            copy = copy or d.index is not None  # ('cpu:0' is another device than this tensor's 'cpu': a copy)
        elif dev is not None and self.is_meta:
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
        same_dtype = dtype is None or dtype.np == self._data.dtype
        if not same_dtype and self._data.dtype.kind == "c" and dtype.np.kind not in "cb":
            _warn_complex_cast()
            self, copy = self.real, True  # cast the real parts (NumPy would warn again)
            same_dtype = dtype.np == self._data.dtype
        if fmt == "preserve":
            if same_dtype and not copy:
                return self
            from ember._ops.elementwise import Cast
            return Cast.apply(self, dtype=self._data.dtype if same_dtype else dtype.np)
        from ember._ops.elementwise import Cast, check_format_rank, suggest_format
        a = self._data
        if same_dtype and not copy and suggest_format(a.shape, tuple(s // a.itemsize for s in a.strides)) == fmt:
            return self  # already laid out so
        check_format_rank(a.ndim, fmt)
        return Cast.apply(self, dtype=a.dtype if same_dtype else dtype.np, memory_format=fmt)

    def cpu(self, memory_format=None):
        """This tensor on the CPU: itself (ember computes there); a meta tensor has no data to copy."""
        if self._data.base is not None and _is_meta_data(self._data):
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
        return self if memory_format is None else self.contiguous(memory_format=memory_format)

    @property
    def volatile(self):
        """Removed in PyTorch 0.4 (use ``no_grad``): always False, with a ``UserWarning``; setting it only warns."""
        import warnings
        warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning, stacklevel=2)
        return False

    @volatile.setter
    def volatile(self, value):
        import warnings
        warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.", UserWarning,
                      stacklevel=2)

    def cuda(self, device=None, non_blocking=False, memory_format=None, **kwargs):
        """Copy to a CUDA device: ember has none, so this raises PyTorch's errors for a build without CUDA
        (``AssertionError`` for ``cuda()`` and ``cuda('cuda:1')``, ``RuntimeError`` for an index or another
        device type). The pre-0.4 keyword ``async`` (now ``non_blocking``) is accepted with PyTorch's warning."""
        for key in kwargs:  # (``async`` is a keyword in Python 3: old code passes it as ``**{"async": True}``)
            if key != "async":
                raise TypeError(f"cuda() got an unexpected keyword argument '{key}'")
            from ember import _functions_args
            # (one warn-once slot with the other deprecated overloads, as in PyTorch)
            _functions_args.warn_once(
                "deprecated overload", "This overload of cuda is deprecated:\n\tcuda(ember.device device = None, "
                "bool async = False, *, ember.memory_format memory_format = None)\nConsider using one of the following "
                "signatures instead:\n\tcuda(ember.device device = None, bool non_blocking = False, *, "
                "ember.memory_format memory_format = None)")
        _to_missing_device("cuda", device)

    def xpu(self, device=None, non_blocking=False, memory_format=None):
        """Copy to an XPU: raises PyTorch's errors for a build without one (as :meth:`cuda`)."""
        _to_missing_device("xpu", device)

    def ipu(self, device=None, non_blocking=False, memory_format=None):
        """Copy to an IPU: raises PyTorch's errors for a build without one (as :meth:`cuda`)."""
        _to_missing_device("ipu", device)

    def mtia(self, device=None, non_blocking=False, memory_format=None):
        """Copy to an MTIA device: raises PyTorch's errors for a build without one (as :meth:`cuda`)."""
        _to_missing_device("mtia", device)

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """The type name (``'ember.FloatTensor'``) without ``dtype``, else this tensor converted to ``dtype`` (a dtype,
        a tensor type or its name); ``memory_format=`` is passed on to :meth:`to`."""
        if dtype is None:
            a = self._data
            name = _TYPE_NAMES.get(a.dtype.name, "ember.Tensor")
            # (a meta tensor's type names its device, as PyTorch's 'torch.meta.FloatTensor')
            return name.replace("ember.", "ember.meta.", 1) if a.base is not None and _is_meta_data(a) else name
        if isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), _dtype.dtype):
            dtype = dtype.dtype  # x.type(ember.FloatTensor)
        if isinstance(dtype, str):
            name = dtype.replace("torch.", "ember.", 1) if dtype.startswith("torch.") else dtype
            if name.startswith("ember.cuda."):
                raise _unavailable("cuda", True)  # (PyTorch's error of a build without CUDA)
            inv = {v: k for k, v in _TYPE_NAMES.items()}
            if name not in inv:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = _dtype._BY_NAME[inv[name]]
        elif not isinstance(dtype, _dtype.dtype):
            if not isinstance(dtype, type):
                raise TypeError("dtype must be a type, str, or dtype object")
            mod = dtype.__module__
            name = dtype.__name__ if mod == "builtins" else f"{mod}.{dtype.__qualname__}"
            raise ValueError(f"invalid type: '{name}'")
        return self.to(dtype, **kwargs)

    def type_as(self, other):
        return self.to(other.dtype)

    def _convert(self, dtype):
        """``self.to(dtype)`` without ``to``'s argument parsing (``float()``, ``long()``...)."""
        np_dtype = dtype.np
        data = self._data
        if data.dtype == np_dtype:
            return self
        if data.dtype.kind == "c" and np_dtype.kind not in "cb":  # (bool: whether nonzero, as PyTorch)
            _warn_complex_cast()
            self = self.real  # cast the real parts (NumPy would warn again); a copy below in any case
            data = self._data
        if self._requires_grad and _grad_state.enabled:
            from ember._ops.elementwise import Cast
            return Cast.apply(self, dtype=np_dtype)
        try:
            return wrap(_cast(data, np_dtype))
        except (RuntimeWarning, FloatingPointError):  # out of range under a user's "error" filter: as PyTorch
            with xp.errstate(all="ignore"):
                return wrap(_cast(data, np_dtype))

    def _convert_as(self, name, dtype, args, memory_format):
        """``float(memory_format=...)`` and the like: ``self.to(dtype, memory_format=...)``, with PyTorch's errors
        for a positional argument or a wrong format."""
        if args:
            raise TypeError(f"{name}() takes 0 positional arguments but {len(args)} "
                            f"{'was' if len(args) == 1 else 'were'} given")
        _format_name(name, memory_format, None)
        return self.to(dtype, memory_format=memory_format)

    def float(self, *args, memory_format=None):
        if args or memory_format is not None:
            return self._convert_as("float", _dtype.float32, args, memory_format)
        return self._convert(_dtype.float32)

    def double(self, *args, memory_format=None):
        if args or memory_format is not None:
            return self._convert_as("double", _dtype.float64, args, memory_format)
        return self._convert(_dtype.float64)

    def half(self, *args, memory_format=None):
        if args or memory_format is not None:
            return self._convert_as("half", _dtype.float16, args, memory_format)
        return self._convert(_dtype.float16)

    def bfloat16(self, *args, memory_format=None):
        if args or memory_format is not None:
            return self._convert_as("bfloat16", _dtype.bfloat16, args, memory_format)
        return self._convert(_dtype.bfloat16)

    def long(self, *args, memory_format=None):
        if args or memory_format is not None:
            return self._convert_as("long", _dtype.int64, args, memory_format)
        return self._convert(_dtype.int64)

    def int(self, *args, memory_format=None):
        if args or memory_format is not None:
            return self._convert_as("int", _dtype.int32, args, memory_format)
        return self._convert(_dtype.int32)

    def short(self, *args, memory_format=None):
        if args or memory_format is not None:
            return self._convert_as("short", _dtype.int16, args, memory_format)
        return self._convert(_dtype.int16)

    def char(self, *args, memory_format=None):
        if args or memory_format is not None:
            return self._convert_as("char", _dtype.int8, args, memory_format)
        return self._convert(_dtype.int8)

    def byte(self, *args, memory_format=None):
        if args or memory_format is not None:
            return self._convert_as("byte", _dtype.uint8, args, memory_format)
        return self._convert(_dtype.uint8)

    def bool(self, *args, memory_format=None):
        if args or memory_format is not None:
            return self._convert_as("bool", _dtype.bool_, args, memory_format)
        return self._convert(_dtype.bool_)

    def cfloat(self, *args, memory_format=None):
        if args or memory_format is not None:
            return self._convert_as("cfloat", _dtype.complex64, args, memory_format)
        return self._convert(_dtype.complex64)

    def cdouble(self, *args, memory_format=None):
        if args or memory_format is not None:
            return self._convert_as("cdouble", _dtype.complex128, args, memory_format)
        return self._convert(_dtype.complex128)

    def chalf(self):
        return self._convert(_dtype.complex32)  # raises: ember has no complex32 tensors

    def pin_memory(self):
        """Page-locked memory needs an accelerator: PyTorch's CPU build raises, and so does ember."""
        raise RuntimeError("Cannot access accelerator device when none is available.")

    def share_memory_(self):
        """Move this tensor's data into memory shared between processes; returns self.

        Processes forked afterwards, spawned with it as an argument, or receiving it through a
        :mod:`ember.multiprocessing` queue write the same memory (Hogwild training). Identity, dtype, shape, strides,
        ``requires_grad`` and ``grad`` are kept (``grad`` is not shared; :meth:`Module.share_memory` shares it).
        Unlike PyTorch, views taken *before* the call keep the old memory; views taken after share it.

        Example::

            >>> t = ember.zeros(3).share_memory_()
            >>> t.is_shared()
            True
        """
        a = self._data
        if a.base is not None and _is_meta_data(a):
            raise RuntimeError("_share_fd_: only available on CPU")
        from ember import multiprocessing as _mp
        if _mp._map_of(a) is None:
            self._data = _mp._share_array(a)
        _mp._register_reducer(builtins.type(self))
        return self

    def is_pinned(self):
        return False

    def is_shared(self):
        """Whether this tensor's data lives in memory shared between processes (see :meth:`share_memory_`)."""
        import sys
        mp = sys.modules.get("ember.multiprocessing")  # (not imported: nothing was shared)
        return mp is not None and mp._map_of(self._data) is not None


def _legacy_new_check(args, kwargs):
    """PyTorch's errors of the legacy constructors (``Tensor(...)``, ``FloatTensor(...)``): only ``device=`` (the
    CPU) as a keyword, and data that is a sequence, not a number."""
    from ember._functions_args import type_name
    extra = [k for k in kwargs if k != "device"]
    if extra:
        got = ", ".join([type_name(a) for a in args]
                        + [f"{k}={'torch.dtype' if isinstance(v, _dtype.dtype) else type_name(v)}"
                           for k, v in kwargs.items()])
        raise TypeError(
            f"new() received an invalid combination of arguments - got ({got}), but expected one of:\n"
            f" * (*, torch.device device = None)\n      didn't match because some of the keywords were incorrect: "
            f"{', '.join(extra)}\n * (torch.Storage storage)\n * (Tensor other)\n"
            f" * (tuple of ints size, *, torch.device device = None)\n"
            f" * (object data, *, torch.device device = None)\n")
    dev = kwargs.get("device")
    if dev is not None:
        d = dev if isinstance(dev, device) else device(dev)
        if d.type != "cpu":
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: {d.type} was passed")
    if len(args) == 1 and isinstance(args[0], (float, bool, complex)):
        raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
    if len(args) > 1:  # sizes: ints only (PyTorch's parser reads several arguments as nothing else)
        from ember._functions_args import combination_type_name, type_name
        ints = [not isinstance(a, Tensor) and hasattr(a, "__index__") for a in args]  # (a bool is a size too)
        if not ints[0]:
            marks = (0,) if len(args) == 2 else (3, 4)  # (the overloads PyTorch's message marks)
            why = ("\n      didn't match because some of the arguments have invalid types: ("
                   + ", ".join(f"!{combination_type_name(a)}!" for a in args) + ")")
            lines = ["(*, torch.device device = None)", "(torch.Storage storage)", "(Tensor other)",
                     "(tuple of ints size, *, torch.device device = None)",
                     "(object data, *, torch.device device = None)"]
            raise TypeError(f"new() received an invalid combination of arguments - got "
                            f"({', '.join('Tensor' if isinstance(a, Tensor) else type_name(a) for a in args)}), but "
                            "expected one of:\n" + "".join(f" * {line}{why if i in marks else ''}\n"
                                                           for i, line in enumerate(lines)))
        if not builtins.all(ints):
            i = ints.index(False)
            raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {i + 1} with error \"type "
                            f"must be tuple of ints,but got {type_name(args[i])}\"")


def _check_inference_requires_grad(t):
    """PyTorch's error for making inference tensor ``t`` require grad outside inference mode."""
    if type(t._vc) is not list and not _grad_state.inference:
        raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")


def _to_missing_device(kind, dev):
    """PyTorch's error of ``tensor.cuda(dev)`` (``kind``: 'cuda', 'xpu', 'ipu', 'mtia') without such a device."""
    if dev is not None:
        if isinstance(dev, builtins.bool) or not isinstance(dev, (str, device, builtins.int)):
            from ember._functions_args import type_name
            raise TypeError(f"{kind}(): argument 'device' (position 1) must be torch.device, not {type_name(dev)}")
        if isinstance(dev, builtins.int):
            raise RuntimeError("Device index must not be negative" if dev < 0 else _NO_ACCELERATOR)
        if device(dev).type != kind:
            raise RuntimeError(f"Invalid device, must be {'MTIA' if kind == 'mtia' else kind} device")
    raise _unavailable(kind, dev is None)


def _no_numpy_type(np_dtype):
    """PyTorch's error for ``numpy()`` of a dtype NumPy has no type of its own (bfloat16, float8: ml_dtypes')."""
    raise TypeError(f"Got unsupported ScalarType {_dtype.TYPE_WORDS[np_dtype.name]}")


def _warn_scalar_grad():
    """PyTorch's warning (once per process) for ``float()``/``complex()`` of a tensor that requires grad."""
    from ember._functions_extra import _warn_once
    _warn_once("scalar_grad", "Converting a tensor with requires_grad=True to a scalar may lead to unexpected "
               "behavior.\nConsider using tensor.detach() first.", stacklevel=4)


def _warn_complex_cast(at_caller=False):
    """PyTorch's warning (once per process) when a conversion drops imaginary parts; ``at_caller``: attributed to
    the first frame outside ember (for casts deep inside a function, e.g. ``sum(dtype=float)``)."""
    from ember._functions_extra import _settings, _warn_once, _warned
    level = 4
    if at_caller and (_settings["warn_always"] or "complex_cast" not in _warned):
        level, frame = 3, sys._getframe(1)  # (for warn, 1 is _warn_once, 2 this function, 3 its caller)
        while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "ember":
            level, frame = level + 1, frame.f_back
    _warn_once("complex_cast", "Casting complex values to real discards the imaginary part", stacklevel=level)


def _real_item(value, c_type):
    """The complex ``value`` as a real number: PyTorch's error when it has an imaginary part."""
    if value.imag:
        raise RuntimeError(f"value cannot be converted to type {c_type} without overflow")
    return value.real


def _false(self):
    return False


# Layouts, devices and kinds of tensor ember never makes: PyTorch's predicates for them (properties) are False.
for _name in ("is_sparse", "is_sparse_csr", "is_quantized", "is_nested", "is_mkldnn", "is_mps", "is_xpu",
              "is_ipu", "is_xla", "is_vulkan", "is_mtia", "is_maia"):
    setattr(Tensor, _name, property(_false, doc="False: ember tensors are dense, on the CPU, not quantized."))


_TYPE_NAMES = {
    "float32": "ember.FloatTensor", "float64": "ember.DoubleTensor", "float16": "ember.HalfTensor",
    "int64": "ember.LongTensor", "int32": "ember.IntTensor", "int16": "ember.ShortTensor",
    "int8": "ember.CharTensor", "uint8": "ember.ByteTensor", "bool": "ember.BoolTensor",
    "complex64": "ember.ComplexFloatTensor", "complex128": "ember.ComplexDoubleTensor",
    "bfloat16": "ember.BFloat16Tensor", "uint16": "ember.UInt16Tensor", "uint32": "ember.UInt32Tensor",
    "uint64": "ember.UInt64Tensor", **{d.name: f"ember.{_dtype.TYPE_WORDS[d.name]}Tensor" for d in _dtype.FLOAT8},
}


_NOT_DEEPCOPIED = frozenset(("_grad", "_accum", "_hooks", "_post_accumulate_grad_hooks", "_retains_grad",
                             "_retain_hook", "_output_nr"))


def _rebuild(array, requires_grad, cls=Tensor):
    t = wrap(xp.asarray(array))
    if cls is not Tensor:
        t = cls.__new__(cls, t) if hasattr(cls, "_from_tensor") else _cast_class(t, cls)
    t._requires_grad = requires_grad
    return t


def _cast_class(t, cls):
    new = _new(cls)
    for name in Tensor.__slots__[:-2]:
        setattr(new, name, getattr(t, name))
    new.__dict__.update(t.__dict__)
    return new
