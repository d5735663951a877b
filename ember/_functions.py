"""The ``ember.*`` functions (``torch.*`` counterparts); Tensor methods call these."""

import builtins
import collections
import functools
import math
import numbers
import operator
import sys

from ember import _dtype
from ember import _functions_args as _args
from ember import _ops
from ember._backend import xp
from ember._ops import elementwise as E
from ember._ops import linalg as L
from ember._ops import reduction as R
from ember._ops import shape as S
from ember import _random_kernels as _rk
from ember._tensor import Size, Tensor, _check_device, _format_name, _is_meta_data, _new, _warn_complex_cast, wrap
from ember._tensor import contiguous_format as _contiguous_format
from ember.autograd.grad_mode import state as _grad_state


_bool = builtins.bool
_int = builtins.int
_REQUIRED, _UNSET = _args.REQUIRED, _args.UNSET  # (defaults of the functions taking NumPy's ``axis`` inline)
_float = builtins.float
_Number = (numbers.Number,)

# ============================================================================================ creation


def _np_dtype(dtype, default=None):
    if dtype is None:
        return default
    if isinstance(dtype, _dtype.dtype):
        return dtype.np
    if isinstance(dtype, xp.dtype):
        return dtype  # (internal callers pass NumPy dtypes they resolved already)
    py = _dtype.from_py(dtype)  # (float -> float64, int -> int64, ..., as PyTorch)
    if py is None:
        _bad_dtype(dtype)
    return py.np


def _bad_dtype(dtype):
    """PyTorch's TypeError for a ``dtype=`` that is no dtype (a NumPy type, a string), named after the public
    function that got it: the first caller whose name has no underscore (this is the error path only)."""
    import sys
    frame = sys._getframe(1)
    while frame.f_back is not None and (frame.f_code.co_name.startswith("_") or frame.f_code.co_name == "make"):
        if frame.f_code.co_name == "make" and isinstance(frame.f_locals.get("name"), str):
            break  # (the functions _creator and _like make carry their name in the closure)
        frame = frame.f_back
    name = frame.f_code.co_name
    name = frame.f_locals["name"] if name == "make" else name
    raise TypeError(f"{name}(): argument 'dtype' must be torch.dtype, not {_args.type_name(dtype)}")


_PLAIN_KINDS = {_bool: "b", _int: "i", _float: "f", builtins.complex: "c"}


def _plain_kinds(data):
    """The kinds ("b", "i", "f", "c"; "f" for an empty sequence) of nested lists and tuples holding plain Python
    numbers only, read a sequence at a time (one pass over its types, at C speed, instead of a Python step per
    element); None when something else is there (a tensor, a NumPy scalar, a string, ...)."""
    kinds, stack = set(), [data]
    while stack:
        seq = stack.pop()
        if not seq:
            kinds.add("f")
            continue
        types = set(map(type, seq))
        if list in types or tuple in types:
            stack.extend(v for v in seq if type(v) is list or type(v) is tuple)
            types.discard(list)
            types.discard(tuple)
        for t in types:
            if t not in _PLAIN_KINDS:
                return None
            kinds.add(_PLAIN_KINDS[t])
    return kinds


def _infer_np_dtype(data, kinds=None):
    """The dtype PyTorch would give a tensor built from nested Python data (``kinds``: its
    :func:`_plain_kinds`, when known)."""
    if kinds is not None:
        return _kinds_np_dtype(kinds, [])
    # PyTorch folds the element types with promote_types: a Python bool, int, float or complex counts as bool,
    # int64, the default dtype or the default complex dtype; a tensor, NumPy array or NumPy scalar as its own
    # dtype; an empty sequence as the default dtype. Read a sequence's types at a time (C speed), in order.
    found = {}  # (ordered: PyTorch's promotion errors name the types in the order met)
    stack = [data] if _is_sequence(type(data)) else [[data]]
    while stack:
        seq = stack.pop()
        if not len(seq):
            found[_dtype.get_default_dtype()] = None
            continue
        nested = []
        for t in dict.fromkeys(map(type, seq)):
            if t in _PLAIN_KINDS:
                found[_KIND_DTYPES[_PLAIN_KINDS[t]]()] = None
            elif issubclass(t, (Tensor, xp.ndarray)):
                found.update(dict.fromkeys(_dtype.from_np(v.dtype) if t is not Tensor else v.dtype
                                           for v in seq if type(v) is t))
            elif issubclass(t, xp.generic) and not issubclass(t, (str, bytes)):
                found[_dtype.from_np(xp.dtype(t))] = None
            elif issubclass(t, (str, bytes)):
                _str_dimension(data)  # (PyTorch reads the shape first: a string there is an endless sequence)
                raise TypeError(f"new(): invalid data type '{t.__name__}'")
            elif issubclass(t, (_bool, _int, _float, builtins.complex)):  # subclasses (an IntEnum, ...)
                found[_KIND_DTYPES[_PLAIN_KINDS[next(k for k in _PLAIN_KINDS if issubclass(t, k))]]()] = None
            elif _is_sequence(t):
                nested.extend(v for v in seq if type(v) is t)
            else:
                raise RuntimeError(f"Could not infer dtype of {_args.type_name(next(v for v in seq if type(v) is t))}")
        stack.extend(reversed(nested))
    return functools.reduce(_dtype.promote_types, found).np


_KIND_DTYPES = {"b": lambda: _dtype.bool_, "i": lambda: _dtype.int64, "f": _dtype.get_default_dtype,
                "c": _dtype.default_complex}


def _is_sequence(t):
    """Whether PyTorch reads objects of type ``t`` as sequences (range, deque, array.array, memoryview, ...)."""
    if issubclass(t, (list, tuple, xp.ndarray)):
        return True
    if issubclass(t, (dict, str, bytes, Tensor)):
        return False
    mro = t.__mro__  # (the class's own methods: an Enum class's metaclass has __getitem__ too)
    return builtins.any("__getitem__" in k.__dict__ for k in mro) and builtins.any("__len__" in k.__dict__ for k in mro)


def _kinds_np_dtype(kinds, arrays):
    """:func:`_infer_np_dtype`'s answer for the element kinds found and the dtypes of the tensors among them."""
    if "c" in kinds or builtins.any(k.kind == "c" for k in arrays):
        cl = [k for k in arrays if k.kind == "c"]
        return cl[0] if len(cl) == 1 and "c" not in kinds else _dtype.default_complex().np
    if "f" in kinds or builtins.any(k.kind in "fV" for k in arrays):
        fl = [k for k in arrays if k.kind in "fV"]
        return fl[0] if len(fl) == 1 and "f" not in kinds else _dtype.get_default_dtype().np
    if "i" in kinds or builtins.any(k.kind in "iu" for k in arrays):
        return xp.dtype(xp.int64)
    if kinds or arrays:
        return xp.dtype(xp.bool_)
    return _dtype.get_default_dtype().np


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Make a tensor that copies ``data`` (nested lists, numbers, NumPy arrays or tensors).

    Python floats become float32, ints int64 and bools bool, as in PyTorch.

    Example::

        >>> ember.tensor([[1, 2], [3, 4]], dtype=ember.float32)
        tensor([[1., 2.],
                [3., 4.]])
    """
    if pin_memory:
        _no_pinning(pin_memory)
    if _check_device(device, True, copy=True):  # (the default device too)
        t = tensor(data, dtype, "cpu")
        return _meta_empty(t._data.shape, t._data.dtype, requires_grad)
    if isinstance(data, Tensor):
        _args.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning)
        arr = data._data.astype(_np_dtype(dtype, data._data.dtype), copy=True)
    elif isinstance(data, xp.ndarray) or (type(data).__module__ == "numpy" and not (
            dtype is not None and _dtype.to_np(dtype).kind in "iu")):  # (a NumPy scalar into an integer dtype is
        _check_strides(data)                                           # read as a Python number, below)
        arr = xp.array(data, dtype=_np_dtype(dtype, None))
        if dtype is None:
            _dtype.from_np(arr.dtype)
    else:
        if not isinstance(data, (list, tuple)) and _is_sequence(type(data)):
            data = list(data)  # range, deque, array.array, memoryview, ...: PyTorch reads any sequence
        plain = _plain_kinds(data) if isinstance(data, (list, tuple)) else None  # (None: maybe tensors inside)
        np_dtype = _np_dtype(dtype) if dtype is not None else _infer_np_dtype(data, plain)
        if plain is None and isinstance(data, (list, tuple)):
            data = _nested_to_array(data, np_dtype)
        try:
            arr = _int_array(data, np_dtype) if np_dtype.kind in "iu" else _real_array(data, np_dtype)
        except ValueError as exc:  # ragged data: PyTorch's error (or an empty tensor), found by walking it
            arr = _ragged(data, np_dtype, exc)
    return _finish(arr, requires_grad)


_SEQUENCES = (list, tuple, str, xp.ndarray)


def _ragged(data, np_dtype, exc):
    """PyTorch's error for nested data NumPy refused (``exc``, raised when none is found): the shape is read from
    the first element at each level, then each sequence is checked against it in order: ``expected sequence of
    length 3 at dim 1 (got 2)``, a number where a sequence is due (``not a sequence``), a sequence where a number
    is due (the element's conversion error). An empty shape is read no further: ``[[], [1]]`` gives (2, 0)."""
    if (shape := _str_dimension(data)) is not None:
        return xp.empty(shape, np_dtype)
    sizes, d = [], data
    while isinstance(d, _SEQUENCES) and not isinstance(d, str):
        sizes.append(len(d))
        if not len(d):
            return xp.empty(sizes, np_dtype)
        d = d[0]

    def visit(seq, dim):
        if dim == len(sizes):  # an element
            if isinstance(seq, _SEQUENCES) and not isinstance(seq, xp.ndarray) or getattr(seq, "ndim", 0):
                name = _args.type_name(seq)
                raise TypeError(f"'{name}' object cannot be interpreted as an integer" if np_dtype.kind in "iub"
                                else f"must be real number, not {name}")
            return
        if not isinstance(seq, _SEQUENCES):
            raise TypeError("not a sequence")
        if len(seq) != sizes[dim]:
            raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(seq)})")
        for v in seq:
            visit(v, dim + 1)

    visit(data, 0)
    raise ValueError(str(exc).replace("inhomogeneous", "inhomogeneous (ragged)")) from None


def _int_array(data, np_dtype):
    """Python data (numbers, nested sequences) as an array of the integer ``np_dtype``, read as PyTorch's
    ``tensor()`` reads it: an int as an int64 (ValueError beyond) converted with PyTorch's range check (an unsigned
    dtype also takes negative ints down to minus its maximum, wrapping them: ``-1`` is 255 in uint8), a float
    truncated if within the dtype's range, a bool as 0 or 1; uint64 takes Python ints only."""
    a = None
    if not isinstance(data, xp.generic):  # (a NumPy scalar goes element by element: PyTorch reads its type)
        try:
            a = xp.array(data)
        except (OverflowError, TypeError, ValueError):
            pass
    if a is not None and (a.dtype == _I64 or a.dtype == _F64 or a.dtype == xp.bool_):
        ok = a.dtype == xp.bool_ or a.size == 0
        if not ok and np_dtype == xp.uint64:
            ok = a.dtype == _I64 and a.min() >= 0
        elif not ok:
            bottom, top = _int_range(np_dtype)
            if a.dtype == _I64:  # (NumPy makes int64 only of ints that fit it)
                ok = np_dtype == _I64 or (a.min() >= (-top if np_dtype.kind == "u" else bottom) and a.max() <= top)
            else:  # floats, maybe with ints NumPy made floats: vouched for only where those are exact (< 2**53)
                ok = builtins.bool(((a >= builtins.max(bottom, -2 ** 53)) & (a <= builtins.min(top, 2 ** 53))).all())
        if ok:
            return a.astype(np_dtype, copy=False)  # (C's conversion: floats truncate, negatives wrap)
    return _int_items(data, np_dtype)


def _int_items(data, np_dtype):
    """:func:`_int_array` element by element, in order (the first element PyTorch refuses raises its error): for
    data the vectorised reading cannot vouch for."""
    items = xp.array(data, dtype=object)
    if builtins.any(isinstance(v, (list, tuple, xp.ndarray)) for v in items.flat):
        return xp.array(data, dtype=np_dtype)  # ragged: NumPy's error
    if (shape := _str_dimension(data)) is not None:
        return xp.empty(shape, np_dtype)
    values = [_int_item(v, np_dtype) for v in items.flat]
    wide = xp.uint64 if np_dtype == xp.uint64 else xp.int64
    return xp.array(values, dtype=wide).reshape(items.shape).astype(np_dtype)


def _str_dimension(data):
    """PyTorch's error for a string where it reads the shape (the first element at each level: a string is a
    sequence there); a string elsewhere is refused as an element instead. The shape when it ends at an empty
    string (PyTorch then reads no element: ``tensor([''], dtype=float32)`` is empty), else None."""
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    shape = []
    while isinstance(data, (list, tuple)) and len(data):
        shape.append(len(data))
        data = data[0]
    if isinstance(data, str):
        if data:
            raise ValueError("too many dimensions 'str'")
        return shape + [0]
    return None


def _int_item(v, np_dtype):
    """One element of :func:`_int_items`, as a Python int in the range of int64 (of uint64 for uint64)."""
    if np_dtype == xp.uint64:
        if not isinstance(v, _int):
            raise TypeError("an integer is required")
        if v < 0:
            raise OverflowError("can't convert negative int to unsigned")
        if v > 0xFFFFFFFFFFFFFFFF:
            raise OverflowError("int too big to convert")
        return v
    bottom, top = _int_range(np_dtype)
    if isinstance(v, _float):  # (compared as doubles, as C does)
        if not (_float(0 if np_dtype.kind == "u" else bottom) <= v <= _float(top)):
            raise RuntimeError(f"value cannot be converted to type {np_dtype.name} without overflow")
        return _wrap_int(_int(v), _I64)
    if isinstance(v, (_int, xp.integer)):  # (a bool too; a NumPy bool is not an int to PyTorch)
        v = _int(v)
        if not -0x8000000000000000 <= v <= 0x7FFFFFFFFFFFFFFF:
            raise ValueError("Overflow when unpacking long long")
        if not (-top if np_dtype.kind == "u" else bottom) <= v <= top:
            raise RuntimeError(f"value cannot be converted to type {np_dtype.name} without overflow")
        return v
    raise TypeError(f"'{_args.type_name(v)}' object cannot be interpreted as an integer")


def _real_array(data, np_dtype):
    """Python data as an array of the float, complex or bool ``np_dtype``. NumPy reads the data without a dtype
    first (given one, it would parse strings as numbers and read None as NaN); what it cannot make numbers of goes
    element by element, as PyTorch reads each (a string, None, a complex into a real dtype: TypeError; an int
    beyond float64's range: OverflowError; a huge int into bfloat16 is fine)."""
    try:
        a = xp.array(data)
    except (OverflowError, TypeError, ValueError) as exc:
        if np_dtype.kind not in "fV":
            raise
        return _real_items(data, np_dtype, exc)
    kind = a.dtype.kind
    if kind in "OUS":  # strings, None, huge ints, ...: refused or read one by one, as PyTorch
        if np_dtype.kind in "fV":
            return _real_items(data, np_dtype, None)
        if (shape := _str_dimension(data)) is not None:
            return xp.empty(shape, np_dtype)
        for v in xp.array(data, dtype=object).flat:
            if not isinstance(v, numbers.Number) or (isinstance(v, xp.bool_) and np_dtype.kind == "c"):
                name = _args.type_name(v)
                raise TypeError(f"'{name}' object cannot be interpreted as an integer" if np_dtype.kind == "b"
                                else f"must be real number, not {name}")
        return xp.array(data, dtype=np_dtype)
    if kind == "c" and np_dtype.kind in "fV":
        return _real_items(data, np_dtype, None)  # (PyTorch refuses a complex number for a real dtype)
    if kind in "iu" and np_dtype != _F64 and np_dtype.kind != "b":  # (an int is read as a double, as PyTorch)
        with xp.errstate(over="ignore"):
            return a.astype(_F64).astype(np_dtype, copy=False)
    with xp.errstate(over="ignore"):
        return a.astype(np_dtype, copy=False)


def _real_items(data, np_dtype, exc):
    """:func:`_real_array` element by element, each read as a double (``exc``: NumPy's error, raised for
    ragged data)."""
    if (shape := _str_dimension(data)) is not None:
        return xp.empty(shape, np_dtype)
    items = xp.array(data, dtype=object)
    values = []
    for v in items.flat:
        if isinstance(v, (list, tuple, xp.ndarray)) and exc is not None:
            raise exc
        if not isinstance(v, numbers.Real) or isinstance(v, xp.bool_):  # (a NumPy bool is no number to PyTorch)
            raise TypeError(f"must be real number, not {_args.type_name(v)}") from None
        values.append(_float(v))  # (Python's OverflowError beyond a double, as PyTorch's)
    with xp.errstate(over="ignore"):
        return xp.array(values, dtype=_F64).reshape(items.shape).astype(np_dtype)


_warned_once = {"ndarrays": False, "requires_grad": False}  # PyTorch gives these two warnings once per process


def _nested_to_array(data, np_dtype):
    """Nested sequences holding more than plain numbers, as PyTorch reads them: the shape follows the first element
    at each level (a NumPy array counts as the sequence it is, a tensor or number ends it); then a tensor where a
    sequence is due is read as one, and a tensor where a number is due must have one element (its value is taken).
    Other sequences (range, deque, ...) become lists; NumPy arrays stay (NumPy reads them at C speed)."""
    depth, sizes, d = 0, [], data
    while not isinstance(d, Tensor) and _is_sequence(type(d)):
        if isinstance(d, xp.ndarray) and d.ndim == 0:
            raise TypeError("len() of unsized object")  # (PyTorch asks a 0-d array for its length)
        depth += 1
        sizes.append(len(d))
        if not len(d):
            break
        d = d[0]
    no_bools = np_dtype.kind in "iu"  # (PyTorch reads a NumPy bool as no integer)
    as_index = np_dtype.kind in "iub"  # (into these PyTorch reads an element tensor as an index: integral, 1 item)

    def convert(v, level):
        if type(v) in _PLAIN_KINDS:  # (the common case first)
            return v
        if isinstance(v, xp.ndarray) and 0 not in sizes and not _warned_once["ndarrays"]:
            _warned_once["ndarrays"] = True  # (PyTorch says it on storing the first array: not for empty data)
            _args.warn("Creating a tensor from a list of numpy.ndarrays is extremely slow. Please consider "
                       "converting the list to a single numpy.ndarray with numpy.array() before converting to a "
                       "tensor.", UserWarning)
        if no_bools and (isinstance(v, xp.bool_) or isinstance(v, xp.ndarray) and v.dtype == xp.bool_ and v.size):
            raise TypeError("'numpy.bool' object cannot be interpreted as an integer")
        if isinstance(v, xp.ndarray):
            return v if level < depth else v[()]
        if isinstance(v, Tensor):
            if level < depth:
                return v._data
            if v._requires_grad and not _warned_once["requires_grad"]:
                _warned_once["requires_grad"] = True
                _args.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected "
                           "behavior.\nConsider using tensor.detach() first.", UserWarning)
            if as_index and (v._data.size != 1 or v._data.dtype.kind not in "iub"):
                raise TypeError("only integer tensors of a single element can be converted to an index")
            if v._data.size != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
            return v._data.item()
        if level < depth and not isinstance(v, (str, bytes)) and _is_sequence(type(v)):
            return [convert(x, level + 1) for x in v]
        return v

    return [convert(v, 1) for v in data]


def _check_strides(a):
    """PyTorch's refusal of a NumPy array with a negative stride (``a[::-1]``) for a tensor made from it."""
    if isinstance(a, xp.ndarray) and builtins.any(s < 0 for s in a.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a copy "
                         "of your array  with array.copy().) ")


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array or tensor when no conversion is needed."""
    if _check_device(device, True, copy=True):
        return as_tensor(data, dtype, "cpu").to("meta")
    if isinstance(data, Tensor):
        return data if dtype is None or dtype.np == data._data.dtype else data.to(dtype)
    if isinstance(data, xp.ndarray):
        t = from_numpy(data)  # (its checks, and its read-only handling, as PyTorch's as_tensor)
        np_dtype = _np_dtype(dtype, data.dtype)
        return t if np_dtype == data.dtype else wrap(t._data.astype(np_dtype))
    return tensor(data, dtype=dtype)


def asarray(obj, dtype=None, device=None, copy=None, requires_grad=False):
    t = as_tensor(obj, dtype=dtype, device=device)
    if copy:
        t = t.clone()
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array.

    As in PyTorch, a read-only array warns (once per program) and its tensor still shares its memory and can be
    written: the writes reach the array's memory, even a ``bytes`` object's (``np.frombuffer(b"...")``; PyTorch's
    warning calls that undefined behaviour). ember keeps read-only memory maps read-only (writing to their tensor
    raises), where PyTorch's writes crash, and copies other read-only foreign buffers.

    Example::

        >>> a = np.arange(3.0)
        >>> t = ember.from_numpy(a); t[0] = 5.0; a[0]
        5.0
    """
    if not isinstance(ndarray, xp.ndarray):
        raise TypeError(f"expected np.ndarray (got {_args.type_name(ndarray)})")
    _check_strides(ndarray)
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. Conversion "
                         "between byte orders is currently not supported.")
    _dtype.from_np(ndarray.dtype)
    if not ndarray.flags.writeable:
        if not _warned_once.get("read_only"):  # PyTorch warns once per program
            _warned_once["read_only"] = True
            _args.warn("The given NumPy array is not writable, and PyTorch does not support non-writable tensors. "
                       "This means writing to this tensor will result in undefined behavior. You may want to copy "
                       "the array to protect its data or make it writable before converting it to a tensor. This "
                       "type of warning will be suppressed for the rest of this program.")
        from ember._backend import memory_owner
        from ember._functions_extra import _overlapping
        # ember keeps arrays whose elements overlap (np.broadcast_to) read-only: that is how it refuses in-place
        # writes to them, as PyTorch does; other read-only arrays are made writable as PyTorch's are
        if not _overlapping(ndarray.shape, ndarray.strides):
            owner = memory_owner(ndarray)
            if owner.flags.owndata:  # ordinary memory, only flagged read-only: a writable alias of it
                was = owner.flags.writeable
                owner.flags.writeable = True
                try:
                    ndarray = ndarray.view()
                    ndarray.flags.writeable = True
                finally:
                    owner.flags.writeable = was
            elif type(owner.base) is bytes and len(owner.base) > 1:
                # a bytes object's memory: a writable alias, as PyTorch shares it (one-byte bytes objects are
                # interpreter-wide singletons: those are copied below)
                import ctypes
                raw = owner.base
                start = xp.frombuffer(raw, xp.uint8).__array_interface__["data"][0]
                buf = (ctypes.c_char * len(raw)).from_address(start)
                buf._owner = raw  # (keeps the bytes object alive as long as the tensor's memory)
                ndarray = xp.ndarray(ndarray.shape, ndarray.dtype, buffer=buf, strides=ndarray.strides,
                                     offset=ndarray.__array_interface__["data"][0] - start)
            elif not isinstance(owner, xp.memmap):
                ndarray = ndarray.copy()  # another buffer that may not be written (a read-only mmap, say)
    return wrap(ndarray)


