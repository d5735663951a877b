"""ember dtypes, their NumPy counterparts, and PyTorch's type-promotion rules."""

import builtins as _builtins
import numbers as _numbers

from ember._backend import xp

# Categories order promotion: a higher category always wins, whatever the operand's kind.
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type, printed as ``ember.float32``."""

    __slots__ = ("name", "np", "category", "itemsize", "is_floating_point", "is_signed")

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.np = xp.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == _FLOAT
        self.is_signed = name not in ("uint8", "bool")

    @property
    def is_complex(self):
        return self.category == _COMPLEX

    def to_real(self):
        """The dtype of the parts of a complex dtype (``complex64`` -> ``float32``); others unchanged."""
        return complex_real.get(self.name, self)

    def to_complex(self):
        """The complex dtype with this float dtype's parts (``float32`` -> ``complex64``; float16 gives the
        unsupported ``complex32``)."""
        if self.category == _COMPLEX:
            return self
        if self.category != _FLOAT:
            raise RuntimeError(f"Unknown Complex ScalarType for {TYPE_WORDS[self.name]}")
        return {"float64": complex128, "float16": complex32}.get(self.name, complex64)

    def __repr__(self):
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_lookup_name, (self.name,))


float32 = dtype("float32", "float32", _FLOAT)
float64 = dtype("float64", "float64", _FLOAT)
float16 = dtype("float16", "float16", _FLOAT)


class _UnsupportedDtype(dtype):
    """A PyTorch dtype that ember cannot store (NumPy has no such type): it exists so that code naming it
    imports, and every attempt to make or convert a tensor with it raises a clear ``TypeError``."""

    def __init__(self, name, category=_FLOAT, itemsize=2, instead="ember.float32 or ember.float16"):
        self.name = name
        self.category = category
        self.itemsize = itemsize
        self.is_floating_point = category == _FLOAT
        self.is_signed = True
        self._instead = instead

    __slots__ = ("_instead",)

    def __getattr__(self, attr):
        if attr == "np":
            raise TypeError(f"ember has no {self.name} tensors (NumPy has no {self.name} type); "
                            f"use {self._instead}")
        raise AttributeError(attr)


bfloat16 = _UnsupportedDtype("bfloat16")
complex64 = dtype("complex64", "complex64", _COMPLEX)
complex128 = dtype("complex128", "complex128", _COMPLEX)
complex32 = _UnsupportedDtype("complex32", _COMPLEX, 4, "ember.complex64")
int8 = dtype("int8", "int8", _INT)
int16 = dtype("int16", "int16", _INT)
int32 = dtype("int32", "int32", _INT)
int64 = dtype("int64", "int64", _INT)
uint8 = dtype("uint8", "uint8", _INT)
bool_ = dtype("bool", "bool", _BOOL)

float = float32  # noqa: A001 - PyTorch's aliases
double = float64
half = float16
short = int16
int = int32  # noqa: A001
long = int64
cfloat = complex64
cdouble = complex128
chalf = complex32

ALL = (float32, float64, float16, complex64, complex128, int8, int16, int32, int64, uint8, bool_)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}


def _lookup_name(name):
    return _UNSUPPORTED[name] if name in _UNSUPPORTED else _BY_NAME[name]  # pickle/deepcopy of the named-only dtype too


_UNSUPPORTED = {"bfloat16": bfloat16, "complex32": complex32}

# How PyTorch's C++ messages spell dtypes: scalar-type names ("float") and type words ("Float").
SCALAR_NAMES = {"float32": "float", "float64": "double", "float16": "half", "int64": "long", "int32": "int",
                "int16": "short", "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
                "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}
TYPE_WORDS = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
              "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "bfloat16": "BFloat16",
              "complex64": "ComplexFloat", "complex128": "ComplexDouble", "complex32": "ComplexHalf"}
# ... and as the C++ type names of c10's messages ("long int", "c10::Half").
C10_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
             "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
             "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
             "complex128": "c10::complex<double>", "complex32": "c10::complex<c10::Half>"}


_default_float = float32


def get_default_dtype():
    """The dtype of floating-point tensors made from Python floats (``ember.float32`` unless changed)."""
    return _default_float


def set_default_dtype(d):
    """Set the default floating-point dtype (``ember.float32`` or ``ember.float64``)."""
    global _default_float
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def _g(x):
    """PyTorch's 6-significant-digit spelling of limits in ``finfo``/``iinfo`` reprs."""
    return format(x, "g")


