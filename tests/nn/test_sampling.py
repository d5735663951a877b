"""``F.affine_grid`` and ``F.grid_sample`` against PyTorch (the op itself also has parity rows in
tests/parity/cases_attention.py)."""

import warnings

import numpy as np
import pytest

import ember
import ember.nn.functional as F


def _theta(n, rows, cols, rng, spread=0.3):
    eye = np.eye(rows, cols, dtype=np.float32)
    return (eye + rng.uniform(-spread, spread, (n, rows, cols))).astype(np.float32)


@pytest.mark.parametrize("size", [(3, 1, 28, 28), (2, 2, 7, 9), (2, 1, 1, 5), (2, 1, 3, 4, 5)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_to_the_last_bit(torch, size, align_corners):
    # Bit-identical on CPUs where PyTorch's small batched GEMM sums in the same order as ember (so points on pixel
    # centres fall on the same side); others (AVX2-only AMD EPYC) differ by one rounding of the coordinate.
    rng = np.random.default_rng(0)
    th = _theta(size[0], len(size) - 2, len(size) - 1, rng)
    with warnings.catch_warnings(record=True) as e_warned:
        warnings.simplefilter("always")
        e = F.affine_grid(ember.tensor(th), size, align_corners=align_corners)
    with warnings.catch_warnings(record=True) as t_warned:
        warnings.simplefilter("always")
        t = torch.nn.functional.affine_grid(torch.tensor(th), size, align_corners=align_corners)
    assert [str(w.message) for w in e_warned] == [str(w.message) for w in t_warned]  # the unit-size warning
    assert e.dtype == ember.float32 and tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=2.0 ** -23, atol=2.0 ** -23)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_affine_grid_then_grid_sample_gradients(torch, mode, padding_mode):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 6, 7)).astype(np.float32)
    th = _theta(2, 2, 3, rng, spread=0.5)
    up = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
    res = {}
    for lib in (torch, ember):
        xt = lib.tensor(x, requires_grad=True)
        tt = lib.tensor(th, requires_grad=True)
        grid = lib.nn.functional.affine_grid(tt, (2, 3, 5, 4), align_corners=False)
        out = lib.nn.functional.grid_sample(xt, grid, mode=mode, padding_mode=padding_mode, align_corners=False)
        out.backward(lib.from_numpy(up.copy()))
        res[lib.__name__] = (out.detach().numpy(), xt.grad.numpy(), tt.grad.numpy())
    for e, t in zip(res["ember"], res["torch"], strict=True):
        assert e.dtype == np.float32
        np.testing.assert_allclose(e, t, rtol=1e-4, atol=1e-5)
    if mode == "nearest":
        assert not res["ember"][2].any()  # nearest sampling has no gradient w.r.t. the grid


def test_grid_sample_float64_and_identity(torch):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 2, 4, 5))
    ident = ember.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=ember.float64)
    out = F.grid_sample(ember.tensor(x), F.affine_grid(ident, (1, 2, 4, 5), align_corners=False), align_corners=False)
    assert out.dtype == ember.float64
    np.testing.assert_allclose(out.numpy(), x, atol=1e-12)
    g = rng.uniform(-1.2, 1.2, (1, 3, 3, 2))
    np.testing.assert_allclose(
        F.grid_sample(ember.tensor(x), ember.tensor(g), padding_mode="reflection", align_corners=True).numpy(),
        torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g), padding_mode="reflection",
                                        align_corners=True).numpy(), rtol=1e-10, atol=1e-12)


def test_align_corners_default_warns(torch):
    x, g = ember.randn(1, 1, 3, 3), ember.zeros(1, 2, 2, 2)
    msg = "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0"
    with pytest.warns(UserWarning, match=msg):
        a = F.grid_sample(x, g)
    assert ember.equal(a, F.grid_sample(x, g, align_corners=False))
    with pytest.warns(UserWarning, match=msg):
        F.affine_grid(ember.zeros(1, 2, 3), (1, 1, 3, 3))


