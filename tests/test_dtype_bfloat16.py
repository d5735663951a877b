"""bfloat16 (ml_dtypes' NumPy type) and the half-precision compute policy, side by side with PyTorch.

As PyTorch's CPU kernels, an op on float16/bfloat16 tensors computes in float32 and rounds its result once, so
elementwise results are bit-identical to PyTorch's, sums accumulate in float32, and products are float32 GEMMs of
the rounded inputs. Python floats keep their precision in mul/div (PyTorch's kernels read them in float32) and
are rounded to the half type first in add/sub/pow, as PyTorch's.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from tests.test_complex_sweep import FUNCTIONS_1, FUNCTIONS_2, METHODS_0, METHODS_1, _outcome

HALF = ["bfloat16", "float16"]


def _np(t):
    """Float32 values of a tensor of either library (PyTorch's numpy() refuses bfloat16)."""
    t = t.detach()
    return (t.float() if t.is_floating_point() else t).numpy()


def _same(t, e):
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(_np(e), _np(t))  # bit for bit (NaN equal to NaN)


def _pair(torch, a, dtype):
    return torch.from_numpy(a).to(getattr(torch, dtype)), ember.from_numpy(a).to(getattr(ember, dtype))


def _data(shape=(3, 5), seed=0, positive=False):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(np.float32)
    return np.abs(a) + 0.1 if positive else a


# ---------------------------------------------------------------------------------------------- tensors
CREATORS = {
    "zeros": lambda m: m.zeros(2, 3, dtype=m.bfloat16),
    "ones": lambda m: m.ones(3, dtype=m.bfloat16),
    "full": lambda m: m.full((2,), 3.14159, dtype=m.bfloat16),
    "tensor": lambda m: m.tensor([1.1, -2.5, 3e10], dtype=m.bfloat16),
    "arange": lambda m: m.arange(5, dtype=m.bfloat16),
    "arange-step": lambda m: m.arange(0, 1, 0.1, dtype=m.bfloat16),
    "eye": lambda m: m.eye(3, dtype=m.bfloat16),
    "to": lambda m: m.tensor([0.1, 0.2, 1e-3]).to(m.bfloat16),
    "method": lambda m: m.tensor([0.1, 0.2, 1e-3]).bfloat16(),
    "type": lambda m: m.tensor([0.1, 0.2]).type(m.bfloat16),
    "type-name": lambda m: m.tensor([0.1, 0.2]).type("torch.BFloat16Tensor"),
    "from-f16": lambda m: m.tensor([0.1, 65504.0], dtype=m.float16).bfloat16(),
    "from-int": lambda m: m.tensor([1, 2 ** 20 + 1]).bfloat16(),
    "from-bool": lambda m: m.tensor([True, False]).bfloat16(),
    "to-f16": lambda m: m.tensor([0.1, 3e10], dtype=m.bfloat16).half(),
    "to-int": lambda m: m.tensor([1.7, -2.7], dtype=m.bfloat16).long(),
    "to-f32": lambda m: m.tensor([0.1], dtype=m.bfloat16).float(),
    "like": lambda m: m.ones_like(m.tensor([0.5], dtype=m.bfloat16)),
    "new": lambda m: m.tensor([0.5], dtype=m.bfloat16).new_full((2,), 0.3),
    "view-int16": lambda m: m.tensor([1.5, -2.0], dtype=m.bfloat16).view(m.int16),
    "view-from-int16": lambda m: m.tensor([16320, 16384], dtype=m.int16).view(m.bfloat16),
}


@pytest.mark.parametrize("name", sorted(CREATORS))
def test_bfloat16_tensors_are_made_and_converted_as_torch(torch, name):
    _same(CREATORS[name](torch), CREATORS[name](ember))


def test_bfloat16_random_tensors_have_its_dtype(torch):
    for make in (lambda m: m.randn(3, dtype=m.bfloat16), lambda m: m.rand(3, dtype=m.bfloat16),
                 lambda m: m.empty(2, dtype=m.bfloat16), lambda m: m.randn_like(m.ones(2, dtype=m.bfloat16))):
        t, e = make(torch), make(ember)
        assert e.dtype is ember.bfloat16 and e.shape == t.shape and e.element_size() == 2


def test_bfloat16_tensor_properties_and_python_values_match_torch(torch):
    t, e = _pair(torch, np.array([1.5, 2.0, 3.14159], np.float32), "bfloat16")
    assert e.is_floating_point() and t.is_floating_point() and not e.is_complex()
    assert e.type() == t.type().replace("torch", "ember") == "ember.BFloat16Tensor"
    assert e.element_size() == t.element_size() == 2 and e.nbytes == t.nbytes
    assert e.tolist() == t.tolist() == [1.5, 2.0, 3.140625]
    assert e[2].item() == t[2].item() and type(e[2].item()) is float
    assert float(e[2]) == float(t[2]) and int(e[2]) == int(t[2])
    assert e.requires_grad_().requires_grad and ember.is_floating_point(e)


def test_bfloat16_numpy_refuses_as_torch(torch):
    t, e = _pair(torch, np.ones(2, np.float32), "bfloat16")
    for call in (lambda x: x.numpy(), lambda x: np.asarray(x)):
        with pytest.raises(TypeError) as te:
            call(t)
        with pytest.raises(TypeError) as ee:
            call(e)
        assert str(ee.value) == str(te.value) == "Got unsupported ScalarType BFloat16"


REPRS = [np.array([1.5, 2.0, 3.14159]), np.array([1e10, 1e-10, 123456.0]), np.array([1.0, 2.0, 3.0]),
         np.array([0.1, np.nan, np.inf, -np.inf]), np.array(2.5), np.zeros(0), np.arange(2000) * 0.37,
         np.array([[1.25, -2.0], [1e3, 7.0]])]


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("i", range(len(REPRS)))
def test_half_tensor_repr_matches_torch(torch, dtype, i):
    t, e = _pair(torch, REPRS[i].astype(np.float32), dtype)
    assert repr(e) == repr(t).replace("torch.", "ember.")
    assert repr(e.requires_grad_()) == repr(t.requires_grad_()).replace("torch.", "ember.")


PROMOTIONS = {
    "bf16+f16": lambda m, b, h: b + h,
    "bf16+f32": lambda m, b, h: b + b.float(),
    "bf16+f64": lambda m, b, h: b + b.double(),
    "bf16+int": lambda m, b, h: b + m.tensor([1, 2, 3]),
    "bf16+py-int": lambda m, b, h: b + 3,
    "bf16+py-float": lambda m, b, h: b + 0.1,
    "bf16*py-float": lambda m, b, h: b * 0.1,
    "py-float*bf16": lambda m, b, h: 0.3 * b,
    "bf16/py-float": lambda m, b, h: b / 0.3,
    "bf16*0d-f32": lambda m, b, h: b * m.tensor(0.1),
    "bf16*0d-f64": lambda m, b, h: b * m.tensor(0.1, dtype=m.float64),
    "bf16+0d-f32": lambda m, b, h: b + m.tensor(0.1),
    "0d-bf16+0d-f32": lambda m, b, h: b[0] + m.tensor(0.1),
    "0d-bf16*py-float": lambda m, b, h: b[0] * 0.1,
    "bf16+complex": lambda m, b, h: b + 1j,
    "bf16+c64": lambda m, b, h: b + m.ones(3, dtype=m.complex64),
    "int/int-default-bf16": lambda m, b, h: m.tensor([1, 2]) / m.tensor([3, 3]),
    "bool+bf16": lambda m, b, h: m.tensor([True, False, True]) + b,
    "where": lambda m, b, h: m.where(b > 0, b, 0.1),
    "cat": lambda m, b, h: m.cat([b, b.float()]),
}


@pytest.mark.parametrize("name", sorted(PROMOTIONS))
def test_bfloat16_promotion_matches_torch(torch, name):
    a = np.array([0.1, -2.5, 3.3], np.float32)
    (tb, eb), (th, eh) = _pair(torch, a, "bfloat16"), _pair(torch, a, "float16")
    if name == "int/int-default-bf16":
        _same(PROMOTIONS[name](torch, tb, th), PROMOTIONS[name](ember, eb, eh))
        return
    t, e = PROMOTIONS[name](torch, tb, th), PROMOTIONS[name](ember, eb, eh)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(e.detach().numpy() if e.is_complex() else _np(e),
                                  t.detach().numpy() if t.is_complex() else _np(t))


def test_bfloat16_promote_types_matches_torch(torch):
    names = ["float32", "float64", "float16", "bfloat16", "int8", "int64", "uint8", "bool", "complex64", "complex128"]
    for a in names:
        for b in names:
            want = str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[-1]
            assert ember.promote_types(getattr(ember, a), getattr(ember, b)).name == want, (a, b)


def test_default_dtype_bfloat16_as_torch(torch):
    try:
        for lib in (torch, ember):
            lib.set_default_dtype(lib.bfloat16)
        assert ember.tensor([1.5]).dtype is ember.bfloat16 and ember.zeros(2).dtype is ember.bfloat16
        _same(torch.arange(0.0, 1.0, 0.3), ember.arange(0.0, 1.0, 0.3))
    finally:
        for lib in (torch, ember):
            lib.set_default_dtype(lib.float32)


# ------------------------------------------------------------------------------------------ compute policy
UNARY = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "abs", "neg", "floor", "ceil", "round", "reciprocal",
         "expm1", "log1p", "square", "relu", "sign", "trunc", "frac", "atan", "asinh", "exp2", "log2"]
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
          "maximum": lambda a, b: a.maximum(b), "atan2": lambda a, b: a.atan2(b), "pow": lambda a, b: a.abs() ** b,
          "hypot": lambda a, b: a.hypot(b), "copysign": lambda a, b: a.copysign(b),
          "mul-0.1": lambda a, b: a * 0.1,
          "div-0.3": lambda a, b: a / 0.3, "add-0.1": lambda a, b: a + 0.1, "sub-1.7": lambda a, b: a - 1.7,
          "rsub": lambda a, b: 1.7 - a, "rmul": lambda a, b: 0.3 * a, "pow-0.1": lambda a, b: a.abs() ** 0.1,
          "mul_": lambda a, b: a.clone().mul_(0.1),
          "add_": lambda a, b: a.clone().add_(b), "div_": lambda a, b: a.clone().div_(0.7),
          "clamp": lambda a, b: a.clamp(-0.3, 1.1), "where": lambda a, b: a.where(a > b, b),
          "addcmul": lambda a, b: a.addcmul(a, b, value=0.5)}


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("name", UNARY)
def test_half_unary_ops_round_once_bit_exact_as_torch(torch, dtype, name):
    # PyTorch computes each in float32 and rounds the result once: the same bits
    t, e = _pair(torch, _data((40, 50), positive=name in ("log", "sqrt", "log2")), dtype)
    _same(getattr(t, name)(), getattr(e, name)())


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_half_binary_ops_round_once_bit_exact_as_torch(torch, dtype, name):
    (ta, ea), (tb, eb) = _pair(torch, _data((40, 50)), dtype), _pair(torch, _data((40, 50), 1), dtype)
    _same(BINARY[name](ta, tb), BINARY[name](ea, eb))


