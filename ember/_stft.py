"""``ember.stft`` / ``ember.istft``: the short-time Fourier transform and its inverse, as PyTorch's.

Built from differentiable ops: frames are a strided view of the (padded) signal (``unfold``), transformed by
``ember.fft``; the inverse overlap-adds the inverse transforms (``OverlapAdd``) and divides by the summed squared
window, so gradients flow to the signal and to the window.
"""

import warnings

from ember import _dtype
from ember import _ops
from ember._backend import xp
from ember._tensor import Tensor
from ember.fft import _as_int

__all__ = ["stft", "istft"]

_STFT_NO_WINDOW = (
    "A window was not provided. A rectangular window will be applied,which is known to cause spectral leakage. "
    "Other windows such as ember.hann_window or ember.hamming_window are recommended to reduce spectral "
    "leakage.To suppress this warning and use a rectangular window, explicitly set "
    "`window=ember.ones(n_fft, device=<device>)`.")
_ISTFT_NO_WINDOW = (
    "A window was not provided. A rectangular window will be applied.Please provide the same window used by stft "
    "to make the inversion lossless.To suppress this warning and use a rectangular window, explicitly set "
    "`window=ember.ones(n_fft, device=<device>)`.")
_REAL_DEPRECATED = (
    "stft with return_complex=False is deprecated. In a future pytorch release, stft will return complex tensors "
    "for all inputs, and return_complex=False will raise an error.\nNote: you can still call ember.view_as_real on "
    "the complex output to recover the old return format.")


def _flag(v):
    return "None" if v is None else str(int(v))


def _window_str(window):
    return "None" if window is None else f"{window.type()}{{[{', '.join(map(str, window.shape))}]}}"


def _int_arg(fn, name, v, optional=True):
    """``v`` as an int (NumPy integers and integer tensors of one element too, as PyTorch), or None."""
    if v is None and optional:
        return v
    if _as_int(v) is None:
        raise TypeError(f"{fn}(): argument '{name}' must be int, not {type(v).__name__}")
    return _as_int(v)


def _warn_no_window(key, message):
    # PyTorch warns once per process (or every time under set_warn_always), before checking anything else
    from ember import _functions_args as _args
    from ember import _functions_extra as _fx  # (only here: no window given)
    if _fx._settings["warn_always"] or key not in _fx._warned:
        _fx._warned.add(key)
        _args.warn(message)  # (on the caller's line)


