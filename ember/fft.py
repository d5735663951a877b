"""``ember.fft``: PyTorch's ``torch.fft``, the discrete Fourier transforms and their helpers.

``fft``/``ifft`` (complex), ``rfft``/``irfft`` (real signals: half spectra), ``hfft``/``ihfft`` (Hermitian
spectra: real results), each in 1, 2 and n dimensions; ``fftfreq``, ``rfftfreq``, ``fftshift``,
``ifftshift``. float32 (and integer) inputs give complex64, float64 gives complex128; the complex-to-real
transforms return the matching real dtype. All are differentiable, complex gradients included.

``norm`` picks the scaling: ``"backward"`` (the default: none on the forward transform, 1/n on the inverse),
``"forward"`` (the other way round) or ``"ortho"`` (1/sqrt(n) both ways).

Example::

    >>> ember.fft.fft(ember.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
"""

import builtins
import operator

from ember import _dtype
from ember import _ops
from ember._backend import xp
from ember._ops import spectral as _S
from ember._functions_args import need_tensor as _need_tensor, type_name as _type_name
from ember._tensor import Tensor, wrap
from ember.autograd.grad_mode import state as _grad_state

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
           "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_int = builtins.int


# ------------------------------------------------------------------------------------------------ argument checks


def _type_word(a):
    return _dtype.TYPE_WORDS[a.dtype.name]


def _as_int(v):
    """``v`` as an int where PyTorch's argument parser takes it for one (ints, NumPy integers, integer tensors of
    one element, but no bools), else None."""
    if isinstance(v, (bool, xp.bool_)):
        return None
    try:
        return operator.index(v)
    except TypeError:
        return None


def _norm_mode(name, norm, forward):
    """The scaling of a transform: ``"none"``, ``"by_n"`` or ``"by_root_n"``, from ``norm`` and its direction."""
    if norm is None or norm == "backward":
        return "none" if forward else "by_n"
    if not isinstance(norm, str):
        raise TypeError(f"fft_{name}(): argument 'norm' must be str, not {type(norm).__name__}")
    if norm == "forward":
        return "by_n" if forward else "none"
    if norm == "ortho":
        return "by_root_n"
    raise RuntimeError(f'Invalid normalization mode: "{norm}"')


def _float_input(name, input):
    """``input`` as a float or complex tensor (integers and bools in the default float dtype)."""
    _need_tensor(f"fft_{name}", "input", 1, input)
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        input, = _ops.autocast_fp32_args(input)
    a = input._data
    if a.dtype.kind in "biu":
        return wrap(a.astype(_dtype.get_default_dtype().np))
    if a.dtype.itemsize == 2 and a.dtype.kind in "fV":  # float16, bfloat16
        raise RuntimeError(f"Unsupported dtype {_dtype.TYPE_WORDS[a.dtype.name]}")
    return input


def _points(n):
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return n


def _wrap_dim(x, d):
    if x._data.ndim == 0:
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    return x._wrap_dim(d)


def _args_1d(name, x, n, dim, norm, forward):
    """(dim, n, scaling) of a one-dimensional transform."""
    if n is not None:
        n = _int_arg(name, "n", n)
    _int_arg(name, "dim", dim)
    mode = _norm_mode(name, norm, forward)
    d = _wrap_dim(x, dim)
    return d, n, mode


def _int_arg(name, arg, value):
    v = _as_int(value)
    if v is None:
        raise TypeError(f"fft_{name}(): argument '{arg}' must be int, not {type(value).__name__}")
    return v


def _int_tuple(name, arg, value):
    if value is None:
        return None
    if _as_int(value) is not None:
        return (_as_int(value),)
    values = [_as_int(v) for v in value] if isinstance(value, (tuple, list)) else [None]
    if None in values:
        raise TypeError(f"fft_{name}(): argument '{arg}' must be tuple of ints, not {type(value).__name__}")
    return tuple(values)