REDUCTIONS = {"sum": lambda x: x.sum(), "sum-dim": lambda x: x.sum(1), "mean": lambda x: x.mean(0),
              "cumsum": lambda x: x.cumsum(1), "var": lambda x: x.var(1), "std": lambda x: x.std(),
              "softmax": lambda x: x.softmax(1), "log_softmax": lambda x: x.log_softmax(1),
              "norm": lambda x: x.norm(dim=1), "amax": lambda x: x.amax(1),
              "prod": lambda x: (1 + x[:, :6] * 0.01).prod(1),  # (rounded at every step, as PyTorch's)
              "matmul": lambda x: x @ x.t(), "logsumexp": lambda x: x.logsumexp(1)}


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_half_reductions_accumulate_in_float32_as_torch(torch, dtype, name):
    # float16 cumsum/var/softmax used to accumulate in float16 (NumPy), far from PyTorch's float32 results
    t, e = _pair(torch, (_data((8, 2000)) * 0.3 + 1.0).astype(np.float32), dtype)
    rt, re = REDUCTIONS[name](t), REDUCTIONS[name](e)
    assert re.dtype == getattr(ember, dtype) and tuple(re.shape) == tuple(rt.shape)
    # one rounding apart at most (summation orders differ); prod rounds at every step, as PyTorch's
    np.testing.assert_allclose(_np(re), _np(rt), rtol=2 ** -7 if dtype == "bfloat16" else 2 ** -10, atol=1e-6)


