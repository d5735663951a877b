"""Adam (and, with ``decoupled_weight_decay=True``, AdamW)."""

from ember._backend import xp
from ember.optim.optimizer import (
    Optimizer, _check_betas, _check_lr, _grad, _scalar, _scratch, _state_tensor, _step_tensor,
)

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam: adaptive moment estimation.

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): learning rate (default 1e-3).
        betas (tuple): decay rates of the first and second moment averages (default (0.9, 0.999)).
        eps (float): added to the denominator for stability (default 1e-8).
        weight_decay (float): weight decay (default 0); an L2 penalty, or decoupled (AdamW) when
            ``decoupled_weight_decay=True``.
        amsgrad (bool): use the AMSGrad variant (running maximum of the second moment) (default False).
        maximize (bool): maximize the objective (default False).
        decoupled_weight_decay (bool): apply weight decay directly to the weights (default False).
        foreach, capturable, differentiable, fused: accepted for compatibility.

    Example::

        >>> opt = ember.optim.Adam(model.parameters(), lr=1e-3)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)
            group.setdefault("decoupled_weight_decay", False)

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
            amsgrad = group["amsgrad"]
            decoupled = group["decoupled_weight_decay"]
            maximize = group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                d = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["exp_avg"] = _state_tensor(xp.zeros_like(d))
                    state["exp_avg_sq"] = _state_tensor(xp.zeros_like(d))
                    if amsgrad:
                        state["max_exp_avg_sq"] = _state_tensor(xp.zeros_like(d))
                step_arr = state["step"]._data
                step_arr += 1
                step = float(step_arr)
                if wd != 0 and decoupled:
                    d *= 1 - lr * wd
                    g, _ = _grad(self, p, maximize, 0)
                else:
                    g, _ = _grad(self, p, maximize, wd)
                m = state["exp_avg"]._data
                v = state["exp_avg_sq"]._data
                tmp = _scratch(self, d)
                # m <- lerp(m, g, 1 - beta1)
                xp.subtract(g, m, out=tmp)
                tmp *= 1 - beta1
                m += tmp
                # v <- beta2 * v + (1 - beta2) * g * g
                v *= beta2
                xp.multiply(g, g, out=tmp)
                tmp *= 1 - beta2
                v += tmp
                bias_correction1 = 1 - beta1 ** step
                bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
                if amsgrad:
                    vmax = state["max_exp_avg_sq"]._data
                    xp.maximum(vmax, v, out=vmax)
                    xp.sqrt(vmax, out=tmp)
                else:
                    xp.sqrt(v, out=tmp)
                # m / (sqrt(v) / c + eps) * lr / bc1 == m / (sqrt(v) + eps * c) * (lr * c / bc1): two passes fewer.
                tmp += eps * bias_correction2_sqrt
                xp.divide(m, tmp, out=tmp)
                tmp *= lr * bias_correction2_sqrt / bias_correction1
                d -= tmp
                p._vc[0] += 1
        return loss
