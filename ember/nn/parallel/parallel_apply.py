"""``parallel_apply`` (``torch.nn.parallel.parallel_apply``): run module replicas on their devices in threads."""

__all__ = ["parallel_apply"]


def parallel_apply(modules, inputs, kwargs_tup=None, devices=None):
    """Call ``modules[i](*inputs[i], **kwargs_tup[i])`` on accelerator ``devices[i]`` for each ``i``.

    It needs an accelerator: ember has none, so it raises PyTorch's CPU-build errors (``AssertionError`` for no
    modules, ``RuntimeError`` otherwise), after the same argument checks.
    """
    from ember.cuda import _device_index

    for what, seq in (("inputs", inputs), ("kwargs_tup", kwargs_tup), ("devices", devices)):
        if seq is not None and len(modules) != len(seq):
            raise AssertionError(f"The number of modules {len(modules)} is not equal to the number of {what} "
                                 f"{len(seq)}")
    for d in devices or ():
        _device_index(d, optional=True)  # (rejects a non-CUDA device, as PyTorch)
    if not modules:
        raise AssertionError("No available accelerator found.")
    raise RuntimeError("Cannot access accelerator device when none is available.")
