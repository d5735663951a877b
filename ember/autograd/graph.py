"""``ember.autograd.graph``: the autograd graph's node type and hooks on it (mirrors ``torch.autograd.graph``).

- :class:`Node`: the abstract type of every ``grad_fn`` (``isinstance(t.grad_fn, Node)``).
- :class:`saved_tensors_hooks` / :class:`save_on_cpu` / :func:`disable_saved_tensors_hooks`: control how the
  values an operation keeps for backward are stored.
- :func:`register_multi_grad_hook`: one hook for the gradients of several tensors.
- :func:`increment_version`: mark tensors as modified in place.
"""

import abc
import functools

from ember._backend import xp
from ember._tensor import Tensor, wrap
from ember.autograd.grad_mode import state as _state

__all__ = [
    "Node", "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks", "register_multi_grad_hook",
    "increment_version",
]


class Node(abc.ABC):
    """The abstract type of autograd graph nodes: every ``tensor.grad_fn`` (op nodes, custom
    ``autograd.Function`` nodes) and the ``AccumulateGrad`` nodes of leaves found in ``next_functions``.

    It cannot be instantiated; use it for ``isinstance`` checks. A node offers ``name()``,
    ``next_functions`` (``(node, output_nr)`` pairs, one per input; ``(None, 0)`` where no gradient flows),
    ``metadata`` (a dict), ``register_hook(fn)`` and ``register_prehook(fn)``.

    Example::

        >>> x = ember.ones(2, requires_grad=True)
        >>> isinstance((x * 2).grad_fn, ember.autograd.graph.Node)
        True
    """

    @abc.abstractmethod
    def name(self):
        """The node's name, e.g. ``'MulBackward0'``."""

    @property
    @abc.abstractmethod
    def next_functions(self):
        """``(node, output_nr)`` pairs: where this node sends the gradient of each of its inputs."""

    @property
    @abc.abstractmethod
    def metadata(self):
        """A dict for user data attached to the node."""

    @abc.abstractmethod
    def register_hook(self, fn):
        """Call ``fn(grad_inputs, grad_outputs)`` after the node's backward; returns a removable handle."""

    @abc.abstractmethod
    def register_prehook(self, fn):
        """Call ``fn(grad_outputs)`` before the node's backward; returns a removable handle."""


def _register_node_types():
    # ember's node classes do not inherit from Node (ops are plain classes on the hot path); they are
    # registered as virtual subclasses instead.
    from ember._ops import AccumulateGrad, Op
    from ember.autograd.engine import _NoDoubleBackward
    from ember.autograd.function import _FunctionNode

    for cls in (Op, AccumulateGrad, _FunctionNode, _NoDoubleBackward):
        Node.register(cls)


_register_node_types()


# ------------------------------------------------------------------------------------------ saved tensors
class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Context manager: store what operations save for backward through a pair of hooks.

    While active, each value an operation records for its backward pass is given to ``pack_hook(tensor)``
    (the input or output tensor itself when that is what is saved) and only the result is kept; when backward
    needs it, ``unpack_hook(packed)`` must return a tensor with the original's contents. Use it to offload,
    compress or recompute saved activations. Nested contexts: the innermost pair applies.

    Args:
        pack_hook (callable): ``pack_hook(tensor) -> object``, called during the forward pass.
        unpack_hook (callable): ``unpack_hook(object) -> Tensor``, called during backward (again for each
            backward through a retained graph).

    Raises:
        RuntimeError: on entry, inside :func:`disable_saved_tensors_hooks` (its message).
        TypeError: in backward, when ``unpack_hook`` returns something other than a tensor.

    Example::

        >>> def pack(t): return t.numpy().copy()        # keep a copy outside the graph
        >>> def unpack(a): return ember.from_numpy(a)
        >>> with ember.autograd.graph.saved_tensors_hooks(pack, unpack):
        ...     y = (x * w).sum()
        >>> y.backward()
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _state.saved_hooks_disabled is not None:
            raise RuntimeError(_state.saved_hooks_disabled)
        self._prev = _state.saved_hooks
        _state.saved_hooks = (self.pack_hook, self.unpack_hook)

    def __exit__(self, *exc):
        _state.saved_hooks = self._prev
        return False


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - PyTorch's name
    """Context manager: keep saved tensors in CPU memory (``saved_tensors_hooks`` that copy them).

    ember computes on the CPU, so the saved values already live there; the hooks keep a copy, as PyTorch
    does for CPU tensors. ``pin_memory`` and ``device_type`` are accepted for compatibility.

    Example::

        >>> with ember.autograd.graph.save_on_cpu():
        ...     loss = model(x).sum()
    """

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack(t):
            return t.device, wrap(t._data.copy())

        def unpack(packed):
            return packed[1]

        super().__init__(pack, unpack)


