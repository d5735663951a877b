"""DataLoader with worker processes (2 at most: the test machine is small)."""

import os
import time

import numpy as np
import pytest

import ember
from ember.utils import data as ed


class Squares(ed.Dataset):
    """Per-sample dataset (no fast path) that records which process served each item."""

    def __len__(self):
        return 11

    def __getitem__(self, i):
        return {"x": np.full((2,), i * i, dtype=np.float32), "i": i}


def _flat(batches):
    out = []
    for b in batches:
        if isinstance(b, dict):
            out.append({k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in b.items()})
        elif isinstance(b, (list, tuple)):
            out.append([v.tolist() if hasattr(v, "tolist") else v for v in b])
        else:
            out.append(b.tolist() if hasattr(b, "tolist") else b)
    return out


@pytest.mark.parametrize("shuffle", [False, True])
def test_workers_give_the_same_batches_as_main_process(shuffle):
    def run(workers, ds):
        g = ember.Generator().manual_seed(1)
        return _flat(ed.DataLoader(ds, batch_size=3, shuffle=shuffle, generator=g, num_workers=workers))

    assert run(2, Squares()) == run(0, Squares())
    tds = ed.TensorDataset(ember.arange(20).reshape(10, 2), ember.arange(10))
    assert run(2, tds) == run(0, tds)
    assert len(ed.DataLoader(Squares(), batch_size=3, num_workers=2)) == 4


def test_workers_without_generator_follow_global_seed():
    ember.manual_seed(11)
    a = _flat(ed.DataLoader(Squares(), batch_size=4, shuffle=True, num_workers=2))
    ember.manual_seed(11)
    b = _flat(ed.DataLoader(Squares(), batch_size=4, shuffle=True, num_workers=0))
    assert a == b


class Sharded(ed.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = ed.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


def test_iterable_sharding_matches_torch(torch):
    class TSharded(torch.utils.data.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            if info is None:
                return iter(range(self.n))
            return iter(range(info.id, self.n, info.num_workers))

    for bs in (None, 2, 3):
        ours = _flat(ed.DataLoader(Sharded(9), batch_size=bs, num_workers=2))
        theirs = _flat(torch.utils.data.DataLoader(TSharded(9), batch_size=bs, num_workers=2))
        assert ours == theirs


class InfoDataset(ed.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = ed.get_worker_info()
        return {"id": info.id, "n": info.num_workers, "seed": info.seed, "r": float(ember.rand(1).item()),
                "np": float(np.random.rand()), "init": os.environ.get("EMBER_TEST_INIT", "")}


def _init(worker_id):
    os.environ["EMBER_TEST_INIT"] = f"w{worker_id}"


def test_worker_info_seeding_and_init_fn():
    def run():
        loader = ed.DataLoader(InfoDataset(), batch_size=None, num_workers=2, worker_init_fn=_init,
                               generator=ember.Generator().manual_seed(5))
        return list(loader)

    items = run()
    assert [it["id"] for it in items] == [0, 1, 0, 1]
    assert all(it["n"] == 2 for it in items)
    assert [it["init"] for it in items] == ["w0", "w1", "w0", "w1"]
    assert items[1]["seed"] == items[0]["seed"] + 1
    assert items[0]["r"] != items[1]["r"] and items[0]["np"] != items[1]["np"]  # workers draw different streams
    again = run()
    assert [it["r"] for it in again] == [it["r"] for it in items]  # seeded runs repeat
    assert [it["seed"] for it in again] == [it["seed"] for it in items]


class Failing(ed.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise KeyError(f"no item {i}")
        if i == 6:
            raise ValueError("bad value in sample 6")
        return i


def test_worker_exception_is_reraised_with_worker_id_and_traceback():
    with pytest.raises(KeyError) as info:
        list(ed.DataLoader(Failing(), batch_size=None, num_workers=2))
    msg = str(info.value)
    assert "Caught KeyError in DataLoader worker process 1." in msg
    assert "Original Traceback (most recent call last):" in msg and "no item 5" in msg
    assert "in __getitem__" in msg
    with pytest.raises(ValueError, match=r"(?s)worker process 0.*bad value in sample 6"):
        list(ed.DataLoader(Failing(), batch_size=None, sampler=[6], num_workers=2))


class Dying(ed.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            os._exit(1)
        return i


def test_dead_worker_raises_instead_of_hanging():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+.*\) exited unexpectedly"):
        list(ed.DataLoader(Dying(), batch_size=None, num_workers=2))


def _unpicklable_collate(batch):
    return lambda: batch


def test_unpicklable_batch_raises_instead_of_hanging():
    with pytest.raises(Exception, match="worker process"):
        list(ed.DataLoader(list(range(4)), batch_size=2, num_workers=1, collate_fn=_unpicklable_collate))


class Slow(ed.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(30)
        return i


def test_timeout():
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.2 seconds"):
        list(ed.DataLoader(Slow(), batch_size=None, num_workers=1, timeout=0.2))


class Pid(ed.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return os.getpid() * 100 + i


def test_persistent_workers_are_reused_and_restart_cleanly():
    loader = ed.DataLoader(Pid(), batch_size=2, num_workers=2, persistent_workers=True, prefetch_factor=1)
    e1 = [b.tolist() for b in loader]
    it = iter(loader)
    next(it)  # a partly consumed epoch must not leak into the next one
    e2 = [b.tolist() for b in loader]
    assert [[v % 100 for v in b] for b in e1] == [[0, 1], [2, 3], [4, 5]] == [[v % 100 for v in b] for b in e2]
    assert {v // 100 for b in e1 for v in b} == {v // 100 for b in e2 for v in b}  # same processes
    assert os.getpid() not in {v // 100 for b in e1 for v in b}
    loader._iterator._shutdown_workers()


def test_persistent_workers_iterable_dataset_restarts_each_epoch():
    loader = ed.DataLoader(Sharded(5), batch_size=None, num_workers=2, persistent_workers=True)
    assert sorted(int(v) for v in loader) == [0, 1, 2, 3, 4]
    assert sorted(int(v) for v in loader) == [0, 1, 2, 3, 4]
    loader._iterator._shutdown_workers()


def test_spawn_context_pickles_the_dataset():
    ds = ed.TensorDataset(ember.arange(10), ember.arange(10) * 2)
    out = _flat(ed.DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context="spawn"))
    assert out == _flat(ed.DataLoader(ds, batch_size=4))
