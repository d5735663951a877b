"""The legacy typed constructors ``ember.FloatTensor``, ``ember.LongTensor``, ... (``torch.FloatTensor`` ...).

Older tutorials build tensors with ``torch.LongTensor(data)`` or ``torch.FloatTensor(2, 3)`` and test types
with ``isinstance(x, torch.FloatTensor)``. Each name is a class whose instances are the ``ember.Tensor``s of
its dtype: calling it makes such a tensor; ``isinstance`` checks the dtype.
"""

import numbers

from ember import _dtype
from ember._tensor import Size, Tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


class _TensorType(type):
    """Metaclass of the legacy tensor types: ``isinstance`` by dtype, calling constructs."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args, **kwargs):
        import ember

        if kwargs or (len(args) == 1 and isinstance(args[0], (float, bool, complex))):
            ember._tensor._legacy_new_check(args, kwargs)
        if not args:
            return ember.empty(0, dtype=cls.dtype)
        if len(args) == 1 and isinstance(args[0], Size):
            return ember._functions._zeros_sized(tuple(args[0]), dtype=cls.dtype)
        if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
            # PyTorch leaves this memory uninitialised; zeros are one valid content
            return ember._functions._zeros_sized(args, dtype=cls.dtype)
        if len(args) > 1:
            raise TypeError(f"new(): invalid data type '{type(args[1]).__name__}'")
        (data,) = args
        if isinstance(data, Tensor):
            if data.dtype != cls.dtype:
                raise TypeError(f"expected {cls.dtype} (got {data.dtype})")
            return data
        return ember.tensor(data, dtype=cls.dtype)

    def __repr__(cls):
        return f"<class 'ember.{cls.__name__}'>"


def _make(name, dt):
    return _TensorType(name, (), {"dtype": dt, "__module__": "ember"})


FloatTensor = _make("FloatTensor", _dtype.float32)
DoubleTensor = _make("DoubleTensor", _dtype.float64)
HalfTensor = _make("HalfTensor", _dtype.float16)
BFloat16Tensor = _make("BFloat16Tensor", _dtype.bfloat16)
LongTensor = _make("LongTensor", _dtype.int64)
IntTensor = _make("IntTensor", _dtype.int32)
ShortTensor = _make("ShortTensor", _dtype.int16)
CharTensor = _make("CharTensor", _dtype.int8)
ByteTensor = _make("ByteTensor", _dtype.uint8)
BoolTensor = _make("BoolTensor", _dtype.bool_)
