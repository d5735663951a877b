"""``Module``: the base class of every layer and model (mirrors ``torch.nn.Module``)."""

import functools
import itertools
import warnings
from collections import OrderedDict, namedtuple
from typing import Any, TypeVar

from ember import _dtype
from ember._tensor import Tensor, _check_device, _default_device, _is_meta_data
from ember._tensor import device as _device_cls, memory_format as _memory_format_cls
from ember.autograd.grad_mode import no_grad
from ember.nn.parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from ember.utils.hooks import RemovableHandle, _HookDict

import ember.nn.modules.utils  # noqa: F401,E402 - torch.nn.modules.utils is reachable after `import torch.nn`

__all__ = ["Module", "register_module_forward_pre_hook", "register_module_forward_hook",
           "register_module_full_backward_pre_hook", "register_module_full_backward_hook",
           "register_module_backward_hook", "register_module_buffer_registration_hook",
           "register_module_parameter_registration_hook", "register_module_module_registration_hook"]

# Hooks applied to every module (register_module_*_hook). _global_any holds the id of every one of them, so the
# hook-free fast path of Module.__call__ costs a single extra truth test.
_global_any = _HookDict()
_global_forward_pre_hooks = _HookDict()
_global_forward_hooks = _HookDict()
_global_forward_hooks_with_kwargs = _HookDict()
_global_forward_hooks_always_called = _HookDict()
_global_backward_pre_hooks = _HookDict()
_global_backward_hooks = _HookDict()
# None until a global backward hook is registered; then whether it was a full one (register_module_full_backward_hook)
# or a regular one (register_module_backward_hook). As in PyTorch it stays set once the hooks are removed.
_global_is_full_backward_hook = None


def _add_global(hook, hooks, *flags):
    handle = RemovableHandle(hooks, extra_dict=[_global_any, *flags])
    hooks[handle.id] = hook
    _global_any[handle.id] = True
    return handle


def register_module_forward_pre_hook(hook):
    """Call ``hook(module, args)`` before the ``forward`` of every module (before its own pre-hooks).

    It may return new args. Returns a handle whose ``remove()`` unregisters it.

    Example::

        >>> handle = ember.nn.modules.module.register_module_forward_pre_hook(lambda m, args: None)
        >>> handle.remove()
    """
    return _add_global(hook, _global_forward_pre_hooks)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """Call ``hook(module, args, output)`` after the ``forward`` of every module (before its own hooks).

    Args:
        hook: may return a new output.
        with_kwargs: call ``hook(module, args, kwargs, output)`` instead.
        always_call: also call it (with ``output=None``) when ``forward`` raises.

    Returns a handle whose ``remove()`` unregisters it.
    """
    handle = _add_global(hook, _global_forward_hooks, _global_forward_hooks_with_kwargs,
                         _global_forward_hooks_always_called)
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_full_backward_pre_hook(hook):
    """Call ``hook(module, grad_output)`` for every module once its output gradients are known (first).

    It may return a new ``grad_output``. Returns a handle whose ``remove()`` unregisters it.
    """
    return _add_global(hook, _global_backward_pre_hooks)


def register_module_full_backward_hook(hook):
    """Call ``hook(module, grad_input, grad_output)`` for every module once its input gradients are known (first).

    It may return a new ``grad_input``. A process cannot mix it with :func:`register_module_backward_hook`
    (RuntimeError). Returns a handle whose ``remove()`` unregisters it.
    """
    global _global_is_full_backward_hook
    if _global_is_full_backward_hook is False:
        raise RuntimeError(_GLOBAL_MIXED_BACKWARD_HOOKS)
    _global_is_full_backward_hook = True
    return _add_global(hook, _global_backward_hooks)


def register_module_backward_hook(hook):
    """Deprecated in PyTorch; here it runs as a :func:`register_module_full_backward_hook` does.

    A process cannot mix it with :func:`register_module_full_backward_hook` (RuntimeError), even once the
    hooks of the other kind are removed.
    """
    global _global_is_full_backward_hook
    if _global_is_full_backward_hook is True:
        raise RuntimeError(_GLOBAL_MIXED_BACKWARD_HOOKS)
    _global_is_full_backward_hook = False
    return _add_global(hook, _global_backward_hooks)


_GLOBAL_MIXED_BACKWARD_HOOKS = ("Cannot use both regular backward hooks and full backward hooks as a global Module "
                                "hook. Please use only one of them.")


# Registration hooks (register_module_*_registration_hook): plain dicts, so registering costs one truth test
_global_buffer_registration_hooks = _HookDict()
_global_parameter_registration_hooks = _HookDict()
_global_module_registration_hooks = _HookDict()


def _registered(hooks, module, name, value):
    # each hook sees the value left by the one before and may replace it
    for hook in tuple(hooks.values()):
        out = hook(module, name, value)
        if out is not None:
            value = out
    return value


def _add_registration_hook(hook, hooks):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


def register_module_buffer_registration_hook(hook):
    """Call ``hook(module, name, buffer)`` whenever any module registers a buffer (also ``None``).

    It may return a replacement buffer. Returns a handle whose ``remove()`` unregisters it.

    Example::

        >>> handle = ember.nn.modules.module.register_module_buffer_registration_hook(lambda m, n, b: None)
        >>> handle.remove()
    """
    return _add_registration_hook(hook, _global_buffer_registration_hooks)


def register_module_parameter_registration_hook(hook):
    """Call ``hook(module, name, param)`` whenever any module registers a parameter (not for ``None``).

    It may return a replacement parameter. Returns a handle whose ``remove()`` unregisters it.
    """
    return _add_registration_hook(hook, _global_parameter_registration_hooks)


def register_module_module_registration_hook(hook):
    """Call ``hook(module, name, submodule)`` whenever any module registers a submodule (also ``None``).

    It may return a replacement submodule. Returns a handle whose ``remove()`` unregisters it.
    """
    return _add_registration_hook(hook, _global_module_registration_hooks)


_FILE_ISSUE = ("Please file an issue at https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml to "
               "report this bug.")
