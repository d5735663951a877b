"""Storages, as ``torch.storage``: the memory behind tensors, as a flat run of bytes or of one dtype's elements.

``tensor.untyped_storage()`` is an :class:`UntypedStorage` over the whole block of memory the tensor lives in (the
backend array that owns it): every view of one tensor has the same storage (same ``data_ptr()``), and writes
through the storage show in the tensors. ``tensor.storage()`` (deprecated in PyTorch, which warns once) is the same
memory as a :class:`TypedStorage` of the tensor's dtype. ``UntypedStorage(n)`` / ``FloatStorage(n)`` make new
zero-filled storages.

Storages are NumPy arrays underneath; ember tensors cannot be resized through them, and a write through a storage
does not bump the tensors' version counters (nor does it in PyTorch).

Example::

    >>> x = ember.arange(6.)
    >>> s = x[2:].untyped_storage()
    >>> s.nbytes(), s.data_ptr() == x.data_ptr()
    (24, True)
"""

import numbers
import warnings

from ember import _dtype
from ember._backend import memory_owner, to_numpy, xp
from ember._tensor import _check_device, _cpu, _is_meta_data
from ember._tensor import _meta as _meta_device

_uint8 = xp.dtype(xp.uint8)
_NO_VALUES = "Not available for 'meta' device type"
_NO_DATA = "Cannot copy out of meta tensor; no data!"


def _is_meta(raw):
    """Whether the bytes ``raw`` are a meta storage's: a size and no memory (see ember/_meta.py)."""
    return raw.base is not None and _is_meta_data(raw)


def _meta_bytes(n):
    from ember._meta import meta_array
    return meta_array((n,), _uint8)


def _refuse_meta(raw):
    if raw.base is not None and _is_meta_data(raw):
        raise NotImplementedError(_NO_VALUES)


def _address(a):
    return a.__array_interface__["data"][0] if xp.__name__ == "numpy" else 0


def _memory_of(a):
    """The memory ``a`` lives in, as a flat uint8 array viewing it: the whole block of the array that owns
    ``a``'s data. An owner that is not one dense block (a strided view of foreign memory) cannot be viewed so:
    then ``a`` stands for itself (a copy when it is not contiguous, which then is not shared)."""
    root = memory_owner(a)
    flat = root.ravel(order="K")  # a view when the owner is dense in some order, as an allocated array is
    if flat.size and not xp.may_share_memory(flat, root):
        flat = a.reshape(-1) if a.flags.c_contiguous else xp.ascontiguousarray(a).reshape(-1)
    return flat.view(_uint8)


def _index(i, n, what):
    if isinstance(i, bool) or not isinstance(i, numbers.Integral):
        raise TypeError(f"can't index a {what} with {type(i).__name__}")
    j = int(i) + n if i < 0 else int(i)
    if not 0 <= j < n:
        raise IndexError(f"index {i} out of range for storage of size {n}")
    return j


def _lines(values):
    return " " + "\n ".join(str(v) for v in values)


def _cast_bytes(raw, src, dt):
    """The bytes of ``raw`` (elements of ``src``, an ember dtype) converted to ember dtype ``dt``: a new array (meta
    in, meta out); values convert as tensors' do."""
    n = raw.size // src.itemsize
    if _is_meta(raw):
        return _meta_bytes(n * dt.itemsize)
    from ember._tensor import wrap
    elements = raw[: n * src.itemsize].view(src.np)
    return xp.ascontiguousarray(wrap(elements).to(dt)._data).reshape(-1).view(_uint8).copy()


