"""NAdam: Adam with Nesterov momentum."""

from ember._backend import xp
from ember.optim.optimizer import (
    Optimizer, _check_betas, _check_capturable, _check_lr, _grad, _scalar, _scratch, _state_tensor, _step_tensor,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum and a momentum-decay schedule.

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): learning rate (default 2e-3).
        betas (tuple): decay rates (default (0.9, 0.999)).
        eps (float): denominator stabilizer (default 1e-8).
        weight_decay (float): weight decay (default 0).
        momentum_decay (float): momentum decay (default 4e-3).
        decoupled_weight_decay (bool): AdamW-style decay applied to the weights (default False).
        maximize (bool): maximize the objective (default False).
        foreach, capturable, differentiable: accepted for compatibility.

    Example::

        >>> opt = ember.optim.NAdam(model.parameters())
    """

    _sparse_error = "NAdam does not support sparse gradients"

    _scalar_state = ("step", "mu_product")  # (see Optimizer._scalar_state)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
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
            momentum_decay = group["momentum_decay"]
            decoupled = group["decoupled_weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                d = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["mu_product"] = _step_tensor(1.0)
                    state["exp_avg"] = _state_tensor(xp.zeros_like(d))
                    state["exp_avg_sq"] = _state_tensor(xp.zeros_like(d))
                if group.get("capturable"):  # (PyTorch: a step-time assertion, after the state is made)
                    _check_capturable(group, what="params, mu_products and state_steps",
                                      what_foreach="params, mu_products, and state_steps")
                step_arr = state["step"]._data
                step_arr += 1
                step = float(step_arr)
                if wd != 0 and decoupled:
                    d *= 1 - lr * wd
                    g, _ = _grad(self, p, group["maximize"], 0)
                else:
                    g, _ = _grad(self, p, group["maximize"], wd)
                bias_correction2 = 1 - beta2 ** step
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
                # The running product is a float32 tensor, as in PyTorch (its rounding shows in the updates).
                mu_arr = state["mu_product"]._data
                mu_arr *= mu
                mu_product = float(mu_arr)
                mu_product_next = mu_product * mu_next
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
                denom = _scratch(self, d, 1)
                xp.divide(v, bias_correction2, out=denom)
                xp.sqrt(denom, out=denom)
                denom += eps
                xp.divide(g, denom, out=tmp)
                tmp *= lr * (1.0 - mu) / (1.0 - mu_product)
                d -= tmp
                xp.divide(m, denom, out=tmp)
                tmp *= lr * mu_next / (1.0 - mu_product_next)
                d -= tmp
                p._vc[0] += 1
        return loss
