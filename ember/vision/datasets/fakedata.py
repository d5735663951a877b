"""``FakeData``: random images, reproducible per index (for smoke tests and benchmarks)."""

import numpy as np

from ember.vision.datasets import vision
from ember.vision.datasets.vision import VisionDataset


class FakeData(VisionDataset):
    """Random normal images converted to PIL images, with random int labels; item ``i`` is always the same.

    Each item seeds ember's global generator with ``index + random_offset`` and restores its state afterwards,
    so reading items never disturbs other random draws. (ember's generator repeats PyTorch's CPU stream, so the
    images and labels are torchvision's ``FakeData``'s.)

    Args:
        size: the number of items.
        image_size: ``(C, H, W)`` of the generated images (C: 1 gives mode "L", 3 "RGB").
        num_classes: labels are drawn from ``[0, num_classes)``.
        transform: applied to the image (a PIL image, or the uint8 ``[H, W(, C)]`` array without pillow).
        target_transform: applied to the label (a 0-d int64 tensor); the result's ``.item()`` is returned.
        random_offset: added to the index to form each item's seed.

    Example::

        >>> ds = FakeData(size=8, image_size=(3, 32, 32), transform=transforms.ToTensor())
        >>> img, label = ds[0]
        >>> img.shape
        ember.Size([3, 32, 32])
    """

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, target_transform=None,
                 random_offset=0):
        super().__init__(transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index):
        """(image, label) generated from the seed ``index + random_offset``."""
        import ember
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        state = ember.get_rng_state()
        try:
            ember.manual_seed(index + self.random_offset)
            img = ember.randn(*self.image_size)
            target = ember.randint(0, self.num_classes, size=(1,), dtype=ember.long)[0]
        finally:
            ember.set_rng_state(state)
        if vision._pil_module() is not None:
            from ember.vision.transforms import ToPILImage
            img = ToPILImage()(img)
        else:  # the uint8 array the PIL image would hold
            arr = (img.numpy() * 255).astype(np.uint8)
            arr = arr.transpose(1, 2, 0) if arr.ndim == 3 else arr
            img = np.ascontiguousarray(arr[:, :, 0] if arr.ndim == 3 and arr.shape[2] == 1 else arr)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target.item()

    def __len__(self):
        return self.size
