"""Grad-mode switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``."""

import functools
import inspect
import os
import traceback


class _State:
    enabled = True  # is graph recording on? (what the op path reads)
    inference = False
    # grad mode on but nothing recorded: enable_grad (set_grad_enabled(True)) inside inference mode, where
    # PyTorch reports is_grad_enabled() True yet records no graph
    suppressed = False
    anomaly = False
    anomaly_check_nan = True
    saved_hooks = None  # (pack_hook, unpack_hook) of the innermost autograd.graph.saved_tensors_hooks
    saved_hooks_disabled = None  # the message of an active disable_saved_tensors_hooks
    func_transforms = 0  # how many ember.func transforms (grad, vmap, jvp...) are running their function


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


# Which inputs PyTorch's formula for an op saves, where ember's own saved arrays say otherwise (it may save a result,
# a difference, a padded copy...): op class name -> for each input position, the positions of the inputs whose
# gradient makes PyTorch save it (None: saved whenever the op is recorded; (): never saved).
_ALWAYS = None
INFERENCE_SAVES = {
    "Div": ((1,), (0, 1)),
    "Addmm": ((), (2,), (1,)),
    "Convolution": (_ALWAYS, _ALWAYS, ()),
    "ConvolutionTranspose": (_ALWAYS, _ALWAYS, ()),
    "Lerp": ((2,), (2,), _ALWAYS),  # (a number weight is an input that never requires grad: nothing saved)
    "Addcmul": ((), (2,), (1,)),
    "Addcdiv": ((), (2,), (1, 2)),
    "Where": (_ALWAYS, (), ()),
    "LayerNorm": (_ALWAYS, _ALWAYS, _ALWAYS),
    "BatchNorm": (_ALWAYS, _ALWAYS, ()),
    "GroupNorm": (_ALWAYS, _ALWAYS, ()),
    "MseLoss": (_ALWAYS, _ALWAYS),
    "SmoothL1Loss": (_ALWAYS, _ALWAYS),
    "HuberLoss": (_ALWAYS, _ALWAYS),
    "Hypot": ((0,), (1,)),
    "Gather": (_ALWAYS, _ALWAYS),
    "NllLoss": (_ALWAYS, _ALWAYS),
    "CrossEntropyProb": ((), (0,)),  # (PyTorch's is log_softmax then a product: the input itself is not saved)
}


# Ops that PyTorch records even when every input is an inference tensor (they copy into a new, normal tensor).
RECORDS_INFERENCE = frozenset(("Clone", "Cast"))


def check_saved_inference(op, inputs, saved):
    """Refuse, as PyTorch, to record ``op`` when it would save one of its inference ``inputs`` (some input is one).

    Ops in INFERENCE_SAVES follow PyTorch's formula; elsewhere ember's ``saved`` arrays stand in for it: PyTorch's
    ops save nearly every input whenever they save something, so an inference input that does not require grad
    counts as saved, and one that does (made so inside the mode) only when its own array is kept."""
    cls = type(op)
    spec = INFERENCE_SAVES.get(cls.__dict__.get("_op_class", cls).__name__, False)
    needs = op.needs_input_grad
    for i, t in enumerate(inputs):
        if type(t._vc) is list:  # (a normal tensor)
            continue
        if spec is False:
            if not t._requires_grad or any(t._data is s for s in saved):
                refuse_saved_inference()
            continue
        when = spec[i] if i < len(spec) else _ALWAYS
        if when is _ALWAYS or any(needs[j] for j in when):
            refuse_saved_inference()


def check_inference_index(index, *operands):
    """PyTorch's error when an op recorded on ``operands`` saves inference tensor ``index``: an index or condition
    tensor that ember hands its op as an array (indexing, index_select, where). Nothing is recorded when every
    tensor is an inference one."""
    if (type(index._vc) is not list and state.enabled and any(t._requires_grad for t in operands)
            and any(type(t._vc) is list for t in operands)):
        refuse_saved_inference()


class func_transform:
    """Marks the code an ``ember.func`` transform runs: custom autograd Functions must then have a
    ``setup_context`` (PyTorch's rule for functorch transforms)."""

    def __enter__(self):
        state.func_transforms += 1

    def __exit__(self, *exc):
        state.func_transforms -= 1


def is_grad_enabled():
    """Whether grad mode is on: operations are recorded for autograd (except inside inference mode, where
    ``enable_grad`` turns the mode on but nothing is recorded, as in PyTorch)."""
    return state.enabled or state.suppressed


def _set_grad(flag):
    """Set grad mode to ``flag``: recording follows it outside inference mode only."""
    if state.inference:
        state.enabled, state.suppressed = False, flag
    else:
        state.enabled, state.suppressed = flag, False


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
        self._prev = state.enabled or state.suppressed
        if state.inference:
            _set_grad(self._target)
        else:
            state.enabled = self._target
        return self

    def __exit__(self, *exc):
        if state.inference or state.suppressed:
            _set_grad(self._prev)
        else:
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
        self._prev = state.enabled or state.suppressed
        self._target = bool(mode)
        _set_grad(self._target)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set_grad(self._prev)
        return False

    def __call__(self, func):
        _set_grad(self._prev)  # as a decorator, the mode applies only inside the function
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
        self._prev = state.enabled or state.suppressed
        self._prev_inf = state.inference
        _set_inference(self.mode)
        _set_grad(self._target)
        return self

    def __exit__(self, *exc):
        _set_inference(self._prev_inf)
        _set_grad(self._prev)
        return False

    def __call__(self, func):
        return _decorate(func, self.clone)

    def clone(self):
        return self.__class__(self.mode)
