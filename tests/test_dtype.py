"""dtypes and PyTorch's type promotion, compared with torch."""

import numpy as np
import pytest

import ember

NAMES = ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "bool"]


def _name(d):
    return str(d).split(".")[-1]


def test_dtype_repr_and_aliases():
    assert repr(ember.float32) == "ember.float32"
    assert str(ember.int64) == "ember.int64"
    assert ember.float is ember.float32 and ember.double is ember.float64
    assert ember.long is ember.int64 and ember.int is ember.int32 and ember.half is ember.float16
    assert ember.short is ember.int16 and repr(ember.bool) == "ember.bool"
    assert ember.float32.is_floating_point and not ember.int64.is_floating_point
    assert ember.int8.is_signed and not ember.uint8.is_signed
    assert ember.float64.itemsize == 8


def test_default_dtype_roundtrip():
    assert ember.get_default_dtype() is ember.float32
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1.5]).dtype is ember.float64
        assert ember.zeros(2).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    assert ember.tensor([1.5]).dtype is ember.float32
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


@pytest.mark.parametrize("value", ["int64", "uint16", "complex64", "bits8", "float8_e4m3fn", "str", "none"])
def test_set_default_dtype_errors_match_torch(torch, value):
    def arg(lib):
        return {"str": "float32", "none": None}[value] if value in ("str", "none") else getattr(lib, value)

    with pytest.raises(TypeError) as te:
        torch.set_default_dtype(arg(torch))
    with pytest.raises(TypeError) as ee:
        ember.set_default_dtype(arg(ember))
    assert str(ee.value) == str(te.value).replace("torch", "ember")
    assert ember.get_default_dtype() is ember.float32


def _assign_grad(lib, d):
    x = lib.ones(2, requires_grad=True)
    x.grad = lib.ones(2, dtype=d)


_C10_CALLS = {
    "grad": _assign_grad,
    "matmul": lambda lib, d: lib.ones(2, 2, dtype=d) @ lib.ones(2, 2),
    "mm": lambda lib, d: lib.mm(lib.ones(2, 2), lib.ones(2, 2, dtype=d)),
    "histogramdd": lambda lib, d: lib.histogramdd(lib.ones(2, 2), bins=[lib.ones(2, dtype=d), lib.ones(2)]),
}


@pytest.mark.parametrize("call, name", [
    (c, n) for c in _C10_CALLS for n in ("float16", "bfloat16", "int16", "int64", "uint16", "float8_e5m2")
    if not (c == "histogramdd" and n in ("uint16", "float8_e5m2"))])  # (ember refuses those types first there)
def test_messages_name_dtypes_as_cpp_types_like_torch(torch, call, name):
    # (c10's type names: "c10::Half", "short int", "long int", not the scalar-type names "half", "short", "long")
    call = _C10_CALLS[call]
    with pytest.raises(RuntimeError) as te:
        call(torch, getattr(torch, name))
    with pytest.raises(RuntimeError) as ee:
        call(ember, getattr(ember, name))
    assert str(ee.value).replace("torch.", "ember.") == str(te.value).replace("torch.", "ember.")


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("b", NAMES)
def test_promote_types_matches_torch(torch, a, b):
    expected = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert _name(ember.promote_types(getattr(ember, a), getattr(ember, b))) == _name(expected)