def test_float16_cumsum_is_not_accumulated_in_float16(torch):
    t, e = _pair(torch, np.full(5000, 1.0, np.float32), "float16")
    assert e.cumsum(0)[-1].item() == t.cumsum(0)[-1].item() == 5000.0  # in float16 it stops at 2048


@pytest.mark.parametrize("dtype", HALF)
def test_half_lapack_functions_refuse_as_torch(torch, dtype):
    (ta, ea) = _pair(torch, np.eye(3, dtype=np.float32) * 2, dtype)
    calls = [lambda m, a: m.linalg.inv(a), lambda m, a: m.linalg.det(a), lambda m, a: m.linalg.svd(a),
             lambda m, a: m.linalg.qr(a), lambda m, a: m.linalg.cholesky(a), lambda m, a: m.linalg.eigh(a),
             lambda m, a: m.linalg.solve(a, a), lambda m, a: m.logdet(a), lambda m, a: m.pinverse(a),
             lambda m, a: m.linalg.eig(a), lambda m, a: m.cdist(a, a), lambda m, a: m.fft.rfft(a),
             lambda m, a: m.histogram(a), lambda m, a: m.cholesky_inverse(a),
             lambda m, a: m.nn.functional.avg_pool3d(a[None, None, None], 1)]
    for call in calls:
        with pytest.raises(Exception) as te:
            call(torch, ta)
        with pytest.raises(Exception) as ee:
            call(ember, ea)
        assert type(ee.value) is type(te.value) and str(ee.value) == str(te.value).replace("torch", "ember")


