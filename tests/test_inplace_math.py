"""In-place elementwise math against PyTorch: the ``torch.X_`` functions and the ``Tensor.X_`` methods (values,
dtypes, the returned object is the tensor itself, autograd through them on non-leaf tensors and views, the
leaf error, version-counter checks and dtype errors)."""

import re

import numpy as np
import pytest

import ember

_X = np.array([[0.25, 0.5, 0.75], [0.1, 0.35, 0.9]], dtype="float32")  # inside every domain used below


def _run_both(torch, fn, data=_X, dtype="float32"):
    res = []
    for lib in (ember, torch):
        t = lib.tensor(data, dtype=getattr(lib, dtype))
        out = fn(lib, t)
        res.append((t, out))
    return res


def _assert_same(e, t, rtol=2e-6, atol=1e-7):
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)


# torch.<name>(t, *args): the top-level in-place functions ember has
_TOP = {
    "abs_": (), "acos_": (), "arccos_": (), "arcsin_": (), "arctan_": (), "asin_": (), "atan_": (), "ceil_": (),
    "cos_": (), "cosh_": (), "deg2rad_": (), "erf_": (), "exp2_": (), "exp_": (), "expm1_": (), "fix_": (),
    "floor_": (), "frac_": (), "log10_": (), "log1p_": (), "log2_": (), "log_": (), "neg_": (), "negative_": (),
    "rad2deg_": (), "reciprocal_": (), "round_": (), "rsqrt_": (), "sigmoid_": (), "sin_": (), "sinh_": (),
    "sqrt_": (), "square_": (), "tan_": (), "tanh_": (), "trunc_": (), "asinh_": (), "arcsinh_": (), "atanh_": (),
    "arctanh_": (), "erfc_": (), "i0_": (), "sinc_": (), "zero_": (), "logit_": (), "nan_to_num_": (),
    "clamp_": (0.3, 0.6), "clip_": (0.3, 0.6), "clamp_min_": (0.3,), "clamp_max_": (0.6,), "xlogy_": (3.0,),
    "fill_": (2.5,),
}


@pytest.mark.parametrize("name", sorted(_TOP))
def test_top_level_inplace_functions(torch, name):
    args = _TOP[name]
    (e, eo), (t, to) = _run_both(torch, lambda m, x: getattr(m, name)(x, *args))
    assert eo is e and to is t
    _assert_same(e, t)


def test_top_level_inplace_with_keywords_and_others(torch):
    for fn in (lambda m, x: m.round_(x, decimals=1), lambda m, x: m.logit_(x, eps=0.3),
               lambda m, x: m.clamp_(x, min=0.4), lambda m, x: m.acosh_(m.add(x, 1.0, out=x)),
               lambda m, x: m.arccosh_(x.add_(1.5)), lambda m, x: m.ldexp_(x, m.tensor([1, 2, -1])),
               lambda m, x: m.nan_to_num_(x.log_().sub_(1).sqrt_(), nan=-1.0)):
        (e, eo), (t, to) = _run_both(torch, fn)
        assert eo is e and to is t
        _assert_same(e, t)
    for name in ("gcd_", "lcm_"):
        ints = np.array([12, -18, 7])
        (e, eo), (t, to) = _run_both(torch, lambda m, x, n=name: getattr(m, n)(x, m.tensor([8, 12, 21])), ints,
                                      "int64")
        assert eo is e
        _assert_same(e, t)
    e = ember.tensor([1.0, 2.0])
    assert ember.resize_as_(e, ember.zeros(2, 1)) is e and e.shape == (2, 1)
    d = ember.detach_(ember.tensor([1.0], requires_grad=True) * 2)
    assert not d.requires_grad and d.grad_fn is None
    (e, _), (t, _) = _run_both(torch, lambda m, x: m.square_(x), np.array([1, -2, 3]), "int64")
    _assert_same(e, t)


