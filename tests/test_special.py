"""ember.special (and the top-level special functions it shares with ember.*) against torch.special: values over
wide input ranges in float32 and float64, special values (poles, infinities, NaN), result dtypes, integer
promotion, gradients and errors; plus accuracy checks against exactly known values."""

import math

import numpy as np
import pytest

import ember

_RNG = np.random.default_rng(0)
# A wide range: moderate values, tiny and huge magnitudes of both signs, and the awkward points.
_WIDE = np.concatenate([
    _RNG.uniform(-8, 8, 600), _RNG.uniform(0, 40, 200), np.logspace(-30, 3, 120), -np.logspace(-30, 3, 120),
    [0.0, -0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, -0.5, 1.5, -2.5, 1e-30, 10.0, 1.4616321449683623, 25.0, 30.0],
])
_SPECIALS = np.array([np.inf, -np.inf, np.nan])
_UNIT = np.concatenate([_RNG.uniform(-1, 1, 600), [0.0, -0.0, 0.5, -0.5, 0.9, 1 - 1e-6, -1 + 1e-6, 0.999999999,
                                                 1e-30, -1e-20]])
_UNIT_SPECIAL = np.array([1.0, -1.0, 1.5, -2.0, np.nan])
_PROB = np.concatenate([_RNG.uniform(0, 1, 600), [0.5, 1e-30, 1e-10, 1e-5, 1 - 1e-7, 0.975, 0.025]])
_PROB_SPECIAL = np.array([0.0, 1.0, -0.1, 1.2, np.nan])

# Tolerances: float32 results are computed in float64 and rounded, while PyTorch computes in float32, so the
# two differ by a few float32 ulps; float64 kernels match PyTorch's to ~1e-13.
_TOL = {"float32": dict(rtol=3e-6, atol=1e-6), "float64": dict(rtol=1e-11, atol=1e-13)}


def _close(e, t, dtype, *, rtol=None, atol=None, positions=None):
    tol = dict(_TOL[dtype])
    if rtol is not None:
        tol["rtol"] = rtol
    if atol is not None:
        tol["atol"] = atol
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(e.shape) == tuple(t.shape)
    en, tn = e.detach().numpy(), t.detach().numpy()
    if positions is not None:
        en, tn = en[positions], tn[positions]
    np.testing.assert_allclose(en, tn, equal_nan=True, **tol)


def _pair(torch, values, dtype, requires_grad=False):
    arr = np.asarray(values, dtype=dtype)
    return (ember.tensor(arr, requires_grad=requires_grad), torch.tensor(arr, requires_grad=requires_grad))


# name -> (inputs, extra special values), all unary and called as ember.special.<name>(x)
_UNARY = {
    "erf": (_WIDE, _SPECIALS), "erfc": (_WIDE, _SPECIALS), "erfcx": (_WIDE[_WIDE > -20], _SPECIALS),
    "erfinv": (_UNIT, _UNIT_SPECIAL), "expit": (_WIDE, _SPECIALS), "exp2": (_WIDE[np.abs(_WIDE) < 100], _SPECIALS),
    "expm1": (_WIDE[np.abs(_WIDE) < 80], _SPECIALS), "log1p": (np.abs(_WIDE), _SPECIALS),
    "gammaln": (_WIDE, _SPECIALS), "digamma": (_WIDE, _SPECIALS), "psi": (_WIDE, _SPECIALS),
    "i0": (_WIDE[np.abs(_WIDE) < 80], _SPECIALS), "i0e": (_WIDE, _SPECIALS),
    "i1": (_WIDE[np.abs(_WIDE) < 80], _SPECIALS), "i1e": (_WIDE, _SPECIALS),
    "sinc": (_WIDE, _SPECIALS), "entr": (_WIDE, _SPECIALS), "ndtr": (_WIDE, _SPECIALS),
    "log_ndtr": (_WIDE, _SPECIALS), "ndtri": (_PROB, _PROB_SPECIAL), "logit": (_PROB, _PROB_SPECIAL),
}
# PyTorch's float32 kernels lose accuracy where these functions cancel (digamma near its negative-axis roots,
# ndtr in the left tail where it computes 1 + erf); there the comparison is absolute.
_F32_LOOSE = {"digamma": dict(atol=1e-4, rtol=1e-4), "psi": dict(atol=1e-4, rtol=1e-4),
              "ndtr": dict(atol=2e-7, rtol=2e-3), "gammaln": dict(atol=2e-6, rtol=3e-6),
              "entr": dict(atol=2e-6), "i0": dict(rtol=5e-6), "i1": dict(rtol=5e-6)}