def test_half_inference_layers_take_the_policy(torch):
    # nn.Linear/F.conv2d have no-grad fast paths on raw arrays: half inputs must not take them
    torch.manual_seed(0)
    tl, tc = torch.nn.Linear(6, 4), torch.nn.Conv2d(2, 3, 3)
    el, ec = ember.nn.Linear(6, 4), ember.nn.Conv2d(2, 3, 3)
    for tm, em in ((tl, el), (tc, ec)):
        em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
        tm.bfloat16(), em.bfloat16()
    t, e = _pair(torch, _data((5, 6)), "bfloat16")
    ti, ei = _pair(torch, _data((1, 2, 6, 6)), "bfloat16")
    with torch.no_grad(), ember.no_grad():
        _same(tl(t), el(e))
        _same(tc(ti), ec(ei))
        _same(torch.nn.functional.max_pool2d(ti, 2), ember.nn.functional.max_pool2d(ei, 2))


def test_half_policy_costs_nothing_until_a_half_type_is_used():
    code = ("import sys, ember\n"
            "x = ember.randn(4, 3, requires_grad=True); (x * 2).exp().sum().backward()\n"
            "m = ember.nn.Linear(3, 2); m(ember.randn(5, 3)).sum().backward()\n"
            "assert not ember._ops._hooks and 'ml_dtypes' not in sys.modules\n"
            "ember.zeros(2, dtype=ember.bfloat16)\n"
            "assert ember._ops._hooks and 'ml_dtypes' in sys.modules\n")
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# ------------------------------------------------------------------------------------- the function sweep
_SWEEP_GAPS = {"searchsorted"}  # the sweep's inputs are not sorted: both libraries return arbitrary positions


def values(r):
    """A result of either library as plain data: (dtype name, NumPy values) for tensors (lists for sequences),
    names for dtypes."""
    if isinstance(r, (tuple, list)):
        return [values(x) for x in r]
    if hasattr(r, "detach"):
        return str(r.dtype).split(".")[-1], (r.detach().numpy() if r.is_complex() else _np(r))
    if isinstance(r, np.ndarray):
        return r.dtype.name, r
    return str(r).split(".")[-1] if hasattr(r, "is_floating_point") else r


def check_values(t, e, rtol=2e-2, atol=2e-2):
    """``values`` of PyTorch's result and ember's: the same dtypes and shapes, values within rtol/atol."""
    if isinstance(t, list):
        assert isinstance(e, list) and len(t) == len(e)
        for a, b in zip(t, e):
            check_values(a, b, rtol, atol)
    elif isinstance(t, tuple):
        assert t[0] == e[0] and t[1].shape == e[1].shape, (t[0], e[0])
        np.testing.assert_allclose(e[1], t[1], rtol=rtol, atol=atol, equal_nan=True)
    elif isinstance(t, str):
        assert e == t.replace("torch", "ember")
    else:
        assert t == e


def compare_outcomes(torch, make, call, check):
    """Run ``call(lib, make(lib))`` in both libraries: the same exception type and message, or results that
    ``check(torch_result, ember_result)`` accepts."""
    res = {}
    for lib in (torch, ember):
        ts = make(lib)
        res[lib.__name__] = _outcome(lambda lib=lib, ts=ts: call(lib, ts))
    (tk, tv), (ek, ev) = res["torch"], res["ember"]
    if tk == "error":
        assert ek == "error", f"PyTorch raises {type(tv).__name__}: {tv}; ember returned"
        assert type(ev) is type(tv) and str(ev) == str(tv).replace("torch", "ember"), (tv, ev)
    else:
        assert ek == "ok", f"PyTorch returns; ember raises {type(ev).__name__}: {ev}"
        check(tv, ev)


