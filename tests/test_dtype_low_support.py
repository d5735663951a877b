"""The dtypes PyTorch supports only partly, side by side with it: uint16/uint32/uint64 (creation, conversion,
printing, some ops) and the float8 types (storage and conversion, a few ops), plus the names PyTorch exposes
without tensors (bits8, int1..int7, uint1..uint7, float4_e2m1fn_x2). Where PyTorch runs an op, ember must give
the same dtype and values; where it refuses, the same exception type and message."""

import numpy as np
import pytest

import ember
from tests.test_dtype_bfloat16 import check_values, compare_outcomes, values

UINTS = ["uint16", "uint32", "uint64"]
FLOAT8 = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu"]


def _compare(torch, make, call):
    # exact, but NumPy's and PyTorch's exp and friends may differ in the last float32 bit
    compare_outcomes(torch, make, call, lambda t, e: check_values(values(t), values(e), rtol=3e-7, atol=0))


# ------------------------------------------------------------------------------------------- uint16/32/64
UINT_CALLS = {
    # what PyTorch runs
    "repr": lambda m, a, b: repr(a), "repr-0d": lambda m, a, b: repr(a[0, 0]), "tolist": lambda m, a, b: a.tolist(),
    "item": lambda m, a, b: a[1, 2].item(), "type": lambda m, a, b: a.type(), "numpy": lambda m, a, b: a.numpy(),
    "zeros": lambda m, a, b: m.zeros(2, dtype=a.dtype), "full": lambda m, a, b: m.full((2,), 7, dtype=a.dtype),
    "tensor": lambda m, a, b: m.tensor([1, 2], dtype=a.dtype), "from-float": lambda m, a, b: a.float().to(b.dtype),
    "to-float": lambda m, a, b: a.float(), "to-long": lambda m, a, b: a.long(), "cat": lambda m, a, b: m.cat([a, b]),
    "index": lambda m, a, b: a[1:, ::2], "setitem": lambda m, a, b: a.__setitem__(0, 5) or a,
    "eq": lambda m, a, b: a == b, "ne-scalar": lambda m, a, b: a != 3, "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b, "mul-float": lambda m, a, b: a * 1.5, "sum": lambda m, a, b: a.sum(0),
    "prod": lambda m, a, b: a.prod(), "cumsum": lambda m, a, b: a.cumsum(1), "sort": lambda m, a, b: a.sort(),
    "unique": lambda m, a, b: m.unique(a), "flip": lambda m, a, b: a.flip(0), "exp": lambda m, a, b: a.exp(),
    "bitwise_and": lambda m, a, b: a & b, "index_select": lambda m, a, b: a.index_select(0, m.tensor([0, 2])),
    "clone": lambda m, a, b: a.t().contiguous(), "fill_": lambda m, a, b: a.fill_(3),
    "isfinite": lambda m, a, b: a.isfinite(), "is_signed": lambda m, a, b: a.is_signed(),
    # what PyTorch refuses
    "add": lambda m, a, b: a + b, "add-scalar": lambda m, a, b: a + 1, "sub": lambda m, a, b: a - b,
    "neg": lambda m, a, b: -a, "abs": lambda m, a, b: a.abs(), "lt": lambda m, a, b: a < b,
    "ge-scalar": lambda m, a, b: a >= 3, "maximum": lambda m, a, b: m.maximum(a, b), "max": lambda m, a, b: a.max(),
    "min-dim": lambda m, a, b: a.min(1), "argmax": lambda m, a, b: a.argmax(), "nonzero": lambda m, a, b: a.nonzero(),
    "remainder": lambda m, a, b: a % b, "floor_divide": lambda m, a, b: a // b, "pow": lambda m, a, b: a ** 2,
    "bitwise_not": lambda m, a, b: ~a, "logical_and": lambda m, a, b: m.logical_and(a, b),
    "clamp": lambda m, a, b: a.clamp(min=b), "tril": lambda m, a, b: a.tril(), "trace": lambda m, a, b: a.trace(),
    "sign": lambda m, a, b: a.sign(), "relu": lambda m, a, b: m.relu(a),
}


