"""``ember.compiler``: the ``torch.compiler`` controls PyTorch code calls, for an engine without a compiler.

:func:`ember.compile` returns its model unchanged, so these are no-ops with PyTorch's eager-mode answers:
``disable`` leaves a function as it is, ``is_compiling()`` is False, ``reset()`` does nothing.

Example::

    >>> import ember
    >>> @ember.compiler.disable
    ... def step(x):
    ...     return x + 1
    >>> ember.compiler.is_compiling()
    False
"""

__all__ = ["allow_in_graph", "assume_constant_result", "compile", "cudagraph_mark_step_begin", "disable",
           "is_compiling", "is_dynamo_compiling", "is_exporting", "list_backends", "reset", "set_stance",
           "substitute_in_graph"]


def compile(*args, **kwargs):  # noqa: A001 - torch.compiler.compile's name
    """As :func:`ember.compile`: returns the model (or a decorator) unchanged."""
    import ember
    return ember.compile(*args, **kwargs)


def disable(fn=None, recursive=True, *, reason=None):
    """Decorator (bare or called) leaving ``fn`` as it is: nothing is compiled in ember."""
    if fn is None:
        return lambda f: f
    return fn


def allow_in_graph(fn):
    """Return ``fn`` unchanged."""
    return fn


def assume_constant_result(fn):
    """Return ``fn`` unchanged."""
    return fn


def substitute_in_graph(original_fn, *, can_constant_fold_through=False, skip_signature_check=False):
    """Decorator factory whose decorator returns the substitute unchanged."""
    return lambda fn: fn


def set_stance(stance="default", *, skip_guard_eval_unsafe=False, force_backend=None):
    """Accepted for compatibility: ember always runs eagerly."""


def list_backends(exclude_tags=("debug", "experimental")):
    """No compiler backends in ember: an empty list."""
    return []


def reset():
    """Nothing to reset (no compilation caches)."""


def cudagraph_mark_step_begin():
    """Nothing to mark (no CUDA graphs)."""


def is_compiling():
    """False: ember code never runs under a compiler."""
    return False


def is_dynamo_compiling():
    """False (see :func:`is_compiling`)."""
    return False


def is_exporting():
    """False: ember has no export."""
    return False
