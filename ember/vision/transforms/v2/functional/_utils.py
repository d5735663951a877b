"""The kernel registry behind the v2 functionals: each functional looks up the kernel for its input's type.

A *kernel* does the work for one kind of input (``resize_image`` for tensors and ``Image``, ``resize_mask`` for
``Mask``, ...); the *functional* (``resize``) finds it with :func:`_get_kernel` and calls it. Kernels registered
with ``tv_tensor_wrapper=True`` (the default) receive a plain tensor and return a plain tensor (or a tuple of
them), which the registry wraps back into the input's tv_tensor type; kernels that need the metadata (boxes,
key points) are registered with ``tv_tensor_wrapper=False`` and handle the tv_tensor themselves.
"""

import functools

from ember._tensor import Tensor
from ember.vision import tv_tensors

_KERNEL_REGISTRY = {}  # functional -> {input type: kernel}


def is_pure_tensor(inpt):
    """Whether ``inpt`` is a plain ``ember.Tensor`` (not a tv_tensor)."""
    return isinstance(inpt, Tensor) and not isinstance(inpt, tv_tensors.TVTensor)


def _plain(inpt):
    """A tv_tensor's data as a plain tensor (shared, not copied)."""
    return tv_tensors._alias(inpt) if isinstance(inpt, tv_tensors.TVTensor) else inpt


def _rewrap(output, like):
    if isinstance(output, (tuple, list)):
        return type(output)(_rewrap(o, like) for o in output)
    return tv_tensors.wrap(output, like=like) if isinstance(output, Tensor) else output


def _tv_tensor_wrapper(kernel):
    @functools.wraps(kernel)
    def wrapper(inpt, *args, **kwargs):
        return _rewrap(kernel(_plain(inpt), *args, **kwargs), inpt)
    return wrapper


def _register_kernel_internal(functional, input_type, *, tv_tensor_wrapper=True):
    """Decorator: register ``kernel`` as ``functional``'s kernel for ``input_type``."""
    registry = _KERNEL_REGISTRY.setdefault(functional, {})
    if input_type in registry:
        raise ValueError(f"Functional {functional} already has a kernel registered for type {input_type}.")

    def decorator(kernel):
        wrap = tv_tensor_wrapper and isinstance(input_type, type) and issubclass(input_type, tv_tensors.TVTensor)
        registry[input_type] = _tv_tensor_wrapper(kernel) if wrap else kernel
        return kernel
    return decorator


def _name_to_functional(name):
    from ember.vision.transforms.v2 import functional
    try:
        return getattr(functional, name)
    except AttributeError:
        raise ValueError(f"Could not find functional with name '{name}' in torchvision.transforms.v2.functional."
                         .replace("torchvision.", "ember.vision.")) from None


def register_kernel(functional, tv_tensor_cls):
    """Decorator: register a kernel for a (custom) tv_tensor class with a v2 functional.

    The kernel receives the tv_tensor itself (with its metadata) and the functional's other arguments, and returns
    the result as the caller should get it.

    Args:
        functional: a functional of :mod:`ember.vision.transforms.v2.functional`, or its name.
        tv_tensor_cls: a subclass of :class:`~ember.vision.tv_tensors.TVTensor`.

    Example::

        >>> class MyBoxes(tv_tensors.TVTensor): ...
        >>> @F.register_kernel(F.horizontal_flip, MyBoxes)
        ... def flip_my_boxes(boxes):
        ...     return boxes.clone()
    """
    if isinstance(functional, str):
        functional = _name_to_functional(functional)
    elif not (callable(functional) and getattr(functional, "__module__", "").startswith(
            "ember.vision.transforms.v2.functional")):
        raise ValueError(f"Kernels can only be registered on functionals from the ember.vision.transforms.v2."
                         f"functional namespace, but got {functional}.")
    if not (isinstance(tv_tensor_cls, type) and issubclass(tv_tensor_cls, tv_tensors.TVTensor)):
        raise ValueError(f"Kernels can only be registered for subclasses of ember.vision.tv_tensors.TVTensor, "
                         f"but got {tv_tensor_cls}.")
    return _register_kernel_internal(functional, tv_tensor_cls, tv_tensor_wrapper=False)


def _passthrough(inpt, *args, **kwargs):
    return inpt


def _get_kernel(functional, input_type, *, allow_passthrough=False):
    """``functional``'s kernel for ``input_type`` (searched along its MRO, but a tv_tensor never falls back to the
    plain-tensor kernel); the identity if ``allow_passthrough`` and none fits; TypeError otherwise."""
    registry = _KERNEL_REGISTRY.get(functional)
    if not registry:
        raise ValueError(f"No kernel registered for functional {functional.__name__}.")
    for cls in input_type.__mro__:
        if cls in registry:
            return registry[cls]
        if cls is tv_tensors.TVTensor:
            break
    if allow_passthrough:
        return _passthrough
    raise TypeError(f"Functional F.{functional.__name__} supports inputs of type {registry.keys()}, "
                    f"but got {input_type} instead.")


def _pil_type():
    from ember.vision.transforms import functional as F1
    Image = F1._pil_image()
    return Image.Image if Image is not None else None


def _register_image(functional, pil_kernel=None):
    """Decorator: register a tensor-image kernel for plain tensors and ``Image`` (and ``pil_kernel`` for PIL)."""
    def decorator(kernel):
        _register_kernel_internal(functional, Tensor)(kernel)
        _register_kernel_internal(functional, tv_tensors.Image)(kernel)
        if pil_kernel is not None and _pil_type() is not None:
            _register_kernel_internal(functional, _pil_type())(pil_kernel)
        return kernel
    return decorator
