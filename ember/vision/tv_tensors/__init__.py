"""``ember.vision.tv_tensors``: tensor subclasses that tell the v2 transforms what a tensor holds (mirrors
``torchvision.tv_tensors``).

An :class:`Image`, :class:`Video`, :class:`Mask`, :class:`BoundingBoxes` or :class:`KeyPoints` is an
``ember.Tensor`` whose type (and metadata: a box format, a canvas size) selects the kernel each
:mod:`ember.vision.transforms.v2` transform applies to it.

How the type propagates (as torchvision's): ``clone``, ``to``, ``detach``, ``requires_grad_`` and
``pin_memory`` keep the subclass and its metadata; every other tensor method and operator returns a plain
``ember.Tensor`` (in-place ones too: they modify the data and return a plain alias). Inside
``with set_return_type("TVTensor"):`` (or after ``set_return_type("TVTensor")``) tensor *methods and operators*
return the subclass of their receiver, with its metadata. ember has no ``__torch_function__``, so free functions
(``ember.cat([img, img])``) always return plain tensors.

Example::

    >>> from ember.vision import tv_tensors
    >>> boxes = tv_tensors.BoundingBoxes([[0, 0, 10, 10]], format="XYXY", canvas_size=(32, 32))
    >>> boxes.clone().format
    <BoundingBoxFormat.XYXY: 'XYXY'>
    >>> type(boxes + 1).__name__
    'Tensor'
"""

import functools
import types
from enum import Enum

from ember._tensor import Tensor, wrap as _wrap_array

__all__ = ["BoundingBoxFormat", "BoundingBoxes", "Image", "KeyPoints", "Mask", "TVTensor", "Video",
           "is_rotated_bounding_format", "set_return_type", "wrap"]

_RETURN_TVTENSOR = False  # set_return_type's global flag


class _ReturnTypeCM:
    """What :func:`set_return_type` returns: usable as a context manager that restores the previous type."""

    def __init__(self, previous):
        self._previous = previous

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _RETURN_TVTENSOR
        _RETURN_TVTENSOR = self._previous


def set_return_type(return_type):
    """Set what tensor methods and operators on a :class:`TVTensor` return: ``"Tensor"`` (the default, a plain
    tensor) or ``"TVTensor"`` (the receiver's subclass, with its metadata); case-insensitive.

    Works as a global switch or as a context manager that restores the previous setting. The v2 transforms
    always return the input's type whatever this says.

    Example::

        >>> img = Image(ember.rand(3, 4, 4))
        >>> with set_return_type("TVTensor"):
        ...     type(img + 1).__name__
        'Image'
    """
    global _RETURN_TVTENSOR
    kind = return_type.lower() if isinstance(return_type, str) else None
    if kind not in ("tvtensor", "tensor"):
        raise ValueError(f"return_type must be 'TVTensor' or 'Tensor', got {return_type}")
    previous, _RETURN_TVTENSOR = _RETURN_TVTENSOR, kind == "tvtensor"
    return _ReturnTypeCM(previous)


def _alias(t):
    """A new plain Tensor object sharing ``t``'s data (and, when it requires grad, its autograd history)."""
    if t._requires_grad:
        return Tensor.view_as(t, t)  # a differentiable alias, so gradients still reach t
    return _wrap_array(t._data, vc=t._vc, base=t._parent)


def _retype(t, cls, meta):
    """``t`` (a Tensor object nobody else holds) turned into ``cls`` with the metadata ``meta``."""
    t.__class__ = cls  # TVTensor subclasses add no slots, so the layouts agree
    if meta:
        t.__dict__.update(meta)
    return t


def _to_tensor(data, dtype, device, requires_grad):
    """``data`` as a plain Tensor (no copy when possible) with ``requires_grad`` applied."""
    from ember._functions import as_tensor
    if requires_grad is None:
        requires_grad = data.requires_grad if isinstance(data, Tensor) else False
    t = as_tensor(data, dtype=dtype, device=device)
    t = _alias(t) if isinstance(t, Tensor) and t is data else t  # never retype the caller's object
    if requires_grad and not t._requires_grad:
        t.requires_grad_(True)
    elif not requires_grad and t._requires_grad:
        t = t.detach()
    return t