def _pair(lib, kind):
    """Operands for a promotion scenario, built the same way in both libraries."""
    return {
        "int+float": (lambda: lib.tensor([1, 2]) + 1.5),
        "int*float": (lambda: lib.tensor([1, 2]) * 0.5),
        "int/int": (lambda: lib.tensor([1, 2]) / lib.tensor([2, 4])),
        "int/scalar": (lambda: lib.tensor([3, 4]) / 2),
        "f32+f64": (lambda: lib.ones(2) + lib.ones(2, dtype=lib.float64)),
        "bool+int": (lambda: lib.tensor([True, False]) + 1),
        "bool+bool_t": (lambda: lib.tensor([True, False]) + lib.tensor([True, True])),
        "bool+intt": (lambda: lib.tensor([True, False]) + lib.tensor([1, 2])),
        "f32+0d-f64": (lambda: lib.ones(2) + lib.tensor(1.0, dtype=lib.float64)),
        "int+0d-float": (lambda: lib.tensor([1, 2]) + lib.tensor(1.5)),
        "i32+0d-i64": (lambda: lib.tensor([1, 2], dtype=lib.int32) + lib.tensor(5)),
        "0d-i32+0d-i64": (lambda: lib.tensor(1, dtype=lib.int32) + lib.tensor(5)),
        "u8+i8": (lambda: lib.tensor([1], dtype=lib.uint8) + lib.tensor([1], dtype=lib.int8)),
        "f16+int": (lambda: lib.tensor([1.0], dtype=lib.float16) + 3),
        "f16+f32_0d": (lambda: lib.tensor([1.0], dtype=lib.float16) + lib.tensor(2.0)),
        "int32+float_scalar": (lambda: lib.tensor([1], dtype=lib.int32) * 2.0),
        "i64-pow-float": (lambda: lib.tensor([1, 2]) ** 2.0),
        "i64-pow-int": (lambda: lib.tensor([1, 2]) ** 2),
        "u8+py-int": (lambda: lib.tensor([200], dtype=lib.uint8) + 100),
        "where-int-float": (lambda: lib.where(lib.tensor([True, False]), lib.tensor([1, 2]), 0.5)),
        "cat-int-float": (lambda: lib.cat([lib.tensor([1, 2]), lib.tensor([1.5])])),
        "sum-int": (lambda: lib.tensor([1, 2], dtype=lib.int32).sum()),
        "sum-bool": (lambda: lib.tensor([True, True]).sum()),
        "exp-int": (lambda: lib.tensor([1, 2]).exp()),
        "float-py-bool": (lambda: lib.tensor([1.5]) + True),
        "comparison": (lambda: lib.tensor([1, 2]) < 1.5),
        "floor_divide": (lambda: lib.tensor([5, -5]) // 2),
        "rem-int": (lambda: lib.tensor([5, -5]) % 3),
        "neg-int": (lambda: -lib.tensor([5, -5], dtype=lib.int16)),
        "abs-int": (lambda: lib.tensor([5, -5], dtype=lib.int8).abs()),
        "argmax": (lambda: lib.tensor([5, -5, 7.0]).argmax()),
        "mean-f64": (lambda: lib.tensor([1.0, 2.0], dtype=lib.float64).mean()),
        "int8-overflow": (lambda: lib.ones(2, dtype=lib.int8) * 200),
        "int32-times-float": (lambda: lib.ones(2, dtype=lib.int32) * 2.5),
        "0d-float-int32": (lambda: lib.tensor(2.5) * lib.ones(2, dtype=lib.int32)),
        "0d-int-f16": (lambda: lib.tensor(2) * lib.ones(2, dtype=lib.float16)),
        "bool+float": (lambda: lib.zeros(2, dtype=lib.bool) + 1.5),
        "u8-sum": (lambda: lib.tensor([1, 2], dtype=lib.uint8).sum()),
        "f16-sum": (lambda: lib.ones(2, dtype=lib.float16).sum()),
        "where-mixed": (lambda: lib.where(lib.tensor([True, False]), lib.tensor([1], dtype=lib.int32),
                                          lib.tensor([2.5], dtype=lib.float64))),
        "maximum-int-float": (lambda: lib.maximum(lib.tensor([1, 2]), lib.tensor([1.5, 0.5]))),
        "np-scalar": (lambda: lib.tensor(np.float32(1.5))),
        "int*np-int": (lambda: lib.tensor([1, 2]) * np.int64(2)),
        "np-int*int": (lambda: np.int64(2) * lib.tensor([1, 2])),
        "int+np-float": (lambda: lib.tensor([1, 2]) + np.float32(1.5)),
        "f16*np-f64": (lambda: lib.ones(2, dtype=lib.float16) * np.float64(2)),
        "div-floor-int": (lambda: lib.tensor([-3]).div(2, rounding_mode="floor")),
        "div-trunc-int": (lambda: lib.tensor([-3]).div(2, rounding_mode="trunc")),
    }[kind]()


SCENARIOS = ["int+float", "int*float", "int/int", "int/scalar", "f32+f64", "bool+int", "bool+bool_t", "bool+intt",
             "f32+0d-f64", "int+0d-float", "i32+0d-i64", "0d-i32+0d-i64", "u8+i8", "f16+int", "f16+f32_0d",
             "int32+float_scalar", "i64-pow-float", "i64-pow-int", "u8+py-int", "where-int-float", "cat-int-float",
             "sum-int", "sum-bool", "exp-int", "float-py-bool", "comparison", "floor_divide", "rem-int", "neg-int",
             "abs-int", "argmax", "mean-f64", "int8-overflow", "int32-times-float", "0d-float-int32", "0d-int-f16",
             "bool+float", "u8-sum", "f16-sum", "where-mixed", "maximum-int-float", "np-scalar", "div-floor-int",
             "div-trunc-int", "int*np-int", "np-int*int", "int+np-float", "f16*np-f64"]


@pytest.mark.parametrize("kind", SCENARIOS)
def test_result_dtype_and_values_match_torch(torch, kind):
    t = _pair(torch, kind)
    e = _pair(ember, kind)
    assert _name(e.dtype) == _name(t.dtype), kind
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(e.numpy().astype(float), t.numpy().astype(float), rtol=1e-3)


def test_result_type_function(torch):
    assert _name(ember.result_type(ember.tensor([1, 2]), 1.0)) == _name(torch.result_type(torch.tensor([1, 2]), 1.0))
    assert ember.result_type(ember.tensor([1], dtype=ember.int32), ember.tensor(1)) is ember.int32


def test_can_cast(torch):
    for a in ("float32", "int64", "bool"):
        for b in ("float32", "int64", "bool", "uint8"):
            assert ember.can_cast(getattr(ember, a), getattr(ember, b)) == torch.can_cast(getattr(torch, a),
                                                                                          getattr(torch, b)), (a, b)


def test_from_numpy_rejects_unsupported_dtypes():
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        ember.from_numpy(np.array(["a"]))


def test_inplace_cannot_downcast(torch):
    for lib in (torch, ember):
        x = lib.tensor([1, 2])
        with pytest.raises(RuntimeError) as info:
            x.add_(1.5)
        if lib is torch:
            tmsg = str(info.value)
        else:
            emsg = str(info.value)
    assert emsg == tmsg


@pytest.mark.parametrize("make", [
    lambda m: m.zeros(2, dtype=m.bfloat16),
    lambda m: m.tensor([1.0], dtype=m.bfloat16),
    lambda m: m.randn(2).to(m.bfloat16),
    lambda m: m.randn(2).bfloat16(),
    lambda m: m.nn.Linear(2, 3).bfloat16().weight,
    lambda m: m.BFloat16Tensor(2),
])
def test_bfloat16_tensors_are_real_never_float32(torch, make):
    # (ml_dtypes' bfloat16 NumPy type: the tensors hold 2-byte bfloat16 values, not float32 ones)
    t, e = make(torch), make(ember)
    assert e.dtype is ember.bfloat16 and e.element_size() == t.element_size() == 2
    assert e._data.dtype.name == "bfloat16" and e.shape == t.shape


def test_bfloat16_dtype_survives_pickle_and_deepcopy():
    import copy
    import pickle
    assert pickle.loads(pickle.dumps(ember.bfloat16)) is ember.bfloat16
    assert copy.deepcopy({"dtype": ember.bfloat16})["dtype"] is ember.bfloat16


FLOAT_INFO = ["float32", "float64", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
              "float8_e5m2fnuz", "float8_e8m0fnu"]
INT_INFO = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


@pytest.mark.parametrize("name", FLOAT_INFO)
def test_finfo_matches_torch(torch, name):
    ours, ref = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attr) == getattr(ref, attr), attr
        assert type(getattr(ours, attr)) is type(getattr(ref, attr)), attr
    assert repr(ours) == repr(ref) and str(ours) == str(ref)


