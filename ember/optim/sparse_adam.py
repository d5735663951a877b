"""SparseAdam: Adam for sparse gradients, updating only the rows a sparse gradient holds."""

import math

from ember._backend import xp
from ember._tensor import Tensor, wrap
from ember.optim.optimizer import Optimizer, _check_betas, _scalar

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """Adam restricted to the entries present in sparse gradients (as from ``nn.Embedding(sparse=True)``).

    Each step coalesces the sparse gradient and updates the moment averages and the parameter at its entries
    only (the other entries keep their moments: a lazy Adam). A dense gradient raises ``RuntimeError``, as in
    PyTorch; use :class:`ember.optim.Adam` for those parameters.

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): learning rate, > 0 (default 1e-3).
        betas (tuple): decay rates of the first and second moment averages (default (0.9, 0.999)).
        eps (float): added to the denominator, > 0 (default 1e-8).
        maximize (bool): maximize the objective (default False).

    Example::

        >>> emb = ember.nn.Embedding(10, 3, sparse=True)
        >>> opt = ember.optim.SparseAdam(emb.parameters(), lr=1e-3)
        >>> emb(ember.tensor([1, 4])).sum().backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, maximize=maximize)
        super().__init__(params, defaults)
        where = [[g, i] for g, group in enumerate(self.param_groups) for i, p in enumerate(group["params"])
                 if p._data.dtype.kind == "c"]
        if where:
            raise ValueError(f"Complex params at indices {where}: SparseAdam does not support complex parameters")

    def step(self, closure=None):
        """Perform one optimization step (raises ``RuntimeError`` for a parameter with a dense gradient).

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.
        """
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            beta1, beta2 = group["betas"]
            eps, maximize = group["eps"], group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                if not p._grad.is_sparse:
                    raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = wrap(xp.zeros_like(p._data))
                    state["exp_avg_sq"] = wrap(xp.zeros_like(p._data))
                state["step"] += 1
                g = p._grad.detach().coalesce()
                vals = g._values()._data
                if vals.size == 0:  # nothing looked up: nothing moves
                    continue
                if maximize:
                    vals = -vals
                at = tuple(g._indices()._data)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                dt = vals.dtype.type
                # Moving averages at the gradient's rows (old + (1 - beta) * (new - old)); others untouched.
                m_old, v_old = m._data[at], v._data[at]
                m_new = m_old + (vals - m_old) * dt(1 - beta1)
                v_new = v_old + (vals * vals - v_old) * dt(1 - beta2)
                m._data[at] = m_new
                v._data[at] = v_new
                step = state["step"]
                step_size = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
                p._data[at] -= dt(step_size) * (m_new / (xp.sqrt(v_new) + dt(eps)))
                m._vc[0] += 1
                v._vc[0] += 1
                p._vc[0] += 1
        return loss