@pytest.mark.parametrize("dtype", UINTS)
@pytest.mark.parametrize("name", sorted(UINT_CALLS))
def test_big_unsigned_integers_as_torch(torch, dtype, name):
    rng = np.random.default_rng(0)
    arrays = [rng.integers(1, 50, (3, 4)).astype(dtype) for _ in range(2)]
    _compare(torch, lambda lib: [lib.from_numpy(a.copy()) for a in arrays],
             lambda lib, ts: UINT_CALLS[name](lib, *ts))


def test_big_unsigned_integers_promote_only_with_floats(torch):
    for u in UINTS:
        for other in ("uint8", "int8", "int64", "bool", "uint32", "float32", "bfloat16", "complex64"):
            _compare(torch, lambda lib, u=u, o=other: (getattr(lib, u), getattr(lib, o)),
                     lambda lib, ts: lib.promote_types(*ts))
        _compare(torch, lambda lib, u=u: [lib.tensor([1, 2], dtype=getattr(lib, u)), lib.tensor([1, 2])],
                 lambda lib, ts: ts[0] * ts[1])


def test_big_unsigned_integers_from_numpy_keep_their_values(torch):
    a = np.array([0, 1, 2 ** 63 + 5, 2 ** 64 - 1], dtype=np.uint64)
    t, e = torch.from_numpy(a.copy()), ember.from_numpy(a.copy())
    assert e.dtype is ember.uint64 and e.tolist() == t.tolist() and repr(e) == repr(t).replace("torch", "ember")
    assert ember.iinfo(ember.uint64).max == torch.iinfo(torch.uint64).max == 2 ** 64 - 1


# -------------------------------------------------------------------------------------------------- float8
def _f8_values(dtype):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    return np.abs(a) + 0.1 if dtype == "float8_e8m0fnu" else a  # (e8m0: positive powers of two only)


F8_CALLS = {
    # what PyTorch runs
    "repr": lambda m, a, b: repr(a), "tolist": lambda m, a, b: a.tolist(), "item": lambda m, a, b: a[0, 0].item(),
    "type": lambda m, a, b: a.type(), "to-float": lambda m, a, b: a.float(), "to-bf16": lambda m, a, b: a.bfloat16(),
    "cat": lambda m, a, b: m.cat([a, b]), "index": lambda m, a, b: a[1:, ::2], "clone": lambda m, a, b: a.clone(),
    "t-contiguous": lambda m, a, b: a.t().contiguous(), "eq": lambda m, a, b: a == b, "mul": lambda m, a, b: a * b,
    "abs": lambda m, a, b: a.abs(), "isnan": lambda m, a, b: a.isnan(), "flip": lambda m, a, b: a.flip(0),
    "where": lambda m, a, b: m.where(a.isnan(), a, b), "stack": lambda m, a, b: m.stack([a, b]),
    "zeros": lambda m, a, b: m.zeros(2, dtype=a.dtype), "full": lambda m, a, b: m.full((2,), 2.0, dtype=a.dtype),
    "fill_": lambda m, a, b: a.fill_(0.5), "isfinite": lambda m, a, b: a.isfinite(), "isinf": lambda m, a, b: a.isinf(),
    "matmul": lambda m, a, b: a @ b.t(),
    # what PyTorch refuses
    "add": lambda m, a, b: a + b, "sub": lambda m, a, b: a - b, "mul-scalar": lambda m, a, b: a * 1.5,
    "div": lambda m, a, b: a / b, "neg": lambda m, a, b: -a, "exp": lambda m, a, b: a.exp(),
    "sum": lambda m, a, b: a.sum(), "mean": lambda m, a, b: a.mean(), "max": lambda m, a, b: a.max(),
    "amax": lambda m, a, b: a.amax(), "max-dim": lambda m, a, b: a.max(1), "lt": lambda m, a, b: a < b,
    "argmax": lambda m, a, b: a.argmax(), "maximum": lambda m, a, b: m.maximum(a, b),
    "relu": lambda m, a, b: m.relu(a), "sigmoid": lambda m, a, b: a.sigmoid(), "pow": lambda m, a, b: a ** 2,
    "tril": lambda m, a, b: a.tril(), "nonzero": lambda m, a, b: a.nonzero(), "sign": lambda m, a, b: a.sign(),
    "signbit": lambda m, a, b: a.signbit(), "unique": lambda m, a, b: a.unique(), "prod": lambda m, a, b: a.prod(),
    "promote": lambda m, a, b: a + b.float(), "logical_not": lambda m, a, b: m.logical_not(a),
    "std": lambda m, a, b: a.std(), "var-dim": lambda m, a, b: a.var(1), "std-one-row": lambda m, a, b: a[:1].std(1),
    "var_mean-dim": lambda m, a, b: m.var_mean(a, 0),
}


