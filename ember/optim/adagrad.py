"""Adagrad."""

from ember._backend import xp
from ember.optim.optimizer import (
    Optimizer, _check_fused, _check_lr, _full, _fused_update, _scalar, _state_tensor, _step_tensor,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: per-coordinate learning rates scaled by the accumulated squared gradients.

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): learning rate (default 1e-2).
        lr_decay (float): learning-rate decay (default 0).
        weight_decay (float): L2 penalty (default 0).
        initial_accumulator_value (float): starting value of the squared-gradient sums (default 0).
        eps (float): denominator stabilizer (default 1e-10).
        maximize (bool): maximize the objective (default False).
        foreach, differentiable, fused: accepted for compatibility.

    Example::

        >>> opt = ember.optim.Adagrad(model.parameters(), lr=0.1)
    """

    _scalar_state = ("step",)  # (see Optimizer._scalar_state)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)
        # Adagrad creates its state up front (so the state dict holds it before the first step).
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _step_tensor()
                state["sum"] = _state_tensor(_full(p._data, group["initial_accumulator_value"]))

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
                if "sum" not in st:  # a group added after construction
                    st["step"] = _step_tensor()
                    st["sum"] = _state_tensor(_full(p._data, group["initial_accumulator_value"]))
            make = _adagrad_kernel(lr, group["lr_decay"], group["eps"])
            _fused_update(self, group, params, ("sum",), make, 1, group["weight_decay"], group["maximize"])
        return loss


def _adagrad_kernel(lr, lr_decay, eps):
    def make(step):
        clr = lr / (1 + (step - 1) * lr_decay)

        def kernel(g, acc, tmp):
            xp.square(g, out=tmp)
            acc += tmp
            xp.sqrt(acc, out=tmp)
            tmp += eps
            xp.divide(g, tmp, out=tmp)
            tmp *= clr
            return tmp

        return kernel

    return make
