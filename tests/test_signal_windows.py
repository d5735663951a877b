"""ember.signal.windows against torch.signal.windows: values in float32 and float64 (same evaluation order; the
elementwise functions' rounding differs by at most an ulp or two of the window's peak, kaiser's I0 by ~10),
shapes and dtypes, M = 0 / 1 and periodic edge cases, requires_grad, and PyTorch's errors."""

import numpy as np
import pytest

import ember
import ember.signal.windows as EW

NAMES = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming", "hamming",
         "hann", "kaiser", "nuttall"]
KW = {"general_cosine": {"a": [0.46, 0.23, 0.31]}}
EXTRA = [("exponential", {"tau": 0.7}), ("gaussian", {"std": 1.7}), ("general_hamming", {"alpha": 0.6}),
         ("kaiser", {"beta": 5.5})]


def _pair(torch, name, M, dt, **kw):
    tw = getattr(torch.signal.windows, name)(M, dtype=getattr(torch, dt), **kw)
    ew = getattr(EW, name)(M, dtype=getattr(ember, dt), **kw)
    return tw, ew


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("name,kw", [(n, KW.get(n, {})) for n in NAMES] + EXTRA)
def test_values(torch, name, kw, dt):
    eps = np.finfo(dt).eps
    # kaiser divides two I0 values, whose implementations differ by several ulp
    tol = (12 if name == "kaiser" else 1.01) * eps
    for M in [2, 3, 4, 5, 8, 17, 64, 101, 1000]:
        for sym in (True, False):
            tw, ew = _pair(torch, name, M, dt, sym=sym, **kw)
            a, b = tw.numpy(), ew.numpy()
            assert b.dtype == a.dtype and b.shape == a.shape == (M,)
            np.testing.assert_allclose(b, a, rtol=0, atol=tol, err_msg=f"{name} M={M} sym={sym}")


def test_exact_where_no_transcendental(torch):
    # bartlett is linspace and abs only: bit-exact
    for M in (2, 5, 64, 1001):
        for sym in (True, False):
            tw, ew = _pair(torch, "bartlett", M, "float32", sym=sym)
            assert np.array_equal(tw.numpy(), ew.numpy())


def test_exponential_center(torch):
    for M in (3, 9, 22, 34):
        tw, ew = _pair(torch, "exponential", M, "float64", sym=False, center=1.3, tau=2.5)
        np.testing.assert_allclose(ew.numpy(), tw.numpy(), rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_short_and_grad(torch, name):
    kw = KW.get(name, {"a": [0.5, 0.5]} if name == "general_cosine" else {})
    for M in (0, 1, 3):
        for sym in (True, False):
            tw = getattr(torch.signal.windows, name)(M, sym=sym, requires_grad=True, **kw)
            ew = getattr(EW, name)(M, sym=sym, requires_grad=True, **kw)
            np.testing.assert_allclose(ew.detach().numpy(), tw.detach().numpy(), atol=1e-6)
            assert ew.requires_grad and ew.is_leaf == tw.is_leaf
            if tw.grad_fn is not None:
                assert ew.grad_fn.name() == tw.grad_fn.name()


def _error(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the type and message are compared
        return type(exc).__name__, str(exc).split("\n")[0].replace("ember", "torch")
    return None


@pytest.mark.parametrize("call", [
    lambda W, t: W.hann(-1), lambda W, t: W.bartlett(-1), lambda W, t: W.kaiser(-2),
    lambda W, t: W.blackman(-1, dtype=t.int64), lambda W, t: W.blackman(3, dtype=t.float16, layout=t.sparse_coo),
    lambda W, t: W.hann(3, dtype=t.int64), lambda W, t: W.cosine(3, dtype=t.bfloat16),
    lambda W, t: W.gaussian(3, dtype=t.complex64), lambda W, t: W.general_cosine(3, a=[1.0], layout=None),
    lambda W, t: W.exponential(3, tau=0), lambda W, t: W.exponential(3, tau=-1, center=1.0),
    lambda W, t: W.exponential(3, center=1.0), lambda W, t: W.exponential(-1, tau=-1),
    lambda W, t: W.gaussian(3, std=-1), lambda W, t: W.kaiser(1, beta=-1.0), lambda W, t: W.kaiser(0, beta=-1),
    lambda W, t: W.general_cosine(3, a=3), lambda W, t: W.general_cosine(3, a=[]),
    lambda W, t: W.general_cosine(3), lambda W, t: W.hann(None), lambda W, t: W.hann(3, 1),
    lambda W, t: W.cosine(2.0), lambda W, t: W.cosine(True), lambda W, t: W.hann(2.0, sym=False),
    lambda W, t: W.kaiser(2.0), lambda W, t: W.exponential(3, tau="a"),
])
def test_errors(torch, call):
    expected = _error(lambda: call(torch.signal.windows, torch))
    assert expected is not None
    assert _error(lambda: call(EW, ember)) == expected


@pytest.mark.parametrize("call", [
    lambda W, t: W.general_cosine(0, a=3), lambda W, t: W.hann(True), lambda W, t: W.bartlett(1.0),
    lambda W, t: W.cosine(0.0), lambda W, t: W.hann(3, sym=0), lambda W, t: W.hann(np.int64(5)),
    lambda W, t: W.cosine(1, sym=False), lambda W, t: W.gaussian(1, sym=False), lambda W, t: W.kaiser(3, beta=0),
    lambda W, t: W.exponential(1, sym=False), lambda W, t: W.general_cosine(4, a=(1, 2)),
    lambda W, t: W.hann(4, dtype=t.float64, device="cpu"),
])
def test_accepted_edge_cases(torch, call):
    tw, ew = call(torch.signal.windows, torch), call(EW, ember)
    assert str(ew.dtype).split(".")[-1] == str(tw.dtype).split(".")[-1]
    np.testing.assert_allclose(ew.numpy(), tw.numpy(), atol=1e-6)


def test_default_dtype_and_namespace(torch):
    assert ember.signal.windows is EW
    assert sorted(EW.__all__) == sorted(torch.signal.windows.__all__)
    ember.set_default_dtype(ember.float64)
    try:
        assert EW.hann(4).dtype == ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    assert EW.hann(4).dtype == ember.float32
