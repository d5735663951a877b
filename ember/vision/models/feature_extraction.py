"""Intermediate features of a model by node name (``ember.vision.models.feature_extraction``, like
``torchvision.models.feature_extraction``).

torchvision traces the model symbolically with ``torch.fx``; ember has no symbolic tracer, so it runs the model
once on a small example input with forward hooks and records the module calls in execution order. A *node* is
then the call of a leaf module (a module of ``ember.nn`` other than ``Sequential``, the module classes of
``ember.vision.ops`` such as ``Conv2dNormActivation``, or a class listed in ``tracer_kwargs["leaf_modules"]``),
named as torchvision names it: by its qualified name (``"layer1.0.conv1"``), with ``_1``, ``_2`` ... for the
second, third ... call of the same module (``"layer1.0.relu_1"``), after the model's forward arguments
(``"x"``).

Differences from torchvision:

* operations done by functions between modules (``torch.flatten``, ``x + identity``, ``F.relu``) are invisible
  to hooks: :func:`get_graph_node_names` omits those nodes (``"flatten"``, ``"layer1.0.add"``) and
  :func:`create_feature_extractor` rejects them; the module nodes match torchvision's, in the same order;
* a non-leaf module's name (``"layer1"``) selects that module's output (of its last call), as in torchvision;
  a module made only of functions (``FrozenBatchNorm2d`` is a leaf, but e.g. ``LayerNorm2d`` is not) is not
  listed as a node yet may be requested by name;
* both functions take an ember-only keyword ``example_inputs`` (a tensor or a tuple of positional arguments) for
  that run; without it a small input is guessed from the first convolution or linear layer (``(2, C, 64, 64)``
  for a 2d convolution, the model's ``image_size`` if it has one, then ``224`` if 64 fails). The run leaves
  the model's buffers, training flags and the random generator as they were;
* the extractor is an :class:`ember.nn.Module` (not a ``GraphModule``) that runs the original model's forward
  and stops it right after the last requested node, so control flow may depend on the input;
* its submodules, parameters and buffers are, as torchvision's, only those needed for the requested nodes
  (found from the autograd graph of the example run), so ``state_dict`` keys match torchvision's.

Example::

    >>> from ember.vision.models import resnet18
    >>> from ember.vision.models.feature_extraction import create_feature_extractor, get_graph_node_names
    >>> train_nodes, eval_nodes = get_graph_node_names(resnet18())
    >>> body = create_feature_extractor(resnet18(), return_nodes={"layer2": "c3", "layer4": "c5"})
    >>> feats = body(ember.randn(1, 3, 224, 224))  # {"c3": (1, 128, 28, 28), "c5": (1, 512, 7, 7)}
"""

import inspect
import warnings

import ember
from ember import nn

__all__ = ["create_feature_extractor", "get_graph_node_names"]

# module classes of torchvision.ops that its tracer keeps whole (ember.vision.ops has the same classes)
_OPS_LEAVES = ("Conv2dNormActivation", "Conv3dNormActivation", "DeformConv2d", "DropBlock2d", "DropBlock3d",
               "FeaturePyramidNetwork", "FrozenBatchNorm2d", "MLP", "MultiScaleRoIAlign", "PSRoIAlign", "PSRoIPool",
               "Permute", "RoIAlign", "RoIPool", "SqueezeExcitation", "StochasticDepth")
_DIFF_WARNING = ("NOTE: The nodes obtained by tracing the model in eval mode are a subsequence of those obtained in "
                 "train mode. When choosing nodes for feature extraction, you may need to specify output nodes for "
                 "train and eval mode separately.")


class _StopForward(Exception):
    """Raised from a hook once every requested node is computed, to skip the rest of the forward."""


def _leaf_types(tracer_kwargs):
    from ember.vision import ops
    extra = tuple((tracer_kwargs or {}).get("leaf_modules", ()) or ())
    return tuple(getattr(ops, n) for n in _OPS_LEAVES if hasattr(ops, n)) + extra


