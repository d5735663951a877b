"""ember.utils.dlpack compared with torch.utils.dlpack."""

import numpy as np
import pytest

import ember


def test_dlpack_module_and_device(torch):
    import torch.utils.dlpack as tdl

    edl = ember.utils.dlpack  # reachable as an attribute, as torch.utils.dlpack is
    assert {k: int(v) for k, v in edl.DLDeviceType.__members__.items()} == {
        k: int(v) for k, v in tdl.DLDeviceType.__members__.items()}
    dev = ember.ones(2).__dlpack_device__()
    assert dev == torch.ones(2).__dlpack_device__()
    assert dev[0] is edl.DLDeviceType.kDLCPU


def test_dlpack_round_trips(torch):
    from ember.utils.dlpack import from_dlpack, to_dlpack

    x = ember.arange(6.0).reshape(2, 3)
    cap = to_dlpack(x)
    assert type(cap).__name__ == "PyCapsule"
    assert from_dlpack(cap).tolist() == x.tolist()
    a = np.arange(4, dtype=np.int32)
    assert from_dlpack(a).tolist() == torch.utils.dlpack.from_dlpack(a).tolist()
    assert str(from_dlpack(a).dtype) == "ember.int32"
    assert torch.utils.dlpack.from_dlpack(to_dlpack(x)).tolist() == x.tolist()


def test_from_dlpack_bad_input(torch):
    with pytest.raises(RuntimeError) as t:
        torch.utils.dlpack.from_dlpack(3)
    with pytest.raises(RuntimeError) as e:
        ember.utils.dlpack.from_dlpack(3)
    assert str(e.value) == str(t.value)


@pytest.mark.parametrize("make", [lambda L: L.arange(3.0), lambda L: L.arange(6.0).reshape(2, 3).t(),
                                  lambda L: L.tensor(2.0)])
def test_from_capsule_shares_writable_memory(torch, make):
    # a legacy capsule carries no read-only flag: torch writes through it into the exporter's memory
    def go(lib, dl):
        x = make(lib)
        y = dl.from_dlpack(dl.to_dlpack(x))
        y.fill_(7.0)
        y.mul_(2)
        return x.tolist(), y.stride()
    import torch.utils.dlpack as tdl
    assert go(ember, ember.utils.dlpack) == go(torch, tdl)
