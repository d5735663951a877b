"""A multi-layer perceptron for flattened images."""

import ember.nn as nn

__all__ = ["MLP", "mlp"]


class MLP(nn.Module):
    """Flatten, then ``Linear -> ReLU (-> Dropout)`` per hidden layer, then a ``Linear`` to the logits.

    Args:
        in_features: input size after flattening (default 784, a 28x28 image).
        hidden_sizes: widths of the hidden layers (default ``(256, 128)``).
        num_classes: number of outputs (default 10).
        dropout: dropout probability after each hidden layer (default 0: none).

    The layers live in ``self.layers`` (an ``nn.Sequential``), so keys read ``layers.1.weight`` ...

    Example::

        >>> net = MLP(hidden_sizes=(64,))
        >>> net(ember.randn(8, 1, 28, 28)).shape
        ember.Size([8, 10])
    """

    input_size = (1, 28, 28)

    def __init__(self, in_features=784, hidden_sizes=(256, 128), num_classes=10, dropout=0.0):
        super().__init__()
        layers = [nn.Flatten()]
        width = in_features
        for h in hidden_sizes:
            layers += [nn.Linear(width, h), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


def mlp(num_classes=10, **kwargs):
    """A fresh :class:`MLP`."""
    return MLP(num_classes=num_classes, **kwargs)
