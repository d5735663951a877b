"""Transforms that combine other transforms: Compose, RandomApply, RandomChoice, RandomOrder."""

from collections.abc import Sequence

from ember._functions import multinomial, rand, randperm, tensor
from ember.nn import ModuleList
from ember.vision.transforms.v2._transform import Transform


def _check_transforms(transforms, msg="Argument transforms should be a sequence of callables"):
    if not isinstance(transforms, Sequence):
        raise TypeError(msg)


class Compose(Transform):
    """Apply transforms one after another to the whole sample.

    Args:
        transforms: a non-empty sequence of callables.

    Example::

        >>> Compose([v2.ToImage(), v2.ToDtype(ember.float32, scale=True)])(np.zeros((4, 4, 3), np.uint8)).dtype
        ember.float32
    """

    def __init__(self, transforms):
        super().__init__()
        _check_transforms(transforms)
        if not transforms:
            raise ValueError("Pass at least one transform")
        self.transforms = transforms

    def forward(self, *inputs):
        needs_unpacking = len(inputs) > 1
        for transform in self.transforms:
            outputs = transform(*inputs)
            inputs = outputs if needs_unpacking else (outputs,)
        return outputs

    def extra_repr(self):
        return "\n".join(f"    {t}" for t in self.transforms)


class RandomApply(Transform):
    """Apply a list of transforms in order, all with probability ``p`` (one ``rand(1)`` draw per call).

    Args:
        transforms: a sequence of callables or an ``nn.ModuleList``.
        p: the probability.

    Example::

        >>> RandomApply([v2.RandomCrop(4)], p=0.3)(ember.rand(3, 8, 8)).shape[-1] in (4, 8)
        True
    """

    def __init__(self, transforms, p=0.5):
        super().__init__()
        if not isinstance(transforms, (Sequence, ModuleList)):
            raise TypeError("Argument transforms should be a sequence of callables or a `nn.ModuleList`")
        self.transforms = transforms
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        self.p = p

    def forward(self, *inputs):
        sample = inputs if len(inputs) > 1 else inputs[0]
        if rand(1) >= self.p:
            return sample
        for transform in self.transforms:
            sample = transform(sample)
        return sample

    def extra_repr(self):
        return "\n".join(f"    {t}" for t in self.transforms)


class RandomChoice(Transform):
    """Apply one transform picked at random (weights ``p``, uniform by default; one ``multinomial`` draw).

    Example::

        >>> RandomChoice([v2.RandomCrop(4), v2.CenterCrop(4)])(ember.rand(3, 8, 8)).shape
        ember.Size([3, 4, 4])
    """

    def __init__(self, transforms, p=None):
        _check_transforms(transforms)
        if p is None:
            p = [1] * len(transforms)
        elif len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != {len(transforms)}")
        super().__init__()
        self.transforms = transforms
        total = sum(p)
        self.p = [prob / total for prob in p]

    def forward(self, *inputs):
        idx = int(multinomial(tensor(self.p), 1))
        return self.transforms[idx](*inputs)


class RandomOrder(Transform):
    """Apply all transforms in a random order (one ``randperm`` draw).

    Example::

        >>> RandomOrder([v2.RandomHorizontalFlip(), v2.CenterCrop(4)])(ember.rand(3, 8, 8)).shape
        ember.Size([3, 4, 4])
    """

    def __init__(self, transforms):
        _check_transforms(transforms)
        super().__init__()
        self.transforms = transforms

    def forward(self, *inputs):
        needs_unpacking = len(inputs) > 1
        for idx in randperm(len(self.transforms)).tolist():
            outputs = self.transforms[idx](*inputs)
            inputs = outputs if needs_unpacking else (outputs,)
        return outputs


