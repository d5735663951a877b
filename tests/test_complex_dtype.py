"""Complex dtypes: names, promotion, inference from Python data, printing and the autograd guard, side by side
with PyTorch."""

import pytest

import ember

NAMES = ["complex64", "complex128", "cfloat", "cdouble"]


@pytest.mark.parametrize("name", NAMES)
def test_dtype_attributes_match_torch(torch, name):
    t, e = getattr(torch, name), getattr(ember, name)
    assert repr(e) == repr(t).replace("torch", "ember")
    for attr in ("is_complex", "is_floating_point", "is_signed", "itemsize"):
        assert getattr(e, attr) == getattr(t, attr), attr


def test_complex32_is_named_but_cannot_be_stored():
    assert ember.complex32 is ember.chalf and ember.complex32.is_complex
    with pytest.raises(TypeError, match="complex32"):
        ember.zeros(2, dtype=ember.complex32)


PAIRS = [("complex64", "float64"), ("complex64", "float32"), ("complex128", "float32"), ("complex64", "int64"),
         ("complex64", "bool"), ("complex64", "complex128"), ("complex64", "float16"), ("uint8", "complex128")]


@pytest.mark.parametrize("a,b", PAIRS)
def test_promote_types_matches_torch(torch, a, b):
    t = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert repr(ember.promote_types(getattr(ember, a), getattr(ember, b))) == repr(t).replace("torch", "ember")


OPERANDS = {
    "f32": lambda m: m.ones(2),
    "f64": lambda m: m.ones(2, dtype=m.float64),
    "i32": lambda m: m.ones(2, dtype=m.int32),
    "b": lambda m: m.ones(2, dtype=m.bool),
    "c64_0d": lambda m: m.tensor(1j),
    "c128_0d": lambda m: m.tensor(1j, dtype=m.complex128),
    "c64": lambda m: m.ones(2, dtype=m.complex64),
    "c128": lambda m: m.ones(2, dtype=m.complex128),
    "f64_0d": lambda m: m.tensor(1.0, dtype=m.float64),
    "py_complex": lambda m: 1j,
    "py_float": lambda m: 2.5,
}
MIXES = [("f32", "c128_0d"), ("f64", "c64_0d"), ("i32", "c128_0d"), ("i32", "c64_0d"), ("b", "c128_0d"),
         ("f32", "py_complex"), ("f64", "py_complex"), ("i32", "py_complex"), ("c64", "f64_0d"),
         ("c64", "py_float"), ("c128", "f32"), ("c64", "f64"), ("c64_0d", "py_complex"), ("f64_0d", "py_complex")]


@pytest.mark.parametrize("a,b", MIXES)
def test_result_type_with_complex_matches_torch(torch, a, b):
    want = torch.result_type(OPERANDS[a](torch), OPERANDS[b](torch))
    got = ember.result_type(OPERANDS[a](ember), OPERANDS[b](ember))
    assert repr(got) == repr(want).replace("torch", "ember")


@pytest.mark.parametrize("data", [[1 + 2j], [[1, 2j], [3.5, 4]], 2j, [True, 1j], [1.5, -2j]])
def test_tensor_infers_complex_like_torch(torch, data):
    assert repr(ember.tensor(data).dtype) == repr(torch.tensor(data).dtype).replace("torch", "ember")


def test_tensor_infers_complex128_under_float64_default(torch):
    old = ember.get_default_dtype(), torch.get_default_dtype()
    try:
        ember.set_default_dtype(ember.float64)
        torch.set_default_dtype(torch.float64)
        assert repr(ember.tensor([1j]).dtype) == repr(torch.tensor([1j]).dtype).replace("torch", "ember")
        assert repr(ember.tensor([1j])) == repr(torch.tensor([1j]))
    finally:
        ember.set_default_dtype(old[0])
        torch.set_default_dtype(old[1])


PRINT_CASES = [
    lambda m: m.tensor([1.0 + 2j, 3.5 - 1e-5j]),
    lambda m: m.tensor([[1 + 2j], [3 - 4j]], dtype=m.complex128),
    lambda m: m.tensor([[1 + 1j, 2], [3, 4j]]),
    lambda m: m.tensor([float("nan") + 1j, complex(0, float("inf")), 0j]),
    lambda m: m.tensor([1 + 2j] * 30),
    lambda m: m.tensor([1.5 + 2j, -3e-3 + 1j] * 200),
    lambda m: m.tensor([1 + 2j] * 2000),
    lambda m: m.tensor(1 + 2j),
    lambda m: m.tensor([1e10 + 1j]),
    lambda m: m.tensor([0.5275 - 0.2607j, -0.4574 - 0.1691j, -0.5193 + 0.4207j]),
    lambda m: m.tensor([[1e-8 + 3j, 123456789 + 1j]] * 3),
    lambda m: m.zeros(0, dtype=m.complex64),
    lambda m: m.zeros(2, 0, dtype=m.complex128),
]


