"""Parametrizations: express a parameter or buffer of a module as a function of other tensors.

``register_parametrization(module, "weight", P)`` moves ``module.weight`` to
``module.parametrizations.weight.original`` and turns ``module.weight`` into a property that returns
``P(original)`` on every access (mirrors ``torch.nn.utils.parametrize``).
"""

import collections.abc
import copy
from contextlib import contextmanager

from ember._tensor import Tensor
from ember.autograd.grad_mode import no_grad
from ember.nn.modules.container import ModuleDict, ModuleList
from ember.nn.parameter import Parameter

__all__ = ["cached", "ParametrizationList", "register_parametrization", "is_parametrized",
           "remove_parametrizations", "type_before_parametrizations", "transfer_parametrizations_and_params"]

_cache_enabled = 0
_cache = {}


@contextmanager
def cached():
    """Context manager: inside it each parametrized tensor is computed once and reused.

    Useful when a parametrized weight is read many times in one forward pass (e.g. a recurrent layer).

    Example::

        >>> with ember.nn.utils.parametrize.cached():
        ...     out = model(x)   # model.weight is computed on first access only
    """
    global _cache_enabled, _cache
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module, name, value):
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _set_data(dest, src):
    # In-place ``set_``: the tensor object (held by optimizers) stays, its data is replaced.
    dest.data = src
    dest._vc[0] += 1


def _check_result(value, dtype, shape, what):
    if not isinstance(value, Tensor):
        # PyTorch's wording here does not name ``what``
        raise ValueError(f"A parametrization must return a tensor. Got {type(value).__name__}.")
    if value.dtype != dtype:
        raise ValueError(f"{what} may not change the dtype of the tensor, unless `unsafe` flag is enabled.\n"
                         f"unparametrized dtype: {_tname(dtype)}\nparametrized dtype: {_tname(value.dtype)}")
    if value.shape != shape:
        raise ValueError(f"{what} may not change the shape of the tensor, unless `unsafe` flag is enabled.\n"
                         f"unparametrized shape: {_tsize(shape)}\nparametrized shape: {_tsize(value.shape)}")


def _tname(dtype):
    return str(dtype).replace("ember.", "torch.")


