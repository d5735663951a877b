"""ember.testing against torch.testing: make_tensor's value ranges, dtypes, flags and errors, the messages of
assert_close, and the deprecated assert_allclose (its warning, tolerances and conversions)."""

import math
import warnings

import numpy as np
import pytest

import ember
from tests._helpers import both, same_error

_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "complex64",
           "complex128"]


def _values(t):
    a = t.detach().numpy()
    return np.concatenate([a.real.ravel(), a.imag.ravel()]) if a.dtype.kind == "c" else a.ravel()


@pytest.mark.parametrize("dtype", _DTYPES)
def test_make_tensor_default_ranges(torch, dtype):
    # values are random: compare the dtype, the shape and that both stay in PyTorch's documented range
    e, t = both(torch, lambda m: m.testing.make_tensor(40, 50, dtype=getattr(m, dtype), device="cpu"))
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1] == dtype
    assert tuple(e.shape) == tuple(t.shape) == (40, 50)
    low, high = {"bool": (0, 2), "uint8": (0, 10)}.get(dtype, (-9, 10) if "int" in dtype else (-9, 9))
    for v in (_values(e), _values(t)):
        assert v.astype(float).min() >= low and v.astype(float).max() < high
    if dtype in ("bool", "int8", "uint8"):  # every value of the range turns up in 2000 draws
        assert set(_values(e).astype(int)) == set(_values(t).astype(int)) == set(range(low, high))
    assert not e.requires_grad and e.is_contiguous()


@pytest.mark.parametrize("dtype,low,high", [
    ("float32", -1, 1), ("float32", 5, None), ("int64", 5.5, 7.2), ("int64", 5.5, 6.2), ("bool", 0, 1),
    ("int8", -1e300, 1e300), ("int8", 100, 1e300), ("float16", -1e300, 1e300), ("float32", -math.inf, math.inf),
    ("complex64", 0, 1), ("uint8", -3, 2), ("float64", -1.7e308, 1.7e308),
])
def test_make_tensor_bounds(torch, dtype, low, high):
    e, t = both(torch, lambda m: m.testing.make_tensor(500, dtype=getattr(m, dtype), device="cpu", low=low, high=high))
    ve, vt = _values(e).astype(float), _values(t).astype(float)
    assert ve.min() >= vt.min() - abs(vt.min()) * 0.05 - 1e-3 and ve.max() <= vt.max() + abs(vt.max()) * 0.05 + 1e-3
    if ("int" in dtype or dtype == "bool") and vt.max() - vt.min() < 20:
        assert set(ve) == set(vt)  # the whole (ceiled, clamped) range turns up in both
    assert np.isfinite(ve).all()


def test_make_tensor_shapes_and_flags(torch):
    def run(m):
        mk = m.testing.make_tensor
        f = m.float32
        nc = mk(2, 3, dtype=f, device="cpu", noncontiguous=True)
        one = mk(1, dtype=f, device="cpu", noncontiguous=True)
        cl = mk(2, 3, 4, 5, dtype=f, device="cpu", memory_format=m.channels_last)
        rg = mk(3, dtype=m.complex64, device="cpu", requires_grad=True)
        return [tuple(mk((2, 3), dtype=f, device="cpu").shape), tuple(mk([2, 3], dtype=f, device="cpu").shape),
                tuple(mk(m.Size([2, 3]), dtype=f, device="cpu").shape), tuple(mk(dtype=f, device="cpu").shape),
                tuple(mk((), dtype=f, device="cpu").shape), tuple(mk(2, 0, dtype=f, device="cpu").shape),
                (nc.is_contiguous(), tuple(nc.shape), nc.stride(), nc.storage_offset()),
                (one.is_contiguous(), one.stride()), cl.stride(), (rg.requires_grad, rg.is_leaf)]
    e, t = both(torch, run)
    assert e == t


