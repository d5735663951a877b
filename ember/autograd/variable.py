"""``ember.autograd.Variable``: the legacy (pre-0.4) wrapper, kept as PyTorch keeps it."""

import warnings

from ember._tensor import Tensor, wrap

__all__ = ["Variable"]


class VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=VariableMeta):
    """Legacy alias: ``Variable(tensor, requires_grad=False)`` returns a plain :class:`ember.Tensor` sharing
    ``tensor``'s data, detached from its graph, with the given ``requires_grad``.

    Tensors have carried autograd state themselves since PyTorch 0.4; new code should use tensors directly
    (``x.detach().requires_grad_()``). ``isinstance(t, Variable)`` is True for every tensor.

    Args:
        data (Tensor, optional): the tensor to wrap (default: an empty float tensor).
        requires_grad (bool): whether the result requires grad (default False).
        volatile (bool): no effect (warns when True); use ``ember.no_grad()``.

    Example::

        >>> v = ember.autograd.Variable(ember.ones(2), requires_grad=True)
        >>> type(v), v.requires_grad
        (<class 'ember.Tensor'>, True)
    """

    def __new__(cls, data=None, requires_grad=False, volatile=False, _grad_fn=None, name=None):
        if data is None:
            from ember._functions import tensor
            data = tensor([])
        elif not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with ember.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        if _grad_fn is not None:
            raise TypeError(f"_grad_fn has to be a Function object or None, but got {type(_grad_fn).__name__}")
        out = wrap(data._data, vc=data._vc)
        if requires_grad:
            if data._data.dtype.kind not in "fVc":  # the constructor's message, not requires_grad_()'s
                raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
            out.requires_grad_(True)
        return out