def _size_args(size, name="size", negative=None):
    """The shape given as ``*size`` (ints, or one tuple/list/Size of them) to function ``name``, with PyTorch's
    TypeErrors for anything else (a lone bool too: ``zeros(True)``). ``negative``: the function's own message for
    a negative size (PyTorch's ``zeros`` checks them itself)."""
    seq = len(size) == 1 and isinstance(size[0], (tuple, list, Size))
    if seq:
        size = tuple(size[0])
    out = []
    for i, s in enumerate(size):
        if isinstance(s, Tensor):
            if s._data.size != 1:  # (a tensor of several sizes is no size: PyTorch's TypeError)
                raise TypeError(f"{name}(): argument 'size' (position {i + 1}) must be tuple of ints, not Tensor")
            s = s.item()
        if not isinstance(s, _int) or (isinstance(s, _bool) and len(size) == 1 and not seq):
            try:
                s = operator.index(s) if not isinstance(s, _bool) else None
            except TypeError:
                s = None
            if s is None:
                raise _size_error(name, size[i], i, seq, len(size), size)
        elif isinstance(s, _bool):
            s = _int(s)  # a bool among the sizes counts as 0 or 1
        if s < 0:
            raise RuntimeError(negative or f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(s)
    return tuple(out)


def _keyword_size(name, size, kwargs):
    """``*size``, or the ``size=`` keyword PyTorch also accepts (``ember.zeros(size=(2, 3))``); other leftover
    keywords are the TypeError of an unknown argument."""
    if "size" in kwargs:
        if size:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        size = (kwargs.pop("size"),)
    for key in kwargs:
        raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")
    return size


def _size_error(name, value, i, seq, n, values=()):
    """PyTorch's TypeError for ``value``, element ``i`` of a size given as one sequence (``seq``) or as ``n``
    separate arguments (``values``: those arguments)."""
    head = f"{name}(): argument 'size'"
    if seq and i == 0:  # (PyTorch's parser reads a sequence as sizes only from an int first element)
        return TypeError(f"{head} (position 1) must be tuple of ints, but found element of type "
                         f"{_args.type_name(value)} at pos 0")
    if n == 1:
        return TypeError(f"{head} (position 1) must be tuple of ints, not {_args.type_name(value)}")
    if i == 0 and not seq:  # (no int first: not read as sizes, so the other arguments are extra ones)
        if name in ("rand", "randn"):  # (two overloads, with and without a generator: no match for either)
            opts = ("Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device device "
                    "= None, bool pin_memory = False, bool requires_grad = False)")
            return _args.combination_error(name, values, {}, [
                f"(tuple of ints size, *, torch.Generator generator, {opts}", f"(tuple of ints size, *, {opts}"])
        return TypeError(f"{name}() takes 1 positional argument but {n} were given")
    return TypeError(f"{head} failed to unpack the object at pos {i + 1} with error \"type must be tuple of ints,"
                     f"but got {_args.type_name(value)}\"")


def _finish(arr, requires_grad):
    t = wrap(arr)
    if requires_grad:
        if arr.dtype.kind not in "fVc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


def _missing_size(name):
    """PyTorch's TypeError for a factory called without a size (``zeros(())`` is the way to ask for 0-d)."""
    return TypeError(f'{name}() missing 1 required positional arguments: "size"')


def _no_pinning(pin_memory):
    """PyTorch's error for ``pin_memory=True`` on a machine without an accelerator (ember has none)."""
    if pin_memory:
        raise RuntimeError("pin_memory=True requires a CUDA or other accelerator backend; no pinned memory "
                           "allocator is available on this system.")


def _meta_empty(shape, np_dtype, requires_grad):
    """A meta tensor (``device="meta"``: a shape and a dtype, no data; see ember/_meta.py)."""
    from ember._meta import empty as meta_empty
    return meta_empty(shape, np_dtype, requires_grad)


def _to_meta(t, requires_grad):
    """The meta tensor shaped as the new CPU tensor ``t``."""
    return _meta_empty(t._data.shape, t._data.dtype, requires_grad)


def _on_meta(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` for meta tensor arguments: their shapes and dtypes only (ember._meta.shape_only),
    for the functions computing on the arrays without an op (called from their ``_ops._hooks`` branch)."""
    from ember._meta import shape_only
    return shape_only(fn, *args, **kwargs)


def _has_meta(*values):
    from ember._meta import has_meta
    return has_meta(*values)


def _meta_error(name):
    """PyTorch's error for function ``name`` on meta tensors: the shape of its result depends on the data."""
    from ember import _meta
    return NotImplementedError(_meta.NONZERO) if name == "nonzero" else _meta.no_kernel(name)


def _creator(name, fill, negative=None):
    def make(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False, **kwargs):
        meta = _check_device(device, True)
        if kwargs or not size:
            if not kwargs:  # (PyTorch requires a size: ``zeros(())`` is the 0-d tensor)
                raise _missing_size(name)
            size = _keyword_size(name, size, kwargs)
        if pin_memory:
            _no_pinning(pin_memory)
        if meta:
            return _meta_empty(_size_args(size, name, negative), _np_dtype(dtype, _dtype.get_default_dtype().np),
                               requires_grad)
        return _finish(fill(_size_args(size, name, negative), _np_dtype(dtype, _dtype.get_default_dtype().np)),
                       requires_grad)
    make.__name__ = make.__qualname__ = name  # named in TypeErrors ("zeros() got an unexpected keyword ...")
    return make


zeros = _creator("zeros", lambda s, d: xp.zeros(s, dtype=d), "zeros: Dimension size must be non-negative.")
# (new_zeros, Tensor.new(sizes) and the legacy FloatTensor(sizes): PyTorch's generic message for a negative size)
_zeros_sized = _creator("zeros", lambda s, d: xp.zeros(s, dtype=d))
ones = _creator("ones", lambda s, d: xp.ones(s, dtype=d))
zeros.__doc__ = "A tensor of zeros of the given size (float32 unless ``dtype``)."
ones.__doc__ = "A tensor of ones of the given size (float32 unless ``dtype``)."


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None, **kwargs):
    """An uninitialised tensor of the given size, row-major unless ``memory_format`` says otherwise.

    Example::

        >>> ember.empty(2, 3, 4, 4, memory_format=ember.channels_last).stride()
        (48, 1, 12, 3)
    """
    meta = _check_device(device, True)
    if kwargs or not size:
        if not kwargs:
            raise _missing_size("empty")
        size = _keyword_size("empty", size, kwargs)
    if pin_memory:
        _no_pinning(pin_memory)
    shape = _size_args(size, "empty")
    d = _np_dtype(dtype, _dtype.get_default_dtype().np)
    fmt = _format_name("empty", memory_format, "contiguous")
    if meta:
        return _meta_empty(shape, d, requires_grad)
    if fmt == "contiguous":
        return _finish(xp.empty(shape, dtype=d), requires_grad)
    if fmt == "preserve":
        raise RuntimeError("unsupported memory format Preserve")
    return _finish(E.empty_format(shape, d, fmt), requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, **unused):
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value like PyTorch)."""
    meta = _check_device(device, True)
    if unused:
        _no_pinning(unused.get("pin_memory"))
    if not isinstance(size, (tuple, list, Size)):
        raise _size_error("full", size, 0, False, 1)
    _check_fill_value("full", fill_value)
    if dtype is None:
        dtype = _dtype.scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    np_dt = _np_dtype(dtype)
    shape = _size_args((size,), "full")
    if meta:
        return _meta_empty(shape, np_dt, requires_grad)
    if isinstance(fill_value, _Number):
        fill_value = _fill_scalar(fill_value, np_dt, math.prod(shape))
    return _finish(xp.full(shape, fill_value, dtype=np_dt), requires_grad)


def _check_fill_value(name, value):
    """PyTorch's argument-parser error for a ``fill_value`` that is not a number (None, a string, a list)."""
    if not isinstance(value, (_Number, Tensor, xp.generic)):
        raise TypeError(f"{name}(): argument 'fill_value' (position 2) must be Number, not {type(value).__name__}")


def _fill_scalar(value, np_dtype, numel):
    """The number ``value`` as ``fill``, ``fill_``, ``full``, ``full_like`` and ``new_full`` store it into
    ``numel`` elements of ``np_dtype``: as :func:`_checked_scalar`, but one element of float16 or bfloat16 takes
    it unchecked, read as a double (70000 is inf there; a complex number with an imaginary part is refused as a
    double), as PyTorch's one-element fast path does. A NumPy scalar is read as PyTorch's argument parser reads
    it (see :func:`_py_number`)."""
    if isinstance(value, xp.generic):
        value = _py_number(value)
    if numel != 1 or np_dtype.itemsize != 2 or np_dtype.kind not in "fV":
        return _checked_scalar(value, np_dtype)
    if isinstance(value, complex):
        value = _real_value(value, _F64)
    elif isinstance(value, _int):
        _scalar_int(value)
    with xp.errstate(over="ignore"):
        return xp.asarray(_float(value), dtype=np_dtype)[()]


def _py_number(value):
    """The NumPy scalar ``value`` as the Python number PyTorch's argument parser reads from it: a NumPy complex
    that is no Python complex (complex64) is read as a double, its real part (NumPy warns); a uint64 from 2**63
    is refused."""
    if isinstance(value, xp.bool_):
        return _bool(value)
    if isinstance(value, xp.integer):
        if value > 0x7FFFFFFFFFFFFFFF:
            raise TypeError("an integer is required")
        return _int(value)
    if isinstance(value, complex):  # (NumPy's complex128)
        return complex(value)
    return _float(value)


def _real_value(value, np_dtype):
    """The complex number ``value`` stored into a real ``np_dtype``: its real part (for bool: whether it is
    nonzero), or PyTorch's error when it has an imaginary part (NumPy would drop it silently)."""
    if np_dtype == xp.bool_:
        return builtins.bool(value)
    if value.imag:
        raise _overflow_error(np_dtype)
    return value.real


def _overflow_error(np_dtype):
    """PyTorch's error for a number that does not fit ``np_dtype`` (named as its C type: float, int64_t...)."""
    name = np_dtype.name
    c_type = _dtype.C10_NAMES[name] if np_dtype.kind in "fVcb" else "int" if name == "int32" else f"{name}_t"
    return RuntimeError(f"value cannot be converted to type {c_type} without overflow")


def _like_array(fn, input, dtype, memory_format):
    """An uninitialised array shaped as ``input`` in ``memory_format``'s layout (by default ``input``'s own)."""
    a = input._data
    return E.empty_as(a, _np_dtype(dtype, a.dtype), _format_name(fn, memory_format, "preserve"))


def _like(name, value, doc):
    plain = {0: xp.zeros, 1: xp.ones, None: xp.empty}[value]

    def make(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
             pin_memory=False):
        if pin_memory:
            _no_pinning(pin_memory)
        a = input._data
        # (default: input's device; is_meta inlined, this is a hot path)
        if (a.base is not None and _is_meta_data(a)) if device is None else _check_device(device, True):
            return _meta_empty(a.shape, _np_dtype(dtype, a.dtype), requires_grad)
        if memory_format is None and a.flags.c_contiguous and 0 not in a.shape and 1 not in a.shape:
            return _finish(plain(a.shape, dtype=_np_dtype(dtype, a.dtype)), requires_grad)  # row-major stays so
        out = _like_array(name, input, dtype, memory_format)
        if value is not None:
            out.fill(value)
        return _finish(out, requires_grad)
    make.__name__ = make.__qualname__ = name
    make.__doc__ = (f"{doc} shaped as ``input``, with its dtype unless ``dtype`` is given.\n\n    The layout is "
                    "``input``'s (its strides when dense) unless ``memory_format`` asks for another.\n    ")
    return make


zeros_like = _like("zeros_like", 0, "A tensor of zeros")
ones_like = _like("ones_like", 1, "A tensor of ones")
empty_like = _like("empty_like", None, "An uninitialised tensor")


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
              pin_memory=False):
    """A tensor shaped as ``input`` filled with ``fill_value``, with ``input``'s dtype unless ``dtype`` is given
    (and its layout unless ``memory_format`` asks for another)."""
    _no_pinning(pin_memory)
    _check_fill_value("full_like", fill_value)
    if input.is_meta if device is None else _check_device(device, True):
        return _meta_empty(input._data.shape, _np_dtype(dtype, input._data.dtype), requires_grad)
    out = _like_array("full_like", input, dtype, memory_format)
    if isinstance(fill_value, _Number):
        fill_value = _fill_scalar(fill_value, out.dtype, out.size)
    xp.copyto(out, fill_value, casting="unsafe")
    return _finish(out, requires_grad)


def _laid_out_like(t, input, fn, memory_format):
    """``t`` (a new row-major tensor shaped as ``input``) moved into the layout ``fn(input, memory_format=...)``
    gives, when that is another."""
    out = _like_array(fn, input, t._data.dtype, memory_format)
    if out.strides != t._data.strides:
        out[...] = t._data
        t._data = out
    return t

_FACTORY_OPTS = ("torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
                 "bool pin_memory = False, bool requires_grad = False)")
_FACTORY_SIGNATURES = {
    "arange": [f"(Number end, *, Tensor out = None, {_FACTORY_OPTS}",
               f"(Number start, Number end, *, {_FACTORY_OPTS}",
               f"(Number start, Number end, Number step = 1, *, Tensor out = None, {_FACTORY_OPTS}"],
    "eye": [f"(int n, *, Tensor out = None, {_FACTORY_OPTS}", f"(int n, int m, *, Tensor out = None, {_FACTORY_OPTS}"],
    "linspace": [f"({a} start, {b} end, int steps, *, Tensor out = None, {_FACTORY_OPTS}"
                 for a, b in (("Tensor", "Tensor"), ("Number", "Tensor"), ("Tensor", "Number"), ("Number", "Number"))],
    "logspace": [f"({a} start, {b} end, int steps, float base = 10.0, *, Tensor out = None, {_FACTORY_OPTS}"
                 for a, b in (("Tensor", "Tensor"), ("Number", "Tensor"), ("Tensor", "Number"), ("Number", "Number"))],
    "randint": [f"({lead}tuple of ints size, *, {gen}Tensor out = None, {_FACTORY_OPTS}"
                for lead in ("int high, ", "int low, int high, ") for gen in ("torch.Generator generator, ", "")],
    "randperm": [f"(int n, *, {gen}Tensor out = None, {_FACTORY_OPTS}" for gen in ("torch.Generator generator, ", "")],
}


def _factory_out(name, args, named, unused):
    """The ``out=`` among a factory's keywords ``unused`` (those beyond its named ones), after PyTorch's checks:
    a keyword it does not know is its TypeError (``args``: the positional arguments, ``named``: the named
    keywords given, for the message), ``pin_memory=True`` needs an accelerator (ember has none)."""
    if builtins.any(k not in ("out", "layout", "pin_memory") for k in unused):
        named = {k: v for k, v in named.items() if v not in (None, False)}
        raise _args.combination_error(name, args, {**named, **unused}, _FACTORY_SIGNATURES[name])
    _no_pinning(unused.get("pin_memory", False))
    return unused.get("out")


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, **unused):
    """A 2-D identity matrix (``n`` x ``m``)."""
    if _check_device(device, True):
        return _to_meta(eye(n, m, dtype=dtype, device="cpu"), requires_grad)
    if unused:
        out = _factory_out("eye", (n,) if m is None else (n, m), {"dtype": dtype, "requires_grad": requires_grad},
                           unused)
        return _out(eye(n, m, dtype=dtype or getattr(out, "dtype", None), requires_grad=requires_grad), out)
    n = _args.need_int("eye", "n", 1, n)
    if n < 0 or m is not None and m < 0:  # (one test on the normal path)
        name, v = ("n", n) if n < 0 else ("m", m)
        raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _finish(xp.eye(n, m, dtype=_np_dtype(dtype, _dtype.get_default_dtype().np)), requires_grad)


def arange(start=_REQUIRED, end=None, step=1, *, dtype=None, device=None, requires_grad=False, **unused):
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer arguments.

    ``arange(end)`` and ``arange(end=end)`` start at 0.

    Example::

        >>> ember.arange(end=3), ember.arange(1, 7, 2)
        (tensor([0, 1, 2]), tensor([1, 3, 5]))
    """
    if start is _REQUIRED:  # (PyTorch's `arange(end=5)`; with a step, or nothing at all, none of its signatures)
        if end is None or step != 1:
            raise _args.combination_error("arange", (), {} if end is None else {"end": end, "step": step}, [
                "(Number end, *, dtype=None, device=None, requires_grad=False)",
                "(Number start, Number end, *, dtype=None, device=None, requires_grad=False)",
                "(Number start, Number end, Number step = 1, *, dtype=None, device=None, requires_grad=False)"])
        start, end = end, None
    if _check_device(device, True):
        if unused.get("pin_memory"):
            raise NotImplementedError("PrimTorch does not support pinned memory")
        return _to_meta(arange(start, end, step, dtype=dtype, device="cpu"), requires_grad)
    if unused:
        given = (start,) if end is None else (start, end) if step == 1 else (start, end, step)
        out = _factory_out("arange", given, {"dtype": dtype, "requires_grad": requires_grad}, unused)
        return _out(arange(start, end, step, dtype=dtype or getattr(out, "dtype", None),
                           requires_grad=requires_grad), out)
    if end is None:
        if not isinstance(start, xp.bool_):  # (a NumPy bool is a number to PyTorch's parser: a float below)
            _args.need_number("arange", "end", 1, start)
        start, end = 0, start
    elif not builtins.all(isinstance(v, (numbers.Number, Tensor, xp.bool_)) for v in (start, end, step)):
        raise _args.combination_error("arange", (start, end) if step == 1 else (start, end, step), {}, [
            "(Number end, *, dtype=None, device=None, requires_grad=False)",
            "(Number start, Number end, *, dtype=None, device=None, requires_grad=False)",
            "(Number start, Number end, Number step = 1, *, dtype=None, device=None, requires_grad=False)"])
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    for v in vals:
        if type(v) is complex:
            _real_value(v, xp.dtype(xp.float64))  # PyTorch reads the bounds as doubles
    # NumPy integers count as ints (operator.index), a NumPy bool as a float
    vals = [_float(v) if isinstance(v, xp.bool_) else operator.index(v) if isinstance(v, numbers.Integral) else v
            for v in vals]
    if dtype is None:
        is_int = builtins.all(isinstance(v, _int) for v in vals)
        np_dt = xp.dtype(xp.int64) if is_int else _dtype.get_default_dtype().np
    else:
        np_dt = _np_dtype(dtype)
        if np_dt.kind == "c":
            _not_implemented("arange", np_dt)
        if np_dt.kind == "b":  # (PyTorch's kernel has no bool version)
            raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    lo, hi, st = vals
    if not (st > 0 or st < 0):  # (a NaN step too)
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"unsupported range: {lo if isinstance(lo, _int) else f'{lo:g}'} -> "
                           f"{hi if isinstance(hi, _int) else f'{hi:g}'}")
    if not ((st > 0 and hi >= lo) or (st < 0 and hi <= lo)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if np_dt.kind in "iu":
        # PyTorch truncates start and step to int64 for every integer dtype; for int64 the end too, and counts
        # in integers (a step truncated to 0 is an error there); other integer dtypes count in doubles
        ilo, ist = _int(lo), _int(st)
        if np_dt == xp.int64:
            if ist == 0:
                raise ValueError("step must be nonzero")
            n = -((ilo - _int(hi)) // ist)
        else:
            n = _int(math.ceil((hi - lo) / st))
        arr = (ilo + xp.arange(builtins.max(n, 0), dtype=xp.int64) * ist).astype(np_dt)
    else:
        arr = _float_arange(lo, st, _int(math.ceil((hi - lo) / st)), np_dt)
    return _finish(arr, requires_grad)


# PyTorch's CPU arange fills groups of G values (4 float64, 8 float32, 16 float16/bfloat16) two groups per loop
# step: a group's first value is fma(step, index, start) in the accumulation type (double; float for the 16-bit
# types) rounded to the dtype, the others that plus k * step; the last values of each thread's chunk that do not
# fill two groups are each fma(step, index, start). These widths are what torch 2.13 shows on an AVX512 CPU
# (its kernels' AVX2 vector widths); another build or CPU could group differently.
_ARANGE_GROUP = {"float64": 4, "float32": 8, "float16": 16, "bfloat16": 16}


def _float_arange(lo, st, n, d):
    """``n`` values of PyTorch's float ``arange(lo, ..., st)`` in dtype ``d``, bit for bit (see above)."""
    exact = 2 ** (24 if d.itemsize > 2 else 11 if d == xp.float16 else 8)  # (whole numbers the dtype holds)
    if float(lo).is_integer() and float(st).is_integer() and builtins.abs(lo) + builtins.abs(st) * n <= exact:
        return (lo + xp.arange(n, dtype=xp.float64) * st).astype(d)  # every operation exact: one rounding
    g = _ARANGE_GROUP[d.name]
    i = xp.arange(n, dtype=xp.int64)
    import ember  # (its get_num_threads: the threads PyTorch would split a long range over)
    chunk = -(-n // builtins.max(1, builtins.min(ember.get_num_threads(), -(-n // 32768)))) if n > 32768 else n
    off = i % chunk if chunk < n else i
    tail = off >= xp.minimum(chunk, n - (i - off)) // (2 * g) * (2 * g)
    k = xp.where(tail, 0, off % g)
    head = (i - k).astype(xp.float64 if d.itemsize > 2 else xp.float32)  # (a tail value: its own index, k = 0)
    if d.itemsize > 2:
        first = k == 0
        base = _rk.fma64(head[first], st, lo)  # (one per group and tail value)
        base[:1] = lo + 0.0 * st  # (the emulated FMA loses a zero's sign: -0.0 by a negative step is -0.0)
        if d == xp.float32:  # (tail values stay unrounded: rounded once below)
            base = xp.where(tail[first], base, base.astype(d).astype(xp.float64))
        base = base[xp.cumsum(first) - 1]
        v = _rk.fma64(k.astype(xp.float64), st, base)
    else:
        s = xp.float32(st)
        base = _rk.fma32(head, s, xp.float32(lo))
        base[:1] = xp.float32(lo) + xp.float32(0) * s
        base = xp.where(tail, base, base.astype(d).astype(xp.float32))
        kf = k.astype(xp.float32)
        # (float16's group sums are fused, bfloat16's are not: as PyTorch's compiled kernels are)
        v = _rk.fma32(kf, s, base) if d == xp.float16 else base + kf * s
    return xp.where(k == 0, base, v).astype(d)  # (a group's first value is its base itself, -0.0 kept)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, **unused):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if _check_device(device, True):
        return _to_meta(linspace(start, end, steps, dtype=dtype, device="cpu"), requires_grad)
    if unused:
        out = _factory_out("linspace", (start, end, steps), {"dtype": dtype, "requires_grad": requires_grad},
                           unused)
        return _out(linspace(start, end, steps, dtype=dtype or getattr(out, "dtype", None),
                             requires_grad=requires_grad), out)
    d = _space_dtype("linspace", dtype, start, end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _finish(_linspace_values(start, end, steps, d), requires_grad)


def _exact_in_float64(a, b, step, steps):
    """Whether every ``a + step * i`` and ``b - step * i`` (float32 operands, ``0 <= i < steps``) is exact in
    float64: the bits from the largest magnitude down to the smallest operand's last bit fit in 53."""
    lows = [math.frexp(float(v))[1] - 24 for v in (a, b, step) if v != 0]
    if not lows:
        return True
    top = builtins.max(math.frexp(builtins.abs(v))[1] for v in (float(a), float(b), float(step) * steps)) + 1
    return top - builtins.min(lows) <= 53


def _int_bound(v, d):
    """``v`` (a linspace bound) in the integer dtype ``d`` as PyTorch converts it: an int wrapped (unsigned dtypes
    take down to minus their maximum), a float truncated, each range-checked, as a Python int."""
    v = v.item() if isinstance(v, Tensor) else v
    bottom, top = _int_range(d)
    if isinstance(v, (_float, numbers.Real)) and not isinstance(v, (_int, xp.integer)):
        ok, v = (0 if d.kind == "u" else bottom) <= v <= top, v
    else:
        v = _int(v)
        if not -2 ** 63 <= v < 2 ** 64:
            raise OverflowError("int too big to convert")
        ok = (-top if d.kind == "u" else bottom) <= v <= top
    if not ok:
        name = "int" if d == xp.int32 else d.name + "_t"
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    return _int(xp.asarray(_int(v), dtype=xp.int64 if v < 2 ** 63 else xp.uint64).astype(d))


def _int_linspace(start, end, steps, d):
    """PyTorch's integer linspace: the bounds converted to the dtype first (uint8's -5 is 251), the step in
    double, the first half up from ``start``, the rest down from ``end``, each value truncated."""
    if not steps:  # (no value: the bounds are not read)
        return xp.empty(0, dtype=d)
    a = _int_bound(start, d)
    if steps == 1:  # (the end is not read)
        return xp.full(1, a, dtype=d)
    b = _int_bound(end, d)
    step = (b - a) / (steps - 1)
    half = steps // 2
    i = xp.arange(steps, dtype=xp.float64)
    vals = xp.where(i < half, a + step * i, b - step * (steps - 1 - i))
    return vals.astype(d)


def _linspace_values(start, end, steps, d):
    """PyTorch's CPU linspace: the first half steps up from ``start``, the second half down from ``end``, each
    value one fused multiply-add in the dtype (float16/bfloat16: each operation rounded to it), so that values
    agree to the last bit."""
    if d.kind in "iu":
        return _int_linspace(start, end, steps, d)
    if d.kind not in "fV" or steps < 2:
        return xp.linspace(start, end, steps).astype(d)
    start, end = (float(v) if isinstance(v, Tensor) else v for v in (start, end))
    lo_n = steps // 2
    up = xp.arange(lo_n).astype(d)  # from start (not arange(dtype=bfloat16): that one adds up the steps)
    down = xp.arange(steps - lo_n - 1, -1, -1).astype(d)  # to end
    if d == xp.float64 or d == xp.float32:
        a, b = d.type(start), d.type(end)
        step = (b - a) / d.type(steps - 1)
        if d == xp.float64:
            return xp.concatenate([_rk.fma64(up, step, a), _rk.fma64(down, -step, b)])
        if _exact_in_float64(a, b, step, steps):  # the usual case: float64 holds each a + step * i exactly,
            wide = step.astype(xp.float64)          # so rounding it once to float32 is the FMA's result
            return xp.concatenate([a + wide * up, b - wide * down]).astype(d)
        # only with such bounds can a value land among float32's subnormals
        tiny = builtins.max(builtins.abs(a), builtins.abs(b)) < 2.0 ** -90
        return xp.concatenate([_rk.fma32(up, step, a, tiny), _rk.fma32(down, -step, b, tiny)])
    a, b = xp.asarray(start).astype(d), xp.asarray(end).astype(d)
    for v, t in ((start, a), (end, b)):
        if math.isfinite(v) and not xp.isfinite(t):
            name = "c10::Half" if d == xp.float16 else "c10::BFloat16"
            raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    step = (b - a) / xp.asarray(steps - 1).astype(d)
    return xp.concatenate([a + step * up, b - step * down]).astype(d, copy=False)


def logspace(start, end, steps, base=10.0, *, dtype=None, requires_grad=False, device=None, **unused):
    """``steps`` values ``base ** v`` for ``v`` evenly spaced from ``start`` to ``end`` inclusive."""
    meta = _check_device(device, True)
    if unused and not meta:
        out = _factory_out("logspace", (start, end, steps) if base == 10.0 else (start, end, steps, base),
                           {"dtype": dtype, "requires_grad": requires_grad}, unused)
        return _out(logspace(start, end, steps, base, dtype=dtype or getattr(out, "dtype", None),
                             requires_grad=requires_grad), out)
    d = _space_dtype("logspace", dtype, start, end)
    if d == xp.float64 and steps >= 2 and builtins.all(type(v) is not complex for v in (start, end, base)):
        arr = _logspace64(*(float(v) for v in (start, end, base)), steps)
    else:
        arr = xp.logspace(start, end, steps, base=base).astype(d)
    out = _finish(arr, requires_grad)
    return _to_meta(out, requires_grad) if meta else out


def _logspace64(start, end, base, steps):
    """PyTorch's float64 logspace: exponents as its linspace's (unfused: the first half up from ``start``, the
    rest down from ``end``), each raised by the C library's ``pow`` (NumPy's SIMD power can differ by an ulp)."""
    step = (end - start) / (steps - 1)
    i = xp.arange(steps, dtype=xp.float64)
    x = xp.where(i < steps // 2, start + step * i, end - step * (steps - 1 - i))
    with xp.errstate(all="ignore"):
        out = xp.power(base, x)
    # Python's float power is the C library's pow (raising only on overflow or a base <= 0: left as NumPy's)
    ok = out < 1e308 if base > 0 else xp.zeros(steps, bool)
    if ok.any():
        out[ok] = xp.power(xp.asarray(base, dtype=object), x[ok].astype(object)).astype(xp.float64)
    return out


def _space_dtype(name, dtype, start, end):
    """linspace/logspace's dtype: ``dtype``, else the default float (complex when a bound is complex)."""
    d = _dtype.get_default_dtype().np
    if type(start) is complex or type(end) is complex or builtins.any(
            isinstance(v, Tensor) and v._data.dtype.kind == "c" for v in (start, end)):
        d = _dtype.default_complex().np
        if dtype is not None and dtype.np.kind != "c":
            raise RuntimeError(f"torch.{name}(): inferred dtype {_dtype.SCALAR_NAMES[d.name]} can't be safely cast "
                               f"to passed dtype {_dtype.TYPE_WORDS[dtype.name]}")
    d = _np_dtype(dtype, d)
    if d.kind == "b":  # (PyTorch's kernels have no bool version)
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")
    return d


# ---------------------------------------------------------------------------------------------- random


def _float_dtype(dtype, kernel="check_uniform_bounds", complex_ok=False):
    d = _np_dtype(dtype, _dtype.get_default_dtype().np)
    if d.kind not in "fV" and not (complex_ok and d.kind == "c"):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dtype.TYPE_WORDS[d.name]}'")
    return d


def _random_array(shape, d, draw):
    """An array of NumPy dtype ``d`` filled by ``draw(n, real_dtype)`` (a complex array: its interleaved real
    and imaginary parts, as PyTorch fills a complex tensor's real view)."""
    n = math.prod(shape)
    if d.kind == "c":
        part = xp.dtype(xp.float32 if d == xp.complex64 else xp.float64)
        return draw(2 * n, part).view(d).reshape(shape)
    return draw(n, d).reshape(shape)


def _normal_draw(mean, std, generator):
    def draw(n, d):
        return _rk.normal(n, d, mean, std, True, generator)
    return draw


def _strided_out(out, shape, dtype):
    """Whether ``out=`` is a real tensor of ``shape`` (and ``dtype``) that is not contiguous: PyTorch then samples
    into it as its in-place samplers do (its memory order; normals by the scalar kernel)."""
    return (isinstance(out, Tensor) and not out._data.flags.c_contiguous and out._data.dtype.kind in "fViub"
            and tuple(out._data.shape) == tuple(shape) and (dtype is None or _np_dtype(dtype) == out._data.dtype))


def _rand_size(name, size, unused, *given):
    """The size of ``rand``/``randn`` given as a keyword, or PyTorch's TypeError for none (``unused``: their
    other keywords; ``given``: their named keywords, telling a bare ``rand()`` from ``rand(dtype=...)``)."""
    _no_pinning(unused.pop("pin_memory", False))
    unused.pop("layout", None)  # (strided: the only layout ember has)
    bad = [k for k in unused if k not in ("size", "out")]
    if bad:  # (PyTorch's parser names every argument given, positional then keywords)
        opts = ("Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
                "bool pin_memory = False, bool requires_grad = False)")
        named = {k: v for k, v in (("generator", given[0]), ("dtype", given[1]), ("device", given[2]),
                                   ("requires_grad", given[3])) if v not in (None, False)}
        raise _args.combination_error(name, size, {**named, **unused}, [
            f"(tuple of ints size, *, torch.Generator generator, {opts}", f"(tuple of ints size, *, {opts}"])
    if "size" in unused:
        return _keyword_size(name, size, {"size": unused.pop("size")})
    if size:
        return size
    if unused or builtins.any(g not in (None, False) for g in given):
        raise _missing_size(name)
    raise _size_error(name, None, 0, False, 0)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **unused):
    """Uniform samples in [0, 1) (for a complex ``dtype``, the real and imaginary parts each); the same
    numbers as PyTorch's CPU generator for the same seed.

    Example::

        >>> ember.manual_seed(0)
        >>> ember.rand(2)
        tensor([0.4963, 0.7682])
    """
    if unused or not size:
        size = _rand_size("rand", size, unused, generator, dtype, device, requires_grad)
        if "out" in unused:  # (drawn in out's dtype, then written into it)
            out = unused.pop("out")
            if _strided_out(out, _size_args(size, "rand"), dtype):
                return out.uniform_(generator=generator)
            return _out(rand(*size, generator=generator, dtype=dtype or getattr(out, "dtype", None)), out)
    d = _float_dtype(dtype, complex_ok=True)
    if _check_device(device, True):
        return _meta_empty(_size_args(size, "rand"), d, requires_grad)
    return _finish(_random_array(_size_args(size, "rand"), d,
                                 lambda n, dt: _rk.uniform(n, dt, generator=generator)), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **unused):
    """Standard normal samples (for a complex ``dtype``, unit variance: each part has variance 1/2); the same
    numbers as PyTorch's CPU generator for the same seed.

    Example::

        >>> ember.manual_seed(0)
        >>> ember.randn(2)
        tensor([ 1.5410, -0.2934])
    """
    if unused or not size:
        size = _rand_size("randn", size, unused, generator, dtype, device, requires_grad)
        if "out" in unused:  # (drawn in out's dtype, then written into it)
            out = unused.pop("out")
            if _strided_out(out, _size_args(size, "randn"), dtype):
                return out.normal_(generator=generator)
            return _out(randn(*size, generator=generator, dtype=dtype or getattr(out, "dtype", None)), out)
    d = _float_dtype(dtype, "normal_kernel_cpu", complex_ok=True)
    std = 1 / math.sqrt(2) if d.kind == "c" else 1.0
    if _check_device(device, True):
        return _meta_empty(_size_args(size, "randn"), d, requires_grad)
    return _finish(_random_array(_size_args(size, "randn"), d, _normal_draw(0.0, std, generator)), requires_grad)


_RANDOM_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}  # mantissa digits


def _check_random_range(low, top, d):
    """PyTorch's bounds checks of a draw in ``[low, top]`` for dtype ``d``: out of the dtype's range raises;
    for floats, out of the range where every integer is exact warns."""
    kind = d.kind
    if kind in "fV":
        lo_lim, hi_lim = (-65504, 65504) if d.name == "float16" else (-math.inf, math.inf)  # (others hold 2^64)
    elif kind == "b":
        lo_lim, hi_lim = 0, 1
    else:  # (from the item size: dtype.name and iinfo cost microseconds on randint's path)
        bits = 8 * d.itemsize
        lo_lim, hi_lim = (0, (1 << bits) - 1) if kind == "u" else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    for name, v in (("from", low), ("to - 1", top)):
        if not lo_lim <= v <= hi_lim:
            raise RuntimeError(f"{name} is out of bounds for {_dtype.C10_NAMES[d.name]}")
    bits = _RANDOM_DIGITS.get(d.name) if kind in "fV" else None
    if bits is not None:
        for name, v in (("from", low), ("to - 1", top)):
            if not -(1 << bits) <= v <= 1 << bits:
                _args.warn(f"{name} is out of bounds [-(2^{bits}), 2^{bits}]. Due to precision limitations "
                           f"{_dtype.C10_NAMES[d.name]} can support discrete uniform distribution only within this "
                           "range. This warning will become an error in version 1.7 release, please fix the code in "
                           "advance")


def _round_bits(v, p):
    """The integer ``v`` rounded to ``p`` significant bits, ties to even (an int64 cast to a float type)."""
    a = builtins.abs(v)
    s = a.bit_length() - p
    if s <= 0:
        return v
    q, r = divmod(a, 1 << s)
    if r > 1 << (s - 1) or r == 1 << (s - 1) and q & 1:
        q += 1
    return (q << s) if v >= 0 else -(q << s)


def _next_up(x, p):
    """The next ``p``-bit float above the representable integer ``x``."""
    if x < 0:
        return -_next_down(-x, p)
    return x + (1 << builtins.max(0, x.bit_length() - p))


def _next_down(x, p):
    if x <= 0:
        return -_next_up(-x, p)
    n = x.bit_length() - (x & (x - 1) == 0)  # below a power of two the spacing halves
    return x - (1 << builtins.max(0, n - p))


def _float_random_bounds(low, high, d):
    """PyTorch's ``random_(from, to)`` bounds for a float dtype ``d`` (after its warning): a ``from + 1`` that
    rounds below ``from`` moves ``from`` to the float after that, a ``to - 1`` that rounds up to ``to`` or
    beyond moves ``to`` to the float before that."""
    p = _RANDOM_DIGITS.get(d.name) if d.kind in "fV" else None
    if p is None:
        return low, high
    f = _round_bits(low + 1, p)
    if f < low:
        low = _next_up(f, p)
    t = _round_bits(high - 1, p)
    if t >= high:
        high = _next_down(t, p)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got "
                           f"from={low} >= to={high}")
    return low, high


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False, **unused):
    """Random integers in [low, high) (int64 by default), drawn as PyTorch's ``random_(low, high)``."""
    if size is None:  # randint(high, size)
        low, high, size = 0, _args.need_int("randint", "high", 1, low), high
        if isinstance(size, (_int, xp.integer)):  # (a number is no size: PyTorch's TypeError)
            raise TypeError("randint(): argument 'size' (position 2) must be tuple of ints, not "
                            f"{_args.type_name(size)}")
    else:
        if high is None:  # randint(high, size=...)
            low, high = 0, low
            if isinstance(size, (_int, xp.integer)):
                raise TypeError(f"randint(): argument 'size' must be tuple of ints, not {_args.type_name(size)}")
        elif isinstance(size, (_int, xp.integer)):
            raise _args.combination_error("randint", (low, high, size), {})
        try:
            low, high = operator.index(low), operator.index(high)
        except TypeError:
            raise _args.combination_error("randint", (low, high, size), {}) from None
    if high is None:
        low, high = 0, low
    for v in (low, high):
        if not -(1 << 63) <= v < 1 << 63:
            raise ValueError("Overflow when unpacking long long")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    out = None
    if unused and not _check_device(device, True):
        out = _factory_out("randint", (high, size) if low == 0 else (low, high, size),
                           {"generator": generator, "dtype": dtype, "requires_grad": requires_grad}, unused)
    if out is not None:  # (drawn in out's dtype)
        if _strided_out(out, _size_args((size,)), dtype):
            return out.random_(low, high, generator=generator)
        return _out(randint(low, high, size, generator=generator, dtype=dtype or getattr(out, "dtype", None),
                            device=device, requires_grad=requires_grad), out)
    d = _np_dtype(dtype, xp.dtype(xp.int64))
    if d.kind == "c":
        raise RuntimeError("check_random_bounds handles only integral, floating-point and boolean types")
    _check_random_range(low, high - 1, d)
    low, high = _float_random_bounds(low, high, d)
    shape = _size_args((size,))
    if _check_device(device, True):
        return _meta_empty(shape, d, requires_grad)
    return _finish(_rk.random_range(math.prod(shape), low, high - low, generator).astype(d).reshape(shape),
                   requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, **unused):
    """A random permutation of 0..n-1 (int64), PyTorch's shuffle of the same draws."""
    n = _args.need_int("randperm", "n", 1, n)
    if unused and not _check_device(device, True):
        out = _factory_out("randperm", (n,), {"generator": generator, "dtype": dtype,
                                               "requires_grad": requires_grad}, unused)
        return _out(randperm(n, generator=generator, dtype=dtype or getattr(out, "dtype", None),
                             requires_grad=requires_grad), out)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    np_dtype = _np_dtype(dtype, xp.dtype(xp.int64))
    _randperm_fits(n, np_dtype)
    if _check_device(device, True):
        return _meta_empty((n,), np_dtype, requires_grad)
    return _finish(_rk.randperm(n, generator).astype(np_dtype, copy=False), requires_grad)


_RANDPERM_FLOAT_LIMITS = {"float16": ("2049", 2049, "Half"), "float32": ("2^24+1", 2 ** 24 + 1, "Float")}


def _randperm_fits(n, np_dtype):
    """PyTorch's errors for a permutation its dtype cannot hold (n - 1 beyond the type's integers)."""
    if np_dtype == xp.bool_:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    if np_dtype.kind in "iu":
        if n - 1 > xp.iinfo(np_dtype).max:
            raise RuntimeError(f"value cannot be converted to type {np_dtype.name}_t without overflow")
    elif np_dtype.name in _RANDPERM_FLOAT_LIMITS:
        text, limit, word = _RANDPERM_FLOAT_LIMITS[np_dtype.name]
        if n > limit:
            raise RuntimeError(f"n cannot be greater than {text} for {word} type.")


def _real_view(a):
    """A complex array's interleaved real and imaginary parts (PyTorch's view_as_real), else the array."""
    return a.view(xp.float32 if a.dtype == xp.complex64 else xp.float64) if a.dtype.kind == "c" else a


def _like_combination(name, input, unused):
    """PyTorch's TypeError for rand_like/randn_like given a keyword it does not know."""
    opts = ("torch.memory_format memory_format = None, torch.dtype dtype = None, torch.layout layout = None, "
            "torch.device device = None, bool pin_memory = False, bool requires_grad = False)")
    return _args.combination_error(name, (input,), unused, [
        f"(Tensor input, *, torch.Generator generator, {opts}", f"(Tensor input, *, {opts}"])


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, pin_memory=False, **unused):
    """Uniform samples in [0, 1) shaped as ``input`` (its dtype and layout unless given)."""
    if unused:
        raise _like_combination("rand_like", input, unused)
    _no_pinning(pin_memory)
    if input.is_meta if device is None else _check_device(device, True):
        return empty_like(input, dtype=_float_dtype(dtype or input.dtype, complex_ok=True), device="meta",
                          requires_grad=requires_grad)
    out = _like_array("rand_like", input, _float_dtype(dtype or input.dtype, complex_ok=True), memory_format)
    part = _real_view(out)
    _rk.fill(part, _rk.uniform(part.size, part.dtype, generator=generator))
    return _finish(out, requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, pin_memory=False, **unused):
    """Standard normal samples shaped as ``input`` (its dtype and layout unless given)."""
    if unused:
        raise _like_combination("randn_like", input, unused)
    _no_pinning(pin_memory)
    if input.is_meta if device is None else _check_device(device, True):
        return empty_like(input, dtype=_float_dtype(dtype or input.dtype, complex_ok=True), device="meta",
                          requires_grad=requires_grad)
    d = _float_dtype(dtype or input.dtype, "normal_kernel_cpu", complex_ok=True)
    out = _like_array("randn_like", input, d, memory_format)
    part = _real_view(out)
    std = 1 / math.sqrt(2) if d.kind == "c" else 1.0
    _rk.fill(part, _rk.normal(part.size, part.dtype, 0.0, std, part.flags.c_contiguous, generator))
    return _finish(out, requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    """Random integers in [low, high) shaped as ``input`` (its dtype and layout unless given); ``randint_like(input,
    high)`` draws from [0, high)."""
    if high is None:
        low, high = 0, low
    if input.is_meta if device is None else _check_device(device, True):
        return empty_like(input, dtype=dtype, device="meta", requires_grad=requires_grad)
    t = randint(low, high, (input.numel(),), generator=generator, dtype=dtype or input.dtype, device=device)
    out = _like_array("randint_like", input, dtype, memory_format)
    _rk.fill(out, t._data)
    return _finish(out, requires_grad)


_NORMAL_SIGNATURES = [
    "(Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)",
    "(Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)",
    "(float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)",
    "(float mean, float std, tuple of ints size, *, torch.Generator generator = None, Tensor out = None, "
    "torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, bool pin_memory = False, "
    "bool requires_grad = False)"]
_NORMAL_OPTIONS = frozenset(("generator", "out", "dtype", "layout", "device", "pin_memory", "requires_grad"))


def _normal_args(args, kwargs):
    """``normal``'s overload for ``args`` and ``kwargs`` as PyTorch's parser picks it: ``(mean, std, size,
    options)``, or its TypeError (the tensor overloads take only ``generator`` and ``out``; two numbers need a
    size and take the factory options)."""
    names = ("mean", "std", "size")
    given = dict(zip(names, args))
    options = {k: v for k, v in kwargs.items() if k not in names or k in given}
    given.update((k, v) for k, v in kwargs.items() if k in names and k not in given)
    mean, std, size = given.get("mean", _REQUIRED), given.get("std", 1.0), given.get("size", _REQUIRED)
    tensors = isinstance(mean, Tensor) or isinstance(std, Tensor)
    numbers_ok = builtins.all(isinstance(v, (Tensor, numbers.Number)) for v in (mean, std))
    if len(args) <= 3 and mean is not _REQUIRED and numbers_ok and (
            (tensors and size is _REQUIRED and builtins.all(k in ("generator", "out") for k in options))
            or (not tensors and size is not _REQUIRED and builtins.all(k in _NORMAL_OPTIONS for k in options))):
        return mean, std, size, options
    if len(args) + len(kwargs) > 4:  # only the (float, float, size) overload takes that many: its own error
        for i, name in enumerate(names[:2]):
            v = given.get(name)
            if name in given and not isinstance(v, numbers.Number):
                where = f" (position {i + 1})" if i < len(args) else ""
                return TypeError(f"normal(): argument '{name}'{where} must be float, not {_args.type_name(v)}")
        for k in kwargs:
            if k not in names and k not in _NORMAL_OPTIONS:
                return TypeError(f"normal() got an unexpected keyword argument '{k}'")
    if len(args) == 1 and not kwargs:
        return _args.tensor_error("normal", "mean", mean, 1)
    return _args.combination_error("normal", args, kwargs, _NORMAL_SIGNATURES)


def normal(*args, **kwargs):
    """Normal samples with the given mean and std, drawn as PyTorch draws them (standard normals scaled by
    ``std``, then ``mean`` added). PyTorch's overloads:

    - ``normal(mean, std, *, generator=None, out=None)`` with a tensor ``mean`` and/or ``std`` (a number ``std``
      defaults to 1): the result is their broadcast shape; the parameters get zero gradients;
    - ``normal(mean, std, size, *, generator=None, out=None, dtype=None, layout=None, device=None,
      pin_memory=False, requires_grad=False)`` with two numbers: a new tensor of ``size``.

    Example::

        >>> ember.normal(ember.zeros(3), 1.0).shape
        ember.Size([3])
        >>> ember.normal(0.0, 0.01, (2, 3), requires_grad=True).requires_grad
        True
    """
    parsed = _normal_args(args, kwargs)
    if isinstance(parsed, TypeError):
        raise parsed
    mean, std, size, options = parsed
    generator, out = options.get("generator"), options.get("out")
    if isinstance(std, Tensor):  # (before broadcasting, as PyTorch; NaN fails both checks)
        if std._data.size and not (std._data >= 0).all():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif not std >= 0:  # (the meta kernel writes the double as Python does)
        text = repr(_float(std)) if _check_device(options.get("device"), True) else f"{std:g}"
        raise RuntimeError(f"normal expects std >= 0.0, but found std {text}")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = xp.broadcast_shapes(xp.shape(m), xp.shape(s))
        dt = xp.result_type(*(a for a in (m, s) if not isinstance(a, numbers.Number)))
        scale = 1.0 if isinstance(std, Tensor) else s  # standard normals times std, plus mean, in the result dtype
        if _strided_out(out, shape, dt):  # (drawn into out's layout: its memory order, the scalar kernel)
            z = xp.empty_like(out._data)
            _rk.fill(z, _rk.normal(z.size, dt, 0.0, scale, False, generator))
        else:
            z = _rk.normal(math.prod(shape), dt, 0.0, scale, True, generator).reshape(shape)
        if isinstance(std, Tensor):
            z *= s
        z += m
        params = [t for t in (mean, std) if isinstance(t, Tensor)]
        if _grad_state.enabled and builtins.any(t._requires_grad for t in params):  # (zero gradients, as PyTorch's)
            name = "NormalBackward3" if len(params) == 2 else "NormalBackward1" if isinstance(mean, Tensor) else \
                "NormalBackward2"
            return _out(_Sampled.apply(*params, values=z, grad_name=name), out)
        return _out(wrap(z), out)
    dtype, requires_grad = options.get("dtype"), options.get("requires_grad", False)
    shape = _size_args((size,))
    if _check_device(options.get("device"), True):  # (the meta device pins nothing: no error)
        if out is not None:
            raise RuntimeError("device type meta does not match device type of out parameter (cpu)")
        d = _np_dtype(dtype, _dtype.get_default_dtype().np)
        if d.kind not in "fVc":
            raise RuntimeError(f"expected a floating-point or complex dtype, but got dtype={dtype}")
        return _meta_empty(shape, d, requires_grad)
    _no_pinning(options.get("pin_memory", False))
    if out is not None and dtype is not None and isinstance(out, Tensor) and _np_dtype(dtype) != out._data.dtype:
        raise RuntimeError(f"dtype {_dtype.TYPE_WORDS[_np_dtype(dtype).name]} does not match dtype of out "
                           f"parameter ({_dtype.TYPE_WORDS[out._data.dtype.name]})")
    d = _float_dtype(dtype or getattr(out, "dtype", None), "normal_kernel_cpu")
    if _strided_out(out, shape, d):
        res = out.normal_(mean, std, generator=generator)
    else:
        res = _out(wrap(_rk.normal(math.prod(shape), d, mean, std, True, generator).reshape(shape)), out)
    return res.requires_grad_() if requires_grad else res


class _Sampled(_ops.Op):
    """Samples drawn from tensor parameters (``values``): the parameters get zero gradients, as PyTorch's sampling
    nodes give them."""

    def forward(self, *arrays):
        self.like = [(a.shape, a.dtype) for a in arrays]
        return self.values

    def backward(self, g):
        return tuple(xp.zeros(shape, dt) for shape, dt in self.like)


_P_IN_MSG = ("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  "
             "If so, please report an enhancement request to PyTorch.)")


def bernoulli(input, p=None, *, generator=None):
    """0/1 samples with probabilities ``input`` (or the number ``p``), drawn as PyTorch's CPU kernel draws."""
    a = input._data
    if p is None:
        if a.dtype.kind not in "fV":
            raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for "
                                      f"'{_dtype.TYPE_WORDS[a.dtype.name]}'")
        with xp.errstate(invalid="ignore"):
            if a.size and not ((a >= 0) & (a <= 1)).all():  # (NaN fails too)
                raise RuntimeError(_P_IN_MSG)
        return wrap(_rk.bernoulli_tensor(xp.ascontiguousarray(a).reshape(-1), generator).reshape(a.shape)
                    .astype(a.dtype))
    if isinstance(p, Tensor):
        probs = xp.broadcast_to(p._data, a.shape)
        return wrap(_rk.bernoulli_tensor(xp.ascontiguousarray(probs).reshape(-1), generator).reshape(a.shape)
                    .astype(a.dtype))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return wrap(_rk.bernoulli_scalar(a.size, p, generator).reshape(a.shape).astype(a.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Sample category indices from rows of non-negative weights (PyTorch's algorithms and draws: without
    replacement, or for one sample, the largest ``weight / Exp(1)``; with replacement, inverse-CDF lookups
    of uniform draws)."""
    if input._data.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    w = input._data
    if w.dtype.kind not in "fV":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_dtype.TYPE_WORDS[w.dtype.name]}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    rows = w if w.ndim == 2 else w[None]
    check = rows.astype(xp.float64)
    if replacement and num_samples > 1:
        # PyTorch's inverse-CDF kernel checks row by row: each entry (NaN fails the ``>= 0`` test), then the sum
        ok = (check >= 0) & xp.isfinite(check)
        sums = check.sum(axis=1)
        if not (ok.all() and (sums > 0).all()):
            row_ok = ok.all(axis=1)
            r = int(xp.argmax(~row_ok | (sums <= 0)))
            if row_ok[r]:
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            v = check[r, int(xp.argmax(~ok[r]))]
            raise RuntimeError("invalid multinomial distribution (encountering probability entry "
                               + ("= infinity or NaN)" if v >= 0 else "< 0)"))
    else:
        if not replacement and num_samples > rows.shape[1]:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        if not rows.shape[1]:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has "
                               "no identity.")
        if not xp.isfinite(check).all() or (check < 0).any():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (check.sum(axis=1) <= 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    res = _rk.multinomial(rows, num_samples, replacement, generator)
    return wrap(res.reshape(w.shape[:-1] + (num_samples,)))


# ============================================================================================ operands


_SCALARS = {}  # (type, value, dtype) -> constant 0-d tensor; operands are never written to, so they can be shared


def _scalar_tensor(value, np_dtype):
    if value == 0 and type(value) is _float and math.copysign(1.0, value) < 0:
        return wrap(xp.asarray(value, dtype=np_dtype))  # -0.0 equals 0.0 as a key: its sign must not be lost
    key = (type(value), value, np_dtype)
    t = _SCALARS.get(key)
    if t is not None:
        return t
    if isinstance(value, _int):  # (bools too)
        _scalar_int(value)
        kind = np_dtype.kind
        if kind in "iu":  # wrapped into the dtype, as C's conversion of the int64 (or uint64) scalar
            value = _wrap_int(value, np_dtype)
        elif kind == "b":
            value = value != 0
        elif kind == "V":  # (ml_dtypes' bfloat16 takes Python floats)
            value = _float(value)
    with xp.errstate(over="ignore"):  # (a float16 operand beyond its range is inf, as in PyTorch)
        t = wrap(xp.asarray(value, dtype=np_dtype), vc=[0])  # (cached: never an inference tensor)
    if len(_SCALARS) > 1024:
        _SCALARS.clear()
    _SCALARS[key] = t
    return t


def _scalar_int(value):
    """Check that the Python int ``value`` fits PyTorch's Scalar, which holds an int64 or (from 2**63) a uint64:
    PyTorch's OverflowError beyond."""
    if value < -0x8000000000000000:
        raise OverflowError("can't convert negative int to unsigned")
    if value > 0xFFFFFFFFFFFFFFFF:
        raise OverflowError("int too big to convert")
    return value


def _wrap_int(value, np_dtype):
    """The integer ``value`` converted to the integer ``np_dtype`` as C converts it: modulo 2**bits."""
    bits = 8 * np_dtype.itemsize
    value &= (1 << bits) - 1
    if np_dtype.kind == "i" and value >> (bits - 1):
        value -= 1 << bits
    return value


def _checked_scalar(value, np_dtype):
    """The number ``value`` as an element of ``np_dtype`` (a NumPy scalar), the way PyTorch stores a number into a
    tensor (fill_, full, masked_fill, where, clamp's bounds): C's conversion, but PyTorch's RuntimeError for a value
    outside the dtype's range or an imaginary part a real dtype would drop (an unsigned dtype takes negative ints
    down to minus its maximum, wrapping them; floats truncate; bool takes anything, as nonzero)."""
    kind = np_dtype.kind
    if type(value) is _float and kind == "f" and _fits_float(value, np_dtype):  # (the common case, first)
        return np_dtype.type(value)
    if isinstance(value, _int):
        _scalar_int(value)
    if kind == "b":
        return xp.bool_(value != 0)
    if kind == "c":
        c = complex(value)
        if not (_fits_float(c.real, np_dtype) and _fits_float(c.imag, np_dtype)):
            raise _overflow_error(np_dtype)
        return np_dtype.type(c)
    if type(value) is complex:
        if value.imag:
            raise _overflow_error(np_dtype)
        value = value.real
    if kind in "iu":
        bottom, top = _int_range(np_dtype)
        low = -top if kind == "u" and isinstance(value, _int) else bottom  # (a negative float is not)
        if not (math.isfinite(value) and low <= value <= top):
            raise _overflow_error(np_dtype)
        return np_dtype.type(_wrap_int(_int(value), np_dtype))
    if not _fits_float(value, np_dtype):
        raise _overflow_error(np_dtype)
    return xp.asarray(_float(value), dtype=np_dtype)[()]


def _int_range(np_dtype):
    """``(min, max)`` of the integer ``np_dtype``, as Python ints."""
    r = _INT_RANGE.get(np_dtype)
    if r is None:
        info = xp.iinfo(np_dtype)
        r = _INT_RANGE[np_dtype] = (int(info.min), int(info.max))
    return r


_INT_RANGE = {}  # NumPy integer dtype -> (its smallest value, its largest)


def _stored_scalar(value, np_dtype):
    """The number ``value`` as ``where`` and indexed assignment store it into ``np_dtype``: as
    :func:`_checked_scalar`, but unchecked into float16 and bfloat16 (70000 is inf there), as PyTorch."""
    if np_dtype.itemsize == 2 and np_dtype.kind in "fV":
        if type(value) is complex:  # (read as a double)
            value = _real_value(value, _F64)
        return _scalar_tensor(value, np_dtype)._data[()]
    return _checked_scalar(value, np_dtype)


def _stored_tensor(value, np_dtype):
    """The number ``value`` stored into ``np_dtype`` as :func:`_stored_scalar` does, as a (shared) 0-d tensor."""
    _stored_scalar(value, np_dtype)  # (its errors; the value it stores is the one _scalar_tensor makes)
    if type(value) is complex and np_dtype.kind not in "cb":
        value = value.real
    return _scalar_tensor(value, np_dtype)


def _fits_float(value, np_dtype):
    """Whether ``value`` is infinite, NaN or within the largest finite value of the floating ``np_dtype``."""
    v = _float(value)
    if not math.isfinite(v):
        return True
    top = _FLOAT_MAX.get(np_dtype)
    if top is None:
        top = _FLOAT_MAX[np_dtype] = _dtype.finfo(_dtype.from_np(np_dtype)).max
    return builtins.abs(v) <= top


_FLOAT_MAX = {}  # NumPy float/complex dtype -> its largest finite value


def _cast(t, np_dtype):
    if t._data.dtype == np_dtype:
        return t
    if t._requires_grad and _grad_state.enabled and np_dtype.kind in "fVc":
        return E.Cast.apply(t, dtype=np_dtype)
    if _ops._hooks and t.is_meta:  # (the op-less cast of a meta tensor is meta)
        return _meta_empty(t._data.shape, np_dtype, False)
    if t._data.dtype.kind == "c" and np_dtype.kind != "c":  # (PyTorch's UserWarning, not NumPy's ComplexWarning)
        _warn_complex_cast(at_caller=True)
        return wrap(t._data.real.astype(np_dtype))
    return wrap(t._data.astype(np_dtype))


def _operands(a, b, name=None):
    """Bring two operands (tensors or Python numbers) to PyTorch's common dtype as tensors (``name``: the method
    run, named in the TypeError for anything else as ``b``)."""
    # Fast path: a tensor with a Python float/int of a category that does not promote it.
    tb = type(b)
    if (tb is _float or tb is _int) and type(a) is not tb and isinstance(a, Tensor):
        kind = a._data.dtype.kind
        if kind in "fV" or (tb is _int and kind in "iu"):
            return a, _scalar_tensor(b, a._data.dtype)
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        da, db = a._data.dtype, b._data.dtype
        if da == db:
            return a, b
        rt = _dtype.result_type(a, b).np
        return _cast(a, rt), _cast(b, rt)
    if ta:
        if not isinstance(b, _Number):
            if not isinstance(b, xp.generic):
                _bad_operand(b, name)
            b = b.item()  # a NumPy scalar: use the Python number
        rt = _scalar_result_type(a, b)
        return _cast(a, rt), _scalar_tensor(b, rt)
    if tb:
        if not isinstance(a, _Number):
            if not isinstance(a, xp.generic):
                _bad_operand(a)
            a = a.item()
        rt = _scalar_result_type(b, a)
        return _scalar_tensor(a, rt), _cast(b, rt)
    if name is not None and isinstance(a, _Number) and isinstance(b, _Number):
        return _operands(tensor(a), b, name)  # two numbers for add, sub, mul, div (ember.add(2, 3)): as PyTorch
    raise TypeError("expected at least one tensor operand")  # (the functions' wrappers give PyTorch's message)


def _scalar_result_type(t, value):
    """The NumPy dtype of tensor ``t`` with the Python number ``value``; PyTorch's error for a bool tensor with an
    int from 2**63 (a uint64 scalar there, which PyTorch does not promote with bool)."""
    if t._data.dtype == xp.bool_ and type(value) is _int and _scalar_int(value) > 0x7FFFFFFFFFFFFFFF:
        raise RuntimeError("Promotion for uint16, uint32, uint64 types is not supported, attempted to promote Bool "
                           "and UInt64")
    return _dtype.result_type(t, value).np


def _bad_operand(v, name=None):
    if name is not None:  # the method's message (ember.add's own comes from its wrapper)
        raise _args.tensor_error(name, "other", v, 1)
    raise TypeError(f"unsupported operand type: '{_args.type_name(v)}'")


def _check_broadcast(a, b):
    _check_broadcast_shapes(a._data.shape, b._data.shape)


def _check_broadcast_shapes(*shapes):
    """PyTorch's RuntimeError for the first of ``shapes`` that does not broadcast with those before it."""
    sa, last = shapes[0], len(shapes) - 1
    for k, sb in enumerate(shapes[1:], 1):
        if sa == sb:
            continue
        for i in range(1, builtins.min(len(sa), len(sb)) + 1):
            x, y = sa[-i], sb[-i]
            if x != y and x != 1 and y != 1:
                raise RuntimeError(
                    f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                    f"dimension {builtins.max(len(sa), len(sb)) - i}"
                )
        if k == last:  # (two shapes, as for ``a + b``: no broadcast shape needed)
            return
        n = builtins.max(len(sa), len(sb))
        sa, sb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
        sa = tuple(x if y == 1 else y for x, y in zip(sa, sb))


def _binary(op, a, b, name=None, **params):
    a, b = _operands(a, b, name)
    sa, sb = a._data.shape, b._data.shape
    if sa != sb and sa and sb:  # a 0-d operand always broadcasts
        _check_broadcast(a, b)
    return op.apply(a, b, **params)


# ============================================================================================ arithmetic


@_args.visible_signature
def add(input, other, *args, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting and type promotion.

    PyTorch's deprecated ``add(input, alpha, other)`` (``x.add_(alpha, other)``) is taken too, with its warning.
    """
    if args:
        return _args.deprecated_call(add, "add", (input, other) + args, {"out": out}, ("alpha",) * (alpha != 1))
    if alpha != 1 or alpha is True:
        alpha = _check_alpha(input, other, alpha)
        return _out(_binary(E.Add, input, other, "add", alpha=alpha), out)
    return _out(_binary(E.Add, input, other, "add"), out)


def _check_alpha(input, other, alpha, negated=False):
    """``alpha`` as add/sub use it: PyTorch's error for a complex one with real tensors, or one that does not fit
    the result dtype (an int is wrapped into an integer one); rounded to a half result type first, as PyTorch's
    kernels do. ``negated``: sub's, which PyTorch negates (as an int64, wrapping) before the check."""
    rt = _dtype.result_type(input, other)
    if type(alpha) is _bool and rt.np.kind != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if type(alpha) in (_float, complex) and rt.np.kind in "biu":
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if type(alpha) is complex and rt.category != _dtype._COMPLEX:
        raise RuntimeError("For non-complex input tensors, argument alpha must not be a complex number.")
    if type(alpha) is _int and negated:
        neg = _wrap_int(-_scalar_int(alpha), _I64)
        value = _checked_scalar(neg, rt.np)
        return _wrap_int(-value.item(), rt.np) if rt.np.kind in "iu" else -neg
    if isinstance(alpha, (_int, _float)):  # PyTorch's error when it does not fit the result dtype
        value = _checked_scalar(alpha, rt.np)
        if type(alpha) is _int and rt.np.kind in "biu":
            return value.item()  # (wrapped: -1 is 255 for uint8; a bool result's alpha is a bool)
    if type(alpha) is _float and rt.itemsize == 2 and rt.category == _dtype._FLOAT:
        return _float(xp.asarray(alpha, dtype=rt.np))
    return alpha


@_args.visible_signature
def sub(input, other, *args, alpha=1, out=None):
    """``input - alpha * other`` (PyTorch's deprecated ``sub(input, alpha, other)`` too, with its warning)."""
    if args:
        return _args.deprecated_call(sub, "sub", (input, other) + args, {"out": out}, ("alpha",) * (alpha != 1))
    # a Python bool counts as a bool tensor, as in PyTorch (x - True raises)
    a_bool = input._data.dtype == xp.bool_ if isinstance(input, Tensor) else type(input) is _bool
    b_bool = other._data.dtype == xp.bool_ if isinstance(other, Tensor) else type(other) is _bool
    if a_bool or b_bool:
        for v in (input, other, alpha):  # (a Python int beyond PyTorch's Scalar fails first)
            if type(v) is _int:
                _scalar_int(v)
        if a_bool and b_bool:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
                               "`^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    if not isinstance(input, Tensor):  # number - tensor
        res = _binary(E.Sub, input, other, "sub", grad_name="RsubBackward1")
    elif alpha != 1 or alpha is True:
        alpha = _check_alpha(input, other, alpha, negated=True)
        res = _binary(E.Sub, input, other, "sub", alpha=alpha)
    else:
        res = _binary(E.Sub, input, other, "sub")
    return _out(res, out)


subtract = sub


def mul(input, other, *, out=None):
    """Elementwise product."""
    if _ops._half_active:
        res = _half_times_scalar(E.Mul, input, other)
        if res is not None:
            return _out(res, out)
    return _out(_binary(E.Mul, input, other, "mul"), out)


def _half_times_scalar(op, a, b):
    """``op`` (Mul; Div with the tensor first) of a dimensioned float16/bfloat16 tensor and a Python float or a
    floating 0-dim tensor, or None for other operands. PyTorch's kernels keep such a scalar in float32 (add and sub
    round it to the half type first, as every other operand): it goes in as a float32 0-dim tensor, which the
    half-precision policy uses as is while the result stays half (see ember/_ops/__init__.py)."""
    swap = not isinstance(a, Tensor) and op is E.Mul
    t, s = (b, a) if swap else (a, b)
    if not (isinstance(t, Tensor) and t._data.ndim and t._data.dtype.itemsize == 2 and t._data.dtype.kind in "fV"):
        return None
    if type(s) is _float or type(s) is _int:
        s = _scalar_tensor(s, _F32)
    elif isinstance(s, Tensor) and s._data.ndim == 0 and s._data.dtype.kind == "f" and s._data.dtype.itemsize >= 4:
        s = _cast(s, _F32)
    else:
        return None
    return op.apply(s, t) if swap else op.apply(t, s)


_F32 = xp.dtype(xp.float32)
_I64 = xp.dtype(xp.int64)
_F64 = xp.dtype(xp.float64)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """Elementwise division; integers divide to float32 unless ``rounding_mode`` is 'trunc'/'floor'."""
    if rounding_mode is None:
        if _ops._half_active:
            res = _half_times_scalar(E.Div, input, other)
            if res is not None:
                return _out(res, out)
        if type(other) is _int and isinstance(input, Tensor) and input._data.dtype.kind in "biu":
            # an int divisor goes to the float dtype as it is (not wrapped into the tensor's: uint8 / -1 is -x)
            _scalar_result_type(input, other)
            input = _cast(input, _dtype.get_default_dtype().np)
        elif type(input) is _int and isinstance(other, Tensor) and other._data.dtype.kind in "biu":
            _scalar_result_type(other, input)  # likewise an int dividend: -3 / uint8 is negative
            other = _cast(other, _dtype.get_default_dtype().np)
        a, b = _operands(input, other, "div")
        if a._data.dtype.kind in "biu":
            # each integer tensor goes to the float dtype as it is (not wrapped into the other's first: uint8
            # / tensor(-2) is negative)
            fd = _dtype.get_default_dtype().np
            a = _cast(input if isinstance(input, Tensor) else a, fd)
            b = _cast(other if isinstance(other, Tensor) else b, fd)
        sa, sb = a._data.shape, b._data.shape
        if sa != sb and sa and sb:
            _check_broadcast(a, b)
        res = E.Div.apply(a, b)
        return res if out is None else _out(res, out)
    a, b = _operands(input, other, "div")
    _check_broadcast(a, b)
    if out is not None and _grad_state.enabled and (a._requires_grad or b._requires_grad):
        _out_grad_error("div")  # (the rounded quotient has no graph to tell _out)
    if a._data.dtype == xp.bool_ and rounding_mode in ("floor", "trunc"):
        _not_implemented(f"div_{rounding_mode}", a._data.dtype)
    if _ops._hooks:  # (no kernels for float8 and uint16/32/64)
        _ops.refuse_restricted(f"div_{rounding_mode}_cpu", a)
    if a._data.dtype.kind == "c" and rounding_mode in ("floor", "trunc"):
        raise NotImplementedError(f"\"div_{rounding_mode}_cpu\" not implemented for "
                                  f"'{_dtype.TYPE_WORDS[a._data.dtype.name]}'")
    ad, bd = a._data, b._data
    if ad.dtype.itemsize == 2 and ad.dtype.kind in "fV":  # a half type: in float32, a Python float unrounded
        ad, bd = ad.astype(_F32), (_F32.type(other) if type(other) is _float else bd.astype(_F32))
    with xp.errstate(divide="ignore", invalid="ignore"):
        if ad.dtype.kind in "iub" and (bd == 0).any():
            raise RuntimeError("ZeroDivisionError")
        if rounding_mode == "floor":
            r = xp.floor_divide(ad, bd) if ad.dtype.kind != "f" else E.floor_divide_float(ad, bd)
        elif rounding_mode == "trunc":
            if ad.dtype.kind == "f":
                r = xp.trunc(ad / bd)
            else:  # exact in the integers (not through float64, wrong past 2**53): floor, + 1 where inexact with
                # the signs differing; bools as uint8 (NumPy's floor_divide has no bool loop)
                if ad.dtype.kind == "b":
                    ad, bd = ad.view(xp.uint8), bd.view(xp.uint8)
                q = xp.floor_divide(ad, bd)
                r = q + ((q * bd != ad) & ((ad < 0) != (bd < 0)))
        else:
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                               f"'{rounding_mode}'")
    return _out(wrap(r.astype(a._data.dtype, copy=False)), out)


divide = div
true_divide = div


def floor_divide(input, other):
    """``input // other``: the floor of the quotient. PyTorch has no derivative for it: a result of inputs that
    require grad is linked to them by a node (NotImplemented) that raises when differentiated."""
    out = div(input, other, rounding_mode="floor")
    if _grad_state.enabled and out._data.dtype.kind in "fcV":
        inputs = tuple([t for t in (input, other) if isinstance(t, Tensor)])
        if builtins.any(t._requires_grad for t in inputs):
            return E.Constant.apply(*inputs, result=out._data, error="floor_divide", grad_name="NotImplemented")
    return out


def _modulo(op, input, other):
    a, b = _operands(input, other)
    _check_broadcast(a, b)
    if a._data.dtype == xp.bool_:
        _not_implemented(op.__name__.lower(), a._data.dtype)
    if _ops._hooks:  # (no kernels for float8 and uint16/32/64)
        _ops.refuse_restricted(op.__name__.lower() + "_cpu", a)
    if a._data.dtype.kind == "c":
        raise NotImplementedError(f"\"{op.__name__.lower()}_cpu\" not implemented for "
                                  f"'{_dtype.TYPE_WORDS[a._data.dtype.name]}'")
    if a._data.dtype.kind not in "fV" and not (a._requires_grad or b._requires_grad):
        if (b._data == 0).any():
            raise RuntimeError("ZeroDivisionError")
        return wrap(op._mod(a._data, b._data))
    if isinstance(other, Tensor):  # PyTorch names the Tensor-Tensor overload's node ...Backward1
        return op.apply(a, b, grad_name=op.__name__ + "Backward1")
    return op.apply(a, b)


def remainder(input, other):
    """Python-style remainder ``input - floor(input / other) * other`` (the sign of ``other``); differentiable.

    Example::

        >>> ember.remainder(ember.tensor([-3.0, 3.0]), 2)
        tensor([1., 1.])
    """
    return _modulo(E.Remainder, input, other)


def fmod(input, other):
    """C-style remainder ``input - trunc(input / other) * other`` (the sign of ``input``); differentiable.

    Example::

        >>> ember.fmod(ember.tensor([-3.0, 3.0]), 2)
        tensor([-1.,  1.])
    """
    return _modulo(E.Fmod, input, other)


def pow(input, exponent, *, out=None):
    """``input ** exponent`` (either may be a number)."""
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        if not isinstance(exponent, _Number):  # the method's message (ember.pow's own comes from its wrapper)
            raise _args.method_combination_error("pow", (exponent,), ["(Tensor exponent)", "(Number exponent)"])
        if type(exponent) is _int and _scalar_int(exponent) > 0x7FFFFFFFFFFFFFFF:
            raise _overflow_error(_I64)  # (an int exponent is read as an int64)
        rt = _scalar_result_type(input, exponent)
        x = _cast(input, rt)
        if rt.itemsize == 2 and rt.kind in "fV":
            if type(exponent) is _float:
                exponent = _float(xp.asarray(exponent, dtype=rt))  # PyTorch rounds it to the half type first
            if rt.kind == "V" and exponent in (3, -2, -0.5):
                return _out(_bfloat16_pow(x, exponent), out)
        if type(exponent) is _int:  # (an int exponent is an int64, and must fit the result dtype)
            if rt.kind in "fV" and not _fits_float(exponent, rt):
                raise _overflow_error(rt)
        if rt.kind in "biu":
            if exponent < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            if rt.kind != "b":
                _checked_scalar(exponent, rt)
            if rt == xp.bool_:  # x ** True is x, x ** False is True (NumPy would give int8)
                return _out(wrap(x._data | (not exponent)), out)
            if _ops._hooks:  # (no kernels for uint16/32/64)
                _ops.refuse_restricted("pow", x)
            return _out(wrap(x._data ** exponent), out)
        return _out(E.Pow.apply(x, exponent=exponent), out)
    a, b = _operands(input, exponent)
    _check_broadcast(a, b)
    if a._data.dtype.kind in "biu":
        return _out(wrap(_int_pow(a._data, b._data)), out)
    if not isinstance(input, Tensor):  # number ** tensor
        return _out(E.PowTensor.apply(a, b, grad_name="PowBackward2"), out)
    return _out(E.PowTensor.apply(a, b), out)


def _bfloat16_pow(x, exponent):
    """bfloat16 ``x ** 3``, ``x ** -2`` and ``x ** -0.5`` as PyTorch: each product rounded to bfloat16 (float16's
    are rounded once, as Pow computes them), and -0.5 with rsqrt's specials ((-0.0) ** -0.5 is -inf, (-inf) ** -0.5
    is nan). The node is Pow's (its backward reads ``x`` only); its result is replaced."""
    res = E.Pow.apply(x, exponent=exponent)
    d = x._data
    with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if exponent == 3:
            res._data[...] = d * d * d
        elif exponent == -2:
            res._data[...] = 1 / (d * d)
        else:
            res._data[(d == 0) & xp.signbit(d)] = -xp.inf
            res._data[d < 0] = xp.nan  # (PyTorch's nan is positive)
    return res


def _int_pow(a, b):
    """Integer ``a ** b`` as PyTorch: a negative exponent gives 1 for base 1, +-1 for base -1 and 0 otherwise
    (NumPy refuses negative integer powers)."""
    if a.dtype == xp.bool_:
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if _ops._hooks:  # (no kernels for float8 and uint16/32/64)
        _ops.refuse_restricted("pow", wrap(a))
    neg = b < 0
    if not neg.any():
        return a ** b
    r = a ** xp.where(neg, 0, b)
    odd = (b % 2).astype(bool)
    small = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0)).astype(r.dtype)
    return xp.where(neg, small, r)


