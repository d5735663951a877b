"""``ember.nn.utils.prune``: magnitude, random and custom pruning of module parameters (mirrors
``torch.nn.utils.prune``).

Pruning parameter ``name`` of a module moves it to ``<name>_orig``, registers a ``<name>_mask`` buffer of zeros
and ones and installs a forward pre-hook that recomputes ``module.<name> = <name>_orig * <name>_mask`` before
every call, so training keeps updating ``<name>_orig`` while pruned entries stay zero. Pruning the same
parameter again combines the masks through a :class:`PruningContainer` (the new method only sees the entries
or channels still alive); :func:`remove` makes the pruning permanent.

Example::

    >>> from ember.nn.utils import prune
    >>> m = prune.l1_unstructured(ember.nn.Linear(4, 3), "weight", amount=0.5)
    >>> sorted(m.state_dict())
    ['bias', 'weight_mask', 'weight_orig']
    >>> int((m.weight == 0).sum())
    6
"""

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

import ember
from ember.nn.utils.convert_parameters import parameters_to_vector

__all__ = [
    "BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured", "L1Unstructured",
    "RandomStructured", "LnStructured", "CustomFromMask", "identity", "random_unstructured", "l1_unstructured",
    "random_structured", "ln_structured", "global_unstructured", "custom_from_mask", "remove", "is_pruned",
]