def _dtype_arg(fn, t):
    if not isinstance(t, dtype):
        raise TypeError(f"{fn}(): argument 'type' (position 1) must be ember.dtype, not {type(t).__name__}")
    return t


class _Info:
    __slots__ = ()
    __hash__ = None  # unhashable, as PyTorch's

    def __setattr__(self, name, value):
        raise AttributeError(f"attribute '{name}' of 'ember.{type(self).__name__}' objects is not writable")

    def __eq__(self, other):
        return type(other) is type(self) and other.dtype == self.dtype

    def __str__(self):
        return repr(self)


# bfloat16 has no NumPy type: 8 exponent bits as float32, 7 stored mantissa bits.
_BF16 = {"bits": 16, "eps": 2.0 ** -7, "max": (2 - 2.0 ** -7) * 2.0 ** 127, "tiny": 2.0 ** -126}


class finfo(_Info):  # noqa: N801 - PyTorch's name
    """Machine limits of a floating-point dtype, as ``torch.finfo``.

    Attributes (Python numbers): ``bits``, ``eps`` (gap between 1 and the next larger number), ``max``,
    ``min`` (= -max), ``tiny`` and ``smallest_normal`` (smallest positive normal number), ``resolution``
    (``10 ** -decimal digits``), ``dtype`` (its name, e.g. ``'float32'``).

    Args:
        type: a floating-point ``ember.dtype`` (default: :func:`ember.get_default_dtype`).

    Example::

        >>> ember.finfo(ember.float32).eps
        1.1920928955078125e-07
        >>> scores.masked_fill(mask, ember.finfo(scores.dtype).min)   # doctest: +SKIP
    """

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):  # noqa: A002 - PyTorch's argument name
        t = get_default_dtype() if type is None else _dtype_arg("finfo", type)
        if t.category == _COMPLEX:  # the limits of its real and imaginary parts
            t = to_real(t)
        if not t.is_floating_point:
            raise TypeError("ember.finfo() requires a floating point input type. Use ember.iinfo to handle "
                            "'ember.finfo'")
        if t.name == "bfloat16":
            bits, eps, mx, tiny = _BF16["bits"], _BF16["eps"], _BF16["max"], _BF16["tiny"]
        else:
            fi = xp.finfo(t.np)
            bits, eps, mx, tiny = fi.bits, _builtins.float(fi.eps), _builtins.float(fi.max), _builtins.float(fi.tiny)
        digits = 0
        while 10.0 ** -(digits + 1) >= eps:
            digits += 1
        values = {"bits": bits, "eps": eps, "max": mx, "min": -mx, "tiny": tiny, "smallest_normal": tiny,
                  "resolution": 10.0 ** -digits, "dtype": t.name}
        for k, v in values.items():
            object.__setattr__(self, k, v)

    def __repr__(self):
        return (f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, max={_g(self.max)}, "
                f"eps={_g(self.eps)}, smallest_normal={_g(self.smallest_normal)}, tiny={_g(self.tiny)}, "
                f"dtype={self.dtype})")


class iinfo(_Info):  # noqa: N801 - PyTorch's name
    """Limits of an integer dtype, as ``torch.iinfo``: ``bits``, ``min``, ``max`` (Python ints) and ``dtype``
    (its name).

    Example::

        >>> ember.iinfo(ember.int32).max
        2147483647
    """

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type):  # noqa: A002 - PyTorch's argument name
        t = _dtype_arg("iinfo", type)
        if t.category == _BOOL:
            raise TypeError("ember.bool is not supported by ember.iinfo")
        if t.category != _INT:
            raise TypeError("ember.iinfo() requires an integer input type. Use ember.finfo to handle 'ember.iinfo'")
        ii = xp.iinfo(t.np)
        for k, v in {"bits": ii.bits, "max": _builtins.int(ii.max), "min": _builtins.int(ii.min),
                     "dtype": t.name}.items():
            object.__setattr__(self, k, v)

    def __repr__(self):
        return f"iinfo(min={_g(self.min)}, max={_g(self.max)}, dtype={self.dtype})"


