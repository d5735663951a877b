"""``ember.nn.utils.stateless``: call a module with some of its parameters and buffers swapped out.

``functional_call`` here is the deprecated spelling; ``ember.func.functional_call`` is the same call and also
accepts a list of dicts.
"""

import contextlib
import warnings

from ember._tensor import Tensor

__all__ = ["functional_call"]

_MISSING = object()  # the module had no attribute of that name before the swap


def _owner(module, name):
    """``(submodule, attribute)`` for a dotted ``name`` (AttributeError, as ``get_submodule``, if a step is absent)."""
    path, _, attr = name.rpartition(".")
    if attr == "":
        raise KeyError('tensor name can\'t be empty string ""')
    return module.get_submodule(path), attr


def _read(mod, attr):
    d = mod.__dict__
    for kind in ("_parameters", "_buffers"):
        if attr in d[kind]:
            return d[kind][attr]
    return getattr(mod, attr, _MISSING)


def _write(mod, attr, value):
    """Put ``value`` under ``attr``: a parameter or buffer slot keeps its kind even for a plain tensor (so the
    module reads it as it reads its own); any other name becomes an attribute, or is removed for ``_MISSING``."""
    d = mod.__dict__
    for kind in ("_parameters", "_buffers"):
        if attr in d[kind]:
            d[kind][attr] = value
            return
    if value is _MISSING:
        delattr(mod, attr)
    else:
        setattr(mod, attr, value)


def _all_names(module):
    """Every parameter and buffer name, tied ones under each of their names, and the groups of tied names."""
    groups = {}
    names = []
    for name, t in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        names.append(name)
        groups.setdefault(id(t), []).append(name)
    return names, [g for g in groups.values() if len(g) > 1]


def _untie(groups, values):
    """``values`` with every name tied to a given one filled in with the same tensor (as the module shares it)."""
    out = dict(values)
    for group in groups:
        given = [n for n in group if n in values]
        if not given:
            continue
        if any(values[n] is not values[given[0]] for n in given[1:]):
            raise ValueError(f"functional_call got multiple values for keys {sorted(given)}, which are tied. "
                             "Consider using tie_weights=False")
        for n in group:
            out.setdefault(n, values[given[0]])
    return out


@contextlib.contextmanager
def _reparametrize_module(module, parameters_and_buffers, tie_weights=False, strict=False):
    """Swap the named tensors into ``module`` for the duration of the block (restored even on exceptions).

    Values the module reassigned meanwhile (a buffer replaced rather than updated in place) are written back
    into ``parameters_and_buffers``, as PyTorch does.
    """
    names, groups = _all_names(module)
    values = {k: parameters_and_buffers[k] for k in parameters_and_buffers.keys()}  # (a non-dict fails as in torch)
    if tie_weights:
        values = _untie(groups, values)
    if strict:
        known = set(names)
        unexpected = sorted(k for k in values if k not in known)
        missing = sorted(k for k in known if k not in values)
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise RuntimeError(f"Error(s) in reparametrizing for {module._get_name()}:\n\t" + "\n\t".join(msgs))
    # Resolve and check everything before the first swap, so a bad key leaves the module untouched.
    slots = []
    for name, value in values.items():
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"{value} is not an instance of torch.Tensor")
        mod, attr = _owner(module, name)
        old = _read(mod, attr)  # (a plain attribute may only be swapped for a tensor if it is one, or None)
        if old is not _MISSING and old is not None and not isinstance(old, Tensor):
            raise TypeError(f"attribute `{attr}`: {old} is not an instance of torch.Tensor")
        slots.append((name, mod, attr, value))
    originals = []
    try:
        for name, mod, attr, value in slots:
            old = _read(mod, attr)
            _write(mod, attr, value)
            originals.append((name, mod, attr, old))
        yield
    finally:
        current = {}
        for name, mod, attr, old in reversed(originals):
            current[name] = _read(mod, attr)
            _write(mod, attr, old)
        for name in parameters_and_buffers:
            if name in current and current[name] is not _MISSING:
                parameters_and_buffers[name] = current[name]


def _functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize_module(module, parameters_and_buffers, tie_weights=tie_weights, strict=strict):
        return module(*args, **kwargs)


def functional_call(module, parameters_and_buffers, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """Call ``module`` with the given tensors in place of its parameters and buffers (deprecated spelling of
    ``ember.func.functional_call``, which it equals for a single dict).

    Args:
        module: the module to call.
        parameters_and_buffers: ``{dotted name: tensor}``; names not given keep the module's own tensors.
        args: positional arguments for the call (a non-tuple is the single argument).
        kwargs: keyword arguments for the call.
        tie_weights: a value given for one of several tied names is used for all of them.
        strict: raise unless the names are exactly the module's parameters and buffers.

    Returns:
        What ``module(*args, **kwargs)`` returns; the module's own tensors are back in place afterwards.

    Example::

        >>> lin = ember.nn.Linear(3, 1)
        >>> ember.nn.utils.stateless.functional_call(lin, {"weight": ember.ones(1, 3)}, ember.ones(2, 3))
    """
    warnings.warn(
        "`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed in a future "
        "version of PyTorch. Please use `torch.func.functional_call` instead which is a drop-in replacement.",
        FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)
