"""Adamax: Adam with an infinity-norm second moment."""

from ember._backend import xp
from ember.optim.optimizer import (
    Optimizer, _check_betas, _check_capturable, _check_lr, _grad, _scalar, _scratch, _state_tensor, _step_tensor,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax: Adam whose second moment is a running maximum of gradient magnitudes.

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): learning rate (default 2e-3).
        betas (tuple): decay rates (default (0.9, 0.999)).
        eps (float): denominator stabilizer (default 1e-8).
        weight_decay (float): L2 penalty (default 0).
        maximize (bool): maximize the objective (default False).
        foreach, differentiable, capturable: accepted for compatibility.

    Example::

        >>> opt = ember.optim.Adamax(model.parameters())
    """

    _sparse_error = "Adamax does not support sparse gradients"

    _scalar_state = ("step",)  # (see Optimizer._scalar_state)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.
        """
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            eps = group["eps"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                d = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["exp_avg"] = _state_tensor(xp.zeros_like(d))
                    state["exp_inf"] = _state_tensor(xp.zeros_like(d))
                if group.get("capturable"):  # (PyTorch: a step-time assertion, after the state is made)
                    _check_capturable(group)
                step_arr = state["step"]._data
                step_arr += 1
                step = float(step_arr)
                g, _ = _grad(self, p, group["maximize"], group["weight_decay"])
                m = state["exp_avg"]._data
                u = state["exp_inf"]._data
                tmp = _scratch(self, d)
                xp.subtract(g, m, out=tmp)
                tmp *= 1 - beta1
                m += tmp
                u *= beta2
                xp.abs(g, out=tmp)
                tmp += eps
                xp.maximum(u, tmp, out=u)
                xp.divide(m, u, out=tmp)
                tmp *= lr / (1 - beta1 ** step)
                d -= tmp
                p._vc[0] += 1
        return loss