def float_power(input, exponent):
    # double precision: complex128 when either operand is complex
    wide = _dtype.complex128 if _dtype.result_type(input, exponent).is_complex else _dtype.float64
    a = input.to(wide) if isinstance(input, Tensor) else input
    e = exponent.to(wide) if isinstance(exponent, Tensor) else exponent
    return pow(a, e)


def _no_complex(t, exc, message):
    """Raise PyTorch's ``exc(message)`` when tensor ``t`` is complex (``{}`` in ``message``: its dtype word):
    ordering ops that PyTorch refuses for complex numbers, which NumPy would compare lexicographically."""
    if isinstance(t, Tensor) and t._data.dtype.kind == "c":
        raise exc(message.format(_dtype.TYPE_WORDS[t._data.dtype.name]))


def maximum(input, other):
    if not isinstance(other, Tensor):  # the method's message (the functions' wrappers give theirs)
        raise _args.tensor_error("maximum", "other", other, 1)
    _no_complex(input, RuntimeError, "maximum not implemented for complex tensors.")
    _no_complex(other, RuntimeError, "maximum not implemented for complex tensors.")
    return _binary(E.Maximum, input, other)


def minimum(input, other):
    if not isinstance(other, Tensor):  # the method's message (the functions' wrappers give theirs)
        raise _args.tensor_error("minimum", "other", other, 1)
    _no_complex(input, RuntimeError, "minimum not implemented for complex tensors.")
    _no_complex(other, RuntimeError, "minimum not implemented for complex tensors.")
    return _binary(E.Minimum, input, other)


def fmax(input, other):
    _no_complex(input, RuntimeError, "fmax not implemented for complex tensors.")
    _no_complex(other, RuntimeError, "fmax not implemented for complex tensors.")
    return _binary(E.Fmax, input, other)


def fmin(input, other):
    _no_complex(input, RuntimeError, "fmin not implemented for complex tensors.")
    _no_complex(other, RuntimeError, "fmin not implemented for complex tensors.")
    return _binary(E.Fmin, input, other)


def atan2(input, other):
    """Elementwise ``atan(input / other)`` in the right quadrant; integers and bools give the default float dtype."""
    if not isinstance(other, Tensor):  # the method's message (the functions' wrappers give theirs)
        raise _args.tensor_error("atan2", "other", other, 1)
    a, b = _operands(input, other)
    if a._data.dtype.kind not in "fV":
        _no_complex(a, NotImplementedError, "\"atan2_cpu\" not implemented for '{}'")
        dt = _dtype.get_default_dtype().np  # each integer tensor to it as it is (uint8 with tensor(-2): negative)
        a, b = _cast(input if isinstance(input, Tensor) else a, dt), _cast(other, dt)
    return _binary(E.Atan2, a, b)


arctan2 = atan2


def lerp(input, end, weight):
    """``input + weight * (end - input)``; ``end`` (and a non-0-d tensor ``weight``) must have ``input``'s dtype."""
    if not isinstance(end, Tensor) or not isinstance(weight, _args.NUMBERS):
        # the method's message (ember.lerp's own comes from its out= wrapper)
        raise _args.method_combination_error("lerp", (end, weight), ["(Tensor end, Tensor weight)",
                                                                      "(Tensor end, Number weight)"])
    dt = input._data.dtype
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != dt and (name == "end" or t._data.ndim):
            raise RuntimeError(f"expected dtype {_dtype.C10_NAMES[dt.name]} for `{name}` but got dtype "
                               f"{_dtype.C10_NAMES[t._data.dtype.name]}")
    if isinstance(weight, Tensor):
        rt = _dtype.result_type(input, end, weight).np  # a 0-d weight of a higher category promotes
        if rt.kind not in "fVc":
            raise NotImplementedError(f"\"lerp_kernel_tensor\" not implemented for '{_dtype.TYPE_WORDS[rt.name]}'")
        return E.Lerp.apply(_cast(input, rt), _cast(end, rt), _cast(weight, rt), grad_name="LerpBackward1")
    if dt.kind not in "fVc":
        raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for '{_dtype.TYPE_WORDS[dt.name]}'")
    # (a half input keeps the weight in float32, as PyTorch's kernel)
    return E.Lerp.apply(input, end, _scalar_tensor(weight, _F32 if dt.itemsize == 2 and dt.kind in "fV" else dt))


def _out(res, out, name=None):
    """PyTorch's ``out=``: ``res`` (a tensor or a tuple of them) written into ``out``, resized to the result's
    shape and cast to its dtype (when the result's dtype casts to it); returns ``out``. ``name``: the function,
    for the autograd error (see :func:`_out_grad_error`)."""
    if out is None:
        return res
    if isinstance(res, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(res):
            raise TypeError(f"out= expects a tuple of {len(res)} tensors, got {type(out).__name__}")
        for r, o in zip(res, out):
            _out(r, o, name)
        return _named(type(res).__name__ + "_out", res._fields)(*out) if hasattr(res, "_fields") else tuple(out)
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if _grad_state.enabled and ((isinstance(res, Tensor) and res._requires_grad) or out._requires_grad):
        _out_grad_error(_out_caller(sys._getframe(1)) if name is None else name)
    src = res._data if isinstance(res, Tensor) else xp.asarray(res)
    dst = out._data.dtype
    if not _can_cast_out(src.dtype, dst):
        raise RuntimeError(f"result type {_dtype.TYPE_WORDS[src.dtype.name]} can't be cast to the desired output "
                           f"type {_dtype.TYPE_WORDS[dst.name]}")
    if out._data.shape != src.shape:
        if out._data.size:  # (an empty ``out`` is the way to ask for a resize: no warning for it)
            _args.warn(f"An output with one or more elements was resized since it had shape {list(out._data.shape)},"
                       f" which does not match the required output shape {list(src.shape)}. This behavior is "
                       "deprecated, and in a future PyTorch release outputs will not be resized unless they have zero "
                       "elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                       "with t.resize_(0).")
        out.resize_(src.shape)
    out._data[...] = src
    out._vc[0] += 1
    return out


def _can_cast_out(src, dst):
    """PyTorch's ``canCast`` for ``out=``: no complex to real, float to integer or anything else to bool; narrowing
    within a category (int64 into uint8, float64 into float16) is allowed (unlike NumPy's "same_kind")."""
    s, d = src.kind, dst.kind
    return src == dst or not ((s == "c" and d != "c") or (s in "fVc" and d in "biu") or (d == "b" and s != "b"))


# the op PyTorch names in out='s autograd error when it is not the function's own (None: a composite that writes
# out= without the error); ember.linalg's functions as "linalg.<name>" (default: "linalg_<name>")
_OUT_GRAD_NAMES = {"kron": "mul", "outer": "mul", "ger": "mul", "tensordot": None, "diag": None, "inner": None,
                   "softmax": None, "log_softmax": None, "floor_divide": None, "_sum_out": "sum",
                   "square": "pow", "float_power": "pow", "norm": "linalg_vector_norm", "cross": "linalg_cross",
                   "linalg.norm": None, "linalg.multi_dot": "mm", "linalg.inv": "linalg_inv_ex",
                   "linalg.matmul": "matmul"}


def _out_grad_error(name):
    """PyTorch's error for ``out=`` with an argument requiring grad, naming function ``name`` (or the op PyTorch
    names for it: :data:`_OUT_GRAD_NAMES`; none for a composite that PyTorch lets write ``out=``)."""
    name = _OUT_GRAD_NAMES.get(name, name)
    if name is not None:
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, but "
                           "one of the arguments requires grad.")


def _out_caller(frame):
    """The name of the function that called :func:`_out` without one (``frame``: its caller's; a wrapper's ``name``
    or ``fn``, a closure's own ``fn``). Only on the error path; callers that know their name pass it instead."""
    while frame.f_code.co_name == "_out":  # (the tensors of a tuple)
        frame = frame.f_back
    name = frame.f_code.co_name
    if name in ("wrapper", "fn"):
        loc = frame.f_locals
        name = loc.get("name") if name == "wrapper" and loc.get("name") else getattr(loc.get("fn"), "__name__", name)
        if frame.f_globals.get("__name__") == "ember.linalg":
            name = "linalg." + name
            name = _OUT_GRAD_NAMES.get(name, "linalg_" + name[7:])
    elif name == "matmul" and frame.f_back.f_code.co_name == "mm":  # (mm writes through matmul)
        name = "mm"
    return name


def _need_tensor(name, value, arg="input", position=1):
    """PyTorch's TypeError for a non-tensor where a tensor is required (not an AttributeError from inside)."""
    _args.need_tensor(name, arg, position, value)


def _with_out(fn, name=None):
    """``fn`` with PyTorch's keyword ``out=`` (see :func:`_out`), refusing non-tensors where PyTorch takes tensors
    with PyTorch's TypeError (:func:`ember._functions_args.spec`: the required tensors given by position before the
    call, the others when it raised); ``name``: the public name (default ``fn.__name__``)."""
    spec = _args.spec("ember", name or fn.__name__, fn)
    i0, t0, i1, t1, more = _args.entry_check(spec.required if spec else ())
    numpy = (name or fn.__name__) not in _args.PYTHON_FUNCTIONS  # (NumPy's keyword names: see _args.NUMPY_NAMES)
    call = _args.call_checked(fn)

    def wrapper(*args, out=None, **kwargs):
        try:
            ok = isinstance(args[i0], t0) and isinstance(args[i1], t1) and not (more and _args._misfit(more, args))
        except IndexError:  # one given by keyword, or missing
            ok = spec is None
        if not ok:
            if numpy and kwargs:  # (``x=``, ``a=``: renamed)
                renamed = _args.numpy_kwargs(fn, kwargs)
                if renamed is not None:
                    return wrapper(*args, out=out, **renamed)
            err = spec.error(args, kwargs)
            if err is not None:
                raise err
        try:
            res = call(*args, **kwargs)
        except Exception as exc:
            if numpy and kwargs and type(exc) is TypeError:  # (``axis=``, ``keepdims=``, ...: renamed)
                renamed = _args.numpy_kwargs(fn, kwargs)
                if renamed is not None:
                    return wrapper(*args, out=out, **renamed)
            err = spec.error(args, kwargs, exc) if spec else None
            if err is None:
                raise
        else:
            return res if out is None else _out(res, out, name or fn.__name__)
        raise err
    functools.update_wrapper(wrapper, fn)
    return _args.checks_args(wrapper)


def _unary(op, complex_op=None, kernel=None, name=None):
    """The function ``name`` (default: the op's, lower case) of unary op ``op``; complex inputs run ``complex_op``
    (default: ``op`` itself), or raise PyTorch's NotImplementedError naming ``kernel`` when given (the op is
    real-only). It refuses a non-tensor itself (no wrapper on these common calls)."""
    complex_op = complex_op or op

    def fn(input, *, out=None):
        if not isinstance(input, Tensor):
            _need_tensor(fn.__name__, input)
        kind = input._data.dtype.kind
        if kind in "fV":
            return _out(op.apply(input), out)
        if kind == "c":
            if kernel:
                word = _dtype.TYPE_WORDS[input._data.dtype.name]
                raise NotImplementedError(f"\"{kernel}\" not implemented for '{word}'")
            return _out(complex_op.apply(input), out)
        return _out(op.apply(_cast(input, _dtype.get_default_dtype().np)), out)
    fn.__name__ = fn.__qualname__ = name or op.__name__.lower()
    fn.__doc__ = f"Elementwise {op.__name__.lower()} (integers are computed in float32)."
    return _args.checks_args(fn)


exp = _unary(E.Exp)
exp2 = _unary(E.Exp2)
expm1 = _unary(E.Expm1)
log = _unary(E.Log)
log2 = _unary(E.Log2)
log10 = _unary(E.Log10)
log1p = _unary(E.Log1p)
sqrt = _unary(E.Sqrt)
rsqrt = _unary(E.Rsqrt)
sin = _unary(E.Sin)
cos = _unary(E.Cos)
tan = _unary(E.Tan)
asin, arcsin = _unary(E.Asin), _unary(E.Asin, name="arcsin")
acos, arccos = _unary(E.Acos), _unary(E.Acos, name="arccos")
atan, arctan = _unary(E.Atan), _unary(E.Atan, name="arctan")
sinh = _unary(E.Sinh)
cosh = _unary(E.Cosh)
tanh = _unary(E.Tanh)
sigmoid = _unary(E.Sigmoid, E.SigmoidComplex)
erf = _unary(E.Erf, kernel="erf_vml_cpu")
reciprocal = _unary(E.Reciprocal)


def neg(input, *, out=None):
    if input._data.dtype == xp.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return _out(E.Neg.apply(input), out)


negative = neg


def abs(input, *, out=None):
    """Elementwise absolute value."""
    kind = input._data.dtype.kind
    if kind == "b":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    if kind == "c":  # |z| is real; its gradient is g z / |z|
        from ember._ops.complex import ComplexAbs
        return _out(ComplexAbs.apply(input), out)
    return _out(E.Abs.apply(input), out)


absolute = abs


@_args.checks_args
def relu(input):
    if not isinstance(input, Tensor):
        _args.reject("ember", "relu", relu, (input,))
    return E.Relu.apply(input)


def square(input):
    return pow(input, 2)


def _rounding(op):
    def fn(input, *, out=None, **params):
        if not isinstance(input, Tensor):
            _need_tensor(fn.__name__, input)
        if input._data.dtype.kind not in "fV":
            if input._data.dtype.kind == "c":
                if fn.__name__ == "round":
                    kernel = "round_cpu" if params.get("decimals") else "round_vml_cpu"
                    word = _dtype.TYPE_WORDS[input._data.dtype.name]
                    raise NotImplementedError(f"\"{kernel}\" not implemented for '{word}'")
                raise NotImplementedError(f"{fn.__name__} is not supported for complex inputs")
            if input._data.dtype == xp.bool_:
                kernel = f"{fn.__name__}_cpu" if params.get("decimals") else f"{fn.__name__}_vml_cpu"
                raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
            return _out(input.clone(), out)
        return _out(op.apply(input, **params), out)
    fn.__name__ = op.__name__.lower()
    return fn


floor = _rounding(E.Floor)
ceil = _rounding(E.Ceil)
trunc = fix = _rounding(E.Trunc)
_round = _rounding(E.Round)


def round(input, *, decimals=None):
    """Round to the nearest even at ``decimals`` decimal places (default 0; negative: to tens, hundreds...).

    Integer tensors pass through unchanged only when ``decimals`` is not given, as in PyTorch (whose decimals
    kernels are for floats). Example::

        >>> ember.round(ember.tensor([1.25, 2.5]), decimals=1)
        tensor([1.2000, 2.5000])
    """
    if decimals is None:
        return _round(input)
    if isinstance(input, Tensor) and input._data.dtype.kind in "iu":
        raise NotImplementedError(f"\"{'round_cpu' if decimals else 'round_vml_cpu'}\" not implemented for "
                                  f"'{_dtype.TYPE_WORDS[input._data.dtype.name]}'")
    return _round(input, decimals=decimals) if decimals else _round(input)


def sign(input):
    kind = input._data.dtype.kind
    if kind == "b":
        return input.clone()
    if kind == "c":
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
                                  "torch.sgn instead.")
    return E.Sign.apply(input)


def sgn(input):
    """``sign`` for real tensors; ``z / |z|`` (0 at 0) for complex ones."""
    if input._data.dtype.kind == "c":
        from ember._ops.complex import ComplexSgn
        return ComplexSgn.apply(input)
    if input._data.dtype.kind in "fV":  # (PyTorch's own node for sgn: SgnBackward0)
        return E.Sgn.apply(input)
    return sign(input)


_BOUNDS = _args.NUMBERS + (type(None),)  # what clamp's bounds may be


def clamp(input, min=None, max=None, *, out=None):
    """Limit values to [min, max] (either bound may be a number or a tensor)."""
    if not (isinstance(min, _BOUNDS) and isinstance(max, _BOUNDS)):  # the method's message (see ember.clamp's)
        raise _args.method_combination_error("clamp", (min,) if max is None else (min, max), [
            "(Tensor min = None, Tensor max = None)", "(Number min = None, Number max = None)"])
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        _no_complex(input, NotImplementedError, "clamp is not supported for complex types")
        # the result type of all operands (clamp(int_tensor, min=float_tensor) is float)
        dt = _dtype.result_type(*[v for v in (input, min, max) if v is not None]).np
        if dt.kind == "c" or dt in _WIDE_UINTS or (dt == xp.bool_ and min is not None and max is not None):
            # (PyTorch names the kernel that has no such dtype; bools have only maximum and minimum)
            _not_implemented("clamp" if min is not None and max is not None else "maximum" if max is None else
                             "minimum", dt)
        input = _cast(input, dt)
        lo, hi = (v if isinstance(v, Tensor) else wrap(xp.asarray(_checked_scalar(0 if v is None else v, dt)))
                  for v in (min, max))
        for bound in (lo, hi):
            if bound._data.ndim and input._data.ndim:
                _check_broadcast(input, bound)
        return _out(E.ClampTensor.apply(input, _cast(lo, dt), _cast(hi, dt), no_min=min is None,
                                        no_max=max is None), out)
    for v in (min, max):  # (a Python int beyond PyTorch's Scalar fails first)
        if type(v) is _int:
            _scalar_int(v)
    if type(min) is _int and type(max) is _int and (min > 0x7FFFFFFFFFFFFFFF) != (max > 0x7FFFFFFFFFFFFFFF) and (
            input._data.dtype.kind in "biu"):
        raise RuntimeError("Promotion for uint16, uint32, uint64 types is not supported, attempted to promote Long "
                           "and UInt64")  # (PyTorch promotes the two bounds first: an int64 and a uint64)
    if input._data.dtype == xp.bool_:  # (PyTorch's error for a bool tensor with a uint64 bound)
        for v in (min, max):
            if type(v) is _int:
                _scalar_result_type(input, v)
    if input._data.dtype.kind not in "fV":
        _no_complex(input, NotImplementedError, "clamp is not supported for complex types")
        if type(min) is complex or type(max) is complex:
            raise NotImplementedError("clamp is not supported for complex types")
        if isinstance(min, _float) or isinstance(max, _float):
            input = _cast(input, _dtype.get_default_dtype().np)
        else:
            if input._data.dtype == xp.bool_ and isinstance(min, (_bool, type(None))) and isinstance(
                    max, (_bool, type(None))):  # (no kernel for bool bounds of a bool tensor)
                kernel = "clamp_max" if min is None else "clamp_min" if max is None else "clamp"
                raise NotImplementedError(f"\"{kernel}_scalar_cpu\" not implemented for 'Bool'")
            if input._data.dtype == xp.bool_ and not (isinstance(min, _bool) and isinstance(max, (_bool, type(None)))):
                input = _cast(input, xp.dtype(xp.int64))  # bool with an integer bound is int64, as PyTorch
            dt = input._data.dtype  # (a bound out of its range: PyTorch's error; uint8 takes -1 as 255)
            if dt in _WIDE_UINTS:
                kernel = "clamp_max" if min is None else "clamp_min" if max is None else "clamp"
                _not_implemented(f"{kernel}_scalar", dt)
            lo, hi = (None if v is None else _checked_scalar(v, dt) for v in (min, max))
            return _out(wrap(xp.clip(input._data, lo, hi).astype(dt)), out)
    for v in (min, max):
        if type(v) is complex:  # (PyTorch reads a bound of a real tensor as a double)
            if v.imag:
                raise _overflow_error(xp.dtype(xp.float64))
        elif v is not None and not _fits_float(v, input._data.dtype):
            raise _overflow_error(input._data.dtype)
    min, max = (v.real if type(v) is complex else v for v in (min, max))  # (what is left is real)
    return _out(E.Clamp.apply(input, min=min, max=max), out)


