"""Activation checkpointing (``torch.utils.checkpoint``): keep fewer activations in the forward pass and compute
them again during backward.

Two variants, as in PyTorch:

- ``use_reentrant=False`` (recommended): ``function`` runs with autograd on, under saved-tensor hooks that drop
  what its ops save for backward; the first backward node that needs one of those tensors reruns ``function``
  (same random state, same autocast state) and takes the recomputed ones. The graph is the ordinary graph, so
  ``autograd.grad`` and gradients of parameters used inside ``function`` work.
- ``use_reentrant=True``: ``function`` runs without autograd and the outputs hang off one
  ``CheckpointFunctionBackward`` node, whose backward reruns it with autograd on and calls ``backward`` inside.
  Gradients reach only tensors passed as inputs (and parameters, through ``.grad``); it refuses
  ``autograd.grad`` and ``backward(inputs=...)``.

Example::

    >>> from ember.utils.checkpoint import checkpoint
    >>> block = ember.nn.Sequential(ember.nn.Linear(8, 8), ember.nn.ReLU())
    >>> x = ember.randn(4, 8, requires_grad=True)
    >>> checkpoint(block, x, use_reentrant=False).sum().backward()
"""

import contextlib
import warnings

import ember
from ember._tensor import Tensor
from ember.autograd.function import Function
from ember.autograd.graph import saved_tensors_hooks

__all__ = ["CheckpointError", "CheckpointFunction", "checkpoint", "checkpoint_sequential", "detach_variable",
           "noop_context_fn", "set_checkpoint_debug_enabled"]

_debug_enabled = None


class CheckpointError(RuntimeError):
    """Raised when the recomputation saves other tensors than the original forward pass did."""


def noop_context_fn():
    """The default ``context_fn``: two contexts that do nothing (one for the forward, one for the recomputation)."""
    return contextlib.nullcontext(), contextlib.nullcontext()


class set_checkpoint_debug_enabled:  # noqa: N801 - PyTorch's name
    """Context manager that sets the default of ``checkpoint(debug=...)`` (accepted; ember's errors do not change).

    Args:
        enabled (bool or None): the default while active (``None``: each call's own ``debug``).
    """

    def __init__(self, enabled):
        self.enabled = enabled

    def __enter__(self):
        global _debug_enabled
        self._prev, _debug_enabled = _debug_enabled, self.enabled

    def __exit__(self, *exc):
        global _debug_enabled
        _debug_enabled = self._prev


def detach_variable(inputs):
    """Detached copies of the tensors in the tuple ``inputs`` that keep their ``requires_grad``; other entries as
    they are.

    Example::

        >>> a, b = detach_variable((ember.ones(2, requires_grad=True), 3))
    """
    if not isinstance(inputs, tuple):
        raise RuntimeError(f"Only tuple of tensors is supported. Got Unsupported input type: {type(inputs).__name__}")
    out = []
    for inp in inputs:
        if isinstance(inp, Tensor):
            d = inp.detach()
            d.requires_grad = inp.requires_grad
            inp = d
        out.append(inp)
    return tuple(out)


_TIP = ("\n\nTip: To see a more detailed error message, either pass `debug=True` to\n"
        "`torch.utils.checkpoint.checkpoint(...)` or wrap the code block\n"
        "with `with torch.utils.checkpoint.set_checkpoint_debug_enabled(True):` to\n"
        "enable checkpoint\u2011debug mode globally.\n")


