"""Tests for ember/nn/modules/activation.py and the activation functions of ember.nn.functional."""

import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from tests._helpers import sweep_outcome

# (constructor expression, evaluated with ``nn`` bound to ember.nn or torch.nn)
MODULES = [
    "nn.ReLU()", "nn.ReLU(inplace=True)", "nn.ReLU6()", "nn.ReLU6(True)", "nn.LeakyReLU()",
    "nn.LeakyReLU(0.2, True)", "nn.ELU()", "nn.ELU(alpha=0.5, inplace=True)", "nn.SELU()", "nn.SELU(True)",
    "nn.CELU(2.0)", "nn.GELU()", "nn.GELU(approximate='tanh')", "nn.SiLU()", "nn.SiLU(inplace=True)",
    "nn.Mish()", "nn.Sigmoid()", "nn.Tanh()", "nn.Hardtanh()", "nn.Hardtanh(-2, 2)", "nn.Hardtanh(-0.5, 3.0, True)",
    "nn.Hardsigmoid()", "nn.Hardswish()", "nn.Softplus()", "nn.Softplus(beta=2, threshold=10)", "nn.Softsign()",
    "nn.Softmax(dim=1)", "nn.Softmax(dim=-1)", "nn.LogSoftmax(dim=1)", "nn.Softmin(dim=1)", "nn.Softmax2d()",
    "nn.LogSigmoid()", "nn.Tanhshrink()", "nn.Threshold(0.1, 20.0)", "nn.Threshold(0.1, 20, True)", "nn.GLU()",
    "nn.GLU(dim=0)", "nn.Hardshrink()", "nn.Softshrink(0.3)", "nn.PReLU()", "nn.PReLU(num_parameters=3)",
    "nn.PReLU(3, init=0.1)", "nn.RReLU()", "nn.RReLU(0.1, 0.3)",
]


def _make(expr, lib):
    return eval(expr, {"nn": lib.nn})


@pytest.mark.parametrize("expr", MODULES)
def test_module_repr_matches_torch(expr, torch):
    assert repr(_make(expr, ember)) == repr(_make(expr, torch))


