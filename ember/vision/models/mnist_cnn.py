"""The classic PyTorch MNIST example network."""

import ember.nn as nn
import ember.nn.functional as F

__all__ = ["MnistCNN", "mnist_cnn"]


class MnistCNN(nn.Module):
    """The classic MNIST example CNN for 1x28x28 images; returns logits.

    ``conv1`` 1->32 3x3, ReLU, ``conv2`` 32->64 3x3, ReLU, 2x2 max-pool, ``dropout1`` (0.25), flatten,
    ``fc1`` 9216->128, ReLU, ``dropout2`` (0.5), ``fc2`` 128->``num_classes``. (The original example ends
    with ``log_softmax``; this one returns logits for ``cross_entropy``.)

    Example::

        >>> net = MnistCNN()
        >>> net(ember.randn(2, 1, 28, 28)).shape
        ember.Size([2, 10])
    """

    input_size = (1, 28, 28)

    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return self.fc2(x)


def mnist_cnn(num_classes=10, **kwargs):
    """A fresh :class:`MnistCNN`."""
    return MnistCNN(num_classes=num_classes, **kwargs)