@pytest.mark.parametrize("name", INT_INFO)
def test_iinfo_matches_torch(torch, name):
    ours, ref = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    for attr in ("bits", "max", "min", "dtype"):
        assert getattr(ours, attr) == getattr(ref, attr), attr
        assert type(getattr(ours, attr)) is type(getattr(ref, attr)), attr
    assert repr(ours) == repr(ref)


def test_finfo_defaults_to_the_default_dtype(torch):
    assert ember.finfo().dtype == "float32"
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.finfo().dtype == "float64" and ember.finfo().eps == torch.finfo(torch.float64).eps
    finally:
        ember.set_default_dtype(ember.float32)


@pytest.mark.parametrize("call, message", [
    (lambda: ember.finfo(ember.int32), "ember.finfo() requires a floating point input type"),
    (lambda: ember.finfo(ember.bool), "ember.finfo() requires a floating point input type"),
    (lambda: ember.iinfo(ember.float32), "ember.iinfo() requires an integer input type"),
    (lambda: ember.iinfo(ember.bool), "ember.bool is not supported by ember.iinfo"),
    (lambda: ember.finfo("float32"), "argument 'type' (position 1) must be ember.dtype, not str"),
    (lambda: ember.iinfo(None), "argument 'type' (position 1) must be ember.dtype, not NoneType"),
    (lambda: ember.iinfo(), "missing 1 required positional argument"),
])
def test_info_rejects_the_wrong_kind_of_dtype_with_typeerror(call, message):
    with pytest.raises(TypeError) as info:
        call()
    assert message in str(info.value)


