"""``ember.func`` (``torch.func``): composable function transforms.

``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``linearize``, ``jacrev``, ``jacfwd``, ``hessian``, ``vmap``,
plus ``functional_call`` and ``stack_module_state`` to use them with modules.

How they are built (ember has one tape-based autograd, not PyTorch's levels of wrapped tensors):

* The differentiating transforms run ``func`` on fresh copies of the inputs that require grad and call
  ``ember.autograd.grad``. When the result must itself stay differentiable (the inputs already require grad,
  because an enclosing transform or the caller tracks them, or ``func`` uses tensors that do), the backward
  is recorded (``create_graph=True``), so ``grad(grad(f))``, ``jacfwd(jacrev(f))`` and friends compose as far
  as ember's double backward reaches; otherwise results come back without a graph, as in PyTorch.
* Forward mode (``jvp``, ``linearize``) uses the double-vjp identity: ``u -> J^T u`` is linear, so the
  gradient of ``<J^T u, t>`` with respect to ``u`` is ``J t``. It needs the double backward of the ops in
  ``func``; where one has none, ``jvp`` falls back to building ``J`` row by row. ``jacfwd`` computes the
  same Jacobian as ``jacrev`` (by reverse mode).
* ``vmap`` is a loop, not a batching rule: it calls ``func`` once per example on slices of the inputs and
  stacks the results, so gradients flow through it as through any ember code, and per-example Python
  control flow or ``.item()`` work where PyTorch's vmap refuses them. Costs grow with the batch size.
"""

import functools
from collections import OrderedDict

from ember._tensor import Tensor, wrap
from ember.autograd import function as _fn_mod
from ember.autograd.engine import _NO_DOUBLE
from ember.autograd.grad_mode import enable_grad, func_transform, inference_mode, is_grad_enabled, state

__all__ = [
    "functional_call", "stack_module_state", "grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev",
    "jacfwd", "hessian", "vmap", "functionalize", "replace_all_batch_norm_modules_", "debug_unwrap",
]


class _recording:
    """Where a transform runs ``func`` and differentiates: grad mode on, out of inference mode (PyTorch's
    transforms compute under ``inference_mode`` too; ember's tape would record nothing there), inside
    ``func_transform``."""

    __slots__ = ("_modes",)

    def __enter__(self):
        self._modes = [enable_grad(), func_transform()]
        if state.inference or state.suppressed:
            self._modes.insert(0, inference_mode(False))
        for m in self._modes:
            m.__enter__()
        return self

    def __exit__(self, *exc):
        for m in reversed(self._modes):
            m.__exit__(*exc)
        return False


# ----------------------------------------------------------------------------------------------- pytrees
class _Spec:
    """The structure of a pytree: tuples, lists, dicts, OrderedDicts and namedtuples are nodes, anything
    else (tensors, numbers, None) a leaf. ``repr`` and ``pprint`` read as PyTorch's ``TreeSpec`` in errors."""

    __slots__ = ("kind", "context", "children")

    def __init__(self, kind=None, context=None, children=()):
        self.kind, self.context, self.children = kind, context, children

    def __eq__(self, other):
        return (isinstance(other, _Spec) and self.kind == other.kind and self.context == other.context
                and self.children == other.children)

    def __repr__(self, indent=0):
        if self.kind is None:
            return "*"
        indent += 2
        inner = ",".join(c.__repr__(indent) if i == 0 else "\n" + " " * indent + c.__repr__(indent)
                         for i, c in enumerate(self.children))
        context = self.context if self.kind != "namedtuple" else repr(self.context)
        return f"TreeSpec({self.kind}, {context}, [{inner}])"

    def pprint(self):
        """Python-like rendering (``{'a': *, 'b': [*]}``), as PyTorch's ``treespec_pprint``."""
        cs = [c.pprint() for c in self.children]
        if self.kind is None:
            return "*"
        if self.kind == "tuple":
            return "(" + ", ".join(cs) + ("," if len(cs) == 1 else "") + ")"
        if self.kind == "list":
            return "[" + ", ".join(cs) + "]"
        if self.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.context, cs)) + "}"
        if self.kind == "OrderedDict":
            return "OrderedDict([" + ", ".join(f"({k!r}, {c})" for k, c in zip(self.context, cs)) + "])"
        return f"{self.context.__name__}(" + ", ".join(f"{k}={c}" for k, c in zip(self.context._fields, cs)) + ")"


def _node(x):
    """``(kind, context, children)`` for a container PyTorch's pytrees recognise, else None (a leaf)."""
    t = type(x)
    if t is tuple:
        return "tuple", None, list(x)
    if t is list:
        return "list", None, list(x)
    if t is dict:
        return "dict", list(x), list(x.values())
    if t is OrderedDict:
        return "OrderedDict", list(x), list(x.values())
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return "namedtuple", t, list(x)
    return None


def _flatten(tree):
    """``(leaves, spec)``."""
    leaves = []

    def walk(x):
        node = _node(x)
        if node is None:
            leaves.append(x)
            return _Spec()
        kind, context, children = node
        return _Spec(kind, context, tuple(walk(c) for c in children))

    return leaves, walk(tree)


def _unflatten(leaves, spec):
    it = iter(leaves)

    def build(s):
        if s.kind is None:
            return next(it)
        children = [build(c) for c in s.children]
        if s.kind == "tuple":
            return tuple(children)
        if s.kind == "list":
            return children
        if s.kind == "dict":
            return dict(zip(s.context, children))
        if s.kind == "OrderedDict":
            return OrderedDict(zip(s.context, children))
        return s.context(*children)

    return build(spec)


