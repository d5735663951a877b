"""Upsample layers and F.interpolate against PyTorch."""

import numpy as np
import pytest

import ember
import ember.nn as nn
from tests._helpers import sweep_outcome


def _compare(torch, tfn, efn, shape, atol=1e-5):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    tx = torch.from_numpy(x.copy()).requires_grad_()
    ex = ember.from_numpy(x.copy()).requires_grad_()
    to, eo = tfn(tx), efn(ex)
    assert tuple(eo.shape) == tuple(to.shape)
    assert eo.dtype == ember.float32
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=atol)
    g = np.random.default_rng(1).standard_normal(tuple(to.shape)).astype("float32")
    (to * torch.from_numpy(g)).sum().backward()
    (eo * ember.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=atol)
    return eo


CASES = [
    (dict(scale_factor=2), (1, 2, 3, 4)),
    (dict(scale_factor=3), (2, 2, 5)),
    (dict(size=(5, 7)), (1, 2, 3, 4)),
    (dict(size=2), (1, 2, 5, 5)),  # downsampling
    (dict(scale_factor=(2, 1.5)), (1, 1, 3, 4)),
    (dict(scale_factor=1.7, mode="nearest-exact"), (1, 2, 3, 4)),
    (dict(size=(5, 7), mode="bilinear"), (1, 2, 3, 4)),
    (dict(scale_factor=2.5, mode="bilinear", align_corners=True), (2, 1, 3, 4)),
    (dict(scale_factor=0.6, mode="bilinear"), (1, 2, 5, 6)),
    (dict(scale_factor=3, mode="linear"), (2, 2, 4)),
    (dict(size=7, mode="linear", align_corners=True), (2, 2, 4)),
    (dict(size=(4, 6), mode="bicubic"), (1, 1, 3, 4)),
    (dict(scale_factor=2, mode="trilinear"), (1, 1, 2, 3, 2)),
    (dict(scale_factor=2), (1, 1, 2, 3, 2)),
    (dict(size=(3, 2), mode="area"), (1, 2, 7, 5)),
]


@pytest.mark.parametrize("kw,shape", CASES, ids=[str(i) for i in range(len(CASES))])
def test_interpolate_matches_torch(torch, kw, shape):
    _compare(torch, lambda x: torch.nn.functional.interpolate(x, **kw),
             lambda x: ember.nn.functional.interpolate(x, **kw), shape)


@pytest.mark.parametrize("name,kw", [
    ("Upsample", dict(scale_factor=2)),
    ("Upsample", dict(size=(4, 5), mode="bilinear", align_corners=False)),
    ("UpsamplingNearest2d", dict(scale_factor=2)),
    ("UpsamplingBilinear2d", dict(size=5)),
])
def test_upsample_modules_match_torch(torch, name, kw):
    tm, em = getattr(torch.nn, name)(**kw), getattr(nn, name)(**kw)
    _compare(torch, tm, em, (1, 2, 3, 3))
    assert repr(em) == repr(tm)


