"""Complex tensors at the Tensor level, side by side with torch: creation, Python complex scalars, real/imag
views, conjugation, view_as_real/view_as_complex, complex/polar/abs/angle/sgn with gradients, comparisons,
conversions and serialization."""

import io
import warnings

import numpy as np
import pytest
import torch

import ember


def _np(t):
    return t.detach().resolve_conj().numpy()


def _same(e, t, rtol=1e-5, atol=1e-6):
    assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol)


def _pair(*shape, dtype=np.complex64, seed=0):
    r = np.random.default_rng(seed)
    a = (r.standard_normal(shape) + 1j * r.standard_normal(shape)).astype(dtype)
    return ember.tensor(a), torch.tensor(a)


def _errors(fn, exc):
    with pytest.raises(exc) as te:
        fn(torch)
    with pytest.raises(exc) as ee:
        fn(ember)
    assert str(ee.value).replace("ember", "torch") == str(te.value).split(" (Triggered")[0]


# ---------------------------------------------------------------------------------------------- creation
@pytest.mark.parametrize("fn", [
    lambda L: L.zeros(2, dtype=L.complex64), lambda L: L.ones(2, dtype=L.complex128), lambda L: L.full((2,), 1j),
    lambda L: L.full((2,), 1, dtype=L.complex64), lambda L: L.eye(2, dtype=L.complex64),
    lambda L: L.full_like(L.zeros(2, dtype=L.complex64), 2j), lambda L: L.linspace(0, 1j, 3),
    lambda L: L.linspace(0, 1, 3, dtype=L.complex64), lambda L: L.logspace(0, 1j, 3),
    lambda L: L.tensor([1, 2.5, 1j]), lambda L: L.from_numpy(np.array([1 + 2j])),
    lambda L: L.as_tensor(np.array([1 + 2j], dtype=np.complex64)),
])
def test_creation(fn):
    _same(fn(ember), fn(torch))


@pytest.mark.parametrize("fn", [
    lambda L: L.full((2,), 1j, dtype=L.float32), lambda L: L.full_like(L.zeros(2), 2j),
    lambda L: L.full((2,), 1j, dtype=L.int64), lambda L: L.full((2,), 1j, dtype=L.int8),
    lambda L: L.full_like(L.zeros(2, dtype=L.uint8), 1j), lambda L: L.full((2,), 1j, dtype=L.int32),
    lambda L: L.zeros(2).fill_(1j), lambda L: L.zeros(2, dtype=L.int16).__setitem__(0, 2j),
    lambda L: L.arange(1j, 3), lambda L: L.randint(0, 3, (2,), dtype=L.complex64),
    lambda L: L.linspace(0, 1j, 3, dtype=L.float64), lambda L: float(L.tensor(1 + 2j)),
    lambda L: int(L.tensor(2j)),
])
def test_creation_errors(fn):
    _errors(fn, RuntimeError)


def test_creation_errors_not_implemented():
    _errors(lambda L: L.arange(3, dtype=L.complex64), NotImplementedError)


def test_real_fill_of_complex_without_imaginary_part():
    e, t = ember.full((2,), 1 + 0j, dtype=ember.float32), torch.full((2,), 1 + 0j, dtype=torch.float32)
    _same(e, t)
    for fn in (lambda L: L.full((2,), 1j, dtype=L.bool), lambda L: L.full_like(L.zeros(2, dtype=L.bool), 1j),
               lambda L: L.zeros(2).fill_(2 + 0j), lambda L: L.zeros(2, dtype=L.bool).fill_(1j)):
        _same(fn(ember), fn(torch))  # (bool: whether nonzero)
    for L in (ember, torch):
        x = L.zeros(3, dtype=L.int64)
        x[0] = 2 + 0j
        x[1:] = -1 + 0j
        assert x.tolist() == [2, -1, -1]
    assert float(ember.tensor(3 + 0j)) == float(torch.tensor(3 + 0j)) == 3.0


@pytest.mark.parametrize("name", ["rand", "randn"])
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_random_complex(name, dtype):
    x = getattr(ember, name)(200000, dtype=getattr(ember, dtype))
    assert x.dtype == getattr(ember, dtype)
    re, im = x.real.numpy(), x.imag.numpy()
    if name == "rand":  # each part U[0, 1), as torch
        assert 0 <= re.min() and re.max() < 1 and 0 <= im.min() and im.max() < 1
        assert abs(re.mean() - 0.5) < 0.01 and abs(im.mean() - 0.5) < 0.01
    else:  # each part N(0, 1/2): unit variance overall, as torch
        assert abs(re.var() - 0.5) < 0.01 and abs(im.var() - 0.5) < 0.01
    like = getattr(ember, name + "_like")(ember.zeros(3, dtype=getattr(ember, dtype)))
    assert like.dtype == getattr(ember, dtype) and like.shape == (3,)


