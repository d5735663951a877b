"""ember.nn.init against PyTorch: gains, fans, error messages, exact fills, and the random distributions
(checked statistically with tolerances several standard errors wide)."""

import math

import numpy as np
import pytest

import ember
import ember.nn as enn
from ember.nn import init


def _err(fn):
    try:
        fn()
    except BaseException as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


GAIN_CASES = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None), ("conv_transpose1d", None),
              ("conv_transpose2d", None), ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None),
              ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu", None)]


@pytest.mark.parametrize("name,param", GAIN_CASES)
def test_calculate_gain_matches_torch(torch, name, param):
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param), rel=1e-12)


def test_calculate_gain_errors_match_torch(torch):
    for args in (("softmax",), ("leaky_relu", "x"), ("leaky_relu", True)):
        assert _err(lambda a=args: init.calculate_gain(*a)) == _err(lambda a=args: torch.nn.init.calculate_gain(*a))


@pytest.mark.parametrize("shape", [(3, 5), (6, 2, 3), (8, 4, 3, 3), (2, 3, 1, 2, 2)])
def test_fans_match_torch(torch, shape):
    assert init._calculate_fan_in_and_fan_out(ember.empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_fan_and_mode_errors_match_torch(torch):
    assert _err(lambda: init._calculate_fan_in_and_fan_out(ember.empty(3))) == \
        _err(lambda: torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(3)))
    assert _err(lambda: init.kaiming_uniform_(ember.empty(3, 4), mode="fan_avg")) == \
        _err(lambda: torch.nn.init.kaiming_uniform_(torch.empty(3, 4), mode="fan_avg"))
    for fn, shape in (("eye_", (2, 2, 2)), ("dirac_", (3, 3)), ("orthogonal_", (3,)), ("sparse_", (2, 2, 2))):
        args = (0.5,) if fn == "sparse_" else ()
        assert _err(lambda f=fn, s=shape, a=args: getattr(init, f)(ember.empty(*s), *a)) == \
            _err(lambda f=fn, s=shape, a=args: getattr(torch.nn.init, f)(torch.empty(*s), *a))
    assert _err(lambda: init.dirac_(ember.empty(5, 2, 3), groups=2)) == \
        _err(lambda: torch.nn.init.dirac_(torch.empty(5, 2, 3), groups=2))


def _uniform_ok(a, lo, hi):
    width = hi - lo
    assert a.min() >= lo and a.max() <= hi
    assert a.min() < lo + 0.01 * width and a.max() > hi - 0.01 * width
    assert abs(a.mean() - (lo + hi) / 2) < 0.02 * width
    assert abs(a.std() - width / math.sqrt(12)) < 0.02 * width


def _normal_ok(a, mean, std):
    assert abs(a.mean() - mean) < 0.03 * std + 1e-12
    assert abs(a.std() - std) < 0.03 * std


def test_in_place_no_grad_and_dtype():
    w = enn.Parameter(ember.empty(200, 100))
    out = init.uniform_(w, -2.0, 3.0)
    assert out is w and w.is_leaf and w.requires_grad and w.dtype == ember.float32 and w.grad_fn is None
    _uniform_ok(w.detach().numpy(), -2.0, 3.0)
    init.normal_(w, 1.5, 0.5)
    _normal_ok(w.detach().numpy(), 1.5, 0.5)
    d = ember.empty(100, 100, dtype=ember.float64)
    init.normal_(d)
    assert d.dtype == ember.float64


def test_constant_fills_match_torch(torch):
    for fn, args in (("constant_", (0.3,)), ("ones_", ()), ("zeros_", ()), ("eye_", ())):
        e = getattr(init, fn)(ember.empty(3, 5), *args)
        t = getattr(torch.nn.init, fn)(torch.empty(3, 5), *args)
        np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 3, 3, 3), 1), ((4, 2, 3, 3), 2), ((2, 4, 3, 3, 3), 1),
                                          ((8, 2, 5, 5), 4)])
def test_dirac_matches_torch(torch, shape, groups):
    e = init.dirac_(ember.empty(*shape), groups)
    t = torch.nn.init.dirac_(torch.empty(*shape), groups)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_xavier(shape, gain):
    w = ember.empty(*shape)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(w)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    _uniform_ok(init.xavier_uniform_(w, gain=gain).numpy(), -math.sqrt(3) * std, math.sqrt(3) * std)
    _normal_ok(init.xavier_normal_(w, gain=gain).numpy(), 0.0, std)


@pytest.mark.parametrize("a,mode,nonlinearity", [(0, "fan_in", "leaky_relu"), (math.sqrt(5), "fan_in", "leaky_relu"),
                                                  (0, "fan_out", "relu"), (0.1, "fan_in", "tanh"),
                                                  (0, "FAN_OUT", "linear")])
