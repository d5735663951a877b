"""ember.fft, ember.stft and ember.istft side by side with torch.fft / torch.stft / torch.istft: values, dtypes,
shapes, grad_fn names, gradients under random complex upstream gradients, double backward and errors."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

import ember
import ember.fft


def _arr(rng, shape, dtype):
    a = rng.standard_normal(shape)
    if dtype.startswith("complex"):
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def _np(t):
    t = t.detach()
    return t.resolve_conj().numpy() if hasattr(t, "resolve_conj") else t.numpy()


def _name(dt):
    return str(dt).split(".")[-1]


def _call(lib, fn, a, kwargs, grad=True):
    x = lib.from_numpy(a.copy())
    if grad:
        x.requires_grad_(True)
    return x, fn(lib, x, **kwargs)


def _compare(torch, fn, a, kwargs, tol):
    """Forward, grad_fn name, dtype and shape, then the input gradient under one random upstream gradient."""
    try:
        tx, to = _call(torch, fn, a, kwargs)
    except Exception as exc:  # noqa: BLE001 - the error must then be ember's too
        with pytest.raises(type(exc)) as info:
            _call(ember, fn, a, kwargs)
        assert str(info.value) == str(exc).split("\n")[0]
        return
    ex, eo = _call(ember, fn, a, kwargs)
    assert _name(eo.dtype) == _name(to.dtype)
    assert tuple(eo.shape) == tuple(to.shape)
    assert eo.grad_fn.name() == to.grad_fn.name()
    np.testing.assert_allclose(_np(eo), _np(to), rtol=tol, atol=tol)
    g = _arr(np.random.default_rng(7), tuple(to.shape), _name(to.dtype))
    to.backward(torch.from_numpy(g))
    eo.backward(ember.from_numpy(g))
    assert ex.grad.dtype == ex.dtype
    np.testing.assert_allclose(_np(ex.grad), _np(tx.grad), rtol=tol, atol=tol)


_ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
_N_D = ["fft2", "ifft2", "fftn", "ifftn", "rfft2", "irfft2", "rfftn", "irfftn", "hfft2", "ihfft2", "hfftn", "ihfftn"]
_KW_1D = [{}, {"n": 4}, {"n": 9}, {"dim": 0}, {"norm": "ortho"}, {"norm": "forward", "n": 3},
          {"dim": 0, "n": 7, "norm": "backward"}]
_KW_ND = [{}, {"s": (4, 5)}, {"s": (7, 3)}, {"dim": (1, 0)}, {"norm": "ortho"}, {"norm": "forward", "s": (3, -1)},
          {"dim": (0,), "s": (6,)}, {"s": (5,)}]
_TOL = {"float32": 2e-4, "complex64": 2e-4, "float64": 1e-10, "complex128": 1e-10}


@pytest.mark.parametrize("dtype", ["float32", "complex64", "float64", "complex128"])
@pytest.mark.parametrize("name", _ONE_D)
def test_one_dimensional_transforms(torch, name, dtype):
    rng = np.random.default_rng(0)
    for shape in [(5, 6), (4, 7), (3, 1)]:
        a = _arr(rng, shape, dtype)
        for kw in _KW_1D:
            _compare(torch, lambda lib, x, **k: getattr(lib.fft, name)(x, **k), a, kw, _TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "complex64", "float64", "complex128"])
@pytest.mark.parametrize("name", _N_D)
def test_multi_dimensional_transforms(torch, name, dtype):
    rng = np.random.default_rng(1)
    for shape in [(5, 6), (4, 7), (2, 3, 4)]:
        a = _arr(rng, shape, dtype)
        for kw in _KW_ND:
            if name.endswith("2") and len(kw.get("dim", (0, 1))) == 1:
                continue
            _compare(torch, lambda lib, x, **k: getattr(lib.fft, name)(x, **k), a, kw, _TOL[dtype])


def test_single_precision_is_kept():
    """float32 -> complex64 and back, never widened to 64 bits (NumPy's pocketfft computes in single precision)."""
    x = ember.randn(4, 6)
    assert ember.fft.fft(x).dtype == ember.complex64
    assert ember.fft.rfftn(x, norm="ortho").dtype == ember.complex64
    assert ember.fft.irfft(ember.fft.rfft(x)).dtype == ember.float32
    assert ember.fft.hfft2(ember.fft.fft2(x)).dtype == ember.float32
    assert ember.fft.ihfftn(x).dtype == ember.complex64
    assert ember.fft.fft(x.double()).dtype == ember.complex128
    assert ember.fft.irfft(ember.fft.rfft(x.double())).dtype == ember.float64


def test_integer_and_bool_inputs_use_the_default_float(torch):
    for lib in (ember, torch):
        assert _name(lib.fft.fft(lib.arange(5)).dtype) == "complex64"
        assert _name(lib.fft.irfft(lib.arange(5)).dtype) == "float32"
        assert _name(lib.fft.fft(lib.tensor([True, False])).dtype) == "complex64"
    np.testing.assert_allclose(ember.fft.rfft(ember.arange(6)).numpy(), torch.fft.rfft(torch.arange(6)).numpy(),
                               rtol=1e-6, atol=1e-5)
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.fft.fft(ember.arange(5)).dtype == ember.complex128
    finally:
        ember.set_default_dtype(ember.float32)


def test_empty_dims_and_zero_dim_input(torch):
    for lib in (ember, torch):
        x = lib.from_numpy(np.arange(6.0, dtype="float32").reshape(2, 3)).requires_grad_(True)
        y = lib.fft.fftn(x, dim=())
        assert y.grad_fn.name() == "FftC2CBackward0" and _name(y.dtype) == "complex64"
        np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy())
        s = lib.fft.fftn(lib.tensor(2.0))
        assert tuple(s.shape) == () and complex(s.item()) == 2