clip = clamp
_WIDE_UINTS = (xp.dtype(xp.uint16), xp.dtype(xp.uint32), xp.dtype(xp.uint64))  # (no clamp kernels in PyTorch)


def _one_sided_bound(input, v):
    """PyTorch's errors for the number bound of clamp_min/clamp_max: no complex one (whatever the tensor), no int
    beyond its Scalar, none beyond a floating tensor's range."""
    if isinstance(v, complex):
        raise NotImplementedError("clamp is not supported for complex types")
    if type(v) is _int:
        _scalar_int(v)
    dt = input._data.dtype
    if isinstance(v, _Number) and dt.kind in "fV" and not _fits_float(v, dt):
        raise _overflow_error(dt)


def clamp_min(input, min):
    _one_sided_bound(input, min)
    if isinstance(min, Tensor) or input._data.dtype.kind not in "fV":
        if isinstance(min, Tensor):  # (a number bound of a complex input: clamp's message)
            _complex_operands("maximum", input, min)
        return clamp(input, min=min)
    return E.Clamp.apply(input, min=min, grad_name="ClampMinBackward0")


def clamp_max(input, max):
    _one_sided_bound(input, max)
    if isinstance(max, Tensor) or input._data.dtype.kind not in "fV":
        if isinstance(max, Tensor):
            _complex_operands("minimum", input, max)
        return clamp(input, max=max)
    return E.Clamp.apply(input, max=max, grad_name="ClampMaxBackward0")


_where_byte_warned = [False]


# PyTorch's overloads of ``where``, in its order: (name, is a Number) per parameter, whether it takes ``out=``, and the
# count of arguments given for which its "invalid combination" message explains why it did not match
_WHERE_SIGS = (
    ((("condition", False),), False, 1),
    ((("condition", False), ("input", False), ("other", False)), True, 5),
    ((("condition", False), ("self", True), ("other", False)), False, 3),
    ((("condition", False), ("input", False), ("other", True)), False, 3),
    ((("condition", False), ("self", True), ("other", True)), False, 3),
)
_WHERE_LINES = ("(Tensor condition)", "(Tensor condition, Tensor input, Tensor other, *, Tensor out = None)",
                "(Tensor condition, Number self, Tensor other)", "(Tensor condition, Tensor input, Number other)",
                "(Tensor condition, Number self, Number other)")
_WHERE_OPERAND = (Tensor, int, float, complex, xp.number, xp.bool_)  # a tensor, or what PyTorch takes as a Number


@_args.checks_args  # (it refuses what PyTorch's overloads refuse itself)
def where(*args, **kwargs):
    """Elements of ``input`` where ``condition`` is true, else of ``other``.

    Args:
        condition (Tensor): bool mask, broadcast with ``input`` and ``other``.
        input, other (Tensor or Number): the values (Python numbers are allowed without ``out=``).
        out (Tensor, optional): the result's destination (``input`` and ``other`` tensors then).

    With ``condition`` alone: ``nonzero(condition, as_tuple=True)``.

    Example::

        >>> ember.where(ember.tensor([True, False]), ember.tensor([1.0, 2.0]), 0.0)
        tensor([1., 0.])
    """
    if len(args) == 3:
        c, a, b = args
        if not kwargs:
            if isinstance(c, Tensor) and isinstance(a, _WHERE_OPERAND) and isinstance(b, _WHERE_OPERAND):
                return _where_values(c, a, b)
        elif len(kwargs) == 1 and "out" in kwargs:
            out = kwargs["out"]
            if isinstance(c, Tensor) and isinstance(a, Tensor) and isinstance(b, Tensor) and (
                    out is None or isinstance(out, Tensor)):
                return _where_out(_where_values(c, a, b), out)
    # (everything else, and ``out=None`` given, which counts as given there, as in PyTorch's parser)
    return _where_parsed(args, kwargs)


def _where_out(res, out):
    """``where``'s ``out=``: the result's dtype exactly (after PyTorch's autograd check)."""
    if out is not None and out._data.dtype != res._data.dtype:
        if not (_grad_state.enabled and (res._requires_grad or out._requires_grad)):
            raise RuntimeError(f"Expected out type to be {_dtype.TYPE_WORDS[res._data.dtype.name]} but got "
                               f"{_dtype.TYPE_WORDS[out._data.dtype.name]}")
        _out_grad_error("where")
    return _out(res, out, "where")


def _where_ok(value, number, name):
    if name == "out":
        return value is None or isinstance(value, Tensor)
    return isinstance(value, _WHERE_OPERAND[1:] if number else Tensor)


def _where_parsed(args, kwargs):
    """``where`` called other than as ``where(c, x, y)``: the first of PyTorch's overloads that takes the call,
    else PyTorch's TypeError (the one overload the argument count fits parses with its own message, else the
    "invalid combination" message)."""
    nargs, total = len(args), len(args) + len(kwargs)
    for params, has_out, _ in _WHERE_SIGS:
        names = [n for n, _ in params] + (["out"] if has_out else [])
        if nargs > len(params) or builtins.any(k not in names or names.index(k) < nargs for k in kwargs):
            continue
        values = dict(zip(names, args), **kwargs)
        if builtins.all(n in values and _where_ok(values[n], num, n) for n, num in params) and (
                not has_out or _where_ok(values.get("out"), False, "out")):
            if not has_out:
                if len(params) == 1:
                    return nonzero(values["condition"], as_tuple=True)
                return _where_values(*(values[n] for n, _ in params))
            return _where_out(_where_values(values["condition"], values["input"], values["other"]),
                              values.get("out"))
    fits = [i for i, (params, has_out, _) in enumerate(_WHERE_SIGS)
            if builtins.sum(1 for _ in params) <= total <= len(params) + has_out]
    if len(fits) == 1:  # PyTorch's parser reads the call as that overload and names what is wrong
        params, has_out, _ = _WHERE_SIGS[fits[0]]
        if nargs > len(params):
            raise TypeError(f"where() takes {len(params)} positional arguments but {nargs} were given")
        names = [(n, num) for n, num in params] + ([("out", False)] if has_out else [])
        missing = [n for i, (n, _) in enumerate(params) if i >= nargs and n not in kwargs]
        for i, (name, num) in enumerate(names):
            if i < nargs:
                if name in kwargs:
                    raise TypeError(f"where() got multiple values for argument '{name}'")
                value, position = args[i], i + 1
            elif name in kwargs:
                value, position = kwargs[name], None
            elif name in missing:
                raise _args.missing_error("where", missing[missing.index(name):])
            else:
                continue
            if not _where_ok(value, num, name):
                raise _args.tensor_error("where", name, value, position)
        extra = next(k for k in kwargs if k not in dict(names))
        raise TypeError(f"where() got an unexpected keyword argument '{extra}'")
    lines = []
    for line, (params, _, shown) in zip(_WHERE_LINES, _WHERE_SIGS):
        lines.append(line)  # (a "didn't match" line is added to it: one entry of the list)
        if total != shown:
            continue
        later = [n for n, _ in params[nargs:]]
        wrong = [k for k in reversed(kwargs) if k not in later]
        if wrong:
            lines[-1] += f"\n      didn't match because some of the keywords were incorrect: {', '.join(wrong)}"
            continue
        items, bad = [], False
        for i, v in enumerate(args):
            ok = i < len(params) and _where_ok(v, params[i][1], params[i][0])
            desc = "Tensor" if isinstance(v, Tensor) else _args.combination_type_name(v)
            items.append(desc if ok else f"!{desc}!")
            bad |= not ok
        for n, num in params[nargs:]:
            if n in kwargs:
                v = kwargs[n]
                ok = _where_ok(v, num, n)
                desc = f"{n}={'Tensor' if isinstance(v, Tensor) else _args.combination_type_name(v)}"
                items.append(desc if ok else f"!{desc}!")
                bad |= not ok
        if bad:
            lines[-1] += ("\n      didn't match because some of the arguments have invalid types: ("
                          + ", ".join(items) + (", " if kwargs and not args else "") + ")")
    raise _args.combination_error("where", args, kwargs, lines)


def _where_values(condition, input, other):
    """``where(condition, input, other)`` with a tensor condition and tensors or numbers for the values."""
    cond = condition._data if isinstance(condition, Tensor) else xp.asarray(condition)
    if cond.dtype != xp.bool_:
        if cond.dtype != xp.uint8:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                               f"{_dtype.TYPE_WORDS[cond.dtype.name]}")
        if not _where_byte_warned[0]:  # uint8: deprecated, still taken (PyTorch warns once per process)
            _where_byte_warned[0] = True
            _args.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed in a "
                       "future version of PyTorch. Use a boolean condition instead.")
        cond = cond.astype(xp.bool_)
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        a, b = _operands(input, other)
    else:  # a number is stored into the result dtype (PyTorch's overflow error if it does not fit)
        if isinstance(input, Tensor) or isinstance(other, Tensor):
            t, v = (input, other) if isinstance(input, Tensor) else (other, input)
            rt = _scalar_result_type(t, v) if isinstance(v, _Number) else _dtype.result_type(input, other).np
        else:  # two numbers: the dtype they would have together (where(mask, 1.0, 0.0) is float32)
            rt = _dtype.result_type(input, other).np
        a, b = (x if isinstance(x, Tensor) else _stored_tensor(x, rt) for x in (input, other))
        a, b = _cast(a, rt), _cast(b, rt)
    if isinstance(condition, Tensor) and type(condition._vc) is not list and _grad_state.enabled:
        # (an inference condition: PyTorch saves the condition for backward)
        from ember.autograd.grad_mode import check_inference_index
        check_inference_index(condition, a, b)
    try:
        return E.Where.apply(wrap(cond), a, b)
    except ValueError:  # (shapes that do not broadcast: PyTorch's message, naming the first misfit)
        _check_broadcast_shapes(cond.shape, a._data.shape, b._data.shape)
        raise


def masked_fill(input, mask, value):
    """Fill positions where ``mask`` is true with ``value``."""
    if not (isinstance(mask, Tensor) and isinstance(value, _args.NUMBERS)):
        # the method's message (ember.masked_fill's wrapper gives the function's)
        raise _args.method_combination_error("masked_fill", (mask, value), [
            "(Tensor mask, Tensor value)", "(Tensor mask, Number value)"])
    m = mask._data
    if m.dtype != xp.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_dtype.C10_NAMES[m.dtype.name]}")
    if m.shape != input._data.shape and m.ndim and input._data.ndim:
        _check_broadcast(mask, input)  # (PyTorch's message, the mask as tensor a)
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value._data.ndim} dimension(s).")
        if value._requires_grad:
            return E.MaskedFillTensor.apply(input, mask, value)
        value = value.item()
    # (PyTorch's overflow error for a value out of the dtype's range or an imaginary part; uint8 takes -1 as 255)
    value = _checked_scalar(value, input._data.dtype).item()
    return E.MaskedFill.apply(input, mask, value=value)


# ============================================================================================ comparison


def _compare(ufunc, ordered=False):
    def fn(input, other):
        if _ops._hooks:
            if ordered:  # (no kernels for float8 and uint16/32/64)
                _ops.refuse_restricted(fn.__name__ + "_cpu", input, other)
            if _has_meta(input, other):
                return _on_meta(fn, input, other)
        if isinstance(other, Tensor):
            a, b = _operands(input, other)
            _check_broadcast(a, b)
            if ordered and a._data.dtype.kind == "c":
                _not_implemented(fn.__name__, a._data.dtype)
            return wrap(ufunc(a._data, b._data))
        tb = type(other)
        if tb is _float or tb is _int:
            kind = input._data.dtype.kind
            if kind == "f" and (tb is _float or -0x8000000000000000 <= other <= 0xFFFFFFFFFFFFFFFF):
                return wrap(ufunc(input._data, other))  # (NumPy casts the number to the tensor's float dtype)
            if tb is _int and kind in "iu":
                low, high = _int_range(input._data.dtype)
                if low <= other <= high:  # (the number as it is; beyond the dtype's range, wrapped into it below)
                    return wrap(ufunc(input._data, other))
        if isinstance(other, _Number):
            if tb is _int:
                _scalar_int(other)
            if ordered and (tb is complex or input._data.dtype.kind == "c"):
                _not_implemented(fn.__name__, _dtype.result_type(input, other))
            a, b = _operands(input, other)  # (the number in the common dtype: uint8 < -1 compares with 255)
            return wrap(ufunc(a._data, b._data))
        raise _args.method_combination_error(fn.__name__, (other,), ["(Tensor other)", "(Number other)"])
    fn.__name__ = fn.__qualname__ = {"equal": "eq", "not_equal": "ne", "less": "lt", "less_equal": "le",
                                     "greater": "gt", "greater_equal": "ge"}[ufunc.__name__]
    return fn


eq = _compare(xp.equal)
ne = not_equal = _compare(xp.not_equal)
lt = less = _compare(xp.less, True)
le = less_equal = _compare(xp.less_equal, True)
gt = greater = _compare(xp.greater, True)
ge = greater_equal = _compare(xp.greater_equal, True)


def _not_implemented(name, dt):
    # PyTorch's error for a kernel without dtype ``dt`` (e.g. ordering: NumPy orders complex numbers
    # lexicographically, PyTorch refuses)
    raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dtype.TYPE_WORDS[dt.name]}'")


def _complex_operands(name, *operands):
    """Raise PyTorch's error for ordering kernel ``name`` when the operands' result type is complex."""
    dt = _dtype.result_type(*operands)
    if dt.is_complex:
        _not_implemented(name, dt)


def equal(input, other):
    """True if both tensors have the same shape and values."""
    _need_tensor("equal", input)
    _need_tensor("equal", other, "other", 2)
    if _ops._hooks and _has_meta(input, other):
        raise _meta_error("equal")
    return input._data.shape == other._data.shape and _bool((input._data == other._data).all())


def _same_dtype(input, other):
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{_dtype.TYPE_WORDS[input._data.dtype.name]} did not match "
                           f"{_dtype.TYPE_WORDS[other._data.dtype.name]}")


def _check_tols(rtol, atol):
    # (NaN fails too; the value as C++ prints a double: 6 significant digits)
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not tol >= 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {float(tol):g}")


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``|input - other| <= atol + rtol * |other|`` everywhere."""
    _need_tensor("allclose", input)
    _need_tensor("allclose", other, "other", 2)
    _same_dtype(input, other)
    _check_tols(rtol, atol)
    _check_broadcast(input, other)
    if _ops._hooks and _has_meta(input, other):
        raise RuntimeError("Tensor.item() cannot be called on meta tensors")
    return _bool(xp.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|input - other| <= atol + rtol * |other|``."""
    _need_tensor("isclose", input)
    if isinstance(other, Tensor):
        _same_dtype(input, other)
    _check_tols(rtol, atol)
    if isinstance(other, Tensor):
        _check_broadcast(input, other)
    if _ops._hooks and _has_meta(input, other):
        return _on_meta(isclose, input, other, rtol, atol, equal_nan)
    o = other._data if isinstance(other, Tensor) else other
    return wrap(xp.isclose(input._data, o, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isnan(input):
    _need_tensor("isnan", input)
    if _ops._hooks and input.is_meta:
        return _on_meta(isnan, input)
    return wrap(xp.isnan(input._data))


def isinf(input):
    _need_tensor("isinf", input)
    if _ops._hooks:  # (no float8 kernel)
        _ops.refuse_restricted("isinf", input, uint=False, allow=("float8_e5m2",))
        if input.is_meta:
            return _on_meta(isinf, input)
    return wrap(xp.isinf(input._data))


def isfinite(input):
    _need_tensor("isfinite", input)
    if _ops._hooks:  # (no float8 kernel but e5m2's; e8m0's, having no infinity, calls every value finite)
        _ops.refuse_restricted("isfinite", input, uint=False, allow=("float8_e5m2", "float8_e8m0fnu"))
        if input.is_meta:
            return _on_meta(isfinite, input)
        if input._data.dtype.name == "float8_e8m0fnu":
            return wrap(xp.ones(input._data.shape, dtype=bool))
    return wrap(xp.isfinite(input._data))


def _logical(ufunc):
    def fn(input, other):
        if not isinstance(other, Tensor):  # the method's message (the functions' wrappers give theirs)
            raise _args.tensor_error(fn.__name__, "other", other, 1)
        if _ops._hooks:  # (no kernels for float8 and uint16/32/64)
            _ops.refuse_restricted(fn.__name__ + "_cpu", input, other)
            if _has_meta(input, other):
                return _on_meta(fn, input, other)
        _check_broadcast(input, other)
        return wrap(ufunc(input._data, other._data))
    fn.__name__ = fn.__qualname__ = ufunc.__name__
    return fn


logical_and = _logical(xp.logical_and)
logical_or = _logical(xp.logical_or)
logical_xor = _logical(xp.logical_xor)


def logical_not(input):
    if _ops._hooks:  # (no kernels for float8 and uint16/32/64)
        _ops.refuse_restricted("logical_not_cpu", input)
        if input.is_meta:
            return _on_meta(logical_not, input)
    return wrap(xp.logical_not(input._data))


def _bitwise(ufunc, name):
    def fn(input, other):
        if not isinstance(input, Tensor):  # a number first: bitwise_and(2, t)
            input, other = other, input
        if _ops._hooks and _has_meta(input, other):
            return _on_meta(fn, input, other)
        # in PyTorch's common dtype (uint8 & -16 is uint8 & 240; uint8 | tensor(-2, int8) is uint8), which is
        # also the one its error names (float16 & float32: 'Float')
        a, o = _operands(input, other)
        bad = a._data.dtype
        if bad.kind in "fVc":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dtype.TYPE_WORDS[bad.name]}'")
        return wrap(ufunc(a._data, o._data))
    return fn


bitwise_and = _bitwise(xp.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(xp.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(xp.bitwise_xor, "bitwise_xor")


def bitwise_not(input):
    if _ops._hooks:  # (no kernels for float8 and uint16/32/64)
        _ops.refuse_restricted("bitwise_not_cpu", input)
        if input.is_meta:
            return _on_meta(bitwise_not, input)
    if input._data.dtype.kind in "fV":
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for "
                                  f"'{_dtype.TYPE_WORDS[input._data.dtype.name]}'")
    return wrap(~input._data)


# ============================================================================================ reductions


def _dims(input, dim):
    """Normalise ``dim`` (int, sequence or None) to a sorted tuple of non-negative axes, or None.

    A 0-d tensor accepts dims 0 and -1, which name no NumPy axis: it gives ``()`` (reduce over none)."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        axes = tuple(sorted(set(input._wrap_dim(d) for d in dim)))
        if len(axes) != len(dim):
            seen = set()
            for d in dim:
                w = input._wrap_dim(d)
                if w in seen:
                    raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
                seen.add(w)
    else:
        axes = (input._wrap_dim(dim),)
    return axes if input._data.ndim else ()


@_args.checks_args
def _numpy_dim(name, dim, keepdim, axis, keepdims):
    """``(dim, keepdim)`` of a call giving NumPy's ``axis``/``keepdims`` (PyTorch refuses both spellings at once)."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{name}() got an unexpected keyword argument 'axis'")
        dim = axis
    if keepdims is not None:
        if keepdim is not False:
            raise TypeError(f"{name}() got an unexpected keyword argument 'keepdims'")
        keepdim = keepdims
    return dim, keepdim


def _numpy_other(name, other, x2):
    """``other`` of a call giving NumPy's ``x2`` for it (PyTorch refuses both spellings at once)."""
    if x2 is not None:
        if other is not None:
            raise TypeError(f"{name}() got an unexpected keyword argument 'x2'")
        other = x2
    return other


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None, axis=None, keepdims=None):
    """Sum of elements, over ``dim`` if given (integers and bools sum to int64); ``out``: written there."""
    if not isinstance(input, Tensor):
        _args.reject("ember", "sum", sum, (input, dim, keepdim))
    if axis is not None or keepdims is not None:  # (NumPy's names, taken inline: no layer on this hot path)
        dim, keepdim = _numpy_dim("sum", dim, keepdim, axis, keepdims)
    d = _np_dtype(dtype)
    if d is None and input._data.dtype.kind in "iub":
        d = xp.dtype(xp.int64)
    if d is not None and d.kind in "fV" and input._data.dtype != d:
        input = _cast(input, d)
        d = None
    if out is not None:  # (inline, not the out= layer: a hot path)
        return _sum_out(input, dim, keepdim, dtype, out)
    return R.Sum.apply(input, dim=_dims(input, dim), keepdim=keepdim, dtype=d)


# C++'s names of the element types, as PyTorch's sum(out=) message gives them
_CPP_TYPES = {"float64": "double", "float32": "float", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}


def _sum_out(input, dim, keepdim, dtype, out):
    """``sum(input, dim, keepdim, dtype=dtype, out=out)``: summed in ``out``'s dtype (``dtype``, if given, must be
    it); PyTorch has no ``out=`` without ``dim``."""
    if dim is None:
        if dtype is not None:
            raise TypeError('sum() missing 1 required positional arguments: "dim"')
        raise _args.combination_error("sum", (input,), {"out": out}, [
            "(Tensor input, *, torch.dtype dtype = None)",
            "(Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)"])
    if not isinstance(out, Tensor):
        raise TypeError(f"sum(): argument 'out' must be Tensor, not {type(out).__name__}")
    want = out._data.dtype
    if dtype is not None and _np_dtype(dtype) != want:
        names = (_np_dtype(dtype).name, want.name)
        raise RuntimeError(f"Expected out tensor to have dtype {_CPP_TYPES.get(names[0], names[0])}, but got "
                           f"{_CPP_TYPES.get(names[1], names[1])} instead")
    return _out(sum(input, dim, keepdim, dtype=want), out)


def nansum(input, dim=None, keepdim=False, *, dtype=None, axis=_UNSET, keepdims=_UNSET):
    """Sum of the elements that are not NaN (over ``dim`` if given); integers sum as :func:`sum` does.

    Example::

        >>> ember.nansum(ember.tensor([1.0, float("nan"), 2.0]))
        tensor(3.)
    """
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("nansum", dim, keepdim, axis, keepdims)
    d = _np_dtype(dtype)
    if input._data.dtype.kind == "c":
        raise RuntimeError("nansum on CPU does not support complex inputs")
    if input._data.dtype.kind not in "fV" or (d is not None and d.kind not in "fV"):
        return sum(input, dim, keepdim, dtype=dtype)
    return R.Nansum.apply(input, dim=_dims(input, dim), keepdim=keepdim, dtype=d if d != input._data.dtype else None)


def _no_float_dtype(name, which, dt):
    raise RuntimeError(f"{name}(): could not infer output dtype. {which} dtype must be either a floating point or "
                       f"complex dtype. Got: {_dtype.TYPE_WORDS[dt.name]}")


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Mean of elements, over ``dim`` if given (floating-point tensors only)."""
    if axis is not None or keepdims is not None:  # (NumPy's names, taken inline: no layer on this hot path)
        dim, keepdim = _numpy_dim("mean", dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = _cast(input, _dtype.to_np(dtype))
    if input._data.dtype.kind not in "fVc":
        _no_float_dtype("mean", "Input" if dtype is None else "Optional", input._data.dtype)
    return R.Mean.apply(input, dim=_dims(input, dim), keepdim=keepdim)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, axis=_UNSET, keepdims=_UNSET):
    """Mean of the non-NaN elements (over ``dim`` if given; floating-point tensors only)."""
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("nanmean", dim, keepdim, axis, keepdims)
    kind = input._data.dtype.kind
    if kind == "c":  # (PyTorch's nanmean runs its nansum, which has no complex kernel)
        raise RuntimeError("nansum on CPU does not support complex inputs")
    if kind not in "fV":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_dtype.TYPE_WORDS[input._data.dtype.name]}")
    if dtype is not None:
        np_dt = _dtype.to_np(dtype)
        if np_dt.kind == "c":
            raise NotImplementedError(f"\"nansum_cpu\" not implemented for '{_dtype.TYPE_WORDS[np_dt.name]}'")
        if np_dt.kind not in "fV":
            _no_float_dtype("nanmean", "Optional", np_dt)
        input = _cast(input, np_dt)
    notnan = ~isnan(input)
    return nansum(input, dim, keepdim) / notnan.sum(dim, keepdim)


def prod(input, dim=_UNSET, keepdim=False, *, dtype=None, axis=_UNSET, keepdims=_UNSET):
    """Product of all elements, or along ``dim`` (integers and bools multiply in int64; ``dtype``: in that type).

    Example::

        >>> ember.prod(ember.tensor([[1., 2.], [3., 4.]]), 1)
        tensor([ 2., 12.])
    """
    if dim is _UNSET:
        if keepdim is not False and axis is _UNSET and keepdims is _UNSET:
            raise _prod_call_error(input, dim, keepdim, dtype)
        dim = None
    elif dim is None:  # (PyTorch's dim is an int: None given is no overload's)
        raise _prod_call_error(input, dim, keepdim, dtype)
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("prod", dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = _cast(input, _dtype.to_np(dtype))
    if dim is not None and type(dim) is not int and not _dim_is_int(dim):
        raise _prod_call_error(input, dim, keepdim, dtype)
    if input._data.dtype.kind in "iub":
        arr = input._data.astype(xp.int64).prod(axis=None if dim is None else input._wrap_dim(dim), keepdims=keepdim)
        # (an integer dtype given is kept: the int64 product wraps to it as PyTorch's own product does)
        return wrap(arr if dtype is None else arr.astype(input._data.dtype))
    if dim is None:
        return R.Prod.apply(input, dim=None, keepdim=keepdim)
    return R.Prod.apply(input, dim=input._wrap_dim(dim), keepdim=keepdim, grad_name="ProdBackward1")


def _dim_is_int(dim):
    """Whether PyTorch's parser takes ``dim`` as an int (a NumPy integer, a tensor; not a bool, a float, a tuple)."""
    return not isinstance(dim, _bool) and hasattr(type(dim), "__index__")


def _prod_call_error(input, dim, keepdim, dtype):
    """PyTorch's TypeError for ``prod`` given a ``dim`` that is no int, or ``keepdim`` without ``dim``: the method's
    form (``dim=None`` taken as by keyword, another ``dim`` as by position, the others by keyword), carrying the
    function's (from the call) for the function's wrapper."""
    lines = ["(*, torch.dtype dtype = None)", "(int dim, bool keepdim = False, *, torch.dtype dtype = None)"]
    flines = ["(Tensor input, *, torch.dtype dtype = None)",
              "(Tensor input, int dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)"]
    given = {k: v for k, v, d in (("dim", dim, _UNSET), ("keepdim", keepdim, False), ("dtype", dtype, None))
             if v is not d}
    bad = _args.type_name(dim)
    positional = dim is not None and dim is not _UNSET
    if positional:
        del given["dim"]
    if dim is not _UNSET and len(given) + positional > 1:  # (only the overload taking dim fits: its message)
        err = TypeError(f"prod(): argument 'dim'{' (position 1)' if positional else ''} must be int, not {bad}")
    else:
        err = _args.combination_error("prod", (dim,) if positional else (), given, lines)

    def function_form(args, kwargs):
        if dim is not _UNSET and len(args) + len(kwargs) > 2:
            where = " (position 2)" if len(args) > 1 else ""
            return TypeError(f"prod(): argument 'dim'{where} must be int, not {bad}")
        return _args.combination_error("prod", args, kwargs, flines)
    err.function_form = function_form
    return err


_RETURN_TYPES = {}


def _named(name, fields=("values", "indices")):
    """The ``ember.return_types.<name>`` named tuple (PyTorch's ``torch.return_types``), printed as PyTorch's."""
    key = (name, fields)
    cls = _RETURN_TYPES.get(key)
    if cls is None:
        cls = collections.namedtuple(name, fields)
        cls.__module__ = "ember.return_types"
        cls.__repr__ = lambda self: (f"ember.return_types.{name}(\n"
                                     + ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields) + ")")
        _RETURN_TYPES[key] = cls
    return cls


def _empty_reduce_check(input, dim, name):
    if input._data.size == 0:
        if dim is None:
            if name in ("argmax", "argmin"):  # (PyTorch's IndexError, in fewer words, for these two)
                raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        d = input._wrap_dim(dim)
        if input._data.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


# PyTorch's overloads of torch.max/torch.min, as its "invalid combination of arguments" message lists them
_MAX_MIN_OVERLOADS = ("(Tensor input, *, Tensor out = None)", "(Tensor input, Tensor other, *, Tensor out = None)",
                      "(Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)")


def _max_min_error(name, input, dim, keepdim, unused, key="keepdim", out=None):
    """PyTorch's TypeError for ``ember.max``/``ember.min`` called as none of its overloads: with an unknown keyword,
    ``dim=None``, a ``dim`` that is no int, or ``keepdim`` (keyword ``key``) without ``dim``. A ``dim`` is shown as
    given by keyword when None, by position otherwise (the function cannot tell); the Tensor methods have a layer
    giving their own form (ember/_tensor_methods.py)."""
    args, kwargs = [input], {} if out is None else {"out": out}
    if dim is None:
        kwargs["dim"] = None
    elif dim is not _UNSET:
        args.append(dim)
    if keepdim is not False:
        if len(args) > 1:
            args.append(keepdim)
        else:
            kwargs[key] = keepdim
    err = _args.combination_error(name, tuple(args), {**kwargs, **unused}, _MAX_MIN_OVERLOADS)
    # (the function's wrapper gives the call's own form: a dim by keyword shown so)
    err.function_form = lambda a, k: _args.combination_error(name, a, k, _MAX_MIN_OVERLOADS)
    return err


def max(input, dim=_UNSET, keepdim=False, *, other=None, out=None, axis=None, keepdims=None, x2=None,
        **unused):
    """The maximum; with ``dim`` a ``(values, indices)`` named tuple; with a tensor, ``maximum``."""
    if dim is _UNSET:
        dim = None
    elif dim is None or unused:  # (``dim=None``, or a keyword no overload of PyTorch's takes)
        raise _max_min_error("max", input, dim, keepdim, unused, out=out)
    if unused:
        raise _max_min_error("max", input, _UNSET, keepdim, unused, out=out)
    if axis is not None or keepdims is not None or x2 is not None:  # (NumPy's names, inline: no layer on a hot path)
        dim, keepdim = _numpy_dim("max", dim, keepdim, axis, keepdims)
        other = _numpy_other("max", other, x2)
    if other is not None:
        dim = other
    elif dim is None and keepdim is not False:  # (``keepdim`` with no ``dim``: no overload of PyTorch's takes it)
        raise _max_min_error("max", input, _UNSET, keepdim, {}, "keepdim" if keepdims is None else "keepdims",
                             out=out)
    if isinstance(dim, Tensor):
        if keepdim is not False:  # (a tensor with keepdim: no overload of PyTorch's)
            raise _max_min_error("max", input, dim, keepdim, {}, out=out)
        return _out(maximum(input, dim), out)
    if dim.__class__ is not _int and dim is not None and (isinstance(dim, _bool) or not hasattr(dim, "__index__")):
        raise _max_min_error("max", input, dim, keepdim, {}, out=out)  # (not read as an int by PyTorch's parser)
    if dim is None:
        _no_complex(input, NotImplementedError, "\"max_all\" not implemented for '{}'")
    else:
        _no_complex(input, RuntimeError, "max(): does not support complex input")
    _empty_reduce_check(input, dim, "max")
    if dim is None:
        return _out(R.MaxAll.apply(input, largest=True), out)
    if input._data.ndim == 0:  # over dim 0 or -1 of a 0-d tensor: the element itself, at index 0
        input._wrap_dim(dim)
        return _out(_named("max")(*R.PickDim.apply(input, dim=0, grad_name="MaxBackward0")), out)
    v, i = R.MaxDim.apply(input, dim=input._wrap_dim(dim), keepdim=keepdim, largest=True)
    return _out(_named("max")(v, i), out)


def min(input, dim=_UNSET, keepdim=False, *, other=None, out=None, axis=None, keepdims=None, x2=None,
        **unused):
    """The minimum; with ``dim`` a ``(values, indices)`` named tuple; with a tensor, ``minimum``."""
    if dim is _UNSET:
        dim = None
    elif dim is None or unused:  # (``dim=None``, or a keyword no overload of PyTorch's takes)
        raise _max_min_error("min", input, dim, keepdim, unused, out=out)
    if unused:
        raise _max_min_error("min", input, _UNSET, keepdim, unused, out=out)
    if axis is not None or keepdims is not None or x2 is not None:  # (NumPy's names, inline: no layer on a hot path)
        dim, keepdim = _numpy_dim("min", dim, keepdim, axis, keepdims)
        other = _numpy_other("min", other, x2)
    if other is not None:
        dim = other
    elif dim is None and keepdim is not False:  # (``keepdim`` with no ``dim``: no overload of PyTorch's takes it)
        raise _max_min_error("min", input, _UNSET, keepdim, {}, "keepdim" if keepdims is None else "keepdims",
                             out=out)
    if isinstance(dim, Tensor):
        if keepdim is not False:  # (a tensor with keepdim: no overload of PyTorch's)
            raise _max_min_error("min", input, dim, keepdim, {}, out=out)
        return _out(minimum(input, dim), out)
    if dim.__class__ is not _int and dim is not None and (isinstance(dim, _bool) or not hasattr(dim, "__index__")):
        raise _max_min_error("min", input, dim, keepdim, {}, out=out)  # (not read as an int by PyTorch's parser)
    if dim is None:
        _no_complex(input, NotImplementedError, "\"min_all\" not implemented for '{}'")
    else:
        _no_complex(input, RuntimeError, "min(): does not support complex input")
    _empty_reduce_check(input, dim, "min")
    if dim is None:
        return _out(R.MaxAll.apply(input, largest=False), out)
    if input._data.ndim == 0:
        input._wrap_dim(dim)
        return _out(_named("min")(*R.PickDim.apply(input, dim=0, grad_name="MinBackward0")), out)
    v, i = R.MaxDim.apply(input, dim=input._wrap_dim(dim), keepdim=keepdim, largest=False)
    return _out(_named("min")(v, i), out)


def _empty_dims_check(input, dim, name):
    """PyTorch's errors for amax/amin over no elements (they name ``dim`` as the caller wrote it)."""
    if input._data.size == 0:
        dims = () if dim is None else dim if isinstance(dim, (list, tuple)) else (dim,)
        if not dims:
            _empty_reduce_check(input, None, name)
        for d in dims:
            if input._data.shape[input._wrap_dim(d)] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def amax(input, dim=(), keepdim=False, *, axis=_UNSET, keepdims=_UNSET):
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("amax", dim, keepdim, axis, keepdims, ())
    _no_complex(input, NotImplementedError, "\"max_values_cpu\" not implemented for '{}'")
    _empty_dims_check(input, dim, "amax")
    return R.MaxAll.apply(input, largest=True, dim=_dims(input, dim), keepdim=keepdim, grad_name="AmaxBackward0")


def amin(input, dim=(), keepdim=False, *, axis=_UNSET, keepdims=_UNSET):
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("amin", dim, keepdim, axis, keepdims, ())
    _no_complex(input, NotImplementedError, "\"min_values_cpu\" not implemented for '{}'")
    _empty_dims_check(input, dim, "amin")
    return R.MaxAll.apply(input, largest=False, dim=_dims(input, dim), keepdim=keepdim, grad_name="AminBackward0")


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the maximum (of the flattened tensor when ``dim`` is None)."""
    if axis is not None or keepdims is not None:  # (NumPy's names, taken inline: no layer on this hot path)
        dim, keepdim = _numpy_dim("argmax", dim, keepdim, axis, keepdims)
    if input._data.dtype.kind in "bc":
        raise RuntimeError(f"argmax(): does not support {'bool' if input._data.dtype == xp.bool_ else 'complex'} input")
    _empty_reduce_check(input, dim, "argmax")
    if _ops._hooks:  # (no kernels for float8 and uint16/32/64)
        _ops.refuse_restricted("argmax_cpu", input)
        if input.is_meta:
            return _on_meta(argmax, input, dim, keepdim)
    if dim is None:
        r = xp.argmax(input._data)
        return wrap(xp.asarray(r, dtype=xp.int64).reshape((1,) * input.ndim if keepdim else ()))
    return wrap(xp.argmax(input._data, axis=input._wrap_dim(dim), keepdims=keepdim).astype(xp.int64))


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the minimum (of the flattened tensor when ``dim`` is None)."""
    if axis is not None or keepdims is not None:  # (NumPy's names, taken inline: no layer on this hot path)
        dim, keepdim = _numpy_dim("argmin", dim, keepdim, axis, keepdims)
    if input._data.dtype.kind in "bc":
        raise RuntimeError(f"argmin(): does not support {'bool' if input._data.dtype == xp.bool_ else 'complex'} input")
    _empty_reduce_check(input, dim, "argmin")
    if _ops._hooks:  # (no kernels for float8 and uint16/32/64)
        _ops.refuse_restricted("argmin_cpu", input)
        if input.is_meta:
            return _on_meta(argmin, input, dim, keepdim)
    if dim is None:
        r = xp.argmin(input._data)
        return wrap(xp.asarray(r, dtype=xp.int64).reshape((1,) * input.ndim if keepdim else ()))
    return wrap(xp.argmin(input._data, axis=input._wrap_dim(dim), keepdims=keepdim).astype(xp.int64))


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def _float_only_var(input):
    if input._data.dtype.kind not in "fVc":
        raise RuntimeError("std and var only support floating point and complex dtypes")


