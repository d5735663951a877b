"""Type aliases for annotating code that uses ember (mirrors ``torch.types``).

Example::

    >>> from ember.types import Device, Number
    >>> def scale(x: "ember.Tensor", by: Number = 2, device: Device = None): ...
"""

import os
from collections.abc import Sequence
from typing import IO, Union

from ember._dtype import dtype as _dtype  # noqa: F401 - the aliases torch.types has
from ember._tensor import Size, Tensor
from ember._tensor import device as _device
from ember._tensor import layout as _layout  # noqa: F401

__all__ = ["Number", "Device", "FileLike", "Storage"]  # noqa: F822 - Storage: bound by __getattr__ below

# builtins under names that stay usable where ember's dtypes (ember.int, ember.float, ...) shadow them
_bool = bool
_bytes = bytes
_complex = complex
_float = float
_int = int
_str = str

_TensorOrTensors = Union[Tensor, Sequence[Tensor]]
_TensorOrOptionalTensors = Union[Tensor, Sequence[Union[Tensor, None]]]
_size = Union[Size, list[int], tuple[int, ...]]
_symsize = _size  # (ember has no symbolic sizes)

# ember has no symbolic shapes: the Sym* kinds are the plain Python types
IntLikeType = int
FloatLikeType = float
BoolLikeType = bool
py_sym_types = ()
PySymType = Union[int, float, bool]

_Number = (int, float, bool)
Number = Union[int, float, bool]
FileLike = Union[str, os.PathLike, IO[bytes]]
Device = Union[_device, str, int, None]


def __getattr__(name):
    # Storage: the storage classes (ember/storage.py), loaded only when asked for.
    if name == "Storage":
        from ember.storage import TypedStorage, UntypedStorage
        value = globals()["Storage"] = Union[UntypedStorage, TypedStorage]
        return value
    raise AttributeError(f"module 'ember.types' has no attribute '{name}'")

