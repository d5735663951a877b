"""AlexNet (mirrors ``torchvision.models.alexnet``; the one-GPU variant of Krizhevsky's "one weird trick").

Example::

    >>> from ember.vision.models import alexnet
    >>> alexnet(num_classes=10)(ember.randn(1, 3, 64, 64)).shape
    ember.Size([1, 10])
"""

import ember
import ember.nn as nn
from ember.vision.models._api import _REFS, WeightsEnum, _builder, _imagenet, _load_weights, _ovewrite_named_param

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]


class AlexNet(nn.Module):
    """AlexNet: five convolutions with max-pooling (``features``), a 6x6 adaptive average pool and a
    three-layer classifier with dropout.

    Args:
        num_classes: outputs of the last layer (default 1000).
        dropout: dropout probability in the classifier (default 0.5).

    Shape:
        - Input: ``(N, 3, H, W)`` with ``H, W >= 63``; Output: ``(N, num_classes)``.

    Example::

        >>> AlexNet(num_classes=4)(ember.randn(2, 3, 63, 63)).shape
        ember.Size([2, 4])
    """

    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        return self.classifier(ember.flatten(self.avgpool(self.features(x)), 1))


class AlexNet_Weights(WeightsEnum):
    """Pre-trained weights of :func:`alexnet` (``DEFAULT`` is ``IMAGENET1K_V1``)."""

    IMAGENET1K_V1 = _imagenet("alexnet-owt-7be5be79.pth", {"crop_size": 224}, (56.522, 79.066), 0.714, 233.087,
                              _REFS + "#alexnet-and-vgg", num_params=61100840, min_size=(63, 63))
    DEFAULT = IMAGENET1K_V1


@_builder("AlexNet (Krizhevsky 2014, \"One weird trick...\").", AlexNet_Weights, "AlexNet")
def alexnet(*, weights: AlexNet_Weights | None = None, progress=True, **kwargs):
    weights = AlexNet_Weights.verify(weights)
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    return _load_weights(AlexNet(**kwargs), weights, progress)
