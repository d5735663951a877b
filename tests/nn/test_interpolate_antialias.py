"""F.interpolate(antialias=True) (bilinear, bicubic, lanczos) and interpolate's size checks, against PyTorch."""

import numpy as np
import pytest

import ember
from tests.nn.test_upsampling import _outcome

_SIZES = [dict(size=(5, 7)), dict(size=(17, 4)), dict(size=(1, 1)), dict(scale_factor=0.3),
          dict(scale_factor=(0.45, 1.7)), dict(scale_factor=0.37, recompute_scale_factor=True), dict(scale_factor=2.5)]
_MODES = [("bilinear", False), ("bilinear", True), ("bicubic", False), ("bicubic", True), ("lanczos", False)]


def _run(lib, x, kw, grad=None, channels_last=False):
    t = lib.from_numpy(x.copy())
    if channels_last:
        t = t.contiguous(memory_format=lib.channels_last)
    if grad is not None:
        t.requires_grad_()
    y = lib.nn.functional.interpolate(t, antialias=True, **kw)
    out = {"value": y.detach().numpy(), "dtype": str(y.dtype).split(".")[-1],
           "channels_last": y.is_contiguous(memory_format=lib.channels_last)}
    if grad is not None:
        y.backward(lib.from_numpy(grad))
        out["grad"] = t.grad.numpy()
        out["grad_fn"] = type(y.grad_fn).__name__ if lib is not ember else y.grad_fn.name()
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode,align_corners", _MODES)
@pytest.mark.parametrize("size", _SIZES, ids=[str(i) for i in range(len(_SIZES))])
def test_forward_and_backward_match_torch(torch, dtype, mode, align_corners, size):
    kw = dict(mode=mode, align_corners=align_corners, **size)
    x = np.random.default_rng(0).standard_normal((2, 3, 13, 9)).astype(dtype)
    shape = _run(torch, x, kw)["value"].shape
    g = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    t, e = _run(torch, x, kw, grad=g), _run(ember, x, kw, grad=g)
    assert e["value"].shape == t["value"].shape and e["dtype"] == t["dtype"] and e["grad_fn"] == t["grad_fn"]
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(e["value"], t["value"], rtol=tol, atol=tol)
    np.testing.assert_allclose(e["grad"], t["grad"], rtol=tol, atol=tol)


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("mode,align_corners", _MODES)
@pytest.mark.parametrize("size", [dict(size=(5, 7)), dict(size=(20, 3)), dict(scale_factor=(0.7, 0.35)),
                                  dict(size=(13, 4))])
def test_uint8_matches_torch_exactly(torch, channels_last, mode, align_corners, size):
    # PyTorch's fixed-point kernel (int16 weights, width pass then height pass, each rounded): bit for bit
    kw = dict(mode=mode, align_corners=align_corners, **size)
    x = np.random.default_rng(0).integers(0, 256, (2, 3, 13, 9)).astype("uint8")
    t, e = _run(torch, x, kw, channels_last=channels_last), _run(ember, x, kw, channels_last=channels_last)
    assert e["dtype"] == t["dtype"] == "uint8" and e["channels_last"] == t["channels_last"]
    np.testing.assert_array_equal(e["value"], t["value"])


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_channels_last_input_gives_channels_last_output(torch, mode):
    x = np.random.default_rng(0).standard_normal((2, 3, 12, 10)).astype("float32")
    kw = dict(mode=mode, size=(5, 4))
    t, e = _run(torch, x, kw, channels_last=True), _run(ember, x, kw, channels_last=True)
    assert e["channels_last"] and t["channels_last"]
    np.testing.assert_allclose(e["value"], t["value"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode,kw", [("bilinear", dict(size=(3, 5))), ("bicubic", dict(scale_factor=0.4,
                                                                                        align_corners=True)),
                                     ("lanczos", dict(size=(4, 11)))])