def _err(torch, call):
    """The exception of ``call(lib)`` in both libraries: same type and message."""
    with pytest.raises(Exception) as t_info:
        call(torch)
    with pytest.raises(type(t_info.value)) as e_info:
        call(ember)
    assert str(e_info.value) == str(t_info.value).split("\n")[0], (str(e_info.value), str(t_info.value))


_ERRORS = [
    lambda m, x, z: m.fft.fft(x, norm="bad"),
    lambda m, x, z: m.fft.fft(x, norm="Ortho"),
    lambda m, x, z: m.fft.fft(x, norm=1),
    lambda m, x, z: m.fft.fft(x, n=0),
    lambda m, x, z: m.fft.fft(x, n=-1),
    lambda m, x, z: m.fft.fft(x, n=True),
    lambda m, x, z: m.fft.fft(x, dim=(0,)),
    lambda m, x, z: m.fft.fft(x, dim=2),
    lambda m, x, z: m.fft.fft(x, dim=-3),
    lambda m, x, z: m.fft.fft([1, 2]),
    lambda m, x, z: m.fft.fft(m.tensor(1.0)),
    lambda m, x, z: m.fft.fft(m.ones(0)),
    lambda m, x, z: m.fft.fft(m.ones(3, dtype=m.float16)),
    lambda m, x, z: m.fft.fftn(x, dim=(0, 0)),
    lambda m, x, z: m.fft.fftn(x, dim=(0, -2)),
    lambda m, x, z: m.fft.fftn(x, s=(2, 3, 4)),
    lambda m, x, z: m.fft.fftn(x, s=(2, 3), dim=(0,)),
    lambda m, x, z: m.fft.fftn(x, s=(0, 3)),
    lambda m, x, z: m.fft.fftn(x, s=(2.0,)),
    lambda m, x, z: m.fft.fftn(x, dim=(0.0,)),
    lambda m, x, z: m.fft.fftn(x, dim=(0, 5)),
    lambda m, x, z: m.fft.fft2(x, s=(4,)),
    lambda m, x, z: m.fft.fft2(m.ones(3)),
    lambda m, x, z: m.fft.rfft(z),
    lambda m, x, z: m.fft.rfft2(z),
    lambda m, x, z: m.fft.rfftn(z),
    lambda m, x, z: m.fft.ihfft(z),
    lambda m, x, z: m.fft.ihfft2(z),
    lambda m, x, z: m.fft.ihfftn(z),
    lambda m, x, z: m.fft.rfftn(m.tensor(2.0)),
    lambda m, x, z: m.fft.irfftn(m.tensor(2.0)),
    lambda m, x, z: m.fft.rfft2(m.tensor(2.0)),
    lambda m, x, z: m.fft.rfftn(x, dim=()),
    lambda m, x, z: m.fft.irfft2(z, dim=()),
    lambda m, x, z: m.fft.hfftn(z, dim=()),
    lambda m, x, z: m.fft.ihfft2(x, dim=()),
    lambda m, x, z: m.fft.irfft(m.ones(4, 1)),
    lambda m, x, z: m.fft.irfft(m.ones(4, 0)),
    lambda m, x, z: m.fft.hfft(m.ones(1)),
    lambda m, x, z: m.fft.hfftn(m.ones(4, 1, dtype=m.complex64)),
    lambda m, x, z: m.fft.irfft2(m.ones(4, 1, dtype=m.complex64)),
    lambda m, x, z: m.fft.ihfft(x, n=0),
    lambda m, x, z: m.fft.fft(x, out=m.empty(0)),
    lambda m, x, z: m.fft.fft2(x, out=m.empty(0)),
    lambda m, x, z: m.fft.ifft(z, out=m.empty(0, dtype=m.int64)),
    lambda m, x, z: m.fft.rfft(x, out=m.empty(0)),
    lambda m, x, z: m.fft.irfft(z, out=m.empty(0, dtype=m.complex64)),
    lambda m, x, z: m.fft.hfft(z, out=m.empty(0, dtype=m.complex64)),
    lambda m, x, z: m.fft.irfftn(z, out=m.empty(0, dtype=m.complex64)),
    lambda m, x, z: m.fft.fft(x.requires_grad_(), out=m.empty(0, dtype=m.complex64)),
    lambda m, x, z: m.fft.fft(z.requires_grad_(), out=m.empty(0, dtype=m.complex64)),
    lambda m, x, z: m.fft.irfft(z.requires_grad_(), out=m.empty(0)),
    lambda m, x, z: m.fft.fftfreq(5.0),
    lambda m, x, z: m.fft.fftfreq(3, 1j),
    lambda m, x, z: m.fft.fftfreq(-1),
    lambda m, x, z: m.fft.fftfreq(5, dtype=m.int64),
    lambda m, x, z: m.fft.rfftfreq(4, dtype=m.int32),
    lambda m, x, z: m.fft.fftfreq(5, dtype=m.complex64),
    lambda m, x, z: m.fft.fftfreq(4, out=m.empty(0, dtype=m.int64)),
    lambda m, x, z: m.fft.fftfreq(3, out=m.empty(0), dtype=m.float64),
    lambda m, x, z: m.fft.fftshift(x, dim=5),
    lambda m, x, z: m.fft.fftshift(m.tensor(1.0)),
    lambda m, x, z: m.fft.ifftshift([1]),
]


