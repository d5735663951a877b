"""``Optimizer``: the base class of every optimizer (param groups, per-parameter state, state dicts)."""

import copy
import functools
import sys as _sys
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Iterable as _Iterable
from itertools import chain
from typing import Any as _Any, Union as _Union

from ember import _dtype
from ember._backend import xp
from ember._ops.complex import as_complex, as_real
from ember._tensor import Tensor, wrap
from ember.autograd.grad_mode import enable_grad

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a hyper-parameter that has no default and must be given."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

# What an optimizer's ``params`` may be (for annotations, as ``torch.optim.optimizer.ParamsT``): tensors, param
# group dicts, or (name, tensor) pairs.
ParamsT = _Union[_Iterable[Tensor], _Iterable[dict[str, _Any]], _Iterable[tuple[str, Tensor]]]


def _typename(obj):
    # The name PyTorch's error messages use for a value: the tensor type, or module.qualname.
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = type(obj).__module__ or ""
        qualname = type(obj).__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def _scalar(value):
    # Hyper-parameters may be given as tensors; updates multiply arrays by Python floats only
    # (a NumPy float64 scalar would promote float32 state).
    return float(value.item()) if isinstance(value, Tensor) else value


def _state_tensor(array):
    return wrap(array)


def _step_tensor(value=0.0):
    # PyTorch 2.x keeps the step count (and ASGD's eta/mu, NAdam's mu_product) as a 0-d tensor of its scalar
    # dtype: float64 when that is the default dtype, else float32.
    dt = xp.float64 if _dtype.get_default_dtype() is _dtype.float64 else xp.float32
    return wrap(xp.array(value, dtype=dt))


