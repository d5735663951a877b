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