_TO_SIGNATURES = tuple(f" * ({head}bool non_blocking = False, bool copy = False, *, torch.memory_format memory_format "
                       "= None)\n" for head in ("torch.device device = None, torch.dtype dtype = None, ",
                                                 "torch.dtype dtype, ", "Tensor tensor, "))


def _to_type_name(value):
    if isinstance(value, Tensor):
        return "Tensor"
    for cls, name in ((_dtype.dtype, "torch.dtype"), (_device_cls, "torch.device"),
                      (_memory_format_cls, "torch.memory_format")):
        if isinstance(value, cls):
            return name
    from ember._functions_args import type_name
    return type_name(value)


def _as_to_dtype(value):
    # a dtype, or a Python type standing for one (float: float64), else None
    if isinstance(value, _dtype.dtype):
        return value
    return _dtype.from_py(value) if isinstance(value, type) else None


def _parse_to(args, kwargs):
    """``Module.to``'s arguments as PyTorch parses them (its three signatures): (device, dtype, memory_format)."""
    if len(args) > 4:
        raise TypeError(f"to() takes from 0 to 4 positional arguments but {len(args)} were given")
    for sig in (("device", "dtype"), ("dtype",), ("tensor",)):
        params = sig + ("non_blocking", "copy")
        if len(args) > len(params) or any(k not in params + ("memory_format",) for k in kwargs):
            continue
        vals = dict(zip(params, args))
        if any(k in vals for k in kwargs):
            continue
        vals.update(kwargs)
        dev, dtype, fmt = vals.get("device"), vals.get("dtype"), vals.get("memory_format")
        if dev is not None and not (isinstance(dev, (str, _device_cls)) or type(dev) is int):
            continue
        if dtype is not None or sig == ("dtype",):
            dtype = _as_to_dtype(dtype)
            if dtype is None:
                continue
        if sig == ("tensor",):
            t = vals.get("tensor")
            if isinstance(t, (bool, int, float, complex)):  # (a Python number reads as a 0-d double tensor)
                dtype, dev = _dtype.from_py(type(t)), "cpu"
            elif isinstance(t, Tensor):
                dtype, dev = t.dtype, t.device
            else:
                continue
        if any(type(vals.get(k, False)) is not bool for k in ("non_blocking", "copy")):
            continue
        if fmt is not None and not isinstance(fmt, _memory_format_cls):
            continue
        if "copy" in vals:  # (given at all, even False)
            raise RuntimeError(".to() does not accept copy argument")
        return dev, dtype, fmt
    listed = [_to_type_name(a) for a in args] + [f"{k}={_to_type_name(v)}" for k, v in reversed(kwargs.items())]
    raise TypeError("to() received an invalid combination of arguments - got ("
                    + ", ".join(listed) + (", " if kwargs and not args else "") + "), but expected one of:\n"
                    + "".join(_TO_SIGNATURES))


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the missing and unexpected keys."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _addindent(text, n):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * n
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


def _typename(value):
    if isinstance(value, Tensor):
        return value.type().replace("ember.", "torch.")
    # PyTorch's typename: qualified by the module, except for builtins; a class or function names itself
    qual = getattr(value, "__qualname__", None)
    mod = getattr(value, "__module__", None) if isinstance(qual, str) else None
    if not isinstance(qual, str):
        t = type(value)
        qual, mod = t.__qualname__, t.__module__
    return qual if mod in (None, "", "builtins") else f"{mod}.{qual}"


_STATE_DICTS = ("_parameters", "_buffers", "_modules")
_UNINIT = (UninitializedParameter, UninitializedBuffer)


class _StateAttr:
    """Class-level shortcut to a parameter / buffer / submodule that instances keep in their state dicts.

    ``Module.__getattr__`` only runs after the normal lookup has failed, and in CPython building that failure's
    AttributeError costs several times the lookup itself (``self.weight`` took ~0.6 us). The first time
    ``__getattr__`` resolves a name from a state dict it puts one of these on the instance's class, so later
    lookups come straight here. It is a non-data descriptor: an instance attribute of the same name still wins,
    and whenever it cannot answer (no such state entry, an instance of a subclass, access on the class) it
    raises AttributeError, which sends Python on to ``__getattr__`` exactly as without it.
    """

    __slots__ = ("name", "owner")

    def __init__(self, name, owner):
        self.name = name
        self.owner = owner

    def __get__(self, obj, objtype=None):
        name = self.name
        if obj is None:
            raise AttributeError(f"type object '{objtype.__name__}' has no attribute '{name}'")
        if type(obj) is self.owner:  # a subclass may override __getattr__: leave its instances to it
            d = obj.__dict__
            store = d.get("_parameters")
            if store is not None and name in store:
                return store[name]
            store = d.get("_buffers")
            if store is not None and name in store:
                return store[name]
            store = d.get("_modules")
            if store is not None and name in store:
                return store[name]
        raise AttributeError(f"'{type(obj).__name__}' object has no attribute '{name}'")


def _is_state_attr(cls, name):
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return type(klass.__dict__[name]) is _StateAttr
    return False


def _install_state_attr(cls, name):
    """Put a :class:`_StateAttr` for ``name`` on ``cls`` when lookups through it resolve as ``__getattr__``."""
    if type(name) is not str or cls.__getattr__ is not Module.__getattr__ \
            or cls.__getattribute__ is not object.__getattribute__:
        return
    for klass in cls.__mro__:
        if name in klass.__dict__ and type(klass.__dict__[name]) is not _StateAttr:
            return
    try:
        type.__setattr__(cls, name, _StateAttr(name, cls))
    except (TypeError, AttributeError):  # classes that refuse new attributes keep the plain path
        pass