_METHODS = {
    "acos_": (), "arccos_": (), "asin_": (), "arcsin_": (), "atan_": (), "arctan_": (), "cosh_": (), "sinh_": (),
    "exp2_": (), "fix_": (), "sgn_": (), "absolute_": (), "erfc_": (), "erfinv_": (), "lgamma_": (),
    "digamma_": (), "i0_": (), "sinc_": (), "asinh_": (), "arcsinh_": (), "atanh_": (), "arctanh_": (),
    "polygamma_": (2,), "mvlgamma_": (1,), "arctan2_": ("other",), "heaviside_": ("other",),
    "nextafter_": ("other",), "float_power_": (2.5,),
}


@pytest.mark.parametrize("name", sorted(_METHODS))
def test_tensor_inplace_methods(torch, name):
    args = _METHODS[name]
    dtype = "float64" if name == "float_power_" else "float32"
    res = []
    for lib in (ember, torch):
        x = lib.tensor(_X, dtype=getattr(lib, dtype))
        a = [lib.tensor([0.5, -0.25, 0.75], dtype=x.dtype) if v == "other" else v for v in args]
        out = getattr(x, name)(*a)
        assert out is x
        res.append(x)
    _assert_same(*res, rtol=5e-6)


def test_acosh_inplace_methods(torch):
    for name in ("acosh_", "arccosh_"):
        (e, eo), (t, _) = _run_both(torch, lambda m, x, n=name: getattr(x.add_(1.0), n)())
        assert eo is e
        _assert_same(e, t)


@pytest.mark.parametrize("name", ["eq_", "ne_", "not_equal_", "lt_", "less_", "le_", "less_equal_", "gt_",
                                  "greater_", "ge_", "greater_equal_"])
def test_comparison_inplace(torch, name):
    for other in (0.5, "tensor"):
        res = []
        for lib in (ember, torch):
            x = lib.tensor(_X)
            o = lib.tensor([0.25, 0.5, 0.8]) if other == "tensor" else other
            assert getattr(x, name)(o) is x
            res.append(x)
        _assert_same(*res)
    (e, _), (t, _) = _run_both(torch, lambda m, x: getattr(x, name)(2), np.array([1, 2, 3]), "int64")
    _assert_same(e, t)


def test_comparison_inplace_keeps_the_graph_with_zero_gradient(torch):
    grads = []
    for lib in (ember, torch):
        x = lib.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        y = x * 1
        y.lt_(0.6)
        assert y.requires_grad
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        grads.append(x.grad)
    _assert_same(*grads)
    np.testing.assert_array_equal(grads[0].numpy(), 0.0)


def test_bitwise_and_logical_inplace(torch):
    cases = [
        (lambda m, x: x.bitwise_and_(m.tensor([6, 3, 1])), np.array([12, 5, 3]), "int64"),
        (lambda m, x: x.bitwise_or_(m.tensor([6, 3, 1])), np.array([12, 5, 3]), "int64"),
        (lambda m, x: x.bitwise_xor_(m.tensor([6, 3, 1])), np.array([12, 5, 3]), "int64"),
        (lambda m, x: x.bitwise_not_(), np.array([12, 5, 3]), "int64"),
        (lambda m, x: x.bitwise_and_(m.tensor([True, True, False])), np.array([True, False, True]), "bool"),
        (lambda m, x: x.logical_xor_(m.tensor([0, 2, 3])), np.array([1, 0, 3]), "int64"),
        (lambda m, x: x.logical_xor_(m.tensor([0.0, 2.0, 0.0])), np.array([1.0, 0.0, 3.0]), "float32"),
    ]
    for fn, data, dtype in cases:
        (e, eo), (t, to) = _run_both(torch, fn, data, dtype)
        assert eo is e
        _assert_same(e, t)