def _sweep(torch, call):
    arrays = [_data((3, 4), 0), _data((3, 4), 1)]
    compare_outcomes(torch, lambda lib: [lib.from_numpy(a).to(lib.bfloat16) for a in arrays], call,
                     lambda t, e: check_values(values(t), values(e)))


@pytest.mark.parametrize("name", [n for n in FUNCTIONS_1 if n not in _SWEEP_GAPS])
def test_bfloat16_sweep_functions(torch, name):
    _sweep(torch, lambda lib, ts: getattr(lib, name)(ts[0]))


@pytest.mark.parametrize("name", [n for n in FUNCTIONS_2 if n not in _SWEEP_GAPS])
def test_bfloat16_sweep_functions_two_tensors(torch, name):
    _sweep(torch, lambda lib, ts: getattr(lib, name)(ts[0], ts[1]))


@pytest.mark.parametrize("name", METHODS_0)
def test_bfloat16_sweep_methods(torch, name):
    _sweep(torch, lambda lib, ts: getattr(ts[0], name)())


@pytest.mark.parametrize("name", METHODS_1)
def test_bfloat16_sweep_methods_two_tensors(torch, name):
    _sweep(torch, lambda lib, ts: getattr(ts[0], name)(ts[1]))


# ------------------------------------------------------------------------------ autograd, nn, optim, files
def test_bfloat16_gradients_are_bfloat16_as_torch(torch):
    res = []
    for lib in (torch, ember):
        x = lib.from_numpy(_data((4, 5))).to(lib.bfloat16).requires_grad_()
        w = lib.from_numpy(_data((5, 3), 1)).to(lib.bfloat16).requires_grad_()
        y = ((x @ w).tanh() * x.sum(1, keepdim=True).sigmoid()).exp()
        g = lib.from_numpy(_data((4, 3), 2)).to(lib.bfloat16)
        y.backward(g)
        res.append((y, x.grad, w.grad))
    for t, e in zip(*res):
        assert e.dtype is ember.bfloat16
        np.testing.assert_allclose(_np(e), _np(t), rtol=2 ** -6, atol=1e-2)


def _lenet(lib):
    from ember.bench import make_lenet5
    return make_lenet5(lib)


@pytest.mark.parametrize("opt", ["SGD", "Adam", "AdamW"])
def test_bfloat16_lenet_training_steps_match_torch(torch, opt):
    torch.manual_seed(0)
    tm, em = _lenet(torch), _lenet(ember)
    em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    tm, em = tm.to(torch.bfloat16), em.to(ember.bfloat16)
    kw = {"lr": 0.01, "momentum": 0.9} if opt == "SGD" else {"lr": 1e-3}
    opts = getattr(torch.optim, opt)(tm.parameters(), **kw), getattr(ember.optim, opt)(em.parameters(), **kw)
    x, y = _data((8, 1, 32, 32)), np.random.default_rng(0).integers(0, 10, 8)
    for _ in range(2):
        for lib, model, o in ((torch, tm, opts[0]), (ember, em, opts[1])):
            o.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.from_numpy(x).to(lib.bfloat16)), lib.from_numpy(y))
            loss.backward()
            o.step()
            assert loss.dtype == lib.bfloat16
    tp = dict(tm.named_parameters())
    for k, p in em.named_parameters():
        assert p.dtype is ember.bfloat16 and p.grad.dtype is ember.bfloat16
        # a few bfloat16 units apart at most (rounding of the updates; most are bit-identical)
        np.testing.assert_allclose(_np(p), _np(tp[k]), rtol=0, atol=4e-3)
        assert np.mean(_np(p) == _np(tp[k])) > 0.6


def test_bfloat16_checkpoints_load_across_libraries(torch, tmp_path):
    from safetensors.torch import load_file, save_file
    torch.manual_seed(0)
    sd = {"w": torch.randn(3, 4).bfloat16(), "b": torch.randn(4).bfloat16(), "h": torch.randn(2).half()}
    save_file(sd, tmp_path / "t.safetensors")
    loaded = ember.load(tmp_path / "t.safetensors")
    for k, v in sd.items():
        _same(v, loaded[k])
    ember.save(loaded, tmp_path / "e.safetensors")
    back = load_file(tmp_path / "e.safetensors")
    for k, v in sd.items():
        assert back[k].dtype == v.dtype and bool((back[k] == v).all())
    nested = {"model": loaded, "step": 3}
    ember.save(nested, tmp_path / "n.safetensors")
    again = ember.load(tmp_path / "n.safetensors")
    assert again["step"] == 3 and again["model"]["w"].dtype is ember.bfloat16
