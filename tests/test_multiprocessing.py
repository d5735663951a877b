"""Shared memory between processes (Tensor.share_memory_ / is_shared, Module.share_memory, ForkingPickler
handles) and ember.multiprocessing.spawn / start_processes, compared with torch."""

import copy
import multiprocessing
import pickle

import pytest

import ember
import ember.multiprocessing as emp


def _write(rank, t):
    t[rank] += rank + 1


def _train(model):
    lib = ember if type(model.weight).__module__.startswith("ember") else __import__("torch")
    with lib.no_grad():
        model.weight.add_(1.0)


def _fork_run(target, args_list):
    ctx = multiprocessing.get_context("fork")
    ps = [ctx.Process(target=target, args=args) for args in args_list]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    return [p.exitcode for p in ps]


@pytest.mark.parametrize("name", ["ember", "torch"])
def test_forked_writes_reach_parent(name, torch):
    lib = ember if name == "ember" else torch
    t = lib.zeros(3)
    assert t.share_memory_() is t and t.is_shared()
    assert _fork_run(_write, [(0, t), (1, t)]) == [0, 0]
    assert t.tolist() == [1.0, 2.0, 0.0]  # (before the fix ember's parent saw [0, 0, 0])


@pytest.mark.parametrize("name", ["ember", "torch"])
def test_module_share_memory_hogwild(name, torch):
    lib = ember if name == "ember" else torch
    m = lib.nn.Linear(2, 2)
    m(lib.ones(1, 2)).sum().backward()
    weight = m.weight
    before = m.weight.detach().clone()
    assert m.share_memory() is m
    assert m.weight is weight and type(m.weight).__name__ == "Parameter" and m.weight.requires_grad
    assert m.weight.is_shared() and m.bias.is_shared() and m.weight.grad.is_shared()
    assert _fork_run(_train, [(m,), (m,)]) == [0, 0]
    assert (m.weight.detach() - before).tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_share_memory_semantics(torch):
    def facts(lib):
        t = lib.arange(6.0).reshape(2, 3).t()
        r = lib.zeros(2, requires_grad=True)
        (r * 2).sum().backward()
        out = [t.is_shared(), t.share_memory_().is_shared(), t.is_contiguous(), t.shape, t.tolist(),
               t[0].is_shared(), (t + 1).is_shared(), t.clone().is_shared(),
               copy.deepcopy(t).is_shared(), pickle.loads(pickle.dumps(t)).is_shared(),
               r.share_memory_().is_shared(), r.requires_grad, r.grad.is_shared(),
               lib.zeros(0).share_memory_().is_shared(), lib.tensor(1.0).share_memory_().is_shared(),
               lib.zeros(2, dtype=lib.int64).share_memory_().dtype == lib.int64]
        bn = lib.nn.BatchNorm1d(2).share_memory()
        return out + [bn.running_mean.is_shared(), bn.num_batches_tracked.is_shared()]

    e, t = facts(ember), facts(torch)
    assert e[3] == tuple(t[3])
    e[3] = t[3] = None
    assert e == t


def test_meta_tensor_cannot_be_shared(torch):
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="_share_fd_: only available on CPU"):
            lib.empty(2, device="meta").share_memory_()


def _queue_back(q, out):
    t = q.get()
    t += 5
    out.put(t.is_shared())


def test_spawned_process_and_queue_write_shared_memory():
    # ForkingPickler sends a shared tensor as a handle to the same memory (spawn arguments, Queue items)
    ctx = multiprocessing.get_context("spawn")
    t = ember.zeros(3).share_memory_()
    q, out = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=_queue_back, args=(q, out))
    p.start()
    q.put(t)
    assert out.get(timeout=60) is True
    p.join()
    assert p.exitcode == 0 and t.tolist() == [5.0, 5.0, 5.0]


def _queue_private(q):
    q.put(ember.arange(3.0) * 2)


def test_private_tensor_through_queue_is_copied():
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_queue_private, args=(q,))
    p.start()
    got = q.get(timeout=30)
    p.join()
    assert type(got) is ember.Tensor and got.tolist() == [0.0, 2.0, 4.0] and not got.is_shared()


def _fail(rank):
    raise ValueError(f"bad rank {rank}")


def _exit3(rank):
    import os
    os._exit(3)


def _ok(rank, t):
    t[rank] = rank + 10


def test_spawn_raises_child_exception(torch):
    import torch.multiprocessing as tmp
    msgs = []
    # ember goes through a real spawn; torch forks (a spawned child re-imports torch, ~6 s): both format the
    # child's error in ProcessContext.join, so the message is the same either way
    for m, run in ((emp, lambda: emp.spawn(_fail, nprocs=1)),
                   (tmp, lambda: tmp.start_processes(_fail, nprocs=1, start_method="fork"))):
        with pytest.raises(m.ProcessRaisedException) as info:
            run()
        assert info.value.error_index == 0 and isinstance(info.value.error_pid, int)
        msgs.append(str(info.value))
    for msg in msgs:
        assert msg.startswith("\n\n-- Process 0 terminated with the following error:\nTraceback (most recent call")
        assert msg.endswith('raise ValueError(f"bad rank {rank}")\nValueError: bad rank 0\n')
    assert issubclass(emp.ProcessRaisedException, emp.ProcessException)


def test_start_processes_fork_exit_code_and_context():
    with pytest.raises(emp.ProcessExitedException, match="^process 0 terminated with exit code 3$") as info:
        emp.start_processes(_exit3, nprocs=1, start_method="fork")
    assert info.value.exit_code == 3 and info.value.signal_name is None
    t = ember.zeros(2).share_memory_()
    ctx = emp.start_processes(_ok, args=(t,), nprocs=2, join=False, start_method="fork")
    assert type(ctx).__name__ == "ProcessContext" and len(ctx.pids()) == 2
    while not ctx.join():
        pass
    assert t.tolist() == [10.0, 11.0]
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        pytest.raises(emp.ProcessRaisedException, emp.spawn, _fail, start_method="fork")