class _StorageBase:
    """What both storage kinds answer alike: dense CPU memory, never pinned, iterated as ``tolist()``; conversions
    to a :class:`TypedStorage` of another dtype (``float()``, ``long()``, ...)."""

    is_sparse = False
    is_cuda = False
    _shared = False

    def __iter__(self):
        return iter(self.tolist())

    def cpu(self):
        return self

    def is_shared(self):
        """Whether :meth:`share_memory_` was called on this storage."""
        return self.untyped()._shared

    def is_pinned(self, device="cuda"):
        return False

    def pin_memory(self, device="cuda"):
        """Page-locked memory needs an accelerator: PyTorch's CPU build raises, and so does ember."""
        if _is_meta(self.untyped()._bytes):
            raise TypeError(f"cannot pin '{_qualname(self)}' only CPU memory can be pinned")
        raise RuntimeError("Cannot access accelerator device when none is available.")

    def share_memory_(self):
        """Mark this storage as shared between processes; returns self. ember's memory is a NumPy array that worker
        processes receive by pickling, so nothing moves: the storage is only marked (see :meth:`is_shared`)."""
        untyped = self.untyped()
        if _is_meta(untyped._bytes):
            raise RuntimeError("_share_fd_: only available on CPU")
        untyped._shared = True
        return self

    def _device_to(self, device):
        # where ``to(device=...)`` may go: the CPU (the same memory); the meta and CUDA devices fail as in PyTorch's
        # CPU build
        from ember._tensor import device as _device
        kind = _device(device).type
        if kind == "meta":
            raise AssertionError("META device module is not loaded")
        if kind != "cpu":
            raise AssertionError("Torch not compiled with CUDA enabled")
        self.untyped().cpu()  # (a meta storage has no data to copy out)

    def to(self, *, device, non_blocking=False):
        """This storage on ``device``: itself on the CPU (ember's only device with memory)."""
        self._device_to(device)
        return self

    def _as(self, dt):
        # (PyTorch's conversions always copy, to a plain TypedStorage)
        raw = self.untyped()._bytes
        src = self.dtype if isinstance(self, TypedStorage) else _dtype.uint8
        return TypedStorage._over(UntypedStorage._over(_cast_bytes(raw, src, dt), True), dt)

    def double(self):
        """A copy as a float64 :class:`TypedStorage` (an untyped storage's bytes count as uint8 values)."""
        return self._as(_dtype.float64)

    def float(self):
        """A copy as a float32 :class:`TypedStorage`."""
        return self._as(_dtype.float32)

    def half(self):
        """A copy as a float16 :class:`TypedStorage`."""
        return self._as(_dtype.float16)

    def bfloat16(self):
        """A copy as a bfloat16 :class:`TypedStorage`."""
        return self._as(_dtype.bfloat16)

    def long(self):
        """A copy as an int64 :class:`TypedStorage`."""
        return self._as(_dtype.int64)

    def int(self):
        """A copy as an int32 :class:`TypedStorage`."""
        return self._as(_dtype.int32)

    def short(self):
        """A copy as an int16 :class:`TypedStorage`."""
        return self._as(_dtype.int16)

    def char(self):
        """A copy as an int8 :class:`TypedStorage`."""
        return self._as(_dtype.int8)

    def byte(self):
        """A copy as a uint8 :class:`TypedStorage`."""
        return self._as(_dtype.uint8)

    def bool(self):
        """A copy as a bool :class:`TypedStorage`."""
        return self._as(_dtype.bool_)

    def complex_float(self):
        """A copy as a complex64 :class:`TypedStorage`."""
        return self._as(_dtype.complex64)

    def complex_double(self):
        """A copy as a complex128 :class:`TypedStorage`."""
        return self._as(_dtype.complex128)

    def __reduce_ex__(self, protocol):
        if _is_meta(self.untyped()._bytes):  # (PyTorch copies the data out to pickle it)
            raise NotImplementedError(_NO_DATA)
        return object.__reduce_ex__(self, protocol)

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = self.clone()
        return memo[id(self)]


def _storage_class(dtype):
    """The storage class ``type(dtype)`` names: a class, or its dotted name (``'torch.'`` names mean ember's)."""
    if isinstance(dtype, str):
        import importlib
        module, _, name = dtype.rpartition(".")
        if not module:
            raise ModuleNotFoundError(f"No module named '{name}'")
        parts = module.split(".")
        if parts[0] == "torch":
            parts[0] = "ember"
        if "cuda" in parts[1:]:
            raise AssertionError("Torch not compiled with CUDA enabled")
        dtype = getattr(importlib.import_module(".".join(parts)), name)
    if type(dtype).__name__ == "_TensorType":  # (ember.FloatTensor: PyTorch's copy_ then refuses the storage)
        raise TypeError("copy_(): argument 'other' (position 1) must be Tensor, not ember.storage.UntypedStorage")
    if not (isinstance(dtype, type) and issubclass(dtype, _StorageBase)):
        what = f"type object '{dtype.__name__}'" if isinstance(dtype, type) else (
            "'ember.dtype' object" if isinstance(dtype, _dtype.dtype) else f"'{type(dtype).__name__}' object")
        raise AttributeError(f"{what} has no attribute 'is_sparse'")
    return dtype