def _wrap_step(step):
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        for hook in chain(_GLOBAL_PRE_HOOKS.values(), self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(
                        f"{hook} must return None or a tuple of (new_args, new_kwargs), but got {result}.")
        # Extreme gradients (1e30, inf, NaN) and float16 overflow are silent in PyTorch: NumPy's floating-point
        # warnings are switched off for the whole step (one context per step, not per parameter).
        with xp.errstate(all="ignore"):
            if _has_complex(self.param_groups):
                if not self._complex_params_ok:
                    raise RuntimeError(f"{type(self).__name__} does not support complex parameters")
                complex_params = [p for group in self.param_groups for p in group["params"]
                                  if p._data.dtype.kind == "c"]
                out = _step_complex(self, step, complex_params, args, kwargs)
            else:
                out = step(self, *args, **kwargs)
        for hook in chain(self._optimizer_step_post_hooks.values(), _GLOBAL_POST_HOOKS.values()):
            hook(self, args, kwargs)
        return out

    wrapper._ember_hooked = True
    return wrapper


def _has_complex(groups):
    # once per step: an early-exit scan, no list, so that real parameters pay little for it
    for group in groups:
        for p in group["params"]:
            if p._data.dtype.kind == "c":
                return True
    return False


class _RealViews:
    """During a step, complex parameters, their gradients and their state are seen as real ``(..., 2)`` arrays
    sharing their memory: PyTorch's optimizers treat a complex number as two real ones (``view_as_real``), so
    Adam's second moment is per part, not ``g * g``. Outside the step (and inside a closure) they are complex."""

    def __init__(self, opt, params):
        self.opt, self.params = opt, params

    def _tensors(self, p, shape):
        # The parameter, its gradient and its state tensors of the parameter's shape (not LBFGS's flat ones).
        found = [p] if p._grad is None else [p, p._grad]
        found += [v for v in self.opt.state.get(p, {}).values() if isinstance(v, Tensor) and v._data.shape == shape]
        return found

    def to_real(self):
        for p in self.params:
            if p._data.dtype.kind == "c":
                for t in self._tensors(p, p._data.shape):
                    if t._data.dtype.kind == "c":
                        t._data = as_real(t._data)

    def to_complex(self):
        for p in self.params:
            if p._data.dtype.kind != "c":
                # State made during the step from the real view (zeros_like(p) ...) becomes complex too.
                for t in self._tensors(p, p._data.shape):
                    if t._data.dtype.kind in "fV":
                        t._data = as_complex(t._data)


def _step_complex(opt, step, params, args, kwargs):
    views = _RealViews(opt, params)
    closure = kwargs.get("closure", args[0] if args else None)
    if closure is not None:
        def complex_closure():
            views.to_complex()  # the model runs on complex parameters; the gradients it makes are complex
            try:
                return closure()
            finally:
                views.to_real()

        if "closure" in kwargs:
            kwargs = dict(kwargs, closure=complex_closure)
        else:
            args = (complex_closure,) + tuple(args[1:])
    views.to_real()
    try:
        return step(opt, *args, **kwargs)
    finally:
        views.to_complex()


_GLOBAL_PRE_HOOKS = OrderedDict()
_GLOBAL_POST_HOOKS = OrderedDict()


class _Handle:
    _next_id = 0

    def __init__(self, hooks):
        self.hooks = hooks
        self.id = _Handle._next_id
        _Handle._next_id += 1

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_optimizer_step_pre_hook(hook):
    """Register a pre-step hook run by every optimizer: ``hook(optimizer, args, kwargs)``."""
    handle = _Handle(_GLOBAL_PRE_HOOKS)
    _GLOBAL_PRE_HOOKS[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook):
    """Register a post-step hook run by every optimizer: ``hook(optimizer, args, kwargs)``."""
    handle = _Handle(_GLOBAL_POST_HOOKS)
    _GLOBAL_POST_HOOKS[handle.id] = hook
    return handle


class Optimizer:
    """Base class for all optimizers.

    Args:
        params (iterable): the tensors to optimize, ``(name, tensor)`` pairs, or dicts defining parameter
            groups (each with a ``"params"`` entry and per-group options).
        defaults (dict): default values of the optimization options, used by groups that do not set them.

    Example::

        >>> w = ember.zeros(3, requires_grad=True)
        >>> opt = ember.optim.SGD([w], lr=0.1)
        >>> (w - 1).pow(2).sum().backward()
        >>> opt.step()
        >>> opt.zero_grad()
    """

    # per-parameter state entries PyTorch keeps as 0-d tensors, restored as such from plain numbers on loading
    _scalar_state = ()

    _complex_params_ok = True  # False for optimizers whose update needs real matrices (Adafactor, Muon)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Every subclass's step() runs the registered step hooks.
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_ember_hooked", False):
            cls.step = _wrap_step(step)

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    # ----------------------------------------------------------------------------- pickling / repr
    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks", "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        for group in self.param_groups:
            for key, value in self.defaults.items():
                if value is not required:
                    group.setdefault(key, value)
        if self._scalar_state:  # (old checkpoints hold plain numbers: PyTorch makes them 0-d tensors again)
            for st in self.state.values():
                for key in self._scalar_state:
                    value = st.get(key) if isinstance(st, dict) else None
                    if value is not None and not isinstance(value, Tensor):
                        st[key] = _step_tensor(float(value))

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ----------------------------------------------------------------------------- groups
    def add_param_group(self, param_group):
        """Add a parameter group (a dict with ``"params"`` and optional per-group options).

        Useful to fine-tune a frozen part of a model: the new group may set its own ``lr`` and other options;
        missing options take the optimizer's defaults.

        Example::

            >>> opt.add_param_group({"params": [w2], "lr": 0.01})
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)

        extracted, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple) and len(param) == 2 and isinstance(param[0], str):
                names.append(param[0])
                extracted.append(param[1])
            else:
                extracted.append(param)
        param_group["params"] = extracted
        if names:
            if len(names) != len(extracted):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)

        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                current = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {current} to the optimizer")
        if not seen.isdisjoint(id(p) for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ----------------------------------------------------------------------------- gradients
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors.

        Args:
            set_to_none (bool): set ``.grad`` to None (default) instead of filling it with zeros; the next
                ``step()`` then skips parameters that got no new gradient.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                elif g.is_sparse:  # (PyTorch empties a sparse gradient: no stored entries)
                    from ember._sparse import sparse_coo_tensor
                    p._grad = sparse_coo_tensor(g._indices()[:, :0], g._values()[:0], tuple(g.shape))
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g._data[...] = 0
                    g._vc[0] += 1

    def step(self, closure=None):
        """Perform one optimization step (update the parameters from their ``.grad``).

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.
        """
        raise NotImplementedError

    # PyTorch's error for a sparse gradient (None: the optimizer takes them)
    _sparse_error = None

    def _eval_closure(self, closure):
        if closure is None:
            loss = None
        else:
            with enable_grad():
                loss = closure()
        sparse = _sys.modules.get("ember._sparse")  # (loaded with the autograd engine; a scan of under 1 us per step)
        if sparse is not None and self._sparse_error is not None:
            cls = sparse.SparseCooTensor
            if any(p._grad.__class__ is cls for group in self.param_groups for p in group["params"]):
                raise RuntimeError(self._sparse_error)
        return loss

    # ----------------------------------------------------------------------------- hooks
    def register_step_pre_hook(self, hook):
        """Register ``hook(optimizer, args, kwargs)`` to run before each ``step()``; returns a handle."""
        handle = _Handle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook):
        """Register ``hook(optimizer, args, kwargs)`` to run after each ``step()``; returns a handle."""
        handle = _Handle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """Register ``hook(optimizer)`` to run before ``state_dict()``; returns a handle."""
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """Register ``hook(optimizer, state_dict)`` to run after ``state_dict()``; returns a handle."""
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """Register ``hook(optimizer, state_dict)`` to run before ``load_state_dict()``; returns a handle."""
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """Register ``hook(optimizer)`` to run after ``load_state_dict()``; returns a handle."""
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    @staticmethod
    def _register(hooks, hook, prepend):
        handle = _Handle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    # ----------------------------------------------------------------------------- state dicts
    def state_dict(self):
        """Return the optimizer's state as a dict: ``"state"`` (per-parameter tensors keyed by the parameter's
        index) and ``"param_groups"`` (options as plain numbers, ``"params"`` as indices).

        Example::

            >>> sd = opt.state_dict()
            >>> opt2 = ember.optim.Adam(model.parameters())
            >>> opt2.load_state_dict(sd)   # continues exactly where opt stopped
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack(g) for g in self.param_groups]
        # the per-parameter dicts themselves, as PyTorch: the state dict shares them and their tensors
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        sd = {"state": state, "param_groups": param_groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, sd)
            if result is not None:
                sd = result
        return sd

    @staticmethod
    def _cast_value(param, value, key):
        # As PyTorch: state tensors of a floating-point parameter take its dtype (a cast makes a new tensor);
        # anything else, and the step count, is the given tensor itself, shared with the loaded state dict.
        if isinstance(value, Tensor):
            if key != "step" and param._data.dtype.kind in "fV" and value._data.dtype != param._data.dtype:
                return wrap(_aligned_copy(value._data, param._data.dtype))
            return value
        if isinstance(value, dict):
            return {k: Optimizer._cast_value(param, v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)) and not isinstance(value, str):
            return type(value)(Optimizer._cast_value(param, v, key) for v in value)
        return value

    def load_state_dict(self, state_dict):
        """Load an optimizer state (as returned by :meth:`state_dict`).

        Args:
            state_dict (dict): the state to load. As in PyTorch its tensors become the optimizer's state
                (shared, updated in place by later steps) unless a cast to a parameter's dtype is needed.
        """
        state_dict = dict(state_dict)
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = self._cast_value(param, v, None)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_fused(fused, foreach, differentiable):
    # (after the group set-up, as PyTorch: a bad lr is reported first)
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def _check_tensor_betas(betas):
    if isinstance(betas[0], Tensor) != isinstance(betas[1], Tensor):
        raise ValueError("betas must be either both floats or both Tensors")


