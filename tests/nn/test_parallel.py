"""ember/nn/parallel (DataParallel, DistributedDataParallel) against torch.nn.parallel on a CPU-only machine."""

import numpy as np
import pytest

import ember
import ember.nn as nn


def _err(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def test_data_parallel_calls_the_module(torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3)).astype("float32")
    t_lin = torch.nn.Linear(3, 2)
    e_lin = nn.Linear(3, 2)
    e_lin.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_lin.state_dict().items()})
    t_dp, e_dp = torch.nn.DataParallel(t_lin), nn.DataParallel(e_lin)
    assert e_dp.module is e_lin and e_dp.device_ids == t_dp.device_ids == []
    assert repr(e_dp) == repr(t_dp)
    assert list(e_dp.state_dict()) == list(t_dp.state_dict()) == ["module.weight", "module.bias"]
    assert [n for n, _ in e_dp.named_parameters()] == [n for n, _ in t_dp.named_parameters()]
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = e_dp(xe), t_dp(xt)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-6)
    ye.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(e_lin.weight.grad.numpy(), t_lin.weight.grad.numpy(), rtol=1e-6)
    # keyword inputs pass through; arguments that need accelerators are ignored
    assert nn.DataParallel(e_lin, device_ids=[0], output_device=0, dim=1)(input=xe).shape == (4, 2)
    assert torch.nn.DataParallel(t_lin, device_ids=[0], output_device=0, dim=1).device_ids == []


def test_data_parallel_state_dict_round_trip_with_torch(torch):
    t_dp = torch.nn.DataParallel(torch.nn.Conv2d(2, 3, 3))
    e_dp = nn.DataParallel(nn.Conv2d(2, 3, 3))
    e_dp.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_dp.state_dict().items()})
    np.testing.assert_array_equal(e_dp.module.weight.detach().numpy(), t_dp.module.weight.detach().numpy())
    e_dp.eval()
    assert not e_dp.module.training


def test_namespace(torch):
    assert nn.parallel.DataParallel is nn.DataParallel
    for name in ("DataParallel", "DistributedDataParallel", "DistributedDataParallelCPU", "data_parallel"):
        assert hasattr(torch.nn.parallel, name) and hasattr(nn.parallel, name)
    assert issubclass(nn.parallel.DistributedDataParallel, nn.Module)


@pytest.mark.parametrize("case", [
    lambda m: m.nn.parallel.DistributedDataParallel(m.nn.Linear(2, 2)),
    lambda m: m.nn.parallel.DistributedDataParallel(m.nn.ReLU(), device_ids=None, find_unused_parameters=True),
    lambda m: m.nn.parallel.data_parallel(m.nn.Linear(2, 2), m.zeros(1, 2)),
])
def test_errors_match_torch(torch, case):
    assert _err(lambda: case(ember)) == _err(lambda: case(torch))


def test_distributed_data_parallel_cpu_warns(torch):
    with pytest.warns(FutureWarning) as e_rec, pytest.raises(ValueError):
        nn.parallel.DistributedDataParallelCPU(nn.Linear(2, 2))
    with pytest.warns(FutureWarning) as t_rec, pytest.raises(ValueError):
        torch.nn.parallel.DistributedDataParallelCPU(torch.nn.Linear(2, 2))
    assert str(e_rec[0].message) == str(t_rec[0].message)