class disable_saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) under which :class:`saved_tensors_hooks` may not be used.

    Entering it while saved-tensor hooks are active, or entering ``saved_tensors_hooks`` inside it, raises
    ``RuntimeError(error_message)``.

    Args:
        error_message (str): the message of that error.

    Example::

        >>> with ember.autograd.graph.disable_saved_tensors_hooks("not with this feature"):
        ...     with ember.autograd.graph.saved_tensors_hooks(pack, unpack):   # RuntimeError
        ...         pass
    """

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        if _state.saved_hooks is not None:
            raise RuntimeError(self.error_message)
        self._prev = _state.saved_hooks_disabled
        _state.saved_hooks_disabled = self.error_message

    def __exit__(self, *exc):
        _state.saved_hooks_disabled = self._prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with disable_saved_tensors_hooks(self.error_message):
                return func(*args, **kwargs)
        return wrapper


class _PackedSaved:
    """What an op node keeps instead of its saved arrays while saved-tensor hooks are active."""

    __slots__ = ("items", "unpack_hook")

    def __init__(self, items, unpack_hook):
        self.items = items  # (was_packed, value) per saved entry
        self.unpack_hook = unpack_hook

    def __len__(self):
        return len(self.items)

    def __iter__(self):
        return iter(value for _, value in self.items)

    def _unpack_one(self, value):
        t = self.unpack_hook(value)
        if not isinstance(t, Tensor):
            raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                            f"{type(t).__name__}")
        return t

    def unpack(self):
        """The saved arrays, as the op's ``backward`` reads them."""
        return tuple([self._unpack_one(v)._data if packed else v for packed, v in self.items])

    def unpack_tensors(self):
        """The saved tensors, as ``ctx.saved_tensors`` returns them."""
        return tuple([self._unpack_one(v) if packed else v for packed, v in self.items])


def _pack_arrays(saved, inputs, outputs):
    """Pack an op's saved arrays: the tensor whose data each one is (an input, an output, else a new tensor)."""
    pack, unpack = _state.saved_hooks
    items = []
    prev, _state.enabled = _state.enabled, False  # pack hooks run in no-grad mode (their ops are not recorded)
    try:
        for a in saved:
            if not isinstance(a, xp.ndarray):
                items.append((False, a))
                continue
            t = None
            for cand in (*inputs, *outputs):
                if cand._data is a:
                    t = cand
                    break
            items.append((True, pack(t if t is not None else wrap(a))))
    finally:
        _state.enabled = prev
    return _PackedSaved(items, unpack)


def _pack_tensors(saved):
    """Pack the tensors of ``ctx.save_for_backward`` (None entries stay as they are)."""
    pack, unpack = _state.saved_hooks
    prev, _state.enabled = _state.enabled, False
    try:
        items = [(True, pack(t)) if isinstance(t, Tensor) else (False, t) for t in saved]
    finally:
        _state.enabled = prev
    return _PackedSaved(items, unpack)


# ------------------------------------------------------------------------------------------ multi-grad hooks
class _MultiHandle:
    """Removes the per-tensor hooks of one ``register_multi_grad_hook`` call."""

    def __init__(self, handles):
        self.handles = handles

    def remove(self):
        for h in self.handles:
            h.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """Register one hook on the gradients of several tensors.

    With ``mode="all"``, ``fn(grads)`` runs once per backward pass in which at least one of the tensors gets a
    gradient, at the end of that pass, with ``grads`` a list holding each tensor's gradient (None for those
    that got none). With ``mode="any"``, ``fn(grad)`` runs once per backward pass, on the first of the tensors'
    gradients computed. ``fn``'s return value is ignored (it cannot replace gradients).

    Args:
        tensors (sequence of Tensor): tensors that require grad.
        fn (callable): the hook.
        mode (str): ``"all"`` (default) or ``"any"``.

    Returns:
        A handle whose ``remove()`` unregisters the hook.

    Example::

        >>> a, b = ember.ones(2, requires_grad=True), ember.ones(2, requires_grad=True)
        >>> h = ember.autograd.graph.register_multi_grad_hook((a, b), lambda grads: print(len(grads)))
        >>> (a * 2).sum().backward()     # prints 2 (grads == [tensor([2., 2.]), None])
    """
    from ember.autograd.engine import _TASKS

    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    for t in tensors:
        if not t._requires_grad:
            raise AssertionError("Expected gradient function to be set")
    key = object()  # identifies this registration in a backward pass's task data
    nodes = [t._edge()[0] for t in tensors]

    def make_hook(i):
        def hook(grad):
            if not _TASKS:
                return None
            task = _TASKS[-1]
            if mode == "any":
                if key not in task.data:
                    task.data[key] = True
                    fn(grad)
                return None
            entry = task.data.get(key)
            if entry is None:
                # [grads, how many are still to come, fired]; fn runs when the last expected gradient arrives
                # (or at the end of the pass, should one of them never come).
                expected = sum(task.will_run(n) for n in nodes)
                entry = task.data[key] = [[None] * len(nodes), expected, False]

                def at_end():
                    if not entry[2]:
                        entry[2] = True
                        fn(entry[0])
                task.callbacks.append(at_end)
            entry[0][i] = grad
            entry[1] -= 1
            if entry[1] <= 0 and not entry[2]:
                entry[2] = True
                fn(entry[0])
            return None
        return hook

    return _MultiHandle([t.register_hook(make_hook(i)) for i, t in enumerate(tensors)])


def increment_version(tensor):
    """Bump the version counter of a tensor (or of each tensor in an iterable), as an in-place change does.

    Use it after modifying a tensor's memory behind autograd's back, so that a backward that saved the old
    values raises instead of using the new ones.

    Example::

        >>> ember.autograd.graph.increment_version(x)
    """
    tensors = (tensor,) if isinstance(tensor, Tensor) else tensor
    for t in tensors:
        t._vc[0] += 1