@pytest.mark.parametrize("dtype", ["int64", "float32", "complex64", "bool"])
def test_make_tensor_exclude_zero(torch, dtype):
    e, t = both(torch, lambda m: m.testing.make_tensor(2000, dtype=getattr(m, dtype), device="cpu", low=-1, high=1,
                                                       exclude_zero=True))
    for x in (e, t):
        assert (x != 0).all()
    if dtype in ("int64", "bool"):
        assert set(_values(e).tolist()) == set(_values(t).tolist())


def test_make_tensor_low_equal_high_warns_for_floats(torch):
    def run(m):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = m.testing.make_tensor(3, dtype=m.float32, device="cpu", low=1, high=1)
        return r.tolist(), [(x.category.__name__, str(x.message).replace("torch", "ember"), x.filename) for x in w]
    e, t = both(torch, run)
    assert e == t
    assert e[1][0][0] == "FutureWarning" and e[1][0][2] == __file__


@pytest.mark.parametrize("call", [
    lambda m: m.testing.make_tensor(2, dtype=m.int64, device="cpu", requires_grad=True),
    lambda m: m.testing.make_tensor(2, dtype=m.bool, device="cpu", requires_grad=True),
    lambda m: m.testing.make_tensor(2, dtype=m.int64, device="cpu", low=1, high=1),
    lambda m: m.testing.make_tensor(2, dtype=m.int64, device="cpu", low=2, high=1),
    lambda m: m.testing.make_tensor(2, dtype=m.float32, device="cpu", low=2, high=1),
    lambda m: m.testing.make_tensor(2, dtype=m.float32, device="cpu", high=-20),
    lambda m: m.testing.make_tensor(2, dtype=m.float32, device="cpu", low=float("nan"), high=1),
    lambda m: m.testing.make_tensor(2, dtype=m.float32, device="cpu", high=float("nan")),
    lambda m: m.testing.make_tensor(2, dtype=m.float32, device="cpu", noncontiguous=True,
                                    memory_format=m.contiguous_format),
    lambda m: m.testing.make_tensor(2, dtype=m.uint8, device="cpu", low=-100, high=-50),
    lambda m: m.testing.make_tensor(2, dtype=m.bool, device="cpu", low=5, high=7),
    lambda m: m.testing.make_tensor(2, dtype=m.float32),
    lambda m: m.testing.make_tensor(2, device="cpu"),
    lambda m: m.testing.make_tensor(-2, dtype=m.float32, device="cpu"),
    lambda m: m.testing.make_tensor(2, dtype=m.float32, device="cuda"),
    lambda m: m.testing.make_tensor(2, dtype=m.float32, device="cpu", low=1 + 1j),
])
def test_make_tensor_errors(torch, call):
    same_error(*both(torch, call))


def test_make_tensor_unsupported_dtype(torch):
    e, t = both(torch, lambda m: m.testing.make_tensor(2, dtype="float32", device="cpu"))
    same_error(e, t, message=False)
    assert str(t).startswith(str(e).replace("ember", "torch"))


def test_make_tensor_follows_the_default_generator():
    ember.manual_seed(3)
    a = ember.testing.make_tensor(5, dtype=ember.float32, device="cpu")
    ember.manual_seed(3)
    assert ember.testing.make_tensor(5, dtype=ember.float32, device="cpu").tolist() == a.tolist()


@pytest.mark.parametrize("call", [
    lambda m: m.testing.assert_close(m.tensor(1.), m.tensor(2.)),
    lambda m: m.testing.assert_close(m.tensor([[1., 2.], [3, 4]]), m.tensor([[1., 2.5], [3, 4.1]])),
    lambda m: m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 2.5]), rtol=0, atol=0),
    lambda m: m.testing.assert_close(m.tensor([0., 2.]), m.tensor([1., 2.]), rtol=0, atol=0),
    lambda m: m.testing.assert_close(m.tensor([1., 2.]), m.tensor([0., 2.]), rtol=0, atol=0),
    lambda m: m.testing.assert_close(m.tensor([True, False]), m.tensor([True, True])),
    lambda m: m.testing.assert_close(m.tensor([1 + 1j, 2]), m.tensor([1 + 1j, 2 + 1j])),
    lambda m: m.testing.assert_close(m.tensor([1., float("inf")]), m.tensor([1., 2.])),
    lambda m: m.testing.assert_close(m.tensor([1., float("nan")]), m.tensor([1., float("nan")])),
    lambda m: m.testing.assert_close(m.tensor([1, 2]), m.tensor([1., 2.])),
    lambda m: m.testing.assert_close(m.tensor([1, 2]), m.tensor([1., 3.]), check_dtype=False),
    lambda m: m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 3.]), msg="boom"),
    lambda m: m.testing.assert_close(m.tensor([1, 2], dtype=m.uint8), m.tensor([3, 0], dtype=m.uint8)),
    lambda m: m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 2., 3.])),
    lambda m: m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 2.1]), rtol=0.1),
    lambda m: m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 2.1]), atol=0.2),
])
def test_assert_close_messages(torch, call):
    same_error(*both(torch, call))


