"""ember.tensor / as_tensor / from_numpy against PyTorch, from realistic-script sweeps: dtype inference over nested
data (NumPy scalars and arrays, tensors, Python numbers folded with promote_types), sequences other than lists
(range, deque, array.array, memoryview), one-element tensors read as numbers, the once-per-process warnings,
negative NumPy strides; and arange / zeros & co. argument checks."""

import array
import collections
import decimal
import enum
import fractions
import re
import warnings

import numpy as np
import pytest

import ember
from ember import _functions


class _Color(enum.IntEnum):
    RED = 1


def _t(t, v, name):
    return t.tensor(v, dtype=getattr(t, name))


def _outcome(lib, fn):
    """``fn(lib)`` as ``(dtype, shape, values)``, or the error's builtin type and first message line, plus the
    distinct UserWarnings raised (PyTorch's "(Triggered internally ...)" suffix dropped)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            r = fn(lib)
            res = (str(r.dtype).split(".")[-1], tuple(r.shape), repr(r.tolist()))
        except Exception as exc:  # noqa: BLE001 - any error is part of the behaviour under test
            base = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
            res = ("error", base.__name__, str(exc).split("\n")[0])
    msgs = {re.sub(r" \(Triggered internally at .*\)$", "", str(w.message)) for w in caught
            if issubclass(w.category, UserWarning)}
    return res, sorted(msgs)  # (distinct: with warn_always PyTorch repeats a warning for each array)


@pytest.fixture
def warn_always(torch):
    """PyTorch's once-per-process warnings given every time (and ember's once-flags reset per call)."""
    torch.set_warn_always(True)
    yield
    torch.set_warn_always(False)


def _fresh(fn):
    def run(lib):
        flags = getattr(_functions, "_warned_once", {})
        if lib is ember:
            flags.update(dict.fromkeys(flags, False))
        return fn(lib)
    return run


# -------------------------------------------------------------------------------------- dtype inference table

DTYPE_CASES = {
    "np_f64_int": lambda t: [np.float64(1), 2],
    "np_i16_pair": lambda t: [np.int16(1), np.int16(2)],
    "np_u8": lambda t: [np.uint8(1)],
    "t_f64_float": lambda t: [_t(t, 1, "float64"), 2.5],
    "t_i16_pair": lambda t: [_t(t, 1, "int16"), _t(t, 2, "int16")],
    "np_f32_float": lambda t: [np.float32(1), 2.0],
    "bool_np_i8": lambda t: [True, np.int8(1)],
    "np_f16_float": lambda t: [np.float16(1), 2.0],
    "np_f16_int": lambda t: [np.float16(1), 2],
    "np_i8_u8": lambda t: [np.int8(1), np.uint8(2)],
    "np_f64_complex": lambda t: [np.float64(1), 1j],
    "np_f32_complex": lambda t: [np.float32(1), 1j],
    "np_c128_float": lambda t: [np.complex128(1), 1.0],
    "np_c64_np_f64": lambda t: [np.complex64(1), np.float64(1)],
    "np_bool_bool": lambda t: [np.bool_(True), False],
    "np_bool_int": lambda t: [np.bool_(True), 1],
    "np_i32_float": lambda t: [np.int32(1), 2.5],
    "np_i32_int": lambda t: [np.int32(1), 2],
    "np_i64_float": lambda t: [np.int64(2 ** 40), 1.5],
    "t_bf16_float": lambda t: [_t(t, 1.5, "bfloat16"), 1.0],
    "t_bf16_t_f16": lambda t: [_t(t, 1.5, "bfloat16"), _t(t, 2, "float16")],
    "t_i8_np_u8": lambda t: [_t(t, 1, "int8"), np.uint8(1)],
    "t_f64_np_f32": lambda t: [_t(t, 1, "float64"), np.float32(1)],
    "t_i32_int": lambda t: [_t(t, 1, "int32"), 1],
    "t_bool_bool": lambda t: [_t(t, True, "bool"), True],
    "t_bool_int": lambda t: [_t(t, True, "bool"), 2],
    "t_1elem_f64_int": lambda t: [_t(t, [1.5], "float64"), 2],
    "t_f32_np_f64": lambda t: [_t(t, 1.5, "float32"), np.float64(2)],
    "t_i64_np_f64": lambda t: [_t(t, 300, "int64"), np.float64(2)],
    "np_f64_t_f16": lambda t: [np.float64(1), _t(t, 1, "float16")],
    "nested_np_f64_int": lambda t: [[np.float64(1)], [2]],
    "nested_bool_np_f16": lambda t: [[True], [np.float16(2)]],
    "int_float_np_i8": lambda t: [1, 2.5, np.int8(3)],
    "np_f32_bool": lambda t: [np.float32(1.5), True],
    "arr_i8_list_int": lambda t: [np.array([1, 2], dtype="int8"), [3, 4]],
    "arr_f32_list_float": lambda t: [np.array([1.0, 2.0], dtype="float32"), [3.0, 4.0]],
    "arr_f32_list_int": lambda t: [np.array([1.0, 2.0], dtype="float32"), [3, 4]],
    "arr_bool_list_int": lambda t: [np.array([True, False]), [1, 0]],
    "arr_u8_arr_i8": lambda t: [np.array([1, 2], dtype="uint8"), np.array([1, 2], dtype="int8")],
    "arr_f16_arr_i64": lambda t: [np.array([1.0, 2.0], dtype="float16"), np.array([3, 4])],
    "arr_f64_pair": lambda t: [np.zeros(2), np.ones(2)],
    "arr_f64_list": lambda t: [np.array([1.0, 2.0]), [3, 4]],
    "list_arr_f64": lambda t: [[3, 4], np.array([1.0, 2.0])],
    "arr_i16_pair": lambda t: [np.zeros(2, "int16"), np.ones(2, "int16")],
    "arr_0d_second": lambda t: [1.0, np.array(2, dtype="int32")],
    "arr_0d_first": lambda t: [np.array(1.0), np.array(2.0)],
    "arr_empty": lambda t: [np.zeros((0,), "int16")],
    "arr_ragged": lambda t: [np.zeros(2), np.ones(3)],
    "arr_negative_stride": lambda t: [np.arange(3.0)[::-1]],
    "empty_and_np_f64": lambda t: [[], [np.float64(1)]],
    "empty_and_int": lambda t: [[], [1]],
    "np_u32_pair": lambda t: [np.uint32(1), np.uint32(2)],
    "np_u64_float": lambda t: [np.uint64(1), 1.5],
    "np_u16_int": lambda t: [np.uint16(1), 1],
    "range": lambda t: range(4),
    "range_nested": lambda t: [range(2), range(2)],
    "range_and_floats": lambda t: [range(2), [0.5, 1]],
    "range_empty": lambda t: range(0),
    "deque": lambda t: collections.deque([1.0, 2.0]),
    "array_d": lambda t: array.array("d", [1.0, 2.0]),
    "array_i": lambda t: array.array("i", [1, 2]),
    "array_in_list": lambda t: [array.array("b", [1, 2]), [3, 4]],
    "memoryview_bytes": lambda t: memoryview(b"ab"),
    "memoryview_f": lambda t: memoryview(array.array("f", [1.5])),
    "bytearray": lambda t: bytearray(b"ab"),
    "bytes": lambda t: b"ab",
    "set": lambda t: {1, 2},
    "dict_keys": lambda t: {1: 2}.keys(),
    "none_in_list": lambda t: [1, None],
    "fraction": lambda t: [fractions.Fraction(1, 2)],
    "decimal": lambda t: [decimal.Decimal("1.5")],
    "int_enum": lambda t: [_Color.RED, 2],
    "str_in_list": lambda t: [1.0, "a"],
    "tensors_2elem": lambda t: [t.ones(2), t.zeros(2)],
    "tensors_1elem": lambda t: [t.ones(1), t.zeros(1)],
    "tensors_1x1": lambda t: [t.ones(1, 1), t.zeros(1, 1)],
    "tensors_0d": lambda t: [t.tensor(1.0), t.tensor(2.0)],
    "tensor_empty": lambda t: [t.ones(0)],
    "tensor_and_int": lambda t: [t.ones(1), 2],
    "tensor_as_row": lambda t: [[1.0], t.ones(1)],
    "tensor_row_then_list": lambda t: [t.ones(1), [1.0]],
    "tensor_rows": lambda t: [[1, 2], _t(t, [3, 4], "int8")],
    "tensor_nested_2elem": lambda t: [[t.ones(2)]],
}


@pytest.mark.parametrize("make", ["tensor", "as_tensor"])
@pytest.mark.parametrize("name", list(DTYPE_CASES))
def test_inferred_dtype(torch, warn_always, name, make):
    fn = _fresh(lambda t: getattr(t, make)(DTYPE_CASES[name](t)))
    assert _outcome(ember, fn) == _outcome(torch, fn)


_MORE_CASES = {
    "requires_grad_0d": lambda t: t.tensor([t.tensor(1.0, requires_grad=True)]),
    "requires_grad_1elem_nested": lambda t: t.tensor([[t.ones(1, requires_grad=True) * 2]]),
    "requires_grad_2elem": lambda t: t.tensor([t.ones(2, requires_grad=True)]),
    "requires_grad_as_row": lambda t: t.tensor([[1.0, 2.0], t.ones(2, requires_grad=True)]),
    "requires_grad_top": lambda t: t.tensor(t.ones(2, requires_grad=True).detach()),
    "ndarrays_empty": lambda t: t.tensor([np.zeros((0,))]),
    "ndarrays_nested": lambda t: t.tensor([[np.zeros(2)]]),
    "ndarrays_dtype": lambda t: t.tensor([np.zeros(2), np.ones(2)], dtype=t.int32),
    "ndarrays_bool_into_float": lambda t: t.tensor([np.array([True]), [1.5]], dtype=t.float32),
    "np_bool_into_int": lambda t: t.tensor([np.bool_(True), 1.5], dtype=t.int32),
    "ndarrays_asarray": lambda t: t.asarray([np.zeros(2), np.ones(2)]),
    "from_numpy_negative": lambda t: t.from_numpy(np.arange(4.0)[::-1]),
    "from_numpy_negative_2d": lambda t: t.from_numpy(np.ones((2, 3))[:, ::-1]),
    "from_numpy_negative_one": lambda t: t.from_numpy(np.arange(1.0)[::-1]),
    "from_numpy_empty_reversed": lambda t: t.from_numpy(np.zeros((0, 3))[:, ::-1]),
    "from_numpy_strided": lambda t: t.from_numpy(np.arange(6.0).reshape(2, 3)[:, ::2]),
    "from_numpy_scalar": lambda t: t.from_numpy(np.float64(2.0)),
    "from_numpy_list": lambda t: t.from_numpy([1.0]),
    "from_numpy_0d": lambda t: t.from_numpy(np.array(2.0)),
    "tensor_negative": lambda t: t.tensor(np.arange(4.0)[::-1]),
    "tensor_negative_dtype": lambda t: t.tensor(np.arange(4.0)[::-1], dtype=t.int64),
    "as_tensor_negative": lambda t: t.as_tensor(np.arange(4.0)[::-1]),
    "asarray_negative": lambda t: t.asarray(np.ones((3, 2))[:, ::-1].T),
    "tensor_transposed": lambda t: t.tensor(np.arange(4.0).reshape(2, 2).T),
    "tensor_np_scalar": lambda t: t.tensor(np.float64(2.0)),
    "tensor_none": lambda t: t.tensor(None),
    "tensor_generator": lambda t: t.tensor(x for x in [1]),
    "tensor_big_range": lambda t: t.tensor(range(3, 30, 4), dtype=t.float32),
}


@pytest.mark.parametrize("name", list(_MORE_CASES))
def test_more_creation_cases(torch, warn_always, name):
    fn = _fresh(_MORE_CASES[name])
    assert _outcome(ember, fn) == _outcome(torch, fn)


@pytest.mark.parametrize("name", ["np_f32_float", "np_f16_float", "np_f64_complex", "np_f32_complex", "t_bf16_float",
                                  "int_float_np_i8", "range_and_floats", "empty_and_int", "array_d"])
def test_inferred_dtype_default_float64(torch, name):
    def run(lib):
        old = lib.get_default_dtype()
        lib.set_default_dtype(lib.float64)
        try:
            return lib.tensor(DTYPE_CASES[name](lib))
        finally:
            lib.set_default_dtype(old)
    assert _outcome(ember, run) == _outcome(torch, run)


# ------------------------------------------------------------------------------------------- arange and sizes

_ARANGE = {
    "np_int64": lambda t: t.arange(np.int64(3)),
    "np_int32": lambda t: t.arange(np.int32(3)),
    "np_ints": lambda t: t.arange(np.int64(1), np.int16(7), np.int8(2)),
    "np_float": lambda t: t.arange(np.float64(3)),
    "int_tensor": lambda t: t.arange(t.tensor(3)),
    "bool": lambda t: t.arange(True),
    "wrong_sign": lambda t: t.arange(0, 5, -1),
    "wrong_sign_end": lambda t: t.arange(-3.5),
    "wrong_sign_float": lambda t: t.arange(5.0, 0.0, 0.5),
    "zero_step": lambda t: t.arange(0, 5, 0),
    "nan_step": lambda t: t.arange(0, 1, float("nan")),
    "inf_end": lambda t: t.arange(0, float("inf")),
    "inf_start": lambda t: t.arange(-float("inf"), 0.5),
    "nan_end": lambda t: t.arange(0.5, float("nan")),
    "inf_step": lambda t: t.arange(0, 1, float("inf")),
    "int64_truncated_zero_step": lambda t: t.arange(0, 2.5, 0.5, dtype=t.int64),
    "int64_sign_before_truncation": lambda t: t.arange(0.5, 0.3, 1, dtype=t.int64),
    "int64_step_zero_float": lambda t: t.arange(0, 5, 0.0, dtype=t.int32),
}
for _dt in ["int64", "int32", "int16", "int8", "uint8", "float32", "float16"]:
    for _args in [(0, 5, 1.5), (0, 2.5, 0.5), (0.5, 3.7, 0.9), (-2.5, 2.5, 0.7), (1, 0, -0.3), (2.9,), (0, 10, 2.5),
                  (1.5, 10, 2.5), (0, 300, 7.5), (5, -5, -1.5), (-0.5, 5, 1), (-1.5, -5.2, -1)]:
        _ARANGE[f"{_dt}{_args}"] = lambda t, a=_args, d=_dt: t.arange(*a, dtype=getattr(t, d))

_SIZES = {
    "ones": lambda t: t.ones(-1),
    "empty": lambda t: t.empty(3, -1),
    "full": lambda t: t.full((2, -1), 2.0),
    "rand": lambda t: t.rand(-1),
    "randn": lambda t: t.randn(2, -1),
    "zeros_np_ints": lambda t: t.zeros(np.int64(2), np.int32(3)),
}


@pytest.mark.parametrize("name", list(_ARANGE) + list(_SIZES))
def test_arange_and_sizes(torch, name):
    fn = {**_ARANGE, **_SIZES}[name]
    assert _outcome(ember, fn) == _outcome(torch, fn)


_READ_ONLY = ("The given NumPy array is not writable, and PyTorch does not support non-writable tensors. This means "
              "writing to this tensor will result in undefined behavior. You may want to copy the array to protect "
              "its data or make it writable before converting it to a tensor. This type of warning will be "
              "suppressed for the rest of this program.")


def _read_only(values):
    a = np.array(values)
    a.flags.writeable = False
    return a


def test_read_only_arrays_warn_once_and_can_be_written_as_in_torch(torch, monkeypatch):
    monkeypatch.setitem(_functions._warned_once, "read_only", False)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        t = ember.as_tensor(np.frombuffer(np.arange(4, dtype=np.float32).tobytes(), dtype=np.float32))
        ember.from_numpy(_read_only([1.0])), ember.as_tensor(_read_only([1.0]), dtype=ember.float64)
    assert [str(w.message) for w in seen] == [_READ_ONLY]  # once per program, as torch
    assert seen[0].filename == __file__  # on the caller's line
    t[0] = 5  # was: "more than one element of the written-to tensor refers to a single memory location"
    t.add_(1)
    assert t.tolist() == [6.0, 2.0, 3.0, 4.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lib in (ember, torch):  # writes reach the array's memory
            a = _read_only([1.0, 2.0, 3.0])
            lib.from_numpy(a[1:])[0] = 7.0
            lib.as_tensor(a)[2] += 1
            assert a.tolist() == [1.0, 7.0, 4.0] and not a.flags.writeable, lib
        # an array whose elements overlap stays unwritable in place, with torch's error
        errors = []
        for lib in (ember, torch):
            with pytest.raises(RuntimeError) as info:
                lib.from_numpy(np.broadcast_to(np.arange(3.0), (2, 3))).add_(1)
            errors.append(str(info.value))
        assert errors[0] == errors[1]


@pytest.mark.parametrize("dtype", [">i4", ">f8", "<i4", ">i1", "|b1"])
@pytest.mark.parametrize("make", ["from_numpy", "as_tensor"])
def test_non_native_byte_order_as_in_torch(torch, make, dtype):
    fn = lambda t: getattr(t, make)(np.array([1, 0], dtype=dtype))  # noqa: E731
    assert _outcome(ember, fn) == _outcome(torch, fn)