def test_scalars_out():
    e, t = ember.tensor([1 + 2j, 3j]), torch.tensor([1 + 2j, 3j])
    assert e.tolist() == t.tolist()
    assert e[0].item() == t[0].item() and complex(e[1]) == complex(t[1])
    assert e.numpy().dtype == t.numpy().dtype


# ---------------------------------------------------------------------------------------------- operators
@pytest.mark.parametrize("fn", [
    lambda x: x * 1j, lambda x: 1j + x, lambda x: x / (1 + 2j), lambda x: (1 + 2j) / x, lambda x: x - 1j,
    lambda x: 1j - x, lambda x: x ** 1j, lambda x: 1j ** x, lambda x: x == 1j, lambda x: x != 0j,
])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool", "complex64"])
def test_complex_scalar_operators(fn, dtype):
    a = np.array([1, 2, 0]).astype(dtype)
    try:
        t = fn(torch.tensor(a))
    except RuntimeError:  # bool - 1j
        with pytest.raises(RuntimeError):
            fn(ember.tensor(a))
        return
    _same(fn(ember.tensor(a)), t, rtol=1e-4, atol=1e-5)


def test_complex_division_stays_complex():
    e, t = _pair(3)
    _same(e / (e + 1), t / (t + 1))


@pytest.mark.parametrize("fn", [
    lambda x: x.mul_(1j), lambda x: x.add_(1j), lambda x: x.__iadd__(torch.tensor([1j]) if isinstance(
        x, torch.Tensor) else ember.tensor([1j])),
])
def test_inplace_complex_into_real_raises(fn):
    _errors(lambda L: fn(L.tensor([1.0, 2.0])), RuntimeError)


def test_inplace_operators():
    for L in (torch, ember):
        x = L.tensor([1.0, 2.0])
        with pytest.raises(RuntimeError, match="result type ComplexFloat can't be cast to the desired output type "
                                               "Float"):
            x *= 1j
    e, t = ember.tensor([1 + 1j, 2.0]), torch.tensor([1 + 1j, 2.0])
    e *= 2j
    t *= 2j
    e += ember.tensor([1.0, 2.0])
    t += torch.tensor([1.0, 2.0])
    _same(e, t)


def test_complex_alpha_and_unsupported():
    _errors(lambda L: L.add(L.tensor([1.0]), L.tensor([1.0]), alpha=1j), RuntimeError)
    _same(ember.add(ember.tensor([1.0]), ember.tensor([1j]), alpha=1j),
          torch.add(torch.tensor([1.0]), torch.tensor([1j]), alpha=1j))
    for fn in (lambda L: L.tensor([1j]) // 2, lambda L: L.tensor([1j]) % 2, lambda L: L.fmod(L.tensor([1j]), 2),
               lambda L: L.div(L.tensor([1j]), 2, rounding_mode="trunc"), lambda L: L.sign(L.tensor([1j]))):
        _errors(fn, NotImplementedError)


@pytest.mark.parametrize("fn", [
    lambda L: L.clamp_min(L.tensor([1j]), 0), lambda L: L.clamp_max(L.tensor([1j]), 0.5),
    lambda L: L.clamp_min(L.tensor([1.0]), L.tensor(0j)), lambda L: L.clamp_max(L.tensor([1.0]), L.tensor(0j)),
    lambda L: L.clamp_min(L.tensor([1j]), L.tensor(0.0)),
    lambda L: L.clamp(L.tensor([1.0]), L.tensor(0j, dtype=L.complex128)),
    lambda L: L.clamp(L.tensor([1.0], dtype=L.float64), None, L.tensor(0j)),
    lambda L: L.clamp(L.tensor([1.0]), L.tensor([0j], dtype=L.complex128), L.tensor(1.0)),
    lambda L: L.clamp(L.tensor([1j]), L.tensor(0.0), L.tensor(1.0)),
    lambda L: L.cummax(L.tensor([1j]), 0), lambda L: L.cummin(L.tensor([1j], dtype=L.complex128), 0),
    lambda L: L.kthvalue(L.tensor([1j]), 1), lambda L: L.median(L.tensor([[1j]]), 1),
])
def test_ordering_kernels_not_implemented(fn):
    _errors(fn, NotImplementedError)


@pytest.mark.parametrize("fn", [
    lambda L: L.max(L.tensor([1j]), 0), lambda L: L.tensor([1j]).min(dim=0, keepdim=True),
    lambda L: L.topk(L.tensor([1j, 2j]), 1),
])
def test_ordering_runtime_errors(fn):
    _errors(fn, RuntimeError)


