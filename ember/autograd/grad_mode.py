"""Grad-mode switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``."""

import functools
import inspect


class _State:
    enabled = True  # is graph recording on?
    inference = False
    anomaly = False
    anomaly_check_nan = True
    saved_hooks = None  # (pack_hook, unpack_hook) of the innermost autograd.graph.saved_tensors_hooks
    saved_hooks_disabled = None  # the message of an active disable_saved_tensors_hooks


state = _State()


def is_grad_enabled():
    """Whether operations are being recorded for autograd."""
    return state.enabled


def is_inference_mode_enabled():
    return state.inference


class _Mode:
    """Base for the grad-mode context managers, which also work as decorators."""

    _target = True

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self._target
        return self

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, func):
        return _decorate(func, self.clone)

    def clone(self):
        return self.__class__()


def _decorate(func, make_mode):
    """Wrap ``func`` so that it runs under a fresh ``make_mode()`` context. A generator function gets the mode
    around each of its steps (next/send/throw/close) only, as in PyTorch: the caller's code between the yields
    keeps its own mode."""
    if inspect.isgeneratorfunction(func):
        @functools.wraps(func)
        def gen_wrapper(*args, **kwargs):
            with make_mode():
                gen = func(*args, **kwargs)
                step, arg = gen.send, None
            while True:
                try:
                    with make_mode():
                        out = step(arg)
                except StopIteration as stop:
                    return stop.value
                try:
                    arg = yield out
                    step = gen.send
                except GeneratorExit:
                    with make_mode():
                        gen.close()
                    raise
                except BaseException as exc:  # thrown into this generator: pass it on to the wrapped one
                    step, arg = gen.throw, exc

        return gen_wrapper

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with make_mode():
            return func(*args, **kwargs)

    return wrapper


class _NoParamMode(_Mode):
    """A mode usable as ``@mode()`` and as a bare ``@mode`` decorator."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamMode):
    """Context manager (and decorator) that disables gradient recording.

    Example::

        >>> with ember.no_grad():
        ...     y = x * 2          # y.requires_grad is False
    """

    _target = False


class enable_grad(_NoParamMode):
    """Context manager (and decorator) that enables gradient recording inside ``no_grad``."""

    _target = True


class set_grad_enabled(_Mode):
    """Turn gradient recording on or off, as a function call or a context manager.

    Args:
        mode (bool): whether to record.
    """

    def __init__(self, mode):
        self._prev = state.enabled
        self._target = bool(mode)
        state.enabled = self._target

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, func):
        state.enabled = self._prev  # as a decorator, the mode applies only inside the function
        return super().__call__(func)

    def clone(self):
        return self.__class__(self._target)


class inference_mode(_Mode):
    """Like ``no_grad``, for inference-only code (``inference_mode(mode=True)``)."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __init__(self, mode=True):
        if not isinstance(mode, bool):  # used as a bare decorator: __new__ returned the wrapper
            return
        self.mode = mode
        self._target = not mode

    def __enter__(self):
        self._prev = state.enabled
        self._prev_inf = state.inference
        state.enabled = self._target
        state.inference = self.mode
        return self

    def __exit__(self, *exc):
        state.enabled = self._prev
        state.inference = self._prev_inf
        return False

    def __call__(self, func):
        return _decorate(func, self.clone)

    def clone(self):
        return self.__class__(self.mode)
