"""User-defined differentiable operations: ``ember.autograd.Function``."""

import warnings

from ember._backend import xp
from ember._ops import Op, next_sequence_nr
from ember._tensor import Tensor, wrap
from ember._tensor_methods import _CUSTOM_VIEW_MSG, _MULTI_VIEW_MSG
from ember.autograd.grad_mode import forward_trace as _forward_trace
from ember.autograd.grad_mode import no_grad, refuse_saved_inference
from ember.autograd.grad_mode import state as _grad_state


class FunctionCtx:
    """The ``ctx`` passed to a Function's ``forward`` and ``backward``."""

    def save_for_backward(self, *tensors):
        """Keep tensors (or None) for backward; read them back as ``ctx.saved_tensors``."""
        self._saved = tensors
        self._ctx_versions = tuple((t._vc, t._vc[0]) if isinstance(t, Tensor) else None for t in tensors)

    # What forward handed to save_for_backward / mark_dirty / mark_non_differentiable: readable while forward
    # runs; a recorded node reports None afterwards, as PyTorch's.
    @property
    def to_save(self):
        d = self.__dict__
        return None if "_out_meta" in d else d.get("_saved")

    @to_save.setter
    def to_save(self, tensors):  # (old code assigned it instead of calling save_for_backward)
        self.save_for_backward(*tensors)

    @property
    def dirty_tensors(self):
        d = self.__dict__
        return None if "_out_meta" in d else d.get("_dirty")

    @property
    def non_differentiable(self):
        d = self.__dict__
        return None if "_out_meta" in d else d.get("_non_diff_tensors")

    def save_for_forward(self, *tensors):
        """Keep tensors (or None) for the Function's ``jvp``, which reads them as ``ctx.saved_tensors``."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_forward expects all arguments to be tensors; you should save non-tensors "
                                f"as attributes on ctx. (argument {i} is of type {type(t).__name__})")
        self._saved_forward = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = {id(t) for t in tensors}
        self._non_diff_tensors = tensors

    def set_materialize_grads(self, value):
        self._materialize = value


_FUNCTION_BASE = "'ember._C._FunctionBase'"  # (PyTorch's messages name the node's C base class)


def _not_writable(name):
    return f"attribute '{name}' of {_FUNCTION_BASE} objects is not writable"


class BackwardCFunction(FunctionCtx):
    """The graph node of one ``Function.apply`` call (``y.grad_fn``); it is also the ``ctx`` of that call.

    Since the node is the user's ``ctx``, the engine keeps nothing under public names in its ``__dict__``: a
    forward may set ``ctx.saved`` or ``ctx.backward`` freely (the engine calls this class's methods through the
    class and reads only private attributes and the slots below; ``vars(ctx)`` holds just what the user set).
    """

    __slots__ = ("next_functions", "needs_input_grad")  # (as PyTorch's: not in vars(grad_fn))
    _pre_hooks = None
    _node_pre = None  # grad_fn.register_prehook / register_hook, as on ops
    _node_post = None
    _checked_versions = ()  # (saved_tensors checks the versions itself)
    _trace = None
    _seq = 0
    _freed = None  # None, never True, tells the engine this is a custom Function's node (see engine.run_backward)
    _released = False  # True once a backward without retain_graph dropped the saved tensors
    grad_name = "BackwardCFunction"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.grad_name = cls.__name__  # the node class of Function ``MyFn`` is ``MyFnBackward``

    def __init__(self, fn_cls):
        self._fn = fn_cls

    # PyTorch's node attributes below are read-only (metadata, requires_grad) or write-only
    # (materialize_grads), so assigning them on ``ctx`` fails instead of shadowing them.
    @property
    def requires_grad(self):
        return True

    @requires_grad.setter
    def requires_grad(self, value):
        raise AttributeError(_not_writable("requires_grad"))

    @requires_grad.deleter
    def requires_grad(self):
        raise AttributeError(_not_writable("requires_grad"))

    @property
    def materialize_grads(self):
        raise AttributeError(f"attribute 'materialize_grads' of {_FUNCTION_BASE} objects is not readable")

    @materialize_grads.setter
    def materialize_grads(self, value):
        if not isinstance(value, bool):
            raise TypeError("set_materialize_grads received an invalid combination of arguments - got (), but "
                            "expected (bool)")
        self.set_materialize_grads(value)

    @property
    def _forward_cls(self):
        """The :class:`Function` subclass whose ``apply`` made this node."""
        return self._fn

    def _sequence_nr(self):
        """The order this node was recorded in (the engine runs later nodes first)."""
        return self._seq

    def apply(self, *grad_outputs):
        """Run the Function's ``backward`` (or ``vjp``) on ``grad_outputs``; returns what it returns.

        Grad mode is left as it is, so the result has history when its inputs do (as PyTorch's).
        """
        return self._vjp_fn()(self, *grad_outputs)

    @property
    def saved_tensors(self):
        """The tensors given to ``save_for_backward`` (``()`` while forward runs, as PyTorch).

        Raises ``RuntimeError`` once a backward without ``retain_graph`` freed them, or when one of them was
        modified in place after it was saved.
        """
        d = self.__dict__
        if self._released:
            from ember.autograd.engine import _SECOND_TIME
            raise RuntimeError(_SECOND_TIME)
        if "_out_meta" not in d:  # forward has not returned yet
            return ()
        saved = d.get("_saved", ())
        packed = d.get("_saved_packed")
        if packed is not None:  # autograd.graph.saved_tensors_hooks was active in forward
            saved = packed.unpack_tensors()
        for t, v in zip(saved, self._ctx_versions if saved else ()):
            if v is not None and v[0][0] != v[1]:
                from ember.autograd.engine import version_message
                raise RuntimeError(version_message(f"[{t.type()} [{', '.join(map(str, t.shape))}]]"
                                                   f"{self._produced_by(t)}", v[0][0], v[1]))
        return saved

    def _produced_by(self, t):
        """``, which is output N of Name,`` for a saved tensor modified in place: an output of this Function is
        named after it (PyTorch's saved outputs keep their node), an input after its current ``grad_fn``."""
        from ember.autograd.engine import _forward_name

        fn, nr = t.grad_fn, t._output_nr
        if fn is None:
            return ""
        node, k = fn, nr
        for _ in range(10000):  # in-place ops take the tensor as their first input: follow those edges back
            if node is self:
                return f", which is output {k} of {_forward_name(type(self).grad_name)},"
            edges = getattr(node, "next_functions", ())
            if not edges or edges[0][0] is None:
                break
            node, k = edges[0]
        return f", which is output {nr} of {_forward_name(fn.grad_name)},"

    @property
    def saved_variables(self):
        """Deprecated name of :attr:`saved_tensors` (warns ``DeprecationWarning``)."""
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning, stacklevel=2)
        return self.saved_tensors

    def _free_saved(self):
        """After a backward without ``retain_graph``: drop the saved tensors (later reads raise)."""
        d = self.__dict__
        d["_released"] = True
        d.pop("_saved", None)
        d.pop("_saved_packed", None)

    def name(self):
        return type(self).grad_name

    @property
    def metadata(self):
        """A dict for user data attached to the node."""
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self._metadata = {}
        return d

    @metadata.setter
    def metadata(self, value):
        raise AttributeError(_not_writable("metadata"))

    @metadata.deleter
    def metadata(self):
        raise AttributeError(_not_writable("metadata"))

    def __repr__(self):
        return f"<ember.autograd.function.{type(self).grad_name} object at {hex(id(self))}>"

    _add_pre_hook = Op._add_pre_hook  # tensor hooks on a custom Function's outputs work as on ops

    def register_hook(self, fn):
        """As ``Op.register_hook``: ``fn(grad_inputs, grad_outputs)`` after this node's backward."""
        from ember._ops import _node_hook

        return _node_hook(self, "_node_post", fn)

    def register_prehook(self, fn):
        """As ``Op.register_prehook``: ``fn(grad_outputs)`` before this node's backward."""
        from ember._ops import _node_hook

        return _node_hook(self, "_node_pre", fn)

    def _vjp_fn(self):
        """The user's ``backward`` or ``vjp`` (``vjp`` is an alias; overriding both is refused, as PyTorch)."""
        cls = self._fn
        vjp = cls.vjp
        if vjp is _BASE_VJP:
            return cls.backward
        if cls.backward is not _BASE_VJP:
            raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not allowed. You "
                               "should only implement one of them.")
        return vjp

    def backward(self, *grads):
        tensors = [None if g is None else wrap(g) for g in grads]  # (None: set_materialize_grads(False))
        fn = self._vjp_fn()
        with no_grad():
            result = fn(self, *tensors)
        return self._map_grads(result, arrays=True)

    def backward_graph(self, *grads):
        tensors = [g if g is None or isinstance(g, Tensor) else wrap(g) for g in grads]
        if _forward_ad[0] and (self._fn.jvp is not _BASE_JVP or not self._fn.__module__.startswith("ember.")):
            return self._jvp_graph(tensors)
        result = self._vjp_fn()(self, *tensors)
        return self._map_grads(result, arrays=False)

    def _jvp_graph(self, grads):
        """The first pass of forward mode (``ember.func._jvp_flat``): ``J^T u`` as a node whose backward is the
        Function's ``jvp``, so the double-vjp identity gives ``J t`` from the user's formula."""
        if self._fn.jvp is _BASE_JVP:
            raise NotImplementedError(_NO_JVP)
        out = _JvpOfVjp.apply(self, *grads)
        out = out if isinstance(out, tuple) else (out,)
        return list(out)

    def _map_grads(self, result, arrays):
        if not isinstance(result, tuple):
            result = (result,)
        n_args = len(self._arg_is_tensor)
        if len(result) > n_args and all(g is None for g in result[n_args:]):
            result = result[:n_args]
        if len(result) != n_args:
            raise RuntimeError(
                f"function {type(self).grad_name} returned an incorrect number of gradients (expected "
                f"{len(self._arg_is_tensor)}, got {len(result)})"
            )
        out = []
        for k, (g, is_t) in enumerate(zip(result, self._arg_is_tensor)):
            if not is_t and g is not None:
                raise RuntimeError(f"function {type(self).grad_name} returned a gradient different than None at "
                                   f"position {k + 1}, but the corresponding forward input was not a Variable")
            if is_t:
                if g is None:
                    out.append(None)
                elif isinstance(g, Tensor):
                    out.append(g._data if arrays else g)
                else:
                    from ember._functions_args import type_name
                    raise RuntimeError(f"expected Variable or None (got {type_name(g)})")
        return out