def test_info_objects_are_read_only_comparable_and_unhashable():
    f = ember.finfo(ember.float32)
    with pytest.raises(AttributeError, match="not writable"):
        f.eps = 1.0
    with pytest.raises(AttributeError, match="not writable"):
        ember.iinfo(ember.int8).max = 1
    assert f == ember.finfo(ember.float32) and f != ember.finfo(ember.float64)
    assert ember.iinfo(ember.int64) == ember.iinfo(ember.int64) and f != ember.iinfo(ember.int64)
    with pytest.raises(TypeError):
        hash(f)


def test_finfo_min_masks_like_torch(torch):
    # the common use: fill masked attention scores with the dtype's lowest value before a softmax
    scores = ember.tensor([[1.0, 2.0, 3.0]])
    mask = ember.tensor([[False, True, False]])
    out = ember.softmax(scores.masked_fill(mask, ember.finfo(scores.dtype).min), dim=-1)
    ref = torch.softmax(torch.tensor([[1.0, 2.0, 3.0]]).masked_fill(torch.tensor([[False, True, False]]),
                                                                      torch.finfo(torch.float32).min), dim=-1)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)
    assert out[0, 1].item() == 0.0


# ---------------------------------------------------------------- Python types as dtypes (float -> float64)

PY_FACTORIES = [
    ("tensor", lambda m, d: m.tensor(np.ones(2), dtype=d)),
    ("tensor-list", lambda m, d: m.tensor([1, 0], dtype=d)),
    ("as_tensor", lambda m, d: m.as_tensor([1, 0], dtype=d)),
    ("ones", lambda m, d: m.ones(2, dtype=d)),
    ("zeros", lambda m, d: m.zeros(2, dtype=d)),
    ("empty", lambda m, d: m.empty(2, dtype=d)),
    ("full", lambda m, d: m.full((2,), 1, dtype=d)),
    ("zeros_like", lambda m, d: m.zeros_like(m.ones(2), dtype=d)),
    ("full_like", lambda m, d: m.full_like(m.ones(2), 1, dtype=d)),
    ("eye", lambda m, d: m.eye(2, dtype=d)),
    ("sum", lambda m, d: m.ones(2).sum(dtype=d)),
    ("to", lambda m, d: m.ones(2).to(d)),
    ("to-kw", lambda m, d: m.ones(2).to(dtype=d)),
    ("to-device", lambda m, d: m.ones(2).to("cpu", d)),
]