def _is_leaf(module, leaf_types):
    if isinstance(module, leaf_types):
        return True
    return type(module).__module__.startswith("ember.nn") and not isinstance(module, nn.Sequential)


def _walk(model, leaf_types):
    """[(qualified name, module, is_leaf)] below ``model`` in registration order, not descending into leaves."""
    out, seen = [], {id(model)}

    def visit(module, prefix):
        for name, child in module._modules.items():
            if child is None or id(child) in seen:
                continue
            seen.add(id(child))
            qual = prefix + name
            leaf = _is_leaf(child, leaf_types)
            out.append((qual, child, leaf))
            if not leaf:
                visit(child, qual + ".")

    visit(model, "")
    return out


def _tensors(value):
    if isinstance(value, ember.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


def _placeholders(model, concrete_args):
    """Names of the forward's arguments (torchvision's placeholder nodes), less the concrete ones."""
    try:
        params = inspect.signature(model.forward).parameters.values()
    except (TypeError, ValueError):
        return []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
             inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in params if p.kind in kinds and p.name not in (concrete_args or {})]


def _guess_inputs(model):
    """Candidate example inputs (tuples of positional arguments) from the first convolution or linear layer."""
    for m in model.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            dims = 1 if isinstance(m, nn.Conv1d) else 2 if isinstance(m, nn.Conv2d) else 3
            sizes = [model.image_size] if isinstance(getattr(model, "image_size", None), int) else [64, 224]
            lead = (2, m.in_channels) + ((8,) if dims == 3 else ())
            return [(ember.randn(*lead, *([s] * min(dims, 2))),) for s in sizes]
        if isinstance(m, nn.Linear):
            return [(ember.randn(2, m.in_features),)]
        if isinstance(m, nn.Embedding):
            return [(ember.zeros(2, 8, dtype=ember.int64),)]
    raise ValueError("cannot guess an example input for this model: pass example_inputs")


class _Trace:
    """One run of the model in one mode: the node names and what each call produced."""

    def __init__(self, model, inputs, concrete_args, train, leaf_types):
        self.placeholders = _placeholders(model, concrete_args)
        walked = _walk(model, leaf_types)
        self.modules = {name: m for name, m, _ in walked}
        self.inner = [m for _, m, leaf in walked if not leaf]  # the non-leaf modules, whose forward runs
        self.events = []  # (kind, module name, call index, output, grad_fns) in execution order
        self.counts = {}
        args = tuple(t.detach().clone().requires_grad_() if isinstance(t, ember.Tensor) and t.is_floating_point()
                     else t for t in inputs)
        # a clone, not the leaf itself: in-place layers on the input must not hit a leaf that requires grad
        self.args = tuple(t.clone() if isinstance(t, ember.Tensor) and t.requires_grad else t for t in args)
        flags = [(m, m.training) for m in model.modules()]
        buffers = [(b, b.detach().clone()) for b in model.buffers()]
        handles = []
        try:
            for name, m, leaf in walked:
                handles.append(m.register_forward_hook(self._hook(name, "leaf" if leaf else "end")))
                if not leaf:
                    handles.append(m.register_forward_pre_hook(self._pre_hook(name)))
            model.train(train)
            with ember.random.fork_rng(), ember.enable_grad():
                model(*self.args, **(concrete_args or {}))
        finally:
            for h in handles:
                h.remove()
            for m, flag in flags:
                m.training = flag
            with ember.no_grad():
                for b, saved in buffers:
                    b.copy_(saved)
        self.nodes = list(self.placeholders) + [
            name if k == 0 else f"{name}_{k}" for kind, name, k, _, _ in self.events if kind == "leaf"]

    def _hook(self, name, kind):
        def hook(module, args, output):
            k = self.counts.get(name, 0)
            self.counts[name] = k + 1
            self.events.append((kind, name, k, output, [t.grad_fn for t in _tensors(output) if t.grad_fn]))
        return hook

    def _pre_hook(self, name):
        def hook(module, args):
            self.events.append(("start", name, self.counts.get(name, 0), None, []))
        return hook

    def resolve(self, query):
        """(placeholder name | (module name, call index), position in execution order) of a node name."""
        if query in self.placeholders:  # before every module call, in the signature's order
            return query, self.placeholders.index(query) - len(self.placeholders)
        for pos, (kind, name, k, _, _) in enumerate(self.events):
            if kind == "leaf" and (name if k == 0 else f"{name}_{k}") == query:
                return (name, k), pos
        # a non-leaf module: its output, i.e. the last node inside it
        ends = [pos for pos, (kind, name, _, _, _) in enumerate(self.events) if kind == "end" and name == query]
        if ends:
            return (query, self.events[ends[-1]][2]), ends[-1]
        raise ValueError(f"node: '{query}' is not present in model. Hint: use `get_graph_node_names` to make sure "
                         "the `return_nodes` you specified are present. It may even be that you need to specify "
                         "`train_return_nodes` and `eval_return_nodes` separately.")