def _warn_if_not_full(module, args, result):
    """PyTorch's FutureWarnings for a module with non-full backward hooks, checked after each forward."""
    # PyTorch's checks of its non-full hooks, run after each forward whose output has a grad_fn
    var = result
    while not isinstance(var, Tensor):
        if isinstance(var, dict):
            var = next((v for v in var.values() if isinstance(v, Tensor)), None)
        elif isinstance(var, (list, tuple)) and var:
            var = var[0]
        else:
            return
    if var.grad_fn is None:
        return
    from ember._functions_args import warn
    end = "is deprecated and will be removed in future versions. This hook will be missing some"
    docs = "Please use register_full_backward_hook to get the documented behavior."
    if not isinstance(result, Tensor) and not (
            isinstance(result, tuple) and all(isinstance(r, Tensor) for r in result)):
        return warn("Using non-full backward hooks on a Module that does not return a single Tensor or a "
                    f"tuple of Tensors {end} of the grad_output. {docs}", FutureWarning)
    outputs = (result,) if isinstance(result, Tensor) else result
    if len({r.grad_fn for r in outputs if r.grad_fn is not None}) > 1:
        return warn("Using a non-full backward hook when outputs are generated by different autograd Nodes "
                    f"{end} grad_output. {docs}", FutureWarning)
    if not all(isinstance(a, Tensor) for a in args):
        return warn("Using non-full backward hooks on a Module that does not take as input a single Tensor "
                    f"or a tuple of Tensors {end} of the grad_input. {docs}", FutureWarning)
    # (seen through the identity node ember's full-hook machinery puts on the inputs, which PyTorch's
    # non-full hooks do not have; behind it, a leaf input is its AccumulateGrad node)
    def wrapper(node):
        return node is not None and type(node).__name__ == "BackwardHookFunctionBackward"

    inputs = set()
    for a in args:
        if wrapper(a.grad_fn):
            inputs.update(n for n, _ in a.grad_fn.next_functions if type(n).__name__ != "AccumulateGrad")
        elif a.grad_fn is not None:
            inputs.add(a.grad_fn)
    nexts = {n.next_functions[i][0] if wrapper(n) else n for n, i in var.grad_fn.next_functions}
    if inputs != nexts:
        warn(f"Using a non-full backward hook when the forward contains multiple autograd Nodes {end} "
             f"grad_input. {docs}", FutureWarning)