def from_np(np_dtype):
    """The ember dtype of a NumPy dtype; raises TypeError for ones ember does not have."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        d = xp.dtype(np_dtype)
        if d in _BY_NP:
            return _BY_NP[d]
        raise TypeError(
            f"can't convert np.ndarray of type {d}. The only supported types are: float64, float32, "
            "float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_np(d):
    """The NumPy dtype for an ember dtype, a NumPy dtype, a Python type or a dtype name."""
    if isinstance(d, dtype):
        return d.np
    if d is None:
        return _default_float.np
    if d is builtins_float:
        return _default_float.np
    if d is builtins_int:
        return int64.np
    if d is builtins_bool:
        return bool_.np
    return from_np(xp.dtype(d)).np


builtins_float = (1.0).__class__
builtins_int = (1).__class__
builtins_bool = True.__class__
complex_real = {"complex64": float32, "complex128": float64}

# Promotion lattice within a category is NumPy's, except uint8 with a signed int gives int16 like PyTorch
# (NumPy agrees), and every float with any int gives the float.


def promote_types(a, b):
    """PyTorch's ``promote_types`` for two ember dtypes."""
    if a is b:
        return a
    if a.category != b.category and (a.category + b.category != _FLOAT + _COMPLEX):
        return a if a.category > b.category else b
    return _BY_NP[xp.promote_types(a.np, b.np)]  # complex with float keeps the wider precision


to_real = dtype.to_real  # to_real(d) is d.to_real()


def to_complex(d):
    """The complex dtype whose parts are the float dtype ``d`` (``float64`` -> ``complex128``); raises TypeError
    for float16, whose complex counterpart (complex32) NumPy cannot store."""
    if d.category == _COMPLEX:
        return d
    if d is float64:
        return complex128
    if d is float16:
        complex32.np  # noqa: B018 - raises the TypeError that explains
    return complex64


def default_complex():
    """The dtype of tensors made from Python complex numbers (complex64 unless the default float is float64)."""
    return complex128 if _default_float is float64 else complex64


def scalar_dtype(value):
    """The dtype a Python scalar would have as a tensor."""
    if isinstance(value, builtins_bool):
        return bool_
    if isinstance(value, builtins_int):
        return int64
    if isinstance(value, builtins_float):
        return _default_float
    if isinstance(value, _numbers.Integral):  # NumPy integer scalars
        return int64
    if isinstance(value, complex) or (isinstance(value, _numbers.Complex) and not isinstance(value, _numbers.Real)):
        return default_complex()
    return _default_float


def result_type(*operands):
    """PyTorch's result type for a mix of tensors (``.dtype``, ``.ndim``) and Python scalars.

    Dimensioned tensors decide first; zero-dim tensors and then Python scalars only count when they are of
    a higher category (bool < integer < floating) than everything before them.
    """
    dim_t = zero_t = wrapped = None
    for op in operands:
        d = getattr(op, "dtype", None)
        if isinstance(d, dtype):
            if op.ndim:
                dim_t = d if dim_t is None else promote_types(dim_t, d)
            else:
                zero_t = d if zero_t is None else promote_types(zero_t, d)
        else:
            s = scalar_dtype(op)
            wrapped = s if wrapped is None else promote_types(wrapped, s)
    result = dim_t
    for cand in (zero_t, wrapped):
        if cand is not None and (result is None or cand.category > result.category):
            # A complex scalar or 0-dim tensor with floating tensors keeps their precision: float64 * 1j is
            # complex128, float32 * complex128-scalar is complex64.
            result = to_complex(result) if cand.category == _COMPLEX and result is not None and \
                result.category == _FLOAT else cand
    return result