@pytest.mark.parametrize("i", range(len(_ERRORS)))
def test_errors_as_torch(torch, i):
    rng = np.random.default_rng(0)
    a, b = _arr(rng, (4, 6), "float32"), _arr(rng, (4, 6), "complex64")
    _err(torch, lambda m: _ERRORS[i](m, m.from_numpy(a.copy()), m.from_numpy(b.copy())))


def test_out(torch):
    rng = np.random.default_rng(2)
    a, b = _arr(rng, (4, 6), "float32"), _arr(rng, (4, 6), "complex64")
    for call in [lambda m, x, z, o: m.fft.fft(x, out=o(m.complex128)),
                 lambda m, x, z, o: m.fft.fftn(z, out=o(m.complex64)),
                 lambda m, x, z, o: m.fft.irfft(z, out=o(m.float64)),
                 lambda m, x, z, o: m.fft.rfft2(x.double(), out=o(m.complex64)),
                 lambda m, x, z, o: m.fft.fftfreq(5, 0.5, out=o(m.float64))]:
        res = []
        for m in (ember, torch):
            res.append(call(m, m.from_numpy(a.copy()), m.from_numpy(b.copy()), lambda dt, m=m: m.empty(0, dtype=dt)))
        assert _name(res[0].dtype) == _name(res[1].dtype) and tuple(res[0].shape) == tuple(res[1].shape)
        np.testing.assert_allclose(res[0].numpy(), res[1].numpy(), rtol=1e-5, atol=1e-5)
    o = ember.empty(4, 6, dtype=ember.complex64)
    assert ember.fft.fft(ember.from_numpy(a), out=o) is o