class Module:
    """Base class for all neural-network modules.

    Subclass it, create layers in ``__init__`` (assigning them registers their parameters) and define
    ``forward``; call the module (``model(x)``), not ``forward``, so hooks run.

    Example::

        >>> class Net(ember.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = ember.nn.Linear(4, 2)
        ...     def forward(self, x):
        ...         return self.fc(x).relu()
        >>> Net()(ember.randn(3, 4)).shape
        ember.Size([3, 2])
    """

    _version = 1
    training: bool
    dump_patches = False
    call_super_init = False
    T_destination = TypeVar("T_destination", bound=dict[str, Any])
    _compiled_call_impl = None  # set by compile()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_device_aware", False):
            import inspect
            try:
                params = list(inspect.signature(init).parameters.values())
            except (TypeError, ValueError):
                return
            names = [p.name for p in params]
            if "device" in names:
                p = params[names.index("device")]
                # (its position among the call's arguments, or None where it can only be given by keyword)
                pos = names.index("device") if p.kind is p.POSITIONAL_OR_KEYWORD else None
                cls.__init__ = _device_init(init, pos)

    def __init__(self, *args, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument "
                            f"'{next(iter(kwargs))}'")
        if args and not self.call_super_init:
            raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument but "
                            f"{len(args) + 1} were given")
        d = self.__dict__  # (in PyTorch's order: vars(module) lists them alike)
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_backward_pre_hooks"] = _HookDict()
        d["_backward_hooks"] = _HookDict()
        d["_is_full_backward_hook"] = None
        d["_forward_hooks"] = _HookDict()
        d["_forward_hooks_with_kwargs"] = _HookDict()
        d["_forward_hooks_always_called"] = _HookDict()
        d["_forward_pre_hooks"] = _HookDict()
        d["_forward_pre_hooks_with_kwargs"] = _HookDict()
        d["_state_dict_hooks"] = _HookDict()
        d["_state_dict_pre_hooks"] = _HookDict()
        d["_load_state_dict_pre_hooks"] = _HookDict()
        d["_load_state_dict_post_hooks"] = _HookDict()
        d["_modules"] = {}

    def forward(self, *args, **kwargs):
        """Define the computation; subclasses must override it."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ------------------------------------------------------------------------------------------ registration
    def register_buffer(self, name, tensor, persistent=True):
        """Add a tensor that is state but not a parameter (e.g. running statistics).

        Args:
            name: attribute name.
            tensor: a Tensor or None (None buffers are skipped by ``state_dict``).
            persistent: whether it is part of ``state_dict``.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        if tensor is not None and (_default_device[0] is not None
                                   or tensor._data.base is not None and _is_meta_data(tensor._data)):
            _to_default_device(tensor)
        if _global_buffer_registration_hooks:
            tensor = _registered(_global_buffer_registration_hooks, self, name, tensor)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name, param):
        """Add a parameter (a ``Parameter`` or None) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        if param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created "
                f"explicitly. To express '{name}' as a function of another Tensor, compute the value in "
                "the forward() method."
            )
        if _default_device[0] is not None or param._data.base is not None and _is_meta_data(param._data):
            _to_default_device(param)
        if _global_parameter_registration_hooks:
            param = _registered(_global_parameter_registration_hooks, self, name, param)
        self._parameters[name] = param

    def add_module(self, name, module):
        """Add a child module under ``name`` (reachable as an attribute)."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {type(name).__name__}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        if _global_module_registration_hooks:
            module = _registered(_global_module_registration_hooks, self, name, module)
        self._modules[name] = module

    def register_module(self, name, module):
        """Alias of :meth:`add_module`."""
        self.add_module(name, module)

    def __getattr__(self, name):
        d = self.__dict__
        for kind in _STATE_DICTS:
            store = d.get(kind)
            if store is not None and name in store:
                _install_state_attr(type(self), name)
                return store[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")

        def discard(*stores):
            for store in stores:
                if name in store:
                    del store[name]

        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            d.pop(name, None)
            discard(self._buffers, self._modules)
            self._non_persistent_buffers_set.discard(name)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            d.pop(name, None)
            discard(self._parameters, self._buffers)
            self._non_persistent_buffers_set.discard(name)
            if _global_module_registration_hooks:
                value = _registered(_global_module_registration_hooks, self, name, value)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            if _global_module_registration_hooks:
                value = _registered(_global_module_registration_hooks, self, name, value)
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if isinstance(value, Buffer):
            if buffers is None:
                raise AttributeError("cannot assign buffer before Module.__init__() call")
            d.pop(name, None)
            discard(self._parameters, self._modules)
            self.register_buffer(name, value, persistent=getattr(value, "_buffer_persistent", True))
            return
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(torch.nn.Buffer, torch.Tensor or None expected)")
            if _global_buffer_registration_hooks:
                value = _registered(_global_buffer_registration_hooks, self, name, value)
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        d = self.__dict__
        for kind in _STATE_DICTS:
            store = d.get(kind)
            if store is not None and name in store:
                del store[name]
                if kind == "_buffers":
                    self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        cls = type(self)
        attrs = {a for a in dir(cls) if not _is_state_attr(cls, a)} | set(self.__dict__)
        for kind in _STATE_DICTS:
            attrs |= set(self.__dict__.get(kind, ()))
        return sorted(a for a in attrs if not a[:1].isdigit())

    def __setstate__(self, state):
        self.__dict__.update(state)
        # Pickles from older versions may lack some of the hook dicts.
        for key in ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks", "_backward_pre_hooks",
                    "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks",
                    "_load_state_dict_post_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks_with_kwargs",
                    "_forward_hooks_always_called"):
            if key not in self.__dict__:
                self.__dict__[key] = _HookDict()
        self.__dict__.setdefault("_non_persistent_buffers_set", set())
        self.__dict__.setdefault("_is_full_backward_hook", None)

    def __getstate__(self):
        return self.__dict__.copy()

    # ------------------------------------------------------------------------------------------ traversal
    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for mod_prefix, mod in mods:
            for k, v in get_members(mod):
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(v))
                yield (mod_prefix + ("." if mod_prefix else "") + k, v)

    def parameters(self, recurse=True):
        """Iterate over the parameters (of submodules too when ``recurse``), each once."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Iterate over ``(name, parameter)`` pairs, names dotted like ``'fc.weight'``."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        """Iterate over the buffers."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Iterate over ``(name, buffer)`` pairs."""
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def children(self):
        """Iterate over the direct child modules."""
        for _, m in self.named_children():
            yield m

    def named_children(self):
        """Iterate over ``(name, child)`` pairs of direct children, each module once."""
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def modules(self):
        """Iterate over this module and all its descendants, each once."""
        for _, m in self.named_modules():
            yield m

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Iterate over ``(dotted name, module)`` for this module (name ``prefix``) and all descendants."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from m.named_modules(memo, sub, remove_duplicate)

    def get_submodule(self, target):
        """The submodule at dotted path ``target`` (``''`` is this module); AttributeError if absent."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
        return mod

    def set_submodule(self, target, module, strict=False):
        """Put ``module`` at dotted path ``target``, replacing the submodule there.

        Args:
            target: dotted path such as ``'layer1.0.conv'``; its parent must exist.
            module: the new ``Module``.
            strict: refuse to add a name that the parent does not have yet (AttributeError).
        """
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        *path, name = target.split(".")
        parent = self.get_submodule(".".join(path))
        if hasattr(parent, name):
            if not isinstance(getattr(parent, name), Module):
                raise AttributeError("`" + name + "` is not an nn.Module")
        elif strict:
            raise AttributeError(parent._get_name() + " has no attribute `" + name + "`")
        setattr(parent, name, module)

    def get_parameter(self, target):
        """The parameter at dotted path ``target``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        p = getattr(mod, name)
        if not isinstance(p, Parameter):
            raise AttributeError("`" + name + "` is not an nn.Parameter")
        return p

    def get_buffer(self, target):
        """The buffer at dotted path ``target``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + " has no attribute `" + name + "`")
        if name not in mod._buffers:
            raise AttributeError("`" + name + "` is not a buffer")
        return mod._buffers[name]

    # ------------------------------------------------------------------------------------------ modes
    def train(self, mode=True):
        """Set training mode (affects Dropout, BatchNorm, ...) here and in all children; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        """Set evaluation mode (``train(False)``); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters (to None, or to zeros when ``set_to_none=False``)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                g = p.grad
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g.zero_()

    def apply(self, fn):
        """Call ``fn`` on every submodule (children first) and on this module; returns self.

        Example::

            >>> net.apply(lambda m: ember.nn.init.zeros_(m.bias) if isinstance(m, ember.nn.Linear) else None)
        """
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------------------------------ conversion
    def _apply(self, fn, recurse=True):
        if recurse:
            for m in self.children():
                m._apply(fn)
        with no_grad():
            for p in self._parameters.values():
                if p is None:
                    continue
                new = fn(p)
                if new is not p:
                    # Keep the Parameter object (optimizers hold references); swap its data.
                    was_meta = p.is_meta
                    p._data = new._data
                    if was_meta or p.is_meta:  # (to or from the meta device: the class follows the data)
                        from ember._meta import fix_class
                        fix_class(p)
                g = p._grad
                if g is not None:
                    new = fn(g)
                    if new is not g:  # (in place too: PyTorch keeps the grad object, now converted)
                        was_meta = g.is_meta
                        g._data = new._data
                        if was_meta or g.is_meta:
                            from ember._meta import fix_class
                            fix_class(g)
            for key, b in self._buffers.items():
                if b is not None:
                    self._buffers[key] = fn(b)
        return self

    def to(self, *args, **kwargs):
        """Move and/or cast parameters and buffers: ``to(dtype)``, ``to(device)``, ``to(tensor)``,
        ``to(memory_format=ember.channels_last)``.

        Only floating-point tensors change dtype; ``memory_format`` lays out the 4-D and 5-D ones (convolution
        weights). Devices: the CPU and ``'meta'`` (``to('meta')`` drops the data; a meta module has none to move:
        use :meth:`to_empty`). Returns self.
        """
        dev, dtype, memory_format = _parse_to(args, kwargs)
        if dtype is not None and not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got desired "
                            f"dtype={str(dtype).replace('ember.', 'torch.')}")
        if dtype is not None and dtype.is_complex:
            _warn_complex_module()

        def convert(t):
            to_meta = dev is not None and _check_device(dev, meta_ok=True, copy=True)  # (raises once there is a tensor)
            if to_meta or (dev is not None and t.is_meta):
                if not to_meta:
                    raise NotImplementedError("Cannot copy out of meta tensor; no data! Please use "
                                              "torch.nn.Module.to_empty() instead of torch.nn.Module.to() when "
                                              "moving module from meta to a different device.")
                return t.to("meta", dtype if dtype is not None and (t.is_floating_point() or t.is_complex())
                            else None)
            if memory_format is not None and t.dim() in (4, 5):
                return t.to(dtype if t.is_floating_point() or t.is_complex() else None, memory_format=memory_format)
            if dtype is not None and (t.is_floating_point() or t.is_complex()):
                return t.to(dtype)
            return t

        return self._apply(convert)

    def float(self):
        """Cast floating-point parameters and buffers to float32; returns self."""
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        """Cast floating-point parameters and buffers to float64; returns self."""
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self):
        """Cast floating-point parameters and buffers to float16; returns self."""
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def bfloat16(self):
        return self._apply(lambda t: t.to(_dtype.bfloat16) if t.is_floating_point() else t)

    def type(self, dst_type):
        """Cast all parameters and buffers to ``dst_type``; returns self."""
        return self._apply(lambda t: t.type(dst_type))

    def cpu(self):
        """Move to the CPU (a no-op: ember tensors live there); returns self."""
        return self._apply(lambda t: t.cpu())

    def cuda(self, device=None):
        """Move to the GPU (raises like PyTorch built without CUDA)."""
        return self._apply(lambda t: t.cuda(device))

    def share_memory(self):
        """Move parameters and buffers to shared memory (``Tensor.share_memory_``); returns self."""
        return self._apply(lambda t: t.share_memory_())

    def xpu(self, device=None):
        """Move to an XPU (raises as PyTorch built without one, once there is a tensor to move)."""
        return self._apply(lambda t: _to_accelerator(t, "xpu", device))

    def ipu(self, device=None):
        """Move to an IPU (raises as PyTorch built without one, once there is a tensor to move)."""
        return self._apply(lambda t: _to_accelerator(t, "ipu", device))

    def mtia(self, device=None):
        """Move to an MTIA device (raises as PyTorch built without one, once there is a tensor to move)."""
        return self._apply(lambda t: _to_accelerator(t, "mtia", device))

    def to_empty(self, *, device, recurse=True):
        """Replace parameters and buffers by uninitialized tensors of the same shapes on ``device``.

        The way off the meta device: build a model there (no memory, no initialisation), then ``to_empty`` it to
        the CPU and load its weights (or re-run its initialisation). Parameter objects are kept (and their
        ``requires_grad``).

        Args:
            device: where the new tensors live: the CPU or ``'meta'``.
            recurse: also do it in submodules.

        Returns self. Example::

            >>> with ember.device("meta"):
            ...     lin = ember.nn.Linear(2, 3)
            >>> lin = lin.to_empty(device="cpu")   # values left uninitialized
            >>> lin.weight.device
            device(type='cpu')
        """
        from ember import empty_like
        meta = _check_device(device, meta_ok=True, copy=True)
        target = "meta" if meta else "cpu"
        return self._apply(lambda t: empty_like(t, device=target), recurse=recurse)

    # ------------------------------------------------------------------------------------------ state dict
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:  # (a lazy module's placeholders go in as they are, as in PyTorch)
                destination[prefix + name] = p if keep_vars or isinstance(p, _UNINIT) else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars or isinstance(b, _UNINIT) else b.detach()
        extra = getattr(type(self), "get_extra_state", Module.get_extra_state)
        if extra is not Module.get_extra_state:
            destination[prefix + "_extra_state"] = self.get_extra_state()

    def get_extra_state(self):
        """Extra (non-tensor) state to put in ``state_dict``; override together with ``set_extra_state``."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called. "
                           + _FILE_ISSUE)

    def set_extra_state(self, state):
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called. "
                           + _FILE_ISSUE)

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """An ordered dict of all parameters and persistent buffers, keyed by dotted names.

        Values are detached tensors sharing memory with the module (unless ``keep_vars``).

        Example::

            >>> list(ember.nn.Linear(2, 3).state_dict())
            ['weight', 'bias']
        """
        if args:
            warnings.warn("Positional args are being deprecated, use kwargs instead. Refer to "
                          "https://pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.state_dict "
                          "for details.", FutureWarning, stacklevel=2)
            destination = args[0] if len(args) > 0 else destination
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        meta = getattr(destination, "_metadata", None)
        if meta is not None:
            meta[prefix[:-1]] = {"version": self._version}
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            result = hook(self, destination, prefix, {"version": self._version})
            if result is not None:
                destination = result
        return destination

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
        persistent = {k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set}
        local = {k: v for k, v in itertools.chain(self._parameters.items(), persistent.items()) if v is not None}
        assign = bool(local_metadata.get("assign_to_params_buffers", False))
        for name, param in local.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor or '
                                  f"Tensor-like object from checkpoint but received {type(value)}")
                continue
            if isinstance(value, _UNINIT) and isinstance(param, _UNINIT):
                continue  # (lazy into lazy: nothing to copy yet)
            if param.ndim == 0 and value.ndim == 1 and value.shape[0] == 1:
                value = value[0]  # old checkpoints stored scalars as 1-element vectors
            if value.shape != param.shape:
                error_msgs.append(f"size mismatch for {key}: copying a param with shape {value.shape} from "
                                  f"checkpoint, the shape in current model is {param.shape}.")
                continue
            if not assign and param.is_meta and not value.is_meta:
                warnings.warn(f"for {key}: copying from a non-meta parameter in the checkpoint to a meta parameter "
                              "in the current model, which is a no-op. (Did you mean to pass `assign=True` to assign "
                              "items in the state dictionary to their corresponding key in the module instead of "
                              "copying them in place?)", UserWarning, stacklevel=4)
                continue
            try:
                with no_grad():
                    if not assign and value.is_meta and not param.is_meta:
                        raise NotImplementedError("Cannot copy out of meta tensor; no data!")
                    if assign:
                        if isinstance(param, Parameter):
                            # the module's requires_grad wins, also over a Parameter given in the state dict
                            new = value if isinstance(value, Parameter) else Parameter(value, param.requires_grad)
                            new.requires_grad_(param.requires_grad)
                            self._parameters[name] = new
                        else:
                            self._buffers[name] = value
                    else:
                        param.copy_(value)
            except Exception as exc:  # noqa: BLE001 - reported like PyTorch, with the cause
                error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in the model '
                                  f"are {param.shape} and whose dimensions in the checkpoint are "
                                  f"{value.shape}, an exception occurred : {exc.args}.")
        extra_key = prefix + "_extra_state"
        has_extra = getattr(type(self), "set_extra_state", Module.set_extra_state) is not Module.set_extra_state
        if has_extra:
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        if strict:
            for key in state_dict:
                if not key.startswith(prefix) or key == extra_key and has_extra:
                    continue
                first = key[len(prefix):].split(".", 1)[0]
                if first not in self._modules and first not in local:
                    unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy parameters and buffers from ``state_dict`` into this module and its descendants.

        Args:
            state_dict: a mapping from dotted names to tensors (as made by ``state_dict()``).
            strict: raise RuntimeError when keys are missing or unexpected.
            assign: replace the tensors instead of copying into them.

        Returns:
            ``_IncompatibleKeys(missing_keys, unexpected_keys)``.
        """
        from collections.abc import Mapping
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata

        def load(module, local_sd, prefix=""):
            meta = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
            if assign:
                meta["assign_to_params_buffers"] = True
            module._load_from_state_dict(local_sd, prefix, meta, True, missing, unexpected, errors)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    child_sd = {k: v for k, v in local_sd.items() if k.startswith(child_prefix)}
                    load(child, child_sd, child_prefix)
            incompatible = _IncompatibleKeys(missing, unexpected)
            for hook in module._load_state_dict_post_hooks.values():
                if hook(module, incompatible) is not None:
                    raise AssertionError(
                        "Hooks registered with ``register_load_state_dict_post_hook`` are not expected to return "
                        "new values, if incompatible_keys need to be modified, it should be done inplace.")

        load(self, state_dict)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    def register_state_dict_pre_hook(self, hook):
        handle = RemovableHandle(self._state_dict_pre_hooks)
        self._state_dict_pre_hooks[handle.id] = hook
        return handle

    def register_state_dict_post_hook(self, hook):
        """Call ``hook(module, state_dict, prefix, local_metadata)`` after ``state_dict`` has filled in this
        module's entries; it updates ``state_dict`` in place and must return None. Returns a handle."""
        @functools.wraps(hook)
        def checked(module, state_dict, prefix, local_metadata):
            if hook(module, state_dict, prefix, local_metadata) is not None:
                raise RuntimeError("state_dict post-hook must return None")

        return self._register_state_dict_hook(checked)

    def _register_state_dict_hook(self, hook):
        # The older private form: the hook may return a new state dict.
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    def register_load_state_dict_pre_hook(self, hook):
        handle = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[handle.id] = (
            lambda sd, prefix, meta, strict, mk, uk, em: hook(self, sd, prefix, meta, strict, mk, uk, em))
        return handle

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        handle = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[handle.id] = (
            (lambda *a: hook(self, *a)) if with_module else hook)
        return handle

    def register_load_state_dict_post_hook(self, hook):
        handle = RemovableHandle(self._load_state_dict_post_hooks)
        self._load_state_dict_post_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------------------------------ hooks
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call ``hook(module, args)`` before ``forward``; it may return new args.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs)`` and may return
        ``(args, kwargs)``. Returns a handle with ``remove()``.
        """
        handle = RemovableHandle(self._forward_pre_hooks, extra_dict=self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """Call ``hook(module, args, output)`` after ``forward``; it may return a new output.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs, output)``. Returns a handle.
        """
        handle = RemovableHandle(self._forward_hooks,
                                 extra_dict=[self._forward_hooks_with_kwargs, self._forward_hooks_always_called])
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """Call ``hook(module, grad_output)`` when the gradients w.r.t. the outputs are known.

        It may return a new ``grad_output`` tuple. Returns a handle.
        """
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook, prepend=False):
        """Call ``hook(module, grad_input, grad_output)`` once the gradients w.r.t. the inputs are known.

        ``grad_input`` holds one entry per positional tensor argument (None where no gradient flows); the
        hook may return a replacement tuple. Returns a handle.
        """
        if self._is_full_backward_hook is False:
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on a single "
                               "Module. Please use only one of them.")
        self._is_full_backward_hook = True
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_backward_hook(self, hook):
        """Register ``hook(module, grad_input, grad_output)``: deprecated, use :meth:`register_full_backward_hook`.

        ember runs it with the full-hook semantics (``grad_input`` is the gradient w.r.t. the module's positional
        inputs, ``grad_output`` w.r.t. all its outputs), not PyTorch's old semantics (the gradients of the last
        autograd node of the forward). Where PyTorch's hook would see something else, the forward warns with
        PyTorch's ``FutureWarning``. A module cannot mix such hooks with full backward hooks (RuntimeError).

        Example::

            >>> handle = lin.register_backward_hook(lambda m, gin, gout: print(gout[0].shape))
        """
        if self._is_full_backward_hook is True:
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on a single "
                               "Module. Please use only one of them.")
        self._is_full_backward_hook = False

        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        return handle

    def _get_backward_hooks(self):
        # (full backward hooks, non-full ones): global hooks first; ember runs every hook as a full one
        return list(_global_backward_hooks.values()) + list(self._backward_hooks.values()), []

    def _get_backward_pre_hooks(self):
        return list(_global_backward_pre_hooks.values()) + list(self._backward_pre_hooks.values())

    def _maybe_warn_non_full_backward_hook(self, inputs, result, grad_fn):
        # PyTorch warns here about old-style (non-full) backward hooks; ember runs every hook as a full one.
        return None

    def _replicate_for_data_parallel(self):
        # A shallow copy whose state dicts are new dicts holding the same tensors and submodules.
        replica = type(self).__new__(type(self))
        replica.__dict__ = self.__dict__.copy()
        for key in ("_parameters", "_buffers", "_modules"):
            replica.__dict__[key] = dict(self.__dict__[key])
        replica._is_replica = True
        return replica

    def _call_impl(self, *args, **kwargs):
        d = self.__dict__
        try:
            hooked = (d["_forward_pre_hooks"] or d["_forward_hooks"] or d["_backward_hooks"]
                      or d["_backward_pre_hooks"])
        except KeyError:  # a subclass __init__ that never called super().__init__()
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '_backward_hooks'") from None
        if not (hooked or _global_any):
            return self.forward(*args, **kwargs)
        # global hooks run before the module's own (as in PyTorch)
        fwd_hooks = [(hook, hid in _global_forward_hooks_with_kwargs, hid in _global_forward_hooks_always_called,
                      True) for hid, hook in _global_forward_hooks.items()]
        fwd_hooks += [(hook, hid in self._forward_hooks_with_kwargs, hid in self._forward_hooks_always_called, False)
                      for hid, hook in self._forward_hooks.items()]
        output = None
        ran = 0  # forward hooks started so far: an always_call hook among them is not called again on an error
        try:
            pre_hooks = [(hook, False) for hook in _global_forward_pre_hooks.values()]
            pre_hooks += [(hook, hid in self._forward_pre_hooks_with_kwargs)
                          for hid, hook in self._forward_pre_hooks.items()]
            for hook, with_kwargs in pre_hooks:
                if with_kwargs:
                    result = hook(self, args, kwargs)
                    if result is not None:
                        if not (isinstance(result, tuple) and len(result) == 2):
                            raise RuntimeError("forward pre-hook must return None or a tuple of "
                                               f"(new_args, new_kwargs), but got {result}.")
                        args, kwargs = result
                else:
                    result = hook(self, args)
                    if result is not None:
                        args = result if isinstance(result, tuple) else (result,)
            bw = None
            if (self._backward_hooks or self._backward_pre_hooks or _global_backward_hooks
                    or _global_backward_pre_hooks):
                bw = _BackwardHook(self)
                args = bw.setup_inputs(args)
            output = self.forward(*args, **kwargs)
            for hook, with_kwargs, _, _ in fwd_hooks:
                ran += 1
                result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
                if result is not None:
                    output = result
            if self._is_full_backward_hook is False and self._backward_hooks:
                _warn_if_not_full(self, args, output)
            if bw is not None:
                output = bw.setup_outputs(output)
            return output
        except Exception:
            # always_call=True hooks not run yet still run (with the output so far, None if forward never
            # returned); an error of theirs only warns, the original error is re-raised
            for hook, with_kwargs, always, is_global in fwd_hooks[ran:]:
                if not always:
                    continue
                try:
                    # (PyTorch calls a global hook without kwargs here, even one registered with_kwargs=True)
                    result = (hook(self, args, kwargs, output) if with_kwargs and not is_global
                              else hook(self, args, output))
                except Exception as e:
                    warnings.warn(f"{'global ' if is_global else ''}module forward hook with ``always_call=True`` "
                                  "raised an exception that was silenced as another error was raised in forward: "
                                  f"{e}", stacklevel=2)
                    continue
                if result is not None:
                    output = result
            raise

    __call__ = _call_impl
    _wrapped_call_impl = _call_impl

    def _slow_forward(self, *input, **kwargs):
        return self.forward(*input, **kwargs)

    def compile(self, *args, **kwargs):
        """Compile this module's ``__call__`` with :func:`ember.compile` (which wraps it without compiling: ember runs
        eagerly), in place."""
        from ember import compile as _compile
        self._compiled_call_impl = _compile(self._call_impl, *args, **kwargs)

    # ------------------------------------------------------------------------------------------ printing
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """The module-specific part of the repr (override in layers); empty by default."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _addindent(repr(m), 2) for key, m in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return self._get_name() + "(" + body + ")"

    def __deepcopy__(self, memo):
        import copy
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        state = copy.deepcopy(self.__dict__, memo)
        new.__dict__.update(state)
        return new