def test_pixel_shuffle_matches_torch(torch):
    _compare(torch, torch.nn.PixelShuffle(2), nn.PixelShuffle(2), (2, 8, 3, 3))
    _compare(torch, torch.nn.PixelUnshuffle(2), nn.PixelUnshuffle(2), (2, 2, 4, 6))
    assert repr(nn.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"


def test_grad_fn_names():
    x = ember.randn(1, 1, 3, 3, requires_grad=True)
    F = ember.nn.functional
    assert F.interpolate(x, scale_factor=2).grad_fn.name() == "UpsampleNearest2DBackward0"
    assert F.interpolate(x, scale_factor=2, mode="bilinear").grad_fn.name() == "UpsampleBilinear2DBackward0"


def _raises(torch, exc, fn):
    with pytest.raises(exc) as te:
        fn(torch)
    with pytest.raises(exc) as ee:
        fn(ember)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("fn,exc", [
    (lambda m: m.nn.functional.interpolate(m.zeros(1, 2, 3), size=4, mode="bilinear"), NotImplementedError),
    (lambda m: m.nn.functional.interpolate(m.zeros(1, 2, 3, 3)), ValueError),
    (lambda m: m.nn.functional.interpolate(m.zeros(1, 2, 3, 3), size=4, scale_factor=2), ValueError),
    (lambda m: m.nn.functional.interpolate(m.zeros(1, 2, 3, 3), size=4, align_corners=True), ValueError),
])
def test_errors_match_torch(torch, fn, exc):
    _raises(torch, exc, fn)


@pytest.mark.parametrize("kw", [dict(scale_factor=2, mode="bilinear"), dict(size=(5, 9), mode="nearest"),
                                dict(scale_factor=1.5, mode="bicubic", align_corners=True)])
def test_interpolate_double_backward_matches_torch(torch, kw):
    results = []
    for lib in (torch, ember):
        rng = np.random.default_rng(0)
        x = lib.tensor(rng.standard_normal((2, 3, 6, 7)), dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.interpolate(x * x, **kw)
        (gx,) = lib.autograd.grad((y * y).sum(), (x,), create_graph=True)
        (gx ** 2).sum().backward()
        results.append([gx.detach().numpy(), x.grad.numpy()])
    for t, e in zip(*results):
        np.testing.assert_allclose(e, t, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("shape, groups", [((2, 6, 3, 2), 3), ((1, 4, 5), 2), ((2, 8, 2, 2, 2), 4)])
def test_channel_shuffle_matches_torch(torch, shape, groups):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    results = []
    for lib in (torch, ember):
        t = lib.tensor(x, requires_grad=True)
        module = lib.nn.ChannelShuffle(groups)
        out = module(t)
        (out * lib.arange(out.numel()).reshape(out.shape).float()).sum().backward()
        results.append((repr(module), out.detach().numpy(), t.grad.numpy(),
                        lib.nn.functional.channel_shuffle(t, groups).detach().numpy()))
    assert results[0][0] == results[1][0]
    for t, e in zip(results[0][1:], results[1][1:]):
        np.testing.assert_array_equal(e, t)


def test_channel_shuffle_errors_match_torch(torch):
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="Number of channels must be divisible by groups. Got 4 channels and 3"):
            lib.nn.functional.channel_shuffle(lib.ones(1, 4, 2, 2), 3)


@pytest.mark.parametrize("name", ["channel_shuffle", "native_channel_shuffle"])
@pytest.mark.parametrize("shape, groups", [((4, 4), 0), ((4, 4), 2), ((1, 4, 2), 0), ((1, 4, 2), 2.0),
                                           ((1, 4, 2), True)])
def test_channel_shuffle_argument_errors_match_torch(torch, name, shape, groups):
    # the rank is checked before the groups; a non-int groups is the argument parser's TypeError
    outcomes = []
    for lib in (torch, ember):
        with pytest.raises((RuntimeError, TypeError)) as info:
            getattr(lib.nn.functional, name)(lib.ones(*shape), groups)
        outcomes.append((info.type, str(info.value)))
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("case", [
    lambda m: m.nn.functional.pixel_shuffle(m.ones(4, 4), 2),
    lambda m: m.nn.functional.pixel_shuffle(m.ones(1, 4, 2, 2), 0),
    lambda m: m.nn.functional.pixel_unshuffle(m.ones(4, 4), 2),
    lambda m: m.nn.functional.pixel_unshuffle(m.ones(1, 1, 4, 4), 0),
    lambda m: m.nn.functional.pixel_unshuffle(m.ones(1, 1, 5, 4), 2),
    lambda m: m.nn.functional.pixel_unshuffle(m.ones(1, 1, 4, 5), 2),
])
def test_pixel_shuffle_errors_match_torch(torch, case):
    with pytest.raises(RuntimeError) as t_info:
        case(torch)
    with pytest.raises(RuntimeError) as e_info:
        case(ember)
    assert str(e_info.value) == str(t_info.value)


def _outcome(lib, fn):
    try:
        out = fn(lib)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return type(exc).__name__, str(exc).replace("ember", "torch")
    return tuple(out.shape), str(out.dtype).split(".")[-1]


_MODES = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 1), ("nearest-exact", 2),
          ("nearest-exact", 3), ("linear", 1), ("bilinear", 2), ("bicubic", 2), ("trilinear", 3), ("area", 1),
          ("area", 2), ("area", 3)]


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8", "bool"])
@pytest.mark.parametrize("mode,nd", _MODES)
def test_interpolate_integer_inputs_raise_as_torch(torch, mode, nd, dtype):
    # only uint8 images have kernels, and only for nearest, bilinear and bicubic
    # (size 1: adaptive pooling's global mean for area; PyTorch's uint8 kernels fail an internal assert on 1x1)
    for kw in (dict(scale_factor=2), dict(size=1 if mode == "area" else 3)):
        def fn(m, kw=kw):
            x = m.arange(2 * 3 * 4 ** nd).reshape((2, 3) + (4,) * nd).to(getattr(m, dtype))
            return m.nn.functional.interpolate(x, mode=mode, **kw)
        assert _outcome(ember, fn) == _outcome(torch, fn)


