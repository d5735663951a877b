"""NumPy's floating-point warnings never escape ember's ops, forward or backward, even when user code turns
warnings into errors after importing ember (``warnings.simplefilter("error")``, pytest's ``filterwarnings = error``)
or sets ``np.seterr(all="raise")``: PyTorch returns IEEE special values silently. User NumPy code keeps warning."""

import warnings

import numpy as np
import pytest

import ember

INF = float("inf")

FORWARD = {  # fn(lib, T): T(values, dtype=float32) makes an input tensor (one that requires grad, or not)
    "log": lambda L, T: L.log(T([0.0, -1.0, 2.0])),
    "log2-log10-log1p": lambda L, T: L.stack([L.log2(T([0.0])), L.log10(T([0.0])), L.log1p(T([-1.0]))]),
    "div": lambda L, T: T([1.0, 0.0, -1.0]) / T([0.0, 0.0, 0.0]),
    "div-scalar": lambda L, T: T([1.0, 0.0]) / 0,
    "rdiv": lambda L, T: 1 / T([0.0, 0.0]),
    "remainder-fmod": lambda L, T: L.stack([T([1.0]) % 0, L.fmod(T([1.0]), 0.0)]),
    "reciprocal-rsqrt": lambda L, T: L.stack([L.reciprocal(T([0.0, 0.0])), L.rsqrt(T([0.0, -1.0]))]),
    "sqrt": lambda L, T: L.sqrt(T([-1.0, 4.0])),
    "pow": lambda L, T: L.stack([L.pow(T([0.0]), -1), L.pow(T([-1.0]), T([0.5]))]),
    "exp-overflow": lambda L, T: L.stack([L.exp(T([1000.0])), L.expm1(T([1000.0]))]),
    "mul-overflow": lambda L, T: T([3e38]) * 10,
    "inf-minus-inf": lambda L, T: T([INF]) - INF,
    "log_softmax": lambda L, T: L.log_softmax(T([-INF, -INF]), 0),
    "softmax": lambda L, T: L.softmax(T([-INF, -INF]), 0),
    "inverse-trig": lambda L, T: L.stack([L.atanh(T([1.0, 2.0])), L.acos(T([2.0, 1.0]))]),
    "logit-xlogy": lambda L, T: L.stack([L.logit(T([0.0, 1.0])), L.xlogy(T([1.0, 1.0]), T([0.0, 0.0]))]),
    "sum-overflow": lambda L, T: L.stack([T([3e38, 3e38]).sum(), T([3e38, 3e38]).mean()]),
    "prod-overflow": lambda L, T: T([3e38, 10.0]).prod(),
    "sin-inf": lambda L, T: L.sin(T([INF])),
    "float16": lambda L, T: L.log(T([0.0, 1.0], L.float16)).float(),
    "cast-float32": lambda L, T: T([1e300, 1.0], L.float64).float(),
    "cast-to": lambda L, T: T([1e300, 1.0], L.float64).to(L.float16).float(),
    "cast-int": lambda L, T: T([1e300, INF], L.float64).to(L.int32).double(),
}


def _values(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("case", sorted(FORWARD))
def test_forward_special_values_under_error_filter(torch, case, requires_grad):
    fn = FORWARD[case]
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # after `import ember`: it goes in front of ember's own filter
        for L in (torch, ember):
            def T(values, dtype=None, L=L):
                return L.tensor(values, dtype=dtype or L.float32, requires_grad=requires_grad)
            out[L.__name__] = _values(fn(L, T))
    np.testing.assert_array_equal(out["ember"], out["torch"])


def test_seterr_raise_does_not_reach_ember(torch):
    with np.errstate(all="raise"):
        got = ember.log(ember.tensor([0.0, -1.0]))
        g = ember.zeros(2, requires_grad=True)
        ember.sqrt(g).sum().backward()
    np.testing.assert_array_equal(_values(got), _values(torch.log(torch.tensor([0.0, -1.0]))))
    np.testing.assert_array_equal(_values(g.grad), [INF, INF])


BACKWARD = {
    "log": lambda L, x: L.log(x),
    "sqrt": lambda L, x: L.sqrt(x),
    "rsqrt": lambda L, x: L.rsqrt(x),
    "pow-half": lambda L, x: x ** 0.5,
    "pow-neg": lambda L, x: x ** -1.0,
    "atanh": lambda L, x: L.atanh(x + 1),
    "acos": lambda L, x: L.acos(x + 1),
    "log1p": lambda L, x: L.log1p(x - 1),
    "x-over-x": lambda L, x: x / x,
    "logit": lambda L, x: L.logit(x),
}


@pytest.mark.parametrize("case", sorted(BACKWARD))
def test_backward_special_values_under_error_filter(torch, case):
    fn = BACKWARD[case]
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for L in (torch, ember):
            x = L.zeros(2, requires_grad=True)
            y = fn(L, x)
            y.sum().backward()
            out[L.__name__] = (_values(y), _values(x.grad))
    for a, b in zip(out["ember"], out["torch"]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", ["log", "sqrt", "pow-neg"])
def test_double_backward_special_values_under_error_filter(torch, case):
    fn = BACKWARD[case]
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for L in (torch, ember):
            x = L.zeros(2, requires_grad=True)
            g, = L.autograd.grad(fn(L, x).sum(), x, create_graph=True)
            gg, = L.autograd.grad(g.sum(), x)
            out[L.__name__] = (_values(g), _values(gg))
    for a, b in zip(out["ember"], out["torch"]):
        np.testing.assert_array_equal(a, b)


def test_user_numpy_still_warns_after_ember_ops():
    # The quiet state is scoped to ember's ops and backward runs: it must not leak into user code afterwards.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = ember.zeros(1, requires_grad=True)
        ember.log(x).sum().backward()
        ember.log(ember.zeros(1))
        with pytest.raises(RuntimeWarning, match="divide by zero"):
            np.log(np.zeros(1))


def test_in_place_fast_path_under_error_filter_and_scalar_conversion_errors(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("div_", "mul_", "add_"):
            got, want = ember.tensor([1.0, 0.0]), torch.tensor([1.0, 0.0])
            arg = 0.0 if name == "div_" else float("inf")
            getattr(got, name)(arg)
            getattr(want, name)(arg)
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    for fn in (float, int, complex, bool):
        for size in (0, 2):
            msgs = []
            for lib in (torch, ember):
                with pytest.raises((ValueError, RuntimeError)) as info:
                    fn(lib.ones(size))
                msgs.append((type(info.value), str(info.value)))
            assert msgs[0] == msgs[1]
