"""ember dtypes, their NumPy counterparts, and PyTorch's type-promotion rules.

bfloat16 and the float8 types are NumPy dtypes from ml_dtypes, imported at their first use (``import ember`` stays
fast). float16 and bfloat16 are the *half* types: the first use of either switches on ember's half-precision
compute policy in ``ember._ops`` (each op computes in float32 and rounds its result once, as PyTorch's CPU kernels).
"""

import builtins as _builtins
import numbers as _numbers

from ember._backend import xp

# Categories order promotion: a higher category always wins, whatever the operand's kind.
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3
# Promotion restrictions of a dtype (PyTorch refuses to mix these with other dtypes): see promote_types.
_FREE, _FLOAT8, _BIG_UINT = 0, 1, 2


class dtype:
    """A tensor element type, printed as ``ember.float32``."""

    __slots__ = ("name", "np", "category", "itemsize", "is_floating_point", "is_signed", "_restrict")
    __module__ = "ember"  # (``<class 'ember.dtype'>``, as torch's; how pickle names it)

    def __init__(self, name, np_dtype, category, restrict=_FREE):
        self.name = name
        self.np = xp.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == _FLOAT
        self.is_signed = not name.startswith("uint") and name not in ("bool", "float8_e8m0fnu")
        self._restrict = restrict

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
        if self.category != _FLOAT or self._restrict:
            raise RuntimeError(f"Unknown Complex ScalarType for {TYPE_WORDS[self.name]}")
        return {"float64": complex128, "float16": complex32}.get(self.name, complex64)

    def __repr__(self):
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_lookup_name, (self.name,))


class _LazyDtype(dtype):
    """A dtype whose NumPy type is resolved at its first use (``.np``): ml_dtypes is imported then, and ember._ops
    switches on its policy for the type (half precision; the ops PyTorch refuses on float8 and uint16/32/64) only
    from then on (see :func:`_activate`)."""

    __slots__ = ()

    def __init__(self, name, itemsize, restrict=_FREE, category=_FLOAT):
        self.name = name
        self.category = category
        self.itemsize = itemsize
        self.is_floating_point = category == _FLOAT
        self.is_signed = name != "float8_e8m0fnu" and not name.startswith("uint")
        self._restrict = restrict

    def __getattr__(self, attr):
        if attr == "np":
            return _activate(self)
        raise AttributeError(attr)


class _UnsupportedDtype(dtype):
    """A PyTorch dtype that ember cannot store: it exists so that code naming it imports, and every attempt to
    make or convert a tensor with it raises a clear ``TypeError``."""

    def __init__(self, name, category=_FLOAT, itemsize=2, instead="ember.float32 or ember.float16", signed=True):
        self.name = name
        self.category = category
        self.itemsize = itemsize
        self.is_floating_point = category == _FLOAT
        self.is_signed = signed
        self._restrict = _FREE
        self._instead = instead

    __slots__ = ("_instead",)

    def __getattr__(self, attr):
        if attr == "np":
            raise TypeError(f"ember has no {self.name} tensors (NumPy has no {self.name} type); "
                            f"use {self._instead}")
        raise AttributeError(attr)