def _trace(model, example_inputs, concrete_args, train, leaf_types):
    if example_inputs is not None:
        inputs = example_inputs if isinstance(example_inputs, (tuple, list)) else (example_inputs,)
        return _Trace(model, tuple(inputs), concrete_args, train, leaf_types)
    candidates = _guess_inputs(model)
    for i, inputs in enumerate(candidates):
        try:
            return _Trace(model, inputs, concrete_args, train, leaf_types)
        except Exception:
            if i == len(candidates) - 1:
                raise


def _traces(model, tracer_kwargs, suppress_diff_warning, concrete_args, example_inputs):
    leaf_types = _leaf_types(tracer_kwargs)
    train = _trace(model, example_inputs, concrete_args, True, leaf_types)
    evals = _trace(model, example_inputs, concrete_args, False, leaf_types)
    if train.nodes != evals.nodes and not suppress_diff_warning:
        warnings.warn(_DIFF_WARNING, stacklevel=3)
    return train, evals


def get_graph_node_names(model, tracer_kwargs=None, suppress_diff_warning=False, concrete_args=None, *,
                         example_inputs=None):
    """The node names of ``model`` in execution order, in train mode and in eval mode.

    The nodes are the forward's arguments and the calls of leaf modules (see the module docstring); the model
    is run once per mode on ``example_inputs`` (guessed when ``None``), leaving its state as it was.

    Args:
        model: the model (an :class:`ember.nn.Module`).
        tracer_kwargs: ``{"leaf_modules": [classes]}`` adds module classes to treat as single nodes; other keys
            of torchvision's tracer are accepted and ignored.
        suppress_diff_warning: do not warn when the train and eval node lists differ.
        concrete_args: keyword arguments passed to the forward (and dropped from the argument nodes).
        example_inputs: ember only: a tensor or a tuple of positional arguments for the run.

    Returns:
        ``(train_nodes, eval_nodes)``, two lists of strings.

    Example::

        >>> train_nodes, eval_nodes = get_graph_node_names(resnet18())
        >>> train_nodes[:5]
        ['x', 'conv1', 'bn1', 'relu', 'maxpool']
    """
    train, evals = _traces(model, tracer_kwargs, suppress_diff_warning, concrete_args, example_inputs)
    return train.nodes, evals.nodes


def _as_dict(nodes):
    if isinstance(nodes, dict):
        return {str(k): str(v) for k, v in nodes.items()}
    return {str(n): str(n) for n in nodes}


class _Plan:
    """What the extractor collects in one mode: per module, the call indices wanted and their output names."""

    def __init__(self, trace, return_nodes):
        entries = []
        for query, out_name in return_nodes.items():
            target, pos = trace.resolve(query)
            entries.append((pos, out_name, target))
        entries.sort(key=lambda e: e[0])
        self.order = [(out_name, target) for _, out_name, target in entries]
        self.wanted = {}  # {module name: (module, {call index: [output names]})}
        for out_name, target in self.order:
            if isinstance(target, tuple):
                entry = self.wanted.setdefault(target[0], (trace.modules[target[0]], {}))
                entry[1].setdefault(target[1], []).append(out_name)
        # the grad_fns the requested outputs were computed from: what they need
        wanted_pos = [pos for pos, _, target in entries if isinstance(target, tuple)]
        roots = [fn for pos in wanted_pos for fn in trace.events[pos][4]]
        self.reached, self.params = _reachable(roots)
        self.needed = {id(t) for pos in wanted_pos for t in _tensors(trace.events[pos][3])}