def _tsize(shape):
    return repr(shape).replace("ember.", "torch.")


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor of a module, applied in order, plus the unparametrized tensor.

    The unparametrized tensor is ``original`` (or ``original0``, ``original1``, ... when the first
    parametrization's ``right_inverse`` returns a sequence of tensors). Built by
    :func:`register_parametrization`; not meant to be created directly.

    Args:
        modules: the parametrizations (a non-empty sequence of modules).
        original: the parameter or buffer being parametrized.
        unsafe: skip the dtype/shape consistency checks.
    """

    def __init__(self, modules, original, unsafe=False):
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        shape, dtype = original.shape, original.dtype
        # The stored tensors are what right_inverse (applied last-to-first) gives for the current value.
        with no_grad():
            new = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, (Tensor, collections.abc.Sequence)):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                             f"Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if new.dtype != dtype:
                raise ValueError("When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                                 f"original.dtype: {_tname(dtype)}\nright_inverse(original).dtype: "
                                 f"{_tname(new.dtype)}")
            # Keep the same tensor object so optimizers that hold it keep working.
            with no_grad():
                if new is not original:
                    _set_data(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, value in enumerate(new):
                if not isinstance(value, Tensor):
                    raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors "
                                     f"(list, tuple...). Got element {i} of the sequence with type "
                                     f"{type(value).__name__}.")
                if isinstance(original, Parameter):
                    value = Parameter(value.detach(), original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", value)
        if not self.unsafe:
            _check_result(self(), dtype, shape, "Registering a parametrization")

    def right_inverse(self, value):
        """Set the stored tensor(s) so that the parametrized tensor becomes ``value``."""
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                if not self.unsafe:
                    if value.dtype != self.original.dtype:
                        raise ValueError(f"The tensor returned by `right_inverse` has dtype {_tname(value.dtype)} "
                                         f"while `original` has dtype {_tname(self.original.dtype)}")
                    if value.shape != self.original.shape:
                        raise ValueError(f"The tensor returned by `right_inverse` has shape {_tsize(value.shape)} "
                                         f"while `original` has shape {_tsize(self.original.shape)}")
                _set_data(self.original, value)
            else:
                if not isinstance(value, collections.abc.Sequence):
                    raise ValueError("'right_inverse' must return a sequence of tensors. "
                                     f"Got {type(value).__name__}.")
                if len(value) != self.ntensors:
                    raise ValueError("'right_inverse' must return a sequence of tensors of length "
                                     f"{self.ntensors}. Got a sequence of length {len(value)}.")
                for i, tensor in enumerate(value):
                    original_i = getattr(self, f"original{i}")
                    if not isinstance(tensor, Tensor):
                        raise ValueError(f"`right_inverse` must return a sequence of tensors. "
                                         f"Got element {i} of type {type(tensor).__name__}")
                    if original_i.dtype != tensor.dtype:
                        raise ValueError(f"Tensor {i} returned by `right_inverse` has dtype {_tname(tensor.dtype)} "
                                         f"while `original{i}` has dtype {_tname(original_i.dtype)}")
                    if original_i.shape != tensor.shape:
                        raise ValueError(f"Tensor {i} returned by `right_inverse` has shape {_tsize(tensor.shape)} "
                                         f"while `original{i}` has shape {_tsize(original_i.shape)}")
                    _set_data(original_i, tensor)

    def forward(self):
        mods = list(self)
        if self.is_tensor:
            x = mods[0](self.original)
        else:
            x = mods[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in mods[1:]:
            x = module(x)
        return x


def _inject_new_class(module):
    """Swap ``module``'s class for a ``Parametrized<Name>`` subclass that can hold the properties."""
    cls = module.__class__

    def getstate(self):
        raise RuntimeError("Serialization of parametrized modules is only supported through state_dict(). See:\n"
                           "https://pytorch.org/tutorials/beginner/saving_loading_models.html"
                           "#saving-loading-a-general-checkpoint-for-inference-and-or-resuming-training")

    def deepcopy(self, memo):
        new = memo.get(id(self))
        if new is not None:
            return new
        new = self.__new__(self.__class__)
        memo[id(self)] = new
        new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    new_cls = type(f"Parametrized{cls.__name__}", (cls,), {"__getstate__": getstate, "__deepcopy__": deepcopy})
    module.__class__ = new_cls


def _inject_property(module, tensor_name):
    def get_parametrized(self):
        parametrization = self.parametrizations[tensor_name]
        if _cache_enabled:
            # keyed by the instance: deep copies share this class (and this property)
            key = (id(self), tensor_name)
            tensor = _cache.get(key)
            if tensor is None:
                tensor = parametrization()
                _cache[key] = tensor
            return tensor
        return parametrization()

    def set_original(self, value):
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make ``module.<tensor_name>`` the output of ``parametrization`` applied to a stored tensor.

    The parameter (or buffer) moves to ``module.parametrizations[tensor_name].original`` and
    ``module.<tensor_name>`` becomes ``parametrization(original)``, recomputed on every access (see
    :func:`cached`). If ``parametrization`` has ``right_inverse(X)``, the stored tensor is initialised to it (it
    may return a sequence of tensors, stored as ``original0``, ``original1``, ...) and assigning to
    ``module.<tensor_name>`` calls it. Registering again on the same name chains the parametrizations.

    Args:
        module: the module to parametrize.
        tensor_name: name of a parameter, buffer, or already parametrized tensor.
        parametrization: a ``Module`` computing the new tensor.
        unsafe: skip checking that the parametrization keeps the dtype and shape.

    Returns:
        ``module`` (its class becomes ``Parametrized<ClassName>``).

    Example::

        >>> class Symmetric(ember.nn.Module):
        ...     def forward(self, X):
        ...         return X.triu() + X.triu(1).mT
        >>> m = register_parametrization(ember.nn.Linear(3, 3), "weight", Symmetric())
        >>> bool((m.weight == m.weight.T).all())
        True
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            Y = getattr(module, tensor_name)
            X = parametrization(Y)
            if not isinstance(X, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(X).__name__}.")
            if X.dtype != Y.dtype:
                raise ValueError("Registering a parametrization may not change the dtype of the tensor, unless "
                                 f"the `unsafe` flag is enabled.\nmodule.{tensor_name}.dtype: {_tname(Y.dtype)}\n"
                                 f"parametrization(module.{tensor_name}).dtype: {_tname(X.dtype)}")
            if X.shape != Y.shape:
                raise ValueError("Registering a parametrization may not change the shape of the tensor, unless "
                                 f"the `unsafe` flag is enabled.\nmodule.{tensor_name}.shape: {_tsize(Y.shape)}\n"
                                 f"parametrization(module.{tensor_name}).shape: {_tsize(X.shape)}")
            if hasattr(parametrization, "right_inverse"):
                try:
                    Z = parametrization.right_inverse(X)
                except NotImplementedError:
                    pass
                else:
                    if not isinstance(Z, Tensor):
                        raise ValueError(f"parametrization.right_inverse must return a tensor. Got: "
                                         f"{type(Z).__name__}")
                    if Z.dtype != Y.dtype:
                        raise ValueError("The tensor returned by parametrization.right_inverse must have the same "
                                         f"dtype as module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
                                         f"module.{tensor_name}.dtype: {_tname(Y.dtype)}\n"
                                         f"returned dtype: {_tname(Z.dtype)}")
                    if Z.shape != Y.shape:
                        raise ValueError("The tensor returned by parametrization.right_inverse must have the same "
                                         f"shape as module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
                                         f"module.{tensor_name}.shape: {_tsize(Y.shape)}\n"
                                         f"returned shape: {_tsize(Z.shape)}")
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = plist
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with "
                         f"name '{tensor_name}'")
    return module


