"""Stochastic gradient descent (with momentum, dampening, Nesterov, weight decay)."""

from ember._backend import xp
from ember._tensor import wrap
from ember.optim import optimizer as _optimizer
from ember.optim.optimizer import (
    Optimizer, _aligned_copy, _check_fused, _check_lr, _fused_update, _grad, _scalar, _scratch,
)

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum.

    Args:
        params (iterable): tensors or parameter-group dicts to optimize.
        lr (float): learning rate (default 1e-3).
        momentum (float): momentum factor (default 0).
        dampening (float): dampening of the momentum (default 0).
        weight_decay (float): L2 penalty (default 0).
        nesterov (bool): use Nesterov momentum (default False).
        maximize (bool): maximize the objective instead of minimizing (default False).
        foreach, differentiable, fused: accepted for compatibility; ember always runs one vectorised
            in-place update per parameter.

    Example::

        >>> opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.
        """
        loss = self._eval_closure(closure)
        chunk = _optimizer._CHUNK
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            momentum = group["momentum"]
            dampening = group["dampening"]
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            wd = group["weight_decay"]
            big = []
            for p in group["params"]:
                if p._grad is None:
                    continue
                if p._grad.is_sparse:  # (nn.Embedding(sparse=True)): updates the looked-up rows only
                    _sparse_step(self, p, lr, momentum, dampening, nesterov, maximize, wd)
                    continue
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is not None and p._data.size > chunk:
                        big.append(p)  # larger than the cache: updated block by block below
                        continue
                elif p._data.size > chunk:
                    big.append(p)
                    continue
                # Few passes over an array that fits in the cache: plain whole-array updates.
                g, owned = _grad(self, p, maximize, wd)
                if momentum != 0:
                    if buf is None:
                        b = _aligned_copy(g, g.dtype)
                        state["momentum_buffer"] = wrap(b)
                    else:
                        b = buf._data
                        b *= momentum
                        if dampening == 0:
                            b += g
                        else:
                            tmp = _scratch(self, b, 0)
                            xp.multiply(g, 1 - dampening, out=tmp)
                            b += tmp
                    if nesterov:
                        # g + momentum * buf, written into g's work buffer when g is one
                        out = g if owned else _scratch(self, b, 0)
                        tmp = _scratch(self, b, 1)
                        xp.multiply(b, momentum, out=tmp)
                        xp.add(g, tmp, out=out)
                        g, owned = out, True
                    else:
                        g, owned = b, False
                if owned:
                    g *= lr
                    p._data -= g
                else:
                    tmp = _scratch(self, g, 0)
                    xp.multiply(g, lr, out=tmp)
                    p._data -= tmp
                p._vc[0] += 1
            if big:
                make = _sgd_kernel(lr, momentum, dampening, nesterov)
                _fused_update(self, group, big, ("momentum_buffer",) if momentum != 0 else (), make, 1, wd, maximize,
                              counted=False)
        return loss


def _sparse_step(opt, p, lr, momentum, dampening, nesterov, maximize, wd):
    """One SGD step for a sparse COO ``p.grad``, PyTorch's way: a sparse momentum buffer (entries concatenated),
    the parameter changed at the gradient's (or buffer's) entries only."""
    if wd != 0:  # (PyTorch's message: it adds the dense parameter to the sparse gradient)
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
    g = p._grad.detach()
    if maximize:
        g = -g
    if momentum != 0:
        state = opt.state[p]
        buf = state.get("momentum_buffer")
        buf = g.clone() if buf is None else buf * momentum + (g * (1 - dampening) if dampening else g)
        state["momentum_buffer"] = buf
        g = g + buf * momentum if nesterov else buf
    idx, vals = g._indices()._data, g._values()._data
    if vals.size:
        xp.add.at(p._data, tuple(idx), vals * xp.asarray(-lr, dtype=vals.dtype))
    p._vc[0] += 1


def _sgd_kernel(lr, momentum, dampening, nesterov):
    def kernel(g, *arrays):
        tmp = arrays[-1]
        if momentum != 0:
            b = arrays[0]
            b *= momentum
            if dampening == 0:
                b += g
            else:
                xp.multiply(g, 1 - dampening, out=tmp)
                b += tmp
            if nesterov:
                xp.multiply(b, momentum, out=tmp)
                xp.add(g, tmp, out=tmp)
                g = tmp
            else:
                g = b
        xp.multiply(g, lr, out=tmp)
        return tmp

    def make(step):
        return kernel

    return make