def _check_dof(name, input, dims, correction):
    """PyTorch's warning when the reduction factor (input numel / output numel) is not above the correction (given
    twice for complex input, whose real and imaginary parts PyTorch reduces apart)."""
    shape = input._data.shape
    out = 1 if dims is None else math.prod(s for k, s in enumerate(shape) if k not in dims)
    if input._data.size / builtins.max(out, 1) - correction <= 0:
        for _ in range(2 if input._data.dtype.kind == "c" else 1):
            _args.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                       "factor (input numel divided by output numel).", UserWarning)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=_UNSET, keepdims=_UNSET, **unused):
    """Variance over ``dim`` with Bessel's ``correction`` (default 1)."""
    if unused or (correction is not None and unbiased is not None):  # (no overload of PyTorch's takes both)
        raise _var_call_error("var", dim, unbiased, keepdim, correction, unused)
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("var", dim, keepdim, axis, keepdims)
    if isinstance(dim, _bool):
        unbiased, dim = dim, None
    elif dim is not None and type(dim) is not int:
        _var_dim_check("var", dim, unbiased, keepdim, correction, True)
    _float_only_var(input)
    dims, correction = _dims(input, dim), _correction(unbiased, correction)
    _check_dof("var", input, dims, correction)
    return R.Var.apply(input, dim=dims, keepdim=keepdim, correction=correction)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=_UNSET, keepdims=_UNSET, **unused):
    """Standard deviation over ``dim`` with Bessel's ``correction`` (default 1)."""
    if unused or (correction is not None and unbiased is not None):  # (no overload of PyTorch's takes both)
        raise _var_call_error("std", dim, unbiased, keepdim, correction, unused)
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("std", dim, keepdim, axis, keepdims)
    if isinstance(dim, _bool):
        unbiased, dim = dim, None
    elif dim is not None and type(dim) is not int:
        _var_dim_check("std", dim, unbiased, keepdim, correction, True)
    _float_only_var(input)
    dims, correction = _dims(input, dim), _correction(unbiased, correction)
    _check_dof("std", input, dims, correction)
    return R.Var.apply(input, dim=dims, keepdim=keepdim, correction=correction, take_sqrt=True)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, **unused):
    """``(var, mean)`` over ``dim``; ``var_mean(x, False)`` is the biased variance of all elements."""
    return _var_mean("var_mean", input, dim, unbiased, keepdim, correction, unused)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, **unused):
    """``(std, mean)`` over ``dim``; ``std_mean(x, False)`` is the biased deviation of all elements."""
    return _var_mean("std_mean", input, dim, unbiased, keepdim, correction, unused)


# PyTorch's overloads of var/std, as its "invalid combination of arguments" message lists them: (the method's line,
# its parameter count, its positional ones' count); the functions' add the input (and for var/std out=, but to the
# last)
_VAR_OVERLOADS = (("(tuple of ints dim, bool unbiased = True, bool keepdim = False)", 3, 3),
                  ("(tuple of ints dim = None, *, Number correction = None, bool keepdim = False)", 3, 1),
                  ("(bool unbiased = True)", 1, 1))


def _overloads_error(name, args, kwargs, unused, function=False, out=False, bad=None):
    """PyTorch's "invalid combination of arguments" TypeError for ``name(*args, **kwargs)`` (``function``: with the
    input; ``out``: its overloads taking out=), given the unknown keywords ``unused``: its hint under the overloads
    the call would fit but for them (as many arguments, no more positional ones). ``bad``: the index of an argument
    of a wrong type (a dim), the hint then marking it and those after it, or naming the keywords."""
    n, extra = len(args) + len(kwargs), int(function)
    # (no unknown keyword: unbiased with correction; PyTorch then names the keywords, but not for the out= forms)
    hint = "\n      didn't match because some of the keywords were incorrect: " + ", ".join(unused or sorted(kwargs))
    if bad is not None and not kwargs:
        hint = ("\n      didn't match because some of the arguments have invalid types: (" + ", ".join(
            f"!{_args.combination_type_name(a)}!" if i >= bad else "Tensor" if isinstance(a, Tensor)
            else _args.type_name(a) for i, a in enumerate(args)) + ")")
    elif not unused and out and bad is None:
        n = -1
    lines = []
    for i, (line, count, pos) in enumerate(_VAR_OVERLOADS):
        if function:
            line = "(Tensor input, " + line[1:]
            if out and i < 2:
                line = line[:-1] + (", Tensor out = None)" if "*" in line else ", *, Tensor out = None)")
        fits = unused or i == 0 or bad is not None  # (as PyTorch words it for unbiased with correction)
        lines.append(line + (hint if n == count + extra and len(args) <= pos + extra and fits else ""))
    return _args.combination_error(name, args, kwargs, lines)


def _var_call_error(name, dim, unbiased, keepdim, correction, unused):
    """PyTorch's TypeError for ``var``/``std`` given an unknown keyword: the method's form (the call's positional
    arguments guessed: ``dim`` by position, the others by keyword), carrying the function's (exact: from the call)
    for the function's wrapper."""
    given = [(k, v) for k, v, d in (("dim", dim, None), ("unbiased", unbiased, None), ("keepdim", keepdim, False),
                                    ("correction", correction, None)) if v is not d]
    n = 0  # (those from dim on, in order, taken as positional)
    while n < len(given) and n < 3 and given[n][0] == ("dim", "unbiased", "keepdim")[n]:
        n += 1
    err = _overloads_error(name, tuple(v for _, v in given[:n]), {**dict(given[n:]), **unused}, unused)
    err.function_form = lambda args, kwargs: _overloads_error(name, args, kwargs, unused, True, True)
    return err


def _var_dim_check(name, dim, unbiased, keepdim, correction, method):
    """PyTorch's TypeError for var/std/var_mean/std_mean given a ``dim`` that is no int nor sequence of ints (for
    ``method``: its form, the leading arguments taken as given by position, carrying the function's (from the call)
    for the function's wrapper; else the function's, the same guess); none for a valid ``dim``."""
    seq = isinstance(dim, (tuple, list))
    if (not seq and _dim_is_int(dim)) or (seq and (not dim or _dim_is_int(dim[0]))):
        for i, d in enumerate(dim if seq else ()):
            if not _dim_is_int(d):  # (a bad element after a good first one: PyTorch's unpacking message)
                raise TypeError(f"{name}(): argument 'dim' failed to unpack the object at pos {i + 1} with error "
                                f"\"type must be tuple of ints,but got {_args.type_name(d)}\"")
        return
    given = [(k, v) for k, v, d in (("dim", dim, None), ("unbiased", unbiased, None), ("keepdim", keepdim, False),
                                    ("correction", correction, None)) if v is not d]
    n = 0  # (those from dim on, in order, taken as positional)
    while n < len(given) and n < 3 and given[n][0] == ("dim", "unbiased", "keepdim")[n]:
        n += 1
    args, kwargs = tuple(v for _, v in given[:n]), dict(given[n:])

    def function_form(args, kwargs):
        return _overloads_error(name, args, kwargs, {}, True, method, bad=1)
    if method:
        err = _overloads_error(name, args, kwargs, {}, bad=0)
    else:
        err = function_form((_UNSET,) + args, kwargs)  # (the input: replaced by the wrapper's exact form)
    err.function_form = function_form
    raise err


def _var_mean(name, input, dim, unbiased, keepdim, correction, unused=None):
    if unused or (correction is not None and unbiased is not None):  # (no method: the function's form)
        raise _overloads_error(name, (input,) if dim is None else (input, dim), {k: v for k, v, d in (
            ("unbiased", unbiased, None), ("keepdim", keepdim, False), ("correction", correction, None))
            if v is not d} | unused, unused, function=True)
    if isinstance(dim, _bool):
        unbiased, dim = dim, None
    elif dim is not None and type(dim) is not int:
        _var_dim_check(name, dim, unbiased, keepdim, correction, False)
    if input._data.dtype.kind not in "fVc":
        raise RuntimeError(f"{name} only support floating point and complex dtypes")
    dims, correction = _dims(input, dim), _correction(unbiased, correction)
    _check_dof(name, input, dims, correction)
    return R.VarMean.apply(input, dim=dims, keepdim=keepdim, correction=correction, take_sqrt=name == "std_mean")


def logsumexp(input, dim=_REQUIRED, keepdim=False, *, axis=_UNSET, keepdims=_UNSET):
    """``log(sum(exp(input), dim))`` computed stably (integers and bools in the default float dtype)."""
    if dim is _REQUIRED or axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("logsumexp", dim, keepdim, axis, keepdims, _REQUIRED)
    if dim is None or (not dim and isinstance(dim, (tuple, list))):
        _logsumexp_dims_check(input, dim, keepdim)
    if input._data.dtype.kind not in "fV":
        if input._data.dtype.kind == "c":
            return R.LogSumExpComplex.apply(input, dim=_dims(input, dim), keepdim=keepdim)
        input = _cast(input, _dtype.get_default_dtype().np)
    return R.LogSumExp.apply(input, dim=_dims(input, dim), keepdim=keepdim)


def _logsumexp_dims_check(input, dim, keepdim):
    """PyTorch's errors for ``logsumexp`` given ``dim=None`` (a TypeError: the method's form, as by keyword, carrying
    the function's), or no dims, which reduce all (to the kept shape only: PyTorch writes a 0-d result there)."""
    if dim is None:
        err = TypeError("logsumexp(): argument 'dim' must be tuple of ints, not NoneType")
        err.function_form = lambda args, kwargs: TypeError(
            f"logsumexp(): argument 'dim'{' (position 2)' if len(args) > 1 else ''} must be tuple of ints, not "
            "NoneType")
        raise err
    if input._data.ndim and not keepdim:
        raise RuntimeError(f"output with shape [] doesn't match the broadcast shape [{', '.join(['1'] * input.ndim)}]")


def _softmax_dim(input, dim, name):
    """The wrapped ``dim``, after PyTorch's refusal of integer and bool inputs (no silent float result)."""
    d = input._wrap_dim(dim)
    if input._data.dtype.kind not in "fV":
        kernel = f"{name}_lastdim_kernel_impl" if d >= input.ndim - 1 else f"{name}_kernel_impl"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dtype.TYPE_WORDS[input._data.dtype.name]}'")
    return d


def softmax(input, dim=None, dtype=None, *, _stacklevel=3, axis=None):
    """Softmax over ``dim``."""
    if axis is not None:  # (NumPy's name, taken inline: no layer on this hot path)
        dim, _ = _numpy_dim("softmax", dim, False, axis, None)
    if dtype is not None:
        input = _cast(input, _dtype.to_np(dtype))
    if dim is None:  # (PyTorch's torch.softmax and Tensor.softmax require it; only F.softmax infers it)
        raise TypeError('softmax() missing 1 required positional arguments: "dim"')
    return R.Softmax.apply(input, dim=_softmax_dim(input, dim, "softmax"))


def log_softmax(input, dim=None, dtype=None, *, _stacklevel=3, axis=None):
    """Log of softmax over ``dim``, computed stably."""
    if axis is not None:  # (NumPy's name, taken inline: no layer on this hot path)
        dim, _ = _numpy_dim("log_softmax", dim, False, axis, None)
    if dtype is not None:
        input = _cast(input, _dtype.to_np(dtype))
    if dim is None:  # (PyTorch's torch.log_softmax and Tensor.log_softmax require it; only F.log_softmax infers it)
        raise TypeError('log_softmax() missing 1 required positional arguments: "dim"')
    return R.LogSoftmax.apply(input, dim=_softmax_dim(input, dim, "log_softmax"))


def _dim_type_error(name, dim):
    """PyTorch's TypeError for cumsum/cumprod given a ``dim`` that is no int. Its form is read from the caller's
    frame (error path only: the methods are the functions themselves, without a layer): ``ember.cumsum``'s ``out=``
    layer (the argument's position, 2, unless given by keyword), else a Tensor method (position 1, taken as given by
    position: the method cannot tell)."""
    caller = sys._getframe(2)
    if caller.f_code.co_name == "wrapper" and caller.f_code.co_filename == __file__:
        where = "" if "dim" in (caller.f_locals.get("kwargs") or ()) else " (position 2)"
    else:
        where = " (position 1)"
    return TypeError(f"{name}(): argument 'dim'{where} must be int, not {_args.type_name(dim)}")


def cumsum(input, dim=_REQUIRED, *, dtype=None, axis=_UNSET):
    """Cumulative sum along ``dim`` (integers and bools sum to int64 unless ``dtype`` says otherwise)."""
    if dim is _REQUIRED or axis is not _UNSET:  # (NumPy's name, taken inline: no layer on this hot path)
        dim = _args.dim_or_axis("cumsum", dim, axis)
    try:
        wrapped = input._wrap_dim(dim)
    except TypeError:
        raise _dim_type_error("cumsum", dim) from None
    if input._data.ndim == 0:  # a 0-d tensor accumulates as a 1-element one
        return cumsum(input.reshape(1), 0, dtype=dtype).reshape(())
    d = _np_dtype(dtype)
    if d is None and input._data.dtype.kind in "iub":
        d = xp.dtype(xp.int64)
    elif d == xp.bool_:
        raise NotImplementedError("\"cumsum_out_cpu\" not implemented for 'Bool'")
    return R.CumSum.apply(input, dim=wrapped, dtype=d)


def cumprod(input, dim=_REQUIRED, *, dtype=None, axis=_UNSET):
    """Cumulative product along ``dim``."""
    if dim is _REQUIRED or axis is not _UNSET:  # (NumPy's name, taken inline: no layer on this hot path)
        dim = _args.dim_or_axis("cumprod", dim, axis)
    try:
        wrapped = input._wrap_dim(dim)
    except TypeError:
        raise _dim_type_error("cumprod", dim) from None
    if input._data.ndim == 0:
        return cumprod(input.reshape(1), 0, dtype=dtype).reshape(())
    if dtype is not None:
        if _dtype.to_np(dtype) == xp.bool_:
            raise NotImplementedError("\"cumprod_out_cpu\" not implemented for 'Bool'")
        input = _cast(input, _dtype.to_np(dtype))
    return R.CumProd.apply(input, dim=wrapped, dtype=None if dtype is None else input._data.dtype)


def cummax(input, dim=_REQUIRED, *, axis=_UNSET):
    """Running maximum along ``dim`` and the index where it was last attained, as a ``(values, indices)``
    named tuple.

    Example::

        >>> ember.cummax(ember.tensor([1.0, 3.0, 2.0, 3.0]), 0).indices
        tensor([0, 1, 1, 3])
    """
    if dim is _REQUIRED or axis is not _UNSET:  # (NumPy's ``axis``, taken inline: no layer)
        dim = _args.dim_or_axis("cummax", dim, axis)
    _no_complex(input, NotImplementedError, "\"cummax_cpu\" not implemented for '{}'")
    if not input._data.ndim and dim not in (0, -1):
        raise IndexError(f"cummax(): Expected reduction dim -1 or 0 for scalar but got {dim}")
    v, i = R.CumMax.apply(input, dim=input._wrap_dim(dim), largest=True)
    return _named("cummax")(v, i)


def cummin(input, dim=_REQUIRED, *, axis=_UNSET):
    """Running minimum along ``dim`` and the index where it was last attained, as :func:`cummax`."""
    if dim is _REQUIRED or axis is not _UNSET:  # (NumPy's ``axis``, taken inline: no layer)
        dim = _args.dim_or_axis("cummin", dim, axis)
    _no_complex(input, NotImplementedError, "\"cummin_cpu\" not implemented for '{}'")
    if not input._data.ndim and dim not in (0, -1):
        raise IndexError(f"cummin(): Expected reduction dim -1 or 0 for scalar but got {dim}")
    v, i = R.CumMax.apply(input, dim=input._wrap_dim(dim), largest=False)
    return _named("cummin")(v, i)


def _all_any(reduce, input, dim, keepdim):
    # dim=None with keepdim=True keeps every dimension (as size 1); uint8 input gives uint8, as in PyTorch
    if dim is None:
        res = reduce(input._data, axis=None, keepdims=keepdim)
    elif isinstance(dim, (tuple, list)) and not dim:  # (no dims: PyTorch reduces none, each element alone)
        res = input._data != 0
    else:
        res = reduce(input._data, axis=_dims(input, dim), keepdims=keepdim)
    return wrap(xp.asarray(res, dtype=xp.uint8 if input._data.dtype == xp.uint8 else xp.bool_))


def all(input, dim=None, keepdim=False, *, axis=_UNSET, keepdims=_UNSET):
    """Whether all elements (over ``dim`` if given) are nonzero."""
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("all", dim, keepdim, axis, keepdims)
    return _all_any(xp.all, input, dim, keepdim)


def any(input, dim=None, keepdim=False, *, axis=_UNSET, keepdims=_UNSET):
    """Whether any element (over ``dim`` if given) is nonzero."""
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("any", dim, keepdim, axis, keepdims)
    return _all_any(xp.any, input, dim, keepdim)


def count_nonzero(input, *dims, dim=None, axis=_UNSET):
    """Number of nonzero elements (over ``dim``: an int, a tuple, or ``x.count_nonzero(0, 1)``)."""
    if dims:
        if axis is not _UNSET or dim is not None:  # (PyTorch's parser: neither signature matches)
            raise _args.missing_combination("count_nonzero", dims, {"axis": axis, "dim": dim or _UNSET}, [
                "(int dim = None)", "(tuple of ints dim)"])
        dim = dims[0] if len(dims) == 1 else dims
    elif axis is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim = _args.dim_or_axis("count_nonzero", dim, axis, None)
    if _ops._hooks:  # (no kernels for float8 and uint16/32/64)
        _ops.refuse_restricted("nonzero_count_cpu", input)
        if input.is_meta:
            return _on_meta(count_nonzero, input, dim=dim)
    return wrap(xp.asarray(xp.count_nonzero(input._data, axis=_dims(input, dim)), dtype=xp.int64))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector/Frobenius norm (``p`` a number, 'fro', inf or -inf) over ``dim``."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, _int) or len(dim) <= 2):
            p = 2.0  # the Frobenius norm is the 2-norm of the flattened dims
        else:  # 'nuc', other strings and 'fro' over 3+ dims: matrix_norm's checks and errors, as PyTorch
            from ember import linalg

            return linalg.matrix_norm(input, p, tuple(range(input.ndim)) if dim is None else
                                      (dim,) if isinstance(dim, _int) else dim, keepdim, dtype=dtype)
    elif p is None:
        p = 2.0
    words = _dtype.TYPE_WORDS
    if input._data.dtype.kind not in "fVc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{words.get(input._data.dtype.name, input._data.dtype.name)}")
    if dtype is not None:
        d = _dtype.to_np(dtype)
        if d.kind not in "fVc":
            raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or complex, but got "
                               f"{words.get(d.name, d.name)}")
        if (d.kind == "c") != (input._data.dtype.kind == "c"):
            kind = "complex for complex" if d.kind in "fV" else "real for real"
            raise RuntimeError(f"linalg.vector_norm: dtype should be {kind} inputs, but got {words[d.name]}")
        from ember.linalg import _no_narrowing
        _no_narrowing("linalg.vector_norm", input, dtype)
        input = _cast(input, d)
    p, dims = _float(p), _dims(input, dim)
    if (p < 0 or p == math.inf) and input._data.size == 0:  # max/min/negative powers have no identity
        if dims is None:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on an empty tensor because the "
                               "operation does not have an identity")
        empty = [d for d in dims if input._data.shape[d] == 0]
        if empty:  # (PyTorch's message has no space before 'because')
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on the dimension {empty[0]}because "
                               "this dimension is empty and the operation does not have an identity")
    return R.Norm.apply(input, p=p, dim=dims, keepdim=keepdim)


def dist(input, other, p=2):
    """The ``p``-norm of ``input - other`` over all elements (the two broadcast).

    Example::

        >>> ember.dist(ember.tensor([0.0, 0.0]), ember.tensor([3.0, 4.0]))
        tensor(5.)
    """
    a, b = _operands(input, other)
    if a._data.dtype.kind not in "fVc":
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{_dtype.TYPE_WORDS[a._data.dtype.name]} instead.")
    _check_broadcast(a, b)
    return R.Dist.apply(a, b, p=_float(p.item() if isinstance(p, Tensor) else p))


def median(input, dim=_UNSET, keepdim=_UNSET, *, axis=_UNSET, keepdims=_UNSET, **unused):
    """The lower median (of all elements, or along ``dim`` with the ``(values, indices)`` of it); NaN where a
    NaN is present, as in PyTorch. Without ``dim`` the gradient is shared by all elements equal to the median."""
    if dim is _UNSET or keepdim is _UNSET or unused:  # (the two overloads, () and (dim, keepdim): not given apart)
        if unused or dim is None or (dim is _UNSET and keepdim is not _UNSET and axis is _UNSET):
            raise _median_call_error(dim, keepdim, unused)
        dim, keepdim = None if dim is _UNSET else dim, False if keepdim is _UNSET else keepdim
    elif dim is None:
        raise _median_call_error(dim, keepdim, unused)
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("median", dim, keepdim, axis, keepdims)
    data = input._data
    if data.dtype.kind in "cb":  # (no complex or bool kernel)
        kernel = "median_cpu" if dim is None else "median_out"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dtype.TYPE_WORDS[data.dtype.name]}'")
    floating = data.dtype.kind in "fV"
    if dim is None:
        from ember._ops.indexing import NanMedianAll

        flat = data.reshape(-1)
        if flat.size == 0 or (floating and xp.isnan(flat).any()):
            value = float("nan")
        else:
            k = (flat.size - 1) // 2
            value = xp.partition(flat, k)[k]
        return NanMedianAll.apply(input, value=value, grad_name="MedianBackward0")
    d = input._wrap_dim(dim)
    if data.ndim == 0:  # a scalar is its own median (index 0), keepdim or not
        return _named("median")(*R.PickDim.apply(input, dim=0, grad_name="MedianBackward1"))
    if data.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    order = _argsort(data, d, False)
    n = data.shape[d]
    k = (n - 1) // 2
    nans = xp.isnan(data).sum(axis=d, keepdims=True) if floating else None
    if nans is not None and nans.any():  # sorted NaNs come last: take the first of them
        pos = xp.where(nans > 0, n - nans, k)
    else:
        pos = xp.full(data.shape[:d] + (1,) + data.shape[d + 1:], k)
    idx = xp.take_along_axis(order, pos, axis=d).astype(xp.int64, copy=False)
    return _named("median")(*R.PickDim.apply(input, dim=d, keepdim=keepdim, idx=idx, grad_name="MedianBackward1"))


def _median_call_error(dim, keepdim, unused):
    """PyTorch's TypeError for a call of ``median`` fitting neither ``()`` nor ``(int dim, bool keepdim)``: the
    method's (a None ``dim`` taken as positional, ``keepdim`` as by keyword), carrying the function's."""
    if dim is None:
        err = TypeError("median(): argument 'dim' (position 1) must be int, not NoneType")
    elif dim is _UNSET:
        err = TypeError('median() missing 1 required positional arguments: "dim"')
    elif keepdim is not _UNSET:
        err = _args.combination_error("median", (dim,), {"keepdim": keepdim, **unused},
                                      ["()", "(int dim, bool keepdim = False)"])
    else:
        err = TypeError(f"median() got an unexpected keyword argument '{next(iter(unused))}'")

    def function_form(args, kwargs):
        if "dim" in kwargs or len(args) > 1:
            if len(args) > 1 and args[1] is None:
                return TypeError("median(): argument 'dim' (position 2) must be int, not NoneType")
            if len(args) <= 1 and kwargs["dim"] is None:
                return TypeError("median(): argument 'dim' must be int, not NoneType")
            return TypeError(f"median() got an unexpected keyword argument '{next(iter(unused))}'")
        return TypeError('median() missing 1 required positional arguments: "dim"')
    err.function_form = function_form
    return err


def _argsort(data, axis, descending):
    """Stable argsort along ``axis``. Descending order puts NaN first and keeps equal elements in their original
    order, as PyTorch (sorting the reversed data ascending, not ``-data``, which fails for bool and unsigned)."""
    if data.dtype.kind == "V":  # (NumPy does not order bfloat16's NaNs: a float32 copy is exact)
        data = data.astype(xp.float32)
    if not descending:
        return xp.argsort(data, axis=axis, kind="stable")
    rev = xp.flip(xp.argsort(xp.flip(data, axis), axis=axis, kind="stable"), axis)
    return data.shape[axis] - 1 - rev


def sort(input, dim=-1, descending=False, *, stable=None, axis=_UNSET):
    """Values sorted along ``dim`` and their original indices, as a ``(values, indices)`` named tuple (always a
    stable sort; ``stable`` given, even False, names the graph's node ``SortBackward1``, as PyTorch's overload)."""
    if axis is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim = _args.dim_or_axis("sort", dim, axis, -1)
    d = input._wrap_dim(dim)
    data = input._data
    _no_complex(input, RuntimeError, " Sort does not support complex dtypes on CPU")
    name = "SortBackward0" if stable is None else "SortBackward1"
    if data.ndim == 0:  # a single element: itself, from index 0
        return _named("sort")(*R.PickDim.apply(input, dim=0, grad_name=name))
    idx = _argsort(data, d, descending).astype(xp.int64, copy=False)
    return _named("sort")(*R.PickDim.apply(input, dim=d, keepdim=True, idx=idx, grad_name=name))


def argsort(input, dim=-1, descending=False, *, stable=False, axis=_UNSET):
    """The indices that sort ``input`` along ``dim`` (a stable sort, whatever ``stable`` says)."""
    if axis is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim = _args.dim_or_axis("argsort", dim, axis, -1)
    return sort(input, dim, descending).indices


def _sort_call_check(name):
    """PyTorch's TypeError for a call of ``name`` (sort or argsort) that fits neither of its signatures, ``(dim,
    descending)`` and ``(*, stable, dim, descending)``: more than two positional arguments after the tensor, or
    ``stable`` with positional ones (argsort's ``stable`` is not optional). Run by the function's and the method's
    layers (``method``: the method's name, ``args`` then after ``self``), not by ``sort`` itself."""
    if name == "sort":
        lines = ["(Tensor input, *, bool stable, int dim = -1, bool descending = False, tuple of Tensors out = None)",
                 "(Tensor input, int dim = -1, bool descending = False, *, tuple of Tensors out = None)"]
    else:
        lines = ["(Tensor input, *, bool stable, int dim = -1, bool descending = False, Tensor out = None)",
                 "(Tensor input, int dim = -1, bool descending = False)"]
    method_lines = ["(*, bool stable, int dim = -1, bool descending = False)",
                    "(int dim = -1, bool descending = False)"]

    def check(args, kwargs, method):
        extra = len(args) - (0 if method else 1)  # positional arguments after the tensor
        if extra <= 2 and not ("stable" in kwargs and (extra or (kwargs["stable"] is None and name == "argsort"))):
            return
        # (PyTorch's parser words some of these as a count of positional arguments, the others as a mismatch)
        if method and extra + len(kwargs) == 3:
            raise TypeError(f"{name}() takes from 1 to 0 positional arguments but {extra} were given")
        if not method and len(args) + len(kwargs) >= (4 if name == "argsort" else 5):
            raise TypeError(f"{name}() takes from 2 to 1 positional arguments but {len(args)} were given")
        raise _args.combination_error(name, args, kwargs, method_lines if method else lines)
    return check


sort._call_check = _sort_call_check("sort")
argsort._call_check = _sort_call_check("argsort")


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices, as a ``(values, indices)`` named
    tuple; the values are differentiable (the gradient goes to the indices).

    Among equal values (NaN counts as the largest, ``-0.0`` equals ``0.0``) the indices are the ones PyTorch's
    CPU kernel reports: its selection (a heap select where ``k * 64 <= n``, an introselect otherwise) is
    replayed where the answer depends on it, all rows at once.

    Args:
        input: the tensor.
        k: how many elements to keep (``0 <= k <= input.size(dim)``).
        dim: the dimension to select along (default: the last).
        largest: the largest elements (``False``: the smallest).
        sorted: in order (largest first, or smallest first); with ``False`` the order is the selection's own.

    Shapes: ``input.shape`` with ``dim`` of size ``k``, for both.

    Example::

        >>> ember.topk(ember.tensor([3.0, 1.0, 2.0, 2.0]), 2)
        ember.return_types.topk(
        values=tensor([3., 2.]),
        indices=tensor([0, 2]))
    """
    k = _args.need_int("topk", "k", 2, k)
    _no_complex(input, RuntimeError, " topk does not support complex dtypes on CPU")
    data = input._data
    if data.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = input._wrap_dim(dim)
    n = data.shape[d] if data.ndim else 1
    if k > n or k < 0:
        raise RuntimeError("selected index k out of range")
    if data.ndim == 0:
        return _named("topk")(*R.PickDim.apply(input, dim=0, grad_name="TopkBackward0"))
    from ember._functions_indexing import _topk_columns, _topk_keys
    a = xp.moveaxis(data, d, -1)
    cols = _topk_columns(_topk_keys(a.reshape(math.prod(a.shape[:-1]), n), largest), k, sorted)
    idx = xp.ascontiguousarray(xp.moveaxis(cols.reshape(a.shape[:-1] + (k,)), -1, d), dtype=xp.int64)  # (row-major)
    return _named("topk")(*R.PickDim.apply(input, dim=d, keepdim=True, idx=idx, grad_name="TopkBackward0"))


def kthvalue(input, k, dim=-1, keepdim=False):
    """``(values, indices)`` of the ``k``-th smallest element along ``dim`` (NaN counts as the largest).

    Example::

        >>> ember.kthvalue(ember.tensor([3.0, 1.0, 2.0]), 2)
        torch.return_types.kthvalue(
        values=tensor(2.),
        indices=tensor(2))
    """
    k = _args.need_int("kthvalue", "k", 2, k)
    d = input._wrap_dim(dim)
    data = input._data
    if data.dtype.kind in "bc":
        _not_implemented("kthvalue", data.dtype)
    n = data.shape[d] if data.ndim else 1
    if data.ndim and n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return _named("kthvalue")(*R.Kthvalue.apply(input, k=int(k), dim=d, keepdim=keepdim))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    _no_complex(input, NotImplementedError, "\"unique\" not implemented for '{}'")
    if _ops._hooks:  # (no float8 kernel)
        _ops.refuse_restricted("unique", input, uint=False)
        if input.is_meta:
            raise _meta_error("_unique2" if dim is None else "unique_dim")
    data = input._data
    if dim is None:
        d = None
    elif data.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    else:
        d = input._wrap_dim(dim)
        if 0 in data.shape[:d] + data.shape[d + 1:]:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
    # (PyTorch does not merge NaNs: each is its own value, after the numbers)
    if data.dtype.kind == "V" or data.dtype == xp.float16:  # (NumPy does not order bfloat16's NaNs, nor float16's
        data = data.astype(xp.float32)                        # the way PyTorch does: a float32 copy is exact)
    res = xp.unique(data, return_inverse=return_inverse, return_counts=return_counts, axis=d,
                    **({"equal_nan": False} if d is None else {}))
    if data is not input._data:
        res = (res.astype(input._data.dtype) if not (return_inverse or return_counts) else
               (res[0].astype(input._data.dtype),) + tuple(res[1:]))
    if input.requires_grad:  # (recorded, as PyTorch: a node that refuses to be differentiated)
        names = {} if d is None else {"grad_name": "UniqueDimBackward0", "aten": "unique_dim"}
        values = R.UniqueValues.apply(input, result=res if not (return_inverse or return_counts) else res[0], **names)
    else:
        values = wrap(res if not (return_inverse or return_counts) else res[0])
    if not (return_inverse or return_counts):
        return values
    out = [values]
    k = 1
    if return_inverse:  # (with ``dim``: one index per slice along it)
        out.append(wrap(res[k].reshape(input._data.shape if d is None else -1).astype(xp.int64)))
        k += 1
    if return_counts:
        out.append(wrap(res[k].astype(xp.int64)))
    return tuple(out)


def bincount(input, weights=None, minlength=0):
    """Count of each value in the 1-D non-negative integer ``input`` (or the sum of its ``weights``)."""
    kind = input._data.dtype.kind
    if kind not in "iu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_dtype.TYPE_WORDS[input._data.dtype.name]}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if _ops._hooks and _has_meta(input, weights):
        raise _meta_error("bincount")
    if input._data.ndim != 1 or (input._data.size and input._data.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights._data.ndim != 1 or weights._data.shape[0] != input._data.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if weights is None or not input._data.size:  # (PyTorch: counts for empty input, weights or not)
        return wrap(xp.bincount(input._data, minlength=minlength).astype(xp.int64))
    # PyTorch sums float32 weights in float32 and any others (halves, ints, bools) in float64
    w = weights._data
    dt = xp.float32 if w.dtype == xp.float32 else xp.float64
    w = w.real if w.dtype.kind == "c" else w
    return wrap(xp.bincount(input._data, w.astype(xp.float64), minlength).astype(dt))


def _histc_bound(v):
    """A histc bound as PyTorch's message prints it (C++'s ``%g``; NaN found in the data prints as ``-nan``)."""
    return "-nan" if v != v else f"{v:g}"


def histc(input, bins=100, min=0, max=0):
    """Histogram of ``bins`` equal-width bins over ``[min, max]`` (the data's range when ``min == max``).

    Values outside the range (and NaN) are not counted; ``max`` itself falls in the last bin. Each value's bin is
    ``int((x - min) * bins / (max - min))`` in the input's dtype, as PyTorch's kernel computes it, so values on
    or next to the bin edges land where PyTorch puts them.

    Args:
        input: a floating-point tensor of any shape.
        bins: the number of bins (> 0).
        min, max: the range (numbers or 0-d tensors).

    Returns:
        A 1-D tensor of ``bins`` counts, of the input's dtype.

    Example::

        >>> ember.histc(ember.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
        tensor([0., 2., 1., 0.])
    """
    bins = _args.need_int("histc", "bins", 2, bins)
    min, max = (v.item() if isinstance(v, Tensor) else v for v in (min, max))  # 0-d tensors count as numbers
    kind = input._data.dtype.kind
    if kind not in "fV":  # (complex data fails first where PyTorch looks for the data's range)
        kernel = "aminmax_cpu" if kind == "c" and min == max and input._data.size else "histogram_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dtype.TYPE_WORDS[input._data.dtype.name]}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if _ops._hooks and input.is_meta:
        return _meta_empty((bins,), input._data.dtype, False)
    x = input._data
    data_range = min == max and x.size
    if data_range:
        min, max = _float(x.min()), _float(x.max())
    min, max = _float(min), _float(max)
    if min == max:
        min, max = min - 1, max + 1
    if not (math.isfinite(min) and math.isfinite(max)):
        raise RuntimeError(f"torch.histc: range of [{_histc_bound(min) if data_range else f'{min:g}'}, "
                           f"{_histc_bound(max) if data_range else f'{max:g}'}] is not finite")
    if min > max:
        raise RuntimeError("torch.histc: max must be larger than min")
    lo, hi = _checked_scalar(min, x.dtype), _checked_scalar(max, x.dtype)
    x = x[(x >= lo) & (x <= hi)]
    if lo == hi:  # a range too narrow for the dtype (1e30 +- 1): PyTorch counts its values in the middle bin
        pos = xp.full(x.shape, bins // 2, xp.int64)
    else:  # the bin in the input's dtype, as PyTorch (float64 arithmetic would bin edge values apart)
        pos = ((x - lo) * x.dtype.type(bins) / (hi - lo)).astype(xp.int64)
    return wrap(xp.bincount(xp.minimum(pos, bins - 1), minlength=bins).astype(input._data.dtype))


def nonzero(input, *, as_tuple=False):
    """Indices of the nonzero elements: an ``(n, ndim)`` tensor, or one 1-D tensor per dimension."""
    if _ops._hooks:  # (no kernels for float8 and uint16/32/64)
        _ops.refuse_restricted("nonzero_count_cpu", input)
        if input.is_meta:
            raise _meta_error("nonzero")
    if input._data.ndim == 0:  # as a 1-element 1-D tensor for as_tuple, with no index columns otherwise
        hit = xp.nonzero(input._data.reshape(1))[0].astype(xp.int64)
        return (wrap(hit),) if as_tuple else wrap(xp.zeros((hit.size, 0), xp.int64))
    nz = xp.nonzero(input._data)
    if as_tuple:
        return tuple(wrap(i.astype(xp.int64)) for i in nz)
    if not nz[0].size:  # (NumPy zeroes an empty array's strides: PyTorch's (1, 0) set by hand)
        return wrap(xp.ndarray((0, len(nz)), xp.int64, xp.empty(0, xp.int64), 0, (8, 0)))
    # (column-major, as PyTorch lays it out: the transpose of a (ndim, n) block, stride (1, n))
    return wrap(xp.stack(nz).astype(xp.int64, copy=False).T)


def argwhere(input):
    return nonzero(input)


# ============================================================================================ linalg


def _mm_error(a, b):
    sa, sb = a._data.shape, b._data.shape
    return RuntimeError(
        f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and {sb[0]}x{sb[1]})"
    )


def matmul(input, other, *, out=None):
    """Matrix product with broadcasting (1-D, 2-D and batched operands), like ``torch.matmul``."""
    if not isinstance(other, Tensor):  # the method's message (ember.matmul's wrapper gives the function's)
        raise _args.tensor_error("matmul", "other", other, 1)
    try:
        na, nb = input._data.ndim, other._data.ndim
    except NotImplementedError:  # a sparse COO operand has no dense data (ember/_sparse.py); free when dense
        from ember._sparse import matmul_dispatch
        return matmul_dispatch(input, other)
    if _ops._hooks:  # CPU autocast: casts (PyTorch's lower-precision list)
        input, other = _ops.autocast_args(input, other)
    a, b = input, other
    if a._data.dtype != b._data.dtype:
        if na == 1 and nb == 1:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{_dtype.TYPE_WORDS[a._data.dtype.name]} and {_dtype.TYPE_WORDS[b._data.dtype.name]}")
        if nb == 1:  # (PyTorch computes matrix @ vector as addmv)
            v, m = _dtype.TYPE_WORDS[b._data.dtype.name], _dtype.TYPE_WORDS[a._data.dtype.name]
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {v}, {m}, and {v}")
        if nb < 3:  # (a 2-D other: PyTorch folds the batch of input into one mm)
            names = _dtype.SCALAR_NAMES[a._data.dtype.name], _dtype.SCALAR_NAMES[b._data.dtype.name]
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {names[0]} != {names[1]}")
        # else PyTorch's bmm route: its checks come after the size checks below
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    if na > 2 and nb > 2:
        try:
            xp.broadcast_shapes(a._data.shape[:-2], b._data.shape[:-2])
        except ValueError:
            raise RuntimeError(
                f"The size of tensor a ({a._data.shape[-3]}) must match the size of tensor b "
                f"({b._data.shape[-3]}) at non-singleton dimension {builtins.max(na, nb) - 3}") from None
    ka = a._data.shape[-1]
    kb = b._data.shape[0] if nb == 1 else b._data.shape[-2]
    if ka != kb:
        if na == 1 and nb == 1:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{ka}] and src [{kb}] to have the same number of "
                f"elements, but got {ka} and {kb} elements respectively")
        if na == 2 and nb == 2:
            raise _mm_error(a, b)
        # (PyTorch folds a batched input's leading dimensions into the rows of one mv or mm)
        rows = math.prod(a._data.shape[:-1]) if na > 1 else 1
        if nb == 1:
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{ka}), vec ({kb})")
        if nb == 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{ka} and {kb}x{b._data.shape[-1]})")
        batch = math.prod(xp.broadcast_shapes(a._data.shape[:-2], b._data.shape[:-2]))
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {ka}] but got: "
                           f"[{batch}, {kb}].")
    if nb > 2 and a._data.dtype != b._data.dtype:
        a = _bmm_dtypes(a, b)
    if a._data.dtype.kind == "b" and a._data.size and b._data.size:  # (PyTorch's kernels have no bool)
        _bool_matmul(("dot" if na == 1 else "addmv_impl_cpu") if nb == 1 else "addmm_impl_cpu_" if nb == 2 else "bmm")
    if out is not None and nb > 1:
        _mm_out_dtype(a, out)
    return _out(L.MatMul.apply(a, b), out)


def _bmm_dtypes(a, b):
    """PyTorch's bmm on operands of two dtypes: its kernel's error, but for an empty product, which it makes in
    ``b``'s dtype (returns ``a`` cast to it)."""
    if not (a._data.size and b._data.size and (a._data.ndim == 1 or a._data.shape[-2]) and b._data.shape[-1]):
        return a.to(b.dtype)
    if a._data.dtype.kind == "b":  # (the kernel is chosen by the first operand's dtype)
        _bool_matmul("bmm")
    raise RuntimeError(f"expected scalar type {_dtype.TYPE_WORDS[a._data.dtype.name]} but found "
                       f"{_dtype.TYPE_WORDS[b._data.dtype.name]}")


def _mm_out_dtype(a, out):
    if out._data.dtype != a._data.dtype and isinstance(out, Tensor):
        raise RuntimeError(f"Expected out tensor to have dtype {_dtype.SCALAR_NAMES[a._data.dtype.name]}, but got "
                           f"{_dtype.SCALAR_NAMES[out._data.dtype.name]} instead")


def _bool_matmul(kernel):
    """PyTorch's NotImplementedError for a product of bool tensors, naming the kernel its route reaches."""
    raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def mm(input, mat2, *, out=None):
    """2-D matrix product."""
    if not isinstance(mat2, Tensor):  # the method's message (ember.mm's wrapper gives the function's)
        raise _args.tensor_error("mm", "mat2", mat2, 1)
    try:
        in_nd, mat2_nd = input._data.ndim, mat2._data.ndim
    except NotImplementedError:  # a sparse COO operand has no dense data (ember/_sparse.py); free when dense
        from ember._sparse import mm_dispatch
        return mm_dispatch(input, mat2)
    if in_nd != 2:
        raise RuntimeError("self must be a matrix")
    if mat2_nd != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input._data.shape[1] != mat2._data.shape[0]:  # (before matmul's dtype check: PyTorch's order for mm)
        raise _mm_error(input, mat2)
    return matmul(input, mat2, out=out)


def _check_bmm(batch1, batch2):
    """PyTorch's bmm checks (3-D operands, matching batch and inner sizes), shared by bmm and baddbmm."""
    if batch1._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if batch2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    b1, b2 = batch1._data.shape, batch2._data.shape
    if b2[0] != b1[0] or b2[1] != b1[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b1[0]}, {b1[2]}] "
                           f"but got: [{b2[0]}, {b2[1]}].")