def _check_capturable(group, what="params and state_steps", what_foreach=None, xla=True, xla_foreach=False):
    """PyTorch's step-time AssertionError for ``capturable=True``: ember's parameters are on the CPU, never on
    a device that can capture. The wording depends on the optimizer and on its foreach or per-tensor variant."""
    if group.get("foreach"):
        what, xla = what_foreach or what, xla_foreach
    devices = "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla']" if xla else "['cuda', 'xpu', 'hpu', 'privateuseone']"
    raise AssertionError(f"If capturable=True, {what} must be on supported devices: {devices}.")


def _check_betas(betas):
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def _scratch(opt, like, slot=0):
    """A reusable work array shaped like ``like`` (never part of the state; saves an allocation per step)."""
    cache = opt.__dict__.get("_scratch_bufs")
    if cache is None:
        cache = opt.__dict__["_scratch_bufs"] = {}
    key = (like.shape, like.dtype.str, slot)
    buf = cache.get(key)
    if buf is None:
        buf = cache[key] = xp.empty_like(like)
    return buf


def _grad(opt, p, maximize, weight_decay):
    """The gradient the update uses: negated for ``maximize``, plus ``weight_decay * p`` (L2 penalty).

    Returns ``(array, owned)``; ``owned`` says the array is a work buffer the caller may overwrite
    (``p.grad`` itself is never modified).
    """
    g = p._grad._data
    if weight_decay != 0 or maximize:
        return _effective_grad(p._data, g, weight_decay, maximize, _scratch(opt, p._data, "g")), True
    return g, False


