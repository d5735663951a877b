"""Adam (and, with ``decoupled_weight_decay=True``, AdamW)."""

from ember._backend import xp
from ember.optim.optimizer import (
    Optimizer, _check_betas, _check_capturable, _check_fused, _check_lr, _check_tensor_betas, _fused_update, _scalar,
    _state_tensor, _step_tensor, _zeros,
)
from ember._tensor import Tensor

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

    _sparse_error = "Adam does not support sparse gradients, please consider SparseAdam instead"

    _scalar_state = ("step",)  # (see Optimizer._scalar_state)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        _check_tensor_betas(betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

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
            params = [p for p in group["params"] if p._grad is not None]
            if not params:
                continue
            lr = group["lr"]
            if isinstance(lr, Tensor) and group["foreach"] and not group["capturable"]:
                raise RuntimeError("lr as a Tensor is not supported for capturable=False and foreach=True")
            lr = _scalar(lr)
            beta1, beta2 = (_scalar(b) for b in group["betas"])
            eps = group["eps"]
            wd = group["weight_decay"]
            amsgrad = group["amsgrad"]
            decoupled = group["decoupled_weight_decay"]
            state = self.state
            for p in params:
                st = state[p]
                if len(st) == 0:
                    d = p._data
                    st["step"] = _step_tensor()
                    st["exp_avg"] = _state_tensor(_zeros(d))
                    st["exp_avg_sq"] = _state_tensor(_zeros(d))
                    if amsgrad:
                        st["max_exp_avg_sq"] = _state_tensor(_zeros(d))
            if group["capturable"]:
                _check_capturable(group)
            decay = 1 - lr * wd if wd != 0 and decoupled else 1.0
            keys = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if amsgrad else ("exp_avg", "exp_avg_sq")
            make = _adam_kernel(lr, beta1, beta2, eps, amsgrad)
            _fused_update(self, group, params, keys, make, 1, 0 if decoupled else wd, group["maximize"],
                          decay=decay)
        return loss


def _adam_kernel(lr, beta1, beta2, eps, amsgrad):
    w1, w2 = 1 - beta1, 1 - beta2

    def make(step):
        bias_correction1 = 1 - beta1 ** step
        c = (1 - beta2 ** step) ** 0.5
        # m / (sqrt(v) / c + eps) * lr / bc1 == m / (sqrt(v) + eps * c) * (lr * c / bc1): two passes fewer.
        eps_c = eps * c
        step_size = lr * c / bias_correction1

        def kernel(g, m, v, *rest):
            tmp = rest[-1]
            # m <- lerp(m, g, 1 - beta1)
            xp.subtract(g, m, out=tmp)
            tmp *= w1
            m += tmp
            # v <- beta2 * v + (1 - beta2) * g * g
            v *= beta2
            xp.square(g, out=tmp)
            tmp *= w2
            v += tmp
            if amsgrad:
                vmax = rest[0]
                xp.maximum(vmax, v, out=vmax)
                xp.sqrt(vmax, out=tmp)
            else:
                xp.sqrt(v, out=tmp)
            tmp += eps_c
            xp.divide(m, tmp, out=tmp)
            tmp *= step_size
            return tmp

        return kernel

    return make