@pytest.mark.parametrize("mode,align_corners", [("nearest", None), ("nearest-exact", None), ("bilinear", False),
                                                ("bilinear", True), ("bicubic", False), ("bicubic", True)])
@pytest.mark.parametrize("size", [dict(scale_factor=2), dict(size=(3, 4)), dict(scale_factor=(1, 1.5))])
def test_interpolate_uint8_matches_torch(torch, mode, align_corners, size):
    # PyTorch resizes uint8 with fixed-point weights, as ember does: equal to the pixel
    x = np.random.default_rng(0).integers(0, 256, (2, 3, 5, 7)).astype("uint8")
    t = torch.nn.functional.interpolate(torch.from_numpy(x), mode=mode, align_corners=align_corners, **size)
    e = ember.nn.functional.interpolate(ember.from_numpy(x), mode=mode, align_corners=align_corners, **size)
    assert e.dtype == ember.uint8 and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize("shape,mode", [((1, 2, 4), "bicubic"), ((1, 2, 4, 4, 4), "bicubic"), ((2, 4), "nearest"),
                                        ((2, 4), "bilinear"), ((2, 4), "area"), ((1, 1, 1, 1, 1, 1), "nearest"),
                                        ((1, 2, 4), "foo"), ((1, 2, 4, 4), "linear")])
def test_interpolate_rank_errors_match_torch(torch, shape, mode):
    _raises(torch, NotImplementedError, lambda m: m.nn.functional.interpolate(m.zeros(shape), size=3, mode=mode))


@pytest.mark.parametrize("shape,mode,antialias,align_corners", [
    ((1, 2, 4), "linear", True, None), ((1, 2, 4, 4, 4), "trilinear", True, None), ((1, 2, 4), "bilinear", True, None),
    ((1, 2, 4, 4), "nearest", True, None), ((1, 2, 4, 4), "lanczos", False, None),
    ((1, 2, 4, 4), "lanczos", False, True), ((1, 2, 4, 4), "lanczos", True, True), ((1, 2, 4), "lanczos", False, None),
])
def test_interpolate_antialias_and_lanczos_errors_match_torch(torch, shape, mode, antialias, align_corners):
    # PyTorch's ValueErrors for antialias outside bilinear/bicubic/lanczos on 4-D input and for lanczos without it
    def fn(m):
        return m.nn.functional.interpolate(m.zeros(shape), scale_factor=2, mode=mode, antialias=antialias,
                                           align_corners=align_corners)
    assert _outcome(ember, fn) == _outcome(torch, fn)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_source_index_as_torch(torch, mode):
    """PyTorch picks nearest source pixels in float32 (70 -> 50 took a neighbouring pixel in float64); every size
    pair below 80 and a few scale factors, in float32."""
    mismatches = []
    for n in range(1, 80):
        x = np.arange(n, dtype=np.float32)[None, None]
        for o in range(1, 80):
            want = torch.nn.functional.interpolate(torch.tensor(x), size=o, mode=mode).numpy()
            got = ember.nn.functional.interpolate(ember.tensor(x), size=o, mode=mode).numpy()
            if not np.array_equal(got, want):
                mismatches.append((n, o))
        for sf in (0.3, 0.7, 1.5, 2.0, 2.5, 1 / 3) if n > 3 else ():
            want = torch.nn.functional.interpolate(torch.tensor(x), scale_factor=sf, mode=mode).numpy()
            got = ember.nn.functional.interpolate(ember.tensor(x), scale_factor=sf, mode=mode).numpy()
            if not np.array_equal(got, want):
                mismatches.append((n, sf))
    # nearest-exact: PyTorch rounds (i + 0.5) * n / o up at a few exact integers (n = 2 or 4); known gap
    allowed = {(2, 41), (2, 47), (2, 55), (4, 82), (4, 94)} if mode == "nearest-exact" else set()
    assert set(mismatches) <= allowed
    x = np.arange(70, dtype=np.float32).reshape(1, 1, 70)
    got = ember.nn.functional.interpolate(ember.tensor(x), size=50, mode=mode).numpy()
    np.testing.assert_array_equal(got, torch.nn.functional.interpolate(torch.tensor(x), size=50, mode=mode).numpy())


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_interpolate_uint8_fixed_point_exact(torch, mode, align_corners):
    """Without antialias PyTorch still resizes uint8 with its fixed-point integer kernel: equal to the pixel."""
    rng = np.random.default_rng(0)
    for h, w, oh, ow in [(8, 9, 13, 17), (16, 15, 7, 5), (20, 20, 33, 12), (5, 7, 5, 11), (31, 17, 9, 40),
                         (3, 3, 10, 10), (1, 6, 4, 3)]:
        x = rng.integers(0, 256, (2, 3, h, w), dtype=np.uint8)
        t = torch.nn.functional.interpolate(torch.from_numpy(x), size=(oh, ow), mode=mode,
                                            align_corners=align_corners)
        e = ember.nn.functional.interpolate(ember.from_numpy(x), size=(oh, ow), mode=mode,
                                            align_corners=align_corners)
        np.testing.assert_array_equal(e.numpy(), t.numpy(), err_msg=str((h, w, oh, ow)))


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("nd", [1, 3])
def test_nearest_float64_source_index_as_torch(torch, mode, nd):
    """PyTorch's 1-D and 3-D float64 nearest kernels round the source coordinate to float32 before flooring
    (30 -> 22 picks another pixel in plain float64)."""
    pairs = [(30, 22), (30, 26), (18, 33), (26, 23), (30, 11), (30, 13), (36, 33), (70, 50), (7, 3), (5, 16)]
    for n, o in pairs:
        x = np.arange(n, dtype=np.float64).reshape((1, 1, n) + (1,) * (nd - 1))
        size = (o,) + (1,) * (nd - 1)
        t = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode)
        e = ember.nn.functional.interpolate(ember.from_numpy(x), size=size, mode=mode)
        np.testing.assert_array_equal(e.numpy(), t.numpy(), err_msg=str((n, o)))
    for sf in (0.3, 0.7, 1.5, 2.5, 1 / 3):
        x = np.arange(40, dtype=np.float64).reshape((1, 1, 40) + (1,) * (nd - 1))
        t = torch.nn.functional.interpolate(torch.from_numpy(x), scale_factor=(sf,) + (1,) * (nd - 1), mode=mode)
        e = ember.nn.functional.interpolate(ember.from_numpy(x), scale_factor=(sf,) + (1,) * (nd - 1), mode=mode)
        np.testing.assert_array_equal(e.numpy(), t.numpy(), err_msg=str(sf))