def _tree_map(fn, tree):
    leaves, spec = _flatten(tree)
    return _unflatten([fn(x) for x in leaves], spec)


class _Incompatible(Exception):
    pass


def _broadcast(prefix, tree):
    """One value of the pytree ``prefix`` per leaf of ``tree``: a leaf of ``prefix`` covers the whole subtree
    at its place (how ``in_dims``/``out_dims`` apply). Raises ``_Incompatible`` when the structures differ."""
    node = _node(prefix)
    if node is None:
        return [prefix] * len(_flatten(tree)[0])
    tnode = _node(tree)
    if tnode is None or node[0] != tnode[0] or len(node[2]) != len(tnode[2]):
        raise _Incompatible
    if node[0] in ("dict", "OrderedDict"):
        if set(node[1]) != set(tnode[1]):
            raise _Incompatible
        pairs = [(prefix[k], tree[k]) for k in tnode[1]]
    else:
        if node[0] == "namedtuple" and node[1] is not tnode[1]:
            raise _Incompatible
        pairs = zip(node[2], tnode[2])
    return [v for p, t in pairs for v in _broadcast(p, t)]


# ------------------------------------------------------------------------------------- module helpers
def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """Call ``module`` with the given tensors in place of its parameters and buffers.

    The module's own tensors are swapped back afterwards, even when the call raises. Buffers the call updates
    in place (BatchNorm's running statistics) are updated in the tensors you passed.

    Args:
        module: the module to call.
        parameter_and_buffer_dicts: ``{dotted name: tensor}``, or a list/tuple of such dicts (no name twice).
            Names not given keep the module's own tensors.
        args: positional arguments for the call (a non-tuple is the single argument).
        kwargs: keyword arguments for the call.
        tie_weights: a value for one of several tied names (one tensor registered twice) serves them all;
            giving different tensors for tied names is an error.
        strict: raise unless the names are exactly the module's parameters and buffers.

    Returns:
        What ``module(*args, **kwargs)`` returns.

    Example::

        >>> model = ember.nn.Linear(3, 1)
        >>> params = {k: v.detach() for k, v in model.named_parameters()}
        >>> loss = lambda p, x: ember.func.functional_call(model, p, (x,)).sum()
        >>> ember.func.grad(loss)(params, ember.ones(2, 3))["weight"].shape
        ember.Size([1, 3])
    """
    from ember.nn.utils.stateless import _functional_call
    if isinstance(parameter_and_buffer_dicts, dict):
        values = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, (list, tuple)):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        counts = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        values = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                         f"{type(parameter_and_buffer_dicts)}")
    return _functional_call(module, values, args, kwargs, tie_weights=tie_weights, strict=strict)


def stack_module_state(models):
    """Stack the parameters and buffers of same-class models along a new leading dimension (for ensembling
    with ``vmap`` + ``functional_call``).

    Args:
        models: a non-empty list of modules of one class, all in training or all in eval mode.

    Returns:
        ``(params, buffers)``: dicts from names to stacked tensors of shape ``(len(models), *shape)``. Stacked
        parameters are new leaves that require grad (when the models' do); they share no memory with the models.

    Example::

        >>> models = [ember.nn.Linear(3, 2) for _ in range(4)]
        >>> params, buffers = ember.func.stack_module_state(models)
        >>> params["weight"].shape
        ember.Size([4, 2, 3])
    """
    import ember
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(name, tensors):
        flags = {t.requires_grad for t in tensors}
        if len(flags) > 1:
            raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
        out = ember.stack([t.detach() for t in tensors])
        return out.requires_grad_() if flags.pop() else out

    per_model = [dict(m.named_parameters()) for m in models]
    params = {k: stacked(k, [p[k] for p in per_model]) for k in per_model[0]}
    per_model = [dict(m.named_buffers()) for m in models]
    buffers = {k: stacked(k, [b[k] for b in per_model]) for k in per_model[0]}
    return params, buffers


def replace_all_batch_norm_modules_(root):
    """Make every BatchNorm in ``root`` use batch statistics only (no running statistics), in place, so it
    can run under ``vmap`` without updating shared buffers; returns ``root``."""
    from ember.nn.modules.batchnorm import _BatchNorm
    for m in root.modules():
        if isinstance(m, _BatchNorm):
            m.running_mean = None
            m.running_var = None
            m.num_batches_tracked = None
            m.track_running_stats = False
    return root


def functionalize(func, *, remove="mutations"):
    """Return ``func`` in a form without mutations. ember runs eagerly and has no tracer, so this is the same
    computation (outputs and the effects on the inputs are what ``func`` produces); accepted so PyTorch code runs.
    """
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(
            f"functionalize(f, remove='mutations'): received invalid argument for remove={remove}. Valid options "
            "are:\n     remove='mutations': all inplace and out= operators will be removed from the program, and "
            "replaced with their out-of-place equivalents.\n     remove='mutations_and_views': In addition to the "
            "above, all aliasing operators {view} will be replaced with their non-aliasing counterparts, "
            "{view}_copy.\n")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapped


