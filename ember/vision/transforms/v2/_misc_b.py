"""GaussianBlur, GaussianNoise and LinearTransformation."""

from collections.abc import Sequence

from ember._functions import empty, mm
from ember._tensor import Tensor
from ember.vision import tv_tensors
from ember.vision.transforms.v2 import functional as F
from ember.vision.transforms.v2._transform import Transform
from ember.vision.transforms.v2._utils import _is_pil, _setup_size, has_any


class GaussianBlur(Transform):
    """Blur images and videos with a Gaussian kernel of a random sigma drawn in ``sigma`` = (min, max).

    Args:
        kernel_size: odd positive int or (kx, ky).
        sigma: a fixed positive sigma, or (min, max).

    Example::

        >>> GaussianBlur(5, sigma=(0.1, 2.0))(ember.rand(3, 16, 16)).shape
        ember.Size([3, 16, 16])
    """

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        super().__init__()
        self.kernel_size = _setup_size(kernel_size, "Kernel size should be a tuple/list of two integers")
        for ks in self.kernel_size:
            if ks <= 0 or ks % 2 == 0:
                raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, (int, float)):
            sigma = [float(sigma), float(sigma)]
        elif isinstance(sigma, Sequence) and not isinstance(sigma, str):
            sigma = [float(s) for s in sigma]
            if len(sigma) == 1:
                sigma = [sigma[0], sigma[0]]
            elif len(sigma) != 2:
                raise ValueError(f"If sigma is a sequence its length should be 1 or 2. Got {len(sigma)}")
        else:
            raise ValueError(f"sigma should be a sequence of numbers. Got {type(sigma)}")
        if not 0.0 < sigma[0] <= sigma[1]:
            raise ValueError(f"sigma values should be positive and of the form (min, max). Got {sigma}")
        self.sigma = sigma

    def make_params(self, flat_inputs):
        sigma = float(empty(1).uniform_(self.sigma[0], self.sigma[1]).item())
        return dict(sigma=[sigma, sigma])

    def transform(self, inpt, params):
        return self._call_kernel(F.gaussian_blur, inpt, self.kernel_size, **params)


class GaussianNoise(Transform):
    """Add Gaussian noise to float (or uint8) images and videos.

    Args:
        mean, sigma: of the noise, on the [0, 1] scale.
        clip: clamp the result to the value range.

    Example::

        >>> GaussianNoise(sigma=0.0)(ember.zeros(1, 2, 2)).sum()
        tensor(0.)
    """

    def __init__(self, mean=0.0, sigma=0.1, clip=True):
        super().__init__()
        self.mean = mean
        self.sigma = sigma
        self.clip = clip

    def transform(self, inpt, params):
        return self._call_kernel(F.gaussian_noise, inpt, mean=self.mean, sigma=self.sigma, clip=self.clip)


class LinearTransformation(Transform):
    """Flatten each image (or video frame), subtract ``mean_vector`` and multiply by ``transformation_matrix``
    (e.g. ZCA whitening). PIL images are refused, masks and boxes pass through.

    Args:
        transformation_matrix: ``[D, D]`` tensor, ``D = C * H * W``.
        mean_vector: ``[D]`` tensor.

    Example::

        >>> LinearTransformation(ember.eye(4), ember.zeros(4))(ember.rand(1, 2, 2)).shape
        ember.Size([1, 2, 2])
    """

    def __init__(self, transformation_matrix, mean_vector):
        super().__init__()
        if transformation_matrix.size(0) != transformation_matrix.size(1):
            raise ValueError(f"transformation_matrix should be square. Got {tuple(transformation_matrix.size())} "
                             "rectangular matrix.")
        if mean_vector.size(0) != transformation_matrix.size(0):
            raise ValueError(f"mean_vector should have the same length {mean_vector.size(0)} as any one of the "
                             f"dimensions of the transformation_matrix [{tuple(transformation_matrix.size())}]")
        if transformation_matrix.device != mean_vector.device:
            raise ValueError(f"Input tensors should be on the same device. Got {transformation_matrix.device} and "
                             f"{mean_vector.device}")
        if transformation_matrix.dtype != mean_vector.dtype:
            raise ValueError(f"Input tensors should have the same dtype. Got {transformation_matrix.dtype} and "
                             f"{mean_vector.dtype}")
        self.transformation_matrix = transformation_matrix
        self.mean_vector = mean_vector

    def check_inputs(self, flat_inputs):
        if has_any(flat_inputs, _is_pil):
            raise TypeError(f"{type(self).__name__}() does not support PIL images.")

    def transform(self, inpt, params):
        if not isinstance(inpt, Tensor) or isinstance(inpt, (tv_tensors.BoundingBoxes, tv_tensors.Mask,
                                                              tv_tensors.KeyPoints)):
            return inpt
        shape = inpt.shape
        n = shape[-3] * shape[-2] * shape[-1]
        if n != self.transformation_matrix.shape[0]:
            raise ValueError("Input tensor and transformation matrix have incompatible shape."
                             f"[{shape[-3]} x {shape[-2]} x {shape[-1]}] != {self.transformation_matrix.shape[0]}")
        if inpt.device.type != self.mean_vector.device.type:
            raise ValueError("Input tensor should be on the same device as transformation matrix and mean vector. "
                             f"Got {inpt.device} vs {self.mean_vector.device}")
        plain = tv_tensors._alias(inpt) if isinstance(inpt, tv_tensors.TVTensor) else inpt
        flat = plain.reshape(-1, n) - self.mean_vector
        out = mm(flat, self.transformation_matrix.to(flat.dtype)).reshape(shape)
        return tv_tensors.wrap(out, like=inpt) if isinstance(inpt, tv_tensors.TVTensor) else out


