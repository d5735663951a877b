"""DistributedSampler, side by side with torch.utils.data.DistributedSampler."""

import pytest

import ember
from ember.utils import data as ed


def _err(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


@pytest.mark.parametrize("n,replicas", [(10, 3), (9, 3), (2, 5), (7, 1), (0, 2), (11, 4)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_split_matches_torch(torch, n, replicas, drop_last):
    for rank in range(replicas):
        ours = ed.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                                                     drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs) == ours.num_samples == theirs.num_samples
        assert ours.total_size == theirs.total_size


@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_split_structure(torch, drop_last):
    # ember's generator is not PyTorch's Mersenne Twister: the permutation differs, but the replicas together
    # cover the dataset exactly as torch's do (padding repeats the start of the same permutation).
    n, replicas = 10, 3
    ours = [list(ed.DistributedSampler(range(n), num_replicas=replicas, rank=r, drop_last=drop_last))
            for r in range(replicas)]
    theirs = [list(torch.utils.data.DistributedSampler(range(n), num_replicas=replicas, rank=r,
                                                       drop_last=drop_last)) for r in range(replicas)]
    assert [len(o) for o in ours] == [len(t) for t in theirs]
    flat = [i for pos in range(len(ours[0])) for o in ours for i in [o[pos]]]  # interleave back
    if drop_last:
        assert len(set(flat)) == len(flat) == 9
    else:
        assert sorted(set(flat)) == list(range(n)) and flat[n:] == flat[:2]


def test_set_epoch_and_seed():
    s = ed.DistributedSampler(range(20), num_replicas=2, rank=0, seed=5)
    first = list(s)
    assert list(s) == first  # the same epoch gives the same order
    s.set_epoch(1)
    assert s.epoch == 1 and list(s) != first
    again = ed.DistributedSampler(range(20), num_replicas=2, rank=0, seed=4)
    again.set_epoch(2)
    assert list(again) == list(s)  # seeded with seed + epoch
    other = ed.DistributedSampler(range(20), num_replicas=2, rank=1, seed=5)
    assert sorted(first + list(other)) == list(range(20))  # replicas agree on the permutation
    # the global generator is left alone
    ember.manual_seed(0)
    a = ember.rand(1).item()
    ember.manual_seed(0)
    list(s)
    assert ember.rand(1).item() == a


def test_attributes_match_torch(torch):
    ours = ed.DistributedSampler(range(10), num_replicas=3, rank=2, shuffle=False, seed=7, drop_last=True)
    theirs = torch.utils.data.DistributedSampler(range(10), num_replicas=3, rank=2, shuffle=False, seed=7,
                                                 drop_last=True)
    keys = ("num_replicas", "rank", "epoch", "drop_last", "num_samples", "total_size", "shuffle", "seed")
    assert {k: getattr(ours, k) for k in keys} == {k: getattr(theirs, k) for k in keys}
    assert isinstance(ours, ed.Sampler)
    assert ed.distributed.DistributedSampler is ed.DistributedSampler


@pytest.mark.parametrize("kwargs", [{}, {"num_replicas": 2}, {"rank": 0}, {"num_replicas": 2, "rank": 2},
                                    {"num_replicas": 2, "rank": -1}, {"num_replicas": 0, "rank": 0}])
def test_errors_match_torch(torch, kwargs):
    ours = _err(lambda: ed.DistributedSampler(range(4), **kwargs))
    theirs = _err(lambda: torch.utils.data.DistributedSampler(range(4), **kwargs))
    assert ours == theirs
    assert ours[0] is ValueError


def test_with_dataloader():
    ds = ed.TensorDataset(ember.arange(10))
    sampler = ed.DistributedSampler(ds, num_replicas=2, rank=1, shuffle=False)
    batches = [b[0].tolist() for b in ed.DataLoader(ds, batch_size=2, sampler=sampler)]
    assert batches == [[1, 3], [5, 7], [9]]


def test_defaults_come_from_the_process_group(tmp_path):
    import ember.distributed as dist
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'pg'}", rank=0, world_size=1)
    try:
        sampler = ed.DistributedSampler(range(5), shuffle=False)
        assert (sampler.num_replicas, sampler.rank, list(sampler)) == (1, 0, [0, 1, 2, 3, 4])
    finally:
        dist.destroy_process_group()
