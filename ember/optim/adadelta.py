"""Adadelta."""

from ember._backend import xp
from ember.optim.optimizer import Optimizer, _check_lr, _grad, _scalar, _scratch, _state_tensor, _step_tensor

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta: step sizes from running averages of squared gradients and squared updates.

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): scale applied to the update (default 1.0).
        rho (float): decay of the running averages (default 0.9).
        eps (float): added inside the square roots (default 1e-6).
        weight_decay (float): L2 penalty (default 0).
        maximize (bool): maximize the objective (default False).
        foreach, capturable, differentiable: accepted for compatibility.

    Example::

        >>> opt = ember.optim.Adadelta(model.parameters())
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.
        """
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            rho = group["rho"]
            eps = group["eps"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                d = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["square_avg"] = _state_tensor(xp.zeros_like(d))
                    state["acc_delta"] = _state_tensor(xp.zeros_like(d))
                state["step"]._data += 1
                g, _ = _grad(self, p, group["maximize"], group["weight_decay"])
                sq = state["square_avg"]._data
                acc = state["acc_delta"]._data
                std = _scratch(self, d, 0)
                delta = _scratch(self, d, 1)
                sq *= rho
                xp.multiply(g, g, out=std)
                std *= 1 - rho
                sq += std
                xp.add(sq, eps, out=std)
                xp.sqrt(std, out=std)
                xp.add(acc, eps, out=delta)
                xp.sqrt(delta, out=delta)
                delta /= std
                delta *= g
                acc *= rho
                xp.multiply(delta, delta, out=std)
                std *= 1 - rho
                acc += std
                delta *= lr
                d -= delta
                p._vc[0] += 1
        return loss
