"""``ember.onnx``: ONNX export needs graph capture, which ember (an eager engine on NumPy) does not have.

:func:`export` raises :class:`OnnxExporterError` (PyTorch's error class for a failed export, a RuntimeError);
:func:`is_in_onnx_export` is False.

Example::

    >>> ember.onnx.is_in_onnx_export()
    False
"""

__all__ = ["OnnxExporterError", "export", "is_in_onnx_export"]


class OnnxExporterError(RuntimeError):
    """Raised when a model cannot be exported to ONNX (always, in ember)."""


def export(model, args=(), f=None, *, kwargs=None, verbose=None, input_names=None, output_names=None,
           opset_version=None, dynamo=True, external_data=True, dynamic_shapes=None, **options):
    """Not available: raises :class:`OnnxExporterError`.

    Args:
        model: the module to export; ``args``/``kwargs``: its example inputs; ``f``: the file. The other
            arguments are PyTorch's.
    """
    raise OnnxExporterError("ember.onnx.export: ember has no graph capture (it runs eagerly), so it cannot export "
                            "to ONNX; save the weights with ember.save(model.state_dict(), f), load them into PyTorch "
                            "(safetensors.torch.load_file reads that file) and export from there.")


def is_in_onnx_export():
    """False: no ONNX export is ever running."""
    return False
