"""ember.distributed's single-process group and nn.parallel.DistributedDataParallel, compared with torch."""

import warnings

import pytest

import ember
import ember.distributed as edist

_NOT_INIT = "Default process group has not been initialized, please make sure to call init_process_group."


def _libs(torch):
    import torch.distributed as tdist
    return [(ember, edist), (torch, tdist)]


@pytest.fixture
def groups(torch, tmp_path):
    """Both libraries' default group, world_size=1 over a file:// rendezvous; destroyed afterwards."""
    libs = _libs(torch)
    for i, (_, dist) in enumerate(libs):
        dist.init_process_group("gloo", init_method=f"file://{tmp_path}/pg{i}", rank=0, world_size=1)
    yield libs
    for _, dist in libs:
        if dist.is_initialized():
            dist.destroy_process_group()


def test_queries_before_init(torch):
    for _, dist in _libs(torch):
        assert (dist.is_available(), dist.is_initialized(), dist.is_gloo_available(), dist.is_nccl_available(),
                dist.is_mpi_available()) == (True, False, True, False, False)
        for fn in (dist.get_rank, dist.get_world_size, dist.barrier):
            with pytest.raises(ValueError, match=_NOT_INIT):
                fn()
        with pytest.raises(AssertionError, match="Process group cannot be None"):
            dist.destroy_process_group()
        assert dist.Backend("GLOO") == dist.Backend.GLOO == "gloo"
        assert str(dist.ReduceOp.AVG) == "RedOpType.AVG" and repr(dist.ReduceOp.SUM) == "<RedOpType.SUM: 0>"


def test_env_rendezvous_needs_rank(torch, monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    for _, dist in _libs(torch):
        with pytest.raises(ValueError, match="environment variable RANK expected, but not set"):
            dist.init_process_group("gloo")
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "1")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    edist.init_process_group("gloo")  # (ember opens no socket: MASTER_PORT is not needed)
    assert (edist.get_rank(), edist.get_world_size(), edist.get_backend()) == (0, 1, "gloo")
    edist.destroy_process_group()
    assert not edist.is_initialized()


def test_world_size_above_one_is_not_implemented(tmp_path):
    with pytest.raises(NotImplementedError, match="world_size=2"):
        edist.init_process_group("gloo", init_method=f"file://{tmp_path}/pg", rank=0, world_size=2)
    assert not edist.is_initialized()


def test_collectives_single_process(groups, tmp_path):
    results = []
    for lib, dist in groups:
        out = [dist.get_rank(), dist.get_world_size(), dist.get_backend(), dist.is_initialized()]
        for op in ("SUM", "AVG", "MAX", "MIN", "PRODUCT"):
            t = lib.arange(4.0)
            out += [dist.all_reduce(t, op=getattr(dist.ReduceOp, op)), t.tolist()]
        t = lib.ones(2)
        out += [dist.broadcast(t, src=0), t.tolist(), dist.barrier()]
        gathered = [lib.zeros(2)]
        out += [dist.all_gather(gathered, lib.tensor([1.0, 2.0])), [g.tolist() for g in gathered]]
        whole = lib.zeros(2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            dist.all_gather_into_tensor(whole, lib.tensor([3.0, 4.0]))
        g = [lib.zeros(2)]
        dist.gather(lib.tensor([5.0, 6.0]), gather_list=g, dst=0)
        s = lib.zeros(2)
        dist.scatter(s, scatter_list=[lib.tensor([7.0, 8.0])], src=0)
        rs = lib.zeros(2)
        dist.reduce_scatter(rs, [lib.tensor([9.0, 1.0])])
        objs = [None]
        dist.all_gather_object(objs, {"a": 1})
        work = dist.all_reduce(lib.ones(1), async_op=True)
        pg = dist.new_group()
        out += [whole.tolist(), g[0].tolist(), s.tolist(), rs.tolist(), objs, work.wait(), work.is_completed(),
                pg.rank(), pg.size(), dist.get_rank(pg), dist.group.WORLD is dist.GroupMember.WORLD]
        with pytest.raises(ValueError, match="trying to initialize the default process group twice!"):
            dist.init_process_group("gloo", init_method=f"file://{tmp_path}/again", rank=0, world_size=1)
        with pytest.raises(ValueError, match="Invalid destination rank: destination rank should not be the same"):
            dist.send(lib.ones(1), dst=0)
        with pytest.raises(RuntimeError, match="invalid root rank: 1"):
            dist.broadcast(lib.ones(1), src=1)
        with pytest.raises(RuntimeError, match="invalid output tensor list at index 0 \\(expected length 1, got 2"):
            dist.all_gather([lib.zeros(2), lib.zeros(2)], lib.ones(2))
        results.append(out)
    assert results[0] == results[1]


def test_ddp_single_process(groups):
    results = []
    for lib, _ in groups:
        lib.manual_seed(0)
        m = lib.nn.Linear(4, 2)
        ddp = lib.nn.parallel.DistributedDataParallel(m)
        x = lib.randn(3, 4)
        out = ddp(x)
        out.sum().backward()
        with ddp.no_sync():
            ddp(x).sum().backward()
        lib.optim.SGD(ddp.parameters(), lr=0.1).step()
        sd = ddp.state_dict()
        results.append([repr(ddp).replace("ember", "torch"), list(sd), round(out.sum().item(), 5),
                        m.weight.grad.tolist(), m.weight.tolist(), ddp.module is m, ddp.require_backward_grad_sync])
        with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
            lib.nn.parallel.DistributedDataParallel(lib.nn.ReLU())
    assert results[0][:3] == results[1][:3] and results[0][5:] == results[1][5:]
    for a, b in zip(results[0][3:5], results[1][3:5]):
        assert sum(a, []) == pytest.approx(sum(b, []), rel=1e-5)


def test_ddp_needs_process_group(torch):
    for lib, _ in _libs(torch):
        with pytest.raises(ValueError, match=_NOT_INIT):
            lib.nn.parallel.DistributedDataParallel(lib.nn.Linear(2, 2))