def test_fftfreq_and_shift(torch):
    for call in [lambda m: m.fft.fftfreq(5, 0.1), lambda m: m.fft.fftfreq(4, d=2), lambda m: m.fft.fftfreq(0),
                 lambda m: m.fft.fftfreq(6, dtype=m.float64), lambda m: m.fft.fftfreq(3, d=2, dtype=m.float16),
                 lambda m: m.fft.rfftfreq(5), lambda m: m.fft.rfftfreq(6, 2), lambda m: m.fft.rfftfreq(5, d=0.3),
                 lambda m: m.fft.rfftfreq(0), lambda m: m.fft.fftfreq(3, d=m.tensor(2.0)),
                 lambda m: m.fft.fftfreq(n=3, layout=m.strided, device="cpu", pin_memory=False),
                 lambda m: m.fft.fftshift(m.arange(10).reshape(2, 5)),
                 lambda m: m.fft.ifftshift(m.arange(10).reshape(2, 5)),
                 lambda m: m.fft.fftshift(m.arange(10).reshape(2, 5), dim=1),
                 lambda m: m.fft.ifftshift(m.arange(5), dim=(0, 0)),
                 lambda m: m.fft.fftshift(m.fft.fftfreq(7))]:
        e, t = call(ember), call(torch)
        assert _name(e.dtype) == _name(t.dtype) and tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    f = ember.fft.fftfreq(5, requires_grad=True)
    assert f.requires_grad and f.is_leaf
    x = ember.randn(3, 4, requires_grad=True)
    t = torch.randn(3, 4, requires_grad=True)
    assert ember.fft.fftshift(x).grad_fn.name() == torch.fft.fftshift(t).grad_fn.name()


@pytest.mark.parametrize("name, kw, cplx", [("fft", {}, True), ("rfft", {"n": 7}, False), ("irfft", {}, True),
                                            ("fft2", {}, False), ("hfftn", {}, True), ("ihfftn", {"s": (3, 5)}, False),
                                            ("ifft", {}, False)])
def test_double_backward(torch, name, kw, cplx):
    """The gradient of the gradient (with respect to the upstream gradient) is the transform again."""
    a = _arr(np.random.default_rng(1), (4, 6), "complex128" if cplx else "float64")
    res = []
    for lib in (torch, ember):
        r = np.random.default_rng(2)
        x = lib.from_numpy(a.copy()).requires_grad_()
        y = getattr(lib.fft, name)(x, **kw)
        g = lib.from_numpy(_arr(r, tuple(y.shape), _name(y.dtype))).requires_grad_()
        (gx,) = lib.autograd.grad(y, x, g, create_graph=True)
        (gg,) = lib.autograd.grad(gx, g, lib.from_numpy(_arr(r, tuple(gx.shape), _name(gx.dtype))))
        res.append(_np(gg))
    np.testing.assert_allclose(res[1], res[0], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("fn", [lambda t: ember.fft.fft(t, n=5, norm="ortho"), lambda t: ember.fft.irfft(t, n=7),
                                lambda t: ember.fft.hfftn(t, s=(2, 5)), lambda t: ember.fft.ifftn(t, s=(4, 3)),
                                lambda t: ember.fft.ihfft2(t.real, s=(2, 5))])
def test_gradcheck_complex(fn):
    x = ember.from_numpy(_arr(np.random.default_rng(3), (3, 4), "complex128")).requires_grad_()
    assert ember.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_overlap_add_double_backward(torch, dtype):
    """istft's overlap-add (torch: fold) differentiated twice, complex frames included."""
    from ember._ops.spectral import OverlapAdd

    rng = np.random.default_rng(10)
    a, h = _arr(rng, (2, 5, 8), dtype), _arr(rng, (2, 5, 8), dtype)
    g = _arr(rng, (2, 20), dtype)
    res = []
    for lib, ola in [(torch, lambda f: torch.nn.functional.fold(f.transpose(-1, -2), (1, 20), (1, 8), stride=(1, 3))
                      .reshape(2, 20)), (ember, lambda f: OverlapAdd.apply(f, hop=3))]:
        x, gy = lib.from_numpy(a.copy()).requires_grad_(), lib.from_numpy(g.copy()).requires_grad_()
        (gx,) = lib.autograd.grad(ola(x), x, gy, create_graph=True)
        (gg,) = lib.autograd.grad(gx, gy, lib.from_numpy(h.copy()))
        res.append((_np(gx), _np(gg)))
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn", [lambda t: ember.fft.irfft(ember.fft.rfft(t, n=9), n=6),
                                lambda t: ember.fft.hfft(ember.fft.ihfft(t, norm="forward"), n=7),
                                lambda t: ember.fft.irfftn(ember.fft.rfftn(t, s=(5, 4)))])