_FunctionNode = BackwardCFunction  # (the name ember's own modules use)


class _JvpCtx:
    """The ``ctx`` a Function's ``jvp`` sees: its node, with ``saved_tensors`` from ``save_for_forward``."""

    __slots__ = ("_node",)

    def __init__(self, node):
        object.__setattr__(self, "_node", node)

    def __getattr__(self, name):
        return getattr(self._node, name)

    def __setattr__(self, name, value):
        setattr(self._node, name, value)

    @property
    def saved_tensors(self):
        fwd = self._node.__dict__.get("_saved_forward")
        return fwd if fwd is not None else self._node.saved_tensors


class Function:
    """Base class for custom autograd operations.

    Subclass it with two static methods and call ``MyFn.apply(*args)``::

        class Exp(ember.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad_output):
                (y,) = ctx.saved_tensors
                return grad_output * y
    """

    def __init__(self, *args, **kwargs):
        # Old code made instances and called them (``MyFn()(x)``); PyTorch still allows making one, with a warning
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions are all static, so "
                      "you should invoke them on the class itself. Instantiating an autograd function will raise an "
                      "error in a future version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        """Calling an instance was the pre-0.4 way to apply a Function: refused, as in PyTorch; use ``apply``."""
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please use "
                           "new-style autograd function with static forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):  # pragma: no cover - abstract
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward  # an alias: a subclass may define either (not both)

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward-mode formula: the output tangents from the input tangents (override to support jvp)."""
        raise NotImplementedError(_NO_JVP)

    @staticmethod
    def vmap(info, in_dims, *args):
        """Batching rule ``(info, in_dims, *args) -> (output, out_dims)`` (see ``generate_vmap_rule``)."""
        raise NotImplementedError("To use autograd.Function with vmap, you must either override the vmap "
                                  "staticmethod or set generate_vmap_rule=True.")

    generate_vmap_rule = False  # True: ember.func.vmap may run forward per example (PyTorch: derive the rule)

    @staticmethod
    def setup_context(ctx, inputs, output):  # pragma: no cover - optional
        return None

    @classmethod
    def apply(cls, *args, **kwargs):
        node_cls = cls.__dict__.get("_ember_node_cls")
        if node_cls is None:  # the node's class is named like PyTorch's (``MyFnBackward``)
            node_cls = type(cls.__name__ + "Backward", (BackwardCFunction,), {"__module__": "ember.autograd.function"})
            cls._ember_node_cls = node_cls
        node = node_cls(cls)
        node._seq = next_sequence_nr()
        if _grad_state.anomaly:
            node._trace = _forward_trace()
        is_t = tuple(isinstance(a, Tensor) for a in args)
        tensors = [a for a in args if isinstance(a, Tensor)]
        record = _grad_state.enabled and any(t._requires_grad for t in tensors)
        node.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        node._arg_is_tensor = is_t
        with no_grad():
            if cls.setup_context is not Function.setup_context and "ctx" not in _params(cls.forward):
                if _in_vmap[0] and not cls.__module__.startswith("ember."):
                    _check_vmap_rule(cls)
                output = cls.forward(*args, **kwargs)
                cls.setup_context(node, args, output)
            else:
                if _grad_state.func_transforms:
                    raise RuntimeError(_NO_SETUP_CONTEXT_MSG)
                output = cls.forward(node, *args, **kwargs)
        single = not isinstance(output, tuple)
        outs = (output,) if single else output
        dirty = node.__dict__.get("_dirty")
        if dirty:
            _check_dirty(dirty, outs)
        if not record:
            return output
        for i, t in enumerate(node.__dict__.get("_saved", ())):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                                f"{type(t).__name__}")
            if t is not None and type(t._vc) is not list:  # an inference tensor (see autograd/grad_mode.py)
                refuse_saved_inference()
        if _grad_state.saved_hooks is not None and getattr(node, "_saved", None):
            from ember.autograd.graph import _pack_tensors
            node._saved_packed = _pack_tensors(node._saved)
            node._saved = ()
        node.next_functions = tuple(t._edge() for t in tensors)
        node._in_meta = tuple((t._data.shape, t._data.dtype) for t in tensors)
        non_diff = getattr(node, "_non_diff", set())
        wrapped = []
        metas = []
        for nr, o in enumerate(outs):
            if isinstance(o, Tensor):
                old_fn = None
                view = False
                diff = id(o) not in non_diff  # (before an input returned as is gets its new object)
                if dirty and any(o is t for t in dirty):
                    old_fn = _dirty_check_leaf(o)  # modified in place: the input itself gets the new history
                elif any(o is t for t in tensors):
                    o = wrap(o._data, vc=o._vc, base=o)
                    view = True
                elif o._parent is not None:
                    view = o._is_view()
                if o._data.dtype.kind in "fVc" and diff:
                    if view:  # in-place ops on it would bypass the custom backward: PyTorch refuses them
                        o._custom_view = _MULTI_VIEW_MSG if len(outs) > 1 else _CUSTOM_VIEW_MSG
                    o.grad_fn = node
                    o._requires_grad = True
                    o._output_nr = nr
                    if old_fn is not None and o._parent is not None:
                        from ember._tensor_methods import _rebase_view
                        _rebase_view(o, old_fn[0])  # its base's history becomes CopySlices of the new one
                metas.append((o._data.shape, o._data.dtype))
            else:
                metas.append(((), None))
            wrapped.append(o)
        node._out_meta = tuple(metas)
        return wrapped[0] if single else tuple(wrapped)


