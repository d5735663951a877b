"""Padding layers and F.pad against PyTorch."""

import numpy as np
import pytest

import ember
import ember.nn as nn
from tests._helpers import sweep_outcome


def _compare(torch, tfn, efn, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    tx = torch.from_numpy(x.copy()).requires_grad_()
    ex = ember.from_numpy(x.copy()).requires_grad_()
    to, eo = tfn(tx), efn(ex)
    assert tuple(eo.shape) == tuple(to.shape)
    assert eo.dtype == ember.float32
    np.testing.assert_array_equal(eo.detach().numpy(), to.detach().numpy())
    g = np.random.default_rng(1).standard_normal(tuple(to.shape)).astype("float32")
    (to * torch.from_numpy(g)).sum().backward()
    (eo * ember.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    return eo


MODULES = [
    ("ZeroPad2d", (2,), (1, 2, 3, 3)),
    ("ZeroPad2d", ((1, 0, 2, 3),), (2, 3, 4)),
    ("ZeroPad1d", ((1, 2),), (2, 3, 4)),
    ("ConstantPad1d", (2, 3.5), (1, 2, 4)),
    ("ConstantPad2d", ((1, 2, 3, 0), -1.0), (1, 2, 3, 3)),
    ("ConstantPad3d", (1, 0.5), (1, 1, 2, 2, 2)),
    ("ReflectionPad1d", (2,), (1, 2, 4)),
    ("ReflectionPad1d", ((3, 1),), (2, 5)),
    ("ReflectionPad2d", (2,), (1, 2, 4, 3)),
    ("ReflectionPad2d", ((1, 2, 0, 3),), (2, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 1, 2, 3, 2)),
    ("ReplicationPad1d", ((3, 1),), (1, 2, 3)),
    ("ReplicationPad2d", ((1, 2, 3, 4),), (1, 2, 3, 3)),
    ("ReplicationPad3d", (2,), (1, 1, 2, 2, 3)),
    ("CircularPad1d", ((2, 3),), (1, 2, 4)),
    ("CircularPad2d", ((1, 2, 2, 1),), (1, 2, 3, 4)),
]


@pytest.mark.parametrize("name,args,shape", MODULES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MODULES)])
def test_pad_modules_match_torch(torch, name, args, shape):
    tm, em = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
    _compare(torch, tm, em, shape)
    assert repr(em) == repr(tm)


def test_functional_pad_negative_crops(torch):
    f = lambda m: lambda x: m.nn.functional.pad(x, (-1, 2, 1, -2), value=2.0)  # noqa: E731
    _compare(torch, f(torch), f(ember), (2, 4, 5))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(-1, 2), (2, -1), (-2, 3), (1, -2), (-1, -1), (-1, 2, 1, -1), (2, -1, -1, 0)])
def test_functional_pad_negative_non_constant(torch, mode, pad):
    """Negative pads crop before padding (circular wraps within the cropped window); backward scatters back."""
    f = lambda m: lambda x: m.nn.functional.pad(x, pad, mode=mode)  # noqa: E731
    _compare(torch, f(torch), f(ember), (1, 2, 4, 5) if len(pad) == 4 else (2, 2, 5))


def test_pad_grad_fn_names():
    x = ember.randn(1, 2, 4, 4, requires_grad=True)
    F = ember.nn.functional
    assert F.pad(x, (1, 1)).grad_fn.name() == "ConstantPadNdBackward0"
    assert F.pad(x, (1, 1, 1, 1), mode="reflect").grad_fn.name() == "ReflectionPad2DBackward0"
    assert F.pad(x[0], (1, 1), mode="replicate").grad_fn.name() == "ReplicationPad1DBackward0"


def test_reprs():
    assert repr(nn.ZeroPad2d(2)) == "ZeroPad2d((2, 2, 2, 2))"
    assert repr(nn.ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)"
    assert repr(nn.ReplicationPad2d((1, 2, 3, 4))) == "ReplicationPad2d((1, 2, 3, 4))"


def _raises(torch, exc, fn):
    with pytest.raises(exc) as te:
        fn(torch)
    with pytest.raises(exc) as ee:
        fn(ember)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("fn,exc", [
    (lambda m: m.nn.functional.pad(m.zeros(1, 2, 3), (4, 4), mode="reflect"), RuntimeError),
    (lambda m: m.nn.functional.pad(m.zeros(1, 2, 3), (1,)), RuntimeError),
    (lambda m: m.nn.functional.pad(m.zeros(1, 2, 3), (1, 1, 1, 1, 1, 1, 1, 1)), RuntimeError),
    (lambda m: m.nn.functional.pad(m.zeros(1, 2, 3), (1, 1), mode="foo"), NotImplementedError),
    (lambda m: m.nn.functional.pad(m.zeros(1, 1, 4, 4), (1, 1), mode="reflect"), NotImplementedError),
    (lambda m: m.nn.functional.pad(m.zeros(1, 2, 3), (1, 1), mode="replicate", value=3), RuntimeError),
])
def test_errors_match_torch(torch, fn, exc):
    _raises(torch, exc, fn)




@pytest.mark.parametrize("shape, pad", [
    ((1, 3, 4, 4), (5, 5, 5, 5)), ((1, 3, 4, 4), (1, 1, 5, 5)), ((3, 4, 4), (1, 1, 5, 1)), ((1, 3, 4), (5, 5)),
    ((1, 2, 3, 4, 4), (1, 1, 1, 1, 5, 5)), ((1, 2, 3, 4, 4), (5, 5, 5, 5, 5, 5)), ((2, 3, 4, 4), (1, 1, 1, 1, 3, 3)),
])
def test_reflect_pad_too_big_reports_last_dim_first(torch, shape, pad):
    def run(lib):
        return sweep_outcome(lambda: lib.nn.functional.pad(lib.zeros(shape), pad, mode="reflect"))
    assert run(ember) == run(torch)