float32 = dtype("float32", "float32", _FLOAT)
float64 = dtype("float64", "float64", _FLOAT)
float16 = _LazyDtype("float16", 2)
bfloat16 = _LazyDtype("bfloat16", 2)
complex64 = dtype("complex64", "complex64", _COMPLEX)
complex128 = dtype("complex128", "complex128", _COMPLEX)
complex32 = _UnsupportedDtype("complex32", _COMPLEX, 4, "ember.complex64")
int8 = dtype("int8", "int8", _INT)
int16 = dtype("int16", "int16", _INT)
int32 = dtype("int32", "int32", _INT)
int64 = dtype("int64", "int64", _INT)
uint8 = dtype("uint8", "uint8", _INT)
# uint16/32/64: PyTorch's "limited support" (creation, conversion, printing, some ops; see ember._ops)
uint16 = _LazyDtype("uint16", 2, _BIG_UINT, _INT)
uint32 = _LazyDtype("uint32", 4, _BIG_UINT, _INT)
uint64 = _LazyDtype("uint64", 8, _BIG_UINT, _INT)
bool_ = dtype("bool", "bool", _BOOL)
# float8 (storage and conversion; PyTorch's CPU kernels refuse almost all arithmetic on them)
float8_e4m3fn = _LazyDtype("float8_e4m3fn", 1, _FLOAT8)
float8_e5m2 = _LazyDtype("float8_e5m2", 1, _FLOAT8)
float8_e4m3fnuz = _LazyDtype("float8_e4m3fnuz", 1, _FLOAT8)
float8_e5m2fnuz = _LazyDtype("float8_e5m2fnuz", 1, _FLOAT8)
float8_e8m0fnu = _LazyDtype("float8_e8m0fnu", 1, _FLOAT8)
# Named only, as PyTorch's own placeholders: packed sub-byte types, bit containers and 4-bit floats in pairs.
float4_e2m1fn_x2 = _UnsupportedDtype("float4_e2m1fn_x2", _FLOAT, 1, "ember.float8_e4m3fn")
_NAMED_ONLY = {n: _UnsupportedDtype(n, _INT, 1, "ember.int8 or ember.uint8", signed=n.startswith("int"))
               for n in [f"{p}int{b}" for p in ("", "u") for b in range(1, 8)]}
_NAMED_ONLY.update({n: _UnsupportedDtype(n, _BOOL, size, "ember.uint8 or ember.int16", signed=False)
                    for n, size in (("bits8", 1), ("bits16", 2), ("bits1x8", 1), ("bits2x4", 1), ("bits4x2", 1))})
globals().update(_NAMED_ONLY)

float = float32  # noqa: A001 - PyTorch's aliases
double = float64
half = float16
short = int16
int = int32  # noqa: A001
long = int64
cfloat = complex64
cdouble = complex128
chalf = complex32

ALL = (float32, float64, float16, bfloat16, complex64, complex128, int8, int16, int32, int64, uint8, uint16, uint32,
       uint64, bool_, float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, float8_e8m0fnu)
_BY_NP = {d.np: d for d in ALL if type(d) is dtype}  # the lazy ones join at their first use
_BY_NAME = {d.name: d for d in ALL}
_LAZY = {d.name: d for d in ALL if type(d) is _LazyDtype}
_UNSUPPORTED = {"complex32": complex32, "float4_e2m1fn_x2": float4_e2m1fn_x2, **_NAMED_ONLY}
FLOAT8 = tuple(d for d in ALL if d._restrict == _FLOAT8)


def _lookup_name(name):
    return _UNSUPPORTED[name] if name in _UNSUPPORTED else _BY_NAME[name]  # pickle/deepcopy of named-only dtypes too


# ember._ops' policies for the lazy types (half precision, and PyTorch's refusals for float8 and uint16/32/64) are
# off until such a type is first used, so that other code never pays for them: ember._ops registers the function
# told of each type as it comes into use.
policy_hooks = []
types_in_use = []


def _ml_dtypes(name):
    try:
        import ml_dtypes
    except ImportError:  # pragma: no cover - a dependency of ember
        raise TypeError(f"ember's {name} tensors need the ml_dtypes package: pip install ml_dtypes") from None
    return ml_dtypes


def _activate(d):
    """Resolve lazy dtype ``d``'s NumPy dtype (importing ml_dtypes for the non-NumPy types); returns it."""
    if d.name in ("float16", "uint16", "uint32", "uint64"):
        np_d = xp.dtype(d.name)
    else:
        np_d = xp.dtype(getattr(_ml_dtypes(d.name), d.name))
    object.__setattr__(d, "np", np_d)  # the slot: later reads cost nothing
    _BY_NP[np_d] = d
    types_in_use.append(np_d)
    for hook in policy_hooks:
        hook(np_d)
    return np_d


