"""``VisionDataset``: the base of the image datasets (root, transforms, repr)."""

import os

import numpy as np

from ember._tensor import wrap
from ember.utils.data import Dataset


class StandardTransform:
    """Applies ``transform`` to the input and ``target_transform`` to the target."""

    def __init__(self, transform=None, target_transform=None):
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, input, target):
        if self.transform is not None:
            input = self.transform(input)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return input, target

    @staticmethod
    def _format(transform, head):
        lines = repr(transform).splitlines()
        return [f"{head}{lines[0]}"] + ["{}{}".format(" " * len(head), line) for line in lines[1:]]

    def __repr__(self):
        body = [self.__class__.__name__]
        if self.transform is not None:
            body += self._format(self.transform, "Transform: ")
        if self.target_transform is not None:
            body += self._format(self.target_transform, "Target transform: ")
        return "\n".join(body)


class VisionDataset(Dataset):
    """Base class of image datasets: stores ``root``, ``transform``, ``target_transform``.

    Args:
        root: the dataset folder.
        transforms: a callable on (input, target) (exclusive with the two below).
        transform: applied to the input.
        target_transform: applied to the target.

    Example::

        >>> class MyData(VisionDataset):
        ...     def __getitem__(self, i): ...
    """

    _repr_indent = 4

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        if isinstance(root, str):
            root = os.path.expanduser(root)
        self.root = root
        has_transforms = transforms is not None
        has_separate = transform is not None or target_transform is not None
        if has_transforms and has_separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform = transform
        self.target_transform = target_transform
        if has_separate:
            transforms = StandardTransform(transform, target_transform)
        self.transforms = transforms

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def extra_repr(self):
        return ""

    def __repr__(self):
        head = "Dataset " + self.__class__.__name__
        body = [f"Number of datapoints: {self.__len__()}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if self.transforms is not None:
            body += [repr(self.transforms)]
        return "\n".join([head] + [" " * self._repr_indent + line for line in body])


class _LoadedImageItems:
    """Mixin for datasets that keep one image path per sample in ``_image_files``, its int label in ``_labels``
    and the image reader in ``loader``: gives ``__len__`` and ``__getitem__``. List it before ``VisionDataset``."""

    def __len__(self):
        return len(self._image_files)

    def __getitem__(self, idx):
        """(image, target): the image from ``loader`` (a PIL RGB image by default) and the int label."""
        image, label = self.loader(self._image_files[idx]), self._labels[idx]
        # truthiness (not ``is not None``), as torchvision's file-list datasets test their transforms
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


def _pil_module():
    """PIL's ``Image`` module, or None when pillow is not installed."""
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def _array_batch(dataset, owner, images, targets, indices, pil):
    """Whole-batch ``[images, targets]`` for DataLoader's default collate, or NotImplemented.

    Exact (the same tensors as collating the per-sample items) when ``dataset`` uses ``owner.__getitem__``, has no
    target transform and its transform is batchable. ``images``: uint8 ``[N, H, W]`` or ``[N, H, W, C]`` (what
    each item hands to PIL); ``targets``: ints (array or list) of the same length; ``pil``: the module's
    pillow probe (called only without a transform).
    """
    if type(dataset).__getitem__ is not owner.__getitem__ or dataset.target_transform is not None:
        return NotImplemented
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim not in (3, 4):
        return NotImplemented
    if len(targets) != len(images):
        return NotImplemented
    from ember.utils.data.dataset import _fast_index
    idx = _fast_index(indices, len(images))
    if idx is None:
        return NotImplemented
    if isinstance(targets, np.ndarray):
        if targets.ndim != 1 or targets.dtype.kind not in "iu":
            return NotImplemented
        batch_targets = targets[idx].astype(np.int64)
    else:
        picked = [targets[i] for i in idx.tolist()]
        if not all(isinstance(t, (int, np.integer)) and not isinstance(t, (bool, np.bool_)) for t in picked):
            return NotImplemented  # other targets collate differently: take the per-sample path
        batch_targets = np.array(picked, dtype=np.int64)
    batch_images = images[idx]
    if dataset.transform is None:
        if pil() is not None:
            return NotImplemented  # PIL images: let default_collate raise its error
        return [wrap(batch_images), wrap(batch_targets)]
    from ember.vision.transforms.transforms import _batch_apply
    res = _batch_apply(dataset.transform, batch_images, "image")
    if res is None or res[1] != "tensor":
        return NotImplemented
    return [wrap(np.ascontiguousarray(res[0])), wrap(batch_targets)]


def _image_item(dataset, img, target):
    """``(image, target)`` as the datasets return them: the uint8 ``[H, W(, C)]`` array ``img`` becomes a PIL image
    (or stays a C-contiguous copy without pillow), then the dataset's transforms apply."""
    Image = _pil_module()
    img = Image.fromarray(img) if Image is not None else np.array(img, order="C")
    if dataset.transform is not None:
        img = dataset.transform(img)
    if dataset.target_transform is not None:
        target = dataset.target_transform(target)
    return img, target


class _ArchiveFiles:
    """Mixin for datasets shipped as one archive (``url``, ``filename``, ``tgz_md5``) that unpacks into
    ``root/base_folder``, whose files (``train_list + test_list``, ``[name, md5]`` pairs) are MD5-checked."""

    def _check_integrity(self):
        from ember.vision.datasets.utils import check_integrity
        folder = os.path.join(self.root, self.base_folder)
        return all(check_integrity(os.path.join(folder, name), md5) for name, md5 in self.train_list + self.test_list)

    def download(self):
        """Download and extract the archive into ``root`` (checking its MD5) unless every file is already valid."""
        from ember.vision.datasets.utils import download_and_extract_archive
        if self._check_integrity():
            return
        download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)