def _reachable(roots):
    """ids of the autograd nodes reachable from ``roots`` and of the leaf tensors they accumulate into."""
    seen, params, stack = set(), set(), list(roots)
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        var = getattr(fn, "variable", None)
        if var is not None:
            params.add(id(var))
        stack.extend(child for child, _ in fn.next_functions)
    return seen, params


def _used(model, trace, plan):
    """[(kind, qualified name, object)] the plan needs, in execution order: leaf modules, and the parameters and
    buffers of non-leaf modules (the model's own first)."""
    used, modules = [], trace.modules

    def direct(prefix, module, output_needed):
        for name, p in module._parameters.items():
            if p is not None and (id(p) in plan.params or (output_needed and not p.requires_grad)):
                used.append(("param", prefix + name, p))
        if output_needed:
            used.extend(("buffer", prefix + name, b) for name, b in module._buffers.items() if b is not None)

    direct("", model, False)
    needed_calls = {(name, k) for kind, name, k, out, fns in trace.events
                    if kind in ("leaf", "end") and (any(id(f) in plan.reached for f in fns)
                                                     or any(id(t) in plan.needed for t in _tensors(out)))}
    for kind, name, k, _, _ in trace.events:
        if kind == "leaf" and (name, k) in needed_calls:
            used.append(("module", name, modules[name]))
        elif kind == "start" and k == 0:
            direct(name + ".", modules[name], any(n == name for n, _ in needed_calls))
    return used


class _FeatureExtractor(nn.Module):
    """The model's forward, stopped after the last requested node, returning ``{output name: value}``."""

    def __init__(self, model, plans, used, inner):
        super().__init__()
        # not submodules: only the needed parts of the model are registered (below)
        self.__dict__.update(_fe_model=model, _fe_class=type(model).__name__, _fe_plans=plans, _fe_inner=inner)
        self.training = model.training
        done = set()
        for kind, qual, obj in used:
            if (kind, qual) in done:
                continue
            done.add((kind, qual))
            *path, attr = qual.split(".")
            owner = self
            for part in path:
                if part not in owner._modules:
                    child = nn.Module()
                    child.training = model.training
                    owner.add_module(part, child)
                owner = owner._modules[part]
            if kind == "module":
                owner.add_module(attr, obj)
            elif kind == "param":
                owner.register_parameter(attr, obj)
            else:
                owner.register_buffer(attr, obj)

    def _get_name(self):
        return self._fe_class

    def train(self, mode=True):
        """Set the mode of the registered parts and of the wrapped model's non-leaf modules (whose forward runs)."""
        super().train(mode)
        self._fe_model.training = mode
        for m in self._fe_inner:
            m.training = mode
        return self

    def forward(self, *args, **kwargs):
        plan, concrete, unneeded = self._fe_plans[bool(self.training)]
        results, counts, handles = {}, {}, []
        remaining = [sum(len(names) for _, ks in plan.wanted.values() for names in ks.values())]

        def make_hook(name, wanted):
            def hook(module, inputs, output):
                k = counts.get(name, 0)
                counts[name] = k + 1
                for out_name in wanted.get(k, ()):
                    results[out_name] = output
                    remaining[0] -= 1
                if remaining[0] == 0:
                    raise _StopForward
            return hook

        frozen = [m for m in unneeded if m.training]
        try:
            for m in frozen:
                m.training = False
            for name, (module, wanted) in plan.wanted.items():
                handles.append(module.register_forward_hook(make_hook(name, wanted)))
            if remaining[0]:
                self._fe_model(*args, **{**concrete, **kwargs})
        except _StopForward:
            pass
        finally:
            for h in handles:
                h.remove()
            for m in frozen:
                m.training = True
        bound = None
        out = {}
        for out_name, target in plan.order:
            if isinstance(target, str):  # a forward argument
                if bound is None:
                    bound = inspect.signature(self._fe_model.forward).bind(*args, **kwargs)
                    bound.apply_defaults()
                out[out_name] = bound.arguments[target]
            elif out_name in results:
                out[out_name] = results[out_name]
            else:
                raise RuntimeError(f"node '{out_name}' was not computed by this forward (its call "
                                   f"{target[1]} of '{target[0]}' did not happen)")
        return out