@pytest.mark.parametrize("call", [
    lambda m: m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 2. + 1e-6])),
    lambda m: m.testing.assert_close(m.tensor([1, 2]), m.tensor([1., 2.]), check_dtype=False),
    lambda m: m.testing.assert_close(m.tensor([1., float("nan")]), m.tensor([1., float("nan")]), equal_nan=True),
    lambda m: m.testing.assert_close(m.zeros(0), m.zeros(0)),
])
def test_assert_close_passes(torch, call):
    e, t = both(torch, call)
    assert e is None and t is None


@pytest.mark.parametrize("call", [
    lambda m: m.testing.assert_close(m.tensor([[1., 2.], [3., 4.]]), m.tensor([[1., 2.], [3., 4.]]).t(),
                                     check_stride=True),
    lambda m: m.testing.assert_close(m.zeros(2, 2), m.zeros(2, 2, dtype=m.float64).t(), check_stride=True),
    lambda m: m.testing.assert_close(m.zeros(1, 2), m.zeros(2, 1).t(), check_stride=True),
    lambda m: m.testing.assert_close(np.zeros((2, 2)), np.zeros((2, 2)).T, check_stride=True),
    lambda m: m.testing.assert_close(m.nn.Parameter(m.tensor(1.)), m.tensor(1.), allow_subclasses=False),
    lambda m: m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 3.]), msg=lambda s: "<" + s + ">"),
    lambda m: m.testing.assert_close(m.zeros(2), m.zeros(3), msg=lambda s: "<" + s + ">"),
    lambda m: m.testing.assert_close(1, 1.0),
    lambda m: m.testing.assert_close(1, 1.0, msg=lambda s: "<" + s + ">"),
    lambda m: m.testing.assert_close(1.0, 1.5),
    lambda m: m.testing.assert_close(1, 2),
    lambda m: m.testing.assert_close(1, 2, rtol=0.1, atol=0.),
    lambda m: m.testing.assert_close(1, 2.0, check_dtype=False),
    lambda m: m.testing.assert_close(1 + 1j, 1 + 2j),
    lambda m: m.testing.assert_close(2 ** 70, 2 ** 70 + 1),
    lambda m: m.testing.assert_close(np.float32(1.0), np.float32(2.0)),
    lambda m: m.testing.assert_close(float("nan"), float("nan")),
    lambda m: m.testing.assert_close(1.0, 0.0),
    lambda m: m.testing.assert_close(True, False),
    lambda m: m.testing.assert_close({"x": True}, {"x": False}),
    lambda m: m.testing.assert_close(True, False, msg="q"),
    lambda m: m.testing.assert_close(None, 1),
    lambda m: m.testing.assert_close([None], [1.0], msg=lambda s: "<" + s + ">"),
    lambda m: m.testing.assert_close("a", "a"),
    lambda m: m.testing.assert_close(m.tensor(1.), 1.0),
    lambda m: m.testing.assert_close(1.0, m.tensor(1.)),
    lambda m: m.testing.assert_close(m.tensor([1.]), [1.0]),
    lambda m: m.testing.assert_close([m.tensor(1.)], [1.0]),
    lambda m: m.testing.assert_close(np.zeros(2), m.zeros(2)),
    lambda m: m.testing.assert_close(np.zeros(2), [0., 0.]),
    lambda m: m.testing.assert_close(np.array(1.0), 1.0),
    lambda m: m.testing.assert_close(np.array([1., 2.]), np.array([1., 3.])),
    lambda m: m.testing.assert_close(np.array(1.0), np.array(2.0)),
    lambda m: m.testing.assert_close(np.zeros(2, dtype=np.float32), np.zeros(2)),
    lambda m: m.testing.assert_close([1.0], {0: 1.0}),
    lambda m: m.testing.assert_close([1., 2.], [1., 2.5]),
    lambda m: m.testing.assert_close([1., 2.], [1., 2.5], msg="boom"),
    lambda m: m.testing.assert_close((m.zeros(2), m.ones(2)), (m.zeros(2), m.zeros(2))),
    lambda m: m.testing.assert_close([m.zeros(2)], [m.zeros(3)]),
    lambda m: m.testing.assert_close([m.zeros(2)], [m.zeros(2, dtype=m.float64)]),
    lambda m: m.testing.assert_close([[1.0]], [[1.0, 2.0]]),
    lambda m: m.testing.assert_close([1.], [1., 2.], msg="s"),
    lambda m: m.testing.assert_close((m.tensor(1.),), (m.tensor(1.), m.tensor(2.))),
    lambda m: m.testing.assert_close([m.zeros(2), {"x": [m.tensor(1.)]}], [m.zeros(2), {"x": [m.tensor(2.)]}]),
    lambda m: m.testing.assert_close({"a": 1.0, "b": 2.0}, {"a": 1.0, "c": 2.0}),
    lambda m: m.testing.assert_close({"a": 1.0}, {"a": 1.0, "b": 2.0}, msg="k"),
    lambda m: m.testing.assert_close({"a": 1.0, "c": 1, "b": 2.0}, {"a": 1.0}),
    lambda m: m.testing.assert_close({"b": 1.0, "a": 1.0}, {"a": 2.0, "b": 2.0}),
    lambda m: m.testing.assert_close({1: 1.0}, {"1": 1.0}),
])
def test_assert_close_pairs_messages(torch, call):
    # inputs pair up as in PyTorch: numbers, booleans, None, NumPy arrays, sequences and mappings, and the checks
    # and msg forms PyTorch has (check_stride, allow_subclasses, a callable msg)
    same_error(*both(torch, call))


