"""LeNet-5, laid out as in the PyTorch tutorials."""

import ember.nn as nn
import ember.nn.functional as F

__all__ = ["LeNet5", "lenet5"]


class LeNet5(nn.Module):
    """LeNet-5 for 1x32x32 images (MNIST zero-padded by 2): the PyTorch tutorials' network.

    ``conv1`` 1->6 5x5, ReLU, 2x2 max-pool, ``conv2`` 6->16 5x5, ReLU, 2x2 max-pool, ``fc1`` 400->120,
    ``fc2`` 120->84, ``fc3`` 84->``num_classes``; returns logits. The state_dict keys (``conv1.weight`` ...)
    match the tutorial's, so checkpoints load into the equivalent PyTorch module.

    Args:
        num_classes: number of outputs (default 10).
        in_channels: input channels (default 1).

    Example::

        >>> net = LeNet5()
        >>> net(ember.randn(8, 1, 32, 32)).shape
        ember.Size([8, 10])
    """

    input_size = (1, 32, 32)

    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def lenet5(num_classes=10, **kwargs):
    """A fresh :class:`LeNet5`."""
    return LeNet5(num_classes=num_classes, **kwargs)