class TVTensor(Tensor):
    """Base class of the ``tv_tensors``: a plain ``ember.Tensor`` subclass carrying its kind (and metadata).

    Subclasses list their metadata attribute names in ``_meta``; :meth:`wrap` builds one like another.

    Example::

        >>> TVTensor(ember.zeros(2)).shape
        ember.Size([2])
    """

    __slots__ = ()
    _meta = ()

    def __new__(cls, data, *, dtype=None, device=None, requires_grad=None):
        return _retype(_to_tensor(data, dtype, device, requires_grad), cls, None)

    @classmethod
    def wrap(cls, tensor, like, **kwargs):
        """``tensor`` (not copied) as ``like``'s class with ``like``'s metadata, ``kwargs`` overriding it."""
        meta = {name: kwargs.pop(name, getattr(like, name)) for name in cls._meta}
        if kwargs:
            raise TypeError(f"{cls.__name__}.wrap() got an unexpected keyword argument '{next(iter(kwargs))}'")
        return _retype(_alias(tensor), cls, meta)

    def _metadata(self):
        return {name: self.__dict__[name] for name in self._meta}

    def _repr_meta(self):
        """The text after the values in the repr (None: nothing, not even the separator)."""
        return None

    def __repr__(self, *, tensor_contents=None):
        from ember._printing import tensor_repr
        out = tensor_repr(self, prefix=f"{type(self).__name__}(")
        meta = self._repr_meta()
        return out if meta is None else f"{out[:-1]}, {meta})"

    def __reduce_ex__(self, protocol):
        from ember._backend import to_numpy
        return (_rebuild, (type(self), to_numpy(self._data), self._requires_grad, self._metadata()))

    # The methods that keep the subclass (and metadata) whatever the return type is.
    def _keep(self, out):
        return out if out is self else type(self).wrap(out, self)

    def clone(self, *args, **kwargs):
        return self._keep(Tensor.clone(self, *args, **kwargs))

    def to(self, *args, **kwargs):
        return self._keep(Tensor.to(self, *args, **kwargs))

    def detach(self):
        return self._keep(Tensor.detach(self))

    def requires_grad_(self, requires_grad=True):
        return self._keep(Tensor.requires_grad_(self, requires_grad))

    def pin_memory(self, *args, **kwargs):
        return self._keep(Tensor.pin_memory(self, *args, **kwargs))


def _rebuild(cls, array, requires_grad, meta):
    from ember._backend import xp
    t = _wrap_array(xp.asarray(array))
    t._requires_grad = requires_grad
    return _retype(t, cls, meta)


def _convert_output(out, receiver):
    """A method's result as torchvision returns it: plain tensors, or ``receiver``'s kind under
    ``set_return_type("TVTensor")``."""
    if isinstance(out, Tensor):
        if _RETURN_TVTENSOR:
            return out if out is receiver else type(receiver).wrap(out, receiver)
        return _alias(out) if isinstance(out, TVTensor) else out
    if isinstance(out, (tuple, list)) and any(isinstance(o, Tensor) for o in out):
        items = [_convert_output(o, receiver) for o in out]
        return type(out)(*items) if hasattr(out, "_fields") else type(out)(items)
    return out


def _unwrapping(fn):
    @functools.wraps(fn)
    def method(self, *args, **kwargs):
        return _convert_output(fn(self, *args, **kwargs), self)
    return method


# Every public tensor method and operator of Tensor, re-declared on TVTensor so that its result is converted.
_NOT_WRAPPED = {"__init__", "__repr__", "__reduce_ex__", "__deepcopy__", "__init_subclass__", "__getattr__",
                "__getattribute__", "__setattr__", "__delattr__", "__array__", "__format__", "__hash__", "__iter__",
                "__len__", "__bool__", "__float__", "__int__", "__index__", "__complex__", "__contains__", "__dir__",
                "__sizeof__", "__reduce__", "__getstate__", "__setstate__"}