def bmm(input, mat2, *, out=None):
    """Batched matrix product of two 3-D tensors."""
    if not isinstance(mat2, Tensor):  # the method's message (ember.bmm's wrapper gives the function's)
        raise _args.tensor_error("bmm", "mat2", mat2, 1)
    _check_bmm(input, mat2)
    if input._data.dtype != mat2._data.dtype:
        input = _bmm_dtypes(input, mat2)
    if input._data.dtype.kind == "b" and input._data.size and mat2._data.size:
        _bool_matmul("bmm")
    if out is not None:
        _mm_out_dtype(input, out)
    return _out(L.MatMul.apply(input, mat2, bmm=True), out)


def mv(input, vec):
    """Matrix-vector product of a 2-D ``input`` and a 1-D ``vec``."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    return _matmul_outside_autocast(input, vec)


def _matmul_outside_autocast(a, b):
    """``matmul(a, b)`` in the operands' own dtypes (PyTorch's autocast leaves mv and dot alone)."""
    if _ops._autocast is not None:
        with _ops.AutocastOff():
            return matmul(a, b)
    return matmul(a, b)


def dot(input, tensor):
    """Dot product of two 1-D tensors."""
    if not isinstance(tensor, Tensor):  # the method's message (ember.dot's wrapper gives the function's)
        raise _args.tensor_error("dot", "tensor", tensor, 1)
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {tensor._data.ndim}D tensors")
    return _matmul_outside_autocast(input, tensor)


def inner(input, other, *, out=None):
    """Inner product over the last dimension: ``(*a, n), (*b, n) -> (*a, *b)``; a 0-d operand multiplies.

    Example:
        >>> ember.inner(ember.ones(2, 3), ember.ones(4, 3)).shape
        ember.Size([2, 4])
    """
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        return mul(input, other, out=out)
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError("inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(a.shape)} and {list(b.shape)}")
    if a.dtype != b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if a.dtype.kind == "b" and a.ndim == 1 and b.ndim == 1 and a.size:  # (PyTorch's 1-D route: dot)
        _bool_matmul("dot")
    n = a.shape[-1]
    rows_a, rows_b = math.prod(a.shape[:-1]), math.prod(b.shape[:-1])  # not -1: n may be 0
    prod = matmul(input.reshape(rows_a, n), other.reshape(rows_b, n).t())
    return _out(prod.reshape(a.shape[:-1] + b.shape[:-1]), out)


@_args.visible_signature
def addmm(input, mat1, mat2, *args, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)`` (PyTorch's deprecated ``addmm(beta, input, [alpha,] mat1, mat2)``
    too, with its warning)."""
    if args:
        return _args.deprecated_call(addmm, "addmm", (input, mat1, mat2) + args, {"out": out},
                                     tuple(k for k, v in (("beta", beta), ("alpha", alpha)) if v != 1))
    try:
        nd1, nd2 = mat1._data.ndim, mat2._data.ndim
    except NotImplementedError:  # a sparse COO operand (ember/_sparse.py)
        from ember._sparse import addmm as _sparse_addmm
        return _sparse_addmm(input, mat1, mat2, beta=beta, alpha=alpha)
    if nd1 != 2 or nd2 != 2:
        raise RuntimeError("mat1 must be a matrix, got " f"{mat1._data.ndim}-D tensor")
    if mat1._data.shape[1] != mat2._data.shape[0]:
        raise _mm_error(mat1, mat2)
    if _ops._hooks:  # CPU autocast: casts (PyTorch's lower-precision list)
        input, mat1, mat2 = _ops.autocast_args(input, mat1, mat2)
    if not isinstance(input, Tensor):
        input = _scalar_tensor(input, mat1._data.dtype)
    for name, a in (("self", input), ("mat1", mat1)):  # PyTorch checks self against mat2 first
        if a._data.dtype != mat2._data.dtype:
            words = _dtype.TYPE_WORDS
            raise RuntimeError(f"{name} and mat2 must have the same dtype, but got "
                               f"{words[a._data.dtype.name]} and {words[mat2._data.dtype.name]}")
    if mat2._data.dtype.kind == "b" and mat1._data.size and mat2._data.size:
        _bool_matmul("addmm_impl_cpu_")
    return _out(L.Addmm.apply(input, mat1, mat2, beta=beta, alpha=alpha), out)


def outer(input, vec2):
    """Outer product of two vectors."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return mul(input.reshape(-1, 1), vec2.reshape(1, -1))


ger = outer


# ============================================================================================ shape


def _shape_arg(shape, fn=None, keyword=False):
    """The sizes given as ``*shape`` or one sequence, as ints; for ``fn`` ``"view"``/``"reshape"`` anything else
    is PyTorch's TypeError for that form (``keyword``: given as ``size=``/``shape=``)."""
    given = shape
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    try:
        if shape and type(shape[0]) is _bool and fn is not None:  # (PyTorch's parser takes no bool first)
            raise TypeError
        return tuple(s if type(s) is _int else s.__index__() for s in shape)  # (a later bool as its int)
    except (AttributeError, TypeError):
        if fn is None:
            raise
        if isinstance(fn, tuple):  # (method name, argument name): the parser's words for a method's int list
            raise _int_list_error(*fn, given) from None
        raise _shape_error(fn, given, keyword) from None


def _bad_size(k, s):
    """Whether ``s``, element ``k`` of a size list, is no int for PyTorch's parser (a bool only as the first)."""
    return (k == 0 and type(s) is _bool) or (not isinstance(s, _int) and _not_index(s))


def _int_list_error(fn, arg, given):
    """PyTorch's TypeError for a method's ``*sizes`` argument (``given``, as passed) holding something not an int."""
    seq = len(given) == 1 and isinstance(given[0], (tuple, list, Size))
    items = tuple(given[0]) if seq else given
    i = next(k for k, s in enumerate(items) if _bad_size(k, s))
    bad = _args.type_name(items[i])
    if seq:
        return TypeError(f"{fn}(): argument '{arg}' (position 1) must be tuple of ints, but found element of type "
                         f"{bad} at pos {i}")
    if len(items) == 1:
        return TypeError(f"{fn}(): argument '{arg}' (position 1) must be tuple of ints, not {bad}")
    if i == 0:  # (the parser then reads the first argument as the whole list)
        return TypeError(f"{fn}() takes 1 positional argument but {len(items)} were given")
    return TypeError(f"{fn}(): argument '{arg}' failed to unpack the object at pos {i + 1} with error \"type must "
                     f"be tuple of ints,but got {bad}\"")


def _shape_error(fn, given, keyword):
    """PyTorch's TypeError for a ``view``/``reshape`` size that is no int (its words depend on the form: the first
    element wrong or a later one, one sequence or several arguments, by keyword or not)."""
    seq = len(given) == 1 and isinstance(given[0], (tuple, list, Size))
    items = tuple(given[0]) if seq else given
    i = next(k for k, s in enumerate(items) if _bad_size(k, s))
    arg = "size" if fn == "view" else "shape"
    bad = _args.type_name(items[i])
    if i > 0 and (seq or len(items) > 1):
        return TypeError(f"{fn}(): argument '{arg}' failed to unpack the object at pos {i + 1} with error "
                         f"\"type must be tuple of ints,but got {bad}\"")
    if fn == "view":  # (two overloads, view(dtype) and view(size): the parser's message for no match)
        head = ("view() received an invalid combination of arguments - got ({}), but expected one of:\n"
                " * (torch.dtype dtype)\n{} * (tuple of ints size)\n{}")
        if keyword:
            value = _args.combination_type_name(given[0])
            return TypeError(head.format("size=" + _args.type_name(given[0]) + ", ",
                                         "      didn't match because some of the keywords were incorrect: size\n",
                                         "      didn't match because some of the arguments have invalid types: "
                                         f"(!size={value}!, )\n"))
        if len(given) > 1:
            return TypeError(head.format(", ".join(
                "Tensor" if isinstance(v, Tensor) else _args.type_name(v) for v in given), "", ""))
        why = ("      didn't match because some of the arguments have invalid types: "
               f"(!{_args.combination_type_name(given[0])}!)\n")
        return TypeError(head.format(_args.type_name(given[0]), why, why))
    if keyword:
        return TypeError(f"reshape(): argument 'shape' must be tuple of ints, not {_args.type_name(given[0])}")
    if len(given) > 1:
        return TypeError(f"reshape() takes 1 positional argument but {len(given)} were given")
    if seq:
        return TypeError(f"reshape(): argument 'shape' (position 1) must be tuple of ints, but found element of type "
                         f"{bad} at pos 0")
    return TypeError(f"reshape(): argument 'shape' (position 1) must be tuple of ints, not {bad}")


def _not_index(s):
    """Whether ``s`` is no size (has no working ``__index__``)."""
    try:
        s.__index__()
    except (AttributeError, TypeError):
        return True
    return False


def _infer_shape(shape, numel, for_view=True):
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
            known *= s
    if neg:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                               f"unspecified dimension size -1 can be any value and is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = list(shape)
        shape[neg[0]] = numel // known
        return tuple(shape)
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


@_args.checks_args
def reshape(input, *sizes, shape=None):
    """The same data with a new shape (a view when possible, else a copy): ``reshape(x, (2, 3))``,
    ``x.reshape(2, 3)`` or ``reshape(x, shape=(2, 3))``."""
    if not isinstance(input, Tensor):
        _args.reject("ember", "reshape", reshape, (input, *sizes))
    if shape is not None:  # the keyword form, ``reshape=shape=(...)``
        if sizes:
            raise TypeError("reshape() got multiple values for argument 'shape'")
        sizes = (shape,)
    elif not sizes:
        raise _args.missing_error("reshape", ["shape"])
    shape = _infer_shape(_shape_arg(sizes, "reshape", shape is not None), input._data.size)
    if shape == input._data.shape and not input._requires_grad:
        return S.View.apply(input, shape=shape, copy_ok=True)
    return S.View.apply(input, shape=shape, copy_ok=True)


def _view_dtype(input, dtype):
    """``x.view(dtype)``: the same bytes read as ``dtype`` (the last dimension rescales when item sizes differ)."""
    a, np_dt = input._data, dtype.np
    if np_dt.itemsize != a.dtype.itemsize:
        words = f"view {_dtype.TYPE_WORDS[a.dtype.name]} as {_dtype.TYPE_WORDS[np_dt.name]} (different element sizes)"
        if a.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 to {words}")
        ratio = np_dt.itemsize // a.dtype.itemsize
        if ratio > 1 and a.shape[-1] % ratio:
            raise RuntimeError(f"self.size(-1) must be divisible by {ratio} to {words}, but got {a.shape[-1]}")
        if ratio > 1 and input.storage_offset() % ratio:
            raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} to {words}, but got "
                               f"{input.storage_offset()}")
        strides = input.stride()
        if strides[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 to {words}, but got {strides[-1]}")
        for i, st in enumerate(strides[:-1] if ratio > 1 else ()):
            if st % ratio:
                raise RuntimeError(f"self.stride({i}) must be divisible by {ratio} to {words}, but got {st}")
    return wrap(a.view(np_dt))


def view(input, *sizes, size=None, dtype=None):
    """A view with a new shape (errors if the memory layout does not allow one): ``x.view(2, 3)``,
    ``x.view((2, 3))``, ``x.view(size=(2, 3))``; ``x.view(dtype)`` reinterprets the bytes."""
    if dtype is not None:
        sizes = sizes + (dtype,)
    if size is not None:  # the keyword form, ``view=size=(...)``
        if sizes:
            raise TypeError("view() got multiple values for argument 'size'")
        sizes = (size,)
    if len(sizes) == 1 and isinstance(sizes[0], _dtype.dtype):
        return _view_dtype(input, sizes[0])
    shape = _infer_shape(_shape_arg(sizes, "view", size is not None), input._data.size)
    try:
        return S.View.apply(input, shape=shape, copy_ok=False)
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans "
            "across two contiguous subspaces). Use .reshape(...) instead."
        ) from None


@_args.checks_args
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim``..``end_dim`` into one."""
    try:
        shape = input._data.shape
    except AttributeError:  # not a tensor
        _args.reject("ember", "flatten", flatten, (input, start_dim, end_dim))
    nd = len(shape)
    if type(start_dim) is int and type(end_dim) is int and 0 <= start_dim < nd and end_dim == -1:
        # The common call (flatten(x, 1) before a linear layer): dims already in range, no wrapping to do.
        if start_dim == nd - 1:
            return input
        n = 1
        for k in shape[start_dim:]:
            n *= k
        # Op.run directly: the generic apply's keyword plumbing is a third of this call at inference sizes.
        op = _new(S.View)
        op.shape = shape[:start_dim] + (n,)
        op.copy_ok = True
        return op.run(input)
    if input._data.ndim == 0:
        return reshape(input, 1)
    s = input._wrap_dim(start_dim)
    e = input._wrap_dim(end_dim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input._data.shape
    if s == e:
        return input
    n = 1
    for k in shape[s: e + 1]:
        n *= k
    return S.View.apply(input, shape=shape[:s] + (n,) + shape[e + 1:], copy_ok=True)


def unflatten(input, dim, sizes):
    """Expand dimension ``dim`` into ``sizes`` (one of which may be -1)."""
    if not isinstance(sizes, (list, tuple, Size)):
        raise TypeError(f"unflatten(): argument 'sizes' (position 2) must be tuple of ints, not "
                        f"{_args.type_name(sizes)}")
    sizes = tuple(_int_list("unflatten", "sizes", 2, sizes))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if input._data.ndim == 0:
        raise RuntimeError(f"unflatten got an unexpected error:\nDimension specified as {dim} but tensor has no "
                           "dimensions")
    d = input._wrap_dim(dim)
    shape = input._data.shape
    # (PyTorch's size inference, whose errors it reports as unexpected ones)
    n, infer = 1, None
    for i, s in enumerate(sizes):
        if s == -1:
            if infer is not None:
                raise RuntimeError("unflatten got an unexpected error:\nonly one dimension can be inferred")
            infer = i
        elif s >= 0:
            n *= s
        else:
            raise RuntimeError(f"unflatten got an unexpected error:\ninvalid shape dimension {s} at index {i} of "
                               f"shape {list(sizes)}")
    if not (n == shape[d] or (infer is not None and n > 0 and shape[d] % n == 0)):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
                           f"{dim} ({shape[d]}) in the input tensor")
    if infer is not None:
        if n == 0:
            raise RuntimeError(f"unflatten got an unexpected error:\ncannot reshape tensor of 0 elements into shape "
                               f"{list(sizes)} because the unspecified dimension size -1 can be any value and is "
                               "ambiguous")
        sizes = sizes[:infer] + (shape[d] // n,) + sizes[infer + 1:]
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


@_args.checks_args
def squeeze(input, *dims, dim=None, axis=_UNSET):
    """Remove size-1 dimensions (all, or those in ``dim``: an int, a tuple, or ``x.squeeze(0, 2)``)."""
    if not isinstance(input, Tensor):
        _args.reject("ember", "squeeze", squeeze, (input, *dims))
    if axis is not _UNSET:  # (NumPy's name, taken inline: no layer on this hot path)
        if dims or dim is not None:
            raise TypeError("squeeze() got an unexpected keyword argument 'axis'")
        dim = axis
    if dims:
        if dim is not None:
            raise TypeError("squeeze() got multiple values for argument 'dim'")
        dim = dims[0] if len(dims) == 1 else dims
    shape = input._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
        name = "SqueezeBackward0"
    else:
        try:
            dims = _dims(input, dim) or ()
        except TypeError:
            raise _squeeze_dim_error(dim) from None
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
        name = "SqueezeBackward1" if isinstance(dim, _int) else "SqueezeBackward2"
    return S.View.apply(input, shape=new, copy_ok=True, grad_name=name)


def _squeeze_dim_error(dim):
    """PyTorch's TypeError for a ``squeeze`` dim that is no int (a sequence starting with an int: the parser's
    words for unpacking it)."""
    if isinstance(dim, (tuple, list)) and dim and not (isinstance(dim[0], _bool) or _not_index(dim[0])):
        i = next(k for k, d in enumerate(dim) if isinstance(d, _bool) or _not_index(d))
        return TypeError(f"squeeze(): argument 'dim' failed to unpack the object at pos {i + 1} with error \"type "
                         f"must be tuple of ints,but got {_args.type_name(dim[i])}\"")
    why = ("      didn't match because some of the arguments have invalid types: "
           f"(!{_args.combination_type_name(dim)}!)\n")
    return TypeError(f"squeeze() received an invalid combination of arguments - got ({_args.type_name(dim)}), but "
                     f"expected one of:\n * ()\n{why} * (int dim)\n{why} * (tuple of ints dim)\n{why}")


@_args.checks_args
def unsqueeze(input, dim=_REQUIRED, *, axis=_UNSET):
    """Insert a size-1 dimension at ``dim``."""
    if dim is _REQUIRED or axis is not _UNSET:  # (NumPy's name, taken inline: no layer on this hot path)
        dim = _args.dim_or_axis("unsqueeze", dim, axis)
    if not isinstance(input, Tensor):
        _args.reject("ember", "unsqueeze", unsqueeze, (input, dim))
    a = input._data
    try:
        d = input._wrap_dim(dim, a.ndim + 1)
    except TypeError:  # (PyTorch's parser's words; the method's position)
        _args.need_int("unsqueeze", "dim", 1, dim)
        raise
    shape = a.shape
    out = S.View.apply(input, shape=shape[:d] + (1,) + shape[d:], copy_ok=True, grad_name="UnsqueezeBackward0")
    if not a.flags.c_contiguous and not (_ops._hooks and input.is_meta):
        # NumPy picks its own strides for size-1 dimensions: PyTorch's, as it keeps them (meta layouts: _meta.py)
        st = a.strides
        st = st[:d] + (shape[d] * st[d] if d < len(shape) else a.itemsize,) + st[d:]
        if out._data.strides != st:
            out._data = xp.lib.stride_tricks.as_strided(out._data, strides=st)
    return out


@_args.checks_args
def permute(input, *sizes, dims=None):
    """Reorder dimensions: ``permute(x, (1, 0))``, ``x.permute(1, 0)`` or ``x.permute(dims=(1, 0))``."""
    if not isinstance(input, Tensor):
        _args.reject("ember", "permute", permute, (input, *sizes))
    if dims is not None:  # the keyword form, ``permute=dims=(...)``
        if sizes:
            raise TypeError("permute() got multiple values for argument 'dims'")
        sizes = (dims,)
    elif not sizes and input._data.ndim:  # (0-d: ember's own calls permute(*()) still; PyTorch refuses it too)
        raise _args.missing_error("permute", ["dims"])
    dims = _shape_arg(sizes, ("permute", "dims"))
    if len(dims) != input._data.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {input._data.ndim} is not equal to "
            f"len(dims) = {len(dims)}")
    dims = tuple(input._wrap_dim(d) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return S.Permute.apply(input, dims=dims)


@_args.checks_args
def transpose(input, dim0, dim1):
    """Swap two dimensions."""
    if not isinstance(input, Tensor):
        _args.reject("ember", "transpose", transpose, (input, dim0, dim1))
    try:
        d0, d1 = input._wrap_dim(dim0), input._wrap_dim(dim1)
    except TypeError:  # (PyTorch's parser's words; the method's positions)
        _args.need_int("transpose", "dim0", 1, dim0)
        _args.need_int("transpose", "dim1", 2, dim1)
        raise
    if input._data.ndim == 0:  # (still a new view of the input, as PyTorch)
        return S.Permute.apply(input, dims=(), grad_name="TransposeBackward0")
    return S.Transpose.apply(input, dim0=d0, dim1=d1)




def swapaxes(input, axis0, axis1):
    """:func:`transpose` under NumPy's argument names."""
    return transpose(input, axis0, axis1)


def swapdims(input, dim0, dim1):
    """Alias of :func:`transpose`."""
    return transpose(input, dim0, dim1)


@_args.checks_args
def t(input):
    """Transpose a tensor of at most 2 dimensions."""
    if not isinstance(input, Tensor):
        _args.reject("ember", "t", t, (input,))
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    if input._data.ndim < 2:  # (still a new view of the input, as PyTorch)
        return S.Permute.apply(input, dims=tuple(range(input._data.ndim)), grad_name="TBackward0")
    return S.Transpose.apply(input, dim0=0, dim1=1, grad_name="TBackward0")


def movedim(input, source, destination):
    src = [source] if isinstance(source, numbers.Integral) else list(source)  # (a NumPy integer too)
    dst = [destination] if isinstance(destination, numbers.Integral) else list(destination)
    n = input._data.ndim
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
                           f"the same number of dims as destination ({list(dst)} dims)")
    for name, given in (("source", src), ("destination", dst)):
        wrapped = [input._wrap_dim(i) for i in given]
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    src = [input._wrap_dim(s) for s in src]
    dst = [input._wrap_dim(d) for d in dst]
    if n == 0:  # dims 0 and -1 of a 0-d tensor: nothing moves
        return permute(input)
    order = [i for i in range(n) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, *order)


moveaxis = movedim


def expand(input, *sizes, size=None, implicit=False):
    """Broadcast to a larger size without copying (-1 keeps a dimension): ``x.expand(2, 3)``, ``x.expand((2, 3))``
    or ``x.expand(size=(2, 3))``."""
    if size is not None:  # the keyword form, ``expand=size=(...)``
        if sizes:
            raise TypeError("expand() got multiple values for argument 'size'")
        sizes = (size,)
    sizes = _shape_arg(sizes, ("expand", "size"))
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand({input.type().replace('ember.', 'torch.')}{{[{', '.join(map(str, shape))}]}}, "
            f"size=[{', '.join(map(str, sizes))}]): the number of sizes provided ({len(sizes)}) must be greater or "
            f"equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    new = [0] * len(sizes)
    for i in range(len(sizes) - 1, -1, -1):  # PyTorch checks from the last dimension
        s = sizes[i]
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            new[i] = s
            continue
        cur = shape[i - lead]
        if s == -1:
            new[i] = cur
        elif cur == 1 or cur == s:
            new[i] = s
        else:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at non-singleton "
                f"dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  Tensor sizes: "
                f"[{', '.join(map(str, shape))}]")
    return S.Expand.apply(input, shape=tuple(new))


def broadcast_to(input, *sizes, size=None):
    """``input`` expanded to ``size`` (a view): ``broadcast_to(x, (2, 3))`` or ``x.broadcast_to(2, 3)``."""
    return expand(input, *sizes, size=size)


def broadcast_tensors(*tensors):
    """Expand ``tensors`` to their common broadcast shape (views)."""
    _args.need_tensors(None, tensors)
    shape = ()
    for t in tensors:
        other = t._data.shape
        nd = builtins.max(len(shape), len(other))
        a, b = (1,) * (nd - len(shape)) + shape, (1,) * (nd - len(other)) + other
        for d, (x, y) in enumerate(zip(a, b)):
            if x != y and x != 1 and y != 1:
                raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                                   f"non-singleton dimension {d}")
        shape = tuple(y if x == 1 else x for x, y in zip(a, b))
    # an input already of the broadcast shape comes back as itself (PyTorch: `out[0] is x`), not as a view
    return tuple(t if t._data.shape == shape else expand(t, *shape) for t in tensors)