def _to_default_device(t):
    """Put parameter or buffer ``t``, being registered, on the meta device when that is the default one (``with
    ember.device("meta")``, or a module made with ``device="meta"``: ember's modules allocate their tensors
    themselves), and give a meta one its meta class (for its repr and errors)."""
    from ember import _meta
    d = _default_device[0]
    if d is not None and d.type == "meta" and not _meta.is_meta(t):
        t._data = _meta.meta_array(t._data.shape, t._data.dtype)  # (the CPU array is dropped untouched)
    _meta.fix_class(t)


def _device_init(init, pos):
    """``init`` (a module's ``__init__`` taking ``device=``, at position ``pos``) building its parameters and
    buffers on the meta device when that is the device given, as PyTorch's modules pass ``device`` to their
    factory calls (``nn.Linear(4, 5, device="meta")``); ``pos`` None: ``device`` is keyword-only."""
    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        dev = kwargs.get("device") if pos is None or "device" in kwargs else args[pos - 1] if len(args) >= pos else None
        if dev is None or dev == "cpu" or not (dev == "meta" or isinstance(dev, _device_cls) and dev.type == "meta"):
            return init(self, *args, **kwargs)
        with _device_cls("meta"):
            return init(self, *args, **kwargs)
    __init__._device_aware = True
    return __init__