@pytest.mark.parametrize("case", range(len(PRINT_CASES)))
def test_complex_repr_matches_torch(torch, case):
    assert repr(PRINT_CASES[case](ember)) == repr(PRINT_CASES[case](torch)).replace("torch", "ember")


def test_finfo_of_complex_is_the_finfo_of_its_parts(torch):
    for name in ("complex64", "complex128"):
        assert repr(ember.finfo(getattr(ember, name))) == repr(torch.finfo(getattr(torch, name)))


def test_from_numpy_error_lists_complex_types(torch):
    import numpy as np

    with pytest.raises(TypeError) as t:
        torch.from_numpy(np.array(["a"], dtype=object))
    with pytest.raises(TypeError) as e:
        ember.from_numpy(np.array(["a"], dtype=object))
    assert "complex64, complex128" in str(e.value) and "complex64, complex128" in str(t.value)


def test_ops_without_complex_gradients_refuse_to_record():
    # An op whose backward is not verified for complex values raises instead of returning a wrong gradient.
    from ember._ops import Op

    class Twice(Op):
        def forward(self, x):
            return x * 2

        def backward(self, g):
            return (g * 2,)

    z = ember.tensor([1 + 2j], requires_grad=True)
    with pytest.raises(RuntimeError, match="does not support automatic differentiation"):
        Twice.apply(z)
    with ember.no_grad():
        assert Twice.apply(z).is_complex()  # forward alone is fine

    class TwiceComplex(Twice):
        complex_grad = True

    out = TwiceComplex.apply(z)
    out.backward(ember.tensor([1 - 1j]))
    assert z.grad.tolist() == [2 - 2j]


def test_ops_without_complex_gradients_refuse_complex_inputs_with_real_outputs():
    # A real result does not hide a complex input that requires grad; a complex input without grad is fine.
    from ember._ops import Op

    class RealPartPlus(Op):
        def forward(self, z, x):
            return z.real + x

        def backward(self, g):
            return (None, g)

    z, x = ember.tensor([1 + 2j], requires_grad=True), ember.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="RealPartPlus does not support automatic differentiation for inputs "
                                           "with complex dtype"):
        RealPartPlus.apply(z, x)
    out = RealPartPlus.apply(z.detach(), x)
    out.backward(ember.tensor([3.0]))
    assert x.grad.tolist() == [3.0]


HERMITIAN = [
    lambda m: m.tensor([[1 + 2j, 3j], [1, 2]]).H,
    lambda m: m.tensor([[[1 + 2j, 3j], [1, 2]]] * 2).mH,
    lambda m: m.adjoint(m.tensor([[[1 + 2j, 3j, 0.5], [1, 2, -1j]]] * 2)),
    lambda m: m.tensor([[1.0, 2.0, 3.0]]).H,
    lambda m: m.ones(3).H,
    lambda m: m.ones(2, 3, 4).H,
    lambda m: m.ones(3).mH,
    lambda m: m.ones(3, dtype=m.complex64).adjoint(),
]


@pytest.mark.parametrize("case", range(len(HERMITIAN)))
def test_conjugate_transposes_match_torch(torch, case):
    from tests._helpers import both

    t, e = both(torch, HERMITIAN[case])
    if isinstance(t, Exception):
        assert type(e) is type(t) and str(e) == str(t)
    else:
        assert repr(e) == repr(t).replace("torch", "ember")


def test_conjugate_transpose_grad_fn_and_gradient(torch):
    for attr in ("H", "mH"):
        zt = torch.tensor([[1 + 2j, 3j], [1, 2]], requires_grad=True)
        ze = ember.tensor([[1 + 2j, 3j], [1, 2]], requires_grad=True)
        g = [[0.5 - 1j, 2], [1j, -1]]
        getattr(zt, attr).backward(torch.tensor(g))
        getattr(ze, attr).backward(ember.tensor(g))
        assert ze.grad.tolist() == zt.grad.tolist()
    x = ember.ones(2, 3, requires_grad=True)
    assert x.H.grad_fn.name() == "TransposeBackward0"  # real: a plain transpose