class BasePruningMethod(ABC):
    """Abstract base of the pruning methods; also the forward pre-hook that re-applies the mask.

    Subclasses set ``PRUNING_TYPE`` (``"unstructured"``, ``"structured"`` — with a ``dim`` attribute — or
    ``"global"``) and implement :meth:`compute_mask`. ``apply`` prunes a module's parameter in place.
    """

    _tensor_name: str  # set by ``apply``; absent on a method that has not pruned anything

    def __call__(self, module, inputs):
        """Forward pre-hook: refresh ``module.<name>`` from ``<name>_orig`` and ``<name>_mask``."""
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t, default_mask):
        """Return the new mask for tensor ``t`` (same shape), given the mask already in force ``default_mask``.

        Args:
            t: the importance scores (usually the parameter itself).
            default_mask: the mask from previous pruning iterations (all ones the first time).
        """

    def apply_mask(self, module):
        """Return ``<name>_orig * <name>_mask`` of ``module`` (the pruned tensor, differentiable in orig)."""
        name = self._tensor_name
        orig = getattr(module, name + "_orig")
        return getattr(module, name + "_mask").to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prune parameter ``name`` of ``module`` with ``cls(*args, **kwargs)`` and return the method.

        If the parameter is already pruned, the new method is chained after the old one(s) in a
        :class:`PruningContainer`. ``importance_scores`` (same shape as the parameter) replace the
        parameter's values when ranking entries.
        """
        method = _composite_method(cls, module, name, *args, **kwargs)
        orig = getattr(module, name)
        if importance_scores is not None:
            assert importance_scores.shape == orig.shape, (
                f"importance_scores should have the same shape as parameter {name} of {module}, "
                f"got {importance_scores.shape} vs {orig.shape}")
        else:
            importance_scores = orig
        fresh = not isinstance(method, PruningContainer)
        if fresh:
            # The parameter itself lives on as <name>_orig (registered before removing <name>, like torch,
            # which fixes the order of named_parameters / state_dict).
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = ember.ones_like(orig)
        else:
            default_mask = getattr(module, name + "_mask").detach().clone(memory_format=ember.contiguous_format)
        try:
            mask = method.compute_mask(importance_scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if fresh:  # put the untouched parameter back under its own name
                orig = getattr(module, name + "_orig")
                module.register_parameter(name, orig)
                del module._parameters[name + "_orig"]
            raise
        return method

    def prune(self, t, default_mask=None, importance_scores=None):
        """Return ``t`` times the mask this method computes for it (no module involved).

        Args:
            t: tensor to prune.
            default_mask: mask already in force (default: all ones).
            importance_scores: ranking scores, same shape as ``t`` (default: ``t``).
        """
        if importance_scores is not None:
            assert importance_scores.shape == t.shape, (
                f"importance_scores should have the same shape as tensor t, got {importance_scores.shape} "
                f"vs {t.shape}")
        else:
            importance_scores = t
        if default_mask is None:
            default_mask = ember.ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module):
        """Make the pruning permanent: ``<name>`` becomes a plain parameter holding the pruned values and
        ``<name>_orig`` / ``<name>_mask`` disappear (the caller drops the hook; see :func:`remove`)."""
        name = self._tensor_name
        assert name is not None, f"Module {module} has to be pruned before pruning can be removed"
        weight = self.apply_mask(module)
        if hasattr(module, name):
            delattr(module, name)
        orig = module._parameters[name + "_orig"]
        orig.data = weight.data
        del module._parameters[name + "_orig"]
        del module._buffers[name + "_mask"]
        setattr(module, name, orig)


def _composite_method(cls, module, name, *args, **kwargs):
    # The method to install for ``name``: a new ``cls`` instance, chained after the pruning already on
    # ``name`` (whose hook is dropped here; the caller installs the combined one).
    old_keys = [k for k, hook in module._forward_pre_hooks.items()
                if isinstance(hook, BasePruningMethod) and hook._tensor_name == name]
    assert len(old_keys) <= 1, (
        f"Avoid adding multiple pruning hooks to the same tensor {name} of module {module}. "
        "Use a PruningContainer.")
    old = module._forward_pre_hooks[old_keys[0]] if old_keys else None
    for k in old_keys:
        del module._forward_pre_hooks[k]
    method = cls(*args, **kwargs)
    method._tensor_name = name
    if old is None:
        return method
    container = old if isinstance(old, PruningContainer) else PruningContainer(old)
    container.add_pruning_method(method)
    return container


class PruningContainer(BasePruningMethod):
    """A sequence of pruning methods applied one after another to the same parameter.

    Built by ``apply`` when a parameter is pruned again; its mask is the previous mask with the last
    method's mask written into the entries (unstructured), channels (structured) or whole tensor (global)
    that are still alive.

    Args:
        *args: pruning methods (all acting on the same ``_tensor_name``).
    """

    def __init__(self, *args):
        self._pruning_methods = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
        for method in args:
            self.add_pruning_method(method)

    def add_pruning_method(self, method):
        """Append ``method`` (a :class:`BasePruningMethod` on the same tensor, or None)."""
        if method is not None and not isinstance(method, BasePruningMethod):
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError("Can only add pruning methods acting on the parameter named "
                             f"'{self._tensor_name}' to PruningContainer {self}. Found '{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t, default_mask):
        """Combine ``default_mask`` with the mask of the last method, computed on the still-unpruned part.

        Args:
            t: importance scores, same shape as ``default_mask``.
            default_mask: the mask in force; written in place when its dtype already matches ``t``'s.
        """
        method = self._pruning_methods[-1]
        new_mask = default_mask.to(dtype=t.dtype)
        kind = method.PRUNING_TYPE
        if kind == "unstructured":
            # Only entries still alive take part (as a flat selection).
            slc = default_mask == 1
        elif kind == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError('Pruning methods of PRUNING_TYPE "structured" need to have the attribute '
                                     "`dim` defined.")
            ndim = t.dim()
            dim = method.dim + ndim if method.dim < 0 else method.dim
            if dim < 0:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {ndim}")
            # Only channels along ``dim`` that still hold a nonzero entry take part.
            keep = default_mask.sum(dim=[d for d in range(ndim) if d != dim]) != 0
            slc = [slice(None)] * ndim
            slc[dim] = keep  # (a too large dim fails here with the list's IndexError, as in torch)
            slc = tuple(slc)
        elif kind == "global":
            slc = (slice(None),) * len(t.shape)
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {kind}")
        partial = method.compute_mask(t[slc], default_mask=default_mask[slc])
        new_mask[slc] = partial.to(dtype=new_mask.dtype)
        return new_mask


class Identity(BasePruningMethod):
    """A pruning method that prunes nothing (the mask stays all ones); sets up the reparametrisation only."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        """Return ``default_mask`` unchanged."""
        return default_mask

    @classmethod
    def apply(cls, module, name):
        """Reparametrise ``module.<name>`` with an all-ones mask and return the method."""
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prune entries chosen uniformly at random (same random draws as PyTorch for the same seed).

    Args:
        amount: fraction in [0, 1] of the entries to prune, or their number (a non-negative int).
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        """Zero the entries of ``default_mask`` at the ``amount`` largest of ``rand_like(t)``."""
        size = t.nelement()
        k = _nparams_toprune(self.amount, size)
        _check_amount_fits(k, size)
        mask = default_mask.clone(memory_format=ember.contiguous_format)
        if k != 0:
            scores = ember.rand_like(t)
            mask.view(-1)[ember.topk(scores.view(-1), k=k).indices] = 0
        return mask

    @classmethod
    def apply(cls, module, name, amount):
        """Prune ``module.<name>`` at random and return the method."""
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prune the entries with the smallest absolute value (ties broken as ``topk`` does).

    Args:
        amount: fraction in [0, 1] of the entries to prune, or their number (a non-negative int).
    """

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        """Zero the entries of ``default_mask`` where ``|t|`` is among the ``amount`` smallest."""
        size = t.nelement()
        k = _nparams_toprune(self.amount, size)
        _check_amount_fits(k, size)
        mask = default_mask.clone(memory_format=ember.contiguous_format)
        if k != 0:
            mask.view(-1)[ember.topk(ember.abs(t).view(-1), k=k, largest=False).indices] = 0
        return mask

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        """Prune ``module.<name>`` by magnitude (of ``importance_scores`` if given) and return the method."""
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prune whole channels along ``dim``, chosen uniformly at random.

    Args:
        amount: fraction in [0, 1] of the channels to prune, or their number (a non-negative int).
        dim: the dimension whose slices are the channels (default: the last).
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1):
        _check_amount(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t, default_mask):
        """Keep the channels whose random score exceeds the ``amount``-th smallest, times ``default_mask``."""
        _check_structured(t)
        _check_dim(t, self.dim)
        nchannels = t.shape[self.dim]
        k = _nparams_toprune(self.amount, nchannels)
        _check_amount_fits(k, nchannels)
        if k == 0:
            mask = default_mask
        else:
            scores = ember.rand(nchannels)
            threshold = ember.kthvalue(scores, k=k).values
            mask = _channel_mask(t, self.dim, scores > threshold)
            mask *= default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        """Prune random channels of ``module.<name>`` along ``dim`` and return the method."""
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prune the channels along ``dim`` with the smallest L``n`` norm (ties broken as ``topk`` does).

    Args:
        amount: fraction in [0, 1] of the channels to prune, or their number (a non-negative int).
        n: the norm order, any ``p`` accepted by :func:`ember.norm` (``1``, ``2``, ``float('inf')``, ``'fro'`` ...).
        dim: the dimension whose slices are the channels (default: the last).
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        _check_amount(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t, default_mask):
        """Keep the channels of largest norm (the rest are pruned), times ``default_mask``."""
        _check_structured(t)
        _check_dim(t, self.dim)
        nchannels = t.shape[self.dim]
        k = _nparams_toprune(self.amount, nchannels)
        _check_amount_fits(k, nchannels)
        if k == 0:
            return default_mask
        dim = self.dim + t.dim() if self.dim < 0 else self.dim
        norms = ember.norm(t, p=self.n, dim=[d for d in range(t.dim()) if d != dim])
        kept = ember.topk(norms, k=nchannels - k, largest=True).indices
        mask = _channel_mask(t, self.dim, kept)
        mask *= default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        """Prune the lowest-norm channels of ``module.<name>`` along ``dim`` and return the method."""
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prune with a user-given mask (zeros prune), combined with any mask already in force.

    Args:
        mask: tensor of the parameter's shape; any dtype (cast to the mask's).
    """

    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        """Return ``default_mask * mask``."""
        assert default_mask.shape == self.mask.shape, (
            f"default_mask shape {default_mask.shape} must match self.mask shape {self.mask.shape}")
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module, name, mask):
        """Prune ``module.<name>`` with ``mask`` and return the method."""
        return super().apply(module, name, mask=mask)


# ------------------------------------------------------------------------------------------------ functions
def identity(module, name):
    """Reparametrise ``module.<name>`` as ``<name>_orig * <name>_mask`` with an all-ones mask (prunes nothing).

    Returns ``module``.

    Example::

        >>> m = prune.identity(ember.nn.Linear(2, 3), "bias")
        >>> m.bias_mask
        tensor([1., 1., 1.])
    """
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    """Prune ``amount`` randomly chosen entries of ``module.<name>``. Returns ``module``.

    Args:
        module: module holding the parameter.
        name: parameter name.
        amount: fraction in [0, 1] of the (still unpruned) entries, or their number.

    Example::

        >>> m = prune.random_unstructured(ember.nn.Linear(2, 3), "weight", amount=1)
        >>> int(m.weight_mask.sum())
        5
    """
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    """Prune the ``amount`` entries of ``module.<name>`` with smallest absolute value. Returns ``module``.

    Args:
        module: module holding the parameter.
        name: parameter name.
        amount: fraction in [0, 1] of the (still unpruned) entries, or their number.
        importance_scores: tensor of the parameter's shape ranked instead of the parameter (optional).

    Example::

        >>> m = prune.l1_unstructured(ember.nn.Linear(4, 3), "weight", amount=0.25)
        >>> int(m.weight_mask.sum())
        9
    """
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    """Prune ``amount`` randomly chosen channels of ``module.<name>`` along ``dim``. Returns ``module``.

    Args:
        module: module holding the parameter.
        name: parameter name (the tensor must have at least 2 dimensions).
        amount: fraction in [0, 1] of the channels, or their number.
        dim: the channel dimension.

    Example::

        >>> m = prune.random_structured(ember.nn.Conv2d(3, 8, 3), "weight", amount=0.5, dim=0)
        >>> int((m.weight_mask.sum(dim=(1, 2, 3)) != 0).sum())
        4
    """
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    """Prune the ``amount`` channels of ``module.<name>`` along ``dim`` with the smallest L``n`` norm.

    Returns ``module``.

    Args:
        module: module holding the parameter.
        name: parameter name (the tensor must have at least 2 dimensions).
        amount: fraction in [0, 1] of the channels, or their number.
        n: the norm order (see :func:`ember.norm`).
        dim: the channel dimension.
        importance_scores: tensor of the parameter's shape whose norms are ranked instead (optional).

    Example::

        >>> m = prune.ln_structured(ember.nn.Linear(4, 6), "weight", amount=2, n=2, dim=0)
        >>> m.weight_mask.sum(dim=1).tolist().count(0.0)
        2
    """
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune several parameters together: entries are ranked across all of them at once.

    Every ``(module, name)`` pair ends up reparametrised with a :class:`CustomFromMask` slice of the
    global mask.

    Args:
        parameters: iterable of ``(module, name)`` pairs (iterated twice, so not a one-shot iterator).
        pruning_method: an unstructured method class, e.g. :class:`L1Unstructured` or
            :class:`RandomUnstructured`.
        importance_scores: dict mapping ``(module, name)`` to scores replacing that parameter (optional).
        **kwargs: the method's arguments, e.g. ``amount``.

    Example::

        >>> net = ember.nn.Sequential(ember.nn.Linear(4, 4), ember.nn.Linear(4, 2))
        >>> prune.global_unstructured([(net[0], "weight"), (net[1], "weight")],
        ...                           pruning_method=prune.L1Unstructured, amount=12)
        >>> int(net[0].weight_mask.sum() + net[1].weight_mask.sum())
        12
    """
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    if importance_scores is None:
        importance_scores = {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    scores = parameters_to_vector([importance_scores.get((module, name), getattr(module, name))
                                   for module, name in parameters])
    default_mask = parameters_to_vector([getattr(module, name + "_mask", ember.ones_like(getattr(module, name)))
                                         for module, name in parameters])
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError('Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
                        f"{pruning_method} of type {method.PRUNING_TYPE}")
    container.add_pruning_method(method)
    final_mask = container.compute_mask(scores, default_mask)
    start = 0
    for module, name in parameters:
        param = getattr(module, name)
        count = param.numel()
        custom_from_mask(module, name, mask=final_mask[start:start + count].view_as(param))
        start += count


def custom_from_mask(module, name, mask):
    """Prune ``module.<name>`` where ``mask`` is zero (combined with any mask already in force).

    Returns ``module``.

    Example::

        >>> m = prune.custom_from_mask(ember.nn.Linear(2, 3), "bias", mask=ember.tensor([0, 1, 0]))
        >>> m.bias_mask
        tensor([0., 1., 0.])
    """
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module, name):
    """Make the pruning of ``module.<name>`` permanent and drop its hook, ``<name>_orig`` and ``<name>_mask``.

    ``<name>`` becomes an ordinary parameter holding the pruned values. Returns ``module``.

    Example::

        >>> m = prune.remove(prune.l1_unstructured(ember.nn.Linear(2, 3), "weight", 2), "weight")
        >>> sorted(m.state_dict())
        ['bias', 'weight']
    """
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")


