"""RMSprop."""

from ember._backend import xp
from ember.optim.optimizer import (
    Optimizer, _check_capturable, _check_lr, _fused_update, _scalar, _state_tensor, _step_tensor, _zeros,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): learning rate (default 1e-2).
        alpha (float): smoothing constant of the squared-gradient average (default 0.99).
        eps (float): denominator stabilizer (default 1e-8).
        weight_decay (float): L2 penalty (default 0).
        momentum (float): momentum factor (default 0).
        centered (bool): normalize by an estimate of the gradient's variance (default False).
        maximize (bool): maximize the objective (default False).
        capturable, foreach, differentiable: accepted for compatibility.

    Example::

        >>> opt = ember.optim.RMSprop(model.parameters(), lr=1e-3, momentum=0.9)
    """

    _sparse_error = "RMSprop does not support sparse gradients"

    _scalar_state = ("step",)  # (see Optimizer._scalar_state)

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
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
            momentum = group["momentum"]
            centered = group["centered"]
            state = self.state
            for p in params:
                st = state[p]
                if len(st) == 0:
                    d = p._data
                    st["step"] = _step_tensor()
                    st["square_avg"] = _state_tensor(_zeros(d))
                    if momentum > 0:
                        st["momentum_buffer"] = _state_tensor(_zeros(d))
                    if centered:
                        st["grad_avg"] = _state_tensor(_zeros(d))
            if group.get("capturable"):  # (PyTorch: a step-time assertion, after the state is made)
                _check_capturable(group, xla_foreach=True)
            keys = ("square_avg",) + (("momentum_buffer",) if momentum > 0 else ()) + (
                ("grad_avg",) if centered else ())
            make = _rmsprop_kernel(lr, group["alpha"], group["eps"], momentum, centered)
            _fused_update(self, group, params, keys, make, 1, group["weight_decay"], group["maximize"])
        return loss


def _rmsprop_kernel(lr, alpha, eps, momentum, centered):
    w = 1 - alpha

    def kernel(g, sq, *rest):
        tmp = rest[-1]
        sq *= alpha
        xp.square(g, out=tmp)
        tmp *= w
        sq += tmp
        if centered:
            ga = rest[-2]
            xp.subtract(g, ga, out=tmp)
            tmp *= w
            ga += tmp
            xp.square(ga, out=tmp)
            xp.subtract(sq, tmp, out=tmp)
            xp.sqrt(tmp, out=tmp)
        else:
            xp.sqrt(sq, out=tmp)
        tmp += eps
        xp.divide(g, tmp, out=tmp)
        if momentum > 0:
            buf = rest[0]
            buf *= momentum
            buf += tmp
            xp.multiply(buf, lr, out=tmp)
        else:
            tmp *= lr
        return tmp

    def make(step):
        return kernel

    return make
