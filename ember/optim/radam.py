"""RAdam: rectified Adam."""

from ember._backend import xp
from ember.optim.optimizer import (
    Optimizer, _check_betas, _check_capturable, _check_lr, _grad, _scalar, _scratch, _state_tensor, _step_tensor,
)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam: Adam with a rectification term that tames the adaptive step while its variance is high.

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): learning rate (default 1e-3).
        betas (tuple): decay rates (default (0.9, 0.999)).
        eps (float): denominator stabilizer (default 1e-8).
        weight_decay (float): weight decay (default 0).
        decoupled_weight_decay (bool): AdamW-style decay applied to the weights (default False).
        maximize (bool): maximize the objective (default False).
        foreach, capturable, differentiable: accepted for compatibility.

    Example::

        >>> opt = ember.optim.RAdam(model.parameters())
    """

    _sparse_error = "RAdam does not support sparse gradients"

    _scalar_state = ("step",)  # (see Optimizer._scalar_state)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
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
            wd = group["weight_decay"]
            decoupled = group["decoupled_weight_decay"]
            rho_inf = 2 / (1 - beta2) - 1
            for p in group["params"]:
                if p._grad is None:
                    continue
                d = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["exp_avg"] = _state_tensor(xp.zeros_like(d))
                    state["exp_avg_sq"] = _state_tensor(xp.zeros_like(d))
                if group.get("capturable"):  # (PyTorch: a step-time assertion, after the state is made)
                    _check_capturable(group)
                step_arr = state["step"]._data
                step_arr += 1
                step = float(step_arr)
                if wd != 0 and decoupled:
                    d *= 1 - lr * wd
                    g, _ = _grad(self, p, group["maximize"], 0)
                else:
                    g, _ = _grad(self, p, group["maximize"], wd)
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                tmp = _scratch(self, d, 0)
                xp.subtract(g, m, out=tmp)
                tmp *= 1 - beta1
                m += tmp
                v *= beta2
                xp.multiply(g, g, out=tmp)
                tmp *= 1 - beta2
                v += tmp
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                xp.divide(m, bias_correction1, out=tmp)
                tmp *= lr
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    adaptive = _scratch(self, d, 1)
                    xp.sqrt(v, out=adaptive)
                    adaptive += eps
                    xp.divide(bias_correction2 ** 0.5, adaptive, out=adaptive)
                    tmp *= adaptive
                    tmp *= rect
                d -= tmp
                p._vc[0] += 1
        return loss
