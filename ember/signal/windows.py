"""``torch.signal.windows``: window functions as SciPy names them (``hann``, ``kaiser``, ``gaussian``, ...).

Each takes the window length ``M`` and, keyword-only, ``sym`` (True: the symmetric window, for filter design;
False: the periodic one, for spectral analysis), ``dtype`` (float32 or float64; default: the default dtype),
``layout``, ``device`` and ``requires_grad``. The values are computed in ``dtype`` as PyTorch orders the
arithmetic (the sample positions from :func:`ember.linspace`, then the elementwise ops), so they match PyTorch's
to the last bit or within the elementwise functions' own rounding (1-2 ulp). With ``requires_grad`` the window is
the result of those ops (it has a ``grad_fn``), as in PyTorch.
"""

import math
import operator

import ember
from ember import _dtype
from ember._tensor import Tensor

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming",
           "hamming", "hann", "kaiser", "nuttall"]

_NUTTALL = [0.3635819, 0.4891775, 0.1365995, 0.0106411]


def _check(name, M, dtype, layout):
    """PyTorch's checks shared by every window, in its order; returns the dtype (None: the default dtype)."""
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not ember.strided:
        raise ValueError(f"{name} is implemented for strided tensors only, got: {_torch_str(layout)}")
    dtype = _dtype.get_default_dtype() if dtype is None else dtype
    if dtype not in (ember.float32, ember.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {_torch_str(dtype)}")
    return dtype


def _torch_str(value):
    # dtypes and layouts print as PyTorch's (``torch.int64``) in these messages
    return str(value).replace("ember.", "torch.", 1) if value is not None else "None"


def _short(M, dtype, device, requires_grad):
    """The window of 0 or 1 point (a leaf), or None for a longer one."""
    if M == 0:
        return ember.empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if M == 1:
        return ember.ones((1,), dtype=dtype, device=device, requires_grad=requires_grad)
    return None


def _linspace(start, end, M, dtype, layout, device, requires_grad):
    """``ember.linspace(start, end, M)``, refusing a non-int ``M`` as PyTorch's linspace does (a float or a bool
    window length reaches it unchanged)."""
    steps = None
    if not isinstance(M, bool):
        try:
            steps = operator.index(M)
        except TypeError:
            pass
    if steps is None:
        def kind(v):
            if isinstance(v, Tensor):
                return "Tensor"
            if isinstance(v, ember.device):
                return "torch.device"
            return type(v).__name__
        got = (f"requires_grad={kind(requires_grad)}, device={kind(device)}, layout=torch.layout, "
               f"dtype=torch.dtype, steps={kind(M)}, end={kind(end)}, start={kind(start)}, ")
        tail = ("int steps, *, Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device "
                "device = None, bool pin_memory = False, bool requires_grad = False)\n")
        raise TypeError(f"linspace() received an invalid combination of arguments - got ({got}), but expected one "
                        "of:\n" + "".join(f" * ({a} start, {b} end, {tail}" for a, b in (
                            ("Tensor", "Tensor"), ("Number", "Tensor"), ("Tensor", "Number"), ("Number", "Number"))))
    return ember.linspace(start, end, steps, dtype=dtype, device=device, requires_grad=requires_grad)


def bartlett(M, *, sym=True, dtype=None, layout=ember.strided, device=None, requires_grad=False):
    """The Bartlett (triangular) window: ``w[n] = 1 - |2 n / (M - 1) - 1|``, zero at both ends.

    Args:
        M (int): window length. sym (bool): symmetric (True) or periodic window. dtype: float32 or float64.

    Example::

        >>> ember.signal.windows.bartlett(5)
        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    dtype = _check("bartlett", M, dtype, layout)
    short = _short(M, dtype, device, requires_grad)
    if short is not None:
        return short
    step = 2 / (M if not sym else M - 1)
    k = _linspace(-1, -1 + (M - 1) * step, M, dtype, layout, device, requires_grad)
    return 1 - ember.abs(k)


def cosine(M, *, sym=True, dtype=None, layout=ember.strided, device=None, requires_grad=False):
    """The cosine (sine) window: ``w[n] = sin(pi (n + 1/2) / M)``.

    Args:
        M (int): window length. sym (bool): symmetric (True) or periodic window. dtype: float32 or float64.

    Example::

        >>> ember.signal.windows.cosine(3)
        tensor([0.5000, 1.0000, 0.5000])
    """
    dtype = _check("cosine", M, dtype, layout)
    if M == 0:
        return ember.empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    step = math.pi / (M + 1 if not sym and M > 1 else M)
    k = _linspace(0.5 * step, (0.5 + (M - 1)) * step, M, dtype, layout, device, requires_grad)
    return ember.sin(k)


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=ember.strided, device=None,
                requires_grad=False):
    """The exponential (Poisson) window: ``w[n] = exp(-|n - center| / tau)``.

    Args:
        M (int): window length. center (float): where the window peaks (default: its middle; must be None
            for a symmetric window). tau (float): decay scale, positive. sym (bool): symmetric (True) or
            periodic window. dtype: float32 or float64.

    Example::

        >>> ember.signal.windows.exponential(3)
        tensor([0.3679, 1.0000, 0.3679])
    """
    dtype = _check("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if M == 0:
        return ember.empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    scale = 1 / tau
    k = _linspace(-center * scale, (-center + (M - 1)) * scale, M, dtype, layout, device, requires_grad)
    return ember.exp(-ember.abs(k))


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=ember.strided, device=None, requires_grad=False):
    """The Gaussian window: ``w[n] = exp(-(n - (M - 1) / 2)^2 / (2 std^2))``.

    Args:
        M (int): window length. std (float): standard deviation in samples, positive. sym (bool): symmetric
            (True) or periodic window. dtype: float32 or float64.

    Example::

        >>> ember.signal.windows.gaussian(3)
        tensor([0.6065, 1.0000, 0.6065])
    """
    dtype = _check("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    if M == 0:
        return ember.empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    start = -(M if not sym and M > 1 else M - 1) / 2.0
    scale = 1 / (std * math.sqrt(2))
    k = _linspace(start * scale, (start + (M - 1)) * scale, M, dtype, layout, device, requires_grad)
    return ember.exp(-k ** 2)


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=ember.strided, device=None, requires_grad=False):
    """The Kaiser window: ``w[n] = I0(beta sqrt(1 - (2 n / (M - 1) - 1)^2)) / I0(beta)``.

    Args:
        M (int): window length. beta (float): shape parameter, non-negative (0: rectangular; larger:
            narrower). sym (bool): symmetric (True) or periodic window. dtype: float32 or float64.

    Example::

        >>> ember.signal.windows.kaiser(3, beta=2.0)
        tensor([0.4387, 1.0000, 0.4387])
    """
    dtype = _check("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    short = _short(M, dtype, device, requires_grad)
    if short is not None:
        return short
    # beta * sqrt(1 - r^2) as sqrt(beta^2 - k^2), k spanning [-beta, beta], all in dtype
    b = (beta.detach().to(dtype) if isinstance(beta, Tensor) else ember.tensor(beta, dtype=dtype))
    start = -b
    step = 2.0 * b / (M if not sym else M - 1)
    end = ember.minimum(start + (M - 1) * step, b)  # (rounding must not take k past beta)
    k = _linspace(start, end, M, dtype, layout, device, requires_grad)
    return ember.i0(ember.sqrt(b * b - ember.pow(k, 2))) / ember.i0(b)


def general_cosine(M, *, a, sym=True, dtype=None, layout=ember.strided, device=None, requires_grad=False):
    """A sum of cosines: ``w[n] = sum_k (-1)^k a[k] cos(2 pi k n / (M - 1))`` (Hann, Hamming, Blackman and
    Nuttall windows are instances).

    Args:
        M (int): window length. a (list or tuple of floats): the coefficients ``a[0], a[1], ...``.
        sym (bool): symmetric (True) or periodic window. dtype: float32 or float64.

    Example::

        >>> ember.signal.windows.general_cosine(3, a=[0.5, 0.5])
        tensor([0., 1., 0.])
    """
    dtype = _check("general_cosine", M, dtype, layout)
    short = _short(M, dtype, device, requires_grad)
    if short is not None:
        return short
    if not isinstance(a, (list, tuple)):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    step = 2 * math.pi / (M if not sym else M - 1)
    k = _linspace(0, (M - 1) * step, M, dtype, layout, device, requires_grad)
    coef = ember.tensor([(-1) ** i * w for i, w in enumerate(a)], dtype=dtype)
    order = ember.arange(coef.shape[0], dtype=dtype)
    # (K, M) terms summed over K row by row, as PyTorch's reduction over the outer dimension
    return (coef.unsqueeze(-1) * ember.cos(order.unsqueeze(-1) * k)).sum(0)


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=ember.strided, device=None,
                    requires_grad=False):
    """The generalised Hamming window: ``w[n] = alpha - (1 - alpha) cos(2 pi n / (M - 1))``.

    Args:
        M (int): window length. alpha (float): the coefficient (0.54: Hamming; 0.5: Hann).
        sym (bool): symmetric (True) or periodic window. dtype: float32 or float64.

    Example::

        >>> ember.signal.windows.general_hamming(3, alpha=0.6)
        tensor([0.2000, 1.0000, 0.2000])
    """
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def hann(M, *, sym=True, dtype=None, layout=ember.strided, device=None, requires_grad=False):
    """The Hann window: ``w[n] = 1/2 - 1/2 cos(2 pi n / (M - 1))``.

    Args:
        M (int): window length. sym (bool): symmetric (True) or periodic window. dtype: float32 or float64.

    Example::

        >>> ember.signal.windows.hann(5)
        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def hamming(M, *, sym=True, dtype=None, layout=ember.strided, device=None, requires_grad=False):
    """The Hamming window: ``w[n] = 0.54 - 0.46 cos(2 pi n / (M - 1))``.

    Args:
        M (int): window length. sym (bool): symmetric (True) or periodic window. dtype: float32 or float64.

    Example::

        >>> ember.signal.windows.hamming(3)
        tensor([0.0800, 1.0000, 0.0800])
    """
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


def blackman(M, *, sym=True, dtype=None, layout=ember.strided, device=None, requires_grad=False):
    """The Blackman window: ``w[n] = 0.42 - 0.5 cos(2 pi n / (M - 1)) + 0.08 cos(4 pi n / (M - 1))``.

    Args:
        M (int): window length. sym (bool): symmetric (True) or periodic window. dtype: float32 or float64.

    Example::

        >>> ember.signal.windows.blackman(3)
        tensor([-1.4901e-08,  1.0000e+00, -1.4901e-08])
    """
    dtype = _check("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def nuttall(M, *, sym=True, dtype=None, layout=ember.strided, device=None, requires_grad=False):
    """The minimum 4-term Blackman-Harris window of Nuttall: a :func:`general_cosine` with coefficients
    0.3635819, 0.4891775, 0.1365995, 0.0106411.

    Args:
        M (int): window length. sym (bool): symmetric (True) or periodic window. dtype: float32 or float64.

    Example::

        >>> ember.signal.windows.nuttall(3)
        tensor([3.6280e-04, 1.0000e+00, 3.6280e-04])
    """
    return general_cosine(M, a=_NUTTALL, sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)

