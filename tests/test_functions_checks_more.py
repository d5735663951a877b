"""Argument checks of shape and indexing functions (narrow, movedim, scatter, searchsorted, ...): PyTorch's error
types and messages, and the deprecated uint8 condition of ``where``."""

import warnings

import numpy as np
import pytest

import ember
from tests._helpers import error_of


CASES = [
    ("narrow-negative-length", lambda m: m.zeros(2, 3).narrow(0, 1, -1)),
    ("narrow-start-past-end", lambda m: m.zeros(2, 3).narrow(0, 3, 0)),
    ("narrow-start-before", lambda m: m.zeros(2, 3).narrow(0, -5, 1)),
    ("cartesian-2d", lambda m: m.cartesian_prod(m.zeros(2, 2))),
    ("cartesian-0d", lambda m: m.cartesian_prod(m.tensor(1.0), m.zeros(2))),
    ("movedim-source", lambda m: m.zeros(2, 3).movedim((0, 0), (0, 1))),
    ("movedim-destination", lambda m: m.zeros(2, 3).movedim((0, 1), (1, 1))),
    ("movedim-wrapped", lambda m: m.zeros(2, 3).movedim((0, -2), (0, 1))),
    ("tensor-split-0", lambda m: m.zeros(2).tensor_split(0)),
    ("tensor-split-negative", lambda m: m.zeros(2).tensor_split(-1)),
    ("unbind-0d", lambda m: m.tensor(1.0).unbind()),
    ("diff-prepend", lambda m: m.diff(m.zeros(2, 3), prepend=m.zeros(3))),
    ("diff-append", lambda m: m.diff(m.zeros(2, 3), append=m.zeros(3))),
    ("scatter-value-rank", lambda m: m.zeros(2, 3).scatter(0, m.tensor([0, 1]), 1.0)),
    ("scatter-src-rank", lambda m: m.zeros(2, 3).scatter(0, m.tensor([0, 1]), m.ones(2, 3))),
    ("scatter-add-rank", lambda m: m.zeros(2, 3).scatter_add(0, m.tensor([0, 1]), m.ones(2, 3))),
    ("scatter-1d-2d-index", lambda m: m.zeros(3).scatter(0, m.tensor([[0]]), 1.0)),
    ("searchsorted-sorter-range", lambda m: m.searchsorted(m.tensor([1.0, 2, 3]), m.tensor([2.0]),
                                                           sorter=m.tensor([0, 1, 5]))),
    ("searchsorted-sorter-negative", lambda m: m.searchsorted(m.tensor([1.0, 2, 3]), m.tensor([2.0]),
                                                              sorter=m.tensor([0, 1, -1]))),
    ("searchsorted-sorter-size", lambda m: m.searchsorted(m.tensor([1.0, 2, 3]), m.tensor([2.0]),
                                                          sorter=m.tensor([0, 1]))),
    ("searchsorted-sorter-dtype", lambda m: m.searchsorted(m.tensor([1.0, 2, 3]), m.tensor([2.0]),
                                                           sorter=m.tensor([0.0, 1, 2]))),
    ("searchsorted-side", lambda m: m.searchsorted(m.tensor([1.0, 2, 3]), m.tensor([2.0]), side="middle")),
    ("repeat-negative", lambda m: m.zeros(2).repeat(-1)),
    ("repeat-negative-2d", lambda m: m.zeros(2, 3).repeat(1, -1, -2)),
    ("gather-larger", lambda m: m.zeros(2, 2).gather(1, m.zeros(3, 1, dtype=m.long))),
    ("take-along-dim-broadcast", lambda m: m.take_along_dim(m.zeros(2, 3), m.zeros(3, 3, dtype=m.long), 1)),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_errors_as_torch(torch, name, fn):
    want = error_of(lambda: fn(torch))
    assert want is not None
    assert error_of(lambda: fn(ember)) == want


def test_searchsorted_sorter_still_works(torch):
    outs = [m.searchsorted(m.tensor([3.0, 1, 2]), m.tensor([2.5, 0.0]), sorter=m.tensor([1, 2, 0])).tolist()
            for m in (torch, ember)]
    assert outs[1] == outs[0]


def test_where_uint8_condition(torch, monkeypatch):
    from ember import _functions
    monkeypatch.setattr(_functions, "_where_byte_warned", [False])
    with pytest.warns(UserWarning, match="where received a uint8 condition tensor") as rec:
        out = ember.where(ember.tensor([1, 0], dtype=ember.uint8), ember.ones(2), ember.zeros(2))
    assert rec[0].filename == __file__
    want = torch.where(torch.tensor([1, 0], dtype=torch.uint8), torch.ones(2), torch.zeros(2))
    np.testing.assert_array_equal(out.numpy(), want.numpy())
    with warnings.catch_warnings():  # once per process, as PyTorch's
        warnings.simplefilter("error")
        ember.where(ember.tensor([1, 0], dtype=ember.uint8), 1.0, 0.0)
