"""Datasets, random_split and samplers, side by side with torch.utils.data."""

import functools

import numpy as np
import pytest

import ember
from ember.utils import data as ed


def _err(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def test_tensor_dataset(torch):
    x = ember.arange(12).reshape(6, 2)
    y = ember.arange(6)
    ds = ed.TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[4]
    assert a.tolist() == [8, 9] and b.item() == 4
    tds = torch.utils.data.TensorDataset(torch.arange(12).reshape(6, 2), torch.arange(6))
    assert len(tds) == len(ds)


def test_tensor_dataset_size_mismatch(torch):
    ours = _err(lambda: ed.TensorDataset(ember.zeros(3), ember.zeros(4)))
    theirs = _err(lambda: torch.utils.data.TensorDataset(torch.zeros(3), torch.zeros(4)))
    assert ours == theirs == (AssertionError, "Size mismatch between tensors")


def test_dataset_base_errors(torch):
    assert _err(lambda: ed.Dataset()[0]) == _err(lambda: torch.utils.data.Dataset()[0])
    # __iter__ is abstract: a subclass without one cannot be instantiated
    def no_iter(mod):
        class NoIter(mod.utils.data.IterableDataset):
            pass
        return NoIter

    assert _err(ed.IterableDataset) == _err(torch.utils.data.IterableDataset)
    assert _err(no_iter(ember)) == _err(no_iter(torch))
    assert _err(no_iter(ember))[1].startswith("Can't instantiate abstract class NoIter")


class _Stream(ed.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_concat_subset_chain(torch):
    ds = ed.ConcatDataset([list(range(3)), list(range(10, 12))])
    tds = torch.utils.data.ConcatDataset([list(range(3)), list(range(10, 12))])
    assert len(ds) == len(tds) == 5
    assert [ds[i] for i in range(-5, 5)] == [tds[i] for i in range(-5, 5)]
    assert ds.cumulative_sizes == tds.cumulative_sizes
    assert _err(lambda: ds[-6]) == _err(lambda: tds[-6])
    assert _err(lambda: ed.ConcatDataset([])) == _err(lambda: torch.utils.data.ConcatDataset([]))
    assert _err(lambda: ed.ConcatDataset([_Stream(2)]))[1] == "ConcatDataset does not support IterableDataset"
    assert isinstance(ed.TensorDataset(ember.zeros(2)) + ed.TensorDataset(ember.ones(3)), ed.ConcatDataset)

    sub = ed.Subset(list(range(10, 20)), [3, 1, 7])
    assert len(sub) == 3 and sub[0] == 13 and sub[-1] == 17
    assert sub.__getitems__([0, 2]) == [13, 17]

    chain = ed.ChainDataset([_Stream(3), _Stream(2)])
    assert list(chain) == [0, 1, 2, 0, 1] and len(chain) == 5
    assert list(_Stream(2) + _Stream(1)) == [0, 1, 0]


def test_random_split_counts_and_fractions(torch):
    g = ember.Generator().manual_seed(3)
    a, b, c = ed.random_split(range(10), [3, 3, 4], generator=g)
    got = sorted(list(a) + list(b) + list(c))
    assert got == list(range(10)) and (len(a), len(b), len(c)) == (3, 3, 4)

    # Fractions: lengths as PyTorch computes them (floor, then the remainder round-robin).
    for n, fr in [(10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]), (11, [0.1, 0.2, 0.7])]:
        ours = [len(s) for s in ed.random_split(range(n), fr)]
        theirs = [len(s) for s in torch.utils.data.random_split(range(n), fr)]
        assert ours == theirs

    # The same seed gives the same split; a different seed a different one.
    s1 = [list(s) for s in ed.random_split(range(50), [0.5, 0.5], generator=ember.Generator().manual_seed(1))]
    s2 = [list(s) for s in ed.random_split(range(50), [0.5, 0.5], generator=ember.Generator().manual_seed(1))]
    s3 = [list(s) for s in ed.random_split(range(50), [0.5, 0.5], generator=ember.Generator().manual_seed(2))]
    assert s1 == s2 and s1 != s3
    assert sorted(s1[0] + s1[1]) == list(range(50))


def test_random_split_errors(torch):
    for lengths in ([3, 3], [0.5, 0.6]):
        assert _err(lambda lengths=lengths: ed.random_split(range(10), lengths)) == \
            _err(lambda lengths=lengths: torch.utils.data.random_split(range(10), lengths))
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        ed.random_split(range(1), [0.5, 0.5])


def test_sequential_and_random_sampler():
    assert list(ed.SequentialSampler(range(4))) == [0, 1, 2, 3]
    s = ed.RandomSampler(range(20), generator=ember.Generator().manual_seed(0))
    e1, e2 = list(s), list(s)
    assert sorted(e1) == list(range(20)) and sorted(e2) == list(range(20)) and e1 != e2  # reshuffles each epoch
    again = list(ed.RandomSampler(range(20), generator=ember.Generator().manual_seed(0)))
    assert again == e1
    # Without a generator: seeded by the global generator.
    ember.manual_seed(5)
    a = list(ed.RandomSampler(range(20)))
    ember.manual_seed(5)
    assert list(ed.RandomSampler(range(20))) == a


def test_random_sampler_num_samples_and_replacement():
    s = ed.RandomSampler(range(5), num_samples=12)
    out = list(s)
    assert len(out) == len(s) == 12
    assert sorted(out[:5]) == list(range(5)) and sorted(out[5:10]) == list(range(5))
    r = list(ed.RandomSampler(range(3), replacement=True, num_samples=200))
    assert len(r) == 200 and set(r) == {0, 1, 2}


def test_sampler_errors(torch):
    tu = torch.utils.data
    cases = [
        (lambda m: m.RandomSampler(range(3), replacement=1)),
        (lambda m: m.RandomSampler(range(3), num_samples=0)),
        (lambda m: m.RandomSampler(range(0))),
        (lambda m: m.WeightedRandomSampler([[1.0]], 2)),
        (lambda m: m.WeightedRandomSampler([1.0], 0)),
        (lambda m: m.WeightedRandomSampler([1.0], 2, replacement=2)),
        (lambda m: m.BatchSampler(range(3), 0, False)),
        (lambda m: m.BatchSampler(range(3), 2.0, False)),
        (lambda m: m.BatchSampler(range(3), 2, 1)),
    ]
    for case in cases:
        assert _err(lambda case=case: case(ed)) == _err(lambda case=case: case(tu))


def test_subset_random_and_weighted_sampler():
    s = ed.SubsetRandomSampler([5, 7, 9, 11], generator=ember.Generator().manual_seed(0))
    assert sorted(s) == [5, 7, 9, 11] and len(s) == 4
    w = ed.WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=ember.Generator().manual_seed(0))
    counts = np.bincount(list(w), minlength=3)
    assert counts[0] == 0 and 800 < counts[1] < 1200 and len(w) == 4000
    nr = list(ed.WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False))
    assert sorted(nr) == [0, 1, 2]


