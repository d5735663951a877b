"""Fold / Unfold (col2im / im2col) against PyTorch."""

import numpy as np
import pytest

import ember
import ember.nn as nn
from tests._helpers import sweep_outcome


def _compare(torch, tm, em, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    tx = torch.from_numpy(x.copy()).requires_grad_()
    ex = ember.from_numpy(x.copy()).requires_grad_()
    to, eo = tm(tx), em(ex)
    assert tuple(eo.shape) == tuple(to.shape)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(1).standard_normal(tuple(to.shape)).astype("float32")
    (to * torch.from_numpy(g)).sum().backward()
    (eo * ember.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert repr(em) == repr(tm)
    return eo


@pytest.mark.parametrize("kw,shape", [
    (dict(kernel_size=2), (2, 3, 4, 5)),
    (dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), (2, 2, 5, 6)),
    (dict(kernel_size=3, stride=3), (1, 2, 6, 6)),
    (dict(kernel_size=2), (3, 4, 4)),  # unbatched
])
def test_unfold_matches_torch(torch, kw, shape):
    eo = _compare(torch, torch.nn.Unfold(**kw), nn.Unfold(**kw), shape)
    if len(shape) == 4:
        assert eo.grad_fn.name() == "Im2ColBackward0"


@pytest.mark.parametrize("kw,shape", [
    (dict(output_size=(4, 5), kernel_size=2), (2, 12, 12)),
    (dict(output_size=5, kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=2), (1, 12, 9)),
    (dict(output_size=(3, 3), kernel_size=2), (8, 4)),  # unbatched
])
def test_fold_matches_torch(torch, kw, shape):
    eo = _compare(torch, torch.nn.Fold(**kw), nn.Fold(**kw), shape)
    if len(shape) == 3:
        assert eo.grad_fn.name() == "Col2ImBackward0"


def test_fold_of_unfold_counts_overlaps():
    x = ember.ones(1, 1, 3, 3)
    F = ember.nn.functional
    y = F.fold(F.unfold(x, 2), (3, 3), 2)
    np.testing.assert_array_equal(y.numpy()[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def _raises(torch, exc, fn):
    with pytest.raises(exc) as te:
        fn(torch)
    with pytest.raises(exc) as ee:
        fn(ember)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("fn", [
    lambda m: m.nn.functional.unfold(m.zeros(1, 2, 3, 3), 4),
    lambda m: m.nn.functional.fold(m.zeros(1, 8, 3), (4, 4), 2),
    lambda m: m.nn.functional.fold(m.zeros(1, 7, 9), (4, 4), 2),
])
def test_errors_match_torch(torch, fn):
    _raises(torch, RuntimeError, fn)




@pytest.mark.parametrize("shape", [(3, 4), (4,), (1, 1, 1, 4, 4), (3, 4, 4)])
def test_unfold_wrong_rank(torch, shape):
    def run(lib):
        return sweep_outcome(lambda: lib.nn.functional.unfold(lib.zeros(shape), 2))
    assert run(ember) == run(torch)


def test_empty_batch(torch):
    """unfold / fold of an empty batch keep the block count (forward and backward)."""
    for lib in (torch, ember):
        x = lib.zeros(0, 2, 4, 4, requires_grad=True)
        y = lib.nn.functional.unfold(x, 2)
        assert tuple(y.shape) == (0, 8, 9)
        y.sum().backward()
        assert tuple(x.grad.shape) == (0, 2, 4, 4)
        z = lib.zeros(0, 8, 9, requires_grad=True)
        f = lib.nn.functional.fold(z, (4, 4), 2)
        assert tuple(f.shape) == (0, 2, 4, 4)
        f.sum().backward()
        assert tuple(z.grad.shape) == (0, 8, 9)


def test_complex_grads(torch):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((2, 3, 4, 4)) + 1j * rng.standard_normal((2, 3, 4, 4))).astype(np.complex64)
    res = []
    for lib in (torch, ember):
        t = lib.tensor(x, requires_grad=True)
        u = lib.nn.functional.unfold(t, 2, padding=1)
        f = lib.nn.functional.fold(u * (1 + 2j), (4, 4), 2, padding=1)
        (f * (0.5 - 1j)).abs().sum().backward()
        res.append((u.detach().numpy(), t.grad.numpy()))
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-5)


_FOLD_ARG_CASES = [
    ("unfold", (1, 2, 4, 4), "float32", (2,), {"stride": 0}),
    ("unfold", (1, 2, 4, 4), "float32", (2,), {"stride": (1, 0)}),
    ("unfold", (1, 2, 4, 4), "float32", (2,), {"dilation": 0}),
    ("unfold", (1, 2, 4, 4), "float32", (2,), {"padding": -1}),
    ("unfold", (1, 2, 4, 4), "float32", (0,), {}),
    ("unfold", (1, 2, 4, 4), "float32", ((2, 2, 2),), {}),
    ("unfold", (1, 2, 4, 4), "float32", ((2,),), {}),
    ("unfold", (1, 2, 4, 4), "float32", (2,), {"stride": (1, 1, 1), "padding": (1, 1, 1)}),
    ("unfold", (1, 2, 4, 4), "float32", (2.0,), {}),
    ("unfold", (1, 2, 4, 4), "float32", (0,), {"stride": 0, "dilation": 0, "padding": -1}),
    ("unfold", (1, 2, 4, 4), "int64", (2,), {}),
    ("unfold", (1, 2, 4, 4), "uint8", (2,), {}),
    ("unfold", (1, 2, 4, 4), "int64", (5,), {}),
    ("unfold", (1, 2, 4, 4), "bool", (2,), {}),
    ("unfold", (1, 0, 4, 4), "float32", (2,), {}),
    ("unfold", (0, 4, 4), "float32", (2,), {}),
    ("unfold", (4, 4), "float32", (2,), {"stride": 0}),
    ("fold", (1, 8, 9), "float32", ((4, 4), 2), {"stride": 0}),
    ("fold", (1, 8, 9), "float32", ((4, 4), 2), {"dilation": 0}),
    ("fold", (1, 8, 9), "float32", ((4, 4), 2), {"padding": -1}),
    ("fold", (1, 8, 9), "float32", ((4, 4), (2, 2, 2)), {}),
    ("fold", (1, 8, 9), "float32", ((4, 4, 4), 2), {"stride": 0}),
    ("fold", (1, 8, 9), "float32", ((4.0, 4), 2), {}),
    ("fold", (1, 8, 9, 1), "float32", ((4, 4), 2), {}),
    ("fold", (8,), "float32", ((4, 4), 2), {}),
    ("fold", (1, 0, 9), "float32", ((4, 4), 2), {}),
    ("fold", (1, 8, 9), "int64", ((4, 4), 2), {}),
    ("fold", (1, 7, 9), "int64", ((4, 4), 2), {}),
    ("fold", (1, 8, 9), "bool", ((4, 4), 2), {}),
]


@pytest.mark.parametrize("fn, shape, dtype, args, kw", _FOLD_ARG_CASES)
def test_fold_unfold_argument_checks_match_torch(torch, fn, shape, dtype, args, kw):
    def run(T):
        x = T.ones(shape, dtype=getattr(T, dtype))
        return getattr(T.nn.functional, fn)(x, *args, **kw)

    assert sweep_outcome(lambda: run(ember)) == sweep_outcome(lambda: run(torch))
