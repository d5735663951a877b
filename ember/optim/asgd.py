"""ASGD: averaged stochastic gradient descent."""

from ember._backend import xp
from ember.optim.optimizer import Optimizer, _check_capturable, _check_lr, _grad, _scalar, _state_tensor, _step_tensor

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD: SGD with a decaying step size that also keeps a running average of the weights (``ax``).

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): learning rate (default 1e-2).
        lambd (float): decay term (default 1e-4).
        alpha (float): power of the eta update (default 0.75).
        t0 (float): step at which averaging starts (default 1e6).
        weight_decay (float): L2 penalty (default 0).
        maximize (bool): maximize the objective (default False).
        foreach, differentiable, capturable: accepted for compatibility.

    Example::

        >>> opt = ember.optim.ASGD(model.parameters(), lr=0.01)
    """

    _sparse_error = "ASGD does not support sparse gradients"

    _scalar_state = ("step", "eta", "mu")  # (see Optimizer._scalar_state)

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
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
            lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                d = p._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _step_tensor()
                    state["eta"] = _step_tensor(lr)
                    state["mu"] = _step_tensor(1.0)
                    state["ax"] = _state_tensor(xp.zeros_like(d))
                if group.get("capturable"):  # (PyTorch: a step-time assertion, after the state is made)
                    _check_capturable(group, what="params, mus, etas, and state_steps")
                step_arr = state["step"]._data
                step_arr += 1
                g, _ = _grad(self, p, group["maximize"], group["weight_decay"])
                eta_arr, mu_arr = state["eta"]._data, state["mu"]._data
                eta = float(eta_arr)
                d *= 1 - lambd * eta
                d -= xp.multiply(g, eta)
                ax = state["ax"]._data
                mu = float(mu_arr)
                if mu != 1:
                    diff = xp.subtract(d, ax)
                    diff *= mu_arr
                    ax += diff
                else:
                    xp.copyto(ax, d)
                step = float(step_arr)
                # eta and mu stay float32 0-d tensors, as in PyTorch.
                eta_arr[...] = lr / (1 + lambd * lr * step) ** alpha
                mu_arr[...] = 1 / max(1, step - t0)
                p._vc[0] += 1
        return loss
