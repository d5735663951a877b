"""AdamW: Adam with decoupled weight decay."""

from ember.optim.adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """AdamW: Adam whose weight decay shrinks the weights directly (``p *= 1 - lr * weight_decay``).

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): learning rate (default 1e-3).
        betas (tuple): decay rates of the moment averages (default (0.9, 0.999)).
        eps (float): denominator stabilizer (default 1e-8).
        weight_decay (float): decoupled weight decay (default 1e-2).
        amsgrad (bool): use the AMSGrad variant (default False).
        maximize (bool): maximize the objective (default False).
        foreach, capturable, differentiable, fused: accepted for compatibility.

    Example::

        >>> opt = ember.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         foreach=foreach, maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused, decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
