"""Fold an eval-mode BatchNorm into the convolution or linear layer before it, as ``torch.nn.utils.fusion``.

For inference the pair ``bn(conv(x))`` equals one convolution with rescaled weights and a shifted bias:
``w' = w * gamma / sqrt(running_var + eps)`` per output channel and
``b' = (b - running_mean) * gamma / sqrt(running_var + eps) + beta``.

Example::

    >>> model.eval()
    >>> fused = ember.nn.utils.fuse_conv_bn_eval(model.conv1, model.bn1)   # then drop bn1
"""

import copy

import ember
from ember.nn.parameter import Parameter


def _bn_scale_shift(bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """Per-channel ``scale`` and ``shift`` of an eval-mode BatchNorm (missing affine terms are 1 and 0)."""
    if bn_w is None:
        bn_w = ember.ones_like(bn_rm)
    if bn_b is None:
        bn_b = ember.zeros_like(bn_rm)
    scale = bn_w * ember.rsqrt(bn_rv + bn_eps)
    return scale, bn_b - bn_rm * scale


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """The weight and bias of one convolution equal to ``bn(conv(x))`` for an eval-mode BatchNorm.

    Args:
        conv_w, conv_b: the convolution's weight and bias (``conv_b`` may be None).
        bn_rm, bn_rv, bn_eps, bn_w, bn_b: the BatchNorm's running mean/variance, eps, weight and bias
            (``bn_w``/``bn_b`` may be None).
        transpose (bool): the weight is a transposed convolution's ``(C_in, C_out / groups, *k)``.

    Returns:
        ``(Parameter, Parameter)``: the fused weight and bias, with the ``requires_grad`` of the originals.
    """
    dtype = conv_w.dtype
    if conv_b is None:
        conv_b = ember.zeros_like(bn_rm)
    scale, shift = _bn_scale_shift(bn_rm, bn_rv, bn_eps, bn_w, bn_b)
    shape = [1] * conv_w.ndim
    shape[1 if transpose else 0] = -1
    with ember.no_grad():
        weight = (conv_w * scale.reshape(shape)).to(dtype)
        bias = (conv_b * scale + shift).to(dtype)
    return Parameter(weight, conv_w.requires_grad), Parameter(bias, conv_b.requires_grad)


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """A new convolution module equal to ``bn(conv(x))``; both modules must be in eval mode.

    Args:
        conv: a ``Conv{1,2,3}d`` (or, with ``transpose=True``, a ``ConvTranspose{1,2,3}d``).
        bn: a ``BatchNorm{1,2,3}d`` with running statistics.
        transpose (bool): ``conv`` is a transposed convolution.
    """
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """The weight and bias of one linear layer equal to ``bn(linear(x))`` for an eval-mode BatchNorm
    (a BatchNorm over one feature broadcasts to all outputs). Arguments as :func:`fuse_conv_bn_weights`."""
    if linear_b is None:
        linear_b = ember.zeros_like(bn_rm)
    scale, shift = _bn_scale_shift(bn_rm, bn_rv, bn_eps, bn_w, bn_b)
    with ember.no_grad():
        weight = linear_w * scale.unsqueeze(-1)
        bias = linear_b * scale + shift
    return Parameter(weight, linear_w.requires_grad), Parameter(bias, linear_b.requires_grad)


def fuse_linear_bn_eval(linear, bn):
    """A new ``Linear`` equal to ``bn(linear(x))``; both modules must be in eval mode and the BatchNorm's
    features must match ``linear.out_features`` (or be 1)."""
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if not (linear.out_features == bn.num_features or bn.num_features == 1):
        raise AssertionError("To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
                             f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features}")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                      bn.eps, bn.weight, bn.bias)
    return fused