def test_errors(torch):
    x, g = ember.randn(2, 3, 4, 5), ember.zeros(2, 3, 3, 2)
    with pytest.raises(ValueError, match="expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'foo'"):
        F.grid_sample(x, g, mode="foo", align_corners=False)
    with pytest.raises(ValueError, match="expected padding_mode to be 'zeros', 'border', or 'reflection', but got"):
        F.grid_sample(x, g, padding_mode="foo", align_corners=False)
    with pytest.raises(RuntimeError, match=r"expected grid and input to have same batch size, but got input with "
                                           r"sizes \[2, 3, 4, 5\] and grid with sizes \[1, 3, 3, 2\]"):
        F.grid_sample(x, g[:1], align_corners=False)
    with pytest.raises(RuntimeError, match=r"expected grid to have size 2 in last dimension, but got grid with "
                                           r"sizes \[2, 3, 3, 1\]"):
        F.grid_sample(x, g[..., :1], align_corners=False)
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        F.grid_sample(x, g.double(), align_corners=False)
    with pytest.raises(RuntimeError, match="dimension 2 being empty"):
        F.grid_sample(ember.randn(2, 3, 0, 5), g, align_corners=False)
    with pytest.raises(RuntimeError, match=r"^grid_sampler\(\): bicubic interpolation only supports 4D input$"):
        F.grid_sample(ember.randn(1, 2, 3, 4, 5), ember.zeros(1, 2, 2, 2, 3), mode="bicubic", align_corners=False)
    with pytest.raises(RuntimeError, match=r"expected grid to have size 3 in last dimension, but got grid with "
                                           r"sizes \[1, 2, 2, 2, 2\]"):
        F.grid_sample(ember.randn(1, 2, 3, 4, 5), ember.zeros(1, 2, 2, 2, 2), align_corners=False)
    with pytest.raises(ValueError, match="Expected theta to have floating point type, but got ember.int32"):
        F.affine_grid(ember.zeros(2, 2, 3, dtype=ember.int32), (2, 3, 4, 5), align_corners=False)
    with pytest.raises(ValueError, match=r"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                                         r"\(2, 3, 4, 5\). Got ember.Size\(\[2, 3, 3\]\)."):
        F.affine_grid(ember.zeros(2, 3, 3), (2, 3, 4, 5), align_corners=False)
    with pytest.raises(NotImplementedError, match="affine_grid only supports 4D and 5D sizes"):
        F.affine_grid(ember.zeros(2, 2, 3), (2, 3, 4), align_corners=False)
    with pytest.raises(ValueError, match=r"Expected non-zero, positive output size. Got \(2, 3, 0, 4\)"):
        F.affine_grid(ember.zeros(2, 2, 3), (2, 3, 0, 4), align_corners=False)


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_base_coordinates_are_bit_identical(torch, dtype, align_corners):
    # the identity transform leaves the base grid, torch's linspace over [-1, 1] in the grid's dtype (a true FMA
    # for float64, half arithmetic for float16/bfloat16; n = 224 exposes both); a general theta adds a matrix
    # product whose rounding depends on the CPU's BLAS
    th = np.tile(np.eye(2, 3), (2, 1, 1))
    size = (2, 1, 7, 224)
    e = F.affine_grid(ember.tensor(th).to(getattr(ember, dtype)), size, align_corners=align_corners)
    t = torch.nn.functional.affine_grid(torch.tensor(th).to(getattr(torch, dtype)), size, align_corners=align_corners)
    assert e.dtype == getattr(ember, dtype)
    np.testing.assert_array_equal(e.double().numpy(), t.double().numpy())


_MODES = {2: ["bilinear", "nearest", "bicubic"], 3: ["bilinear", "nearest"]}
_CONFIGS = [(nd, mode, pad, ac) for nd in (2, 3) for mode in _MODES[nd]
            for pad in ("zeros", "border", "reflection") for ac in (False, True)]


@pytest.mark.parametrize("nd,mode,padding_mode,align_corners", _CONFIGS)
def test_grid_sample_modes_values_and_gradients(torch, nd, mode, padding_mode, align_corners):
    # float32 values are rounded as PyTorch's kernels round them (bit-identical on this project's x86 machines:
    # fused multiply-adds in the 2-D kernel, one rounding per operation in the 3-D one); the gradients are
    # summed in another order, so they match to a few ulps.
    rng = np.random.default_rng(nd * 100 + len(mode) + len(padding_mode) + align_corners)
    shape = (2, 3, 6, 7) if nd == 2 else (2, 2, 4, 5, 6)
    gshape = (2, 5, 4, 2) if nd == 2 else (2, 3, 4, 2, 3)
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.uniform(-1.3, 1.3, gshape).astype(np.float32)
    res = {}
    for lib in (torch, ember):
        xt = lib.tensor(x, requires_grad=True)
        gt = lib.tensor(g, requires_grad=True)
        out = lib.nn.functional.grid_sample(xt, gt, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        up = np.random.default_rng(7).standard_normal(tuple(out.shape)).astype(np.float32)
        out.backward(lib.tensor(up))
        res[lib.__name__] = (out.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), out.grad_fn.name())
    e, t = res["ember"], res["torch"]
    assert e[3] == t[3] == f"GridSampler{nd}DBackward0"
    assert e[0].dtype == np.float32 and e[0].shape == t[0].shape
    np.testing.assert_allclose(e[0], t[0], rtol=3e-7, atol=3e-7)
    np.testing.assert_allclose(e[1], t[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e[2], t[2], rtol=1e-5, atol=1e-5)
    if mode == "nearest":
        assert not e[2].any()


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_out_of_bounds_taps_read_zero(torch, mode):
    # an infinite pixel must not leak into points whose taps only clip onto it (inf * 0 would be NaN)
    x = np.zeros((1, 1, 4, 4), np.float32)
    x[0, 0, 0, 0] = np.inf
    g = np.array([[[[-1.9, -1.9], [0.6, 0.6]]]], np.float32)
    e = F.grid_sample(ember.tensor(x), ember.tensor(g), mode=mode, align_corners=False).numpy()
    t = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g), mode=mode, align_corners=False).numpy()
    np.testing.assert_array_equal(e, t)
    assert np.isfinite(e).all()


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
@pytest.mark.parametrize("nd,mode", [(2, "bilinear"), (2, "nearest"), (2, "bicubic"), (3, "bilinear"), (3, "nearest")])
def test_grid_sample_other_dtypes(torch, dtype, nd, mode):
    # half types compute in the half type itself, one rounding per operation, as PyTorch's kernels
    rng = np.random.default_rng(3)
    shape = (2, 3, 6, 7) if nd == 2 else (1, 2, 4, 5, 6)
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.uniform(-1.2, 1.2, (shape[0],) + shape[2:-1] + (3, nd)).astype(np.float32)
    e = F.grid_sample(ember.tensor(x).to(getattr(ember, dtype)), ember.tensor(g).to(getattr(ember, dtype)),
                      mode=mode, align_corners=False)
    t = torch.nn.functional.grid_sample(torch.tensor(x).to(getattr(torch, dtype)),
                                        torch.tensor(g).to(getattr(torch, dtype)), mode=mode, align_corners=False)
    assert str(e.dtype) == str(t.dtype).replace("torch", "ember")
    tol = 1e-15 if dtype == "float64" else 0
    np.testing.assert_allclose(e.double().numpy(), t.double().numpy(), rtol=tol, atol=tol * 10)


