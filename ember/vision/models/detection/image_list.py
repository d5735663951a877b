"""A batch of padded images with their sizes before padding (mirrors
``torchvision.models.detection.image_list``)."""

__all__ = ["ImageList"]


class ImageList:
    """Images of different sizes padded into one batch tensor, keeping each image's own size.

    Args:
        tensors: the padded batch ``(N, C, H, W)``.
        image_sizes: ``(h, w)`` of each image before padding.

    Example::

        >>> il = ImageList(ember.zeros(2, 3, 32, 32), [(30, 28), (32, 20)])
        >>> il.image_sizes[1]
        (32, 20)
    """

    def __init__(self, tensors, image_sizes):
        self.tensors = tensors
        self.image_sizes = image_sizes

    def to(self, device):
        """The same images with the batch tensor moved to ``device``."""
        return ImageList(self.tensors.to(device), self.image_sizes)