def test_batch_sampler(torch):
    for n, bs, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (2, 5, True)]:
        ours = ed.BatchSampler(ed.SequentialSampler(range(n)), bs, drop)
        theirs = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(n)), bs, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        generic = ed.BatchSampler(list(range(n)), bs, drop)  # any iterable of indices
        assert list(generic) == list(theirs)
    rs = ed.RandomSampler(range(10), generator=ember.Generator().manual_seed(4))
    batches = list(ed.BatchSampler(rs, 4, False))
    assert [len(b) for b in batches] == [4, 4, 2] and sorted(sum(batches, [])) == list(range(10))


def test_batch_sampler_huge_num_samples_is_lazy(torch):
    # minGPT's trainer: RandomSampler(replacement=True, num_samples=int(1e10)); the first batch comes at once
    # and, as in PyTorch, only the first chunk of 32 draws has been taken from the generator.
    tu = torch.utils.data
    for num_samples in (10**6, 10**10):
        e, t = ember.Generator().manual_seed(3), torch.Generator().manual_seed(3)
        ours = ed.BatchSampler(ed.RandomSampler(range(100), True, num_samples, generator=e), 16, False)
        theirs = tu.BatchSampler(tu.RandomSampler(range(100), True, num_samples, generator=t), 16, False)
        assert next(iter(ours)) == next(iter(theirs))
        assert ember.randint(0, 1000, (5,), generator=e).tolist() == torch.randint(0, 1000, (5,), generator=t).tolist()
    e, t = ember.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    ours = ed.DataLoader(range(50), 7, sampler=ed.RandomSampler(range(50), num_samples=10**12, generator=e))
    theirs = tu.DataLoader(range(50), 7, sampler=tu.RandomSampler(range(50), num_samples=10**12, generator=t))
    it_e, it_t = iter(ours), iter(theirs)
    for _ in range(20):  # across several permutations of the 50 indices
        assert next(it_e).tolist() == next(it_t).tolist()


@pytest.mark.parametrize("replacement,num_samples,bs,drop", [
    (True, 70013, 64, False), (True, 70013, 64, True), (True, 4100, 3000, False), (False, 300, 7, False),
    (False, 250, 16, True)])
def test_batch_sampler_random_order_matches_torch(torch, replacement, num_samples, bs, drop):
    tu = torch.utils.data
    e, t = ember.Generator().manual_seed(7), torch.Generator().manual_seed(7)
    ours = ed.BatchSampler(ed.RandomSampler(range(90), replacement, num_samples, generator=e), bs, drop)
    theirs = tu.BatchSampler(tu.RandomSampler(range(90), replacement, num_samples, generator=t), bs, drop)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert ember.randint(0, 1000, (5,), generator=e).tolist() == torch.randint(0, 1000, (5,), generator=t).tolist()


def test_stack_dataset_matches_torch(torch):
    tu = torch.utils.data
    assert ed.StackDataset([1, 2], [3, 4])[1] == tu.StackDataset([1, 2], [3, 4])[1] == (2, 4)
    assert ed.StackDataset(a=[1], b=[2])[0] == tu.StackDataset(a=[1], b=[2])[0] == {"a": 1, "b": 2}
    assert len(ed.StackDataset([1, 2], [3, 4])) == 2
    for args, kwargs in [((), {}), (([1], [1, 2]), {}), (([1],), {"a": [1]}), ((), {"a": [1], "b": [1, 2]})]:
        assert _err(lambda args=args, kwargs=kwargs: ed.StackDataset(*args, **kwargs)) == \
            _err(lambda args=args, kwargs=kwargs: tu.StackDataset(*args, **kwargs))