_F64_LOOSE = {"digamma": dict(atol=1e-12), "psi": dict(atol=1e-12), "gammaln": dict(atol=1e-12),
              "erfcx": dict(rtol=1e-10)}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(_UNARY))
def test_unary_matches_torch(torch, name, dtype):
    values, specials = _UNARY[name]
    with np.errstate(over="ignore"):
        arr = np.concatenate([values, specials]).astype(dtype)
    e = getattr(ember.special, name)(ember.tensor(arr))
    t = getattr(torch.special, name)(torch.tensor(arr))
    loose = (_F32_LOOSE if dtype == "float32" else _F64_LOOSE).get(name, {})
    _close(e, t, dtype, **loose)


@pytest.mark.parametrize("name", ["erfc", "erfinv", "lgamma", "digamma", "i0", "sinc", "asinh", "acosh", "atanh",
                                  "arcsinh", "arccosh", "arctanh"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_top_level_matches_torch(torch, name, dtype):
    values = _UNIT if name in ("erfinv", "atanh", "arctanh") else _WIDE[np.abs(_WIDE) < 80]
    arr = np.concatenate([values, _SPECIALS]).astype(dtype)
    e, t = getattr(ember, name)(ember.tensor(arr)), getattr(torch, name)(torch.tensor(arr))
    loose = {"digamma": dict(atol=1e-4 if dtype == "float32" else 1e-12),
             "lgamma": dict(atol=2e-6 if dtype == "float32" else 1e-12),
             "i0": dict(rtol=5e-6 if dtype == "float32" else 1e-11)}.get(name, {})
    _close(e, t, dtype, **loose)
    # the method is the same function
    _close(getattr(ember.tensor(arr), name)(), t, dtype, **loose)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_entr_signed_zeros_as_torch(torch, dtype):
    # assert_allclose takes -0.0 == 0.0: compare the sign bits too (entr(+-0) is +0, entr(1) is -0)
    arr = np.array([0.0, -0.0, 1.0, 2.0, -1.0], dtype=dtype)
    e, t = ember.special.entr(ember.tensor(arr)), torch.special.entr(torch.tensor(arr))
    np.testing.assert_array_equal(np.signbit(e.numpy()), np.signbit(t.numpy()))
    np.testing.assert_array_equal(e.numpy(), t.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lgamma_digamma_negative_non_integers_and_large(torch, dtype):
    arr = np.concatenate([-np.arange(1, 60) - _RNG.uniform(0.05, 0.95, 59), [-0.5, -1.5, -100.25, -1e5 - 0.5],
                          np.logspace(1, 30, 40), np.logspace(-40, -1, 40)]).astype(dtype)
    for name in ("lgamma", "digamma"):
        e, t = getattr(ember, name)(ember.tensor(arr)), getattr(torch, name)(torch.tensor(arr))
        # relative accuracy, except where the value crosses zero (lgamma's and digamma's roots)
        tol = dict(rtol=2e-5, atol=2e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-10)
        _close(e, t, dtype, **tol)


def test_poles_and_infinities_as_torch(torch):
    arr = np.array([0.0, -0.0, -1.0, -2.0, -1e20, np.inf, -np.inf, np.nan])
    for name in ("lgamma", "digamma"):
        e, t = getattr(ember, name)(ember.tensor(arr)), getattr(torch, name)(torch.tensor(arr))
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    for n in (1, 2, 3):
        e, t = ember.polygamma(n, ember.tensor(arr[:-3])), torch.polygamma(n, torch.tensor(arr[:-3]))
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    # the value at the negative integers follows PyTorch's sin(pi x) evaluation: huge but finite for trigamma
    assert np.isfinite(ember.polygamma(1, ember.tensor([-1.0], dtype=ember.float64)).item())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 7])
def test_polygamma_matches_torch(torch, n, dtype):
    pos = np.concatenate([_RNG.uniform(0.05, 30, 400), np.logspace(-3, 4, 60), [1.0, 2.0, 0.5, 10.0]])
    neg = -np.arange(0, 12) - _RNG.uniform(0.1, 0.9, 12)
    for arr, rtol in ((pos, None), (neg, 2e-4 if dtype == "float32" else 1e-6)):
        arr = arr.astype(dtype)
        e, t = ember.polygamma(n, ember.tensor(arr)), torch.polygamma(n, torch.tensor(arr))
        # PyTorch's trigamma truncates its asymptotic series early (~1e-9 relative in float64); ember's is exact
        # to rounding (checked against known values below)
        r = rtol or (1e-8 if n == 1 and dtype == "float64" else None)
        atol = 1e-4 if n == 0 and dtype == "float32" else (1e-12 if n == 0 else 0)
        _close(e, t, dtype, rtol=r, atol=atol)
        _close(ember.tensor(arr).polygamma(n), t, dtype, rtol=r, atol=atol)
        _close(ember.special.polygamma(n, ember.tensor(arr)), t, dtype, rtol=r, atol=atol)


def test_known_values_to_double_precision():
    f64 = ember.float64
    cases = [
        (ember.lgamma, [0.5, 1.0, 2.0, 3.0, 1e-8], [0.5 * math.log(math.pi), 0.0, 0.0, math.log(2.0),
                                                    math.lgamma(1e-8)]),
        (ember.lgamma, [-0.5, -2.5, 100.5], [math.lgamma(-0.5), math.lgamma(-2.5), math.lgamma(100.5)]),
        (ember.digamma, [1.0, 0.5, 2.0], [-0.5772156649015329, -0.5772156649015329 - 2 * math.log(2),
                                          1 - 0.5772156649015329]),
        (lambda x: ember.polygamma(1, x), [1.0, 0.5, 2.0], [math.pi ** 2 / 6, math.pi ** 2 / 2,
                                                            math.pi ** 2 / 6 - 1]),
        (lambda x: ember.polygamma(2, x), [1.0], [-2 * 1.2020569031595942]),
        (ember.erfc, [0.5, 3.0, 10.0, -1.0], [math.erfc(0.5), math.erfc(3.0), math.erfc(10.0), math.erfc(-1.0)]),
        (ember.erfinv, [math.erf(0.3), math.erf(2.0), -math.erf(1.2)], [0.3, 2.0, -1.2]),
        (ember.special.ndtri, [0.5 * math.erfc(5.0 / math.sqrt(2))], [-5.0]),
        (lambda x: ember.special.zeta(x, 1.0), [2.0, 4.0], [math.pi ** 2 / 6, math.pi ** 4 / 90]),
    ]
    for fn, xs, want in cases:
        got = fn(ember.tensor(xs, dtype=f64)).numpy()
        # (the reflection for negative x cancels a few digits: lgamma(-2.5) = 1.1447... - 1.2010...)
        np.testing.assert_allclose(got, want, rtol=2e-14, atol=1e-300)
    # lgamma vanishes exactly at 1 and 2 and keeps relative accuracy next to them
    # (Taylor: lgamma(1 + z) = -gamma z + zeta(2)/2 z^2 - ..., lgamma(2 + z) = (1 - gamma) z + (zeta(2) - 1)/2 z^2)
    euler, z = 0.5772156649015329, 1e-9
    near = ember.lgamma(ember.tensor([1 + z, 2 - z], dtype=f64)).numpy()
    z1, z2 = (1 + z) - 1, (2 - z) - 2  # the exact offsets of the rounded arguments
    want = [-euler * z1 + math.pi ** 2 / 12 * z1 ** 2, (1 - euler) * z2 + (math.pi ** 2 / 6 - 1) / 2 * z2 ** 2]
    np.testing.assert_allclose(near, want, rtol=1e-14)


def test_erfinv_is_inverse_of_erf_and_handles_tails():
    x = np.linspace(-5.5, 5.5, 221)
    np.testing.assert_allclose(ember.erfinv(ember.erf(ember.tensor(x[np.abs(x) < 5]))).numpy(),
                               x[np.abs(x) < 5], rtol=1e-6, atol=1e-6)
    # float64 tails: erfinv(1 - erfc(y)) recovers y while 1 - erfc(y) is still distinguishable from 1
    y = np.array([3.0, 4.0, 5.0])
    v = ember.erfinv(ember.tensor(1 - np.array([math.erfc(t) for t in y]))).numpy()
    np.testing.assert_allclose(v, y, rtol=1e-6)
    # ndtri reaches far into the left tail (where 2p - 1 would round to -1)
    p = np.array([1e-300, 1e-100, 1e-20])
    z = ember.special.ndtri(ember.tensor(p)).numpy()
    np.testing.assert_allclose(ember.special.log_ndtr(ember.tensor(z)).numpy(), np.log(p), rtol=1e-12)


def test_integer_and_bool_inputs_promote_like_torch(torch):
    ints = [[0, 1, 2], [3, -1, 5]]
    for name in ("erf", "erfc", "erfinv", "gammaln", "digamma", "i0", "i0e", "i1", "i1e", "sinc", "entr", "ndtr",
                 "ndtri", "log_ndtr", "expit", "erfcx", "exp2", "expm1", "log1p", "logit", "psi"):
        e = getattr(ember.special, name)(ember.tensor(ints))
        t = getattr(torch.special, name)(torch.tensor(ints))
        _close(e, t, "float32", atol=2e-6, rtol=2e-3 if name == "ndtr" else None)
    e = ember.special.erfinv(ember.tensor([True, False]))
    assert e.dtype == ember.float32
    e, t = ember.special.polygamma(2, ember.tensor([1, 2])), torch.special.polygamma(2, torch.tensor([1, 2]))
    _close(e, t, "float32")
    e, t = ember.special.multigammaln(ember.tensor([3, 4]), 2), torch.special.multigammaln(torch.tensor([3, 4]), 2)
    _close(e, t, "float32")
    e, t = ember.special.zeta(ember.tensor([3]), ember.tensor([2])), torch.special.zeta(torch.tensor([3]),
                                                                                        torch.tensor([2]))
    _close(e, t, "float32")
    e = ember.special.zeta(ember.tensor([3.0]), ember.tensor([2.0], dtype=ember.float64))
    assert e.dtype == ember.float64


def test_binary_functions(torch):
    a = np.array([0.0, 0.0, 1.0, 2.0, -1.5], dtype="float32")
    b = np.array([np.nan, 0.0, -1.0, 3.0, 0.5], dtype="float32")
    for name in ("xlogy", "xlog1py"):
        f_e, f_t = getattr(ember.special, name), getattr(torch.special, name)
        _close(f_e(ember.tensor(a), ember.tensor(b)), f_t(torch.tensor(a), torch.tensor(b)), "float32")
        _close(f_e(2, ember.tensor([3, 4])), f_t(2, torch.tensor([3, 4])), "float32")
        _close(f_e(ember.tensor(a), 3.0), f_t(torch.tensor(a), 3.0), "float32")
    s = np.array([1.0, 1.5, 2.0, 3.0, 0.5, 5.0])
    q = np.array([1.0, 2.0, -2.5, 0.0, 3.0, -3.0])
    for dt in ("float32", "float64"):
        _close(ember.special.zeta(ember.tensor(s.astype(dt)), ember.tensor(q.astype(dt))),
               torch.special.zeta(torch.tensor(s.astype(dt)), torch.tensor(q.astype(dt))), dt)
    _close(ember.special.zeta(ember.tensor(s), 2.5), torch.special.zeta(torch.tensor(s), 2.5), "float64")
    _close(ember.special.zeta(3.0, ember.tensor(q)), torch.special.zeta(3.0, torch.tensor(q)), "float64")


def test_softmax_family_and_round(torch):
    x = _RNG.standard_normal((3, 4)).astype("float32")
    _close(ember.special.softmax(ember.tensor(x), 1), torch.special.softmax(torch.tensor(x), 1), "float32")
    _close(ember.special.log_softmax(ember.tensor(x), 0, dtype=ember.float64),
           torch.special.log_softmax(torch.tensor(x), 0, dtype=torch.float64), "float64")
    _close(ember.special.logsumexp(ember.tensor(x), 1, keepdim=True),
           torch.special.logsumexp(torch.tensor(x), 1, keepdim=True), "float32")
    _close(ember.special.logsumexp(ember.tensor(x), (0, 1)), torch.special.logsumexp(torch.tensor(x), (0, 1)),
           "float32")
    _close(ember.special.round(ember.tensor(x), decimals=2), torch.special.round(torch.tensor(x), decimals=2),
           "float32")
    _close(ember.special.logit(ember.tensor([0.1, 0.5, 0.95]), eps=0.2),
           torch.special.logit(torch.tensor([0.1, 0.5, 0.95]), eps=0.2), "float32")


_GRAD_CASES = {
    "erfc": (lambda m, x: m.special.erfc(x), [-2.0, -0.3, 0.4, 1.7, 4.0]),
    "erfinv": (lambda m, x: m.special.erfinv(x), [-0.99, -0.3, 0.0, 0.6, 0.999]),
    "erfcx": (lambda m, x: m.special.erfcx(x), [-1.5, -0.2, 0.0, 2.0, 30.0]),
    "gammaln": (lambda m, x: m.special.gammaln(x), [-2.5, -0.4, 0.3, 1.0, 7.5]),
    "digamma": (lambda m, x: m.special.digamma(x), [-2.5, -0.4, 0.3, 1.0, 7.5]),
    "polygamma2": (lambda m, x: m.special.polygamma(2, x), [-2.5, -0.4, 0.3, 1.0, 7.5]),
    "multigammaln": (lambda m, x: m.special.multigammaln(x, 3), [1.2, 2.0, 4.5, 9.0, 1.01]),
    "i0": (lambda m, x: m.special.i0(x), [-3.0, -0.5, 0.0, 1.0, 12.0]),
    "i0e": (lambda m, x: m.special.i0e(x), [-3.0, -0.5, 0.0, 1.0, 30.0]),
    "i1": (lambda m, x: m.special.i1(x), [-3.0, -0.5, 0.0, 1.0, 12.0]),
    "i1e": (lambda m, x: m.special.i1e(x), [-3.0, -0.5, 0.0, 1.0, 30.0]),
    "ndtri": (lambda m, x: m.special.ndtri(x), [1e-6, 0.1, 0.5, 0.8, 0.9999]),
    "ndtr": (lambda m, x: m.special.ndtr(x), [-5.0, -1.0, 0.0, 0.5, 3.0]),
    "log_ndtr": (lambda m, x: m.special.log_ndtr(x), [-30.0, -3.0, 0.0, 0.5, 6.0]),
    "entr": (lambda m, x: m.special.entr(x), [0.1, 0.5, 1.0, 2.0, 7.0]),
    "sinc": (lambda m, x: m.special.sinc(x), [-1.5, -0.25, 0.0, 0.7, 3.0]),
    "expit": (lambda m, x: m.special.expit(x), [-3.0, -0.5, 0.0, 1.0, 4.0]),
    "xlog1py": (lambda m, x: m.special.xlog1py(x, x * x), [-0.5, 0.0, 0.5, 1.0, 2.0]),
    "zeta-q": (lambda m, x: m.special.zeta(3.5, x), [0.3, 1.0, 2.5, 7.0, 20.0]),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(_GRAD_CASES))
def test_gradients_match_torch(torch, name, dtype):
    fn, values = _GRAD_CASES[name]
    xe, xt = _pair(torch, values, dtype, requires_grad=True)
    g = np.linspace(0.5, 1.5, len(values)).astype(dtype)
    ye, yt = fn(ember, xe), fn(torch, xt)
    _close(ye, yt, dtype, rtol=1e-5 if dtype == "float32" else 1e-10, atol=1e-6 if dtype == "float32" else 1e-12)
    (ye * ember.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    tol = dict(rtol=2e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), **tol)
    assert xe.grad.dtype == xe.dtype


@pytest.mark.parametrize("name", ["erfc", "erfinv", "gammaln", "digamma", "polygamma2", "i0", "i0e", "i1", "i1e",
                                  "ndtri", "log_ndtr", "erfcx", "sinc"])
def test_second_derivatives_match_torch(torch, name):
    fn, values = _GRAD_CASES[name]
    if name in ("i1", "i1e", "sinc"):
        values = [v for v in values if v != 0.0]
    xe, xt = _pair(torch, values, "float64", requires_grad=True)
    (ge,) = ember.autograd.grad(fn(ember, xe).sum(), xe, create_graph=True)
    (gt,) = torch.autograd.grad(fn(torch, xt).sum(), xt, create_graph=True)
    (hh_e,) = ember.autograd.grad(ge.sum(), xe)
    (hh_t,) = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_allclose(hh_e.numpy(), hh_t.numpy(), rtol=1e-7, atol=1e-9)


def test_zeta_gradient_only_in_q(torch):
    s = ember.tensor([3.0, 2.5], requires_grad=True)
    q = ember.tensor([1.0, 2.0], requires_grad=True)
    out = ember.special.zeta(s, q)
    assert out.grad_fn.name() == "SpecialZetaBackward0"
    (gq,) = ember.autograd.grad(out.sum(), q, retain_graph=True)
    st, qt = torch.tensor([3.0, 2.5], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    (gq_t,) = torch.autograd.grad(torch.special.zeta(st, qt).sum(), qt)
    np.testing.assert_allclose(gq.numpy(), gq_t.numpy(), rtol=1e-5)
    with pytest.raises(NotImplementedError, match="derivative for 'zeta' is not implemented"):
        ember.autograd.grad(out.sum(), s)
    assert ember.special.zeta(s, 2.0).grad_fn.name() == "SpecialZetaBackward2"
    assert ember.special.zeta(2.0, q).grad_fn.name() == "SpecialZetaBackward1"


def test_grad_fn_names(torch):
    x = ember.tensor([0.3, 0.6], requires_grad=True)
    xt = torch.tensor([0.3, 0.6], requires_grad=True)
    for name in ("erfc", "erfinv", "erfcx", "gammaln", "digamma", "i0", "i0e", "i1", "i1e", "ndtri", "log_ndtr",
                 "entr", "sinc", "expit"):
        assert getattr(ember.special, name)(x).grad_fn.name() == getattr(torch.special, name)(xt).grad_fn.name()
    assert ember.special.polygamma(2, x).grad_fn.name() == "PolygammaBackward0"


def test_errors_match_torch(torch):
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="does not support negative n"):
            lib.special.polygamma(-1, lib.tensor([1.0]))
        with pytest.raises(TypeError, match="must be int, not float"):
            lib.special.polygamma(1.5, lib.tensor([1.0]))
        with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
            lib.special.multigammaln(lib.tensor([2.0]), 0)
        with pytest.raises(RuntimeError, match="must match the size"):
            lib.special.zeta(lib.tensor([2.0, 3.0]), lib.tensor([1.0, 2.0, 3.0]))


def test_out_argument():
    out = ember.empty(3)
    res = ember.special.erfc(ember.tensor([0.0, 1.0, 2.0]), out=out)
    assert res is out
    np.testing.assert_allclose(out.numpy(), [math.erfc(0.0), math.erfc(1.0), math.erfc(2.0)], rtol=1e-6)


def test_special_is_a_lazy_submodule():
    import importlib
    import sys

    assert importlib.import_module("ember.special") is ember.special
    assert "special" in ember._LAZY
    assert sys.modules["ember.special"].gammaln is ember.lgamma


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["modified_bessel_i0", "modified_bessel_i1", "spherical_bessel_j0"])
def test_functions_without_gradient(torch, name, dtype):
    arr = np.concatenate([_WIDE[np.abs(_WIDE) < 80], _SPECIALS]).astype(dtype)
    e = getattr(ember.special, name)(ember.tensor(arr, requires_grad=True))
    t = getattr(torch.special, name)(torch.tensor(arr, requires_grad=True))
    assert not e.requires_grad and not t.requires_grad
    _close(e, t, dtype, rtol=5e-6 if dtype == "float32" else 1e-11)
    _close(getattr(ember.special, name)(ember.tensor([0, 1, 3])), getattr(torch.special, name)(
        torch.tensor([0, 1, 3])), "float32")


def test_gammainc_gammaincc_are_igamma_igammac(torch):
    a = np.array([0.5, 1.0, 2.0, 5.0])
    x = np.array([0.3, 1.0, 2.5, 4.0])
    res = {}
    for lib in (torch, ember):
        xt = lib.tensor(x, requires_grad=True)
        p, q = lib.special.gammainc(lib.tensor(a), xt), lib.special.gammaincc(lib.tensor(a), xt)
        (p + 2 * q).sum().backward()
        res[lib.__name__] = (p.detach().numpy(), q.detach().numpy(), p.grad_fn.name(), q.grad_fn.name(),
                             xt.grad.numpy())
    t, e = res["torch"], res["ember"]
    assert e[2:4] == t[2:4]
    for i in (0, 1, 4):
        np.testing.assert_allclose(e[i], t[i], rtol=1e-12)