# ---------------------------------------------------------------------------------------- autograd core
def _reaches_outside(tensors, inner):
    """Whether the graph of any of ``tensors`` reaches a tensor requiring grad that is not one of the transform's
    own inputs (ids in ``inner``): an enclosing transform or the caller then differentiates the results too."""
    from ember._ops import AccumulateGrad
    stack = []
    for t in tensors:
        if isinstance(t, Tensor) and t.requires_grad:
            if t.grad_fn is None:
                if id(t) not in inner:
                    return True
            else:
                stack.append(t.grad_fn)
    seen = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is AccumulateGrad:
            if id(node.variable) not in inner:
                return True
            continue
        stack.extend(child for child, _ in getattr(node, "next_functions", ()) if child is not None)
    return False


def _track(t, outer):
    """A stand-in for input ``t`` that requires grad and shares its memory: a view when an enclosing graph tracks
    ``t`` (so it stays connected), else a detached alias. Either way a distinct tensor, so gradients with respect
    to it are only this transform's (not those of other uses of ``t`` in the enclosing computation)."""
    if outer and t.requires_grad:
        return t.view_as(t)
    if type(t._vc) is not list:  # an inference tensor: a normal alias (PyTorch's transforms differentiate those too)
        return wrap(t._data, True)
    return t.detach().requires_grad_()


def _check_argnums(argnums, n):
    """``argnums`` normalised to non-negative indices (an int or a tuple of them), with PyTorch's errors."""
    if isinstance(argnums, int):
        if not -n <= argnums < n:
            raise RuntimeError(f"Got argnum={argnums}, but only {n} positional inputs")
        return argnums % n
    if not isinstance(argnums, tuple):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if not argnums:
        raise RuntimeError("argnums must be non-empty")
    for a in argnums:
        if not isinstance(a, int):
            raise RuntimeError(f"argnum must be int, got: {type(a)}")
    norm = tuple(_check_argnums(a, n) for a in argnums)
    if len(set(norm)) != len(norm):
        raise RuntimeError(f"argnums elements must be unique, got {norm}")
    return norm


def _track_args(args, argnums, outer, floating_check=False):
    """Replace the arguments at ``argnums`` by tracked stand-ins. Returns ``(args, tracked leaves, per-argnum
    (count, spec))``."""
    args = list(args)
    tracked, specs = [], []
    for i in (argnums,) if isinstance(argnums, int) else argnums:
        leaves, spec = _flatten(args[i])
        for leaf in leaves:
            if not isinstance(leaf, Tensor):
                raise ValueError(f"Thing passed to transform API must be Tensor, got {type(leaf)}")
            if floating_check and not (leaf.is_floating_point() or leaf.is_complex()):
                raise ValueError(f"Expected primal to be floating point or complex, but got: {leaf.dtype}")
        new = [_track(t, outer) for t in leaves]
        args[i] = _unflatten(new, spec)
        tracked.extend(new)
        specs.append((len(new), spec))
    return args, tracked, specs


def _split_by_arg(flat, specs, argnums):
    """Regroup one value per tracked leaf into the arguments' structures (a tuple of them for tuple argnums)."""
    out, pos = [], 0
    for n, spec in specs:
        out.append(_unflatten(flat[pos:pos + n], spec))
        pos += n
    return out[0] if isinstance(argnums, int) else tuple(out)


def _split_aux(out, has_aux, where):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{where}: output of function f should be a tuple: (output, aux) if has_aux is True")
    for leaf in _flatten(out[1])[0]:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(leaf)}")
    return out


def _flat_outputs(out, where):
    """The leaves and spec of ``func``'s output ``out``, which must all be tensors."""
    outs, spec = _flatten(out)
    for o in outs:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"{where}: expected f(*primals) to return only tensors, got unsupported type {type(o)}")
    return outs, spec


def _check_floating_outputs(outs):
    for o in outs:
        if not (o.is_floating_point() or o.is_complex()):
            raise RuntimeError(f"vjp(f, ...): All outputs of f must be floating-point or complex Tensors, got Tensor "
                               f"with dtype {o.dtype}")


def _release(tree, outer, inner):
    """Tensors in ``tree`` as the caller sees them: detached unless an enclosing graph depends on them."""
    def one(t):
        if isinstance(t, Tensor) and t.requires_grad and not (outer and _reaches_outside([t], inner)):
            return t.detach()
        return t
    return _tree_map(one, tree)


def _zeros_like(t):
    import ember
    return ember.zeros_like(t)


def _vjp_flat(outs, xs, cts, retain_graph, create_graph):
    """``sum_k cts[k]^T d outs[k] / d xs`` for each of ``xs`` (zeros where there is no dependence)."""
    from ember.autograd import grad as _grad
    pairs = [(o, c) for o, c in zip(outs, cts) if o.requires_grad]
    if not pairs:
        return [_zeros_like(x) for x in xs]
    return list(_grad([o for o, _ in pairs], xs, [c for _, c in pairs], retain_graph=retain_graph,
                      create_graph=create_graph, allow_unused=True, materialize_grads=True))