# ------------------------------------------------------------------------------------------------------------
# Blocked element-wise updates.
#
# An optimizer step is a dozen element-wise passes over each parameter and its state. Run one after the other
# on whole multi-MB arrays, every pass streams all of them through memory. ``_fused_update`` instead runs all
# the passes on one block of ``_CHUNK`` elements (a few hundred KB per array: they stay in the L2 cache) before
# moving to the next, and updates parameters of at most ``_SMALL`` elements together: their data and gradients
# are gathered into one packed buffer, their state arrays are views of one flat buffer per state key (made on
# the first step, remade when the set of parameters or their state changes), so a network of many small
# tensors costs a dozen NumPy calls per step rather than a dozen per tensor. The per-element arithmetic is the
# same as updating whole arrays (same ufuncs in the same order), so results are bitwise identical.
#
# Parameters up to ``_CHUNK`` elements that are not packed fit in the cache whole and take one pass per ufunc.
# SGD (four passes) only blocks parameters larger than ``_CHUNK``: packing its small ones does not pay for the
# gather. Blocking needs C-contiguous arrays; other layouts (``param.data = x.t()``) are updated whole.

_CHUNK = 65536
_SMALL = 16384
_ALIGN = 64  # AVX-512 stores to an output that is not 64-byte aligned run about twice slower


def _aligned_empty(n, dtype):
    """A 1-D array of ``n`` elements starting on a 64-byte boundary."""
    dtype = xp.dtype(dtype)
    pad = _ALIGN // dtype.itemsize if _ALIGN % dtype.itemsize == 0 else 0
    buf = xp.empty(n + pad, dtype)
    try:
        addr = buf.__array_interface__["data"][0]
    except AttributeError:  # an array module without host pointers
        return buf[:n]
    off = (-addr % _ALIGN) // dtype.itemsize if pad else 0
    return buf[off:off + n]


def _zeros(like):
    """Zeros shaped like ``like`` (C-contiguous, 64-byte aligned): fresh optimizer state."""
    out = _aligned_empty(like.size, like.dtype).reshape(like.shape)
    out.fill(0)
    return out


def _full(like, value):
    out = _aligned_empty(like.size, like.dtype).reshape(like.shape)
    out.fill(value)
    return out


def _aligned_copy(arr, dtype):
    out = _aligned_empty(arr.size, dtype).reshape(arr.shape)
    out[...] = arr
    return out


def _work(opt, dtype, count, size):
    """``count`` reusable 64-byte aligned 1-D work buffers of at least ``size`` elements."""
    cache = opt.__dict__.get("_work_bufs")
    if cache is None:
        cache = opt.__dict__["_work_bufs"] = {}
    bufs = cache.get(dtype)
    if bufs is None or len(bufs) < count or bufs[0].size < size:
        size = max(size, bufs[0].size if bufs else 0)
        bufs = cache[dtype] = [_aligned_empty(size, dtype) for _ in range(max(count, 1))]
    return bufs


def _tmps(opt, like, count):
    """``count`` work arrays shaped like ``like`` (views of the ``_work`` buffers, cached per shape)."""
    cache = opt.__dict__.get("_tmp_views")
    if cache is None:
        cache = opt.__dict__["_tmp_views"] = {}
    key = (like.shape, like.dtype, count)
    tmps = cache.get(key)
    if tmps is None:
        n = like.size
        tmps = cache[key] = [w[:n].reshape(like.shape) for w in _work(opt, like.dtype, count, n)[:count]]
    return tmps


def _effective_grad(d, g, wd, maximize, out):
    # wd * p + g (or - g), or -g, into ``out`` (call only with wd != 0 or maximize).
    if wd != 0:
        xp.multiply(d, wd, out=out)
        if maximize:
            out -= g
        else:
            out += g
        return out
    return xp.negative(g, out=out)