def test_kaiming(a, mode, nonlinearity):
    w = ember.empty(128, 64, 3, 3)
    fan = 64 * 9 if mode.lower() == "fan_in" else 128 * 9
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    _uniform_ok(init.kaiming_uniform_(w, a=a, mode=mode, nonlinearity=nonlinearity).numpy(),
                -math.sqrt(3) * std, math.sqrt(3) * std)
    _normal_ok(init.kaiming_normal_(w, a=a, mode=mode, nonlinearity=nonlinearity).numpy(), 0.0, std)


def test_kaiming_zero_element_warns(torch):
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(ember.empty(0, 3))


@pytest.mark.parametrize("shape,gain", [((20, 50), 1.0), ((50, 20), 2.0), ((8, 3, 2, 2), 1.0)])
def test_orthogonal(shape, gain):
    w = init.orthogonal_(ember.empty(*shape), gain=gain).numpy().reshape(shape[0], -1).astype(np.float64)
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-5)


def test_trunc_normal_matches_torch_moments(torch):
    for mean, std, a, b in ((0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 1.5), (0.0, 0.02, -0.04, 0.04)):
        e = init.trunc_normal_(ember.empty(200, 200), mean, std, a, b).numpy()
        t = torch.nn.init.trunc_normal_(torch.empty(200, 200), mean, std, a, b).numpy()
        assert e.min() >= a and e.max() <= b
        assert abs(e.mean() - t.mean()) < 0.02 * (b - a)
        assert abs(e.std() - t.std()) < 0.02 * (b - a)


def test_sparse_zeroes_per_column(torch):
    e = init.sparse_(ember.empty(10, 300), 0.35, std=0.5).numpy()
    t = torch.nn.init.sparse_(torch.empty(10, 300), 0.35, std=0.5).numpy()
    np.testing.assert_array_equal((e == 0).sum(0), (t == 0).sum(0))
    assert abs(e[e != 0].std() - 0.5) < 0.05


@pytest.mark.parametrize("name, args", [("uniform_", (-1.0, 3.0)), ("normal_", (1.0, 2.0)), ("xavier_normal_", ()),
                                        ("kaiming_normal_", ()), ("sparse_", (0.5, 0.3))])
def test_complex_fills_draw_both_parts_as_torch(torch, name, args):
    # each part from the real distribution (normal: std / sqrt(2) per part, mean on both); the moments of the two
    # parts match torch's within ~6 standard errors (160000 draws)
    for dtype in ("complex64", "complex128"):
        e = getattr(init, name)(ember.zeros(400, 400, dtype=getattr(ember, dtype)), *args)
        t = getattr(torch.nn.init, name)(torch.zeros(400, 400, dtype=getattr(torch, dtype)), *args)
        assert str(e.dtype) == str(t.dtype).replace("torch", "ember")
        e, t = e.numpy(), t.numpy()
        for part in (np.real, np.imag):
            pe, pt = part(e), part(t)
            scale = max(pt.std(), 1e-3)
            assert abs(pe.mean() - pt.mean()) < 0.02 * scale + 1e-3 and abs(pe.std() / pt.std() - 1) < 0.02
            assert (pe == 0).sum() == (pt == 0).sum()  # sparse_: the zeros of each column are zeros of both parts


@pytest.mark.parametrize("name", ["trunc_normal_", "orthogonal_"])
def test_complex_unsupported_fills_raise_as_torch(torch, name):
    for dtype in ("complex64", "complex128"):
        assert _err(lambda d=dtype: getattr(init, name)(ember.zeros(3, 3, dtype=getattr(ember, d)))) == \
            _err(lambda d=dtype: getattr(torch.nn.init, name)(torch.zeros(3, 3, dtype=getattr(torch, d))))


def test_generator_makes_draws_repeatable():
    g1 = ember.Generator().manual_seed(3)
    g2 = ember.Generator().manual_seed(3)
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_, init.orthogonal_,
               init.trunc_normal_):
        a = fn(ember.empty(4, 5), generator=g1).numpy()
        b = fn(ember.empty(4, 5), generator=g2).numpy()
        np.testing.assert_array_equal(a, b)
    ember.manual_seed(11)
    a = init.normal_(ember.empty(5)).numpy().copy()
    ember.manual_seed(11)
    np.testing.assert_array_equal(init.normal_(ember.empty(5)).numpy(), a)


def test_deprecated_aliases_warn():
    with pytest.warns(FutureWarning, match="nn.init.normal"):
        init.normal(ember.empty(3))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_orthogonal_half_refused_as_torch(torch, dtype):
    with pytest.raises(NotImplementedError) as t_err:
        torch.nn.init.orthogonal_(torch.empty(3, 2, dtype=getattr(torch, dtype)))
    with pytest.raises(NotImplementedError) as e_err:
        init.orthogonal_(ember.empty(3, 2, dtype=getattr(ember, dtype)))
    assert str(e_err.value) == str(t_err.value)
    # an empty tensor is returned untouched, as PyTorch
    assert tuple(init.orthogonal_(ember.empty(0, 2, dtype=getattr(ember, dtype))).shape) == (0, 2)