# ---------------------------------------------------------------------------------------------- comparisons
@pytest.mark.parametrize("fn", [
    lambda L, x: x < x, lambda L, x: x <= 1, lambda L, x: x > 0, lambda L, x: x >= x, lambda L, x: L.lt(x, x),
    lambda L, x: L.ge(x, 1), lambda L, x: L.ones(2) < 1j, lambda L, x: L.gt(L.ones(2), x),
])
def test_ordering_raises(fn):
    _errors(lambda L: fn(L, L.tensor([1 + 1j, 2j])), NotImplementedError)


def test_equality_and_closeness():
    e, t = _pair(4)
    _same(ember.eq(e, e.clone()), torch.eq(t, t.clone()))
    assert ember.equal(e, e.clone()) and ember.allclose(e, e + 1e-9)
    _same(ember.isclose(e, e + 1e-3j), torch.isclose(t, t + 1e-3j))
    ember.testing.assert_close(e, e + 1e-7)
    with pytest.raises(AssertionError):
        ember.testing.assert_close(e, e + 1e-3j)
    _same(ember.isreal(ember.tensor([1 + 0j, 1j])), torch.isreal(torch.tensor([1 + 0j, 1j])))


# ---------------------------------------------------------------------------------------------- parts and views
def test_real_imag_views_write_through():
    for L in (torch, ember):
        x = L.tensor([1 + 2j, -3 + 0.5j])
        x.real.mul_(2)
        x.imag.add_(1)
        assert x.tolist() == [(2 + 3j), (-6 + 1.5j)]
        x.real = L.tensor([5.0, 6.0])
        x.imag = 3
        assert x.tolist() == [(5 + 3j), (6 + 3j)]
    x = ember.tensor([1.0])
    assert x.real is x and ember.real(x) is x
    _errors(lambda L: L.tensor([1.0]).imag, RuntimeError)


def test_conj_flags():
    e, t = _pair(3)
    for a, b in ((e.conj(), t.conj()), (e.conj().resolve_conj(), t.conj().resolve_conj()),
                 (e.conj_physical(), t.conj_physical()), (e.conj().conj(), t.conj().conj())):
        _same(a, b)
        assert a.is_conj() == b.is_conj()
    assert e.conj().imag.is_neg() == t.conj().imag.is_neg()
    assert not e.conj().imag.resolve_neg().is_neg()
    r = ember.tensor([1.0])
    assert ember.conj(r) is r and not r.is_conj()
    _errors(lambda L: L.view_as_real(L.tensor([1j]).conj()), RuntimeError)


def test_view_as_real_complex():
    e, t = _pair(2, 3)
    _same(ember.view_as_real(e), torch.view_as_real(t))
    v = ember.view_as_real(e)
    v[..., 1] = 7
    assert (e.imag.numpy() == 7).all()
    er, tr = ember.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    ember.view_as_complex(er).mul_(1j)
    torch.view_as_complex(tr).mul_(1j)
    _same(er, tr)
    _same(ember.view_as_complex(ember.zeros(4, 2)[::2]), torch.view_as_complex(torch.zeros(4, 2)[::2]))


@pytest.mark.parametrize("fn", [
    lambda L: L.view_as_complex(L.zeros(2, 3)), lambda L: L.view_as_complex(L.zeros(4, 4)[:, ::2]),
    lambda L: L.view_as_complex(L.zeros(2, dtype=L.int64)), lambda L: L.view_as_complex(L.zeros(())),
    lambda L: L.view_as_complex(L.zeros(7)[1:].view(3, 2)), lambda L: L.view_as_real(L.zeros(2)),
    lambda L: L.polar(L.ones(2), L.ones(2, dtype=L.float64)), lambda L: L.complex(L.ones(2, dtype=L.int64),
                                                                                    L.ones(2, dtype=L.int64)),
])
def test_view_and_constructor_errors(fn):
    _errors(fn, RuntimeError)


# ---------------------------------------------------------------------------------------------- gradients
_UNARY = {
    "real": lambda L, z: z.real, "imag": lambda L, z: z.imag, "conj": lambda L, z: z.conj(),
    "conj_physical": lambda L, z: L.conj_physical(z), "abs": lambda L, z: z.abs(), "angle": lambda L, z: z.angle(),
    "sgn": lambda L, z: z.sgn(), "view_as_real": lambda L, z: L.view_as_real(z),
    "resolve_conj": lambda L, z: z.conj().resolve_conj(),
    "roundtrip": lambda L, z: L.view_as_complex(L.view_as_real(z)),
    "to_real": lambda L, z: z.to(L.float64), "cast_up": lambda L, z: z.real.to(L.complex128),
}


