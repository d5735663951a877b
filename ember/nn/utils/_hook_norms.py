"""The forward-pre-hook versions of weight and spectral normalisation (``ember.nn.utils.weight_norm``,
``spectral_norm`` and their ``remove_*``), kept for scripts written before the parametrizations."""

import warnings

from ember.autograd.grad_mode import no_grad
from ember.nn import _functional_core as F
from ember.nn.parameter import Parameter, UninitializedParameter
from ember.nn.utils.parametrizations import _default_sn_dim, _norm_except_dim, _weight_norm

__all__ = ["weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm"]


class WeightNorm:
    """Forward pre-hook recomputing ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name, dim):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module):
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    @staticmethod
    def apply(module, name, dim):
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `WeightNorm` can't have uninitialized parameters. Make sure to "
                             "run the dummy forward before applying weight normalization")
        del module._parameters[name]
        with no_grad():
            module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, fn.dim).detach()))
            module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Deprecated: prefer :func:`ember.nn.utils.parametrizations.weight_norm`.

    Replaces parameter ``<name>`` by ``<name>_g`` (magnitude) and ``<name>_v`` (direction) and recomputes
    ``module.<name> = g * v / ||v||`` before every forward (``dim``: the dimension keeping its own norm;
    ``None`` for the whole tensor). Returns ``module``.

    Example::

        >>> m = weight_norm(ember.nn.Linear(20, 40))
        >>> m.weight_g.shape, m.weight_v.shape
        (ember.Size([40, 1]), ember.Size([40, 20]))
    """
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo :func:`weight_norm`: ``<name>`` becomes a plain parameter again. Returns ``module``."""
    return _remove_hook(module, name, WeightNorm, "weight_norm")


def _remove_hook(module, name, kind, label):
    # Detach the ``kind`` hook of parameter ``name`` and restore the plain parameter.
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, kind) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"{label} of '{name}' not found in {module}")


class SpectralNorm:
    """Forward pre-hook recomputing ``module.<name>`` as ``<name>_orig / sigma`` (power iteration on u, v)."""

    _version = 1

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        # rows: dimension ``dim``; a 1-D tensor becomes a column (n, 1)
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.reshape(weight.shape[0], -1)

    def _solve_v_and_rescale(self, weight_mat, u, target_sigma):
        """The ``v`` of a checkpoint that stored only ``u``: least-squares ``W v = u``, scaled so that
        ``u . W v == target_sigma``."""
        import ember
        v = ember.linalg.pinv(weight_mat) @ u
        return v * (target_sigma / ember.dot(u, ember.mv(weight_mat, v)))

    def compute_weight(self, module, do_power_iteration):
        import ember
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v.copy_(F.normalize(ember.mv(weight_mat.t(), u), dim=0, eps=self.eps))
                    u.copy_(F.normalize(ember.mv(weight_mat, v), dim=0, eps=self.eps))
            # The buffers change in place next time; the graph needs the values used now.
            u = u.clone()
            v = v.clone()
        sigma = ember.dot(u, ember.mv(weight_mat, v))
        return weight / sigma

    def remove(self, module):
        # the checkpoint hooks go too (PyTorch keeps the load one, which then rejects plain checkpoints)
        for hooks in (module._state_dict_hooks, module._load_state_dict_pre_hooks):
            for key, hook in list(hooks.items()):
                if getattr(hook, "fn", None) is self:
                    del hooks[key]
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        import ember
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `SpectralNorm` can't have uninitialized parameters. Make sure to "
                             "run the dummy forward before applying spectral normalization")
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = F.normalize(ember.empty(h, dtype=weight.dtype).normal_(0, 1), dim=0, eps=fn.eps)
            v = F.normalize(ember.empty(w, dtype=weight.dtype).normal_(0, 1), dim=0, eps=fn.eps)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.data)
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        module._register_state_dict_hook(_SpectralNormStateDictHook(fn))
        module._register_load_state_dict_pre_hook(_SpectralNormLoadStateDictPreHook(fn))
        return fn


class _SpectralNormStateDictHook:
    """Records ``spectral_norm: {'<name>.version': 1}`` in the module's state-dict metadata."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, module, state_dict, prefix, local_metadata):
        entries = [local_metadata]
        meta = getattr(state_dict, "_metadata", None)
        if meta is not None:  # the module's own entry, which is what gets saved
            entries.append(meta.setdefault(prefix[:-1], {}))
        for entry in entries:
            entry.setdefault("spectral_norm", {})[self.fn.name + ".version"] = self.fn._version


class _SpectralNormLoadStateDictPreHook:
    """Converts checkpoints saved before the version entry (``<name>``, ``<name>_orig``, ``<name>_u``, no
    ``<name>_v``): ``<name>`` is dropped and ``<name>_v`` solved from the others."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        fn = self.fn
        version = local_metadata.get("spectral_norm", {}).get(fn.name + ".version", None)
        if version is not None and version >= 1:
            return
        key = prefix + fn.name
        if version is None and key not in state_dict and all(key + s in state_dict for s in ("_orig", "_u", "_v")):
            return  # a current checkpoint that lost its metadata
        absent = [key + s for s in ("_orig", "", "_u") if key + s not in state_dict]
        if absent:
            if strict:
                missing_keys.extend(absent)
            return
        with no_grad():
            weight_orig = state_dict[key + "_orig"]
            weight = state_dict.pop(key)
            sigma = (weight_orig / weight).mean()
            weight_mat = fn.reshape_weight_to_matrix(weight_orig)
            state_dict[key + "_v"] = fn._solve_v_and_rescale(weight_mat, state_dict[key + "_u"], sigma)


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its spectral norm before every forward (hook version).

    Prefer :func:`ember.nn.utils.parametrizations.spectral_norm`. The parameter becomes ``<name>_orig`` and the
    power-iteration vectors the buffers ``<name>_u`` / ``<name>_v`` (updated in training mode only).

    Args:
        module: the module. name: the parameter. n_power_iterations: steps per forward (default 1).
        eps: for numerical stability (default 1e-12). dim: the rows dimension (default 0, 1 for ConvTranspose).

    Example::

        >>> m = spectral_norm(ember.nn.Linear(20, 40))
        >>> m.weight_u.shape
        ember.Size([40])
    """
    SpectralNorm.apply(module, name, n_power_iterations, _default_sn_dim(module, dim), eps)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo :func:`spectral_norm`: ``<name>`` becomes a plain parameter again. Returns ``module``."""
    return _remove_hook(module, name, SpectralNorm, "spectral_norm")
