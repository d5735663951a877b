"""Adafactor: Adam-like steps with a factored (row x column) second-moment estimate."""

from ember._backend import xp
from ember._dtype import finfo, from_np
from ember._tensor import Tensor
from ember.optim.optimizer import Optimizer, _scalar, _state_tensor, _step_tensor, _zeros

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor: adaptive steps whose second-moment estimate of a matrix is stored as row and column
    averages (memory O(rows + cols) instead of O(rows * cols)).

    For a parameter with two or more dimensions, the squared gradient is averaged over the last dimension
    (``row_var``, shape ``(..., rows, 1)``) and over the second-to-last (``col_var``, shape ``(..., 1, cols)``);
    their normalised outer product estimates the full second moment. 0-d and 1-d parameters keep a full
    ``variance``. The step size is relative: ``min(lr, 1 / sqrt(step))`` times the parameter's RMS (at least
    ``eps[1]``), and updates whose RMS exceeds ``d`` are scaled down to RMS ``d``.

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): the largest relative step size (default 1e-2); also scales the weight decay.
        beta2_decay (float): the second-moment average uses weight ``step ** beta2_decay`` for the new squared
            gradient; must be <= 0 (default -0.8).
        eps (tuple): ``(eps1, eps2)``: ``eps1`` floors the variance estimate (None: the parameter dtype's
            machine epsilon); ``eps2`` floors the parameter RMS used for the step size (default
            ``(None, 1e-3)``).
        d (float): clipping threshold on the update's RMS, >= 1 (default 1.0).
        weight_decay (float): decoupled weight decay: the parameter is multiplied by ``1 - lr * weight_decay``
            (default 0).
        foreach: accepted for compatibility.
        maximize (bool): maximize the objective (default False).

    Example::

        >>> opt = ember.optim.Adafactor(model.parameters(), lr=1e-2)
        >>> loss_fn(model(x), y).backward(); opt.step(); opt.zero_grad()
    """

    _sparse_error = "Adafactor does not support sparse gradients"

    _scalar_state = ("step",)  # (see Optimizer._scalar_state)

    _complex_params_ok = False

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.
        """
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            eps1, eps2 = group["eps"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                st = self.state[p]
                g = p._grad._data
                if len(st) == 0:
                    st["step"] = _step_tensor()
                    if g.ndim > 1:
                        st["row_var"] = _state_tensor(xp.zeros(g.shape[:-1] + (1,), g.dtype))
                        st["col_var"] = _state_tensor(xp.zeros(g.shape[:-2] + (1, g.shape[-1]), g.dtype))
                    else:
                        st["variance"] = _state_tensor(_zeros(g))
                _adafactor_update(p, st, lr, group["beta2_decay"], eps1, eps2, group["d"], group["weight_decay"],
                                  group["maximize"])
        return loss


def _lerp_(start, end, weight):
    """``start`` moved in place towards ``end`` by ``weight``, rounded as PyTorch's ``lerp_`` (two formulas, so
    that weight 1 gives ``end`` exactly)."""
    diff = end - start
    if weight < 0.5:
        diff *= weight
        start += diff
    else:
        diff *= 1 - weight
        xp.subtract(end, diff, out=start)


def _adafactor_update(p, st, lr, beta2_decay, eps1, eps2, d, weight_decay, maximize):
    data = p._data
    g = p._grad._data
    if maximize:
        g = -g
    if eps1 is None:
        eps1 = finfo(from_np(data.dtype)).eps
    step_t = st["step"]._data
    step_t += 1
    step = float(step_t)
    beta2_weight = step ** beta2_decay
    rho = min(lr, 1 / step ** 0.5)
    # The relative step size uses the RMS of the parameter before weight decay.
    alpha = max(eps2, float(xp.sqrt(xp.vdot(data.reshape(-1), data.reshape(-1)))) / data.size ** 0.5) * rho
    if weight_decay != 0:
        data *= 1 - lr * weight_decay
    sq = xp.empty_like(g)  # an array even for a 0-d gradient (a ufunc without out= gives a scalar)
    xp.square(g, out=sq)
    if g.ndim > 1:
        row_var, col_var = st["row_var"]._data, st["col_var"]._data
        _lerp_(row_var, xp.mean(sq, axis=-1, keepdims=True), beta2_weight)
        _lerp_(col_var, xp.mean(sq, axis=-2, keepdims=True), beta2_weight)
        # Outer product of the factors, normalised by the mean row factor (the overall scale).
        var = xp.multiply(row_var, col_var, out=sq)
        var /= xp.maximum(xp.mean(row_var, axis=-2, keepdims=True), eps1)
    else:
        variance = st["variance"]._data
        _lerp_(variance, sq, beta2_weight)
        sq[...] = variance  # the update must not write into the state
        var = sq
    # rsqrt of the floored estimate, times the gradient; eps1 is squared as the square root follows.
    xp.maximum(var, eps1 * eps1, out=var)
    xp.sqrt(var, out=var)
    update = xp.divide(g, var, out=var)
    rms = float(xp.sqrt(xp.vdot(update.reshape(-1), update.reshape(-1)))) / (update.size ** 0.5 * d)
    update *= alpha / max(1.0, rms)
    data -= update
    p._vc[0] += 1