def _args_nd(name, x, s, dim, norm, forward):
    """(dims, sizes or None entries for the input's, scaling) of an n-dimensional transform."""
    s = _int_tuple(name, "s", s)
    dim = _int_tuple(name, "dim", dim)
    mode = _norm_mode(name, norm, forward)
    ndim = x._data.ndim
    if dim is None:
        if s is None:
            dims = tuple(range(ndim))
        else:
            if len(s) > ndim:
                raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {ndim} dimensions.")
            dims = tuple(range(ndim - len(s), ndim))
    else:
        if s is not None and len(s) != len(dim):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        dims = tuple(_wrap_dim(x, d) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
    if s is None:
        s = (-1,) * len(dims)
    return dims, list(s), mode


def _sizes(x, dims, s):
    """The signal sizes: ``-1`` is the input's size."""
    return tuple(_points(x.shape[d] if n == -1 else n) for d, n in zip(dims, s))


def _c2r_sizes(name, x, dims, s):
    """Signal sizes of a complex-to-real transform: the last defaults to ``2 * (m - 1)`` for ``m`` inputs."""
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    if s[-1] == -1:
        s = s[:-1] + [2 * (x.shape[dims[-1]] - 1)]
    return _sizes(x, dims, s)


def _finish(name, result, out):
    """``out=`` handling: PyTorch's dtype kind check (complex or real result) and its autograd refusal."""
    if out is None:
        return result
    from ember._functions import _out

    want_complex = result._data.dtype.kind == "c"
    kind = out._data.dtype.kind if isinstance(out, Tensor) else None
    if kind is not None and (kind != "c" if want_complex else kind not in "fV"):
        what = "complex" if want_complex else "floating point"
        raise RuntimeError(f"{name} expects a {what} output tensor, but got {_type_word(out._data)}")
    return _out(result, out)


def _refuse_out_grad(kernel, out, x):
    if out is not None and _grad_state.enabled and x.requires_grad:
        raise RuntimeError(f"{kernel}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")


def _real_input(x, message):
    if x._data.dtype.kind == "c":
        raise RuntimeError(message.format(_type_word(x._data)))


# ---------------------------------------------------------------------------------------- complex <-> complex


def _c2c(name, input, s, dim, norm, out, forward):
    x = _float_input(name, input)
    dims, s, mode = _args_nd(name, x, s, dim, norm, forward)
    sizes = _sizes(x, dims, s)
    _refuse_out_grad("_fft_c2c", out, x)
    res = _S.FftC2C.apply(x, dim=dims, s=sizes, norm=mode, forward_dir=forward)
    return _finish(name, res, out)


def _r2c(x, dims, sizes, mode, out, forward, onesided=True):
    """The real-to-complex kernel; the inverse direction is the forward one conjugated (PyTorch's Conj node,
    fused into the op: it carries that node's name)."""
    _refuse_out_grad("_fft_r2c", out, x)
    params = {} if forward else {"conj": True, "grad_name": "ConjBackward0"}
    return _S.FftR2C.apply(x, dim=dims, s=sizes, norm=mode, onesided=onesided, **params)


def _c2c_1d(name, input, n, dim, norm, out, forward):
    x = _float_input(name, input)
    d, n, mode = _args_1d(name, x, n, dim, norm, forward)
    size = (_points(x.shape[d] if n is None else n),)
    if x._data.dtype.kind == "c":
        _refuse_out_grad("_fft_c2c", out, x)
        res = _S.FftC2C.apply(x, dim=(d,), s=size, norm=mode, forward_dir=forward)
    else:  # a real signal: the full spectrum of the real-to-complex transform
        res = _r2c(x, (d,), size, mode, out, forward, onesided=False)
    return _finish(name, res, out)


def _r2c_1d(name, input, n, dim, norm, out, forward):
    """rfft (``forward``) and ihfft: the half spectrum of a real signal."""
    x = _float_input(name, input)
    _real_input(x, name + " expects a real input tensor, but got {}")
    d, n, mode = _args_1d(name, x, n, dim, norm, forward)
    size = (_points(x.shape[d] if n is None else n),)
    return _finish(name, _r2c(x, (d,), size, mode, out, forward), out)


def _c2r_1d(name, input, n, dim, norm, out, forward):
    """irfft and hfft (``forward``: the inverse transform of the conjugate, with the forward scaling)."""
    x = _float_input(name, input)
    d, n, mode = _args_1d(name, x, n, dim, norm, forward)
    size = (_points(2 * (x.shape[d] - 1) if n is None else n),)
    _refuse_out_grad("_fft_c2r", out, x)
    return _finish(name, _S.FftC2R.apply(x, dim=(d,), s=size, norm=mode, conj=forward), out)


def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """The one-dimensional discrete Fourier transform of ``input`` along ``dim``.

    Args:
        input (Tensor): the signal (real or complex; integers are converted to the default float dtype).
        n (int, optional): the signal length: ``input`` is zero-padded or trimmed to it along ``dim``.
        dim (int): the dimension to transform (default: the last).
        norm (str, optional): ``"backward"`` (default, no scaling), ``"forward"`` (1/n) or ``"ortho"``
            (1/sqrt(n)).
        out (Tensor, optional): the complex tensor to write the result to.

    Shapes: as ``input``, with ``n`` along ``dim``.

    Example::

        >>> ember.fft.fft(ember.tensor([1.0, 0.0, -1.0, 0.0]))
        tensor([0.+0.j, 2.+0.j, 0.+0.j, 2.+0.j])
    """
    return _c2c_1d("fft", input, n, dim, norm, out, True)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """The one-dimensional inverse discrete Fourier transform (``fft``'s inverse: scaled by 1/n by default).

    Args as :func:`fft`. Example::

        >>> ember.fft.ifft(ember.fft.fft(ember.tensor([1.0, 2.0])))
        tensor([1.+0.j, 2.+0.j])
    """
    return _c2c_1d("ifft", input, n, dim, norm, out, False)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The two-dimensional discrete Fourier transform over ``dim`` (the last two by default).

    Args:
        s (sequence of ints, optional): signal sizes along ``dim`` (``-1``: the input's size); the input is
            zero-padded or trimmed to them.
        Others as :func:`fft`. Example: ``ember.fft.fft2(ember.ones(2, 2))`` is 4 at ``[0, 0]``, 0 elsewhere.
    """
    return _c2c("fftn", input, s, dim, norm, out, True)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The two-dimensional inverse discrete Fourier transform; args as :func:`fft2`."""
    return _c2c("ifftn", input, s, dim, norm, out, False)


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """The n-dimensional discrete Fourier transform over ``dim`` (all dimensions, or the last ``len(s)``).

    Args as :func:`fft2`. Example: ``ember.fft.fftn(x)`` of a ``(2, 3, 4)`` tensor transforms all three dims.
    """
    return _c2c("fftn", input, s, dim, norm, out, True)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    """The n-dimensional inverse discrete Fourier transform; args as :func:`fftn`."""
    return _c2c("ifftn", input, s, dim, norm, out, False)


# ------------------------------------------------------------------------------------ real <-> half spectrum


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The Fourier transform of a real signal: the ``n // 2 + 1`` non-negative frequencies (the others are their
    conjugates).

    Args as :func:`fft` (``input`` must be real).

    Example::

        >>> ember.fft.rfft(ember.tensor([1.0, 2.0, 3.0, 4.0]))
        tensor([10.+0.j, -2.+2.j, -2.+0.j])
    """
    return _r2c_1d("rfft", input, n, dim, norm, out, True)


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of :func:`rfft`: the real signal of length ``n`` (default ``2 * (m - 1)`` for ``m`` input
    frequencies) whose half spectrum is ``input``.

    Args as :func:`fft`. Example::

        >>> ember.fft.irfft(ember.fft.rfft(ember.tensor([1.0, 2.0, 3.0])), n=3)
        tensor([1., 2., 3.])
    """
    return _c2r_1d("irfft", input, n, dim, norm, out, False)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The two-dimensional Fourier transform of a real signal, half spectrum along the last of ``dim``; args
    as :func:`fft2`."""
    return rfftn(input, s, dim, norm, out=out)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The inverse of :func:`rfft2`; args as :func:`fft2` (``s[-1]`` defaults to ``2 * (m - 1)``)."""
    return irfftn(input, s, dim, norm, out=out)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The n-dimensional Fourier transform of a real signal, half spectrum along the last of ``dim``; args as
    :func:`fftn`."""
    x = _float_input("rfftn", input)
    _real_input(x, "rfftn expects a real-valued input tensor, but got {}")
    dims, s, mode = _args_nd("rfftn", x, s, dim, norm, True)
    if not dims:
        raise RuntimeError("rfftn must transform at least one axis")
    return _finish("rfftn", _r2c(x, dims, _sizes(x, dims, s), mode, out, True), out)


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The inverse of :func:`rfftn`: a real result of sizes ``s`` (``s[-1]`` defaults to ``2 * (m - 1)``);
    args as :func:`fftn`."""
    x = _float_input("irfftn", input)
    dims, s, mode = _args_nd("irfftn", x, s, dim, norm, False)
    sizes = _c2r_sizes("irfftn", x, dims, s)
    _refuse_out_grad("_fft_c2r", out, x)
    res = _S.FftC2R.apply(x, dim=dims, s=sizes, norm=mode)
    return _finish("irfftn", res, out)


# --------------------------------------------------------------------------------- Hermitian <-> real signals


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The Fourier transform of a Hermitian-symmetric signal given by its first half: a real result of length
    ``n`` (default ``2 * (m - 1)``).

    Args as :func:`fft`. Example::

        >>> ember.fft.hfft(ember.fft.ihfft(ember.tensor([1.0, 2.0, 3.0])), n=3)
        tensor([1., 2., 3.])
    """
    return _c2r_1d("hfft", input, n, dim, norm, out, True)


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of :func:`hfft`: the first ``n // 2 + 1`` entries of the inverse transform of a real signal.

    Args as :func:`fft` (``input`` must be real).
    """
    return _r2c_1d("ihfft", input, n, dim, norm, out, False)


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The two-dimensional :func:`hfft`; args as :func:`fft2` (``s[-1]`` defaults to ``2 * (m - 1)``)."""
    return _hfftn("hfftn", input, s, dim, norm, out)


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The two-dimensional :func:`ihfft`; args as :func:`fft2`."""
    return _ihfftn("ihfftn", input, s, dim, norm, out)


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The n-dimensional :func:`hfft`: a real result of sizes ``s`` from the half of a Hermitian signal along the
    last of ``dim``; args as :func:`fftn`."""
    return _hfftn("hfftn", input, s, dim, norm, out)


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The n-dimensional :func:`ihfft` (half spectrum along the last of ``dim``); args as :func:`fftn`."""
    return _ihfftn("ihfftn", input, s, dim, norm, out)


def _hfftn(name, input, s, dim, norm, out):
    x = _float_input(name, input)
    dims, s, mode = _args_nd(name, x, s, dim, norm, True)
    sizes = _c2r_sizes(name, x, dims, s)
    _refuse_out_grad("_fft_c2r", out, x)
    if len(dims) > 1:  # the full transforms first, then conj and the complex-to-real one along the last dim
        x = _S.FftC2C.apply(x, dim=dims[:-1], s=sizes[:-1], norm=mode, forward_dir=True)
    res = _S.FftC2R.apply(x, dim=dims[-1:], s=sizes[-1:], norm=mode, conj=True)
    return _finish(name, res, out)


def _ihfftn(name, input, s, dim, norm, out):
    x = _float_input(name, input)
    dims, s, mode = _args_nd(name, x, s, dim, norm, False)
    if x._data.dtype.kind == "c":
        raise RuntimeError(f"Only supports floating-point dtypes, but found: {_type_word(x._data)}")
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    sizes = _sizes(x, dims, s)
    if len(dims) == 1:
        res = _r2c(x, dims, sizes, mode, out, False)
    else:  # the half spectrum along the last dim, then the conjugate's inverse transform over the others
        _refuse_out_grad("_fft_r2c", out, x)
        half = _S.FftR2C.apply(x, dim=dims[-1:], s=sizes[-1:], norm=mode, onesided=True)
        res = _S.FftC2C.apply(half, dim=dims[:-1], s=sizes[:-1], norm=mode, forward_dir=False, conj=True)
    return _finish(name, res, out)


# ------------------------------------------------------------------------------------------------ helpers


def _freq_dtype(name, dtype, out):
    if dtype is None:
        dtype = out.dtype if isinstance(out, Tensor) else _dtype.get_default_dtype()
    elif isinstance(out, Tensor) and out.dtype != dtype:
        raise RuntimeError(f"dtype {_dtype.TYPE_WORDS[dtype.name]} does not match dtype of out parameter "
                           f"({_dtype.TYPE_WORDS[out._data.dtype.name]})")
    if dtype.is_complex:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{_dtype.TYPE_WORDS[dtype.name]}'")
    if not dtype.is_floating_point:
        raise RuntimeError(f"{name} requires a floating point or complex dtype")
    return dtype.np


def _freq_args(name, n, d, size=None):
    """(n, d) as an int and a float; ``size(n)``: the result's length, when it is not ``n``."""
    if _as_int(n) is None:
        raise TypeError(f"fft_{name}(): argument 'n' (position 1) must be int, not {_type_name(n)}")
    n = _as_int(n)
    if isinstance(d, Tensor):
        d = d.item()
    if not isinstance(d, (float, _int, xp.floating, xp.integer)):
        raise TypeError(f"fft_{name}(): argument 'd' (position 2) must be float, not {_type_name(d)}")
    m = n if size is None else size(n)
    if m < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {m}: [{m}]")
    return n, float(d)


def _scaled(k, span):
    with xp.errstate(divide="ignore", invalid="ignore"):  # n * d == 0 gives inf / nan, as in PyTorch
        return k / span


def _freq_result(values, npdt, out, requires_grad):
    res = wrap(values.astype(npdt))
    if out is not None:
        from ember._functions import _out
        res = _out(res, out)
    return res.requires_grad_(True) if requires_grad else res


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """The sample frequencies of an ``n``-point :func:`fft` with sample spacing ``d``: ``[0, 1, ..., (n - 1) // 2,
    -(n // 2), ..., -1] / (d * n)``.

    Args:
        n (int): the signal length.
        d (float): the sample spacing (frequencies come in cycles per unit of ``d``).
        dtype: a floating dtype (default: the default float dtype).

    Example::

        >>> ember.fft.fftfreq(4)
        tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    n, d = _freq_args("fftfreq", n, d)
    npdt = _freq_dtype("fftfreq", dtype, out)
    k = xp.arange(n, dtype=xp.float64)
    k[(n + 1) // 2:] -= n
    return _freq_result(_scaled(k, n * d), npdt, out, requires_grad)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """The sample frequencies of an ``n``-point :func:`rfft`: ``[0, 1, ..., n // 2] / (d * n)``; args as
    :func:`fftfreq`.

    Example::

        >>> ember.fft.rfftfreq(4)
        tensor([0.0000, 0.2500, 0.5000])
    """
    # (n / 2 rounded toward 0, as PyTorch: n = -1 gives one point, -0.)
    n, d = _freq_args("rfftfreq", n, d, size=lambda n: (n // 2 if n >= 0 else -(-n // 2)) + 1)
    npdt = _freq_dtype("rfftfreq", dtype, out)
    k = xp.arange((n // 2 if n >= 0 else -(-n // 2)) + 1, dtype=xp.float64)
    return _freq_result(_scaled(k, n * d), npdt, out, requires_grad)


def _shift(name, input, dim, inverse):
    _need_tensor(f"fft_{name}", "input", 1, input)
    from ember._functions import roll

    dims = tuple(range(input.ndim)) if dim is None else _int_tuple(name, "dim", dim)
    if not dims:
        raise RuntimeError("`shifts` required")
    sizes = [input.shape[input._wrap_dim(d)] if input.ndim else 1 for d in dims]
    return roll(input, [(n + 1) // 2 if inverse else n // 2 for n in sizes], dims)


def fftshift(input, dim=None):
    """``input`` rolled so that the zero frequency of an :func:`fft` result is in the middle of each of ``dim``
    (all dimensions by default).

    Example::

        >>> ember.fft.fftshift(ember.fft.fftfreq(4))
        tensor([-0.5000, -0.2500,  0.0000,  0.2500])
    """
    return _shift("fftshift", input, dim, False)


def ifftshift(input, dim=None):
    """The inverse of :func:`fftshift` (they differ for odd sizes)."""
    return _shift("ifftshift", input, dim, True)


# PyTorch's TypeError for a number, list, None, ... where a tensor is required (keep this after the functions)
from ember._functions_args import check_functions as _check_functions  # noqa: E402

_check_functions(globals(), "fft")
