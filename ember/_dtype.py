"""ember dtypes, their NumPy counterparts, and PyTorch's type-promotion rules."""

import numbers as _numbers

from ember._backend import xp

# Categories order promotion: a higher category always wins, whatever the operand's kind.
_BOOL, _INT, _FLOAT = 0, 1, 2


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
        return False  # ember has no complex dtypes

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

    __slots__ = ()

    def __init__(self, name):
        self.name = name
        self.category = _FLOAT
        self.itemsize = 2
        self.is_floating_point = True
        self.is_signed = True

    def __getattr__(self, attr):
        if attr == "np":
            raise TypeError(f"ember has no {self.name} tensors (NumPy has no {self.name} type); "
                            "use ember.float32 or ember.float16")
        raise AttributeError(attr)


bfloat16 = _UnsupportedDtype("bfloat16")
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

ALL = (float32, float64, float16, int8, int16, int32, int64, uint8, bool_)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}


def _lookup_name(name):
    return bfloat16 if name == "bfloat16" else _BY_NAME[name]  # pickle/deepcopy of the named-only dtype too


# How PyTorch's C++ messages spell dtypes: scalar-type names ("float") and type words ("Float").
SCALAR_NAMES = {"float32": "float", "float64": "double", "float16": "half", "int64": "long", "int32": "int",
                "int16": "short", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}
TYPE_WORDS = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
              "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


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
            "float16, int64, int32, int16, int8, uint8, and bool."
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

# Promotion lattice within a category is NumPy's, except uint8 with a signed int gives int16 like PyTorch
# (NumPy agrees), and every float with any int gives the float.


def promote_types(a, b):
    """PyTorch's ``promote_types`` for two ember dtypes."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return _BY_NP[xp.promote_types(a.np, b.np)]


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
            result = cand
    return result