_BASE_VJP = Function.backward
_BASE_JVP = Function.jvp
_forward_ad = [0]  # > 0 while ember.func._jvp_flat runs its first (u -> J^T u) pass: custom nodes use their jvp
_in_vmap = [0]  # > 0 while ember.func.vmap runs its function
_NO_JVP = "You must implement the jvp function for custom autograd.Function to use it with forward mode AD."


def _check_vmap_rule(cls):
    """PyTorch's vmap needs a rule for a Function; ember's loop runs forward per example whenever it has one."""
    has_vmap = cls.vmap is not Function.vmap
    if cls.generate_vmap_rule and has_vmap:
        raise RuntimeError(f"You tried to vmap over {cls.__name__}, but it has both generate_vmap_rule=True and an "
                           "overridden vmap staticmethod. Please set generate_vmap_rule=False or delete the overridden "
                           "vmap staticmethod to avoid ambiguity. For more details, please see "
                           "https://pytorch.org/docs/main/notes/extending.func.html")
    if not cls.generate_vmap_rule and not has_vmap:
        raise RuntimeError(f"You tried to vmap over {cls.__name__}, but it does not have vmap support. Please override "
                           "and implement the vmap staticmethod or set generate_vmap_rule=True. For more details, "
                           "please see https://pytorch.org/docs/main/notes/extending.func.html")