def create_feature_extractor(model, return_nodes=None, train_return_nodes=None, eval_return_nodes=None,
                             tracer_kwargs=None, suppress_diff_warning=False, concrete_args=None, *,
                             example_inputs=None):
    """A module returning the outputs of chosen nodes of ``model`` as a dict.

    Node names are those of :func:`get_graph_node_names`, or a non-leaf module's name for that module's output
    (``"layer1"``). The extractor runs ``model``'s forward and stops it once the last requested node is
    computed; it shares ``model``'s modules, and registers (and saves in its ``state_dict``) only those needed.

    Args:
        model: the model (an :class:`ember.nn.Module`).
        return_nodes: a list of node names, or a dict ``{node name: output name}``; used in both modes.
        train_return_nodes: as ``return_nodes``, for train mode (give ``eval_return_nodes`` too).
        eval_return_nodes: as ``return_nodes``, for eval mode.
        tracer_kwargs: ``{"leaf_modules": [classes]}`` adds module classes to treat as single nodes.
        suppress_diff_warning: do not warn when the train and eval node lists differ.
        concrete_args: keyword arguments always passed to the model's forward.
        example_inputs: ember only: a tensor or a tuple of positional arguments for the one run that finds the
            nodes (guessed when ``None``).

    Returns:
        an :class:`ember.nn.Module` whose forward takes the model's arguments and returns
        ``{output name: tensor}`` in execution order.

    Raises:
        ValueError: a node is not in the model, or the node arguments are given inconsistently.

    Example::

        >>> body = create_feature_extractor(resnet18(), {"layer1": "c2", "layer4": "c5"})
        >>> {k: v.shape for k, v in body(ember.randn(2, 3, 64, 64)).items()}
        {'c2': ember.Size([2, 64, 16, 16]), 'c5': ember.Size([2, 512, 2, 2])}
    """
    if (train_return_nodes is None) != (eval_return_nodes is None):
        raise ValueError("If any of `train_return_nodes` and `eval_return_nodes` are specified, then both should "
                         "be specified")
    if return_nodes is not None and train_return_nodes is not None:
        raise ValueError("If `train_return_nodes` and `eval_return_nodes` are specified, then both should be "
                         "specified")
    if return_nodes is None and train_return_nodes is None:
        raise ValueError("Either `return_nodes` or `train_return_nodes` and `eval_return_nodes` together, should "
                         "be specified")
    if return_nodes is not None:
        train_return_nodes = eval_return_nodes = return_nodes
    train, evals = _traces(model, tracer_kwargs, suppress_diff_warning, concrete_args, example_inputs)
    plans, used = {}, []
    for mode, trace, nodes in ((True, train, train_return_nodes), (False, evals, eval_return_nodes)):
        plan = _Plan(trace, _as_dict(nodes))
        needs = _used(model, trace, plan)
        used += needs
        # torchvision's graph runs only the needed nodes; the model's forward runs the others too, so those run in
        # eval mode (no running-statistics updates, no dropout draws)
        kept = {id(m) for kind, _, obj in needs if kind == "module" for m in obj.modules()}
        unneeded = [m for m in model.modules() if not m._modules and id(m) not in kept]
        plans[mode] = (plan, dict(concrete_args or {}), unneeded)
    inner = list({id(m): m for m in train.inner + evals.inner}.values())
    return _FeatureExtractor(model, plans, used, inner)