def _centered(window, n_fft):
    """``window`` zero-padded on both sides to ``n_fft`` points (the extra point, if odd, on the right)."""
    from ember.nn.functional import pad

    left = (n_fft - window.shape[0]) // 2
    return pad(window, (left, n_fft - window.shape[0] - left)) if window.shape[0] < n_fft else window


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
         normalized=False, onesided=None, return_complex=None, align_to_window=None):
    """The short-time Fourier transform: the spectra of ``n_fft``-point windowed frames ``hop_length`` apart.

    Args:
        input (Tensor): the signal, ``(L)`` or ``(B, L)``, real or complex.
        n_fft (int): the frame length (and transform size).
        hop_length (int, optional): the distance between frames (default ``n_fft // 4``).
        win_length (int, optional): the window length (default ``n_fft``); shorter windows are zero-padded on
            both sides to ``n_fft``.
        window (Tensor, optional): the window, ``(win_length)`` (default: all ones, with a warning).
        center (bool): pad ``input`` by ``n_fft // 2`` on both sides (``pad_mode``) so frame ``t`` is centred on
            sample ``t * hop_length``.
        pad_mode (str): ``"reflect"``, ``"constant"``, ``"replicate"`` or ``"circular"``.
        normalized (bool): scale by ``n_fft ** -0.5``.
        onesided (bool, optional): only the ``n_fft // 2 + 1`` non-negative frequencies (the default for real
            input and window).
        return_complex (bool): required for real inputs; ``False`` (deprecated) returns
            ``view_as_real`` of the result.
        align_to_window (bool, optional): with ``center=False``, frames start where their window starts
            (matters when ``win_length < n_fft``).

    Shapes: ``(B?, n_freq, n_frames)``, ``n_freq = n_fft // 2 + 1`` when onesided else ``n_fft``.

    Example::

        >>> ember.stft(ember.randn(100), 16, window=ember.hann_window(16), return_complex=True).shape
        ember.Size([9, 26])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"stft(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    n_fft = _int_arg("stft", "n_fft", n_fft, optional=False)
    hop_length = _int_arg("stft", "hop_length", hop_length)
    win_length = _int_arg("stft", "win_length", win_length)
    if window is not None and not isinstance(window, Tensor):
        raise TypeError(f"stft(): argument 'window' must be Tensor, not {type(window).__name__}")
    if window is None:
        _warn_no_window("stft_window", _STFT_NO_WINDOW)
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    x = input
    if center:
        from ember.nn.functional import pad

        nd = x.ndim
        half = n_fft // 2
        x = pad(x.view([1] * (3 - nd) + list(x.shape)), [half, half], pad_mode)
        x = x.view(x.shape[-nd:] if nd else ())
    hop = n_fft // 4 if hop_length is None else hop_length
    wl = n_fft if win_length is None else win_length
    complex_in = x.is_complex() or (window is not None and window.is_complex())
    if return_complex is None:
        if not complex_in:
            raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will "
                               "further require that return_complex=True in a future PyTorch release.")
        return_complex = True
    elif not return_complex:
        _warn_no_window("stft_real", _REAL_DEPRECATED)  # (once per process too, on the caller's line)
    prefix = (f"stft({x.type()}[{', '.join(map(str, x.shape))}], n_fft={n_fft}, hop_length={hop}, "
              f"win_length={wl}, window={_window_str(window)}, normalized={_flag(normalized)}, "
              f"onesided={_flag(onesided)}, return_complex={_flag(return_complex)}, "
              f"align_to_window={_flag(align_to_window)}) : ")
    if _ops._hooks:  # CPU autocast: PyTorch's float32 list
        x, = _ops.autocast_fp32_args(x)
    if x._data.dtype.kind not in "fVc":
        raise RuntimeError(prefix + "expected a tensor of floating point or complex values")
    if x._data.dtype.itemsize == 2:  # float16, bfloat16
        raise RuntimeError(f"MKL FFT doesn't support tensors of type: {x.type().split('.')[1][:-6]}")
    if x.ndim not in (1, 2):
        raise RuntimeError(prefix + "expected a 1D or 2D tensor")
    length = x.shape[-1]
    if n_fft <= 0 or n_fft > length:
        raise RuntimeError(prefix + f"expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop <= 0:
        raise RuntimeError(prefix + f"expected hop_length > 0, but got hop_length={hop}")
    if wl <= 0 or wl > n_fft:
        raise RuntimeError(prefix + f"expected 0 < win_length <= n_fft, but got win_length={wl}")
    if window is not None and (window.ndim != 1 or window.shape[0] != wl):
        raise RuntimeError(prefix + f"expected a 1D window tensor of size equal to win_length={wl}, but got "
                           f"window with size [{', '.join(map(str, window.shape))}]")
    if onesided is None:
        onesided = not complex_in
    elif onesided and complex_in:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    if window is None:
        if wl < n_fft:  # the rectangular window of win_length points, centred in the frame
            import ember
            window = ember.ones(wl, dtype=_dtype.to_real(x.dtype))
    if window is not None and window._data.dtype != x._data.dtype:
        # the signal in the pair's common precision (a complex window multiplies a real signal as it is)
        common = _dtype.promote_types(x.dtype, _dtype.to_real(window.dtype))
        if common != x.dtype and not x.is_complex():
            x = x.to(common)
    if align_to_window and wl < n_fft:
        # frames start where their window starts: read the signal from `left` samples before each frame (the
        # window is zero there, so the padding only keeps the view in bounds)
        from ember.nn.functional import pad

        left = (n_fft - wl) // 2
        x = pad(x, (left, n_fft - wl - left))
    single = x.ndim == 1
    if single:  # (batched, then squeezed in place as PyTorch does: the graph's nodes are named as its)
        x = x.unsqueeze(0)
    frames = x.unfold(-1, n_fft, hop)  # (B, n_frames, n_fft), a strided view
    if window is not None:
        frames = frames * _centered(window, n_fft)
    import ember.fft as fft

    norm = "ortho" if normalized else "backward"
    spec = fft.rfft(frames, norm=norm) if onesided else fft.fft(frames, norm=norm)
    spec.transpose_(-1, -2)
    if single:
        spec.squeeze_(0)
    if not return_complex:
        import ember
        return ember.view_as_real(spec)
    return spec


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
          onesided=None, length=None, return_complex=False):
    """The inverse of :func:`stft`: overlap-adds the frames' inverse transforms, divided by the summed squared
    window (which must not vanish anywhere: the NOLA condition).

    Args:
        input (Tensor): complex spectra ``(B?, n_freq, n_frames)``, as :func:`stft` returns them.
        n_fft, hop_length, win_length, window, center, normalized: as given to :func:`stft`.
        onesided (bool, optional): whether ``input`` holds only the non-negative frequencies (default: when
            ``n_freq != n_fft``).
        length (int, optional): the signal length (trimmed, or zero-padded with a warning).
        return_complex (bool): a complex signal (needs a two-sided ``input``).

    Example::

        >>> x = ember.randn(64)
        >>> w = ember.hann_window(16)
        >>> y = ember.istft(ember.stft(x, 16, window=w, return_complex=True), 16, window=w, length=64)
        >>> bool(ember.allclose(x, y, atol=1e-5))
        True
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"istft(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    n_fft = _int_arg("istft", "n_fft", n_fft, optional=False)
    hop_length = _int_arg("istft", "hop_length", hop_length)
    win_length = _int_arg("istft", "win_length", win_length)
    length = _int_arg("istft", "length", length)
    if window is None:
        _warn_no_window("istft_window", _ISTFT_NO_WINDOW)
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    hop = n_fft // 4 if hop_length is None else hop_length
    wl = n_fft if win_length is None else win_length
    nd = input.ndim
    if nd < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd - 1}, {nd}], but got -3)")
    word = _dtype.TYPE_WORDS[input._data.dtype.name]
    prefix = (f"istft(CPU{word}Type[{', '.join(map(str, input.shape))}], n_fft={n_fft}, hop_length={hop}, "
              f"win_length={wl}, window={_window_str(window)}, center={_flag(center)}, "
              f"normalized={_flag(normalized)}, onesided={_flag(onesided)}, "
              f"length={'None' if length is None else length}, return_complex={_flag(return_complex)})")
    if nd > 3:
        raise RuntimeError(prefix + f" : expected a tensor with 3 or 4 dimensions, but got {nd + 1}")
    n_frames, fft_size = input.shape[-1], input.shape[-2]
    if n_frames == 0:
        raise RuntimeError(prefix + " : input tensor cannot be empty.")
    if onesided is None:
        onesided = fft_size != n_fft
    if onesided and fft_size != n_fft // 2 + 1:
        raise RuntimeError(prefix + " : expected the frequency dimension (3rd to the last) of the input tensor to "
                           f"match n_fft / 2 + 1 when onesided=True, but got {fft_size}")
    if not onesided and fft_size != n_fft:
        raise RuntimeError(prefix + " : expected the frequency dimension (3rd to the last) of the input tensor to "
                           f"match n_fft when onesided=False, but got {fft_size}")
    if hop <= 0 or hop > wl:
        raise RuntimeError(prefix + " : expected 0 < hop_length <= win_length")
    if wl <= 0 or wl > n_fft:
        raise RuntimeError(prefix + " : expected 0 < win_length <= n_fft")
    if window is not None and (window.ndim != 1 or window.shape[0] != wl):
        raise RuntimeError(prefix + " : Invalid window shape. window has to be 1D and length of `win_length`")
    if return_complex:
        if onesided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
    else:
        if window is not None and window.is_complex():
            raise RuntimeError("Complex windows are incompatible with return_complex=False")
        if not onesided:  # a real signal only reads the non-negative frequencies
            input = input.narrow(-2, 0, n_fft // 2 + 1)
            onesided = True
    import ember
    import ember.fft as fft
    from ember._ops import spectral as _S

    real_dt = _dtype.to_real(input.dtype)
    if window is None:
        window = ember.ones(wl, dtype=real_dt)
    window = _centered(window, n_fft)
    norm = "ortho" if normalized else "backward"
    spec = input.transpose(-1, -2)  # (B?, n_frames, n_freq)
    frames = fft.irfft(spec, n=n_fft, norm=norm) if onesided else fft.ifft(spec, n=n_fft, norm=norm)
    frames = frames * window
    batched = nd == 3
    if not batched:
        frames = frames.unsqueeze(0)
    total = n_fft + hop * (n_frames - 1)

    def overlap_add(f):  # (B, n_frames, n_fft) -> (B, total): the frames summed at their offsets
        return _S.OverlapAdd.apply(f, hop=hop)

    y = overlap_add(frames)
    envelope = overlap_add((window * window).expand(1, n_frames, n_fft)).reshape(total)
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = total - n_fft // 2 if center else total
    end = min(end, total)
    y = y[:, start:end]
    envelope = envelope[start:end]
    if bool(xp.any(xp.abs(envelope._data) < 1e-11)):
        raise RuntimeError(prefix + " window overlap add min: 1\n[ CPUBoolType{} ]")
    y = y / envelope
    if length is not None and y.shape[-1] < length:
        warnings.warn("The length of signal is shorter than the length parameter. Result is being padded with "
                      "zeros in the tail. Please check your center and hop_length settings.", UserWarning,
                      stacklevel=2)
        from ember.nn.functional import pad
        y = pad(y, (0, length - y.shape[-1]))
    return y if batched else y.squeeze(0)

