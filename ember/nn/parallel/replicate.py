"""``replicate`` (``torch.nn.parallel.replicate``): copies of a module for ``DataParallel``'s devices."""

__all__ = ["replicate"]


def replicate(network, devices, detach=False):
    """One copy of ``network`` per device of ``devices``.

    Copying parameters to an accelerator needs one: ember has none, so any device raises ``AssertionError``, as
    PyTorch's CPU build does; no devices gives ``[]``.
    """
    if not devices:
        return []
    raise AssertionError("Broadcast function not implemented for CPU tensors")