def test_grid_sample_3d_through_affine_grid(torch):
    rng = np.random.default_rng(4)
    th = _theta(2, 3, 4, rng)
    x = rng.standard_normal((2, 2, 3, 4, 5)).astype(np.float32)
    out = {}
    for lib in (torch, ember):
        grid = lib.nn.functional.affine_grid(lib.tensor(th), (2, 2, 4, 3, 5), align_corners=False)
        out[lib.__name__] = lib.nn.functional.grid_sample(lib.tensor(x), grid, align_corners=False).numpy()
    assert out["ember"].shape == (2, 2, 4, 3, 5)
    np.testing.assert_allclose(out["ember"], out["torch"], rtol=1e-6, atol=1e-6)


def test_grid_sample_gradcheck_float64():
    rng = np.random.default_rng(5)
    cases = [((1, 2, 4, 5), (1, 3, 2, 2), "bicubic"), ((1, 2, 3, 4, 3), (1, 2, 2, 2, 3), "bilinear")]
    for shape, gshape, mode in cases:
        x = ember.tensor(rng.standard_normal(shape), requires_grad=True)
        g = ember.tensor(rng.uniform(-0.9, 0.9, gshape), requires_grad=True)
        for pad in ("zeros", "border", "reflection"):
            assert ember.autograd.gradcheck(
                lambda a, b, pad=pad, mode=mode: F.grid_sample(a, b, mode=mode, padding_mode=pad, align_corners=True),
                (x, g))


