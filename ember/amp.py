"""Mixed precision, as ``torch.amp``: ``autocast`` and ``GradScaler``.

:class:`autocast` regions on the CPU cast as PyTorch's CPU autocast does: the ops of its lower-precision list
(matmul, mm, bmm, addmm, baddbmm, linear, convolutions, prelu, LSTM and RNN layers, and what is built on them:
einsum, attention) run in the autocast dtype (bfloat16 by default, or float16), the ops of its float32 list (losses,
LAPACK decompositions, FFTs, 3-D pooling, reflection/replication padding, prod, trace, cdist...) run in float32,
and every other op follows its inputs' dtypes. The casts are recorded in the graph, so float32 parameters get
float32 gradients. ember has no CUDA device: a ``'cuda'`` region disables itself with PyTorch's warning.
:class:`GradScaler` is complete: loss scaling, unscaling, skipping steps whose gradients overflowed, and the
growth/backoff schedule.

Example::

    >>> scaler = ember.amp.GradScaler("cpu")
    >>> with ember.autocast("cpu"):
    ...     loss = loss_fn(model(x), y)
    >>> scaler.scale(loss).backward()
    >>> scaler.step(opt)
    >>> scaler.update()
"""

import functools
import warnings

import ember
from ember import _dtype
from ember import _ops
from ember._backend import xp
from ember._functions_args import type_name

# PyTorch's autocast state (per device type): whether casting is on, the lower-precision dtype, whether casts of
# weights are cached, and how many regions are open (the cache is cleared when the outermost one closes).
_enabled = {"cpu": False, "cuda": False}
_fast_dtype = {"cpu": _dtype.bfloat16, "cuda": _dtype.float16}
_cache = [True]
_nesting = [0]


_UNSET = object()


def _device(device_type, fn="is_autocast_enabled"):
    if not isinstance(device_type, str):
        raise TypeError(f"{fn}(): argument 'device_type' (position 1) must be str, not {type_name(device_type)}")
    return ember.device(device_type).type  # (PyTorch's error for an unknown device type)


def _check_enabled(enabled, position=2):
    if type(enabled) is not bool:  # (PyTorch's parser takes no ints, NumPy bools or None)
        raise TypeError(f"set_autocast_enabled(): argument 'enabled' (position {position}) must be bool, not "
                        f"{type_name(enabled)}")


def _check_cache_enabled(enabled):
    if type(enabled) is not bool:
        raise TypeError(f"enabled must be a bool (got {type_name(enabled)})")


def _check_dtype(dtype):
    if not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"set_autocast_dtype(): argument 'dtype' (position 2) must be ember.dtype, not "
                        f"{type_name(dtype)}")


def _sync():
    """Hand the CPU state to the ops (ember._ops.set_autocast)."""
    _ops.set_autocast(_fast_dtype["cpu"].np if _enabled["cpu"] else None, _cache[0])


def is_autocast_available(device_type):
    """Whether autocast can be used for ``device_type`` (``'cpu'`` or ``'cuda'``, as a CPU build of PyTorch)."""
    return _device(device_type, "is_autocast_available") in _enabled


def is_autocast_enabled(device_type=_UNSET):
    """Whether autocast is on for ``device_type`` (default ``'cuda'``, as PyTorch)."""
    return _enabled[_device("cuda" if device_type is _UNSET else device_type)]


def set_autocast_enabled(device_type, enabled=_UNSET):
    """Switch autocast on or off for ``device_type`` (``set_autocast_enabled(enabled)``: for ``'cuda'``, as PyTorch's
    older form). Regions (:class:`autocast`) do this on entry and restore it on exit."""
    if enabled is _UNSET:
        _check_enabled(device_type, 1)
        device_type, enabled = "cuda", device_type
    d = _device(device_type, "set_autocast_enabled")
    _check_enabled(enabled)
    _enabled[d] = enabled
    _sync()


def get_autocast_dtype(device_type):
    """The lower-precision dtype autocast uses for ``device_type`` (bfloat16 on the CPU, float16 on CUDA, unless
    set)."""
    return _fast_dtype[_device(device_type, "get_autocast_dtype")]