def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` (ints, sequences of ints, or None for a scalar) broadcast to
    (``RuntimeError`` naming the first misfit otherwise)."""
    result = []
    for index, shape in enumerate(shapes):
        if shape is None:
            continue
        if not isinstance(shape, (_int, tuple, list, Size)):
            raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {shape}")
        shape = (shape,) if isinstance(shape, _int) else tuple(shape)
        if len(shape) > len(result):
            result = [1] * (len(shape) - len(result)) + result
        for i in range(1, len(shape) + 1):
            size, have = shape[-i], result[-i]
            if size != 1 and have != 1 and size != have:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {size} at {-i}! Mismatching "
                                   f"argument at index {index} had {shape}; but expected shape should be "
                                   f"broadcastable to {result}")
            if size != 1:
                result[-i] = size
    for i, size in enumerate(result):
        if not isinstance(size, _int):
            raise TypeError(f"ember.Size() takes an iterable of 'int' (item {i} is '{_args.type_name(size)}')")
    return Size(_int(size) for size in result)


def repeat(input, *sizes, repeats=None):
    """``input`` tiled ``sizes`` times along each dimension: ``x.repeat(2, 1)``, ``x.repeat((2, 1))`` or
    ``x.repeat(repeats=(2, 1))``."""
    if repeats is not None:  # the keyword form, ``repeat=repeats=(...)``
        if sizes:
            raise TypeError("repeat() got multiple values for argument 'repeats'")
        sizes = (repeats,)
    sizes = _shape_arg(sizes, ("repeat", "repeats"))
    if len(sizes) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           "of tensor")
    if builtins.any(r < 0 for r in sizes):
        shape = (1,) * (len(sizes) - input._data.ndim) + input._data.shape
        out = [a * b for a, b in zip(shape, sizes)]
        raise RuntimeError(f"Trying to create tensor with negative dimension {next(v for v in out if v < 0)}: "
                           f"[{', '.join(map(str, out))}]")
    return S.Repeat.apply(input, repeats=sizes)


def tile(input, dims=_REQUIRED):
    """Repeat ``input`` along each dimension; ``dims`` shorter than ``input.dim()`` is padded with 1s in front.

    Example:
        >>> ember.tile(ember.tensor([1, 2]), (2,))
        tensor([1, 2, 1, 2])
    """
    if dims is _REQUIRED:
        raise _args.missing_error("tile", ["dims"])
    if not isinstance(dims, (tuple, list, Size)):
        raise TypeError(f"tile(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    for d in dims:
        if not isinstance(d, numbers.Integral):
            raise TypeError("tile(): argument 'dims' failed to unpack the object at pos 2 with error \"type must be "
                            f"tuple of ints,but got {type(d).__name__}\"")
    dims = tuple(int(d) for d in dims)
    if len(dims) < input._data.ndim:
        dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, *dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None, axis=_UNSET):
    """Each element (each slice along ``dim``; of the flattened input when ``dim`` is None) repeated ``repeats``
    times: an int, or a tensor with one count per element. ``repeat_interleave(counts)`` alone gives the indices
    ``0, 0, ..., 1, ...`` repeated by ``counts``.

    With an int, as in PyTorch, the result is ``unsqueeze``, ``expand``, ``clone`` and a view (its graph ends in
    ViewBackward0); with a tensor of counts it is an ``index_select``.

    Example::

        >>> ember.tensor([[1, 2], [3, 4]]).repeat_interleave(2, dim=0)
        tensor([[1, 2],
                [1, 2],
                [3, 4],
                [3, 4]])
    """
    if axis is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim = _args.dim_or_axis("repeat_interleave", dim, axis, None)
    if _ops._hooks and isinstance(repeats, Tensor) | (repeats is None) and _has_meta(input, repeats):
        # (meta counts: the result's length is unknown but for output_size, as PyTorch's)
        if output_size is None:
            raise RuntimeError("cannot repeat_interleave a meta tensor without output_size")
        if repeats is None:
            return _meta_empty((output_size,), input._data.dtype, False)
        if dim is None:
            input, dim = input.reshape(-1), 0
        return index_select(input, input._wrap_dim(dim), _meta_empty((output_size,), xp.dtype(xp.int64), False))
    if repeats is None:
        if input._data.ndim != 1 and input._data.dtype in (xp.int32, xp.int64):  # (the dtype's error first)
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        counts = _repeat_counts(input._data, output_size)
        return wrap(xp.repeat(xp.arange(counts.size, dtype=counts.dtype), counts))
    if dim is None:
        input, dim = input.reshape(-1), 0
    d = input._wrap_dim(dim)
    if isinstance(repeats, Tensor):
        r = repeats._data
        if r.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        n = input._data.shape[d] if input._data.ndim else 1
        if r.size != n and not (r.size == 1 and n != 1):  # (one count, or a 0-dim one, is for every element)
            raise RuntimeError("repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{r.size} and input.size({d}) = {n}")
        r = _repeat_counts(xp.broadcast_to(r.reshape(-1), (n,)), output_size)
        idx = xp.repeat(xp.arange(n), r)
        return index_select(input, d, wrap(idx.astype(xp.int64)))
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    shape = input._data.shape
    if output_size is not None and output_size != (shape[d] if shape else 1) * repeats:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {(shape[d] if shape else 1) * repeats} "
                           f"but got {output_size}")
    if not shape:
        input, shape = input.reshape(1), (1,)
    wide = unsqueeze(input, d + 1).expand(*shape[:d + 1], repeats, *shape[d + 1:])
    return clone(wide, memory_format=_contiguous_format).view(*shape[:d], shape[d] * repeats, *shape[d + 1:])


def _repeat_counts(counts, output_size):
    """The 1-D ``counts`` of :func:`repeat_interleave` after PyTorch's kernel's checks: int or long only, the
    total as ``output_size`` where given, none negative."""
    if counts.dtype not in (xp.int32, xp.int64):
        raise NotImplementedError("\"repeat_interleave_cpu\" not implemented for "
                                  f"'{_dtype.TYPE_WORDS[counts.dtype.name]}'")
    if output_size is not None and output_size < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {output_size}: [{output_size}]")
    if output_size is not None and int(counts.sum()) != output_size:
        raise RuntimeError("allocated size does not match required size")
    if (counts < 0).any():
        raise RuntimeError("repeats can not be negative")
    return counts


def _check_same_dim_cat(tensors, dim, name="cat"):
    """``tensors`` as a list after PyTorch's checks: a non-empty tuple or list of tensors."""
    if not isinstance(tensors, (tuple, list)):
        raise _args.tensors_error(name, "tensors", tensors, 1)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise _args.element_error(i, 0, t)
    if len(tensors) == 0:  # (cat's check is in Python: a ValueError naming cat; the others', in C++)
        if name in ("cat", "concat", "concatenate"):
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return list(tensors)


@_args.checks_args
def cat(tensors, dim=0, *, out=None, axis=None):
    """Concatenate tensors along an existing dimension."""
    if axis is not None:  # (NumPy's name, taken inline: no layer on this hot path)
        dim, _ = _numpy_dim("cat", None if dim == 0 else dim, False, axis, None)
    return _cat(tensors, dim, out, "cat")


@_args.checks_args
def concat(tensors, dim=0, *, out=None, axis=None):
    """:func:`cat`."""
    if axis is not None:  # (NumPy's name, taken inline: no layer on this hot path)
        dim, _ = _numpy_dim("concat", None if dim == 0 else dim, False, axis, None)
    return _cat(tensors, dim, out, "concat")


@_args.checks_args
def concatenate(tensors, dim=0, *, out=None, axis=None):
    """:func:`cat`."""
    if axis is not None:  # (NumPy's name, taken inline: no layer on this hot path)
        dim, _ = _numpy_dim("concatenate", None if dim == 0 else dim, False, axis, None)
    return _cat(tensors, dim, out, "concatenate")


def _cat(tensors, dim, out, name):
    tensors = _check_same_dim_cat(tensors, dim, name)
    legacy = False  # (PyTorch skips empty 1-D tensors in the shape checks; they still promote and get a grad)
    for i, t in enumerate(tensors):
        if t._data.ndim == 1:
            legacy = legacy or not t._data.shape[0]
        elif not t._data.ndim:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    ref = next((t for t in tensors if t._data.ndim != 1 or t._data.shape[0]), tensors[0]) if legacy else tensors[0]
    d = ref._wrap_dim(dim)
    for i, t in enumerate(tensors):
        if t._data.ndim != ref._data.ndim:
            if legacy and t._data.ndim == 1 and not t._data.shape[0]:
                continue
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref._data.ndim} and "
                               f"{t._data.ndim}")
        for k, (a, b) in enumerate(zip(ref._data.shape, t._data.shape)):
            if k != d and a != b:
                if legacy and t._data.ndim == 1 and not t._data.shape[0]:
                    break
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size {a} but "
                                   f"got size {b} for tensor number {i} in the list.")
    dt = _dtype.result_type(*tensors).np
    if out is not None and not _can_cast_out(dt, out._data.dtype):
        raise TypeError("torch.cat(): input types can't be cast to the desired output type "
                        + _dtype.TYPE_WORDS[out._data.dtype.name])
    if legacy and ref._data.ndim != 1:  # (the skipped ones as empty slices of the result's shape)
        shape = list(ref._data.shape)
        shape[d] = 0
        tensors = [t.reshape(shape) if t._data.ndim == 1 else t for t in tensors]
    tensors = [_cast(t, dt) for t in tensors]
    return _out(S.Cat.apply(*tensors, dim=d), out, "cat")


@_args.checks_args
def stack(tensors, dim=0, *, out=None, axis=None):
    """Join tensors of equal shape along a new dimension."""
    if axis is not None:  # (NumPy's name, taken inline: no layer on this hot path)
        dim, _ = _numpy_dim("stack", None if dim == 0 else dim, False, axis, None)
    tensors = _check_same_dim_cat(tensors, dim, "stack")
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if t._data.shape != ref._data.shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"[{', '.join(map(str, ref._data.shape))}] at entry 0 and "
                               f"[{', '.join(map(str, t._data.shape))}] at entry {i}")
    d = ref._wrap_dim(dim, ref._data.ndim + 1)
    dt = _dtype.result_type(*tensors).np
    if out is not None and not _can_cast_out(dt, out._data.dtype):
        # (PyTorch's stack is a cat underneath: its words)
        raise TypeError("torch.cat(): input types can't be cast to the desired output type "
                        + _dtype.TYPE_WORDS[out._data.dtype.name])
    tensors = [_cast(t, dt) for t in tensors]
    return _out(S.Stack.apply(*tensors, dim=d), out, "stack")


@_args.checks_args
def hstack(tensors, *, out=None):
    """Concatenate horizontally: along dim 0 for 1-D tensors (0-d ones become shape (1,)), else along dim 1.

    Example::

        >>> ember.hstack([ember.tensor(1.), ember.tensor(2.)])
        tensor([1., 2.])
    """
    tensors = [t.reshape(1) if not t._data.ndim else t for t in _check_same_dim_cat(tensors, 0, "hstack")]
    return _cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1, out, "cat")


@_args.checks_args
def vstack(tensors, *, out=None):
    """Concatenate vertically along dim 0, each tensor seen as at least 2-D ((n,) -> (1, n), () -> (1, 1)).

    Example::

        >>> ember.vstack([ember.tensor([1., 2.]), ember.tensor([3., 4.])]).shape
        ember.Size([2, 2])
    """
    return _vstack(tensors, "vstack", out)


def _vstack(tensors, name, out=None):
    tensors = _check_same_dim_cat(tensors, 0, name)
    return _cat([t.reshape(1, -1) if t._data.ndim < 2 else t for t in tensors], 0, out, "cat")


@_args.checks_args
def dstack(tensors, *, out=None):
    """Concatenate depth-wise along dim 2, each tensor seen as at least 3-D ((n,) -> (1, n, 1), (a, b) -> (a, b, 1)).

    Example::

        >>> ember.dstack([ember.ones(2, 3), ember.ones(2, 3)]).shape
        ember.Size([2, 3, 2])
    """
    tensors = _check_same_dim_cat(tensors, 0, "dstack")
    return _cat([t.reshape(1, -1, 1) if t._data.ndim < 2 else t.unsqueeze(-1) if t._data.ndim == 2 else t
                 for t in tensors], 2, out, "cat")


@_args.checks_args
def column_stack(tensors, *, out=None):
    """Stack as columns along dim 1: 0-d and 1-D tensors become columns ((n,) -> (n, 1)).

    Example::

        >>> ember.column_stack([ember.tensor([1., 2.]), ember.tensor([3., 4.])]).shape
        ember.Size([2, 2])
    """
    tensors = _check_same_dim_cat(tensors, 0, "column_stack")
    return _cat([t.reshape(-1, 1) if t._data.ndim <= 1 else t for t in tensors], 1, out, "cat")


def split(tensor, split_size_or_sections=None, dim=0, *, split_size=None):
    """Split into chunks of ``split_size`` (int) or of the given sizes (list) along ``dim``."""
    if split_size is not None:  # Tensor.split's keyword
        split_size_or_sections = split_size
    if isinstance(split_size_or_sections, Tensor) and split_size_or_sections._data.size == 1:
        split_size_or_sections = _int(split_size_or_sections.item())  # (any one-element tensor: its int, as PyTorch)
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = tensor._wrap_dim(dim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, _int):
        size = split_size_or_sections
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        # an empty dimension still gives one (empty) piece
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size and n else [0]
    else:
        if not isinstance(split_size_or_sections, (list, tuple, Size)):  # (PyTorch takes no NumPy int or tensor)
            raise TypeError("split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of ints, not "
                            + _args.type_name(split_size_or_sections))
        sizes = _int_list("split_with_sizes", "split_sizes", 2, split_size_or_sections)
        if builtins.min(sizes, default=0) < 0:
            raise RuntimeError("split_with_sizes expects split_sizes have only non-negative entries, but got "
                               f"split_sizes={sizes}")
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sizes}")
    name = "SplitBackward0" if isinstance(split_size_or_sections, _int) else "SplitWithSizesBackward0"
    pieces = S.Split.apply(tensor, sizes=sizes, dim=d, grad_name=name)
    if 0 in sizes and n:
        _place_empty(pieces, tensor, d, [builtins.sum(sizes[:i]) for i in range(len(sizes))])
    return pieces


class _Interface:
    """An ``__array_interface__`` holder: NumPy's way to alias memory at a chosen address."""

    def __init__(self, interface, base):
        self.__array_interface__ = interface
        self.base = base  # (keeps the memory alive)


def _place_empty(pieces, input, d, starts):
    """Move the empty ``pieces`` (slices of ``input`` along ``d`` at ``starts``) to where PyTorch has them: NumPy's
    empty slices start where their base does, PyTorch's at the slice's start (their ``storage_offset``)."""
    a = input._data
    base = a.__array_interface__["data"][0]
    for piece, start in zip(pieces, starts):
        p = piece._data
        if p.size == 0 and start:
            interface = dict(p.__array_interface__)
            interface["data"] = (base + start * a.strides[d], not p.flags.writeable)
            interface["strides"] = p.strides
            piece._data = xp.asarray(_Interface(interface, p))


def chunk(input, chunks=_REQUIRED, dim=_UNSET, *, axis=_UNSET):
    """Split into ``chunks`` nearly equal pieces along ``dim`` (default 0)."""
    if chunks is _REQUIRED:
        raise _args.missing_error("chunk", ["chunks"])
    if dim is _UNSET:  # (NumPy's ``axis``, taken inline: no layer on this hot path)
        dim = 0 if axis is _UNSET else axis
    elif axis is not _UNSET:
        raise TypeError("chunk() got an unexpected keyword argument 'axis'")
    if type(chunks) is not _int:  # (a NumPy integer too)
        chunks = _args.need_int("chunk", "chunks", 1, chunks)
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = input._data.shape[input._wrap_dim(dim)]
    if n == 0:  # ``chunks`` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, -(-n // chunks), dim)


def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None,
                 tensor_indices_or_sections=None, axis=_UNSET):
    """Split into ``sections`` nearly equal pieces, or at ``indices``, along ``dim``."""
    if axis is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim = _args.dim_or_axis("tensor_split", dim, axis, 0)
    for given in (sections, indices, tensor_indices_or_sections):  # PyTorch's keywords for its three overloads
        if given is not None:
            indices_or_sections = given
    if indices_or_sections is None:
        raise _args.missing_combination("tensor_split", (), {"dim": dim if dim != 0 else _UNSET}, [
            "(tuple of ints indices, int dim = 0)", "(Tensor tensor_indices_or_sections, int dim = 0)",
            "(int sections, int dim = 0)"])
    if isinstance(indices_or_sections, Tensor):
        t = indices_or_sections._data
        if t.dtype != xp.int64:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               + _dtype.TYPE_WORDS.get(t.dtype.name, t.dtype.name))
        if t.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {t.ndim} dims")
        indices_or_sections = t.tolist()
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = input._wrap_dim(dim)
    n = input._data.shape[d]
    if isinstance(indices_or_sections, numbers.Integral) and not isinstance(indices_or_sections, _bool):
        k = operator.index(indices_or_sections)  # (a NumPy integer too)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
    else:
        bounds = [0] + [builtins.min(builtins.max(int(i) + n if i < 0 else int(i), 0), n)
                        for i in indices_or_sections] + [n]
        if builtins.any(b < a for a, b in zip(bounds[:-1], bounds[1:])):
            # Out-of-order indices: piece i is input[bounds[i]:bounds[i+1]] (empty when decreasing), so pieces
            # overlap; slice each one (PyTorch does the same).
            index = (slice(None),) * d
            pieces = tuple(S.Index.apply(input, index=index + (slice(a, builtins.max(a, b)),),
                                         grad_name="SliceBackward0", is_view=True)
                           for a, b in zip(bounds[:-1], bounds[1:]))
            _place_empty(pieces, input, d, bounds[:-1])
            return pieces
        sizes = [b - a for a, b in zip(bounds[:-1], bounds[1:])]
    # each piece is a slice of input (SliceBackward0), as in PyTorch
    index, start = (slice(None),) * d, 0
    pieces, starts = [], []
    for size in sizes:
        pieces.append(S.Index.apply(input, index=index + (slice(start, start + size),), grad_name="SliceBackward0",
                                    is_view=True))
        starts.append(start)
        start += size
    if 0 in sizes and n:
        _place_empty(pieces, input, d, starts)
    return tuple(pieces)


def unbind(input, dim=_UNSET, *, axis=_UNSET):
    """Remove a dimension (default 0), returning a tuple of the slices along it."""
    if dim is _UNSET:  # (NumPy's ``axis``, taken inline: no layer on this hot path)
        dim = 0 if axis is _UNSET else axis
    elif axis is not _UNSET:
        raise TypeError("unbind() got an unexpected keyword argument 'axis'")
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = input._wrap_dim(dim)
    return S.Split.apply(input, sizes=[1] * input._data.shape[d], dim=d, squeeze=True)


def _narrow_args(dim, start, length, axis):
    """``dim`` of a narrow call giving NumPy's ``axis``, or PyTorch's TypeError for a call that fits neither of
    its signatures (both spellings of ``dim``, or one missing)."""
    if axis is not _UNSET and dim is _REQUIRED:
        values, dim = (_UNSET, start, length), axis
    else:
        values = (dim, start, length)
    if start is _REQUIRED or length is _REQUIRED or dim is _REQUIRED or axis is not _UNSET and values[0] is not _UNSET:
        # (those given before the first missing one taken as given by position: the call does not tell)
        n = next((i for i, v in enumerate(values) if v is _REQUIRED or v is _UNSET), 3)
        kwargs = {} if axis is _UNSET else {"axis": axis}
        kwargs.update((k, v) for k, v in zip(("dim", "start", "length")[n:], values[n:]) if v is not _REQUIRED)
        raise _args.missing_combination("narrow", values[:n], kwargs, [
            "(int dim, Tensor start, int length)", "(int dim, int start, int length)"])
    return dim


def _narrow_types(dim, start, length):
    """PyTorch's TypeError when ``narrow``'s arguments fit neither of its signatures (as the method's)."""
    def no_int(v):
        return isinstance(v, _bool) or _not_index(v)
    if not (no_int(dim) or no_int(length) or (no_int(start) and not isinstance(start, Tensor))):
        return
    values = (dim, start, length)
    names = ["Tensor" if isinstance(v, Tensor) else _args.type_name(v) for v in values]

    def marks(start_ok):
        return ", ".join(f"!{n}!" if bad else n for n, bad in zip(names, (no_int(dim), not start_ok, no_int(length))))
    why = "      didn't match because some of the arguments have invalid types: "
    raise TypeError(f"narrow() received an invalid combination of arguments - got ({', '.join(names)}), but expected "
                    f"one of:\n * (int dim, Tensor start, int length)\n{why}({marks(isinstance(start, Tensor))})\n"
                    f" * (int dim, int start, int length)\n{why}({marks(not no_int(start))})\n")


def narrow(input, dim=_REQUIRED, start=_REQUIRED, length=_REQUIRED, *, axis=_UNSET):
    """The slice ``start:start + length`` of ``input`` along ``dim`` (a view)."""
    if axis is not _UNSET or dim is _REQUIRED or start is _REQUIRED or length is _REQUIRED:  # (inline: no layer)
        dim = _narrow_args(dim, start, length, axis)
    if type(dim) is not _int or type(start) is not _int or type(length) is not _int:
        _narrow_types(dim, start, length)
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = input._wrap_dim(dim)
    if isinstance(start, Tensor):
        if start._data.ndim or start._data.dtype.kind not in "iu":
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = start.item()
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    size = input._data.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    index = (slice(None),) * d + (slice(start, start + length),)
    return S.Index.apply(input, index=index, grad_name="SliceBackward0", is_view=True)


def select(input, dim=_REQUIRED, index=_REQUIRED, *, axis=_UNSET):
    """The slice of ``input`` at ``index`` along ``dim`` (that dimension removed; a view)."""
    if dim is _REQUIRED or index is _REQUIRED or axis is not _UNSET:  # (NumPy's ``axis``, taken inline)
        dim = _args.dim_or_axis("select", dim, axis, index=index)
    d = input._wrap_dim(dim)
    if not input._data.ndim:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    size = input._data.shape[d]
    if index < -size or index >= size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"[{', '.join(map(str, input._data.shape))}] at dimension {d}")
    return S.Index.apply(input, index=(slice(None),) * d + (index,), grad_name="SelectBackward0", is_view=True)


def flip(input, dims=_REQUIRED):
    """Reverse the order of elements along ``dims`` (a tuple or list of ints; the method also takes ``x.flip(0, 1)``).

    Args:
        input: the tensor.
        dims: the dimensions to reverse.

    Example:
        >>> ember.flip(ember.tensor([[1, 2], [3, 4]]), (1,))
        tensor([[2, 1],
                [4, 3]])
    """
    if dims is _REQUIRED:
        raise _args.missing_error("flip", ["dims"])
    if not isinstance(dims, (tuple, list, Size)):  # PyTorch's function takes no bare int (the method does)
        raise TypeError(f"flip(): argument 'dims' (position 2) must be tuple of ints, not {_args.type_name(dims)}")
    bad = next((i for i, d in enumerate(dims) if _bad_size(i, d)), None)
    if bad is not None:
        raise TypeError(f"flip(): argument 'dims' (position 2) must be tuple of ints, but found element of type "
                        f"{_args.type_name(dims[bad])} at pos {bad}")
    return _flip(input, dims)


def _flip(input, *sizes, dims=None):
    """``Tensor.flip``: ``x.flip((0, 1))``, ``x.flip(0, 1)`` or ``x.flip(dims=(0,))``."""
    if not sizes and dims is None:
        raise _args.missing_error("flip", ["dims"])
    dims = _shape_arg(sizes if dims is None else (dims,), ("flip", "dims"))
    # wrapped, with repeats refused; () for a 0-d tensor, which has no axis to reverse
    return S.Flip.apply(input, dims=_dims(input, dims) if dims else ())


def fliplr(input):
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def roll(input, shifts, dims=None):
    """Roll elements along ``dims`` (the flattened tensor when None)."""
    shifts = _int_list("roll", "shifts", 1, shifts, True)
    dims = [] if dims is None else _int_list("roll", "dims", 2, dims, True)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) == 1:  # the flattened tensor (NumPy's roll with no axis): one RollBackward0 node
        return S.Roll.apply(input, shifts=shifts[0], dims=None)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if input._data.ndim == 0 and dims:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    return S.Roll.apply(input, shifts=tuple(shifts), dims=tuple(input._wrap_dim(d) for d in dims))


def _int_list(fn, arg, position, value, unpack=False):
    """An int or a sequence of ints (NumPy integers too) as a list, with PyTorch's TypeErrors for anything else
    (``unpack``: the words of PyTorch's fixed-size int lists for a wrong element)."""
    if isinstance(value, (list, tuple, Size)):
        out = []
        for i, v in enumerate(value):
            if isinstance(v, Tensor) and v._data.size == 1 and v._data.dtype.kind in "iu":
                v = v.item()  # (a one-element integer tensor counts as its int, as in PyTorch)
            if isinstance(v, _bool) or not isinstance(v, numbers.Integral):
                name = _args.type_name(v)
                raise TypeError(f"{fn}(): argument '{arg}' failed to unpack the object at pos {i + 1} with error "
                                f"\"type must be tuple of ints,but got {name}\"" if unpack else
                                f"{fn}(): argument '{arg}' (position {position}) must be tuple of ints, but found "
                                f"element of type {name} at pos {i}")
            out.append(operator.index(v))
        return out
    if isinstance(value, Tensor) and value._data.size == 1 and value._data.dtype.kind in "iub":
        return [value.item().__index__()]
    if isinstance(value, _bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be tuple of ints, not "
                        f"{_args.type_name(value)}")
    return [operator.index(value)]


def _index_tensor(index, name):
    if not isinstance(index, Tensor):  # (the method's position: the functions' wrappers give theirs)
        raise _args.tensor_error(name, "index", index, 2)
    return index


_INDEX_DTYPES = (xp.dtype(xp.int64), xp.dtype(xp.int32))


def _index_dtype(index, name, sep="/"):
    """PyTorch's refusal of an index tensor that is not int32 or int64 (uint8 and bool included), checked after
    the dim (PyTorch's order)."""
    if index._data.dtype not in _INDEX_DTYPES:
        raise RuntimeError(f"{name}(): Expected dtype int32{' or ' if sep == ' or ' else '/'}int64 for index")


def gather(input, dim=_REQUIRED, index=_REQUIRED, *, sparse_grad=False, axis=_UNSET):
    """Values of ``input`` at ``index`` along ``dim`` (``out[i][j] = input[i][index[i][j]]`` for dim 1)."""
    if dim is _REQUIRED or index is _REQUIRED or axis is not _UNSET:  # (NumPy's ``axis``, taken inline)
        dim = _args.dim_or_axis("gather", dim, axis, index=index)
    index = _index_tensor(index, "gather")
    d = input._wrap_dim(dim)
    _index_dtype(index, "gather")
    if input._data.ndim == 0 and index._data.ndim <= 1:  # a 0-d tensor is indexed as a 1-element one
        return gather(input.reshape(1), 0, index.reshape(-1)).reshape(index.shape)
    if index._data.ndim != input._data.ndim and not (index._data.ndim == 0 and input._data.ndim == 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k, (si, sx) in enumerate(zip(index._data.shape, input._data.shape)):
        if k != d and si > sx:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"[{', '.join(map(str, index._data.shape))}] to be no larger than self "
                               f"[{', '.join(map(str, input._data.shape))}] apart from dimension {d}")
    from ember._functions_indexing import _check_range
    _check_range(index._data, input._data.shape[d], d)  # negative indices are out of range too, as in PyTorch
    return S.Gather.apply(input, index, dim=d)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """Write ``src`` (a tensor or number) into a copy of ``input`` at ``index`` along ``dim``.

    Args:
        input: the tensor to copy and write into.
        dim: the dimension ``index`` addresses.
        index: int64 tensor of ``input``'s rank (``out[i][index[i][j]] = src[i][j]`` for dim 1).
        src: a tensor (at least ``index``'s shape) or a number to write.
        reduce: None (overwrite), ``"add"`` or ``"multiply"`` (combine with the values there, repeated indices
            included); such a result has no derivative, as in PyTorch (use ``scatter_reduce``).

    Example::

        >>> ember.zeros(1, 3).scatter(1, ember.tensor([[0, 0, 1]]), 2.0, reduce="add")
        tensor([[4., 2., 0.]])
    """
    return _scatter(input, dim, index, src, value, reduce, "scatter")


def _scatter_inplace(input, dim, index, src=None, *, value=None, reduce=None):
    """:func:`scatter` for ``Tensor.scatter_`` (whose result with ``reduce`` names ``aten::scatter_``)."""
    return _scatter(input, dim, index, src, value, reduce, "scatter_")


def _scatter(input, dim, index, src, value, reduce, kernel):
    index = _index_tensor(index, "scatter")
    d = input._wrap_dim(dim)
    if src is None:
        if value is None:
            raise _args.method_combination_error("scatter", (dim, index, src), [])
        src = value
    _index_dtype(index, "scatter")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if isinstance(src, Tensor) and src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    _check_scatter_rank(input, index)
    if isinstance(src, Tensor) and src._data.ndim != index._data.ndim and input._data.ndim > 1:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if isinstance(src, Tensor) and src._data.ndim == index._data.ndim == input._data.ndim and builtins.any(
            i > s or (k != d and i > x)
            for k, (i, s, x) in enumerate(zip(index._data.shape, src._data.shape, input._data.shape))):
        shapes = [list(t._data.shape) for t in (index, input, src)]
        raise RuntimeError(f"Expected index {shapes[0]} to be no larger than self {shapes[1]} apart from dimension "
                           f"{d} and to be no larger size than src {shapes[2]}")
    if input._data.ndim == 0 and index._data.ndim <= 1:  # a 0-d tensor is written as a 1-element one
        src = src.reshape(-1) if isinstance(src, Tensor) else src
        return _scatter(input.reshape(1), 0, index.reshape(-1), src, None, reduce, kernel).reshape(())
    if index._data.ndim == 0 and input._data.ndim == 1:
        index = index.reshape(1)  # PyTorch takes a 0-d index as a 1-element one (the one-hot idiom)
    if isinstance(src, Tensor) and src._data.ndim == 0 and input._data.ndim == 1:
        src = src.reshape(1)
    from ember._functions_indexing import _check_range
    _check_range(index._data, input._data.shape[d], d)  # negative indices are out of range too, as in PyTorch
    if reduce is not None:
        return _scatter_reduced(input, d, index, src, reduce, kernel)
    if isinstance(src, Tensor):
        return S.Scatter.apply(input, index, _cast(src, input._data.dtype), dim=d, reduce=None)
    return S.ScatterValue.apply(input, index, dim=d, value=src)


def _check_scatter_rank(input, index):
    """PyTorch's refusal of an index of another rank than ``input`` (0-d and 1-element 1-D count as one)."""
    ni, nx = index._data.ndim, input._data.ndim
    if ni != nx and not (ni <= 1 and nx <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")


_scatter_warned = [False]  # PyTorch warns once per process about reduce= with a tensor source


def _scatter_reduced(input, d, index, src, reduce, kernel):
    """``scatter`` with ``reduce`` "add" or "multiply": every written value is combined with the one there (repeated
    indices too, unbuffered). PyTorch has no derivative for it: the result is linked to its inputs by a node that
    raises "derivative for aten::<kernel> is not implemented" when differentiated."""
    dt = input._data.dtype
    grid = S._grid(index._data, d)
    if isinstance(src, Tensor):
        if not _scatter_warned[0]:
            _scatter_warned[0] = True
            _args.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in "
                       "a future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                       UserWarning)
        values = src._data[tuple(slice(0, s) for s in index._data.shape)].astype(dt, copy=False)
    else:
        values = xp.asarray(src).astype(dt)  # the number in input's dtype (2.5 into int64 writes 2)
    out = input._data.copy()
    (xp.add if reduce == "add" else xp.multiply).at(out, grid, values)
    inputs = (input, src) if isinstance(src, Tensor) else (input,)
    if _grad_state.enabled and builtins.any(t._requires_grad for t in inputs):
        return E.Constant.apply(*inputs, result=out, error=kernel, grad_name="NotImplemented")
    return wrap(out)


def scatter_add(input, dim, index, src):
    index = _index_tensor(index, "scatter_add")
    input._wrap_dim(dim)
    _index_dtype(index, "scatter")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    _check_scatter_rank(input, index)
    if input._data.ndim == 0 and index._data.ndim <= 1:
        return scatter_add(input.reshape(1), 0, index.reshape(-1), src.reshape(-1)).reshape(())
    if index._data.ndim == 0 and input._data.ndim == 1:
        index = index.reshape(1)
    from ember._functions_indexing import _check_range
    d = input._wrap_dim(dim)
    _check_range(index._data, input._data.shape[d], d)  # negative indices are out of range too, as in PyTorch
    return S.Scatter.apply(input, index, _cast(src, input._data.dtype), dim=d, reduce="add")


def index_select(input, dim=_REQUIRED, index=_REQUIRED, *, axis=_UNSET):
    """Entries of ``input`` along ``dim`` at the positions in the 1-D ``index``."""
    if dim is _REQUIRED or index is _REQUIRED or axis is not _UNSET:  # (NumPy's ``axis``, taken inline)
        dim = _args.dim_or_axis("index_select", dim, axis, index=index)
    index = _index_tensor(index, "index_select")
    d = input._wrap_dim(dim)
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    _index_dtype(index, "index_select", " or ")
    n = input._data.shape[d] if input._data.ndim else 1
    idx = index._data.reshape(-1)
    if input._data.ndim == 0:  # the result is 0-d: exactly one index, 0
        if idx.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
        if idx[0] != 0:
            raise IndexError("index out of range in self")
        return S.IndexSelect.apply(input.reshape(1), wrap(idx), dim=0).reshape(())
    bad = (idx < 0) | (idx >= n)  # negative indices are out of range too, as in PyTorch
    if bad.any():
        if d == 1 and input._data.ndim > 1:  # PyTorch's CPU kernel for dim 1 words it differently
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={idx[bad][0]} axis_dim={n}")
        raise IndexError("index out of range in self")
    if isinstance(index, Tensor) and input._requires_grad:  # (PyTorch saves the index for backward)
        from ember.autograd.grad_mode import check_inference_index
        check_inference_index(index, input)
    return S.IndexSelect.apply(input, wrap(idx), dim=d)


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    if indices._data.ndim != input._data.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input._data.ndim} dimensions for input, and {indices._data.ndim} dimensions for "
                           "indices")
    if indices._data.dtype != xp.int64:  # (int32 too: unlike gather, PyTorch's take_along_dim takes only int64)
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_dtype.TYPE_WORDS.get(indices._data.dtype.name, indices._data.dtype.name)}")
    d = input._wrap_dim(dim)
    # broadcast all dimensions but ``dim``
    xs, ixs = list(input._data.shape), list(indices._data.shape)
    if not _is_meta_data(indices._data):
        # PyTorch wraps the indices modulo the size of ``dim`` here (so -1 is the last, n the first); gather checks
        if xs[d] == 0:
            if indices._data.size:
                raise RuntimeError("ZeroDivisionError")  # (PyTorch's own text for an empty ``dim``)
        else:
            indices = wrap(xp.remainder(indices._data, xs[d]))
    for k, (a, b) in enumerate(zip(xs, ixs)):
        if k != d and a != b and a != 1 and b != 1:
            raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton "
                               f"dimension {k}")
    shape = [builtins.max(a, b) if k != d else None for k, (a, b) in enumerate(zip(xs, ixs))]
    x_shape = [xs[k] if s is None else s for k, s in enumerate(shape)]
    i_shape = [ixs[k] if s is None else s for k, s in enumerate(shape)]
    if tuple(x_shape) != tuple(xs):
        input = expand(input, *x_shape)
    if tuple(i_shape) != tuple(ixs):
        indices = expand(indices, *i_shape)
    return gather(input, d, indices)


def masked_select(input, mask):
    if mask._data.dtype != xp.bool_:  # (a uint8 mask too: NumPy would read it as indices)
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    if mask._data.shape != input._data.shape:
        _check_broadcast_shapes(mask._data.shape, input._data.shape)  # (PyTorch's mask is its tensor a)
    m = xp.broadcast_to(mask._data, xp.broadcast_shapes(mask._data.shape, input._data.shape))
    x = input if input._data.shape == m.shape else expand(input, *m.shape)
    return S.Index.apply(x, index=m, advanced=True, grad_name="MaskedSelectBackward0")


def tril(input, diagonal=0):
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return S.Tril.apply(input, diagonal=diagonal)


def triu(input, diagonal=0):
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return S.Triu.apply(input, diagonal=diagonal)


def diagonal(input, offset=0, dim1=0, dim2=1):
    d1, d2 = input._wrap_dim(dim1), input._wrap_dim(dim2)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return S.Diagonal.apply(input, offset=offset, dim1=d1, dim2=d2)


def diag(input, diagonal=0):
    if input._data.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input._data.ndim}D")
    if input._data.ndim == 1:
        return S.DiagEmbed.apply(input, offset=diagonal, dim1=0, dim2=1)
    # PyTorch computes this with diagonal_copy: a copy, and its node is named so
    return S.Diagonal.apply(input, offset=diagonal, dim1=0, dim2=1, grad_name="DiagonalBackward0_copy")


def trace(input):
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    if input._data.dtype == xp.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return R.Trace.apply(input)


@_args.checks_args
def clone(input, *, memory_format=None):
    """A copy that stays in the graph (gradients flow back to ``input``).

    The copy keeps ``input``'s layout (its strides, when they are dense) unless ``memory_format`` asks for
    another, e.g. ``ember.contiguous_format`` or ``ember.channels_last``.
    """
    if not isinstance(input, Tensor):
        _args.reject("ember", "clone", clone, (input,))
    fmt = _format_name("clone", memory_format, "preserve")
    if fmt == "preserve":
        return E.Clone.apply(input)
    E.check_format_rank(input._data.ndim, fmt)
    return E.Clone.apply(input, memory_format=fmt)


def contiguous(input, *, memory_format=None):
    """This tensor when its memory is dense in ``memory_format``'s order (row-major by default), else a copy
    laid out so.

    Example::

        >>> x = ember.zeros(2, 3, 4, 4).contiguous(memory_format=ember.channels_last)
        >>> x.stride(), x.contiguous().stride()
        ((48, 1, 12, 3), (48, 16, 4, 1))
    """
    fmt = _format_name("contiguous", memory_format, "contiguous")
    a = input._data
    if fmt in ("contiguous", "preserve"):
        if a.flags.c_contiguous:
            return input
        if fmt == "preserve":
            raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    elif E.is_contiguous_as(a.shape, tuple(s // a.itemsize for s in a.strides), fmt):
        return input
    else:
        E.check_format_rank(a.ndim, fmt)
    return E.Clone.apply(input, memory_format=fmt)


def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        _args.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                   "argument.", UserWarning)
        indexing = "ij"
    elif not isinstance(indexing, str):
        raise TypeError(f"meshgrid(): argument 'indexing' must be str, not {_args.type_name(indexing)}")
    _args.need_tensors(None, tensors)
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if len({t._data.dtype for t in tensors}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t._data.ndim > 1:
            from ember._printing import cpp_tensor_str
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                               + cpp_tensor_str(t._data))
    shape = [t.numel() for t in tensors]
    out = []
    for i, t in enumerate(tensors):
        view_shape = [1] * len(tensors)
        view_shape[i] = -1
        out.append(t.reshape(view_shape).expand(*shape))
    if indexing == "xy" and len(out) >= 2:
        out = [o.transpose(0, 1) for o in out]
    return tuple(out)


def numel(input):
    return input._data.size


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input._data.dtype.kind in "fV"


def detach(input):
    return input.detach()


def result_type(tensor1, tensor2):
    return _dtype.result_type(tensor1, tensor2)


def can_cast(from_, to):
    """Whether ``from_`` can be cast to ``to`` without lowering its category (bool < integer < float)."""
    return from_.category <= to.category


def promote_types(type1, type2):
    return _dtype.promote_types(type1, type2)


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The ``p``-norm distances between the rows of ``x1`` ``(*, P, M)`` and of ``x2`` ``(*, R, M)`` (batch dims
    broadcast): ``(*, P, R)``.

    For ``p = 2`` with more than 25 rows on either side (``compute_mode`` default; ``"use_mm_for_euclid_dist"``:
    always) the distances come from matrix products, as in PyTorch (faster, less exact for near points).

    Example::

        >>> ember.cdist(ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0], [1.0, 0.0]]))
        tensor([[5., 1.]])
    """
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        x1, x2 = _ops.autocast_fp32_args(x1, x2)
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t._data.ndim}D")
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.dtype.kind not in "fV":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_dtype.TYPE_WORDS[t._data.dtype.name]}")
    m1, m2 = x1._data.shape[-1], x2._data.shape[-1]
    if m1 != m2:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {m1} X2: {m2}")
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError(f"expected scalar type {_dtype.TYPE_WORDS[x1._data.dtype.name]} but found "
                           f"{_dtype.TYPE_WORDS[x2._data.dtype.name]}")
    p = _float(p)
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    b1, b2 = (wrap(xp.empty(t._data.shape[:-2], dtype=bool)) for t in (x1, x2))
    _check_broadcast(b1, b2)  # PyTorch's message when the batch dimensions do not broadcast
    batch = xp.broadcast_shapes(b1._data.shape, b2._data.shape)
    r1, r2 = x1._data.shape[-2], x2._data.shape[-2]
    mode = _CDIST_MODES.index(compute_mode)
    if p == 2 and (mode == 1 or (mode == 0 and (r1 > 25 or r2 > 25))):
        return S.View.apply(L.EuclideanDist.apply(x1, x2), shape=batch + (r1, r2), copy_ok=True)
    if x1._data.dtype.itemsize == 2:  # float16, bfloat16: PyTorch's kernel has neither (its mm path does)
        raise NotImplementedError(f"\"cdist\" not implemented for '{_dtype.TYPE_WORDS[x1._data.dtype.name]}'")
    return L.Cdist.apply(x1, x2, p=p)


def check_cosine_dtypes(x1, x2):
    """PyTorch's error for cosine similarity of operands whose common dtype is not a real floating type."""
    dt = _dtype.result_type(x1, x2)
    if not dt.is_floating_point:  # complex, or integers alone
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{_dtype.TYPE_WORDS[dt.name]}")
    return dt


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    check_cosine_dtypes(x1, x2)
    dot_ = (x1 * x2).sum(dim)
    n1 = (x1 * x1).sum(dim)
    n2 = (x2 * x2).sum(dim)
    return dot_ / clamp(n1 * n2, min=eps * eps).sqrt()


# ============================================================================================ composites
# Differentiable through the ops they are built from.


def _ternary(name, input, tensor1, tensor2):
    """The three operands of addcmul/addcdiv promoted to their common dtype, broadcasting checked."""
    ops = (input, tensor1, tensor2)
    dt = _dtype.result_type(*ops)
    if dt.np == xp.bool_:
        raise NotImplementedError(f"\"{name}_cpu_out\" not implemented for 'Bool'")
    for i, j in ((0, 1), (0, 2), (1, 2)):
        _check_broadcast(ops[i], ops[j])
    return [_cast(t, dt.np) for t in ops]


@_args.visible_signature
def addcmul(input, tensor1, tensor2, *args, value=1):
    """``input + value * tensor1 * tensor2`` (one AddcmulBackward0 node; the operands broadcast). PyTorch's
    deprecated ``addcmul(input, value, tensor1, tensor2)`` is taken too, with its warning.

    Args:
        input, tensor1, tensor2: tensors of broadcastable shapes. value: the multiplier (a number).

    Example::

        >>> ember.addcmul(ember.ones(2), ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0]), value=0.5)
        tensor([2.5000, 5.0000])
    """
    if args:
        return _args.deprecated_call(addcmul, "addcmul", (input, tensor1, tensor2) + args, {},
                                     ("value",) * (value != 1))
    a, b, c = _ternary("addcmul", input, tensor1, tensor2)
    return E.Addcmul.apply(a, b, c, value=_number(value))


@_args.visible_signature
def addcdiv(input, tensor1, tensor2, *args, value=1):
    """``input + value * tensor1 / tensor2`` (one AddcdivBackward0 node; the operands broadcast). PyTorch's
    deprecated ``addcdiv(input, value, tensor1, tensor2)`` is taken too, with its warning.

    Integer ``tensor1`` and ``tensor2`` are refused, as in PyTorch.

    Example::

        >>> ember.addcdiv(ember.ones(2), ember.tensor([1.0, 2.0]), ember.tensor([4.0, 4.0]), value=2)
        tensor([1.5000, 2.0000])
    """
    if args:
        return _args.deprecated_call(addcdiv, "addcdiv", (input, tensor1, tensor2) + args, {},
                                     ("value",) * (value != 1))
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a "
            "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + "
            "value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * "
            "tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    a, b, c = _ternary("addcdiv", input, tensor1, tensor2)
    return E.Addcdiv.apply(a, b, c, value=_number(value))


def _number(value):
    """A Python number from a number or a one-element tensor (``value=`` arguments)."""
    return value.item() if isinstance(value, Tensor) else value


@_args.visible_signature
def baddbmm(input, batch1, batch2, *args, beta=1, alpha=1, out=None):
    """``beta * input + alpha * bmm(batch1, batch2)`` (one BaddbmmBackward0 node).

    Args:
        input: broadcastable to ``(b, n, p)``; ignored (NaN included) when ``beta == 0``.
        batch1, batch2: ``(b, n, m)`` and ``(b, m, p)``, of input's dtype. beta, alpha: the scales (numbers).

    Example::

        >>> ember.baddbmm(ember.zeros(2, 1, 1), ember.ones(2, 1, 3), ember.ones(2, 3, 1), alpha=2).flatten()
        tensor([6., 6.])

    PyTorch's deprecated ``baddbmm(beta, input, [alpha,] batch1, batch2)`` is taken too, with its warning.
    """
    if args:
        return _args.deprecated_call(baddbmm, "baddbmm", (input, batch1, batch2) + args, {"out": out},
                                     tuple(k for k, v in (("beta", beta), ("alpha", alpha)) if v != 1))
    for pos, (arg, t) in enumerate((("input", input), ("batch1", batch1), ("batch2", batch2)), 1):
        _need_tensor("baddbmm", t, arg, pos)
    if _ops._hooks:  # CPU autocast: casts (PyTorch's lower-precision list)
        input, batch1, batch2 = _ops.autocast_args(input, batch1, batch2)
    expand(wrap(input._data), batch1.size(0), batch1.size(1), batch2.size(2))  # PyTorch checks this first
    _check_bmm(batch1, batch2)
    dts = [t._data.dtype for t in (input, batch1, batch2)]
    if len(set(dts)) > 1:
        if dts[0] == dts[1]:  # (PyTorch's bmm kernel finds batch2's)
            raise RuntimeError(f"expected scalar type {_dtype.TYPE_WORDS[dts[1].name]} but found "
                               f"{_dtype.TYPE_WORDS[dts[2].name]}")
        words = [_dtype.SCALAR_NAMES[d.name] for d in dts]
        raise RuntimeError(f"Input dtypes must be the same, got: input {words[0]}, batch1: {words[1]}, batch2: "
                           f"{words[2]}")
    if dts[0] == xp.bool_:
        raise NotImplementedError("\"baddbmm\" not implemented for 'Bool'")
    if dts[0].kind in "iu":  # PyTorch's integer kernels truncate the scales
        beta, alpha = _int(beta), _int(alpha)
    return _out(L.Baddbmm.apply(input, batch1, batch2, beta=beta, alpha=alpha), out)


def deg2rad(input):
    _no_complex(input, RuntimeError, "deg2rad is not supported for complex tensors.")
    if input._data.dtype.kind not in "fV":  # integers and bools: the default float dtype (no gradient)
        return mul(input, math.pi / 180.0)
    return E.Deg2Rad.apply(input)


def rad2deg(input):
    _no_complex(input, RuntimeError, "rad2deg is not supported for complex tensors.")
    if input._data.dtype.kind not in "fV":  # integers and bools: the default float dtype (no gradient)
        return mul(input, 180.0 / math.pi)
    return E.Rad2Deg.apply(input)


def frac(input):
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_dtype.TYPE_WORDS[input._data.dtype.name]}'")
    return E.Frac.apply(input)


def hypot(input, other, *, out=None):
    """Elementwise ``sqrt(input**2 + other**2)`` without overflow or underflow of the squares.

    An infinite operand gives ``inf`` even when the other is NaN (IEEE hypot). Both arguments must be tensors;
    they broadcast and promote as in arithmetic, and the result must be floating point.

    Args:
        input (Tensor): the first leg.
        other (Tensor): the second leg.

    Example::

        >>> ember.hypot(ember.tensor([3.0, float("inf")]), ember.tensor([4.0, float("nan")]))
        tensor([5., inf])
    """
    if not isinstance(other, Tensor):
        raise TypeError(f"hypot(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    if not isinstance(input, Tensor):
        raise TypeError(f"hypot(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    a, b = _operands(input, other)
    if a._data.dtype.kind not in "fV":  # PyTorch promotes first, so only an integer/bool *result* is refused
        raise NotImplementedError(f"\"hypot_cpu\" not implemented for '{_dtype.TYPE_WORDS[a._data.dtype.name]}'")
    return _out(_binary(E.Hypot, a, b), out)


def _float_operands(name, input, other):
    """The promoted operands of a function PyTorch computes for floating dtypes only."""
    a, b = _operands(input, other)
    if a._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dtype.TYPE_WORDS[a._data.dtype.name]}'")
    return a, b


def _complex_logaddexp(a, b):
    # PyTorch's complex rule: with ``hi`` the operand of larger real part, log1p(exp(lo - hi)) + hi; a NaN part
    # anywhere gives NaN+NaNj; equal infinite real parts give ``lo`` (-inf) or log(exp(lo) + exp(hi)) (+inf).
    ar, br = xp.broadcast_arrays(a._data.real, b._data.real)
    swap = wrap(ar < br)
    hi, lo = where(swap, b, a), where(swap, a, b)
    with xp.errstate(all="ignore"):
        out = add(log1p(exp(sub(lo, hi))), hi)
        lr = lo._data.real
        inf = ~xp.isfinite(lr) & (lr == hi._data.real)
        if inf.any():
            out = where(wrap(inf & (lr < 0)), lo, where(wrap(inf), log(add(exp(lo), exp(hi))), out))
        nan = xp.isnan(a._data) | xp.isnan(b._data)  # NumPy: NaN in either part
        if nan.any():
            out = where(wrap(xp.broadcast_to(nan, out.shape)), builtins.complex(xp.nan, xp.nan), out)
    return out


def logaddexp(input, other):
    """``log(exp(input) + exp(other))`` computed without overflow (complex too, as PyTorch).

    Example::

        >>> ember.logaddexp(ember.tensor([0.0, 100.0]), ember.tensor([0.0, 100.0]))
        tensor([  0.6931, 100.6931])
    """
    input, other = _operands(input, other)
    if input._data.dtype.kind not in "fV":
        if input._data.dtype.kind == "c":
            return _complex_logaddexp(input, other)
        _float_operands("logaddexp", input, other)  # raises PyTorch's error
    return _binary(E.Logaddexp, input, other)


def logit(input, eps=None):
    """``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given (a negative ``eps`` is
    ignored, as in PyTorch). Integers are computed in the default float dtype.

    Example::

        >>> ember.logit(ember.tensor([0.5, 0.75]))
        tensor([0.0000, 1.0986])
    """
    if input._data.dtype.kind not in "fV":
        _no_complex(input, NotImplementedError, "\"logit_cpu\" not implemented for '{}'")
    x = input if input._data.dtype.kind in "fV" else _cast(input, _dtype.get_default_dtype().np)
    return E.Logit.apply(x, eps=None if eps is None or eps < 0 else float(eps))


def xlogy(input, other):
    """``input * log(other)``, 0 where ``input`` is 0 (NaN wherever ``other`` is NaN). Either may be a number.

    Example::

        >>> ember.xlogy(ember.tensor([0.0, 2.0]), ember.tensor([0.0, 3.0]))
        tensor([0.0000, 2.1972])
    """
    dt = _dtype.result_type(input, other).np
    if dt.kind not in "fV":
        if dt.kind == "c":
            _not_implemented("xlogy", dt)
        dt = _dtype.get_default_dtype().np
    if not isinstance(input, Tensor):
        return E.Xlogy.apply(_cast(other, dt), self_value=input)
    if not isinstance(other, Tensor):
        return E.Xlogy.apply(_cast(input, dt), other_value=other)
    _check_broadcast(input, other)
    return E.Xlogy.apply(_cast(input, dt), _cast(other, dt))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """Replace NaN, +inf and -inf with finite numbers (by default the dtype's extremes)."""
    if input._data.dtype.kind not in "fV":
        if input._data.dtype.kind == "c":  # each part on its own, with the limits of the parts (as PyTorch)
            if input._requires_grad and _grad_state.enabled:
                raise RuntimeError("nan_to_num does not support automatic differentiation for outputs with complex "
                                   "dtype.")
            return wrap(xp.nan_to_num(input._data, nan=0.0 if nan is None else nan, posinf=posinf, neginf=neginf))
        return input.clone()
    info = _dtype.finfo(_dtype.from_np(input._data.dtype))  # (NumPy's finfo knows no bfloat16)
    return E.NanToNum.apply(input, nan=_float(0.0 if nan is None else nan),
                            posinf=_float(info.max if posinf is None else posinf),
                            neginf=_float(info.min if neginf is None else neginf))


def diff(input, n=1, dim=-1, prepend=None, append=None, *, axis=_UNSET):
    """``n``-th forward difference along ``dim``."""
    if axis is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim = _args.dim_or_axis("diff", dim, axis, -1)
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = input._wrap_dim(dim)
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    if prepend is not None or append is not None:
        if builtins.any(isinstance(t, Tensor) and t._data.ndim != input._data.ndim for t in (prepend, append)):
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        for t in (prepend, append):
            bad = None if not isinstance(t, Tensor) else next(
                (i for i, (a, b) in enumerate(zip(input._data.shape, t._data.shape)) if i != d and a != b), None)
            if bad is not None:
                raise RuntimeError(
                    "diff expects the shape of tensor to prepend or append to match that of input except along the "
                    f"differencing dimension; input.size({bad}) = {input._data.shape[bad]}, but got tensor.size("
                    f"{bad}) = {t._data.shape[bad]}")
        parts = ([prepend] if prepend is not None else []) + [input] + ([append] if append is not None else [])
        input = cat(parts, d)
    for _ in range(n):
        size = input._data.shape[d]
        if size == 0:  # (differences of nothing: still nothing, as PyTorch for n past the size)
            break
        if input._data.dtype == xp.bool_:
            input = logical_xor(narrow(input, d, 1, size - 1), narrow(input, d, 0, size - 1))
        else:
            input = sub(narrow(input, d, 1, size - 1), narrow(input, d, 0, size - 1))
    return input


def cross(input, other, dim=None):
    """Cross product of 3-vectors along ``dim`` (the first dimension of size 3 when None)."""
    if dim is None:
        _args.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                   "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                   "with that of linalg.cross in a future release.", UserWarning)
        dim = next((i for i, s in enumerate(xp.broadcast_shapes(input._data.shape, other._data.shape)) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    from ember import linalg  # (ember.linalg builds on this module)
    try:
        return linalg.cross(input, other, dim=dim)
    except TypeError:
        if input._data.dtype == xp.bool_:  # (NumPy's boolean subtract: PyTorch has no bool kernel)
            raise NotImplementedError("\"cross\" not implemented for 'Bool'") from None
        raise


def signbit(input):
    _no_complex(input, NotImplementedError, "signbit is not implemented for complex tensors.")
    if _ops._hooks:  # (no float8 kernel)
        _ops.refuse_restricted("signbit_cpu", input, uint=False)
        if input.is_meta:
            return _on_meta(signbit, input)
    return wrap(xp.signbit(input._data))


def copysign(input, other):
    """``|input|`` with the sign of ``other`` (a tensor or a number; -0.0 counts as negative). Integers give floats.

    Example::

        >>> ember.copysign(ember.tensor([1.0, -2.0]), ember.tensor([-0.0, 3.0]))
        tensor([-1.,  2.])
    """
    dt = _dtype.result_type(input, other).np
    if dt.kind not in "fV":
        if dt.kind == "c":
            _not_implemented("copysign", dt)
        dt = _dtype.get_default_dtype().np
    if not isinstance(other, Tensor):
        return E.Copysign.apply(_cast(input, dt), value=float(other))
    _check_broadcast(input, other)
    return E.Copysign.apply(_cast(input, dt), _cast(other, dt))


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first towards the second)."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input._data.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input._data.ndim}")
    d0, d1 = input._wrap_dim(dims[0]), input._wrap_dim(dims[1])
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    return S.Rot90.apply(input, k=k % 4, dims=(d0, d1))


def logcumsumexp(input, dim=_REQUIRED, *, axis=_UNSET):
    """``log(cumsum(exp(input), dim))``, computed without overflow or underflow.

    Example::

        >>> ember.logcumsumexp(ember.tensor([0.0, 0.0, 0.0]), 0)
        tensor([0.0000, 0.6931, 1.0986])
    """
    if dim is _REQUIRED or axis is not _UNSET:  # (NumPy's ``axis``, taken inline: no layer)
        dim = _args.dim_or_axis("logcumsumexp", dim, axis)
    d = input._wrap_dim(dim)
    if input._data.dtype.kind == "c":
        return _complex_logcumsumexp(input, d)
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{_dtype.TYPE_WORDS[input._data.dtype.name]}'")
    return R.Logcumsumexp.apply(input, dim=d)


def _complex_logcumsumexp(input, d):
    # log(cumsum(exp(z - m))) + m, with m the slice's largest finite real part (a constant: no gradient); composed
    # of holomorphic ops, so autograd gives PyTorch's conjugate gradients.
    if not input._data.ndim:
        return input.clone()
    re = input._data.real
    if not re.shape[d]:
        return input.clone()
    m = xp.max(xp.where(xp.isfinite(re), re, -xp.inf), axis=d, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0).astype(re.dtype, copy=False)
    s = (input - wrap(m)).exp().cumsum(d)
    with xp.errstate(invalid="ignore"):
        tiny = xp.finfo(re.dtype).tiny / xp.finfo(re.dtype).eps
        risky = (xp.abs(s._data) < tiny) & (xp.maximum.accumulate(re, axis=d) > -xp.inf)
    if not risky.any():
        return _logcumsumexp_branch(s.log() + wrap(m), input._data, d)
    # A prefix far below the slice's maximum: shift each output by its own running maximum instead,
    # out_k = log(sum_{j <= k} exp(z_j - M_k)) + M_k (each term at most 1 in size; n^2 terms per slice).
    run = xp.maximum.accumulate(xp.where(xp.isfinite(re), re, -xp.inf), axis=d)
    run = wrap(xp.where(xp.isfinite(run), run, 0).astype(re.dtype, copy=False)).movedim(d, -1)
    n = re.shape[d]
    zs = input.movedim(d, -1)
    later = wrap(xp.triu(xp.ones((n, n), dtype=bool), 1))  # [k, j]: j > k takes no part in output k
    e = (zs.unsqueeze(-2) - run.unsqueeze(-1)).masked_fill(later, -float("inf")).exp()  # (masked first: no inf)
    return _logcumsumexp_branch((e.sum(-1).log() + run).movedim(-1, d), input._data, d)


def _logcumsumexp_branch(out, z, d):
    # PyTorch scans out_k = logaddexp(out_{k-1}, z_k), keeping the imaginary part of the term with the larger
    # real part and adding a principal log1p: its imaginary parts may leave (-pi, pi]. Same values up to 2 pi i:
    # shift ours by that constant (no gradient change).
    from ember._ops.elementwise import _complex_log1p

    zs = xp.moveaxis(z, d, 0)
    ref = xp.empty_like(zs)
    acc = ref[0] = zs[0]
    with xp.errstate(all="ignore"):
        for k in range(1, zs.shape[0]):
            y = zs[k]
            first = acc.real >= y.real
            hi, lo = xp.where(first, acc, y), xp.where(first, y, acc)
            acc = ref[k] = hi + _complex_log1p(xp.exp(lo - hi))
        turns = xp.round((xp.moveaxis(ref, 0, d).imag - out._data.imag) / (2 * xp.pi))
    turns = xp.where(xp.isfinite(turns), turns, 0)
    if not turns.any():
        return out
    return out + wrap((2j * xp.pi * turns).astype(z.dtype))


def unfold(input, dimension, size, step):
    """``Tensor.unfold``: windows of ``size`` every ``step`` along ``dimension``, as a new last dimension."""
    d = input._wrap_dim(dimension)
    n = input._data.shape[d] if input._data.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return S.Unfold.apply(input, dim=d, size=int(size), step=int(step))


# ------------------------------------------------------------------ small functions composed of the ops above


def _as_t(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


def ravel(input):
    """``input`` flattened to 1-D (a view when possible)."""
    return reshape(input, -1)


def take(input, index):
    """Elements of ``input`` treated as 1-D, at ``index`` (any shape); differentiable in ``input``."""
    if not isinstance(index, Tensor):
        raise TypeError(f"take(): argument 'index' (position 2) must be Tensor, not {type(index).__name__}")
    if index._data.dtype != xp.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{_dtype.TYPE_WORDS[index._data.dtype.name]}")
    n = input._data.size
    idx = index._data
    if n == 0 and idx.size:
        raise IndexError("take(): tried to take from an empty tensor")
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {bad.flat[0]} on a tensor of {n} elements.")
    return S.Take.apply(input, index=idx)


def msort(input):
    """``input`` sorted along dimension 0 (``sort(input, 0).values``)."""
    return sort(input, 0).values


def aminmax(input, *, dim=None, keepdim=False, axis=_UNSET, keepdims=_UNSET):
    """``(min, max)`` of ``input`` (over ``dim`` if given) as a named tuple; gradients as :func:`amin`/:func:`amax`."""
    if axis is not _UNSET or keepdims is not _UNSET:  # (NumPy's names, taken inline: no layer)
        dim, keepdim = _args.numpy_dims("aminmax", dim, keepdim, axis, keepdims)
    if dim is not None and type(dim) is not int and not _dim_is_int(dim):
        raise TypeError(f"aminmax(): argument 'dim' must be int, not {_args.type_name(dim)}")
    _no_complex(input, NotImplementedError, "\"aminmax_cpu\" not implemented for '{}'")
    if input._data.size == 0:
        if dim is None:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        d = input._wrap_dim(dim)
        if input._data.shape[d] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
    dims = None if dim is None else (input._wrap_dim(dim),)
    return _named("aminmax", ("min", "max"))(*R.Aminmax.apply(input, dim=dims, keepdim=keepdim))


def logaddexp2(input, other):
    """``log2(2**input + 2**other)``, computed without overflow."""
    a, b = _float_operands("logaddexp2", _as_t(input), _as_t(other))
    return _binary(E.Logaddexp2, a, b)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Boolean tensor: whether each of ``elements`` occurs in ``test_elements`` (either may be a scalar)."""
    if not (isinstance(elements, Tensor) or isinstance(test_elements, Tensor)):
        _operands(elements, test_elements)  # PyTorch's TypeError for two numbers
    for v in (elements, test_elements):
        _no_complex(v, RuntimeError, "Unsupported input type encountered for isin(): {}")
        if type(v) is _bool:  # a Python bool is a bool scalar, which isin does not take
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    if _ops._hooks and _has_meta(elements, test_elements):
        return _on_meta(isin, elements, test_elements, assume_unique=assume_unique, invert=invert)
    e = elements._data if isinstance(elements, Tensor) else xp.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    return wrap(xp.isin(e, t, assume_unique=assume_unique, invert=invert))


def isposinf(input):
    _no_complex(input, RuntimeError, "isposinf does not support complex inputs.")
    if _ops._hooks:  # (no float8 kernel)
        _ops.refuse_restricted("isposinf_cpu", input, uint=False)
        if input.is_meta:
            return _on_meta(isposinf, input)
    return wrap(xp.isposinf(input._data) if input._data.dtype.kind in "fV" else xp.zeros(input._data.shape, bool))


def isneginf(input):
    _no_complex(input, RuntimeError, "isneginf does not support complex inputs.")
    if _ops._hooks:  # (no float8 kernel)
        _ops.refuse_restricted("isneginf_cpu", input, uint=False)
        if input.is_meta:
            return _on_meta(isneginf, input)
    return wrap(xp.isneginf(input._data) if input._data.dtype.kind in "fV" else xp.zeros(input._data.shape, bool))


def isreal(input):
    """Whether each element is real: its imaginary part is 0 (all True for a real tensor)."""
    if input._data.dtype.kind == "c":
        return wrap(input._data.imag == 0)
    return wrap(xp.ones(input._data.shape, dtype=bool))


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None):
    """Insertion indices of ``values`` into the last dimension of ``sorted_sequence`` (rows searched
    independently when it is N-D; the leading dimensions must match those of ``values``)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left while "
                               "right was True")
        right = side == "right"
    for v in (sorted_sequence, values):
        _no_complex(v, NotImplementedError, "\"searchsorted_out_cpu\" not implemented for '{}'")
    if _ops._hooks and _has_meta(sorted_sequence, values, sorter):
        return _on_meta(searchsorted, sorted_sequence, values, out_int32=out_int32, right=right, sorter=sorter)
    seq = sorted_sequence._data
    scalar = not isinstance(values, Tensor)
    if scalar and seq.ndim != 1:
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when boundaries tensor dimension "
                           f"is 1, but we got boundaries tensor dim({seq.ndim}) and input value's dim(0) numel(1)")
    vals = xp.asarray(values) if scalar else values._data
    if sorter is not None:
        srt = sorter._data
        if srt.shape != seq.shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(seq.shape)}and got sorter tensor {list(srt.shape)}")
        if srt.dtype != xp.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               f"{_dtype.TYPE_WORDS[srt.dtype.name]}")
        if srt.size and (srt.min() < 0 or srt.max() >= seq.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
        seq = xp.take_along_axis(seq, srt, axis=-1)
    if (seq.ndim == 1 or seq.shape[:-1] == vals.shape[:-1]) and _float_kind(seq) and (
            xp.isnan(seq).any() or (_float_kind(vals) and xp.isnan(vals).any())):
        out = _searchsorted_nan(seq, vals, right)
        return wrap(xp.asarray(out, dtype=xp.int32 if out_int32 else xp.int64))
    if seq.ndim == 1:
        out = xp.searchsorted(seq, vals, side="right" if right else "left")
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               "dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}")
        out = _searchsorted_rows(seq, vals, right)
    return wrap(xp.asarray(out, dtype=xp.int32 if out_int32 else xp.int64))


def _float_kind(a):
    return a.dtype.kind in "fV"


def _searchsorted_nan(seq, vals, right):
    """PyTorch's binary search where NaNs are about, run step by step for all values at once: a comparison that
    fails (one with a NaN) sends the search right, so NaN entries of ``seq`` count as smaller than any value and a
    NaN value lands past the row's end (NumPy's order, NaN last, answers otherwise)."""
    n = seq.shape[-1]
    rows = seq.reshape(-1, n)
    v = vals.reshape(rows.shape[0], -1)
    lo, hi = xp.zeros(v.shape, xp.int64), xp.full(v.shape, n, xp.int64)
    r = xp.arange(rows.shape[0])[:, None]
    while (active := lo < hi).any():
        mid = lo + (hi - lo) // 2
        m = rows[r, xp.minimum(mid, n - 1)]
        go_right = active & ~((v < m) if right else (v <= m))
        lo = xp.where(go_right, mid + 1, lo)
        hi = xp.where(active & ~go_right, mid, hi)
    return lo.reshape(vals.shape)


def _searchsorted_rows(seq, vals, right):
    """Row-wise ``searchsorted`` of ``vals (*, m)`` in ``seq (*, n)`` in one sort, linear memory: merge each row's
    entries and queries (queries before equal entries for the left side, after them for the right), then a query's
    answer is the number of entries ahead of it in its row."""
    rows = int(math.prod(seq.shape[:-1]))
    n, m = seq.shape[-1], vals.shape[-1]
    keys = xp.concatenate([seq.reshape(rows, n), vals.reshape(rows, m).astype(seq.dtype, copy=False)], axis=1)
    is_query = xp.concatenate([xp.zeros(n, bool), xp.ones(m, bool)])
    tie = xp.broadcast_to(is_query if right else ~is_query, keys.shape)
    row_id = xp.broadcast_to(xp.arange(rows)[:, None], keys.shape)
    order = xp.lexsort((tie.ravel(), keys.ravel(), row_id.ravel())).reshape(rows, n + m) - \
        (xp.arange(rows) * (n + m))[:, None]  # per-row positions of the merged order
    entries_before = xp.cumsum(~is_query[order], axis=1) - ~is_query[order]
    out = xp.empty((rows, m), dtype=xp.int64)
    q = is_query[order]
    out[xp.nonzero(q)[0], order[q] - n] = entries_before[q]
    return out.reshape(vals.shape)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """Index of the bucket of each element: ``boundaries[i-1] < x <= boundaries[i]`` (``<=``/``<`` with
    ``right``), for 1-D ``boundaries``."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    vals = input._data if isinstance(input, Tensor) else xp.asarray(input)
    seq = boundaries._data
    if _float_kind(seq) and (xp.isnan(seq).any() or (_float_kind(vals) and xp.isnan(vals).any())):
        out = _searchsorted_nan(seq, vals, right)  # PyTorch's search order around NaNs, as searchsorted
    else:
        out = xp.searchsorted(seq, vals, side="right" if right else "left")
    return wrap(xp.asarray(out, dtype=xp.int32 if out_int32 else xp.int64))


def _tri_indices(row, col, offset, dtype, lower):
    for name, v in (("row", row), ("col", col)):
        if v < 0:  # (PyTorch's words, without a space before the value)
            raise RuntimeError(f"{name} must be non-negative, got{v}")
    if dtype is not None and _dtype.to_np(dtype) not in (xp.int32, xp.int64):  # (PyTorch's kernel: int and long)
        raise NotImplementedError(f"\"{'tril' if lower else 'triu'}_indices\" not implemented for "
                                  f"'{_dtype.TYPE_WORDS[_dtype.to_np(dtype).name]}'")
    rows, cols = (xp.tril_indices if lower else xp.triu_indices)(row, offset, col)
    return wrap(xp.stack([rows, cols]).astype(_dtype.to_np(dtype) if dtype is not None else xp.int64))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """``(2, N)`` row/column indices of the lower triangle of a ``row x col`` matrix (diagonal ``offset``)."""
    row, col = _args.need_int("tril_indices", "row", 1, row), _args.need_int("tril_indices", "col", 2, col)
    if _check_device(device, True):
        return _to_meta(_tri_indices(row, col, offset, dtype, True), False)
    return _tri_indices(row, col, offset, dtype, True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """``(2, N)`` row/column indices of the upper triangle of a ``row x col`` matrix (diagonal ``offset``)."""
    row, col = _args.need_int("triu_indices", "row", 1, row), _args.need_int("triu_indices", "col", 2, col)
    if _check_device(device, True):
        return _to_meta(_tri_indices(row, col, offset, dtype, False), False)
    return _tri_indices(row, col, offset, dtype, False)


def kron(input, other):
    """Kronecker product (differentiable): blocks ``input[i, j] * other``, for any numbers of dimensions.

    As in PyTorch, each operand is reshaped to interleaved axes, multiplied with broadcasting, and the product
    reshaped (UnsafeViewBackward0 nodes).

    Example::

        >>> ember.kron(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 10.0]))
        tensor([ 1., 10.,  2., 20.])
    """
    nd = builtins.max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + tuple(input.shape)
    sb = (1,) * (nd - other.ndim) + tuple(other.shape)
    a = S.View.apply(input, shape=tuple(s for d in sa for s in (d, 1)), copy_ok=True, grad_name="UnsafeViewBackward0")
    b = S.View.apply(other, shape=tuple(s for d in sb for s in (1, d)), copy_ok=True, grad_name="UnsafeViewBackward0")
    return S.View.apply(mul(a, b), shape=tuple(x * y for x, y in zip(sa, sb)), copy_ok=True,
                        grad_name="UnsafeViewBackward0")


def block_diag(*tensors):
    """A block-diagonal matrix of the given 0-, 1- or 2-D tensors (differentiable)."""
    _args.need_tensors(None, tensors)
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} "
                               f"has {t.ndim} dimensions")
    if not tensors:
        return wrap(xp.zeros((1, 0), dtype=_dtype.get_default_dtype().np))  # PyTorch's shape for no blocks
    dt = _dtype.result_type(*tensors)  # PyTorch's promotion (int64 with float32 gives float32), not NumPy's
    return S.BlockDiag.apply(*tensors, dtype=dt.np)


def cartesian_prod(*tensors):
    """All combinations of the elements of the given 1-D tensors, one per row (a single tensor is returned as is)."""
    _args.need_tensors(None, tensors)
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape [{', '.join(map(str, t._data.shape))}]")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, -1) for g in grids], 1)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonal ``offset`` in the planes ``dim1``/``dim2`` holds the last dimension of ``input``;
    zero elsewhere (differentiable)."""
    nd = input._data.ndim + 1
    d1, d2 = input._wrap_dim(dim1, nd), input._wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return S.DiagEmbed.apply(input, offset=int(offset), dim1=d1, dim2=d2)


def _trapezoid_terms(y, x, dx, dim, name):
    """Per-interval areas times 2 along ``dim`` (``(y[i] + y[i+1]) * spacing``) and the dim; ``x`` is None when
    the spacing is uniform (``dx``, default 1, still to be applied)."""
    if (x is not None and not isinstance(x, Tensor)) or (x is not None and dx is not None):
        got = ", ".join(["Tensor", "Tensor" if isinstance(x, Tensor) else type(x).__name__]
                        + ([f"dx={type(dx).__name__}"] if dx is not None else []))
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                        " * (Tensor y, Tensor x, *, int dim = -1)\n * (Tensor y, *, Number dx = 1, int dim = -1)\n")
    if y._data.ndim == 0 and name == "trapezoid":  # (PyTorch's checks in its order; with x, dim wrapped first)
        raise IndexError(f"Dimension specified as {dim if x is None else y._wrap_dim(dim)} but tensor has no "
                         "dimensions")
    if y._data.dtype == xp.bool_ or (x is not None and x._data.dtype == xp.bool_):
        raise RuntimeError(f"{name}: received a bool input for `{'y' if x is None else 'x` or `y'}`, but bool is not "
                           "supported")
    if y._data.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = y._wrap_dim(dim)
    n = y.shape[d]
    sums = add(narrow(y, d, 0, builtins.max(n - 1, 0)), narrow(y, d, builtins.min(1, n), builtins.max(n - 1, 0)))
    if x is None or (n == 0 and name == "trapezoid"):  # PyTorch's trapezoid ignores x for an empty dim
        return sums, d, None
    if x.ndim == 1 and x.shape[0] != n:
        raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
    spacing = diff(x, dim=-1 if x.ndim == 1 else d)
    if x.ndim == 1:
        spacing = reshape(spacing, (-1,) + (1,) * (y.ndim - 1 - d))
    return mul(sums, spacing), d, x


# The final scalings record PyTorch's nodes: a multiplication / division by a number (MulBackward1, DivBackward1).
def _mul_number(t, value):
    return _binary(E.Mul, t, value, grad_name="MulBackward1")


def _half(t):
    return _binary(E.Div, t if t._data.dtype.kind in "fVc" else _cast(t, _dtype.get_default_dtype().np), 2.0,
                   grad_name="DivBackward1")


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along ``dim``: spacing ``dx`` (default 1) or sample points ``x``."""
    terms, d, x = _trapezoid_terms(y, x, dx, dim, "trapezoid")
    if x is None:
        return _mul_number(sum(terms, d), (1.0 if dx is None else dx) / 2)
    return _half(sum(terms, d))


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running trapezoidal integrals along ``dim`` (one fewer element than ``y`` along it)."""
    terms, d, x = _trapezoid_terms(y, x, dx, dim, "cumulative_trapezoid")
    if x is None:
        return cumsum(_mul_number(terms, (1.0 if dx is None else dx) / 2), d)
    return _half(cumsum(terms, d))


# ------------------------------------------------------------------ torch.* aliases of ember.linalg


def inverse(input, *, out=None):
    """:func:`ember.linalg.inv` (``out=``: a tensor the result is written into)."""
    from ember import linalg

    return _out(linalg.inv(input), out)


def det(input):
    """:func:`ember.linalg.det`."""
    from ember import linalg

    return linalg.det(input)


def slogdet(input):
    """``(sign, logabsdet)`` of the determinant, as :func:`ember.linalg.slogdet`."""
    from ember import linalg

    return _named("slogdet", ("sign", "logabsdet"))(*linalg.slogdet(input))


def logdet(input):
    """``log(det(input))``: NaN where the determinant is negative, -inf where it is zero."""
    from ember import linalg

    if input._data.dtype.itemsize == 2 and input._data.dtype.kind in "fV":  # float16, bfloat16
        raise RuntimeError(f"logdet: Low precision dtypes not supported. Got {_dtype.TYPE_WORDS[input.dtype.name]}")
    sign, logabs = linalg.slogdet(input)
    if sign.is_complex():  # log det = log(sign) + log|det| (as PyTorch's graph)
        return sign.log() + logabs
    return where(sign < 0, float("nan"), logabs)


def cholesky(input, upper=False):
    """Deprecated in PyTorch in favour of :func:`ember.linalg.cholesky`; the same factor."""

    if not L.CholeskyLegacy.warned[0]:  # (once per process, as PyTorch)
        L.CholeskyLegacy.warned[0] = True
        _args.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                   "PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\n"
                   "and\nU = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\n"
                   "This transform will produce equivalent results for all valid (symmetric positive definite) "
                   "inputs.", UserWarning)
    return L.CholeskyLegacy.apply(input, upper=bool(upper))


def matrix_power(input, n, *, out=None):
    """:func:`ember.linalg.matrix_power` (``out=``: a tensor the result is written into)."""
    from ember import linalg

    return _out(linalg.matrix_power(input, n), out)


def chain_matmul(*matrices, out=None):
    """Deprecated in PyTorch in favour of :func:`ember.linalg.multi_dot`; the product of one or more 2-D
    matrices (unlike ``multi_dot``, 1-D ends are refused; a single matrix comes back as a copy)."""

    from ember import linalg

    _args.warn_once("torch.chain_matmul",  # (once per process, as PyTorch's)
                    "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                    "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
                    "parameters.", UserWarning)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    _args.need_tensors(None, matrices)
    for m in matrices:
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return _out(matrices[0].clone(), out)
    return _out(linalg.multi_dot(matrices), out)


# ------------------------------------------------------------------ torch.* decompositions and solvers


def svd(input, some=True, compute_uv=True, *, out=None):
    """The SVD as ``(U, S, V)`` (note: ``V``, not ``V^T`` as :func:`ember.linalg.svd` returns).

    Args:
        some: thin factors (``k = min(m, n)`` columns) if True, else square ``U`` and ``V``.
        compute_uv: if False, ``U`` and ``V`` are zero-filled square matrices and only ``S`` is computed.
        out: a tuple of three tensors ``(U, S, V)`` the results are written into.

    Example::

        >>> U, S, V = ember.svd(ember.tensor([[3.0, 0.0], [0.0, 2.0]]))
        >>> S
        tensor([3., 2.])
    """
    from ember import linalg

    ret = _named("svd", ("U", "S", "V"))
    if not compute_uv:
        s = linalg.svdvals(input)
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        return _out(ret(zeros(*batch, m, m, dtype=input.dtype), s, zeros(*batch, n, n, dtype=input.dtype)), out)
    u, s, vh = linalg.svd(input, full_matrices=not some)
    return _out(ret(u, s, vh.mT.conj() if vh._data.dtype.kind == "c" else vh.mT), out)  # V = Vh^H


def qr(input, some=True, *, out=None):
    """Deprecated in PyTorch in favour of :func:`ember.linalg.qr`: ``(Q, R)``, reduced if ``some``, else complete."""

    from ember import linalg

    _args.warn_once("qr", "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch "
                    "release.\nThe boolean parameter 'some' has been replaced with a string parameter 'mode'.\nQ, R = "
                    "torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, 'reduced' if some else "
                    "'complete')")
    q, r = linalg.qr(input, "reduced" if some else "complete")
    return _out(_named("qr", ("Q", "R"))(q, r), out)


def pinverse(input, rcond=1e-15):
    """The pseudo-inverse, dropping singular values ``<= rcond * largest`` (:func:`ember.linalg.pinv`)."""
    from ember import linalg

    if _ops._hooks:  # CPU autocast: pinverse is on PyTorch's float32 list (linalg.pinv is not)
        input, = _ops.autocast_fp32_args(input)
    return linalg.pinv(input, rtol=rcond)


def lu(A, pivot=True, get_infos=False, out=None):
    """Deprecated in PyTorch in favour of :func:`ember.linalg.lu_factor`: ``(LU, pivots)``, plus ``info`` if
    ``get_infos`` (otherwise a zero pivot raises)."""

    from ember import linalg

    _args.warn_once("torch.lu",  # (once per process, as PyTorch's)
                    "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will be "
                    "removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be "
                    "replaced with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = "
                    "torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\nLU, pivots, info = "
                    "torch.linalg.lu_factor_ex(A, compute_pivots)", UserWarning)
    if get_infos:
        return _named("_lu_with_info", ("LU", "pivots", "info"))(*linalg.lu_factor_ex(A, pivot=pivot))
    return tuple(linalg.lu_factor(A, pivot=pivot))


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """``(P, L, U)`` from a packed LU factorization (:func:`ember.linalg.lu_factor`); fields not asked for are empty.

    Example::

        >>> P, L, U = ember.lu_unpack(*ember.linalg.lu_factor(ember.tensor([[1.0, 2.0], [3.0, 4.0]])))
        >>> (P @ L @ U).round()
        tensor([[1., 2.],
                [3., 4.]])
    """
    p, low, up = L.LuUnpack.apply(LU_data, LU_pivots, unpack_data=unpack_data, unpack_pivots=unpack_pivots)
    return _out(_named("lu_unpack", ("P", "L", "U"))(p.detach(), low, up), out)


def lu_solve(b, LU_data, LU_pivots, *, out=None):
    """Deprecated in PyTorch in favour of :func:`ember.linalg.lu_solve` (whose arguments are reversed)."""

    from ember import linalg

    _args.warn_once("torch.lu_solve",  # (once per process, as PyTorch's)
                    "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future "
                    "PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\nX = "
                    "torch.lu_solve(B, LU, pivots)\nshould be replaced with\nX = torch.linalg.lu_solve(LU, pivots, B)",
               UserWarning)
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        b, LU_data = _ops.autocast_fp32_args(b, LU_data)
    return _out(linalg.lu_solve(LU_data, LU_pivots, b), out)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """Deprecated in PyTorch in favour of :func:`ember.linalg.solve_triangular`: solves ``A X = b`` (``A^T X = b``
    if ``transpose``) and returns ``(solution, cloned_coefficient)`` (a copy of ``A``)."""

    from ember import linalg

    _args.warn_once("triangular_solve", "torch.triangular_solve is deprecated in favor of "
                    "torch.linalg.solve_triangularand will be removed in a future PyTorch release.\n"
                    "torch.linalg.solve_triangular has its arguments reversed and does not return a copy of one of "
                    "the inputs.\nX = torch.triangular_solve(B, A).solution\nshould be replaced with\n"
                    "X = torch.linalg.solve_triangular(A, B).")
    a = A.mT if transpose else A
    x = linalg.solve_triangular(a, b, upper=upper != transpose, unitriangular=unitriangular)
    return _out(_named("triangular_solve", ("solution", "cloned_coefficient"))(x, A.clone()), out)


def cholesky_solve(B, L, upper=False, *, out=None):
    """``X`` with ``A X = B`` for ``A = L L^T`` (``U^T U`` if ``upper``) given the Cholesky factor ``L``
    (``(*, n, n)``) and ``B`` (``(*, n, k)``); batches broadcast, differentiable in both.

    Example::

        >>> ember.cholesky_solve(ember.tensor([[4.0], [9.0]]), ember.tensor([[2.0, 0.0], [0.0, 3.0]]))
        tensor([[1.],
                [1.]])
    """
    from ember._ops import linalg as _L_ops  # the argument L shadows the module-level alias

    if _ops._hooks:  # CPU autocast: PyTorch's float32 list (casts before the dtype checks)
        B, L = _ops.autocast_fp32_args(B, L)
    if B.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions instead")
    if L.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {L.ndim} dimensions instead")
    if B.dtype != L.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {B.dtype} and A of type "
                           f"{L.dtype} instead.")
    _check_broadcast_shapes(B.shape[:-2], L.shape[:-2])  # (PyTorch's message for batch shapes that do not match)
    return _out(_L_ops.CholeskySolve.apply(B, L, upper=upper), out)


def cholesky_inverse(L, upper=False, *, out=None):
    """``(L L^T)^-1`` (``(U^T U)^-1`` if ``upper``) from a Cholesky factor (``(*, n, n)``); raises
    :class:`ember.linalg.LinAlgError` for a zero on its diagonal."""
    from ember._ops.linalg import LinAlgError as _LinAlgError

    if L.ndim < 2:
        raise RuntimeError("cholesky_inverse: The input tensor A must have at least 2 dimensions.")
    if L._data.dtype.itemsize == 2 and L._data.dtype.kind in "fV":  # float16, bfloat16
        word = _dtype.TYPE_WORDS[L.dtype.name]
        raise NotImplementedError(f"\"cholesky_inverse_out_cpu\" not implemented for '{word}'")
    zero = xp.einsum("...ii->...i", L._data) == 0  # (LAPACK's potri refuses a zero on the factor's diagonal)
    if zero.any():
        flat = zero.reshape(-1, zero.shape[-1])
        b = int(flat.any(-1).argmax())
        where = f"(Batch element {b}): " if L.ndim > 2 else ""
        raise _LinAlgError(f"cholesky_inverse: {where}The diagonal element {int(flat[b].argmax()) + 1} is zero, the "
                             "inversion could not be completed because the input matrix is singular.")
    ident = eye(L.shape[-1], dtype=L.dtype).expand(*L.shape)
    return _out(cholesky_solve(ident, L, upper), out)


def matrix_exp(A):
    """:func:`ember.linalg.matrix_exp`."""
    from ember import linalg

    return linalg.matrix_exp(A)


def orgqr(input, tau):
    """:func:`ember.linalg.householder_product`."""
    from ember import linalg

    return linalg.householder_product(input, tau)


def lstsq(input, A, *, out=None):
    """Removed from PyTorch (1.9): raises, pointing to :func:`ember.linalg.lstsq`."""
    raise RuntimeError("This function was deprecated since version 1.9 and is now removed. `torch.lstsq` is "
                       "deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` has reversed arguments and "
                       "does not return the QR decomposition in the returned tuple (although it returns other "
                       "information about the problem).\n\nTo get the QR decomposition consider using "
                       "`torch.linalg.qr`.\n\nThe returned solution in `torch.lstsq` stored the residuals of the "
                       "solution in the last m - n columns of the returned value whenever m > n. In "
                       "torch.linalg.lstsq, the residuals are in the field 'residuals' of the returned named tuple."
                       "\n\nThe unpacking of "
                       "the solution, as in\nX, _ = torch.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\n"
                       "X = torch.linalg.lstsq(A, B).solution")