def test_gradcheck_and_double_backward(torch, mode, kw):
    def fn(t):
        return ember.nn.functional.interpolate(t, mode=mode, antialias=True, **kw)

    x = ember.randn(1, 2, 9, 7, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(fn, (x,))
    assert ember.autograd.gradgradcheck(fn, (x,))
    results = []
    for lib in (torch, ember):
        x = lib.tensor(np.random.default_rng(0).standard_normal((2, 3, 9, 7)), dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.interpolate(x * x, mode=mode, antialias=True, **kw)
        (gx,) = lib.autograd.grad((y * y).sum(), (x,), create_graph=True)
        (gx ** 2).sum().backward()
        results.append([gx.detach().numpy(), x.grad.numpy()])
    for t, e in zip(*results):
        np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-10)


def test_a_dim_keeping_its_size_is_copied(torch):
    # A scale factor that leaves a size unchanged: PyTorch's forward copies that dim (its backward then uses
    # the resampling weights anyway, which is not the derivative of its forward; ember's gradient is)
    x = np.random.default_rng(0).standard_normal((1, 2, 10, 10))
    kw = dict(mode="bicubic", scale_factor=(1.05, 0.5))
    t, e = _run(torch, x, kw), _run(ember, x, kw)
    np.testing.assert_allclose(e["value"], t["value"], rtol=1e-12, atol=1e-12)
    xt = ember.tensor(x, requires_grad=True)
    assert ember.autograd.gradcheck(lambda a: ember.nn.functional.interpolate(a, antialias=True, **kw), (xt,))


def test_unchanged_size_returns_a_copy(torch):
    for lib in (torch, ember):
        x = lib.ones(1, 1, 4, 4)
        y = lib.nn.functional.interpolate(x, size=(4, 4), mode="bilinear", antialias=True)
        y.add_(1)
        assert float(x.sum()) == 16.0


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int64", "int8", "bool", "complex64"])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
@pytest.mark.parametrize("size", [(3, 5), (8, 5), (8, 8)])
def test_dtypes_as_torch(torch, dtype, mode, size):
    # no kernel for these dtypes, except when nothing is resampled (a copy)
    def fn(m):
        x = m.arange(2 * 3 * 8 * 8).reshape(2, 3, 8, 8).to(getattr(m, dtype))
        return m.nn.functional.interpolate(x, size=size, mode=mode, antialias=True)
    assert _outcome(ember, fn) == _outcome(torch, fn)


_ALL_MODES = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 2), ("linear", 1), ("bilinear", 2),
              ("bicubic", 2), ("trilinear", 3), ("area", 2), ("bilinear-aa", 2), ("bicubic-aa", 2), ("lanczos", 2)]


@pytest.mark.parametrize("mode,nd", _ALL_MODES)
@pytest.mark.parametrize("case", ["out0", "outneg", "in0", "c0", "n0", "sfsmall", "sf0", "sfneg", "recompute",
                                  "sflist", "sizelist", "sizefloat"])
def test_size_checks_match_torch(torch, mode, nd, case):
    shape = (2, 3) + (6,) * nd
    kw = {"out0": dict(size=(0,) + (3,) * (nd - 1)), "outneg": dict(size=(3,) * (nd - 1) + (-2,)),
          "in0": dict(size=(3,) * nd), "c0": dict(size=(3,) * nd), "n0": dict(size=(3,) * nd),
          "sfsmall": dict(scale_factor=0.1), "sf0": dict(scale_factor=0.0), "sfneg": dict(scale_factor=-0.3),
          "recompute": dict(size=3, recompute_scale_factor=True), "sflist": dict(scale_factor=(2,) * (nd + 1)),
          "sizelist": dict(size=(3,) * (nd + 1)), "sizefloat": dict(size=(3.0,) * nd)}[case]
    shape = {"in0": (2, 3, 0) + (6,) * (nd - 1), "c0": (2, 0) + (6,) * nd, "n0": (0, 3) + (6,) * nd}.get(case, shape)

    def fn(m):
        return m.nn.functional.interpolate(m.zeros(shape), mode=mode.replace("-aa", ""),
                                           antialias=mode.endswith("-aa") or mode == "lanczos", **kw)
    assert _outcome(ember, fn) == _outcome(torch, fn)