def set_autocast_dtype(device_type, dtype):
    """Set the lower-precision dtype of autocast for ``device_type``."""
    d = _device(device_type, "set_autocast_dtype")
    _check_dtype(dtype)
    _fast_dtype[d] = dtype
    _sync()


def is_autocast_cache_enabled():
    """Whether casts of weights (float32 leaves that require grad) are cached within an autocast region."""
    return _cache[0]


def set_autocast_cache_enabled(enabled):
    """Switch the caching of weight casts (see :func:`is_autocast_cache_enabled`) on or off."""
    _check_cache_enabled(enabled)
    _cache[0] = enabled
    _sync()


def clear_autocast_cache():
    """Drop the cached casts of weights (done when the outermost :class:`autocast` region closes)."""
    _ops._autocast_cache.clear()


def autocast_increment_nesting():
    """Count one more open autocast region; returns the count."""
    _nesting[0] += 1
    return _nesting[0]


def autocast_decrement_nesting():
    """Count one region fewer; returns the count (the cache is cleared when a region closes at count 0)."""
    _nesting[0] -= 1
    return _nesting[0]


def _deprecated(old, new):
    warnings.warn(f"ember.{old} is deprecated. Please use ember.{new} instead.", DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled():
    """Deprecated: ``is_autocast_enabled('cpu')``."""
    _deprecated("is_autocast_cpu_enabled()", "is_autocast_enabled('cpu')")
    return _enabled["cpu"]


def set_autocast_cpu_enabled(enabled):
    """Deprecated: ``set_autocast_enabled('cpu', enabled)``."""
    _deprecated("set_autocast_cpu_enabled(enabled)", "set_autocast_enabled('cpu', enabled)")
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype():
    """Deprecated: ``get_autocast_dtype('cpu')``."""
    _deprecated("get_autocast_cpu_dtype()", "get_autocast_dtype('cpu')")
    return _fast_dtype["cpu"]


def set_autocast_cpu_dtype(dtype):
    """Deprecated: ``set_autocast_dtype('cpu', dtype)``."""
    _deprecated("set_autocast_cpu_dtype(dtype)", "set_autocast_dtype('cpu', dtype)")
    set_autocast_dtype("cpu", dtype)


def get_autocast_gpu_dtype():
    """Deprecated: ``get_autocast_dtype('cuda')``."""
    _deprecated("get_autocast_gpu_dtype()", "get_autocast_dtype('cuda')")
    return _fast_dtype["cuda"]


def set_autocast_gpu_dtype(dtype):
    """Deprecated: ``set_autocast_dtype('cuda', dtype)``."""
    _deprecated("set_autocast_gpu_dtype(dtype)", "set_autocast_dtype('cuda', dtype)")
    set_autocast_dtype("cuda", dtype)


class autocast:  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) for a mixed-precision region: see the module docstring for what it casts.

    Args:
        device_type (str): ``'cpu'`` or ``'cuda'`` (``'cuda'`` disables itself with a warning: ember has no CUDA).
        dtype: the lower-precision dtype (default: :func:`get_autocast_dtype` of the device, bfloat16 on the CPU;
            the CPU also takes float16; other dtypes disable the region with PyTorch's warning).
        enabled (bool): whether the region casts (default True); ``enabled=False`` switches casting off inside
            an enclosing region.
        cache_enabled (bool): cast each weight once per region (default: :func:`is_autocast_cache_enabled`).

    Example::

        >>> with ember.autocast("cpu"):
        ...     y = model(x)          # linear/conv layers in bfloat16
        ...     loss = F.mse_loss(y, target)   # float32
        >>> y.dtype, loss.dtype
        (ember.bfloat16, ember.float32)
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _enabled:
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = _fast_dtype[device_type] if dtype is None else dtype
        self._cache_enabled = _cache[0] if cache_enabled is None else cache_enabled
        if device_type == "cuda" and enabled:
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", UserWarning,
                          stacklevel=2)
            enabled = False
        if device_type == "cpu" and enabled and self.fast_dtype not in (_dtype.bfloat16, _dtype.float16):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\nCPU "
                          "Autocast only supports dtypes of ember.bfloat16, ember.float16 currently.", UserWarning,
                          stacklevel=2)
            enabled = False
        self._enabled = enabled

    def __enter__(self):
        # PyTorch's errors for arguments of the wrong type, before anything changes (PyTorch's own __enter__ leaves
        # autocast switched on, or the nesting counted, when it raises midway)
        _check_enabled(self._enabled)
        _check_dtype(self.fast_dtype)
        _check_cache_enabled(self._cache_enabled)
        d = self.device
        self._prev = (_enabled[d], _fast_dtype[d], _cache[0])
        _enabled[d] = self._enabled
        _fast_dtype[d] = self.fast_dtype
        _cache[0] = self._cache_enabled
        autocast_increment_nesting()
        _sync()
        return self

    def __exit__(self, *exc):
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        d = self.device
        _enabled[d], _fast_dtype[d], _cache[0] = self._prev
        _sync()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return func(*args, **kwargs)

        return wrapper


