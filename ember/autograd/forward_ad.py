"""``ember.autograd.forward_ad``: forward-mode AD with dual tensors (mirrors ``torch.autograd.forward_ad``).

ember has no forward-mode formulas; it computes tangents from its reverse mode instead. ``make_dual`` returns
a tensor that requires grad (so the operations on it are recorded) and remembers its tangent;
``unpack_dual(y)`` then gets ``y``'s tangent by the double-vjp identity (see ``ember.func``). Consequences:
the operations between ``make_dual`` and ``unpack_dual`` must be recorded, so they must run with grad mode
enabled (under ``no_grad`` ``unpack_dual`` raises where PyTorch computes the tangent), a
dual tensor reports ``requires_grad=True``, and every ``unpack_dual`` of a computed tensor costs two backward
passes through its graph.

Example::

    >>> import ember.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     x = fwAD.make_dual(ember.tensor([1.0, 2.0]), ember.ones(2))
    ...     fwAD.unpack_dual(x ** 2).tangent
    tensor([2., 4.])
"""

import functools
from collections import namedtuple

from ember._tensor import Tensor
from ember.autograd.grad_mode import enable_grad, is_grad_enabled, state

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "dual_level"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])
UnpackedDualTensor.__doc__ = "``(primal, tangent)`` as returned by :func:`unpack_dual` (tangent None if it has none)."

_levels = []  # one registry per level, {id(dual): (dual, original tensor, tangent)}; nesting is unsupported
_unrecorded = []  # per level: whether a dual tensor was made while ops were not recorded (no_grad, inference)

_NOT_RECORDED = ("unpack_dual(): ember computes forward-mode tangents from the recorded graph, and the operations on "
                 "dual tensors ran without recording (under no_grad), so the tangent is unknown. "
                 "Run them with grad mode enabled (ember.enable_grad()), or use ember.func.jvp.")


def enter_dual_level():
    """Open a level for dual tensors (prefer the :class:`dual_level` context manager); returns its index."""
    if _levels:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _levels.append({})
    _unrecorded.append(False)
    return len(_levels) - 1


def exit_dual_level(*, level=None):
    """Close the level opened by :func:`enter_dual_level`; its dual tensors lose their tangents."""
    if level is None:
        level = len(_levels) - 1
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    if level != len(_levels) - 1:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    _levels.pop()
    _unrecorded.pop()


class dual_level:
    """Context manager (or decorator) for a forward-AD level: dual tensors made inside have tangents until it
    exits."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)
        return wrapper


def _registry(level, where):
    if level is None:
        level = len(_levels) - 1
    if not 0 <= level < len(_levels):
        raise RuntimeError(f"Invalid level given to {where}")
    return _levels[level]


def make_dual(tensor, tangent, *, level=None):
    """A tensor with the values of ``tensor`` carrying ``tangent`` (same shape) as its forward gradient.

    Args:
        tensor: a floating-point tensor (the primal).
        tangent: its tangent, of the same shape.
        level: the dual level (default: the current one).

    Example::

        >>> with ember.autograd.forward_ad.dual_level():
        ...     x = ember.autograd.forward_ad.make_dual(ember.zeros(2), ember.ones(2))
    """
    if not _levels:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    from ember.func import _check_dual, _track
    _check_dual(tensor, tangent)
    registry = _registry(level, "_make_dual")
    if not (state.enabled or state.inference):
        _unrecorded[level if level is not None else -1] = True
    with enable_grad():
        dual = _track(tensor, is_grad_enabled())
    registry[id(dual)] = (dual, tensor, tangent)
    return dual


def unpack_dual(tensor, *, level=None):
    """``UnpackedDualTensor(primal, tangent)`` of ``tensor``: its values without the forward gradient, and its
    tangent at ``level`` (None when it does not depend on a dual tensor of that level, or outside a level)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"_unpack_dual(): argument 'dual' (position 1) must be Tensor, not {type(tensor).__name__}")
    if level is None:
        if not _levels:
            return UnpackedDualTensor(tensor, None)
        level = len(_levels) - 1
    if not 0 <= level < len(_levels):
        # As torch, a bad level is an error only for a tensor that carries a tangent (at the current level).
        if _levels and (id(tensor) in _levels[-1] or _reached(tensor, _levels[-1])):
            raise RuntimeError("Invalid level given to _fw_primal")
        return UnpackedDualTensor(tensor, None)
    registry = _levels[level]
    entry = registry.get(id(tensor))
    if entry is not None and entry[0] is tensor:
        original = entry[1]
        primal = original.view_as(original) if original.requires_grad else original.detach()
        return UnpackedDualTensor(primal, entry[2])
    from ember.func import _jvp_flat, _reaches_outside
    duals = _reached(tensor, registry)
    if not duals:
        # Computed from a dual tensor under no_grad? (PyTorch has its tangent; ember cannot tell, so it refuses
        # rather than answer None. Under inference_mode PyTorch computes no tangents either: None, as there.)
        if (registry and tensor.grad_fn is None and not state.inference
                and (not state.enabled or _unrecorded[level])):
            raise RuntimeError(_NOT_RECORDED)
        return UnpackedDualTensor(tensor, None)
    xs = [d for d, _, _ in duals]
    ts = [t for _, _, t in duals]
    inner = {id(x) for x in xs}
    outside = _reaches_outside([tensor], inner)
    create = is_grad_enabled() and (outside or any(t.requires_grad for t in ts))
    with enable_grad():
        (tangent,) = _jvp_flat([tensor], xs, ts, create)
    return UnpackedDualTensor(tensor if outside else tensor.detach(), tangent)


def _reached(tensor, registry):
    """The entries of ``registry`` whose dual tensor the graph of ``tensor`` leads to."""
    if not tensor.requires_grad or not registry:
        return []
    edges = {id(d._edge()[0]): entry for entry in registry.values() for d in (entry[0],)}
    found, seen = {}, set()
    stack = [tensor._edge()[0]]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if id(node) in edges:
            found[id(node)] = edges[id(node)]
            continue  # a dual's own history (the tensor it views) is not differentiated here
        stack.extend(child for child, _ in getattr(node, "next_functions", ()))
    return list(found.values())