class _JvpOfVjp(Function):
    """``u -> J^T u`` of a custom node in forward mode's first pass. Its value is never read (only its graph:
    ``u`` is zeros), so backward is not run; its own backward, ``t -> J t``, calls the node's ``jvp``."""

    @staticmethod
    def forward(node, *grads):
        return tuple(wrap(xp.zeros(shape, dtype)) if need else None
                     for need, (shape, dtype) in zip(_tensor_needs(node), node._in_meta))

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.node = inputs[0]
        ctx.grad_is_t = tuple(isinstance(g, Tensor) for g in inputs[1:])
        ctx.set_materialize_grads(False)

    @staticmethod
    def backward(ctx, *tangents):
        node = ctx.node
        it = iter(zip(tangents, node._in_meta))
        args = []
        for is_t in node._arg_is_tensor:  # the jvp gets one tangent per forward input (None for non-tensors)
            if not is_t:
                args.append(None)
                continue
            t, (shape, dtype) = next(it)
            if t is None and dtype.kind in "fc":
                t = wrap(xp.zeros(shape, dtype))
            args.append(t)
        result = node._fn.jvp(_JvpCtx(node), *args)
        if not isinstance(result, tuple):
            result = (result,)
        out = [None]
        for k, is_t in enumerate(ctx.grad_is_t):
            r = result[k] if k < len(result) else None
            out.append(r if is_t and isinstance(r, Tensor) else None)
        return tuple(out)


