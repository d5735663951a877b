"""Models for small image classification (``ember.vision.models``, like ``torchvision.models``).

Example::

    >>> from ember.vision.models import LeNet5, get_model
    >>> net = get_model("lenet5")
"""

from ember.vision.models.lenet import LeNet5, lenet5
from ember.vision.models.mlp import MLP, mlp
from ember.vision.models.mnist_cnn import MnistCNN, mnist_cnn

__all__ = ["LeNet5", "MLP", "MnistCNN", "lenet5", "mlp", "mnist_cnn", "get_model", "list_models"]

_MODELS = {"lenet5": LeNet5, "mlp": MLP, "mnist-cnn": MnistCNN}
_ALIASES = {"lenet": "lenet5", "lenet-5": "lenet5", "mnist_cnn": "mnist-cnn", "mnistcnn": "mnist-cnn",
            "cnn": "mnist-cnn"}


def list_models():
    """The names :func:`get_model` accepts."""
    return list(_MODELS)


def get_model(name, **kwargs):
    """Build a model by name (``"lenet5"``, ``"mlp"``, ``"mnist-cnn"``); ``kwargs`` go to its constructor.

    Raises:
        ValueError: an unknown name (the message lists the valid ones).
    """
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    if key not in _MODELS:
        raise ValueError(f"Unknown model {name!r}; choose from: {', '.join(_MODELS)}")
    return _MODELS[key](**kwargs)


def canonical_name(name):
    """The canonical spelling of a model name (``"LeNet-5"`` -> ``"lenet5"``), or ``None`` if unknown."""
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    return key if key in _MODELS else None
