"""Helpers shared by the model families (mirrors ``torchvision.models._utils``)."""

from collections import OrderedDict

from ember import nn

__all__ = ["IntermediateLayerGetter"]


def _stage_ends(features):
    """Indices into MobileNetV3's ``features`` that close a resolution stage: the stem, each block before a
    strided one, and the last layer."""
    return [0] + [i for i, b in enumerate(features) if getattr(b, "_is_cn", False)] + [len(features) - 1]



class IntermediateLayerGetter(nn.ModuleDict):
    """Run a model's direct children in order and return the outputs of some of them.

    The wrapper keeps the children of ``model`` up to the last one named in ``return_layers`` (later ones are
    dropped), so it only works for models whose ``forward`` applies their children in registration order.

    Args:
        model: the model whose children to run.
        return_layers: ``{child name: output key}``; the output dict holds those children's outputs under the keys.

    Shapes:
        ``forward(x)`` returns an ``OrderedDict`` of the selected children's outputs, in the children's order.

    Example::

        >>> from ember.vision.models import resnet18
        >>> body = IntermediateLayerGetter(resnet18(), {"layer2": "feat2", "layer4": "out"})
        >>> [k for k in body(ember.randn(1, 3, 64, 64))]
        ['feat2', 'out']
    """

    _version = 2
    __annotations__ = {"return_layers": dict}

    def __init__(self, model, return_layers):
        names = [name for name, _ in model.named_children()]
        if not set(return_layers).issubset(names):
            raise ValueError("return_layers are not present in model")
        wanted = {str(k): str(v) for k, v in return_layers.items()}
        layers = OrderedDict()
        for name, child in model.named_children():
            layers[name] = child
            wanted.pop(name, None)
            if not wanted:  # everything after the last requested child is never run
                break
        super().__init__(layers)
        self.return_layers = {str(k): str(v) for k, v in return_layers.items()}

    def forward(self, x):
        out = OrderedDict()
        for name, module in self.items():
            x = module(x)
            if name in self.return_layers:
                out[self.return_layers[name]] = x
        return out