def _jvp_flat(outs, xs, ts, create_graph):
    """``sum_i d outs[k] / d xs[i] . ts[i]`` for each of ``outs`` (forward mode from reverse mode)."""
    from ember.autograd import grad as _grad
    diff = [o for o in outs if o.requires_grad]
    res = {}
    if diff:
        try:
            # The double-vjp identity: g(u) = J^T u is linear in u, so d<g(u), t>/du = J t.
            us = [_zeros_like(o).requires_grad_() for o in diff]
            _fn_mod._forward_ad[0] += 1  # custom Functions' nodes differentiate by their jvp in this pass
            try:
                gs = _grad(diff, xs, us, retain_graph=True, create_graph=True, allow_unused=True)
            finally:
                _fn_mod._forward_ad[0] -= 1
            pairs = [(g, t) for g, t in zip(gs, ts) if g is not None and g.requires_grad]
            if pairs:
                jts = _grad([g for g, _ in pairs], us, [t.to(g.dtype) for g, t in pairs], create_graph=create_graph,
                            allow_unused=True, materialize_grads=True)
            else:
                jts = [_zeros_like(o) for o in diff]
        except RuntimeError as exc:
            if _NO_DOUBLE not in str(exc):
                raise
            # An op in the graph has no double backward: contract the Jacobian, built row by row, with ts.
            jts = []
            for o in diff:
                rows = _jacobian_rows(o, xs, create_graph)
                jts.append(sum((r * t.reshape(1, -1)).sum(1) for r, t in zip(rows, ts)).reshape(o.shape))
        res = {id(o): _tangent_dtype(j, o, xs, ts) for o, j in zip(diff, jts)}
    return [res[id(o)] if id(o) in res else _zeros_like(o) for o in outs]


def _tangent_dtype(jt, out, xs, ts):
    """``jt`` in PyTorch's forward-mode dtype: ops that keep the primals' dtype promote the tangent with it (a
    float64 tangent of a float32 primal gives float64), a dtype conversion on the way gives the output's dtype."""
    dtype = out.dtype
    if all(x.dtype == dtype for x in xs):
        for t in ts:
            if t.dtype != dtype:
                import ember
                dtype = ember.promote_types(dtype, t.dtype)
    return jt if jt.dtype == dtype else jt.to(dtype)


def _jacobian_rows(out, xs, create_graph):
    """For each of ``xs``, the Jacobian of ``out`` as a ``(out.numel(), x.numel())`` tensor: one backward
    pass per output element."""
    import ember
    from ember.autograd.functional import _jacobian_rows as rows
    n = out.numel()
    if not out.requires_grad or n == 0:  # (an integer output's Jacobian is integer zeros, as PyTorch's jacfwd)
        return [ember.zeros(n, x.numel(), dtype=x.dtype if out.is_floating_point() else out.dtype) for x in xs]
    return [r.reshape(n, -1) for r in rows(out, xs, create_graph, False, 0)]