@pytest.mark.parametrize("shapes", [
    ((1, 1, 4, 4), (1, 2, 2, 3)), ((1, 1, 4, 4, 4), (1, 2, 2, 2)), ((1, 4, 4), (1, 2, 2)), ((1, 4), (1, 2)),
    ((1, 1, 4, 4), (2, 2, 2, 2)), ((1, 1, 4, 4), (2, 2, 2, 2, 2)), ((1, 1, 4), (1, 2, 1)),
    ((1, 1, 4, 4), (1, 2, 2, 2, 2)), ((1, 1, 4, 4, 4, 4), (1, 2, 2, 2, 2, 4)), ((1, 1, 4, 4, 4), (1, 2, 2, 3)),
])
def test_grid_sample_shape_errors_match_torch(torch, shapes):
    a, b = shapes
    with pytest.raises(RuntimeError) as ref:
        torch.nn.functional.grid_sample(torch.ones(*a), torch.zeros(*b), align_corners=False)
    with pytest.raises(RuntimeError) as got:
        ember.nn.functional.grid_sample(ember.ones(*a), ember.zeros(*b), align_corners=False)
    assert str(got.value) == str(ref.value)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("shapes", [((0, 3, 4, 4), (0, 2, 2, 2)), ((2, 0, 4, 4), (2, 2, 2, 2))])
def test_grid_sample_empty_batch_or_channels_match_torch(torch, mode, shapes):
    a, b = shapes
    res = []
    for lib in (torch, ember):
        x = lib.ones(*a, requires_grad=True)
        g = lib.zeros(*b, requires_grad=True)
        out = lib.nn.functional.grid_sample(x, g, mode=mode, align_corners=False)
        out.sum().backward()
        res.append((tuple(out.shape), tuple(x.grad.shape), tuple(g.grad.shape), float(g.grad.abs().sum())))
    assert res[1] == res[0]