class _Replay:
    """The state a recomputation needs to repeat the forward pass: the random generator's and autocast's."""

    def __init__(self, preserve_rng_state):
        self.rng_state = ember.get_rng_state() if preserve_rng_state else None
        from ember import amp
        self.autocast = (amp.is_autocast_enabled("cpu"), amp.get_autocast_dtype("cpu"),
                         amp.is_autocast_cache_enabled())

    @contextlib.contextmanager
    def __call__(self):
        from ember import amp
        enabled, dtype, cache = self.autocast
        current = ember.get_rng_state() if self.rng_state is not None else None
        if current is not None:
            ember.set_rng_state(self.rng_state)
        try:
            with ember.enable_grad(), amp.autocast("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache):
                yield
        finally:
            if current is not None:
                ember.set_rng_state(current)


def _check_kwargs(kwargs, preserve_key="preserve_rng_state"):
    preserve = kwargs.pop(preserve_key, True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    return preserve


def _warn_use_reentrant(where, stacklevel=3):
    future = ("In version 2.9 we will raise an exception if use_reentrant is not passed." if "sequential" in where
              else "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception.")
    warnings.warn(f"{where}: the use_reentrant parameter should be passed explicitly. {future} use_reentrant=False is "
                  "recommended, but if you need to preserve the current default behavior, you can pass "
                  "use_reentrant=True. Refer to docs for more details on the differences between the two variants.",
                  stacklevel=stacklevel)


class CheckpointFunction(Function):
    """The reentrant variant's autograd function: ``apply(function, preserve_rng_state, *args)``."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        ctx.run_function = run_function
        ctx.replay = _Replay(preserve_rng_state)
        ctx.tensor_at = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.others = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*[args[i] for i in ctx.tensor_at])
        with ember.no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        from ember.autograd.engine import _TASKS
        task = _TASKS[-1] if _TASKS else None
        if task is not None and (task._capture is not None or task._leaf_filter is not None):
            raise RuntimeError("When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or "
                               "passing an `inputs` parameter to .backward(). To resolve this error, you can either "
                               "set use_reentrant=False, or call .backward() without passing the `inputs` argument.")
        args = list(ctx.others)
        for i, t in zip(ctx.tensor_at, ctx.saved_tensors):
            args[i] = t
        args = detach_variable(tuple(args))
        with ctx.replay():
            outputs = ctx.run_function(*args)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        ember.autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(a.grad if isinstance(a, Tensor) else None for a in args)


class _Frame:
    """One non-reentrant checkpointed call: handles for what its forward saved, and the recomputed tensors."""

    def __init__(self, function, args, kwargs, replay, context):
        self.function, self.args, self.kwargs, self.replay, self.context = function, args, kwargs, replay, context
        self.metadata = []  # (shape, dtype) of each tensor the forward saved, in order
        self.recomputed = None

    def pack(self, t):
        self.metadata.append((tuple(t.shape), t.dtype))
        return (self, len(self.metadata) - 1)

    def unpack(self, handle):
        frame, index = handle
        if frame.recomputed is None:
            frame._recompute()
        return frame.recomputed[index]

    def _recompute(self):
        saved = []

        def keep(t):
            saved.append(t)
            return t
        args = detach_variable(self.args)  # a fresh graph: the recomputation must not reach into the outer one
        with self.replay(), self.context, saved_tensors_hooks(keep, lambda t: t):
            self.function(*args, **self.kwargs)
        if len(saved) < len(self.metadata):
            raise CheckpointError("torch.utils.checkpoint: A different number of tensors was saved during the "
                                  "original forward and recomputation.\nNumber of tensors saved during forward: "
                                  f"{len(self.metadata)}\nNumber of tensors saved during recomputation: {len(saved)}."
                                  + _TIP)
        bad = [(i, m, (tuple(t.shape), t.dtype)) for i, (m, t) in enumerate(zip(self.metadata, saved))
               if m != (tuple(t.shape), t.dtype)]
        if bad:
            lines = "".join(f"tensor at position {i}:\nsaved metadata: {_meta(m)}\nrecomputed metadata: {_meta(r)}\n"
                            for i, m, r in bad)
            raise CheckpointError("torch.utils.checkpoint: Recomputed values for the following tensors have "
                                  f"different metadata than during the forward pass.\n{lines}." + _TIP)
        self.recomputed = saved[:len(self.metadata)]  # as PyTorch stops early: extra saves are not an error


def _meta(m):
    return "{" + f"'shape': ember.Size({list(m[0])}), 'dtype': {m[1]}, 'device': device(type='cpu')" + "}"


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn, determinism_check="default",
               debug=False, early_stop=True, **kwargs):
    """Run ``function(*args, **kwargs)`` without keeping its intermediate activations; backward recomputes them.

    Args:
        function: what to run (a module, a function); it must compute the same thing when run again.
        *args: its positional arguments (tensors and anything else).
        use_reentrant (bool): which variant (see the module docstring); pass it explicitly: leaving it out warns
            and uses the reentrant one, as PyTorch does.
        context_fn: returns two context managers, entered around the forward and around the recomputation
            (non-reentrant only).
        determinism_check: ``"default"`` compares the shapes and dtypes of the recomputed saved tensors with the
            originals (``"none"`` skips it).
        debug, early_stop: accepted for compatibility.
        preserve_rng_state (bool): recompute with the random state of the forward, so dropout draws the same
            mask (default True).
        **kwargs: keyword arguments of ``function`` (non-reentrant only).

    Returns:
        What ``function`` returns.

    Raises:
        ValueError: keyword arguments with ``use_reentrant=True``, or a non-default ``context_fn`` with it.
        CheckpointError: the recomputation saved fewer tensors, or ones of other shapes or dtypes.

    Example::

        >>> layer = ember.nn.Linear(16, 16)
        >>> x = ember.randn(2, 16, requires_grad=True)
        >>> y = checkpoint(layer, x, use_reentrant=False)
        >>> y.sum().backward()
    """
    if use_reentrant is None:
        _warn_use_reentrant("torch.utils.checkpoint")
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        if ember.is_grad_enabled() and not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
        return CheckpointFunction.apply(function, preserve, *args)
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    forward_context, recompute_context = context_fn()
    if not ember.is_grad_enabled():  # nothing will be recomputed: just run it
        with forward_context:
            return function(*args, **kwargs)
    frame = _Frame(function, args, kwargs, _Replay(preserve), recompute_context)
    with forward_context, saved_tensors_hooks(frame.pack, frame.unpack):
        return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):  # noqa: A002
    """Run a sequence of modules in ``segments`` chunks, checkpointing every chunk but the last.

    Args:
        functions: an ``nn.Sequential`` or a list of modules / functions, applied one after another.
        segments (int): how many chunks.
        input (Tensor): the first function's input.
        use_reentrant (bool): as in :func:`checkpoint`.
        preserve_rng_state (bool): as in :func:`checkpoint`.

    Returns:
        The last function's output.

    Example::

        >>> model = ember.nn.Sequential(ember.nn.Linear(4, 4), ember.nn.ReLU(), ember.nn.Linear(4, 2))
        >>> out = checkpoint_sequential(model, 2, ember.randn(3, 4, requires_grad=True), use_reentrant=False)
    """
    if use_reentrant is None:
        _warn_use_reentrant("torch.utils.checkpoint.checkpoint_sequential")
        use_reentrant = True
    preserve = _check_kwargs(kwargs)
    if isinstance(functions, ember.nn.Sequential):
        functions = list(functions.children())
    functions = list(functions)

    def run(start, end):
        def forward(x):
            for fn in functions[start:end + 1]:
                x = fn(x)
            return x
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,  # noqa: A001
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