def test_cumulative_and_swap_inplace(torch):
    for fn in (lambda m, x: x.cumsum_(1), lambda m, x: x.cumprod_(0), lambda m, x: x.cumsum_(-1, dtype=m.float32),
               lambda m, x: x.swapaxes_(0, 1), lambda m, x: x.swapdims_(1, 0)):
        (e, eo), (t, to) = _run_both(torch, fn)
        assert eo is e
        _assert_same(e, t)
    (e, _), (t, _) = _run_both(torch, lambda m, x: x.cumsum_(0), np.array([1, 2, 3]), "int64")
    _assert_same(e, t)


_AUTOGRAD = {
    "erfinv_": lambda y: y.erfinv_(), "erfc_": lambda y: y.erfc_(), "lgamma_": lambda y: y.lgamma_(),
    "digamma_": lambda y: y.digamma_(), "polygamma_": lambda y: y.polygamma_(1), "i0_": lambda y: y.i0_(),
    "sinc_": lambda y: y.sinc_(), "asinh_": lambda y: y.asinh_(), "atanh_": lambda y: y.atanh_(),
    "acos_": lambda y: y.acos_(), "cosh_": lambda y: y.cosh_(), "exp2_": lambda y: y.exp2_(),
    "mvlgamma_": lambda y: y.mul_(3.0).mvlgamma_(2), "arctan2_": lambda y: y.arctan2_(y * 2 + 1),
    "ldexp_": lambda y: y.ldexp_(y.detach() * 0 + 2), "cumsum_": lambda y: y.cumsum_(1),
    "cumprod_": lambda y: y.cumprod_(0), "float_power_": lambda y: y.double().float_power_(1.5),
    "sgn_": lambda y: y.sgn_() + y, "swapaxes_": lambda y: y.swapaxes_(0, 1) * 2,
}


# PyTorch has no derivative for these in-place forms (backward raises); ember differentiates them, checked
# against PyTorch's out-of-place function.
_TORCH_OUT_OF_PLACE = {"asinh_": lambda y: y.asinh(), "atanh_": lambda y: y.atanh()}


@pytest.mark.parametrize("name", sorted(_AUTOGRAD))
def test_autograd_through_inplace(torch, name):
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(_X, requires_grad=True)
        y = x * 1.0  # not a leaf: in-place is allowed and recorded
        fn = _TORCH_OUT_OF_PLACE.get(name, _AUTOGRAD[name]) if lib is torch else _AUTOGRAD[name]
        out = fn(y)
        g = lib.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)).astype(str(out.dtype)[-7:]))
        (out * g).sum().backward()
        grads.append((out, lib.zeros_like(x) + x.grad))  # (+: PyTorch's grad may be a ZeroTensor)
    (eo, eg), (to, tg) = grads
    _assert_same(eo, to, rtol=1e-5)
    _assert_same(eg, tg, rtol=1e-4, atol=1e-6)


def test_inplace_on_a_view_updates_the_base_graph(torch):
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(_X, requires_grad=True)
        base = x * 1.0
        base[0].erfinv_()
        base[:, 1].lgamma_()
        (base * base).sum().backward()
        grads.append((base, x.grad))
    _assert_same(grads[0][0], grads[1][0], rtol=1e-5)
    _assert_same(grads[0][1], grads[1][1], rtol=1e-4)


@pytest.mark.parametrize("name", ["erfinv_", "lgamma_", "digamma_", "acos_", "sinh_", "exp2_", "sinc_", "i0_",
                                  "lt_", "cumsum_"])
