"""``np.array(t)`` / ``np.asarray(t)``: NumPy 2's ``__array__(dtype, copy)`` protocol, compared with torch."""

import numpy as np
import pytest

import ember

CALLS = [
    ("array", lambda t: np.array(t)),
    ("array-copy", lambda t: np.array(t, copy=True)),
    ("asarray", lambda t: np.asarray(t)),
    ("asarray-same-dtype", lambda t: np.asarray(t, dtype=np.float32)),
    ("asarray-other-dtype", lambda t: np.asarray(t, dtype=np.float64)),
    ("array-other-dtype", lambda t: np.array(t, dtype=np.float64)),
]


@pytest.mark.parametrize("name,fn", CALLS, ids=[c[0] for c in CALLS])
def test_array_shares_as_torch(torch, name, fn):
    shares = []
    for m in (torch, ember):
        t = m.arange(3.0)
        a = fn(t)
        assert a.dtype == fn(np.zeros(3, np.float32)).dtype
        np.testing.assert_array_equal(a, [0.0, 1.0, 2.0])
        shares.append(np.shares_memory(a, t.numpy()))
    assert shares[1] == shares[0]


def test_array_copy_is_independent():
    t = ember.zeros(3)
    a = np.array(t)
    a[0] = 5.0
    assert t.tolist() == [0.0, 0.0, 0.0]


def test_array_copy_false():
    t = ember.zeros(3)
    assert np.shares_memory(np.array(t, copy=False), t.numpy())
    with pytest.raises(ValueError):
        np.array(t, dtype=np.float64, copy=False)
