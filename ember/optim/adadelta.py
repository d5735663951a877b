"""Adadelta."""

from ember._backend import xp
from ember.optim.optimizer import (
    Optimizer, _check_capturable, _check_lr, _fused_update, _scalar, _state_tensor, _step_tensor, _zeros,
)

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

    _sparse_error = "Adadelta does not support sparse gradients"

    _scalar_state = ("step",)  # (see Optimizer._scalar_state)

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
            params = [p for p in group["params"] if p._grad is not None]
            if not params:
                continue
            lr = _scalar(group["lr"])
            state = self.state
            for p in params:
                st = state[p]
                if len(st) == 0:
                    st["step"] = _step_tensor()
                    st["square_avg"] = _state_tensor(_zeros(p._data))
                    st["acc_delta"] = _state_tensor(_zeros(p._data))
            if group.get("capturable"):  # (PyTorch: a step-time assertion, after the state is made)
                _check_capturable(group, xla=False)
            make = _adadelta_kernel(lr, group["rho"], group["eps"])
            _fused_update(self, group, params, ("square_avg", "acc_delta"), make, 2, group["weight_decay"],
                          group["maximize"])
        return loss


def _adadelta_kernel(lr, rho, eps):
    w = 1 - rho

    def kernel(g, sq, acc, std, delta):
        sq *= rho
        xp.square(g, out=std)
        std *= w
        sq += std
        # sqrt(acc + eps) / sqrt(sq + eps) as one square root of the quotient (within float32 rounding).
        xp.add(sq, eps, out=std)
        xp.add(acc, eps, out=delta)
        delta /= std
        xp.sqrt(delta, out=delta)
        delta *= g
        acc *= rho
        xp.square(delta, out=std)
        std *= w
        acc += std
        delta *= lr
        return delta

    def make(step):
        return kernel

    return make