@pytest.mark.parametrize("call", [
    lambda m: m.testing.assert_close(m.tensor([[1., 2.], [3., 4.]]), m.tensor([[1., 2.], [3., 4.]]),
                                     check_stride=True, check_device=False, check_layout=False),
    lambda m: m.testing.assert_close(m.nn.Parameter(m.tensor(1.)), m.tensor(1.)),
    lambda m: m.testing.assert_close(m.nn.Parameter(m.tensor(1.)), m.nn.Parameter(m.tensor(1.)),
                                     allow_subclasses=False),
    lambda m: m.testing.assert_close(1, 1.0, check_dtype=False),
    lambda m: m.testing.assert_close(1.0, 1.0 + 1e-9),
    lambda m: m.testing.assert_close(np.float32(1.0), 1.0),
    lambda m: m.testing.assert_close(np.bool_(True), True),
    lambda m: m.testing.assert_close(float("inf"), float("inf")),
    lambda m: m.testing.assert_close(float("nan"), float("nan"), equal_nan=True),
    lambda m: m.testing.assert_close(None, None),
    lambda m: m.testing.assert_close([], []),
    lambda m: m.testing.assert_close([1.0], (1.0,)),
    lambda m: m.testing.assert_close(m.Size([2]), (2,)),
    lambda m: m.testing.assert_close({"a": 1.0, "b": 2.0}, {"b": 2.0, "a": 1.0}),
    lambda m: m.testing.assert_close({"a": m.tensor([1.])}, {"a": m.tensor([1.05])}, rtol=0.1, atol=0),
])
def test_assert_close_pairs_pass(torch, call):
    e, t = both(torch, call)
    assert e is None and t is None