def test_gradcheck_real(fn):
    x = ember.from_numpy(np.random.default_rng(4).standard_normal((3, 6))).requires_grad_()
    assert ember.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-6)


def test_integer_like_arguments(torch):
    """NumPy integers and one-element integer tensors pass for ints (n, dim, s, fftfreq's n), as in PyTorch; NumPy
    floats for fftfreq's d; requires_grad=True also marks an out= tensor."""
    a = _arr(np.random.default_rng(9), (4, 6), "float32")
    for call in [lambda m, x: m.fft.fft(x, n=np.int64(4), dim=np.int32(0)),
                 lambda m, x: m.fft.rfft(x, n=m.tensor(5)),
                 lambda m, x: m.fft.fftn(x, s=(np.int64(3), 5), dim=[np.int64(1), 0]),
                 lambda m, x: m.fft.irfftn(x, s=np.int64(4)),
                 lambda m, x: m.fft.fftshift(x, dim=(np.int64(1),)),
                 lambda m, x: m.fft.fftfreq(np.int64(5), np.float32(0.5)),
                 lambda m, x: m.fft.rfftfreq(m.tensor(6)),
                 lambda m, x: m.stft(x[0], np.int64(4), hop_length=m.tensor(2), window=m.ones(4), return_complex=True),
                 lambda m, x: m.istft(m.stft(x[0], 4, window=m.ones(4), return_complex=True), np.int64(4),
                                      win_length=np.int32(4), window=m.ones(4), length=np.int64(6))]:
        e, t = call(ember, ember.from_numpy(a.copy())), call(torch, torch.from_numpy(a.copy()))
        assert _name(e.dtype) == _name(t.dtype) and tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(_np(e), _np(t), rtol=1e-5, atol=1e-5)
    for m in (ember, torch):
        for fn in (m.fft.fftfreq, m.fft.rfftfreq):
            o = m.empty(0)
            assert fn(4, out=o, requires_grad=True) is o and o.requires_grad and o.is_leaf


def test_fft_loads_lazily():
    code = "import sys, ember; assert 'ember.fft' not in sys.modules; import ember.fft; ember.fft.fft; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"
    assert ember.fft is sys.modules["ember.fft"]


# ------------------------------------------------------------------------------------------------ stft / istft

_STFT = [dict(n_fft=16, return_complex=True), dict(n_fft=16, hop_length=5, return_complex=True),
         dict(n_fft=16, win_length=9, return_complex=True), dict(n_fft=16, center=False, return_complex=True),
         dict(n_fft=16, center=False, win_length=8, align_to_window=True, return_complex=True),
         dict(n_fft=15, win_length=8, center=False, align_to_window=False, return_complex=True),
         dict(n_fft=16, pad_mode="constant", normalized=True, return_complex=True),
         dict(n_fft=16, pad_mode="replicate", onesided=False, return_complex=True),
         dict(n_fft=16, pad_mode="circular", return_complex=True), dict(n_fft=12, hop_length=3, return_complex=False)]