def float8_source(a, np_dtype):
    """``a`` prepared for conversion to the float8 type ``np_dtype`` as PyTorch converts: float8_e4m3fn (no
    infinities) saturates out-of-range values, infinities included, to +-448 (ml_dtypes gives NaN);
    float8_e8m0fnu (a power of two) takes magnitudes, and zero becomes its smallest value 2**-127."""
    name = np_dtype.name
    if name not in ("float8_e4m3fn", "float8_e8m0fnu") or a.dtype.kind not in "fVbiu":
        return a
    if a.dtype.itemsize <= 2:  # (half and 8-bit types: in float32, exactly, so that 2**-127 exists)
        a = a.astype(xp.float32)
    if name == "float8_e4m3fn":
        return xp.clip(a, -448.0, 448.0)  # (NaN stays NaN)
    a = xp.abs(a)
    return xp.where(a == 0, a.dtype.type(2.0 ** -127) if a.dtype.kind == "f" else 1, a)


# How PyTorch's C++ messages spell dtypes: type words ("Float", "Long") ...
TYPE_WORDS = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
              "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "bfloat16": "BFloat16",
              "complex64": "ComplexFloat", "complex128": "ComplexDouble", "complex32": "ComplexHalf",
              "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64", "float4_e2m1fn_x2": "Float4_e2m1fn_x2"}
# ... and as the C++ type names of c10's messages ("long int", "c10::Half").
C10_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
             "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
             "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
             "complex128": "c10::complex<double>", "complex32": "c10::complex<c10::Half>",
             "uint16": "short unsigned int", "uint32": "unsigned int", "uint64": "long unsigned int",
             "float4_e2m1fn_x2": "c10::Float4_e2m1fn_x2"}
SCALAR_NAMES = C10_NAMES  # (an older name of the same table, for its callers)
for _d in FLOAT8:
    TYPE_WORDS[_d.name] = _d.name.capitalize()
    C10_NAMES[_d.name] = "c10::" + _d.name.capitalize()
for _n in _NAMED_ONLY:  # Bits8, Int4, UInt4 ...
    TYPE_WORDS[_n] = C10_NAMES[_n] = _n.capitalize().replace("Uint", "UInt")


_default_float = float32


def get_default_dtype():
    """The dtype of floating-point tensors made from Python floats (``ember.float32`` unless changed)."""
    return _default_float


def set_default_dtype(d):
    """Set the default floating-point dtype (``ember.float32`` unless changed; also float64, float16, bfloat16)."""
    global _default_float
    if not isinstance(d, dtype) or not d.is_floating_point:
        invalid = "" if isinstance(d, dtype) else "invalid dtype object: "
        raise TypeError(f"{invalid}only floating-point types are supported as the default type")
    if d._restrict or type(d) is _UnsupportedDtype:
        raise TypeError(f"couldn't find storage object {TYPE_WORDS[d.name]}Storage")
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