def _input(rng, expr):
    if "Softmax2d" in expr:
        shape = (2, 3, 2, 2)
    elif "PReLU(" in expr and expr != "nn.PReLU()":
        shape = (2, 3, 4)
    else:
        shape = (4, 6)
    x = rng.standard_normal(shape) * 3
    x.flat[0], x.flat[1] = 1e4, -1e4  # extreme values must stay finite and match
    return x


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("expr", [e for e in MODULES if "RReLU()" not in e])
def test_module_forward_backward_matches_torch(expr, dtype, torch):
    rng = np.random.default_rng(0)
    x = _input(rng, expr).astype(dtype)
    g = rng.standard_normal(x.shape[:-1] + (x.shape[-1] // 2,) if "GLU()" in expr else
                            (x.shape[0] // 2,) + x.shape[1:] if "GLU(dim=0)" in expr else x.shape).astype(dtype)
    results = []
    for lib in (torch, ember):
        m = _make(expr, lib).to(getattr(lib, dtype))
        if "RReLU" in expr:
            m.eval()
        leaf = lib.tensor(x, requires_grad=True)
        inp = leaf * 1 if "inplace=True" in expr or "True)" in expr else leaf
        out = m(inp)
        (out * lib.tensor(g)).sum().backward()
        params = [p.grad.numpy() for p in m.parameters()]
        results.append((out.detach().numpy(), leaf.grad.numpy(), params, str(out.dtype).split(".")[-1]))
    (to, tg, tp, tdt), (eo, eg, ep, edt) = results
    assert edt == tdt == dtype
    assert np.isfinite(eo).all() and np.isfinite(eg).all()
    np.testing.assert_allclose(eo, to, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(eg, tg, rtol=1e-5, atol=1e-5)
    for a, b in zip(ep, tp):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


FUNCTIONS = {
    "relu": lambda F, x: F.relu(x), "relu6": lambda F, x: F.relu6(x), "leaky_relu": lambda F, x: F.leaky_relu(x),
    "elu": lambda F, x: F.elu(x), "selu": lambda F, x: F.selu(x), "celu": lambda F, x: F.celu(x),
    "gelu": lambda F, x: F.gelu(x), "silu": lambda F, x: F.silu(x), "mish": lambda F, x: F.mish(x),
    "hardtanh": lambda F, x: F.hardtanh(x), "hardsigmoid": lambda F, x: F.hardsigmoid(x),
    "hardswish": lambda F, x: F.hardswish(x), "softplus": lambda F, x: F.softplus(x),
    "softsign": lambda F, x: F.softsign(x), "logsigmoid": lambda F, x: F.logsigmoid(x),
    "tanhshrink": lambda F, x: F.tanhshrink(x), "threshold": lambda F, x: F.threshold(x, 0.1, 2.0),
    "glu": lambda F, x: F.glu(x), "hardshrink": lambda F, x: F.hardshrink(x),
    "softshrink": lambda F, x: F.softshrink(x), "softmin": lambda F, x: F.softmin(x, 1),
    "sigmoid": lambda F, x: F.sigmoid(x), "tanh": lambda F, x: F.tanh(x),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_grad_fn_names_match_torch(name, torch):
    fn = FUNCTIONS[name]
    t = fn(torch.nn.functional, torch.randn(2, 4, requires_grad=True))
    e = fn(F, ember.randn(2, 4, requires_grad=True))
    assert e.grad_fn.name() == t.grad_fn.name()


def test_prelu_grad_fn_and_parameter(torch):
    m = nn.PReLU(3)
    assert isinstance(m.weight, nn.Parameter)
    assert m.weight.shape == (3,) and m.weight.dtype == ember.float32
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.full(3, 0.25, np.float32))
    assert list(m.state_dict()) == ["weight"]
    out = m(ember.randn(2, 3, 4))
    assert out.grad_fn.name() == torch.nn.PReLU(3)(torch.randn(2, 3, 4)).grad_fn.name()
    m2 = nn.PReLU(2, init=0.1)
    np.testing.assert_allclose(m2.weight.detach().numpy(), [0.1, 0.1])


@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "hardtanh", "threshold",
                                  "silu", "mish", "hardsigmoid", "hardswish"])
def test_inplace_modifies_input_and_gradients_match(name, torch):
    def run(lib):
        Fl = lib.nn.functional
        args = (0.5, -1.0) if name == "threshold" else ()
        x = lib.tensor([[-2.0, -0.5, 0.3, 4.0]], requires_grad=True)
        y = x * 2
        out = getattr(Fl, name)(y, *args, inplace=True)
        assert out is y
        out.sum().backward()
        return y.detach().numpy(), x.grad.numpy(), out.grad_fn.name()
    ey, eg, en = run(ember)
    ty, tg, tn = run(torch)
    np.testing.assert_allclose(ey, ty, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(eg, tg, rtol=1e-6, atol=1e-6)
    assert en == tn


def test_inplace_no_grad_and_version_counter():
    x = ember.tensor([-1.0, 2.0])
    v = x._version
    assert F.relu(x, inplace=True) is x
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0])
    assert x._version > v
    y = ember.tensor([-1.0, 2.0])
    assert nn.LeakyReLU(0.5, inplace=True)(y) is y
    np.testing.assert_array_equal(y.numpy(), [-0.5, 2.0])
    z = ember.tensor([-1.0, 2.0])
    F.relu_(z)
    F.leaky_relu_(ember.tensor([1.0]))
    np.testing.assert_array_equal(z.numpy(), [0.0, 2.0])


def test_inplace_on_leaf_requiring_grad_raises_like_torch(torch):
    msgs = []
    for lib in (torch, ember):
        x = lib.tensor([1.0, -1.0], requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            lib.nn.functional.leaky_relu(x, inplace=True)
        msgs.append(str(info.value))
    assert msgs[1] == msgs[0]


def test_inplace_after_saving_op_is_caught(torch):
    # sigmoid saves its output; modifying it in place must fail at backward, as in torch
    for lib in (torch, ember):
        x = lib.tensor([1.0, -1.0], requires_grad=True)
        y = x.sigmoid()
        lib.nn.functional.relu(y, inplace=True)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_softmax_implicit_dim_warns_like_torch(torch):
    caught = {}
    for lib in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = lib.nn.functional.softmax(lib.ones(2, 3))
            lib.nn.Softmax()(lib.ones(2, 3))
            lib.nn.functional.log_softmax(lib.ones(3))
        caught[lib.__name__] = ([str(m.message) for m in w], out.numpy())
    assert caught["ember"][0] == caught["torch"][0] and len(caught["ember"][0]) == 3
    np.testing.assert_allclose(caught["ember"][1], caught["torch"][1])


def test_softmax_dtype_and_stability():
    x = ember.tensor([[1e4, 0.0, -1e4]])
    s = F.softmax(x, dim=1)
    ls = F.log_softmax(x, dim=1, dtype=ember.float64)
    assert s.dtype == ember.float32 and ls.dtype == ember.float64
    np.testing.assert_allclose(s.numpy(), [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(ls.numpy(), [[0.0, -1e4, -2e4]])


@pytest.mark.parametrize("call", [
    "F.gelu(x, approximate='fast')", "F.glu(y)", "F.glu(s)", "F.prelu(x, w3)", "nn.Softmax2d()(x)",
    "F.hardtanh(x, 2.0, 1.0)", "nn.Hardtanh(1.0, -1.0)",
])
def test_errors_match_torch(call, torch):
    errors = []
    for lib in (torch, ember):
        env = {"F": lib.nn.functional, "nn": lib.nn, "x": lib.randn(2, 4), "y": lib.randn(2, 3),
               "s": lib.tensor(1.0), "w3": lib.ones(3)}
        with pytest.raises(Exception) as info:
            eval(call, env)
        errors.append((type(info.value), str(info.value)))
    assert errors[1] == errors[0]


def test_double_backward_through_leaky_relu_matches_torch(torch):
    # gradient penalty (WGAN-GP style): differentiate a gradient norm
    results = []
    for lib in (torch, ember):
        x = lib.tensor([[0.5, -1.5, 2.0], [-0.3, 0.7, -2.2]], requires_grad=True)
        w = lib.tensor([[0.3, -0.2], [0.5, 0.1], [-0.4, 0.6]], requires_grad=True)
        out = lib.nn.functional.leaky_relu(x @ w, 0.2).sum()
        (gx,) = lib.autograd.grad(out, x, create_graph=True)
        (gx * gx).sum().backward()
        results.append(w.grad.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-5, atol=1e-6)


def test_rrelu_training_slopes_in_range():
    m = nn.RReLU(0.1, 0.3)
    x = -ember.ones(1000)
    out = m(x).numpy()
    assert ((out <= -0.1) & (out >= -0.3)).all()
    assert len(np.unique(out)) > 10  # random per element
    m.eval()
    np.testing.assert_allclose(m(x).numpy(), -0.2)


def test_integer_input_refused_by_float_kernels():
    # (as PyTorch: its gelu / silu kernels exist for floating dtypes only)
    with pytest.raises(NotImplementedError, match="\"GeluKernelImpl\" not implemented for 'Long'"):
        F.gelu(ember.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="\"silu_cpu\" not implemented for 'Long'"):
        F.silu(ember.tensor([1, -1]))


# (torch has no double backward for hardsigmoid; ember's is exact: its slope is piecewise constant)
SECOND_ORDER = ["gelu", "gelu_tanh", "silu", "mish", "elu", "selu", "celu", "softplus", "logsigmoid", "hardswish",
                "leaky_relu", "hardtanh", "threshold", "softshrink"]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_order_gradients_match_torch(name, torch):
    rng = np.random.default_rng(0)
    x0 = (rng.standard_normal((3, 4)) * 2).astype("float64")
    r = rng.standard_normal((3, 4))
    calls = {"gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"), "celu": lambda F, x: F.celu(x, 0.7),
             "softplus": lambda F, x: F.softplus(x, beta=1.5, threshold=2.0),
             "threshold": lambda F, x: F.threshold(x, 0.2, -1.0), "softshrink": lambda F, x: F.softshrink(x, 0.3)}
    fn = calls.get(name, lambda F, x: getattr(F, name)(x))
    grads = []
    for lib in (torch, ember):
        x = lib.tensor(x0, requires_grad=True)
        y = fn(lib.nn.functional, x * x)  # a non-linear inner function so that the second derivative is non-trivial
        (gx,) = lib.autograd.grad((y * lib.tensor(r)).sum(), x, create_graph=True)
        (gx * gx).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.int64])
def test_relu_no_grad_fast_path_matches_graph_path(dtype):
    x = (ember.randn(3, 5) * 4).to(dtype)
    if dtype.is_floating_point:
        x[0, 0] = -0.0
        x[0, 1] = float("nan")
        x.requires_grad_(True)
    with ember.no_grad():
        fast = F.relu(x)
    slow = F.relu(x)
    assert fast.dtype == slow.dtype == dtype and fast.grad_fn is None
    assert np.array_equal(fast.numpy(), slow.detach().numpy(), equal_nan=True)
    assert np.array_equal(np.signbit(fast.numpy()), np.signbit(slow.detach().numpy()))
    if dtype.is_floating_point:
        assert slow.grad_fn is not None
    assert fast._data is not x._data and not np.shares_memory(fast.numpy(), x.detach().numpy())


def test_gumbel_softmax_is_softmax_of_gumbel_perturbed_logits():
    F = ember.nn.functional
    logits = ember.tensor([[1.0, 2.0, 0.5, -1.0], [0.0, 0.0, 3.0, 0.0]], requires_grad=True)
    ember.manual_seed(3)
    y = F.gumbel_softmax(logits, tau=0.7)
    ember.manual_seed(3)
    u = ember.empty_like(logits).exponential_()  # the same draws: -log(u) is the Gumbel noise
    expected = ember.softmax((logits.detach() - u.log()) / 0.7, dim=-1)
    np.testing.assert_allclose(y.detach().numpy(), expected.numpy(), rtol=1e-6)
    np.testing.assert_allclose(y.sum(-1).detach().numpy(), [1.0, 1.0], rtol=1e-6)


def test_gumbel_softmax_hard_is_one_hot_with_straight_through_gradient():
    F = ember.nn.functional
    logits = ember.tensor([[1.0, 2.0, 0.5, -1.0]], requires_grad=True)
    w = ember.tensor([[0.3, -1.0, 2.0, 0.5]])
    ember.manual_seed(5)
    hard = F.gumbel_softmax(logits, hard=True, dim=1)
    (hard * w).sum().backward()
    g_hard = logits.grad.numpy().copy()
    assert sorted(hard.detach().numpy().ravel().tolist()) == [0.0, 0.0, 0.0, 1.0]
    logits.grad = None
    ember.manual_seed(5)
    soft = F.gumbel_softmax(logits, hard=False, dim=1)
    assert hard.argmax().item() == soft.argmax().item()
    (soft * w).sum().backward()
    np.testing.assert_allclose(g_hard, logits.grad.numpy(), rtol=1e-6)  # straight-through: the soft gradient


def test_gumbel_softmax_samples_follow_the_softmax_probabilities():
    ember.manual_seed(0)
    logits = ember.tensor([0.0, 1.0, 2.0]).expand(20000, 3)
    counts = ember.nn.functional.gumbel_softmax(logits, hard=True).sum(0).numpy()
    probs = ember.softmax(ember.tensor([0.0, 1.0, 2.0]), 0).numpy()
    # the Gumbel-max trick: argmax frequencies estimate the softmax; 6 standard errors of a binomial share
    np.testing.assert_allclose(counts / 20000, probs, atol=6 * np.sqrt(0.25 / 20000))


def test_gumbel_softmax_eps_is_deprecated_as_in_torch(torch):
    for lib in (torch, ember):
        with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect."):
            lib.nn.functional.gumbel_softmax(lib.zeros(2, 3), eps=1e-5)


@pytest.mark.parametrize("call", ["ember.relu", "method", "F.relu", "nn.ReLU", "relu_"])
def test_relu_refuses_bool_inputs(torch, call):
    # ember returned int64 0/1 for a bool tensor; PyTorch refuses it.
    def run(lib):
        x = lib.tensor([True, False])
        return {"ember.relu": lambda: lib.relu(x), "method": lambda: x.relu(),
                "F.relu": lambda: lib.nn.functional.relu(x), "nn.ReLU": lambda: lib.nn.ReLU()(x),
                "relu_": lambda: x.relu_()}[call]()
    with pytest.raises(RuntimeError) as expected:
        run(torch)
    with pytest.raises(RuntimeError) as got:
        run(ember)
    assert str(got.value) == str(expected.value)




@pytest.mark.parametrize("name", ["gelu", "silu", "elu", "selu", "celu", "mish", "hardswish", "hardsigmoid",
                                  "leaky_relu", "softplus", "glu", "hardshrink", "softshrink", "relu"])
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
def test_integer_input_kernels(torch, name, dtype):
    def run(lib):
        def call():
            return getattr(lib.nn.functional, name)(lib.tensor([1, 0], dtype=getattr(lib, dtype)))
        got = sweep_outcome(call)
        if got[0] == "ok":  # (the shape alone would let a float32 result of relu pass)
            out = call()
            got += (out.tolist(), str(out.dtype).split(".")[-1])
        return got
    assert run(ember) == run(torch)


@pytest.mark.parametrize("name", ["ReLU", "GELU", "SiLU", "Hardswish", "ReLU6", "Sigmoid"])
def test_module_call_without_input(torch, name):
    def run(lib):
        return sweep_outcome(lambda: getattr(lib.nn, name)()())
    assert run(ember) == run(torch)


INT_CALLS = [
    "F.hardtanh(x)", "F.hardtanh(x, 0.0, 5.0)", "F.hardtanh(x, -0.9, 1.9)", "F.hardtanh(x, -2, 3)",
    "F.hardtanh(x, 0, 300)", "F.relu6(x)", "F.threshold(x, 1, 20)", "F.threshold(x, -1.5, -9.7)",
    "F.threshold(x, 1, -1)", "F.threshold(x, 1, 300)", "F.threshold(x, 1, float('nan'))", "F.threshold(x, 1e30, 1)",
    "nn.Hardtanh(-2, 2)(x)", "nn.ReLU6()(x)", "nn.Threshold(1, 5)(x)", "F.hardtanh(x.clone(), inplace=True)",
    "F.relu6(x.clone(), inplace=True)", "F.hardtanh_(x.clone(), 0, 2)", "F.threshold_(x.clone(), 1, 5)",
    "nn.Threshold(2, -3, True)(x.clone())", "F.hardtanh(x, -0.5, 3.5)", "F.threshold(x, -1, 7)",
    "F.threshold(x, 1, -0.5)", "F.threshold(x, 3.5, 7)",
]


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64", "uint16"])
@pytest.mark.parametrize("call", INT_CALLS)
def test_hardtanh_relu6_threshold_keep_integer_dtypes(torch, call, dtype):
    # ember cast integer inputs to float32; PyTorch keeps the dtype (limits converted to it) or refuses.
    def run(lib):
        x = lib.tensor([-3, 0, 1, 2, 7, 9, 127]).to(getattr(lib, dtype))
        try:
            out = eval(call, {"F": lib.nn.functional, "nn": lib.nn, "x": x})
        except Exception as exc:  # noqa: BLE001 - compared across libraries
            return type(exc).__name__, str(exc)
        return out.tolist(), str(out.dtype).split(".")[-1]
    assert run(ember) == run(torch)


def test_rrelu_bounds_check_matches_torch(torch):
    # lower > upper is accepted by the constructor but rejected on call (training or not, any dtype)
    x = [-1.0, 2.0]
    calls = [lambda m: m.nn.RReLU(0.5, 0.1)(m.tensor(x)), lambda m: m.nn.RReLU(0.5, 0.1).eval()(m.tensor(x)),
             lambda m: m.nn.functional.rrelu(m.tensor(x), 0.5, 0.1), lambda m: m.rrelu_(m.tensor(x), 0.5, 0.1),
             lambda m: m.nn.functional.rrelu(m.tensor([1, -2]), 0.5, 0.1)]
    for call in calls:
        with pytest.raises(RuntimeError, match="^Lower bound should be less than or equal to the upper bound$"):
            call(ember)
        with pytest.raises(RuntimeError, match="^Lower bound should be less than or equal to the upper bound$"):
            call(torch)
    assert repr(nn.RReLU(0.5, 0.1)) == repr(torch.nn.RReLU(0.5, 0.1))
    F.rrelu(ember.tensor(x), 0.3, 0.3, training=True)  # equal bounds are fine


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_shrink_keeps_nan_as_torch(dtype, torch):
    x = np.array([np.nan, -np.nan, 0.2, -0.7, 0.5, -0.5, np.inf, -np.inf, 0.0, -0.0, -0.2], dtype=dtype)
    for fn in (lambda lib, t: lib.nn.functional.hardshrink(t), lambda lib, t: lib.nn.functional.softshrink(t, 0.3),
               lambda lib, t: lib.hardshrink(t, 0.6), lambda lib, t: lib.nn.Hardshrink()(t),
               lambda lib, t: lib.nn.Softshrink()(t)):
        e, t = fn(ember, ember.tensor(x)).numpy(), fn(torch, torch.tensor(x)).numpy()
        np.testing.assert_array_equal(e, t)
        inside = np.abs(x) != 0.5  # (at x = -lambd PyTorch's float64 and float32 kernels disagree on the zero's sign)
        assert np.array_equal(np.signbit(e[inside]), np.signbit(t[inside]))


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_elu_family_uses_expm1_and_keeps_negative_zero(torch, dt):
    # exp(x) - 1 cancelled near 0 (x = -1e-6 lost most digits); elu(-0.0) is -0.0 in PyTorch
    x = np.array([-0.0, 0.0, -1e-6, -3e-4, -1e-20, -0.7, -30.0, 2.0, np.inf, -np.inf, np.nan], dtype=dt)
    for name, kw in (("elu", {}), ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {"alpha": 2.0})):
        e = getattr(F, name)(ember.tensor(x), **kw).numpy()
        t = getattr(torch.nn.functional, name)(torch.tensor(x), **kw).numpy()
        np.testing.assert_array_equal(np.signbit(e), np.signbit(t))
        np.testing.assert_allclose(e, t, rtol=3e-7 if dt == "float32" else 1e-15, atol=0)
    xe, xt = ember.tensor(x[:7], requires_grad=True), torch.tensor(x[:7], requires_grad=True)
    F.elu(xe).sum().backward()
    torch.nn.functional.elu(xt).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=3e-7, atol=0)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_logsigmoid_large_input_is_positive_zero_as_torch(torch, dtype):
    x = [20.0, 40.0, 200.0, 1e4, float("inf"), 0.0, -5.0]
    e = F.logsigmoid(ember.tensor(x, dtype=getattr(ember, dtype))).float().numpy()
    t = torch.nn.functional.logsigmoid(torch.tensor(x, dtype=getattr(torch, dtype))).float().numpy()
    np.testing.assert_array_equal(e, t)
    np.testing.assert_array_equal(np.signbit(e), np.signbit(t))