# ------------------------------------------------------------------------------------------ transforms
def grad_and_value(func, argnums=0, has_aux=False):
    """Like :func:`grad`, returning ``(gradient, value)`` (``(gradient, (value, aux))`` with ``has_aux``).

    Example::

        >>> g, v = ember.func.grad_and_value(lambda x: (x ** 2).sum())(ember.tensor([1.0, 2.0]))
        >>> g, v
        (tensor([2., 4.]), tensor(5.))
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        where = "grad_and_value(f)(*args)"
        nums = _check_argnums(argnums, len(args))
        outer = is_grad_enabled()
        with _recording():
            new_args, xs, specs = _track_args(args, nums, outer)
            out, aux = _split_aux(func(*new_args, **kwargs), has_aux, where)
            if not isinstance(out, Tensor):
                raise RuntimeError(f"{where}: Expected f(*args) to return a Tensor, got {type(out)}")
            if out.dim() != 0:
                raise RuntimeError(f"{where}: Expected f(*args) to return a scalar Tensor, got tensor with "
                                   f"{out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
        inner = {id(x) for x in xs}
        connected = outer and _reaches_outside([out], inner)
        with _recording():  # (under inference_mode too: the gradients are normal tensors, as PyTorch's)
            grads = _vjp_flat([out], xs, [None], None, connected)
        grads = _split_by_arg(grads, specs, nums)
        value = _release(out, outer, inner)
        if has_aux:
            return grads, (value, _release(aux, outer, inner))
        return grads, value

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of a scalar-valued ``func`` with respect to its positional argument(s) ``argnums``.

    Args:
        func: returns a 0-dim tensor (or ``(tensor, aux)`` with ``has_aux``).
        argnums: which positional argument(s) to differentiate: an int or a tuple of ints. An argument may be
            a pytree (tuple/list/dict) of tensors; its gradient has the same structure.
        has_aux: ``func`` returns ``(output, aux)``; the result is then ``(gradient, aux)``.

    Returns:
        A function of the same arguments returning the gradient (a tuple of them for a tuple ``argnums``).

    Example::

        >>> x = ember.tensor([0.0, 1.0])
        >>> ember.func.grad(lambda x: x.sin().sum())(x)          # cos(x)
        tensor([1.0000, 0.5403])
        >>> ember.func.grad(ember.func.grad(lambda x: x ** 3))(ember.tensor(1.0))   # 6x
        tensor(6.)
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def vjp(func, *primals, has_aux=False):
    """Run ``func(*primals)`` and return ``(output, vjp_fn)`` (``(output, vjp_fn, aux)`` with ``has_aux``).

    ``vjp_fn(cotangents)`` returns, for each primal, ``cotangents^T d output / d primal`` as a tuple; the
    cotangents have the output's structure and shapes. It may be called repeatedly.

    Example::

        >>> out, vjp_fn = ember.func.vjp(lambda x: x * 2, ember.ones(3))
        >>> vjp_fn(ember.tensor([1.0, 2.0, 3.0]))
        (tensor([2., 4., 6.]),)
    """
    where = "vjp(f, *primals)"
    outer = is_grad_enabled()
    with _recording():
        leaves, spec = _flatten(primals)
        for leaf in leaves:
            if not isinstance(leaf, Tensor):
                raise ValueError(f"Thing passed to transform API must be Tensor, got {type(leaf)}")
        xs = [_track(t, outer) for t in leaves]
        out, aux = _split_aux(func(*_unflatten(xs, spec)), has_aux, where)
    outs, out_spec = _flat_outputs(out, where)
    _check_floating_outputs(outs)
    inner = {id(x) for x in xs}
    connected = outer and _reaches_outside(outs, inner)

    def vjp_fn(cotangents, *, retain_graph=True, create_graph=None):
        cts, ct_spec = _flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of outputs "
                               f"to the function. cotangents: {ct_spec.pprint()}, primal output: {out_spec.pprint()}")
        for i, (o, c) in enumerate(zip(outs, cts)):
            if not isinstance(c, Tensor):
                raise RuntimeError(f"Expected tensors, got unsupported type {type(c)}")
            if c.shape != o.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {c.shape} and output[{i}] "
                                   f"has a shape of {o.shape}.")
        if create_graph is None:
            create_graph = is_grad_enabled() and (connected or any(c.requires_grad for c in cts))
        with _recording():
            return _unflatten(_vjp_flat(outs, xs, cts, retain_graph, create_graph), spec)

    value = _release(out, outer, inner)
    if has_aux:
        return value, vjp_fn, _release(aux, outer, inner)
    return value, vjp_fn


def _check_tangents(primals, tangents, where):
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{where}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals).")
    ps, p_spec = _flatten(primals)
    ts, t_spec = _flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(f"{where}: Expected primals and tangents to have the same python structure. For example, if "
                           "primals is a tuple of 3 tensors, tangents also must be. Got primals with structure "
                           f"{p_spec!r} and tangents with structure {t_spec!r}")
    if not ps:
        raise RuntimeError(f"{where}: Expected primals to contain at least one Tensor.")
    for p, t in zip(ps, ts):
        if not isinstance(p, Tensor):
            raise RuntimeError(f"{where}: Expected primals to only contain Tensors, got {type(p)}")
        if not isinstance(t, Tensor):
            raise RuntimeError(f"{where}: Expected tangents to only contain Tensors, got {type(t)}")
        _check_dual(p, t)
    return ps, p_spec, ts


def _check_dual(p, t):
    if not (p.is_floating_point() or p.is_complex()):
        raise ValueError(f"Expected primal to be floating point or complex, but got: {p.dtype}")
    if not (t.is_floating_point() or t.is_complex()):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {t.dtype}")
    if p.shape != t.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(p.shape)} while the given "
                           f"forward gradient is of size {list(t.shape)}.")


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """The Jacobian-vector product of ``func`` at ``primals`` along ``tangents``.

    Args:
        func: a function of ``len(primals)`` positional arguments returning tensor(s).
        primals: a tuple of the arguments (pytrees of floating tensors).
        tangents: same structure and shapes as ``primals``.
        has_aux: ``func`` returns ``(output, aux)``.

    Returns:
        ``(output, jvp_out)`` (``(output, jvp_out, aux)`` with ``has_aux``), ``jvp_out`` shaped like the output.

    Computed in reverse mode (see the module docstring); the values are those of forward mode.

    Example::

        >>> ember.func.jvp(lambda x: x ** 2, (ember.tensor([1.0, 2.0]),), (ember.ones(2),))
        (tensor([1., 4.]), tensor([2., 4.]))
    """
    where = "jvp(f, primals, tangents)"
    ps, p_spec, ts = _check_tangents(primals, tangents, where)
    outer = is_grad_enabled()
    with _recording():
        xs = [_track(p, outer) for p in ps]
        out, aux = _split_aux(func(*_unflatten(xs, p_spec)), has_aux, where)
        outs, out_spec = _flat_outputs(out, where)
        inner = {id(x) for x in xs}
        connected = outer and (_reaches_outside(outs, inner) or any(t.requires_grad for t in ts))
        jv = _unflatten(_jvp_flat(outs, xs, ts, connected), out_spec)
    value = _release(out, outer, inner)
    if has_aux:
        return value, jv, _release(aux, outer, inner)
    return value, jv


def linearize(func, *primals):
    """Run ``func(*primals)`` once and return ``(output, jvp_fn)``: ``jvp_fn(*tangents)`` is the JVP at
    ``primals`` (as :func:`jvp`, reusing the recorded graph).

    Example::

        >>> out, jvp_fn = ember.func.linearize(ember.sin, ember.zeros(2))
        >>> jvp_fn(ember.ones(2))
        tensor([1., 1.])
    """
    ps, p_spec = _flatten(primals)
    for p in ps:
        if not isinstance(p, Tensor):
            raise RuntimeError(f"linearize(f, primals): Expected primals to only contain Tensors, got {type(p)}")
    outer = is_grad_enabled()
    with _recording():
        xs = [_track(p, outer) for p in ps]
        out = func(*_unflatten(xs, p_spec))
    outs, out_spec = _flat_outputs(out, "linearize(f, primals)")
    inner = {id(x) for x in xs}
    connected = outer and _reaches_outside(outs, inner)

    def jvp_fn(*tangents):
        ts, t_spec = _flatten(tangents)
        if t_spec != p_spec:
            raise RuntimeError(f"Expected the tangents {t_spec!r} to have the same argspec as the primals {p_spec!r}")
        for i, (p, t) in enumerate(zip(ps, ts)):
            if t.shape != p.shape:
                raise RuntimeError(f"tangent:{i} with shape {t.shape} in flattened pytree doesn't match the shape "
                                   f"{p.shape} of the corresponding primal.")
        with _recording():
            create = is_grad_enabled() and (connected or any(t.requires_grad for t in ts))
            return _unflatten(_jvp_flat(outs, xs, ts, create), out_spec)

    return _release(out, outer, inner), jvp_fn


def _check_real(leaves, name, what):
    """PyTorch's jacrev/jacfwd refuse complex inputs (every argument, not just ``argnums``) and outputs."""
    for i, t in enumerate(leaves):
        if isinstance(t, Tensor) and t.is_complex():
            raise RuntimeError(f"{name}: Expected all {what} to be real but received complex tensor at flattened "
                               f"input idx: {i}")