# (bits, eps, max, tiny) of the ml_dtypes types as PyTorch reports them (its float8_e5m2fnuz eps differs from
# ml_dtypes'); kept here so that finfo does not import ml_dtypes.
_LIMITS = {"bfloat16": (16, 2.0 ** -7, (2 - 2.0 ** -7) * 2.0 ** 127, 2.0 ** -126),
           "float8_e4m3fn": (8, 0.125, 448.0, 2.0 ** -6), "float8_e5m2": (8, 0.25, 57344.0, 2.0 ** -14),
           "float8_e4m3fnuz": (8, 0.125, 240.0, 2.0 ** -7), "float8_e5m2fnuz": (8, 0.125, 57344.0, 2.0 ** -15),
           "float8_e8m0fnu": (8, 1.0, 2.0 ** 127, 2.0 ** -127)}


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
        if t.name in _LIMITS:
            bits, eps, mx, tiny = _LIMITS[t.name]
        elif t.__class__ is _UnsupportedDtype:  # (`type` is the argument here)
            raise TypeError("bad argument type for built-in operation")
        else:
            fi = xp.finfo(t.np)
            bits, eps, mx, tiny = fi.bits, _builtins.float(fi.eps), _builtins.float(fi.max), _builtins.float(fi.tiny)
        digits = 0
        while 10.0 ** -(digits + 1) >= eps:
            digits += 1
        values = {"bits": bits, "eps": eps, "max": mx, "min": -mx if t.is_signed else tiny, "tiny": tiny,
                  "smallest_normal": tiny,
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
        if t.__class__ is _UnsupportedDtype:  # (`type` is the argument here)
            t = float32  # (PyTorch's message for its sub-byte and bits placeholders)
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
        if d.byteorder not in "=|" and d.newbyteorder("=") in _BY_NP:
            raise ValueError("given numpy array has byte order different from the native byte order. Conversion "
                             "between byte orders is currently not supported.") from None
        lazy = _LAZY.get(d.name)
        if lazy is not None and (d.type.__module__ == "numpy" or d.type.__module__.startswith("ml_dtypes")):
            return _BY_NP[_activate(lazy)]  # (its first use: an array made outside ember)
        raise TypeError(
            f"can't convert np.ndarray of type {_np_type_name(d)}. The only supported types are: float64, float32, "
            "float16, complex64, complex128, int64, int32, int16, int8, uint64, uint32, uint16, uint8, and bool."
        ) from None


def _np_type_name(d):
    t = d.type
    return f"{t.__module__}.{t.__name__}" if t.__module__ == "numpy" else str(d)


def to_np(d):
    """The NumPy dtype for an ember dtype, a NumPy dtype, a Python type or a dtype name."""
    if isinstance(d, dtype):
        return d.np
    if d is None:
        return _default_float.np
    py = _PY_TYPES.get(d) if isinstance(d, type) else None
    if py is not None:
        return py.np
    return from_np(xp.dtype(d)).np


def from_py(d):
    """The ember dtype PyTorch reads a Python type as (``float`` -> float64, ``int`` -> int64, ``bool`` -> bool,
    ``complex`` -> complex128, whatever the default dtype); None for anything else."""
    return _PY_TYPES.get(d) if isinstance(d, type) else None


builtins_float = (1.0).__class__
builtins_int = (1).__class__
builtins_bool = True.__class__
_PY_TYPES = {builtins_float: float64, builtins_int: int64, builtins_bool: bool_, (1j).__class__: complex128}
complex_real = {"complex64": float32, "complex128": float64}

# Promotion lattice within a category is NumPy's, except uint8 with a signed int gives int16 like PyTorch
# (NumPy agrees), every float with any int gives the float, and float16 with bfloat16 gives float32. PyTorch
# refuses to promote float8 types with anything else, and uint16/32/64 with other integers or bool.


def promote_types(a, b):
    """PyTorch's ``promote_types`` for two ember dtypes."""
    if a is b:
        return a
    if a._restrict or b._restrict:
        _check_restricted(a, b)
    if a.category != b.category and (a.category + b.category != _FLOAT + _COMPLEX):
        return a if a.category > b.category else b
    if a.itemsize == b.itemsize == 2 and a.category == _FLOAT:
        return float32  # float16 with bfloat16 (NumPy has no common type)
    return from_np(xp.promote_types(a.np, b.np))  # complex with float keeps the wider precision


def _check_restricted(a, b):
    if a._restrict == _FLOAT8 or b._restrict == _FLOAT8:
        kind = "Float8 Types"
    elif a.category != _FLOAT and b.category != _FLOAT:  # (a big uint goes with floats only)
        kind = "uint16, uint32, uint64 types"
    else:
        return
    raise RuntimeError(f"Promotion for {kind} is not supported, attempted to promote {TYPE_WORDS[a.name]} and "
                       f"{TYPE_WORDS[b.name]}")


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