def _qualname(storage):
    return f"ember.storage.{'TypedStorage' if isinstance(storage, TypedStorage) else 'UntypedStorage'}"


def _check_resize(storage, size):
    if isinstance(size, bool) or not isinstance(size, numbers.Integral):
        raise RuntimeError(f"resize_ expects an int, but got {type(size).__name__}")
    if size < 0:
        raise RuntimeError(f"Storage size must be non-negative, got {size}")
    if not storage._resizable:
        # (a tensor's memory is a NumPy array's, which PyTorch does not resize either: its error for from_numpy)
        raise RuntimeError("Trying to resize storage that is not resizable")


class UntypedStorage(_StorageBase):
    """A flat run of bytes: ``UntypedStorage(n)`` (``n`` zero bytes), ``UntypedStorage([1, 2, 3])`` (those bytes),
    or ``tensor.untyped_storage()`` (the memory the tensor lives in, shared with it).

    Indexing reads and writes single bytes (ints in 0..255); a slice (step 1) is a storage sharing the memory.
    """

    is_sparse_csr = False
    _resizable = True  # (not a tensor's memory: see untyped_storage)

    def __init__(self, *args, device=None):
        # (the meta device when asked for: PyTorch's storages keep to the CPU under a meta default device)
        meta = device is not None and _check_device(device, True)
        if not args:
            self._bytes = xp.zeros(0, dtype=_uint8)
        elif len(args) == 1 and isinstance(args[0], numbers.Integral) and not isinstance(args[0], bool):
            if args[0] < 0:
                raise RuntimeError(f"Storage size must be non-negative, got {args[0]}")
            self._bytes = xp.zeros(int(args[0]), dtype=_uint8)
        elif len(args) == 1 and isinstance(args[0], (list, tuple)):
            self._bytes = xp.array([int(v) & 0xFF for v in args[0]], dtype=_uint8)  # wraps as PyTorch does
        else:
            raise TypeError("UntypedStorage(): expected no arguments, (int size) or (Sequence data), got "
                            f"({', '.join(type(a).__name__ for a in args)})")
        if meta:
            self._bytes = _meta_bytes(self._bytes.size)

    @classmethod
    def _over(cls, array, resizable=False):
        """A storage over ``array``'s memory (a flat uint8 array; not copied)."""
        s = cls.__new__(cls)
        s._bytes = array
        s._resizable = resizable
        return s

    @property
    def device(self):
        return _meta_device if _is_meta(self._bytes) else _cpu

    def size(self):
        """The number of bytes."""
        return self._bytes.size

    nbytes = size
    __len__ = size

    def element_size(self):
        return 1

    def data_ptr(self):
        """The address of the first byte (0 on the meta device)."""
        return 0 if _is_meta(self._bytes) else _address(self._bytes)

    def __getitem__(self, idx):
        _refuse_meta(self._bytes)
        if isinstance(idx, slice):
            if idx.step not in (None, 1):
                raise RuntimeError(f"Trying to slice with a step of {idx.step}, but only a step of 1 is supported")
            return UntypedStorage._over(self._bytes[idx])
        return int(self._bytes[_index(idx, self._bytes.size, "ember.UntypedStorage")])

    def __setitem__(self, idx, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise RuntimeError(f"can only set storage content with a int types, but got {type(value).__name__} "
                               "instead")
        if _is_meta(self._bytes):
            return  # (no memory to write)
        if not isinstance(idx, slice):
            idx = _index(idx, self._bytes.size, "ember.UntypedStorage")
        self._bytes[idx] = int(value) & 0xFF

    def tolist(self):
        _refuse_meta(self._bytes)
        return to_numpy(self._bytes).tolist()

    def cpu(self):
        if _is_meta(self._bytes):
            raise NotImplementedError(_NO_DATA)
        return self

    def fill_(self, value):
        self[:] = value
        return self

    def copy_(self, source, non_blocking=None):
        """Copy ``source``'s bytes (a storage of the same number of bytes) into this one; returns self."""
        src = source.untyped()._bytes
        if src.size != self._bytes.size:
            raise RuntimeError(f"size does not match, self was {self._bytes.size} bytes but src was {src.size} bytes")
        if _is_meta(self._bytes):
            return self
        if _is_meta(src):
            raise NotImplementedError(_NO_DATA)
        self._bytes[...] = src
        return self

    def clone(self):
        """A new storage holding a copy of these bytes."""
        if _is_meta(self._bytes):
            return UntypedStorage._over(_meta_bytes(self._bytes.size), True)
        return UntypedStorage._over(self._bytes.copy(), True)

    def untyped(self):
        return self

    def resize_(self, size):
        """Change the number of bytes to ``size``: the first ones are kept, new ones are zero; returns self.

        A storage over a tensor's memory (``tensor.untyped_storage()``) cannot be resized: ember tensors never
        change their memory behind their back.
        """
        _check_resize(self, size)
        n = int(size)
        if _is_meta(self._bytes):
            self._bytes = _meta_bytes(n)
            return self
        new = xp.zeros(n, dtype=_uint8)
        keep = min(n, self._bytes.size)
        new[:keep] = self._bytes[:keep]
        self._bytes = new
        return self

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_resizable", None)  # (unpickled, it is a storage of its own: resizable)
        return state

    def type(self, dtype=None, non_blocking=False):
        """The type name ``'ember.storage.UntypedStorage'``; with ``dtype`` (a storage class or its name), these
        bytes copied into a new storage of that class holding ``size()`` elements (itself when it is one).

        As in PyTorch, the bytes are copied, not converted, so the new storage must have as many bytes: storage
        classes of 1-byte elements (``ember.ByteStorage``, ``ember.CharStorage``) and ``UntypedStorage`` only.
        """
        if dtype is None:
            return "ember.storage.UntypedStorage"
        cls = _storage_class(dtype)
        if cls is type(self):
            return self
        return cls(self.size()).copy_(self)

    def __repr__(self):
        values = "..." if _is_meta(self._bytes) else _lines(self.tolist())
        return f"{values}\n[ember.storage.UntypedStorage(device={self.device.type}) of size {self._bytes.size}]"

    __str__ = __repr__


_typed_storage_warned = False


def _warn_typed_storage_removal(stacklevel=3):
    """PyTorch's deprecation warning for typed storages, once per process as there (``stacklevel`` points at the
    user's call)."""
    global _typed_storage_warned
    if not _typed_storage_warned:
        _typed_storage_warned = True
        warnings.warn("TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the "
                      "only storage class. This should only matter to you if you are using storages directly.  To "
                      "access UntypedStorage directly, use tensor.untyped_storage() instead of tensor.storage()",
                      UserWarning, stacklevel=stacklevel)


class TypedStorage(_StorageBase):
    """A flat run of elements of one dtype: ``TypedStorage(n, dtype=...)``, ``TypedStorage(data, dtype=...)``,
    ``TypedStorage(wrap_storage=untyped, dtype=...)`` (those bytes, shared), or ``tensor.storage()``.

    The dtype defaults to ``ember.get_default_dtype()``; ``ember.FloatStorage`` and friends fix it.
    """

    dtype = None

    def __init__(self, *args, device=None, dtype=None, wrap_storage=None, _internal=False):
        if not _internal:
            _warn_typed_storage_removal(3 if type(self) is TypedStorage else 4)
        meta = device is not None and _check_device(device, True)
        dt = type(self).dtype or dtype or _dtype.get_default_dtype()
        np_dt = dt.np
        if wrap_storage is not None:
            if args:
                raise RuntimeError("No positional arguments should be given when using `wrap_storage`")
            if not isinstance(wrap_storage, UntypedStorage):
                raise TypeError(f"expected a UntypedStorage for `wrap_storage`, got {type(wrap_storage).__name__}")
            raw = wrap_storage._bytes
        elif not args:
            raw = xp.zeros(0, dtype=_uint8)
        elif len(args) == 1 and isinstance(args[0], numbers.Integral) and not isinstance(args[0], bool):
            if args[0] < 0:
                raise RuntimeError(f"Storage size must be non-negative, got {args[0]}")
            raw = xp.zeros(int(args[0]), dtype=np_dt).view(_uint8)
        elif len(args) == 1 and isinstance(args[0], (list, tuple)):
            raw = xp.array(args[0], dtype=np_dt).reshape(-1).view(_uint8)
        elif len(args) == 1 and isinstance(args[0], str):
            raise TypeError(f"new(): invalid data type '{type(args[0]).__name__}'")
        else:
            many = len(args) > 1
            raise (RuntimeError if many else TypeError)(
                f"{type(self)}.__new__ received an invalid combination of arguments. Expected one of:\n * no "
                "arguments\n * (int size)\n * (Sequence data)\n * (*, UntypedStorage wrap_storage)\n"
                + ("Too many positional arguments" if many else f"Argument type not recognized: {type(args[0])}"))
        self.dtype = dt
        if wrap_storage is not None and not meta:
            self._untyped_storage = wrap_storage  # (shared: resizing one resizes the other)
        else:
            self._untyped_storage = UntypedStorage._over(_meta_bytes(raw.size) if meta else raw, True)

    @classmethod
    def _over(cls, untyped, dtype):
        s = TypedStorage.__new__(TypedStorage)
        s.dtype = dtype
        s._untyped_storage = untyped
        return s

    @property
    def _array(self):
        raw = self._untyped_storage._bytes
        _refuse_meta(raw)
        item = self.dtype.itemsize
        return raw[: raw.size - raw.size % item].view(self.dtype.np)

    @property
    def device(self):
        return self._untyped_storage.device

    def size(self):
        """The number of elements."""
        return self._untyped_storage._bytes.size // self.dtype.itemsize

    __len__ = size

    def nbytes(self):
        return self._untyped_storage._bytes.size

    def element_size(self):
        return self.dtype.itemsize

    def data_ptr(self):
        return self._untyped_storage.data_ptr()

    def untyped(self):
        """The same memory as an :class:`UntypedStorage` (of bytes)."""
        return self._untyped_storage

    def _check(self, idx, reading):
        if isinstance(idx, slice):
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        if isinstance(idx, bool) or not isinstance(idx, numbers.Integral):
            raise RuntimeError(f"can't index a {type(self)} with {type(idx)}")
        n = self.size()
        if not -n <= idx < n:
            raise IndexError(f"index {idx} out of range for storage of size {n}" if reading else
                             f"index {idx} is out of bounds for dimension 0 with size {n}")
        return int(idx)

    def __getitem__(self, idx):
        return self._array[self._check(idx, True)].item()

    def __setitem__(self, idx, value):
        from ember._tensor import Tensor

        if isinstance(value, Tensor):
            value = value._data
        elif not isinstance(value, numbers.Number):
            raise TypeError(f"can't assign a {type(value).__name__} to a {_TYPE_WORDS[self.dtype.name]}")
        if _is_meta(self._untyped_storage._bytes):
            return  # (no memory to write)
        self._array[idx if isinstance(idx, slice) else self._check(idx, False)] = value

    def tolist(self):
        return to_numpy(self._array).tolist()

    def fill_(self, value):
        if not _is_meta(self._untyped_storage._bytes):
            self._array[...] = value
        return self

    def cpu(self):
        self._untyped_storage.cpu()
        return self

    def copy_(self, source, non_blocking=None):
        """Copy ``source`` (a storage of the same number of bytes) into this one; returns self."""
        self._untyped_storage.copy_(source)
        return self

    def clone(self):
        return TypedStorage._over(self._untyped_storage.clone(), self.dtype)

    def to(self, *, device, non_blocking=False):
        """This storage on ``device``: a new storage object over the same memory on the CPU."""
        self._device_to(device)
        return TypedStorage._over(self._untyped_storage, self.dtype)

    def resize_(self, size):
        """Change the number of elements to ``size`` (see :meth:`UntypedStorage.resize_`)."""
        _check_resize(self._untyped_storage, size)
        self._untyped_storage.resize_(int(size) * self.dtype.itemsize)

    def type(self, dtype=None, non_blocking=False):
        """The legacy type name, ``'ember.FloatStorage'``; with ``dtype``, as :meth:`UntypedStorage.type` of its
        bytes (as in PyTorch, which hands it to the untyped storage)."""
        if dtype is None:
            return f"ember.{_STORAGE_NAMES[self.dtype.name]}"
        return self._untyped_storage.type(dtype, non_blocking)

    def __repr__(self):
        values = "..." if _is_meta(self._untyped_storage._bytes) else _lines(self.tolist())
        return (f"{values}\n[ember.storage.TypedStorage(dtype={self.dtype}, device={self.device.type}) of size "
                f"{self.size()}]")

    __str__ = __repr__


_TYPE_WORDS = {"float32": "ember.FloatTensor", "float64": "ember.DoubleTensor", "float16": "ember.HalfTensor",
               "int64": "ember.LongTensor", "int32": "ember.IntTensor", "int16": "ember.ShortTensor",
               "int8": "ember.CharTensor", "uint8": "ember.ByteTensor", "bool": "ember.BoolTensor"}
_STORAGE_NAMES = {"float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
                  "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
                  "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage"}


class _LegacyStorage(TypedStorage):
    """Base of ``ember.FloatStorage`` and friends: a :class:`TypedStorage` of a fixed dtype."""

    def __init__(self, *args, device=None, wrap_storage=None, _internal=False):
        if device is not None:  # (the legacy classes are CPU-only; TypedStorage takes a device)
            raise RuntimeError(
                f"{type(self)}.__new__ received an invalid combination of arguments. Expected one of:\n * no "
                "arguments\n * (int size)\n * (Sequence data)\n * (*, UntypedStorage wrap_storage)\nKeyword "
                "argument 'device' cannot be specified")
        super().__init__(*args, wrap_storage=wrap_storage, _internal=_internal)


class _LegacyStorageMeta(type):
    def __instancecheck__(cls, obj):
        # tensor.storage() is a plain TypedStorage; it is "a FloatStorage" when its dtype says so (as in PyTorch)
        if cls is _LegacyStorage:
            return type.__instancecheck__(cls, obj)
        return isinstance(obj, TypedStorage) and obj.dtype is cls.dtype


_LEGACY = {}
for _name, _dt in (("FloatStorage", _dtype.float32), ("DoubleStorage", _dtype.float64),
                   ("HalfStorage", _dtype.float16), ("LongStorage", _dtype.int64), ("IntStorage", _dtype.int32),
                   ("ShortStorage", _dtype.int16), ("CharStorage", _dtype.int8), ("ByteStorage", _dtype.uint8),
                   ("BoolStorage", _dtype.bool_)):
    _LEGACY[_dt.name] = globals()[_name] = _LegacyStorageMeta(_name, (_LegacyStorage,),
                                                               {"dtype": _dt, "__module__": "ember"})


def is_storage(obj):
    """Whether ``obj`` is a storage (:class:`TypedStorage` or :class:`UntypedStorage`)."""
    return isinstance(obj, (TypedStorage, UntypedStorage))


# ------------------------------------------------------------------------------------------- Tensor methods
def untyped_storage(self):
    """The memory this tensor lives in, as an :class:`UntypedStorage` of bytes shared with the tensor."""
    a = self._data
    if a.base is not None and _is_meta_data(a):  # (a meta tensor's: the size of the tensor it views, no memory)
        root = self
        while root._parent is not None:
            root = root._parent
        return UntypedStorage._over(_meta_bytes(root._data.size * a.itemsize))
    return UntypedStorage._over(_memory_of(a))


def storage(self):
    """The memory this tensor lives in, as a :class:`TypedStorage` of its dtype (PyTorch warns once that typed
    storages are deprecated; so does ember)."""
    _warn_typed_storage_removal(4)  # past this function and the method wrapper
    return TypedStorage._over(untyped_storage(self), self.dtype)


def storage_type(self):
    """The legacy storage class of this tensor's dtype (``ember.FloatStorage`` for float32)."""
    _warn_typed_storage_removal(4)
    return _LEGACY[self.dtype.name]


def _tensor_over(storage, dtype):
    """A 1-D tensor viewing ``storage``'s elements (``tensor.new(storage)``)."""
    from ember._tensor import wrap

    typed = storage if isinstance(storage, TypedStorage) else TypedStorage._over(storage, dtype)
    if typed.dtype != dtype:
        raise TypeError(f"Expected a Storage of type {dtype} or an UntypedStorage, but got {typed.dtype}")
    if _is_meta(typed._untyped_storage._bytes):
        from ember._meta import empty
        return empty((typed.size(),), dtype.np)
    return wrap(typed._array)


__all__ = ["TypedStorage", "UntypedStorage", "is_storage"]