@pytest.mark.parametrize("call", [
    lambda m: m.testing.assert_allclose(m.tensor([1., 2.]), m.tensor([1., 2.00001])),
    lambda m: m.testing.assert_allclose(m.tensor([1., 2.]), m.tensor([1., 2.001])),
    lambda m: m.testing.assert_allclose(m.tensor([1., 2.]), [1, 2]),
    lambda m: m.testing.assert_allclose([1., 2.], [1, 2]),
    lambda m: m.testing.assert_allclose([1, 2], [1.5, 2]),  # (expected is made with actual's dtype)
    lambda m: m.testing.assert_allclose(m.tensor([1., float("nan")]), m.tensor([1., float("nan")])),
    lambda m: m.testing.assert_allclose(m.tensor([1., float("nan")]), m.tensor([1., float("nan")]), equal_nan=False),
    lambda m: m.testing.assert_allclose(m.tensor([1., 2.]), m.tensor([1., 2.1]), msg="custom"),
    lambda m: m.testing.assert_allclose(m.tensor([1., 2.]), m.tensor([1., 2.1]), rtol=0.1),
    lambda m: m.testing.assert_allclose(m.tensor([1., 2.]), m.tensor([1., 2.1], dtype=m.float64)),
    lambda m: m.testing.assert_allclose(m.tensor([1., 2.]), m.tensor([1., 2.00015], dtype=m.float64)),
    lambda m: m.testing.assert_allclose(m.tensor([1., 2.]), m.tensor([1., 2.00025], dtype=m.float64)),
    lambda m: m.testing.assert_allclose(m.tensor([1, 2]), m.tensor([1., 3.])),
    lambda m: m.testing.assert_allclose(m.tensor([1, 2]), m.tensor([1, 3])),
    lambda m: m.testing.assert_allclose(m.tensor([1., 2.], dtype=m.float16), m.tensor([1., 2.001], dtype=m.float16)),
    lambda m: m.testing.assert_allclose(m.tensor([1., 2.]), [1., 2.0000001], 0, 0),
    lambda m: m.testing.assert_allclose(m.tensor([1., 2.]), m.tensor([1., 2., 3.])),
    lambda m: m.testing.assert_allclose(1.0, 1),
])
def test_assert_allclose(torch, call):
    def run(m):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                call(m)
                out = None
            except Exception as exc:  # noqa: BLE001 - compared below
                out = exc
        return out, [(x.category, str(x.message).replace("torch", "ember"), x.filename) for x in w]
    (e, ew), (t, tw) = both(torch, run)
    assert ew == tw
    assert ew[0][0] is FutureWarning and ew[0][2] == __file__
    if t is None:
        assert e is None
    else:
        same_error(e, t)


@pytest.mark.parametrize("call", [
    "ac(m.ones(2), m.ones(2, device='meta'))", "ac(m.ones(2, device='meta'), m.ones(2))",
    "ac(m.ones(2), m.ones(3, device='meta'))", "ac(m.ones(2), m.ones(2, dtype=m.float64, device='meta'))",
    "ac(m.ones(2, device='meta'), m.zeros(2, device='meta'))",
    "ac(m.ones(2), m.zeros(2, device='meta'), check_device=False)",
    "ac(m.ones(2), m.zeros(2, dtype=m.float64, device='meta'), check_device=False)",
    "ac(m.ones(2, device='meta'), m.zeros(2, dtype=m.int64, device='meta'), check_dtype=False)",
    "ac(m.ones(2), m.ones(2, device='meta'), msg='x')", "ac([m.ones(2)], [m.ones(2, device='meta')])"])
def test_assert_close_meta_device(torch, call):
    # the device is checked after the shape; a meta tensor has no values to compare
    def run(m):
        try:
            return eval(call, {"m": m, "ac": m.testing.assert_close})
        except Exception as exc:  # noqa: BLE001 - the error itself is compared
            return type(exc).__name__, str(exc).replace("ember", "torch")
    assert run(ember) == run(torch)