def is_parametrized(module, tensor_name=None):
    """Whether ``module`` has a parametrization (on ``tensor_name``, or on any tensor when it is None)."""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo :func:`register_parametrization` on ``tensor_name``.

    Args:
        module: the parametrized module.
        tensor_name: which tensor.
        leave_parametrized: keep the current parametrized value (``True``) or go back to the stored
            unparametrized tensor (``False``; impossible when it is a sequence of tensors).

    Returns:
        ``module``; once its last parametrization is gone it gets its original class back.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                value = getattr(module, tensor_name)
                _set_data(original, value)
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
                             "parametrized in terms of a sequence of tensors.")
        with no_grad():
            value = getattr(module, tensor_name)
        if plist.original0.requires_grad:
            original = Parameter(value.detach(), True)
        else:
            original = value.detach()
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module):
    """The class of ``module`` before any parametrization swapped it for ``Parametrized<Name>``."""
    if is_parametrized(module):
        return module.__class__.__bases__[0]
    return type(module)


def transfer_parametrizations_and_params(from_module, to_module, tensor_name=None):
    """Copy the parametrizations (and their stored tensors) of ``from_module`` onto ``to_module``.

    Args:
        from_module: a parametrized module.
        to_module: the module to parametrize the same way.
        tensor_name: only this tensor (default: every parametrized tensor).

    Returns:
        ``to_module``.
    """
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for name in names:
        source = from_module.parametrizations[name]
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name)))
        for parametrization in source:
            register_parametrization(to_module, name, parametrization)
        target = to_module.parametrizations[name]
        if hasattr(source, "original"):
            target.original = source.original
        else:
            i = 0
            while hasattr(source, f"original{i}"):
                setattr(target, f"original{i}", getattr(source, f"original{i}"))
                i += 1
    return to_module
