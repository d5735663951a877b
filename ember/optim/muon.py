"""Muon: momentum SGD whose update matrix is orthogonalised by a Newton-Schulz iteration."""

import math

from ember._backend import xp
from ember._tensor import Tensor
from ember.optim.adafactor import _lerp_
from ember.optim.optimizer import Optimizer, _scalar, _state_tensor, _zeros

__all__ = ["Muon"]

_NS_COEFFICIENTS = (3.4445, -4.775, 2.0315)


class Muon(Optimizer):
    """Muon (MomentUm Orthogonalized by Newton-Schulz) for 2-D parameters (weight matrices).

    Each step updates a momentum buffer, then replaces the (Nesterov) momentum by an approximately
    orthogonal matrix of the same shape (``ns_steps`` quintic Newton-Schulz iterations with coefficients
    ``ns_coefficients``, computed in bfloat16 precision as PyTorch does), and moves the parameter by
    ``-lr'`` times it, where ``lr'`` is ``lr`` adjusted to the matrix shape ``(A, B)``:
    ``sqrt(max(1, A / B))`` times for ``adjust_lr_fn=None`` or ``"original"``, ``0.2 * sqrt(max(A, B))`` times
    for ``"match_rms_adamw"``. Weight decay is decoupled: the parameter is first multiplied by
    ``1 - lr * weight_decay``.

    Use Muon for the hidden weight matrices and another optimizer (AdamW) for biases, embeddings and norms.

    Args:
        params (iterable): 2-D tensors or parameter-group dicts to optimize.
        lr (float): learning rate (default 1e-3).
        weight_decay (float): decoupled weight decay (default 0.1).
        momentum (float): momentum factor (default 0.95).
        nesterov (bool): use Nesterov momentum (default True).
        ns_coefficients (tuple): the three coefficients ``(a, b, c)`` of the iteration
            ``X <- a X + (b A + c A^2) X`` with ``A = X X^T`` (default ``(3.4445, -4.775, 2.0315)``).
        eps (float): floor of the Frobenius norm the momentum is divided by before iterating (default 1e-7).
        ns_steps (int): number of Newton-Schulz iterations, below 100 (default 5).
        adjust_lr_fn (str, optional): ``"original"`` or ``"match_rms_adamw"`` (default None: ``"original"``).

    Raises:
        ValueError: for a parameter that is not 2-D.

    Example::

        >>> opt = ember.optim.Muon([layer.weight], lr=0.02, momentum=0.95)
        >>> loss_fn(layer(x), y).backward(); opt.step(); opt.zero_grad()
    """

    _sparse_error = "Muon does not support sparse gradients"

    _complex_params_ok = False

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=_NS_COEFFICIENTS, eps=1e-7, ns_steps=5, adjust_lr_fn=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(
                        f"Muon only supports 2D parameters whereas we found a parameter with size: {p.size()}")

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure (callable, optional): re-evaluates the model and returns the loss.
        """
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            momentum = group["momentum"]
            wd = group["weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = p._grad._data
                st = self.state[p]
                if "momentum_buffer" not in st:
                    st["momentum_buffer"] = _state_tensor(_zeros(g))
                if g.ndim != 2:
                    raise ValueError("Param gradient must be a 2D matrix")
                buf = st["momentum_buffer"]._data
                _lerp_(buf, g, 1 - momentum)
                if group["nesterov"]:
                    update = g.astype(buf.dtype, copy=True)
                    _lerp_(update, buf, momentum)
                else:
                    update = buf
                ortho = _newton_schulz(update, group["ns_coefficients"], group["ns_steps"], group["eps"])
                data = p._data
                if ortho.dtype != data.dtype:  # scale a float64 parameter's update in float64, as PyTorch
                    ortho = ortho.astype(data.dtype)
                data *= 1 - lr * wd
                ortho *= _adjust_lr(lr, group["adjust_lr_fn"], data.shape)
                data -= ortho
                p._vc[0] += 1
        return loss


def _adjust_lr(lr, adjust_lr_fn, shape):
    a, b = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, a / b))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(a, b))
    return lr


def _bf16_(x):
    """Round a float32 array to the nearest bfloat16 value (ties to even), in place.

    NumPy has no bfloat16; the value stays float32 with the low 16 mantissa bits cleared. NaNs are kept.
    """
    bits = x.view(xp.uint32)
    nan = xp.isnan(x)
    lsb = bits >> 16
    lsb &= 1
    lsb += 0x7FFF
    bits += lsb
    bits &= xp.uint32(0xFFFF0000)
    if nan.any():
        x[nan] = xp.nan
    return x


def _newton_schulz(m, coefficients, steps, eps):
    """An approximately orthogonal float32 matrix of ``m``'s shape (its singular values pushed towards 1).

    Every intermediate is rounded to bfloat16 (matrix products accumulate in float32 and are rounded once),
    reproducing PyTorch's bfloat16 iteration.
    """
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if m.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = (float(v) for v in coefficients)
    tall = m.shape[0] > m.shape[1]
    x = _bf16_(xp.array(m.T if tall else m, dtype=xp.float32, order="C"))
    flat = x.reshape(-1)
    norm = _bf16_(xp.sqrt(xp.vdot(flat, flat)).reshape(1))[0]
    x /= max(norm, xp.float32(eps))
    _bf16_(x)
    for _ in range(steps):
        gram = _bf16_(x @ x.T)
        # b A + c A @ A, then a X + (that) @ X: each rounded once, as one fused multiply-add GEMM.
        poly = gram @ gram
        poly *= c
        gram *= b
        poly += gram
        _bf16_(poly)
        nxt = poly @ x
        x *= a
        x += nxt
        _bf16_(x)
    return x.T if tall else x