@pytest.mark.parametrize("size", [(1, 1, 28, 28), (2, 2, 9, 13)])
def test_grid_sample_float64_pixel_centres_take_torchs_side(torch, size):
    # The spatial-transformer tutorial's identity init puts every point on a pixel centre; PyTorch's 2-D kernel
    # rounds the unnormalised coordinate once (a fused multiply-add in float64 too), which leaves some of them
    # exactly on the integer and others an ulp below it, and the grid gradient takes the slope of that side.
    rng = np.random.default_rng(11)
    x, w = rng.standard_normal(size), rng.standard_normal(size)
    th = np.tile(np.eye(2, 3), (size[0], 1, 1))
    res = {}
    for lib in (torch, ember):
        tt = lib.tensor(th, requires_grad=True)
        grid = lib.nn.functional.affine_grid(tt, size, align_corners=False)
        out = lib.nn.functional.grid_sample(lib.tensor(x), grid, align_corners=False)
        (out * lib.tensor(w)).sum().backward()
        res[lib.__name__] = (out.detach().numpy(), tt.grad.numpy())
    np.testing.assert_allclose(res["ember"][0], res["torch"][0], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(res["ember"][1], res["torch"][1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_2d_float64_matches(torch, mode, padding_mode, align_corners):
    # values and gradients to a few ulps of their scale (PyTorch sums the taps as a chain of FMAs, ember plainly);
    # half the points land on pixel centres or midway between them, the others anywhere in [-1.3, 1.3]
    rng = np.random.default_rng(12)
    h, w = 7, 10
    x = rng.standard_normal((2, 3, h, w))
    g = rng.uniform(-1.3, 1.3, (2, 6, 5, 2))
    for k, s in enumerate((w, h)):
        idx = rng.integers(-2, 2 * s + 2, (2, 3, 5)) / 2
        g[:, :3, :, k] = idx * 2 / (s - 1) - 1 if align_corners else (2 * idx + 1) / s - 1
    res = {}
    for lib in (torch, ember):
        xt, gt = lib.tensor(x, requires_grad=True), lib.tensor(g, requires_grad=True)
        out = lib.nn.functional.grid_sample(xt, gt, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        out.backward(lib.tensor(np.random.default_rng(13).standard_normal(tuple(out.shape))))
        res[lib.__name__] = (out.detach().numpy(), xt.grad.numpy(), gt.grad.numpy())
    e, t = res["ember"], res["torch"]
    for a, b in zip(e, t):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13 * max(np.abs(b).max(), 1))


def test_fma64_rounds_once():
    from fractions import Fraction

    from ember._ops.sampling import _fma64

    rng = np.random.default_rng(14)
    n = 3000
    a = rng.standard_normal(n) * 2.0 ** rng.integers(-20, 20, n)
    b = rng.standard_normal(n) * 2.0 ** rng.integers(-20, 20, n)
    c = -(a * b) * (1 + rng.standard_normal(n) * 2.0 ** -rng.integers(0, 60, n))  # cancellations
    sizes = rng.integers(2, 5000, n)  # pixel centres: fma((2k + 1) / size, size / 2, -0.5)
    a2 = (2 * rng.integers(0, sizes) + 1) / sizes
    a, b, c = np.concatenate([a, a2]), np.concatenate([b, sizes / 2]), np.concatenate([c, np.full(n, -0.5)])
    # odd products exactly halfway between two doubles: ties to even
    a3 = rng.integers(1, 2 ** 26, n) * 2.0 + 1
    b3 = rng.integers(1, 2 ** 26, n) * 2.0 + 1
    c3 = rng.integers(-2 ** 52, 2 ** 52, n).astype(np.float64)
    a, b, c = np.concatenate([a, a3]), np.concatenate([b, b3]), np.concatenate([c, c3])
    want = np.array([float(Fraction(p) * Fraction(q) + Fraction(r)) for p, q, r in zip(a, b, c)])
    assert (a * b + c != want).sum() > n  # the plain expression rounds twice
    np.testing.assert_array_equal(_fma64(a, b, c), want)
    special = _fma64(np.array([np.inf, np.nan, 1e300, 2.0]), np.array([1.0, 1.0, 1e10, np.inf]), np.zeros(4))
    np.testing.assert_array_equal(special, [np.inf, np.nan, np.inf, np.inf])


_NAN_GRID = [[float("nan"), 0.0, 0.0], [0.0, float("nan"), 0.2], [float("inf"), 0.0, 0.0],
             [-float("inf"), 0.5, 0.0], [float("nan")] * 3, [0.3, -float("inf"), 0.1], [0.0, 0.0, float("nan")]]


@pytest.mark.parametrize("nd", [2, 3])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_nan_inf_coordinates_match_torch(torch, nd, mode, padding_mode, align_corners):
    # PyTorch clips a NaN coordinate to the first pixel (2-D kernel) or the last one (3-D kernel)
    x = np.arange(1.0, 1 + 2 * 3 * 4 * 2, dtype=np.float32).reshape((1, 2, 2, 3, 4)[: nd + 2] if nd == 3
                                                                       else (2, 2, 3, 4))[:1]
    g = np.asarray(_NAN_GRID, dtype=np.float32)[:, :nd].reshape((1, 1, 7, nd) if nd == 2 else (1, 1, 1, 7, nd))
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    e = F.grid_sample(ember.tensor(x), ember.tensor(g), **kw).numpy()
    t = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g), **kw).numpy()
    np.testing.assert_array_equal(e, t)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
def test_grid_sample_create_graph_input_grad_contiguous(torch, mode):
    # WGAN-GP / MAML: the double-backward input gradient is flattened with view(-1)
    rng = np.random.RandomState(0)
    x = rng.randn(2, 3, 4, 5)
    g = rng.uniform(-1, 1, (2, 3, 3, 2))
    res = []
    for T in (ember, torch):
        xi, gi = T.tensor(x, requires_grad=True), T.tensor(g, requires_grad=True)
        y = T.nn.functional.grid_sample(xi, gi, mode=mode, align_corners=False)
        a, b = T.autograd.grad(y.pow(2).sum(), [xi, gi], create_graph=True)
        assert a.is_contiguous() and b.is_contiguous()
        res.append((a.stride(), a.view(-1).detach().numpy()))
    assert res[0][0] == res[1][0]
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12, atol=1e-12)


