"""Convert the weights of convolution layers to a memory format (``channels_last`` and friends)."""

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def _convert(module, memory_format, classes):
    if isinstance(module, classes):
        # the parameter keeps its identity (optimizers holding it are unaffected); only its layout changes
        module.weight.data = module.weight.detach().clone(memory_format=memory_format)
    for child in module.children():
        _convert(child, memory_format, classes)
    return module


def convert_conv2d_weight_memory_format(module, memory_format):
    """Give the weight of every ``Conv2d`` and ``ConvTranspose2d`` in ``module`` (itself included) the layout
    ``memory_format``; values and shapes are unchanged. Returns ``module``.

    Args:
        module: a module; its children are converted recursively.
        memory_format: e.g. ``ember.channels_last`` or ``ember.contiguous_format``.

    Example::

        >>> net = nn.Sequential(nn.Conv2d(8, 4, 3), nn.ReLU())
        >>> net = nn.utils.convert_conv2d_weight_memory_format(net, ember.channels_last)
        >>> net[0].weight.is_contiguous(memory_format=ember.channels_last)
        True
    """
    from ember.nn.modules.conv import Conv2d, ConvTranspose2d

    return _convert(module, memory_format, (Conv2d, ConvTranspose2d))


def convert_conv3d_weight_memory_format(module, memory_format):
    """Give the weight of every ``Conv3d`` and ``ConvTranspose3d`` in ``module`` (itself included) the layout
    ``memory_format`` (e.g. ``ember.channels_last_3d``); values and shapes are unchanged. Returns ``module``.

    Example::

        >>> net = nn.utils.convert_conv3d_weight_memory_format(nn.Conv3d(2, 2, 2), ember.channels_last_3d)
    """
    from ember.nn.modules.conv import Conv3d, ConvTranspose3d

    return _convert(module, memory_format, (Conv3d, ConvTranspose3d))