for _name, _fn in list(vars(Tensor).items()):
    if (isinstance(_fn, types.FunctionType) and _name not in _NOT_WRAPPED and _name not in vars(TVTensor)
            and (not _name.startswith("_") or (_name.startswith("__") and _name.endswith("__")))):
        setattr(TVTensor, _name, _unwrapping(_fn))


def wrap(wrappee, *, like, **kwargs):
    """``wrappee`` (a tensor, not copied) as the same :class:`TVTensor` subclass as ``like``, with ``like``'s
    metadata; ``kwargs`` override metadata fields (``format``, ``canvas_size``, ...).

    Example::

        >>> boxes = BoundingBoxes([[0, 0, 4, 4]], format="XYXY", canvas_size=(8, 8))
        >>> wrap(ember.zeros(2, 4), like=boxes).canvas_size
        (8, 8)
    """
    if not isinstance(like, TVTensor):
        return wrappee
    return type(like).wrap(wrappee, like, **kwargs)


class Image(TVTensor):
    """An image tensor ``[..., C, H, W]``.

    Args:
        data: a tensor, array, nested list or PIL image (2-d data becomes ``[1, H, W]``).
        dtype, device, requires_grad: as for :func:`ember.tensor`; ``requires_grad=None`` keeps the data's flag.

    Example::

        >>> Image(ember.zeros(8, 8)).shape
        ember.Size([1, 8, 8])
    """

    __slots__ = ()

    def __new__(cls, data, *, dtype=None, device=None, requires_grad=None):
        from ember.vision.transforms import functional as F1
        if F1._is_pil(data):
            data = F1.pil_to_tensor(data)
        t = _to_tensor(data, dtype, device, requires_grad)
        if t.ndim < 2:
            raise ValueError(f"Tensor must be 2D or higher, got {t.ndim}D tensor.")
        if t.ndim == 2:
            t = Tensor.unsqueeze(t, 0)
        return _retype(t, cls, None)

    def _repr_meta(self):
        return ""


class Video(TVTensor):
    """A video tensor ``[..., T, C, H, W]`` (at least 4-d).

    Args:
        data: a tensor, array or nested list.
        dtype, device, requires_grad: as for :func:`ember.tensor`.

    Example::

        >>> Video(ember.zeros(2, 3, 8, 8)).shape
        ember.Size([2, 3, 8, 8])
    """

    __slots__ = ()

    def __new__(cls, data, *, dtype=None, device=None, requires_grad=None):
        t = _to_tensor(data, dtype, device, requires_grad)
        if t.ndim < 4:
            raise ValueError
        return _retype(t, cls, None)

    def _repr_meta(self):
        return ""


class Mask(TVTensor):
    """A segmentation or detection mask ``[..., H, W]``.

    Args:
        data: a tensor, array, nested list or PIL image (read as ``[C, H, W]``).
        dtype, device, requires_grad: as for :func:`ember.tensor`.

    Example::

        >>> Mask(ember.zeros(2, 8, 8, dtype=ember.bool)).dtype
        ember.bool
    """

    __slots__ = ()

    def __new__(cls, data, *, dtype=None, device=None, requires_grad=None):
        from ember.vision.transforms import functional as F1
        if F1._is_pil(data):
            data = F1.pil_to_tensor(data)
        return _retype(_to_tensor(data, dtype, device, requires_grad), cls, None)


class BoundingBoxFormat(Enum):
    """How a box's numbers are laid out: corners (``XYXY``), corner and size (``XYWH``), centre and size
    (``CXCYWH``); rotated boxes add an angle in degrees (``XYWHR``, ``CXCYWHR``) or give all four corners
    (``XYXYXYXY``)."""

    XYXY = "XYXY"
    XYWH = "XYWH"
    CXCYWH = "CXCYWH"
    XYWHR = "XYWHR"
    CXCYWHR = "CXCYWHR"
    XYXYXYXY = "XYXYXYXY"