def _stft_both(torch, fn, arrays, tol):
    res = []
    for lib in (torch, ember):
        ts = [None if a is None else lib.from_numpy(a.copy()).requires_grad_() for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(lib, *ts)
        res.append((ts, out))
    (tts, to), (ets, eo) = res
    assert _name(eo.dtype) == _name(to.dtype) and tuple(eo.shape) == tuple(to.shape)
    np.testing.assert_allclose(_np(eo), _np(to), rtol=tol, atol=tol)
    g = _arr(np.random.default_rng(5), tuple(to.shape), _name(to.dtype))
    to.backward(torch.from_numpy(g))
    eo.backward(ember.from_numpy(g))
    for e, t in zip(ets, tts):
        if t is not None:
            np.testing.assert_allclose(_np(e.grad), _np(t.grad), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64"])
@pytest.mark.parametrize("kw", _STFT, ids=range(len(_STFT)))
def test_stft(torch, kw, dtype):
    rng = np.random.default_rng(6)
    for shape in [(50,), (2, 50)]:
        a = _arr(rng, shape, dtype)
        wl = kw.get("win_length", kw["n_fft"])
        w = np.hanning(wl + 2)[1:-1].astype("float64" if dtype == "float64" else "float32")
        for window in (w, None):
            _stft_both(torch, lambda m, x, win: m.stft(x, window=win, **kw), [a, window], _TOL[dtype])


_ISTFT = [dict(n_fft=16), dict(n_fft=16, length=50), dict(n_fft=16, length=60), dict(n_fft=16, length=30),
          dict(n_fft=16, hop_length=5), dict(n_fft=16, win_length=10), dict(n_fft=16, normalized=True),
          dict(n_fft=15, hop_length=3)]


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("kw", _ISTFT, ids=range(len(_ISTFT)))
def test_istft(torch, kw, dtype):
    rng = np.random.default_rng(8)
    n = kw["n_fft"]
    wl = kw.get("win_length", n)
    w = np.hanning(wl + 2)[1:-1].astype("float32" if dtype == "complex64" else "float64")
    for batch in [(), (2,)]:
        for onesided, return_complex in [(True, False), (False, False), (False, True)]:
            spec = _arr(rng, batch + ((n // 2 + 1) if onesided else n, 13), dtype)
            for window in (w, None):
                k = dict(kw, onesided=onesided, return_complex=return_complex)
                _stft_both(torch, lambda m, s, win, k=k: m.istft(s, window=win, **k), [spec, window], _TOL[dtype])


def test_stft_istft_round_trip_and_methods(torch):
    x = ember.randn(2, 64)
    w = ember.hann_window(16)
    spec = x.stft(16, window=w, return_complex=True)
    assert spec.shape == (2, 9, 17) and spec.dtype == ember.complex64
    y = spec.istft(16, window=w, length=64)
    np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-5)
    xr = ember.randn(40, requires_grad=True)
    out = ember.stft(xr, 8, window=ember.hann_window(8), return_complex=True)
    assert out.grad_fn is not None
    back = ember.istft(out, 8, window=ember.hann_window(8), length=40)
    assert back.grad_fn.name() == torch.istft(torch.stft(torch.randn(40, requires_grad=True), 8,
                                                         window=torch.hann_window(8), return_complex=True),
                                              8, window=torch.hann_window(8), length=40).grad_fn.name()


_STFT_ERRORS = [
    lambda m, x: m.stft(x, 16),
    lambda m, x: m.stft(m.randn(2, 2, 50), 16, return_complex=True),
    lambda m, x: m.stft(x.to(m.complex64), 16, onesided=True, return_complex=True),
    lambda m, x: m.stft(x, 16, hop_length=0, return_complex=True),
    lambda m, x: m.stft(x, 16, win_length=20, return_complex=True),
    lambda m, x: m.stft(x, 16, window=m.ones(8), return_complex=True),
    lambda m, x: m.stft(x, 16, window=m.ones(2, 16), return_complex=True),
    lambda m, x: m.stft(x, 0, return_complex=True),
    lambda m, x: m.stft(x, 100, center=False, return_complex=True),
    lambda m, x: m.stft(x, 16, pad_mode="bad", return_complex=True),
    lambda m, x: m.stft(m.arange(50), 16, return_complex=True),
    lambda m, x: m.stft(x, 16, align_to_window=True, return_complex=True),
    lambda m, x: m.stft(x, 16, align_to_window=False, return_complex=True),
    lambda m, x: m.stft(m.randn(50), 3, return_complex=True),
]


def _short(msg):
    """The part of an stft/istft message after the echo of the call (which names each library's types)."""
    return msg.split(") : ")[-1].split(") window")[-1].split("\n")[0]


@pytest.mark.parametrize("i", range(len(_STFT_ERRORS)))
def test_stft_errors(torch, i):
    a = np.random.default_rng(0).standard_normal((2, 50)).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as t_info:
            _STFT_ERRORS[i](torch, torch.from_numpy(a))
        with pytest.raises(type(t_info.value)) as e_info:
            _STFT_ERRORS[i](ember, ember.from_numpy(a))
    assert _short(str(e_info.value)) == _short(str(t_info.value))


_ISTFT_ERRORS = [
    lambda m, s, w: m.istft(s, 16, window=w, center=False),
    lambda m, s, w: m.istft(s, 16, window=w, return_complex=True),
    lambda m, s, w: m.istft(s, 16, window=w, onesided=False),
    lambda m, s, w: m.istft(m.view_as_real(s), 16, window=w),
    lambda m, s, w: m.istft(s[0, :, 0], 16, window=w),
    lambda m, s, w: m.istft(s.unsqueeze(0), 16, window=w),
    lambda m, s, w: m.istft(s, 16, hop_length=0, window=w),
    lambda m, s, w: m.istft(s, 16, win_length=20),
    lambda m, s, w: m.istft(s, 16, window=m.ones(8)),
    lambda m, s, w: m.istft(s, 18, window=m.hann_window(18)),
    lambda m, s, w: m.istft(s, 16, window=m.zeros(16)),
    lambda m, s, w: m.istft(s, 16, window=w, hop_length=20),
    lambda m, s, w: m.istft(s, 16, window=w.to(m.complex64)),
    lambda m, s, w: m.istft(s[..., :0], 16, window=w),
]


@pytest.mark.parametrize("i", range(len(_ISTFT_ERRORS)))
def test_istft_errors(torch, i):
    a = _arr(np.random.default_rng(0), (2, 9, 13), "complex64")
    w = np.hanning(17)[:-1].astype("float32")  # periodic Hann: zero at the first point
    with pytest.raises(Exception) as t_info:
        _ISTFT_ERRORS[i](torch, torch.from_numpy(a), torch.from_numpy(w))
    with pytest.raises(type(t_info.value)) as e_info:
        _ISTFT_ERRORS[i](ember, ember.from_numpy(a), ember.from_numpy(w))
    assert _short(str(e_info.value)) == _short(str(t_info.value))


def test_stft_warnings(monkeypatch):
    """PyTorch's warnings (it warns once per process, so its texts are matched here, not caught side by side)."""
    monkeypatch.setattr(ember._functions_extra, "_warned", set())  # (the no-window warnings come once per process)
    x = ember.randn(50)
    with pytest.warns(UserWarning, match="stft with return_complex=False is deprecated"):
        ember.stft(x, 16, window=ember.ones(16), return_complex=False)
    with pytest.warns(UserWarning, match="A window was not provided. A rectangular window will be applied,which"):
        ember.stft(x, 16, return_complex=True)
    spec = ember.stft(x, 16, window=ember.ones(16), return_complex=True)
    with pytest.warns(UserWarning, match="A window was not provided. A rectangular window will be applied.Please"):
        ember.istft(spec, 16)
    with pytest.warns(UserWarning, match="shorter than the length parameter"):
        ember.istft(spec, 16, window=ember.ones(16), length=60)


def test_stft_real_output_deprecation_once_as_torch(torch, monkeypatch):
    # return_complex=False: PyTorch's deprecation text, once per process (every call under set_warn_always), on
    # the caller's line whichever path (function or method) is used
    from ember import _functions_extra

    monkeypatch.setattr(_functions_extra, "_warned", set())
    texts, later = [], []
    for lib in (ember, torch):
        x, w = lib.randn(40), lib.hann_window(16)

        def calls(lib=lib, x=x, w=w):
            with warnings.catch_warnings(record=True) as got:
                warnings.simplefilter("always")
                lib.stft(x, 16, window=w, return_complex=False)
                x.stft(16, window=w, return_complex=False)
            return [(str(g.message).split(" (Triggered internally")[0].replace("torch.", "ember."), g.filename)
                    for g in got]
        first = calls()  # (torch may have warned earlier in this process already)
        later.append(calls())
        old = lib.is_warn_always_enabled()
        lib.set_warn_always(True)
        try:
            texts.append([m for m, _ in calls()])
        finally:
            lib.set_warn_always(old)
        if lib is ember:
            assert [m for m, _ in first] == texts[0][:1] and first[0][1] == __file__
    assert later == [[], []]
    assert texts[0] == texts[1] and len(texts[0]) == 2


def _warned_then(lib, fn):
    """(the warnings' texts, the error's type and message after the call's echo) of ``fn()`` under
    ``set_warn_always(True)`` (PyTorch's no-window warnings otherwise come once per process)."""
    old = lib.is_warn_always_enabled()
    lib.set_warn_always(True)
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                fn()
                err = None
            except Exception as exc:  # noqa: BLE001 - compared across libraries
                err = type(exc).__name__, _short(str(exc))
    finally:
        lib.set_warn_always(old)
    return [str(x.message).replace("ember.", "torch.").split(" (Triggered internally")[0] for x in w], err


@pytest.mark.parametrize("fn", [
    lambda m, s: m.stft(m.ones(64), 100, center=False, return_complex=True),
    lambda m, s: m.stft(m.ones(64), 16),
    lambda m, s: m.stft(m.arange(64), 16, return_complex=True),
    lambda m, s: m.istft(s.real, 16),
    lambda m, s: m.istft(s, 16, hop_length=20),
    lambda m, s: m.istft(s, 0),
    lambda m, s: m.istft(s, 36, hop_length=40, window=m.ones(3)),
    lambda m, s: m.istft(s, 16, win_length=20, onesided=False),
])
def test_no_window_warning_comes_first_and_error_order(torch, fn):
    spec = np.fft.rfft(np.hanning(16)[None] * np.ones((5, 1)), axis=1).T.astype("complex64")
    got = _warned_then(ember, lambda: fn(ember, ember.from_numpy(spec)))
    assert got == _warned_then(torch, lambda: fn(torch, torch.from_numpy(spec)))


def test_no_window_warnings_once_per_process(torch):
    code = ("import sys, warnings; lib = __import__(sys.argv[1]); warnings.simplefilter('always')\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    for _ in range(2):\n"
            "        s = lib.stft(lib.ones(32), 8, return_complex=True)\n"
            "        lib.istft(s, 8)\n"
            "print(len(w))")
    counts = [subprocess.run([sys.executable, "-c", code, lib], capture_output=True, text=True, check=True).stdout
              for lib in ("torch", "ember")]
    assert counts[0] == counts[1] == "2\n"


def test_istft_overlap_add_error_whole_text(torch):
    spec = np.ones((9, 5), "complex64")
    msgs = []
    for m in (torch, ember):
        with pytest.raises(RuntimeError) as info:
            m.istft(m.from_numpy(spec), 16, window=m.hann_window(16), center=False)
        msgs.append(str(info.value).split(") window")[-1])
    assert msgs[0] == msgs[1] == " overlap add min: 1\n[ CPUBoolType{} ]"


@pytest.mark.parametrize("shape", [(64,), (2, 64)])
def test_stft_graph_node_names(torch, shape):
    def names(m):
        x = m.ones(*shape, requires_grad=True)
        y = m.stft(x, 16, window=m.hann_window(16), return_complex=True)
        return y.grad_fn.name(), y.grad_fn.next_functions[0][0].name(), y.stride()
    assert names(ember) == names(torch)


@pytest.mark.parametrize("n", [-1, -2, -3, -4, -7, 0, 1])
@pytest.mark.parametrize("d", [1.0, -0.5])
def test_freq_of_negative_lengths(torch, n, d):
    # PyTorch's rfftfreq sizes its result n / 2 + 1 rounded toward 0: -1 gives [-0.], -2 and -3 nothing
    for name in ("rfftfreq", "fftfreq"):
        def run(m, name=name):
            try:
                r = getattr(m.fft, name)(n, d)
                return r.dtype.itemsize, repr(r.numpy().tolist()), np.signbit(r.numpy()).tolist()
            except Exception as exc:  # noqa: BLE001 - compared across libraries
                return type(exc).__name__, str(exc)
        assert run(ember) == run(torch)


@pytest.mark.parametrize("fn,kw", [("rfft", {}), ("rfft", {"n": 6}), ("fft", {}), ("ihfft", {}), ("rfft2", {}),
                                   ("rfftn", {"s": (4, 3)}), ("fft2", {}), ("rfftn", {"norm": "ortho"}),
                                   ("rfft", {"norm": "forward"})])
@pytest.mark.parametrize("shape", [(3, 8), (5, 6), (6, 4), (4, 7), (2, 1)])
def test_real_input_self_conjugate_bins_exactly_real(torch, fn, kw, shape):
    """Real signals: the imaginary parts at the self-conjugate bins are exact (signed) zeros as in PyTorch."""
    x = np.random.default_rng(2).standard_normal(shape).astype("float32")
    res = [getattr(lib.fft, fn)(lib.tensor(x), **kw).resolve_conj().numpy() for lib in (torch, ember)]
    zt, ze = res[0].imag == 0, res[1].imag == 0
    np.testing.assert_array_equal(ze, zt)
    if fn == "ihfft":  # (conjugated: -0.0; elsewhere the sign of a zero away from those bins may differ)
        np.testing.assert_array_equal(np.signbit(res[1].imag[ze]), np.signbit(res[0].imag[zt]))
