"""SparseAdam: Adam for sparse gradients (ember has no sparse tensors; see the class docstring)."""

from ember._tensor import Tensor
from ember.optim.optimizer import Optimizer, _check_betas

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """Adam restricted to the entries present in sparse gradients (as from ``nn.Embedding(sparse=True)``).

    ember has no sparse tensors, so every gradient is dense, and like PyTorch for a dense gradient, ``step()``
    raises ``RuntimeError`` for any parameter that has a gradient (parameters without one are skipped). The
    class exists so that code constructing it, saving and loading its state, or printing it, runs unchanged;
    use :class:`ember.optim.Adam` to train.

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): learning rate, > 0 (default 1e-3).
        betas (tuple): decay rates of the first and second moment averages (default (0.9, 0.999)).
        eps (float): added to the denominator, > 0 (default 1e-8).
        maximize (bool): maximize the objective (default False).

    Example::

        >>> opt = ember.optim.SparseAdam(model.parameters(), lr=1e-3)
        >>> loss.backward(); opt.step()   # doctest: +SKIP
        RuntimeError: SparseAdam does not support dense gradients, please consider Adam instead
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
        """Perform one optimization step: raises ``RuntimeError`` when any parameter has a (dense) gradient.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.
        """
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is not None:
                    raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
        return loss
