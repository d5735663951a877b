"""Rprop: resilient backpropagation (sign-based steps with adaptive per-weight sizes)."""

from ember._backend import xp
from ember.optim.optimizer import (
    Optimizer, _check_capturable, _check_lr, _grad, _scalar, _scratch, _state_tensor, _step_tensor,
)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop: move each weight by its own step size, grown while the gradient sign holds and shrunk when it flips.

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): initial step size (default 1e-2).
        etas (tuple): (decrease, increase) factors of the step sizes (default (0.5, 1.2)).
        step_sizes (tuple): (minimal, maximal) step size (default (1e-6, 50)).
        maximize (bool): maximize the objective (default False).
        capturable, foreach, differentiable: accepted for compatibility.

    Example::

        >>> opt = ember.optim.Rprop(model.parameters())
    """

    _sparse_error = "Rprop does not support sparse gradients"

    _scalar_state = ("step",)  # (see Optimizer._scalar_state)

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.
        """
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_min, step_max = group["step_sizes"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                d = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["prev"] = _state_tensor(xp.zeros_like(d))
                    state["step_size"] = _state_tensor(xp.full_like(d, _scalar(group["lr"])))
                if group.get("capturable"):  # (PyTorch: a step-time assertion, after the state is made)
                    _check_capturable(group, xla_foreach=True)
                state["step"]._data += 1
                g, _ = _grad(self, p, group["maximize"], 0)
                prev = state["prev"]._data
                size = state["step_size"]._data
                tmp = _scratch(self, d)
                xp.multiply(g, prev, out=tmp)
                grow = tmp > 0
                flip = tmp < 0
                tmp.fill(1)
                tmp[grow] = etaplus
                tmp[flip] = etaminus
                size *= tmp
                xp.clip(size, step_min, step_max, out=size)
                # After a sign flip the step is skipped and the stored gradient zeroed.
                xp.copyto(prev, g)
                prev[flip] = 0
                xp.sign(prev, out=tmp)
                tmp[tmp != tmp] = 0  # (a NaN gradient leaves the weight unchanged, as PyTorch's sign(NaN) == 0)
                tmp *= size
                d -= tmp
                p._vc[0] += 1
        return loss