def _same_error(torch, call):
    """``call(lib)`` raises the same exception type and text under ember and torch (names swapped)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as want:
            call(torch)
        with pytest.raises(Exception) as got:
            call(ember)
    assert type(got.value).__name__ == type(want.value).__name__
    assert str(got.value) == str(want.value).replace("torch.", "ember.")


@pytest.mark.parametrize("case", [
    lambda t: t.nn.functional.affine_grid(t.zeros(2, 2, 3), [3, 1, 4, 5], align_corners=False),
    lambda t: t.nn.functional.affine_grid(t.zeros(1, 2, 3), (3, 1, 4, 5), align_corners=False),
    lambda t: t.nn.functional.affine_grid(t.zeros(2, 3, 4), [3, 1, 1, 2, 2], align_corners=False),
    lambda t: t.nn.functional.affine_grid(t.zeros(2, 3, 3), [2, 1, 4, 5], align_corners=False),
    lambda t: t.nn.functional.affine_grid(t.zeros(2, 2, 3), [2, 1, 3, 4, 5], align_corners=False),
    lambda t: t.nn.functional.affine_grid(t.zeros(2, 2, 3), [2, 1, 4], align_corners=False),
    lambda t: t.nn.functional.affine_grid(t.zeros(2, 2, 3), [2, 1, 0, 5], align_corners=False),
    lambda t: t.nn.functional.affine_grid(t.zeros(2, 2, 3), [2.0, 1, 4, 5], align_corners=False),
    lambda t: t.nn.functional.affine_grid(t.zeros(2, 2, 3), (2, 1, 4, 5.0), align_corners=False),
    lambda t: t.nn.functional.affine_grid(t.zeros(2, 2, 3), [np.float32(2), 1, 4, 5], align_corners=False),
    lambda t: t.nn.functional.affine_grid(t.zeros(2, 2, 3), [2, 1, np.float32(4), 5], align_corners=False),
    lambda t: t.nn.functional.grid_sample(t.zeros(1, 1, 4, 5).long(), t.zeros(1, 2, 2, 2).long(),
                                          align_corners=False),
    lambda t: t.nn.functional.grid_sample(t.zeros(1, 1, 2, 3, 4).to(t.uint8), t.zeros(1, 2, 2, 2, 3).to(t.uint8),
                                          align_corners=False),
    lambda t: t.nn.functional.grid_sample(t.zeros(1, 1, 4, 5), t.zeros(1, 2, 2, 2).double(), align_corners=False),
    lambda t: t.nn.functional.grid_sample(t.zeros(1, 1, 2, 3, 4), t.zeros(1, 2, 2, 2, 3), mode="bicubic",
                                          align_corners=False),
])
def test_argument_errors_match(torch, case):
    _same_error(torch, case)