_GENERIC = ["Dataset", "IterableDataset", "ConcatDataset", "Subset", "StackDataset", "Sampler", "DistributedSampler",
            "DataLoader"]
_CONCRETE = ["TensorDataset", "ChainDataset", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
             "WeightedRandomSampler", "BatchSampler"]


def test_classes_are_generic_as_in_torch(torch):
    from typing import Any, Tuple  # noqa: UP035 - the spelling of PyTorch's docs and of much user code

    for name in _GENERIC + _CONCRETE:  # the same type parameters and typing bases
        ours, theirs = getattr(ed, name), getattr(torch.utils.data, name)
        assert [str(p) for p in ours.__parameters__] == [str(p) for p in theirs.__parameters__], name
        assert [b.__name__ for b in ours.__mro__] == [b.__name__ for b in theirs.__mro__], name
    for name in _GENERIC:
        assert getattr(ed, name)[Any].__origin__ is getattr(ed, name)
    for name in _CONCRETE:  # already parametrized: subscripting them is an error in both (ChainDataset aside)
        if name == "ChainDataset":
            assert ed.ChainDataset[int].__origin__ is ed.ChainDataset
            continue
        ours = _err(functools.partial(getattr(ed, name).__class_getitem__, int))
        theirs = _err(functools.partial(getattr(torch.utils.data, name).__class_getitem__, int))
        assert ours == (TypeError, theirs[1].replace("torch.utils.data", "ember.utils.data")), name
    assert ed.TensorDataset.__orig_bases__[0].__args__[0] == tuple[ember.Tensor, ...]
    assert ed.BatchSampler.__orig_bases__[0].__args__ == (list[int],)

    class Pairs(ed.Dataset[Tuple[ember.Tensor, int]]):  # noqa: UP006
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return ember.full((2,), float(i)), i

    batches = list(ed.DataLoader[tuple[ember.Tensor, ember.Tensor]](Pairs(), batch_size=2))
    assert [b[1].tolist() for b in batches] == [[0, 1], [2]]
    assert isinstance(Pairs() + Pairs(), ed.ConcatDataset)
    sampler: ed.Sampler[int] = ed.SequentialSampler(range(3))
    assert list(sampler) == [0, 1, 2]


def _batches(torch_mod, loader_ds, bs=4):
    return [[t.tolist() if hasattr(t, "tolist") else t for t in b]
            for b in torch_mod.utils.data.DataLoader(loader_ds, batch_size=bs)]


def test_tensor_dataset_subclass_getitems_is_used(torch):
    # The whole-batch fast path must step aside for a subclass's own __getitems__ (and a Subset of one, and a
    # Subset subclass with its own __getitems__).
    def make(mod):
        tu = mod.utils.data

        class TD(tu.TensorDataset):
            def __getitems__(self, idx):
                return [(x * 0, 99) for x, _ in (self[i] for i in idx)]

        class Sub(tu.Subset):
            def __getitems__(self, idx):
                return [(self.dataset[self.indices[i]][0] + 100, 7) for i in idx]

        x, y = mod.arange(12.).reshape(6, 2), mod.arange(6)
        return [TD(x, y), tu.Subset(TD(x, y), [4, 1]), Sub(tu.TensorDataset(x, y), [0, 3]),
                tu.Subset(tu.TensorDataset(x, y), [5, 0, 2])]

    for ours, theirs in zip(make(ember), make(torch)):
        assert _batches(ember, ours) == _batches(torch, theirs)


def test_stack_dataset_getitems_matches_torch(torch, norm):
    def make(mod):
        tu = mod.utils.data

        class G(tu.Dataset):
            def __init__(self, bad=False):
                self.bad = bad

            def __len__(self):
                return 6

            def __getitem__(self, i):
                return -i

            def __getitems__(self, idx):
                out = [i * 10 for i in idx]
                return out[:-1] if self.bad else tuple(out)

        td = tu.TensorDataset(mod.arange(6.))
        return [tu.StackDataset(td, range(6)), tu.StackDataset(a=td, b=G()), tu.StackDataset(td, G()),
                tu.StackDataset(a=td, b=G(bad=True))]

    for i, (ours, theirs) in enumerate(zip(make(ember), make(torch))):
        if i == 3:  # a nested __getitems__ returning the wrong number of samples
            assert _err(lambda o=ours: o.__getitems__([1, 2])) == _err(lambda t=theirs: t.__getitems__([1, 2]))
            continue
        for idx in ([0, 2], [], [5]):
            assert norm(ours.__getitems__(idx)) == norm(theirs.__getitems__(idx))
        assert norm(list(ember.utils.data.DataLoader(ours, batch_size=4))) == \
            norm(list(torch.utils.data.DataLoader(theirs, batch_size=4)))