@pytest.mark.parametrize("dtype", FLOAT8)
@pytest.mark.parametrize("name", sorted(F8_CALLS))
def test_float8_as_torch(torch, dtype, name):
    arrays = [_f8_values(dtype), _f8_values(dtype)[::-1].copy()]
    _compare(torch, lambda lib: [lib.from_numpy(a.copy()).to(getattr(lib, dtype)) for a in arrays],
             lambda lib, ts: F8_CALLS[name](lib, *ts))


@pytest.mark.parametrize("dtype", FLOAT8)
def test_float8_conversions_are_torch_bits(torch, dtype):
    # e4m3fn saturates to +-448 (infinities too), e8m0 takes magnitudes and rounds 0 up to 2**-127, as PyTorch
    v = np.array([0.1, 0.13, 0.19, 0.76, 1.5, 3.0, 460, 500, 1e10, -0.3, -1e10, np.inf, -np.inf, np.nan, 1e-30,
                  0.0, -0.0, 57344, 60000], np.float32)
    for src in ("float32", "float64", "bfloat16", "float16"):
        t = torch.from_numpy(v).to(getattr(torch, src)).to(getattr(torch, dtype))
        e = ember.from_numpy(v).to(getattr(ember, src)).to(getattr(ember, dtype))
        assert e.dtype is getattr(ember, dtype) and e.element_size() == 1
        np.testing.assert_array_equal(e.float().numpy(), t.float().numpy())
        assert repr(e) == repr(t).replace("torch", "ember")


def test_float8_numpy_and_tensor_properties_as_torch(torch):
    for name in FLOAT8:
        t = torch.ones(2).to(getattr(torch, name))
        e = ember.ones(2).to(getattr(ember, name))
        assert e.is_floating_point() and e.type() == t.type().replace("torch", "ember")
        assert getattr(ember, name).is_signed == getattr(torch, name).is_signed
        with pytest.raises(TypeError, match=f"Got unsupported ScalarType {t.type()[6:-6]}"):
            e.numpy()
        for other in ("float32", "bfloat16", "int64", "float8_e5m2"):
            _compare(torch, lambda lib, o=other, n=name: (getattr(lib, n), getattr(lib, o)),
                     lambda lib, ts: lib.promote_types(*ts))


def test_float8_checkpoints_load_across_libraries(torch, tmp_path):
    from safetensors.torch import load_file, save_file
    sd = {n: torch.tensor([0.5, 2.0, -1.5 if "e8m0" not in n else 4.0]).to(getattr(torch, n))
          for n in FLOAT8 if n != "float8_e8m0fnu"}  # (PyTorch's safetensors has no e8m0)
    save_file(sd, tmp_path / "f8.safetensors")
    loaded = ember.load(tmp_path / "f8.safetensors")
    for k, v in sd.items():
        assert loaded[k].dtype is getattr(ember, k) and loaded[k].tolist() == v.tolist()
    ember.save(loaded, tmp_path / "back.safetensors")
    back = load_file(tmp_path / "back.safetensors")
    for k, v in sd.items():
        assert back[k].dtype == v.dtype and back[k].tolist() == v.tolist()


# -------------------------------------------------------------------------------------------- named only
NAMED = ["bits8", "bits16", "bits1x8", "bits2x4", "bits4x2", "float4_e2m1fn_x2"] + [
    f"{p}int{b}" for p in ("", "u") for b in range(1, 8)]


@pytest.mark.parametrize("name", NAMED)
def test_named_only_dtypes_as_torch(torch, name):
    t, e = getattr(torch, name), getattr(ember, name)
    assert repr(e) == repr(t).replace("torch", "ember") and str(e) == repr(e)
    assert e.itemsize == t.itemsize and e.is_floating_point == t.is_floating_point
    assert e.is_complex == t.is_complex
    if not name.startswith("bits"):
        assert e.is_signed == t.is_signed
    with pytest.raises(TypeError, match=name):  # (PyTorch makes some of them, but cannot compute or print them)
        ember.zeros(2, dtype=e)
    import copy
    import pickle
    assert pickle.loads(pickle.dumps(e)) is e and copy.deepcopy(e) is e