def _tensor_needs(node):
    return [need for need, is_t in zip(node.needs_input_grad, node._arg_is_tensor) if is_t]


_DIRTY_NOT_RETURNED = (
    "Some elements marked as dirty during the forward method were not returned as output. The inputs that are "
    "modified inplace must all be outputs of the Function.")
_DIRTY_LEAF = "a leaf Variable that requires grad has been used in an in-place operation."
_NO_SETUP_CONTEXT_MSG = (
    "In order to use an autograd.Function with functorch transforms (vmap, grad, jvp, jacrev, ...), it must override "
    "the setup_context staticmethod. For more details, please see "
    "https://pytorch.org/docs/main/notes/extending.func.html")


def _check_dirty(dirty, outs):
    """Refuse dirty inputs that forward did not return; bump the version of the others (they were changed)."""
    for t in dirty:
        if not any(t is o for o in outs):
            raise RuntimeError(_DIRTY_NOT_RETURNED)
    for t in dirty:
        t._vc[0] += 1


def _dirty_check_leaf(t):
    """Refuse an in-place change to a leaf that requires grad (or a view of one); returns ``(old grad_fn,)``."""
    base = t._parent
    if base is not None:
        while base._parent is not None:
            base = base._parent
        if base._requires_grad and base.grad_fn is None:
            from ember._tensor_methods import _VIEW_LEAF_MSG
            raise RuntimeError(_VIEW_LEAF_MSG)
    elif t._requires_grad and t.grad_fn is None:
        raise RuntimeError(_DIRTY_LEAF)
    return (t.grad_fn,)


def _params(fn):
    import inspect
    try:
        return list(inspect.signature(fn).parameters)[:1]
    except (TypeError, ValueError):
        return []


_TWICE = "trying to differentiate twice a function that was marked with @once_differentiable"


class _DelayedError(Op):
    """The node of a ``@once_differentiable`` backward's results under ``create_graph``: differentiating them
    raises. Its inputs are fresh leaves (aliases of the results), as PyTorch's ``Error`` node's."""

    grad_name = "Error"
    differentiable_outputs = 1 << 30
    complex_grad = True

    def forward(self, *arrays):
        return arrays if len(arrays) > 1 else arrays[0]

    def backward(self, *grads):
        raise RuntimeError(_TWICE)


def once_differentiable(fn):
    """Decorate a custom Function's ``backward`` that is not differentiable itself.

    ``backward`` runs with grad mode off, so the gradients it returns carry no history. When a higher-order
    gradient is asked for (``create_graph=True`` with incoming gradients that require grad), its results are
    marked so that differentiating them raises ``RuntimeError`` instead of giving a silently wrong result.

    Args:
        fn: the ``backward(ctx, *grad_outputs)`` function (put ``@once_differentiable`` under ``@staticmethod``).

    Example::

        >>> class Square(ember.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     @once_differentiable
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
    """
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not _grad_state.enabled or not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        # Each floating result becomes an alias whose node raises when differentiated.
        idx = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o._data.dtype.kind in "fVc"]
        if not idx:
            return outputs
        marked = _DelayedError.apply(*[wrap(outs[i]._data, requires_grad=True) for i in idx])
        marked = marked if isinstance(marked, tuple) else (marked,)
        outs = list(outs)
        for i, m in zip(idx, marked):
            outs[i] = m
        return outs[0] if single else tuple(outs)

    return wrapper


class InplaceFunction(Function):
    """A :class:`Function` base class of old code whose instances carry an ``inplace`` flag.

    Args:
        inplace: stored as ``self.inplace`` for the subclass to read.
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class NestedIOFunction(Function):
    """A legacy :class:`Function` base class, kept so that old code importing it still loads; use
    :class:`Function`. Subclasses define ``forward_extended(self, *inputs)`` and ``backward_extended(self,
    *grad_outputs)``; as in PyTorch, such old-style classes can no longer be applied.
    """

    def forward_extended(self, *inputs):
        """The legacy forward (must be overridden)."""
        raise NotImplementedError

    def backward_extended(self, *grad_outputs):
        """The legacy backward (must be overridden)."""
        raise NotImplementedError