@pytest.mark.parametrize("py", [float, int, bool, complex], ids=lambda t: t.__name__)
@pytest.mark.parametrize("name,fn", PY_FACTORIES, ids=[n for n, _ in PY_FACTORIES])
def test_python_type_as_dtype(torch, name, fn, py):
    assert _name(fn(ember, py).dtype) == _name(fn(torch, py).dtype)


@pytest.mark.parametrize("py", [float, complex], ids=lambda t: t.__name__)
@pytest.mark.parametrize("fn", [lambda m, d: m.arange(3, dtype=d) if d is float else m.ones(1, dtype=d),
                                lambda m, d: m.linspace(0, 1, 3, dtype=d), lambda m, d: m.rand(2, dtype=d),
                                lambda m, d: m.randn(2, dtype=d)])
def test_python_float_types_in_ranges_and_random(torch, fn, py):
    assert _name(fn(ember, py).dtype) == _name(fn(torch, py).dtype)


def test_module_to_python_type(torch):
    for m in (ember, torch):
        assert _name(m.nn.Linear(2, 2).to(float).weight.dtype) == "float64"
        assert _name(m.nn.Linear(2, 2).to(dtype=float).weight.dtype) == "float64"
        with pytest.raises(TypeError, match="nn.Module.to only accepts floating point or complex dtypes, but got "
                                            "desired dtype=torch.int64"):
            m.nn.Linear(2, 2).to(int)
        with pytest.raises(TypeError, match="invalid combination of arguments"):
            m.nn.Linear(2, 2).to(dtype=np.float32)


BAD_DTYPES = [np.float32, "float32", np.int64]


@pytest.mark.parametrize("bad", BAD_DTYPES, ids=["np.float32", "str", "np.int64"])
@pytest.mark.parametrize("name,fn", [
    ("ones", lambda m, d: m.ones(2, dtype=d)), ("zeros", lambda m, d: m.zeros(2, dtype=d)),
    ("empty", lambda m, d: m.empty(2, dtype=d)), ("tensor", lambda m, d: m.tensor([1.0], dtype=d)),
    ("as_tensor", lambda m, d: m.as_tensor(np.ones(2), dtype=d)), ("full", lambda m, d: m.full((2,), 1, dtype=d)),
    ("zeros_like", lambda m, d: m.zeros_like(m.ones(2), dtype=d)),
])
def test_numpy_type_or_string_dtype_is_refused(torch, name, fn, bad):
    with pytest.raises(TypeError) as want:
        fn(torch, bad)
    with pytest.raises(TypeError) as got:
        fn(ember, bad)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("bad", BAD_DTYPES + [float], ids=["np.float32", "str", "np.int64", "float"])
def test_tensor_type_refuses_python_and_numpy_types(torch, bad):
    with pytest.raises(ValueError) as want:
        torch.ones(2).type(bad)
    with pytest.raises(ValueError) as got:
        ember.ones(2).type(bad)
    assert str(got.value) == str(want.value)
    with pytest.raises(TypeError, match="invalid combination"):
        ember.ones(2).to(dtype=bad if bad is not float else "x")


def test_tensor_type_cuda_name_is_no_key_error():
    # (a CPU build's error; this torch wheel is a CUDA build lacking its library, so its message differs)
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        ember.ones(2).type("torch.cuda.FloatTensor")
    assert ember.ones(2).type("torch.DoubleTensor").dtype is ember.float64
