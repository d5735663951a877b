"""Creation functions, compared with torch."""

import numpy as np
import pytest

import ember
from tests._helpers import raised_messages


def _same(e, t):
    assert tuple(e.shape) == tuple(t.shape), (tuple(e.shape), tuple(t.shape))
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(e.numpy().astype(float), t.numpy().astype(float), rtol=1e-6, atol=1e-6)


DATA = [
    [1, 2, 3],
    [1.0, 2, 3],
    [[1, 2], [3, 4]],
    [True, False],
    [True, 1],
    [True, 1.5],
    3,
    2.5,
    True,
    [],
    [[1.5], [2.5]],
    (1, 2),
    np.array([1, 2], dtype=np.int32),
    np.array([1.0], dtype=np.float64),
    np.float64(2.0),
    [np.float32(1.0), 2],
    [1j, 1], [[1, 2.5], (3, True)], [[], []], [[True], [False]], [(1, 2), [3, 4.0j]],
]


@pytest.mark.parametrize("data", DATA, ids=[repr(d) for d in DATA])
def test_tensor_infers_dtype_like_torch(torch, data):
    _same(ember.tensor(data), torch.tensor(data))


def test_tensor_dtype_and_requires_grad(torch):
    _same(ember.tensor([1, 2], dtype=ember.float64), torch.tensor([1, 2], dtype=torch.float64))
    _same(ember.tensor([1.7, -2.2], dtype=ember.int32), torch.tensor([1.7, -2.2], dtype=torch.int32))
    x = ember.tensor([1.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf
    for fn in (lambda m: m.tensor([1], requires_grad=True), lambda m: m.zeros(2, dtype=m.int64, requires_grad=True),
               lambda m: m.arange(3, requires_grad=True)):
        with pytest.raises(RuntimeError) as ti:
            fn(torch)
        with pytest.raises(RuntimeError) as ei:
            fn(ember)
        assert str(ei.value) == str(ti.value)


def test_tensor_copies_and_nested_tensors(torch):
    a = np.array([1.0, 2.0], dtype=np.float32)
    t = ember.tensor(a)
    a[0] = 9
    assert t[0].item() == 1.0
    _same(ember.tensor([ember.tensor(1.0), ember.tensor(2.0)]), torch.tensor([torch.tensor(1.0), torch.tensor(2.0)]))
    for m in (ember, torch):  # (a tensor's dtype counts: bool tensors make a bool tensor, an int64 one int64)
        assert str(m.tensor([m.tensor(True), m.tensor(False)]).dtype).endswith("bool")
        assert str(m.tensor([[1, 2], [m.tensor(3), 4]]).dtype).endswith("int64")
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        ember.tensor(ember.ones(2))


def test_from_numpy_and_as_tensor_share_memory():
    a = np.zeros(3, dtype=np.float32)
    t = ember.from_numpy(a)
    a[1] = 5
    assert t[1].item() == 5.0
    t[2] = 7
    assert a[2] == 7
    assert ember.from_numpy(np.zeros(2)).dtype is ember.float64
    b = np.ones(2, dtype=np.float32)
    s = ember.as_tensor(b)
    b[0] = 3
    assert s[0].item() == 3.0
    c = ember.as_tensor(b, dtype=ember.float64)
    b[0] = 4
    assert c[0].item() == 3.0 and c.dtype is ember.float64
    x = ember.ones(2)
    assert ember.as_tensor(x) is x
    with pytest.raises(TypeError, match="expected np.ndarray"):
        ember.from_numpy([1, 2])


CREATORS = [
    ("zeros", lambda m: m.zeros(2, 3)),
    ("zeros-tuple", lambda m: m.zeros((2, 3), dtype=m.int64)),
    ("ones", lambda m: m.ones([4])),
    ("ones-0d", lambda m: m.ones(())),
    ("full-float", lambda m: m.full((2, 2), 1.5)),
    ("full-int", lambda m: m.full((2,), 3)),
    ("full-bool", lambda m: m.full((2,), True)),
    ("full-dtype", lambda m: m.full((2,), 3, dtype=m.float64)),
    ("eye", lambda m: m.eye(3)),
    ("eye-rect", lambda m: m.eye(2, 4, dtype=m.int64)),
    ("arange-int", lambda m: m.arange(5)),
    ("arange-start-end", lambda m: m.arange(2, 9, 3)),
    ("arange-float", lambda m: m.arange(0, 1, 0.25)),
    ("arange-float-end", lambda m: m.arange(1.5)),
    ("arange-neg", lambda m: m.arange(5, 0, -2)),
    ("arange-dtype", lambda m: m.arange(4, dtype=m.float32)),
    ("linspace", lambda m: m.linspace(0, 1, 5)),
    ("linspace-one", lambda m: m.linspace(-1, 1, 1)),
    ("logspace", lambda m: m.logspace(0, 2, 3)),
    ("zeros_like", lambda m: m.zeros_like(m.ones(2, 3, dtype=m.int32))),
    ("ones_like", lambda m: m.ones_like(m.ones(2), dtype=m.float64)),
    ("full_like", lambda m: m.full_like(m.ones(2, 2), 7)),
    ("empty-shape", lambda m: m.empty(2, 0).fill_(0)),
    ("empty_like", lambda m: m.empty_like(m.ones(3)).zero_()),
]


@pytest.mark.parametrize("name,fn", CREATORS, ids=[n for n, _ in CREATORS])
def test_creators_match_torch(torch, name, fn):
    _same(fn(ember), fn(torch))


def test_creation_requires_grad_and_errors(torch):
    assert ember.zeros(2, requires_grad=True).requires_grad
    assert ember.ones_like(ember.ones(2), requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="Trying to create tensor with negative dimension -1"):
        ember.ones(2, -1)  # (zeros words it its own way: test_negative_size_messages)
    with pytest.raises(RuntimeError, match="^step must be nonzero$"):
        ember.arange(0, 1, 0)
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        ember.zeros(2, device="cuda")
    assert ember.zeros(2, device="cpu").device.type == "cpu"


@pytest.mark.parametrize("args", [(), (2, 3), ([1, 2],), ((2, 3),), ([[1.5], [2.0]],)],
                         ids=["empty", "sizes", "list", "tuple-is-data", "nested"])
def test_legacy_tensor_constructor(torch, args):
    e, t = ember.Tensor(*args), torch.Tensor(*args)
    assert tuple(e.shape) == tuple(t.shape) and e.dtype is ember.float32
    if e.numel() and not (len(args) == 2):
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    assert ember.Tensor(ember.Size([2, 3])).shape == (2, 3)
    assert isinstance(ember.zeros(1), ember.Tensor)


def _linspace_cases():
    rng = np.random.default_rng(1)
    cases = [(0, 1, 7), (-3.3, 17.1, 101), (1e-3, 3.7, 33), (-1, 1, 224), (5, -2, 10), (0.1, 0.9, 1000), (2, 2, 5),
             (0, 1, 2), (1e-40, 3e-39, 50)]
    return cases + [(float(rng.standard_normal() * 10.0 ** rng.integers(-6, 6)),
                     float(rng.standard_normal() * 10.0 ** rng.integers(-6, 6)), int(rng.integers(2, 3000)))
                    for _ in range(40)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_linspace_matches_torch_to_the_last_bit(torch, dtype):
    # PyTorch steps up from start for the first half and down from end for the rest, one FMA per value
    for start, end, steps in _linspace_cases():
        if dtype == "float16" and max(abs(start), abs(end)) > 65504:
            for lib in (torch, ember):  # PyTorch refuses bounds that overflow half
                with pytest.raises(RuntimeError, match="^value cannot be converted to type c10::Half without overflow"):
                    lib.linspace(start, end, steps, dtype=lib.float16)
            continue
        t = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).float().numpy()
        e = ember.linspace(start, end, steps, dtype=getattr(ember, dtype)).float().numpy()
        np.testing.assert_array_equal(e, t, err_msg=str((start, end, steps)))


def test_linspace_negative_steps_error_matches_torch(torch):
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="^number of steps must be non-negative$"):
            lib.linspace(0, 1, -1)


def _tensor_outcome(module, data, dtype):
    """``module.tensor(data, dtype=...)``: an error's type and message, or the result's dtype, shape and values."""
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = module.tensor(data, dtype=None if dtype is None else getattr(module, dtype))
    except Exception as exc:  # noqa: BLE001 - the errors are compared
        return type(exc).__name__, str(exc)
    if t.dtype == module.bfloat16:
        t = t.float()
    return str(t.dtype).split(".")[-1], tuple(t.shape), [str(v) for v in t.reshape(-1).tolist()]


INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"]
# in range, negative (an unsigned dtype takes down to minus its maximum, wrapped), past a dtype's bounds, the
# int64/uint64 edges and beyond, bools, floats (truncated; negative ones refused by unsigned dtypes), inf, nan,
# complex numbers, NumPy scalars, and lists whose first bad element decides the error
INT_DATA = [-1, 255, 256, 200, -129, -255, -256, 2 ** 15, -2 ** 31 - 1, 2 ** 32, -(2 ** 32 - 1), 2 ** 63 - 1, 2 ** 63,
            2 ** 64 - 1, 2 ** 64, -2 ** 63, -2 ** 63 - 1, True, 1e10, -1.0, -0.5, -0.0, 255.5, 300.5, 127.9, 2.0 ** 63,
            float("inf"), float("nan"), 3 + 0j, None, [-1, 256], [200, -1], [[1, 2], [3, -1]], [[2 ** 63]],
            [True, 300], [1.5, -1], [-1, 1.5], [1.5, 2 ** 60 + 1], [256, 2 ** 63], [2 ** 63, 256], [1 + 1j, 256],
            [256, 1 + 1j], [], [[]], (300,), np.int64(-1), np.int64(300), [np.int64(-1)], np.uint64(2 ** 64 - 1),
            np.float64(-1.0), [np.float64(-1.0)], np.float32(3.0), [np.float32(300.0)], np.bool_(True), np.int8(-1),
            "3", ["3"], [1, "a"], [[1, "a"]], ["a", 1]]


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_tensor_of_out_of_range_numbers_into_integer_dtypes_like_torch(torch, dtype):
    """tensor(-1, dtype=uint8) is 255 as in PyTorch (an int is read as an int64, then range-checked: unsigned
    dtypes take negative ints down to minus their maximum), 256 is refused, floats are truncated within the range;
    uint64 takes only Python ints; errors (type and message) as PyTorch's, the first bad element's."""
    bad = [f"{d!r}: ember {_tensor_outcome(ember, d, dtype)} != torch {_tensor_outcome(torch, d, dtype)}"
           for d in INT_DATA if _tensor_outcome(ember, d, dtype) != _tensor_outcome(torch, d, dtype)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("dtype", [None, "float32", "float16", "bfloat16", "float64", "complex64"])
def test_tensor_of_huge_ints_and_complex_into_float_dtypes_like_torch(torch, dtype):
    """Ints beyond int64 are refused when they would make an int64 tensor (ValueError), read as doubles by float
    dtypes (bfloat16 too); a complex number into a real float dtype is PyTorch's TypeError."""
    for d in [2 ** 63, -2 ** 63 - 1, [1, 2 ** 63], [True, 2 ** 63], [[1], [2 ** 64]], [1.5, 2 ** 70], 10 ** 30,
              2 ** 64 - 1, [10 ** 30], 10 ** 400, 70000, 1e39, 3 + 0j, [1, 1 + 1j]]:
        assert _tensor_outcome(ember, d, dtype) == _tensor_outcome(torch, d, dtype), d


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float64"])
def test_tensor_of_non_numbers_into_float_dtypes_like_torch(torch, dtype):
    """None (which NumPy would read as NaN), a string or an object among the elements: PyTorch's TypeError; a
    string where the shape is read: its ValueError; a NaN itself is kept."""
    for d in [[1.0, None], None, [None], [[1.0], [None]], [1.0, "a"], ["a", 1.0], [[1.0, "a"]], [1.0, object()],
              [float("nan"), None], [1.0, float("nan")]]:
        assert _tensor_outcome(ember, d, dtype) == _tensor_outcome(torch, d, dtype), d


@pytest.mark.parametrize("value", [None, "a", [1.0], (2,)], ids=["None", "str", "list", "tuple"])
@pytest.mark.parametrize("call", [
    lambda m, v: m.full((2,), v),
    lambda m, v: m.full_like(m.zeros(2), v),
    lambda m, v: m.zeros(2).new_full((3,), v),
    lambda m, v: m.zeros(2).fill_(v),
], ids=["full", "full_like", "new_full", "fill_"])
def test_non_number_fill_values_raise_torchs_type_error(torch, call, value):
    with pytest.raises(TypeError) as ref:
        call(torch, value)
    with pytest.raises(TypeError) as got:
        call(ember, value)
    assert str(got.value) == str(ref.value)


RAGGED_DATA = [
    [[1, 2, 3], [4, 5]], [[1, 2], [4, 5, 6]], [[[1, 2], [3, 4]], [[1, 2], [3]]], [[1.0, 2.0, 3.0], [4.0, 5.0]],
    ((1, 2, 3), (4, 5)), [[1, 2], []], [[1], [2], [3, 4]], [[[1, 2, 3]], [[4, 5]]], [[1, 2], 3], [[[1]], [2]],
    [1, [2, 3]], [1, (2, 3)], [1.0, [2, 3]], [True, [2, 3]], [[1, 2], [3, [4]]], [[1.0, 2], [[3], 4]],
    [[], [1]], [[], [True]], [[], [1j]], [[], [[1]]], [[1, 2], [None]], [np.array([1, 2]), np.array([1])],
]
STRING_DATA = ["a", "", b"a", [1, "a"], ["a"], [""], [[1, 2], [3, "b"]], [[1, 2], ["a"]], [["a", "b"], [1]],
               [[1, 2], "ab"], [[], ["a"]], ["a", None], [None, "a"], ["1.5"], [True, "a"], ["1+2j"], [1.0, "2"]]


@pytest.mark.parametrize("dtype", [None, "float32", "int64", "bool", "complex64"])
def test_tensor_of_ragged_data_errors_like_torch(torch, dtype):
    """Ragged nested lists: PyTorch's ``expected sequence of length 3 at dim 1 (got 2)`` (ValueError) where a
    sequence has another length than the first one at its level, ``not a sequence`` (TypeError) for a number
    there, the element's conversion error for a sequence among numbers; an empty first sequence ends the shape."""
    bad = [f"{d!r}: ember {_tensor_outcome(ember, d, dtype)} != torch {_tensor_outcome(torch, d, dtype)}"
           for d in RAGGED_DATA if _tensor_outcome(ember, d, dtype) != _tensor_outcome(torch, d, dtype)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("dtype", [None, "float32", "bool", "complex64", "complex128"])
def test_tensor_of_strings_errors_like_torch(torch, dtype):
    """A string where the shape is read: ``too many dimensions 'str'`` (ValueError); one as the data or among the
    elements: ``new(): invalid data type 'str'`` when the dtype is inferred, else the element's TypeError (NumPy
    would parse it as a number for float, bool and complex dtypes). (Bytes among the elements: refused when the
    dtype is inferred; PyTorch reads them as sequences of ints for a given dtype, which ember does not.)"""
    data = STRING_DATA + ([[b"a"], [1, b"a"]] if dtype is None else [])
    bad = [f"{d!r}: ember {_tensor_outcome(ember, d, dtype)} != torch {_tensor_outcome(torch, d, dtype)}"
           for d in data if _tensor_outcome(ember, d, dtype) != _tensor_outcome(torch, d, dtype)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("args", [
    (0, 10, 4, "int64"), (-5, 5, 7, "uint8"), (-255, 5, 3, "uint8"), (-300, 5, 3, "uint8"), (0, 255, 10, "int8"),
    (-3.7, 3.7, 5, "uint8"), (-5.9, 5, 3, "int8"), (0, 2 ** 40, 3, "int32"), (0, 2 ** 40, 3, "int64"),
    (-1e30, 0, 3, "int64"), (0, 2 ** 70, 3, "int16"), (0, 10, 0, "int8"), (7, 300, 1, "int8"), (True, 5, 3, "int8"),
    (10, 0, 5, "int16"), (0.5, 9.7, 4, "int32"),
], ids=str)
def test_integer_linspace_reads_its_bounds_as_torch(torch, args):
    """The bounds go into the integer dtype first, as PyTorch converts numbers (an int wraps, down to minus an
    unsigned dtype's maximum: -5 is 251 in uint8; otherwise its overflow error), then step in double."""
    start, end, steps, dtype = args
    got, want = (_space_outcome(m, start, end, steps, dtype) for m in (ember, torch))
    assert got == want


def _space_outcome(module, start, end, steps, dtype):
    try:
        t = module.linspace(start, end, steps, dtype=getattr(module, dtype))
    except Exception as exc:  # noqa: BLE001 - the errors are compared
        return type(exc).__name__, str(exc)
    return str(t.dtype).split(".")[-1], t.tolist()


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_keyword(torch, name):
    """``size=`` works as a keyword, as in PyTorch (``rand(size=(2, 3))`` used to give a 0-d tensor)."""
    for size in [(2, 3), [4], ()]:
        ember.manual_seed(0)
        torch.manual_seed(0)
        ours, theirs = getattr(ember, name)(size=size), getattr(torch, name)(size=size)
        assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype)[6:] == str(theirs.dtype)[6:]
        if name != "empty":
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_randint_high_with_size_keyword(torch):
    for lib in (ember, torch):
        lib.manual_seed(0)
    for args, kwargs in [((5,), {"size": (4,)}), ((2, 9), {"size": (3,)}), ((), {"high": 7, "size": (2,)})]:
        np.testing.assert_array_equal(ember.randint(*args, **kwargs).numpy(), torch.randint(*args, **kwargs).numpy())


NEGATIVE_SIZES = {
    # zeros checks its sizes in its own words; the other factories (and new_zeros) in the generic ones
    "zeros": lambda m: m.zeros(-1), "zeros-2d": lambda m: m.zeros(2, -3), "zeros-size": lambda m: m.zeros(size=(0, -1)),
    "ones": lambda m: m.ones(-1), "empty": lambda m: m.empty(2, -1), "full": lambda m: m.full((-1,), 1.0),
    "rand": lambda m: m.rand(-1, 2), "randn": lambda m: m.randn(-1), "new_zeros": lambda m: m.ones(2).new_zeros(-1),
    "new_ones": lambda m: m.ones(2).new_ones((-1,)), "new": lambda m: m.ones(2).new(-1),
    "randperm": lambda m: m.randperm(-2, dtype=m.int32), "eye": lambda m: m.eye(-1), "eye-m": lambda m: m.eye(2, -1),
    "tril_indices": lambda m: m.tril_indices(-1, 2), "triu_indices-col": lambda m: m.triu_indices(2, -3),
}


@pytest.mark.parametrize("name", list(NEGATIVE_SIZES))
def test_negative_size_messages(torch, name):
    msgs = raised_messages(RuntimeError, NEGATIVE_SIZES[name], torch, ember)
    assert msgs[1] == msgs[0]


@pytest.mark.parametrize("args", [(np.bool_(True),), (np.bool_(False),), (0, np.bool_(True)), (np.bool_(True), 3),
                                  (0, 3, np.bool_(True)), (True, 3)])
def test_arange_numpy_bool(torch, args):
    """PyTorch's parser reads a NumPy bool as a number (a float: float32 results), a Python bool as an int."""
    _same(ember.arange(*args), torch.arange(*args))


@pytest.mark.parametrize("name,fn,exc", [
    ("randint-int-size", lambda m: m.randint(0, 3, 2), TypeError),
    ("randint-high-int-size", lambda m: m.randint(3, 5), TypeError),
    ("randint-kw-int-size", lambda m: m.randint(3, size=2), TypeError),
    ("ones-tensor", lambda m: m.ones(m.tensor([2, 3])), TypeError),
    ("zeros-tensor", lambda m: m.zeros(m.tensor([2, 3])), TypeError),
    ("cat-0d", lambda m: m.cat([m.tensor(1.0), m.tensor(2.0)]), RuntimeError),
    ("cat-0d-second", lambda m: m.cat([m.ones(1), m.tensor(2.0)]), RuntimeError),
    ("argmax-empty", lambda m: m.tensor([]).argmax(), IndexError),
    ("argmin-empty", lambda m: m.tensor([]).argmin(), IndexError),
    ("masked_select", lambda m: m.masked_select(m.ones(3), m.ones(2, dtype=m.bool)), RuntimeError),
    ("masked_select-2d", lambda m: m.ones(3).masked_select(m.ones(2, 2, dtype=m.bool)), RuntimeError),
])
def test_beginner_mistake_errors(torch, name, fn, exc):
    with pytest.raises(exc) as want:
        fn(torch)
    with pytest.raises(exc) as got:
        fn(ember)
    if "combination" not in str(want.value):
        assert str(got.value) == str(want.value)
    assert tuple(ember.ones(ember.tensor([2]), 3).shape) == (2, 3)


def _raises_as_torch(torch, call, exc_type):
    """``m.<call>`` raises ``exc_type`` with the same message in ember as in torch."""
    msgs = raised_messages(exc_type, lambda m: eval("m." + call, {"m": m}), torch, ember)
    assert msgs[1] == msgs[0]


@pytest.mark.parametrize("call", ["zeros()", "ones()", "empty()", "empty(dtype=m.float64)", "rand()", "randn()",
                                  "rand(dtype=m.float64)", "randn(requires_grad=True)"])
def test_factories_require_a_size(torch, call):
    _raises_as_torch(torch, call, TypeError)
    name = call.split("(")[0]
    assert getattr(ember, name)(()).shape == ()  # (the 0-d tensor is asked for with an empty size)


@pytest.mark.parametrize("call", ["zeros(2, pin_memory=True)", "ones(2, pin_memory=True)", "empty(2, pin_memory=True)",
                                  "rand(2, pin_memory=True)", "randn(2, pin_memory=True)",
                                  "full((2,), 1.0, pin_memory=True)", "tensor([1.0], pin_memory=True)",
                                  "arange(4, pin_memory=True)", "eye(2, pin_memory=True)",
                                  "linspace(0.0, 1.0, 3, pin_memory=True)", "logspace(0.0, 1.0, 3, pin_memory=True)",
                                  "randint(0, 5, (2,), pin_memory=True)", "randperm(4, pin_memory=True)"])
def test_pin_memory_needs_an_accelerator(torch, call):
    _raises_as_torch(torch, call, RuntimeError)
    assert ember.zeros(2, pin_memory=False).shape == (2,)


@pytest.mark.parametrize("call", ["arange(4.0, bogus=1)", "arange(0.0, 4.0, 0.5, bogus=1)", "eye(2, bogus=1)",
                                  "eye(2, 3, pin_memory=False, bogus=1)", "linspace(0.0, 1.0, 3, bogus=1)",
                                  "logspace(0.0, 1.0, 3, 2.0, bogus=1)", "randint(1, 5, (2,), bogus=1)",
                                  "randint(5, (2,), bogus=1)", "randperm(4, bogus=1)"])
def test_factory_unknown_keyword_is_torchs_type_error(torch, call):
    _raises_as_torch(torch, call, TypeError)


@pytest.mark.parametrize("call", ["arange(4, out=m.empty(0))", "arange(1, 7, 2, out=m.empty(0, dtype=m.int32))",
                                  "eye(2, 3, out=m.empty(0, dtype=m.int32))",
                                  "linspace(0.0, 1.0, 5, out=m.empty(0, dtype=m.float64))",
                                  "logspace(0.0, 1.0, 3, out=m.empty(0, dtype=m.float64))",
                                  "arange(3, layout=m.strided, pin_memory=False)",
                                  "eye(2, pin_memory=True, device='meta')",
                                  "randperm(3, pin_memory=True, device='meta')"])
def test_factory_out_layout_and_meta_pinning_as_torch(torch, call):
    e, t = (eval("m." + call, {"m": m}) for m in (ember, torch))
    assert (e.device.type, tuple(e.shape), str(e.dtype).split(".")[-1]) == \
        (t.device.type, tuple(t.shape), str(t.dtype).split(".")[-1])
    if t.device.type == "cpu":
        np.testing.assert_array_equal(e.numpy(), t.numpy())


def _bits(x):
    """A float tensor's values as float64 with -0.0 told from 0.0 (bfloat16 has no NumPy view)."""
    a = x.float().numpy().astype(np.float64) if "bfloat16" in str(x.dtype) else x.numpy().astype(np.float64)
    return a, np.signbit(a)


ARANGE_CASES = [(-8.0, 8.0, 0.1), (0.0, 1.0, 1e-2), (-3.25, 4.0, 1 / 3), (2, 7.3, 0.3), (5.0, -2.0, -0.07),
                (-0.0, -3.0, -0.1), (1.1, 1.1 + 0.013 * 37, 0.013), (-1234.5, 987.0, 7.3), (3, 1000, 7.0)]


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
@pytest.mark.parametrize("args", ARANGE_CASES)
def test_float_arange_bit_exact(torch, dtype, args):
    """Float arange to the last bit (d2l's ReLU-derivative plot: arange(-8, 8, 0.1)[80] is 4.4e-16, not 0):
    PyTorch fills groups of values from a fused multiply-add base, and a tail one by one."""
    e, t = ember.arange(*args, dtype=getattr(ember, dtype)), torch.arange(*args, dtype=getattr(torch, dtype))
    assert str(e.dtype) == str(t.dtype).replace("torch", "ember")
    for a, b in zip(_bits(e), _bits(t)):
        np.testing.assert_array_equal(a, b)


def test_float_arange_long_range_bit_exact(torch):
    """A range beyond one thread's grain: PyTorch splits it among its threads, each with its own tail."""
    before = (torch.get_num_threads(), ember.get_num_threads())
    try:
        for n in (1, 3):
            torch.set_num_threads(n)
            ember.set_num_threads(n)
            for dt in ("float64", "float32", "float16"):
                args = (-5.1, 30.0, 1e-3 if dt == "float16" else 1 / 3000)
                e, t = ember.arange(*args, dtype=getattr(ember, dt)), torch.arange(*args, dtype=getattr(torch, dt))
                np.testing.assert_array_equal(e.numpy(), t.numpy())
    finally:
        torch.set_num_threads(before[0])
        ember.set_num_threads(before[1])


@pytest.mark.parametrize("args", [(0.5, 10.7, 2.5), (-3, 9.9, 1.5), (10.2, -4, -2.7)])
def test_arange_int64_with_float_step(torch, args):
    e, t = ember.arange(*args, dtype=ember.int64), torch.arange(*args, dtype=torch.int64)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    np.testing.assert_array_equal(ember.arange(*args).numpy(), torch.arange(*args).numpy())


@pytest.mark.parametrize("args", [(0, 1, 4), (-3.6, 3.5, 50), (2.5, -7.25, 33, 2.0), (-31.6, -25.1, 24, 1e10),
                                  (0, 3, 17, 3), (1.0, 5.0, 9, 0.5)])
def test_float64_logspace_bit_exact(torch, args):
    """float64 logspace as PyTorch: its linspace's exponents, the C library's pow (logspace(0, 1, 4)[2])."""
    e, t = ember.logspace(*args, dtype=ember.float64), torch.logspace(*args, dtype=torch.float64)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
