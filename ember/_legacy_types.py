"""The legacy typed constructors ``ember.FloatTensor``, ``ember.LongTensor``, ... (``torch.FloatTensor`` ...).

Older tutorials build tensors with ``torch.LongTensor(data)`` or ``torch.FloatTensor(2, 3)`` and test types
with ``isinstance(x, torch.FloatTensor)``. Each name is a class whose instances are the ``ember.Tensor``s of
its dtype: calling it makes such a tensor; ``isinstance`` checks the dtype.
"""

import numbers
import operator

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
            return ember.empty(0, dtype=cls.dtype, device="cpu")
        if len(args) == 1 and isinstance(args[0], Size):
            return ember._functions._zeros_sized(tuple(args[0]), dtype=cls.dtype, device="cpu")
        if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
            # PyTorch leaves this memory uninitialised; zeros are one valid content
            return ember._functions._zeros_sized(args, dtype=cls.dtype, device="cpu")
        if len(args) > 1:  # sizes with a bool or NumPy integer among them, or PyTorch's TypeError
            ember._tensor._legacy_new_check(args, kwargs)
            return ember._functions._zeros_sized(tuple(operator.index(a) for a in args), dtype=cls.dtype,
                                                    device="cpu")
        (data,) = args
        if isinstance(data, Tensor):
            if data.dtype != cls.dtype:
                raise TypeError(f"expected {cls.dtype} (got {data.dtype})")
            return data
        return ember.tensor(data, dtype=cls.dtype, device="cpu")  # (PyTorch's legacy types ignore the default device)

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


class _CudaTensorType(type):
    """Metaclass of ``ember.cuda.FloatTensor`` and its kin (``torch.cuda.FloatTensor``): ember has no CUDA tensors,
    so ``isinstance`` is always False and calling raises PyTorch's error of a build without CUDA."""

    def __instancecheck__(cls, obj):
        return False

    def __call__(cls, *args, **kwargs):
        raise TypeError(f"type {cls.__module__}.{cls.__name__} not available. Torch not compiled with CUDA enabled.")

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__name__}'>"


def _make_cuda(cpu_type):
    return _CudaTensorType(cpu_type.__name__, (), {"dtype": cpu_type.dtype, "is_cuda": True, "is_sparse": False,
                                                   "__module__": "ember.cuda"})


# (PyTorch has no CUDA type for every CPU one; these are the ones it has)
_CUDA_TYPES = {t.__name__: _make_cuda(t) for t in (FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor,
                                                   IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor)}