# PyTorch's ``out=`` keyword for the functions above that have it there
for _name in """addcdiv addcmul all amax amin aminmax any arctan2 argmax argmin argsort atan2 bernoulli bitwise_and
bitwise_not bitwise_or bitwise_xor bucketize cholesky clamp_max clamp_min copysign cross cummax cummin cumprod cumsum
deg2rad diag diff dot eq float_power floor_divide fmax fmin fmod frac gather ge ger greater greater_equal gt histc
index_select isin isneginf isposinf kron kthvalue le lerp less less_equal log_softmax logaddexp logaddexp2
logcumsumexp logical_and logical_not logical_or logical_xor logit logsumexp lt masked_select maximum mean median
minimum msort multinomial mv nan_to_num nanmean nansum ne nonzero norm not_equal outer prod rad2deg remainder round
scatter scatter_add searchsorted sgn sign signbit softmax sort square std take take_along_dim topk tril triu var
xlogy""".split():  # (where parses its overloads itself)
    globals()[_name] = _with_out(globals()[_name], _name)


def _same_dtype_out(fn, name):
    """``fn`` (taking ``out=``) refusing an ``out`` of another dtype than ``input``'s, as PyTorch's kernel does."""
    def wrapper(input, *args, out=None, **kwargs):
        if out is not None and isinstance(input, Tensor) and isinstance(out, Tensor) \
                and out._data.dtype != input._data.dtype:
            raise RuntimeError(f"{name}(): self and result must have the same scalar type")
        return fn(input, *args, out=out, **kwargs)
    functools.update_wrapper(wrapper, fn)
    wrapper.__wrapped__ = getattr(fn, "__wrapped__", fn)  # (the method binds the bare function: no out= layers)
    return wrapper


index_select = _same_dtype_out(index_select, "index_select")

# index/scatter functions, splitting helpers and statistics live in their own module (it imports this one)
from ember._functions_indexing import *  # noqa: E402,F401,F403

histogram = _with_out(histogram, "histogram")  # noqa: F405 - PyTorch's out=(hist, bin_edges)

# elementwise math / special functions and the torch.X_ in-place forms (their own module; it imports this one)
from ember._functions_math import *  # noqa: E402,F401,F403

# einsum and tensordot, composed from the ops above as PyTorch composes them (their own module; it imports this one)
from ember._functions_einsum import *  # noqa: E402,F401,F403
