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
from ember._tensor import _check_device, _cpu

_uint8 = xp.dtype(xp.uint8)


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


class _StorageCommon:
    """What both storage kinds answer alike: dense CPU memory, never shared or pinned, iterated as ``tolist()``."""

    is_sparse = False
    is_cuda = False

    def __iter__(self):
        return iter(self.tolist())

    def cpu(self):
        return self

    def is_shared(self):
        return False

    def is_pinned(self, device="cuda"):
        return False


class UntypedStorage(_StorageCommon):
    """A flat run of bytes: ``UntypedStorage(n)`` (``n`` zero bytes), ``UntypedStorage([1, 2, 3])`` (those bytes),
    or ``tensor.untyped_storage()`` (the memory the tensor lives in, shared with it).

    Indexing reads and writes single bytes (ints in 0..255); a slice (step 1) is a storage sharing the memory.
    """

    is_sparse_csr = False

    def __init__(self, *args, device=None):
        _check_device(device)
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

    @classmethod
    def _over(cls, array):
        """A storage over ``array``'s memory (a flat uint8 array; not copied)."""
        s = cls.__new__(cls)
        s._bytes = array
        return s

    @property
    def device(self):
        return _cpu

    def size(self):
        """The number of bytes."""
        return self._bytes.size

    nbytes = size
    __len__ = size

    def element_size(self):
        return 1

    def data_ptr(self):
        """The address of the first byte."""
        return _address(self._bytes)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            if idx.step not in (None, 1):
                raise RuntimeError(f"Trying to slice with a step of {idx.step}, but only a step of 1 is supported")
            return UntypedStorage._over(self._bytes[idx])
        return int(self._bytes[_index(idx, self._bytes.size, "ember.UntypedStorage")])

    def __setitem__(self, idx, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise RuntimeError(f"can only set storage content with a int types, but got {type(value).__name__} "
                               "instead")
        if not isinstance(idx, slice):
            idx = _index(idx, self._bytes.size, "ember.UntypedStorage")
        self._bytes[idx] = int(value) & 0xFF

    def tolist(self):
        return to_numpy(self._bytes).tolist()

    def fill_(self, value):
        self[:] = value
        return self

    def copy_(self, source, non_blocking=None):
        """Copy ``source``'s bytes (a storage of the same number of bytes) into this one; returns self."""
        src = source.untyped()._bytes
        if src.size != self._bytes.size:
            raise RuntimeError(f"size does not match, self was {self._bytes.size} bytes but src was {src.size} bytes")
        self._bytes[...] = src
        return self

    def clone(self):
        """A new storage holding a copy of these bytes."""
        return UntypedStorage._over(self._bytes.copy())

    def untyped(self):
        return self

    def type(self):
        return "ember.storage.UntypedStorage"

    def __repr__(self):
        return f"{_lines(self.tolist())}\n[ember.storage.UntypedStorage(device=cpu) of size {self._bytes.size}]"

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


class TypedStorage(_StorageCommon):
    """A flat run of elements of one dtype: ``TypedStorage(n, dtype=...)``, ``TypedStorage(data, dtype=...)``,
    ``TypedStorage(wrap_storage=untyped, dtype=...)`` (those bytes, shared), or ``tensor.storage()``.

    The dtype defaults to ``ember.get_default_dtype()``; ``ember.FloatStorage`` and friends fix it.
    """

    dtype = None

    def __init__(self, *args, device=None, dtype=None, wrap_storage=None, _internal=False):
        if not _internal:
            _warn_typed_storage_removal(3 if type(self) is TypedStorage else 4)
        _check_device(device)
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
        self._untyped_storage = UntypedStorage._over(raw)

    @classmethod
    def _over(cls, untyped, dtype):
        s = TypedStorage.__new__(TypedStorage)
        s.dtype = dtype
        s._untyped_storage = untyped
        return s

    @property
    def _array(self):
        raw = self._untyped_storage._bytes
        item = self.dtype.itemsize
        return raw[: raw.size - raw.size % item].view(self.dtype.np)

    @property
    def device(self):
        return _cpu

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
        self._array[idx if isinstance(idx, slice) else self._check(idx, False)] = value

    def tolist(self):
        return to_numpy(self._array).tolist()

    def fill_(self, value):
        self._array[...] = value
        return self

    def copy_(self, source, non_blocking=None):
        """Copy ``source`` (a storage of the same number of bytes) into this one; returns self."""
        self._untyped_storage.copy_(source)
        return self

    def clone(self):
        return TypedStorage._over(self._untyped_storage.clone(), self.dtype)

    def type(self, dtype=None, non_blocking=False):
        """The legacy type name, ``'ember.FloatStorage'``."""
        return f"ember.{_STORAGE_NAMES[self.dtype.name]}"

    def __repr__(self):
        return (f"{_lines(self.tolist())}\n[ember.storage.TypedStorage(dtype={self.dtype}, device=cpu) of size "
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
        super().__init__(*args, device=device, wrap_storage=wrap_storage, _internal=_internal)


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
    return UntypedStorage._over(_memory_of(self._data))


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
    return wrap(typed._array)


__all__ = ["TypedStorage", "UntypedStorage", "is_storage"]