@pytest.mark.parametrize("mode", ["linear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_interpolate_float32_weights_as_torch(torch, mode, align_corners):
    """PyTorch computes float32 weights in float32 (the ratio, the fused source index, the cubic polynomials):
    resampling the identity exposes them, bit for bit."""
    for n, o in [(13, 50), (97, 128), (33, 17), (64, 24), (7, 31), (2, 3), (5, 11)]:
        for kw in (dict(size=o), dict(scale_factor=o / n * 1.01)):
            if mode == "bicubic":  # (2-D only: a height of one, kept)
                kw = {k: (1, v) if k == "size" else (1.0, v) for k, v in kw.items()}
            outs = []
            for lib in (torch, ember):
                x = lib.eye(n).reshape((n, 1, n) if mode == "linear" else (n, 1, 1, n))
                outs.append(lib.nn.functional.interpolate(x, mode=mode, align_corners=align_corners, **kw).numpy())
            np.testing.assert_array_equal(outs[1], outs[0], err_msg=str((n, kw)))


@pytest.mark.parametrize("mode,nd", [("bilinear", 2), ("bicubic", 2), ("trilinear", 3)])
def test_interpolate_float32_within_rounding_of_torch(torch, mode, nd):
    """With PyTorch's float32 weights only the order of the sums differs: a few ulp (float64 weights: ~5e-5)."""
    rng = np.random.default_rng(0)
    for n, o in [(13, 50), (31, 16), (7, 24)]:
        x = rng.standard_normal((2, 3) + (n,) * nd).astype("float32")
        for align_corners in (False, True):
            for kw in (dict(size=(o,) * nd), dict(scale_factor=o / n)):
                t = torch.nn.functional.interpolate(torch.from_numpy(x), mode=mode, align_corners=align_corners, **kw)
                e = ember.nn.functional.interpolate(ember.from_numpy(x), mode=mode, align_corners=align_corners, **kw)
                np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=0, atol=2e-6)


@pytest.mark.parametrize("mode,shape", [("linear", (1, 2, 3)), ("bilinear", (1, 2, 3, 4)),
                                        ("trilinear", (1, 2, 3, 4, 3))])
def test_interpolate_linear_kept_size_copies_as_torch(torch, mode, shape):
    # a linear dim whose size does not change is copied, whatever the scale factor
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    t = torch.nn.functional.interpolate(torch.from_numpy(x), scale_factor=1.2, mode=mode)
    e = ember.nn.functional.interpolate(ember.from_numpy(x), scale_factor=1.2, mode=mode)
    np.testing.assert_array_equal(e.numpy(), t.numpy())




@pytest.mark.parametrize("shape, mode, size", [
    ((1, 3, 4, 4), "nearest", 8.0), ((1, 3, 4, 4), "bilinear", 8.0), ((1, 3, 4), "linear", 8.0),
    ((1, 3, 4, 4, 4), "trilinear", 8.0), ((1, 3, 4), "nearest", 8.0), ((1, 3, 4, 4), "area", 8.0),
    ((1, 3, 4, 4), "nearest-exact", 8.0), ((1, 3, 4, 4), "bicubic", 8.5), ((1, 3, 4, 4), "nearest", 8),
])
def test_interpolate_float_size(torch, shape, mode, size):
    def run(lib):
        return sweep_outcome(lambda: lib.nn.functional.interpolate(lib.zeros(shape), size=size, mode=mode))
    assert run(ember) == run(torch)


@pytest.mark.parametrize("name, kwargs", [("upsample", {"mode": "bilinear"}), ("upsample_bilinear", {}),
                                          ("upsample_nearest", {})])
def test_upsample_aliases_warn(torch, name, kwargs):
    def run(lib):
        with pytest.warns(UserWarning) as rec:
            out = getattr(lib.nn.functional, name)(lib.ones(1, 1, 2, 2), scale_factor=2, **kwargs)
        return tuple(out.shape), [str(w.message) for w in rec]
    assert run(ember) == run(torch)
    assert run(ember)[1] == [f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead."]


class _Odd:
    """A value of a class defined in Python, which PyTorch's messages name without its module."""


def _same_interp_error(torch, x_shape, **kw):
    """F.interpolate raises the same exception type and text under ember and torch (names swapped)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as want:
            torch.nn.functional.interpolate(torch.zeros(x_shape), **kw)
        with pytest.raises(Exception) as got:
            ember.nn.functional.interpolate(ember.zeros(x_shape), **kw)
    assert type(got.value).__name__ == type(want.value).__name__
    assert str(got.value) == str(want.value).replace("torch.", "ember.")


@pytest.mark.parametrize("kw", [
    dict(scale_factor=float("inf")), dict(scale_factor=float("nan"), mode="bilinear"),
    dict(scale_factor=(2.0, float("-inf"))), dict(scale_factor=1e30, mode="bicubic"),
    dict(scale_factor=float("nan"), mode="area"), dict(scale_factor=float("inf"), recompute_scale_factor=True),
    dict(scale_factor=(2, None)), dict(scale_factor=(2, None), mode="bilinear", antialias=True),
    dict(scale_factor=(None, 2)), dict(scale_factor="2", mode="bicubic"), dict(scale_factor=(2, None), mode="area"),
    dict(size=2.5), dict(size=2.5, mode="bilinear"), dict(size=(2.5, 3)), dict(size=True), dict(size=(True, 2)),
    dict(size="3", mode="area"), dict(size=-1), dict(size=(3, 0), mode="bilinear"), dict(scale_factor=-2),
    dict(scale_factor=0.1), dict(size=3, scale_factor=2), dict(), dict(size=[3]),
    dict(scale_factor=(2, _Odd())), dict(scale_factor=(_Odd(), 2.0)),  # (a Python class: its plain name)
])
def test_interpolate_argument_errors_match(torch, kw):
    _same_interp_error(torch, (1, 1, 4, 5), **kw)


def test_interpolate_tensor_sizes_and_scales(torch):
    for lib in (torch, ember):
        with pytest.raises(TypeError) as err:
            lib.nn.functional.interpolate(lib.zeros(1, 1, 4, 5), scale_factor=(2, lib.tensor([2.0, 3.0])))
        assert str(err.value) == ("upsample_nearest2d(): argument 'scale_factors' must be tuple of floats, but found "
                                  "element of type Tensor at pos 2")
    _same_interp_error(torch, (1, 1, 4), scale_factor=(None,))
    x = ember.zeros(1, 1, 4, 5)
    assert ember.nn.functional.interpolate(x, size=(ember.tensor(3), ember.tensor(4))).shape == (1, 1, 3, 4)
    with pytest.raises(TypeError, match="invalid combination"):
        ember.nn.functional.interpolate(x, size=ember.tensor([3, 4]))
    with pytest.raises(TypeError, match="invalid combination"):
        ember.nn.functional.interpolate(x, scale_factor=ember.tensor(2.0))