def _jacobian(func, argnums, has_aux, args, kwargs, where, forward, randomness=None):
    name = "jacfwd" if forward else "jacrev"
    nums = _check_argnums(argnums, len(args))
    _check_real(_flatten(args)[0], name, "inputs")
    outer = is_grad_enabled()
    with _recording():
        new_args, xs, specs = _track_args(args, nums, outer, floating_check=forward)
        with _Randomness(randomness):
            if forward:  # PyTorch's jacfwd is vmap over jvp: a custom Function applied there needs a vmap rule
                with _vmapping():
                    out = func(*new_args, **kwargs)
            else:
                out = func(*new_args, **kwargs)
        out, aux = _split_aux(out, has_aux, where)
        outs, out_spec = _flat_outputs(out, where)
        if not forward:
            _check_floating_outputs(outs)
        _check_real(outs, name, "outputs")
        inner = {id(x) for x in xs}
        connected = outer and _reaches_outside(outs, inner)
        jacs = []
        for o in outs:
            rows = _jacobian_rows(o, xs, connected)
            if forward and o.is_floating_point():  # forward mode carries the output's dtype (jacrev: the input's)
                rows = [r if r.dtype == o.dtype else r.to(o.dtype) for r in rows]
            flat = [r.reshape(tuple(o.shape) + tuple(x.shape)) for r, x in zip(rows, xs)]
            jacs.append(_split_by_arg(flat, specs, nums))
    jac = _unflatten(jacs, out_spec)
    if has_aux:
        return jac, _release(aux, outer, inner)
    return jac


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of ``func`` with respect to argument(s) ``argnums``, by reverse mode (one backward pass per
    output element).

    Each output tensor ``o`` is replaced by the Jacobian(s) ``d o / d arg`` of shape ``o.shape + arg.shape``
    (arranged like the argument, a tuple over a tuple ``argnums``).

    Args:
        func: returns tensor(s) (a pytree), or ``(output, aux)`` with ``has_aux``.
        argnums: an int or a tuple of ints.
        has_aux: also return ``aux``: the result is ``(jacobian, aux)``.
        chunk_size: accepted for compatibility (rows are computed one at a time).

    Example::

        >>> ember.func.jacrev(lambda x: x ** 2)(ember.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    if chunk_size is not None and chunk_size <= 0:
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _jacobian(func, argnums, has_aux, args, kwargs, "vjp(f, *primals)", forward=False)

    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of ``func`` with respect to argument(s) ``argnums``; same layout and values as
    :func:`jacrev` (ember computes both by reverse mode).

    Args:
        func: returns tensor(s) (a pytree), or ``(output, aux)`` with ``has_aux``.
        argnums: an int or a tuple of ints; the arguments must be floating point.
        has_aux: also return ``aux``.
        randomness: ``'error'`` (random operations in ``func`` raise, as PyTorch), ``'same'`` or ``'different'``.

    Example::

        >>> ember.func.jacfwd(lambda x: x.sin())(ember.zeros(2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    _check_randomness(randomness)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _jacobian(func, argnums, has_aux, args, kwargs, "jvp(f, primals, tangents)", forward=True,
                         randomness="error" if randomness == "error" else None)

    return wrapper


def hessian(func, argnums=0):
    """The Hessian of a scalar-valued ``func``: ``jacfwd(jacrev(func, argnums), argnums)``.

    Example::

        >>> ember.func.hessian(lambda x: (x ** 3).sum())(ember.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)


# ------------------------------------------------------------------------------------------------- vmap
_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please either use the 'same' or "
                 "'different' randomness flags on vmap or perform the randomness operation out of vmap")


class _NoRandomness:
    """Stands in for the default generator's NumPy generator while random operations must raise."""

    def __getattr__(self, name):
        raise RuntimeError(_RANDOM_ERROR)


def _check_randomness(randomness):
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")


class _Randomness:
    """What random operations do inside a vmapped call (they all draw from ``ember.default_generator``).

    ``'error'``: they raise (as PyTorch). ``'different'``: nothing to do, each example's call draws afresh.
    ``'same'``: the generator is rewound before each example, so every example sees the same draws (the
    generator ends as after one example). A generator passed explicitly (``generator=``) is not covered.
    """

    def __init__(self, mode):
        self.mode = mode
        self.proxy = self.state = None

    def __enter__(self):
        from ember._random import default_generator as gen
        self.saved = gen._rng
        if isinstance(self.saved, _NoRandomness):  # an enclosing vmap already forbids them
            return self
        if self.mode == "error":
            gen._rng = self.proxy = _NoRandomness()
        elif self.mode == "same":
            self.state = gen.get_state()  # (with the cached second Box-Muller normal)
        return self

    def step(self):
        if self.state is not None:
            from ember._random import default_generator as gen
            gen.set_state(self.state)

    def __exit__(self, *exc):
        from ember._random import default_generator as gen
        if self.proxy is not None and gen._rng is self.proxy:
            gen._rng = self.saved
        return False


def _name(func):
    if hasattr(func, "__name__"):
        return func.__name__
    if isinstance(func, functools.partial):
        return f"functools.partial({_name(func.func)}, ...)"
    return repr(func)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Vectorise ``func`` over a dimension of its inputs: ``vmap(f)(x)[i] == f(x[i])``.

    ember implements this as a loop (no batching rules): ``func`` runs once per example on slices of the
    batched inputs and the results are stacked. Gradients flow through it as through any ember code, and
    transforms nest (``vmap(grad(f))`` gives per-example gradients, ``vmap(vmap(f))`` maps two dimensions).
    Unlike PyTorch's, data-dependent control flow and ``.item()`` work inside.

    Args:
        func: a function of positional arguments (pytrees of tensors) returning tensor(s).
        in_dims: the batch dimension of each input: an int for all, or a tuple (nested like the arguments) of
            ints and None (None: not batched, passed whole to every call). Keyword arguments are never batched.
        out_dims: where the batch dimension goes in each output (int, None or a matching pytree). None
            returns an output that does not vary across examples as is.
        randomness: ``'error'`` (random operations raise, as PyTorch), ``'different'`` (each example draws its
            own numbers) or ``'same'`` (every example draws the same numbers).
        chunk_size: accepted for compatibility; examples are processed one at a time.

    Example::

        >>> x, y = ember.randn(5, 3), ember.randn(3)
        >>> ember.vmap(ember.dot, in_dims=(0, None))(x, y).shape
        ember.Size([5])
    """
    _check_randomness(randomness)
    if chunk_size is not None and chunk_size <= 0:
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")
    name = _name(func)

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        if not args:
            raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
                             "trying to vmap over a function with no inputs. The latter is unsupported.")
        where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
        if not isinstance(in_dims, (int, tuple)):
            raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                             f"structure of inputs, got: {type(in_dims)}.")
        flat, spec = _flatten(args)
        try:
            dims = _broadcast(in_dims, args)
        except _Incompatible:
            raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`. in_dims has "
                             f"structure {_flatten(in_dims)[1]!r} but inputs has structure {spec!r}.") from None
        sizes = []
        for x, d in zip(flat, dims):
            if d is None:
                continue
            if not isinstance(d, int):
                raise ValueError(f"{where}: Got in_dim={d} for an input but in_dim must be either an integer dimension "
                                 "or None.")
            if not isinstance(x, Tensor):
                raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type {type(x)}. We cannot "
                                 "vmap over non-Tensor arguments, please use None as the respective in_dim")
            n = x.dim()
            if not -n <= d < n:
                raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a Tensor of "
                                 f"dimensionality {n} so expected in_dim to satisfy -{n} <= in_dim < {n}.")
            sizes.append(x.shape[d])
        if not sizes:
            raise ValueError("vmap: Expected at least one Tensor to vmap over")
        if len(set(sizes)) > 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sizes} for the mapped dimension")
        for d in _flatten(out_dims)[0]:
            if d is not None and not isinstance(d, int):
                raise ValueError(f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a python "
                                 "collection of ints representing where in the outputs the vmapped dimension should "
                                 "appear.")
        batch = sizes[0]
        if batch == 0:
            return _vmap_empty(func, flat, dims, spec, kwargs, name, out_dims, randomness)
        watched = []
        slicers = [_slicer(x, d, watched) for x, d in zip(flat, dims)]
        # Unbatched tensor inputs: the loop would apply an in-place op on one once per example (PyTorch's vmap
        # refuses one combining it with batched values), so their versions are watched.
        fixed = [x for x, d in zip(flat, dims) if d is None and isinstance(x, Tensor) and type(x._vc) is list]
        results, out_spec = [], None
        with _Randomness(randomness) as rand, func_transform(), _Versions(watched), _vmapping():
            for i in range(batch):
                rand.step()
                example = [s(i) for s in slicers]
                seen = [x._vc[0] for x in fixed]
                try:
                    res = func(*_unflatten(example, spec), **kwargs)
                except RuntimeError as e:
                    _vmap_error(e, flat, dims)
                    raise
                if fixed and seen != [x._vc[0] for x in fixed]:
                    raise RuntimeError(_INPLACE_UNBATCHED)
                outs, s = _flatten(res)
                if out_spec is None:
                    out_spec = s
                elif s != out_spec:
                    raise ValueError(f"vmap({name}, ...): `{name}` returned outputs of different structure for "
                                     f"different examples ({out_spec.pprint()} and {s.pprint()}); a loop-based vmap "
                                     "needs one structure")
                results.append(outs)
        return _stack_outputs(results, out_spec, out_dims, name)

    return wrapped


class _vmapping:
    """Marks the vmapped calls: a custom Function applied there needs a vmap rule, as in PyTorch."""

    __slots__ = ()

    def __enter__(self):
        _fn_mod._in_vmap[0] += 1

    def __exit__(self, *exc):
        _fn_mod._in_vmap[0] -= 1
        return False


_INPLACE_UNBATCHED = (
    "vmap: inplace arithmetic(self, *extra_args) is not possible because there exists a Tensor `other` in extra_args "
    "that has more elements than `self`. This happened due to `other` being vmapped over but `self` not being vmapped "
    "over in a vmap. Please try to use out-of-place operators instead of inplace arithmetic. If said operator is being "
    "called inside the PyTorch framework, please file a bug report instead.")


class _Versions:
    """Moves the versions of the batched inputs modified in place once the loop ends (or stops on an error)."""

    __slots__ = ("watched",)

    def __init__(self, watched):
        self.watched = watched

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _bump_versions(self.watched)
        return False


def _vmap_error(e, flat, dims):
    """PyTorch's message for an error raised inside a vmapped call where ember's loop words it differently."""
    from ember._tensor_methods import _LEAF_MSG, _VIEW_LEAF_MSG
    if e.args and e.args[0] == _VIEW_LEAF_MSG and any(
            d is not None and x.requires_grad and x.grad_fn is None for x, d in zip(flat, dims)):
        # an example of a leaf is a view of it here; PyTorch's vmap hands out the leaf itself (batched)
        raise RuntimeError(_LEAF_MSG) from None


def _slicer(x, d, watched):
    """``i -> example i`` of input ``x`` batched along ``d``.

    Each example is a view of ``x`` for in-place purposes (an in-place op on it rebases ``x``'s history and gets
    the leaf checks) but has a version counter of its own: examples are disjoint, so an in-place op on one must
    not make the values saved from another stale. ``(x, examples)`` goes into ``watched``, for ``x``'s version
    to move once after the loop when any example was modified (PyTorch's vmap runs one batched in-place op).
    """
    if d is None:
        return lambda i: x
    own = type(x._vc) is list  # (an inference tensor's views count nothing)
    if x.requires_grad and is_grad_enabled():
        # One graph node, whose backward stacks the examples' gradients (B select nodes would each scatter into a
        # batch-sized zero gradient). Its outputs are multi-output views, which refuse in-place ops in a graph;
        # each is marked as made by its own select instead, as a single view.
        from ember._ops import _node_class
        from ember._ops.shape import Index
        select = _node_class(Index, "SelectBackward0")
        pieces = x.unbind(d)
        lead = (slice(None),) * (d % x.dim())
        for i, p in enumerate(pieces):
            p._view = select(index=lead + (i,), is_view=True)
            if own:
                p._vc = [0]
                p._view_vc = 0
        if own:
            watched.append((x, pieces))
        return pieces.__getitem__
    if not own:
        return lambda i: x.select(d, i)
    # Single views: in-place updates (BatchNorm's running stats) reach the batch, even in a graph.
    made = []
    watched.append((x, made))

    def example(i):
        p = x.select(d, i)
        p._vc = [0]
        p._view_vc = 0
        made.append(p)
        return p

    return example


def _bump_versions(watched):
    """One version step for each batched input an example of which was modified in place."""
    for x, pieces in watched:
        for p in pieces:
            if p._vc[0]:
                x._vc[0] += 1
                break


def _out_dims_for(out_dims, out_spec, name):
    template = _unflatten([None] * len(_flatten_spec_leaves(out_spec)), out_spec)
    try:
        return _broadcast(out_dims, template)
    except _Incompatible:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the "
                         f"structure of `outputs`. out_dims has structure {_flatten(out_dims)[1]!r} but outputs has "
                         f"structure {out_spec!r}.") from None


def _flatten_spec_leaves(spec):
    if spec.kind is None:
        return [spec]
    return [leaf for c in spec.children for leaf in _flatten_spec_leaves(c)]


def _check_output(o, d, name):
    if d is not None and not isinstance(o, Tensor):
        raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(o)}. Did you mean to "
                         "set out_dims= to None for output?")


def _stack_outputs(results, out_spec, out_dims, name):
    import ember
    dims = _out_dims_for(out_dims, out_spec, name)
    stacked = []
    for j, d in enumerate(dims):
        column = [r[j] for r in results]
        _check_output(column[0], d, name)
        if d is None:
            first = column[0]
            if isinstance(first, Tensor) and any(
                    c is not first and not (c.shape == first.shape and ember.equal(c, first)) for c in column[1:]):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")
            stacked.append(first)
        else:
            stacked.append(ember.stack(column, dim=d))
    return _unflatten(stacked, out_spec)


def _vmap_empty(func, flat, dims, spec, kwargs, name, out_dims, randomness):
    """A batch of size 0: ``func`` runs once on zero-filled examples (to learn the output shapes), and each
    output gets a batch dimension of size 0."""
    import ember
    example = [x if d is None else ember.zeros(tuple(s for k, s in enumerate(x.shape) if k != d % x.dim()),
                                               dtype=x.dtype) for x, d in zip(flat, dims)]
    with _Randomness(randomness), func_transform():
        outs, out_spec = _flatten(func(*_unflatten(example, spec), **kwargs))
    res = []
    for o, d in zip(outs, _out_dims_for(out_dims, out_spec, name)):
        _check_output(o, d, name)
        res.append(o if d is None else o.unsqueeze(d).narrow(d, 0, 0))
    return _unflatten(res, out_spec)


def debug_unwrap(tensor, *, recurse=True):
    """The plain tensor under a transform's wrapper, for printing while debugging: ``tensor`` itself in ember,
    whose transforms run on ordinary tensors (``vmap`` on per-example slices)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"debug_unwrap(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")
    return tensor
