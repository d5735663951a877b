"""Grad-mode switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``."""

import functools
import inspect
import os
import traceback


class _State:
    enabled = True  # is graph recording on?
    inference = False
    anomaly = False
    anomaly_check_nan = True
    saved_hooks = None  # (pack_hook, unpack_hook) of the innermost autograd.graph.saved_tensors_hooks
    saved_hooks_disabled = None  # the message of an active disable_saved_tensors_hooks


state = _State()


# -- inference tensors -----------------------------------------------------------------------------------------
# A tensor made while inference mode is on gets NO_VERSION as its version counter (views share it): the marker of
# an inference tensor costs nothing on tensors made outside the mode, and it catches every in-place update, since
# each one bumps the counter (after writing, as PyTorch's check does). detach() and .data of an inference tensor
# taken outside the mode count versions again but stay inference tensors: an InferenceCounter marks them.
_INPLACE_MSG = ("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get "
                "a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more "
                "details.")
_SAVED_MSG = ("Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
              "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and "
              "use it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`.")


class _NoVersion(list):
    """The version counter of inference tensors: reads 0; an update outside inference mode raises."""

    __slots__ = ()

    def __getitem__(self, i):
        return 0

    def __setitem__(self, i, value):
        if not state.inference:
            raise RuntimeError(_INPLACE_MSG)


class InferenceCounter(list):
    """A plain version counter that marks its tensors as inference tensors."""

    __slots__ = ()


NO_VERSION = _NoVersion([0])


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def forward_trace():
    """The formatted stack of the forward call recording a node (anomaly mode), without ember's own frames at its
    end: like PyTorch's, whose ops are not Python, it ends at the code that called the op."""
    stack = traceback.extract_stack()
    n = len(stack) - 1  # (this function)
    while n and stack[n - 1].filename.startswith(_PACKAGE):
        n -= 1
    return traceback.format_list(stack[:n] if n else stack[:-1])


def refuse_saved_inference():
    """PyTorch's error for an inference tensor that an op recorded outside inference mode would save."""
    raise RuntimeError(_SAVED_MSG)


def is_grad_enabled():
    """Whether operations are being recorded for autograd."""
    return state.enabled


def _set_inference(flag):
    """Turn inference mode on or off: tensors made by ``wrap`` while it is on get the inference counter (its default
    ``vc``), so that marking them costs nothing on tensors made outside the mode."""
    from ember import _tensor
    state.inference = flag
    defaults = list(_tensor.wrap.__defaults__)
    defaults[3] = _tensor._NO_VERSION if flag else None  # (wrap's ``vc``)
    _tensor.wrap.__defaults__ = tuple(defaults)


def is_inference_mode_enabled():
    """Whether inference mode is on (tensors made now are inference tensors)."""
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
        _set_inference(self.mode)
        return self

    def __exit__(self, *exc):
        state.enabled = self._prev
        _set_inference(self._prev_inf)
        return False

    def __call__(self, func):
        return _decorate(func, self.clone)

    def clone(self):
        return self.__class__(self.mode)