def is_pruned(module):
    """Whether ``module`` or any of its submodules carries a pruning hook.

    Example::

        >>> m = ember.nn.Linear(2, 3)
        >>> prune.is_pruned(m), prune.is_pruned(prune.identity(m, "weight"))
        (False, True)
    """
    for _, submodule in module.named_modules():
        for hook in submodule._forward_pre_hooks.values():
            if isinstance(hook, BasePruningMethod):
                return True
    return False


# ------------------------------------------------------------------------------------------------ helpers
def _check_amount(amount):
    # Constructor check: a non-negative int (a count) or a float in [0, 1] (a fraction).
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    # Written as two comparisons so that NaN passes, as in torch.
    if (amount < 0) if isinstance(amount, numbers.Integral) else (float(amount) > 1.0 or float(amount) < 0.0):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")


def _check_amount_fits(amount, size):
    if isinstance(amount, numbers.Integral) and amount > size:
        raise ValueError(f"amount={amount} should be smaller than the number of parameters to prune={size}")


def _nparams_toprune(amount, size):
    # A count stays as given; a fraction rounds half to even, as Python's round does.
    return amount if isinstance(amount, numbers.Integral) else round(amount * size)


def _check_structured(t):
    if len(t.shape) <= 1:
        raise ValueError("Structured pruning can only be applied to multidimensional tensors. Found tensor of "
                         f"shape {t.shape} with {len(t.shape)} dims")


def _check_dim(t, dim):
    if dim >= t.dim():
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")


def _channel_mask(t, dim, channels):
    # Ones on the selected channels (a bool mask or indices along ``dim``), zeros elsewhere.
    mask = ember.zeros_like(t)
    index = [slice(None)] * t.dim()
    index[dim] = channels
    mask[tuple(index)] = 1
    return mask