def _cast_inputs(value, dtype):
    """``value`` with its floating tensors (float64 aside) cast to ``dtype``, through tuples, lists and dicts."""
    if isinstance(value, ember.Tensor):
        return value.to(dtype) if value.is_floating_point() and value.dtype is not _dtype.float64 else value
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_inputs(v, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _cast_inputs(v, dtype) for k, v in value.items()}
    return value


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for the ``forward`` of an :class:`ember.autograd.Function` used under autocast.

    It records on ``ctx`` whether autocast was on (for :func:`custom_bwd`). With ``cast_inputs`` (a dtype), inside
    an enabled region the forward runs with autocast off and its floating tensor arguments cast to that dtype.

    Args:
        device_type (str): the autocast device (``'cpu'``).
        cast_inputs (ember.dtype, optional): the dtype to run the forward in.
    """
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def forward(ctx, *args, **kwargs):
        ctx._dtype = get_autocast_dtype(device_type)
        on = is_autocast_enabled(device_type)
        ctx._fwd_used_autocast = on and cast_inputs is None
        if cast_inputs is None or not on:
            return fwd(ctx, *args, **kwargs)
        with autocast(device_type, enabled=False):
            return fwd(ctx, *_cast_inputs(args, cast_inputs), **_cast_inputs(kwargs, cast_inputs))

    return forward


def custom_bwd(bwd=None, *, device_type):
    """Decorator for the ``backward`` of an :class:`ember.autograd.Function` whose ``forward`` has
    :func:`custom_fwd`: backward runs with the autocast state (on or off, and dtype) the forward ran with."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def backward(ctx, *args, **kwargs):
        with autocast(device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(ctx, *args, **kwargs)

    return backward


def _deprecated_device_amp(device, autocast_dtype, note=""):
    """The module ``ember.<device>.amp`` (``torch.cuda.amp`` / ``torch.cpu.amp``, deprecated in PyTorch): subclasses
    of :class:`GradScaler` and :class:`autocast` bound to ``device`` that warn with PyTorch's FutureWarning at the
    caller's line when made. ``note`` ends their docstrings. Registered in ``sys.modules`` so it imports."""
    import sys
    import types

    def warn(name):
        warnings.warn(f"`ember.{device}.amp.{name}(args...)` is deprecated. Please use `ember.amp.{name}('{device}', "
                      "args...)` instead.", FutureWarning, stacklevel=3)

    class Scaler(GradScaler):
        __doc__ = (f"Deprecated alias of ``ember.amp.GradScaler('{device}', ...)`` (warns with a FutureWarning when "
                   f"made).{note}\n\n    Arguments as :class:`ember.amp.GradScaler`, less ``device``.\n    ")

        def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                     enabled=True):
            warn("GradScaler")
            super().__init__(device, init_scale=init_scale, growth_factor=growth_factor,
                             backoff_factor=backoff_factor, growth_interval=growth_interval, enabled=enabled)

    class Autocast(autocast):
        __doc__ = (f"Deprecated alias of ``ember.autocast('{device}', ...)`` (warns with a FutureWarning when made)."
                   f"{note}\n\n    Arguments as :class:`ember.amp.autocast`, less ``device_type``; ``dtype`` defaults "
                   f"to {autocast_dtype}.\n    ")

        def __init__(self, enabled=True, dtype=autocast_dtype, cache_enabled=True):
            warn("autocast")
            super().__init__(device, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    module = types.ModuleType(f"ember.{device}.amp", f"Deprecated aliases of ember.amp for device '{device}'.")
    for cls, name in ((Scaler, "GradScaler"), (Autocast, "autocast")):
        cls.__module__, cls.__name__, cls.__qualname__ = module.__name__, name, name
        setattr(module, name, cls)
    sys.modules[module.__name__] = module
    return module


_READY, _UNSCALED, _STEPPED = 0, 1, 2


def _f32(value):
    # PyTorch keeps the scale (and its reciprocal) in a float32 tensor: round as it does.
    return float(xp.float32(value))


class GradScaler:
    """Loss scaling for mixed-precision training, as ``torch.amp.GradScaler``.

    ``scale(loss)`` multiplies the loss by the current scale; ``step(optimizer)`` divides the gradients by it
    (unless :meth:`unscale_` already did), skips the update if any gradient is inf or NaN, and otherwise calls
    ``optimizer.step()``; ``update()`` halves the scale after an overflow (``backoff_factor``) and doubles it
    after ``growth_interval`` clean steps (``growth_factor``).

    Args:
        device (str): ``'cpu'`` or ``'cuda'`` (default ``'cuda'``, as PyTorch; disabled with a warning here).
        init_scale (float): the first scale (default 2**16).
        growth_factor, backoff_factor (float): scale multipliers (defaults 2.0 and 0.5).
        growth_interval (int): clean steps between growths (default 2000).
        enabled (bool): when False every method is a pass-through (default True).
    """

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        if enabled and device == "cuda":
            warnings.warn("ember.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          UserWarning, stacklevel=2)
            enabled = False
        self._enabled = enabled
        if enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            # As PyTorch, the scale and growth tracker start at the first scale() call; until then the other
            # steps fail (they would have no scaled gradients to work on).
            self._init_scale = float(init_scale)
            self._scale = None
            self._growth_factor = float(growth_factor)
            self._backoff_factor = float(backoff_factor)
            self._growth_interval = int(growth_interval)
            self._init_growth_tracker = 0
            self._growth_tracker = None
        self._per_optimizer = {}

    def is_enabled(self):
        return self._enabled

    def _check_scale_growth_tracker(self, funcname):
        fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration."
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  {fix}")
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  {fix}")

    def scale(self, outputs):
        """``outputs`` (a tensor or nested lists/tuples of tensors) multiplied by the current scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, ember.Tensor):
            if self._scale is None:
                self._scale, self._growth_tracker = _f32(self._init_scale), self._init_growth_tracker
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            scaled = [self.scale(o) for o in outputs]
            return scaled if isinstance(outputs, list) else tuple(scaled)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def _state(self, optimizer):
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": None})

    def unscale_(self, optimizer):
        """Divide ``optimizer``'s gradients by the scale in place (e.g. before gradient clipping)."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv = _f32(1.0 / self._scale)
        found = False
        with ember.no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    g.mul_(inv)
                    if not found and not bool(ember.isfinite(g).all()):
                        found = True
        state["found_inf"] = found
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """Unscale if needed, then ``optimizer.step(*args, **kwargs)`` unless a gradient overflowed.

        Returns what ``optimizer.step`` returned, or None when the step was skipped.
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None):
        """Adjust the scale for the next iteration (or set it to ``new_scale``) and reset per-step state."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, ember.Tensor):
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError("new_scale should be a float or a 1-element ember.cuda.FloatTensor or "
                                         "ember.FloatTensor with requires_grad=False.")
                new_scale = new_scale.item()
            self._scale = _f32(new_scale)
        else:
            checks = [s["found_inf"] for s in self._per_optimizer.values() if s["found_inf"] is not None]
            if not checks:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(checks):
                self._scale = _f32(self._scale * self._backoff_factor)
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale = _f32(self._scale * self._growth_factor)
                    self._growth_tracker = 0
        self._per_optimizer = {}

    def get_scale(self):
        """The current scale (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def state_dict(self):
        """``{'scale', 'growth_factor', 'backoff_factor', 'growth_interval', '_growth_tracker'}`` ({} if disabled)."""
        if not self._enabled:
            return {}
        tracker = self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": tracker}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._scale is not None:  # already started: take the values now (else at the first scale())
            self._scale, self._growth_tracker = _f32(self._init_scale), self._init_growth_tracker


__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd", "is_autocast_available"]