_NO_ACCELERATOR = {
    "xpu": (AssertionError, "Torch not compiled with XPU enabled"),
    "ipu": (RuntimeError, "PyTorch is not linked with support for ipu devices"),
    "mtia": (AssertionError, "Torch not compiled with MTIA enabled. Ensure you have `import mtia.host_runtime."
                             "torch_mtia.dynamic_library` in your python src file and include `//mtia/host_runtime/"
                             "torch_mtia:torch_mtia` as your target dependency!"),
}


def _warn_complex_module():
    """PyTorch's warning for a module cast to a complex dtype (on the caller's line)."""
    from ember._functions_args import warn
    warn("Complex modules are a new feature under active development whose design may change, and some modules "
         "might not work as expected when using complex tensors as parameters or buffers. Please file an issue at "
         "https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml if a complex module does not work "
         "as expected.")


def _to_accelerator(t, kind, device):
    """``t.xpu(device)`` and the like: the tensor's own method where it has one, else PyTorch's error without
    such a device."""
    method = getattr(t, kind, None)
    if method is not None:
        return method(device)
    if device is None:
        exc, msg = _NO_ACCELERATOR[kind]
        raise exc(msg)
    if isinstance(device, int) and not isinstance(device, bool):
        raise RuntimeError("Cannot access accelerator device when none is available.")
    raise RuntimeError(f"Invalid device, must be {'MTIA' if kind == 'mtia' else kind} device")


