"""Memory shared with NumPy arrays that are read-only (ember.from_numpy), compared with torch."""

import warnings

import numpy as np
import pytest

import ember
from ember import _functions


def test_from_numpy_of_bytes_shares_the_memory_as_in_torch(torch, monkeypatch):
    # np.frombuffer(b"...") was copied: the tensor did not share the array's memory
    monkeypatch.setitem(_functions._warned_once, "read_only", False)
    for lib in (ember, torch):
        raw = bytes(range(1, 9))  # (a fresh bytes object: writes reach it, as PyTorch's do)
        a = np.frombuffer(raw, dtype=np.uint8)[2:]
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            t = lib.from_numpy(a)
        if lib is ember:
            assert [w.category for w in seen] == [UserWarning]
            assert str(seen[0].message).startswith("The given NumPy array is not writable")
        assert np.shares_memory(t.numpy(), a) and t.tolist() == [3, 4, 5, 6, 7, 8]
        t[0] = 100
        t[1:3].add_(1)
        assert raw == bytes([1, 2, 100, 5, 6, 6, 7, 8]) and a.tolist() == [100, 5, 6, 6, 7, 8], lib
        assert not a.flags.writeable
    one = np.frombuffer(b"\x07", dtype=np.uint8)  # (one-byte bytes objects are shared singletons: copied)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ember.from_numpy(one)[0] = 9
    assert b"\x07"[0] == 7


def test_from_numpy_of_a_read_only_memmap_stays_read_only(tmp_path):
    # (PyTorch's writes to such a tensor crash the process)
    path = tmp_path / "m.bin"
    np.arange(4, dtype=np.float32).tofile(path)
    m = np.memmap(path, dtype=np.float32, mode="r")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = ember.from_numpy(m)
    assert np.shares_memory(t.numpy(), m)
    with pytest.raises(RuntimeError):
        t.add_(1)
    assert m.tolist() == [0.0, 1.0, 2.0, 3.0] and t.sum().item() == 6.0