def test_inplace_on_leaf_requiring_grad_raises(torch, name):
    args = {"lt_": (0.5,), "cumsum_": (0,)}.get(name, ())
    for lib in (torch, ember):
        x = lib.tensor(_X, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            getattr(x, name)(*args)
        with lib.no_grad():
            assert getattr(x, name)(*args) is x  # allowed without grad mode


def test_modifying_a_saved_tensor_is_caught(torch):
    for lib in (torch, ember):
        x = lib.tensor(_X, requires_grad=True)
        a = x * 2
        b = a.lgamma()  # saves a
        a.sin_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            b.sum().backward()


_DTYPE_ERRORS = {
    "sinc-int": (lambda m: m.tensor([1, 2]).sinc_(), "result type Float can't be cast to the desired output type "
                                                     "Long"),
    "erfinv-int": (lambda m: m.tensor([1, 2]).erfinv_(), "result type Float can't be cast to the desired output "
                                                         "type Long"),
    "sqrt-int": (lambda m: m.sqrt_(m.tensor([1, 2])), "result type Float can't be cast to the desired output type "
                                                      "Long"),
    "polygamma-int": (lambda m: m.tensor([1, 2]).polygamma_(1), "can't be cast to the desired output type Long"),
    "float_power-float32": (lambda m: m.tensor([1.0, 2.0]).float_power_(2),
                            "the base given to float_power_ has dtype Float but the operation's result requires "
                            "dtype Double"),
    "cumsum-dtype": (lambda m: m.tensor([1.0, 2.0]).cumsum_(0, dtype=m.float64),
                     "Bad in-place call: input tensor dtype float and output tensor dtype double should match"),
    "broadcast": (lambda m: m.tensor([1.0, 2.0]).arctan2_(m.tensor([[1.0], [2.0]])), "doesn't match the broadcast"),
}


@pytest.mark.parametrize("name", sorted(_DTYPE_ERRORS))
def test_dtype_and_shape_errors(torch, name):
    fn, msg = _DTYPE_ERRORS[name]
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match=re.escape(msg)):
            fn(lib)


def test_version_counter_bumps():
    x = ember.tensor(_X)
    v = x._version
    x.erfinv_().lgamma_().lt_(0.0)
    assert x._version == v + 3


@pytest.mark.parametrize("dtype", ["uint8", "int32", "float32"])
def test_cumsum_cumprod_inplace_stay_in_the_tensor_dtype(torch, dtype):
    # Integer cumsum_/cumprod_ widened to int64 and then refused the cast back ("can't be cast to ... Byte");
    # PyTorch accumulates in the tensor's own dtype (uint8 wraps around).
    res = {}
    for lib in (torch, ember):
        x = lib.tensor([100, 3, 2], dtype=getattr(lib, dtype))
        y = lib.tensor([200, 100, 7], dtype=getattr(lib, dtype))
        x.cumprod_(0)
        y.cumsum_(0)
        res[lib.__name__] = (x.tolist(), y.tolist(), str(x.dtype).split(".")[1])
    assert res["ember"] == res["torch"]


def test_inplace_results_narrow_within_a_category_as_torch(torch):
    # torch.can_cast: an in-place op may write a wider integer or float result into a narrower tensor of the same
    # category (wrapping or rounding), never float into integral, complex into real, or non-bool into bool
    cases = [("uint8", [1, 2], "int64", [300, 2]), ("int8", [1], "uint8", [200]), ("float16", [1.0], "float64", [1.5]),
             ("bfloat16", [1.0], "float32", [2.5]), ("bool", [True], "int64", [1]), ("int64", [1], "float32", [1.5]),
             ("float32", [1.0], "complex64", [1j]), ("int32", [5], "bool", [True])]
    for dst, a, src, b in cases:
        results = []
        for lib in (torch, ember):
            t = lib.tensor(a, dtype=getattr(lib, dst))
            try:
                t.add_(lib.tensor(b, dtype=getattr(lib, src)))
                results.append(t.float().tolist())
            except RuntimeError as e:
                results.append(str(e))
        assert results[0] == results[1], (dst, src)
    for a in ("uint8", "int64", "float16", "float64", "complex64", "bool", "bfloat16"):
        for b in ("uint8", "int64", "float16", "float64", "complex64", "bool", "bfloat16"):
            assert ember.can_cast(getattr(ember, a), getattr(ember, b)) == torch.can_cast(getattr(torch, a),
                                                                                          getattr(torch, b))