@pytest.mark.parametrize("shape, pad", [((3, 4), (-2, -3)), ((3, 4), (-6, 7)), ((3, 4), (0, -5)), ((3, 4), (2, -6)),
                                        ((2, 3, 4), (0, 0, -4, 1)), ((3, 4), (-2, -2)), ((3, 4), (-4, 4))])
def test_constant_pad_cropping_below_zero(torch, shape, pad):
    outcomes = []
    for lib in (ember, torch):
        try:
            outcomes.append(tuple(lib.nn.functional.pad(lib.ones(*shape), pad).shape))
        except RuntimeError as exc:
            outcomes.append(str(exc))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("shape, pad, mode", [
    ((1, 3, 4), (-2, -3), "reflect"), ((1, 3, 4), (-2, -2), "replicate"), ((1, 3, 4), (-2, -3), "circular"),
    ((1, 3, 4), (-2, -2), "circular"), ((1, 3, 4), (-3, 1), "reflect"), ((1, 2, 3, 4), (0, 0, -2, -2), "replicate"),
    ((1, 2, 3, 4), (-2, -2, 0, 0), "reflect"), ((1, 1, 2, 3, 4), (-2, -3, 0, 0, 0, 0), "replicate"),
    ((1, 2, 3, 4), (-2, -3, 0, 0), "circular")])
def test_non_constant_pad_output_size_checks(torch, shape, pad, mode):
    outcomes = []
    for lib in (ember, torch):
        try:
            outcomes.append(tuple(lib.nn.functional.pad(lib.ones(*shape), pad, mode=mode).shape))
        except RuntimeError as exc:
            outcomes.append(str(exc))
    assert outcomes[0] == outcomes[1]


_PAD_ARG_CASES = [
    ((1, 2, 4), "float32", (1.5, 1), "constant", None),
    ((1, 2, 4), "float32", (1, 1.0), "constant", None),
    ((1, 2, 4), "float32", (True, 1), "constant", None),
    ((1, 2, 4), "float32", None, "constant", None),
    ((1, 2, 4), "float32", 1, "constant", None),
    ((1, 2, 4), "float32", [1, 2], "constant", None),
    ((1, 0, 4), "float32", (1, 1), "reflect", None),
    ((1, 2, 0), "float32", (1, 1), "reflect", None),
    ((0, 2, 4), "float32", (1, 1), "reflect", None),
    ((1, 2, 0, 4), "float32", (1, 1, 1, 1), "reflect", None),
    ((1, 0, 4), "float32", (1, 1), "replicate", None),
    ((2, 0), "float32", (1, 1), "replicate", None),
    ((1, 2, 0, 3, 3), "float32", (1, 1, 1, 1, 1, 1), "replicate", None),
    ((1, 0, 4), "float32", (1, 1), "circular", None),
    ((2, 2), "float16", (1, 1), "constant", 70000),
    ((2, 2), "float16", (1, 1), "constant", 65504),
    ((2, 2), "float16", (1, 1), "constant", float("inf")),
    ((2, 2), "bfloat16", (1, 1), "constant", 1e300),
    ((2, 2), "float32", (1, 1), "constant", 1e39),
    ((2, 2), "uint8", (1, 1), "constant", -1),
    ((2, 2), "uint8", (1, 1), "constant", 255),
    ((2, 2), "uint8", (1, 1), "constant", 300.0),
    ((2, 2), "int8", (1, 1), "constant", 200),
    ((2, 2), "int32", (1, 1), "constant", 2 ** 31),
    ((2, 2), "int32", (1, 1), "constant", float("nan")),
    ((2, 2), "float32", (1, 1), "constant", 1 + 1j),
]


@pytest.mark.parametrize("shape, dtype, pads, mode, value", _PAD_ARG_CASES)
def test_pad_argument_checks_match_torch(torch, shape, dtype, pads, mode, value):
    def run(T):
        return T.nn.functional.pad(T.zeros(shape, dtype=getattr(T, dtype)), pads, mode=mode, value=value)

    assert sweep_outcome(lambda: run(ember)) == sweep_outcome(lambda: run(torch))


def test_pad_tensor_pads_rejected_as_torch(torch):
    e = sweep_outcome(lambda: ember.nn.functional.pad(ember.zeros(1, 2, 4), ember.tensor([1, 1])))
    assert e == sweep_outcome(lambda: torch.nn.functional.pad(torch.zeros(1, 2, 4), torch.tensor([1, 1])))
    # a 0-d integer tensor entry is read as an int
    assert ember.nn.functional.pad(ember.zeros(1, 2, 4), (ember.tensor(1), 1)).shape == (1, 2, 6)


@pytest.mark.parametrize("name, nd_in", [("CircularPad1d", 1), ("CircularPad1d", 4), ("CircularPad2d", 5),
                                         ("CircularPad2d", 2), ("CircularPad3d", 3), ("CircularPad3d", 5)])
def test_circular_pad_layer_dims_match_torch(torch, name, nd_in):
    shape = (1, 1, 2, 3, 3)[5 - nd_in:]
    e = sweep_outcome(lambda: getattr(nn, name)(1)(ember.zeros(shape)))
    assert e == sweep_outcome(lambda: getattr(torch.nn, name)(1)(torch.zeros(shape)))
