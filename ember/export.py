"""``ember.export``: ``torch.export`` needs graph capture, which ember (an eager engine on NumPy) does not have.

:func:`export`, :func:`save` and :func:`load` raise NotImplementedError saying what to do instead (save the
``state_dict`` and rebuild the module in Python), as ``ember.jit.save`` does.

Example::

    >>> ember.export.export(ember.nn.Linear(2, 2), (ember.ones(1, 2),))
    Traceback (most recent call last):
    NotImplementedError: ember.export.export: ...
"""

__all__ = ["export", "load", "save"]

_NO_EXPORT = ("ember has no graph capture (it runs eagerly), so there is no ExportedProgram; save the weights with "
              "ember.save(model.state_dict(), f) and rebuild the module in Python instead.")


def export(mod, args, kwargs=None, *, dynamic_shapes=None, strict=False, preserve_module_call_signature=(),
           prefer_deferred_runtime_asserts_over_guards=False):
    """Not available: raises NotImplementedError (after PyTorch's check that ``mod`` is a module: ValueError).

    Args:
        mod: the ``ember.nn.Module`` to export.
        args: its example positional inputs (a tuple); the other arguments are PyTorch's.
    """
    from ember.nn import Module
    if not isinstance(mod, Module):
        raise ValueError(f"Expected `mod` to be an instance of `torch.nn.Module`, got {type(mod)}.")
    raise NotImplementedError("ember.export.export: " + _NO_EXPORT)


def save(ep, f, *, extra_files=None, opset_version=None, pickle_protocol=2):
    """Not available: raises NotImplementedError (there is no ExportedProgram to save)."""
    raise NotImplementedError("ember.export.save: " + _NO_EXPORT)


def load(f, *, extra_files=None, expected_opset_version=None):
    """Not available: raises NotImplementedError (an exported program holds a graph ember cannot run)."""
    raise NotImplementedError("ember.export.load: " + _NO_EXPORT)