def is_rotated_bounding_format(format):  # noqa: A002 - torchvision's name
    """Whether ``format`` (a :class:`BoundingBoxFormat`) describes rotated boxes."""
    return format in (BoundingBoxFormat.XYWHR, BoundingBoxFormat.CXCYWHR, BoundingBoxFormat.XYXYXYXY)


_CLAMPING_MODES = (None, "hard", "soft")


def _parse_format(format):  # noqa: A002
    if isinstance(format, str):
        return BoundingBoxFormat[format.upper()]
    if not isinstance(format, BoundingBoxFormat):
        raise ValueError(f"format should be str or BoundingBoxFormat, got {type(format)}")
    return format


class BoundingBoxes(TVTensor):
    """Boxes ``[N, K]`` (one box per row; K = 4, 5 or 8 numbers by ``format``) on a ``canvas_size`` image.

    Args:
        data: a tensor, array or nested list (one box may be given as a 1-d row).
        format: a :class:`BoundingBoxFormat` or its name (any case).
        canvas_size: (height, width) of the image the boxes belong to.
        clamping_mode: how transforms clamp the boxes to the canvas: ``"soft"`` (default), ``"hard"`` or None.
        dtype, device, requires_grad: as for :func:`ember.tensor`.

    Example::

        >>> BoundingBoxes([0, 0, 4, 4], format="xyxy", canvas_size=(8, 8)).shape
        ember.Size([1, 4])
    """

    __slots__ = ()
    _meta = ("format", "canvas_size", "clamping_mode")

    def __new__(cls, data, *, format, canvas_size, clamping_mode="soft", dtype=None, device=None,  # noqa: A002
                requires_grad=None):
        t = _to_tensor(data, dtype, device, requires_grad)
        if t.ndim == 1:
            t = Tensor.unsqueeze(t, 0)
        elif t.ndim != 2:
            raise ValueError(f"Expected a 1D or 2D tensor, got {t.ndim}D")
        format = _parse_format(format)  # noqa: A001
        rotated = (BoundingBoxFormat.XYWHR, BoundingBoxFormat.CXCYWHR, BoundingBoxFormat.XYXYXYXY)
        if format in rotated and not t.is_floating_point():
            raise ValueError(f"Rotated bounding boxes should be floating point tensors, got {t.dtype}.")
        if clamping_mode not in _CLAMPING_MODES:
            raise ValueError(f"clamping_mode must be None, hard or soft, got {clamping_mode}.")
        return _retype(t, cls, {"format": format, "canvas_size": canvas_size, "clamping_mode": clamping_mode})

    @classmethod
    def wrap(cls, tensor, like, **kwargs):
        if isinstance(kwargs.get("format"), str):
            kwargs["format"] = _parse_format(kwargs["format"])
        return super().wrap(tensor, like, **kwargs)

    def _repr_meta(self):
        return (f"format={self.format}, canvas_size={self.canvas_size}, "
                f"clamping_mode={self.clamping_mode}")


class KeyPoints(TVTensor):
    """Points ``[..., 2]`` given as (x, y) on a ``canvas_size`` image (one point may be given as a 1-d row).

    Args:
        data: a tensor, array or nested list.
        canvas_size: (height, width) of the image the points belong to.
        dtype, device, requires_grad: as for :func:`ember.tensor`.

    Example::

        >>> KeyPoints([[1, 2], [3, 4]], canvas_size=(8, 8)).shape
        ember.Size([2, 2])
    """

    __slots__ = ()
    _meta = ("canvas_size",)

    def __new__(cls, data, *, canvas_size, dtype=None, device=None, requires_grad=None):
        t = _to_tensor(data, dtype, device, requires_grad)
        if t.ndim == 1:
            t = Tensor.unsqueeze(t, 0)
        elif t.shape[-1] != 2:
            raise ValueError(f"Expected a tensor of shape (..., 2), not {t.shape}")
        return _retype(t, cls, {"canvas_size": canvas_size})

    def _repr_meta(self):
        return f"canvas_size={self.canvas_size}"