@pytest.mark.parametrize("name", list(_UNARY))
def test_unary_gradients(name):
    fn = _UNARY[name]
    a = np.array([1 + 2j, -3 + 0.5j, 0j, 0.5 - 1j], dtype=np.complex128)
    ez, tz = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eo, to = fn(ember, ez * 1), fn(torch, tz * 1)
    assert eo.grad_fn.name() == to.grad_fn.name() or name in ("to_real",)
    _same(eo, to)
    r = np.random.default_rng(1)
    g = r.standard_normal(to.shape) + (1j * r.standard_normal(to.shape) if to.is_complex() else 0)
    g = g.astype(_np(to).dtype)
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    _same(ez.grad, tz.grad)


@pytest.mark.parametrize("name", ["complex", "polar"])
def test_binary_constructor_gradients(name):
    r = np.random.default_rng(2)
    a, b = r.standard_normal((2, 3)), r.standard_normal(3)
    ea, eb = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    eo, to = getattr(ember, name)(ea, eb), getattr(torch, name)(ta, tb)
    assert eo.grad_fn.name() == to.grad_fn.name()
    _same(eo, to)
    g = r.standard_normal((2, 3)) + 1j * r.standard_normal((2, 3))
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    _same(ea.grad, ta.grad)
    _same(eb.grad, tb.grad)


def test_scalar_multiplication_gradient_into_real():
    a = np.array([1.0, -2.0])
    e, t = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (e * (1 + 2j)).abs().sum().backward()
    (t * (1 + 2j)).abs().sum().backward()
    _same(e.grad, t.grad)


# ---------------------------------------------------------------------------------------------- conversions
def test_conversions():
    e, t = _pair(3)
    for fn in (lambda x: x.cdouble(), lambda x: x.real.cfloat(), lambda x: x.to(x.real.dtype.to_complex()),
               lambda x: x.bool(), lambda x: x.type(x.type().replace("Float", "Double"))):
        _same(fn(e), fn(t))
    assert e.type() == t.type().replace("torch", "ember") == "ember.ComplexFloatTensor"
    with pytest.raises(TypeError, match="complex32"):
        e.real.chalf()
    assert ember.float16.to_complex() is ember.complex32 and ember.complex128.to_real() is ember.float64
    ember._functions_extra._warned.discard("complex_cast")
    with pytest.warns(UserWarning, match="Casting complex values to real discards the imaginary part"):
        f = e.float()
    _same(f, t.real)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy ComplexWarning on top
        _same(e.to(ember.float64), t.real.double())
        _same(ember.zeros(3).copy_(e), t.real)


def test_cumsum_cumprod_to_real_dtype_warn_as_torch():
    # cumsum/cumprod(dtype=<real>) of complex values: PyTorch's UserWarning (once per process), attributed to the
    # caller's line, and no NumPy ComplexWarning; the real parts are accumulated
    from ember._functions_extra import _warned

    e, t = _pair(3)
    for fn in (lambda m, x: m.cumsum(x, 0, dtype=m.float32), lambda m, x: x.cumprod(0, dtype=m.float64)):
        _warned.discard("complex_cast")
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            r = fn(ember, e)
        assert [(w.category, str(w.message), w.filename) for w in got] == [
            (UserWarning, "Casting complex values to real discards the imaginary part", __file__)]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fn(ember, e)  # (once per process)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = fn(torch, t)
        _same(r, want)


def test_dtype_queries():
    assert ember.result_type(ember.tensor([1.0]), 1j) == ember.complex64
    assert ember.promote_types(ember.complex64, ember.float64) == ember.complex128
    assert not ember.can_cast(ember.complex64, ember.float32) and ember.can_cast(ember.float64, ember.complex64)
    assert ember.finfo(ember.complex64).eps == torch.finfo(torch.complex64).eps
    assert ember.tensor([1.0]).new_tensor([1, 2], dtype=ember.complex64).dtype == ember.complex64
    _same(ember.tensor([1j]).new_full((2,), 1), torch.tensor([1j]).new_full((2,), 1))


# ---------------------------------------------------------------------------------------------- serialization
def test_save_load_roundtrip(tmp_path):
    x = ember.tensor([[1 + 2j, 3 - 1j]], dtype=ember.complex128)
    y = ember.tensor([1 + 2j, 3 - 1j])
    buf = io.BytesIO()
    ember.save({"x": x, "nested": [y, ember.tensor(1j, dtype=ember.complex128)]}, buf)
    buf.seek(0)
    d = ember.load(buf)
    assert d["x"].dtype == ember.complex128 and d["x"].tolist() == x.tolist()
    assert d["nested"][0].tolist() == y.tolist() and d["nested"][1].item() == 1j
    import safetensors.torch
    path = str(tmp_path / "c.safetensors")
    ember.save({"y": y}, path)  # complex64 is native safetensors: PyTorch reads it
    assert safetensors.torch.load_file(path)["y"].tolist() == y.tolist()
    safetensors.torch.save_file({"w": torch.tensor([1 + 2j])}, path)
    assert ember.load(path)["w"].tolist() == [1 + 2j]