def _run_flat(opt, kernel, d, g, states, ntmp, wd, maximize, decay):
    """``d -= kernel(g, *states, *tmps)`` block by block over 1-D arrays of equal length."""
    n = d.size
    extra = wd != 0 or maximize
    blocks = -(-n // _CHUNK)
    size = -(-n // blocks) if blocks > 1 else n
    size += -size % 16  # blocks start 64-byte aligned when the arrays do
    bufs = _work(opt, d.dtype, ntmp + extra, size)
    for a in range(0, n, size):
        b = a + size
        dc = d[a:b]
        m = dc.size
        tmps = [w[:m] for w in bufs]
        if decay != 1.0:
            dc *= decay
        gc = g[a:b]
        if extra:
            gc = _effective_grad(dc, gc, wd, maximize, tmps[ntmp])
        dc -= kernel(gc, *[s[a:b] for s in states], *tmps[:ntmp])


def _run_array(opt, kernel, d, g, states, ntmp, wd, maximize, decay):
    """One parameter: blocked when its arrays are contiguous, else whole arrays in their own layout."""
    if d.flags.c_contiguous and g.flags.c_contiguous and g.shape == d.shape and all(
            s.flags.c_contiguous and s.shape == d.shape for s in states):
        _run_flat(opt, kernel, d.reshape(-1), g.reshape(-1), [s.reshape(-1) for s in states], ntmp, wd, maximize,
                  decay)
        return
    extra = wd != 0 or maximize
    tmps = [_scratch(opt, d, ("fused", i)) for i in range(ntmp + extra)]
    if decay != 1.0:
        d *= decay
    if extra:
        g = _effective_grad(d, g, wd, maximize, tmps[ntmp])
    d -= kernel(g, *states, *tmps[:ntmp])


class _Pack:
    """Small parameters updated as one block: flat state buffers whose slices are the state tensors' arrays."""

    __slots__ = ("members", "shapes", "spans", "views", "flats", "steps", "step_views", "d", "g", "dtype", "n")


class _Plan:
    __slots__ = ("state", "keys", "counted", "params", "packs", "rest")


def _build_plan(opt, small, keys, counted):
    state = opt.state
    plan = _Plan()
    plan.state, plan.keys, plan.counted, plan.params = state, keys, counted, list(small)
    plan.packs, plan.rest = [], []
    if len({id(p) for p in small}) != len(small):
        plan.rest = list(small)
        return plan
    groups = {}
    stateless = not keys and not counted
    for p in small:
        st = None if stateless else state[p]
        d = p._data
        ok = stateless or all(
            isinstance(st.get(k), Tensor) and st[k]._data.shape == d.shape and st[k]._data.dtype == d.dtype
            for k in keys)
        if counted:
            ok = ok and isinstance(st.get("step"), Tensor) and st["step"]._data.shape == ()
        if not ok:
            plan.rest.append(p)
            continue
        key = (d.dtype, (float(st["step"]._data), st["step"]._data.dtype) if counted else None)
        groups.setdefault(key, []).append(p)
    for (dtype, step_key), members in groups.items():
        # One block per pack: split the members so that no pack exceeds _CHUNK elements.
        chunks, cur, total = [], [], 0
        for p in members:
            if cur and total + p._data.size > _CHUNK:
                chunks.append(cur)
                cur, total = [], 0
            cur.append(p)
            total += p._data.size
        chunks.append(cur)
        for chunk in chunks:
            plan.packs.append(_make_pack(state, chunk, dtype, step_key, keys))
    return plan


def _make_pack(state, members, dtype, step_key, keys):
    pack = _Pack()
    pack.members, pack.dtype = members, dtype
    pack.shapes = [p._data.shape for p in members]
    spans, a = [], 0
    for p in members:
        spans.append((a, a + p._data.size))
        a += p._data.size
    pack.spans, pack.n = spans, a
    pack.d, pack.g = _aligned_empty(a, dtype), _aligned_empty(a, dtype)
    pack.flats, pack.views = [], []
    for k in keys:
        flat = _aligned_empty(a, dtype)
        views = []
        for p, (a0, b0), shape in zip(members, spans, pack.shapes):
            t = state[p][k]
            view = flat[a0:b0].reshape(shape)
            view[...] = t._data
            t._data = view  # the state tensor keeps its identity; its array now lives in the pack
            views.append(view)
        pack.flats.append(flat)
        pack.views.append(views)
    pack.steps, pack.step_views = None, []
    if step_key is not None:
        pack.steps = xp.empty(len(members), step_key[1])
        for i, p in enumerate(members):
            t = state[p]["step"]
            pack.steps[i] = t._data
            t._data = pack.steps[i:i + 1].reshape(())
            pack.step_views.append(t._data)
    return pack


def _plan_valid(plan, small, state, keys, counted):
    if plan.state is not state or plan.keys != keys or plan.counted != counted or len(plan.params) != len(small):
        return False
    for p, q in zip(plan.params, small):
        if p is not q:
            return False
    for pack in plan.packs:
        for i, p in enumerate(pack.members):
            d = p._data
            if d.shape != pack.shapes[i] or d.dtype != pack.dtype:
                return False
            if not keys and not counted:
                continue
            st = state[p]
            for k, views in zip(keys, pack.views):
                t = st.get(k)
                if t is None or t._data is not views[i]:
                    return False
            if counted:
                t = st.get("step")
                if t is None or t._data is not pack.step_views[i]:
                    return False
    return True


def _fused_update(opt, group, params, keys, make_kernel, ntmp, wd=0, maximize=False, counted=True, decay=1.0):
    """Update ``params`` (with gradients and initialized state) in cache-sized blocks.

    ``make_kernel(step)`` returns ``kernel(g, *states, *tmps)``: the in-place update of one block of the state
    arrays named by ``keys``, returning the amount to subtract from the parameter (often one of the ``ntmp``
    work arrays). ``g`` is the gradient with weight decay ``wd`` and ``maximize`` applied (never to be
    written); all arrays have the same shape. ``step`` is the step count after this step's increment (None when
    ``counted`` is False: no ``"step"`` state). ``decay`` multiplies the parameter first (decoupled weight
    decay).
    """
    state = opt.state
    small = []
    for p in params:
        if p._data.size > _SMALL:
            _update_one(opt, p, state[p] if keys or counted else None, keys, make_kernel, ntmp, wd, maximize,
                        counted, decay)
        else:
            small.append(p)
    if not small:
        return
    plans = opt.__dict__.get("_plans")
    if plans is None:
        plans = opt.__dict__["_plans"] = {}
    plan = plans.get(id(group))
    if plan is None or not _plan_valid(plan, small, state, keys, counted):
        plan = plans[id(group)] = _build_plan(opt, small, keys, counted)
    for p in plan.rest:
        _update_one(opt, p, state[p] if keys or counted else None, keys, make_kernel, ntmp, wd, maximize, counted,
                    decay)
    extra = wd != 0 or maximize
    for pack in plan.packs:
        if counted:
            steps = pack.steps
            steps += 1
            kernel = make_kernel(float(steps[0]))
        else:
            kernel = make_kernel(None)
        members = pack.members
        n = pack.n
        tmps = [w[:n] for w in _work(opt, pack.dtype, ntmp + extra, n)]
        if decay != 1.0:
            for p in members:
                p._data *= decay
        g = pack.g
        xp.concatenate([p._grad._data.reshape(-1) for p in members], out=g)
        if extra:
            d = pack.d
            if wd != 0:
                xp.concatenate([p._data.reshape(-1) for p in members], out=d)
            g = _effective_grad(d, g, wd, maximize, tmps[ntmp])
        delta = kernel(g, *pack.flats, *tmps[:ntmp])
        for p, (a, b), shape in zip(members, pack.spans, pack.shapes):
            p._data -= delta[a:b].reshape(shape)
            p._vc[0] += 1


def _update_one(opt, p, st, keys, make_kernel, ntmp, wd, maximize, counted, decay):
    if counted:
        sa = st["step"]._data
        sa += 1
        kernel = make_kernel(float(sa))
    else:
        kernel = make_kernel(None)
    d = p._data
    g = p._grad._data
    states = [st[k]._data for k in keys] if keys else []
    n = d.size
    if n > _CHUNK:
        _run_array(opt, kernel, d, g, states, ntmp, wd, maximize, decay)
    else:
        # Fits in the cache as it is: whole arrays, in whatever layout they have.
        extra = wd != 0 or maximize
        tmps = _tmps(opt, d, ntmp + extra)
        if decay != 1.0:
            d *= decay
        if extra:
            g = _effective_grad(d, g, wd, maximize, tmps[ntmp])
        d -= kernel(g, *states, *tmps[:ntmp])
    p._vc[0] += 1