# --------------------------------------------------------------------------------------------- backward hooks
def _identity_fn(on_backward, materialize):
    """A ``Function`` whose forward returns its inputs and whose backward hands the gradients to ``on_backward``."""
    from ember.autograd.function import Function

    class BackwardHookFunction(Function):
        @staticmethod
        def forward(ctx, *xs):
            if not materialize:  # outputs that got no gradient reach the hooks as None
                ctx.set_materialize_grads(False)
            return xs

        @staticmethod
        def backward(ctx, *grads):
            return tuple(on_backward(grads))

    return BackwardHookFunction


def _check_hook_result(result, expected, what):
    """A backward (pre-)hook's replacement gradients: as many as ``expected`` and each of the same size and type."""
    if len(result) != len(expected):
        kind = "output" if "pre" in what else "input"
        raise RuntimeError(f"Backward {what} returned an invalid number of grad_{kind}, got {len(result)}, but "
                           f"expected {len(expected)}")
    result = tuple(result)
    for old, new in zip(expected, result):
        if new is not None and not isinstance(new, Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
        if old is None or new is None:
            continue
        if new.dtype != old.dtype:
            raise RuntimeError(f"hook 'hook' has changed the type of value (was {_typename(old)} got "
                               f"{_typename(new)})")
        if new.shape != old.shape:
            raise RuntimeError("hook 'hook' has changed the size of value")
    return result


class _BackwardHook:
    """Wires a module's full backward (pre-)hooks into the graph with identity nodes on inputs and outputs.

    As in PyTorch: ``grad_input`` has one entry per positional argument (None for non-tensors, zeros for tensors
    that get no gradient), ``grad_output`` one per output (None for outputs that get no gradient).
    """

    def __init__(self, module):
        self.module = module
        self.backward_hooks = list(_global_backward_hooks.values()) + list(module._backward_hooks.values())
        self.backward_pre_hooks = (list(_global_backward_pre_hooks.values())
                                   + list(module._backward_pre_hooks.values()))
        self.n_inputs = 0
        self.input_node_used = False
        self.disabled = False  # the output is no Tensor or tuple: no hook runs
        self.grad_outputs = None

    def setup_inputs(self, args):
        self.n_inputs = len(args)
        # (shape, dtype) of tensor arguments, for the zeros that stand for gradients that never arrive
        self.input_meta = {i: (v.shape, v.dtype) for i, v in enumerate(args) if isinstance(v, Tensor)}
        pos = [i for i, v in enumerate(args) if isinstance(v, Tensor) and v.requires_grad]
        self.input_pos = pos
        from ember.autograd.grad_mode import is_grad_enabled
        if not pos or not is_grad_enabled():
            return args
        self.input_node_used = True
        outs = _identity_fn(self._on_input_grads, True).apply(*(args[i] for i in pos))
        new = list(args)
        for i, o in zip(pos, outs):
            new[i] = o
        return tuple(new)

    def setup_outputs(self, output):
        single = isinstance(output, Tensor)
        if not single and not isinstance(output, tuple):
            import warnings
            if self.module._is_full_backward_hook is False and not (_global_backward_hooks
                                                                     or _global_backward_pre_hooks):
                self.disabled = True  # (PyTorch warns only for full hooks; old-style ones just do not fire)
                return output
            warnings.warn("For backward hooks to be called, module output should be a Tensor or a tuple of Tensors "
                          f"but received {type(output)}", stacklevel=3)
            self.disabled = True
            return output
        values = (output,) if single else output
        self.n_outputs = len(values)
        pos = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
        self.output_pos = pos
        if not pos:
            return output
        outs = _identity_fn(self._on_output_grads, False).apply(*(values[i] for i in pos))
        new = list(values)
        for i, o in zip(pos, outs):
            new[i] = o
        if single:
            return new[0]
        return type(output)(*new) if hasattr(output, "_fields") else type(output)(new)

    def _on_output_grads(self, grads):
        full = [None] * self.n_outputs
        for i, g in zip(self.output_pos, grads):
            full[i] = g
        full = tuple(full)
        for hook in self.backward_pre_hooks:
            result = hook(self.module, full)
            if result is not None:
                full = _check_hook_result(result, full, "pre hook")
        self.grad_outputs = full
        if not self.input_node_used and self.backward_hooks:
            # No input needs a gradient: the hooks see None for every grad_input, now (PyTorch warns of it for full
            # hooks only: not for a module's register_backward_hook ones)
            from ember._functions_args import warn  # (on the user's line: the backward() call)
            if self.module._is_full_backward_hook is not False or _global_backward_hooks:
                warn("Full backward hook is firing when gradients are computed with respect to module outputs since "
                     "no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/torch.nn."
                     "Module.html#torch.nn.Module.register_full_backward_hook for more details.")
            none_inputs = (None,) * self.n_inputs
            for hook in self.backward_hooks:
                hook(self.module, none_inputs, full)
        return tuple(full[i] for i in self.output_pos)

    def _on_input_grads(self, grads):
        if self.disabled or not self.backward_hooks:
            return grads
        from ember import zeros
        packed = [None] * self.n_inputs
        for i, g in zip(self.input_pos, grads):
            packed[i] = g
        for i, (shape, dtype) in self.input_meta.items():  # zeros only where no gradient came
            if packed[i] is None:
                packed[i] = zeros(shape, dtype=dtype)
        packed = tuple(packed)
        for hook in self.backward_hooks:
            result = hook(self.module, packed, self.grad_outputs)
            if result is not None:
                packed = _check_hook_result(result, packed, "hook")
        return tuple(packed[i] for i in self.input_pos)
